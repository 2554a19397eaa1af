"""The Settings page: the production (name, company, DIT, camera unit, shoot-day numbering: the reports' header
and the folder template's ``{production}`` ``{unit}`` ``{dit}`` ``{shootday}``), watched mount roots, the
show profile installed (read-only, with Import / Export / Validate: ``show_profile_box``), the
safe-to-format rule, offload options (clips and the offload report after each verified job), keyboard
shortcuts."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import PixmError
from pixm_desktop.gui.pages.show_profile_box import ShowProfileBox
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.widgets import Shortcut, keys_text, shortcut_conflict
from pixm_desktop.services.reports import default_report_folder
from pixm_desktop.services.settings import OffloadSettings, check_token, production_defaults, shoot_day_number
from pixm_desktop.services.sources import default_mount_roots


class ProductionBox(QGroupBox):
    """Production, company, DIT, camera unit and shoot-day numbering. Empty fields show the installed show
    profile's values (used when empty). A value that cannot be a folder name is refused (shown, not saved)."""

    FIELDS = (("production", "Production"), ("company", "Company"), ("dit", "DIT"), ("unit", "Camera unit"))

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__("Production", parent)
        self.state = state
        s = state.settings
        f = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        for key, label in self.FIELDS:
            e = QLineEdit(getattr(s, key), self)
            e.setObjectName(f"production_{key}")
            e.setMaxLength(80)
            e.editingFinished.connect(lambda key=key: self._edited(key))
            self.edits[key] = e
            f.addRow(label, e)
        self.edits["dit"].setToolTip("Your name on the reports and in ASC MHL (not the computer's login)")
        row = QHBoxLayout()
        self.numbering = QComboBox(self)
        self.numbering.addItem("Counted from day 1", "count")
        self.numbering.addItem("Number set for today", "set")
        self.numbering.setCurrentIndex(1 if s.shoot_day > 0 else 0)
        self.day_one = QDateEdit(self)
        self.day_one.setCalendarPopup(True)
        self.day_one.setDisplayFormat("yyyy-MM-dd")
        self.day_one.setDate(QDate.fromString(s.day_one, "yyyy-MM-dd") if s.day_one else QDate.currentDate())
        self.day_number = QSpinBox(self)
        self.day_number.setRange(1, 999)
        self.day_number.setValue(max(1, s.shoot_day))
        for w in (self.numbering, self.day_one, self.day_number):
            row.addWidget(w)
        row.addStretch(1)
        f.addRow("Shoot day", row)
        self.day_hint = QLabel("", self)
        self.day_hint.setObjectName("hint")
        f.addRow("", self.day_hint)
        self.problem = QLabel("", self)
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        f.addRow("", self.problem)
        tokens = QLabel("Folder template tokens: {production} {unit} {dit} {shootday}", self)
        tokens.setObjectName("hint")
        f.addRow("", tokens)
        self.numbering.currentIndexChanged.connect(self._day_edited)
        self.day_one.dateChanged.connect(self._day_edited)
        self.day_number.valueChanged.connect(self._day_edited)
        self.show_defaults()
        self._show_day()

    def show_defaults(self) -> None:
        """Placeholders: what an empty field stands for (the show profile's value), else what to type."""
        empty = OffloadSettings()
        d = production_defaults(empty, self.state.catalog.path)
        hints = {"production": "e.g. Big Film", "company": "e.g. Acme Pictures", "dit": "your name",
                 "unit": "e.g. Main unit"}
        for key, e in self.edits.items():
            default = getattr(d, key)
            e.setPlaceholderText(f"{default} (show profile)" if default else hints[key])

    def _edited(self, key: str) -> None:
        value = self.edits[key].text().strip()
        if value == getattr(self.state.settings, key):
            return
        try:
            check_token(key, value)
        except PixmError as exc:
            self.problem.setText(f"Not saved: {exc}")
            self.problem.show()
            return
        self.problem.hide()
        self.state.update(**{key: value})

    def _day_edited(self, *_a) -> None:
        counted = self.numbering.currentData() == "count"
        day_one = self.day_one.date().toString("yyyy-MM-dd") if counted else self.state.settings.day_one
        self.state.update(day_one=day_one, shoot_day=0 if counted else self.day_number.value())
        self._show_day()

    def _show_day(self) -> None:
        counted = self.numbering.currentData() == "count"
        self.day_one.setVisible(counted)
        self.day_number.setVisible(not counted)
        n = shoot_day_number(self.state.settings, dt.date.today())
        self.day_hint.setText(f"Today is shoot day {n} ({{shootday}} = {n:02d})" if n else
                              "Today is before day 1: {shootday} stays empty")


class SettingsPage(QWidget):
    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        s = state.settings
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        scroll = QScrollArea(self)  # the settings scroll as one column on a 720 px screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        left = QVBoxLayout(body)
        left.setContentsMargins(0, 0, 4, 0)
        scroll.setWidget(body)
        lay.addWidget(scroll, 3)
        self.production = ProductionBox(state, self)
        left.addWidget(self.production)
        self.show_profile = ShowProfileBox(state, self)  # the installed show profile, Import / Export / Validate
        left.addWidget(self.show_profile)
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
        self.shortcuts.setObjectName("shortcutTable")
        self.shortcuts.setHorizontalHeaderLabels(["Action", "Keys"])
        self.shortcuts.verticalHeader().setVisible(False)
        self.shortcuts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.shortcuts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.shortcuts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.shortcuts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.shortcuts.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        rv.addWidget(self.shortcuts, 1)
        self.key_editor = ShortcutEditor(state, self.shortcuts, right)
        rv.addWidget(self.key_editor)
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
        current = self.shortcuts.currentRow()
        self.shortcuts.setRowCount(len(rows))
        for r, (name, keys) in enumerate(rows):
            self.shortcuts.setItem(r, 0, QTableWidgetItem(name))
            self.shortcuts.setItem(r, 1, QTableWidgetItem(keys))
        if 0 <= current < len(rows):
            self.shortcuts.selectRow(current)


class ShortcutEditor(QWidget):
    """Change the keys of the action selected in ``table``: press them in the key field, Set. Keys already
    used where the action works are refused, naming the action that has them; saved in the settings."""

    changed = Signal()  # an action's keys changed (the window lists them again)

    def __init__(self, state: AppState, table: QTableWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.table = state, table
        self.editable: dict[str, Shortcut] = {}
        self.all: list[Shortcut] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.keys = QKeySequenceEdit(self)
        self.keys.setObjectName("shortcutKeys")
        self.keys.setToolTip("Click, then press the new keys")
        self.set_button = QPushButton("Set", self)
        self.clear_button = QPushButton("No key", self)
        self.default_button = QPushButton("Default", self)
        row.addWidget(self.keys, 1)
        for b in (self.set_button, self.clear_button, self.default_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.message = QLabel("Select an action, press its new keys, then Set.", self)
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        lay.addWidget(self.message)
        self.set_button.clicked.connect(lambda: self.assign(self.keys.keySequence()))
        self.clear_button.clicked.connect(lambda: self.assign(QKeySequence()))
        self.default_button.clicked.connect(self.reset)
        table.currentCellChanged.connect(lambda *_a: self._selected())
        self._selected()

    def set_editable(self, shortcuts: list[Shortcut]) -> None:
        self.all = shortcuts
        self.editable = {s.name: s for s in shortcuts}
        self._selected()

    def current(self) -> Shortcut | None:
        item = self.table.item(self.table.currentRow(), 0)
        return self.editable.get(item.text()) if item is not None else None

    def _selected(self) -> None:
        s = self.current()
        for w in (self.keys, self.set_button, self.clear_button, self.default_button):
            w.setEnabled(s is not None)
        if s is not None:
            self.keys.setKeySequence(s.action.shortcut())
            self.message.setText(f"“{s.name}”: press the new keys, then Set.")
        elif self.table.currentRow() >= 0:
            self.message.setText("These keys are fixed (they work inside the table being edited).")

    def assign(self, seq: QKeySequence) -> bool:
        """Give the selected action ``seq`` (empty: no key); False, with the reason shown, when refused."""
        s = self.current()
        if s is None:
            return False
        other = shortcut_conflict(self.all, s, seq)
        if other is not None:
            self.message.setText(f"Not set: {keys_text([seq])} is already “{other.name}”. Change that first.")
            return False
        s.action.setShortcuts([seq] if not seq.isEmpty() else [])
        saved = dict(self.state.settings.shortcuts or {})
        saved[s.name] = seq.toString(QKeySequence.SequenceFormat.PortableText)
        self.state.update(shortcuts=saved)
        self.message.setText(f"“{s.name}”: {keys_text([seq]) or 'no key'}.")
        self.changed.emit()
        return True

    def reset(self) -> None:
        s = self.current()
        if s is None:
            return
        clash = next((o for seq in s.default if (o := shortcut_conflict(self.all, s, seq)) is not None), None)
        if clash is not None:
            self.message.setText(f"Not reset: {keys_text(s.default)} is now “{clash.name}”. Change that first.")
            return
        s.action.setShortcuts(s.default)
        saved = dict(self.state.settings.shortcuts or {})
        saved.pop(s.name, None)
        self.state.update(shortcuts=saved)
        self.message.setText(f"“{s.name}”: {keys_text(s.default) or 'no key'} (default).")
        self.changed.emit()
