/*
 * esm.c: Lambda's SQS event source mapping (see esm.h).
 *
 * Messages stay in one array in the order they were read: the queue's
 * order, which FIFO keeps within a message group.  A message is ready
 * (visible), in flight (in a batch being run), hidden (failed, waiting
 * for its visibility timeout) or gone.  Batches are built at receive
 * time, since each receive changes the record (receive count, receipt
 * handle, first receive time).
 */
#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsid.h"
#include "clock.h"
#include "esm.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "sqs.h"
#include "xalloc.h"

/* A FIFO message group; mark is the scan that found it blocked. */
struct grp {
	char		*name;
	unsigned long	 mark;
};

struct msg {
	char		*id;		/* MessageId */
	char		*body;		/* Body, as a JSON string literal */
	char		*md5body;
	char		*md5attrs;	/* MD5OfMessageAttributes, or NULL */
	char		*attrs;		/* MessageAttributes as read, or NULL */
	char		*evattrs;	/* the event's messageAttributes */
	char		*sent, *sender, *dedup, *seq, *trace;
	struct grp	*grp;		/* FIFO only */
	int		 receives;
	int64_t		 first_ms;	/* first receive, -1: none yet */
	int64_t		 since;		/* visible since: window start */
	int64_t		 visible_at;	/* when hidden */
	enum { M_READY, M_FLIGHT, M_HIDDEN, M_GONE } state;
};

struct esm_batch {
	struct msg	**m;
	size_t		  n;
	struct sbuf	  ev;
};

struct esm {
	const struct esm_config *c;
	int		  fifo;
	char		 *region;
	struct msg	**q;		/* in queue order */
	size_t		  nq, cap;
	size_t		  ngone;
	struct grp	**groups;	/* open addressing */
	size_t		  ngroups, gcap;
	unsigned long	  scan;
	struct esm_counts n;
};

/* Split an SQS ARN: arn:PARTITION:sqs:REGION:ACCOUNT:NAME. */
static int
arn_split(const char *arn, const char **region, size_t *rlen,
    const char **name)
{
	const char *f[6];
	const char *p = arn;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		if ((p = strchr(p, ':')) == NULL)
			return -1;
		p++;
	}
	f[5] = p;
	if (strncmp(f[0], "arn:", 4) != 0 || strncmp(f[2], "sqs:", 4) != 0)
		return -1;
	*region = f[3];
	*rlen = (size_t)(f[4] - f[3] - 1);
	*name = f[5];
	return 0;
}

const char *
esm_queue_name(const char *arn)
{
	const char *r, *name;
	size_t rlen;

	return arn_split(arn, &r, &rlen, &name) == 0 ? name : NULL;
}

int
esm_is_fifo(const char *arn)
{
	struct sqs_queue q;

	return sqs_arn(arn, &q) && q.fifo;
}

const char *
esm_check(const struct esm_config *c, int64_t function_timeout_ms)
{
	static char msg[160];
	struct sqs_queue q;

	if (!sqs_arn(c->arn, &q))
		return "the event source must be an SQS queue's ARN "
		    "(arn:aws:sqs:REGION:ACCOUNT:NAME)";
	if (q.fifo && c->batch_size > ESM_FIFO_BATCH_MAX)
		return "Batch size for a FIFO queue must be at most 10";
	if (q.fifo && c->window_ms > 0)
		return "A FIFO queue takes no maximum batching window";
	if (c->batch_size > 10 && c->window_ms == 0)
		return "Maximum batch window in seconds must be greater than "
		    "0 if maximum batch size is greater than 10";
	if (c->visibility_ms < function_timeout_ms) {
		snprintf(msg, sizeof(msg), "Queue visibility timeout: %" PRId64
		    " seconds is less than Function timeout: %" PRId64
		    " seconds", c->visibility_ms / 1000,
		    (function_timeout_ms + 999) / 1000);
		return msg;
	}
	return NULL;
}

struct esm *
esm_new(const struct esm_config *c)
{
	struct esm *q = xcalloc(1, sizeof(*q));
	const char *r, *name;
	size_t rlen;

	q->c = c;
	if (arn_split(c->arn, &r, &rlen, &name) == -1)
		errx(EXIT_USAGE, "internal error: bad queue ARN");
	q->region = xstrndup(r, rlen);
	q->fifo = esm_is_fifo(c->arn);
	return q;
}

static void
msg_free(struct msg *m)
{
	free(m->id);
	free(m->body);
	free(m->md5body);
	free(m->md5attrs);
	free(m->attrs);
	free(m->evattrs);
	free(m->sent);
	free(m->sender);
	free(m->dedup);
	free(m->seq);
	free(m->trace);
	free(m);
}

void
esm_free(struct esm *q)
{
	size_t i;

	if (q == NULL)
		return;
	for (i = 0; i < q->nq; i++)
		msg_free(q->q[i]);
	for (i = 0; i < q->gcap; i++)
		if (q->groups[i] != NULL) {
			free(q->groups[i]->name);
			free(q->groups[i]);
		}
	free(q->groups);
	free(q->q);
	free(q->region);
	free(q);
}

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* The group named NAME, made when it is new. */
static struct grp *
group_get(struct esm *q, const char *name)
{
	size_t i, j;

	if (q->ngroups * 2 >= q->gcap) {
		struct grp **old = q->groups;
		size_t ocap = q->gcap;

		q->gcap = ocap == 0 ? 64 : ocap * 2;
		q->groups = xcalloc(q->gcap, sizeof(*q->groups));
		for (i = 0; i < ocap; i++) {
			if (old[i] == NULL)
				continue;
			for (j = hash(old[i]->name) & (q->gcap - 1);
			    q->groups[j] != NULL; j = (j + 1) & (q->gcap - 1))
				;
			q->groups[j] = old[i];
		}
		free(old);
	}
	for (j = hash(name) & (q->gcap - 1); q->groups[j] != NULL;
	    j = (j + 1) & (q->gcap - 1))
		if (strcmp(q->groups[j]->name, name) == 0)
			return q->groups[j];
	q->groups[j] = xcalloc(1, sizeof(**q->groups));
	q->groups[j]->name = xstrdup(name);
	q->ngroups++;
	return q->groups[j];
}

/*
 * Member KEY of object O as a new string: 1, 0 when absent, -1 when it
 * is not a non-empty string.
 */
static int
str_member(jv o, const char *key, char **out)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	int r = 0;

	*out = NULL;
	if (jv_get_kind(v) == JV_KIND_STRING &&
	    jv_string_length_bytes(jv_copy(v)) > 0) {
		*out = xstrdup(jv_string_value(v));
		r = 1;
	} else if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL)
		r = -1;
	jv_free(v);
	return r;
}

static void
quote(struct sbuf *b, jv s)
{
	jsonraw_quote(b, jv_string_value(s),
	    (size_t)jv_string_length_bytes(jv_copy(s)));
}

static void
quote_str(struct sbuf *b, const char *s)
{
	jsonraw_quote(b, s, strlen(s));
}

/* A list value ("StringListValues") as the event's list. */
static const char *
list_value(struct sbuf *b, jv a, const char *key)
{
	jv l = jv_object_get(jv_copy(a), jv_string(key));
	const char *why = NULL;
	int i, n;

	sbuf_addc(b, '[');
	if (jv_get_kind(l) == JV_KIND_ARRAY) {
		n = jv_array_length(jv_copy(l));
		for (i = 0; i < n && why == NULL; i++) {
			jv e = jv_array_get(jv_copy(l), i);

			if (jv_get_kind(e) != JV_KIND_STRING)
				why = "a message attribute's list holds a "
				    "non-string";
			else {
				if (i > 0)
					sbuf_addc(b, ',');
				quote(b, e);
			}
			jv_free(e);
		}
	} else if (jv_is_valid(l) && jv_get_kind(l) != JV_KIND_NULL)
		why = "a message attribute's list value is not an array";
	sbuf_addc(b, ']');
	jv_free(l);
	return why;
}

/* One message attribute A named NAME, as the event has it. */
static const char *
event_attr(struct sbuf *b, jv name, jv a)
{
	jv type, v;
	const char *why = NULL, *vkey = "stringValue";

	if (jv_get_kind(a) != JV_KIND_OBJECT)
		return "a message attribute is not an object";
	type = jv_object_get(jv_copy(a), jv_string("DataType"));
	if (jv_get_kind(type) != JV_KIND_STRING) {
		jv_free(type);
		return "a message attribute has no DataType string";
	}
	v = jv_object_get(jv_copy(a), jv_string("StringValue"));
	if (jv_get_kind(v) == JV_KIND_NULL || !jv_is_valid(v)) {
		jv_free(v);
		v = jv_object_get(jv_copy(a), jv_string("BinaryValue"));
		vkey = "binaryValue";
	}
	if (jv_get_kind(v) != JV_KIND_STRING)
		why = "a message attribute has no StringValue or BinaryValue "
		    "string";
	else {
		quote(b, name);
		sbuf_addf(b, ":{\"%s\":", vkey);
		quote(b, v);
		sbuf_adds(b, ",\"stringListValues\":");
		why = list_value(b, a, "StringListValues");
		sbuf_adds(b, ",\"binaryListValues\":");
		if (why == NULL)
			why = list_value(b, a, "BinaryListValues");
		sbuf_adds(b, ",\"dataType\":");
		quote(b, type);
		sbuf_addc(b, '}');
	}
	jv_free(type);
	jv_free(v);
	return why;
}

/*
 * ATTRS (checked) as sqs.h's array, sorted by name; *HELD keeps its
 * strings until attr_array_free.  Returns the number of attributes.
 */
static int
attr_array(jv attrs, struct sqs_attr **out, jv **held)
{
	jv keys = jv_keys(jv_copy(attrs));	/* sorted */
	int i, n = jv_array_length(jv_copy(keys));
	struct sqs_attr *a = xcalloc((size_t)n + 1, sizeof(*a));
	jv *h = xcalloc((size_t)n * 3 + 1, sizeof(*h));

	for (i = 0; i < n; i++) {
		jv o;

		h[3 * i] = jv_array_get(jv_copy(keys), i);
		o = jv_object_get(jv_copy(attrs), jv_copy(h[3 * i]));
		h[3 * i + 1] = jv_object_get(jv_copy(o), jv_string("DataType"));
		h[3 * i + 2] = jv_object_get(jv_copy(o),
		    jv_string("StringValue"));
		if (jv_get_kind(h[3 * i + 2]) != JV_KIND_STRING) {
			jv_free(h[3 * i + 2]);
			h[3 * i + 2] = jv_object_get(jv_copy(o),
			    jv_string("BinaryValue"));
			a[i].binary = 1;
		}
		jv_free(o);
		a[i].name = jv_string_value(h[3 * i]);
		a[i].type = jv_string_value(h[3 * i + 1]);
		a[i].value = jv_string_value(h[3 * i + 2]);
	}
	jv_free(keys);
	*out = a;
	*held = h;
	return n;
}

static void
attr_array_free(struct sqs_attr *a, jv *held, int n)
{
	int i;

	for (i = 0; i < 3 * n; i++)
		jv_free(held[i]);
	free(held);
	free(a);
}

/*
 * Check message M as SendMessage would have (a queue holds nothing it
 * refuses): NULL, or AWS's code and message (static storage).
 */
static const char *
send_check(const struct esm *q, const struct msg *m, jv body, jv attrs)
{
	static char why[512];
	struct sqs_queue sq = { q->c->arn, q->fifo, 1 };
	struct sqs_msg s;
	struct sqs_attr *a = NULL;
	jv *held = NULL;
	const char *code;
	char *msg;
	int n = 0;

	if (jv_get_kind(attrs) == JV_KIND_OBJECT)
		n = attr_array(attrs, &a, &held);
	memset(&s, 0, sizeof(s));
	s.id = m->id;
	s.body = jv_string_value(body);
	s.len = (size_t)jv_string_length_bytes(jv_copy(body));
	s.a = a;
	s.na = (size_t)n;
	s.group = m->grp != NULL ? m->grp->name : NULL;
	s.dedup = m->dedup;
	s.seq = m->seq;
	why[0] = '\0';
	if (sqs_check(&s, &sq, &code, &msg) == -1) {
		snprintf(why, sizeof(why), "%s: %s", code, msg);
		free(msg);
	}
	if (held != NULL)
		attr_array_free(a, held, n);
	return why[0] != '\0' ? why : NULL;
}

/* MD5OfMessageAttributes of ATTRS (checked), for a message without one. */
static char *
attrs_md5(jv attrs)
{
	struct sqs_attr *a;
	jv *held;
	int n = attr_array(attrs, &a, &held);
	char hex[33];

	sqs_md5_attrs(a, (size_t)n, hex);
	attr_array_free(a, held, n);
	return xstrdup(hex);
}

/* The MessageAttributes member: kept as read, and in the event's shape. */
static const char *
message_attrs(struct msg *m, jv attrs)
{
	struct sbuf b = SBUF_INIT;
	const char *why = NULL;
	jv keys;
	int i, n;

	if (jv_get_kind(attrs) == JV_KIND_NULL || !jv_is_valid(attrs)) {
		m->evattrs = xstrdup("{}");
		return NULL;
	}
	if (jv_get_kind(attrs) != JV_KIND_OBJECT)
		return "MessageAttributes is not an object";
	keys = jv_keys_unsorted(jv_copy(attrs));
	n = jv_array_length(jv_copy(keys));
	sbuf_addc(&b, '{');
	for (i = 0; i < n && why == NULL; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		jv v = jv_object_get(jv_copy(attrs), jv_copy(k));

		if (i > 0)
			sbuf_addc(&b, ',');
		why = event_attr(&b, k, v);
		jv_free(v);
		jv_free(k);
	}
	sbuf_addc(&b, '}');
	jv_free(keys);
	if (why != NULL) {
		sbuf_free(&b);
		return why;
	}
	m->evattrs = sbuf_detach(&b, NULL);
	if (n > 0) {
		jv s = jv_dump_string(jv_copy(attrs), 0);

		m->attrs = xstrdup(jv_string_value(s));
		jv_free(s);
		if (m->md5attrs == NULL)
			m->md5attrs = attrs_md5(attrs);
	}
	return NULL;
}

/* The Attributes member: what the stream says of the message. */
static const char *
system_attrs(struct esm *q, struct msg *m, jv a, int64_t now)
{
	char *group = NULL, *count = NULL, *first = NULL;
	const char *why = NULL;

	if (!jv_is_valid(a) || jv_get_kind(a) == JV_KIND_NULL)
		a = jv_object();
	if (jv_get_kind(a) != JV_KIND_OBJECT) {
		jv_free(a);
		return "Attributes is not an object";
	}
	if (str_member(a, "SentTimestamp", &m->sent) == -1 ||
	    str_member(a, "SenderId", &m->sender) == -1 ||
	    str_member(a, "MessageGroupId", &group) == -1 ||
	    str_member(a, "MessageDeduplicationId", &m->dedup) == -1 ||
	    str_member(a, "SequenceNumber", &m->seq) == -1 ||
	    str_member(a, "AWSTraceHeader", &m->trace) == -1 ||
	    str_member(a, "ApproximateReceiveCount", &count) == -1 ||
	    str_member(a, "ApproximateFirstReceiveTimestamp", &first) == -1)
		why = "an attribute in Attributes is not a string";
	else if (q->fifo && group == NULL)
		why = "a FIFO queue's message has no "
		    "Attributes.MessageGroupId";
	if (why == NULL && m->sent == NULL)
		m->sent = xasprintf("%" PRId64, now);
	if (why == NULL && m->sender == NULL)
		m->sender = xstrdup(awsid_account());
	/* A redriven message's count goes on, as it does in a DLQ. */
	if (count != NULL && strspn(count, "0123456789") == strlen(count) &&
	    strlen(count) < 6)
		m->receives = atoi(count);
	if (first != NULL && strspn(first, "0123456789") == strlen(first) &&
	    strlen(first) < 16)
		m->first_ms = strtoll(first, NULL, 10);
	if (why == NULL && q->fifo)
		m->grp = group_get(q, group);
	free(group);
	free(count);
	free(first);
	jv_free(a);
	return why;
}

static const char *
parse(struct esm *q, struct msg *m, jv o, int64_t now)
{
	struct sbuf b = SBUF_INIT;
	jv body;
	const char *why;
	char md5[33];

	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return "an SQS message is not a JSON object";
	if (str_member(o, "MessageId", &m->id) != 1)
		return "MessageId is missing or not a non-empty string";
	body = jv_object_get(jv_copy(o), jv_string("Body"));
	if (jv_get_kind(body) != JV_KIND_STRING ||
	    jv_string_length_bytes(jv_copy(body)) == 0) {
		jv_free(body);
		return "Body is missing or not a non-empty string";
	}
	quote(&b, body);
	m->body = sbuf_detach(&b, NULL);
	if (str_member(o, "MD5OfBody", &m->md5body) == -1 ||
	    str_member(o, "MD5OfMessageAttributes", &m->md5attrs) == -1) {
		jv_free(body);
		return "MD5OfBody or MD5OfMessageAttributes is not a string";
	}
	if (m->md5body == NULL) {
		sqs_md5_hex(jv_string_value(body),
		    (size_t)jv_string_length_bytes(jv_copy(body)), md5);
		m->md5body = xstrdup(md5);
	}
	why = system_attrs(q, m, jv_object_get(jv_copy(o),
	    jv_string("Attributes")), now);
	if (why == NULL) {
		jv a = jv_object_get(jv_copy(o), jv_string("MessageAttributes"));

		why = message_attrs(m, a);
		if (why == NULL)
			why = send_check(q, m, body, a);
		jv_free(a);
	}
	jv_free(body);
	return why;
}

const char *
esm_add(struct esm *q, jv o, int64_t now)
{
	struct msg *m = xcalloc(1, sizeof(*m));
	const char *why;

	m->first_ms = -1;
	why = parse(q, m, o, now);
	jv_free(o);
	if (why != NULL) {
		msg_free(m);
		return why;
	}
	m->state = M_READY;
	m->since = now;
	if (q->nq == q->cap) {
		q->cap = q->cap == 0 ? 64 : q->cap * 2;
		q->q = xreallocarray(q->q, q->cap, sizeof(*q->q));
	}
	q->q[q->nq++] = m;
	q->n.received++;
	return NULL;
}

size_t
esm_held(const struct esm *q)
{
	return q->nq - q->ngone;
}

/* Drop the messages that are gone once they are many. */
static void
compact(struct esm *q)
{
	size_t i, j;

	if (q->ngone < 64 || q->ngone * 2 < q->nq)
		return;
	for (i = j = 0; i < q->nq; i++)
		if (q->q[i]->state == M_GONE)
			msg_free(q->q[i]);
		else
			q->q[j++] = q->q[i];
	q->nq = j;
	q->ngone = 0;
}

/* The attributes a received message carries (without the redrive's). */
static void
attributes(struct sbuf *b, const struct msg *m, int fifo_order)
{
	sbuf_addf(b, "{\"ApproximateReceiveCount\":\"%d\",\"SentTimestamp\":",
	    m->receives);
	quote_str(b, m->sent);
	if (fifo_order && m->grp != NULL) {
		/* Lambda's FIFO example puts these among the others. */
		if (m->seq != NULL)
			jsonraw_add_member(b, "SequenceNumber", m->seq);
		jsonraw_add_member(b, "MessageGroupId", m->grp->name);
	}
	jsonraw_add_member(b, "SenderId", m->sender);
	if (fifo_order && m->dedup != NULL)
		jsonraw_add_member(b, "MessageDeduplicationId", m->dedup);
	sbuf_addf(b, ",\"ApproximateFirstReceiveTimestamp\":\"%" PRId64 "\"",
	    m->first_ms);
	/* The queue stream's order (sqs.h). */
	if (!fifo_order && m->grp != NULL) {
		if (m->seq != NULL)
			jsonraw_add_member(b, "SequenceNumber", m->seq);
		jsonraw_add_member(b, "MessageGroupId", m->grp->name);
		if (m->dedup != NULL)
			jsonraw_add_member(b, "MessageDeduplicationId", m->dedup);
	}
	if (m->trace != NULL)
		jsonraw_add_member(b, "AWSTraceHeader", m->trace);
}

/* Append M's record of the Lambda event, as received now. */
static void
record(struct esm *q, struct sbuf *b, const struct msg *m)
{
	char handle[UUID_BUFSZ];
	struct sbuf h = SBUF_INIT;

	/* Unique to this receive, without a random number each time. */
	sbuf_addf(&h, "%s%c%s%c%d%c%" PRId64, q->c->arn, 0, m->id, 0,
	    m->receives, 0, m->first_ms);
	ids_uuid_of(handle, h.buf, h.len);
	sbuf_free(&h);
	sbuf_adds(b, "{\"messageId\":");
	quote_str(b, m->id);
	sbuf_addf(b, ",\"receiptHandle\":\"%s\",\"body\":%s,\"attributes\":",
	    handle, m->body);
	attributes(b, m, 1);
	sbuf_addf(b, "},\"messageAttributes\":%s", m->evattrs);
	if (m->attrs != NULL && m->md5attrs != NULL)
		jsonraw_add_member(b, "md5OfMessageAttributes", m->md5attrs);
	jsonraw_add_member(b, "md5OfBody", m->md5body);
	sbuf_adds(b, ",\"eventSource\":\"aws:sqs\",\"eventSourceARN\":");
	quote_str(b, q->c->arn);
	jsonraw_add_member(b, "awsRegion", q->region);
	sbuf_addc(b, '}');
}

/* Write M to the dead-letter queue, received once more. */
static void
dead_letter(struct esm *q, struct msg *m)
{
	struct sbuf b = SBUF_INIT;

	m->receives++;
	sbuf_adds(&b, "{\"MessageId\":");
	quote_str(&b, m->id);
	jsonraw_add_member(&b, "MD5OfBody", m->md5body);
	sbuf_addf(&b, ",\"Body\":%s,\"Attributes\":", m->body);
	attributes(&b, m, 0);
	jsonraw_add_member(&b, "DeadLetterQueueSourceArn", q->c->arn);
	sbuf_addc(&b, '}');
	if (m->md5attrs != NULL && m->attrs != NULL)
		jsonraw_add_member(&b, "MD5OfMessageAttributes", m->md5attrs);
	if (m->attrs != NULL)
		sbuf_addf(&b, ",\"MessageAttributes\":%s", m->attrs);
	sbuf_addc(&b, '}');
	out_line(q->c->dlq, b.buf, b.len);
	sbuf_free(&b);
	m->state = M_GONE;
	q->ngone++;
	q->n.dead++;
}

void
esm_expire(struct esm *q, int64_t now)
{
	size_t i;

	for (i = 0; i < q->nq; i++) {
		struct msg *m = q->q[i];

		if (m->state != M_HIDDEN || m->visible_at > now)
			continue;
		if (m->receives >= q->c->max_receives)
			dead_letter(q, m);
		else {
			m->state = M_READY;
			m->since = m->visible_at;
		}
	}
	compact(q);
}

/*
 * The messages a batch could take now, in order, at most max: FIFO
 * skips a group from its first message that is not ready on.
 */
static size_t
candidates(struct esm *q, struct msg **out, size_t max, int64_t *oldest)
{
	size_t i, n = 0;

	q->scan++;
	*oldest = -1;
	for (i = 0; i < q->nq && n < max; i++) {
		struct msg *m = q->q[i];

		if (m->grp != NULL && m->grp->mark == q->scan)
			continue;
		if (m->state != M_READY) {
			if (m->grp != NULL && m->state != M_GONE)
				m->grp->mark = q->scan;
			continue;
		}
		if (*oldest == -1 || m->since < *oldest)
			*oldest = m->since;
		out[n++] = m;
	}
	return n;
}

struct esm_batch *
esm_take(struct esm *q, int64_t now, int more, int ended)
{
	struct esm_batch *b;
	struct msg **m;
	size_t i, n, max = (size_t)q->c->batch_size, mark;
	int64_t oldest;

	m = xreallocarray(NULL, max, sizeof(*m));
	n = candidates(q, m, max, &oldest);
	if (n == 0 || (n < max && !ended && (q->c->window_ms > 0 ?
	    now < oldest + q->c->window_ms : more))) {
		free(m);
		return NULL;
	}
	b = xcalloc(1, sizeof(*b));
	b->m = m;
	sbuf_adds(&b->ev, "{\"Records\":[");
	for (i = 0; i < n; i++) {
		mark = b->ev.len;
		if (i > 0)
			sbuf_addc(&b->ev, ',');
		m[i]->receives++;
		if (m[i]->first_ms == -1)
			m[i]->first_ms = now;
		record(q, &b->ev, m[i]);
		/* The event must stay within the payload limit. */
		if (i > 0 && b->ev.len + 3 > q->c->payload_limit) {
			m[i]->receives--;
			if (m[i]->receives == 0)
				m[i]->first_ms = -1;
			b->ev.len = mark;
			break;
		}
		m[i]->state = M_FLIGHT;
		m[i]->visible_at = now + q->c->visibility_ms;
		q->n.receives++;
	}
	b->n = i;
	sbuf_adds(&b->ev, "]}\n");
	q->n.invocations++;
	return b;
}

const char *
esm_batch_event(const struct esm_batch *b, size_t *len)
{
	*len = b->ev.len - 1;
	return b->ev.buf;
}

/*
 * Read a ReportBatchItemFailures response into FAILED (one flag per
 * message of the batch).  Returns NULL, or why the whole batch failed.
 */
static const char *
item_failures(const struct esm_batch *b, const struct sbuf *resp,
    char *failed)
{
	static char why[160];
	jv r, l;
	const char *bad = NULL;
	int i, n;
	size_t k;

	r = jv_parse_sized(resp->buf, (int)resp->len);
	if (resp->len == 0 || jv_get_kind(r) == JV_KIND_NULL) {
		jv_free(r);
		return NULL;
	}
	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		jv_free(r);
		return "the response is not an object";
	}
	l = jv_object_get(r, jv_string("batchItemFailures"));
	if (jv_get_kind(l) == JV_KIND_NULL || !jv_is_valid(l)) {
		jv_free(l);
		return NULL;
	}
	if (jv_get_kind(l) != JV_KIND_ARRAY) {
		jv_free(l);
		return "batchItemFailures is not an array";
	}
	n = jv_array_length(jv_copy(l));
	for (i = 0; i < n && bad == NULL; i++) {
		jv e = jv_array_get(jv_copy(l), i);
		jv id = jv_get_kind(e) == JV_KIND_OBJECT ?
		    jv_object_get(jv_copy(e), jv_string("itemIdentifier")) :
		    jv_invalid();

		if (jv_get_kind(e) != JV_KIND_OBJECT)
			bad = "an element of batchItemFailures is not an "
			    "object";
		else if (jv_get_kind(id) != JV_KIND_STRING ||
		    jv_string_length_bytes(jv_copy(id)) == 0)
			bad = "an element of batchItemFailures has no "
			    "itemIdentifier string";
		else {
			for (k = 0; k < b->n; k++)
				if (strcmp(b->m[k]->id,
				    jv_string_value(id)) == 0)
					break;
			if (k < b->n)
				failed[k] = 1;
			else {
				snprintf(why, sizeof(why), "itemIdentifier "
				    "'%.80s' is not a message of the batch",
				    jv_string_value(id));
				bad = why;
			}
		}
		jv_free(id);
		jv_free(e);
	}
	jv_free(l);
	return bad;
}

void
esm_settle(struct esm *q, struct esm_batch *b, const struct lambda_reply *r,
    const char *request_id, int64_t now)
{
	char *failed = xcalloc(b->n + 1, 1);
	const char *why;
	size_t i, j;

	if (r->error)
		memset(failed, 1, b->n);
	else if (q->c->report_failures &&
	    (why = item_failures(b, &r->payload, failed)) != NULL) {
		warnx("request %s: %s: the whole batch failed", request_id,
		    why);
		memset(failed, 1, b->n);
	}
	/* FIFO: what follows a failure in its group fails with it. */
	for (i = 0; q->fifo && i < b->n; i++)
		for (j = i + 1; failed[i] && j < b->n; j++)
			if (b->m[j]->grp == b->m[i]->grp)
				failed[j] = 1;
	for (i = 0; i < b->n; i++) {
		struct msg *m = b->m[i];

		if (failed[i]) {
			m->state = M_HIDDEN;
			m->since = m->visible_at;
		} else {
			m->state = M_GONE;
			q->ngone++;
			q->n.deleted++;
		}
	}
	free(failed);
	sbuf_free(&b->ev);
	free(b->m);
	free(b);
	esm_expire(q, now);
}

int64_t
esm_next_due(const struct esm *q, int64_t now)
{
	int64_t due = -1, t;
	size_t i;

	for (i = 0; i < q->nq; i++) {
		const struct msg *m = q->q[i];

		if (m->state == M_HIDDEN)
			t = m->visible_at;
		else if (m->state == M_READY && q->c->window_ms > 0)
			t = m->since + q->c->window_ms;
		else
			continue;
		if (due == -1 || t < due)
			due = t;
	}
	return due;
}

const struct esm_counts *
esm_counts(const struct esm *q)
{
	return &q->n;
}
