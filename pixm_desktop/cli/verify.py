"""``pixm verify``: re-verify a destination card folder against its ASC MHL history."""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.cli._common import catalog_arg, escape, out
from pixm_desktop.core.errors import VerificationFailedError
from pixm_desktop.services.verify import VerifyOutcome, verify_folder


def register(sub) -> None:
    v = sub.add_parser("verify", help="re-verify a destination card folder against its ASC MHL (or MHL v1)")
    v.add_argument("path", type=Path)
    v.add_argument("--no-write", action="store_true", help="do not append an in-place generation")
    catalog_arg(v)
    v.set_defaults(func=cmd_verify)


def cmd_verify(args) -> int:
    outcome = verify_folder(args.path, catalog_path=args.catalog, write=not args.no_write)
    print_verify(outcome)
    if not outcome.ok:
        raise VerificationFailedError(
            f"verification of {args.path} failed: {outcome.summary()}",
            hint="re-copy the failed files from another verified copy or the card",
        )
    return 0


def print_verify(o: VerifyOutcome) -> None:
    colour = "green" if o.ok else "red"
    out.print(f"[bold {colour}]{'VERIFIED' if o.ok else 'FAILED'}[/] {escape(f'{o.path} ({o.kind}): {o.summary()}')}")
    for name, status, detail in o.problems[:50]:
        out.print(f"[red]{status.upper()}[/] {escape(f'{o.path}/{name}' + (': ' + detail if detail else ''))}")
    if len(o.problems) > 50:
        out.print(f"… and {len(o.problems) - 50} more", markup=False)
    if o.generation:
        out.print(f"ASC MHL generation written: {o.generation}", markup=False)
    for note in o.notes:
        out.print(f"[yellow]note:[/] {escape(note)}")
