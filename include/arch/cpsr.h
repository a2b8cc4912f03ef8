/* SPDX-License-Identifier: MIT */
/* CPSR/SPSR bits and the mode field, for C and for the assembly in boot/. */
#ifndef LOWVISOR_ARCH_CPSR_H
#define LOWVISOR_ARCH_CPSR_H

#define CPSR_N 0x80000000 /* the condition flags */
#define CPSR_Z 0x40000000
#define CPSR_C 0x20000000
#define CPSR_V 0x10000000
#define CPSR_J 0x01000000 /* Jazelle */
#define CPSR_E 0x200      /* big-endian data */
#define CPSR_A 0x100      /* asynchronous aborts masked */
#define CPSR_I 0x80       /* IRQs masked */
#define CPSR_F 0x40       /* FIQs masked */
#define CPSR_T 0x20       /* Thumb */

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
