// SPDX-License-Identifier: MIT
/*
 * lvdev: the smallest device model on /dev/lowvisor (lowvisor-dev.h), for
 * tests and as an example of the device-model path.  A static armhf
 * program in the management partition's initramfs.
 *
 *   lvdev serve [N]       answer the frontends' accesses as a virtio-mmio
 *                         transport with DeviceID 0 ("no device": Linux's
 *                         driver probes it and goes away), printing each;
 *                         with N, answer N without printing them (for
 *                         `make bench`) and print how long they took
 *   lvdev find VM STRING  map VM's RAM (LOWVISOR_MAP_GUEST, mmap) and
 *                         print where STRING is in it
 *
 * Exit status 1 on an error (printed as words), 2 for a bad command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lowvisor-dev.h"

#define VIRTIO_MAGIC 0x74726976u /* "virt" */
#define VIRTIO_VENDOR 0x564f4c4cu /* "LLOV" */

/* What the register at off of a virtio-mmio transport without a device
 * reads (virtio 1.1, 4.2.2): magic, version 2, DeviceID 0, a vendor. */
static unsigned int reg_read(unsigned int off)
{
	switch (off) {
	case 0x000: return VIRTIO_MAGIC;
	case 0x004: return 2;
	case 0x00c: return VIRTIO_VENDOR;
	default: return 0;
	}
}

static int serve(int dev, long n)
{
	struct lowvisor_mmio m;
	bool quiet = n > 0;
	long done;
	unsigned int v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (done = 0; n < 0 || done < n; done++) {
		if (read(dev, &m, sizeof(m)) != sizeof(m)) {
			fprintf(stderr, "lvdev: read: %s\n", strerror(errno));
			return 1;
		}
		memcpy(&v, m.data, sizeof(v));
		if (!m.is_write) {
			v = reg_read((unsigned int)(m.phys_addr & 0x1ff));
			memcpy(m.data, &v, sizeof(v));
		}
		if (!quiet)
			printf("lvdev: vm %u vcpu %u %s 0x%08llx (%u) %s 0x%08x%s\n", m.vm, m.vcpu,
			       m.is_write ? "write" : "read", (unsigned long long)m.phys_addr,
			       m.len, m.is_write ? "<-" : "->", v, m.posted ? " posted" : "");
		if (ioctl(dev, LOWVISOR_IOREQ_COMPLETE, &m)) {
			fprintf(stderr, "lvdev: complete: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("lvdev: answered %ld accesses\n", done);
	return 0;
}

static int find(int dev, unsigned int vm, const char *s)
{
	struct lowvisor_map map = { .vm = vm };
	const char *ram, *at;

	if (ioctl(dev, LOWVISOR_MAP_GUEST, &map)) {
		fprintf(stderr, "lvdev: map vm %u: %s\n", vm, strerror(errno));
		return 1;
	}
	ram = mmap(NULL, map.size, PROT_READ, MAP_SHARED, dev, (off_t)map.offset);
	if (ram == MAP_FAILED) {
		fprintf(stderr, "lvdev: mmap: %s\n", strerror(errno));
		return 1;
	}
	at = memmem(ram, map.size, s, strlen(s));
	if (!at) {
		printf("lvdev: '%s' not in vm %u's %llu MiB\n", s, vm,
		       (unsigned long long)map.size >> 20);
		return 1;
	}
	printf("lvdev: found '%s' in vm %u's RAM at offset 0x%lx\n", s, vm, (long)(at - ram));
	return 0;
}

int main(int argc, char **argv)
{
	int dev;

	if (argc < 2 || (strcmp(argv[1], "serve") && (strcmp(argv[1], "find") || argc != 4))) {
		fprintf(stderr, "usage: lvdev serve [N] | lvdev find VM STRING\n");
		return 2;
	}
	dev = open("/dev/lowvisor", O_RDWR);
	if (dev < 0) {
		fprintf(stderr, "lvdev: /dev/lowvisor: %s (insmod lowvisor.ko)\n", strerror(errno));
		return 1;
	}
	if (!strcmp(argv[1], "serve"))
		return serve(dev, argc > 2 ? strtol(argv[2], NULL, 0) : -1);
	return find(dev, (unsigned int)strtoul(argv[2], NULL, 0), argv[3]);
}
