/*
 * sinks.h: outputs named on the command line as ID=PATH (ebus-match's
 * rule targets, sns-publish's subscriptions).  Each path is opened once,
 * however many ids share it; "-" is the standard output.  Every id given
 * must name something: the program looks each of its receivers up, then
 * sinks_check refuses the ids that no lookup used.
 */
#ifndef SINKS_H
#define SINKS_H

#include <stddef.h>

#include "out.h"

struct sink {
	char		*spec;		/* the ID */
	const char	*path;		/* borrowed from argv */
	struct out	*out;
	int		 used;
};

struct sinks {
	struct sink	*s;
	size_t		 n;
	int		 to_stdout;	/* some path is "-" */
};

/* Add the option argument "ID=PATH"; malformed: exit 2 ("expected WHAT=PATH"). */
void	sinks_add(struct sinks *, const char *arg, const char *what);

/* Open every path (exit 2 when one cannot be). */
void	sinks_open(struct sinks *, int unbuffered);

/*
 * The output of the first sink whose ID MATCH accepts (the sink is then
 * used), or NULL.
 */
struct out	*sinks_find(struct sinks *,
		    int (*match)(const char *id, const void *arg),
		    const void *arg);

/* Exit 2 for the first ID no lookup used: "--target ID: WHY". */
void	sinks_check(const struct sinks *, const char *why);

/* Close every path but the standard output, and free. */
void	sinks_close(struct sinks *);

#endif
