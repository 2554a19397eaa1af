"""The leak guard (support.leaks, autouse for every test) fails a test that leaves a child process running or
a Qt timer active, and passes one that cleans up; run on tiny test files in a pytest of their own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture
def inner(pytester, monkeypatch):
    """A pytest of its own with the guard loaded as a plugin (``-p support.leaks``) and a short grace."""
    tests = str(Path(__file__).parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([tests, os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")

    def run(source: str):
        pytester.makepyfile(test_inner="import support.leaks\nsupport.leaks.GRACE = 1.0\n" + source)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "support.leaks", "-p", "no:randomly")

    return run


def test_a_child_process_left_running_fails_the_test(inner):
    result = inner("""
import multiprocessing, subprocess, sys

def test_leaks_a_child():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])

def test_waits_for_its_children():
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    p = multiprocessing.get_context("spawn").Process(target=print)
    p.start()
    p.join()
""")
    result.assert_outcomes(passed=2, errors=1)  # the leaking test errors at teardown; the clean one passes
    result.stdout.fnmatch_lines(["*the test leaked:*", "*child process left running:*time.sleep(60)*"])
    assert "test_leaks_a_child" in "\n".join(line for line in result.outlines if line.startswith("ERROR"))


def test_a_running_qt_timer_fails_the_test(inner):
    result = inner("""
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

app = QApplication.instance() or QApplication([])
kept = []

def test_leaks_a_timer():
    timer = QTimer()
    timer.setObjectName("forgotten-refresh")
    timer.start(5000)
    kept.append(timer)

def test_stops_its_timer():
    timer = QTimer()
    timer.start(5000)
    timer.stop()
    kept.append(timer)

def test_a_timer_deleted_with_its_owner_is_no_leak():
    QTimer().start(5000)  # the Python-owned timer dies with its wrapper
""")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*Qt timer left running: forgotten-refresh every 5000 ms*"])


def test_a_widget_deleted_later_during_a_test_is_gone_before_the_next(inner):
    # outside a running event loop Qt never delivers deleteLater by itself: the guard does, after each test
    result = inner("""
from PySide6.QtWidgets import QApplication, QWidget
import shiboken6

app = QApplication.instance() or QApplication([])
kept = []

def test_closes_a_window():
    window = QWidget()
    child = QWidget(window)
    window.deleteLater()
    kept.append(child)  # a wrapper still held: only the C++ side goes

def test_the_window_is_deleted():
    assert not shiboken6.isValid(kept[0])
""")
    result.assert_outcomes(passed=2)
