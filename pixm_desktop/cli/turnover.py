"""``pixm turnover editorial (--day D | --card LABEL…) --to DIR [--template T] [--preset P] [--mos NAME…]`` and
``pixm turnover sound (--day D | --roll R…) --to DIR``: checked packages with their own ASC MHL
(docs/turnovers.md). A run is a ``turnover`` job (a row in ``jobs``) and a row in ``turnovers``. Exit 14 when a
check fails (each failure named by clip and rule; nothing written).
"""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import day_arg, out
from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import JobKind, TapeTemplate, TurnoverJobOptions, TurnoverKind
from pixm_desktop.services import jobs


def register(sub) -> None:
    p = sub.add_parser("turnover", help=command_help("turnover"),
                       description="Write a checked package for editorial or sound, with its own ASC MHL history; "
                                   "a repeat into the same folder adds a generation with only the new files.")
    kinds = p.add_subparsers(dest="turnover_kind", metavar="{editorial,sound}", required=True)
    ed = kinds.add_parser("editorial", help="proxies + AAF (OP-Atom), one ALE and FCP7 XML per rate, reports, looks")
    which = ed.add_mutually_exclusive_group(required=True)
    which.add_argument("--day", metavar="D", type=day_arg, help="the clips of shoot day D, YYYY-MM-DD")
    which.add_argument("--card", metavar="LABEL", nargs="+", help="the clips of these cards")
    ed.add_argument("--template", default=TapeTemplate.FILE32.value, choices=[t.value for t in TapeTemplate],
                    help="the edit list the tape names must fit: file32 (32 characters, default) or cmx3600 (8)")
    ed.add_argument("--preset", default="avid-dnxhd36-mxf",
                    help="the dailies preset whose proxies go (default avid-dnxhd36-mxf; a MOV preset for AMA)")
    ed.add_argument("--mos", metavar="NAME", nargs="+", default=[],
                    help="picture clips shot without sound (besides clips whose notes say MOS)")
    ed.add_argument("--to", type=Path, metavar="DIR", required=True, help="the package folder")
    reader_catalog_arg(ed)
    ed.set_defaults(func=cmd_turnover, kind=TurnoverKind.EDITORIAL)
    so = kinds.add_parser("sound", help="the original BWF files by sound roll, sound report (PDF + CSV)")
    which = so.add_mutually_exclusive_group(required=True)
    which.add_argument("--day", metavar="D", type=day_arg, help="the sound takes of shoot day D, YYYY-MM-DD")
    which.add_argument("--roll", metavar="R", nargs="+", help="these sound rolls")
    so.add_argument("--to", type=Path, metavar="DIR", required=True, help="the package folder")
    reader_catalog_arg(so)
    so.set_defaults(func=cmd_turnover, kind=TurnoverKind.SOUND)


def _options(args) -> TurnoverJobOptions:
    return TurnoverJobOptions(kind=args.kind.value, day=args.day.isoformat() if args.day else None,
                              cards=",".join(getattr(args, "card", None) or ()),
                              rolls=",".join(getattr(args, "roll", None) or ()), folder=str(args.to.absolute()),
                              preset=getattr(args, "preset", "avid-dnxhd36-mxf"),
                              template=getattr(args, "template", TapeTemplate.FILE32.value),
                              mos=",".join(getattr(args, "mos", ()) or ()))


def cmd_turnover(args) -> int:
    if any("," in n for n in [*(getattr(args, "card", None) or ()), *(getattr(args, "roll", None) or ())]):
        raise UsageError("a card or roll name with a comma cannot be turned over by name", hint="use --day")
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = jobs.execute(catalog, JobKind.TURNOVER, _options(args))
    finally:
        catalog.close()
    say = lambda text: out.print(text, markup=False, highlight=False)  # noqa: E731
    say(result.summary())
    for check in result.checks:
        say(f"  ok  {check.rule}: {check.text}")
    for rel in result.new:
        say(f"  new  {rel}")
    if result.unchanged:
        say(f"  unchanged: {len(result.unchanged)} file(s) the package held already")
    return 0
