"""``pixm``: the headless entry point (offload, verify, catalog, sample cards, demo).

Exit codes (stable, see README): 0 everything verified · 1 internal error · 2 usage · 3 pre-flight failed
(space, read-only or overlapping destination) · 4 offload incomplete (some file × destination not verified) ·
5 verification found mismatches, missing or unrecorded files · 6 source card unreadable or changed ·
7 ASC MHL history missing or malformed · 8 catalog error · 130 cancelled.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pixm_desktop import __version__
from pixm_desktop.core.errors import OffloadIncompleteError, PixmError, UsageError, VerificationFailedError
from pixm_desktop.core.hashes import parse_algorithms
from pixm_desktop.core.model import CancelToken, ProgressSnapshot
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import samples
from pixm_desktop.services.offload import OffloadRequest, OffloadResult, OffloadService, recover_interrupted
from pixm_desktop.services.verify import VerifyOutcome, verify_folder
from pixm_desktop.store.db import default_catalog_path, open_catalog

console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except PixmError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        console.print("[yellow]cancelled[/]")
        return 130


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pixm", description="Verified camera-card offload with ASC MHL and a catalog.")
    p.add_argument("--version", action="version", version=f"pixm {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    o = sub.add_parser("offload", help="copy a card to destinations, verify every copy, write ASC MHL")
    o.add_argument("source", type=Path, help="the card root folder (e.g. the mounted card or its reel folder)")
    o.add_argument("--dest", type=Path, action="append", required=True, help="destination root (repeat)")
    o.add_argument("--hash", default="xxh64", help="hash formats, comma-separated: xxh64 xxh3 xxh128 md5 sha1 c4")
    o.add_argument("--template", default="{project}/{day}/{camera}/{card}",
                   help="folder template below each destination; tokens {project} {day} {camera} {reel} {card} "
                        "{date} {host}")
    o.add_argument("--project", default="Untitled")
    o.add_argument("--day", type=_day, default=dt.date.today(), help="shoot day, YYYY-MM-DD (default today)")
    o.add_argument("--source-verify", action="store_true", help="also re-read the card and compare")
    o.add_argument("--cascade", action="store_true", help="copy to the first destination, the others from it")
    o.add_argument("--author", help="name written into ASC MHL (default $PIXM_AUTHOR or the login name)")
    o.add_argument("--location", help="location written into ASC MHL")
    o.add_argument("--quiet", action="store_true", help="no progress display")
    _catalog_arg(o)
    o.set_defaults(func=cmd_offload)

    v = sub.add_parser("verify", help="re-verify a destination card folder against its ASC MHL (or MHL v1)")
    v.add_argument("path", type=Path)
    v.add_argument("--no-write", action="store_true", help="do not append an in-place generation")
    _catalog_arg(v)
    v.set_defaults(func=cmd_verify)

    c = sub.add_parser("catalog", help="list catalog records")
    c.add_argument("what", choices=["cards", "jobs", "files"])
    c.add_argument("--card", help="only this card (label)")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    _catalog_arg(c)
    c.set_defaults(func=cmd_catalog)

    s = sub.add_parser("sample-card", help="write a generated camera card with real encoded clips")
    s.add_argument("parent", type=Path, help="folder to create the card in")
    s.add_argument("--camera", default="arri", choices=samples.CAMERAS)
    s.add_argument("--clips", type=int, default=3)
    s.add_argument("--seconds", type=float, default=1.0)
    s.add_argument("--reel", default="A001")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--junk", action="store_true", help="add the .DS_Store / ._ files real cards carry")
    s.set_defaults(func=cmd_sample_card)

    d = sub.add_parser("demo", help="the main job on a generated card: offload to two destinations, verify, report")
    d.add_argument("folder", type=Path, nargs="?", default=Path("demo"))
    d.add_argument("--camera", default="arri", choices=samples.CAMERAS)
    _catalog_arg(d)
    d.set_defaults(func=cmd_demo)
    return p


def _catalog_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalog", type=Path, default=None,
                   help=f"catalog SQLite file (default $PIXM_CATALOG or {default_catalog_path()})")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# -- offload ---------------------------------------------------------------------------------------------
def cmd_offload(args) -> int:
    try:
        algorithms = parse_algorithms(args.hash)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    request = OffloadRequest(source=args.source, destinations=args.dest, algorithms=algorithms,
                             template=args.template, project=args.project, day=args.day,
                             source_verify=args.source_verify, cascade=args.cascade, author=args.author,
                             location=args.location)
    result = run_offload(request, args.catalog, quiet=args.quiet)
    print_offload_summary(result)
    if not result.ok:
        raise OffloadIncompleteError(f"offload of {result.card_label} is incomplete: not every file is verified on "
                                     "every destination", hint="see the failures above; run the same command again to "
                                     "retry (verified files are kept)")
    return 0


def run_offload(request: OffloadRequest, catalog_path: Path | None, *, quiet: bool = False) -> OffloadResult:
    catalog = open_catalog(catalog_path)
    recover_interrupted(catalog)
    service = OffloadService(catalog)
    prepared = service.prepare(request)
    plan = prepared.plan
    console.print(f"[bold]{plan.card_label}[/] — {prepared.identity.camera.value.upper()} reel {prepared.identity.reel}, "
                  f"{len(plan.files)} files, {plan.total_bytes / 1e9:.2f} GB → {len(plan.destinations)} destination(s)")
    if prepared.known_summary:
        console.print(f"[cyan]{prepared.known_summary}[/] — resuming: verified files are not copied again")
    for w in plan.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    cancel = CancelToken()
    progress = ProgressSnapshot(plan.total_bytes, len(plan.files))
    box: dict = {}

    def work() -> None:
        try:
            box["result"] = service.run(prepared, cancel=cancel, progress=progress)
        except BaseException as exc:  # re-raised on the main thread
            box["error"] = exc

    worker = threading.Thread(target=work, name="pixm-offload")
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.cancel())
    try:
        worker.start()
        _show_progress(worker, progress, plan, quiet)
    finally:
        signal.signal(signal.SIGINT, previous)
        worker.join()
        catalog.close()
    if "error" in box:
        raise box["error"]
    return box["result"]


def _show_progress(worker: threading.Thread, progress: ProgressSnapshot, plan, quiet: bool) -> None:
    if quiet or not console.is_terminal:
        worker.join()
        return
    cols = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            TimeRemainingColumn())
    with Progress(*cols, console=console, transient=True) as bar:
        read = bar.add_task("card read", total=plan.total_bytes)
        dests = [bar.add_task(f"verify {i + 1}", total=plan.total_bytes) for i in range(len(plan.destinations))]
        while worker.is_alive():
            worker.join(0.2)
            progress.update_rate()
            bar.update(read, completed=progress.bytes_read, description=f"card read {progress.files_done}/"
                       f"{progress.total_files}")
            for t, d in zip(dests, progress.destinations, strict=False):
                bar.update(t, completed=d.bytes_verified)


def print_offload_summary(r: OffloadResult) -> None:
    speed = r.total_bytes / r.seconds / 1e6 if r.seconds > 0 else 0.0
    colour = "green" if r.ok else "red"
    out.print(f"[bold {colour}]{r.status.value.upper()}[/] job {r.job_id}: {r.card_label} ({r.camera} {r.reel}) — "
              f"{r.files} files, {r.total_bytes / 1e9:.3f} GB, {', '.join(a.value for a in r.algorithms)}, "
              f"{r.seconds:.1f} s ({speed:.0f} MB/s)")
    table = Table(show_header=True, header_style="bold")
    for col in ("destination", "verified", "failed", "skipped", "ASC MHL"):
        table.add_column(col)
    for d in r.destinations:
        mhl = d.mhl_generation.name if d.mhl_generation else (d.error or "—")
        table.add_row(str(d.card_path), str(d.verified), str(d.failed), str(d.skipped), mhl)
    out.print(table)
    for d in r.destinations:
        for name, reason in d.failures[:20]:
            out.print(f"[red]FAILED[/] {d.card_path}/{name}: {reason}")
        if len(d.failures) > 20:
            out.print(f"… and {len(d.failures) - 20} more failures on {d.card_path}")
    for name, reason in r.source_verify_failures[:20]:
        out.print(f"[red]SOURCE[/] {name}: {reason}")
    for w in r.warnings:
        out.print(f"[yellow]warning:[/] {w}")
    if r.ok:
        out.print(f"[green]safe to format:[/] every file verified on all {len(r.destinations)} destination(s)")


# -- verify ----------------------------------------------------------------------------------------------
def cmd_verify(args) -> int:
    outcome = verify_folder(args.path, catalog_path=args.catalog, write=not args.no_write)
    print_verify(outcome)
    if not outcome.ok:
        raise VerificationFailedError(f"verification of {args.path} failed: {outcome.summary()}",
                                      hint="re-copy the failed files from another verified copy or the card")
    return 0


def print_verify(o: VerifyOutcome) -> None:
    colour = "green" if o.ok else "red"
    out.print(f"[bold {colour}]{'VERIFIED' if o.ok else 'FAILED'}[/] {o.path} ({o.kind}): {o.summary()}")
    for name, status, detail in o.problems[:50]:
        out.print(f"[red]{status.upper()}[/] {o.path}/{name}{': ' + detail if detail else ''}")
    if len(o.problems) > 50:
        out.print(f"… and {len(o.problems) - 50} more")
    if o.generation:
        out.print(f"ASC MHL generation written: {o.generation}")
    for note in o.notes:
        out.print(f"[yellow]note:[/] {note}")


# -- catalog ---------------------------------------------------------------------------------------------
def cmd_catalog(args) -> int:
    catalog = open_catalog(args.catalog)
    try:
        card_id = catalog_views.card_by_label(catalog, args.card) if args.card else None
        if args.card and card_id is None:
            raise UsageError(f"no card labelled {args.card!r} in the catalog")
        rows = {"cards": lambda: catalog_views.cards(catalog), "jobs": lambda: catalog_views.jobs(catalog, card_id),
                "files": lambda: catalog_views.files(catalog, card_id)}[args.what]()
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
        cols = [("id", "id"), ("label", "label"), ("camera", "camera"), ("reel", "reel"), ("day", "day"),
                ("files", "files"), ("bytes", "bytes")]
    elif what == "jobs":
        cols = [("id", "id"), ("card", "card"), ("kind", "kind"), ("status", "status"), ("files", "files"),
                ("finished", "finished_at"), ("error", "error")]
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
        table.add_row(*cells)
    out.print(table)


# -- samples and demo ------------------------------------------------------------------------------------
def cmd_sample_card(args) -> int:
    card = samples.make_card(args.parent, args.camera, clips=args.clips, seconds=args.seconds, reel=args.reel,
                             seed=args.seed, junk=args.junk)
    out.print(f"wrote {card.camera} card {card.root} with {len(card.clips)} clips")
    return 0


def cmd_demo(args) -> int:
    folder: Path = args.folder.resolve()
    catalog_path = args.catalog or folder / "catalog.sqlite"
    card = samples.make_card(folder / "card", args.camera, clips=3, seconds=2.0, reel="A001", seed=1, junk=True,
                             fresh=True)
    out.print(f"sample {card.camera} card: {card.root}")
    request = OffloadRequest(source=card.root, destinations=[folder / "RAID-A", folder / "SHUTTLE-B"],
                             project="PIXM Demo", day=dt.date.today())
    result = run_offload(request, catalog_path)
    print_offload_summary(result)
    out.print(f"catalog: {catalog_path}")
    return 0 if result.ok else OffloadIncompleteError.exit_code


if __name__ == "__main__":
    sys.exit(main())
