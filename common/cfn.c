/*
 * cfn.c: the resources of a CloudFormation template, and Ref and
 * Fn::GetAtt resolved to names and ARNs.
 */
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "awsid.h"
#include "cfn.h"
#include "jsonraw.h"
#include "xalloc.h"

/* The name property of each resource type we name, and its FIFO flag. */
static const struct {
	const char	*type, *name, *fifo, *arnfmt;
} kinds[] = {
	{ "AWS::SNS::Topic", "TopicName", "FifoTopic", "sns:%s" },
	{ "AWS::SQS::Queue", "QueueName", "FifoQueue", "sqs:%s" },
	{ "AWS::Lambda::Function", "FunctionName", NULL,
	    "lambda:function:%s" },
	{ "AWS::Events::EventBus", "Name", NULL, "events:event-bus/%s" },
	{ "AWS::Events::Rule", "Name", NULL, "events:rule/%s" },
	{ "AWS::StepFunctions::StateMachine", "StateMachineName", NULL,
	    "states:stateMachine:%s" },
	{ "AWS::Logs::LogGroup", "LogGroupName", NULL,
	    "logs:log-group:%s:*" },
};

int
cfn_next(const char *raw, size_t len, const char **it, struct cfn_res *r)
{
	const char *res, *val, *t;
	size_t reslen, vlen, tlen;
	jv key, ty;

	if (jsonraw_member(raw, len, "Resources", &res, &reslen) != 0 ||
	    !jsonraw_member_next(res, reslen, it, &key, &val, &vlen))
		return 0;
	r->id = xstrdup(jv_string_value(key));
	jv_free(key);
	r->type = NULL;
	if (jsonraw_member(val, vlen, "Type", &t, &tlen) == 0) {
		ty = jv_parse_sized(t, (int)tlen);
		if (jv_get_kind(ty) == JV_KIND_STRING)
			r->type = xstrdup(jv_string_value(ty));
		jv_free(ty);
	}
	if (jsonraw_member(val, vlen, "Properties", &r->props,
	    &r->plen) != 0) {
		r->props = "{}";
		r->plen = 2;
	}
	return 1;
}

void
cfn_res_free(struct cfn_res *r)
{
	free(r->id);
	free(r->type);
}

static jv
member(jv o, const char *k)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return jv_null();
	o = jv_object_get(jv_copy(o), jv_string(k));
	return jv_is_valid(o) ? o : jv_null();
}

/* Is flag V (a boolean or its text) true? */
static int
is_true(jv v)
{
	int t = jv_get_kind(v) == JV_KIND_TRUE ||
	    (jv_get_kind(v) == JV_KIND_STRING &&
	    strcmp(jv_string_value(v), "true") == 0);

	jv_free(v);
	return t;
}

/* The kinds[] index of resource ID (its Type), -1 unknown, -2 absent. */
static int
kind_of(jv resources, const char *id, jv *props)
{
	jv r = member(resources, id), t;
	size_t i;
	int k = -1;

	if (jv_get_kind(r) != JV_KIND_OBJECT) {
		jv_free(r);
		*props = jv_null();
		return -2;
	}
	t = member(r, "Type");
	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if (jv_get_kind(t) == JV_KIND_STRING &&
		    strcmp(jv_string_value(t), kinds[i].type) == 0)
			k = (int)i;
	jv_free(t);
	*props = member(r, "Properties");
	jv_free(r);
	return k;
}

char *
cfn_name(jv resources, const char *id)
{
	jv props, n;
	char *name;
	int k = kind_of(resources, id, &props);

	if (k == -2)
		return NULL;
	n = k >= 0 ? member(props, kinds[k].name) : jv_null();
	if (jv_get_kind(n) == JV_KIND_STRING)
		name = xstrdup(jv_string_value(n));
	else if (k >= 0 && kinds[k].fifo != NULL &&
	    is_true(member(props, kinds[k].fifo)))
		name = xasprintf("%s.fifo", id);
	else
		name = xstrdup(id);
	jv_free(n);
	jv_free(props);
	return name;
}

/* The ARN of resource ID, or NULL for a kind we cannot name. */
static char *
arn_of(jv resources, const char *id, const char **why)
{
	jv props;
	char *name, *res, *arn, *colon;
	int k = kind_of(resources, id, &props);

	jv_free(props);
	if (k == -2) {
		*why = "no resource of the template has this logical id";
		return NULL;
	}
	if (k < 0) {
		*why = "the ARN of this resource type is not known here";
		return NULL;
	}
	name = cfn_name(resources, id);
	res = xasprintf(kinds[k].arnfmt, name);
	colon = strchr(res, ':');
	*colon = '\0';
	arn = arn_make(res, colon + 1);
	free(res);
	free(name);
	return arn;
}

char *
cfn_resolve(jv resources, jv v, const char **why)
{
	jv ref, ga, id = jv_null(), att = jv_null();
	char *r = NULL, *dot;
	const char *type;

	*why = "expected a string, a Ref or a Fn::GetAtt";
	if (jv_get_kind(v) == JV_KIND_STRING)
		return xstrdup(jv_string_value(v));
	ref = member(v, "Ref");
	ga = member(v, "Fn::GetAtt");
	if (jv_get_kind(ref) == JV_KIND_STRING) {
		jv props;
		int k = kind_of(resources, jv_string_value(ref), &props);

		jv_free(props);
		type = k >= 0 ? kinds[k].type : "";
		if (k == -2)
			*why = "Ref: no resource of the template has this "
			    "logical id";
		else if (strcmp(type, "AWS::SNS::Topic") == 0 ||
		    strcmp(type, "AWS::StepFunctions::StateMachine") == 0)
			r = arn_of(resources, jv_string_value(ref), why);
		else
			r = cfn_name(resources, jv_string_value(ref));
	} else if (jv_get_kind(ga) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(ga)) == 2) {
		id = jv_array_get(jv_copy(ga), 0);
		att = jv_array_get(jv_copy(ga), 1);
	} else if (jv_get_kind(ga) == JV_KIND_STRING &&
	    (dot = strchr(jv_string_value(ga), '.')) != NULL) {
		id = jv_string_sized(jv_string_value(ga),
		    (int)(dot - jv_string_value(ga)));
		att = jv_string(dot + 1);
	}
	if (jv_get_kind(id) == JV_KIND_STRING &&
	    jv_get_kind(att) == JV_KIND_STRING) {
		if (strcmp(jv_string_value(att), "Arn") == 0 ||
		    strcmp(jv_string_value(att), "TopicArn") == 0)
			r = arn_of(resources, jv_string_value(id), why);
		else
			*why = "Fn::GetAtt: only the Arn attribute is known "
			    "here";
	}
	jv_free(ref);
	jv_free(ga);
	jv_free(id);
	jv_free(att);
	return r;
}
