"""The one child-process supervisor: any job kind runs in a spawned child by kind name and options
(:func:`run_job_in_child`), streaming its progress back; plus a kept worker process for the window's heavy
catalog calls (:class:`ServiceProcess`, the reports). Children run at lower CPU priority. No Qt here: the window
calls these on its runner's worker threads, ``pixm`` may call them from any thread.

Why a process: the engine's reader, writer and verifier threads hold the Python interpreter lock in bursts
(hashing, buffer copies, catalog rows); with several of them on a cart's few cores, any other Python thread of
the same process — the GUI thread included — waits up to tens of milliseconds at a time (measured: a 5 ms
ticker thread beside a headless offload on 2 cores saw 75 ms gaps). In a child process the job has its own
interpreter and the window stays responsive whatever the copy or the decoder does.

The pipe protocol (:func:`run_child` in the parent, :class:`ChildChannel` in the child):

- the child opens the catalog itself (SQLite WAL: the window reads while the child writes), runs the job
  through :func:`services.jobs.execute` (its row, its log), and sends ``("job", id)`` once the row exists,
  ``("progress", value)`` for every progress value (a ``ProgressSnapshot`` travels as its counters and is
  mirrored into one snapshot in the parent, which the window polls), ``("log", record)`` for its log records,
  then ``("result", value)`` or ``("error", …)``;
- the parent forwards pause / resume / cancel from the job's ``CancelToken``; an error comes back as the same
  class with its hint and the child's traceback as ``child_traceback`` (the window's error details show it);
- if the parent dies, the child sees its pipe close and cancels: the job ends ``interrupted``. SIGTERM/SIGINT
  in the child cancel too (a second one ends it). A child killed outright leaves its row ``running``; the next
  start marks it ``interrupted`` (:func:`services.jobs.recover_interrupted`). A child that ignores cancel for
  30 s is terminated, then killed.

Logging: a child never opens the log file; its records travel to the parent over the same pipe
(``core.logs.to_parent``, a ``QueueHandler``) and the parent writes them (``core.logs.handle_from_child``).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import pickle
import signal
import sys
import threading
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pixm_desktop.core import collector, logs
from pixm_desktop.core.errors import CancelledError, ChildProcessFailedError, PixmError, Remedy
from pixm_desktop.core.model import CancelToken, DestinationProgress, ProgressSnapshot
from pixm_desktop.core.states import JobKind
from pixm_desktop.services.offload import OffloadRequest, OffloadResult
from pixm_desktop.services.offload_handoff import HandedOffload

_CTX = mp.get_context("spawn")  # no fork: the parent has Qt and threads
log = logging.getLogger(__name__)


def run_job_in_child(catalog_path: Path, kind: JobKind | str, options, cancel: CancelToken | None,
                     on_progress, *, name: str = "", on_job=None):
    """Run a job of ``kind`` with ``options`` (picklable) in a spawned child on the catalog at ``catalog_path``;
    blocks until it ends and returns the kind's result or raises what the child raised. ``on_progress(value)``
    gets every progress value on this thread (an offload's :class:`ProgressSnapshot` is one object, kept current);
    ``on_job(job_id)`` the id of the job's row. Raises :class:`ChildProcessFailedError` when the child ends
    without a result (killed, crashed)."""
    kind = JobKind(kind)
    follower = _Follower(on_progress)
    try:
        return run_child(_job_main, (str(catalog_path), kind.value, options), cancel, follower,
                         name=name or f"pixm-{kind.value}", on_job=on_job)
    except ChildProcessError as exc:
        hint = "press Retry: files already verified are kept" if kind == JobKind.OFFLOAD else "run it again"
        raise ChildProcessFailedError(f"the {kind.value} process stopped unexpectedly ({exc})", remedy=Remedy.RETRY,
                                      hint=hint) from None


def run_offload_process(catalog_path: Path, request: OffloadRequest | HandedOffload, cancel: CancelToken,
                        progress_holder, *, name: str = "pixm-offload") -> OffloadResult:
    """:func:`run_job_in_child` for an offload of ``request`` (or of a request with the card's reading handed
    over, used only if still true: ``services.offload_handoff``): ``progress_holder.progress`` is set to a
    ``ProgressSnapshot`` that follows the child's counters."""
    return run_job_in_child(catalog_path, JobKind.OFFLOAD, request, cancel,
                            lambda p: setattr(progress_holder, "progress", p), name=name)


class _Follower:
    """The parent's side of progress: a snapshot's counters go into one kept :class:`ProgressSnapshot` (its
    rate meter keeps its history); any other value is handed on as it came."""

    def __init__(self, on_progress):
        self.on_progress = on_progress
        self.snapshot: ProgressSnapshot | None = None

    def __call__(self, payload) -> None:
        if isinstance(payload, tuple) and len(payload) == 2 and payload[0] == _SNAPSHOT:
            self.snapshot = apply_counters(self.snapshot, payload[1])
            payload = self.snapshot
        if self.on_progress is not None:
            self.on_progress(payload)


_SNAPSHOT = "snapshot"


def run_child(target, args: tuple, cancel: CancelToken | None, on_progress, *, name: str, on_job=None):
    """Run ``target(*args, conn)`` in a spawned process and supervise it; blocks until it ends.

    The child sends ``("progress", payload)`` (handed to ``on_progress`` on this thread), ``("job", id)``
    (handed to ``on_job``), then
    ``("result", value)`` (returned) or an error message from :func:`_error_message` (rebuilt and raised). This
    thread forwards pause / resume / cancel of ``cancel``. Raises ``ChildProcessError`` when the child ends
    without a result (killed, crashed); a child that ignores cancel for 30 s is terminated.
    """
    parent, child = _CTX.Pipe()
    proc = _CTX.Process(target=target, args=(*args, child), name=name, daemon=True)
    proc.start()
    child.close()
    sent_pause = False
    sent_cancel = False
    try:
        while True:
            if cancel is not None and cancel.cancelled and not sent_cancel:
                _send(parent, ("cancel", cancel.by_user))
                sent_cancel = True
            elif cancel is not None and not sent_cancel and cancel.paused != sent_pause:
                _send(parent, ("pause",) if cancel.paused else ("resume",))
                sent_pause = cancel.paused
            if parent.poll(0.05):
                try:
                    msg = parent.recv()
                except EOFError:
                    break
                if msg[0] == "progress":
                    on_progress(msg[1])
                elif msg[0] == "job":
                    if on_job is not None:
                        on_job(msg[1])
                elif msg[0] == "log":
                    logs.handle_from_child(msg[1])
                elif msg[0] == "result":
                    return msg[1]
                elif msg[0] == "error":
                    raise _rebuild(*msg[1:])
            elif not proc.is_alive():
                if parent.poll(0):
                    continue  # its last message came between the poll and its exit: read it first
                break
        proc.join(5)
        log.error("child process %s (pid %s) ended without a result: exit code %s", name, proc.pid, proc.exitcode)
        raise ChildProcessError(f"exit code {proc.exitcode}")
    finally:
        parent.close()
        proc.join(30)
        if proc.is_alive():  # it did not stop after cancel: end it (temp files are removed on the next run)
            proc.terminate()
            proc.join(5)
            if proc.is_alive():  # SIGTERM only cancels a job child (see _stop_on_signals): stuck, so kill
                proc.kill()
                proc.join(5)


def _send(conn, msg) -> None:
    try:
        conn.send(msg)
    except (BrokenPipeError, OSError):
        pass


def apply_counters(p: ProgressSnapshot | None, counters: dict) -> ProgressSnapshot:
    """``p`` with the child's counters (a new snapshot when the totals changed: the run was planned again)."""
    if p is None or p.total_bytes != counters["total_bytes"] or len(p.destinations) != len(counters["dests"]):
        p = ProgressSnapshot(counters["total_bytes"], counters["total_files"])
        p.destinations = [DestinationProgress() for _ in counters["dests"]]
    p.bytes_read, p.files_done = counters["bytes_read"], counters["files_done"]
    p.phase, p.current_file = counters["phase"], counters["current_file"]
    for d, (written, verified, fv, ff) in zip(p.destinations, counters["dests"], strict=True):
        d.bytes_written, d.bytes_verified, d.files_verified, d.files_failed = written, verified, fv, ff
    return p


def _counters(p: ProgressSnapshot) -> dict:
    return {"total_bytes": p.total_bytes, "total_files": p.total_files, "bytes_read": p.bytes_read,
            "files_done": p.files_done, "phase": p.phase, "current_file": p.current_file,
            "dests": [(d.bytes_written, d.bytes_verified, d.files_verified, d.files_failed)
                      for d in list(p.destinations)]}


def _error_message(exc: BaseException, tb: str) -> tuple:
    try:
        pickle.dumps(exc)  # a PIXM error pickles with its hint, remedy, path and details
        return ("error", exc, None, None, None, tb)
    except Exception:  # an unpicklable exception: send its words
        return ("error", RuntimeError, f"{type(exc).__name__}: {exc}", None, None, tb)


def _rebuild(kind, message, hint, path, tb) -> BaseException:
    if isinstance(kind, BaseException):
        exc = kind
    elif isinstance(kind, type) and issubclass(kind, PixmError):
        exc = kind.__new__(kind)
        PixmError.__init__(exc, message, hint=hint)
        exc.path = path
    else:
        exc = RuntimeError(message)
    exc.child_traceback = tb
    return exc


CHILD_NICE = 10  # POSIX niceness of child processes (Windows: below-normal priority class)


def _yield_cpu_to_the_window() -> None:
    """Lower this (child) process's CPU priority: on a cart's few cores the copy, hash and decode threads
    otherwise keep the GUI thread waiting for a core for tens of milliseconds. The window uses little CPU,
    so the child loses almost no throughput; I/O priority is unchanged."""
    try:
        import psutil

        proc = psutil.Process()
        proc.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS if sys.platform == "win32" else CHILD_NICE)
    except Exception:  # not permitted or not supported: run at normal priority
        pass


class ChildChannel:
    """The child's end of the pipe: ``send`` (thread-safe) and a ``cancel`` token that follows the parent's
    pause / resume / cancel commands. A closed pipe (the window died) cancels."""

    def __init__(self, conn):
        _yield_cpu_to_the_window()
        self.conn = conn
        self.cancel = CancelToken()
        self.done = threading.Event()
        self._lock = threading.Lock()
        logs.to_parent(self.send)  # this process's log records go to the window, which writes the file
        threading.Thread(target=self._commands, name="pixm-child-commands", daemon=True).start()

    def send(self, msg) -> None:
        with self._lock:
            try:
                self.conn.send(msg)
            except (BrokenPipeError, OSError):
                self.cancel.cancel()  # the window is gone

    def send_error(self, exc: BaseException) -> None:
        logs.log_error(log, exc, "child process")
        self.send(_error_message(exc, traceback.format_exc()))

    def _commands(self) -> None:
        while not self.done.is_set():
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                self.cancel.cancel()  # the window died: stop, the job becomes interrupted
                return
            if msg[0] == "cancel":
                self.cancel.cancel(by_user=bool(msg[1]) if len(msg) > 1 else False)
            elif msg[0] == "pause":
                self.cancel.pause()
            elif msg[0] == "resume":
                self.cancel.resume()

    def close(self) -> None:
        self.done.set()
        self.conn.close()


def _stop_on_signals(cancel: CancelToken) -> None:
    """In a job's child: SIGTERM (logout, shutdown, ``kill``) or SIGINT (Ctrl-C in the terminal that started
    the window reaches its children too) stops the run like a closing window: the job ends ``interrupted``."""
    def stop(signum, _frame) -> None:
        cancel.cancel()
        signal.signal(signum, signal.SIG_DFL)  # a second one ends the process at once

    for name in ("SIGTERM", "SIGINT"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def _wire(value):
    """A progress value as it crosses the pipe (a snapshot as its counters, see :class:`_Follower`)."""
    return (_SNAPSHOT, _counters(value)) if isinstance(value, ProgressSnapshot) else value


def _job_main(catalog_path: str, kind: str, options, conn) -> None:
    """The child process: run the job (row, progress, result), obey commands."""
    from pixm_desktop.services.jobs.run import execute
    from pixm_desktop.services.settings import open_catalog

    collector.tune()  # a process of its own: see core.collector
    chan = ChildChannel(conn)
    _stop_on_signals(chan.cancel)
    catalog = None
    try:
        catalog = open_catalog(catalog_path)
        result = execute(catalog, kind, options, cancel=chan.cancel,
                         on_progress=lambda v: chan.send(("progress", _wire(v))),
                         on_job=lambda job_id: chan.send(("job", job_id)))
        chan.send(("result", result))
    except BaseException as exc:
        chan.send_error(exc)
    finally:
        if catalog is not None:
            catalog.close()
        chan.close()


# --- a long-lived worker process for the window's heavy catalog work (reports) -------------------------------

_service_catalog = None  # the child's own catalog (opened once by the pool's initializer)


def _service_init(catalog_path: str) -> None:
    global _service_catalog
    from pixm_desktop.services.settings import open_catalog

    _yield_cpu_to_the_window()
    _service_catalog = open_catalog(catalog_path)


def _service_call(fn, args: tuple):
    """In the child: ``("result", fn(catalog, *args))`` or an error message (see :func:`_error_message`)."""
    try:
        return ("result", fn(_service_catalog, *args))
    except BaseException as exc:
        return _error_message(exc, traceback.format_exc())


class ServiceProcess:
    """One low-priority child process, started on first use and kept, for the window's CPU-heavy catalog work
    (laying out a report of hundreds of clips takes seconds of interpreter time: in the window's process that
    time would be taken from the GUI thread).

    ``call(fn, *args)`` runs ``fn(catalog, *args)`` there — ``fn`` a module-level function, arguments and
    result picklable — and returns the result or raises the error it raised (PIXM errors keep their hint).
    It blocks: call it on a runner worker. A catalog without a file runs ``fn`` in the calling thread.
    """

    def __init__(self, catalog):
        self.catalog = catalog
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._closed = False

    def call(self, fn, *args):
        if self.catalog.path is None:
            return fn(self.catalog, *args)
        with self._lock:
            if self._closed:
                raise CancelledError("the window is closing", hint="try again after the next start")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, mp_context=_CTX, initializer=_service_init,
                                                 initargs=(str(self.catalog.path),))
            future = self._pool.submit(_service_call, fn, args)
        try:
            msg = future.result()
        except BrokenProcessPool:
            with self._lock:
                self._pool = None  # started again on the next call
            log.error("the report process stopped unexpectedly")
            raise ChildProcessFailedError("the report process stopped unexpectedly", hint="try again",
                                          remedy=Remedy.RETRY) from None
        if msg[0] == "result":
            return msg[1]
        raise _rebuild(*msg[1:])

    def shutdown(self) -> None:
        """Let the running call finish, drop queued ones, end the process (idempotent)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
