// SPDX-License-Identifier: MIT
/*
 * virtio-blk (virtio 1.1, section 5.2) for lowvisord, backed by a file or
 * a block device of the management Linux: read, write, flush and get-id,
 * one queue, read-only on request (VIRTIO_BLK_F_RO).  The capacity is the
 * file's size when the daemon starts, in whole 512-byte sectors.
 *
 * The backing file's errors, a request past the end or of a length that is
 * not whole sectors, and a write to a read-only disk reach the guest as
 * VIRTIO_BLK_S_IOERR; an unknown request type as VIRTIO_BLK_S_UNSUPP.  A
 * request without a header or a status byte breaks the device.  Data goes
 * between the file and the frontend's RAM directly (preadv, pwritev).
 *
 * Its queue has 512 entries, where other devices have VQ_SIZE_DEFAULT:
 * a request may have as many segments less two (SEG_MAX), so that Linux
 * sends a 1 MiB block of 256 scattered pages as one request, not the three
 * 128 entries allowed.  Each request costs a notify, an interrupt and the
 * management Linux's wake-ups for them (docs/performance.md: 64 MiB written
 * in 1 MiB blocks, 106 ms with 128 entries, 85 ms with 512).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>

#include "lowvisord.h"

#define SECTOR 512u
#define BLK_QUEUE_SIZE 512u

static uint64_t blk_features(const struct vdev *d)
{
	return 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_BLK_SIZE |
	       1ull << VIRTIO_BLK_F_FLUSH | (d->u.blk.ro ? 1ull << VIRTIO_BLK_F_RO : 0);
}

static unsigned int blk_config(const struct vdev *d, uint8_t *buf, unsigned int size)
{
	struct virtio_blk_config cfg;
	unsigned int len = offsetof(struct virtio_blk_config, physical_block_exp);

	memset(&cfg, 0, sizeof(cfg));
	cfg.capacity = htole64(d->u.blk.sectors);
	cfg.seg_max = htole32(BLK_QUEUE_SIZE - 2); /* the header and the status */
	cfg.blk_size = htole32(SECTOR);
	len = len < size ? len : size;
	memcpy(buf, &cfg, len);
	return len;
}

/* A read (into c's wr part but its last byte) or a write (from c's rd part
 * after the header) at sector; a VIRTIO_BLK_S_* status. */
static uint8_t blk_rw(struct vdev *d, const struct chain *c, uint64_t sector, bool write,
		      uint32_t *done)
{
	struct blk *b = &d->u.blk;
	struct iovec iov[BLK_QUEUE_SIZE];
	uint64_t len = write ? c->rd_len - sizeof(struct virtio_blk_outhdr) : c->wr_len - 1;
	unsigned int n;
	ssize_t r;

	if (write && b->ro)
		return VIRTIO_BLK_S_IOERR;
	if (len % SECTOR || sector > b->sectors || len / SECTOR > b->sectors - sector) {
		vdev_log(d, "%s of %llu bytes at sector %llu: past the end or not whole sectors",
			 write ? "write" : "read", (unsigned long long)len,
			 (unsigned long long)sector);
		return VIRTIO_BLK_S_IOERR;
	}
	if (write) {
		n = segs_iov(c->rd, c->rd_count, sizeof(struct virtio_blk_outhdr), len, iov);
		r = pwritev(b->fd, iov, (int)n, (off_t)(sector * SECTOR));
	} else {
		n = segs_iov(c->wr, c->wr_count, 0, len, iov);
		r = preadv(b->fd, iov, (int)n, (off_t)(sector * SECTOR));
	}
	if (r < 0 || (uint64_t)r != len) {
		vdev_log(d, "%s: %s of %llu bytes at sector %llu: %s", b->path,
			 write ? "write" : "read", (unsigned long long)len,
			 (unsigned long long)sector, r < 0 ? strerror(errno) : "short");
		return VIRTIO_BLK_S_IOERR;
	}
	*done = write ? 0 : (uint32_t)len;
	return VIRTIO_BLK_S_OK;
}

static bool blk_request(struct vdev *d, unsigned int q __attribute__((unused)),
			const struct chain *c, uint32_t *written)
{
	struct virtio_blk_outhdr hdr;
	uint32_t done = 0;
	uint8_t status;

	if (c->rd_len < sizeof(hdr) || !c->wr_len)
		return vdev_break(d, "virtio-blk: a request of %llu+%llu bytes has no header or "
				  "no status", (unsigned long long)c->rd_len,
				  (unsigned long long)c->wr_len);
	chain_read(c, 0, &hdr, sizeof(hdr));
	switch (le32toh(hdr.type)) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = blk_rw(d, c, le64toh(hdr.sector), le32toh(hdr.type) == VIRTIO_BLK_T_OUT,
				&done);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(d->u.blk.fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		if (status)
			vdev_log(d, "%s: flush: %s", d->u.blk.path, strerror(errno));
		break;
	case VIRTIO_BLK_T_GET_ID:
		done = c->wr_len - 1 < sizeof(d->u.blk.id) ? (uint32_t)c->wr_len - 1 :
							     (uint32_t)sizeof(d->u.blk.id);
		chain_write(c, 0, d->u.blk.id, done);
		status = VIRTIO_BLK_S_OK;
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	chain_write(c, c->wr_len - 1, &status, 1);
	*written = done + 1;
	return true;
}

const struct vdev_type blk_type = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.queue_count = 1,
	.queue_size = BLK_QUEUE_SIZE,
	.features = blk_features,
	.config = blk_config,
	.request = blk_request,
};

int blk_open(struct vdev *d, const char *path, bool ro)
{
	struct blk *b = &d->u.blk;
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	uint64_t size;
	struct stat st;

	b->fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0)
		return -errno;
	if (fstat(b->fd, &st) || (S_ISBLK(st.st_mode) && ioctl(b->fd, BLKGETSIZE64, &size))) {
		int err = -errno;

		close(b->fd);
		return err;
	}
	if (!S_ISBLK(st.st_mode))
		size = (uint64_t)st.st_size;
	d->type = &blk_type;
	b->sectors = size / SECTOR;
	b->ro = ro;
	b->path = path;
	memset(b->id, 0, sizeof(b->id));
	memcpy(b->id, name, strnlen(name, sizeof(b->id)));
	return 0;
}
