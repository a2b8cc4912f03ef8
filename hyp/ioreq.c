// SPDX-License-Identifier: MIT
/*
 * The device-model path (uapi/lowvisor.h, docs/architecture.md): a guest's
 * access to one of its virtio windows becomes a request in its device's
 * backend's ring, the accessing vCPU leaves its CPU, and the backend's
 * IOREQ_DONE completes the access.  Each vCPU has one request at a time,
 * in its own slot of each backend's ring.  A vCPU's request is under its
 * VM's lock, a backend's ring, slot table and mappings under the backend's;
 * no path holds both, and none waits on a backend.
 */
#include <errno.h>
#include <string.h>

#include "arch/cache.h"
#include "arch/lpae.h"
#include "ioreq.h"
#include "vm.h"

_Static_assert(sizeof(struct lowvisor_ioreq_ring) == PAGE_SIZE, "one page");
_Static_assert(LOWVISOR_IOREQ_VMS >= CONFIG_MAX_VMS, "a bit for every VM id");

static unsigned slot_of(const struct vcpu *v)
{
	return v->vm->cfg.virtio[v->io.req.device].slot_base + v->index;
}

static struct vm *backend_of(const struct vcpu *v)
{
	return vm_by_id(v->vm->cfg.virtio[v->io.req.device].backend);
}

/* Slot s of b's ring made to hold rq (b->lock held); the state last, and
 * cleaned to the point of coherency for a backend with its caches off. */
static void ring_store(struct vm *b, unsigned s, const struct lowvisor_ioreq *rq)
{
	struct lowvisor_ioreq *slot = &b->be->ring->slot[s];

	slot->state = LOWVISOR_IOREQ_FREE;
	dmb();
	memcpy(&slot->seq, &rq->seq, sizeof(*slot) - sizeof(slot->state));
	dmb();
	slot->state = rq->state;
	dcache_clean_poc(slot, sizeof(*slot));
}

static void backend_signal(struct vm *b)
{
	vm_set_irq(b, LOWVISOR_IOREQ_SPI + 32, true);
	vm_set_irq(b, LOWVISOR_IOREQ_SPI + 32, false);
}

/* v's request into its backend's ring, or out of it (rq FREE). */
static void ring_put(struct vcpu *v, const struct lowvisor_ioreq *rq)
{
	struct vm *b = backend_of(v);
	bool signal;

	if (!b)
		return; /* not started: its requests wait */
	spin_lock(&b->lock);
	signal = b->be->ring != NULL;
	if (signal)
		ring_store(b, slot_of(v), rq);
	spin_unlock(&b->lock);
	if (signal && rq->state != LOWVISOR_IOREQ_FREE)
		backend_signal(b);
}

int ioreq_forward(struct vcpu *v, uint64_t ipa, const struct mmio_access *a)
{
	struct vm *vm = v->vm;
	uint64_t off = ipa - LOWVISOR_VIRTIO_BASE;
	struct vcpu_io *io = &v->io;
	struct lowvisor_ioreq rq;

	if (off >= (uint64_t)vm->cfg.virtio_count * LOWVISOR_VIRTIO_SIZE)
		return -ENODEV;
	spin_lock(&vm->lock);
	if (io->state == IO_POSTED) {
		/* Its last write is not taken yet: this access is retried
		 * once it is (the PC stays). */
		io->state = IO_RETRY;
		spin_unlock(&vm->lock);
		return 0;
	}
	io->req = (struct lowvisor_ioreq){
		.state = LOWVISOR_IOREQ_PENDING,
		.seq = io->req.seq + 1,
		.phys_addr = ipa,
		.data = a->write ? mmio_store_value(a, guest_reg(v, a->rt)) : 0,
		.vm = (uint16_t)vm->cfg.id,
		.vcpu = (uint8_t)v->index,
		.device = (uint8_t)(off / LOWVISOR_VIRTIO_SIZE),
		.len = a->width,
		.is_write = a->write,
		.posted = a->write && off % LOWVISOR_VIRTIO_SIZE == LOWVISOR_VIRTIO_NOTIFY,
	};
	io->rt = a->rt;
	io->sign_extend = a->sign_extend;
	io->state = io->req.posted ? IO_POSTED : IO_WAIT;
	rq = io->req;
	spin_unlock(&vm->lock);
	vcpu_skip_insn(v, a->il);
	ring_put(v, &rq);
	return 0;
}

void ioreq_finish(struct vcpu *v)
{
	struct mmio_access a = { .width = v->io.req.len, .sign_extend = v->io.sign_extend };

	if (!v->io.req.is_write)
		guest_reg_set(v, v->io.rt, mmio_load_value(&a, v->io.value));
	v->io.state = IO_IDLE;
}

int ioreq_done(struct vm *b, uint32_t who, uint32_t seq, uint32_t value)
{
	const struct lowvisor_ioreq free = { .state = LOWVISOR_IOREQ_FREE };
	struct vm *f = vm_by_id(who & 0xffffu);
	struct vcpu *v;
	unsigned st, slot;
	int err = 0;

	if (!b->cfg.backend)
		return -EPERM;
	if (!f || (who >> 16) >= f->cfg.vcpus)
		return -EINVAL;
	v = f->vcpus[who >> 16];
	spin_lock(&f->lock);
	st = v->io.state;
	if (!(st & IO_OUTSTANDING) || v->io.req.seq != seq || backend_of(v) != b)
		err = -ENOENT;
	else if (!v->io.req.is_write && (value & ~mmio_width_mask(v->io.req.len)))
		err = -EINVAL;
	if (!err) {
		v->io.value = value;
		v->io.state = st == IO_WAIT ? IO_DONE : IO_IDLE;
	}
	slot = slot_of(v);
	spin_unlock(&f->lock);
	if (err)
		return err;
	spin_lock(&b->lock);
	if (b->be->ring && b->be->ring->slot[slot].seq == seq)
		ring_store(b, slot, &free);
	spin_unlock(&b->lock);
	if (st != IO_POSTED)
		vm_kick(f, 1u << v->index);
	return 0;
}

__cold int ioreq_setup(struct vm *b, uint64_t ipa)
{
	struct lowvisor_ioreq_ring *ring = NULL;
	unsigned i, k;

	if (!b->cfg.backend)
		return -EPERM;
	if (ipa) {
		ring = IS_ALIGNED(ipa, PAGE_SIZE) ? vm_ram_ptr(b, ipa, PAGE_SIZE) : NULL;
		if (!ring)
			return -EFAULT;
		memset(ring, 0, sizeof(*ring));
	}
	spin_lock(&b->lock);
	b->be->ring = ring;
	if (ring)
		memcpy(ring->mapped, b->be->mapped, sizeof(ring->mapped));
	spin_unlock(&b->lock);
	if (!ring)
		return (int)b->cfg.ioreq_slots;
	/* The outstanding requests for b into it, each read under its VM's
	 * lock (no lock inside another; one completed meanwhile is refused
	 * as stale when the backend answers it). */
	for (k = 0; k < vm_count(); k++) {
		struct vm *f = vm_at(k);

		for (i = 0; i < f->cfg.vcpus && f->cfg.virtio_count; i++) {
			struct vcpu *v = f->vcpus[i];
			struct lowvisor_ioreq rq = { .state = LOWVISOR_IOREQ_FREE };

			spin_lock(&f->lock);
			if ((v->io.state & IO_OUTSTANDING) && backend_of(v) == b)
				rq = v->io.req;
			spin_unlock(&f->lock);
			if (rq.state == LOWVISOR_IOREQ_FREE)
				continue;
			spin_lock(&b->lock);
			if (b->be->ring == ring)
				ring_store(b, f->cfg.virtio[rq.device].slot_base + i, &rq);
			spin_unlock(&b->lock);
		}
	}
	dcache_clean_poc(ring, sizeof(*ring));
	backend_signal(b);
	return (int)b->cfg.ioreq_slots;
}

/* Whether b backs a device of f. */
__cold static bool backs(const struct vm *b, const struct vm *f)
{
	unsigned i;

	for (i = 0; i < f->cfg.virtio_count; i++)
		if (f->cfg.virtio[i].backend == b->cfg.id && f != b)
			return true;
	return false;
}

/* Whether [ipa, ipa + size) of b is free for a mapping: not its RAM, its
 * emulated devices or windows (stage2_map refuses what is mapped: other
 * mappings, passthrough, GICC). */
__cold static bool ipa_free(const struct vm *b, uint64_t ipa, uint64_t size)
{
	const struct vm_config *c = &b->cfg;
	unsigned i;

	if (ranges_overlap(ipa, size, c->mem_base, c->mem_size) ||
	    ranges_overlap(ipa, size, LOWVISOR_VIRTIO_BASE,
			   (uint64_t)c->virtio_count * LOWVISOR_VIRTIO_SIZE))
		return false;
	for (i = 0; i < b->mmio.count; i++)
		if (ranges_overlap(ipa, size, b->mmio.r[i].base, b->mmio.r[i].size))
			return false;
	return true;
}

/* Bit id of b's mapped[], and of its ring's (b->lock held). */
__cold static void mapped_set(struct vm *b, unsigned id, bool on)
{
	uint32_t *w = &b->be->mapped[id / 32];

	*w = on ? *w | 1u << (id % 32) : *w & ~(1u << (id % 32));
	if (b->be->ring) {
		b->be->ring->mapped[id / 32] = *w;
		dcache_clean_poc(&b->be->ring->mapped[id / 32], sizeof(*w));
	}
}

/* b's mapping of f's RAM removed (b->lock held); the backend is told. */
__cold static void unmap_one(struct vm *b, struct ioreq_map *m)
{
	unsigned id = m->vm->cfg.id;

	stage2_unmap(&b->s2, ipa_init(m->ipa), m->vm->cfg.mem_size);
	m->vm = NULL;
	mapped_set(b, id, false);
}

__cold static struct ioreq_map *map_find(struct vm *b, const struct vm *f)
{
	unsigned i;

	for (i = 0; i < LOWVISOR_IOREQ_SLOTS; i++)
		if (b->be->maps[i].vm == f)
			return &b->be->maps[i];
	return NULL;
}

/* The first of f's lazily zeroed blocks not zeroed yet, or f->ram_blocks. */
__cold static unsigned unready_block(const struct vm *f)
{
	unsigned i = 0;

	while (i < f->ram_blocks && (f->ram_ready[i / 32] >> (i % 32) & 1u))
		i++;
	return i;
}

__cold int ioreq_map_guest(struct vm *b, unsigned id, uint64_t ipa, bool unmap)
{
	struct vm *f = vm_by_id(id);
	uint64_t size = f ? f->cfg.mem_size : 0;
	struct ioreq_map *m;
	unsigned b_id;
	int err = 0;

	if (!f || !backs(b, f))
		return -EPERM;
	spin_lock(&b->lock);
	m = map_find(b, f);
	if (unmap) {
		if (m)
			unmap_one(b, m);
		spin_unlock(&b->lock);
		return m ? (int)(size / PAGE_SIZE) : -ENOENT;
	}
	spin_unlock(&b->lock);
	if (m)
		return -EEXIST;
	if (!IS_ALIGNED(ipa, LPAE_BLOCK_SIZE) || ipa >= (1ull << GUEST_IPA_BITS) ||
	    size > (1ull << GUEST_IPA_BITS) - ipa || !ipa_free(b, ipa, size))
		return -EINVAL;
	/* Lazily zeroed blocks are zeroed before b sees them, one a call: the
	 * time with IRQs masked stays one block's. */
	b_id = unready_block(f);
	if (b_id < f->ram_blocks) {
		vm_ram_fault(f, f->cfg.mem_base + (uint64_t)b_id * LPAE_BLOCK_SIZE);
		return -EAGAIN;
	}
	spin_lock(&b->lock);
	m = map_find(b, NULL);
	if (!m || map_find(b, f))
		err = !m ? -ENOSPC : -EEXIST;
	else if ((err = vm_map_ram(b, ipa, f->ram_pa, size, STAGE2_PERM_RW)))
		err = err == -EEXIST ? -EINVAL : err; /* something mapped there */
	if (!err) {
		*m = (struct ioreq_map){ f, ipa };
		mapped_set(b, id, true);
		/* A reset of f whose revocation went before this (b->lock)
		 * shows as its state or its blocks: undone, to be tried again. */
		dmb();
		if (f->state == VM_RESETTING || unready_block(f) < f->ram_blocks) {
			unmap_one(b, m);
			err = -EAGAIN;
		}
	}
	spin_unlock(&b->lock);
	return err ? err : (int)(size / PAGE_SIZE);
}

__cold void ioreq_vm_reset(struct vm *vm)
{
	const struct lowvisor_ioreq free = { .state = LOWVISOR_IOREQ_FREE };
	struct ioreq_map *m;
	unsigned i;

	/* Its requests cancelled: a late IOREQ_DONE finds another seq. */
	for (i = 0; i < vm->cfg.vcpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		bool had;

		spin_lock(&vm->lock);
		had = v->io.state & IO_OUTSTANDING;
		v->io.state = IO_IDLE;
		v->io.req.seq++;
		spin_unlock(&vm->lock);
		if (had)
			ring_put(v, &free);
	}
	/* Its RAM out of every backend's space before it is zeroed. */
	for (i = 0; i < vm_count(); i++) {
		struct vm *b = vm_at(i);

		if (!b->cfg.backend)
			continue;
		spin_lock(&b->lock);
		m = map_find(b, vm);
		if (m)
			unmap_one(b, m);
		spin_unlock(&b->lock);
		if (m)
			backend_signal(b);
	}
	/* As a backend: its ring is in the RAM to be zeroed, and what it
	 * mapped goes. */
	if (!vm->cfg.backend)
		return;
	spin_lock(&vm->lock);
	vm->be->ring = NULL;
	for (i = 0; i < LOWVISOR_IOREQ_SLOTS; i++)
		if (vm->be->maps[i].vm)
			unmap_one(vm, &vm->be->maps[i]);
	spin_unlock(&vm->lock);
}

__cold unsigned ioreq_waiting(const struct vm *vm)
{
	unsigned i, n = 0;

	for (i = 0; i < vm->cfg.vcpus; i++)
		n += (vm->vcpus[i]->io.state & IO_BLOCKS) != 0;
	return n;
}
