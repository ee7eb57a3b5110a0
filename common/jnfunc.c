/*
 * jnfunc.c: the table of JSONata's built-in functions: name, signature
 * (jsonata-js's), and arity as jsonata-js's implementation declares it
 * (higher-order functions pass a callback as many arguments as that),
 * and the function set it belongs to: JSONata's own, or the one AWS
 * Step Functions evaluates with, which adds six and has no $eval.
 * Also $now and $millis, fixed for the whole of one evaluation.
 */
#include <string.h>

#include "clock.h"
#include "jnfunc.h"

static const struct jn_builtin builtins[] = {
	{ "abs",		fn_abs,		"<n-:n>", 1, JN_SET_ALL },
	{ "append",		fn_append,	"<xx:a>", 2, JN_SET_ALL },
	{ "assert",		fn_assert,	"<bs?:x>", 2, JN_SET_ALL },
	{ "average",		fn_average,	"<a<n>:n>", 1, JN_SET_ALL },
	{ "base64decode",	fn_base64decode, "<s-:s>", 1, JN_SET_ALL },
	{ "base64encode",	fn_base64encode, "<s-:s>", 1, JN_SET_ALL },
	{ "boolean",		fn_boolean,	"<x-:b>", 1, JN_SET_ALL },
	{ "ceil",		fn_ceil,	"<n-:n>", 1, JN_SET_ALL },
	{ "contains",		fn_contains,	"<s-(sf):b>", 2, JN_SET_ALL },
	{ "count",		fn_count,	"<a:n>", 1, JN_SET_ALL },
	{ "decodeUrl",		fn_decode_url,	"<s-:s>", 1, JN_SET_ALL },
	{ "decodeUrlComponent",	fn_decode_url_component, "<s-:s>", 1, JN_SET_ALL },
	{ "distinct",		fn_distinct,	"<x:x>", 1, JN_SET_ALL },
	{ "each",		fn_each,	"<o-f:a>", 2, JN_SET_ALL },
	{ "encodeUrl",		fn_encode_url,	"<s-:s>", 1, JN_SET_ALL },
	{ "encodeUrlComponent",	fn_encode_url_component, "<s-:s>", 1, JN_SET_ALL },
	{ "error",		fn_error,	"<s?:x>", 1, JN_SET_ALL },
	/* AWS has no $eval (its $parse reads JSON instead). */
	{ "eval",		fn_eval,	"<sx?:x>", 2, JN_SET_JSONATA },
	{ "exists",		fn_exists,	"<x:b>", 1, JN_SET_ALL },
	{ "filter",		fn_filter,	"<af>", 2, JN_SET_ALL },
	{ "floor",		fn_floor,	"<n-:n>", 1, JN_SET_ALL },
	{ "formatBase",		fn_format_base,	"<n-n?:s>", 2, JN_SET_ALL },
	{ "formatInteger",	fn_format_integer, "<n-s:s>", 2, JN_SET_ALL },
	{ "formatNumber",	fn_format_number, "<n-so?:s>", 3, JN_SET_ALL },
	{ "fromMillis",		fn_from_millis,	"<n-s?s?:s>", 3, JN_SET_ALL },
	{ "join",		fn_join,	"<a<s>s?:s>", 2, JN_SET_ALL },
	{ "keys",		fn_keys,	"<x-:a<s>>", 1, JN_SET_ALL },
	{ "length",		fn_length,	"<s-:n>", 1, JN_SET_ALL },
	{ "lookup",		fn_lookup,	"<x-s:x>", 2, JN_SET_ALL },
	{ "lowercase",		fn_lowercase,	"<s-:s>", 1, JN_SET_ALL },
	{ "map",		fn_map,		"<af>", 2, JN_SET_ALL },
	{ "match",		fn_match,	"<s-f<s:o>n?:a<o>>", 3, JN_SET_ALL },
	{ "max",		fn_max,		"<a<n>:n>", 1, JN_SET_ALL },
	{ "merge",		fn_merge,	"<a<o>:o>", 1, JN_SET_ALL },
	{ "millis",		fn_millis,	"<:n>", 0, JN_SET_ALL },
	{ "min",		fn_min,		"<a<n>:n>", 1, JN_SET_ALL },
	{ "not",		fn_not,		"<x-:b>", 1, JN_SET_ALL },
	{ "now",		fn_now,		"<s?s?:s>", 2, JN_SET_ALL },
	{ "number",		fn_number,	"<(nsb)-:n>", 1, JN_SET_ALL },
	{ "pad",		fn_pad,		"<s-ns?:s>", 3, JN_SET_ALL },
	{ "parseInteger",	fn_parse_integer, "<s-s:n>", 2, JN_SET_ALL },
	{ "power",		fn_power,	"<n-n:n>", 2, JN_SET_ALL },
	{ "random",		fn_random,	"<:n>", 0, JN_SET_JSONATA },
	{ "reduce",		fn_reduce,	"<afj?:j>", 3, JN_SET_ALL },
	{ "replace",		fn_replace,	"<s-(sf)(sf)n?:s>", 4, JN_SET_ALL },
	{ "reverse",		fn_reverse,	"<a:a>", 1, JN_SET_ALL },
	{ "round",		fn_round,	"<n-n?:n>", 2, JN_SET_ALL },
	{ "shuffle",		fn_shuffle,	"<a:a>", 1, JN_SET_ALL },
	{ "sift",		fn_sift,	"<o-f?:o>", 2, JN_SET_ALL },
	{ "single",		fn_single,	"<af?>", 2, JN_SET_ALL },
	{ "sort",		fn_sort,	"<af?:a>", 2, JN_SET_ALL },
	{ "split",		fn_split,	"<s-(sf)n?:a<s>>", 3, JN_SET_ALL },
	{ "spread",		fn_spread,	"<x-:a<o>>", 1, JN_SET_ALL },
	{ "sqrt",		fn_sqrt,	"<n-:n>", 1, JN_SET_ALL },
	{ "string",		fn_string,	"<x-b?:s>", 1, JN_SET_ALL },
	{ "substring",		fn_substring,	"<s-nn?:s>", 3, JN_SET_ALL },
	{ "substringAfter",	fn_substring_after, "<s-s:s>", 2, JN_SET_ALL },
	{ "substringBefore",	fn_substring_before, "<s-s:s>", 2, JN_SET_ALL },
	{ "sum",		fn_sum,		"<a<n>:n>", 1, JN_SET_ALL },
	{ "toMillis",		fn_to_millis,	"<s-s?:n>", 2, JN_SET_ALL },
	{ "trim",		fn_trim,	"<s-:s>", 1, JN_SET_ALL },
	{ "type",		fn_type,	"<x:s>", 1, JN_SET_ALL },
	{ "uppercase",		fn_uppercase,	"<s-:s>", 1, JN_SET_ALL },
	{ "zip",		fn_zip,		"<a+>", 0, JN_SET_ALL },
	/* Step Functions' additions (jnfsfn.c). */
	{ "partition",		fn_partition,	"<an:a>", 2, JN_SET_SFN },
	{ "range",		fn_range,	"<nnn:a>", 3, JN_SET_SFN },
	{ "hash",		fn_hash,	"<s-s:s>", 2, JN_SET_SFN },
	{ "random",		fn_sfn_random,	"<n?:n>", 1, JN_SET_SFN },
	{ "uuid",		fn_uuid,	"<:s>", 0, JN_SET_SFN },
	{ "parse",		fn_parse,	"<s-:x>", 1, JN_SET_SFN },
	{ NULL, NULL, NULL, 0, 0 }
};

const struct jn_builtin *
jn_builtin_find(const struct jn_ctx *c, const char *name, size_t len)
{
	int skip = c->sfn ? JN_SET_JSONATA : JN_SET_SFN;
	size_t i;

	for (i = 0; builtins[i].name != NULL; i++)
		if (builtins[i].set != skip &&
		    strlen(builtins[i].name) == len &&
		    memcmp(builtins[i].name, name, len) == 0)
			return &builtins[i];
	return NULL;
}

struct jn_value *
fn_millis(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	return jn_number(c->arena, (double)jn_now_ms(c));
}

/* $now(picture, timezone): the evaluation's time through $fromMillis. */
struct jn_value *
fn_now(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	struct jn_value *args[3];

	args[0] = jn_number(c->arena, (double)jn_now_ms(c));
	args[1] = n > 0 ? a[0] : NULL;
	args[2] = n > 1 ? a[1] : NULL;
	return fn_from_millis(c, args, 3, in);
}
