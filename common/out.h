/*
 * out.h: every program's output streams (stdout and files or FIFOs named
 * by options).
 *
 * Output is fully buffered; with unbuffered set each record is flushed as
 * soon as it is written (needed on FIFOs feeding long-lived readers).  A
 * write error is fatal: "prog: write error: REASON" (or "prog: PATH: ..."
 * for a named file) and exit 2, so a full disk never goes unnoticed.  A
 * closed pipe ends the program quietly through SIGPIPE, even where the
 * parent ignored that signal.
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>
#include <stdio.h>

#include <jv.h>

struct out {
	FILE	*fp;
	char	*name;		/* NULL for stdout */
	int	 unbuffered;
};

/* Stdout as a stream; the struct is static, never freed. */
struct out	*out_stdout(int unbuffered);

/* Open PATH for writing ("-" is stdout); exits 2 when it cannot. */
struct out	*out_open(const char *path, int unbuffered);

/* Write the bytes and a newline as one record. */
void	out_line(struct out *, const char *buf, size_t len);

/* Write a jv compactly as one record; consumes v. */
void	out_jv(struct out *, jv v);

/* Flush (checking for errors). */
void	out_flush(struct out *);

/* Flush, check and close; frees the struct (stdout: closes stdout). */
void	out_close(struct out *);

/* Write the whole buffer to a raw descriptor, retrying short writes and
 * EINTR.  Returns 0, or -1 with errno set. */
int	write_all(int fd, const void *buf, size_t len);

#endif
