"""The Settings page: watched mount roots, the safe-to-format rule, offload options (clips and the offload report
after each verified job), keyboard shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.state import AppState
from pixm_desktop.services.reports import default_report_folder
from pixm_desktop.services.sources import default_mount_roots


class SettingsPage(QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        s = state.settings
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        left = QVBoxLayout()
        lay.addLayout(left, 3)
        box = QGroupBox("Safe to format", self)
        f = QFormLayout(box)
        self.min_copies = QSpinBox(box)
        self.min_copies.setRange(1, 9)
        self.min_copies.setValue(s.min_copies)
        self.min_copies.setSuffix(" verified copies")
        self.min_copies.setMaximumWidth(200)
        self.min_copies.valueChanged.connect(lambda v: self.state.update(min_copies=v))
        f.addRow("A card needs at least", self.min_copies)
        self.distinct = QCheckBox("Copies on the same drive count once", box)
        self.distinct.setChecked(s.distinct_drives)
        self.distinct.setToolTip(
            "Two folders on one drive are lost together when that drive fails. On: copies on one physical disk "
            "(two partitions, two volumes of one container, two shares of one server) count once, and a drive the "
            "system cannot identify never counts as a second drive. Off: every destination folder counts as a copy.")
        self.distinct.toggled.connect(lambda on: self.state.update(distinct_drives=on))
        f.addRow("", self.distinct)
        rule = QLabel("…and every destination marked <i>required</i> must hold every file verified.", box)
        rule.setObjectName("hint")
        f.addRow("", rule)
        left.addWidget(box)
        box = QGroupBox("Offload", self)
        f = QFormLayout(box)
        self.source_verify = QCheckBox("Re-read the card after copying and compare (source verification)", box)
        self.source_verify.setChecked(s.source_verify)
        self.source_verify.toggled.connect(lambda on: self.state.update(source_verify=on))
        f.addRow("", self.source_verify)
        self._add_aftercare(f, box)
        auto = QLabel("Auto-offload of new cards is switched on and off under Sources.", box)
        auto.setObjectName("hint")
        f.addRow("", auto)
        left.addWidget(box)
        box = QGroupBox("Watched mount folders (one per line)", self)
        v = QVBoxLayout(box)
        hint = QLabel("Cards mounted directly below these folders appear under Sources within a second.", box)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        v.addWidget(hint)
        self.roots = QPlainTextEdit("\n".join(s.mount_roots), box)
        self.roots.setObjectName("mountRoots")
        self.roots.setMaximumHeight(140)
        v.addWidget(self.roots)
        row = QHBoxLayout()
        apply = QPushButton("Apply", box)
        apply.clicked.connect(self.apply_roots)
        reset = QPushButton("Platform defaults", box)
        reset.clicked.connect(lambda: self.roots.setPlainText("\n".join(str(p) for p in default_mount_roots())))
        row.addWidget(apply)
        row.addWidget(reset)
        row.addStretch(1)
        v.addLayout(row)
        left.addWidget(box)
        box = QGroupBox("Catalog", self)
        v = QVBoxLayout(box)
        path = state.catalog.path
        cat = QLabel(str(path) if path else "(database URL)", box)
        cat.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cat.setWordWrap(True)
        v.addWidget(cat)
        left.addWidget(box)
        left.addStretch(1)
        right = QGroupBox("Keyboard shortcuts", self)
        rv = QVBoxLayout(right)
        self.shortcuts = QTableWidget(0, 2, right)
        self.shortcuts.setHorizontalHeaderLabels(["Action", "Keys"])
        self.shortcuts.verticalHeader().setVisible(False)
        self.shortcuts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.shortcuts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.shortcuts.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        rv.addWidget(self.shortcuts)
        lay.addWidget(right, 2)

    def _add_aftercare(self, f: QFormLayout, box: QGroupBox) -> None:
        """What happens after each verified job: clips catalogued, offload report written (and where)."""
        s = self.state.settings
        self.ingest_clips = QCheckBox("Catalogue the clips after each verified job (metadata, thumbnails)", box)
        self.ingest_clips.setChecked(s.ingest_clips)
        self.ingest_clips.setToolTip("Read from a verified copy, in the background: the card can go back to the "
                                     "camera")
        self.ingest_clips.toggled.connect(lambda on: self.state.update(ingest_clips=on))
        f.addRow("", self.ingest_clips)
        self.auto_report = QCheckBox("Write the offload report after each verified job", box)
        self.auto_report.setChecked(s.auto_report)
        self.auto_report.toggled.connect(lambda on: self.state.update(auto_report=on))
        f.addRow("", self.auto_report)
        row = QHBoxLayout()
        self.report_folder = QLineEdit(s.report_folder, box)
        self.report_folder.setObjectName("reportFolder")
        self.report_folder.setPlaceholderText(f"beside the catalog: {default_report_folder(self.state.catalog)}")
        self.report_folder.setToolTip("Empty: a “reports” folder beside the catalog")
        self.report_folder.setClearButtonEnabled(True)
        self.report_folder.editingFinished.connect(self._report_folder_edited)
        choose = QPushButton("Choose…", box)
        choose.clicked.connect(self.choose_report_folder)
        row.addWidget(self.report_folder, 1)
        row.addWidget(choose)
        f.addRow("Report folder", row)

    def _report_folder_edited(self) -> None:
        text = self.report_folder.text().strip()
        if text != self.state.settings.report_folder:
            self.state.update(report_folder=text)

    def choose_report_folder(self) -> None:
        start = self.report_folder.text().strip() or str(default_report_folder(self.state.catalog))
        folder = QFileDialog.getExistingDirectory(self, "Folder for the offload reports", start)
        if folder:
            self.report_folder.setText(folder)
            self._report_folder_edited()

    def apply_roots(self) -> None:
        roots = [line.strip() for line in self.roots.toPlainText().splitlines() if line.strip()]
        self.state.update(mount_roots=roots)

    def set_shortcuts(self, rows: list[tuple[str, str]]) -> None:
        self.shortcuts.setRowCount(len(rows))
        for r, (name, keys) in enumerate(rows):
            self.shortcuts.setItem(r, 0, QTableWidgetItem(name))
            self.shortcuts.setItem(r, 1, QTableWidgetItem(keys))
