"""The offload queue view: one row per job, one child row per destination, progress painted by a delegate
and refreshed by the controller's 100 ms poll; pause, resume, cancel, retry and reorder act on the selection.

A complete job shows its CARD's verdict ("complete — NOT SAFE: …" in amber): green only when the card is safe
to format, never because the job itself completed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from pixm_desktop.gui.dnd import local_folders
from pixm_desktop.gui.jobs import RETRYABLE, STATE_TEXT, JobState, OffloadJob
from pixm_desktop.gui.queue import QueueController
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import (
    PROGRESS_KIND_ROLE,
    PROGRESS_ROLE,
    PROGRESS_TEXT_ROLE,
    ColumnFitter,
    ElideMiddleDelegate,
    ProgressDelegate,
    fmt_bytes,
    fmt_eta,
    fmt_rate,
    state_kind,
    verdict_kind,
    verdict_words,
)
from pixm_desktop.services import progress

UID_ROLE = Qt.ItemDataRole.UserRole + 2
KIND_ROLE = Qt.ItemDataRole.UserRole + 3  # the icon kind a destination row shows

QUEUE_COLUMNS = ("Card / destination", "State", "Progress", "Speed", "ETA", "Files")
#: (minimum px, weight) of each queue column (``widgets.fit_widths``)
QUEUE_FIT = [(160, 3.0), (130, 3.0), (150, 3.0), (100, 0.0), (100, 0.0), (70, 0.5)]


def job_kind(job: OffloadJob) -> str:
    """Icon / colour of a job row: a complete job takes its card's verdict (``wait`` until it is read)."""
    if job.state == JobState.COMPLETED:
        return verdict_kind(job.verdict) if job.verdict is not None else "wait"
    return state_kind(job.state)


def job_state_text(job: OffloadJob) -> str:
    """The State column: ``complete — SAFE TO FORMAT`` / ``complete — NOT SAFE: only 1 verified copy …``."""
    if job.state == JobState.COMPLETED:
        return "complete — " + (verdict_words(job.verdict) if job.verdict is not None else "checking the card…")
    return STATE_TEXT[job.state]


class QueueTree(QTreeWidget):
    """The job list; accepts cards dropped as file URLs (from Sources or the file manager)."""

    folders_dropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(len(QUEUE_COLUMNS))
        self.setHeaderLabels(list(QUEUE_COLUMNS))
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setRootIsDecorated(True)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setItemDelegateForColumn(2, ProgressDelegate(self))
        self.setItemDelegateForColumn(0, ElideMiddleDelegate(self))  # "A001C0…_RFO7": both ends stay
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # the State's reason: its start matters
        # minimum px and share of the room left; Files, then Speed, then ETA hide first on a small screen, so
        # Progress keeps its bar and words (the State's full reason is below the list and in the tooltip)
        self.fitter = ColumnFitter(self, QUEUE_FIT, hide_order=[5, 3, 4])

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasUrls():
            e.acceptProposedAction()
        else:
            e.ignore()

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:  # noqa: N802
        self.dragEnterEvent(e)

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        folders = local_folders(e.mimeData())
        if not folders:
            e.ignore()
            return
        e.setDropAction(Qt.DropAction.CopyAction)
        e.accept()
        self.folders_dropped.emit([str(f) for f in folders])


class QueuePanel(QGroupBox):
    """Jobs with per-destination progress, speed, ETA and state; pause, resume, cancel, retry, reorder."""

    def __init__(self, queue: QueueController, parent=None):
        super().__init__("Offload queue — drop cards here", parent)
        self.queue = queue
        self.items: dict[int, QTreeWidgetItem] = {}
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()

        def button(text, kind, tip, slot):
            b = QPushButton(status_icon(kind), text, self) if kind else QPushButton(text, self)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            bar.addWidget(b)
            return b

        def arrow(kind, tip, delta):
            b = QToolButton(self)
            b.setArrowType(kind)
            b.setToolTip(tip)
            b.setAccessibleName(tip.split(" (")[0])
            b.clicked.connect(lambda: self.move_selected(delta))
            bar.addWidget(b)
            return b

        self.pause_button = button("Pause", "pause", "Pause the selected job (Ctrl+P)", self.pause_selected)
        self.resume_button = button("Resume", "run", "Resume a paused or interrupted job (Ctrl+P)", self.resume_selected)
        self.cancel_button = button("Cancel", "stop", "Stop the selected job; verified files are kept (Ctrl+.)",
                                    self.cancel_selected)
        self.retry_button = button("Retry", "", "Run a failed job again: verified files are skipped, bad copies "
                                                "replaced (Ctrl+R)", self.retry_selected)
        self.up_button = arrow(Qt.ArrowType.UpArrow, "Move the job up the queue (Ctrl+Up)", -1)
        self.down_button = arrow(Qt.ArrowType.DownArrow, "Move the job down the queue (Ctrl+Down)", 1)
        bar.addStretch(1)
        self.clear_button = button("Clear done", "", "Remove verified and cancelled jobs from the list",
                                   self.queue.clear_finished)
        lay.addLayout(bar)
        self.tree = QueueTree(self)
        self.tree.setObjectName("queue")
        self.tree.itemSelectionChanged.connect(self._selection)
        lay.addWidget(self.tree, 1)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setObjectName("hint")
        lay.addWidget(self.detail)
        queue.added.connect(self._added)
        queue.changed.connect(self._changed)
        queue.removed.connect(self._removed)
        queue.reordered.connect(self._reordered)
        queue.polled.connect(self._polled)
        self._selection()

    # -- rows -----------------------------------------------------------------------------------------
    def _added(self, job: OffloadJob) -> None:
        item = QTreeWidgetItem(self.tree)
        item.setData(0, UID_ROLE, job.uid)
        for _ in job.destinations:
            QTreeWidgetItem(item)
        self.items[job.uid] = item
        item.setExpanded(True)
        self._changed(job)
        if not self.tree.selectedItems():
            self.tree.setCurrentItem(item)

    def _removed(self, job: OffloadJob) -> None:
        item = self.items.pop(job.uid, None)
        if item is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))

    def _reordered(self) -> None:
        selected = self.selected_job()
        for i, job in enumerate(self.queue.jobs):
            item = self.items[job.uid]
            idx = self.tree.indexOfTopLevelItem(item)
            if idx != i:
                expanded = item.isExpanded()
                self.tree.takeTopLevelItem(idx)
                self.tree.insertTopLevelItem(i, item)
                item.setExpanded(expanded)
        if selected is not None:
            self.tree.setCurrentItem(self.items[selected.uid])

    def _changed(self, job: OffloadJob) -> None:
        item = self.items.get(job.uid)
        if item is None:
            return
        kind = job_kind(job)
        item.setIcon(1, status_icon(kind))
        item.setText(1, job_state_text(job))
        camera = f" · {job.camera.upper()} {job.reel}" if job.camera else ""
        item.setText(0, f"{job.label}{camera}")
        tip = job.headline + (f"\nWhat to do: {job.advice}" if job.advice else "")
        if job.known_summary:
            tip = f"{job.known_summary}\n{tip}"
        for w in job.warnings:
            tip += f"\n⚠ {w}"
        if job.verdict is not None and job.state == JobState.COMPLETED:
            tip = f"{job.verdict.headline}\n{tip}"
        item.setToolTip(0, tip.strip() or job.source)
        item.setToolTip(1, tip.strip() or STATE_TEXT[job.state])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        while item.childCount() < len(job.destinations):
            QTreeWidgetItem(item)
        for i, d in enumerate(job.destinations):
            child = item.child(i)
            req = "" if d.required else " (optional)"
            child.setText(0, f"→ {d.volume or Path(d.root).name}{req}")
            child.setToolTip(0, d.card_path or d.root)
        self._fill(job)
        if job is self.selected_job():
            self._selection()

    def _polled(self) -> None:
        for job in self.queue.running():
            self._fill(job)

    def _fill(self, job: OffloadJob) -> None:
        """Card row figures from its destinations' (``services.progress``): its % is the slowest destination's,
        its ETA the longest; after the end the average speed and the duration stay."""
        item = self.items.get(job.uid)
        if item is None:
            return
        p = job.progress
        running = job.state in (JobState.RUNNING, JobState.PAUSED, JobState.CANCELLING)
        fig = job.figures()
        if job.state == JobState.COMPLETED:
            frac = 1.0
        elif p is not None:
            frac = fig.fraction
        else:
            frac = None
        kind = job_kind(job)
        _set_progress(item, frac, _job_progress_text(job, frac), kind)
        moving = job.state == JobState.RUNNING and p is not None
        speed, eta = "", ""
        if running:
            speed, eta = (fmt_rate(fig.rate), fmt_eta(fig.eta)) if moving else ("—", "—")
        elif (took := job.duration) is not None and job.state != JobState.PREPARING:
            avg = progress.average_rate(job.total_bytes, took)
            speed, eta = (f"avg {fmt_rate(avg)}" if avg else ""), f"took {fmt_eta(took)}"
        _set_text(item, 3, speed)
        _set_text(item, 4, eta)
        total = p.total_files if p is not None else job.files
        _set_text(item, 5, progress.files_text(fig.verified, total, fig.failed) if p is not None or job.result
                  else (f"{total} files" if total else ""))
        for i, d in enumerate(job.destinations):
            if i >= item.childCount():
                break
            child = item.child(i)
            kind = _dest_kind(d.state)
            if kind == "ok" and not (job.verdict is not None and job.verdict.safe):
                kind = "done"  # this folder's copies are verified; green is for a card that is safe
            if child.data(1, Qt.ItemDataRole.DisplayRole) != d.state or child.data(1, KIND_ROLE) != kind:
                child.setText(1, d.state)
                child.setData(1, KIND_ROLE, kind)
                child.setIcon(1, status_icon(kind))
            show = p is not None or job.state == JobState.COMPLETED
            _set_progress(child, d.fraction if show else None, f"{d.fraction * 100:.0f} %", kind)
            _set_text(child, 3, fmt_rate(d.rate) if moving else "")
            _set_text(child, 4, fmt_eta(d.eta) if moving else "")
            if total and (p is not None or job.result is not None):
                _set_text(child, 5, progress.files_text(d.verified, total, d.failed))

    # -- selection and actions ------------------------------------------------------------------------
    def selected_job(self) -> OffloadJob | None:
        items = self.tree.selectedItems()
        if not items:
            return None
        item = items[0]
        while item.parent() is not None:
            item = item.parent()
        uid = item.data(0, UID_ROLE)
        return next((j for j in self.queue.jobs if j.uid == uid), None)

    def select(self, job: OffloadJob) -> None:
        self.tree.setCurrentItem(self.items[job.uid])

    def _selection(self) -> None:
        job = self.selected_job()
        st = job.state if job else None
        self.pause_button.setEnabled(st == JobState.RUNNING)
        self.resume_button.setEnabled(st == JobState.PAUSED or st in RETRYABLE)
        self.resume_button.setText("Resume")
        self.cancel_button.setEnabled(st in (JobState.RUNNING, JobState.PAUSED, JobState.QUEUED, JobState.PREPARING))
        self.retry_button.setEnabled(st in RETRYABLE)
        self.up_button.setEnabled(job is not None and self.queue.jobs.index(job) > 0)
        self.down_button.setEnabled(job is not None and self.queue.jobs.index(job) < len(self.queue.jobs) - 1)
        if job is None:
            self.detail.setText("Drag a card here from Sources or the file manager. Select a job to pause, "
                                "resume, cancel, retry or reorder it.")
        else:
            text = job.headline or f"{job.label}: {STATE_TEXT[job.state]}"
            if job.state == JobState.COMPLETED:
                text += "\n" + (job.verdict.headline if job.verdict is not None else "reading the card's verdict…")
            if job.advice:
                text += f"\nWhat to do: {job.advice}"
            if job.known_summary and job.state in (JobState.QUEUED, JobState.PREPARING):
                text += f"\n{job.known_summary} — verified files will not be copied again"
            self.detail.setText(text)

    def pause_selected(self) -> None:
        if (job := self.selected_job()) is not None:
            self.queue.pause(job)

    def resume_selected(self) -> None:
        if (job := self.selected_job()) is not None:
            self.queue.resume(job)

    def toggle_pause(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        if job.state == JobState.RUNNING:
            self.queue.pause(job)
        else:
            self.queue.resume(job)

    def cancel_selected(self) -> None:
        if (job := self.selected_job()) is not None:
            self.queue.cancel(job)

    def retry_selected(self) -> None:
        if (job := self.selected_job()) is not None:
            self.queue.retry(job)

    def move_selected(self, delta: int) -> None:
        if (job := self.selected_job()) is not None:
            self.queue.move(job, delta)
            self._selection()


def _dest_kind(state: str) -> str:
    if state.startswith("verified"):
        return "ok"
    if "failed" in state or state in ("error",):
        return "fail"
    if state == "paused":
        return "pause"
    if state in ("copying", "verifying", "writing ASC MHL", "starting"):
        return "run"
    if state in ("interrupted",):
        return "interrupted"
    if state in ("cancelled", "stopping"):
        return "stop"
    return "wait"


def _job_progress_text(job: OffloadJob, frac: float | None) -> str:
    if frac is None:
        return ""
    total = job.total_bytes or (job.progress.total_bytes if job.progress else 0)
    return f"{frac * 100:.0f} % of {fmt_bytes(total)}" if total else f"{frac * 100:.0f} %"


def _set_text(item: QTreeWidgetItem, col: int, text: str) -> None:
    if item.text(col) != text:
        item.setText(col, text)


def _set_progress(item: QTreeWidgetItem, frac: float | None, text: str, kind: str = "run") -> None:
    value = None if frac is None else int(frac * 1000)
    if item.data(2, PROGRESS_ROLE) != value or item.data(2, PROGRESS_TEXT_ROLE) != text:
        item.setData(2, PROGRESS_TEXT_ROLE, text)
        item.setData(2, PROGRESS_ROLE, value)
    if item.data(2, PROGRESS_KIND_ROLE) != kind:
        item.setData(2, PROGRESS_KIND_ROLE, kind)
