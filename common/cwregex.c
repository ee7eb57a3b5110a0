/* cwregex.c: CloudWatch Logs' regular expressions; see cwregex.h. */
#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cwregex.h"
#include "sbuf.h"
#include "xalloc.h"

struct cwregex {
	regex_t		 re;
};

/*
 * glibc's regcomp copies the repeated item once per count, and copies of
 * copies when quantifiers stack: "a{1,100}{1,100}{1,100}" took gigabytes.
 * CloudWatch (Java's regular expressions) refuses a quantifier after a
 * quantifier except the lazy '?', which cannot change whether a text
 * matches and is dropped here; the counts of all {m,n} together are
 * bounded, so the compiled size is linear in the pattern.
 */
#define REPEAT_MAX	1000

enum { NOTHING, ITEM, REPEATED, LAZY };	/* what a quantifier would repeat */

/*
 * The quantifier at *sp (one of * + ? {); advances *sp to its last byte
 * and adds its count to *counts.  Returns an owned message when refused.
 */
static char *
quantifier(const char **sp, const char *end, int *prev, long *counts)
{
	const char *s = *sp;
	long lo, hi;
	char *q;

	if (*prev == REPEATED && *s == '?') {
		*prev = LAZY;
		return NULL;
	}
	if (*prev == REPEATED || *prev == LAZY)
		return xasprintf("'%c' cannot follow another quantifier in a "
		    "regular expression", *s);
	if (*prev == NOTHING)
		return xasprintf("'%c' has nothing to repeat in a regular "
		    "expression", *s);
	*prev = REPEATED;
	if (*s != '{')
		return NULL;
	lo = strtol(s + 1, &q, 10);
	hi = lo;
	if (!isdigit((unsigned char)s[1]) || q >= end)
		goto bad;
	if (*q == ',') {
		hi = lo;
		if (q + 1 < end && isdigit((unsigned char)q[1]))
			hi = strtol(q + 1, &q, 10);
		else
			q++;
	}
	if (q >= end || *q != '}' || hi < lo)
		goto bad;
	*sp = q;
	if (hi > REPEAT_MAX || (*counts += hi) > REPEAT_MAX)
		return xasprintf("the repetition counts of a regular "
		    "expression add up to more than %d", REPEAT_MAX);
	return NULL;
bad:
	return xstrdup("a regular expression has a malformed '{m,n}'");
}

struct cwregex *
cwregex_compile(const char *s, size_t n, char **err)
{
	static const char names[] = "dDwWsS";
	static const char other[] = ":_#=@/;,-^$?[]{}|\\*+.";
	static const char *const cls[][2] = {	/* outside, inside [ ] */
		{ "[0-9]", "0-9" }, { "[^0-9]", NULL },
		{ "[A-Za-z0-9_]", "A-Za-z0-9_" }, { "[^A-Za-z0-9_]", NULL },
		{ "[[:space:]]", "[:space:]" }, { "[^[:space:]]", NULL }
	};
	struct sbuf b = SBUF_INIT;
	const char *k, *end = s + n;
	struct cwregex *cre;
	char msg[128];
	int inset = 0, first = 0, prev = NOTHING, e;
	long counts = 0;
	unsigned char c;

	*err = NULL;
	if (n == 0)
		*err = xstrdup("an empty regular expression");
	for (; s < end && *err == NULL; s++) {
		c = (unsigned char)*s;
		if (c >= 0x80)
			*err = xstrdup("multi-byte characters are not "
			    "supported in a regular expression");
		else if (c == '(' || c == ')')
			*err = xstrdup("parentheses are not supported in a "
			    "regular expression");
		else if (!isalnum(c) && strchr(other, c) == NULL)
			*err = xasprintf("'%c' is not allowed in a regular "
			    "expression", c);
		else if (c == '\\') {
			if (++s == end) {
				*err = xstrdup("a regular expression ends in "
				    "'\\'");
				break;
			}
			c = (unsigned char)*s;
			if (c == '\0' || c >= 0x80 || c == '(' || c == ')' ||
			    (!isalnum(c) && strchr(other, c) == NULL)) {
				*err = xasprintf("'\\%c' is not allowed in a "
				    "regular expression", c);
				break;
			}
			if ((k = strchr(names, c)) != NULL) {
				const char *t = cls[k - names][inset];

				if (t == NULL)
					*err = xasprintf("'\\%c' is not "
					    "supported inside [ ]", c);
				else
					sbuf_adds(&b, t);
			} else if (inset)
				sbuf_addc(&b, (char)c);
			else if (isalnum(c))
				sbuf_addc(&b, (char)c);	/* no back-references */
			else {
				sbuf_addc(&b, '\\');
				sbuf_addc(&b, (char)c);
			}
			first = 0;
			prev = ITEM;
		} else {
			if (!inset && strchr("*+?{", c) != NULL) {
				const char *q = s;

				*err = quantifier(&s, end, &prev, &counts);
				if (*err == NULL && prev != LAZY)
					sbuf_add(&b, q, (size_t)(s - q + 1));
				continue;
			}
			if (!inset)
				prev = strchr("^$|", c) != NULL ? NOTHING : ITEM;
			if (!inset && c == '[') {
				inset = first = 1;
				sbuf_addc(&b, '[');
				if (s + 1 < end && s[1] == '^')
					sbuf_addc(&b, *++s);
				continue;
			}
			if (inset && c == ']' && !first)
				inset = 0;
			first = 0;
			sbuf_addc(&b, (char)c);
		}
	}
	if (*err == NULL && inset)
		*err = xstrdup("a regular expression has an unclosed '['");
	if (*err != NULL) {
		sbuf_free(&b);
		return NULL;
	}
	cre = xcalloc(1, sizeof(*cre));
	if ((e = regcomp(&cre->re, b.buf, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(e, &cre->re, msg, sizeof(msg));
		*err = xasprintf("invalid regular expression: %s", msg);
		free(cre);
		cre = NULL;
	}
	sbuf_free(&b);
	return cre;
}

int
cwregex_match(const struct cwregex *cre, const char *s, size_t n)
{
	regmatch_t m;

	m.rm_so = 0;
	m.rm_eo = (regoff_t)n;
	return regexec(&cre->re, s, 1, &m, REG_STARTEND) == 0;
}

void
cwregex_free(struct cwregex *cre)
{
	if (cre == NULL)
		return;
	regfree(&cre->re);
	free(cre);
}
