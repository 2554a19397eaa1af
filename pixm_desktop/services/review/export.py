"""Comments of a shoot day for editorial (issue 18): an OpenTimelineIO timeline of the commented clips in the
day's order, each clip at its source timecode with one marker per comment (at its frame, over its range), then
written by OTIO's adapters as EDL locators (CMX 3600 ``* LOC:`` lines), FCP 7 XML markers or OTIO JSON, or as an
Avid Media Composer marker list (tab-separated ``user, TC, track, colour, comment, duration`` lines, the text
Media Composer's Markers window imports). One frame rate per file, as an EDL has."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.timecode import fps_label, frames_to_tc
from pixm_desktop.store import review_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Clip, ReviewComment

FORMATS = {".edl": "cmx_3600", ".xml": "fcp_xml", ".otio": "otio_json", ".txt": "avid_markers"}
COLOUR = {"director": otio.schema.MarkerColor.RED, "dop": otio.schema.MarkerColor.BLUE,
          "producer": otio.schema.MarkerColor.GREEN, "editor": otio.schema.MarkerColor.YELLOW,
          "script": otio.schema.MarkerColor.MAGENTA}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    clips: int
    markers: int


def _format(path: Path, fmt: str | None) -> str:
    fmt = fmt or FORMATS.get(path.suffix.lower())
    if fmt not in FORMATS.values():
        raise UsageError(f"cannot tell the format of {path.name}",
                         hint="name it .edl (locators), .xml (FCP 7 markers), .txt (Avid marker list) or .otio")
    return fmt


def _text(c: ReviewComment) -> str:
    return f"{c.author} ({c.role}): {c.text}".replace("\n", " ").replace("\t", " ")


def day_timeline(catalog: Catalog, day: dt.date) -> tuple[otio.schema.Timeline, Fraction]:
    """The timeline of the commented clips of ``day`` and its rate. Raises :class:`UsageError` (no comments,
    several frame rates)."""
    with catalog.session() as s:
        notes = review_repo.comments_of(s, review_repo.day_clip_ids(s, day), ("comment",))
        if not notes:
            raise UsageError(f"no comments on {day.isoformat()}")
        by_clip: dict[int, list[ReviewComment]] = {}
        for c in notes:
            by_clip.setdefault(c.clip_id, []).append(c)
        clips = sorted((s.get(Clip, i) for i in by_clip), key=lambda c: (c.card_id, c.start_frame or 0, c.name))
        rates = {Fraction(c.fps_num, c.fps_den) for c in clips if c.fps_num and c.fps_den}
        if len(rates) != 1:
            raise UsageError(f"the commented clips of {day.isoformat()} have {len(rates) or 'no'} frame rates "
                             f"({', '.join(fps_label(r) for r in sorted(rates))}): one per edit list")
        (fps,) = rates
        rate = float(fps)
        tl = otio.schema.Timeline(name=f"Comments {day.isoformat()}")
        track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
        tl.tracks.append(track)
        for clip in clips:
            start, frames = clip.start_frame or 0, max(1, clip.frames or 1)
            rng = otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                          otio.opentime.RationalTime(frames, rate))
            item = otio.schema.Clip(name=clip.name, source_range=rng,
                                    media_reference=otio.schema.ExternalReference(target_url=clip.name,
                                                                                  available_range=rng))
            item.metadata["cmx_3600"] = {"reel": (clip.tape_name or clip.reel or clip.name)[:8]}
            for c in by_clip[clip.id]:
                first = c.frame_in or 0
                length = (c.frame_out - first + 1) if c.frame_out is not None else (0 if c.frame_in is not None
                                                                                   else frames)
                item.markers.append(otio.schema.Marker(
                    name=_text(c), color=COLOUR.get(c.role, otio.schema.MarkerColor.RED),
                    marked_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start + first, rate),
                                                         otio.opentime.RationalTime(length, rate)),
                    metadata={"pixm": {"uuid": c.uuid, "author": c.author, "role": c.role,
                                       "at": c.created_at.isoformat()}}))
            track.append(item)
    return tl, fps


def avid_marker_list(tl: otio.schema.Timeline, fps: Fraction) -> str:
    """Media Composer's marker list text: one ``user\\tTC\\tV1\\tcolour\\tcomment\\tduration`` line per marker
    (the marker's source timecode; duration in frames, 1 for a point)."""
    lines = []
    for clip in tl.find_clips():
        for m in clip.markers:
            tc = frames_to_tc(round(m.marked_range.start_time.value), fps)
            user = m.metadata.get("pixm", {}).get("author", "PIXM").replace("\t", " ")
            lines.append("\t".join((user, tc, "V1", m.color.lower(), f"{clip.name}: {m.name}",
                                    str(max(1, round(m.marked_range.duration.value))))))
    return "\n".join(lines) + "\n"


def export_comments(catalog: Catalog, day: dt.date, path: Path, fmt: str | None = None) -> ExportResult:
    """Write the comments of ``day`` to ``path`` as markers, the format from ``fmt`` or the suffix (see
    :data:`FORMATS`). Raises :class:`UsageError` (unknown format, no comments, several rates)."""
    path = Path(path)
    fmt = _format(path, fmt)
    tl, fps = day_timeline(catalog, day)
    if fmt == "avid_markers":
        path.write_text(avid_marker_list(tl, fps), encoding="utf-8")
    elif fmt == "cmx_3600":
        otio.adapters.write_to_file(tl, str(path), adapter_name=fmt, rate=float(fps))
    else:
        otio.adapters.write_to_file(tl, str(path), adapter_name=fmt)
    clips = list(tl.find_clips())
    return ExportResult(path, fmt, len(clips), sum(len(c.markers) for c in clips))
