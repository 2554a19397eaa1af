"""The leak guard every test runs under (autouse, from ``tests/conftest.py``; a plugin of its own with
``-p support.leaks``): a test fails if it leaves behind a child process or a running Qt timer.

Threads and open windows are checked by ``support.gui.no_thread_leaks`` (it needs the GUI fixtures). Here:

- **child processes**: every descendant of the test process (``psutil``, which also sees ``multiprocessing``
  and ``ProcessPoolExecutor`` workers) that was not there before the test and is still running a few seconds
  after it; zombies count as gone, and so do multiprocessing's session helpers (its resource tracker).
  A leaked child is killed after the report so the next test starts clean.
- **Qt deletions**: the ``deleteLater`` calls made while the test ran (pytest-qt's for the widgets a test
  registered, the cart's for its windows) are delivered after its teardown. Outside a running event loop Qt
  never delivers them by itself: every window of every GUI test stayed alive (93,644 widgets after the GUI
  tests), and one app-wide style change then took 88 s.
- **Qt timers**: every ``QTimer`` started from Python during the test (``QTimer.start`` is wrapped once,
  when Qt is loaded) that is still active after the test's fixtures were torn down; it is stopped after the
  report. Timers Qt starts inside C++ (``QTimer.singleShot``) are not seen.
"""

from __future__ import annotations

import sys
import weakref

import psutil
import pytest

GRACE = 10.0  # seconds a child may take to exit after the test (a worker finishing its last job)

_started: weakref.WeakSet | None = None  # QTimers started from Python since the guard was installed


def _watch_timers() -> weakref.WeakSet | None:
    """Wrap ``QTimer.start`` once Qt is loaded (never import it here: Qt-free tests stay Qt-free)."""
    global _started
    if _started is None and "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QTimer

        started: weakref.WeakSet = weakref.WeakSet()
        original = QTimer.start

        def start(self, *args, **kwargs):
            started.add(self)
            return original(self, *args, **kwargs)

        QTimer.start = start
        _started = started
    return _started


def _running_timers(started: weakref.WeakSet | None) -> list:
    if started is None:
        return []
    import shiboken6

    return [t for t in list(started) if shiboken6.isValid(t) and t.isActive()]


# multiprocessing's own helpers: started once on the first spawn and kept for the whole session by design
_SESSION_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")


def _is_session_helper(p: psutil.Process) -> bool:
    try:
        return any(h in " ".join(p.cmdline()) for h in _SESSION_HELPERS)
    except psutil.Error:
        return False


def _children() -> dict[int, psutil.Process]:
    try:
        return {p.pid: p for p in psutil.Process().children(recursive=True) if not _is_session_helper(p)}
    except psutil.Error:
        return {}


def _still_running(procs: list[psutil.Process]) -> list[psutil.Process]:
    _gone, alive = psutil.wait_procs(procs, timeout=GRACE)
    running = []
    for p in alive:
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                running.append(p)
        except psutil.NoSuchProcess:
            pass
    return running


def _describe(p: psutil.Process) -> str:
    try:
        return f"{p.pid} {' '.join(p.cmdline())[:120]}"
    except psutil.Error:
        return str(p.pid)


@pytest.fixture(autouse=True)
def no_leaked_processes_or_timers():
    """Fail the test (an error at teardown) if it left a child process running or a Qt timer active."""
    before_children = set(_children())
    started = _watch_timers()
    before_timers = {id(t) for t in _running_timers(started)}
    yield
    started = _watch_timers()
    timers = [t for t in _running_timers(started) if id(t) not in before_timers]
    new = [p for pid, p in _children().items() if pid not in before_children]
    running = _still_running(new)
    problems = [f"child process left running: {_describe(p)}" for p in running]
    problems += [f"Qt timer left running: {t.objectName() or type(t).__name__} every {t.interval()} ms "
                 f"(parent {type(t.parent()).__name__ if t.parent() is not None else None})" for t in timers]
    for p in running:
        try:
            p.kill()
        except psutil.Error:
            pass
    for t in timers:
        t.stop()
    assert not problems, "the test leaked:\n" + "\n".join(problems)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_teardown(item):
    yield
    _deliver_deferred_deletes()


def _deliver_deferred_deletes() -> None:
    if "PySide6.QtWidgets" not in sys.modules:
        return  # never import Qt here
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
