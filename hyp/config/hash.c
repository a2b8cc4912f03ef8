// SPDX-License-Identifier: MIT
/*
 * SHA-256 as FIPS 180-4 defines it (sections 5.1.1 padding, 6.2.2
 * computation), and the zlib CRC-32.  Images are hashed once, whole, before
 * a VM starts: small code (a 16-entry CRC table), but SHA-256 keeps its
 * working variables in registers.
 */
#include <libfdt.h> /* fdt32_ld(), fdt32_st(), fdt64_st(): big-endian loads and stores */
#include <string.h>

#include "hash.h"

static inline uint32_t rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/* First 32 bits of the fractional parts of the cube roots of the first 64
 * primes (FIPS 180-4 4.2.2). */
static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/*
 * FIPS 180-4 6.2.2.  The eight working variables stay in registers: a
 * round renames them instead of moving them (ROUND's arguments rotate),
 * eight rounds to a loop pass, after the whole message schedule.  This is
 * the hash on the boot path (every image's, usually), at about 30
 * instructions a byte.
 */
#define SHA256_S0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define SHA256_S1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define SHA256_ROUND(a, b, c, d, e, f, g, h, t)                                       \
	do {                                                                          \
		uint32_t t1 = h + SHA256_S1(e) + ((e & f) ^ (~e & g)) + sha256_k[t] +  \
			      w[t];                                                   \
		d += t1;                                                              \
		h = t1 + SHA256_S0(a) + ((a & b) ^ (a & c) ^ (b & c));                \
	} while (0)

static void sha256_compress(uint32_t h[8], const uint8_t *block)
{
	uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
			hh = h[7];
	unsigned t;

	for (t = 0; t < 16; t++)
		w[t] = fdt32_ld((const fdt32_t *)(block + 4 * t));
	for (; t < 64; t++) {
		uint32_t w15 = w[t - 15], w2 = w[t - 2];

		w[t] = w[t - 16] + (rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3)) + w[t - 7] +
		       (rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10));
	}
	for (t = 0; t < 64; t += 8) {
		SHA256_ROUND(a, b, c, d, e, f, g, hh, t);
		SHA256_ROUND(hh, a, b, c, d, e, f, g, t + 1);
		SHA256_ROUND(g, hh, a, b, c, d, e, f, t + 2);
		SHA256_ROUND(f, g, hh, a, b, c, d, e, t + 3);
		SHA256_ROUND(e, f, g, hh, a, b, c, d, t + 4);
		SHA256_ROUND(d, e, f, g, hh, a, b, c, t + 5);
		SHA256_ROUND(c, d, e, f, g, hh, a, b, t + 6);
		SHA256_ROUND(b, c, d, e, f, g, hh, a, t + 7);
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	h[5] += f;
	h[6] += g;
	h[7] += hh;
}

/* The CRC of each 4-bit value under the reflected polynomial 0xedb88320:
 * two lookups a byte instead of eight shifts. */
static const uint32_t crc32_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
	0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc32_nibble[crc & 15];
		crc = (crc >> 4) ^ crc32_nibble[crc & 15];
	}
	return ~crc;
}

/*
 * SHA-256 of the whole message: its whole blocks compressed where they are,
 * then the rest in one or two more blocks with the padding of FIPS 180-4
 * 5.1.1 (a 1 bit, zeros up to 56 mod 64 bytes, the length in bits,
 * big-endian).  The initial hash (5.3.3) is the first 32 bits of the
 * fractional parts of the square roots of the first 8 primes.
 */
static void sha256(const uint8_t *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint64_t bits = (uint64_t)len * 8;
	size_t rest = len % 64, n = rest < 56 ? 64 : 128, i;
	uint8_t tail[128];

	for (; len >= 64; data += 64, len -= 64)
		sha256_compress(h, data);
	memcpy(tail, data, rest);
	tail[rest] = 0x80;
	memset(tail + rest + 1, 0, n - rest - 1);
	fdt64_st(tail + n - 8, bits);
	for (i = 0; i < n; i += 64)
		sha256_compress(h, tail + i);
	for (i = 0; i < 8; i++)
		fdt32_st(digest + 4 * i, h[i]);
}

/* Per algorithm: its name in a FIT and its digest size. */
static const struct {
	const char *name;
	uint8_t size;
} algos[] = {
	[HASH_SHA256] = { "sha256", SHA256_DIGEST_SIZE },
	[HASH_CRC32] = { "crc32", CRC32_DIGEST_SIZE },
};

enum hash_algo hash_algo_by_name(const char *name)
{
	unsigned i;

	for (i = 1; i < ARRAY_SIZE(algos); i++)
		if (!strcmp(name, algos[i].name))
			return (enum hash_algo)i;
	return HASH_NONE;
}

size_t hash_digest_size(enum hash_algo algo)
{
	return (unsigned)algo < ARRAY_SIZE(algos) ? algos[algo].size : 0;
}

void hash_compute(enum hash_algo algo, const void *data, size_t len,
		  uint8_t digest[HASH_MAX_DIGEST_SIZE])
{
	if (algo == HASH_CRC32)
		fdt32_st(digest, crc32_update(0, data, len));
	else if (algo == HASH_SHA256)
		sha256(data, len, digest);
}
