// SPDX-License-Identifier: MIT
/*
 * Reading a bundle (a FIT).  Nothing in it is used before dt_check() has
 * walked the whole tree, and no image data before its bounds and every one
 * of its hash nodes have been checked.  Messages name the image and, for a
 * hash, the hash node.
 */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "config.h"
#include "hash.h"

int bundle_prop_str(const void *fit, int node, const char *name, const char **out)
{
	int len;
	const char *s = fdt_getprop(fit, node, name, &len);

	if (!s)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	/* Exactly one NUL-terminated string: no stringlist, no raw bytes. */
	if (len < 1 || strnlen(s, (size_t)len) != (size_t)len - 1)
		return -EINVAL;
	*out = s;
	return 0;
}

int bundle_prop_u32(const void *fit, int node, const char *name, uint32_t *out)
{
	int len;
	const fdt32_t *v = fdt_getprop(fit, node, name, &len);

	if (!v)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	if (len != 4)
		return -EINVAL;
	*out = fdt32_to_cpu(*v);
	return 0;
}

int bundle_prop_u64(const void *fit, int node, const char *name, uint64_t *out)
{
	int len;
	const fdt32_t *v = fdt_getprop(fit, node, name, &len);

	if (!v)
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	if (len != 4 && len != 8)
		return -EINVAL;
	*out = len == 4 ? fdt32_ld(v) : fdt64_ld((const fdt64_t *)v);
	return 0;
}

struct dt_status bundle_open(struct bundle *b, const void *fit, size_t size)
{
	struct dt_status st = { 0, "" }, chk;

	memset(b, 0, sizeof(*b));
	if (!fit || !size)
		return dt_fail(&st, -EINVAL, "bundle: none given");
	chk = dt_check(fit, size);
	if (chk.err)
		return dt_fail(&st, -EINVAL, "bundle: %s", chk.msg);
	b->images = fdt_path_offset(fit, "/images");
	if (b->images < 0)
		return dt_fail(&st, -EINVAL, "bundle: not a FIT (no /images node)");
	b->fit = fit;
	b->size = size;
	return st;
}

/* data, or external data (mkimage -E): data-size with data-offset, counted
 * from the 4-byte aligned end of the FDT, or data-position, from its start. */
static struct dt_status get_data(struct bundle *b, int node, struct bundle_image *img,
				 struct dt_status *st)
{
	uint32_t size, where;
	uint64_t start;
	const char *what = "data-offset";
	int len, err;

	img->data = fdt_getprop(b->fit, node, "data", &len);
	if (img->data) {
		img->size = (uint32_t)len;
		return *st;
	}
	err = bundle_prop_u32(b->fit, node, "data-size", &size);
	if (err == -ENOENT)
		return dt_fail(st, -EINVAL, "image '%s': no data (neither data nor data-size)",
			    img->name);
	if (err)
		return dt_fail(st, -EINVAL, "image '%s': data-size must be one cell", img->name);
	err = bundle_prop_u32(b->fit, node, what, &where);
	if (!err) {
		start = ALIGN_UP((uint64_t)fdt_totalsize(b->fit), 4) + where;
	} else {
		what = "data-position";
		if (bundle_prop_u32(b->fit, node, what, &where))
			return dt_fail(st, -EINVAL, "image '%s': data-size needs a one-cell "
				    "data-offset or data-position", img->name);
		start = where;
	}
	if (start > b->size || size > b->size - start)
		return dt_fail(st, -EINVAL, "image '%s': %s = <0x%lx> and data-size = <0x%lx> run "
			    "past the end of the bundle (%lu bytes)", img->name, what,
			    (unsigned long)where, (unsigned long)size, (unsigned long)b->size);
	img->data = (const uint8_t *)b->fit + start;
	img->size = size;
	return *st;
}

/* type, arch, compression: strings, where only some values can run here. */
static struct dt_status get_strings(struct bundle *b, int node, struct bundle_image *img,
				    struct dt_status *st)
{
	const char *s;
	int err;

	err = bundle_prop_str(b->fit, node, "type", &s);
	if (err == -EINVAL || (!err && strlen(s) >= sizeof(img->type)))
		return dt_fail(st, -EINVAL, "image '%s': type is not a known image type", img->name);
	if (!err)
		strcpy(img->type, s);
	err = bundle_prop_str(b->fit, node, "arch", &s);
	if (err == -EINVAL || (!err && strcmp(s, "arm")))
		return dt_fail(st, -EINVAL, "image '%s': arch = \"%.32s\": only \"arm\" runs here",
			    img->name, err ? "?" : s);
	err = bundle_prop_str(b->fit, node, "compression", &s);
	if (err == -EINVAL || (!err && strcmp(s, "none")))
		return dt_fail(st, -EINVAL, "image '%s': compression = \"%.32s\": only \"none\" is "
			    "supported (bundle the image uncompressed)", img->name, err ? "?" : s);
	return *st;
}

static struct dt_status get_addresses(struct bundle *b, int node, struct bundle_image *img,
				      struct dt_status *st)
{
	int err = bundle_prop_u64(b->fit, node, "load", &img->load);

	if (err == -EINVAL)
		return dt_fail(st, -EINVAL, "image '%s': load must be 1 or 2 cells", img->name);
	img->has_load = !err;
	err = bundle_prop_u64(b->fit, node, "entry", &img->entry);
	if (err == -EINVAL)
		return dt_fail(st, -EINVAL, "image '%s': entry must be 1 or 2 cells", img->name);
	img->has_entry = !err;
	return *st;
}

static struct dt_status check_hash(const struct bundle *b, int hnode, struct bundle_image *img,
				   struct dt_status *st)
{
	const char *hname = fdt_get_name(b->fit, hnode, NULL), *algo_name;
	uint8_t digest[HASH_MAX_DIGEST_SIZE];
	enum hash_algo algo;
	const void *value;
	int len;

	if (bundle_prop_str(b->fit, hnode, "algo", &algo_name))
		return dt_fail(st, -EINVAL, "image '%s': %s: no algo", img->name, hname);
	algo = hash_algo_by_name(algo_name);
	if (algo == HASH_NONE)
		return dt_fail(st, -EINVAL, "image '%s': %s: algo = \"%.32s\": not supported (sha256 "
			    "or crc32)", img->name, hname, algo_name);
	value = fdt_getprop(b->fit, hnode, "value", &len);
	if (!value)
		return dt_fail(st, -EINVAL, "image '%s': %s: no value", img->name, hname);
	if ((size_t)len != hash_digest_size(algo))
		return dt_fail(st, -EINVAL, "image '%s': %s: value is %d bytes, a %s digest %lu",
			    img->name, hname, len, algo_name,
			    (unsigned long)hash_digest_size(algo));
	hash_compute(algo, img->data, img->size, digest);
	if (memcmp(digest, value, (size_t)len))
		return dt_fail(st, -EINVAL, "image '%s': %s: %s does not match the data (corrupt "
			    "or changed image)", img->name, hname, algo_name);
	img->hash_count++;
	return *st;
}

static struct dt_status check_hashes(struct bundle *b, int node, struct bundle_image *img,
				     struct dt_status *st)
{
	unsigned i;
	int sub;

	for (i = 0; i < b->hashed_count; i++)
		if (b->hashed[i] == node) {
			img->hash_count = b->hashed_hashes[i];
			return *st;
		}
	fdt_for_each_subnode(sub, b->fit, node) {
		const char *name = fdt_get_name(b->fit, sub, NULL);

		if (name && !strncmp(name, "hash", 4) && check_hash(b, sub, img, st).err)
			return *st;
	}
	if (b->hashed_count < BUNDLE_HASHED_MAX) {
		b->hashed[b->hashed_count] = node;
		b->hashed_hashes[b->hashed_count++] = img->hash_count;
	}
	return *st;
}

struct dt_status bundle_image_get(struct bundle *b, const char *name, struct bundle_image *img)
{
	static struct dt_status (*const steps[])(struct bundle *, int,
						   struct bundle_image *, struct dt_status *) = {
		get_data, get_strings, get_addresses, check_hashes,
	};
	struct dt_status st = { 0, "" };
	const char *node_name;
	size_t i;
	int node;

	memset(img, 0, sizeof(*img));
	node = fdt_subnode_offset(b->fit, b->images, name);
	if (node < 0)
		return dt_fail(&st, -ENOENT, "no image '%.*s' under /images", BUNDLE_NAME_MAX, name);
	node_name = fdt_get_name(b->fit, node, NULL);
	if (!node_name || strlen(node_name) >= sizeof(img->name))
		return dt_fail(&st, -EINVAL, "image '%.*s...': name longer than %d characters",
			    BUNDLE_NAME_MAX / 2, name, BUNDLE_NAME_MAX - 1);
	strcpy(img->name, node_name);
	for (i = 0; i < ARRAY_SIZE(steps) && !st.err; i++)
		st = steps[i](b, node, img, &st);
	return st;
}
