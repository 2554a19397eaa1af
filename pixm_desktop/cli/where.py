"""``pixm where NAME``: every drive and card folder holding a clip, a card or a file (a name matches clips
first, then card labels, then file names), how much of it is verified there and when, whether the drive is
on this cart now, and the count of verified copies on distinct drives against the card rule.

Exit codes: 0 found · 2 nothing has that name · 8 catalog."""

from __future__ import annotations

import json

from pixm_desktop.cli._catalog import open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import escape, out
from pixm_desktop.cli._table import Column, print_table
from pixm_desktop.services import where as where_service
from pixm_desktop.services.where import Whereabouts


def register(sub) -> None:
    p = sub.add_parser("where", help=command_help("where"))
    p.add_argument("name", help="a clip name (A001C003_261123_RFO7), a card label (A001RFO7) or a file name")
    p.add_argument("--json", action="store_true", help="print JSON (one object per clip, card or file found)")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_where)


def cmd_where(args) -> int:
    catalog = open_existing(args.catalog, create=args.create)
    try:
        found = where_service.where(catalog, args.name)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps([w.as_dict() for w in found], indent=2, ensure_ascii=False))
        return 0
    for w in found:
        _print(w)
    return 0


def _print(w: Whereabouts) -> None:
    day = f", day {w.day.isoformat()}" if w.day else ""
    what = f"{w.kind} {w.name}" + ("" if w.kind == "card" else f" (card {w.card}{day})") + \
        (day if w.kind == "card" else "")
    out.print(f"[bold]{escape(what)}[/] — {w.files} file{'s' if w.files != 1 else ''}, {w.total_bytes / 1e9:.2f} GB")
    if not w.places:
        out.print("[red]on no destination[/]: never offloaded (or its copies were removed from the catalog)")
        return
    cols = [Column("drive", keep=9), Column("folder", keep=5, wrap=True, floor=12),
            Column("verified", keep=9, justify="right"), Column("verified since (UTC)", keep=8, wrap=True, floor=10),
            Column("mounted now", keep=8, wrap=True, floor=3), Column("held by / at", keep=4, wrap=True)]
    rows = [(p.drive or "(unregistered)", p.path, f"{p.verified}/{p.total}" + (f" · {p.failed} failed" if p.failed
            else ""), p.oldest_verified.strftime("%Y-%m-%d %H:%M") if p.oldest_verified else "never",
            "yes" if p.mounted else ("folder found, other drive" if p.folder_found else "no"),
            " / ".join(x for x in (p.holder, p.location) if x) or "—") for p in w.places]
    print_table(out, cols, rows)
    colour = "green" if w.copies >= w.rule_copies else "red"
    why = f" ({'; '.join(w.why)})" if w.why else ""
    out.print(f"[{colour}]{w.copies} complete verified cop{'y' if w.copies == 1 else 'ies'} on distinct drives of "
              f"{w.rule_copies} needed[/]{escape(why)}")
