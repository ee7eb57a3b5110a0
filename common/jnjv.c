/*
 * jnjv.c: a libjq value as a value of the JSONata engine (jsonata.h),
 * for sfn-run, whose states hold jv values.  A walk over the value: the
 * JSON text printed by libjq and read again by the engine was most of a
 * JSONata state's time.  Numbers come over as their doubles, which is
 * all a jv holds.
 */
#include <stddef.h>
#include <string.h>

#include <jv.h>

#include "jnint.h"
#include "jsonata.h"

struct jn_value *
jn_from_jv(struct jn_arena *a, jv v)
{
	struct jn_value *r;
	jv k, e;
	int i, n, it;

	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		return jn_null(a);
	case JV_KIND_TRUE:
		return jn_bool(a, 1);
	case JV_KIND_FALSE:
		return jn_bool(a, 0);
	case JV_KIND_NUMBER:
		return jn_number(a, jv_number_value(v));
	case JV_KIND_STRING:
		return jn_string(a, jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v)));
	case JV_KIND_ARRAY:
		r = jn_array(a, 0);
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++) {
			e = jv_array_get(jv_copy(v), i);
			jn_push(a, r, jn_from_jv(a, e));
			jv_free(e);
		}
		return r;
	case JV_KIND_OBJECT:
		r = jn_object(a);
		for (it = jv_object_iter(v); jv_object_iter_valid(v, it);
		    it = jv_object_iter_next(v, it)) {
			k = jv_object_iter_key(v, it);
			e = jv_object_iter_value(v, it);
			jn_set(a, r, jv_string_value(k),
			    (size_t)jv_string_length_bytes(jv_copy(k)),
			    jn_from_jv(a, e));
			jv_free(k);
			jv_free(e);
		}
		return r;
	default:
		return NULL;
	}
}

struct jn_value *
jn_member(const struct jn_value *v, const char *key)
{
	return jn_get(v, key, strlen(key));
}
