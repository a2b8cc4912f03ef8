#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The fuzz targets' seed inputs, made from what the build made:
#
#   test/fuzz/seeds.sh BUILD
#
# BUILD/fuzz/seeds/bundle: every configs/*.its made into a bundle by
# mkimage with the build's dtc options, each image cut to
# its first 1 KiB (the parser reads the images' bounds and hashes, not
# what they hold, and small inputs keep the fuzzer fast), once with the
# data inline (NAME.itb, as the build makes them) and once external
# (NAME-E.itb, mkimage -E: data-offset and data-size); test/fuzz/seed.its
# too, a system with every property the parser knows.  Not the scale
# test's 300 VMs: a second per run would slow the fuzzer down a hundredfold.
# BUILD/fuzz/seeds/hostdt: QEMU virt's host DTBs (virtualization=on) for a
# few -smp and -m, and the unit tests' (BUILD/dtb/*.dtb) when there, each
# packed by dtc (QEMU pads its DTB to 1 MiB); test/fuzz/seed.dts too, a
# tree with what QEMU's lack (buses with ranges, reservations, aliases).
set -eu
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-arm}
OUT=$BUILD/fuzz/seeds
SLIM=$BUILD/fuzz/slim
CUT=1024

mkdir -p "$OUT/bundle" "$OUT/hostdt" "$SLIM/guests"

# The file an /incbin/ of ITS names, as the Makefile's ITS_INCBINS finds it.
resolve() {
	case $2 in
	/*) echo "$2" ;;
	*) if [ -e "$(dirname "$1")/$2" ]; then echo "$(dirname "$1")/$2"
	   elif [ "${2#*/}" != "$2" ]; then echo "$BUILD/$2"
	   else echo "$BUILD/guests/$2"; fi ;;
	esac
}

for its in configs/*.its "$(dirname "$0")/seed.its"; do
	name=$(basename "$its" .its)
	for f in $(sed -n 's|.*/incbin/("\([^"]*\)").*|\1|p' "$its"); do
		case $f in
		/*) continue ;;
		*/*) dst=$SLIM/$f ;;
		*) dst=$SLIM/guests/$f ;;
		esac
		mkdir -p "$(dirname "$dst")"
		head -c $CUT "$(resolve "$its" "$f")" >"$dst"
	done
	# The guest-dt nodes refer to Lowvisor's phandles, which no bundle has.
	dtc="-I dts -O dtb -p 500 -W no-interrupts_property -W no-interrupts_extended_property"
	dtc="$dtc -W no-clocks_property -i $SLIM/guests -i $SLIM"
	SOURCE_DATE_EPOCH=0 mkimage -D "$dtc" -f "$its" "$OUT/bundle/$name.itb" >/dev/null
	SOURCE_DATE_EPOCH=0 mkimage -E -D "$dtc" -f "$its" "$OUT/bundle/$name-E.itb" >/dev/null
done

# -smp and -m beyond the unit tests' DTBs; the last as a loader gives a
# bundle and boot arguments (linux,initrd-start/end, bootargs in /chosen).
for spec in 3:512 4:256 6:1536 2:3072:initrd; do
	smp=${spec%%:*} rest=${spec#*:}
	mem=${rest%%:*}
	dtb=$OUT/hostdt/virt-smp$smp-m$mem.dtb
	extra=
	[ "${rest#*:}" = initrd ] && dtb=$OUT/hostdt/virt-smp$smp-m$mem-initrd.dtb &&
		extra="-kernel $BUILD/guests/hello.bin -initrd $OUT/bundle/hello.itb -append lowvisor.log=debug"
	[ -s "$dtb" ] && continue
	# shellcheck disable=SC2086
	$QEMU -M virt,virtualization=on,dumpdtb="$dtb.tmp" -cpu cortex-a15 -nographic \
		-nic none -smp "$smp" -m "$mem" $extra >/dev/null 2>&1 ||
		{ echo "seeds: $QEMU could not dump virt's DTB" >&2; exit 1; }
	dtc -q -I dtb -O dtb -o "$dtb" "$dtb.tmp"
	rm "$dtb.tmp"
done
dtc -q -I dts -O dtb -o "$OUT/hostdt/seed.dtb" "$(dirname "$0")/seed.dts"
for dtb in "$BUILD"/dtb/*.dtb; do
	[ -e "$dtb" ] && dtc -q -I dtb -O dtb -o "$OUT/hostdt/${dtb##*/}" "$dtb"
done
echo "seeds: $(ls "$OUT/bundle" | wc -l) bundles, $(ls "$OUT/hostdt" | wc -l) host DTBs in $OUT"
