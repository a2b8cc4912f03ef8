# SPDX-License-Identifier: MIT
#
# The management partition's tools, for Debian's armmp kernel:
#   $(BUILD)/tools/lowvisor.ko   the module (/dev/lowvisor), built out of tree
#                                against that kernel's linux-headers
#                                (scripts/setup.sh --headers-dir) with
#                                gcc-arm-linux-gnueabihf
#   $(BUILD)/tools/lowvisorctl   the command-line tool, static armhf
#   $(BUILD)/tools/lowvisord     the device models (virtio-mmio, virtio-blk,
#                                virtio-net, virtio-console), static armhf
#   $(BUILD)/tools/lvdev         the test device model, static armhf
# Included by the top-level Makefile (target `tools`).

TOOLS_DIR := tools/linux
TOOLS_OUT := $(BUILD)/tools
TOOLS_CROSS := arm-linux-gnueabihf-
TOOLS_KO := $(TOOLS_OUT)/lowvisor.ko
TOOLS_CTL := $(TOOLS_OUT)/lowvisorctl
TOOLS_LVDEV := $(TOOLS_OUT)/lvdev
TOOLS_LOWVISORD := $(TOOLS_OUT)/lowvisord
TOOLS_LOWVISORD_SRCS := $(TOOLS_DIR)/lowvisord.c $(TOOLS_DIR)/lowvisord-spec.c \
	$(TOOLS_DIR)/virtio-mmio.c $(TOOLS_DIR)/virtio-blk.c $(TOOLS_DIR)/virtio-net.c \
	$(TOOLS_DIR)/virtio-console.c
TOOLS_KMOD_SRCS := $(TOOLS_DIR)/lowvisor.c $(TOOLS_DIR)/lowvisor-dev.h $(TOOLS_DIR)/Kbuild
TOOLS_HEADERS = $(shell scripts/setup.sh --headers-dir)

.PHONY: tools
tools: $(TOOLS_KO) $(TOOLS_CTL) $(TOOLS_LVDEV) $(TOOLS_LOWVISORD)

# Kbuild writes its objects next to the sources: it gets a copy of them.
$(TOOLS_KO): $(TOOLS_KMOD_SRCS) include/uapi/lowvisor.h | $(SETUP_STAMP)
	@printf '  %-8s %s\n' KMOD $@
	$(Q)rm -rf $(TOOLS_OUT)/kmod && mkdir -p $(TOOLS_OUT)/kmod
	$(Q)cp $(TOOLS_KMOD_SRCS) $(TOOLS_OUT)/kmod/
	$(Q)$(MAKE) -s -C "$(TOOLS_HEADERS)" M=$(abspath $(TOOLS_OUT)/kmod) ARCH=arm \
		CROSS_COMPILE=$(TOOLS_CROSS) LOWVISOR_INCLUDE=$(abspath include) modules \
		$(if $(V),,>/dev/null)
	$(Q)$(TOOLS_CROSS)strip --strip-debug -o $@ $(TOOLS_OUT)/kmod/lowvisor.ko

# lowvisorctl reads lowvisord's state file (lowvisord.h).
$(TOOLS_CTL) $(TOOLS_LVDEV): $(TOOLS_OUT)/%: $(TOOLS_DIR)/%.c $(TOOLS_DIR)/lowvisor-dev.h \
		$(TOOLS_DIR)/lowvisord.h include/uapi/lowvisor.h | $(SETUP_STAMP)
	@printf '  %-8s %s\n' CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(TOOLS_CROSS)gcc -std=gnu11 -static -s -O2 -Wall -Wextra -Werror -Iinclude -I$(TOOLS_DIR) \
		-o $@ $<

# 64-bit file offsets: disks past 2 GiB, and mmap() offsets past 2 GiB.
$(TOOLS_LOWVISORD): $(TOOLS_LOWVISORD_SRCS) $(TOOLS_DIR)/lowvisord.h $(TOOLS_DIR)/lowvisor-dev.h \
		include/uapi/lowvisor.h | $(SETUP_STAMP)
	@printf '  %-8s %s\n' CC $@
	$(Q)mkdir -p $(@D)
	$(Q)$(TOOLS_CROSS)gcc -std=gnu11 -static -s -O2 -Wall -Wextra -Werror -Wshadow \
		-Wmissing-prototypes -Wvla -D_FILE_OFFSET_BITS=64 -Iinclude -I$(TOOLS_DIR) \
		-o $@ $(TOOLS_LOWVISORD_SRCS)

# $(call mgmt_initramfs,OUT,FILES,MODULES): the rule of OUT, a management
# partition's initramfs: the test initramfs plus the module, lowvisorctl,
# lowvisord and the lvinit.d script that loads the module (and starts
# lowvisord when there is an /etc/lowvisord.conf), plus FILES (SRC=DEST
# words) and the armmp kernel's MODULES (names).  Used with $(eval), here
# and in test/bench/bench.mk.
MGMT_FILES := $(TOOLS_KO)=/lib/lowvisor/lowvisor.ko $(TOOLS_CTL)=/bin/lowvisorctl \
	$(TOOLS_LOWVISORD)=/bin/lowvisord $(TOOLS_DIR)/lvinit-lowvisor.sh=/etc/lvinit.d/10-lowvisor
define mgmt_initramfs
$(1): $(LINUX_TEST_DIR)/mkinitramfs.sh $(LINUX_ROOTFS) $(LINUX_CACHE)/busybox \
		$(foreach f,$(MGMT_FILES) $(2),$(firstword $(subst =, ,$(f)))) | $(SETUP_STAMP)
	@printf '  %-8s %s\n' CPIO $$@
	$$(LINUX_Q)$(LINUX_TEST_DIR)/mkinitramfs.sh -b $(LINUX_CACHE)/busybox \
		$(if $(3),-k $$$$(ls -d $(LINUX_CACHE)/armmp/lib/modules/*) $(addprefix -m ,$(3))) \
		$$@ $(MGMT_FILES) $(2)
linux: $(1)
endef

# The management partition's initramfs (configs/manage.its and others),
# with lvdev.
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt.cpio.gz,$(TOOLS_LVDEV)=/bin/lvdev))

# lowvisord's test (configs/linux-blk.its): a /etc/lowvisord.conf, the
# lvinit.d script that makes its disks, and a FAT file system holding a
# known file (KNOWN.TXT: the numbers 1 to 20000, a line each), 4 MiB.
TOOLS_TESTFS := $(TOOLS_OUT)/testfs.img
$(TOOLS_TESTFS): | $(SETUP_STAMP)
	@printf '  %-8s %s\n' MKFS $@
	$(Q)mkdir -p $(@D) && rm -f $@ $@.txt && seq 1 20000 >$@.txt
	$(Q)PATH=$$PATH:/usr/sbin:/sbin mkfs.fat -i 4c56 -n TESTFS -C $@ 4096 >/dev/null
	$(Q)mcopy -i $@ $@.txt ::KNOWN.TXT && rm -f $@.txt
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt-blk.cpio.gz,\
	$(LINUX_TEST_DIR)/lvinit-testdisks.sh=/etc/lvinit.d/05-testdisks \
	$(LINUX_TEST_DIR)/lowvisord-test.conf=/etc/lowvisord.conf $(TOOLS_TESTFS)=/etc/testfs.img))

# lowvisord's test with two backends (configs/linux-blk2.its): as
# initramfs-mgmt-blk, each with a /etc/lowvisord.conf for one of the
# guest's disks.
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt-two-a.cpio.gz,\
	$(LINUX_TEST_DIR)/lvinit-testdisks.sh=/etc/lvinit.d/05-testdisks \
	$(LINUX_TEST_DIR)/lowvisord-two-a.conf=/etc/lowvisord.conf))
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt-two-b.cpio.gz,\
	$(LINUX_TEST_DIR)/lvinit-testdisks.sh=/etc/lvinit.d/05-testdisks \
	$(LINUX_TEST_DIR)/lowvisord-two-b.conf=/etc/lowvisord.conf))

# lowvisord's hostile-frontend test (configs/linux-hostile.its): as
# initramfs-mgmt-blk, with a /etc/lowvisord.conf that serves a Linux guest
# and the hostile bare-metal driver (test/guests/vhostile).
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt-hostile.cpio.gz,\
	$(LINUX_TEST_DIR)/lvinit-testdisks.sh=/etc/lvinit.d/05-testdisks \
	$(LINUX_TEST_DIR)/lowvisord-hostile.conf=/etc/lowvisord.conf))

# lowvisord's network test (configs/linux-net.its): the tun module (for the
# TAP device) and a /etc/lowvisord.conf that puts two guests and the TAP
# device on one network.
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt-net.cpio.gz,\
	$(LINUX_TEST_DIR)/lowvisord-net.conf=/etc/lowvisord.conf,tun))

# The demo's (configs/demo.its, `make run`): the tun module, a
# /etc/lowvisord.conf (demo-lowvisord.conf) that gives the guest linux a
# disk and a network joined to the TAP device lv0, and the lvinit.d script
# that makes the disk and gives lv0 its address.
$(eval $(call mgmt_initramfs,$(LINUX_OUT)/initramfs-mgmt-demo.cpio.gz,\
	$(TOOLS_DIR)/lvinit-demo.sh=/etc/lvinit.d/05-demo \
	$(TOOLS_DIR)/demo-lowvisord.conf=/etc/lowvisord.conf,tun))

# lowvisord's SPECs, transport, virtqueues, virtio-blk, virtio-net's
# switch and virtio-console on the host (cmocka), with a fake VM list and
# frontend RAM: part of
# `make unit-test`.
TOOLS_TEST := $(TOOLS_OUT)/test-lowvisord
$(TOOLS_TEST): $(TOOLS_DIR)/test-lowvisord.c $(TOOLS_DIR)/lowvisord-spec.c \
		$(TOOLS_DIR)/virtio-mmio.c $(TOOLS_DIR)/virtio-blk.c $(TOOLS_DIR)/virtio-net.c \
		$(TOOLS_DIR)/virtio-console.c $(TOOLS_DIR)/lowvisord.h include/uapi/lowvisor.h
	@printf '  %-8s %s\n' HOSTCC $@
	$(Q)mkdir -p $(@D)
	$(Q)gcc -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wvla -g -O1 \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined -Iinclude -I$(TOOLS_DIR) \
		-o $@ $(filter %.c,$^) -lcmocka

.PHONY: tools-test
tools-test: $(TOOLS_TEST)
	$(Q)$(TOOLS_TEST)

unit-test: tools-test
