/* SPDX-License-Identifier: MIT */
/*
 * The GICv2 a guest sees (QEMU virt's layout, and Lowvisor's): register
 * offsets and accessors shared by the guests that drive it.
 */
#ifndef GUEST_GIC_H
#define GUEST_GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GICD_BASE 0x08000000u
#define GICC_BASE 0x08010000u

#define GICD_CTLR 0x000u
#define GICD_TYPER 0x004u
#define GICD_IIDR 0x008u
#define GICD_ISENABLER 0x100u
#define GICD_ICENABLER 0x180u
#define GICD_ISPENDR 0x200u
#define GICD_ICPENDR 0x280u
#define GICD_ISACTIVER 0x300u
#define GICD_ICACTIVER 0x380u
#define GICD_IPRIORITYR 0x400u
#define GICD_ITARGETSR 0x800u
#define GICD_ICFGR 0xc00u
#define GICD_SGIR 0xf00u

#define GICC_CTLR 0x00u
#define GICC_PMR 0x04u
#define GICC_IAR 0x0cu
#define GICC_EOIR 0x10u
#define GICC_RPR 0x14u
#define GICC_HPPIR 0x18u

#define CNTV_ENABLE (1u << 0)
#define CNTV_IMASK (1u << 1)
#define CNTV_ISTATUS (1u << 2)

/* Single ldr/str (never merged into LDM/LDRD: those have no syndrome for
 * the hypervisor to emulate).  A read that aborts (the library reports it
 * and skips the instruction) gives POISON. */
#define POISON 0xdeadbeefu

static inline uint32_t mmio_read32(uint32_t addr)
{
	uint32_t v = POISON;

	__asm__ volatile("ldr %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	return v;
}

static inline void mmio_write32(uint32_t addr, uint32_t v)
{
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(addr) : "memory");
}

static inline uint8_t mmio_read8(uint32_t addr)
{
	uint32_t v = POISON;

	__asm__ volatile("ldrb %0, [%1]" : "+r"(v) : "r"(addr) : "memory");
	return (uint8_t)v;
}

static inline void mmio_write8(uint32_t addr, uint8_t v)
{
	__asm__ volatile("strb %0, [%1]" : : "r"((uint32_t)v), "r"(addr) : "memory");
}

static inline uint32_t gicd_read(uint32_t off)
{
	return mmio_read32(GICD_BASE + off);
}

static inline void gicd_write(uint32_t off, uint32_t v)
{
	mmio_write32(GICD_BASE + off, v);
}

static inline uint32_t gicc_read(uint32_t off)
{
	return mmio_read32(GICC_BASE + off);
}

static inline void gicc_write(uint32_t off, uint32_t v)
{
	mmio_write32(GICC_BASE + off, v);
}

/* One bit of a 1-bit-per-IRQ register (ISENABLER, ISPENDR, ...). */
static inline uint32_t irq_bit(uint32_t reg, uint32_t id)
{
	return (gicd_read(reg + (id / 32) * 4) >> (id % 32)) & 1u;
}

static inline void irq_bit_write(uint32_t reg, uint32_t id)
{
	gicd_write(reg + (id / 32) * 4, 1u << (id % 32));
}

#endif
