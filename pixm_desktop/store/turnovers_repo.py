"""Queries of the ``turnovers`` table (issue 14): the packages written for editorial and sound."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from pixm_desktop.core.model import JobStatus
from pixm_desktop.core.states import JobKind
from pixm_desktop.store.models import Job, Turnover, utcnow


def record(session: Session, *, kind: str, folder: str, scope: str, day: dt.date | None, generation: int | None,
           status: str, files: list[dict], checks: list[dict], error: str | None, job_id: int | None) -> Turnover:
    """Add one turnover row (the caller commits)."""
    row = Turnover(kind=kind, folder=folder, scope=scope, day=day, generation=generation, status=status,
                   files=json.dumps(files, ensure_ascii=False), checks=json.dumps(checks, ensure_ascii=False),
                   error=error, job_id=job_id, created_at=utcnow())
    session.add(row)
    return row


def recent(session: Session, limit: int = 200) -> list[Turnover]:
    """The newest turnovers first."""
    return list(session.scalars(select(Turnover).order_by(Turnover.id.desc()).limit(limit)))


def of_day(session: Session, day: dt.date) -> list[Turnover]:
    """The turnovers of shoot day ``day``, oldest first."""
    return list(session.scalars(select(Turnover).where(Turnover.day == day).order_by(Turnover.id)))


def running_job_id(session: Session, host: str, pid: int) -> int | None:
    """The newest running ``turnover`` job of process ``pid`` on ``host`` (the job a turnover runs in)."""
    return session.scalar(select(Job.id).where(Job.kind == JobKind.TURNOVER.value, Job.host == host, Job.pid == pid,
                                               Job.status == JobStatus.RUNNING.value).order_by(Job.id.desc()))
