"""``pixm clips``, ``pixm log`` and ``pixm ingest``: the clips of catalogued cards and the logger's fields."""

from __future__ import annotations

import argparse
import json

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pixm_desktop.cli._catalog import catalog_name, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, day_arg, out
from pixm_desktop.cli._table import Column, print_table
from pixm_desktop.core.errors import UsageError
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import clips as clip_service
from pixm_desktop.services.clips import ClipFilter, ClipRow, IngestResult
from pixm_desktop.services.context import Catalog


def register(sub) -> None:
    c = sub.add_parser("clips", help=command_help("clips"))
    c.add_argument("--day", type=day_arg, help="shoot day, YYYY-MM-DD")
    c.add_argument("--card", help="only this card (label)")
    c.add_argument("--camera", help="camera letter (A, B…)")
    c.add_argument("--reel", help="reel or tape name")
    c.add_argument("--scene", help="only clips logged with this scene (e.g. 12A)")
    c.add_argument("--take", help="only clips logged with this take (e.g. 3)")
    c.add_argument("--circled", action="store_true", help="only circled takes")
    c.add_argument("--min-rating", type=int, metavar="N", help="only clips rated N or more")
    c.add_argument("--search", metavar="TEXT", help="text in clip name, tape name, scene or notes")
    c.add_argument("--limit", type=int, help="at most this many clips")
    c.add_argument("--offset", type=int, default=0, help="skip this many clips first")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    reader_catalog_arg(c)
    c.set_defaults(func=cmd_clips)

    lg = sub.add_parser("log", help=command_help("log"))
    lg.add_argument("clip", help="clip name (or tape name), or #ID")
    lg.add_argument("--card", help="the card the clip is on (when several clips share the name)")
    lg.add_argument("--scene", help="scene, e.g. 12A (the clip's slate)")
    lg.add_argument("--take", help="take, e.g. 3")
    lg.add_argument("--camera", help="camera letter")
    lg.add_argument("--circle", dest="circled", action=argparse.BooleanOptionalAction, default=None,
                    help="circle take (or --no-circle)")
    lg.add_argument("--rating", type=int, choices=range(6), metavar="N", help="rating 0–5")
    lg.add_argument("--note", dest="notes", help="notes ('' clears)")
    lg.add_argument("--flag", dest="flagged", action=argparse.BooleanOptionalAction, default=None,
                    help="flag the clip (or --no-flag)")
    lg.add_argument("--json", action="store_true", help="print the clip as JSON afterwards")
    reader_catalog_arg(lg)
    lg.set_defaults(func=cmd_log)

    ig = sub.add_parser("ingest", help=command_help("ingest"))
    ig.add_argument("card", help="card label")
    ig.add_argument("--changed-only", action="store_true", help="skip clips unchanged since their last probe")
    ig.add_argument("--no-thumbnails", action="store_true", help="probe only")
    ig.add_argument("--quiet", action="store_true", help="no progress display")
    reader_catalog_arg(ig)
    ig.set_defaults(func=cmd_ingest)


# --- pixm clips -------------------------------------------------------------------------------------------------


def cmd_clips(args) -> int:
    filters = ClipFilter(day=args.day, card_label=args.card, camera=args.camera, reel=args.reel, scene=args.scene,
                         take=args.take, circled=True if args.circled else None, min_rating=args.min_rating,
                         text=args.search, offset=args.offset, limit=args.limit)
    catalog = open_existing(args.catalog, create=args.create)
    try:
        if args.card and catalog_views.card_by_label(catalog, args.card) is None:
            raise UsageError(f"no card labelled {args.card!r} in {catalog_name(catalog)}",
                             hint="`pixm catalog cards` lists its cards; --catalog or $PIXM_CATALOG chooses another")
        rows = clip_service.list_clips(catalog, filters)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False))
        return 0
    print_clips(rows)
    return 0


_CLIP_COLUMNS = [  # what a DOP scans first is kept longest; codec and probe fold, the rest is shown whole
    Column("id", keep=9), Column("card", keep=3), Column("clip", keep=9, wrap=True, floor=20),
    Column("start TC", keep=7), Column("fps", keep=6), Column("frames", keep=2, justify="right"),
    Column("codec", keep=1, wrap=True, floor=8), Column("slate", keep=8), Column("cam", keep=5),
    Column("log", keep=7), Column("probe", keep=4, wrap=True, floor=8),
]


def print_clips(rows: list[ClipRow]) -> None:
    cells = []
    for r in rows:
        probe = r.probe_status if not r.probe_error else f"{r.probe_status}: {r.probe_error}"
        slate = "/".join(x for x in (r.scene, r.take) if x)
        log = ("●" if r.circled else "") + ("★" * r.rating) + ("⚑" if r.flagged else "")
        cells.append((str(r.id), r.card_label, r.name, r.start_tc or "", r.fps or "",
                      "" if r.frames is None else str(r.frames), r.codec or "", slate, r.camera or "", log, probe))
    print_table(out, _CLIP_COLUMNS, cells)
    out.print(f"{len(rows)} clip(s)")


# --- pixm log ---------------------------------------------------------------------------------------------------


def cmd_log(args) -> int:
    fields = {k: getattr(args, k) for k in ("scene", "take", "camera", "notes", "circled", "rating", "flagged")
              if getattr(args, k) is not None}
    catalog = open_existing(args.catalog, create=args.create)
    try:
        clip = resolve_clip(catalog, args.clip, args.card)
        if fields:
            clip_service.update_log(catalog, [clip.id], **fields)
        detail = clip_service.clip_detail(catalog, clip.id)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(detail, indent=2, ensure_ascii=False))
        return 0
    circled = "circled" if detail["circled"] else "not circled"
    flag = ", flagged" if detail["flagged"] else ""
    text = (f"{'updated' if fields else 'clip'} #{detail['id']} {detail['name']} ({detail['card_label']}): "
            f"scene {detail['scene'] or '—'} take {detail['take'] or '—'} camera {detail['camera'] or '—'}, "
            f"{circled}, rating {detail['rating']}{flag}"
            + (f", notes: {detail['notes']}" if detail["notes"] else "")
            + (f" [{detail['logged_from']}]" if detail["logged_from"] else ""))
    out.print(escape(text))
    return 0


def resolve_clip(catalog: Catalog, spec: str, card_label: str | None) -> ClipRow:
    """The one clip ``spec`` names (``#ID``, clip name or tape name); :class:`UsageError` if none or several."""
    if spec.startswith("#") and spec[1:].isdigit():
        rows = clip_service.list_clips(catalog, ClipFilter(ids=[int(spec[1:])]))
    else:
        rows = clip_service.find_clips(catalog, spec, card_label)
    if not rows:
        where = f" on card {card_label!r}" if card_label else ""
        raise UsageError(f"no clip named {spec!r}{where} in {catalog_name(catalog)}",
                         hint="`pixm clips` lists the clips; run `pixm ingest CARD` if a card has none yet")
    if len(rows) > 1:
        which = ", ".join(f"#{r.id} on {r.card_label}" for r in rows[:10])
        raise UsageError(f"{len(rows)} clips are named {spec!r} ({which})",
                         hint="add --card LABEL, or name the clip by its #ID")
    return rows[0]


# --- pixm ingest ------------------------------------------------------------------------------------------------


def cmd_ingest(args) -> int:
    catalog = open_existing(args.catalog, create=args.create)
    try:
        card_id = catalog_views.card_by_label(catalog, args.card)
        if card_id is None:
            raise UsageError(f"no card labelled {args.card!r} in {catalog_name(catalog)}",
                             hint="`pixm catalog cards` lists the catalogued cards")
        result = run_ingest(catalog, card_id, force=not args.changed_only, thumbnails=not args.no_thumbnails,
                            quiet=args.quiet)
    finally:
        catalog.close()
    print_ingest(result)
    return 0


def run_ingest(catalog: Catalog, card_id: int, *, force: bool = False, thumbnails: bool = True,
               quiet: bool = False) -> IngestResult:
    """Ingest with a progress bar on an interactive terminal."""
    if quiet or not console.is_terminal:
        return clip_service.ingest_card(catalog, card_id, force=force, thumbnails=thumbnails)
    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*cols, console=console, transient=True) as bar:
        task = bar.add_task("clips", total=None)

        def show(p: clip_service.IngestProgress) -> None:
            bar.update(task, total=p.total, completed=p.done, description=f"clips {p.clip}"[:60])

        return clip_service.ingest_card(catalog, card_id, progress=show, force=force, thumbnails=thumbnails)


def print_ingest(result: IngestResult) -> None:
    colour = "yellow" if result.problems else "green"
    out.print(f"[{colour}]clips:[/] {escape(result.summary())}")
    for name, reason in result.problems[:20]:
        out.print(f"[yellow]  {escape(name)}:[/] {escape(reason)}")
    if len(result.problems) > 20:
        out.print(f"  … and {len(result.problems) - 20} more")
