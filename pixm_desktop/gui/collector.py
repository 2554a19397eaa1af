"""Python's cyclic garbage collection on the GUI thread only.

The collector runs in whichever thread happens to allocate when a generation's threshold is crossed: a card
scan, a thumbnail worker, a copy thread. If a reference cycle it breaks there holds a Qt widget, the widget's
C++ destructor runs on that worker thread, which Qt forbids (widgets live and die on the GUI thread) and
which can corrupt its widget list. So while the window is up, automatic collection is off and a timer on
the GUI thread collects the generations whose thresholds were crossed — the same schedule, on one thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    """``install()`` turns automatic collection off and starts collecting from a GUI-thread timer every
    ``interval_ms`` (milliseconds); ``uninstall()`` collects fully once more and gives collection back to
    Python. Only one collector should be installed at a time (it owns the interpreter's ``gc`` switch)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()
        self.collections = 0  # collections made by the timer (tests look)

    def install(self) -> None:
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer.start()

    def uninstall(self) -> None:
        self.timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is crossed (as the interpreter would); returns the
        generation collected, or -1 when none was due."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [g for g in range(3) if thresholds[g] and counts[g] > thresholds[g]]
        if not due:
            return -1
        gc.collect(due[-1])
        self.collections += 1
        return due[-1]
