/*
 * rfc3339.h: times as milliseconds since the epoch (UTC), and the text
 * forms AWS uses for them.  No time zone database is involved.
 */
#ifndef RFC3339_H
#define RFC3339_H

#include <stddef.h>
#include <stdint.h>

#define RFC3339_BUFSZ	40

/*
 * Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff...]]" with "T", "t" or
 * a blank between date and time, and "Z", "+HH:MM", "+HHMM" or nothing
 * (UTC) as the zone.  Returns 0 and *ms, or -1.
 */
int	rfc3339_parse(const char *s, size_t n, int64_t *ms);

/* "2024-01-01T12:00:00Z" (seconds; AWS event time). */
void	rfc3339_fmt_s(int64_t ms, char buf[RFC3339_BUFSZ]);

/* "2024-01-01T12:00:00.345Z" (milliseconds; Lambda records). */
void	rfc3339_fmt_ms(int64_t ms, char buf[RFC3339_BUFSZ]);

/* Days since 1970-01-01 of a civil date, and back. */
int64_t	rfc3339_days(int64_t y, int m, int d);
void	rfc3339_civil(int64_t days, int64_t *y, int *m, int *d);

#endif
