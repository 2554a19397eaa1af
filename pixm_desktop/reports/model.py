"""Typed report data: what the services read from the catalog, ready to print.

Plain dataclasses, no ORM objects and no sessions (the services own the catalog sessions; ``reports`` sits
below them and never opens one): ``services.reports`` fills them, the modules of this package turn them into
PDF, CSV and ALE. Timecodes arrive as finished labels (``HH:MM:SS:FF``, computed by the services with
``core.timecode``); rates as exact fractions; sizes in bytes; times timezone-aware.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.verdict import CardVerdict

PAPER_SIZES = ("a4", "letter")


@dataclass(slots=True)
class ReportContext:
    """Who made the report, when, with what: the footer of every page."""

    created_at: dt.datetime
    tool_name: str
    tool_version: str
    host: str
    paper: str = "a4"  # a4 | letter
    thumbnails: bool = True
    production: str = ""  # the production settings ("" = not set: not shown)
    company: str = ""
    unit: str = ""


@dataclass(slots=True)
class ClipLine:
    """One clip as reports and exports show it. ``fps`` is exact; ``start_tc``/``end_tc``/``duration_tc`` are
    labels at the clip's rate (``end_tc`` exclusive, as Avid expects); ``source_file`` is the media file name;
    ``sound_roll`` the roll of the sound take the clip is slated from, when known; ``thumbnail`` a JPEG."""

    id: int
    name: str
    card_label: str
    kind: str  # video | audio | raw
    card_id: int | None = None
    camera: str | None = None  # camera letter (A, B…)
    camera_kind: str = ""  # card layout: arri, sony, sound…
    reel: str | None = None
    tape: str | None = None
    day: dt.date | None = None
    start_tc: str | None = None
    end_tc: str | None = None
    duration_tc: str | None = None
    frames: int | None = None
    fps: Fraction | None = None
    codec: str | None = None
    width: int | None = None
    height: int | None = None
    audio_channels: int | None = None
    sample_rate: int | None = None
    camera_model: str | None = None
    scene: str | None = None
    take: str | None = None
    circled: bool = False
    notes: str | None = None
    rating: int = 0
    flagged: bool = False
    logged_from: str | None = None
    source_file: str | None = None
    sound_roll: str | None = None
    sound_tc: str | None = None  # start timecode of the sound take the clip is synced to (turnovers)
    asc_sop: str | None = None  # the ASC CDL of its proxy: "(s s s)(o o o)(p p p)" (turnovers)
    asc_sat: str | None = None
    thumbnail: Path | None = None
    probe_status: str = "pending"
    probe_error: str | None = None
    thumbnail_status: str = "pending"

    @property
    def resolution(self) -> str | None:
        return f"{self.width}x{self.height}" if self.width and self.height else None

    @property
    def seconds(self) -> Fraction | None:
        """Duration in seconds (exact), when frames and rate are known."""
        return Fraction(self.frames) / self.fps if self.frames is not None and self.fps else None


@dataclass(slots=True)
class CardLine:
    """A source card (camera mag or sound roll)."""

    id: int
    label: str
    camera: str  # card layout: arri, sony, red, sound…
    reel: str
    files: int
    bytes: int
    source_path: str = ""


@dataclass(slots=True)
class DestinationLine:
    """One destination card folder of an offload, with its verification counts from the catalog."""

    position: int
    path: str
    volume_label: str = ""
    mount_point: str = ""
    fs_type: str = ""
    required: bool = True
    free_bytes_before: int | None = None
    files: int = 0
    verified: int = 0
    failed: int = 0
    pending: int = 0  # not verified and not failed (pending or copied)
    status: str = "pending"  # the job's outcome for it: completed | failed | pending
    error: str | None = None
    mhl_generation: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    failures_not_listed: int = 0

    @property
    def complete(self) -> bool:
        return self.files > 0 and self.verified >= self.files and self.failed == 0


@dataclass(slots=True)
class FileLine:
    """One file of a card with its source checksums (``{format: text form}`` in the job's order)."""

    path: str
    size: int
    hashes: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class OffloadReport:
    """Everything the offload report of one job prints."""

    context: ReportContext
    job_id: int
    job_status: str
    project: str
    day: dt.date | None
    dit: str | None
    host: str
    tool_version: str
    card: CardLine
    algorithms: list[str]
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    source_verify: bool
    cascade: bool
    destinations: list[DestinationLine]
    safe: bool
    safe_reason: str
    clips: list[ClipLine] = field(default_factory=list)
    files: list[FileLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    job_error: str | None = None
    location: str | None = None
    verdict: CardVerdict | None = None  # THE card verdict (safe / safe_reason repeat it for old callers)

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0.0, (self.finished_at - self.started_at).total_seconds())

    @property
    def bytes_per_second(self) -> float | None:
        s = self.seconds
        return self.card.bytes / s if s else None


@dataclass(slots=True)
class DailyCard:
    """A card of the shoot day with its clip totals and verdict."""

    card: CardLine
    camera: str  # camera letter(s) of its clips ("A"), or the sound roll
    clips: int
    seconds: Fraction | None
    offloaded_at: dt.datetime | None
    job_id: int | None
    job_status: str | None
    destinations_verified: int
    destinations: int
    safe: bool
    safe_reason: str
    verdict: CardVerdict | None = None  # THE card verdict (safe / safe_reason repeat it)


@dataclass(slots=True)
class CameraTotal:
    """Totals of one camera (letter) for the day. ``duration_tc`` is set when every clip shares one rate."""

    camera: str
    cards: int
    clips: int
    seconds: Fraction
    bytes: int
    fps: Fraction | None = None
    duration_tc: str | None = None


@dataclass(slots=True)
class SoundRoll:
    """A sound roll (card) of the day: its takes and scenes."""

    roll: str
    card_label: str
    files: int
    takes: int
    seconds: Fraction
    bytes: int
    scenes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StorageLine:
    """What the day put on one destination drive (verified copies only)."""

    volume: str
    mount_point: str
    fs_type: str
    cards: int
    files: int
    bytes_verified: int
    free_bytes_before: int | None = None  # before the day's last offload to it


@dataclass(slots=True)
class Issue:
    """A failure or warning of the day. ``severity`` is the printed word: FAILED or WARNING."""

    severity: str
    card: str
    text: str


@dataclass(frozen=True, slots=True)
class QcLine:
    """One ingest QC finding of a card of the day: ``severity`` ``error`` | ``warning``, the rule broken, the clip
    (or what else it is about), expected and found, and its acknowledgement (``ack_at`` ``None``: open)."""

    card: str
    severity: str
    rule: str
    subject: str
    expected: str
    found: str
    message: str
    ack_by: str | None = None
    ack_at: dt.datetime | None = None
    ack_note: str | None = None

    @property
    def open_error(self) -> bool:
        return self.severity == "error" and self.ack_at is None


@dataclass(frozen=True, slots=True)
class DriveRoom:
    """A registered drive's room: capacity and free bytes (``measured`` on the mounted drive, else capacity
    minus what the catalog recorded on it), days until full at the average daily rate (``None``: no rate)."""

    label: str
    kind: str
    capacity_bytes: int
    free_bytes: int
    measured: bool
    days_to_full: float | None


@dataclass(frozen=True, slots=True)
class StorageForecast:
    """Bytes offloaded on the report's day, the average per shoot day so far (over ``days`` days), and each
    registered drive's room."""

    day_bytes: int
    average_bytes: float
    days: int
    drives: tuple[DriveRoom, ...] = ()


@dataclass(frozen=True, slots=True)
class TurnoverLine:
    """A turnover of the day (issue 14): kind (editorial | sound), folder, ASC MHL generation, status (completed |
    refused), when, files new and in all, and the words of the checks that failed (a refusal)."""

    kind: str
    folder: str
    generation: int | None
    status: str
    created_at: dt.datetime | None
    new_files: int
    files: int
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewLine:
    """A call or comment from the review portal (issue 18): the clip, who (name, role), what (``kind``:
    comment, circle, uncircle, rating, select, unselect; ``text``), at which timecode(s), when (UTC)."""

    clip: str
    author: str
    role: str
    kind: str
    text: str
    tc_in: str | None
    tc_out: str | None
    created_at: dt.datetime


@dataclass(slots=True)
class DailyReport:
    """Everything the daily report of one shoot day prints."""

    context: ReportContext
    project: str
    day: dt.date
    dits: list[str]
    hosts: list[str]
    cards: list[DailyCard]
    cameras: list[CameraTotal]
    clips: list[ClipLine]  # picture clips
    sound_takes: list[ClipLine]
    sound_rolls: list[SoundRoll]
    storage: list[StorageLine]
    issues: list[Issue]
    qc: list[QcLine] = field(default_factory=list)  # the day's cards' ingest QC findings, errors first
    qc_profile: str | None = None  # the show profile installed ("Big Film rev 3 (schema v1)"), None: no QC
    forecast: StorageForecast | None = None
    turnovers: list[TurnoverLine] = field(default_factory=list)  # packages written for editorial and sound
    review: list[ReviewLine] = field(default_factory=list)  # the review portal's calls and comments, in order

    @property
    def open_qc_errors(self) -> list[QcLine]:
        return [q for q in self.qc if q.open_error]

    @property
    def total_bytes(self) -> int:
        return sum(c.card.bytes for c in self.cards)

    @property
    def failures(self) -> int:
        return sum(1 for i in self.issues if i.severity == "FAILED")


@dataclass(slots=True)
class ReportResult:
    """A written file: its path, pages (PDF) or rows (CSV/ALE), size, and anything the reader should know
    (a font fallback, characters no font could draw, clips left out of an ALE)."""

    path: Path
    kind: str  # offload | daily | csv | ale
    pages: int = 0
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


__all__ = [
    "PAPER_SIZES",
    "CameraTotal",
    "CardLine",
    "ClipLine",
    "DailyCard",
    "DailyReport",
    "DestinationLine",
    "DriveRoom",
    "FileLine",
    "Issue",
    "OffloadReport",
    "QcLine",
    "ReportContext",
    "ReportResult",
    "SoundRoll",
    "StorageForecast",
    "StorageLine",
    "TurnoverLine",
]
