/*
 * scan.h: the fast validating scanner of ebus-match's hot path.
 *
 * One pass over an event's bytes checks that they are one JSON object
 * (RFC 8259; the reader has already checked UTF-8) and collects the
 * leaves found at the field paths of a pathtab, with their array
 * membership, into a struct fields (pattern.h).  Nothing else of the
 * event is kept: no libjq value is built.  The scanner does not recurse:
 * nesting costs heap, not stack, so 100,000 levels are fine.
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>

#include "pattern.h"

struct scanner;

/* Build the path trie of PT (borrowed only during the call). */
struct scanner	*scan_new(const struct pathtab *pt);
void		 scan_free(struct scanner *);

/*
 * Scan [buf, buf+len) (which must be followed by a NUL or other byte
 * that ends a number, as ndjson_next guarantees) into F, reset first.
 * Returns 0 for a JSON object; -1 with a static *err and the byte
 * offset *off of the problem otherwise.  The leaves point into BUF and
 * into F.
 */
int	scan_event(struct scanner *, const char *buf, size_t len,
	    struct fields *f, const char **err, size_t *off);

#endif
