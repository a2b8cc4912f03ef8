# SPDX-License-Identifier: MIT
#
# Linux guests: Debian's unmodified armmp and armmp-lpae kernels and a
# busybox-static:armhf initramfs.
#
# Included by the top-level Makefile, or used alone from the repository root:
#   make -f test/linux/linux.mk linux BUILD=build
#
# linux          $(BUILD)/linux/initramfs.cpio.gz (test/linux/mkinitramfs.sh)
#                and copies of the kernels that scripts/setup.sh keeps in its
#                cache: $(BUILD)/linux/vmlinuz-armmp (the debian-installer's)
#                and $(BUILD)/linux/vmlinuz-armmp-lpae; $(BUILD)/linux/versions
#                says which packages they come from
# linux-native   boots both natively on qemu-system-arm -M virt (no
#                hypervisor) and checks the shell, the console, reboot and
#                poweroff (test/linux/native_check.py); the consoles are kept
#                in $(BUILD)/linux/native-*.log
# linux-clean    removes $(BUILD)/linux

BUILD ?= build

LINUX_SAVED_GOAL := $(.DEFAULT_GOAL)

LINUX_TEST_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
LINUX_TOP := $(patsubst %/,%,$(dir $(patsubst %/,%,$(dir $(LINUX_TEST_DIR)))))
LINUX_OUT := $(BUILD)/linux
LINUX_SETUP := $(LINUX_TOP)/scripts/setup.sh
LINUX_CACHE := $(shell $(LINUX_SETUP) --linux-dir)
LINUX_PYTHON ?= /usr/bin/python3
LINUX_QEMU ?= qemu-system-arm
LINUX_Q := $(if $(filter 1,$(V)),,@)

LINUX_KERNELS := $(LINUX_OUT)/vmlinuz-armmp $(LINUX_OUT)/vmlinuz-armmp-lpae
LINUX_INITRAMFS := $(LINUX_OUT)/initramfs.cpio.gz
LINUX_ROOTFS := $(shell find $(LINUX_TEST_DIR)/rootfs -type f)
LINUX_CACHED := $(LINUX_CACHE)/vmlinuz-armmp $(LINUX_CACHE)/vmlinuz-armmp-lpae \
	$(LINUX_CACHE)/busybox $(LINUX_CACHE)/versions

.PHONY: linux linux-native linux-clean

linux: $(LINUX_KERNELS) $(LINUX_INITRAMFS) $(LINUX_OUT)/versions

# The set-up script fetches the kernels and busybox into its cache when they
# are missing (it installs packages only when run as root; otherwise it says
# what to run).
$(LINUX_OUT)/.setup-ok: $(LINUX_SETUP)
	$(LINUX_Q)$(LINUX_SETUP) --check >/dev/null || $(LINUX_SETUP)
	$(LINUX_Q)mkdir -p $(@D) && touch $@

# Explicit targets: never deleted as intermediates; a missing one (a cache
# removed since) is fetched again.
.PRECIOUS: $(LINUX_CACHED)
$(LINUX_CACHED) &: | $(LINUX_OUT)/.setup-ok
	$(LINUX_Q)$(LINUX_SETUP)

$(LINUX_OUT)/vmlinuz-%: $(LINUX_CACHE)/vmlinuz-%
	@printf '  %-8s %s\n' CP $@
	$(LINUX_Q)cp $< $@.tmp && mv $@.tmp $@

$(LINUX_OUT)/versions: $(LINUX_CACHE)/versions
	$(LINUX_Q)cp $< $@

# lvload (/init's lvload=): a CPU-bound load that reports its progress; no
# libc, a static ELF.
LINUX_CC ?= arm-none-eabi-gcc
$(LINUX_OUT)/lvload: $(LINUX_TEST_DIR)/lvload.c $(LINUX_TEST_DIR)/linux.mk
	@printf '  %-8s %s\n' CC $@
	$(LINUX_Q)mkdir -p $(@D)
	$(LINUX_Q)$(LINUX_CC) -mcpu=cortex-a15 -marm -mfloat-abi=soft -O2 -Wall -Wextra -Werror \
		-ffreestanding -fno-pic -nostdlib -nostartfiles -static -Wl,--build-id=none \
		-Wl,-z,noexecstack -o $@ $< -lgcc

$(LINUX_INITRAMFS): $(LINUX_TEST_DIR)/mkinitramfs.sh $(LINUX_ROOTFS) $(LINUX_CACHE)/busybox \
		$(LINUX_OUT)/lvload
	@printf '  %-8s %s\n' CPIO $@
	$(LINUX_Q)$(LINUX_TEST_DIR)/mkinitramfs.sh -b $(LINUX_CACHE)/busybox $@ \
		$(LINUX_OUT)/lvload=bin/lvload

# With the modules a virtio-mmio disk needs (passthrough tests), and
# virtio_net (lowvisord's network test).
LINUX_INITRAMFS_VIRTIO := $(LINUX_OUT)/initramfs-virtio.cpio.gz
LINUX_VIRTIO_MODULES := virtio_mmio virtio_blk virtio_net vfat nls_cp437 nls_ascii
$(LINUX_INITRAMFS_VIRTIO): $(LINUX_TEST_DIR)/mkinitramfs.sh $(LINUX_ROOTFS) $(LINUX_CACHE)/busybox \
		$(LINUX_TEST_DIR)/linux.mk
	@printf '  %-8s %s\n' CPIO $@
	$(LINUX_Q)$(LINUX_TEST_DIR)/mkinitramfs.sh -b $(LINUX_CACHE)/busybox \
		-k $$(ls -d $(LINUX_CACHE)/armmp/lib/modules/*) \
		$(addprefix -m ,$(LINUX_VIRTIO_MODULES)) $@

linux: $(LINUX_INITRAMFS_VIRTIO)

# With virtio_console besides (lowvisord's console test,
# configs/linux-console.its: /init runs a shell on /dev/hvc0).  Not in
# initramfs-virtio: there it made the linux-ioreq guest miss
# test_manage.py's 15 s for a tick after its reset (3 runs of 3; why is
# not known yet).
LINUX_INITRAMFS_CONSOLE := $(LINUX_OUT)/initramfs-console.cpio.gz
$(LINUX_INITRAMFS_CONSOLE): $(LINUX_TEST_DIR)/mkinitramfs.sh $(LINUX_ROOTFS) $(LINUX_CACHE)/busybox \
		$(LINUX_TEST_DIR)/linux.mk
	@printf '  %-8s %s\n' CPIO $@
	$(LINUX_Q)$(LINUX_TEST_DIR)/mkinitramfs.sh -b $(LINUX_CACHE)/busybox \
		-k $$(ls -d $(LINUX_CACHE)/armmp/lib/modules/*) \
		-m virtio_mmio -m virtio_console $@

linux: $(LINUX_INITRAMFS_CONSOLE)

LINUX_NATIVE_CHECK = $(LINUX_PYTHON) $(LINUX_TEST_DIR)/native_check.py \
	--qemu $(LINUX_QEMU) --initrd $(LINUX_INITRAMFS)

linux-native: linux
	$(LINUX_NATIVE_CHECK) --kernel $(LINUX_OUT)/vmlinuz-armmp --machine virt,highmem=off \
		--smp 1 --log $(LINUX_OUT)/native-armmp-smp1.log
	$(LINUX_NATIVE_CHECK) --kernel $(LINUX_OUT)/vmlinuz-armmp --machine virt,highmem=off \
		--smp 2 --poweroff-force --log $(LINUX_OUT)/native-armmp-smp2.log
	$(LINUX_NATIVE_CHECK) --kernel $(LINUX_OUT)/vmlinuz-armmp-lpae --machine virt \
		--smp 2 --log $(LINUX_OUT)/native-armmp-lpae-smp2.log

linux-clean:
	rm -rf $(LINUX_OUT)

# Including this file must not change the including Makefile's default goal.
.DEFAULT_GOAL := $(LINUX_SAVED_GOAL)
