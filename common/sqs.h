/*
 * sqs.h: SQS messages, the toolkit's queue stream.
 *
 * A queue is a stream with one SQS message per line, as ReceiveMessage
 * returns it with AttributeNames=All, in AWS's recorded key order:
 *
 *   {"MessageId":"<uuid>","MD5OfBody":"<hex>","Body":"<text>",
 *    "Attributes":{"SentTimestamp":"<ms>","SenderId":"<id>"},
 *    "MD5OfMessageAttributes":"<hex>","MessageAttributes":{...}}
 *
 * Attributes holds what the message carries from its send: SentTimestamp
 * (epoch milliseconds, on the program's clock) and SenderId (the
 * sender's account: a local emulation has no IAM principal id), then,
 * when set, SequenceNumber, MessageGroupId and MessageDeduplicationId,
 * in the order of AWS's documented FIFO event.  A FIFO message always
 * has all three.  The receive-side attributes (ApproximateReceiveCount,
 * ApproximateFirstReceiveTimestamp) and ReceiptHandle are a receiver's:
 * whoever receives from the stream adds them.  MD5OfMessageAttributes
 * and MessageAttributes ({"DataType", "StringValue" | "BinaryValue"})
 * are there only when the message has message attributes.
 *
 * Under the deterministic switch (clock.h) the MessageId, SentTimestamp
 * and SequenceNumber are reproducible.
 */
#ifndef SQS_H
#define SQS_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define SQS_MAX_BYTES	1048576		/* body and attributes */
#define SQS_ID_MAX	128		/* group and deduplication ids */

struct sqs_attr {
	const char	*name;
	const char	*type;		/* DataType, e.g. "Number.int" */
	const char	*value;		/* the text, or base64 for Binary */
	int		 binary;
};

struct sqs_msg {
	const char		*id;	/* MessageId, or NULL: a fresh one */
	const char		*body;
	size_t			 len;
	const struct sqs_attr	*a;	/* sorted by name (strcmp) */
	size_t			 na;
	const char		*group;	/* MessageGroupId, or NULL */
	const char		*dedup;	/* MessageDeduplicationId, or NULL */
	const char		*seq;	/* SequenceNumber, or NULL */
	int64_t			 sent;	/* SentTimestamp (ms), or 0: now */
	/*
	 * What a sender that writes one body to many queues has worked
	 * out already: the hex MD5OfBody, and the body as a JSON string
	 * literal (QLEN bytes, quotes included).  NULL: computed here.
	 * With both and an id, BODY is read only for the deduplication id
	 * of a FIFO queue's message that has none; it may be NULL else.
	 */
	const char		*md5;
	const char		*quoted;
	size_t			 qlen;
};

/* A queue: what its ARN says. */
struct sqs_queue {
	const char	*arn;
	int		 fifo;		/* NAME.fifo */
	int		 content_dedup;	/* ContentBasedDeduplication */
};

/*
 * Is S an SQS queue ARN, arn:aws:sqs:REGION:ACCOUNT:NAME with NAME of
 * 1 to 80 characters [A-Za-z0-9_-] (plus ".fifo" for a FIFO queue)?
 * Returns 1 and fills Q (Q->arn = S, borrowed), else 0.
 */
int	sqs_arn(const char *s, struct sqs_queue *q);

/*
 * Check M as SendMessage to Q checks it.  Returns 0, or -1 with AWS's
 * error code in *code (static) and its message in *msg (the caller
 * frees it).  The first failing check wins: empty body, size (body and
 * every attribute's name, type and value), empty attribute values, the
 * FIFO group and deduplication ids.
 */
int	sqs_check(const struct sqs_msg *m, const struct sqs_queue *q,
	    const char **code, char **msg);

/*
 * Append to B the line (without newline) of checked message M as queue
 * Q holds it.  A FIFO queue's message gets a SequenceNumber when M has
 * none, and, with content-based deduplication, the SHA-256 of the body
 * as its deduplication id when M has none.
 */
void	sqs_message(struct sbuf *b, const struct sqs_msg *m,
	    const struct sqs_queue *q);

/* Hex MD5 of N bytes at P: MD5OfBody. */
void	sqs_md5_hex(const void *p, size_t n, char hex[33]);

/*
 * MD5OfMessageAttributes of A[0..N) (sorted by name): per attribute the
 * name, the type, a transport byte (1 string, 2 binary) and the value,
 * each but the byte with a 4-byte big-endian length.
 */
void	sqs_md5_attrs(const struct sqs_attr *a, size_t n, char hex[33]);

#endif
