// SPDX-License-Identifier: MIT
/*
 * The little newlib-nano needs from the system.  Lowvisor uses only its
 * string and formatting functions, which never really allocate, so the
 * heap is empty on purpose.
 */
#include <errno.h>
#include <stddef.h>

void *_sbrk(ptrdiff_t incr);

void *_sbrk(ptrdiff_t incr)
{
	(void)incr;
	errno = ENOMEM;
	return (void *)-1;
}
