"""``pixm deliver di --cut NAME [--handles 10] --to DIR [--trim]``: the camera files a cut uses, by card, names
and timecode kept, one EDL per video track, a report and a fresh ASC MHL history (docs/post.md)."""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.cli._catalog import reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli.pull import print_package, run_package_job
from pixm_desktop.core.states import JobKind, PostJobOptions


def register(sub) -> None:
    p = sub.add_parser("deliver", help=command_help("deliver"))
    cmds = p.add_subparsers(dest="deliver_command", required=True, metavar="{di}")
    d = cmds.add_parser("di", help="deliver a cut's camera files to the DI")
    d.add_argument("--cut", required=True, metavar="NAME[@N]", help="the cut: NAME (its newest version) or NAME@N")
    d.add_argument("--handles", type=int, default=10, help="frames each side kept with --trim (default 10)")
    d.add_argument("--to", type=Path, required=True, metavar="DIR", help="the delivery folder goes in DIR")
    d.add_argument("--trim", action="store_true", help="cut ProRes/DNx MOV files to the ranges used + handles")
    d.add_argument("--json", action="store_true", help="the delivery, its rows, files and problems as JSON")
    reader_catalog_arg(d)
    d.set_defaults(func=cmd_di)


def cmd_di(args) -> int:
    options = PostJobOptions(cut=args.cut, folder=str(args.to), handles=args.handles, trim=args.trim)
    print_package(run_package_job(args, JobKind.DELIVERY, options), args.json, "clip range")
    return 0
