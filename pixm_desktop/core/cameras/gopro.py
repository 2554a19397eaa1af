"""GoPro (HERO): DCIM cards (``docs/cards.md`` §GoPro).

``DCIM/100GOPRO/GX010001.MP4``: H (AVC) or X (HEVC), a 2-digit chapter, a 4-digit file number; a long
recording is split into chapters ``GX01…``, ``GX02…`` of one file number. Beside each chapter a
low-resolution proxy ``GL010001.LRV`` and a picture ``GX010001.THM``. HERO 5 and older: ``GOPR0001.MP4``
then ``GP010001.MP4``.
Names carry no reel: the reel comes from the card's name.
"""

from __future__ import annotations

import re

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera
from pixm_desktop.core.states import ClipFileRole

FOLDER = re.compile(r"^\d{3}(GOPRO|MEDIA)$")
CHAPTER = re.compile(r"^G(?P<k>[HXP])(?P<ch>\d{2})(?P<num>\d{4})$", re.I)  # GX010001: chapter 01 of file 0001
OLD_FIRST = re.compile(r"^GOPR(?P<num>\d{4})$", re.I)  # GOPR0001 (first chapter of HERO ≤ 5)
OLD_CHAPTER = re.compile(r"^GP(?P<ch>\d{2})(?P<num>\d{4})$", re.I)  # GP010001 (later chapters of HERO ≤ 5)
MOVIE_EXTS = (".mp4", ".mov")
COMPANIONS = {".thm": ClipFileRole.THUMBNAIL, ".lrv": ClipFileRole.PROXY}


def reel_of(layout: cameras.CardLayout) -> str | None:
    """A ``DCIM`` folder with a ``100GOPRO`` (or ``100MEDIA``) folder; the reel from the card's name."""
    if "DCIM" in layout.upper and any(FOLDER.match(p) for p in layout.upper):
        return cameras.reel_from_label(layout.label)
    return None


def chapter(stem: str) -> tuple[str, int] | None:
    """``(recording, chapter)`` of a movie stem: ``GX020001`` → ``("X0001", 2)``, ``GOPR0001`` →
    ``("P0001", 0)``; ``None`` for a stem that is no GoPro chapter."""
    if m := CHAPTER.match(stem):
        return m["k"].upper() + m["num"], int(m["ch"])
    if m := OLD_FIRST.match(stem):
        return "P" + m["num"], 0
    if m := OLD_CHAPTER.match(stem):
        return "P" + m["num"], int(m["ch"])
    return None


def proxy_stem(stem: str, chapter_number: int) -> str | None:
    """The LRV proxy's stem of a new-style chapter (``GX010001`` → ``GL010001``); ``None`` for HERO ≤ 5."""
    return f"GL{chapter_number:02d}{stem[-4:]}" if CHAPTER.match(stem) else None


def clip_files(number: int) -> tuple[str, str, str]:
    """Card-relative (movie, LRV proxy, THM picture) of the first chapter of file ``number``."""
    name = f"GX01{number:04d}"
    return f"DCIM/100GOPRO/{name}.MP4", f"DCIM/100GOPRO/GL01{number:04d}.LRV", f"DCIM/100GOPRO/{name}.THM"


PROFILE = cameras.CameraProfile(camera=Camera.GOPRO, reel_of=reel_of)
