/*
 * snsattr.h: SNS message attributes (Publish's MessageAttributes).
 *
 * A map of name -> {"DataType", "StringValue" | "BinaryValue"}: checked
 * as Publish checks it, with AWS's codes and messages, and laid out as
 * the leaves of a struct fields (pattern.h) for filter policies in the
 * MessageAttributes scope: String is a string, Number a number compared
 * numerically, String.Array each element of its JSON array, Binary
 * nothing at all.
 */
#ifndef SNSATTR_H
#define SNSATTR_H

#include <stddef.h>

#include <jv.h>

#include "pattern.h"

/*
 * Check the attributes (an object; consumed: no, borrowed).  Returns 0
 * and adds their size (name, type and value bytes, as the 262144-byte
 * limit counts them) to *size, or -1 with AWS's error code in *code
 * (static) and its message in *msg (owned by the caller).  WHERE
 * prefixes the request path of a validation error: "" for Publish,
 * "publishBatchRequestEntries.N.member." for a PublishBatch entry.
 */
int	snsattr_check(jv attrs, const char *where, size_t *size,
	    const char **code, char **msg);

/*
 * The same checks of one attribute NAME, given as text: its DataType T,
 * StringValue SV (SVLEN bytes) and BinaryValue BV (BVLEN bytes), each
 * NULL when it is absent or not a string.  NUL-terminated all.
 */
int	snsattr_check_one(const char *where, const char *name, const char *t,
	    const char *sv, size_t svlen, const char *bv, size_t bvlen,
	    size_t *size, const char **code, char **msg);

/*
 * Reset F and fill it from checked ATTRS at the paths of PT (attribute
 * names are paths as they are, dots included).  The leaves point into
 * values kept in *KEEP (an array, released by the caller after
 * matching).
 */
void	snsattr_fields(jv attrs, const struct pathtab *pt, struct fields *f,
	    jv *keep);

/*
 * Add checked attribute NAME (NLEN bytes) of DataType T with StringValue
 * SV (SVLEN bytes, NUL-terminated, borrowed until matching is done) to
 * F, at its path of PT; String.Array elements are kept in *KEEP.
 */
void	snsattr_field(const struct pathtab *pt, struct fields *f,
	    const char *name, size_t nlen, const char *t, const char *sv,
	    size_t svlen, jv *keep);

/* The attribute's base type: "String", "Number", "Binary" or NULL. */
const char	*snsattr_type(const char *datatype);

#endif
