#!/usr/bin/env bash
# Installs what Lowvisor's build and tests need from Debian's packages, and
# prepares the libfdt sources (from linux-source-6.1) in a cache outside the
# repository.  Safe to run again: it only does what is missing.
#
#   scripts/setup.sh            install missing packages, prepare libfdt
#   scripts/setup.sh --check    exit 1 (and say what) if anything is missing
set -eu

PACKAGES="gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
libnewlib-dev qemu-system-arm u-boot-qemu u-boot-tools device-tree-compiler
libfdt-dev libcmocka-dev python3-pytest python3-pytest-xdist python3-pexpect cpio mtools
dosfstools linux-source-6.1 xz-utils"

CACHE=${LOWVISOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lowvisor}
LIBFDT_DIR=$CACHE/libfdt-6.1

missing_packages() {
	local p
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || printf '%s ' "$p"
	done
}

libfdt_ready() {
	[ -f "$LIBFDT_DIR/fdt.c" ] && [ -f "$LIBFDT_DIR/libfdt.h" ]
}

check() {
	local miss
	miss=$(missing_packages)
	if [ -n "$miss" ]; then
		echo "setup: missing Debian packages: $miss"
		return 1
	fi
	if ! libfdt_ready; then
		echo "setup: libfdt sources not prepared in $LIBFDT_DIR"
		return 1
	fi
	return 0
}

install_packages() {
	local miss
	miss=$(missing_packages)
	[ -z "$miss" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "setup: cannot install packages (need root and apt-get)." >&2
		echo "setup: as root, run: apt-get install $miss" >&2
		exit 1
	fi
	echo "setup: installing $miss"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $miss
}

prepare_libfdt() {
	libfdt_ready && return 0
	local tarball
	tarball=$(ls /usr/src/linux-source-6.1*.tar.xz 2>/dev/null | head -n 1)
	if [ -z "$tarball" ]; then
		echo "setup: no /usr/src/linux-source-6.1*.tar.xz; install linux-source-6.1" >&2
		exit 1
	fi
	echo "setup: extracting libfdt from $tarball into $LIBFDT_DIR"
	local tmp
	tmp=$(mktemp -d)
	tar -xJf "$tarball" -C "$tmp" --wildcards '*/scripts/dtc/libfdt/*'
	mkdir -p "$CACHE"
	rm -rf "$LIBFDT_DIR"
	mv "$tmp"/*/scripts/dtc/libfdt "$LIBFDT_DIR"
	rm -rf "$tmp"
}

case "${1:-}" in
--check) check ;;
--libfdt-dir) echo "$LIBFDT_DIR" ;;
"")
	install_packages
	prepare_libfdt
	echo "setup: ready"
	;;
*)
	echo "usage: $0 [--check | --libfdt-dir]" >&2
	exit 2
	;;
esac
