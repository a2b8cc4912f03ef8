# SPDX-License-Identifier: MIT
#
# The benchmarks' Linux pieces (included by the top-level Makefile; `make
# bench` runs test/bench/bench.py):
#   $(BUILD)/bench/lvclock             prints CNTVCT (no libc, static ELF)
#   $(BUILD)/bench/initramfs.cpio.gz   the test initramfs plus lvclock, an
#                                      /etc/lvinit.d script and a /root/.profile
#                                      that time /init, the shell and md5sum
# configs/linux-bench.its takes the initramfs (a path under $(BUILD)).

BENCH_DIR := test/bench
BENCH_OUT := $(BUILD)/bench

$(BENCH_OUT)/lvclock: $(BENCH_DIR)/linux/lvclock.c $(BENCH_DIR)/bench.mk | $(SETUP_STAMP)
	@printf '  %-8s %s\n' CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -mcpu=cortex-a15 -marm -mfloat-abi=soft -O2 -Wall -Wextra -Werror \
		-ffreestanding -fno-pic -nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,-z,noexecstack \
		-o $@ $< -lgcc

$(BENCH_OUT)/initramfs.cpio.gz: $(LINUX_TEST_DIR)/mkinitramfs.sh $(LINUX_ROOTFS) \
		$(LINUX_CACHE)/busybox $(BENCH_OUT)/lvclock $(BENCH_DIR)/linux/lvinit.sh \
		$(BENCH_DIR)/linux/profile
	@printf '  %-8s %s\n' CPIO $@
	$(Q)$(LINUX_TEST_DIR)/mkinitramfs.sh -b $(LINUX_CACHE)/busybox $@ \
		$(BENCH_OUT)/lvclock=bin/lvclock \
		$(BENCH_DIR)/linux/lvinit.sh=etc/lvinit.d/50-bench \
		$(BENCH_DIR)/linux/profile=root/.profile
