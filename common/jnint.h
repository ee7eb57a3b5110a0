/*
 * jnint.h: the JSONata engine's internal interface, shared by jnlex.c,
 * jnparse.c, jnval.c, jneval.c and jnfunc*.c.  Nothing outside the
 * engine includes it; programs use jsonata.h.  See jsonata.h for the
 * value model and who owns what.
 */
#ifndef JNINT_H
#define JNINT_H
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "jsonata.h"

/* Arena: chunks freed all at once. */
void	*jn_alloc(struct jn_arena *, size_t);
char	*jn_strndup(struct jn_arena *, const char *, size_t);

enum jn_kind {
	JN_NULL, JN_BOOL, JN_NUMBER, JN_STRING, JN_ARRAY, JN_OBJECT,
	JN_FUNCTION
};

/* Array flags (jsonata-js keeps these as properties of JS arrays). */
#define JN_SEQ		0x01	/* a sequence: unwraps to its one item */
#define JN_KEEP		0x02	/* keepSingleton: a sequence that stays one */
#define JN_CONS		0x04	/* built by an array constructor */
#define JN_OUTER	0x08	/* outerWrapper round an input array */
#define JN_TUPLES	0x10	/* a stream of tuples (jneval.c only) */

struct jn_member {
	const char	*key;
	size_t		 klen;
	struct jn_value	*val;
};

struct jn_func;
struct jn_datepic;

struct jn_value {
	unsigned char	kind;
	unsigned char	flags;
	union {
		int	b;
		struct {
			double	 d;
			const char *text;	/* spelling from the input, or NULL */
			size_t	 tlen;
		} num;
		struct {
			const char *s;
			size_t	 len;
			/* a literal picture of $fromMillis, analysed */
			const struct jn_datepic *datepic;
		} str;
		struct {
			struct jn_value **v;
			size_t	 n, cap;
		} arr;
		struct {
			struct jn_member *m;
			size_t	 n, cap;
		} obj;
		struct jn_func *fn;
	} u;
};

struct jn_value	*jn_null(struct jn_arena *);
struct jn_value	*jn_bool(struct jn_arena *, int);
struct jn_value	*jn_number(struct jn_arena *, double);
struct jn_value	*jn_string(struct jn_arena *, const char *, size_t);
struct jn_value	*jn_cstring(struct jn_arena *, const char *);
struct jn_value	*jn_array(struct jn_arena *, unsigned flags);
struct jn_value	*jn_object(struct jn_arena *);
void	jn_push(struct jn_arena *, struct jn_value *arr, struct jn_value *);
/* Object members keep insertion order; setting an existing key replaces. */
void	jn_set(struct jn_arena *, struct jn_value *obj, const char *k,
	    size_t klen, struct jn_value *);
struct jn_value	*jn_get(const struct jn_value *obj, const char *k,
	    size_t klen);
int	jn_is_array(const struct jn_value *);
int	jn_is_seq(const struct jn_value *);
int	jn_deep_equal(const struct jn_value *, const struct jn_value *);
/* Number in JavaScript's spelling (Number.prototype.toString). */
void	jn_fmt_number(struct sbuf *, double);
/* JSON text of V, as $string and JSON.stringify write it (PRETTY: 2). */
void	jn_stringify(struct sbuf *, const struct jn_value *v, int indent);
/*
 * Decode a \u escape at P (after the 'u'), joining surrogate pairs; a
 * lone surrogate becomes U+FFFD.  Returns the bytes consumed or -1.
 */
int	jn_unicode_escape(const char *p, const char *end, struct sbuf *b);
void	jn_put_utf8(struct sbuf *, unsigned cp);
/*
 * Decode the escape whose letter is at P (after the backslash) into B:
 * the bytes consumed, -1 for an unknown escape, -2 for a bad \u.
 */
int	jn_escape(const char *p, const char *end, struct sbuf *b);
/* Decode UTF-8 [s, s+n) into at most MAX code points; their count. */
int	jn_utf8_decode(const char *s, size_t n, uint32_t *out, int max);
/* A string value's length in UTF-16 units, as JavaScript counts. */
size_t	jn_utf16_len(const char *s, size_t n);

/* Tokens. */
enum jn_tok {
	T_END, T_NAME, T_VARIABLE, T_OPERATOR, T_STRING, T_NUMBER, T_VALUE,
	T_REGEX
};

struct jn_token {
	enum jn_tok	 type;
	const char	*s;	/* name, variable, operator, string (unescaped) */
	size_t		 len;
	double		 num;
	int		 value;	/* T_VALUE: 0 false, 1 true, 2 null */
	const char	*flags;	/* T_REGEX flags */
	long		 position;
};

struct jn_lexer {
	const char	*src;
	size_t		 len;
	size_t		 pos;
	struct jn_arena	*arena;
	struct jn_error	*err;
};

/* Next token (prefix: a regex may start here); -1 on error. */
int	jn_lex(struct jn_lexer *, int prefix, struct jn_token *);
void	jn_seterr(struct jn_error *, const char *code, long pos,
	    const char *tok, size_t toklen, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

/* Syntax tree, after jsonata-js's processAST. */
enum jn_ntype {
	N_PATH, N_BINARY, N_NEGATE, N_ARRAY, N_OBJECT, N_NAME, N_STRING,
	N_NUMBER, N_VALUE, N_WILDCARD, N_DESCENDANT, N_PARENT, N_CONDITION,
	N_BLOCK, N_BIND, N_REGEX, N_FUNCTION, N_PARTIAL, N_VARIABLE,
	N_LAMBDA, N_APPLY, N_TRANSFORM, N_SORT, N_PLACEHOLDER,
	/* parse-time only */
	N_OPERATOR
};

struct jn_node;
struct jn_sig;

/* A parent (%) reference: the label its ancestor is bound to. */
struct jn_slot {
	char		*label;		/* "!0", "!1", ... */
	int		 level;		/* steps still to go up */
	int		 index;
};

struct jn_stage {
	int		 index;		/* 0 filter, 1 index binding */
	struct jn_node	*expr;		/* filter */
	const char	*var;		/* index binding */
	long		 position;
};

struct jn_pair {
	struct jn_node	*k, *v;
};

struct jn_sortterm {
	int		 descending;
	struct jn_node	*expr;
};

struct jn_node {
	enum jn_ntype	 type;
	long		 position;
	const char	*value;		/* name, string, operator, variable */
	size_t		 vlen;
	double		 num;
	int		 lit;		/* N_VALUE: 0 false 1 true 2 null */
	struct jn_node	*lhs, *rhs, *expr;	/* binary; negate; cond etc. */
	struct jn_node	*then, *els;
	struct jn_node	**items;	/* path steps, block, array, args */
	size_t		 nitems;
	struct jn_pair	*pairs;		/* object constructor */
	size_t		 npairs;
	struct jn_pair	*group;		/* group-by on this step */
	size_t		 ngroup;
	long		 group_pos;
	int		 has_group;
	struct jn_stage	*stages;	/* predicates on a path step */
	size_t		 nstages;
	struct jn_stage	*preds;		/* predicates on other exprs */
	size_t		 npreds;
	struct jn_sortterm *terms;	/* N_SORT */
	size_t		 nterms;
	struct jn_node	**params;	/* N_LAMBDA parameters (variables) */
	size_t		 nparams;
	const char	*signature;	/* N_LAMBDA, source text of <...> */
	struct jn_sig	*sig;		/* N_LAMBDA, the signature parsed */
	struct jn_value	*builtin;	/* N_VARIABLE naming a built-in */
	struct jn_value	*builtin_sfn;	/* the same in Step Functions' set */
	struct jn_value	*constant;	/* N_STRING: its value, built once */
	struct jn_node	*procedure;	/* N_FUNCTION, N_PARTIAL */
	const char	*focus;		/* @$v */
	const char	*index;		/* #$i */
	int		 tuple;
	int		 keep_array;	/* [] on this step */
	int		 keep_singleton; /* N_PATH */
	int		 consarray;
	int		 thunk;		/* N_LAMBDA: tail call */
	const char	*flags;		/* N_REGEX */
	struct jn_regex	*re;		/* compiled regex (in the arena) */
	struct jn_slot	*slot;		/* N_PARENT */
	struct jn_slot	*ancestor;	/* a step whose input % refers to */
	struct jn_slot	**seeking;	/* parents not yet resolved */
	size_t		 nseeking;
};

/*
 * The members of an object input that an expression can reach by name
 * (jnproj.c), unless it can reach all of it.
 */
struct jn_proj {
	int		  all;
	const char	**names;
	size_t		 *lens;
	size_t		  n;
};

struct jn_expr {
	struct jn_arena	*arena;
	struct jn_node	*root;
	const char	*src;
	struct jn_proj	 proj;
};

void	jn_proj_build(struct jn_expr *);

struct jn_node	*jn_parse(const char *src, struct jn_arena *,
		    struct jn_error *);

/* Functions. */
struct jn_env;
struct jn_ctx;

typedef struct jn_value *(*jn_builtin_fn)(struct jn_ctx *,
    struct jn_value **args, size_t nargs, struct jn_value *input);

/* Which function sets a built-in is in (jn_limits.sfn chooses). */
enum { JN_SET_ALL, JN_SET_JSONATA, JN_SET_SFN };

struct jn_builtin {
	const char	*name;
	jn_builtin_fn	 fn;
	const char	*signature;
	int		 arity;		/* as jsonata-js's implementation.length */
	int		 set;		/* JN_SET_*: JSONata's, AWS's, both */
};

/* A compiled regular expression (jnregex.c). */
struct jn_regex;

enum { FN_LAMBDA, FN_BUILTIN, FN_PARTIAL, FN_REGEX };

struct jn_func {
	int		 kind;
	/* lambda */
	struct jn_node	*node;
	struct jn_env	*env;
	struct jn_value	*input;
	/* builtin */
	const struct jn_builtin *bi;
	const struct jn_sig *sig;	/* bi's, parsed; NULL: parse per call */
	/* partial: base function and its arguments (NULL = placeholder) */
	struct jn_value	*base;
	struct jn_value	**args;
	int		*holes;
	size_t		 nargs;
	size_t		 arity;
	/* regex */
	struct jn_regex	*re;
};

struct jn_ctx {
	struct jn_arena	*arena;
	struct jn_error	*err;
	jmp_buf		 jb;
	long		 depth, maxdepth;
	long		 timelimit_ms;
	struct timespec	 start;
	unsigned	 ticks;
	struct jn_env	*global;
	long		 position;	/* of the function being applied */
	const char	*fname;
	int64_t		 now_ms;	/* $now and $millis: see jn_now_ms */
	int		 now_set;
	int		 sfn;		/* Step Functions' function set */
	struct sbuf	*held[8];	/* freed when evaluation fails */
	int		 nheld;
};

/*
 * A built-in that keeps a malloc'd sbuf across calls that may throw holds
 * it: jn_eval frees what is held when an error unwinds the evaluation.
 * jn_release frees it on the normal path.
 */
void	jn_hold(struct jn_ctx *, struct sbuf *);
void	jn_release(struct jn_ctx *, struct sbuf *);

/* The time of the evaluation, fixed for the whole of it. */
int64_t	jn_now_ms(struct jn_ctx *);

/* Raise an evaluation error (longjmp). */
void	jn_throw(struct jn_ctx *, const char *code, long pos,
	    const char *fmt, ...) __attribute__((noreturn))
	    __attribute__((format(printf, 4, 5)));
struct jn_value	*jn_apply(struct jn_ctx *, struct jn_value *fn,
		    struct jn_value **args, size_t nargs,
		    struct jn_value *input);
size_t	jn_arity(const struct jn_value *fn);
const struct jn_builtin	*jn_builtin_find(const struct jn_ctx *,
		    const char *name, size_t len);
/*
 * The built-in NAME of JSONata's function set (SFN 0) or Step
 * Functions' (1) as a function value in A, signature parsed; or NULL.
 */
struct jn_value	*jn_builtin_value(struct jn_arena *a, const char *name,
		    size_t len, int sfn);
int	jn_truthy(const struct jn_value *, int *undef);
struct jn_value	*jn_tostring(struct jn_ctx *, struct jn_value *);
struct jn_value	*jn_append(struct jn_ctx *, struct jn_value *,
		    struct jn_value *);
struct jn_value	*jn_seq_of(struct jn_ctx *, struct jn_value *);
/* Member K of an object, or of every object in an array (flattened). */
struct jn_value	*jn_lookup(struct jn_ctx *, struct jn_value *, const char *k,
		    size_t klen);
/* Stable sort of an array's items with a "swap" function (jsonata $sort). */
struct jn_value	*jn_sort(struct jn_ctx *, struct jn_value *, struct jn_value *);
struct jn_value	*jn_mkfunc(struct jn_ctx *, int kind);

/*
 * A date/time picture analysed once, when the expression is compiled,
 * or NULL when it is wrong (the call reports that when it runs).
 */
const struct jn_datepic	*jn_datepic_new(struct jn_arena *, const char *pic,
			    size_t n);

/* Regular expressions (PCRE2 with JavaScript-like options). */
int	jn_regex_compile(struct jn_arena *, struct jn_node *, struct jn_error *);
int	jn_regex_groups(const struct jn_regex *);
/* Compile PATTERN (not from an expression); NULL when it is invalid. */
struct jn_regex	*jn_regex_new(struct jn_arena *, const char *pattern, size_t n,
		    int caseless);
struct jn_value	*jn_regex_value(struct jn_ctx *, struct jn_node *);
/*
 * Find the next match of RE in [s, s+n) from byte START.  Returns 1 with
 * the byte spans of the match and its groups (-1 for a group that did
 * not take part) in ov (2 + 2 * ngroups longs), 0 for none.
 */
int	jn_regex_exec(struct jn_ctx *, struct jn_regex *, const char *s,
	    size_t n, size_t start, long **ov, int *ngroups);
/* A regex applied as a function: {match, start, end, groups} or undefined. */
struct jn_value	*jn_regex_apply(struct jn_ctx *, struct jn_regex *,
		    struct jn_value *str);
/* A match object {match, index, groups} as $match returns it. */
struct jn_value	*jn_match_object(struct jn_ctx *, const char *s, long *ov,
		    int ngroups);

#endif
