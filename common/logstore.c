/* logstore.c: the local CloudWatch Logs store; see logstore.h. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "jsonraw.h"
#include "logstore.h"
#include "out.h"
#include "sbuf.h"
#include "xalloc.h"

#define ENC_MAX		200	/* longer encodings are cut and hashed */
#define ENC_CUT		160
#define GROUP_META	".group"
#define INDEX		"index.ndjson"
#define SEG_FMT		"seg-%08u.ndjson"
#define OLD_SUFFIX	".log"	/* a stream file of the old layout */
#define HEADER_MAX	8192	/* a header line fits in this */

struct logstore {
	char	*dir;
	int	 fd;
	long	 damaged;	/* unreadable files met by listings */
	off_t	 segmax;
};

/* The events of one stream that follow each other in a batch. */
struct run {
	size_t		 name, namelen;	/* quoted name, in names */
	int64_t		 first, last, ingestion;
	off_t		 bytes;
	long		 count;
};

struct logstore_writer {
	struct logstore	*ls;
	char		*gpath;		/* for messages */
	int		 gfd, ifd, sfd;	/* group, index, segment */
	unsigned	 seg;		/* the segment sfd holds */
	off_t		 iend, send;	/* where our last appends ended, or -1 */
	int		 sync;
	struct sbuf	 buf, names, idx, path;
	struct run	*runs;
	size_t		 nruns, capruns;
	size_t		 nev;
	int64_t		 last[2];	/* the last two numbers written, */
	char		 text[2][24];	/* as text */
	size_t		 tlen[2];
};

static const long retention_days[] = {
	1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
	1827, 2192, 2557, 2922, 3288, 3653
};

char *
logstore_dir(const char *arg)
{
	const char *e;

	if (arg != NULL)
		return xstrdup(arg);
	if ((e = getenv(LOGSTORE_ENV)) != NULL && *e != '\0')
		return xstrdup(e);
	if ((e = getenv("XDG_STATE_HOME")) != NULL && *e == '/')
		return xasprintf("%s/edakit/logs", e);
	if ((e = getenv("HOME")) != NULL && *e != '\0')
		return xasprintf("%s/.local/state/edakit/logs", e);
	return xstrdup("edakit-logs");
}

int
logstore_group_ok(const char *name, const char **why)
{
	size_t n = strlen(name), i;
	const char *w = NULL;

	if (n == 0)
		w = "must not be empty";
	else if (n > LOGSTORE_NAME_MAX)
		w = "must be at most 512 characters";
	else if (strncmp(name, "aws/", 4) == 0)
		w = "must not start with 'aws/'";
	for (i = 0; w == NULL && i < n; i++)
		if (strchr("._-/#", name[i]) == NULL &&
		    !((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9')))
			w = "must match [\\.\\-_/#A-Za-z0-9]+";
	if (why != NULL)
		*why = w;
	return w == NULL;
}

int
logstore_stream_ok(const char *name, const char **why)
{
	size_t n = strlen(name);
	const char *w = NULL;

	if (n == 0)
		w = "must not be empty";
	else if (n > LOGSTORE_NAME_MAX)
		w = "must be at most 512 characters";
	else if (strpbrk(name, ":*") != NULL)
		w = "must not contain ':' or '*'";
	else if (!utf8_valid(name, n, NULL))
		w = "must be UTF-8";
	if (why != NULL)
		*why = w;
	return w == NULL;
}

int
logstore_retention_ok(long days)
{
	size_t i;

	for (i = 0; i < sizeof(retention_days) / sizeof(retention_days[0]);
	    i++)
		if (retention_days[i] == days)
			return 1;
	return 0;
}

/*
 * The path component of NAME: safe bytes kept, the rest %XX, a leading
 * '.' escaped; long results cut and made unique with a hash.
 */
static void
encode(struct sbuf *b, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	char id[UUID_BUFSZ];
	size_t start = b->len, i, cut;
	const char *p;

	for (p = name; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    c == '#' || (c == '.' && p != name))
			sbuf_addc(b, c);
		else {
			sbuf_addc(b, '%');
			sbuf_addc(b, hex[c >> 4]);
			sbuf_addc(b, hex[c & 15]);
		}
	}
	if (b->len - start <= ENC_MAX)
		return;
	cut = ENC_CUT;
	for (i = 1; i <= 2; i++)	/* never cut inside a %XX */
		if (b->buf[start + cut - i] == '%')
			cut -= i;
	b->len = start + cut;
	ids_uuid_of(id, name, strlen(name));
	sbuf_addc(b, '~');
	for (p = id; *p != '\0'; p++)
		if (*p != '-')
			sbuf_addc(b, *p);
	b->buf[b->len] = '\0';
}

struct logstore *
logstore_open(const char *dir, int create)
{
	struct logstore *ls;
	char *p, *s;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 &&
	    errno == ENOENT && create) {
		/* Make the parents, then the store itself. */
		p = xstrdup(dir);
		for (s = p + 1; *s != '\0'; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			if (mkdir(p, 0777) == -1 && errno != EEXIST)
				break;
			*s = '/';
		}
		free(p);
		if (mkdir(dir, 0777) == -1 && errno != EEXIST) {
			warn("%s", dir);
			return NULL;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd == -1) {
		warn("log store %s", dir);
		return NULL;
	}
	ls = xcalloc(1, sizeof(*ls));
	ls->dir = xstrdup(dir);
	ls->fd = fd;
	ls->segmax = LOGSTORE_SEGMENT_MAX;
	return ls;
}

void
logstore_set_segment_max(struct logstore *ls, off_t bytes)
{
	ls->segmax = bytes;
}

void
logstore_close(struct logstore *ls)
{
	if (ls == NULL)
		return;
	close(ls->fd);
	free(ls->dir);
	free(ls);
}

/* STORE/GROUP, then FILE when not NULL (its name: FMT with N). */
static char *
group_file(struct logstore *ls, const char *group, const char *fmt,
    unsigned n)
{
	struct sbuf b = SBUF_INIT;

	sbuf_adds(&b, ls->dir);
	sbuf_addc(&b, '/');
	encode(&b, group);
	if (fmt != NULL) {
		sbuf_addc(&b, '/');
		sbuf_addf(&b, fmt, n);
	}
	return sbuf_detach(&b, NULL);
}

char *
logstore_group_path(struct logstore *ls, const char *group)
{
	return group_file(ls, group, NULL, 0);
}

/* Read the first line of the file at DIRFD/NAME into B (no newline). */
static int
read_first_line(int dirfd, const char *name, struct sbuf *b)
{
	char buf[HEADER_MAX];
	ssize_t n;
	char *nl;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	if (n <= 0 || (nl = memchr(buf, '\n', (size_t)n)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	sbuf_reset(b);
	sbuf_add(b, buf, (size_t)(nl - buf));
	return 0;
}

/*
 * Decode the JSON string literal at P (at most N bytes, quotes
 * included) into B.  Returns the end of the literal or NULL.
 */
static const char *
unquote(const char *p, size_t n, struct sbuf *b)
{
	const char *end = p + n, *run, *q = NULL, *bs;
	unsigned long u, lo;
	char tmp[5];

	if (n < 2 || *p != '"')
		return NULL;
	for (run = ++p; p < end; p++) {
		/* a plain run at once, up to the next backslash or quote */
		if (q == NULL || q < p)
			if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
				q = end;
		p = (bs = memchr(p, '\\', (size_t)(q - p))) != NULL ? bs : q;
		if (p == end)
			break;
		if (*p == '"') {
			sbuf_add(b, run, (size_t)(p - run));
			return p + 1;
		}
		if (*p != '\\')
			continue;
		sbuf_add(b, run, (size_t)(p - run));
		if (++p >= end)
			return NULL;
		switch (*p) {
		case 'b': sbuf_addc(b, '\b'); break;
		case 'f': sbuf_addc(b, '\f'); break;
		case 'n': sbuf_addc(b, '\n'); break;
		case 'r': sbuf_addc(b, '\r'); break;
		case 't': sbuf_addc(b, '\t'); break;
		case 'u':
			if (end - p < 5)
				return NULL;
			memcpy(tmp, p + 1, 4);
			tmp[4] = '\0';
			u = strtoul(tmp, NULL, 16);
			p += 4;
			if (u >= 0xd800 && u < 0xdc00 && end - p >= 7 &&
			    p[1] == '\\' && p[2] == 'u') {
				memcpy(tmp, p + 3, 4);
				lo = strtoul(tmp, NULL, 16);
				if (lo >= 0xdc00 && lo < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (lo - 0xdc00);
					p += 6;
				}
			}
			if (u < 0x80)
				sbuf_addc(b, (int)u);
			else if (u < 0x800) {
				sbuf_addc(b, (int)(0xc0 | (u >> 6)));
				sbuf_addc(b, (int)(0x80 | (u & 0x3f)));
			} else if (u < 0x10000) {
				sbuf_addc(b, (int)(0xe0 | (u >> 12)));
				sbuf_addc(b, (int)(0x80 | ((u >> 6) & 0x3f)));
				sbuf_addc(b, (int)(0x80 | (u & 0x3f)));
			} else {
				sbuf_addc(b, (int)(0xf0 | (u >> 18)));
				sbuf_addc(b, (int)(0x80 | ((u >> 12) & 0x3f)));
				sbuf_addc(b, (int)(0x80 | ((u >> 6) & 0x3f)));
				sbuf_addc(b, (int)(0x80 | (u & 0x3f)));
			}
			break;
		default:
			sbuf_addc(b, *p);
		}
		run = p + 1;
	}
	return NULL;
}

/* Read an integer at *P (advancing it).  Returns 0 or -1. */
static int
int_at(const char **p, const char *end, int64_t *v)
{
	const char *q = *p;
	int64_t x = 0;
	int neg = 0;

	if (q < end && *q == '-')
		neg = 1, q++;
	if (q >= end || *q < '0' || *q > '9')
		return -1;
	while (q < end && *q >= '0' && *q <= '9') {
		if (x > (INT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (*q++ - '0');
	}
	*v = neg ? -x : x;
	*p = q;
	return 0;
}

/* Match the literal S at *P (advancing it). */
static int
lit(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return -1;
	*p += n;
	return 0;
}

/*
 * Parse a header line {"NAMEKEY":"...","creationTime":ms[,...]} into
 * an owned *name and *ctime.
 */
static int
parse_header(const char *p, size_t n, const char *key, char **name,
    int64_t *ctime, const char **rest)
{
	struct sbuf b = SBUF_INIT;
	const char *end = p + n;

	if (lit(&p, end, "{\"") != 0 || lit(&p, end, key) != 0 ||
	    lit(&p, end, "\":") != 0 ||
	    (p = unquote(p, (size_t)(end - p), &b)) == NULL ||
	    lit(&p, end, ",\"creationTime\":") != 0 ||
	    int_at(&p, end, ctime) != 0) {
		sbuf_free(&b);
		return -1;
	}
	if (b.buf == NULL)
		sbuf_adds(&b, "");
	*name = sbuf_detach(&b, NULL);
	if (rest != NULL)
		*rest = p;
	return 0;
}

static void
header_line(struct sbuf *b, const char *key, const char *name,
    int64_t ctime)
{
	sbuf_addf(b, "{\"%s\":", key);
	jsonraw_quote(b, name, strlen(name));
	sbuf_addf(b, ",\"creationTime\":%" PRId64, ctime);
}

/* Write a fresh file DIRFD/NAME holding B atomically (via a temp file,
 * then rename or, with EXCL, link).  Returns 0, 1 when EXCL found it
 * there already, or -1 with errno. */
static int
install_file(int dirfd, const char *name, const struct sbuf *b, int excl,
    int sync)
{
	char tmp[64];
	int fd, e, r = 0;

	snprintf(tmp, sizeof(tmp), ".tmp.%ld.%" PRId64, (long)getpid(),
	    clock_now_ms() ^ (int64_t)(intptr_t)b);
	/* A name of this pid that exists was left by a dead process. */
	if ((fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0666)) == -1 && errno == EEXIST && unlinkat(dirfd, tmp, 0) == 0)
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0666);
	if (fd == -1)
		return -1;
	if (write_all(fd, b->buf, b->len) != 0 || (sync && fsync(fd) != 0)) {
		e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		errno = e;
		return -1;
	}
	close(fd);
	if (excl) {
		if (linkat(dirfd, tmp, dirfd, name, 0) == -1) {
			if (errno == EEXIST)
				r = 1;
			else
				r = -1;
		}
		e = errno;
		unlinkat(dirfd, tmp, 0);
		errno = e;
	} else if (renameat(dirfd, tmp, dirfd, name) == -1) {
		e = errno;
		unlinkat(dirfd, tmp, 0);
		errno = e;
		r = -1;
	}
	if (r == 0 && sync)
		fsync(dirfd);
	return r;
}

/*
 * Open the directory of GROUP; with CREATE make it first (a temporary
 * directory renamed into place, so readers never see a group without
 * its .group).  Returns the descriptor or -1 (message printed unless
 * the group is absent and not to be created).
 */
static int
group_fd(struct logstore *ls, const char *group, int create, int sync)
{
	struct sbuf enc = SBUF_INIT, meta = SBUF_INIT;
	char tmp[64], *name = NULL;
	int fd = -1, tfd, e;
	int64_t ctime;

	encode(&enc, group);
	fd = openat(ls->fd, enc.buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		snprintf(tmp, sizeof(tmp), ".tmp.%ld.g%" PRId64,
		    (long)getpid(), clock_now_ms());
		if (mkdirat(ls->fd, tmp, 0777) == -1) {
			if (errno != EEXIST)
				goto fail;
			/* Left by a dead process of this pid. */
			if ((tfd = openat(ls->fd, tmp, O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC)) != -1) {
				unlinkat(tfd, GROUP_META, 0);
				close(tfd);
			}
			unlinkat(ls->fd, tmp, AT_REMOVEDIR);
			if (mkdirat(ls->fd, tmp, 0777) == -1)
				goto fail;
		}
		if ((tfd = openat(ls->fd, tmp, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1)
			goto fail;
		header_line(&meta, "logGroupName", group, clock_now_ms());
		sbuf_adds(&meta, ",\"retentionInDays\":null}\n");
		if (install_file(tfd, GROUP_META, &meta, 0, sync) != 0) {
			e = errno;
			close(tfd);
			unlinkat(ls->fd, tmp, AT_REMOVEDIR);
			errno = e;
			goto fail;
		}
		close(tfd);
		if (renameat(ls->fd, tmp, ls->fd, enc.buf) == -1) {
			e = errno;
			/* Someone else made it first: drop ours. */
			if ((tfd = openat(ls->fd, tmp, O_RDONLY |
			    O_DIRECTORY | O_CLOEXEC)) != -1) {
				unlinkat(tfd, GROUP_META, 0);
				close(tfd);
			}
			unlinkat(ls->fd, tmp, AT_REMOVEDIR);
			if (e != EEXIST && e != ENOTEMPTY) {
				errno = e;
				goto fail;
			}
		} else if (sync)
			fsync(ls->fd);
		fd = openat(ls->fd, enc.buf, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1) {
		if (errno != ENOENT || create)
			goto fail;
		goto out;
	}
	/* A cut name is checked against the real one. */
	if (strchr(enc.buf, '~') != NULL) {
		sbuf_reset(&meta);
		if (read_first_line(fd, GROUP_META, &meta) != 0 ||
		    parse_header(meta.buf, meta.len, "logGroupName", &name,
		    &ctime, NULL) != 0 || strcmp(name, group) != 0) {
			warnx("%s/%s: holds another log group", ls->dir,
			    enc.buf);
			close(fd);
			fd = -1;
		}
	}
	goto out;
fail:
	warn("%s/%s", ls->dir, enc.buf);
	fd = -1;
out:
	free(name);
	sbuf_free(&enc);
	sbuf_free(&meta);
	return fd;
}

int
logstore_group_create(struct logstore *ls, const char *group)
{
	int fd;

	if ((fd = group_fd(ls, group, 1, 0)) == -1)
		return -1;
	close(fd);
	return 0;
}

/* Read GROUP's .group: creation time and retention (0: none). */
static int
group_meta(int gfd, int64_t *ctime, long *days, char **name)
{
	struct sbuf b = SBUF_INIT;
	const char *p, *end;
	char *nm = NULL;
	int64_t d = 0;
	int r = -1;

	if (read_first_line(gfd, GROUP_META, &b) != 0)
		goto out;
	if (parse_header(b.buf, b.len, "logGroupName", &nm, ctime, &p) != 0)
		goto out;
	end = b.buf + b.len;
	if (lit(&p, end, ",\"retentionInDays\":") != 0)
		goto out;
	if (lit(&p, end, "null") != 0 && int_at(&p, end, &d) != 0)
		goto out;
	*days = (long)d;
	if (name != NULL) {
		*name = nm;
		nm = NULL;
	}
	r = 0;
out:
	free(nm);
	sbuf_free(&b);
	return r;
}

int
logstore_set_retention(struct logstore *ls, const char *group, long days)
{
	struct sbuf meta = SBUF_INIT;
	int64_t ctime;
	long old;
	int fd, r = -1;

	if ((fd = group_fd(ls, group, 1, 0)) == -1)
		return -1;
	if (group_meta(fd, &ctime, &old, NULL) != 0) {
		warnx("%s: %s: damaged %s", ls->dir, group, GROUP_META);
		goto out;
	}
	header_line(&meta, "logGroupName", group, ctime);
	if (days > 0)
		sbuf_addf(&meta, ",\"retentionInDays\":%ld}\n", days);
	else
		sbuf_adds(&meta, ",\"retentionInDays\":null}\n");
	if (install_file(fd, GROUP_META, &meta, 0, 0) != 0) {
		warn("%s: log group '%s'", ls->dir, group);
		goto out;
	}
	r = 0;
out:
	sbuf_free(&meta);
	close(fd);
	return r;
}

int
logstore_group_info(struct logstore *ls, const char *group,
    int64_t *ctime, long *days)
{
	int fd, r;

	if ((fd = group_fd(ls, group, 0, 0)) == -1)
		return -1;
	if ((r = group_meta(fd, ctime, days, NULL)) != 0)
		warnx("%s: log group '%s': damaged %s", ls->dir, group,
		    GROUP_META);
	close(fd);
	return r;
}

long
logstore_retention(struct logstore *ls, const char *group)
{
	int64_t ctime;
	long days;

	if (logstore_group_info(ls, group, &ctime, &days) != 0)
		return -1;
	return days;
}

enum logstore_check
logstore_check(const struct logstore_event *ev, int64_t now, long days,
    size_t limit)
{
	if (ev->len == 0)
		return LOGSTORE_EMPTY;
	if (ev->len + LOGSTORE_EVENT_OVERHEAD > limit)
		return LOGSTORE_TOO_LARGE;
	if (ev->timestamp > now + LOGSTORE_FUTURE_MS)
		return LOGSTORE_TOO_NEW;
	if (days > 0 && ev->timestamp < now - days * LOGSTORE_DAY_MS)
		return LOGSTORE_EXPIRED;
	if (ev->timestamp < now - LOGSTORE_PAST_MS)
		return LOGSTORE_TOO_OLD;
	return LOGSTORE_OK;
}

const char *
logstore_reject_name(enum logstore_check c)
{
	switch (c) {
	case LOGSTORE_TOO_NEW: return "tooNewLogEventStartIndex";
	case LOGSTORE_TOO_OLD: return "tooOldLogEventEndIndex";
	case LOGSTORE_EXPIRED: return "expiredLogEventEndIndex";
	case LOGSTORE_TOO_LARGE:
	case LOGSTORE_EMPTY: return "InvalidParameterException";
	default: return "";
	}
}

const char *
logstore_reject_text(enum logstore_check c)
{
	switch (c) {
	case LOGSTORE_TOO_NEW:
		return "log event timestamp is more than 2 hours in the future";
	case LOGSTORE_TOO_OLD:
		return "log event timestamp is more than 14 days in the past";
	case LOGSTORE_EXPIRED:
		return "log event timestamp is older than the log group's "
		    "retention period";
	case LOGSTORE_TOO_LARGE:
		return "Log event too large";
	case LOGSTORE_EMPTY:
		return "Log event message must not be empty";
	default:
		return "";
	}
}

/*
 * 1 when the group open at GFD holds stream files of the old layout
 * (one STREAM.log per stream) and no index.
 */
static int
old_layout(int gfd)
{
	struct dirent *de;
	size_t n;
	DIR *d;
	int fd, found = 0;

	if (faccessat(gfd, INDEX, F_OK, 0) == 0)
		return 0;
	if ((fd = dup(gfd)) == -1 || (d = fdopendir(fd)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		found = de->d_name[0] != '.' && n > strlen(OLD_SUFFIX) &&
		    strcmp(de->d_name + n - strlen(OLD_SUFFIX),
		    OLD_SUFFIX) == 0;
	}
	closedir(d);
	return found;
}

static void
old_layout_error(const char *gpath)
{
	warnx("%s: a log group in the old layout (one file per stream), "
	    "which this version does not read: move it away and write it "
	    "anew (see edakit(7), STORE LAYOUT)", gpath);
}

/*
 * The highest segment of the group open at GFD, 0 when none; FROM is
 * one known to exist (segments are never removed), or 0.
 */
static unsigned
last_segment(int gfd, unsigned from)
{
	char name[32];
	unsigned n = from;

	for (;;) {
		snprintf(name, sizeof(name), SEG_FMT, n + 1);
		if (faccessat(gfd, name, F_OK, AT_SYMLINK_NOFOLLOW) != 0)
			return n;
		n++;
	}
}

struct logstore_writer *
logstore_writer_open(struct logstore *ls, const char *group, int sync)
{
	struct logstore_writer *w;
	int gfd, ifd;
	char *gpath;

	if ((gfd = group_fd(ls, group, 1, sync)) == -1)
		return NULL;
	gpath = logstore_group_path(ls, group);
	if (old_layout(gfd)) {
		old_layout_error(gpath);
		goto fail;
	}
	if ((ifd = openat(gfd, INDEX, O_RDWR | O_APPEND | O_CREAT |
	    O_NOFOLLOW | O_CLOEXEC, 0666)) == -1) {
		warn("%s/%s", gpath, INDEX);
		goto fail;
	}
	w = xcalloc(1, sizeof(*w));
	w->ls = ls;
	w->gpath = gpath;
	w->gfd = gfd;
	w->ifd = ifd;
	w->sfd = -1;
	w->sync = sync;
	w->iend = w->send = -1;
	return w;
fail:
	free(gpath);
	close(gfd);
	return NULL;
}

/*
 * Write the decimal digits of V at O, returning the end; slot K
 * remembers the last value (timestamps repeat from one record to the
 * next).
 */
static char *
add_int(struct logstore_writer *w, char *o, int k, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	if (w->tlen[k] == 0 || w->last[k] != v) {
		do
			*--p = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (v < 0)
			*--p = '-';
		w->tlen[k] = (size_t)(buf + sizeof(buf) - p);
		memcpy(w->text[k], p, w->tlen[k]);
		w->last[k] = v;
	}
	memcpy(o, w->text[k], w->tlen[k]);
	return o + w->tlen[k];
}

/* The run of STREAM at the end of the batch (a new one if needed). */
static struct run *
run_of(struct logstore_writer *w, const char *stream, int64_t ingestion)
{
	struct run *r;
	size_t at;

	if (w->nruns > 0) {
		r = &w->runs[w->nruns - 1];
		at = w->names.len;
		jsonraw_quote(&w->names, stream, strlen(stream));
		if (w->names.len - at == r->namelen &&
		    memcmp(w->names.buf + r->name, w->names.buf + at,
		    r->namelen) == 0) {
			w->names.len = at;
			return r;
		}
		w->names.len = at;
	}
	if (w->nruns == w->capruns) {
		w->capruns = w->capruns ? w->capruns * 2 : 16;
		w->runs = xreallocarray(w->runs, w->capruns,
		    sizeof(*w->runs));
	}
	r = &w->runs[w->nruns++];
	memset(r, 0, sizeof(*r));
	r->name = w->names.len;
	jsonraw_quote(&w->names, stream, strlen(stream));
	r->namelen = w->names.len - r->name;
	r->ingestion = ingestion;
	return r;
}

void
logstore_stream_create(struct logstore_writer *w, const char *stream,
    int64_t now)
{
	run_of(w, stream, now);
}

void
logstore_add(struct logstore_writer *w, const char *stream,
    const struct logstore_event *ev, int64_t ingestion)
{
	static const char sn[] = "{\"logStreamName\":";
	static const char ts[] = ",\"timestamp\":";
	static const char it[] = ",\"ingestionTime\":";
	static const char mg[] = ",\"message\":";
	struct run *r = run_of(w, stream, ingestion);
	size_t start = w->buf.len;
	char *o;

	/*
	 * One grow for the whole record: the fixed text and two numbers
	 * (under 100 bytes), the name and the message quoted (6 * len + 2
	 * at worst), "}\n" and the NUL.
	 */
	sbuf_grow(&w->buf, 6 * ev->len + r->namelen + 120);
	o = w->buf.buf + w->buf.len;
	memcpy(o, sn, sizeof(sn) - 1);
	o += sizeof(sn) - 1;
	memcpy(o, w->names.buf + r->name, r->namelen);
	o += r->namelen;
	memcpy(o, ts, sizeof(ts) - 1);
	o = add_int(w, o + sizeof(ts) - 1, 0, ev->timestamp);
	memcpy(o, it, sizeof(it) - 1);
	o = add_int(w, o + sizeof(it) - 1, 1, ingestion);
	memcpy(o, mg, sizeof(mg) - 1);
	w->buf.len = (size_t)(o + sizeof(mg) - 1 - w->buf.buf);
	jsonraw_quote(&w->buf, ev->message, ev->len);
	o = w->buf.buf + w->buf.len;
	*o++ = '}';
	*o++ = '\n';
	*o = '\0';
	w->buf.len += 2;
	if (r->count == 0 || ev->timestamp < r->first)
		r->first = ev->timestamp;
	if (r->count == 0 || ev->timestamp > r->last)
		r->last = ev->timestamp;
	if (ingestion > r->ingestion)
		r->ingestion = ingestion;
	r->bytes += (off_t)(w->buf.len - start);
	r->count++;
	w->nev++;
}

size_t
logstore_pending(const struct logstore_writer *w)
{
	return w->buf.len;
}

size_t
logstore_pending_events(const struct logstore_writer *w)
{
	return w->nev;
}

/* The index lines of the batch's runs, in segment SEG, into w->idx. */
static void
index_lines(struct logstore_writer *w, unsigned seg)
{
	const struct run *r;
	size_t i;

	sbuf_reset(&w->idx);
	for (i = 0; i < w->nruns; i++) {
		r = &w->runs[i];
		sbuf_adds(&w->idx, "{\"logStreamName\":");
		sbuf_add(&w->idx, w->names.buf + r->name, r->namelen);
		sbuf_addf(&w->idx, ",\"creationTime\":%" PRId64, r->ingestion);
		if (r->count > 0)
			sbuf_addf(&w->idx, ",\"firstEventTimestamp\":%" PRId64
			    ",\"lastEventTimestamp\":%" PRId64
			    ",\"lastIngestionTime\":%" PRId64, r->first,
			    r->last, r->ingestion);
		sbuf_addf(&w->idx, ",\"storedBytes\":%lld,\"eventCount\":%ld,"
		    "\"segment\":%u}\n", (long long)r->bytes, r->count, seg);
	}
}

/* The path of segment N of the writer's group, in w->path. */
static const char *
seg_path(struct logstore_writer *w, unsigned n)
{
	sbuf_reset(&w->path);
	sbuf_addf(&w->path, "%s/" SEG_FMT, w->gpath, n);
	return w->path.buf;
}

/*
 * Under the lock: the size of FD with an incomplete last record (a
 * writer killed mid-write, or a file cut by hand) cut, or -1.  MINE is
 * where this writer's last append to FD ended (-1 if unknown): a file
 * still of that size ends with our newline, and needs no reading.
 */
static off_t
repair(int fd, const char *path, off_t mine)
{
	char buf[4096];
	struct stat st;
	off_t size, pos;
	ssize_t n, i;

	if (fstat(fd, &st) != 0)
		return -1;
	if ((size = st.st_size) == 0 || size == mine)
		return size;
	if (pread(fd, buf, 1, size - 1) != 1)
		return -1;
	if (buf[0] == '\n')
		return size;
	for (pos = size; pos > 0; pos -= n) {
		n = pos < (off_t)sizeof(buf) ? (ssize_t)pos :
		    (ssize_t)sizeof(buf);
		if (pread(fd, buf, (size_t)n, pos - n) != n)
			return -1;
		for (i = n; i > 0; i--)
			if (buf[i - 1] == '\n')
				break;
		if (i > 0) {
			pos = pos - n + i;
			break;
		}
	}
	if (pos < 0)
		pos = 0;
	warnx("%s: removed an incomplete last record (%lld bytes)", path,
	    (long long)(size - pos));
	if (ftruncate(fd, pos) != 0)
		return -1;
	return pos;
}

/*
 * Under the lock: open the segment to append to (the last one, or a new
 * one when it is full) and repair its tail.  Returns its size or -1.
 */
static off_t
segment(struct logstore_writer *w)
{
	char name[32];
	unsigned n;
	off_t at;

	n = last_segment(w->gfd, w->sfd != -1 ? w->seg : 0);
	if (n == 0)
		n = 1;
	for (;;) {
		if (w->sfd == -1 || w->seg != n) {
			if (w->sfd != -1)
				close(w->sfd);
			w->seg = n;
			w->send = -1;
			snprintf(name, sizeof(name), SEG_FMT, n);
			if ((w->sfd = openat(w->gfd, name, O_RDWR | O_APPEND |
			    O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666)) == -1) {
				warn("%s", seg_path(w, n));
				return -1;
			}
		}
		if ((at = repair(w->sfd, seg_path(w, n), w->send)) < 0) {
			warn("%s", seg_path(w, n));
			return -1;
		}
		if (at < w->ls->segmax)
			return at;
		n++;
	}
}

/* Write B at the end of FD (at AT); a failed write is cut back. */
static int
append(int fd, const struct sbuf *b, off_t at, const char *path)
{
	int e;

	if (write_all(fd, b->buf, b->len) == 0)
		return 0;
	e = errno;
	if (ftruncate(fd, at) != 0)
		warn("%s: cannot cut back a failed write", path);
	errno = e;
	warn("%s", path);
	return -1;
}

int
logstore_flush(struct logstore_writer *w)
{
	char ipath[PATH_MAX];
	off_t at, iat;
	int r = -1;

	if (w->nruns == 0)
		return 0;
	snprintf(ipath, sizeof(ipath), "%s/%s", w->gpath, INDEX);
	while (flock(w->ifd, LOCK_EX) != 0)
		if (errno != EINTR) {
			warn("%s: lock", ipath);
			goto out;
		}
	iat = repair(w->ifd, ipath, w->iend);
	w->iend = -1;
	if (iat < 0) {
		warn("%s", ipath);
		goto unlock;
	}
	if ((at = segment(w)) < 0)
		goto unlock;
	w->send = -1;
	index_lines(w, w->seg);
	if (w->buf.len > 0 &&
	    append(w->sfd, &w->buf, at, seg_path(w, w->seg)) != 0)
		goto unlock;
	/* The index last: a stream is listed once its events are in. */
	if (append(w->ifd, &w->idx, iat, ipath) != 0) {
		if (ftruncate(w->sfd, at) != 0)
			warn("%s: cannot cut back a failed write",
			    seg_path(w, w->seg));
		goto unlock;
	}
	if (w->sync && (fsync(w->sfd) != 0 || fsync(w->ifd) != 0)) {
		warn("%s: fsync", w->gpath);
		goto unlock;
	}
	w->send = at + (off_t)w->buf.len;
	w->iend = iat + (off_t)w->idx.len;
	r = 0;
unlock:
	flock(w->ifd, LOCK_UN);
out:
	sbuf_reset(&w->buf);
	sbuf_reset(&w->names);
	w->nruns = 0;
	w->nev = 0;
	return r;
}

int
logstore_writer_close(struct logstore_writer *w)
{
	int r;

	if (w == NULL)
		return 0;
	r = logstore_flush(w);
	if (w->sfd != -1)
		close(w->sfd);
	close(w->ifd);
	close(w->gfd);
	sbuf_free(&w->buf);
	sbuf_free(&w->names);
	sbuf_free(&w->idx);
	sbuf_free(&w->path);
	free(w->runs);
	free(w->gpath);
	free(w);
	return r;
}

int
logstore_put(struct logstore *ls, const char *group, const char *stream,
    const struct logstore_event *ev, size_t n, int64_t ingestion)
{
	struct logstore_writer *w;
	size_t i;

	if ((w = logstore_writer_open(ls, group, 0)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		logstore_add(w, stream, &ev[i], ingestion);
	return logstore_writer_close(w);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long
logstore_damaged(const struct logstore *ls)
{
	return ls->damaged;
}

int
logstore_groups(struct logstore *ls, char ***names, size_t *n)
{
	struct dirent *de;
	char **v = NULL, *name;
	size_t nv = 0;
	int64_t ctime;
	long days;
	DIR *d;
	int fd, gfd;

	if ((fd = dup(ls->fd)) == -1 || (d = fdopendir(fd)) == NULL) {
		warn("%s", ls->dir);
		return -1;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((gfd = openat(ls->fd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			continue;
		if (group_meta(gfd, &ctime, &days, &name) == 0) {
			v = xreallocarray(v, nv + 1, sizeof(*v));
			v[nv++] = name;
		} else {
			warnx("%s/%s: not a log group (bad %s)", ls->dir,
			    de->d_name, GROUP_META);
			ls->damaged++;
		}
		close(gfd);
	}
	closedir(d);
	if (nv > 0)
		qsort(v, nv, sizeof(*v), cmp_names);
	*names = v;
	*n = nv;
	return 0;
}

void
logstore_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int
cmp_streams(const void *a, const void *b)
{
	return strcmp(((const struct logstore_stream *)a)->name,
	    ((const struct logstore_stream *)b)->name);
}

/* A quoted string at *P (advancing it), decoded into an owned *OUT. */
static int
str_at(const char **p, const char *end, char **out)
{
	struct sbuf b = SBUF_INIT;
	const char *q;

	if ((q = unquote(*p, (size_t)(end - *p), &b)) == NULL) {
		sbuf_free(&b);
		return -1;
	}
	if (b.buf == NULL)
		sbuf_adds(&b, "");
	*out = sbuf_detach(&b, NULL);
	*p = q;
	return 0;
}

/* Parse an index line into S (name owned).  Returns 0 or -1. */
static int
index_line(const char *p, size_t n, struct logstore_stream *s)
{
	const char *end = p + n;
	int64_t v;

	memset(s, 0, sizeof(*s));
	if (lit(&p, end, "{\"logStreamName\":") != 0 ||
	    str_at(&p, end, &s->name) != 0)
		return -1;
	if (lit(&p, end, ",\"creationTime\":") != 0 ||
	    int_at(&p, end, &s->creation) != 0)
		goto bad;
	if (lit(&p, end, ",\"firstEventTimestamp\":") == 0 &&
	    (int_at(&p, end, &s->first) != 0 ||
	    lit(&p, end, ",\"lastEventTimestamp\":") != 0 ||
	    int_at(&p, end, &s->last) != 0 ||
	    lit(&p, end, ",\"lastIngestionTime\":") != 0 ||
	    int_at(&p, end, &s->last_ingestion) != 0))
		goto bad;
	if (lit(&p, end, ",\"storedBytes\":") != 0 ||
	    int_at(&p, end, &v) != 0)
		goto bad;
	s->size = (off_t)v;
	if (lit(&p, end, ",\"eventCount\":") != 0 || int_at(&p, end, &v) != 0)
		goto bad;
	s->count = (long)v;
	if (lit(&p, end, ",\"segment\":") != 0 || int_at(&p, end, &v) != 0 ||
	    lit(&p, end, "}") != 0 || p != end)
		goto bad;
	s->segment = (unsigned)v;
	return 0;
bad:
	free(s->name);
	s->name = NULL;
	return -1;
}

/* Fold the index line T into S (same stream). */
static void
merge_stream(struct logstore_stream *s, const struct logstore_stream *t)
{
	if (t->creation < s->creation)
		s->creation = t->creation;
	if (t->count > 0) {
		if (s->count == 0 || t->first < s->first)
			s->first = t->first;
		if (s->count == 0 || t->last > s->last)
			s->last = t->last;
		if (t->last_ingestion > s->last_ingestion)
			s->last_ingestion = t->last_ingestion;
	}
	if (t->segment < s->segment)
		s->segment = t->segment;
	s->size += t->size;
	s->count += t->count;
}

/* Open GROUP's directory for reading; messages as logstore_streams. */
static int
group_dir(struct logstore *ls, const char *group)
{
	char *gpath;
	int gfd;

	if ((gfd = group_fd(ls, group, 0, 0)) == -1) {
		if (errno == ENOENT)
			warnx("%s: log group '%s' does not exist", ls->dir,
			    group);
		return -1;
	}
	if (old_layout(gfd)) {
		gpath = logstore_group_path(ls, group);
		old_layout_error(gpath);
		free(gpath);
		close(gfd);
		errno = EINVAL;
		return -1;
	}
	return gfd;
}

int
logstore_streams(struct logstore *ls, const char *group,
    struct logstore_stream **out, size_t *n)
{
	struct logstore_stream *v = NULL;
	struct logstore_reader r;
	const char *ln;
	char *ipath;
	size_t nv = 0, cap = 0, i, k, len;
	off_t off;
	long lineno = 0;
	int gfd, got;

	if ((gfd = group_dir(ls, group)) == -1)
		return -1;
	ipath = logstore_index_path(ls, group);
	*out = NULL;
	*n = 0;
	if (faccessat(gfd, INDEX, F_OK, 0) != 0) {
		close(gfd);
		free(ipath);
		return 0;
	}
	close(gfd);
	if (logstore_reader_open(&r, ipath, -1, 0) != 0) {
		free(ipath);
		return -1;
	}
	while ((got = logstore_read(&r, &off, &ln, &len)) == 1) {
		lineno++;
		if (nv == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		if (index_line(ln, len, &v[nv]) != 0) {
			warnx("%s:%ld: damaged index line ignored", ipath,
			    lineno);
			ls->damaged++;
			continue;
		}
		nv++;
	}
	logstore_reader_close(&r);
	free(ipath);
	if (got < 0) {
		logstore_free_streams(v, nv);
		return -1;
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_streams);
	/* One entry per stream: the lines of a name folded into its first. */
	for (i = 0, k = 0; i < nv; i++) {
		if (k > 0 && strcmp(v[k - 1].name, v[i].name) == 0) {
			merge_stream(&v[k - 1], &v[i]);
			free(v[i].name);
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*n = k;
	return 0;
}

void
logstore_free_streams(struct logstore_stream *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

int
logstore_parse(const char *p, size_t n, struct logstore_record *r)
{
	const char *end = p + n, *q;

	if (lit(&p, end, "{\"logStreamName\":") != 0 || p >= end ||
	    *p != '"')
		return -1;
	r->stream = p;
	if ((p = jsonraw_skip(p, end)) == NULL || p[-1] != '"')
		return -1;
	r->streamlen = (size_t)(p - r->stream);
	if (lit(&p, end, ",\"timestamp\":") != 0 ||
	    int_at(&p, end, &r->timestamp) != 0 ||
	    lit(&p, end, ",\"ingestionTime\":") != 0 ||
	    int_at(&p, end, &r->ingestion) != 0 ||
	    lit(&p, end, ",\"message\":\"") != 0)
		return -1;
	if (end - p < 2 || end[-1] != '}' || end[-2] != '"')
		return -1;
	/* The closing quote must not be escaped. */
	for (q = end - 3; q >= p && *q == '\\'; q--)
		;
	if (((end - 3) - q) % 2 != 0)
		return -1;
	r->msg = p - 1;
	r->msglen = (size_t)(end - 1 - r->msg);
	return 0;
}

void
logstore_unquote(const char *lit, size_t n, struct sbuf *b)
{
	if (unquote(lit, n, b) == NULL)
		sbuf_add(b, lit, n);
	if (b->buf == NULL)
		sbuf_adds(b, "");
}

void
logstore_message(const struct logstore_record *r, struct sbuf *b)
{
	logstore_unquote(r->msg, r->msglen, b);
}

/* Write U as exactly N decimal digits (zero-padded, cut on the left). */
static void
digits(char *out, uint64_t u, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + u % 10);
		u /= 10;
	}
}

void
logstore_event_id(char out[LOGSTORE_EVENTID_BUFSZ], int64_t ts,
    unsigned segment, off_t offset)
{
	digits(out, ts < 0 ? 0 : (uint64_t)ts, 16);
	digits(out + 16, segment, 20);
	digits(out + 36, offset < 0 ? 0 : (uint64_t)offset, 20);
	out[56] = '\0';
}

char *
logstore_segment_path(struct logstore *ls, const char *group, unsigned n)
{
	return group_file(ls, group, SEG_FMT, n);
}

char *
logstore_index_path(struct logstore *ls, const char *group)
{
	return group_file(ls, group, INDEX "%.0u", 0);
}

int
logstore_segment_name(const char *name, unsigned *n)
{
	unsigned v;
	int end = 0;

	if (sscanf(name, "seg-%8u.ndjson%n", &v, &end) != 1 ||
	    name[end] != '\0' || end != 18)
		return 0;
	*n = v;
	return 1;
}

int
logstore_check_group(struct logstore *ls, const char *group)
{
	int gfd;

	if ((gfd = group_dir(ls, group)) == -1)
		return errno == ENOENT ? 1 : -1;
	close(gfd);
	return 0;
}

int
logstore_reader_open(struct logstore_reader *r, const char *path,
    int lockfd, off_t from)
{
	memset(r, 0, sizeof(*r));
	if ((r->fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		warn("%s", path);
		return -1;
	}
	r->path = path;
	r->lockfd = lockfd;
	r->off = from;
	logstore_reader_refresh(r);
	return 0;
}

off_t
logstore_reader_refresh(struct logstore_reader *r)
{
	struct stat st;
	int lfd = r->lockfd != -1 ? r->lockfd : r->fd;

	/* Writers hold LOCK_EX on the index while a batch is partly in. */
	while (flock(lfd, LOCK_SH) != 0 && errno == EINTR)
		;
	if (fstat(r->fd, &st) == 0)
		r->end = st.st_size;
	flock(lfd, LOCK_UN);
	return r->end;
}

int
logstore_read(struct logstore_reader *r, off_t *off, const char **line,
    size_t *len)
{
	char *nl;
	size_t want;
	ssize_t n;

	for (;;) {
		if (r->pos < r->buf.len &&
		    (nl = memchr(r->buf.buf + r->pos, '\n',
		    r->buf.len - r->pos)) != NULL) {
			*line = r->buf.buf + r->pos;
			*len = (size_t)(nl - *line);
			*off = r->off - (off_t)(r->buf.len - r->pos);
			r->pos = (size_t)(nl - r->buf.buf) + 1;
			return 1;
		}
		/* Keep the unfinished line, read more. */
		if (r->pos > 0) {
			memmove(r->buf.buf, r->buf.buf + r->pos,
			    r->buf.len - r->pos);
			r->buf.len -= r->pos;
			r->pos = 0;
		}
		if (r->off >= r->end) {
			r->partial = r->buf.len;
			return 0;
		}
		want = LOGSTORE_READ_CHUNK;
		if ((off_t)want > r->end - r->off)
			want = (size_t)(r->end - r->off);
		sbuf_grow(&r->buf, want);
		n = pread(r->fd, r->buf.buf + r->buf.len, want, r->off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			warn("%s", r->path);
			return -1;
		}
		if (n == 0) {
			r->end = r->off;
			continue;
		}
		r->buf.len += (size_t)n;
		r->off += n;
	}
}

void
logstore_reader_close(struct logstore_reader *r)
{
	if (r->fd != -1)
		close(r->fd);
	sbuf_free(&r->buf);
	r->fd = -1;
}
