/* SPDX-License-Identifier: MIT */
/*
 * Lowvisor's console on the physical PL011: output of the hypervisor and
 * of every guest, and input for the VM that has the focus.  Typing Ctrl-A
 * three times moves the focus to the next VM (design section 11).
 */
#ifndef LOWVISOR_CONSOLE_H
#define LOWVISOR_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct vm;

/* Sends all further output to the PL011 at base (mapped already). */
void console_init(uintptr_t base);

/* The focused VM's bytes, as it writes them (its own line endings). */
void console_write_raw(const char *s, size_t len);
/* Another VM's whole line(s): held back while the focused VM is in the
 * middle of a line of its own, at most CONSOLE_HOLD_MS (console.c). */
void console_write_line(const char *s, size_t len);
/* From the tick: held lines whose wait is over go out. */
void console_release_held(uint64_t now);
void console_set_mode(enum console_mode mode);
enum console_mode console_get_mode(void);
bool console_has_focus(const struct vm *vm);
void console_set_focus(struct vm *vm);
/* Takes console input by the UART's interrupt (SPI irq) on this CPU. */
void console_input_enable(unsigned irq);
/* From the interrupt handler: reads what was typed. */
void console_input_irq(void);

#define CONSOLE_ESCAPE 0x01 /* Ctrl-A */
#define CONSOLE_ESCAPE_COUNT 3

#endif
