#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Wall-clock boot of an overcommitted SMP Linux guest beside QEMU running
the same kernel natively (docs/performance.md, "8 vCPUs on 2 CPUs").

Boots, in turns, Lowvisor on `-smp 2` with configs/linux-armmp-smp8.its (one
Debian armmp VM of 8 vCPUs) and the same kernel and initramfs natively on
QEMU with `-smp 8`, each RUNS times, and prints the wall time from QEMU's
start to the init's marker and to the shell's prompt, the medians, and any
`hrtimer: interrupt took` or RCU stall line of each guest's dmesg.  With
--load SECS, after the last Lowvisor boot it runs 8 CPU loops, two pipes, a
10 ms sleep loop and a progress line every 10 s in that VM for SECS seconds
and prints the progress lines' times and the dmesg lines again.

Not under -icount, on purpose: under -icount QEMU runs all CPUs in one
thread, and each broadcast TLB operation of a guest's stop_machine (the
kernel patching itself at boot) waits for the other CPUs' whole time
slices, which makes an SMP boot take minutes of virtual time.  The figures
are the host's: run it on an otherwise idle machine, or compare medians.

    test/bench/smp_boot.py [--build BUILD] [--runs 3] [--load 240]
"""
import argparse
import re
import statistics
import sys
import time

import pexpect

QEMU = "qemu-system-arm"
MARKER = r"LOWVISOR-LINUX-UP release=\S+ cpus=(\d+)\r*\n"
PROMPT = "lvguest# "
TROUBLE = r"hrtimer: interrupt took \d+ ns|rcu: INFO: .*stall.*|soft lockup.*"
LOAD = ("for i in 1 2 3 4 5 6 7 8; do (while :; do :; done) & done; "
        "(while :; do echo x; done | cat >/dev/null) & "
        "(while :; do echo y; done | md5sum >/dev/null) & "
        "(while :; do sleep 0.01; done) & "
        "(k=0; while sleep 10; do k=$((k+1)); echo \"progress $k $(cut -d' ' -f1 /proc/uptime)\"; "
        "done) & :")


def command(build, native):
    common = ["-cpu", "cortex-a15", "-nographic", "-nic", "none", "-no-reboot"]
    if native:
        return ["-M", "virt", "-smp", "8", "-m", "256"] + common + [
            "-kernel", f"{build}/linux/vmlinuz-armmp", "-initrd",
            f"{build}/linux/initramfs.cpio.gz", "-append", "console=ttyAMA0"]
    return ["-M", "virt,virtualization=on", "-smp", "2", "-m", "1024"] + common + [
        "-kernel", f"{build}/hyp-core.bin", "-initrd", f"{build}/linux-armmp-smp8.itb"]


def shell(child, line, timeout=60):
    """Runs a command line; returns its output."""
    child.sendline(line + '; echo @END""@')  # the echo of the line is not the marker
    child.expect(r"\n@END@\r*\n", timeout=timeout)
    out = child.before.replace("\r", "")
    child.expect_exact(PROMPT, timeout=timeout)
    return out


def boot(build, native, load, timeout):
    """(seconds to the marker, to the prompt, dmesg trouble lines)."""
    child = pexpect.spawn(QEMU, command(build, native), timeout=timeout, encoding="utf-8",
                          codec_errors="replace")
    try:
        t0 = time.monotonic()
        child.expect(MARKER)
        if child.match.group(1) != "8":
            sys.exit(f"the guest has {child.match.group(1)} CPUs, not 8")
        marker = time.monotonic() - t0
        child.expect_exact(PROMPT)
        prompt = time.monotonic() - t0
        child.sendline("")  # settles busybox's cursor query
        child.expect_exact(PROMPT)
        if load:
            shell(child, LOAD)
            progress = shell(child, f"sleep {load}", timeout=load * 3)
            print("  progress:", " ".join(re.findall(r"progress \d+ (\S+)", progress)))
        trouble = re.findall(TROUBLE, shell(child, "dmesg"))
        child.sendline("poweroff -f")
        child.expect(pexpect.EOF, timeout=60)
        return marker, prompt, trouble
    finally:
        child.close(force=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--load", type=int, default=0, metavar="SECS")
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()
    prompts = {False: [], True: []}
    for run in range(args.runs):
        for native in (False, True):
            what = "native -smp 8" if native else "Lowvisor, 8 vCPUs on 2 CPUs"
            load = args.load if not native and run == args.runs - 1 else 0
            marker, prompt, trouble = boot(args.build, native, load, args.timeout)
            prompts[native].append(prompt)
            print(f"{what}: marker {marker:.2f} s, shell {prompt:.2f} s"
                  + (f", after {load} s of load" if load else "") + f"; dmesg: {trouble}",
                  flush=True)
    lv, nat = statistics.median(prompts[False]), statistics.median(prompts[True])
    print(f"median to the shell: Lowvisor {lv:.2f} s, native {nat:.2f} s ({lv / nat:.2f} x)")


if __name__ == "__main__":
    main()
