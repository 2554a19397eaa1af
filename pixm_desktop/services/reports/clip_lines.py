"""The clips of a report as :class:`~pixm_desktop.reports.model.ClipLine`: the browser's rows (``services.clips``)
with their end and duration labels, media file, sample rate and sound roll."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import ClipKind, LoggedFrom, SlateSource
from pixm_desktop.core.timecode import end_and_duration
from pixm_desktop.media.sound_sync import clip_sound_roll, sound_roll
from pixm_desktop.reports.model import ClipLine
from pixm_desktop.services import clips as clip_service
from pixm_desktop.services.clips import ClipFilter, ClipRow
from pixm_desktop.services.reports.common import resolve_day
from pixm_desktop.store import clips_repo, reports_repo
from pixm_desktop.store.db import Catalog


def _pick_thumbnail(paths: Sequence[str]) -> Path | None:
    """The middle frame (first/middle/last are cached): the first is often a slate or black."""
    order = [paths[1], paths[0], *paths[2:]] if len(paths) >= 2 else list(paths)
    return next((Path(p) for p in order if p and os.path.exists(p)), None)


def _clip_line(r: ClipRow, media: dict[int, str], sound_rolls: dict[str, str]) -> ClipLine:
    fps = Fraction(r.fps_num, r.fps_den) if r.fps_num and r.fps_den else None
    end_tc, duration_tc = end_and_duration(r.start_tc, r.frames, fps)
    logged = LoggedFrom.parse(r.logged_from)
    sound_roll = clip_sound_roll(is_sound=r.kind == ClipKind.AUDIO, tape=r.tape_name, reel=r.reel,
                                 slated_from=logged.file if logged and logged.source is SlateSource.SOUND else None,
                                 day_rolls=sound_rolls)
    return ClipLine(
        id=r.id, card_id=r.card_id, name=r.name, card_label=r.card_label, kind=r.kind, camera=r.camera,
        camera_kind=r.card_camera, reel=r.reel, tape=r.tape_name, day=dt.date.fromisoformat(r.day) if r.day else None,
        start_tc=r.start_tc, end_tc=end_tc, duration_tc=duration_tc, frames=r.frames,
        fps=fps, codec=r.codec, width=r.width, height=r.height, audio_channels=r.audio_channels,
        camera_model=r.camera_model, scene=r.scene, take=r.take, circled=r.circled, notes=r.notes,
        rating=r.rating, flagged=r.flagged, logged_from=r.logged_from, source_file=media.get(r.id),
        sound_roll=sound_roll, thumbnail=_pick_thumbnail(r.thumbnails), probe_status=r.probe_status,
        probe_error=r.probe_error, thumbnail_status=r.thumbnail_status)


def lines_for_cards(catalog: Catalog, card_ids: Sequence[int], shoot_day_id: int | None) -> list[ClipLine]:
    rows: list[ClipRow] = []
    for cid in card_ids:
        rows += clip_service.list_clips(catalog, ClipFilter(card_id=cid))
    with catalog.session() as s:
        media = clips_repo.media_names(s, [r.id for r in rows])
        rates = clips_repo.sample_rates(s, [r.id for r in rows if r.kind == ClipKind.AUDIO])
        takes = clips_repo.day_sound_takes(s, shoot_day_id) if shoot_day_id is not None else []
    sound_rolls = {name: sound_roll(tape, reel, label) for name, tape, reel, label in takes}
    lines = [_clip_line(r, media, sound_rolls) for r in rows]
    for line in lines:
        line.sample_rate = rates.get(line.id)
    return lines


def report_clips(catalog: Catalog, day: dt.date, *, project: str | None = None, card_label: str | None = None,
                 include_sound: bool = True) -> list[ClipLine]:
    """The clips of a shoot day (optionally of one card), in day → card → timecode order."""
    with catalog.session() as s:
        sd = resolve_day(s, day, project)
        cards = sorted((c.id, c.label) for c in reports_repo.day_cards(s, sd.id))
        sd_id = sd.id
    if card_label is not None:
        cards = [(i, label) for i, label in cards if label == card_label]
        if not cards:
            raise UsageError(f"no card labelled {card_label!r} on {day.isoformat()}")
    lines = lines_for_cards(catalog, [i for i, _label in cards], sd_id)
    return [c for c in lines if include_sound or c.kind != ClipKind.AUDIO]


__all__ = ["lines_for_cards", "report_clips"]
