"""One offload per card at a time: locks keyed by the card and by each destination card folder.

Two offloads of one card, or two writers of one destination card folder, would race file for file ("a file
appeared at the destination during the copy") and both end incomplete. An offload therefore holds, for its
whole run:

- a **card lock**, keyed by the card's quick fingerprint, in a folder every PIXM process of this computer
  shares (``<temp>/pixm-locks``, world-writable like ``/tmp``): the window's child processes and ``pixm``
  commands of every account see it; a card is mounted on one computer at a time;
- a **destination lock** per destination card folder, as a hidden file beside that folder on the destination
  drive itself (``.<card folder>.pixm-offload.lock`` in its parent): every writer of the folder sees it,
  whatever its account, catalog or computer (a drive shared over the network).

Mechanism: an OS file lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows) on an open descriptor of the
lock file. The operating system releases it when the holding process ends, however it ends (``kill -9``
included), so a lock is never left behind; on a network drive the server releases it when the client's lease
ends. The file's content only names the holder (pid, host, since when, what) for the message a second request
prints; it is removed by the holder on release (the inode is checked after locking, so a waiter never holds a
lock on a removed file). Where the filesystem has no locks at all, the destination lock is skipped with a
warning (the card lock, on the local disk, still serialises this computer).

Locks are taken in one global order (sorted lock paths), so two offloads that need overlapping locks never
deadlock.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pixm_desktop.core.errors import BusyError, CancelledError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.services import context

log = logging.getLogger(__name__)
POLL = 0.2  # seconds between attempts while waiting in line
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a lock, as its file says (``pid``/``host`` may be unknown while it is being written)."""

    pid: int | None
    host: str
    since: str  # ISO 8601 UTC
    what: str

    def describe(self) -> str:
        who = f"pid {self.pid}" if self.pid else "another process"
        when = f" since {self.since[:19].replace('T', ' ')} UTC" if self.since else ""
        return f"{self.what or 'an offload'} by {who} on host {self.host or '?'}{when}"


@dataclass(frozen=True, slots=True)
class LockKey:
    """One lock to take: the lock file and what it protects (for messages)."""

    path: Path
    what: str  # e.g. "offload of A001 (card)"
    required: bool = True  # False: a filesystem without locks is tolerated (warning)
    root: Path | None = None  # folders between this existing root and the lock file may be created…
    root_dev: int | None = None  # …while the root is still on this device (the drive the pre-flight saw)


def card_lock_dir() -> Path:
    """The per-computer folder of card locks (created world-writable with the sticky bit, like ``/tmp``)."""
    folder = Path(tempfile.gettempdir()) / "pixm-locks"
    if not folder.is_dir():
        try:
            folder.mkdir(mode=0o777, exist_ok=True)
            os.chmod(folder, 0o1777)
        except OSError:
            pass  # another account made it, or we cannot: opening the lock says what is wrong
    return folder


def card_key(fingerprint: str, label: str) -> LockKey:
    return LockKey(card_lock_dir() / f"card-{fingerprint}.lock", f"offload of {label}")


def destination_key(card_folder: Path, label: str, root: Path, root_dev: int | None = None) -> LockKey:
    """The lock of a destination card folder below the destination ``root`` (the drive the user chose, on
    device ``root_dev`` when the pre-flight saw it)."""
    real = Path(os.path.realpath(card_folder))
    return LockKey(real.parent / f".{real.name}.pixm-offload.lock", f"offload of {label} to {real}",
                   required=False, root=root, root_dev=root_dev)


class FileLockHeld:
    """An acquired lock; :meth:`release` (idempotent) removes the file and unlocks."""

    def __init__(self, key: LockKey, fd: int | None):
        self.key, self.fd = key, fd

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            os.unlink(self.key.path)  # still holding it: a waiter that locked this inode sees it removed
        except OSError:
            pass
        _unlock(self.fd)
        os.close(self.fd)
        self.fd = None


class HeldLocks:
    """Locks held for one offload; ``waited`` says another process held one of them first.

    Use as a context manager or call :meth:`release`. ``warnings`` lists locks that could not be taken because
    the filesystem has none."""

    def __init__(self) -> None:
        self.locks: list[FileLockHeld] = []
        self.waited = False
        self.warnings: list[str] = []
        self.skipped: set[Path] = set()  # lock files on drives without file locks

    @property
    def covered(self) -> set[Path]:
        """Lock files held, or skipped because their drive has no locks."""
        return {lk.key.path for lk in self.locks} | self.skipped

    def release(self) -> None:
        while self.locks:
            self.locks.pop().release()

    def __enter__(self) -> HeldLocks:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def acquire(keys: list[LockKey], *, wait: bool = True, cancel: CancelToken | None = None,
            on_wait: Callable[[Holder], None] | None = None) -> HeldLocks:
    """Take every lock of ``keys`` in sorted order; returns them held.

    ``wait=False`` raises :class:`BusyError` (exit 9) naming the holder when one is taken; ``wait=True`` waits
    in line, calling ``on_wait(holder)`` when it starts waiting (and when the holder changes), and raises
    :class:`CancelledError` if ``cancel`` is set meanwhile. Raises ``OSError`` when a required lock file cannot
    be created (e.g. the lock folder is not writable).
    """
    held = HeldLocks()
    try:
        for key in sorted({k.path: k for k in keys}.values(), key=lambda k: str(k.path)):
            lock = _acquire_one(key, held, wait=wait, cancel=cancel, on_wait=on_wait)
            if lock is not None:
                held.locks.append(lock)
    except BaseException:
        held.release()
        raise
    return held


def _acquire_one(key: LockKey, held: HeldLocks, *, wait: bool, cancel: CancelToken | None,
                 on_wait: Callable[[Holder], None] | None) -> FileLockHeld | None:
    shown: Holder | None = None
    while True:
        try:
            _make_folder(key)
            fd = os.open(key.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            if not key.required:
                held.skipped.add(key.path)
                held.warnings.append(f"cannot lock {key.path.parent} ({exc.strerror}): another PIXM writing the "
                                     "same folder at once would not be noticed")
                return None
            raise
        try:
            locked = _try_lock(fd)
        except OSError as exc:
            os.close(fd)
            if key.required or exc.errno not in _UNSUPPORTED:
                raise
            held.skipped.add(key.path)
            held.warnings.append(f"the drive of {key.path.parent} has no file locks: another PIXM writing the "
                                 "same folder at once would not be noticed")
            return None
        if locked:
            if _same_file(fd, key.path):
                _write_holder(fd, key)
                return FileLockHeld(key, fd)
            _unlock(fd)  # the holder removed this file as we locked it: take the new one
            os.close(fd)
            continue
        os.close(fd)
        holder = read_holder(key.path)
        if not wait:
            raise BusyError(f"busy: {holder.describe()}", path=key.path.parent,
                            hint="wait for it to finish (or run without --no-wait to wait in line)")
        held.waited = True
        if holder != shown:
            log.info("waiting in line for %s: %s", key.path, holder.describe())
        if on_wait is not None and holder != shown:
            on_wait(holder)
        shown = holder
        _sleep(cancel)


def _make_folder(key: LockKey) -> None:
    """The lock file's folder; below a destination root only while that root exists (an unmounted drive's
    mount point is never filled with folders)."""
    if key.root is None:
        key.path.parent.mkdir(parents=True, exist_ok=True)
    elif not key.path.parent.is_dir():
        try:
            there = os.path.isdir(key.root) and (key.root_dev is None or os.stat(key.root).st_dev == key.root_dev)
        except OSError:
            there = False
        if not there:  # unmounted since the pre-flight: its mount folder is on the system disk
            raise FileNotFoundError(errno.ENOENT, "the destination drive is not there", str(key.root))
        key.path.parent.mkdir(parents=True, exist_ok=True)


def _sleep(cancel: CancelToken | None) -> None:
    deadline = time.monotonic() + POLL
    while time.monotonic() < deadline:
        if cancel is not None and cancel.cancelled:
            raise CancelledError("stopped while waiting for another offload of this card")
        time.sleep(0.05)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st, now = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino)


def _write_holder(fd: int, key: LockKey) -> None:
    info = {"pid": os.getpid(), "host": context.hostname(), "what": key.what,
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    data = b"\n" + json.dumps(info).encode() + b"\n"  # byte 0 is the Windows lock byte
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, data)
        if os.name == "nt":
            os.chmod(key.path, 0o666)
        else:
            os.fchmod(fd, 0o666)  # another account may wait on it too
    except OSError:
        pass  # the lock holds; only the message of a waiter loses detail


def read_holder(path: Path) -> Holder:
    """The holder named in a lock file (unknown fields empty when it cannot be read yet)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(1)  # byte 0 is the lock byte (locked on Windows)
            info = json.loads(fh.read().strip() or b"{}")
    except (OSError, ValueError):
        info = {}
    pid = info.get("pid")
    return Holder(pid if isinstance(pid, int) else None, str(info.get("host", "")), str(info.get("since", "")),
                  str(info.get("what", "")))


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False
            raise

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return False
            raise

    def _unlock(fd: int) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        except OSError:
            pass
