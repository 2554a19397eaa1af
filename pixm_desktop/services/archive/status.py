"""What the Archive page shows: the tapes (copy set, capacity, use, state, mounted now), what one tape holds in
tape order, and what is not yet on tape per shoot day and copy set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from pixm_desktop.services.archive.restore import mounted
from pixm_desktop.store import tapes_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, File, ShootDay, TapeFile


@dataclass(frozen=True, slots=True)
class TapeRow:
    label: str
    copy: str
    state: str
    capacity: int
    used: int
    files: int
    mounted: bool
    mount_point: str


@dataclass(frozen=True, slots=True)
class DayGap:
    """Files and bytes of a shoot day (``None``: cards of no day) not yet verified on a tape of copy A / B."""

    day: dt.date | None
    files: int
    bytes: int
    missing_a: int
    missing_a_bytes: int
    missing_b: int
    missing_b_bytes: int


def tape_rows(catalog: Catalog) -> list[TapeRow]:
    with catalog.session() as s:
        counts = dict(s.execute(select(TapeFile.tape_id, func.count(TapeFile.id))
                                .where(TapeFile.state == tapes_repo.VERIFIED).group_by(TapeFile.tape_id)).all())
        return [TapeRow(t.label, t.copy, t.state, t.capacity_bytes, t.used_bytes, counts.get(t.id, 0),
                        mounted(t.label, t.mount_point), t.mount_point) for t in tapes_repo.tapes(s)]


def tape_contents(catalog: Catalog, label: str) -> list[tapes_repo.Content]:
    with catalog.session() as s:
        tape = tapes_repo.tape(s, label)
        return tapes_repo.contents(s, tape.id) if tape else []


def not_on_tape(catalog: Catalog) -> list[DayGap]:
    """Per shoot day (newest first), the card files not yet verified on a copy-A tape and on a copy-B tape."""
    with catalog.session() as s:
        on_a, on_b = tapes_repo.archived_ids(s, "A"), tapes_repo.archived_ids(s, "B")
        rows = s.execute(select(ShootDay.day, File.id, File.size).join(Card, Card.id == File.card_id)
                         .outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id).where(File.problem.is_(None)))
        days: dict = {}
        for day, fid, size in rows:
            d = days.setdefault(day, [0, 0, 0, 0, 0, 0])
            d[0] += 1
            d[1] += size
            if fid not in on_a:
                d[2] += 1
                d[3] += size
            if fid not in on_b:
                d[4] += 1
                d[5] += size
    order = sorted(days, key=lambda d: (d is not None, d or dt.date.min), reverse=True)
    return [DayGap(d, *days[d]) for d in order]


__all__ = ["DayGap", "TapeRow", "not_on_tape", "tape_contents", "tape_rows"]
