#!/usr/bin/env bash
# Installs what Lowvisor's build and tests need from Debian's packages, and
# prepares the libfdt sources (from linux-source-6.1) and the Linux guests'
# kernels and busybox in a cache outside the repository.  Safe to run again:
# it only does what is missing.
#
#   scripts/setup.sh              install missing packages, prepare the cache
#   scripts/setup.sh --check      exit 1 (and say what) if anything is missing
#   scripts/setup.sh --libfdt-dir print where the libfdt sources are
#   scripts/setup.sh --libfdt-files  the files of that directory the build uses
#   scripts/setup.sh --linux-dir  print where the Linux guests' files are
#   scripts/setup.sh --deb-dir    print where the downloaded .debs are kept
#   scripts/setup.sh --headers-dir  print the armmp kernel's headers (kbuild)
#
# The Linux guests' directory (--linux-dir) holds:
#   vmlinuz-armmp        Debian's armmp kernel, a copy of the debian-installer
#                        netboot vmlinuz (debian-installer-12-netboot-armhf)
#   vmlinuz-armmp-lpae   the armmp-lpae kernel of the same Linux version
#                        (linux-image-<abi>-armmp-lpae:armhf)
#   busybox              busybox-static:armhf's /bin/busybox
#   armmp/, armmp-lpae/  the linux-image-<abi>-armmp{,-lpae}:armhf packages
#                        unpacked (boot/config-*, lib/modules/<release>/...):
#                        the modules match the kernels above
#   headers/             linux-headers-<abi>-armmp:armhf, linux-headers-<abi>-
#                        common and linux-kbuild-<major> (the host's) of the
#                        same version unpacked, for building out-of-tree
#                        modules (tools/linux) with gcc-arm-linux-gnueabihf:
#                        make -C "$(scripts/setup.sh --headers-dir)" M=... \
#                            ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-
#   versions             what was taken from which package (key=value lines)
# The downloaded .debs stay in $CACHE/debs (LOWVISOR_DEBS overrides), so the
# cache can be made again without the network.
# The armhf packages are fetched with apt-get download and unpacked with
# dpkg-deb -x, never installed: installing busybox-static:armhf would replace
# the host's own busybox with an ARM binary.  apt needs the armhf
# architecture for that (dpkg --add-architecture armhf, then apt-get update).
set -eu

PACKAGES="gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi
libnewlib-dev qemu-system-arm u-boot-qemu u-boot-tools device-tree-compiler
libfdt-dev libcmocka-dev python3-pytest python3-pytest-xdist python3-pexpect cpio mtools
dosfstools linux-source-6.1 xz-utils debian-installer-12-netboot-armhf
gcc-arm-linux-gnueabihf libc6-dev-armhf-cross gdb-multiarch clang-14 libclang-rt-14-dev
libc6-dev-i386 lib32stdc++-12-dev"

CACHE=${LOWVISOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lowvisor}
LIBFDT_DIR=$CACHE/libfdt-6.1
LINUX_DIR=$CACHE/linux
# The armhf packages as downloaded, kept so that a cache made again (or a
# second one) needs no download; LOWVISOR_DEBS puts them elsewhere.
DEB_DIR=${LOWVISOR_DEBS:-$CACHE/debs}

# Where debian-installer-12-netboot-armhf puts its kernel and initrd.
DI_IMAGES=/usr/lib/debian-installer/images/12/armhf/text/debian-installer/armhf
DI_VMLINUZ=$DI_IMAGES/vmlinuz
DI_INITRD=$DI_IMAGES/initrd.gz

# Every libfdt file the firmware's build reads (the Makefile takes this list).
LIBFDT_FILES="fdt.c fdt_ro.c fdt_rw.c fdt_sw.c fdt_wip.c fdt_strerror.c fdt_addresses.c
fdt_empty_tree.c libfdt.h fdt.h libfdt_env.h libfdt_internal.h"

missing_packages() {
	local p
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || printf '%s ' "$p"
	done
}

libfdt_ready() {
	local f
	for f in $LIBFDT_FILES; do
		[ -s "$LIBFDT_DIR/$f" ] || return 1
	done
}

# Cheap: no decompression, no apt.  The cached armmp kernel must still be the
# installed debian-installer's (an upgraded package means a new kernel).
linux_ready() {
	local f
	for f in versions busybox vmlinuz-armmp vmlinuz-armmp-lpae; do
		[ -s "$LINUX_DIR/$f" ] || return 1
	done
	for f in armmp armmp-lpae; do
		ls -d "$LINUX_DIR/$f"/lib/modules/*/kernel >/dev/null 2>&1 || return 1
	done
	ls "$LINUX_DIR"/headers/usr/src/linux-headers-*-armmp/Module.symvers \
		"$LINUX_DIR"/headers/usr/src/linux-headers-*-common/Makefile >/dev/null 2>&1 ||
		return 1
	cmp -s "$DI_VMLINUZ" "$LINUX_DIR/vmlinuz-armmp"
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
	if ! linux_ready; then
		echo "setup: Linux guest kernels and busybox not prepared in $LINUX_DIR"
		return 1
	fi
	return 0
}

armhf_enabled() {
	dpkg --print-foreign-architectures | grep -qx armhf
}

# apt-get update fails as a whole when any one index fails (a mirror in the
# middle of a sync); the indexes it did get are still used, and whether what
# we need is there is checked afterwards.
apt_update() {
	apt-get update -q ||
		echo "setup: apt-get update reported errors; going on with the indexes it got" >&2
}

install_packages() {
	local miss
	miss=$(missing_packages)
	[ -z "$miss" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		echo "setup: cannot install packages (need root and apt-get)." >&2
		local arch=
		armhf_enabled || arch="dpkg --add-architecture armhf && "
		echo "setup: as root, run: ${arch}apt-get update && apt-get install --no-install-recommends $miss" >&2
		echo "setup: then run $0 again" >&2
		exit 1
	fi
	echo "setup: installing $miss"
	export DEBIAN_FRONTEND=noninteractive
	apt_update
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

# The kernel release of the debian-installer's kernel (e.g. 6.1.0-50-armmp),
# from the module directory in its initrd, and the Debian version of the
# linux source package it was built from (its Built-Using field).
di_release() {
	gzip -dc "$DI_INITRD" | cpio -t --quiet 2>/dev/null |
		sed -n 's|^lib/modules/\([^/]*-armmp\)$|\1|p' | head -n 1
}

di_linux_version() {
	dpkg-query -W -f='${Built-Using}\n' debian-installer-12-netboot-armhf |
		tr ',' '\n' | sed -n 's/^ *linux (= \(.*\))$/\1/p'
}

deb_version() {
	dpkg-deb -f "$1" Version
}

# Is PACKAGE (pkg:arch=version) known to apt?
apt_knows() {
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

# Copies the .deb of each package spec into $1, downloading into DEB_DIR
# only what is not there yet: a second cache (LOWVISOR_CACHE) or a cache
# made again downloads nothing.  $2: apt-get's options.
fetch_debs() {
	local to=$1 opts=$2 p f
	shift 2
	mkdir -p "$DEB_DIR"
	# The .debs may be shared by several caches (LOWVISOR_DEBS).
	exec 8>"$DEB_DIR/.lock"
	flock 8
	for p in "$@"; do
		# shellcheck disable=SC2086
		f=$(apt-get download --print-uris $opts "$p" 2>/dev/null |
			sed -n "s/^'[^']*' \([^ ]*\.deb\) .*/\1/p" | head -n 1)
		if [ -z "$f" ] || [ ! -s "$DEB_DIR/$f" ]; then
			# shellcheck disable=SC2086
			(cd "$DEB_DIR" && apt-get download -q $opts "$p") || return 1
		fi
		if [ -n "$f" ] && [ -s "$DEB_DIR/$f" ]; then
			cp "$DEB_DIR/$f" "$to/"
		else # apt named it differently from what it printed: take the newest
			cp "$(ls -t "$DEB_DIR/${p%%[:=]*}"_*.deb | head -n 1)" "$to/"
		fi
	done
}

prepare_linux() {
	linux_ready && return 0
	if [ ! -f "$DI_VMLINUZ" ] || [ ! -f "$DI_INITRD" ]; then
		echo "setup: no $DI_VMLINUZ; install debian-installer-12-netboot-armhf" >&2
		exit 1
	fi
	local release abi version
	release=$(di_release)
	abi=${release%-armmp}
	version=$(di_linux_version)
	if [ -z "$release" ] || [ -z "$version" ]; then
		echo "setup: cannot tell the debian-installer kernel's release ($release) or version ($version)" >&2
		exit 1
	fi
	# Kbuild's host programs come from the host's linux-kbuild package of the
	# same version (the armhf one's would not run here).
	local kbuild="linux-kbuild-${version%.*}" # 6.1.176-1: linux-kbuild-6.1
	local pkgs="linux-image-$abi-armmp-lpae:armhf=$version
linux-image-$abi-armmp:armhf=$version busybox-static:armhf
linux-headers-$abi-armmp:armhf=$version linux-headers-$abi-common=$version $kbuild=$version"

	# apt must know the armhf packages: the armhf architecture, then its indexes.
	local p unknown=
	for p in $pkgs; do
		apt_knows "$p" || unknown="$unknown $p"
	done
	if [ -n "$unknown" ]; then
		if [ "$(id -u)" != 0 ]; then
			echo "setup: apt does not know$unknown." >&2
			if armhf_enabled; then
				echo "setup: as root, run: apt-get update" >&2
			else
				echo "setup: as root, run: dpkg --add-architecture armhf && apt-get update" >&2
			fi
			echo "setup: then run $0 again" >&2
			exit 1
		fi
		if ! armhf_enabled; then
			echo "setup: adding the armhf architecture to dpkg"
			dpkg --add-architecture armhf
		fi
		apt_update
		for p in $pkgs; do
			if ! apt_knows "$p"; then
				echo "setup: apt has no $p (the debian-installer's kernel is $release, $version)" >&2
				exit 1
			fi
		done
	fi

	echo "setup: fetching the $release kernels ($version) and busybox-static:armhf into $LINUX_DIR"
	mkdir -p "$CACHE"
	local tmp
	tmp=$(mktemp -d "$CACHE/linux.tmp.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	local sandbox=
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	if ! fetch_debs "$tmp" "$sandbox" $pkgs; then
		rm -rf "$tmp"
		echo "setup: apt-get download failed" >&2
		exit 1
	fi
	dpkg-deb -x "$tmp"/linux-image-"$abi"-armmp-lpae_*.deb "$tmp/armmp-lpae"
	dpkg-deb -x "$tmp"/linux-image-"$abi"-armmp_*.deb "$tmp/armmp"
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/busybox-static"
	cp "$DI_VMLINUZ" "$tmp/vmlinuz-armmp"
	cp "$tmp/armmp-lpae/boot/vmlinuz-$abi-armmp-lpae" "$tmp/vmlinuz-armmp-lpae"
	cp "$tmp/busybox-static/bin/busybox" "$tmp/busybox"
	local d
	for d in linux-headers-"$abi"-armmp_ linux-headers-"$abi"-common_ "$kbuild"_; do
		dpkg-deb -x "$tmp/$d"*.deb "$tmp/headers"
	done
	# The flavour's Makefile includes the common one by its absolute path
	# under /usr/src: point it at the cache's copy (where $tmp will be).
	sed -i "s|/usr/src/linux-headers-$abi-common|$LINUX_DIR/headers/usr/src/linux-headers-$abi-common|" \
		"$tmp/headers/usr/src/linux-headers-$release/Makefile"
	local same=no
	cmp -s "$DI_VMLINUZ" "$tmp/armmp/boot/vmlinuz-$release" && same=yes
	{
		echo "release_armmp=$release"
		echo "release_armmp_lpae=$release-lpae"
		echo "linux_version=$version"
		echo "debian_installer=$(dpkg-query -W -f='${Version}' debian-installer-12-netboot-armhf)"
		echo "vmlinuz_armmp_from=$DI_VMLINUZ"
		echo "vmlinuz_armmp_lpae_from=linux-image-$release-lpae:armhf $(deb_version "$tmp"/linux-image-"$abi"-armmp-lpae_*.deb)"
		echo "armmp_modules_from=linux-image-$release:armhf $(deb_version "$tmp"/linux-image-"$abi"-armmp_*.deb)"
		echo "armmp_package_vmlinuz_is_debian_installer_vmlinuz=$same"
		echo "busybox_from=busybox-static:armhf $(deb_version "$tmp"/busybox-static_*.deb)"
		echo "headers_from=linux-headers-$release:armhf $(deb_version "$tmp"/linux-headers-"$abi"-armmp_*.deb), $kbuild $(deb_version "$tmp/$kbuild"_*.deb)"
	} >"$tmp/versions"
	rm -rf "$tmp"/*.deb "$tmp/busybox-static"
	rm -rf "$LINUX_DIR"
	chmod 755 "$tmp"
	mv "$tmp" "$LINUX_DIR"
	if [ "$same" != yes ]; then
		echo "setup: warning: linux-image-$release's vmlinuz differs from the debian-installer's;" \
			"its modules may not load into the armmp kernel" >&2
	fi
}

case "${1:-}" in
--check) check ;;
--libfdt-dir) echo "$LIBFDT_DIR" ;;
--libfdt-files) echo $LIBFDT_FILES ;;
--linux-dir) echo "$LINUX_DIR" ;;
--deb-dir) echo "$DEB_DIR" ;;
--headers-dir) ls -d "$LINUX_DIR"/headers/usr/src/linux-headers-*-armmp 2>/dev/null | head -n 1 ;;
"")
	# One preparation at a time per cache: make -j runs the script from more
	# than one rule, and two checkouts may share a cache.  A run that waited
	# finds the cache ready and does nothing; without the lock both would
	# prepare it, and one's rm -rf would remove what the other just made.
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	install_packages
	prepare_libfdt
	prepare_linux
	echo "setup: ready"
	;;
*)
	echo "usage: $0 [--check | --libfdt-dir | --libfdt-files | --linux-dir | --deb-dir | --headers-dir]" >&2
	exit 2
	;;
esac
