/*
 * filterpat.h: CloudWatch Logs filter patterns (reference aws-formats.md
 * §5.5), compiled once and matched against log messages.
 *
 * Text patterns (case sensitive; a term matches where it occurs in the
 * message):
 *	ERROR			the term is present
 *	ERROR ARGUMENTS		every term is present
 *	?ERROR ?WARN		one of the ?groups matches
 *	?ERROR Main ?WARN Lock	(ERROR and Main) or (WARN and Lock)
 *	"INTERNAL SERVER ERROR"	a quoted phrase (spaces, punctuation)
 *	ERROR -ARGUMENTS	no -term is present
 *	"" or " "		every message
 * A ?term starts a group, which runs to the next ?term; terms before the
 * first ?term form a group too.  A group matches when its plain terms
 * are present and its -terms absent; a pattern when one group does (the
 * term groups of AWS CDK's FilterPattern.anyTermGroup).
 *
 * JSON patterns match messages that are JSON objects:
 *	{ $.a.b = "x" }  { $.a != "eu-*" }  { $.n > 10 }  { $.n <= 1e3 }
 *	{ $.list[0].id = 2 }  { $.a IS NULL }  { $.a IS TRUE }
 *	{ $.a IS FALSE }  { $.a NOT EXISTS }
 * joined with && and || (&& binds tighter) and grouped with ( ).  A
 * quoted or bare string value compares with string fields only, '*'
 * matching any run of characters; a numeric value compares with number
 * fields only.  = and != (and the ordering operators) never match a
 * field that is absent.
 *
 * Space-delimited patterns name the fields of a message (split at
 * blanks; [...] and "..." are one field each, without the brackets or
 * quotes), with at most one "..." standing for any number of fields:
 *	[ip, user, ..., status = 4* && bytes > 1000, bytes]
 * Conditions are as in JSON patterns (no IS, NOT EXISTS), may name any
 * field, and must all hold; a number compares with fields that are
 * numbers (else = and != compare the text).
 *
 * Regular expressions, %...% in CloudWatch's subset (no parentheses;
 * \d \w \s and their capitals; run as POSIX extended ones): a pattern
 * that is one matches anywhere in the message; as a value (= or != only,
 * at most two per pattern) one matches a string member or a field.
 */
#ifndef FILTERPAT_H
#define FILTERPAT_H

#include <stddef.h>

#define FILTERPAT_MAX	1024	/* characters, as AWS allows */

struct filterpat;

/*
 * Compile TEXT (borrowed).  Returns the pattern, or NULL with *err set
 * to an owned message (free it).
 */
struct filterpat	*filterpat_compile(const char *text, char **err);

/* 1 when the message [msg, msg+len) matches. */
int	filterpat_match(const struct filterpat *, const char *msg,
	    size_t len);

void	filterpat_free(struct filterpat *);

#endif
