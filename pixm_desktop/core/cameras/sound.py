"""Sound recorders (Sound Devices, Zoom, Aaton): BWF cards (``docs/cards.md`` §Sound).

A day folder ``<roll>_<yymmdd>`` of poly WAV/BWF files ``<scene>_<take>.WAV``; the slate and timecode are
in the file's ``bext`` and ``iXML`` chunks, not in its name. A card is a sound card when at least half of its
files are WAV/BWF.
"""

from __future__ import annotations

import datetime

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera

AUDIO_EXTS = (".wav", ".bwf")
SHARE = 0.5  # the least part of a card's files that are sound files


def reel_of(layout: cameras.CardLayout) -> str | None:
    """Mostly WAV/BWF files; the reel (sound roll) from the card's name."""
    wavs = [n for n in layout.names if n.lower().endswith(AUDIO_EXTS)]
    if wavs and len(wavs) >= len(layout.names) * SHARE:
        return cameras.reel_from_label(layout.label)
    return None


def day_folder(roll: str, day: datetime.date) -> str:
    """``A001_261123``: the roll and the recording day."""
    return f"{roll}_{day:%y%m%d}"


PROFILE = cameras.CameraProfile(camera=Camera.SOUND, reel_of=reel_of)
