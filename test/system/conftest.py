# SPDX-License-Identifier: MIT
"""QEMU-driven system tests: boot Lowvisor and read what it prints.

Every QEMU gets a timeout and is killed at teardown; the command line of
each boot is printed so that a failing test can be rerun by hand.
"""
import os
import re
import shlex
import signal
import subprocess
import tempfile

import pexpect
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
HYP_BIN = os.path.join(BUILD, "hyp.bin")            # with the default bundle
HYP_CORE = os.path.join(BUILD, "hyp-core.bin")      # the hypervisor alone
HYP_UIMG = os.path.join(BUILD, "hyp.uimg")
QEMU = os.environ.get("QEMU", "qemu-system-arm")
UBOOT_BIOS = "/usr/lib/u-boot/qemu_arm/u-boot.bin"

# A boot report takes about a second under TCG; leave room for a loaded host.
BOOT_TIMEOUT = 30


def qemu_cmd(kernel=HYP_CORE, smp=1, mem=1024, virt=True, extra=(), append=None,
             dtb=None):
    machine = "virt,virtualization=on" if virt else "virt"
    cmd = [QEMU, "-M", machine, "-cpu", "cortex-a15", "-smp", str(smp),
           "-m", str(mem), "-nographic", "-nic", "none", "-no-reboot"]
    if kernel:
        cmd += ["-kernel", kernel]
    if dtb:
        cmd += ["-dtb", dtb]
    if append is not None:
        cmd += ["-append", append]
    return cmd + list(extra)


class Boot:
    """One running QEMU with its console."""

    def __init__(self, cmd, timeout=BOOT_TIMEOUT):
        self.cmd = cmd
        print("QEMU:", shlex.join(cmd))
        self.child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=timeout)
        self.child.logfile_read = _Tee()

    def expect(self, pattern, timeout=-1):
        self.child.expect(pattern, timeout=timeout)
        return self.child.match

    def transcript(self):
        """Everything the console printed so far (\r removed)."""
        return "".join(self.child.logfile_read.chunks).replace("\r", "")

    def report(self, timeout=-1):
        """Waits for the whole boot report and returns it as {key: [values]}."""
        self.expect(r"Lowvisor \S+ boot report\r*\n", timeout)
        self.expect(r"boot time +(\d+) us from entry to this report", timeout)
        text = self.child.before
        fields = {}
        for line in text.splitlines():
            m = re.match(r"lowvisor:   (\S+)\s+(.*\S)", line.strip("\r"))
            if m:
                fields.setdefault(m.group(1), []).append(m.group(2))
        fields["boot time"] = [self.child.match.group(1)]
        return fields

    def close(self):
        # The child leads its own session (pexpect's pty): kill the whole
        # group, so a QEMU started by make goes too.
        try:
            os.killpg(self.child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.child.close(force=True)


class _Tee:
    """Copies the console to the test's captured output, and keeps it."""

    def __init__(self):
        self.chunks = []

    def write(self, s):
        self.chunks.append(s)
        print(s, end="")

    def flush(self):
        pass


@pytest.fixture
def boot():
    boots = []

    def start(cmd, timeout=BOOT_TIMEOUT):
        b = Boot(cmd, timeout)
        boots.append(b)
        return b

    yield start
    for b in boots:
        b.close()


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


def dump_dtb(path, smp=1, mem=1024, virt=True):
    machine = "virt,virtualization=on" if virt else "virt"
    subprocess.run([QEMU, "-M", f"{machine},dumpdtb={path}", "-cpu", "cortex-a15",
                    "-smp", str(smp), "-m", str(mem), "-nographic", "-nic", "none"],
                   check=True, capture_output=True, timeout=60)
    return path


def dtb_to_dts(dtb):
    return subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], check=True,
                          capture_output=True, text=True).stdout


def dts_to_dtb(dts, path):
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", path, "-"], input=dts,
                   check=True, capture_output=True, text=True)
    return path
