/*
 * jnfunc.c: the table of JSONata's built-in functions: name, signature
 * (jsonata-js's), and arity as jsonata-js's implementation declares it
 * (higher-order functions pass a callback as many arguments as that).
 * Also $now and $millis, fixed for the whole of one evaluation.
 */
#include <string.h>

#include "clock.h"
#include "jnfunc.h"

static const struct jn_builtin builtins[] = {
	{ "abs",		fn_abs,		"<n-:n>", 1 },
	{ "append",		fn_append,	"<xx:a>", 2 },
	{ "assert",		fn_assert,	"<bs?:x>", 2 },
	{ "average",		fn_average,	"<a<n>:n>", 1 },
	{ "base64decode",	fn_base64decode, "<s-:s>", 1 },
	{ "base64encode",	fn_base64encode, "<s-:s>", 1 },
	{ "boolean",		fn_boolean,	"<x-:b>", 1 },
	{ "ceil",		fn_ceil,	"<n-:n>", 1 },
	{ "contains",		fn_contains,	"<s-(sf):b>", 2 },
	{ "count",		fn_count,	"<a:n>", 1 },
	{ "decodeUrl",		fn_decode_url,	"<s-:s>", 1 },
	{ "decodeUrlComponent",	fn_decode_url_component, "<s-:s>", 1 },
	{ "distinct",		fn_distinct,	"<x:x>", 1 },
	{ "each",		fn_each,	"<o-f:a>", 2 },
	{ "encodeUrl",		fn_encode_url,	"<s-:s>", 1 },
	{ "encodeUrlComponent",	fn_encode_url_component, "<s-:s>", 1 },
	{ "error",		fn_error,	"<s?:x>", 1 },
	{ "eval",		fn_eval,	"<sx?:x>", 2 },
	{ "exists",		fn_exists,	"<x:b>", 1 },
	{ "filter",		fn_filter,	"<af>", 2 },
	{ "floor",		fn_floor,	"<n-:n>", 1 },
	{ "formatBase",		fn_format_base,	"<n-n?:s>", 2 },
	{ "formatInteger",	fn_format_integer, "<n-s:s>", 2 },
	{ "formatNumber",	fn_format_number, "<n-so?:s>", 3 },
	{ "fromMillis",		fn_from_millis,	"<n-s?s?:s>", 3 },
	{ "join",		fn_join,	"<a<s>s?:s>", 2 },
	{ "keys",		fn_keys,	"<x-:a<s>>", 1 },
	{ "length",		fn_length,	"<s-:n>", 1 },
	{ "lookup",		fn_lookup,	"<x-s:x>", 2 },
	{ "lowercase",		fn_lowercase,	"<s-:s>", 1 },
	{ "map",		fn_map,		"<af>", 2 },
	{ "match",		fn_match,	"<s-f<s:o>n?:a<o>>", 3 },
	{ "max",		fn_max,		"<a<n>:n>", 1 },
	{ "merge",		fn_merge,	"<a<o>:o>", 1 },
	{ "millis",		fn_millis,	"<:n>", 0 },
	{ "min",		fn_min,		"<a<n>:n>", 1 },
	{ "not",		fn_not,		"<x-:b>", 1 },
	{ "now",		fn_now,		"<s?s?:s>", 2 },
	{ "number",		fn_number,	"<(nsb)-:n>", 1 },
	{ "pad",		fn_pad,		"<s-ns?:s>", 3 },
	{ "parseInteger",	fn_parse_integer, "<s-s:n>", 2 },
	{ "power",		fn_power,	"<n-n:n>", 2 },
	{ "random",		fn_random,	"<:n>", 0 },
	{ "reduce",		fn_reduce,	"<afj?:j>", 3 },
	{ "replace",		fn_replace,	"<s-(sf)(sf)n?:s>", 4 },
	{ "reverse",		fn_reverse,	"<a:a>", 1 },
	{ "round",		fn_round,	"<n-n?:n>", 2 },
	{ "shuffle",		fn_shuffle,	"<a:a>", 1 },
	{ "sift",		fn_sift,	"<o-f?:o>", 2 },
	{ "single",		fn_single,	"<af?>", 2 },
	{ "sort",		fn_sort,	"<af?:a>", 2 },
	{ "split",		fn_split,	"<s-(sf)n?:a<s>>", 3 },
	{ "spread",		fn_spread,	"<x-:a<o>>", 1 },
	{ "sqrt",		fn_sqrt,	"<n-:n>", 1 },
	{ "string",		fn_string,	"<x-b?:s>", 1 },
	{ "substring",		fn_substring,	"<s-nn?:s>", 3 },
	{ "substringAfter",	fn_substring_after, "<s-s:s>", 2 },
	{ "substringBefore",	fn_substring_before, "<s-s:s>", 2 },
	{ "sum",		fn_sum,		"<a<n>:n>", 1 },
	{ "toMillis",		fn_to_millis,	"<s-s?:n>", 2 },
	{ "trim",		fn_trim,	"<s-:s>", 1 },
	{ "type",		fn_type,	"<x:s>", 1 },
	{ "uppercase",		fn_uppercase,	"<s-:s>", 1 },
	{ "zip",		fn_zip,		"<a+>", 0 },
	{ NULL, NULL, NULL, 0 }
};

const struct jn_builtin *
jn_builtin_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; builtins[i].name != NULL; i++)
		if (strlen(builtins[i].name) == len &&
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
