"""Plain records and states shared by the engine, the catalog, the services and the GUI."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.rate import RateMeter


class CopyState(StrEnum):
    """State of one file on one destination: pending → copied → verified | failed."""

    PENDING = "pending"
    COPIED = "copied"
    VERIFIED = "verified"
    FAILED = "failed"


class JobStatus(StrEnum):
    """Status of a job of any kind (``jobs.status``)."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # stopped by a crash, a pulled card or a closing window: offered for resume
    CANCELLED = "cancelled"  # stopped by the user: not offered for resume (offloading the card again resumes)


class Camera(StrEnum):
    """Card layouts PIXM recognises (``core.cameras``; docs/cards.md)."""

    ARRI = "arri"
    SONY = "sony"
    RED = "red"
    CANON = "canon"
    BRAW = "braw"
    GOPRO = "gopro"
    SOUND = "sound"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file of a card. ``relpath`` is raw bytes relative to the card root with ``/`` separators,
    spelled exactly as the directory listing returned it (no Unicode normalisation)."""

    relpath: bytes
    size: int  # bytes
    mtime_ns: int  # modification time, ns since the epoch

    @property
    def display(self) -> str:
        return self.relpath.decode("utf-8", errors="replace")


class CopyFailure(StrEnum):
    """Why a copy failed, as the next offload needs to know it (the reason text is for people)."""

    MISMATCH = "mismatch"  # PIXM's own copy read back different (or unreadable): replace it next time
    MISSING = "missing"  # PIXM's copy is gone from the destination (re-verification)
    FOREIGN = "foreign"  # a file PIXM did not write is in the way: never overwritten
    WRITE = "write"  # the copy could not be written (drive full or gone, I/O error, incomplete)
    SOURCE = "source"  # the card's file could not be read or changed during the copy


REPLACEABLE = frozenset({CopyFailure.MISMATCH.value, CopyFailure.MISSING.value})


@dataclass(frozen=True, slots=True)
class FileResult:
    """Outcome for one file on one destination (index into the plan's destinations); ``failure`` is set
    for ``failed``."""

    relpath: bytes
    destination: int
    state: CopyState
    hashes: dict[HashAlgorithm, str] = field(default_factory=dict)
    reason: str | None = None
    failure: CopyFailure | None = None


class CancelToken:
    """Thread-safe cancel and pause flag, checked by the engine between chunks."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._run = threading.Event()
        self._run.set()
        self.by_user = False  # the user asked to stop (not a closing window or a dying parent)

    def cancel(self, by_user: bool = False) -> None:
        self.by_user = self.by_user or by_user
        self._cancel.set()
        self._run.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def pause(self) -> None:
        self._run.clear()

    def resume(self) -> None:
        self._run.set()

    @property
    def paused(self) -> bool:
        return not self._run.is_set()

    def wait_if_paused(self) -> None:
        self._run.wait()


@dataclass(slots=True)
class DestinationProgress:
    """Counters for one destination (bytes and files)."""

    bytes_written: int = 0
    bytes_verified: int = 0
    files_verified: int = 0
    files_failed: int = 0


@dataclass(slots=True)
class ProgressSnapshot:
    """Latest progress of a job; the GUI and CLI poll it instead of receiving one event per file.

    ``phase`` is ``copy`` or ``verify``; rates are bytes/second smoothed over a few seconds.
    """

    total_bytes: int
    total_files: int
    bytes_read: int = 0
    files_done: int = 0
    phase: str = "copy"
    current_file: str = ""
    destinations: list[DestinationProgress] = field(default_factory=list)
    started_at: float = field(default_factory=time.monotonic)
    rate: float = 0.0  # bytes/s, smoothed
    _meter: RateMeter | None = field(default=None, repr=False, compare=False)

    @property
    def work_done(self) -> int:
        """Bytes of work done: source bytes read plus bytes re-read on every destination."""
        return self.bytes_read + sum(d.bytes_verified for d in self.destinations)

    @property
    def work_total(self) -> int:
        return self.total_bytes * (1 + max(1, len(self.destinations)))

    def update_rate(self, now: float | None = None, alpha: float = 0.3) -> None:
        """Refresh the smoothed rate; called by the one poller (CLI or GUI timer), at most every 0.5 s."""
        if self._meter is None:
            self._meter = RateMeter(alpha, 0.5, start=(self.started_at, 0))
        self.rate = self._meter.update(self.work_done, now)

    @property
    def fraction(self) -> float:
        """0.0–1.0 over copy plus verification work (each destination re-read counts)."""
        return 1.0 if self.work_total == 0 else min(1.0, self.work_done / self.work_total)

    @property
    def eta_seconds(self) -> float | None:
        if self.rate <= 0:
            return None
        return max(0.0, (self.work_total - self.work_done) / self.rate)
