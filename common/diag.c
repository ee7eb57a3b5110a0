/* diag.c: located diagnostics; see diag.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "exitcode.h"
#include "version.h"

void
diag_init(char **argv)
{
	argv[0] = program_invocation_short_name;
}

void
diag_usage(const char *usage)
{
	fputs(usage, stderr);
	fprintf(stderr, "Try '%s --help' for more information.\n",
	    diag_prog());
	exit(EXIT_USAGE);
}

void
diag_help(const char *usage, const char *help)
{
	fputs(usage, stdout);
	fputs(help, stdout);
	exit(EXIT_OK);
}

void
diag_version(void)
{
	printf("%s (%s) %s\n", diag_prog(), EDAKIT_NAME, EDAKIT_VERSION);
	exit(EXIT_OK);
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
