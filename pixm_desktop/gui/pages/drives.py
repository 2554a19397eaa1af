"""The Drives page: the drives registered in the catalog (``services.drives``) — label, kind, where it is and
who holds it, capacity and free space, card folders on it, last event — with Add…, Ship…, Receive (the
re-verification of every card folder on it, on the io lane), Wipe check, Retire… and the storage forecast.

"Safe to wipe" is ``services.drives.wipe_check`` (``core.verdict.drive_wipe_verdict``, the card's one rule)
shown in the card verdict's words and colours: ``SAFE TO WIPE`` green, ``NOT SAFE TO WIPE`` amber, naming the
files that lack copies. The page never judges a drive itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import DriveNotSafeToWipeError
from pixm_desktop.core.verdict import SafeRule, WipeVerdict
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import ColumnFitter, fmt_bytes
from pixm_desktop.services import drives as drive_service

COLUMNS = ("Label", "Kind", "Location", "Holder", "Capacity / free", "Card folders", "Last event")
FIT = [(110, 1.0), (70, 0.0), (110, 1.0), (90, 0.5), (170, 0.5), (110, 0.0), (200, 3.0)]
FORECAST_COLUMNS = ("Drive", "Kind", "Capacity", "Free", "Days to full")
LISTED = 50  # files named under a NOT SAFE TO WIPE verdict (then "and K more")


def load(catalog) -> tuple[list[drive_service.DriveInfo], drive_service.Forecast]:
    """Worker: every drive (retired ones too) and the storage forecast."""
    return drive_service.list_drives(catalog), drive_service.forecast(catalog)


def last_event(d: drive_service.DriveInfo) -> str:
    if not d.events:
        return ""
    e = d.events[-1]
    when = f"{e.at:%Y-%m-%d %H:%M}" if e.at else ""
    where = f" → {e.place}" if e.place and e.what in ("shipped", "received") else ""
    return f"{when} {e.what}{where}" + (f": {e.result}" if e.result else "")


def days_text(days: float | None) -> str:
    """``—`` without a daily rate, ``3.5`` under ten days, ``42``, ``> 9 999``."""
    if days is None:
        return "—"
    if days >= 10_000:
        return "> 9 999"
    return f"{days:.1f}" if days < 10 else f"{days:,.0f}".replace(",", " ")


class AddDriveDialog(QDialog):
    """Folder on the drive (picker), label the DIT writes on it, kind."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add a drive")
        f = QFormLayout(self)
        row = QHBoxLayout()
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("where the drive is mounted")
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        f.addRow("Folder", row)
        self.label = QLineEdit(self)
        self.label.setPlaceholderText("e.g. SHUTTLE-07 (as written on the drive)")
        self.label.setMaxLength(64)
        f.addRow("Label", self.label)
        self.kind = QComboBox(self)
        for k in drive_service.DriveKind:
            self.kind.addItem(k.value, k.value)
        self.kind.setCurrentIndex(self.kind.findData(drive_service.DriveKind.SHUTTLE.value))
        f.addRow("Kind", self.kind)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        f.addRow(buttons)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "The drive's folder", self.folder.text())
        if path:
            self.folder.setText(path)
            if not self.label.text():
                self.label.setText(Path(path).name)


class DrivesPage(QWidget):
    notice = Signal(str, str, str, str)  # title, text, kind, details

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.drives: list[drive_service.DriveInfo] = []
        self.forecast: drive_service.Forecast | None = None
        self.verdict: WipeVerdict | None = None
        self._task = None
        self.busy_task = None
        #: ``drive_of`` / ``identity_of`` for add and receive (``services.drives``' own parameters; tests set them)
        self.probes: dict = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        title = QLabel("Drives", self)
        title.setObjectName("pageTitle")
        lay.addWidget(title)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot, tip in (
                ("add", "Add…", self.choose_add, "Register a drive by a folder on it, with its label and kind"),
                ("ship", "Ship…", self.ask_ship, "Record that the selected drive leaves with a courier"),
                ("receive", "Receive", self.receive_selected,
                 "Record the drive received and re-verify every card folder on it"),
                ("wipe", "Wipe check", self.wipe_check_selected,
                 "Whether every file on the drive has its verified copies on other drives"),
                ("retire", "Retire…", self.ask_retire, "Retire the drive: refused unless safe to wipe, or with a note")):
            b = QPushButton(text, self)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            self.buttons[key] = b
            row.addWidget(b)
        self.busy = QProgressBar(self)  # a receive re-reading the drive
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.hide()
        row.addWidget(self.busy)
        self.busy_text = QLabel("", self)
        self.busy_text.setObjectName("hint")
        row.addWidget(self.busy_text)
        row.addStretch(1)
        lay.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, self)
        lay.addWidget(split, 1)
        self.table = QTableWidget(0, len(COLUMNS), split)
        self.table.setObjectName("drivesTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        self.fitter = ColumnFitter(self.table, FIT, hide_order=[5, 3, 1])
        self.table.itemSelectionChanged.connect(self._selection_changed)
        bottom = QWidget(split)
        bl = QHBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        rbox = QGroupBox("Result", bottom)
        rl = QVBoxLayout(rbox)
        vrow = QHBoxLayout()
        self.verdict_icon = QLabel(rbox)
        vrow.addWidget(self.verdict_icon, 0, Qt.AlignmentFlag.AlignTop)
        self.verdict_text = QLabel("Select a drive, then Wipe check or Receive.", rbox)
        self.verdict_text.setObjectName("badgeUnknown")
        self.verdict_text.setWordWrap(True)
        self.verdict_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        vrow.addWidget(self.verdict_text, 1)
        rl.addLayout(vrow)
        self.result_lines = QListWidget(rbox)  # files lacking copies, or each card folder re-verified
        self.result_lines.setObjectName("driveResultLines")
        rl.addWidget(self.result_lines, 1)
        bl.addWidget(rbox, 1)
        fbox = QGroupBox("Storage forecast", bottom)
        fl = QVBoxLayout(fbox)
        self.rate = QLabel("", fbox)
        self.rate.setObjectName("hint")
        self.rate.setWordWrap(True)
        fl.addWidget(self.rate)
        self.forecast_table = QTableWidget(0, len(FORECAST_COLUMNS), fbox)
        self.forecast_table.setObjectName("forecastTable")
        self.forecast_table.setHorizontalHeaderLabels(list(FORECAST_COLUMNS))
        self.forecast_table.verticalHeader().setVisible(False)
        self.forecast_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.forecast_fitter = ColumnFitter(self.forecast_table, [(100, 1.0), (60, 0.0), (80, 0.5), (140, 0.5),
                                                                  (100, 0.0)], hide_order=[1])
        fl.addWidget(self.forecast_table, 1)
        bl.addWidget(fbox, 1)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self._show_verdict(None, "Select a drive, then Wipe check or Receive.")
        self._selection_changed()

    # -- reading --------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reread the drives and the forecast on the catalog lane."""
        if self._task is not None and not self._task.done:
            return
        self._task = self.state.runner.submit(load, self.state.catalog, lane="catalog", name="drives",
                                              on_done=lambda r: self._loaded(*r), on_error=self._error("Drives"))

    def _error(self, title: str):
        def show(exc: BaseException) -> None:
            self._set_busy("")
            e = explain(exc)
            self.notice.emit(title, e.text(), "error", e.details)
        return show

    def _loaded(self, drives: list[drive_service.DriveInfo], forecast: drive_service.Forecast) -> None:
        keep = self.selected_label()
        self.drives, self.forecast = drives, forecast
        free = {r.label: r for r in forecast.drives}
        self.table.setRowCount(len(drives))
        for r, d in enumerate(drives):
            room = free.get(d.label)
            space = fmt_bytes(d.capacity_bytes) + (f" / {fmt_bytes(room.free_bytes)} free" if room else "")
            status = " (retired)" if d.status == "retired" else ""
            for c, text in enumerate((d.label + status, d.kind, d.location, d.holder, space, str(d.folders),
                                      last_event(d))):
                it = QTableWidgetItem(text)
                it.setToolTip(text if c != 0 else f"{d.label}: {d.fs_label or ''} {d.fs_type} UUID {d.fs_uuid or '—'}"
                              f"\nmounted at {d.root}\n{d.physical_note or d.physical_id or ''}")
                if c == 0:
                    it.setData(Qt.ItemDataRole.UserRole, d.label)
                self.table.setItem(r, c, it)
            if d.label == keep:
                self.table.selectRow(r)
        self._fill_forecast(forecast)
        self._selection_changed()

    def _fill_forecast(self, f: drive_service.Forecast) -> None:
        if f.days:
            self.rate.setText(f"{fmt_bytes(f.average_bytes)} per shoot day on average over {len(f.days)} "
                              f"day{'s' if len(f.days) != 1 else ''} (last: {f.days[-1][0]:%Y-%m-%d}, "
                              f"{fmt_bytes(f.days[-1][1])})")
        else:
            self.rate.setText("; ".join(f.notes) or "no shoot day yet")
        self.forecast_table.setRowCount(len(f.drives))
        for r, d in enumerate(f.drives):
            free = fmt_bytes(d.free_bytes) + ("" if d.measured else " (recorded)")
            for c, text in enumerate((d.label, d.kind, fmt_bytes(d.capacity_bytes), free, days_text(d.days_to_full))):
                it = QTableWidgetItem(text)
                if c == 3 and not d.measured:
                    it.setToolTip("not mounted: capacity minus the bytes the catalog recorded on it")
                self.forecast_table.setItem(r, c, it)

    def selected_label(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        it = self.table.item(rows[0].row(), 0)
        return it.data(Qt.ItemDataRole.UserRole) if it else None

    def select(self, label: str) -> None:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == label:
                self.table.selectRow(r)
                return

    def _selection_changed(self) -> None:
        label = self.selected_label()
        d = next((x for x in self.drives if x.label == label), None)
        active = d is not None and d.status != "retired"
        idle = self.busy_task is None or self.busy_task.done
        for key in ("ship", "receive", "retire"):
            self.buttons[key].setEnabled(active and idle)
        self.buttons["wipe"].setEnabled(d is not None and idle)

    # -- showing results -------------------------------------------------------------------------------------
    def _show_verdict(self, safe: bool | None, text: str, lines: list[str] = ()) -> None:
        """The result line in the card verdict's colours: ``safe`` True green, False amber, None neutral."""
        kind, name = {True: ("ok", "badgeSafe"), False: ("warn", "badgeWarn")}.get(safe, ("wait", "badgeUnknown"))
        self.verdict_icon.setPixmap(status_icon(kind, 36).pixmap(36, 36))
        self.verdict_text.setObjectName(name)
        self.verdict_text.setText(text)
        self.verdict_text.style().unpolish(self.verdict_text)
        self.verdict_text.style().polish(self.verdict_text)
        self.result_lines.clear()
        self.result_lines.addItems(list(lines))

    def show_wipe_verdict(self, label: str, v: WipeVerdict) -> None:
        self.verdict = v
        self._show_verdict(v.safe, f"{label}: {v.title} — {v.reason}", v.listed(LISTED))

    def _set_busy(self, text: str) -> None:
        self.busy.setVisible(bool(text))
        self.busy_text.setText(text)
        self._selection_changed()

    # -- actions ---------------------------------------------------------------------------------------------
    def choose_add(self) -> None:
        dlg = AddDriveDialog(self)
        if dlg.exec() == QDialog.DialogCode.Accepted and dlg.folder.text().strip():
            self.add_drive(dlg.folder.text().strip(), dlg.label.text(), dlg.kind.currentData())

    def add_drive(self, folder: str | Path, label: str, kind: str = "shuttle") -> None:
        """Register the drive holding ``folder`` (io lane: it reads the OS's identity of the drive)."""
        self._set_busy(f"adding {label}…")
        self.busy_task = self.state.runner.submit(
            drive_service.add_drive, self.state.catalog, folder, label, kind=kind, who=self.state.settings.dit or None,
            **self.probes,
            lane="io", name="add drive", on_done=self._added, on_error=self._error("Add drive"))

    def _added(self, out: drive_service.AddResult) -> None:
        self._set_busy("")
        self._show_verdict(None, f"Added {out.drive.label} ({out.drive.kind}, {fmt_bytes(out.drive.capacity_bytes)}, "
                                 f"{out.drive.folders} card folders)", list(out.notes))
        self._task = None
        self.refresh()

    def ask_ship(self) -> None:
        label = self.selected_label()
        if label is None:
            return
        to, ok = QInputDialog.getText(self, f"Ship {label}", "Where is it going? (e.g. Lab, Vault)")
        if not ok or not to.strip():
            return
        courier, ok = QInputDialog.getText(self, f"Ship {label}", "Courier (who carries it; may be empty)")
        if ok:
            self.ship_selected(to, courier or None)

    def ship_selected(self, to: str, courier: str | None = None) -> None:
        label = self.selected_label()
        if label is None:
            return
        self.state.runner.submit(drive_service.ship, self.state.catalog, label, to, courier=courier,
                                 who=self.state.settings.dit or None, lane="catalog", name="ship drive",
                                 on_done=lambda d: (self._show_verdict(None, f"{d.label} shipped to {to}"),
                                                    self.refresh()),
                                 on_error=self._error("Ship"))

    def receive_selected(self) -> None:
        """Record the selected drive received and re-verify it on the io lane (busy until it ends)."""
        label = self.selected_label()
        if label is None:
            return
        self._set_busy(f"receiving {label}: re-verifying its card folders…")
        self.busy_task = self.state.runner.submit(
            drive_service.receive, self.state.catalog, label, who=self.state.settings.dit or None, **self.probes,
            lane="io",
            name="receive drive", on_done=self._received, on_error=self._error("Receive"))

    def _received(self, out: drive_service.ReceiveResult) -> None:
        self._set_busy("")
        bad = [c for c in out.folders if not c.ok]
        head = (f"{out.drive.label} received at {out.place}: {len(out.folders)} card folders re-verified, "
                + ("all files verified" if not bad else f"{len(bad)} with problems"))
        lines = [f"{'OK' if c.ok else 'PROBLEM'} {c.path}: {c.summary}" for c in out.folders] + list(out.notes)
        self._show_verdict(None if not out.folders else not bad, head, lines)
        self._task = None
        self.refresh()

    def wipe_check_selected(self) -> None:
        label = self.selected_label()
        if label is None:
            return
        self.state.runner.submit(drive_service.wipe_check, self.state.catalog, label, self._rule(), lane="catalog",
                                 name="wipe check", on_done=lambda v: self.show_wipe_verdict(label, v),
                                 on_error=self._error("Wipe check"))

    def _rule(self):
        s = self.state.settings
        return SafeRule(min_copies=s.min_copies, distinct_drives=s.distinct_drives)

    def ask_retire(self) -> None:
        label = self.selected_label()
        if label is None:
            return
        answer = QMessageBox.question(self, f"Retire {label}", f"Retire {label}? Its copies stop counting "
                                      "anywhere. Refused unless every file on it has its copies elsewhere.")
        if answer == QMessageBox.StandardButton.Yes:
            self.retire_selected(ask=True)

    def retire_selected(self, note: str | None = None, *, ask: bool = False) -> None:
        """Retire the selected drive: refused (the verdict shown) unless safe to wipe, or with ``note``.
        ``ask``: when refused, offer to retire it anyway with a note."""
        label = self.selected_label()
        if label is None:
            return
        self.state.runner.submit(
            drive_service.retire, self.state.catalog, label, self._rule(), force=bool(note), note=note,
            who=self.state.settings.dit or None, lane="catalog", name="retire drive",
            on_done=lambda v: (self._show_verdict(None, f"{label} retired ({v.title})"), self.refresh()),
            on_error=lambda e: self._retire_refused(label, e, ask))

    def _retire_refused(self, label: str, exc: BaseException, ask: bool) -> None:
        if not isinstance(exc, DriveNotSafeToWipeError):
            self._error("Retire")(exc)
            return
        self._show_verdict(False, f"{label} not retired: {exc}", exc.details.splitlines())
        if not ask:
            return
        note, ok = QInputDialog.getText(self, f"Retire {label} anyway?",
                                        f"{label} is NOT SAFE TO WIPE. To retire it anyway, say why:")
        if ok and note.strip():
            self.retire_selected(note)
