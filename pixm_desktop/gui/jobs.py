"""Offload jobs as the queue holds them and the states of the window's tasks (no Qt here; the rate meter is
:class:`pixm_desktop.core.rate.RateMeter`, the scheduling rule :mod:`pixm_desktop.services.jobs.schedule`).

A job moves ``preparing → queued → running ⇄ paused → completed | failed | cancelled | interrupted``; ``error``
is a job that could not start (pre-flight). Jobs whose resource keys overlap (the card, each destination's
physical disks: ``services.jobs.offload.offload_resources``) run in queue order; jobs on disjoint drives run at
the same time (Vorta's one queue per site, per drive here).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from enum import StrEnum

from pixm_desktop.core.model import CancelToken, ProgressSnapshot
from pixm_desktop.core.rate import RateMeter
from pixm_desktop.core.verdict import CardVerdict
from pixm_desktop.services import progress
from pixm_desktop.services.jobs import schedule
from pixm_desktop.services.offload import OffloadRequest, OffloadResult
from pixm_desktop.services.offload_handoff import HandedOffload


class JobState(StrEnum):
    PREPARING = "preparing"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLING = "cancelling"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    ERROR = "error"


class TaskState(StrEnum):
    """A background task of the window that is not an offload (the aftercare of a verified card)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE = {JobState.PREPARING, JobState.QUEUED, JobState.RUNNING, JobState.PAUSED, JobState.CANCELLING}
#: states in which a job holds its resource keys (a paused job keeps its drives)
HOLDS_RESOURCES = {JobState.RUNNING, JobState.PAUSED, JobState.CANCELLING}
HOLDS_VOLUMES = HOLDS_RESOURCES  # the name the window's pages know
RETRYABLE = {JobState.FAILED, JobState.CANCELLED, JobState.INTERRUPTED, JobState.ERROR}

#: What each state means to a loader (shown next to the icon).
STATE_TEXT = {
    JobState.PREPARING: "checking",
    JobState.QUEUED: "waiting",
    JobState.RUNNING: "copying",
    JobState.PAUSED: "paused",
    JobState.CANCELLING: "stopping",
    JobState.COMPLETED: "complete",  # the job; whether the CARD is safe is its verdict (OffloadJob.verdict)
    JobState.FAILED: "failed",
    JobState.CANCELLED: "cancelled",
    JobState.INTERRUPTED: "interrupted",
    JobState.ERROR: "could not start",
}

_uids = itertools.count(1)


@dataclass(slots=True)
class DestinationView:
    """What the queue shows for one destination of a job."""

    root: str
    card_path: str = ""
    volume: str = ""
    required: bool = True
    state: str = "waiting"
    verified: int = 0
    failed: int = 0
    error: str | None = None
    fraction: float = 0.0  # copy + verify work done on this destination, 0–1
    rate: float = 0.0  # bytes/s of that work, smoothed
    eta: float | None = None  # seconds
    meter: RateMeter = field(default_factory=RateMeter)


@dataclass(eq=False)
class OffloadJob:
    """One card on its way to the destination set."""

    request: OffloadRequest
    label: str
    uid: int = field(default_factory=lambda: next(_uids))
    state: JobState = JobState.PREPARING
    camera: str = ""
    reel: str = ""
    files: int = 0
    total_bytes: int = 0
    resources: frozenset[str] = frozenset()  # resource keys (services.jobs.schedule) the job holds while it runs
    destinations: list[DestinationView] = field(default_factory=list)
    known_summary: str | None = None
    warnings: list[str] = field(default_factory=list)
    cancel: CancelToken | None = None
    progress: ProgressSnapshot | None = None
    result: OffloadResult | None = None
    headline: str = ""  # loader words for the last problem
    advice: str = ""
    details: str = ""
    resumed_job_id: int | None = None  # the catalog job this one resumes (start-up recovery)
    catalog_job_id: int | None = None
    card_id: int | None = None
    started_at: float | None = None
    finished_at: float | None = None
    meter: RateMeter = field(default_factory=RateMeter)
    #: THE card verdict after the job ended (read from the catalog); None until read
    verdict: CardVerdict | None = None
    #: the loader chose "Copy anyway" for a destination set that cannot make the card safe
    set_accepted: bool = False
    #: what the run gets from the last prepare: the request, or a ``HandedOffload`` (the card as read then,
    #: used by the run only if the card is unchanged); None before a prepare
    run_options: OffloadRequest | HandedOffload | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def source(self) -> str:
        return str(self.request.source)

    def figures(self) -> progress.CardFigures:
        """The card's progress from its destinations' (:func:`services.progress.card_figures`)."""
        return progress.card_figures([progress.DestinationFigures(d.fraction, d.rate, d.eta, d.verified, d.failed)
                                      for d in self.destinations])

    @property
    def duration(self) -> float | None:
        """Seconds the last run took (the engine's figure when it returned one); ``None`` before its end."""
        if self.result is not None and self.result.seconds:
            return float(self.result.seconds)
        if self.started_at is not None and self.finished_at is not None:
            return self.finished_at - self.started_at
        return None

    def reset_for_run(self) -> None:
        self.cancel = CancelToken()
        self.progress = None
        self.result = None
        self.headline = self.advice = self.details = ""
        self.verdict = None
        self.started_at = time.monotonic()
        self.finished_at = None
        self.meter.reset()
        for d in self.destinations:
            d.meter.reset()
            d.state, d.verified, d.failed, d.error = "waiting", 0, 0, None
            d.fraction, d.rate, d.eta = 0.0, 0.0, None


def runnable(jobs: list[OffloadJob]) -> list[OffloadJob]:
    """Queued jobs that may start now, in queue order (:func:`services.jobs.schedule.runnable` over their
    resource keys: none held by a running job or claimed by a job earlier in the queue)."""
    return schedule.runnable([(j, j.resources) for j in jobs if j.state == JobState.QUEUED],
                             [j.resources for j in jobs if j.state in HOLDS_RESOURCES])
