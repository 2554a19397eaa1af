"""Bandwidth-limited "drives" for cart benchmarks and tests: each one an ext4 filesystem on its own loop device,
with its own read and write rate (Linux, root).

How: the images live on a private, size-limited tmpfs (so the only limit is the one we set, not the shared
system disk), each attached to a loop device, formatted ext4 and mounted. The rate is a cgroup v1 blkio
throttle rule (``blkio.throttle.read_bps_device`` / ``write_bps_device``) on the loop device's ``major:minor``
in the *root* blkio group. A rule in a child group would not throttle buffered writes (writeback is issued by
kernel flusher threads, which live in the root group); in the root group it throttles every bio sent to that
device, whoever issues it, and our loop devices are used by nobody else. Measured with ``dd`` on kernel
6.18 (see docs/performance.md, "Cart benchmark"): 50 MiB/s write, 100 MiB/s read gave 50.6 MB/s for 512 MiB
written with ``conv=fsync`` and 105 MB/s for ``iflag=direct`` reads (unthrottled: 338 MB/s and 2.9 GB/s).

Rates are in MB/s (10**6 bytes). Everything is undone on the way out (rule cleared, unmount, loop detach,
tmpfs unmount), also on Ctrl+C or SIGTERM; a run killed outright is swept by the next one
(:func:`sweep_stale`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

BLKIO = Path("/sys/fs/cgroup/blkio")
#: tmpfs source name of a rig's image folder; the owner's pid follows, so a stale rig can be told from a live one.
SOURCE_PREFIX = "pixm-throttled-"
_FS_OVERHEAD = 24 * 1024 * 1024  # ext4 journal and metadata on a small image, on top of the requested size


@dataclass(frozen=True)
class DriveSpec:
    """A drive to create: ``size_bytes`` usable (roughly), rates in MB/s; None means not throttled."""

    name: str
    size_bytes: int
    read_mb_s: float | None = None
    write_mb_s: float | None = None


@dataclass(frozen=True)
class Drive:
    """A mounted drive: ``mount`` is the ext4 root; ``device`` the loop node; ``number`` its ``major:minor``."""

    spec: DriveSpec
    mount: Path
    device: str
    number: str


def unavailable_reason() -> str | None:
    """Why throttled drives cannot be made here (a sentence), or None when they can."""
    if not sys.platform.startswith("linux"):
        return "throttled drives need Linux (loop devices and cgroup blkio throttling)"
    if os.geteuid() != 0:
        return "throttled drives need root (losetup, mount, cgroup blkio rules)"
    if not (BLKIO / "blkio.throttle.write_bps_device").exists():
        return f"no cgroup v1 blkio throttle at {BLKIO} (blkio.throttle.write_bps_device)"
    for tool in ("losetup", "mkfs.ext4", "mount", "umount"):
        if not shutil.which(tool):
            return f"{tool} not found (Debian: util-linux, e2fsprogs, mount)"
    return None


def _run(*cmd: str) -> str:
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise OSError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr.strip()}")
    return res.stdout.strip()


def _set_rule(number: str, kind: str, bytes_per_s: int) -> None:
    """Set (or with 0, clear) the root group's ``kind`` ("read"/"write") bps rule for device ``number``."""
    (BLKIO / f"blkio.throttle.{kind}_bps_device").write_text(f"{number} {bytes_per_s}\n")


def _clear_rules(number: str) -> None:
    for kind in ("read", "write"):
        try:
            _set_rule(number, kind, 0)
        except OSError:
            pass  # no such device any more: the kernel refuses the write, and there is no rule left to clear


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)  # still open by someone: detach lazily


def _rmdir(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass  # not empty (a lazy unmount still pending) or already gone: leave it


def _mounts() -> list[tuple[str, str]]:
    """(source, mount point) of every mount, from /proc/self/mounts (octal escapes decoded)."""
    out = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        source, target = line.split()[:2]
        out.append((source, re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), target)))
    return out


def _loops_under(folder: Path) -> list[tuple[str, str]]:
    """(loop node, major:minor) of the loop devices whose backing file is inside ``folder``."""
    listing = json.loads(_run("losetup", "--json", "--list", "--output", "NAME,BACK-FILE,MAJ:MIN") or "{}")
    inside = []
    for dev in listing.get("loopdevices", []):
        back = dev.get("back-file") or ""
        if back.startswith(str(folder).rstrip("/") + "/"):
            inside.append((dev["name"], dev["maj:min"]))
    return inside


def _teardown_images(images: Path) -> None:
    """Unmount and detach every drive whose image is in ``images``, clear its rules, unmount the tmpfs."""
    for node, number in _loops_under(images):
        _clear_rules(number)
        for source, target in _mounts():
            if source == node:
                _umount(Path(target))
        subprocess.run(["losetup", "--detach", node], capture_output=True)
    _umount(images)


def sweep_stale() -> list[str]:
    """Tear down rigs left by processes that died without cleaning up; returns their image folders."""
    swept = []
    for source, target in _mounts():
        if not source.startswith(SOURCE_PREFIX):
            continue
        pid = source.removeprefix(SOURCE_PREFIX)
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            _teardown_images(Path(target))
            swept.append(target)
    return swept


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt (main thread only), so ``finally`` clauses run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Hold off Ctrl+C while tearing down, so a second Ctrl+C cannot leave a loop device half-undone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _make_drive(stack: ExitStack, spec: DriveSpec, images: Path, base: Path) -> Drive:
    image = images / f"{spec.name}.img"
    with open(image, "wb") as fh:
        fh.truncate(spec.size_bytes + _FS_OVERHEAD)
    node = _run("losetup", "--find", "--show", str(image))
    stack.callback(subprocess.run, ["losetup", "--detach", node], capture_output=True)
    number = Path(f"/sys/class/block/{Path(node).name}/dev").read_text().strip()
    _clear_rules(number)  # a rule left on this minor by a killed run would otherwise still apply
    stack.callback(_clear_rules, number)
    # Inode tables and journal written now, at full speed, not lazily in the background during a measurement.
    _run("mkfs.ext4", "-q", "-F", "-m", "0", "-L", spec.name[:16], "-E", "lazy_itable_init=0,lazy_journal_init=0",
         node)
    mount = base / spec.name
    mount.mkdir(parents=True, exist_ok=True)
    stack.callback(_rmdir, mount)
    _run("mount", "-t", "ext4", node, str(mount))
    stack.callback(_umount, mount)
    for kind, rate in (("read", spec.read_mb_s), ("write", spec.write_mb_s)):
        if rate:
            _set_rule(number, kind, int(rate * 1e6))
    return Drive(spec=spec, mount=mount, device=node, number=number)


@contextmanager
def throttled_drives(specs: Sequence[DriveSpec], base: Path) -> Iterator[list[Drive]]:
    """Create, mount and yield one :class:`Drive` per spec under ``base/<name>``; undo everything on exit.

    Raises RuntimeError with :func:`unavailable_reason` when the machine cannot do it, ValueError on duplicate
    or unsafe names, OSError when a system tool fails (whatever was built is undone first).
    """
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    names = [s.name for s in specs]
    if len(set(names)) != len(names) or any(not n or "/" in n or n.startswith(".") for n in names):
        raise ValueError(f"drive names must be unique plain names: {names}")
    sweep_stale()
    base = Path(base).resolve()
    images = base / ".images"
    images.mkdir(parents=True, exist_ok=True)
    total = sum(s.size_bytes + _FS_OVERHEAD for s in specs) + 4 * 1024 * 1024
    with _terminate_as_interrupt():
        stack = ExitStack()
        try:
            _run("mount", "-t", "tmpfs", "-o", f"size={total},mode=0700", f"{SOURCE_PREFIX}{os.getpid()}",
                 str(images))
            stack.callback(_rmdir, images)
            stack.callback(_umount, images)
            yield [_make_drive(stack, spec, images, base) for spec in specs]
        finally:
            with _no_interrupts():
                stack.close()


def drop_caches(*paths: Path, flush: bool = True) -> bool:
    """Write back the filesystems holding ``paths`` (``sync -f``; every filesystem when none is given; nothing
    with ``flush=False``), then drop the clean page cache, as a card larger than RAM would force. Dirty pages
    stay cached. Returns False when not allowed (not root)."""
    if flush:
        subprocess.run(["sync", "-f", *map(str, paths)] if paths else ["sync"], check=True)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False
