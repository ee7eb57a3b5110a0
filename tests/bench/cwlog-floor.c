/*
 * cwlog-floor: the least any writer of the log store's format does, with
 * the toolkit's own quoting: read the input in big blocks, split it into
 * lines, check each is UTF-8, write it as a store record (fixed
 * timestamps, the message JSON-quoted) into a 1 MiB buffer, write that
 * out with O_APPEND.  No names, no locking, no limits, no clock.  Built
 * by tests/bench/cwlog.sh to show how near cwlog-write is to the format's
 * own cost; not part of the toolkit.
 *
 *	cwlog-floor INPUT OUTPUT
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "jsonraw.h"
#include "sbuf.h"

static const char head[] = "{\"logStreamName\":\"s\",\"timestamp\":1704110400000,"
    "\"ingestionTime\":1704110400000,\"message\":";

static void
flush(int fd, struct sbuf *b)
{
	if (b->len > 0 && write(fd, b->buf, b->len) != (ssize_t)b->len) {
		perror("write");
		_exit(2);
	}
	b->len = 0;
}

int
main(int argc, char *argv[])
{
	static char buf[1 << 17];
	struct sbuf b = SBUF_INIT;
	char *p, *end, *nl;
	size_t have = 0, bad;
	ssize_t n;
	int in, out;

	if (argc != 3 || (in = open(argv[1], O_RDONLY)) == -1 ||
	    (out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1)
		return 2;
	while ((n = read(in, buf + have, sizeof(buf) - have)) > 0) {
		have += (size_t)n;
		for (p = buf, end = buf + have;
		    (nl = memchr(p, '\n', (size_t)(end - p))) != NULL;
		    p = nl + 1) {
			if (!utf8_valid(p, (size_t)(nl - p), &bad))
				return 4;
			sbuf_add(&b, head, sizeof(head) - 1);
			jsonraw_quote(&b, p, (size_t)(nl - p));
			sbuf_add(&b, "}\n", 2);
			if (b.len >= 1 << 20)
				flush(out, &b);
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
	}
	flush(out, &b);
	sbuf_free(&b);
	return n < 0 ? 2 : 0;
}
