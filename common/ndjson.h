/*
 * ndjson.h: the one way every program reads its input.
 *
 * Input is the file operands, where none or "-" means stdin.  Each line
 * holds one JSON text; blank lines are skipped; the last line may lack
 * its newline.  As the one exception (for files written by hand, like
 * the AWS CLI's `file://entries.json`), a line that holds only "[" or "{"
 * starts a pretty-printed document that runs to its matching bracket; it
 * is one record located at its first line.
 *
 * Each record is parsed on its own, so a bad line never swallows the
 * next.  The bad-line policy is shared: a malformed record is reported as
 * "prog: FILE:LINE: reason" (the input is never echoed); by default the
 * program stops there, with --keep-going it goes on; either way it exits
 * 4 at the end.  The reader owns every buffer it hands out: a record stays
 * valid until the next call of ndjson_next.
 */
#ifndef NDJSON_H
#define NDJSON_H

#include <stddef.h>
#include <sys/types.h>

#include <jv.h>

#include "sbuf.h"

#define NDJSON_MAXLINE_DEFAULT	(8L * 1024 * 1024)
#define NDJSON_IOBUF		(64 * 1024)	/* one read(2) at most */

struct ndjson {
	char	**files;	/* borrowed operands */
	int	  nfiles;
	int	  idx;		/* next operand */
	int	  fd;		/* the operand being read, or -1 */
	int	  eof;		/* fd has no more */
	char	 *buf;		/* read buffer: records point into it */
	size_t	  cap;
	size_t	  beg, end;	/* its unread bytes */
	int	  skipping;	/* in a line over maxline: drop to its end */
	unsigned long reads;	/* read(2) calls that brought bytes */
	const char *name;	/* "<stdin>" or the operand */
	long	  lineno;	/* line of the current record */
	long	  nextline;	/* lines consumed in this file */
	int	  multiline;	/* the record is a pretty-printed document */
	struct sbuf doc;	/* pretty-printed document being gathered */
	size_t	  maxline;	/* record size limit in bytes */
	int	  keep_going;	/* bad-line policy */
	long	  nbad;		/* malformed records seen */
	int	  ioerr;	/* an operand could not be read */
};

/* Set up reading the operands (borrowed; argc may be 0). */
void	ndjson_open(struct ndjson *, int argc, char **argv);

/*
 * Next record: 1 with its bytes (not NUL-safe: may contain NUL bytes; no
 * trailing newline, but a NUL after the last byte), 0 at the end of all
 * input.  Records over the size limit and invalid UTF-8 are reported and
 * skipped here; check ndjson_stop() after a 1 or 0 return when it
 * matters.  The bytes are read straight into the reader's buffer, where
 * records stay; a record is never copied unless it is a pretty-printed
 * document, which is the only kind that holds newlines (multiline).
 */
int	ndjson_next(struct ndjson *, const char **rec, size_t *len);

/*
 * For callers that wait on other things too: the descriptor being read
 * (-1 when none is open yet, or all input is read), and whether a whole
 * line is already buffered, so that the next ndjson_next need not wait
 * for input (the part of a line that has come is not enough).  reads
 * counts the read(2) calls that brought bytes: records read between two
 * changes of it arrived together.
 */
int	ndjson_fd(const struct ndjson *);
int	ndjson_buffered(const struct ndjson *);

/*
 * Can the next record be read without waiting (a whole line buffered, a
 * readable descriptor, its end, or a file yet to open)?  So that a
 * program never holds back what it has for a quiet pipe or FIFO.
 */
int	ndjson_ready(const struct ndjson *);

/*
 * Parse one record with libjq.  Returns the owned value, or an invalid
 * jv whose message (owned by the caller) says what is wrong, without the
 * input text.
 */
jv	ndjson_parse(const char *rec, size_t len);

/*
 * Report the current record as malformed: "prog: FILE:LINE: reason".
 * Returns 0 when the policy says go on, -1 when the program must stop.
 */
int	ndjson_bad(struct ndjson *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* 1 when the reader stopped on a bad record and the program must end. */
int	ndjson_stop(const struct ndjson *);

/* Close input and free buffers. */
void	ndjson_close(struct ndjson *);

/* The exit status input problems call for: 0, 2 (unreadable) or 4. */
int	ndjson_status(const struct ndjson *);

#endif
