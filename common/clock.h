/*
 * clock.h: the one clock of a program, and its ids.
 *
 * The clock is real by default.  --clock=virtual (clock_set_virtual)
 * keeps it reading real time at start but makes every wait advance it
 * without sleeping.  The deterministic switch, the environment variable
 * EDAKIT_DETERMINISTIC, makes it virtual and fixed at a known instant
 * (the variable's value when it is an RFC 3339 time, otherwise
 * 2024-01-01T12:00:00Z), and makes ids reproducible: golden tests then
 * compare output byte for byte.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_DETERMINISTIC_ENV	"EDAKIT_DETERMINISTIC"
#define CLOCK_DETERMINISTIC_T0	"2024-01-01T12:00:00Z"
#define UUID_BUFSZ		37

/* Read the environment; call once at start (before other clock calls). */
void	clock_init(void);

/* Parse a --clock argument: "real" or "virtual".  Returns 0 or -1. */
int	clock_set(const char *mode);

/* The same for an option argument: a bad mode is a usage error (exit 2). */
void	clock_option(const char *mode);

/*
 * Real elapsed time in microseconds (a monotonic clock), whatever the
 * program's clock says: for timeouts of real processes, durations and
 * progress lines.
 */
int64_t	clock_mono_us(void);

int	clock_is_virtual(void);
int	clock_is_deterministic(void);

/* Milliseconds since the epoch, on this program's clock. */
int64_t	clock_now_ms(void);

/* Wait: really (real clock) or by advancing the virtual clock. */
void	clock_sleep_ms(int64_t ms);

/* Advance a virtual clock to at least T (no-op on the real clock). */
void	clock_advance_to(int64_t t);

/*
 * Set a virtual clock to T, earlier or later (no-op on the real clock):
 * for work that runs beside other work from T on.  The virtual clock is
 * per thread; a thread must set its own before it reads it.
 */
void	clock_jump_to(int64_t t);

/*
 * A fresh lowercase UUID (version 4 form).  Random normally; under the
 * deterministic switch a hash of the program name, a counter and SEED
 * (which may be NULL), so each stage of a pipeline gets distinct ids.
 */
void	ids_uuid(char out[UUID_BUFSZ], const void *seed, size_t len);

/* A UUID that depends only on the bytes given (same input, same id). */
void	ids_uuid_of(char out[UUID_BUFSZ], const void *data, size_t len);

/*
 * The same for bytes PREFIX then DATA, faster when one prefix goes with
 * many data: ids_uuid_prefix works out the prefix's part once (PREFIX is
 * borrowed until the last ids_uuid_of_prefixed with it).
 */
struct ids_prefix {
	const void	*p;
	size_t		 len;
	uint64_t	 h1, h2;
};
void	ids_uuid_prefix(struct ids_prefix *, const void *prefix, size_t len);
void	ids_uuid_of_prefixed(char out[UUID_BUFSZ], const struct ids_prefix *,
	    const void *data, size_t len);

#endif
