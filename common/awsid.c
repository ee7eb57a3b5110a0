/* awsid.c: account, region and ARNs; see awsid.h. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "awsid.h"
#include "exitcode.h"
#include "xalloc.h"

static const char *account = AWSID_DEFAULT_ACCOUNT;
static const char *region = AWSID_DEFAULT_REGION;

static const char *
first(const char *a, const char *b, const char *c)
{
	if (a != NULL && *a != '\0')
		return a;
	if (b != NULL && *b != '\0')
		return b;
	return c != NULL && *c != '\0' ? c : NULL;
}

void
awsid_init(const char *opt_account, const char *opt_region)
{
	const char *a, *r, *p;

	a = first(opt_account, getenv("AWS_ACCOUNT_ID"), NULL);
	if (a != NULL) {
		if (strlen(a) != 12 || strspn(a, "0123456789") != 12)
			errx(EXIT_USAGE,
			    "invalid account '%s': must be 12 digits", a);
		account = a;
	}
	r = first(opt_region, getenv("AWS_REGION"),
	    getenv("AWS_DEFAULT_REGION"));
	if (r != NULL) {
		/* e.g. us-east-1, eu-west-2, us-gov-west-1 */
		for (p = r; *p != '\0'; p++)
			if (!((*p >= 'a' && *p <= 'z') ||
			    (*p >= '0' && *p <= '9') || *p == '-'))
				break;
		if (*p != '\0' || strchr(r, '-') == NULL || strlen(r) > 64 ||
		    r[0] == '-')
			errx(EXIT_USAGE, "invalid region '%s'", r);
		region = r;
	}
}

const char *
awsid_account(void)
{
	return account;
}

const char *
awsid_region(void)
{
	return region;
}

char *
arn_make(const char *service, const char *resource)
{
	return xasprintf("arn:aws:%s:%s:%s:%s", service, region, account,
	    resource);
}

const char *
arn_name(const char *s, const char *service, const char *type, size_t *len)
{
	size_t n, tl = strlen(type);
	const char *p;
	int i;

	if (strncmp(s, "arn:", 4) != 0) {
		*len = strlen(s);
		return s;
	}
	/* arn:PARTITION:SERVICE:REGION:ACCOUNT:TYPE[/:]NAME */
	p = s;
	for (i = 0; i < 5; i++) {
		if ((p = strchr(p, ':')) == NULL)
			return NULL;
		p++;
		if (i == 1) {
			n = strlen(service);
			if (strncmp(p, service, n) != 0 || p[n] != ':')
				return NULL;
		}
	}
	if (strncmp(p, type, tl) != 0 || (p[tl] != '/' && p[tl] != ':'))
		return NULL;
	p += tl + 1;
	*len = strlen(p);
	return p;
}

int
awsid_name_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_')
			continue;
		if (extra != NULL && c != '\0' && strchr(extra, c) != NULL)
			continue;
		return 0;
	}
	return 1;
}
