# SPDX-License-Identifier: MIT
#
# The benchmarks' Linux pieces (included by the top-level Makefile; `make
# bench` runs test/bench/bench.py):
#   $(BUILD)/bench/lvclock             prints CNTVCT (no libc, static ELF)
#   $(BUILD)/bench/initramfs.cpio.gz   the test initramfs plus lvclock, an
#                                      /etc/lvinit.d script and a /root/.profile
#                                      that time /init, the shell and md5sum
#   $(BUILD)/bench/initramfs-io.cpio.gz
#                                      the guests of the device benchmarks:
#                                      the test initramfs with virtio_mmio,
#                                      virtio_blk, virtio_net, lvclock and
#                                      /etc/lvinit.d/50-io (lvio=)
#   $(BUILD)/bench/initramfs-mgmt-disk.cpio.gz
#   $(BUILD)/bench/initramfs-mgmt-net.cpio.gz
#                                      the management initramfs running
#                                      lowvisord for them, each with its
#                                      /etc/lowvisord.conf
# configs/linux-bench.its and configs/bench-{disk,net}-*.its take them
# (paths under $(BUILD)).

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

$(BENCH_OUT)/initramfs-io.cpio.gz: $(LINUX_TEST_DIR)/mkinitramfs.sh $(LINUX_ROOTFS) \
		$(LINUX_CACHE)/busybox $(BENCH_OUT)/lvclock $(BENCH_DIR)/linux/lvinit-io.sh \
		$(BENCH_DIR)/bench.mk
	@printf '  %-8s %s\n' CPIO $@
	$(Q)$(LINUX_TEST_DIR)/mkinitramfs.sh -b $(LINUX_CACHE)/busybox \
		-k $$(ls -d $(LINUX_CACHE)/armmp/lib/modules/*) \
		-m virtio_mmio -m virtio_blk -m virtio_net $@ \
		$(BENCH_OUT)/lvclock=bin/lvclock \
		$(BENCH_DIR)/linux/lvinit-io.sh=etc/lvinit.d/50-io

# The management initramfs (tools/linux/linux-tools.mk's mgmt_initramfs)
# with the lowvisord.conf of a device benchmark; the disk's also makes the disk.
$(eval $(call mgmt_initramfs,$(BENCH_OUT)/initramfs-mgmt-disk.cpio.gz,\
	$(BENCH_DIR)/linux/lvinit-benchdisk.sh=/etc/lvinit.d/05-benchdisk \
	$(BENCH_DIR)/linux/lowvisord-disk.conf=/etc/lowvisord.conf))
$(eval $(call mgmt_initramfs,$(BENCH_OUT)/initramfs-mgmt-net.cpio.gz,\
	$(BENCH_DIR)/linux/lowvisord-net.conf=/etc/lowvisord.conf))
