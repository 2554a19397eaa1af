"""The offload queue: jobs, their life cycle, scheduling by resource keys, and the 100 ms progress poll.

Every piece of work goes through the window's :class:`~pixm_desktop.gui.runner.JobRunner` and the Qt-free job
layer (:mod:`pixm_desktop.services.jobs`): the offload kind's ``prepare`` (scan, recognise, plan; its resource
keys) on the ``io`` lane when a card is added, the job run in a child process by the supervisor on the
``offload`` lane when its keys are free (``services.jobs.schedule``). The child gets the card as ``prepare``
read it (``services.offload_handoff``) and uses it only when the card is unchanged since, else reads it again.
The engine writes progress into the job's ``ProgressSnapshot``; one QTimer reads all snapshots every 100 ms and
emits ``polled`` once — never a signal per file.

Before a job is queued, its planned destination set is checked against the safe-to-format rule
(``core.verdict.destination_set_problems``): when it cannot make the card safe (two destinations on one drive,
fewer drives than the rule needs, a drive the OS cannot tell) the ``confirm`` hook asks the loader. When a job
ends, the card's verdict is read from the catalog (``status.card_status``): a complete job shows that verdict,
never a verdict of its own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from pixm_desktop.core.errors import CancelledError, SourceError
from pixm_desktop.core.model import JobStatus
from pixm_desktop.core.states import JobKind
from pixm_desktop.core.verdict import CardState, SafeRule, destination_set_problems
from pixm_desktop.gui.errors import describe_failures, explain
from pixm_desktop.gui.jobs import (
    HOLDS_RESOURCES,
    RETRYABLE,
    DestinationView,
    JobState,
    OffloadJob,
    runnable,
)
from pixm_desktop.gui.runner import JobRunner
from pixm_desktop.services import jobs as job_layer
from pixm_desktop.services import progress
from pixm_desktop.services import status as status_service
from pixm_desktop.services.jobs.offload import OffloadKind
from pixm_desktop.services.jobs.supervisor import run_offload_process
from pixm_desktop.services.offload import OffloadRequest, OffloadResult, PreparedOffload
from pixm_desktop.services.settings import Catalog
from pixm_desktop.services.status import ResumableJob, planned_drive, short_names

POLL_MS = 100


class QueueController(QObject):
    """Owns the jobs; views listen to its signals and call its actions."""

    added = Signal(object)  # job
    changed = Signal(object)  # job: state, destinations or texts changed
    removed = Signal(object)  # job
    reordered = Signal()
    finished = Signal(object)  # job reached completed / failed / cancelled / interrupted / error
    polled = Signal()  # once per poll tick while something runs
    notify = Signal(str, str, str, str)  # title, text, kind (ok|error|warn|info), details
    #: a notice about a job that Retry can fix: title, text, kind, details, job (the notice gets a Retry button)
    job_notice = Signal(str, str, str, str, object)

    def __init__(self, catalog: Catalog, runner: JobRunner, parent: QObject | None = None, *,
                 isolate: bool = True):
        super().__init__(parent)
        self.catalog = catalog
        self.isolate = isolate
        self.runner = runner
        self.jobs: list[OffloadJob] = []
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._tick)
        self._closing = False
        #: the safe-to-format rule now (the page hands in the settings' rule)
        self.rule: Callable[[], SafeRule] = SafeRule
        #: ``confirm(job, problems, answer)`` asks the loader whether to copy to a destination set that cannot
        #: make the card safe; ``answer(True)`` copies, ``answer(False)`` drops the job. None: never asked.
        self.confirm: Callable[[OffloadJob, list[str], Callable[[bool], None]], None] | None = None
        self.accepted_sets: set = set()  # sets the loader said "Copy anyway" to, this session
        self._asking: dict = {}  # set → jobs waiting for the loader's answer

    # -- adding ---------------------------------------------------------------------------------------
    def find_active(self, source: os.PathLike | str) -> OffloadJob | None:
        key = os.path.realpath(source)
        return next((j for j in self.jobs if j.active and os.path.realpath(j.source) == key), None)

    def add(self, request: OffloadRequest, label: str | None = None) -> OffloadJob | None:
        """Queue an offload of ``request.source``; ``None`` (with a notice) if that card is already queued."""
        if (other := self.find_active(request.source)) is not None:
            self.notify.emit("Already in the queue", f"{other.label} is already in the offload queue "
                             f"({other.state.value}).", "info", "")
            return None
        job = OffloadJob(request=request, label=label or Path(request.source).name)
        job.destinations = [DestinationView(str(d), required=r) for d, r in
                            zip(request.destinations, request.required or [True] * len(request.destinations),
                                strict=True)]
        self.jobs.append(job)
        self.added.emit(job)
        self._prepare(job)
        return job

    def add_interrupted(self, resumable: ResumableJob) -> OffloadJob:
        """Show a job a crash (or a pulled card) left ``interrupted``, ready to resume."""
        req = resumable.request
        job = OffloadJob(request=req, label=resumable.card, state=JobState.INTERRUPTED,
                         resumed_job_id=resumable.job_id, card_id=resumable.card_id, files=resumable.files,
                         total_bytes=resumable.total_bytes)
        job.destinations = [DestinationView(str(d), required=r) for d, r in
                            zip(req.destinations, req.required or [True] * len(req.destinations), strict=True)]
        job.headline = f"{resumable.card}: {resumable.reason}"
        job.advice = "press Resume to finish it: files already verified are not copied again"
        for d in job.destinations:
            d.state = "interrupted"
        self.jobs.append(job)
        self.added.emit(job)
        return job

    def _prepare(self, job: OffloadJob) -> None:
        job.state = JobState.PREPARING
        job.run_options = None  # a reading handed by an earlier prepare never goes to this run
        self.changed.emit(job)
        self.runner.submit(job_layer.prepare, self.catalog, OffloadKind(hand_plan=True), job.request, lane="io",
                           name=f"prepare {job.label}", on_done=lambda r, j=job: self._prepared(j, r),
                           on_error=lambda e, j=job: self._failed_to_start(j, e))

    def _prepared(self, job: OffloadJob, run: job_layer.JobRun) -> None:
        if job.state != JobState.PREPARING:
            return  # cancelled while checking
        p: PreparedOffload = run.prepared.detail
        job.run_options = run.prepared.options  # the request, or with the card's reading to hand to the child
        plan = p.plan
        job.label, job.camera, job.reel = plan.card_label, p.identity.camera.value, p.identity.reel
        job.files, job.total_bytes, job.known_summary = len(plan.files), plan.total_bytes, p.known_summary
        job.warnings = list(plan.warnings)
        job.card_id = p.known_card_id
        # jobs writing to one physical disk (two partitions, a RAID and a member) wait for each other
        job.resources = run.resources
        names = short_names([(Path(view.root).name or view.root, d.volume.label)
                             for view, d in zip(job.destinations, plan.destinations, strict=True)])
        for view, d, name in zip(job.destinations, plan.destinations, names, strict=True):
            view.card_path, view.volume, view.required = str(d.card_path), name, d.required
            view.state = "waiting"
        rule = self.rule()
        drives = [(view.volume or view.root, *planned_drive(d)) for view, d in
                  zip(job.destinations, plan.destinations, strict=True)]
        problems = destination_set_problems(drives, rule)
        if problems:
            job.warnings = [*problems, *job.warnings]
            key = (rule, tuple((view.root, drive) for view, (_l, drive, _n) in zip(job.destinations, drives,
                                                                                    strict=True)))
            if key in self.accepted_sets:
                job.set_accepted = True
            elif self.confirm is not None:
                job.headline = f"{job.label}: waiting for your answer — this destination set cannot make it safe"
                self.changed.emit(job)
                waiting = self._asking.setdefault(key, [])
                waiting.append(job)
                if len(waiting) == 1:  # cards dropped together on one set: one question
                    self.confirm(job, problems, lambda ok, k=key, p=problems: self._answered(k, p, ok))
                return
        self._queue(job)

    def _queue(self, job: OffloadJob) -> None:
        job.state = JobState.QUEUED
        job.headline = ""
        self.changed.emit(job)
        self.schedule()

    def _answered(self, key, problems: list[str], go_on: bool) -> None:
        """The loader's answer to the destination-set warning, for every job waiting on that set."""
        if go_on:
            self.accepted_sets.add(key)
        for job in self._asking.pop(key, []):
            if job.state == JobState.PREPARING:  # not cancelled while asking
                self._answer_job(job, problems, go_on)

    def _answer_job(self, job: OffloadJob, problems: list[str], go_on: bool) -> None:
        if go_on:
            job.set_accepted = True
            self._queue(job)
            return
        job.state = JobState.CANCELLED
        job.headline = f"{job.label}: not copied — {problems[0]}"
        job.advice = ("add a destination on another drive in Destinations (or change the safe-to-format rule in "
                      "Settings), then press Retry")
        for d in job.destinations:
            d.state = "not copied"
        self.changed.emit(job)
        self.finished.emit(job)
        self.schedule()

    def _failed_to_start(self, job: OffloadJob, exc: BaseException) -> None:
        if job.state != JobState.PREPARING:
            return
        e = explain(exc, card=job.label, retry=True)
        job.state, job.headline, job.advice, job.details = JobState.ERROR, e.headline, e.advice, e.details
        self.changed.emit(job)
        self.finished.emit(job)
        self.job_notice.emit(f"{job.label} could not start", e.text(), "error", e.details, job)

    # -- running --------------------------------------------------------------------------------------
    def schedule(self) -> None:
        if self._closing:
            return
        for job in runnable(self.jobs):
            self._start(job)

    def _start(self, job: OffloadJob) -> None:
        job.reset_for_run()
        job.state = JobState.RUNNING
        for d in job.destinations:
            d.state = "starting"
        self.changed.emit(job)
        self.runner.submit(self._run, job, lane="offload", name=f"offload {job.label}",
                           on_done=lambda r, j=job: self._done(j, r), on_error=lambda e, j=job: self._error(j, e))
        if not self.poll.isActive():
            self.poll.start()

    def _run(self, job: OffloadJob) -> OffloadResult:
        """Worker thread: the offload job kind plans again (the queue may have waited: the card's reading from
        ``prepare`` is used only if the card is unchanged, the destinations and catalog are checked afresh) and
        runs; progress goes into the job's snapshot.

        With a catalog file the job runs in a child process (``services.jobs.supervisor``: the window keeps the
        interpreter to itself); otherwise, or with ``isolate=False``, in this thread."""
        if self.isolate and self.catalog.path is not None:
            return run_offload_process(self.catalog.path, job.run_options or job.request, job.cancel, job,
                                       name=f"pixm-offload-{job.uid}")
        return job_layer.execute(self.catalog, JobKind.OFFLOAD, job.run_options or job.request, cancel=job.cancel,
                                 on_progress=lambda p: setattr(job, "progress", p))

    def _done(self, job: OffloadJob, r: OffloadResult) -> None:
        job.result, job.finished_at = r, time.monotonic()
        job.catalog_job_id, job.card_id = r.job_id, r.card_id
        self._tick_job(job)
        problems = []
        for view, out in zip(job.destinations, r.destinations, strict=False):
            view.verified, view.failed, view.error = out.verified, out.failed, out.error
            view.fraction = 1.0
            if out.ok:
                view.state = "verified"
            else:
                view.state = f"failed ({out.failed} file{'s' if out.failed != 1 else ''})" if out.failed else "failed"
                problems.append(describe_failures(r.card_label, view.volume or view.root, out.failures, out.error))
        if r.status != JobStatus.COMPLETED and job.cancel is not None and job.cancel.cancelled:
            job.state = JobState.CANCELLED  # stopped while verifying: the engine returns what it has
            job.headline = f"{r.card_label}: offload stopped by the user"
            job.advice = "press Retry to continue: verified files are kept"
            for view in job.destinations:
                if view.state != "verified":
                    view.state = "cancelled"
            self.read_verdict(job)  # the card tile shows the card's verdict, whatever stopped the job
            self._after(job)
            return
        if r.status == JobStatus.COMPLETED:
            job.state = JobState.COMPLETED
            job.headline = (f"{r.card_label}: {r.files} files verified on {len(r.destinations)} destination(s) "
                            f"in {r.seconds:.0f} s")
            self.read_verdict(job, notify=True)  # complete is not safe: the card's verdict says what it is
        else:
            job.state = JobState.FAILED
            first = problems[0] if problems else None
            job.headline = first.headline if first else f"{r.card_label}: not every file verified"
            job.advice = first.advice if first else "press Retry"
            job.details = "\n\n".join(p.details for p in problems) or (r.source_verify_failures and "\n".join(
                f"{f}: {why}" for f, why in r.source_verify_failures)) or ""
            self.job_notice.emit(f"{r.card_label} failed", f"{job.headline}\nWhat to do: {job.advice}", "error",
                                 job.details, job)
            self.read_verdict(job)
        self._after(job)

    # -- the card's verdict ----------------------------------------------------------------------------
    def read_verdict(self, job: OffloadJob, notify: bool = False) -> None:
        """Read the verdict of the job's card from the catalog (``catalog`` lane); ``notify``: tell the loader."""
        if job.card_id is None or self._closing:
            return
        self.runner.submit(status_service.card_status, self.catalog, job.card_id, rule=self.rule(), lane="catalog",
                           name=f"verdict {job.label}", on_done=lambda st, j=job: self._verdict_read(j, st, notify),
                           on_error=lambda e, j=job: self._verdict_failed(j, e, notify))

    def refresh_verdicts(self) -> None:
        """Read again the verdict of every finished job's card (a re-verify or another job may have changed it)."""
        for job in self.jobs:
            if not job.active:
                self.read_verdict(job)

    def _verdict_read(self, job: OffloadJob, st: status_service.CardStatus | None, notify: bool) -> None:
        if st is None or job.active:
            return
        changed = job.verdict != st.verdict
        job.verdict = st.verdict
        if changed:
            self.changed.emit(job)
        if not notify:
            return
        r, v = job.result, st.verdict
        warnings = "\n".join(r.warnings) if r is not None else ""
        if v.safe:
            self.notify.emit(f"{job.label} safe to format", f"{job.headline}\n{v.headline}: {v.reason}", "ok",
                             warnings)
        else:
            self.notify.emit(f"{job.label} complete — {v.title}", f"{job.headline}\n{v.headline}",
                             "error" if v.state == CardState.FAILED else "warn", warnings)

    def _verdict_failed(self, job: OffloadJob, exc: BaseException, notify: bool) -> None:
        e = explain(exc, card=job.label)
        if notify:
            self.notify.emit(f"{job.label}: verdict unknown", f"the catalog could not be read: {e.text()}", "error",
                             e.details)

    def _error(self, job: OffloadJob, exc: BaseException) -> None:
        job.finished_at = time.monotonic()
        e = explain(exc, card=job.label, retry=True)
        job.headline, job.advice, job.details = e.headline, e.advice, e.details
        if isinstance(exc, CancelledError) or (job.cancel and job.cancel.cancelled):
            job.state = JobState.CANCELLED
        elif isinstance(exc, SourceError):
            job.state = JobState.INTERRUPTED
            self.job_notice.emit(f"{job.label} interrupted", e.text(), "error", e.details, job)
        else:
            job.state = JobState.FAILED
            self.job_notice.emit(f"{job.label} failed", e.text(), "error", e.details, job)
        for d in job.destinations:
            if d.state not in ("verified",):
                d.state = job.state.value
        self.read_verdict(job)
        self._after(job)

    def _after(self, job: OffloadJob) -> None:
        self.changed.emit(job)
        self.finished.emit(job)
        self.schedule()
        if not any(j.state in HOLDS_RESOURCES for j in self.jobs):
            self.poll.stop()

    # -- progress -------------------------------------------------------------------------------------
    def _tick(self) -> None:
        for job in self.jobs:
            if job.state in HOLDS_RESOURCES:
                self._tick_job(job)
        self.polled.emit()

    def _tick_job(self, job: OffloadJob) -> None:
        p = job.progress
        if p is None:
            return
        now = time.monotonic()
        if job.state == JobState.RUNNING:
            p.update_rate(now)
        job.total_bytes, job.files = p.total_bytes, p.total_files
        total = max(1, p.total_bytes)
        for view, d in zip(job.destinations, list(p.destinations), strict=False):
            copied = min(total, max(d.bytes_written, d.bytes_verified))
            view.fraction = progress.destination_fraction(d.bytes_written, d.bytes_verified, p.total_bytes)
            done = round(view.fraction * 2 * total)  # bytes of this destination's copy + re-read work
            view.rate = view.meter.update(done, now) if job.state == JobState.RUNNING else 0.0
            view.eta = progress.destination_eta(view.fraction, p.total_bytes, view.rate)
            view.verified, view.failed = d.files_verified, d.files_failed
            if job.state == JobState.PAUSED:
                view.state = "paused"
            elif job.state == JobState.CANCELLING:
                view.state = "stopping"
            elif d.files_failed:
                view.state = f"{d.files_failed} failed, copying"
            elif p.total_bytes and d.bytes_verified >= p.total_bytes:
                view.state = "verified" if p.phase != "mhl" else "writing ASC MHL"
            elif copied >= total:
                view.state = "verifying"
            elif done:
                view.state = "copying"

    # -- actions --------------------------------------------------------------------------------------
    def pause(self, job: OffloadJob) -> bool:
        if job.state != JobState.RUNNING or job.cancel is None:
            return False
        job.cancel.pause()
        job.state = JobState.PAUSED
        self._tick_job(job)
        self.changed.emit(job)
        return True

    def resume(self, job: OffloadJob) -> bool:
        """Continue a paused job, or start again one that failed, was cancelled or interrupted."""
        if job.state == JobState.PAUSED and job.cancel is not None:
            job.cancel.resume()
            job.state = JobState.RUNNING
            job.meter.reset()
            for d in job.destinations:
                d.meter.reset()
            self._tick_job(job)
            self.changed.emit(job)
            return True
        return self.retry(job)

    def retry(self, job: OffloadJob) -> bool:
        """Run a finished-but-not-verified job again: verified files are skipped, known-bad copies replaced."""
        if job.state not in RETRYABLE:
            return False
        if (other := self.find_active(job.source)) is not None and other is not job:
            self.notify.emit("Already in the queue", f"{other.label} is already in the offload queue.", "info", "")
            return False
        self._prepare(job)
        return True

    def cancel(self, job: OffloadJob) -> bool:
        if job.state in (JobState.RUNNING, JobState.PAUSED) and job.cancel is not None:
            job.state = JobState.CANCELLING
            job.cancel.cancel(by_user=True)  # wakes a paused job too; the worker stops at the next chunk
            self.changed.emit(job)
            return True
        if job.state in (JobState.QUEUED, JobState.PREPARING):
            job.state = JobState.CANCELLED
            job.headline = f"{job.label}: removed from the queue before it started"
            self.changed.emit(job)
            self.finished.emit(job)
            self.schedule()
            return True
        return False

    def move(self, job: OffloadJob, delta: int) -> bool:
        i = self.jobs.index(job)
        k = max(0, min(len(self.jobs) - 1, i + delta))
        if k == i:
            return False
        self.jobs.insert(k, self.jobs.pop(i))
        self.reordered.emit()
        self.schedule()
        return True

    def remove(self, job: OffloadJob) -> bool:
        if job.active:
            return False
        self.jobs.remove(job)
        self.removed.emit(job)
        return True

    def clear_finished(self) -> int:
        done = [j for j in self.jobs if j.state in (JobState.COMPLETED, JobState.CANCELLED)]
        for j in done:
            self.remove(j)
        return len(done)

    def running(self) -> list[OffloadJob]:
        return [j for j in self.jobs if j.state in HOLDS_RESOURCES]

    def shutdown(self) -> None:
        """Stop every running job (they become ``interrupted`` in the catalog and resume on the next start)."""
        self._closing = True
        self.poll.stop()
        for j in self.jobs:
            if j.state in HOLDS_RESOURCES and j.cancel is not None:
                j.cancel.cancel()
