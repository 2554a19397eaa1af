"""``pixm drive add|list|ship|receive|wipe-check|retire|forecast``: destination drives, shuttles and RAIDs
as things (issue 12; docs/drives.md).

Exit codes: 0 done (``wipe-check``: safe to wipe) · 2 usage (unknown label, label taken…) · 3 the drive is not
mounted where said, or another drive is · 5 the re-verification on receipt found problems · 8 catalog ·
10 not safe to wipe (``wipe-check``, ``retire`` without ``--force``).
"""

from __future__ import annotations

import argparse
import json

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, escape, out
from pixm_desktop.cli._table import Column, print_table
from pixm_desktop.core.errors import DriveNotSafeToWipeError, VerificationFailedError
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.services import drives
from pixm_desktop.services.drives import TB, DriveKind, TapeKind

LISTED = 10  # lacking files named before "and K more"


def register(sub) -> None:
    p = sub.add_parser("drive", help=command_help("drive"))
    cmds = p.add_subparsers(dest="drive_command", required=True,
                            metavar="{add,list,ship,receive,wipe-check,retire,forecast}")

    a = cmds.add_parser("add", help="register the drive mounted at PATH under the label written on it")
    a.add_argument("path", help="where the drive is mounted (a folder on it names its filesystem)")
    a.add_argument("--label", required=True, help="the label written on the drive, e.g. SHUTTLE-07 (unique)")
    a.add_argument("--kind", default=DriveKind.SHUTTLE.value, choices=[k.value for k in DriveKind],
                   help="what the drive is for (default shuttle)")
    a.add_argument("--holder", default="", help="who holds the drive now (default nobody named)")
    a.add_argument("--location", default="cart", help="where the drive is: cart, lab, vault… (default cart)")
    a.add_argument("--note", help="a note kept with the drive")
    _common(a)
    a.set_defaults(func=cmd_add)

    ls = cmds.add_parser("list", help="every registered drive: kind, where, who holds it, capacity, folders")
    ls.add_argument("--json", action="store_true", help="machine-readable output, with every event")
    ls.add_argument("--active", action="store_true", help="leave retired drives out")
    reader_catalog_arg(ls)
    ls.set_defaults(func=cmd_list)

    sh = cmds.add_parser("ship", help="record the drive leaving with a courier for a place")
    sh.add_argument("label", help="the drive's label")
    sh.add_argument("--to", required=True, help="where the drive is going, e.g. 'Lab (Company 3)'")
    sh.add_argument("--courier", help="who carries it (becomes its holder)")
    _common(sh)
    sh.set_defaults(func=cmd_ship)

    r = cmds.add_parser("receive", help="record the drive received and re-verify every card folder on it")
    r.add_argument("label", help="the drive's label")
    r.add_argument("--at", help="where it was received (default where it was shipped to)")
    r.add_argument("--path", help="where the drive is mounted now (default where it was registered)")
    _rule(r)
    _common(r)
    r.set_defaults(func=cmd_receive)

    w = cmds.add_parser("wipe-check", help="is the drive safe to wipe? (exit 10 when not)")
    w.add_argument("label", help="the drive's label")
    _rule(w)
    w.add_argument("--json", action="store_true", help="machine-readable verdict, every lacking file")
    reader_catalog_arg(w)
    w.set_defaults(func=cmd_wipe_check)

    rt = cmds.add_parser("retire", help="retire the drive (refused unless safe to wipe, or --force with --note)")
    rt.add_argument("label", help="the drive's label")
    rt.add_argument("--force", action="store_true", help="retire although not safe to wipe (needs --note)")
    rt.add_argument("--note", help="why the drive is retired (required with --force)")
    _rule(rt)
    _common(rt)
    rt.set_defaults(func=cmd_retire)

    f = cmds.add_parser("forecast", help="TB per shoot day, days until each drive fills, drives and tapes needed")
    f.add_argument("--days-left", type=_count, help="shoot days left in the schedule (then: drives and tapes needed)")
    f.add_argument("--size", type=_tb, help="size of the drives to buy, in TB (decimal; default the largest known)")
    f.add_argument("--copies", type=_positive, default=SafeRule().min_copies,
                   help="drive copies of every file the schedule needs (default 2)")
    f.add_argument("--tape", default=TapeKind.LTO9.value, choices=[t.value for t in TapeKind],
                   help="LTO generation: lto9 (18 TB native) or lto8 (12 TB native); default lto9")
    f.add_argument("--tape-copies", type=_count, default=2, help="tape sets (LTO A/B = 2, the default)")
    f.add_argument("--json", action="store_true", help="machine-readable output (bytes)")
    reader_catalog_arg(f)
    f.set_defaults(func=cmd_forecast)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--by", help="who does it, for the drive's history (default $PIXM_AUTHOR or the login name)")
    reader_catalog_arg(p)


def _rule(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-copies", type=_positive, default=SafeRule().min_copies,
                   help="verified copies on distinct drives every file needs elsewhere (default 2, as a card)")


def _positive(text: str) -> int:
    n = _count(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"needs 1 or more: {text!r}")
    return n


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative: {text!r}")
    return n


def _tb(text: str) -> int:
    try:
        n = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size in TB: {text!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"a drive size must be more than 0 TB: {text!r}")
    return int(n * TB)


def size_text(n: float) -> str:
    """Decimal units as drive makers sell them: ``1.50 TB``, ``480.00 GB``, ``12 MB``."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}" if unit in ("TB", "GB") else f"{n / size:.0f} {unit}"
    return f"{int(n)} bytes"


def _open(args):
    return open_existing(args.catalog, create=args.create)


def cmd_add(args) -> int:
    catalog = _open(args)
    try:
        with naming(catalog):
            res = drives.add_drive(catalog, args.path, args.label, kind=args.kind, holder=args.holder,
                                   location=args.location, note=args.note, who=args.by)
    finally:
        catalog.close()
    d = res.drive
    out.print(f"[bold]{escape(d.label)}[/] registered: {escape(d.kind)}, {size_text(d.capacity_bytes)}, mounted at "
              f"{escape(d.root)}; {d.folders} card folders of the catalog on it")
    out.print(f"identity: filesystem UUID {escape(d.fs_uuid or 'none')}, physical drive "
              f"{escape(d.physical_id or 'unknown')}", markup=False)
    for note in res.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    return 0


def cmd_list(args) -> int:
    catalog = _open(args)
    try:
        rows = drives.list_drives(catalog, retired=not args.active)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False))
        return 0
    if not rows:
        out.print("no drive registered (`pixm drive add PATH --label L` adds one)", markup=False)
        return 0
    cols = [Column("label", keep=9), Column("kind", keep=5), Column("location", keep=8, wrap=True, floor=10),
            Column("holder", keep=6, wrap=True, floor=8), Column("size", keep=4, justify="right"),
            Column("folders", keep=3, justify="right"), Column("status", keep=7),
            Column("last event", keep=2, wrap=True, floor=16)]
    print_table(out, cols, [(r.label, r.kind, r.location, r.holder, size_text(r.capacity_bytes), str(r.folders),
                             r.status, _last(r)) for r in rows])
    return 0


def _last(r: drives.DriveInfo) -> str:
    if not r.events:
        return ""
    e = r.events[-1]
    when = e.at.astimezone().strftime("%Y-%m-%d %H:%M") if e.at else ""
    return f"{e.what} {when} by {e.who}".strip()


def cmd_ship(args) -> int:
    catalog = _open(args)
    try:
        with naming(catalog):
            d = drives.ship(catalog, args.label, args.to, courier=args.courier, who=args.by)
    finally:
        catalog.close()
    courier = f" with {args.courier}" if args.courier else ""
    out.print(f"{d.label} shipped{courier} to {args.to}: in transit", markup=False)
    return 0


def cmd_receive(args) -> int:
    catalog = _open(args)
    try:
        with naming(catalog):
            res = drives.receive(catalog, args.label, at=args.at, path=args.path, who=args.by)
            verdict = drives.wipe_check(catalog, args.label, SafeRule(args.min_copies))
    finally:
        catalog.close()
    out.print(f"{res.drive.label} received at {res.place}; {len(res.folders)} card folders re-verified",
              markup=False)
    for f in res.folders:
        mark = "[green]VERIFIED[/]" if f.ok else "[red]FAILED[/]"
        out.print(f"{mark} {escape(f.path)}: {escape(f.summary)}")
        for name, status, detail in f.problems[:LISTED]:
            out.print(f"  [red]{escape(status.upper())}[/] {escape(name + (': ' + detail if detail else ''))}")
        if len(f.problems) > LISTED:
            out.print(f"  and {len(f.problems) - LISTED} more", markup=False)
    for note in res.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    _print_verdict(verdict)
    if not res.ok:
        raise VerificationFailedError(f"re-verification of {res.drive.label} on receipt found problems in "
                                      f"{sum(not f.ok for f in res.folders)} of {len(res.folders)} card folders",
                                      hint="re-copy the files listed from another verified copy; the catalog's "
                                           "copy states were updated")
    return 0


def _print_verdict(v) -> None:
    colour = "green" if v.safe else "red"
    out.print(f"[bold {colour}]{v.title}[/]: {escape(v.reason)}", soft_wrap=False)
    for line in v.listed(LISTED):
        out.print(f"  {escape(line)}", soft_wrap=False)


def cmd_wipe_check(args) -> int:
    catalog = _open(args)
    try:
        with naming(catalog):
            v = drives.wipe_check(catalog, args.label, SafeRule(args.min_copies))
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(v.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_verdict(v)
    return 0 if v.safe else DriveNotSafeToWipeError.exit_code


def cmd_retire(args) -> int:
    catalog = _open(args)
    try:
        with naming(catalog):
            v = drives.retire(catalog, args.label, SafeRule(args.min_copies), force=args.force, note=args.note,
                              who=args.by, listed=LISTED)
    except DriveNotSafeToWipeError as exc:
        for line in exc.details.splitlines():
            out.print(f"  {escape(line)}", soft_wrap=False)
        raise
    finally:
        catalog.close()
    how = "" if v.safe else " although NOT SAFE TO WIPE (forced, note recorded)"
    out.print(f"{args.label} retired{how}: {v.reason}", markup=False)
    return 0


def cmd_forecast(args) -> int:
    catalog = _open(args)
    try:
        f = drives.forecast(catalog, days_left=args.days_left, drive_size=args.size, copies=args.copies,
                            tape=args.tape, tape_copies=args.tape_copies)
    finally:
        catalog.close()
    if args.json:
        print(json.dumps(f.as_dict(), indent=2, ensure_ascii=False, default=str))
        return 0
    if f.days:
        print_table(out, [Column("shoot day", keep=9), Column("cards", keep=3, justify="right"),
                          Column("size", keep=8, justify="right")],
                    [(d.isoformat(), str(c), size_text(n)) for d, n, c in f.days])
        days = f"{len(f.days)} shoot day" + ("s" if len(f.days) != 1 else "")
        out.print(f"average: {size_text(f.average_bytes)} per shoot day over {days}", markup=False)
    if f.drives:
        print_table(out, [Column("drive", keep=9), Column("kind", keep=3), Column("capacity", keep=4, justify="right"),
                          Column("free", keep=8, justify="right"), Column("days to full", keep=7, justify="right")],
                    [(d.label, d.kind, size_text(d.capacity_bytes),
                      size_text(d.free_bytes) + ("" if d.measured else " *"),
                      "—" if d.days_to_full is None else f"{d.days_to_full:.1f}") for d in f.drives])
        if not all(d.measured for d in f.drives):
            out.print("* not mounted: capacity minus the bytes the catalog recorded on it", markup=False)
    if f.days_left is not None:
        out.print(f"rest of the schedule: {f.days_left} days × {size_text(f.average_bytes)} = "
                  f"{size_text(f.need_bytes)} per copy", markup=False)
        if f.drives_needed is not None:
            out.print(f"drives: {f.drives_needed} more of {size_text(f.drive_size)} for {f.copies} copies, "
                      f"after {size_text(f.free_bytes)} free on known drives", markup=False)
        out.print(f"tapes: {f.tapes_needed} {f.tape.upper().replace('LTO', 'LTO-')} cartridges "
                  f"({size_text(f.tape_bytes)} native each) for {f.tape_copies} tape sets", markup=False)
    for note in f.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    return 0
