/*
 * cfn.h: CloudFormation templates in JSON, as the toolkit reads them
 * (ebus-match's rules, sns-publish's topics and subscriptions): the
 * resources in file order, with their Properties as raw text (so that
 * patterns and policies keep their bytes), and the references between
 * resources that a local run can resolve: Ref and Fn::GetAtt ... Arn to
 * the name or ARN the resource would have, in this account and region.
 */
#ifndef CFN_H
#define CFN_H

#include <stddef.h>

#include <jv.h>

struct cfn_res {
	char		*id;		/* the logical id */
	char		*type;		/* "AWS::SNS::Topic", or NULL */
	const char	*props;		/* raw Properties ("{}" when none) */
	size_t		 plen;
};

/*
 * Iterate the resources of the template text [raw, raw+len): *it starts
 * NULL; each call returns 1 and fills R (free it with cfn_res_free), or
 * 0 at the end (or when there are no Resources).
 */
int	cfn_next(const char *raw, size_t len, const char **it,
	    struct cfn_res *r);
void	cfn_res_free(struct cfn_res *);

/*
 * The physical name of resource ID of RESOURCES (the template's
 * Resources object, borrowed): its name property (TopicName, QueueName,
 * FunctionName, Name) when given, else the logical id, with ".fifo" for
 * a FIFO topic or queue; NULL when there is no such resource.  Owned.
 */
char	*cfn_name(jv resources, const char *id);

/*
 * What V (borrowed) stands for: a string as it is; {"Ref": ID} the ARN
 * of a topic, the name of any other resource; {"Fn::GetAtt": [ID,
 * "Arn"]} (or "ID.Arn") the ARN of a queue, function, topic or event
 * bus.  Returns it (owned), or NULL with *why (static) saying why not.
 */
char	*cfn_resolve(jv resources, jv v, const char **why);

#endif
