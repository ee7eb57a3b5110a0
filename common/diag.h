/*
 * diag.h: diagnostics in the toolkit's one shape.
 *
 * Whole-program messages use glibc's <err.h> (err, errx, warn, warnx),
 * which prefix program_invocation_short_name.  Record-level messages add
 * the input location and never the input itself:
 *
 *	prog: FILE:LINE: message
 */
#ifndef DIAG_H
#define DIAG_H

#include <stdarg.h>

/*
 * Call first in main: makes getopt's own messages use the short name
 * too (it prints argv[0]).
 */
void	 diag_init(char **argv);

/*
 * The shared command-line answers: the usage text and "Try 'prog --help'
 * for more information." on stderr, exit 2; usage and help on stdout,
 * exit 0; "prog (edakit) VERSION" on stdout, exit 0.
 */
void	 diag_usage(const char *usage) __attribute__((noreturn));
void	 diag_help(const char *usage, const char *help)
	    __attribute__((noreturn));
void	 diag_version(void) __attribute__((noreturn));

/* Name used as the prefix of every message (basename of argv[0]). */
const char	*diag_prog(void);

/* Print "prog: FILE:LINE: message" on stderr.  LINE 0 omits ":LINE". */
void	 diag_loc(const char *file, long line, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 diag_vloc(const char *file, long line, const char *fmt, va_list);

#endif
