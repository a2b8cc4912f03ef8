#!/usr/bin/env bash
# Build a disk image that U-Boot's distro boot boots Lowvisor from.
#
#   scripts/uboot/mkdisk.sh OUT.img UIMAGE [BUNDLE]
#
# OUT.img gets an MBR partition table with one bootable FAT partition
# (starting at 1 MiB) holding:
#   boot.scr    scripts/uboot/boot.cmd compiled with mkimage -T script
#   hyp.uimg    UIMAGE (a legacy uImage, mkimage -T kernel)
#   bundle.itb  BUNDLE, if given
# Needs no root and no terminal: mkimage (u-boot-tools), mkfs.fat
# (dosfstools) and mcopy (mtools) only.  The same image can be written to
# an SD card for a real board.
set -euo pipefail

die() { echo "mkdisk: $*" >&2; exit 1; }

[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: $0 OUT.img UIMAGE [BUNDLE]"
out=$1 uimage=$2 bundle=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
cmd=$here/boot.cmd

# mkfs.fat lives in /usr/sbin, which is not in a normal user's PATH on Debian.
PATH=$PATH:/usr/sbin:/sbin

need() { # need TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 ||
		die "'$1' not found; install the Debian package '$2' (apt-get install $2)"
}
need mkimage u-boot-tools
need mkfs.fat dosfstools
need mcopy mtools
need dd coreutils
need od coreutils

[ -f "$cmd" ] || die "boot script source $cmd not found"
[ -f "$uimage" ] || die "UIMAGE '$uimage' not found"
[ -z "$bundle" ] || [ -f "$bundle" ] || die "BUNDLE '$bundle' not found"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkdisk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mkimage -A arm -T script -C none -n "lowvisor boot script" \
	-d "$cmd" "$tmp/boot.scr" >/dev/null || die "mkimage failed on $cmd"
# bootm takes a legacy uImage (magic 27051956) or a FIT (d00dfeed).
magic=$(od -An -tx1 -N4 "$uimage" | tr -d ' \n')
case $magic in
27051956|d00dfeed) ;;
*) die "UIMAGE '$uimage' is not a uImage (magic '$magic'); make it with mkimage -A arm -O linux -T kernel -C none -a LOAD -e ENTRY -d IMAGE.bin IMAGE.uimg" ;;
esac

# Partition size: contents + 4 MiB slack, at least 16 MiB, whole MiB.
bytes=$(( $(stat -c %s "$uimage") + $(stat -c %s "$tmp/boot.scr") ))
[ -z "$bundle" ] || bytes=$(( bytes + $(stat -c %s "$bundle") ))
mib=$(( bytes / 1048576 + 5 ))
[ $mib -ge 16 ] || mib=16
if [ $mib -lt 512 ]; then fat=16 ptype=0e; else fat=32 ptype=0c; fi

part=$tmp/part.img
mkfs.fat -F $fat -n LOWVISOR -C "$part" $(( mib * 1024 )) >/dev/null ||
	die "mkfs.fat failed"
export MTOOLS_SKIP_CHECK=1
mcopy -o -i "$part" "$tmp/boot.scr" ::boot.scr </dev/null || die "mcopy boot.scr failed"
mcopy -o -i "$part" "$uimage" ::hyp.uimg </dev/null || die "mcopy $uimage failed"
if [ -n "$bundle" ]; then
	mcopy -o -i "$part" "$bundle" ::bundle.itb </dev/null || die "mcopy $bundle failed"
fi

# MBR: one primary partition, bootable (0x80), LBA start 2048, CHS fields
# set to the "LBA only" value 0xfe 0xff 0xff.
le32() { # print $1 as 4 little-endian bytes
	local v=$1 i
	for i in 0 1 2 3; do
		printf '%b' "\\0$(printf %03o $(( (v >> (8 * i)) & 255 )))"
	done
}
start=2048 sectors=$(( mib * 2048 ))
mbr=$tmp/mbr.img
dd if=/dev/zero of="$mbr" bs=1M count=1 status=none
{
	printf '\200\376\377\377'			# active, CHS start
	printf '%b' "\\0$(printf %03o $((16#$ptype)))"	# type
	printf '\376\377\377'				# CHS end
	le32 $start
	le32 $sectors
} | dd of="$mbr" bs=1 seek=446 conv=notrunc status=none
printf '\125\252' | dd of="$mbr" bs=1 seek=510 conv=notrunc status=none
# Disk signature (optional) so Linux/U-Boot show a stable id.
printf 'LVHM' | dd of="$mbr" bs=1 seek=440 conv=notrunc status=none

cat "$mbr" "$part" > "$out" || die "cannot write $out"
echo "mkdisk: $out: ${mib} MiB FAT$fat partition with boot.scr hyp.uimg${bundle:+ bundle.itb}"
