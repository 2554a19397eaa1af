"""Where things are: the card files a name stands for (a clip, a card, a file) and every destination card
folder holding copies of them, with the copies' states and verification dates (``pixm where``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixm_desktop.core.model import CopyState
from pixm_desktop.store.models import Card, Clip, ClipFile, Copy, Destination, File, ShootDay

#: At most this many clips, cards or files are answered for one name (a name like "A001" matches more).
LIMIT = 50


@dataclass(frozen=True, slots=True)
class Target:
    """What a name matched: ``kind`` clip | card | file, its name, the card it is on, the shoot day, and the
    ids of the card files it stands for (a clip: its media, segments and sidecars; a card: every file)."""

    kind: str
    name: str
    card_id: int
    card_label: str
    day: dt.date | None
    file_ids: tuple[int, ...]
    total_bytes: int


@dataclass(frozen=True, slots=True)
class Holding:
    """One destination card folder holding copies of a target's files: files verified and failed there,
    the oldest and newest verification among the verified ones (UTC), and the folder's drive fields."""

    destination_id: int
    path: str
    path_raw: bytes
    drive_id: str
    volume_label: str
    mount_point: str
    verified: int
    failed: int
    oldest_verified: dt.datetime | None
    newest_verified: dt.datetime | None


def targets(session: Session, name: str) -> list[Target]:
    """Clips named ``name`` (case-insensitive), else cards labelled so, else files whose name (last path
    component) is ``name``; at most :data:`LIMIT`. Empty when nothing matches."""
    for find in (_clips, _cards, _files):
        found = find(session, name)
        if found:
            return found
    return []


def _clips(session: Session, name: str) -> list[Target]:
    rows = session.execute(
        select(Clip.id, Clip.name, Card.id, Card.label, ShootDay.day)
        .join(Card, Card.id == Clip.card_id).outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)
        .where(func.lower(Clip.name) == name.lower()).order_by(Card.label, Clip.name).limit(LIMIT)).all()
    out = []
    for clip_id, clip_name, card_id, label, day in rows:
        files = session.execute(select(File.id, File.size).join(ClipFile, ClipFile.file_id == File.id)
                                .where(ClipFile.clip_id == clip_id, File.problem.is_(None))).all()
        out.append(Target("clip", clip_name, card_id, label, day, tuple(f for f, _ in files),
                          sum(s for _, s in files)))
    return out


def _cards(session: Session, name: str) -> list[Target]:
    rows = session.execute(select(Card.id, Card.label, ShootDay.day).outerjoin(
        ShootDay, ShootDay.id == Card.shoot_day_id).where(func.lower(Card.label) == name.lower())
        .order_by(Card.id).limit(LIMIT)).all()
    out = []
    for card_id, label, day in rows:
        files = session.execute(select(File.id, File.size).where(File.card_id == card_id,
                                                                 File.problem.is_(None))).all()
        out.append(Target("card", label, card_id, label, day, tuple(f for f, _ in files), sum(s for _, s in files)))
    return out


def _files(session: Session, name: str) -> list[Target]:
    lowered = name.lower()
    rows = session.execute(
        select(File.id, File.relpath, File.size, Card.id, Card.label, ShootDay.day)
        .join(Card, Card.id == File.card_id).outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)
        .where(File.problem.is_(None),
               (func.lower(File.relpath) == lowered) | (func.lower(File.relpath).like(f"%/{_escape(lowered)}",
                                                                                      escape="\\")))
        .order_by(Card.label, File.relpath).limit(LIMIT)).all()
    return [Target("file", relpath, card_id, label, day, (fid,), size)
            for fid, relpath, size, card_id, label, day in rows]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def holdings(session: Session, file_ids: Sequence[int]) -> list[Holding]:
    """Every destination card folder holding a copy row of any of ``file_ids``, by destination id."""
    if not file_ids:
        return []
    verified = func.sum(func.iif(Copy.state == CopyState.VERIFIED.value, 1, 0))
    failed = func.sum(func.iif(Copy.state == CopyState.FAILED.value, 1, 0))
    when = func.iif(Copy.state == CopyState.VERIFIED.value, Copy.verified_at, None)
    rows = session.execute(
        select(Destination.id, Destination.path, Destination.path_raw, Destination.drive_id,
               Destination.volume_label, Destination.mount_point, verified, failed, func.min(when), func.max(when))
        .join(Copy, Copy.destination_id == Destination.id).where(Copy.file_id.in_(list(file_ids)))
        .group_by(Destination.id).order_by(Destination.id)).all()
    return [Holding(d, path, raw, drive, vol, mount, int(v or 0), int(f or 0), _utc(lo), _utc(hi))
            for d, path, raw, drive, vol, mount, v, f, lo, hi in rows]


def _utc(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # an aggregate over a DateTime column comes back as SQLite's text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


__all__ = ["LIMIT", "Holding", "Target", "holdings", "targets"]
