"""The Verification page's QC tab: the selected card's ingest QC findings (severity, rule, clip, expected, found,
acknowledged by / when / note) and Acknowledge… with a note (``services.qc.acknowledge``, by the DIT of the
Production settings). Acknowledged findings stay in the list, marked as such — never hidden. Reads and writes
run on the catalog lane."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import colour, status_icon
from pixm_desktop.gui.widgets import ColumnFitter
from pixm_desktop.services import qc as qc_service

QC_COLUMNS = ("Severity", "Rule", "Clip", "Expected", "Found", "Acknowledged")
FINDING_ROLE = Qt.ItemDataRole.UserRole


def _ack_text(f: qc_service.FindingRow) -> str:
    if f.ack_at is None:
        return ""
    return f"{f.ack_by} · {f.ack_at:%Y-%m-%d %H:%M} UTC · {f.ack_note}"


class QcPanel(QWidget):
    """The selected card's QC findings and Acknowledge…; reads and writes on the catalog lane."""

    notice = Signal(str, str, str, str)
    counted = Signal(str)  # the tab's title: "QC", "QC (2 open)"

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.card_id: int | None = None
        self.findings: list[qc_service.FindingRow] = []
        self._task = None
        v = QVBoxLayout(self)
        v.setContentsMargins(4, 4, 4, 4)
        self.summary = QLabel("", self)
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        self.table = QTableWidget(0, len(QC_COLUMNS), self)
        self.table.setObjectName("qcFindings")
        self.table.setHorizontalHeaderLabels(list(QC_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.fitter = ColumnFitter(self.table, [(110, 0.0), (100, 0.5), (150, 2.0), (110, 1.0), (90, 1.0),
                                                (160, 2.0)], hide_order=[3, 1])
        self.table.itemSelectionChanged.connect(self._selected)
        v.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.ack_button = QPushButton("Acknowledge…", self)
        self.ack_button.setToolTip("Accept the selected finding with a note saying why (kept, never hidden)")
        self.ack_button.clicked.connect(self.ask_acknowledge)
        row.addWidget(self.ack_button)
        self.detail = QLabel("", self)  # the selected finding's sentence
        self.detail.setObjectName("hint")
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.detail, 1)
        v.addLayout(row)
        self._selected()

    def load(self, card_id: int | None) -> None:
        """Read the findings of ``card_id`` (``None``: show nothing)."""
        self.card_id = card_id
        if card_id is None:
            self.show_findings(None, [])
            return
        if self._task is not None and not self._task.done:
            self._task.discard()
        self._task = self.state.runner.submit(
            qc_service.findings_for_card, self.state.catalog, card_id, lane="catalog", name=f"QC of card {card_id}",
            on_done=lambda rows: self.show_findings(card_id, rows),
            on_error=lambda e: self.notice.emit("QC", explain(e).text(), "error", explain(e).details))

    def show_findings(self, card_id: int | None, rows: list[qc_service.FindingRow]) -> None:
        if card_id != self.card_id:
            return
        keep = self.selected().id if self.selected() is not None else None
        self.findings = rows
        open_ = [f for f in rows if f.ack_at is None]
        errors = sum(f.severity == "error" for f in open_)
        if not rows:
            self.summary.setText("No QC findings for this card (QC runs after a verified offload when a show "
                                 "profile is installed; `pixm qc --card` runs it again).")
        else:
            self.summary.setText(f"{len(rows)} findings: {errors} open errors, {len(open_) - errors} open "
                                 f"warnings, {len(rows) - len(open_)} acknowledged")
        self.table.setRowCount(len(rows))
        for r, f in enumerate(rows):
            acked = f.ack_at is not None
            sev = f"{f.severity} (ack.)" if acked else f.severity
            for c, text in enumerate((sev, f.rule, f.subject, f.expected, f.found, _ack_text(f))):
                it = QTableWidgetItem(text)
                it.setToolTip(f.message if c < 5 else text)
                it.setData(FINDING_ROLE, f.id)
                if c == 0:
                    kind = "done" if acked else "fail" if f.severity == "error" else "warn"
                    it.setIcon(status_icon(kind))
                    if not acked:
                        it.setForeground(colour(kind))
                self.table.setItem(r, c, it)
            if f.id == keep:
                self.table.selectRow(r)
        self.counted.emit(f"QC ({len(open_)} open)" if open_ else "QC")
        self._selected()

    def selected(self) -> qc_service.FindingRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.findings):
            return None
        return self.findings[rows[0].row()]

    def _selected(self) -> None:
        f = self.selected()
        self.ack_button.setEnabled(f is not None)
        self.detail.setText(f.message if f is not None else "")

    def ask_acknowledge(self) -> None:
        f = self.selected()
        if f is None:
            return
        note, ok = QInputDialog.getText(self, "Acknowledge a QC finding",
                                        f"{f.severity}: {f.message}\n\nWhy is it acceptable? (kept with your name)")
        if ok and note.strip():
            self.acknowledge_selected(note)

    def acknowledge_selected(self, note: str) -> None:
        """Acknowledge the selected finding with ``note``, by the DIT of the Production settings."""
        f = self.selected()
        if f is None:
            return
        by = self.state.settings.dit or None
        card_id = self.card_id
        self.state.runner.submit(
            qc_service.acknowledge, self.state.catalog, f.id, note, by, lane="catalog", name="acknowledge QC",
            on_done=lambda _row: self.load(card_id),
            on_error=lambda e: self.notice.emit("QC", explain(e).text(), "error", explain(e).details))
