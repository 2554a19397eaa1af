"""``pixm sync``: push this cart's changes to the central PostgreSQL catalog and take the logger fields other
carts changed (``--once``, the default, or ``--watch`` every ``--interval`` seconds); ``--status`` says what
waits and when the last sync was (no network needed), ``--conflicts`` lists the central conflict log.

Exit codes: 0 synced · 2 usage (no central URL set) · 8 catalog · 9 another sync of this catalog runs ·
15 central catalog unreachable, not initialised, or the connection dropped (run again: it resumes)."""

from __future__ import annotations

import json
import threading

from pixm_desktop.cli._catalog import open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, escape, out
from pixm_desktop.cli._table import Column, print_table
from pixm_desktop.services import sync as sync_service
from pixm_desktop.services.sync import engine


def register(sub) -> None:
    p = sub.add_parser("sync", help=command_help("sync"))
    p.add_argument("--to", metavar="URL", help="the central catalog, postgresql://user@host:5432/show (remembered "
                   "without password; keep the password in ~/.pgpass or $PGPASSFILE)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="sync once and exit (the default)")
    mode.add_argument("--watch", action="store_true", help="sync every --interval seconds until Ctrl-C")
    mode.add_argument("--status", action="store_true", help="what waits to be pushed, the last sync, conflicts")
    mode.add_argument("--conflicts", action="store_true", help="the central conflict log (overwritten values)")
    p.add_argument("--interval", type=float, default=30.0, metavar="S", help="seconds between syncs with --watch")
    p.add_argument("--cart-name", metavar="NAME", help="this cart's name in the central catalog (default: host name)")
    p.add_argument("--json", action="store_true", help="print JSON")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_sync)


def cmd_sync(args) -> int:
    catalog = open_existing(args.catalog, create=args.create)
    try:
        if args.cart_name:
            sync_service.set_central(catalog, args.to or sync_service.sync_status(catalog).url, args.cart_name)
        if args.status:
            return _status(sync_service.sync_status(catalog), args.json)
        if args.conflicts:
            return _conflicts(sync_service.list_conflicts(engine.resolve_url(catalog, args.to)), args.json)
        if args.watch:
            return _watch(catalog, args)
        return _report(sync_service.sync_once(catalog, args.to), args.json)
    finally:
        catalog.close()


def _report(r: sync_service.SyncResult, as_json: bool) -> int:
    if as_json:
        print(json.dumps(r.__dict__, indent=2))
        return 0
    tables = ", ".join(f"{t} {n}" for t, n in r.per_table.items() if n)
    out.print(f"synced with {escape(r.url)}: {r.entries} change{'s' if r.entries != 1 else ''} in {r.batches} "
              f"batch{'es' if r.batches != 1 else ''}, {r.rows} central rows written"
              + (f" ({escape(tables)})" if tables else "") + f"; fields pushed {r.fields_pushed} "
              f"({r.fields_lost} lost to newer edits), pulled {r.pulled}; review comments pulled {r.comments_pulled}, "
              f"thumbnails carried {r.thumbnails}; new conflicts {r.conflicts}")
    return 0


def _status(s: sync_service.SyncStatus, as_json: bool) -> int:
    if as_json:
        print(json.dumps(s.as_dict(), indent=2))
        return 0
    out.print(f"cart {escape(s.cart_name)} ({s.cart})")
    out.print(f"central: {escape(s.url or 'not set (pixm sync --to URL)')}")
    out.print(f"pending: {s.pending} changes, {s.pending_fields} field edits")
    last = s.last_sync.strftime("%Y-%m-%d %H:%M:%S UTC") if s.last_sync else "never"
    out.print(f"last sync: {last}" + (f" — [red]last attempt failed[/]: {escape(s.last_error)}" if s.last_error else ""))
    out.print(f"conflicts (at the last sync): {s.conflicts}")
    return 0


def _conflicts(rows, as_json: bool) -> int:
    if as_json:
        print(json.dumps([{**r.__dict__, "at": r.at.isoformat()} for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        out.print("no conflicts")
        return 0
    cols = [Column("when (UTC)", keep=8), Column("clip / row", keep=6, wrap=True), Column("field", keep=5),
            Column("kept", keep=4, wrap=True), Column("by", keep=4), Column("overwritten", keep=4, wrap=True),
            Column("by", keep=4)]
    print_table(out, cols, [(r.at.strftime("%Y-%m-%d %H:%M"), r.row_name or r.row_uuid, r.field,
                             json.dumps(r.kept_value), r.kept_cart, json.dumps(r.lost_value), r.lost_cart)
                            for r in rows])
    return 0


def _watch(catalog, args) -> int:
    stop = threading.Event()

    def show(outcome) -> None:
        if isinstance(outcome, Exception):
            console.print(f"[yellow]sync failed, trying again in {args.interval:g} s:[/] {escape(str(outcome))}")
        elif outcome.changed_anything:
            _report(outcome, args.json)

    try:
        engine.watch(catalog, args.to, interval_s=args.interval, stop=stop, on_result=show)
    except KeyboardInterrupt:
        stop.set()
    return 0
