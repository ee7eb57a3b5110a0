/*
 * aslrun.h: run executions of a loaded state machine (asl.h), as Step
 * Functions runs them: JSONPath data flow, every state type, Retry and
 * Catch, timeouts, the context object, the execution history, tasks
 * bound to local commands (proc.h, the Lambda handler contract of
 * lambda.h) and the built-in events:putEvents integration (entry.h).
 *
 * Executions run one at a time; time is the program's clock (clock.h),
 * so --clock=virtual makes waits and retry intervals free while every
 * timestamp advances as if they had been spent.
 */
#ifndef ASLRUN_H
#define ASLRUN_H

#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "asl.h"
#include "out.h"
#include "sbuf.h"

/* A Task resource (ARN, function name or state name) bound to a command. */
struct aslrun_binding {
	char	*resource;
	char	**argv;		/* NULL-ended, owned */
};

struct aslrun_conf {
	const char	*sm_name;	/* state machine name (ARNs) */
	struct aslrun_binding *bindings;
	size_t		 nbindings;
	struct out	*events;	/* events:putEvents stream, or NULL */
	struct out	*history;	/* history events, or NULL */
	jv		 mocks;		/* {state: {"0": {...}, "1-2": ...}} or
					   invalid (Step Functions Local mock
					   configuration, one test case) */
	size_t		 event_limit;	/* PutEvents request size limit */
	const char	*s3_dir;	/* local S3: DIR/BUCKET/KEY */
};

/*
 * The events a Standard execution's history holds.  The last is the
 * execution's end: an execution that needs more fails with States.Runtime
 * as Step Functions fails it (an execution that succeeds with exactly
 * this many events succeeds).  Child executions of a distributed Map
 * have histories of their own.
 */
#define ASLRUN_HISTORY_MAX	25000

enum aslrun_status {
	ASLRUN_SUCCEEDED, ASLRUN_FAILED, ASLRUN_TIMED_OUT
};

/*
 * Run one execution named NAME on INPUT (borrowed; RAW is its JSON text
 * as read).  Appends the execution result (DescribeExecution's fields)
 * to OUT and returns its status.
 */
enum aslrun_status aslrun_execute(const struct asl_machine *,
		    const struct aslrun_conf *, jv input, const char *raw,
		    size_t rawlen, const char *name, struct sbuf *out);

/* "arn:aws:states:REGION:ACCOUNT:stateMachine:NAME" (caller frees). */
char		*aslrun_sm_arn(const char *sm_name);

#endif
