"""Every ``pixm`` sub-command: the module that registers it (its options and its work) and its one-line help.

``pixm`` imports only the module of the command it runs, so ``pixm --help`` loads no catalog, video or PDF
library; the help lines live here, once, for both the list and the command's own parser.
"""

from __future__ import annotations

COMMANDS: dict[str, tuple[str, str]] = {
    "offload": ("offload", "copy a card to destinations, verify every copy, write ASC MHL"),
    "verify": ("verify", "re-verify a destination card folder against its ASC MHL (or MHL v1)"),
    "catalog": ("catalog", "list catalog records"),
    "sample-card": ("samples", "write a generated camera card with real encoded clips"),
    "demo": ("samples", "the main job on a generated card: offload to two destinations, verify, report"),
    "clips": ("clips", "list clips with their metadata and logger fields"),
    "log": ("clips", "set logger fields of a clip (scene, take, circle, rating, notes, flag)"),
    "ingest": ("clips", "group, probe and thumbnail the clips of a catalogued card again"),
    "report": ("report", "PDF reports: offload (per card/job) and daily (per shoot day)"),
    "export": ("report", "clip lists: ALE for Avid, CSV for spreadsheets and scripts"),
    "show": ("show", "the show profile: expected cameras, sound, copy rule, deliveries"),
    "qc": ("qc", "check the clips of a card or a day against the show profile (ingest QC)"),
    "dailies": ("dailies", "render dailies: proxies with the look and burn-ins that relink to the camera clips"),
    "turnover": ("turnover", "checked packages for editorial (proxies, AAF, ALE, XML) and sound (BWF), own ASC MHL"),
    "drive": ("drive", "destination drives, shuttles and RAIDs: register, ship, receive, wipe, forecast"),
    "where": ("where", "where a clip, card or file is: every drive holding it, verified when, mounted now"),
    "risk": ("risk", "the risk ledger: files below the copy rule now, if a drive died, copies not re-verified"),
    "cut": ("cut", "editorial cuts (EDL, FCP XML, OTIO, AAF): import, resolve to camera clips, lock, diff"),
    "vfx": ("cut", "mark events of a cut as VFX shots"),
    "pull": ("pull", "VFX pulls: shot ranges with handles, pull list, package of camera files with ASC MHL"),
    "deliver": ("deliver", "DI delivery: the camera files a cut uses, by reel, with EDLs and ASC MHL"),
    "archive": ("archive", "archive cards to LTO tape (LTFS): read back after remount, ASC MHL, index, tape report"),
    "restore": ("restore", "restore the camera files of clips or a cut from tape, checked against the catalog"),
    "sync": ("sync", "sync this cart's catalog with the show's central PostgreSQL catalog (status, conflicts)"),
    "central": ("central", "the central PostgreSQL catalog: create or upgrade its schema"),
    "portal": ("portal", "the review portal: serve the day's clips to invited viewers, take their circles and notes"),
}


def command_help(name: str) -> str:
    """The one-line help of sub-command ``name`` (``KeyError`` for a name not in :data:`COMMANDS`)."""
    return COMMANDS[name][1]
