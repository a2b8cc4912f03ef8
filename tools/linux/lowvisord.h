/* SPDX-License-Identifier: MIT */
/*
 * lowvisord's pieces (tools/linux/lowvisord.c): the virtio-mmio transport
 * and split virtqueues (virtio-mmio.c), the devices (virtio-blk.c,
 * virtio-net.c with its switches, virtio-console.c with its endpoints), the SPECs (lowvisord-spec.c), and what
 * they need from the daemon around them; and its state file, which
 * lowvisorctl reads.  The transport and the
 * devices know nothing of /dev/lowvisor: they see a frontend's RAM as a
 * mapping, and call guest_map() and vdev_set_irq(), which lowvisord.c
 * implements with lowvisor.ko's ioctls (and the host unit test,
 * tools/linux/test-lowvisord.c, with a fake).
 *
 * Everything a frontend's RAM holds is the frontend's to change at any
 * moment: it is read once into a local copy, checked, and only the copy
 * is used.  A frontend that breaks the rules gets its device marked broken
 * (DEVICE_NEEDS_RESET and a configuration-change interrupt) until it
 * resets it; nothing it writes stops the daemon or another device.
 */
#ifndef LOWVISORD_H
#define LOWVISORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <poll.h>
#include <sys/uio.h>

#include "uapi/lowvisor.h"

/* The largest QueueNumMax of a device type, and so the longest descriptor
 * chain; a type's own is its queue_size, or VQ_SIZE_DEFAULT. */
#define VQ_SIZE_MAX 512u
#define VQ_SIZE_DEFAULT 128u
#define VDEV_QUEUES_MAX 2u

/* A frontend VM: its RAM, as lowvisor.ko maps it into the daemon. */
struct guest {
	unsigned int vm;    /* its id */
	uint64_t ram_ipa;   /* where its RAM starts in its own IPA space */
	uint8_t *ram;       /* NULL: not mapped */
	uint64_t ram_size;
	uint64_t map_offset; /* lowvisor.ko's mmap() offset of it */
	uint32_t gen;       /* lowvisor.ko's number of that mapping: one per boot */
};

/* One split virtqueue, as the driver set it up (IPAs) and the device's
 * own indices, which never come from the frontend's RAM. */
struct vq {
	uint16_t num;       /* QueueNum */
	bool ready;         /* QueueReady (legacy: QueuePFN), set only after vq_check() */
	uint64_t desc, avail, used;
	uint32_t align, pfn; /* legacy: QueueAlign, and the QueuePFN that gave desc.. */
	uint16_t next_avail; /* the avail ring index to take next */
	uint16_t used_idx;   /* the used ring's idx as the device wrote it */
};

/* A request's descriptor chain, checked: pointers into the mapped RAM of
 * the frontend.  rd: the driver's data for the device; wr: the device's
 * to fill (the spec puts all of rd before all of wr). */
struct seg {
	uint8_t *p;
	uint32_t len;
};

struct chain {
	struct seg rd[VQ_SIZE_MAX], wr[VQ_SIZE_MAX];
	unsigned int rd_count, wr_count;
	uint64_t rd_len, wr_len;
};

struct vdev;

/* A device type: a static const table entry of virtio-blk.c etc. */
struct vdev_type {
	const char *name;
	uint32_t device_id;
	unsigned int queue_count;
	/* QueueNumMax of its queues: a power of two up to VQ_SIZE_MAX; 0 for
	 * VQ_SIZE_DEFAULT. */
	unsigned int queue_size;
	/* Queues whose buffers the device takes when it has something for them
	 * (vq_pop, vq_push: virtio-net's receive queue); a notify of one is
	 * nothing to serve, and request() never sees them. */
	uint32_t own_queues;
	uint64_t (*features)(const struct vdev *d);
	/* Its configuration space into buf (at most size bytes); the length. */
	unsigned int (*config)(const struct vdev *d, uint8_t *buf, unsigned int size);
	/*
	 * Serves one request of queue q: sets *written to the bytes it wrote
	 * into c's wr part.  False for a request that breaks the device's rules
	 * (the caller marks the device broken; the request is not completed).
	 */
	bool (*request)(struct vdev *d, unsigned int q, const struct chain *c, uint32_t *written);
	/* Optional: the driver notified queue q, one of own_queues (or made
	 * the device DRIVER_OK): it may have buffers for the device now. */
	void (*notify)(struct vdev *d, unsigned int q);
};

/* What backs a virtio-blk device. */
struct blk {
	int fd;
	uint64_t sectors;  /* capacity in 512-byte sectors */
	bool ro;
	char id[20];       /* GET_ID's answer (VIRTIO_BLK_ID_BYTES) */
	const char *path;
};

/* What backs a virtio-net device: a port of a switch (virtio-net.c). */
struct netsw;
#define NET_BACKLOG 65536u
struct net {
	uint8_t mac[6];
	struct netsw *sw;
	unsigned int port;
	uint64_t rx_frames, rx_dropped, tx_frames, tx_dropped;
	/* Frames that came when the driver had no receive buffer ready, for
	 * its next ones: a ring of records, a 4-byte length and the frame. */
	uint8_t backlog[NET_BACKLOG];
	uint32_t bl_head, bl_len;
};

/* What backs a virtio-console device (virtio-console.c): its endpoint, a
 * listening socket, and the client attached to it; the guest's output not
 * yet read by a client, and the client's input not yet given to the guest. */
#define CON_RING 16384u
#define CON_IN_MAX 4096u
struct con {
	int lfd;            /* the listening socket, or -1 */
	int cfd;            /* the client, or -1 */
	uint8_t out[CON_RING];
	uint32_t out_head, out_len;
	uint64_t out_bytes, out_dropped;
	uint8_t in[CON_IN_MAX];
	uint32_t in_len;
};

/* A device.  lowvisord keeps each in a file that outlives the daemon
 * (dev_state_map): a change of this layout, or of what a field means,
 * goes with a new DEV_STATE_VERSION (lowvisord.c), or a restarted daemon
 * takes an older one's file for its own. */
struct vdev {
	const struct vdev_type *type;
	struct guest *guest;
	unsigned int index;        /* the window's index: its SPI, its IPA */
	bool legacy;               /* virtio-mmio version 1 (its SPEC's "legacy") */
	uint32_t page_size;        /* legacy: GuestPageSize, which a reset keeps
				    * (Linux writes it once, before its reset) */
	uint32_t status;           /* as the driver wrote it */
	uint32_t isr;              /* InterruptStatus */
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint64_t driver_features;
	bool broken;               /* until the driver resets the device */
	bool reset_seen;           /* reset by its driver, or its frontend's reset */
	uint32_t gen;              /* the guest's gen when its queues were set up */
	unsigned int messages;     /* logged, for the rate limit */
	struct vq vq[VDEV_QUEUES_MAX];
	union {
		struct blk blk;
		struct net net;
		struct con con;
	} u;
};

/* QueueNumMax of d's queues. */
static inline unsigned int vdev_queue_size(const struct vdev *d)
{
	return d->type->queue_size ? d->type->queue_size : VQ_SIZE_DEFAULT;
}

/* virtio-mmio.c: one access to the device's window (offset off, len 1, 2
 * or 4 bytes, little endian); a read returns its value. */
uint32_t vdev_read(struct vdev *d, unsigned int off, unsigned int len);
void vdev_write(struct vdev *d, unsigned int off, unsigned int len, uint32_t val);
/* Back to the state of a reset by the driver (the frontend's RAM is not
 * touched: it may be gone). */
void vdev_reset(struct vdev *d);
/*
 * d as the lowvisord before this one left it (its struct vdev is kept in a
 * file, lowvisord.c), with what belongs to a process (its type's backing:
 * blk_open() etc.) set up anew: each queue in use goes on from the index
 * in the frontend's used ring (a request the last daemon took and did not
 * give back is served again: requests complete in order), the interrupt
 * line is set again from InterruptStatus with a used-buffer interrupt
 * added (one may have been lost), and what the driver made available
 * meanwhile is served (a notify is posted: the last daemon may have taken
 * it and not served it).  Queues of the frontend's last boot stay unused.
 */
void vdev_resume(struct vdev *d);
/* lowvisord.c: fn(arg), with a SIGBUS from a frontend's RAM revoked under
 * it (the frontend reset) contained: that frontend's devices are reset and
 * the caller goes on; false if so.  For the work one request does in
 * another frontend's RAM (a frame switched into it). */
bool ram_guarded(void (*fn)(void *), void *arg);
/* d's state for the state file (below): "waiting for driver", "driver ok",
 * "broken (needs reset)" or "reset" (by its driver or its frontend's reset,
 * and not set up again since). */
const char *vdev_state(const struct vdev *d);
/* Marks d broken for the reason given (logged); returns false. */
bool vdev_break(struct vdev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A message about d, at most VDEV_MESSAGES_MAX of them. */
void vdev_log(struct vdev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define VDEV_MESSAGES_MAX 20u

/* For a queue the device serves at its own pace (own_queues): the next
 * chain the driver made available, checked, into c and its head into
 * *head: 1; 0 if there is none or the queue is not in use; -1 if the
 * device is broken (now or already).  vq_push() gives it back with
 * `written` bytes written, and interrupts unless the driver asked not. */
int vq_pop(struct vdev *d, unsigned int q, struct chain *c, uint16_t *head);
void vq_push(struct vdev *d, unsigned int q, uint16_t head, uint32_t written);

/* The bytes [off, off + len) of c's rd or wr part, copied out or in. */
void chain_read(const struct chain *c, uint64_t off, void *buf, uint64_t len);
void chain_write(const struct chain *c, uint64_t off, const void *buf, uint64_t len);
/* An iovec array for the bytes [off, off + len) of segs; its count. */
unsigned int segs_iov(const struct seg *s, unsigned int count, uint64_t off, uint64_t len,
		      struct iovec *iov);

/* virtio-blk.c */
extern const struct vdev_type blk_type;
/* Opens path for d (ro: read-only); 0 or a negative errno. */
int blk_open(struct vdev *d, const char *path, bool ro);

/* virtio-net.c */
extern const struct vdev_type net_type;
/* Makes d a virtio-net device on a port of the switch `network` (made on
 * first use) with address mac, or one derived from d's place if NULL; 0 or
 * a negative errno. */
int net_attach(struct vdev *d, const char *network, const uint8_t *mac);
/* Joins fd, which carries one Ethernet frame per read() and write() and
 * does not block, to the switch `network`: 0 or a negative errno. */
int net_attach_fd(const char *network, int fd);
/* Creates (or opens) the TAP device ifname of the management Linux and
 * joins it to `network`: its fd, or a negative errno. */
int net_tap_open(const char *network, const char *ifname);
/* The file descriptors joined to switches, at most max of them, into fds;
 * their count.  net_fd_input() switches what one of them has to read. */
unsigned int net_fds(int *fds, unsigned int max);
void net_fd_input(int fd);

/* virtio-console.c */
extern const struct vdev_type con_type;
/* Makes d a virtio-console device whose endpoint is a UNIX socket bound
 * at path (replacing a stale one; NULL: none, for the unit test); 0 or a
 * negative errno. */
int con_open(struct vdev *d, const char *path);
/* fd, a connected stream, becomes d's client and gets the output held for
 * it: 0; -EBUSY (fd told so and closed) if d has one already. */
int con_attach_fd(struct vdev *d, int fd);
/* The consoles' file descriptors to poll, at most max, into p; their
 * count.  con_fd_event() serves what poll() said of one of them. */
unsigned int con_pollfds(struct pollfd *p, unsigned int max);
void con_fd_event(int fd, short revents);

/* ---- Configuration (lowvisord-spec.c) ---- */

/* One SPEC: blk:VM:N=PATH[,ro], net:VM:N=NET[,mac=M], con:VM:N (each
 * also [,legacy]: virtio-mmio version 1) or tap:NET=IFNAME. */
struct spec {
	char kind;          /* 'b' blk, 'n' net, 'c' con, 't' tap */
	const char *vm;     /* a name or an id, as given; for a tap: the network */
	unsigned int index; /* the window's index in VM's virtio { } */
	const char *path;   /* for a net: the network; for a tap: its name; con: NULL */
	bool ro;
	bool legacy;        /* blk, net, con: the legacy transport (version 1) */
	bool has_mac;
	uint8_t mac[6];
};

/* Parses s into sp (which points into s); false for a bad SPEC. */
bool spec_parse(char *s, struct spec *sp);
/* The VM named name, or with that id when no VM has that name: its entry
 * of vms[0..count) (VM_LIST), or NULL. */
const struct lowvisor_vm_info *vm_find(const struct lowvisor_vm_info *vms, unsigned int count,
				       const char *name);
/*
 * A blk:, net: or con: SPEC sp checked against VM_LIST: its VM exists, has
 * a device sp->index, of the SPEC's type (block, net or console), whose backend is
 * self (this VM's id; -1: unknown, not checked).  The VM's entry, or NULL
 * having written why not into why ("vm 'linux' device 1 is a net device,
 * not block").  A tap: SPEC names no VM: NULL.
 */
const struct lowvisor_vm_info *spec_check(const struct spec *sp,
					  const struct lowvisor_vm_info *vms, unsigned int count,
					  long self, char *why, size_t size);
/* A virtio device ID's name (VM_LIST's virtio_type): "net", "block",
 * "console" or "unknown".  Inline: lowvisorctl shows them too. */
static inline const char *virtio_type_name(unsigned int type)
{
	static const char *const names[] = { [1] = "net", [2] = "block", [3] = "console" };

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "unknown";
}

/*
 * The state file, for `lowvisorctl devices`: rewritten whole (a new file
 * renamed over the old) whenever the state of a window lowvisord serves
 * changes.  Its first line is "pid PID" (the daemon's: a file whose daemon
 * is gone says nothing), then one line per window: "VM DEVICE STATE", the
 * frontend's id, the window's index and vdev_state()'s words (with
 * ", attached" after them for a console with a client), or "no backing"
 * for a window with no SPEC.
 */
#define LOWVISORD_STATE_FILE "/run/lowvisord.state"

/* From the daemon (lowvisord.c): maps g's RAM, or finds the mapping still
 * current, 0; or a negative errno.  g->gen changes when it maps afresh (the
 * frontend was reset: queues set up before belong to its last boot). */
int guest_map(struct guest *g);
/* Raises or lowers d's interrupt line in its frontend. */
void vdev_set_irq(struct vdev *d, bool level);

#endif
