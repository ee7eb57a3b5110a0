/*
 * choice.h: Choice state rules of Amazon States Language (JSONPath
 * mode): every data-test operator and its Path variant, IsX tests,
 * StringMatches, And/Or/Not.  Rules compile once from the definition and
 * are evaluated per execution.
 *
 * As on AWS a comparison between values of different types is false, not
 * an error; a Variable (or a ...Path operand) that names nothing is a
 * States.Runtime error, except for IsPresent.
 */
#ifndef CHOICE_H
#define CHOICE_H

#include <stdint.h>

#include <jv.h>

#include "intrinsic.h"

#define CHOICE_ERRSZ	240

struct choice_rule;

/*
 * Compile RULE (borrowed).  TOP is 1 for a rule of Choices (it has Next,
 * returned through choice_next), 0 for one nested in And/Or/Not.
 * Returns NULL with a message in ERR.
 */
struct choice_rule	*choice_compile(jv rule, int top,
			    char err[CHOICE_ERRSZ]);
void			 choice_free(struct choice_rule *);

/* The rule's Next (top-level rules only). */
const char		*choice_next(const struct choice_rule *);

/*
 * Test the rule on INPUT with context CTX and variables VARS (borrowed,
 * for paths that start at "$name"): 1 or 0, or -1 with *e set
 * (States.Runtime).
 */
int			 choice_eval(const struct choice_rule *, jv input,
			    jv ctx, jv vars, struct asl_error *e);

/*
 * Parse an ISO-8601 extended offset date-time as Java's
 * ISO_OFFSET_DATE_TIME does (date, "T", time, an offset required).
 * Returns 0 and milliseconds since the epoch (*frac_ns keeps the
 * sub-millisecond part, may be NULL), or -1.
 */
int			 asl_timestamp(const char *s, int64_t *ms,
			    int64_t *frac_ns);

#endif
