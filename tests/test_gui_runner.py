"""The single background path: work runs off the GUI thread, results come back on it; and the Qt binding's
signal emission does not corrupt reference counts (PySide6 6.12.0 did: Python 3.11 aborted after ~1000 emits)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from pixm_desktop.gui.runner import JobRunner

pytest_plugins = ["support.gui", "pytester"]  # the cart and no_thread_leaks fixtures; pytester


def test_work_runs_off_the_gui_thread_and_results_arrive_on_it(qtbot, no_thread_leaks):
    runner = JobRunner(lanes={"io": 2, "catalog": 1})
    gui = threading.get_ident()
    seen: dict = {}

    def work(x):
        seen["worker"] = threading.get_ident()
        return x * 2

    def done(value):
        seen["result"], seen["callback"] = value, threading.get_ident()

    with qtbot.waitSignal(runner.task_finished, timeout=5_000):
        runner.submit(work, 21, on_done=done)
    assert seen["result"] == 42 and seen["callback"] == gui and seen["worker"] != gui

    def boom():
        raise OSError(5, "Input/output error")

    errors = []
    with qtbot.waitSignal(runner.task_finished, timeout=5_000):
        task = runner.submit(boom, on_error=errors.append, lane="catalog")
    assert isinstance(errors[0], OSError) and "Input/output error" in task.error_details
    discarded = []
    with qtbot.waitSignal(runner.task_finished, timeout=5_000, raising=False) as blocker:
        t = runner.submit(work, 1, on_done=discarded.append)
        t.discard()
    assert not blocker.signal_triggered and discarded == []
    qtbot.waitUntil(lambda: t.done, timeout=5_000)
    assert runner.busy() == 0
    runner.shutdown()
    runner.deleteLater()


class Mortal:
    """Records the thread it is destroyed on (a stand-in for a widget, which must die on the GUI thread)."""

    deaths: list[str] = []

    def __init__(self, value=0):
        self.value = value

    def work(self):
        return Mortal(self.value + 1)  # a result object, as thumbnails or rows are

    def done(self, result):
        self.seen = result.value

    def __del__(self):
        Mortal.deaths.append(threading.current_thread().name)


def test_the_worker_never_drops_the_last_reference_to_the_work_its_callbacks_or_results(qtbot, no_thread_leaks):
    """Whichever of the worker and the GUI thread lets go last, the objects of a task (the bound method's
    owner, its arguments, its result, the callbacks' owner) are destroyed on the GUI thread."""
    runner = JobRunner(lanes={"io": 4})
    Mortal.deaths = []
    tasks = []
    for i in range(200):
        owner = Mortal(i)
        tasks.append(runner.submit(owner.work, on_done=owner.done))
        del owner  # the runner holds the only references from here on
    qtbot.waitUntil(lambda: all(t.done for t in tasks), timeout=30_000)
    qtbot.waitUntil(lambda: len(Mortal.deaths) == 400, timeout=30_000)  # 200 owners and 200 results
    assert set(Mortal.deaths) == {threading.main_thread().name}, sorted(set(Mortal.deaths))
    runner.shutdown()
    runner.deleteLater()


def test_many_signal_emissions_from_threads_do_not_crash(tmp_path):
    script = textwrap.dedent("""
        import threading
        from PySide6.QtCore import QCoreApplication, QObject, Signal
        app = QCoreApplication([])
        class R(QObject):
            s = Signal(object)
        r = R()
        n = [0]
        def slot(_v):
            n[0] += 1
            if n[0] == 6000:
                app.quit()
        r.s.connect(slot)
        def work():
            for i in range(3000):
                r.s.emit(i)
        t = threading.Thread(target=work)
        t.start()
        for i in range(3000):
            r.s.emit(i)
        app.exec()
        t.join()
        print("emitted", n[0])
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "emitted 6000" in res.stdout, res.stderr[-2000:]


def test_the_leak_fixture_fails_a_test_that_leaves_a_thread_running(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    pytester.makepyfile(test_leaky="""
        import threading
        pytest_plugins = ["support.gui"]

        def test_leaks(no_thread_leaks):
            stop = threading.Event()
            threading.Thread(target=stop.wait, args=(20,), name="forgotten-worker", daemon=True).start()

        def test_clean(no_thread_leaks):
            t = threading.Thread(target=lambda: None, name="joined-worker")
            t.start()
            t.join()
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)  # the leaking test errors at teardown; the clean one passes
    result.stdout.fnmatch_lines(["*threads leaked by the test:*forgotten-worker*"])


def test_work_submitted_after_shutdown_is_dropped_quietly(qtbot):
    runner = JobRunner()
    runner.shutdown(wait=True)
    ran = []
    task = runner.submit(lambda: ran.append(1), on_done=ran.append, on_error=ran.append)
    qtbot.wait(100)
    assert task.done and task.discarded and ran == []


def test_service_process_runs_catalog_work_in_a_child_and_keeps_errors_readable(tmp_path, no_thread_leaks):
    from pixm_desktop.core.errors import UsageError
    from pixm_desktop.services import reports, status
    from pixm_desktop.services.jobs.supervisor import ServiceProcess
    from pixm_desktop.services.settings import open_catalog

    catalog = open_catalog(tmp_path / "catalog.sqlite")
    services = ServiceProcess(catalog)
    try:
        assert services.call(status.card_statuses) == []
        assert services.call(reports.default_report_folder) == tmp_path / "reports"
        try:
            services.call(reports.offload_report_path, 999, None)
        except UsageError as exc:
            assert "999" in exc.message and exc.hint  # the child's error, rebuilt with its advice
        else:
            raise AssertionError("an unknown job must raise")
        assert services._pool is not None and len(services._pool._processes) == 1  # one child, kept
    finally:
        services.shutdown()
        services.shutdown()
        catalog.close()


def test_cycles_are_collected_on_the_gui_thread_not_on_the_worker_that_crossed_the_threshold(qtbot, no_thread_leaks):
    """``no_thread_leaks`` installs the window's collector (``gui.collector``): a worker allocating past the
    collection threshold no longer collects a cycle holding a (stand-in) widget; the GUI thread's timer does."""
    Mortal.deaths = []
    m = Mortal()
    m.me = m  # a reference cycle: only the cyclic collector frees it
    del m
    kept = []

    def allocate():  # enough live containers to cross generation 0's threshold many times over
        kept.append([[i] for i in range(50_000)])

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert Mortal.deaths == []  # the worker did not collect
    qtbot.waitUntil(lambda: bool(Mortal.deaths), timeout=10_000)
    assert Mortal.deaths == [threading.main_thread().name]
