"""``pixm show init|show|edit|export|import|validate``: the show profile this cart runs under (issue 12).

The profile is a JSON file (format: docs/show-profile.md) installed beside the catalog. Every refusal exits 11
and names the file, the line and column, and the field (``cameras[1].frame_rate``); the installed profile is
never changed by a command that fails.
"""

from __future__ import annotations

import argparse
import os
import textwrap
from fractions import Fraction
from pathlib import Path

from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, out
from pixm_desktop.core.errors import ShowProfileFormatError, UsageError
from pixm_desktop.core.show import ShowProfile
from pixm_desktop.core.timecode import fps_label, parse_rate
from pixm_desktop.services import show
from pixm_desktop.services.context import default_catalog_path

WIDTH = 80


def register(sub) -> None:
    p = sub.add_parser("show", help=command_help("show"))
    cmds = p.add_subparsers(dest="show_command", required=True, metavar="{init,show,edit,export,import,validate}")

    i = cmds.add_parser("init", help="write a commented starting profile for a production")
    i.add_argument("--name", required=True, help="production title (reports and the {project} folder token)")
    i.add_argument("--company", help="production company, printed on reports")
    i.add_argument("--fps", type=_rate_arg, default=Fraction(24000, 1001),
                   help="project frame rate and timecode rate: 23.976, 24000/1001, 25, 29.97… (default 23.976)")
    i.add_argument("--camera", action="append", type=_camera_arg, metavar="LETTER=MAKE",
                   help=f"a camera of the main unit, e.g. A=arri (repeat for each; makes: {', '.join(show.MAKES)}; "
                        "default A=arri)")
    i.add_argument("--sample-rate", type=int, default=48000, choices=(44100, 48000, 48048, 96000, 192000),
                   help="sound sample rate in Hz (default 48000)")
    i.add_argument("--bit-depth", type=int, default=24, choices=(16, 24, 32), help="sound bit depth (default 24)")
    i.add_argument("--copies", type=_copies_arg, default=2, help="verified copies on distinct drives a card needs (default 2)")
    i.add_argument("-o", "--output", type=Path,
                   help="write the profile to this file instead of installing it on this cart")
    i.add_argument("--force", action="store_true",
                   help="replace an installed profile (the old one is kept in its history) or an existing -o file")
    _catalog(i)
    i.set_defaults(func=cmd_init)

    s = cmds.add_parser("show", help="print the installed profile (80 columns)")
    _catalog(s)
    s.set_defaults(func=cmd_show)

    e = cmds.add_parser("edit", help="edit the installed profile in $EDITOR, validate it, then install it")
    e.add_argument("--editor", help="editor command (default $VISUAL, else $EDITOR, else vi / notepad)")
    e.add_argument("--force", action="store_true",
                   help="install even when the edit lowers the revision")
    _catalog(e)
    e.set_defaults(func=cmd_edit)

    x = cmds.add_parser("export", help="write the installed profile to a file, byte for byte")
    x.add_argument("file", type=Path, help="file to write (replaced if it exists)")
    _catalog(x)
    x.set_defaults(func=cmd_export)

    m = cmds.add_parser("import", help="validate a profile file and install it on this cart")
    m.add_argument("file", type=Path, help="the profile's .json file")
    m.add_argument("--force", action="store_true",
                   help="install an older revision, or other content under the installed revision number")
    _catalog(m)
    m.set_defaults(func=cmd_import)

    v = cmds.add_parser("validate", help="check a profile file without installing it (lists every problem)")
    v.add_argument("file", type=Path, help="the profile's .json file")
    v.set_defaults(func=cmd_validate)


def _catalog(p: argparse.ArgumentParser) -> None:
    p.add_argument("--catalog", type=Path, default=None,
                   help=f"the profile is kept beside this catalog (default $PIXM_CATALOG or {default_catalog_path()})")


def _rate_arg(text: str) -> Fraction:
    rate = parse_rate(text)
    if rate is None or not 1 <= rate <= 1000:
        raise argparse.ArgumentTypeError(f"not a frame rate: {text!r} (e.g. 23.976, 24000/1001, 25)")
    return rate


def _copies_arg(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 16:
        raise argparse.ArgumentTypeError(f"not a number of copies from 1 to 16: {text!r}")
    return int(text)


def _camera_arg(text: str) -> tuple[str, str]:
    letter, _, make = text.partition("=")
    letter, make = letter.strip().upper(), make.strip().lower()
    if len(letter) != 1 or not letter.isalpha() or not letter.isascii() or make not in show.MAKES:
        raise argparse.ArgumentTypeError(f"not LETTER=MAKE: {text!r} (e.g. A=arri; makes: {', '.join(show.MAKES)})")
    return letter, make


def cmd_init(args) -> int:
    cameras = args.camera or [("A", "arri")]
    letters = [c[0] for c in cameras]
    if len(set(letters)) != len(letters):
        raise UsageError(f"camera letter given twice: {' '.join(letters)}", hint="one --camera per letter")
    data = show.starting_document(args.name, company=args.company, fps=args.fps, cameras=cameras,
                                  sample_rate=args.sample_rate, bit_depth=args.bit_depth, copies=args.copies)
    path = show.init_profile(data, args.output, args.catalog, force=args.force)
    verb = "wrote" if args.output else "installed"
    out.print(f"{verb} a starting profile for {args.name!r} (rev 1): {path}", markup=False)
    out.print("check every value, then bump \"revision\" at each change (format: docs/show-profile.md)", markup=False)
    return 0


def cmd_show(args) -> int:
    profile = show.current_profile(args.catalog)
    if profile is None:
        out.print(f"no show profile installed (looked for {show.profile_path(args.catalog)})", markup=False)
        out.print("pixm show init --name TITLE, or pixm show import FILE", markup=False)
        return 0
    for line in render(profile, show.profile_path(args.catalog)):
        out.print(line, markup=False)
    return 0


def cmd_edit(args) -> int:
    editor = args.editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or (
        "notepad" if os.name == "nt" else "vi")
    result = show.edit_profile(editor, args.catalog, force=args.force)
    _say_installed(result)
    return 0


def cmd_export(args) -> int:
    path = show.export_profile(args.file, args.catalog)
    out.print(f"exported {show.current_profile(args.catalog).stamp} to {path}", markup=False)
    return 0


def cmd_import(args) -> int:
    _say_installed(show.import_profile(args.file, args.catalog, force=args.force))
    return 0


def cmd_validate(args) -> int:
    try:
        p = show.validate_file(args.file)
    except ShowProfileFormatError as exc:
        for line, column, field, text in exc.problems[1:]:  # the first is the error main() prints
            console.print(f"also: {args.file}:{line}:{column}: {field + ': ' if field else ''}{text}", markup=False)
        raise
    out.print(f"{args.file}: valid — {p.stamp}, {len(p.cameras)} camera(s), "
              f"{len(p.production.units)} unit(s), {len(p.recipients)} recipient(s)", markup=False)
    return 0


def _say_installed(result: show.Installed) -> None:
    if result.unchanged:
        out.print(f"already installed: {result.profile.stamp} ({result.path})", markup=False)
        return
    out.print(f"installed {result.profile.stamp}: {result.path}", markup=False)
    if result.replaced is not None:
        out.print(f"replaced {result.replaced.stamp} (kept in {result.path.parent / show.HISTORY})", markup=False)


# ------------------------------------------------------------------------------------------ pixm show show


def _rate(rate: Fraction) -> str:
    return fps_label(rate)


def _tc(tc) -> str:
    return f"TC {_rate(tc.rate)} {'DF' if tc.drop_frame else 'NDF'}"


def _naming(rule) -> str:
    if rule.rule:
        return f"rule {rule.rule}"
    return f"clips {rule.clip_pattern}" + (f", reels {rule.reel_pattern}" if rule.reel_pattern else "")


def _entry(label: str, text: str) -> list[str]:
    return textwrap.wrap(f"{label}{text}", width=WIDTH, subsequent_indent=" " * 6, break_on_hyphens=False) or [label]


def render(p: ShowProfile, path: Path | None = None) -> list[str]:
    """The profile as lines of at most 80 characters, section by section."""
    prod = p.production
    head = prod.name + (f" — {prod.company}" if prod.company else "") + (f" ({prod.code})" if prod.code else "")
    lines = [*_entry("", f"{head}, revision {p.revision} (schema v{p.version})")]
    if path is not None:
        lines += _entry("", f"file: {path}")
    lines += _entry("units: ", ", ".join(f"{u.id} ({u.name})" for u in prod.units))
    lines.append("cameras:")
    for c in p.cameras:
        codec = c.codec + (f" {c.codec_profile}" if c.codec_profile else "")
        extra = f"; sidecars {', '.join(c.sidecars)}" if c.sidecars else ""
        lines += _entry(f"  {c.letter} ", f"[{c.unit}] {c.make}{' ' + c.model if c.model else ''}: {codec}, "
                        f"{c.resolution}, {_rate(c.frame_rate)} fps, {_tc(c.timecode)}, {_naming(c.naming)}{extra}")
    s = p.sound
    lines += _entry("sound: ", f"{s.sample_rate} Hz, {s.bit_depth}-bit, {_tc(s.timecode)}, {_naming(s.roll_naming)}"
                    + (f", {s.recorder}" if s.recorder else ""))
    r = p.copy_rule
    lto = (f"; LTO {'/'.join(r.lto.copies)}" + (f" ({r.lto.generation}, {r.lto.format})" if r.lto.generation
                                                  else f" ({r.lto.format})")) if r.lto else ""
    lines += _entry("copies: ", f"{r.min_verified_copies} verified on {'distinct drives' if r.distinct_drives else 'any destinations'}"
                    f", hashes {', '.join(r.hash_formats)}{lto}; in {r.places} place{'s' if r.places > 1 else ''}")
    lines += _entry("folders: ", f"camera {p.camera_template}; sound {p.sound_template}")
    for lk in p.looks:
        cdl = (f"CDL slope {_nums(lk.cdl.slope)} offset {_nums(lk.cdl.offset)} power {_nums(lk.cdl.power)} "
               f"sat {lk.cdl.saturation:g}") if lk.cdl else ""
        lines += _entry("look: ", f"{lk.name}: {cdl}{'; ' if cdl and lk.lut else ''}{'LUT ' + lk.lut if lk.lut else ''}"
                        + (f" (cameras {', '.join(lk.cameras)})" if lk.cameras else ""))
    for d in p.dailies:
        lines += _entry("dailies: ", f"{d.name}: {d.codec}{' ' + d.profile if d.profile else ''} in {d.container}, "
                        f"{d.resolution}" + (f", look {d.look}" if d.look else "")
                        + (f", burn-in {', '.join(d.burn_in)}" if d.burn_in else ""))
    for rs in p.rule_sets:
        lines += _entry("rules: ", f"{rs.name}: hashes {('all of ' if rs.all_hashes else 'one of ')}"
                        f"{', '.join(rs.hash_formats)}; {'MHL at every roll root' if rs.mhl_at_roll_root else 'no MHL rule'}"
                        f"{'; MHL travels with the files' if rs.mhl_travels else ''}; names {rs.file_name_pattern} "
                        f"≤ {rs.file_name_max_length}" + (f"; reels ≤ {rs.reel_name_max_length}"
                                                          if rs.reel_name_max_length else ""))
    for rc in p.recipients:
        parts = [f"rule set {rc.rule_set}" if rc.rule_set else "", f"dailies {rc.dailies}" if rc.dailies else "",
                 ", ".join(rc.deliverables), f"handles {rc.handles}" if rc.handles is not None else "",
                 f"from frame {rc.first_frame}" if rc.first_frame is not None else ""]
        lines += _entry("to: ", f"{rc.role} — {rc.name}: " + "; ".join(x for x in parts if x))
    return lines


def _nums(values) -> str:
    return " ".join(f"{v:g}" for v in values)
