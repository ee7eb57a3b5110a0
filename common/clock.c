/* clock.c: real, virtual and deterministic clocks and ids; see clock.h. */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "clock.h"
#include "diag.h"
#include "exitcode.h"
#include "num.h"
#include "rfc3339.h"

static int virt, determ;
/*
 * Virtual time, ms: one per thread, so that concurrent branches of work
 * each keep their own (clock_jump_to starts a thread's).
 */
static __thread int64_t vnow;
static __thread unsigned char pool[4096];	/* ids_uuid's random bytes */
static __thread size_t poolpos = sizeof(pool);
static uint64_t idcount;

static int64_t
real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
clock_init(void)
{
	const char *e = getenv(CLOCK_DETERMINISTIC_ENV);
	int64_t t;

	if (e == NULL || *e == '\0' || strcmp(e, "0") == 0)
		return;
	determ = virt = 1;
	if (rfc3339_parse(e, strlen(e), &t) != 0)
		rfc3339_parse(CLOCK_DETERMINISTIC_T0,
		    strlen(CLOCK_DETERMINISTIC_T0), &t);
	vnow = t;
}

int
clock_set(const char *mode)
{
	if (strcmp(mode, "real") == 0) {
		if (!determ)
			virt = 0;
		return 0;
	}
	if (strcmp(mode, "virtual") == 0) {
		if (!virt)
			vnow = real_ms();
		virt = 1;
		return 0;
	}
	return -1;
}

void
clock_option(const char *mode)
{
	if (clock_set(mode) != 0)
		errx(EXIT_USAGE, "invalid clock '%s' (real or virtual)", mode);
}

int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
clock_is_virtual(void)
{
	return virt;
}

int
clock_is_deterministic(void)
{
	return determ;
}

int64_t
clock_now_ms(void)
{
	return virt ? vnow : real_ms();
}

void
clock_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	if (virt) {
		vnow += ms;
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
clock_advance_to(int64_t t)
{
	if (virt && t > vnow)
		vnow = t;
}

void
clock_jump_to(int64_t t)
{
	if (virt)
		vnow = t;
}

/* 64-bit FNV-1a from state H. */
static uint64_t
fnv64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len-- > 0) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The same, finished with a splitmix64 avalanche. */
static uint64_t
hash64(uint64_t h, const void *data, size_t len)
{
	h = fnv64(h, data, len);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static void
format_uuid(char out[UUID_BUFSZ], unsigned char b[16])
{
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	num_hex(out, b, 4);
	out[8] = '-';
	num_hex(out + 9, b + 4, 2);
	out[13] = '-';
	num_hex(out + 14, b + 6, 2);
	out[18] = '-';
	num_hex(out + 19, b + 8, 2);
	out[23] = '-';
	num_hex(out + 24, b + 10, 6);
}

static void
hash128_start(const char *salt, uint64_t n, uint64_t *h1, uint64_t *h2)
{
	*h1 = hash64(0xcbf29ce484222325ULL, salt, strlen(salt));
	*h2 = hash64(0x84222325cbf29ce4ULL, salt, strlen(salt));
	*h1 = hash64(*h1, &n, sizeof(n));
	*h2 = hash64(*h2 ^ *h1, &n, sizeof(n));
}

static void
hash128_bytes(unsigned char b[16], uint64_t h1, uint64_t h2)
{
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(h1 >> (8 * i));
		b[8 + i] = (unsigned char)(h2 >> (8 * i));
	}
}

static void
hash128(unsigned char b[16], const char *salt, uint64_t n,
    const void *data, size_t len)
{
	uint64_t h1, h2;

	hash128_start(salt, n, &h1, &h2);
	if (data != NULL) {
		h1 = hash64(h1, data, len);
		h2 = hash64(h2 ^ h1, data, len);
	}
	hash128_bytes(b, h1, h2);
}

void
ids_uuid(char out[UUID_BUFSZ], const void *seed, size_t len)
{
	unsigned char b[16];
	size_t got = 0;
	ssize_t n;

	if (determ) {
		hash128(b, diag_prog(), idcount++, seed, len);
		format_uuid(out, b);
		return;
	}
	/* random bytes are drawn 4 KiB at a time: one system call per 256 ids */
	if (poolpos + sizeof(b) > sizeof(pool)) {
		while (got < sizeof(pool)) {
			n = getrandom(pool + got, sizeof(pool) - got, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {	/* no entropy source: unique enough */
				hash128(b, diag_prog(), idcount++ ^
				    (uint64_t)real_ms(), pool, sizeof(pool));
				format_uuid(out, b);
				return;
			}
			got += (size_t)n;
		}
		poolpos = 0;
	}
	memcpy(b, pool + poolpos, sizeof(b));
	poolpos += sizeof(b);
	format_uuid(out, b);
}

void
ids_uuid_of(char out[UUID_BUFSZ], const void *data, size_t len)
{
	unsigned char b[16];

	hash128(b, "edakit", 0, data, len);
	format_uuid(out, b);
}

/*
 * hash128(b, "edakit", 0, PREFIX DATA) in parts: the salt's and the
 * counter's states are the same every time, and so is the first FNV
 * pass over the prefix (the second starts from the first's result).
 */
void
ids_uuid_prefix(struct ids_prefix *ip, const void *prefix, size_t len)
{
	uint64_t h1;

	hash128_start("edakit", 0, &h1, &ip->h2);
	ip->h1 = fnv64(h1, prefix, len);
	ip->p = prefix;
	ip->len = len;
}

void
ids_uuid_of_prefixed(char out[UUID_BUFSZ], const struct ids_prefix *ip,
    const void *data, size_t len)
{
	unsigned char b[16];
	uint64_t h1, h2;

	h1 = hash64(ip->h1, data, len);
	h2 = hash64(fnv64(ip->h2 ^ h1, ip->p, ip->len), data, len);
	hash128_bytes(b, h1, h2);
	format_uuid(out, b);
}
