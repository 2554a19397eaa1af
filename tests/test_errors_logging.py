"""The error tree and the log (issue 10, build item 4).

Only leaf classes of ``core/errors.py`` are raised, none is dead, every exit code is in the README table; the
structured hint survives a child process; the CLI and the window's child processes write the rotating log in
``$PIXM_LOG_DIR``, and a child's traceback reaches the window's details text and the log.
"""

from __future__ import annotations

import ast
import functools
import inspect
import multiprocessing
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pixm_desktop.core import errors, logs
from support.cards import write

pytest_plugins = ["support.gui"]  # no_thread_leaks

PACKAGE = Path(errors.__file__).resolve().parents[1]
ROOT = PACKAGE.parent
TREE = {name: cls for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, errors.PixmError)}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(ROOT), ast.parse(path.read_text(encoding="utf-8"))


def _called_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _inner(cls) -> bool:
    return any(c is not cls and issubclass(c, cls) for c in TREE.values())


def test_only_leaf_classes_of_the_tree_are_raised_and_none_is_defined_elsewhere():
    raised_inner, outside = [], []
    for rel, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                name = _called_name(node.exc)
                if name in TREE and _inner(TREE[name]):
                    raised_inner.append(f"{rel}:{node.lineno} raises {name}")
            if (isinstance(node, ast.ClassDef) and str(rel) != "pixm_desktop/core/errors.py"
                    and any(_called_name(b) in TREE for b in node.bases)):
                outside.append(f"{rel}:{node.lineno} defines {node.name}")
    assert not raised_inner, "inner classes raised (raise a leaf):\n" + "\n".join(raised_inner)
    assert not outside, "error classes outside core/errors.py:\n" + "\n".join(outside)


def test_every_leaf_class_is_raised_somewhere():
    built = set()
    for rel, tree in _sources():
        if str(rel) == "pixm_desktop/core/errors.py":
            continue
        built |= {_called_name(n) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    dead = sorted(name for name, cls in TREE.items() if not _inner(cls) and name not in built)
    assert not dead, f"error classes never raised: {dead}"


def test_every_exit_code_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = {int(c) for c in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert {cls.exit_code for cls in TREE.values()} <= codes


def test_a_user_error_has_its_code_and_a_structured_hint_that_survives_pickling(tmp_path):
    from pixm_desktop.services.settings import OffloadSettings, build_request

    with pytest.raises(errors.UsageError) as err:  # was a bare PixmError: exit 1, "a bug"
        build_request(OffloadSettings(destinations=[]), tmp_path)
    assert err.value.exit_code == 2
    h = err.value.structured
    assert h.what == "no destination in the destination set" and "Destinations" in h.todo and h.exit_code == 2

    exc = errors.DestinationMissingError("RAID-A is not mounted", path=b"/Volumes/RAID-\xffA", hint="mount it",
                                         remedy=errors.Remedy.RETRY, details="tool said no")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is errors.DestinationMissingError
    assert back.structured == exc.structured and back.details == "tool said no"
    assert back.structured.where == "/Volumes/RAID-\ufffdA" and back.structured.remedy == errors.Remedy.RETRY


@pytest.fixture
def log_dir(tmp_path, monkeypatch):
    """A fresh ``$PIXM_LOG_DIR`` for this test; logging reset before and after (configure is once per process)."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("PIXM_LOG_DIR", str(folder))
    logs.reset()
    yield folder
    logs.reset()


def _pixm(*args: str, log_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIXM_LOG_DIR": str(log_dir), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pixm_desktop.cli", *args], env=env, capture_output=True,
                          text=True, timeout=300, cwd=ROOT)


def test_a_cli_offload_writes_its_job_to_the_log_file(env, log_dir):
    base, dests, catalog = env
    card = base / "A001"
    write(card / "CLIPS" / "A001C001.mov", os.urandom(200_000))
    write(card / "CLIPS" / "A001C002.mov", os.urandom(100_000))
    done = _pixm("offload", str(card), "--dest", str(dests[0]), "--dest", str(dests[1]), "--catalog", str(catalog),
                 "--project", "Log", "--day", "2026-11-23", log_dir=log_dir)
    assert done.returncode == 0, done.stderr
    text = (log_dir / "pixm.log").read_text(encoding="utf-8")
    assert re.search(r"INFO .*job \d+ started: offload of card A001 .*RAID-A.*SHUTTLE-B", text), text
    assert re.search(r"job \d+ ended completed: card A001 .*2 verified, 0 kept, 0 failed", text), text
    assert "ASC MHL generation 1 written" in text

    (base / "nowhere").mkdir()  # a folder with no history
    missing = _pixm("-v", "verify", str(base / "nowhere"), "--catalog", str(catalog), log_dir=log_dir)
    assert missing.returncode == 7
    assert "INFO pixm_desktop.cli: pixm" in missing.stderr  # --verbose echoes the log
    text = (log_dir / "pixm.log").read_text(encoding="utf-8")
    assert "MhlHistoryNotFoundError (exit 7)" in text and "nowhere" in text


def _deepest_cause(n: int) -> None:
    raise ZeroDivisionError(f"the real cause, {n} levels down")


def _failing_child(marker: str, conn) -> None:
    """A child process target: logs, then fails with an unexpected exception (as a bug in a service would)."""
    import logging

    from pixm_desktop.services.jobs.supervisor import ChildChannel

    chan = ChildChannel(conn)
    try:
        logging.getLogger("pixm_desktop.test").info("child %s at work", marker)
        _deepest_cause(3)
    except BaseException as exc:
        chan.send_error(exc)
    finally:
        chan.close()


def test_a_child_process_error_reaches_the_windows_details_in_words_and_its_traceback_the_log(qtbot, log_dir, no_thread_leaks):
    from pixm_desktop.gui.errors import explain
    from pixm_desktop.gui.notices import StripNotice as Notice
    from pixm_desktop.gui.runner import JobRunner
    from pixm_desktop.services.jobs.supervisor import run_child

    path = logs.configure()
    runner = JobRunner()
    failed = []
    try:
        child = functools.partial(run_child, _failing_child, ("m-42",), None, lambda p: None, name="pixm-test-child")
        runner.submit(child, on_error=failed.append, lane="aftercare")
        qtbot.waitUntil(lambda: bool(failed), timeout=60_000)
    finally:
        runner.shutdown()
    e = explain(failed[0], card="A001")
    notice = Notice("A001 failed", e.text(), "error", e.details)
    qtbot.addWidget(notice)
    shown = notice.details_view.toPlainText()
    # the details are words: the cause's last line and the log file; the traceback is in the log (below)
    assert "_deepest_cause" not in shown and "Traceback" not in shown
    assert "ZeroDivisionError: the real cause, 3 levels down" in shown
    assert f"log file: {path}" in shown and path == log_dir / "pixm.log"
    for handler in logs.logging.getLogger("pixm_desktop").handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert re.search(r"pixm-test-child\[\d+\] pixm_desktop.test: child m-42 at work", text), text
    assert "_deepest_cause" in text and "ZeroDivisionError: the real cause" in text


def _quick_result_child(conn) -> None:
    """A child process target that sends its result and ends at once."""
    conn.send(("result", 42))
    conn.close()


def test_a_result_sent_just_before_the_child_ends_is_still_read(monkeypatch):
    # the supervisor's poll timed out, then the child sent its result and ended before the liveness check:
    # the result was in the pipe, yet the job was reported "stopped unexpectedly (exit code 0)"
    from pixm_desktop.services.jobs import supervisor

    pipe = supervisor._CTX.Pipe

    class LatePoll:
        """The parent's end, its first wait answered "nothing" only once the child has ended."""

        def __init__(self, conn):
            self.conn, self.first = conn, True

        def poll(self, timeout=0.0):
            if self.first and timeout:
                self.first = False
                assert self.conn.poll(60)  # the child has sent its result…
                for proc in multiprocessing.active_children():
                    if proc.name == "pixm-test-quick":
                        proc.join(60)  # …and ended
                return False
            return self.conn.poll(timeout)

        def __getattr__(self, name):
            return getattr(self.conn, name)

    def late_pipe(*args, **kwargs):
        parent, child = pipe(*args, **kwargs)
        return LatePoll(parent), child

    monkeypatch.setattr(supervisor._CTX, "Pipe", late_pipe)
    assert supervisor.run_child(_quick_result_child, (), None, lambda p: None, name="pixm-test-quick") == 42
