# SPDX-License-Identifier: MIT
# /etc/lvinit.d/50-io of the I/O benchmarks' guest initramfs
# (test/bench/bench.mk, build/bench/initramfs-io.cpio.gz).  With lvio= on
# the kernel command line it runs one of test/bench/bench.py's device
# benchmarks, prints its "LVBENCH ..." lines (virtual counter readings:
# lvclock, 16 ns a tick under QEMU's -icount shift=0) and powers off:
#   lvio=disk[,KIB]      /dev/vda (64 MiB or more): 64 MiB of zeros
#                        written with O_DIRECT in blocks of KIB KiB (1024),
#                        then read back the same way: the counter before
#                        and after each, the virtio interrupts and the
#                        disk's requests and sectors (/sys/block/vda/stat)
#                        so far; then the md5sum of those 64 MiB
#   lvio=net-server,ADDR eth0 gets ADDR/24; receives one TCP stream on port
#                        5001 (busybox nc) and counts its bytes
#   lvio=net-client,ADDR,PEER,MIB
#                        eth0 gets ADDR/24; pings PEER until it answers,
#                        then 20 pings 0.2 s apart (their round trip), and
#                        sends MIB MiB of zeros to PEER's port 5001; its
#                        TCP's retransmitted segments
io=$(sed -n 's/.*lvio=\([^ ]*\).*/\1/p' /proc/cmdline)
[ -n "$io" ] || exit 0
# shellcheck disable=SC2046
set -- $(echo "$io" | tr , ' ')

# The virtio interrupts so far; the disk's read requests, sectors read,
# write requests, sectors written.
irqs() {
	awk '/virtio/ { n += $2 } END { print n + 0 }' /proc/interrupts
}
iostat() {
	awk '{ print $1, $3, $5, $7 }' /sys/block/vda/stat
}

case "$1" in
disk)
	kib=${2:-1024}
	n=$((65536 / kib))
	echo "LVBENCH disk size $(cat /sys/block/vda/size) $(irqs) $(iostat)"
	t0=$(lvclock)
	dd if=/dev/zero of=/dev/vda bs="$kib"k count=$n oflag=direct 2>/dev/null ||
		echo "LVBENCH error: the write failed"
	t1=$(lvclock)
	echo "LVBENCH disk write $t0 $t1 $(irqs) $(iostat)"
	t0=$(lvclock)
	dd if=/dev/vda of=/dev/null bs="$kib"k count=$n iflag=direct 2>/dev/null ||
		echo "LVBENCH error: the read failed"
	t1=$(lvclock)
	echo "LVBENCH disk read $t0 $t1 $(irqs) $(iostat)"
	sum=$(dd if=/dev/vda bs=1M count=64 iflag=direct 2>/dev/null | md5sum)
	echo "LVBENCH disk md5 ${sum%% *}"
	;;
net-server)
	ip addr add "$2/24" dev eth0 && ip link set eth0 up
	n=$(nc -l -p 5001 | wc -c)
	echo "LVBENCH net received $n"
	;;
net-client)
	ip addr add "$2/24" dev eth0 && ip link set eth0 up
	k=0
	until ping -c 1 -W 1 "$3" >/dev/null 2>&1; do
		k=$((k + 1))
		[ $k -lt 60 ] || break
	done
	rtt=$(ping -c 20 -i 0.2 "$3" | sed -n 's|^round-trip min/avg/max = ||p')
	echo "LVBENCH net ping $rtt"
	# The server listens by now (its nc starts right after its address,
	# 20 pings ago); again if it refused the connection all the same.
	k=0
	while :; do
		t0=$(lvclock)
		dd if=/dev/zero bs=64k count=$(($4 * 16)) 2>/dev/null | nc "$3" 5001 && break
		k=$((k + 1))
		[ $k -lt 5 ] || break
		sleep 1
	done
	t1=$(lvclock)
	echo "LVBENCH net send $t0 $t1 $(($4 * 1048576))"
	# TCP's retransmitted segments: frames the network dropped.
	echo "LVBENCH net retrans $(awk '/^Tcp:/ { if (h) print $13; h = 1 }' /proc/net/snmp)"
	;;
*)
	echo "LVBENCH error: lvio=$io: unknown"
	;;
esac
echo "LVBENCH done"
poweroff -f
