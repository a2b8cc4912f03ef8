/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine: its configuration, memory, stage-2 tables, VMID,
 * vCPUs and emulated devices.  Lock order: vm->lock, then the console's.
 */
#ifndef LOWVISOR_VM_H
#define LOWVISOR_VM_H

#include "config.h"
#include "log.h"
#include "emul.h"
#include "spinlock.h"
#include "mm.h"
#include "uapi/lowvisor.h"
#include "vcpu.h"
#include "vuart.h"

/* The values VM_LIST reports (LOWVISOR_VM_*). */
enum vm_state {
	VM_RUNNING = LOWVISOR_VM_RUNNING,
	VM_OFF = LOWVISOR_VM_STOPPED, /* PSCI SYSTEM_OFF, or stopped */
	VM_PAUSED = LOWVISOR_VM_PAUSED, /* by the management partition */
	VM_RESETTING = LOWVISOR_VM_RESETTING,
};

struct vgic;

/* A backend's side of the device-model path (hyp/ioreq.c), under its VM's
 * lock: its ring (in its RAM; NULL until IOREQ_SETUP), the frontends' RAM
 * it mapped (MAP_GUEST) and their ids' bits. */
struct ioreq_map {
	struct vm *vm;
	uint64_t ipa;
};

struct ioreq_backend {
	struct lowvisor_ioreq_ring *ring;
	uint32_t mapped[LOWVISOR_IOREQ_VMS / 32];
	struct ioreq_map maps[LOWVISOR_IOREQ_SLOTS];
};

/* A VM's RAM up to this size (in 2 MiB blocks: 4 GiB) is zeroed lazily. */
#define VM_LAZY_BLOCKS_MAX 2048u

struct vm {
	struct vm_config cfg;
	volatile enum vm_state state;
	struct spinlock lock;
	uint64_t ram_pa; /* guest RAM: cfg.mem_size bytes, contiguous */
	struct stage2 s2;
	struct stage2_cache s2_cache;
	struct vmid vmid;
	struct mmio_regions mmio;
	struct vuart uart;
	struct vgic *vgic;
	unsigned boot_count;
	uint64_t cntvoff; /* the physical count at its start: its virtual time 0 */
	struct ratelimit log_limit; /* for lines the guest causes: faults */
	struct ratelimit lc_log_limit; /* its own lifecycle (lifecycle.c) */
	struct ratelimit mgmt_log_limit; /* its management calls on others */
	struct vcpu *vcpus[VM_MAX_VCPUS];
	struct ioreq_backend *be; /* cfg.backend: it serves devices */
	/* RAM zeroed lazily, in 2 MiB blocks (vm.c, "Lazily zeroed RAM"):
	 * how many blocks (0: all zeroed at load), which are ready, and
	 * which have some of their pages ready (the hypervisor wrote there). */
	unsigned ram_blocks;
	uint32_t ram_ready[VM_LAZY_BLOCKS_MAX / 32];
	uint32_t ram_partial[VM_LAZY_BLOCKS_MAX / 32];
	/* The lifecycle (lifecycle.c): requests made and completed, under
	 * lock; what a reset in progress ends in; whether a CPU reloads it;
	 * the CPUs with a vCPU waiting for a request of this VM. */
	volatile uint32_t lc_requested, lc_done;
	enum vm_state after_reset;
	bool reset_claimed;
	uint32_t waiter_cpus;
};

/* Creates and starts every VM of the bundle at bundle (size bytes).  A VM
 * that cannot be created is logged and left out.  Returns how many run. */
unsigned vm_create_all(const void *bundle, size_t size);

/*
 * The lifecycle (lifecycle.c), for the management partition's calls and
 * the VM's own PSCI calls.  None waits for another CPU: caller, a vCPU of
 * another VM (the management partition's), leaves its CPU until vm is out
 * of its CPUs (PAUSE, STOP) or reset, and runs on with the result then;
 * NULL, or a vCPU of vm itself (PSCI), does not wait.  PAUSE and RESUME
 * return 0, or -EINVAL for a stopped VM.  STOP wins over a reset in
 * progress; PAUSE and RESUME during a reset say how it restarts.
 */
int vm_pause(struct vm *vm, struct vcpu *caller);
int vm_resume(struct vm *vm, struct vcpu *caller);
void vm_stop(struct vm *vm, struct vcpu *caller, const char *why);
void vm_reset(struct vm *vm, struct vcpu *caller);
/* PSCI CPU_OFF: the VM stops with its last vCPU. */
void vm_vcpu_off(struct vcpu *v);
/* Completes vm's outstanding requests if it is quiet. */
void vm_settle(struct vm *vm);
/* v has left vcpu_run on its CPU (running cleared, then a barrier): what
 * waited for that is completed. */
static inline void vm_vcpu_left(struct vcpu *v)
{
	if (v->vm->lc_done != v->vm->lc_requested)
		vm_settle(v->vm);
}
/* Whether request seq of vm (vcpu->wait_seq) is completed. */
bool vm_lifecycle_done(const struct vm *vm, uint32_t seq);

/* Runnable: started, not blocked in WFI or in a lifecycle call, its VM
 * running.  Inline: each scheduling decision asks it a few times. */
static inline bool vcpu_runnable(const struct vcpu *v)
{
	const struct vm *w = v->wait_vm;

	return v->state == VCPU_RUNNABLE && !v->blocked && !(v->io.state & IO_BLOCKS) &&
	       v->vm->state == VM_RUNNING && (!w || vm_lifecycle_done(w, v->wait_seq));
}

/* Starts vCPU target of vm at pc with r0 = context (PSCI CPU_ON). */
int vm_cpu_on(struct vm *vm, unsigned target, uint32_t pc, uint32_t context);

/* Parts of VM creation (vm_ram.c, vm_irq.c): its RAM allocated, RAM and the
 * GIC's virtual CPU interface mapped at stage 2; its passthrough nodes
 * checked (they must not hold the bundle, vm_bundle_range), then mapped and
 * their SPIs routed.  Each logs its error. */
int vm_ram_alloc(struct vm *vm);
int vm_map(struct vm *vm);
/* Tables for the worst case of mapping pages pages at stage 2. */
int vm_cache_fill(struct vm *vm, unsigned pages);
/* [ipa, ipa + size) of vm mapped to RAM at pa, all or nothing (stage2_map's
 * errors). */
int vm_map_ram(struct vm *vm, uint64_t ipa, uint64_t pa, uint64_t size, unsigned perms);
extern struct mem_range vm_bundle_range;
int vm_passthrough_check(const struct vm_config *c);
int vm_passthrough_create(struct vm *vm);

/* For lifecycle.c: zeroed RAM with the images and a fresh DTB (0, or an
 * error logged); vCPU 0 made to start at the entry point; the bundle's
 * poweroff = "last-vm". */
int vm_load_images(struct vm *vm);
void vm_boot(struct vm *vm);
void vm_vgic_reset(struct vm *vm);
bool vm_poweroff_when_last_stops(void);
/* Logs that all VMs have stopped, prints the run report, powers off. */
void vm_power_off_machine(void);
/* Whether a line caused by vm may be printed now, by one of its limits
 * (at most 5 a second; says how many were suppressed before). */
bool vm_log_allow(struct vm *vm, struct ratelimit *rl);

struct vcpu *vm_vcpu_by_mpidr(struct vm *vm, uint32_t mpidr);

/* A guest physical address of vm as a hypervisor pointer, if [ipa, ipa +
 * len) is the VM's RAM (zeroed, if it was not yet, before the hypervisor
 * writes there); NULL otherwise. */
void *vm_ram_ptr(struct vm *vm, uint64_t ipa, size_t len);

/* A stage-2 fault of vm's at ipa in RAM not zeroed yet: zeroes and maps its
 * block (unless another vCPU just did), and the guest retries the access.
 * False for any other fault. */
bool vm_ram_fault(struct vm *vm, uint64_t ipa);

/* Raises or lowers the VM's interrupt irq (its vGIC decides whom it
 * reaches and kicks that vCPU's CPU). */
/* The SPIs a VM's distributor has (IDs 32 .. 32 + VM_SPIS - 1). */
#define VM_SPIS GUEST_SPIS

struct irq_line;
/* Drives what an IRQ_LINE call names: an SPI, a vCPU's PPI, or a vCPU's
 * own IRQ/FIQ line (HCR.VI/VF), waking the vCPU. */
void vm_irq_line(struct vm *vm, const struct irq_line *l);
bool vm_vcpu_has_line(const struct vcpu *v);

void vm_set_irq(struct vm *vm, unsigned irq, bool level);
void vm_set_irq_vcpu(struct vm *vm, unsigned vcpu, unsigned irq, bool level);
/* Acts on a vGIC kick mask: wakes the vCPUs in it that are blocked in
 * WFI, makes their CPUs look again. */
void vm_kick(struct vm *vm, uint32_t mask);

/* The focused VM's partial line (a prompt), once it is 500 ms old and
 * the VM is not just waiting for a CPU (then it is a line cut short). */
void vm_flush_stale_output(uint64_t now);
bool vm_passthrough_irq(unsigned irq);

unsigned vm_count(void);
struct vm *vm_at(unsigned index);
struct vm *vm_by_id(unsigned id);

#endif
