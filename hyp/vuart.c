// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "hw/pl011.h"
#include "drivers.h"
#include "vm.h"
#include "vuart.h"

/* The guest's DT (guest_dt.c) says which SPI this is. */
_Static_assert(VUART_IRQ == 32 + GUEST_UART_SPI, "the vUART's SPI is the guest DT's");

/* The interrupt line follows RIS & IMSC; called with u->lock held. */
static void update_irq(struct vuart *u)
{
	bool level = (u->ris & u->imsc) != 0;

	if (level != u->irq_level) {
		u->irq_level = level;
		vm_set_irq(u->vm, VUART_IRQ, level);
	}
}

void vuart_reset(struct vuart *u)
{
	spin_lock(&u->lock);
	u->len = 0;
	u->rx_head = u->rx_count = 0;
	u->cr = CR_TXE | CR_RXE; /* as after reset */
	u->ifls = 0x12;
	u->ibrd = u->fbrd = u->lcr = u->imsc = u->dmacr = u->ris = 0;
	u->irq_level = false;
	spin_unlock(&u->lock);
}

void vuart_init(struct vuart *u, struct vm *vm, const char *name)
{
	memset(u, 0, sizeof(*u));
	u->vm = vm;
	u->name = name;
	vuart_reset(u);
}

static void emit_line(struct vuart *u)
{
	char out[VUART_LINE_MAX + 48];
	size_t n = (size_t)snprintf(out, sizeof(out) - 1, "%s| ", u->name);

	memcpy(out + n, u->line, u->len);
	n += u->len;
	out[n++] = '\n';
	console_write_line(out, n);
	u->len = 0;
}

void vuart_flush(struct vuart *u)
{
	spin_lock(&u->lock);
	if (u->len)
		emit_line(u);
	spin_unlock(&u->lock);
}

/* A prompt without a newline would otherwise wait for the next line. */
void vuart_flush_stale(struct vuart *u, uint64_t now, uint64_t max_age)
{
	if (u->len && now - u->line_since >= max_age)
		vuart_flush(u);
}

static void tx(struct vuart *u, char c)
{
	if (console_has_focus(u->vm) && console_get_mode() == CONSOLE_FOCUS) {
		console_write_raw(&c, 1);
		return;
	}
	if (c == '\r')
		return; /* the console adds its own */
	if (c == '\n') {
		emit_line(u);
		return;
	}
	if (!u->len)
		u->line_since = timer_now();
	u->line[u->len++] = c;
	if (u->len == VUART_LINE_MAX)
		emit_line(u);
}

bool vuart_receive(struct vuart *u, uint8_t c)
{
	bool ok = false;

	spin_lock(&u->lock);
	if (u->rx_count < VUART_FIFO) {
		u->rx[(u->rx_head + u->rx_count++) % VUART_FIFO] = c;
		u->ris |= INT_RX | INT_RT;
		update_irq(u);
		ok = true;
	}
	spin_unlock(&u->lock);
	return ok;
}

static uint32_t read_dr(struct vuart *u)
{
	uint32_t c = 0;

	if (u->rx_count) {
		c = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % VUART_FIFO;
		u->rx_count--;
	}
	if (!u->rx_count)
		u->ris &= ~(INT_RX | INT_RT);
	return c;
}

static uint32_t *plain_reg(struct vuart *u, uint32_t off)
{
	switch (off) {
	case UARTIBRD: return &u->ibrd;
	case UARTFBRD: return &u->fbrd;
	case UARTLCR_H: return &u->lcr;
	case UARTCR: return &u->cr;
	case UARTIFLS: return &u->ifls;
	case UARTDMACR: return &u->dmacr;
	default: return NULL;
	}
}

static uint32_t vuart_read(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t off, unsigned w)
{
	static const uint8_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	struct vuart *u = c->dev;
	uint32_t *p, v = 0;

	(void)reg, (void)w;
	spin_lock(&u->lock);
	if (off >= UARTPERIPHID0) {
		v = id[(off - UARTPERIPHID0) / 4];
	} else if (off == UARTDR) {
		v = read_dr(u);
		update_irq(u);
	} else if (off == UARTFR) {
		v = FR_TXFE | (u->rx_count ? 0 : FR_RXFE) | (u->rx_count == VUART_FIFO ? FR_RXFF : 0);
	} else if (off == UARTIMSC) {
		v = u->imsc;
	} else if (off == UARTRIS) {
		v = u->ris;
	} else if (off == UARTMIS) {
		v = u->ris & u->imsc;
	} else if ((p = plain_reg(u, off))) {
		v = *p;
	}
	spin_unlock(&u->lock);
	return v;
}

static void vuart_write(struct mmio_ctx *c, const struct mmio_reg *reg, uint32_t off, unsigned w,
			uint32_t v)
{
	struct vuart *u = c->dev;
	uint32_t *p;

	(void)reg, (void)w;
	spin_lock(&u->lock);
	if (off == UARTDR) {
		tx(u, (char)(v & 0xff));
		u->ris |= INT_TX;
	} else if (off == UARTIMSC) {
		u->imsc = v & INT_ALL;
	} else if (off == UARTICR) {
		u->ris &= ~v;
		if (u->rx_count) /* data left: the receive interrupts stay */
			u->ris |= INT_RX | INT_RT;
	} else if ((p = plain_reg(u, off))) {
		*p = v & 0xffff;
	}
	update_irq(u);
	spin_unlock(&u->lock);
}

static const struct mmio_reg vuart_regs[] = {
	MMIO_REG(UARTDR, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG_RAZ_WI(UARTRSR, 4, MMIO_W_ANY),
	MMIO_REG(UARTFR, 4, MMIO_W_ANY, vuart_read, mmio_write_wi),
	MMIO_REG_RAZ_WI(UARTILPR, 4, MMIO_W_ANY),
	MMIO_REG(UARTIBRD, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTFBRD, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTLCR_H, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTCR, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTIFLS, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTIMSC, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTRIS, 4, MMIO_W_ANY, vuart_read, mmio_write_wi),
	MMIO_REG(UARTMIS, 4, MMIO_W_ANY, vuart_read, mmio_write_wi),
	MMIO_REG(UARTICR, 4, MMIO_W_ANY, mmio_read_raz, vuart_write),
	MMIO_REG(UARTDMACR, 4, MMIO_W_ANY, vuart_read, vuart_write),
	MMIO_REG(UARTPERIPHID0, 32, MMIO_W_ANY, vuart_read, mmio_write_wi),
};

static struct mmio_index vuart_index;

const struct mmio_ops vuart_ops = {
	.name = "pl011",
	MMIO_OPS_REGS(vuart_regs),
	.holes_raz_wi = true,
	.index = &vuart_index,
};
