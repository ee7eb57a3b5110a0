/*
 * sqs.c: SQS messages, checked and laid out as a queue holds them; see
 * sqs.h.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/md5.h>

#include "awsid.h"
#include "clock.h"
#include "dedup.h"
#include "jsonraw.h"
#include "num.h"
#include "sbuf.h"
#include "sqs.h"
#include "xalloc.h"

#define SQS_NAME_MAX	80

static uint64_t seqcount;

int
sqs_arn(const char *s, struct sqs_queue *q)
{
	const char *p = s, *name;
	size_t len;
	int colons;

	if (strncmp(s, "arn:aws:sqs:", 12) != 0)
		return 0;
	for (colons = 0, p = s + 12; *p != '\0'; p++)
		colons += *p == ':';
	if (colons != 2)
		return 0;
	name = strrchr(s, ':') + 1;
	len = strlen(name);
	memset(q, 0, sizeof(*q));
	q->arn = s;
	if (len > 5 && strcmp(name + len - 5, ".fifo") == 0) {
		q->fifo = 1;
		len -= 5;
	}
	if (len == 0 || len + (q->fifo ? 5 : 0) > SQS_NAME_MAX)
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789_-") == len;
}

void
sqs_md5_hex(const void *p, size_t n, char hex[33])
{
	struct md5_ctx c;
	uint8_t d[MD5_DIGEST_SIZE];

	md5_init(&c);
	md5_update(&c, n, p);
	md5_digest(&c, sizeof(d), d);
	num_hex(hex, d, sizeof(d));
}

static void
md5_field(struct md5_ctx *c, const void *p, size_t n)
{
	uint8_t be[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16),
	    (uint8_t)(n >> 8), (uint8_t)n };

	md5_update(c, 4, be);
	md5_update(c, n, p);
}

/* The bytes of base64 text S into *BIN (the caller frees it); bad: 0. */
static size_t
unbase64(const char *s, uint8_t **bin)
{
	struct base64_decode_ctx bc;
	size_t n = strlen(s), bl = 0;

	*bin = xmalloc(BASE64_DECODE_LENGTH(n) + 1);
	base64_decode_init(&bc);
	if (!base64_decode_update(&bc, &bl, *bin, n, s) ||
	    !base64_decode_final(&bc))
		bl = 0;
	return bl;
}

void
sqs_md5_attrs(const struct sqs_attr *a, size_t n, char hex[33])
{
	struct md5_ctx c;
	uint8_t d[MD5_DIGEST_SIZE], *bin;
	size_t i, bl;

	md5_init(&c);
	for (i = 0; i < n; i++) {
		uint8_t tb = a[i].binary ? 2 : 1;

		md5_field(&c, a[i].name, strlen(a[i].name));
		md5_field(&c, a[i].type, strlen(a[i].type));
		md5_update(&c, 1, &tb);
		if (a[i].binary) {
			bl = unbase64(a[i].value, &bin);
			md5_field(&c, bin, bl);
			free(bin);
		} else
			md5_field(&c, a[i].value, strlen(a[i].value));
	}
	md5_digest(&c, sizeof(d), d);
	num_hex(hex, d, sizeof(d));
}

/* ----------------------------------------------------------- SendMessage */

static int
fail(const char **code, char **msg, const char *c, char *m)
{
	*code = c;
	*msg = m;
	return -1;
}

/* 1 to 128 alphanumeric or punctuation characters (printable ASCII). */
static int
id_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '!' || s[n] > '~')
			return 0;
	return n >= 1 && n <= SQS_ID_MAX;
}

static char *
id_error(const char *param, const char *v)
{
	struct sbuf b = SBUF_INIT;

	sbuf_addf(&b, "Value %s for parameter %s is invalid. Reason: %s can "
	    "only include alphanumeric and punctuation characters. 1 to 128 "
	    "in length.", v, param, param);
	return sbuf_detach(&b, NULL);
}

/* The type of an attribute as SQS names it in messages. */
static const char *
base_type(const char *type)
{
	if (strncmp(type, "Binary", 6) == 0)
		return "Binary";
	if (strncmp(type, "Number", 6) == 0)
		return "Number";
	return "String";
}

int
sqs_check(const struct sqs_msg *m, const struct sqs_queue *q,
    const char **code, char **msg)
{
	struct sbuf b = SBUF_INIT;
	uint8_t *bin;
	size_t i, size = m->len;

	if (m->len == 0)
		return fail(code, msg, "MissingParameter", xstrdup("The "
		    "request must contain the parameter MessageBody."));
	for (i = 0; i < m->na; i++) {
		size += strlen(m->a[i].name) + strlen(m->a[i].type);
		if (m->a[i].binary) {
			size += unbase64(m->a[i].value, &bin);
			free(bin);
		} else
			size += strlen(m->a[i].value);
	}
	if (size > SQS_MAX_BYTES)
		return fail(code, msg, "InvalidParameterValue", xstrdup("One "
		    "or more parameters are invalid. Reason: Message must be "
		    "shorter than 1048576 bytes."));
	for (i = 0; i < m->na; i++)
		if (m->a[i].value[0] == '\0') {
			sbuf_addf(&b, "Message (user) attribute '%s' must "
			    "contain a non-empty value of type '%s'.",
			    m->a[i].name, base_type(m->a[i].type));
			return fail(code, msg, "InvalidParameterValue",
			    sbuf_detach(&b, NULL));
		}
	if (m->group != NULL && !id_ok(m->group))
		return fail(code, msg, "InvalidParameterValue",
		    id_error("MessageGroupId", m->group));
	if (m->dedup != NULL && !id_ok(m->dedup))
		return fail(code, msg, "InvalidParameterValue",
		    id_error("MessageDeduplicationId", m->dedup));
	if (q->fifo && m->group == NULL)
		return fail(code, msg, "MissingParameter", xstrdup("The "
		    "request must contain the parameter MessageGroupId."));
	if (q->fifo && m->dedup == NULL && !q->content_dedup)
		return fail(code, msg, "InvalidParameterValue", xstrdup("The "
		    "queue should either have ContentBasedDeduplication "
		    "enabled or MessageDeduplicationId provided explicitly"));
	return 0;
}

/* ---------------------------------------------------------------- layout */

static void
attributes(struct sbuf *b, const struct sqs_msg *m,
    const struct sqs_queue *q, int64_t sent)
{
	char seq[32], dedup[DEDUP_SHA256_HEX];

	sbuf_addf(b, ",\"Attributes\":{\"SentTimestamp\":\"%" PRId64 "\"",
	    sent);
	if (m->seq != NULL)
		jsonraw_add_member(b, "SequenceNumber", m->seq);
	else if (q->fifo) {
		/* 20 digits that grow: the time, then a counter */
		snprintf(seq, sizeof(seq), "%013" PRId64 "%07" PRIu64, sent,
		    __atomic_add_fetch(&seqcount, 1, __ATOMIC_RELAXED) %
		    10000000);
		jsonraw_add_member(b, "SequenceNumber", seq);
	}
	if (m->group != NULL)
		jsonraw_add_member(b, "MessageGroupId", m->group);
	jsonraw_add_member(b, "SenderId", awsid_account());
	if (m->dedup != NULL)
		jsonraw_add_member(b, "MessageDeduplicationId", m->dedup);
	else if (q->fifo) {
		dedup_content_id(m->body, m->len, dedup);
		jsonraw_add_member(b, "MessageDeduplicationId", dedup);
	}
	sbuf_adds(b, "}");
}

static void
message_attributes(struct sbuf *b, const struct sqs_attr *a, size_t n)
{
	char hex[33];
	size_t i;

	sqs_md5_attrs(a, n, hex);
	sbuf_addf(b, ",\"MD5OfMessageAttributes\":\"%s\","
	    "\"MessageAttributes\":{", hex);
	for (i = 0; i < n; i++) {
		sbuf_adds(b, i > 0 ? "," : "");
		jsonraw_quote(b, a[i].name, strlen(a[i].name));
		sbuf_adds(b, ":{\"DataType\":");
		jsonraw_quote(b, a[i].type, strlen(a[i].type));
		sbuf_adds(b, a[i].binary ? ",\"BinaryValue\":" :
		    ",\"StringValue\":");
		jsonraw_quote(b, a[i].value, strlen(a[i].value));
		sbuf_adds(b, "}");
	}
	sbuf_adds(b, "}");
}

void
sqs_message(struct sbuf *b, const struct sqs_msg *m,
    const struct sqs_queue *q)
{
	char id[UUID_BUFSZ], hex[33];

	if (m->id == NULL)
		ids_uuid(id, m->body, m->len);
	if (m->md5 == NULL)
		sqs_md5_hex(m->body, m->len, hex);
	sbuf_adds(b, "{\"MessageId\":\"");
	sbuf_adds(b, m->id != NULL ? m->id : id);
	sbuf_adds(b, "\",\"MD5OfBody\":\"");
	sbuf_adds(b, m->md5 != NULL ? m->md5 : hex);
	sbuf_adds(b, "\",\"Body\":");
	if (m->quoted != NULL)
		sbuf_add(b, m->quoted, m->qlen);
	else
		jsonraw_quote(b, m->body, m->len);
	attributes(b, m, q, m->sent != 0 ? m->sent : clock_now_ms());
	if (m->na > 0)
		message_attributes(b, m->a, m->na);
	sbuf_adds(b, "}");
}
