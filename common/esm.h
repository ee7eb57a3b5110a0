/*
 * esm.h: Lambda's SQS event source mapping, without the processes.
 *
 * It owns the queue side of lambda-invoke --event-source-arn: the
 * messages read from a queue stream (one SQS message per line, in
 * ReceiveMessage's shape), their visibility and receive counts, the
 * batches the event source builds ({"Records":[...]} events in the key
 * order AWS records), how a batch's result settles its messages
 * (ReportBatchItemFailures included), the redrive to the dead-letter
 * queue after maxReceiveCount receives, and FIFO message groups.
 * Reference: sns-sqs.md (f).  Running the handler is the caller's.
 *
 * Times are milliseconds on the program's clock (clock.h); the caller
 * passes the current time in.  Every message read ends either deleted
 * (the function succeeded with it) or in the dead-letter queue.
 */
#ifndef ESM_H
#define ESM_H
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include "lambda.h"
#include "out.h"
#include "sbuf.h"

#define ESM_BATCH_MAX		10000
#define ESM_FIFO_BATCH_MAX	10
#define ESM_WINDOW_MAX		300		/* seconds */
#define ESM_VISIBILITY_DEFAULT	30		/* seconds */
#define ESM_VISIBILITY_MAX	43200		/* seconds: 12 hours */
#define ESM_RECEIVES_DEFAULT	10		/* the SQS console's default */
#define ESM_RECEIVES_MAX	1000

struct esm_config {
	const char	*arn;		/* the queue: arn:aws:sqs:R:A:NAME */
	int		 batch_size;	/* BatchSize */
	int64_t		 window_ms;	/* MaximumBatchingWindowInSeconds */
	int		 report_failures; /* ReportBatchItemFailures */
	int64_t		 visibility_ms;	/* the queue's VisibilityTimeout */
	int		 max_receives;	/* RedrivePolicy maxReceiveCount */
	size_t		 payload_limit;	/* of one event */
	struct out	*dlq;		/* where dead letters go */
};

struct esm_counts {
	long	received;	/* messages read from the stream */
	long	deleted;	/* the function succeeded with them */
	long	dead;		/* moved to the dead-letter queue */
	long	invocations;	/* batches the function was given */
	long	receives;	/* deliveries, redeliveries included */
};

struct esm;
struct esm_batch;

/*
 * Check the configuration as CreateEventSourceMapping would; NULL when
 * it is valid, else the message (static storage).
 */
const char	*esm_check(const struct esm_config *, int64_t function_timeout_ms);
/* The queue's name (a pointer into the ARN), NULL if it is no SQS ARN. */
const char	*esm_queue_name(const char *arn);
/* 1 if ARN names a FIFO queue (NAME.fifo). */
int	esm_is_fifo(const char *arn);
/* Take the configuration (borrowed; must outlive the queue). */
struct esm	*esm_new(const struct esm_config *);
void	esm_free(struct esm *);
/*
 * Add message MSG (consumed), read at NOW.  Returns NULL, or why it is
 * not an SQS message of this queue (static storage).
 */
const char	*esm_add(struct esm *, jv msg, int64_t now);
/* Messages held: waiting, in flight or invisible. */
size_t	esm_held(const struct esm *);
/*
 * Move what became visible by NOW after a failed delivery to the
 * dead-letter queue when it has been received maxReceiveCount times.
 */
void	esm_expire(struct esm *, int64_t now);
/*
 * The next batch to invoke the function with, or NULL.  MORE says
 * whether the stream may bring more messages at once (without waiting);
 * ENDED that it will bring none.  A batch is taken when it is full, when
 * the batching window of its first message has passed, and without a
 * window as soon as no more messages are at hand.
 */
struct esm_batch	*esm_take(struct esm *, int64_t now, int more,
			    int ended);
/* The batch's event, {"Records":[...]}, with a newline after len bytes. */
const char	*esm_batch_event(const struct esm_batch *, size_t *len);
/*
 * Settle the batch with the function's REPLY at NOW: delete what
 * succeeded, leave the rest invisible until its visibility timeout ends.
 * REQUEST_ID names the invocation in warnings about a malformed
 * batchItemFailures.  Frees the batch.
 */
void	esm_settle(struct esm *, struct esm_batch *,
	    const struct lambda_reply *, const char *request_id, int64_t now);
/*
 * When something can next happen without new input (a message becoming
 * visible, a batching window ending): a time, or -1 for never.
 */
int64_t	esm_next_due(const struct esm *, int64_t now);
const struct esm_counts	*esm_counts(const struct esm *);
#endif
