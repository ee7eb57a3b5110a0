/*
 * driver.c: a main() for the harnesses without libFuzzer, so that they
 * build with any compiler and replay inputs in make check:
 *
 *	fuzz-TARGET FILE|DIR...
 *
 * feeds each file (each file of a directory, in name order) to
 * LLVMFuzzerTestOneInput, says how many it ran, and exits 0; a bug in
 * the code under test shows as a crash or a sanitizer report.  Each
 * input's name goes to stderr first when FUZZ_VERBOSE is set.
 */
#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "sbuf.h"

static long nrun;

/*
 * libjq 1.6 leaks in its parser when a parse fails ('{"a":[1":"' loses
 * the token's 18 bytes, '{"a"": 1}' 36): not ours to fix, and parsing
 * fails on untrusted text all over (events, bodies, StringToJson).  The
 * suppression names the parser, which needs whole stacks (libjq keeps
 * no frame pointers), a cost a replay can afford.  It hides a parsed
 * value of ours that is never freed too; a large count of suppressed
 * leaks in the report is the sign of one.  tests/fuzz/lsan.supp is the
 * same for make fuzz.
 */
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:jv_parser_next\n";
}

static void
run_file(const char *path)
{
	struct sbuf b = SBUF_INIT;
	uint8_t *data;
	size_t len;

	if (sbuf_read_file(&b, path) != 0)
		err(2, "%s", path);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "%s\n", path);
	/* a copy of the exact size, so that reads past the end are caught */
	len = b.len;
	if ((data = malloc(len > 0 ? len : 1)) == NULL)
		err(2, NULL);
	if (len > 0)
		memcpy(data, b.buf, len);
	sbuf_free(&b);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	nrun++;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
run(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char *sub;
	int i, n;

	if (stat(path, &st) != 0)
		err(2, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	if ((n = scandir(path, &ents, NULL, by_name)) < 0)
		err(2, "%s", path);
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			if (asprintf(&sub, "%s/%s", path, ents[i]->d_name) < 0)
				err(2, NULL);
			run(sub);
			free(sub);
		}
		free(ents[i]);
	}
	free(ents);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		run(argv[i]);
	printf("%ld inputs\n", nrun);
	return 0;
}
