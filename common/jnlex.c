/*
 * jnlex.c: the JSONata tokenizer, following jsonata-js's lexer: token
 * positions are offsets just past the token, errors S0101-S0106 and
 * S0301/S0302 as it reports them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jnint.h"

/* Single-character operators (jsonata-js's operator table). */
static const char opchars[] = ".[]{}(),@#;:?+-*/%|=<>^&!~";

void
jn_seterr(struct jn_error *e, const char *code, long pos, const char *tok,
    size_t toklen, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->code, sizeof(e->code), "%s", code);
	e->position = pos;
	if (toklen >= sizeof(e->token))
		toklen = sizeof(e->token) - 1;
	memcpy(e->token, tok ? tok : "", tok ? toklen : 0);
	e->token[tok ? toklen : 0] = '\0';
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

static int
isws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v';
}

static int
isop(int c)
{
	return c != '\0' && strchr(opchars, c) != NULL;
}

static void
tok(struct jn_token *t, enum jn_tok type, const char *s, size_t n,
    long pos)
{
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->s = s;
	t->len = n;
	t->position = pos;
}

static int
lex_regex(struct jn_lexer *l, struct jn_token *t)
{
	const char *p = l->src;
	size_t start = l->pos, fstart;
	int depth = 0, nb;
	char c;

	while (l->pos < l->len) {
		c = p[l->pos];
		if (c == '/' && depth == 0) {
			for (nb = 0; l->pos >= (size_t)nb + 1 &&
			    p[l->pos - nb - 1] == '\\'; nb++)
				;
			if (nb % 2 == 0) {
				if (l->pos == start) {
					jn_seterr(l->err, "S0301", l->pos,
					    NULL, 0, "Empty regular "
					    "expressions are not allowed");
					return -1;
				}
				tok(t, T_REGEX, jn_strndup(l->arena,
				    p + start, l->pos - start),
				    l->pos - start, 0);
				l->pos++;
				fstart = l->pos;
				while (l->pos < l->len && (p[l->pos] == 'i' ||
				    p[l->pos] == 'm'))
					l->pos++;
				t->flags = jn_strndup(l->arena, p + fstart,
				    l->pos - fstart);
				t->position = l->pos;
				return 0;
			}
		}
		if ((c == '(' || c == '[' || c == '{') &&
		    (l->pos == 0 || p[l->pos - 1] != '\\'))
			depth++;
		if ((c == ')' || c == ']' || c == '}') &&
		    (l->pos == 0 || p[l->pos - 1] != '\\'))
			depth--;
		l->pos++;
	}
	jn_seterr(l->err, "S0302", l->pos, NULL, 0,
	    "No terminating / in regular expression");
	return -1;
}

static int
lex_string(struct jn_lexer *l, struct jn_token *t)
{
	const char *p = l->src;
	char q = p[l->pos++];
	struct sbuf b = SBUF_INIT;
	int k;

	while (l->pos < l->len) {
		char c = p[l->pos];
		if (c == '\\') {
			l->pos++;
			k = jn_escape(p + l->pos, p + l->len, &b);
			if (k == -2) {
				sbuf_free(&b);
				jn_seterr(l->err, "S0104", l->pos, NULL, 0, "The "
				    "escape sequence \\u must be followed by 4 "
				    "hex digits");
				return -1;
			}
			if (k < 0) {
				c = l->pos < l->len ? p[l->pos] : '\0';
				sbuf_free(&b);
				jn_seterr(l->err, "S0103", l->pos, &c, 1,
				    "Unsupported escape sequence: \\%c", c);
				return -1;
			}
			l->pos += k;
		} else if (c == q) {
			l->pos++;
			tok(t, T_STRING, jn_strndup(l->arena,
			    b.buf ? b.buf : "", b.len), b.len, l->pos);
			sbuf_free(&b);
			return 0;
		} else {
			sbuf_addc(&b, c);
			l->pos++;
		}
	}
	sbuf_free(&b);
	jn_seterr(l->err, "S0101", l->pos, NULL, 0,
	    "String literal must be terminated by a matching quote");
	return -1;
}

/* The number syntax -?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)? */
static size_t
number_len(const char *p, size_t n)
{
	size_t i = 0, j;

	if (i < n && p[i] == '-')
		i++;
	if (i < n && p[i] == '0')
		i++;
	else if (i < n && p[i] >= '1' && p[i] <= '9')
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	else
		return 0;
	if (i + 1 < n && p[i] == '.' && p[i + 1] >= '0' && p[i + 1] <= '9')
		for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++)
			;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		j = i + 1;
		if (j < n && (p[j] == '+' || p[j] == '-'))
			j++;
		if (j < n && p[j] >= '0' && p[j] <= '9') {
			while (j < n && p[j] >= '0' && p[j] <= '9')
				j++;
			i = j;
		}
	}
	return i;
}

static const char *const two[] = {
	"..", ":=", "!=", ">=", "<=", "**", "~>", NULL
};

int
jn_lex(struct jn_lexer *l, int prefix, struct jn_token *t)
{
	const char *p = l->src;
	size_t i, n, end;
	char *tmp;
	double d;
	int k;

again:
	while (l->pos < l->len && isws(p[l->pos]))
		l->pos++;
	if (l->pos >= l->len) {
		tok(t, T_END, "(end)", 5, l->len);
		return 0;
	}
	if (p[l->pos] == '/' && p[l->pos + 1] == '*') {
		const char *e = strstr(p + l->pos + 2, "*/");
		if (e == NULL) {
			jn_seterr(l->err, "S0106", l->pos, NULL, 0,
			    "Comment has no closing tag");
			return -1;
		}
		l->pos = e - p + 2;
		goto again;
	}
	if (prefix && p[l->pos] == '/') {
		l->pos++;
		return lex_regex(l, t);
	}
	for (k = 0; two[k] != NULL; k++)
		if (p[l->pos] == two[k][0] && p[l->pos + 1] == two[k][1]) {
			l->pos += 2;
			tok(t, T_OPERATOR, two[k], 2, l->pos);
			return 0;
		}
	if (isop(p[l->pos])) {
		tok(t, T_OPERATOR, p + l->pos, 1, l->pos + 1);
		l->pos++;
		return 0;
	}
	if (p[l->pos] == '"' || p[l->pos] == '\'')
		return lex_string(l, t);
	if ((n = number_len(p + l->pos, l->len - l->pos)) > 0) {
		tmp = jn_strndup(l->arena, p + l->pos, n);
		d = strtod(tmp, NULL);
		if (isinf(d) || isnan(d)) {
			jn_seterr(l->err, "S0102", l->pos, tmp, n,
			    "Number out of range: %s", tmp);
			return -1;
		}
		l->pos += n;
		tok(t, T_NUMBER, tmp, n, l->pos);
		t->num = d;
		return 0;
	}
	if (p[l->pos] == '`') {
		const char *e = memchr(p + l->pos + 1, '`',
		    l->len - l->pos - 1);
		if (e == NULL) {
			l->pos = l->len;
			jn_seterr(l->err, "S0105", l->pos, NULL, 0,
			    "Quoted property name must be terminated with a "
			    "backquote (`)");
			return -1;
		}
		i = l->pos + 1;
		l->pos = e - p + 1;
		tok(t, T_NAME, jn_strndup(l->arena, p + i, e - p - i),
		    e - p - i, l->pos);
		return 0;
	}
	for (end = l->pos; end < l->len && !isws(p[end]) && !isop(p[end]);
	    end++)
		;
	i = l->pos;
	l->pos = end;
	if (p[i] == '$') {
		tok(t, T_VARIABLE, jn_strndup(l->arena, p + i + 1, end - i - 1),
		    end - i - 1, end);
		return 0;
	}
	n = end - i;
	if ((n == 2 && memcmp(p + i, "or", 2) == 0) ||
	    (n == 2 && memcmp(p + i, "in", 2) == 0) ||
	    (n == 3 && memcmp(p + i, "and", 3) == 0)) {
		tok(t, T_OPERATOR, p + i, n, end);
		return 0;
	}
	if ((n == 4 && memcmp(p + i, "true", 4) == 0) ||
	    (n == 5 && memcmp(p + i, "false", 5) == 0) ||
	    (n == 4 && memcmp(p + i, "null", 4) == 0)) {
		tok(t, T_VALUE, p + i, n, end);
		t->value = p[i] == 't' ? 1 : p[i] == 'f' ? 0 : 2;
		return 0;
	}
	tok(t, T_NAME, jn_strndup(l->arena, p + i, n), n, end);
	return 0;
}
