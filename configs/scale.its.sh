#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Prints the scale test system's .its (the Makefile makes build/scale.its
# and build/scale.itb from it): N VMs (default 300, more than the 255 VMIDs)
# of 1 MiB each, all running test/guests/isolation with a signature of
# their own, on whatever CPUs the machine has, with 2 ms turns.  Each checks
# its signature across its RAM round after round and prints "progress N";
# the last one to stop powers the machine off and Lowvisor reports its VMID
# generations.  test/system/test_guests.py boots it on 2 CPUs.
#
# With a CPU mask (make bench's start-up figures: 0x2, one CPU) every VM is
# placed on those CPUs; ROUNDS is how many rounds each checks (3).
#
#   sh configs/scale.its.sh [N [CPUMASK [ROUNDS]]] > build/scale.its
set -eu
n=${1:-300}
cpus=${2:-}
rounds=${3:-3}

cat <<HEAD
/dts-v1/;

/ {
	description = "Lowvisor test: scale ($n VMs)";
	#address-cells = <1>;

	images {
		isolation {
			data = /incbin/("isolation.bin");
			type = "kernel";
			arch = "arm";
			os = "linux";
			compression = "none";
			load = <0x40000000>;
			entry = <0x40000000>;
			hash-1 { algo = "crc32"; };
		};
	};

	lowvisor {
		console = "prefix";
		poweroff = "last-vm";

		vms {
HEAD
i=0
while [ "$i" -lt "$n" ]; do
	printf '\t\t\tvm%03d {\n' "$i"
	printf '\t\t\t\tvcpus = <1>;\n'
	printf '\t\t\t\tmemory = <0x40000000 0x00100000>;\n'
	printf '\t\t\t\tslice-us = <2000>;\n'
	[ -z "$cpus" ] || printf '\t\t\t\tcpus = <%s>;\n' "$cpus"
	printf '\t\t\t\tkernel = "isolation";\n'
	printf '\t\t\t\tbootargs = "sig=0x%08x rounds=%s";\n' $((0x5ca1e000 + i)) "$rounds"
	printf '\t\t\t};\n'
	i=$((i + 1))
done
cat <<TAIL
		};
	};
};
TAIL
