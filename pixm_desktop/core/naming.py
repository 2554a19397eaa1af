"""Names as people on set sort and read them: natural order, the camera letter of a reel."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[str | int, ...], str]:
    """Sort key in natural order: runs of digits compare as numbers, the rest case-insensitively (``2`` before
    ``10``, ``12`` before ``12A`` before ``12b``, ``A2`` before ``A10``); the text itself breaks ties so the
    order is total (``012`` and ``12``, ``a`` and ``A``)."""
    parts = tuple(int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(text))
    return parts, text


def camera_letter(reel: str | None) -> str | None:
    """The camera letter a reel name starts with: ``A`` of ``A001``, ``B`` of ``B012C003``; ``None`` when the
    reel does not start with an upper-case letter and a digit (``a001``, ``AB01``, ``SOUND``). The clips
    (ingest) and the daily report (camera groups) use this one rule, so a report groups as the clips read."""
    if reel and len(reel) >= 2 and reel[0].isalpha() and reel[0].isupper() and reel[1:4].isdigit():
        return reel[0]
    return None


__all__ = ["camera_letter", "natural_key"]
