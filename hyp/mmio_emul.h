/* SPDX-License-Identifier: MIT */
/*
 * Table-driven MMIO emulation, two levels of tables:
 *
 *  1. a VM's emulated regions (vGIC distributor, virtual UART, management
 *     window), sorted by base: {base, size, ops, dev}, found by binary
 *     search on the faulting IPA;
 *  2. per device, a static const register table built with the MMIO_REG*
 *     constructors: {offset, length, bits per IRQ, allowed widths, read,
 *     write}, sorted by offset, found by binary search on the offset.
 *
 * mmio_dispatch checks an access once (inside the region, a width the
 * register allows, naturally aligned) and calls one handler; anything it
 * refuses becomes an abort in the guest.  Handlers never see a bad width.
 * Function pointers live only in the static const register tables.
 *
 * (Named mmio_emul.h, not mmio.h: include/mmio.h is the hypervisor's own
 * raw register access.)  Plain C, tested on the host.
 */
#ifndef LOWVISOR_MMIO_EMUL_H
#define LOWVISOR_MMIO_EMUL_H

#include "hsr.h"
#include "types.h"

/* Allowed access widths of a register, one bit per width: the bit is the
 * width in bytes, so (widths & access width) tests it. */
#define MMIO_W8 1u
#define MMIO_W16 2u
#define MMIO_W32 4u
#define MMIO_W_ANY (MMIO_W8 | MMIO_W16 | MMIO_W32)

/* Interrupt IDs a per-IRQ register covers (GICv2: 0-1019, sized for 1024). */
#define MMIO_IRQ_COUNT 1024

struct mmio_reg {
	uint32_t offset;      /* from the region base */
	uint32_t length;      /* bytes */
	uint8_t bits_per_irq; /* 0, or the field size of a per-IRQ register */
	uint8_t widths;       /* MMIO_W* */
	/* offset is from the region base, width is 1, 2 or 4 and allowed,
	 * the access is aligned and inside this register.  A read returns
	 * the width's bytes (higher bits are dropped); a write gets them
	 * zero-extended. */
	uint32_t (*read)(void *dev, const struct mmio_reg *reg, uint32_t offset,
			 unsigned width);
	void (*write)(void *dev, const struct mmio_reg *reg, uint32_t offset, unsigned width,
		      uint32_t val);
};

/* A register of len bytes. */
#define MMIO_REG(off, len, w, rd, wr)                                                 \
	{                                                                             \
		.offset = (off), .length = (len), .bits_per_irq = 0, .widths = (w),   \
		.read = (rd), .write = (wr),                                          \
	}

/* A register with bpi bits for each of MMIO_IRQ_COUNT interrupts, such as
 * GICD_ISENABLERn (1), GICD_ICFGRn (2), GICD_IPRIORITYRn (8). */
#define MMIO_REG_PER_IRQ(off, bpi, w, rd, wr)                                         \
	{                                                                             \
		.offset = (off), .length = (bpi) * MMIO_IRQ_COUNT / 8,                \
		.bits_per_irq = (bpi), .widths = (w), .read = (rd), .write = (wr),    \
	}

/* Read-only: writes ignored, as the GIC's read-only registers do. */
#define MMIO_REG_RO(off, len, w, rd) MMIO_REG(off, len, w, rd, mmio_write_wi)

/* Reserved or unimplemented: reads as zero, writes ignored. */
#define MMIO_REG_RAZ_WI(off, len, w) MMIO_REG(off, len, w, mmio_read_raz, mmio_write_wi)

/* The shared handlers of MMIO_REG_RO and MMIO_REG_RAZ_WI. */
uint32_t mmio_read_raz(void *dev, const struct mmio_reg *reg, uint32_t offset,
		       unsigned width);
void mmio_write_wi(void *dev, const struct mmio_reg *reg, uint32_t offset, unsigned width,
		   uint32_t val);

/* A per-IRQ register: the first interrupt ID the access at offset covers. */
static inline unsigned mmio_reg_irq(const struct mmio_reg *reg, uint32_t offset)
{
	return (offset - reg->offset) * 8 / reg->bits_per_irq;
}

/* What a device is: its register table and what its holes do. */
struct mmio_ops {
	const char *name;            /* for log lines */
	const struct mmio_reg *regs; /* sorted by offset, disjoint */
	size_t reg_count;
	/* Offsets no register covers read as zero and ignore writes (the
	 * GIC's reserved space); otherwise the access is refused. */
	bool holes_raz_wi;
};

/* .regs and .reg_count of a struct mmio_ops from a register array. */
#define MMIO_OPS_REGS(table) .regs = (table), .reg_count = ARRAY_SIZE(table)

struct mmio_region {
	uint64_t base; /* IPA */
	uint64_t size;
	const struct mmio_ops *ops;
	void *dev; /* the device instance, handed to its handlers */
};

#define MMIO_REGIONS_MAX 8

/* One VM's emulated regions. */
struct mmio_regions {
	unsigned count;
	struct mmio_region r[MMIO_REGIONS_MAX]; /* sorted by base, disjoint */
};

void mmio_regions_init(struct mmio_regions *rs);

/*
 * Adds the region [base, base + size) emulated by ops.  Adjacent regions are
 * fine.  -EINVAL for an empty region, one larger than 4 GiB (register
 * offsets are 32-bit), one that wraps past the top of the address space or
 * no ops; -EBUSY if it overlaps a region already there; -ENOSPC if the VM
 * has MMIO_REGIONS_MAX.  On error nothing changes.
 */
int mmio_region_add(struct mmio_regions *rs, uint64_t base, uint64_t size,
		    const struct mmio_ops *ops, void *dev);

/* The region holding ipa, or NULL. */
const struct mmio_region *mmio_region_find(const struct mmio_regions *rs, uint64_t ipa);

/* The register of a sorted table that holds offset, or NULL (a hole). */
const struct mmio_reg *mmio_reg_find(const struct mmio_reg *regs, size_t count,
				     uint32_t offset);

/*
 * Performs access a at offset in region r: for a write, *val is the stored
 * register value (only its low a->width bytes are written); for a read,
 * *val receives the a->width bytes read, zero-extended (mmio_load_value
 * makes the register value).  dev is handed to the handlers, normally
 * r->dev.  Every error means the guest gets an abort:
 *   -EINVAL  no syndrome (!a->valid), a width other than 1, 2, 4, an
 *            unaligned access, or a width the register does not allow;
 *   -ERANGE  the access is not wholly inside the region, or straddles the
 *            end of a register;
 *   -ENOENT  a hole in a device without holes_raz_wi.
 */
int mmio_dispatch(const struct mmio_region *r, void *dev, const struct mmio_access *a,
		  uint64_t offset, uint32_t *val);

#endif
