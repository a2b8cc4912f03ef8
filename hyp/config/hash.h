/* SPDX-License-Identifier: MIT */
/*
 * The digests a FIT image's hash nodes may use: SHA-256 (FIPS 180-4) and
 * CRC-32 (the zlib/IEEE 802.3 one: reflected polynomial 0xedb88320,
 * initial value and final XOR ~0).  Written from the specifications; plain C
 * for the firmware and the host tests.  Digests are byte arrays in the order
 * the specifications print them, which is also how mkimage stores them in a
 * hash node's `value` (CRC-32 as one big-endian cell).
 */
#ifndef LOWVISOR_HASH_H
#define LOWVISOR_HASH_H

#include "types.h"

#define SHA256_DIGEST_SIZE 32
#define CRC32_DIGEST_SIZE 4
#define HASH_MAX_DIGEST_SIZE SHA256_DIGEST_SIZE

enum hash_algo { HASH_NONE, HASH_SHA256, HASH_CRC32 };

/* zlib's crc32(): crc is the value returned for the data before (0 to
 * start), so a buffer can be fed in pieces. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

/* "sha256" or "crc32" (a FIT hash node's `algo`) to an algorithm;
 * HASH_NONE for anything else, SHA-1 included (broken as an integrity
 * check). */
enum hash_algo hash_algo_by_name(const char *name);
/* 0 for HASH_NONE. */
size_t hash_digest_size(enum hash_algo algo);
/* Writes hash_digest_size(algo) bytes to digest; CRC-32 big-endian. */
void hash_compute(enum hash_algo algo, const void *data, size_t len,
		  uint8_t digest[HASH_MAX_DIGEST_SIZE]);

#endif
