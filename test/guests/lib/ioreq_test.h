/* SPDX-License-Identifier: MIT */
/*
 * What the device-model test's frontend (test/guests/iofront) and backend
 * (test/guests/ioback) agree on (configs/ioreq.its): the value a read of
 * each window address returns and the value the frontend writes there,
 * both a function of the address, the frontend's VM id and its vCPU, cut
 * to the access's width; and how many accesses each vCPU makes.
 */
#ifndef GUEST_IOREQ_TEST_H
#define GUEST_IOREQ_TEST_H

#include <stdint.h>

#include "uapi/lowvisor.h"

/* Window offsets each vCPU goes through on each device, a word apart. */
#define IOT_FIRST 0x100u
#define IOT_WORDS 16u
#define IOT_DEVICES 2u
/* Per word: a word, a halfword and a byte, each written, read and (but
 * the word) read sign-extended: 8 accesses. */
#define IOT_PER_WORD 8u
/* Then, on device 0 alone: the posted QueueNotify write, the read that
 * follows it, and a Thumb halfword store and byte load. */
#define IOT_EXTRA 4u
#define IOT_PER_VCPU (IOT_DEVICES * IOT_WORDS * IOT_PER_WORD + IOT_EXTRA)
#define IOT_AFTER_NOTIFY 0x0f0u
/* How long the backend holds the posted write before it completes it. */
#define IOT_POSTED_HOLD_US 200000u
/* A word of the frontend's RAM the backend reads through MAP_GUEST. */
#define IOT_MAGIC_IPA 0x40f00000u
#define IOT_MAGIC 0x600dcafeu

/* The bench (role=bench): batches of forwarded reads, and the write that
 * ends the backend. */
#define IOT_BENCH_BATCHES 11u
#define IOT_BENCH_BATCH 64u
#define IOT_BENCH_END 0x1fcu

static inline uint32_t iot_read_value(uint32_t addr, uint32_t vm, uint32_t vcpu)
{
	uint32_t x = addr * 2654435761u ^ (vm << 24) ^ (vcpu << 16);

	return x ^ (x >> 13);
}

static inline uint32_t iot_write_value(uint32_t addr, uint32_t vm, uint32_t vcpu)
{
	return iot_read_value(addr ^ 0x5a5a5a5au, vm, vcpu);
}

static inline uint32_t iot_mask(uint32_t len)
{
	return len >= 4 ? 0xffffffffu : (1u << (len * 8)) - 1;
}

#endif
