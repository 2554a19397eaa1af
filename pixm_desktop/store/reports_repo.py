"""Catalog queries of the reports: shoot days, offload jobs, a day's cards, storage per destination.

Functions take an open ``Session`` and never commit; the caller (``services.reports``) owns the transaction
and turns what they return into report data. ``None``/empty results are the caller's to explain (it raises
the user error with its hint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixm_desktop.core.model import CopyState
from pixm_desktop.core.states import JobKind
from pixm_desktop.store.models import Card, Copy, Destination, File, Job, JobDestination, Project, ShootDay


def days_with_cards(session: Session) -> list[tuple[str, dt.date, int]]:
    """``(project, day, cards)`` of every shoot day with at least one card, newest first."""
    rows = session.execute(select(Project.name, ShootDay.day, func.count(Card.id))
                           .join(ShootDay, ShootDay.project_id == Project.id)
                           .join(Card, Card.shoot_day_id == ShootDay.id)
                           .group_by(ShootDay.id).order_by(ShootDay.day.desc(), Project.name))
    return [(p, d, n) for p, d, n in rows]


def offload_jobs(session: Session, day: dt.date | None = None, project: str | None = None
                 ) -> list[tuple[Job, str, str | None, dt.date | None]]:
    """``(job, card label, project, day)`` of offload jobs, newest first, optionally of one day / project."""
    q = (select(Job, Card.label, Project.name, ShootDay.day).join(Card, Card.id == Job.card_id)
         .outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)
         .outerjoin(Project, Project.id == ShootDay.project_id)
         .where(Job.kind == JobKind.OFFLOAD).order_by(Job.id.desc()))
    if day is not None:
        q = q.where(ShootDay.day == day)
    if project is not None:
        q = q.where(Project.name == project)
    return [(j, label, p, d) for j, label, p, d in session.execute(q)]


def card_ids_labelled(session: Session, label: str) -> list[int]:
    return list(session.scalars(select(Card.id).where(Card.label == label)))


def newest_offload(session: Session, card_ids: Sequence[int]) -> Job | None:
    """The newest offload job of any of these cards."""
    return session.scalar(select(Job).where(Job.card_id.in_(list(card_ids)), Job.kind == JobKind.OFFLOAD)
                          .order_by(Job.id.desc()).limit(1))


def shoot_days_on(session: Session, day: dt.date, project: str | None = None) -> list[ShootDay]:
    """The shoot days dated ``day`` (of ``project`` when given): one per project that shot that day."""
    q = select(ShootDay).join(Project, Project.id == ShootDay.project_id).where(ShootDay.day == day)
    if project is not None:
        q = q.where(Project.name == project)
    return list(session.scalars(q))


def recent_days(session: Session, limit: int = 8) -> list[dt.date]:
    """The newest ``limit`` distinct shoot days, newest first."""
    return list(session.scalars(select(ShootDay.day).distinct().order_by(ShootDay.day.desc()).limit(limit)))


def day_cards(session: Session, shoot_day_id: int) -> list[Card]:
    """The cards of a shoot day in the order they were catalogued."""
    return list(session.scalars(select(Card).where(Card.shoot_day_id == shoot_day_id)
                                .order_by(Card.created_at, Card.id)))


def destinations_of_cards(session: Session, card_ids: Sequence[int]) -> list[Destination]:
    return list(session.scalars(select(Destination).where(Destination.card_id.in_(list(card_ids)))
                                .order_by(Destination.id)))


def verified_totals(session: Session, destination_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """``{destination id: (verified files, their bytes)}`` (destinations with none verified left out)."""
    rows = session.execute(
        select(Copy.destination_id, func.count(Copy.id), func.coalesce(func.sum(File.size), 0))
        .join(File, File.id == Copy.file_id)
        .where(Copy.destination_id.in_(list(destination_ids)), Copy.state == CopyState.VERIFIED.value)
        .group_by(Copy.destination_id))
    return {d_id: (int(n), int(b)) for d_id, n, b in rows}


def free_bytes_before(session: Session, destination_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """``{destination id: (job id, free bytes)}``: the free space the newest job that measured it saw
    before copying to the destination."""
    out: dict[int, tuple[int, int]] = {}
    for jd in session.scalars(select(JobDestination)
                              .where(JobDestination.destination_id.in_(list(destination_ids)))
                              .order_by(JobDestination.job_id)):
        if jd.free_bytes_before is not None:
            out[jd.destination_id] = (jd.job_id, jd.free_bytes_before)
    return out


__all__ = [
    "card_ids_labelled",
    "day_cards",
    "days_with_cards",
    "destinations_of_cards",
    "free_bytes_before",
    "newest_offload",
    "offload_jobs",
    "recent_days",
    "shoot_days_on",
    "verified_totals",
]
