"""ARRI ALEXA (Mini, LF, 35): ProRes/ARRIRAW cards (``docs/cards.md`` §ARRI).

A card folder is named after the reel and the card (``A001R1AB``); clips are ``A001C001_261123_R1AB.mov``
(reel, clip, yymmdd, card id) beside a reel ALE and XML. The ALEXA 35 names clips
``A_0001C001_261123_100012_a1B2C.mxf`` (camera letter, 4-digit reel, clip, date, time, id).
The EDL tape name of an ARRI clip is the reel plus the card id (``A001R1AB``, 8 characters).
"""

from __future__ import annotations

import datetime
import re

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera

CARD_FOLDER = re.compile(r"^([A-Z])(\d{3})R([0-9A-Z]{2,4})$")
CLIP_FILE = re.compile(r"^([A-Z])(\d{3})C(\d{3})_\d{6}_[0-9A-Z]{4}\.(mov|mxf)$", re.I)
ALEXA35_CLIP_FILE = re.compile(r"^([A-Z])_(\d{4})C(\d{3})_\d{6}_\d{6}_[0-9A-Za-z]{5}\.mxf$", re.I)
CLIP_NAME = re.compile(r"^(?P<reel>[A-Z]\d{3})C\d{3}_\d{6}_(?P<card>[0-9A-Z]{4})$", re.I)
ALEXA35_CLIP_NAME = re.compile(r"^(?P<cam>[A-Z])_(?P<reel>\d{4})C(?P<clip>\d{3})_\d{6}_\d{6}_[0-9A-Za-z]{5}$")


def reel_of(layout: cameras.CardLayout) -> str | None:
    """A reel-and-card folder holding movies, or an ARRI clip file anywhere on the card."""
    m = CARD_FOLDER.match(layout.label)
    if m and any(n.lower().endswith((".mov", ".mxf")) for n in layout.names):
        return f"{m.group(1)}{m.group(2)}"
    for p in layout.parts:
        if (m := CLIP_FILE.match(p) or ALEXA35_CLIP_FILE.match(p)) is not None:
            return f"{m.group(1)}{int(m.group(2)):03d}"
    return None


def tape_name(reel: str, card_id: str) -> str:
    """The card folder and EDL tape name: reel + card id (``A001`` + ``R1AB``)."""
    return reel + card_id


def clip_name(reel: str, number: int, day: datetime.date, card_id: str) -> str:
    """``A001C001_261123_R1AB``: reel, clip number, yymmdd, card id."""
    return f"{reel}C{number:03d}_{day:%y%m%d}_{card_id}"


def _arri_names(m: re.Match[str]) -> tuple[str, str]:
    return m["reel"].upper(), (m["reel"] + m["card"]).upper()


PROFILE = cameras.CameraProfile(
    camera=Camera.ARRI,
    reel_of=reel_of,
    name_rules=(cameras.NameRule(CLIP_NAME, _arri_names),
                cameras.NameRule(ALEXA35_CLIP_NAME, cameras.reel_and_clip)),
)
