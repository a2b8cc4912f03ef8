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
#include <string.h>

#include "platform.h"

#define PSCI_0_2_CPU_ON 0x84000003u
#define PSCI_0_2_CPU_OFF 0x84000002u

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

static void node_path(const void *fdt, int node, char *buf, size_t len)
{
	if (fdt_get_path(fdt, node, buf, (int)len) < 0)
		snprintf(buf, len, "(node at offset %d)", node);
}

/* After the root node only NOPs may come before FDT_END.  Returns 0 or a
 * negative libfdt error. */
static int check_tail(const void *fdt, int offset)
{
	uint32_t tag;
	int next = offset;

	do {
		offset = next;
		tag = fdt_next_tag(fdt, offset, &next);
	} while (tag == FDT_NOP && next >= 0);
	if (tag != FDT_END || next < 0)
		return -FDT_ERR_BADSTRUCTURE;
	return 0;
}

struct dt_status dt_check(const void *fdt, size_t max_size)
{
	struct dt_status st = { 0, "" };
	int err, node, depth = 0, prop;

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

	/* Walk every node and property; libfdt checks tags, lengths and name
	 * offsets as it goes, so a corrupt structure block surfaces here. */
	for (node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
		if (!fdt_get_name(fdt, node, &err))
			return dt_fail(&st, -EINVAL, "corrupt DTB: bad node name at offset %d: %s",
				    node, fdt_strerror(err));
		fdt_for_each_property_offset(prop, fdt, node) {
			const char *name;
			int len;

			if (!fdt_getprop_by_offset(fdt, prop, &name, &len) || !name)
				return dt_fail(&st, -EINVAL,
					    "corrupt DTB: bad property at offset %d: %s", prop,
					    fdt_strerror(len < 0 ? len : -FDT_ERR_BADSTRUCTURE));
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
	return st;
}

static uint64_t read_cells(const fdt32_t *cells, int count)
{
	uint64_t v = 0;

	while (count-- > 0)
		v = (v << 32) | fdt32_to_cpu(*cells++);
	return v;
}

/*
 * Translates an address on bus (a node's parent) up to a CPU physical
 * address through each ancestor's "ranges".  Returns false when an
 * ancestor has no ranges (the address is not memory-mapped) or none match.
 * (libfdt finds a parent by walking from the root: callers look it up once
 * per node, not per reg entry.)
 */
static bool translate(const void *fdt, int bus, uint64_t *addr)
{
	while (bus > 0) {
		int parent = fdt_parent_offset(fdt, bus);
		int ac = fdt_address_cells(fdt, bus);
		int pac = fdt_address_cells(fdt, parent < 0 ? 0 : parent);
		int sc = fdt_size_cells(fdt, bus);
		const fdt32_t *r;
		int len, step, i;
		bool found = false;

		if (parent < 0)
			break;
		r = fdt_getprop(fdt, bus, "ranges", &len);
		if (!r)
			return false;
		if (len == 0) { /* empty ranges: identity */
			bus = parent;
			continue;
		}
		if (ac < 1 || ac > 2 || pac < 1 || pac > 2 || sc < 0 || sc > 2)
			return false;
		step = (ac + pac + sc) * 4;
		for (i = 0; i + step <= len; i += step) {
			const fdt32_t *e = r + i / 4;
			uint64_t child = read_cells(e, ac);
			uint64_t par = read_cells(e + ac, pac);
			uint64_t size = read_cells(e + ac + pac, sc);

			if (*addr >= child && *addr - child < size) {
				*addr = *addr - child + par;
				found = true;
				break;
			}
		}
		if (!found)
			return false;
		bus = parent;
	}
	return true;
}

/* Entry idx of node's reg, whose parent is parent, translated. */
static int read_reg(const void *fdt, int node, int parent, int idx, struct mem_range *out)
{
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	const fdt32_t *reg;
	int len;

	if (ac < 1 || ac > 2 || sc < 0 || sc > 2)
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
	if (out->size && out->base + out->size < out->base)
		return -EINVAL;
	return translate(fdt, parent, &out->base) ? 0 : -EINVAL;
}

/* Reads entry idx of node's reg, translated to a CPU physical address. */
int dt_read_reg(const void *fdt, int node, int idx, struct mem_range *out)
{
	return read_reg(fdt, node, fdt_parent_offset(fdt, node), idx, out);
}

static int reg_count(const void *fdt, int node, int parent)
{
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	int len;

	if (ac < 1 || ac > 2 || sc < 0 || sc > 2 || !fdt_getprop(fdt, node, "reg", &len))
		return 0;
	return len / ((ac + sc) * 4);
}

static bool node_enabled(const void *fdt, int node)
{
	const char *s = fdt_getprop(fdt, node, "status", NULL);

	return !s || !strcmp(s, "okay") || !strcmp(s, "ok");
}

static void copy_str(char *dst, size_t len, const char *src, int srclen)
{
	size_t n = srclen > 0 ? strnlen(src, (size_t)srclen) : 0;

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static struct dt_status parse_memory(struct platform *p, const void *fdt, struct dt_status *st)
{
	int node, i, n;
	char path[PLAT_PATH_MAX];

	fdt_for_each_subnode(node, fdt, 0) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);

		if (!type || strcmp(type, "memory") || !node_enabled(fdt, node))
			continue;
		n = reg_count(fdt, node, 0);
		node_path(fdt, node, path, sizeof(path));
		if (n == 0)
			return dt_fail(st, -EINVAL, "%s: no usable reg property", path);
		for (i = 0; i < n; i++) {
			struct mem_range r;

			if (read_reg(fdt, node, 0, i, &r))
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
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node, ac;
	char path[PLAT_PATH_MAX];

	if (cpus < 0)
		return dt_fail(st, -ENOENT, "no /cpus node");
	ac = fdt_address_cells(fdt, cpus);
	if (ac != 1 && ac != 2)
		return dt_fail(st, -EINVAL, "/cpus: #address-cells is %d, expected 1 or 2", ac);
	fdt_for_each_subnode(node, fdt, cpus) {
		const char *type = fdt_getprop(fdt, node, "device_type", NULL);
		const fdt32_t *reg;
		int len;

		if (!type || strcmp(type, "cpu") || !node_enabled(fdt, node))
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
	const fdt32_t *irq;
	int len;
	uint32_t type, num;

	irq = fdt_getprop(fdt, node, "interrupts", &len);
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

static int find_compatible(const void *fdt, const char *const *list, size_t n)
{
	size_t i;
	int node;

	for (i = 0; i < n; i++) {
		node = fdt_node_offset_by_compatible(fdt, -1, list[i]);
		while (node >= 0 && !node_enabled(fdt, node))
			node = fdt_node_offset_by_compatible(fdt, node, list[i]);
		if (node >= 0)
			return node;
	}
	return -FDT_ERR_NOTFOUND;
}

static struct dt_status parse_gic(struct platform *p, const void *fdt, struct dt_status *st)
{
	int node = find_compatible(fdt, gic_compatibles, ARRAY_SIZE(gic_compatibles));
	struct plat_gic *g = &p->gic;
	struct mem_range *regs[4] = { &g->gicd, &g->gicc, &g->gich, &g->gicv };
	int i, n, parent;

	if (node < 0)
		return dt_fail(st, -ENOENT, "no GICv2 node (compatible \"arm,cortex-a15-gic\" or alike)");
	node_path(fdt, node, g->path, sizeof(g->path));
	parent = fdt_parent_offset(fdt, node);
	n = reg_count(fdt, node, parent);
	if (n < 2)
		return dt_fail(st, -EINVAL, "%s: reg must give GICD and GICC", g->path);
	if (n < 4)
		return dt_fail(st, -ENODEV,
			    "%s: reg has no GICH and GICV regions: this GIC has no "
			    "virtualization extensions (on QEMU use -M virt,virtualization=on)",
			    g->path);
	for (i = 0; i < 4; i++)
		if (read_reg(fdt, node, parent, i, regs[i]) || !regs[i]->size)
			return dt_fail(st, -EINVAL, "%s: reg entry %d is malformed", g->path, i);
	if (dt_gic_irq(fdt, node, 0, &g->maint_irq))
		return dt_fail(st, -EINVAL, "%s: no maintenance interrupt in \"interrupts\"", g->path);
	return *st;
}

static const char *const timer_compatibles[] = { "arm,armv7-timer", "arm,armv8-timer" };

static struct dt_status parse_timer(struct platform *p, const void *fdt, struct dt_status *st)
{
	int node = find_compatible(fdt, timer_compatibles, ARRAY_SIZE(timer_compatibles));
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

/* Resolves /chosen/stdout-path (an alias or a path, with ":options"). */
static int stdout_node(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");
	const char *s;
	int len, n;

	if (chosen < 0)
		return -FDT_ERR_NOTFOUND;
	s = fdt_getprop(fdt, chosen, "stdout-path", &len);
	if (!s)
		s = fdt_getprop(fdt, chosen, "linux,stdout-path", &len);
	if (!s || len < 1)
		return -FDT_ERR_NOTFOUND;
	n = (int)strnlen(s, (size_t)len);
	if (memchr(s, ':', (size_t)n))
		n = (int)((const char *)memchr(s, ':', (size_t)n) - s);
	return fdt_path_offset_namelen(fdt, s, n);
}

/* platform_find_uart on a DTB already checked. */
static int find_uart(const void *fdt, struct plat_uart *uart)
{
	int node = stdout_node(fdt);

	if (node < 0) {
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
		while (node >= 0 && !node_enabled(fdt, node))
			node = fdt_node_offset_by_compatible(fdt, node, "arm,pl011");
	}
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
	if (dt_check(fdt, max_size).err)
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
	int node = find_compatible(fdt, compat, ARRAY_SIZE(compat));
	const char *method;
	const fdt32_t *v;
	int len;

	p->psci.conduit = PSCI_CONDUIT_NONE;
	if (node < 0) {
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
	p->psci.version_known = !fdt_node_check_compatible(fdt, node, "arm,psci-0.2") ||
				!fdt_node_check_compatible(fdt, node, "arm,psci-1.0");
	p->psci.cpu_on = PSCI_0_2_CPU_ON;
	p->psci.cpu_off = PSCI_0_2_CPU_OFF;
	v = fdt_getprop(fdt, node, "cpu_on", &len);
	if (v && len == 4)
		p->psci.cpu_on = fdt32_to_cpu(*v);
	v = fdt_getprop(fdt, node, "cpu_off", &len);
	if (v && len == 4)
		p->psci.cpu_off = fdt32_to_cpu(*v);
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
	int chosen = fdt_path_offset(fdt, "/chosen");
	const fdt32_t *s, *e;
	const char *args;
	int slen, elen, len;

	if (chosen < 0)
		return *st;
	args = fdt_getprop(fdt, chosen, "bootargs", &len);
	if (args)
		copy_str(p->bootargs, sizeof(p->bootargs), args, len);
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
	rm = fdt_path_offset(fdt, "/reserved-memory");
	if (rm < 0)
		return *st;
	fdt_for_each_subnode(node, fdt, rm) {
		char path[PLAT_PATH_MAX];
		int j, count = reg_count(fdt, node, rm);

		node_path(fdt, node, path, sizeof(path));
		if (!count && node_enabled(fdt, node)) {
			warn(p, "%s: no reg (dynamic reservations are not supported)", path);
			continue;
		}
		for (j = 0; j < count; j++) {
			struct mem_range r;

			if (read_reg(fdt, node, rm, j, &r))
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
	struct dt_status st;
	const char *s;
	int len;
	size_t i;

	memset(p, 0, sizeof(*p));
	st = dt_check(fdt, max_size);
	if (st.err)
		return st;
	p->dtb_size = fdt_totalsize(fdt);
	s = fdt_getprop(fdt, 0, "model", &len);
	if (s)
		copy_str(p->model, sizeof(p->model), s, len);
	s = fdt_getprop(fdt, 0, "compatible", &len);
	if (s)
		copy_str(p->compatible, sizeof(p->compatible), s, len);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		st = steps[i](p, fdt, &st);
		if (st.err)
			return st;
	}
	return st;
}
