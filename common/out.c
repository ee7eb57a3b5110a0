/* out.c: buffered record output with checked writes; see out.h. */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "out.h"
#include "xalloc.h"

static struct out std_out;

/* A failed write: die the way the reader of a closed pipe expects. */
static void
fail(struct out *o)
{
	int e = errno;

	if (e == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (o->name != NULL)
		errx(EXIT_USAGE, "%s: write error: %s", o->name, strerror(e));
	errx(EXIT_USAGE, "write error: %s", strerror(e));
}

struct out *
out_stdout(int unbuffered)
{
	std_out.fp = stdout;
	std_out.name = NULL;
	std_out.unbuffered = unbuffered;
	return &std_out;
}

struct out *
out_open(const char *path, int unbuffered)
{
	struct out *o;
	FILE *fp;

	if (strcmp(path, "-") == 0)
		return out_stdout(unbuffered);
	if ((fp = fopen(path, "w")) == NULL)
		err(EXIT_USAGE, "%s", path);
	o = xcalloc(1, sizeof(*o));
	o->fp = fp;
	o->name = xstrdup(path);
	o->unbuffered = unbuffered;
	return o;
}

static void
end_record(struct out *o)
{
	if (putc('\n', o->fp) == EOF)
		fail(o);
	if (o->unbuffered && fflush(o->fp) == EOF)
		fail(o);
}

void
out_line(struct out *o, const char *buf, size_t len)
{
	if (len > 0 && fwrite(buf, 1, len, o->fp) != len)
		fail(o);
	end_record(o);
}

void
out_jv(struct out *o, jv v)
{
	jv_dumpf(v, o->fp, 0);
	if (ferror(o->fp))
		fail(o);
	end_record(o);
}

void
out_flush(struct out *o)
{
	if (fflush(o->fp) == EOF || ferror(o->fp))
		fail(o);
}

void
out_close(struct out *o)
{
	if (o == NULL)
		return;
	errno = 0;
	if (fflush(o->fp) == EOF || ferror(o->fp)) {
		if (errno == 0)
			errno = EIO;
		fail(o);
	}
	if (fclose(o->fp) == EOF)
		fail(o);
	if (o == &std_out) {
		o->fp = NULL;
		return;
	}
	free(o->name);
	free(o);
}

int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
