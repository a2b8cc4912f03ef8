#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Boot one of Debian's kernels with the test/linux initramfs natively on
QEMU virt (no hypervisor) and check it the way the system tests will check
it under Lowvisor:

  - the init's marker line (LOWVISOR-LINUX-UP release=... cpus=N) with N the
    number of CPUs given, then the shell's prompt;
  - commands typed on the console run and their output comes back
    (echo hello; cat /proc/interrupts, where arch_timer counts on every CPU);
  - the shell has the console as controlling terminal (Ctrl-C stops sleep);
  - `reboot` (through busybox init) and `reboot -f` come back to the shell;
  - `poweroff` (or, with --poweroff-force, `poweroff -f`) stops QEMU through
    PSCI SYSTEM_OFF (QEMU exits by itself, status 0).

Prints the QEMU command line, the times to the prompt (wall clock from
QEMU's start, and from each reboot command) and `ok`/`not ok` lines; exits 1
when a check fails.  QEMU is always killed at the end.

  test/linux/native_check.py --kernel build/linux/vmlinuz-armmp \\
      --initrd build/linux/initramfs.cpio.gz [--smp 2] [--mem 512] \\
      [--machine virt] [--log FILE]
"""

import argparse
import re
import sys
import time

import pexpect

MARKER = re.compile(rb"LOWVISOR-LINUX-UP release=(\S+) cpus=(\d+)")
PROMPT = b"lvguest# "


class Check:
    def __init__(self):
        self.failed = []
        self.n = 0

    def __call__(self, ok, what):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {what}", flush=True)
        if not ok:
            self.failed.append(what)
        return ok


def run_command(child, cmd, timeout):
    """Types cmd and returns what came back before the next prompt (the
    echoed command line removed)."""
    child.sendline(cmd)
    child.expect_exact(PROMPT, timeout=timeout)
    # The guest's tty turns \n into \r\n, and so does the host's pty.
    out = child.before.replace(b"\r", b"")
    # Drop everything up to the end of the echoed command line.
    i = out.find(cmd.encode() + b"\n")
    if i >= 0:
        out = out[i + len(cmd) + 1:]
    return out.decode(errors="replace")


def wait_boot(child, check, smp, timeout, what):
    t0 = time.monotonic()
    child.expect(MARKER, timeout=timeout)
    t_marker = time.monotonic() - t0
    release = child.match.group(1).decode()
    cpus = int(child.match.group(2))
    check(cpus == smp, f"{what}: marker, release {release}, cpus={cpus} (want {smp})")
    child.expect_exact(PROMPT, timeout=timeout)
    t_prompt = time.monotonic() - t0
    print(f"# {what}: marker after {t_marker:.2f} s, prompt after {t_prompt:.2f} s",
          flush=True)
    return release, t_prompt


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--smp", type=int, default=2)
    ap.add_argument("--mem", type=int, default=512)
    ap.add_argument("--machine", default="virt")
    ap.add_argument("--qemu", default="qemu-system-arm")
    ap.add_argument("--append", default="console=ttyAMA0")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds allowed for each boot (default 60)")
    ap.add_argument("--poweroff-force", action="store_true",
                    help="end with `poweroff -f` rather than `poweroff`")
    ap.add_argument("--log", help="write the console output to this file")
    args = ap.parse_args()

    argv = ["-M", args.machine, "-cpu", "cortex-a15", "-smp", str(args.smp),
            "-m", str(args.mem), "-nographic", "-nic", "none",
            "-kernel", args.kernel, "-initrd", args.initrd, "-append", args.append]
    print("# " + " ".join([args.qemu] + [a if " " not in a else f'"{a}"' for a in argv]),
          flush=True)
    check = Check()
    log = open(args.log, "wb") if args.log else None
    child = pexpect.spawn(args.qemu, argv, timeout=args.timeout)
    child.logfile_read = log
    try:
        release, _ = wait_boot(child, check, args.smp, args.timeout, "boot")

        out = run_command(child, "echo hello", 10)
        check(out.strip().splitlines()[-1:] == ["hello"], "echo hello comes back")

        out = run_command(child, "cat /proc/interrupts", 10)
        lines = out.splitlines()
        header = lines[0].split() if lines else []
        timer = [ln for ln in lines if "arch_timer" in ln]
        counts = []
        if timer:
            counts = [int(x) for x in timer[0].split()[1:1 + args.smp] if x.isdigit()]
        check(header == [f"CPU{i}" for i in range(args.smp)],
              f"/proc/interrupts lists CPU0..CPU{args.smp - 1}")
        check(len(counts) == args.smp and all(c > 0 for c in counts),
              f"arch_timer counts on every CPU: {counts}")

        out = run_command(child, "grep -c ^processor /proc/cpuinfo", 10)
        check(out.strip() == str(args.smp), f"/proc/cpuinfo lists {args.smp} CPUs")

        out = run_command(child, "tty", 10)
        check(out.strip() == "/dev/ttyAMA0", f"the shell's terminal is {out.strip()}")

        # Job control: Ctrl-C reaches the foreground job.
        child.sendline("sleep 30")
        time.sleep(0.5)
        child.sendcontrol("c")
        t0 = time.monotonic()
        try:
            child.expect_exact(PROMPT, timeout=5)
            check(time.monotonic() - t0 < 5, "Ctrl-C interrupts sleep 30")
        except pexpect.TIMEOUT:
            check(False, "Ctrl-C interrupts sleep 30")

        for cmd in ("reboot", "reboot -f"):
            child.sendline(cmd)
            r, t = wait_boot(child, check, args.smp, args.timeout, f"after `{cmd}`")
            check(r == release, f"`{cmd}` comes back to the shell of {r}")

        cmd = "poweroff -f" if args.poweroff_force else "poweroff"
        child.sendline(cmd)
        t0 = time.monotonic()
        try:
            child.expect(pexpect.EOF, timeout=30)
            child.close()
            check(child.exitstatus == 0,
                  f"`{cmd}` stops QEMU (exit status {child.exitstatus}, "
                  f"{time.monotonic() - t0:.2f} s)")
        except pexpect.TIMEOUT:
            check(False, f"`{cmd}` stops QEMU")
    except (pexpect.TIMEOUT, pexpect.EOF) as e:
        check(False, f"console: {type(e).__name__}; last output: {child.before[-300:]!r}")
    finally:
        if child.isalive():
            child.terminate(force=True)
        if log:
            log.close()
    if check.failed:
        print(f"# FAILED: {len(check.failed)} of {check.n}", flush=True)
        return 1
    print(f"# all {check.n} checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
