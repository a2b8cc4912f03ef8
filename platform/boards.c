// SPDX-License-Identifier: MIT
/*
 * The boards Lowvisor knows by name.  Everything it needs to run comes
 * from the DTB; this table only adds a human name, a support status, and
 * an early UART for errors when the DTB cannot be read.
 */
#include <libfdt.h>

#include "platform.h"

/* compatible, name, status, RAM base and size, early UART. */
const struct board boards[] = {
	{ "linux,dummy-virt", "QEMU virt", "supported, tested", 0x40000000, 0xc0000000,
	  0x09000000 },
	{ "arm,vexpress,v2p-ca15,tc1", "Versatile Express V2P-CA15", "untested", 0x80000000,
	  0x80000000, 0x1c090000 },
	{ "insignal,arndale", "Arndale (Exynos 5250)", "untested; its UART is not a PL011",
	  0x40000000, 0x80000000, 0 },
};

const unsigned board_count = ARRAY_SIZE(boards);

const struct board *board_by_compatible(const void *fdt)
{
	unsigned i;

	for (i = 0; i < board_count; i++)
		if (!fdt_node_check_compatible(fdt, 0, boards[i].compatible))
			return &boards[i];
	return NULL;
}

const struct board *board_by_address(uint64_t pa)
{
	unsigned i;

	for (i = 0; i < board_count; i++)
		if (pa >= boards[i].ram_base && pa - boards[i].ram_base < boards[i].ram_size)
			return &boards[i];
	return NULL;
}
