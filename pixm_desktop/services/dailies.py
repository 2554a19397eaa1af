"""What the window's Dailies page asks of the dailies (issue 13), none of it on the GUI thread: the presets, the
OpenColorIO choices, the scopes (shoot days, cards), the clips a render would take, a preview frame of one clip
through the look and burn-ins (the render code on one frame, nothing written), and the per-clip state of a
running job's progress. The render itself is the ``dailies`` job kind (:mod:`services.jobs.dailies`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import DailiesJobOptions
from pixm_desktop.media.renditions import burnin, colour, presets
from pixm_desktop.media.renditions.render import preview_frame
from pixm_desktop.services.jobs import dailies as job
from pixm_desktop.services.settings import Catalog
from pixm_desktop.store import renditions_repo
from pixm_desktop.store.models import Clip

BURN_IN_FIELDS = burnin.FIELDS
ANCHORS = ("top-left", "top-center", "top-right", "center", "bottom-left", "bottom-center", "bottom-right")
DEFAULT_POSITIONS = burnin.DEFAULT_POSITIONS
DEFAULT_CONFIG = colour.DEFAULT_CONFIG


@dataclass(frozen=True)
class PresetInfo:
    """A preset as the page lists it: name, description, frame size (pixels), burn-in style."""

    name: str
    description: str
    width: int
    height: int
    burn_in: dict


@dataclass(frozen=True)
class ClipItem:
    """A clip a render would take: catalog id, name, card label, frames (0: unknown)."""

    id: int
    name: str
    card: str
    frames: int


@dataclass(frozen=True)
class Preview:
    """One rendered frame: ``rgb`` H×W×3 uint8 (the preset's frame size), its 0-based index and timecode."""

    clip: str
    rgb: np.ndarray
    index: int
    tc: str


def preset_list() -> list[PresetInfo]:
    """Every preset (shipped and the user's), by name. Raises :class:`UsageError` for an invalid file."""
    return [PresetInfo(p.name, p.description, p.video["width"], p.video["height"], p.burn_in)
            for p in presets.all_presets().values()]


def ocio_configs() -> list[str]:
    """The built-in OpenColorIO configs (``ocio://…``), the ACES ``-latest`` ones first."""
    return colour.builtin_configs()


def ocio_choices(config: str) -> tuple[list[str], list[str]]:
    """``(colour spaces, looks and views)`` of ``config`` (``ocio://`` or a ``.ocio`` path). Raises
    :class:`UsageError` (unknown or unreadable config)."""
    c = colour.load_config(config or DEFAULT_CONFIG)
    return colour.colour_spaces(c), colour.look_choices(c)


def scopes(catalog: Catalog) -> tuple[list[str], list[str]]:
    """``(shoot days ISO, newest first; card labels)`` that have video clips."""
    with catalog.session() as s:
        rows = renditions_repo.clips_for(s)
        days = sorted({c.card.shoot_day.day.isoformat() for c in rows if c.card.shoot_day}, reverse=True)
        cards = list(dict.fromkeys(c.card.label for c in rows))
    return days, cards


def clips_in_scope(catalog: Catalog, options: DailiesJobOptions) -> list[ClipItem]:
    """The clips a render with ``options`` takes, in its order. Raises :class:`UsageError` (no scope)."""
    with catalog.session() as s:
        return [ClipItem(c.id, c.name, c.card.label, c.frames or 0)
                for c in renditions_repo.clips_for(s, **job.clip_scope(options))]


def preview(catalog: Catalog, clip_id: int, options: DailiesJobOptions, at: float = 0.5) -> Preview:
    """Clip ``clip_id``'s frame at ``at`` (0–1 of its length) through ``options``' preset geometry, CDL, LUT or
    OpenColorIO look and burn-ins, as the rendition would have it. Raises :class:`UsageError` (the options'
    errors, as a render would raise them; no readable copy of the clip) and PyAV's errors."""
    preset = presets.with_burn_in(presets.get_preset(options.preset), job.burn_in_layout(options))
    fields = burnin.parse_fields(options.burn_in)
    if job.uses_ocio(options) and options.lut:
        raise UsageError("a .cube LUT and an OpenColorIO look are alternatives: give one")
    with catalog.session() as s:
        clip = s.get(Clip, clip_id)
        if clip is None:
            raise UsageError(f"no clip {clip_id} in the catalog")
        pipeline = job.clip_pipelines([clip], options, preset).get(clip.id)
        request = job.clip_request(clip, preset, options, fields, Path(options.folder or "."), pipeline)
        name = clip.name
    if not request.source.name:
        raise UsageError(f"no readable copy of {name}: mount a verified destination or the card")
    rgb, index, tc = preview_frame(request, at)
    return Preview(name, rgb, index, tc)


def clip_state(item: ClipItem, progress: job.DailiesProgress | None) -> tuple[str, float]:
    """``(state text, fraction 0–1)`` of ``item`` in a running job: ``pending``, ``rendering``, ``done``,
    ``current already``, ``failed: why`` or ``needs decoder: why`` (a camera-raw clip without its tool)."""
    if progress is None:
        return "pending", 0.0
    end = progress.clip_ends.get(item.id)
    if end is not None:
        return ended(end)
    frames = progress.clip_frames.get(item.id)
    if frames is None:
        return "pending", 0.0
    return "rendering", min(1.0, frames / item.frames) if item.frames else 0.0


def ended(end: str) -> tuple[str, float]:
    """The state of a clip whose render ended ``end`` (``"done"``, ``"current"``, ``"failed: why"``; see
    :func:`clip_state`)."""
    if end == "done":
        return "done", 1.0
    if end == "current":
        return "current already", 1.0
    why = end.removeprefix("failed: ")
    return ("needs decoder: " if "needs " in why.lower() else "failed: ") + why, 0.0
