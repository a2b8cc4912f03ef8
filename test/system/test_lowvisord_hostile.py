# SPDX-License-Identifier: MIT
"""A hostile virtio driver beside an unmodified Linux guest, both served by
lowvisord (configs/linux-hostile.its): the bare-metal guest
test/guests/vhostile writes garbage into its rings and queue registers;
each case must break its device (NEEDS_RESET) until it resets it, while
lowvisord goes on serving the Linux guest's disk."""
import os
import re

from conftest import BUILD, qemu_cmd
from test_manage import DISK_MD5, MGMT_PROMPT, focus, mshell

# What vhostile does to its device, in order, and the reason lowvisord
# logs for the break (virtio-mmio.c); its RAM is 16 MiB at 0x40000000.
CASES = [
    ("descriptor_index", r"descriptor index 13, in a queue of 8"),
    ("next_index", r"descriptor index 200, in a queue of 8"),
    ("buffer_outside_ram", r"a buffer of 512 bytes at 0x40ffff00: not in its RAM"),
    ("chain_loop", r"the chain from descriptor 0 is longer than its queue \(a loop\)"),
    ("avail_index_ahead", r"queue 0: avail idx 1000, 1000 entries past the device's 0"),
    ("indirect_descriptor", r"an indirect descriptor \(not offered\)"),
    ("readable_after_writable", r"a device-readable buffer after a writable one"),
    ("queue_num_not_power_of_two", r"queue 0: size 6 \(a power of two up to 512\)"),
    ("queue_num_over_max", r"queue 0: size 1024 \(a power of two up to 512\)"),
    ("rings_outside_ram", r"queue 0: rings at 0x40ffffc0 0x40[0-9a-f]{6} 0x40[0-9a-f]{6}: "
                          r"misaligned or not in its RAM"),
]
NEEDS_RESET = 0x40
SET_UP = 0x0f  # ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK
INT_VRING, INT_CONFIG = 1, 2
IRQ = 48  # SPI 32 + LOWVISOR_VIRTIO_SPI + 0
# The Linux guest's reads of its whole disk, in a loop.
READ = r"read (\d+) ([0-9a-f]{32})  -\r*\n"


def sector(i):
    """The FNV-1a (32-bit) of sector i of /tmp/disk.img
    (test/linux/lvinit-testdisks.sh)."""
    h = 0x811c9dc5
    for c in b"%-511d\n" % i:
        h = ((h ^ c) * 0x01000193) & 0xffffffff
    return h


def own(out):
    """The focused VM's own lines of some output."""
    return [l for l in out.split("\n") if not re.match(r"(linux|hostile|mgmt)\| ", l)]


def expect_read(b, s):
    """vhostile's correct read of sector s: the file's bytes, its
    used-buffer interrupt."""
    m = b.expect(rf"vhostile: sector {s} fnv1a 0x([0-9a-f]{{8}}) starts \"(\d+)\" "
                 r"isr 0x([0-9a-f]+) irq (\S+)\r*\n", timeout=60)
    assert (int(m.group(1), 16), m.group(2)) == (sector(s), str(s)), m.group(0)
    assert (int(m.group(3), 16), m.group(4)) == (INT_VRING, str(IRQ)), m.group(0)


def devices(b):
    """`lowvisorctl devices`: the state of linux's and hostile's disk."""
    out = own(mshell(b, "lowvisorctl devices; echo rc=$?"))
    assert out[-2] == "rc=0", out
    rows = [l for l in out if re.match(r"\s*\d+\s", l)]
    assert len(rows) == 2, out
    states = []
    for row, (vm, name) in zip(rows, ((1, "linux"), (2, "hostile"))):
        m = re.fullmatch(rf"  {vm}  {name}\s+0  block    mgmt\s+0x0a000000 +{IRQ}  (.*)", row)
        assert m, out
        states.append(m.group(1))
    return states


def test_lowvisord_survives_a_hostile_driver(boot):
    """The hostile driver's every case breaks its device, lowvisord names
    each break in its log, and a reset mends it: the driver's correct read
    after them all gets the file's sector.  Meanwhile the Linux guest reads
    its whole disk in a loop, every read with the file's md5; afterwards
    lowvisord still runs, reports the Linux disk "driver ok", and a read
    from the Linux guest, uncached, gets the file again."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-hostile.itb")]),
             timeout=300)
    b.expect(rf"(?<!\| )lvinit: test disks made: {DISK_MD5}  /tmp/disk\.img\r*\n")
    b.expect(r"(?<!\| )lvinit: lowvisord started for /etc/lowvisord\.conf")
    b.expect(r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", timeout=200)
    assert re.search(r"linux\| \[[ \d.]+\] virtio_blk virtio0: \[vda\] 8192 512-byte logical "
                     r"blocks", b.transcript())
    assert "hostile| # vhostile: type g to start" in b.transcript()
    b.child.sendline("")
    b.expect(MGMT_PROMPT, timeout=60)
    out = own(mshell(b, "cat /tmp/lowvisord.log"))
    for line in ("lowvisord: vm 1 (linux) device 0: virtio-blk /tmp/disk.img, 8192 sectors, "
                 "read-write",
                 "lowvisord: vm 2 (hostile) device 0: virtio-blk /tmp/disk.img, 8192 sectors, "
                 "read-only",
                 "lowvisord: serving"):
        assert line in out, out
    assert not [l for l in out if "broken" in l], out

    # The Linux guest reads its whole disk, uncached, until /tmp/stop.
    focus(b, "linux")
    mshell(b, "(n=0; while [ ! -e /tmp/stop ]; do n=$((n + 1)); "
              "echo 3 >/proc/sys/vm/drop_caches; echo \"read $n $(md5sum </dev/vda)\"; "
              "done) &")
    assert b.expect(READ, timeout=120).group(2) == DISK_MD5

    # The hostile driver, given its go.
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'hostile'")
    b.child.send("g")
    expect_read(b, 0)
    first = len(b.transcript())
    for name, _ in CASES:
        m = b.expect(rf"vhostile: {name} status 0x([0-9a-f]+) isr 0x([0-9a-f]+) irq (\S+), "
                     r"reset 0x([0-9a-f]+), set up 0x([0-9a-f]+)\r*\n", timeout=60)
        status, isr, irq, after_reset, after_setup = m.groups()
        assert int(status, 16) & NEEDS_RESET, (name, m.group(0))
        assert int(isr, 16) & INT_CONFIG and irq == str(IRQ), (name, m.group(0))
        assert (int(after_reset, 16), int(after_setup, 16)) == (0, SET_UP), (name, m.group(0))
    expect_read(b, 8191)
    b.expect(r"# vhostile: 12 passed, 0 failed\r*\n")
    b.expect(r"lowvisor: vm 'hostile': stopped \(PSCI SYSTEM_OFF\)")
    during = b.transcript()[first:]
    assert "not ok" not in during, during

    focus(b, "mgmt")
    out = own(mshell(b, "cat /tmp/lowvisord.log; pidof lowvisord >/dev/null; echo rc=$?"))
    assert out[-2] == "rc=0", out
    # One break per case, of hostile's device, in order; none of linux's.
    breaks = [l for l in out if "broken" in l]
    assert len(breaks) == len(CASES), out
    for line, (name, why) in zip(breaks, CASES):
        assert re.fullmatch(rf"lowvisord: vm 2 device 0: broken until the driver resets it: "
                            rf"{why}", line), (name, line)
    # The Linux guest's disk served on; hostile, powered off, is stopped.
    assert devices(b) == ["driver ok", "vm stopped"]

    focus(b, "linux")
    out = own(mshell(b, "touch /tmp/stop; wait; echo 3 >/proc/sys/vm/drop_caches; "
                        "md5sum /dev/vda", timeout=120))
    assert f"{DISK_MD5}  /dev/vda" in out, out
    reads = re.findall(READ, b.transcript())
    assert reads and all(md5 == DISK_MD5 for _, md5 in reads), reads
    # Some of them came while the hostile driver broke its device.
    assert re.search(READ, during.split(f"vhostile: {CASES[-1][0]} ")[0]), during
