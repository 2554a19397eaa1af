"""``pixm archive (--day D | --card LABEL… | --cut NAME) --tape LABEL --to MOUNTPOINT [--copy A|B]
[--next-tape LABEL:MOUNT …]``: card files onto LTO tapes (LTFS) from their best verified copy, read back after a
remount, with ASC MHL, index and tape report on the tape (docs/archive.md).

Exit codes: 0 every file archived and verified · 5 a file read back from tape differs from the catalog ·
4 the tapes given are full: the cards left are named with the command that continues · 2 usage (no verified
copy mounted, a file or card larger than a tape, tape not mounted) · 8 catalog."""

from __future__ import annotations

import json
from pathlib import Path

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, escape, out
from pixm_desktop.core.errors import OffloadIncompleteError, UsageError, VerificationFailedError
from pixm_desktop.core.states import ArchiveJobOptions, JobKind
from pixm_desktop.services import jobs
from pixm_desktop.services.archive.run import CALIBRATION_NOTE, ArchiveResult
from pixm_desktop.services.archive.select import Scope, check_scope


def register(sub) -> None:
    p = sub.add_parser("archive", help=command_help("archive"))
    p.add_argument("--day", metavar="YYYY-MM-DD", help="every card of this shoot day")
    p.add_argument("--card", action="append", metavar="LABEL",
                   help="this card (repeat for more); with --cut: only the cut's files on these cards")
    p.add_argument("--cut", metavar="NAME[@N]", help="the camera files the cut's clips use (fresh ASC MHL)")
    p.add_argument("--tape", required=True, metavar="LABEL", help="the LTFS label (barcode) of the tape mounted")
    p.add_argument("--to", required=True, type=Path, metavar="MOUNTPOINT", help="where that tape is mounted")
    p.add_argument("--copy", default="A", choices=("A", "B"), help="the copy set this tape belongs to (default A)")
    p.add_argument("--next-tape", action="append", default=[], metavar="LABEL:MOUNT",
                   help="the tape to continue on when one fills (repeat, in order)")
    p.add_argument("--from-card", action="store_true",
                   help="read from the card when no verified copy is mounted (never done otherwise)")
    p.add_argument("--ltfs-hash", default="md5", choices=("md5", "sha256"),
                   help="the LTFS hash attribute computed in the read-back and set on each file (default md5)")
    p.add_argument("--capacity", type=float, metavar="TB",
                   help="native capacity per tape in TB (default: the size the mounted filesystem reports)")
    p.add_argument("--json", action="store_true", help="the result as JSON")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_archive)


def _tapes(args) -> str:
    parts = [f"{args.tape}={args.to}"]
    for item in args.next_tape:
        label, sep, mount = item.partition(":")
        if not sep or not label or not mount:
            raise UsageError(f"not LABEL:MOUNT: {item!r}", hint="e.g. --next-tape LTO002:/mnt/ltfs2")
        parts.append(f"{label}={mount}")
    return ",".join(parts)


def cmd_archive(args) -> int:
    if args.capacity is not None and args.capacity <= 0:
        raise UsageError("--capacity must be more than 0 TB")
    options = ArchiveJobOptions(day=args.day or "", cards=",".join(args.card or []), cut=args.cut or "",
                                tapes=_tapes(args), copy=args.copy, from_card=args.from_card,
                                ltfs_hash=args.ltfs_hash, capacity=int((args.capacity or 0) * 1e12))
    check_scope(Scope(day=options.day, labels=tuple(args.card or ()), cut=options.cut))
    if not args.json:
        console.print(f"[yellow]note:[/] {escape(CALIBRATION_NOTE)}")
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result: ArchiveResult = jobs.execute(catalog, JobKind.ARCHIVE, options,
                                                 on_progress=None if args.json else _Phases())
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print(result)
    if result.failed:
        raise VerificationFailedError(f"{result.failed} file(s) read back from tape differ from the catalog",
                                      hint="the tape copy of those files does not count; archive the cards again "
                                           "onto another tape and check the drive")
    if result.left:
        raise OffloadIncompleteError(f"the tapes are full: card(s) {', '.join(result.left)} not archived",
                                     hint=f"load the next tape and run: {result.continue_command}")
    return 0


class _Phases:
    """Prints each new phase of a tape once (writing, remount, reading back, mhl, index)."""

    def __init__(self):
        self.seen = ("", "")

    def __call__(self, progress) -> None:
        key = (progress.tape, progress.phase)
        if key != self.seen and progress.phase not in ("planning", "done"):
            self.seen = key
            console.print(f"tape {progress.tape}: {progress.phase}", markup=False)


def _print(result: ArchiveResult) -> None:
    for t in result.tapes:
        word = "[green]VERIFIED[/]" if t.files and not t.failed and t.verified == t.files else "[red]NOT VERIFIED[/]"
        out.print(f"{word} tape {escape(t.label)} (copy {t.copy}) at {escape(t.mount)}: {t.verified}/{t.files} "
                  f"files, {t.bytes:,} bytes; cards {escape(', '.join(t.cards) or '—')}")
        for card in t.skipped:
            out.print(f"  {escape(card)}: already on this tape, verified")
        for path, why in t.failed:
            out.print(f"  [red]FAILED[/] {escape(path)}: {escape(why)}")
        for p in t.sidecars:
            out.print(f"  {escape(p)}", markup=False)
    for note in result.notes[1:]:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if result.left:
        out.print(f"[red]cards left:[/] {escape(', '.join(result.left))}")
        out.print(f"continue with: {escape(result.continue_command)}")


def cmd_verify_tape(args) -> int:
    """``pixm verify --tape LABEL|MOUNTPOINT``: every file read once in tape order and checked against the tape's
    flattened manifest and the catalog; the read order printed. Exit 0 all verified · 5 a file differs, is
    missing, or is on the tape unlisted · 2 the tape is unknown or not mounted · 8 catalog."""
    from pixm_desktop.services.archive.verify import verify_tape

    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = verify_tape(catalog, args.tape)
    finally:
        catalog.close()
    word = "[green]VERIFIED[/]" if result.ok else "[red]FAILED[/]"
    out.print(f"{word} tape {escape(result.label)} at {escape(result.mount)}: {len(result.lines)} file(s) read in "
              f"tape order, {len(result.failed)} failed; manifest {escape(result.manifest or 'none on the tape')}")
    for line in result.lines:
        mark = "ok" if line.status == "ok" else f"[red]{line.status.upper()}[/]"
        pos = f"#{line.position}" if line.position is not None else "#-"
        out.print(f"  {line.order:>5} {pos:>6} {mark} {escape(line.path)}" + (f": {escape(line.detail)}"
                                                                              if line.detail else ""))
    for p in result.extra:
        out.print(f"  [red]UNLISTED[/] {escape(p)}")
    if not result.ok:
        raise VerificationFailedError(f"tape {result.label} did not verify: {len(result.failed)} file(s) failed, "
                                      f"{len(result.extra)} unlisted", hint="restore the files named from the "
                                      "other copy set's tape, and archive them again onto a new tape")
    return 0
