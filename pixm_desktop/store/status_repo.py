"""Catalog queries of the status views (``services.status``): cards with what their verdict needs, file ×
destination states, the job history, jobs to resume.

Functions take an open ``Session`` and never commit. The file-state reads return plain tuples (no ORM objects,
no dataclass per row): a card of thousands of files refreshes while an offload runs, in the window's process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from pixm_desktop.core.model import CopyState
from pixm_desktop.core.states import JobKind
from pixm_desktop.store.models import Card, Copy, Destination, File, Job, JobDestination, Project, ShootDay

#: Reason prefix of a card entry PIXM could not take (``files.problem``): a failure on every destination.
NOT_TAKEN = "not taken from the card: "


def _card_loads():
    return (selectinload(Card.destinations), selectinload(Card.jobs),
            selectinload(Card.shoot_day).selectinload(ShootDay.project))


def newest_cards(session: Session, limit: int) -> list[Card]:
    """The newest ``limit`` cards, newest first, with destinations, jobs and shoot day loaded."""
    return list(session.scalars(select(Card).options(*_card_loads()).order_by(Card.id.desc()).limit(limit)))


def cards_by_id(session: Session, card_ids: Sequence[int]) -> list[Card]:
    """These cards (unknown ids left out), loaded as :func:`newest_cards` loads them."""
    return list(session.scalars(select(Card).options(*_card_loads()).where(Card.id.in_(list(card_ids)))))


def card_destinations(session: Session, card_id: int) -> list[tuple[int, str, str]]:
    """``(id, card folder path, volume label)`` of a card's destinations, by id."""
    rows = session.execute(select(Destination.id, Destination.path, Destination.volume_label)
                           .where(Destination.card_id == card_id).order_by(Destination.id))
    return [(i, p, v) for i, p, v in rows]


def _file_states(card_id: int, columns):
    """File × destination of a card with the state and reason each shows: ``pending`` without a copy row;
    ``failed`` with :data:`NOT_TAKEN` and the problem for an entry that could not be taken. By file name (raw
    bytes), then destination id."""
    taken = File.problem.is_(None)
    state = case((taken, func.coalesce(Copy.state, CopyState.PENDING.value)), else_=CopyState.FAILED.value)
    reason = case((taken, Copy.reason), else_=literal(NOT_TAKEN) + File.problem)
    return (select(File.relpath, *columns(state, reason))
            .join(Destination, Destination.card_id == File.card_id)
            .outerjoin(Copy, and_(Copy.file_id == File.id, Copy.destination_id == Destination.id))
            .where(File.card_id == card_id).order_by(File.relpath_raw, Destination.id))


#: :func:`_file_states` as SQLite text for :func:`file_state_rows`: read by the driver's own cursor it costs a
#: few ms for 2,000 files on two destinations, half of what building SQLAlchemy rows costs (the window's view
#: refreshes it while an offload runs). tests/test_status_service.py holds both forms to the same rows.
_FILE_STATE_SQLITE = (
    "SELECT f.relpath, d.id, CASE WHEN f.problem IS NOT NULL THEN 'failed' ELSE COALESCE(c.state, ?) END, "
    "CASE WHEN f.problem IS NOT NULL THEN ? || f.problem ELSE c.reason END FROM files f "
    "JOIN destinations d ON d.card_id = f.card_id "
    "LEFT JOIN copies c ON c.file_id = f.id AND c.destination_id = d.id "
    "WHERE f.card_id = ? ORDER BY f.relpath_raw, d.id")


def file_state_rows(session: Session, card_id: int, *, portable: bool = False
                    ) -> list[tuple[str, int, str, str | None]]:
    """``(relpath, destination id, state, reason)`` of every file × destination of a card (see
    :func:`_file_states`), as plain tuples. On SQLite the driver reads one SQL join straight into tuples;
    ``portable`` (and other databases) read the same through SQLAlchemy."""
    if portable or session.get_bind().dialect.name != "sqlite":
        q = _file_states(card_id, lambda state, reason: (Destination.id, state, reason))
        return [tuple(r) for r in session.execute(q)]
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        return cursor.execute(_FILE_STATE_SQLITE, (CopyState.PENDING.value, NOT_TAKEN, card_id)).fetchall()
    finally:
        cursor.close()


def file_state_details(session: Session, card_id: int
                       ) -> list[tuple[str, int, int, str, str, str | None, dt.datetime | None]]:
    """``(relpath, size, destination id, card folder, state, reason, verified at)`` of every file ×
    destination of a card, as :func:`file_state_rows` orders and states them (``verified at`` naive UTC as
    SQLite returns it; ``None`` for an entry not taken)."""
    def columns(state, reason):
        when = case((File.problem.is_(None), Copy.verified_at), else_=None)
        return File.size, Destination.id, Destination.path, state, reason, when
    return [tuple(r) for r in session.execute(_file_states(card_id, columns))]


def history_jobs(session: Session, text: str = "", *, day: dt.date | None = None, project: str | None = None,
                 limit: int = 1000, kind: str | None = None) -> list[Job]:
    """Jobs of a card (of ``kind`` when given) newest first with card, shoot day, project and destinations
    loaded; every word of ``text`` matches card label, reel, camera or project (case-insensitive substring)."""
    q = (select(Job).join(Card, Job.card_id == Card.id).outerjoin(ShootDay, Card.shoot_day_id == ShootDay.id)
         .outerjoin(Project, ShootDay.project_id == Project.id)
         .options(selectinload(Job.card).selectinload(Card.shoot_day).selectinload(ShootDay.project),
                  selectinload(Job.job_destinations).selectinload(JobDestination.destination))
         .order_by(Job.id.desc()).limit(limit))
    for word in text.split():
        like = f"%{word}%"
        q = q.where(or_(Card.label.ilike(like), Card.reel.ilike(like), Card.camera.ilike(like),
                        Project.name.ilike(like)))
    if day is not None:
        q = q.where(ShootDay.day == day)
    if project:
        q = q.where(Project.name == project)
    if kind is not None:
        q = q.where(Job.kind == kind)
    return list(session.scalars(q))


def project_names(session: Session) -> list[str]:
    return list(session.scalars(select(Project.name).order_by(Project.name)))


def newest_offloads(session: Session) -> list[Job]:
    """The newest offload job of every card, by job id."""
    newest: dict[int, Job] = {}
    for j in session.scalars(select(Job).where(Job.kind == JobKind.OFFLOAD).order_by(Job.id)):
        newest[j.card_id] = j
    return sorted(newest.values(), key=lambda j: j.id)


__all__ = [
    "NOT_TAKEN",
    "card_destinations",
    "cards_by_id",
    "file_state_details",
    "file_state_rows",
    "history_jobs",
    "newest_cards",
    "newest_offloads",
    "project_names",
]
