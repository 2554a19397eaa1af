"""``pixm catalog``: list cards, jobs and files (``--json`` for scripts)."""

from __future__ import annotations

import datetime as dt
import json

from pixm_desktop.cli._catalog import catalog_name, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import out
from pixm_desktop.cli._table import Column, print_table
from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import JobKind
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import status


def register(sub) -> None:
    c = sub.add_parser("catalog", help=command_help("catalog"))
    c.add_argument("what", choices=["cards", "jobs", "files"],
                   help="cards (with THE verdict), jobs of every kind (with their options and log) or files (with "
                        "their copies)")
    c.add_argument("--card", help="only this card (label)")
    c.add_argument("--kind", choices=[k.value for k in JobKind],
                   help="jobs: only this kind (offload, verify, ingest, report, aftercare)")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    reader_catalog_arg(c)
    c.set_defaults(func=cmd_catalog)


def cmd_catalog(args) -> int:
    catalog = open_existing(args.catalog, create=args.create)
    try:
        card_id = catalog_views.card_by_label(catalog, args.card) if args.card else None
        if args.card and card_id is None:
            raise UsageError(f"no card labelled {args.card!r} in {catalog_name(catalog)}",
                             hint="`pixm catalog cards` lists its cards; --catalog or $PIXM_CATALOG chooses another")
        rows = {
            "cards": lambda: _with_options(_with_verdicts(catalog, catalog_views.cards(catalog)),
                                           catalog_views.jobs(catalog)),
            "jobs": lambda: _job_options([j for j in catalog_views.jobs(catalog, card_id)
                                          if args.kind is None or j["kind"] == args.kind]),
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


def _job_options(rows: list[dict]) -> list[dict]:
    """Each job row gets ``"source_verify"`` and ``"cascade"`` (booleans) from its recorded options (false for
    kinds other than offload)."""
    for r in rows:
        options = r.get("options") or {}
        r["source_verify"] = bool(options.get("source_verify", False))
        r["cascade"] = bool(options.get("cascade", False))
    return rows


def _with_options(cards: list[dict], jobs: list[dict]) -> list[dict]:
    """Each card row gets ``"source_verify"`` and ``"cascade"`` of its newest offload job (``None`` when it
    has none), so a script reading the verdict also sees how the copies were made."""
    newest = {j["card_id"]: j for j in _job_options(jobs) if j["kind"] == JobKind.OFFLOAD}  # in id order
    for c in cards:
        job = newest.get(c["id"])
        c["source_verify"] = job["source_verify"] if job else None
        c["cascade"] = job["cascade"] if job else None
    return cards


# (title, key, column): the verdict and the error fold over lines; ids, labels and dates are shown whole
_COLUMNS = {
    "cards": [("id", "id", Column("id", keep=9)), ("label", "label", Column("label", keep=9)),
              ("camera", "camera", Column("camera", keep=3)), ("reel", "reel", Column("reel", keep=4)),
              ("day", "day", Column("day", keep=6)), ("files", "files", Column("files", keep=2, justify="right")),
              ("bytes", "bytes", Column("bytes", keep=1, justify="right")),
              ("verdict", "verdict", Column("verdict", keep=9, wrap=True, floor=16))],
    "jobs": [("id", "id", Column("id", keep=9)), ("card", "card", Column("card", keep=9)),
             ("kind", "kind", Column("kind", keep=5)), ("status", "status", Column("status", keep=8)),
             ("files", "files", Column("files", keep=2, justify="right")),
             ("finished", "finished_at", Column("finished", keep=4)),
             ("error", "error", Column("error", keep=7, wrap=True, floor=16))],
    "files": [("path", "path", Column("path", keep=9, wrap=True, floor=20)),
              ("size", "size", Column("size", keep=3, justify="right")),
              ("states", "copies", Column("states", keep=8, wrap=True, floor=8))],
}


def _print_rows(what: str, rows: list[dict]) -> None:
    cols = _COLUMNS[what]
    table_rows = []
    for r in rows:
        cells = []
        for _, key, _col in cols:
            v = r.get(key)
            if key == "copies":
                v = " ".join(c["state"] for c in v)
            elif key == "verdict" and v is not None:
                v = _verdict_words(v)
            elif key == "finished_at" and v:
                v = _local_minute(v)
            cells.append("" if v is None else str(v))
        table_rows.append(tuple(cells))
    print_table(out, [c for _, _, c in cols], table_rows)


def _local_minute(iso: str) -> str:
    """``2026-11-23 18:04`` in the machine's time zone (the JSON keeps the full UTC instant)."""
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


_VERDICT_TITLE = {"safe": "SAFE TO FORMAT", "not_safe": "NOT SAFE TO FORMAT", "copying": "COPYING",
                  "failed": "FAILED"}


def _verdict_words(v: dict) -> str:
    title = _VERDICT_TITLE.get(v["state"], v["state"])
    return title if v["state"] == "safe" else f"{title}: {v['reason']}"
