"""Which camera clip each event of a cut shows: by source file / clip name first, then by reel or tape name,
always with source-timecode containment; never by ``FROM CLIP NAME`` (the editor's bin name).

Nothing is guessed: an event that fits no clip is *unmatched*, one that fits several is *ambiguous*; both keep
the reason and the candidates (clip name and its timecode range). Timecodes are compared in timecode-label
seconds (frames / nominal rate, :func:`~pixm_desktop.core.timecode.label_span`), so a 23.976 cut finds its
23.976 clips frame for frame and a 48 fps clip in a 24 fps cut is found by the labels both count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from pixm_desktop.core.cameras import names_from_clip_name
from pixm_desktop.core.timecode import frames_to_tc, label_span, nominal
from pixm_desktop.post.model import CutEvent

#: Source-column values that name no camera source (auxiliary, black, Premiere's AX).
NO_REEL = frozenset({"", "AX", "BL", "BLK", "BLACK"})


@dataclass(frozen=True, slots=True)
class ClipRef:
    """A camera clip as resolution sees it: catalog id, name, card reel, EDL tape name, start (frames since
    midnight) and length in frames at ``fps``, the base names of its media files, its card's label."""

    id: int
    name: str
    reel: str | None
    tape_name: str | None
    start_frame: int | None
    frames: int | None
    fps: Fraction | None
    files: tuple[str, ...] = ()
    card: str = ""

    def span(self) -> tuple[Fraction, Fraction] | None:
        if self.start_frame is None or self.frames is None or self.fps is None:
            return None
        return label_span(self.start_frame, self.frames, self.fps)

    def describe(self) -> str:
        if self.span() is None:
            return f"{self.name} (no timecode)"
        end = self.start_frame + self.frames
        return (f"{self.name} {frames_to_tc(self.start_frame, self.fps)}–{frames_to_tc(end, self.fps)}"
                + (f" on {self.card}" if self.card else ""))


@dataclass(slots=True)
class Match:
    """The resolution of one event: ``status`` ``resolved`` / ``ambiguous`` / ``unmatched``, the clip (when
    resolved), how (``source file`` or ``reel``), the reason in words and the candidates' descriptions."""

    status: str
    clip: ClipRef | None = None
    by: str = ""
    reason: str = ""
    candidates: list[str] = field(default_factory=list)


def file_stem(source_file: str) -> str:
    """``A001C001_261123_RSF3`` of ``/Volumes/x/A001C001_261123_RSF3.mov`` (URL or Windows path too)."""
    base = re.split(r"[\\/]", source_file.strip())[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def name_keys(e: CutEvent) -> set[str]:
    """The names an event's source file gives (upper case): the clip name it implies and its file name."""
    if not e.source_file:
        return set()
    return {file_stem(e.source_file).upper(), re.split(r"[\\/]", e.source_file)[-1].upper()}


def wanted_keys(events: list[CutEvent]) -> tuple[set[str], set[str]]:
    """``(names, reels)`` to look up in the catalog for these events (upper case): clip names and file names
    from the source files; reels, tape names and the names a reel implies under the camera reel rules."""
    names: set[str] = set()
    reels: set[str] = set()
    for e in events:
        names |= name_keys(e)
        reels |= reel_keys(e.reel)
    return names, reels


def reel_keys(reel: str) -> set[str]:
    """A source column's lookup keys: itself, and the reel and tape name the camera reel rules read from it
    (a 32/128-character column holds the full clip name: ``A001C001_261123_RSF3`` → tape ``A001RSF3``)."""
    r = reel.strip().upper()
    if r in NO_REEL:
        return set()
    card_reel, tape = names_from_clip_name(reel.strip())
    return {r, tape.upper()} | ({card_reel.upper()} if card_reel and len(r) > 8 else set())


class Resolver:
    """Resolve events against candidate clips (those :func:`wanted_keys` found); ``cut_fps`` is the rate of
    the events' source frames."""

    def __init__(self, clips: list[ClipRef], cut_fps: Fraction):
        self.base = nominal(cut_fps)
        self.by_name: dict[str, list[ClipRef]] = defaultdict(list)
        self.by_reel: dict[str, list[ClipRef]] = defaultdict(list)
        rates: dict[Fraction, int] = {}
        self._bases = {c.id: rates.get(c.fps) or rates.setdefault(c.fps, nominal(c.fps))
                       for c in clips if c.fps is not None}
        for c in clips:  # plain loops: a card's roll can bring 100,000 candidates
            name = c.name.upper()
            self.by_name[name].append(c)
            for f in c.files:
                if (key := f.upper()) != name:
                    self.by_name[key].append(c)
            self.by_reel[name].append(c)
            tape, reel = (c.tape_name or "").upper(), (c.reel or "").upper()
            if tape and tape != name:
                self.by_reel[tape].append(c)
            if reel and reel not in (name, tape):
                self.by_reel[reel].append(c)

    def resolve(self, e: CutEvent) -> Match:
        """The match of ``e`` (see :class:`Match`)."""
        if e.source_file:
            found = self._unique(self.by_name.get(file_stem(e.source_file).upper(), [])
                                 + self.by_name.get(re.split(r"[\\/]", e.source_file)[-1].upper(), []))
            if found:
                return self._contain(e, found, "source file", f"source file {e.source_file}")
        found = self._unique([c for k in sorted(reel_keys(e.reel)) for c in self.by_reel.get(k, [])])
        if found:
            return self._contain(e, found, "reel", f"reel {e.reel}")
        why = []
        if e.source_file:
            why.append(f"no clip named {file_stem(e.source_file)}")
        why.append(f"no clip of reel/tape {e.reel!r}" if e.reel.strip().upper() not in NO_REEL
                   else f"reel {e.reel!r} names no source")
        if e.clip_name:
            why.append(f"clip name {e.clip_name!r} is the editor's name and is not used to match")
        return Match("unmatched", reason="; ".join(why))

    @staticmethod
    def _unique(clips: list[ClipRef]) -> list[ClipRef]:
        return list({c.id: c for c in clips}.values())

    def _fits(self, c: ClipRef, first: int, last: int) -> bool:
        """Whether ``c`` holds the cut frames ``[first, last)`` (label seconds compared as integers:
        ``a / base_a <= b / base_b`` ⟺ ``a · base_b <= b · base_a``)."""
        if c.start_frame is None or c.frames is None or c.fps is None:
            return False
        base = self._bases.get(c.id) or nominal(c.fps)
        return c.start_frame * self.base <= first * base and last * base <= (c.start_frame + c.frames) * self.base

    def _contain(self, e: CutEvent, found: list[ClipRef], by: str, what: str) -> Match:
        first, last = e.src_in, e.src_out - e.extended
        fits = [c for c in found if self._fits(c, first, last)]
        if len(fits) == 1:
            return Match("resolved", fits[0], by)
        if fits:
            return Match("ambiguous", by=by, reason=f"{what}: {len(fits)} clips hold the source timecode",
                         candidates=[c.describe() for c in fits][:10])
        names = [c.describe() for c in sorted(found, key=lambda c: (c.name, c.id))[:10]]
        tc = f"{frames_to_tc(e.src_in, Fraction(self.base))}–{frames_to_tc(e.src_out - e.extended, Fraction(self.base))}"
        return Match("unmatched", by=by, reason=f"{what}: no clip holds source timecode {tc}", candidates=names)


def clip_frames(e: CutEvent, clip: ClipRef, cut_fps: Fraction) -> tuple[int, int]:
    """The event's source range ``[in, out)`` as frames of ``clip`` counted from its first frame (0-based):
    label seconds of the cut times the clip's nominal rate."""
    scale = Fraction(nominal(clip.fps), nominal(cut_fps))
    first = e.src_in * scale - clip.start_frame
    last = e.src_out * scale - clip.start_frame
    return int(first), int(-(-last // 1))
