// SPDX-License-Identifier: MIT
/*
 * Host device tree to struct platform.  The DTB comes from outside (QEMU,
 * U-Boot, a person) and is checked whole before any value is used; every
 * failure names the node or property that is wrong.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "uapi/lowvisor.h"

struct dt_status dt_fail(struct dt_status *st, int err, const char *fmt, ...)
{
	va_list ap;

	st->err = err;
	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	return *st;
}

static __printf(2, 3) void warn(struct platform *p, const char *fmt, ...)
{
	va_list ap;

	if (p->warn_count >= PLAT_MAX_WARN)
		return;
	va_start(ap, fmt);
	vsnprintf(p->warn[p->warn_count++], sizeof(p->warn[0]), fmt, ap);
	va_end(ap);
}

/*
 * An index of the host DTB's nodes, made in the check's walk when
 * platform_parse or platform_find_uart starts: libfdt finds a node's
 * parent, path or compatible match by walking the tree from the root,
 * scanning every node name a byte at a time on the way, and parsing did
 * that some eighty times (2.9 ms of QEMU virt's 58 nodes).  Offsets in
 * order, so a node is found by binary search.  The index is the only way
 * this file finds nodes: a host DTB with more nodes or deeper than it holds
 * is refused, and it is kept for the host DTB's whole life (which never
 * changes), for dt_read_reg.  Other trees are only checked (dt_check).
 */
#define DT_INDEX_MAX 1024
#define DT_INDEX_DEPTH 32

struct dt_inode {
	int offset;
	int parent; /* -FDT_ERR_NOTFOUND for the root */
	const char *name;
	int name_len;
	const char *compat; /* NULL: none */
	int compat_len;
	const char *device_type; /* NULL: none */
	bool enabled; /* no "status", or "okay"/"ok" */
};

static struct {
	const void *fdt; /* NULL: no index */
	unsigned count;
	struct dt_inode node[DT_INDEX_MAX];
} dt_idx;

/* A NUL-terminated property value, or NULL. */
static const char *str_prop(const char *val, int len)
{
	return val && len > 0 && memchr(val, '\0', (size_t)len) ? val : NULL;
}

/* Adds node (at depth, named name) to the index being made by the check's
 * walk, which has made sure it has room; stack holds the offsets of its
 * ancestors by depth. */
static struct dt_inode *index_add(int node, int depth, const char *name, int name_len, int *stack)
{
	struct dt_inode *e = &dt_idx.node[dt_idx.count++];

	stack[depth] = node;
	*e = (struct dt_inode){ .offset = node, .name = name, .name_len = name_len,
				.parent = depth ? stack[depth - 1] : -FDT_ERR_NOTFOUND,
				.enabled = true };
	return e;
}

/* A property of e's node, for the index. */
static void index_prop(struct dt_inode *e, const char *name, const char *val, int len)
{
	if (!strcmp(name, "compatible")) {
		e->compat = val;
		e->compat_len = len;
	} else if (!strcmp(name, "status")) {
		val = str_prop(val, len);
		e->enabled = val && (!strcmp(val, "okay") || !strcmp(val, "ok"));
	} else if (!strcmp(name, "device_type")) {
		e->device_type = str_prop(val, len);
	}
}

static int inode_cmp(const void *key, const void *elem)
{
	int node = *(const int *)key, at = ((const struct dt_inode *)elem)->offset;

	return (node > at) - (node < at);
}

static const struct dt_inode *index_find(const void *fdt, int node)
{
	if (fdt != dt_idx.fdt)
		return NULL;
	return bsearch(&node, dt_idx.node, dt_idx.count, sizeof(dt_idx.node[0]), inode_cmp);
}

/* node's parent; a node of a tree not indexed (bad offset) has none. */
static int dt_parent(const void *fdt, int node)
{
	const struct dt_inode *e = index_find(fdt, node);

	return e ? e->parent : -FDT_ERR_BADOFFSET;
}

/* Whether node (one the index gave: next_child) is enabled and its
 * device_type is type. */
static bool node_is(const void *fdt, int node, const char *type)
{
	const struct dt_inode *e = index_find(fdt, node);

	return e->enabled && e->device_type && !strcmp(e->device_type, type);
}

/* Whether e is called name (n bytes), or name@unit: libfdt's rule for a
 * path component. */
static bool name_is(const struct dt_inode *e, const char *name, size_t n)
{
	size_t len = (size_t)e->name_len;

	return len >= n && !memcmp(e->name, name, n) &&
	       (len == n || (e->name[n] == '@' && !memchr(name, '@', n)));
}

/* The root's child called name (or name@unit), as fdt_path_offset("/name"). */
static int top_node(const char *name)
{
	const struct dt_inode *e;
	size_t n = strlen(name);

	for (e = dt_idx.node + 1; e < dt_idx.node + dt_idx.count; e++)
		if (e->parent == 0 && name_is(e, name, n))
			return e->offset;
	return -FDT_ERR_NOTFOUND;
}

/* node's children in order: first with child = -1, then the one before. */
static int next_child(const void *fdt, int parent, int child)
{
	const struct dt_inode *e = index_find(fdt, child < 0 ? parent : child);

	for (e++; e < dt_idx.node + dt_idx.count; e++)
		if (e->parent == parent)
			return e->offset;
	return -FDT_ERR_NOTFOUND;
}

#define for_each_child(child, fdt, parent)                                           \
	for ((child) = next_child(fdt, parent, -1); (child) >= 0;                      \
	     (child) = next_child(fdt, parent, child))

static void node_path(const void *fdt, int node, char *buf, size_t len)
{
	int chain[DT_INDEX_DEPTH], depth = 0, i;
	size_t at = 0;

	for (i = node; i > 0 && depth < DT_INDEX_DEPTH; i = dt_parent(fdt, i))
		chain[depth++] = i;
	snprintf(buf, len, "%s", depth ? "" : "/");
	while (depth-- > 0 && at < len) {
		const struct dt_inode *e = index_find(fdt, chain[depth]);
		int n = snprintf(buf + at, len - at, "/%.*s", e->name_len, e->name);

		at += n > 0 ? (size_t)n : 0;
	}
}

/* After the root node only NOPs may come before FDT_END.  Returns 0 or a
 * negative libfdt error. */
static int check_tail(const void *fdt, int offset)
{
	uint32_t tag;

	do {
		tag = fdt_next_tag(fdt, offset, &offset);
	} while (tag == FDT_NOP && offset >= 0);
	return tag == FDT_END && offset >= 0 ? 0 : -FDT_ERR_BADSTRUCTURE;
}

/* dt_check, and with index the index of the tree's nodes made on the way
 * (a tree it cannot hold refused). */
static struct dt_status check_walk(const void *fdt, size_t max_size, bool index)
{
	struct dt_status st = { 0, "" };
	int err, node, depth = 0, prop, stack[DT_INDEX_DEPTH];

	if (!fdt)
		return dt_fail(&st, -EINVAL, "no device tree (r2 = 0)");
	if (max_size < sizeof(struct fdt_header))
		return dt_fail(&st, -EINVAL, "DTB of %lu bytes is smaller than its header", (unsigned long)max_size);
	err = fdt_check_header(fdt);
	if (err)
		return dt_fail(&st, -EINVAL, "not a valid DTB header: %s", fdt_strerror(err));
	if (fdt_totalsize(fdt) > max_size)
		return dt_fail(&st, -EINVAL, "DTB claims %lu bytes, more than the %lu available",
			    (unsigned long)fdt_totalsize(fdt), (unsigned long)max_size);
	/* libfdt reads the blocks where the header puts them, as structures
	 * of words: aligned as the specification says, or that is undefined
	 * (and a fault on ARM for LDRD/LDM). */
	if (fdt_off_dt_struct(fdt) % 4)
		return dt_fail(&st, -EINVAL, "not a valid DTB header: structure block at offset "
			    "%lu is not 4-byte aligned", (unsigned long)fdt_off_dt_struct(fdt));
	if (fdt_off_mem_rsvmap(fdt) % 8)
		return dt_fail(&st, -EINVAL, "not a valid DTB header: reservation block at offset "
			    "%lu is not 8-byte aligned", (unsigned long)fdt_off_mem_rsvmap(fdt));

	/* Walk every node and property; libfdt checks tags, lengths and name
	 * offsets as it goes, so a corrupt structure block surfaces here. */
	if (index) {
		dt_idx.fdt = NULL;
		dt_idx.count = 0;
	}
	for (node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
		const char *name = fdt_get_name(fdt, node, &err);
		struct dt_inode *e;

		if (!name)
			return dt_fail(&st, -EINVAL, "corrupt DTB: bad node name at offset %d: %s",
				    node, fdt_strerror(err));
		if (index && depth >= DT_INDEX_DEPTH)
			return dt_fail(&st, -EINVAL, "DTB nests nodes deeper than %d levels, the most "
				    "Lowvisor reads", DT_INDEX_DEPTH);
		if (index && dt_idx.count == DT_INDEX_MAX)
			return dt_fail(&st, -EINVAL, "DTB has more than %d nodes, the most Lowvisor reads",
				    DT_INDEX_MAX);
		e = index ? index_add(node, depth, name, err, stack) : NULL;
		fdt_for_each_property_offset(prop, fdt, node) {
			const char *pname;
			int len;
			const char *val = fdt_getprop_by_offset(fdt, prop, &pname, &len);

			if (!val || !pname)
				return dt_fail(&st, -EINVAL,
					    "corrupt DTB: bad property at offset %d: %s", prop,
					    fdt_strerror(len < 0 ? len : -FDT_ERR_BADSTRUCTURE));
			if (e)
				index_prop(e, pname, val, len);
		}
		if (prop != -FDT_ERR_NOTFOUND)
			return dt_fail(&st, -EINVAL, "corrupt DTB: properties of node at offset %d: %s",
				    node, fdt_strerror(prop));
	}
	/* fdt_next_node() returns the offset after the root's FDT_END_NODE,
	 * with depth -1, once the root is closed; running out of tags first
	 * means the root was never closed. */
	if (node == -FDT_ERR_NOTFOUND)
		node = -FDT_ERR_TRUNCATED;
	else if (node >= 0)
		node = check_tail(fdt, node);
	if (node < 0)
		return dt_fail(&st, -EINVAL, "corrupt DTB: structure block: %s", fdt_strerror(node));
	if (index)
		dt_idx.fdt = fdt;
	return st;
}

struct dt_status dt_check(const void *fdt, size_t max_size)
{
	return check_walk(fdt, max_size, false);
}

/* The #address-cells and #size-cells node gives its children's reg; false
 * unless they are 1 or 2 and 0 to 2, what read_cells() takes. */
static bool reg_cells(const void *fdt, int node, int *ac, int *sc)
{
	*ac = fdt_address_cells(fdt, node);
	*sc = fdt_size_cells(fdt, node);
	return *ac >= 1 && *ac <= 2 && *sc >= 0 && *sc <= 2;
}

static uint64_t read_cells(const fdt32_t *cells, int count)
{
	uint64_t v = 0;

	while (count-- > 0)
		v = (v << 32) | fdt32_to_cpu(*cells++);
	return v;
}

/*
 * Translates an address on bus (a node's parent, indexed, and so are all
 * its ancestors) up to a CPU physical address through each ancestor's
 * "ranges".  Returns false when an ancestor has no ranges (the address is
 * not memory-mapped) or none match.
 */
static bool translate(const void *fdt, int bus, uint64_t *addr, uint64_t bytes)
{
	while (bus > 0) {
		int parent = dt_parent(fdt, bus);
		int pac = fdt_address_cells(fdt, parent);
		int ac, sc, len, step, i;
		const fdt32_t *r = fdt_getprop(fdt, bus, "ranges", &len);
		bool found = false;

		if (!r)
			return false;
		if (len == 0) { /* empty ranges: identity */
			bus = parent;
			continue;
		}
		if (!reg_cells(fdt, bus, &ac, &sc) || pac < 1 || pac > 2)
			return false;
		step = (ac + pac + sc) * 4;
		for (i = 0; i + step <= len; i += step) {
			const fdt32_t *e = r + i / 4;
			uint64_t child = read_cells(e, ac);
			uint64_t par = read_cells(e + ac, pac);
			uint64_t size = read_cells(e + ac + pac, sc);

			/* The whole of [addr, addr + bytes) inside the window. */
			if (*addr >= child && *addr - child < size &&
			    bytes <= size - (*addr - child)) {
				*addr = *addr - child + par;
				found = *addr >= par; /* not past the top */
				break;
			}
		}
		if (!found)
			return false;
		bus = parent;
	}
	return true;
}

/* Reads entry idx of node's reg, translated to a CPU physical address; a
 * node of a tree not indexed has no parent, so its reg is malformed. */
int dt_read_reg(const void *fdt, int node, int idx, struct mem_range *out)
{
	int parent = dt_parent(fdt, node), ac, sc, len;
	const fdt32_t *reg;

	if (!reg_cells(fdt, parent, &ac, &sc))
		return -EINVAL;
	reg = fdt_getprop(fdt, node, "reg", &len);
	if (!reg)
		return -ENOENT;
	if (len % ((ac + sc) * 4))
		return -EINVAL;
	if ((idx + 1) * (ac + sc) * 4 > len)
		return -ENOENT;
	reg += idx * (ac + sc);
	out->base = read_cells(reg, ac);
	out->size = read_cells(reg + ac, sc);
	if (!translate(fdt, parent, &out->base, out->size))
		return -EINVAL;
	/* Translated, it may end past the top of the address space. */
	return out->size && out->base + out->size < out->base ? -EINVAL : 0;
}

static int reg_count(const void *fdt, int node)
{
	int ac, sc, len;

	if (!reg_cells(fdt, dt_parent(fdt, node), &ac, &sc) || !fdt_getprop(fdt, node, "reg", &len))
		return 0;
	return len / ((ac + sc) * 4);
}

/* The first string of node's property name into dst ("" without one). */
static void copy_prop(char *dst, size_t len, const void *fdt, int node, const char *name)
{
	int srclen;
	const char *src = fdt_getprop(fdt, node, name, &srclen) ?: "";

	/* Stops at the value's end even without a NUL (with none, srclen < 0). */
	snprintf(dst, len, "%.*s", srclen, src);
}

static struct dt_status parse_memory(struct platform *p, const void *fdt, struct dt_status *st)
{
	int node, i, n;
	char path[PLAT_PATH_MAX];

	for_each_child(node, fdt, 0) {
		if (!node_is(fdt, node, "memory"))
			continue;
		n = reg_count(fdt, node);
		node_path(fdt, node, path, sizeof(path));
		if (n == 0)
			return dt_fail(st, -EINVAL, "%s: no usable reg property", path);
		for (i = 0; i < n; i++) {
			struct mem_range r;

			if (dt_read_reg(fdt, node, i, &r))
				return dt_fail(st, -EINVAL, "%s: reg entry %d is malformed", path, i);
			if (!r.size)
				continue;
			if (p->mem_count == PLAT_MAX_MEM) {
				warn(p, "%s: more than %d memory banks, rest ignored", path, PLAT_MAX_MEM);
				return *st;
			}
			p->mem[p->mem_count++] = r;
		}
	}
	if (!p->mem_count)
		return dt_fail(st, -ENOENT, "no memory: no node with device_type = \"memory\" and a reg");
	return *st;
}

static struct dt_status parse_cpus(struct platform *p, const void *fdt, struct dt_status *st)
{
	int cpus = top_node("cpus");
	int node, ac;
	char path[PLAT_PATH_MAX];

	if (cpus < 0)
		return dt_fail(st, -ENOENT, "no /cpus node");
	ac = fdt_address_cells(fdt, cpus);
	if (ac != 1 && ac != 2)
		return dt_fail(st, -EINVAL, "/cpus: #address-cells is %d, expected 1 or 2", ac);
	for_each_child(node, fdt, cpus) {
		const fdt32_t *reg;
		int len;

		if (!node_is(fdt, node, "cpu"))
			continue;
		reg = fdt_getprop(fdt, node, "reg", &len);
		if (!reg || len != ac * 4) {
			node_path(fdt, node, path, sizeof(path));
			return dt_fail(st, -EINVAL, "%s: reg missing or not %d cells", path, ac);
		}
		if (p->cpu_count == PLAT_MAX_CPUS) {
			warn(p, "more than %d CPUs in /cpus, rest ignored", PLAT_MAX_CPUS);
			break;
		}
		p->cpu_mpidr[p->cpu_count++] = (uint32_t)read_cells(reg, ac) & 0x00ffffffu;
	}
	if (!p->cpu_count)
		return dt_fail(st, -ENOENT, "/cpus has no cpu node");
	return *st;
}

static const char *const gic_compatibles[] = {
	"arm,cortex-a15-gic", "arm,cortex-a7-gic", "arm,gic-400", "arm,arm11mp-gic",
};

/* Decodes entry idx of an "interrupts" property with 3 cells per entry
 * (the GIC binding) into a GIC interrupt ID. */
int dt_gic_irq(const void *fdt, int node, int idx, uint32_t *id)
{
	int len;
	const fdt32_t *irq = fdt_getprop(fdt, node, "interrupts", &len);
	uint32_t type, num;

	if (!irq || len < (idx + 1) * 12)
		return -ENOENT;
	type = fdt32_to_cpu(irq[idx * 3]);
	num = fdt32_to_cpu(irq[idx * 3 + 1]);
	if (type == 1 && num < 16)
		*id = num + 16;
	else if (type == 0 && num < 988)
		*id = num + 32;
	else
		return -EINVAL;
	return 0;
}

/* The first enabled node compatible with list[0], else with list[1], ... */
static int find_compatible(const char *const *list, size_t n)
{
	const struct dt_inode *e;
	size_t i;

	for (i = 0; i < n; i++)
		for (e = dt_idx.node; e < dt_idx.node + dt_idx.count; e++)
			if (e->enabled && e->compat &&
			    fdt_stringlist_contains(e->compat, e->compat_len, list[i]))
				return e->offset;
	return -FDT_ERR_NOTFOUND;
}

static struct dt_status parse_gic(struct platform *p, const void *fdt, struct dt_status *st)
{
	int node = find_compatible(gic_compatibles, ARRAY_SIZE(gic_compatibles));
	struct plat_gic *g = &p->gic;
	struct mem_range *regs[4] = { &g->gicd, &g->gicc, &g->gich, &g->gicv };
	int i, n;

	if (node < 0)
		return dt_fail(st, -ENOENT, "no GICv2 node (compatible \"arm,cortex-a15-gic\" or alike)");
	node_path(fdt, node, g->path, sizeof(g->path));
	n = reg_count(fdt, node);
	if (n < 2)
		return dt_fail(st, -EINVAL, "%s: reg must give GICD and GICC", g->path);
	if (n < 4)
		return dt_fail(st, -ENODEV, "%s: reg has no GICH and GICV regions: this GIC has no "
			    "virtualization extensions (on QEMU use -M virt,virtualization=on)",
			    g->path);
	for (i = 0; i < 4; i++)
		if (dt_read_reg(fdt, node, i, regs[i]) || !regs[i]->size)
			return dt_fail(st, -EINVAL, "%s: reg entry %d is malformed", g->path, i);
	if (dt_gic_irq(fdt, node, 0, &g->maint_irq))
		return dt_fail(st, -EINVAL, "%s: no maintenance interrupt in \"interrupts\"", g->path);
	return *st;
}

static const char *const timer_compatibles[] = { "arm,armv7-timer", "arm,armv8-timer" };

static struct dt_status parse_timer(struct platform *p, const void *fdt, struct dt_status *st)
{
	int node = find_compatible(timer_compatibles, ARRAY_SIZE(timer_compatibles));
	uint32_t *irqs[4] = { &p->timer.sec_irq, &p->timer.nonsec_irq, &p->timer.virt_irq,
			      &p->timer.hyp_irq };
	const fdt32_t *freq;
	char path[PLAT_PATH_MAX];
	int i, len;

	if (node < 0)
		return dt_fail(st, -ENOENT, "no generic timer node (compatible \"arm,armv7-timer\")");
	for (i = 0; i < 4; i++)
		if (dt_gic_irq(fdt, node, i, irqs[i]) || *irqs[i] < 16 || *irqs[i] >= 32) {
			node_path(fdt, node, path, sizeof(path)); /* a walk: errors only */
			return dt_fail(st, -EINVAL, "%s: interrupt %d (of secure, non-secure, virtual, hyp) "
				    "missing or not a PPI", path, i);
		}
	freq = fdt_getprop(fdt, node, "clock-frequency", &len);
	if (freq && len == 4)
		p->timer.freq = fdt32_to_cpu(*freq);
	return *st;
}

/* fdt_path_offset_namelen: path (n bytes), absolute or starting with an
 * alias; aliases are followed once (aliased is how many times so far). */
static int path_offset(const void *fdt, const char *path, int n, int aliased)
{
	const char *end = path + n, *p = path;
	int node = 0;

	if (n > 0 && *p != '/') {
		const char *q = memchr(p, '/', (size_t)n);
		int aliases = top_node("aliases"), len;
		const char *target;

		if (!q)
			q = end;
		target = aliases < 0 ? NULL : fdt_getprop_namelen(fdt, aliases, p, (int)(q - p), &len);
		if (aliased || !str_prop(target, len) || target[0] != '/')
			return -FDT_ERR_BADPATH;
		node = path_offset(fdt, target, len - 1, aliased + 1);
		p = q;
	}
	while (node >= 0 && p < end) {
		const char *q;
		int child;

		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		q = memchr(p, '/', (size_t)(end - p));
		if (!q)
			q = end;
		for_each_child(child, fdt, node)
			if (name_is(index_find(fdt, child), p, (size_t)(q - p)))
				break;
		node = child;
		p = q;
	}
	return node;
}

/* Resolves /chosen/stdout-path (an alias or a path, with ":options"). */
static int stdout_node(const void *fdt)
{
	int chosen = top_node("chosen");
	const char *s;
	int len;

	if (chosen < 0)
		return -FDT_ERR_NOTFOUND;
	s = fdt_getprop(fdt, chosen, "stdout-path", &len);
	if (!s)
		s = fdt_getprop(fdt, chosen, "linux,stdout-path", &len);
	s = str_prop(s, len);
	return s ? path_offset(fdt, s, (int)strcspn(s, ":"), 0) : -FDT_ERR_NOTFOUND;
}

/* platform_find_uart on a DTB already checked. */
static int find_uart(const void *fdt, struct plat_uart *uart)
{
	static const char *const pl011[] = { "arm,pl011" };
	int node = stdout_node(fdt);

	if (node < 0)
		node = find_compatible(pl011, 1);
	if (node < 0)
		return -ENOENT;
	node_path(fdt, node, uart->path, sizeof(uart->path));
	if (fdt_node_check_compatible(fdt, node, "arm,pl011"))
		return -ENODEV;
	if (dt_read_reg(fdt, node, 0, &uart->regs))
		return -EINVAL;
	if (dt_gic_irq(fdt, node, 0, &uart->irq))
		uart->irq = 0;
	return 0;
}

int platform_find_uart(const void *fdt, size_t max_size, struct plat_uart *uart)
{
	if (check_walk(fdt, max_size, true).err)
		return -EINVAL;
	return find_uart(fdt, uart);
}

static struct dt_status parse_uart(struct platform *p, const void *fdt, struct dt_status *st)
{
	int err = find_uart(fdt, &p->uart);

	if (err == -ENOENT)
		return dt_fail(st, err, "no console: /chosen/stdout-path is missing and there is no "
			    "arm,pl011 node");
	if (err == -ENODEV)
		return dt_fail(st, err, "console %s is not an arm,pl011 (the only UART Lowvisor drives)",
			    p->uart.path);
	if (err)
		return dt_fail(st, err, "console %s: reg is malformed", p->uart.path);
	return *st;
}

static struct dt_status parse_psci(struct platform *p, const void *fdt, struct dt_status *st)
{
	static const char *const compat[] = { "arm,psci-1.0", "arm,psci-0.2", "arm,psci" };
	int node = find_compatible(compat, ARRAY_SIZE(compat));
	const char *method;
	const fdt32_t *v;
	int len;

	if (node < 0) { /* conduit stays PSCI_CONDUIT_NONE */
		warn(p, "no PSCI node: secondary CPUs cannot be started");
		return *st;
	}
	method = fdt_getprop(fdt, node, "method", &len);
	if (method && !strcmp(method, "smc"))
		p->psci.conduit = PSCI_CONDUIT_SMC;
	else if (method && !strcmp(method, "hvc"))
		p->psci.conduit = PSCI_CONDUIT_HVC;
	else
		return dt_fail(st, -EINVAL, "PSCI node: method must be \"smc\" or \"hvc\"");
	p->psci.cpu_on = PSCI_0_2_FN_CPU_ON;
	v = fdt_getprop(fdt, node, "cpu_on", &len);
	if (v && len == 4)
		p->psci.cpu_on = fdt32_to_cpu(*v);
	return *st;
}

static void add_resv(struct platform *p, uint64_t base, uint64_t size, const char *what)
{
	if (!size)
		return;
	if (p->resv_count == PLAT_MAX_RESV) {
		warn(p, "more than %d reserved ranges; %s not honoured", PLAT_MAX_RESV, what);
		return;
	}
	p->resv[p->resv_count++] = (struct mem_range){ base, size };
}

static struct dt_status parse_chosen(struct platform *p, const void *fdt, struct dt_status *st)
{
	int chosen = top_node("chosen");
	const fdt32_t *s, *e;
	int slen, elen;

	if (chosen < 0)
		return *st;
	copy_prop(p->bootargs, sizeof(p->bootargs), fdt, chosen, "bootargs");
	s = fdt_getprop(fdt, chosen, "linux,initrd-start", &slen);
	e = fdt_getprop(fdt, chosen, "linux,initrd-end", &elen);
	if (!s && !e)
		return *st;
	if (!s || !e || (slen != 4 && slen != 8) || (elen != 4 && elen != 8))
		return dt_fail(st, -EINVAL, "/chosen: linux,initrd-start/end must both be 1 or 2 cells");
	p->initrd.base = read_cells(s, slen / 4);
	p->initrd.size = read_cells(e, elen / 4) - p->initrd.base;
	if (read_cells(e, elen / 4) < p->initrd.base)
		return dt_fail(st, -EINVAL, "/chosen: linux,initrd-end is below linux,initrd-start");
	p->has_initrd = p->initrd.size != 0;
	return *st;
}

static struct dt_status parse_reserved(struct platform *p, const void *fdt, struct dt_status *st)
{
	int i, n = fdt_num_mem_rsv(fdt), node, rm;

	for (i = 0; i < n; i++) {
		uint64_t base, size;

		if (fdt_get_mem_rsv(fdt, i, &base, &size) == 0)
			add_resv(p, base, size, "/memreserve/");
	}
	rm = top_node("reserved-memory");
	if (rm < 0)
		return *st;
	for_each_child(node, fdt, rm) {
		char path[PLAT_PATH_MAX];
		int j, count = reg_count(fdt, node);

		node_path(fdt, node, path, sizeof(path));
		if (!count && index_find(fdt, node)->enabled) {
			warn(p, "%s: no reg (dynamic reservations are not supported)", path);
			continue;
		}
		for (j = 0; j < count; j++) {
			struct mem_range r;

			if (dt_read_reg(fdt, node, j, &r))
				return dt_fail(st, -EINVAL, "%s: reg entry %d is malformed", path, j);
			add_resv(p, r.base, r.size, path);
		}
	}
	return *st;
}

struct dt_status platform_parse(struct platform *p, const void *fdt, size_t max_size)
{
	static struct dt_status (*const steps[])(struct platform *, const void *,
						   struct dt_status *) = {
		parse_memory, parse_cpus, parse_gic, parse_timer,
		parse_uart,   parse_psci, parse_chosen, parse_reserved,
	};
	struct dt_status st = check_walk(fdt, max_size, true);
	size_t i;

	memset(p, 0, sizeof(*p));
	if (st.err)
		return st;
	p->dtb_size = fdt_totalsize(fdt);
	copy_prop(p->model, sizeof(p->model), fdt, 0, "model");
	copy_prop(p->compatible, sizeof(p->compatible), fdt, 0, "compatible");
	for (i = 0; i < ARRAY_SIZE(steps) && !st.err; i++)
		st = steps[i](p, fdt, &st);
	return st;
}
