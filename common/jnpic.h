/*
 * jnpic.h: integer picture strings (XPath fn:format-integer), shared by
 * $formatInteger/$parseInteger (jnfpic.c) and the date/time components
 * of $fromMillis (jnfdate.c).
 */
#ifndef JNPIC_H
#define JNPIC_H
#include <stdint.h>
#include "jnint.h"

enum { P_DECIMAL, P_LETTERS, P_ROMAN, P_WORDS, P_SEQUENCE };
enum { C_LOWER, C_UPPER, C_TITLE };

#define MAXSEP	32

struct sep {
	int		 position;
	uint32_t	 ch;
};

struct ipic {
	int		 primary, tcase, ordinal;
	uint32_t	 zero;
	int		 mandatory, optional;
	int		 regular;	/* the interval, or 0 */
	struct sep	 seps[MAXSEP];
	int		 nseps;
};

/* Analyse PIC (with an optional ";o" modifier); D3131 on mixed digits. */
void	jn_pic_analyse(struct jn_ctx *, const char *pic, size_t n,
	    struct ipic *);
/* Append V formatted by F; D3130 for an unsupported numbering. */
void	jn_pic_format(struct jn_ctx *, struct sbuf *, double v,
	    const struct ipic *);

#endif
