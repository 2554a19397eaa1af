"""Running a job of any kind in this process: prepare, the row, the generator driven to its end, the row's end.

``prepare(catalog, kind, options)`` checks (no row, no threads) and returns a :class:`JobRun`; its ``resources``
tell the scheduler what it holds; ``run(cancel, on_progress)`` records the row, drives the kind's generator
(every progress value handed to ``on_progress`` on this thread) and records how it ended:

- a returned result: the kind's ``status_of`` (``completed``, or ``failed`` with words);
- :class:`CancelledError`: ``cancelled`` when the user asked (``cancel.by_user``), else ``interrupted``
  (a closing window, a signal, a dying parent); :class:`SourceError` (the card vanished): ``interrupted``;
- anything else: ``failed`` with the error's words and hint; the error is raised again.

A process killed mid-run leaves its row ``running``: :func:`.record.recover_interrupted` marks it
``interrupted`` at the next start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from pixm_desktop.core.errors import CancelledError, SourceError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import JobKind
from pixm_desktop.services.jobs import record
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared
from pixm_desktop.services.jobs.registry import kind_spec
from pixm_desktop.store.db import Catalog


class JobRun:
    """A prepared job: ``prepared`` (the kind's findings), ``resources``, and :meth:`run`."""

    def __init__(self, spec: JobKindBase, prepared: Prepared):
        self.spec, self.prepared = spec, prepared
        self.job_id: int | None = None
        self.log = record.JobLog(f"{spec.kind.value} {prepared.label}".strip())

    @property
    def kind(self) -> JobKind:
        return self.spec.kind

    @property
    def resources(self) -> frozenset[str]:
        return self.spec.resources(self.prepared)

    def run(self, cancel: CancelToken | None = None, on_progress: Callable[[object], None] | None = None,
            on_job: Callable[[int], None] | None = None):
        """Record, run and end the job (see the module docstring); returns the kind's result or raises.
        ``on_job(job_id)`` is called once the row exists."""
        cancel = cancel or CancelToken()
        p, spec = self.prepared, self.spec

        def row(job_id: int) -> None:
            self.job_id = p.job_id = job_id
            if on_job is not None:
                on_job(job_id)

        self.log.add("started" + "".join(f"; {n}" for n in p.notes[:1]))
        for note in p.notes[1:]:
            self.log.add(note)
        if spec.records_itself:
            p.on_row = row
        else:
            try:
                row(record.begin(p.catalog, spec.kind, p.options, card_id=p.card_id, source_path=p.source_path))
            except SQLAlchemyError as exc:  # a read-only or locked catalog: the work goes on (a verify's verdict
                self.log.add(f"not recorded in the catalog: {getattr(exc, 'orig', None) or exc}",  # stands)
                             logging.WARNING)
        try:
            result = self._drive(spec.run(p, cancel), on_progress)
        except BaseException as exc:
            self._end(_stop_status(exc, cancel), record.error_words(exc), exc)
            raise
        status, error = spec.status_of(result)
        if line := spec.summary(result):
            self.log.add(line)
        self._end(status, error, None)
        return result

    @staticmethod
    def _drive(gen, on_progress):
        while True:
            try:
                value = next(gen)
            except StopIteration as stop:
                return stop.value
            if on_progress is not None:
                on_progress(value)

    def _end(self, status: JobStatus, error: str | None, exc: BaseException | None) -> None:
        level = logging.INFO if status == JobStatus.COMPLETED else logging.WARNING
        self.log.add(f"ended {status.value}" + (f": {error}" if error else ""), level)
        if self.job_id is None:  # an engine that raised before its row existed
            return
        try:
            if self.spec.records_itself:
                record.add_log(self.prepared.catalog, self.job_id, self.log)
            else:
                record.finish(self.prepared.catalog, self.job_id, status, error, self.log)
        except Exception as db_exc:  # the job's own outcome (or error) matters more than its log row
            logging.getLogger(__name__).error("job %s: its end could not be recorded: %s", self.job_id, db_exc,
                                              exc_info=db_exc if exc is None else None)


def _stop_status(exc: BaseException, cancel: CancelToken) -> JobStatus:
    if isinstance(exc, CancelledError | KeyboardInterrupt | SystemExit):
        return JobStatus.CANCELLED if cancel.by_user else JobStatus.INTERRUPTED
    if isinstance(exc, SourceError):
        return JobStatus.INTERRUPTED
    return JobStatus.FAILED


def prepare(catalog: Catalog, kind: JobKind | str | JobKindBase, options) -> JobRun:
    """Check a job of ``kind`` (a :class:`JobKind`, its value, or a kind instance with its own settings) with
    ``options``; raises what the kind's ``prepare`` raises."""
    spec = kind if isinstance(kind, JobKindBase) else kind_spec(kind)
    return JobRun(spec, spec.prepare(catalog, options))


def execute(catalog: Catalog, kind: JobKind | str | JobKindBase, options, *, cancel: CancelToken | None = None,
            on_progress: Callable[[object], None] | None = None, on_job: Callable[[int], None] | None = None):
    """:func:`prepare` then :meth:`JobRun.run`; returns the kind's result."""
    return prepare(catalog, kind, options).run(cancel, on_progress, on_job)
