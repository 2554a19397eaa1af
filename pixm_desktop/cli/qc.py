"""``pixm qc (--card C | --day D) [--decode] [--json]`` and ``pixm qc ack ID --note TEXT [--by NAME]``: ingest QC
of catalogued cards against the installed show profile (docs/qc.md), and the acknowledgement of a finding.

A QC run is a ``qc`` job (a row in ``jobs``). Exit 0 when no error is left open (warnings and acknowledged
errors do not count), 12 when errors nobody acknowledged remain, 11 when no show profile is installed.
"""

from __future__ import annotations

import json
import sys
import textwrap

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, day_arg, out
from pixm_desktop.core.errors import QcErrorsFoundError, UsageError
from pixm_desktop.core.states import JobKind, QcJobOptions
from pixm_desktop.services import jobs
from pixm_desktop.services import qc as qc_service
from pixm_desktop.services.qc import FindingRow, QcProgress

WIDTH = 80


def register(sub) -> None:
    p = sub.add_parser("qc", help=command_help("qc"),
                       description="Ingest QC: every clip of the cards checked against the installed show profile "
                                   "(codec, size, rates, names, unique reels, timecode, sidecars, sound drift; "
                                   "--decode: every frame). Exit 12 when errors nobody acknowledged remain.")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--card", metavar="C", help="the card labelled C (every card of that label)")
    which.add_argument("--day", metavar="D", type=day_arg, help="every card of shoot day D, YYYY-MM-DD")
    p.add_argument("--decode", action="store_true",
                   help="also decode every video frame (slow, at low CPU priority): flags corrupt frames by number")
    p.add_argument("--json", action="store_true", help="machine-readable output: the profile and every finding")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_qc)
    cmds = p.add_subparsers(dest="qc_command", metavar="{ack}", help="ack: accept a finding with a note")
    a = cmds.add_parser("ack", help="acknowledge a finding with a note (who and when are recorded)")
    a.add_argument("finding", type=int, metavar="FINDING_ID", help="the finding's id, as `pixm qc` lists it")
    a.add_argument("--note", required=True, help="why the finding is accepted (kept with it, shown in every list)")
    a.add_argument("--by", metavar="NAME", help="who accepts it (default: the login name)")
    a.add_argument("--json", action="store_true", help="print the acknowledged finding as JSON")
    reader_catalog_arg(a)
    a.set_defaults(func=cmd_ack)


def cmd_qc(args) -> int:
    if args.card is None and args.day is None:
        raise UsageError("pixm qc needs --card C or --day D", hint="`pixm qc --help` shows the options")
    if args.decode:
        _low_priority()
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            card_ids = qc_service.scope(catalog, card=args.card, day=args.day)
            options = ([QcJobOptions(card_id=i, decode=args.decode) for i in card_ids] if args.card
                       else [QcJobOptions(day=args.day.isoformat(), decode=args.decode)])
            results = [jobs.execute(catalog, JobKind.QC, o, on_progress=None if args.json else _progress)
                       for o in options]
        rows = qc_service.findings_for(catalog, card_ids)
    finally:
        catalog.close()
    profile = results[-1].profile
    open_errors = [r for r in rows if r.is_error and not r.acknowledged]
    if args.json:
        print(json.dumps({"profile": profile, "cards": card_ids, "clips": sum(r.clips for r in results),
                          "decoded": sum(r.decoded for r in results), "open_errors": len(open_errors),
                          "findings": [r.as_dict() for r in rows]}, indent=2, ensure_ascii=False))
    else:
        print_findings(rows)
        for r in results:
            out.print("\n".join(textwrap.wrap(r.summary(), WIDTH)), markup=False, highlight=False)
    if open_errors:
        raise QcErrorsFoundError(f"ingest QC found {len(open_errors)} error(s) nobody acknowledged",
                                 hint="fix them and run QC again, or `pixm qc ack ID --note TEXT` each one")
    return 0


def _low_priority() -> None:
    """A full decode runs at low CPU priority, like the window's background jobs (the copy comes first)."""
    try:
        import psutil

        psutil.Process().nice(psutil.BELOW_NORMAL_PRIORITY_CLASS if sys.platform == "win32" else 10)
    except Exception:  # not permitted: run at normal priority
        pass


def _progress(p: QcProgress) -> None:
    if p.phase == "decode":
        console.print(f"decoding {p.done + 1}/{p.total} {p.clip}", markup=False, highlight=False)


def print_findings(rows: list[FindingRow]) -> None:
    """Each finding as a block of lines within 80 columns: id, severity, card, subject, rule; the sentence;
    expected and found; the acknowledgement."""
    if not rows:
        out.print("no QC findings")
        return
    for r in rows:
        head = f"#{r.id} {r.severity.upper()} {r.rule}  card {r.card_label}  {r.subject}"
        lines = textwrap.wrap(head, WIDTH, subsequent_indent="    ")
        lines += textwrap.wrap(r.message, WIDTH, initial_indent="    ", subsequent_indent="    ")
        lines += textwrap.wrap(f"expected {r.expected} · found {r.found}", WIDTH, initial_indent="    ",
                               subsequent_indent="    ")
        if r.acknowledged:
            when = r.ack_at.strftime("%Y-%m-%d %H:%MZ")
            lines += textwrap.wrap(f"acknowledged by {r.ack_by} {when}: {r.ack_note}", WIDTH,
                                   initial_indent="    ", subsequent_indent="    ")
        out.print("\n".join(lines), markup=False, highlight=False)


def cmd_ack(args) -> int:
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            row = qc_service.acknowledge(catalog, args.finding, args.note, args.by)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(row.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_findings([row])
    return 0
