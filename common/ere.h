/*
 * ere.h: POSIX extended regular expressions compiled with a bounded
 * size.  glibc's regcomp copies a repeated item once per count, and
 * copies of copies when quantifiers stack or nest: a pattern of a few
 * dozen bytes ("a{1,100}{1,100}{1,100}", "((a+)+)+..." nested deep) took
 * gigabytes.  AWS runs Java's regular expressions; following them, this
 * module refuses
 *
 *  - a quantifier (* + ? {m,n}) with nothing to repeat, or after another
 *    quantifier, except the lazy '?', which cannot change whether a text
 *    matches and is dropped;
 *  - back-references (\1 to \9), which glibc may take exponential time
 *    to match;
 *
 * and bounds what Java does not: the {m,n} counts, multiplied through
 * the groups repeated around them, add up to at most ERE_REPEAT_MAX;
 * the pattern expanded by its repetitions stays under ERE_SIZE_MAX
 * items; groups nest at most ERE_DEPTH_MAX deep.
 *
 * Users: cwregex (CloudWatch Logs' %regex%, after its own syntax check)
 * and jpath (the =~ /regex/ of JSONPath filters).
 */
#ifndef ERE_H
#define ERE_H

#include <sys/types.h>

#include <regex.h>
#include <stddef.h>

#define ERE_REPEAT_MAX	1000
#define ERE_SIZE_MAX	100000
#define ERE_DEPTH_MAX	100

/*
 * Compile the N bytes at S (no NUL among them) into RE with regcomp's
 * CFLAGS.  Returns NULL, or an owned message saying why it was refused
 * (RE is then not to be freed).
 */
char	*ere_compile(regex_t *re, const char *s, size_t n, int cflags);

#endif
