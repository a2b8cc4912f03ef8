/* SPDX-License-Identifier: MIT */
/* The CPSR/SPSR mode field, for C and for the assembly in boot/. */
#ifndef LOWVISOR_ARCH_CPSR_H
#define LOWVISOR_ARCH_CPSR_H

#define CPSR_MODE_MASK 0x1f
#define CPSR_MODE_USR 0x10
#define CPSR_MODE_FIQ 0x11
#define CPSR_MODE_IRQ 0x12
#define CPSR_MODE_SVC 0x13
#define CPSR_MODE_MON 0x16
#define CPSR_MODE_ABT 0x17
#define CPSR_MODE_HYP 0x1a
#define CPSR_MODE_UND 0x1b
#define CPSR_MODE_SYS 0x1f

#endif
