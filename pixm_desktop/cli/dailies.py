"""``pixm dailies (--day D | --card LABEL | --clips NAME…) [--preset P] [--lut FILE.cube] [--cdl FILE]
[--look NAME] [--ocio-config FILE.ocio|ocio://NAME] [--colour-space NAME] [--burn-in FIELDS] [--watermark TEXT]
[--to DIR] [--workers N] [--decoders FILE] [--cluster ADDRESS [--path-map CART=NODE]…]`` and ``pixm dailies
presets``: renditions of catalogued clips, on this machine or on the render nodes of a Dask cluster
(docs/dailies.md). A run is a ``dailies`` job (a row in ``jobs``); it resumes: renditions whose inputs did not
change are not made again. Exit 13 when a clip could not be rendered (a camera-raw clip without a decoder hook
is one: "needs REDline: configure decoders.r3d").
"""

from __future__ import annotations

from pathlib import Path

from pixm_desktop.cli._catalog import naming, open_existing, reader_catalog_arg
from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, day_arg, out
from pixm_desktop.core.errors import RenditionsFailedError, UsageError
from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.services import jobs
from pixm_desktop.services.jobs import dailies

FIELDS = "tc, clip, reel, scene_take, circle, frame, watermark"


def register(sub) -> None:
    p = sub.add_parser("dailies", help=command_help("dailies"),
                       description="Render the clips of a day, a card or by name in a preset: the look (ASC CDL, "
                                   "then a .cube LUT or an OpenColorIO config's view, through OpenColorIO), the "
                                   "preset's desqueeze and extraction, and burn-ins; each proxy keeps the "
                                   "clip name, start timecode, reel, rate and frame count of its camera clip.")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--day", metavar="D", type=day_arg, help="the clips of shoot day D, YYYY-MM-DD")
    which.add_argument("--card", metavar="LABEL", help="the clips of the card(s) labelled LABEL")
    which.add_argument("--clips", metavar="NAME", nargs="+", help="the clips with these names")
    p.add_argument("--preset", default="avid-dnxhd36-mxf",
                   help="the preset (default avid-dnxhd36-mxf; `pixm dailies presets` lists them)")
    p.add_argument("--lut", type=Path, metavar="FILE.cube", help="the show LUT (.cube 3D LUT), after the CDL")
    p.add_argument("--cdl", type=Path, metavar="FILE",
                   help="ASC CDL (.cdl, .cc or .ccc; a correction whose id is the clip name is used for that clip)")
    p.add_argument("--look", default="", metavar="NAME",
                   help="an OpenColorIO look instead of --lut: a look of the config, a view of its Rec.709 display, "
                        "or DISPLAY/VIEW (default with --ocio-config/--colour-space: the display's default view)")
    p.add_argument("--ocio-config", default="", metavar="FILE.ocio",
                   help="the OpenColorIO config: a .ocio file or a built-in ocio://NAME (default "
                        "ocio://studio-config-latest, ACES)")
    p.add_argument("--colour-space", "--color-space", dest="colour_space", default="", metavar="NAME",
                   help="the clips' camera colour space in the config, e.g. 'ARRI LogC4' (default: the preset's, "
                        "else the camera's usual one)")
    p.add_argument("--burn-in", default="", metavar="FIELDS", help=f"comma-separated burn-in fields: {FIELDS}")
    p.add_argument("--watermark", default="", metavar="TEXT", help="the watermark field's text")
    p.add_argument("--to", type=Path, metavar="DIR", help="output folder (a folder per preset is made inside)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="clips rendered at once on this machine (default: the machine's cores)")
    p.add_argument("--cluster", default="", metavar="ADDRESS",
                   help="render on the Dask cluster whose scheduler is ADDRESS (tcp://HOST:8786) instead of "
                        "this machine; the render nodes must see the media and --to on shared storage")
    p.add_argument("--path-map", action="append", default=[], metavar="CART=NODE",
                   help="with --cluster: a path prefix on this cart and the same folder's prefix on the render "
                        "nodes (repeat for each shared volume: sources, --to, the LUT)")
    p.add_argument("--decoders", type=Path, metavar="FILE",
                   help="camera-raw decoder hooks (JSON with a `decoders` object: a command template per format "
                        "r3d, arriraw, braw, xocn), over the shipped file and your own dailies-decoders.json")
    reader_catalog_arg(p)
    p.set_defaults(func=cmd_dailies)
    cmds = p.add_subparsers(dest="dailies_command", metavar="{presets}", help="presets: list the presets")
    ls = cmds.add_parser("presets", help="list the dailies presets (shipped and your own)")
    ls.set_defaults(func=cmd_presets)


def cmd_presets(args) -> int:
    for name, container, description in dailies.preset_table():
        out.print(f"{name:<20} {container:<11} {description}", markup=False, highlight=False)
    out.print(f"your own presets: {dailies.user_presets_folder()}", markup=False, highlight=False)
    return 0


def cmd_dailies(args) -> int:
    if args.day is None and args.card is None and not args.clips:
        raise UsageError("pixm dailies needs --day D, --card LABEL or --clips NAME…",
                         hint="`pixm dailies --help` shows the options")
    if args.to is None:
        raise UsageError("pixm dailies needs --to DIR, the output folder")
    if args.workers < 0:
        raise UsageError("--workers must be 0 (the machine's cores) or more")
    if args.path_map and not args.cluster:
        raise UsageError("--path-map maps paths for the render nodes of --cluster", hint="add --cluster ADDRESS")
    options = DailiesJobOptions(day=args.day.isoformat() if args.day else None, card=args.card,
                                clips=",".join(args.clips or ()), preset=args.preset,
                                lut=str(args.lut or ""), cdl=str(args.cdl or ""), burn_in=args.burn_in,
                                watermark=args.watermark, folder=str(args.to), workers=args.workers,
                                decoders=str(args.decoders or ""), look=args.look,
                                ocio_config=args.ocio_config, colour_space=args.colour_space,
                                cluster=args.cluster, path_map="\n".join(args.path_map))
    catalog = open_existing(args.catalog, create=args.create)
    try:
        with naming(catalog):
            result = jobs.execute(catalog, JobKind.DAILIES, options, on_progress=_Progress())
    finally:
        catalog.close()
    out.print(dailies.DailiesKind().summary(result), markup=False, highlight=False)
    if result.failed:
        raise RenditionsFailedError(f"{len(result.failed)} clip(s) not rendered: "
                        + "; ".join(f"{n}: {why}" for n, why in result.failed.items()),
                        hint="fix the cause and run the same command again: finished clips are kept")
    return 0


class _Progress:
    """A line on stderr each time a clip ends (not at every poll)."""

    def __init__(self):
        self.last = None

    def __call__(self, p: dailies.DailiesProgress) -> None:
        seen = (p.clips_done, p.clips_skipped, p.clips_failed)
        if seen == self.last:
            return
        self.last = seen
        eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
        console.print(f"{p.clips_done + p.clips_skipped}/{p.clips_total} clips, {p.frames_done}/{p.frames_total} "
                      f"frames, {p.fps:.1f} frames/s{eta}", markup=False, highlight=False)
