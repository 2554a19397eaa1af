"""What an offload through the window costs beyond the headless one (issue 20, ``benchmarks/window_offload.py``):
the window's job children start without Qt, and progress reaches the GUI at a bounded rate — a few deliveries a
second, never one per file, no model reset per file. Counts only: no test here asserts a duration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QObject

from pixm_desktop.gui.jobs import JobState
from pixm_desktop.services.jobs import supervisor

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

ROOT = Path(__file__).resolve().parents[1]
QT_OR_WINDOW = ("PySide6", "shiboken6", "pixm_desktop.gui.window", "pixm_desktop.gui.pages")
FILES = 5000
LONG = 300_000  # ms: a ceiling for a loaded CI machine; the wait ends when the job does


def _env(*extra: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, extra), str(ROOT), env.get("PYTHONPATH", "")])
    return env


def test_the_window_entry_module_imports_neither_qt_nor_the_window():
    """``pixm-desktop`` is ``from pixm_desktop.gui.app import main``: that import must stay light, because every
    spawned job child runs it again (multiprocessing's ``__mp_main__``)."""
    code = ("import json, sys; import pixm_desktop.gui.app as app; "
            f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({QT_OR_WINDOW!r}))))")
    out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


PROBE = '''
import sys


def probe(conn):
    """A job child's body: report which of Qt and the window this process loaded, then end."""
    loaded = sorted(m for m in sys.modules if m.startswith(QT_OR_WINDOW))
    conn.send(("result", loaded))
    conn.close()
'''

ENTRY = '''
import sys
from pixm_desktop.gui.app import main  # the console script's one line (pyproject [project.gui-scripts])
if __name__ == "__main__":
    from probe_child import probe
    from pixm_desktop.services.jobs import supervisor
    print(supervisor.run_child(probe, (), None, None, name="probe"))
'''


def test_a_job_child_of_the_window_starts_without_qt_or_the_window(tmp_path):
    """The offload child of a window started as ``pixm-desktop`` (the console script as ``__main__``) loads
    neither PySide6 nor the window's pages (before: every child imported both, ~2 s and ~140 MB each)."""
    (tmp_path / "probe_child.py").write_text(PROBE.replace("QT_OR_WINDOW", repr(QT_OR_WINDOW)))
    entry = tmp_path / "pixm-desktop"
    entry.write_text(ENTRY)
    out = subprocess.run([sys.executable, str(entry)], env=_env(tmp_path), capture_output=True, text=True,
                         check=True, timeout=300)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
    assert supervisor._CTX.get_start_method() == "spawn"  # the reason the main module runs again


def _small_card(parent: Path, files: int) -> Path:
    card = parent / "GOPRO_07"
    for i in range(files):
        folder = card / "DCIM" / f"{100 + i % 50:03d}GOPRO"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"G{i:06d}.JPG").write_bytes(i.to_bytes(4, "big") * 64)
    return card


class _Counter(QObject):
    def __init__(self):
        super().__init__()
        self.n = 0

        self.names: dict[str, int] = {}

    def hit(self, *args) -> None:
        self.n += 1
        name = getattr(args[0], "name", "") if args else ""
        self.names[name] = self.names.get(name, 0) + 1


def test_progress_of_a_5000_file_card_reaches_the_gui_a_few_times_a_second_never_per_file(cart, qtbot):
    """While a 5,000-file card offloads through the window (queue, child process, card tile, queue row), the
    GUI gets at most ~20 progress deliveries a second (the 100 ms poll), a handful of state changes, and no
    model reset or row insert in the queue — whatever the number of files."""
    card = _small_card(cart.tmp / "cards", FILES)
    win = cart.window()
    queue = win.queue
    counts = {name: _Counter() for name in ("polled", "changed", "delivered", "reset", "rows")}
    queue.polled.connect(counts["polled"].hit)
    queue.changed.connect(counts["changed"].hit)
    win.runner.task_finished.connect(counts["delivered"].hit)
    model = win.offload_page.queue_panel.tree.model()
    t0 = time.monotonic()
    [job] = win.offload_page.offload([str(card)])
    model.modelReset.connect(counts["reset"].hit)
    model.rowsInserted.connect(counts["rows"].hit)
    qtbot.waitUntil(lambda: not job.active, timeout=LONG)
    seconds = time.monotonic() - t0  # only to bound a rate: a slower machine loosens the bound
    assert job.state == JobState.COMPLETED and job.files == FILES
    assert counts["polled"].n <= 20 * seconds + 5, (counts["polled"].n, seconds)  # ≤ 20 Hz, not per file
    # state changes only (running, completed, the verdict read…), never per file or per poll
    assert counts["changed"].n <= 10, counts["changed"].n
    # runner results: the pages' own polls (mounts twice a second, free space) plus a few for the job (prepare,
    # the run, its verdict, catalog reads after it) — per second, never per file
    assert counts["delivered"].n <= 5 * seconds + 20, (counts["delivered"].names, seconds)
    assert (counts["reset"].n, counts["rows"].n) == (0, 0)
    assert len(win.offload_page.tiles.tiles) == 1
