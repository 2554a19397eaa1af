"""``pixm restore (--clips NAME… | --cut NAME [--handles N]) --to DIR``: camera files back from LTO tape — only
the files needed, mounted tapes first, copy A before B, each tape in tape order, every file checked against the
catalog on the way (docs/archive.md).

Exit codes: 0 every file restored and verified · 5 a file read from tape differs from the catalog (it is not
kept) · 4 some files need a tape that is not mounted (the tapes to load are named) or are on no tape ·
2 usage · 8 catalog."""

from __future__ import annotations

import json
from pathlib import Path

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import escape, out
from pixm_desktop.core.errors import OffloadIncompleteError, VerificationFailedError
from pixm_desktop.core.states import JobKind, RestoreJobOptions
from pixm_desktop.services import jobs
from pixm_desktop.services.archive.restore import RestoreResult


def register(sub) -> None:
    p = sub.add_parser("restore", help=command_help("restore"))
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--clips", nargs="+", metavar="NAME", help="these clips (their media, segments, sidecars)")
    scope.add_argument("--cut", metavar="NAME[@N]", help="every clip the cut's events resolve to")
    p.add_argument("--handles", type=int, default=0, metavar="N",
                   help="frames each side of a cut's ranges (camera files are restored whole)")
    p.add_argument("--to", required=True, type=Path, metavar="DIR", help="restore into DIR/<card>/<path on card>")
    p.add_argument("--json", action="store_true", help="the result as JSON")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_restore)


def cmd_restore(args) -> int:
    options = RestoreJobOptions(folder=str(args.to), clips=",".join(args.clips or []), cut=args.cut or "",
                                handles=args.handles)
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result: RestoreResult = jobs.execute(catalog, JobKind.RESTORE, options)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print(result)
    if result.failed:
        raise VerificationFailedError(f"{len(result.failed)} file(s) read from tape differ from the catalog",
                                      hint="restore them from the other copy set's tape (load it and run again)")
    if result.to_load or result.not_archived:
        load = ", ".join(f"{label} ({n} file(s))" for label, n in sorted(result.to_load.items()))
        raise OffloadIncompleteError(
            "not every file was restored" + (f": load tape(s) {load}" if load else "")
            + (f"; {len(result.not_archived)} file(s) are on no tape" if result.not_archived else ""),
            hint="mount the tapes named (ltfs) and run the same command again")
    return 0


def _print(result: RestoreResult) -> None:
    tapes = sorted({t for t, *_ in result.read})
    out.print(f"restored {len(result.read)} file(s) from tape(s) {escape(', '.join(tapes) or '—')} into "
              f"{escape(result.folder)}")
    for tape, pos, path, _to in result.read:
        out.print(f"  {escape(tape)} #{pos} {escape(path)}", markup=False)
    for path, why in result.failed:
        out.print(f"  [red]FAILED[/] {escape(path)}: {escape(why)}")
    for label, n in sorted(result.to_load.items()):
        out.print(f"[yellow]load tape {escape(label)}[/]: {n} file(s) wait for it")
    for name in result.not_archived[:20]:
        out.print(f"  on no tape: {escape(name)}")
