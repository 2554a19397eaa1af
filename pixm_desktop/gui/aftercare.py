"""After a verified offload: the card's clips (grouping, probe, thumbnails) and its offload report, in the
background, one card at a time — the ``aftercare`` job kind of :mod:`pixm_desktop.services.jobs` (the same
definition ``pixm offload`` runs), with the options :func:`~pixm_desktop.services.jobs.after_offload` makes
from the settings.

The job runs in a spawned child process (the supervisor, like the offload itself): decoding frames and building
a PDF are Python-heavy, and in the window's process they would take the interpreter from the GUI thread. The
child reads from a verified destination copy, so the card can be ejected while this runs. The window polls the
task's latest :class:`IngestProgress` every 250 ms; when a card is done, ``clips_changed`` and a notice tell
the pages.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal

from pixm_desktop.core.errors import CancelledError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import AftercareJobOptions, JobKind
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.jobs import TaskState
from pixm_desktop.gui.state import AppState
from pixm_desktop.services import jobs as job_layer
from pixm_desktop.services.clips import IngestProgress
from pixm_desktop.services.jobs.aftercare import AftercareResult, after_offload
from pixm_desktop.services.jobs.supervisor import run_job_in_child

POLL_MS = 250
_ids = itertools.count(1)


@dataclass(eq=False)
class AftercareTask:
    """One verified card waiting for, or going through, its aftercare (``state``: a :class:`TaskState`)."""

    card_id: int
    job_id: int | None
    label: str
    ingest: bool
    report_folder: str | None  # None: no report
    rule: SafeRule = field(default_factory=SafeRule)  # the safe-to-format rule the report judges the card by
    uid: int = field(default_factory=lambda: next(_ids))
    state: TaskState = TaskState.QUEUED
    progress: IngestProgress | None = None
    updates: int = 0  # progress messages received (one after grouping, one per clip, one at the end)
    result: AftercareResult | None = None
    error: str = ""
    cancel: CancelToken = field(default_factory=CancelToken)
    catalog_job_id: int | None = None  # the aftercare job's own row

    @classmethod
    def of(cls, options: AftercareJobOptions, label: str) -> AftercareTask:
        return cls(options.card_id, options.job_id, label, options.ingest, options.report_folder,
                   SafeRule(options.min_copies, options.distinct_drives))

    @property
    def options(self) -> AftercareJobOptions:
        """The job's options (what :func:`services.jobs.after_offload` made of the settings)."""
        return AftercareJobOptions(card_id=self.card_id, job_id=self.job_id, ingest=self.ingest,
                                   report_folder=self.report_folder, min_copies=self.rule.min_copies,
                                   distinct_drives=self.rule.distinct_drives)

    def describe(self) -> str:
        """A short line for the status bar: ``A001R3ET: thumbnails 3/12``."""
        p = self.progress
        if self.state == TaskState.QUEUED:
            return f"{self.label}: clips waiting"
        if p is None or p.phase == "group":
            return f"{self.label}: reading clips"
        if p.phase == "done":
            return f"{self.label}: writing report" if self.report_folder is not None else f"{self.label}: done"
        return f"{self.label}: clips and thumbnails {p.done}/{p.total}"


class AftercareController(QObject):
    """Queues verified cards for clips and report; runs one at a time on the runner's ``aftercare`` lane."""

    changed = Signal()  # a task was queued, advanced or ended (the status bar polls ``tasks``)
    finished = Signal(object)  # task
    notify = Signal(str, str, str, str)  # title, text, kind, details

    def __init__(self, state: AppState, parent: QObject | None = None, *, isolate: bool = True):
        super().__init__(parent)
        self.state = state
        self.isolate = isolate
        self.tasks: list[AftercareTask] = []
        self._running: AftercareTask | None = None
        self._closing = False
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.changed.emit)

    def enqueue(self, card_id: int, job_id: int | None, label: str) -> AftercareTask | None:
        """Queue a verified card; ``None`` when the settings switch both clips and report off (or the card is
        already waiting)."""
        options = after_offload(self.state.settings, card_id, job_id, catalog=self.state.catalog.path)
        if self._closing or options is None:
            return None
        if any(t.card_id == card_id and t.state == TaskState.QUEUED for t in self.tasks):
            return None
        task = AftercareTask.of(options, label)
        self.tasks.append(task)
        self.changed.emit()
        self._next()
        return task

    @property
    def pending(self) -> list[AftercareTask]:
        return [t for t in self.tasks if t.state in (TaskState.QUEUED, TaskState.RUNNING)]

    def _next(self) -> None:
        if self._running is not None or self._closing:
            return
        task = next((t for t in self.tasks if t.state == TaskState.QUEUED), None)
        if task is None:
            self.poll.stop()
            return
        self._running = task
        task.state = TaskState.RUNNING
        self.poll.start()
        self.state.runner.submit(self._run, task, lane="aftercare", name=f"clips {task.label}",
                                 on_done=lambda r, t=task: self._done(t, r),
                                 on_error=lambda e, t=task: self._failed(t, e))

    def _run(self, task: AftercareTask) -> AftercareResult:
        """Worker thread: the aftercare job in a child process (or, for a catalog without a file, this thread)."""
        def keep(p: IngestProgress) -> None:
            task.progress = p
            task.updates += 1

        def row(job_id: int) -> None:
            task.catalog_job_id = job_id

        catalog = self.state.catalog
        if self.isolate and catalog.path is not None:
            return run_job_in_child(catalog.path, JobKind.AFTERCARE, task.options, task.cancel, keep,
                                    name=f"pixm-clips-{task.uid}", on_job=row)
        return job_layer.execute(catalog, JobKind.AFTERCARE, task.options, cancel=task.cancel, on_progress=keep,
                                 on_job=row)

    def _done(self, task: AftercareTask, result: AftercareResult) -> None:
        task.state, task.result = TaskState.DONE, result
        lines = []
        if result.ingest is not None:
            lines.append(result.ingest.summary())
        if result.report:
            lines.append(f"offload report: {result.report}")
        kind = "ok"
        details = "\n".join(f"{clip}: {why}" for clip, why in (result.ingest.problems if result.ingest else []))
        if result.report_error:
            lines.append(f"the offload report was not written: {result.report_error}")
            kind = "warn"
        elif result.ingest is not None and (result.ingest.probe_failed or result.ingest.thumbnail_failed):
            kind = "warn"
        self.notify.emit(f"{task.label} clips ready" if task.ingest else f"{task.label} report written",
                         "\n".join(lines), kind, details)
        self._end(task)

    def _failed(self, task: AftercareTask, exc: BaseException) -> None:
        if isinstance(exc, CancelledError) or task.cancel.cancelled:
            task.state = TaskState.CANCELLED
        else:
            task.state = TaskState.FAILED
            e = explain(exc, card=task.label)
            task.error = e.text()
            self.notify.emit(f"{task.label}: clips not read", e.text(), "warn", e.details)
        self._end(task)

    def _end(self, task: AftercareTask) -> None:
        self._running = None
        self.finished.emit(task)
        self.state.clips_changed.emit()
        self.changed.emit()
        self._next()

    def shutdown(self) -> None:
        """Cancel the running task and drop the queued ones (the next ingest of a card carries on)."""
        self._closing = True
        self.poll.stop()
        for t in self.tasks:
            if t.state in (TaskState.QUEUED, TaskState.RUNNING):
                t.cancel.cancel()
