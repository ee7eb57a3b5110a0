/*
 * awsid.h: who and where we pretend to be, and the ARNs built from it.
 *
 * Account: --account, else AWS_ACCOUNT_ID, else 123456789012.
 * Region: --region, else AWS_REGION, else AWS_DEFAULT_REGION, else
 * us-east-1.  Bad values are a usage error (exit 2).
 */
#ifndef AWSID_H
#define AWSID_H

#include <stddef.h>

#define AWSID_DEFAULT_ACCOUNT	"123456789012"
#define AWSID_DEFAULT_REGION	"us-east-1"

/* Resolve and validate; the options may be NULL.  Call once. */
void	awsid_init(const char *opt_account, const char *opt_region);

/* The resolved values (static storage). */
const char	*awsid_account(void);
const char	*awsid_region(void);

/* "arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE"; the caller frees it. */
char	*arn_make(const char *service, const char *resource);

/*
 * Take the name from NAME-OR-ARN of the given resource type ("event-bus"
 * with "/" or "function" with ":"): returns a pointer into the argument,
 * with *len set; NULL when it is an ARN of another kind.
 */
const char	*arn_name(const char *s, const char *service,
		    const char *type, size_t *len);

/* Name checks: 1..max characters of [A-Za-z0-9._-] plus EXTRA. */
int	awsid_name_ok(const char *s, size_t max, const char *extra);

#endif
