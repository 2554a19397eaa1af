"""Canon Cinema EOS (C300, C500, C70): XF-AVC cards (``docs/cards.md`` §Canon).

``CONTENTS/CLIPS001/A_0001C001_261123_100012AB_CANON.MXF`` with a clip XML of the same stem. The name starts
with the camera index (letter and ``_``), a 4-digit reel, the clip number, then date, time and an id.
"""

from __future__ import annotations

import datetime
import re

from pixm_desktop.core import cameras
from pixm_desktop.core.model import Camera

CLIPS_FOLDER = "CONTENTS/CLIPS001"
CLIP_NAME = re.compile(r"^(?P<cam>[A-Z])_?(?P<reel>\d{3,4})C(?P<clip>\d{3})", re.I)


def reel_of(layout: cameras.CardLayout) -> str | None:
    """A ``CONTENTS`` folder with a ``CLIPS…`` folder; the reel from an MXF's name, else from the card's
    name."""
    if "CONTENTS" not in layout.upper or not any(p.startswith("CLIPS") for p in layout.upper):
        return None
    for p in layout.parts:
        if p.upper().endswith(".MXF") and (m := CLIP_NAME.match(p)) is not None:
            return f"{m['cam']}{int(m['reel']):03d}"
    return cameras.reel_from_label(layout.label)


def canon_reel(reel: str) -> str:
    """``A001`` → ``A_0001``: camera index and 4-digit reel as Canon writes them."""
    return f"{reel[0]}_{int(reel[1:]):04d}"


def clip_name(reel: str, number: int, start: datetime.datetime, tag: str) -> str:
    """``A_0001C001_261123_100012AB_CANON``: Canon reel, clip, yymmdd_hhmmss of the start, 2-character tag."""
    return f"{canon_reel(reel)}C{number:03d}_{start:%y%m%d_%H%M%S}{tag}_CANON"


PROFILE = cameras.CameraProfile(
    camera=Camera.CANON,
    reel_of=reel_of,
    name_rules=(cameras.NameRule(CLIP_NAME, cameras.reel_and_clip, prefix=True),),
)
