#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Where a benchmarked path spends its instructions: runs one bench bundle
with fewer iterations under QEMU's execution log (-d in_asm,exec,nochain;
a log of a GiB or more in a temporary directory) and prints, per function
of the guest and of the hypervisor, the instructions per operation in the
window from an execution of START's first instruction to the next
execution of guest function END (--windows N: windows 1 to N, counted
from --first K, 1 by default, as the first ones may take in the boot),
divided by COUNT operations.  START is a guest function, or hyp:NAME for
a hypervisor function (e.g. hyp:vec_irq, to start at an interrupt).
--seq K also prints window K (from 1) in order: each run of consecutive
translation blocks in one function as a line, which is how
docs/performance.md's tables of a path's parts were made.

    test/bench/profile.py [--build B] [--first K] [--windows N] [--seq K] \\
        CONFIG BOOTARGS START END COUNT
    e.g. test/bench/profile.py configs/bench-one.its \\
             "role=one batch=10 batches=1 samples=3" op_hvc_null sort64 10
         test/bench/profile.py --first 2 --windows 6 --seq 2 configs/bench-one.its \\
             "role=one batch=10 batches=1 samples=7" hyp:vec_irq irq_handler 5

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
    ap.add_argument("--first", type=int, default=1, help="count from window K")
    ap.add_argument("--windows", type=int, default=1, help="up to window N")
    ap.add_argument("--seq", type=int, default=0, help="print window K in order")
    ap.add_argument("config")
    ap.add_argument("bootargs")
    ap.add_argument("start")
    ap.add_argument("end")
    ap.add_argument("count", type=int)
    a = ap.parse_args()
    hyp = symbols(f"{a.build}/hyp-core.elf")
    guest = symbols(f"{a.build}/guests/bench.elf")
    start_hyp = a.start.startswith("hyp:")
    table = dict(zip(*reversed(hyp if start_hyp else guest)))
    start_pc, end_fn = table[a.start[4:] if start_hyp else a.start], a.end
    windows, seq = 0, []
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
                    if pc != start_pc or inhyp != start_hyp:
                        continue
                    state, windows = "in", windows + 1
                fn = lookup(hyp, pc) if inhyp else lookup(guest, pc)
                if not inhyp and fn == end_fn:
                    if windows == a.windows:
                        break
                    state = "before"
                    continue
                name = ("hyp " if inhyp else "guest ") + fn
                if windows >= a.first:
                    hist[name] += k
                if windows == a.seq:
                    if seq and seq[-1][0] == name:
                        seq[-1][1] += k
                    else:
                        seq.append([name, k])
    if a.seq:
        print(f"window {a.seq} in order ({sum(k for _, k in seq):,} instructions):")
        for name, k in seq:
            print(f"  {k:8d}  {name}")
    if windows < a.windows:
        print(f"only {windows} windows of {a.windows} found", file=sys.stderr)
    total = sum(hist.values())
    print(f"{a.config} [{a.bootargs}] from {a.start} to {a.end}, per operation "
          f"(of {a.count}): {total / a.count:,.0f} instructions")
    for fn, k in hist.most_common():
        if k / a.count >= 1:
            print(f"  {k / a.count:8.1f}  {fn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
