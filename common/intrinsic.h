/*
 * intrinsic.h: the 18 States.* intrinsic functions of Amazon States
 * Language (JSONPath mode), compiled once from their text and evaluated
 * against a state's input and the context object.
 *
 * Arguments are string literals ('...', with \ escaping ' { } and \),
 * numbers, true, false, null, paths ($..., $$...) and nested calls (up
 * to 10 deep).  Evaluation follows what AWS shows: MathAdd rounds each
 * argument like Java's Math.round, StringSplit drops empty tokens,
 * Format prints objects Java-style ({a=1, b=[]}), Hash digests through
 * nettle.  Failures are States.IntrinsicFailure with AWS-like causes.
 */
#ifndef INTRINSIC_H
#define INTRINSIC_H

#include <jv.h>

#include "sbuf.h"

#define IFN_ERRSZ	200
#define IFN_MAXDEPTH	10

/* An error raised while running a state: name and cause (owned). */
struct asl_error {
	char	*error;		/* NULL for none (a Fail state without one) */
	char	*cause;		/* NULL for none */
};

void	asl_error_set(struct asl_error *, const char *error,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	asl_error_free(struct asl_error *);

struct ifn;

/* 1 if S looks like an intrinsic call ("States.Name(...)"). */
int		 ifn_is_call(const char *s);

/* Compile; NULL with a message in ERR. */
struct ifn	*ifn_compile(const char *text, char err[IFN_ERRSZ]);
void		 ifn_free(struct ifn *);

/*
 * Evaluate with INPUT as "$", CTX as "$$" and VARS as the workflow
 * variables (all borrowed).  Returns the owned value, or jv_invalid()
 * with *e set.
 */
jv		 ifn_eval(const struct ifn *, jv input, jv ctx, jv vars,
		    struct asl_error *e);

/*
 * The digest of [S, S+N) by algorithm A (MD5, SHA-1, SHA-256, SHA-384,
 * SHA-512) in lowercase hex, as States.Hash and JSONata's $hash give it;
 * -1 for another algorithm.
 */
#define IFN_HASH_HEXSZ	129
int		 ifn_hash_hex(const char *a, const char *s, size_t n,
		    char hex[IFN_HASH_HEXSZ]);

/* Java's rendering of a value inside States.Format. */
void		 ifn_java_string(jv v, struct sbuf *out);

#endif
