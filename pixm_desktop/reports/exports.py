"""Clip lists for other programs: CSV (spreadsheets, scripts) and ALE (Avid Log Exchange,
docs/interchange.md §ALE).

**CSV**: UTF-8, a header row, one row per clip, ``csv`` module quoting (commas, quotes and line breaks in
notes survive). ``bom=True`` starts the file with a byte-order mark, which Excel needs to read UTF-8. A cell
that starts with ``=`` or ``@`` gets a leading ``'`` so a spreadsheet shows it as text instead of running
it as a formula.

**ALE**: written directly (not through OpenTimelineIO's writer, which sorts the Heading, prints the rate as
a Python float and lets tabs inside a value through); OTIO's ``ale`` adapter reads it back with every field
intact (tests/test_reports_exports.py). Layout::

    Heading
    FIELD_DELIM<TAB>TABS
    VIDEO_FORMAT<TAB>1080          1080 | 720 | PAL | NTSC | CUSTOM, from the clips' frame size
    AUDIO_FORMAT<TAB>48khz
    FPS<TAB>23.976                 one rate per ALE: Avid reads every timecode at this rate

    Column
    Name  Tape  Start  End  Duration  FPS  Tracks  Source File  Scene  Take  Camroll  Circled  Comments  …

    Data
    A001C001_261123_R1AB  A001R1AB  08:25:23:00  08:25:24:00  00:00:01:00  23.976  V  A001C001_….mov  …

``End`` is exclusive (start + duration, as Avid expects); ``Source File`` is the media file name (Avid
relinks by it, or by Tape + timecode); ``Circled`` is ``Y`` or empty; values never hold tabs or line breaks
(replaced by spaces). Lines end in CRLF. Clips without timecode cannot be linked by Avid and are left out
(the result's warnings name them).
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.timecode import fps_label, fps_ratio
from pixm_desktop.reports.model import ClipLine, ReportResult
from pixm_desktop.reports.text import one_line

CSV_COLUMNS = (
    "day", "card", "camera", "reel", "tape", "clip", "kind", "source_file", "start_tc", "end_tc", "duration_tc",
    "frames", "fps", "fps_exact", "codec", "resolution", "audio_channels", "scene", "take", "circled", "rating",
    "flagged", "notes", "sound_roll", "logged_from", "probe_status", "thumbnail",
)
ALE_COLUMNS = (
    "Name", "Tape", "Start", "End", "Duration", "FPS", "Tracks", "Source File", "Scene", "Take", "Camroll",
    "Circled", "Comments", "Soundroll", "Camera", "Codec", "Resolution", "Card", "Shoot Date",
)
#: the editorial turnover's ALE (issue 14): what an assistant editor merges into the bin, the look included
TURNOVER_ALE_COLUMNS = (
    "Name", "Tape", "Start", "End", "Duration", "Tracks", "Source File", "Camroll", "Soundroll", "Sound TC",
    "Scene", "Take", "Circled", "Camera", "ASC_SOP", "ASC_SAT", "Comments",
)
AUDIO_FORMAT = "48khz"


# --- CSV -------------------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text[:1] in ("=", "@") else text


def csv_row(c: ClipLine) -> dict[str, str]:
    """One clip as CSV cells (text kept as is: line breaks inside notes are quoted, not removed)."""
    values = {
        "day": c.day.isoformat() if c.day else None, "card": c.card_label, "camera": c.camera, "reel": c.reel,
        "tape": c.tape, "clip": c.name, "kind": c.kind, "source_file": c.source_file, "start_tc": c.start_tc,
        "end_tc": c.end_tc, "duration_tc": c.duration_tc, "frames": c.frames, "fps": fps_label(c.fps),
        "fps_exact": fps_ratio(c.fps), "codec": c.codec,
        "resolution": c.resolution, "audio_channels": c.audio_channels, "scene": c.scene, "take": c.take,
        "circled": c.circled, "rating": c.rating, "flagged": c.flagged, "notes": c.notes,
        "sound_roll": c.sound_roll, "logged_from": c.logged_from, "probe_status": c.probe_status,
        "thumbnail": str(c.thumbnail) if c.thumbnail else None,
    }
    return {k: _cell(values[k]) for k in CSV_COLUMNS}


def write_csv(clips: Sequence[ClipLine], path: Path, *, bom: bool = False) -> ReportResult:
    """Write ``clips`` as CSV to ``path`` (atomically). Returns the row count."""
    started = time.perf_counter()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
            w.writeheader()
            for c in clips:
                w.writerow(csv_row(c))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return ReportResult(path=path, kind="csv", rows=len(clips), bytes=path.stat().st_size,
                        seconds=time.perf_counter() - started)


# --- ALE -------------------------------------------------------------------------------------------------------


def video_format(clips: Sequence[ClipLine]) -> str:
    """Avid project format from the largest frame among ``clips`` (OTIO's mapping): ``1080``, ``720``,
    ``PAL``, ``NTSC`` or ``CUSTOM`` (UHD, DCI, anything else)."""
    sizes = [(c.width, c.height) for c in clips if c.width and c.height]
    if not sizes:
        return "1080"
    width = max(w for w, _h in sizes)
    height = max(h for _w, h in sizes)
    fmt = {1080: "1080", 720: "720", 576: "PAL", 486: "NTSC"}.get(height, "CUSTOM")
    return "CUSTOM" if fmt == "1080" and width > 1920 else fmt


def tracks(c: ClipLine) -> str:
    """Avid ``Tracks``: ``V`` for picture, ``A1A2…`` per audio channel (at most 16)."""
    audio = "".join(f"A{i}" for i in range(1, min(c.audio_channels or 0, 16) + 1))
    return audio if c.kind == "audio" else "V" + audio


def ale_values(c: ClipLine) -> dict[str, str]:
    """One clip's ALE cells (one line each, no tabs)."""
    values = {
        "Name": c.name, "Tape": c.tape or c.reel or c.card_label, "Start": c.start_tc, "End": c.end_tc,
        "Duration": c.duration_tc, "FPS": fps_label(c.fps), "Tracks": tracks(c), "Source File": c.source_file,
        "Scene": c.scene, "Take": c.take, "Camroll": c.reel, "Circled": "Y" if c.circled else "",
        "Comments": c.notes, "Soundroll": c.sound_roll, "Camera": c.camera, "Codec": c.codec,
        "Resolution": c.resolution, "Card": c.card_label, "Shoot Date": c.day.isoformat() if c.day else None,
        "Sound TC": c.sound_tc, "ASC_SOP": c.asc_sop, "ASC_SAT": c.asc_sat,
    }
    return {k: one_line(v) for k, v in values.items()}


def ale_text(clips: Sequence[ClipLine], fps: Fraction, *, video: str | None = None,
             audio: str = AUDIO_FORMAT, columns: Sequence[str] = ALE_COLUMNS) -> str:
    """The ALE text of ``clips`` (all at ``fps``, all with timecode) in ``columns`` (:data:`ALE_COLUMNS`, or
    :data:`TURNOVER_ALE_COLUMNS`). Raises ``ValueError`` otherwise."""
    for c in clips:
        if c.fps != fps:
            raise ValueError(f"clip {c.name} runs at {fps_label(c.fps) or 'an unknown rate'}, not {fps_label(fps)}: "
                             "an ALE holds one rate")
        if not (c.start_tc and c.end_tc and c.duration_tc):
            raise ValueError(f"clip {c.name} has no timecode")
    lines = ["Heading", "FIELD_DELIM\tTABS", f"VIDEO_FORMAT\t{video or video_format(clips)}",
             f"AUDIO_FORMAT\t{audio}", f"FPS\t{fps_label(fps)}", "", "Column", "\t".join(columns), "", "Data"]
    for c in clips:
        cells = ale_values(c)
        lines.append("\t".join(cells[k] for k in columns))
    return "\r\n".join(lines) + "\r\n"


def write_ale(clips: Sequence[ClipLine], path: Path, fps: Fraction, *, video: str | None = None,
              columns: Sequence[str] = ALE_COLUMNS) -> ReportResult:
    """Write an ALE of the ``clips`` at ``fps`` that have timecode (in ``columns``, see :func:`ale_text`); the
    others are named in the warnings."""
    started = time.perf_counter()
    path = Path(path)
    usable = [c for c in clips if c.start_tc and c.end_tc and c.duration_tc]
    skipped = [c.name for c in clips if not (c.start_tc and c.end_tc and c.duration_tc)]
    text = ale_text(usable, fps, video=video, columns=columns)
    tmp = path.with_name(f".{path.name}.part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    warnings = []
    if skipped:
        more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        warnings.append(f"{len(skipped)} clip(s) without timecode left out (Avid cannot link them): "
                        + ", ".join(skipped[:10]) + more)
    return ReportResult(path=path, kind="ale", rows=len(usable), bytes=path.stat().st_size,
                        seconds=time.perf_counter() - started, warnings=warnings)


__all__ = [
    "ALE_COLUMNS",
    "AUDIO_FORMAT",
    "CSV_COLUMNS",
    "TURNOVER_ALE_COLUMNS",
    "ale_text",
    "ale_values",
    "csv_row",
    "tracks",
    "video_format",
    "write_ale",
    "write_csv",
]
