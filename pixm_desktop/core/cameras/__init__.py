"""What PIXM knows about each camera family, in one place: one plain module per family, registered by camera
(the adapter pattern of OpenTimelineIO: a module describes a format, the registry finds it).

Each module (``arri``, ``red``, ``sony``, ``canon``, ``blackmagic``, ``gopro``, ``sound``) holds its family's
card layout rule, its clip-name rule (reel and EDL tape name), how its files make up a clip (segments,
proxies, sidecars) and the name formats of its files, as data and small pure functions, and registers a
:class:`CameraProfile`. ``engine.cards`` recognises a card through :func:`recognise_layout`; ``media.probe`` reads names through
:func:`names_from_clip_name`; ``media.grouping`` uses the families' grouping rules; ``samples`` writes cards
with the families' name formats. The facts are in ``docs/cards.md``.

A new family is a new module here that calls :func:`register`; nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pixm_desktop.core.model import Camera


@dataclass(frozen=True, slots=True)
class CardLayout:
    """A card's listing as the layout rules read it: the card folder's name (``label``), its file paths
    (card-relative, ``/``-separated, as text), every path component (``parts``) and those upper-cased."""

    label: str
    names: tuple[str, ...]
    parts: frozenset[str]
    upper: frozenset[str]

    @classmethod
    def of(cls, label: str, files: list[str], dirs: list[str]) -> CardLayout:
        parts = frozenset(p for rel in files + dirs for p in rel.split("/"))
        return cls(label, tuple(files), parts, frozenset(p.upper() for p in parts))


@dataclass(frozen=True, slots=True)
class NameRule:
    """A clip-name pattern: ``pattern`` matched at the start of a clip name (no extension); ``names`` turns
    the match into ``(reel, tape name)``. ``prefix`` rules only look at the start of the name and are tried after
    the exact ones (a Sony prefix also fits an ARRI name, whose tape name differs)."""

    pattern: re.Pattern[str]
    names: Callable[[re.Match[str]], tuple[str, str]]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class CameraProfile:
    """One camera family.

    ``reel_of(layout)`` is the layout rule: the reel (``A001``) when the card is this family's, else ``None``.
    ``name_rules`` read the reel and tape name from a clip name (none for families whose names carry no reel).
    """

    camera: Camera
    reel_of: Callable[[CardLayout], str | None]
    name_rules: tuple[NameRule, ...] = ()


_REGISTRY: dict[Camera, CameraProfile] = {}
_LABEL_REEL = re.compile(r"^([A-Z])_?(\d{3})")


def register(profile: CameraProfile) -> CameraProfile:
    """Add a family; families are tried in the order they were registered. Raises ``ValueError`` for a camera
    registered twice."""
    if profile.camera in _REGISTRY:
        raise ValueError(f"camera {profile.camera} is registered twice")
    _REGISTRY[profile.camera] = profile
    return profile


def profiles() -> tuple[CameraProfile, ...]:
    """Every registered family, in the order their layouts are tried."""
    return tuple(_REGISTRY.values())


def profile(camera: Camera) -> CameraProfile:
    """The family of ``camera``; ``KeyError`` for ``Camera.UNKNOWN`` or a camera nobody registered."""
    return _REGISTRY[camera]


def reel_from_label(label: str) -> str:
    """The reel a card folder's name starts with (``A001``, ``A_001…``), else its first 8 characters."""
    m = _LABEL_REEL.match(label)
    return f"{m.group(1)}{m.group(2)}" if m else label[:8]


def recognise_layout(layout: CardLayout) -> tuple[Camera, str]:
    """``(camera, reel)`` of the first family whose layout rule accepts the card; ``Camera.UNKNOWN`` and the
    reel of the card's folder name when none does."""
    for p in profiles():
        reel = p.reel_of(layout)
        if reel is not None:
            return p.camera, reel
    return Camera.UNKNOWN, reel_from_label(layout.label)


def names_from_clip_name(name: str) -> tuple[str | None, str]:
    """``(reel, tape_name)`` a clip name implies (``docs/cards.md`` §Clip names): ARRI
    ``A004C010_100610_R1JL`` → ``(A004, A004R1JL)``; RED ``A001_C001_1123K7`` / BRAW ``A001_11231000_C001`` /
    Sony ``A001C003_180312R8`` / Canon ``A_0001C001…`` → ``(A001, A001C001)``; anything else →
    ``(None, first 8 letters and digits)``."""
    rules = [r for p in profiles() for r in p.name_rules]
    for rule in sorted(rules, key=lambda r: r.prefix):  # stable: exact rules first, in registration order
        if m := rule.pattern.match(name):
            return rule.names(m)
    return None, re.sub(r"[^0-9A-Za-z]", "", name)[:8].upper() or name[:8]


def camera_letter(reel: str | None) -> str | None:
    """The camera letter a reel name starts with: ``A`` of ``A001``, ``B`` of ``B012C003``; ``None`` when the
    reel does not start with an upper-case letter and a digit (``a001``, ``AB01``, ``SOUND``). The clips
    (ingest) and the daily report (camera groups) use this one rule, so a report groups as the clips read."""
    if reel and len(reel) >= 2 and reel[0].isalpha() and reel[0].isupper() and reel[1:4].isdigit():
        return reel[0]
    return None


def reel_and_clip(m: re.Match[str]) -> tuple[str, str]:
    """``(A001, A001C003)`` from a match with groups ``cam``, ``reel`` (3 or 4 digits) and ``clip``."""
    reel = f"{m['cam']}{int(m['reel']):03d}".upper()
    return reel, f"{reel}C{m['clip']}"


# The built-in families, registered in the order their layouts are tried: the most specific marks first
# (R3D files, XDROOT, CONTENTS/CLIPS), ARRI's names before BRAW, GoPro's DCIM, sound last (any WAV card).
from pixm_desktop.core.cameras import arri, blackmagic, canon, gopro, red, sony, sound  # noqa: E402

for _module in (red, sony, canon, arri, blackmagic, gopro, sound):
    register(_module.PROFILE)

__all__ = [
    "CameraProfile",
    "CardLayout",
    "NameRule",
    "camera_letter",
    "names_from_clip_name",
    "profile",
    "profiles",
    "recognise_layout",
    "reel_and_clip",
    "reel_from_label",
    "register",
]
