/*
 * fuzz.h: what every harness of tests/fuzz/ shares.
 *
 * Each harness defines LLVMFuzzerTestOneInput, fed by libFuzzer (make
 * fuzz) or by driver.c, which replays files (make check).  Inputs with
 * two parts, a program and the data it reads, hold the program on the
 * first line and the data after it.
 */
#ifndef FUZZ_H
#define FUZZ_H
#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The sanitizers' defaults of a replay (driver.c). */
const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

/*
 * Split [data, data+size) at its first newline into two NUL-terminated
 * copies (free both).  Without a newline the second part is empty.
 */
void	fuzz_split(const uint8_t *data, size_t size, char **first,
	    size_t *n1, char **rest, size_t *n2);
/* A NUL-terminated copy of [data, data+size) (free it). */
char	*fuzz_str(const uint8_t *data, size_t size);
#endif
