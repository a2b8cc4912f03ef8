// SPDX-License-Identifier: MIT
/*
 * Boot orchestration on the boot CPU: a checklist of calls.  boot/entry.S
 * has set up the stack, BSS, HVBAR and the MMU with the boot tables.
 */
#include "arch/sysreg.h"
#include "console.h"
#include "drivers.h"
#include "hyp.h"
#include "pages.h"
#include "mm.h"
#include "log.h"
#include "arch/lpae.h"
#include "percpu.h"
#include "report.h"
#include "scheduler.h"
#include "smp.h"
#include "vgic.h"
#include "vm.h"

struct hyp_state hyp;

__noreturn void boot_main(uint32_t dtb_pa, uint32_t cpsr, uint32_t t_lo, uint32_t t_hi);

__noreturn void hyp_halt(void)
{
	irq_disable();
	for (;;)
		wfi();
}

static size_t dtb_window_size(uint32_t dtb_pa)
{
	return HYP_DTB_WINDOW_SIZE - (dtb_pa & (LPAE_BLOCK_SIZE - 1));
}

/* A console before the platform is known: the DT's if it can be read,
 * else the early UART of the board whose RAM holds the image. */
static void console_early(uint32_t dtb_pa)
{
	const struct board *b = board_by_address(hyp_image_range().base);
	uint64_t base = b ? b->early_uart : 0;
	struct plat_uart uart;

	if (dtb_pa && !platform_find_uart(hyp_dtb_window(dtb_pa), dtb_window_size(dtb_pa), &uart))
		base = uart.regs.base;
	if (base && !hyp_map_identity(pa_init(base), PAGE_SIZE, HYP_MEM_DEVICE))
		console_init((uintptr_t)base);
}

static const char *mode_name(uint32_t cpsr)
{
	static const char *const names[] = {
		[CPSR_MODE_USR] = "USR", [CPSR_MODE_FIQ] = "FIQ", [CPSR_MODE_IRQ] = "IRQ",
		[CPSR_MODE_SVC] = "SVC", [CPSR_MODE_MON] = "MON", [CPSR_MODE_ABT] = "ABT",
		[CPSR_MODE_HYP] = "HYP", [CPSR_MODE_UND] = "UND", [CPSR_MODE_SYS] = "SYS",
	};
	const char *n = names[cpsr & CPSR_MODE_MASK];

	return n ? n : "an unknown mode";
}

static __noreturn void fail_wrong_mode(uint32_t dtb_pa, uint32_t cpsr)
{
	console_early(dtb_pa);
	log_err("entered in %s mode, not HYP: the virtualization extensions are off or the "
		"loader did not hand over in HYP mode; on QEMU use -M virt,virtualization=on, "
		"with U-Boot boot in HYP (nonsec) mode", mode_name(cpsr));
	log_err("halted");
	hyp_halt();
}

static __noreturn void fail_dtb(uint32_t dtb_pa, const char *msg)
{
	console_early(dtb_pa);
	log_err("device tree at 0x%08lx: %s", (unsigned long)dtb_pa, msg);
	log_err("halted");
	hyp_halt();
}

static void console_setup(void)
{
	const struct plat_uart *u = &hyp.plat.uart;

	if (hyp_map_identity(pa_init(u->regs.base), u->regs.size ? u->regs.size : PAGE_SIZE,
			     HYP_MEM_DEVICE))
		fail_dtb(hyp.dtb_pa, "console registers are outside the identity map");
	console_init((uintptr_t)u->regs.base);
}

/* Cleaning by VA in DCACHE_LINE steps misses lines on a CPU with smaller
 * ones: such a CPU is refused, not run with stale guest memory. */
static void check_cache_line(void)
{
	if (CTR_DMINLINE(ctr_read()) < DCACHE_LINE) {
		log_err("this CPU's data cache lines are %u bytes; Lowvisor's cache maintenance "
			"steps by %u", CTR_DMINLINE(ctr_read()), DCACHE_LINE);
		log_err("halted");
		hyp_halt();
	}
}

static void options_setup(void)
{
	struct options_warnings w;
	unsigned i;

	options_default(&hyp.opts);
	options_parse(&hyp.opts, hyp.plat.bootargs, &w);
	log_set_level(hyp.opts.log_level);
	for (i = 0; i < w.count; i++)
		log_warn("%s", w.msg[i]);
	for (i = 0; i < hyp.plat.warn_count; i++)
		log_warn("device tree: %s", hyp.plat.warn[i]);
}

static void gic_setup(void)
{
	const struct plat_gic *g = &hyp.plat.gic;
	const struct mem_range *regs[] = { &g->gicd, &g->gicc, &g->gich };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(regs); i++)
		if (hyp_map_identity(pa_init(regs[i]->base), regs[i]->size, HYP_MEM_DEVICE))
			fail_dtb(hyp.dtb_pa, "GIC registers cannot be mapped");
	gic_init((uintptr_t)g->gicd.base, (uintptr_t)g->gicc.base, (uintptr_t)g->gich.base,
		 &hyp.gic);
	vgic_hw_init((uintptr_t)g->gich.base);
	log_debug("gic: %u irqs, %u cpu interfaces, %u list registers, iidr 0x%08lx",
		  hyp.gic.irq_count, hyp.gic.cpu_count, hyp.gic.list_regs,
		  (unsigned long)hyp.gic.iidr);
}

/* Waits (bounded) until every online CPU has taken a few HYP timer
 * interrupts, so the report shows the interrupt path working. */
static void wait_for_ticks(unsigned want)
{
	uint64_t deadline = timer_now() + timer_us_to_ticks(2000000);
	unsigned i;

	for (;;) {
		bool all = true;

		for (i = 0; i < smp_cpu_count(); i++)
			if (percpu_area[i].online && percpu_area[i].ticks < want)
				all = false;
		if (all || timer_now() > deadline)
			return;
		/* Not WFI: once its own boot ticks are done, this CPU's next
		 * one is a whole tick away; the others' come sooner. */
		cpu_relax();
	}
}

static void selftest_fault(void)
{
	/* lowvisor.fault=1: a deliberate data abort, to see the dump path
	 * work on a new board. */
	if (hyp.opts.fault) {
		log_info("lowvisor.fault: reading from an unmapped address");
		(void)*(volatile uint32_t *)0xfefff000u;
	}
}

extern char __bundle_start[], __bundle_end[];

/* The bundle: the loader's (QEMU -initrd, U-Boot bootm) if the DTB names
 * one, else the default one linked into the image. */
static void vms_start(void)
{
	const struct platform *p = &hyp.plat;
	const void *bundle;
	size_t size;

	if (p->has_initrd) {
		if (p->initrd.base + p->initrd.size > HYP_IDENTITY_LIMIT) {
			log_err("bundle at %s is above %s, where Lowvisor cannot read it",
				HEX64(p->initrd.base), HEX64(HYP_IDENTITY_LIMIT));
			return;
		}
		bundle = (const void *)(uintptr_t)p->initrd.base;
		size = (size_t)p->initrd.size;
		log_info("bundle: %s bytes at %s (from /chosen/linux,initrd-*)", U64(size),
			 HEX64(p->initrd.base));
	} else if ((uintptr_t)__bundle_end != (uintptr_t)__bundle_start) {
		bundle = (const void *)(uintptr_t)pa_addr(hyp_image_pa(__bundle_start));
		size = (size_t)(__bundle_end - __bundle_start);
		log_info("bundle: the default one, %s bytes, linked into the image", U64(size));
	} else {
		log_warn("no bundle: no /chosen/linux,initrd-start and none linked in; no VM runs");
		return;
	}
	vm_create_all(bundle, size);
}

void boot_main(uint32_t dtb_pa, uint32_t cpsr, uint32_t t_lo, uint32_t t_hi)
{
	struct dt_status st;

	hyp.entry_time = ((uint64_t)t_hi << 32) | t_lo;
	hyp.dtb_pa = dtb_pa;
	if ((cpsr & CPSR_MODE_MASK) != CPSR_MODE_HYP)
		fail_wrong_mode(dtb_pa, cpsr);
	if (!dtb_pa)
		fail_dtb(dtb_pa, "no device tree: r2 was 0 at entry");
	st = platform_parse(&hyp.plat, hyp_dtb_window(dtb_pa), dtb_window_size(dtb_pa));
	if (st.err)
		fail_dtb(dtb_pa, st.msg);
	hyp.board = board_by_compatible(hyp_dtb_window(dtb_pa));
	console_setup();
	log_info("Lowvisor %s starting in HYP mode on %s", LOWVISOR_VERSION,
		 hyp.plat.model[0] ? hyp.plat.model : hyp.plat.compatible);
	options_setup();
	check_cache_line();
	if (memory_init())
		fail_dtb(dtb_pa, "no usable memory (see above)");
	gic_setup();
	timer_init(hyp.plat.timer.freq);
	smp_init_boot_cpu();
	selftest_fault();
	smp_boot_secondaries();
	wait_for_ticks(3);
	vms_start();
	console_input_enable(hyp.plat.uart.irq);
	boot_report();
	smp_release();
	sched_loop();
}
