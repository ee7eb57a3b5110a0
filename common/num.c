/* num.c: range-checked option numbers; see num.h. */
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "exitcode.h"
#include "num.h"

long long
num_parse(const char *arg, long long lo, long long hi, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (arg[0] == '\0' || *end != '\0' || errno != 0)
		errx(EXIT_USAGE, "invalid %s '%s'", what, arg);
	if (v < lo || v > hi)
		errx(EXIT_USAGE, "invalid %s '%s': must be %lld to %lld",
		    what, arg, lo, hi);
	return v;
}

double
num_parse_double(const char *arg, double lo, double hi, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
		errx(EXIT_USAGE, "invalid %s '%s'", what, arg);
	if (v < lo || v > hi)
		errx(EXIT_USAGE, "invalid %s '%s': must be %g to %g",
		    what, arg, lo, hi);
	return v;
}

long long
num_parse_size(const char *arg, long long lo, long long hi, const char *what)
{
	char *end;
	long long v, mul = 1;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (end != arg && (*end == 'K' || *end == 'k'))
		mul = 1024, end++;
	else if (end != arg && (*end == 'M' || *end == 'm'))
		mul = 1024 * 1024, end++;
	if (arg[0] == '\0' || *end != '\0' || errno != 0 || v < 0 ||
	    v > LLONG_MAX / mul)
		errx(EXIT_USAGE, "invalid %s '%s'", what, arg);
	v *= mul;
	if (v < lo || v > hi)
		errx(EXIT_USAGE, "invalid %s '%s': must be %lld to %lld",
		    what, arg, lo, hi);
	return v;
}

void
num_hex(char *out, const void *p, size_t n)
{
	static const char digit[] = "0123456789abcdef";
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		*out++ = digit[b[i] >> 4];
		*out++ = digit[b[i] & 15];
	}
	*out = '\0';
}
