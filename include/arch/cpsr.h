/* SPDX-License-Identifier: MIT */
/* The CPSR/SPSR mode field, for C and for the assembly in boot/. */
#ifndef LOWVISOR_ARCH_CPSR_H
#define LOWVISOR_ARCH_CPSR_H

#ifdef __ASSEMBLER__
#define _U32(x) x
#else
#define _U32(x) x##u
#endif

#define CPSR_MODE_MASK _U32(0x1f)
#define CPSR_MODE_USR _U32(0x10)
#define CPSR_MODE_FIQ _U32(0x11)
#define CPSR_MODE_IRQ _U32(0x12)
#define CPSR_MODE_SVC _U32(0x13)
#define CPSR_MODE_MON _U32(0x16)
#define CPSR_MODE_ABT _U32(0x17)
#define CPSR_MODE_HYP _U32(0x1a)
#define CPSR_MODE_UND _U32(0x1b)
#define CPSR_MODE_SYS _U32(0x1f)

#endif
