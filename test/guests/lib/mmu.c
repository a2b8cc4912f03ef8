// SPDX-License-Identifier: MIT
/*
 * The guest's own stage-1 MMU: identity maps of RAM (Normal, write-back)
 * and the UART (Device), in the short-descriptor format with 1 MiB
 * sections or in the long-descriptor (LPAE) format with 2 MiB blocks, to
 * which blocks with 40-bit output addresses can be added.
 * Table walks are non-cacheable: the tables are written with the caches
 * off, except by mmu_map_lpae, which cleans what it writes.
 */
#include "guest.h"

#define SZ_1M 0x100000u
#define SZ_2M 0x200000u

/* Short-descriptor section: TEX[14:12] C[3] B[2] AP[11:10] S[16] XN[4] */
#define SECT 0x2u
#define SECT_B (1u << 2)
#define SECT_C (1u << 3)
#define SECT_XN (1u << 4)
#define SECT_AP_RW (3u << 10)
#define SECT_TEX(x) ((uint32_t)(x) << 12)
#define SECT_S (1u << 16)
#define SECT_NORMAL_WB (SECT | SECT_TEX(1) | SECT_C | SECT_B | SECT_AP_RW | SECT_S)
#define SECT_DEVICE (SECT | SECT_B | SECT_XN | SECT_AP_RW) /* shared device */
#define DACR_ALL_CLIENT 0x55555555u

/* Long-descriptor block: AttrIndx[4:2] AP[7:6] SH[9:8] AF[10] XN[54] */
#define LPAE_TABLE 0x3ull
#define LPAE_BLOCK 0x1ull
#define LPAE_ATTR(i) ((uint64_t)(i) << 2)
#define LPAE_SH_INNER (3ull << 8)
#define LPAE_AF (1ull << 10)
#define LPAE_XN (1ull << 54)
#define LPAE_NORMAL (LPAE_BLOCK | LPAE_ATTR(0) | LPAE_SH_INNER | LPAE_AF)
#define LPAE_DEVICE (LPAE_BLOCK | LPAE_ATTR(1) | LPAE_AF | LPAE_XN)
#define MAIR0_VALUE 0x000004ffu /* attr0 Normal WB RW-alloc, attr1 Device */
#define TTBCR_EAE (1u << 31)

static uint32_t short_l1[4096] __attribute__((aligned(16384)));
static uint64_t lpae_l1[4] __attribute__((aligned(32)));
static uint64_t lpae_l2[4][512] __attribute__((aligned(4096)));

static void mmu_on(void)
{
	dsb();
	tlbiall_write(0);
	iciallu_write(0);
	dsb();
	isb();
	sctlr_write(sctlr_read() | SCTLR_M | SCTLR_C | SCTLR_I);
	isb();
}

bool mmu_enable_short(uint32_t ram_base, uint32_t ram_size)
{
	if ((ram_base | ram_size) & (SZ_1M - 1))
		return false;
	memset(short_l1, 0, sizeof(short_l1));
	for (uint32_t mb = ram_base / SZ_1M; mb < ram_base / SZ_1M + ram_size / SZ_1M;
	     mb++)
		short_l1[mb] = mb * SZ_1M | SECT_NORMAL_WB;
	short_l1[GUEST_UART_BASE / SZ_1M] =
		(GUEST_UART_BASE & ~(SZ_1M - 1)) | SECT_DEVICE;

	ttbcr_write(0);
	ttbr0_32_write((uint32_t)(uintptr_t)short_l1);
	dacr_write(DACR_ALL_CLIENT);
	mmu_on();
	return true;
}

/* The 2 MiB block at va to the one at pa (40 bits: a block descriptor
 * holds output address bits [39:21]). */
static uint64_t *lpae_map_block(uint32_t va, uint64_t pa, uint64_t attrs)
{
	uint32_t gib = va >> 30, idx = (va >> 21) & 511;

	lpae_l1[gib] = (uintptr_t)lpae_l2[gib] | LPAE_TABLE;
	lpae_l2[gib][idx] = (pa & 0xffffe00000ull) | attrs;
	return &lpae_l2[gib][idx];
}

bool mmu_enable_lpae(uint32_t ram_base, uint32_t ram_size)
{
	if ((ram_base | ram_size) & (SZ_2M - 1))
		return false;
	memset(lpae_l1, 0, sizeof(lpae_l1));
	memset(lpae_l2, 0, sizeof(lpae_l2));
	for (uint64_t a = ram_base; a < (uint64_t)ram_base + ram_size; a += SZ_2M)
		lpae_map_block((uint32_t)a, a, LPAE_NORMAL);
	lpae_map_block(GUEST_UART_BASE, GUEST_UART_BASE, LPAE_DEVICE);

	mair0_write(MAIR0_VALUE);
	mair1_write(0);
	ttbcr_write(TTBCR_EAE); /* T0SZ 0: TTBR0 maps all 4 GiB; NC walks */
	ttbr0_64_write((uintptr_t)lpae_l1);
	mmu_on();
	return true;
}

void mmu_map_lpae(uint32_t va, uint64_t pa, bool device)
{
	uint64_t *d = lpae_map_block(va, pa, device ? LPAE_DEVICE : LPAE_NORMAL);

	/* Both entries to memory, then no TLB may keep the old translation. */
	dcache_clean_inval((uintptr_t)d, (uintptr_t)(d + 1));
	dcache_clean_inval((uintptr_t)&lpae_l1[va >> 30], (uintptr_t)&lpae_l1[(va >> 30) + 1]);
	tlbiall_write(0);
	dsb();
	isb();
}

void dcache_clean_inval(uintptr_t start, uintptr_t end)
{
	uint32_t line = 4u << ((ctr_read() >> 16) & 0xf);

	for (uintptr_t a = start & ~(line - 1); a < end; a += line)
		dccimvac_write(a);
	dsb();
}
