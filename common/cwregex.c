/* cwregex.c: CloudWatch Logs' regular expressions; see cwregex.h. */
#include <sys/types.h>

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "cwregex.h"
#include "ere.h"
#include "sbuf.h"
#include "xalloc.h"

struct cwregex {
	regex_t		 re;
};

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
	int inset = 0, first = 0;
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
		else if (c == '\0' || (!isalnum(c) && strchr(other, c) == NULL))
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
		} else {
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
	*err = ere_compile(&cre->re, b.buf, b.len, REG_EXTENDED | REG_NOSUB);
	if (*err != NULL) {
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
