"""``pixm pull --cut NAME [--shots A,B] [--handles 8] [--first-frame 1001] --to DIR [--trim]``: the VFX pull of a
cut's marked shots — pull list (CSV, EDL, PDF count sheet), camera files from verified copies, a fresh ASC MHL
history (docs/post.md). Exit 5 when a copy or a trim does not match the catalog; nothing is recorded then."""

from __future__ import annotations

import json
from pathlib import Path

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, out
from pixm_desktop.core.states import JobKind, PostJobOptions
from pixm_desktop.services import jobs, pulls


def register(sub) -> None:
    p = sub.add_parser("pull", help=command_help("pull"))
    p.add_argument("--cut", required=True, metavar="NAME[@N]", help="the cut: NAME (its newest version) or NAME@N")
    p.add_argument("--shots", metavar="A,B", help="only these shots (default: every marked shot)")
    p.add_argument("--handles", type=int, default=8, help="frames each side of the cut range (default 8)")
    p.add_argument("--first-frame", type=int, default=1001,
                   help="VFX frame number of the first handle frame (default 1001: with 8 handles the cut-in is 1009)")
    p.add_argument("--to", type=Path, required=True, metavar="DIR", help="the package folder goes in DIR")
    p.add_argument("--trim", action="store_true",
                   help="cut ProRes/DNx MOV files to range + handles by stream copy (raw and long-GOP: whole files)")
    p.add_argument("--json", action="store_true", help="the package, its rows, files and problems as JSON")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_pull)


def cmd_pull(args) -> int:
    options = PostJobOptions(cut=args.cut, folder=str(args.to), handles=args.handles, first_frame=args.first_frame,
                             shots=args.shots or "", trim=args.trim)
    print_package(run_package_job(args, JobKind.PULL, options), args.json, "shot")
    return 0


def run_package_job(args, kind: JobKind, options: PostJobOptions) -> pulls.PackageResult:
    """The pull or delivery as a job (a row in ``jobs``), its steps printed unless ``--json``."""
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            return jobs.execute(catalog, kind, options, on_progress=None if args.json else _Steps())
    finally:
        catalog.close()


class _Steps:
    """Prints each new step of the job's progress (``copying …``, ``trimming …``) once."""

    def __init__(self):
        self.seen = 0

    def __call__(self, progress) -> None:
        if getattr(progress, "steps", 0) > self.seen:
            self.seen = progress.steps
            console.print(progress.current, markup=False)


def print_package(result: pulls.PackageResult, as_json: bool, key: str) -> None:
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False, default=str))
        return
    out.print(f"package {result.root}: {len(result.rows)} {key}(s), {len(result.files)} files, ASC MHL {result.mhl}",
              markup=False)
    for r in result.rows:
        if key == "shot":
            short = f"  SHORT {r['short']}" if r["short"] else ""
            out.print(f"{r['shot']}  {r['clip']}  {r['pull_tc_in']}-{r['pull_tc_out']}  VFX {r['vfx_first']}-"
                      f"{r['vfx_last']} (cut {r['vfx_cut_in']}-{r['vfx_cut_out']}){short}", markup=False)
        else:
            out.print(f"{r['card']}  {r['clip']}  {r['tc_in']}-{r['tc_out']}  {r['frames']} frames", markup=False)
    for p in result.problems:
        out.print(f"{'not pulled as asked' if key == 'shot' else 'not delivered'}: {p}", markup=False)
