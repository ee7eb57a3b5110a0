/*
 * asl.c: fuzz loading Amazon States Language definitions (asl.h): the
 * input is the definition, parsed as sfn-run parses it.
 */
#include <stdlib.h>

#include <jv.h>

#include "asl.h"
#include "fuzz.h"
#include "sbuf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct asl_machine *m;
	struct sbuf why = SBUF_INIT;
	jv def;

	if (size > 1 << 20)
		return 0;
	def = jv_parse_sized((const char *)data, (int)size);
	if (jv_is_valid(def)) {
		m = asl_load(def, &why);
		asl_free(m);
	}
	jv_free(def);
	sbuf_free(&why);
	return 0;
}
