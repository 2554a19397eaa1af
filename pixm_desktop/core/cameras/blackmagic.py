"""Blackmagic (URSA, Pocket): Blackmagic RAW cards (``docs/cards.md`` §Blackmagic).

Clips ``A001_11231000_C001.braw`` (reel, MMDDHHMM of the start, clip) at the card's root, each with a JSON
``.sidecar`` of the same stem. BRAW has no open decoder.
"""

from __future__ import annotations

import datetime
import re

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera

CLIP_FILE = re.compile(r"^([A-Z])(\d{3})_\d{8}_C\d{3}\.braw$", re.I)
CLIP_NAME = re.compile(r"^(?P<cam>[A-Z])(?P<reel>\d{3})_\d{8}_C(?P<clip>\d{3})$", re.I)
SIDECAR_EXT = ".sidecar"


def reel_of(layout: cameras.CardLayout) -> str | None:
    """Any ``.braw`` file; the reel from a clip's name, else from the card's name."""
    if not any(p.endswith(".BRAW") for p in layout.upper):
        return None
    for p in layout.parts:
        if (m := CLIP_FILE.match(p)) is not None:
            return f"{m.group(1)}{m.group(2)}"
    return cameras.reel_from_label(layout.label)


def clip_name(reel: str, number: int, start: datetime.datetime) -> str:
    """``A001_11231000_C001``: reel, MMDDHHMM of the start, clip number."""
    return f"{reel}_{start:%m%d%H%M}_C{number:03d}"


PROFILE = cameras.CameraProfile(
    camera=Camera.BRAW, reel_of=reel_of, name_rules=(cameras.NameRule(CLIP_NAME, cameras.reel_and_clip),)
)
