// SPDX-License-Identifier: MIT
/*
 * The core on the host, through the fake arch (test/unit/host/arch): the
 * hypercall table with its permission checks (hyp/hypercall.c, with
 * hyp/irq_line.c), CP15 emulation (hyp/cp15.c) and the virtual UART
 * (hyp/vuart.c through hyp/emul/mmio.c).  What the core calls beyond them
 * (the VM registry, lifecycle, console, timer) is faked here and records
 * what it was asked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/sysreg.h"
#include "console.h"
#include "drivers.h"
#include "hw/pl011.h"
#include "hypercall.h"
#include "ioreq.h"
#include "irq_line.h"
#include "mmio_check.h"
#include "pages.h"
#include "percpu.h"
#include "uapi/lowvisor.h"
#include "vm.h"
#include "vuart.h"

/* ---- The fakes -------------------------------------------------------- */

#define NVMS 3
static struct vm vms[NVMS];
static struct vcpu vcpus[NVMS][2];
static uint8_t ram[4096] __attribute__((aligned(4096))); /* VM 0's RAM at IPA 0x40000000 */

static struct {
	const char *op;      /* the last lifecycle call */
	struct vm *target;
	struct vcpu *caller;
	struct irq_line line; /* the last vm_irq_line */
	unsigned lines;
	int irq_level[96];   /* vm_set_irq of VM 0, by ID - 32 */
	unsigned ioreq_irqs; /* rising edges of VM 0's ioreq SPI */
	uint32_t kicked[NVMS]; /* vm_kick masks, ORed */
	unsigned skipped;    /* vcpu_skip_insn bytes */
	uint64_t mapped_ipa, mapped_pa, mapped_size, unmapped_ipa;
	unsigned ram_faults;  /* vm_ram_fault calls: blocks zeroed */
	char out[512];       /* console_write_line's lines */
	bool focus;
} fake;

unsigned vm_count(void) { return NVMS; }
struct vm *vm_at(unsigned i) { return i < NVMS ? &vms[i] : NULL; }

struct vm *vm_by_id(unsigned id)
{
	unsigned i;

	for (i = 0; i < NVMS; i++)
		if (vms[i].cfg.id == id)
			return &vms[i];
	return NULL;
}

static int record(const char *op, struct vm *t, struct vcpu *caller)
{
	fake.op = op;
	fake.target = t;
	fake.caller = caller;
	return 0;
}

int vm_pause(struct vm *vm, struct vcpu *c) { return record("pause", vm, c); }
int vm_resume(struct vm *vm, struct vcpu *c) { return record("resume", vm, c); }
void vm_reset(struct vm *vm, struct vcpu *c) { record("reset", vm, c); }

void vm_stop(struct vm *vm, struct vcpu *c, const char *why)
{
	(void)why;
	record("stop", vm, c);
}

void vm_vcpu_off(struct vcpu *v) { record("cpu_off", v->vm, v); }

int vm_cpu_on(struct vm *vm, unsigned target, uint32_t pc, uint32_t context)
{
	(void)pc;
	(void)context;
	record("cpu_on", vm, vm->vcpus[target]);
	return PSCI_RET_SUCCESS;
}

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint32_t mpidr)
{
	return mpidr < vm->cfg.vcpus ? vm->vcpus[mpidr] : NULL;
}

void vm_irq_line(struct vm *vm, const struct irq_line *l)
{
	fake.target = vm;
	fake.line = *l;
	fake.lines++;
}

void *vm_ram_ptr(struct vm *vm, uint64_t ipa, size_t len)
{
	if (vm != &vms[0] || ipa < 0x40000000 || ipa - 0x40000000 > sizeof(ram) ||
	    len > sizeof(ram) - (ipa - 0x40000000))
		return NULL;
	return &ram[ipa - 0x40000000];
}

void vm_set_irq(struct vm *vm, unsigned irq, bool level)
{
	assert_ptr_equal(vm, &vms[0]);
	fake.ioreq_irqs += irq == 32 + LOWVISOR_IOREQ_SPI && level && !fake.irq_level[irq - 32];
	fake.irq_level[irq - 32] = level;
}

void vm_kick(struct vm *vm, uint32_t mask) { fake.kicked[vm - vms] |= mask; }
void vcpu_skip_insn(struct vcpu *v, unsigned len) { (void)v, fake.skipped += len; }
bool vm_ram_fault(struct vm *vm, uint64_t ipa)
{
	unsigned b = (unsigned)((ipa - vm->cfg.mem_base) / MiB(2));

	vm->ram_ready[b / 32] |= 1u << (b % 32);
	fake.ram_faults++;
	return true;
}

int page_alloc(uint64_t size, uint64_t align, const char *what, uint64_t *pa)
{
	(void)size, (void)align, (void)what, (void)pa;
	return -ENOMEM;
}

int vm_map_ram(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, unsigned perms)
{
	assert_ptr_equal(vm, &vms[0]);
	assert_int_equal(perms, STAGE2_PERM_RW);
	fake.mapped_ipa = ipa, fake.mapped_pa = pa, fake.mapped_size = size;
	return 0;
}

int stage2_unmap(struct stage2 *s2, ipaddr_t ipa, uint64_t size)
{
	assert_ptr_equal(s2, &vms[0].s2);
	assert_int_equal(size, fake.mapped_size);
	fake.unmapped_ipa = ipa_addr(ipa);
	return 0;
}

enum console_mode console_get_mode(void) { return CONSOLE_FOCUS; }
bool console_has_focus(const struct vm *vm) { return fake.focus && vm == &vms[0]; }
uint64_t timer_now(void) { return 1000; }

void console_write_line(const char *s, size_t len)
{
	strncat(fake.out, s, len);
}

void console_write_raw(const char *s, size_t len)
{
	strncat(fake.out, s, len);
}

/* The guest's registers as cp15.c reads them (vcpu.c's banked view is not
 * what is tested here). */
uint32_t guest_reg(struct vcpu *v, unsigned n) { return v->regs.r[n & 15]; }
void guest_reg_set(struct vcpu *v, unsigned n, uint32_t val) { v->regs.r[n & 15] = val; }

/* VM 0 "mgmt" (management, 2 vCPUs), VM 1 "plain" (1 vCPU), VM 2 "other"
 * (management, 1 vCPU). */
static int setup(void **state)
{
	static const char *const names[NVMS] = { "mgmt", "plain", "other" };
	unsigned i, j;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	memset(vms, 0, sizeof(vms));
	memset(vcpus, 0, sizeof(vcpus));
	for (i = 0; i < NVMS; i++) {
		strcpy(vms[i].cfg.name, names[i]);
		vms[i].cfg.id = i;
		vms[i].cfg.vcpus = i == 0 ? 2 : 1;
		vms[i].cfg.management = i != 1;
		vms[i].cfg.mem_size = MiB(64);
		for (j = 0; j < vms[i].cfg.vcpus; j++) {
			vcpus[i][j].vm = &vms[i];
			vcpus[i][j].index = j;
			vms[i].vcpus[j] = &vcpus[i][j];
		}
	}
	return 0;
}

static struct percpu cpu;

/* An HVC from v with r0-r3 = fid, a, b, c, taken as the trap vector takes
 * it: the fast path with the frame (trap_hvc), or for a call that says so,
 * untouched, the whole exit (hypercall).  The guest's r0 after it. */
static uint32_t hvc(struct vcpu *v, uint32_t fid, uint32_t a, uint32_t b, uint32_t c)
{
	struct guest_frame f;
	uint32_t exits = cpu.tick_exits;

	memcpy(f.r, v->regs.r, sizeof(f.r));
	f.r[0] = fid;
	f.r[1] = a;
	f.r[2] = b;
	f.r[3] = c;
	memcpy(v->regs.r, f.r, sizeof(f.r));
	fake_sysreg.htpidr = (uintptr_t)&cpu;
	cpu.loaded = v;
	if (trap_hvc(&f) == TRAP_FAST_RESUME) {
		assert_int_equal(cpu.tick_exits, exits + 1);
		memcpy(v->regs.r, f.r, sizeof(f.r));
	} else {
		assert_memory_equal(f.r, v->regs.r, sizeof(f.r));
		assert_int_equal(hypercall(v), TRAP_CONTINUE);
	}
	return v->regs.r[0];
}

/* ---- The device-model path (hyp/ioreq.c) ------------------------------ */

static struct ioreq_backend be;

/* VM 1 "plain" is a frontend with two virtio devices backed by VM 0,
 * whose ring is the page at the start of its RAM once set up. */
static struct lowvisor_ioreq_ring *ioreq_setup_vms(void)
{
	memset(&be, 0, sizeof(be));
	vms[0].be = &be;
	vms[0].cfg.backend = true;
	vms[0].cfg.ioreq_slots = 1;
	vms[0].cfg.mem_base = 0x40000000;
	vms[1].cfg.virtio_count = 2;
	vms[1].cfg.virtio[0] = (struct vm_virtio){ .name = "blk", .backend = 0, .type = 2 };
	vms[1].cfg.virtio[1] = (struct vm_virtio){ .name = "net", .backend = 0, .type = 1 };
	vms[1].ram_pa = 0x70000000;
	return (struct lowvisor_ioreq_ring *)ram;
}

static struct mmio_access access_of(bool write, unsigned width, bool sext, unsigned rt)
{
	return (struct mmio_access){ .valid = true, .write = write, .width = (uint8_t)width,
				     .sign_extend = sext, .rt = (uint8_t)rt, .il = 4 };
}

static void test_ioreq_a_read_waits_for_its_backend(void **state)
{
	struct lowvisor_ioreq_ring *ring = ioreq_setup_vms();
	struct vcpu *f = &vcpus[1][0], *b = &vcpus[0][0];
	struct mmio_access a = access_of(false, 2, true, 3);
	uint32_t seq;

	(void)state;
	/* Not a backend; a page that is not its RAM. */
	assert_int_equal(hvc(f, LOWVISOR_FN_IOREQ_SETUP, 0x40000, 0, 0), (uint32_t)-EPERM);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_SETUP, 0x50000, 0, 0), (uint32_t)-EFAULT);
	/* Before the ring: the request waits, nobody is signalled. */
	assert_int_equal(ioreq_forward(f, 0x0a000000 + 0x200 + 0x42, &a), 0);
	assert_int_equal(fake.skipped, 4);
	assert_int_equal(f->io.state, IO_WAIT);
	assert_int_equal(ioreq_waiting(&vms[1]), 1);
	assert_int_equal(fake.ioreq_irqs, 0);
	/* The ring set up: it is written there, and the backend signalled. */
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_SETUP, 0x40000, 0, 0), 1);
	assert_int_equal(fake.ioreq_irqs, 1);
	assert_int_equal(fake.irq_level[LOWVISOR_IOREQ_SPI], 0); /* an edge */
	assert_int_equal(ring->slot[0].state, LOWVISOR_IOREQ_PENDING);
	assert_int_equal(ring->slot[0].phys_addr, 0x0a000242);
	assert_int_equal(ring->slot[0].device, 1);
	assert_int_equal(ring->slot[0].vm, 1);
	assert_int_equal(ring->slot[0].vcpu, 0);
	assert_int_equal(ring->slot[0].len, 2);
	assert_int_equal(ring->slot[0].is_write, 0);
	assert_int_equal(ring->slot[0].posted, 0);
	seq = ring->slot[0].seq;
	/* Refused, nothing changed: a value too wide, a stale seq, a slot
	 * past the ring, a caller that is no backend. */
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq, 0x18001), (uint32_t)-EINVAL);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq + 1, 0x8001), (uint32_t)-ENOENT);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 1), seq, 0x8001),
			 (uint32_t)-EINVAL);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(7, 0), seq, 0x8001),
			 (uint32_t)-EINVAL);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(2, 0), seq, 0x8001),
			 (uint32_t)-ENOENT);
	assert_int_equal(hvc(f, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq, 0x8001), (uint32_t)-EPERM);
	assert_int_equal(f->io.state, IO_WAIT);
	assert_int_equal(ring->slot[0].state, LOWVISOR_IOREQ_PENDING);
	assert_int_equal(fake.kicked[1], 0);
	/* Completed: the slot empties, the vCPU is kicked and finishes the
	 * load itself, LDRSH's sign extension included. */
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq, 0x8001), 0);
	assert_int_equal(ring->slot[0].state, LOWVISOR_IOREQ_FREE);
	assert_int_equal(fake.kicked[1], 1);
	assert_int_equal(f->io.state, IO_DONE);
	assert_int_equal(ioreq_waiting(&vms[1]), 0);
	ioreq_finish(f);
	assert_int_equal(f->regs.r[3], 0xffff8001);
	assert_int_equal(f->io.state, IO_IDLE);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq, 0x8001), (uint32_t)-ENOENT);
	/* Not a window: another device's way. */
	assert_int_equal(ioreq_forward(f, 0x0a000400, &a), -ENODEV);
	assert_int_equal(ioreq_forward(f, 0x09ffffff, &a), -ENODEV);
}

static void test_ioreq_a_posted_write_holds_the_next_access(void **state)
{
	struct lowvisor_ioreq_ring *ring = ioreq_setup_vms();
	struct vcpu *f = &vcpus[1][0], *b = &vcpus[0][0];
	struct mmio_access w = access_of(true, 4, false, 5), r = access_of(false, 1, false, 6);
	uint32_t seq;

	(void)state;
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_SETUP, 0x40000, 0, 0), 1);
	f->regs.r[5] = 0x12345678;
	assert_int_equal(ioreq_forward(f, 0x0a000000 + LOWVISOR_VIRTIO_NOTIFY, &w), 0);
	assert_int_equal(f->io.state, IO_POSTED); /* it goes on */
	assert_int_equal(ring->slot[0].posted, 1);
	assert_int_equal(ring->slot[0].is_write, 1);
	assert_int_equal(ring->slot[0].data, 0x12345678);
	seq = ring->slot[0].seq;
	/* Its next access waits, the PC kept, to be retried. */
	assert_int_equal(ioreq_forward(f, 0x0a000010, &r), 0);
	assert_int_equal(fake.skipped, 4);
	assert_int_equal(f->io.state, IO_RETRY);
	assert_int_equal(ioreq_waiting(&vms[1]), 1);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq, 0), 0);
	assert_int_equal(f->io.state, IO_IDLE);
	assert_int_equal(fake.kicked[1], 1);
	assert_int_equal(ioreq_forward(f, 0x0a000010, &r), 0);
	assert_int_equal(fake.skipped, 8);
	assert_int_equal(ring->slot[0].len, 1);
}

static void test_ioreq_a_frontend_reset_cancels_and_unmaps(void **state)
{
	struct lowvisor_ioreq_ring *ring = ioreq_setup_vms();
	struct vcpu *f = &vcpus[1][0], *b = &vcpus[0][0], *o = &vcpus[2][0];
	struct mmio_access a = access_of(false, 4, false, 1);
	uint32_t seq, page = 0x80000000u >> 12;

	(void)state;
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_SETUP, 0x40000, 0, 0), 1);
	/* MAP_GUEST: only of a frontend it backs, at a free 2 MiB-aligned IPA. */
	assert_int_equal(hvc(o, LOWVISOR_FN_MAP_GUEST, 1, page, 0), (uint32_t)-EPERM);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 2, page, 0), (uint32_t)-EPERM);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 0, page, 0), (uint32_t)-EPERM);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page + 1, 0), (uint32_t)-EINVAL);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, 0x42000, 0), (uint32_t)-EINVAL);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page, 2), (uint32_t)-EINVAL);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page, 1), (uint32_t)-ENOENT);
	/* Blocks not zeroed since its reset are zeroed first, one a call. */
	vms[1].ram_blocks = 3;
	vms[1].ram_ready[0] = 1u << 1;
	fake.ram_faults = 0;
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page, 0), (uint32_t)-EAGAIN);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page, 0), (uint32_t)-EAGAIN);
	assert_int_equal(fake.ram_faults, 2);
	assert_int_equal(ring->mapped[0], 0);
	/* Nor while it resets: what is mapped is undone. */
	vms[1].state = VM_RESETTING;
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page, 0), (uint32_t)-EAGAIN);
	assert_int_equal(fake.unmapped_ipa, 0x80000000u);
	assert_int_equal(ring->mapped[0], 0);
	vms[1].state = VM_RUNNING;
	fake.unmapped_ipa = 0;
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page, 0), MiB(64) >> 12);
	assert_int_equal(fake.ram_faults, 2);
	assert_int_equal(fake.mapped_ipa, 0x80000000u);
	assert_int_equal(fake.mapped_pa, 0x70000000u);
	assert_int_equal(ring->mapped[0], 1u << 1);
	assert_int_equal(hvc(b, LOWVISOR_FN_MAP_GUEST, 1, page + 0x10000, 0), (uint32_t)-EEXIST);
	/* A request outstanding when the frontend resets: cancelled, its RAM
	 * unmapped from the backend, which is told. */
	assert_int_equal(ioreq_forward(f, 0x0a000004, &a), 0);
	seq = ring->slot[0].seq;
	fake.ioreq_irqs = 0;
	ioreq_vm_reset(&vms[1]);
	assert_int_equal(f->io.state, IO_IDLE);
	assert_int_equal(ring->slot[0].state, LOWVISOR_IOREQ_FREE);
	assert_int_equal(fake.unmapped_ipa, 0x80000000u);
	assert_int_equal(ring->mapped[0], 0);
	assert_int_equal(fake.ioreq_irqs, 1);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(1, 0), seq, 0), (uint32_t)-ENOENT);
	assert_int_equal(fake.kicked[1], 0);
	/* The backend's own reset: its ring is gone; a request waits. */
	ioreq_vm_reset(&vms[0]);
	assert_null(be.ring);
	assert_int_equal(ioreq_forward(f, 0x0a000004, &a), 0);
	assert_int_equal(ring->slot[0].state, LOWVISOR_IOREQ_FREE);
	assert_int_equal(hvc(b, LOWVISOR_FN_IOREQ_SETUP, 0x40000, 0, 0), 1);
	assert_int_equal(ring->slot[0].state, LOWVISOR_IOREQ_PENDING);
}

/* ---- Hypercalls ------------------------------------------------------- */

static void test_lifecycle_calls_need_a_management_vm(void **state)
{
	static const uint32_t ops[] = { LOWVISOR_FN_VM_PAUSE, LOWVISOR_FN_VM_RESUME,
					LOWVISOR_FN_VM_RESET, LOWVISOR_FN_VM_STOP };
	static const char *const names[] = { "pause", "resume", "reset", "stop" };
	struct vcpu *plain = &vcpus[1][0], *mgmt = &vcpus[0][1];
	unsigned i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		fake.op = NULL;
		/* A plain VM: -EPERM, on another VM and on itself. */
		assert_int_equal((int)hvc(plain, ops[i], 0, 0, 0), -EPERM);
		assert_int_equal((int)hvc(plain, ops[i], 1, 0, 0), -EPERM);
		assert_null(fake.op);
		/* A management VM: on another VM, by its id, with the caller. */
		assert_int_equal(hvc(mgmt, ops[i], 2, 0, 0), 0);
		assert_string_equal(fake.op, names[i]);
		assert_ptr_equal(fake.target, &vms[2]);
		assert_ptr_equal(fake.caller, mgmt);
		/* Not on itself (its own lifecycle is PSCI's), not on no VM. */
		fake.op = NULL;
		assert_int_equal((int)hvc(mgmt, ops[i], 0, 0, 0), -EINVAL);
		assert_int_equal((int)hvc(mgmt, ops[i], 3, 0, 0), -ENOENT);
		assert_int_equal((int)hvc(mgmt, ops[i], 0xffffffff, 0, 0), -ENOENT);
		assert_null(fake.op);
	}
}

static void test_irq_line_checks_the_caller_and_the_line(void **state)
{
	struct vcpu *plain = &vcpus[1][0], *mgmt = &vcpus[0][0];

	(void)state;
	assert_int_equal((int)hvc(plain, LOWVISOR_FN_IRQ_LINE, 2,
				  lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, 40), 1),
			 -EPERM);
	assert_int_equal(fake.lines, 0);
	/* An SPI of another VM, and of itself (a device model may be its own). */
	assert_int_equal(hvc(mgmt, LOWVISOR_FN_IRQ_LINE, 2,
			     lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, 40), 1), 0);
	assert_ptr_equal(fake.target, &vms[2]);
	assert_int_equal(fake.line.kind, IRQ_LINE_SPI);
	assert_int_equal(fake.line.intid, 40);
	assert_true(fake.line.level);
	assert_int_equal(hvc(mgmt, LOWVISOR_FN_IRQ_LINE, 0,
			     lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_PPI, 1, 20), 0), 0);
	assert_ptr_equal(fake.target, &vms[0]);
	assert_int_equal(fake.line.vcpu, 1);
	assert_false(fake.line.level);
	assert_int_equal(fake.lines, 2);
	/* A PPI of a vCPU VM 2 does not have, an SPI past its vGIC, no VM. */
	assert_int_equal((int)hvc(mgmt, LOWVISOR_FN_IRQ_LINE, 2,
				  lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_PPI, 1, 20), 1),
			 -EINVAL);
	assert_int_equal((int)hvc(mgmt, LOWVISOR_FN_IRQ_LINE, 2,
				  lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, 32 + VM_SPIS), 1),
			 -EINVAL);
	assert_int_equal((int)hvc(mgmt, LOWVISOR_FN_IRQ_LINE, 7,
				  lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, 40), 1),
			 -ENOENT);
	assert_int_equal(fake.lines, 2);
}

static void test_vm_list_fills_the_callers_buffer_or_refuses(void **state)
{
	struct lowvisor_vm_info *info = (struct lowvisor_vm_info *)ram;
	struct vcpu *mgmt = &vcpus[0][0];

	(void)state;
	vms[2].state = LOWVISOR_VM_PAUSED;
	vms[2].cfg.mem_base = 0x80000000;
	vms[1].cfg.virtio_count = 2;
	vms[1].cfg.virtio[0] = (struct vm_virtio){ .name = "blk", .backend = 0, .type = 2 };
	vms[1].cfg.virtio[1] = (struct vm_virtio){ .name = "net", .backend = 2, .type = 1 };
	assert_int_equal(hvc(mgmt, LOWVISOR_FN_VM_LIST, 0x40000000, 2 * sizeof(*info), 1), 2);
	assert_int_equal(mgmt->regs.r[1], NVMS);
	assert_int_equal(info[0].id, 1);
	assert_string_equal(info[0].name, "plain");
	assert_int_equal(info[1].id, 2);
	assert_int_equal(info[1].state, LOWVISOR_VM_PAUSED);
	assert_int_equal(info[1].vcpus, 1);
	assert_int_equal(info[1].mem_mib, 64);
	assert_int_equal(info[1].mem_base, 0x80000000);
	assert_int_equal(info[1].virtio_count, 0);
	/* Each emulated device's type and backend. */
	assert_int_equal(info[0].virtio_count, 2);
	assert_int_equal(info[0].virtio_type[0], 2);
	assert_int_equal(info[0].virtio_backend[0], 0);
	assert_int_equal(info[0].virtio_type[1], 1);
	assert_int_equal(info[0].virtio_backend[1], 2);
	assert_int_equal(info[0].virtio_type[2], 0);
	/* Not from a plain VM; a buffer outside the caller's RAM, or one
	 * running past its end: -EFAULT, and nothing written. */
	assert_int_equal((int)hvc(&vcpus[1][0], LOWVISOR_FN_VM_LIST, 0x40000000, 64, 0), -EPERM);
	memset(ram, 0xaa, sizeof(ram));
	assert_int_equal((int)hvc(mgmt, LOWVISOR_FN_VM_LIST, 0x3ffff000, sizeof(*info), 0),
			 -EFAULT);
	assert_int_equal((int)hvc(mgmt, LOWVISOR_FN_VM_LIST, 0x40000fc0, 4 * sizeof(*info), 0),
			 -EFAULT);
	assert_int_equal(ram[0], 0xaa);
	/* An empty buffer: only the count. */
	assert_int_equal(hvc(mgmt, LOWVISOR_FN_VM_LIST, 0, 0, 0), 0);
	assert_int_equal(mgmt->regs.r[1], NVMS);
}

static void test_psci_and_unknown_calls(void **state)
{
	struct vcpu *v = &vcpus[0][0];

	(void)state;
	assert_int_equal(hvc(v, PSCI_0_2_FN_VERSION, 0, 0, 0), PSCI_VERSION_1_0);
	assert_int_equal(hvc(v, PSCI_0_2_FN_CPU_ON, 1, 0x40008000, 0), PSCI_RET_SUCCESS);
	assert_string_equal(fake.op, "cpu_on");
	assert_ptr_equal(fake.caller, &vcpus[0][1]);
	assert_int_equal((int)hvc(v, PSCI_0_2_FN_CPU_ON, 2, 0x40008000, 0),
			 PSCI_RET_INVALID_PARAMS);
	/* Not supported, whatever the owner: SMCCC's -1, nothing done. */
	fake.op = NULL;
	assert_int_equal((int)hvc(v, 0x84000100, 0, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal((int)hvc(v, LOWVISOR_FN(0x0fff), 0, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal((int)hvc(v, 0xc4000003, 0, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal((int)hvc(v, 0, 0, 0, 0), SMCCC_RET_NOT_SUPPORTED);
	assert_null(fake.op);
	/* PSCI_FEATURES knows what is served. */
	assert_int_equal(hvc(v, 0x8400000a, PSCI_0_2_FN_CPU_ON, 0, 0), PSCI_RET_SUCCESS);
	assert_int_equal((int)hvc(v, 0x8400000a, 0x84000100, 0, 0), PSCI_RET_NOT_SUPPORTED);
}

/* ---- CP15 ------------------------------------------------------------- */

static int cp15(struct vcpu *v, bool read, unsigned crn, unsigned op1, unsigned crm,
		unsigned opc2, unsigned rt)
{
	const struct cp_access a = { .cp = 15, .read = read, .crn = crn, .opc1 = op1,
				     .crm = crm, .opc2 = opc2, .rt = rt };

	return cp15_emulate(v, &a);
}

static void test_cp15_emulation(void **state)
{
	struct vcpu *v = &vcpus[0][0];

	(void)state;
	/* L2CTLR: the VM's vCPU count in [25:24], the rest the hardware's. */
	fake_sysreg.l2ctlr = 0x03000123u;
	assert_int_equal(cp15(v, true, 9, 1, 0, 2, 3), 0);
	assert_int_equal(v->regs.r[3], 0x01000123u);
	assert_int_equal(cp15(&vcpus[1][0], true, 9, 1, 0, 2, 3), 0);
	assert_int_equal(vcpus[1][0].regs.r[3], 0x00000123u);
	/* ACTLR reads the hardware's; writes are ignored. */
	fake_sysreg.actlr = 0x41;
	v->regs.r[2] = 0;
	assert_int_equal(cp15(v, false, 1, 0, 0, 1, 2), 0);
	assert_int_equal(fake_sysreg.actlr, 0x41);
	assert_int_equal(cp15(v, true, 1, 0, 0, 1, 4), 0);
	assert_int_equal(v->regs.r[4], 0x41);
	/* DCISW is done as DCCISW, on the line the guest named; a read of it
	 * is undefined. */
	v->regs.r[5] = 0x80000042u;
	assert_int_equal(cp15(v, false, 7, 0, 6, 2, 5), 0);
	assert_int_equal(fake_sysreg.dccisw, 0x80000042u);
	assert_int_not_equal(cp15(v, true, 7, 0, 6, 2, 5), 0);
	/* The physical timer reads as zero; an unknown register is refused. */
	v->regs.r[6] = 7;
	assert_int_equal(cp15(v, true, 14, 0, 2, 1, 6), 0);
	assert_int_equal(v->regs.r[6], 0);
	assert_int_not_equal(cp15(v, true, 15, 0, 0, 0, 6), 0);
}

/* ---- The virtual UART ------------------------------------------------- */

static int uart(struct vuart *u, bool write, uint32_t off, uint32_t *val)
{
	const struct mmio_region r = { .base = 0x09000000, .size = 0x1000, .ops = &vuart_ops,
				       .dev = u };
	const struct mmio_access a = { .valid = true, .write = write, .width = 4 };

	return mmio_dispatch(&r, 0, &a, 0x09000000 + off, val);
}

static void test_vuart_lines_input_and_interrupt(void **state)
{
	struct vuart *u = &vms[0].uart;
	uint32_t v, off = 0;
	const char *c;

	(void)state;
	if (!mmio_index_agrees(&vuart_ops, &off)) /* dispatch's lookup */
		fail_msg("the PL011's index differs from its table at 0x%x", off);
	vuart_init(u, &vms[0], "mgmt");
	/* Output is whole lines behind the VM's name; '\r' is dropped. */
	for (c = "hi\r\n"; *c; c++) {
		v = (uint8_t)*c;
		assert_int_equal(uart(u, true, UARTDR, &v), 0);
	}
	assert_string_equal(fake.out, "mgmt| hi\n");
	/* With the focus in focus mode, bytes go straight through. */
	fake.focus = true;
	v = 'x';
	assert_int_equal(uart(u, true, UARTDR, &v), 0);
	assert_string_equal(fake.out, "mgmt| hi\nx");
	/* Input: RXFE clears, the RX interrupt rises once unmasked, a read
	 * takes the byte, and an empty FIFO reads RXFE again. */
	assert_int_equal(uart(u, false, UARTFR, &v), 0);
	assert_true(v & FR_RXFE);
	assert_true(vuart_receive(u, 'a'));
	assert_int_equal(fake.irq_level[VUART_IRQ - 32], 0);
	v = INT_RX;
	assert_int_equal(uart(u, true, UARTIMSC, &v), 0);
	assert_int_equal(fake.irq_level[VUART_IRQ - 32], 1);
	assert_int_equal(uart(u, false, UARTMIS, &v), 0);
	assert_true(v & INT_RX);
	assert_int_equal(uart(u, false, UARTFR, &v), 0);
	assert_false(v & FR_RXFE);
	assert_int_equal(uart(u, false, UARTDR, &v), 0);
	assert_int_equal(v & 0xff, 'a');
	assert_int_equal(fake.irq_level[VUART_IRQ - 32], 0);
	assert_int_equal(uart(u, false, UARTFR, &v), 0);
	assert_true(v & FR_RXFE);
	/* The FIFO holds VUART_FIFO bytes, then refuses. */
	for (v = 0; v < VUART_FIFO; v++)
		assert_true(vuart_receive(u, (uint8_t)v));
	assert_false(vuart_receive(u, 0));
	/* Reset empties it and lowers the line. */
	vuart_reset(u);
	assert_int_equal(uart(u, false, UARTFR, &v), 0);
	assert_true(v & FR_RXFE);
	assert_int_equal(uart(u, false, UARTCR, &v), 0);
	assert_int_equal(v, CR_TXE | CR_RXE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lifecycle_calls_need_a_management_vm, setup),
		cmocka_unit_test_setup(test_irq_line_checks_the_caller_and_the_line, setup),
		cmocka_unit_test_setup(test_vm_list_fills_the_callers_buffer_or_refuses, setup),
		cmocka_unit_test_setup(test_psci_and_unknown_calls, setup),
		cmocka_unit_test_setup(test_cp15_emulation, setup),
		cmocka_unit_test_setup(test_ioreq_a_read_waits_for_its_backend, setup),
		cmocka_unit_test_setup(test_ioreq_a_posted_write_holds_the_next_access, setup),
		cmocka_unit_test_setup(test_ioreq_a_frontend_reset_cancels_and_unmaps, setup),
		cmocka_unit_test_setup(test_vuart_lines_input_and_interrupt, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
