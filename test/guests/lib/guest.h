/* SPDX-License-Identifier: MIT */
/*
 * The test guests' library: what a bare-metal program running as a
 * Lowvisor VM (or natively on QEMU virt) needs to check the hypervisor
 * from inside.  Single-core state is global; the console and the
 * exception record are safe to use from every CPU.
 *
 * Memory is accessed with the MMU off most of the time (Strongly-ordered),
 * so the library and the guests are built with -mno-unaligned-access and
 * never use exclusives or the VFP.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "uapi/lowvisor.h"

#define GUEST_MAX_CPUS 8 /* per-CPU stacks are chosen by MPIDR.Aff0 % 8 */
#define GUEST_UART_BASE 0x09000000u

#define CPSR_MODE_MASK 0x1fu
#define CPSR_MODE_USR 0x10u
#define CPSR_MODE_SVC 0x13u
#define CPSR_MODE_HYP 0x1au
#define CPSR_MODE_SYS 0x1fu
#define CPSR_F (1u << 6)
#define CPSR_I (1u << 7)
#define CPSR_A (1u << 8)

#define SCTLR_M (1u << 0)
#define SCTLR_C (1u << 2)
#define SCTLR_I (1u << 12)

/* --- CP15 accessors: SYSREG32(name, op1, crn, crm, op2) makes
 * name_read() and name_write(); SYSREG64(name, op1, crm) the 64-bit
 * mrrc/mcrr forms. */
#define SYSREG32(name, op1, crn, crm, op2)                                     \
	static inline uint32_t name##_read(void)                               \
	{                                                                      \
		uint32_t v;                                                    \
		__asm__ volatile("mrc p15, " #op1 ", %0, " #crn ", " #crm      \
				 ", " #op2                                     \
				 : "=r"(v));                                   \
		return v;                                                      \
	}                                                                      \
	static inline void name##_write(uint32_t v)                            \
	{                                                                      \
		__asm__ volatile("mcr p15, " #op1 ", %0, " #crn ", " #crm      \
				 ", " #op2                                     \
				 :                                             \
				 : "r"(v)                                      \
				 : "memory");                                  \
	}
#define SYSREG64(name, op1, crm)                                               \
	static inline uint64_t name##_read(void)                               \
	{                                                                      \
		uint32_t lo, hi;                                               \
		__asm__ volatile("mrrc p15, " #op1 ", %0, %1, " #crm           \
				 : "=r"(lo), "=r"(hi));                        \
		return ((uint64_t)hi << 32) | lo;                              \
	}                                                                      \
	static inline void name##_write(uint64_t v)                            \
	{                                                                      \
		__asm__ volatile("mcrr p15, " #op1 ", %0, %1, " #crm           \
				 :                                             \
				 : "r"((uint32_t)v), "r"((uint32_t)(v >> 32))  \
				 : "memory");                                  \
	}

SYSREG32(midr, 0, c0, c0, 0)
SYSREG32(ctr, 0, c0, c0, 1)
SYSREG32(mpidr, 0, c0, c0, 5)
SYSREG32(sctlr, 0, c1, c0, 0)
SYSREG32(ttbr0_32, 0, c2, c0, 0)
SYSREG32(ttbcr, 0, c2, c0, 2)
SYSREG32(dacr, 0, c3, c0, 0)
SYSREG32(dfsr, 0, c5, c0, 0)
SYSREG32(ifsr, 0, c5, c0, 1)
SYSREG32(dfar, 0, c6, c0, 0)
SYSREG32(ifar, 0, c6, c0, 2)
SYSREG32(iciallu, 0, c7, c5, 0)
SYSREG32(par32, 0, c7, c4, 0)
SYSREG32(ats1cpr, 0, c7, c8, 0)
SYSREG32(ats1cpw, 0, c7, c8, 1)
SYSREG32(dccimvac, 0, c7, c14, 1)
SYSREG32(tlbiall, 0, c8, c7, 0)
SYSREG32(mair0, 0, c10, c2, 0) /* PRRR when TTBCR.EAE = 0 */
SYSREG32(mair1, 0, c10, c2, 1) /* NMRR when TTBCR.EAE = 0 */
SYSREG32(vbar, 0, c12, c0, 0)
SYSREG32(cntfrq, 0, c14, c0, 0)
SYSREG64(ttbr0_64, 0, c2)
SYSREG64(par64, 0, c7)
SYSREG64(cntvct, 1, c14)

static inline uint32_t cpsr_read(void)
{
	uint32_t v;

	__asm__ volatile("mrs %0, cpsr" : "=r"(v));
	return v;
}

static inline void isb(void)
{
	__asm__ volatile("isb" ::: "memory");
}

static inline void dsb(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static inline void dmb(void)
{
	__asm__ volatile("dmb sy" ::: "memory");
}

/* IRQs on and off at this CPU (CPSR.I), and WFI after the stores before
 * it are done. */
static inline void irqs_on(void)
{
	__asm__ volatile("cpsie i\n\tisb" ::: "memory");
}

static inline void irqs_off(void)
{
	__asm__ volatile("cpsid i\n\tisb" ::: "memory");
}

static inline void wfi(void)
{
	__asm__ volatile("dsb sy\n\twfi" ::: "memory");
}

static inline void wfe(void)
{
	__asm__ volatile("wfe" ::: "memory");
}

static inline void sev(void)
{
	__asm__ volatile("dsb sy\n\tsev" ::: "memory");
}

/* --- Boot state (start.S) --- */

/* The registers and state the guest was entered with, before the library
 * touched anything. */
struct boot_info {
	uint32_t r0, r1, r2; /* r2: the DTB's address */
	uint32_t cpsr;
	uint32_t sctlr;
	uint32_t load_addr; /* where _start ran first (!= link address when
			       the image relocated itself: native QEMU) */
	uint32_t dtb; /* where the DTB is: r2, unless it lay where BSS and
			 the stacks go and start.S moved it to __image_end */
};

extern struct boot_info boot_info;

static inline const void *guest_dtb(void)
{
	return (const void *)boot_info.dtb;
}

/* The image's link address and its end, including BSS, page tables and
 * stacks: everything past __image_end in RAM is free for tests. */
extern char __image_start[], __image_end[];

int main(void);
void guest_exit(int status) __attribute__((noreturn));

/* --- Console (uart.c, printf.c) --- */

void uart_putc(char c);
void uart_puts(const char *s);
/* The next received byte, or -1 when the receive FIFO is empty. */
int uart_getc(void);
/* Waits in WFI for the byte want on the console, dropping the others: the
 * UART's receive interrupt is enabled in the UART and the distributor (to
 * CPU 0) meanwhile, and masked in the CPSR: it ends each WFI, no handler
 * runs, and reading the byte lowers it.  The distributor and the CPU
 * interface must be on (GICD_CTLR, GICC_CTLR, GICC_PMR: the caller's). */
void uart_wait_for(int want);
/* %d %i %u %x %X %p %s %c %%, flags '-' '+' '0', a width, and the length
 * modifiers l, ll (64-bit), z.  uint32_t is unsigned long on arm-none-eabi:
 * print it with %lx, %lu (int32_t with %ld).  "\n" goes out as "\r\n".  A call prints
 * atomically with respect to the other CPUs. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* A lock usable with the MMU and caches off (Lamport's bakery: no
 * exclusives).  Taken again by the CPU that holds it, it nests. */
void console_lock(void);
void console_unlock(void);

/* --- Strings (string.c) --- */

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* --- Exceptions (vectors.S, exceptions.c) ---
 *
 * Every exception is reported as a TAP comment ("# data abort: ...") and
 * recorded, and the guest carries on: a data abort or undefined
 * instruction returns past the faulting instruction, a prefetch abort
 * returns to the interrupted mode's LR (so a call to a bad address returns
 * to its caller), an IRQ or FIQ returns with that interrupt masked. */

enum exc_type {
	EXC_NONE,
	EXC_RESET,
	EXC_UNDEF,
	EXC_SVC,
	EXC_PABT,
	EXC_DABT,
	EXC_HYP,
	EXC_IRQ,
	EXC_FIQ,
};

struct exc_record {
	uint32_t type; /* enum exc_type */
	uint32_t pc; /* the faulting instruction */
	uint32_t far; /* DFAR or IFAR */
	uint32_t fsr; /* DFSR or IFSR */
	uint32_t cpu; /* MPIDR of the CPU that took it */
};

/* Exceptions taken since boot (all CPUs), and those taken while nobody
 * was expecting one (see exc_expect). */
extern volatile uint32_t exc_count, exc_unexpected_count;

const char *exc_name(uint32_t type);
/* The last exception taken; type EXC_NONE after exc_clear(). */
struct exc_record exc_last(void);
void exc_clear(void);
/* Between exc_expect(true) and exc_expect(false), exceptions on this CPU
 * are recorded but not counted as unexpected. */
void exc_expect(bool on);
/* Turns the "# data abort ..." reports off or on (default on). */
void exc_set_quiet(bool quiet);

/* An IRQ handler for the calling CPU, instead of the report above (NULL
 * restores the report).  It runs in IRQ mode on this CPU's IRQ stack with
 * IRQs masked, must acknowledge the interrupt itself (GICC_IAR/EOIR), and
 * returns to the interrupted instruction with the interrupted CPSR, IRQs
 * unmasked again.  Such IRQs are neither recorded nor counted. */
typedef void (*irq_handler_t)(void);
void exc_set_irq_handler(irq_handler_t fn);

/* One word access that may abort.  They return true when a data abort
 * with DFAR == addr happened (and the access was skipped). */
bool probe_read32(uintptr_t addr, uint32_t *val);
bool probe_write32(uintptr_t addr, uint32_t val);

/* --- SMCCC and PSCI (smccc.S, psci.c) --- */

struct smccc_res {
	uint32_t a0, a1, a2, a3;
};

/* HVC #0 / SMC #0 with fn in r0 and a1-a3 in r1-r3; r0-r3 after the call
 * go to *res (if res is not NULL); returns r0. */
uint32_t smccc_hvc(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3,
		   struct smccc_res *res);
uint32_t smccc_smc(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3,
		   struct smccc_res *res);

/* HVC #0 / SMC #0 with r0-r7 from r[] (SMCCC 1.1: a function ID and up
 * to seven arguments); r[] gets r0-r7 as the call left them.  The _insn
 * symbols are the addresses of the HVC and SMC instructions. */
void smccc_hvc_regs(uint32_t r[8]);
void smccc_smc_regs(uint32_t r[8]);
extern const char smccc_hvc_regs_insn[], smccc_smc_regs_insn[];

/* HVC #0 with fn, r1-r3 = 0 and known values in r4-r12 and LR: returns a
 * mask of the registers that came back changed (bit n = rn, 13 = SP,
 * 14 = LR).  SMCCC: all of them must be preserved. */
uint32_t smccc_hvc_clobbers(uint32_t fn);

/* PSCI 1.0 by HVC.  Each returns the PSCI return value (PSCI_RET_*), or
 * what the call returns (version, affinity state, feature flags). */
int32_t psci_version(void);
int32_t psci_cpu_on(uint32_t mpidr, uintptr_t entry, uint32_t context_id);
int32_t psci_cpu_off(void);
int32_t psci_affinity_info(uint32_t mpidr, uint32_t level);
int32_t psci_migrate_info_type(void);
int32_t psci_features(uint32_t fn);
int32_t psci_system_off(void);
int32_t psci_system_reset(void);

/* --- Secondary CPUs (smp.c, start.S) --- */

/* What a secondary CPU saw when it entered (before the library ran). */
struct cpu_entry_state {
	uint32_t r0; /* the context id */
	uint32_t cpsr;
	uint32_t sctlr;
};

/* PSCI entry point of secondaries: sets up this CPU's stacks (MPIDR.Aff0)
 * and VBAR, then runs the function smp_cpu_on registered for it. */
void secondary_entry(void);

typedef void (*smp_fn_t)(uint32_t context_id);

/* CPU_ON for mpidr that runs fn(context_id) on it, on its own stack; when
 * fn returns the CPU calls CPU_OFF.  Returns the PSCI return value. */
int32_t smp_cpu_on(uint32_t mpidr, smp_fn_t fn, uint32_t context_id);
/* The entry state of the CPU with this Aff0, saved at its last start. */
struct cpu_entry_state smp_entry_state(uint32_t aff0);
/* This CPU's index for per-CPU data: MPIDR.Aff0 % GUEST_MAX_CPUS. */
uint32_t smp_cpu_index(void);

/* --- Time (counter.c): the virtual counter --- */

uint64_t time_now_us(void);
void time_delay_us(uint64_t us);
/* Sleeping in WFI until the counter reaches when (the virtual timer's
 * interrupt, masked, wakes the CPU); time_sleep_init() sets up the GIC
 * for it once. */
void time_sleep_init(void);
void time_sleep_until(uint64_t when);
/* Arms the virtual timer for when (enabled, not masked) and returns. */
void time_arm(uint64_t when);
/* The virtual counter (CNTVCT) and its rate (QEMU's 62.5 MHz if the
 * firmware left CNTFRQ unset). */
static inline uint32_t counter_freq(void)
{
	uint32_t f = cntfrq_read();

	return f ? f : 62500000u;
}

static inline uint64_t counter(void)
{
	isb();
	return cntvct_read();
}

/* --- Device tree (fdt.c): a read-only walker, no libfdt --- */

bool fdt_valid(const void *fdt);
uint32_t fdt_totalsize(const void *fdt);
/* Property prop of the node at path, an absolute path whose components
 * match a node name with or without its unit address ("/memory" finds
 * "memory@40000000").  Returns its value and *len, or NULL. */
const void *fdt_getprop(const void *fdt, const char *path, const char *prop,
			uint32_t *len);
/* A big-endian cell of a property value. */
uint32_t fdt_cell(const void *val, uint32_t index);
/* The first /memory region ("/memory" reg with the root's cell sizes). */
bool fdt_memory(const void *fdt, uint64_t *base, uint64_t *size);
/* The reg of each /cpus/cpu* node, in order; returns how many (up to max
 * are stored). */
int fdt_cpus(const void *fdt, uint32_t *mpidrs, int max);

/* --- Boot arguments (bootargs.c): /chosen/bootargs, key=value words --- */

const char *bootargs(void); /* "" without a DTB or bootargs */
/* The value of key (copied into buf), or false if key is absent. */
bool bootarg_get(const char *key, char *buf, size_t size);
/* key=NUMBER (decimal or 0x hex) */
bool bootarg_u32(const char *key, uint32_t *val);
/* key=NUM[,NUM...]: returns how many numbers (up to max are stored), or
 * -1 if one is malformed. */
int bootarg_u32_list(const char *key, uint32_t *vals, int max);
/* Parses a whole decimal or 0x-hex number. */
bool parse_u32(const char *s, size_t len, uint32_t *val);

/* /chosen "lowvisor,boot-count", or -1 when absent. */
int32_t boot_count(void);

/* --- Guest RAM (ram.c) --- */

struct ram_info {
	uint32_t base, size; /* from the DTB /memory */
	uint32_t dtb, dtb_size; /* r2 and the DTB's totalsize */
};

/* RAM from the DTB; false without a valid DTB or /memory.  RAM is cut
 * off below 4 GiB (0xfffff000): the guests use 32-bit addresses. */
bool ram_info(struct ram_info *ri);
/* Calls fn on each range of RAM that is neither the image (link address
 * to __image_end) nor the DTB; returns false if fn does. */
bool ram_for_each_free(const struct ram_info *ri,
		       bool (*fn)(uint32_t start, uint32_t end, void *arg),
		       void *arg);

/* --- MMU (mmu.c, mmu_asm.S): identity maps of RAM and the UART --- */

/* Builds the tables (1 MiB sections, or LPAE 2 MiB blocks) mapping RAM
 * as Normal write-back memory and the UART's 1 MiB / 2 MiB as Device, then
 * turns the MMU and caches on.  False if RAM is not aligned to the
 * mapping size. */
bool mmu_enable_short(uint32_t ram_base, uint32_t ram_size);
bool mmu_enable_lpae(uint32_t ram_base, uint32_t ram_size);
/* With mmu_enable_lpae's tables (the MMU on or off): maps the 2 MiB block
 * holding va to the one holding pa, a 40-bit address, as Device (never
 * executable) or Normal memory, replacing what va's block mapped. */
void mmu_map_lpae(uint32_t va, uint64_t pa, bool device);
/* Turns the caches and the MMU off again, after cleaning the image (data,
 * BSS, stacks) to memory.  Memory outside the image written with the
 * caches on must be cleaned first with dcache_clean_inval. */
void mmu_disable(void);
/* Clean and invalidate [start, end) by VA to the point of coherency (by VA:
 * set/way operations trap to the hypervisor). */
void dcache_clean_inval(uintptr_t start, uintptr_t end);

/* --- VFP/NEON (vfp.S): the only code that touches its registers --- */
#define FPEXC_EN (1u << 30)
#define CPACR_CP10_CP11 (0xfu << 20)
void vfp_load(const uint64_t d[32], uint32_t fpscr);
uint32_t vfp_store(uint64_t d[32]); /* returns FPSCR */
uint32_t fpexc_read(void);
void fpexc_write(uint32_t v);

#endif
