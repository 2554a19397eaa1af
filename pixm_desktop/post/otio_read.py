"""FCP7 XML, FCPXML, OTIO and AAF cuts → :class:`~pixm_desktop.post.model.CutDocument`, read by OpenTimelineIO
and its adapter packages (``otio-fcp-adapter``, ``otio-fcpx-xml-adapter``, ``otio-aaf-adapter``).

Every video track is read (track 1 is the lowest). A clip's source file is the file name of its media
reference (the camera file); its name is the editor's clip name (shown, never matched). A transition's offsets
extend the clips it joins (the outgoing clip by ``out_offset``, the incoming one by ``in_offset``), as a CMX
dissolve extends its outgoing clip. ``LinearTimeWarp`` (speed, negative = reverse) and ``FreezeFrame`` set the
source range as an M2 line does; any other time effect (a speed ramp) is reported in the warnings and the
clip is read at normal speed — the pull then needs a look.
"""

from __future__ import annotations

import math
import os
import urllib.parse
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import CutFormatError
from pixm_desktop.core.timecode import has_drop_frame
from pixm_desktop.post.model import CutDocument, CutEvent

ADAPTERS = {".xml": "fcp_xml", ".fcpxml": "fcpx_xml", ".otio": "otio_json", ".aaf": "AAF"}
MAX_BYTES = 64 * 1024 * 1024


def read_otio(path: Path, fps: Fraction | None = None) -> CutDocument:
    """Read the cut at ``path`` (format by extension, see :data:`ADAPTERS`). Raises :class:`CutFormatError`
    when no adapter reads it or the file is not a timeline (nothing imported)."""
    adapter = ADAPTERS.get(path.suffix.lower())
    if adapter is None:
        raise CutFormatError(f"{path.name}: unknown cut format {path.suffix!r}", path=path,
                             hint="import a CMX 3600 .edl, FCP7 .xml, .fcpxml, .otio or .aaf")
    if path.stat().st_size > MAX_BYTES:
        raise CutFormatError(f"{path.name} is too large for a cut ({path.stat().st_size:,} bytes)", path=path)
    try:
        import opentimelineio as otio

        timeline = otio.adapters.read_from_file(str(path), adapter_name=adapter)
    except ImportError as exc:
        raise CutFormatError(f"{path.name}: the OpenTimelineIO adapter for {adapter} is not installed",
                             path=path, details=str(exc)) from exc
    except Exception as exc:  # the adapters raise anything from ParseError to KeyError on bad input
        raise CutFormatError(f"{path.name}: not a readable {adapter} cut ({type(exc).__name__}: {exc})"[:400],
                             path=path, hint="nothing was imported; re-export the cut") from exc
    if isinstance(timeline, otio.schema.SerializableCollection):
        timeline = next(iter(timeline.find_children(descended_from_type=otio.schema.Timeline)), None)
    if not isinstance(timeline, otio.schema.Timeline):
        raise CutFormatError(f"{path.name}: no timeline in the file", path=path)
    return _document(timeline, adapter, fps, otio)


def _document(timeline, adapter: str, fps: Fraction | None, otio) -> CutDocument:
    rate = fps or _rate_of(timeline)
    doc = CutDocument(title=timeline.name or "", fps=rate, drop_frame=has_drop_frame(rate), format=adapter)
    start = timeline.global_start_time
    offset = _frames(start, rate) if start is not None else 0
    for number, track in enumerate(timeline.video_tracks(), 1):
        doc.events += _track_events(track, number, rate, offset, doc.warnings, otio)
    if not doc.events:
        raise CutFormatError(f"{timeline.name or 'the timeline'}: no video clips")
    return doc


def _rate_of(timeline) -> Fraction:
    for clip in timeline.find_clips():
        if clip.source_range is not None:
            return _exact(clip.source_range.start_time.rate)
    return Fraction(24000, 1001)


def _exact(rate: float) -> Fraction:
    for r in (Fraction(24000, 1001), Fraction(30000, 1001), Fraction(48000, 1001), Fraction(60000, 1001)):
        if abs(rate - float(r)) < 1e-3:
            return r
    return Fraction(rate).limit_denominator(1001)


def _frames(t, rate: Fraction) -> int:
    return round(t.value * rate / _exact(t.rate)) if _exact(t.rate) != rate else round(t.value)


def _track_events(track, number: int, rate: Fraction, offset: int, warnings: list[str], otio) -> list[CutEvent]:
    out: list[CutEvent] = []
    items = list(track)
    for i, item in enumerate(items):
        if not isinstance(item, otio.schema.Clip):
            continue
        rec = item.range_in_parent()
        src = item.source_range or item.trimmed_range()
        rec_in = _frames(rec.start_time, rate) + offset
        rec_out = rec_in + _frames(rec.duration, rate)
        src_in = _frames(src.start_time, rate)
        ev = CutEvent(number=len(out) + 1, track=number, reel=_reel(item), src_in=src_in,
                      src_out=src_in + _frames(src.duration, rate), rec_in=rec_in, rec_out=rec_out,
                      source_file=_file_name(item.media_reference), clip_name=item.name or None)
        ev.markers = [str(m.name or (m.metadata.get("fcp_xml", {}) or {}).get("comment", ""))[:120]
                      for m in item.markers if m.name]
        _speed(ev, item, warnings, otio)
        _transitions(ev, items, i, rate, otio)
        out.append(ev)
    return out


def _reel(clip) -> str:
    meta = clip.metadata
    reel = (meta.get("cmx_3600") or {}).get("reel") if hasattr(meta, "get") else None
    return str(reel or "")[:128]


def _file_name(ref) -> str | None:
    url = getattr(ref, "target_url", None)
    if not url:
        return None
    path = urllib.parse.unquote(urllib.parse.urlparse(url).path or url)
    return os.path.basename(path.replace("\\", "/"))[:255] or None


def _speed(ev: CutEvent, clip, warnings: list[str], otio) -> None:
    for effect in clip.effects:
        if isinstance(effect, otio.schema.FreezeFrame):
            ev.speed, ev.src_out = Fraction(0), ev.src_in + 1
            ev.notes.append("freeze frame")
        elif isinstance(effect, otio.schema.LinearTimeWarp):
            ev.speed = Fraction(effect.time_scalar).limit_denominator(1000)
            used = max(1, math.ceil(abs(ev.speed) * (ev.rec_out - ev.rec_in) - Fraction(1, 1000)))
            if ev.speed > 0:
                ev.src_out = ev.src_in + used
            else:
                ev.src_in, ev.src_out = ev.src_in - used + 1, ev.src_in + 1
                ev.notes.append("reverse")
        elif isinstance(effect, otio.schema.TimeEffect):
            warnings.append(f"track V{ev.track} clip {ev.clip_name or ev.number}: {effect.effect_name or 'time'} "
                            "effect (speed ramp) read at normal speed: check its pull")


def _transitions(ev: CutEvent, items: list, i: int, rate: Fraction, otio) -> None:
    after = items[i + 1] if i + 1 < len(items) else None
    before = items[i - 1] if i > 0 else None
    if isinstance(after, otio.schema.Transition):
        ev.extended = _frames(after.out_offset, rate)
        ev.src_out += ev.extended
    if isinstance(before, otio.schema.Transition):
        head = _frames(before.in_offset, rate)
        ev.src_in -= head
        ev.transition, ev.dissolve = "D", head + _frames(before.out_offset, rate)
