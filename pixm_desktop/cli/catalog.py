"""``pixm catalog``: list cards, jobs and files (``--json`` for scripts)."""

from __future__ import annotations

import json

from rich.table import Table

from pixm_desktop.cli._common import catalog_arg, escape, out
from pixm_desktop.core.errors import UsageError
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.store.db import open_catalog


def register(sub) -> None:
    c = sub.add_parser("catalog", help="list catalog records")
    c.add_argument("what", choices=["cards", "jobs", "files"])
    c.add_argument("--card", help="only this card (label)")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    catalog_arg(c)
    c.set_defaults(func=cmd_catalog)


def cmd_catalog(args) -> int:
    catalog = open_catalog(args.catalog)
    try:
        card_id = catalog_views.card_by_label(catalog, args.card) if args.card else None
        if args.card and card_id is None:
            raise UsageError(f"no card labelled {args.card!r} in the catalog")
        rows = {
            "cards": lambda: catalog_views.cards(catalog),
            "jobs": lambda: catalog_views.jobs(catalog, card_id),
            "files": lambda: catalog_views.files(catalog, card_id),
        }[args.what]()
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    _print_rows(args.what, rows)
    return 0


def _print_rows(what: str, rows: list[dict]) -> None:
    table = Table(show_header=True, header_style="bold")
    if what == "cards":
        cols = [
            ("id", "id"),
            ("label", "label"),
            ("camera", "camera"),
            ("reel", "reel"),
            ("day", "day"),
            ("files", "files"),
            ("bytes", "bytes"),
        ]
    elif what == "jobs":
        cols = [
            ("id", "id"),
            ("card", "card"),
            ("kind", "kind"),
            ("status", "status"),
            ("files", "files"),
            ("finished", "finished_at"),
            ("error", "error"),
        ]
    else:
        cols = [("path", "path"), ("size", "size"), ("states", "copies")]
    for title, _ in cols:
        table.add_column(title)
    for r in rows:
        cells = []
        for _, key in cols:
            v = r.get(key)
            if key == "copies":
                v = " ".join(c["state"] for c in v)
            cells.append("" if v is None else str(v))
        table.add_row(*(escape(c) for c in cells))
    out.print(table)
