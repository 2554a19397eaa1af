"""Browsing the catalogued clips: pages of :class:`ClipRow` for the browser and the CLI, totals, the filter
choices, a clip found by name, everything about one clip. Read-only; the queries are ``store.clips_repo``'s."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.naming import natural_key
from pixm_desktop.core.timecode import fps_ratio, frames_to_tc
from pixm_desktop.core.timeutil import iso_utc
from pixm_desktop.store import clips_repo
from pixm_desktop.store.clips_repo import ClipFilter
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Clip


@dataclass(slots=True)
class ClipRow:
    """One clip as lists show it. ``fps`` is ``"24000/1001"``; ``thumbnails`` are file paths (first, middle,
    last) that exist when the row is read; ``day`` is ISO ``YYYY-MM-DD``."""

    id: int
    card_id: int
    card_label: str
    card_camera: str
    day: str | None
    name: str
    kind: str
    tape_name: str | None
    reel: str | None
    codec: str | None
    width: int | None
    height: int | None
    fps: str | None
    fps_num: int | None
    fps_den: int | None
    frames: int | None
    start_tc: str | None
    start_frame: int | None
    end_tc: str | None
    audio_channels: int | None
    camera_model: str | None
    camera_serial: str | None
    scene: str | None
    take: str | None
    camera: str | None
    notes: str | None
    circled: bool
    rating: int
    flagged: bool
    logged_from: str | None
    probe_status: str
    probe_error: str | None
    thumbnail_status: str
    thumbnails: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def clip_row(c, thumbs: Iterable[str]) -> ClipRow:
    """A ClipRow from a ``clips`` row (ORM object or plain row) with ``card_label``, ``card_camera``, ``day``."""
    fps = Fraction(c.fps_num, c.fps_den) if c.fps_num and c.fps_den else None
    end_tc = None
    if fps is not None and c.start_frame is not None and c.frames:
        end_tc = frames_to_tc(c.start_frame + c.frames, fps, drop_frame=c.drop_frame)  # exclusive, as ALE End
    day = c.day
    return ClipRow(
        id=c.id, card_id=c.card_id, card_label=c.card_label, card_camera=c.card_camera,
        day=day.isoformat() if day else None, name=c.name, kind=c.kind, tape_name=c.tape_name, reel=c.reel,
        codec=c.codec, width=c.width, height=c.height, fps=fps_ratio(fps), fps_num=c.fps_num, fps_den=c.fps_den,
        frames=c.frames, start_tc=c.start_tc, start_frame=c.start_frame, end_tc=end_tc,
        audio_channels=c.audio_channels, camera_model=c.camera_model, camera_serial=c.camera_serial,
        scene=c.scene, take=c.take, camera=c.camera, notes=c.notes, circled=bool(c.circled),
        rating=c.rating or 0, flagged=bool(c.flagged), logged_from=c.logged_from, probe_status=c.probe_status,
        probe_error=c.probe_error, thumbnail_status=c.thumbnail_status, thumbnails=list(thumbs))


def list_clips(catalog: Catalog, filters: ClipFilter | None = None) -> list[ClipRow]:
    """One page of clips matching ``filters`` (``offset``/``limit`` for lazy loading), with thumbnail paths.
    Raises :class:`UsageError` for an unknown sort column."""
    f = filters or ClipFilter()
    with catalog.session() as s:
        try:
            rows = clips_repo.query_clips(s, f)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        thumbs = clips_repo.thumbnail_paths_for(s, [r.id for r in rows])
        return [clip_row(r, thumbs.get(r.id, ())) for r in rows]


def count_clips(catalog: Catalog, filters: ClipFilter | None = None) -> int:
    """How many clips match ``filters`` (all pages)."""
    with catalog.session() as s:
        return clips_repo.count_clips(s, filters or ClipFilter())


@dataclass(slots=True)
class ClipFacets:
    """Distinct values the clip filters can take, each sorted: ``days`` ISO ``YYYY-MM-DD``; ``cameras``
    letters; ``reels``; ``scenes`` and ``takes`` in natural order (``2`` before ``10``, ``12`` before ``12A``)."""

    days: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    reels: list[str] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)
    takes: list[str] = field(default_factory=list)


def clip_facets(catalog: Catalog) -> ClipFacets:
    """The distinct shoot days, camera letters, reels, scenes and takes of all clips (five small indexed
    ``SELECT DISTINCT`` queries: a few ms for 10,000 clips)."""
    with catalog.session() as s:
        v = clips_repo.facet_values(s)
    return ClipFacets(days=sorted(d.isoformat() for d in v["days"]), cameras=sorted(v["cameras"]),
                      reels=sorted(v["reels"]), scenes=sorted(v["scenes"], key=natural_key),
                      takes=sorted(v["takes"], key=natural_key))


def find_clips(catalog: Catalog, name: str, card_label: str | None = None) -> list[ClipRow]:
    """Clips called ``name`` (exact clip name, else exact tape name), optionally on the card ``card_label``."""
    with catalog.session() as s:
        ids = [c.id for c, _label in clips_repo.find_by_name(s, name, card_label)]
    return list_clips(catalog, ClipFilter(ids=ids, order="id")) if ids else []


def clip_detail(catalog: Catalog, clip_id: int) -> dict:
    """Everything about one clip as plain data: the list row fields, plus ``files`` (``path``, ``role``,
    ``position``, ``size``), ``thumbnails`` (``path``, ``position``, ``frame``, ``width``, ``height``),
    ``metadata`` (sidecar/tag extras, warnings, the sound slate for audio), ``probe_source``, ``lens``,
    ``camera_make``, ``recorded_at``, ``sample_rate``. Raises :class:`UsageError` for an unknown clip."""
    with catalog.session() as s:
        clip = s.get(Clip, clip_id)
        if clip is None:
            raise UsageError(f"no clip with id {clip_id} in the catalog")
        card = clip.card
        thumbs = list(clip.thumbnails)
        (row,) = clips_repo.query_clips(s, ClipFilter(ids=[clip_id]))
        out = clip_row(row, [t.path for t in thumbs]).as_dict()
        out.update({
            "key": clip.key, "codec_profile": clip.codec_profile, "drop_frame": clip.drop_frame,
            "sample_rate": clip.sample_rate, "camera_make": clip.camera_make, "lens": clip.lens,
            "recorded_at": clip.recorded_at, "probe_source": clip.probe_source,
            "probed_at": iso_utc(clip.probed_at),
            "thumbnail_error": clip.thumbnail_error,
            "logged_at": iso_utc(clip.logged_at),
            "project": card.shoot_day.project.name if card.shoot_day else None,
            "metadata": json.loads(clip.metadata_json or "{}"),
            "files": [{"path": f.relpath, "role": link.role, "position": link.position, "size": f.size}
                      for link, f in clips_repo.clip_files(s, clip.id)],
            "thumbnail_files": [{"path": t.path, "position": t.position, "frame": t.frame, "width": t.width,
                                 "height": t.height} for t in thumbs],
        })
        return out


__all__ = ["ClipFacets", "ClipFilter", "ClipRow", "clip_detail", "clip_facets", "clip_row", "count_clips",
           "find_clips", "list_clips"]
