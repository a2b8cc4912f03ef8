// SPDX-License-Identifier: MIT
/*
 * lvclock: prints the virtual counter (CNTVCT) in decimal, for the Linux
 * benchmarks (test/bench/bench.py).  Linux lets user space read it (the
 * vDSO does); under QEMU's -icount shift=0 a tick is 16 instructions of
 * virtual time, counted from the machine's start natively and from the
 * VM's start under Lowvisor.  No libc: a static ELF with two system calls.
 */
#include <stdint.h>

static uint64_t cntvct(void)
{
	uint32_t lo, hi;

	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static long sys3(long nr, long a, long b, long c)
{
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r7 __asm__("r7") = nr;

	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
	return r0;
}

void _start(void) __attribute__((noreturn));

void _start(void)
{
	char buf[24];
	char *p = buf + sizeof(buf);
	uint64_t v = cntvct();

	*--p = '\n';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sys3(4, 1, (long)p, buf + sizeof(buf) - p); /* write */
	sys3(1, 0, 0, 0); /* exit */
	for (;;)
		;
}
