/*
 * rapi.c: fuzz the Runtime API's request handling (common/rapi.c)
 * without sockets: the harness includes rapi.c and stands in for
 * libmicrohttpd, calling the access handler the way the library does
 * (once for the headers, once per chunk of body, once at the end, again
 * when a suspended long poll is resumed) and the completion callback.
 *
 * One environment serves the requests of the input, records separated
 * by a line "%%":
 *	METHOD URL		a request: the line below is its
 *	ERROR-TYPE		Lambda-Runtime-Function-Error-Type header
 *	BODY...			(empty: none) and the rest its body
 *	!			rapi_start gives the environment an
 *				invocation (the oldest done one is passed
 *				on first when the queue is full)
 *	~			the runtime is gone (a new generation,
 *				whose token is TOKEN_B)
 *
 * The environment's token (the first segment of every path) is TOKEN_A
 * at first; the seeds carry it, as the fuzzer cannot guess it (the
 * comparison leaves no trace to follow).
 */
#include "../../common/rapi.c"

#include "fuzz.h"

struct MHD_Connection {
	int		 suspended;
	int		 resumed;
	int		 queued;	/* a response was queued */
	const char	*type;		/* the error type header, or NULL */
	const char	*url, *method;	/* of the request */
	void		*ctx;
	struct MHD_Connection *next;
};

struct MHD_Response {
	char		*body;
};

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer,
    enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r;

	r = xcalloc(1, sizeof(*r));
	r->body = xmalloc(size + 1);
	if (size > 0)
		memcpy(r->body, buffer, size);	/* reads it all, as MHD */
	return r;
}

void
MHD_destroy_response(struct MHD_Response *r)
{
	free(r->body);
	free(r);
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *header,
    const char *content)
{
	if (header == NULL || content == NULL)
		return MHD_NO;
	return strlen(header) + strlen(content) > 0 ? MHD_YES : MHD_NO;
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r)
{
	if (c->queued || c->suspended)
		abort();	/* MHD refuses: a handler bug */
	c->queued = (int)status;
	return MHD_YES;
}

const char *
MHD_lookup_connection_value(struct MHD_Connection *c, enum MHD_ValueKind k,
    const char *key)
{
	return strcasecmp(key, "Lambda-Runtime-Function-Error-Type") == 0 ?
	    c->type : NULL;
}

void
MHD_suspend_connection(struct MHD_Connection *c)
{
	c->suspended = 1;
	c->resumed = 0;
}

void
MHD_resume_connection(struct MHD_Connection *c)
{
	if (!c->suspended)
		abort();
	c->resumed = 1;
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
    enum MHD_ConnectionInfoType t, ...)
{
	return NULL;
}

/* The daemon side is never started by the harness. */
struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port,
    MHD_AcceptPolicyCallback apc, void *apc_cls, MHD_AccessHandlerCallback dh,
    void *dh_cls, ...)
{
	abort();
}

void
MHD_stop_daemon(struct MHD_Daemon *d)
{
	abort();
}

const union MHD_DaemonInfo *
MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType t, ...)
{
	abort();
}

enum MHD_Result
MHD_get_timeout(struct MHD_Daemon *d, MHD_UNSIGNED_LONG_LONG *timeout)
{
	abort();
}

enum MHD_Result
MHD_run(struct MHD_Daemon *d)
{
	abort();
}

#define TOKEN_A	"0123456789abcdef0123456789abcdef"
#define TOKEN_B	"fedcba9876543210fedcba9876543210"

static const char *const ids[] = {
	"8476a536-e9f4-11e8-9739-2dfe598c3fcd", "r1", "r2", "r3", "", "r5"
};

/* A request ended: the completion callback, as MHD makes it. */
static void
finish(struct env *e, struct MHD_Connection *c, int ok)
{
	rapi_done(e, c, &c->ctx, ok ? MHD_REQUEST_TERMINATED_COMPLETED_OK :
	    MHD_REQUEST_TERMINATED_WITH_ERROR);
	if (c->ctx != NULL)
		abort();
	free(c);
}

/* After a handler call: a connection is done, or suspended. */
static void
settle(struct env *e, struct MHD_Connection *c, enum MHD_Result r,
    struct MHD_Connection **waiting)
{
	if (r == MHD_NO) {
		c->suspended = 0;
		finish(e, c, 0);
	} else if (c->suspended && !c->resumed) {
		c->next = *waiting;
		*waiting = c;
	} else if (c->queued)
		finish(e, c, 1);
	else
		abort();	/* neither answered nor suspended */
}

/* Let resumed long polls go on, as the next MHD_run does. */
static void
kick(struct env *e, struct MHD_Connection **waiting)
{
	struct MHD_Connection *c, **pp, *again = NULL;
	size_t zero = 0;
	enum MHD_Result r;

	for (pp = waiting; (c = *pp) != NULL;) {
		if (!c->resumed) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		c->suspended = c->resumed = 0;
		r = rapi_handler(e, c, c->url, c->method, "HTTP/1.1", NULL,
		    &zero, &c->ctx);
		settle(e, c, r, &again);
	}
	while ((c = again) != NULL) {
		again = c->next;
		c->next = *waiting;
		*waiting = c;
	}
	e->kick = 0;
}

static void
request(struct env *e, char *rec, size_t len, struct MHD_Connection **waiting)
{
	struct MHD_Connection *c;
	enum MHD_Result r;
	static char none[1];
	char *nl, *url, *type, *body;
	size_t n, half, zero = 0;

	c = xcalloc(1, sizeof(*c));
	url = strchr(rec, ' ');
	nl = strchr(rec, '\n');
	if (url == NULL || (nl != NULL && url > nl))
		url = none;
	else
		*url++ = '\0';
	type = body = none;
	if (nl != NULL) {
		*nl = '\0';
		type = nl + 1;
		if ((nl = strchr(type, '\n')) != NULL) {
			*nl = '\0';
			body = nl + 1;
		}
	}
	c->type = *type != '\0' ? type : NULL;
	c->url = url;
	c->method = rec;
	n = body == none ? 0 : len - (size_t)(body - rec);
	r = rapi_handler(e, c, url, rec, "HTTP/1.1", NULL, &zero, &c->ctx);
	if (r == MHD_YES && n > 0) {
		/* the body in two chunks, as MHD may hand it over */
		half = n / 2;
		if (half > 0 && (r = rapi_handler(e, c, url, rec, "HTTP/1.1",
		    body, &half, &c->ctx)) == MHD_YES && half != 0)
			abort();
		n -= n / 2;
		if (r == MHD_YES && (r = rapi_handler(e, c, url, rec,
		    "HTTP/1.1", rec + len - n, &n, &c->ctx)) == MHD_YES &&
		    n != 0)
			abort();
	}
	if (r == MHD_YES)
		r = rapi_handler(e, c, url, rec, "HTTP/1.1", NULL, &zero,
		    &c->ctx);
	settle(e, c, r, waiting);
}

/* rapi_start's work, with the oldest finished invocation passed on. */
static void
invoke(struct env *e, unsigned *count)
{
	struct rapi_invocation v;

	if (e->nq == RAPI_DEPTH) {
		if (!e->q[0].done)
			return;
		lambda_reply_free(&e->q[0].reply);
		memmove(&e->q[0], &e->q[1], (size_t)(e->nq - 1) *
		    sizeof(e->q[0]));
		e->nq--;
		memset(&e->q[e->nq], 0, sizeof(e->q[0]));
		e->initerr = 0;
	}
	memset(&v, 0, sizeof(v));
	v.id = ids[*count % (sizeof(ids) / sizeof(ids[0]))];
	v.payload = "{\"k\":[1,2]}";
	v.len = strlen(v.payload);
	v.deadline_ms = 1700000000000LL + *count;
	v.trace = "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419";
	(*count)++;
	rapi_start(e->srv, 0, &v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rapi_config conf;
	struct rapi srv;
	struct env e;
	struct MHD_Connection *waiting = NULL, *c;
	char *text, *p, *end, *sep;
	unsigned count = 0;
	int i;

	memset(&conf, 0, sizeof(conf));
	conf.nenv = 1;
	conf.timeout_ms = 3000;
	conf.quiet = 1;
	conf.function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
	memset(&srv, 0, sizeof(srv));
	srv.c = &conf;
	srv.envs = &e;
	memset(&e, 0, sizeof(e));
	e.srv = &srv;
	e.logfd = -1;
	e.running = 1;
	e.first = 1;
	memcpy(e.token, TOKEN_A, sizeof(e.token));
	invoke(&e, &count);
	text = fuzz_str(data, size);
	end = text + size;
	for (p = text; p <= end; p = sep + 4) {
		if ((sep = strstr(p, "\n%%\n")) == NULL)
			sep = end;
		*sep = '\0';
		if (strcmp(p, "!") == 0)
			invoke(&e, &count);
		else if (strcmp(p, "~") == 0) {
			e.gen++;
			memcpy(e.token, e.gen % 2 ? TOKEN_B : TOKEN_A,
			    sizeof(e.token));
			rapi_resume(&e);
		} else
			request(&e, p, (size_t)(sep - p), &waiting);
		kick(&e, &waiting);
		if (sep == end)
			break;
	}
	while ((c = waiting) != NULL) {
		waiting = c->next;
		finish(&e, c, 0);
	}
	for (i = 0; i < RAPI_DEPTH; i++)
		lambda_reply_free(&e.q[i].reply);
	sbuf_free(&e.log);
	free(text);
	return 0;
}
