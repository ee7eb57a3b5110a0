/*
 * rapi.h: the Lambda Runtime API, served to custom runtimes on loopback.
 *
 * A server has N execution environments.  Each runs the runtime command
 * once (started when it is first given work, and again after it exits)
 * and serves it the Runtime API on its own 127.0.0.1 port.  Each runtime
 * started gets a new token, 32 random hex digits, and every path it is
 * served starts with it: AWS_LAMBDA_RUNTIME_API is "127.0.0.1:PORT/TOKEN",
 * so a client that builds http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/...
 * works unchanged, while any other local process gets 403 Forbidden and
 * takes nothing.  Under the token:
 *
 *	GET  /2018-06-01/runtime/invocation/next	the next invocation
 *	     (a long poll), with the Lambda-Runtime-Aws-Request-Id,
 *	     -Deadline-Ms, -Invoked-Function-Arn and -Trace-Id headers
 *	POST .../invocation/ID/response			its result
 *	POST .../invocation/ID/error			its error
 *	POST .../init/error				the runtime could not
 *	     start the function (the environment then starts afresh)
 *
 * with Lambda's answers: 202 {"status":"OK"}, 400 InvalidRequestID, 403
 * InvalidStateTransition for a result already given, 413
 * RequestEntityTooLarge for a response over LAMBDA_RESPONSE_LIMIT, 404
 * for any other path under the token, 403 Forbidden for any path without.  Everything, the HTTP side and every callback
 * included, runs on the caller's thread inside rapi_wait: serving the
 * API, reading the runtimes' output (the function's log), reaping
 * runtimes that exit and killing those whose invocation times out,
 * failing that invocation the way Lambda does (Sandbox.Timedout,
 * Runtime.ExitError, Runtime.InvalidEntrypoint).
 *
 * Each environment's runtime is confined to rapi_config.cpus of the
 * caller's CPUs, and with a single environment the caller's thread moves
 * onto the same CPUs (see rapi.c).
 *
 * Runtimes run in process groups recorded with pgkill_set (slot = the
 * environment), so pgkill_init(N) must have been called first.
 *
 * Only lambda-invoke uses this module; its program alone links
 * libmicrohttpd.
 */
#ifndef RAPI_H
#define RAPI_H

#include <stddef.h>
#include <stdint.h>

#include "lambda.h"

/*
 * Invocations one environment may hold at once: with the function log
 * off it keeps the next one ready while the caller still handles the
 * last one's result, so that the runtime's next GET is answered at once;
 * with a log, give it one at a time, so that output is told apart.
 */
#define RAPI_DEPTH	2

/* One finished invocation, as rapi_config.done receives it. */
struct rapi_result {
	void		*tag;		/* rapi_invocation.tag */
	/*
	 * The reply.  Its contents pass to the callback, which takes them
	 * (swapping them with a reply of its own, say); what it leaves
	 * here is freed with lambda_reply_free after it returns.
	 */
	struct lambda_reply *reply;
	const char	*output;	/* the runtime's log (borrowed) */
	size_t		 outlen;
	int64_t		 duration_us;	/* handed out to result */
	long		 maxrss_kb;	/* peak of the runtime (0 with quiet) */
	int64_t		 init_us;	/* the runtime's cold start, or -1 */
};

struct rapi_config {
	int		 nenv;		/* execution environments */
	char *const	*argv;		/* the runtime command, NULL-ended */
	int64_t		 timeout_ms;	/* of one invocation */
	int		 quiet;		/* the function log is off */
	int		 cpus;		/* per environment; 0: all of ours */
	const char	*function_arn;	/* -Invoked-Function-Arn header */
	/*
	 * The environment of environment ENV's runtime: the "NAME=value"
	 * entries of lambda_env, with API (the AWS_LAMBDA_RUNTIME_API=...
	 * entry, borrowed) among them.  The server frees it with
	 * lambda_env_free.
	 */
	char		**(*runtime_env)(void *arg, int env, const char *api);
	/* An invocation ended (called on the caller's thread). */
	void		 (*done)(void *arg, const struct rapi_result *);
	void		*arg;
};

/* One invocation given to an environment. */
struct rapi_invocation {
	const char	*id;		/* the request id */
	const char	*payload;	/* JSON text */
	size_t		 len;
	int64_t		 deadline_ms;	/* epoch ms, told to the runtime */
	const char	*trace;		/* X-Ray trace header */
	void		*tag;		/* returned in its rapi_result */
};

struct rapi;

/*
 * Start the servers.  CONFIG and everything it points to are borrowed
 * and must outlive the server.  Exits 2 after a message when a server
 * cannot start.
 */
struct rapi	*rapi_new(const struct rapi_config *config);

/*
 * Give INV to environment ENV (0 to nenv-1), starting its runtime when
 * none runs; at most RAPI_DEPTH at once per environment.  INV is copied,
 * what it points to is borrowed until its result has been passed to
 * done.
 */
void	rapi_start(struct rapi *, int env, const struct rapi_invocation *inv);

/*
 * Wait up to MS (-1: no limit) for invocations to end, calling done for
 * each; returns 1 when at least one did.  Returns early, too, when
 * INPUT_FD (-1: none) becomes readable.
 */
int	rapi_wait(struct rapi *, int ms, int input_fd);

/* Stop the runtimes (killing them) and the servers; free everything. */
void	rapi_free(struct rapi *);

#endif
