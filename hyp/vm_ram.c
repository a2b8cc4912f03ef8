// SPDX-License-Identifier: MIT
/*
 * A VM's RAM: its allocation and stage-2 mapping, the lazy zeroing of
 * blocks on first touch, cleaning what the hypervisor wrote to the point
 * of coherency, and loading the images and the DTB at boot and reset.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "arch/cache.h"
#include "arch/lpae.h"
#include "arch/sysreg.h"
#include "config.h"
#include "hyp.h"
#include "log.h"
#include "mm.h"
#include "pages.h"
#include "vm.h"

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
		if (stage2_translate(&vm->s2, ipa_init(at), NULL, NULL, NULL))
			dcache_zero_poc((void *)(uintptr_t)(at + pa_off), PAGE_SIZE);
	/* Pages already mapped the same way are left as they are. */
	return stage2_map(&vm->s2, ipa_init(ipa), pa_init(ipa + pa_off), len, STAGE2_MEM_NORMAL,
			  STAGE2_PERM_RWX);
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
		dcache_zero_poc((void *)(uintptr_t)(vm->ram_pa + off), LPAE_BLOCK_SIZE);
		err = stage2_map(&vm->s2, ipa_init(ipa), pa_init(vm->ram_pa + off), LPAE_BLOCK_SIZE,
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
	err = vm_cache_fill(vm, stage2_cache_need(end - start) + 1);
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
	    stage2_unmap(&vm->s2, ipa_init(c->mem_base), lazy)) {
		vm->ram_blocks = 0;
		dcache_zero_poc((void *)(uintptr_t)vm->ram_pa, c->mem_size);
		return;
	}
	vm->ram_blocks = (unsigned)blocks;
	memset(vm->ram_ready, 0, sizeof(vm->ram_ready));
	memset(vm->ram_partial, 0, sizeof(vm->ram_partial));
	dcache_zero_poc((void *)(uintptr_t)(vm->ram_pa + lazy), c->mem_size - lazy);
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

static int copy_image(struct vm *vm, const struct bundle_image *img, uint64_t ipa)
{
	void *to = vm_ram_ptr(vm, ipa, img->size);

	if (!to) /* its place was checked: only memory for stage-2 tables can fail */
		return -ENOMEM;
	memcpy(to, img->data, img->size);
	dcache_clean_poc(to, img->size); /* the rest is cleaned with the zeros */
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
	dcache_clean_poc(dtb, GUEST_DTB_SIZE);
	return 0;
}

int vm_ram_alloc(struct vm *vm)
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

int vm_cache_fill(struct vm *vm, unsigned pages)
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
		err = stage2_cache_put(&vm->s2_cache, pa_init(pa));
		if (err) {
			page_free(pa, PAGE_SIZE);
			return err;
		}
	}
	return 0;
}

/* RAM in pieces small enough that one cache fill covers the worst case. */
#define MAP_CHUNK MiB(32)

int vm_map_ram(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, unsigned perms)
{
	uint64_t off;
	int err = 0;

	for (off = 0; off < size && !err; off += MAP_CHUNK) {
		uint64_t len = size - off < MAP_CHUNK ? size - off : MAP_CHUNK;

		err = vm_cache_fill(vm, stage2_cache_need(len) + 2);
		err = err ?: stage2_map(&vm->s2, ipa_init(ipa + off), pa_init(pa + off), len,
					STAGE2_MEM_NORMAL, perms);
	}
	if (err && off > MAP_CHUNK) /* all or nothing: the chunks mapped go */
		stage2_unmap(&vm->s2, ipa_init(ipa), off - MAP_CHUNK);
	return err;
}

int vm_map(struct vm *vm)
{
	const struct vm_config *c = &vm->cfg;
	const struct plat_gic *g = &hyp.plat.gic;
	uint64_t l1;
	int err;

	/* The level-1 table is two pages, 8 KiB aligned. */
	if (page_alloc(2 * PAGE_SIZE, 2 * PAGE_SIZE, "stage-2 level-1 table", &l1))
		return -ENOMEM;
	stage2_cache_put(&vm->s2_cache, pa_init(l1));
	stage2_cache_put(&vm->s2_cache, pa_init(l1 + PAGE_SIZE));
	err = stage2_init(&vm->s2, &vm->s2_cache);
	err = err ?: vm_map_ram(vm, c->mem_base, vm->ram_pa, c->mem_size, STAGE2_PERM_RWX);
	err = err ?: vm_cache_fill(vm, 4);
	/* The GIC's virtual CPU interface where the guest expects its GICC. */
	err = err ?: stage2_ioremap(&vm->s2, ipa_init(c->dev.gicc), pa_init(g->gicv.base),
				    GUEST_GICC_SIZE);
	if (err)
		log_err("vm '%s': stage-2 mapping failed: %s", c->name,
			err == -ENOMEM ? "no memory for its tables" : "its memory cannot be mapped");
	return err;
}
