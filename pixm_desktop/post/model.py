"""What an editorial cut is once read: events with their source and record ranges in frames, whatever file
format it came from (CMX 3600 EDL, FCP7 XML, FCPXML, OTIO, AAF).

Frames are counted since midnight at the cut's rate (the EDL's timecode labels, SMPTE ST 12-1, read with
``core.timecode``). Source ranges are half-open ``[src_in, src_out)`` and already say which camera frames the
event shows: a dissolve's outgoing clip is extended by the dissolve, a speed change (CMX ``M2``) is applied, a
freeze frame is one frame, a reverse event runs from its first shown frame down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Cdl:
    """ASC CDL of an event: slope, offset, power (each r, g, b) and saturation."""

    slope: tuple[float, float, float]
    offset: tuple[float, float, float]
    power: tuple[float, float, float]
    sat: float = 1.0


@dataclass(slots=True)
class CutEvent:
    """One picture event of a cut.

    ``number``: the EDL event number (or the clip's position for XML); ``track``: video track, 1-based;
    ``reel``: the source column (tape or full name); ``source_file``: ``* SOURCE FILE`` / ``* FROM CLIP`` /
    ``* FROM FILE`` or the XML media reference's file name; ``clip_name``: ``* FROM CLIP NAME`` or the XML
    clip name (the editor's bin name: shown, never matched); ``src_in``/``src_out``: the source frames used,
    ``[in, out)`` at the cut's rate; ``rec_in``/``rec_out``: record frames; ``speed``: playback rate as a
    fraction of normal (2 for an M2 of 48 fps at 24, 0 freeze, negative reverse), ``None`` when normal;
    ``transition``: ``C`` cut or ``D`` dissolve (``dissolve`` frames long); ``extended``: frames the source
    out was extended because the next event dissolves out of this one; ``line``: 1-based line in the file;
    ``markers``: the texts of the editor's markers on it (Avid ``* LOC:`` locators, XML/OTIO clip markers).
    """

    number: int
    track: int
    reel: str
    src_in: int
    src_out: int
    rec_in: int
    rec_out: int
    source_file: str | None = None
    clip_name: str | None = None
    speed: Fraction | None = None
    transition: str = "C"
    dissolve: int = 0
    extended: int = 0
    line: int = 0
    cdl: Cdl | None = None
    notes: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)

    @property
    def frames(self) -> int:
        """Source frames used (``src_out - src_in``)."""
        return self.src_out - self.src_in


@dataclass(slots=True)
class CutDocument:
    """A cut as read from one or several files: ``fps`` exact, ``drop_frame`` the labels' kind, ``events`` in
    track then record order, ``format`` (``cmx3600``, ``fcp_xml``, ``fcpx_xml``, ``otio_json``, ``aaf``),
    ``warnings`` (what was read but cannot be honoured, e.g. a speed ramp)."""

    title: str
    fps: Fraction
    drop_frame: bool
    format: str
    events: list[CutEvent] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def tracks(self) -> list[int]:
        return sorted({e.track for e in self.events})
