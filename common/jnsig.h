/*
 * jnsig.h: JSONata function signatures (<x-b?:s>, <a<n>:n>, ...):
 * checked at compile time for lambdas (S0401, S0402) and matched against
 * the arguments of every call, as jsonata-js's signature.js does: an
 * argument left out takes the context value where the parameter has '-'
 * (T0411 when its type does not fit), a non-array where an array is
 * expected becomes a one-item array, and a mismatch is T0410 or T0412.
 */
#ifndef JNSIG_H
#define JNSIG_H
#include "jnint.h"

/* 0 when SIG parses; otherwise -1 with *err (position relative to SIG). */
int	jn_sig_check(const char *sig, struct jn_error *err);
/* Can a call with NARGS arguments pass it the context as an object? */
int	jn_sig_takes_context(const struct jn_sig *, int nargs);
/* SIG parsed into the arena, or NULL when it does not parse. */
struct jn_sig	*jn_sig_new(struct jn_arena *, const char *sig);
/*
 * The arguments fixed up for a call (in the context's arena), or a
 * thrown T0410/T0411/T0412.  *nargs is updated.  A NULL signature
 * accepts them as they are.
 */
struct jn_value	**jn_sig_validate(struct jn_ctx *, const struct jn_sig *,
		    struct jn_value **args, size_t *nargs,
		    struct jn_value *context);
#endif
