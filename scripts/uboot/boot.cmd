# Lowvisor U-Boot boot script.
# Compile: mkimage -A arm -T script -C none -n lowvisor -d boot.cmd boot.scr
# (scripts/uboot/mkdisk.sh does this and builds the disk image.)
#
# Loads hyp.uimg, and bundle.itb if present, from the device/partition that
# U-Boot's distro boot found this script on, then runs
#   bootm ${hyp_addr} ${bundle_addr}:${bundle_size} ${hyp_fdt_addr}
# (or "bootm ${hyp_addr} - ${hyp_fdt_addr}" without a bundle).
#
# Variables; set any of them (setenv, or saveenv on a board) to override:
#   hyp_addr      load address of hyp.uimg  (default: ${kernel_addr_r}, else ${loadaddr})
#   bundle_addr   load address of bundle.itb (default: ${ramdisk_addr_r})
#   hyp_fdt_addr  DTB passed to Lowvisor in r2 (default: ${fdtcontroladdr},
#                 U-Boot's own device tree; on QEMU virt this is the DTB QEMU
#                 generated, relocated by U-Boot to the top of RAM)
#   devtype devnum distro_bootpart   set by distro boot (default: mmc 0:1)
# Output: bundle_size is set to the size of bundle.itb (hex, from ${filesize}).
# Lowvisor finds the bundle in the DTB: /chosen linux,initrd-start and
# linux,initrd-end (end exclusive; 2 cells each on QEMU virt).
# Note: U-Boot's variable "fdt_addr" (0x40000000 on QEMU virt, QEMU's own copy
# of the DTB, totalsize 1 MiB) is NOT used as default: a uImage whose load
# address is 0x40008000 is copied over it (it only works while the used part
# of that DTB stays below 32 KiB).

if test -z "${devtype}"; then setenv devtype mmc; fi
if test -z "${devnum}"; then setenv devnum 0; fi
if test -z "${distro_bootpart}"; then setenv distro_bootpart 1; fi

if test -z "${hyp_addr}"; then setenv hyp_addr ${kernel_addr_r}; fi
if test -z "${hyp_addr}"; then setenv hyp_addr ${loadaddr}; fi
if test -z "${bundle_addr}"; then setenv bundle_addr ${ramdisk_addr_r}; fi
if test -z "${hyp_fdt_addr}"; then setenv hyp_fdt_addr ${fdtcontroladdr}; fi

echo "Lowvisor: ${devtype} ${devnum}:${distro_bootpart} hyp_addr=${hyp_addr} bundle_addr=${bundle_addr} hyp_fdt_addr=${hyp_fdt_addr}"

if load ${devtype} ${devnum}:${distro_bootpart} ${hyp_addr} hyp.uimg; then
	setenv bundle_size
	if test -n "${bundle_addr}"; then
		if test -e ${devtype} ${devnum}:${distro_bootpart} bundle.itb; then
			if load ${devtype} ${devnum}:${distro_bootpart} ${bundle_addr} bundle.itb; then
				setenv bundle_size ${filesize}
			fi
		fi
	fi
	if test -n "${bundle_size}" && fdt addr -q ${bundle_addr}; then
		# The bundle is a FIT/FDT: "bootm A B:S F" would parse it as a FIT
		# and look for a 'ramdisk' sub-image (and fail), so put its
		# location into /chosen linux,initrd-start/-end (plus a
		# /memreserve/) ourselves, as bootm does for a raw initrd.
		# "fdt chosen START SIZE" (U-Boot 2023.01) writes initrd-end as
		# START+SIZE-1, bootm writes START+SIZE: pass SIZE+1 to match bootm.
		setexpr bundle_size1 ${bundle_size} + 1
		echo "Lowvisor: bundle is a FIT; fdt chosen ${bundle_addr} ${bundle_size1}; bootm ${hyp_addr} - ${hyp_fdt_addr}"
		fdt addr ${hyp_fdt_addr}
		fdt resize
		fdt chosen ${bundle_addr} ${bundle_size1}
		bootm ${hyp_addr} - ${hyp_fdt_addr}
	elif test -n "${bundle_size}"; then
		echo "Lowvisor: bootm ${hyp_addr} ${bundle_addr}:${bundle_size} ${hyp_fdt_addr}"
		bootm ${hyp_addr} ${bundle_addr}:${bundle_size} ${hyp_fdt_addr}
	else
		echo "Lowvisor: bootm ${hyp_addr} - ${hyp_fdt_addr}"
		bootm ${hyp_addr} - ${hyp_fdt_addr}
	fi
fi
echo "Lowvisor: boot failed"
