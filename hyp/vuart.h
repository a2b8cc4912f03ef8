/* SPDX-License-Identifier: MIT */
/*
 * The virtual PL011 each guest sees at its UART address (0x09000000):
 * transmit through the data and flag registers, lines prefixed with the
 * VM's name on the physical console (design section 11).
 */
#ifndef LOWVISOR_VUART_H
#define LOWVISOR_VUART_H

#include "mmio_emul.h"

#define VUART_LINE_MAX 160

struct vuart {
	const char *name;
	unsigned len;
	char line[VUART_LINE_MAX];
	uint32_t cr, ibrd, fbrd, lcr, imsc, ifls;
};

extern const struct mmio_ops vuart_ops;

void vuart_init(struct vuart *u, const char *name);
/* Writes out a partial line (at VM stop). */
void vuart_flush(struct vuart *u);

#endif
