/*
 * jnfunc.h: the built-in functions of JSONata, by family: jnfstr.c
 * (strings, regular expressions, URL and base64 coding), jnfpic.c
 * (integer picture strings), jnfmtnum.c ($formatNumber), jnfdate.c
 * ($fromMillis, $toMillis), jnfnum.c
 * (numbers, aggregation, booleans), jnfarr.c (arrays, objects,
 * higher-order functions), jnfsfn.c (Step Functions' additions);
 * jneval.c has $eval.  Each takes the arguments
 * as its signature (jnfunc.c's table) has fixed them up and returns a
 * value in the evaluation's arena, or undefined (NULL).
 */
#ifndef JNFUNC_H
#define JNFUNC_H
#include "jnint.h"

#define JN_BUILTIN_ARGS	struct jn_ctx *, struct jn_value **, size_t, \
	struct jn_value *

struct jn_value	*fn_abs(JN_BUILTIN_ARGS);
struct jn_value	*fn_append(JN_BUILTIN_ARGS);
struct jn_value	*fn_assert(JN_BUILTIN_ARGS);
struct jn_value	*fn_average(JN_BUILTIN_ARGS);
struct jn_value	*fn_base64decode(JN_BUILTIN_ARGS);
struct jn_value	*fn_base64encode(JN_BUILTIN_ARGS);
struct jn_value	*fn_boolean(JN_BUILTIN_ARGS);
struct jn_value	*fn_ceil(JN_BUILTIN_ARGS);
struct jn_value	*fn_contains(JN_BUILTIN_ARGS);
struct jn_value	*fn_count(JN_BUILTIN_ARGS);
struct jn_value	*fn_decode_url(JN_BUILTIN_ARGS);
struct jn_value	*fn_decode_url_component(JN_BUILTIN_ARGS);
struct jn_value	*fn_distinct(JN_BUILTIN_ARGS);
struct jn_value	*fn_each(JN_BUILTIN_ARGS);
struct jn_value	*fn_encode_url(JN_BUILTIN_ARGS);
struct jn_value	*fn_encode_url_component(JN_BUILTIN_ARGS);
struct jn_value	*fn_error(JN_BUILTIN_ARGS);
struct jn_value	*fn_exists(JN_BUILTIN_ARGS);
struct jn_value	*fn_filter(JN_BUILTIN_ARGS);
struct jn_value	*fn_floor(JN_BUILTIN_ARGS);
struct jn_value	*fn_format_base(JN_BUILTIN_ARGS);
struct jn_value	*fn_format_integer(JN_BUILTIN_ARGS);
struct jn_value	*fn_format_number(JN_BUILTIN_ARGS);
struct jn_value	*fn_from_millis(JN_BUILTIN_ARGS);
struct jn_value	*fn_to_millis(JN_BUILTIN_ARGS);
struct jn_value	*fn_join(JN_BUILTIN_ARGS);
struct jn_value	*fn_keys(JN_BUILTIN_ARGS);
struct jn_value	*fn_length(JN_BUILTIN_ARGS);
struct jn_value	*fn_lookup(JN_BUILTIN_ARGS);
struct jn_value	*fn_lowercase(JN_BUILTIN_ARGS);
struct jn_value	*fn_map(JN_BUILTIN_ARGS);
struct jn_value	*fn_match(JN_BUILTIN_ARGS);
struct jn_value	*fn_max(JN_BUILTIN_ARGS);
struct jn_value	*fn_merge(JN_BUILTIN_ARGS);
struct jn_value	*fn_min(JN_BUILTIN_ARGS);
struct jn_value	*fn_not(JN_BUILTIN_ARGS);
struct jn_value	*fn_number(JN_BUILTIN_ARGS);
struct jn_value	*fn_pad(JN_BUILTIN_ARGS);
struct jn_value	*fn_parse_integer(JN_BUILTIN_ARGS);
struct jn_value	*fn_power(JN_BUILTIN_ARGS);
struct jn_value	*fn_random(JN_BUILTIN_ARGS);
struct jn_value	*fn_reduce(JN_BUILTIN_ARGS);
struct jn_value	*fn_replace(JN_BUILTIN_ARGS);
struct jn_value	*fn_reverse(JN_BUILTIN_ARGS);
struct jn_value	*fn_round(JN_BUILTIN_ARGS);
struct jn_value	*fn_shuffle(JN_BUILTIN_ARGS);
struct jn_value	*fn_sift(JN_BUILTIN_ARGS);
struct jn_value	*fn_single(JN_BUILTIN_ARGS);
struct jn_value	*fn_sort(JN_BUILTIN_ARGS);
struct jn_value	*fn_split(JN_BUILTIN_ARGS);
struct jn_value	*fn_spread(JN_BUILTIN_ARGS);
struct jn_value	*fn_sqrt(JN_BUILTIN_ARGS);
struct jn_value	*fn_string(JN_BUILTIN_ARGS);
struct jn_value	*fn_substring(JN_BUILTIN_ARGS);
struct jn_value	*fn_substring_after(JN_BUILTIN_ARGS);
struct jn_value	*fn_substring_before(JN_BUILTIN_ARGS);
struct jn_value	*fn_sum(JN_BUILTIN_ARGS);
struct jn_value	*fn_trim(JN_BUILTIN_ARGS);
struct jn_value	*fn_type(JN_BUILTIN_ARGS);
struct jn_value	*fn_uppercase(JN_BUILTIN_ARGS);
struct jn_value	*fn_zip(JN_BUILTIN_ARGS);
struct jn_value	*fn_eval(JN_BUILTIN_ARGS);
struct jn_value	*fn_now(JN_BUILTIN_ARGS);
struct jn_value	*fn_millis(JN_BUILTIN_ARGS);
/* Step Functions' additions (jnfsfn.c). */
struct jn_value	*fn_partition(JN_BUILTIN_ARGS);
struct jn_value	*fn_range(JN_BUILTIN_ARGS);
struct jn_value	*fn_hash(JN_BUILTIN_ARGS);
struct jn_value	*fn_sfn_random(JN_BUILTIN_ARGS);
struct jn_value	*fn_uuid(JN_BUILTIN_ARGS);
struct jn_value	*fn_parse(JN_BUILTIN_ARGS);

/* $toMillis with a picture: the time, or undefined when it does not match. */
struct jn_value	*jn_parse_datetime(struct jn_ctx *, struct jn_value *ts,
		    struct jn_value *picture);

/* Round half to even at PREC decimal places, as $round does. */
double	jn_round(double, int prec);

/*
 * Argument INDEX (1-based) is missing (undefined) where the function
 * cannot do without it: jsonata-js dereferences it there and throws a
 * JavaScript TypeError, which has no code; we throw T0410 for it.
 */
void	jn_sig_missing(struct jn_ctx *, int index)
	    __attribute__((noreturn));
#endif
