// SPDX-License-Identifier: MIT
/*
 * virtio-console (virtio 1.1, section 5.3) for lowvisord: one port, no
 * feature but VERSION_1 (no MULTIPORT, no SIZE): receiveq 0, transmitq 1.
 * Each device has an endpoint in the management Linux, a UNIX stream
 * socket (lowvisord.c names it /run/lowvisord/console-VM-N), to which one
 * client at a time attaches (`lowvisorctl console`); a second is told the
 * console is busy and closed.
 *
 * What the guest writes goes into a ring of CON_RING bytes, emptied into
 * the client as fast as it reads: while nobody is attached the ring keeps
 * the last CON_RING bytes (older ones are dropped and counted), and the
 * next client gets them first.  What the client sends is held, up to
 * CON_IN_MAX bytes (the socket is not read while that is full), and copied
 * into the receive buffers the driver makes available (vq_pop), at once
 * if there are some, or when it notifies the receive queue.  A receive
 * buffer the device may not write breaks the device; so does a request in
 * the receive queue's place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>

#include "lowvisord.h"

#define CON_RXQ 0u
#define CON_TXQ 1u
#define CON_MAX 16u

static struct vdev *cons[CON_MAX];
static unsigned int con_count;

/* ---- The ring of output ---- */

static void ring_put(struct con *c, const uint8_t *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		c->out[(c->out_head + c->out_len) % CON_RING] = p[i];
		if (c->out_len < CON_RING) {
			c->out_len++;
		} else {
			c->out_head = (c->out_head + 1) % CON_RING;
			c->out_dropped++;
		}
	}
}

static void con_detach(struct con *c)
{
	if (c->cfd >= 0)
		close(c->cfd);
	c->cfd = -1;
}

/* The ring into the client, as much as it takes now. */
static void con_flush(struct con *c)
{
	while (c->cfd >= 0 && c->out_len) {
		uint32_t n = CON_RING - c->out_head < c->out_len ? CON_RING - c->out_head : c->out_len;
		ssize_t r = send(c->cfd, c->out + c->out_head, n, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				con_detach(c);
			return;
		}
		c->out_head = (c->out_head + (uint32_t)r) % CON_RING;
		c->out_len -= (uint32_t)r;
	}
}

/* ---- The device ---- */

/* The input held into the receive buffers the driver has given. */
static void con_deliver(struct vdev *d)
{
	static struct chain ch;
	struct con *c = &d->u.con;
	uint16_t head;

	while (c->in_len && vq_pop(d, CON_RXQ, &ch, &head) == 1) {
		uint32_t n = ch.wr_len < c->in_len ? (uint32_t)ch.wr_len : c->in_len;

		if (!ch.wr_len) {
			vdev_break(d, "a receive buffer the device may not write");
			return;
		}
		chain_write(&ch, 0, c->in, n);
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
		vq_push(d, CON_RXQ, head, n);
	}
}

static void con_notify(struct vdev *d, unsigned int q)
{
	if (q == CON_RXQ)
		con_deliver(d);
}

static uint64_t con_features(const struct vdev *d)
{
	(void)d;
	return 0;
}

static unsigned int con_config(const struct vdev *d, uint8_t *buf, unsigned int size)
{
	(void)d;
	/* cols, rows, max_nr_ports, emerg_wr: none offered, all zero. */
	if (size < sizeof(struct virtio_console_config))
		return 0;
	memset(buf, 0, sizeof(struct virtio_console_config));
	return sizeof(struct virtio_console_config);
}

static bool con_request(struct vdev *d, unsigned int q, const struct chain *ch, uint32_t *written)
{
	struct con *c = &d->u.con;
	unsigned int i;

	*written = 0;
	if (q != CON_TXQ)
		return vdev_break(d, "a request in queue %u", q);
	/* Copied once out of the frontend's RAM, into the ring. */
	for (i = 0; i < ch->rd_count; i++)
		ring_put(c, ch->rd[i].p, ch->rd[i].len);
	c->out_bytes += ch->rd_len;
	con_flush(c);
	return true;
}

const struct vdev_type con_type = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.queue_count = 2,
	.own_queues = 1u << CON_RXQ,
	.features = con_features,
	.config = con_config,
	.request = con_request,
	.notify = con_notify,
};

/* ---- The endpoint ---- */

static int con_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* a daemon's before this one */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 2)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int con_open(struct vdev *d, const char *path)
{
	struct con *c = &d->u.con;
	int fd = -1;

	unsigned int i;

	for (i = 0; i < con_count && cons[i] != d; i++)
		;
	if (i == CON_MAX)
		return -ENOSPC;
	if (path) {
		fd = con_listen(path);
		if (fd < 0)
			return fd;
	}
	d->type = &con_type;
	memset(c, 0, sizeof(*c));
	c->lfd = fd;
	c->cfd = -1;
	if (i == con_count)
		cons[con_count++] = d;
	return 0;
}

int con_attach_fd(struct vdev *d, int fd)
{
	static const char busy[] = "lowvisord: this console has a client already\r\n";
	struct con *c = &d->u.con;

	if (c->cfd >= 0) {
		if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			(void)0; /* closed anyway */
		close(fd);
		return -EBUSY;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->cfd = fd;
	con_flush(c); /* the replay */
	return 0;
}

unsigned int con_pollfds(struct pollfd *p, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < con_count; i++) {
		const struct con *c = &cons[i]->u.con;

		if (c->lfd >= 0 && n < max)
			p[n++] = (struct pollfd){ .fd = c->lfd, .events = POLLIN };
		if (c->cfd >= 0 && n < max)
			p[n++] = (struct pollfd){
				.fd = c->cfd,
				.events = (short)((c->in_len < CON_IN_MAX ? POLLIN : 0) |
						  (c->out_len ? POLLOUT : 0)),
			};
	}
	return n;
}

/* The client's bytes, as many as there is room for, then delivered. */
static void con_input(struct vdev *d)
{
	struct con *c = &d->u.con;
	ssize_t r = read(c->cfd, c->in + c->in_len, CON_IN_MAX - c->in_len);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		con_detach(c);
		return;
	}
	c->in_len += (uint32_t)r;
	con_deliver(d);
}

void con_fd_event(int fd, short revents)
{
	unsigned int i;

	for (i = 0; i < con_count; i++) {
		struct vdev *d = cons[i];
		struct con *c = &d->u.con;

		if (fd == c->lfd) {
			int cfd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

			if (cfd >= 0)
				con_attach_fd(d, cfd);
			return;
		}
		if (fd != c->cfd)
			continue;
		if ((revents & POLLIN) && c->in_len < CON_IN_MAX)
			con_input(d);
		else if (revents & (POLLHUP | POLLERR))
			con_detach(c);
		if (revents & POLLOUT)
			con_flush(c);
		return;
	}
}
