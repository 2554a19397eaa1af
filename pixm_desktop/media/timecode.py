"""Timecode and frame-rate arithmetic: exact rates, SMPTE labels, label ranges for overlap tests.

Rates are always exact fractions (``Fraction(24000, 1001)``, never 23.976, field notes §5). A timecode label
counts frames at the *nominal* rate (24 for 24000/1001); drop-frame labels (``;`` separator, 29.97/59.94)
skip label numbers 00 and 01 (02 and 03 at 59.94) each minute except every tenth.
"""

from __future__ import annotations

import re
from fractions import Fraction

_TC = re.compile(r"^(\d{1,2})[:;.](\d{2})[:;.](\d{2})([:;.,])(\d{2,3})$")
#: Decimal spellings of the NTSC rates that recorders and sidecars write.
_NTSC = {
    "23.976": Fraction(24000, 1001), "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001), "47.952": Fraction(48000, 1001), "47.95": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001), "119.88": Fraction(120000, 1001), "119.8": Fraction(120000, 1001),
}


def nominal(fps: Fraction) -> int:
    """Timecode counting base: 24 for 24000/1001, 30 for 30000/1001; at least 1."""
    return max(1, round(fps))


def parse_rate(text: str | None) -> Fraction | None:
    """An exact rate from the spellings found in sidecars and iXML: ``25/1``, ``24000/1001``, ``23.976``,
    ``23.98p``, ``29.97i``, ``023.976-ND``, ``25``. ``None`` when the text is empty or not a rate."""
    if not text:
        return None
    t = text.strip().lower()
    for suffix in ("-nd", "-df", "nd", "df"):
        if t.endswith(suffix):
            t = t[: -len(suffix)]
    t = t.rstrip("pi").strip()
    try:
        if "/" in t:
            num, den = t.split("/", 1)
            rate = Fraction(int(num), int(den))
        else:
            stripped = t.lstrip("0") or "0"
            if stripped.startswith("."):
                stripped = "0" + stripped
            if stripped in _NTSC:
                return _NTSC[stripped]
            value = Fraction(stripped)
            if value.denominator != 1:  # 23.976000 / 29.970 spelled with extra digits
                for key, exact in _NTSC.items():
                    if abs(value - Fraction(key)) < Fraction(1, 100):
                        return exact
            rate = value
    except (ValueError, ZeroDivisionError):
        return None
    return rate if rate > 0 else None


def is_drop_frame(tc: str) -> bool:
    """A ``;`` (or ``,``/``.``) before the frames field marks drop-frame timecode."""
    m = _TC.match(tc.strip())
    return bool(m and m.group(4) in ";,.")


def tc_to_frames(tc: str, fps: Fraction) -> int:
    """Label ``HH:MM:SS:FF`` (or ``HH:MM:SS;FF`` drop-frame) → frames since midnight. ``ValueError`` if malformed."""
    m = _TC.match(tc.strip())
    if m is None:
        raise ValueError(f"not a timecode: {tc!r}")
    hh, mm, ss, ff = (int(m.group(i)) for i in (1, 2, 3, 5))
    base = nominal(fps)
    if mm > 59 or ss > 59 or ff >= base:
        raise ValueError(f"timecode {tc!r} is out of range at {fps} fps")
    frames = ((hh * 60 + mm) * 60 + ss) * base + ff
    if m.group(4) in ";,." and _drop(fps):
        drop = 2 * base // 30
        minutes = hh * 60 + mm
        frames -= drop * (minutes - minutes // 10)
    return frames


def frames_to_tc(frames: int, fps: Fraction, *, drop_frame: bool = False) -> str:
    """Frames since midnight → label; wraps at 24 h. Drop-frame only for 30000/1001 and 60000/1001."""
    base = nominal(fps)
    if drop_frame and _drop(fps):
        drop = 2 * base // 30
        per_10min = base * 600 - drop * 9
        per_min = base * 60 - drop
        frames %= per_10min * 6 * 24
        tens, rem = divmod(frames, per_10min)
        if rem >= drop:
            frames += drop * 9 * tens + drop * ((rem - drop) // per_min)
        else:
            frames += drop * 9 * tens
        sep = ";"
    else:
        sep = ":"
    seconds, ff = divmod(frames, base)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh % 24:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


def _drop(fps: Fraction) -> bool:
    return fps.denominator == 1001 and nominal(fps) % 30 == 0


def label_span(start_frame: int, frames: int, fps: Fraction) -> tuple[Fraction, Fraction]:
    """``[start, end)`` of a clip in timecode-label seconds since midnight (frames / nominal rate).

    Two clips shot in sync (jam-synced timecode) overlap in label time even when one runs at 24000/1001 and
    the other at 24: both count the same labels.
    """
    base = nominal(fps)
    return Fraction(start_frame, base), Fraction(start_frame + max(frames, 0), base)


def overlap(a: tuple[Fraction, Fraction], b: tuple[Fraction, Fraction]) -> Fraction:
    """Length of the intersection of two ``[start, end)`` spans (0 when they do not meet)."""
    return max(Fraction(0), min(a[1], b[1]) - max(a[0], b[0]))


def fraction_of(value: object) -> Fraction | None:
    """A PyAV rate (``Fraction``, ``AVRational``-like, ``None``) as a positive ``Fraction``; ``None`` for
    missing, zero and ``0/0`` rates (MXF ProRes ``average_rate``)."""
    if value is None:
        return None
    num = getattr(value, "numerator", None)
    den = getattr(value, "denominator", None)
    if num is None or den is None:
        return None
    try:
        num, den = int(num), int(den)
    except (TypeError, ValueError):
        return None
    if num <= 0 or den <= 0:
        return None
    return Fraction(num, den)


__all__ = [
    "fraction_of",
    "frames_to_tc",
    "is_drop_frame",
    "label_span",
    "nominal",
    "overlap",
    "parse_rate",
    "tc_to_frames",
]
