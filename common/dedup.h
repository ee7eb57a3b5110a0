/*
 * dedup.h: a deduplication window, as SNS FIFO topics and SQS FIFO
 * queues keep one: a deduplication id seen within the window (five
 * minutes in AWS) stands for the message first published with it, whose
 * result (its MessageId and SequenceNumber) the duplicate gets back.
 * Times are milliseconds on the program's clock (clock.h); entries older
 * than the window are dropped as time goes on.
 */
#ifndef DEDUP_H
#define DEDUP_H

#include <stddef.h>
#include <stdint.h>

#define DEDUP_WINDOW_MS	(5 * 60 * 1000)
#define DEDUP_SHA256_HEX 65		/* 64 hex digits and a NUL */

struct dedup;

struct dedup	*dedup_new(int64_t window_ms);
void		 dedup_free(struct dedup *);

/*
 * The result stored for ID when it was seen within the window before
 * NOW (a string owned by the table), or NULL.
 */
const char	*dedup_find(struct dedup *, const char *id, int64_t now);

/* Record ID, not in the window, at NOW with a copy of RESULT. */
void	dedup_add(struct dedup *, const char *id, int64_t now,
	    const char *result);

/* The content-based deduplication id: the hex SHA-256 of the body. */
void	dedup_content_id(const void *body, size_t len,
	    char hex[DEDUP_SHA256_HEX]);

#endif
