// SPDX-License-Identifier: MIT
/*
 * vhostile: a hostile virtio driver (configs/linux-hostile.its).  Its VM
 * has one virtio-blk device, window 0 (LOWVISOR_VIRTIO_BASE, SPI
 * LOWVISOR_VIRTIO_SPI, ID 48), served by lowvisord in the management
 * Linux from /tmp/disk.img (test/linux/lvinit-testdisks.sh: sector i
 * holds the number i, left-aligned in 511 characters, and a newline),
 * read-only.  It drives it through the version-2 virtio-mmio registers
 * with a split virtqueue of QN entries in its own RAM.
 *
 * It prints "# vhostile: type g to start" and sleeps until a 'g' comes on
 * its console (the system test types it while the Linux guest reads its
 * own disk in a loop).  Then a correct set-up and a correct read of
 * sector 0:
 *   vhostile: disk of 8192 sectors
 *   vhostile: sector 0 fnv1a 0x... starts "0" isr 0x1 irq 48
 * (the 32-bit FNV-1a of its 512 bytes, its first word, InterruptStatus and
 * the interrupt that came for it).  Then the hostile cases, each from a
 * device set up correctly: garbage in the rings and a notify, or a queue
 * set up wrongly and made ready (and DRIVER_OK written all the same).
 * Each ends with a line
 *   vhostile: CASE status 0x4f isr 0x2 irq 48, reset 0x00, set up 0x0f
 * Status read after the garbage (NEEDS_RESET 0x40 must be set),
 * InterruptStatus (bit 1, configuration change: lowvisord tells a driver
 * whose device broke after DRIVER_OK, or when it writes DRIVER_OK to a
 * device broken during the set-up) and the interrupt that came (or
 * "none"), then Status after writing 0 (the reset) and after setting the
 * device up again.  Last, another correct read (of the last sector):
 *   vhostile: sector 8191 fnv1a 0x... starts "8191" isr 0x1 irq 48
 * The device works again after its resets.
 *
 * The MMU is on (RAM Normal write-back, the GIC and the window Device):
 * the rings are shared with the daemon's cacheable mapping of this RAM.
 * Interrupts are masked at the CPU: they are taken by reading GICC_IAR,
 * waiting in WFI, the virtual timer bounding the wait.
 */
#include "gic.h"
#include "test.h"

SYSREG32(cntv_ctl, 0, c14, c3, 1)
SYSREG64(cntv_cval, 3, c14)

/* virtio-mmio version 2 registers (virtio 1.1, 4.2.2). */
#define VM_MAGIC 0x000u
#define VM_VERSION 0x004u
#define VM_DEVICE_ID 0x008u
#define VM_DRIVER_FEATURES 0x020u
#define VM_DRIVER_FEATURES_SEL 0x024u
#define VM_QUEUE_SEL 0x030u
#define VM_QUEUE_NUM_MAX 0x034u
#define VM_QUEUE_NUM 0x038u
#define VM_QUEUE_READY 0x044u
#define VM_QUEUE_NOTIFY 0x050u
#define VM_INTERRUPT_STATUS 0x060u
#define VM_INTERRUPT_ACK 0x064u
#define VM_STATUS 0x070u
#define VM_QUEUE_DESC_LOW 0x080u
#define VM_QUEUE_DESC_HIGH 0x084u
#define VM_QUEUE_AVAIL_LOW 0x090u
#define VM_QUEUE_AVAIL_HIGH 0x094u
#define VM_QUEUE_USED_LOW 0x0a0u
#define VM_QUEUE_USED_HIGH 0x0a4u
#define VM_CONFIG 0x100u /* virtio-blk: capacity, 64-bit, in sectors */

#define VIRTIO_MAGIC 0x74726976u
#define VIRTIO_ID_BLOCK 2u
#define S_ACKNOWLEDGE 0x01u
#define S_DRIVER 0x02u
#define S_DRIVER_OK 0x04u
#define S_FEATURES_OK 0x08u
#define S_NEEDS_RESET 0x40u
#define S_SET_UP (S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)
#define INT_VRING 0x1u
#define INT_CONFIG 0x2u

#define D_NEXT 1u
#define D_WRITE 2u
#define D_INDIRECT 4u
#define BLK_T_IN 0u
#define SECTOR 512u
#define DISK_SECTORS 8192u

#define QN 8u /* the queue's size */
#define VIRTIO_IRQ (32u + LOWVISOR_VIRTIO_SPI)
#define WAIT_US 3000000u

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct avail {
	uint16_t flags, idx, ring[QN], used_event;
};

struct used {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QN];
	uint16_t avail_event;
};

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

/* The queue and a request's buffers, in RAM. */
static struct {
	struct desc desc[QN] __attribute__((aligned(16)));
	struct avail avail __attribute__((aligned(4)));
	struct used used __attribute__((aligned(4)));
	struct blk_hdr hdr;
	uint8_t data[SECTOR];
	uint8_t status;
} q __attribute__((aligned(4096)));

static volatile struct desc *const desc = q.desc;
static volatile struct avail *const avail = &q.avail;
static volatile struct used *const used = &q.used;
static uint16_t avail_idx; /* the driver's next avail index */
static struct ram_info ram;

static uint32_t vread(uint32_t off)
{
	return mmio_read32(LOWVISOR_VIRTIO_BASE + off);
}

static void vwrite(uint32_t off, uint32_t v)
{
	mmio_write32(LOWVISOR_VIRTIO_BASE + off, v);
}

static void queue_at(uint32_t num, uint32_t d, uint32_t a, uint32_t u)
{
	vwrite(VM_QUEUE_SEL, 0);
	vwrite(VM_QUEUE_NUM, num);
	vwrite(VM_QUEUE_DESC_LOW, d);
	vwrite(VM_QUEUE_DESC_HIGH, 0);
	vwrite(VM_QUEUE_AVAIL_LOW, a);
	vwrite(VM_QUEUE_AVAIL_HIGH, 0);
	vwrite(VM_QUEUE_USED_LOW, u);
	vwrite(VM_QUEUE_USED_HIGH, 0);
	vwrite(VM_QUEUE_READY, 1);
}

/*
 * The set-up (virtio 1.1, 3.1.1) with queue 0 of num entries at d, a, u,
 * from a reset; DRIVER_OK is written whatever happened before it (as a
 * hostile driver would).  Returns Status at the end.
 */
static uint32_t setup(uint32_t num, uint32_t d, uint32_t a, uint32_t u)
{
	vwrite(VM_STATUS, 0);
	memset(&q, 0, sizeof(q));
	dsb();
	avail_idx = 0;
	vwrite(VM_STATUS, S_ACKNOWLEDGE);
	vwrite(VM_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	vwrite(VM_DRIVER_FEATURES_SEL, 0);
	vwrite(VM_DRIVER_FEATURES, 0);
	vwrite(VM_DRIVER_FEATURES_SEL, 1);
	vwrite(VM_DRIVER_FEATURES, 1); /* VIRTIO_F_VERSION_1, bit 32 */
	vwrite(VM_STATUS, S_ACKNOWLEDGE | S_DRIVER | S_FEATURES_OK);
	queue_at(num, d, a, u);
	vwrite(VM_STATUS, S_SET_UP);
	return vread(VM_STATUS);
}

static uint32_t setup_good(void)
{
	return setup(QN, (uint32_t)(uintptr_t)q.desc, (uint32_t)(uintptr_t)&q.avail,
		     (uint32_t)(uintptr_t)&q.used);
}

/* ---- Interrupts: polled at the CPU interface, masked at the CPU ---- */

static void irq_init(void)
{
	time_sleep_init(); /* the distributor, the timer's PPI, PMR, the CPU interface */
	irq_bit_write(GICD_ICENABLER, VIRTIO_IRQ);
	irq_bit_write(GICD_ICPENDR, VIRTIO_IRQ);
	mmio_write8(GICD_BASE + GICD_IPRIORITYR + VIRTIO_IRQ, 0xa0u);
	mmio_write8(GICD_BASE + GICD_ITARGETSR + VIRTIO_IRQ, 1u);
	irq_bit_write(GICD_ISENABLER, VIRTIO_IRQ);
}

/* The device's interrupt within WAIT_US: its IAR value (to end after the
 * device's line is lowered), or 0 if none came.  Others are ended. */
static uint32_t irq_wait(void)
{
	uint64_t end = counter() + (uint64_t)counter_freq() * (WAIT_US / 1000u) / 1000u;
	uint32_t got = 0;

	cntv_cval_write(end);
	cntv_ctl_write(CNTV_ENABLE);
	isb();
	for (;;) {
		uint32_t iar = gicc_read(GICC_IAR), id = iar & 0x3ffu;

		if (id == VIRTIO_IRQ) {
			got = iar;
			break;
		}
		if (id < 1020)
			gicc_write(GICC_EOIR, iar);
		if (counter() >= end)
			break;
		if (id >= 1020)
			wfi();
	}
	cntv_ctl_write(0);
	isb();
	return got;
}

/* Waits for the interrupt, acknowledges InterruptStatus to the device and
 * ends the interrupt; *isr gets InterruptStatus, returns the ID or 0. */
static uint32_t irq_take(uint32_t *isr)
{
	uint32_t iar = irq_wait();

	*isr = vread(VM_INTERRUPT_STATUS);
	vwrite(VM_INTERRUPT_ACK, *isr);
	if (iar)
		gicc_write(GICC_EOIR, iar);
	return iar & 0x3ffu;
}

/* ---- Requests ---- */

static void fill(unsigned i, const volatile void *p, uint32_t len, uint16_t flags, uint16_t next)
{
	desc[i].addr = (uintptr_t)p;
	desc[i].len = len;
	desc[i].flags = flags;
	desc[i].next = next;
}

/* A correct read of sector s in descriptors 0-2. */
static void read_chain(uint32_t s)
{
	q.hdr.type = BLK_T_IN;
	q.hdr.reserved = 0;
	q.hdr.sector = s;
	memset(q.data, 0, sizeof(q.data));
	q.status = 0xff;
	fill(0, &q.hdr, sizeof(q.hdr), D_NEXT, 1);
	fill(1, q.data, SECTOR, D_WRITE | D_NEXT, 2);
	fill(2, &q.status, 1, D_WRITE, 0);
}

/* Publishes avail index idx and notifies; returns Status (read after the
 * posted notify: the device has taken it by then). */
static uint32_t publish(uint16_t idx)
{
	dmb();
	avail->idx = idx;
	dsb();
	vwrite(VM_QUEUE_NOTIFY, 0);
	return vread(VM_STATUS);
}

/* Makes the chain at head available, the next entry, and notifies. */
static uint32_t offer(uint16_t head)
{
	avail->ring[avail_idx % QN] = head;
	return publish(++avail_idx);
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 0x811c9dc5u;

	while (n--)
		h = (h ^ *p++) * 0x01000193u;
	return h;
}

/* Reads sector s correctly and checks what came back. */
static void read_sector(uint32_t s)
{
	uint32_t status, isr, irq, slot = avail_idx % QN;
	char word[12];
	unsigned i;

	read_chain(s);
	status = offer(0);
	irq = irq_take(&isr);
	for (i = 0; i < sizeof(word) - 1 && q.data[i] != ' '; i++)
		word[i] = (char)q.data[i];
	word[i] = 0;
	printf("vhostile: sector %lu fnv1a 0x%08lx starts \"%s\" isr 0x%lx irq %lu\n",
	       (unsigned long)s, (unsigned long)fnv1a(q.data, SECTOR), word,
	       (unsigned long)isr, (unsigned long)irq);
	EXPECT_EQ(status, S_SET_UP);
	EXPECT_EQ(used->idx, avail_idx);
	EXPECT_EQ(used->ring[slot].id, 0);
	EXPECT_EQ(used->ring[slot].len, SECTOR + 1);
	EXPECT_EQ(q.status, 0); /* VIRTIO_BLK_S_OK */
	EXPECT_EQ(isr, INT_VRING);
	EXPECT_EQ(irq, VIRTIO_IRQ);
}

/* ---- The hostile cases ---- */

/* What the case did; then the status line, the reset and a new set-up. */
static void judge(const char *name, uint32_t status)
{
	uint32_t isr, irq = irq_take(&isr), after_reset, after_setup;
	char irqs[12] = "none";

	vwrite(VM_STATUS, 0);
	after_reset = vread(VM_STATUS);
	after_setup = setup_good();
	if (irq)
		snprintf(irqs, sizeof(irqs), "%lu", (unsigned long)irq);
	printf("vhostile: %s status 0x%02lx isr 0x%lx irq %s, reset 0x%02lx, set up 0x%02lx\n",
	       name, (unsigned long)status, (unsigned long)isr, irqs, (unsigned long)after_reset,
	       (unsigned long)after_setup);
	EXPECT_EQ(status & S_NEEDS_RESET, S_NEEDS_RESET);
	EXPECT_EQ(isr & INT_CONFIG, INT_CONFIG);
	EXPECT_EQ(irq, VIRTIO_IRQ);
	EXPECT_EQ(after_reset, 0);
	EXPECT_EQ(after_setup, S_SET_UP);
}

/* A request whose chain read_chain made, then spoilt by the caller. */
static void bad_request(const char *name, uint16_t head)
{
	judge(name, offer(head));
}

TEST(disk, set_up_and_read_sector_0)
{
	uint32_t cap;

	ASSERT_EQ(vread(VM_MAGIC), VIRTIO_MAGIC);
	ASSERT_EQ(vread(VM_VERSION), 2);
	ASSERT_EQ(vread(VM_DEVICE_ID), VIRTIO_ID_BLOCK);
	ASSERT_EQ(setup_good(), S_SET_UP);
	EXPECT_EQ(vread(VM_QUEUE_NUM_MAX), 512); /* lowvisord's virtio-blk queues */
	EXPECT_EQ(vread(VM_QUEUE_READY), 1);
	cap = vread(VM_CONFIG);
	printf("vhostile: disk of %lu sectors\n", (unsigned long)cap);
	EXPECT_EQ(cap, DISK_SECTORS);
	EXPECT_EQ(vread(VM_CONFIG + 4), 0);
	read_sector(0);
}

TEST(hostile, descriptor_index)
{
	read_chain(0);
	bad_request("descriptor_index", QN + 5);
}

TEST(hostile, next_index)
{
	read_chain(0);
	desc[1].next = 200;
	bad_request("next_index", 0);
}

TEST(hostile, buffer_outside_ram)
{
	read_chain(0);
	desc[1].addr = ram.base + ram.size - SECTOR / 2; /* straddles its end */
	bad_request("buffer_outside_ram", 0);
}

TEST(hostile, chain_loop)
{
	/* Both device-readable, 0 -> 1 -> 0 -> ... */
	read_chain(0);
	fill(1, q.data, SECTOR, D_NEXT, 0);
	bad_request("chain_loop", 0);
}

TEST(hostile, avail_index_ahead)
{
	read_chain(0);
	avail->ring[avail_idx % QN] = 0;
	judge("avail_index_ahead", publish((uint16_t)(avail_idx + 1000)));
}

TEST(hostile, indirect_descriptor)
{
	read_chain(0);
	fill(0, &desc[1], 2 * sizeof(struct desc), D_INDIRECT, 0);
	bad_request("indirect_descriptor", 0);
}

TEST(hostile, readable_after_writable)
{
	read_chain(0);
	desc[2].flags = 0; /* the status byte, device-readable after the data */
	bad_request("readable_after_writable", 0);
}

TEST(hostile, queue_num_not_power_of_two)
{
	judge("queue_num_not_power_of_two",
	      setup(6, (uint32_t)(uintptr_t)q.desc, (uint32_t)(uintptr_t)&q.avail,
		    (uint32_t)(uintptr_t)&q.used));
}

TEST(hostile, queue_num_over_max)
{
	uint32_t max = vread(VM_QUEUE_NUM_MAX);

	judge("queue_num_over_max", setup(2 * max, (uint32_t)(uintptr_t)q.desc,
					  (uint32_t)(uintptr_t)&q.avail,
					  (uint32_t)(uintptr_t)&q.used));
}

TEST(hostile, rings_outside_ram)
{
	/* The descriptor table runs past the end of RAM. */
	judge("rings_outside_ram", setup(QN, ram.base + ram.size - 64,
					 (uint32_t)(uintptr_t)&q.avail,
					 (uint32_t)(uintptr_t)&q.used));
}

TEST(disk, read_the_last_sector_after_the_resets)
{
	read_sector(DISK_SECTORS - 1);
}

int main(void)
{
	/* RAM in 2 MiB blocks: the bundle gives it 16 MiB. */
	if (!ram_info(&ram) || !mmu_enable_lpae(ram.base, ram.size)) {
		printf("# vhostile: no RAM in 2 MiB blocks in the DTB\n");
		return 1;
	}
	mmu_map_lpae(GICD_BASE, GICD_BASE, true);
	mmu_map_lpae(LOWVISOR_VIRTIO_BASE, LOWVISOR_VIRTIO_BASE, true);
	irq_init();
	printf("# vhostile: type g to start\n");
	uart_wait_for('g'); /* the system test types it once Linux reads in a loop */
	return test_run_all();
}
