"""Tapes of the archive (LTO, LTFS) and what is on them: the ``tapes`` and ``tape_files`` tables (issue 16).

Shapes: sizes in bytes, timestamps UTC, tape paths relative to the tape's root with ``/``, positions counted
from 1 in the order the files were written (the tape order of an LTFS volume written by one sequential writer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixm_desktop.store.models import Card, File, ShootDay, Tape, TapeFile

#: ``tapes.state``: ``open`` (room left), ``full`` (a card did not fit), ``failed`` (a read-back or verify
#: found a file that differs: its copies do not count).
OPEN, FULL, FAILED = "open", "full", "failed"
#: ``tape_files.state``
WRITTEN, VERIFIED, BAD = "written", "verified", "failed"


@dataclass(frozen=True, slots=True)
class TapeCopy:
    """A verified copy of a card file on a tape: the tape's label, copy set (A/B), path on the tape, its
    position, when it was last read back equal, and the mount point the tape was last seen at."""

    file_id: int
    label: str
    copy: str
    path: str
    position: int
    verified_at: dt.datetime | None
    mount_point: str


@dataclass(frozen=True, slots=True)
class Content:
    """One line of a tape's contents, in tape order, with the card file it holds."""

    position: int
    path: str
    size: int
    file_id: int
    card: str
    relpath: str
    day: dt.date | None
    xxh64: str | None
    md5: str | None
    sha256: str | None
    state: str
    verified_at: dt.datetime | None


def tape(session: Session, label: str) -> Tape | None:
    return session.scalars(select(Tape).where(Tape.label == label)).first()


def tapes(session: Session) -> list[Tape]:
    """Every tape, by copy set then label."""
    return list(session.scalars(select(Tape).order_by(Tape.copy, Tape.label)))


def get_or_add(session: Session, label: str, *, copy: str, capacity: int, mount_point: str, barcode: str = "",
               now: dt.datetime | None = None) -> Tape:
    """The tape labelled ``label`` (its mount point and time updated), or a new one (``copy`` A/B, native
    ``capacity`` bytes). The caller commits."""
    row = tape(session, label)
    now = now or dt.datetime.now(dt.UTC)
    if row is None:
        row = Tape(label=label, barcode=barcode or label, copy=copy, capacity_bytes=capacity, used_bytes=0,
                   state=OPEN)
        session.add(row)
    row.mount_point, row.mounted_at = mount_point, now
    session.flush()
    return row


def next_position(session: Session, tape_id: int) -> int:
    """The position the next file written on the tape takes (1 on a new tape)."""
    return int(session.scalar(select(func.max(TapeFile.position)).where(TapeFile.tape_id == tape_id)) or 0) + 1


def add_file(session: Session, tape_id: int, file_id: int, path: str, position: int, size: int, *,
             job_id: int | None) -> TapeFile:
    """Record a file written (not yet read back). The caller commits."""
    row = TapeFile(tape_id=tape_id, file_id=file_id, path=path, position=position, size=size, state=WRITTEN,
                   job_id=job_id)
    session.add(row)
    return row


def contents(session: Session, tape_id: int) -> list[Content]:
    """What is on the tape, in tape order."""
    rows = session.execute(
        select(TapeFile.position, TapeFile.path, TapeFile.size, File.id, Card.label, File.relpath, ShootDay.day,
               TapeFile.xxh64, TapeFile.md5, TapeFile.sha256, TapeFile.state, TapeFile.verified_at)
        .join(File, File.id == TapeFile.file_id).join(Card, Card.id == File.card_id)
        .outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)
        .where(TapeFile.tape_id == tape_id).order_by(TapeFile.position))
    return [Content(*r) for r in rows]


def verified_copies(session: Session, file_ids: Iterable[int] | None = None,
                    skip_tape: int | None = None) -> dict[int, list[TapeCopy]]:
    """``{file id: [TapeCopy]}`` of the verified tape copies of ``file_ids`` (``None``: every file) on tapes
    that have not failed, leaving out tape ``skip_tape``; copy A before B, then by label."""
    q = (select(TapeFile.file_id, Tape.label, Tape.copy, TapeFile.path, TapeFile.position, TapeFile.verified_at,
                Tape.mount_point)
         .join(Tape, Tape.id == TapeFile.tape_id)
         .where(TapeFile.state == VERIFIED, Tape.state != FAILED)
         .order_by(TapeFile.file_id, Tape.copy, Tape.label, TapeFile.position))
    if file_ids is not None:
        ids = sorted(set(file_ids))
        if not ids:
            return {}
        q = q.where(TapeFile.file_id.in_(ids))
    if skip_tape is not None:
        q = q.where(TapeFile.tape_id != skip_tape)
    out: dict[int, list[TapeCopy]] = {}
    for fid, label, copy, path, pos, when, mount in session.execute(q):
        out.setdefault(fid, []).append(TapeCopy(fid, label, copy, path, pos, _utc(when), mount))
    return out


@dataclass(frozen=True, slots=True)
class TapeHolding:
    """A tape holding copies of some card files: how many verified and failed there, the oldest and newest
    read-back among the verified ones (UTC), the tape's copy set, state and last mount point."""

    label: str
    copy: str
    state: str
    mount_point: str
    verified: int
    failed: int
    oldest_verified: dt.datetime | None
    newest_verified: dt.datetime | None


def holdings(session: Session, file_ids: Sequence[int]) -> list[TapeHolding]:
    """Every tape holding a row of any of ``file_ids``, copy A first, then by label."""
    if not file_ids:
        return []
    verified = func.sum(func.iif(TapeFile.state == VERIFIED, 1, 0))
    failed = func.sum(func.iif(TapeFile.state == BAD, 1, 0))
    when = func.iif(TapeFile.state == VERIFIED, TapeFile.verified_at, None)
    rows = session.execute(
        select(Tape.label, Tape.copy, Tape.state, Tape.mount_point, verified, failed, func.min(when), func.max(when))
        .join(TapeFile, TapeFile.tape_id == Tape.id).where(TapeFile.file_id.in_(list(file_ids)))
        .group_by(Tape.id).order_by(Tape.copy, Tape.label)).all()
    return [TapeHolding(label, copy, state, mount, int(v or 0), int(f or 0), _utc(lo), _utc(hi))
            for label, copy, state, mount, v, f, lo, hi in rows]


def files_on(session: Session, tape_id: int) -> list[tuple[int, str, str]]:
    """``(file id, card label, relpath)`` of the card files with a verified copy on the tape, by card then path."""
    rows = session.execute(select(File.id, Card.label, File.relpath).join(Card, Card.id == File.card_id)
                           .where(File.id.in_(select(TapeFile.file_id).where(TapeFile.tape_id == tape_id,
                                                                              TapeFile.state == VERIFIED)))
                           .order_by(Card.label, File.relpath_raw))
    return [tuple(r) for r in rows]


def archived_ids(session: Session, copy: str | None = None) -> set[int]:
    """Ids of the card files with a verified copy on some tape that has not failed (of copy set ``copy``)."""
    q = select(TapeFile.file_id).join(Tape, Tape.id == TapeFile.tape_id).where(TapeFile.state == VERIFIED,
                                                                               Tape.state != FAILED)
    if copy:
        q = q.where(Tape.copy == copy)
    return set(session.scalars(q))


def rows_by_path(session: Session, tape_id: int, paths: Sequence[str]) -> dict[str, TapeFile]:
    if not paths:
        return {}
    return {r.path: r for r in session.scalars(select(TapeFile).where(TapeFile.tape_id == tape_id,
                                                                      TapeFile.path.in_(list(paths))))}


def _utc(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


__all__ = ["BAD", "FAILED", "FULL", "OPEN", "VERIFIED", "WRITTEN", "Content", "TapeCopy", "TapeHolding", "add_file", "archived_ids",
           "contents", "files_on", "get_or_add", "holdings", "next_position", "rows_by_path", "tape", "tapes", "verified_copies"]
