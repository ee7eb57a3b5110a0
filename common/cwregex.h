/*
 * cwregex.h: the regular expressions of CloudWatch Logs filter patterns
 * (the text between the '%' signs), run as POSIX extended ones.
 *
 * CloudWatch allows letters, digits, : _ # = @ / ; , - and the operators
 * ^ $ ? [ ] { } | \ * + . (no parentheses, no multi-byte characters);
 * \d, \w, \s and their capitals are the usual classes.  Anything else
 * is refused at compile time with the reason.  A match is a search:
 * anywhere in the text unless anchored with ^ or $.
 *
 * Only filterpat uses this module.
 */
#ifndef CWREGEX_H
#define CWREGEX_H

#include <stddef.h>

struct cwregex;

/*
 * Compile the N bytes at S.  Returns the regex, or NULL with *err set to
 * an owned message (free it).
 */
struct cwregex	*cwregex_compile(const char *s, size_t n, char **err);

/* 1 when the regex matches in [s, s+n) (which may hold NUL bytes). */
int	cwregex_match(const struct cwregex *, const char *s, size_t n);

void	cwregex_free(struct cwregex *);

#endif
