"""The Offload page: mounted cards (Sources), the destination set, and the offload queue.

Cards are dragged from Sources (or the file manager) onto the queue; each becomes a job for the current
destination set. Mount roots are polled twice a second on the ``io`` lane, so a card shows up within a
second of being mounted; each new card is inspected (camera, reel, clips, "already offloaded on … to …") in
the background too.

Before a card is copied to a destination set that cannot make it safe to format (two destinations on one
drive, fewer drives than the rule needs, a drive the OS cannot tell), the page asks: **Copy anyway** or
**Cancel** (the default). "Copy anyway" is remembered for that set and rule until the window closes, so a
loader offloading ten cards to the same two folders is asked once; every such job still carries the warning,
and its card shows NOT SAFE when done.

Cards waiting in the queue (checking or queued, not started) are kept between runs and come back queued for
the destination set of the next start; jobs that had started are the catalog's interrupted jobs (resume).
Above everything, one tile per card of the queue shows its verdict from two metres (``card_tiles``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QSplitter, QVBoxLayout, QWidget

from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.jobs import JobState, OffloadJob
from pixm_desktop.gui.pages.card_tiles import CardTiles
from pixm_desktop.gui.pages.destinations_panel import DestinationsPanel
from pixm_desktop.gui.pages.queue_panel import QueuePanel
from pixm_desktop.gui.pages.sources_panel import INFO_ROLE, PATH_ROLE, SourcesPanel
from pixm_desktop.gui.queue import QueueController
from pixm_desktop.gui.settings_store import load_list, save_list
from pixm_desktop.gui.state import AppState
from pixm_desktop.services.settings import build_request
from pixm_desktop.services.status import safe_rule

WAITING_KEY = "offload/waiting"  # cards in the queue that had not started, kept between runs

__all__ = ["INFO_ROLE", "PATH_ROLE", "DestinationsPanel", "OffloadPage", "QueuePanel", "SourcesPanel"]


class OffloadPage(QWidget):
    """Sources on the left; destination set above the queue on the right."""

    def __init__(self, state: AppState, queue: QueueController, parent=None):
        super().__init__(parent)
        self.state = state
        self.queue = queue
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.tiles = CardTiles(queue, self)  # one tile per card of the queue: its verdict from two metres
        lay.addWidget(self.tiles)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.sources = SourcesPanel(state, queue, self.splitter)
        right = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.destinations = DestinationsPanel(state, right)
        self.queue_panel = QueuePanel(queue, right)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        self.right = right
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 5)
        lay.addWidget(self.splitter, 1)
        self.tiles.eject_requested.connect(lambda job: self.sources.eject_path(job.source, job.label))
        self.sources.offload_requested.connect(self.offload)
        self.sources.selection_changed.connect(
            lambda: self.destinations.set_preview_source(self.sources.selected_info()))
        self.queue_panel.tree.folders_dropped.connect(self.offload)
        queue.rule = lambda: safe_rule(self.state.settings)
        queue.confirm = self.confirm_destinations
        self.state.catalog_changed.connect(queue.refresh_verdicts)  # a re-verify may change a card's verdict
        self.state.settings_changed.connect(queue.refresh_verdicts)  # so may the rule
        self.warning: QMessageBox | None = None  # the open destination-set warning (for tests)
        self._restoring = False
        for sig in (queue.added, queue.changed, queue.removed, queue.reordered):
            sig.connect(self._save_waiting)
        self.sources.started.connect(self.restore_waiting)

    def _save_waiting(self, *_args) -> None:
        if self._restoring:
            return
        waiting = [{"source": j.source, "label": j.label, "day": j.request.day.isoformat()}
                   for j in self.queue.jobs if j.state in (JobState.PREPARING, JobState.QUEUED)]
        save_list(self.state.qsettings, WAITING_KEY, waiting)

    def restore_waiting(self) -> list[OffloadJob]:
        """Queue again the cards that waited in the queue when the window closed (still there, for today's
        destination set)."""
        jobs = []
        saved = load_list(self.state.qsettings, WAITING_KEY)
        self._restoring = True
        try:
            for w in saved:
                if not isinstance(w, dict) or not os.path.isdir(str(w.get("source", ""))):
                    continue
                try:
                    day = dt.date.fromisoformat(str(w.get("day")))
                    request = build_request(self.state.settings, Path(w["source"]), day, self.state.catalog.path)
                except Exception:  # noqa: BLE001 — a saved entry that no longer makes a request is dropped
                    continue
                if (job := self.queue.add(request, label=w.get("label") or None)) is not None:
                    jobs.append(job)
        finally:
            self._restoring = False
        self._save_waiting()
        return jobs

    def confirm_destinations(self, job: OffloadJob, problems: list[str], answer: Callable[[bool], None]) -> None:
        """Ask before copying ``job`` to a destination set that cannot make its card safe to format (window
        modal, not blocking: the queue and the other jobs go on while the question is open)."""
        box = QMessageBox(QMessageBox.Icon.Warning, "This destination set cannot make the card safe",
                          f"{job.label} would not be SAFE TO FORMAT after this copy:", parent=self)
        box.setObjectName("destinationWarning")
        box.setInformativeText("\n".join(f"• {p}" for p in problems) + "\n\nAdd a destination on another drive "
                               "(Destinations), or copy anyway and keep the card until it has its copies.")
        copy = box.addButton("Copy anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        self.warning = box

        def done(_result: int) -> None:
            self.warning = None
            box.deleteLater()
            answer(box.clickedButton() is copy)

        box.finished.connect(done)
        box.open()

    def offload(self, paths: list[str]) -> list[OffloadJob]:
        """Queue each folder for the current destination set (drop, button, auto-offload)."""
        jobs = []
        for p in paths:
            try:
                request = build_request(self.state.settings, Path(p), self.destinations.shoot_day(),
                                        self.state.catalog.path)
            except Exception as exc:
                e = explain(exc, card=Path(p).name)
                self.queue.notify.emit(f"{Path(p).name} was not queued", e.text(), "error", e.details)
                continue
            info = self.sources.infos.get(os.path.realpath(p))
            job = self.queue.add(request, label=info.label if info else None)
            if job is not None:
                jobs.append(job)
        if jobs:
            self.queue_panel.select(jobs[-1])
        return jobs
