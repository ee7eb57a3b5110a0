/*
 * transform.h: what a rule's target receives: the event itself, or the
 * target's Input, InputPath or InputTransformer applied to it, as AWS
 * does (reference: aws-formats.md §3.1-3.2).
 */
#ifndef TRANSFORM_H
#define TRANSFORM_H

#include <stddef.h>

#include <jv.h>

#include "sbuf.h"

struct transform;

/*
 * Compile the shaping of TARGET (a target object, borrowed) whose Id is
 * ID.  Returns it, or NULL with *err (owned by the caller) holding AWS's
 * ValidationException message.
 */
struct transform	*transform_new(jv target, const char *id, char **err);
void			 transform_free(struct transform *);

/* 1 if applying needs the event as a jv value. */
int	transform_needs_jv(const struct transform *);

/* Context of one delivery. */
struct delivery {
	const char	*event;		/* the event's bytes */
	size_t		 len;
	jv		 value;		/* the event parsed, or jv_invalid() */
	const char	*rule_name;
	const char	*rule_arn;
};

/*
 * Append the target's input to OUT (one line of JSON).  Returns 0, or
 * -1 when AWS could not deliver it, with *code and *why (static) for the
 * dead-letter attributes.
 */
int	transform_apply(const struct transform *, const struct delivery *,
	    struct sbuf *out, const char **code, const char **why);

#endif
