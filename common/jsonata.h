/*
 * jsonata.h: a native JSONata 2.0.6 engine (the language AWS Step
 * Functions runs in its JSONata query-language mode).
 *
 * Design
 *
 * Values are our own tagged type (struct jn_value, common/jnint.h), not
 * libjq jv, for three reasons.  JSONata needs kinds jv has no room for:
 * `undefined` (the empty sequence), sequences that are arrays with flags
 * (a sequence unwraps to its one item unless keepSingleton is set; a
 * "cons" array built by an array constructor is never flattened into a
 * path's results; an outer wrapper marks the result of `[]` on a step),
 * and functions (lambdas with the environment they close over, built-ins,
 * partial applications).  Numbers must keep their spelling: a number read
 * from the input carries a pointer to its original text next to its
 * double, and the printer writes that text unchanged while the value has
 * not been through arithmetic (libjq 1.6 would turn 9007199254740993 into
 * 9007199254740992); computed numbers are printed the way JavaScript's
 * JSON.stringify prints them.  And evaluation allocates a great many
 * short-lived values, which an arena serves faster than reference counts.
 *
 * Ownership is by arena, never by reference count:
 *  - jn_compile() builds the syntax tree in an arena owned by the
 *    struct jn_expr it returns; jn_expr_free() releases it all.  A
 *    compiled expression is read-only during evaluation, so one
 *    expression can be evaluated any number of times.
 *  - jn_eval() takes a struct jn_arena (one per evaluation, or one reused
 *    and reset per input record) and allocates every value, environment
 *    frame and closure of that evaluation in it: the input parsed by
 *    jn_parse_json(), the bindings, the result.  Values are immutable once
 *    built and may be shared freely within the arena; nothing is freed on
 *    its own.  jn_arena_reset() drops all of it at once; the result must
 *    be printed (jn_print) or copied before that.  Undefined is the NULL
 *    pointer.
 *  - Errors (struct jn_error) are plain structs the caller owns; their
 *    strings are fixed-size arrays, so there is nothing to free.
 *
 * Modules: jnlex.c (tokenizer), jnparse.c (Pratt parser and jsonata-js's
 * AST post-processing of paths, predicates and grouping, with its S0xxx
 * syntax errors), jnval.c (arena, values, JSON reading and printing,
 * equality), jneval.c (the evaluator), jnfunc*.c (built-in functions by
 * family), jnproj.c (which members of an input an expression can reach,
 * for jn_parse_json_for).  jnint.h is their shared, internal interface.
 *
 * Errors carry jsonata-js's code (S0xxx syntax, T0xxx-T2xxx type,
 * D1xxx-D3xxx dynamic, U1001 limits), the character position (1-based
 * offset just past the offending token, as jsonata-js counts it) where
 * one is known, the token, and a message.  Evaluation is bounded by a
 * depth limit (nested evaluation frames) and an optional time limit;
 * going past either is error U1001, never a crash or a hang.
 */
#ifndef JSONATA_H
#define JSONATA_H
#include <stddef.h>

#include <jv.h>

#include "sbuf.h"

struct jn_expr;
struct jn_value;
struct jn_arena;

struct jn_error {
	char	code[8];	/* e.g. "S0202", "T2001" */
	long	position;	/* -1 when unknown */
	char	token[64];	/* "" when none */
	char	message[256];
};

struct jn_limits {
	long	depth;		/* maximum evaluation depth; 0 = default */
	long	timelimit_ms;	/* 0 = none */
	int	sfn;		/* Step Functions' function set (jnfsfn.c):
				   $partition, $range, $hash, $random([seed]),
				   $uuid, $parse added, $eval taken away */
};

#define JN_DEPTH_DEFAULT	10000

/* One binding of a variable (name without '$') for jn_eval. */
struct jn_binding {
	const char	*name;
	struct jn_value	*value;		/* in the evaluation's arena */
};

/*
 * Compile TEXT (NUL-terminated, UTF-8).  Returns the expression, or NULL
 * with *err filled in.
 */
struct jn_expr	*jn_compile(const char *text, struct jn_error *err);
void		 jn_expr_free(struct jn_expr *);

struct jn_arena	*jn_arena_new(void);
void		 jn_arena_reset(struct jn_arena *);
void		 jn_arena_free(struct jn_arena *);

/*
 * Parse one JSON text [p, p+n) into A, keeping number spellings.
 * Returns 0 and *out, or -1 with a message (no input echoed) in msg.
 * The text is copied into A once; strings and spellings point into the
 * copy, so [p, p+n) may go as soon as this returns.
 */
int	jn_parse_json(struct jn_arena *a, const char *p, size_t n,
	    struct jn_value **out, char *msg, size_t msgsz);
/*
 * The same, for an input E is to be evaluated against: the members of a
 * top-level object that E cannot reach are checked (the same errors)
 * but not built.  E must see the input only as its context and as
 * $states.input (as jn_state_input binds it); to bind it under any
 * other name, use jn_parse_json.
 */
int	jn_parse_json_for(const struct jn_expr *e, struct jn_arena *a,
	    const char *p, size_t n, struct jn_value **out, char *msg,
	    size_t msgsz);

/*
 * Evaluate E against INPUT (NULL = undefined) with NB bindings.  Returns
 * 0 and *result (NULL = undefined), or -1 with *err filled in.
 */
int	jn_eval(const struct jn_expr *e, struct jn_value *input,
	    const struct jn_binding *b, size_t nb,
	    const struct jn_limits *lim, struct jn_arena *a,
	    struct jn_value **result, struct jn_error *err);

/* 1 if V is a function (lambda, built-in, partial application, regex). */
int	jn_is_function(const struct jn_value *v);

/* "null", "boolean", "number", "string", "array", "object", "function". */
const char	*jn_type_name(const struct jn_value *v);

/*
 * V (a libjq value, borrowed) as a value in the arena (common/jnjv.c),
 * for sfn-run; NULL for an invalid one.
 */
struct jn_value	*jn_from_jv(struct jn_arena *, jv v);

/* Member KEY of the object V (borrowed), or NULL. */
struct jn_value	*jn_member(const struct jn_value *v, const char *key);

/*
 * The $states object a Step Functions state binds: {"input": INPUT},
 * and "context": CONTEXT unless it is NULL.
 */
struct jn_value	*jn_state_input(struct jn_arena *, struct jn_value *input,
		    struct jn_value *context);

/*
 * Append V as compact JSON.  Functions print as "" as JSON.stringify
 * drops them; undefined members are left out.
 */
void	jn_print(struct sbuf *, const struct jn_value *v);

#endif
