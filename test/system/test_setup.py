# SPDX-License-Identifier: MIT
"""The README's commands on a machine whose cache is empty: the first build
prepares the cache (scripts/setup.sh), and every later build, in the same
checkout after `make clean` or in a second one, builds from it.  Only the
cache directory is fresh; the installed packages and the downloaded .debs
(LOWVISOR_DEBS) are shared with the machine's own cache, so nothing is
downloaded here."""
import os
import shlex
import subprocess

from conftest import ROOT

SETUP = os.path.join(ROOT, "scripts", "setup.sh")
BUILD_TIMEOUT = 900


def copy_tree(dest):
    """The checkout's files (tracked and new, not ignored): a fresh clone of
    what is in the work tree, without its build directory."""
    os.makedirs(dest)
    subprocess.run("git ls-files -z -co --exclude-standard | tar --null -T - -cf - | "
                   f"tar -C {shlex.quote(dest)} -xf -", shell=True, cwd=ROOT, check=True,
                   timeout=120)


def make(tree, env, *args):
    r = subprocess.run(["make", "-C", tree, "-j2", *args], env=env, capture_output=True,
                       text=True, timeout=BUILD_TIMEOUT)
    assert r.returncode == 0, f"make {' '.join(args)} in {tree}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    return r.stdout + r.stderr


def snapshot(cache):
    """Every file of the cache with its size."""
    files = {}
    for top, _, names in os.walk(cache):
        for n in names:
            p = os.path.join(top, n)
            if not os.path.islink(p):
                files[os.path.relpath(p, cache)] = os.path.getsize(p)
    return files


def test_second_command_builds_from_a_fresh_cache(tmp):
    debs = subprocess.run([SETUP, "--deb-dir"], check=True, capture_output=True,
                          text=True).stdout.strip()
    cache = tmp / "cache"
    env = dict(os.environ, LOWVISOR_CACHE=str(cache), LOWVISOR_DEBS=debs)
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    env.pop("MFLAGS", None)
    env.pop("BUILD", None)
    a, b = str(tmp / "a"), str(tmp / "b")
    copy_tree(a)
    copy_tree(b)

    out = make(a, env)
    assert "setup: ready" in out, out[-2000:]
    # make -j2 reaches the set-up script from two rules; it prepares once.
    assert out.count("setup: extracting libfdt") == 1, out[-2000:]
    first = snapshot(cache)
    libfdt = subprocess.run([SETUP, "--libfdt-files"], env=env, check=True,
                            capture_output=True, text=True).stdout.split()
    for f in libfdt:
        assert os.path.join("libfdt-6.1", f) in first, f
    assert "linux/vmlinuz-armmp" in first and "linux/busybox" in first

    # The second command in a second checkout, and after make clean: each
    # builds, and the cache is what the first build left.
    for tree, args in ((b, ()), (a, ("clean",)), (a, ())):
        make(tree, env, *args)
        assert snapshot(cache) == first, f"make {' '.join(args)} in {tree} changed the cache"
    assert os.path.exists(os.path.join(a, "build", "hyp.bin"))
    assert os.path.exists(os.path.join(b, "build", "tools", "lowvisor.ko"))
    r = subprocess.run([SETUP, "--check"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_notices_every_missing_file(tmp):
    """setup.sh --check names a cache that lost any file the build reads."""
    env = dict(os.environ)
    libfdt_dir = subprocess.run([SETUP, "--libfdt-dir"], env=env, check=True,
                                capture_output=True, text=True).stdout.strip()
    files = subprocess.run([SETUP, "--libfdt-files"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()
    cache = tmp / "cache"
    fake = cache / "libfdt-6.1"
    os.makedirs(fake)
    for f in files:
        with open(os.path.join(libfdt_dir, f), "rb") as src:
            (fake / f).write_bytes(src.read())
    env["LOWVISOR_CACHE"] = str(cache)
    for f in files:
        data = (fake / f).read_bytes()
        (fake / f).unlink()
        r = subprocess.run([SETUP, "--check"], env=env, capture_output=True, text=True)
        assert r.returncode == 1 and "libfdt sources not prepared" in r.stdout, f
        (fake / f).write_bytes(data)


def test_two_setups_at_once_prepare_the_cache_once(tmp):
    """make -j runs the set-up script from two rules at once on a fresh
    cache (seen in CI: one run's rm -rf removed the busybox the other had
    just fetched).  Runs at once take turns: one prepares, the other finds
    the cache ready, and each leaves it whole when it ends."""
    debs = subprocess.run([SETUP, "--deb-dir"], check=True, capture_output=True,
                          text=True).stdout.strip()
    env = dict(os.environ, LOWVISOR_CACHE=str(tmp / "cache"), LOWVISOR_DEBS=debs)
    runs = [subprocess.Popen([SETUP], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outs = []
    for p in runs:
        out, _ = p.communicate(timeout=BUILD_TIMEOUT)
        assert p.returncode == 0, out
        assert out.rstrip().endswith("setup: ready"), out
        # The cache is whole the moment a run says it is ready.
        r = subprocess.run([SETUP, "--check"], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout
        outs.append(out)
    both = "".join(outs)
    assert both.count("setup: extracting libfdt") == 1, both
    assert both.count("setup: fetching the") == 1, both
