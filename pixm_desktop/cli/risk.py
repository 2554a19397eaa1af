"""``pixm risk [--drive LABEL] [--tape LABEL] [--stale-days N] [--min-copies N] [--json]``: the risk ledger — files below the
card rule now, the files that would fall below it if drive LABEL died, card folders not re-verified for N days.

Exit codes: 0 nothing below the rule (now, and without LABEL when given) · 10 some file is, or would be ·
2 usage (an unknown drive) · 8 catalog. Stale folders are listed, they do not change the exit code."""

from __future__ import annotations

import json

from pixm_desktop.cli._catalog import open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import escape, out
from pixm_desktop.core.errors import DriveNotSafeToWipeError, UsageError
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.services import risk

SHOWN = 20  # files named per section on the terminal (--json lists up to services.risk.LISTED)


def register(sub) -> None:
    p = sub.add_parser("risk", help=command_help("risk"))
    p.add_argument("--drive", metavar="LABEL", help="also: the files that fall below the rule if this drive dies")
    p.add_argument("--tape", metavar="LABEL", help="also: the files that fall below the rule if this tape dies")
    p.add_argument("--stale-days", type=int, default=30, metavar="N",
                   help="list card folders whose verified copies were last verified more than N days ago (30)")
    p.add_argument("--min-copies", type=int, default=SafeRule().min_copies, metavar="N",
                   help="verified copies on distinct drives every file needs (default 2, as a card)")
    p.add_argument("--json", action="store_true", help="machine-readable ledger")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_risk)


def cmd_risk(args) -> int:
    if args.stale_days < 1 or args.min_copies < 1:
        raise UsageError("--stale-days and --min-copies must be 1 or more")
    catalog = open_existing(args.catalog, create=args.create)
    try:
        ledger = risk.ledger(catalog, drive=args.drive, stale_days=args.stale_days,
                             rule=SafeRule(min_copies=args.min_copies), tape=args.tape)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(ledger.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print(ledger)
    if ledger.below_count or ledger.if_lost or ledger.if_tape_lost:
        raise DriveNotSafeToWipeError(_headline(ledger), hint="offload or copy the files named to another drive, "
                                      "then check again")
    return 0


def _headline(ledger: risk.RiskLedger) -> str:
    parts = []
    if ledger.below_count:
        parts.append(f"{ledger.below_count} file(s) below the rule now")
    if ledger.if_lost:
        parts.append(f"{len(ledger.if_lost)} file(s) would fall below it if {ledger.drive} died")
    if ledger.if_tape_lost:
        parts.append(f"{len(ledger.if_tape_lost)} file(s) would fall below it if tape {ledger.tape} died")
    return "; ".join(parts)


def _print(ledger: risk.RiskLedger) -> None:
    rule = f"{ledger.rule.min_copies} verified copies on distinct drives"
    out.print(f"[bold]{ledger.files} files[/] against the rule: {escape(rule)}")
    if ledger.below_count:
        out.print(f"[red]BELOW THE RULE NOW: {ledger.below_count} file(s)[/]")
        for a in ledger.below[:SHOWN]:
            out.print(f"  {escape(a.card)}/{escape(a.relpath)}: {escape(a.why)}")
        _more(ledger.below_count, SHOWN)
    else:
        out.print("[green]every file meets the rule now[/]")
    if ledger.drive is not None:
        _print_if_lost(ledger.drive, ledger.drive, ledger.if_lost or [])
    if ledger.tape is not None:
        _print_if_lost(f"TAPE {ledger.tape}", f"tape {ledger.tape}", ledger.if_tape_lost or [])
    if ledger.stale:
        out.print(f"[yellow]not re-verified for {ledger.stale_days} days: {len(ledger.stale)} card folder(s)[/]")
        for s in ledger.stale[:SHOWN]:
            where = f" on {s.drive}" if s.drive else ""
            out.print(f"  {escape(s.card)}{escape(where)}: {escape(s.folder)} (since {s.oldest:%Y-%m-%d})")
        _more(len(ledger.stale), SHOWN)


def _print_if_lost(loud: str, plain: str, lost: list) -> None:
    """The files that would fall below the rule if that drive or tape died (``loud``/``plain``: its name in a
    warning and in a sentence)."""
    if not lost:
        out.print(f"[green]if {escape(plain)} died, every file would still meet the rule[/]")
        return
    out.print(f"[red]IF {escape(loud)} DIED: {len(lost)} file(s) would fall below the rule[/]")
    for card, rel, why in lost[:SHOWN]:
        out.print(f"  {escape(card)}/{escape(rel)}: {escape(why)}")
    _more(len(lost), SHOWN)


def _more(total: int, shown: int) -> None:
    if total > shown:
        out.print(f"  … and {total - shown} more (--json lists them)")
