// SPDX-License-Identifier: MIT
/* Lowvisor's console: the physical PL011, shared by every CPU. */
#include "arch/sysreg.h"
#include "console.h"
#include "log.h"
#include "pl011.h"
#include "spinlock.h"

static uintptr_t uart;
static struct spinlock console_lock = SPINLOCK_INIT;

void console_init(uintptr_t base)
{
	pl011_init(base);
	uart = base;
}

uintptr_t console_base(void)
{
	return uart;
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
