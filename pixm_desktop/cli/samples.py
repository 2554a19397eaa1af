"""``pixm sample-card`` and ``pixm demo``: generated camera cards and the quick-start main job."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import day_arg, out
from pixm_desktop.cli.offload import run_stoppable
from pixm_desktop.core.errors import OffloadIncompleteError, PixmError
from pixm_desktop.services import samples
from pixm_desktop.services.context import open_catalog
from pixm_desktop.services.offload import OffloadRequest

DEMO_DAY = dt.date(2026, 11, 23)  # the generated clips are named …_261123_…: the demo's day matches them


def register(sub) -> None:
    s = sub.add_parser("sample-card", help=command_help("sample-card"))
    s.add_argument("parent", type=Path, help="folder to create the card in")
    s.add_argument("--camera", default="arri", choices=samples.CAMERAS,
                   help="camera whose card layout, names and sidecars to write (default arri)")
    s.add_argument("--clips", type=int, default=3, help="number of clips (default 3)")
    s.add_argument("--seconds", type=float, default=1.0, help="length of each clip in seconds (default 1)")
    s.add_argument("--reel", default="A001", help="reel: camera letter and roll number (default A001)")
    s.add_argument("--seed", type=int, default=0,
                   help="seed of the generated pictures and names: the same seed writes the same card (default 0)")
    s.add_argument("--junk", action="store_true", help="add the .DS_Store / ._ files real cards carry")
    s.set_defaults(func=cmd_sample_card)

    d = sub.add_parser("demo", help=command_help("demo"))
    d.add_argument("folder", type=Path, nargs="?", default=Path("demo"),
                   help="folder for the card, the two stand-in drives, the catalog and the report (default demo)")
    d.add_argument("--camera", default="arri", choices=samples.CAMERAS,
                   help="camera of the generated card (default arri)")
    d.add_argument("--day", type=day_arg, default=DEMO_DAY,
                   help=f"shoot day, YYYY-MM-DD (default {DEMO_DAY}, the day in the sample clips' names)")
    d.add_argument("--catalog", type=Path, default=None,
                   help="catalog SQLite file (default FOLDER/catalog.sqlite; $PIXM_CATALOG is not used, so a "
                        "demo never lands in a working catalog)")
    d.set_defaults(func=cmd_demo)


def cmd_sample_card(args) -> int:
    card = samples.make_card(
        args.parent,
        args.camera,
        clips=args.clips,
        seconds=args.seconds,
        reel=args.reel,
        seed=args.seed,
        junk=args.junk,
    )
    out.print(f"wrote {card.camera} card {card.root} with {len(card.clips)} clips", markup=False)
    return 0


def cmd_demo(args) -> int:
    folder: Path = args.folder.resolve()
    catalog_path = args.catalog or folder / "catalog.sqlite"
    card = samples.make_card(
        folder / "card", args.camera, clips=3, seconds=2.0, reel="A001", seed=1, junk=True, fresh=True
    )
    out.print(f"sample {card.camera} card: {card.root}", markup=False)
    dests = [folder / "RAID-A", folder / "SHUTTLE-B"]
    for d in dests:
        d.mkdir(parents=True, exist_ok=True)  # the demo's stand-in drives (PIXM never creates a real root)
    request = OffloadRequest(
        source=card.root,
        destinations=dests,
        project="PIXM Demo",
        day=args.day,
    )
    result, stop = run_stoppable(request, catalog_path)  # Ctrl-C / SIGTERM: the job is interrupted, exit 130 / 143
    if stop.signum is not None:
        return stop.report(result)
    out.print(f"catalog: {catalog_path}", markup=False)
    pdf = write_demo_report(catalog_path, result.job_id, folder / "reports" / f"{result.card_label}_offload.pdf")
    if pdf is not None:
        out.print(f"offload report: {pdf}", markup=False)
    return 0 if result.ok else OffloadIncompleteError.exit_code


def write_demo_report(catalog_path: Path, job_id: int, path: Path) -> Path | None:
    """The offload report of the demo's job; a failure is reported, never fails the (verified) offload."""
    from pixm_desktop.services import reports  # reportlab loads only when a report is written

    try:
        catalog = open_catalog(catalog_path)
        try:
            reports.write_offload_report(catalog, path, job_id=job_id)
        finally:
            catalog.close()
    except (PixmError, OSError) as exc:
        out.print(f"offload report not written: {exc}", markup=False)
        return None
    return path
