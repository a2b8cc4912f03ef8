// SPDX-License-Identifier: MIT
/*
 * What passthrough may hand a guest.  A passthrough node's reg entries are
 * mapped at stage 2 in whole pages, so every page must be a device's and
 * no one else's: not RAM (the hypervisor's, another VM's), not the GIC or
 * UART Lowvisor drives, not the DTB, the bundle or Lowvisor's image.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "config.h"

static __printf(4, 5) int fail(char *why, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return err;
}

/* Whether the pages reg entry r is mapped in touch b. */
static bool pages_touch(struct mem_range r, const struct mem_range *b)
{
	uint64_t base = ALIGN_DOWN(r.base, PAGE_SIZE);

	return b->size && ranges_overlap(base, ALIGN_UP(r.base + r.size, PAGE_SIZE) - base,
					 b->base, b->size);
}

/* The platform's ranges Lowvisor drives, by their place in struct platform. */
static const struct {
	const char *what;
	unsigned short off;
} plat_ranges[] = {
	{ "the GIC distributor", offsetof(struct platform, gic.gicd) },
	{ "the GIC CPU interface", offsetof(struct platform, gic.gicc) },
	{ "the GIC hypervisor interface", offsetof(struct platform, gic.gich) },
	{ "the GIC virtual CPU interface", offsetof(struct platform, gic.gicv) },
	{ "the console UART", offsetof(struct platform, uart.regs) },
};

/* Range k of those, p's RAM banks and avoid[0..n), in *out; false past
 * the last. */
static bool range_at(const struct platform *p, const struct pt_avoid *avoid, unsigned n,
		     unsigned k, struct pt_avoid *out)
{
	if (k < ARRAY_SIZE(plat_ranges))
		*out = (struct pt_avoid){ plat_ranges[k].what,
					  *(const struct mem_range *)((const char *)p +
								      plat_ranges[k].off) };
	else if ((k -= ARRAY_SIZE(plat_ranges)) < p->mem_count)
		*out = (struct pt_avoid){ "RAM", p->mem[k] };
	else if ((k -= p->mem_count) < n)
		*out = avoid[k];
	else
		return false;
	return true;
}

/* What node or one above it is that makes it no device, or NULL. */
static const char *not_device(const void *fdt, const struct platform *p, int node, int *at)
{
	int rm = fdt_path_offset(fdt, "/reserved-memory"), gic = fdt_path_offset(fdt, p->gic.path);
	const char *type;
	int len;

	for (*at = node; *at > 0; *at = fdt_parent_offset(fdt, *at)) {
		type = fdt_getprop(fdt, *at, "device_type", &len);
		if (type && fdt_stringlist_contains(type, len, "memory"))
			return "RAM (device_type \"memory\")";
		if (*at == rm)
			return "reserved memory";
		if (*at == gic)
			return "the GIC Lowvisor uses";
	}
	return node ? NULL : "the root of the host DT";
}

int passthrough_check(const void *fdt, const struct platform *p, const char *path,
		      const struct pt_avoid *avoid, unsigned n, char *why, size_t len)
{
	int node = fdt_path_offset(fdt, path), at, i, err, slen;
	const char *what, *status;
	struct mem_range r;
	struct pt_avoid a;
	unsigned k;

	if (node < 0)
		return fail(why, len, -ENOENT, "no node %s in the host DT", path);
	what = not_device(fdt, p, node, &at);
	if (what)
		return fail(why, len, -EINVAL, "%s: is %s%s, not a device", path,
			    at == node ? "" : "in ", what);
	status = fdt_getprop(fdt, node, "status", &slen);
	if (status && !fdt_stringlist_contains(status, slen, "okay") &&
	    !fdt_stringlist_contains(status, slen, "ok"))
		return fail(why, len, -EINVAL, "%s: is disabled (status = \"%.*s\")", path,
			    (int)strnlen(status, (size_t)slen), status);
	for (i = 0; !(err = dt_read_reg(fdt, node, i, &r)); i++)
		for (k = 0; range_at(p, avoid, n, k, &a); k++)
			if (pages_touch(r, &a.r))
				return fail(why, len, -EBUSY, "%s: reg %d (%s + %s): its pages overlap "
					    "%s at %s + %s", path, i, HEX64(r.base), HEX64(r.size),
					    a.what, HEX64(a.r.base), HEX64(a.r.size));
	if (err == -ENOENT && !i)
		return fail(why, len, -EINVAL, "%s: has no reg: only a device with registers can "
			    "be passed through", path);
	if (err != -ENOENT)
		return fail(why, len, -EINVAL, "%s: reg %d cannot be read (malformed, or no "
			    "physical address through its buses' ranges)", path, i);
	return node;
}

bool passthrough_shared_page(const void *fdt, int a, int b, uint64_t *page)
{
	struct mem_range ra, rb;
	int i, j;

	for (i = 0; !dt_read_reg(fdt, a, i, &ra); i++)
		for (j = 0; !dt_read_reg(fdt, b, j, &rb); j++) {
			uint64_t base = ALIGN_DOWN(rb.base, PAGE_SIZE);

			rb = (struct mem_range){ base, ALIGN_UP(rb.base + rb.size, PAGE_SIZE) - base };
			if (pages_touch(ra, &rb)) {
				base = ALIGN_DOWN(ra.base, PAGE_SIZE);
				*page = base > rb.base ? base : rb.base;
				return true;
			}
		}
	return false;
}
