/* SPDX-License-Identifier: MIT */
/*
 * The virtual PL011 each guest sees at its UART address (0x09000000), as
 * Linux's amba-pl011 driver uses it: transmit through the data register,
 * a receive FIFO (256 bytes, deeper than the real one) filled from the console when the VM has the input
 * focus, the flag, mask, raw/masked status and clear registers, and the
 * interrupt (SPI 1, ID 33) raised while (RIS & IMSC) != 0.  The transmit
 * FIFO never fills: every character goes straight to the console, and the
 * transmit interrupt is raised after each write (as on QEMU's PL011).
 *
 * Output goes to the physical console (design section 11): in "prefix"
 * mode as whole lines behind "name| "; in "focus" mode the VM with the
 * input focus writes straight through and the others keep their prefixes.
 */
#ifndef LOWVISOR_VUART_H
#define LOWVISOR_VUART_H

#include "emul.h"
#include "spinlock.h"

#define VUART_LINE_MAX 160
#define VUART_FIFO 256 /* deeper than a real PL011: typed-ahead input is not lost */
#define VUART_IRQ 33

struct vm;

struct vuart {
	struct vm *vm;
	const char *name;
	struct spinlock lock;
	unsigned len;
	char line[VUART_LINE_MAX];
	uint64_t line_since; /* when the pending partial line began */
	uint8_t rx[VUART_FIFO];
	unsigned rx_head, rx_count;
	uint32_t cr, ibrd, fbrd, lcr, imsc, ifls, dmacr, ris;
	bool irq_level;
};

extern const struct mmio_ops vuart_ops;

void vuart_init(struct vuart *u, struct vm *vm, const char *name);
/* Writes out a partial line (at VM stop, or when it has waited long). */
void vuart_flush(struct vuart *u);
void vuart_flush_stale(struct vuart *u, uint64_t now, uint64_t max_age);
/* A character typed on the console for this VM; false if the FIFO is full. */
bool vuart_receive(struct vuart *u, uint8_t c);
/* Back to the reset state (VM reset). */
void vuart_reset(struct vuart *u);

#endif
