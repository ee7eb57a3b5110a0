/*
 * sns-publish: an Amazon SNS standard topic as a filter.  Publish
 * requests in, and each subscription's deliveries, in the shape its
 * protocol receives, out; subscription filter policies through the one
 * pattern engine (pattern.h) in its SNS dialect.
 */
#include <ctype.h>
#include <err.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>
#include <nettle/md5.h>

#include "awsid.h"
#include "cfn.h"
#include "clock.h"
#include "dedup.h"
#include "diag.h"
#include "exitcode.h"
#include "jsonraw.h"
#include "logstore.h"
#include "ndjson.h"
#include "num.h"
#include "out.h"
#include "pattern.h"
#include "rfc3339.h"
#include "sbuf.h"
#include "scan.h"
#include "sinks.h"
#include "snsattr.h"
#include "sqs.h"
#include "xalloc.h"

#define SNS_MAX_BYTES	262144		/* message + attributes */
#define SIGNATURE	"EXAMPLE"	/* not a real signature */

enum { OPT_CLOCK = 256 };

static const char optstring[] = "+a:Ehkm:r:S:t:T:uV";
static const struct option longopts[] = {
	{ "account",		required_argument, NULL, 'a' },
	{ "clock",		required_argument, NULL, OPT_CLOCK },
	{ "from-eventbridge",	no_argument,	   NULL, 'E' },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "keep-going",		no_argument,	   NULL, 'k' },
	{ "max-size",		required_argument, NULL, 'm' },
	{ "region",		required_argument, NULL, 'r' },
	{ "subscriptions",	required_argument, NULL, 'S' },
	{ "target",		required_argument, NULL, 't' },
	{ "topic",		required_argument, NULL, 'T' },
	{ "unbuffered",		no_argument,	   NULL, 'u' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 }
};

static const char usage_text[] =
    "usage: sns-publish [-EhkuV] [-a account] [--clock mode] [-m bytes]\n"
    "                   [-r region] [-T topic] [-t subscription=path ...]\n"
    "                   -S subscriptions [file ...]\n";

static const char help_text[] =
    "Publish messages to an SNS topic and deliver them to its "
    "subscriptions.\n"
    "\n"
    "  -a, --account ID        account of the topic (AWS_ACCOUNT_ID)\n"
    "      --clock MODE        real (default) or virtual\n"
    "  -E, --from-eventbridge  each line is an EventBridge target input\n"
    "                          (ebus-match -t): the message itself\n"
    "  -h, --help              print this help and exit\n"
    "  -k, --keep-going        report malformed lines and go on (exit 4)\n"
    "  -m, --max-size BYTES    message size limit (default 262144)\n"
    "  -r, --region REGION     region of the topic (AWS_REGION)\n"
    "  -S, --subscriptions FILE  the topic's subscriptions (Subscribe\n"
    "                          requests or list-subscriptions output)\n"
    "  -t, --target SUB=PATH   deliveries of subscription SUB (its name,\n"
    "                          endpoint or ARN) go to PATH (- is stdout)\n"
    "  -T, --topic NAME|ARN    the topic (default: the first TopicArn)\n"
    "  -u, --unbuffered        flush after every record\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "EDAKIT_DETERMINISTIC=1 fixes ids and the clock for golden tests.\n";

enum proto { P_SQS, P_LAMBDA, P_HTTP, P_EMAILJSON };

struct sub {
	char		*arn, *protocol, *endpoint, *name;
	enum proto	 proto;
	struct pattern	*pat;		/* NULL: everything is delivered */
	int		 body;		/* FilterPolicyScope MessageBody */
	int		 raw;		/* RawMessageDelivery */
	struct out	*out;		/* NULL: nobody listens */
	const char	*file;		/* where it was read */
	long		 line;
	int		 set;		/* SetSubscriptionAttributes wording */
	char		*unsub;		/* its UnsubscribeURL */
	struct sbuf	 unsubm;	/* the envelope's member of it */
	struct sbuf	 qunsub;	/* that member as a JSON string */
	char		*dlq;		/* RedrivePolicy's queue, or NULL */
	struct sqs_queue queue;		/* sqs: what its endpoint says */
};

static struct {
	char		*topic;		/* ARN */
	struct sub	*s;
	size_t		 n;
	struct sinks	 sinks;		/* -t */
	size_t		 limit;
	int		 unbuffered;
	struct out	*out;		/* Publish responses, or NULL */
	int		 fifo;		/* a .fifo topic */
	int		 cbd;		/* ContentBasedDeduplication */
	char		*created;	/* CreateTopic's name, or NULL */
	struct dedup	*dedup;		/* FIFO: the 5-minute window */
	char		*cert;		/* SigningCertURL */
	struct sbuf	 envtopic, envsign; /* see envelope_fixed */
	int		 listened;	/* some subscription has a -t */
	uint64_t	 seq;		/* FIFO: the last SequenceNumber */
} opt;

static struct pathtab *pt_attr, *pt_body;
static struct fields f_attr, f_body;
static struct scanner *sc;
static struct scanner *sc_req;	/* validates request lines */
static struct pathtab *pt_none;
static struct fields f_none;
static struct ndjson in;
static long nrejected;

/* ------------------------------------------------------- subscriptions */

static int
is_fifo(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".fifo") == 0;
}

/*
 * A problem with a subscription: AWS's code and message, located.
 * SetSubscriptionAttributes (an entry that has a SubscriptionArn) and
 * Subscribe word their messages differently.
 */
static void
sub_error(const char *file, long line, int set, const char *what,
    const char *reason)
{
	if (set)
		diag_loc(file, line, "InvalidParameter: Invalid parameter: "
		    "%s%s", what, reason);
	else
		diag_loc(file, line, "InvalidParameter: Invalid parameter: "
		    "Attributes Reason: %s%s", what, reason);
	exit(EXIT_PROGRAM);
}

/* Member KEY of object O, null when absent (libjq says invalid). */
static jv
get(jv o, const char *key)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));

	if (!jv_is_valid(v)) {
		jv_free(v);
		return jv_null();
	}
	return v;
}

static char *
get_str(jv o, const char *key)
{
	jv v = jv_object_get(jv_copy(o), jv_string(key));
	char *s = NULL;

	if (jv_get_kind(v) == JV_KIND_STRING)
		s = xstrdup(jv_string_value(v));
	jv_free(v);
	return s;
}

/*
 * The protocols a delivery can be written for; email and sms deliver
 * to people, not to a file, and are refused (exit 3).
 */
static enum proto
protocol(const char *p, const char *file, long line)
{
	if (strcmp(p, "sqs") == 0)
		return P_SQS;
	if (strcmp(p, "lambda") == 0)
		return P_LAMBDA;
	if (strcmp(p, "http") == 0 || strcmp(p, "https") == 0)
		return P_HTTP;
	if (strcmp(p, "email-json") == 0)
		return P_EMAILJSON;
	if (strcmp(p, "email") == 0 || strcmp(p, "sms") == 0)
		diag_loc(file, line, "protocol %s: a text for a person cannot "
		    "be written as a delivery record (use email-json or an "
		    "sqs queue)", p);
	else
		diag_loc(file, line, "protocol %s is not implemented (sqs, "
		    "lambda, http, https and email-json are)", p);
	exit(EXIT_PROGRAM);
}

/*
 * The name -t knows a subscription by: its endpoint's last part, a
 * URL's host.
 */
static char *
endpoint_name(const char *ep)
{
	const char *p = strrchr(ep, ':');
	size_t len;

	if ((p = strstr(ep, "://")) != NULL) {
		p += 3;
		return xstrndup(p, strcspn(p, ":/?#"));
	}
	if (strncmp(ep, "arn:", 4) == 0 &&
	    (p = arn_name(ep, "lambda", "function", &len)) != NULL)
		return xstrndup(p, len);
	p = strrchr(ep, ':');
	return xstrdup(p != NULL ? p + 1 : ep);
}

static void
sub_policy(struct sub *s, jv pol, const char *scope, int set,
    const char *file, long line)
{
	struct pattern_opts po = { 0, 0, PATTERN_SNS, 0 };
	char *perr = NULL, *text;
	jv dump;

	if (scope != NULL && strcmp(scope, "MessageBody") == 0)
		s->body = 1;
	else if (scope != NULL && strcmp(scope, "MessageAttributes") != 0) {
		char *m;

		if (asprintf(&m, "Invalid value [%s]. Please use either "
		    "MessageBody or MessageAttributes", scope) < 0)
			err(EXIT_USAGE, NULL);
		sub_error(file, line, set, "FilterPolicyScope: ", m);
	}
	if (jv_get_kind(pol) == JV_KIND_NULL ||
	    (jv_get_kind(pol) == JV_KIND_STRING &&
	    jv_string_length_bytes(jv_copy(pol)) == 0)) {
		jv_free(pol);
		return;			/* no policy: everything */
	}
	if (jv_get_kind(pol) == JV_KIND_STRING)
		text = xstrdup(jv_string_value(pol));
	else {
		dump = jv_dump_string(jv_copy(pol), 0);
		text = xstrdup(jv_string_value(dump));
		jv_free(dump);
	}
	jv_free(pol);
	po.flat = !s->body;
	s->pat = pattern_compile(text, strlen(text), s->body ? pt_body :
	    pt_attr, &po, &perr);
	free(text);
	if (s->pat == NULL) {
		if (strcmp(perr, PATTERN_SNS_NESTED) == 0) {
			diag_loc(file, line, "InvalidParameter: Invalid "
			    "parameter: %s", perr);
			exit(EXIT_PROGRAM);
		}
		sub_error(file, line, set, "FilterPolicy: ", perr);
	}
}

/* The policy keeps its member order and numbers: take its raw text. */
static jv
raw_policy(const char *rec, size_t len, jv attrs)
{
	const char *v, *a;
	size_t vl, al;

	if (jv_get_kind(attrs) != JV_KIND_OBJECT)
		return jv_null();
	if (len > 0 && jsonraw_member(rec, len, "Attributes", &a, &al) == 0 &&
	    jsonraw_member(a, al, "FilterPolicy", &v, &vl) == 0 &&
	    *v == '{')
		return jv_string_sized(v, (int)vl);
	return get(attrs, "FilterPolicy");
}

/*
 * RedrivePolicy, {"deadLetterTargetArn": "<sqs arn>"} as JSON text:
 * the queue's ARN (owned), NULL when there is none, or AWS's error.
 */
static char *
sub_redrive(jv attrs, int set, const char *file, long line)
{
	struct sqs_queue q;
	char *text = jv_get_kind(attrs) == JV_KIND_OBJECT ?
	    get_str(attrs, "RedrivePolicy") : NULL, *m, *arn;
	jv rp, dl;

	if (text == NULL)
		return NULL;
	rp = jv_parse(text);
	free(text);
	if (!jv_is_valid(rp)) {
		jv msg = jv_invalid_get_msg(rp);

		m = xasprintf("failed to parse JSON. %s",
		    jv_string_value(msg));
		jv_free(msg);
		sub_error(file, line, set, "RedrivePolicy: ", m);
	}
	dl = get(rp, "deadLetterTargetArn");
	jv_free(rp);
	arn = jv_get_kind(dl) == JV_KIND_STRING ?
	    xstrdup(jv_string_value(dl)) : NULL;
	jv_free(dl);
	if (arn == NULL || !sqs_arn(arn, &q))
		sub_error(file, line, set, "RedrivePolicy: ",
		    "deadLetterTargetArn is an invalid arn");
	return arn;
}

static void
add_sub(jv o, const char *rec, size_t len, const char *file, long line)
{
	struct sub s;
	jv attrs;
	char *topic, *raw, *scope;
	int set;

	memset(&s, 0, sizeof(s));
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		diag_loc(file, line, "a subscription must be an object");
		exit(EXIT_PROGRAM);
	}
	s.protocol = get_str(o, "Protocol");
	s.endpoint = get_str(o, "Endpoint");
	s.arn = get_str(o, "SubscriptionArn");
	topic = get_str(o, "TopicArn");
	set = s.arn != NULL;
	if (s.protocol == NULL || s.endpoint == NULL) {
		diag_loc(file, line, "a subscription needs a Protocol and "
		    "an Endpoint");
		exit(EXIT_PROGRAM);
	}
	if (opt.topic == NULL && topic == NULL)
		errx(EXIT_USAGE, "%s:%ld: no TopicArn: give the topic with "
		    "-T", file, line);
	if (opt.topic == NULL)
		opt.topic = xstrdup(topic);
	if (topic != NULL && strcmp(topic, opt.topic) != 0) {
		/* another topic's subscription: not this stream's */
		free(topic);
		free(s.protocol);
		free(s.endpoint);
		free(s.arn);
		jv_free(o);
		return;
	}
	free(topic);
	s.proto = protocol(s.protocol, file, line);
	attrs = get(o, "Attributes");
	if (jv_get_kind(attrs) == JV_KIND_OBJECT) {
		jv_object_foreach(attrs, k, v) {
			const char *n = jv_string_value(k);

			if (strcmp(n, "FilterPolicy") != 0 &&
			    strcmp(n, "FilterPolicyScope") != 0 &&
			    strcmp(n, "RawMessageDelivery") != 0 &&
			    strcmp(n, "RedrivePolicy") != 0) {
				diag_loc(file, line, "InvalidParameter: "
				    "Invalid parameter: AttributeName (%s is "
				    "not supported)", n);
				exit(EXIT_PROGRAM);
			}
			if (strcmp(n, "FilterPolicy") != 0 &&
			    jv_get_kind(v) != JV_KIND_STRING) {
				diag_loc(file, line, "attribute %s must be "
				    "a string", n);
				exit(EXIT_PROGRAM);
			}
			jv_free(k);
			jv_free(v);
		}
	} else if (jv_get_kind(attrs) != JV_KIND_NULL) {
		diag_loc(file, line, "Attributes must be an object");
		exit(EXIT_PROGRAM);
	}
	raw = jv_get_kind(attrs) == JV_KIND_OBJECT ?
	    get_str(attrs, "RawMessageDelivery") : NULL;
	if (raw != NULL && strcmp(raw, "true") != 0 &&
	    strcmp(raw, "false") != 0) {
		char *m;

		if (asprintf(&m, "Invalid value [%s]. Must be true or false.",
		    raw) < 0)
			err(EXIT_USAGE, NULL);
		sub_error(file, line, set, "RawMessageDelivery: ", m);
	}
	s.raw = raw != NULL && strcmp(raw, "true") == 0;
	free(raw);
	if (s.raw && s.proto == P_LAMBDA) {
		diag_loc(file, line, "RawMessageDelivery: lambda "
		    "subscriptions receive the Records event, never raw "
		    "messages");
		exit(EXIT_PROGRAM);
	}
	if (s.raw && s.proto == P_EMAILJSON) {
		diag_loc(file, line, "RawMessageDelivery: email-json "
		    "subscriptions receive the JSON envelope, never raw "
		    "messages");
		exit(EXIT_PROGRAM);
	}
	scope = jv_get_kind(attrs) == JV_KIND_OBJECT ?
	    get_str(attrs, "FilterPolicyScope") : NULL;
	sub_policy(&s, raw_policy(rec, len, attrs), scope, set, file, line);
	free(scope);
	s.dlq = sub_redrive(attrs, set, file, line);
	s.set = set;
	jv_free(attrs);
	if (s.arn == NULL) {
		char id[UUID_BUFSZ];
		struct sbuf b = SBUF_INIT;

		sbuf_addf(&b, "%s %s %s", opt.topic, s.protocol, s.endpoint);
		ids_uuid_of(id, b.buf, b.len);
		sbuf_reset(&b);
		sbuf_addf(&b, "%s:%s", opt.topic, id);
		s.arn = sbuf_detach(&b, NULL);
	}
	s.name = endpoint_name(s.endpoint);
	if (!sqs_arn(s.endpoint, &s.queue)) {
		memset(&s.queue, 0, sizeof(s.queue));
		s.queue.arn = s.endpoint;
	}
	s.file = file;
	s.line = line;
	s.unsub = xasprintf("https://sns.%s.amazonaws.com/?Action=Unsubscribe"
	    "&SubscriptionArn=%s", awsid_region(), s.arn);
	sbuf_adds(&s.unsubm, "  \"UnsubscribeURL\" : ");
	jsonraw_quote(&s.unsubm, s.unsub, strlen(s.unsub));
	jsonraw_quote(&s.qunsub, s.unsubm.buf, s.unsubm.len);
	opt.s = xreallocarray(opt.s, opt.n + 1, sizeof(*opt.s));
	opt.s[opt.n++] = s;
	jv_free(o);
}

/* A true/false attribute of CreateTopic: 1 or 0, or exit 3. */
static int
topic_bool(jv attrs, const char *name, const char *file, long line)
{
	char *v = get_str(attrs, name);
	int t;

	if (v == NULL && jv_object_has(jv_copy(attrs), jv_string(name))) {
		diag_loc(file, line, "attribute %s must be a string", name);
		exit(EXIT_PROGRAM);
	}
	if (v != NULL && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
		diag_loc(file, line, "InvalidParameter: Invalid parameter: "
		    "Attributes Reason: %s: Invalid value [%s]. Must be true "
		    "or false.", name, v);
		exit(EXIT_PROGRAM);
	}
	t = v != NULL && strcmp(v, "true") == 0;
	free(v);
	return t;
}

/*
 * A CreateTopic request, {"Name", "Attributes"}: the topic's FifoTopic
 * and ContentBasedDeduplication.  Another topic's is skipped.
 */
static void
add_topic(jv o, const char *file, long line)
{
	char *name = get_str(o, "Name"), *arn;
	jv attrs = get(o, "Attributes");
	int fifo, cbd;

	if (name == NULL) {
		diag_loc(file, line, "a CreateTopic request needs a Name");
		exit(EXIT_PROGRAM);
	}
	if (jv_get_kind(attrs) == JV_KIND_NULL) {
		jv_free(attrs);
		attrs = jv_object();
	}
	if (jv_get_kind(attrs) != JV_KIND_OBJECT) {
		diag_loc(file, line, "Attributes must be an object");
		exit(EXIT_PROGRAM);
	}
	jv_object_foreach(attrs, k, v) {
		const char *n = jv_string_value(k);

		if (strcmp(n, "FifoTopic") != 0 &&
		    strcmp(n, "ContentBasedDeduplication") != 0) {
			diag_loc(file, line, "topic attribute %s is not "
			    "implemented (FifoTopic and "
			    "ContentBasedDeduplication are)", n);
			exit(EXIT_PROGRAM);
		}
		jv_free(k);
		jv_free(v);
	}
	fifo = topic_bool(attrs, "FifoTopic", file, line);
	cbd = topic_bool(attrs, "ContentBasedDeduplication", file, line);
	jv_free(attrs);
	if (fifo != is_fifo(name)) {
		diag_loc(file, line, "InvalidParameter: Invalid parameter: %s",
		    fifo ? "Fifo Topic names must end with .fifo and must be "
		    "made up of only uppercase and lowercase ASCII letters, "
		    "numbers, underscores, and hyphens, and must be between "
		    "1 and 256 characters long." : "Topic Name");
		exit(EXIT_PROGRAM);
	}
	if (cbd && !fifo) {
		diag_loc(file, line, "ContentBasedDeduplication is for FIFO "
		    "topics only");
		exit(EXIT_PROGRAM);
	}
	arn = arn_make("sns", name);
	if (opt.topic == NULL)
		opt.topic = xstrdup(arn);
	if (strcmp(arn, opt.topic) == 0) {
		if (opt.created != NULL) {
			diag_loc(file, line, "the topic %s is created twice",
			    name);
			exit(EXIT_PROGRAM);
		}
		opt.created = xstrdup(name);
		opt.cbd = cbd;
	}
	free(arn);
	free(name);
	jv_free(o);
}

/* ---------------------------------------------- CloudFormation template */

static struct {
	char	**s;
	size_t	  n;
} locs;			/* "FILE:LINE: resource ID", kept to the end */

static const char *
res_loc(const char *file, long line, const char *id)
{
	locs.s = xreallocarray(locs.s, locs.n + 1, sizeof(*locs.s));
	return locs.s[locs.n++] = xasprintf("%s:%ld: resource %s", file,
	    line, id);
}

/* Reference V (consumed) resolved, or exit 3 saying why not. */
static char *
resolve(jv res, jv v, const char *loc, const char *what)
{
	const char *why;
	char *r = cfn_resolve(res, v, &why);

	jv_free(v);
	if (r == NULL) {
		diag_loc(loc, 0, "%s: %s", what, why);
		exit(EXIT_PROGRAM);
	}
	return r;
}

/* A CloudFormation flag (true or "true") as the API's text. */
static jv
flag_text(jv v)
{
	int k = jv_get_kind(v);

	if (k == JV_KIND_TRUE || k == JV_KIND_FALSE) {
		jv_free(v);
		return jv_string(k == JV_KIND_TRUE ? "true" : "false");
	}
	return v;
}

/* A string property, or a JSON one as its text (FilterPolicy...). */
static jv
text_of(jv v)
{
	jv d;

	if (jv_get_kind(v) == JV_KIND_STRING || jv_get_kind(v) == JV_KIND_NULL)
		return v;
	d = jv_dump_string(v, 0);
	return d;
}

/* AWS::SNS::Topic: the topic and its inline Subscription list. */
static void
cfn_topic(jv res, const struct cfn_res *r, const char *loc)
{
	jv p = jv_parse_sized(r->props, (int)r->plen), t, a, subs;
	char *name = cfn_name(res, r->id), *arn = arn_make("sns", name);
	int i, n;

	a = jv_object();
	if (jv_object_has(jv_copy(p), jv_string("FifoTopic")))
		a = jv_object_set(a, jv_string("FifoTopic"),
		    flag_text(get(p, "FifoTopic")));
	if (jv_object_has(jv_copy(p),
	    jv_string("ContentBasedDeduplication")))
		a = jv_object_set(a, jv_string("ContentBasedDeduplication"),
		    flag_text(get(p, "ContentBasedDeduplication")));
	t = jv_object_set(jv_object(), jv_string("Name"), jv_string(name));
	add_topic(jv_object_set(t, jv_string("Attributes"), a), loc, 0);
	subs = get(p, "Subscription");
	n = jv_get_kind(subs) == JV_KIND_ARRAY ?
	    jv_array_length(jv_copy(subs)) : 0;
	if (jv_get_kind(subs) != JV_KIND_ARRAY &&
	    jv_get_kind(subs) != JV_KIND_NULL) {
		diag_loc(loc, 0, "Subscription must be a list");
		exit(EXIT_PROGRAM);
	}
	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(subs), i), o;
		char *ep = resolve(res, get(e, "Endpoint"), loc, "Endpoint");

		o = jv_object_set(jv_object(), jv_string("TopicArn"),
		    jv_string(arn));
		o = jv_object_set(o, jv_string("Protocol"),
		    get(e, "Protocol"));
		o = jv_object_set(o, jv_string("Endpoint"), jv_string(ep));
		add_sub(o, "", 0, loc, 0);
		free(ep);
		jv_free(e);
	}
	jv_free(subs);
	jv_free(p);
	free(name);
	free(arn);
}

/*
 * AWS::SNS::Subscription as the Subscribe request it makes; the filter
 * policy keeps its raw text.
 */
static void
cfn_subscription(jv res, const struct cfn_res *r, const char *loc)
{
	static const char *const attrs[] = {
		"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
		"RedrivePolicy"
	};
	struct sbuf raw = SBUF_INIT;
	jv p = jv_parse_sized(r->props, (int)r->plen), o, a, rp;
	const char *pol;
	char *topic, *ep, *dlq;
	size_t i, plen;

	topic = resolve(res, get(p, "TopicArn"), loc, "TopicArn");
	ep = resolve(res, get(p, "Endpoint"), loc, "Endpoint");
	o = jv_object_set(jv_object(), jv_string("TopicArn"),
	    jv_string(topic));
	o = jv_object_set(o, jv_string("Protocol"), get(p, "Protocol"));
	o = jv_object_set(o, jv_string("Endpoint"), jv_string(ep));
	a = jv_object();
	for (i = 0; i < sizeof(attrs) / sizeof(*attrs); i++)
		if (jv_object_has(jv_copy(p), jv_string(attrs[i])))
			a = jv_object_set(a, jv_string(attrs[i]),
			    text_of(flag_text(get(p, attrs[i]))));
	rp = get(p, "RedrivePolicy");
	if (jv_get_kind(rp) == JV_KIND_OBJECT) {
		/* its queue may be a Fn::GetAtt */
		dlq = resolve(res, get(rp, "deadLetterTargetArn"), loc,
		    "RedrivePolicy: deadLetterTargetArn");
		rp = jv_object_set(rp, jv_string("deadLetterTargetArn"),
		    jv_string(dlq));
		a = jv_object_set(a, jv_string("RedrivePolicy"),
		    text_of(rp));
		free(dlq);
	} else
		jv_free(rp);
	o = jv_object_set(o, jv_string("Attributes"), a);
	if (jsonraw_member(r->props, r->plen, "FilterPolicy", &pol,
	    &plen) == 0) {
		sbuf_adds(&raw, "{\"Attributes\":{\"FilterPolicy\":");
		sbuf_add(&raw, pol, plen);
		sbuf_adds(&raw, "}}");
	}
	add_sub(o, raw.buf != NULL ? raw.buf : "", raw.len, loc, 0);
	sbuf_free(&raw);
	jv_free(p);
	free(topic);
	free(ep);
}

/* A template: its SNS topics and subscriptions, in file order. */
static void
load_template(jv t, const char *rec, size_t len, const char *file,
    long line)
{
	jv res = get(t, "Resources");
	struct cfn_res r;
	const char *it = NULL, *loc;

	while (cfn_next(rec, len, &it, &r)) {
		loc = res_loc(file, line, r.id);
		if (r.type != NULL && strcmp(r.type, "AWS::SNS::Topic") == 0)
			cfn_topic(res, &r, loc);
		else if (r.type != NULL &&
		    strcmp(r.type, "AWS::SNS::Subscription") == 0)
			cfn_subscription(res, &r, loc);
		cfn_res_free(&r);
	}
	jv_free(res);
	jv_free(t);
}

/*
 * One record of the file: a subscription, a CreateTopic request, an
 * array of them, {"Subscriptions"}, or a CloudFormation template.
 */
static void
load_record(jv v, const char *rec, size_t len, const char *file, long line)
{
	const char *it = NULL, *e;
	size_t el;
	int i, n;

	if (jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_has(jv_copy(v), jv_string("Resources"))) {
		load_template(v, rec, len, file, line);
		return;
	}
	if (jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_has(jv_copy(v), jv_string("Name")) &&
	    !jv_object_has(jv_copy(v), jv_string("Protocol"))) {
		add_topic(v, file, line);
		return;
	}
	if (jv_get_kind(v) == JV_KIND_OBJECT &&
	    jv_object_has(jv_copy(v), jv_string("Subscriptions"))) {
		v = jv_object_get(v, jv_string("Subscriptions"));
		if (jsonraw_member(rec, len, "Subscriptions", &e, &el) == 0) {
			rec = e;
			len = el;
		}
	}
	if (jv_get_kind(v) != JV_KIND_ARRAY) {
		add_sub(v, rec, len, file, line);
		return;
	}
	n = jv_array_length(jv_copy(v));
	for (i = 0; i < n; i++) {
		/* the element's own text, for its policy's raw bytes */
		if (jsonraw_next(rec, len, &it, &e, &el) != 1) {
			e = "";
			el = 0;
		}
		add_sub(jv_array_get(jv_copy(v), i), e, el, file, line);
	}
	jv_free(v);
}

static void
load_subs(const char *path)
{
	struct ndjson r;
	char *files[1];
	const char *rec;
	size_t len;
	jv v;

	files[0] = (char *)path;
	ndjson_open(&r, 1, files);
	while (ndjson_next(&r, &rec, &len)) {
		v = ndjson_parse(rec, len);
		if (!jv_is_valid(v)) {
			jv m = jv_invalid_get_msg(v);

			diag_loc(r.name, r.lineno, "%s", jv_string_value(m));
			exit(EXIT_PROGRAM);
		}
		load_record(v, rec, len, r.name, r.lineno);
	}
	if (ndjson_status(&r) != EXIT_OK)
		exit(ndjson_status(&r) == EXIT_USAGE ? EXIT_USAGE :
		    EXIT_PROGRAM);
	ndjson_close(&r);
}

/*
 * What the topic's type allows: a FIFO topic delivers to SQS queues
 * only; a FIFO queue subscribes to a FIFO topic only (AWS's message).
 */
static void
check_subs(void)
{
	size_t k;

	for (k = 0; k < opt.n; k++) {
		const struct sub *s = &opt.s[k];

		if (opt.fifo && s->proto != P_SQS) {
			diag_loc(s->file, s->line, "protocol %s: a FIFO "
			    "topic delivers to SQS queues only",
			    s->protocol);
			exit(EXIT_PROGRAM);
		}
		if (opt.fifo && s->dlq != NULL && !is_fifo(s->dlq))
			sub_error(s->file, s->line, s->set, "RedrivePolicy: ",
			    "must use a FIFO queue as DLQ for a FIFO "
			    "Subscription to a FIFO Topic.");
		if (!opt.fifo && s->proto == P_SQS &&
		    is_fifo(s->endpoint)) {
			diag_loc(s->file, s->line, "InvalidParameter: Invalid "
			    "parameter: Invalid parameter: Endpoint Reason: "
			    "FIFO SQS Queues can not be subscribed to standard "
			    "SNS topics");
			exit(EXIT_PROGRAM);
		}
	}
}

/* Does a --target ID name subscription S (name, endpoint or ARN)? */
static int
names_sub(const char *id, const void *arg)
{
	const struct sub *s = arg;

	return strcmp(id, s->name) == 0 || strcmp(id, s->endpoint) == 0 ||
	    strcmp(id, s->arn) == 0;
}

static void
open_sinks(void)
{
	size_t k;

	sinks_open(&opt.sinks, opt.unbuffered);
	for (k = 0; k < opt.n; k++)
		if ((opt.s[k].out = sinks_find(&opt.sinks, names_sub,
		    &opt.s[k])) != NULL)
			opt.listened = 1;
	sinks_check(&opt.sinks, "no subscription of the topic has this "
	    "name, endpoint or ARN");
}

/* ------------------------------------------------------------ delivery */

struct msg {
	char		 id[UUID_BUFSZ];
	char		 ts[RFC3339_BUFSZ];
	const char	*text;		/* Message */
	size_t		 len;
	const char	*subject;	/* or NULL */
	jv		 msg, subj;	/* what text and subject point into */
	jv		 attrs;		/* object, maybe empty */
	jv		 structure;	/* MessageStructure json: the object */
	int		 json;		/* MessageStructure json was given */
	char		*bid;		/* PublishBatch entry Id */
	char		*group, *dedup;	/* MessageGroupId, MessageDeduplicationId */
	char		 seq[21];	/* FIFO: SequenceNumber */
	int		 dup;		/* FIFO: a duplicate, not delivered */
	size_t		 size;		/* message and attribute bytes */
	struct sqs_attr	*a;		/* its members, by name */
	size_t		 na;
	unsigned long	 serial;	/* its number once it is sent */
	int		 fast;		/* read over the bytes: no jv, and
					   a's texts are in fast_store */
	char		 idseed[UUID_BUFSZ + 1]; /* "MessageId " */
	struct ids_prefix idp;		/* its part of the queue copies' ids */
};

static struct sbuf fast_store;	/* the decoded texts of fast messages */

/*
 * The envelope parts of the message being delivered (see envelope_parts),
 * in buffers kept from one message to the next.
 */
static struct {
	struct sbuf	 head, tail;	/* the envelope but UnsubscribeURL */
	struct sbuf	 qhead, qtail;	/* head and tail as JSON strings */
	struct md5_ctx	 md5;		/* the MD5 state after head */
	unsigned long	 serial;	/* the message they were made for */
	const char	*text;		/* and its text */
} envc;
static struct sbuf dbody, dquoted;	/* a queue delivery's, reused */

/* The checked attributes of M, sorted by name. */
static void
msg_attrs(struct msg *m)
{
	jv keys;
	int i, n;

	if (m->fast)
		return;			/* they were read so */
	keys = jv_keys(jv_copy(m->attrs));
	n = jv_array_length(jv_copy(keys));
	m->a = xcalloc((size_t)n + 1, sizeof(*m->a));
	for (i = 0; i < n; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		jv a = jv_object_get(jv_copy(m->attrs), jv_copy(k));
		struct sqs_attr *x = &m->a[m->na++];
		char *type = get_str(a, "DataType");

		x->name = xstrdup(jv_string_value(k));
		x->type = type;
		x->binary = snsattr_type(type)[0] == 'B';
		x->value = get_str(a, x->binary ? "BinaryValue" :
		    "StringValue");
		jv_free(a);
		jv_free(k);
	}
	jv_free(keys);
}

static void
msg_attrs_free(struct msg *m)
{
	size_t i;

	if (m->fast)
		return;			/* all in fast_store and fast_room */
	for (i = 0; i < m->na; i++) {
		free((char *)m->a[i].name);
		free((char *)m->a[i].type);
		free((char *)m->a[i].value);
	}
	free(m->a);
}

/* The attributes as notifications carry them: {"Type","Value"}. */
static void
attrs_tv(struct sbuf *b, const struct msg *m, const char *sep,
    const char *indent)
{
	size_t i, seplen = strlen(sep), indlen = strlen(indent);

	for (i = 0; i < m->na; i++) {
		if (i > 0)
			sbuf_addc(b, ',');
		sbuf_add(b, indent, indlen);
		jsonraw_quote(b, m->a[i].name, strlen(m->a[i].name));
		sbuf_add(b, sep, seplen);
		sbuf_add(b, "{\"Type\":", 8);
		jsonraw_quote(b, m->a[i].type, strlen(m->a[i].type));
		sbuf_add(b, ",\"Value\":", 9);
		jsonraw_quote(b, m->a[i].value, strlen(m->a[i].value));
		sbuf_addc(b, '}');
	}
}

/* One member a line (the key's strlen is folded: keys are literals). */
static void
member(struct sbuf *b, const char *key, const char *val, size_t n, int more)
{
	sbuf_add(b, "  \"", 3);
	sbuf_add(b, key, strlen(key));
	sbuf_add(b, "\" : ", 4);
	jsonraw_quote(b, val, n);
	if (more)
		sbuf_add(b, ",\n", 2);
	else
		sbuf_addc(b, '\n');
}

/*
 * The members every envelope of the topic has the same: its TopicArn,
 * and the signature's (a FIFO topic's notifications are not signed).
 */
static void
envelope_fixed(void)
{
	member(&opt.envtopic, "TopicArn", opt.topic, strlen(opt.topic), 1);
	if (opt.fifo)
		return;
	member(&opt.envsign, "SignatureVersion", "1", 1, 1);
	member(&opt.envsign, "Signature", SIGNATURE, strlen(SIGNATURE), 1);
	member(&opt.envsign, "SigningCertURL", opt.cert, strlen(opt.cert), 1);
}

/* The envelope up to its UnsubscribeURL. */
static void
envelope_head(struct sbuf *b, const struct msg *m)
{
	sbuf_add(b, "{\n", 2);
	member(b, "Type", "Notification", 12, 1);
	member(b, "MessageId", m->id, strlen(m->id), 1);
	if (opt.fifo)
		member(b, "SequenceNumber", m->seq, strlen(m->seq), 1);
	sbuf_add(b, opt.envtopic.buf, opt.envtopic.len);
	if (m->subject != NULL)
		member(b, "Subject", m->subject, strlen(m->subject), 1);
	member(b, "Message", m->text, m->len, 1);
	member(b, "Timestamp", m->ts, strlen(m->ts), 1);
	sbuf_add(b, opt.envsign.buf, opt.envsign.len);
}

/*
 * The JSON envelope, in the layout AWS writes it (one member a line).
 * All but the UnsubscribeURL is the same for every subscription: it is
 * built once per message (and per text, for MessageStructure), with
 * what a queue's copy costs most, its MD5 and its quoting (the quoting
 * of a text is the quoting of its parts, split between characters).
 */
static void
envelope_parts(const struct msg *m)
{
	if (envc.serial == m->serial && envc.text == m->text)
		return;
	sbuf_reset(&envc.head);
	envelope_head(&envc.head, m);
	sbuf_reset(&envc.tail);
	if (m->na > 0) {
		sbuf_adds(&envc.tail, ",\n  \"MessageAttributes\" : {");
		attrs_tv(&envc.tail, m, " : ", "\n    ");
		sbuf_adds(&envc.tail, "\n  }");
	}
	sbuf_adds(&envc.tail, "\n}");
	envc.serial = m->serial;
	envc.text = m->text;
	sbuf_reset(&envc.qhead);
	jsonraw_quote(&envc.qhead, envc.head.buf, envc.head.len);
	envc.qhead.len--;		/* the closing quote */
	sbuf_reset(&envc.qtail);
	jsonraw_quote(&envc.qtail, envc.tail.buf, envc.tail.len);
	md5_init(&envc.md5);
	md5_update(&envc.md5, envc.head.len, (const uint8_t *)envc.head.buf);
}

static void
envelope(struct sbuf *b, const struct msg *m, const struct sub *s)
{
	envelope_parts(m);
	sbuf_add(b, envc.head.buf, envc.head.len);
	sbuf_add(b, s->unsubm.buf, s->unsubm.len);
	sbuf_add(b, envc.tail.buf, envc.tail.len);
}

/*
 * Queue subscription S's envelope of M as a JSON string in *QUOTED,
 * and its MD5OfBody in HEX, from the parts made once; the envelope
 * itself in *BODY when it is not NULL (only a FIFO queue's content
 * deduplication reads it).
 */
static void
envelope_queued(struct msg *m, const struct sub *s, struct sbuf *body,
    struct sbuf *quoted, char hex[33])
{
	struct md5_ctx c;
	uint8_t d[MD5_DIGEST_SIZE];

	if (body != NULL)
		envelope(body, m, s);
	else
		envelope_parts(m);
	sbuf_add(quoted, envc.qhead.buf, envc.qhead.len);
	sbuf_add(quoted, s->qunsub.buf + 1, s->qunsub.len - 2);
	sbuf_add(quoted, envc.qtail.buf + 1, envc.qtail.len - 1);
	c = envc.md5;
	md5_update(&c, s->unsubm.len, (const uint8_t *)s->unsubm.buf);
	md5_update(&c, envc.tail.len, (const uint8_t *)envc.tail.buf);
	md5_digest(&c, sizeof(d), d);
	num_hex(hex, d, sizeof(d));
}


/*
 * The SQS message of M to queue subscription S: raw or enveloped, with
 * the MessageGroupId and, on a FIFO queue, the MessageDeduplicationId
 * as system attributes.
 */
static void
sqs_delivery(struct sbuf *b, struct msg *m, const struct sub *s)
{
	struct sqs_msg q;
	char id[UUID_BUFSZ], hex[33];

	/* one id per message and queue, whichever other queues listen */
	if (m->idp.p == NULL) {
		snprintf(m->idseed, sizeof(m->idseed), "%s ", m->id);
		ids_uuid_prefix(&m->idp, m->idseed, strlen(m->idseed));
	}
	ids_uuid_of_prefixed(id, &m->idp, s->arn, strlen(s->arn));
	memset(&q, 0, sizeof(q));
	q.id = id;
	/* SNS passes the group on; a FIFO queue numbers the message */
	q.group = m->group;
	if (s->queue.fifo)
		q.dedup = m->dedup;
	if (s->raw) {
		q.body = m->text;
		q.len = m->len;
		q.a = m->a;
		q.na = m->na;
	} else {
		sbuf_reset(&dbody);
		sbuf_reset(&dquoted);
		envelope_queued(m, s, s->queue.fifo && q.dedup == NULL ?
		    &dbody : NULL, &dquoted, hex);
		q.body = dbody.buf;
		q.len = dbody.len;
		q.md5 = hex;
		q.quoted = dquoted.buf;
		q.qlen = dquoted.len;
	}
	sqs_message(b, &q, &s->queue);
}

/* The event a lambda subscription's function is invoked with. */
static void
lambda_event(struct sbuf *b, const struct msg *m, const struct sub *s)
{
	sbuf_adds(b, "{\"Records\":[{\"EventSource\":\"aws:sns\","
	    "\"EventVersion\":\"1.0\",\"EventSubscriptionArn\":");
	jsonraw_quote(b, s->arn, strlen(s->arn));
	sbuf_addf(b, ",\"Sns\":{\"Type\":\"Notification\",\"MessageId\":"
	    "\"%s\",\"TopicArn\":", m->id);
	jsonraw_quote(b, opt.topic, strlen(opt.topic));
	sbuf_adds(b, ",\"Subject\":");
	if (m->subject != NULL)
		jsonraw_quote(b, m->subject, strlen(m->subject));
	else
		sbuf_adds(b, "null");
	sbuf_adds(b, ",\"Message\":");
	jsonraw_quote(b, m->text, m->len);
	sbuf_addf(b, ",\"Timestamp\":\"%s\",\"SignatureVersion\":\"1\","
	    "\"Signature\":\"%s\",\"SigningCertUrl\":", m->ts, SIGNATURE);
	jsonraw_quote(b, opt.cert, strlen(opt.cert));
	sbuf_adds(b, ",\"UnsubscribeUrl\":");
	jsonraw_quote(b, s->unsub, strlen(s->unsub));
	sbuf_adds(b, ",\"MessageAttributes\":{");
	attrs_tv(b, m, ":", "");
	sbuf_adds(b, "}}}]}");
}

/* The envelope as one JSON text: email-json deliveries. */
static void
envelope_line(struct sbuf *b, struct msg *m, const struct sub *s)
{
	struct sbuf env = SBUF_INIT;

	envelope(&env, m, s);
	jsonraw_minify(b, env.buf, env.len);
	sbuf_free(&env);
}

static void
header(struct sbuf *b, const char *name, const char *val, int more)
{
	sbuf_addc(b, '"');
	sbuf_adds(b, name);
	sbuf_adds(b, "\":");
	jsonraw_quote(b, val, strlen(val));
	if (more)
		sbuf_addc(b, ',');
}

/*
 * The POST an http/https subscription receives, as a record:
 * {"method","url","headers","body"}, the headers those AWS sends.
 */
static void
http_post(struct sbuf *b, struct msg *m, const struct sub *s)
{
	struct sbuf body = SBUF_INIT;

	sbuf_adds(b, "{\"method\":\"POST\",\"url\":");
	jsonraw_quote(b, s->endpoint, strlen(s->endpoint));
	sbuf_adds(b, ",\"headers\":{");
	header(b, "Content-Type", "text/plain; charset=UTF-8", 1);
	header(b, "User-Agent", "Amazon Simple Notification Service Agent", 1);
	header(b, "x-amz-sns-message-type", "Notification", 1);
	header(b, "x-amz-sns-message-id", m->id, 1);
	header(b, "x-amz-sns-topic-arn", opt.topic, 1);
	header(b, "x-amz-sns-subscription-arn", s->arn, s->raw);
	if (s->raw)
		header(b, "x-amz-sns-rawdelivery", "true", 0);
	sbuf_adds(b, "},\"body\":");
	if (s->raw)
		jsonraw_quote(b, m->text, m->len);
	else {
		envelope(&body, m, s);
		jsonraw_quote(b, body.buf, body.len);
	}
	sbuf_adds(b, "}");
	sbuf_free(&body);
}

/* Does the subscription's policy let the message through? */
static int
passes(const struct sub *s, const struct msg *m, int *scanned, int *bodyok)
{
	const char *serr;
	size_t off;

	if (s->pat == NULL)
		return 1;
	if (!s->body)
		return pattern_match(s->pat, &f_attr);
	if (!*scanned) {
		/* a body that is not a JSON object never matches */
		*bodyok = scan_event(sc, m->text, m->len, &f_body, &serr,
		    &off) == 0;
		*scanned = 1;
	}
	return *bodyok && pattern_match(s->pat, &f_body);
}

/*
 * The text protocol PROTO receives: with MessageStructure json, the
 * member named after the protocol when it is a string, else "default".
 */
static const char *
msg_text(const struct msg *m, const char *proto, size_t *len)
{
	const char *p;
	jv v;

	if (jv_get_kind(m->structure) != JV_KIND_OBJECT) {
		*len = m->len;
		return m->text;
	}
	v = jv_object_get(jv_copy(m->structure), jv_string(proto));
	if (jv_get_kind(v) != JV_KIND_STRING) {
		jv_free(v);
		v = jv_object_get(jv_copy(m->structure),
		    jv_string("default"));
	}
	p = jv_string_value(v);
	*len = (size_t)jv_string_length_bytes(jv_copy(v));
	jv_free(v);		/* the structure keeps the string */
	return p;
}

/* The leaves attribute policies match: M's checked attributes. */
static void
msg_fields(const struct msg *m, jv *keep)
{
	const struct sqs_attr *a;
	size_t i;

	if (!m->fast) {
		snsattr_fields(m->attrs, pt_attr, &f_attr, keep);
		return;
	}
	fields_reset(&f_attr);
	for (i = 0; i < m->na; i++) {
		a = &m->a[i];
		if (!a->binary)
			snsattr_field(pt_attr, &f_attr, a->name,
			    strlen(a->name), a->type, a->value,
			    strlen(a->value), keep);
	}
}

static void
deliver(struct msg *m, struct sbuf *b)
{
	const char *text = m->text;
	size_t len = m->len, i;
	int scanned = 0, bodyok = 0;
	jv keep;

	if (!opt.listened)
		return;
	keep = jv_array();
	msg_fields(m, &keep);
	for (i = 0; i < opt.n; i++) {
		const struct sub *s = &opt.s[i];

		m->text = text;		/* policies read the Message */
		m->len = len;
		if (s->out == NULL || !passes(s, m, &scanned, &bodyok))
			continue;
		m->text = msg_text(m, s->protocol, &m->len);
		sbuf_reset(b);
		switch (s->proto) {
		case P_LAMBDA: lambda_event(b, m, s); break;
		case P_HTTP: http_post(b, m, s); break;
		case P_EMAILJSON: envelope_line(b, m, s); break;
		default: sqs_delivery(b, m, s); break;
		}
		out_line(s->out, b->buf, b->len);
	}
	m->text = text;
	m->len = len;
	jv_free(keep);
}

/* ------------------------------------------------------------- publish */

static void
reject(const char *code, const char *msg)
{
	nrejected++;
	diag_loc(in.name, in.lineno, "%s: %s", code, msg);
}

static const char *const publish_fields[] = {
	"Message", "Subject", "MessageAttributes", "MessageStructure",
	"TopicArn", "MessageGroupId", "MessageDeduplicationId", NULL
};
static const char *const entry_fields[] = {
	"Id", "Message", "Subject", "MessageAttributes", "MessageStructure",
	"MessageGroupId", "MessageDeduplicationId", NULL
};
static const char *const batch_fields[] = {
	"TopicArn", "PublishBatchRequestEntries", NULL
};

/*
 * Is O an object of the fields KNOWN, each a string but the attributes
 * and the entries, with a string Message (when NEEDMSG)?  0 when it is;
 * otherwise the line is reported as malformed.
 */
static int
malformed(jv o, const char *what, const char *const *known, int needmsg)
{
	const char *const *f;
	int bad = 0;

	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return ndjson_bad(&in, "a %s must be an object", what), 1;
	jv_object_foreach(o, k, val) {
		const char *n = jv_string_value(k);

		for (f = known; *f != NULL && strcmp(n, *f) != 0; f++)
			continue;
		if (!bad && *f == NULL)
			bad = (ndjson_bad(&in, "unknown %s field \"%s\"",
			    what, n), 1);
		else if (!bad && jv_get_kind(val) != JV_KIND_STRING &&
		    strcmp(n, "MessageAttributes") != 0 &&
		    strcmp(n, "PublishBatchRequestEntries") != 0)
			bad = (ndjson_bad(&in, "%s must be a string", n), 1);
		jv_free(k);
		jv_free(val);
	}
	if (bad || !needmsg)
		return bad;
	if (!jv_object_has(jv_copy(o), jv_string("Message")))
		return ndjson_bad(&in, "a %s needs a Message", what), 1;
	if (known == entry_fields &&
	    !jv_object_has(jv_copy(o), jv_string("Id")))
		return ndjson_bad(&in, "a %s needs an Id", what), 1;
	if (jv_object_has(jv_copy(o), jv_string("MessageStructure"))) {
		jv v = get(o, "MessageStructure");
		int ok = strcmp(jv_string_value(v), "json") == 0;

		jv_free(v);
		if (!ok)
			return ndjson_bad(&in, "MessageStructure must be "
			    "\"json\""), 1;
	}
	return 0;
}

/* Fill M from request or entry E (borrowed); msg_free releases it. */
static void
msg_init(struct msg *m, jv e)
{
	memset(m, 0, sizeof(*m));
	m->msg = get(e, "Message");
	m->subj = get(e, "Subject");
	m->attrs = get(e, "MessageAttributes");
	if (jv_get_kind(m->attrs) == JV_KIND_NULL) {
		jv_free(m->attrs);
		m->attrs = jv_object();
	}
	m->structure = jv_null();
	m->text = jv_string_value(m->msg);
	m->len = (size_t)jv_string_length_bytes(jv_copy(m->msg));
	m->subject = jv_get_kind(m->subj) == JV_KIND_STRING ?
	    jv_string_value(m->subj) : NULL;
	m->json = jv_object_has(jv_copy(e), jv_string("MessageStructure"));
	m->group = get_str(e, "MessageGroupId");
	m->dedup = get_str(e, "MessageDeduplicationId");
}

static void
msg_free(struct msg *m)
{
	jv_free(m->msg);
	jv_free(m->subj);
	jv_free(m->attrs);
	jv_free(m->structure);
	free(m->group);
	free(m->dedup);
	msg_attrs_free(m);
}

static int
msg_has_default(const struct msg *m)
{
	jv d;
	int ok;

	if (jv_get_kind(m->structure) != JV_KIND_OBJECT)
		return 0;
	d = jv_object_get(jv_copy(m->structure), jv_string("default"));
	ok = jv_get_kind(d) == JV_KIND_STRING;
	jv_free(d);
	return ok;
}

/* The checks Publish makes before the attributes: 0, or -1 and *WHY. */
static int
msg_early(const struct msg *m, const char **why)
{
	if (m->len == 0)
		*why = "Invalid parameter: Empty message";
	else if (m->subject != NULL && *m->subject == '\0')
		*why = "Invalid parameter: Subject";
	else
		return 0;
	return -1;
}

/*
 * The checks of one message with its checked attributes (SIZE bytes
 * with the message): 0, or -1 with AWS's code and message.
 */
static int
msg_check(struct msg *m, size_t size, const char **code, const char **why)
{
	*code = "InvalidParameter";
	if (msg_early(m, why) != 0)
		return -1;
	if (opt.fifo && m->group == NULL)
		*why = "Invalid parameter: The MessageGroupId parameter is "
		    "required for FIFO topics";
	else if (opt.fifo && m->dedup == NULL && !opt.cbd)
		*why = "Invalid parameter: The topic should either have "
		    "ContentBasedDeduplication enabled or "
		    "MessageDeduplicationId provided explicitly";
	else if (!opt.fifo && m->dedup != NULL)
		*why = "Invalid parameter: MessageDeduplicationId Reason: The "
		    "request includes MessageDeduplicationId parameter that is "
		    "not valid for this topic type";
	else if (size > opt.limit)
		*why = "Invalid parameter: Message too long";
	else if (m->json && (jv_free(m->structure), m->structure =
	    jv_parse_sized(m->text, (int)m->len), !jv_is_valid(m->structure)))
		*why = "Invalid parameter: Message Structure - JSON message "
		    "body failed to parse";
	else if (m->json && !msg_has_default(m))
		*why = "Invalid parameter: Message Structure - No default "
		    "entry in JSON message body";
	else
		return 0;
	return -1;
}

/* Does request R name this topic, or none? */
static int
topic_ok(jv r)
{
	jv t = get(r, "TopicArn");
	int ok = jv_get_kind(t) != JV_KIND_STRING ||
	    strcmp(jv_string_value(t), opt.topic) == 0;

	jv_free(t);
	return ok;
}

/*
 * A FIFO message seen within the deduplication window: M takes the
 * first one's MessageId and SequenceNumber, and is not delivered.
 * Otherwise M's deduplication id is recorded with its new ones.
 */
static int
fifo_dup(struct msg *m, int64_t now)
{
	char hex[DEDUP_SHA256_HEX], res[UUID_BUFSZ + 22];
	const char *r;

	if (m->dedup == NULL) {
		dedup_content_id(m->text, m->len, hex);
		m->dedup = xstrdup(hex);
	}
	if ((r = dedup_find(opt.dedup, m->dedup, now)) != NULL) {
		memcpy(m->id, r, UUID_BUFSZ - 1);
		m->id[UUID_BUFSZ - 1] = '\0';
		snprintf(m->seq, sizeof(m->seq), "%s", r + UUID_BUFSZ);
		return m->dup = 1;
	}
	ids_uuid(m->id, m->text, m->len);
	snprintf(m->seq, sizeof(m->seq), "%020" PRIu64,
	    UINT64_C(10000000000000000000) + ++opt.seq);
	snprintf(res, sizeof(res), "%s %s", m->id, m->seq);
	dedup_add(opt.dedup, m->dedup, now, res);
	return 0;
}

/* NOW as text: messages come many a millisecond, formatted once. */
static void
timestamp(int64_t now, char ts[RFC3339_BUFSZ])
{
	static int64_t last = INT64_MIN;
	static char text[RFC3339_BUFSZ];

	if (now != last) {
		rfc3339_fmt_ms(now, text);
		last = now;
	}
	memcpy(ts, text, RFC3339_BUFSZ);
}

/* Accept checked message M: give it its id and time, and deliver it. */
static void
msg_send(struct msg *m, struct sbuf *b)
{
	static unsigned long sent;
	int64_t now = clock_now_ms();

	if (opt.fifo && fifo_dup(m, now))
		return;
	if (!opt.fifo)
		ids_uuid(m->id, m->text, m->len);
	msg_attrs(m);
	timestamp(now, m->ts);
	m->serial = ++sent;
	deliver(m, b);
}

/* The Publish response's members after "MessageId". */
static void
add_seq(struct sbuf *b, const struct msg *m)
{
	if (opt.fifo)
		sbuf_addf(b, ",\"SequenceNumber\":\"%s\"", m->seq);
}

/* Send checked message M, and answer the Publish request. */
static void
publish_send(struct msg *m, struct sbuf *b)
{
	msg_send(m, b);
	if (opt.out != NULL) {
		sbuf_reset(b);
		sbuf_adds(b, "{\"MessageId\":\"");
		sbuf_adds(b, m->id);
		sbuf_addc(b, '"');
		add_seq(b, m);
		sbuf_adds(b, "}");
		out_line(opt.out, b->buf, b->len);
	}
}

static void
publish(jv req, struct sbuf *b)
{
	struct msg m;
	const char *code, *why;
	char *awhy = NULL;
	size_t size;

	if (malformed(req, "Publish request", publish_fields, 1)) {
		jv_free(req);
		return;
	}
	msg_init(&m, req);
	size = m.len;
	if (!topic_ok(req))
		reject("NotFound", "Topic does not exist");
	else if (msg_early(&m, &why) != 0)
		reject("InvalidParameter", why);
	else if (snsattr_check(m.attrs, "", &size, &code, &awhy) != 0)
		reject(code, awhy != NULL ? awhy : "out of memory");
	else if (msg_check(&m, size, &code, &why) != 0)
		reject(code, why);
	else
		publish_send(&m, b);
	free(awhy);
	msg_free(&m);
	jv_free(req);
}

/* Why batch entry id ID is refused (a message to free), or NULL. */
static char *
bad_entry_id(const char *id)
{
	const char *p;
	char *why;

	for (p = id; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			break;
	if (*p != '\0') {
		if (asprintf(&why, "The Id of a batch entry in the batch "
		    "request contains an impermissible character: %s",
		    id) < 0)
			err(EXIT_USAGE, NULL);
	} else if (p - id > 80) {
		if (asprintf(&why, "The Id of a batch entry in the batch "
		    "request is too long: %s", id) < 0)
			err(EXIT_USAGE, NULL);
	} else
		why = NULL;
	return why;
}

/*
 * The errors of a PublishBatch request as a whole, in the order AWS
 * checks them: 0, or -1 with *CODE and *WHY (owned).  Adds up the
 * entries' sizes in *SIZES.
 */
static int
batch_check(jv req, struct msg *m, int n, size_t *sizes, const char **code,
    char **why)
{
	char where[64];
	int i, j;

	*why = NULL;
	if (!topic_ok(req))
		*code = "NotFound", *why = xstrdup("Topic does not exist");
	else if (n == 0)
		*code = "EmptyBatchRequest", *why = xstrdup("The batch "
		    "request doesn't contain any entries.");
	else if (n > 10)
		*code = "TooManyEntriesInBatchRequest", *why = xstrdup("The "
		    "batch request contains more entries than permissible.");
	if (*why != NULL)
		return -1;
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(m[i].bid, m[j].bid) == 0) {
				*code = "BatchEntryIdsNotDistinct";
				*why = xstrdup("Two or more batch entries in "
				    "the request have the same Id.");
				return -1;
			}
	for (i = 0; i < n; i++)
		if ((*why = bad_entry_id(m[i].bid)) != NULL) {
			*code = "InvalidBatchEntryId";
			return -1;
		}
	*sizes = 0;
	for (i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "publishBatchRequestEntries."
		    "%d.member.", i + 1);
		m[i].size = m[i].len;
		if (snsattr_check(m[i].attrs, where, &m[i].size, code,
		    why) != 0) {
			if (*why == NULL)
				*why = xstrdup("out of memory");
			return -1;
		}
		*sizes += m[i].size;
	}
	if (*sizes > opt.limit) {
		*code = "BatchRequestTooLong";
		*why = xstrdup("The length of all the messages put together "
		    "is more than the limit.");
		return -1;
	}
	return 0;
}

/* Check and send each entry of a valid batch; write the response. */
static void
batch_send(struct msg *m, int n, struct sbuf *b)
{
	struct sbuf ok = SBUF_INIT, failed = SBUF_INIT;
	const char *code, *why;
	int i;

	for (i = 0; i < n; i++) {
		if (msg_check(&m[i], m[i].size, &code, &why) != 0) {
			nrejected++;
			diag_loc(in.name, in.lineno, "entry %s: %s: %s",
			    m[i].bid, code, why);
			sbuf_adds(&failed, failed.len > 0 ? ",{\"Id\":" :
			    "{\"Id\":");
			jsonraw_quote(&failed, m[i].bid, strlen(m[i].bid));
			sbuf_addf(&failed, ",\"Code\":\"%s\",\"Message\":",
			    code);
			jsonraw_quote(&failed, why, strlen(why));
			sbuf_adds(&failed, ",\"SenderFault\":true}");
			continue;
		}
		msg_send(&m[i], b);
		sbuf_adds(&ok, ok.len > 0 ? ",{\"Id\":" : "{\"Id\":");
		jsonraw_quote(&ok, m[i].bid, strlen(m[i].bid));
		sbuf_addf(&ok, ",\"MessageId\":\"%s\"", m[i].id);
		add_seq(&ok, &m[i]);
		sbuf_adds(&ok, "}");
	}
	if (opt.out != NULL) {
		sbuf_reset(b);
		sbuf_adds(b, "{\"Successful\":[");
		sbuf_add(b, ok.buf, ok.len);
		sbuf_adds(b, "],\"Failed\":[");
		sbuf_add(b, failed.buf, failed.len);
		sbuf_adds(b, "]}");
		out_line(opt.out, b->buf, b->len);
	}
	sbuf_free(&ok);
	sbuf_free(&failed);
}

static void
publish_batch(jv req, struct sbuf *b)
{
	struct msg *m = NULL;
	const char *code;
	char *why = NULL;
	size_t sizes;
	jv ents;
	int i, n = 0, bad;

	bad = malformed(req, "PublishBatch request", batch_fields, 0);
	ents = get(req, "PublishBatchRequestEntries");
	if (!bad && jv_get_kind(ents) != JV_KIND_ARRAY)
		bad = (ndjson_bad(&in, "PublishBatchRequestEntries must be "
		    "an array"), 1);
	if (!bad) {
		n = jv_array_length(jv_copy(ents));
		m = xcalloc((size_t)n + 1, sizeof(*m));
	}
	for (i = 0; !bad && i < n; i++) {
		jv e = jv_array_get(jv_copy(ents), i);

		bad = malformed(e, "PublishBatch entry", entry_fields, 1);
		if (!bad) {
			jv id = get(e, "Id");

			msg_init(&m[i], e);
			m[i].bid = xstrdup(jv_string_value(id));
			jv_free(id);
		} else
			n = i;
		jv_free(e);
	}
	if (!bad && batch_check(req, m, n, &sizes, &code, &why) != 0)
		reject(code, why);
	else if (!bad)
		batch_send(m, n, b);
	for (i = 0; i < n; i++) {
		free(m[i].bid);
		msg_free(&m[i]);
	}
	free(m);
	free(why);
	jv_free(ents);
	jv_free(req);
}

/* Is the JSON text an EventBridge event (the envelope's members)? */
static int
is_event(const char *rec, size_t len)
{
	static const char *const keys[] = {
		"version", "id", "detail-type", "source", "detail"
	};
	const char *v;
	size_t i, vl;

	for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (jsonraw_member(rec, len, keys[i], &v, &vl) != 0)
			return 0;
	return 1;
}

/*
 * A target input that ebus-match wrote for a rule target whose ARN is
 * this topic: EventBridge publishes it as the Message, without Subject
 * or attributes; an event as compact JSON, a transformed input as it is.
 */
static void
publish_input(jv v, const char *rec, size_t len, struct sbuf *b)
{
	struct sbuf text = SBUF_INIT;

	jv_free(v);
	if (is_event(rec, len))
		jsonraw_minify(&text, rec, len);
	else
		sbuf_add(&text, rec, len);
	publish(jv_object_set(jv_object(), jv_string("Message"),
	    jv_string_sized(text.buf != NULL ? text.buf : "", (int)text.len)),
	    b);
	sbuf_free(&text);
}

/*
 * The request on a line as libjq would read it, but faster: one pass of
 * the validating scanner, then each top-level member decoded on its own
 * (the long Message string without libjq's parser).  Anything but a
 * JSON object is left to libjq, for its error message.
 */
static jv
read_request(const char *rec, size_t len)
{
	struct sbuf t = SBUF_INIT;
	const char *it = NULL, *val, *err;
	size_t vl, off;
	jv o, key;

	if (scan_event(sc_req, rec, len, &f_none, &err, &off) != 0)
		return ndjson_parse(rec, len);
	o = jv_object();
	while (jsonraw_member_next(rec, len, &it, &key, &val, &vl)) {
		if (*val == '"') {
			sbuf_reset(&t);
			logstore_unquote(val, vl, &t);
			o = jv_object_set(o, key, jv_string_sized(t.buf,
			    (int)t.len));
		} else
			o = jv_object_set(o, key, jv_parse_sized(val,
			    (int)vl));
	}
	sbuf_free(&t);
	return o;
}

/*
 * A -E line only needs to be JSON: an object (an event) is checked by
 * the scanner, anything else parsed.  The value itself is not used.
 */
static jv
read_input(const char *rec, size_t len)
{
	const char *err;
	size_t off;

	if (scan_event(sc_req, rec, len, &f_none, &err, &off) == 0)
		return jv_true();
	return ndjson_parse(rec, len);
}

/* ------------------------------------------- Publish over the bytes */

/*
 * The common Publish request is read without libjq: its strings are
 * decoded into fast_store, its attributes checked and laid out by the
 * code the jv reading uses (snsattr_check_one, snsattr_field).  Only
 * what reads the same both ways is taken: anything unusual (a member
 * given twice, an escaped key, a value of another type, a NUL or a lone
 * surrogate in a text, MessageStructure, a batch) and every error go to
 * the jv reading, which says what AWS says.
 */

enum { F_MESSAGE, F_SUBJECT, F_ATTRS, F_TOPIC, F_GROUP, F_DEDUP, NFAST };

/* Is the key literal [k, k+kl) the plain text NAME? */
static int
key_is(const char *k, size_t kl, const char *name)
{
	return kl == strlen(name) + 2 && memcmp(k + 1, name, kl - 2) == 0;
}

/*
 * The text of string literal [lit, lit+n) in fast_store (NUL-terminated,
 * its length in *LEN), or NULL when libjq would read it otherwise.  A
 * literal without escapes is its text (the line is valid UTF-8 without
 * control bytes): when INPLACE, it is not even copied.
 */
static const char *
fast_text(const char *lit, size_t n, size_t *len, int inplace)
{
	size_t at = fast_store.len, bad;
	const char *s;

	if (*lit != '"')
		return NULL;
	if (memchr(lit + 1, '\\', n - 2) == NULL) {
		*len = n - 2;
		if (inplace)
			return lit + 1;
		sbuf_add(&fast_store, lit + 1, n - 2);
		sbuf_addc(&fast_store, '\0');
		return fast_store.buf + at;
	}
	logstore_unquote(lit, n, &fast_store);
	*len = fast_store.len - at;
	sbuf_addc(&fast_store, '\0');
	s = fast_store.buf + at;
	if (memchr(s, '\0', *len) != NULL || !utf8_valid(s, *len, &bad))
		return NULL;
	return s;
}

struct fast_attr {
	struct sqs_attr	 a;
	const char	*sv, *bv;	/* StringValue, BinaryValue */
	size_t		 svl, bvl;
};

/* Room for the attributes of fast messages, kept from one to the next. */
static struct {
	struct fast_attr	*fa;
	struct sqs_attr		*a;
	size_t			 cap;
} fast_room;

/* Sort by name: an insertion sort, for a message has a few attributes. */
static void
fast_attr_sort(struct fast_attr *fa, size_t n)
{
	struct fast_attr t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = fa[i];
		for (j = i; j > 0 && strcmp(fa[j - 1].a.name, t.a.name) > 0; j--)
			fa[j] = fa[j - 1];
		fa[j] = t;
	}
}

/* One attribute's {"DataType", "StringValue" | "BinaryValue"}: 0 or -1. */
static int
fast_attr(struct fast_attr *fa, const char *obj, size_t len)
{
	static const char *const names[] = {
		"DataType", "StringValue", "BinaryValue"
	};
	const char *it = NULL, *k, *v, *t[3] = { NULL, NULL, NULL };
	size_t kl, vl, tl[3], i;

	while (jsonraw_member_raw(obj, len, &it, &k, &kl, &v, &vl)) {
		for (i = 0; i < 3 && !key_is(k, kl, names[i]); i++)
			continue;
		if (i == 3 || t[i] != NULL ||
		    (t[i] = fast_text(v, vl, &tl[i], 0)) == NULL)
			return -1;
	}
	fa->a.type = t[0];
	fa->sv = t[1];
	fa->svl = tl[1];
	fa->bv = t[2];
	fa->bvl = tl[2];
	return 0;
}

/*
 * MessageAttributes [obj, obj+len) of M, checked, into M->a sorted by
 * name (as jv_keys sorts them); their size is added to *SIZE.
 */
static int
fast_attrs(struct msg *m, const char *obj, size_t len, size_t *size)
{
	struct fast_attr *fa;
	const char *it = NULL, *k, *v, *base, *why;
	size_t kl, vl, nl, n = 0, i;
	char *awhy = NULL;
	int ret = -1;

	while (jsonraw_member_raw(obj, len, &it, &k, &kl, &v, &vl)) {
		if (n == fast_room.cap) {
			fast_room.cap = fast_room.cap * 2 + 8;
			fast_room.fa = xreallocarray(fast_room.fa,
			    fast_room.cap, sizeof(*fast_room.fa));
			fast_room.a = xreallocarray(fast_room.a,
			    fast_room.cap, sizeof(*fast_room.a));
		}
		fa = &fast_room.fa[n];
		memset(fa, 0, sizeof(*fa));
		if (*v != '{' || (fa->a.name = fast_text(k, kl, &nl, 0)) ==
		    NULL || fast_attr(fa, v, vl) != 0)
			goto out;
		n++;
	}
	fa = fast_room.fa;
	fast_attr_sort(fa, n);
	for (i = 0; i < n; i++) {
		if ((i > 0 && strcmp(fa[i].a.name, fa[i - 1].a.name) == 0) ||
		    snsattr_check_one("", fa[i].a.name, fa[i].a.type,
		    fa[i].sv, fa[i].svl, fa[i].bv, fa[i].bvl, size, &why,
		    &awhy) != 0)
			goto out;
		base = snsattr_type(fa[i].a.type);
		fa[i].a.binary = base[0] == 'B';
		fa[i].a.value = fa[i].a.binary ? fa[i].bv : fa[i].sv;
	}
	for (i = 0; i < n; i++)
		fast_room.a[i] = fa[i].a;
	m->a = fast_room.a;
	m->na = n;
	ret = 0;
out:
	free(awhy);
	return ret;
}

/* Fill M from the members of request [rec, rec+len): 0, or -1. */
static int
fast_read(struct msg *m, const char *rec, size_t len, size_t *size)
{
	static const char *const names[NFAST] = {
		"Message", "Subject", "MessageAttributes", "TopicArn",
		"MessageGroupId", "MessageDeduplicationId"
	};
	const char *it = NULL, *k, *v, *val[NFAST] = { NULL }, *t;
	size_t kl, vl, vlen[NFAST], tl;
	const char *store;
	int i;

	while (jsonraw_member_raw(rec, len, &it, &k, &kl, &v, &vl)) {
		for (i = 0; i < NFAST && !key_is(k, kl, names[i]); i++)
			continue;
		if (i == NFAST || val[i] != NULL ||
		    *v != (i == F_ATTRS ? '{' : '"'))
			return -1;
		val[i] = v;
		vlen[i] = vl;
	}
	if (val[F_MESSAGE] == NULL)
		return -1;
	/* no text moves: the decoded ones are never longer than the line */
	sbuf_reset(&fast_store);
	sbuf_grow(&fast_store, len + 1);
	store = fast_store.buf;
	m->fast = 1;
	if ((m->text = fast_text(val[F_MESSAGE], vlen[F_MESSAGE],
	    &m->len, 1)) == NULL)
		return -1;
	if (val[F_SUBJECT] != NULL && (m->subject = fast_text(val[F_SUBJECT],
	    vlen[F_SUBJECT], &tl, 0)) == NULL)
		return -1;
	if (val[F_TOPIC] != NULL && ((t = fast_text(val[F_TOPIC],
	    vlen[F_TOPIC], &tl, 0)) == NULL || strcmp(t, opt.topic) != 0))
		return -1;
	for (i = F_GROUP; i <= F_DEDUP; i++)
		if (val[i] != NULL) {
			if ((t = fast_text(val[i], vlen[i], &tl, 0)) == NULL)
				return -1;
			*(i == F_GROUP ? &m->group : &m->dedup) = xstrdup(t);
		}
	*size = m->len;
	if (val[F_ATTRS] != NULL && fast_attrs(m, val[F_ATTRS],
	    vlen[F_ATTRS], size) != 0)
		return -1;
	return fast_store.buf == store ? 0 : -1;
}

/*
 * Publish request [rec, rec+len) read over its bytes: 1 when it was
 * valid and published, 0 when the jv reading must take it.
 */
static int
publish_fast(const char *rec, size_t len, struct sbuf *b)
{
	struct msg m;
	const char *code, *why;
	size_t size, off;
	int ok;

	if (scan_event(sc_req, rec, len, &f_none, &why, &off) != 0)
		return 0;
	memset(&m, 0, sizeof(m));
	m.msg = m.subj = m.attrs = m.structure = jv_null();
	ok = fast_read(&m, rec, len, &size) == 0 &&
	    msg_check(&m, size, &code, &why) == 0;
	if (ok)
		publish_send(&m, b);
	msg_free(&m);
	return ok;
}

/* ---------------------------------------------------------------- main */

static void
set_topic(const char *t)
{
	const char *name;

	if (strncmp(t, "arn:", 4) == 0) {
		const char *p = strrchr(t, ':');

		if (strncmp(t, "arn:aws:sns:", 12) != 0 || p == NULL)
			errx(EXIT_USAGE, "invalid topic ARN '%s'", t);
		opt.topic = xstrdup(t);
		name = p + 1;
	} else {
		opt.topic = arn_make("sns", t);
		name = t;
	}
	if (!awsid_name_ok(name, 256, ""))
		errx(EXIT_USAGE, "invalid topic name '%s'", name);
	opt.fifo = is_fifo(name);
}

int
main(int argc, char *argv[])
{
	struct sbuf b = SBUF_INIT;
	const char *account = NULL, *region = NULL, *subs = NULL,
	    *topic = NULL, *rec;
	size_t len, i;
	int c, keep_going = 0, status, from_eb = 0;
	jv v;

	diag_init(argv);
	clock_init();
	opt.limit = SNS_MAX_BYTES;
	while ((c = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		switch (c) {
		case 'a': account = optarg; break;
		case 'E': from_eb = 1; break;
		case 'h':
			diag_help(usage_text, help_text);
		case 'k': keep_going = 1; break;
		case 'm':
			opt.limit = (size_t)num_parse_size(optarg, 1,
			    NDJSON_MAXLINE_DEFAULT, "size");
			break;
		case 'r': region = optarg; break;
		case 'S': subs = optarg; break;
		case 't':
			sinks_add(&opt.sinks, optarg, "SUBSCRIPTION");
			break;
		case 'T': topic = optarg; break;
		case 'u': opt.unbuffered = 1; break;
		case 'V':
			diag_version();
		case OPT_CLOCK:
			clock_option(optarg);
			break;
		default:
			diag_usage(usage_text);
		}
	argc -= optind;
	argv += optind;
	if (subs == NULL) {
		warnx("give the topic's subscriptions with -S");
		diag_usage(usage_text);
	}
	awsid_init(account, region);
	if (topic != NULL)
		set_topic(topic);
	pt_attr = pathtab_new();
	pt_body = pathtab_new();
	load_subs(subs);
	if (opt.topic == NULL)
		errx(EXIT_USAGE, "%s: no TopicArn: give the topic with -T",
		    subs);
	if (topic == NULL) {
		char *t = opt.topic;

		set_topic(t);		/* check it as -T would */
		free(t);
	}
	check_subs();
	opt.cert = xasprintf("https://sns.%s.amazonaws.com/"
	    "SimpleNotificationService-0000000000000000000000000000000.pem",
	    awsid_region());
	if (opt.fifo)
		opt.dedup = dedup_new(DEDUP_WINDOW_MS);
	envelope_fixed();
	sc = scan_new(pt_body);
	pt_none = pathtab_new();
	sc_req = scan_new(pt_none);
	fields_init(&f_none, pt_none);
	fields_init(&f_attr, pt_attr);
	fields_init(&f_body, pt_body);
	opt.out = opt.sinks.to_stdout ? NULL : out_stdout(opt.unbuffered);
	open_sinks();

	ndjson_open(&in, argc, argv);
	in.keep_going = keep_going;
	while (ndjson_next(&in, &rec, &len)) {
		if (!from_eb && publish_fast(rec, len, &b))
			continue;
		v = from_eb ? read_input(rec, len) : read_request(rec, len);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);

			ndjson_bad(&in, "%s", jv_string_value(msg));
			jv_free(msg);
			continue;
		}
		if (from_eb)
			publish_input(v, rec, len, &b);
		else if (jv_get_kind(v) == JV_KIND_OBJECT &&
		    jv_object_has(jv_copy(v),
		    jv_string("PublishBatchRequestEntries")))
			publish_batch(v, &b);
		else
			publish(v, &b);
	}
	status = ndjson_status(&in);
	ndjson_close(&in);
	sbuf_free(&b);
	for (i = 0; i < opt.n; i++) {
		pattern_free(opt.s[i].pat);
		free(opt.s[i].arn);
		free(opt.s[i].protocol);
		free(opt.s[i].endpoint);
		free(opt.s[i].name);
		free(opt.s[i].dlq);
		free(opt.s[i].unsub);
		sbuf_free(&opt.s[i].unsubm);
		sbuf_free(&opt.s[i].qunsub);
	}
	free(opt.s);
	sinks_close(&opt.sinks);
	fields_free(&f_attr);
	fields_free(&f_body);
	scan_free(sc);
	scan_free(sc_req);
	fields_free(&f_none);
	pathtab_free(pt_none);
	pathtab_free(pt_attr);
	pathtab_free(pt_body);
	free(opt.topic);
	free(opt.created);
	free(opt.cert);
	sbuf_free(&opt.envtopic);
	sbuf_free(&opt.envsign);
	for (i = 0; i < locs.n; i++)
		free(locs.s[i]);
	free(locs.s);
	dedup_free(opt.dedup);
	sbuf_free(&fast_store);
	sbuf_free(&envc.head);
	sbuf_free(&envc.tail);
	sbuf_free(&envc.qhead);
	sbuf_free(&envc.qtail);
	free(fast_room.fa);
	free(fast_room.a);
	sbuf_free(&dbody);
	sbuf_free(&dquoted);
	out_close(out_stdout(opt.unbuffered));
	if (status == EXIT_OK && nrejected > 0)
		status = EXIT_NEGATIVE;
	return status;
}
