/*
 * pattern.c: EventBridge event patterns; see pattern.h.
 *
 * The compiler follows event-ruler's JsonRuleCompiler step by step over
 * a pull tokenizer that behaves (and words its errors) like Jackson's, so
 * that the reason AWS gives for an invalid pattern comes out the same.
 * Value semantics (numbers, IP literals, CIDR, case folding, wildcards)
 * are in reference/eventbridge-patterns.md.
 */
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jsonraw.h"
#include "pattern.h"
#include "sbuf.h"
#include "xalloc.h"

#define MAX_DEPTH	1000	/* Jackson's StreamReadConstraints */
#define MAX_BRANCHES	1024	/* sub-rules one pattern's $or may make */

/* ---------------------------------------------------------------- paths */

/* A condition of exact strings only, for the per-path index. */
struct pcond {
	int	  path;
	int	  exact;
	char	**s;
	size_t	 *n;
	size_t	  ns;
};

struct pathtab {
	char	**name;
	size_t	 *len;
	int	  n, cap;
	char	**cond;		/* "PATH-ID TEXT" */
	struct pcond *pc;
	int	  ncond, capcond;
	int	 *hpath, *hcond;	/* hash tables of ids + 1, 0: empty */
	size_t	  mpath, mcond;		/* their masks */
};

static uint32_t
xhash(const char *s, size_t n)
{
	uint32_t h = 2166136261U;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 16777619U;
	return h;
}

/*
 * Open addressing over ids: the slot of the key (S, N) in TAB, where
 * SAME(i) says whether id i has that key.  Ids are stored plus one.
 */
#define HSLOT(tab, mask, s, n, same, slot) do {				\
	for ((slot) = xhash((s), (n)) & (mask); (tab)[slot] != 0;	\
	    (slot) = ((slot) + 1) & (mask))				\
		if (same((tab)[slot] - 1))				\
			break;						\
} while (0)

/* Grow a table of ids to hold twice COUNT, rehashing with KEY(i). */
static int *
hgrow(int *tab, size_t *mask, int count, char **keys, const size_t *lens)
{
	size_t m, slot, n;
	int i, *t;

	if (tab != NULL && (size_t)count * 2 < *mask)
		return tab;
	for (m = 63; m < (size_t)count * 4; m = m * 2 + 1)
		;
	t = xcalloc(m + 1, sizeof(*t));
	for (i = 0; i < count; i++) {
		n = lens != NULL ? lens[i] : strlen(keys[i]);
		for (slot = xhash(keys[i], n) & m; t[slot] != 0;
		    slot = (slot + 1) & m)
			;
		t[slot] = i + 1;
	}
	free(tab);
	*mask = m;
	return t;
}

struct pathtab *
pathtab_new(void)
{
	return xcalloc(1, sizeof(struct pathtab));
}

void
pathtab_free(struct pathtab *pt)
{
	int i;

	if (pt == NULL)
		return;
	for (i = 0; i < pt->n; i++)
		free(pt->name[i]);
	for (i = 0; i < pt->ncond; i++) {
		free(pt->cond[i]);
		for (size_t j = 0; j < pt->pc[i].ns; j++)
			free(pt->pc[i].s[j]);
		free(pt->pc[i].s);
		free(pt->pc[i].n);
	}
	free(pt->cond);
	free(pt->pc);
	free(pt->name);
	free(pt->len);
	free(pt->hpath);
	free(pt->hcond);
	free(pt);
}

int
pathtab_intern(struct pathtab *pt, const char *s, size_t n)
{
	size_t slot;

#define SAME_PATH(i) (pt->len[i] == n && memcmp(pt->name[i], s, n) == 0)
	pt->hpath = hgrow(pt->hpath, &pt->mpath, pt->n, pt->name, pt->len);
	HSLOT(pt->hpath, pt->mpath, s, n, SAME_PATH, slot);
#undef SAME_PATH
	if (pt->hpath[slot] != 0)
		return pt->hpath[slot] - 1;
	if (pt->n == pt->cap) {
		pt->cap = pt->cap ? pt->cap * 2 : 16;
		pt->name = xreallocarray(pt->name, (size_t)pt->cap,
		    sizeof(*pt->name));
		pt->len = xreallocarray(pt->len, (size_t)pt->cap,
		    sizeof(*pt->len));
	}
	pt->name[pt->n] = xstrndup(s, n);
	pt->len[pt->n] = n;
	pt->hpath[slot] = pt->n + 1;
	return pt->n++;
}

int
pathtab_find(const struct pathtab *pt, const char *s, size_t n)
{
	size_t slot;

	if (pt->n == 0)
		return -1;
#define SAME_PATH(i) (pt->len[i] == n && memcmp(pt->name[i], s, n) == 0)
	HSLOT(pt->hpath, pt->mpath, s, n, SAME_PATH, slot);
#undef SAME_PATH
	return pt->hpath[slot] - 1;
}

int
pathtab_count(const struct pathtab *pt)
{
	return pt->n;
}

int
pathtab_cond(struct pathtab *pt, int path, const char *text)
{
	size_t slot, n, tl = strlen(text);
	char *k = xmalloc(tl + 16);

	n = (size_t)snprintf(k, 16, "%d ", path);
	memcpy(k + n, text, tl + 1);
	n += tl;

#define SAME_COND(i) (strcmp(pt->cond[i], k) == 0)
	pt->hcond = hgrow(pt->hcond, &pt->mcond, pt->ncond, pt->cond, NULL);
	HSLOT(pt->hcond, pt->mcond, k, n, SAME_COND, slot);
#undef SAME_COND
	if (pt->hcond[slot] != 0) {
		free(k);
		return pt->hcond[slot] - 1;
	}
	if (pt->ncond == pt->capcond) {
		pt->capcond = pt->capcond ? pt->capcond * 2 : 16;
		pt->cond = xreallocarray(pt->cond, (size_t)pt->capcond,
		    sizeof(*pt->cond));
		pt->pc = xreallocarray(pt->pc, (size_t)pt->capcond,
		    sizeof(*pt->pc));
	}
	memset(&pt->pc[pt->ncond], 0, sizeof(*pt->pc));
	pt->pc[pt->ncond].path = path;
	pt->cond[pt->ncond] = k;
	pt->hcond[slot] = pt->ncond + 1;
	return pt->ncond++;
}

int
pathtab_nconds(const struct pathtab *pt)
{
	return pt->ncond;
}

const char *
pathtab_name(const struct pathtab *pt, int id, size_t *len)
{
	if (len != NULL)
		*len = pt->len[id];
	return pt->name[id];
}

/* --------------------------------------------------------------- fields */

/*
 * The per-path index of exact-string conditions: one hash lookup per
 * string leaf answers every such condition on the path at once.
 */
struct xent {
	const char	*s;
	size_t		 n;
	int		*gid;
	int		 ngid;
};

struct xgroup {
	int		 path;
	int		*gid;		/* the conditions of the group */
	int		 ngid;
	struct xent	*tab;		/* open addressing */
	size_t		 mask;
	uint32_t	 epoch;		/* the event its matches are for */
};

struct xindex {
	int		*grp;		/* per condition: group, or -1 */
	struct xgroup	*g;
	int		 ng;
};

static struct xent *
xfind(const struct xgroup *g, const char *s, size_t n)
{
	size_t i = xhash(s, n) & g->mask;

	for (;; i = (i + 1) & g->mask) {
		struct xent *e = &g->tab[i];

		if (e->s == NULL || (e->n == n && (n == 0 ||
		    (e->s[0] == s[0] && memcmp(e->s, s, n) == 0))))
			return e;
	}
}

static struct xindex *
xindex_new(const struct pathtab *pt)
{
	struct xindex *xi = xcalloc(1, sizeof(*xi));
	int i, j, p, *start, *byp;
	size_t k, total;

	/* the exact conditions grouped by path: start[p]..start[p + 1] */
	start = xcalloc((size_t)pt->n + 2, sizeof(int));
	byp = xcalloc((size_t)pt->ncond + 1, sizeof(int));
	xi->grp = xcalloc((size_t)pt->ncond + 1, sizeof(int));
	for (i = 0; i < pt->ncond; i++) {
		xi->grp[i] = -1;
		if (pt->pc[i].exact)
			start[pt->pc[i].path + 2]++;
	}
	for (p = 0; p < pt->n; p++)
		start[p + 2] += start[p + 1];
	for (i = 0; i < pt->ncond; i++)
		if (pt->pc[i].exact)
			byp[start[pt->pc[i].path + 1]++] = i;
	for (p = 0; p < pt->n; p++) {
		struct xgroup g;

		memset(&g, 0, sizeof(g));
		g.path = p;
		g.ngid = start[p + 1] - start[p];
		if (g.ngid < 2)
			continue;
		g.gid = xreallocarray(NULL, (size_t)g.ngid, sizeof(int));
		memcpy(g.gid, byp + start[p], (size_t)g.ngid * sizeof(int));
		total = 0;
		for (j = 0; j < g.ngid; j++)
			total += pt->pc[g.gid[j]].ns;
		for (g.mask = 15; g.mask < 2 * total; g.mask = g.mask * 2 + 1)
			;
		g.tab = xcalloc(g.mask + 1, sizeof(*g.tab));
		for (j = 0; j < g.ngid; j++) {
			const struct pcond *c = &pt->pc[g.gid[j]];

			for (k = 0; k < c->ns; k++) {
				struct xent *e = xfind(&g, c->s[k], c->n[k]);

				e->s = c->s[k];
				e->n = c->n[k];
				e->gid = xreallocarray(e->gid, (size_t)e->ngid + 1,
				    sizeof(int));
				e->gid[e->ngid++] = g.gid[j];
			}
		}
		for (j = 0; j < g.ngid; j++)
			xi->grp[g.gid[j]] = xi->ng;
		xi->g = xreallocarray(xi->g, (size_t)xi->ng + 1, sizeof(*xi->g));
		xi->g[xi->ng++] = g;
	}
	free(start);
	free(byp);
	return xi;
}

static void
xindex_free(struct xindex *xi)
{
	int i;
	size_t k;

	if (xi == NULL)
		return;
	for (i = 0; i < xi->ng; i++) {
		for (k = 0; k <= xi->g[i].mask; k++)
			free(xi->g[i].tab[k].gid);
		free(xi->g[i].tab);
		free(xi->g[i].gid);
	}
	free(xi->g);
	free(xi->grp);
	free(xi);
}

void
fields_init(struct fields *f, const struct pathtab *pt)
{
	int i, npaths = pathtab_count(pt);

	memset(f, 0, sizeof(*f));
	f->xi = xindex_new(pt);
	f->nconds = pathtab_nconds(pt);
	f->memo = xcalloc((size_t)f->nconds + 1, sizeof(*f->memo));
	f->inarr = xcalloc((size_t)(npaths > 0 ? npaths : 1), 1);
	f->npaths = npaths;
	f->head = xcalloc((size_t)(npaths > 0 ? npaths : 1),
	    sizeof(*f->head));
	f->tail = xcalloc((size_t)(npaths > 0 ? npaths : 1),
	    sizeof(*f->tail));
	for (i = 0; i < npaths; i++)
		f->head[i] = f->tail[i] = -1;
}

void
fields_reset(struct fields *f)
{
	int i;

	for (i = 0; i < f->npaths; i++)
		f->head[i] = f->tail[i] = -1;
	memset(f->inarr, 0, (size_t)f->npaths);
	if (++f->epoch >= 1U << 30) {
		memset(f->memo, 0, (size_t)f->nconds * sizeof(*f->memo));
		for (i = 0; i < f->xi->ng; i++)
			f->xi->g[i].epoch = 0;
		f->epoch = 1;
	}
	f->nleaf = 0;
	f->nmemb = 0;
}

void
fields_add(struct fields *f, int path, int kind, const char *s, size_t n)
{
	struct leaf *l;
	int32_t i;

	if (f->nleaf == f->capleaf) {
		f->capleaf = f->capleaf ? f->capleaf * 2 : 64;
		f->leaf = xreallocarray(f->leaf, f->capleaf, sizeof(*f->leaf));
	}
	i = (int32_t)f->nleaf++;
	l = &f->leaf[i];
	memset(l, 0, sizeof(*l));
	l->s = s;
	l->n = (uint32_t)n;
	l->kind = (uint8_t)kind;
	l->next = -1;
	if (f->tail[path] >= 0)
		f->leaf[f->tail[path]].next = i;
	else
		f->head[path] = i;
	f->tail[path] = i;
}

void
fields_free(struct fields *f)
{
	xindex_free(f->xi);
	free(f->leaf);
	free(f->memo);
	free(f->inarr);
	free(f->head);
	free(f->tail);
	free(f->memb);
	free(f->str);
	memset(f, 0, sizeof(*f));
}

/* -------------------------------------------------------------- numbers */

/*
 * Decimal value of a number literal as digits (no leading or trailing
 * zeros) and a power of ten; returns the digit count.
 */
static size_t
num_norm(const char *s, char *dig, size_t cap, long *exp10)
{
	size_t nd = 0, i;
	long e = 0, x = 0;
	int esign = 1, frac = 0, lead = 1;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			frac = 1;
			continue;
		}
		if (*s < '0' || *s > '9')
			break;
		if (lead && *s == '0') {
			if (frac)
				e--;
			continue;
		}
		lead = 0;
		if (nd < cap)
			dig[nd++] = *s;
		else if (!frac)
			e++;
		if (frac)
			e--;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			esign = *s++ == '-' ? -1 : 1;
		for (; *s >= '0' && *s <= '9'; s++)
			if (x < 100000000)
				x = x * 10 + (*s - '0');
	}
	e += esign * x;
	for (i = nd; i > 0 && dig[i - 1] == '0'; i--)
		e++;
	nd = i;
	*exp10 = e;
	return nd;
}

/*
 * The common literal, fast: at most 15 significant digits and a power
 * of ten up to 1e22, where one exact division or multiplication is
 * correctly rounded (Clinger's fast path).  0 when it does not apply.
 */
static int
fast_number(const char *s, size_t n, double *out)
{
	static const double p10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
		1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
	};
	const char *p = s, *end = s + n;
	unsigned long long m = 0;
	int neg = 0, digits = 0, e = 0, ex = 0, eneg = 0, nz = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		nz |= *p != '0';
		if (nz && ++digits > 15)
			return 0;
		m = m * 10 + (unsigned)(*p - '0');
	}
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++) {
			nz |= *p != '0';
			if (nz && ++digits > 15)
				return 0;
			m = m * 10 + (unsigned)(*p - '0');
			e--;
		}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '-' || *p == '+'))
			eneg = *p++ == '-';
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if ((ex = ex * 10 + (*p - '0')) > 400)
				return 0;
		e += eneg ? -ex : ex;
	}
	if (p != end || e < -22 || e > 22)
		return 0;
	*out = e < 0 ? (double)m / p10[-e] : (double)m * p10[e];
	if (neg)
		*out = -*out;
	return 1;
}

/*
 * The fixed-point key of the older engines: event-ruler <= 1.7.3 reads
 * +-5e9 with 6 decimals, SNS filter policies +-1e9 with 5.
 */
static int
fixed_key(int mode, double v, long long *key)
{
	double bound = mode == PATTERN_NUMBERS_SNS ? 1e9 : 5e9;
	double scale = mode == PATTERN_NUMBERS_SNS ? 1e5 : 1e6;

	if (v < -bound || v > bound)
		return 0;
	*key = (long long)(scale * (bound + v));
	return 1;
}

int
pattern_number(const char *s, size_t n, int legacy, double *d,
    long long *key)
{
	char a[800], b[40], fmt[40];
	size_t na, nb, i, sig = 0;
	long ea, eb;
	double v;
	int p, lead = 1;

	if (fast_number(s, n, &v))
		goto exact;
	v = strtod(s, NULL);
	*d = v;
	if (!isfinite(v))
		return 0;
	if (legacy)
		return fixed_key(legacy, v, key);
	/* up to 15 significant digits always survive a double */
	for (i = 0; i < n && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (lead && s[i] == '0')
			continue;
		lead = 0;
		sig++;
	}
	if (sig <= 15 && (sig == 0 ? v == 0 : fabs(v) >= 1e-300))
		return 1;
	if (0) {
exact:
		/* at most 15 digits and an exact power of ten */
		*d = v;
		return legacy ? fixed_key(legacy, v, key) : 1;
	}
	/* Java prints at least two digits (4.9E-324, not 5E-324) */
	for (p = 2; p <= 17; p++) {
		snprintf(fmt, sizeof(fmt), "%%.%de", p - 1);
		snprintf(b, sizeof(b), fmt, v);
		if (strtod(b, NULL) == v)
			break;
	}
	na = num_norm(s, a, sizeof(a), &ea);
	nb = num_norm(b, b + 0, sizeof(b), &eb);
	return na == nb && ea == eb && memcmp(a, b, na) == 0;
}

/* ------------------------------------------------------- IP addresses */

static int
looks_v4(const char *s, size_t n)
{
	size_t i, parts = 0, digits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.') {
			if (digits == 0)
				return 0;
			parts++;
			digits = 0;
		} else
			return 0;
	}
	return parts == 3 && digits > 0;
}

static int
looks_v6(const char *s, size_t n)
{
	size_t i;
	int colon = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ':')
			colon = 1;
		else if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return colon;
}

static int
parse_v4(const char *s, size_t n, unsigned char out[4])
{
	size_t i;
	int part = 0;
	unsigned v = 0;

	if (n > 15)
		return -1;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (v > 255)
				return -1;
			out[part++] = (unsigned char)v;
			v = 0;
			continue;
		}
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > 255)
			return -1;
	}
	return part == 4 ? 0 : -1;
}

static int
parse_v6(const char *s, size_t n, unsigned char out[16])
{
	unsigned short g[8];
	int ng = 0, gap = -1, k;
	size_t i = 0, j;
	unsigned v;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':')
		return -1;
	while (i < n) {
		v = 0;
		for (j = 0; i < n && isxdigit((unsigned char)s[i]); i++, j++) {
			if (j >= 4)
				return -1;
			v = v * 16 + (unsigned)(isdigit((unsigned char)s[i]) ?
			    s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' +
			    10));
		}
		if (j == 0)
			return -1;
		if (ng == 8)
			return -1;
		g[ng++] = (unsigned short)v;
		if (i == n)
			break;
		/* s[i] == ':' */
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = ng;
			i++;
			if (i == n)
				break;
		} else if (i == n)
			return -1;
	}
	if (gap < 0 && ng != 8)
		return -1;
	if (gap >= 0 && ng > 7)
		return -1;
	memset(out, 0, 16);
	if (gap < 0)
		gap = ng;
	for (k = 0; k < gap; k++) {
		out[2 * k] = (unsigned char)(g[k] >> 8);
		out[2 * k + 1] = (unsigned char)g[k];
	}
	for (k = ng - 1; k >= gap; k--) {
		int pos = 8 - (ng - k);

		out[2 * pos] = (unsigned char)(g[k] >> 8);
		out[2 * pos + 1] = (unsigned char)g[k];
	}
	return 0;
}

/*
 * An IP literal as Java's InetAddress reads it: 4 or 16 bytes; 0 when
 * the text does not look like one, -1 when it does but is invalid.
 */
static int
ip_parse(const char *s, size_t n, unsigned char out[16])
{
	static const unsigned char mapped[12] =
	    { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (looks_v4(s, n))
		return parse_v4(s, n, out) == 0 ? 4 : -1;
	if (!looks_v6(s, n))
		return 0;
	if (parse_v6(s, n, out) != 0)
		return -1;
	if (memcmp(out, mapped, 12) == 0) {
		memmove(out, out + 12, 4);
		return 4;
	}
	return 16;
}

/* ----------------------------------------------------- case folding */

static locale_t utf8_locale;

static void
eic_locale(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8_locale == (locale_t)0)
		utf8_locale = newlocale(LC_CTYPE_MASK, "en_US.UTF-8",
		    (locale_t)0);
}

size_t
utf8_put(unsigned long cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode one UTF-8 sequence (input already validated). */
static size_t
utf8_get(const unsigned char *p, size_t n, unsigned long *cp)
{
	if (p[0] < 0x80 || n < 2) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*cp = ((p[0] & 0x1fUL) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0 && n >= 3) {
		*cp = ((p[0] & 0x0fUL) << 12) | ((p[1] & 0x3fUL) << 6) |
		    (p[2] & 0x3f);
		return 3;
	}
	if (n >= 4) {
		*cp = ((p[0] & 0x07UL) << 18) | ((p[1] & 0x3fUL) << 12) |
		    ((p[2] & 0x3fUL) << 6) | (p[3] & 0x3f);
		return 4;
	}
	*cp = p[0];
	return 1;
}

/* One pattern character: the bytes of its lower and upper case forms. */
struct eicunit {
	unsigned char	lo[12], up[12];
	uint8_t		nlo, nup;
};

struct eic {
	struct eicunit	*u;
	size_t		 n;
	int		 dead;	/* a supplementary character: never matches */
};

/* Java's String.toUpperCase/toLowerCase(ROOT) of one char. */
static void
eic_forms(unsigned long c, struct eicunit *u)
{
	static const struct { unsigned long c; const char *up; } spec[] = {
		{ 0xdf, "SS" }, { 0x149, "\xca\xbcN" }, { 0xfb00, "FF" },
		{ 0xfb01, "FI" }, { 0xfb02, "FL" }, { 0xfb03, "FFI" },
		{ 0xfb04, "FFL" }, { 0xfb05, "ST" }, { 0xfb06, "ST" },
	};
	unsigned long lo = c, up = c;
	size_t i;

	if (c < 0x80) {
		lo = (unsigned long)tolower((int)c);
		up = (unsigned long)toupper((int)c);
	} else if (utf8_locale != (locale_t)0) {
		lo = (unsigned long)towlower_l((wint_t)c, utf8_locale);
		up = (unsigned long)towupper_l((wint_t)c, utf8_locale);
	}
	u->nlo = (uint8_t)utf8_put(lo, u->lo);
	u->nup = (uint8_t)utf8_put(up, u->up);
	if (c == 0x130) {		/* dotted capital I */
		memcpy(u->lo, "i\xcc\x87", 3);
		u->nlo = 3;
	}
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++)
		if (spec[i].c == c) {
			u->nup = (uint8_t)strlen(spec[i].up);
			memcpy(u->up, spec[i].up, u->nup);
		}
}

static struct eic *
eic_compile(const char *s, size_t n)
{
	struct eic *e = xcalloc(1, sizeof(*e));
	size_t i = 0, k;
	unsigned long cp;

	eic_locale();
	e->u = xcalloc(n + 1, sizeof(*e->u));
	while (i < n) {
		k = utf8_get((const unsigned char *)s + i, n - i, &cp);
		i += k;
		if (cp >= 0x10000) {
			e->dead = 1;
			continue;
		}
		eic_forms(cp, &e->u[e->n++]);
	}
	return e;
}

static void
eic_free(struct eic *e)
{
	if (e == NULL)
		return;
	free(e->u);
	free(e);
}

/*
 * Match units [0, e->n) against the string from position 0 (forward)
 * or ending at its end (backward).  WHOLE: the string must be used up.
 */
static int
eic_run(const struct eic *e, const unsigned char *s, size_t n, int backward,
    int whole)
{
	size_t pos[16], npos = 1, nn, i, j, k;

	if (e->dead)
		return 0;
	pos[0] = 0;
	for (i = 0; i < e->n && npos > 0; i++) {
		const struct eicunit *u = backward ? &e->u[e->n - 1 - i] :
		    &e->u[i];
		size_t next[16];

		nn = 0;
		for (j = 0; j < npos; j++) {
			const unsigned char *f[2] = { u->lo, u->up };
			size_t fl[2] = { u->nlo, u->nup };

			for (k = 0; k < 2; k++) {
				size_t p = pos[j];
				const unsigned char *at;
				size_t q;

				if (k == 1 && fl[1] == fl[0] &&
				    memcmp(f[0], f[1], fl[0]) == 0)
					break;
				if (p + fl[k] > n)
					continue;
				at = backward ? s + n - p - fl[k] : s + p;
				if (at[0] != f[k][0] || (fl[k] > 1 &&
				    memcmp(at + 1, f[k] + 1, fl[k] - 1) != 0))
					continue;
				p += fl[k];
				for (q = 0; q < nn && next[q] != p; q++)
					;
				if (q == nn && nn < 16)
					next[nn++] = p;
			}
		}
		memcpy(pos, next, nn * sizeof(pos[0]));
		npos = nn;
	}
	if (!whole)
		return npos > 0;
	for (j = 0; j < npos; j++)
		if (pos[j] == n)
			return 1;
	return 0;
}

/* -------------------------------------------------------------- wildcards */

/* seg[0] * seg[1] * ... * seg[n-1]; literal bytes, escapes resolved. */
struct wild {
	char	**seg;
	size_t	 *len;
	size_t	  n;
};

static void
wild_free(struct wild *w)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i < w->n; i++)
		free(w->seg[i]);
	free(w->seg);
	free(w->len);
	free(w);
}

/* Parse as event-ruler's WildcardParser; NULL with a message. */
static struct wild *
wild_compile(const char *s, size_t n, char **err)
{
	struct wild *w = xcalloc(1, sizeof(*w));
	struct sbuf b = SBUF_INIT;
	size_t i;

	w->seg = xcalloc(n + 1, sizeof(*w->seg));
	w->len = xcalloc(n + 1, sizeof(*w->len));
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '*') {
			if (i < n && i + 1 < n && s[i + 1] == '*') {
				/* positions count the opening quote */
				*err = xasprintf("Consecutive wildcard "
				    "characters at pos %zu", i + 1);
				goto bad;
			}
			w->len[w->n] = b.len;
			w->seg[w->n++] = b.buf != NULL ? sbuf_detach(&b, NULL) :
			    xstrdup("");
			continue;
		}
		if (s[i] == '\\') {
			if (i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '\\')) {
				sbuf_addc(&b, s[++i]);
				continue;
			}
			*err = xasprintf("Invalid escape character at pos %zu",
			    i + 1);
			goto bad;
		}
		sbuf_addc(&b, s[i]);
	}
	sbuf_free(&b);
	return w;
bad:
	sbuf_free(&b);
	wild_free(w);
	return NULL;
}

/*
 * Leftmost occurrence of [nd, nd+m) in [h, h+n).  With SSE2, blocks of
 * 16 candidate positions are filtered on the needle's first and last
 * bytes; past a budget of false candidates (adversarial text) the rest
 * goes to memmem, whose two-way search is linear.
 */
/* Equal bytes; short runs inline (the usual wildcard word). */
static inline int
same(const char *a, const char *b, size_t n)
{
	if (n > 16)
		return memcmp(a, b, n) == 0;
	while (n-- > 0)
		if (*a++ != *b++)
			return 0;
	return 1;
}

static const char *
find(const char *h, size_t n, const char *nd, size_t m)
{
	size_t i = 0;

	if (m > n)
		return NULL;
	if (m == 1)
		return memchr(h, nd[0], n);
#ifdef __SSE2__
	{
		const __m128i first = _mm_set1_epi8(nd[0]),
		    last = _mm_set1_epi8(nd[m - 1]);
		size_t budget = 64 + n / 16;

		for (; i + m - 1 + 16 <= n; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)
			    (const void *)(h + i));
			__m128i b = _mm_loadu_si128((const __m128i *)
			    (const void *)(h + i + m - 1));
			unsigned mask = (unsigned)_mm_movemask_epi8(
			    _mm_and_si128(_mm_cmpeq_epi8(a, first),
			    _mm_cmpeq_epi8(b, last)));

			while (mask != 0) {
				unsigned bit = (unsigned)__builtin_ctz(mask);

				if (same(h + i + bit + 1, nd + 1, m - 2))
					return h + i + bit;
				if (budget-- == 0)
					goto slow;
				mask &= mask - 1;
			}
		}
	}
slow:
#endif
	return memmem(h + i, n - i, nd, m);
}

/* Linear glob match: segments found leftmost, in order. */
static int
wild_match(const struct wild *w, const char *s, size_t n)
{
	size_t i, pos, last;
	const char *hit;

	if (w->n == 1)
		return n == w->len[0] && memcmp(s, w->seg[0], n) == 0;
	last = w->n - 1;
	if (w->len[0] + w->len[last] > n)
		return 0;
	if (!same(s, w->seg[0], w->len[0]) ||
	    !same(s + n - w->len[last], w->seg[last], w->len[last]))
		return 0;
	pos = w->len[0];
	n -= w->len[last];
	for (i = 1; i < last; i++) {
		if (w->len[i] == 0)
			continue;
		hit = find(s + pos, n - pos, w->seg[i], w->len[i]);
		if (hit == NULL)
			return 0;
		pos = (size_t)(hit - s) + w->len[i];
	}
	return 1;
}

/* ------------------------------------------------------ value patterns */

enum op {
	OP_STR,		/* exact string */
	OP_NUM,		/* exact number: literal text or numeric equality */
	OP_TRUE, OP_FALSE, OP_NULL,
	OP_IP,		/* IP literal or CIDR: an address range */
	OP_PREFIX, OP_SUFFIX,
	OP_PREFIX_EIC, OP_SUFFIX_EIC, OP_EIC,
	OP_WILDCARD,
	OP_RANGE,	/* numeric */
	OP_EXISTS,
	OP_ABSENT,	/* exists: false */
	OP_AB_STR, OP_AB_NUM,
	OP_AB_PREFIX, OP_AB_SUFFIX, OP_AB_EIC, OP_AB_WILDCARD
};

struct vpat {
	enum op		 op;
	char		**s;	/* strings (one, or a set) */
	size_t		 *n;
	size_t		  ns;
	double		 *d;	/* numbers (one, or a set) */
	long long	 *k;
	size_t		  nd;
	int		  numok;	/* OP_NUM: has a numeric form */
	/* OP_RANGE */
	double		  lo, hi;
	long long	  klo, khi;
	int		  haslo, hashi, openlo, openhi;
	/* OP_IP */
	unsigned char	  iplo[16], iphi[16];
	int		  iplen;
	struct eic	**eic;
	struct wild	**wild;
};

static void
vpat_free(struct vpat *v)
{
	size_t i;

	for (i = 0; i < v->ns; i++) {
		free(v->s[i]);
		if (v->eic != NULL)
			eic_free(v->eic[i]);
		if (v->wild != NULL)
			wild_free(v->wild[i]);
	}
	free(v->s);
	free(v->n);
	free(v->d);
	free(v->k);
	free(v->eic);
	free(v->wild);
}

/* One field path of a sub-rule, with its values (OR-ed). */
struct cond {
	int		 path;
	struct vpat	*v;
	size_t		 nv;
	int		 absent;	/* has exists:false */
	int		 cost;
	int		 gid;		/* interned: memo slot */
	char		*text;		/* the values as written (explain) */
	int		 depth;		/* nesting level of its key, from 1 */
	int		 top;		/* which top-level key it is under */
};

/* A key of a sub-rule, flattened for the hot loop. */
struct key {
	int32_t		 path;
	int32_t		 gid;
	const struct cond *cd;
};

struct sub {
	int		*cond;	/* indexes into pattern.cond, by path name */
	int		*order;	/* evaluation order */
	struct key	*key;	/* the conditions in evaluation order */
	size_t		 n;
	int		 has_absent;
};

struct pattern {
	struct cond	*cond;
	size_t		 ncond;
	struct sub	*sub;
	size_t		 nsub;
	int		 legacy;
	const struct pathtab *pt;
};

/* -------------------------------------------------- Jackson tokenizer */

enum tok {
	T_ERR = -1, T_EOF, T_START_OBJ, T_END_OBJ, T_START_ARR, T_END_ARR,
	T_FIELD, T_STR, T_NUM, T_TRUE, T_FALSE, T_NULL
};

enum { S_VALUE, S_OBJ_FIRST, S_OBJ_NEXT, S_ARR_FIRST, S_ARR_NEXT, S_DONE };

struct jtok {
	const char	*p, *end;
	char		 ctx[MAX_DEPTH + 2];
	int		 depth;
	int		 state;
	struct sbuf	 text;		/* the current token's text */
	const char	*tstart;	/* where the current token starts */
	char		*err;
};

static void
tok_err(struct jtok *t, const char *fmt, ...)
{
	va_list ap;

	if (t->err != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&t->err, fmt, ap) < 0)
		t->err = NULL;
	va_end(ap);
	if (t->err == NULL)
		t->err = xstrdup("out of memory");
}

/* Jackson's description of an unexpected character. */
static void
tok_unexpected(struct jtok *t, const char *what)
{
	unsigned long cp;
	unsigned char buf[8];
	size_t k;

	if (t->p >= t->end) {
		tok_err(t, "Unexpected end-of-input: %s", what);
		return;
	}
	k = utf8_get((const unsigned char *)t->p, (size_t)(t->end - t->p),
	    &cp);
	if (cp < 32)
		tok_err(t, "Unexpected character ((CTRL-CHAR, code %lu)): %s",
		    cp, what);
	else if (cp > 255) {
		memcpy(buf, t->p, k);
		buf[k] = '\0';
		tok_err(t, "Unexpected character ('%s' (code %lu / 0x%lx)): "
		    "%s", buf, cp, cp, what);
	} else {
		memcpy(buf, t->p, k);
		buf[k] = '\0';
		tok_err(t, "Unexpected character ('%s' (code %lu)): %s", buf,
		    cp, what);
	}
}

static const char valid_value[] = "expected a valid value (JSON String, "
    "Number, Array, Object or token 'null', 'true' or 'false')";

static int
ident_part(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

static void
tok_ws(struct jtok *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' ||
	    *t->p == '\n' || *t->p == '\r'))
		t->p++;
}

/* Read a string literal (t->p at the quote) into t->text. */
static int
tok_string(struct jtok *t)
{
	unsigned long cp, lo;
	unsigned char u[4];
	const char *q;
	int i;

	sbuf_reset(&t->text);
	for (t->p++; ; ) {
		q = t->p;
		while (q < t->end && *q != '"' && *q != '\\' &&
		    (unsigned char)*q >= 0x20)
			q++;
		sbuf_add(&t->text, t->p, (size_t)(q - t->p));
		t->p = q;
		if (t->p >= t->end) {
			tok_err(t, "Unexpected end-of-input: was expecting "
			    "closing quote for a string value");
			return -1;
		}
		if (*t->p == '"') {
			t->p++;
			return 0;
		}
		if ((unsigned char)*t->p < 0x20) {
			tok_err(t, "Illegal unquoted character ((CTRL-CHAR, "
			    "code %d)): has to be escaped using backslash to "
			    "be included in string value", *t->p);
			return -1;
		}
		t->p++;
		if (t->p >= t->end) {
			tok_err(t, "Unexpected end-of-input in character "
			    "escape sequence");
			return -1;
		}
		switch (*t->p) {
		case '"': case '\\': case '/':
			sbuf_addc(&t->text, *t->p);
			break;
		case 'b': sbuf_addc(&t->text, '\b'); break;
		case 'f': sbuf_addc(&t->text, '\f'); break;
		case 'n': sbuf_addc(&t->text, '\n'); break;
		case 'r': sbuf_addc(&t->text, '\r'); break;
		case 't': sbuf_addc(&t->text, '\t'); break;
		case 'u':
			cp = 0;
			for (i = 1; i <= 4; i++) {
				if (t->p + i >= t->end ||
				    !isxdigit((unsigned char)t->p[i])) {
					t->p += i;
					tok_unexpected(t, "expected a hex-digit "
					    "for character escape sequence");
					return -1;
				}
				cp = cp * 16 + (unsigned long)(isdigit(
				    (unsigned char)t->p[i]) ? t->p[i] - '0' :
				    tolower((unsigned char)t->p[i]) - 'a' + 10);
			}
			t->p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && t->end - t->p > 6 &&
			    t->p[1] == '\\' && t->p[2] == 'u' &&
			    sscanf(t->p + 3, "%4lx", &lo) == 1 &&
			    lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
				t->p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
			sbuf_add(&t->text, u, utf8_put(cp, u));
			break;
		default:
			tok_err(t, "Unrecognized character escape '%c' "
			    "(code %d)", *t->p, *t->p);
			return -1;
		}
		t->p++;
	}
}

static int
tok_number(struct jtok *t)
{
	const char *s = t->p;

	if (t->p < t->end && *t->p == '-')
		t->p++;
	if (t->p >= t->end || !isdigit((unsigned char)*t->p)) {
		tok_unexpected(t, "expected digit (0-9) to follow minus sign, "
		    "for valid numeric value");
		return -1;
	}
	if (*t->p == '0' && t->p + 1 < t->end &&
	    isdigit((unsigned char)t->p[1])) {
		tok_err(t, "Invalid numeric value: Leading zeroes not allowed");
		return -1;
	}
	while (t->p < t->end && isdigit((unsigned char)*t->p))
		t->p++;
	if (t->p < t->end && *t->p == '.') {
		t->p++;
		if (t->p >= t->end || !isdigit((unsigned char)*t->p)) {
			tok_unexpected(t, "Decimal point not followed by a "
			    "digit");
			return -1;
		}
		while (t->p < t->end && isdigit((unsigned char)*t->p))
			t->p++;
	}
	if (t->p < t->end && (*t->p == 'e' || *t->p == 'E')) {
		t->p++;
		if (t->p < t->end && (*t->p == '+' || *t->p == '-'))
			t->p++;
		if (t->p >= t->end || !isdigit((unsigned char)*t->p)) {
			tok_unexpected(t, "Exponent indicator not followed by "
			    "a digit");
			return -1;
		}
		while (t->p < t->end && isdigit((unsigned char)*t->p))
			t->p++;
	}
	sbuf_reset(&t->text);
	sbuf_add(&t->text, s, (size_t)(t->p - s));
	return 0;
}

/* An unrecognized token: Jackson shows it up to the next delimiter. */
static void
tok_badword(struct jtok *t, const char *start)
{
	const char *q = start;

	while (q < t->end && ident_part((unsigned char)*q) &&
	    q - start < 256)
		q++;
	if (q == start)
		q++;
	tok_err(t, "Unrecognized token '%.*s': was expecting (JSON String, "
	    "Number, Array, Object or token 'null', 'true' or 'false')",
	    (int)(q - start), start);
}

static enum tok
tok_after_value(struct jtok *t, enum tok k)
{
	if (t->depth == 0)
		t->state = S_DONE;
	else
		t->state = t->ctx[t->depth - 1] == 'o' ? S_OBJ_NEXT :
		    S_ARR_NEXT;
	return k;
}

static enum tok
tok_value(struct jtok *t)
{
	static const char *const words[] = { "true", "false", "null" };
	static const enum tok wk[] = { T_TRUE, T_FALSE, T_NULL };
	size_t i, wl;

	if (t->p >= t->end) {
		if (t->depth == 0)
			return T_EOF;
		tok_err(t, "Unexpected end-of-input: expected close marker "
		    "for %s", t->ctx[t->depth - 1] == 'o' ? "Object" :
		    "Array");
		return T_ERR;
	}
	t->tstart = t->p;
	switch (*t->p) {
	case '{':
	case '[':
		if (t->depth >= MAX_DEPTH) {
			tok_err(t, "Document nesting depth (%d) exceeds the "
			    "maximum allowed (%d, from `StreamReadConstraints."
			    "getMaxNestingDepth()`)", t->depth + 1, MAX_DEPTH);
			return T_ERR;
		}
		t->ctx[t->depth++] = *t->p == '{' ? 'o' : 'a';
		t->state = *t->p == '{' ? S_OBJ_FIRST : S_ARR_FIRST;
		sbuf_reset(&t->text);
		sbuf_addc(&t->text, *t->p);
		t->p++;
		return t->ctx[t->depth - 1] == 'o' ? T_START_OBJ : T_START_ARR;
	case '"':
		if (tok_string(t) != 0)
			return T_ERR;
		return tok_after_value(t, T_STR);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if (tok_number(t) != 0)
			return T_ERR;
		return tok_after_value(t, T_NUM);
	}
	for (i = 0; i < 3; i++) {
		if (*t->p != words[i][0])
			continue;
		wl = strlen(words[i]);
		if ((size_t)(t->end - t->p) >= wl &&
		    memcmp(t->p, words[i], wl) == 0 &&
		    (t->p + wl == t->end ||
		    !ident_part((unsigned char)t->p[wl]))) {
			sbuf_reset(&t->text);
			sbuf_adds(&t->text, words[i]);
			t->p += wl;
			return tok_after_value(t, wk[i]);
		}
		tok_badword(t, t->p);
		return T_ERR;
	}
	if (isalpha((unsigned char)*t->p) || *t->p == '_' || *t->p == '$' ||
	    (unsigned char)*t->p >= 0x80)
		tok_badword(t, t->p);
	else
		tok_unexpected(t, valid_value);
	return T_ERR;
}

static enum tok
tok_field(struct jtok *t)
{
	if (t->p >= t->end || *t->p != '"') {
		if (t->p >= t->end)
			tok_err(t, "Unexpected end-of-input: expected close "
			    "marker for Object");
		else
			tok_unexpected(t, "was expecting double-quote to "
			    "start field name");
		return T_ERR;
	}
	t->tstart = t->p;
	if (tok_string(t) != 0)
		return T_ERR;
	tok_ws(t);
	if (t->p >= t->end || *t->p != ':') {
		tok_unexpected(t, "was expecting a colon to separate field "
		    "name and value");
		return T_ERR;
	}
	t->p++;
	t->state = S_VALUE;
	return T_FIELD;
}

static enum tok
tok_close(struct jtok *t, enum tok k)
{
	sbuf_reset(&t->text);
	sbuf_addc(&t->text, *t->p);
	t->p++;
	t->depth--;
	return tok_after_value(t, k);
}

static enum tok
tok_next(struct jtok *t)
{
	int obj;

	if (t->err != NULL)
		return T_ERR;
	tok_ws(t);
	switch (t->state) {
	case S_DONE:
		return T_EOF;
	case S_VALUE:
		return tok_value(t);
	case S_OBJ_FIRST:
		if (t->p < t->end && *t->p == '}')
			return tok_close(t, T_END_OBJ);
		return tok_field(t);
	case S_OBJ_NEXT:
	case S_ARR_NEXT:
		obj = t->state == S_OBJ_NEXT;
		if (t->p < t->end && *t->p == (obj ? '}' : ']'))
			return tok_close(t, obj ? T_END_OBJ : T_END_ARR);
		if (t->p < t->end && *t->p == ',') {
			t->p++;
			tok_ws(t);
			if (obj)
				return tok_field(t);
			if (t->p < t->end && *t->p == ']') {
				tok_unexpected(t, valid_value);
				return T_ERR;
			}
			return tok_value(t);
		}
		if (t->p >= t->end)
			tok_err(t, "Unexpected end-of-input: expected close "
			    "marker for %s", obj ? "Object" : "Array");
		else
			tok_unexpected(t, obj ? "was expecting comma to "
			    "separate Object entries" : "was expecting comma "
			    "to separate Array entries");
		return T_ERR;
	case S_ARR_FIRST:
		if (t->p < t->end && *t->p == ']')
			return tok_close(t, T_END_ARR);
		return tok_value(t);
	}
	return T_ERR;
}

/* ------------------------------------------------------------ compiler */

/* A sub-rule under construction: path -> condition index. */
struct map {
	int	*path, *cond;
	size_t	 n;
};

struct maplist {
	struct map	*m;
	size_t		 n, cap;
};

struct cc {
	struct jtok	 t;
	struct pathtab	*pt;
	struct pattern	*pat;
	const struct pattern_opts *opts;
	struct sbuf	 path;
	struct sbuf	 txt;		/* a condition's text, minified */
	int		 nstack;
	int		 sns;		/* the SNS dialect */
	int		 depth, top, ntop;
	size_t		 stack[MAX_DEPTH + 2];	/* last: not cleared */
};

static void
map_put(struct map *m, int path, int cond)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->path[i] == path) {
			m->cond[i] = cond;
			return;
		}
	m->path = xreallocarray(m->path, m->n + 1, sizeof(int));
	m->cond = xreallocarray(m->cond, m->n + 1, sizeof(int));
	m->path[m->n] = path;
	m->cond[m->n++] = cond;
}

static struct map
map_copy(const struct map *m)
{
	struct map c;

	c.n = m->n;
	c.path = xcalloc(m->n + 1, sizeof(int));
	c.cond = xcalloc(m->n + 1, sizeof(int));
	if (m->n > 0) {
		memcpy(c.path, m->path, m->n * sizeof(int));
		memcpy(c.cond, m->cond, m->n * sizeof(int));
	}
	return c;
}

static void
ml_add(struct maplist *l, struct map m)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->m = xreallocarray(l->m, l->cap, sizeof(*l->m));
	}
	l->m[l->n++] = m;
}

static void
ml_clear(struct maplist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->m[i].path);
		free(l->m[i].cond);
	}
	l->n = 0;
}

static void
ml_free(struct maplist *l)
{
	ml_clear(l);
	free(l->m);
	l->m = NULL;
	l->cap = 0;
}

static void
ml_copy(struct maplist *dst, const struct maplist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		ml_add(dst, map_copy(&src->m[i]));
}

static int
barf(struct cc *c, const char *fmt, ...)
{
	va_list ap;

	if (c->t.err != NULL)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&c->t.err, fmt, ap) < 0)
		c->t.err = NULL;
	va_end(ap);
	if (c->t.err == NULL)
		c->t.err = xstrdup("out of memory");
	return -1;
}

static const char *const reserved[] = {
	"exactly", "equals-ignore-case", "prefix", "suffix", "anything-but",
	"exists", "wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=",
	"regex", "not-wildcard", "not-equals-ignore-case", "date-after",
	"date-on-or-after", "date-before", "date-on-or-before",
	"in-date-range", "ip-address-in-range", "ip-address-not-in-range"
};

static int
is_reserved(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(s, reserved[i]) == 0)
			return 1;
	return 0;
}

static struct vpat *
vp_new(struct cond *cd, enum op op)
{
	struct vpat *v;

	cd->v = xreallocarray(cd->v, cd->nv + 1, sizeof(*cd->v));
	v = &cd->v[cd->nv++];
	memset(v, 0, sizeof(*v));
	v->op = op;
	return v;
}

static void
vp_addstr(struct vpat *v, const char *s, size_t n)
{
	v->s = xreallocarray(v->s, v->ns + 1, sizeof(*v->s));
	v->n = xreallocarray(v->n, v->ns + 1, sizeof(*v->n));
	v->s[v->ns] = xmalloc(n + 1);
	memcpy(v->s[v->ns], s, n);
	v->s[v->ns][n] = '\0';
	v->n[v->ns++] = n;
}

static void
vp_addnum(struct vpat *v, double d, long long k)
{
	v->d = xreallocarray(v->d, v->nd + 1, sizeof(*v->d));
	v->k = xreallocarray(v->k, v->nd + 1, sizeof(*v->k));
	v->d[v->nd] = d;
	v->k[v->nd++] = k;
}

/* A number for a numeric comparison: ComparableNumber.generate. */
static int
cc_number(struct cc *c, const char *s, double *d, long long *k)
{
	if (pattern_number(s, strlen(s), c->opts->legacy_numbers, d, k))
		return 0;
	if (c->opts->legacy_numbers == PATTERN_NUMBERS_SNS)
		return barf(c, "Value must be between -1.0E9 and 1.0E9, "
		    "inclusive");
	if (c->opts->legacy_numbers)
		return barf(c, "Value must be between -5.0E9 and 5.0E9, "
		    "inclusive");
	return barf(c, "Cannot compare number : %s", s);
}

static int
end_obj(struct cc *c, const char *msg)
{
	enum tok k = tok_next(&c->t);

	if (k == T_ERR)
		return -1;
	if (k != T_END_OBJ)
		return barf(c, "%s", msg);
	return 0;
}

static const char one_key[] = "Only one key allowed in match expression";
static const char too_many[] = "Too many elements in numeric expression";

/* Java's Integer.parseInt. */
static int
java_int(const char *s, long *v)
{
	char *e;

	if (*s == '\0' || !(isdigit((unsigned char)*s) || *s == '-' ||
	    *s == '+') || (!isdigit((unsigned char)s[0]) && s[1] == '\0'))
		return -1;
	errno = 0;
	*v = strtol(s, &e, 10);
	if (*e != '\0' || errno != 0 || *v > 2147483647L ||
	    *v < -2147483648L)
		return -1;
	return 0;
}

static int
cc_ipbytes(struct cc *c, const char *s, unsigned char ip[16])
{
	int r = ip_parse(s, strlen(s), ip);

	if (r == 0)
		return barf(c, "Nonstandard IP address: %s", s);
	if (r < 0)
		return barf(c, "Invalid IP address: %s", s);
	return r;
}

static int
cc_cidr(struct cc *c, struct vpat *v, const char *s)
{
	char *parts[3] = { NULL, NULL, NULL }, *dup, *p, *q;
	int np = 0, len, ret = -1, i;
	long bits;

	dup = xstrdup(s);
	/* String.split("/"): trailing empty strings are dropped */
	for (p = dup; ; p = q + 1) {
		q = strchr(p, '/');
		if (np < 3)
			parts[np] = p;
		np++;
		if (q == NULL)
			break;
		*q = '\0';
	}
	while (np > 0 && np <= 3 && parts[np - 1][0] == '\0')
		np--;
	if (np > 3) {
		/* drop trailing empties beyond what we kept */
		const char *t = s + strlen(s);

		while (t > s && t[-1] == '/')
			t--;
		np = 0;
		for (p = (char *)s; p < t; p++)
			np += *p == '/';
		np++;
	}
	if (np != 2) {
		barf(c, "Malformed CIDR, one '/' required");
		goto out;
	}
	if (java_int(parts[1], &bits) != 0) {
		barf(c, "Malformed CIDR, mask bits must be an integer");
		goto out;
	}
	if (bits < 0) {
		barf(c, "Malformed CIDR, mask bits must not be negative");
		goto out;
	}
	if ((len = cc_ipbytes(c, parts[0], v->iplo)) < 0)
		goto out;
	if (len == 4 && bits > 31) {
		barf(c, "IPv4 mask bits must be < 32");
		goto out;
	}
	if (len == 16 && bits > 127) {
		barf(c, "IPv6 mask bits must be < 128");
		goto out;
	}
	v->iplen = len;
	for (i = 0; i < len; i++) {
		int keep = (int)bits - 8 * i;
		unsigned char m = keep >= 8 ? 0xff : keep <= 0 ? 0 :
		    (unsigned char)(0xff << (8 - keep));

		v->iplo[i] &= m;
		v->iphi[i] = v->iplo[i] | (unsigned char)~m;
	}
	ret = 0;
out:
	free(dup);
	return ret;
}

static int
cc_wild(struct cc *c, struct vpat *v, const char *s, size_t n)
{
	struct wild *w;
	char *err = NULL;

	if ((w = wild_compile(s, n, &err)) == NULL) {
		barf(c, "%s", err);
		free(err);
		return -1;
	}
	v->wild = xreallocarray(v->wild, v->ns + 1, sizeof(*v->wild));
	v->wild[v->ns] = w;
	vp_addstr(v, s, n);
	return 0;
}

static void
cc_eic(struct vpat *v, const char *s, size_t n)
{
	v->eic = xreallocarray(v->eic, v->ns + 1, sizeof(*v->eic));
	v->eic[v->ns] = eic_compile(s, n);
	vp_addstr(v, s, n);
}

static int
cc_range(struct cc *c, struct vpat *v, const char *lo, int openlo,
    const char *hi, int openhi)
{
	long long k;
	double d;

	v->op = OP_RANGE;
	if (lo != NULL) {
		if (cc_number(c, lo, &v->lo, &v->klo) != 0)
			return -1;
		v->haslo = 1;
		v->openlo = openlo;
	}
	if (hi != NULL) {
		if (cc_number(c, hi, &v->hi, &v->khi) != 0)
			return -1;
		v->hashi = 1;
		v->openhi = openhi;
	}
	if (lo != NULL && hi != NULL) {
		if (c->opts->legacy_numbers ? v->klo >= v->khi :
		    !(v->lo < v->hi))
			return barf(c, "Bottom must be less than top");
	} else if (c->opts->legacy_numbers) {
		/* the implicit bound is the largest number (+-5e9, +-1e9) */
		int m = c->opts->legacy_numbers;
		int sns = m == PATTERN_NUMBERS_SNS;

		if (lo != NULL && pattern_number(sns ? "1e9" : "5e9", 3, m,
		    &d, &k) && v->klo >= k)
			return barf(c, "Bottom must be less than top");
		if (hi != NULL && pattern_number(sns ? "-1e9" : "-5e9", 4, m,
		    &d, &k) && v->khi <= k)
			return barf(c, "Bottom must be less than top");
	}
	return 0;
}

static int
cc_numeric(struct cc *c, struct vpat *v)
{
	char *op = NULL, *val = NULL, *op2 = NULL;
	enum tok k;
	int ret = -1, openlo;

	if ((k = tok_next(&c->t)) == T_ERR)
		return -1;
	if (k != T_STR)
		return barf(c, "Invalid member in numeric match: %s",
		    c->t.text.buf != NULL ? c->t.text.buf : "");
	op = xstrdup(c->t.text.buf);
	if ((k = tok_next(&c->t)) == T_ERR)
		goto out;
	if (strcmp(op, "=") == 0) {
		if (k != T_NUM) {
			barf(c, "Value of equals must be numeric");
			goto out;
		}
		val = xstrdup(c->t.text.buf);
		if ((k = tok_next(&c->t)) == T_ERR)
			goto out;
		if (k != T_END_ARR) {
			barf(c, too_many);
			goto out;
		}
		v->op = OP_NUM;		/* no literal: numeric only */
		if (cc_number(c, val, &v->lo, &v->klo) != 0)
			goto out;
		vp_addnum(v, v->lo, v->klo);
		v->numok = 1;
		ret = 0;
	} else if (strcmp(op, ">=") == 0 || strcmp(op, ">") == 0) {
		openlo = op[1] == '\0';
		if (k != T_NUM) {
			barf(c, "Value of %s must be numeric", op);
			goto out;
		}
		val = xstrdup(c->t.text.buf);
		if ((k = tok_next(&c->t)) == T_ERR)
			goto out;
		if (k == T_END_ARR) {
			ret = cc_range(c, v, val, openlo, NULL, 0);
			goto out;
		}
		if (k != T_STR) {
			barf(c, "Bad value in numeric range: %s",
			    c->t.text.buf);
			goto out;
		}
		op2 = xstrdup(c->t.text.buf);
		if (strcmp(op2, "<") != 0 && strcmp(op2, "<=") != 0) {
			barf(c, "Bad numeric range operator: %s", op2);
			goto out;
		}
		if ((k = tok_next(&c->t)) == T_ERR)
			goto out;
		if (k != T_NUM) {
			barf(c, "Value of %s must be numeric", op2);
			goto out;
		}
		free(op);
		op = xstrdup(c->t.text.buf);	/* the top */
		if ((k = tok_next(&c->t)) == T_ERR)
			goto out;
		if (k != T_END_ARR) {
			barf(c, "Too many terms in numeric range expression");
			goto out;
		}
		ret = cc_range(c, v, val, openlo, op, op2[1] == '\0');
	} else if (strcmp(op, "<=") == 0 || strcmp(op, "<") == 0) {
		if (k != T_NUM) {
			barf(c, "Value of %s must be numeric", op);
			goto out;
		}
		val = xstrdup(c->t.text.buf);
		if ((k = tok_next(&c->t)) == T_ERR)
			goto out;
		if (k != T_END_ARR) {
			barf(c, too_many);
			goto out;
		}
		ret = cc_range(c, v, NULL, 0, val, op[1] == '\0');
	} else
		barf(c, "Unrecognized numeric range operator: %s", op);
out:
	free(op);
	free(op2);
	free(val);
	return ret;
}

/* {"prefix": {"equals-ignore-case": "x"}} and the suffix form. */
static int
cc_affix_eic(struct cc *c, struct vpat *v, int suffix)
{
	enum tok k;

	if ((k = tok_next(&c->t)) == T_ERR)
		return -1;
	if (k != T_FIELD)
		return barf(c, "%s expression name not found",
		    suffix ? "Suffix" : "Prefix");
	if (strcmp(c->t.text.buf, "equals-ignore-case") != 0)
		return barf(c, "Unsupported %s pattern: %s",
		    suffix ? "suffix" : "prefix", c->t.text.buf);
	if ((k = tok_next(&c->t)) == T_ERR)
		return -1;
	if (k != T_STR)
		return barf(c, "equals-ignore-case match pattern must be a "
		    "string");
	v->op = suffix ? OP_SUFFIX_EIC : OP_PREFIX_EIC;
	cc_eic(v, c->t.text.buf, c->t.text.len);
	if (end_obj(c, one_key) != 0 || end_obj(c, one_key) != 0)
		return -1;
	return 0;
}

static const char ab_value[] = "Value of anything-but must be an array or "
    "single string/number value.";

static int
cc_ab_set_value(struct cc *c, struct vpat *v, enum tok k)
{
	if (k != T_STR && c->sns)
		return barf(c, "prefix match pattern must be a string");
	if (k != T_STR) {
		if (v->op == OP_AB_EIC)
			return barf(c, "Inside anything-but/equals-ignore-case "
			    "list, number|start|null|boolean is not "
			    "supported.");
		if (v->op == OP_AB_WILDCARD)
			return barf(c, "wildcard match pattern must be a "
			    "string");
		return barf(c, "prefix/suffix match pattern must be a string");
	}
	if ((v->op == OP_AB_PREFIX || v->op == OP_AB_SUFFIX) &&
	    c->t.text.len == 0)
		return barf(c, "Null prefix/suffix not allowed");
	if (v->op == OP_AB_EIC)
		cc_eic(v, c->t.text.buf, c->t.text.len);
	else if (v->op == OP_AB_WILDCARD)
		return cc_wild(c, v, c->t.text.buf, c->t.text.len);
	else
		vp_addstr(v, c->t.text.buf, c->t.text.len);
	return 0;
}

static int
cc_anything_but(struct cc *c, struct vpat *v, enum tok k)
{
	int set = 0, hasnum = 0, hasstr = 0;
	double d;
	long long key;

	v->op = OP_AB_STR;
	if (k == T_START_OBJ) {
		if ((k = tok_next(&c->t)) == T_ERR)
			return -1;
		if (k != T_FIELD)
			return barf(c, "Anything-But expression name not "
			    "found");
		if (c->sns && strcmp(c->t.text.buf, "prefix") != 0)
			return barf(c, "Unsupported anything-but pattern: %s",
			    c->t.text.buf);
		if (strcmp(c->t.text.buf, "equals-ignore-case") == 0)
			v->op = OP_AB_EIC;
		else if (strcmp(c->t.text.buf, "prefix") == 0)
			v->op = OP_AB_PREFIX;
		else if (strcmp(c->t.text.buf, "suffix") == 0)
			v->op = OP_AB_SUFFIX;
		else if (strcmp(c->t.text.buf, "wildcard") == 0)
			v->op = OP_AB_WILDCARD;
		else
			return barf(c, "Unsupported anything-but pattern: %s",
			    c->t.text.buf);
		set = 1;
		if ((k = tok_next(&c->t)) == T_ERR)
			return -1;
	}
	if (set && c->sns && k != T_STR)	/* SNS: one prefix string */
		return barf(c, "prefix match pattern must be a string");
	if (k != T_START_ARR && k != T_STR && k != T_NUM)
		return barf(c, ab_value);
	if (k == T_START_ARR && !set) {
		while ((k = tok_next(&c->t)) != T_END_ARR) {
			if (k == T_ERR)
				return -1;
			if (k == T_STR) {
				vp_addstr(v, c->t.text.buf, c->t.text.len);
				hasstr = 1;
			} else if (k == T_NUM) {
				if (cc_number(c, c->t.text.buf, &d, &key) != 0)
					return -1;
				vp_addnum(v, d, key);
				hasnum = 1;
			} else
				return barf(c, "Inside anything but list, "
				    "start|null|boolean is not supported.");
		}
		if (hasnum == hasstr)
			return barf(c, "Inside anything but list, either all "
			    "values are number or string, mixed type is not "
			    "supported");
		if (hasnum)
			v->op = OP_AB_NUM;
	} else if (k == T_START_ARR) {
		while ((k = tok_next(&c->t)) != T_END_ARR) {
			if (k == T_ERR)
				return -1;
			if (cc_ab_set_value(c, v, k) != 0)
				return -1;
		}
		if (v->ns == 0)
			return barf(c, "Empty arrays are not allowed");
	} else if (!set) {
		if (k == T_STR)
			vp_addstr(v, c->t.text.buf, c->t.text.len);
		else {
			if (cc_number(c, c->t.text.buf, &d, &key) != 0)
				return -1;
			vp_addnum(v, d, key);
			v->op = OP_AB_NUM;
		}
	} else if (cc_ab_set_value(c, v, k) != 0)
		return -1;
	if (end_obj(c, too_many) != 0)
		return -1;
	if (set && end_obj(c, too_many) != 0)
		return -1;
	return 0;
}

/* One {"operator": ...} object of a value list (after its '{'). */
static int
cc_match_expr(struct cc *c, struct cond *cd)
{
	struct vpat *v = vp_new(cd, OP_STR);
	enum tok k;
	char *name;
	int ret = -1;

	if ((k = tok_next(&c->t)) == T_ERR)
		return -1;
	if (k != T_FIELD)
		return barf(c, "Match expression name not found");
	name = xstrdup(c->t.text.buf);
	if ((k = tok_next(&c->t)) == T_ERR)
		goto out;
	if (c->sns && (strcmp(name, "exactly") == 0 ||
	    strcmp(name, "wildcard") == 0)) {
		barf(c, "Unrecognized match type %s", name);	/* not SNS's */
		goto out;
	}
	if (strcmp(name, "exactly") == 0) {
		if (k != T_STR) {
			barf(c, "exact match pattern must be a string");
			goto out;
		}
		vp_addstr(v, c->t.text.buf, c->t.text.len);
		ret = end_obj(c, one_key);
	} else if (strcmp(name, "prefix") == 0 ||
	    strcmp(name, "suffix") == 0) {
		int suffix = name[0] == 's';

		if (k == T_START_OBJ && !c->sns) {
			ret = cc_affix_eic(c, v, suffix);
			goto out;
		}
		if (k != T_STR) {
			barf(c, "%s match pattern must be a string", name);
			goto out;
		}
		v->op = suffix ? OP_SUFFIX : OP_PREFIX;
		vp_addstr(v, c->t.text.buf, c->t.text.len);
		ret = end_obj(c, one_key);
	} else if (strcmp(name, "numeric") == 0) {
		if (k != T_START_ARR) {
			barf(c, "Value of numeric must be an array.");
			goto out;
		}
		if (cc_numeric(c, v) != 0)
			goto out;
		ret = end_obj(c, too_many);
	} else if (strcmp(name, "anything-but") == 0) {
		ret = cc_anything_but(c, v, k);
	} else if (strcmp(name, "exists") == 0) {
		if (k != T_TRUE && k != T_FALSE) {
			barf(c, "exists match pattern must be either true or "
			    "false.");
			goto out;
		}
		v->op = k == T_TRUE ? OP_EXISTS : OP_ABSENT;
		if (k == T_FALSE)
			cd->absent = 1;
		ret = end_obj(c, one_key);
	} else if (strcmp(name, "cidr") == 0) {
		if (k != T_STR) {
			barf(c, "prefix match pattern must be a string");
			goto out;
		}
		v->op = OP_IP;
		if (cc_cidr(c, v, c->t.text.buf) != 0)
			goto out;
		ret = end_obj(c, one_key);
	} else if (strcmp(name, "equals-ignore-case") == 0) {
		if (k != T_STR) {
			barf(c, "equals-ignore-case match pattern must be a "
			    "string");
			goto out;
		}
		v->op = OP_EIC;
		cc_eic(v, c->t.text.buf, c->t.text.len);
		ret = end_obj(c, one_key);
	} else if (strcmp(name, "wildcard") == 0) {
		if (k != T_STR) {
			barf(c, "wildcard match pattern must be a string");
			goto out;
		}
		v->op = OP_WILDCARD;
		if (cc_wild(c, v, c->t.text.buf, c->t.text.len) != 0)
			goto out;
		ret = end_obj(c, one_key);
	} else
		barf(c, "Unrecognized match type %s", name);
out:
	free(name);
	return ret;
}

static int
op_cost(enum op op)
{
	switch (op) {
	case OP_STR: case OP_NUM: case OP_TRUE: case OP_FALSE: case OP_NULL:
	case OP_EXISTS:
		return 1;
	case OP_PREFIX: case OP_SUFFIX: case OP_RANGE:
		return 2;
	case OP_IP: case OP_PREFIX_EIC: case OP_SUFFIX_EIC: case OP_EIC:
		return 3;
	case OP_AB_STR: case OP_AB_NUM: case OP_AB_PREFIX: case OP_AB_SUFFIX:
		return 6;
	default:
		return 8;
	}
}

/* A field's value list (after its '['): writeRules. */
static int
cc_values(struct cc *c, struct maplist *rules, int path)
{
	struct pattern *pat = c->pat;
	struct cond *cd;
	struct vpat *v;
	const char *start = c->t.tstart;
	unsigned char ip[16];
	struct pcond *pc;
	enum tok k;
	size_t i;
	int idx, r;
	double d;
	long long key;

	pat->cond = xreallocarray(pat->cond, pat->ncond + 1,
	    sizeof(*pat->cond));
	idx = (int)pat->ncond++;
	cd = &pat->cond[idx];
	memset(cd, 0, sizeof(*cd));
	cd->path = path;
	cd->depth = c->depth;
	cd->top = c->top;
	while ((k = tok_next(&c->t)) != T_END_ARR) {
		switch (k) {
		case T_ERR:
			return -1;
		case T_START_OBJ:
			if (cc_match_expr(c, cd) != 0)
				return -1;
			break;
		case T_STR:
			r = ip_parse(c->t.text.buf, c->t.text.len, ip);
			v = vp_new(cd, r > 0 ? OP_IP : OP_STR);
			if (r > 0) {
				v->iplen = r;
				memcpy(v->iplo, ip, 16);
				memcpy(v->iphi, ip, 16);
			} else
				vp_addstr(v, c->t.text.buf, c->t.text.len);
			break;
		case T_NUM:
			v = vp_new(cd, OP_NUM);
			vp_addstr(v, c->t.text.buf, c->t.text.len);
			if (pattern_number(c->t.text.buf, c->t.text.len,
			    c->opts->legacy_numbers, &d, &key)) {
				vp_addnum(v, d, key);
				v->numok = 1;
			}
			break;
		case T_TRUE:
			vp_new(cd, OP_TRUE);
			break;
		case T_FALSE:
			vp_new(cd, OP_FALSE);
			break;
		case T_NULL:
			vp_new(cd, OP_NULL);
			break;
		default:
			return barf(c, "Match value must be String, number, "
			    "true, false, or null");
		}
	}
	if (cd->nv == 0)
		return barf(c, "Empty arrays are not allowed");
	cd->cost = 0;
	for (i = 0; i < cd->nv; i++)
		if (op_cost(cd->v[i].op) > cd->cost)
			cd->cost = op_cost(cd->v[i].op);
	sbuf_reset(&c->txt);
	jsonraw_minify(&c->txt, start, (size_t)(c->t.p - start));
	cd->text = xstrndup(c->txt.buf, c->txt.len);
	cd->gid = pathtab_cond(c->pt, path, cd->text);
	pc = &c->pt->pc[cd->gid];
	if (pc->ns == 0 && !pc->exact) {
		pc->exact = 1;
		for (i = 0; i < cd->nv; i++)
			pc->exact &= cd->v[i].op == OP_STR;
		for (i = 0; pc->exact && i < cd->nv; i++) {
			pc->s = xreallocarray(pc->s, pc->ns + 1, sizeof(char *));
			pc->n = xreallocarray(pc->n, pc->ns + 1, sizeof(size_t));
			pc->s[pc->ns] = xstrndup(cd->v[i].s[0], cd->v[i].n[0]);
			pc->n[pc->ns++] = cd->v[i].n[0];
		}
	}
	if (rules->n == 0)
		ml_add(rules, (struct map){ NULL, NULL, 0 });
	for (i = 0; i < rules->n; i++)
		map_put(&rules->m[i], path, idx);
	return 0;
}

static int cc_object(struct cc *, struct maplist *, int);

static int
cc_or(struct cc *c, struct maplist *rules)
{
	struct maplist cur = { NULL, 0, 0 }, nr;
	enum tok k;
	int cnt = 0, ret = -1;

	ml_copy(&cur, rules);
	ml_clear(rules);
	if ((k = tok_next(&c->t)) == T_ERR)
		goto out;
	if (k != T_START_ARR) {
		barf(c, "It must be an Array followed with $or.");
		goto out;
	}
	while ((k = tok_next(&c->t)) != T_END_ARR) {
		if (k == T_ERR)
			goto out;
		cnt++;
		if (k != T_START_OBJ) {
			barf(c, "Only JSON object is allowed in array of $or "
			    "relationship.");
			goto out;
		}
		memset(&nr, 0, sizeof(nr));
		ml_copy(&nr, &cur);
		if (nr.n == 0)
			ml_add(&nr, (struct map){ NULL, NULL, 0 });
		if (cc_object(c, &nr, 1) != 0) {
			ml_free(&nr);
			goto out;
		}
		for (size_t i = 0; i < nr.n; i++)
			ml_add(rules, nr.m[i]);
		free(nr.m);
		if (rules->n > MAX_BRANCHES) {
			barf(c, "Rule is too complex - try using fewer $or "
			    "combinations (more than %d)", MAX_BRANCHES);
			goto out;
		}
	}
	if (cnt < 2) {
		barf(c, "There must have at least 2 Objects in $or "
		    "relationship.");
		goto out;
	}
	ret = 0;
out:
	ml_free(&cur);
	return ret;
}

/* The members of an object (after its '{'): parseObject. */
static int
cc_object(struct cc *c, struct maplist *rules, int in_or)
{
	enum tok k;
	char *name;
	int fields = 0, ret;
	size_t save;

	while ((k = tok_next(&c->t)) != T_END_OBJ) {
		if (k == T_ERR)
			return -1;
		fields = 1;
		name = xstrdup(c->t.text.buf);
		if (strcmp(name, "$or") == 0) {
			free(name);
			if (cc_or(c, rules) != 0)
				return -1;
			continue;
		}
		if (in_or && is_reserved(name)) {
			barf(c, "%s is Ruler reserved fieldName which cannot "
			    "be used inside $or.", name);
			free(name);
			return -1;
		}
		save = c->path.len;
		if (save > 0)
			sbuf_addc(&c->path, '.');
		else
			c->top = ++c->ntop;
		sbuf_add(&c->path, name, strlen(name));
		k = tok_next(&c->t);
		if (k == T_START_OBJ) {
			c->depth++;
			ret = cc_object(c, rules, in_or);
			c->depth--;
		} else if (k == T_START_ARR)
			ret = cc_values(c, rules, pathtab_intern(c->pt,
			    c->path.buf, c->path.len));
		else if (k == T_ERR)
			ret = -1;
		else
			ret = barf(c, "\"%s\" must be an object or an array",
			    name);
		c->path.len = save;
		if (c->path.buf != NULL)
			c->path.buf[save] = '\0';
		free(name);
		if (ret != 0)
			return -1;
	}
	if (!fields)
		return barf(c, "Empty objects are not allowed");
	return 0;
}

/* ------------------------------------------------ wildcard complexity */

/*
 * The subset construction below gives up (the rule is too complex) after
 * WILD_SETS sets; a hash table of WILD_SLOTS slots, at most a quarter
 * full, finds a set already seen.
 */
#define WILD_SETS	5000
#define WILD_SLOTS	32768

static size_t
set_hash(const unsigned long *set, unsigned long words)
{
	size_t h = 14695981039346656037UL;
	unsigned long i;

	for (i = 0; i < words; i++)
		h = (h ^ set[i]) * 1099511628211UL;
	/*
	 * A product's low bits depend only on its factors' low bits: mix
	 * the high ones down (MurmurHash3's finalizer), or sets that differ
	 * only in high states share a slot and the probes crawl.
	 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdUL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53UL;
	return h ^ h >> 33;
}

/* The first bit set in set at or after bit i, or -1. */
static int
next_bit(const unsigned long *set, unsigned long words, int i)
{
	unsigned long k = (unsigned long)i / 64, v;

	if (k >= words)
		return -1;
	v = set[k] & (~0UL << (i % 64));
	while (v == 0) {
		if (++k == words)
			return -1;
		v = set[k];
	}
	return (int)(k * 64 + (unsigned long)__builtin_ctzl(v));
}

/*
 * The most states the wildcards of one field can keep alive at once for
 * some input: a subset construction over the patterns' positions.  The
 * construction stops as soon as the score passes limit: that is enough
 * to refuse the rule, and the rest could take long.
 */
static int
wild_score(struct wild **w, size_t nw, int limit)
{
	int *start = NULL, n = 0, i, j, best = 0, *isstar, *byte;
	unsigned char alpha[257];
	int nalpha = 0, seen[256] = { 0 };
	size_t a, s, q;
	unsigned long *sets = NULL, words;
	size_t nsets = 0, capsets = 0, head = 0;
	int *slot;	/* open addressing: set index + 1, 0 when free */

	for (a = 0; a < nw; a++) {
		for (s = 0; s < w[a]->n; s++)
			n += (int)w[a]->len[s] + 1;
	}
	isstar = xcalloc((size_t)n + 1, sizeof(int));
	byte = xcalloc((size_t)n + 1, sizeof(int));
	start = xcalloc(nw + 1, sizeof(int));
	/* states: each byte, each star; then an end state per pattern */
	n = 0;
	for (a = 0; a < nw; a++) {
		start[a] = n;
		for (s = 0; s < w[a]->n; s++) {
			for (q = 0; q < w[a]->len[s]; q++) {
				unsigned char ch = (unsigned char)w[a]->seg[s][q];

				byte[n] = ch;
				if (!seen[ch]) {
					seen[ch] = 1;
					alpha[nalpha++] = ch;
				}
				n++;
			}
			if (s + 1 < w[a]->n)
				isstar[n++] = 1;
			else
				byte[n++] = -1;	/* end */
		}
	}
	alpha[nalpha] = 0;	/* "any other byte" stands last */
	words = ((unsigned long)n + 63) / 64;
	/* initial set: each pattern's first state, closed over stars */
	sets = xcalloc(words, sizeof(*sets));
	capsets = 1;
	for (a = 0; a < nw; a++)
		for (i = start[a]; ; i++) {
			sets[i / 64] |= 1UL << (i % 64);
			if (!isstar[i])
				break;
		}
	nsets = 1;
	slot = xcalloc(WILD_SLOTS, sizeof(*slot));
	slot[set_hash(sets, words) & (WILD_SLOTS - 1)] = 1;
	while (head < nsets && nsets < WILD_SETS) {
		unsigned long *cur = sets + head * words;
		int cnt = 0;

		for (i = 0; i < n; i++)
			if (cur[i / 64] >> (i % 64) & 1)
				cnt += byte[i] != -1;
		if (cnt > best)
			best = cnt;
		if (best > limit)
			break;
		for (j = 0; j <= nalpha; j++) {
			unsigned long *nx;
			int ch = j < nalpha ? alpha[j] : -2, any = 0;
			size_t t;

			if (nsets == capsets) {
				capsets *= 2;
				sets = xreallocarray(sets, capsets * words,
				    sizeof(*sets));
				cur = sets + head * words;
			}
			nx = sets + nsets * words;
			memset(nx, 0, words * sizeof(*nx));
			for (i = next_bit(cur, words, 0); i >= 0;
			    i = next_bit(cur, words, i + 1)) {
				int to = -1;

				if (isstar[i])
					to = i;
				else if (byte[i] >= 0 && byte[i] == ch)
					to = i + 1;
				if (to < 0)
					continue;
				for (; ; to++) {
					nx[to / 64] |= 1UL << (to % 64);
					any = 1;
					if (!isstar[to])
						break;
				}
			}
			if (!any)
				continue;
			for (t = set_hash(nx, words); ; t++) {
				int *sl = &slot[t & (WILD_SLOTS - 1)];

				if (*sl == 0) {
					*sl = (int)++nsets;
					break;
				}
				if (memcmp(sets + (size_t)(*sl - 1) * words,
				    nx, words * sizeof(*nx)) == 0)
					break;
			}
		}
		head++;
	}
	if (nsets >= WILD_SETS)
		best = 1000;
	free(slot);
	free(sets);
	free(isstar);
	free(byte);
	free(start);
	return best;
}

static int
check_complexity(struct cc *c)
{
	struct pattern *pat = c->pat;
	struct wild **w = NULL;
	size_t i, j, k, nw;
	int ret = 0;

	if (c->opts->wildcard_limit <= 0)
		return 0;
	for (i = 0; i < pat->ncond && ret == 0; i++) {
		nw = 0;
		for (j = 0; j < pat->cond[i].nv; j++) {
			struct vpat *v = &pat->cond[i].v[j];

			if (v->wild == NULL)
				continue;
			for (k = 0; k < v->ns; k++) {
				w = xreallocarray(w, nw + 1, sizeof(*w));
				w[nw++] = v->wild[k];
			}
		}
		if (nw > 0 && wild_score(w, nw, c->opts->wildcard_limit) >
		    c->opts->wildcard_limit)
			ret = barf(c, "Rule is too complex - try using fewer "
			    "wildcard characters or fewer repeating character "
			    "sequences after a wildcard character");
	}
	free(w);
	return ret;
}

/* ------------------------------------------------------ SNS limits */

/* The top-level keys of one branch (distinct, by their first segment). */
static int
sns_keys(const struct pattern *pat, const struct map *m)
{
	int n = 0;
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		for (j = 0; j < i; j++)
			if (pat->cond[m->cond[j]].top ==
			    pat->cond[m->cond[i]].top)
				break;
		n += j == i;
	}
	return n;
}

/*
 * SNS's limits on a compiled policy: keys per branch, the combinations
 * of values (per branch, each condition's values times its depth, summed
 * over the branches), then the scope's refusal of nesting.
 */
static int
sns_check(struct cc *c, const struct maplist *rules)
{
	const struct pattern *pat = c->pat;
	double total = 0, prod;
	size_t i, j;

	for (i = 0; i < rules->n; i++)
		if (sns_keys(pat, &rules->m[i]) > PATTERN_SNS_MAX_KEYS)
			return barf(c, "Filter policy can not have more than "
			    "%d keys", PATTERN_SNS_MAX_KEYS);
	for (i = 0; i < rules->n; i++) {
		prod = 1;
		for (j = 0; j < rules->m[i].n; j++) {
			const struct cond *cd = &pat->cond[rules->m[i].cond[j]];

			prod *= (double)cd->nv * cd->depth;
		}
		total += prod;
	}
	if (total > PATTERN_SNS_MAX_COMBINATIONS)
		return barf(c, "Filter policy is too complex");
	for (i = 0; c->opts->flat && i < pat->ncond; i++)
		if (pat->cond[i].depth > 1)
			return barf(c, "%s", PATTERN_SNS_NESTED);
	return 0;
}

/* ------------------------------------------------------------- compile */

static int
by_path_name(const void *a, const void *b, void *arg)
{
	const struct pattern *p = arg;
	const struct cond *x = &p->cond[*(const int *)a];
	const struct cond *y = &p->cond[*(const int *)b];
	size_t lx, ly;
	const char *nx = pathtab_name(p->pt, x->path, &lx);
	const char *ny = pathtab_name(p->pt, y->path, &ly);
	int r = memcmp(nx, ny, lx < ly ? lx : ly);

	return r != 0 ? r : (lx > ly) - (lx < ly);
}

static int
by_cost(const void *a, const void *b, void *arg)
{
	const struct pattern *p = arg;
	const struct cond *x = &p->cond[*(const int *)a];
	const struct cond *y = &p->cond[*(const int *)b];

	if (x->cost != y->cost)
		return x->cost - y->cost;
	return by_path_name(a, b, arg);
}

struct pattern *
pattern_compile(const char *text, size_t len, struct pathtab *pt,
    const struct pattern_opts *opts, char **err)
{
	struct pattern_opts defaults = { 0, PATTERN_WILDCARD_LIMIT, 0, 0 };
	struct pattern_opts sns;
	struct pattern *pat = xcalloc(1, sizeof(*pat));
	struct maplist rules = { NULL, 0, 0 };
	struct cc c;
	enum tok k;
	size_t i, j;

	memset(&c, 0, offsetof(struct cc, stack));	/* 8 KB: see nstack */
	c.t.p = text;
	c.t.end = text + len;
	c.t.state = S_VALUE;
	c.pt = pt;
	c.pat = pat;
	c.opts = opts != NULL ? opts : &defaults;
	if (c.opts->dialect == PATTERN_SNS) {
		sns = *c.opts;
		sns.legacy_numbers = PATTERN_NUMBERS_SNS;
		sns.wildcard_limit = 0;
		c.opts = &sns;
		c.sns = 1;
	}
	c.depth = 1;
	pat->legacy = c.opts->legacy_numbers;
	pat->pt = pt;
	k = tok_next(&c.t);
	if (k != T_ERR && k != T_START_OBJ)
		barf(&c, "Filter is not an object");
	else if (k == T_START_OBJ && cc_object(&c, &rules, 0) == 0) {
		if (c.sns)
			sns_check(&c, &rules);
		else
			check_complexity(&c);
	}
	sbuf_free(&c.t.text);
	sbuf_free(&c.path);
	sbuf_free(&c.txt);
	if (c.t.err != NULL) {
		*err = c.t.err;
		ml_free(&rules);
		pattern_free(pat);
		return NULL;
	}
	pat->sub = xcalloc(rules.n + 1, sizeof(*pat->sub));
	pat->nsub = rules.n;
	for (i = 0; i < rules.n; i++) {
		struct sub *s = &pat->sub[i];

		s->n = rules.m[i].n;
		s->cond = xcalloc(s->n + 1, sizeof(int));
		s->order = xcalloc(s->n + 1, sizeof(int));
		if (s->n > 0)
			memcpy(s->cond, rules.m[i].cond, s->n * sizeof(int));
		qsort_r(s->cond, s->n, sizeof(int), by_path_name, pat);
		for (j = 0; j < s->n; j++)
			s->has_absent |= pat->cond[s->cond[j]].absent;
		memcpy(s->order, s->cond, s->n * sizeof(int));
		if (!s->has_absent)
			qsort_r(s->order, s->n, sizeof(int), by_cost, pat);
	}
	for (i = 0; i < pat->nsub; i++) {
		struct sub *s = &pat->sub[i];

		s->key = xcalloc(s->n + 1, sizeof(*s->key));
		for (j = 0; j < s->n; j++) {
			s->key[j].cd = &pat->cond[s->order[j]];
			s->key[j].path = s->key[j].cd->path;
			s->key[j].gid = s->key[j].cd->gid;
		}
	}
	ml_free(&rules);
	return pat;
}

void
pattern_free(struct pattern *pat)
{
	size_t i, j;

	if (pat == NULL)
		return;
	for (i = 0; i < pat->ncond; i++) {
		for (j = 0; j < pat->cond[i].nv; j++)
			vpat_free(&pat->cond[i].v[j]);
		free(pat->cond[i].v);
		free(pat->cond[i].text);
	}
	free(pat->cond);
	for (i = 0; i < pat->nsub; i++) {
		free(pat->sub[i].cond);
		free(pat->sub[i].order);
		free(pat->sub[i].key);
	}
	free(pat->sub);
	free(pat);
}

/* ------------------------------------------------------------- matching */

static int
leaf_number(const struct pattern *pat, struct leaf *l)
{
	if (l->numok == 0)
		l->numok = pattern_number(l->s, l->n, pat->legacy, &l->num,
		    &l->key) ? 1 : -1;
	return l->numok > 0;
}

static int
num_eq(const struct pattern *pat, const struct leaf *l, double d,
    long long k)
{
	return pat->legacy ? l->key == k : l->num == d;
}

static int
leaf_ip(struct leaf *l)
{
	if (l->ipok == 0) {
		int r = ip_parse(l->s, l->n, l->ip);

		l->ipok = (int8_t)(r > 0 ? r : -1);
	}
	return l->ipok > 0 ? l->ipok : 0;
}

static int
in_range(const struct pattern *pat, const struct vpat *v, struct leaf *l)
{
	if (!leaf_number(pat, l))
		return 0;
	if (pat->legacy) {
		if (v->haslo && (v->openlo ? l->key <= v->klo :
		    l->key < v->klo))
			return 0;
		if (v->hashi && (v->openhi ? l->key >= v->khi :
		    l->key > v->khi))
			return 0;
		return 1;
	}
	if (v->haslo && (v->openlo ? !(l->num > v->lo) : !(l->num >= v->lo)))
		return 0;
	if (v->hashi && (v->openhi ? !(l->num < v->hi) : !(l->num <= v->hi)))
		return 0;
	return 1;
}

static int
has_prefix(const struct leaf *l, const char *s, size_t n)
{
	return l->n >= n && (n == 0 || (l->s[0] == s[0] &&
	    memcmp(l->s, s, n) == 0));
}

static int
has_suffix(const struct leaf *l, const char *s, size_t n)
{
	return l->n >= n && (n == 0 || (l->s[l->n - 1] == s[n - 1] &&
	    memcmp(l->s + l->n - n, s, n) == 0));
}

static int
vpat_match(const struct pattern *pat, const struct vpat *v, struct leaf *l)
{
	size_t i;
	int len;

	switch (v->op) {
	case OP_STR:
		return l->kind == LEAF_STRING && l->n == v->n[0] &&
		    (l->n == 0 || (l->s[0] == v->s[0][0] &&
		    memcmp(l->s, v->s[0], l->n) == 0));
	case OP_NUM:
		if (l->kind != LEAF_NUMBER)
			return 0;
		if (v->ns > 0 && l->n == v->n[0] &&
		    memcmp(l->s, v->s[0], l->n) == 0)
			return 1;
		return v->numok && leaf_number(pat, l) &&
		    num_eq(pat, l, v->d[0], v->k[0]);
	case OP_TRUE:
		return l->kind == LEAF_TRUE;
	case OP_FALSE:
		return l->kind == LEAF_FALSE;
	case OP_NULL:
		return l->kind == LEAF_NULL;
	case OP_IP:
		if (l->kind != LEAF_STRING || (len = leaf_ip(l)) == 0 ||
		    len < v->iplen)
			return 0;
		return memcmp(l->ip, v->iplo, (size_t)v->iplen) >= 0 &&
		    memcmp(l->ip, v->iphi, (size_t)v->iplen) <= 0;
	case OP_PREFIX:
		return l->kind == LEAF_STRING && has_prefix(l, v->s[0],
		    v->n[0]);
	case OP_SUFFIX:
		return l->kind == LEAF_STRING && has_suffix(l, v->s[0],
		    v->n[0]);
	case OP_PREFIX_EIC:
		return l->kind == LEAF_STRING && eic_run(v->eic[0],
		    (const unsigned char *)l->s, l->n, 0, 0);
	case OP_SUFFIX_EIC:
		return l->kind == LEAF_STRING && eic_run(v->eic[0],
		    (const unsigned char *)l->s, l->n, 1, 0);
	case OP_EIC:
		return l->kind == LEAF_STRING && eic_run(v->eic[0],
		    (const unsigned char *)l->s, l->n, 0, 1);
	case OP_WILDCARD:
		return l->kind == LEAF_STRING && wild_match(v->wild[0], l->s,
		    l->n);
	case OP_RANGE:
		return l->kind == LEAF_NUMBER && in_range(pat, v, l);
	case OP_EXISTS:
		return 1;
	case OP_ABSENT:
		return 0;
	case OP_AB_STR:
		if (l->kind != LEAF_STRING)
			return 1;
		for (i = 0; i < v->ns; i++)
			if (l->n == v->n[i] && memcmp(l->s, v->s[i], l->n) == 0)
				return 0;
		return 1;
	case OP_AB_NUM:
		if (l->kind != LEAF_NUMBER || !leaf_number(pat, l))
			return 1;
		for (i = 0; i < v->nd; i++)
			if (num_eq(pat, l, v->d[i], v->k[i]))
				return 0;
		return 1;
	case OP_AB_PREFIX:
	case OP_AB_SUFFIX:
		if (l->kind != LEAF_STRING)
			return 1;
		for (i = 0; i < v->ns; i++)
			if (v->op == OP_AB_PREFIX ?
			    has_prefix(l, v->s[i], v->n[i]) :
			    has_suffix(l, v->s[i], v->n[i]))
				return 0;
		return 1;
	case OP_AB_EIC:
		if (l->kind != LEAF_STRING)
			return 1;
		for (i = 0; i < v->ns; i++)
			if (eic_run(v->eic[i], (const unsigned char *)l->s,
			    l->n, 0, 1))
				return 0;
		return 1;
	case OP_AB_WILDCARD:
		if (l->kind != LEAF_STRING)
			return 1;
		for (i = 0; i < v->ns; i++)
			if (wild_match(v->wild[i], l->s, l->n))
				return 0;
		return 1;
	}
	return 0;
}

static int
cond_leaf(const struct pattern *pat, const struct cond *cd, struct leaf *l)
{
	size_t i;

	for (i = 0; i < cd->nv; i++)
		if (vpat_match(pat, &cd->v[i], l))
			return 1;
	return 0;
}

/* Array membership so far: (array id, index) pairs. */
struct memb {
	uint32_t	*p;
	size_t		 n, cap;
};

static int
consistent(const struct fields *f, const struct leaf *l,
    const struct memb *m)
{
	const uint32_t *lp = f->memb + 2 * (size_t)l->memb;
	size_t i, j;

	for (i = 0; i < l->nmemb; i++)
		for (j = 0; j < m->n; j++)
			if (m->p[2 * j] == lp[2 * i] &&
			    m->p[2 * j + 1] != lp[2 * i + 1])
				return 0;
	return 1;
}

static void
memb_push(struct memb *m, const struct fields *f, const struct leaf *l)
{
	const uint32_t *lp = f->memb + 2 * (size_t)l->memb;
	size_t i;

	if (m->n + l->nmemb > m->cap) {
		m->cap = (m->n + l->nmemb) * 2;
		m->p = xreallocarray(m->p, m->cap, 2 * sizeof(uint32_t));
	}
	for (i = 0; i < l->nmemb; i++) {
		m->p[2 * m->n] = lp[2 * i];
		m->p[2 * m->n + 1] = lp[2 * i + 1];
		m->n++;
	}
}

/*
 * A condition on a path with no leaf inside an array: membership plays
 * no part, so the answer is one yes or no, memoized for the event.
 */
static inline int
plain(const struct pattern *pat, const struct cond *cd, int32_t gid,
    struct fields *f)
{
	uint32_t *mo = &f->memo[gid];
	int32_t i;
	int any = 0;

	if (*mo >> 1 == f->epoch)
		return (int)(*mo & 1);
	if (f->head[cd->path] < 0)
		return cd->absent;
	if (f->xi->grp[gid] >= 0) {
		/*
		 * One lookup per leaf marks the group's conditions that hold;
		 * the others are false for this event without being touched.
		 */
		struct xgroup *g = &f->xi->g[f->xi->grp[gid]];
		const struct xent *e;
		int j;

		if (g->epoch != f->epoch) {
			g->epoch = f->epoch;
			for (i = f->head[cd->path]; i >= 0;
			    i = f->leaf[i].next) {
				if (f->leaf[i].kind != LEAF_STRING)
					continue;
				e = xfind(g, f->leaf[i].s, f->leaf[i].n);
				for (j = 0; j < e->ngid; j++)
					f->memo[e->gid[j]] = f->epoch << 1 | 1;
			}
		}
		if (*mo >> 1 != f->epoch)
			*mo = f->epoch << 1;
		return (int)(*mo & 1);
	}
	for (i = f->head[cd->path]; i >= 0 && !any; i = f->leaf[i].next)
		any = cond_leaf(pat, cd, &f->leaf[i]);
	*mo = f->epoch << 1 | (uint32_t)any;
	return any;
}

/*
 * The search of one sub-rule's keys through the array memberships of
 * the leaves.  A leaf's membership in an array that no later key has
 * leaves in cannot matter any more, so only its "signature" (the pairs
 * of arrays used later) goes into M, and leaves with equal signatures
 * are tried once: three unrelated arrays of 1,000 elements cost 3,000
 * steps, not 10^9.
 */
struct dfs {
	const struct pattern	*pat;
	const struct sub	*s;
	struct fields		*f;
	struct memb		*m;
	uint32_t		*arr;	/* level k: arr[lo[k] .. hi[k]) */
	size_t			*lo, *hi;
	/*
	 * Level k's leaves all lie in array ua[k] (or it is NONE): their
	 * ids and indexes there, in document order, are ul[ulo[k] ..
	 * ulo[k+1]) and ui[...], so M's pair for that array picks the
	 * candidates by binary search instead of a scan.
	 */
	uint32_t		*ua, *ui;
	int32_t			*ul;
	size_t			*ulo;
};

#define NONE	UINT32_MAX

/* The candidates of level k under M: 1 and [*pos, *end) of ul. */
static int
narrow(const struct dfs *d, size_t k, size_t *pos, size_t *end)
{
	const struct memb *m = d->m;
	size_t j, lo, hi, mid;
	uint32_t x;

	if (d->ua == NULL || d->ua[k] == NONE)
		return 0;
	for (j = 0; j < m->n && m->p[2 * j] != d->ua[k]; j++)
		;
	if (j == m->n)
		return 0;
	x = m->p[2 * j + 1];
	lo = d->ulo[k];
	hi = d->ulo[k + 1];
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->ui[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	for (hi = lo; hi < d->ulo[k + 1] && d->ui[hi] == x; hi++)
		;
	*end = hi;
	return 1;
}

#define SIG_MAX	32

static int
used_later(const struct dfs *d, size_t k, uint32_t a)
{
	size_t lo = d->lo[k], hi = d->hi[k], mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (d->arr[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->hi[k] && d->arr[lo] == a;
}

/* The pairs of L that matter after level K; -1 when too many. */
static int
signature(const struct dfs *d, size_t k, const struct leaf *l,
    uint32_t sig[2 * SIG_MAX])
{
	const uint32_t *lp = d->f->memb + 2 * (size_t)l->memb;
	uint32_t i;
	int n = 0;

	for (i = 0; i < l->nmemb; i++) {
		if (!used_later(d, k, lp[2 * i]))
			continue;
		if (n == SIG_MAX)
			return -1;
		sig[2 * n] = lp[2 * i];
		sig[2 * n + 1] = lp[2 * i + 1];
		n++;
	}
	return n;
}

static int
dfs(const struct dfs *d, size_t k)
{
	const struct pattern *pat = d->pat;
	struct fields *f = d->f;
	struct memb *m = d->m;
	const struct cond *cd;
	struct leaf *l;
	uint32_t sig[2 * SIG_MAX], sig2[2 * SIG_MAX], h;
	int32_t i, *seen = NULL, seen_local[64];
	size_t save, mask = 0, nleaf = 0, j, slot, pos = 0, end = 0;
	int any = 0, n, r = 0, full, ranged;

	/* the leaves to try: a range of d->ul, or the path's list */
#define FIRST()	(ranged ? (pos < end ? d->ul[pos] : -1) : f->head[cd->path])
#define NEXT()	(ranged ? (++pos < end ? d->ul[pos] : -1) : l->next)

	if (k == d->s->n)
		return 1;
	cd = &pat->cond[d->s->order[k]];
	if (!f->inarr[cd->path]) {
		if (!plain(pat, cd, cd->gid, f))
			return 0;
		return dfs(d, k + 1);
	}
	ranged = narrow(d, k, &pos, &end);
	if (k + 1 == d->s->n) {
		/* the last key: any consistent matching leaf will do */
		for (i = FIRST(); i >= 0; i = NEXT()) {
			l = &f->leaf[i];
			if (l->nmemb > 0 && m->n > 0 && !consistent(f, l, m))
				continue;
			any = 1;
			if (cond_leaf(pat, cd, l))
				return 1;
		}
		return cd->absent && !any;
	}
	for (i = f->head[cd->path]; i >= 0; i = f->leaf[i].next)
		nleaf++;
	for (mask = 15; mask < 2 * nleaf; mask = mask * 2 + 1)
		;
	seen = mask < sizeof(seen_local) / sizeof(seen_local[0]) ?
	    seen_local : xmalloc((mask + 1) * sizeof(*seen));
	memset(seen, 0xff, (mask + 1) * sizeof(*seen));
	for (i = FIRST(); i >= 0 && !r; i = NEXT()) {
		l = &f->leaf[i];
		if (l->nmemb > 0 && m->n > 0 && !consistent(f, l, m))
			continue;
		any = 1;
		if (!cond_leaf(pat, cd, l))
			continue;
		full = 0;
		if ((n = signature(d, k, l, sig)) >= 0) {
			/* tried an equivalent leaf already? */
			h = 2166136261U;
			for (j = 0; j < 2 * (size_t)n; j++)
				h = (h ^ sig[j]) * 16777619U;
			for (slot = h & mask; seen[slot] >= 0;
			    slot = (slot + 1) & mask)
				if (signature(d, k, &f->leaf[seen[slot]],
				    sig2) == n && memcmp(sig, sig2,
				    2 * (size_t)n * sizeof(*sig)) == 0)
					break;
			if (seen[slot] >= 0)
				continue;
			seen[slot] = i;
		} else
			full = 1;	/* too many to compare: keep them all */
		save = m->n;
		if (full)
			memb_push(m, f, l);
		else if (n > 0) {
			if (m->n + (size_t)n > m->cap) {
				m->cap = (m->n + (size_t)n) * 2 + 8;
				m->p = xreallocarray(m->p, m->cap,
				    2 * sizeof(uint32_t));
			}
			memcpy(m->p + 2 * m->n, sig, 2 * (size_t)n *
			    sizeof(*sig));
			m->n += (size_t)n;
		}
		r = dfs(d, k + 1);
		m->n = save;
	}
	if (seen != seen_local)
		free(seen);
	if (!r && cd->absent && !any)
		r = dfs(d, k + 1);
	return r;
#undef FIRST
#undef NEXT
}

/*
 * For each level after K whose leaves all lie in one array (the
 * innermost array of its first leaf), list them with their indexes.
 */
static void
index_levels(struct dfs *d, size_t k)
{
	const struct fields *f = d->f;
	size_t j, n = 0, u, cap = 0;
	int32_t i;
	uint32_t a, x;

	d->ua = xcalloc(d->s->n + 1, sizeof(*d->ua));
	d->ulo = xcalloc(d->s->n + 2, sizeof(*d->ulo));
	for (j = 0; j <= d->s->n; j++) {
		d->ulo[j] = n;
		if (j == d->s->n)
			break;
		d->ua[j] = NONE;
		if (j <= k)
			continue;
		i = f->head[d->pat->cond[d->s->order[j]].path];
		if (i < 0 || f->leaf[i].nmemb == 0)
			continue;
		a = f->memb[2 * ((size_t)f->leaf[i].memb +
		    f->leaf[i].nmemb - 1)];
		for (; i >= 0; i = f->leaf[i].next) {
			const struct leaf *l = &f->leaf[i];

			for (u = 0; u < l->nmemb &&
			    f->memb[2 * ((size_t)l->memb + u)] != a; u++)
				;
			if (u == l->nmemb)
				break;
			x = f->memb[2 * ((size_t)l->memb + u) + 1];
			if (n > d->ulo[j] && d->ui[n - 1] > x)
				break;		/* not in document order */
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				d->ui = xreallocarray(d->ui, cap,
				    sizeof(*d->ui));
				d->ul = xreallocarray(d->ul, cap,
				    sizeof(*d->ul));
			}
			d->ui[n] = x;
			d->ul[n++] = i;
		}
		if (i >= 0)
			n = d->ulo[j];	/* not every leaf: no index */
		else
			d->ua[j] = a;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Can the keys [k, n) of the sub-rule be matched from membership M?
 * Sets up, for each level, the arrays that later keys have leaves in
 * (a growing union, from the last key back), then searches.
 */
static int
match_keys(const struct pattern *pat, const struct sub *s, size_t k,
    struct fields *f, struct memb *m)
{
	struct dfs d;
	uint32_t *acc = NULL;
	size_t nacc = 0, narr = 0, j, u, w, lo_local[16], hi_local[16];
	int32_t i;
	int r;

	d.pat = pat;
	d.s = s;
	d.f = f;
	d.m = m;
	d.arr = NULL;
	d.ua = d.ui = NULL;
	d.ul = NULL;
	d.ulo = NULL;
	if (k + 1 >= s->n)
		return dfs(&d, k);	/* the last key needs no sets */
	if (s->n < sizeof(lo_local) / sizeof(lo_local[0])) {
		d.lo = lo_local;
		d.hi = hi_local;
	} else {
		d.lo = xcalloc(s->n + 1, sizeof(*d.lo));
		d.hi = xcalloc(s->n + 1, sizeof(*d.hi));
	}
	for (j = s->n; j-- > k; ) {
		if (j + 1 < s->n) {
			const struct cond *cd = &pat->cond[s->order[j + 1]];

			for (i = f->head[cd->path]; i >= 0;
			    i = f->leaf[i].next) {
				const struct leaf *l = &f->leaf[i];

				acc = xreallocarray(acc, nacc + l->nmemb + 1,
				    sizeof(*acc));
				for (u = 0; u < l->nmemb; u++)
					acc[nacc++] = f->memb[2 *
					    ((size_t)l->memb + u)];
			}
			if (nacc > 1)
				qsort(acc, nacc, sizeof(*acc), cmp_u32);
			for (u = 0, w = 0; u < nacc; u++)
				if (w == 0 || acc[w - 1] != acc[u])
					acc[w++] = acc[u];
			nacc = w;
		}
		d.arr = xreallocarray(d.arr, narr + nacc + 1, sizeof(*d.arr));
		if (nacc > 0)
			memcpy(d.arr + narr, acc, nacc * sizeof(*acc));
		d.lo[j] = narr;
		narr += nacc;
		d.hi[j] = narr;
	}
	free(acc);
	index_levels(&d, k);
	r = dfs(&d, k);
	free(d.ua);
	free(d.ui);
	free(d.ul);
	free(d.ulo);
	free(d.arr);
	if (d.lo != lo_local) {
		free(d.lo);
		free(d.hi);
	}
	return r;
}

int
pattern_match(const struct pattern *pat, struct fields *f)
{
	struct memb m = { NULL, 0, 0 };
	size_t i;
	int r = 0;

	for (i = 0; i < pat->nsub && !r; i++) {
		const struct sub *s = &pat->sub[i];
		size_t k;

		/* keys outside arrays first, without recursion */
		for (k = 0; k < s->n; k++) {
			const struct key *y = &s->key[k];

			if (f->inarr[y->path])
				break;
			if (!plain(pat, y->cd, y->gid, f))
				break;
		}
		if (k == s->n)
			r = 1;
		else if (f->inarr[s->key[k].path])
			r = match_keys(pat, s, k, f, &m);
	}
	if (m.p != NULL)
		free(m.p);
	return r;
}

struct psub {
	uint32_t		 first, n;	/* keys in pset.key */
	uint32_t		 pat;		/* index of the pattern */
	const struct pattern	*p;
	const struct sub	*s;
	const struct cond	*ix;		/* its indexed condition */
};

/*
 * An entry of a set's index: a field path and an exact value (a string,
 * or a number as the engine compares numbers), with the sub-rules whose
 * indexed condition has that value.
 */
struct ient {
	const char	*s;		/* NULL: an empty slot */
	size_t		 n;
	uint64_t	 num;
	int32_t		 path;
	int32_t		 isnum;
	uint32_t	*sub;		/* indexes in pset.sub */
	uint32_t	 nsub;
};

struct pset {
	struct key	*key;
	struct psub	*sub;		/* unindexed first, then indexed */
	size_t		 nsub, npat, nalways;
	uint32_t	*grp;		/* unindexed sub-rules grouped by */
	size_t		 ngrp;		/* first condition: sub[grp[g]..) */
	struct ient	*ix;		/* open addressing */
	size_t		 ixmask;
	int32_t		*ixpath;	/* the paths in the index */
	uint8_t		*ixkind;	/* per such path: 1 strings, 2 numbers */
	size_t		 nixpath;
	uint32_t	*seen;		/* per sub-rule: the event it is */
	uint32_t	 epoch;		/* queued for */
	uint32_t	*cand;		/* the event's queued sub-rules */
	unsigned char	*match;		/* per pattern, all 0 between events */
	const struct pattern *any;	/* for the number options */
};

/*
 * A condition the index can stand for: every value an exact string or a
 * number with a numeric form, so that a leaf satisfies it only if its
 * own string or number is one of the values.  Anything-but, prefix,
 * IP addresses, exists and the like are not.
 */
static int
indexable(const struct cond *cd)
{
	size_t i;

	if (cd->absent || cd->nv == 0)
		return 0;
	for (i = 0; i < cd->nv; i++)
		if (!(cd->v[i].op == OP_STR ||
		    (cd->v[i].op == OP_NUM && cd->v[i].numok)))
			return 0;
	return 1;
}

/* The number as the index keys it: equal numbers, equal keys. */
static uint64_t
num_key(int legacy, double d, long long k)
{
	uint64_t u;

	if (legacy)
		return (uint64_t)k;
	if (d == 0)
		d = 0;		/* -0 is 0 */
	memcpy(&u, &d, sizeof(u));
	return u;
}

static struct ient *
ifind(const struct pset *ps, int32_t path, int isnum, const char *s,
    size_t n, uint64_t num)
{
	uint32_t h = isnum ? (uint32_t)(num ^ num >> 29 ^ num >> 47) *
	    2654435761U : xhash(s, n);
	size_t i = (h ^ (uint32_t)path * 0x9e3779b1U) & ps->ixmask;

	for (;; i = (i + 1) & ps->ixmask) {
		struct ient *e = &ps->ix[i];

		if (e->s == NULL || (e->path == path && e->isnum == isnum &&
		    (isnum ? e->num == num : e->n == n &&
		    memcmp(e->s, s, n) == 0)))
			return e;
	}
}

/* Put sub-rule J under each value of its indexed condition. */
static void
index_sub(struct pset *ps, uint32_t j)
{
	const struct cond *cd = ps->sub[j].ix;
	const struct vpat *v;
	struct ient *e;
	uint64_t num = 0;
	size_t i;
	int isnum;

	for (i = 0; i < cd->nv; i++) {
		v = &cd->v[i];
		isnum = v->op == OP_NUM;
		if (isnum)
			num = num_key(ps->any->legacy, v->d[0], v->k[0]);
		e = isnum ? ifind(ps, cd->path, 1, "", 0, num) :
		    ifind(ps, cd->path, 0, v->s[0], v->n[0], 0);
		if (e->s == NULL) {
			e->s = isnum ? "" : v->s[0];
			e->n = isnum ? 0 : v->n[0];
			e->num = num;
			e->path = cd->path;
			e->isnum = isnum;
		}
		if (e->nsub > 0 && e->sub[e->nsub - 1] == j)
			continue;	/* the value twice in one condition */
		e->sub = xreallocarray(e->sub, (size_t)e->nsub + 1,
		    sizeof(*e->sub));
		e->sub[e->nsub++] = j;
	}
}

/*
 * The index: each sub-rule that has an indexable condition is filed
 * under that condition's values; the one with fewest values is chosen.
 */
static void
index_build(struct pset *ps)
{
	size_t i, j, nval = 0;
	int32_t p;

	for (j = ps->nalways; j < ps->nsub; j++)
		nval += ps->sub[j].ix->nv;
	for (ps->ixmask = 15; ps->ixmask < 2 * nval;
	    ps->ixmask = ps->ixmask * 2 + 1)
		;
	ps->ix = xcalloc(ps->ixmask + 1, sizeof(*ps->ix));
	for (j = ps->nalways; j < ps->nsub; j++) {
		index_sub(ps, (uint32_t)j);
		p = ps->sub[j].ix->path;
		for (i = 0; i < ps->nixpath && ps->ixpath[i] != p; i++)
			;
		if (i == ps->nixpath) {
			ps->ixpath = xreallocarray(ps->ixpath, i + 1,
			    sizeof(*ps->ixpath));
			ps->ixkind = xreallocarray(ps->ixkind, i + 1,
			    sizeof(*ps->ixkind));
			ps->ixpath[i] = p;
			ps->ixkind[i] = 0;
			ps->nixpath++;
		}
		for (size_t k = 0; k < ps->sub[j].ix->nv; k++)
			ps->ixkind[i] |= ps->sub[j].ix->v[k].op == OP_NUM ?
			    2 : 1;
	}
}

static int
by_first_gid(const void *a, const void *b, void *arg)
{
	const struct pset *ps = arg;
	const struct psub *x = a, *y = b;
	int32_t gx = x->n > 0 ? ps->key[x->first].gid : -1;
	int32_t gy = y->n > 0 ? ps->key[y->first].gid : -1;

	if ((x->ix != NULL) != (y->ix != NULL))
		return x->ix != NULL ? 1 : -1;
	if (gx != gy)
		return gx < gy ? -1 : 1;
	return x->pat < y->pat ? -1 : x->pat > y->pat;
}

/* The sub-rule's indexable condition with the fewest values, or NULL. */
static const struct cond *
index_cond(const struct sub *s)
{
	const struct cond *best = NULL;
	size_t k;

	for (k = 0; k < s->n; k++)
		if (indexable(s->key[k].cd) &&
		    (best == NULL || s->key[k].cd->nv < best->nv))
			best = s->key[k].cd;
	return best;
}

struct pset *
pset_new(struct pattern *const *pats, size_t n)
{
	struct pset *ps = xcalloc(1, sizeof(*ps));
	size_t i, j, k, nkey = 0, nsub = 0;

	for (i = 0; i < n; i++)
		if (pats[i] != NULL)
			for (j = 0; j < pats[i]->nsub; j++) {
				nsub++;
				nkey += pats[i]->sub[j].n;
			}
	ps->key = xcalloc(nkey + 1, sizeof(*ps->key));
	ps->sub = xcalloc(nsub + 1, sizeof(*ps->sub));
	ps->npat = n;
	nkey = 0;
	for (i = 0; i < n; i++) {
		if (pats[i] == NULL)
			continue;
		ps->any = pats[i];
		for (j = 0; j < pats[i]->nsub; j++) {
			const struct sub *s = &pats[i]->sub[j];
			struct psub *q = &ps->sub[ps->nsub++];

			q->first = (uint32_t)nkey;
			q->n = (uint32_t)s->n;
			q->pat = (uint32_t)i;
			q->p = pats[i];
			q->s = s;
			q->ix = index_cond(s);
			ps->nalways += q->ix == NULL;
			for (k = 0; k < s->n; k++)
				ps->key[nkey++] = s->key[k];
		}
	}
	qsort_r(ps->sub, ps->nsub, sizeof(*ps->sub), by_first_gid, ps);
	ps->grp = xcalloc(ps->nalways + 2, sizeof(*ps->grp));
	for (j = 0; j < ps->nalways; j++)
		if (j == 0 || ps->key[ps->sub[j - 1].first].gid !=
		    ps->key[ps->sub[j].first].gid)
			ps->grp[ps->ngrp++] = (uint32_t)j;
	ps->grp[ps->ngrp] = (uint32_t)ps->nalways;
	if (ps->nalways < ps->nsub)
		index_build(ps);
	ps->seen = xcalloc(ps->nsub + 1, sizeof(*ps->seen));
	ps->cand = xcalloc(ps->nsub + 1, sizeof(*ps->cand));
	ps->match = xcalloc(ps->npat + 1, 1);
	return ps;
}

void
pset_free(struct pset *ps)
{
	size_t i;

	if (ps == NULL)
		return;
	for (i = 0; ps->ix != NULL && i <= ps->ixmask; i++)
		free(ps->ix[i].sub);
	free(ps->ix);
	free(ps->ixpath);
	free(ps->ixkind);
	free(ps->seen);
	free(ps->cand);
	free(ps->match);
	free(ps->key);
	free(ps->sub);
	free(ps->grp);
	free(ps);
}

static void	match_sub(struct pset *, const struct psub *,
		    struct fields *, struct memb *, uint32_t *, size_t *);

/* Queue the indexed sub-rules whose value the event has. */
static size_t
candidates(struct pset *ps, struct fields *f)
{
	const struct ient *e;
	struct leaf *l;
	size_t p, ncand = 0;
	uint32_t j;
	int32_t i;

	if (++ps->epoch == 0) {
		memset(ps->seen, 0, ps->nsub * sizeof(*ps->seen));
		ps->epoch = 1;
	}
	for (p = 0; p < ps->nixpath; p++)
		for (i = f->head[ps->ixpath[p]]; i >= 0; i = l->next) {
			l = &f->leaf[i];
			if (l->kind == LEAF_STRING && (ps->ixkind[p] & 1))
				e = ifind(ps, ps->ixpath[p], 0, l->s, l->n, 0);
			else if (l->kind == LEAF_NUMBER &&
			    (ps->ixkind[p] & 2) && leaf_number(ps->any, l))
				e = ifind(ps, ps->ixpath[p], 1, "", 0,
				    num_key(ps->any->legacy, l->num, l->key));
			else
				continue;
			for (j = 0; j < e->nsub; j++)
				if (ps->seen[e->sub[j]] != ps->epoch) {
					ps->seen[e->sub[j]] = ps->epoch;
					ps->cand[ncand++] = e->sub[j];
				}
		}
	return ncand;
}

size_t
pset_match(struct pset *ps, struct fields *f, uint32_t *hits)
{
	struct memb m = { NULL, 0, 0 };
	const struct psub *q;
	const struct key *y;
	size_t g, j, ncand, nhit = 0;

	for (g = 0; g < ps->ngrp; g++) {
		/* one test of the shared first condition skips the group */
		q = &ps->sub[ps->grp[g]];
		y = ps->key + q->first;
		if (!f->inarr[y->path] && !plain(q->p, y->cd, y->gid, f))
			continue;
		for (j = ps->grp[g]; j < ps->grp[g + 1]; j++)
			match_sub(ps, &ps->sub[j], f, &m, hits, &nhit);
	}
	ncand = ps->nalways < ps->nsub ? candidates(ps, f) : 0;
	for (j = 0; j < ncand; j++)
		match_sub(ps, &ps->sub[ps->cand[j]], f, &m, hits, &nhit);
	if (m.p != NULL)
		free(m.p);
	qsort(hits, nhit, sizeof(*hits), cmp_u32);
	for (j = 0; j < nhit; j++)
		ps->match[hits[j]] = 0;
	return nhit;
}

/* One sub-rule of a set; a pattern it matches joins the hits. */
static void
match_sub(struct pset *ps, const struct psub *q, struct fields *f,
    struct memb *m, uint32_t *hits, size_t *nhit)
{
	const struct key *y, *end;
	int r = 0;

	if (ps->match[q->pat])
		return;
	y = ps->key + q->first;
	end = y + q->n;
	for (; y < end; y++) {
		if (f->inarr[y->path])
			break;
		if (!plain(q->p, y->cd, y->gid, f))
			break;
	}
	if (y == end)
		r = 1;
	else if (f->inarr[y->path]) {
		m->n = 0;
		r = match_keys(q->p, q->s, (size_t)(y - (ps->key + q->first)),
		    f, m);
	}
	if (r) {
		ps->match[q->pat] = 1;
		hits[(*nhit)++] = q->pat;
	}
}

static void
explain_found(struct sbuf *why, struct fields *f, int path)
{
	int32_t i;
	int first = 1;
	struct leaf *l;

	sbuf_addc(why, '[');
	for (i = f->head[path]; i >= 0; i = l->next) {
		l = &f->leaf[i];
		if (!first)
			sbuf_addc(why, ',');
		first = 0;
		if (l->kind == LEAF_STRING)
			jsonraw_quote(why, l->s, l->n);
		else
			sbuf_add(why, l->s, l->n);
	}
	sbuf_addc(why, ']');
}

void
pattern_explain(const struct pattern *pat, struct fields *f,
    const struct pathtab *pt, struct sbuf *why)
{
	struct memb m = { NULL, 0, 0 };
	struct sub one;
	size_t i, k;
	const char *name;
	size_t nlen;

	sbuf_addc(why, '[');
	for (i = 0; i < pat->nsub; i++) {
		const struct sub *s = &pat->sub[i];
		const struct cond *cd = NULL;

		/* the longest run of keys, in the engine's order, that holds */
		one = *s;
		one.order = s->cond;
		for (k = 0; k < s->n; k++) {
			one.n = k + 1;
			m.n = 0;
			if (!match_keys(pat, &one, 0, f, &m)) {
				cd = &pat->cond[s->cond[k]];
				break;
			}
		}
		if (i > 0)
			sbuf_addc(why, ',');
		if (cd == NULL) {
			sbuf_adds(why, "{\"field\":null}");
			continue;
		}
		name = pathtab_name(pt, cd->path, &nlen);
		sbuf_adds(why, "{\"field\":");
		jsonraw_quote(why, name, nlen);
		sbuf_adds(why, ",\"condition\":");
		sbuf_adds(why, cd->text);
		sbuf_adds(why, ",\"found\":");
		explain_found(why, f, cd->path);
		sbuf_addc(why, '}');
	}
	sbuf_addc(why, ']');
	free(m.p);
}
