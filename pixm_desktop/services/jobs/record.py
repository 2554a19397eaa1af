"""Every job in the ``jobs`` table: the row a job kind's run gets, how it ends, its own log, and the start-up
rule for rows whose process died.

The job's log is kept IN its row (``jobs.log``): one line per event, ``YYYY-MM-DDTHH:MM:SSZ text``, written
when the job ends (and for an offload, whose engine writes its own row, added to that row). The same lines go
to the rotating log file through :mod:`logging`, so the file has every job and the row has its own story
without a second file to find on another cart.
"""

from __future__ import annotations

import datetime as dt
import logging
import os

from pixm_desktop import __version__
from pixm_desktop.core.errors import PixmError
from pixm_desktop.core.model import JobStatus
from pixm_desktop.core.states import JobKind
from pixm_desktop.services import context, show
from pixm_desktop.store import repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import utcnow

log = logging.getLogger("pixm_desktop.services.jobs")


class JobLog:
    """The log lines of one job (UTC time first); each line also goes to :mod:`logging` at INFO."""

    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []

    def add(self, text: str, level: int = logging.INFO) -> None:
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.lines.append(f"{when} {text}")
        log.log(level, "%s: %s", self.name, text)

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)


def begin(catalog: Catalog, kind: JobKind, options, *, card_id: int | None, source_path: str = "") -> int:
    """A ``running`` row for a job of ``kind`` (``options`` stored as its JSON) run by this process, stamped with
    the show profile it runs under; its id."""
    with catalog.session() as s:
        job = repo.add_job(s, card_id=card_id, kind=kind.value, status=JobStatus.RUNNING.value,
                           source_path=source_path, options=options.to_json(), host=context.hostname(),
                           pid=os.getpid(), tool_version=__version__, created_at=(now := utcnow()),
                           started_at=now, show_profile=show.job_stamp(catalog.path))
        s.commit()
        return job.id


def finish(catalog: Catalog, job_id: int, status: JobStatus, error: str | None, job_log: JobLog) -> None:
    """Record the end of job ``job_id``: status, error words (with the hint), log lines, finish time."""
    with catalog.session() as s:
        repo.finish_job(s, job_id, status.value, error, job_log.text(), utcnow())


def add_log(catalog: Catalog, job_id: int, job_log: JobLog) -> None:
    """Add the job layer's lines to the log of a row its engine wrote (an offload)."""
    with catalog.session() as s:
        repo.append_job_log(s, job_id, job_log.text())


def error_words(exc: BaseException) -> str:
    """What a job's ``error`` column says about ``exc``: a PIXM error's message, place and hint; anything else
    as an internal error (the traceback is in the log file)."""
    if isinstance(exc, PixmError):
        return str(exc)
    return f"internal error: {exc!r}"


def recover_interrupted(catalog: Catalog) -> list[int]:
    """Jobs of every kind left ``running`` by a process of this cart that no longer exists (a crash, a kill,
    power loss) become ``interrupted``; returns their ids. Call at start-up (the window, ``pixm offload``)."""
    with catalog.session() as s:
        return repo.mark_running_jobs_interrupted(s, context.hostname(), context.pid_alive)
