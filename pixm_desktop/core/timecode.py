"""Timecode and frame-rate arithmetic: exact rates, SMPTE ST 12-1 labels, editorial rate spellings, label
ranges for overlap tests.

Rates are always exact fractions (``Fraction(24000, 1001)``, never the float 23.976: a float drifts by a frame
every few minutes). A timecode label (SMPTE ST 12-1 ``HH:MM:SS:FF``) counts frames at the *nominal* rate (24
for 24000/1001, 30 for 30000/1001). Drop-frame labels (ST 12-1, ``;`` before the frames field) exist only for
the 1000/1001 rates whose nominal rate is a multiple of 30: at 29.97 the frame numbers 00 and 01 are skipped at
the start of every minute except minutes 00, 10, 20, 30, 40 and 50; at 59.94 the numbers 00 to 03. The labels
then stay within a few frames of the wall clock (an hour of 29.97 labels is 107,892 frames, not 108,000).
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
    """SMPTE ST 12-1 label ``HH:MM:SS:FF`` (or ``HH:MM:SS;FF`` drop-frame, which counts as drop-frame only at
    a rate that has it) → frames since midnight. ``ValueError`` if malformed or a field is out of range."""
    m = _TC.match(tc.strip())
    if m is None:
        raise ValueError(f"not a timecode: {tc!r}")
    hh, mm, ss, ff = (int(m.group(i)) for i in (1, 2, 3, 5))
    base = nominal(fps)
    if mm > 59 or ss > 59 or ff >= base:
        raise ValueError(f"timecode {tc!r} is out of range at {fps} fps")
    frames = ((hh * 60 + mm) * 60 + ss) * base + ff
    if m.group(4) in ";,." and has_drop_frame(fps):
        drop = 2 * base // 30
        minutes = hh * 60 + mm
        frames -= drop * (minutes - minutes // 10)
    return frames


def frames_to_tc(frames: int, fps: Fraction, *, drop_frame: bool = False, wrap: bool = True) -> str:
    """Frames since midnight (or a duration in frames) → SMPTE ST 12-1 label ``HH:MM:SS:FF``.

    ``drop_frame`` gives the ``HH:MM:SS;FF`` drop-frame label, only for rates that have one (30000/1001,
    60000/1001, …; other rates ignore it). ``wrap`` (default) wraps at 24 h like a timecode clock; without it
    the hours keep counting (a day's total duration can pass 24 h). ``frames`` is rounded down to an int.
    """
    frames = int(frames)
    base = nominal(fps)
    if drop_frame and has_drop_frame(fps):
        drop = 2 * base // 30
        per_10min = base * 600 - drop * 9
        per_min = base * 60 - drop
        if wrap:
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
    return f"{hh % 24 if wrap else hh:02d}:{mm:02d}:{ss:02d}{sep}{ff:02d}"


def has_drop_frame(fps: Fraction) -> bool:
    """Whether the rate has SMPTE ST 12-1 drop-frame labels: a 1000/1001 rate counted in a multiple of 30
    (29.97, 59.94, 119.88); 23.976 and 47.952 have none."""
    return fps.denominator == 1001 and nominal(fps) % 30 == 0


def fps_label(fps: Fraction | None) -> str:
    """Editorial spelling of a rate (ALE ``FPS``, reports): ``23.976``, ``29.97``, ``25``, ``59.94``; ``""`` when
    unknown. Three decimals at most, trailing zeros dropped."""
    if fps is None:
        return ""
    if fps.denominator == 1:
        return str(fps.numerator)
    return f"{float(fps):.3f}".rstrip("0").rstrip(".")


def fps_ratio(fps: Fraction | None) -> str | None:
    """Exact spelling of a rate for data output (lists, JSON): ``24000/1001``, ``25/1``; ``None`` when unknown."""
    return None if fps is None else f"{fps.numerator}/{fps.denominator}"


def end_and_duration(start_tc: str | None, frames: int | None, fps: Fraction | None
                     ) -> tuple[str | None, str | None]:
    """``(end, duration)`` labels of a clip starting at ``start_tc`` and lasting ``frames`` at ``fps``; the end
    is exclusive (start + duration, as Avid ALE ``End`` expects). Non-drop labels count on past midnight
    (``24:00:03:04``) so that start + duration = end holds for every reader; drop-frame labels (a ``;`` start,
    at a rate that has drop-frame) wrap. ``(None, None)`` when a value is missing or the start is malformed."""
    if not start_tc or frames is None or fps is None:
        return None, None
    try:
        start = tc_to_frames(start_tc, fps)
    except ValueError:
        return None, None
    if is_drop_frame(start_tc):
        return frames_to_tc(start + frames, fps, drop_frame=True), frames_to_tc(frames, fps, drop_frame=True)
    return frames_to_tc(start + frames, fps, wrap=False), frames_to_tc(frames, fps, wrap=False)


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
    "end_and_duration",
    "fps_label",
    "fps_ratio",
    "fraction_of",
    "frames_to_tc",
    "has_drop_frame",
    "is_drop_frame",
    "label_span",
    "nominal",
    "overlap",
    "parse_rate",
    "tc_to_frames",
]
