// SPDX-License-Identifier: MIT
/*
 * VMs: creation from the bundle's configuration, their memory and stage-2
 * tables, images and DTB, and the PSCI system calls that stop or restart
 * them.  Lock order: vm->lock, then the console's.
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
#include "log.h"
#include "arch/lpae.h"
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

#define DCACHE_LINE 64

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

static const void *host_dtb(void)
{
	return hyp_dtb_window(hyp.dtb_pa);
}

/* Guests start with caches off: what Lowvisor wrote must be in RAM. */
void vm_clean_dcache(const void *va, size_t len)
{
	uintptr_t p = ALIGN_DOWN((uintptr_t)va, DCACHE_LINE);
	uintptr_t end = (uintptr_t)va + len;

	for (; p < end; p += DCACHE_LINE)
		__asm__ volatile("mcr p15, 0, %0, c7, c10, 1" ::"r"(p) : "memory"); /* DCCMVAC */
	dsb_ish();
	__asm__ volatile("mcr p15, 0, %0, c7, c1, 0" ::"r"(0) : "memory"); /* ICIALLUIS */
	dsb_ish();
	isb();
}

/*
 * Zeroes [va, va + len) and cleans it to the point of coherency, one cache
 * line at a time (the guest starts with its caches off and must read the
 * zeros): eight registers stored twice and the line cleaned, six
 * instructions per 64 bytes, where memset and a separate cleaning pass
 * took several times that (DESIGN section 16: a 16 MiB VM's first
 * instruction waited for it).  va and len are multiples of DCACHE_LINE.
 */
static void zero_clean(void *va, size_t len)
{
	register uint32_t z0 __asm__("r4") = 0, z1 __asm__("r5") = 0;
	register uint32_t z2 __asm__("r6") = 0, z3 __asm__("r7") = 0;
	register uint32_t z4 __asm__("r8") = 0, z5 __asm__("r9") = 0;
	register uint32_t z6 __asm__("r10") = 0, z7 __asm__("r12") = 0;
	uintptr_t p = (uintptr_t)va, end = p + len, q = p; /* q: the line to clean */

	_Static_assert(DCACHE_LINE == 64, "zero_clean stores 64 bytes per line");
	if (!len)
		return;

	__asm__ volatile("1:	stmia	%[p]!, {r4-r10, r12}\n"
			 "	stmia	%[p]!, {r4-r10, r12}\n"
			 "	mcr	p15, 0, %[q], c7, c10, 1\n" /* DCCMVAC */
			 "	add	%[q], %[q], #64\n"
			 "	cmp	%[p], %[end]\n"
			 "	blo	1b\n"
			 : [p] "+r"(p), [q] "+r"(q)
			 : [end] "r"(end), "r"(z0), "r"(z1), "r"(z2), "r"(z3), "r"(z4), "r"(z5),
			   "r"(z6), "r"(z7)
			 : "cc", "memory");
	dsb_ish();
}

/*
 * Lazily zeroed RAM.  A VM's RAM must read zero before the guest sees it
 * (DESIGN section 4), but zeroing all of it before the first instruction
 * made a 16 MiB VM wait 1.6 ms, a 256 MiB Linux VM 25 ms.  So the whole 2
 * MiB blocks of its RAM (IPA and PA aligned) start unmapped at stage 2.
 * Where the hypervisor writes first (the images, the DTB, a VM_LIST
 * buffer: vm_ram_ptr) it zeroes and maps just those pages, and the block
 * is partial; the guest's first access to a block is a stage-2 translation
 * fault (vm_ram_fault) that zeroes the rest of it (all of it, or the pages
 * of a partial block that are not mapped yet), maps it and retries the
 * access, once per block.  Under the VM's lock: two vCPUs never zero one
 * block twice.  Going from unmapped to mapped needs no TLB maintenance (a
 * TLB holds no invalid entries).  What is not a whole block (a VM under 2
 * MiB, an unaligned tail) is zeroed at load as before.  Not for VMs with
 * passthrough devices or identity-mapped RAM: a device could write a
 * block by DMA before the guest's CPU touched it, and zeroing it then
 * would wipe the data.  A reset unmaps the blocks again.
 */
static int cache_fill(struct vm *vm, unsigned pages);

static bool bit_test(const uint32_t *map, unsigned b)
{
	return map[b / 32] >> (b % 32) & 1;
}

static void bit_set(uint32_t *map, unsigned b)
{
	map[b / 32] |= 1u << (b % 32);
}

/* Zeroes and maps the pages of [ipa, ipa + len) (page-aligned, inside one
 * block) that are not mapped yet: the mapped ones hold what was written. */
static int pages_populate(struct vm *vm, uint64_t ipa, uint64_t len)
{
	uint64_t pa_off = vm->ram_pa - vm->cfg.mem_base, at;

	for (at = ipa; at < ipa + len; at += PAGE_SIZE)
		if (stage2_translate(&vm->s2, at, NULL, NULL, NULL))
			zero_clean((void *)(uintptr_t)(at + pa_off), PAGE_SIZE);
	/* Pages already mapped the same way are left as they are. */
	return stage2_map(&vm->s2, ipa, ipa + pa_off, len, STAGE2_MEM_NORMAL, STAGE2_PERM_RWX);
}

/* Block b made ready, vm->lock held: its level-2 table is there (map_ram),
 * so a block that was never partial is one entry, no allocation. */
static void block_populate(struct vm *vm, unsigned b)
{
	const struct vm_config *c = &vm->cfg;
	uint64_t off = (uint64_t)b * LPAE_BLOCK_SIZE, ipa = c->mem_base + off;
	int err;

	if (bit_test(vm->ram_partial, b)) {
		err = pages_populate(vm, ipa, LPAE_BLOCK_SIZE);
	} else {
		zero_clean((void *)(uintptr_t)(vm->ram_pa + off), LPAE_BLOCK_SIZE);
		err = stage2_map(&vm->s2, ipa, vm->ram_pa + off, LPAE_BLOCK_SIZE,
				 STAGE2_MEM_NORMAL, STAGE2_PERM_RWX);
	}
	if (err)
		log_err("vm '%s': cannot map its RAM at %s: %d", c->name, HEX64(ipa), err);
	else
		bit_set(vm->ram_ready, b);
}

/* [ipa, ipa + len) of lazily zeroed RAM made readable and writable by the
 * hypervisor: the pages it covers in the blocks not ready yet. */
static int ram_populate(struct vm *vm, uint64_t ipa, size_t len)
{
	uint64_t start = ALIGN_DOWN(ipa, PAGE_SIZE), end = ALIGN_UP(ipa + len, PAGE_SIZE);
	uint64_t lazy_end = vm->cfg.mem_base + (uint64_t)vm->ram_blocks * LPAE_BLOCK_SIZE;
	int err = 0;

	if (!vm->ram_blocks || !len || start >= lazy_end)
		return 0;
	if (end > lazy_end)
		end = lazy_end;
	/* Level-3 tables for the pages, before the lock (they are
	 * allocated): at most one per block of [start, end). */
	err = cache_fill(vm, stage2_cache_need(end - start) + 1);
	spin_lock(&vm->lock);
	while (!err && start < end) {
		unsigned b = (unsigned)((start - vm->cfg.mem_base) / LPAE_BLOCK_SIZE);
		uint64_t next = ALIGN_DOWN(start, LPAE_BLOCK_SIZE) + LPAE_BLOCK_SIZE;

		if (next > end)
			next = end;
		if (!bit_test(vm->ram_ready, b)) {
			err = pages_populate(vm, start, next - start);
			bit_set(vm->ram_partial, b);
		}
		start = next;
	}
	spin_unlock(&vm->lock);
	return err;
}

bool vm_ram_fault(struct vm *vm, uint64_t ipa)
{
	uint64_t off = ipa - vm->cfg.mem_base;
	unsigned b = (unsigned)(off / LPAE_BLOCK_SIZE);

	if (ipa < vm->cfg.mem_base || off / LPAE_BLOCK_SIZE >= vm->ram_blocks)
		return false;
	/* Ready already: another vCPU of the VM got there first. */
	if (!bit_test(vm->ram_ready, b)) {
		spin_lock(&vm->lock);
		if (!bit_test(vm->ram_ready, b))
			block_populate(vm, b);
		spin_unlock(&vm->lock);
	}
	return bit_test(vm->ram_ready, b);
}

/* Before the images go in: every whole block unmapped and not ready, the
 * rest zeroed; or, for a VM that cannot be lazy, all of it zeroed. */
static void ram_reset(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	uint64_t blocks = c->mem_size / LPAE_BLOCK_SIZE, lazy = blocks * LPAE_BLOCK_SIZE;

	if (c->identity || c->passthrough_count || !IS_ALIGNED(c->mem_base, LPAE_BLOCK_SIZE) ||
	    !IS_ALIGNED(vm->ram_pa, LPAE_BLOCK_SIZE) || blocks > VM_LAZY_BLOCKS_MAX ||
	    stage2_unmap(&vm->s2, c->mem_base, lazy)) {
		vm->ram_blocks = 0;
		zero_clean((void *)(uintptr_t)vm->ram_pa, c->mem_size);
		return;
	}
	vm->ram_blocks = (unsigned)blocks;
	memset(vm->ram_ready, 0, sizeof(vm->ram_ready));
	memset(vm->ram_partial, 0, sizeof(vm->ram_partial));
	zero_clean((void *)(uintptr_t)(vm->ram_pa + lazy), c->mem_size - lazy);
}

void *vm_ram_ptr(struct vm *vm, uint64_t ipa, size_t len)
{
	const struct vm_config *c = &vm->cfg;

	if (ipa < c->mem_base || len > c->mem_size || ipa - c->mem_base > c->mem_size - len)
		return NULL;
	if (ram_populate(vm, ipa, len))
		return NULL;
	return (void *)(uintptr_t)(vm->ram_pa + (ipa - c->mem_base));
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

static int copy_image(struct vm *vm, const struct bundle_image *img, uint64_t ipa)
{
	void *to = vm_ram_ptr(vm, ipa, img->size);

	if (!to) /* its place was checked: only memory for stage-2 tables can fail */
		return -ENOMEM;
	memcpy(to, img->data, img->size);
	return 0;
}

/* Zeroed RAM (or RAM that reads zero when first touched), the images at
 * their places and a fresh DTB. */
int vm_load_images(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	void *dtb;
	unsigned i;
	int err;

	ram_reset(vm);
	err = copy_image(vm, &c->kernel, c->kernel_ipa);
	if (!err && c->has_ramdisk)
		err = copy_image(vm, &c->ramdisk, c->ramdisk_ipa);
	dtb = vm_ram_ptr(vm, c->dtb_ipa, GUEST_DTB_SIZE);
	if (err || !dtb) {
		log_err("vm '%s': no memory for the stage-2 tables of its images", c->name);
		return -ENOMEM;
	}
	err = guest_dt_build(dtb, GUEST_DTB_SIZE, c, vm->boot_count);
	if (err) {
		log_err("vm '%s': cannot build its device tree: %s", c->name,
			err == -ENOSPC ? "out of room" : "libfdt refused a node");
		return err;
	}
	for (i = 0; i < c->passthrough_count && !err; i++)
		err = guest_dt_copy_node(dtb, GUEST_DTB_SIZE, host_dtb(),
					 fdt_path_offset(host_dtb(), c->passthrough[i]));
	if (err) {
		log_err("vm '%s': passthrough: %s: %s", c->name, c->passthrough[i - 1],
			err == -EEXIST ? "its DT has a node of that name already"
				       : "no room for the node in its DT");
		return err;
	}
	fdt_pack(dtb);
	/* libfdt leaves scratch copies (of the strings, of moved blocks)
	 * behind the tree: the guest sees zeros there, like everywhere else. */
	memset((char *)dtb + fdt_totalsize(dtb), 0, GUEST_DTB_SIZE - fdt_totalsize(dtb));
	/* The rest was cleaned with the zeros. */
	vm_clean_dcache(vm_ram_ptr(vm, c->kernel_ipa, c->kernel.size), c->kernel.size);
	if (c->has_ramdisk)
		vm_clean_dcache(vm_ram_ptr(vm, c->ramdisk_ipa, c->ramdisk.size), c->ramdisk.size);
	vm_clean_dcache(dtb, GUEST_DTB_SIZE);
	return 0;
}

static int alloc_ram(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	char what[64];
	int err;

	snprintf(what, sizeof(what), "vm '%s' memory", c->name);
	/* Block-aligned when block mappings can cover it; a small VM takes
	 * pages, so that many of them do not leave holes in free memory. */
	if (!c->identity)
		return page_alloc(c->mem_size,
				  c->mem_size >= LPAE_BLOCK_SIZE ? LPAE_BLOCK_SIZE : PAGE_SIZE,
				  what, &vm->ram_pa);
	err = page_alloc_at(c->mem_base, c->mem_size);
	if (err)
		log_err("vm '%s': memory: %s-%s (identity-mapped) is not free RAM: it overlaps "
			"the hypervisor, the DTB, the bundle, reserved memory or another VM",
			c->name, HEX64(c->mem_base), HEX64(c->mem_base + c->mem_size - 1));
	vm->ram_pa = c->mem_base;
	return err;
}

static int cache_fill(struct vm *vm, unsigned pages)
{
	if (pages > STAGE2_CACHE_PAGES)
		pages = STAGE2_CACHE_PAGES;
	while (vm->s2_cache.count < pages) {
		uint64_t pa;
		int err;

		/* Not zeroed here: a table page is zeroed when it is taken
		 * (mm/stage2.c), and most of the worst case is never taken. */
		if (page_alloc(PAGE_SIZE, PAGE_SIZE, "stage-2 tables", &pa))
			return -ENOMEM;
		err = stage2_cache_put(&vm->s2_cache, pa);
		if (err) {
			page_free(pa, PAGE_SIZE);
			return err;
		}
	}
	return 0;
}

/* RAM in pieces small enough that one cache fill covers the worst case. */
#define MAP_CHUNK MiB(32)

static int map_ram(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	uint64_t off;
	int err = 0;

	for (off = 0; off < c->mem_size && !err; off += MAP_CHUNK) {
		uint64_t len = c->mem_size - off < MAP_CHUNK ? c->mem_size - off : MAP_CHUNK;

		err = cache_fill(vm, stage2_cache_need(len) + 2);
		err = err ?: stage2_map(&vm->s2, c->mem_base + off, vm->ram_pa + off, len,
					STAGE2_MEM_NORMAL, STAGE2_PERM_RWX);
	}
	return err;
}

static int map_vm(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	const struct plat_gic *g = &hyp.plat.gic;
	uint64_t l1;
	int err;

	/* The level-1 table is two pages, 8 KiB aligned. */
	if (page_alloc(2 * PAGE_SIZE, 2 * PAGE_SIZE, "stage-2 level-1 table", &l1))
		return -ENOMEM;
	stage2_cache_put(&vm->s2_cache, l1);
	stage2_cache_put(&vm->s2_cache, l1 + PAGE_SIZE);
	err = stage2_init(&vm->s2, &vm->s2_cache);
	err = err ?: map_ram(vm);
	err = err ?: cache_fill(vm, 4);
	/* The GIC's virtual CPU interface where the guest expects its GICC. */
	err = err ?: stage2_ioremap(&vm->s2, c->dev.gicc, g->gicv.base, GUEST_GICC_SIZE);
	if (err)
		log_err("vm '%s': stage-2 mapping failed: %s", c->name,
			err == -ENOMEM ? "no memory for its tables" : "its memory cannot be mapped");
	return err;
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
	struct vcpu *v = vm->vcpus[0];

	vm->cntvoff = timer_now();
	/* The Linux boot protocol: r0 = 0, r1 = ~0 (no machine type), r2 = DTB. */
	vcpu_boot(v, (uint32_t)vm->cfg.entry_ipa, 0, ~0u, (uint32_t)vm->cfg.dtb_ipa);
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
				     &vgic_dist_region_ops, vm->vgic);
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
	psci_smc(PSCI_0_2_FN_SYSTEM_OFF, 0, 0, 0);
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

void vm_kick(struct vm *vm, uint32_t mask)
{
	unsigned i;

	for (i = 0; i < vm->cfg.vcpus && mask; i++, mask >>= 1) {
		struct vcpu *v = vm->vcpus[i];

		if (!(mask & 1))
			continue;
		dmb();
		if (v->blocked && (vgic_vcpu_pending(vm->vgic, i) || vm_vcpu_has_line(v))) {
			v->blocked = false;
			sched_wake(v);
			dmb();
		}
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

/* HCR.VI and HCR.VF: a vCPU's own IRQ and FIQ lines. */
#define HCR_VF (1u << 6)
#define HCR_VI (1u << 7)

void vm_irq_line(struct vm *vm, const struct irq_line *l)
{
	struct vcpu *v;
	uint32_t bit;

	if (l->kind == IRQ_LINE_SPI) {
		vm_set_irq(vm, l->intid, l->level);
		return;
	}
	if (l->kind == IRQ_LINE_PPI) {
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

int vm_mmio(struct vcpu *v, uint64_t ipa, const struct mmio_access *a, uint32_t *val)
{
	const struct mmio_region *r = mmio_region_find(&v->vm->mmio, ipa);
	int ret;

	if (!r)
		return -ENODEV;
	if (r->ops != &vgic_dist_region_ops)
		return mmio_dispatch(r, r->dev, a, ipa - r->base, val);
	ret = vgic_dist_access(r->dev, v->index, a, ipa - r->base, val);
	if (ret > 0)
		vm_kick(v->vm, (uint32_t)ret);
	return ret < 0 ? ret : 0;
}

/* SPIs given to VMs by passthrough, by interrupt ID. */
static struct vm *spi_owner[1020];

/* Whether interrupt ID irq is an SPI of one of the VM's guest-dt nodes. */
static bool guest_dt_spi(const struct vm_config *c, uint32_t irq)
{
	uint32_t n = irq - 32;

	return irq >= 32 && n < GUEST_SPIS && (c->guest_dt_spis[n / 32] >> (n % 32) & 1u);
}

/* Where the bundle is (vm_create_all): no passthrough page may hold it. */
static struct mem_range bundle_range;

/* Whether interrupt ID irq of a passthrough node can be the VM's: an SPI of
 * its vGIC that is not another VM's, the console UART's, its virtual
 * UART's or one of its guest-dt nodes'. */
static bool spi_free(const struct vm_config *c, const char *path, uint32_t irq)
{
	unsigned long n = (unsigned long)irq - 32; /* huge below 32 */
	const struct vm *owner = n < VM_SPIS ? spi_owner[irq] : NULL;
	const char *whose = irq == hyp.plat.uart.irq ? "the console UART's"
			    : n == GUEST_UART_SPI    ? "the VM's virtual UART's"
			    : guest_dt_spi(c, irq)   ? "also a guest-dt node's interrupt"
						     : NULL;

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
static int check_passthrough(const struct vm_config *c)
{
	const struct pt_avoid avoid[] = {
		{ "Lowvisor's image", hyp_image_range() },
		{ "the host DTB", { hyp.dtb_pa, hyp.plat.dtb_size } },
		{ "the bundle", bundle_range },
		{ "the VM's memory", { c->mem_base, c->mem_size } },
		{ "the VM's GIC distributor", { c->dev.gicd, GUEST_GICD_SIZE } },
		{ "the VM's GIC CPU interface", { c->dev.gicc, GUEST_GICC_SIZE } },
		{ "the VM's UART", { c->dev.uart, GUEST_UART_SIZE } },
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
		for (k = 0; k < nvms; k++)
			for (j = 0; j < vms[k]->cfg.passthrough_count; j++)
				if (passthrough_shared_page(fdt, node, fdt_path_offset(fdt,
							    vms[k]->cfg.passthrough[j]), &page)) {
					log_err("vm '%s': passthrough: %s: page %s is also vm '%s''s, "
						"by passthrough %s", c->name, path, HEX64(page),
						vms[k]->cfg.name, vms[k]->cfg.passthrough[j]);
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
static int create_passthrough(struct vm *vm)
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

			err = cache_fill(vm, 4);
			err = err ?: stage2_ioremap(&vm->s2, base, base,
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
	if (check_passthrough(cfg) || alloc_ram(vm) || map_vm(vm) || create_vcpus(vm) ||
	    create_vgic(vm) || place_vcpus(vm) || create_passthrough(vm) ||
	    mmio_region_add(&vm->mmio, cfg->dev.uart, GUEST_UART_SIZE, &vuart_ops, &vm->uart) ||
	    vm_load_images(vm)) {
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
	bundle_range = (struct mem_range){ (uintptr_t)bundle, size };
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
