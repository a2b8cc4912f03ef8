#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Prints the lifecycle race's system (the Makefile makes build/race.itb and,
# with 260 fillers, build/race-vmid.itb from it).  Two management VMs
# (test/guests/racer) call PAUSE, RESUME, RESET and STOP at random on each
# other, on themselves and on a victim (a ticker), for thousands of calls;
# a third, the referee, resumes or resets whatever they left paused or
# stopped, and after REFEREE_MS stops everything and powers off.  A canary
# (a ticker every 20 ms) on each CPU must tick throughout.  FILLERS more VMs
# of 1 MiB spin at the lowest priority, taking turns of 100 us while the
# racers nap NAP_MS every 32 calls: with more than 255 VMs the VMIDs roll over
# while the calls race.  test/system/test_guests.py
# boots both on 2 CPUs.
#
#   sh configs/race.its.sh [FILLERS [REFEREE_MS [NAP_MS]]] > build/race.its
set -eu
fillers=${1:-0}
ms=${2:-3000}
nap=${3:-1}

image() {
	printf '\t\t%s {\n' "$1"
	printf '\t\t\tdata = /incbin/("%s.bin");\n' "$1"
	printf '\t\t\ttype = "kernel";\n\t\t\tarch = "arm";\n\t\t\tos = "linux";\n'
	printf '\t\t\tcompression = "none";\n'
	printf '\t\t\tload = <0x40000000>;\n\t\t\tentry = <0x40000000>;\n'
	printf '\t\t\thash-1 { algo = "crc32"; };\n\t\t};\n'
}

# vm NAME IMAGE MiB CPUS PRIORITY BOOTARGS [management | slice-us]
vm() {
	printf '\t\t\t%s {\n' "$1"
	case "${7:-}" in
	management) printf '\t\t\t\tmanagement;\n' ;;
	[0-9]*) printf '\t\t\t\tslice-us = <%s>;\n' "$7" ;;
	esac
	printf '\t\t\t\tvcpus = <1>;\n\t\t\t\tcpus = <%s>;\n\t\t\t\tpriority = <%s>;\n' "$4" "$5"
	printf '\t\t\t\tmemory = <0x40000000 0x%08x>;\n' $(($3 << 20))
	printf '\t\t\t\tkernel = "%s";\n\t\t\t\tbootargs = "%s";\n\t\t\t};\n' "$2" "$6"
}

cat <<HEAD
/dts-v1/;

/ {
	description = "Lowvisor test: lifecycle race ($fillers fillers)";
	#address-cells = <1>;

	images {
HEAD
image ticker
image racer
cat <<MID
	};

	lowvisor {
		console = "prefix";
		poweroff = "last-vm";

		vms {
MID
vm victim ticker 4 0x3 1 "period_ms=50"
vm racer-a racer 4 0x1 1 "role=racer self=1 targets=0,2,1 seed=11 nap_ms=$nap" management
vm racer-b racer 4 0x2 1 "role=racer self=2 targets=0,1,2 seed=22 nap_ms=$nap" management
vm referee racer 4 0x1 2 "role=referee self=3 watch=1,2,0 ms=$ms" management
vm canary0 ticker 4 0x1 2 "period_ms=20"
vm canary1 ticker 4 0x2 2 "period_ms=20"
i=0
while [ "$i" -lt "$fillers" ]; do
	vm "$(printf 'fill%03d' "$i")" racer 1 0x3 1 "role=filler" 100
	i=$((i + 1))
done
cat <<TAIL
		};
	};
};
TAIL
