"""Exports of a shoot day's clips for editorial: CSV (picture and sound) and Avid ALE (one rate per file)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import Remedy, UsageError
from pixm_desktop.core.timecode import fps_label
from pixm_desktop.reports import exports
from pixm_desktop.reports.model import ReportResult
from pixm_desktop.services.reports.clip_lines import report_clips
from pixm_desktop.services.reports.common import writing
from pixm_desktop.store.db import Catalog


def export_csv(catalog: Catalog, path: Path, *, day: dt.date, project: str | None = None,
               card_label: str | None = None, bom: bool = False) -> ReportResult:
    """Write the clips of a shoot day (picture and sound) as CSV."""
    lines = report_clips(catalog, day, project=project, card_label=card_label)
    with writing(path):
        return exports.write_csv(lines, Path(path), bom=bom)


def export_ale(catalog: Catalog, path: Path, *, day: dt.date, project: str | None = None,
               card_label: str | None = None, fps: Fraction | None = None,
               include_sound: bool = False) -> ReportResult:
    """Write an Avid ALE of the picture clips of a shoot day (``include_sound``: the sound takes too).

    An ALE has one rate: with ``fps`` only clips at that rate are written (the others are named in the
    warnings); without it every clip must share one rate, else :class:`UsageError` lists the rates found.
    """
    lines = report_clips(catalog, day, project=project, card_label=card_label, include_sound=include_sound)
    rates = Counter(c.fps for c in lines if c.fps)
    warnings = []
    if fps is None:
        if len(rates) > 1:
            found = ", ".join(f"{fps_label(r)} ({n} clips)" for r, n in rates.most_common())
            raise UsageError(f"the clips of {day.isoformat()} run at several rates: {found}; an ALE holds one",
                             hint="write one ALE per rate with --fps RATE (e.g. --fps 23.976)",
                             remedy=Remedy.ONE_RATE_PER_EXPORT)
        fps = next(iter(rates), None)
        if fps is None:
            raise UsageError(f"no clip of {day.isoformat()} has a known frame rate and timecode",
                             hint="run `pixm ingest CARD` to read the clips' metadata", remedy=Remedy.INGEST_CLIPS)
    else:
        other = [c for c in lines if c.fps != fps]
        if other:
            warnings.append(f"{len(other)} clip(s) at other rates left out: "
                            + ", ".join(f"{c.name} ({fps_label(c.fps) or '?'})" for c in other[:10])
                            + (" …" if len(other) > 10 else ""))
        lines = [c for c in lines if c.fps == fps]
        if not lines:
            raise UsageError(f"no clip of {day.isoformat()} runs at {fps_label(fps)} fps",
                             hint="rates found: " + (", ".join(fps_label(r) for r in rates) or "none"))
    with writing(path):
        result = exports.write_ale(lines, Path(path), fps)
    result.warnings = warnings + result.warnings
    return result


__all__ = ["export_ale", "export_csv"]
