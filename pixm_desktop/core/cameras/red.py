"""RED (DSMC2, V-RAPTOR, KOMODO): R3D cards (``docs/cards.md`` §RED).

A card is a magazine folder ``A001_1123AB.RDM``; each clip is a folder ``A001_C001_1123K7.RDC`` holding its
R3D span segments ``A001_C001_1123K7_001.R3D``, ``_002.R3D``… (one recording, split at a size limit), and
in ProRes mode a movie instead. R3D has no open decoder.
"""

from __future__ import annotations

import datetime
import re

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera

MAG_FOLDER = re.compile(r"^([A-Z])(\d{3})_[0-9A-Z]{4,6}\.RDM$", re.I)
CLIP_FOLDER = re.compile(r"^([A-Z])(\d{3})_C\d{3}_[0-9A-Z]{6}\.RDC$", re.I)
CLIP_FOLDER_SUFFIX = ".RDC"
CLIP_NAME = re.compile(r"^(?P<cam>[A-Z])(?P<reel>\d{3})_C(?P<clip>\d{3})_[0-9A-Z]{6}$", re.I)
SEGMENT = re.compile(r"^(?P<stem>.+)_(?P<n>\d{3})$")  # A001_C001_1123K7_002: segment 2


def reel_of(layout: cameras.CardLayout) -> str | None:
    """Any ``.R3D`` file; the reel from the magazine or a clip folder, else from the card's name."""
    if not any(p.endswith(".R3D") for p in layout.upper):
        return None
    for p in [layout.label, *layout.parts]:
        if (m := MAG_FOLDER.match(p) or CLIP_FOLDER.match(p)) is not None:
            return f"{m.group(1)}{m.group(2)}"
    return cameras.reel_from_label(layout.label)


def is_clip_folder(name: str) -> bool:
    """A path component that is a clip folder (``….RDC``): everything inside is one clip."""
    return name.upper().endswith(CLIP_FOLDER_SUFFIX)


def segment_number(stem: str) -> int:
    """The span segment of an R3D file stem (``…_002`` → 2); 0 when the stem has none."""
    m = SEGMENT.match(stem)
    return int(m["n"]) if m else 0


def mag_name(reel: str, day: datetime.date, tag: str) -> str:
    """``A001_1123AB.RDM``: reel, mmdd and a 2-character tag."""
    return f"{reel}_{day:%m%d}{tag}.RDM"


def clip_name(reel: str, number: int, day: datetime.date, tag: str) -> str:
    """``A001_C001_1123K7``: reel, clip number, mmdd and a 2-character tag."""
    return f"{reel}_C{number:03d}_{day:%m%d}{tag}"


def segment_path(clip: str, segment: int) -> str:
    """``<clip>.RDC/<clip>_00N.R3D``, card-relative inside the magazine."""
    return f"{clip}{CLIP_FOLDER_SUFFIX}/{clip}_{segment:03d}.R3D"


PROFILE = cameras.CameraProfile(
    camera=Camera.RED, reel_of=reel_of, name_rules=(cameras.NameRule(CLIP_NAME, cameras.reel_and_clip),)
)
