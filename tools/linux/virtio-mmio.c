// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio transport, version 2 (virtio 1.1, section 4.2.2) or, for
 * a device whose SPEC says legacy, version 1 (the legacy interface, section
 * 4.2.4), and split virtqueues (section 2.6), for lowvisord (lowvisord.h).
 *
 * A legacy device offers no VIRTIO_F_VERSION_1 and wants no FEATURES_OK
 * (its drivers do not set it); a queue is in use once QueuePFN is written
 * (0: no longer), its rings laid out from there (vq_legacy_rings), and
 * QueueReady, QueueDesc* and the like are no registers of it (ignored).  Both
 * versions share everything else: the checks below, the rings, the
 * interrupts, the little-endian configuration space.
 *
 * The registers live here, in struct vdev, never in the frontend's RAM.
 * The rings do live there: each index, ring entry and descriptor is read
 * once into a local variable, checked, and only that copy is used.  The
 * checks: a queue's size is a power of two up to its QueueNumMax and its three
 * areas lie in the frontend's RAM, aligned, when the driver makes it
 * ready; the avail index never runs more than the queue's size ahead of
 * the device; every descriptor index is inside the table, every buffer in
 * the RAM, no chain longer than the queue (so no loop), no indirect
 * descriptor (not offered), no device-readable buffer after a writable
 * one.  A failed check marks the device broken.
 *
 * Interrupts follow InterruptStatus: the line rises when it becomes
 * non-zero and falls when the driver acknowledges it back to zero.
 */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "lowvisord.h"

#define VIRTIO_MAGIC 0x74726976u  /* "virt" */
#define VIRTIO_VENDOR 0x564f4c4cu /* "LLOV" */
#define VIRTIO_MMIO_VERSION_1 1u
#define VIRTIO_MMIO_VERSION_2 2u
#define CONFIG_OFF 0x100u
#define CONFIG_MAX 0x100u

void vdev_log(struct vdev *d, const char *fmt, ...)
{
	va_list ap;

	if (d->messages >= VDEV_MESSAGES_MAX)
		return;
	fprintf(stderr, "lowvisord: vm %u device %u: ", d->guest->vm, d->index);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (++d->messages == VDEV_MESSAGES_MAX)
		fprintf(stderr, " (its further messages are not shown)");
	fputc('\n', stderr);
}

static void vdev_interrupt(struct vdev *d, uint32_t bits)
{
	uint32_t old = d->isr;

	d->isr |= bits;
	if (!old && d->isr)
		vdev_set_irq(d, true);
}

bool vdev_break(struct vdev *d, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (!d->broken)
		vdev_log(d, "broken until the driver resets it: %s", why);
	d->broken = true;
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
		vdev_interrupt(d, VIRTIO_MMIO_INT_CONFIG);
	return false;
}

void vdev_reset(struct vdev *d)
{
	if (d->isr)
		vdev_set_irq(d, false);
	d->status = 0;
	d->isr = 0;
	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
	d->driver_features = 0;
	d->broken = false;
	d->reset_seen = true;
	memset(d->vq, 0, sizeof(d->vq));
}

const char *vdev_state(const struct vdev *d)
{
	if (d->broken)
		return "broken (needs reset)";
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
		return "driver ok";
	if (!d->status && d->reset_seen)
		return "reset";
	return "waiting for driver";
}

/* The mapped bytes [ipa, ipa + len) of g's RAM, or NULL. */
static void *ram_at(const struct guest *g, uint64_t ipa, uint64_t len)
{
	uint64_t off = ipa - g->ram_ipa;

	if (!g->ram || ipa < g->ram_ipa || off > g->ram_size || len > g->ram_size - off)
		return NULL;
	return g->ram + off;
}

/* ---- Split virtqueues ---- */

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t desc_size(unsigned int num)
{
	return 16ull * num;
}

static uint64_t avail_size(unsigned int num)
{
	return 6 + 2ull * num;
}

static uint64_t used_size(unsigned int num)
{
	return 6 + 8ull * num;
}

/* Queue q as the driver set it up, before it is made ready. */
static bool vq_check(struct vdev *d, unsigned int qi)
{
	const struct vq *q = &d->vq[qi];
	int err;

	if (!pow2(q->num) || q->num > vdev_queue_size(d))
		return vdev_break(d, "queue %u: size %u (a power of two up to %u)", qi, q->num,
				  vdev_queue_size(d));
	err = guest_map(d->guest);
	if (err)
		return vdev_break(d, "queue %u: the frontend's RAM cannot be mapped: %s", qi,
				  strerror(-err));
	if ((q->desc & 15) || !ram_at(d->guest, q->desc, desc_size(q->num)) ||
	    (q->avail & 1) || !ram_at(d->guest, q->avail, avail_size(q->num)) ||
	    (q->used & 3) || !ram_at(d->guest, q->used, used_size(q->num)))
		return vdev_break(d, "queue %u: rings at 0x%llx 0x%llx 0x%llx: misaligned or "
				  "not in its RAM", qi, (unsigned long long)q->desc,
				  (unsigned long long)q->avail, (unsigned long long)q->used);
	d->gen = d->guest->gen;
	return true;
}

/*
 * A legacy queue's rings from its QueuePFN (virtio 1.1, section 2.6.2's
 * legacy layout): the descriptor table at pfn * GuestPageSize, the avail
 * ring right after it, the used ring at the next QueueAlign boundary;
 * vq_check() checks them as it checks a version 2 driver's.
 */
static bool vq_legacy_rings(struct vdev *d, unsigned int qi, uint32_t pfn)
{
	struct vq *q = &d->vq[qi];
	uint64_t align = q->align;

	if (!pow2(d->page_size) || !pow2(q->align))
		return vdev_break(d, "queue %u: guest page size %u, queue align %u (powers of two)",
				  qi, d->page_size, q->align);
	q->pfn = pfn;
	q->desc = (uint64_t)pfn * d->page_size;
	q->avail = q->desc + desc_size(q->num);
	q->used = (q->avail + avail_size(q->num) + align - 1) & ~(align - 1);
	return true;
}

static bool chain_add(struct vdev *d, struct chain *c, const struct vring_desc *desc)
{
	uint64_t addr = le64toh(desc->addr);
	uint32_t len = le32toh(desc->len);
	uint8_t *p = ram_at(d->guest, addr, len);

	if (!p)
		return vdev_break(d, "a buffer of %u bytes at 0x%llx: not in its RAM", len,
				  (unsigned long long)addr);
	if (le16toh(desc->flags) & VRING_DESC_F_WRITE) {
		c->wr[c->wr_count++] = (struct seg){ p, len };
		c->wr_len += len;
	} else if (c->wr_count) {
		return vdev_break(d, "a device-readable buffer after a writable one");
	} else {
		c->rd[c->rd_count++] = (struct seg){ p, len };
		c->rd_len += len;
	}
	return true;
}

/* The chain from head into c; false (device broken) for a bad one. */
static bool chain_build(struct vdev *d, const struct vq *q, uint16_t head, struct chain *c)
{
	const volatile struct vring_desc *table = ram_at(d->guest, q->desc, desc_size(q->num));
	struct vring_desc desc;
	unsigned int n = 0;
	uint16_t i = head;

	c->rd_count = c->wr_count = 0;
	c->rd_len = c->wr_len = 0;
	if (!table)
		return false; /* unmapped since (a reset of the frontend) */
	for (;;) {
		if (i >= q->num)
			return vdev_break(d, "descriptor index %u, in a queue of %u", i, q->num);
		if (++n > q->num)
			return vdev_break(d, "the chain from descriptor %u is longer than its queue "
					  "(a loop)", head);
		memcpy(&desc, (const void *)&table[i], sizeof(desc));
		if (le16toh(desc.flags) & VRING_DESC_F_INDIRECT)
			return vdev_break(d, "an indirect descriptor (not offered)");
		if (!chain_add(d, c, &desc))
			return false;
		if (!(le16toh(desc.flags) & VRING_DESC_F_NEXT))
			return true;
		i = le16toh(desc.next);
	}
}

/* Queue qi's rings if it is in use: ready, of the frontend's current boot,
 * the device not broken. */
static bool vq_rings(struct vdev *d, unsigned int qi, volatile struct vring_avail **avail,
		     volatile struct vring_used **used)
{
	const struct vq *q = &d->vq[qi];

	*avail = ram_at(d->guest, q->avail, avail_size(q->num));
	*used = ram_at(d->guest, q->used, used_size(q->num));
	/* A queue of the frontend's last boot: its driver resets the device first. */
	return q->ready && !d->broken && *avail && *used && d->gen == d->guest->gen;
}

/* The avail index, checked against the device's own; false: broken. */
static bool avail_end(struct vdev *d, unsigned int qi, volatile struct vring_avail *avail,
		      uint16_t *end)
{
	const struct vq *q = &d->vq[qi];

	*end = le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
	if ((uint16_t)(*end - q->next_avail) > q->num)
		return vdev_break(d, "queue %u: avail idx %u, %u entries past the device's %u", qi,
				  *end, (uint16_t)(*end - q->next_avail), q->next_avail);
	return true;
}

/* The next available chain (there is one) into c; false: broken. */
static bool vq_take(struct vdev *d, unsigned int qi, volatile struct vring_avail *avail,
		    struct chain *c, uint16_t *head)
{
	struct vq *q = &d->vq[qi];

	*head = le16toh(avail->ring[q->next_avail & (q->num - 1)]);
	if (!chain_build(d, q, *head, c))
		return vdev_break(d, "queue %u: the request at avail %u (descriptor %u) is bad", qi,
				  q->next_avail, *head);
	q->next_avail++;
	return true;
}

static void vq_give(struct vdev *d, unsigned int qi, volatile struct vring_used *used,
		    uint16_t head, uint32_t written)
{
	struct vq *q = &d->vq[qi];

	used->ring[q->used_idx & (q->num - 1)].id = htole32(head);
	used->ring[q->used_idx & (q->num - 1)].len = htole32(written);
	q->used_idx++;
	__atomic_store_n(&used->idx, htole16(q->used_idx), __ATOMIC_RELEASE);
}

static void vq_interrupt(struct vdev *d, volatile struct vring_avail *avail)
{
	/* The used index out before the driver's flags are read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(le16toh(avail->flags) & VRING_AVAIL_F_NO_INTERRUPT))
		vdev_interrupt(d, VIRTIO_MMIO_INT_VRING);
}

int vq_pop(struct vdev *d, unsigned int qi, struct chain *c, uint16_t *head)
{
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	uint16_t end;

	if (d->broken)
		return -1;
	if (qi >= d->type->queue_count || !vq_rings(d, qi, &avail, &used))
		return 0;
	if (!avail_end(d, qi, avail, &end))
		return -1;
	if (end == d->vq[qi].next_avail)
		return 0;
	return vq_take(d, qi, avail, c, head) ? 1 : -1;
}

void vq_push(struct vdev *d, unsigned int qi, uint16_t head, uint32_t written)
{
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;

	if (qi >= d->type->queue_count || !vq_rings(d, qi, &avail, &used))
		return;
	vq_give(d, qi, used, head, written);
	vq_interrupt(d, avail);
}

/*
 * Serves what the driver made available in queue qi up to the avail index
 * read once at the start: whatever it adds later comes with a notify of
 * its own, so one notify costs at most the queue's size in requests.
 */
static void vq_process(struct vdev *d, unsigned int qi)
{
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	static struct chain c;
	uint16_t end, head;
	uint32_t written;
	bool any = false;

	if (d->type->own_queues & 1u << qi) {
		if (d->type->notify)
			d->type->notify(d, qi);
		return;
	}
	if (!vq_rings(d, qi, &avail, &used) || !avail_end(d, qi, avail, &end))
		return;
	while (d->vq[qi].next_avail != end) {
		if (!vq_take(d, qi, avail, &c, &head))
			return;
		if (!d->type->request(d, qi, &c, &written)) {
			vdev_break(d, "queue %u: the request at avail %u (descriptor %u) is bad", qi,
				   (uint16_t)(d->vq[qi].next_avail - 1), head);
			return;
		}
		/* The request may have broken or reset the device meanwhile. */
		if (!vq_rings(d, qi, &avail, &used))
			return;
		vq_give(d, qi, used, head, written);
		any = true;
	}
	if (any)
		vq_interrupt(d, avail);
}

static void vq_process_all(struct vdev *d)
{
	unsigned int i;

	for (i = 0; i < d->type->queue_count; i++)
		vq_process(d, i);
}

/* ---- Chains as byte ranges ---- */

unsigned int segs_iov(const struct seg *s, unsigned int count, uint64_t off, uint64_t len,
		      struct iovec *iov)
{
	unsigned int i, n = 0;

	for (i = 0; i < count && len; i++) {
		uint64_t take;

		if (off >= s[i].len) {
			off -= s[i].len;
			continue;
		}
		take = s[i].len - off < len ? s[i].len - off : len;
		iov[n].iov_base = s[i].p + off;
		iov[n++].iov_len = (size_t)take;
		len -= take;
		off = 0;
	}
	return n;
}

void chain_read(const struct chain *c, uint64_t off, void *buf, uint64_t len)
{
	struct iovec iov[VQ_SIZE_MAX];
	unsigned int i, n = segs_iov(c->rd, c->rd_count, off, len, iov);
	uint8_t *to = buf;

	for (i = 0; i < n; i++) {
		memcpy(to, iov[i].iov_base, iov[i].iov_len);
		to += iov[i].iov_len;
	}
}

void chain_write(const struct chain *c, uint64_t off, const void *buf, uint64_t len)
{
	struct iovec iov[VQ_SIZE_MAX];
	unsigned int i, n = segs_iov(c->wr, c->wr_count, off, len, iov);
	const uint8_t *from = buf;

	for (i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, from, iov[i].iov_len);
		from += iov[i].iov_len;
	}
}

/* ---- The registers ---- */

static uint32_t config_read(const struct vdev *d, unsigned int off, unsigned int len)
{
	uint8_t buf[CONFIG_MAX] = { 0 };
	unsigned int size = d->type->config(d, buf, sizeof(buf));
	uint32_t v = 0;

	if (off < size && len <= size - off)
		memcpy(&v, buf + off, len);
	return le32toh(v);
}

static uint32_t queue_read(const struct vdev *d, unsigned int off)
{
	if (d->queue_sel >= d->type->queue_count)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vdev_queue_size(d);
	case VIRTIO_MMIO_QUEUE_READY:
		return !d->legacy && d->vq[d->queue_sel].ready;
	case VIRTIO_MMIO_QUEUE_PFN:
		return d->legacy && d->vq[d->queue_sel].ready ? d->vq[d->queue_sel].pfn : 0;
	default:
		return 0;
	}
}

/* The features the device offers: its type's, and VERSION_1 unless legacy. */
static uint64_t offered(const struct vdev *d)
{
	return d->type->features(d) | (d->legacy ? 0 : 1ull << VIRTIO_F_VERSION_1);
}

uint32_t vdev_read(struct vdev *d, unsigned int off, unsigned int len)
{
	uint64_t features;

	if (off >= CONFIG_OFF)
		return config_read(d, off - CONFIG_OFF, len);
	if (len != 4 || (off & 3))
		return 0; /* the registers are 32-bit */
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return d->legacy ? VIRTIO_MMIO_VERSION_1 : VIRTIO_MMIO_VERSION_2;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->type->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		features = offered(d);
		return d->dev_features_sel < 2 ? (uint32_t)(features >> 32 * d->dev_features_sel) : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->isr;
	case VIRTIO_MMIO_STATUS:
		return d->status | (d->broken ? VIRTIO_CONFIG_S_NEEDS_RESET : 0);
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0; /* nothing in the configuration changes */
	default:
		return queue_read(d, off);
	}
}

/* FEATURES_OK only for a subset of the device's features, with VERSION_1
 * unless legacy (whose drivers do not set FEATURES_OK: nothing waits for it). */
static bool features_ok(const struct vdev *d)
{
	return !(d->driver_features & ~offered(d)) &&
	       (d->legacy || (d->driver_features & 1ull << VIRTIO_F_VERSION_1));
}

static void status_write(struct vdev *d, uint32_t val)
{
	uint32_t old = d->status;

	if (!val) {
		vdev_reset(d);
		return;
	}
	val &= ~(uint32_t)VIRTIO_CONFIG_S_NEEDS_RESET;
	if ((val & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_ok(d)) {
		vdev_log(d, "driver features 0x%llx refused",
			 (unsigned long long)d->driver_features);
		val &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	}
	d->status = val;
	if (!(val & VIRTIO_CONFIG_S_DRIVER_OK) || (old & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	/* Broken during the set-up: the driver is told now that it listens. */
	if (d->broken)
		vdev_interrupt(d, VIRTIO_MMIO_INT_CONFIG);
	/* Requests notified before DRIVER_OK (the spec says not to) wait until now. */
	vq_process_all(d);
}

/* A queue's set-up, only while it is not ready.  QueueReady, or a legacy
 * device's QueuePFN, puts it in use (its set-up checked) or out of use (0). */
static void queue_write(struct vdev *d, unsigned int off, uint32_t val)
{
	struct vq *q;

	if (d->queue_sel >= d->type->queue_count)
		return;
	q = &d->vq[d->queue_sel];
	if (off == (d->legacy ? VIRTIO_MMIO_QUEUE_PFN : VIRTIO_MMIO_QUEUE_READY)) {
		if (!val) {
			q->ready = false;
		} else if (!q->ready && !d->broken &&
			   (!d->legacy || vq_legacy_rings(d, d->queue_sel, val)) &&
			   vq_check(d, d->queue_sel)) {
			q->next_avail = q->used_idx = 0;
			q->ready = true;
		}
		return;
	}
	/* A legacy device's rings come from its QueuePFN alone. */
	if (q->ready || (d->legacy && off >= VIRTIO_MMIO_QUEUE_DESC_LOW))
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		q->num = (uint16_t)(val > 0xffff ? 0 : val);
		break;
	case VIRTIO_MMIO_QUEUE_ALIGN:
		q->align = val; /* used by a legacy device's QueuePFN only */
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		q->desc = (q->desc & ~0xffffffffull) | val;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		q->desc = (q->desc & 0xffffffffull) | (uint64_t)val << 32;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		q->avail = (q->avail & ~0xffffffffull) | val;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		q->avail = (q->avail & 0xffffffffull) | (uint64_t)val << 32;
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		q->used = (q->used & ~0xffffffffull) | val;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		q->used = (q->used & 0xffffffffull) | (uint64_t)val << 32;
		break;
	}
}

void vdev_write(struct vdev *d, unsigned int off, unsigned int len, uint32_t val)
{
	if (off >= CONFIG_OFF || len != 4 || (off & 3))
		return; /* a read-only configuration; 32-bit registers */
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_GUEST_PAGE_SIZE:
		if (d->legacy)
			d->page_size = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_features_sel < 2 && !(d->status & VIRTIO_CONFIG_S_FEATURES_OK)) {
			unsigned int shift = 32 * d->drv_features_sel;

			d->driver_features &= ~(0xffffffffull << shift);
			d->driver_features |= (uint64_t)val << shift;
		}
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val < d->type->queue_count && (d->status & VIRTIO_CONFIG_S_DRIVER_OK))
			vq_process(d, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		if (d->isr && !(d->isr &= ~val))
			vdev_set_irq(d, false);
		break;
	case VIRTIO_MMIO_STATUS:
		status_write(d, val);
		break;
	default:
		queue_write(d, off, val);
		break;
	}
}

/* ---- A daemon's successor ---- */

void vdev_resume(struct vdev *d)
{
	volatile struct vring_avail *avail;
	volatile struct vring_used *used;
	bool any = false;
	unsigned int i;
	int err;

	d->messages = 0;
	/* The file is the last daemon's, but only what vq_check() let through
	 * is used as it was: a queue it would refuse starts the device afresh. */
	for (i = 0; i < d->type->queue_count; i++)
		if (d->vq[i].ready && (!pow2(d->vq[i].num) || d->vq[i].num > vdev_queue_size(d))) {
			vdev_log(d, "the last lowvisord's queue %u has size %u: the device starts "
				 "from reset", i, d->vq[i].num);
			d->isr = 0;
			vdev_reset(d);
			break;
		}
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK) {
		err = guest_map(d->guest);
		if (err)
			vdev_log(d, "the frontend's RAM cannot be mapped: %s", strerror(-err));
		/* A request taken and not given back is taken again: the device
		 * completes them in order, so the used index says where it was. */
		for (i = 0; !err && i < d->type->queue_count; i++)
			if (vq_rings(d, i, &avail, &used)) {
				d->vq[i].next_avail = d->vq[i].used_idx =
					le16toh(__atomic_load_n(&used->idx, __ATOMIC_ACQUIRE));
				any = true;
			}
	}
	/* An interrupt for used buffers may have been lost with the last
	 * daemon; one too many costs the driver a look at its rings. */
	if (any)
		d->isr |= VIRTIO_MMIO_INT_VRING;
	vdev_set_irq(d, d->isr != 0);
	/* A notify the last daemon took and did not serve (it is posted). */
	if (any)
		vq_process_all(d);
}
