/* rfc3339.c: RFC 3339 times; see rfc3339.h. */
#include <inttypes.h>
#include <stdio.h>

#include "rfc3339.h"

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t
rfc3339_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
rfc3339_civil(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y += *m <= 2;
}

/* Read exactly n digits. */
static int
digits(const char **p, const char *end, int n, int *v)
{
	*v = 0;
	while (n-- > 0) {
		if (*p >= end || **p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (*(*p)++ - '0');
	}
	return 0;
}

static int
mdays(int64_t y, int m)
{
	static const int n[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return n[m - 1];
}

int
rfc3339_parse(const char *s, size_t n, int64_t *ms)
{
	const char *p = s, *end = s + n;
	int Y, M, D, h = 0, mi = 0, sec = 0, frac = 0, zh, zm, sign = 0;
	int64_t t;

	if (digits(&p, end, 4, &Y) || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &M) || p >= end || *p++ != '-' ||
	    digits(&p, end, 2, &D))
		return -1;
	if (M < 1 || M > 12 || D < 1 || D > mdays(Y, M))
		return -1;
	if (p < end) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
		    digits(&p, end, 2, &mi))
			return -1;
		if (p < end && *p == ':') {
			p++;
			if (digits(&p, end, 2, &sec))
				return -1;
			if (p < end && (*p == '.' || *p == ',')) {
				int k = 0;

				if (++p >= end || *p < '0' || *p > '9')
					return -1;
				for (; p < end && *p >= '0' && *p <= '9'; p++)
					if (k++ < 3)
						frac = frac * 10 + (*p - '0');
				for (; k < 3; k++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (p < end && (*p == 'Z' || *p == 'z'))
			p++;
		else if (p < end && (*p == '+' || *p == '-')) {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, end, 2, &zh))
				return -1;
			if (p < end && *p == ':')
				p++;
			if (digits(&p, end, 2, &zm) || zh > 23 || zm > 59)
				return -1;
		}
	}
	if (p != end)
		return -1;
	t = rfc3339_days(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
	if (sign != 0)
		t -= sign * (zh * 3600 + zm * 60);
	*ms = t * 1000 + frac;
	return 0;
}

static void
fmt(int64_t ms, char *buf, int withms)
{
	int64_t days, secs, y;
	int m, d, msec;

	days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	msec = (int)(ms - days * 86400000);
	secs = msec / 1000;
	rfc3339_civil(days, &y, &m, &d);
	if (withms)
		snprintf(buf, RFC3339_BUFSZ,
		    "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
		    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
		    msec % 1000);
	else
		snprintf(buf, RFC3339_BUFSZ,
		    "%04" PRId64 "-%02d-%02dT%02d:%02d:%02dZ", y, m, d,
		    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

void
rfc3339_fmt_s(int64_t ms, char buf[RFC3339_BUFSZ])
{
	fmt(ms, buf, 0);
}

void
rfc3339_fmt_ms(int64_t ms, char buf[RFC3339_BUFSZ])
{
	fmt(ms, buf, 1);
}
