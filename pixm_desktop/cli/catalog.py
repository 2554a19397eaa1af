"""``pixm catalog``: list cards, jobs and files (``--json`` for scripts)."""

from __future__ import annotations

import json

from rich.table import Table

from pixm_desktop.cli._common import catalog_arg, escape, out
from pixm_desktop.core.errors import UsageError
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import status
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
            "cards": lambda: _with_verdicts(catalog, catalog_views.cards(catalog)),
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


def _with_verdicts(catalog, rows: list[dict]) -> list[dict]:
    """Each card row gets THE verdict (``core.verdict.card_verdict`` under the default rule):
    ``"verdict": {"state": safe|not_safe|copying|failed, "reason": words, "copies": n}``."""
    verdicts = status.card_verdicts(catalog, [r["id"] for r in rows])
    for r in rows:
        v = verdicts.get(r["id"])
        r["verdict"] = v.as_dict() if v else None
    return rows


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
            ("verdict", "verdict"),
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
            elif key == "verdict" and v is not None:
                v = _verdict_words(v)
            cells.append("" if v is None else str(v))
        table.add_row(*(escape(c) for c in cells))
    out.print(table)


_VERDICT_TITLE = {"safe": "SAFE TO FORMAT", "not_safe": "NOT SAFE TO FORMAT", "copying": "COPYING",
                  "failed": "FAILED"}


def _verdict_words(v: dict) -> str:
    title = _VERDICT_TITLE.get(v["state"], v["state"])
    return title if v["state"] == "safe" else f"{title}: {v['reason']}"
