// SPDX-License-Identifier: MIT
/*
 * lvload N S R: a CPU-bound load for the Linux guests (/init's lvload=).
 * N worker processes each count units of fixed work (pure arithmetic in
 * registers, no system call) in a page they share with the parent; the
 * parent prints "load K T U" at S, 2S, ... R*S milliseconds after its start
 * (report K, at T seconds of the virtual counter, U units done by all
 * workers so far), then kills the workers.  T is the VM's time since its
 * start (Lowvisor sets each VM's CNTVOFF to its start), the same origin in
 * all VMs of a machine; CLOCK_MONOTONIC starts when each kernel's
 * timekeeping does, a second or more apart for two VMs booting side by
 * side.  A report is due one wake-up after its time, so the intervals
 * between them show how long the reporting process waited for a CPU.  No
 * libc: a static ELF with raw system calls.
 */
#include <stdint.h>

#define NR_EXIT 1
#define NR_FORK 2
#define NR_WRITE 4
#define NR_KILL 37
#define NR_MMAP2 192
#define NR_CLOCK_GETTIME 263
#define NR_CLOCK_NANOSLEEP 265
#define CLOCK_MONOTONIC 1
#define TIMER_ABSTIME 1
#define SIGKILL 9
#define MAX_WORKERS 16
#define UNIT 100000 /* iterations per unit: about a millisecond under QEMU */

struct timespec32 {
	long sec, nsec;
};

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r3 __asm__("r3") = d;
	register long r4 __asm__("r4") = e;
	register long r5 __asm__("r5") = f;
	register long r7 __asm__("r7") = nr;

	__asm__ volatile("svc #0"
			 : "+r"(r0)
			 : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
			 : "memory");
	return r0;
}

#define sys(nr, a, b, c) sys6(nr, a, b, c, 0, 0, 0)

static unsigned long number(const char *s)
{
	unsigned long n = 0;

	while (s && *s >= '0' && *s <= '9')
		n = n * 10 + (unsigned long)(*s++ - '0');
	return n;
}

/* Appends n in decimal, at least `digits` digits, to *p. */
static void put(char **p, unsigned long n, int digits)
{
	char tmp[12];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n || i < digits);
	while (i)
		*(*p)++ = tmp[--i];
}

/* The virtual counter in ms (readable at PL0: Linux enables it for its
 * vDSO when it uses the virtual timer, as in a VM). */
static uint64_t vcounter_ms(void)
{
	uint32_t lo, hi, freq;

	__asm__ volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(freq));
	return (((uint64_t)hi << 32) | lo) / (freq / 1000);
}

static uint64_t now_ms(void)
{
	struct timespec32 t;

	sys(NR_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t, 0);
	return (uint64_t)t.sec * 1000 + (uint64_t)t.nsec / 1000000;
}

static __attribute__((noreturn)) void work(volatile unsigned long *count)
{
	uint32_t x = 1;

	for (;;) {
		for (int i = 0; i < UNIT; i++) {
			x = x * 1664525u + 1013904223u;
			__asm__ volatile("" : "+r"(x)); /* one step at a time */
		}
		(*count)++;
	}
}

void lvload_main(long *sp) __attribute__((noreturn, used));

void lvload_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	unsigned long n = sp[0] > 3 ? number(argv[1]) : 0, s = sp[0] > 3 ? number(argv[2]) : 0;
	unsigned long r = sp[0] > 3 ? number(argv[3]) : 0;
	volatile unsigned long *count;
	long pid[MAX_WORKERS];
	uint64_t start;

	if (!n || n > MAX_WORKERS || !s || !r) {
		static const char usage[] = "usage: lvload WORKERS(1..16) INTERVAL_MS REPORTS\n";

		sys(NR_WRITE, 2, (long)usage, sizeof(usage) - 1);
		sys(NR_EXIT, 2, 0, 0);
	}
	/* PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS */
	count = (volatile unsigned long *)sys6(NR_MMAP2, 0, 4096, 3, 0x21, -1, 0);
	for (unsigned long i = 0; i < n; i++) {
		pid[i] = sys(NR_FORK, 0, 0, 0);
		if (pid[i] == 0)
			work(&count[i]);
	}
	start = now_ms();
	for (unsigned long k = 1; k <= r; k++) {
		uint64_t due = start + k * s, t;
		struct timespec32 at = { (long)(due / 1000), (long)(due % 1000) * 1000000 };
		unsigned long units = 0;
		char line[64], *p = line;

		while (sys6(NR_CLOCK_NANOSLEEP, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&at, 0, 0, 0))
			;
		t = vcounter_ms();
		for (unsigned long i = 0; i < n; i++)
			units += count[i];
		for (const char *w = "load "; *w;)
			*p++ = *w++;
		put(&p, k, 1);
		*p++ = ' ';
		put(&p, (unsigned long)(t / 1000), 1);
		*p++ = '.';
		put(&p, (unsigned long)(t % 1000 / 10), 2);
		*p++ = ' ';
		put(&p, units, 1);
		*p++ = '\n';
		sys(NR_WRITE, 1, (long)line, p - line);
	}
	for (unsigned long i = 0; i < n; i++)
		sys(NR_KILL, pid[i], SIGKILL, 0);
	sys(NR_EXIT, 0, 0, 0);
	for (;;)
		;
}

/* The kernel starts a process with argc, argv[], envp[] on its stack. */
__asm__(".global _start\n_start:\n\tmov r0, sp\n\tb lvload_main\n");
