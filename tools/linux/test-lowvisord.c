// SPDX-License-Identifier: MIT
/*
 * Host unit test (cmocka) of lowvisord: its SPECs checked against a VM
 * list written here as VM_LIST gives it (lowvisord-spec.c); its
 * transport, virtqueues, virtio-blk and virtio-net (virtio-mmio.c,
 * virtio-blk.c, virtio-net.c), and the device states of its state file:
 * a driver written here, as Linux's virtio_mmio and virtio_blk drive a
 * device, against a fake frontend RAM (a buffer) and disks in temporary
 * files; then frontends that write garbage into their rings, each of which
 * must leave the device broken (DEVICE_NEEDS_RESET, a configuration-change
 * interrupt) and the other device serving.  The same on the legacy
 * transport (version 1), driven as Linux drives a version 1 device
 * (GuestPageSize, QueueAlign, QueuePFN).  Then virtio-net devices on a
 * switch with a datagram socket for a TAP device: learning, flooding,
 * frames dropped for want of a receive buffer, bad buffers.  `make
 * tools-test` builds and runs it.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "lowvisord.h"

#define RAM_IPA 0x40000000ull
#define RAM_SIZE 0x100000u
#define QSIZE 8u
/* Where the driver here puts things in the fake RAM. */
#define DESC_OFF 0x1000u
#define AVAIL_OFF 0x2000u
#define USED_OFF 0x3000u
#define HDR_OFF 0x4000u
#define DATA_OFF 0x8000u
#define STATUS_OFF 0x7000u
#define DISK_SECTORS 64u
/* The legacy transport: GuestPageSize as Linux writes it, and the queue's
 * page when its descriptor table is at DESC_OFF. */
#define PAGE 4096u
#define DESC_PFN ((uint32_t)((RAM_IPA + DESC_OFF) / PAGE))

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static struct guest guest = { .vm = 1, .ram_ipa = RAM_IPA };
static int map_error;
static uint32_t map_gen = 1; /* lowvisor.ko's: a new one per frontend boot */
static int irq_level[8]; /* by window index */
/* Where avail() and used() are: AVAIL_OFF and USED_OFF as driver_init()
 * puts them, or where legacy_init()'s QueuePFN does. */
static uint32_t avail_off = AVAIL_OFF, used_off = USED_OFF;

/* lowvisord.c's SIGBUS containment: the next rx_faults calls fault (the
 * receiver's RAM revoked) before fn does anything. */
static unsigned int rx_faults;

bool ram_guarded(void (*fn)(void *), void *arg)
{
	if (rx_faults) {
		rx_faults--;
		return false;
	}
	fn(arg);
	return true;
}

int guest_map(struct guest *g)
{
	if (map_error)
		return map_error;
	g->ram = ram;
	g->ram_size = sizeof(ram);
	g->gen = map_gen;
	return 0;
}

void vdev_set_irq(struct vdev *d, bool level)
{
	assert_int_not_equal(irq_level[d->index], level); /* only changes */
	irq_level[d->index] = level;
}

/* ---- The driver ---- */

static void wr(struct vdev *d, unsigned int off, uint32_t v)
{
	vdev_write(d, off, 4, v);
}

static uint32_t rd(struct vdev *d, unsigned int off)
{
	return vdev_read(d, off, 4);
}

/* Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, the
 * queue, DRIVER_OK.  Returns the status read back. */
static uint32_t driver_init(struct vdev *d, uint16_t num, uint64_t features)
{
	wr(d, VIRTIO_MMIO_STATUS, 0);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return rd(d, VIRTIO_MMIO_STATUS);
	memset(ram + DESC_OFF, 0, USED_OFF + 0x1000 - DESC_OFF);
	avail_off = AVAIL_OFF;
	used_off = USED_OFF;
	wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), vdev_queue_size(d));
	wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_IPA + DESC_OFF));
	wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(RAM_IPA + AVAIL_OFF));
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(RAM_IPA + USED_OFF));
	wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
	return rd(d, VIRTIO_MMIO_STATUS);
}

#define OK_STATUS                                                                     \
	(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | \
	 VIRTIO_CONFIG_S_DRIVER_OK)
#define V1 (1ull << VIRTIO_F_VERSION_1)
#define LEGACY_OK (VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK)

/* What Linux's virtio_mmio does once, at its probe of a version 1 device
 * (before it resets the device): GuestPageSize. */
static void legacy_probe(struct vdev *d, uint32_t page_size)
{
	assert_int_equal(rd(d, VIRTIO_MMIO_VERSION), 1);
	wr(d, VIRTIO_MMIO_GUEST_PAGE_SIZE, page_size);
}

/*
 * Then its order for a version 1 device: reset, ACKNOWLEDGE, DRIVER, the
 * features (no FEATURES_OK: a legacy driver has none), queue 0 by
 * QueueNum, QueueAlign and QueuePFN, DRIVER_OK.  Returns the status read
 * back; when the queue is in use, avail() and used() are where the legacy
 * layout puts them: the avail ring after the table, the used ring at the
 * next multiple of align after the avail ring's used_event.
 */
static uint32_t legacy_init(struct vdev *d, uint16_t num, uint32_t align, uint32_t pfn)
{
	wr(d, VIRTIO_MMIO_STATUS, 0);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1u << VIRTIO_BLK_F_FLUSH);
	memset(ram + DESC_OFF, 0, USED_OFF + 0x1000 - DESC_OFF);
	avail_off = AVAIL_OFF;
	used_off = USED_OFF;
	wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_PFN), 0); /* Linux: not in use yet */
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), VQ_SIZE_MAX);
	wr(d, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(d, VIRTIO_MMIO_QUEUE_ALIGN, align);
	wr(d, VIRTIO_MMIO_QUEUE_PFN, pfn);
	if (rd(d, VIRTIO_MMIO_QUEUE_PFN)) {
		assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_PFN), pfn);
		avail_off = (uint32_t)((uint64_t)pfn * PAGE - RAM_IPA) + 16 * num;
		used_off = (avail_off + 6 + 2 * num + align - 1) / align * align;
	}
	wr(d, VIRTIO_MMIO_STATUS, LEGACY_OK);
	return rd(d, VIRTIO_MMIO_STATUS);
}

static struct vring_desc *desc_at(unsigned int i)
{
	return (struct vring_desc *)(ram + DESC_OFF) + i;
}

static void desc_set(unsigned int i, uint64_t off, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *desc = desc_at(i);

	desc->addr = htole64(RAM_IPA + off);
	desc->len = htole32(len);
	desc->flags = htole16(flags);
	desc->next = htole16(next);
}

static struct vring_avail *avail(void)
{
	return (struct vring_avail *)(ram + avail_off);
}

static struct vring_used *used(void)
{
	return (struct vring_used *)(ram + used_off);
}

/* Makes descriptor head available. */
static void avail_add(uint16_t head)
{
	uint16_t idx = le16toh(avail()->idx);

	avail()->ring[idx % QSIZE] = htole16(head);
	avail()->idx = htole16((uint16_t)(idx + 1));
}

/* Makes descriptor head available and notifies. */
static void kick(struct vdev *d, uint16_t head)
{
	avail_add(head);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* A virtio-blk request as three descriptors from 0: the header, data of
 * len bytes at DATA_OFF (none if len is 0), the status byte; made
 * available, not notified. */
static void blk_post(uint32_t type, uint64_t sector, uint32_t len)
{
	struct virtio_blk_outhdr *hdr = (void *)(ram + HDR_OFF);
	bool in = type != VIRTIO_BLK_T_OUT;

	hdr->type = htole32(type);
	hdr->ioprio = 0;
	hdr->sector = htole64(sector);
	ram[STATUS_OFF] = 0xee;
	desc_set(0, HDR_OFF, sizeof(*hdr), VRING_DESC_F_NEXT, 1);
	if (len) {
		desc_set(1, DATA_OFF, len, VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0), 2);
		desc_set(2, STATUS_OFF, 1, VRING_DESC_F_WRITE, 0);
	} else {
		desc_set(0, HDR_OFF, sizeof(*hdr), VRING_DESC_F_NEXT, 2);
		desc_set(2, STATUS_OFF, 1, VRING_DESC_F_WRITE, 0);
	}
	avail_add(0);
}

static void blk_submit(struct vdev *d, uint32_t type, uint64_t sector, uint32_t len)
{
	blk_post(type, sector, len);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

/* The last used element: its id and len. */
static void used_last(uint32_t *id, uint32_t *len)
{
	uint16_t idx = le16toh(used()->idx);

	assert_int_not_equal(idx, 0);
	*id = le32toh(used()->ring[(idx - 1) % QSIZE].id);
	*len = le32toh(used()->ring[(idx - 1) % QSIZE].len);
}

/* ---- Fixtures: two disks on temporary files ---- */

static struct vdev devs[2];
static char paths[2][32];

static int disk_make(unsigned int i, bool ro)
{
	uint8_t sector[512];
	unsigned int s;
	int fd;

	snprintf(paths[i], sizeof(paths[i]), "/tmp/lvd-test-XXXXXX");
	fd = mkstemp(paths[i]);
	if (fd < 0)
		return -1;
	for (s = 0; s < DISK_SECTORS; s++) {
		memset(sector, (int)(s + 16 * i), sizeof(sector));
		if (write(fd, sector, sizeof(sector)) != sizeof(sector))
			return -1;
	}
	close(fd);
	memset(&devs[i], 0, sizeof(devs[i]));
	devs[i].guest = &guest;
	devs[i].index = i;
	return blk_open(&devs[i], paths[i], ro);
}

static int setup(void **state)
{
	(void)state;
	guest.ram = NULL;
	map_error = 0;
	avail_off = AVAIL_OFF;
	used_off = USED_OFF;
	memset(irq_level, 0, sizeof(irq_level));
	memset(ram, 0, sizeof(ram));
	return disk_make(0, false) || disk_make(1, true) ? -1 : 0;
}

static int teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		close(devs[i].u.blk.fd);
		unlink(paths[i]);
	}
	return 0;
}

/* ---- A driver that follows the rules ---- */

static void test_registers(void **state)
{
	struct vdev *d = &devs[0], *ro = &devs[1];
	uint64_t cap;

	(void)state;
	assert_int_equal(rd(d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(d, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_ID), 2);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(rd(d, VIRTIO_MMIO_DEVICE_FEATURES) & 1u << VIRTIO_BLK_F_FLUSH);
	assert_false(rd(d, VIRTIO_MMIO_DEVICE_FEATURES) & 1u << VIRTIO_BLK_F_RO);
	assert_true(rd(ro, VIRTIO_MMIO_DEVICE_FEATURES) & 1u << VIRTIO_BLK_F_RO);
	/* The capacity in two 32-bit halves, and bytewise. */
	cap = vdev_read(d, 0x100, 4) | (uint64_t)vdev_read(d, 0x104, 4) << 32;
	assert_int_equal(cap, DISK_SECTORS);
	assert_int_equal(vdev_read(d, 0x100, 1), DISK_SECTORS);
	assert_int_equal(vdev_read(d, 0x100 + offsetof(struct virtio_blk_config, blk_size), 4), 512);
	/* A queue of 512 entries, and requests of as many segments less two. */
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 512);
	assert_int_equal(vdev_read(d, 0x100 + offsetof(struct virtio_blk_config, seg_max), 4), 510);
	assert_int_equal(vdev_read(d, 0x1fc, 4), 0);
	/* Registers are 32-bit only. */
	assert_int_equal(vdev_read(d, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
}

static void test_features_without_version_1_refused(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	assert_false(driver_init(d, QSIZE, 1ull << VIRTIO_BLK_F_FLUSH) &
		     VIRTIO_CONFIG_S_FEATURES_OK);
	/* Nor a feature the device did not offer. */
	assert_false(driver_init(d, QSIZE, V1 | 1ull << VIRTIO_BLK_F_MQ) &
		     VIRTIO_CONFIG_S_FEATURES_OK);
	assert_int_equal(driver_init(d, QSIZE, V1 | 1ull << VIRTIO_BLK_F_FLUSH), OK_STATUS);
}

/* On d (window 0), set up: a read of sectors 3 and 4 (its used element, its
 * interrupt raised and lowered by the acknowledgement), a write of sector
 * 10, found in the file. */
static void read_then_write(struct vdev *d)
{
	uint8_t buf[1024];
	uint32_t id, len;
	int fd;

	blk_submit(d, VIRTIO_BLK_T_IN, 3, 1024);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	memset(buf, 3, 512);
	memset(buf + 512, 4, 512);
	assert_memory_equal(ram + DATA_OFF, buf, 1024);
	used_last(&id, &len);
	assert_int_equal(id, 0);
	assert_int_equal(len, 1025);
	/* The interrupt: raised, and lowered by the acknowledgement. */
	assert_int_equal(irq_level[0], 1);
	assert_int_equal(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(irq_level[0], 0);

	memset(ram + DATA_OFF, 0xa5, 512);
	blk_submit(d, VIRTIO_BLK_T_OUT, 10, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	fd = open(paths[0], O_RDONLY);
	assert_int_equal(pread(fd, buf, 512, 10 * 512), 512);
	close(fd);
	assert_memory_equal(buf, ram + DATA_OFF, 512);
}

static void test_read_write_flush_id(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	assert_int_equal(driver_init(d, QSIZE, V1 | 1ull << VIRTIO_BLK_F_FLUSH), OK_STATUS);
	read_then_write(d);
	blk_submit(d, VIRTIO_BLK_T_FLUSH, 0, 0);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	blk_submit(d, VIRTIO_BLK_T_GET_ID, 0, VIRTIO_BLK_ID_BYTES);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_memory_equal(ram + DATA_OFF, strrchr(paths[0], '/') + 1, strlen(paths[0]) - 5);
	blk_submit(d, 0x1234, 0, 16);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_UNSUPP);
	assert_int_equal(le16toh(used()->idx), 5);
	assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_io_errors_reach_the_guest(void **state)
{
	struct vdev *d = &devs[0], *ro = &devs[1];
	int fd;

	(void)state;
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	blk_submit(d, VIRTIO_BLK_T_IN, DISK_SECTORS - 1, 1024); /* past the end */
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_IOERR);
	blk_submit(d, VIRTIO_BLK_T_IN, UINT64_MAX, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_IOERR);
	blk_submit(d, VIRTIO_BLK_T_IN, 0, 100); /* not whole sectors */
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_IOERR);
	/* The backing file failing: a directory where the file was. */
	fd = d->u.blk.fd;
	d->u.blk.fd = open("/", O_RDONLY | O_DIRECTORY);
	blk_submit(d, VIRTIO_BLK_T_IN, 0, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_IOERR);
	blk_submit(d, VIRTIO_BLK_T_FLUSH, 0, 0);
	close(d->u.blk.fd);
	d->u.blk.fd = fd;
	blk_submit(d, VIRTIO_BLK_T_IN, 0, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);

	assert_int_equal(driver_init(ro, QSIZE, V1 | 1ull << VIRTIO_BLK_F_RO), OK_STATUS);
	blk_submit(ro, VIRTIO_BLK_T_OUT, 0, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_IOERR);
	blk_submit(ro, VIRTIO_BLK_T_IN, 0, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA_OFF], 16);
}

/* ---- Frontends that break the rules ---- */

/* d is broken: NEEDS_RESET, a configuration interrupt; the other device
 * still serves; and a reset makes d work again. */
static void assert_broken_then_recovers(struct vdev *d)
{
	struct vdev *other = &devs[1];
	uint16_t used_before = le16toh(used()->idx);

	assert_true(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_true(rd(d, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(irq_level[d->index], 1);
	/* Notifies are ignored now. */
	kick(d, 0);
	assert_int_equal(le16toh(used()->idx), used_before);

	assert_int_equal(driver_init(other, QSIZE, V1), OK_STATUS);
	blk_submit(other, VIRTIO_BLK_T_IN, 1, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA_OFF], 17);

	if (d->legacy) {
		legacy_probe(d, PAGE);
		assert_int_equal(legacy_init(d, QSIZE, PAGE, DESC_PFN), LEGACY_OK);
	} else {
		assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	}
	assert_int_equal(irq_level[d->index], 0);
	blk_submit(d, VIRTIO_BLK_T_IN, 2, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA_OFF], 2);
}

static void test_bad_queue_sizes(void **state)
{
	static const uint16_t sizes[] = { 0, 3, 2 * VQ_SIZE_MAX, 0xffff };
	struct vdev *d = &devs[0];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		driver_init(d, sizes[i], V1);
		assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
		assert_broken_then_recovers(d);
	}
}

static void test_rings_outside_ram(void **state)
{
	static const uint64_t where[] = { 0, RAM_IPA - 16, RAM_IPA + RAM_SIZE - 16, 1ull << 40,
					  UINT64_MAX - 15, RAM_IPA + DESC_OFF + 8 };
	struct vdev *d = &devs[0];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		driver_init(d, QSIZE, V1);
		wr(d, VIRTIO_MMIO_STATUS, 0);
		wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
		wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		wr(d, VIRTIO_MMIO_DRIVER_FEATURES, 1);
		wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					  VIRTIO_CONFIG_S_FEATURES_OK);
		wr(d, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
		wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)where[i]);
		wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(where[i] >> 32));
		wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(RAM_IPA + AVAIL_OFF));
		wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(RAM_IPA + USED_OFF));
		wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
		assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
		wr(d, VIRTIO_MMIO_STATUS, OK_STATUS);
		assert_broken_then_recovers(d);
	}
}

static void test_ram_not_mappable(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	map_error = -1; /* EPERM */
	driver_init(d, QSIZE, V1);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
	map_error = 0;
	assert_broken_then_recovers(d);
}

/* A request whose descriptors the frontend spoils after blk_submit()'s
 * set-up, before the notify: each spoiler is one case. */
static void spoil_outside_ram(void)
{
	desc_set(1, RAM_SIZE - 256, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
}

static void spoil_wrapping_address(void)
{
	desc_at(1)->addr = htole64(UINT64_MAX - 255);
}

static void spoil_loop(void)
{
	desc_at(2)->flags = htole16(VRING_DESC_F_WRITE | VRING_DESC_F_NEXT);
	desc_at(2)->next = htole16(1);
}

static void spoil_self_loop(void)
{
	desc_at(0)->next = htole16(0);
}

static void spoil_next_past_the_table(void)
{
	desc_at(0)->next = htole16(QSIZE);
}

static void spoil_indirect(void)
{
	desc_at(0)->flags = htole16(VRING_DESC_F_INDIRECT);
}

static void spoil_readable_after_writable(void)
{
	desc_at(2)->flags = htole16(VRING_DESC_F_NEXT | VRING_DESC_F_WRITE);
	desc_at(2)->next = htole16(3);
	desc_set(3, HDR_OFF, 16, 0, 0);
}

static void spoil_no_status(void)
{
	desc_at(1)->flags = 0; /* readable, and the chain's end */
}

static void spoil_short_header(void)
{
	desc_at(0)->len = htole32(8);
}

static void (*const spoilers[])(void) = {
	spoil_outside_ram,   spoil_wrapping_address,        spoil_loop,
	spoil_self_loop,     spoil_next_past_the_table,     spoil_indirect,
	spoil_readable_after_writable, spoil_no_status, spoil_short_header,
};

static void test_bad_descriptors(void **state)
{
	struct vdev *d = &devs[0];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(spoilers) / sizeof(spoilers[0]); i++) {
		struct virtio_blk_outhdr *hdr = (void *)(ram + HDR_OFF);
		uint16_t idx;

		assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
		hdr->type = htole32(VIRTIO_BLK_T_IN);
		hdr->sector = 0;
		desc_set(0, HDR_OFF, sizeof(*hdr), VRING_DESC_F_NEXT, 1);
		desc_set(1, DATA_OFF, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
		desc_set(2, STATUS_OFF, 1, VRING_DESC_F_WRITE, 0);
		spoilers[i]();
		idx = le16toh(avail()->idx);
		avail()->ring[idx % QSIZE] = 0;
		avail()->idx = htole16((uint16_t)(idx + 1));
		wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		assert_int_equal(le16toh(used()->idx), 0);
		assert_broken_then_recovers(d);
	}
}

static void test_bad_avail_ring(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	/* An index far ahead of the device. */
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	avail()->idx = htole16(QSIZE + 1);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_broken_then_recovers(d);
	/* A head past the table. */
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	avail()->ring[0] = htole16(0xffff);
	avail()->idx = htole16(1);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_broken_then_recovers(d);
}

static void test_notify_of_no_queue_and_garbage_registers(void **state)
{
	struct vdev *d = &devs[0];
	unsigned int off;

	(void)state;
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 7);
	wr(d, VIRTIO_MMIO_QUEUE_SEL, 5);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	/* Queue set-up registers of a ready queue are left alone. */
	wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	/* Nor is QueuePFN a register of a version 2 device: its 0 stops nothing. */
	wr(d, VIRTIO_MMIO_QUEUE_PFN, 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_PFN), 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_READY), 1);
	for (off = 0x100; off < 0x200; off += 4)
		wr(d, off, 0xffffffff);
	blk_submit(d, VIRTIO_BLK_T_IN, 5, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA_OFF], 5);
	assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* The frontend rebooted (its RAM mapped afresh, for the other device's
 * set-up): a queue set up in its last boot serves nothing until its
 * driver resets the device, and is not broken by it. */
static void test_queues_of_the_last_boot_ignored(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	map_gen++;
	assert_int_equal(driver_init(&devs[1], QSIZE, V1), OK_STATUS);
	blk_submit(d, VIRTIO_BLK_T_IN, 0, 512);
	assert_int_equal(le16toh(used()->idx), 0);
	assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	blk_submit(d, VIRTIO_BLK_T_IN, 0, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
}

/*
 * A daemon killed after taking a write (its notify, which is posted) and
 * before serving it: the next one, given its struct vdev as the state file
 * holds it and the disk opened anew, serves the write, interrupts, and
 * goes on.  Killed again after the frontend rebooted: the queues of the
 * last boot are left alone.
 */
static void test_a_new_daemon_takes_over(void **state)
{
	static struct vdev next;
	struct vdev *d = &devs[0];
	uint8_t buf[512];
	int fd;

	(void)state;
	assert_int_equal(driver_init(d, QSIZE, V1 | 1ull << VIRTIO_BLK_F_FLUSH), OK_STATUS);
	blk_submit(d, VIRTIO_BLK_T_IN, 3, 512);
	wr(d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	memset(ram + DATA_OFF, 0x5a, 512);
	blk_post(VIRTIO_BLK_T_OUT, 10, 512);
	d->vq[0].next_avail++; /* taken, then killed */
	next = *d;
	assert_int_equal(blk_open(&next, paths[0], false), 0);
	irq_level[0] = -1; /* the line as the last daemon left it: not known */
	vdev_resume(&next);
	assert_int_equal(le16toh(used()->idx), 2);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	fd = open(paths[0], O_RDONLY);
	assert_int_equal(pread(fd, buf, 512, 10 * 512), 512);
	close(fd);
	assert_memory_equal(buf, ram + DATA_OFF, 512);
	assert_int_equal(irq_level[0], 1);
	assert_int_equal(rd(&next, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	wr(&next, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(irq_level[0], 0);
	memset(ram + DATA_OFF, 0, 512);
	blk_submit(&next, VIRTIO_BLK_T_IN, 10, 512);
	assert_int_equal(le16toh(used()->idx), 3);
	assert_memory_equal(buf, ram + DATA_OFF, 512);
	assert_string_equal(vdev_state(&next), "driver ok");

	/* The frontend rebooted while no daemon ran. */
	wr(&next, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	close(d->u.blk.fd);
	*d = next;
	blk_post(VIRTIO_BLK_T_IN, 0, 512);
	map_gen++;
	irq_level[0] = -1;
	vdev_resume(d);
	assert_int_equal(le16toh(used()->idx), 3);
	assert_int_equal(irq_level[0], 0);
	assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	blk_submit(d, VIRTIO_BLK_T_IN, 0, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
}

/* ---- The legacy transport (version 1) ---- */

static void test_legacy_registers(void **state)
{
	struct vdev *d = &devs[0];
	uint64_t cap = 0;
	unsigned int i;

	(void)state;
	d->legacy = true; /* as the daemon makes it, from its SPEC */
	assert_int_equal(rd(d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(d, VIRTIO_MMIO_VERSION), 1);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_ID), 2);
	/* No VERSION_1 offered; the device's own features as in version 2. */
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_true(rd(d, VIRTIO_MMIO_DEVICE_FEATURES) & 1u << VIRTIO_BLK_F_FLUSH);
	/* The configuration, bytewise as Linux reads a version 1 device's. */
	for (i = 0; i < 8; i++)
		cap |= (uint64_t)vdev_read(d, 0x100 + i, 1) << 8 * i;
	assert_int_equal(cap, DISK_SECTORS);
	wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), VQ_SIZE_MAX);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_PFN), 0);
	/* The other device stays version 2. */
	assert_int_equal(rd(&devs[1], VIRTIO_MMIO_VERSION), 2);
}

static void test_legacy_read_write(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	d->legacy = true;
	legacy_probe(d, PAGE);
	/* As Linux sets it up: QueueAlign 4096, the used ring on the next page. */
	assert_int_equal(legacy_init(d, QSIZE, PAGE, DESC_PFN), LEGACY_OK);
	assert_int_equal(used_off, DESC_OFF + PAGE);
	read_then_write(d);
	/* QueueReady is no register of it: 0 there stops nothing. */
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 0);
	blk_submit(d, VIRTIO_BLK_T_IN, 5, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(le16toh(used()->idx), 3);

	/* QueueAlign 4: the used ring right after the avail ring's used_event
	 * (at 0x1098, not 0x1094).  GuestPageSize is still the probe's: a
	 * reset keeps it. */
	assert_int_equal(legacy_init(d, QSIZE, 4, DESC_PFN), LEGACY_OK);
	assert_int_equal(used_off, DESC_OFF + 16 * QSIZE + 6 + 2 * QSIZE + 2);
	blk_submit(d, VIRTIO_BLK_T_IN, 7, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA_OFF], 7);
	assert_int_equal(le16toh(used()->idx), 1);
	assert_false(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void test_legacy_queue_pfn_0_stops_the_queue(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	d->legacy = true;
	legacy_probe(d, PAGE);
	assert_int_equal(legacy_init(d, QSIZE, PAGE, DESC_PFN), LEGACY_OK);
	blk_submit(d, VIRTIO_BLK_T_IN, 1, 512);
	assert_int_equal(le16toh(used()->idx), 1);
	wr(d, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(d, VIRTIO_MMIO_QUEUE_PFN, 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_PFN), 0);
	/* A request now is not served, and breaks nothing. */
	blk_submit(d, VIRTIO_BLK_T_IN, 2, 512);
	assert_int_equal(le16toh(used()->idx), 1);
	assert_int_equal(ram[STATUS_OFF], 0xee);
	assert_int_equal(rd(d, VIRTIO_MMIO_STATUS), LEGACY_OK);
	/* Set up again (Linux resets the device first): served. */
	assert_int_equal(legacy_init(d, QSIZE, PAGE, DESC_PFN), LEGACY_OK);
	blk_submit(d, VIRTIO_BLK_T_IN, 2, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
	assert_int_equal(ram[DATA_OFF], 2);
}

/* A legacy driver's garbage: each case breaks the device until it resets. */
static void test_legacy_bad_queues(void **state)
{
	static const struct {
		uint32_t page_size;
		uint16_t num;
		uint32_t align, pfn;
	} bad[] = {
		{ PAGE, QSIZE, PAGE, 1 },                                /* below the RAM */
		{ PAGE, QSIZE, PAGE, (RAM_IPA + RAM_SIZE) / PAGE },      /* past it */
		{ PAGE, QSIZE, PAGE, (RAM_IPA + RAM_SIZE) / PAGE - 1 },  /* its used ring past it */
		{ PAGE, QSIZE, PAGE, UINT32_MAX },
		{ PAGE, 0, PAGE, DESC_PFN },                             /* sizes */
		{ PAGE, 3, PAGE, DESC_PFN },
		{ PAGE, 2 * VQ_SIZE_MAX, PAGE, DESC_PFN },
		{ PAGE, 0xffff, PAGE, DESC_PFN },
		{ PAGE, QSIZE, 0, DESC_PFN },                            /* alignments */
		{ PAGE, QSIZE, 3000, DESC_PFN },
		{ PAGE, QSIZE, 2, DESC_PFN },                            /* a misaligned used ring */
		{ 0, QSIZE, PAGE, DESC_PFN },                            /* page sizes */
		{ 4095, QSIZE, PAGE, DESC_PFN },
	};
	struct vdev *d = &devs[0];
	unsigned int i;

	(void)state;
	d->legacy = true;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		legacy_probe(d, bad[i].page_size);
		legacy_init(d, bad[i].num, bad[i].align, bad[i].pfn);
		assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_PFN), 0);
		assert_broken_then_recovers(d);
	}
}

/* A state file whose queue vq_check() would have refused (not of this
 * daemon's making): the device starts from reset, nothing read past its
 * ring. */
static void test_a_bad_state_file_starts_afresh(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	d->vq[0].num = 1000;
	irq_level[0] = -1;
	vdev_resume(d);
	assert_int_equal(irq_level[0], 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_STATUS), 0);
	assert_string_equal(vdev_state(d), "reset");
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	blk_submit(d, VIRTIO_BLK_T_IN, 2, 512);
	assert_int_equal(ram[STATUS_OFF], VIRTIO_BLK_S_OK);
}

/* ---- SPECs against VM_LIST ---- */

/* mgmt (0) backs linux's (1) devices 0 (block) and 1 (net); mgmt2 (2)
 * backs its device 2 (block); mgmt2 has none. */
static const struct lowvisor_vm_info vm_list[] = {
	{ .id = 0, .name = "mgmt", .mem_base = 0x40000000 },
	{ .id = 1, .name = "linux", .mem_base = 0x80000000, .virtio_count = 4,
	  .virtio_type = { 2, 1, 2, 3 }, .virtio_backend = { 0, 0, 2, 0 } },
	{ .id = 2, .name = "mgmt2", .mem_base = 0x40000000 },
	{ .id = 3, .name = "7" }, /* a name that is another VM's id */
	{ .id = 7, .name = "seven", .virtio_count = 1, .virtio_type = { 9 } },
};
#define VM_LIST_COUNT (sizeof(vm_list) / sizeof(vm_list[0]))

/* SPEC s checked as the daemon run by VM self checks it: NULL if it is
 * good, else the words why not. */
static const char *spec_why(const char *s, long self)
{
	static char why[200];
	char buf[128];
	struct spec sp;

	snprintf(buf, sizeof(buf), "%s", s);
	assert_true(spec_parse(buf, &sp));
	return spec_check(&sp, vm_list, VM_LIST_COUNT, self, why, sizeof(why)) ? NULL : why;
}

static void test_spec_parse(void **state)
{
	static const char *const bad[] = {
		"ram:linux=0x40000000", "blk:linux:0", "blk:linux:0=", "blk::0=/x",
		"blk:linux:65536=/x", "blk:linux:-1=/x", "blk:linux:x=/x", "blk:linux:0=/x,rw",
		"blk:linux:0=,ro", "blk:linux", "disk:linux:0=/x",
		"net:linux:1", "net:linux:1=", "net::1=lan", "net:linux:65536=lan",
		"net:linux:1=lan,ro", "net:linux:1=lan,mac=", "net:linux:1=lan,mac=52:4c:56:00:01",
		"net:linux:1=lan,mac=52:4c:56:00:01:0g", "net:linux:1=lan,mac=52:4c:56:00:01:001",
		"net:linux:1=lan,mac=01:00:5e:00:00:01", /* a group address */
		"con:linux", "con:linux:", "con::3", "con:linux:x", "con:linux:3=x",
		"blk:linux:0=/x,legacy=1", "blk:linux:0=/x,,legacy", "net:linux:1=lan,legacy,ro",
		"con:linux:3,", "con:linux:3,ro", "con:linux:3,mac=52:4c:56:00:01:01",
		"con:linux:,legacy", "con:linux:3,legacy,x",
		"tap:lan", "tap:lan=", "tap:=lv0", "tap:lan=abcdefghijklmnop", /* 16: past IFNAMSIZ */
	};
	char buf[64];
	struct spec sp;
	unsigned int i;

	(void)state;
	snprintf(buf, sizeof(buf), "blk:linux:7=/tmp/a,b.img,ro");
	assert_false(spec_parse(buf, &sp)); /* a comma ends the path */
	snprintf(buf, sizeof(buf), "blk:linux:7=/tmp/a.img,ro");
	assert_true(spec_parse(buf, &sp));
	assert_string_equal(sp.vm, "linux");
	assert_int_equal(sp.index, 7);
	assert_string_equal(sp.path, "/tmp/a.img");
	assert_true(sp.ro);
	snprintf(buf, sizeof(buf), "blk:1:0x1=/dev/vdb");
	assert_true(spec_parse(buf, &sp));
	assert_int_equal(sp.index, 1);
	assert_false(sp.ro);
	assert_int_equal(sp.kind, 'b');
	snprintf(buf, sizeof(buf), "net:linux:1=lan");
	assert_true(spec_parse(buf, &sp));
	assert_int_equal(sp.kind, 'n');
	assert_string_equal(sp.vm, "linux");
	assert_int_equal(sp.index, 1);
	assert_string_equal(sp.path, "lan");
	assert_false(sp.has_mac);
	snprintf(buf, sizeof(buf), "net:2:0=lan,mac=52:4C:56:00:0b:0B");
	assert_true(spec_parse(buf, &sp));
	assert_true(sp.has_mac);
	assert_memory_equal(sp.mac, ((const uint8_t[]){ 0x52, 0x4c, 0x56, 0, 0x0b, 0x0b }), 6);
	assert_false(sp.legacy);
	/* legacy: the version 1 transport, for any of blk:, net: and con:. */
	snprintf(buf, sizeof(buf), "blk:linux:1=/tmp/ro.img,legacy,ro");
	assert_true(spec_parse(buf, &sp));
	assert_string_equal(sp.path, "/tmp/ro.img");
	assert_true(sp.ro && sp.legacy);
	snprintf(buf, sizeof(buf), "net:linux:1=lan,mac=52:4c:56:00:0b:0b,legacy");
	assert_true(spec_parse(buf, &sp));
	assert_true(sp.has_mac && sp.legacy);
	assert_string_equal(sp.path, "lan");
	snprintf(buf, sizeof(buf), "con:linux:3");
	assert_true(spec_parse(buf, &sp));
	assert_false(sp.legacy);
	snprintf(buf, sizeof(buf), "con:linux:3,legacy");
	assert_true(spec_parse(buf, &sp));
	assert_int_equal(sp.kind, 'c');
	assert_string_equal(sp.vm, "linux");
	assert_int_equal(sp.index, 3);
	assert_true(sp.legacy);
	assert_null(spec_why("con:linux:3,legacy", 0));
	snprintf(buf, sizeof(buf), "tap:lan=lv0");
	assert_true(spec_parse(buf, &sp));
	assert_int_equal(sp.kind, 't');
	assert_string_equal(sp.vm, "lan");
	assert_string_equal(sp.path, "lv0");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		assert_false(spec_parse(buf, &sp));
	}
}

static void test_spec_checked_against_vm_list(void **state)
{
	const struct lowvisor_vm_info *vm;
	char buf[64], why[200];
	struct spec sp;

	(void)state;
	assert_null(spec_why("blk:linux:0=/x", 0));
	assert_null(spec_why("blk:1:0=/x", 0));     /* by id */
	assert_null(spec_why("blk:linux:0x2=/x", 2)); /* mgmt2's daemon */
	assert_string_equal(spec_why("blk:linux:1=/x", 0),
			    "vm 'linux' device 1 is a net device, not block");
	assert_string_equal(spec_why("blk:linux:3=/x", 0),
			    "vm 'linux' device 3 is a console device, not block");
	assert_string_equal(spec_why("blk:linux:4=/x", 0),
			    "vm 'linux' device 4 does not exist: vm 'linux' has 4 devices");
	assert_string_equal(spec_why("blk:linux:9=/x", 0),
			    "vm 'linux' device 9 does not exist: vm 'linux' has 4 devices");
	assert_string_equal(spec_why("blk:mgmt:0=/x", 0),
			    "vm 'mgmt' device 0 does not exist: vm 'mgmt' has 0 devices");
	assert_string_equal(spec_why("blk:seven:0=/x", 0),
			    "vm 'seven' device 0 is a device of type 9, not block");
	assert_string_equal(spec_why("blk:7:0=/x", 0), /* the name first */
			    "vm '7' device 0 does not exist: vm '7' has 0 devices");
	assert_string_equal(spec_why("blk:linux:2=/x", 0),
			    "vm 'linux' device 2 is served by vm 'mgmt2', not by this one (vm 'mgmt')");
	assert_string_equal(spec_why("blk:linux:0=/x", 2),
			    "vm 'linux' device 0 is served by vm 'mgmt', not by this one (vm 'mgmt2')");
	assert_string_equal(spec_why("blk:nosuch:0=/x", 0), "nosuch: no such VM (lowvisorctl list)");
	assert_string_equal(spec_why("blk:9:0=/x", 0), "9: no such VM (lowvisorctl list)");
	/* This VM's id unknown: the backend is not checked, the rest is. */
	assert_null(spec_why("blk:linux:2=/x", -1));
	assert_non_null(spec_why("blk:linux:1=/x", -1));
	/* net: wants a net device, with the same checks. */
	assert_null(spec_why("net:linux:1=lan", 0));
	assert_null(spec_why("net:1:1=lan,mac=52:4c:56:00:01:01", 0));
	assert_string_equal(spec_why("net:linux:0=lan", 0),
			    "vm 'linux' device 0 is a block device, not net");
	assert_string_equal(spec_why("net:seven:0=lan", 0),
			    "vm 'seven' device 0 is a device of type 9, not net");
	assert_string_equal(spec_why("net:linux:4=lan", 0),
			    "vm 'linux' device 4 does not exist: vm 'linux' has 4 devices");
	/* con:VM:N, checked the same way against a console device. */
	assert_null(spec_why("con:linux:3", 0));
	assert_string_equal(spec_why("con:linux:1", 0),
			    "vm 'linux' device 1 is a net device, not console");
	assert_string_equal(spec_why("con:linux:3", 2),
			    "vm 'linux' device 3 is served by vm 'mgmt', not by this one (vm 'mgmt2')");
	assert_string_equal(spec_why("net:linux:1=lan", 2),
			    "vm 'linux' device 1 is served by vm 'mgmt', not by this one (vm 'mgmt2')");
	assert_string_equal(spec_why("net:nosuch:1=lan", 0), "nosuch: no such VM (lowvisorctl list)");
	/* A tap: joins a network, no VM's device: nothing to check it against. */
	assert_string_equal(spec_why("tap:lan=lv0", 0), "tap:lan=lv0 names no VM");
	/* The entry found gives the frontend's RAM base. */
	snprintf(buf, sizeof(buf), "blk:linux:0=/x");
	assert_true(spec_parse(buf, &sp));
	vm = spec_check(&sp, vm_list, VM_LIST_COUNT, 0, why, sizeof(why));
	assert_non_null(vm);
	assert_int_equal(vm->mem_base, 0x80000000);
}

/* The words of the state file follow the driver and the frontend. */
static void test_device_states(void **state)
{
	struct vdev *d = &devs[0];

	(void)state;
	assert_string_equal(vdev_state(d), "waiting for driver");
	wr(d, VIRTIO_MMIO_STATUS, 0);
	assert_string_equal(vdev_state(d), "reset");
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	assert_string_equal(vdev_state(d), "waiting for driver");
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	assert_string_equal(vdev_state(d), "driver ok");
	avail()->idx = htole16(QSIZE + 1);
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_string_equal(vdev_state(d), "broken (needs reset)");
	wr(d, VIRTIO_MMIO_STATUS, 0);
	assert_string_equal(vdev_state(d), "reset");
	assert_int_equal(driver_init(d, QSIZE, V1), OK_STATUS);
	vdev_reset(d); /* the frontend's reset, as the daemon does it */
	assert_string_equal(vdev_state(d), "reset");
}

/* ---- virtio-net and its switch ---- */

/*
 * Three virtio-net devices (windows 2, 3, 4) in the fake RAM, each driven
 * by the code below: queue q of device k at NQ(k, q), its descriptors,
 * avail and used rings 4 KiB apart, then buffer i at NQ_BUF(k, q, i).
 * Receive buffers are one writable descriptor of NET_BUF bytes; a frame to
 * send is two readable ones, the header and the frame.
 */
#define NETQ 8u
#define NET_BUF 0x800u
#define NQ(k, q) (0x20000u * ((k) + 1) + 0x10000u * (q))
#define NQ_BUF(k, q, i) (NQ(k, q) + 0x4000u + NET_BUF * (i))
#define MAC_F (1ull << VIRTIO_NET_F_MAC)

static struct vdev ndev[3];
static uint16_t navail[3][2]; /* the driver's avail idx of each queue */
static int tap[2];            /* the switch's end, the test's */

static uint8_t *nram(uint32_t off)
{
	return ram + off;
}

static void nq_setup(struct vdev *d, unsigned int k, unsigned int q)
{
	wr(d, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(d, VIRTIO_MMIO_QUEUE_NUM, NETQ);
	if (d->legacy) {
		/* The avail ring after the table; the used ring where version 2's is. */
		wr(d, VIRTIO_MMIO_QUEUE_ALIGN, 0x2000);
		wr(d, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)((RAM_IPA + NQ(k, q)) / PAGE));
		return;
	}
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_IPA + NQ(k, q)));
	wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)(RAM_IPA + NQ(k, q) + 0x1000));
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)(RAM_IPA + NQ(k, q) + 0x2000));
	wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Device k on network net, driven up to DRIVER_OK with both queues by a
 * version 2 driver, or a legacy one (no VERSION_1, no FEATURES_OK). */
static void net_start(unsigned int k, const char *net, const uint8_t *mac, bool legacy)
{
	struct vdev *d = &ndev[k];

	memset(d, 0, sizeof(*d));
	memset(nram(NQ(k, 0)), 0, 0x20000); /* its rings and buffers */
	d->guest = &guest;
	d->index = 2 + k;
	d->legacy = legacy;
	irq_level[d->index] = 0;
	assert_int_equal(net_attach(d, net, mac), 0);
	navail[k][0] = navail[k][1] = 0;
	if (legacy)
		legacy_probe(d, PAGE);
	wr(d, VIRTIO_MMIO_STATUS, 0);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)MAC_F);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, legacy ? 0 : (uint32_t)(V1 >> 32));
	if (!legacy)
		wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
					  VIRTIO_CONFIG_S_FEATURES_OK);
	nq_setup(d, k, 0);
	nq_setup(d, k, 1);
	wr(d, VIRTIO_MMIO_STATUS, legacy ? LEGACY_OK : OK_STATUS);
	assert_int_equal(rd(d, VIRTIO_MMIO_STATUS), legacy ? LEGACY_OK : OK_STATUS);
}

static void net_up(unsigned int k, const char *net, const uint8_t *mac)
{
	net_start(k, net, mac, false);
}

/* The virtio_net_hdr before device k's frames: a legacy driver's is the
 * 10-byte one without num_buffers (no MRG_RXBUF offered). */
static uint32_t nhdr_len(unsigned int k)
{
	return ndev[k].legacy ? 10 : 12;
}

static struct vring_desc *ndesc(unsigned int k, unsigned int q, unsigned int i)
{
	return (struct vring_desc *)nram(NQ(k, q)) + i;
}

static void ndesc_set(unsigned int k, unsigned int q, unsigned int i, uint32_t off, uint32_t len,
		      uint16_t flags, uint16_t next)
{
	ndesc(k, q, i)->addr = htole64(RAM_IPA + off);
	ndesc(k, q, i)->len = htole32(len);
	ndesc(k, q, i)->flags = htole16(flags);
	ndesc(k, q, i)->next = htole16(next);
}

static void nkick(unsigned int k, unsigned int q, uint16_t head)
{
	/* A legacy queue's avail ring is right after its table. */
	struct vring_avail *a = (void *)nram(NQ(k, q) + (ndev[k].legacy ? 16 * NETQ : 0x1000));

	a->ring[navail[k][q] % NETQ] = htole16(head);
	navail[k][q]++;
	a->idx = htole16(navail[k][q]);
	wr(&ndev[k], VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

static struct vring_used *nused(unsigned int k, unsigned int q)
{
	return (void *)nram(NQ(k, q) + 0x2000);
}

/* n receive buffers of len bytes for device k, from descriptor `first`. */
static void rx_give(unsigned int k, unsigned int first, unsigned int n, uint32_t len)
{
	unsigned int i;

	for (i = first; i < first + n; i++) {
		memset(nram(NQ_BUF(k, 0, i)), 0xee, len); /* what the device does not write */
		ndesc_set(k, 0, i, NQ_BUF(k, 0, i), len, VRING_DESC_F_WRITE, 0);
		nkick(k, 0, (uint16_t)i);
	}
}

/* An Ethernet frame from src to dst of len bytes (payload: the byte tag). */
static void frame_make(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t len,
		       uint8_t tag)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[13] = 0x00;
	memset(f + 14, tag, len - 14);
}

/* Device k sends a 60-byte frame to dst, tagged. */
static void tx(unsigned int k, const uint8_t *dst, uint8_t tag)
{
	unsigned int slot = navail[k][1] % 4;

	memset(nram(NQ_BUF(k, 1, 2 * slot)), 0, nhdr_len(k));
	frame_make(nram(NQ_BUF(k, 1, 2 * slot + 1)), dst, ndev[k].u.net.mac, 60, tag);
	ndesc_set(k, 1, 2 * slot, NQ_BUF(k, 1, 2 * slot), nhdr_len(k), VRING_DESC_F_NEXT,
		  (uint16_t)(2 * slot + 1));
	ndesc_set(k, 1, 2 * slot + 1, NQ_BUF(k, 1, 2 * slot + 1), 60, 0, 0);
	nkick(k, 1, (uint16_t)(2 * slot));
}

/* How many frames device k has received. */
static unsigned int rx_count(unsigned int k)
{
	return le16toh(nused(k, 0)->idx);
}

/* The tag of device k's received frame j, its header and length checked. */
static uint8_t rx_tag(unsigned int k, unsigned int j)
{
	const struct vring_used_elem *e = &nused(k, 0)->ring[j % NETQ];
	const uint8_t *buf = nram(NQ_BUF(k, 0, le32toh(e->id)));
	static const uint8_t hdr[12] = { [10] = 1 }; /* num_buffers 1; legacy: none */
	uint32_t hl = nhdr_len(k);

	assert_int_equal(le32toh(e->len), hl + 60);
	assert_memory_equal(buf, hdr, hl);
	assert_memory_equal(buf + hl, ndev[k].u.net.mac, 6);
	return buf[hl + 14];
}

/* A frame the TAP device's end got, or -1: its tag. */
static int tap_tag(void)
{
	uint8_t f[128];
	ssize_t r = read(tap[1], f, sizeof(f));

	if (r < 0)
		return -1;
	assert_int_equal(r, 60);
	return f[14];
}

static int net_setup(void **state)
{
	setup(state);
	return socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, tap);
}

static int net_teardown(void **state)
{
	teardown(state);
	close(tap[0]);
	close(tap[1]);
	return 0;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t tap_mac[6] = { 0x02, 0, 0, 0, 0, 0x77 };

static void test_net_registers(void **state)
{
	static const uint8_t mac[6] = { 0x52, 0x4c, 0x56, 0x00, 0x01, 0x03 };
	struct vdev *d = &ndev[1];
	unsigned int i;

	(void)state;
	net_up(1, "regs", NULL);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_ID), 1);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), MAC_F);
	/* The derived address: 52:4c:56:00:VM:N. */
	for (i = 0; i < 6; i++)
		assert_int_equal(vdev_read(d, 0x100 + i, 1), mac[i]);
	assert_int_equal(vdev_read(d, 0x106, 1), 0);
	/* Its queues have the default size; virtio-blk's are larger. */
	assert_int_equal(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), VQ_SIZE_DEFAULT);
}

static void test_net_learning_and_flooding(void **state)
{
	const uint8_t *a = ndev[0].u.net.mac, *b = ndev[1].u.net.mac;
	uint8_t f[60];

	(void)state;
	net_up(0, "learn", NULL);
	net_up(1, "learn", NULL);
	net_up(2, "learn", NULL);
	assert_int_equal(net_attach_fd("learn", tap[0]), 0);
	rx_give(0, 0, 4, NET_BUF);
	rx_give(1, 0, 4, NET_BUF);
	rx_give(2, 0, 4, NET_BUF);
	assert_int_equal(rx_count(0) + rx_count(1) + rx_count(2), 0); /* buffers wait */

	/* B unknown yet: flooded to every port but A's. */
	tx(0, b, 1);
	assert_int_equal(le16toh(nused(0, 1)->idx), 1);
	assert_int_equal(rx_count(0), 0);
	assert_int_equal(rx_count(1), 1);
	assert_int_equal(rx_tag(1, 0), 1);
	assert_int_equal(rx_count(2), 1);
	assert_int_equal(tap_tag(), 1);
	assert_int_equal(tap_tag(), -1);
	assert_int_equal(irq_level[2 + 1], 1);

	/* A learnt: B's answer goes to A alone, and so on both ways. */
	tx(1, a, 2);
	assert_int_equal(rx_count(0), 1);
	assert_int_equal(rx_tag(0, 0), 2);
	assert_int_equal(rx_count(2), 1);
	assert_int_equal(tap_tag(), -1);
	tx(0, b, 3);
	assert_int_equal(rx_count(1), 2);
	assert_int_equal(rx_tag(1, 1), 3);
	assert_int_equal(rx_count(2), 1);
	assert_int_equal(tap_tag(), -1);

	/* A broadcast reaches all the others. */
	tx(2, bcast, 4);
	assert_int_equal(rx_count(0), 2);
	assert_int_equal(rx_count(1), 3);
	assert_int_equal(rx_count(2), 1);
	assert_int_equal(tap_tag(), 4);

	/* From the TAP device: to A alone; then A's answer to it alone. */
	frame_make(f, a, tap_mac, sizeof(f), 5);
	assert_int_equal(write(tap[1], f, sizeof(f)), (ssize_t)sizeof(f));
	net_fd_input(tap[0]);
	assert_int_equal(rx_count(0), 3);
	assert_int_equal(rx_tag(0, 2), 5);
	assert_int_equal(rx_count(1), 3);
	tx(0, tap_mac, 6);
	assert_int_equal(tap_tag(), 6);
	assert_int_equal(rx_count(1), 3);
	assert_int_equal(rx_count(2), 1);
	/* A frame for the port it came from goes nowhere. */
	frame_make(f, tap_mac, tap_mac, sizeof(f), 7);
	assert_int_equal(write(tap[1], f, sizeof(f)), (ssize_t)sizeof(f));
	net_fd_input(tap[0]);
	assert_int_equal(rx_count(0) + rx_count(1) + rx_count(2), 3 + 3 + 1);
	assert_int_equal(tap_tag(), -1);
}

/* A legacy device's frames behind the 10-byte header, a version 2 one's
 * behind the 12-byte one, on one switch. */
static void test_net_legacy_header(void **state)
{
	const uint8_t *a = ndev[0].u.net.mac, *b = ndev[1].u.net.mac;

	(void)state;
	net_up(0, "legacy", NULL);
	net_start(1, "legacy", NULL, true);
	assert_int_equal(rd(&ndev[1], VIRTIO_MMIO_VERSION), 1);
	wr(&ndev[1], VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(&ndev[1], VIRTIO_MMIO_DEVICE_FEATURES), 0); /* no VERSION_1 */
	assert_int_equal(net_attach_fd("legacy", tap[0]), 0);
	rx_give(0, 0, 4, NET_BUF);
	rx_give(1, 0, 4, NET_BUF);
	/* From the legacy device: the whole 60-byte frame, to A and the TAP. */
	tx(1, a, 1);
	assert_int_equal(le16toh(nused(1, 1)->idx), 1);
	assert_int_equal(rx_count(0), 1);
	assert_int_equal(rx_tag(0, 0), 1);
	assert_int_equal(tap_tag(), 1);
	/* To it: 10 bytes of header, then the frame; the rest untouched. */
	tx(0, b, 2);
	assert_int_equal(rx_count(1), 1);
	assert_int_equal(rx_tag(1, 0), 2);
	assert_int_equal(nram(NQ_BUF(1, 0, 0))[10 + 60], 0xee);
	assert_false(ndev[0].broken || ndev[1].broken);
}

/* Frames for a driver with no receive buffer wait, in order, for its next
 * buffers, up to NET_BACKLOG bytes; the rest are dropped and counted. */
static void test_net_backlog_holds_a_burst(void **state)
{
	const uint8_t *b = ndev[1].u.net.mac;
	unsigned int i, held;

	(void)state;
	net_up(0, "full", NULL);
	net_up(1, "full", NULL);
	rx_give(1, 0, 2, NET_BUF);
	tx(0, b, 1);
	tx(0, b, 2);
	tx(0, b, 3);
	tx(0, b, 4);
	/* Every frame sent; two received, two held. */
	assert_int_equal(le16toh(nused(0, 1)->idx), 4);
	assert_int_equal(rx_count(1), 2);
	assert_int_equal(rx_tag(1, 1), 2);
	assert_int_equal(ndev[1].u.net.rx_dropped, 0);
	assert_int_equal(ndev[1].u.net.bl_len, 2 * (4 + 60));
	/* The driver's next buffer takes the first held, in order, at its notify. */
	rx_give(1, 2, 1, NET_BUF);
	assert_int_equal(rx_count(1), 3);
	assert_int_equal(rx_tag(1, 2), 3);
	/* A frame behind a held one waits behind it. */
	rx_give(1, 3, 1, NET_BUF);
	assert_int_equal(rx_count(1), 4);
	assert_int_equal(rx_tag(1, 3), 4);
	assert_int_equal(ndev[1].u.net.bl_len, 0);
	/* A burst past the backlog: what fits is held (across the ring's end),
	 * the rest dropped. */
	for (i = 0; i < NET_BACKLOG / 64 + 10; i++)
		tx(0, b, (uint8_t)(10 + i));
	held = ndev[1].u.net.bl_len / (4 + 60);
	assert_int_equal(held, NET_BACKLOG / 64);
	assert_int_equal(ndev[1].u.net.rx_dropped, i - held);
	rx_give(1, 4, 2, NET_BUF);
	assert_int_equal(rx_count(1), 6);
	assert_int_equal(rx_tag(1, 4), 10);
	assert_int_equal(rx_tag(1, 5), 11);
	assert_false(ndev[1].broken);
	/* A device its driver has not set up (reset) drops, and its backlog goes. */
	wr(&ndev[1], VIRTIO_MMIO_STATUS, 0);
	tx(0, b, 5);
	assert_int_equal(ndev[1].u.net.rx_dropped, i - held + 1);
	assert_int_equal(ndev[1].u.net.bl_len, 0);
}

static void test_net_receiver_fault_completes_the_send(void **state)
{
	const uint8_t *b = ndev[1].u.net.mac;

	(void)state;
	net_up(0, "fault", NULL);
	net_up(1, "fault", NULL);
	rx_give(1, 0, 2, NET_BUF);
	/* The receiver's RAM goes away under the copy: the sender's request
	 * is still used, its queue loses no slot. */
	rx_faults = 1;
	tx(0, b, 1);
	assert_int_equal(rx_faults, 0);
	assert_int_equal(le16toh(nused(0, 1)->idx), 1);
	assert_int_equal(rx_count(1), 0);
	assert_false(ndev[0].broken);
	tx(0, b, 2);
	assert_int_equal(le16toh(nused(0, 1)->idx), 2);
	assert_int_equal(rx_count(1), 1);
	assert_int_equal(rx_tag(1, 0), 2);
}

static void test_net_bad_buffers(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	const uint8_t *b = ndev[1].u.net.mac;

	(void)state;
	net_up(0, "bad", mac);
	assert_memory_equal(ndev[0].u.net.mac, mac, 6);
	net_up(1, "bad", NULL);
	/* Too small for the frame: given back empty, the frame dropped. */
	rx_give(1, 0, 1, 40);
	tx(0, b, 1);
	assert_int_equal(rx_count(1), 1);
	assert_int_equal(le32toh(nused(1, 0)->ring[0].len), 0);
	assert_int_equal(ndev[1].u.net.rx_dropped, 1);
	assert_false(ndev[1].broken);
	/* A receive buffer the device may not write breaks the receiver only. */
	ndesc_set(1, 0, 1, NQ_BUF(1, 0, 1), NET_BUF, 0, 0);
	nkick(1, 0, 1);
	tx(0, b, 2);
	assert_true(rd(&ndev[1], VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_false(ndev[0].broken);
	assert_int_equal(le16toh(nused(0, 1)->idx), 2);
	/* What the state file says of each (lowvisorctl devices). */
	assert_string_equal(vdev_state(&ndev[1]), "broken (needs reset)");
	assert_string_equal(vdev_state(&ndev[0]), "driver ok");
	/* A transmit request without its whole header breaks the sender. */
	ndesc_set(0, 1, 0, NQ_BUF(0, 1, 0), 10, 0, 0);
	nkick(0, 1, 0);
	assert_true(rd(&ndev[0], VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(le16toh(nused(0, 1)->idx), 2);
	/* A receive buffer outside the RAM, likewise. */
	net_up(1, "bad2", NULL);
	net_up(0, "bad2", NULL);
	ndesc_set(1, 0, 0, RAM_SIZE - 16, NET_BUF, VRING_DESC_F_WRITE, 0);
	nkick(1, 0, 0);
	tx(0, b, 3);
	assert_true(ndev[1].broken);
	assert_false(ndev[0].broken);
}

/* ---- virtio-console ---- */

/*
 * A virtio-console device (window 2) laid out as the virtio-net ones above
 * (device k = 0), its client one end of a socket pair (cli[0] the device's,
 * cli[1] the test's).
 */
static int cli[2];

static void con_up(void)
{
	struct vdev *d = &ndev[0];

	memset(d, 0, sizeof(*d));
	memset(nram(NQ(0, 0)), 0, 0x20000);
	d->guest = &guest;
	d->index = 2;
	irq_level[d->index] = 0;
	assert_int_equal(con_open(d, NULL), 0);
	navail[0][0] = navail[0][1] = 0;
	wr(d, VIRTIO_MMIO_STATUS, 0);
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(V1 >> 32));
	wr(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
				  VIRTIO_CONFIG_S_FEATURES_OK);
	nq_setup(d, 0, 0);
	nq_setup(d, 0, 1);
	wr(d, VIRTIO_MMIO_STATUS, OK_STATUS);
	assert_int_equal(rd(d, VIRTIO_MMIO_STATUS), OK_STATUS);
}

/* The guest writes len bytes of p (at most NET_BUF) to its console. */
static void con_tx(const void *p, uint32_t len)
{
	unsigned int slot = navail[0][1] % 4;

	memcpy(nram(NQ_BUF(0, 1, slot)), p, len);
	ndesc_set(0, 1, slot, NQ_BUF(0, 1, slot), len, 0, 0);
	nkick(0, 1, (uint16_t)slot);
}

/* What the client has to read (nothing: ""). */
static const char *cli_read(void)
{
	static char buf[CON_RING + 1];
	ssize_t r = recv(cli[1], buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[r < 0 ? 0 : r] = 0;
	return buf;
}

/* The client sends s; the daemon's poll says so. */
static void cli_send(const char *s)
{
	assert_int_equal(send(cli[1], s, strlen(s), 0), (ssize_t)strlen(s));
	con_fd_event(cli[0], POLLIN);
}

static int con_setup(void **state)
{
	setup(state);
	return socketpair(AF_UNIX, SOCK_STREAM, 0, cli);
}

static int con_teardown(void **state)
{
	teardown(state);
	close(cli[0]);
	close(cli[1]);
	return 0;
}

static void test_con_output_ring_and_replay(void **state)
{
	static char big[NET_BUF];
	struct vdev *d = &ndev[0];
	const char *got;
	unsigned int i;
	int two[2];

	(void)state;
	con_up();
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_ID), 3);
	assert_int_equal(rd(d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* Nobody attached: held, the request completed. */
	con_tx("hello ", 6);
	assert_int_equal(le16toh(nused(0, 1)->idx), 1);
	assert_int_equal(d->u.con.out_len, 6);
	/* Replayed on attach, then straight through. */
	assert_int_equal(con_attach_fd(d, cli[0]), 0);
	assert_string_equal(cli_read(), "hello ");
	con_tx("world", 5);
	assert_string_equal(cli_read(), "world");
	assert_int_equal(d->u.con.out_len, 0);
	/* A second client is turned away. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, two), 0);
	assert_int_equal(con_attach_fd(d, two[0]), -EBUSY);
	close(two[1]);
	/* The client leaves; the ring keeps the last CON_RING bytes. */
	close(cli[1]);
	con_fd_event(cli[0], POLLIN | POLLHUP);
	assert_int_equal(d->u.con.cfd, -1);
	for (i = 0; i < CON_RING / NET_BUF + 1; i++) {
		memset(big, 'a' + (int)i, sizeof(big));
		con_tx(big, sizeof(big));
	}
	assert_int_equal(d->u.con.out_len, CON_RING);
	assert_int_equal(d->u.con.out_dropped, NET_BUF);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, cli), 0);
	assert_int_equal(con_attach_fd(d, cli[0]), 0);
	got = cli_read();
	assert_int_equal(strlen(got), CON_RING);
	assert_int_equal(got[0], 'b');
	assert_int_equal(got[CON_RING - 1], 'a' + CON_RING / NET_BUF);
	assert_false(d->broken);
}

static void test_con_input_into_receive_buffers(void **state)
{
	struct vdev *d = &ndev[0];
	struct vring_used *u = nused(0, 0);

	(void)state;
	con_up();
	assert_int_equal(con_attach_fd(d, cli[0]), 0);
	/* Two buffers of 4 bytes: filled in order, each as far as it goes. */
	rx_give(0, 0, 2, 4);
	cli_send("abcdef");
	assert_int_equal(le16toh(u->idx), 2);
	assert_int_equal(le32toh(u->ring[0].len), 4);
	assert_memory_equal(nram(NQ_BUF(0, 0, 0)), "abcd", 4);
	assert_int_equal(le32toh(u->ring[1].len), 2);
	assert_memory_equal(nram(NQ_BUF(0, 0, 1)), "ef", 2);
	assert_int_equal(irq_level[d->index], 1);
	/* No buffer: held until the driver gives one and notifies. */
	cli_send("xyz");
	assert_int_equal(le16toh(u->idx), 2);
	assert_int_equal(d->u.con.in_len, 3);
	rx_give(0, 2, 1, NET_BUF);
	assert_int_equal(le16toh(u->idx), 3);
	assert_int_equal(le32toh(u->ring[2].len), 3);
	assert_memory_equal(nram(NQ_BUF(0, 0, 2)), "xyz", 3);
	assert_int_equal(d->u.con.in_len, 0);
	assert_false(d->broken);
}

static void test_con_bad_buffers(void **state)
{
	struct vdev *d = &ndev[0];

	(void)state;
	/* A receive buffer the device may not write. */
	con_up();
	assert_int_equal(con_attach_fd(d, cli[0]), 0);
	ndesc_set(0, 0, 0, NQ_BUF(0, 0, 0), 16, 0, 0);
	nkick(0, 0, 0);
	cli_send("x");
	assert_true(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_string_equal(vdev_state(d), "broken (needs reset)");
	/* One outside the frontend's RAM, given before the input comes. */
	close(cli[1]);
	con_fd_event(cli[0], POLLHUP);
	con_up();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, cli), 0);
	assert_int_equal(con_attach_fd(d, cli[0]), 0);
	ndesc_set(0, 0, 0, RAM_SIZE - 8, 16, VRING_DESC_F_WRITE, 0);
	nkick(0, 0, 0);
	assert_false(d->broken);
	cli_send("y");
	assert_true(d->broken);
	assert_int_equal(le16toh(nused(0, 0)->idx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_checked_against_vm_list),
		cmocka_unit_test_setup_teardown(test_device_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_features_without_version_1_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_write_flush_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_errors_reach_the_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_queue_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rings_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ram_not_mappable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_descriptors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_avail_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notify_of_no_queue_and_garbage_registers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_new_daemon_takes_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_bad_state_file_starts_afresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queues_of_the_last_boot_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_legacy_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_read_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_queue_pfn_0_stops_the_queue, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_legacy_bad_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_registers, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(test_net_learning_and_flooding, net_setup,
						net_teardown),
		cmocka_unit_test_setup_teardown(test_net_legacy_header, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(test_net_backlog_holds_a_burst, net_setup,
						net_teardown),
		cmocka_unit_test_setup_teardown(test_net_receiver_fault_completes_the_send, net_setup,
						net_teardown),
		cmocka_unit_test_setup_teardown(test_net_bad_buffers, net_setup, net_teardown),
		cmocka_unit_test_setup_teardown(test_con_output_ring_and_replay, con_setup,
						con_teardown),
		cmocka_unit_test_setup_teardown(test_con_input_into_receive_buffers, con_setup,
						con_teardown),
		cmocka_unit_test_setup_teardown(test_con_bad_buffers, con_setup, con_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
