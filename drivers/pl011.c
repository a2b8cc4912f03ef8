// SPDX-License-Identifier: MIT
/* The ARM PrimeCell UART (PL011), polled.  The loader set the baud rate;
 * Lowvisor only makes sure the transmitter is on. */
#include "hw/pl011.h"
#include "mmio.h"
#include "drivers.h"

void pl011_init(uintptr_t base)
{
	uint32_t cr = mmio_read32(base + UARTCR);

	if ((cr & (CR_UARTEN | CR_TXE | CR_RXE)) != (CR_UARTEN | CR_TXE | CR_RXE))
		mmio_write32(base + UARTCR, cr | CR_UARTEN | CR_TXE | CR_RXE);
	mmio_write32(base + UARTIMSC, 0);
}

void pl011_putc(uintptr_t base, char c)
{
	unsigned spins = 1000000; /* a wedged UART must not hang the hypervisor */

	while ((mmio_read32(base + UARTFR) & FR_TXFF) && --spins)
		;
	mmio_write32(base + UARTDR, (uint8_t)c);
}

int pl011_getc(uintptr_t base)
{
	if (mmio_read32(base + UARTFR) & FR_RXFE)
		return -1;
	return (int)(mmio_read32(base + UARTDR) & 0xff);
}

void pl011_rx_irq_enable(uintptr_t base)
{
	/* Receive and receive-timeout interrupts. */
	mmio_write32(base + UARTIMSC, (1u << 4) | (1u << 6));
}
