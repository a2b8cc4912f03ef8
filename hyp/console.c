// SPDX-License-Identifier: MIT
/* Lowvisor's console: the physical PL011, shared by every CPU. */
#include "arch/sysreg.h"
#include "console.h"
#include "log.h"
#include "pl011.h"
#include "spinlock.h"
#include "gic.h"
#include "vm.h"

static uintptr_t uart;
static struct spinlock console_lock = SPINLOCK_INIT;
static enum console_mode mode = CONSOLE_PREFIX;
static struct vm *focus;
static unsigned escapes; /* Ctrl-As typed in a row */

void console_init(uintptr_t base)
{
	pl011_init(base);
	uart = base;
}

uintptr_t console_base(void)
{
	return uart;
}

/* A guest with the focus writes its own line endings. */
void console_write_raw(const char *s, size_t len)
{
	uint32_t flags;
	size_t i;

	if (!uart)
		return;
	flags = irq_save();
	spin_lock(&console_lock);
	for (i = 0; i < len; i++)
		pl011_putc(uart, s[i]);
	spin_unlock(&console_lock);
	irq_restore(flags);
}

void console_write(const char *s, size_t len)
{
	uint32_t flags;
	size_t i;

	if (!uart)
		return;
	flags = irq_save();
	spin_lock(&console_lock);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			pl011_putc(uart, '\r');
		pl011_putc(uart, s[i]);
	}
	spin_unlock(&console_lock);
	irq_restore(flags);
}

void console_set_mode(enum console_mode m)
{
	mode = m;
}

enum console_mode console_get_mode(void)
{
	return mode;
}

bool console_has_focus(const struct vm *vm)
{
	return focus == vm;
}

void console_set_focus(struct vm *vm)
{
	focus = vm;
	if (vm)
		log_info("console: input goes to vm '%s' (Ctrl-A three times for the next VM)",
			 vm->cfg.name);
}

static void focus_next(void)
{
	unsigned i, n = vm_count();

	for (i = 0; i < n; i++)
		if (vm_at(i) == focus)
			break;
	console_set_focus(n ? vm_at((i + 1) % n) : NULL);
}

static void deliver(uint8_t c)
{
	if (focus && focus->state == VM_RUNNING)
		vuart_receive(&focus->uart, c);
}

void console_input_irq(void)
{
	int c;

	while ((c = pl011_getc(uart)) >= 0) {
		if (c == CONSOLE_ESCAPE) {
			if (++escapes == CONSOLE_ESCAPE_COUNT) {
				escapes = 0;
				focus_next();
			}
			continue;
		}
		/* Fewer than three: they were meant for the guest. */
		for (; escapes; escapes--)
			deliver(CONSOLE_ESCAPE);
		deliver((uint8_t)c);
	}
}

void console_input_enable(unsigned irq)
{
	if (!uart || !irq)
		return;
	pl011_rx_irq_enable(uart);
	gic_enable_irq(irq, 0x80);
}
