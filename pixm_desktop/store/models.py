"""Catalog tables (SQLAlchemy 2.0 declarative).

Shapes: sizes in bytes, mtimes in ns since the epoch, timestamps UTC. File names are kept twice: ``relpath_raw``
(the exact bytes of the card's directory listing, the identity) and ``relpath`` (UTF-8 text for people, bad
bytes replaced). Source hashes are in one column per ASC MHL format.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.core.states import ClipKind, JobDestinationStatus, JobKind, ProbeStatus, ThumbnailStatus


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    days: Mapped[list[ShootDay]] = relationship(back_populates="project")


class ShootDay(Base):
    __tablename__ = "shoot_days"
    __table_args__ = (UniqueConstraint("project_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    project: Mapped[Project] = relationship(back_populates="days")


class Card(Base):
    """A source card (camera mag, sound roll) as PIXM first saw it."""

    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    camera: Mapped[str] = mapped_column(String(20))
    reel: Mapped[str] = mapped_column(String(64))
    quick_fingerprint: Mapped[str] = mapped_column(String(32), index=True)
    content_fingerprint: Mapped[str | None] = mapped_column(String(32), index=True)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    source_path: Mapped[str] = mapped_column(Text)
    shoot_day_id: Mapped[int | None] = mapped_column(ForeignKey("shoot_days.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    shoot_day: Mapped[ShootDay | None] = relationship()
    files: Mapped[list[File]] = relationship(back_populates="card", cascade="all, delete-orphan")
    destinations: Mapped[list[Destination]] = relationship(back_populates="card", cascade="all, delete-orphan")
    jobs: Mapped[list[Job]] = relationship(back_populates="card")
    clips: Mapped[list[Clip]] = relationship(back_populates="card", cascade="all, delete-orphan")


class Job(Base):
    """One run of a job kind (``core.states.JobKind``: offload, verify, ingest, report, aftercare): its options
    (JSON, parsed by ``core.states.job_options``), status, UTC timestamps, error (message and hint) and its own
    log lines (``log``, one per line, UTC time first). ``card_id`` is ``None`` for a job of no single card (a
    daily report, a folder the catalog does not know). ``host``/``pid``: the process that runs it."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), index=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(20), default=JobKind.OFFLOAD.value)  # core.states.JobKind
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED.value, index=True)
    source_path: Mapped[str] = mapped_column(Text)
    algorithms: Mapped[str] = mapped_column(String(100))  # comma-separated, e.g. "xxh64,md5"
    template: Mapped[str] = mapped_column(String(255), default="")
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON of core.states.JobOptions
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int | None] = mapped_column(Integer)  # process that runs it: tells a crash from a live job
    tool_version: Mapped[str] = mapped_column(String(50), default="")
    files_total: Mapped[int] = mapped_column(Integer, default=0)
    bytes_total: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str | None] = mapped_column(Text)  # the job's own log lines (see services.jobs.record)
    show_profile: Mapped[str | None] = mapped_column(String(255))  # the show profile it ran under (stamp)
    card: Mapped[Card | None] = relationship(back_populates="jobs")
    job_destinations: Mapped[list[JobDestination]] = relationship(back_populates="job", cascade="all, delete-orphan")


class Destination(Base):
    """One card folder on one destination drive (the scope root of its ASC MHL history)."""

    __tablename__ = "destinations"
    __table_args__ = (UniqueConstraint("card_id", "path_raw"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    path_raw: Mapped[bytes] = mapped_column(LargeBinary)
    path: Mapped[str] = mapped_column(Text)
    volume_label: Mapped[str] = mapped_column(String(255), default="")
    mount_point: Mapped[str] = mapped_column(Text, default="")
    device: Mapped[str] = mapped_column(Text, default="")
    fs_type: Mapped[str] = mapped_column(String(50), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the physical drive (whole disk, APFS container's store, NAS server…) the folder is on; "" when unknown
    drive_id: Mapped[str] = mapped_column(Text, default="", server_default="")
    drive_note: Mapped[str | None] = mapped_column(Text)  # why the drive could not be told, for the verdict
    card: Mapped[Card] = relationship(back_populates="destinations")
    copies: Mapped[list[Copy]] = relationship(back_populates="destination", cascade="all, delete-orphan")


class JobDestination(Base):
    """A destination's outcome within one job."""

    __tablename__ = "job_destinations"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default=JobDestinationStatus.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text)
    free_bytes_before: Mapped[int | None] = mapped_column(BigInteger)
    mhl_generation: Mapped[str | None] = mapped_column(Text)  # path of the ASC MHL manifest written
    job: Mapped[Job] = relationship(back_populates="job_destinations")
    destination: Mapped[Destination] = relationship()


class File(Base):
    """A file of a card, with the hashes read from the source (one column per ASC MHL format)."""

    __tablename__ = "files"
    __table_args__ = (UniqueConstraint("card_id", "relpath_raw"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    relpath_raw: Mapped[bytes] = mapped_column(LargeBinary)
    relpath: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    c4: Mapped[str | None] = mapped_column(String(90))
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    xxh128: Mapped[str | None] = mapped_column(String(32))
    xxh3: Mapped[str | None] = mapped_column(String(16))
    xxh64: Mapped[str | None] = mapped_column(String(16), index=True)
    hashed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: why this card entry could not be taken (cannot stat, unreadable, special file, link): blocks SAFE TO FORMAT
    problem: Mapped[str | None] = mapped_column(Text)
    card: Mapped[Card] = relationship(back_populates="files")
    copies: Mapped[list[Copy]] = relationship(back_populates="file", cascade="all, delete-orphan")

    def hashes(self) -> dict[HashAlgorithm, str]:
        """``{format: text form}`` of the non-empty hash columns."""
        return {a: v for a in HashAlgorithm if (v := getattr(self, a.value))}

    def set_hashes(self, hashes: dict[HashAlgorithm, str]) -> None:
        for alg, value in hashes.items():
            setattr(self, HashAlgorithm(alg).value, value)


class Copy(Base):
    """One file on one destination: pending → copied → verified | failed (with the reason)."""

    __tablename__ = "copies"
    __table_args__ = (UniqueConstraint("file_id", "destination_id"), Index("ix_copies_dest_state", "destination_id", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    state: Mapped[str] = mapped_column(String(20), default=CopyState.PENDING.value)
    reason: Mapped[str | None] = mapped_column(Text)
    failure: Mapped[str | None] = mapped_column(String(16))  # core.model.CopyFailure of a failed copy
    copied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    file: Mapped[File] = relationship(back_populates="copies")
    destination: Mapped[Destination] = relationship(back_populates="copies")


class Clip(Base):
    """One recording on a card (media + sidecars, proxies, span segments), with what probing read from it
    and the logger's fields. ``key`` is the grouping identity on the card (media path, or the RED clip folder).

    Rates are exact: ``fps_num/fps_den`` (24000/1001). ``start_frame`` counts timecode labels since midnight at
    the nominal rate; ``frames`` is the duration. ``probe_status``: pending | ok | partial | no_decoder | failed,
    with the reason in ``probe_error``. ``logged_from`` says where scene/take came from: ``manual``,
    ``ixml`` (a sound file's own slate) or ``sound:<file>`` (pre-filled from an overlapping sound take).
    """

    __tablename__ = "clips"
    __table_args__ = (
        UniqueConstraint("card_id", "key"),
        Index("ix_clips_card_start", "card_id", "start_frame"),
        Index("ix_clips_scene_take", "scene", "take"),
        # the clip browser's filters and counts (migration 0010)
        Index("ix_clips_camera_circled", "camera", "circled"),
        Index("ix_clips_rating", "rating"),
        Index("ix_clips_flagged", "flagged"),
        Index("ix_clips_take", "take"),
        Index("ix_clips_kind", "kind"),
        # every sort order of the clip browser read in index order (migration 0016; its descending
        # indexes are the migration's alone: store.db.described_by_models)
        Index("ix_clips_scene", "scene"),
        Index("ix_clips_camera", "camera"),
        Index("ix_clips_circled", "circled"),
        Index("ix_clips_start_frame", "start_frame"),
        Index("ix_clips_frames", "frames"),
        Index("ix_clips_codec", "codec"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=ClipKind.VIDEO.value)  # core.states.ClipKind
    tape_name: Mapped[str | None] = mapped_column(String(32), index=True)
    reel: Mapped[str | None] = mapped_column(String(64), index=True)
    # probe
    probe_status: Mapped[str] = mapped_column(String(20), default=ProbeStatus.PENDING.value, index=True)
    probe_error: Mapped[str | None] = mapped_column(Text)
    probe_source: Mapped[str | None] = mapped_column(Text)  # the file that was read (a verified copy if any)
    probed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    files_signature: Mapped[str | None] = mapped_column(String(32))  # sizes+mtimes of the clip's files when probed
    codec: Mapped[str | None] = mapped_column(String(64))
    codec_profile: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    fps_num: Mapped[int | None] = mapped_column(Integer)
    fps_den: Mapped[int | None] = mapped_column(Integer)
    frames: Mapped[int | None] = mapped_column(BigInteger)
    start_tc: Mapped[str | None] = mapped_column(String(16))
    start_frame: Mapped[int | None] = mapped_column(Integer)
    drop_frame: Mapped[bool] = mapped_column(Boolean, default=False)
    audio_channels: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    camera_make: Mapped[str | None] = mapped_column(String(128))
    camera_model: Mapped[str | None] = mapped_column(String(128))
    camera_serial: Mapped[str | None] = mapped_column(String(128))
    lens: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[str | None] = mapped_column(String(40))  # as the file states it (ISO 8601)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")  # slate, tracks, warnings, other tags
    thumbnail_status: Mapped[str] = mapped_column(String(20), default=ThumbnailStatus.PENDING.value)
    thumbnail_error: Mapped[str | None] = mapped_column(Text)
    # logger
    scene: Mapped[str | None] = mapped_column(String(32))
    take: Mapped[str | None] = mapped_column(String(16))
    camera: Mapped[str | None] = mapped_column(String(8))  # camera letter (A, B…)
    notes: Mapped[str | None] = mapped_column(Text)
    circled: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[int] = mapped_column(Integer, default=0)  # 0–5
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    logged_from: Mapped[str | None] = mapped_column(String(255))  # str(core.states.LoggedFrom)
    logged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    card: Mapped[Card] = relationship(back_populates="clips")
    files: Mapped[list[ClipFile]] = relationship(back_populates="clip", cascade="all, delete-orphan",
                                                 order_by="ClipFile.id")
    thumbnails: Mapped[list[ClipThumbnail]] = relationship(back_populates="clip", cascade="all, delete-orphan",
                                                           order_by="ClipThumbnail.position")


class ClipFile(Base):
    """A card file's place in a clip: role media | segment | proxy | sidecar | thumbnail, and its order."""

    __tablename__ = "clip_files"
    __table_args__ = (UniqueConstraint("file_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))  # core.states.ClipFileRole
    position: Mapped[int] = mapped_column(Integer, default=0)
    clip: Mapped[Clip] = relationship(back_populates="files")
    file: Mapped[File] = relationship()


class ClipThumbnail(Base):
    """A cached JPEG of a clip's frame (``position`` 0/1/2 = first/middle/last), stored beside the catalog."""

    __tablename__ = "clip_thumbnails"
    __table_args__ = (UniqueConstraint("clip_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    frame: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    clip: Mapped[Clip] = relationship(back_populates="thumbnails")


class Drive(Base):
    """A destination drive, shuttle or RAID as a thing (issue 12): who holds it, where it is, what it is.

    Identity: ``fs_uuid`` (the filesystem's UUID, ``""`` when the OS gives none) and ``physical_id`` (the
    physical drive, as ``destinations.drive_id``: WWID/serial of its disk(s), ``""`` when unknown, with
    ``physical_note`` saying why); ``label`` is what the DIT writes on the drive ("SHUTTLE-07"). ``root`` is the
    mount point where it was registered or last seen. ``kind``: raid | shuttle | backup | lto;
    ``status``: active | retired (see ``services.drives``). Sizes in bytes (decimal TB for people).
    """

    __tablename__ = "drives"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="shuttle")
    status: Mapped[str] = mapped_column(String(16), default="active")
    fs_uuid: Mapped[str] = mapped_column(String(64), default="", index=True)
    fs_label: Mapped[str] = mapped_column(String(255), default="")
    fs_type: Mapped[str] = mapped_column(String(50), default="")
    physical_id: Mapped[str] = mapped_column(Text, default="")
    physical_note: Mapped[str | None] = mapped_column(Text)
    capacity_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[str] = mapped_column(Text, default="")
    holder: Mapped[str] = mapped_column(String(255), default="")
    location: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    events: Mapped[list[DriveEvent]] = relationship(back_populates="drive", cascade="all, delete-orphan",
                                                    order_by="DriveEvent.id")


class DriveEvent(Base):
    """Who did what to a drive, when: added, shipped (courier, to), received (at), re-verified on receipt
    (``ok`` and ``result``), retired (with the wipe verdict or the forced note). ``details``: JSON."""

    __tablename__ = "drive_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    who: Mapped[str] = mapped_column(String(255), default="")
    host: Mapped[str] = mapped_column(String(255), default="")
    what: Mapped[str] = mapped_column(String(20))
    courier: Mapped[str | None] = mapped_column(String(255))
    place: Mapped[str | None] = mapped_column(String(255))
    ok: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")
    drive: Mapped[Drive] = relationship(back_populates="events")


class DriveDestination(Base):
    """A destination card folder found on a registered drive (by its path under the drive's mount point, or
    by the physical drive recorded for it); ``how`` says which."""

    __tablename__ = "drive_destinations"
    drive_id: Mapped[int] = mapped_column(ForeignKey("drives.id", ondelete="CASCADE"), primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destinations.id", ondelete="CASCADE"), primary_key=True,
                                                index=True)
    how: Mapped[str] = mapped_column(String(20), default="path")
    linked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QcFinding(Base):
    """An ingest QC finding (``media.qc.Finding``) on a card: rule and severity (``core.states.QcRule``,
    ``QcSeverity``), the clip (``None``: about the card), what was expected and found, the sentence, the frame
    (decode errors). ``fingerprint`` identifies the same finding across runs, so a re-run keeps its
    acknowledgement (``ack_by``, ``ack_at`` UTC, ``ack_note``: who accepted it, when, why). ``profile``: the
    show profile of the run that last found it (``ShowProfile.stamp``); ``first_seen``/``last_seen`` UTC."""

    __tablename__ = "qc_findings"
    __table_args__ = (UniqueConstraint("card_id", "fingerprint"), Index("ix_qc_findings_card_rule", "card_id", "rule"))
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id", ondelete="SET NULL"))
    fingerprint: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(32))  # core.states.QcRule
    severity: Mapped[str] = mapped_column(String(10))  # core.states.QcSeverity
    subject: Mapped[str] = mapped_column(Text)
    expected: Mapped[str] = mapped_column(Text)
    found: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    frame: Mapped[int | None] = mapped_column(Integer)
    profile: Mapped[str | None] = mapped_column(String(255))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ack_by: Mapped[str | None] = mapped_column(String(255))
    ack_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    ack_note: Mapped[str | None] = mapped_column(Text)
    card: Mapped[Card] = relationship()


class Rendition(Base):
    """A dailies rendition of a clip in one preset (issue 13): the files written (``paths``, JSON list, video
    first; ``xxh64``, JSON list of their hex xxh64 in the same order), the frames, and ``inputs_key`` (hex
    digest of the clip's content hash, the preset, the look/CDL file hashes and the burn-in fields): a render
    whose key is unchanged and whose files exist is not done again. ``created_at`` UTC."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("clip_id", "preset"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    preset: Mapped[str] = mapped_column(String(64))
    paths: Mapped[str] = mapped_column(Text)
    xxh64: Mapped[str] = mapped_column(Text)
    frames: Mapped[int] = mapped_column(Integer)
    inputs_key: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Turnover(Base):
    """A turnover package written (issue 14): ``kind`` editorial | sound (``core.states.TurnoverKind``), the
    ``folder`` it went to, the ASC MHL ``generation`` number it added there, the scope asked (``scope``, e.g.
    ``day 2026-11-23``), ``files`` (JSON list of ``{"path", "size", "xxh64", "change"}``, paths relative to the
    folder, change ``new`` | ``unchanged``), ``checks`` (JSON list of ``{"rule", "subject", "ok", "text"}``),
    ``status`` completed | refused (a check failed: nothing written, ``error`` says why) and the job that wrote
    it. ``created_at`` UTC."""

    __tablename__ = "turnovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    folder: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, default="")
    day: Mapped[dt.date | None] = mapped_column(Date, index=True)
    generation: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    files: Mapped[str] = mapped_column(Text, default="[]")
    checks: Mapped[str] = mapped_column(Text, default="[]")
    error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Cut(Base):
    """One version of an editorial cut (issue 15): ``name`` (``R1``) and ``version`` (1, 2, …) identify it;
    ``format`` (``cmx3600``, ``fcp_xml``…), the files it was read from (``source``, JSON list), its rate, who
    imported it and when (UTC). ``locked_by``/``locked_at``: the reel lock; ``warnings``: JSON list."""

    __tablename__ = "cuts"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255), default="")
    format: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text, default="[]")
    fps_num: Mapped[int] = mapped_column(Integer)
    fps_den: Mapped[int] = mapped_column(Integer)
    drop_frame: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_by: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(255))
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    events: Mapped[list[CutEvent]] = relationship(back_populates="cut", cascade="all, delete-orphan",
                                                  order_by="CutEvent.position")


class CutEvent(Base):
    """A picture event of a cut, as read (``post.model.CutEvent``: frames at the cut's rate, ``[in, out)``;
    ``speed`` as a fraction text, ``cdl`` JSON or ``None``) and as resolved: ``status`` (``resolved``,
    ``ambiguous``, ``unmatched``), the clip, how (``match_by``), ``reason`` and ``candidates`` (JSON list).
    ``shot``: the VFX shot name when marked; ``markers``: the editor's marker texts (JSON list)."""

    __tablename__ = "cut_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    cut_id: Mapped[int] = mapped_column(ForeignKey("cuts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    track: Mapped[int] = mapped_column(Integer, default=1)
    reel: Mapped[str] = mapped_column(String(128), default="")
    source_file: Mapped[str | None] = mapped_column(Text)
    clip_name: Mapped[str | None] = mapped_column(Text)
    src_in: Mapped[int] = mapped_column(Integer)
    src_out: Mapped[int] = mapped_column(Integer)
    rec_in: Mapped[int] = mapped_column(Integer)
    rec_out: Mapped[int] = mapped_column(Integer)
    speed: Mapped[str | None] = mapped_column(String(32))
    transition: Mapped[str] = mapped_column(String(4), default="C")
    dissolve: Mapped[int] = mapped_column(Integer, default=0)
    extended: Mapped[int] = mapped_column(Integer, default=0)
    line: Mapped[int] = mapped_column(Integer, default=0)
    cdl: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12))
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id", ondelete="SET NULL"), index=True)
    match_by: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    candidates: Mapped[str] = mapped_column(Text, default="[]")
    shot: Mapped[str | None] = mapped_column(String(64))
    markers: Mapped[str] = mapped_column(Text, default="[]")
    cut: Mapped[Cut] = relationship(back_populates="events")
    clip: Mapped[Clip | None] = relationship()


class Pull(Base):
    """A VFX shot pulled (or a DI delivery's clip, ``kind`` ``di``): the cut version and event, the clip, the
    cut range and the pulled range in clip frames ``[in, out)`` (0 = the clip's first frame), the handles asked,
    the first VFX frame, the package folder and whether the file was trimmed; who and when (UTC)."""

    __tablename__ = "pulls"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default="vfx")
    cut_id: Mapped[int] = mapped_column(ForeignKey("cuts.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("cut_events.id", ondelete="SET NULL"))
    shot: Mapped[str] = mapped_column(String(64))
    clip_id: Mapped[int | None] = mapped_column(ForeignKey("clips.id", ondelete="SET NULL"), index=True)
    cut_in: Mapped[int] = mapped_column(Integer)
    cut_out: Mapped[int] = mapped_column(Integer)
    pull_in: Mapped[int] = mapped_column(Integer)
    pull_out: Mapped[int] = mapped_column(Integer)
    handles: Mapped[int] = mapped_column(Integer)
    first_frame: Mapped[int] = mapped_column(Integer)
    package: Mapped[str] = mapped_column(Text)
    trimmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Tape(Base):
    """An LTO tape (LTFS) of the archive (issue 16): ``label`` (the LTFS volume name, usually the barcode),
    ``barcode``, ``copy`` A or B (the two sets kept in two places), ``capacity_bytes`` (native, as planned) and
    ``used_bytes`` (bytes of the files written by PIXM plus its sidecars), ``state`` open | full | failed,
    the mount point it was last seen at and when (UTC)."""

    __tablename__ = "tapes"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(64), unique=True)
    barcode: Mapped[str] = mapped_column(String(64), default="")
    copy: Mapped[str] = mapped_column(String(1), default="A")
    capacity_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="open")
    mount_point: Mapped[str] = mapped_column(Text, default="")
    mounted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    files: Mapped[list[TapeFile]] = relationship(back_populates="tape", cascade="all, delete-orphan",
                                                 order_by="TapeFile.position")


class TapeFile(Base):
    """A card file (``file_id``) written on a tape at ``path`` (relative to the tape's root, ``/``-separated),
    the ``position``-th file written there (the tape order), with the hashes read back from the tape
    (``xxh64``, ``md5``, ``sha256`` hex; ``None`` when not computed), the archive job, when it was written and
    when it was last read back and found equal to the catalog (``verified_at``, UTC; ``None``: not yet, or
    ``state`` failed with ``reason``)."""

    __tablename__ = "tape_files"
    __table_args__ = (UniqueConstraint("tape_id", "path"), Index("ix_tape_files_file_id", "file_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    tape_id: Mapped[int] = mapped_column(ForeignKey("tapes.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(BigInteger)
    xxh64: Mapped[str | None] = mapped_column(String(16))
    md5: Mapped[str | None] = mapped_column(String(32))
    sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="written")
    reason: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    tape: Mapped[Tape] = relationship(back_populates="files")
    file: Mapped[File] = relationship()


class ReviewViewer(Base):
    """A person invited to the review portal (issue 18): ``name`` (unique, shown in the watermark and on every
    decision), ``role`` (``services.review.roles.Role``), the invite token's SHA-256 hex (``token_hash``; the
    token itself is never stored), expiry and revocation (UTC; revoked viewers are refused at once)."""

    __tablename__ = "review_viewers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewSession(Base):
    """A browser signed in with a viewer's link: the session id's SHA-256 hex (the cookie holds the id), the
    client address and browser, when it began, was last seen and ended (revoked, UTC)."""

    __tablename__ = "review_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("review_viewers.id", ondelete="CASCADE"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    viewer: Mapped[ReviewViewer] = relationship()


class ReviewAccess(Base):
    """The portal's access log: who (``viewer_id``; ``None`` for a refused request), from where, what
    (method and path, never a query string), the HTTP status and when (UTC)."""

    __tablename__ = "review_access"
    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("review_viewers.id", ondelete="SET NULL"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)


class ReviewComment(Base):
    """A decision or comment from the portal on a clip, with who and when: ``kind`` comment | circle |
    uncircle | rating | select | unselect, ``text`` (the comment, or the rating as text), the clip-relative
    frames ``[frame_in, frame_out]`` (``None``: the whole clip) and their timecodes. ``uuid`` is stable
    across catalogs (the central sync's key); ``author``/``role`` are kept as text so they outlive the viewer."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clips.id", ondelete="CASCADE"), index=True)
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("review_viewers.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(12), default="comment")
    text: Mapped[str] = mapped_column(Text, default="")
    frame_in: Mapped[int | None] = mapped_column(Integer)
    frame_out: Mapped[int | None] = mapped_column(Integer)
    tc_in: Mapped[str | None] = mapped_column(String(16))
    tc_out: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- sync with a central catalog (issue 17, store.sync_registry) ---------------------------------------------

def _add_sync_columns() -> None:
    """Every synced table's ``sync_uuid`` (global id, text) and ``sync_hlc`` (its last change's hybrid
    logical clock value); the triggers of migration 0015 keep them."""
    from pixm_desktop.store.sync_registry import SYNCED_TABLES

    by_table = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
    for name in SYNCED_TABLES:
        model = by_table[name]
        model.sync_uuid = mapped_column(String(36), nullable=True, index=True, unique=True)
        model.sync_hlc = mapped_column(BigInteger, nullable=True)


_add_sync_columns()


class SyncCart(Base):
    """This cart (one row, ``id`` 1): its UUID and name, the central catalog's URL (never with a password),
    how far its outbox was pushed (``pushed_seq``) and the central field changes read (``pulled_seq``), its
    hybrid logical clock (``hlc_ms``, ``hlc_count``), the last sync (UTC), its error, the conflicts seen."""

    __tablename__ = "sync_cart"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    central_url: Mapped[str | None] = mapped_column(Text)
    pushed_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pulled_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hlc_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    hlc_count: Mapped[int] = mapped_column(Integer, default=0)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)


class SyncOutbox(Base):
    """A change to push: ``op`` ``u`` (row inserted or updated: push its current state) or ``d`` (deleted:
    ``uuid`` says which), with the HLC of the change. ``seq`` never repeats (AUTOINCREMENT)."""

    __tablename__ = "sync_outbox"
    __table_args__ = {"sqlite_autoincrement": True}
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    tbl: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(1), default="u")
    uuid: Mapped[str | None] = mapped_column(String(36))
    hlc: Mapped[int] = mapped_column(BigInteger)


class SyncField(Base):
    """A both-ways field's stamp on this cart: ``hlc`` of its current value, ``base`` the stamp of the value
    last agreed with the central catalog, ``pending`` while a local edit waits to be pushed."""

    __tablename__ = "sync_fields"
    tbl: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    hlc: Mapped[int] = mapped_column(BigInteger)
    base: Mapped[int] = mapped_column(BigInteger, default=0)
    pending: Mapped[bool] = mapped_column(Boolean, default=True)


class SyncApply(Base):
    """Holds a row only inside the sync's own local transactions: the triggers record no change then."""

    __tablename__ = "sync_apply"
    id: Mapped[int] = mapped_column(primary_key=True)
