"""The offload report: one PDF per card/job, the paper trail a DIT hands over with the drives.

Page 1: the verdict (SAFE TO FORMAT or not, with the reason), the job (project, day, DIT, cart, tool, hash
formats, times, speed), the source card, each destination (free space before, verified/failed counts, the
ASC MHL generation written), failures with reasons and warnings; then the clips with a picture and key
metadata; an appendix lists every file with its size and checksums.
"""

from __future__ import annotations

import time
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph

from pixm_desktop.core.timecode import fps_label
from pixm_desktop.reports.fonts import Fonts
from pixm_desktop.reports.model import ClipLine, OffloadReport, ReportResult
from pixm_desktop.reports.pdf import (
    BAD,
    GOOD,
    Kit,
    PageFrame,
    build_pdf,
    footer_text,
    keep,
    page_size,
    production_facts,
    spacer,
)
from pixm_desktop.reports.pdf import MARGIN as _MARGIN
from pixm_desktop.reports.text import (
    clean,
    duration_words,
    exact_bytes,
    plural,
    size,
    speed,
    stars,
    verdict_title,
    when,
    wrap_at_separators,
)

MAX_FAILURES_LISTED = 200  # per destination; the rest is counted


def write_offload_report(report: OffloadReport, path: Path, *, fonts: Fonts | None = None) -> ReportResult:
    """Write the offload report PDF of ``report`` to ``path`` (atomically). Returns pages, size, warnings."""
    started = time.perf_counter()
    kit = Kit(fonts)
    width = page_size(report.context.paper)[0] - 2 * _MARGIN
    story = _story(report, kit, width)
    frame = PageFrame(title=f"Offload report — {clean(report.card.label)}",
                      header_right=" · ".join(x for x in (clean(report.project), _day(report), f"job {report.job_id}")
                                              if x),
                      footer=footer_text(report.context))
    pages = build_pdf(path, story, kit=kit, frame=frame, paper=report.context.paper, wide=False,
                      title=f"Offload report {clean(report.card.label)}",
                      subject=f"{clean(report.project)} {_day(report)} job {report.job_id}", author=report.dit,
                      ctx=report.context)
    warnings = list(kit.fonts.warnings)
    if kit.fonts.missing:
        warnings.append("no font could draw these characters (printed as \ufffd): "
                        + " ".join(sorted(kit.fonts.missing)))
    return ReportResult(path=Path(path), kind="offload", pages=pages, rows=len(report.clips),
                        bytes=Path(path).stat().st_size, seconds=time.perf_counter() - started, warnings=warnings)


def _day(r: OffloadReport) -> str:
    return r.day.isoformat() if r.day else ""


def _story(r: OffloadReport, kit: Kit, width: float) -> list[Flowable]:
    story: list[Flowable] = [
        kit.p(f"Offload report — {r.card.label}", kit.h1),
        kit.p(" · ".join(x for x in (r.project, f"shoot day {_day(r)}" if r.day else "", f"job {r.job_id}") if x),
              kit.sub),
        spacer(6),
        kit.banner_box(r.safe, verdict_title(r.safe, r.verdict), r.safe_reason, width),
        spacer(8),
    ]
    verify = "yes: the card was re-read after copying" if r.source_verify else "no"
    mode = "cascade: the first destination was copied from the card, the others from it" if r.cascade else \
        "direct: every destination written from the card in one read"
    story += [
        *kit.section("Job"),
        kit.facts([
            *production_facts(r.context),
            ("Project", r.project or "—"), ("Shoot day", _day(r) or "—"),
            ("DIT", r.dit or "—"), ("Cart (host)", r.host or "—"),
            ("Tool", f"pixm {r.tool_version}" if r.tool_version else "—"), ("Job", kit.rich(
                [(f"#{r.job_id} ", ""), (_job_word(r.job_status), "b")])),
            ("Hash formats", ", ".join(r.algorithms) or "—"), ("Source verify", verify),
            ("Started", when(r.started_at)), ("Finished", when(r.finished_at)),
            ("Duration", duration_words(r.seconds)), ("Average speed", speed(r.bytes_per_second)),
            ("Mode", mode), ("Location", r.location or "—"),
        ], width),
        *kit.section("Source card"),
        kit.facts([
            ("Label", r.card.label), ("Camera", r.card.camera.upper()),
            ("Reel", r.card.reel or "—"), ("Files", str(r.card.files)),
            ("Size", f"{size(r.card.bytes)} ({exact_bytes(r.card.bytes)})"), ("Clips", str(len(r.clips))),
            ("Source path", r.card.source_path or "—"), ("", ""),
        ], width),
    ]
    story += _destinations(r, kit, width)
    story += _failures(r, kit, width)
    if r.warnings or r.job_error:
        story += kit.section("Warnings")
        if r.job_error:
            story.append(kit.rich([("Job: ", "b"), (r.job_error, "")], kit.body))
        for w in r.warnings:
            story.append(kit.rich([("• ", ""), (w, "")], kit.body))
    story += _clips(r.clips, kit, width)
    story += _appendix(r, kit, width)
    return story


def _job_word(status: str) -> str:
    return {"completed": "COMPLETED", "failed": "FAILED", "interrupted": "INTERRUPTED",
            "running": "RUNNING"}.get(status, status.upper())


def _destinations(r: OffloadReport, kit: Kit, width: float) -> list[Flowable]:
    header = ["#", "Destination", "Free before", "Verified", "Failed", "Not verified", "Result"]
    w = [0.04, 0.44, 0.11, 0.09, 0.08, 0.1, 0.14]
    rows, marks = [], []
    for i, d in enumerate(r.destinations):
        where = [(d.volume_label or "(no volume label)", "b"), (d.path, "br")]
        extra = " · ".join(x for x in (d.fs_type, "required" if d.required else "optional") if x)
        if extra:
            where.append((extra, "small"))
            where.insert(2, ("", "br"))
        # the catalog's state now (a later job may have finished what this one left): counts and word agree
        result = "verified" if d.complete else "failed" if d.failed else "pending"
        if result != "verified":
            marks.append(i)
        # a destination's copies may all be verified while the card is not safe: no green word then
        word = kit.state(result) if r.safe or result != "verified" else kit.word("VERIFIED")
        rows.append([str(d.position + 1), kit.rich(where), size(d.free_bytes_before), f"{d.verified} of {d.files}",
                     str(d.failed), str(d.pending), word])
    out: list[Flowable] = [*kit.section(f"Destinations ({len(r.destinations)})"),
                           kit.table(header, rows, [x * width for x in w], right=(2, 3, 4, 5), mark_rows=marks)]
    gens = []
    for d in r.destinations:
        if d.mhl_generation:
            gens.append(kit.rich([(f"{d.position + 1}. ", "b"), (d.mhl_generation, "mono")], kit.body))
        else:
            why = d.error or "not written"
            gens.append(kit.rich([(f"{d.position + 1}. ", "b"), ("NOT WRITTEN", "b"), (f" — {why}", "")], kit.body))
    out += [spacer(4), kit.p("ASC MHL generations written", kit.key), *gens]
    return out


def _failures(r: OffloadReport, kit: Kit, width: float) -> list[Flowable]:
    failing = [d for d in r.destinations if d.failures or d.error and d.status == "failed"]
    if not failing:
        return [spacer(4), kit.rich([("Failures: ", "b"), ("none — no file failed verification on any destination.",
                                                           "")], kit.body)]
    out: list[Flowable] = [*kit.section("Failures")]
    for d in failing:
        title = kit.rich([(f"Destination {d.position + 1}: ", "b"), (d.path, ""),
                          (f" — {plural(d.failed, 'file')} FAILED", "b")], kit.body)
        if not d.failures:
            out.append(keep(title, kit.p(d.error or "", kit.body)))
            continue
        rows = [[kit.p(f, kit.cell), kit.state("failed"), kit.p(reason)] for f, reason in d.failures]
        out += [title, spacer(2), kit.table(["File", "State", "Reason"], rows,
                                            [width * 0.45, width * 0.1, width * 0.45])]
        if d.failures_not_listed:
            out.append(kit.note(f"… and {d.failures_not_listed} more failed files on this destination "
                                "(`pixm catalog files --card …` lists them all)."))
    return out


def clip_cells(kit: Kit, c: ClipLine, thumb_w: float, thumb_h: float, *, with_notes: bool = True,
               name_w: float | None = None) -> dict:
    """The cells of a clip row shared by both reports; the name wraps at its separators in ``name_w`` points."""
    if c.kind == "audio" and not c.thumbnail:
        picture: Flowable = kit.p("sound", kit.small)
    else:
        picture = kit.thumbnail(c.thumbnail, thumb_w, thumb_h)
    name = [(wrap_at_separators(c.name, kit.fits(name_w, bold=True)) if name_w else c.name, "b")]
    sub = " · ".join(x for x in (f"tape {c.tape}" if c.tape else "", f"cam {c.camera}" if c.camera else "") if x)
    if sub:
        name.append((sub, "br"))
    if with_notes and c.notes:
        name.append((c.notes, "br"))
    if c.probe_status == "failed" and c.probe_error:
        name.append((f"UNREADABLE: {c.probe_error}", "br"))
    if c.kind == "audio":
        parts = [c.codec or "audio", f"{c.audio_channels} ch" if c.audio_channels else "",
                 f"{c.sample_rate / 1000:g} kHz" if c.sample_rate else ""]
        fmt = " · ".join(p for p in parts if p)
    else:
        fmt = "\n".join(p for p in (c.codec or "", c.resolution or "") if p)
    fmt = fmt or "—"
    slate = " / ".join(x for x in (c.scene or "", c.take or "") if x) or "—"
    return {
        "picture": picture,
        "name": kit.rich(name),
        "tc_in": kit.p(c.start_tc or "—", mono=True),
        "duration": kit.p(c.duration_tc or "—", mono=True),
        "fps": kit.p(fps_label(c.fps) or "—"),
        "format": kit.p(fmt),
        "slate": kit.p(slate),
        "scene": kit.p(c.scene or ""),
        "take": kit.p(c.take or ""),
        "circle": kit.word("CIRCLED", GOOD) if c.circled else kit.p(""),
        "log": log_cell(kit, c),
        "notes": kit.p(c.notes or ""),
    }


def log_cell(kit: Kit, c: ClipLine) -> Paragraph:
    """What the logger gave a clip, one line each: CIRCLED, its rating as stars with the number (4★ = "★★★★
    4/5"), FLAGGED — words and shapes, not colour alone."""
    lines = []
    if c.circled:
        lines.append(f'<font color="{GOOD.hexval()}"><b>CIRCLED</b></font>')
    if c.rating:
        lines.append(f"{kit.fonts.markup(stars(c.rating))} {c.rating}/5")
    if c.flagged:
        lines.append(f'<font color="{BAD.hexval()}"><b>FLAGGED</b></font>')
    return Paragraph("<br/>".join(lines), kit.cell)


def _clips(clips: list[ClipLine], kit: Kit, width: float) -> list[Flowable]:
    if not clips:
        return [*kit.section("Clips"), kit.p("No clips catalogued for this card yet (run `pixm ingest CARD`).",
                                            kit.body)]
    tw = width * 0.13
    th = tw * 9 / 16
    cols = [("Picture", 0.13, "picture"), ("Clip", 0.24, "name"), ("TC in", 0.12, "tc_in"),
            ("Duration", 0.12, "duration"), ("FPS", 0.07, "fps"), ("Codec / size", 0.12, "format"),
            ("Scene / take", 0.09, "slate"), ("Circle, rating, flag", 0.11, "log")]
    rows = []
    for c in clips:
        cells = clip_cells(kit, c, tw, th, name_w=0.24 * width)
        rows.append([cells[key] for _h, _w, key in cols])
    return [*kit.section(f"Clips ({len(clips)})", need=60 * mm),
            kit.table([h for h, _w, _k in cols], rows, [w * width for _h, w, _k in cols], valign="MIDDLE")]


def _appendix(r: OffloadReport, kit: Kit, width: float) -> list[Flowable]:
    out: list[Flowable] = [PageBreak(), kit.p("Appendix — files and checksums", kit.h1),
                           kit.p(f"{plural(len(r.files), 'file')}, {exact_bytes(sum(f.size for f in r.files))}; "
                                 f"checksums of the source as read during the offload "
                                 f"({', '.join(r.algorithms)}).", kit.body), spacer(6)]
    algs = r.algorithms or sorted({a for f in r.files for a in f.hashes})
    single = len(algs) == 1 and algs[0] != "c4"
    header = ["#", "File", "Size (bytes)", algs[0] if single else "Checksums"]
    w = [0.05, 0.5, 0.14, 0.31] if single else [0.05, 0.36, 0.12, 0.47]
    # The row number's column fits the largest number on one line (a wrapped cell is a Paragraph: slow, and
    # "12000" was cut in two); the file column gives up what it needs.
    need = kit.column_width(str(len(r.files))) / width
    if need > w[0]:
        w[1] -= need - w[0]
        w[0] = need
    rows = []
    for n, f in enumerate(r.files, 1):
        if single:
            sums = f.hashes.get(algs[0], "—")
        else:
            sums = kit.checksum_lines([(a, f.hashes.get(a, "—")) for a in algs], w[3] * width)
        rows.append([str(n), f.path, f"{f.size:,}".replace(",", " "), sums])
    out.append(kit.table(header, rows, [x * width for x in w], right=(0, 2), mono=(3,) if single else ()))
    if not r.files:
        out.append(kit.p("No files recorded.", kit.body))
    return out


__all__ = ["clip_cells", "write_offload_report"]
