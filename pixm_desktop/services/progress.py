"""Progress figures that agree: a card's figures derived from its destinations' (no Qt, no I/O).

A destination's work is copying the card's bytes to it and re-reading them (``2 × card bytes``). A card is
done when its slowest destination is done, so the card's fraction is the MINIMUM of its destinations'
fractions and its ETA the LARGEST of their ETAs (never 86 % while every destination is at 88–90 %, never an
ETA longer or shorter than the slowest destination's). Rates are smoothed by the caller
(:class:`pixm_desktop.core.rate.RateMeter`); these functions only combine them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DestinationFigures:
    """One destination's progress: ``fraction`` 0–1 of its copy + re-read work, ``rate`` bytes/s (smoothed),
    ``eta`` seconds (``None`` while unknown), files ``verified`` and ``failed``."""

    fraction: float
    rate: float = 0.0
    eta: float | None = None
    verified: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class CardFigures:
    """A card's progress from its destinations: ``fraction`` (min), ``eta`` (max; ``None`` while any
    destination's is unknown), ``rate`` bytes/s of the slowest destination, files ``verified`` on every
    destination (min) and ``failed`` on any (max)."""

    fraction: float
    rate: float
    eta: float | None
    verified: int
    failed: int


def destination_fraction(bytes_written: int, bytes_verified: int, total_bytes: int) -> float:
    """0–1 of one destination's work: bytes copied (written, or re-read when the writer reports less) plus
    bytes re-read, over ``2 × total_bytes``. An empty card is done (1.0)."""
    if total_bytes <= 0:
        return 1.0
    copied = min(total_bytes, max(bytes_written, bytes_verified))
    return min(1.0, (copied + min(total_bytes, bytes_verified)) / (2 * total_bytes))


def destination_eta(fraction: float, total_bytes: int, rate: float) -> float | None:
    """Seconds left for one destination at ``rate`` bytes/s of its work; 0 when done, ``None`` without a rate."""
    if fraction >= 1.0:
        return 0.0
    if rate <= 0:
        return None
    return max(0.0, (1.0 - fraction) * 2 * max(0, total_bytes) / rate)


def card_figures(destinations: Sequence[DestinationFigures]) -> CardFigures:
    """The card's figures from its destinations' (see the module's rule); a card without destinations is at 0."""
    if not destinations:
        return CardFigures(0.0, 0.0, None, 0, 0)
    slowest = min(destinations, key=lambda d: (d.fraction, d.rate))
    etas = [d.eta for d in destinations]
    eta = None if any(e is None for e in etas) else max(etas)  # type: ignore[type-var]
    return CardFigures(fraction=slowest.fraction, rate=slowest.rate, eta=eta,
                       verified=min(d.verified for d in destinations), failed=max(d.failed for d in destinations))


def files_text(verified: int, total: int, failed: int = 0) -> str:
    """The Files column: ``6 files`` before any file is verified (no ``0/6 ✓``), then ``4/6 ✓`` and
    ``, 1 failed``."""
    if total <= 0:
        return ""
    fails = f", {failed} failed" if failed else ""
    if verified <= 0:
        return f"{total} file{'s' if total != 1 else ''}{fails}"
    return f"{verified}/{total} ✓{fails}"


def average_rate(total_bytes: int, seconds: float) -> float:
    """The card's average speed after the end: its bytes over the job's wall time (bytes/s; 0 when unknown)."""
    return total_bytes / seconds if seconds > 0 and total_bytes > 0 else 0.0


__all__ = ["CardFigures", "DestinationFigures", "average_rate", "card_figures", "destination_eta",
           "destination_fraction", "files_text"]
