"""The cart benchmark's rig (``support.throttled``): a throttled drive really is held to its rate, and the rig
is undone — mounts, loop devices, blkio rules — when its process is stopped or killed.

The rate check is a property of the rig, not a timed assertion on product code: the kernel's throttle gives a
lower bound on the time (at most one time slice of burst), which a loaded machine can only lengthen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.throttled import (
    BLKIO,
    SOURCE_PREFIX,
    DriveSpec,
    sweep_stale,
    throttled_drives,
    unavailable_reason,
)

TESTS = Path(__file__).resolve().parent
RATE = 5.0  # MB/s
NBYTES = 4 * 1024 * 1024

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))


def _write_fsynced(path: Path) -> float:
    block = os.urandom(1024 * 1024)
    t0 = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for _ in range(NBYTES // len(block)):
            os.write(fd, block)
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - t0


def _read_from_device(path: Path) -> float:
    """Read ``path`` back after dropping its (clean, fsynced) pages, so every byte comes from the device."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        t0 = time.perf_counter()
        while os.read(fd, 1024 * 1024):
            pass
        return time.perf_counter() - t0
    finally:
        os.close(fd)


def test_a_throttled_drive_takes_at_least_half_its_theoretical_time(tmp_path):
    specs = [DriveSpec("slow", 32 * 1024 * 1024, read_mb_s=RATE, write_mb_s=RATE), DriveSpec("free", 32 * 1024 * 1024)]
    with throttled_drives(specs, tmp_path / "cart") as (slow, free):
        free_w, slow_w = _write_fsynced(free.mount / "f"), _write_fsynced(slow.mount / "f")
        free_r, slow_r = _read_from_device(free.mount / "f"), _read_from_device(slow.mount / "f")
    theory = NBYTES / (RATE * 1e6)
    seen = f"throttled write {slow_w:.2f} s read {slow_r:.2f} s; unthrottled {free_w:.3f} s / {free_r:.3f} s"
    assert slow_w >= 0.5 * theory, f"{seen}; theory {theory:.2f} s at {RATE} MB/s"
    assert slow_r >= 0.5 * theory, f"{seen}; theory {theory:.2f} s at {RATE} MB/s"


RIG = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from support.throttled import DriveSpec, throttled_drives
with throttled_drives([DriveSpec("d", 16 * 1024 * 1024, 5, 5)], Path({base!r})) as (d,):
    print(d.device, d.number, flush=True)
    time.sleep(600)
"""


def _start_rig(base: Path) -> tuple[subprocess.Popen, str, str]:
    proc = subprocess.Popen([sys.executable, "-c", RIG.format(tests=str(TESTS), base=str(base))],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    assert len(line) == 2, f"the rig did not come up (exit {proc.poll()})"
    return proc, line[0], line[1]


def _left_behind(base: Path, device: str, number: str) -> list[str]:
    """What of the rig under ``base`` is still there: mounts, the loop device's backing file, blkio rules."""
    left = [f"mount {line}" for line in Path("/proc/self/mounts").read_text().splitlines()
            if str(base) in line or line.startswith(device + " ")]
    backing = Path(f"/sys/class/block/{Path(device).name}/loop/backing_file")
    if backing.exists() and str(base) in backing.read_text():
        left.append(f"{device} still attached to {backing.read_text().strip()}")
    for kind in ("read", "write"):
        rules = (BLKIO / f"blkio.throttle.{kind}_bps_device").read_text().split("\n")
        left += [f"{kind} rule {r}" for r in rules if r.split(" ")[0] == number]
    return left


def test_sigterm_undoes_the_rig(tmp_path):
    base = tmp_path / "cart"
    proc, device, number = _start_rig(base)
    assert _left_behind(base, device, number), "the rig should be up while its process runs"
    proc.send_signal(signal.SIGTERM)
    proc.communicate()
    assert _left_behind(base, device, number) == []
    assert sorted(p.name for p in base.iterdir()) == []


def test_a_killed_rig_is_swept_by_the_next(tmp_path):
    base = tmp_path / "cart"
    proc, device, number = _start_rig(base)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert _left_behind(base, device, number), "SIGKILL leaves the rig behind (nothing runs in the process)"
    swept = sweep_stale()
    assert str(base / ".images") in swept
    assert _left_behind(base, device, number) == []


def test_names_must_be_plain_and_unique(tmp_path):
    twice = [DriveSpec("a", 1 << 24), DriveSpec("a", 1 << 24)]
    with pytest.raises(ValueError, match="unique plain names"), throttled_drives(twice, tmp_path):
        pass
    assert not any(SOURCE_PREFIX in line for line in Path("/proc/self/mounts").read_text().splitlines()
                   if str(tmp_path) in line)
