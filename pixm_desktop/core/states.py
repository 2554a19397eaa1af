"""The stored vocabulary of the catalog: every state string a row holds, the typed options of a job and where
a clip's scene/take came from.

Each enum is a ``StrEnum`` whose values are the strings the catalog has always stored, so rows written by an
older PIXM read back unchanged and ``ClipKind.AUDIO == "audio"`` holds (no migration).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum


class JobKind(StrEnum):
    """What a catalog job does (``jobs.kind``)."""

    OFFLOAD = "offload"


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
