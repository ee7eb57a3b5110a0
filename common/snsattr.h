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
 * Reset F and fill it from checked ATTRS at the paths of PT (attribute
 * names are paths as they are, dots included).  The leaves point into
 * values kept in *KEEP (an array, released by the caller after
 * matching).
 */
void	snsattr_fields(jv attrs, const struct pathtab *pt, struct fields *f,
	    jv *keep);

/* The attribute's base type: "String", "Number", "Binary" or NULL. */
const char	*snsattr_type(const char *datatype);

#endif
