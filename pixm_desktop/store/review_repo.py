"""Queries of the review portal's tables (issue 18): viewers (invites), sessions, the access log and the
comments/decisions on clips. Hashes are SHA-256 hex; the callers hash, this module never sees a token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pixm_desktop.core.states import ClipKind
from pixm_desktop.store.models import (
    Card,
    Clip,
    Project,
    ReviewAccess,
    ReviewComment,
    ReviewSession,
    ReviewViewer,
    ShootDay,
    utcnow,
)


def viewer_named(session: Session, name: str) -> ReviewViewer | None:
    return session.scalar(select(ReviewViewer).where(ReviewViewer.name == name))


def viewer_by_token(session: Session, token_hash: str) -> ReviewViewer | None:
    return session.scalar(select(ReviewViewer).where(ReviewViewer.token_hash == token_hash))


def viewers(session: Session) -> list[ReviewViewer]:
    return list(session.scalars(select(ReviewViewer).order_by(ReviewViewer.name)))


def session_by_sid(session: Session, sid_hash: str) -> tuple[ReviewSession, ReviewViewer] | None:
    row = session.execute(select(ReviewSession, ReviewViewer).join(ReviewViewer, ReviewViewer.id ==
                                                                   ReviewSession.viewer_id)
                          .where(ReviewSession.sid_hash == sid_hash)).first()
    return (row[0], row[1]) if row else None


def end_sessions(session: Session, viewer_id: int, when: dt.datetime) -> int:
    """End every open session of ``viewer_id`` at ``when``; returns how many (the caller commits)."""
    result = session.execute(update(ReviewSession).where(ReviewSession.viewer_id == viewer_id,
                                                         ReviewSession.ended_at.is_(None)).values(ended_at=when))
    return result.rowcount or 0


def open_sessions(session: Session, since: dt.datetime) -> list[tuple[ReviewSession, ReviewViewer]]:
    """Sessions not ended, of viewers not revoked, seen at or after ``since``, newest first."""
    q = (select(ReviewSession, ReviewViewer).join(ReviewViewer, ReviewViewer.id == ReviewSession.viewer_id)
         .where(ReviewSession.ended_at.is_(None), ReviewViewer.revoked_at.is_(None), ReviewSession.last_seen >= since)
         .order_by(ReviewSession.last_seen.desc()))
    return [(r[0], r[1]) for r in session.execute(q)]


def log_access(session: Session, viewer_id: int | None, address: str, method: str, path: str, status: int) -> None:
    session.add(ReviewAccess(viewer_id=viewer_id, address=address[:64], method=method[:8], path=path[:2000],
                             status=status, at=utcnow()))


def access_of(session: Session, viewer_id: int | None = None, limit: int = 500) -> list[ReviewAccess]:
    q = select(ReviewAccess).order_by(ReviewAccess.id.desc()).limit(limit)
    if viewer_id is not None:
        q = q.where(ReviewAccess.viewer_id == viewer_id)
    return list(session.scalars(q))


def days_with_clips(session: Session) -> list[tuple[dt.date, str, int]]:
    """``(day, project, picture clips)`` of every shoot day with clips, newest first."""
    q = (select(ShootDay.day, Project.name, func.count(Clip.id))
         .join(Project, Project.id == ShootDay.project_id)
         .join(Card, Card.shoot_day_id == ShootDay.id).join(Clip, Clip.card_id == Card.id)
         .where(Clip.kind != ClipKind.AUDIO.value)
         .group_by(ShootDay.id, ShootDay.day, Project.name).order_by(ShootDay.day.desc(), Project.name))
    return [(d, p, n) for d, p, n in session.execute(q)]


def comments_of(session: Session, clip_ids: Sequence[int], kinds: Sequence[str] | None = None) -> list[ReviewComment]:
    """Comments and decisions on ``clip_ids`` in the order they were made."""
    q = select(ReviewComment).where(ReviewComment.clip_id.in_(list(clip_ids))).order_by(ReviewComment.id)
    if kinds:
        q = q.where(ReviewComment.kind.in_(list(kinds)))
    return list(session.scalars(q))


def day_clip_ids(session: Session, day: dt.date) -> list[int]:
    q = (select(Clip.id).join(Card, Card.id == Clip.card_id).join(ShootDay, ShootDay.id == Card.shoot_day_id)
         .where(ShootDay.day == day))
    return list(session.scalars(q))


def latest_comment_id(session: Session) -> int:
    return session.scalar(select(func.max(ReviewComment.id))) or 0
