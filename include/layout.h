/* SPDX-License-Identifier: MIT */
/*
 * Where Lowvisor lives in its own (HYP stage-1) address space: the image's
 * link address and the host DTB's window.  boot/entry.S builds the first
 * tables from these, mm/ the rest (mm/mm.h has the whole map).
 */
#ifndef LOWVISOR_LAYOUT_H
#define LOWVISOR_LAYOUT_H

#define HYP_IMAGE_VA 0xF0000000
#define HYP_DTB_WINDOW_VA 0xFF000000
#define HYP_DTB_WINDOW_SIZE 0x400000

#endif
