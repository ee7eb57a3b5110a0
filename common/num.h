/*
 * num.h: range-checked numbers from option arguments (glibc has no
 * strtonum).  On a bad value these print "prog: invalid WHAT 'ARG'" and
 * exit 2, so option parsing stays one line per option.
 */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>

long long	num_parse(const char *arg, long long lo, long long hi,
		    const char *what);
double		num_parse_double(const char *arg, double lo, double hi,
		    const char *what);

/* Byte sizes: "262144", "256K", "1M" (binary multiples). */
long long	num_parse_size(const char *arg, long long lo, long long hi,
		    const char *what);

/* Lowercase hex of N bytes at P: 2N digits and a NUL at OUT. */
void	num_hex(char *out, const void *p, size_t n);

#endif
