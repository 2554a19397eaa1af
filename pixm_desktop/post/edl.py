"""CMX 3600 edit decision lists → :class:`~pixm_desktop.post.model.CutDocument` (pycmx reads the lines).

What is kept: event numbers, the source column (8-character tape names, or 32/128-character file names),
``* SOURCE FILE:`` / ``* FROM CLIP:`` / ``* FROM FILE:`` / ``* OTIO REFERENCE FROM:`` (the source file), ``* FROM
CLIP NAME:`` (the editor's clip name: shown, never used to find a camera clip), ``M2`` lines, dissolves and
``*ASC_SOP`` / ``*ASC_SAT`` CDLs. Audio-only events are left out (a cut resolves picture).

Ranges (CMX 3600 practice, as Avid and OpenTimelineIO write it):

- A dissolve (``D nnn``) lists the outgoing clip only up to the start of the transition; the previous event of
  that track is extended by the dissolve's length (the frames it shows under the dissolve). The zero-length
  ``C`` line of the outgoing clip in the dissolve event is not an event of its own.
- ``M2 REEL speed TC``: ``speed`` is the playback rate in frames per second at the cut's timecode base;
  ``000.0`` is a freeze frame (one source frame), a negative rate plays backwards from the source in. The
  source range shown is ``record frames × speed / base`` frames from the source in (downward in reverse).

A file is read whole or not at all: every malformed line (the first :data:`MAX_REPORTED`) is reported with the
file and line number in one :class:`~pixm_desktop.core.errors.CutFormatError`. Input is bounded: files over
:data:`MAX_BYTES`, lines over :data:`MAX_LINE` characters and more than :data:`MAX_REPORTED` bad lines stop
the read early, so a large garbage file ends in a clear error in bounded time and memory.
"""

from __future__ import annotations

import io
import math
import re
from fractions import Fraction
from pathlib import Path

from pycmx.parse_cmx_statements import parse_cmx3600_statements
from pycmx.statements import (
    StmtCdlSat,
    StmtCdlSop,
    StmtClipName,
    StmtCorruptRemark,
    StmtEvent,
    StmtRemark,
    StmtSourceFile,
    StmtUnrecognized,
)

from pixm_desktop.core.errors import CutFormatError
from pixm_desktop.core.timecode import nominal, parse_rate, tc_to_frames
from pixm_desktop.post.model import Cdl, CutDocument, CutEvent

MAX_BYTES = 32 * 1024 * 1024
MAX_LINE = 512
MAX_REPORTED = 20
_TCX = r"\d\d[:;.]\d\d[:;.]\d\d[:;.,]\d\d"
_EVENT = re.compile(rf"^\d{{1,6}}\s+\S.*?(\s+{_TCX}){{4}}\s*$")
_KNOWN = ("TITLE:", "FCM:", "*", "M2", "AUD", "EFFECTS NAME IS", "SPLIT:", ">>> SOURCE", "SWM", "FRMC")
_M2 = re.compile(r"^M2\s+(?P<reel>.+?)\s+(?P<speed>-?\d{1,4}(?:\.\d+)?)\s+(?P<tc>\d\d[:;.]\d\d[:;.]\d\d[:;.,]\d\d)\s*$")
#: Avid locator remark: ``* LOC: 01:00:03:12 RED     ABC_010_0010 comp``.
_LOC = re.compile(r"^LOC:\s*\S+\s+[A-Z]+\s+(?P<text>.+)$")
_FILE_REMARKS = ("SOURCE FILE:", "FROM CLIP:", "FROM FILE:", "OTIO REFERENCE FROM:")


def read_edl(path: Path, fps: Fraction | None = None, *, track: int = 1) -> CutDocument:
    """Read the CMX 3600 EDL at ``path`` as video track ``track`` at ``fps`` (default: 24000/1001, or 30000/1001
    when the file says ``FCM: DROP FRAME``). Raises :class:`CutFormatError` naming the file and the bad lines,
    ``OSError`` when it cannot be read."""
    text = _read_text(path)
    bad = _scan(text)
    if bad:
        raise _format_error(path, bad)
    drop = bool(re.search(r"^FCM:\s*DROP FRAME", text, re.M))
    rate = fps or (Fraction(30000, 1001) if drop else Fraction(24000, 1001))
    statements = parse_cmx3600_statements(io.StringIO(text), tolerant=True)
    doc = CutDocument(title=_title(text), fps=rate, drop_frame=drop, format="cmx3600")
    bad = []
    for number, edits, others in _group(statements):
        try:
            doc.events += _read_event(number, edits, others, rate, track, bad)
        except (ValueError, IndexError, ZeroDivisionError) as exc:
            bad.append((edits[0].line_number + 1, str(exc)))
        if len(bad) >= MAX_REPORTED:
            break
    if bad:
        raise _format_error(path, bad)
    _apply_dissolves(doc.events)
    return doc


def _read_text(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise CutFormatError(f"{path.name} is {size:,} bytes: too large for an edit list "
                             f"(at most {MAX_BYTES // 2**20} MB)", path=path, hint="is it the right file?")
    data = path.read_bytes()
    if b"\x00" in data[:65536]:
        raise CutFormatError(f"{path.name} is not a text file (NUL bytes)", path=path,
                             hint="export the cut as a CMX 3600 EDL, FCP7 XML, FCPXML, OTIO or AAF")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older Avid EDLs are Latin-1


def _scan(text: str) -> list[tuple[int, str]]:
    """Lines that are none of CMX 3600's statements (1-based numbers, at most :data:`MAX_REPORTED`)."""
    bad: list[tuple[int, str]] = []
    events = 0
    for number, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if len(line) > MAX_LINE:
            bad.append((number, f"line of {len(line):,} characters"))
        elif s.startswith("M2") and not _M2.match(s):
            bad.append((number, f"M2 line not understood: {s[:80]}"))
        elif not s or s.startswith(_KNOWN):
            pass
        elif _EVENT.match(s) and len(s.split()) >= 7:
            events += 1
        else:
            bad.append((number, s[:80]))
        if len(bad) >= MAX_REPORTED:
            break
    if not bad and not events:
        bad.append((1, "no event lines (is it a CMX 3600 EDL?)"))
    return bad


def _format_error(path: Path, bad: list[tuple[int, str]]) -> CutFormatError:
    lines = "; ".join(f"line {n}: {what}" for n, what in bad[:MAX_REPORTED])
    more = " (and maybe more: reading stopped)" if len(bad) >= MAX_REPORTED else ""
    return CutFormatError(f"{path.name}: {len(bad)} malformed line(s){more}: {lines}", path=path,
                          hint="nothing was imported; fix or re-export the edit list and import it again",
                          details="\n".join(f"{path}:{n}: {what}" for n, what in bad))


def _title(text: str) -> str:
    m = re.search(r"^TITLE:\s*(.*)$", text, re.M)
    return m.group(1).strip()[:200] if m else ""


def _group(statements: list) -> list[tuple[int, list, list]]:
    """``(event number, its event lines, the statements after them)`` per event. (pycmx's own grouping loses
    an event line that has nothing but a blank line before it, so the statements are grouped here.)"""
    out: list[tuple[int, list, list]] = []
    for st in statements:
        if isinstance(st, StmtEvent):
            if out and out[-1][0] == st.event:
                out[-1][1].append(st)  # the second line of a dissolve or wipe
            else:
                out.append((st.event, [st], []))
        elif out:
            out[-1][2].append(st)
    return out


def _read_event(number: int, edits: list, others: list, rate: Fraction, track: int, bad: list) -> list[CutEvent]:
    remarks = _remarks(others, bad)
    out = []
    pictures = [e for e in edits if "V" in e.channels.upper() or e.channels.upper() == "B"]
    files = remarks["files"]
    for i, st in enumerate(pictures):
        src_in, src_out = tc_to_frames(st.source_in, rate), tc_to_frames(st.source_out, rate)
        rec_in, rec_out = tc_to_frames(st.record_in, rate), tc_to_frames(st.record_out, rate)
        if src_out < src_in or rec_out < rec_in:
            raise ValueError(f"event {number}: out before in")
        dissolve = _dissolve_length(st)
        if rec_out == rec_in and len(pictures) > 1:
            continue  # the outgoing side of a dissolve: extends the previous event instead
        name = remarks["to"] if len(pictures) > 1 and i == len(pictures) - 1 and remarks["to"] else remarks["from"]
        source_file = files[i] if len(files) == len(pictures) else files[0] if files else None
        ev = CutEvent(number=number, track=track, reel=st.source.strip(), src_in=src_in, src_out=src_out,
                      rec_in=rec_in, rec_out=rec_out, source_file=source_file, clip_name=name,
                      transition="D" if dissolve else (st.trans or "C")[:1], dissolve=dissolve,
                      line=st.line_number + 1, cdl=remarks["cdl"], markers=list(remarks["markers"]))
        if remarks["m2"] is not None:
            _apply_speed(ev, remarks["m2"], rate)
        out.append(ev)
    return out


def _dissolve_length(st: StmtEvent) -> int:
    if st.trans.upper().startswith("D"):
        try:
            return int(st.trans_op or 0)
        except ValueError:
            raise ValueError(f"dissolve length {st.trans_op!r} is not a number") from None
    return 0


def _remarks(others: list, bad: list) -> dict:
    out: dict = {"files": [], "from": None, "to": None, "m2": None, "cdl": None, "markers": []}
    sop, sat = None, None
    for s in others:
        if isinstance(s, StmtSourceFile):
            out["files"].append(s.filename)
        elif isinstance(s, StmtClipName):
            out["from" if s.affect == "from" else "to"] = s.name
        elif isinstance(s, StmtRemark) and (m := _LOC.match(s.text)):
            out["markers"].append(m["text"].strip()[:120])
        elif isinstance(s, StmtRemark):
            for prefix in _FILE_REMARKS[1:]:
                if s.text.startswith(prefix):
                    out["files"].append(s.text[len(prefix):].strip())
        elif isinstance(s, StmtCdlSop):
            sop = s.cdl_sop
        elif isinstance(s, StmtCdlSat):
            sat = s.value
        elif isinstance(s, StmtUnrecognized) and s.content.strip().startswith("M2"):
            m = _M2.match(s.content.strip())
            if m is None:
                bad.append((s.line_number + 1, f"M2 line not understood: {s.content.strip()[:80]}"))
            else:
                out["m2"] = Fraction(m["speed"])
        elif isinstance(s, StmtUnrecognized) and s.content.strip():
            bad.append((s.line_number + 1, s.content.strip()[:80]))
        elif isinstance(s, StmtCorruptRemark):
            bad.append((s.line_number + 1, f"corrupt {s.selector} remark"))
    if sop is not None:
        rgb = lambda c: (c.red, c.green, c.blue)  # noqa: E731
        out["cdl"] = Cdl(rgb(sop.slope), rgb(sop.offset), rgb(sop.power), 1.0 if sat is None else sat)
    out["files"] = [f for f in out["files"] if f]
    return out


def _apply_speed(ev: CutEvent, fps_speed: Fraction, rate: Fraction) -> None:
    """Source frames from the M2 playback rate (frames per second at the cut's timecode base)."""
    ev.speed = m2_speed(fps_speed, rate)
    if fps_speed == 0:
        ev.src_out = ev.src_in + 1
        ev.notes.append("freeze frame")
        return
    used = max(1, math.ceil(abs(ev.speed) * (ev.rec_out - ev.rec_in) - Fraction(1, 1000)))
    if fps_speed > 0:
        ev.src_out = ev.src_in + used
    else:  # reverse: the source in is the first frame shown, the frames before it follow
        ev.src_in, ev.src_out = ev.src_in - used + 1, ev.src_in + 1
        ev.notes.append("reverse")


def m2_speed(fps_speed: Fraction, rate: Fraction) -> Fraction:
    """Playback speed (1 = normal) of an M2 rate: Avid writes it at the timecode base (``048.0`` at 23.976 is
    2×), OpenTimelineIO at the exact rate (``47.952…``); whichever reading gives a round speed is taken."""
    by_base = fps_speed / nominal(rate)
    if abs(by_base - round(by_base * 100) / 100) <= Fraction(1, 1000):
        return Fraction(round(by_base * 1000), 1000)
    return (fps_speed / rate).limit_denominator(1000)


def _apply_dissolves(events: list[CutEvent]) -> None:
    """Extend the outgoing clip of every dissolve: the event of the same track ending where it starts."""
    by_end = {(e.track, e.rec_out): e for e in events}
    for e in events:
        if e.dissolve and (prev := by_end.get((e.track, e.rec_in))) is not None and prev is not e:
            step = -1 if prev.speed is not None and prev.speed < 0 else 1
            length = e.dissolve if prev.speed in (None, 0) else math.ceil(abs(prev.speed) * e.dissolve)
            if prev.speed == 0:
                continue  # a frozen frame stays one frame under the dissolve
            if step > 0:
                prev.src_out += length
            else:
                prev.src_in -= length
            prev.extended = length


def rate_arg(text: str | None) -> Fraction | None:
    """``--fps`` spellings (``23.976``, ``25``, ``29.97``, ``24000/1001``) → exact rate; ``ValueError`` if bad."""
    if text is None:
        return None
    rate = parse_rate(text)
    if rate is None:
        raise ValueError(f"not a frame rate: {text!r}")
    return rate
