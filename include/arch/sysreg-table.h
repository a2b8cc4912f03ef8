/* SPDX-License-Identifier: MIT */
/*
 * The CP15 registers Lowvisor reads and writes, one line each, and the
 * fields it names: included by arch/sysreg.h, and by the host tests' fake
 * arch (test/unit/host/arch/sysreg.h), each with its own SYSREG32 and
 * SYSREG64.  The register list has no include guard; the fields do.
 */
SYSREG32(midr, 0, c0, c0, 0)
SYSREG32(ctr, 0, c0, c0, 1)
SYSREG32(mpidr, 0, c0, c0, 5)
SYSREG32(hcr, 4, c1, c1, 0)
SYSREG32(hcptr, 4, c1, c1, 2)
SYSREG32(vtcr, 4, c2, c1, 2)
SYSREG32(hsr, 4, c5, c2, 0)
SYSREG32(hdfar, 4, c6, c0, 0)
SYSREG32(hifar, 4, c6, c0, 2)
SYSREG32(hpfar, 4, c6, c0, 4)
SYSREG32(htpidr, 4, c13, c0, 2)
SYSREG32(vpidr, 4, c0, c0, 0)
SYSREG32(vmpidr, 4, c0, c0, 5)
SYSREG32(cntfrq, 0, c14, c0, 0)
SYSREG32(cnthctl, 4, c14, c1, 0)
SYSREG32(cnthp_ctl, 4, c14, c2, 1)
SYSREG32(cntv_ctl, 0, c14, c3, 1)

/* The guest's own CP15 state, switched by hyp/vcpu.c. */
SYSREG32(sctlr, 0, c1, c0, 0)
SYSREG32(actlr, 0, c1, c0, 1)
SYSREG32(cpacr, 0, c1, c0, 2)
SYSREG32(ttbcr, 0, c2, c0, 2)
SYSREG32(dacr, 0, c3, c0, 0)
SYSREG32(dfsr, 0, c5, c0, 0)
SYSREG32(ifsr, 0, c5, c0, 1)
SYSREG32(adfsr, 0, c5, c1, 0)
SYSREG32(aifsr, 0, c5, c1, 1)
SYSREG32(dfar, 0, c6, c0, 0)
SYSREG32(ifar, 0, c6, c0, 2)
SYSREG32(mair0, 0, c10, c2, 0)
SYSREG32(mair1, 0, c10, c2, 1)
SYSREG32(amair0, 0, c10, c3, 0)
SYSREG32(amair1, 0, c10, c3, 1)
SYSREG32(vbar, 0, c12, c0, 0)
SYSREG32(contextidr, 0, c13, c0, 1)
SYSREG32(tpidrurw, 0, c13, c0, 2)
SYSREG32(tpidruro, 0, c13, c0, 3)
SYSREG32(tpidrprw, 0, c13, c0, 4)
SYSREG32(csselr, 2, c0, c0, 0)
SYSREG32(cntkctl, 0, c14, c1, 0)
SYSREG64(ttbr0, 0, c2)
SYSREG64(ttbr1, 1, c2)
SYSREG64(par, 0, c7)
SYSREG32(ats1cpr, 0, c7, c8, 0) /* write only: from HYP, the guest's stage 1 alone */
SYSREG64(cntv_cval, 3, c14)
SYSREG32(l2ctlr, 1, c9, c0, 2) /* Cortex-A15 */
SYSREG32(dccisw, 0, c7, c14, 2) /* write only: clean and invalidate by set/way */
SYSREG32(dccmvac, 0, c7, c10, 1) /* write only: clean by VA to the point of coherency */
SYSREG32(icialluis, 0, c7, c1, 0) /* write only: instruction caches, inner shareable */
SYSREG32(tlbiallis, 0, c8, c3, 0) /* write only: the current VMID's TLB entries, IS */
SYSREG32(tlbiallnsnhis, 4, c8, c3, 4) /* write only: all non-HYP TLB entries, IS */

SYSREG64(vttbr, 6, c2)
SYSREG64(cntpct, 0, c14)
SYSREG64(cntvoff, 4, c14)
SYSREG64(cnthp_cval, 6, c14)

#ifndef LOWVISOR_SYSREG_FIELDS
#define LOWVISOR_SYSREG_FIELDS
#define SCTLR_M (1u << 0) /* the guest's stage 1 on */
#define SCTLR_V (1u << 13)  /* high exception vectors */
#define SCTLR_EE (1u << 25) /* exceptions taken big-endian */
#define SCTLR_TE (1u << 30) /* exceptions taken in Thumb state */
#define TTBCR_EAE (1u << 31) /* the long-descriptor (LPAE) format */
#define HCR_VM (1u << 0)    /* stage 2 on */
#define HCR_SWIO (1u << 1)  /* set/way invalidate is clean and invalidate */
#define HCR_PTW (1u << 2)   /* stage-1 walks into device memory fault */
#define HCR_FMO (1u << 3)   /* FIQs, */
#define HCR_IMO (1u << 4)   /* IRQs */
#define HCR_AMO (1u << 5)   /* and asynchronous aborts to HYP */
#define HCR_VF (1u << 6)    /* the virtual FIQ line */
#define HCR_VI (1u << 7)    /* the virtual IRQ line */
#define HCR_FB (1u << 9)    /* TLB and cache maintenance broadcast */
#define HCR_BSU_IS (1u << 10) /* barriers inner shareable */
#define HCR_TWI (1u << 13)  /* trap WFI, */
#define HCR_TWE (1u << 14)  /* WFE, */
#define HCR_TSC (1u << 19)  /* SMC, */
#define HCR_TIDCP (1u << 20) /* the implementation-defined registers, */
#define HCR_TAC (1u << 21)  /* ACTLR, */
#define HCR_TSW (1u << 22)  /* set/way maintenance */
#define HCPTR_TCP10 (1u << 10) /* trap VFP (CP10, */
#define HCPTR_TCP11 (1u << 11) /* CP11) */
#define HCPTR_TASE (1u << 15)  /* and Advanced SIMD */
#define HCPTR_VFP_TRAPS (HCPTR_TCP10 | HCPTR_TCP11 | HCPTR_TASE)
#define CNTV_CTL_ENABLE (1u << 0)
#define CNTV_CTL_IMASK (1u << 1)
#define CNTV_CTL_ISTATUS (1u << 2)
#define CTR_DMINLINE(ctr) (4u << (((ctr) >> 16) & 0xf)) /* bytes */
/* The data cache line Lowvisor's maintenance by VA steps by: Cortex-A15's,
 * checked against CTR at boot. */
#define DCACHE_LINE 64
#define L2CTLR_CPUS_SHIFT 24 /* [25:24]: the number of CPUs - 1 */
#define L2CTLR_CPUS_MASK (3u << L2CTLR_CPUS_SHIFT)
#endif
