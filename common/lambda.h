/*
 * lambda.h: what AWS Lambda makes of a handler run, shared by
 * lambda-invoke and sfn-run (lambda:invoke tasks bound to commands).
 * Reference: aws-formats.md §4 and §6.2.
 *
 * The handler contract: the command gets the payload on stdin and writes
 * its result as one JSON text on stdout (nothing at all means null).  A
 * JSON object on stdout with a string "errorType" or "errorMessage" is a
 * function error whatever the exit status, and is the error payload as
 * it stands.  Otherwise a non-zero exit, a signal or the timeout is a
 * function error with a payload built as Lambda's runtime builds it:
 *
 *	{"errorType":"Runtime.ExitError","errorMessage":"RequestId: ID
 *	    Error: Runtime exited with error: exit status 1"}
 *	{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: ID
 *	    Error: Task timed out after 3.00 seconds"}
 *
 * Every function error is "Unhandled" (X-Amz-Function-Error).  Payloads
 * are kept as JSON text, never through a double, so numbers keep their
 * digits.  All pointers passed in are borrowed.
 */
#ifndef LAMBDA_H
#define LAMBDA_H

#include <stddef.h>
#include <stdint.h>

#include "proc.h"
#include "sbuf.h"

#define LAMBDA_SYNC_LIMIT	6291456		/* request, RequestResponse */
#define LAMBDA_ASYNC_LIMIT	262144		/* request, Event */
#define LAMBDA_ASYNC_LIMIT_MAX	1048576		/* Event, since 2026 */
#define LAMBDA_RESPONSE_LIMIT	6291556		/* response, as AWS counts */
#define LAMBDA_VERSION		"$LATEST"

#define LAMBDA_DETAIL_SUCCESS	"Lambda Function Invocation Result - Success"
#define LAMBDA_DETAIL_FAILURE	"Lambda Function Invocation Result - Failure"

/* The outcome of one invocation. */
struct lambda_reply {
	int		 error;		/* 1: function error ("Unhandled") */
	char		*error_type;	/* errorType of the error, or NULL */
	struct sbuf	 payload;	/* compact JSON: result or error */
};

void	lambda_reply_init(struct lambda_reply *);
void	lambda_reply_free(struct lambda_reply *);

/*
 * Judge a finished run by the handler contract.  COMMAND names the
 * handler in "could not start" messages; TIMEOUT_MS is the configured
 * timeout (for the message); MAXRESP the response limit (0: none).
 */
void	lambda_judge(const struct proc_result *, const char *request_id,
	    const char *command, int64_t timeout_ms, size_t maxresp,
	    struct lambda_reply *);

/*
 * A result the function returned (a handler's stdout that is no error,
 * or a Runtime API /response): success with BODY (null when it is
 * empty), or the error Lambda makes of it: Function.ResponseSizeTooLarge
 * when TOTAL, its full size, is over MAXRESP (0: no limit), and
 * Runtime.MarshalError when it is not one JSON text in UTF-8 (raw control
 * characters in a string included), with one of the fixed messages below:
 * never the parser's, which would quote the output.
 */
#define LAMBDA_MARSHAL_JSON \
	"Unable to marshal response: the response is not one JSON text"
#define LAMBDA_MARSHAL_UTF8 \
	"Unable to marshal response: the response is not valid UTF-8"

void	lambda_response(struct lambda_reply *, const char *body, size_t len,
	    size_t total, size_t maxresp);

/*
 * An error a runtime posted (Runtime API /error, /init/error): BODY when
 * it is a JSON object (its errorType, else TYPE, names it), else
 * {"errorType":TYPE,"errorMessage":"Unknown application error
 * occurred"}.  TYPE NULL means "Runtime.Unknown".
 */
void	lambda_posted_error(struct lambda_reply *, const char *body,
	    size_t len, const char *type);

/*
 * Build an error payload {"errorType":T,"errorMessage":"RequestId: ID
 * Error: MSG"} into REPLY (which becomes a function error).
 */
void	lambda_error(struct lambda_reply *, const char *type,
	    const char *request_id, const char *msg);

/* One attempt's conditions, for destination records. */
#define LAMBDA_SUCCESS		"Success"
#define LAMBDA_EXHAUSTED	"RetriesExhausted"
#define LAMBDA_AGE_EXCEEDED	"EventAgeExceeded"

struct lambda_record {
	int64_t		 time_ms;	/* "timestamp", with milliseconds */
	const char	*request_id;
	const char	*function_arn;	/* qualified: ...:function:NAME:$LATEST */
	const char	*condition;	/* one of the three above */
	int		 invoke_count;	/* approximateInvokeCount */
	const char	*request;	/* the payload, JSON text */
	size_t		 reqlen;
	const struct lambda_reply *reply;
};

/* Append the destination execution record (AWS key order) to OUT. */
void	lambda_record(struct sbuf *out, const struct lambda_record *);

/*
 * Write the event an EventBridge destination bus receives for RECORD
 * (JSON text): source "lambda", the Success or Failure detail-type,
 * resources [bus ARN, function ARN], detail = the record.  ID and
 * TIME_MS are the event's.  OUT's contents are replaced.
 */
void	lambda_record_event(struct sbuf *out, const char *id, int64_t time_ms,
	    const char *bus_arn, const char *function_arn, int success,
	    const char *record, size_t len);

/*
 * Append the Step Functions lambda:invoke result (§6.2) for a successful
 * reply: {"ExecutedVersion","Payload","SdkHttpMetadata",
 * "SdkResponseMetadata","StatusCode"}; DATE_MS is the HTTP Date.
 */
void	lambda_invoke_result(struct sbuf *out, const struct lambda_reply *,
	    const char *request_id, int64_t date_ms);

/*
 * The environment a handler sees (§4.5), as "NAME=value" strings for
 * proc_spec.env: AWS_LAMBDA_FUNCTION_NAME, _VERSION, _MEMORY_SIZE,
 * AWS_LAMBDA_LOG_GROUP_NAME, _LOG_STREAM_NAME, AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_LAMBDA_INITIALIZATION_TYPE, TZ, and the
 * invocation's LAMBDA_RUNTIME_AWS_REQUEST_ID, LAMBDA_RUNTIME_DEADLINE_MS,
 * LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN (named after the Runtime API's
 * headers) and _X_AMZN_TRACE_ID = TRACE.  request_id and trace may be
 * NULL (no per-invocation variables); MORE (NULL-ended, may be NULL) are
 * added last.  Free with lambda_env_free.
 */
struct lambda_fn {
	const char	*name;
	const char	*arn;		/* unqualified */
	int		 memory_mb;
	int64_t		 timeout_ms;
	const char	*log_stream;
};

char	**lambda_env(const struct lambda_fn *, const char *request_id,
	    int64_t deadline_ms, const char *trace, char *const *more);
void	lambda_env_free(char **);

/* An X-Ray trace header "Root=1-<8 hex of MS/1000>-<24 hex of the id>;Sampled=0". */
void	lambda_trace_id(char *buf, size_t size, const char *request_id,
	    int64_t ms);

/*
 * The CPUs Lambda gives a function of MEMORY_MB: in proportion to its
 * memory, one vCPU at 1,769 MB (six at the 10,240 MB maximum), rounded
 * up to whole CPUs.
 */
int	lambda_vcpus(int memory_mb);

/* A log stream name: "YYYY/MM/DD/[$LATEST]" and 32 hex digits. */
void	lambda_log_stream(char *buf, size_t size, int64_t now_ms);

#endif
