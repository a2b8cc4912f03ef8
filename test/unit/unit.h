/* SPDX-License-Identifier: MIT */
/*
 * What the host unit tests share.  Include after <cmocka.h>.
 */
#ifndef LOWVISOR_TEST_UNIT_H
#define LOWVISOR_TEST_UNIT_H

#include <string.h>

/* Fails the test, showing both strings, unless hay contains needle. */
#define assert_contains(hay, needle)                                                  \
	do {                                                                          \
		const char *hay_ = (hay), *needle_ = (needle);                        \
		if (!strstr(hay_, needle_))                                           \
			fail_msg("\"%s\" does not contain \"%s\"", hay_, needle_);    \
	} while (0)

#endif
