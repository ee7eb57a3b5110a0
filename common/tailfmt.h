/*
 * tailfmt.h: log events printed the way `aws logs tail` prints them,
 * byte for byte (AWS CLI v2's Python: datetime.isoformat, json.dumps
 * with indent=4 and float repr, str.rstrip).
 *
 *	detailed	2024-01-01T12:00:00.000000+00:00 STREAM MESSAGE
 *	short		2024-01-01T12:00:00 MESSAGE
 *	json		2024-01-01T12:00:00+00:00 STREAM
 *			MESSAGE pretty-printed when it is JSON, else as is
 *
 * (json shows the microseconds only when they are not zero.)  With
 * colour the timestamp is green and the stream name cyan (ANSI).  The
 * line's trailing whitespace, Unicode spaces included, is not printed.
 */
#ifndef TAILFMT_H
#define TAILFMT_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

enum tailfmt {
	TAILFMT_DETAILED = 0,	/* aws logs tail's default */
	TAILFMT_SHORT,
	TAILFMT_JSON
};

/*
 * Append the event at TS (ms since the epoch) of stream STREAM with the
 * decoded message [MSG, MSG+LEN) to LINE, in FORMAT, coloured when COLOR
 * is set.  Returns how much of LINE to print: its length without the
 * trailing whitespace (LINE itself keeps it).  Pointers are borrowed.
 */
size_t	tailfmt_event(struct sbuf *line, enum tailfmt format, int color,
	    int64_t ts, const char *stream, const char *msg, size_t len);

#endif
