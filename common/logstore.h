/*
 * logstore.h: the local CloudWatch Logs store, shared by every writer
 * (cwlog-write, lambda-invoke's function logs) and read by cwlog-tail.
 * There is one store format; never write a second one.
 *
 * A store is a directory (--store, else $EDAKIT_LOG_STORE, else
 * ${XDG_STATE_HOME:-$HOME/.local/state}/edakit/logs).  Layout:
 *
 *	STORE/GROUP/.group		{"logGroupName":..., "creationTime":ms,
 *					 "retentionInDays":N or null}
 *	STORE/GROUP/seg-NNNNNNNN.ndjson	the group's events, every stream's,
 *					 in the order they were stored, one
 *					 per line: {"logStreamName":...,
 *					 "timestamp":ms,"ingestionTime":ms,
 *					 "message":"..."}
 *	STORE/GROUP/index.ndjson	one line per stream and batch:
 *					 {"logStreamName":...,
 *					 "creationTime":ms,
 *					 "firstEventTimestamp":ms,
 *					 "lastEventTimestamp":ms,
 *					 "lastIngestionTime":ms,
 *					 "storedBytes":N,"eventCount":N,
 *					 "segment":N}; a stream is the sum
 *					 of its lines
 *
 * Segments are numbered from 1 with no gap; a writer starts the next one
 * when the last holds LOGSTORE_SEGMENT_MAX bytes (or the size set with
 * logstore_set_segment_max).  GROUP is the name with every byte outside
 * [A-Za-z0-9_-#] written %XX (hex, upper case); a '.' is kept except at
 * the start.  So a path component is never empty, ".", ".." or holds a
 * '/'.  Encodings longer than 200 bytes are cut to 160 bytes plus "~"
 * and a 32-digit hash of the name; the real name is always the one in
 * .group.  Symbolic links inside the store are never followed.  Groups
 * appear whole (a temporary directory renamed into place).  A group of
 * the old layout (a STREAM.log file per stream) is refused with a
 * message.
 *
 * Writers append whole batches under an exclusive flock(2) of the
 * group's index.ndjson: the records to the last segment, then their
 * index lines, both with O_APPEND, so concurrent writers never
 * interleave, tear, duplicate or lose records.  A record is complete
 * only with its '\n': a writer killed mid-write leaves a tail without
 * one, which readers never show and the next writer removes (under the
 * lock) before it appends.  A failed write (full disk) is cut back to
 * where it started, so nothing written before it is damaged.  Readers
 * take the size of a segment under a shared lock of the index.
 *
 * Errors: functions that return int give 0 on success and -1 after
 * printing "prog: PATH: reason" (warn style); the caller picks the exit
 * status (2 for local I/O by the toolkit's table).
 */
#ifndef LOGSTORE_H
#define LOGSTORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sbuf.h"

#define LOGSTORE_ENV		"EDAKIT_LOG_STORE"
#define LOGSTORE_NAME_MAX	512

/* PutLogEvents limits (reference aws-formats.md §5.2). */
#define LOGSTORE_EVENT_MAX	1048576		/* bytes, message + 26 */
#define LOGSTORE_EVENT_MAX_OLD	262144		/* the 256 KiB quota */
#define LOGSTORE_EVENT_OVERHEAD	26
#define LOGSTORE_BATCH_EVENTS	10000
#define LOGSTORE_FUTURE_MS	(2LL * 3600 * 1000)
#define LOGSTORE_PAST_MS	(14LL * 24 * 3600 * 1000)
#define LOGSTORE_DAY_MS		(24LL * 3600 * 1000)
#define LOGSTORE_SEGMENT_MAX	(64LL << 20)	/* bytes */

/*
 * The store directory: ARG when not NULL, else the environment, else the
 * default above.  Returns an owned string.
 */
char	*logstore_dir(const char *arg);

/*
 * Name checks as AWS makes them.  Return 1 when NAME is valid, else 0
 * with *why (static text, may be NULL) saying why.
 */
int	logstore_group_ok(const char *name, const char **why);
int	logstore_stream_ok(const char *name, const char **why);

/* Retention values AWS allows (1, 3, 5, 7, 14, 30, ... 3653 days). */
int	logstore_retention_ok(long days);

struct logstore;

/*
 * Open the store at DIR (borrowed).  With CREATE the directory is made
 * (with its parents) when missing.  Returns NULL after a message.
 */
struct logstore	*logstore_open(const char *dir, int create);
void		 logstore_close(struct logstore *);

/* The size at which writers start a new segment. */
void	logstore_set_segment_max(struct logstore *, off_t bytes);

/*
 * Make sure GROUP exists (atomically: concurrent creators agree).
 * Returns 0 or -1.
 */
int	logstore_group_create(struct logstore *, const char *group);

/* Set GROUP's retention (days, or 0 for never expire). */
int	logstore_set_retention(struct logstore *, const char *group,
	    long days);

/*
 * GROUP's retention in days (0: never expire), or -1 when the group does
 * not exist or cannot be read (no message when it does not exist).
 */
long	logstore_retention(struct logstore *, const char *group);

/*
 * GROUP's creation time and retention (0: never expire).  Returns 0, or
 * -1 when the group does not exist or cannot be read (no message when it
 * does not exist).
 */
int	logstore_group_info(struct logstore *, const char *group,
	    int64_t *ctime, long *days);

/* One log event: the message bytes are borrowed. */
struct logstore_event {
	int64_t		 timestamp;	/* ms since the epoch */
	const char	*message;	/* UTF-8, not NUL-terminated */
	size_t		 len;
};

/*
 * PutLogEvents' checks on one event, at NOW with retention DAYS (0:
 * none) and size LIMIT (message bytes + 26).  Returns the result below;
 * logstore_reject_name gives AWS's rejectedLogEventsInfo member name (or
 * the exception name for a size error) and logstore_reject_text a short
 * explanation.
 */
enum logstore_check {
	LOGSTORE_OK = 0,
	LOGSTORE_TOO_NEW,	/* tooNewLogEventStartIndex */
	LOGSTORE_TOO_OLD,	/* tooOldLogEventEndIndex */
	LOGSTORE_EXPIRED,	/* expiredLogEventEndIndex */
	LOGSTORE_TOO_LARGE,	/* InvalidParameterException */
	LOGSTORE_EMPTY		/* InvalidParameterException */
};
enum logstore_check	logstore_check(const struct logstore_event *,
			    int64_t now, long days, size_t limit);
const char	*logstore_reject_name(enum logstore_check);
const char	*logstore_reject_text(enum logstore_check);

/*
 * A writer for one group, of events of any streams.  Opening creates
 * the group when missing.  Events are appended in batches: logstore_add
 * buffers, logstore_flush writes the buffer as one locked append (and
 * fsyncs with sync set).  The writer owns its buffer;
 * logstore_writer_close flushes and frees.  INGESTION is the
 * ingestionTime stamped on the events (use clock_now_ms()).
 * logstore_stream_create lists STREAM (created at NOW) with the next
 * batch even when it has no events.
 */
struct logstore_writer;

struct logstore_writer	*logstore_writer_open(struct logstore *,
			    const char *group, int sync);
void	logstore_add(struct logstore_writer *, const char *stream,
	    const struct logstore_event *, int64_t ingestion);
void	logstore_stream_create(struct logstore_writer *, const char *stream,
	    int64_t now);
size_t	logstore_pending(const struct logstore_writer *);	/* bytes */
size_t	logstore_pending_events(const struct logstore_writer *);
int	logstore_flush(struct logstore_writer *);
int	logstore_writer_close(struct logstore_writer *);

/*
 * The simple form: append N events to GROUP/STREAM (both created when
 * missing) as one locked write.  Returns 0 or -1.  lambda-invoke logs a
 * function's output with this (group /aws/lambda/NAME).
 */
int	logstore_put(struct logstore *, const char *group,
	    const char *stream, const struct logstore_event *, size_t n,
	    int64_t ingestion);

/*
 * Reading.  Names are listed sorted (by byte); the caller frees the
 * arrays with logstore_free_*.
 */
struct logstore_stream {
	char		*name;
	off_t		 size;		/* bytes of its records */
	int64_t		 creation;
	int64_t		 first, last;	/* timestamps; 0 when empty */
	int64_t		 last_ingestion;
	long		 count;		/* events */
	unsigned	 segment;	/* the first holding its events */
};

/*
 * How many damaged things (a group's .group, an index line) the
 * listings below met and skipped, with a message.
 */
long	logstore_damaged(const struct logstore *);

/* The groups of the store.  Returns 0 or -1. */
int	logstore_groups(struct logstore *, char ***names, size_t *n);
void	logstore_free_names(char **names, size_t n);

/*
 * The streams of GROUP from its index, one entry per stream, sorted by
 * name.  Returns 0, or -1 (message printed, also when the group does
 * not exist or is of the old layout).
 */
int	logstore_streams(struct logstore *, const char *group,
	    struct logstore_stream **, size_t *n);
void	logstore_free_streams(struct logstore_stream *, size_t n);

/*
 * Whether GROUP can be read: 0, 1 when it does not exist (no message),
 * -1 when it cannot (old layout, unreadable; message printed).
 */
int	logstore_check_group(struct logstore *, const char *group);

/* Path of GROUP's directory (owned by the caller), whether or not it
 * exists; the same for its segment N and its index. */
char	*logstore_group_path(struct logstore *, const char *group);
char	*logstore_segment_path(struct logstore *, const char *group,
	    unsigned n);
char	*logstore_index_path(struct logstore *, const char *group);

/* 1 with *N when NAME is a segment's file name, else 0. */
int	logstore_segment_name(const char *name, unsigned *n);

/*
 * One stored record, parsed in place.  STREAM and MSG point at the JSON
 * string literals (quotes included) inside the line; decode them with
 * logstore_unquote (logstore_message for the message).
 */
struct logstore_record {
	const char	*stream;
	size_t		 streamlen;
	int64_t		 timestamp;
	int64_t		 ingestion;
	const char	*msg;
	size_t		 msglen;
};

/*
 * Parse the record line [p, p+n) (no newline).  Returns 0, or -1 when
 * the line is not a record of this store.
 */
int	logstore_parse(const char *p, size_t n, struct logstore_record *);

/* Append the decoded text of the literal [LIT, LIT+N) to SB. */
void	logstore_unquote(const char *lit, size_t n, struct sbuf *);

/* Append the decoded message text of R to SB. */
void	logstore_message(const struct logstore_record *, struct sbuf *);

/*
 * The eventId of the record at byte OFFSET of segment SEGMENT: 56
 * decimal digits, as AWS's ids look, sorting by timestamp.
 */
#define LOGSTORE_EVENTID_BUFSZ	57
void	logstore_event_id(char out[LOGSTORE_EVENTID_BUFSZ], int64_t ts,
	    unsigned segment, off_t offset);

/*
 * Sequential reading of one file of the store (a segment or the index),
 * line by line, through a buffer (never mmap: a writer may cut a dead
 * tail).  Only complete lines up to the size seen at open (or at the
 * last refresh, taken under a shared lock of LOCKFD, the group's index,
 * or of the file itself when LOCKFD is -1, so a batch being written is
 * never half seen) are returned.
 */
#define LOGSTORE_READ_CHUNK	(1 << 20)

struct logstore_reader {
	int		 fd;
	int		 lockfd;
	const char	*path;		/* borrowed */
	off_t		 off;		/* file offset of the buffer's end */
	off_t		 end;		/* committed size */
	struct sbuf	 buf;
	size_t		 pos;		/* next unread byte in buf */
	size_t		 partial;	/* bytes of an unfinished last line */
};

/* Open PATH (borrowed) for reading from offset FROM (0: the start). */
int	logstore_reader_open(struct logstore_reader *, const char *path,
	    int lockfd, off_t from);
/* See how far the committed records go now; returns that size. */
off_t	logstore_reader_refresh(struct logstore_reader *);

/*
 * The next complete record: 1 with its offset and bytes (valid until
 * the next call; no newline), 0 when no more are committed (partial then
 * counts the bytes of an unfinished tail), -1 on a read error (message
 * printed).
 */
int	logstore_read(struct logstore_reader *, off_t *off,
	    const char **line, size_t *len);
void	logstore_reader_close(struct logstore_reader *);

#endif
