// SPDX-License-Identifier: MIT
/*
 * The bundle's /lowvisor node to struct system_config and struct vm_config.
 * Each VM is parsed by a list of independent steps, so one run reports every
 * problem of a VM, each in its own message naming the VM and the property;
 * the placement of its images (see config.h) is computed only for a VM whose
 * steps all passed.
 */
#include <errno.h>
#include <libfdt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hash.h"
#include "log.h"

/* What one VM's steps share. */
struct vm_parse {
	struct bundle *b;
	int vms_node, node;
	struct vm_config *vm;
	const struct vm_config *first; /* the VMs parsed before vm, all good */
	unsigned cpu_count;
	struct config_errors *errs;
};

static void add_msg(char (*msgs)[CONFIG_MSG_MAX], unsigned max, unsigned *count,
		    const char *fmt, va_list ap)
{
	if (*count < max)
		vsnprintf(msgs[*count], CONFIG_MSG_MAX, fmt, ap);
	(*count)++;
}

static __printf(2, 3) void add_error(struct config_errors *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(e->msg, CONFIG_MAX_ERRORS, &e->count, fmt, ap);
	va_end(ap);
}

static __printf(2, 3) void add_warning(struct config_errors *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_msg(e->warn, CONFIG_MAX_WARNINGS, &e->warn_count, fmt, ap);
	va_end(ap);
}

/* Adds "vm 'NAME': ..." to the errors; returns false for the caller's
 * convenience. */
static __printf(2, 3) bool vm_error(struct vm_parse *p, const char *fmt, ...)
{
	char m[CONFIG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	add_error(p->errs, "vm '%s': %s", p->vm->name, m);
	return false;
}

/* The characters dtc allows in a node name: a VM's name goes to the console
 * and into prefixes, so a hand-made bundle must not smuggle others in. */
static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(",._+-@", *s)))
			return false;
	return true;
}

static bool vm_parse_name(struct vm_parse *p)
{
	const void *fit = p->b->fit;
	const char *name = fdt_get_name(fit, p->node, NULL);
	const struct vm_config *other;

	if (!name || !*name || !name_ok(name)) {
		snprintf(p->vm->name, sizeof(p->vm->name), "#%u", p->vm->id);
		return vm_error(p, "node name is empty or has characters other than "
			        "a-z A-Z 0-9 , . _ + - @");
	}
	snprintf(p->vm->name, sizeof(p->vm->name), "%s", name);
	if (strlen(name) >= sizeof(p->vm->name)) {
		memcpy(p->vm->name + sizeof(p->vm->name) - 4, "...", 4);
		return vm_error(p, "name longer than %d characters", VM_NAME_MAX - 1);
	}
	/* Among the VMs before it that start (a walk of the siblings in the
	 * tree made the start of 300 VMs quadratic; a strcmp with each, 6 us a
	 * VM at 300). */
	p->vm->name_crc = crc32_update(0, name, strlen(name));
	for (other = p->first; other < p->vm; other++)
		if (other->name_crc == p->vm->name_crc && !strcmp(other->name, p->vm->name))
			return vm_error(p, "duplicate name (VM %u has it too)", other->id);
	return true;
}

/* Whether the len bytes at s are one string of printable characters, as
 * dtc writes "two" (4 bytes, which also read as a cell). */
static bool is_string(const char *s, int len)
{
	int i;

	for (i = 0; i < len - 1 && s[i] >= ' ' && s[i] <= '~'; i++)
		;
	return len > 0 && i == len - 1 && !s[i];
}

/* Every integer property of a VM: one 32-bit cell in *out; -ENOENT when it
 * is absent, or -EINVAL after a message (what: the values it takes). */
static int vm_prop_u32(struct vm_parse *p, const char *name, const char *what, uint32_t *out)
{
	int len, err = bundle_prop_u32(p->b->fit, p->node, name, out);
	const char *s = fdt_getprop(p->b->fit, p->node, name, &len);

	if (err == -ENOENT || (!err && !is_string(s, len)))
		return err;
	if (is_string(s, len))
		vm_error(p, "%s = \"%.32s\": must be one 32-bit cell (%s), not a string", name, s,
			 what);
	else
		vm_error(p, "%s: must be one 32-bit cell (%s)", name, what);
	return -EINVAL;
}

static bool vm_parse_vcpus(struct vm_parse *p)
{
	uint32_t n;
	int err = vm_prop_u32(p, "vcpus", "the number of vCPUs", &n);

	if (err == -ENOENT)
		return vm_error(p, "vcpus: missing (1..%d)", VM_MAX_VCPUS);
	if (err)
		return false;
	if (n < 1 || n > VM_MAX_VCPUS)
		return vm_error(p, "vcpus = <%lu>: must be 1..%d", (unsigned long)n, VM_MAX_VCPUS);
	p->vm->vcpus = (unsigned)n;
	return true;
}

static bool vm_parse_cpus(struct vm_parse *p)
{
	uint32_t all = p->cpu_count >= 32 ? ~0u : (1u << p->cpu_count) - 1;
	int err = vm_prop_u32(p, "cpus", "a mask of physical CPUs", &p->vm->cpus);

	if (err == -ENOENT)
		p->vm->cpus = all;
	if (err)
		return err == -ENOENT;
	if (!p->vm->cpus)
		return vm_error(p, "cpus = <0x0>: no CPU to run on");
	if (p->vm->cpus & ~all)
		return vm_error(p, "cpus = <0x%lx>: no such CPU (machine has %u)",
				(unsigned long)p->vm->cpus, p->cpu_count);
	return true;
}

/* An optional one-cell property in [min, max] (unit: how to read it);
 * absent, *out is 0. */
static bool vm_prop_range(struct vm_parse *p, const char *name, uint32_t min, uint32_t max,
			  const char *unit, uint32_t *out)
{
	uint32_t n;
	int err = vm_prop_u32(p, name, unit, &n);

	*out = 0;
	if (err)
		return err == -ENOENT;
	if (n < min || n > max)
		return vm_error(p, "%s = <%lu>: must be %lu..%lu (%s)", name, (unsigned long)n,
				(unsigned long)min, (unsigned long)max, unit);
	*out = n;
	return true;
}

/* slice-us and priority: how it shares its CPUs (DESIGN section 10). */
static bool vm_parse_sched(struct vm_parse *p)
{
	return vm_prop_range(p, "slice-us", SLICE_US_MIN, SLICE_US_MAX, "microseconds",
			     &p->vm->slice_us) &&
	       vm_prop_range(p, "priority", 0, CONFIG_PRIO_MAX, "higher runs first",
			     &p->vm->priority);
}

/* The guest's own devices: its memory must leave their IPAs free. */
static bool memory_clear_of_devices(struct vm_parse *p)
{
	const struct vm_config *vm = p->vm;
	const struct {
		const char *what;
		uint64_t base, size;
	} devs[] = {
		{ "GIC distributor", vm->dev.gicd, GUEST_GICD_SIZE },
		{ "GIC CPU interface", vm->dev.gicc, GUEST_GICC_SIZE },
		{ "UART", vm->dev.uart, GUEST_UART_SIZE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(devs); i++)
		if (ranges_overlap(vm->mem_base, vm->mem_size, devs[i].base, devs[i].size))
			return vm_error(p, "memory: %s + %s overlaps the guest's %s at %s",
					HEX64(vm->mem_base), HEX64(vm->mem_size), devs[i].what,
					HEX64(devs[i].base));
	return true;
}

static bool vm_parse_memory(struct vm_parse *p)
{
	struct vm_config *vm = p->vm;
	const fdt32_t *c;
	int len;

	p->vm->identity = fdt_getprop(p->b->fit, p->node, "identity", NULL) != NULL;
	c = fdt_getprop(p->b->fit, p->node, "memory", &len);
	if (!c)
		return vm_error(p, "memory: missing (<base size>, guest physical)");
	if (len != 8 && len != 16)
		return vm_error(p, "memory: must be <base size> (2 cells) or 4 cells of 64-bit "
				"base and size");
	vm->mem_base = len == 8 ? fdt32_ld(c) : fdt64_ld((const fdt64_t *)c);
	vm->mem_size = len == 8 ? fdt32_ld(c + 1) : fdt64_ld((const fdt64_t *)c + 1);
	if (!vm->mem_size)
		return vm_error(p, "memory: size is 0");
	if (!IS_ALIGNED(vm->mem_base | vm->mem_size, PAGE_SIZE))
		return vm_error(p, "memory: %s + %s is not 4 KiB aligned", HEX64(vm->mem_base),
				HEX64(vm->mem_size));
	if (vm->mem_base >= (1ull << GUEST_IPA_BITS) ||
	    vm->mem_size > (1ull << GUEST_IPA_BITS) - vm->mem_base)
		return vm_error(p, "memory: %s + %s runs past the %d-bit IPA space",
				HEX64(vm->mem_base), HEX64(vm->mem_size), GUEST_IPA_BITS);
	return memory_clear_of_devices(p);
}

static bool type_in(const char *type, const char *const *types)
{
	for (; *types; types++)
		if (!strcmp(type, *types))
			return true;
	return false;
}

/* Reads the image named by property prop into img; an absent one is an
 * error only if required. */
static bool vm_parse_image(struct vm_parse *p, const char *prop, struct bundle_image *img,
			   const char *const *types, const char *role, bool required)
{
	struct dt_status st;
	const char *name;
	int err = bundle_prop_str(p->b->fit, p->node, prop, &name);

	if (err == -ENOENT)
		return !required ||
		       vm_error(p, "%s: missing (the name of an image under /images)", prop);
	if (err || !*name)
		return vm_error(p, "%s: must be the name of an image under /images", prop);
	st = bundle_image_get(p->b, name, img);
	if (st.err)
		return vm_error(p, "%s = \"%.*s\": %s", prop, BUNDLE_NAME_MAX, name, st.msg);
	if (*img->type && !type_in(img->type, types))
		return vm_error(p, "%s = \"%s\": image '%s' is of type \"%s\", not %s", prop, name,
				img->name, img->type, role);
	if (!img->size)
		return vm_error(p, "%s = \"%s\": image '%s' is empty", prop, name, img->name);
	return true;
}

static bool vm_parse_images(struct vm_parse *p)
{
	static const char *const kernels[] = { "kernel", "kernel_noload", "standalone",
					       "firmware", NULL };
	static const char *const ramdisks[] = { "ramdisk", NULL };
	bool ok = vm_parse_image(p, "kernel", &p->vm->kernel, kernels, "a kernel", true);

	ok = vm_parse_image(p, "ramdisk", &p->vm->ramdisk, ramdisks, "a ramdisk", false) && ok;
	/* Absent, its size is parse_vm's 0; a good one is not empty. */
	p->vm->has_ramdisk = p->vm->ramdisk.size != 0;
	return ok;
}

static bool vm_parse_bootargs(struct vm_parse *p)
{
	const char *s;
	int err = bundle_prop_str(p->b->fit, p->node, "bootargs", &s);

	if (err == -ENOENT)
		return true;
	if (err)
		return vm_error(p, "bootargs: must be one string");
	if (strlen(s) >= sizeof(p->vm->bootargs))
		return vm_error(p, "bootargs: longer than %d characters", VM_BOOTARGS_MAX - 1);
	strcpy(p->vm->bootargs, s);
	return true;
}

static bool vm_parse_passthrough(struct vm_parse *p)
{
	int len, i, n = fdt_stringlist_count(p->b->fit, p->node, "passthrough");
	const char *s;

	if (n == -FDT_ERR_NOTFOUND)
		return true;
	if (n < 0)
		return vm_error(p, "passthrough: must be a list of strings");
	if (n > VM_MAX_PASSTHROUGH)
		return vm_error(p, "passthrough: more than %d nodes", VM_MAX_PASSTHROUGH);
	for (i = 0; i < n; i++) {
		s = fdt_stringlist_get(p->b->fit, p->node, "passthrough", i, &len);
		if (!s || len <= 0 || len >= VM_PATH_MAX || s[0] != '/')
			return vm_error(p, "passthrough: entry %d is not a DT path of at most %d "
					"characters", i, VM_PATH_MAX - 1);
		memcpy(p->vm->passthrough[i], s, (size_t)len + 1);
	}
	p->vm->passthrough_count = (unsigned)n;
	return true;
}

/* --- guest-dt: device nodes the configuration adds to the guest's DT --- */

/* What the checks of one VM's guest-dt share. */
struct dt_walk {
	struct vm_parse *p;
	unsigned nodes;
	uint64_t size;	/* bytes the nodes take in the guest's DTB, at most */
	char path[96];	/* the node being checked, below guest-dt */
};

/* "vm 'NAME': guest-dt: node 'PATH': ..."; false. */
static __printf(2, 3) bool dt_error(struct dt_walk *w, const char *fmt, ...)
{
	char m[CONFIG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	return vm_error(w->p, "guest-dt: node '%s': %.*s", w->path, CONFIG_MSG_MAX / 2, m);
}

/* One GIC interrupt specifier <type number flags>: an SPI of the VM's vGIC
 * that is not the UART's, or a PPI that is not the timer's, with a trigger
 * Linux's GIC driver accepts for it.  The SPIs are recorded. */
static bool dt_check_gic_irq(struct dt_walk *w, const char *prop, const fdt32_t *c)
{
	static const uint32_t timer[] = GUEST_TIMER_PPIS;
	unsigned long type = fdt32_to_cpu(c[0]), num = fdt32_to_cpu(c[1]);
	unsigned long flags = fdt32_to_cpu(c[2]), trigger = flags & IRQ_TYPE_SENSE_MASK;
	size_t i;

	if (type == GIC_SPI) {
		if (num >= GUEST_SPIS)
			return dt_error(w, "%s: SPI %lu is not one of the VM's SPIs 0..%u "
					"(IDs 32..%u)", prop, num, GUEST_SPIS - 1, GUEST_SPIS + 31);
		if (num == GUEST_UART_SPI)
			return dt_error(w, "%s: SPI %lu (ID %lu) is the virtual UART's", prop, num,
					num + 32);
		if (trigger != IRQ_EDGE_RISING && trigger != IRQ_LEVEL_HIGH)
			return dt_error(w, "%s: SPI %lu: flags 0x%lx: an SPI is rising-edge (1) "
					"or level-high (4)", prop, num, flags);
		w->p->vm->guest_dt_spis[num / 32] |= 1u << (num % 32);
		return true;
	}
	if (type != GIC_PPI)
		return dt_error(w, "%s: type %lu: the GIC's are 0 (SPI) and 1 (PPI)", prop, type);
	if (num >= 16)
		return dt_error(w, "%s: PPI %lu: PPIs are 0..15", prop, num);
	for (i = 0; i < ARRAY_SIZE(timer); i++)
		if (num == timer[i])
			return dt_error(w, "%s: PPI %lu (ID %lu) is the timer's", prop, num, num + 16);
	if (trigger != IRQ_EDGE_RISING && trigger != IRQ_EDGE_FALLING &&
	    trigger != IRQ_LEVEL_HIGH && trigger != IRQ_LEVEL_LOW)
		return dt_error(w, "%s: PPI %lu: flags 0x%lx: no trigger (1, 2, 4 or 8)", prop, num,
				flags);
	return true;
}

/* interrupts: GIC triples; interrupts-extended: each after the GIC's
 * phandle. */
static bool dt_check_interrupts(struct dt_walk *w, const char *prop, const void *val, int len)
{
	const fdt32_t *c = val;
	int n = strcmp(prop, "interrupts") ? 4 : 3, i;

	if (!len || len % (4 * n))
		return dt_error(w, n == 3 ? "%s: must be GIC triples <type number flags>"
					  : "%s: must be <GIC-phandle type number flags> entries",
				prop);
	for (i = 0; i < len / 4; i += n) {
		if (n == 4 && fdt32_to_cpu(c[i]) != GUEST_DT_PHANDLE_GIC)
			return dt_error(w, "%s: phandle 0x%lx is not the GIC's (0x%x)", prop,
					(unsigned long)fdt32_to_cpu(c[i]), GUEST_DT_PHANDLE_GIC);
		if (!dt_check_gic_irq(w, prop, c + i + n - 3))
			return false;
	}
	return true;
}

static bool dt_check_parent(struct dt_walk *w, const char *prop, const void *val, int len)
{
	if (len != 4 || fdt32_to_cpu(*(const fdt32_t *)val) != GUEST_DT_PHANDLE_GIC)
		return dt_error(w, "%s: must be the GIC's phandle, <0x%x>: the VM's vGIC is its only "
				"interrupt controller", prop, GUEST_DT_PHANDLE_GIC);
	return true;
}

/* Another interrupt controller or nexus would take its descendants'
 * interrupts away from the GIC. */
static bool dt_refuse_intc(struct dt_walk *w, const char *prop, const void *val, int len)
{
	(void)val, (void)len;
	return dt_error(w, "%s: not allowed: the VM's vGIC is its only interrupt controller", prop);
}

static bool dt_check_phandle(struct dt_walk *w, const char *prop, const void *val, int len)
{
	uint32_t ph;

	if (len != 4)
		return dt_error(w, "%s: must be one cell", prop);
	ph = fdt32_to_cpu(*(const fdt32_t *)val);
	if (!ph || ph == ~0u)
		return dt_error(w, "%s = <0x%lx>: not a valid phandle", prop, (unsigned long)ph);
	if (ph == GUEST_DT_PHANDLE_CLK || ph == GUEST_DT_PHANDLE_GIC)
		return dt_error(w, "%s = <0x%lx>: 0x%x and 0x%x are Lowvisor's (apb-pclk, GIC)",
				prop, (unsigned long)ph, GUEST_DT_PHANDLE_CLK, GUEST_DT_PHANDLE_GIC);
	return true;
}

static bool dt_check_prop(struct dt_walk *w, const char *name, const void *val, int len)
{
	static const struct {
		const char *name;
		bool (*check)(struct dt_walk *w, const char *prop, const void *val, int len);
	} checks[] = {
		{ "interrupts", dt_check_interrupts },
		{ "interrupts-extended", dt_check_interrupts },
		{ "interrupt-parent", dt_check_parent },
		{ "#interrupt-cells", dt_refuse_intc },
		{ "interrupt-map", dt_refuse_intc },
		{ "phandle", dt_check_phandle },
		{ "linux,phandle", dt_check_phandle },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(checks); i++)
		if (!strcmp(name, checks[i].name))
			return checks[i].check(w, name, val, len);
	return true;
}

/* A top-level node must not take the name of one Lowvisor writes or of a
 * passthrough node (the last part of its host path). */
static bool dt_check_top_name(struct dt_walk *w, const char *name)
{
	const struct vm_config *vm = w->p->vm;
	unsigned i;

	if (guest_dt_own_node(vm, name))
		return dt_error(w, "Lowvisor writes a node of that name itself");
	for (i = 0; i < vm->passthrough_count; i++)
		if (!strcmp(strrchr(vm->passthrough[i], '/') + 1, name))
			return dt_error(w, "passthrough node %s has that name", vm->passthrough[i]);
	return true;
}

/* Whether a sibling before node (a child of parent) is called name. */
static bool dt_name_taken(const void *fit, int parent, int node, const char *name)
{
	int sib;

	fdt_for_each_subnode(sib, fit, parent) {
		if (sib == node)
			break;
		if (!strcmp(fdt_get_name(fit, sib, NULL), name))
			return true;
	}
	return false;
}

/* Node (a child of parent, depth levels below guest-dt) and its subtree. */
static bool dt_check_node(struct dt_walk *w, int parent, int node, unsigned depth)
{
	const void *fit = w->p->b->fit;
	const char *name = fdt_get_name(fit, node, NULL), *pname;
	size_t plen = strlen(w->path);
	const void *val;
	int prop, sub, len;

	if (!name || !*name || !name_ok(name))
		name = NULL;
	snprintf(w->path + plen, sizeof(w->path) - plen, "%s%s", plen ? "/" : "",
		 name ? name : "?");
	if (!name)
		return dt_error(w, "name is empty or has characters other than a-z A-Z 0-9 , . _ "
				"+ - @");
	if (++w->nodes > VM_GUEST_DT_MAX_NODES)
		return vm_error(w->p, "guest-dt: more than %d nodes", VM_GUEST_DT_MAX_NODES);
	if (depth > VM_GUEST_DT_MAX_DEPTH)
		return dt_error(w, "more than %d levels below guest-dt", VM_GUEST_DT_MAX_DEPTH);
	if (dt_name_taken(fit, parent, node, name))
		return dt_error(w, "duplicate name");
	if (depth == 1 && !dt_check_top_name(w, name))
		return false;
	w->size += 8 + ALIGN_UP(strlen(name) + 1, 4);
	fdt_for_each_property_offset(prop, fit, node) {
		val = fdt_getprop_by_offset(fit, prop, &pname, &len);
		if (!val)
			return dt_error(w, "a property cannot be read");
		w->size += 12 + ALIGN_UP((uint64_t)len, 4) + strlen(pname) + 1;
		if (!dt_check_prop(w, pname, val, len))
			return false;
	}
	if (w->size > VM_GUEST_DT_MAX_SIZE)
		return vm_error(w->p, "guest-dt: its nodes take more than %lu bytes of the guest's "
				"device tree", (unsigned long)VM_GUEST_DT_MAX_SIZE);
	fdt_for_each_subnode(sub, fit, node)
		if (!dt_check_node(w, node, sub, depth + 1))
			return false;
	w->path[plen] = '\0';
	return true;
}

static bool vm_parse_guest_dt(struct vm_parse *p)
{
	const void *fit = p->b->fit;
	struct dt_walk w = { .p = p };
	int node = fdt_subnode_offset(fit, p->node, "guest-dt"), prop, sub;
	const char *name;

	if (node < 0)
		return true;
	fdt_for_each_property_offset(prop, fit, node) {
		if (!fdt_getprop_by_offset(fit, prop, &name, NULL))
			name = "?";
		return vm_error(p, "guest-dt: property '%.*s': guest-dt holds nodes only (each is "
				"copied to the root of the guest's device tree)", VM_NAME_MAX, name);
	}
	fdt_for_each_subnode(sub, fit, node)
		if (!dt_check_node(&w, node, sub, 1))
			return false;
	p->vm->guest_dt_fit = fit;
	p->vm->guest_dt_node = node;
	return true;
}

/* --- virtio: emulated devices served by a management VM (config.h) --- */

const char *config_spi_user(const struct vm_config *c, unsigned spi, char *buf, size_t len)
{
	unsigned i = spi - LOWVISOR_VIRTIO_SPI;

	if (spi == GUEST_UART_SPI)
		return "the VM's virtual UART's";
	if (spi < GUEST_SPIS && (c->guest_dt_spis[spi / 32] >> (spi % 32) & 1u))
		return "also a guest-dt node's interrupt";
	if (i < c->virtio_count) {
		snprintf(buf, len, "virtio device '%.*s''s", VM_NAME_MAX, c->virtio[i].name);
		return buf;
	}
	return c->backend && spi == LOWVISOR_IOREQ_SPI ? "the VM's ioreq interrupt" : NULL;
}

/* A virtio device's type: its virtio device ID (net 1, block 2, console
 * 3), or 0. */
static uint8_t virtio_type(const char *s)
{
	static const char *const types[] = { "net", "block", "console", NULL };
	uint8_t i = 0;

	while (types[i] && strcmp(s, types[i]))
		i++;
	return types[i] ? i + 1 : 0;
}

static bool vm_parse_virtio(struct vm_parse *p)
{
	const void *fit = p->b->fit;
	struct vm_config *vm = p->vm;
	int node = fdt_subnode_offset(fit, p->node, "virtio"), sub;
	char buf[VM_NAME_MAX + 32];

	if (node < 0)
		return true;
	fdt_for_each_subnode(sub, fit, node) {
		struct vm_virtio *d = &vm->virtio[vm->virtio_count];
		const char *name = fdt_get_name(fit, sub, NULL), *type, *user;
		unsigned spi = LOWVISOR_VIRTIO_SPI + vm->virtio_count;
		uint64_t base = LOWVISOR_VIRTIO_BASE + vm->virtio_count * LOWVISOR_VIRTIO_SIZE;

		if (vm->virtio_count == VM_MAX_VIRTIO)
			return vm_error(p, "virtio: %s: more than %u devices", name, VM_MAX_VIRTIO);
		if (bundle_prop_str(fit, sub, "type", &type) || !(d->type = virtio_type(type)))
			return vm_error(p, "virtio: %s: type: must be \"block\", \"net\" or "
					"\"console\"", name);
		if (bundle_prop_str(fit, sub, "backend", &d->backend_name))
			return vm_error(p, "virtio: %s: backend: missing (the name of a "
					"management VM)", name);
		if (ranges_overlap(base, LOWVISOR_VIRTIO_SIZE, vm->mem_base, vm->mem_size))
			return vm_error(p, "virtio: %s: its window at %s overlaps the VM's memory",
					name, HEX64(base));
		snprintf(buf, sizeof(buf), "virtio_mmio@%lx", (unsigned long)base);
		if (vm->guest_dt_fit && fdt_subnode_offset(fit, vm->guest_dt_node, buf) >= 0)
			return vm_error(p, "virtio: %s: guest-dt has a node '%s' too", name, buf);
		user = config_spi_user(vm, spi, buf, sizeof(buf));
		if (user)
			return vm_error(p, "virtio: %s: its SPI %u (ID %u) is %s", name, spi,
					spi + 32, user);
		d->name = name;
		vm->virtio_count++;
	}
	return true;
}

static bool vm_parse_flags(struct vm_parse *p)
{
	p->vm->management = fdt_getprop(p->b->fit, p->node, "management", NULL) != NULL;
	return true;
}

/* [addr, addr + size) inside the VM's memory. */
static bool in_memory(const struct vm_config *vm, uint64_t addr, uint64_t size)
{
	return addr >= vm->mem_base && addr - vm->mem_base <= vm->mem_size &&
	       size <= vm->mem_size - (addr - vm->mem_base);
}

/* A guest starts with its MMU off and r2 = the DTB's address: its images
 * and DTB must lie in the first 4 GiB of its IPA space. */
static bool below_4g(uint64_t addr, uint64_t size)
{
	return addr < GiB(4) && size <= GiB(4) - addr;
}

static bool image_in_memory(struct vm_parse *p, const char *role, const struct bundle_image *img,
			    uint64_t addr)
{
	const struct vm_config *vm = p->vm;

	if (addr < vm->mem_base || addr - vm->mem_base >= vm->mem_size)
		return vm_error(p, "%s '%s': load address %s is outside the VM's memory %s + %s",
				role, img->name, HEX64(addr), HEX64(vm->mem_base),
				HEX64(vm->mem_size));
	if (!in_memory(vm, addr, img->size))
		return vm_error(p, "%s '%s' (%lu bytes at %s) does not fit in the VM's memory "
				"%s + %s", role, img->name, (unsigned long)img->size, HEX64(addr),
				HEX64(vm->mem_base), HEX64(vm->mem_size));
	if (!below_4g(addr, img->size))
		return vm_error(p, "%s '%s' at %s + %s is not below 4 GiB, where a guest that "
				"starts with its MMU off can reach it", role, img->name,
				HEX64(addr), HEX64(img->size));
	return true;
}

static uint64_t default_ramdisk_ipa(const struct vm_config *vm)
{
	uint64_t off = vm->mem_size / 2;

	if (off > GUEST_RAMDISK_OFFSET_MAX)
		off = GUEST_RAMDISK_OFFSET_MAX;
	return ALIGN_UP(vm->mem_base + off, PAGE_SIZE);
}

static bool place_kernel(struct vm_parse *p)
{
	struct vm_config *vm = p->vm;
	const struct bundle_image *k = &vm->kernel;
	bool noload = !strcmp(k->type, "kernel_noload");

	vm->kernel_ipa = k->has_load && !noload ? k->load : vm->mem_base + GUEST_KERNEL_OFFSET;
	if (!image_in_memory(p, "kernel", k, vm->kernel_ipa))
		return false;
	if (noload)
		vm->entry_ipa = vm->kernel_ipa + (k->has_entry ? k->entry : 0);
	else
		vm->entry_ipa = k->has_entry ? k->entry : vm->kernel_ipa;
	if (vm->entry_ipa < vm->kernel_ipa || vm->entry_ipa - vm->kernel_ipa >= k->size)
		return vm_error(p, "kernel '%s': entry %s is outside the image (%s + %s)", k->name,
				HEX64(vm->entry_ipa), HEX64(vm->kernel_ipa), HEX64(k->size));
	return true;
}

static bool place_ramdisk(struct vm_parse *p)
{
	struct vm_config *vm = p->vm;
	const struct bundle_image *r = &vm->ramdisk;

	if (!vm->has_ramdisk)
		return true;
	vm->ramdisk_ipa = r->has_load ? r->load : default_ramdisk_ipa(vm);
	if (!image_in_memory(p, "ramdisk", r, vm->ramdisk_ipa))
		return false;
	if (ranges_overlap(vm->ramdisk_ipa, r->size, vm->kernel_ipa, vm->kernel.size))
		return vm_error(p, "ramdisk '%s' at %s + %s overlaps kernel '%s' at %s + %s%s",
				r->name, HEX64(vm->ramdisk_ipa), HEX64(r->size), vm->kernel.name,
				HEX64(vm->kernel_ipa), HEX64(vm->kernel.size),
				r->has_load ? "" : " (give the ramdisk a load address)");
	return true;
}

static bool dtb_fits(const struct vm_config *vm, uint64_t addr)
{
	return in_memory(vm, addr, GUEST_DTB_SIZE) && below_4g(addr, GUEST_DTB_SIZE) &&
	       !ranges_overlap(addr, GUEST_DTB_SIZE, vm->kernel_ipa, vm->kernel.size) &&
	       !(vm->has_ramdisk &&
		 ranges_overlap(addr, GUEST_DTB_SIZE, vm->ramdisk_ipa, vm->ramdisk.size));
}

static bool place_dtb(struct vm_parse *p)
{
	struct vm_config *vm = p->vm;
	uint64_t end = vm->kernel_ipa + vm->kernel.size, first, second;

	first = vm->has_ramdisk ? ALIGN_UP(vm->ramdisk_ipa + vm->ramdisk.size, PAGE_SIZE)
				: default_ramdisk_ipa(vm);
	if (vm->has_ramdisk && vm->ramdisk_ipa + vm->ramdisk.size > end)
		end = vm->ramdisk_ipa + vm->ramdisk.size;
	second = ALIGN_UP(end, PAGE_SIZE);
	if (dtb_fits(vm, first))
		vm->dtb_ipa = first;
	else if (dtb_fits(vm, second))
		vm->dtb_ipa = second;
	else
		return vm_error(p, "no room for its device tree (%lu KiB): neither %s nor %s (after "
				"the images) is free memory", (unsigned long)(GUEST_DTB_SIZE >> 10),
				HEX64(first), HEX64(second));
	return true;
}

/* The parse steps of a VM node, each with the properties and the child
 * node it reads: one table for parsing and for the unknown-name warnings. */
static const struct vm_step {
	bool (*parse)(struct vm_parse *p);
	const char *props[2];
	const char *node;
} vm_steps[] = {
	{ .parse = vm_parse_name },
	{ .parse = vm_parse_flags, .props = { "management" } },
	{ .parse = vm_parse_vcpus, .props = { "vcpus" } },
	{ .parse = vm_parse_cpus, .props = { "cpus" } },
	{ .parse = vm_parse_sched, .props = { "slice-us", "priority" } },
	{ .parse = vm_parse_memory, .props = { "memory", "identity" } },
	{ .parse = vm_parse_images, .props = { "kernel", "ramdisk" } },
	{ .parse = vm_parse_bootargs, .props = { "bootargs" } },
	{ .parse = vm_parse_passthrough, .props = { "passthrough" } },
	{ .parse = vm_parse_guest_dt, .node = "guest-dt" },
	{ .parse = vm_parse_virtio, .node = "virtio" },
};

static bool vm_step_reads(const char *name, bool node)
{
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(vm_steps); i++) {
		if (node && vm_steps[i].node && !strcmp(name, vm_steps[i].node))
			return true;
		for (k = 0; !node && k < ARRAY_SIZE(vm_steps[i].props) && vm_steps[i].props[k]; k++)
			if (!strcmp(name, vm_steps[i].props[k]))
				return true;
	}
	return false;
}

static void vm_check_unknown(struct vm_parse *p)
{
	const void *fit = p->b->fit;
	const char *name;
	int prop, sub;

	fdt_for_each_property_offset(prop, fit, p->node) {
		if (fdt_getprop_by_offset(fit, prop, &name, NULL) && !vm_step_reads(name, false))
			add_warning(p->errs, "vm '%s': unknown property '%s' ignored", p->vm->name,
				    name);
	}
	fdt_for_each_subnode(sub, fit, p->node) {
		name = fdt_get_name(fit, sub, NULL);
		if (!vm_step_reads(name, true))
			add_warning(p->errs, "vm '%s': unknown node '%s' ignored", p->vm->name, name);
	}
}

/* The VM of node p->node, whose id is id, into p->vm: every step, then placement. */
static bool parse_vm(struct vm_parse *p, unsigned id)
{
	bool ok = true;
	size_t i;

	memset(p->vm, 0, sizeof(*p->vm));
	p->vm->id = id;
	p->vm->dev = (struct vm_devices){ GUEST_GICD_BASE, GUEST_GICC_BASE, GUEST_UART_BASE };
	for (i = 0; i < ARRAY_SIZE(vm_steps); i++)
		ok = vm_steps[i].parse(p) && ok;
	vm_check_unknown(p);
	/* Placement, in this order, only once every step has passed. */
	return ok && place_kernel(p) && place_ramdisk(p) && place_dtb(p);
}

static void parse_system(const struct bundle *b, int node, struct system_config *sys,
			 struct config_errors *errs)
{
	static const char *const known[] = { "console", "poweroff", NULL };
	const char *s, *name;
	int prop, sub, err;

	err = bundle_prop_str(b->fit, node, "console", &s);
	if (!err && !strcmp(s, "focus"))
		sys->console = CONSOLE_FOCUS;
	else if (err != -ENOENT && (err || strcmp(s, "prefix")))
		add_warning(errs, "lowvisor: console must be \"prefix\" or \"focus\"; using "
			    "\"prefix\"");
	err = bundle_prop_str(b->fit, node, "poweroff", &s);
	if (!err && !strcmp(s, "last-vm"))
		sys->poweroff_when_last_stops = true;
	else if (err != -ENOENT && (err || strcmp(s, "never")))
		add_warning(errs, "lowvisor: poweroff must be \"last-vm\" or \"never\"; using "
			    "\"never\"");
	fdt_for_each_property_offset(prop, b->fit, node) {
		if (fdt_getprop_by_offset(b->fit, prop, &name, NULL) && !type_in(name, known))
			add_warning(errs, "lowvisor: unknown property '%s' ignored", name);
	}
	fdt_for_each_subnode(sub, b->fit, node) {
		name = fdt_get_name(b->fit, sub, NULL);
		if (strcmp(name, "vms"))
			add_warning(errs, "lowvisor: unknown node '%s' ignored", name);
	}
}

/*
 * Each virtio device's backend by name, among the VMs that parsed: a
 * management VM other than the frontend p->vm, with its ioreq SPI free and a
 * slot in its ring for each of the frontend's vCPUs.  False, with the
 * message, for the first device of p->vm that has none.
 */
static bool link_backends(struct vm_parse *p, struct vm_config *vms, unsigned count)
{
	struct vm_config *vm = p->vm;
	unsigned i, k, j;

	for (i = 0; i < vm->virtio_count; i++) {
		struct vm_virtio *d = &vm->virtio[i];
		struct vm_config *b = NULL;

		for (k = 0; k < count && !b; k++)
			if (!strcmp(vms[k].name, d->backend_name))
				b = &vms[k];
		if (!b || !b->management || b == vm)
			return vm_error(p, "virtio: %s: backend: '%.*s' %s: left out", d->name,
					VM_NAME_MAX, d->backend_name,
					!b ? "is not a VM of this bundle that parsed" : b == vm ?
					"is this VM" : "is not marked management");
		if (b->guest_dt_spis[LOWVISOR_IOREQ_SPI / 32] >> (LOWVISOR_IOREQ_SPI % 32) & 1u)
			return vm_error(p, "virtio: %s: backend '%s': its ioreq SPI %u (ID %u) is a "
					"guest-dt node's interrupt too: left out", d->name, b->name,
					LOWVISOR_IOREQ_SPI, LOWVISOR_IOREQ_SPI + 32);
		d->backend = b->id;
		for (j = 0; j < i && vm->virtio[j].backend != b->id; j++)
			;
		if (j < i) { /* its vCPUs have their slots in b's ring */
			d->slot_base = vm->virtio[j].slot_base;
			continue;
		}
		if (b->ioreq_slots + vm->vcpus > LOWVISOR_IOREQ_SLOTS)
			return vm_error(p, "virtio: %s: backend '%s' serves more than %u vCPUs: left "
					"out", d->name, b->name, LOWVISOR_IOREQ_SLOTS);
		d->slot_base = (uint8_t)b->ioreq_slots;
		b->ioreq_slots += vm->vcpus;
		b->backend = true;
	}
	return true;
}

/* link_backends() for every VM; one left out may have been another's
 * backend, so the links are made again until none fails. */
static void link_all(struct system_config *sys, struct vm_config *vms, struct vm_parse *p)
{
	unsigned i;

again:
	for (i = 0; i < sys->vm_count; i++) {
		vms[i].backend = false;
		vms[i].ioreq_slots = 0;
	}
	for (i = 0; i < sys->vm_count; i++) {
		p->vm = &vms[i];
		if (!link_backends(p, vms, sys->vm_count)) {
			memmove(&vms[i], &vms[i + 1], (sys->vm_count - i - 1) * sizeof(*vms));
			sys->vm_count--;
			sys->error_count++;
			goto again;
		}
	}
}

int config_parse(struct system_config *sys, struct vm_config *vms, unsigned max_vms,
		 const void *bundle, size_t size, unsigned cpu_count, struct config_errors *errs)
{
	struct bundle b;
	struct dt_status st;
	struct vm_parse p = { .b = &b, .first = vms, .cpu_count = cpu_count, .errs = errs };
	unsigned id = 0;
	int lv;

	memset(sys, 0, sizeof(*sys));
	memset(errs, 0, sizeof(*errs));
	st = bundle_open(&b, bundle, size);
	if (st.err) {
		add_error(errs, "%s", st.msg);
		return -EINVAL;
	}
	lv = fdt_path_offset(b.fit, "/lowvisor");
	p.vms_node = lv < 0 ? lv : fdt_subnode_offset(b.fit, lv, "vms");
	if (p.vms_node < 0) {
		add_error(errs, "bundle: no /lowvisor/vms");
		return -EINVAL;
	}
	parse_system(&b, lv, sys, errs);
	fdt_for_each_subnode(p.node, b.fit, p.vms_node) {
		if (sys->vm_count == max_vms) {
			add_error(errs, "vm '%.*s': more than %u VMs: left out", VM_NAME_MAX - 1,
				  fdt_get_name(b.fit, p.node, NULL), max_vms);
			sys->error_count++;
		} else {
			p.vm = &vms[sys->vm_count];
			if (parse_vm(&p, id))
				sys->vm_count++;
			else
				sys->error_count++;
		}
		id++;
	}
	if (!id) {
		add_error(errs, "bundle: /lowvisor/vms has no VM");
		return -EINVAL;
	}
	link_all(sys, vms, &p);
	return 0;
}
