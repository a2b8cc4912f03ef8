// SPDX-License-Identifier: MIT
/*
 * IRQ_LINE's irq argument (hyp/irq_line.c, include/uapi/lowvisor.h): every
 * kind decodes to its vCPU and interrupt id, lowvisor_irq_encode() round
 * trips through the decoder for vCPU indexes up to 4095, values of KVM's
 * older layout read the same, and each error case of design section 9 is
 * -EINVAL with the output left alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "irq_line.h"
#include "uapi/lowvisor.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A VM with 4 vCPUs and 64 SPIs (ids 32..95). */
static const struct irq_line_target vm4 = { .vcpu_count = 4, .spi_count = 64 };
/* The largest: 4096 vCPUs, 988 SPIs (ids 32..1019). */
static const struct irq_line_target big = { .vcpu_count = 4096, .spi_count = 988 };

/* The older layout: irq_type in bits 31..24, no vcpu2_index. */
static uint32_t old_layout(unsigned type, unsigned vcpu, unsigned num)
{
	return (uint32_t)type << 24 | (uint32_t)vcpu << 16 | num;
}

static void expect_line(uint32_t irq, unsigned level, const struct irq_line_target *t,
			enum irq_line_kind kind, unsigned vcpu, unsigned intid)
{
	struct irq_line l;

	memset(&l, 0xa5, sizeof(l));
	if (irq_line_decode(irq, level, t, &l) != 0)
		fail_msg("irq 0x%08x level %u: not accepted", irq, level);
	assert_int_equal(l.kind, kind);
	assert_int_equal(l.vcpu, vcpu);
	assert_int_equal(l.intid, intid);
	assert_int_equal(l.level, level);
}

static void expect_einval(uint32_t irq, unsigned level, const struct irq_line_target *t)
{
	struct irq_line l, before;
	int ret;

	memset(&l, 0x5a, sizeof(l));
	before = l;
	ret = irq_line_decode(irq, level, t, &l);
	if (ret != -EINVAL)
		fail_msg("irq 0x%08x level %u: got %d, want -EINVAL", irq, level, ret);
	assert_memory_equal(&l, &before, sizeof(l));
}

static void test_field_macros(void **state)
{
	uint32_t irq = 0xa2345678u;

	(void)state;
	assert_int_equal(LOWVISOR_FN_IRQ_LINE, 0x86000010u);
	assert_int_equal(LOWVISOR_IRQ_VCPU2_INDEX(irq), 0xa);
	assert_int_equal(LOWVISOR_IRQ_TYPE(irq), 0x2);
	assert_int_equal(LOWVISOR_IRQ_VCPU_INDEX(irq), 0x34);
	assert_int_equal(LOWVISOR_IRQ_NUM(irq), 0x5678);
	assert_int_equal(lowvisor_irq_vcpu(irq), 0xa34);
	assert_int_equal(lowvisor_irq_encode(2, 0xa34, 0x5678), irq);
	/* The KVM_ARM_IRQ_* values Linux's kvm_irq_line() users write. */
	assert_int_equal(lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, 40), 0x01000028u);
	assert_int_equal(lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_PPI, 3, 27), 0x0203001bu);
	assert_int_equal(lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_CPU, 1, 1), 0x00010001u);
}

static void test_valid_kinds(void **state)
{
	unsigned v, n, level;

	(void)state;
	for (level = 0; level <= 1; level++) {
		for (v = 0; v < vm4.vcpu_count; v++) {
			expect_line(lowvisor_irq_encode(0, v, 0), level, &vm4, IRQ_LINE_CPU_IRQ, v, 0);
			expect_line(lowvisor_irq_encode(0, v, 1), level, &vm4, IRQ_LINE_CPU_FIQ, v, 0);
			for (n = 16; n <= 31; n++)
				expect_line(lowvisor_irq_encode(2, v, n), level, &vm4, IRQ_LINE_PPI, v,
					    n);
		}
		for (n = 32; n < 32 + vm4.spi_count; n++)
			expect_line(lowvisor_irq_encode(1, 0, n), level, &vm4, IRQ_LINE_SPI, 0, n);
	}
	/* The largest SPI of a full vGIC. */
	expect_line(lowvisor_irq_encode(1, 0, 1019), 1, &big, IRQ_LINE_SPI, 0, 1019);
}

static void test_spi_ignores_vcpu(void **state)
{
	(void)state;
	/* Even a vCPU index far beyond the VM's, in both vCPU fields. */
	expect_line(lowvisor_irq_encode(1, 3, 33), 1, &vm4, IRQ_LINE_SPI, 0, 33);
	expect_line(lowvisor_irq_encode(1, 255, 95), 1, &vm4, IRQ_LINE_SPI, 0, 95);
	expect_line(lowvisor_irq_encode(1, 4095, 32), 0, &vm4, IRQ_LINE_SPI, 0, 32);
}

static void test_round_trip(void **state)
{
	static const unsigned vcpus[] = { 0, 1, 2, 127, 254, 255, 256, 257, 511, 512,
					  1000, 1023, 1024, 2047, 2048, 3000, 4094, 4095 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vcpus); i++) {
		unsigned v = vcpus[i];
		uint32_t irq;

		irq = lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_PPI, v, 16 + i % 16);
		assert_int_equal(LOWVISOR_IRQ_TYPE(irq), LOWVISOR_IRQ_TYPE_PPI);
		assert_int_equal(lowvisor_irq_vcpu(irq), v);
		expect_line(irq, 1, &big, IRQ_LINE_PPI, v, 16 + i % 16);
		expect_line(lowvisor_irq_encode(0, v, 0), 0, &big, IRQ_LINE_CPU_IRQ, v, 0);
		expect_line(lowvisor_irq_encode(0, v, 1), 1, &big, IRQ_LINE_CPU_FIQ, v, 0);
		expect_line(lowvisor_irq_encode(1, v, 32 + i), 1, &big, IRQ_LINE_SPI, 0, 32 + i);
	}
}

static void test_old_layout_reads_the_same(void **state)
{
	unsigned v;

	(void)state;
	for (v = 0; v <= 255; v += 17) {
		assert_int_equal(old_layout(0, v, 1), lowvisor_irq_encode(0, v, 1));
		expect_line(old_layout(0, v, 0), 1, &big, IRQ_LINE_CPU_IRQ, v, 0);
		expect_line(old_layout(0, v, 1), 0, &big, IRQ_LINE_CPU_FIQ, v, 0);
		expect_line(old_layout(1, v, 1019), 1, &big, IRQ_LINE_SPI, 0, 1019);
		expect_line(old_layout(2, v, 31), 1, &big, IRQ_LINE_PPI, v, 31);
	}
	/*
	 * Old-layout types 16 and up, invalid there, are layout-2 values: as
	 * in Linux, they read as vcpu2_index and a type of 0..15.  Refused
	 * when that vCPU or type is, an SPI (vCPU ignored) when not.
	 */
	expect_einval(old_layout(0x10, 0, 0), 1, &vm4);
	expect_einval(old_layout(0xff, 0, 40), 1, &big);
	expect_line(old_layout(0x10, 0, 0), 1, &big, IRQ_LINE_CPU_IRQ, 256, 0);
	expect_line(old_layout(0x11, 0, 40), 1, &vm4, IRQ_LINE_SPI, 0, 40);
}

static void test_bad_level(void **state)
{
	(void)state;
	expect_einval(lowvisor_irq_encode(1, 0, 40), 2, &vm4);
	expect_einval(lowvisor_irq_encode(2, 0, 16), 2, &vm4);
	expect_einval(lowvisor_irq_encode(0, 0, 0), 3, &vm4);
	expect_einval(lowvisor_irq_encode(0, 0, 1), 0xffffffffu, &vm4);
}

static void test_bad_spi(void **state)
{
	static const struct irq_line_target none = { .vcpu_count = 1, .spi_count = 0 };
	/* A VM claiming more SPIs than a GICv2 has: 1020.. still refused. */
	static const struct irq_line_target huge = { .vcpu_count = 1, .spi_count = 0xffffffffu };

	(void)state;
	expect_einval(lowvisor_irq_encode(1, 0, 31), 1, &vm4);
	expect_einval(lowvisor_irq_encode(1, 0, 0), 1, &vm4);
	expect_einval(lowvisor_irq_encode(1, 0, 16), 1, &vm4);
	expect_einval(lowvisor_irq_encode(1, 0, 32 + vm4.spi_count), 1, &vm4);
	expect_einval(lowvisor_irq_encode(1, 0, 1019), 1, &vm4);
	expect_einval(lowvisor_irq_encode(1, 0, 32), 1, &none);
	expect_einval(lowvisor_irq_encode(1, 0, 1020), 1, &big);
	expect_einval(lowvisor_irq_encode(1, 0, 1023), 1, &big);
	expect_einval(lowvisor_irq_encode(1, 0, 0xffff), 1, &big);
	expect_einval(lowvisor_irq_encode(1, 0, 1020), 1, &huge);
	expect_line(lowvisor_irq_encode(1, 0, 1019), 1, &huge, IRQ_LINE_SPI, 0, 1019);
}

static void test_bad_ppi(void **state)
{
	(void)state;
	expect_einval(lowvisor_irq_encode(2, 0, 15), 1, &vm4);
	expect_einval(lowvisor_irq_encode(2, 0, 0), 1, &vm4);
	expect_einval(lowvisor_irq_encode(2, 0, 32), 1, &vm4);
	expect_einval(lowvisor_irq_encode(2, 0, 40), 1, &vm4);
	expect_einval(lowvisor_irq_encode(2, vm4.vcpu_count, 16), 1, &vm4);
	expect_einval(lowvisor_irq_encode(2, 255, 27), 1, &vm4);
	expect_einval(lowvisor_irq_encode(2, 4095, 27), 0, &vm4);
}

static void test_bad_cpu_line(void **state)
{
	(void)state;
	expect_einval(lowvisor_irq_encode(0, 0, 2), 1, &vm4);
	expect_einval(lowvisor_irq_encode(0, 0, 16), 1, &vm4);
	expect_einval(lowvisor_irq_encode(0, 0, 0xffff), 1, &vm4);
	expect_einval(lowvisor_irq_encode(0, vm4.vcpu_count, 0), 1, &vm4);
	expect_einval(lowvisor_irq_encode(0, vm4.vcpu_count, 1), 0, &vm4);
}

static void test_bad_type(void **state)
{
	unsigned type;

	(void)state;
	for (type = 3; type <= 15; type++) {
		expect_einval(lowvisor_irq_encode(type, 0, 0), 1, &vm4);
		expect_einval(lowvisor_irq_encode(type, 0, 1), 0, &vm4);
		expect_einval(lowvisor_irq_encode(type, 0, 20), 1, &vm4);
		expect_einval(lowvisor_irq_encode(type, 1, 40), 1, &vm4);
	}
}

/* vcpu2_index counts: a valid vcpu_index with high bits set is out of range. */
static void test_vcpu2_bits_beyond_count(void **state)
{
	unsigned hi;

	(void)state;
	for (hi = 1; hi <= 15; hi++) {
		unsigned v = hi * 256; /* vcpu_index 0, valid on its own */

		expect_einval(lowvisor_irq_encode(0, v, 0), 1, &vm4);
		expect_einval(lowvisor_irq_encode(0, v + 1, 1), 1, &vm4);
		expect_einval(lowvisor_irq_encode(2, v + 3, 16), 1, &vm4);
	}
	/* Just past a VM of 300 vCPUs, and just inside it. */
	{
		static const struct irq_line_target vm300 = { .vcpu_count = 300,
							      .spi_count = 32 };

		expect_line(lowvisor_irq_encode(2, 299, 20), 1, &vm300, IRQ_LINE_PPI, 299, 20);
		expect_einval(lowvisor_irq_encode(2, 300, 20), 1, &vm300);
		expect_einval(lowvisor_irq_encode(0, 300, 0), 1, &vm300);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_macros),
		cmocka_unit_test(test_valid_kinds),
		cmocka_unit_test(test_spi_ignores_vcpu),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_old_layout_reads_the_same),
		cmocka_unit_test(test_bad_level),
		cmocka_unit_test(test_bad_spi),
		cmocka_unit_test(test_bad_ppi),
		cmocka_unit_test(test_bad_cpu_line),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_vcpu2_bits_beyond_count),
	};

	return cmocka_run_group_tests_name("irq_line", tests, NULL, NULL);
}
