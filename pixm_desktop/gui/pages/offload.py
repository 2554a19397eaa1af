"""The Offload page: mounted cards (Sources), the destination set, and the offload queue.

Cards are dragged from Sources (or the file manager) onto the queue; each becomes a job for the current
destination set. Mount roots are polled twice a second on the ``io`` lane, so a card shows up within a
second of being mounted; each new card is inspected (camera, reel, clips, "already offloaded on … to …") in
the background too.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from PySide6.QtCore import QDate, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.dnd import folder_mime, local_folders
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.jobs import RETRYABLE, STATE_TEXT, JobState, OffloadJob
from pixm_desktop.gui.queue import QueueController
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import (
    PROGRESS_ROLE,
    PROGRESS_TEXT_ROLE,
    ProgressDelegate,
    fmt_bytes,
    fmt_eta,
    fmt_rate,
)
from pixm_desktop.services import eject as eject_service
from pixm_desktop.services import sources as source_service
from pixm_desktop.services import status as status_service
from pixm_desktop.services.settings import (
    HASH_CHOICES,
    TEMPLATE_TOKENS,
    DestinationSetting,
    build_request,
    destination_space,
    preview_path,
)

PATH_ROLE = Qt.ItemDataRole.UserRole
INFO_ROLE = Qt.ItemDataRole.UserRole + 1
UID_ROLE = Qt.ItemDataRole.UserRole + 2
MOUNT_POLL_MS = 500
SPACE_POLL_MS = 5000

JOB_KIND = {
    JobState.PREPARING: "wait", JobState.QUEUED: "wait", JobState.RUNNING: "run", JobState.PAUSED: "pause",
    JobState.CANCELLING: "stop", JobState.COMPLETED: "ok", JobState.FAILED: "fail", JobState.CANCELLED: "stop",
    JobState.INTERRUPTED: "interrupted", JobState.ERROR: "fail",
}


def _inspect(path: str, catalog, min_copies: int, distinct: bool):
    """Worker: what the card is, and the catalog's verdict when the card is known by content."""
    info = source_service.inspect_source(path, catalog)
    status = None
    if info.known_card_id is not None:
        status = status_service.card_status(catalog, info.known_card_id, min_copies=min_copies,
                                            distinct_drives=distinct)
    return info, status


# --- Sources -----------------------------------------------------------------------------------------------

class SourceList(QListWidget):
    """Mounted cards; items drag out as file URLs and folders from the file manager drop in."""

    folders_dropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSpacing(2)
        self.setAlternatingRowColors(True)

    def mimeData(self, items):  # noqa: N802 (Qt API)
        return folder_mime([it.data(PATH_ROLE) for it in items])

    def mimeTypes(self):  # noqa: N802
        return ["text/uri-list"]

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.source() is not self and e.mimeData().hasUrls():
            e.acceptProposedAction()
        else:
            e.ignore()

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:  # noqa: N802
        self.dragEnterEvent(e)

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        folders = local_folders(e.mimeData())
        if e.source() is self or not folders:
            e.ignore()
            return
        e.acceptProposedAction()
        self.folders_dropped.emit([str(f) for f in folders])


class SourcesPanel(QGroupBox):
    """Cards found under the watched mount roots, plus folders added by hand."""

    offload_requested = Signal(list)  # [path]
    selection_changed = Signal()
    ejected = Signal(str, str, str, str)  # title, text, kind, details → the window's notices

    def __init__(self, state: AppState, queue: QueueController, parent=None):
        super().__init__("Sources — cards appear here when mounted", parent)
        self.state = state
        self.queue = queue
        self.infos: dict[str, source_service.SourceInfo] = {}
        self.verdicts: dict[str, status_service.CardStatus | None] = {}
        self.items: dict[str, QListWidgetItem] = {}
        self.manual: set[str] = set()
        self.errors: dict[str, str] = {}
        self._scan_task = None
        self._first_scan_done = False
        lay = QVBoxLayout(self)
        self.list = SourceList(self)
        self.list.setObjectName("sources")
        self.list.folders_dropped.connect(lambda paths: [self.add_folder(p) for p in paths])
        self.list.itemSelectionChanged.connect(self._selection)
        self.list.itemDoubleClicked.connect(lambda _it: self.offload_selected())
        lay.addWidget(self.list, 1)
        self.empty_hint = QLabel("No card mounted. Insert a card, drop a folder here, or use Add folder…", self)
        self.empty_hint.setObjectName("hint")
        self.empty_hint.setWordWrap(True)
        lay.addWidget(self.empty_hint)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add folder…", self)
        self.add_button.setToolTip("Add any folder as a card (Ctrl+O)")
        self.add_button.clicked.connect(self.choose_folder)
        self.offload_button = QPushButton(status_icon("run"), "Offload", self)
        self.offload_button.setToolTip("Queue the selected card(s) for the destination set (Ctrl+Return)")
        self.offload_button.clicked.connect(self.offload_selected)
        self.eject_button = QPushButton("Eject", self)
        self.eject_button.setToolTip("Eject the selected card once it is safe to format (Ctrl+E)")
        self.eject_button.clicked.connect(self.eject_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.offload_button)
        row.addWidget(self.eject_button)
        lay.addLayout(row)
        self.auto = QCheckBox("Auto-offload new cards to the destination set", self)
        self.auto.setChecked(state.settings.auto_offload)
        self.auto.toggled.connect(lambda on: self.state.update(auto_offload=on))
        lay.addWidget(self.auto)
        self.timer = QTimer(self)
        self.timer.setInterval(MOUNT_POLL_MS)
        self.timer.timeout.connect(self.poll_mounts)
        self._update_buttons()

    # -- mounts ---------------------------------------------------------------------------------------
    def start(self) -> None:
        self.poll_mounts()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def poll_mounts(self) -> None:
        if self._scan_task is not None and not self._scan_task.done:
            return  # the previous listing is still running (slow drive): skip this tick
        roots = list(self.state.settings.mount_roots)
        exclude = [d.path for d in self.state.settings.destinations]
        self._scan_task = self.state.runner.submit(source_service.list_mounted, roots, exclude, lane="io",
                                                   name="list mounts", on_done=self._mounted,
                                                   on_error=lambda _e: None)

    def _mounted(self, paths: list[Path]) -> None:
        now = {os.path.realpath(p): str(p) for p in paths}
        for key in list(self.items):
            if key not in now and (key not in self.manual or not os.path.isdir(key)):
                self._remove(key)
        for key, p in now.items():
            if key not in self.items:
                self._add(key, p, new=self._first_scan_done)
        self._first_scan_done = True

    # -- items ----------------------------------------------------------------------------------------
    def add_folder(self, path: str) -> None:
        key = os.path.realpath(path)
        self.manual.add(key)
        if key not in self.items:
            self._add(key, str(path), new=False)
        self.list.setCurrentItem(self.items[key], QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a card folder")
        if path:
            self.add_folder(path)

    def _add(self, key: str, path: str, new: bool) -> None:
        item = QListWidgetItem(self.list)
        item.setData(PATH_ROLE, path)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
        self.items[key] = item
        self._render(key)
        self.empty_hint.setVisible(False)
        self.inspect(key, auto=new)

    def _remove(self, key: str) -> None:
        item = self.items.pop(key)
        self.list.takeItem(self.list.row(item))
        self.infos.pop(key, None)
        self.verdicts.pop(key, None)
        self.manual.discard(key)
        self.empty_hint.setVisible(not self.items)
        self._update_buttons()

    def inspect(self, key: str, auto: bool = False) -> None:
        s = self.state.settings
        path = self.items[key].data(PATH_ROLE)
        self.state.runner.submit(_inspect, path, self.state.catalog, s.min_copies, s.distinct_drives, lane="io",
                                 name=f"inspect {path}", on_done=lambda r, k=key, a=auto: self._inspected(k, r, a),
                                 on_error=lambda e, k=key: self._inspect_failed(k, e))

    def refresh_known(self) -> None:
        """Ask again what the catalog knows about each card (after a job or a re-verify)."""
        for key in list(self.items):
            self.inspect(key)

    def _inspected(self, key: str, result, auto: bool) -> None:
        if key not in self.items:
            return
        info, verdict = result
        self.infos[key], self.verdicts[key] = info, verdict
        self.errors.pop(key, None)
        self._render(key)
        self._update_buttons()
        if auto and self.state.settings.auto_offload and info.files and not (verdict and verdict.verdict.safe):
            self.offload_requested.emit([str(info.path)])

    def _inspect_failed(self, key: str, exc: BaseException) -> None:
        if key in self.items:
            self.errors[key] = explain(exc).headline
            self._render(key)

    def _render(self, key: str) -> None:
        item = self.items[key]
        path = item.data(PATH_ROLE)
        info = self.infos.get(key)
        verdict = self.verdicts.get(key)
        name = Path(path).name or path
        if key in self.errors:
            kind, lines = "fail", [f"<b>{name}</b>", f"cannot read the card: {self.errors[key]}"]
        elif info is None:
            kind, lines = "wait", [f"<b>{name}</b>", "reading the card…"]
        else:
            size = fmt_bytes(info.total_bytes)
            if info.is_mount and info.volume_total:
                size += f" on a {fmt_bytes(info.volume_total)} card"
            lines = [f"<b>{info.label}</b> &nbsp; {info.camera_title} · reel {info.reel}",
                     f"{info.clips} clip{'s' if info.clips != 1 else ''} · {info.files} files · {size}"]
            if verdict is not None and verdict.verdict.safe:
                kind = "ok"
                lines.append(f"<span style='color:#7ee787'>SAFE TO FORMAT</span> — {info.known_summary or ''}")
            elif info.known_summary:
                kind = "warn"
                lines.append(f"{info.known_summary}" + (f" — not safe yet: {verdict.verdict.reason}" if verdict else ""))
            else:
                kind = "run"
                lines.append("new card — drag it to the queue or press Offload")
            for w in info.warnings[:2]:
                lines.append(f"<span style='color:#d29922'>⚠ {w}</span>")
        item.setData(Qt.ItemDataRole.DisplayRole, None)
        item.setToolTip(path)
        w = QWidget()
        w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        h = QHBoxLayout(w)
        h.setContentsMargins(6, 4, 6, 4)
        icon = QLabel(w)
        icon.setPixmap(status_icon(kind, 28).pixmap(28, 28))
        h.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QLabel("<br>".join(lines), w)
        text.setObjectName("sourceText")
        text.setWordWrap(True)
        h.addWidget(text, 1)
        item.setData(INFO_ROLE, "\n".join(_strip_tags(x) for x in lines))  # plain text for tests and a11y
        item.setSizeHint(w.sizeHint().expandedTo(w.minimumSizeHint()))
        self.list.setItemWidget(item, w)

    # -- actions --------------------------------------------------------------------------------------
    def selected_paths(self) -> list[str]:
        return [it.data(PATH_ROLE) for it in self.list.selectedItems()]

    def offload_selected(self) -> None:
        paths = self.selected_paths()
        if paths:
            self.offload_requested.emit(paths)

    def _selection(self) -> None:
        self._update_buttons()
        self.selection_changed.emit()

    def selected_info(self) -> source_service.SourceInfo | None:
        items = self.list.selectedItems()
        return self.infos.get(os.path.realpath(items[0].data(PATH_ROLE))) if items else None

    def _update_buttons(self) -> None:
        keys = [os.path.realpath(p) for p in self.selected_paths()]
        self.offload_button.setEnabled(bool(keys))
        safe = bool(keys) and all((v := self.verdicts.get(k)) is not None and v.verdict.safe for k in keys)
        self.eject_button.setEnabled(len(keys) == 1 and safe)
        if keys and not safe:
            self.eject_button.setToolTip("Eject is available once the card is safe to format")
        else:
            self.eject_button.setToolTip("Eject the selected card (Ctrl+E)")

    def eject_selected(self) -> None:
        keys = [os.path.realpath(p) for p in self.selected_paths()]
        if len(keys) != 1 or not ((v := self.verdicts.get(keys[0])) and v.verdict.safe):
            return
        info = self.infos[keys[0]]
        self.eject_button.setEnabled(False)
        self.state.runner.submit(eject_service.eject, str(info.path), label=info.label, lane="io",
                                 name=f"eject {info.label}", on_done=self._ejected,
                                 on_error=lambda e, lbl=info.label: self._eject_failed(lbl, e))

    def _ejected(self, message: str) -> None:
        self.ejected.emit("Card ejected", message, "ok", "")
        self.poll_mounts()

    def _eject_failed(self, label: str, exc: BaseException) -> None:
        e = explain(exc, card=label)
        self.ejected.emit(f"{label} was not ejected", e.text(), "error", e.details)
        self._update_buttons()


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ")


# --- Destinations ------------------------------------------------------------------------------------------

class DestinationsPanel(QGroupBox):
    """The destination set: drives or folders, required flags, free space, folder template with live preview."""

    def __init__(self, state: AppState, parent=None):
        super().__init__("Destinations — every card goes to all of them", parent)
        self.state = state
        self.preview_source: tuple[str, str, str] | None = None  # (card, camera, reel) of the selected source
        self.setAcceptDrops(True)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("destinations")
        self.table.setHorizontalHeaderLabels(["Required", "Destination", "Drive", "Free space"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(3, 230)
        self.table.itemChanged.connect(self._required_changed)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add destination…", self)
        self.add_button.setToolTip("Add a drive or folder (Ctrl+D); you can also drop folders here")
        self.add_button.clicked.connect(self.choose_destination)
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)
        form = QFormLayout()
        s = state.settings
        self.project = QLineEdit(s.project, self)
        self.project.textChanged.connect(lambda t: (self.state.update(project=t), self.update_preview()))
        self.day = QDateEdit(QDate.currentDate(), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.dateChanged.connect(lambda _d: self.update_preview())
        self.hashes = QComboBox(self)
        self.hashes.setEditable(True)
        self.hashes.addItems(list(HASH_CHOICES))
        self.hashes.setCurrentText(s.hashes)
        self.hashes.currentTextChanged.connect(lambda t: self.state.update(hashes=t))
        pd = QHBoxLayout()
        pd.addWidget(self.project, 2)
        pd.addWidget(QLabel("Day", self))
        pd.addWidget(self.day)
        pd.addWidget(QLabel("Hash", self))
        pd.addWidget(self.hashes)
        form.addRow("Project", pd)
        self.template = QLineEdit(s.template, self)
        self.template.setToolTip("Tokens: " + " ".join("{" + t + "}" for t in TEMPLATE_TOKENS))
        self.template.textChanged.connect(self._template_changed)
        form.addRow("Folder template", self.template)
        self.preview = QLabel(self)
        self.preview.setObjectName("preview")
        self.preview.setWordWrap(True)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Card goes to", self.preview)
        lay.addLayout(form)
        self.timer = QTimer(self)
        self.timer.setInterval(SPACE_POLL_MS)
        self.timer.timeout.connect(self.refresh_space)
        self._space_task = None
        self.rebuild()

    def start(self) -> None:
        self.refresh_space()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def shoot_day(self) -> dt.date:
        return self.day.date().toPython()

    # -- table ------------------------------------------------------------------------------------------
    def rebuild(self) -> None:
        self.table.blockSignals(True)
        dests = self.state.settings.destinations
        self.table.setRowCount(len(dests))
        for r, d in enumerate(dests):
            req = QTableWidgetItem("required" if d.required else "optional")
            req.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            req.setCheckState(Qt.CheckState.Checked if d.required else Qt.CheckState.Unchecked)
            req.setToolTip("A card is safe to format only when every required destination is verified")
            self.table.setItem(r, 0, req)
            path = QTableWidgetItem(d.path)
            path.setToolTip(d.path)
            self.table.setItem(r, 1, path)
            self.table.setItem(r, 2, QTableWidgetItem("…"))
            bar = QProgressBar(self.table)
            bar.setRange(0, 1000)
            bar.setFormat("measuring…")
            self.table.setCellWidget(r, 3, bar)
        self.table.blockSignals(False)
        self.remove_button.setEnabled(bool(dests))
        self.update_preview()

    def _required_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        dests = list(self.state.settings.destinations)
        r = item.row()
        if r < len(dests):
            on = item.checkState() == Qt.CheckState.Checked
            dests[r] = DestinationSetting(dests[r].path, on)
            self.table.blockSignals(True)
            item.setText("required" if on else "optional")
            self.table.blockSignals(False)
            self.state.update(destinations=dests)

    def add_destination(self, path: str, required: bool = True) -> bool:
        path = str(path)
        if any(os.path.realpath(d.path) == os.path.realpath(path) for d in self.state.settings.destinations):
            return False
        self.state.update(destinations=[*self.state.settings.destinations, DestinationSetting(path, required)])
        self.rebuild()
        self.refresh_space()
        return True

    def choose_destination(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a destination drive or folder")
        if path:
            self.add_destination(path)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        dests = list(self.state.settings.destinations)
        for r in rows:
            if r < len(dests):
                dests.pop(r)
        self.state.update(destinations=dests)
        self.rebuild()
        self.refresh_space()

    def refresh_space(self) -> None:
        if self._space_task is not None and not self._space_task.done:
            return
        paths = [d.path for d in self.state.settings.destinations]
        if paths:
            self._space_task = self.state.runner.submit(destination_space, paths, lane="io", name="free space",
                                                        on_done=self._space, on_error=lambda _e: None)

    def _space(self, spaces) -> None:
        dests = self.state.settings.destinations
        for r, sp in enumerate(spaces):
            if r >= len(dests) or dests[r].path != sp.path:
                return  # the set changed meanwhile; the next poll catches up
            bar = self.table.cellWidget(r, 3)
            drive = self.table.item(r, 2)
            if sp.error:
                drive.setText("not connected")
                bar.setValue(0)
                bar.setFormat(sp.error)
                continue
            drive.setText(sp.label or sp.mount_point)
            drive.setToolTip(f"mounted at {sp.mount_point}")
            bar.setValue(int(sp.used_fraction * 1000))
            bar.setFormat(f"{fmt_bytes(sp.free_bytes)} free of {fmt_bytes(sp.total_bytes)}")
            level = "full" if sp.used_fraction > 0.95 else "high" if sp.used_fraction > 0.85 else ""
            if bar.property("level") != level:
                bar.setProperty("level", level)
                bar.style().unpolish(bar)
                bar.style().polish(bar)

    # -- template ---------------------------------------------------------------------------------------
    def _template_changed(self, text: str) -> None:
        self.state.update(template=text)
        self.update_preview()

    def set_preview_source(self, info: source_service.SourceInfo | None) -> None:
        self.preview_source = (info.label, info.camera, info.reel) if info else None
        self.update_preview()

    def update_preview(self) -> None:
        s = self.state.settings
        card, camera, reel = self.preview_source or ("A001R1AB", "arri", "A001")
        root = s.destinations[0].path if s.destinations else "<destination>"
        path, problem = preview_path(self.template.text(), root, project=self.project.text() or "Untitled",
                                     day=self.shoot_day(), card=card, camera=camera, reel=reel)
        if problem:
            self.preview.setObjectName("previewError")
            self.preview.setText(f"⚠ {problem}")
        else:
            self.preview.setObjectName("preview")
            more = f"   (+ {len(s.destinations) - 1} more destination(s))" if len(s.destinations) > 1 else ""
            self.preview.setText(f"{path}{more}")
        self.preview.style().unpolish(self.preview)
        self.preview.style().polish(self.preview)

    # -- drops ------------------------------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        for f in local_folders(e.mimeData()):
            self.add_destination(str(f))
        e.acceptProposedAction()


# --- Queue -------------------------------------------------------------------------------------------------

QUEUE_COLUMNS = ("Card / destination", "State", "Progress", "Speed", "ETA", "Files")


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
        h = self.header()
        h.setStretchLastSection(False)
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(0, 300)
        self.setColumnWidth(1, 150)
        self.setColumnWidth(3, 80)
        self.setColumnWidth(4, 90)
        self.setColumnWidth(5, 90)

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
        kind = JOB_KIND[job.state]
        item.setIcon(1, status_icon(kind))
        item.setText(1, STATE_TEXT[job.state])
        camera = f" · {job.camera.upper()} {job.reel}" if job.camera else ""
        item.setText(0, f"{job.label}{camera}")
        tip = job.headline + (f"\nWhat to do: {job.advice}" if job.advice else "")
        if job.known_summary:
            tip = f"{job.known_summary}\n{tip}"
        for w in job.warnings:
            tip += f"\n⚠ {w}"
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
        item = self.items.get(job.uid)
        if item is None:
            return
        p = job.progress
        running = job.state in (JobState.RUNNING, JobState.PAUSED, JobState.CANCELLING)
        if job.state == JobState.COMPLETED:
            frac = 1.0
        elif p is not None:
            frac = p.fraction
        else:
            frac = None
        _set_progress(item, frac, _job_progress_text(job, frac))
        rate = p.rate if (p is not None and job.state == JobState.RUNNING) else 0.0
        _set_text(item, 3, fmt_rate(rate) if running else "")
        eta = p.eta_seconds if (p is not None and job.state == JobState.RUNNING) else None
        _set_text(item, 4, fmt_eta(eta) if running else "")
        if p is not None:
            _set_text(item, 5, f"{p.files_done}/{p.total_files}")
        elif job.files:
            _set_text(item, 5, f"{job.files}")
        for i, d in enumerate(job.destinations):
            if i >= item.childCount():
                break
            child = item.child(i)
            kind = _dest_kind(d.state)
            if child.data(1, Qt.ItemDataRole.DisplayRole) != d.state:
                child.setText(1, d.state)
                child.setIcon(1, status_icon(kind))
            show = p is not None or job.state == JobState.COMPLETED
            _set_progress(child, d.fraction if show else None, f"{d.fraction * 100:.0f} %")
            _set_text(child, 3, fmt_rate(d.rate) if job.state == JobState.RUNNING else "")
            _set_text(child, 4, fmt_eta(d.eta) if job.state == JobState.RUNNING else "")
            total = p.total_files if p is not None else job.files
            if total:
                fails = f", {d.failed} failed" if d.failed else ""
                _set_text(child, 5, f"{d.verified}/{total} ✓{fails}")

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


def _set_progress(item: QTreeWidgetItem, frac: float | None, text: str) -> None:
    value = None if frac is None else int(frac * 1000)
    if item.data(2, PROGRESS_ROLE) != value or item.data(2, PROGRESS_TEXT_ROLE) != text:
        item.setData(2, PROGRESS_ROLE, value)
        item.setData(2, PROGRESS_TEXT_ROLE, text)


# --- the page ----------------------------------------------------------------------------------------------

class OffloadPage(QWidget):
    """Sources on the left; destination set above the queue on the right."""

    def __init__(self, state: AppState, queue: QueueController, parent=None):
        super().__init__(parent)
        self.state = state
        self.queue = queue
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
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
        lay.addWidget(self.splitter)
        self.sources.offload_requested.connect(self.offload)
        self.sources.selection_changed.connect(
            lambda: self.destinations.set_preview_source(self.sources.selected_info()))
        self.queue_panel.tree.folders_dropped.connect(self.offload)
        queue.finished.connect(lambda _job: self.sources.refresh_known())

    def offload(self, paths: list[str]) -> list[OffloadJob]:
        """Queue each folder for the current destination set (drop, button, auto-offload)."""
        jobs = []
        for p in paths:
            try:
                request = build_request(self.state.settings, Path(p), self.destinations.shoot_day())
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
