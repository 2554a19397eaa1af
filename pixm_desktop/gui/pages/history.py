"""The History page: past jobs and cards from the catalog, searchable by reel, card, day and project.

The Status column says what the job did *and* what its card is now (``completed · card NOT SAFE``), with
the card's verdict as the icon: a completed job of a card that is not safe is never green."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import fmt_bytes, job_status_kind, job_status_words
from pixm_desktop.services import status as status_service

COLUMNS = ("Job", "Card", "Camera", "Reel", "Project", "Day", "Started", "Status", "Files", "Size",
           "Destinations", "Problem")
CARD_ROLE = Qt.ItemDataRole.UserRole
HIDE_FIRST = ("Day", "Camera", "Reel", "Files", "Project", "Size")  # when the window is narrow, in this order
MIN_PROBLEM = 260  # px the Problem column keeps before a column above is hidden
NO_JOBS = "No offload yet — drag a card onto the queue on the Offload page"
NO_MATCH = "No job matches — clear the search, the day or the project"


def _load(catalog, text: str, day: dt.date | None, project: str | None, rule):
    """Worker: the jobs, the verdict of each one's card now (under ``rule``), the project names."""
    rows = status_service.history(catalog, text, day=day, project=project)
    verdicts = status_service.card_verdicts(catalog, {r.card_id for r in rows}, rule=rule)
    return rows, verdicts, status_service.projects(catalog)


class HistoryPage(QWidget):
    open_card = Signal(int)
    notice = Signal(str, str, str, str)

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self._task = None
        self._again = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("historySearch")
        self.search.setPlaceholderText("Search reel, card, camera or project…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        row.addWidget(self.search, 2)
        self.use_day = QCheckBox("Day", self)
        self.day = QDateEdit(QDate.currentDate(), self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setEnabled(False)
        self.use_day.toggled.connect(self.day.setEnabled)
        row.addWidget(self.use_day)
        row.addWidget(self.day)
        row.addWidget(QLabel("Project", self))
        self.project = QComboBox(self)
        self.project.addItem("All projects", None)
        self.project.setMinimumWidth(180)
        row.addWidget(self.project)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Reload from the catalog (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        row.addWidget(self.refresh_button)
        lay.addLayout(row)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView(self)
        self.table.setObjectName("history")
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._open)
        lay.addWidget(self.table, 1)
        self.empty = QLabel(NO_JOBS, self)  # in the table's place while it has no row
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.hide()
        lay.addWidget(self.empty, 1)
        self.count = QLabel("", self)
        self.count.setObjectName("hint")
        lay.addWidget(self.count)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(250)
        self.debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self.debounce.start())
        self.use_day.toggled.connect(lambda _on: self.debounce.start())
        self.day.dateChanged.connect(lambda _d: self.debounce.start())
        self.project.currentIndexChanged.connect(lambda _i: self.debounce.start())

    def refresh(self) -> None:
        if self._task is not None and not self._task.done:
            self._again = True  # run once more when the current query is back
            return
        day = self.day.date().toPython() if self.use_day.isChecked() else None
        project = self.project.currentData()
        self._task = self.state.runner.submit(
            _load, self.state.catalog, self.search.text(), day, project, status_service.safe_rule(self.state.settings),
            lane="catalog", name="history",
            on_done=self._loaded, on_error=lambda e: self.notice.emit("Catalog", explain(e).text(), "error",
                                                                      explain(e).details))

    def _loaded(self, result) -> None:
        rows, verdicts, projects = result
        self._set_projects(projects)
        self.table.setSortingEnabled(False)
        self.model.removeRows(0, self.model.rowCount())
        for r in rows:
            started = r.started_at.astimezone().strftime("%Y-%m-%d %H:%M") if r.started_at else ""
            verdict = verdicts.get(r.card_id)
            problem = r.error or (verdict.reason if verdict is not None and not verdict.safe else "")
            values = [r.job_id, r.card, r.camera.upper(), r.reel, r.project, r.day.isoformat() if r.day else "",
                      started, job_status_words(r.status, verdict), r.files, fmt_bytes(r.total_bytes),
                      ", ".join(r.drives or r.destinations), problem]
            items = []
            for v in values:
                it = QStandardItem()
                it.setData(v, Qt.ItemDataRole.DisplayRole)
                it.setData(r.card_id, CARD_ROLE)
                items.append(it)
            items[7].setIcon(status_icon(job_status_kind(r.status, verdict)))
            items[7].setToolTip(f"job: {r.status}\ncard now: {verdict.headline if verdict else 'unknown'}")
            items[11].setToolTip(problem)
            items[10].setToolTip("\n".join(r.destinations))
            self.model.appendRow(items)
        self.table.setSortingEnabled(True)
        for c in range(len(COLUMNS)):  # a hidden column measures 0: measure every one, then hide again
            self.table.setColumnHidden(c, False)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        for c in (10,):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 260))
        self._widths = [self.table.columnWidth(c) for c in range(len(COLUMNS) - 1)]
        self.fit_columns()
        filtered = bool(self.search.text().strip() or self.use_day.isChecked() or self.project.currentData())
        self.empty.setText(NO_MATCH if filtered else NO_JOBS)
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        self.count.setText(f"{len(rows)} job{'s' if len(rows) != 1 else ''} — double-click a row to open the card "
                           "in Verification" if rows else "")
        if self._again:
            self._again = False
            self.refresh()

    def fit_columns(self) -> None:
        """Keep the Problem column readable: hide the least important columns (:data:`HIDE_FIRST`) while the
        others would push it under :data:`MIN_PROBLEM` px. Their values stay in the row's card (double-click)."""
        widths = getattr(self, "_widths", None)
        if not widths:
            return
        total = sum(widths) + MIN_PROBLEM
        hidden: set[int] = set()
        for name in HIDE_FIRST:
            if total <= self.table.viewport().width():
                break
            c = COLUMNS.index(name)
            hidden.add(c)
            total -= widths[c]
        for c in range(len(COLUMNS)):
            self.table.setColumnHidden(c, c in hidden)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.fit_columns()

    def _set_projects(self, projects: list[str]) -> None:
        current = self.project.currentData()
        have = [self.project.itemData(i) for i in range(1, self.project.count())]
        if have == projects:
            return
        self.project.blockSignals(True)
        self.project.clear()
        self.project.addItem("All projects", None)
        for p in projects:
            self.project.addItem(p, p)
        idx = self.project.findData(current)
        self.project.setCurrentIndex(max(0, idx))
        self.project.blockSignals(False)

    def _open(self, index) -> None:
        card_id = index.data(CARD_ROLE)
        if card_id is not None:
            self.open_card.emit(int(card_id))

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
