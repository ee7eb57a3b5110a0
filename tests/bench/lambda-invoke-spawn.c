/*
 * lambda-invoke-spawn: the floor of one process per invocation.  For
 * each input line it does what any per-process runner must do and
 * nothing else: posix_spawn the handler with a pipe on its stdin, write
 * the line, wait for it.  Built by tests/bench/lambda-invoke.sh to show
 * how fast per-process mode could be on this machine; not part of the
 * toolkit.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int
main(int argc, char *argv[])
{
	posix_spawn_file_actions_t fa;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	pid_t pid;
	int fds[2];

	if (argc < 2)
		return 2;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (pipe(fds) == -1)
			return 2;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
		posix_spawn_file_actions_addclose(&fa, fds[0]);
		posix_spawn_file_actions_addclose(&fa, fds[1]);
		fflush(stdout);
		if (posix_spawnp(&pid, argv[1], &fa, NULL, argv + 1,
		    environ) != 0)
			return 2;
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		if (write(fds[1], line, (size_t)len) != len)
			return 2;
		close(fds[1]);
		if (waitpid(pid, NULL, 0) == -1)
			return 2;
	}
	free(line);
	return 0;
}
