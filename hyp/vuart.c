// SPDX-License-Identifier: MIT
/*
 * Virtual PL011, transmit side.  Registers a driver writes during set-up
 * (control, baud, line control, interrupt mask) keep their values; the flag
 * register says the transmit FIFO is empty and the receive FIFO too; the ID
 * registers are the PL011's, so AMBA probing finds it.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "vuart.h"

#define UARTDR 0x000
#define UARTRSR 0x004
#define UARTFR 0x018
#define UARTILPR 0x020
#define UARTIBRD 0x024
#define UARTFBRD 0x028
#define UARTLCR_H 0x02c
#define UARTCR 0x030
#define UARTIFLS 0x034
#define UARTIMSC 0x038
#define UARTRIS 0x03c
#define UARTMIS 0x040
#define UARTICR 0x044
#define UARTDMACR 0x048
#define UARTPERIPHID0 0xfe0

#define FR_RXFE (1u << 4)
#define FR_TXFE (1u << 7)

void vuart_init(struct vuart *u, const char *name)
{
	memset(u, 0, sizeof(*u));
	u->name = name;
	u->cr = 0x300; /* TXE | RXE, as after reset */
	u->ifls = 0x12;
}

static void emit_line(struct vuart *u)
{
	char out[VUART_LINE_MAX + 48];
	size_t n = (size_t)snprintf(out, sizeof(out) - 1, "%s| ", u->name);

	memcpy(out + n, u->line, u->len);
	n += u->len;
	out[n++] = '\n';
	console_write(out, n);
	u->len = 0;
}

void vuart_flush(struct vuart *u)
{
	if (u->len)
		emit_line(u);
}

static void tx(struct vuart *u, char c)
{
	if (c == '\r')
		return; /* the console adds its own */
	if (c == '\n') {
		emit_line(u);
		return;
	}
	u->line[u->len++] = c;
	if (u->len == VUART_LINE_MAX)
		emit_line(u);
}

static void write_dr(void *dev, const struct mmio_reg *reg, uint32_t off, unsigned w, uint32_t v)
{
	(void)reg, (void)off, (void)w;
	tx(dev, (char)(v & 0xff));
}

static uint32_t read_fr(void *dev, const struct mmio_reg *reg, uint32_t off, unsigned w)
{
	(void)dev, (void)reg, (void)off, (void)w;
	return FR_TXFE | FR_RXFE;
}

/* Registers that only hold what the driver writes. */
static uint32_t *plain_reg(struct vuart *u, uint32_t off)
{
	switch (off) {
	case UARTIBRD: return &u->ibrd;
	case UARTFBRD: return &u->fbrd;
	case UARTLCR_H: return &u->lcr;
	case UARTCR: return &u->cr;
	case UARTIFLS: return &u->ifls;
	default: return &u->imsc;
	}
}

static uint32_t read_plain(void *dev, const struct mmio_reg *reg, uint32_t off, unsigned w)
{
	(void)w;
	(void)reg;
	return *plain_reg(dev, off);
}

static void write_plain(void *dev, const struct mmio_reg *reg, uint32_t off, unsigned w,
			uint32_t v)
{
	(void)w;
	(void)reg;
	*plain_reg(dev, off) = v & 0xffff;
}

static uint32_t read_id(void *dev, const struct mmio_reg *reg, uint32_t off, unsigned w)
{
	/* PeriphID0-3 then PCellID0-3 of an ARM PL011 r1p5. */
	static const uint8_t id[8] = { 0x11, 0x10, 0x34, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

	(void)dev, (void)reg, (void)w;
	return id[(off - UARTPERIPHID0) / 4];
}

static const struct mmio_reg vuart_regs[] = {
	MMIO_REG(UARTDR, 4, MMIO_W_ANY, mmio_read_raz, write_dr),
	MMIO_REG(UARTRSR, 4, MMIO_W_ANY, mmio_read_raz, mmio_write_wi),
	MMIO_REG(UARTFR, 4, MMIO_W_ANY, read_fr, mmio_write_wi),
	MMIO_REG(UARTILPR, 4, MMIO_W_ANY, mmio_read_raz, mmio_write_wi),
	MMIO_REG(UARTIBRD, 4, MMIO_W_ANY, read_plain, write_plain),
	MMIO_REG(UARTFBRD, 4, MMIO_W_ANY, read_plain, write_plain),
	MMIO_REG(UARTLCR_H, 4, MMIO_W_ANY, read_plain, write_plain),
	MMIO_REG(UARTCR, 4, MMIO_W_ANY, read_plain, write_plain),
	MMIO_REG(UARTIFLS, 4, MMIO_W_ANY, read_plain, write_plain),
	MMIO_REG(UARTIMSC, 4, MMIO_W_ANY, read_plain, write_plain),
	MMIO_REG(UARTRIS, 4, MMIO_W_ANY, mmio_read_raz, mmio_write_wi),
	MMIO_REG(UARTMIS, 4, MMIO_W_ANY, mmio_read_raz, mmio_write_wi),
	MMIO_REG(UARTICR, 4, MMIO_W_ANY, mmio_read_raz, mmio_write_wi),
	MMIO_REG(UARTDMACR, 4, MMIO_W_ANY, mmio_read_raz, mmio_write_wi),
	MMIO_REG(UARTPERIPHID0, 32, MMIO_W_ANY, read_id, mmio_write_wi),
};

const struct mmio_ops vuart_ops = {
	.name = "pl011",
	.regs = vuart_regs,
	.reg_count = ARRAY_SIZE(vuart_regs),
	.holes_raz_wi = true,
};
