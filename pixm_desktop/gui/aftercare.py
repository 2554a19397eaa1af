"""After a verified offload: the card's clips (grouping, probe, thumbnails) and its offload report, in the
background, one card at a time.

The work runs in a spawned child process (like the offload itself, see ``processes``): decoding frames
and building a PDF are Python-heavy, and in the window's process they would take the interpreter from the GUI
thread. The child reads from a verified destination copy, so the card can be ejected while this runs. The
window polls the task's latest :class:`IngestProgress` every 250 ms; when a card is done, ``clips_changed`` and
a notice tell the pages.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from pixm_desktop.core.errors import CancelledError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.processes import ChildChannel, run_child
from pixm_desktop.gui.state import AppState
from pixm_desktop.services import clips as clips_service
from pixm_desktop.services import reports as reports_service
from pixm_desktop.services.clips import IngestProgress, IngestResult
from pixm_desktop.services.status import safe_rule

POLL_MS = 250
_ids = itertools.count(1)


@dataclass(slots=True)
class AftercareResult:
    """What the child did: the ingest (``None`` when clips are switched off) and the report written (path) or
    why it was not (``report_error``)."""

    ingest: IngestResult | None = None
    report: str | None = None
    report_error: str | None = None


@dataclass(eq=False)
class AftercareTask:
    """One verified card waiting for, or going through, its aftercare. ``state``: queued, running, done,
    failed, cancelled."""

    card_id: int
    job_id: int | None
    label: str
    ingest: bool
    report_folder: str | None  # None: no report
    rule: SafeRule = field(default_factory=SafeRule)  # the safe-to-format rule the report judges the card by
    uid: int = field(default_factory=lambda: next(_ids))
    state: str = "queued"
    progress: IngestProgress | None = None
    updates: int = 0  # progress messages received (one after grouping, one per clip, one at the end)
    result: AftercareResult | None = None
    error: str = ""
    cancel: CancelToken = field(default_factory=CancelToken)

    def describe(self) -> str:
        """A short line for the status bar: ``A001R3ET: thumbnails 3/12``."""
        p = self.progress
        if self.state == "queued":
            return f"{self.label}: clips waiting"
        if p is None or p.phase == "group":
            return f"{self.label}: reading clips"
        if p.phase == "done":
            return f"{self.label}: writing report" if self.report_folder is not None else f"{self.label}: done"
        return f"{self.label}: clips and thumbnails {p.done}/{p.total}"


def aftercare(catalog, card_id: int, job_id: int | None, ingest: bool, report_folder: str | None,
              cancel: CancelToken | None = None, progress=None, rule: SafeRule | None = None) -> AftercareResult:
    """Ingest card ``card_id`` (when ``ingest``) and write the offload report of ``job_id`` into
    ``report_folder`` (when not ``None``; a new file, never over an existing one). A report that cannot be
    written is recorded in ``report_error``, not raised; ingest errors (unknown card) and ``CancelledError``
    are raised."""
    out = AftercareResult()
    if ingest:
        out.ingest = clips_service.ingest_card(catalog, card_id, progress=progress, cancel=cancel)
    if report_folder is not None and job_id is not None:
        try:
            folder = Path(report_folder) if report_folder else reports_service.default_report_folder(catalog)
            path = reports_service.offload_report_path(catalog, job_id, folder)
            path.parent.mkdir(parents=True, exist_ok=True)
            reports_service.write_offload_report(catalog, path, job_id=job_id,
                                                 options=reports_service.ReportOptions(rule=rule or SafeRule()))
            out.report = str(path)
        except Exception as exc:  # the clips are done; a report problem is told, not fatal
            out.report_error = explain(exc).text()
    return out


def _child_main(catalog_path: str, card_id: int, job_id: int | None, ingest: bool, report_folder: str | None,
                rule: SafeRule, conn) -> None:
    """The child process: :func:`aftercare`, progress after every clip, then the result."""
    from pixm_desktop.services.settings import open_catalog

    chan = ChildChannel(conn)
    catalog = open_catalog(catalog_path)
    try:
        result = aftercare(catalog, card_id, job_id, ingest, report_folder, chan.cancel,
                           lambda p: chan.send(("progress", p)), rule)
        chan.send(("result", result))
    except BaseException as exc:
        chan.send_error(exc)
    finally:
        catalog.close()
        chan.close()


class AftercareController(QObject):
    """Queues verified cards for clips and report; runs one at a time on the runner's ``post`` lane."""

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
        s = self.state.settings
        report_folder = s.report_folder if s.auto_report else None
        if self._closing or not (s.ingest_clips or report_folder is not None):
            return None
        if any(t.card_id == card_id and t.state == "queued" for t in self.tasks):
            return None
        task = AftercareTask(card_id, job_id, label, s.ingest_clips, report_folder, safe_rule(s))
        self.tasks.append(task)
        self.changed.emit()
        self._next()
        return task

    @property
    def pending(self) -> list[AftercareTask]:
        return [t for t in self.tasks if t.state in ("queued", "running")]

    def _next(self) -> None:
        if self._running is not None or self._closing:
            return
        task = next((t for t in self.tasks if t.state == "queued"), None)
        if task is None:
            self.poll.stop()
            return
        self._running = task
        task.state = "running"
        self.poll.start()
        self.state.runner.submit(self._run, task, lane="post", name=f"clips {task.label}",
                                 on_done=lambda r, t=task: self._done(t, r),
                                 on_error=lambda e, t=task: self._failed(t, e))

    def _run(self, task: AftercareTask) -> AftercareResult:
        """Worker thread: the child process (or, for a catalog without a file, this thread)."""
        def keep(p: IngestProgress) -> None:
            task.progress = p
            task.updates += 1

        catalog = self.state.catalog
        if self.isolate and catalog.path is not None:
            return run_child(_child_main, (str(catalog.path), task.card_id, task.job_id, task.ingest,
                                           task.report_folder, task.rule), task.cancel, keep,
                             name=f"pixm-clips-{task.uid}")
        return aftercare(catalog, task.card_id, task.job_id, task.ingest, task.report_folder, task.cancel, keep,
                         task.rule)

    def _done(self, task: AftercareTask, result: AftercareResult) -> None:
        task.state, task.result = "done", result
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
            task.state = "cancelled"
        else:
            task.state = "failed"
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
            if t.state in ("queued", "running"):
                t.cancel.cancel()
