"""The tape report: what is on one LTO tape (LTFS), in tape order — label, copy set, capacity and use, every
file with its card, size and the hashes read back from the tape — as a landscape PDF in the house style
(reportlab, the project's report kit). A copy goes on the tape itself and one beside the catalog."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.platypus import Flowable

from pixm_desktop.reports.model import ReportContext, ReportResult
from pixm_desktop.reports.pdf import MARGIN, Kit, PageFrame, build_pdf, footer_text, page_size, spacer
from pixm_desktop.reports.text import clean, plural


@dataclass(slots=True)
class TapeLine:
    """One file on the tape: ``position`` (tape order), ``path`` on the tape, ``size`` bytes, ``card``, shoot
    ``day``, read-back ``xxh64`` and LTFS hash (``md5`` or sha256), ``state`` (verified | written | failed)."""

    position: int
    path: str
    size: int
    card: str
    day: str
    xxh64: str
    ltfs_hash: str
    state: str


@dataclass(slots=True)
class TapeReport:
    """The tape: label, copy set A/B, when written and by what, native capacity and bytes used, notes (LTFS
    attributes not taken, calibration), the files."""

    label: str
    copy: str
    created_at: dt.datetime
    host: str
    tool: str
    capacity: int
    used: int
    notes: list[str] = field(default_factory=list)
    lines: list[TapeLine] = field(default_factory=list)


def _gb(n: int) -> str:
    return f"{n / 1e9:,.2f} GB"


def _story(r: TapeReport, kit: Kit, width: float) -> list[Flowable]:
    cards = sorted({line.card for line in r.lines})
    bad = [line for line in r.lines if line.state != "verified"]
    verdict = (f"ALL {len(r.lines)} FILES READ BACK AND VERIFIED" if not bad and r.lines
               else f"{plural(len(bad), 'file')} NOT VERIFIED")
    story: list[Flowable] = [
        kit.p(f"Tape {r.label} — copy {r.copy}", kit.h1), kit.p(verdict, kit.banner), spacer(6),
        kit.facts([("Label", r.label), ("Copy set", r.copy), ("Capacity (native)", _gb(r.capacity)),
                   ("Used", _gb(r.used)), ("Cards", ", ".join(cards) or "—"),
                   ("Files", str(len(r.lines))), ("Written", f"{r.created_at:%Y-%m-%d %H:%M} UTC"),
                   ("Host", r.host)], width)]
    for note in r.notes:
        story.append(kit.p(f"Note: {note}", kit.body))
    header = ["#", "Path on tape", "Card", "Day", "Size", "xxh64", "LTFS hash", "State"]
    w = [0.04, 0.33, 0.08, 0.07, 0.08, 0.12, 0.21, 0.07]
    rows = [[str(line.position), kit.p(line.path, mono=True), line.card, line.day, f"{line.size:,}",
             kit.p(line.xxh64, mono=True), kit.p(line.ltfs_hash, mono=True),
             kit.p(line.state.upper(), bold=line.state != "verified")] for line in r.lines]
    story += [*kit.section(f"Files in tape order ({plural(len(rows), 'file')})"),
              kit.table(header, rows, [x * width for x in w], right=(0, 4))]
    return story


def write_tape_report(report: TapeReport, path: Path) -> ReportResult:
    """Write the tape report PDF (atomically). Returns pages, size and font warnings. Raises ``OSError``."""
    started = time.perf_counter()
    kit = Kit()
    ctx = ReportContext(created_at=report.created_at, tool_name=report.tool.split(" ")[0],
                        tool_version=report.tool.split(" ")[-1], host=report.host)
    width = page_size(ctx.paper, wide=True)[0] - 2 * MARGIN
    frame = PageFrame(title=f"Tape report — {clean(report.label)}", header_right=f"copy {report.copy}",
                      footer=footer_text(ctx))
    pages = build_pdf(path, _story(report, kit, width), kit=kit, frame=frame, paper=ctx.paper, wide=True,
                      title=f"Tape report {clean(report.label)}", subject=f"LTO tape {report.label}", author=None,
                      ctx=ctx)
    return ReportResult(path=Path(path), kind="tape", pages=pages, rows=len(report.lines),
                        bytes=Path(path).stat().st_size, seconds=time.perf_counter() - started,
                        warnings=list(kit.fonts.warnings))


__all__ = ["TapeLine", "TapeReport", "write_tape_report"]
