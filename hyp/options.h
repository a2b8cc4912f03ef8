/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor options from the host's /chosen/bootargs: words of the form
 * lowvisor.NAME=VALUE.  Other words belong to no one here and are ignored.
 *
 *   lowvisor.log=error|warn|info|debug   log level (default info)
 *   lowvisor.tick_hz=N                   housekeeping tick rate, 1..10000 (default 100)
 *   lowvisor.slice_us=N                  a vCPU's turn on a shared CPU, in
 *                                        microseconds, SLICE_US_MIN..SLICE_US_MAX
 *                                        (default SLICE_US_DEFAULT); a VM's
 *                                        `slice-us` overrides it
 *   lowvisor.fault=1                     take a deliberate data abort after
 *                                        boot, to check the register dump
 */
#ifndef LOWVISOR_OPTIONS_H
#define LOWVISOR_OPTIONS_H

#include "log.h"

struct hyp_options {
	enum log_level log_level;
	unsigned tick_hz;
	unsigned slice_us;
	unsigned fault;
};

#define SLICE_US_MIN 100
#define SLICE_US_MAX 1000000
#define SLICE_US_DEFAULT 5000

#define OPTIONS_WARN_MAX 4

struct options_warnings {
	unsigned count;
	char msg[OPTIONS_WARN_MAX][96];
};

void options_default(struct hyp_options *o);
/* Applies every lowvisor.* word of args; a bad one is skipped and described
 * in w, the others still apply. */
void options_parse(struct hyp_options *o, const char *args, struct options_warnings *w);

#endif
