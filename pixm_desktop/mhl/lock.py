"""The lock of one ASC MHL history: a file created exclusively inside its ``ascmhl/`` folder.

It lives with the history, so every writer sees it: other accounts, other processes, other machines sharing
the drive (``O_CREAT | O_EXCL`` is honoured by NFS v3+ and SMB; ``flock`` is not). The ``ascmhl/`` folder is
on every ignore list, and the reference tool reads only ``NNNN_….mhl`` names there, so the lock file is never
listed or mistaken for a generation.

The file holds one JSON line describing the holder (host, pid, process start time, creation time, a random
token) and, while a manifest is being put in place, a second line naming it (:meth:`HistoryLock.announce`),
so a reader that sees that manifest before the chain lists it knows it is an append in progress.

Stale locks: a lock of this host whose process is gone (or whose pid now belongs to another process) is
taken over; a lock of another host is never broken silently: once older than :data:`FOREIGN_STALE_AFTER`
it is reported with what to do. A lock file left empty or unreadable for :data:`EMPTY_STALE_AFTER` seconds
(a writer killed between creating and filling it) is taken over too.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from pixm_desktop.core.errors import MhlLockError

from ._xml import fsync_dir

log = logging.getLogger(__name__)

LOCK_NAME = ".pixm-history.lock"
_BREAK_NAME = ".pixm-history.lock.breaking"
LOCK_TIMEOUT = 600.0  # seconds a writer waits for another one (an append takes well under a second)
FOREIGN_STALE_AFTER = 15 * 60.0  # a lock of another host older than this is reported, not waited on
EMPTY_STALE_AFTER = 60.0  # a lock file with no readable holder for this long was left by a killed writer
_POLL = 0.02


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written in the lock file. ``started``: the holder's process start time (s since
    the epoch, as psutil reports it); ``created``: when the lock was taken (s since the epoch)."""

    host: str
    pid: int
    started: float
    created: float
    token: str
    writing: str | None = None

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created))
        return f"host {self.host}, process {self.pid}, since {when}"


def hostname() -> str:
    return socket.gethostname()


def _start_time(pid: int) -> float | None:
    """The process's start time; ``None`` when no such process runs. Raises ``psutil.AccessDenied``."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None


def _own_start_time() -> float:
    try:
        return _start_time(os.getpid()) or 0.0
    except psutil.Error:
        return 0.0


def read_holder(path: Path) -> Holder | None:
    """The holder described in lock file ``path``; ``None`` when absent, empty or not ours to parse."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(4096)  # a lock file is one or two short lines
    except OSError:
        return None
    lines = data.split(b"\n")
    try:
        head = json.loads(lines[0])
        holder = Holder(str(head["host"]), int(head["pid"]), float(head["started"]), float(head["created"]),
                        str(head["token"]))
    except (ValueError, KeyError, TypeError):
        return None
    for line in lines[1:]:
        try:
            holder = Holder(**{**holder.__dict__, "writing": str(json.loads(line)["writing"])})
        except (ValueError, KeyError, TypeError):
            continue  # a line still being written
    return holder


def holder_alive(holder: Holder) -> bool:
    """Whether the holder may still be writing: on this host its process runs (same start time); on
    another host its lock is younger than :data:`FOREIGN_STALE_AFTER`."""
    if holder.host != hostname():
        return time.time() - holder.created < FOREIGN_STALE_AFTER
    try:
        started = _start_time(holder.pid)
    except psutil.Error:
        return True  # it runs, under an account we may not inspect: never break a lock on a guess
    if started is None:
        return False
    return not holder.started or abs(started - holder.started) < 1.0  # 0: the holder could not tell


def in_progress_manifest(ascmhl_dir: Path) -> str | None:
    """The manifest name a live lock holder announced it is putting in place, if any (readers use it to skip
    a generation whose chain entry is not written yet)."""
    holder = read_holder(ascmhl_dir / LOCK_NAME)
    if holder is None or holder.writing is None or not holder_alive(holder):
        return None
    return holder.writing


class HistoryLock:
    """Exclusive lock of the history in ``ascmhl_dir`` (which must exist and be a real folder).

    Use as a context manager. Raises :class:`MhlLockError` after ``timeout`` seconds (default
    :data:`LOCK_TIMEOUT`), or at once for a stale lock of another host; ``OSError`` when the lock file cannot
    be created (read-only drive, permissions).
    """

    def __init__(self, ascmhl_dir: Path, timeout: float | None = None):
        self.folder = Path(ascmhl_dir)
        self.path = self.folder / LOCK_NAME
        self.timeout = LOCK_TIMEOUT if timeout is None else timeout
        self.token = secrets.token_hex(16)
        self._fd: int | None = None
        self.took_over: Holder | None = None  # the stale holder this lock replaced, if any

    def __enter__(self) -> HistoryLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        waiting = False
        while True:
            if self._try_create():
                return
            holder = read_holder(self.path)
            if not waiting:
                waiting = True
                log.info("waiting for the ASC MHL history lock %s (held by %s)", self.path,
                         holder.describe() if holder else "a writer that has not identified itself yet")
            if self._stale(holder):
                self._break(holder)
                continue
            if time.monotonic() > deadline:
                who = holder.describe() if holder else "a writer that has not identified itself yet"
                raise MhlLockError(
                    f"the ASC MHL history in {self.folder} is being written by {who}; waited {self.timeout:.0f} s",
                    hint="try again when that offload or verify has finished",
                    path=self.path,
                )
            time.sleep(_POLL)

    def _try_create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        except FileExistsError:
            return False
        pid = os.getpid()
        head = {"host": hostname(), "pid": pid, "started": _own_start_time(), "created": time.time(),
                "token": self.token, "tool": "pixm-desktop"}
        try:
            os.write(fd, json.dumps(head).encode() + b"\n")
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(self.path)
            raise
        self._fd = fd
        return True

    def _stale(self, holder: Holder | None) -> bool:
        if holder is None:
            return self._old_and_empty()
        if holder.host == hostname():
            return not holder_alive(holder)
        if not holder_alive(holder):
            raise MhlLockError(
                f"the ASC MHL history in {self.folder} has been locked by {holder.describe()} for more than "
                f"{FOREIGN_STALE_AFTER / 60:.0f} minutes",
                hint=f"if no PIXM runs on {holder.host} any more, delete {self.path} and try again",
                path=self.path,
            )
        return False

    def _old_and_empty(self) -> bool:
        """The lock file names no holder and has not changed for :data:`EMPTY_STALE_AFTER` seconds."""
        try:
            age = time.time() - os.stat(self.path).st_mtime
        except FileNotFoundError:
            return False  # released meanwhile: just try again
        return age > EMPTY_STALE_AFTER and read_holder(self.path) is None

    def _break(self, stale: Holder | None) -> None:
        """Remove a stale lock file, unless another waiter replaced it meanwhile (checked under a second,
        short-lived exclusive file; one left by a killed breaker is removed after EMPTY_STALE_AFTER)."""
        breaker = self.folder / _BREAK_NAME
        try:
            fd = os.open(breaker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                if time.time() - os.stat(breaker).st_mtime > EMPTY_STALE_AFTER:
                    os.unlink(breaker)
            except FileNotFoundError:
                pass
            time.sleep(_POLL)
            return
        os.close(fd)
        try:
            now = read_holder(self.path)
            if stale is None:
                same = self._old_and_empty()  # not a lock created since by another writer
            else:
                same = now is not None and now.token == stale.token
            if same:
                try:
                    os.unlink(self.path)
                    self.took_over = stale
                except FileNotFoundError:
                    pass
        finally:
            os.unlink(breaker)

    def announce(self, manifest_name: str) -> None:
        """Say which manifest is about to appear (before it is renamed into place)."""
        if self._fd is None:
            raise RuntimeError("lock not held")
        os.write(self._fd, json.dumps({"writing": manifest_name}).encode() + b"\n")
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        holder = read_holder(self.path)
        if holder is not None and holder.token == self.token:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            fsync_dir(self.folder)
