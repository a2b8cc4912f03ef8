/* SPDX-License-Identifier: MIT */
#ifndef LOWVISOR_PL011_H
#define LOWVISOR_PL011_H

#include <stdint.h>

void pl011_init(uintptr_t base);
void pl011_putc(uintptr_t base, char c);
/* -1 when the receive FIFO is empty. */
int pl011_getc(uintptr_t base);
void pl011_rx_irq_enable(uintptr_t base);

#endif
