/* SPDX-License-Identifier: MIT */
#ifndef LOWVISOR_CONSOLE_H
#define LOWVISOR_CONSOLE_H

#include <stdint.h>

/* Sends all further output to the PL011 at base (mapped already). */
void console_init(uintptr_t base);
uintptr_t console_base(void);

#endif
