"""The job-kind contract (Vorta's ``prepare()``/``run()``, napari's generator progress).

A job kind is a small class with three functions:

- ``prepare(catalog, options) -> Prepared``: checks only (no threads, no writes); raises the project's errors
  (``UsageError``, ``PreflightError``…) so a job that cannot start never gets a row;
- ``resources(prepared) -> frozenset[str]``: what the job holds while it runs (see :mod:`.schedule`):
  ``source:<card root>``, ``drive:<member disk>`` for each destination drive, ``tape:<id>`` later, ``cpu``;
- ``run(prepared, cancel)``: a generator that yields progress values and returns the result
  (``StopIteration.value``). It honours ``cancel`` between yields (pause waits, cancel stops): a kind that
  never yields cannot be stopped. A stop raises :class:`CancelledError` or returns a result whose status says so.

``status_of(result)`` says how a returned result is recorded (``completed``, or ``failed`` with words).
``records_itself`` is true for a kind whose engine writes its own ``jobs`` row (offload): the job layer then
only adds the log lines to that row.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pixm_desktop.core.errors import CancelledError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import JobKind
from pixm_desktop.store.db import Catalog

#: seconds between progress values of a kind whose work runs on a thread (offload, verify)
PROGRESS_EVERY = 0.1


@dataclass(slots=True)
class Prepared:
    """What ``prepare`` found: the catalog, the options, the card (``None``: no single card), a label for
    people, and the kind's own findings (``detail``, e.g. the offload's ``PreparedOffload``)."""

    catalog: Catalog
    options: Any
    card_id: int | None = None
    label: str = ""
    source_path: str = ""
    detail: Any = None
    notes: list[str] = field(default_factory=list)  # lines for the job's log (warnings of the plan…)
    #: set by the job layer for a kind that records itself: call with the row's id once the engine made it
    on_row: Callable[[int], None] | None = None
    #: set by the job layer once the job's row exists (``None``: not recorded, or a kind that records itself)
    job_id: int | None = None


class JobKindBase:
    """Base of every job kind (see the module docstring). Subclasses set ``kind`` and implement the three."""

    kind: ClassVar[JobKind]
    records_itself: ClassVar[bool] = False

    def prepare(self, catalog: Catalog, options) -> Prepared:
        raise NotImplementedError

    def resources(self, prepared: Prepared) -> frozenset[str]:
        raise NotImplementedError

    def run(self, prepared: Prepared, cancel: CancelToken) -> Generator[Any, None, Any]:
        raise NotImplementedError

    def status_of(self, result) -> tuple[JobStatus, str | None]:
        """How a returned ``result`` is recorded: ``(status, error words or None)``."""
        return JobStatus.COMPLETED, None

    def summary(self, result) -> str:
        """One line for the job's log about ``result``."""
        return ""


def stopped(cancel: CancelToken, what: str, hint: str) -> None:
    """Between two steps of a job: wait while paused; raise :class:`CancelledError` (``what``, ``hint``) when
    cancelled."""
    cancel.wait_if_paused()
    if cancel.cancelled:
        raise CancelledError(what, hint=hint)


def on_thread(work: Callable[[], Any], latest: Callable[[], Any], cancel: CancelToken, *, name: str,
              inline: bool = False, every: float = PROGRESS_EVERY) -> Generator[Any, None, Any]:
    """Yield ``latest()`` (the live progress object, so a poller can follow it), run ``work()`` (a blocking call
    that obeys ``cancel`` itself) on a thread and yield ``latest()`` every ``every`` seconds until it ends, then
    once more; return its result or raise its error. Closing the generator early cancels the work and waits for
    it (a job is never left running behind its supervisor).

    ``inline``: run ``work()`` on the calling thread instead (a catalog without a file, ``sqlite://``, lives in
    one thread's connection); it still obeys ``cancel``, and ``latest()`` is yielded before and after."""
    yield latest()
    if inline:
        result = work()
        yield latest()
        return result
    box: dict = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # re-raised in the generator
            box["error"] = exc

    worker = threading.Thread(target=target, name=name, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(every)
            yield latest()
        yield latest()
    finally:
        if worker.is_alive():
            cancel.cancel()
            worker.join()
    if "error" in box:
        raise box["error"]
    return box["result"]
