/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets share: a check that, when it fails, says which
 * promise of the code under test was broken and aborts, which libFuzzer
 * reports as a crash with the input that caused it.
 */
#ifndef LOWVISOR_TEST_FUZZ_H
#define LOWVISOR_TEST_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                          \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "fuzz: %s:%d: broken: %s: ", __FILE__, __LINE__, \
				#cond);                                                \
			fprintf(stderr, __VA_ARGS__);                                  \
			fputc('\n', stderr);                                           \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* A message buffer of len bytes holds a NUL-terminated string. */
#define FUZZ_CHECK_STR(buf, len) \
	FUZZ_CHECK(memchr((buf), '\0', (len)) != NULL, "%s is not NUL-terminated", #buf)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#endif
