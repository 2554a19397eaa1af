"""``pixm verify``: re-verify a destination card folder against its ASC MHL history (the ``verify`` job kind:
a row in the catalog's jobs, as the window's re-verify)."""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.cli._catalog import catalog_path, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, escape, out
from pixm_desktop.core.errors import CatalogError, MhlWriteError, UsageError, VerificationFailedError
from pixm_desktop.core.states import JobKind, VerifyJobOptions
from pixm_desktop.services import jobs
from pixm_desktop.services.context import open_catalog
from pixm_desktop.services.verify import VerifyOutcome, verify_folder


def register(sub) -> None:
    v = sub.add_parser("verify", help=command_help("verify"))
    v.add_argument("path", type=Path, nargs="?", help="a destination card folder (the one holding ascmhl/), or a "
                                                      "folder with an MHL v1 file")
    v.add_argument("--tape", metavar="LABEL|MOUNTPOINT",
                   help="verify an LTO tape against its own manifest and the catalog, in tape order")
    v.add_argument("--no-write", action="store_true", help="do not append an in-place generation")
    reader_catalog_arg(v)
    v.set_defaults(func=cmd_verify)


def cmd_verify(args) -> int:
    """Exit 0 only when every file verified (against the catalog's card hashes too, when it knows the folder)
    and the generation was written. Precedence: 5 a file failed, is missing, unrecorded or not verifiable;
    7 the bytes verified but the generation could not be written; 8 the catalog could not be read or written.
    The verdict is always printed first. A path that is no folder is a usage error (2). A catalog file that does
    not exist (and no ``--create``) is neither created nor read: the folder is checked against its history alone,
    and a note says so. ``--tape``: see :func:`pixm_desktop.cli.archive.cmd_verify_tape`."""
    if args.tape:
        from pixm_desktop.cli.archive import cmd_verify_tape

        return cmd_verify_tape(args)
    if args.path is None:
        raise UsageError("verify needs a card folder, or --tape LABEL|MOUNTPOINT")
    if not args.path.is_dir():
        what = "no such folder" if not args.path.exists() else "not a folder"
        raise UsageError(f"{what}: {args.path}",
                         hint="give the destination card folder, the one holding ascmhl/ (or an MHL v1 file)")
    outcome = _verify(args)
    print_verify(outcome)
    if outcome.file_problems:
        raise VerificationFailedError(
            f"verification of {args.path} failed: {outcome.summary()}",
            hint="re-copy the failed files from another verified copy or the card",
        )
    if outcome.write_error:
        raise MhlWriteError(f"verified the bytes of {args.path}, but could not record the generation: "
                       f"{outcome.write_error}",
                       hint="make the drive writable (or free space) and verify again; use --no-write to check only")
    if outcome.catalog_error:
        raise CatalogError(f"{args.path} verified, but {outcome.catalog_error}",
                           hint="the copy states in the catalog are unchanged; fix the catalog and verify again")
    return 0


def _verify(args) -> VerifyOutcome:
    """The verify job on the catalog (its row records the run); a catalog that cannot be opened leaves the
    folder checked against its history alone, the reason in ``catalog_error`` (exit 8 after the verdict)."""
    db_path = catalog_path(args.catalog)
    options = VerifyJobOptions(path=str(args.path), write=not args.no_write)
    if args.create or db_path.exists():
        try:
            catalog = open_catalog(args.catalog)
        except CatalogError:
            return verify_folder(args.path, catalog_path=args.catalog, write=not args.no_write)
        try:
            return jobs.execute(catalog, JobKind.VERIFY, options)
        finally:
            catalog.close()
    console.print(f"[yellow]note:[/] no catalog at {escape(str(db_path))}: checking {escape(str(args.path))} "
                  "against its ASC MHL history only (--create starts a catalog there)")
    empty = open_catalog(url="sqlite://")  # knows no folder: the history alone decides, nothing is kept
    try:
        return jobs.execute(empty, JobKind.VERIFY, options)
    finally:
        empty.close()


def print_verify(o: VerifyOutcome) -> None:
    colour = "green" if o.ok else "red"
    word = "VERIFIED" if o.ok else ("FAILED" if o.file_problems else "NOT RECORDED")
    out.print(f"[bold {colour}]{word}[/] {escape(f'{o.path} ({o.kind}): {o.summary()}')}")
    for name, status, detail in o.problems[:50]:
        out.print(f"[red]{status.upper()}[/] {escape(f'{o.path}/{name}' + (': ' + detail if detail else ''))}")
    if len(o.problems) > 50:
        out.print(f"… and {len(o.problems) - 50} more", markup=False)
    if o.generation:
        out.print(f"ASC MHL generation written: {o.generation}", markup=False)
    for note in o.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
