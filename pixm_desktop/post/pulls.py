"""VFX pull arithmetic and the pull list's files: shot names, ranges widened by handles and clamped to the
clip, merged ranges per clip, VFX frame numbers, the pull list CSV, a CMX 3600 EDL and ASC CDL files.

Frames here are frames of the camera clip counted from its first frame (``0`` = the clip's first frame), at the
clip's rate. VFX frame numbers start at ``first_frame`` (default 1001) **on the first handle frame**: with 8
handles the cut-in is 1009. A shot whose clip is too short for the handles gets what there is (``head`` /
``tail`` say how many it got, ``short`` says which end was clamped).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from fractions import Fraction
from xml.sax.saxutils import escape

from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.post.model import Cdl

DEFAULT_TEMPLATE = "{show}_{seq}_{shot:04d}"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def shot_id(template: str, *, show: str, seq: str, shot: int, event: int) -> str:
    """A shot name from ``template`` (``{show}``, ``{seq}``, ``{shot}``, ``{event}``), reduced to letters,
    digits, ``_``, ``.`` and ``-`` so it is safe as a file and folder name. ``ValueError`` for a template
    naming another field or giving an empty name."""
    try:
        name = template.format(show=show, seq=seq, shot=shot, event=event)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"shot name template {template!r}: {exc}") from None
    name = _SAFE.sub("_", name).strip("._")[:64]
    if not name:
        raise ValueError(f"shot name template {template!r} gives an empty name")
    return name


def safe_name(text: str, fallback: str = "x") -> str:
    """``text`` as one path component: no separators, no ``..``, nothing but letters, digits, ``_.-``."""
    name = _SAFE.sub("_", text).strip("._")[:120]
    return name or fallback


@dataclass(frozen=True, slots=True)
class PullRange:
    """One shot's pull on its clip: ``cut_in``/``cut_out`` the cut's frames ``[in, out)``; ``pull_in``/
    ``pull_out`` with handles, clamped to ``[0, clip_frames)``; ``head``/``tail`` the handles it got;
    ``short`` (``""``, ``head``, ``tail``, ``head+tail``); VFX numbers of the first, cut-in, cut-out (last cut
    frame) and last frame."""

    cut_in: int
    cut_out: int
    pull_in: int
    pull_out: int
    head: int
    tail: int
    short: str
    first_frame: int

    @property
    def frames(self) -> int:
        return self.pull_out - self.pull_in

    @property
    def vfx_cut_in(self) -> int:
        return self.first_frame + self.head

    @property
    def vfx_cut_out(self) -> int:
        return self.vfx_cut_in + (self.cut_out - self.cut_in) - 1

    @property
    def vfx_last(self) -> int:
        return self.first_frame + self.frames - 1


def pull_range(cut_in: int, cut_out: int, clip_frames: int, handles: int, first_frame: int = 1001) -> PullRange:
    """The cut's range ``[cut_in, cut_out)`` of a clip of ``clip_frames`` frames widened by ``handles`` each
    side and clamped to the clip. ``ValueError`` when the cut range itself is empty or outside the clip."""
    if handles < 0:
        raise ValueError("handles cannot be negative")
    if not 0 <= cut_in < cut_out <= clip_frames:
        raise ValueError(f"cut range {cut_in}–{cut_out} is not inside the clip's {clip_frames} frames")
    pull_in, pull_out = max(0, cut_in - handles), min(clip_frames, cut_out + handles)
    short = "+".join(s for s, bad in (("head", cut_in - pull_in < handles), ("tail", pull_out - cut_out < handles))
                     if bad)
    return PullRange(cut_in, cut_out, pull_in, pull_out, cut_in - pull_in, pull_out - cut_out, short, first_frame)


def merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching ``[in, out)`` ranges of one clip merged, in order."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


CSV_FIELDS = ("shot", "event", "track", "clip", "reel", "tape", "src_tc_in", "src_tc_out", "pull_tc_in",
              "pull_tc_out", "handles_head", "handles_tail", "short", "vfx_first", "vfx_cut_in", "vfx_cut_out",
              "vfx_last", "frames", "fps", "camera", "lens", "file")


def pull_list_csv(rows: list[dict]) -> str:
    """The pull list as CSV (:data:`CSV_FIELDS`, one row per shot)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _csv_safe(r.get(k, "")) for k in CSV_FIELDS})
    return buf.getvalue()


def _csv_safe(value):
    """Cells that a spreadsheet would run as a formula are quoted with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?\d+", value):
        return "'" + value
    return value


@dataclass(frozen=True, slots=True)
class EdlLine:
    """One event of an EDL to write: reel (8 characters or the full name), source and record frames
    ``[in, out)`` at ``fps``, the clip name and the source file for the remarks."""

    reel: str
    src_in: int
    src_out: int
    rec_in: int
    rec_out: int
    clip_name: str = ""
    source_file: str = ""


def write_edl(title: str, lines: list[EdlLine], fps: Fraction, *, drop_frame: bool = False) -> str:
    """A CMX 3600 EDL (``TITLE``, ``FCM``, one ``V C`` event per line with ``* FROM CLIP NAME`` and ``* SOURCE
    FILE`` remarks). Reels longer than 8 characters are written in a 32-character column (File32)."""
    width = 8 if all(len(ln.reel) <= 8 for ln in lines) else 32
    out = [f"TITLE: {safe_text(title)[:70]}", f"FCM: {'DROP FRAME' if drop_frame else 'NON-DROP FRAME'}", ""]
    tc = lambda f: frames_to_tc(f, fps, drop_frame=drop_frame)  # noqa: E731
    for n, ln in enumerate(lines, 1):
        reel = safe_text(ln.reel)[:width].ljust(width)
        out.append(f"{n:03d}  {reel} V     C        {tc(ln.src_in)} {tc(ln.src_out)} {tc(ln.rec_in)} "
                   f"{tc(ln.rec_out)}")
        if ln.clip_name:
            out.append(f"* FROM CLIP NAME:  {safe_text(ln.clip_name)}")
        if ln.source_file:
            out.append(f"* SOURCE FILE: {safe_text(ln.source_file)}")
    return "\n".join(out) + "\n"


def safe_text(text: str) -> str:
    """One line of printable text (no CR/LF or control characters that would break a line format)."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)[:255]


def cdl_xml(shot: str, cdl: Cdl) -> str:
    """An ASC CDL ``.cdl`` file (ColorDecisionList with one ColorDecision) for ``shot``."""
    f = lambda v: " ".join(f"{x:.6f}" for x in v)  # noqa: E731
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ColorDecisionList xmlns="urn:ASC:CDL:v1.01">\n'
            f'  <ColorDecision>\n    <ColorCorrection id="{escape(shot, {chr(34): "&quot;"})}">\n'
            f"      <SOPNode>\n        <Slope>{f(cdl.slope)}</Slope>\n        <Offset>{f(cdl.offset)}</Offset>\n"
            f"        <Power>{f(cdl.power)}</Power>\n      </SOPNode>\n"
            f"      <SatNode>\n        <Saturation>{cdl.sat:.6f}</Saturation>\n      </SatNode>\n"
            "    </ColorCorrection>\n  </ColorDecision>\n</ColorDecisionList>\n")
