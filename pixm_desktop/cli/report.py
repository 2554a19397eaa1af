"""``pixm report offload|daily`` (PDF) and ``pixm export ale|csv`` (clip lists for editorial and scripts).

``services.reports`` (reportlab, Pillow) is imported when a command runs, not when ``pixm`` starts.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, day_arg, out
from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.timecode import parse_rate

PAPER_SIZES = ("a4", "letter")  # reports.model.PAPER_SIZES


def rate_arg(text: str):
    rate = parse_rate(text)
    if rate is None:
        raise argparse.ArgumentTypeError(f"not a frame rate: {text!r} (e.g. 23.976, 24000/1001, 25)")
    return rate


def register(sub) -> None:
    r = sub.add_parser("report", help=command_help("report"))
    rs = r.add_subparsers(dest="report", required=True)

    o = rs.add_parser("offload", help="offload report of a card's newest offload job, or of a job")
    which = o.add_mutually_exclusive_group(required=True)
    which.add_argument("--card", help="card label (its newest offload job)")
    which.add_argument("--job", type=int, help="job id (`pixm catalog jobs` lists them)")
    o.add_argument("-o", "--output", type=Path, required=True, help="PDF file to write")
    _common(o)
    o.set_defaults(func=cmd_offload_report)

    d = rs.add_parser("daily", help="daily report of a shoot day: cards, totals per camera, clips, storage")
    d.add_argument("--day", type=day_arg, required=True, help="shoot day, YYYY-MM-DD")
    d.add_argument("--project", help="project (needed when several projects shot that day)")
    d.add_argument("-o", "--output", type=Path, required=True, help="PDF file to write")
    _common(d)
    d.set_defaults(func=cmd_daily_report)

    e = sub.add_parser("export", help=command_help("export"))
    es = e.add_subparsers(dest="format", required=True)
    a = es.add_parser("ale", help="Avid Log Exchange of a shoot day's picture clips")
    _export_args(a)
    a.add_argument("--fps", type=rate_arg, help="only clips at this rate (an ALE holds one), e.g. 23.976")
    a.add_argument("--include-sound", action="store_true", help="list the sound takes too")
    a.set_defaults(func=cmd_export_ale)
    c = es.add_parser("csv", help="CSV (UTF-8, header row) of a shoot day's clips, picture and sound")
    _export_args(c)
    c.add_argument("--bom", action="store_true", help="start with a byte-order mark (Excel reads UTF-8 then)")
    c.set_defaults(func=cmd_export_csv)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--paper", choices=PAPER_SIZES, default="a4", help="paper size (default a4)")
    p.add_argument("--dit", help="DIT name to print (default: the author recorded in the ASC MHL)")
    reader_catalog_arg(p)


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--day", type=day_arg, required=True, help="shoot day, YYYY-MM-DD")
    p.add_argument("--project", help="project (needed when several projects shot that day)")
    p.add_argument("--card", help="only the clips of this card")
    p.add_argument("-o", "--output", type=Path, required=True, help="file to write")
    reader_catalog_arg(p)


def _check_output(path: Path) -> None:
    if path.is_dir():
        raise UsageError(f"{path} is a folder: give a file name", hint=f"e.g. -o {path / 'report.pdf'}")


def _done(result, what: str) -> int:
    count = f"{result.pages} page(s)" if result.pages else f"{result.rows} clip(s)"
    out.print(f"[green]wrote[/] {what}: {escape(str(result.path))} ({count}, {result.bytes / 1e3:,.0f} kB)")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    return 0


def cmd_offload_report(args) -> int:
    from pixm_desktop.services import reports

    _check_output(args.output)
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = reports.write_offload_report(catalog, args.output, job_id=args.job, card_label=args.card,
                                                  options=reports.ReportOptions(paper=args.paper, dit=args.dit))
    finally:
        catalog.close()
    return _done(result, "offload report")


def cmd_daily_report(args) -> int:
    from pixm_desktop.services import reports

    _check_output(args.output)
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = reports.write_daily_report(catalog, args.day, args.output, project=args.project,
                                                options=reports.ReportOptions(paper=args.paper, dit=args.dit))
    finally:
        catalog.close()
    return _done(result, "daily report")


def cmd_export_ale(args) -> int:
    from pixm_desktop.services import reports

    _check_output(args.output)
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = reports.export_ale(catalog, args.output, day=args.day, project=args.project, card_label=args.card,
                                        fps=args.fps, include_sound=args.include_sound)
    finally:
        catalog.close()
    return _done(result, "ALE")


def cmd_export_csv(args) -> int:
    from pixm_desktop.services import reports

    _check_output(args.output)
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = reports.export_csv(catalog, args.output, day=args.day, project=args.project, card_label=args.card,
                                        bom=args.bom)
    finally:
        catalog.close()
    return _done(result, "CSV")
