"""Catalog queries of the drive registry (``services.drives``): drives and their events, which destination
card folders are on a drive, the files on a drive with their verified copies elsewhere, bytes per shoot day.

Functions take an open ``Session`` and never commit. Paths are compared as the catalog keeps them (resolved,
``path_raw`` bytes).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixm_desktop.core.model import CopyState
from pixm_desktop.store.models import (
    Card,
    Copy,
    Destination,
    Drive,
    DriveDestination,
    DriveEvent,
    File,
    ShootDay,
)

__all__ = ["add_event", "bytes_per_day", "destinations", "drive_by_fs_uuid", "drive_by_label", "drive_labels", "drives",
           "files_on", "link", "linked_ids", "recorded_bytes", "retired_destination_ids", "under",
           "verified_elsewhere"]


def drive_by_label(session: Session, label: str) -> Drive | None:
    """The drive labelled ``label`` (case-insensitive: "shuttle-07" finds "SHUTTLE-07"), or ``None``."""
    return session.scalar(select(Drive).where(func.upper(Drive.label) == label.strip().upper()))


def drive_by_fs_uuid(session: Session, fs_uuid: str) -> Drive | None:
    """The drive registered with this filesystem UUID (``None`` for ``""`` or an unknown one)."""
    if not fs_uuid:
        return None
    return session.scalar(select(Drive).where(Drive.fs_uuid == fs_uuid).order_by(Drive.id).limit(1))


def drives(session: Session, *, retired: bool = True) -> list[Drive]:
    """Every registered drive by label (retired ones too unless ``retired`` is false), events loaded lazily."""
    q = select(Drive).order_by(Drive.label)
    if not retired:
        q = q.where(Drive.status != "retired")
    return list(session.scalars(q))


def add_event(session: Session, drive: Drive, what: str, *, who: str, host: str, courier: str | None = None,
              place: str | None = None, ok: bool | None = None, result: str | None = None,
              details: dict | None = None, at: dt.datetime | None = None) -> DriveEvent:
    """Append an event to ``drive`` (``details`` stored as JSON)."""
    event = DriveEvent(drive_id=drive.id, what=what, who=who, host=host, courier=courier, place=place, ok=ok,
                       result=result, details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True))
    if at is not None:
        event.at = at
    session.add(event)
    return event


def destinations(session: Session) -> list[tuple[int, bytes, str, str, str | None]]:
    """``(id, path_raw, path, drive_id, drive_note)`` of every destination card folder, by id."""
    rows = session.execute(select(Destination.id, Destination.path_raw, Destination.path, Destination.drive_id,
                                  Destination.drive_note).order_by(Destination.id))
    return [tuple(r) for r in rows]


def linked_ids(session: Session, drive_id: int) -> dict[int, str]:
    """``{destination id: how}`` of the card folders linked to a drive."""
    rows = session.execute(select(DriveDestination.destination_id, DriveDestination.how)
                           .where(DriveDestination.drive_id == drive_id))
    return {d: how for d, how in rows}


def link(session: Session, drive_id: int, found: dict[int, str]) -> int:
    """Link the destinations ``{id: how}`` to a drive (those already linked are kept); returns how many new."""
    have = linked_ids(session, drive_id)
    new = {d: how for d, how in found.items() if d not in have}
    for row in session.scalars(select(DriveDestination).where(DriveDestination.drive_id == drive_id)):
        if found.get(row.destination_id) == "path":  # a folder first found by its disk, now by its path
            row.how = "path"
    session.add_all(DriveDestination(drive_id=drive_id, destination_id=d, how=how) for d, how in new.items())
    return len(new)


def retired_destination_ids(session: Session) -> set[int]:
    """Destination card folders on retired drives: their copies are gone (the drive was wiped or let go)."""
    rows = session.execute(select(DriveDestination.destination_id).join(Drive, Drive.id == DriveDestination.drive_id)
                           .where(Drive.status == "retired"))
    return {d for (d,) in rows}


def _files_of(destination_ids: list[int]):
    """Files of the cards that have a card folder among these destinations (PIXM may have written a file
    there and been stopped before recording it: every file of the card counts as possibly on the drive)."""
    cards = select(Destination.card_id).where(Destination.id.in_(destination_ids))
    return select(File.id).where(File.card_id.in_(cards), File.problem.is_(None))


def files_on(session: Session, destination_ids: Iterable[int]) -> list[tuple[int, str, str]]:
    """``(file id, card label, relpath)`` of every file of every card with a card folder in these
    destinations, by card label then relpath bytes. Card entries PIXM could not take are on no drive: left out."""
    ids = sorted(set(destination_ids))
    if not ids:
        return []
    rows = session.execute(select(File.id, Card.label, File.relpath).join(Card, Card.id == File.card_id)
                           .where(File.id.in_(_files_of(ids))).order_by(Card.label, File.relpath_raw))
    return [tuple(r) for r in rows]


def verified_elsewhere(session: Session, on: Sequence[int], excluded: Iterable[int]
                       ) -> dict[int, list[tuple[int, str, str, str, str | None]]]:
    """For the files :func:`files_on` lists for ``on``: ``{file id: [(destination id, path, volume label,
    drive_id, drive_note)]}`` of their **verified** copies in destinations not in ``excluded``."""
    ids = sorted(set(on))
    if not ids:
        return {}
    skip = set(excluded)
    rows = session.execute(
        select(Copy.file_id, Destination.id, Destination.path, Destination.volume_label, Destination.drive_id,
               Destination.drive_note).join(Destination, Destination.id == Copy.destination_id)
        .where(Copy.state == CopyState.VERIFIED.value,
               Copy.file_id.in_(_files_of(ids)))
        .order_by(Copy.file_id, Destination.id))
    out: dict[int, list] = {}
    for file_id, dest_id, path, label, drive_id, note in rows:
        if dest_id not in skip:
            out.setdefault(file_id, []).append((dest_id, path, label, drive_id or "", note))
    return out


def recorded_bytes(session: Session, destination_ids: Iterable[int]) -> int:
    """Bytes of the copies written (copied or verified) in these destination folders."""
    ids = sorted(set(destination_ids))
    if not ids:
        return 0
    total = session.scalar(select(func.coalesce(func.sum(File.size), 0)).join(Copy, Copy.file_id == File.id)
                           .where(Copy.destination_id.in_(ids),
                                  Copy.state.in_([CopyState.COPIED.value, CopyState.VERIFIED.value])))
    return int(total or 0)


def bytes_per_day(session: Session) -> list[tuple[dt.date, int, int]]:
    """``(shoot day, bytes of its cards' files, cards)`` of every shoot day with cards, oldest first (files
    PIXM could not take are left out; several projects on one day add up)."""
    rows = session.execute(
        select(ShootDay.day, func.coalesce(func.sum(File.size), 0), func.count(func.distinct(Card.id)))
        .join(Card, Card.shoot_day_id == ShootDay.id).join(File, File.card_id == Card.id)
        .where(File.problem.is_(None)).group_by(ShootDay.day).order_by(ShootDay.day))
    return [(day, int(n), int(cards)) for day, n, cards in rows]


def drive_labels(session: Session) -> dict[int, str]:
    """``{destination id: label of the registered drive it is on}``: a drive found by the folder's path comes
    before one found by a shared physical disk (two partitions of one disk are two registered drives)."""
    rows = session.execute(select(DriveDestination.destination_id, Drive.label, DriveDestination.how)
                           .join(Drive, Drive.id == DriveDestination.drive_id).order_by(Drive.label))
    out: dict[int, str] = {}
    for d, label, _how in sorted(rows, key=lambda r: r[2] != "path"):
        out.setdefault(d, label)
    return out


def under(path_raw: bytes, root: str) -> bool:
    """Whether a destination path lies at or below ``root`` (a mount point; ``/`` holds every path)."""
    sep = os.sep.encode()
    base = os.fsencode(root).rstrip(sep) + sep
    return path_raw.startswith(base) or path_raw + sep == base
