// SPDX-License-Identifier: MIT
/*
 * A read-only flattened device tree walker: just enough to find a
 * property by path.  Every read is bounds-checked against the header and
 * done byte by byte (the MMU is off, and the DTB is big-endian).
 */
#include "guest.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define FDT_MAX_DEPTH 8

uint32_t fdt_cell(const void *val, uint32_t index)
{
	const uint8_t *b = (const uint8_t *)val + 4 * index;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static uint32_t hdr(const void *fdt, uint32_t field)
{
	return fdt_cell(fdt, field);
}

bool fdt_valid(const void *fdt)
{
	uint32_t size;

	if (!fdt || ((uintptr_t)fdt & 3) || hdr(fdt, 0) != FDT_MAGIC)
		return false;
	size = hdr(fdt, 1);
	return size >= 40 && size <= (16u << 20) && hdr(fdt, 5) >= 16 &&
	       hdr(fdt, 2) < size && hdr(fdt, 3) < size &&
	       hdr(fdt, 2) + hdr(fdt, 9) <= size &&
	       hdr(fdt, 3) + hdr(fdt, 8) <= size;
}

uint32_t fdt_totalsize(const void *fdt)
{
	return fdt_valid(fdt) ? hdr(fdt, 1) : 0;
}

/* Called for each property; returns false to stop the walk.  path[i] are
 * the names of the nodes from the root's child down (depth of them). */
typedef bool (*fdt_visit_t)(const char *const *path, int depth,
			    const char *name, const void *val, uint32_t len,
			    void *arg);

static void fdt_walk(const void *fdt, fdt_visit_t visit, void *arg)
{
	const char *base = fdt, *strings = base + hdr(fdt, 3);
	uint32_t off = hdr(fdt, 2), end = off + hdr(fdt, 9);
	uint32_t strings_size = hdr(fdt, 8);
	const char *path[FDT_MAX_DEPTH];
	int depth = -1; /* the root node is depth 0: no path component */

	while (off + 4 <= end) {
		uint32_t tag = fdt_cell(base + off, 0);

		off += 4;
		if (tag == FDT_BEGIN_NODE) {
			const char *name = base + off;
			uint32_t n = 0;

			while (off + n < end && name[n])
				n++;
			if (off + n >= end)
				return;
			off += (n + 4) & ~3u;
			if (++depth > 0 && depth <= FDT_MAX_DEPTH)
				path[depth - 1] = name;
		} else if (tag == FDT_END_NODE) {
			if (--depth < 0)
				return;
		} else if (tag == FDT_PROP && off + 8 <= end) {
			uint32_t len = fdt_cell(base + off, 0);
			uint32_t nameoff = fdt_cell(base + off, 1);

			off += 8;
			if (len > end - off || nameoff >= strings_size)
				return;
			if (depth >= 0 && depth <= FDT_MAX_DEPTH &&
			    !visit(path, depth, strings + nameoff, base + off,
				   len, arg))
				return;
			off += (len + 3) & ~3u;
		} else if (tag != FDT_NOP) {
			return; /* FDT_END, or garbage */
		}
	}
}

/* "memory" matches the node "memory" and "memory@40000000". */
static bool node_matches(const char *node, const char *comp, size_t len)
{
	return !strncmp(node, comp, len) &&
	       (node[len] == '\0' || node[len] == '@');
}

struct getprop_arg {
	const char *path, *prop;
	const void *val;
	uint32_t len;
};

static bool path_matches(const char *const *nodes, int depth, const char *path)
{
	int i = 0;

	for (const char *p = path; *p;) {
		const char *comp = p + 1, *next = comp;

		if (*p != '/')
			return false;
		while (*next && *next != '/')
			next++;
		if (next == comp) /* "/" alone, or a trailing slash */
			break;
		if (i >= depth || !node_matches(nodes[i], comp, (size_t)(next - comp)))
			return false;
		i++;
		p = next;
	}
	return i == depth;
}

static bool getprop_visit(const char *const *path, int depth, const char *name,
			  const void *val, uint32_t len, void *arg)
{
	struct getprop_arg *a = arg;

	if (strcmp(name, a->prop) || !path_matches(path, depth, a->path))
		return true;
	a->val = val;
	a->len = len;
	return false;
}

const void *fdt_getprop(const void *fdt, const char *path, const char *prop,
			uint32_t *len)
{
	struct getprop_arg a = { .path = path, .prop = prop };

	if (!fdt_valid(fdt))
		return NULL;
	fdt_walk(fdt, getprop_visit, &a);
	if (a.val && len)
		*len = a.len;
	return a.val;
}

static uint32_t root_cells(const void *fdt, const char *prop, uint32_t dflt)
{
	uint32_t len;
	const void *v = fdt_getprop(fdt, "/", prop, &len);

	return v && len == 4 ? fdt_cell(v, 0) : dflt;
}

/* A number of 1 or 2 cells. */
static uint64_t read_cells(const void *val, uint32_t first, uint32_t count)
{
	uint64_t v = fdt_cell(val, first);

	return count == 2 ? v << 32 | fdt_cell(val, first + 1) : v;
}

bool fdt_memory(const void *fdt, uint64_t *base, uint64_t *size)
{
	uint32_t ac = root_cells(fdt, "#address-cells", 2);
	uint32_t sc = root_cells(fdt, "#size-cells", 1);
	uint32_t len;
	const void *reg = fdt_getprop(fdt, "/memory", "reg", &len);

	if (!reg || ac < 1 || ac > 2 || sc < 1 || sc > 2 || len < 4 * (ac + sc))
		return false;
	*base = read_cells(reg, 0, ac);
	*size = read_cells(reg, ac, sc);
	return true;
}

struct cpus_arg {
	uint32_t *mpidrs;
	int max, count;
};

static bool cpus_visit(const char *const *path, int depth, const char *name,
		       const void *val, uint32_t len, void *arg)
{
	struct cpus_arg *a = arg;

	if (depth != 2 || strcmp(path[0], "cpus") || strcmp(name, "reg") ||
	    !node_matches(path[1], "cpu", 3) || len < 4)
		return true;
	if (a->count < a->max)
		a->mpidrs[a->count] = fdt_cell(val, len / 4 - 1);
	a->count++;
	return true;
}

int fdt_cpus(const void *fdt, uint32_t *mpidrs, int max)
{
	struct cpus_arg a = { .mpidrs = mpidrs, .max = max };

	if (!fdt_valid(fdt))
		return 0;
	fdt_walk(fdt, cpus_visit, &a);
	return a.count;
}
