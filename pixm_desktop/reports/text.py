"""Words and numbers as reports print them: sizes, durations, rates, times, safe text."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from fractions import Fraction

from pixm_desktop.core.timeutil import aware_utc

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_AFTER_SEPARATOR = re.compile(r"(?<=[_\-.])")


def clean(text: object) -> str:
    """Printable text: NFC (an NFD ``é`` prints as one glyph), no control characters, no lone surrogates
    (undecodable name bytes become U+FFFD). ``None`` → ``""``."""
    if text is None:
        return ""
    s = str(text)
    s = s.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if _has_surrogates(s) else s
    s = unicodedata.normalize("NFC", s)
    return _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def _has_surrogates(s: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in s)


def one_line(text: object) -> str:
    """One line of text for a tab-separated cell (ALE): line breaks and tabs become spaces, runs of white space
    one space, control characters go. Not normalised: a file name stays spelled as on disk (Avid relinks
    by it)."""
    if text is None:
        return ""
    return " ".join(_CONTROL.sub("", str(text)).split())


def size(n: int | None) -> str:
    """Decimal units as drives are sold: ``1.23 GB``, ``512 kB``, ``0 B``."""
    if n is None:
        return "—"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.2f} {unit}"
        value /= 1000
    return f"{n} B"  # pragma: no cover


def exact_bytes(n: int) -> str:
    """``12 345 678 bytes`` (thin groups, never rounded)."""
    return f"{n:,}".replace(",", "\u202f") + " bytes"


def hms(seconds: float | Fraction | None) -> str:
    """``1:02:03`` (hours not padded); ``—`` when unknown. Rounded down to whole seconds."""
    if seconds is None:
        return "—"
    total = int(seconds)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}"


def duration_words(seconds: float | None) -> str:
    """``2 min 05 s``, ``1 h 02 min``, ``0.4 s``."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    total = int(round(seconds))
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h} h {m:02d} min {s:02d} s"
    if m:
        return f"{m} min {s:02d} s"
    return f"{s} s"


def speed(bytes_per_second: float | None) -> str:
    return "—" if bytes_per_second is None else f"{bytes_per_second / 1e6:,.0f} MB/s".replace(",", "\u202f")


def when(value: dt.datetime | None, *, seconds: bool = True) -> str:
    """A timestamp in the cart's local time with its UTC offset: ``2026-11-23 18:15:02 +01:00``."""
    if value is None:
        return "—"
    local = aware_utc(value).astimezone()
    fmt = "%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M"
    offset = local.strftime("%z")
    return f"{local.strftime(fmt)} {offset[:3]}:{offset[3:]}" if offset else local.strftime(fmt)


def clock(value: dt.datetime | None) -> str:
    """Local time of day, ``18:15``."""
    if value is None:
        return "—"
    return aware_utc(value).astimezone().strftime("%H:%M")


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


__all__ = [
    "clean",
    "clock",
    "duration_words",
    "exact_bytes",
    "hms",
    "one_line",
    "plural",
    "size",
    "speed",
    "stars",
    "when",
    "wrap_at_separators",
]


def verdict_title(safe: bool, verdict=None) -> str:
    """The printed title of a card verdict (``core.verdict.CardVerdict``): every state but safe starts with
    NOT SAFE TO FORMAT, so a black-and-white page cannot be misread."""
    state = getattr(getattr(verdict, "state", None), "value", None)
    if verdict is None:
        return "SAFE TO FORMAT" if safe else "NOT SAFE TO FORMAT"
    return {"safe": "SAFE TO FORMAT", "failed": "NOT SAFE TO FORMAT — FAILED",
            "copying": "NOT SAFE TO FORMAT — STILL COPYING"}.get(state, "NOT SAFE TO FORMAT")


def wrap_at_separators(name: str, fits: Callable[[str], bool]) -> str:
    """``name`` with line breaks (``\n``) after its separators (``_`` ``-`` ``.``) so that each line ``fits``:
    clip names wrap between their parts (``A001C005_`` / ``231123_R1AB.mov``), never mid-word. A part longer
    than a line stays whole (the table splits it as a last resort)."""
    lines: list[str] = []
    cur = ""
    for part in filter(None, _AFTER_SEPARATOR.split(name)):
        if cur and not fits(cur + part):
            lines.append(cur)
            cur = part
        else:
            cur += part
    return "\n".join([*lines, cur])


def stars(rating: int) -> str:
    """A 0–5 rating as stars, ``""`` for 0 (no rating)."""
    return "★" * max(0, min(5, int(rating or 0)))
