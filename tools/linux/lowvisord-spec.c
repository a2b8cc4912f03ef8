// SPDX-License-Identifier: MIT
/*
 * lowvisord's SPECs (lowvisord.h): parsed, then checked against what
 * VM_LIST says of each VM's devices, so that a SPEC naming the wrong
 * device stops the daemon at its start with words, not a guest's driver
 * later with a device of the wrong kind.  No /dev/lowvisor here: the host
 * unit test (test-lowvisord.c) gives it a VM list of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowvisord.h"

#define VIRTIO_ID_BLOCK 2u

static bool parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end && *out <= max;
}

bool spec_parse(char *s, struct spec *sp)
{
	char *rest, *opt;
	uint64_t n;

	memset(sp, 0, sizeof(*sp));
	if (strncmp(s, "blk:", 4))
		return false;
	rest = s + 4;
	sp->vm = strsep(&rest, ":");
	opt = rest ? strsep(&rest, "=") : NULL;
	/* Any index: spec_check() says what the VM has. */
	if (!opt || !rest || !*rest || !*sp->vm || !parse_num(opt, UINT16_MAX, &n))
		return false;
	sp->index = (unsigned int)n;
	sp->path = strsep(&rest, ",");
	if (!*sp->path)
		return false;
	while ((opt = strsep(&rest, ",")))
		if (!strcmp(opt, "ro"))
			sp->ro = true;
		else
			return false;
	return true;
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
	const struct lowvisor_vm_info *vm = vm_find(vms, count, sp->vm);
	unsigned int n = sp->index, type;
	char name[48], other[40], me[40];

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
	if (type != VIRTIO_ID_BLOCK) {
		if (!strcmp(virtio_type_name(type), "unknown"))
			snprintf(why, size, "%s is a device of type %u, not block", name, type);
		else
			snprintf(why, size, "%s is a %s device, not block", name,
				 virtio_type_name(type));
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
