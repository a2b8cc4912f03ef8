// SPDX-License-Identifier: MIT
/*
 * lowvisord's SPECs (lowvisord.h): parsed, then those naming a VM's device
 * (blk:, net:, con:) checked against what VM_LIST says of each VM's devices, so
 * that a SPEC naming the wrong device stops the daemon at its start with
 * words, not a guest's driver later with a device of the wrong kind.  No
 * /dev/lowvisor here: the host unit test (test-lowvisord.c) gives it a VM
 * list of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowvisord.h"

#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_ID_CONSOLE 3u

static bool parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end && *out <= max;
}

static bool parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6], i;
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 || strlen(s) != 17)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return !(mac[0] & 1); /* a unicast address */
}

/* "VM:N=" of blk: and net:, then what follows the '=' up to a comma into
 * sp->path; the options after it in *rest. */
static bool parse_window(struct spec *sp, char **rest)
{
	char *opt;
	uint64_t n;

	sp->vm = strsep(rest, ":");
	opt = *rest ? strsep(rest, "=") : NULL;
	/* Any index: spec_check() says what the VM has. */
	if (!opt || !*rest || !**rest || !*sp->vm || !parse_num(opt, UINT16_MAX, &n))
		return false;
	sp->index = (unsigned int)n;
	sp->path = strsep(rest, ",");
	return *sp->path != 0;
}

/* The comma-separated options of a blk:, net: or con: SPEC (rest: NULL
 * for none): legacy for any, ro for a blk:, mac=M for a net:. */
static bool parse_options(struct spec *sp, char *rest)
{
	char *opt;

	while ((opt = strsep(&rest, ",")))
		if (!strcmp(opt, "legacy"))
			sp->legacy = true;
		else if (sp->kind == 'b' && !strcmp(opt, "ro"))
			sp->ro = true;
		else if (sp->kind == 'n' && !strncmp(opt, "mac=", 4) && parse_mac(opt + 4, sp->mac))
			sp->has_mac = true;
		else
			return false;
	return true;
}

/* blk:VM:N=PATH[,ro][,legacy] or net:VM:N=NET[,mac=M][,legacy] after its
 * "blk:" or "net:". */
static bool parse_backed(struct spec *sp, char *rest)
{
	return parse_window(sp, &rest) && parse_options(sp, rest);
}

/* con:VM:N[,legacy] after its "con:". */
static bool parse_con(struct spec *sp, char *rest)
{
	char *num;
	uint64_t n;

	sp->vm = strsep(&rest, ":");
	num = rest ? strsep(&rest, ",") : NULL;
	if (!num || !*sp->vm || !parse_num(num, UINT16_MAX, &n))
		return false;
	sp->index = (unsigned int)n;
	return parse_options(sp, rest);
}

/* tap:NET=IFNAME after its "tap:". */
static bool parse_tap(struct spec *sp, char *rest)
{
	sp->vm = strsep(&rest, "=");
	sp->path = rest;
	return rest && *sp->vm && *rest && strlen(rest) < 16; /* IFNAMSIZ */
}

bool spec_parse(char *s, struct spec *sp)
{
	static const struct {
		char prefix[5];
		bool (*parse)(struct spec *sp, char *rest);
	} kinds[] = {
		{ .prefix = "blk:", .parse = parse_backed },
		{ .prefix = "net:", .parse = parse_backed },
		{ .prefix = "con:", .parse = parse_con },
		{ .prefix = "tap:", .parse = parse_tap },
	};
	unsigned int i;

	memset(sp, 0, sizeof(*sp));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strncmp(s, kinds[i].prefix, 4)) {
			sp->kind = kinds[i].prefix[0];
			return kinds[i].parse(sp, s + 4);
		}
	return false;
}

const struct lowvisor_vm_info *vm_find(const struct lowvisor_vm_info *vms, unsigned int count,
				       const char *name)
{
	uint64_t id;
	unsigned int i;

	for (i = 0; i < count; i++)
		if (!strncmp(vms[i].name, name, sizeof(vms[i].name)))
			return &vms[i];
	if (!parse_num(name, UINT32_MAX, &id))
		return NULL;
	for (i = 0; i < count; i++)
		if (vms[i].id == id)
			return &vms[i];
	return NULL;
}

/* A VM's name by its id, for messages. */
static const char *vm_name(const struct lowvisor_vm_info *vms, unsigned int count,
			   unsigned int id, char *buf, size_t size)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		if (vms[i].id == id) {
			snprintf(buf, size, "'%.32s'", vms[i].name);
			return buf;
		}
	snprintf(buf, size, "%u", id);
	return buf;
}

const struct lowvisor_vm_info *spec_check(const struct spec *sp,
					  const struct lowvisor_vm_info *vms, unsigned int count,
					  long self, char *why, size_t size)
{
	const struct lowvisor_vm_info *vm;
	unsigned int n = sp->index, type;
	unsigned int want = sp->kind == 'n' ? VIRTIO_ID_NET :
			    sp->kind == 'c' ? VIRTIO_ID_CONSOLE : VIRTIO_ID_BLOCK;
	char name[48], other[40], me[40];

	if (sp->kind == 't') {
		snprintf(why, size, "tap:%s=%s names no VM", sp->vm, sp->path);
		return NULL;
	}
	vm = vm_find(vms, count, sp->vm);
	if (!vm) {
		snprintf(why, size, "%s: no such VM (lowvisorctl list)", sp->vm);
		return NULL;
	}
	snprintf(name, sizeof(name), "vm '%.32s' device %u", vm->name, n);
	if (n >= vm->virtio_count || n >= LOWVISOR_VIRTIO_MAX) {
		snprintf(why, size, "%s does not exist: vm '%.32s' has %u device%s", name, vm->name,
			 vm->virtio_count, vm->virtio_count == 1 ? "" : "s");
		return NULL;
	}
	type = vm->virtio_type[n];
	if (type != want) {
		if (!strcmp(virtio_type_name(type), "unknown"))
			snprintf(why, size, "%s is a device of type %u, not %s", name, type,
				 virtio_type_name(want));
		else
			snprintf(why, size, "%s is a %s device, not %s", name, virtio_type_name(type),
				 virtio_type_name(want));
		return NULL;
	}
	if (self >= 0 && vm->virtio_backend[n] != self) {
		snprintf(why, size, "%s is served by vm %s, not by this one (vm %s)", name,
			 vm_name(vms, count, vm->virtio_backend[n], other, sizeof(other)),
			 vm_name(vms, count, (unsigned int)self, me, sizeof(me)));
		return NULL;
	}
	return vm;
}
