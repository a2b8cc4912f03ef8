// SPDX-License-Identifier: MIT
/*
 * Exception reports.  A test guest must survive what it provokes: every
 * exception is printed as a TAP comment, recorded per CPU, and the guest
 * carries on past it (see guest.h for where each kind returns to).
 */
#include "guest.h"
#include "internal.h"

volatile uint32_t exc_count, exc_unexpected_count;

static volatile struct exc_record exc_records[GUEST_MAX_CPUS];
static volatile bool exc_expecting[GUEST_MAX_CPUS];
static volatile bool exc_quiet;
static volatile irq_handler_t irq_handlers[GUEST_MAX_CPUS];

static const char *const exc_names[] = {
	[EXC_NONE] = "none",
	[EXC_RESET] = "reset",
	[EXC_UNDEF] = "undefined instruction",
	[EXC_SVC] = "supervisor call",
	[EXC_PABT] = "prefetch abort",
	[EXC_DABT] = "data abort",
	[EXC_HYP] = "hyp trap",
	[EXC_IRQ] = "IRQ",
	[EXC_FIQ] = "FIQ",
};

const char *exc_name(uint32_t type)
{
	if (type >= sizeof(exc_names) / sizeof(exc_names[0]))
		return "unknown exception";
	return exc_names[type];
}

struct exc_record exc_last(void)
{
	const volatile struct exc_record *r = &exc_records[smp_cpu_index()];
	struct exc_record copy = {
		.type = r->type,
		.pc = r->pc,
		.far = r->far,
		.fsr = r->fsr,
		.cpu = r->cpu,
	};

	return copy;
}

void exc_clear(void)
{
	exc_records[smp_cpu_index()].type = EXC_NONE;
}

void exc_expect(bool on)
{
	exc_expecting[smp_cpu_index()] = on;
}

void exc_set_quiet(bool quiet)
{
	exc_quiet = quiet;
}

/* The interrupted mode's LR, for returning from a prefetch abort.  Read
 * by visiting that mode (SYS for USR): the banked-register MRS needs the
 * virtualization extensions, which a natively run A15 may lack. */
static uint32_t banked_lr(uint32_t spsr)
{
	uint32_t mode = spsr & CPSR_MODE_MASK, cpsr = cpsr_read(), lr;

	if (mode == CPSR_MODE_USR)
		mode = CPSR_MODE_SYS;
	__asm__ volatile("msr cpsr_c, %1\n\t"
			 "mov %0, lr\n\t"
			 "msr cpsr_c, %2"
			 : "=&r"(lr)
			 : "r"((cpsr & ~CPSR_MODE_MASK) | mode), "r"(cpsr)
			 : "memory");
	return lr;
}

/* The faulting instruction, and the address to return to. */
static void exc_locate(uint32_t type, struct exc_frame *f, uint32_t *pc)
{
	uint32_t insn_size = (f->spsr & (1u << 5)) ? 2 : 4; /* Thumb */
	uint32_t lr = f->ret_pc;

	switch (type) {
	case EXC_DABT:
		*pc = lr - 8;
		f->ret_pc = *pc + insn_size;
		break;
	case EXC_PABT:
		*pc = lr - 4;
		f->ret_pc = banked_lr(f->spsr);
		break;
	case EXC_IRQ:
		*pc = lr - 4;
		f->ret_pc = *pc;
		f->spsr |= CPSR_I;
		break;
	case EXC_FIQ:
		*pc = lr - 4;
		f->ret_pc = *pc;
		f->spsr |= CPSR_F;
		break;
	default: /* UNDEF, SVC: LR is the next instruction */
		*pc = lr - insn_size;
		break;
	}
}

static void exc_report(uint32_t type, uint32_t cpu, uint32_t pc, uint32_t far,
		       uint32_t fsr)
{
	const char *tag = exc_expecting[cpu] ? "" : " (unexpected)";

	if (type == EXC_DABT)
		printf("# data abort: pc 0x%08lx DFAR 0x%08lx DFSR 0x%08lx cpu %lu%s\n",
		       pc, far, fsr, cpu, tag);
	else if (type == EXC_PABT)
		printf("# prefetch abort: pc 0x%08lx IFAR 0x%08lx IFSR 0x%08lx cpu %lu%s\n",
		       pc, far, fsr, cpu, tag);
	else if (type == EXC_UNDEF)
		printf("# undefined instruction: pc 0x%08lx insn 0x%08lx cpu %lu%s\n",
		       pc, *(volatile uint32_t *)pc, cpu, tag);
	else
		printf("# %s: pc 0x%08lx cpu %lu%s\n", exc_name(type), pc,
		       cpu, tag);
}

void exc_set_irq_handler(irq_handler_t fn)
{
	irq_handlers[smp_cpu_index()] = fn;
	dsb();
}

void exc_handle(uint32_t type, struct exc_frame *f)
{
	uint32_t cpu = smp_cpu_index();
	volatile struct exc_record *r = &exc_records[cpu];
	uint32_t pc, far = 0, fsr = 0;
	irq_handler_t irq_fn;

	/* An IRQ this CPU's handler takes care of: no report, and the
	 * interrupted code resumes with its own CPSR (IRQs unmasked). */
	if (type == EXC_IRQ && (irq_fn = irq_handlers[cpu]) != NULL) {
		f->ret_pc -= 4;
		irq_fn();
		return;
	}

	exc_locate(type, f, &pc);
	if (type == EXC_DABT) {
		far = dfar_read();
		fsr = dfsr_read();
	} else if (type == EXC_PABT) {
		far = ifar_read();
		fsr = ifsr_read();
	}

	console_lock();
	r->type = type;
	r->pc = pc;
	r->far = far;
	r->fsr = fsr;
	r->cpu = mpidr_read();
	exc_count++;
	if (!exc_expecting[cpu])
		exc_unexpected_count++;
	if (!exc_quiet || !exc_expecting[cpu])
		exc_report(type, cpu, pc, far, fsr);
	console_unlock();
}

bool probe_read32(uintptr_t addr, uint32_t *val)
{
	uint32_t v = 0xdeadbeef;
	struct exc_record r;

	exc_clear();
	exc_expect(true);
	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	exc_expect(false);
	*val = v;
	r = exc_last();
	return r.type == EXC_DABT && r.far == addr;
}

bool probe_write32(uintptr_t addr, uint32_t val)
{
	struct exc_record r;

	exc_clear();
	exc_expect(true);
	__asm__ volatile("str %0, [%1]" : : "r"(val), "r"(addr) : "memory");
	exc_expect(false);
	r = exc_last();
	return r.type == EXC_DABT && r.far == addr;
}
