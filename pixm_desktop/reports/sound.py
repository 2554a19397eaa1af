"""The sound report of a sound turnover: every BWF take by sound roll with its slate, timecode in and out,
sample rate, channels and their iXML track names, circle and notes — as a landscape PDF (reportlab, the
project's report kit) and a CSV (UTF-8, CRLF, one row per take) for the sound editor's own tools.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.platypus import Flowable

from pixm_desktop.reports.model import ReportContext, ReportResult
from pixm_desktop.reports.pdf import MARGIN, Kit, PageFrame, build_pdf, footer_text, page_size, spacer
from pixm_desktop.reports.text import clean, plural

CSV_COLUMNS = ("roll", "file", "scene", "take", "tc_in", "tc_out", "tc_rate", "sample_rate", "channels", "tracks",
               "circled", "notes")


@dataclass(slots=True)
class SoundTakeLine:
    """One take: its ``roll`` and ``file`` (path in the package), slate, ``tc_in``/``tc_out`` labels (out
    exclusive) at the timecode rate ``tc_rate`` ("25", "23.976"), ``sample_rate`` Hz, ``channels`` and their iXML
    ``tracks`` names, circled, notes."""

    roll: str
    file: str
    scene: str = ""
    take: str = ""
    tc_in: str = ""
    tc_out: str = ""
    tc_rate: str = ""
    sample_rate: int | None = None
    channels: int | None = None
    tracks: list[str] = field(default_factory=list)
    circled: bool = False
    notes: str = ""


@dataclass(slots=True)
class SoundReport:
    """The report: who and when (``context``), the project and day (or scope words), the takes by roll."""

    context: ReportContext
    project: str
    scope: str
    takes: list[SoundTakeLine]


def _cells(t: SoundTakeLine) -> dict[str, str]:
    return {"roll": t.roll, "file": t.file, "scene": t.scene, "take": t.take, "tc_in": t.tc_in, "tc_out": t.tc_out,
            "tc_rate": t.tc_rate, "sample_rate": str(t.sample_rate or ""), "channels": str(t.channels or ""),
            "tracks": " | ".join(t.tracks), "circled": "Y" if t.circled else "", "notes": t.notes}


def write_sound_csv(takes: Sequence[SoundTakeLine], path: Path) -> int:
    """Write the CSV; returns the row count. Raises ``OSError``."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        w.writeheader()
        for t in takes:
            w.writerow(_cells(t))
    return len(takes)


def _story(r: SoundReport, kit: Kit, width: float) -> list[Flowable]:
    rolls = sorted({t.roll for t in r.takes})
    story: list[Flowable] = [kit.p(f"Sound report — {r.project}", kit.h1), kit.p(r.scope, kit.sub), spacer(6),
                             kit.facts([("Rolls", ", ".join(rolls) or "—"), ("Takes", str(len(r.takes)))], width)]
    header = ["Roll", "File", "Scene", "Take", "TC in", "TC out", "TC rate", "Sample rate", "Ch", "Tracks", "Circled",
              "Notes"]
    w = [0.07, 0.16, 0.06, 0.05, 0.08, 0.08, 0.05, 0.06, 0.04, 0.18, 0.05, 0.12]
    for roll in rolls:
        rows = [[kit.p(t.roll, bold=True), kit.p(t.file, mono=True), t.scene, t.take, t.tc_in, t.tc_out,
                 t.tc_rate or "—", str(t.sample_rate or "—"), str(t.channels or "—"), ", ".join(t.tracks) or "—",
                 "●" if t.circled else "", t.notes] for t in r.takes if t.roll == roll]
        story += [*kit.section(f"Roll {roll} ({plural(len(rows), 'take')})"),
                  kit.table(header, rows, [x * width for x in w], right=(6, 7, 8))]
    return story


def write_sound_report(report: SoundReport, path: Path) -> ReportResult:
    """Write the sound report PDF (atomically). Returns pages, size and font warnings."""
    started = time.perf_counter()
    kit = Kit()
    width = page_size(report.context.paper, wide=True)[0] - 2 * MARGIN
    frame = PageFrame(title=f"Sound report — {clean(report.project)}", header_right=report.scope,
                      footer=footer_text(report.context))
    pages = build_pdf(path, _story(report, kit, width), kit=kit, frame=frame, paper=report.context.paper, wide=True,
                      title=f"Sound report {clean(report.project)}", subject=report.scope, author=None,
                      ctx=report.context)
    return ReportResult(path=Path(path), kind="sound", pages=pages, rows=len(report.takes),
                        bytes=Path(path).stat().st_size, seconds=time.perf_counter() - started,
                        warnings=list(kit.fonts.warnings))


__all__ = ["CSV_COLUMNS", "SoundReport", "SoundTakeLine", "write_sound_csv", "write_sound_report"]
