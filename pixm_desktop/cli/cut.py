"""``pixm cut import|list|show|resolve|lock|diff`` and ``pixm vfx mark``: editorial cuts resolved to the camera
clips of the catalog (docs/post.md).

A cut is named ``NAME`` (newest version) or ``NAME@N``. ``import`` exits 2 on a malformed file (every bad line
named, nothing imported); ``show`` and ``import`` list unmatched and ambiguous events with the reason and the
candidates.
"""

from __future__ import annotations

import json
from pathlib import Path

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import out
from pixm_desktop.core.errors import UsageError
from pixm_desktop.services import cuts


def register(sub) -> None:
    p = sub.add_parser("cut", help=command_help("cut"))
    cmds = p.add_subparsers(dest="cut_command", required=True, metavar="{import,list,show,resolve,lock,diff}")
    i = cmds.add_parser("import", help="import a cut as the next version of NAME and resolve it to camera clips")
    i.add_argument("files", nargs="+", type=Path, metavar="FILE",
                   help="a CMX 3600 EDL per video track (V1 first), or one FCP7 .xml / .fcpxml / .otio / .aaf")
    i.add_argument("--name", required=True, help="the cut's name (reel 1, R1…); each import is a new version")
    i.add_argument("--fps", help="the cut's rate (23.976, 25, 29.97, 24000/1001; default: 23.976, or 29.97 for "
                                 "a drop-frame EDL, or the XML's rate)")
    i.add_argument("--json", action="store_true", help="print the imported cut as JSON")
    reader_catalog_arg(i)
    i.set_defaults(func=cmd_import)
    a = cmds.add_parser("list", help="every cut and version with its resolution counts and lock")
    a.add_argument("--json", action="store_true", help="every version as JSON (counts, import and lock stamps)")
    reader_catalog_arg(a)
    a.set_defaults(func=cmd_list)
    for verb, helptext, fn in (("show", "the events of a cut and the camera clip of each", cmd_show),
                               ("resolve", "resolve a cut's events again (after more cards were ingested)",
                                cmd_resolve)):
        s = cmds.add_parser(verb, help=helptext)
        s.add_argument("cut", metavar="NAME[@N]", help="the cut: NAME (its newest version) or NAME@N")
        s.add_argument("--json", action="store_true", help="the cut and every event as JSON")
        reader_catalog_arg(s)
        s.set_defaults(func=fn)
    lk = cmds.add_parser("lock", help="lock a cut version (who and when are recorded)")
    lk.add_argument("cut", metavar="NAME[@N]", help="the cut: NAME (its newest version) or NAME@N")
    lk.add_argument("--by", metavar="WHO", help="who locks it (default: the login name)")
    lk.add_argument("--json", action="store_true", help="the locked cut as JSON")
    reader_catalog_arg(lk)
    lk.set_defaults(func=cmd_lock)
    d = cmds.add_parser("diff", help="change list A → B (B omitted: A's newest version against its lock)")
    d.add_argument("a", metavar="A", help="the older cut (NAME or NAME@N); alone: its newest version is compared "
                                          "against its locked one")
    d.add_argument("b", metavar="B", nargs="?", help="the newer cut (NAME or NAME@N)")
    d.add_argument("--json", action="store_true", help="the change list as JSON")
    d.add_argument("--all", action="store_true", help="also list the unchanged events")
    reader_catalog_arg(d)
    d.set_defaults(func=cmd_diff)
    _register_vfx(sub)


def _register_vfx(sub) -> None:
    p = sub.add_parser("vfx", help=command_help("vfx"))
    cmds = p.add_subparsers(dest="vfx_command", required=True, metavar="{mark}")
    m = cmds.add_parser("mark", help="mark events of a cut as VFX shots, named by a template")
    m.add_argument("--cut", required=True, metavar="NAME[@N]", help="the cut: NAME (its newest version) or NAME@N")
    which = m.add_mutually_exclusive_group(required=True)
    which.add_argument("--events", metavar="3,7", help="event numbers (every track)")
    which.add_argument("--shots", type=Path, metavar="FILE.csv", help="CSV with columns event, shot [, track]")
    which.add_argument("--markers", action="store_true",
                       help="every event with an editor's marker (Avid LOC, XML marker), named by its first word")
    m.add_argument("--show", default="SHOW", help="the show code in the shot names (default SHOW)")
    m.add_argument("--seq", default="010", help="the sequence in the shot names (default 010)")
    m.add_argument("--template", default="{show}_{seq}_{shot:04d}",
                   help="shot name template: {show}, {seq}, {shot} (10, 20…), {event}")
    m.add_argument("--json", action="store_true", help="the marked events and their shot names as JSON")
    reader_catalog_arg(m)
    m.set_defaults(func=cmd_mark)


def _run(args, fn):
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            return fn(catalog)
    finally:
        catalog.close()


def cmd_import(args) -> int:
    fps = cuts.parse_fps(args.fps)
    view = _run(args, lambda c: cuts.import_cut(c, args.files, args.name, fps))
    _print_view(view, args.json, brief=True)
    return 0


def cmd_list(args) -> int:
    rows = _run(args, cuts.list_cuts)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        out.print("no cuts")
    for r in rows:
        lock = f"  LOCKED by {r['locked_by']} {r['locked_at']}" if r["locked_at"] else ""
        out.print(f"{r['name']}@{r['version']}  {r['format']:8} {r['events']:5} events  {r['resolved']} resolved  "
                  f"{r['ambiguous']} ambiguous  {r['unmatched']} unmatched  {r['imported_at']}{lock}", markup=False)
    return 0


def cmd_show(args) -> int:
    _print_view(_run(args, lambda c: cuts.show_cut(c, args.cut)), args.json)
    return 0


def cmd_resolve(args) -> int:
    _print_view(_run(args, lambda c: cuts.resolve_again(c, args.cut)), args.json, brief=True)
    return 0


def cmd_lock(args) -> int:
    _print_view(_run(args, lambda c: cuts.lock_cut(c, args.cut, args.by)), args.json, brief=True)
    return 0


def _print_view(v: cuts.CutView, as_json: bool, brief: bool = False) -> None:
    if as_json:
        print(json.dumps(v.as_dict(), indent=2, ensure_ascii=False))
        return
    counts = ", ".join(f"{n} {k}" for k, n in sorted(v.counts.items()))
    out.print(f"cut {v.name}@{v.version} of {v.versions} ({v.format}, {v.fps} fps): {len(v.events)} events: {counts}",
              markup=False)
    if v.locked_at:
        out.print(f"LOCKED by {v.locked_by} at {v.locked_at}", markup=False)
    elif v.locked_version is not None:
        out.print(f"version {v.locked_version} is the locked one: `pixm cut diff {v.name}` shows this against it",
                  markup=False)
    for w in v.warnings:
        out.print(f"warning: {w}", markup=False)
    for e in v.events:
        if brief and e.status == "resolved":
            continue
        clip = e.clip or e.status.upper()
        shot = f" [{e.shot}]" if e.shot else ""
        speed = f" speed {e.speed}" if e.speed else ""
        out.print(f"V{e.track} {e.number:4} {e.reel:8} {e.src_in}-{e.src_out} {e.rec_in}-{e.rec_out} "
                  f"{clip}{shot}{speed}", markup=False)
        if e.status != "resolved":
            out.print(f"        {e.reason}", markup=False)
            for c in e.candidates:
                out.print(f"        candidate: {c}", markup=False)


def cmd_diff(args) -> int:
    view = _run(args, lambda c: cuts.diff_cuts(c, args.a, args.b))
    if args.json:
        print(json.dumps(view.as_dict(), indent=2, ensure_ascii=False))
        return 0
    what = " (the locked version)" if view.against_lock else ""
    out.print(f"{view.old}{what} → {view.new}: " + ", ".join(f"{n} {k}" for k, n in sorted(view.counts.items())),
              markup=False)
    for c in view.changes:
        if c.kind != "unchanged" or args.all or c.repull:
            out.print(c.describe(), markup=False)
    return 0


def cmd_mark(args) -> int:
    try:
        events = [int(x) for x in args.events.split(",") if x.strip()] if args.events else None
    except ValueError:
        raise UsageError(f"--events {args.events!r}: event numbers separated by commas") from None
    marked = _run(args, lambda c: cuts.mark_vfx(c, args.cut, events=events, shots_csv=args.shots,
                                                 markers=args.markers, show=args.show, seq=args.seq,
                                                 template=args.template))
    if args.json:
        print(json.dumps(marked, indent=2))
    for m in [] if args.json else marked:
        out.print(f"V{m['track']} event {m['event']}: {m['shot']}", markup=False)
    return 0
