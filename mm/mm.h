/* SPDX-License-Identifier: MIT */
/*
 * mm/: memory management, the room's whole interface.  Plain C over the
 * architecture's table formats (include/arch/lpae.h): the HYP stage-1 map,
 * the physical page allocator's ranges, each VM's stage-2 tables, and the
 * VMID generations.  Includes only include/.
 */
#ifndef LOWVISOR_MM_H
#define LOWVISOR_MM_H

#include "layout.h"
#include "types.h"

/*
 * Lowvisor's own (HYP stage-1, LPAE) address space:
 *
 *   0x00000000 - 0xEFFFFFFF  identity: RAM and devices at VA == PA, mapped
 *                            as the platform description says
 *   0xF0000000 - 0xF03FFFFF  the firmware image, linked here and mapped to
 *                            wherever it was loaded (so it runs from any
 *                            page-aligned load address)
 *   0xFF000000 - 0xFF3FFFFF  the host DTB window: the 4 MiB around the DTB
 *
 * The tables are static (one level-1 table, four level-2 tables covering the
 * whole 4 GiB, level-3 tables for the image and a small pool for 4 KiB
 * device mappings), built by boot/entry.S before the MMU is on.
 */

#define HYP_IDENTITY_LIMIT ((uint64_t)HYP_IMAGE_VA) /* RAM above is not identity mapped */
#define HYP_L3_POOL_PAGES 8

enum hyp_mem_type { HYP_MEM_NORMAL, HYP_MEM_DEVICE };

/* Maps [pa, pa + size) at VA == PA; 2 MiB blocks where aligned, pages
 * elsewhere.  -ERANGE beyond the identity limit, -ENOMEM when the level-3
 * pool is used up, -EEXIST if a different mapping is already there. */
int hyp_map_identity(paddr_t pa, uint64_t size, enum hyp_mem_type type);

/* The physical address of a firmware image address. */
paddr_t hyp_image_pa(const void *va);
/* Where the image starts and ends (including BSS), physically. */
struct mem_range hyp_image_range(void);

/* The DTB window VA for a DTB at physical address pa. */
void *hyp_dtb_window(uint32_t dtb_pa);

/*
 * Physical memory allocator: a sorted list of free ranges, page granular.
 * Large contiguous allocations (guest RAM) and single pages (tables, vCPU
 * structures) come from the same place.  Plain C, tested on the host; the
 * hypervisor wraps one global instance with a lock (mm/page.c).
 */

#define PALLOC_MAX_RANGES 64

struct palloc {
	unsigned count;
	struct mem_range free[PALLOC_MAX_RANGES]; /* sorted, disjoint, not adjacent */
};

void palloc_init(struct palloc *pa);

/* Adds [base, base + size) as free, trimmed inward to whole pages.
 * -EINVAL if it overlaps memory already free, -ENOSPC if the list is full. */
int palloc_add(struct palloc *pa, uint64_t base, uint64_t size);

/* Removes [base, base + size), widened to whole pages, from the free memory
 * wherever it overlaps (parts not free are ignored).  -ENOSPC if splitting
 * needs more ranges than the list holds. */
int palloc_reserve(struct palloc *pa, uint64_t base, uint64_t size);

/* Allocates size bytes (rounded up to pages) aligned to align (a power of
 * two, at least a page).  -ENOMEM if no free range fits, -EINVAL for a bad
 * size or alignment. */
int palloc_alloc(struct palloc *pa, uint64_t size, uint64_t align, uint64_t *out);

/* Allocates exactly [base, base + size): -EBUSY if any of it is not free. */
int palloc_alloc_at(struct palloc *pa, uint64_t base, uint64_t size);

/* Returns an allocation.  -EINVAL if it is not page aligned or any of it is
 * already free (a double free). */
int palloc_free(struct palloc *pa, uint64_t base, uint64_t size);

uint64_t palloc_free_bytes(const struct palloc *pa);
uint64_t palloc_largest(const struct palloc *pa);

/*
 * Stage-2 translation tables of one VM: LPAE, 40-bit IPA, 40-bit PA, 4 KiB
 * granule, the walk starting at level 1 (see STAGE2_VTCR in lpae.h).
 *
 *   level 1  1024 entries (two concatenated pages, 8 KiB aligned), 1 GiB each:
 *            always invalid or a table, never a block
 *   level 2  512 entries, 2 MiB each: invalid, a block, or a table
 *   level 3  512 entries, 4 KiB each: invalid or a page
 *
 * Plain C with no locking: the caller serialises every call on one VM (its
 * VM lock).  Table pages come only from the VM's struct stage2_cache, which
 * the caller fills outside the lock, so map and unmap never allocate.
 * Table pages stay until stage2_destroy(), even when unmap empties them: no
 * table page is reused while a TLB walk cache could still point at it.
 *
 * The environment (the hypervisor, or the unit test's fake) provides the
 * functions declared at the bottom.
 */

#define STAGE2_IPA_BITS 40
#define STAGE2_PA_BITS 40
#define STAGE2_L1_ENTRIES 1024
#define STAGE2_L1_SIZE (2 * PAGE_SIZE) /* and its alignment */
#define STAGE2_INIT_PAGES 2            /* what stage2_init() takes */
#define STAGE2_UNMAP_PAGES 2           /* the most one unmap takes */
#define STAGE2_CACHE_PAGES 64

enum stage2_mem {
	STAGE2_MEM_NORMAL, /* write-back cacheable, inner shareable */
	STAGE2_MEM_DEVICE, /* Device (nGnRE), never executable */
};

#define STAGE2_PERM_READ 1u
#define STAGE2_PERM_WRITE 2u
#define STAGE2_PERM_EXEC 4u
#define STAGE2_PERM_RW (STAGE2_PERM_READ | STAGE2_PERM_WRITE)
#define STAGE2_PERM_RWX (STAGE2_PERM_RW | STAGE2_PERM_EXEC)

/*
 * Page-aligned physical pages for tables, filled by the caller (directly or
 * with stage2_cache_put()) and taken from the end.  Pages need not be
 * zeroed.  stage2_init() needs two of them to be an 8 KiB-aligned pair
 * (pa, pa + 4 KiB), e.g. both halves of one 8 KiB allocation aligned to
 * 8 KiB.  Pages left in it at destruction are the caller's to free.
 */
struct stage2_cache {
	uint64_t pages[STAGE2_CACHE_PAGES];
	unsigned count;
};

struct stage2 {
	uint64_t l1_pa;               /* STAGE2_L1_SIZE bytes, so aligned */
	struct stage2_cache *cache;   /* where map and unmap take tables */
	unsigned table_pages;         /* in use, including the level-1 pair */
};

/* Adds a page to the cache: -EINVAL if pa is not page aligned or beyond
 * 40 bits, -ENOSPC if the cache is full. */
int stage2_cache_put(struct stage2_cache *cache, paddr_t pa);

/* The most table pages stage2_map() of size bytes can take, wherever it
 * is mapped (one level-2 table per GiB and one level-3 table per 2 MiB it
 * touches).  A map of more than about 120 MiB that cannot use blocks needs
 * more than the cache holds: map such a region in pieces, topping up in
 * between. */
unsigned stage2_cache_need(uint64_t size);

/* Takes the level-1 table (an 8 KiB-aligned pair) from cache and zeroes it;
 * cache is where later maps take their tables.  -ENOMEM if the cache holds
 * no such pair. */
int stage2_init(struct stage2 *s2, struct stage2_cache *cache);

/*
 * Maps [ipa, ipa + size) to [pa, pa + size): 2 MiB blocks where the IPA, the
 * PA and the size allow and no level-3 table is already there, 4 KiB pages
 * elsewhere.  perms: STAGE2_PERM_* with read or write; exec needs read and
 * normal memory.  Parts already mapped exactly so are left alone.
 *
 * Either everything is mapped or nothing changes:
 *   -EINVAL  ipa, pa or size not page aligned, size 0 or wrapping, bad type
 *            or perms
 *   -ERANGE  the IPA or PA range goes beyond 40 bits
 *   -EEXIST  some of the range is mapped differently
 *   -ENOMEM  the cache holds fewer pages than the new tables need
 * Only invalid entries are filled, so no TLB maintenance is needed.
 */
int stage2_map(struct stage2 *s2, ipaddr_t ipa, paddr_t pa, uint64_t size,
	       enum stage2_mem type, unsigned perms);

/* stage2_map() of a device region, read/write, never executable. */
int stage2_ioremap(struct stage2 *s2, ipaddr_t ipa, paddr_t pa, uint64_t size);

/*
 * Unmaps [ipa, ipa + size); parts not mapped are ignored.  A 2 MiB block
 * only partly in the range is first split into a level-3 table of pages
 * (break-before-make, one table page from the cache each, so at most
 * STAGE2_UNMAP_PAGES).  When it returns, no TLB holds a removed translation
 * (stage2_tlb_flush() was called).  Either everything is unmapped or
 * nothing changes: -EINVAL, -ERANGE as for stage2_map(); -ENOMEM if the
 * cache holds fewer pages than the splits need.  A vCPU on another CPU may
 * fault on the rest of a block while it is split: its abort handler must
 * retry once it gets the VM lock and finds the IPA mapped.
 */
int stage2_unmap(struct stage2 *s2, ipaddr_t ipa, uint64_t size);

/* Walks the tables as the MMU does.  -EFAULT if the IPA is not mapped (or
 * beyond 40 bits).  Any output pointer may be NULL. */
int stage2_translate(const struct stage2 *s2, ipaddr_t ipa, paddr_t *pa, unsigned *perms,
		     enum stage2_mem *type);

/* Invalidates the VM's TLB entries, then gives every table page, the
 * level-1 pair included, to stage2_free_page().  The cache is untouched. */
void stage2_destroy(struct stage2 *s2);

/* The whole VTTBR: the tables (BADDR, bits [39:13]) and the VMID (bits
 * [55:48]). */
uint64_t stage2_vttbr(const struct stage2 *s2, uint8_t vmid);

/*
 * Provided by the environment.
 *
 * stage2_phys_to_virt: where the module reads and writes a table page.
 * stage2_sync_table: makes descriptors just written visible to the table
 *   walkers of every CPU (clean to the PoU if walks do not snoop the data
 *   cache, then DSB ISH); called before a new table is linked in.
 * stage2_tlb_flush: invalidates all stage-1&2 TLB entries of the VM that
 *   owns s2 on every CPU (inner shareable, DSB, ISB).  Reach the VM with
 *   container_of(); a VM without a VMID yet has nothing to invalidate.
 * stage2_free_page: takes back a table page from stage2_destroy().
 */
void *stage2_phys_to_virt(paddr_t pa);
void stage2_sync_table(void *va, size_t len);
void stage2_tlb_flush(const struct stage2 *s2);
void stage2_free_page(paddr_t pa);

/*
 * VMIDs: the 8-bit tag (VTTBR[55:48]) that keeps VMs' stage-1&2 TLB entries
 * apart.  Guests get 1..255; VMID 0 is never handed out, so 0 means "none".
 * Modelled on Linux arm KVM (v5.x update_vmid()): a global 64-bit generation,
 * and a VM's id is valid only while its gen equals the global one.  Ids are
 * handed out in order; when all 255 are taken the generation advances, every
 * other CPU is made to leave its guest (the rendezvous), the TLBs of all
 * CPUs are flushed, and allocation restarts at 1.  A VM whose id belongs to
 * an old generation gets a fresh one on its next entry, so any number of VMs
 * can exist and run.  Ids are never freed one by one: a destroyed VM's id is
 * not reused before the next rollover's flush, so VM destruction needs
 * nothing from this module.
 *
 * Guest entry, on every CPU, in this order (the hypervisor's run loop):
 *
 *	for (;;) {
 *		vmid_check_and_update(&vm->vmid);     IRQs unmasked, no lock held
 *		irq_disable();
 *		id = vmid_current_id(&vm->vmid);
 *		if (id)
 *			break;
 *		irq_enable();                         a rollover came in between
 *	}
 *	write VTTBR = stage2_vttbr(tables, id), enter the guest
 *	without unmasking IRQs in HYP (physical IRQs trap to HYP in the guest:
 *	HCR.IMO)
 *
 * vmid_check_and_update() must not be called with IRQs masked: its slow
 * path can wait for the lock held by a CPU that is rolling over, which in
 * turn waits in the rendezvous for this CPU to take an interrupt.  The
 * recheck with IRQs masked is what makes the entry safe: if a rollover
 * starts after it, its interrupt stays pending and pulls the CPU out of the
 * guest at once, before the flush and before any id of the new generation
 * exists; if it started before, vmid_current_id() returns 0.
 *
 * Provided by the environment (the hypervisor, or the unit test's fakes):
 *
 * vmid_hw_lock, vmid_hw_unlock: one lock (a struct spinlock in the
 *   hypervisor) that only this module takes, always with IRQs unmasked.
 *   The slow path and the rollover, rendezvous and flush included, run
 *   under it.
 *
 * vmid_hw_rendezvous: called on the CPU that rolls over, lock held, IRQs
 *   unmasked, after the new generation is stored and a full barrier, before
 *   vmid_hw_flush_all().  It returns once every other CPU that can run
 *   guests has taken an interrupt in HYP since the call began.  In the
 *   hypervisor: bump a rendezvous sequence number, DSB ISH, send an SGI to
 *   every other online CPU, and wait until each one's per-CPU ack word
 *   equals the sequence number; the SGI handler copies the sequence number
 *   into its CPU's ack word (DMB ISH before the store).  A CPU that acked
 *   has left its guest (or was not in one) and can only enter again through
 *   the recheck above, which now fails; its vmid_check_and_update() then
 *   waits for the lock until the flush is done.  A CPU brought online later
 *   must be in the set the rendezvous reads (online flag, then DMB ISH)
 *   before its first vmid_current_id().  The waiting CPU keeps IRQs
 *   unmasked: an IRQ handler never takes the vmid lock.
 *
 * vmid_hw_flush_all: invalidates all non-secure non-HYP stage-1&2 TLB
 *   entries on every CPU: TLBIALLNSNHIS, ICIALLUIS (the architecture allows
 *   VMID-tagged instruction caches; Linux does the same), DSB ISH, ISB.
 *
 * Per-VM TLB maintenance (stage2_tlb_flush) must use vmid_last_id(), not
 * vmid_current_id(): between the generation advancing and the rendezvous
 * completing, a vCPU can still be running with its old-generation id.
 * Invalidating by a stale id only costs another VM some TLB refills.
 */

#define VMID_FIRST 1u /* VMID 0 is never a guest's */
#define VMID_LAST 255u
#define VMID_COUNT (VMID_LAST - VMID_FIRST + 1)

/* One per VM, shared by its vCPUs.  All zero: no id yet.  Written only by
 * this module, under its lock; read without it. */
struct vmid {
	uint64_t gen; /* generation id belongs to; 0 = never had one */
	uint8_t id;
};

struct vmid_stats {
	uint64_t generation;  /* starts at 1 */
	uint64_t rollovers;   /* generation - 1 */
	uint64_t allocations; /* ids handed out since vmid_init() */
	unsigned live;        /* ids handed out in this generation, dead VMs' too */
};

/* Back to generation 1 with no id handed out.  At boot, before any CPU
 * runs a guest (and in each unit test).  The initial state is already
 * this, so calling it is optional at boot. */
void vmid_init(void);

/* Makes v's id current: lock-free if it already is, else takes the lock
 * and allocates one, rolling over when none is left.  Returns the id
 * (never 0).  IRQs unmasked, no lock held: see the entry sequence above. */
uint8_t vmid_check_and_update(struct vmid *v);

/* v's id if it belongs to the current generation, else 0.  Lock-free. */
uint8_t vmid_current_id(const struct vmid *v);

/* The id v last held, current or not; 0 if it never had one.  For
 * invalidating the VM's TLB entries. */
uint8_t vmid_last_id(const struct vmid *v);

/* A snapshot for reports; lock-free, so fields may be from moments apart. */
void vmid_stats_read(struct vmid_stats *st);

void vmid_hw_lock(void);
void vmid_hw_unlock(void);
void vmid_hw_rendezvous(void);
void vmid_hw_flush_all(void);

#endif
