"""The Turnovers page: every package written for editorial and sound (``pixm turnover``), newest first — when,
what, where, which ASC MHL generation, how many files went new — and, for the selected turnover, each check
with its outcome. A refused turnover is listed with the checks that stopped it (the clip and the rule)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.services import turnover as turnover_service

COLUMNS = ("When", "Kind", "Scope", "Folder", "Generation", "New files", "Status", "Checks")
CHECK_COLUMNS = ("Outcome", "Rule", "Clip or file", "Words")
NO_TURNOVERS = "No turnover yet — `pixm turnover editorial --day D --to DIR` writes one (docs/turnovers.md)"


def _item(value, tip: str = "") -> QStandardItem:
    it = QStandardItem()
    it.setData(value, Qt.ItemDataRole.DisplayRole)
    if tip:
        it.setToolTip(tip)
    return it


class TurnoversPage(QWidget):
    notice = Signal(str, str, str, str)

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self._task = None
        self.rows: list[turnover_service.TurnoverInfo] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.count = QLabel("", self)
        self.count.setObjectName("hint")
        top.addWidget(self.count, 1)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        lay.addLayout(top)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = self._table(self.model, "turnovers", split)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_checks(cur.row()))
        self.checks_model = QStandardItemModel(0, len(CHECK_COLUMNS), self)
        self.checks_model.setHorizontalHeaderLabels(list(CHECK_COLUMNS))
        self.checks = self._table(self.checks_model, "turnoverChecks", split)
        lay.addWidget(split, 1)
        self.empty = QLabel(NO_TURNOVERS, self)
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()
        lay.addWidget(self.empty)

    def _table(self, model, name: str, parent) -> QTableView:
        t = QTableView(parent)
        t.setObjectName(name)
        t.setModel(model)
        t.setAlternatingRowColors(True)
        t.verticalHeader().setVisible(False)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.horizontalHeader().setSectionResizeMode(model.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        return t

    def refresh(self) -> None:
        if self._task is not None and not self._task.done:
            return
        self._task = self.state.runner.submit(
            turnover_service.turnovers, self.state.catalog, lane="catalog", name="turnovers", on_done=self._loaded,
            on_error=lambda e: self.notice.emit("Catalog", explain(e).text(), "error", explain(e).details))

    def _loaded(self, rows: list[turnover_service.TurnoverInfo]) -> None:
        self.rows = rows
        self.model.removeRows(0, self.model.rowCount())
        for r in rows:
            when = r.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.created_at else ""
            failed = r.failed_checks
            checks = (f"{len(failed)} failed" if failed else f"{len(r.checks)} passed")
            items = [_item(when), _item(r.kind), _item(r.scope), _item(r.folder, r.folder),
                     _item(r.generation if r.generation is not None else "—"), _item(f"{r.new_files} of {r.files}"),
                     _item(r.status, r.error or ""), _item(checks, "\n".join(c.text for c in failed))]
            items[6].setIcon(status_icon("ok" if r.status == "completed" else "fail"))
            self.model.appendRow(items)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.empty.setVisible(not rows)
        self.count.setText(f"{len(rows)} turnover{'s' if len(rows) != 1 else ''} — select one to see its checks"
                           if rows else "")
        if rows:
            self.table.selectRow(0)
            self._show_checks(0)

    def _show_checks(self, row: int) -> None:
        self.checks_model.removeRows(0, self.checks_model.rowCount())
        if not 0 <= row < len(self.rows):
            return
        for c in sorted(self.rows[row].checks, key=lambda c: c.ok):  # failures first
            outcome = _item("passed" if c.ok else "FAILED")
            outcome.setIcon(status_icon("ok" if c.ok else "fail"))
            self.checks_model.appendRow([outcome, _item(c.rule), _item(c.subject), _item(c.text, c.text)])
        self.checks.resizeColumnsToContents()
        self.checks.horizontalHeader().setSectionResizeMode(len(CHECK_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
