/*
 * jpath.h: JSONPath as AWS evaluates it (Jayway JsonPath semantics), for
 * Step Functions paths (InputPath, OutputPath, ItemsPath, ".$" keys,
 * Choice Variable, ResultPath) and EventBridge targets (InputPath,
 * InputTransformer's InputPathsMap).
 *
 * A path starts at "$" (the document) or "$$" (the context object) and
 * continues with segments:
 *
 *	.name  ['name']  ["name"]  [0]  [-1]  [0,2]  ['a','b']  [*]  .*
 *	[start:end]  [start:end:step]  ..name  ..*  [?(filter)]
 *
 * A path is definite when it names at most one value (names and single
 * indexes only); a definite path that finds nothing gives an invalid jv,
 * an indefinite one always gives an array of every match (possibly
 * empty), as Jayway does.  A reference path (ASL's term) is a definite
 * path: only reference paths can be written (ResultPath).
 *
 * Values (jv) passed in are borrowed unless said otherwise; returned
 * values are owned by the caller.  A compiled path is immutable and may
 * be shared between threads.
 */
#ifndef JPATH_H
#define JPATH_H

#include <stddef.h>

#include <jv.h>

#include "sbuf.h"

#define JPATH_ERRSZ	160

struct jpath;

/*
 * Compile TEXT (NUL-terminated).  Returns the path, or NULL with a
 * message in ERR ("unexpected 'x' at offset 4", ...).
 */
struct jpath	*jpath_compile(const char *text, char err[JPATH_ERRSZ]);

/*
 * As jpath_compile, for Step Functions, where a path may also start at a
 * workflow variable: "$name", "$name.a[0]" (a name is a letter or '_'
 * and then letters, digits, '_').  Such a path is evaluated on the
 * variable's value (see jpath_eval_vars).
 */
struct jpath	*jpath_compile_vars(const char *text, char err[JPATH_ERRSZ]);

void		 jpath_free(struct jpath *);

/* The variable a path starts at, or NULL. */
const char	*jpath_var(const struct jpath *);


/* The text the path was compiled from. */
const char	*jpath_text(const struct jpath *);

/* 1 if the path names at most one value (a reference path). */
int		 jpath_definite(const struct jpath *);

/* 1 if the path starts at "$$" (the context object). */
int		 jpath_is_context(const struct jpath *);

/* 1 if the path is "$" (or "$$") alone. */
int		 jpath_is_root(const struct jpath *);

/*
 * Evaluate on DOC, with CTX as the context object "$$" (jv_invalid()
 * when there is none: a "$$" path then finds nothing).  Definite paths
 * give the value or jv_invalid() (without a message) when absent;
 * indefinite paths give an array.
 */
jv		 jpath_eval(const struct jpath *, jv doc, jv ctx);

/*
 * As jpath_eval, with VARS (an object of variables, or jv_invalid()) for
 * the paths that start at a variable: a variable that is not there
 * finds nothing.
 */
jv		 jpath_eval_vars(const struct jpath *, jv doc, jv ctx,
		    jv vars);

/*
 * Write VALUE (consumed) at the definite path in DOC (consumed), creating
 * missing objects on the way, and return the new document.  "$" replaces
 * the whole document.  When a step meets a value that is not an object
 * (or an index outside an array) the result is jv_invalid() without a
 * message: ASL's States.ResultPathMatchFailure.
 */
jv		 jpath_set(const struct jpath *, jv doc, jv value);

/*
 * Evaluate a path given as text once (compile, evaluate, free).  Returns
 * jv_invalid_with_msg() when the text does not compile.
 */
jv		 jpath_get(const char *text, jv doc, jv ctx);

/*
 * Why a definite path found nothing, in Jayway's words, appended to WHY:
 * "No results for path: $['a']['b']" when only the last step failed,
 * "Missing property in path $['a']" when an earlier one did.
 */
void		 jpath_explain(const struct jpath *, jv doc, jv ctx,
		    struct sbuf *why);

/* As jpath_explain, for a path that may start at a variable in VARS. */
void		 jpath_explain_vars(const struct jpath *, jv doc, jv ctx,
		    jv vars, struct sbuf *why);

/* The path in Jayway's normalized form ($['a'][0]) appended to OUT. */
void		 jpath_normalized(const struct jpath *, struct sbuf *out);

#endif
