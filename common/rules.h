/*
 * rules.h: a bus's rules and their targets, read from the files AWS
 * users already have: a JSON array or NDJSON of put-rule / describe-rule
 * shapes ({"Name", "EventPattern", "State", "EventBusName", "Targets"}),
 * list-rules output ({"Rules": [...]}), or a CloudFormation template
 * whose AWS::Events::Rule resources are taken in file order.  Names,
 * targets and patterns are validated as AWS validates them.
 */
#ifndef RULES_H
#define RULES_H

#include <stddef.h>

#include "pattern.h"
#include "sqs.h"
#include "transform.h"

struct target {
	char		*id;
	char		*arn;
	char		*dlq;		/* DeadLetterConfig.Arn, or NULL */
	struct transform *xf;
	struct sqs_queue queue;		/* .arn: the target is an SQS queue */
	char		*group;		/* SqsParameters.MessageGroupId */
	void		*sink;		/* for the program: where it goes */
};

struct rule {
	char		*name;
	char		*arn;
	char		*bus;
	int		 enabled;
	struct pattern	*pat;		/* NULL: a schedule-only rule */
	struct target	*t;
	size_t		 nt;
};

struct ruleset {
	struct rule	*r;
	size_t		 n;
};

/*
 * Load PATH, keeping the rules of bus BUS (NULL: every bus).  Patterns
 * intern their paths in PT.  Returns 0, or -1 with *err (owned by the
 * caller) saying where and what is wrong.
 */
int	rules_load(const char *path, const char *bus, struct pathtab *pt,
	    const struct pattern_opts *, struct ruleset *, char **err);
void	rules_free(struct ruleset *);

/*
 * The input target T of rule R receives for the event [rec, rec+len):
 * appended to OUT (reset first).  For an SQS queue target that is an
 * SQS message (sqs.h) whose Body is the input, sent with the target's
 * SqsParameters.MessageGroupId; on a FIFO queue its deduplication id is
 * content-based, as EventBridge requires of the queue.  *VALUE is the
 * event parsed, parsed here on first need (jv_invalid() until then; the
 * caller frees it).  Returns 0, or -1 when AWS could not deliver it,
 * with *code and *why for the dead-letter attributes (static, or valid
 * until the next call).
 */
int	rules_target_input(const struct rule *r, const struct target *t,
	    const char *rec, size_t len, jv *value, struct sbuf *out,
	    const char **code, const char **why);

#endif
