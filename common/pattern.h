/*
 * pattern.h: EventBridge event patterns: compile, validate, match.
 *
 * A pattern is compiled the way AWS's engine (event-ruler's
 * JsonRuleCompiler) reads it: as a stream of JSON tokens, so the first
 * problem met in document order is the one reported, with AWS's reason
 * text ("prefix match pattern must be a string", ...).  The compiled form
 * is a disjunction of sub-rules ($or expands to several), each a set of
 * field paths with the value patterns one of the field's leaves must
 * satisfy.
 *
 * Matching does not look at JSON text: it reads a struct fields, the
 * leaves of an event grouped by field path, which the scanner (scan.h)
 * fills in one pass over the event's bytes.  Paths are shared between
 * all the patterns of a program through one struct pathtab, so each
 * event is scanned once for every rule.
 */
#ifndef PATTERN_H
#define PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* Interned dotted field paths ("detail.location"); ids count from 0. */
struct pathtab;

struct pathtab	*pathtab_new(void);
void		 pathtab_free(struct pathtab *);
int		 pathtab_intern(struct pathtab *, const char *, size_t);
/* The id of an interned path, or -1 (nothing is added). */
int		 pathtab_find(const struct pathtab *, const char *, size_t);
int		 pathtab_count(const struct pathtab *);
/* Conditions are interned too ("path" + values text), for memoizing. */
int		 pathtab_cond(struct pathtab *, int path, const char *text);
int		 pathtab_nconds(const struct pathtab *);
const char	*pathtab_name(const struct pathtab *, int id, size_t *len);

/* What one event holds at the paths of a pathtab. */
enum { LEAF_STRING, LEAF_NUMBER, LEAF_TRUE, LEAF_FALSE, LEAF_NULL };

struct leaf {
	const char	*s;	/* decoded string, or the literal's text */
	uint32_t	 n;
	uint8_t		 kind;
	int8_t		 numok;	/* 0 not yet known, 1 comparable, -1 not */
	int8_t		 ipok;	/* 0 not yet known, 4 or 16 bytes, -1 not */
	double		 num;
	long long	 key;	/* legacy number key */
	unsigned char	 ip[16];
	uint32_t	 memb;	/* array membership: pairs in fields.memb */
	uint32_t	 nmemb;
	int32_t		 next;	/* next leaf at the same path, or -1 */
};

struct fields {
	struct leaf	*leaf;
	size_t		 nleaf, capleaf;
	int32_t		*head, *tail;	/* per path id: first/last leaf */
	uint8_t		*inarr;		/* per path id: a leaf is in an array */
	int		 npaths;
	uint32_t	*memo;		/* per condition: epoch << 1 | result */
	int		 nconds;
	uint32_t	 epoch;
	struct xindex	*xi;		/* exact strings, indexed per path */
	uint32_t	*memb;		/* (array id, index) pairs */
	size_t		 nmemb, capmemb;
	char		*str;		/* decoded strings */
	size_t		 capstr;
};

/* Set up for the paths and conditions of PT (all patterns compiled). */
void	fields_init(struct fields *, const struct pathtab *);
void	fields_reset(struct fields *);
void	fields_free(struct fields *);

/*
 * Add a leaf of KIND with text [s, s+n) (borrowed; LEAF_NUMBER text must
 * be followed by a byte that ends a number) at PATH, outside any array:
 * for inputs that are not scanned JSON, such as SNS message attributes.
 */
void	fields_add(struct fields *, int path, int kind, const char *s,
	    size_t n);

/*
 * Options of the pattern language.  The SNS dialect reads subscription
 * filter policies with the same compiler: no "exactly", no "wildcard",
 * no equals-ignore-case inside prefix/suffix, anything-but only with
 * values or {"prefix"}, numbers of +-1e9 with 5 decimals, at most
 * PATTERN_SNS_MAX_KEYS top-level keys per branch and
 * PATTERN_SNS_MAX_COMBINATIONS value combinations (each condition counts
 * its values times its nesting depth, multiplied within a branch and
 * summed over the $or branches).  With flat set (the MessageAttributes
 * scope) a nested policy is refused with PATTERN_SNS_NESTED, which is a
 * whole message rather than a FilterPolicy reason.
 */
struct pattern_opts {
	int	legacy_numbers;	/* event-ruler <= 1.7.3: +-5e9, 6 decimals */
	int	wildcard_limit;	/* AWS's "Rule is too complex" threshold */
	int	dialect;	/* PATTERN_EVENTBRIDGE or PATTERN_SNS */
	int	flat;		/* SNS MessageAttributes scope: no nesting */
};

enum { PATTERN_EVENTBRIDGE, PATTERN_SNS };

/* legacy_numbers modes (the SNS dialect implies the second) */
#define PATTERN_NUMBERS_LEGACY	1
#define PATTERN_NUMBERS_SNS	2

#define PATTERN_WILDCARD_LIMIT	10
#define PATTERN_SNS_MAX_KEYS	5
#define PATTERN_SNS_MAX_COMBINATIONS	150
#define PATTERN_SNS_NESTED	"Filter policy scope MessageAttributes " \
	"does not support nested filter policy"

struct pattern;

/*
 * Compile the pattern text [text, text+len) (the bytes are copied where
 * needed).  Paths are interned in PT.  Returns the pattern, or NULL with
 * *err set to AWS's reason (owned by the caller).
 */
struct pattern	*pattern_compile(const char *text, size_t len,
		    struct pathtab *pt, const struct pattern_opts *,
		    char **err);
void		 pattern_free(struct pattern *);

/*
 * Several patterns matched together (a bus's rules): their keys laid out
 * in one array, so one pass over an event's fields answers them all.
 * The patterns are borrowed and must outlive the set; NULL entries
 * never match.
 */
struct pset;

struct pset	*pset_new(struct pattern *const *pats, size_t n);
void		 pset_free(struct pset *);

/*
 * The patterns of the set the event matches: their indexes, in
 * ascending order, in HITS (room for one per pattern); returns how many.
 * Sub-rules with a condition of exact strings or numbers are looked up
 * through the event's values at that condition's path, so patterns that
 * cannot match cost nothing; the others are all tried.
 */
size_t	pset_match(struct pset *, struct fields *, uint32_t *hits);

/* 1 if the event (its fields) matches. */
int	pattern_match(const struct pattern *, struct fields *);

/*
 * Why the event does not match: the first field (in the engine's order)
 * whose condition failed, for each branch, appended to WHY as a JSON
 * array of {"field","condition","found"} objects.
 */
void	pattern_explain(const struct pattern *, struct fields *,
	    const struct pathtab *, struct sbuf *why);

/*
 * Numbers as the engine compares them.  Returns 1 and *d when the
 * literal S (followed by a non-number byte) is comparable.
 */
int	pattern_number(const char *s, size_t n, int legacy, double *d,
	    long long *key);

/* Encode code point CP as UTF-8 into O (room for 4); returns the length. */
size_t	utf8_put(unsigned long cp, unsigned char *o);

#endif
