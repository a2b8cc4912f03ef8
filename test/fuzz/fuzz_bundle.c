// SPDX-License-Identifier: MIT
/*
 * Fuzz target: a bundle, as the hypervisor reads it at boot from whatever
 * the loader gave it.  The input is the bundle: config_parse() reads it
 * (bundle.c opens it and checks every image it names, hash.c computes
 * their digests), then, for each VM it accepted, guest_dt_build() writes
 * the VM's device tree (with the bundle's guest-dt nodes) as vm.c does.
 * Besides what the sanitizers catch, it checks what config.h and
 * guest_dt.h promise of an accepted VM: images inside the bundle and, with
 * the DTB, inside the VM's memory below 4 GiB and apart; a device tree
 * that always fits in GUEST_DTB_SIZE; -ENOSPC, never an overflow, when the
 * buffer is too small.  Every image under /images is also read on its own
 * (what a VM naming it would get), and its data hashed in two pieces must
 * give the digest of one piece.
 *
 * The number of physical CPUs (1..8, for `cpus` masks) comes from the
 * input's length, so every count is tried.
 */
#include <errno.h>
#include <libfdt.h>

#include "config.h"
#include "fuzz.h"
#include "hash.h"
#include "log.h"

/* hyp/log.c (HEX64 in messages) writes nowhere here. */
void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

static bool in_range(uint64_t base, uint64_t size, uint64_t addr, uint64_t len)
{
	return addr >= base && addr - base <= size && len <= size - (addr - base);
}

/* Any image's SHA-256 can be taken (its tail and padding stay in their
 * buffer), and its CRC-32 whole and in two pieces agree. */
static void check_hash_pieces(const uint8_t *d, size_t len)
{
	size_t cut = len ? crc32_update(0, d, len) % (len + 1) : 0;
	uint8_t digest[SHA256_DIGEST_SIZE];

	hash_compute(HASH_SHA256, d, len, digest);
	FUZZ_CHECK(crc32_update(crc32_update(0, d, cut), d + cut, len - cut) ==
			   crc32_update(0, d, len),
		   "crc32 of %zu bytes cut at %zu", len, cut);
}

/* An image bundle.c accepted lies inside the bundle (the loader copies
 * all of it) and is named and typed within its buffers. */
static void check_image(const uint8_t *data, size_t size, const struct bundle_image *img)
{
	const uint8_t *p = img->data;

	FUZZ_CHECK_STR(img->name, sizeof(img->name));
	FUZZ_CHECK_STR(img->type, sizeof(img->type));
	FUZZ_CHECK(p >= data && img->size <= size && (size_t)(p - data) <= size - img->size,
		   "image '%s': %u bytes at offset %td of a %zu-byte bundle", img->name,
		   (unsigned)img->size, p - data, size);
	check_hash_pieces(p, img->size);
}

static void check_images(const uint8_t *data, size_t size)
{
	struct bundle b;
	struct bundle_image img;
	int node, n = 0;

	if (bundle_open(&b, data, size).err)
		return;
	fdt_for_each_subnode(node, data, b.images) {
		const char *name = fdt_get_name(data, node, NULL);

		if (++n > 64)
			break;
		if (name && !bundle_image_get(&b, name, &img).err)
			check_image(data, size, &img);
	}
}

/* What config.h promises of a VM config_parse() accepted. */
static void check_vm(const uint8_t *data, size_t size, const struct vm_config *vm,
		     unsigned cpu_count)
{
	uint64_t base = vm->mem_base, msize = vm->mem_size;
	const struct bundle_image *k = &vm->kernel, *r = &vm->ramdisk;
	unsigned i;

	FUZZ_CHECK_STR(vm->name, sizeof(vm->name));
	FUZZ_CHECK_STR(vm->bootargs, sizeof(vm->bootargs));
	FUZZ_CHECK(vm->vcpus >= 1 && vm->vcpus <= VM_MAX_VCPUS, "vcpus %u", vm->vcpus);
	FUZZ_CHECK(vm->cpus && !(vm->cpus >> cpu_count), "cpus 0x%x of %u", vm->cpus, cpu_count);
	FUZZ_CHECK(msize && !(base % PAGE_SIZE) && !(msize % PAGE_SIZE) &&
			   in_range(0, 1ull << GUEST_IPA_BITS, base, msize),
		   "memory 0x%llx + 0x%llx", (unsigned long long)base, (unsigned long long)msize);
	check_image(data, size, k);
	FUZZ_CHECK(k->size && in_range(base, msize, vm->kernel_ipa, k->size) &&
			   in_range(0, GiB(4), vm->kernel_ipa, k->size),
		   "kernel at 0x%llx", (unsigned long long)vm->kernel_ipa);
	FUZZ_CHECK(vm->entry_ipa >= vm->kernel_ipa && vm->entry_ipa - vm->kernel_ipa < k->size,
		   "entry 0x%llx", (unsigned long long)vm->entry_ipa);
	FUZZ_CHECK(in_range(base, msize, vm->dtb_ipa, GUEST_DTB_SIZE) &&
			   in_range(0, GiB(4), vm->dtb_ipa, GUEST_DTB_SIZE) &&
			   !ranges_overlap(vm->dtb_ipa, GUEST_DTB_SIZE, vm->kernel_ipa, k->size),
		   "DTB at 0x%llx", (unsigned long long)vm->dtb_ipa);
	if (vm->has_ramdisk) {
		check_image(data, size, r);
		FUZZ_CHECK(r->size && in_range(base, msize, vm->ramdisk_ipa, r->size) &&
				   in_range(0, GiB(4), vm->ramdisk_ipa, r->size) &&
				   !ranges_overlap(vm->ramdisk_ipa, r->size, vm->kernel_ipa, k->size) &&
				   !ranges_overlap(vm->ramdisk_ipa, r->size, vm->dtb_ipa,
						   GUEST_DTB_SIZE),
			   "ramdisk at 0x%llx", (unsigned long long)vm->ramdisk_ipa);
	}
	FUZZ_CHECK(vm->passthrough_count <= VM_MAX_PASSTHROUGH, "%u passthrough nodes",
		   vm->passthrough_count);
	for (i = 0; i < vm->passthrough_count; i++)
		FUZZ_CHECK(vm->passthrough[i][0] == '/' &&
				   memchr(vm->passthrough[i], '\0', VM_PATH_MAX),
			   "passthrough %u", i);
}

/* The VM's device tree, as vm.c builds it into GUEST_DTB_SIZE of its RAM
 * (here a heap block of exactly that size, so ASan sees any overrun),
 * and into a buffer too small for it. */
static void check_guest_dt(const struct vm_config *vm, size_t size)
{
	size_t small = size % GUEST_DTB_SIZE;
	void *dtb = malloc(GUEST_DTB_SIZE), *tiny = malloc(small ? small : 1);
	struct dt_status st;
	int err;

	FUZZ_CHECK(dtb && tiny, "out of memory");
	err = guest_dt_build(dtb, GUEST_DTB_SIZE, vm, (uint32_t)size);
	FUZZ_CHECK(!err, "vm '%s': guest_dt_build: %d", vm->name, err);
	st = dt_check(dtb, GUEST_DTB_SIZE);
	FUZZ_CHECK(!st.err, "vm '%s': its DTB: %s", vm->name, st.msg);
	err = guest_dt_build(tiny, small, vm, 0);
	FUZZ_CHECK(err == -ENOSPC || (!err && fdt_totalsize(tiny) <= small),
		   "vm '%s': guest_dt_build into %zu bytes: %d", vm->name, small, err);
	free(tiny);
	free(dtb);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct vm_config vms[CONFIG_MAX_VMS];
	static struct config_errors errs;
	struct system_config sys;
	unsigned cpu_count = 1 + size % 8, i;
	int err;

	err = config_parse(&sys, vms, CONFIG_MAX_VMS, data, size, cpu_count, &errs);
	FUZZ_CHECK(err == 0 || (err == -EINVAL && errs.count), "config_parse: %d", err);
	FUZZ_CHECK(sys.vm_count <= CONFIG_MAX_VMS, "%u VMs", sys.vm_count);
	for (i = 0; i < CONFIG_MAX_ERRORS && i < errs.count; i++)
		FUZZ_CHECK_STR(errs.msg[i], CONFIG_MSG_MAX);
	for (i = 0; i < CONFIG_MAX_WARNINGS && i < errs.warn_count; i++)
		FUZZ_CHECK_STR(errs.warn[i], CONFIG_MSG_MAX);
	for (i = 0; !err && i < sys.vm_count; i++) {
		check_vm(data, size, &vms[i], cpu_count);
		check_guest_dt(&vms[i], size);
	}
	check_images(data, size);
	return 0;
}
