/* SPDX-License-Identifier: MIT */
/*
 * A bundle is a FIT: the DTB `mkimage -f configs/NAME.its NAME.itb` makes.
 * It comes from outside (QEMU -initrd, U-Boot, the default linked into
 * hyp.bin), so bundle_open() checks the whole blob before anything is read,
 * and bundle_image_get() checks an image fully -- its data inside the
 * bundle, compression "none", every hash node -- before its data is used.
 *
 * mkimage itself insists on a root `description`; the reader does not.
 * An image node, as mkimage writes it:
 *
 * /images/NAME {
 *     data = [...];                  or, with mkimage -E, data-size = <N> and
 *                                    data-offset = <OFF> (from the end of the
 *                                    FDT, 4-byte aligned) or, with -p,
 *                                    data-position = <POS> (from the start)
 *     type = "kernel";               (optional; any string, kept for checks)
 *     arch = "arm";                  (optional; anything else is refused)
 *     compression = "none";          (optional; anything else is refused)
 *     load = <ADDR>;  entry = <ADDR>;  (optional; 1 or 2 cells)
 *     hash-1 { algo = "sha256" | "sha1" | "crc32"; value = [...]; };
 *                                    (every subnode whose name starts with
 *                                    "hash"; none is allowed)
 * };
 */
#ifndef LOWVISOR_BUNDLE_H
#define LOWVISOR_BUNDLE_H

#include "platform.h" /* struct dt_status, dt_check() */
#include "types.h"

#define BUNDLE_NAME_MAX 64
#define BUNDLE_TYPE_MAX 24

/* An image of the bundle, as found under /images and checked. */
struct bundle_image {
	char name[BUNDLE_NAME_MAX]; /* the node's name */
	char type[BUNDLE_TYPE_MAX]; /* "" when the node has no type */
	const void *data;           /* inside the bundle */
	uint32_t size;
	bool has_load, has_entry;
	uint64_t load;  /* guest IPA */
	uint64_t entry; /* guest IPA */
	unsigned hash_count; /* hash nodes checked; 0 means nothing vouches for it */
};

struct bundle {
	const void *fit;
	size_t size; /* bytes readable at fit: the FDT and any external data */
	int images;  /* offset of /images */
};

/*
 * Checks fit as a bundle of at most size bytes: dt_check() (header,
 * totalsize within size, every tag) and an /images node.  Messages start
 * with "bundle: ".  err is 0, or -EINVAL.
 */
struct dt_status bundle_open(struct bundle *b, const void *fit, size_t size);

/*
 * Finds /images/NAME and fills img after checking it.  err is 0, -ENOENT
 * ("no image 'NAME' under /images") or -EINVAL (a message naming the image
 * and, for hashes, the hash node).
 */
struct dt_status bundle_image_get(const struct bundle *b, const char *name,
				  struct bundle_image *img);

/*
 * Property readers for FIT-like trees, shared with config.c.  Each returns
 * 0, -ENOENT when the property is absent, or -EINVAL when it is malformed
 * (a string without its NUL or empty, a cell count other than allowed).
 */
int bundle_prop_str(const void *fit, int node, const char *name, const char **out);
int bundle_prop_u32(const void *fit, int node, const char *name, uint32_t *out);
/* 1 or 2 cells. */
int bundle_prop_u64(const void *fit, int node, const char *name, uint64_t *out);

#endif
