#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Where a benchmarked path spends its instructions: runs one bench bundle
with fewer iterations under QEMU's execution log (-d in_asm,exec,nochain;
a log of a GiB or more in a temporary directory) and prints, per function
of the guest and of the hypervisor, the instructions per operation in the
window from the first execution of guest function START to the first of
END after it, divided by COUNT operations.

    test/bench/profile.py [--build B] CONFIG BOOTARGS START END COUNT
    e.g. test/bench/profile.py configs/bench-one.its \\
             "role=one batch=10 batches=1 samples=3" op_hvc_null sort64 10

A translation block's instructions are counted at its first address's
function; a block left early by an exception (a trapped MMIO access)
counts whole, so guest counts are a few instructions high.  The hypervisor
runs at its link address, the guest at its own; both are looked up in
their ELF files' symbols.
"""
import argparse
import bisect
import collections
import os
import re
import subprocess
import sys
import tempfile

from bench import HYP


def symbols(elf):
    out = subprocess.run(["arm-none-eabi-nm", "-n", elf], check=True,
                         capture_output=True, text=True).stdout
    syms = [(int(a, 16), n) for a, t, n in (l.split()[:3] for l in out.splitlines()
                                            if len(l.split()) >= 3) if t in "tTwW"]
    return [a for a, _ in syms], [n for _, n in syms]


def lookup(table, pc):
    addrs, names = table
    i = bisect.bisect_right(addrs, pc) - 1
    return names[i] if i >= 0 else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("config")
    ap.add_argument("bootargs")
    ap.add_argument("start")
    ap.add_argument("end")
    ap.add_argument("count", type=int)
    a = ap.parse_args()
    hyp = symbols(f"{a.build}/hyp-core.elf")
    guest = symbols(f"{a.build}/guests/bench.elf")
    gstart = dict(zip(guest[1], guest[0]))
    start_pc, end_fn = gstart[a.start], a.end
    with tempfile.TemporaryDirectory() as tmp:
        its = open(a.config, encoding="utf-8").read()
        its = re.sub(r'bootargs = "[^"]*"', f'bootargs = "{a.bootargs}"', its, count=1)
        with open(f"{tmp}/p.its", "w", encoding="utf-8") as f:
            f.write(its)
        dtc = f"-I dts -O dtb -p 500 -W no-interrupts_property -i {a.build}/guests -i {a.build}"
        subprocess.run(["mkimage", "-D", dtc, "-f", f"{tmp}/p.its", f"{tmp}/p.itb"], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(HYP + ["-kernel", f"{a.build}/hyp-core.bin", "-initrd", f"{tmp}/p.itb",
                              "-d", "in_asm,exec,nochain", "-D", f"{tmp}/log"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=300,
                       check=False)
        size = {}  # TB start -> instructions (the largest translation)
        hist = collections.Counter()
        state, tb, n = "before", None, 0
        trace = re.compile(r"^Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/([0-9a-f]+)\]")
        with open(f"{tmp}/log", encoding="utf-8", errors="replace") as log:
            for line in log:
                if line.startswith("IN:"):
                    tb, n = None, 0
                    continue
                if line.startswith("0x") and ":  " in line:
                    pc = int(line.split(":", 1)[0], 16)
                    if tb is None:
                        tb = pc
                    n += 1
                    size[tb] = max(size.get(tb, 0), n)
                    continue
                m = trace.match(line)
                if not m:
                    continue
                pc, cflags = int(m.group(2), 16), int(m.group(3), 16)
                k = size.get(pc, 1)
                if cflags & 0x1ff:
                    k = min(k, cflags & 0x1ff)
                inhyp = pc >= 0xF0000000
                if state == "before":
                    if not inhyp and pc == start_pc:
                        state = "in"
                    else:
                        continue
                fn = lookup(hyp, pc) if inhyp else lookup(guest, pc)
                if not inhyp and fn == end_fn:
                    break
                hist[("hyp " if inhyp else "guest ") + fn] += k
    total = sum(hist.values())
    print(f"{a.config} [{a.bootargs}] from {a.start} to {a.end}, per operation "
          f"(of {a.count}): {total / a.count:,.0f} instructions")
    for fn, k in hist.most_common():
        if k / a.count >= 1:
            print(f"  {k / a.count:8.1f}  {fn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
