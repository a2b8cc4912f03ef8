/* SPDX-License-Identifier: MIT */
/* What the hypervisor reports (hyp/report.c). */
#ifndef LOWVISOR_REPORT_H
#define LOWVISOR_REPORT_H

void boot_report(void);
/* What ran: exits and switches per CPU, VMID generations (at power-off). */
void run_report(void);

#endif
