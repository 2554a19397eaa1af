"""The one way the window runs background work (Anki's single background-op path).

``runner.submit(fn, *args, on_done=…, on_error=…, lane=…)`` runs ``fn`` on a worker thread of ``lane`` and calls
``on_done(result)`` or ``on_error(exc)`` **on the GUI thread** (a queued Qt signal carries the outcome back).
Lanes are plain thread pools sized for their work:

- ``catalog``: one worker, every catalog read for the views (history, verification, sources) in order;
- ``io``: a few workers for card scans, free-space checks, mount polling, re-verification, eject;
- ``offload``: one worker per running offload; the queue decides what may run (``services.jobs.schedule``
  over the jobs' resource keys: per-drive order);
- ``aftercare``: one worker for what follows a verified offload (clips, thumbnails, offload report: the
  ``aftercare`` job kind, which holds the ``cpu`` key);
- ``dailies``: one worker that waits on a dailies render (the ``dailies`` job kind, in a child process).

Nothing else in the GUI starts threads, and progress never travels as signals: offloads write into a
``ProgressSnapshot`` that the window polls every 100 ms.

A worker never holds the last reference to anything the GUI gave it or will get back: the call, its outcome
and the callbacks ride on the ``Task`` and are let go on the GUI thread. Otherwise a widget whose bound
method was the work (or a Qt object in a result) could be destroyed on a worker thread when that thread drops
it, which corrupts Qt's widget list (a crash seen in a teardown's ``topLevelWidgets()``).
"""

from __future__ import annotations

import itertools
import logging
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal

from pixm_desktop.core import logs

log = logging.getLogger(__name__)
LANES = {"catalog": 1, "io": 4, "offload": 8, "aftercare": 1, "dailies": 1, "post": 1}


@dataclass(eq=False)
class Task:
    """A submitted piece of work. ``discard()`` drops its callbacks (the work itself runs to its end)."""

    id: int
    name: str
    lane: str
    on_done: Callable | None = None
    on_error: Callable | None = None
    done: bool = False
    discarded: bool = False
    error_details: str = field(default="", repr=False)
    call: tuple | None = field(default=None, repr=False)  # (fn, args, kwargs) until delivered
    outcome: tuple | None = field(default=None, repr=False)  # (ok, result or exception) until delivered

    def discard(self) -> None:
        self.discarded = True


class JobRunner(QObject):
    """Runs callables on worker threads and hands their outcome to the GUI thread."""

    _finished = Signal(object)  # task, its outcome set
    task_finished = Signal(object)  # task (after its callback ran): tests and the status bar listen

    def __init__(self, parent: QObject | None = None, lanes: dict[str, int] | None = None):
        super().__init__(parent)
        self._pools = {name: ThreadPoolExecutor(max_workers=n, thread_name_prefix=f"pixm-gui-{name}")
                       for name, n in (lanes or LANES).items()}
        self._ids = itertools.count(1)
        self._open: dict[int, Task] = {}
        self._closed = False
        self._finished.connect(self._deliver)

    def submit(self, fn: Callable, *args, on_done: Callable | None = None, on_error: Callable | None = None,
               lane: str = "io", name: str = "", **kwargs) -> Task:
        task = Task(next(self._ids), name or getattr(fn, "__name__", "task"), lane, on_done, on_error,
                    call=(fn, args, kwargs))
        if self._closed:  # a timer that fired while the window closes: nothing runs, nothing is called back
            task.done = task.discarded = True
            return task
        self._open[task.id] = task
        self._pools[lane].submit(self._work, task)
        return task

    def _work(self, task: Task) -> None:
        fn, args, kwargs = task.call
        try:
            task.outcome = (True, fn(*args, **kwargs))
        except BaseException as exc:  # handed to on_error on the GUI thread
            task.error_details = traceback.format_exc()
            logs.log_error(log, exc, task.name)  # every failure of the window's work, with its hint or traceback
            task.outcome = (False, exc)
        del fn, args, kwargs  # the task keeps them: the GUI thread lets them go (see the module's docstring)
        if not self._closed:
            self._finished.emit(task)

    def _deliver(self, task: Task) -> None:
        task.done = True
        self._open.pop(task.id, None)
        (ok, result), on_done, on_error = task.outcome, task.on_done, task.on_error
        task.call = task.outcome = task.on_done = task.on_error = None
        if self._closed or task.discarded:
            return
        try:
            if ok and on_done is not None:
                on_done(result)
            elif not ok:
                if on_error is not None:
                    on_error(result)
                else:
                    raise result
        finally:
            self.task_finished.emit(task)

    def busy(self, lane: str | None = None) -> int:
        """Tasks submitted and not yet delivered (in ``lane`` if given)."""
        return sum(1 for t in self._open.values() if lane is None or t.lane == lane)

    def shutdown(self, wait: bool = True) -> None:
        """Stop delivering results and join the worker threads (callers cancel long work first)."""
        self._closed = True
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=True)
