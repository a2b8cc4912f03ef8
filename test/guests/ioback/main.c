// SPDX-License-Identifier: MIT
/*
 * ioback: a bare-metal backend of the device-model path (configs/ioreq.its,
 * a management VM).  It registers a page of its RAM as its ring
 * (IOREQ_SETUP), waits for its ioreq interrupt (ID 32 + LOWVISOR_IOREQ_SPI)
 * and serves every request of its frontends (test/guests/iofront: VM 0
 * with 2 vCPUs, VM 1 with 1): reads get iot_read_value(), writes must
 * carry iot_write_value() (lib/ioreq_test.h), only QueueNotify writes are
 * posted, and a posted write is held IOT_POSTED_HOLD_US before it is
 * completed.  On the way it completes with a value too wide for a byte
 * read, a wrong seq, a vCPU or VM that does not exist and another
 * backend's frontend (each refused, nothing changed).  Then MAP_GUEST: VM 0's RAM at 0x80000000, where it reads the
 * word the frontend left at IOT_MAGIC_IPA, and every refusal of the call;
 * unmapped, the same read aborts.
 *
 * With bootargs "role=bench" it answers every read with 0, sleeping in
 * WFI for its interrupt between requests, until a write to IOT_BENCH_END
 * (configs/bench-ioreq.its).
 *
 * With bootargs "role=mute" it backs VM 3 (iofront role=stuck) and never
 * answers: it sees the request, finds VM 3 listed as waiting for its
 * backend, resets VM 3 (the request is cancelled: its slot empties and a
 * late completion is refused), sees VM 3's request again after its reboot,
 * and stops VM 3.
 */
#include "gic.h"
#include "ioreq_test.h"
#include "test.h"

#define IOREQ_ID (32u + LOWVISOR_IOREQ_SPI)
#define FRONT_VM 0u
#define FRONT_VCPUS 2u
#define FRONT1_VM 1u
#define STUCK_VM 3u
#define SERVE_TIMEOUT_US 60000000u
#define WAIT_US 20000000u
#define MAP_IPA 0x80000000u
#define FRONT_MEM (16u << 20)

#define EPERM_RET (-LOWVISOR_EPERM)
#define EINVAL_RET (-LOWVISOR_EINVAL)
#define ENOENT_RET (-LOWVISOR_ENOENT)
#define EFAULT_RET (-LOWVISOR_EFAULT)
#define EEXIST_RET (-LOWVISOR_EEXIST)
#define EAGAIN_RET (-LOWVISOR_EAGAIN)

static struct lowvisor_ioreq_ring ring __attribute__((aligned(4096)));
static uint32_t last_seq[LOWVISOR_IOREQ_SLOTS];
static bool mute;
static unsigned irqs;

#define NEED_ROLE(m)                                                           \
	do {                                                                   \
		if (mute != (m))                                               \
			SKIP("role %s", mute ? "mute" : "serve");              \
	} while (0)

static int32_t call(uint32_t fn, uint32_t a1, uint32_t a2, uint32_t a3)
{
	return (int32_t)smccc_hvc(fn, a1, a2, a3, NULL);
}

/* Its interrupts acknowledged: how many were the ioreq one. */
static unsigned take_irqs(void)
{
	unsigned n = 0;
	uint32_t iar;

	while ((iar = mmio_read32(GICC_BASE + GICC_IAR) & 0x3ffu) < 1020) {
		n += iar == IOREQ_ID;
		mmio_write32(GICC_BASE + GICC_EOIR, iar);
	}
	irqs += n;
	return n;
}

/* A slot holding a request not seen yet, or -1. */
static int next_request(void)
{
	unsigned s;

	for (s = 0; s < LOWVISOR_IOREQ_SLOTS; s++) {
		volatile struct lowvisor_ioreq *rq = &ring.slot[s];

		if (rq->state == LOWVISOR_IOREQ_PENDING && rq->seq != last_seq[s]) {
			dmb();
			return (int)s;
		}
	}
	return -1;
}

static void gic_setup(void)
{
	uint32_t id = IOREQ_ID, cfg = GICD_ICFGR + (id / 16) * 4;

	gicd_write(cfg, gicd_read(cfg) | 2u << ((id % 16) * 2)); /* edge */
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + id, 0xa0);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + id, 1);
	irq_bit_write(GICD_ISENABLER, id);
	gicd_write(GICD_CTLR, 1);
	gicc_write(GICC_PMR, 0xf0);
	gicc_write(GICC_CTLR, 1);
}

TEST(setup, ring)
{
	EXPECT_EQ(call(LOWVISOR_FN_IOREQ_SETUP, 0x1000, 0, 0), EFAULT_RET); /* not its RAM */
	EXPECT_EQ(call(LOWVISOR_FN_IOREQ_SETUP, (uint32_t)(uintptr_t)&ring >> 12, 0, 0),
		  mute ? 1 : FRONT_VCPUS + 1);
}

struct served {
	unsigned requests, bad, posted, refusals;
};

/* One request of slot s answered (after the error cases, once). */
static void serve_one(unsigned s, struct served *sv)
{
	volatile struct lowvisor_ioreq *rq = &ring.slot[s];
	uint32_t addr = (uint32_t)rq->phys_addr, len = rq->len, val = 0, seq = rq->seq;
	uint32_t off = addr % LOWVISOR_VIRTIO_SIZE, who = LOWVISOR_IOREQ_WHO(rq->vm, rq->vcpu);
	bool notify = rq->is_write && off == LOWVISOR_VIRTIO_NOTIFY;

	last_seq[s] = seq;
	if (rq->vm > FRONT1_VM || rq->vcpu >= FRONT_VCPUS || rq->posted != notify ||
	    rq->device != (addr - LOWVISOR_VIRTIO_BASE) / LOWVISOR_VIRTIO_SIZE)
		sv->bad++;
	if (rq->is_write) {
		if (rq->data != (iot_write_value(addr, rq->vm, rq->vcpu) & iot_mask(len)))
			sv->bad++;
	} else {
		val = iot_read_value(addr, rq->vm, rq->vcpu) & iot_mask(len);
		if (len == 1 && !sv->refusals) {
			sv->refusals += call(LOWVISOR_FN_IOREQ_DONE, who, seq, 0x100u | val) ==
					EINVAL_RET;
			sv->refusals += call(LOWVISOR_FN_IOREQ_DONE, who, seq + 1, val) == ENOENT_RET;
			sv->refusals += call(LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(rq->vm, 5),
					     seq, val) == EINVAL_RET;
			sv->refusals += call(LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(99, 0), seq,
					     val) == EINVAL_RET;
			sv->refusals += call(LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(STUCK_VM, 0),
					     seq, val) == ENOENT_RET; /* not its */
		}
	}
	if (notify) {
		sv->posted++;
		time_delay_us(IOT_POSTED_HOLD_US);
	}
	if (call(LOWVISOR_FN_IOREQ_DONE, who, seq, val))
		sv->bad++;
	sv->requests++;
}

TEST(serve, every_request)
{
	unsigned want = (FRONT_VCPUS + 1) * IOT_PER_VCPU;
	uint64_t end = time_now_us() + SERVE_TIMEOUT_US;
	struct served sv = { 0 };
	int s;

	NEED_ROLE(false);
	/* The first request is announced by the interrupt. */
	while (!take_irqs() && time_now_us() < end)
		;
	ASSERT_GE(irqs, 1);
	while (sv.requests < want && time_now_us() < end) {
		take_irqs();
		s = next_request();
		if (s >= 0)
			serve_one((unsigned)s, &sv);
	}
	printf("# served %u requests (%u bad, %u posted), %u ioreq interrupts\n", sv.requests,
	       sv.bad, sv.posted, irqs);
	EXPECT_EQ(sv.requests, want);
	EXPECT_EQ(sv.bad, 0);
	EXPECT_EQ(sv.posted, FRONT_VCPUS + 1);
	EXPECT_EQ(sv.refusals, 5);
	EXPECT_EQ(next_request(), -1);
}

TEST(map, front_ram)
{
	uint32_t page = MAP_IPA >> 12, v = 0, again = 0;
	int32_t r;

	NEED_ROLE(false);
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, 2, page, 0), EPERM_RET);          /* itself */
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, STUCK_VM, page, 0), EPERM_RET);   /* not its */
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, 99, page, 0), EPERM_RET);         /* no VM */
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, page + 1, 0), EINVAL_RET); /* 2 MiB */
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, 0x40000, 0), EINVAL_RET); /* its RAM */
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, 0x08000, 0), EINVAL_RET); /* its GICD */
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, page, 2), EINVAL_RET);
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, page, 1), ENOENT_RET); /* not mapped */
	/* The blocks the frontend never touched are zeroed one a call first. */
	while ((r = call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, page, 0)) == EAGAIN_RET)
		again++;
	ASSERT_EQ(r, FRONT_MEM >> 12);
	EXPECT_TRUE(again > 0 && again < FRONT_MEM >> 21);
	EXPECT_FALSE(probe_read32(MAP_IPA + FRONT_MEM - 4, &v));
	EXPECT_EQ(v, 0);
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, page + 0x1000, 0), EEXIST_RET);
	EXPECT_TRUE(ring.mapped[0] & (1u << FRONT_VM));
	EXPECT_FALSE(probe_read32(MAP_IPA + (IOT_MAGIC_IPA - 0x40000000u), &v));
	EXPECT_EQ(v, IOT_MAGIC);
	EXPECT_EQ(call(LOWVISOR_FN_MAP_GUEST, FRONT_VM, page, 1), FRONT_MEM >> 12);
	EXPECT_FALSE(ring.mapped[0] & (1u << FRONT_VM));
	exc_set_quiet(true);
	EXPECT_TRUE(probe_read32(MAP_IPA + (IOT_MAGIC_IPA - 0x40000000u), &v));
	exc_set_quiet(false);
}

/* The stuck frontend's request: its slot (0) pending with a new seq. */
static bool wait_pending(uint32_t old_seq)
{
	uint64_t end = time_now_us() + WAIT_US;
	volatile struct lowvisor_ioreq *rq = &ring.slot[0];

	while (time_now_us() < end)
		if (rq->state == LOWVISOR_IOREQ_PENDING && rq->seq != old_seq)
			return true;
	return false;
}

static struct lowvisor_vm_info info[8];

TEST(mute, waiting_then_reset_and_stop)
{
	volatile struct lowvisor_ioreq *rq = &ring.slot[0];
	uint32_t seq;
	int32_t n;

	NEED_ROLE(true);
	ASSERT_TRUE(wait_pending(0));
	seq = rq->seq;
	EXPECT_EQ(rq->vm, STUCK_VM);
	EXPECT_EQ(rq->is_write, 0);
	n = call(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info), 0);
	ASSERT_GE(n, (int32_t)STUCK_VM + 1);
	EXPECT_EQ(info[STUCK_VM].waiting, 1);
	EXPECT_EQ(info[STUCK_VM].state, LOWVISOR_VM_RUNNING);
	EXPECT_EQ(info[STUCK_VM + 1].waiting, 0); /* itself */
	EXPECT_EQ(call(LOWVISOR_FN_VM_RESET, STUCK_VM, 0, 0), 0);
	/* Cancelled: empty, or already its next boot's request. */
	EXPECT_TRUE(rq->state == LOWVISOR_IOREQ_FREE || rq->seq != seq);
	EXPECT_EQ(call(LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(STUCK_VM, 0), seq, 0),
		  ENOENT_RET);
	ASSERT_TRUE(wait_pending(seq));
	EXPECT_EQ(call(LOWVISOR_FN_VM_STOP, STUCK_VM, 0, 0), 0);
	EXPECT_EQ(rq->state, LOWVISOR_IOREQ_FREE);
	n = call(LOWVISOR_FN_VM_LIST, (uint32_t)(uintptr_t)info, sizeof(info), 0);
	EXPECT_EQ(info[STUCK_VM].waiting, 0);
	EXPECT_EQ(info[STUCK_VM].state, LOWVISOR_VM_STOPPED);
}

/* role=bench: the cheapest backend there is. */
static void bench_serve(void)
{
	volatile struct lowvisor_ioreq *rq;
	bool end = false;
	int s;

	call(LOWVISOR_FN_IOREQ_SETUP, (uint32_t)(uintptr_t)&ring >> 12, 0, 0);
	while (!end) {
		take_irqs();
		s = next_request();
		if (s < 0) {
			wfi();
			continue;
		}
		rq = &ring.slot[s];
		last_seq[s] = rq->seq;
		end = rq->is_write && rq->phys_addr % LOWVISOR_VIRTIO_SIZE == IOT_BENCH_END;
		call(LOWVISOR_FN_IOREQ_DONE, LOWVISOR_IOREQ_WHO(rq->vm, rq->vcpu), rq->seq, 0);
	}
}

int main(void)
{
	char role[16] = "";

	bootarg_get("role", role, sizeof(role));
	mute = !strcmp(role, "mute");
	if (!strcmp(role, "bench")) {
		gic_setup();
		bench_serve();
		return 0;
	}
	printf("# ioback: role %s\n", mute ? "mute" : "serve");
	gic_setup();
	return test_run_all();
}
