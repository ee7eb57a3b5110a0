/*
 * fnlog.h: a Lambda function's log, the way Lambda writes it.
 *
 * For each invocation attempt: "START RequestId: ID Version: $LATEST",
 * the function's output one message per line, "END RequestId: ID", and
 * the REPORT line (Duration, Billed Duration, Memory Size, Max Memory
 * Used, Init Duration after a cold start, and Status: timeout or Status:
 * error with the Error Type for Sandbox.Timedout and Runtime.* errors).
 * The messages go to stderr (stdout is flushed first, so that a
 * terminal shows them in order), or as log events of a stream of the
 * local log store (common/logstore.h): START stamped when the attempt
 * began (on a real clock), the others when it ended.
 */
#ifndef FNLOG_H
#define FNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "logstore.h"

/* One attempt, as its log tells it.  Pointers are borrowed. */
struct fnlog_attempt {
	const char	*request_id;
	const char	*error_type;	/* of its error, or NULL */
	const char	*output;	/* the function's own log output */
	size_t		 outlen;
	int64_t		 duration_us;
	long		 maxrss_kb;
	int64_t		 init_us;	/* cold start of a runtime, or -1 */
};

struct fnlog;

/*
 * A log of the function with MEMORY_MB of memory, into STORE's group
 * GROUP (both borrowed, and kept until fnlog_free), or on stderr when
 * STORE is NULL.
 */
struct fnlog	*fnlog_new(struct logstore *store, const char *group,
		    int memory_mb);

/*
 * Write attempt A's messages, into STREAM of the group (with a store).
 * Exits 2 after a message when the store cannot be written.
 */
void	fnlog_attempt(struct fnlog *, const char *stream,
	    const struct fnlog_attempt *a);

void	fnlog_free(struct fnlog *);

#endif
