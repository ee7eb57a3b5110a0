/*
 * filterpat.c: fuzz CloudWatch Logs filter patterns (filterpat.h) and
 * their regular expressions (cwregex.h): the first line of the input is
 * the pattern, every further line a message.  The pattern is compiled
 * as a filter pattern and as a bare regex, and each that compiles is
 * matched against every message.
 */
#include <stdlib.h>
#include <string.h>

#include "cwregex.h"
#include "filterpat.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct filterpat *fp;
	struct cwregex *re;
	char *text, *rest, *err = NULL, *p, *end, *nl;
	size_t n1, n2;

	fuzz_split(data, size, &text, &n1, &rest, &n2);
	if ((fp = filterpat_compile(text, &err)) == NULL) {
		free(err);
		err = NULL;
	}
	if ((re = cwregex_compile(text, n1, &err)) == NULL)
		free(err);
	end = rest + n2;
	for (p = rest; p <= end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (fp != NULL)
			(void)filterpat_match(fp, p, (size_t)(nl - p));
		if (re != NULL)
			(void)cwregex_match(re, p, (size_t)(nl - p));
		if (nl == end)
			break;
	}
	filterpat_free(fp);
	cwregex_free(re);
	free(text);
	free(rest);
	return 0;
}
