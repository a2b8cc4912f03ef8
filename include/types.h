/* SPDX-License-Identifier: MIT */
/*
 * Typed addresses: a physical address, a guest intermediate physical address
 * and a hypervisor virtual address cannot be mixed up by accident.  The
 * hypervisor maps RAM at VA == PA, but the types still say which is meant.
 */
#ifndef LOWVISOR_TYPES_H
#define LOWVISOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t pa; } paddr_t;
typedef struct { uint64_t ipa; } ipaddr_t;

static inline paddr_t pa_init(uint64_t pa) { return (paddr_t){ pa }; }
static inline uint64_t pa_addr(paddr_t p) { return p.pa; }
static inline ipaddr_t ipa_init(uint64_t ipa) { return (ipaddr_t){ ipa }; }
static inline uint64_t ipa_addr(ipaddr_t a) { return a.ipa; }

/* An address range [base, base + size). */
struct mem_range {
	uint64_t base;
	uint64_t size;
};

static inline uint64_t range_end(const struct mem_range *r)
{
	return r->base + r->size;
}

static inline bool ranges_overlap(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz)
{
	return a < b + bsz && b < a + asz;
}

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#ifndef __printf
#define __printf(a, b) __attribute__((format(printf, a, b)))
#endif
#ifndef __noreturn
#define __noreturn __attribute__((noreturn))
#endif
#ifndef __aligned
#define __aligned(x) __attribute__((aligned(x)))
#endif
#ifndef __section
#define __section(s) __attribute__((section(s)))
#endif
#ifndef __unused
#define __unused __attribute__((unused))
#endif
#ifndef __cold
#define __cold __attribute__((cold)) /* rare: optimised for size */
#endif

#endif
