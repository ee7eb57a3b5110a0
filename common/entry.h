/*
 * entry.h: PutEvents request entries and the EventBridge events they
 * become, with the validation AWS applies (reference: aws-formats.md §2).
 * Used by ebus-put and by sfn-run's events:putEvents integration.
 *
 * Entries are read as jv values, borrowed; the caller keeps ownership.
 * The event is written into an sbuf owned by the caller, with `detail`
 * copied as bytes (never through a double), keys in AWS's order.
 */
#ifndef ENTRY_H
#define ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "sbuf.h"

#define ENTRY_SIZE_LIMIT	262144		/* classic PutEvents limit */
#define ENTRY_SIZE_LIMIT_MAX	1048576		/* since 2026, by option */
#define ENTRY_BATCH_MAX		10

#define ENTRY_SIZE_MESSAGE \
	"Total size of the entries in the request is over the limit."

/* A rejected entry, as in a PutEvents result entry. */
struct entry_err {
	const char	*code;		/* "InvalidArgument", ... */
	const char	*message;
};

/*
 * Check the shape of an entry (member types); the result is NULL or a
 * static message describing a malformed record (not an AWS rejection).
 */
const char	*entry_shape(jv entry);

/*
 * The per-entry checks AWS makes before the size check: Source,
 * DetailType, Detail presence.  0 when they pass, else -1 with *e set.
 */
int	entry_check_fields(jv entry, struct entry_err *e);

/*
 * The entry's size as AWS counts it: 14 if Time is set, plus the UTF-8
 * bytes of Source, DetailType, Detail and each of Resources.  RAW is the
 * entry's own JSON text, or NULL (then an object Detail is measured as
 * printed).
 */
size_t	entry_size(jv entry, const char *raw, size_t rawlen);

/*
 * Build the event.  ID is the event id, NOW the time used when the entry
 * has no Time, EXTRA (borrowed; an array, or invalid for none) resources
 * appended after the entry's own (Step Functions adds its ARNs there).
 * Returns 0 with the event in OUT, 1 with *e set (MalformedDetail), or -1
 * with *bad set for a Time that cannot be read.
 */
int	entry_event(jv entry, const char *raw, size_t rawlen, const char *id,
	    int64_t now, jv extra, struct sbuf *out, struct entry_err *e,
	    const char **bad);

/* The bus an entry names (EventBusName, name or ARN), or "default". */
int	entry_bus_is(jv entry, const char *bus);

/* 1 if the JSON text has the EventBridge envelope's "detail-type". */
int	entry_is_event(jv v);

#endif
