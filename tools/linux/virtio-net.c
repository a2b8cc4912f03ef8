// SPDX-License-Identifier: MIT
/*
 * virtio-net (virtio 1.1, section 5.1) for lowvisord, and the switches
 * that join the devices: one learning switch per network named in the
 * configuration, whose ports are the frontends' virtio-net devices and,
 * optionally, a TAP device of the management Linux (or, in the host unit
 * test, any file descriptor that carries one frame per read and write).
 *
 * The device: VIRTIO_NET_F_MAC (and VERSION_1), nothing else; receiveq 0
 * and transmitq 1.  Every frame goes behind the 12-byte virtio_net_hdr_v1,
 * or, on the legacy transport (no VERSION_1, and no MRG_RXBUF offered),
 * the 10-byte virtio_net_hdr without num_buffers: the driver's on transmit
 * is skipped (it may ask for nothing, having been offered no offload), the
 * device's on receive is zero but num_buffers 1 (where there is one).
 * A transmitted frame is read once out of the frontend's RAM into the
 * daemon's buffer and switched from there.  The receive queue is the
 * device's own (vq_pop): a frame for a driver with no receive buffer ready
 * waits in the device's backlog (NET_BACKLOG bytes, in order) for the
 * buffers the driver gives next (its notify), as a NIC's FIFO holds a
 * burst; what does not fit there, a frame too big for the buffer given,
 * and a frame for a device not set up are dropped and counted.  A receive
 * buffer the device may not write, or a transmit chain without its
 * header, breaks the device.
 *
 * The switch learns each unicast source address's port from the frames it
 * sees, sends a frame for a known address to that port alone (or nowhere,
 * when that is the port it came in on), and floods broadcast, multicast
 * and unknown destinations to every port but the one it came from.  Its
 * table holds NET_FDB_MAX addresses; when full, the oldest entry learnt
 * makes room.  An address that moves is learnt again from its next frame.
 *
 * A device's MAC address is given by its SPEC or else derived from where
 * it is: 52:4c:56:00:VM:N (VM id, window index N; a VM id past 255 puts
 * its high byte in the place of the 00): locally administered (bit 1 of
 * the first byte), unicast, unique per window.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>

#include "lowvisord.h"

#define NET_RXQ 0u
#define NET_TXQ 1u
#define NET_HDR_LEN 12u        /* struct virtio_net_hdr_v1 */
#define NET_HDR_LEGACY_LEN 10u /* struct virtio_net_hdr */
#define NET_FRAME_MIN 14u      /* the Ethernet header */
#define NET_FRAME_MAX 65536u   /* what a TAP device may hand over */
#define NET_PORTS_MAX 16u
#define NET_FDB_MAX 256u
#define NET_SWITCHES_MAX 8u
#define NET_FD_BURST 64u       /* frames read from one fd before the others' turn */

struct port {
	struct vdev *d;     /* a frontend's device, or */
	int fd;             /* a TAP device's file descriptor */
};

struct netsw {
	char name[32];
	struct port port[NET_PORTS_MAX];
	unsigned int ports;
	struct {
		uint8_t mac[6];
		unsigned int port;
	} fdb[NET_FDB_MAX];
	unsigned int fdb_count, fdb_next; /* fdb_next: the oldest, when full */
};

static struct netsw switches[NET_SWITCHES_MAX];
static unsigned int switch_count;
static uint8_t frame[NET_FRAME_MAX];

/* ---- The switch ---- */

static struct netsw *netsw_get(const char *name)
{
	unsigned int i;

	for (i = 0; i < switch_count; i++)
		if (!strcmp(switches[i].name, name))
			return &switches[i];
	if (switch_count == NET_SWITCHES_MAX || strlen(name) >= sizeof(switches[0].name))
		return NULL;
	snprintf(switches[switch_count].name, sizeof(switches[0].name), "%s", name);
	return &switches[switch_count++];
}

static int port_add(struct netsw *sw, struct vdev *d, int fd)
{
	if (sw->ports == NET_PORTS_MAX)
		return -ENOSPC;
	sw->port[sw->ports] = (struct port){ d, fd };
	return (int)sw->ports++;
}

static int fdb_find(const struct netsw *sw, const uint8_t *mac)
{
	unsigned int i;

	for (i = 0; i < sw->fdb_count; i++)
		if (!memcmp(sw->fdb[i].mac, mac, 6))
			return (int)i;
	return -1;
}

static void fdb_learn(struct netsw *sw, const uint8_t *mac, unsigned int port)
{
	int i = fdb_find(sw, mac);

	if (mac[0] & 1)
		return; /* a group address is nobody's */
	if (i >= 0) {
		sw->fdb[i].port = port;
		return;
	}
	if (sw->fdb_count < NET_FDB_MAX) {
		i = (int)sw->fdb_count++;
	} else {
		i = (int)sw->fdb_next;
		sw->fdb_next = (sw->fdb_next + 1) % NET_FDB_MAX;
	}
	memcpy(sw->fdb[i].mac, mac, 6);
	sw->fdb[i].port = port;
}

static void net_rx(struct vdev *d, const uint8_t *f, uint32_t len);

struct rx_arg {
	struct vdev *d;
	const uint8_t *f;
	uint32_t len;
};

static void rx_call(void *arg)
{
	const struct rx_arg *a = arg;

	net_rx(a->d, a->f, a->len);
}

static void port_send(struct netsw *sw, unsigned int p, const uint8_t *f, uint32_t len)
{
	const struct port *port = &sw->port[p];

	/* The receiver's RAM may be revoked under the copy (its reset): that
	 * resets the receiver alone; the sender's request completes. */
	if (port->d) {
		struct rx_arg a = { port->d, f, len };

		ram_guarded(rx_call, &a);
		return;
	}
	/* A TAP device that cannot take it now (EAGAIN) or is down (EIO) loses
	 * it, as a wire would. */
	if (write(port->fd, f, len) < 0 && errno != EAGAIN && errno != EIO)
		fprintf(stderr, "lowvisord: network %s: write to fd %d: %s\n", sw->name, port->fd,
			strerror(errno));
}

/* Frame f came in on port `from` of sw: learnt, and sent on. */
static void netsw_input(struct netsw *sw, unsigned int from, const uint8_t *f, uint32_t len)
{
	int to;
	unsigned int p;

	fdb_learn(sw, f + 6, from);
	to = f[0] & 1 ? -1 : fdb_find(sw, f);
	if (to >= 0) {
		if (sw->fdb[to].port != from)
			port_send(sw, sw->fdb[to].port, f, len);
		return;
	}
	for (p = 0; p < sw->ports; p++)
		if (p != from)
			port_send(sw, p, f, len);
}

/* ---- The device ---- */

static uint64_t net_features(const struct vdev *d)
{
	(void)d;
	return 1ull << VIRTIO_NET_F_MAC;
}

static unsigned int net_config(const struct vdev *d, uint8_t *buf, unsigned int size)
{
	unsigned int len = size < 6 ? size : 6;

	memcpy(buf, d->u.net.mac, len);
	return len;
}

/* The header before d's frames: a legacy driver's has no num_buffers, which
 * only VERSION_1 or MRG_RXBUF (not offered) brings. */
static uint32_t net_hdr_len(const struct vdev *d)
{
	return d->legacy ? NET_HDR_LEGACY_LEN : NET_HDR_LEN;
}

enum rx_result { RX_DONE, RX_NO_BUFFER, RX_DROPPED };

/* Frame f into a receive buffer of d, if it has one. */
static enum rx_result net_rx_buffer(struct vdev *d, const uint8_t *f, uint32_t len)
{
	static struct chain c;
	struct net *n = &d->u.net;
	uint8_t hdr[NET_HDR_LEN] = { 0 };
	uint32_t hdr_len = net_hdr_len(d);
	uint16_t head;
	int r = vq_pop(d, NET_RXQ, &c, &head);

	if (!r)
		return RX_NO_BUFFER;
	if (r < 0)
		return RX_DROPPED;
	if (c.rd_count) {
		vdev_break(d, "a receive buffer the device may not write");
		return RX_DROPPED;
	}
	if (c.wr_len < hdr_len + (uint64_t)len) {
		/* Given back empty: the driver drops it as too short. */
		if (n->rx_dropped < 3)
			vdev_log(d, "a frame of %u bytes for a receive buffer of %llu: dropped", len,
				 (unsigned long long)c.wr_len);
		vq_push(d, NET_RXQ, head, 0);
		return RX_DROPPED;
	}
	if (hdr_len == NET_HDR_LEN)
		hdr[10] = 1; /* num_buffers, little endian */
	chain_write(&c, 0, hdr, hdr_len);
	chain_write(&c, hdr_len, f, len);
	vq_push(d, NET_RXQ, head, hdr_len + len);
	n->rx_frames++;
	return RX_DONE;
}

/* The backlog's bytes [off, off + len) from its head, into or out of p. */
static void backlog_copy(struct net *n, uint32_t off, void *p, uint32_t len, bool in)
{
	uint32_t at = (n->bl_head + off) % NET_BACKLOG, first = NET_BACKLOG - at;
	uint8_t *b = p;

	if (first > len)
		first = len;
	if (in) {
		memcpy(n->backlog + at, b, first);
		memcpy(n->backlog, b + first, len - first);
	} else {
		memcpy(b, n->backlog + at, first);
		memcpy(b + first, n->backlog, len - first);
	}
}

/* The backlog's frames into the receive buffers d has, in order. */
static void backlog_drain(struct vdev *d)
{
	static uint8_t f[NET_FRAME_MAX];
	struct net *n = &d->u.net;
	enum rx_result r;
	uint32_t len;

	while (n->bl_len) {
		backlog_copy(n, 0, &len, 4, false);
		backlog_copy(n, 4, f, len, false);
		r = net_rx_buffer(d, f, len);
		if (r == RX_NO_BUFFER)
			return;
		n->rx_dropped += r == RX_DROPPED;
		n->bl_head = (n->bl_head + 4 + len) % NET_BACKLOG;
		n->bl_len -= 4 + len;
	}
}

/* Frame f for d: into a receive buffer, or the backlog behind the frames
 * there, or dropped (counted). */
static void net_rx(struct vdev *d, const uint8_t *f, uint32_t len)
{
	struct net *n = &d->u.net;

	if (!(d->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
		n->bl_len = 0; /* held for a driver that is gone */
		n->rx_dropped++;
		return;
	}
	backlog_drain(d);
	if (!n->bl_len) {
		enum rx_result r = net_rx_buffer(d, f, len);

		if (r != RX_NO_BUFFER) {
			n->rx_dropped += r == RX_DROPPED;
			return;
		}
	}
	if (n->bl_len + 4 + len > NET_BACKLOG) {
		n->rx_dropped++;
		return;
	}
	backlog_copy(n, n->bl_len, &len, 4, true);
	backlog_copy(n, n->bl_len + 4, (void *)f, len, true);
	n->bl_len += 4 + len;
}

/* The driver gave receive buffers (or set the device up). */
static void net_notify(struct vdev *d, unsigned int q)
{
	if (q == NET_RXQ)
		backlog_drain(d);
}

/* A transmit request: the header, then the frame, all device-readable. */
static bool net_request(struct vdev *d, unsigned int q, const struct chain *c, uint32_t *written)
{
	struct net *n = &d->u.net;
	uint32_t hdr_len = net_hdr_len(d);
	uint64_t len = c->rd_len - hdr_len;

	*written = 0;
	if (q != NET_TXQ)
		return vdev_break(d, "a request in queue %u", q);
	if (c->rd_len < hdr_len)
		return vdev_break(d, "a transmit request of %llu bytes: no header",
				  (unsigned long long)c->rd_len);
	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX) {
		if (n->tx_dropped++ < 3)
			vdev_log(d, "a frame of %llu bytes: dropped", (unsigned long long)len);
		return true;
	}
	/* Read once: the switch and its ports see only the copy. */
	chain_read(c, hdr_len, frame, len);
	n->tx_frames++;
	netsw_input(n->sw, n->port, frame, (uint32_t)len);
	return true;
}

const struct vdev_type net_type = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.queue_count = 2,
	.own_queues = 1u << NET_RXQ,
	.features = net_features,
	.config = net_config,
	.request = net_request,
	.notify = net_notify,
};

/* ---- Set-up ---- */

int net_attach(struct vdev *d, const char *network, const uint8_t *mac)
{
	struct netsw *sw = netsw_get(network);
	struct net *n = &d->u.net;
	int port;

	if (!sw)
		return -ENOSPC;
	port = port_add(sw, d, -1);
	if (port < 0)
		return port;
	d->type = &net_type;
	memset(n, 0, sizeof(*n));
	n->sw = sw;
	n->port = (unsigned int)port;
	if (mac) {
		memcpy(n->mac, mac, 6);
	} else {
		const uint8_t derived[6] = { 0x52, 0x4c, 0x56, (uint8_t)(d->guest->vm >> 8),
					     (uint8_t)d->guest->vm, (uint8_t)d->index };

		memcpy(n->mac, derived, 6);
	}
	return 0;
}

int net_attach_fd(const char *network, int fd)
{
	struct netsw *sw = netsw_get(network);
	int port;

	if (!sw)
		return -ENOSPC;
	port = port_add(sw, NULL, fd);
	return port < 0 ? port : 0;
}

int net_tap_open(const char *network, const char *ifname)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		err = -errno;
		close(fd);
		return err;
	}
	/* Persistent: the interface and what ip(8) gave it outlive this
	 * daemon, and the next one attaches to it again (without
	 * CAP_NET_ADMIN, on a TAP device made for this user, it stays as made). */
	if (ioctl(fd, TUNSETPERSIST, 1))
		fprintf(stderr, "lowvisord: %s: not made persistent: %s\n", ifname, strerror(errno));
	err = net_attach_fd(network, fd);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

unsigned int net_fds(int *fds, unsigned int max)
{
	unsigned int s, p, n = 0;

	for (s = 0; s < switch_count; s++)
		for (p = 0; p < switches[s].ports; p++)
			if (!switches[s].port[p].d && n < max)
				fds[n++] = switches[s].port[p].fd;
	return n;
}

/* The switch and port of fd; false if it is none of theirs. */
static bool fd_port(int fd, struct netsw **sw, unsigned int *port)
{
	unsigned int s, p;

	for (s = 0; s < switch_count; s++)
		for (p = 0; p < switches[s].ports; p++)
			if (!switches[s].port[p].d && switches[s].port[p].fd == fd) {
				*sw = &switches[s];
				*port = p;
				return true;
			}
	return false;
}

void net_fd_input(int fd)
{
	struct netsw *sw;
	unsigned int port, i;
	ssize_t r;

	if (!fd_port(fd, &sw, &port))
		return;
	for (i = 0; i < NET_FD_BURST; i++) {
		r = read(fd, frame, sizeof(frame));
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fprintf(stderr, "lowvisord: network %s: read fd %d: %s\n", sw->name, fd,
					strerror(errno));
			return;
		}
		if (!r)
			return;
		if ((size_t)r >= NET_FRAME_MIN)
			netsw_input(sw, port, frame, (uint32_t)r);
	}
}
