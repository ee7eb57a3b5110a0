/*
 * lambda-invoke-runtime: the trivial handler of the benchmark ("cat") as
 * a custom runtime, the way a compiled runtime (Go, Rust, C++) talks to
 * the Lambda Runtime API: one keep-alive HTTP/1.1 connection, GET
 * /invocation/next, POST the event back as the response.  Built by
 * tests/bench/lambda-invoke.sh; not part of the toolkit.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[1 << 20];
static size_t have;

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			die("write");
		p += w;
		n -= (size_t)w;
	}
}

/* Read one response: headers into buf, body pointer and length out. */
static void
read_response(int fd, char **body, size_t *blen, char *id, size_t idsz)
{
	char *end, *h;
	size_t need, clen = 0;
	ssize_t r;

	for (;;) {
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) != NULL)
			break;
		if ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			exit(0);	/* the server went away: we are done */
		have += (size_t)r;
	}
	*end = '\0';
	for (h = strstr(buf, "\r\n"); h != NULL; h = strstr(h + 2, "\r\n")) {
		if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
			clen = strtoul(h + 17, NULL, 10);
		if (id != NULL && strncasecmp(h + 2,
		    "Lambda-Runtime-Aws-Request-Id:", 30) == 0)
			sscanf(h + 32, " %63[^\r ]", id);
	}
	(void)idsz;
	need = (size_t)(end + 4 - buf) + clen;
	while (have < need) {
		if ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) <= 0)
			exit(0);
		have += (size_t)r;
	}
	*body = end + 4;
	*blen = clen;
}

int
main(void)
{
	const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
	char host[64], hostport[64], id[64], head[512 + (1 << 16)], *body;
	char *colon, *path;
	const char *prefix = "";
	struct sockaddr_in sin;
	size_t blen, used, n;
	int fd, one = 1;

	if (api == NULL || strlen(api) >= sizeof(host))
		return 1;
	/* HOST:PORT, then the path every request starts with (a token). */
	strcpy(hostport, api);
	if ((path = strchr(hostport, '/')) != NULL) {
		prefix = api + (path - hostport);
		*path = '\0';
	}
	strcpy(host, hostport);
	if ((colon = strchr(host, ':')) == NULL)
		return 1;
	*colon = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(colon + 1));
	inet_pton(AF_INET, host, &sin.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		snprintf(head, sizeof(head), "GET %s/2018-06-01/runtime/"
		    "invocation/next HTTP/1.1\r\nHost: %s\r\n\r\n", prefix,
		    hostport);
		send_all(fd, head, strlen(head));
		id[0] = '\0';
		read_response(fd, &body, &blen, id, sizeof(id));
		if (blen > (1 << 16))
			return 1;
		/* The whole response in one write: one segment, one wakeup. */
		n = (size_t)snprintf(head, 512, "POST %s/2018-06-01/runtime/"
		    "invocation/%s/response HTTP/1.1\r\nHost: %s\r\n"
		    "Content-Length: %zu\r\n\r\n", prefix, id, hostport,
		    blen);
		memcpy(head + n, body, blen);
		used = (size_t)(body - buf) + blen;
		memmove(buf, buf + used, have - used);
		have -= used;
		send_all(fd, head, n + blen);
		read_response(fd, &body, &blen, NULL, 0);
		used = (size_t)(body - buf) + blen;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
}
