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

#endif
