/*
 * xalloc.h: allocation that never returns NULL.  On ENOMEM the program
 * prints "prog: out of memory" and exits 2.  The caller owns and frees
 * every pointer returned here with free(3).
 */
#ifndef XALLOC_H
#define XALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
