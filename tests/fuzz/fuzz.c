/* fuzz.c: the helpers of fuzz.h. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "xalloc.h"

char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s;

	s = xmalloc(size + 1);
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzz_split(const uint8_t *data, size_t size, char **first, size_t *n1,
    char **rest, size_t *n2)
{
	const uint8_t *nl;
	size_t k;

	nl = size > 0 ? memchr(data, '\n', size) : NULL;
	k = nl != NULL ? (size_t)(nl - data) : size;
	*first = fuzz_str(data, k);
	*n1 = k;
	if (nl != NULL) {
		*rest = fuzz_str(nl + 1, size - k - 1);
		*n2 = size - k - 1;
	} else {
		*rest = fuzz_str(data, 0);
		*n2 = 0;
	}
}
