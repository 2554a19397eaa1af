"""Names as people on set sort and read them: natural order, the camera letter of a reel (a reel rule, kept
with the camera families in ``core.cameras`` and named here for the callers that sort and group by it)."""

from __future__ import annotations

import re

from pixm_desktop.core.cameras import camera_letter

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[str | int, ...], str]:
    """Sort key in natural order: runs of digits compare as numbers, the rest case-insensitively (``2`` before
    ``10``, ``12`` before ``12A`` before ``12b``, ``A2`` before ``A10``); the text itself breaks ties so the
    order is total (``012`` and ``12``, ``a`` and ``A``)."""
    parts = tuple(int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(text))
    return parts, text


__all__ = ["camera_letter", "natural_key"]
