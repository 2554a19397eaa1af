"""Shared fixtures: real files in tmp_path, root-only mounts (tmpfs, ext4 images) for fault tests, and the
leak guard every test runs under (no child process or Qt timer left behind: ``support.leaks``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

pytest.register_assert_rewrite("support")  # asserts in the shared helpers report values, as in a test

from support.host import is_root  # noqa: E402 (after the rewrite hook)
from support.leaks import no_leaked_processes_or_timers  # noqa: E402, F401 (autouse: every test)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PIXM_LOG_DIR", tempfile.mkdtemp(prefix="pixm-test-logs-"))  # never the user's own log
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session", autouse=True)
def own_temporary_folder(tmp_path_factory):
    """The run's own temporary folder (``TMPDIR``, inherited by child processes): card locks live in
    ``<tmp>/pixm-locks`` keyed by the card's fingerprint, and generated cards are identical from run to run, so
    two test runs on one machine would otherwise wait on each other's locks. Open to every account, like
    ``/tmp`` (tests run commands as other users)."""
    tmp_path_factory.getbasetemp()  # tmp_path stays in pytest's own folder (kept after the run to look at)
    folder = Path(tempfile.mkdtemp(prefix="pixm-test-tmp-"))
    folder.chmod(0o1777)
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(folder)
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    yield folder
    if old is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = old
    tempfile.tempdir = None
    shutil.rmtree(folder, ignore_errors=True)


def _mount(args: list[str], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount ({' '.join(args)}): {res.stderr.strip()}")


@pytest.fixture
def mount_tmpfs(tmp_path):
    """``mount_tmpfs(size_bytes, ro=False) -> Path``: a size-limited tmpfs, unmounted after the test (root only)."""
    if not is_root() or not sys.platform.startswith("linux"):
        pytest.skip("size-limited tmpfs needs root on Linux")
    mounted: list[Path] = []

    def make(size: int, ro: bool = False) -> Path:
        target = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
        opts = f"size={size}" + (",ro" if ro else "")
        _mount(["-t", "tmpfs", "-o", opts, "tmpfs"], target)
        mounted.append(target)
        return target

    yield make
    for m in reversed(mounted):
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


@pytest.fixture
def mount_ext4(tmp_path):
    """``mount_ext4(size_bytes) -> Path``: a block-backed ext4 filesystem on a loop image (root only)."""
    if not is_root() or not sys.platform.startswith("linux") or not shutil.which("mkfs.ext4"):
        pytest.skip("an ext4 loop image needs root, Linux and mkfs.ext4 (e2fsprogs)")
    mounted: list[Path] = []

    def make(size: int) -> Path:
        image = tmp_path / f"disk-{uuid.uuid4().hex[:6]}.img"
        with open(image, "wb") as fh:
            fh.truncate(size)
        res = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True)
        if res.returncode != 0:
            pytest.skip(f"mkfs.ext4 failed: {res.stderr.strip()}")
        target = tmp_path / f"ext4-{uuid.uuid4().hex[:6]}"
        _mount(["-o", "loop", str(image)], target)
        mounted.append(target)
        return target

    yield make
    for m in reversed(mounted):
        subprocess.run(["umount", "-l", str(m)], capture_output=True)


@pytest.fixture
def env(tmp_path):
    """``(base, [RAID-A, SHUTTLE-B], catalog path)`` in tmp_path, resolved (the catalog keeps resolved paths); the
    destination roots exist, as mounted drives do (PIXM never creates a destination root)."""
    base = tmp_path.resolve()
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    return base, dests, base / "catalog.sqlite"

