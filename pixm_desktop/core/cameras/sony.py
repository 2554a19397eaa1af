"""Sony (VENICE, FX, FS): XDCAM-style cards (``docs/cards.md`` §Sony).

``XDROOT/Clip/A001C003_261123AB.MXF`` with its metadata ``A001C003_261123ABM01.XML`` beside it, a proxy
``XDROOT/Sub/A001C003_261123ABS03.MXF``, a picture ``XDROOT/Thmbnl/A001C003_261123ABT01.JPG`` and the card
index ``XDROOT/MEDIAPRO.XML``. A companion is named after its clip plus a letter (M metadata, S proxy,
T thumbnail, R real-time metadata) and two digits. The EDL tape name is the clip name's first 8 characters.
"""

from __future__ import annotations

import datetime
import re

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera
from pixm_desktop.core.states import ClipFileRole

ROOT, INDEX = "XDROOT", "XDROOT/MEDIAPRO.XML"
CLIPS, PROXIES, THUMBNAILS = "XDROOT/Clip", "XDROOT/Sub", "XDROOT/Thmbnl"
CLIP_FILE = re.compile(r"^([A-Z])(\d{3})C(\d{3})_\d{6}[0-9A-Z]{2}\.MXF$", re.I)
CLIP_NAME = re.compile(r"^(?P<cam>[A-Z])(?P<reel>\d{3})C(?P<clip>\d{3})_", re.I)
COMPANION = re.compile(r"^(?P<stem>.+?)(?P<kind>[MSTR])(?P<n>\d{2})$", re.I)  # M01 xml, S03 proxy, T01 thumb
PROXY_FOLDER = "sub"


def reel_of(layout: cameras.CardLayout) -> str | None:
    """An ``XDROOT`` folder or a ``MEDIAPRO.XML``; the reel from a clip's name, else from the card's name."""
    if "XDROOT" not in layout.upper and "MEDIAPRO.XML" not in layout.upper:
        return None
    for p in layout.parts:
        if (m := CLIP_FILE.match(p)) is not None:
            return f"{m.group(1)}{m.group(2)}"
    return cameras.reel_from_label(layout.label)


def companion(stem: str) -> tuple[str, str, int] | None:
    """``(clip stem upper-cased, kind letter, number)`` of a file stem that may be a companion
    (``A001C003_261123ABM01`` → ``("A001C003_261123AB", "M", 1)``); ``None`` otherwise."""
    m = COMPANION.match(stem)
    return (m["stem"].upper(), m["kind"].upper(), int(m["n"])) if m else None


def in_proxy_folder(folder: str) -> bool:
    return folder.rsplit("/", 1)[-1].lower() == PROXY_FOLDER


def is_proxy(folder: str, stem: str) -> bool:
    """``…/Sub/<clip>S03.MXF``: a proxy, attached to its clip rather than a clip of its own."""
    c = companion(stem)
    return bool(c and c[1] == "S" and in_proxy_folder(folder))


def companion_role(kind: str, ext: str, folder: str, video_exts: frozenset[str]) -> ClipFileRole | None:
    """The role of a companion of kind ``kind`` with extension ``ext`` (lower case) in ``folder``; ``None``
    when the file only looks like one (it then stays out of the clip)."""
    if kind == "M" and ext == ".xml" or kind == "R" and ext in (".bim", ".xml"):
        return ClipFileRole.SIDECAR
    if kind == "S" and ext in video_exts and in_proxy_folder(folder):
        return ClipFileRole.PROXY
    if kind == "T" and ext in (".jpg", ".jpeg", ".png"):
        return ClipFileRole.THUMBNAIL
    return None


def clip_name(reel: str, number: int, day: datetime.date, suffix: str) -> str:
    """``A001C003_261123AB``: reel, clip number, yymmdd and a 2-character suffix (a letter first)."""
    return f"{reel}C{number:03d}_{day:%y%m%d}{suffix}"


def clip_files(name: str) -> tuple[str, str, str, str]:
    """Card-relative (media, metadata XML, proxy, thumbnail) of clip ``name``."""
    return (f"{CLIPS}/{name}.MXF", f"{CLIPS}/{name}M01.XML", f"{PROXIES}/{name}S03.MXF",
            f"{THUMBNAILS}/{name}T01.JPG")


def tape_name(name: str) -> str:
    return name[:8]


PROFILE = cameras.CameraProfile(
    camera=Camera.SONY,
    reel_of=reel_of,
    name_rules=(cameras.NameRule(CLIP_NAME, cameras.reel_and_clip, prefix=True),),
)
