/*
 * jsonraw.h: work on JSON text as bytes, without building jv values.
 *
 * These functions let a program find a member's value inside the line it
 * read and copy it out unchanged, so numbers keep their exact digits
 * (libjq 1.6 turns 9007199254740993 into 9007199254740992).  The scanners
 * expect text that a JSON parser has already accepted; on anything else
 * they fail safely (return -1) instead of reading past the end.  None of
 * them recurses: nesting depth costs no stack.  All pointers are borrowed.
 */
#ifndef JSONRAW_H
#define JSONRAW_H

#include <stddef.h>

#include <jv.h>

#include "sbuf.h"

/* Skip JSON whitespace. */
const char	*jsonraw_ws(const char *p, const char *end);

/* End of the value that starts at p (after whitespace), or NULL. */
const char	*jsonraw_skip(const char *p, const char *end);

/*
 * Find member KEY of the object text [obj, obj+len) (top level only).
 * With duplicate keys the last one wins, as in libjq and on AWS.
 * Returns 0 and the value's span, or -1 when absent.
 */
int	jsonraw_member(const char *obj, size_t len, const char *key,
	    const char **val, size_t *vlen);

/*
 * Iterate the elements of the array text [arr, arr+len): *it starts NULL;
 * each call returns 1 with the next element's span, or 0 at the end.
 */
int	jsonraw_next(const char *arr, size_t len, const char **it,
	    const char **val, size_t *vlen);

/*
 * Iterate the members of the object text [obj, obj+len) in file order:
 * *it starts NULL; each call returns 1 with the key (a jv string the
 * caller frees) and the value's span, or 0 at the end.
 */
int	jsonraw_member_next(const char *obj, size_t len, const char **it,
	    jv *key, const char **val, size_t *vlen);

/*
 * The same without libjq: the key as its string literal [key, key+klen),
 * quotes and escapes as they are in the text.
 */
int	jsonraw_member_raw(const char *obj, size_t len, const char **it,
	    const char **key, size_t *klen, const char **val, size_t *vlen);

/* Append the text with insignificant whitespace removed. */
void	jsonraw_minify(struct sbuf *, const char *p, size_t n);

/* Append S as a JSON string literal, escaped the way jq prints strings. */
void	jsonraw_quote(struct sbuf *, const char *s, size_t n);
/* Append ,"KEY":"VAL" (KEY needs no escaping; VAL is quoted). */
void	jsonraw_add_member(struct sbuf *, const char *key, const char *val);

/* 1 if [p, p+n) is valid UTF-8; otherwise 0 and *bad = offending offset. */
int	utf8_valid(const char *p, size_t n, size_t *bad);

#endif
