/*
 * pgkill.c: kill the process groups of running handlers on SIGHUP,
 * SIGINT and SIGTERM (see pgkill.h).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "pgkill.h"
#include "xalloc.h"

static volatile pid_t *groups;
static int ngroups;

static void
on_signal(int sig)
{
	int i;

	for (i = 0; i < ngroups; i++)
		if (groups[i] > 0)
			kill(-groups[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
pgkill_hold(int hold)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

void
pgkill_init(int n)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction sa;
	size_t i;

	groups = xcalloc((size_t)n, sizeof(*groups));
	ngroups = n;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			continue;	/* as nohup(1) asked */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

void
pgkill_set(int i, pid_t pgid)
{
	groups[i] = pgid;
}

void
pgkill_free(void)
{
	ngroups = 0;
	free((void *)groups);
	groups = NULL;
}
