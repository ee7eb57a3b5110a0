/*
 * exitcode.h: the one exit-status table every program of the toolkit uses.
 * The man pages (EXIT STATUS) and edakit(7) repeat it; change all or none.
 */
#ifndef EXITCODE_H
#define EXITCODE_H

enum {
	EXIT_OK = 0,		/* success */
	EXIT_NEGATIVE = 1,	/* nothing matched, or some records rejected */
	EXIT_USAGE = 2,		/* usage error, local system or I/O error */
	EXIT_PROGRAM = 3,	/* invalid pattern, definition or program */
	EXIT_INPUT = 4,		/* malformed input record */
	EXIT_RUNTIME = 5	/* runtime failure (handler, execution) */
};

#endif
