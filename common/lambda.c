/* lambda.c: the handler contract, destination records and their events; see lambda.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jv.h>

#include "awsid.h"
#include "clock.h"
#include "entry.h"
#include "jsonraw.h"
#include "lambda.h"
#include "ndjson.h"
#include "rfc3339.h"
#include "xalloc.h"

/* The first N hex digits of a UUID (its dashes left out) into OUT. */
static void
undash(const char *id, char *out, size_t n)
{
	size_t i, j;

	for (i = j = 0; id[i] != '\0' && j < n; i++)
		if (id[i] != '-')
			out[j++] = id[i];
	out[j] = '\0';
}

int
lambda_vcpus(int memory_mb)
{
	return (memory_mb + 1768) / 1769;
}

void
lambda_trace_id(char *buf, size_t size, const char *id, int64_t ms)
{
	char hex[25];

	undash(id, hex, 24);
	snprintf(buf, size, "Root=1-%08llx-%s;Sampled=0",
	    (unsigned long long)(ms / 1000), hex);
}

void
lambda_reply_init(struct lambda_reply *r)
{
	memset(r, 0, sizeof(*r));
}

void
lambda_reply_free(struct lambda_reply *r)
{
	free(r->error_type);
	sbuf_free(&r->payload);
	lambda_reply_init(r);
}

/* Make R the error {"errorType":TYPE,"errorMessage":MSG}. */
static void
set_error(struct lambda_reply *r, const char *type, const char *msg)
{
	free(r->error_type);
	r->error = 1;
	r->error_type = xstrdup(type);
	sbuf_reset(&r->payload);
	sbuf_adds(&r->payload, "{\"errorType\":");
	jsonraw_quote(&r->payload, type, strlen(type));
	sbuf_adds(&r->payload, ",\"errorMessage\":");
	jsonraw_quote(&r->payload, msg, strlen(msg));
	sbuf_addc(&r->payload, '}');
}

void
lambda_error(struct lambda_reply *r, const char *type, const char *id,
    const char *msg)
{
	char *m = xasprintf("RequestId: %s Error: %s", id, msg);

	set_error(r, type, m);
	free(m);
}

/* The string member K of object V (borrowed), or NULL. */
static const char *
str_member(jv v, const char *k, jv *hold)
{
	*hold = jv_object_get(jv_copy(v), jv_string(k));
	if (jv_get_kind(*hold) != JV_KIND_STRING)
		return NULL;
	return jv_string_value(*hold);
}

void
lambda_judge(const struct proc_result *pr, const char *id,
    const char *command, int64_t timeout_ms, size_t maxresp,
    struct lambda_reply *r)
{
	const char *p = pr->out.buf, *type;
	char how[128], *m;
	jv v = jv_invalid(), t1 = jv_invalid(), t2 = jv_invalid();

	free(r->error_type);
	r->error_type = NULL;
	r->error = 0;
	sbuf_reset(&r->payload);
	proc_end_text(pr, how, sizeof(how));
	switch (pr->end) {
	case PROC_NOSTART:
		m = xasprintf("fork/exec %s: %s", command, how);
		lambda_error(r, "Runtime.InvalidEntrypoint", id, m);
		free(m);
		return;
	case PROC_TIMEDOUT:
		m = xasprintf("Task timed out after %.2f seconds",
		    (double)timeout_ms / 1000);
		lambda_error(r, "Sandbox.Timedout", id, m);
		free(m);
		return;
	default:
		break;
	}
	if (maxresp != 0 && pr->outlen > maxresp) {
		lambda_response(r, p, pr->out.len, pr->outlen, maxresp);
		return;
	}
	if (p != NULL && jsonraw_ws(p, p + pr->out.len) != p + pr->out.len)
		v = ndjson_parse(p, pr->out.len);
	if (jv_get_kind(v) == JV_KIND_OBJECT &&
	    ((type = str_member(v, "errorType", &t1)) != NULL ||
	    str_member(v, "errorMessage", &t2) != NULL)) {
		r->error = 1;
		r->error_type = type != NULL ? xstrdup(type) : NULL;
		jsonraw_minify(&r->payload, p, pr->out.len);
	} else if (pr->end != PROC_EXITED || pr->code != 0) {
		m = xasprintf("Runtime exited with error: %s", how);
		lambda_error(r, "Runtime.ExitError", id, m);
		free(m);
	} else
		lambda_response(r, p, pr->out.len, pr->outlen, maxresp);
	jv_free(t1);
	jv_free(t2);
	jv_free(v);
}

void
lambda_response(struct lambda_reply *r, const char *p, size_t len,
    size_t total, size_t maxresp)
{
	size_t bad;
	char *m;
	jv v;

	free(r->error_type);
	r->error_type = NULL;
	r->error = 0;
	sbuf_reset(&r->payload);
	if (maxresp != 0 && total > maxresp) {
		m = xasprintf("Response payload size (%zu bytes) exceeded "
		    "maximum allowed payload size (%d bytes).", total,
		    LAMBDA_RESPONSE_LIMIT);
		set_error(r, "Function.ResponseSizeTooLarge", m);
		free(m);
		return;
	}
	if (p == NULL || jsonraw_ws(p, p + len) == p + len) {
		sbuf_adds(&r->payload, "null");
		return;
	}
	/* The parser's own words would quote the function's output. */
	v = ndjson_parse(p, len);
	if (!jv_is_valid(v))
		set_error(r, "Runtime.MarshalError", LAMBDA_MARSHAL_JSON);
	else if (!utf8_valid(p, len, &bad))
		set_error(r, "Runtime.MarshalError", LAMBDA_MARSHAL_UTF8);
	else
		jsonraw_minify(&r->payload, p, len);
	jv_free(v);
}

void
lambda_posted_error(struct lambda_reply *r, const char *p, size_t len,
    const char *type)
{
	const char *t;
	jv v = jv_invalid(), hold = jv_invalid();

	if (type == NULL || *type == '\0')
		type = "Runtime.Unknown";
	if (p != NULL && len > 0)
		v = ndjson_parse(p, len);
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		set_error(r, type, "Unknown application error occurred");
		goto out;
	}
	t = str_member(v, "errorType", &hold);
	free(r->error_type);
	r->error = 1;
	r->error_type = xstrdup(t != NULL ? t : type);
	sbuf_reset(&r->payload);
	jsonraw_minify(&r->payload, p, len);
out:
	jv_free(hold);
	jv_free(v);
}

void
lambda_record(struct sbuf *b, const struct lambda_record *rec)
{
	char ts[RFC3339_BUFSZ];

	rfc3339_fmt_ms(rec->time_ms, ts);
	sbuf_addf(b, "{\"version\":\"1.0\",\"timestamp\":\"%s\","
	    "\"requestContext\":{\"requestId\":", ts);
	jsonraw_quote(b, rec->request_id, strlen(rec->request_id));
	sbuf_adds(b, ",\"functionArn\":");
	jsonraw_quote(b, rec->function_arn, strlen(rec->function_arn));
	sbuf_addf(b, ",\"condition\":\"%s\",\"approximateInvokeCount\":%d},"
	    "\"requestPayload\":", rec->condition, rec->invoke_count);
	jsonraw_minify(b, rec->request, rec->reqlen);
	sbuf_adds(b, ",\"responseContext\":{\"statusCode\":200,"
	    "\"executedVersion\":\"" LAMBDA_VERSION "\"");
	if (rec->reply->error)
		sbuf_adds(b, ",\"functionError\":\"Unhandled\"");
	sbuf_adds(b, "},\"responsePayload\":");
	if (rec->reply->payload.len > 0)
		sbuf_add(b, rec->reply->payload.buf, rec->reply->payload.len);
	else
		sbuf_adds(b, "null");
	sbuf_addc(b, '}');
}

void
lambda_record_event(struct sbuf *out, const char *id, int64_t time_ms,
    const char *bus_arn, const char *function_arn, int success,
    const char *record, size_t len)
{
	struct sbuf e = SBUF_INIT;
	struct entry_err err;
	const char *bad;
	jv entry;

	/* The PutEvents entry Lambda makes, turned into an event as ebus-put would. */
	sbuf_addf(&e, "{\"Source\":\"lambda\",\"DetailType\":\"%s\","
	    "\"Resources\":[", success ? LAMBDA_DETAIL_SUCCESS :
	    LAMBDA_DETAIL_FAILURE);
	jsonraw_quote(&e, bus_arn, strlen(bus_arn));
	sbuf_addc(&e, ',');
	jsonraw_quote(&e, function_arn, strlen(function_arn));
	sbuf_adds(&e, "],\"Detail\":");
	sbuf_add(&e, record, len);
	sbuf_addc(&e, '}');
	entry = jv_parse_sized(e.buf, (int)e.len);
	entry_event(entry, e.buf, e.len, id, time_ms, jv_invalid(), out, &err,
	    &bad);
	jv_free(entry);
	sbuf_free(&e);
}

void
lambda_invoke_result(struct sbuf *b, const struct lambda_reply *r,
    const char *id, int64_t date_ms)
{
	char date[64], trace[80], hex[25];
	struct tm tm;
	time_t t = (time_t)(date_ms / 1000);
	size_t n = r->payload.len > 0 ? r->payload.len : 4;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	undash(id, hex, 24);
	snprintf(trace, sizeof(trace), "root=1-%08llx-%s;sampled=0",
	    (unsigned long long)t, hex);
	sbuf_adds(b, "{\"ExecutedVersion\":\"" LAMBDA_VERSION "\",\"Payload\":");
	if (r->payload.len > 0)
		sbuf_add(b, r->payload.buf, r->payload.len);
	else
		sbuf_adds(b, "null");
	sbuf_addf(b, ",\"SdkHttpMetadata\":{\"AllHttpHeaders\":{"
	    "\"X-Amz-Executed-Version\":[\"" LAMBDA_VERSION "\"],"
	    "\"x-amzn-Remapped-Content-Length\":[\"0\"],"
	    "\"Connection\":[\"keep-alive\"],"
	    "\"x-amzn-RequestId\":[\"%s\"],"
	    "\"Content-Length\":[\"%zu\"],"
	    "\"Date\":[\"%s\"],"
	    "\"X-Amzn-Trace-Id\":[\"%s\"],"
	    "\"Content-Type\":[\"application/json\"]},"
	    "\"HttpHeaders\":{\"Connection\":\"keep-alive\","
	    "\"Content-Length\":\"%zu\","
	    "\"Content-Type\":\"application/json\","
	    "\"Date\":\"%s\","
	    "\"X-Amz-Executed-Version\":\"" LAMBDA_VERSION "\","
	    "\"x-amzn-Remapped-Content-Length\":\"0\","
	    "\"x-amzn-RequestId\":\"%s\","
	    "\"X-Amzn-Trace-Id\":\"%s\"},"
	    "\"HttpStatusCode\":200},"
	    "\"SdkResponseMetadata\":{\"RequestId\":\"%s\"},"
	    "\"StatusCode\":200}", id, n, date, trace, n, date, id, trace, id);
}

char **
lambda_env(const struct lambda_fn *fn, const char *id, int64_t deadline_ms,
    const char *trace, char *const *more)
{
	size_t n = 0, m = 0;
	char **env;

	if (more != NULL)
		while (more[m] != NULL)
			m++;
	env = xreallocarray(NULL, 16 + m, sizeof(*env));
	env[n++] = xasprintf("AWS_LAMBDA_FUNCTION_NAME=%s", fn->name);
	env[n++] = xstrdup("AWS_LAMBDA_FUNCTION_VERSION=" LAMBDA_VERSION);
	env[n++] = xasprintf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d",
	    fn->memory_mb);
	env[n++] = xasprintf("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s",
	    fn->name);
	if (fn->log_stream != NULL)
		env[n++] = xasprintf("AWS_LAMBDA_LOG_STREAM_NAME=%s",
		    fn->log_stream);
	env[n++] = xasprintf("AWS_REGION=%s", awsid_region());
	env[n++] = xasprintf("AWS_DEFAULT_REGION=%s", awsid_region());
	env[n++] = xstrdup("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand");
	env[n++] = xstrdup("TZ=:UTC");
	if (id != NULL) {
		env[n++] = xasprintf("LAMBDA_RUNTIME_AWS_REQUEST_ID=%s", id);
		env[n++] = xasprintf("LAMBDA_RUNTIME_DEADLINE_MS=%lld",
		    (long long)deadline_ms);
		env[n++] = xasprintf("LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN=%s",
		    fn->arn);
	}
	if (trace != NULL)
		env[n++] = xasprintf("_X_AMZN_TRACE_ID=%s", trace);
	while (m-- > 0)
		env[n++] = xstrdup(*more++);
	env[n] = NULL;
	return env;
}

void
lambda_env_free(char **env)
{
	char **p;

	if (env == NULL)
		return;
	for (p = env; *p != NULL; p++)
		free(*p);
	free(env);
}

void
lambda_log_stream(char *buf, size_t size, int64_t now_ms)
{
	char ts[RFC3339_BUFSZ], id[UUID_BUFSZ], hex[33];

	rfc3339_fmt_s(now_ms, ts);
	ids_uuid(id, "log-stream", 10);
	undash(id, hex, 32);
	snprintf(buf, size, "%.4s/%.2s/%.2s/[" LAMBDA_VERSION "]%s", ts,
	    ts + 5, ts + 8, hex);
}
