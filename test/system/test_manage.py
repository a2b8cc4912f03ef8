# SPDX-License-Identifier: MIT
"""The management partition (configs/manage.its, `make run`'s demo system
with progress to watch): Debian's armmp Linux with lowvisor.ko and
lowvisorctl drives a second Linux and a bare-metal guest from its shell.
The console is in focus mode on the management VM: its output comes
unprefixed, the others' lines behind "linux| " and "ticker| "."""
import hashlib
import os
import random
import re

import pexpect

from conftest import BUILD, qemu_cmd

# The management VM's prompt: not one of the other VMs' lines.
MGMT_PROMPT = r"(?<!\| )lvguest# "
TICK = r"linux\| (?:\S+ )?tick (\d+) lowvisor-irq (\d+)\r*\n"


def mshell(b, line, timeout=30):
    """Types a command at the management shell; returns what came before
    the next prompt (other VMs' lines included)."""
    b.child.sendline(line)
    b.expect(MGMT_PROMPT, timeout=timeout)
    out = b.child.before.replace("\r", "")
    return out.split(line, 1)[-1]


def seen_or_expect(b, pattern, timeout, since=None):
    """Waits for pattern unless the transcript has it already (after the
    last `since`, if given): another VM's line may have come while a
    command's output was being read."""
    seen = b.transcript()
    if since is not None:
        seen = seen.rsplit(since, 1)[-1] if since in seen else ""
    if not re.search(pattern, seen):
        b.expect(pattern, timeout=timeout)


def own_lines(out):
    """The management VM's own lines of some output."""
    return [l for l in out.split("\n") if not re.match(r"(linux|ticker|mgmt)\| ", l)]


def test_lowvisorctl_drives_the_other_vms(boot):
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "manage.itb")]),
             timeout=300)
    b.expect(r"console: input goes to vm 'mgmt'")
    b.expect(r"\] lowvisor: management partition of Lowvisor \(ABI 0\.3\), 3 VMs")
    b.expect(r"(?<!\| )lvinit: lowvisor\.ko loaded")
    b.expect(MGMT_PROMPT, timeout=60)
    b.child.sendline("")  # settles busybox's cursor query
    b.expect(MGMT_PROMPT)
    b.expect(TICK, timeout=120)
    assert b.child.match.group(2) == "0"
    # The same module refused the Linux guest, which is not `management`
    # (its lines came whenever that VM got there).
    log = b.transcript()
    assert "linux| lvinit: lowvisor.ko did not load:" in log
    assert re.search(r"linux\| .*lowvisor: this VM is not Lowvisor's management partition", log)

    listing = own_lines(mshell(b, "lowvisorctl list"))
    rows = {m.group(2): m.groups() for m in
            (re.match(r"\s*(\d+)\s+(\S+)\s+(\S+)\s+(\d+)\s+(\d+) MiB", l) for l in listing) if m}
    assert rows["mgmt"] == ("0", "mgmt", "running", "1", "256"), listing
    assert rows["linux"] == ("1", "linux", "running", "1", "256"), listing
    assert rows["ticker"] == ("2", "ticker", "running", "1", "4"), listing

    # SPI 80 of the guest's DT is interrupt ID 112: three edges, each
    # counted before the next (an edge that comes while the last one is
    # still pending is one interrupt, as on a GIC: a loaded host may not run
    # the Linux VM's CPU in between).
    for n in (1, 2, 3):
        out = mshell(b, "lowvisorctl irq linux spi 112 1 && lowvisorctl irq linux spi 112 0 "
                        "&& echo rc=$?")
        assert "rc=0" in own_lines(out), out
        b.expect(rf"linux\| (?:\S+ )?tick \d+ lowvisor-irq {n}\r*\n", timeout=15)
    # The VM by id works the same.
    out = mshell(b, "lowvisorctl irq 1 spi 112 1; lowvisorctl irq 1 spi 112 0; echo rc=$?")
    assert "rc=0" in own_lines(out), out
    b.expect(r"linux\| (?:\S+ )?tick \d+ lowvisor-irq 4\r*\n", timeout=15)

    # A PPI of its vCPU 0 and its own IRQ line, raised and lowered.
    out = mshell(b, "lowvisorctl irq linux ppi 0 20 1 && lowvisorctl irq linux ppi 0 20 0 && "
                    "lowvisorctl irq linux line 0 irq 1 && lowvisorctl irq linux line 0 irq 0 && "
                    "echo rc=$?")
    assert "rc=0" in own_lines(out), out

    # Errors reach the shell as words, with a non-zero exit status.
    for cmd, words, rc in (
            ("lowvisorctl irq nosuch spi 112 1", "nosuch: no such VM", 1),
            ("lowvisorctl irq 7 spi 112 1", "no such VM", 1),
            ("lowvisorctl irq linux spi 2000 1", "invalid argument", 1),
            ("lowvisorctl irq linux ppi 1 20 1", "invalid argument", 1),
            ("lowvisorctl irq linux line 0 nmi 1", "line 'nmi': must be irq or fiq", 2),
            ("lowvisorctl irq linux spi 112 2", "level '2': must be 0 or 1", 2),
            ("lowvisorctl stop mgmt", "invalid argument", 1),
            ("lowvisorctl frobnicate", "unknown command 'frobnicate'", 2)):
        out = "\n".join(own_lines(mshell(b, f"{cmd}; echo rc=$?")))
        assert words in out and f"rc={rc}" in out, (cmd, out)
    out = mshell(b, "lowvisorctl --help; echo rc=$?")
    assert "usage: lowvisorctl COMMAND" in out and "irq VM spi INTID 0|1" in out and "rc=0" in out

    # Pause: the Linux guest's ticks stop (the ticker's on the same CPU go
    # on), and the list says so; resume: they go on from the next one.  The
    # call returns once the VM is out of the guest: every tick it printed is
    # out before the prompt, none comes after it until the resume.
    mshell(b, "lowvisorctl pause linux")
    last = int(re.findall(TICK, b.transcript())[-1][0])
    b.child.sendline("lowvisorctl list")
    b.expect(MGMT_PROMPT)
    during = b.child.before
    assert re.search(r"linux\s+paused", during), during
    # Three ticks of the ticker after that: two seconds of its virtual
    # time, in which Linux, ticking every second, would have printed one.
    for _ in range(3):
        b.expect(r"ticker\| tick \d+\r*\n")
        during += b.child.before + b.child.after
    b.child.sendline("lowvisorctl resume linux")
    b.expect(r"lowvisorctl resume linux\r*\n")
    during += b.child.before
    assert not re.search(r"linux\| (?:\S+ )?tick", during), during
    # Its first tick and the next prompt, in either order.
    first, prompt = None, False
    while first is None or not prompt:
        if b.child.expect([TICK, MGMT_PROMPT], timeout=15) == 1:
            prompt = True
        elif first is None:
            first = b.child.match
    resumed = int(first.group(1))
    assert resumed == last + 1 and first.group(2) == "4", (last, first.group(0))
    assert resumed >= 2

    # Reset: the Linux guest boots again from its images to its shell, with
    # a fresh count.
    mshell(b, "lowvisorctl reset linux")
    b.expect(r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", timeout=120)
    # Its first tick and its shell's prompt, in either order: the prompt is
    # an unfinished line of a VM without the focus, out with the next tick.
    b.expect(r"linux\| [^\n]*tick 1 lowvisor-irq 0\r*\n", timeout=60)
    since_reset = b.transcript().rsplit("vm 'linux': reset (boot 1)", 1)[1]
    if not re.search(r"linux\| lvguest# ", since_reset):
        b.expect(r"linux\| lvguest# ", timeout=30)

    # Stop the ticker: the hypervisor says so and the list shows it.
    assert "vm 'ticker': stopped (stopped by the management partition)" in \
        mshell(b, "lowvisorctl stop ticker")
    assert re.search(r"ticker\s+stopped", mshell(b, "lowvisorctl list"))


def test_a_linux_device_model_answers_an_unmodified_guest(boot):
    """The device-model path through Linux (configs/linux-ioreq.its): the
    management Linux's lowvisor.ko takes the ring, and lvdev (user space)
    answers an unmodified Debian guest's virtio-mmio probe of its window:
    the magic, the version, and DeviceID 0, after which the guest's driver
    goes away.  Then lvdev maps the guest's RAM and finds a line the guest
    printed."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-ioreq.itb")]),
             timeout=300)
    b.expect(r"\] lowvisor: backend of virtio devices: 1 slots\r*\n")
    b.expect(r"(?<!\| )lvinit: lvdev serving")
    b.expect(MGMT_PROMPT, timeout=60)
    b.child.sendline("")
    b.expect(MGMT_PROMPT)
    b.expect(r"linux\| (?:\S+ )?tick 3\r*\n", timeout=120)
    log = own_lines(mshell(b, "cat /tmp/lvdev.log"))
    reads = [l for l in log if l.startswith("lvdev: vm 1 vcpu 0 read ")]
    assert "lvdev: vm 1 vcpu 0 read 0x0a000000 (4) -> 0x74726976" in reads, log
    assert "lvdev: vm 1 vcpu 0 read 0x0a000004 (4) -> 0x00000002" in reads, log
    assert "lvdev: vm 1 vcpu 0 read 0x0a000008 (4) -> 0x00000000" in reads, log
    # DeviceID 0: the driver read no further registers of the device.
    assert not [l for l in log if re.match(r"lvdev: vm 1 vcpu 0 (read|write) 0x0a0000[1-9a-f]", l)], log
    out = own_lines(mshell(b, 'lvdev find 1 "tick 2"; echo rc=$?'))
    assert any(re.match(r"lvdev: found 'tick 2' in vm 1's RAM at offset 0x[0-9a-f]+$", l)
               for l in out), out
    assert "rc=0" in out, out
    # With no device model running, the guest's access waits (its one vCPU
    # off its CPU) and the management VM lists it so; a device model
    # started again picks the access up and the guest goes on.
    assert "rc=0" in own_lines(mshell(b, "killall lvdev; echo rc=$?"))
    b.child.send("\x01\x01" * 3)  # Ctrl-A three times, doubled for QEMU
    b.expect(r"console: input goes to vm 'linux'")
    b.child.sendline("devmem 0x0a00000c")
    b.child.send("\x01\x01" * 3)
    b.expect(r"console: input goes to vm 'mgmt'")
    # The guest's shell runs devmem in its own time (a loaded host may
    # not run its CPU at once): the list is asked again until it waits.
    for _ in range(30):
        listing = own_lines(mshell(b, "lowvisorctl list"))
        if any(re.match(r"\s*1\s+linux\s+running\s+1\s+256 MiB  1 vCPU waiting for a device "
                        r"backend$", l) for l in listing):
            break
        mshell(b, "sleep 0.5")
    else:
        assert False, listing
    mshell(b, "lvdev serve >/tmp/lvdev2.log 2>&1 &")
    b.expect(r"linux\| 0x564F4C4C\r*\n", timeout=30)
    listing = own_lines(mshell(b, "lowvisorctl list"))
    assert not [l for l in listing if "waiting" in l], listing
    # The guest's reset revokes the mapping before its RAM is zeroed: mapped
    # afresh, the RAM holds nothing of the last boot (it is too early for
    # the new one's tick 2).
    out = own_lines(mshell(b, "lowvisorctl reset linux; echo rc=$?"))
    assert "rc=0" in out, out
    out = own_lines(mshell(b, 'lvdev find 1 "tick 2"; echo rc=$?', timeout=60))
    assert "lvdev: 'tick 2' not in vm 1's 256 MiB" in out and "rc=1" in out, out
    # A VM it backs no device of is refused.
    out = own_lines(mshell(b, "lvdev find 0 x; echo rc=$?"))
    assert "lvdev: map vm 0: Operation not permitted" in out, out
    b.expect(r"linux\| (?:\S+ )?tick \d+\r*\n", timeout=60)  # the guest runs on (boots again)


# /etc/testfs.img's KNOWN.TXT (tools/linux/linux-tools.mk): 1 to 20000.
KNOWN_MD5 = hashlib.md5(b"".join(b"%d\n" % i for i in range(1, 20001))).hexdigest()
# /tmp/disk.img of configs/linux-blk.its (test/linux/lvinit-testdisks.sh).
DISK_MD5 = hashlib.md5(b"".join(b"%-511d\n" % i for i in range(8192))).hexdigest()
# /tmp/ro.img, the disk on the legacy transport.
RO_MD5 = hashlib.md5(b"".join(b"ro %-508d\n" % i for i in range(2048))).hexdigest()


def focus(b, vm):
    """Moves the console's input to vm (the next one) and waits for its prompt."""
    b.child.send("\x01\x01" * 3)  # Ctrl-A three times, doubled for QEMU
    b.expect(rf"console: input goes to vm '{vm}'")
    # A line of its own after any prompt it printed before.  Not anchored
    # at the line's end: a kernel message ("hrtimer: interrupt took ..." on
    # a loaded host) may follow on the same line, before the prompt.
    b.child.sendline("echo focus-on-$((6 * 7))")
    b.expect(r"focus-on-42")
    b.expect(MGMT_PROMPT)


def test_lowvisord_serves_an_unmodified_guest_its_disks(boot):
    """lowvisord (configs/linux-blk.its), started by the management
    initramfs, serves an unmodified Debian guest two virtio-blk disks from
    files the management Linux made at boot: the guest reads the first
    whole (its checksum is the file's), finds its id and the second one
    read-only, writes a sector and syncs; the management Linux sees the
    write in its file; the guest, reset, reads it back.  The second disk is
    on the legacy virtio-mmio transport (version 1, `,legacy`), which the
    guest's virtio_mmio drives as such (no VIRTIO_F_VERSION_1 negotiated):
    the guest reads it whole, before and after its reset.  A third window,
    not configured, is a transport without a device.  The fourth disk is a
    FAT file system (testfs.img): the guest mounts it, checks a known
    file's checksum, writes a file and syncs, and after its reset mounts it
    again and reads the file back.  `lowvisorctl devices` lists the four
    with the daemon's state of each; a SPEC naming a device the guest does
    not have, or its disk as a net device, stops a second lowvisord at its
    start."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-blk.itb")]),
             timeout=300)
    b.expect(rf"(?<!\| )lvinit: test disks made: {DISK_MD5}  /tmp/disk\.img\r*\n")
    b.expect(r"(?<!\| )lvinit: lowvisord started for /etc/lowvisord\.conf")
    b.expect(r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", timeout=200)
    log = b.transcript()
    assert re.search(r"linux\| \[[ \d.]+\] virtio_blk virtio0: \[vda\] 8192 512-byte logical "
                     r"blocks", log), log
    assert re.search(r"linux\| \[[ \d.]+\] virtio_blk virtio1: \[vdb\] 2048 512-byte logical "
                     r"blocks", log), log
    # The window without a device takes no virtio index: the file system's
    # is virtio2.
    assert re.search(r"linux\| \[[ \d.]+\] virtio_blk virtio2: \[vdc\] 8192 512-byte logical "
                     r"blocks", log), log
    assert "virtio3" not in log
    b.child.sendline("")
    b.expect(MGMT_PROMPT, timeout=60)
    out = own_lines(mshell(b, "cat /tmp/lowvisord.log"))
    for line in ("lowvisord: vm 1 (linux) device 0: virtio-blk /tmp/disk.img, 8192 sectors, "
                 "read-write",
                 "lowvisord: vm 1 (linux) device 1: virtio-blk /tmp/ro.img, 2048 sectors, "
                 "read-only",
                 "lowvisord: vm 1 (linux) device 1: legacy virtio-mmio (version 1)",
                 "lowvisord: vm 1 (linux) device 2: block device with no backing (no SPEC): "
                 "answers as no device",
                 "lowvisord: vm 1 (linux) device 3: virtio-blk /etc/testfs.img, 8192 sectors, "
                 "read-write",
                 "lowvisord: serving"):
        assert line in out, out
    # It knew its own VM (from its DT): every backend was checked.
    assert not [l for l in out if "not checked" in l], out

    focus(b, "linux")
    out = own_lines(mshell(b, "md5sum /dev/vda; cat /sys/block/vda/serial; echo; "
                              "cat /sys/block/vda/ro /sys/block/vdb/ro", timeout=120))
    assert f"{DISK_MD5}  /dev/vda" in out, out
    assert out[-4:-1] == ["disk.img", "0", "1"], out
    # The legacy disk: whole, and its driver without VIRTIO_F_VERSION_1
    # (bit 32 of the features the guest negotiated), the other's with it.
    out = own_lines(mshell(b, "md5sum /dev/vdb; cat /sys/bus/virtio/devices/virtio0/features "
                              "/sys/bus/virtio/devices/virtio1/features", timeout=60))
    assert f"{RO_MD5}  /dev/vdb" in out, out
    features = [l for l in out if re.fullmatch(r"[01]{64}", l)]
    assert [f[32] for f in features] == ["1", "0"], out
    # Throughput, for the record: the whole disk again, uncached.
    print(own_lines(mshell(b, "echo 3 >/proc/sys/vm/drop_caches; "
                              "time dd if=/dev/vda of=/dev/null bs=64k", timeout=120)))
    token = "lowvisord-%08x" % random.getrandbits(32)
    out = own_lines(mshell(b, f"echo {token} | dd of=/dev/vda bs=512 seek=100 conv=fsync "
                              "&& sync; echo rc=$?", timeout=60))
    assert "rc=0" in out, out
    out = own_lines(mshell(b, "echo x | dd of=/dev/vdb 2>/dev/null; echo rc=$?"))
    assert "rc=1" in out, out
    read_back = "dd if=%s bs=512 skip=100 count=1 2>/dev/null | head -n 1"
    # The file system: its known file, and a file written and synced.
    out = own_lines(mshell(b, "mkdir -p /mnt && mount -t vfat /dev/vdc /mnt && "
                              f"md5sum /mnt/known.txt && echo {token} >/mnt/written.txt && "
                              "sync && umount /mnt; echo rc=$?", timeout=60))
    assert f"{KNOWN_MD5}  /mnt/known.txt" in out and "rc=0" in out, out

    focus(b, "mgmt")
    assert token in own_lines(mshell(b, read_back % "/tmp/disk.img"))
    # A SPEC against the guest's configuration: words on stderr, status 1,
    # and the running daemon untouched.
    out = own_lines(mshell(b, "lowvisord blk:linux:9=/tmp/x >/tmp/out 2>/tmp/err; echo rc=$?; "
                              "cat /tmp/err; echo out:; cat /tmp/out"))
    assert out[-4:-1] == ["rc=1", "lowvisord: vm 'linux' device 9 does not exist: vm 'linux' "
                          "has 4 devices", "out:"], out
    out = own_lines(mshell(b, "lowvisord net:linux:0=lan >/tmp/out 2>/tmp/err; echo rc=$?; "
                              "cat /tmp/err; echo out:; cat /tmp/out"))
    assert out[-4:-1] == ["rc=1", "lowvisord: vm 'linux' device 0 is a block device, not net",
                          "out:"], out
    assert_devices(b, ["driver ok", "driver ok", "no backing", "driver ok"])
    out = own_lines(mshell(b, "lowvisorctl reset linux; echo rc=$?"))
    assert "rc=0" in out, out
    seen_or_expect(b, r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", 200,
                   since="vm 'linux': reset (boot 1)")
    since_reset = b.transcript().rsplit("vm 'linux': reset (boot 1)", 1)[1]
    assert re.search(r"virtio_blk virtio0: \[vda\] 8192 512-byte", since_reset), since_reset
    assert re.search(r"virtio_blk virtio1: \[vdb\] 2048 512-byte", since_reset), since_reset

    focus(b, "linux")
    out = own_lines(mshell(b, (read_back % "/dev/vda") + "; md5sum /dev/vdb", timeout=60))
    assert token in out, out
    assert f"{RO_MD5}  /dev/vdb" in out, out
    out = own_lines(mshell(b, "mkdir -p /mnt && mount -t vfat /dev/vdc /mnt && "
                              "cat /mnt/written.txt && md5sum /mnt/known.txt && umount /mnt; "
                              "echo rc=$?", timeout=60))
    assert out[-4:-1] == [token, f"{KNOWN_MD5}  /mnt/known.txt", "rc=0"], out

    focus(b, "mgmt")
    out = own_lines(mshell(b, "cat /tmp/lowvisord.log; pidof lowvisord >/dev/null; echo rc=$?"))
    assert "rc=0" in out, out
    assert not [l for l in out if "broken" in l], out
    # Mapped again after the reset, at the same offset: lowvisor.ko places a
    # frontend's RAM where a revoked mapping was.
    maps = [l for l in out if "'s RAM (" in l]
    assert maps == ["lowvisord: vm 1's RAM (256 MiB at 0x40000000) mapped from offset "
                    "0x80000000"] * 2, out
    assert_devices(b, ["driver ok", "driver ok", "no backing", "driver ok"])
    # With the daemon gone, no state.
    assert "rc=0" in own_lines(mshell(b, "killall lowvisord; sleep 1; echo rc=$?"))
    assert_devices(b, ["-", "-", "-", "-"])


RECORDS = 600
RECORDS_AT = 2048  # the first sector of the records on /dev/vda


def test_lowvisord_killed_and_restarted_loses_no_acknowledged_write(boot):
    """lowvisord (configs/linux-blk.its) killed with SIGKILL twice while an
    unmodified Debian guest writes RECORDS sectors to its disk one at a
    time, each with fsync, and reads its other disk in a loop: the guest's
    I/O waits while no daemon runs, and a new lowvisord takes the devices
    over from the state files the last one left.  Between the two, a
    request read from /dev/lowvisor by a program that exits without
    completing it goes to the next daemon (lowvisor.ko hands it out
    again).  Every record is on the disk when the guest's writer is done,
    with no I/O error, in the management Linux's file and read back by the
    guest."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-blk.itb")]),
             timeout=300)
    b.expect(r"(?<!\| )lvinit: lowvisord started for /etc/lowvisord\.conf")
    b.expect(r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", timeout=200)
    b.child.sendline("")
    b.expect(MGMT_PROMPT, timeout=60)
    records = b"".join(b"w%-510d\n" % i for i in range(RECORDS))
    want = hashlib.md5(records).hexdigest()
    region = f"bs=512 skip={RECORDS_AT} count={RECORDS} 2>/dev/null | md5sum"

    focus(b, "linux")
    mshell(b, "(i=0; while [ $i -lt %d ]; do printf 'w%%-510d\\n' $i | "
              "dd of=/dev/vda bs=512 seek=$((%d + i)) conv=fsync 2>/dev/null || "
              "echo WRITE-FAILED $i; i=$((i + 1)); done; echo WRITER-DONE) &" %
           (RECORDS, RECORDS_AT))
    # dmesg -n 4: drop_caches says so at each turn; I/O errors still show.
    mshell(b, "dmesg -n 4; (while [ ! -e /tmp/stop ]; do echo 1 >/proc/sys/vm/drop_caches; "
              "dd if=/dev/vdb of=/dev/null bs=4k count=1 2>/dev/null; done; "
              "echo READER-DONE) &")

    focus(b, "mgmt")
    restarted = "lowvisord >>/tmp/lowvisord.log 2>&1 & sleep 3; echo restarted"
    # A request taken by a reader that exits (dd) goes to the next daemon.
    out = own_lines(mshell(b, "kill -9 $(pidof lowvisord); sleep 1; timeout 20 dd "
                              "if=/dev/lowvisor of=/tmp/req bs=4096 count=1 2>/dev/null; "
                              "wc -c </tmp/req", timeout=60))
    assert out[-2].strip() == "32", out  # one struct lowvisor_mmio
    assert "restarted" in own_lines(mshell(b, restarted))
    assert "restarted" in own_lines(mshell(b, "kill -9 $(pidof lowvisord); sleep 2; " +
                                          restarted))
    # Both kills while the writer was at work.
    assert "linux| WRITER-DONE" not in b.transcript().replace("\r", "")
    # One daemon at a time.
    out = own_lines(mshell(b, "lowvisord >/tmp/out 2>/tmp/err; echo rc=$?; cat /tmp/err"))
    assert out[-3:-1] == ["rc=1", "lowvisord: another lowvisord is serving (stop it first)"], out
    seen_or_expect(b, r"linux\| WRITER-DONE\r*\n", 300)
    log = b.transcript()
    assert not re.search(r"WRITE-FAILED \d", log), log
    assert not re.search(r"linux\| .*I/O error", log), log

    out = own_lines(mshell(b, f"dd if=/tmp/disk.img {region}; cat /tmp/lowvisord.log"))
    assert f"{want}  -" in out, out
    for dev in (0, 1):
        assert out.count(f"lowvisord: vm 1 (linux) device {dev}: taken over from the last "
                         "lowvisord: driver ok") == 2, out
    assert not [l for l in out if "broken" in l], out
    assert_devices(b, ["driver ok", "driver ok", "no backing", "driver ok"])

    focus(b, "linux")
    out = own_lines(mshell(b, f"touch /tmp/stop; echo 3 >/proc/sys/vm/drop_caches; "
                              f"dd if=/dev/vda {region}", timeout=120))
    assert f"{want}  -" in out, out
    # The reader, whose request went through dd, was not left waiting.
    seen_or_expect(b, r"(?<!echo )READER-DONE\r*\n", 60)


def assert_devices(b, states):
    """`lowvisorctl devices` lists the guest's windows of
    configs/linux-blk.its, served by mgmt, in the states given (one for
    each), and nothing else."""
    out = own_lines(mshell(b, "lowvisorctl devices; echo rc=$?"))
    rows = [l for l in out if re.match(r"\s*\d+\s", l)]
    assert out[-2] == "rc=0", out
    assert " id  vm                   dev  type     backend              window      irq  state" \
        in out, out
    assert len(rows) == len(states), out
    for i, (row, state) in enumerate(zip(rows, states)):
        assert re.fullmatch(rf"  1  linux\s+{i}  block    mgmt\s+0x0a000{2 * i}00 +{48 + i}  "
                            rf"{re.escape(state)}", row), (i, state, out)


def net_lines(out):
    """The focused VM's own lines of some output: not the other VMs'."""
    return [l for l in out.split("\n") if not re.match(r"(net-a|net-b|mgmt)\| ", l)]


def assert_net_devices(b, states):
    """`lowvisorctl devices` lists net-a's and net-b's one window each of
    configs/linux-net.its, net devices served by mgmt, in the states
    given, and nothing else."""
    out = net_lines(mshell(b, "lowvisorctl devices; echo rc=$?"))
    rows = [l for l in out if re.match(r"\s*\d+\s", l)]
    assert out[-2] == "rc=0", out
    assert len(rows) == 2, out
    for vm, (row, state, name) in enumerate(zip(rows, states, ("net-a", "net-b")), start=1):
        assert re.fullmatch(rf"  {vm}  {name}\s+0  net      mgmt\s+0x0a000000 +48  "
                            rf"{re.escape(state)}", row), (vm, state, out)


def test_lowvisord_switches_a_network_of_unmodified_guests(boot):
    """lowvisord (configs/linux-net.its), started by the management
    initramfs, gives two unmodified Debian guests a virtio-net device each
    on one network, a learning switch that the management Linux joins
    through a TAP device: with addresses typed at their shells, guest A
    pings guest B, and the management Linux pings both; `lowvisorctl
    devices` lists both devices with the driver ok, and a blk: SPEC for
    one stops a second lowvisord at its start.  B, reset, loses its RAM
    under the daemon, which goes on switching and serves B again once it
    is up."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-net.itb")]),
             timeout=300)
    b.expect(r"(?<!\| )lvinit: lowvisord started for /etc/lowvisord\.conf")
    up = set()
    while len(up) < 2:  # in either order
        b.expect(r"(net-a|net-b)\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", timeout=300)
        up.add(b.child.match.group(1))
    b.child.sendline("")
    b.expect(MGMT_PROMPT, timeout=60)
    out = net_lines(mshell(b, "cat /tmp/lowvisord.log"))
    for line in ("lowvisord: network lan: TAP device lv0",
                 "lowvisord: vm 1 (net-a) device 0: virtio-net on network lan, "
                 "52:4c:56:00:01:00",
                 "lowvisord: vm 2 (net-b) device 0: virtio-net on network lan, "
                 "52:4c:56:00:0b:0b",
                 "lowvisord: serving"):
        assert line in out, out

    for vm, host, mac in (("net-a", 1, "52:4c:56:00:01:00"), ("net-b", 2, "52:4c:56:00:0b:0b")):
        focus(b, vm)
        out = net_lines(mshell(b, f"ip addr add 10.0.15.{host}/24 dev eth0 && "
                                  "ip link set eth0 up && cat /sys/class/net/eth0/address"))
        assert mac in out, out

    focus(b, "mgmt")
    mshell(b, "ip addr add 10.0.15.254/24 dev lv0 && ip link set lv0 up; echo rc=$?")
    for host in (1, 2):
        b.child.sendline(f"ping -c 3 10.0.15.{host}")
        b.expect(rf"(?<!\| )64 bytes from 10\.0\.15\.{host}: seq=0 ttl=64 time=[\d.]+ ms\r*\n",
                 timeout=60)
        b.expect(r"(?<!\| )3 packets transmitted, 3 packets received, 0% packet loss\r*\n",
                 timeout=60)
        b.expect(MGMT_PROMPT)

    focus(b, "net-a")
    b.child.sendline("ping -c 3 10.0.15.2")
    b.expect(r"(?<!\| )64 bytes from 10\.0\.15\.2: seq=0 ttl=64 time=[\d.]+ ms\r*\n", timeout=60)
    b.expect(r"(?<!\| )3 packets transmitted, 3 packets received, 0% packet loss\r*\n",
             timeout=60)
    b.expect(MGMT_PROMPT)

    focus(b, "net-b")
    focus(b, "mgmt")
    out = net_lines(mshell(b, "cat /tmp/lowvisord.log; pidof lowvisord >/dev/null; echo rc=$?"))
    assert "rc=0" in out, out
    assert not [l for l in out if "broken" in l], out
    # It knew its own VM (from its DT): every backend was checked.
    assert not [l for l in out if "not checked" in l], out
    assert_net_devices(b, ["driver ok", "driver ok"])
    # A blk: SPEC for a net device: words on stderr, status 1, and the
    # running daemon untouched.
    out = net_lines(mshell(b, "lowvisord blk:net-a:0=/tmp/x >/tmp/out 2>/tmp/err; echo rc=$?; "
                              "cat /tmp/err; echo out:; cat /tmp/out"))
    assert out[-4:-1] == ["rc=1", "lowvisord: vm 'net-a' device 0 is a net device, not block",
                          "out:"], out

    # B reset: its RAM goes from under the daemon, which floods it A's ARP
    # answer's question (a broadcast) all the same, and goes on; B, up
    # again, is reached again.
    out = net_lines(mshell(b, "lowvisorctl reset net-b; echo rc=$?"))
    assert "rc=0" in out, out
    b.child.sendline("ip neigh flush dev lv0; ping -c 3 10.0.15.1")
    b.expect(r"(?<!\| )3 packets transmitted, 3 packets received, 0% packet loss\r*\n",
             timeout=60)
    b.expect(MGMT_PROMPT)
    seen_or_expect(b, r"net-b\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", 300,
                   since="vm 'net-b': reset")
    focus(b, "net-a")
    focus(b, "net-b")
    mshell(b, "ip addr add 10.0.15.2/24 dev eth0 && ip link set eth0 up")
    focus(b, "mgmt")
    b.child.sendline("ping -c 3 10.0.15.2")
    b.expect(r"(?<!\| )3 packets transmitted, 3 packets received, 0% packet loss\r*\n",
             timeout=60)
    b.expect(MGMT_PROMPT)
    out = net_lines(mshell(b, "cat /tmp/lowvisord.log; pidof lowvisord >/dev/null; echo rc=$?"))
    assert "rc=0" in out, out
    assert not [l for l in out if "broken" in l], out
    assert "lowvisord: vm 2's RAM went away (reset or stopped): its devices reset" in out, out
    assert_net_devices(b, ["driver ok", "driver ok"])

    # lowvisord killed and started again: the devices and lv0, address and
    # all, are taken over; both guests answer again, nothing set up anew.
    out = net_lines(mshell(b, "kill -9 $(pidof lowvisord); sleep 1; ip -o addr show lv0; "
                              "lowvisord >>/tmp/lowvisord.log 2>&1 & sleep 3; "
                              "cat /tmp/lowvisord.log"))
    assert [l for l in out if re.match(r"\d+: lv0\s+inet 10\.0\.15\.254/24 ", l)], out
    for vm in ("1 (net-a)", "2 (net-b)"):
        assert f"lowvisord: vm {vm} device 0: taken over from the last lowvisord: driver ok" \
            in out, out
    for peer in ("10.0.15.1", "10.0.15.2"):
        b.child.sendline(f"ping -c 3 {peer}")
        b.expect(r"(?<!\| )3 packets transmitted, 3 packets received, 0% packet loss\r*\n",
                 timeout=60)
        b.expect(MGMT_PROMPT)
    assert_net_devices(b, ["driver ok", "driver ok"])


def test_lowvisord_console_reaches_a_guest_shell(boot):
    """lowvisord (configs/linux-console.its), started from the management
    shell with con:linux:0, serves an unmodified Debian guest a
    virtio-console whose hvc0 runs a shell: `lowvisorctl console linux`
    with a command on stdin (a pipe, not a terminal) gets the shell's
    answer back; attached from the management shell's terminal, it passes
    the keys until Ctrl-] and leaves the terminal as it was; and
    `lowvisorctl devices` shows the console driver ok."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-console.itb")]),
             timeout=300)
    b.expect(r"(?<!\| )lvinit: lowvisor\.ko loaded")
    b.expect(MGMT_PROMPT, timeout=60)
    b.child.sendline("")  # settles busybox's cursor query
    b.expect(MGMT_PROMPT)
    out = own_lines(mshell(b, "lowvisord con:linux:0 >/tmp/lowvisord.log 2>&1 & sleep 1; "
                              "cat /tmp/lowvisord.log"))
    assert "lowvisord: vm 1 (linux) device 0: virtio-console on "  \
        "/run/lowvisord/console-linux-0" in out, out
    # The guest may be up before the command above has answered.
    seen_or_expect(b, r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", 200)
    seen_or_expect(b, r"linux\| lvinit: a shell on /dev/hvc0\r*\n", 60)
    # The guest's prompt comes through the console too: shown with '#'
    # turned '%', not to be taken for the management shell's.
    cmd = ("echo 'echo hvc-$((6*7))' | lowvisorctl console linux >/tmp/con.out; echo rc=$?; "
           "tr '#' '%' </tmp/con.out")
    for _ in range(5):
        out = mshell(b, cmd, timeout=60)
        if re.search(r"\nhvc-42\r*\n", out):
            break
    assert "rc=0" in own_lines(out), out
    assert re.search(r"\nhvc-42\r*\n", out), out
    # From the management shell's terminal: raw mode, the keys go to the
    # guest until Ctrl-], and the terminal is as it was after.
    b.child.sendline("lowvisorctl console linux")
    b.expect(r"lowvisorctl: vm 'linux' console 0; Ctrl-\] leaves\r*\n")
    b.child.send("echo tty-$((6*7))\r")
    b.expect(r"\ntty-42\r*\n", timeout=30)
    b.child.send("\x1d")
    b.expect(r"lowvisorctl: left vm 'linux' console 0\r*\n")
    b.expect(MGMT_PROMPT)
    out = own_lines(mshell(b, "stty -a 2>/dev/null | tr ' ' '\\n' | grep -x -- '-\\?icanon'"))
    assert "icanon" in out, out
    out = own_lines(mshell(b, "lowvisorctl devices; echo rc=$?"))
    rows = [l for l in out if re.match(r"\s*\d+\s", l)]
    assert len(rows) == 1, out
    assert re.fullmatch(r"  1  linux\s+0  console  mgmt\s+0x0a000000 +48  driver ok", rows[0]), out
    # While a client is attached (its stdin open for 3 s, then 2 s quiet),
    # it says so; not after.
    out = own_lines(mshell(b, "sleep 3 | lowvisorctl console linux >/dev/null & sleep 1; "
                              "lowvisorctl devices; sleep 9; lowvisorctl devices", timeout=60))
    rows = [l for l in out if re.match(r"\s*\d+\s", l)]
    assert [r.rsplit("  ", 1)[-1] for r in rows] == ["driver ok, attached", "driver ok"], out
    # A console that is not there: words, status 1.
    out = own_lines(mshell(b, "lowvisorctl console linux 1 </dev/null; echo rc=$?"))
    assert out[-3:-1] == ["lowvisorctl: vm 'linux' has no console device 1 (lowvisorctl "
                          "devices)", "rc=1"], out
    out = own_lines(mshell(b, "cat /tmp/lowvisord.log"))
    assert not [l for l in out if "broken" in l], out


def test_two_management_linuxes_each_serve_a_disk(boot):
    """configs/linux-blk2.its: two management VMs, each running lowvisord,
    each the backend of one of an unmodified Debian guest's disks, from a
    file of its own.  The guest reads both whole and writes a token to
    each; each management Linux finds its own token in its file and not
    the other's; `lowvisorctl devices` in each shows its device served and
    the other's not by it.  With mgmt's lowvisord killed, the guest still
    reads the disk mgmt2 serves, while a read of mgmt's waits; restarted,
    lowvisord takes its device over and the waiting read completes."""
    b = boot(qemu_cmd(smp=2, extra=["-initrd", os.path.join(BUILD, "linux-blk2.itb")]),
             timeout=300)

    def own(out):
        return [l for l in out.split("\n") if not re.match(r"(linux|mgmt|mgmt2)\| ", l)]

    b.expect(r"linux\| LOWVISOR-LINUX-UP release=\S+ cpus=1\r*\n", timeout=200)
    log = b.transcript()
    # Both started their lowvisord (in either order).
    assert re.search(r"(?<!\| )lvinit: lowvisord started for /etc/lowvisord\.conf", log), log
    assert re.search(r"mgmt2\| lvinit: lowvisord started for /etc/lowvisord\.conf", log), log
    for i, vd in ((0, "vda"), (1, "vdb")):
        assert re.search(rf"linux\| \[[ \d.]+\] virtio_blk virtio{i}: \[{vd}\] 8192 512-byte "
                         r"logical blocks", log), log
    b.child.sendline("")
    b.expect(MGMT_PROMPT, timeout=60)

    def devices(backend):
        out = own(mshell(b, "lowvisorctl devices; echo rc=$?"))
        rows = [l for l in out if re.match(r"\s*\d+\s", l)]
        assert out[-2] == "rc=0" and len(rows) == 2, out
        for i, (row, name) in enumerate(zip(rows, ("mgmt", "mgmt2"))):
            state = "driver ok" if name == backend else "-"
            assert re.fullmatch(rf"  2  linux\s+{i}  block    {name}\s+0x0a000{2 * i}00 +"
                                rf"{48 + i}  {re.escape(state)}", row), (backend, out)

    devices("mgmt")
    tokens = ["two-%08x" % random.getrandbits(32) for _ in range(2)]
    read_back = "dd if=%s bs=512 skip=100 count=1 2>/dev/null | head -n 1"

    focus(b, "mgmt2")
    devices("mgmt2")
    focus(b, "linux")
    out = own(mshell(b, "md5sum /dev/vda /dev/vdb", timeout=120))
    assert f"{DISK_MD5}  /dev/vda" in out and f"{DISK_MD5}  /dev/vdb" in out, out
    for vd, token in zip(("vda", "vdb"), tokens):
        out = own(mshell(b, f"echo {token} | dd of=/dev/{vd} bs=512 seek=100 conv=fsync "
                            "2>/dev/null; echo rc=$?", timeout=60))
        assert "rc=0" in out, out

    # Each backend's file has its own disk's write, not the other's.
    for vm, mine, other in (("mgmt", tokens[0], tokens[1]), ("mgmt2", tokens[1], tokens[0])):
        focus(b, vm)
        out = own(mshell(b, (read_back % "/tmp/disk.img") + "; grep -c two- /tmp/disk.img"))
        assert out[-3:-1] == [mine, "1"], (vm, out)
        assert other not in out, (vm, out)

    # mgmt's daemon gone: mgmt2's disk serves on, mgmt's waits for it.
    focus(b, "linux")  # from mgmt2
    focus(b, "mgmt")
    out = own(mshell(b, "kill -9 $(pidof lowvisord); sleep 1; pidof lowvisord; echo rc=$?"))
    assert "rc=1" in out, out
    focus(b, "mgmt2")
    focus(b, "linux")
    out = own(mshell(b, "echo 3 >/proc/sys/vm/drop_caches; " + (read_back % "/dev/vdb"),
                     timeout=60))
    assert tokens[1] in out, out
    mshell(b, "(" + (read_back % "/dev/vda") + " | sed 's/^/vda-after: /') &")
    focus(b, "mgmt")
    out = own(mshell(b, "sleep 2; lowvisord >>/tmp/lowvisord.log 2>&1 & sleep 3; "
                        "cat /tmp/lowvisord.log"))
    assert "lowvisord: vm 2 (linux) device 0: taken over from the last lowvisord: driver ok" \
        in out, out
    # The read of mgmt's disk waited for the new daemon, then completed.
    before = b.transcript().rsplit("sleep 2; lowvisord >>", 1)[0]
    assert not re.search(r"vda-after: two-", before), before
    seen_or_expect(b, rf"linux\| vda-after: {tokens[0]}\r*\n", 60)
    devices("mgmt")
