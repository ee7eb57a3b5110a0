/*
 * sinks.c: outputs named as ID=PATH; see sinks.h.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "out.h"
#include "sinks.h"
#include "xalloc.h"

void
sinks_add(struct sinks *k, const char *arg, const char *what)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0')
		errx(EXIT_USAGE, "invalid target '%s': expected %s=PATH", arg,
		    what);
	k->s = xreallocarray(k->s, k->n + 1, sizeof(*k->s));
	k->s[k->n].spec = xstrndup(arg, (size_t)(eq - arg));
	k->s[k->n].path = eq + 1;
	k->s[k->n].out = NULL;
	k->s[k->n].used = 0;
	k->to_stdout |= strcmp(eq + 1, "-") == 0;
	k->n++;
}

void
sinks_open(struct sinks *k, int unbuffered)
{
	size_t i, j;

	for (i = 0; i < k->n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(k->s[j].path, k->s[i].path) == 0)
				break;
		k->s[i].out = j < i ? k->s[j].out :
		    out_open(k->s[i].path, unbuffered);
	}
}

struct out *
sinks_find(struct sinks *k, int (*match)(const char *, const void *),
    const void *arg)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (match(k->s[i].spec, arg)) {
			k->s[i].used = 1;
			return k->s[i].out;
		}
	return NULL;
}

void
sinks_check(const struct sinks *k, const char *why)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!k->s[i].used)
			errx(EXIT_USAGE, "--target %s: %s", k->s[i].spec, why);
}

void
sinks_close(struct sinks *k)
{
	size_t i, j;

	for (i = 0; i < k->n; i++) {
		for (j = 0; j < i; j++)
			if (k->s[j].out == k->s[i].out)
				break;
		if (j == i && k->s[i].out != NULL &&
		    k->s[i].out != out_stdout(0))
			out_close(k->s[i].out);
		free(k->s[i].spec);
	}
	free(k->s);
	k->s = NULL;
	k->n = 0;
}
