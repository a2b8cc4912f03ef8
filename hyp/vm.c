// SPDX-License-Identifier: MIT
/*
 * VMs: the registry, creation from the bundle's configuration (RAM in
 * vm_ram.c, interrupts and passthrough in vm_irq.c), placement of their
 * vCPUs, power-off, and their consoles' stale lines.  Lock order:
 * vm->lock, then the console's.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "arch/sysreg.h"
#include "console.h"
#include "drivers.h"
#include "config.h"
#include "pages.h"
#include "mm.h"
#include "hyp.h"
#include "ioreq.h"
#include "log.h"
#include "percpu.h"
#include "report.h"
#include "scheduler.h"
#include "uapi/lowvisor.h"
#include "irq_line.h"
#include "smp.h"
#include "vgic.h"
#include "vm.h"

_Static_assert(CONFIG_PRIO_MAX == RUNQ_PRIO_MAX, "a configured priority is a run-queue priority");
_Static_assert(VGIC_VTIMER_IRQ == 16 + GUEST_VTIMER_PPI, "the vtimer's ID is the guest DT's");

static struct vm **vms;
static unsigned nvms;
static struct system_config sysconf;

unsigned vm_count(void)
{
	return nvms;
}

struct vm *vm_at(unsigned index)
{
	return index < nvms ? vms[index] : NULL;
}

struct vm *vm_by_id(unsigned id)
{
	unsigned i;

	for (i = 0; i < nvms; i++)
		if (vms[i]->cfg.id == id)
			return vms[i];
	return NULL;
}

static void *alloc(size_t size, const char *what)
{
	uint64_t pa;

	return page_alloc(size, PAGE_SIZE, what, &pa) ? NULL : (void *)(uintptr_t)pa;
}

static void *zalloc(size_t size, const char *what)
{
	void *p = alloc(size, what);

	return p ? memset(p, 0, size) : NULL;
}

/* Which CPU each vCPU will run on (before passthrough routes IRQs): of the
 * online CPUs its `cpus` allows, the one with the fewest vCPUs so far (the
 * lowest of equals), so a VM's vCPUs spread and small VMs fill the CPUs
 * evenly.  Static partitioning is `cpus` naming one CPU per VM. */
static int place_vcpus(struct vm *vm)
{
	unsigned load[PLAT_MAX_CPUS], n = smp_cpu_count(), i, c;

	for (c = 0; c < n; c++)
		load[c] = percpu_area[c].rq.len;
	for (i = 0; i < vm->cfg.vcpus; i++) {
		unsigned best = n;

		for (c = 0; c < n; c++)
			if ((vm->cfg.cpus & (1u << c)) && percpu_area[c].online &&
			    (best == n || load[c] < load[best]))
				best = c;
		if (best == n) {
			log_err("vm '%s': cpus = <0x%lx>: none of them is online", vm->cfg.name,
				(unsigned long)vm->cfg.cpus);
			return -ENODEV;
		}
		vm->vcpus[i]->pcpu = best;
		load[best]++;
	}
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->cfg.vcpus; i++) {
		struct vcpu *v = zalloc(sizeof(*v), "vcpu");

		if (!v)
			return -ENOMEM;
		v->vm = vm;
		v->index = i;
		v->state = VCPU_OFF;
		vcpu_reset(v, 0, 0, 0, 0);
		vm->vcpus[i] = v;
	}
	return 0;
}

void vm_boot(struct vm *vm)
{
	vm->cntvoff = timer_now();
	/* The Linux boot protocol: r0 = 0, r1 = ~0 (no machine type), r2 = DTB. */
	vcpu_boot(vm->vcpus[0], (uint32_t)vm->cfg.entry_ipa, 0, ~0u, (uint32_t)vm->cfg.dtb_ipa);
}

static int create_vgic(struct vm *vm)
{
	unsigned i;
	int err;

	vm->vgic = zalloc(vgic_size(vm->cfg.vcpus, VM_SPIS), "vgic");
	if (!vm->vgic)
		return -ENOMEM;
	err = vgic_init(vm->vgic, vm->cfg.vcpus, VM_SPIS);
	for (i = 0; i < vm->cfg.vcpus && !err; i++)
		err = vgic_map_hw(vm->vgic, i, VGIC_VTIMER_IRQ, hyp.plat.timer.virt_irq);
	err = err ?: mmio_region_add(&vm->mmio, vm->cfg.dev.gicd, VGIC_DIST_REGION_MAX,
				     &vgic_dist_ops, vm->vgic);
	if (err)
		log_err("vm '%s': vgic: %d", vm->cfg.name, err);
	return err;
}

bool vm_poweroff_when_last_stops(void)
{
	return sysconf.poweroff_when_last_stops;
}

void vm_power_off_machine(void)
{
	log_info("all VMs have stopped: powering off");
	run_report();
	smc_call(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
	hyp_halt(); /* firmware without SYSTEM_OFF */
}

void vm_vgic_reset(struct vm *vm)
{
	unsigned i;

	vgic_reset(vm->vgic);
	for (i = 0; i < vm->cfg.vcpus; i++)
		vgic_map_hw(vm->vgic, i, VGIC_VTIMER_IRQ, hyp.plat.timer.virt_irq);
}

bool vm_log_allow(struct vm *vm, struct ratelimit *rl)
{
	unsigned suppressed = rl->suppressed;

	if (!ratelimit_allow(rl, timer_now(), timer_freq(), 5))
		return false;
	if (suppressed) {
		log_warn("vm '%s': %u messages suppressed", vm->cfg.name, suppressed);
		rl->suppressed = 0;
	}
	return true;
}

static struct vm *vm_create(const struct vm_config *cfg)
{
	struct vm *vm = zalloc(sizeof(*vm), "vm");
	unsigned i;

	if (!vm)
		return NULL;
	vm->cfg = *cfg;
	vm->state = VM_OFF;
	vuart_init(&vm->uart, vm, vm->cfg.name);
	mmio_regions_init(&vm->mmio);
	if (vm_passthrough_check(cfg) || vm_ram_alloc(vm) || vm_map(vm) || create_vcpus(vm) ||
	    create_vgic(vm) || place_vcpus(vm) || vm_passthrough_create(vm) ||
	    mmio_region_add(&vm->mmio, cfg->dev.uart, GUEST_UART_SIZE, &vuart_ops, &vm->uart) ||
	    vm_load_images(vm) ||
	    (cfg->backend && !(vm->be = zalloc(sizeof(*vm->be), "ioreq backend")))) {
		log_err("vm '%s': not started", cfg->name);
		return NULL; /* what it took stays allocated: boot-time only */
	}
	for (i = 0; i < vm->cfg.vcpus; i++)
		sched_add(vm->vcpus[i], vm->vcpus[i]->pcpu,
			  cfg->slice_us ? cfg->slice_us : hyp.opts.slice_us, cfg->priority);
	vm->state = VM_RUNNING;
	vm_boot(vm);
	return vm;
}

static void log_config(const struct config_errors *errs)
{
	unsigned i;

	for (i = 0; i < errs->count && i < CONFIG_MAX_ERRORS; i++)
		log_err("%s", errs->msg[i]);
	if (errs->count > CONFIG_MAX_ERRORS)
		log_err("bundle: %u more errors not shown", errs->count - CONFIG_MAX_ERRORS);
	for (i = 0; i < errs->warn_count && i < CONFIG_MAX_WARNINGS; i++)
		log_warn("%s", errs->warn[i]);
}

unsigned vm_create_all(const void *bundle, size_t size)
{
	/* config_parse clears both (the VMs' entries as it fills them): 300
	 * KiB that a one-VM system need not zero first. */
	struct config_errors *errs = alloc(sizeof(*errs), "configuration messages");
	size_t cfg_size = CONFIG_MAX_VMS * sizeof(struct vm_config);
	struct vm_config *cfgs = alloc(cfg_size, "configuration");
	unsigned i;

	vms = zalloc(CONFIG_MAX_VMS * sizeof(*vms), "vm table");
	vm_bundle_range = (struct mem_range){ (uintptr_t)bundle, size };
	if (!errs || !cfgs || !vms)
		return 0;
	if (config_parse(&sysconf, cfgs, CONFIG_MAX_VMS, bundle, size, smp_cpu_count(), errs)) {
		log_config(errs);
		log_err("bundle: no VM can start");
		return 0;
	}
	log_config(errs);
	for (i = 0; i < sysconf.vm_count; i++) {
		struct vm *vm = vm_create(&cfgs[i]);

		if (vm) {
			char cpus[3 * VM_MAX_VCPUS + 1];
			unsigned j;

			for (j = 0; j < vm->cfg.vcpus; j++)
				snprintf(cpus + 2 * j, 3, "%c%u", j ? ',' : ' ', vm->vcpus[j]->pcpu);
			vms[nvms++] = vm;
			log_info("vm '%s': id %u, %u vcpu(s) on cpu%s, %s MiB at IPA %s, entry %s",
				 vm->cfg.name, vm->cfg.id, vm->cfg.vcpus, cpus, U64(vm->cfg.mem_size >> 20),
				 HEX64(vm->cfg.mem_base), HEX64(vm->cfg.entry_ipa));
		}
	}
	console_set_mode(sysconf.console);
	console_set_focus(nvms ? vms[0] : NULL);
	page_free((uint64_t)(uintptr_t)cfgs, cfg_size);
	page_free((uint64_t)(uintptr_t)errs, sizeof(*errs));
	return nvms;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint32_t mpidr)
{
	uint32_t aff = mpidr & 0x00ffffffu;

	return aff < vm->cfg.vcpus ? vm->vcpus[aff] : NULL;
}

/* A partial line of the VM with the input focus (a shell prompt) waits at
 * most half a second for its newline; the other VMs' lines stay whole. */
/* A vCPU that could run but waits for its turn: its VM's partial line is
 * not a prompt, only a line cut short by the scheduler. */
static bool vm_waits_for_cpu(const struct vm *vm)
{
	unsigned i;

	for (i = 0; i < vm->cfg.vcpus; i++)
		if (vcpu_runnable(vm->vcpus[i]) && !vm->vcpus[i]->running)
			return true;
	return false;
}

void vm_flush_stale_output(uint64_t now)
{
	uint64_t age = timer_us_to_ticks(500000);
	unsigned i;

	console_release_held(now);
	for (i = 0; i < nvms; i++)
		if (console_has_focus(vms[i]) && !vm_waits_for_cpu(vms[i]))
			vuart_flush_stale(&vms[i]->uart, now, age);
}
