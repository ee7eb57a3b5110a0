/*
 * pgkill.c: kill the process groups of running handlers on SIGHUP,
 * SIGINT and SIGTERM (see pgkill.h).
 *
 * The slots live in chunks chained in a list that only grows while the
 * program runs: a signal handler may walk it at any moment, so a chunk
 * is complete before it is linked, and nothing moves or is freed.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "pgkill.h"
#include "xalloc.h"

#define CHUNK	64

struct chunk {
	volatile pid_t		 g[CHUNK];	/* >0 group, 0 free, -1 taken */
	struct chunk *volatile	 next;
};

static struct chunk *volatile first;
static int nslots, nfixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void
on_signal(int sig)
{
	struct chunk *c;
	int i;

	for (c = first; c != NULL; c = c->next)
		for (i = 0; i < CHUNK; i++)
			if (c->g[i] > 0)
				kill(-c->g[i], SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Have at least N slots (call with the lock held, or before threads). */
static void
grow(int n)
{
	struct chunk *c, *volatile *link = &first;

	while (*link != NULL)
		link = &(*link)->next;
	while (nslots < n) {
		c = xcalloc(1, sizeof(*c));
		*link = c;		/* complete: the handler may see it */
		link = &c->next;
		nslots += CHUNK;
	}
}

static volatile pid_t *
slot(int i)
{
	struct chunk *c = first;

	for (; i >= CHUNK; i -= CHUNK)
		c = c->next;
	return &c->g[i];
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

	grow(n);
	nfixed = n;
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
	*slot(i) = pgid;
}

int
pgkill_take(void)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = nfixed; i < nslots && *slot(i) != 0; i++)
		continue;
	if (i == nslots)
		grow(nslots + 1);
	*slot(i) = -1;
	pthread_mutex_unlock(&lock);
	return i;
}

void
pgkill_give(int i)
{
	*slot(i) = 0;
}

void
pgkill_free(void)
{
	struct chunk *c = first, *next;

	first = NULL;
	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	nslots = nfixed = 0;
}
