// SPDX-License-Identifier: MIT
/*
 * A VM's interrupts and devices: vGIC kicks, interrupt lines (IRQ_LINE),
 * the emulated MMIO regions, and the host devices given by passthrough
 * (checked, mapped, their SPIs routed to the VM).
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>

#include "arch/sysreg.h"
#include "config.h"
#include "drivers.h"
#include "hyp.h"
#include "irq_line.h"
#include "log.h"
#include "mm.h"
#include "percpu.h"
#include "scheduler.h"
#include "vgic.h"
#include "vm.h"

void vm_kick(struct vm *vm, uint32_t mask)
{
	for (; mask; mask &= mask - 1) {
		unsigned i = (unsigned)__builtin_ctz(mask);
		struct vcpu *v;

		if (i >= vm->cfg.vcpus)
			return;
		v = vm->vcpus[i];
		/* Woken without asking the vGIC again: a kick means an
		 * interrupt became deliverable to it (or its line changed).
		 * One its priority mask holds back ends the WFI too, which the
		 * architecture allows (WFI is a hint, which may be a NOP); the guest's
		 * next WFI blocks again. */
		v->blocked = false;
		dmb();
		/* Its CPU re-flushes (another CPU) or wakes from idle. */
		if (v->pcpu == this_cpu()->index)
			sched_kick_here(v);
		else
			sched_kick(v->pcpu);
	}
}

void vm_set_irq_vcpu(struct vm *vm, unsigned vcpu, unsigned irq, bool level)
{
	int kick = vgic_inject(vm->vgic, vcpu, irq, level);

	if (kick > 0)
		vm_kick(vm, (uint32_t)kick);
}

void vm_set_irq(struct vm *vm, unsigned irq, bool level)
{
	vm_set_irq_vcpu(vm, 0, irq, level);
}

void vm_irq_line(struct vm *vm, const struct irq_line *l)
{
	struct vcpu *v;
	uint32_t bit;

	if (l->kind == IRQ_LINE_SPI || l->kind == IRQ_LINE_PPI) { /* an SPI's vcpu is 0 */
		vm_set_irq_vcpu(vm, l->vcpu, l->intid, l->level);
		return;
	}
	v = vm->vcpus[l->vcpu];
	bit = l->kind == IRQ_LINE_CPU_IRQ ? HCR_VI : HCR_VF;
	spin_lock(&vm->lock);
	v->hcr = l->level ? v->hcr | bit : v->hcr & ~bit;
	spin_unlock(&vm->lock);
	vm_kick(vm, 1u << l->vcpu);
}

bool vm_vcpu_has_line(const struct vcpu *v)
{
	return (v->hcr & (HCR_VI | HCR_VF)) != 0;
}

/* SPIs given to VMs by passthrough, by interrupt ID. */
static struct vm *spi_owner[1020];

struct mem_range vm_bundle_range;

/* Whether interrupt ID irq of a passthrough node can be the VM's: an SPI of
 * its vGIC that is not another VM's, the console UART's, its virtual
 * UART's or one of its guest-dt nodes'. */
static bool spi_free(const struct vm_config *c, const char *path, uint32_t irq)
{
	unsigned long n = (unsigned long)irq - 32; /* huge below 32 */
	const struct vm *owner = n < VM_SPIS ? spi_owner[irq] : NULL;
	char buf[VM_NAME_MAX + 32];
	const char *whose = irq == hyp.plat.uart.irq ? "the console UART's"
			    : config_spi_user(c, (unsigned)n, buf, sizeof(buf));

	if (n >= VM_SPIS)
		log_err("vm '%s': passthrough: %s: interrupt %lu is not an SPI of the VM's vGIC "
			"(IDs 32..%u)", c->name, path, (unsigned long)irq, VM_SPIS + 31);
	else if (owner)
		log_err("vm '%s': passthrough: %s: SPI %lu (ID %lu) is vm '%s''s", c->name, path, n,
			(unsigned long)irq, owner->cfg.name);
	else if (whose)
		log_err("vm '%s': passthrough: %s: SPI %lu (ID %lu) is %s", c->name, path, n,
			(unsigned long)irq, whose);
	else
		return true;
	return false;
}

/*
 * Whether the VM's passthrough nodes are devices it may have, checked
 * before anything is taken for it: devices (hyp/config/passthrough.c) none of
 * whose pages holds what Lowvisor uses, the VM's own memory or device IPAs
 * (passthrough maps IPA == PA) or a started VM's passthrough device, with
 * free SPIs.
 */
int vm_passthrough_check(const struct vm_config *c)
{
	const struct pt_avoid avoid[] = {
		{ "Lowvisor's image", hyp_image_range() },
		{ "the host DTB", { hyp.dtb_pa, hyp.plat.dtb_size } },
		{ "the bundle", vm_bundle_range },
		{ "the VM's memory", { c->mem_base, c->mem_size } },
		{ "the VM's GIC distributor", { c->dev.gicd, GUEST_GICD_SIZE } },
		{ "the VM's GIC CPU interface", { c->dev.gicc, GUEST_GICC_SIZE } },
		{ "the VM's UART", { c->dev.uart, GUEST_UART_SIZE } },
		{ "the VM's virtio windows",
		  { LOWVISOR_VIRTIO_BASE, c->virtio_count * LOWVISOR_VIRTIO_SIZE } },
	};
	const void *fdt = host_dtb();
	char why[CONFIG_MSG_MAX];
	unsigned i, k, j;
	uint64_t page;
	uint32_t irq;
	int node;

	for (i = 0; i < c->passthrough_count; i++) {
		const char *path = c->passthrough[i];

		node = passthrough_check(fdt, &hyp.plat, path, avoid, ARRAY_SIZE(avoid), why,
					 sizeof(why));
		if (node < 0) {
			log_err("vm '%s': passthrough: %s", c->name, why);
			return node;
		}
		for (k = 0; k < vm_count(); k++)
			for (j = 0; j < vm_at(k)->cfg.passthrough_count; j++)
				if (passthrough_shared_page(fdt, node, fdt_path_offset(fdt,
							    vm_at(k)->cfg.passthrough[j]), &page)) {
					log_err("vm '%s': passthrough: %s: page %s is also vm '%s''s, "
						"by passthrough %s", c->name, path, HEX64(page),
						vm_at(k)->cfg.name, vm_at(k)->cfg.passthrough[j]);
					return -EBUSY;
				}
		for (j = 0; dt_gic_irq(fdt, node, (int)j, &irq) == 0; j++)
			if (!spi_free(c, path, irq))
				return -EBUSY;
	}
	return 0;
}

/*
 * Host devices given to the VM (check_passthrough said they may be): each
 * node's registers mapped at the same IPA (whole pages: a neighbour in the
 * same page goes along), its SPIs hardware-mapped onto vCPU 0 and routed to
 * that vCPU's CPU.
 */
int vm_passthrough_create(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	unsigned i, j;
	int err = 0;

	for (i = 0; i < c->passthrough_count && !err; i++) {
		const char *path = c->passthrough[i];
		int node = fdt_path_offset(host_dtb(), path);
		struct mem_range r;
		uint32_t irq;

		for (j = 0; !err && dt_read_reg(host_dtb(), node, (int)j, &r) == 0; j++) {
			uint64_t base = ALIGN_DOWN(r.base, PAGE_SIZE);

			err = vm_cache_fill(vm, 4);
			/* At the same IPA as its PA. */
			err = err ?: stage2_ioremap(&vm->s2, ipa_init(base), pa_init(base),
						    ALIGN_UP(r.base + r.size, PAGE_SIZE) - base);
			if (err)
				log_err("vm '%s': passthrough: %s: reg %u: %s", c->name, path, j,
					err == -ENOMEM ? "no memory for its stage-2 tables"
						       : "outside the guest's IPA space");
		}
		for (j = 0; !err && dt_gic_irq(host_dtb(), node, (int)j, &irq) == 0; j++) {
			err = vgic_map_hw(vm->vgic, 0, irq, irq);
			if (!err) {
				spi_owner[irq] = vm;
				gic_set_target(irq, percpu_area[vm->vcpus[0]->pcpu].gic_mask);
				gic_enable_irq(irq, GIC_PRIO_GUEST);
			}
		}
		if (!err)
			log_info("vm '%s': passthrough %s", c->name, path);
	}
	return err;
}

/* A passthrough SPI fired: its VM's vGIC takes it, the guest's EOI
 * deactivates it.  false if no VM owns it. */
bool vm_passthrough_irq(unsigned irq)
{
	struct vm *vm = irq < ARRAY_SIZE(spi_owner) ? spi_owner[irq] : NULL;

	if (!vm)
		return false;
	vm_set_irq_vcpu(vm, 0, irq, true);
	return true;
}
