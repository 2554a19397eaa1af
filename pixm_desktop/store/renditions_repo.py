"""Queries of the ``renditions`` table (dailies renditions of clips, issue 13) and of the clips a dailies run
takes (by day, card label or names)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pixm_desktop.core.states import ClipFileRole, ClipKind
from pixm_desktop.store.models import Card, Clip, ClipFile, Rendition, ShootDay, utcnow


def clips_for(session: Session, *, day: dt.date | None = None, card_label: str | None = None,
              names: tuple[str, ...] = ()) -> list[Clip]:
    """The video and camera-raw clips of shoot day ``day``, of the cards labelled ``card_label``, or named
    ``names``, with their files loaded, in card then start order (sound clips are not rendered)."""
    q = (select(Clip).join(Card, Card.id == Clip.card_id)
         .where(Clip.kind.in_((ClipKind.VIDEO.value, ClipKind.RAW.value)))
         .options(selectinload(Clip.files).selectinload(ClipFile.file), selectinload(Clip.card))
         .order_by(Card.id, Clip.start_frame, Clip.name))
    if day is not None:
        q = q.where(Card.shoot_day_id.in_(select(ShootDay.id).where(ShootDay.day == day)))
    if card_label is not None:
        q = q.where(Card.label == card_label)
    if names:
        q = q.where(Clip.name.in_(names))
    return list(session.scalars(q))


def media_files(clip: Clip) -> list:
    """The clip's media and span segments (the files whose content is the clip), in order."""
    roles = (ClipFileRole.MEDIA.value, ClipFileRole.SEGMENT.value)
    return [cf.file for cf in clip.files if cf.role in roles]


def find(session: Session, clip_id: int, preset: str) -> Rendition | None:
    return session.scalar(select(Rendition).where(Rendition.clip_id == clip_id, Rendition.preset == preset))


def of_clips(session: Session, clip_ids: list[int]) -> list[Rendition]:
    return list(session.scalars(select(Rendition).where(Rendition.clip_id.in_(clip_ids)).order_by(Rendition.id)))


def record(session: Session, *, clip_id: int, preset: str, paths: list[str], xxh64: list[str], frames: int,
           inputs_key: str, job_id: int | None) -> Rendition:
    """Insert or replace the rendition of ``clip_id`` in ``preset`` (the caller commits)."""
    row = find(session, clip_id, preset) or Rendition(clip_id=clip_id, preset=preset)
    row.paths, row.xxh64 = json.dumps(paths), json.dumps(xxh64)
    row.frames, row.inputs_key, row.job_id, row.created_at = frames, inputs_key, job_id, utcnow()
    session.add(row)
    return row
