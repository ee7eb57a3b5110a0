/*
 * sbuf.h: a growable byte buffer, always NUL-terminated after len bytes.
 * The struct owns buf; sbuf_free releases it, sbuf_reset keeps it for
 * reuse (one buffer per record loop, not one allocation per record).
 */
#ifndef SBUF_H
#define SBUF_H

#include <stddef.h>
#include <stdio.h>

struct sbuf {
	char	*buf;
	size_t	 len;
	size_t	 cap;
};

#define SBUF_INIT { NULL, 0, 0 }

void	sbuf_grow(struct sbuf *, size_t extra);
void	sbuf_add(struct sbuf *, const void *, size_t);
void	sbuf_addc(struct sbuf *, int);
void	sbuf_adds(struct sbuf *, const char *);
void	sbuf_addf(struct sbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	sbuf_reset(struct sbuf *);
void	sbuf_free(struct sbuf *);
/* Append everything left in FP; 0, or -1 on a read error. */
int	sbuf_read(struct sbuf *, FILE *fp);
/*
 * Append the whole file PATH ("-" is stdin).  Returns 0, or -1 with errno
 * set (EIO for a read error).
 */
int	sbuf_read_file(struct sbuf *, const char *path);
/* Hand the bytes to the caller (who frees them); the sbuf is emptied. */
char	*sbuf_detach(struct sbuf *, size_t *len);

#endif
