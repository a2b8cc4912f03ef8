/* SPDX-License-Identifier: MIT */
/* LPAE (long-descriptor) translation table formats, shared by HYP stage-1
 * and, later, stage-2. */
#ifndef LOWVISOR_LPAE_H
#define LOWVISOR_LPAE_H

#ifdef __ASSEMBLER__
#define _ULL(x) x
#define _U(x) x
#else
#define _ULL(x) x##ull
#define _U(x) x##u
#endif

#define LPAE_ENTRIES 512
#define LPAE_BLOCK_SIZE _U(0x200000)

#define LPAE_VALID _ULL(0x1)
#define LPAE_TYPE_MASK _ULL(0x3)
#define LPAE_TYPE_BLOCK _ULL(0x1) /* levels 1 and 2 */
#define LPAE_TYPE_TABLE _ULL(0x3) /* levels 1 and 2 */
#define LPAE_TYPE_PAGE _ULL(0x3)  /* level 3 */
#define LPAE_ADDR_MASK _ULL(0x000000fffffff000)

#define LPAE_ATTRIDX(n) ((n) * _ULL(4))
#define LPAE_AP_RW_HYP (_ULL(1) << 6) /* AP[1] is should-be-one for HYP */
#define LPAE_SH_INNER (_ULL(3) << 8)
#define LPAE_AF (_ULL(1) << 10)
#define LPAE_XN (_ULL(1) << 54)

/* HMAIR0: attr0 normal write-back, attr1 Device-nGnRE, attr2 normal
 * non-cacheable. */
#define HYP_MAIR0 _U(0x004404ff)
#define HYP_ATTR_NORMAL 0
#define HYP_ATTR_DEVICE 1

#define LPAE_HYP_NORMAL (LPAE_ATTRIDX(HYP_ATTR_NORMAL) | LPAE_AP_RW_HYP | LPAE_SH_INNER | LPAE_AF)
#define LPAE_HYP_DEVICE (LPAE_ATTRIDX(HYP_ATTR_DEVICE) | LPAE_AP_RW_HYP | LPAE_AF | LPAE_XN)

/* HTCR (and TTBCR with EAE): T0SZ 0, walks inner-shareable write-back. */
#define HYP_HTCR _U(0x80803500)
#define PL1_TTBCR _U(0x80003500)

/*
 * Stage 2 (the guest's IPA -> PA).  Block and page descriptors carry the
 * memory type directly in MemAttr[3:0] (bits 5:2) instead of an AttrIndx,
 * and S2AP (bits 7:6) instead of AP.
 */
#define LPAE_L1_SHIFT 30
#define LPAE_L2_SHIFT 21
#define LPAE_L3_SHIFT 12
#define LPAE_BLOCK_ADDR_L2_MASK _ULL(0x000000ffffe00000)
#define LPAE_BLOCK_ADDR_L1_MASK _ULL(0x000000ffc0000000)
#define LPAE_ATTR_MASK _ULL(0xfff0000000000ffc) /* upper and lower attributes */

#define S2_MEMATTR(x) ((x) * _ULL(4))
#define S2_MEMATTR_DEVICE _ULL(0x1)    /* [3:2] 00 Device, [1:0] 01 Device (nGnRE) */
#define S2_MEMATTR_NORMAL_WB _ULL(0xf) /* outer and inner write-back */
#define S2_AP_READ (_ULL(1) << 6)
#define S2_AP_WRITE (_ULL(1) << 7)

/*
 * VTCR: T0SZ is a signed 4-bit field, the IPA space being 2^(32 - T0SZ):
 * -8 (0b1000) for 40 bits, with S (bit 4) a copy of T0SZ[3].  SL0 = 01 starts
 * the walk at level 1, whose table then has 2^(40 - 30) = 1024 entries: two
 * concatenated 4 KiB tables, VTTBR.BADDR aligned to 2^(5 - T0SZ) = 8 KiB.
 * Walks are inner-shareable (SH0 = 11), inner and outer write-back
 * write-allocate (IRGN0 = ORGN0 = 01), as HTCR's.  Bit 31 is RES1.
 */
#define VTCR_T0SZ_40BIT _U(0x8)
#define VTCR_S _U(0x10)
#define VTCR_SL0_L1 (_U(1) << 6)
#define VTCR_IRGN0_WBWA (_U(1) << 8)
#define VTCR_ORGN0_WBWA (_U(1) << 10)
#define VTCR_SH0_INNER (_U(3) << 12)
#define VTCR_RES1 (_U(1) << 31)
#define STAGE2_VTCR                                                                   \
	(VTCR_T0SZ_40BIT | VTCR_S | VTCR_SL0_L1 | VTCR_IRGN0_WBWA | VTCR_ORGN0_WBWA |        \
	 VTCR_SH0_INNER | VTCR_RES1)
#define VTTBR_VMID_SHIFT 48

#endif
