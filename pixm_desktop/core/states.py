"""The stored vocabulary of the catalog: every state string a row holds, the typed options of a job and where
a clip's scene/take came from.

Each enum is a ``StrEnum`` whose values are the strings the catalog has always stored, so rows written by an
older PIXM read back unchanged and ``ClipKind.AUDIO == "audio"`` holds (no migration).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import StrEnum


class JobKind(StrEnum):
    """What a catalog job does (``jobs.kind``); each has its class in ``services.jobs.KINDS``."""

    OFFLOAD = "offload"  # copy a card to its destinations, verify, write ASC MHL
    VERIFY = "verify"  # re-verify one destination card folder against its history
    INGEST = "ingest"  # group, probe and thumbnail the clips of a card
    REPORT = "report"  # the offload report of a job, or the daily report of a day (PDF)
    AFTERCARE = "aftercare"  # what follows a verified offload: the ingest, then the offload report
    QC = "qc"  # ingest QC: the clips of cards (or a day) checked against the show profile
    DAILIES = "dailies"  # renditions (proxies) of clips in a preset, with look and burn-ins
    TURNOVER = "turnover"  # a checked package for editorial or sound, with its own ASC MHL
    PULL = "pull"  # the VFX shots of a cut, with handles: pull list and camera files, fresh ASC MHL
    DELIVERY = "delivery"  # the camera files a cut uses (DI), by reel, with EDLs and a fresh ASC MHL
    ARCHIVE = "archive"  # card files onto LTO tapes (LTFS), read back, ASC MHL carried, tape index and report
    RESTORE = "restore"  # the camera files of clips or a cut back from tape, checked on the way


class JobDestinationStatus(StrEnum):
    """Outcome of a job on one destination (``job_destinations.status``)."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class ProbeStatus(StrEnum):
    """Outcome of reading a clip's metadata (``clips.probe_status``); the reason is in ``probe_error``."""

    PENDING = "pending"
    OK = "ok"
    PARTIAL = "partial"  # some metadata read, some not
    NO_DECODER = "no_decoder"  # no open decoder (R3D, BRAW): named and timed from names and sidecars
    FAILED = "failed"


class ThumbnailStatus(StrEnum):
    """Outcome of a clip's thumbnails (``clips.thumbnail_status``); ``none``: the clip has no picture."""

    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"
    NONE = "none"


class ClipKind(StrEnum):
    """What a clip holds (``clips.kind``)."""

    VIDEO = "video"
    AUDIO = "audio"
    RAW = "raw"


class ClipFileRole(StrEnum):
    """A card file's place in a clip (``clip_files.role``)."""

    MEDIA = "media"
    SEGMENT = "segment"
    PROXY = "proxy"
    SIDECAR = "sidecar"
    THUMBNAIL = "thumbnail"


@dataclass(frozen=True, slots=True)
class JobOptions:
    """The options an offload job ran with (``jobs.options``, JSON): re-read of the card after copying,
    cascade copy, and the destination roots (as given, so an interrupted job resumes into the same places)."""

    source_verify: bool = False
    cascade: bool = False
    destinations: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"source_verify": self.source_verify, "cascade": self.cascade,
                "destinations": list(self.destinations)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | None) -> JobOptions:
        """Options from the stored JSON; missing keys take their defaults, unknown keys are ignored, and
        empty or unreadable JSON (a row from an old or damaged catalog) gives the defaults. Never raises."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        dests = data.get("destinations")
        return cls(source_verify=bool(data.get("source_verify")), cascade=bool(data.get("cascade")),
                   destinations=tuple(str(d) for d in dests) if isinstance(dests, list) else ())


class _KindOptions:
    """Typed options of a job kind other than offload, stored as JSON in ``jobs.options``: every field is a
    plain JSON value (str, int, bool or ``None``). Parsed back by :func:`job_options` only."""

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict):
        """Known keys whose value has the default's type (``None`` allowed where the default is ``None``);
        anything else takes its default. Never raises."""
        kwargs = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value, default = data[f.name], f.default
            if default is None or type(value) is type(default) or (value is None and default is None):
                kwargs[f.name] = value
        return cls(**kwargs)


@dataclass(frozen=True, slots=True)
class VerifyJobOptions(_KindOptions):
    """A re-verify: the catalog's destination ``destination_id``, or the folder ``path``; ``write``: append an
    in-place ASC MHL generation."""

    path: str = ""
    destination_id: int | None = None
    write: bool = True


@dataclass(frozen=True, slots=True)
class IngestJobOptions(_KindOptions):
    """The clips of card ``card_id``; ``force``: probe clips again even when unchanged."""

    card_id: int = 0
    force: bool = False


@dataclass(frozen=True, slots=True)
class ReportJobOptions(_KindOptions):
    """A PDF report: ``report`` is ``offload`` (of job ``job_id``) or ``daily`` (of ``day``, ISO date, and
    ``project``). ``path``: the file to write; else a new file in ``folder`` ("" = the catalog's reports folder).
    ``min_copies``/``distinct_drives``: the safe-to-format rule the report judges cards by."""

    report: str = "offload"
    job_id: int | None = None
    day: str | None = None
    project: str | None = None
    path: str | None = None
    folder: str = ""
    min_copies: int = 2
    distinct_drives: bool = True


@dataclass(frozen=True, slots=True)
class AftercareJobOptions(_KindOptions):
    """What follows the verified offload ``job_id`` of card ``card_id``: the clip ingest (``ingest``), the ingest
    QC (``qc``, when a show profile is installed), then the offload report into ``report_folder`` (``None``: no
    report; "" = the catalog's reports folder), judged by the rule ``min_copies``/``distinct_drives``, with the
    production, company, unit and DIT in its header."""

    card_id: int = 0
    job_id: int | None = None
    ingest: bool = True
    report_folder: str | None = None
    min_copies: int = 2
    distinct_drives: bool = True
    qc: bool = True  # ingest QC after the ingest, when a show profile is installed beside the catalog
    # the report's header: the production settings, else the show profile's (services.settings.production_defaults)
    production: str = ""
    company: str = ""
    unit: str = ""
    dit: str = ""  # "" = the name read from ASC MHL


@dataclass(frozen=True, slots=True)
class QcJobOptions(_KindOptions):
    """Ingest QC of card ``card_id`` (0: none) or of every card of ``day`` (ISO date; ``None``: none), against
    the installed show profile; ``decode``: also decode every video frame (slow, flags corrupt frames)."""

    card_id: int = 0
    day: str | None = None
    decode: bool = False


@dataclass(frozen=True, slots=True)
class DailiesJobOptions(_KindOptions):
    """Renditions of the video clips of ``day`` (ISO date), of the cards labelled ``card``, or named ``clips``
    (comma-separated; "" = none) in ``preset``, with the ASC CDL file ``cdl`` and the ``.cube`` LUT ``lut``
    ("" = none), the burn-in fields ``burn_in`` (comma-separated, ``media.renditions.burnin.FIELDS``) and
    ``watermark`` text, into ``folder`` (a folder per preset inside); ``workers``: clips rendered at once
    (0 = the machine's cores); ``decoders``: a camera-raw decoder hooks file ("" = the shipped and the
    user's only). An OpenColorIO look instead of the LUT: ``look`` (a look or view of the config),
    ``ocio_config`` (``ocio://`` built-in or a ``.ocio`` file; "" = the ACES studio config) and
    ``colour_space`` (the clips' camera space; "" = the preset's or the camera's usual one); any of the three
    set turns it on. ``burn_in_layout``: JSON ``{"positions": {field: anchor}, "size": fraction}`` over the
    preset's burn-in style ("" = the preset's). ``cluster``: a Dask scheduler's address ("" = this machine's
    process pool) and ``path_map`` its ``CART=NODE`` prefix pairs, one a line."""

    day: str | None = None
    card: str | None = None
    clips: str = ""
    preset: str = "avid-dnxhd36-mxf"
    lut: str = ""
    cdl: str = ""
    burn_in: str = ""
    watermark: str = ""
    folder: str = ""
    workers: int = 0
    decoders: str = ""
    look: str = ""
    ocio_config: str = ""
    colour_space: str = ""
    burn_in_layout: str = ""
    cluster: str = ""
    path_map: str = ""


class TurnoverKind(StrEnum):
    """What a turnover package is for (``turnovers.kind``)."""

    EDITORIAL = "editorial"  # proxies + AAF/ALE/FCP7 XML, reports, looks, manifest
    SOUND = "sound"  # the original BWF files by sound roll, sound report


class TapeTemplate(StrEnum):
    """The edit list a turnover's tape names must fit (``--template``): CMX 3600 reels (8 characters) or
    Avid's File_32 (32 characters)."""

    CMX3600 = "cmx3600"
    FILE32 = "file32"


@dataclass(frozen=True, slots=True)
class TurnoverJobOptions(_KindOptions):
    """A turnover of ``kind`` (:class:`TurnoverKind`) into ``folder``: the clips of ``day`` (ISO date) or of the
    cards ``cards`` / sound rolls ``rolls`` (comma-separated; "" = none). Editorial: the renditions of
    ``preset``, tape names checked against ``template`` (:class:`TapeTemplate`); ``mos``: comma-separated picture
    clip names shot without sound (besides clips whose notes say MOS)."""

    kind: str = TurnoverKind.EDITORIAL.value
    day: str | None = None
    cards: str = ""
    rolls: str = ""
    folder: str = ""
    preset: str = "avid-dnxhd36-mxf"
    template: str = TapeTemplate.FILE32.value
    mos: str = ""


@dataclass(frozen=True, slots=True)
class PostJobOptions(_KindOptions):
    """A VFX pull (``pull``) or a DI delivery (``delivery``) of the cut ``cut`` (``NAME`` or ``NAME@N``) into a
    new package folder in ``folder``: ``handles`` frames each side (a pull's default 8, a delivery's 10),
    ``first_frame`` the VFX number of a pull's first handle frame, ``shots`` (comma-separated; "" = every
    marked one), ``trim`` (ProRes/DNx MOV cut to range + handles by stream copy)."""

    cut: str = ""
    folder: str = ""
    handles: int = 8
    first_frame: int = 1001
    shots: str = ""
    trim: bool = False


@dataclass(frozen=True, slots=True)
class ArchiveJobOptions(_KindOptions):
    """An archive to tape: ``day`` (ISO date), ``cards`` (comma-separated labels) or ``cut``; ``tapes``
    (comma-separated ``LABEL=MOUNTPOINT``, in the order they are filled); copy set ``copy`` A | B; ``from_card``:
    read from the card when no verified copy is mounted; ``ltfs_hash`` md5 | sha256; ``capacity``: native bytes
    per tape (0: the filesystem's size)."""

    day: str = ""
    cards: str = ""
    cut: str = ""
    tapes: str = ""
    copy: str = "A"
    from_card: bool = False
    ltfs_hash: str = "md5"
    capacity: int = 0


@dataclass(frozen=True, slots=True)
class RestoreJobOptions(_KindOptions):
    """A restore from tape into ``folder``: the clips ``clips`` (comma-separated names) or the cut ``cut`` with
    ``handles``."""

    folder: str = ""
    clips: str = ""
    cut: str = ""
    handles: int = 0


_OPTIONS = {JobKind.VERIFY: VerifyJobOptions, JobKind.INGEST: IngestJobOptions, JobKind.REPORT: ReportJobOptions,
            JobKind.AFTERCARE: AftercareJobOptions, JobKind.QC: QcJobOptions, JobKind.DAILIES: DailiesJobOptions,
            JobKind.TURNOVER: TurnoverJobOptions, JobKind.PULL: PostJobOptions, JobKind.DELIVERY: PostJobOptions,
            JobKind.ARCHIVE: ArchiveJobOptions, JobKind.RESTORE: RestoreJobOptions}


def job_options(kind: str, text: str | None):
    """The typed options of a stored job row (the ONE place ``jobs.options`` is parsed): :class:`JobOptions`
    for an offload (and for a kind this PIXM does not know), the kind's own class otherwise. Empty or unreadable
    JSON gives the defaults. Never raises."""
    cls = _OPTIONS.get(kind)  # type: ignore[call-overload]
    if cls is None:
        return JobOptions.from_json(text)
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    return cls.from_dict(data if isinstance(data, dict) else {})


class QcSeverity(StrEnum):
    """How bad an ingest QC finding is (``qc_findings.severity``): an error makes ``pixm qc`` exit 12."""

    WARNING = "warning"
    ERROR = "error"


class QcRule(StrEnum):
    """The ingest QC rule a finding broke (``qc_findings.rule``); severities in ``media.qc.SEVERITY``."""

    CAMERA_UNKNOWN = "camera_unknown"  # the clip's camera letter has no camera in the profile
    NOT_PROBED = "not_probed"  # the clip's media could not be read: nothing else can be checked
    CODEC = "codec"
    RESOLUTION = "resolution"
    FRAME_RATE = "frame_rate"
    TC_RATE = "tc_rate"  # timecode counting rate or drop-frame
    SAMPLE_RATE = "sample_rate"  # sound
    BIT_DEPTH = "bit_depth"  # sound
    CLIP_NAME = "clip_name"
    REEL_NAME = "reel_name"
    REEL_DUPLICATE = "reel_duplicate"  # the same reel on another card
    TC_OVERLAP = "tc_overlap"  # a clip starts before the one before it ends
    TC_BREAK = "tc_break"  # timecode jumps backwards from one clip to the next
    SIDECAR_MISSING = "sidecar_missing"
    SOUND_DRIFT = "sound_drift"  # camera vs sound timecode offset grows over the day
    DECODE_ERROR = "decode_error"  # a frame that does not decode (full decode only)


class SlateSource(StrEnum):
    """Where a clip's scene and take came from."""

    MANUAL = "manual"  # typed by the loader: always wins
    IXML = "ixml"  # the sound recorder's own slate in the BWF file
    SOUND = "sound"  # the sound take whose timecode overlaps the clip (its file is named)


@dataclass(frozen=True, slots=True)
class LoggedFrom:
    """The ``clips.logged_from`` value: ``manual``, ``ixml`` or ``sound:<file>`` (the sound take's file)."""

    source: SlateSource
    file: str = ""  # only for SOUND

    SOUND_PREFIX = "sound:"

    @classmethod
    def parse(cls, text: str | None) -> LoggedFrom | None:
        """The value of a stored string; ``None`` for none or for a string PIXM never writes."""
        if not text:
            return None
        if text.startswith(cls.SOUND_PREFIX):
            return cls(SlateSource.SOUND, text[len(cls.SOUND_PREFIX):])
        try:
            return cls(SlateSource(text))
        except ValueError:
            return None

    @classmethod
    def sound(cls, file: str) -> LoggedFrom:
        return cls(SlateSource.SOUND, file)

    @property
    def from_sound(self) -> bool:
        """Scene/take came from the sound department (its iXML or an overlapping take), not the keyboard."""
        return self.source in (SlateSource.IXML, SlateSource.SOUND)

    def __str__(self) -> str:
        return f"{self.SOUND_PREFIX}{self.file}" if self.source is SlateSource.SOUND else self.source.value


MANUAL = LoggedFrom(SlateSource.MANUAL)
IXML = LoggedFrom(SlateSource.IXML)
