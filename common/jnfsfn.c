/*
 * jnfsfn.c: the functions AWS Step Functions adds to JSONata ($partition,
 * $range, $hash, $random with a seed, $uuid, $parse), reached only when
 * an evaluation asks for Step Functions' function set (jn_limits.sfn),
 * which also takes $eval away.  Non-integer sizes and bounds are cut
 * towards zero, and arguments that make no chunk or no range give
 * undefined, as AWS does.  AWS's own error texts for these functions are
 * not recorded: their errors carry codes of their own (D32xx).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "intrinsic.h"
#include "jnfunc.h"
#include "sbuf.h"

/* The most items $range builds: AWS refuses one more (memory limit). */
#define RANGE_MAX	360145

/* $partition(array, size): the array in chunks of SIZE, the last shorter. */
struct jn_value *
fn_partition(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *arr = a[0], *res, *chunk = NULL;
	double size = n > 1 && a[1] != NULL ? trunc(a[1]->u.num.d) : 0;
	size_t i;

	if (arr == NULL || arr->u.arr.n == 0 || size < 1)
		return NULL;
	res = jn_array(c->arena, 0);
	for (i = 0; i < arr->u.arr.n; i++) {
		if (chunk == NULL || (double)chunk->u.arr.n >= size) {
			chunk = jn_array(c->arena, 0);
			jn_push(c->arena, res, chunk);
		}
		jn_push(c->arena, chunk, arr->u.arr.v[i]);
	}
	return res;
}

/*
 * $range(start, end, step): START to END by STEP, END included when a
 * step lands on it; one value alone is that number, not an array.
 */
struct jn_value *
fn_range(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	struct jn_value *res;
	double start, end, step, count, i;

	if (n < 3 || a[0] == NULL || a[1] == NULL || a[2] == NULL)
		return NULL;
	start = trunc(a[0]->u.num.d);
	end = trunc(a[1]->u.num.d);
	step = trunc(a[2]->u.num.d);
	if (step == 0 || (step > 0 && start > end) || (step < 0 && start < end))
		return NULL;
	count = floor(fabs(end - start) / fabs(step)) + 1;
	if (count > RANGE_MAX)
		jn_throw(c, "D3202", c->position, "$range would build %.0f "
		    "items, more than %d", count, RANGE_MAX);
	if (count == 1)
		return jn_number(c->arena, start);
	res = jn_array(c->arena, 0);
	for (i = 0; i < count; i++)
		jn_push(c->arena, res, jn_number(c->arena, start + i * step));
	return res;
}

/* $hash(string, algorithm): the lowercase hex digest. */
struct jn_value *
fn_hash(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	char hex[IFN_HASH_HEXSZ], *alg;

	if (a[0] == NULL || n < 2 || a[1] == NULL)
		return NULL;
	alg = jn_alloc(c->arena, a[1]->u.str.len + 1);
	memcpy(alg, a[1]->u.str.s, a[1]->u.str.len);
	alg[a[1]->u.str.len] = '\0';
	if (ifn_hash_hex(alg, a[0]->u.str.s, a[0]->u.str.len, hex) != 0)
		jn_throw(c, "D3201", c->position, "$hash: unsupported "
		    "algorithm '%s' (MD5, SHA-1, SHA-256, SHA-384, SHA-512)",
		    alg);
	return jn_cstring(c->arena, hex);
}

/*
 * $random([seed]): a number in [0, 1), the same for the same seed; 53
 * bits of a UUID make it (deterministic under the toolkit's switch).
 */
struct jn_value *
fn_sfn_random(struct jn_ctx *c, struct jn_value **a, size_t n,
    struct jn_value *in)
{
	char id[UUID_BUFSZ], hex[17];
	double seed;
	uint64_t bits;

	if (n > 0 && a[0] != NULL) {
		seed = a[0]->u.num.d;
		ids_uuid_of(id, &seed, sizeof(seed));
	} else
		ids_uuid(id, NULL, 0);
	/* Sixteen hex digits from the random part (after "xxxxxxxx-"). */
	memcpy(hex, id + 24, 12);
	memcpy(hex + 12, id + 19, 4);
	hex[16] = '\0';
	bits = strtoull(hex, NULL, 16) >> 11;
	return jn_number(c->arena, (double)bits / 9007199254740992.0);
}

/* $uuid(): a version 4 UUID. */
struct jn_value *
fn_uuid(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	char id[UUID_BUFSZ];

	ids_uuid(id, NULL, 0);
	return jn_cstring(c->arena, id);
}

/* $parse(string): the JSON value the string holds. */
struct jn_value *
fn_parse(struct jn_ctx *c, struct jn_value **a, size_t n, struct jn_value *in)
{
	struct jn_value *v;
	char msg[200];

	if (a[0] == NULL)
		return NULL;
	if (jn_parse_json(c->arena, a[0]->u.str.s, a[0]->u.str.len, &v, msg,
	    sizeof(msg)) < 0)
		jn_throw(c, "D3200", c->position, "$parse: the string is not "
		    "JSON: %s", msg);
	return v;
}
