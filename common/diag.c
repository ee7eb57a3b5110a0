/* diag.c: located diagnostics; see diag.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "diag.h"

void
diag_init(char **argv)
{
	argv[0] = program_invocation_short_name;
}

const char *
diag_prog(void)
{
	return program_invocation_short_name;
}

void
diag_vloc(const char *file, long line, const char *fmt, va_list ap)
{
	if (line > 0)
		fprintf(stderr, "%s: %s:%ld: ", diag_prog(), file, line);
	else
		fprintf(stderr, "%s: %s: ", diag_prog(), file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
diag_loc(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vloc(file, line, fmt, ap);
	va_end(ap);
}
