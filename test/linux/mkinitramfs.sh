#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Builds the Linux guests' initramfs (cpio newc, gzip): Debian's
# busybox-static:armhf, the /init, /etc/inittab and /etc/profile of
# test/linux/rootfs/, optionally kernel modules and extra files.
#
#   test/linux/mkinitramfs.sh [-b BUSYBOX] [-k MODDIR -m MODULE...]... \
#       OUT.cpio.gz [SRC[=DEST]]...
#
#   -b BUSYBOX  the armhf busybox binary (default: busybox in the directory
#               that scripts/setup.sh --linux-dir prints)
#   -k MODDIR   a lib/modules/<release> tree of Debian's kernel package, e.g.
#               "$(scripts/setup.sh --linux-dir)"/armmp/lib/modules/6.1.0-50-armmp;
#               the -m options after it take their modules from it
#   -m MODULE   a module (name as lsmod shows it, e.g. virtio_blk) copied with
#               the modules it depends on; /init loads them in order when
#               the running kernel's release is that tree's.  Give -k once
#               per kernel flavour, each followed by its -m options.
#   SRC[=DEST]  a file or directory copied to DEST in the initramfs
#               (default /root/<name of SRC>); an executable or script put
#               in /etc/lvinit.d/ is run by /init after the marker line.
#
# The archive's files belong to root; the console device comes from the
# kernel's own built-in initramfs, so no root rights are needed here.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

usage() {
	sed -n '4,/^set -eu/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

busybox=
# Each -k opens a group; its modules are collected in kmods_<index>.
kdirs=()
declare -A kmods=()
while getopts b:k:m:h opt; do
	case "$opt" in
	b) busybox=$OPTARG ;;
	k)
		[ -d "$OPTARG/kernel" ] || die "$OPTARG is not a lib/modules/<release> tree"
		kdirs+=("$(cd "$OPTARG" && pwd)")
		;;
	m)
		[ ${#kdirs[@]} -gt 0 ] || die "-m $OPTARG before any -k"
		k=$((${#kdirs[@]} - 1))
		kmods[$k]="${kmods[$k]:-} $OPTARG"
		;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
out=$1
shift

if [ -z "$busybox" ]; then
	busybox=$("$TOP/scripts/setup.sh" --linux-dir)/busybox
fi
[ -f "$busybox" ] || die "no busybox at $busybox (run scripts/setup.sh)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

cp -R "$HERE/rootfs/." "$stage/"
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,root,etc/lvinit.d}
cp "$busybox" "$stage/bin/busybox"
chmod 755 "$stage/bin/busybox" "$stage/init"

# Modules: each wanted module after the ones it depends on (the depends=
# field of its .modinfo section), none twice.  Built-in ones are skipped.
add_modules() {
	local kdir=$1 release index order="" seen=""
	shift
	release=$(basename "$kdir")
	index=$stage/.modindex
	(cd "$kdir" && find kernel -name '*.ko') |
		sed 's|^\(.*/\)\{0,1\}\([^/]*\)\.ko$|\2 &|' |
		awk '{ n = $1; gsub("-", "_", n); print n, $2 }' >"$index"

	resolve() {
		local name file dep
		name=$(printf '%s' "$1" | tr - _)
		case " $seen " in *" $name "*) return 0 ;; esac
		seen="$seen $name"
		file=$(awk -v n="$name" '$1 == n { print $2; exit }' "$index")
		if [ -z "$file" ]; then
			if tr - _ <"$kdir/modules.builtin" 2>/dev/null | grep -q "/$name\.ko$"; then
				echo "mkinitramfs: $name is built into $release"
				return 0
			fi
			die "no module $name in $kdir"
		fi
		for dep in $(tr '\0' '\n' <"$kdir/$file" | sed -n 's/^depends=//p' | head -n 1 | tr , ' '); do
			resolve "$dep"
		done
		order="$order $file"
	}

	local m f
	for m in "$@"; do
		resolve "$m"
	done
	rm -f "$index"
	mkdir -p "$stage/lib/modules/$release"
	: >"$stage/lib/modules/$release/lowvisor.load"
	for f in $order; do
		mkdir -p "$stage/lib/modules/$release/$(dirname "$f")"
		cp "$kdir/$f" "$stage/lib/modules/$release/$f"
		echo "$f" >>"$stage/lib/modules/$release/lowvisor.load"
	done
}

for k in "${!kdirs[@]}"; do
	# shellcheck disable=SC2086
	add_modules "${kdirs[$k]}" ${kmods[$k]:-}
done

for arg in "$@"; do
	src=${arg%%=*}
	if [ "$src" = "$arg" ]; then
		dest=/root/$(basename "$src")
	else
		dest=${arg#*=}
	fi
	[ -e "$src" ] || die "no $src"
	case "$dest" in /*) ;; *) dest=/$dest ;; esac
	mkdir -p "$stage$(dirname "$dest")"
	cp -R "$src" "$stage$dest"
done

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n >"$out.tmp"
mv "$out.tmp" "$out"
