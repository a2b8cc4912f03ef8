// SPDX-License-Identifier: MIT
/* Lowvisor's console: the physical PL011, shared by every CPU. */
#include <string.h>

#include "arch/sysreg.h"
#include "console.h"
#include "log.h"
#include "drivers.h"
#include "spinlock.h"
#include "vm.h"

/*
 * Other VMs' lines while the focused VM is in the middle of one of its own
 * (a prompt being written, a command's echo) are held back, so that they do
 * not cut into it; they go out when its line ends, or once it has been
 * still for CONSOLE_HOLD_MS (a prompt waiting for input), on a line of
 * their own.
 */
#define CONSOLE_HOLD_MS 100
#define CONSOLE_HOLD_MAX 2048
static char held[CONSOLE_HOLD_MAX];
static size_t held_len;
static bool raw_midline;  /* the focused VM's last byte was not a newline */
static uint64_t raw_at;   /* when it wrote it */

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

static void put_lines(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			pl011_putc(uart, '\r');
		pl011_putc(uart, s[i]);
	}
}

/* Console lock held: the held lines go out, after a line break if the
 * focused VM's line is unfinished. */
static void release_held(void)
{
	if (!held_len)
		return;
	if (raw_midline)
		put_lines("\n", 1);
	raw_midline = false;
	put_lines(held, held_len);
	held_len = 0;
}

/* A guest with the focus writes its own line endings. */
void console_write_raw(const char *s, size_t len)
{
	uint32_t flags;
	size_t i;

	if (!uart)
		return;
	flags = spin_lock_irqsave(&console_lock);
	for (i = 0; i < len; i++) {
		pl011_putc(uart, s[i]);
		raw_midline = s[i] != '\n';
		if (!raw_midline)
			release_held();
	}
	raw_at = timer_now();
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_write(const char *s, size_t len)
{
	uint32_t flags;

	if (!uart)
		return;
	flags = spin_lock_irqsave(&console_lock);
	put_lines(s, len);
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_write_line(const char *s, size_t len)
{
	uint32_t flags;

	if (!uart)
		return;
	flags = spin_lock_irqsave(&console_lock);
	if (raw_midline && mode == CONSOLE_FOCUS &&
	    timer_now() - raw_at < timer_us_to_ticks(CONSOLE_HOLD_MS * 1000) &&
	    held_len + len <= sizeof(held)) {
		memcpy(held + held_len, s, len);
		held_len += len;
	} else {
		release_held();
		if (raw_midline && mode == CONSOLE_FOCUS) {
			put_lines("\n", 1);
			raw_midline = false;
		}
		put_lines(s, len);
	}
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_release_held(uint64_t now)
{
	uint32_t flags;

	if (!uart || !held_len)
		return;
	flags = spin_lock_irqsave(&console_lock);
	if (now - raw_at >= timer_us_to_ticks(CONSOLE_HOLD_MS * 1000))
		release_held();
	spin_unlock_irqrestore(&console_lock, flags);
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
	uint32_t flags = spin_lock_irqsave(&console_lock);

	release_held(); /* a new VM's lines start on a line of their own */
	spin_unlock_irqrestore(&console_lock, flags);
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
	gic_enable_irq(irq, GIC_PRIO_CONSOLE);
}
