/*
 * dedup.c: a deduplication window: a chained hash table of the ids seen,
 * and the same entries in the order they were seen, so that the oldest
 * ones leave as soon as they fall out of the window.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "dedup.h"
#include "num.h"
#include "xalloc.h"

struct dent {
	struct dent	*chain;		/* same bucket */
	struct dent	*newer;		/* the next seen */
	int64_t		 t;
	char		*id, *result;
};

struct dedup {
	struct dent	**bucket;
	size_t		 nbucket, n;
	struct dent	*oldest, *newest;
	int64_t		 window;
};

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s != '\0')
		h = h * 33 ^ (unsigned char)*s++;
	return h;
}

struct dedup *
dedup_new(int64_t window_ms)
{
	struct dedup *d = xcalloc(1, sizeof(*d));

	d->nbucket = 64;
	d->bucket = xcalloc(d->nbucket, sizeof(*d->bucket));
	d->window = window_ms;
	return d;
}

static void
dent_free(struct dent *e)
{
	free(e->id);
	free(e->result);
	free(e);
}

void
dedup_free(struct dedup *d)
{
	struct dent *e, *next;

	if (d == NULL)
		return;
	for (e = d->oldest; e != NULL; e = next) {
		next = e->newer;
		dent_free(e);
	}
	free(d->bucket);
	free(d);
}

/* Drop the entries that fell out of the window at NOW. */
static void
expire(struct dedup *d, int64_t now)
{
	struct dent *e, **pp;

	while ((e = d->oldest) != NULL && now - e->t >= d->window) {
		pp = &d->bucket[hash(e->id) % d->nbucket];
		while (*pp != e)
			pp = &(*pp)->chain;
		*pp = e->chain;
		d->oldest = e->newer;
		if (d->oldest == NULL)
			d->newest = NULL;
		d->n--;
		dent_free(e);
	}
}

static void
grow(struct dedup *d)
{
	struct dent **nb, *e, *next;
	size_t i, n = d->nbucket * 2;

	nb = xcalloc(n, sizeof(*nb));
	for (i = 0; i < d->nbucket; i++)
		for (e = d->bucket[i]; e != NULL; e = next) {
			next = e->chain;
			e->chain = nb[hash(e->id) % n];
			nb[hash(e->id) % n] = e;
		}
	free(d->bucket);
	d->bucket = nb;
	d->nbucket = n;
}

const char *
dedup_find(struct dedup *d, const char *id, int64_t now)
{
	struct dent *e;

	expire(d, now);
	for (e = d->bucket[hash(id) % d->nbucket]; e != NULL; e = e->chain)
		if (strcmp(e->id, id) == 0)
			return e->result;
	return NULL;
}

void
dedup_add(struct dedup *d, const char *id, int64_t now, const char *result)
{
	struct dent *e;
	size_t h;

	expire(d, now);
	if (d->n >= d->nbucket)
		grow(d);
	h = hash(id) % d->nbucket;
	e = xcalloc(1, sizeof(*e));
	e->id = xstrdup(id);
	e->result = xstrdup(result);
	e->t = now;
	e->chain = d->bucket[h];
	d->bucket[h] = e;
	if (d->newest != NULL)
		d->newest->newer = e;
	else
		d->oldest = e;
	d->newest = e;
	d->n++;
}

void
dedup_content_id(const void *body, size_t len, char hex[DEDUP_SHA256_HEX])
{
	struct sha256_ctx c;
	uint8_t dig[SHA256_DIGEST_SIZE];

	sha256_init(&c);
	sha256_update(&c, len, body);
	sha256_digest(&c, sizeof(dig), dig);
	num_hex(hex, dig, sizeof(dig));
}
