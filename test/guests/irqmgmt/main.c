// SPDX-License-Identifier: MIT
/*
 * irqmgmt: the management side of IRQ_LINE (configs/irq-line.its).
 *
 * As the management VM (`management;`, VM id 1) it drives the target, VM 0
 * (test/guests/irqtarget, 2 vCPUs): after WAIT_TARGET_US (the target is in
 * its window by then) it raises and lowers the edge SPI 72, raises the
 * level SPI 73 for HOLD_US and lowers it, raises PPI 20 of vCPU 1 for
 * HOLD_US and lowers it, each call returning 0; then every error case of
 * the call: an unknown VM (-ENOENT), SPI and PPI numbers out of range, a
 * vCPU the target lacks, a bad type or level (-EINVAL); and the target's
 * own lines (type 0): vCPU 1's IRQ line and vCPU 0's FIQ line, each held
 * high for HOLD_US and lowered (the target reports what it took).
 *
 * With bootargs "role=plain" (a VM not marked management) every call is
 * refused with -EPERM, whatever its arguments.
 *
 * Each role skips the other's tests, so both print the same plan.
 */
#include "test.h"

#define TARGET_VM 0u
#define TARGET_VCPUS 2u
#define TARGET_SPIS 96u
#define SPI_EDGE 72u
#define SPI_LEVEL 73u
#define PPI_INJ 20u

#define WAIT_TARGET_US 1000000u
#define HOLD_US 200000u

#define EPERM_RET (-LOWVISOR_EPERM)
#define ENOENT_RET (-LOWVISOR_ENOENT)
#define EINVAL_RET (-LOWVISOR_EINVAL)

static bool plain;

#define SPI(n) lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_SPI, 0, (n))
#define PPI(vcpu, n) lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_PPI, (vcpu), (n))
#define CPU_LINE(vcpu, n) lowvisor_irq_encode(LOWVISOR_IRQ_TYPE_CPU, (vcpu), (n))

#define NEED_MANAGER()                                                         \
	do {                                                                   \
		if (plain)                                                     \
			SKIP("role=plain");                                    \
	} while (0)

#define NEED_PLAIN()                                                           \
	do {                                                                   \
		if (!plain)                                                    \
			SKIP("the management VM");                             \
	} while (0)

/* --- The management VM --- */

TEST(inject, spi_edge)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_EDGE), 1), 0);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_EDGE), 0), 0);
}

TEST(inject, spi_level)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_LEVEL), 1), 0);
	time_delay_us(HOLD_US);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_LEVEL), 0), 0);
}

TEST(inject, ppi_vcpu1)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, PPI(1, PPI_INJ), 1), 0);
	time_delay_us(HOLD_US);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, PPI(1, PPI_INJ), 0), 0);
}

TEST(errors, no_such_vm)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(9, SPI(SPI_EDGE), 1), ENOENT_RET);
	EXPECT_EQ(lowvisor_irq_line(3, SPI(SPI_EDGE), 1), ENOENT_RET);
	EXPECT_EQ(lowvisor_irq_line(0xffffffffu, SPI(SPI_EDGE), 1), ENOENT_RET);
}

TEST(errors, spi_number)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(31), 1), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(32 + TARGET_SPIS), 1), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(1020), 1), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(0xffff), 1), EINVAL_RET);
}

TEST(errors, ppi_number_and_vcpu)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, PPI(0, 15), 1), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, PPI(0, 32), 1), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, PPI(TARGET_VCPUS, PPI_INJ), 1), EINVAL_RET);
	/* vcpu 256: only vcpu2_index (bits 31:28) is set */
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, PPI(256, PPI_INJ), 1), EINVAL_RET);
}

TEST(errors, type)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, lowvisor_irq_encode(3, 0, SPI_EDGE), 1),
		  EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, lowvisor_irq_encode(0xf, 0, SPI_EDGE), 1),
		  EINVAL_RET);
}

TEST(errors, level)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_EDGE), 2), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_EDGE), 0xffffffffu), EINVAL_RET);
}

TEST(errors, cpu_line)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, CPU_LINE(0, 2), 1), EINVAL_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, CPU_LINE(TARGET_VCPUS, LOWVISOR_IRQ_CPU_IRQ), 1),
		  EINVAL_RET);
}

/* The target's own lines: vCPU 1's IRQ line (HCR.VI) and vCPU 0's FIQ
 * line (HCR.VF), each held high for HOLD_US, then lowered; the target
 * reports what its vCPUs took. */
TEST(cpu_line, irq_and_fiq)
{
	NEED_MANAGER();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, CPU_LINE(1, LOWVISOR_IRQ_CPU_IRQ), 1), 0);
	time_delay_us(HOLD_US);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, CPU_LINE(1, LOWVISOR_IRQ_CPU_IRQ), 0), 0);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, CPU_LINE(0, LOWVISOR_IRQ_CPU_FIQ), 1), 0);
	time_delay_us(HOLD_US);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, CPU_LINE(0, LOWVISOR_IRQ_CPU_FIQ), 0), 0);
}

/* --- A VM not marked management --- */

TEST(plain, refused)
{
	NEED_PLAIN();
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_EDGE), 1), EPERM_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(SPI_EDGE), 0), EPERM_RET);
	/* Permission comes first: errors of the arguments are not seen. */
	EXPECT_EQ(lowvisor_irq_line(9, SPI(SPI_EDGE), 1), EPERM_RET);
	EXPECT_EQ(lowvisor_irq_line(TARGET_VM, SPI(31), 2), EPERM_RET);
}

int main(void)
{
	char role[16] = "";

	plain = bootarg_get("role", role, sizeof(role)) && strcmp(role, "plain") == 0;
	printf("# irqmgmt: role %s\n", plain ? "plain" : "management");
	if (!plain)
		time_delay_us(WAIT_TARGET_US); /* the target is ready */
	return test_run_all();
}
