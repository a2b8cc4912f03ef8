// SPDX-License-Identifier: MIT
/*
 * Bundles and configurations: the digests (hyp/config/hash.c) against the FIPS
 * 180-4 and CRC-32 check values, the FIT reader (hyp/config/bundle.c) and the
 * /lowvisor parser (hyp/config/config.c).
 *
 * Most bundles are built here with libfdt's sequential-write API -- a good
 * two-VM configuration -- and then broken one property at a time with the
 * read-write API; each error must come out as one message naming the VM and
 * the property, with the other VM parsed intact.  The last tests run the
 * real mkimage (skipped when it is not installed) on a generated .its and
 * on configs/hello.its, so the reader is checked against what mkimage
 * writes, external data (-E) included.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hash.h"
#include "log.h"
#include "unit.h"

/* hyp/log.c (HEX64 in messages) writes nowhere here. */
void console_write(const char *s, size_t len)
{
	(void)s;
	(void)len;
}

/* ---- digests ---------------------------------------------------------- */

static void from_hex(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void assert_digest(enum hash_algo algo, const void *data, size_t len, const char *hex)
{
	uint8_t want[HASH_MAX_DIGEST_SIZE], got[HASH_MAX_DIGEST_SIZE];
	size_t n = hash_digest_size(algo);

	from_hex(hex, want, n);
	hash_compute(algo, data, len, got);
	if (memcmp(want, got, n)) {
		char s[2 * HASH_MAX_DIGEST_SIZE + 1];
		size_t i;

		for (i = 0; i < n; i++)
			sprintf(s + 2 * i, "%02x", got[i]);
		fail_msg("algo %d of %zu bytes: got %s, want %s", algo, len, s, hex);
	}
}

static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

/* One million 'a's, the long FIPS 180 example. */
static char *million_a(void)
{
	char *m = malloc(1000000);

	assert_non_null(m);
	memset(m, 'a', 1000000);
	return m;
}

static void test_sha256_vectors(void **state)
{
	char *m = million_a();

	(void)state;
	assert_digest(HASH_SHA256, "", 0,
		      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_digest(HASH_SHA256, "abc", 3,
		      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_digest(HASH_SHA256, msg448, strlen(msg448),
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_digest(HASH_SHA256, msg896, strlen(msg896),
		      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
	assert_digest(HASH_SHA256, m, 1000000,
		      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

/* The CRC-32 by its definition, one bit at a time. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t len)
{
	uint32_t crc = ~0u;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
	}
	return ~crc;
}

static void test_crc32_vectors(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t buf[4096], d[HASH_MAX_DIGEST_SIZE];
	char *m = million_a();
	size_t i;

	(void)state;
	assert_int_equal(crc32_update(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(crc32_update(0, "", 0), 0);
	assert_int_equal(crc32_update(0, fox, strlen(fox)), 0x414fa339u);
	assert_int_equal(crc32_update(0, m, 1000000), 0xdc25bfbcu);
	/* In pieces, as zlib's crc32() chains. */
	assert_int_equal(crc32_update(crc32_update(0, "12345", 5), "6789", 4), 0xcbf43926u);
	srand(42);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (i = 0; i <= sizeof(buf); i += 173)
		assert_int_equal(crc32_update(0, buf, i), crc32_bitwise(buf, i));
	/* A FIT stores it as one big-endian cell. */
	hash_compute(HASH_CRC32, "123456789", 9, d);
	assert_memory_equal(d, "\xcb\xf4\x39\x26", 4);
	free(m);
}

/* Lengths around the 55/56/64-byte padding boundaries. */
static void test_hash_block_boundaries(void **state)
{
	static const struct {
		size_t len;
		const char *sha256;
		uint32_t crc;
	} v[] = {
		{ 55, "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b", 0x30c94412 },
		{ 56, "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27", 0xcb5e10b8 },
		{ 63, "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055", 0xb7350c2a },
		{ 64, "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241", 0xcbd9ecf0 },
		{ 65, "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e", 0x6d195777 },
		{ 119, "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e", 0xfd968703 },
		{ 120, "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5", 0x3a47ad39 },
		{ 300, "04773f8726c81cafcfa1a09a82664b98b00d2021031a1715bca1154f2dad3472", 0xde0e57ce },
	};
	uint8_t pat[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		assert_digest(HASH_SHA256, pat, v[i].len, v[i].sha256);
		assert_int_equal(crc32_update(0, pat, v[i].len), v[i].crc);
	}
}

static void test_hash_algo_names(void **state)
{
	(void)state;
	assert_int_equal(hash_algo_by_name("sha256"), HASH_SHA256);
	assert_int_equal(hash_algo_by_name("sha1"), HASH_NONE); /* broken; not accepted */
	assert_int_equal(hash_algo_by_name("crc32"), HASH_CRC32);
	assert_int_equal(hash_algo_by_name("md5"), HASH_NONE);
	assert_int_equal(hash_algo_by_name("SHA256"), HASH_NONE);
	assert_int_equal(hash_algo_by_name(""), HASH_NONE);
	assert_int_equal(hash_digest_size(HASH_SHA256), 32);
	assert_int_equal(hash_digest_size(HASH_CRC32), 4);
	assert_int_equal(hash_digest_size(HASH_NONE), 0);
}

/* ---- bundles built here ----------------------------------------------- */

#define FIT_BUF (1u << 20)

static uint8_t *fit;
static uint8_t kernel_data[64 * 1024], initrd_data[8 * 1024], hello_data[4 * 1024];

static struct system_config sys;
static struct vm_config vms[4];
static struct config_errors errs;

#define SW(x) assert_int_equal((x), 0)

static const char *const algos_linux_kernel[] = { "sha256", "crc32", NULL };
static const char *const algos_initrd[] = { "sha256", NULL };
static const char *const algos_sha256[] = { "sha256", NULL };

struct fit_opts {
	const char *const *hello_algos; /* NULL: sha256 */
	bool dup;			/* a third VM also called "hello" */
};

static void sw_image(void *f, const char *name, const void *data, size_t size, const char *type,
		     bool load, uint32_t addr, const char *const *algos)
{
	uint8_t digest[HASH_MAX_DIGEST_SIZE];
	char hname[16];
	int i;

	SW(fdt_begin_node(f, name));
	SW(fdt_property_string(f, "description", name));
	SW(fdt_property(f, "data", data, (int)size));
	SW(fdt_property_string(f, "type", type));
	SW(fdt_property_string(f, "arch", "arm"));
	SW(fdt_property_string(f, "os", "linux"));
	SW(fdt_property_string(f, "compression", "none"));
	if (load) {
		SW(fdt_property_u32(f, "load", addr));
		SW(fdt_property_u32(f, "entry", addr));
	}
	for (i = 0; algos[i]; i++) {
		enum hash_algo a = hash_algo_by_name(algos[i]);

		snprintf(hname, sizeof(hname), "hash-%d", i + 1);
		SW(fdt_begin_node(f, hname));
		hash_compute(a, data, size, digest);
		SW(fdt_property(f, "value", digest, (int)hash_digest_size(a)));
		SW(fdt_property_string(f, "algo", algos[i]));
		SW(fdt_end_node(f));
	}
	SW(fdt_end_node(f));
}

static void sw_vm_linux(void *f)
{
	static const uint32_t mem[4] = { 0, 0x40000000, 0, 0x08000000 };
	fdt32_t cells[4];
	int i;

	for (i = 0; i < 4; i++)
		cells[i] = cpu_to_fdt32(mem[i]);
	SW(fdt_begin_node(f, "linux"));
	SW(fdt_property(f, "management", NULL, 0));
	SW(fdt_property_u32(f, "vcpus", 2));
	SW(fdt_property_u32(f, "cpus", 0x3));
	SW(fdt_property(f, "memory", cells, sizeof(cells)));
	SW(fdt_property_string(f, "kernel", "linux-kernel"));
	SW(fdt_property_string(f, "ramdisk", "linux-initrd"));
	SW(fdt_property_string(f, "bootargs", "console=ttyAMA0 earlycon"));
	SW(fdt_end_node(f));
}

static void sw_vm_hello(void *f)
{
	fdt32_t mem[2] = { cpu_to_fdt32(0x80000000), cpu_to_fdt32(0x01000000) };

	SW(fdt_begin_node(f, "hello"));
	SW(fdt_property_u32(f, "vcpus", 1));
	SW(fdt_property_u32(f, "cpus", 0x2));
	SW(fdt_property(f, "memory", mem, sizeof(mem)));
	SW(fdt_property(f, "identity", NULL, 0));
	SW(fdt_property_string(f, "kernel", "hello"));
	SW(fdt_end_node(f));
}

/*
 * The good configuration: "linux" (VM 0: management, 2 vCPUs, 128 MiB at
 * 0x40000000 given as 4 cells, kernel with load, ramdisk without) and
 * "hello" (VM 1: identity, 1 vCPU, 16 MiB at 0x80000000, a bare-metal
 * kernel at the start of its memory).  Opened into FIT_BUF bytes so tests
 * can edit it.
 */
static void build_fit(const struct fit_opts *o)
{
	void *f = fit;

	SW(fdt_create(f, FIT_BUF));
	SW(fdt_finish_reservemap(f));
	SW(fdt_begin_node(f, ""));
	SW(fdt_property_string(f, "description", "unit test bundle"));
	SW(fdt_property_u32(f, "#address-cells", 1));
	SW(fdt_begin_node(f, "images"));
	sw_image(f, "linux-kernel", kernel_data, sizeof(kernel_data), "kernel", true, 0x40008000,
		 algos_linux_kernel);
	sw_image(f, "linux-initrd", initrd_data, sizeof(initrd_data), "ramdisk", false, 0,
		 algos_initrd);
	sw_image(f, "hello", hello_data, sizeof(hello_data), "kernel", true, 0x80000000,
		 o->hello_algos ? o->hello_algos : algos_sha256);
	SW(fdt_end_node(f));
	SW(fdt_begin_node(f, "lowvisor"));
	SW(fdt_property_string(f, "console", "focus"));
	SW(fdt_property_string(f, "poweroff", "last-vm"));
	SW(fdt_begin_node(f, "vms"));
	sw_vm_linux(f);
	sw_vm_hello(f);
	if (o->dup)
		sw_vm_hello(f);
	SW(fdt_end_node(f));
	SW(fdt_end_node(f));
	SW(fdt_end_node(f));
	SW(fdt_finish(f));
	SW(fdt_open_into(f, f, FIT_BUF));
}

static int setup(void **state)
{
	static const struct fit_opts plain = { 0 };
	size_t i;

	(void)state;
	fit = calloc(1, FIT_BUF);
	if (!fit)
		return -1;
	for (i = 0; i < sizeof(kernel_data); i++)
		kernel_data[i] = (uint8_t)(i * 13 + (i >> 8));
	for (i = 0; i < sizeof(initrd_data); i++)
		initrd_data[i] = (uint8_t)(i ^ 0x5a);
	for (i = 0; i < sizeof(hello_data); i++)
		hello_data[i] = (uint8_t)(i * 3);
	memset(&sys, 0xa5, sizeof(sys));
	memset(vms, 0xa5, sizeof(vms));
	build_fit(&plain);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fit);
	return 0;
}

static int node(const char *path)
{
	int n = fdt_path_offset(fit, path);

	if (n < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(n));
	return n;
}

static void set_u32(const char *path, const char *prop, uint32_t v)
{
	SW(fdt_setprop_u32(fit, node(path), prop, v));
}

static void set_str(const char *path, const char *prop, const char *s)
{
	SW(fdt_setprop_string(fit, node(path), prop, s));
}

static void set_cells(const char *path, const char *prop, const uint32_t *v, int n)
{
	fdt32_t cells[12];
	int i;

	assert_true(n <= (int)ARRAY_SIZE(cells));
	for (i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(v[i]);
	SW(fdt_setprop(fit, node(path), prop, cells, n * 4));
}

static void del_prop(const char *path, const char *prop)
{
	SW(fdt_delprop(fit, node(path), prop));
}

static void del_node(const char *path)
{
	SW(fdt_del_node(fit, node(path)));
}

static uint8_t *image_data(const char *path)
{
	int len;
	uint8_t *d = fdt_getprop_w(fit, node(path), "data", &len);

	assert_non_null(d);
	return d;
}

static void dump_msgs(void)
{
	unsigned i;

	for (i = 0; i < errs.count && i < CONFIG_MAX_ERRORS; i++)
		print_message("  error: %s\n", errs.msg[i]);
	for (i = 0; i < errs.warn_count && i < CONFIG_MAX_WARNINGS; i++)
		print_message("  warning: %s\n", errs.warn[i]);
}

static int parse_sized(size_t size, unsigned max_vms, unsigned cpu_count)
{
	return config_parse(&sys, vms, max_vms, fit, size, cpu_count, &errs);
}

static int parse(void)
{
	return parse_sized(fdt_totalsize(fit), ARRAY_SIZE(vms), 2);
}

static void check_image(const struct bundle_image *img, const char *name, const char *type,
			const void *data, size_t size, unsigned hashes)
{
	assert_string_equal(img->name, name);
	assert_string_equal(img->type, type);
	assert_int_equal(img->size, size);
	assert_memory_equal(img->data, data, size);
	/* Inside the bundle, not a copy. */
	assert_true((const uint8_t *)img->data > fit &&
		    (const uint8_t *)img->data + size <= fit + FIT_BUF);
	assert_int_equal(img->hash_count, hashes);
}

static void check_linux(const struct vm_config *vm)
{
	assert_string_equal(vm->name, "linux");
	assert_int_equal(vm->id, 0);
	assert_true(vm->management);
	assert_false(vm->identity);
	assert_int_equal(vm->vcpus, 2);
	assert_int_equal(vm->cpus, 0x3);
	assert_int_equal(vm->mem_base, 0x40000000);
	assert_int_equal(vm->mem_size, 0x08000000);
	assert_int_equal(vm->dev.gicd, 0x08000000);
	assert_int_equal(vm->dev.gicc, 0x08010000);
	assert_int_equal(vm->dev.uart, 0x09000000);
	check_image(&vm->kernel, "linux-kernel", "kernel", kernel_data, sizeof(kernel_data), 2);
	assert_true(vm->kernel.has_load && vm->kernel.has_entry);
	assert_int_equal(vm->kernel.load, 0x40008000);
	assert_int_equal(vm->kernel.entry, 0x40008000);
	assert_true(vm->has_ramdisk);
	check_image(&vm->ramdisk, "linux-initrd", "ramdisk", initrd_data, sizeof(initrd_data), 1);
	assert_false(vm->ramdisk.has_load);
	assert_string_equal(vm->bootargs, "console=ttyAMA0 earlycon");
	assert_int_equal(vm->kernel_ipa, 0x40008000);
	assert_int_equal(vm->entry_ipa, 0x40008000);
	/* base + min(128 MiB / 2, 128 MiB); the DTB on the next page after it */
	assert_int_equal(vm->ramdisk_ipa, 0x44000000);
	assert_int_equal(vm->dtb_ipa, 0x44002000);
}

static void check_hello(const struct vm_config *vm, unsigned id)
{
	assert_string_equal(vm->name, "hello");
	assert_int_equal(vm->id, id);
	assert_false(vm->management);
	assert_true(vm->identity);
	assert_int_equal(vm->vcpus, 1);
	assert_int_equal(vm->cpus, 0x2);
	assert_int_equal(vm->mem_base, 0x80000000);
	assert_int_equal(vm->mem_size, 0x01000000);
	check_image(&vm->kernel, "hello", "kernel", hello_data, sizeof(hello_data), 1);
	assert_false(vm->has_ramdisk);
	assert_string_equal(vm->bootargs, "");
	assert_int_equal(vm->kernel_ipa, 0x80000000);
	assert_int_equal(vm->entry_ipa, 0x80000000);
	assert_int_equal(vm->ramdisk_ipa, 0);
	assert_int_equal(vm->dtb_ipa, 0x80800000); /* base + 16 MiB / 2 */
}

/* The bundle parses, VM bad is left out with exactly the message msg, and
 * the other VM comes out whole. */
static void expect_vm_error(const char *bad, const char *msg)
{
	int err = parse();

	if (err || errs.count != 1 || strcmp(errs.msg[0], msg))
		dump_msgs();
	assert_int_equal(err, 0);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], msg);
	assert_int_equal(sys.vm_count, 1);
	assert_int_equal(sys.error_count, 1);
	if (!strcmp(bad, "linux"))
		check_hello(&vms[0], 1);
	else
		check_linux(&vms[0]);
}

/* The whole bundle is refused with the message msg. */
static void expect_bundle_error(int err, const char *msg)
{
	if (errs.count != 1 || !strstr(errs.msg[0], msg))
		dump_msgs();
	assert_int_equal(err, -EINVAL);
	assert_int_equal(errs.count, 1);
	assert_contains(errs.msg[0], msg);
	assert_int_equal(sys.vm_count, 0);
}

static void test_good_config(void **state)
{
	(void)state;
	assert_int_equal(parse(), 0);
	if (errs.count || errs.warn_count)
		dump_msgs();
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.warn_count, 0);
	assert_int_equal(sys.vm_count, 2);
	assert_int_equal(sys.error_count, 0);
	assert_int_equal(sys.console, CONSOLE_FOCUS);
	assert_true(sys.poweroff_when_last_stops);
	check_linux(&vms[0]);
	check_hello(&vms[1], 1);
}

static void test_defaults(void **state)
{
	(void)state;
	del_prop("/lowvisor", "console");
	del_prop("/lowvisor", "poweroff");
	del_prop("/lowvisor/vms/hello", "cpus");
	del_prop("/images/hello", "load");
	del_prop("/images/hello", "entry");
	assert_int_equal(parse_sized(fdt_totalsize(fit), ARRAY_SIZE(vms), 4), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(sys.console, CONSOLE_PREFIX);
	assert_false(sys.poweroff_when_last_stops);
	assert_int_equal(vms[1].cpus, 0xf); /* all 4 CPUs */
	assert_false(vms[1].kernel.has_load);
	assert_int_equal(vms[1].kernel_ipa, 0x80008000);
	assert_int_equal(vms[1].entry_ipa, 0x80008000);
	assert_int_equal(vms[1].dtb_ipa, 0x80800000);
	assert_int_equal(vms[1].slice_us, 0); /* the system's */
	assert_int_equal(vms[1].priority, 0);
}

static void test_kernel_noload(void **state)
{
	(void)state;
	set_str("/images/hello", "type", "kernel_noload");
	set_u32("/images/hello", "entry", 0x100); /* an offset into the image */
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(vms[1].kernel_ipa, 0x80008000); /* its load is ignored */
	assert_int_equal(vms[1].entry_ipa, 0x80008100);
}

static void test_ramdisk_with_load(void **state)
{
	(void)state;
	set_u32("/images/linux-initrd", "load", 0x41000000);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(vms[0].ramdisk_ipa, 0x41000000);
	assert_int_equal(vms[0].dtb_ipa, 0x41002000);
}

/* Where the DTB would overlap the kernel, it goes after the images. */
static void test_dtb_fallback(void **state)
{
	static const uint32_t mem[] = { 0x80000000, 0x00100000 };

	(void)state;
	set_cells("/lowvisor/vms/hello", "memory", mem, 2);
	set_u32("/images/hello", "load", 0x80080000);
	set_u32("/images/hello", "entry", 0x80080000);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(vms[1].kernel_ipa, 0x80080000);
	assert_int_equal(vms[1].dtb_ipa, 0x80081000);
}

static void test_no_room_for_dtb(void **state)
{
	static const uint32_t mem[] = { 0x80000000, 0x2000 };

	(void)state;
	set_cells("/lowvisor/vms/hello", "memory", mem, 2);
	expect_vm_error("hello", "vm 'hello': no room for its device tree (16 KiB): neither "
				 "0x80001000 nor 0x80001000 (after the images) is free memory");
}

static void test_missing_image(void **state)
{
	(void)state;
	set_str("/lowvisor/vms/linux", "kernel", "foo");
	expect_vm_error("linux", "vm 'linux': kernel = \"foo\": no image 'foo' under /images");
}

static void test_missing_ramdisk_image(void **state)
{
	(void)state;
	set_str("/lowvisor/vms/linux", "ramdisk", "initrd");
	expect_vm_error("linux", "vm 'linux': ramdisk = \"initrd\": no image 'initrd' under "
				 "/images");
}

static void test_kernel_property(void **state)
{
	(void)state;
	del_prop("/lowvisor/vms/hello", "kernel");
	expect_vm_error("hello", "vm 'hello': kernel: missing (the name of an image under "
				 "/images)");
	SW(fdt_setprop(fit, node("/lowvisor/vms/hello"), "kernel", "hello", 5)); /* no NUL */
	expect_vm_error("hello", "vm 'hello': kernel: must be the name of an image under /images");
}

static void test_kernel_of_wrong_type(void **state)
{
	(void)state;
	set_str("/lowvisor/vms/linux", "kernel", "linux-initrd");
	expect_vm_error("linux", "vm 'linux': kernel = \"linux-initrd\": image 'linux-initrd' is "
				 "of type \"ramdisk\", not a kernel");
}

static void test_memory_past_ipa_space(void **state)
{
	static const uint32_t past[] = { 0xff, 0xfff00000, 0, 0x00200000 };
	static const uint32_t above[] = { 0x100, 0, 0, 0x1000 };

	(void)state;
	set_cells("/lowvisor/vms/hello", "memory", past, 4);
	expect_vm_error("hello", "vm 'hello': memory: 0xfffff00000 + 0x00200000 runs past the "
				 "40-bit IPA space");
	set_cells("/lowvisor/vms/hello", "memory", above, 4);
	expect_vm_error("hello", "vm 'hello': memory: 0x10000000000 + 0x00001000 runs past the "
				 "40-bit IPA space");
}

static void test_memory_malformed(void **state)
{
	static const uint32_t three[] = { 0x80000000, 0, 0x1000 };
	static const uint32_t unaligned[] = { 0x80000800, 0x01000000 };
	static const uint32_t empty[] = { 0x80000000, 0 };

	(void)state;
	del_prop("/lowvisor/vms/hello", "memory");
	expect_vm_error("hello", "vm 'hello': memory: missing (<base size>, guest physical)");
	set_cells("/lowvisor/vms/hello", "memory", three, 3);
	expect_vm_error("hello", "vm 'hello': memory: must be <base size> (2 cells) or 4 cells "
				 "of 64-bit base and size");
	set_cells("/lowvisor/vms/hello", "memory", unaligned, 2);
	expect_vm_error("hello", "vm 'hello': memory: 0x80000800 + 0x01000000 is not 4 KiB "
				 "aligned");
	set_cells("/lowvisor/vms/hello", "memory", empty, 2);
	expect_vm_error("hello", "vm 'hello': memory: size is 0");
}

static void test_memory_over_devices(void **state)
{
	static const uint32_t gic[] = { 0x08000000, 0x01000000 };
	static const uint32_t uart[] = { 0x08ff0000, 0x00020000 };

	(void)state;
	set_cells("/lowvisor/vms/hello", "memory", gic, 2);
	expect_vm_error("hello", "vm 'hello': memory: 0x08000000 + 0x01000000 overlaps the "
				 "guest's GIC distributor at 0x08000000");
	set_cells("/lowvisor/vms/hello", "memory", uart, 2);
	expect_vm_error("hello", "vm 'hello': memory: 0x08ff0000 + 0x00020000 overlaps the "
				 "guest's UART at 0x09000000");
}

static void test_vcpus(void **state)
{
	(void)state;
	set_u32("/lowvisor/vms/hello", "vcpus", 9);
	expect_vm_error("hello", "vm 'hello': vcpus = <9>: must be 1..8");
	set_u32("/lowvisor/vms/hello", "vcpus", 0);
	expect_vm_error("hello", "vm 'hello': vcpus = <0>: must be 1..8");
	SW(fdt_setprop_u64(fit, node("/lowvisor/vms/hello"), "vcpus", 1));
	expect_vm_error("hello", "vm 'hello': vcpus: must be one 32-bit cell (the number of vCPUs)");
	/* "two" is 4 bytes, like a cell: it is named a string, not read as
	 * <1953984256>; so are other strings, and the empty one. */
	set_str("/lowvisor/vms/hello", "vcpus", "two");
	expect_vm_error("hello", "vm 'hello': vcpus = \"two\": must be one 32-bit cell (the "
				 "number of vCPUs), not a string");
	set_str("/lowvisor/vms/hello", "vcpus", "2");
	expect_vm_error("hello", "vm 'hello': vcpus = \"2\": must be one 32-bit cell (the "
				 "number of vCPUs), not a string");
	set_str("/lowvisor/vms/hello", "vcpus", "");
	expect_vm_error("hello", "vm 'hello': vcpus = \"\": must be one 32-bit cell (the "
				 "number of vCPUs), not a string");
	SW(fdt_setprop(fit, node("/lowvisor/vms/hello"), "vcpus", NULL, 0));
	expect_vm_error("hello", "vm 'hello': vcpus: must be one 32-bit cell (the number of vCPUs)");
	del_prop("/lowvisor/vms/hello", "vcpus");
	expect_vm_error("hello", "vm 'hello': vcpus: missing (1..8)");
	set_u32("/lowvisor/vms/hello", "vcpus", 8);
	assert_int_equal(parse(), 0);
	assert_int_equal(vms[1].vcpus, 8);
}

static void test_cpus(void **state)
{
	(void)state;
	set_u32("/lowvisor/vms/hello", "cpus", 0x10);
	expect_vm_error("hello", "vm 'hello': cpus = <0x10>: no such CPU (machine has 2)");
	set_u32("/lowvisor/vms/hello", "cpus", 0x4);
	expect_vm_error("hello", "vm 'hello': cpus = <0x4>: no such CPU (machine has 2)");
	set_u32("/lowvisor/vms/hello", "cpus", 0);
	expect_vm_error("hello", "vm 'hello': cpus = <0x0>: no CPU to run on");
	set_str("/lowvisor/vms/hello", "cpus", "everything");
	expect_vm_error("hello", "vm 'hello': cpus = \"everything\": must be one 32-bit cell (a "
				 "mask of physical CPUs), not a string");
	set_str("/lowvisor/vms/hello", "cpus", "all");
	expect_vm_error("hello", "vm 'hello': cpus = \"all\": must be one 32-bit cell (a mask of "
				 "physical CPUs), not a string");
	/* With 8 CPUs, 0x4 is fine. */
	set_u32("/lowvisor/vms/hello", "cpus", 0x4);
	assert_int_equal(parse_sized(fdt_totalsize(fit), ARRAY_SIZE(vms), 8), 0);
	assert_int_equal(sys.vm_count, 2);
	assert_int_equal(vms[1].cpus, 0x4);
}

static void test_slice_and_priority(void **state)
{
	(void)state;
	set_u32("/lowvisor/vms/hello", "slice-us", 99);
	expect_vm_error("hello", "vm 'hello': slice-us = <99>: must be 100..1000000 (microseconds)");
	set_u32("/lowvisor/vms/hello", "slice-us", 1000001);
	expect_vm_error("hello", "vm 'hello': slice-us = <1000001>: must be 100..1000000 (microseconds)");
	set_str("/lowvisor/vms/hello", "slice-us", "2 ms");
	expect_vm_error("hello", "vm 'hello': slice-us = \"2 ms\": must be one 32-bit cell "
				 "(microseconds), not a string");
	set_str("/lowvisor/vms/hello", "slice-us", "1ms");
	expect_vm_error("hello", "vm 'hello': slice-us = \"1ms\": must be one 32-bit cell "
				 "(microseconds), not a string");
	set_u32("/lowvisor/vms/hello", "slice-us", 2000);
	set_u32("/lowvisor/vms/hello", "priority", 16);
	expect_vm_error("hello", "vm 'hello': priority = <16>: must be 0..15 (higher runs first)");
	SW(fdt_setprop_u64(fit, node("/lowvisor/vms/hello"), "priority", 1));
	expect_vm_error("hello", "vm 'hello': priority: must be one 32-bit cell (higher runs "
				 "first)");
	set_str("/lowvisor/vms/hello", "priority", "top");
	expect_vm_error("hello", "vm 'hello': priority = \"top\": must be one 32-bit cell (higher "
				 "runs first), not a string");
	set_u32("/lowvisor/vms/hello", "priority", 15);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.warn_count, 0);
	assert_int_equal(vms[1].slice_us, 2000);
	assert_int_equal(vms[1].priority, 15);
	assert_int_equal(vms[0].slice_us, 0);
}

/* Memory may reach above 4 GiB; what the guest must reach with its MMU
 * off may not. */
static void test_above_4g(void **state)
{
	static const uint32_t high[] = { 1, 0, 0, 0x01000000 };
	static const uint32_t across[] = { 0, 0xff000000, 0, 0x02000000 };

	(void)state;
	set_cells("/lowvisor/vms/hello", "memory", high, 4);
	del_prop("/images/hello", "load");
	del_prop("/images/hello", "entry");
	expect_vm_error("hello", "vm 'hello': kernel 'hello' at 0x100008000 + 0x00001000 is not "
				 "below 4 GiB, where a guest that starts with its MMU off can reach "
				 "it");
	/* 16 MiB below 4 GiB, 16 above: the DTB (base + 16 MiB) would be above,
	 * so it goes after the kernel. */
	set_cells("/lowvisor/vms/hello", "memory", across, 4);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(vms[1].kernel_ipa, 0xff008000);
	assert_int_equal(vms[1].dtb_ipa, 0xff009000);
}

static void test_kernel_outside_memory(void **state)
{
	(void)state;
	set_u32("/images/hello", "load", 0x30000000);
	expect_vm_error("hello", "vm 'hello': kernel 'hello': load address 0x30000000 is outside "
				 "the VM's memory 0x80000000 + 0x01000000");
}

static void test_kernel_does_not_fit(void **state)
{
	static const uint32_t mem[] = { 0, 0x40000000, 0, 0x10000 };

	(void)state;
	set_cells("/lowvisor/vms/linux", "memory", mem, 4);
	expect_vm_error("linux", "vm 'linux': kernel 'linux-kernel' (65536 bytes at 0x40008000) "
				 "does not fit in the VM's memory 0x40000000 + 0x00010000");
}

static void test_entry_outside_kernel(void **state)
{
	(void)state;
	set_u32("/images/hello", "entry", 0x80001000);
	expect_vm_error("hello", "vm 'hello': kernel 'hello': entry 0x80001000 is outside the "
				 "image (0x80000000 + 0x00001000)");
}

static void test_ramdisk_placement_errors(void **state)
{
	(void)state;
	set_u32("/images/linux-initrd", "load", 0x40009000);
	expect_vm_error("linux", "vm 'linux': ramdisk 'linux-initrd' at 0x40009000 + 0x00002000 "
				 "overlaps kernel 'linux-kernel' at 0x40008000 + 0x00010000");
	set_u32("/images/linux-initrd", "load", 0x47fff000);
	expect_vm_error("linux", "vm 'linux': ramdisk 'linux-initrd' (8192 bytes at 0x47fff000) "
				 "does not fit in the VM's memory 0x40000000 + 0x08000000");
	/* The default place, under a kernel loaded high. */
	del_prop("/images/linux-initrd", "load");
	set_u32("/images/linux-kernel", "load", 0x43ff8000);
	set_u32("/images/linux-kernel", "entry", 0x43ff8000);
	expect_vm_error("linux", "vm 'linux': ramdisk 'linux-initrd' at 0x44000000 + 0x00002000 "
				 "overlaps kernel 'linux-kernel' at 0x43ff8000 + 0x00010000 (give "
				 "the ramdisk a load address)");
}

static void test_bootargs_too_long(void **state)
{
	char s[301];

	(void)state;
	memset(s, 'x', 300);
	s[300] = '\0';
	set_str("/lowvisor/vms/linux", "bootargs", s);
	expect_vm_error("linux", "vm 'linux': bootargs: longer than 255 characters");
	s[255] = '\0';
	set_str("/lowvisor/vms/linux", "bootargs", s);
	assert_int_equal(parse(), 0);
	assert_int_equal(strlen(vms[0].bootargs), 255);
}

static void test_passthrough_paths(void **state)
{
	static const char two[] = "/virtio_mmio@a003e00\0/pl061@9030000";
	static const char five[] = "/a\0/b\0/c\0/d\0/e";

	(void)state;
	SW(fdt_setprop(fit, node("/lowvisor/vms/linux"), "passthrough", two, sizeof(two)));
	assert_int_equal(parse(), 0);
	assert_int_equal(vms[0].passthrough_count, 2);
	assert_string_equal(vms[0].passthrough[0], "/virtio_mmio@a003e00");
	assert_string_equal(vms[0].passthrough[1], "/pl061@9030000");
	SW(fdt_setprop(fit, node("/lowvisor/vms/linux"), "passthrough", five, sizeof(five)));
	expect_vm_error("linux", "vm 'linux': passthrough: more than 4 nodes");
	set_str("/lowvisor/vms/linux", "passthrough", "virtio");
	expect_vm_error("linux", "vm 'linux': passthrough: entry 0 is not a DT path of at most "
				 "63 characters");
}

/* ---- guest-dt ---------------------------------------------------------- */

#define GDT "/lowvisor/vms/linux/guest-dt"

static int add_node(const char *parent, const char *name)
{
	int n = fdt_add_subnode(fit, node(parent), name);

	if (n < 0)
		fail_msg("cannot add %s/%s: %s", parent, name, fdt_strerror(n));
	return n;
}

/* VM linux gets a guest-dt with configs/linux-irq.its's node: gpio-keys
 * with an interrupt-only button on SPI 80 (ID 112), rising edge. */
static void add_gpio_keys(void)
{
	static const uint32_t irq[] = { 0, 80, 1 };

	add_node("/lowvisor/vms/linux", "guest-dt");
	add_node(GDT, "gpio-keys");
	set_str(GDT "/gpio-keys", "compatible", "gpio-keys");
	add_node(GDT "/gpio-keys", "button");
	set_str(GDT "/gpio-keys/button", "label", "lowvisor-irq");
	set_u32(GDT "/gpio-keys/button", "linux,code", 0x100);
	set_cells(GDT "/gpio-keys/button", "interrupts", irq, 3);
}

static bool spi_recorded(const struct vm_config *vm, unsigned spi)
{
	return vm->guest_dt_spis[spi / 32] >> (spi % 32) & 1u;
}

static unsigned spis_recorded(const struct vm_config *vm)
{
	unsigned spi, n = 0;

	for (spi = 0; spi < GUEST_SPIS; spi++)
		n += spi_recorded(vm, spi);
	return n;
}

/* The nodes are accepted, recorded, and guest_dt_build() puts them at the
 * root of the VM's DT, after Lowvisor's own, with every property. */
static void test_guest_dt_accepted(void **state)
{
	static const uint32_t ext[] = { GUEST_DT_PHANDLE_GIC, 0, 95, 4, GUEST_DT_PHANDLE_GIC, 1,
					7, 0x308 };
	static uint8_t dtb[GUEST_DTB_SIZE];
	const fdt32_t *c;
	int root, n, len, i = 0;

	(void)state;
	add_gpio_keys();
	add_node(GDT, "pulse@0");
	set_cells(GDT "/pulse@0", "interrupts-extended", ext, 8);
	set_u32(GDT "/pulse@0", "interrupt-parent", GUEST_DT_PHANDLE_GIC);
	set_u32(GDT "/pulse@0", "phandle", 1);
	set_str(GDT "/pulse@0", "status", "okay");
	assert_int_equal(parse(), 0);
	if (errs.count || errs.warn_count)
		dump_msgs();
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.warn_count, 0); /* guest-dt is no unknown node */
	assert_int_equal(sys.vm_count, 2);
	assert_ptr_equal(vms[0].guest_dt_fit, fit);
	assert_int_equal(vms[0].guest_dt_node, node(GDT));
	assert_null(vms[1].guest_dt_fit);
	/* SPIs 80 and 95 (DT numbers); the PPI is no SPI. */
	assert_true(spi_recorded(&vms[0], 80));
	assert_true(spi_recorded(&vms[0], 95));
	assert_int_equal(spis_recorded(&vms[0]), 2);
	assert_int_equal(spis_recorded(&vms[1]), 0);

	assert_int_equal(guest_dt_build(dtb, sizeof(dtb), &vms[0], 0), 0);
	assert_int_equal(dt_check(dtb, fdt_totalsize(dtb)).err, 0);
	root = 0;
	fdt_for_each_subnode(n, dtb, root)
		i++;
	assert_int_equal(i, 8 + 2); /* Lowvisor's eight, then these two in order */
	n = fdt_path_offset(dtb, "/pulse@0");
	assert_true(n >= 0);
	assert_int_equal(fdt_next_subnode(dtb, n), fdt_path_offset(dtb, "/gpio-keys"));
	assert_string_equal(fdt_getprop(dtb, fdt_path_offset(dtb, "/gpio-keys"), "compatible",
					NULL), "gpio-keys");
	n = fdt_path_offset(dtb, "/gpio-keys/button");
	assert_true(n >= 0);
	assert_string_equal(fdt_getprop(dtb, n, "label", NULL), "lowvisor-irq");
	c = fdt_getprop(dtb, n, "linux,code", &len);
	assert_int_equal(len, 4);
	assert_int_equal(fdt32_to_cpu(c[0]), 0x100);
	c = fdt_getprop(dtb, n, "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(c[0]), 0);
	assert_int_equal(fdt32_to_cpu(c[1]), 80);
	assert_int_equal(fdt32_to_cpu(c[2]), 1);
	c = fdt_getprop(dtb, fdt_path_offset(dtb, "/pulse@0"), "interrupts-extended", &len);
	assert_int_equal(len, 32);
	assert_int_equal(fdt32_to_cpu(c[7]), 0x308);
	assert_int_equal(fdt_node_offset_by_phandle(dtb, 1), fdt_path_offset(dtb, "/pulse@0"));
	/* The root's interrupt-parent, the GIC, serves the button. */
	assert_int_equal(fdt_node_offset_by_phandle(dtb, GUEST_DT_PHANDLE_GIC),
			 fdt_path_offset(dtb, "/intc@8000000"));
}

/* ---- virtio ------------------------------------------------------------- */

#define HV "/lowvisor/vms/hello/virtio"

/* VM hello gets two virtio devices backed by VM linux (management). */
static void add_virtio(void)
{
	/* (fdt_add_subnode puts a node first: net0, then blk0 before it.) */
	add_node("/lowvisor/vms/hello", "virtio");
	add_node(HV, "net0");
	set_str(HV "/net0", "type", "net");
	set_str(HV "/net0", "backend", "linux");
	add_node(HV, "blk0");
	set_str(HV "/blk0", "type", "block");
	set_str(HV "/blk0", "backend", "linux");
}

/* The devices are read, linked to their backend, and written into the
 * guests' DTs: the frontend's windows, the backend's ioreq node. */
static void test_virtio_accepted(void **state)
{
	static uint8_t dtb[GUEST_DTB_SIZE];
	const fdt32_t *c;
	int n, len;

	(void)state;
	add_virtio();
	assert_int_equal(parse(), 0);
	if (errs.count)
		dump_msgs();
	assert_int_equal(sys.vm_count, 2);
	assert_int_equal(vms[1].virtio_count, 2);
	assert_string_equal(vms[1].virtio[0].name, "blk0");
	assert_int_equal(vms[1].virtio[0].type, 2);
	assert_int_equal(vms[1].virtio[1].type, 1);
	assert_int_equal(vms[1].virtio[0].backend, 0);
	assert_int_equal(vms[1].virtio[1].slot_base, 0);
	assert_true(vms[0].backend);
	assert_false(vms[1].backend);
	assert_int_equal(vms[0].ioreq_slots, 1); /* hello's one vCPU, once */

	assert_int_equal(guest_dt_build(dtb, sizeof(dtb), &vms[1], 0), 0);
	n = fdt_path_offset(dtb, "/virtio_mmio@a000200");
	assert_true(n >= 0);
	assert_string_equal(fdt_getprop(dtb, n, "compatible", NULL), "virtio,mmio");
	assert_non_null(fdt_getprop(dtb, n, "dma-coherent", NULL));
	c = fdt_getprop(dtb, n, "reg", &len);
	assert_int_equal(len, 16);
	assert_int_equal(fdt32_to_cpu(c[1]), 0x0a000200);
	assert_int_equal(fdt32_to_cpu(c[3]), 0x200);
	c = fdt_getprop(dtb, n, "interrupts", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt32_to_cpu(c[1]), 17);
	assert_int_equal(fdt32_to_cpu(c[2]), 1);
	assert_true(fdt_path_offset(dtb, "/virtio_mmio@a000000") >= 0);
	assert_true(fdt_path_offset(dtb, "/lowvisor-ioreq") < 0);

	assert_int_equal(guest_dt_build(dtb, sizeof(dtb), &vms[0], 0), 0);
	assert_true(fdt_path_offset(dtb, "/virtio_mmio@a000000") < 0);
	n = fdt_path_offset(dtb, "/lowvisor-ioreq");
	assert_string_equal(fdt_getprop(dtb, n, "compatible", NULL), "lowvisor,ioreq");
	c = fdt_getprop(dtb, n, "interrupts", &len);
	assert_int_equal(fdt32_to_cpu(c[1]), LOWVISOR_IOREQ_SPI);
	assert_int_equal(dt_check(dtb, fdt_totalsize(dtb)).err, 0);
}

/* Each error names the VM, the device and the property; the other VM
 * starts. */
static void test_virtio_errors(void **state)
{
	static const uint32_t spi16[] = { 0, 16, 4 }, low_mem[] = { 0x0a000000, 0x01000000 };
	char name[64];
	int i;

	(void)state;
	add_virtio();
	set_str(HV "/net0", "type", "scsi");
	expect_vm_error("hello", "vm 'hello': virtio: net0: type: must be \"block\", \"net\" or "
				 "\"console\"");
	set_str(HV "/net0", "type", "console");
	del_prop(HV "/net0", "backend");
	expect_vm_error("hello", "vm 'hello': virtio: net0: backend: missing (the name of a "
				 "management VM)");
	set_str(HV "/net0", "backend", "nobody");
	expect_vm_error("hello", "vm 'hello': virtio: net0: backend: 'nobody' is not a VM of this "
				 "bundle that parsed: left out");
	set_str(HV "/net0", "backend", "hello");
	expect_vm_error("hello", "vm 'hello': virtio: net0: backend: 'hello' is this VM: left out");
	set_str(HV "/net0", "backend", "linux");
	del_prop("/lowvisor/vms/linux", "management");
	assert_int_equal(parse(), 0);
	assert_int_equal(sys.vm_count, 1);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "vm 'hello': virtio: blk0: backend: 'linux' is not "
					 "marked management: left out");
	SW(fdt_setprop(fit, node("/lowvisor/vms/linux"), "management", NULL, 0));
	for (i = 2; i < 9; i++) {
		snprintf(name, sizeof(name), "dev%d", i);
		add_node(HV, name);
	}
	expect_vm_error("hello", "vm 'hello': virtio: dev8: type: must be \"block\", \"net\" or "
				 "\"console\"");
	for (i = 2; i < 9; i++) {
		snprintf(name, sizeof(name), HV "/dev%d", i);
		set_str(name, "type", "net");
		set_str(name, "backend", "linux");
	}
	expect_vm_error("hello", "vm 'hello': virtio: net0: more than 8 devices");
	for (i = 2; i < 9; i++) {
		snprintf(name, sizeof(name), HV "/dev%d", i);
		del_node(name);
	}
	add_node("/lowvisor/vms/hello", "guest-dt");
	add_node("/lowvisor/vms/hello/guest-dt", "pulse");
	set_cells("/lowvisor/vms/hello/guest-dt/pulse", "interrupts", spi16, 3);
	expect_vm_error("hello", "vm 'hello': virtio: blk0: its SPI 16 (ID 48) is also a guest-dt "
				 "node's interrupt");
	del_node("/lowvisor/vms/hello/guest-dt");
	set_cells("/lowvisor/vms/hello", "memory", low_mem, 2);
	expect_vm_error("hello", "vm 'hello': virtio: blk0: its window at 0x0a000000 overlaps the "
				 "VM's memory");
}

/* Each bad interrupts value of the button is named, with the node. */
static void test_guest_dt_interrupts(void **state)
{
	static const struct {
		uint32_t cells[6];
		int count;
		const char *msg;
	} cases[] = {
		{ { 0, 96, 1 }, 3, "interrupts: SPI 96 is not one of the VM's SPIs 0..95 (IDs 32..127)" },
		{ { 0, 0xffffffffu, 1 }, 3, "interrupts: SPI 4294967295 is not one of the VM's SPIs "
					   "0..95 (IDs 32..127)" },
		{ { 0, 1, 4 }, 3, "interrupts: SPI 1 (ID 33) is the virtual UART's" },
		{ { 0, 80, 2 }, 3, "interrupts: SPI 80: flags 0x2: an SPI is rising-edge (1) or "
				   "level-high (4)" },
		{ { 0, 80, 8 }, 3, "interrupts: SPI 80: flags 0x8: an SPI is rising-edge (1) or "
				   "level-high (4)" },
		{ { 2, 80, 1 }, 3, "interrupts: type 2: the GIC's are 0 (SPI) and 1 (PPI)" },
		{ { 1, 16, 4 }, 3, "interrupts: PPI 16: PPIs are 0..15" },
		{ { 1, 11, 4 }, 3, "interrupts: PPI 11 (ID 27) is the timer's" },
		{ { 1, 10, 4 }, 3, "interrupts: PPI 10 (ID 26) is the timer's" },
		{ { 1, 5, 0x100 }, 3, "interrupts: PPI 5: flags 0x100: no trigger (1, 2, 4 or 8)" },
		{ { 0, 80, 1, 0, 95, 3 }, 6, "interrupts: SPI 95: flags 0x3: an SPI is rising-edge "
					     "(1) or level-high (4)" },
		{ { 0, 80 }, 2, "interrupts: must be GIC triples <type number flags>" },
		{ { 0 }, 0, "interrupts: must be GIC triples <type number flags>" },
	};
	static const uint32_t good[] = { 0, 80, 4, 1, 0, 0xf01, 0, 95, 1, 1, 15, 8 };
	char msg[CONFIG_MSG_MAX];
	size_t i;

	(void)state;
	add_gpio_keys();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		set_cells(GDT "/gpio-keys/button", "interrupts", cases[i].cells, cases[i].count);
		snprintf(msg, sizeof(msg), "vm 'linux': guest-dt: node 'gpio-keys/button': %s",
			 cases[i].msg);
		expect_vm_error("linux", msg);
	}
	set_cells(GDT "/gpio-keys/button", "interrupts", good, 12);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(spis_recorded(&vms[0]), 2);
	assert_true(spi_recorded(&vms[0], 80) && spi_recorded(&vms[0], 95));
}

/* Interrupts go to the vGIC only. */
static void test_guest_dt_interrupt_parent(void **state)
{
	static const uint32_t other[] = { 1, 0, 80, 1 }, far[] = { GUEST_DT_PHANDLE_GIC, 0, 96, 1 };
	static const uint32_t gic = GUEST_DT_PHANDLE_GIC;
	const char *btn = GDT "/gpio-keys/button";

	(void)state;
	add_gpio_keys();
	set_u32(GDT "/gpio-keys", "interrupt-parent", 1);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': interrupt-parent: must "
				 "be the GIC's phandle, <0x8001>: the VM's vGIC is its only "
				 "interrupt controller");
	set_cells(GDT "/gpio-keys", "interrupt-parent", &gic, 1);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	del_prop(btn, "interrupts");
	set_cells(btn, "interrupts-extended", other, 4);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys/button': "
				 "interrupts-extended: phandle 0x1 is not the GIC's (0x8001)");
	set_cells(btn, "interrupts-extended", far, 4);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys/button': "
				 "interrupts-extended: SPI 96 is not one of the VM's SPIs 0..95 "
				 "(IDs 32..127)");
	set_cells(btn, "interrupts-extended", far, 3);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys/button': "
				 "interrupts-extended: must be <GIC-phandle type number flags> "
				 "entries");
	del_prop(btn, "interrupts-extended");
	set_u32(GDT "/gpio-keys", "#interrupt-cells", 2);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': #interrupt-cells: not "
				 "allowed: the VM's vGIC is its only interrupt controller");
	del_prop(GDT "/gpio-keys", "#interrupt-cells");
	set_u32(btn, "interrupt-map", 0);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys/button': interrupt-map: "
				 "not allowed: the VM's vGIC is its only interrupt controller");
}

static void test_guest_dt_phandles(void **state)
{
	static const uint32_t two[] = { 1, 2 };
	const char *keys = GDT "/gpio-keys";

	(void)state;
	add_gpio_keys();
	set_u32(keys, "phandle", GUEST_DT_PHANDLE_GIC);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': phandle = <0x8001>: "
				 "0x8000 and 0x8001 are Lowvisor's (apb-pclk, GIC)");
	set_u32(keys, "phandle", GUEST_DT_PHANDLE_CLK);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': phandle = <0x8000>: "
				 "0x8000 and 0x8001 are Lowvisor's (apb-pclk, GIC)");
	set_u32(keys, "phandle", 0);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': phandle = <0x0>: not a "
				 "valid phandle");
	set_u32(keys, "phandle", 0xffffffffu);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': phandle = "
				 "<0xffffffff>: not a valid phandle");
	set_cells(keys, "phandle", two, 2);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': phandle: must be one "
				 "cell");
	set_u32(keys, "phandle", 7);
	set_u32(keys, "linux,phandle", GUEST_DT_PHANDLE_CLK);
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys': linux,phandle = "
				 "<0x8000>: 0x8000 and 0x8001 are Lowvisor's (apb-pclk, GIC)");
	set_u32(keys, "linux,phandle", 7);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
}

/* A top-level node may not take a name Lowvisor or passthrough uses; names
 * have dtc's characters; siblings differ. */
static void test_guest_dt_names(void **state)
{
	static const char *const own[] = { "chosen", "cpus", "psci", "timer", "apb-pclk",
					   "memory", "memory@40000000", "memory@80000000",
					   "intc@8000000", "pl011@9000000" };
	static const char *const fine[] = { "pl011@9040000", "intc", "timers", "chosen-one",
					    "virtio_mmio@a000000" };
	char msg[CONFIG_MSG_MAX];
	int n, dup;
	size_t i;

	(void)state;
	add_gpio_keys();
	for (i = 0; i < ARRAY_SIZE(own); i++) {
		SW(fdt_set_name(fit, node(GDT "/gpio-keys"), own[i]));
		snprintf(msg, sizeof(msg), "vm 'linux': guest-dt: node '%s': Lowvisor writes a "
			 "node of that name itself", own[i]);
		expect_vm_error("linux", msg);
		n = fdt_subnode_offset(fit, node(GDT), own[i]);
		SW(fdt_set_name(fit, n, "gpio-keys"));
	}
	for (i = 0; i < ARRAY_SIZE(fine); i++)
		add_node(GDT, fine[i]);
	/* A nested node may have any name. */
	add_node(GDT "/gpio-keys", "chosen");
	set_str("/lowvisor/vms/linux", "passthrough", "/virtio_mmio@a003e00");
	assert_int_equal(parse(), 0);
	if (errs.count)
		dump_msgs();
	assert_int_equal(errs.count, 0);
	add_node(GDT, "virtio_mmio@a003e00");
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'virtio_mmio@a003e00': passthrough "
				 "node /virtio_mmio@a003e00 has that name");
	del_node(GDT "/virtio_mmio@a003e00");
	n = add_node(GDT, "bad name");
	expect_vm_error("linux", "vm 'linux': guest-dt: node '?': name is empty or has characters "
				 "other than a-z A-Z 0-9 , . _ + - @");
	SW(fdt_set_name(fit, n, "good-name"));
	add_node(GDT "/gpio-keys/button", "x=y");
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'gpio-keys/button/?': name is empty "
				 "or has characters other than a-z A-Z 0-9 , . _ + - @");
	del_node(GDT "/gpio-keys/button/x=y");
	/* libfdt cannot add a duplicate, a hand-made bundle can: a rename. */
	dup = add_node(GDT, "dup");
	SW(fdt_set_name(fit, dup, "good-name"));
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'good-name': duplicate name");
}

/* Nodes only; at most VM_GUEST_DT_MAX_NODES nodes, VM_GUEST_DT_MAX_DEPTH
 * levels and VM_GUEST_DT_MAX_SIZE bytes; the largest VM with the largest
 * guest-dt still gets its whole DT into GUEST_DTB_SIZE. */
static void test_guest_dt_limits(void **state)
{
	static uint8_t blob[VM_GUEST_DT_MAX_SIZE], dtb[GUEST_DTB_SIZE];
	char path[128], name[16];
	struct vm_config big;
	int i, gdt;

	(void)state;
	gdt = add_node("/lowvisor/vms/linux", "guest-dt");
	set_u32(GDT, "interrupts", 0);
	expect_vm_error("linux", "vm 'linux': guest-dt: property 'interrupts': guest-dt holds "
				 "nodes only (each is copied to the root of the guest's device tree)");
	del_prop(GDT, "interrupts");

	/* Levels: a/b/c/d is fine, a/b/c/d/e is one too many. */
	strcpy(path, GDT);
	for (i = 0; i < VM_GUEST_DT_MAX_DEPTH; i++) {
		snprintf(name, sizeof(name), "%c", 'a' + i);
		add_node(path, name);
		strcat(path, "/");
		strcat(path, name);
	}
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	add_node(path, "e");
	expect_vm_error("linux", "vm 'linux': guest-dt: node 'a/b/c/d/e': more than 4 levels below "
				 "guest-dt");
	del_node(GDT "/a");

	/* Nodes: 32 at the top level, then one more. */
	for (i = 0; i < VM_GUEST_DT_MAX_NODES; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		assert_true(fdt_add_subnode(fit, gdt, name) >= 0);
	}
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	add_node(GDT "/n5", "one-more");
	expect_vm_error("linux", "vm 'linux': guest-dt: more than 32 nodes");
	SW(fdt_del_node(fit, node("/lowvisor/vms/linux/guest-dt")));

	/* Size: node "blob" takes 8 + 8 bytes, its property "data" 12 + the
	 * value + "data\0" in the strings: 4096 bytes with 4060 of data. */
	add_node("/lowvisor/vms/linux", "guest-dt");
	add_node(GDT, "blob");
	memset(blob, 0x5a, sizeof(blob));
	SW(fdt_setprop(fit, node(GDT "/blob"), "data", blob, VM_GUEST_DT_MAX_SIZE - 36));
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	big = vms[0];
	big.vcpus = VM_MAX_VCPUS;
	memset(big.name, 'n', VM_NAME_MAX - 1);
	big.name[VM_NAME_MAX - 1] = '\0';
	memset(big.bootargs, 'b', VM_BOOTARGS_MAX - 1);
	big.bootargs[VM_BOOTARGS_MAX - 1] = '\0';
	assert_int_equal(guest_dt_build(dtb, sizeof(dtb), &big, 0xffffffffu), 0);
	print_message("  largest guest DTB with the largest guest-dt: %u bytes of %u\n",
		      fdt_totalsize(dtb), (unsigned)GUEST_DTB_SIZE);
	assert_int_equal(fdt_getprop(dtb, fdt_path_offset(dtb, "/blob"), "data", &i) != NULL, 1);
	assert_int_equal(i, VM_GUEST_DT_MAX_SIZE - 36);
	SW(fdt_setprop(fit, node(GDT "/blob"), "data", blob, VM_GUEST_DT_MAX_SIZE - 35));
	expect_vm_error("linux", "vm 'linux': guest-dt: its nodes take more than 4096 bytes of the "
				 "guest's device tree");
}

static void test_duplicate_names(void **state)
{
	static const struct fit_opts dup = { .dup = true };

	(void)state;
	build_fit(&dup);
	assert_int_equal(parse(), 0);
	if (errs.count != 1)
		dump_msgs();
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "vm 'hello': duplicate name (VM 1 has it too)");
	assert_int_equal(sys.vm_count, 2);
	assert_int_equal(sys.error_count, 1);
	check_linux(&vms[0]);
	check_hello(&vms[1], 1);
}

static void test_bad_vm_names(void **state)
{
	int vms_node;

	(void)state;
	vms_node = node("/lowvisor/vms");
	assert_true(fdt_add_subnode(fit, vms_node, "a-name-longer-than-thirty-one-chars") >= 0);
	assert_true(fdt_add_subnode(fit, vms_node, "bad name") >= 0);
	/* libfdt adds a subnode before the others: "bad name" is VM 0. */
	assert_int_equal(parse(), 0);
	assert_int_equal(sys.vm_count, 2);
	assert_int_equal(sys.error_count, 2);
	/* Each also lacks vcpus, memory and kernel: every problem is told. */
	assert_int_equal(errs.count, 8);
	assert_string_equal(errs.msg[0], "vm '#0': node name is empty or has characters other "
					 "than a-z A-Z 0-9 , . _ + - @");
	assert_string_equal(errs.msg[3], "vm '#0': kernel: missing (the name of an image under "
					 "/images)");
	assert_string_equal(errs.msg[4], "vm 'a-name-longer-than-thirty-on...': name longer than "
					 "31 characters");
	assert_string_equal(errs.msg[5], "vm 'a-name-longer-than-thirty-on...': vcpus: missing "
					 "(1..8)");
	assert_int_equal(vms[0].id, 2);
	assert_int_equal(vms[1].id, 3);
}

/* Several problems in one VM: one message each, and one VM left out. */
static void test_every_problem_reported(void **state)
{
	(void)state;
	set_u32("/lowvisor/vms/hello", "vcpus", 9);
	set_u32("/lowvisor/vms/hello", "cpus", 0x10);
	set_str("/lowvisor/vms/hello", "kernel", "nope");
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 3);
	assert_string_equal(errs.msg[0], "vm 'hello': vcpus = <9>: must be 1..8");
	assert_string_equal(errs.msg[1], "vm 'hello': cpus = <0x10>: no such CPU (machine has 2)");
	assert_string_equal(errs.msg[2], "vm 'hello': kernel = \"nope\": no image 'nope' under "
					 "/images");
	assert_int_equal(sys.vm_count, 1);
	assert_int_equal(sys.error_count, 1);
	check_linux(&vms[0]);
}

static void test_too_many_vms(void **state)
{
	(void)state;
	assert_int_equal(parse_sized(fdt_totalsize(fit), 1, 2), 0);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], "vm 'hello': more than 1 VMs: left out");
	assert_int_equal(sys.vm_count, 1);
	assert_int_equal(sys.error_count, 1);
	check_linux(&vms[0]);
}

static void test_messages_overflow(void **state)
{
	char name[24];
	int i, vms_node;

	(void)state;
	vms_node = node("/lowvisor/vms");
	for (i = 0; i < 10; i++) { /* 3 errors each */
		snprintf(name, sizeof(name), "empty%d", i);
		assert_true(fdt_add_subnode(fit, vms_node, name) >= 0);
	}
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 30);
	/* Added in front, so empty9 comes first; the 16th message is the
	 * first of the sixth VM. */
	assert_string_equal(errs.msg[CONFIG_MAX_ERRORS - 1], "vm 'empty4': vcpus: missing (1..8)");
	assert_int_equal(sys.vm_count, 2);
	assert_int_equal(sys.error_count, 10);
}

static void test_warnings(void **state)
{
	(void)state;
	set_u32("/lowvisor/vms/hello", "vcpu", 2);
	assert_true(fdt_add_subnode(fit, node("/lowvisor/vms/hello"), "uart") >= 0);
	set_str("/lowvisor", "console", "fancy");
	set_str("/lowvisor", "poweroff", "sometimes");
	set_u32("/lowvisor", "debug", 1);
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(sys.vm_count, 2);
	check_hello(&vms[1], 1);
	assert_int_equal(sys.console, CONSOLE_PREFIX);
	assert_false(sys.poweroff_when_last_stops);
	assert_int_equal(errs.warn_count, 5);
	assert_string_equal(errs.warn[0], "lowvisor: console must be \"prefix\" or \"focus\"; "
					  "using \"prefix\"");
	assert_string_equal(errs.warn[1], "lowvisor: poweroff must be \"last-vm\" or \"never\"; "
					  "using \"never\"");
	assert_string_equal(errs.warn[2], "lowvisor: unknown property 'debug' ignored");
	assert_string_equal(errs.warn[3], "vm 'hello': unknown property 'vcpu' ignored");
	assert_string_equal(errs.warn[4], "vm 'hello': unknown node 'uart' ignored");
}

static void test_not_a_fit(void **state)
{
	static const uint8_t junk[256] = { 1, 2, 3 };

	(void)state;
	del_node("/images");
	expect_bundle_error(parse(), "bundle: not a FIT (no /images node)");
	expect_bundle_error(config_parse(&sys, vms, 4, junk, sizeof(junk), 2, &errs),
			    "bundle: not a valid DTB header");
	expect_bundle_error(config_parse(&sys, vms, 4, NULL, 0, 2, &errs), "bundle: none given");
}

static void test_no_vms(void **state)
{
	(void)state;
	del_node("/lowvisor/vms/linux");
	del_node("/lowvisor/vms/hello");
	expect_bundle_error(parse(), "bundle: /lowvisor/vms has no VM");
	del_node("/lowvisor/vms");
	expect_bundle_error(parse(), "bundle: no /lowvisor/vms");
	del_node("/lowvisor");
	expect_bundle_error(parse(), "bundle: no /lowvisor/vms");
}

static void test_truncated_bundle(void **state)
{
	uint32_t size;
	char want[96];

	(void)state;
	SW(fdt_pack(fit));
	size = fdt_totalsize(fit);
	snprintf(want, sizeof(want), "bundle: DTB claims %lu bytes, more than the %lu available",
		 (unsigned long)size, (unsigned long)size - 1);
	expect_bundle_error(parse_sized(size - 1, 4, 2), want);
	expect_bundle_error(parse_sized(20, 4, 2), "bundle: DTB of 20 bytes is smaller than its "
						   "header");
	/* A tree cut short with its header patched to match: the walk finds
	 * the structure block runs out. */
	fdt_set_size_dt_struct(fit, fdt_size_dt_struct(fit) / 2);
	fdt_set_off_dt_strings(fit, fdt_off_dt_struct(fit) + fdt_size_dt_struct(fit));
	fdt_set_size_dt_strings(fit, 0);
	fdt_set_totalsize(fit, fdt_off_dt_strings(fit));
	expect_bundle_error(parse_sized(fdt_totalsize(fit), 4, 2), "bundle: corrupt DTB");
}

static void test_corrupt_structure(void **state)
{
	fdt32_t *tag;

	(void)state;
	SW(fdt_pack(fit));
	/* The FDT_PROP tag of the first property under /images/hello. */
	tag = (fdt32_t *)(fit + fdt_off_dt_struct(fit) +
			  fdt_first_property_offset(fit, node("/images/hello")));
	assert_int_equal(fdt32_to_cpu(*tag), FDT_PROP);
	*tag = cpu_to_fdt32(0x77);
	expect_bundle_error(parse(), "bundle: corrupt DTB");
}

static const char *const algo_lists[][2] = {
	{ "sha256", NULL },
	{ "crc32", NULL },
};

/* For each algorithm: the image parses, and one flipped bit of its data, at
 * the start or the end, or of the value, is caught. */
static void test_hash_mismatch(void **state)
{
	static const size_t where[] = { 0, sizeof(hello_data) / 2, sizeof(hello_data) - 1 };
	char want[CONFIG_MSG_MAX];
	size_t a, w;

	(void)state;
	for (a = 0; a < ARRAY_SIZE(algo_lists); a++) {
		const struct fit_opts o = { .hello_algos = algo_lists[a] };

		snprintf(want, sizeof(want), "vm 'hello': kernel = \"hello\": image 'hello': hash-1: "
			 "%s does not match the data (corrupt or changed image)", algo_lists[a][0]);
		for (w = 0; w < ARRAY_SIZE(where); w++) {
			build_fit(&o);
			assert_int_equal(parse(), 0);
			assert_int_equal(errs.count, 0);
			image_data("/images/hello")[where[w]] ^= 0x10;
			expect_vm_error("hello", want);
		}
		build_fit(&o);
		((uint8_t *)fdt_getprop_w(fit, node("/images/hello/hash-1"), "value", NULL))[0] ^= 1;
		expect_vm_error("hello", want);
	}
}

/* Every hash node is checked, not only the first. */
static void test_second_hash_checked(void **state)
{
	(void)state;
	((uint8_t *)fdt_getprop_w(fit, node("/images/linux-kernel/hash-2"), "value", NULL))[3] ^= 1;
	expect_vm_error("linux", "vm 'linux': kernel = \"linux-kernel\": image 'linux-kernel': "
				 "hash-2: crc32 does not match the data (corrupt or changed image)");
	build_fit(&(struct fit_opts){ 0 });
	image_data("/images/linux-initrd")[100] ^= 0x80;
	expect_vm_error("linux", "vm 'linux': ramdisk = \"linux-initrd\": image 'linux-initrd': "
				 "hash-1: sha256 does not match the data (corrupt or changed image)");
}

static void test_hash_node_errors(void **state)
{
	(void)state;
	set_str("/images/hello/hash-1", "algo", "md5");
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': hash-1: algo = "
				 "\"md5\": not supported (sha256 or crc32)");
	/* SHA-1 is broken as an integrity check: refused, the image not vouched for. */
	set_str("/images/hello/hash-1", "algo", "sha1");
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': hash-1: algo = "
				 "\"sha1\": not supported (sha256 or crc32)");
	del_prop("/images/hello/hash-1", "algo");
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': hash-1: no algo");
	set_str("/images/hello/hash-1", "algo", "sha256");
	set_u32("/images/hello/hash-1", "value", 0x12345678);
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': hash-1: value is "
				 "4 bytes, a sha256 digest 32");
	del_prop("/images/hello/hash-1", "value");
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': hash-1: no value");
	/* An image without hash nodes is accepted, and says so. */
	del_node("/images/hello/hash-1");
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(vms[1].kernel.hash_count, 0);
}

static void test_compression_refused(void **state)
{
	(void)state;
	set_str("/images/hello", "compression", "gzip");
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': compression = "
				 "\"gzip\": only \"none\" is supported (bundle the image "
				 "uncompressed)");
	del_prop("/images/hello", "compression"); /* absent means none */
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	set_str("/images/hello", "arch", "arm64");
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': arch = "
				 "\"arm64\": only \"arm\" runs here");
}

static void test_image_addresses(void **state)
{
	(void)state;
	SW(fdt_setprop_u64(fit, node("/images/hello"), "load", 0x80000000));
	SW(fdt_setprop_u64(fit, node("/images/hello"), "entry", 0x80000010));
	assert_int_equal(parse(), 0);
	assert_int_equal(errs.count, 0);
	assert_int_equal(vms[1].entry_ipa, 0x80000010);
	SW(fdt_setprop(fit, node("/images/hello"), "load", "abc", 3));
	expect_vm_error("hello", "vm 'hello': kernel = \"hello\": image 'hello': load must be 1 "
				 "or 2 cells");
}

/* mkimage -E: data after the FDT, at data-offset from its 4-byte aligned
 * end, or (-p) at data-position from its start. */
static void test_external_data(void **state)
{
	size_t end, total;
	char want[CONFIG_MSG_MAX];

	(void)state;
	del_prop("/images/hello", "data");
	set_u32("/images/hello", "data-size", sizeof(hello_data));
	set_u32("/images/hello", "data-offset", 0);
	SW(fdt_pack(fit));
	end = ALIGN_UP((size_t)fdt_totalsize(fit), 4);
	memcpy(fit + end, hello_data, sizeof(hello_data));
	total = end + sizeof(hello_data);
	assert_int_equal(parse_sized(total, 4, 2), 0);
	assert_int_equal(errs.count, 0);
	check_hello(&vms[1], 1);
	assert_ptr_equal(vms[1].kernel.data, fit + end);

	snprintf(want, sizeof(want), "vm 'hello': kernel = \"hello\": image 'hello': data-offset "
		 "= <0x0> and data-size = <0x1000> run past the end of the bundle (%zu bytes)",
		 total - 1);
	assert_int_equal(parse_sized(total - 1, 4, 2), 0);
	assert_int_equal(errs.count, 1);
	assert_string_equal(errs.msg[0], want);

	/* data-position: anywhere in the file, here 256 KiB in. */
	SW(fdt_open_into(fit, fit, 0x40000));
	del_prop("/images/hello", "data-offset");
	set_u32("/images/hello", "data-position", 0x40000);
	memcpy(fit + 0x40000, hello_data, sizeof(hello_data));
	total = 0x40000 + sizeof(hello_data);
	assert_int_equal(parse_sized(total, 4, 2), 0);
	assert_int_equal(errs.count, 0);
	assert_ptr_equal(vms[1].kernel.data, fit + 0x40000);
	assert_int_equal(parse_sized(total - 1, 4, 2), 0);
	assert_contains(errs.msg[0], "data-position = <0x40000> and data-size = <0x1000> run "
			"past the end of the bundle");

	del_prop("/images/hello", "data-position");
	assert_int_equal(parse_sized(total, 4, 2), 0);
	assert_string_equal(errs.msg[0], "vm 'hello': kernel = \"hello\": image 'hello': "
					 "data-size needs a one-cell data-offset or data-position");
	del_prop("/images/hello", "data-size");
	assert_int_equal(parse_sized(total, 4, 2), 0);
	assert_string_equal(errs.msg[0], "vm 'hello': kernel = \"hello\": image 'hello': no data "
					 "(neither data nor data-size)");
}

static void test_bundle_api(void **state)
{
	struct bundle b;
	struct bundle_image img;
	struct dt_status st;
	const char *s;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	st = bundle_open(&b, fit, fdt_totalsize(fit));
	assert_int_equal(st.err, 0);
	st = bundle_image_get(&b, "nope", &img);
	assert_int_equal(st.err, -ENOENT);
	assert_string_equal(st.msg, "no image 'nope' under /images");
	st = bundle_image_get(&b, "linux-kernel", &img);
	assert_int_equal(st.err, 0);
	check_image(&img, "linux-kernel", "kernel", kernel_data, sizeof(kernel_data), 2);

	assert_int_equal(bundle_prop_str(fit, node("/lowvisor"), "console", &s), 0);
	assert_string_equal(s, "focus");
	assert_int_equal(bundle_prop_str(fit, node("/lowvisor"), "nope", &s), -ENOENT);
	SW(fdt_setprop(fit, node("/lowvisor"), "two", "a\0b", 4));
	assert_int_equal(bundle_prop_str(fit, node("/lowvisor"), "two", &s), -EINVAL);
	assert_int_equal(bundle_prop_u32(fit, node("/lowvisor/vms/linux"), "vcpus", &v32), 0);
	assert_int_equal(v32, 2);
	assert_int_equal(bundle_prop_u32(fit, node("/lowvisor/vms/linux"), "memory", &v32),
			 -EINVAL);
	SW(fdt_setprop_u64(fit, node("/lowvisor"), "big", 0x123456789aull));
	assert_int_equal(bundle_prop_u64(fit, node("/lowvisor"), "big", &v64), 0);
	assert_int_equal(v64, 0x123456789aull);
	assert_int_equal(bundle_prop_u64(fit, node("/lowvisor/vms/linux"), "vcpus", &v64), 0);
	assert_int_equal(v64, 2);
	assert_int_equal(bundle_prop_u64(fit, node("/lowvisor/vms/linux"), "memory", &v64),
			 -EINVAL);
}

/* ---- with the real mkimage -------------------------------------------- */

static bool have_mkimage(void)
{
	return system("command -v mkimage >/dev/null 2>&1") == 0;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Reads a file into fit; returns its size. */
static size_t read_into_fit(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fail_msg("cannot open %s", path);
	memset(fit, 0, FIT_BUF);
	n = fread(fit, 1, FIT_BUF, f);
	fclose(f);
	assert_true(n > 0 && n < FIT_BUF);
	return n;
}

static void run(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fail_msg("'%s' failed (%d)", cmd, rc);
}

static const char test_its[] =
	"/dts-v1/;\n"
	"/ {\n"
	"\tdescription = \"unit test\";\n"
	"\t#address-cells = <1>;\n"
	"\timages {\n"
	"\t\tk {\n"
	"\t\t\tdata = /incbin/(\"k.bin\");\n"
	"\t\t\ttype = \"kernel\"; arch = \"arm\"; os = \"linux\"; compression = \"none\";\n"
	"\t\t\tload = <0x40008000>; entry = <0x40008000>;\n"
	"\t\t\thash-1 { algo = \"sha256\"; };\n"
	"\t\t\thash-2 { algo = \"crc32\"; };\n"
	"\t\t};\n"
	"\t\tr {\n"
	"\t\t\tdata = /incbin/(\"r.bin\");\n"
	"\t\t\ttype = \"ramdisk\"; arch = \"arm\"; os = \"linux\"; compression = \"none\";\n"
	"\t\t\thash-1 { algo = \"crc32\"; };\n"
	"\t\t};\n"
	"\t};\n"
	"\tlowvisor {\n"
	"\t\tvms {\n"
	"\t\t\ta {\n"
	"\t\t\t\tvcpus = <2>; memory = <0x40000000 0x08000000>;\n"
	"\t\t\t\tkernel = \"k\"; ramdisk = \"r\"; bootargs = \"console=ttyAMA0\";\n"
	"\t\t\t};\n"
	"\t\t};\n"
	"\t};\n"
	"};\n";

static void check_mkimage_vm(void)
{
	if (errs.count)
		dump_msgs();
	assert_int_equal(errs.count, 0);
	assert_int_equal(sys.vm_count, 1);
	assert_string_equal(vms[0].name, "a");
	assert_int_equal(vms[0].kernel.hash_count, 2);
	assert_int_equal(vms[0].kernel.size, 5000);
	assert_memory_equal(vms[0].kernel.data, kernel_data, 5000);
	assert_int_equal(vms[0].ramdisk.hash_count, 1);
	assert_int_equal(vms[0].ramdisk.size, 3001);
	assert_memory_equal(vms[0].ramdisk.data, initrd_data, 3001);
	assert_int_equal(vms[0].kernel_ipa, 0x40008000);
	assert_int_equal(vms[0].ramdisk_ipa, 0x44000000);
	assert_int_equal(vms[0].dtb_ipa, 0x44001000);
	assert_string_equal(vms[0].bootargs, "console=ttyAMA0");
}

/* Odd sizes, so external data and padding are not accidentally aligned. */
static void test_mkimage_bundle(void **state)
{
	char dir[] = "/tmp/lowvisor-fit-XXXXXX", cmd[1024], path[600];
	size_t n;

	(void)state;
	if (!have_mkimage())
		skip();
	assert_non_null(mkdtemp(dir));
	write_file(dir, "k.bin", kernel_data, 5000);
	write_file(dir, "r.bin", initrd_data, 3001);
	write_file(dir, "t.its", test_its, strlen(test_its));

	snprintf(cmd, sizeof(cmd), "mkimage -f %s/t.its %s/t.itb >/dev/null", dir, dir);
	run(cmd);
	snprintf(path, sizeof(path), "%s/t.itb", dir);
	n = read_into_fit(path);
	assert_int_equal(config_parse(&sys, vms, 4, fit, n, 2, &errs), 0);
	check_mkimage_vm();

	snprintf(cmd, sizeof(cmd), "mkimage -E -f %s/t.its %s/e.itb >/dev/null", dir, dir);
	run(cmd);
	snprintf(path, sizeof(path), "%s/e.itb", dir);
	n = read_into_fit(path);
	assert_true(fdt_totalsize(fit) < n); /* the data really is outside */
	assert_int_equal(config_parse(&sys, vms, 4, fit, n, 2, &errs), 0);
	check_mkimage_vm();
	/* The whole file is needed (mkimage pads the last image to 4 bytes). */
	assert_int_equal(config_parse(&sys, vms, 4, fit, n - 8, 2, &errs), 0);
	assert_int_equal(sys.vm_count, 0);
	assert_contains(errs.msg[0], "run past the end of the bundle");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

/* configs/hello.its, built as the Makefile does, with a stand-in hello.bin
 * found through -i. */
static void test_configs_hello(void **state)
{
	char dir[] = "/tmp/lowvisor-hello-XXXXXX", cmd[1024], path[600];
	const char *its = "configs/hello.its";
	size_t n;

	(void)state;
	if (!have_mkimage() || access(its, R_OK))
		skip();
	assert_non_null(mkdtemp(dir));
	write_file(dir, "hello.bin", hello_data, sizeof(hello_data));
	snprintf(cmd, sizeof(cmd), "mkimage -D \"-I dts -O dtb -p 500 -i %s\" -f %s %s/hello.itb "
		 ">/dev/null", dir, its, dir);
	run(cmd);
	snprintf(path, sizeof(path), "%s/hello.itb", dir);
	n = read_into_fit(path);
	assert_int_equal(config_parse(&sys, vms, 4, fit, n, 1, &errs), 0);
	if (errs.count || errs.warn_count)
		dump_msgs();
	assert_int_equal(errs.count, 0);
	assert_int_equal(errs.warn_count, 0);
	assert_int_equal(sys.vm_count, 1);
	assert_string_equal(vms[0].name, "hello");
	assert_int_equal(vms[0].vcpus, 1);
	assert_int_equal(vms[0].cpus, 0x1);
	assert_int_equal(vms[0].mem_base, 0x40000000);
	assert_int_equal(vms[0].mem_size, 0x01000000);
	assert_string_equal(vms[0].kernel.type, "kernel");
	assert_int_equal(vms[0].kernel.hash_count, 1);
	assert_int_equal(vms[0].kernel.size, sizeof(hello_data));
	assert_memory_equal(vms[0].kernel.data, hello_data, sizeof(hello_data));
	assert_int_equal(vms[0].kernel_ipa, 0x40000000);
	assert_int_equal(vms[0].entry_ipa, 0x40000000);
	assert_int_equal(vms[0].dtb_ipa, 0x40800000);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest hash_tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_crc32_vectors),
		cmocka_unit_test(test_hash_block_boundaries),
		cmocka_unit_test(test_hash_algo_names),
	};
	const struct CMUnitTest config_tests[] = {
		T(test_good_config),
		T(test_defaults),
		T(test_kernel_noload),
		T(test_ramdisk_with_load),
		T(test_dtb_fallback),
		T(test_no_room_for_dtb),
		T(test_missing_image),
		T(test_missing_ramdisk_image),
		T(test_kernel_property),
		T(test_kernel_of_wrong_type),
		T(test_memory_past_ipa_space),
		T(test_memory_malformed),
		T(test_memory_over_devices),
		T(test_vcpus),
		T(test_cpus),
		T(test_slice_and_priority),
		T(test_above_4g),
		T(test_kernel_outside_memory),
		T(test_kernel_does_not_fit),
		T(test_entry_outside_kernel),
		T(test_ramdisk_placement_errors),
		T(test_bootargs_too_long),
		T(test_passthrough_paths),
		T(test_guest_dt_accepted),
		T(test_virtio_accepted),
		T(test_virtio_errors),
		T(test_guest_dt_interrupts),
		T(test_guest_dt_interrupt_parent),
		T(test_guest_dt_phandles),
		T(test_guest_dt_names),
		T(test_guest_dt_limits),
		T(test_duplicate_names),
		T(test_bad_vm_names),
		T(test_every_problem_reported),
		T(test_too_many_vms),
		T(test_messages_overflow),
		T(test_warnings),
		T(test_not_a_fit),
		T(test_no_vms),
		T(test_truncated_bundle),
		T(test_corrupt_structure),
		T(test_hash_mismatch),
		T(test_second_hash_checked),
		T(test_hash_node_errors),
		T(test_compression_refused),
		T(test_image_addresses),
		T(test_external_data),
		T(test_bundle_api),
		T(test_mkimage_bundle),
		T(test_configs_hello),
	};
	int failed = cmocka_run_group_tests_name("hash", hash_tests, NULL, NULL);

	return failed | cmocka_run_group_tests_name("config", config_tests, NULL, NULL);
}
