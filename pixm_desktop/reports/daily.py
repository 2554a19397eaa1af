"""The daily report: one PDF per shoot day for production, post and the insurance file.

Landscape pages: the day's verdict and totals, every card offloaded that day, totals per camera (clips,
duration as timecode and h:m:s, bytes), sound rolls, storage used per destination drive and the storage forecast (bytes this day,
average per shoot day, each registered drive's free space and days to full), ingest QC findings by card
(acknowledged ones with their note; open QC errors also in the ATTENTION box), the turnovers written for
editorial and sound (their generation, files, a refusal's failed checks), warnings and failures, then
every picture clip with a thumbnail and the logger's fields, and the sound takes. Every page
says "Page X of Y" and carries the creation time and tool version.
"""

from __future__ import annotations

import time
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from pixm_desktop.core.timecode import fps_label
from pixm_desktop.reports.fonts import Fonts
from pixm_desktop.reports.model import DailyReport, QcLine, ReportResult
from pixm_desktop.reports.offload import clip_cells
from pixm_desktop.reports.pdf import (
    BAD,
    GOOD,
    WARN,
    Kit,
    PageFrame,
    build_pdf,
    footer_text,
    page_size,
    production_facts,
    spacer,
)
from pixm_desktop.reports.pdf import MARGIN as _MARGIN
from pixm_desktop.reports.text import (
    clean,
    clock,
    exact_bytes,
    hms,
    plural,
    size,
    verdict_title,
    when,
    wrap_at_separators,
)


def write_daily_report(report: DailyReport, path: Path, *, fonts: Fonts | None = None) -> ReportResult:
    """Write the daily report PDF of ``report`` to ``path`` (atomically). Returns pages, size, warnings."""
    started = time.perf_counter()
    kit = Kit(fonts)
    width = page_size(report.context.paper, wide=True)[0] - 2 * _MARGIN
    story = _story(report, kit, width)
    day = report.day.isoformat()
    frame = PageFrame(title=f"Daily report — {clean(report.project)} — {day}",
                      header_right=f"{plural(len(report.cards), 'card')} · {plural(len(report.clips), 'clip')} · "
                                   f"{size(report.total_bytes)}",
                      footer=footer_text(report.context))
    pages = build_pdf(path, story, kit=kit, frame=frame, paper=report.context.paper, wide=True,
                      title=f"Daily report {clean(report.project)} {day}", subject=f"{clean(report.project)} {day}",
                      author=", ".join(report.dits) or None, ctx=report.context)
    warnings = list(kit.fonts.warnings)
    if kit.fonts.missing:
        warnings.append("no font could draw these characters (printed as \ufffd): "
                        + " ".join(sorted(kit.fonts.missing)))
    return ReportResult(path=Path(path), kind="daily", pages=pages, rows=len(report.clips) + len(report.sound_takes),
                        bytes=Path(path).stat().st_size, seconds=time.perf_counter() - started, warnings=warnings)


QC_IN_BANNER = 5  # open QC errors named in the ATTENTION box (then "and N more")


def _qc_attention(errors: list[QcLine]) -> str:
    """`` 2 open QC errors: A001: frame_rate C003 (found 25); …`` for the ATTENTION box; "" without."""
    if not errors:
        return ""
    named = "; ".join(f"{q.card}: {q.rule} {q.subject} (found {q.found})" for q in errors[:QC_IN_BANNER])
    more = f"; and {len(errors) - QC_IN_BANNER} more" if len(errors) > QC_IN_BANNER else ""
    return f" {plural(len(errors), 'open QC error')}: {named}{more} — see Ingest QC."


def _story(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    unsafe = [c for c in r.cards if not c.safe]
    warnings = sum(1 for i in r.issues if i.severity != "FAILED")
    qc_errors = r.open_qc_errors
    if unsafe or r.failures or qc_errors:
        verdict = "ATTENTION"
        text = (f"{plural(len(unsafe), 'card')} not safe to format" + (f" ({', '.join(c.card.label for c in unsafe)})"
                                                                       if unsafe else "")
                + f"; {plural(r.failures, 'failure')}, {plural(warnings, 'warning')} — see Warnings and failures."
                + _qc_attention(qc_errors))
    else:
        verdict = "ALL CARDS SAFE TO FORMAT"
        text = (f"every file of {plural(len(r.cards), 'card')} verified on every required destination"
                + (f"; {plural(warnings, 'warning')}" if warnings else "") + ".")
    weekday = r.day.strftime("%A")
    story: list[Flowable] = [
        kit.p(f"Daily report — {r.project}", kit.h1),
        kit.p(f"Shoot day {r.day.isoformat()} ({weekday})", kit.sub),
        spacer(6),
        kit.banner_box(verdict != "ATTENTION", verdict, text, width),
        spacer(6),
        kit.facts([
            *production_facts(r.context, columns=4),
            ("Project", r.project), ("Shoot day", r.day.isoformat()),
            ("DIT", ", ".join(r.dits) or "—"), ("Cart (host)", ", ".join(r.hosts) or "—"),
            ("Cards", str(len(r.cards))), ("Picture clips", str(len(r.clips))),
            ("Total size", f"{size(r.total_bytes)} ({exact_bytes(r.total_bytes)})"),
            ("Sound", f"{plural(len(r.sound_rolls), 'roll')}, {plural(len(r.sound_takes), 'take')}"),
        ], width, columns=4),
    ]
    story += _cards(r, kit, width)
    story += _cameras(r, kit, width)
    story += _sound_rolls(r, kit, width)
    story += _storage(r, kit, width)
    story += _forecast(r, kit, width)
    story += _qc(r, kit, width)
    story += _turnovers(r, kit, width)
    story += _review(r, kit, width)
    story += _issues(r, kit, width)
    story += _clips(r, kit, width)
    story += _sound_takes(r, kit, width)
    return story


def _cards(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    header = ["Card", "Camera", "Reel", "Files", "Size", "Clips", "Duration", "Offloaded", "Copies", "Result"]
    w = [0.2, 0.07, 0.08, 0.06, 0.09, 0.06, 0.08, 0.08, 0.1, 0.18]
    rows, marks = [], []
    for i, c in enumerate(r.cards):
        if not c.safe:
            marks.append(i)
            result = kit.rich([(verdict_title(c.safe, c.verdict), "b"), (c.safe_reason, "br")], kit.small)
        else:
            result = kit.word("SAFE TO FORMAT")
        rows.append([kit.p(c.card.label, bold=True), f"{c.card.camera.upper()} {c.camera}".strip(),
                     c.card.reel or "—", str(c.card.files), size(c.card.bytes), str(c.clips), hms(c.seconds),
                     clock(c.offloaded_at), f"{c.destinations_verified} of {c.destinations} verified", result])
    if not rows:
        return [*kit.section("Cards"), kit.p("No card was offloaded on this day.", kit.body)]
    return [*kit.section(f"Cards offloaded ({len(r.cards)})"),
            kit.table(header, rows, [x * width for x in w], right=(3, 4, 5, 6), mark_rows=marks)]


def _cameras(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.cameras:
        return []
    header = ["Camera", "Cards", "Clips", "Duration (timecode)", "Duration (h:m:s)", "FPS", "Size", "Size (bytes)"]
    w = [0.12, 0.08, 0.08, 0.15, 0.13, 0.1, 0.12, 0.22]
    rows = []
    for t in r.cameras:
        rows.append([kit.p(t.camera, bold=True), str(t.cards), str(t.clips),
                     kit.p(t.duration_tc or "mixed rates", mono=bool(t.duration_tc)), hms(t.seconds),
                     fps_label(t.fps) or ("mixed" if t.clips else "—"), size(t.bytes), f"{t.bytes:,}".replace(",", " ")])
    total_bytes = sum(t.bytes for t in r.cameras)
    rows.append([kit.p("Total", bold=True), kit.p(str(sum(t.cards for t in r.cameras)), kit.cell_right, bold=True),
                 kit.p(str(sum(t.clips for t in r.cameras)), kit.cell_right, bold=True), "",
                 kit.p(hms(sum((t.seconds for t in r.cameras), start=0)), kit.cell_right, bold=True), "",
                 kit.p(size(total_bytes), kit.cell_right, bold=True),
                 kit.p(f"{total_bytes:,}".replace(",", " "), kit.cell_right, bold=True)])
    return [*kit.section("Totals per camera"),
            kit.table(header, rows, [x * width for x in w], right=(1, 2, 4, 6, 7))]


def _sound_rolls(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.sound_rolls:
        return [*kit.section("Sound rolls"), kit.p("No sound roll was offloaded on this day.", kit.body)]
    header = ["Roll", "Card", "Files", "Takes", "Duration", "Size", "Scenes"]
    w = [0.1, 0.18, 0.07, 0.07, 0.09, 0.1, 0.39]
    rows = [[kit.p(s.roll, bold=True), s.card_label, str(s.files), str(s.takes), hms(s.seconds), size(s.bytes),
             ", ".join(s.scenes) or "—"] for s in r.sound_rolls]
    return [*kit.section(f"Sound rolls ({len(r.sound_rolls)})"),
            kit.table(header, rows, [x * width for x in w], right=(2, 3, 4, 5))]


def _storage(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.storage:
        return []
    header = ["Destination drive", "Mount point", "File system", "Cards", "Files verified", "Size verified",
              "Free before last offload"]
    w = [0.2, 0.28, 0.09, 0.07, 0.1, 0.12, 0.14]
    rows = [[kit.p(s.volume or "(no label)", bold=True), s.mount_point or "—", s.fs_type or "—", str(s.cards),
             str(s.files), size(s.bytes_verified), size(s.free_bytes_before)] for s in r.storage]
    return [*kit.section("Storage used per destination"),
            kit.table(header, rows, [x * width for x in w], right=(3, 4, 5, 6))]


def days_left(days: float | None) -> str:
    """Days to full for people: ``—`` without a rate, ``3.5`` under ten days, ``42``, ``> 9 999``."""
    if days is None:
        return "—"
    if days >= 10_000:
        return "> 9 999"
    return f"{days:.1f}" if days < 10 else f"{days:,.0f}".replace(",", " ")


def _forecast(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    f = r.forecast
    if f is None:
        return []
    out: list[Flowable] = [*kit.section("Storage"), kit.facts([
        ("Offloaded this day", f"{size(f.day_bytes)} ({exact_bytes(f.day_bytes)})"),
        ("Average per shoot day", f"{size(round(f.average_bytes))} over {plural(f.days, 'day')}" if f.days else "—"),
    ], width, columns=2)]
    if not f.drives:
        out.append(kit.p("No drive is registered (`pixm drive add`): no free space or days to full to show.",
                         kit.small))
        return out
    header = ["Registered drive", "Kind", "Capacity", "Free", "Days to full"]
    w = [0.3, 0.12, 0.18, 0.22, 0.18]
    rows = []
    for d in f.drives:
        free = size(d.free_bytes) + ("" if d.measured else " (recorded)")
        rows.append([kit.p(d.label, bold=True), d.kind, size(d.capacity_bytes), free, days_left(d.days_to_full)])
    out += [spacer(3), kit.table(header, rows, [x * width for x in w], right=(2, 3, 4))]
    if any(not d.measured for d in f.drives):
        out += [spacer(2), kit.note("(recorded): the drive was not mounted; its capacity minus the bytes the catalog "
                            "recorded on it.")]
    return out


def _qc(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if r.qc_profile is None and not r.qc:
        return []
    out: list[Flowable] = [*kit.section("Ingest QC")]
    against = f"against {r.qc_profile}" if r.qc_profile else "against the show profile"
    if not r.qc:
        out.append(kit.p(f"No QC finding on this day's cards ({against}).", kit.body))
        return out
    errors = sum(q.severity == "error" for q in r.qc)
    acked = sum(q.ack_at is not None for q in r.qc)
    out.append(kit.p(f"{plural(len(r.qc), 'finding')} {against}: {plural(errors, 'error')}, "
                     f"{plural(len(r.qc) - errors, 'warning')}; {acked} acknowledged.", kit.small))
    header = ["Card", "", "Rule", "Clip", "Expected", "Found", "Acknowledged"]
    w = [0.13, 0.08, 0.11, 0.16, 0.13, 0.13, 0.26]
    rows, marks = [], []
    for i, q in enumerate(sorted(r.qc, key=lambda q: (q.card, q.severity != "error", q.rule, q.subject))):
        if q.open_error:
            marks.append(i)
        word = kit.word(q.severity.upper(), (BAD if q.severity == "error" else WARN) if q.ack_at is None else GOOD)
        ack = (kit.rich([(f"{q.ack_by} {when(q.ack_at, seconds=False)}", "b"), (q.ack_note or "", "br")], kit.small)
               if q.ack_at is not None else "open")
        rows.append([q.card, word, q.rule, q.subject, q.expected, q.found, ack])
    out.append(kit.table(header, rows, [x * width for x in w], mark_rows=marks))
    return out


def _turnovers(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.turnovers:
        return []
    header = ["Turnover", "Written", "Folder", "ASC MHL generation", "Files", "Outcome"]
    w = [0.09, 0.1, 0.38, 0.1, 0.1, 0.23]
    rows = []
    for t in r.turnovers:
        parts = [("REFUSED", "b"), *((f, "br") for f in t.failures[:3])]
        if len(t.failures) > 3:
            parts.append((f"… and {len(t.failures) - 3} more", "br"))
        outcome = kit.word("DELIVERED", GOOD) if t.status == "completed" else kit.rich(parts)
        rows.append([kit.p(t.kind, bold=True), clock(t.created_at), kit.p(t.folder, mono=True),
                     str(t.generation) if t.generation is not None else "—", f"{t.new_files} new of {t.files}",
                     outcome])
    return [*kit.section(f"Turnovers ({len(r.turnovers)})"), kit.table(header, rows, [x * width for x in w])]


def _review(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.review:
        return []
    header = ["Clip", "At", "Who", "Call or comment", "When"]
    w = [0.22, 0.17, 0.18, 0.33, 0.1]
    rows = [[kit.p(x.clip, mono=True), (x.tc_in or "clip") + (f"–{x.tc_out}" if x.tc_out else ""),
             f"{x.author} ({x.role})", kit.p(x.text if x.kind == "comment" else f"{x.kind} {x.text}".strip()),
             clock(x.created_at)] for x in r.review]
    return [*kit.section(f"Review portal ({len(r.review)})"), kit.table(header, rows, [x * width for x in w])]


def _issues(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    out: list[Flowable] = [*kit.section("Warnings and failures")]
    if not r.issues:
        out.append(kit.p("None: every file of every card is verified, every clip was read.", kit.body))
        return out
    rows, marks = [], []
    for i, issue in enumerate(r.issues):
        failed = issue.severity == "FAILED"
        if failed:
            marks.append(i)
        rows.append([kit.word(issue.severity, BAD if failed else WARN), issue.card, issue.text])
    out.append(kit.table(["", "Card", "What"], rows, [width * 0.1, width * 0.18, width * 0.72], mark_rows=marks))
    return out


def _clips(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.clips:
        return [*kit.section("Clips"), kit.p("No picture clips catalogued for this day.", kit.body)]
    tw = width * 0.085
    th = tw * 9 / 16
    cols = [("Picture", 0.095, "picture"), ("Card", 0.09, "card"), ("Clip", 0.17, "name"),
            ("TC in", 0.075, "tc_in"),
            ("Duration", 0.075, "duration"), ("FPS", 0.045, "fps"), ("Codec / size", 0.08, "format"),
            ("Scene", 0.055, "scene"), ("Take", 0.04, "take"), ("Circle, rating, flag", 0.085, "log"),
            ("Notes", 0.19, "notes")]
    rows = []
    for c in r.clips:
        cells = clip_cells(kit, c, tw, th, with_notes=False, name_w=0.17 * width)
        cells["card"] = kit.p(wrap_at_separators(c.card_label, kit.fits(0.09 * width)))
        rows.append([cells[key] for _h, _w, key in cols])
    return [*kit.section(f"Clips ({len(r.clips)})", need=60 * mm),
            kit.table([h for h, _w, _k in cols], rows, [w * width for _h, w, _k in cols], valign="MIDDLE")]


def _sound_takes(r: DailyReport, kit: Kit, width: float) -> list[Flowable]:
    if not r.sound_takes:
        return []
    cols = [("Roll", 0.08, "roll"), ("Take (file)", 0.2, "name"), ("TC in", 0.09, "tc_in"),
            ("Duration", 0.09, "duration"), ("FPS", 0.05, "fps"), ("Format", 0.1, "format"),
            ("Scene", 0.07, "scene"), ("Take", 0.05, "take"), ("Circle", 0.07, "circle"), ("Notes", 0.2, "notes")]
    rows = []
    for c in r.sound_takes:
        cells = clip_cells(kit, c, 1, 1, with_notes=False)
        cells["roll"] = kit.p(c.tape or c.reel or c.card_label)
        cells["name"] = kit.p(c.name, bold=True)
        rows.append([cells[key] for _h, _w, key in cols])
    return [spacer(4), *kit.section(f"Sound takes ({len(r.sound_takes)})"),
            kit.table([h for h, _w, _k in cols], rows, [w * width for _h, w, _k in cols])]


__all__ = ["write_daily_report"]
