"""The destination set: drives or folders, required flags, free space (measured off the GUI thread every
5 s), the folder template with a live preview of where a card lands.
"""

from __future__ import annotations

import datetime as dt
import os

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
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
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from pixm_desktop.core.errors import PixmError
from pixm_desktop.gui.dnd import local_folders
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.widgets import (
    fmt_bytes,
)
from pixm_desktop.services import sources as source_service
from pixm_desktop.services.settings import (
    HASH_CHOICES,
    TEMPLATE_TOKENS,
    DestinationSetting,
    destination_space,
    preview_path,
    production_tokens,
)

SPACE_POLL_MS = 5000


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
        rows = 2 * self.table.verticalHeader().defaultSectionSize()  # two destinations visible at 1280×720
        self.table.setMinimumHeight(rows + self.table.horizontalHeader().sizeHint().height() + 6)
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
        self.preview.setMinimumHeight(2 * self.preview.fontMetrics().lineSpacing() + 4)  # a long path: 2 lines
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Card goes to", self.preview)
        opts = QHBoxLayout()
        self.source_verify = QCheckBox("Verify the source", self)
        self.source_verify.setToolTip("After the copy, re-read the card too and compare it with the hashes taken "
                                      "while copying (pixm offload --source-verify): catches a card that read "
                                      "differently twice; slower")
        self.source_verify.setChecked(s.source_verify)
        self.source_verify.toggled.connect(lambda on: self.state.update(source_verify=on))
        self.cascade = QCheckBox("Cascade copy", self)
        self.cascade.setToolTip("Copy the card to the first destination only, then the others from that copy "
                                "(pixm offload --cascade): the card is read once and can go back sooner when "
                                "the first destination is fast")
        self.cascade.setChecked(s.cascade)
        self.cascade.toggled.connect(lambda on: self.state.update(cascade=on))
        opts.addWidget(self.source_verify)
        opts.addWidget(self.cascade)
        opts.addStretch(1)
        form.addRow("Copy", opts)
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
        day = self.shoot_day()
        try:
            tokens = production_tokens(s, day, self.state.catalog.path)
        except PixmError as exc:  # a production value that cannot be a folder name: said, never used
            path, problem = None, str(exc)
        else:
            path, problem = preview_path(self.template.text(), root, project=self.project.text() or "Untitled",
                                         day=day, card=card, camera=camera, reel=reel, tokens=tokens)
        if problem:
            self.preview.setObjectName("previewError")
            self.preview.setText(f"⚠ {problem}")
        else:
            self.preview.setObjectName("preview")
            more = f"   (+ {len(s.destinations) - 1} more destination(s))" if len(s.destinations) > 1 else ""
            example = "" if self.preview_source else "   (an example card: select a card in Sources)"
            self.preview.setText(f"{path}{more}{example}")
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
