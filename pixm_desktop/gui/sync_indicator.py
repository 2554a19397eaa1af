"""The window's sync indicator (issue 17): a button in the status bar saying where this cart stands with the
central catalog — not set up, synced N min ago, changes pending, offline (the last error), conflicts — with
Sync now, the settings box, the conflict log and the whole show (every cart's cards and their verdict, read
from the central catalog) in its menu.

The state is read from the cart's own catalog (``services.sync.sync_status``: no network) every few seconds
on the ``catalog`` lane; a sync runs on the ``io`` lane (its own connections, never blocking an offload),
by hand or every N seconds when background sync is on (QSettings ``sync/auto``, ``sync/interval_s``)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.runner import JobRunner
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import fmt_bytes, verdict_kind, verdict_words
from pixm_desktop.services import sync as sync_service
from pixm_desktop.services.settings import Catalog

REFRESH_MS = 5000
DEFAULT_INTERVAL_S = 60


def describe(s: sync_service.SyncStatus, now: dt.datetime | None = None) -> str:
    """The indicator's words for a status: ``Sync: not set``, ``Sync: offline · 12 pending``,
    ``Sync: 3 min ago · 2 conflicts``…"""
    if not s.url:
        return "Sync: not set"
    parts = []
    if s.last_error:
        parts.append("offline")
    elif s.last_sync is None:
        parts.append("never synced")
    else:
        minutes = int(((now or dt.datetime.now(dt.UTC)) - s.last_sync).total_seconds() // 60)
        parts.append("synced just now" if minutes < 1 else f"synced {minutes} min ago")
    pending = s.pending + s.pending_fields
    if pending:
        parts.append(f"{pending} pending")
    if s.conflicts:
        parts.append(f"{s.conflicts} conflict{'s' if s.conflicts != 1 else ''}")
    return "Sync: " + " · ".join(parts)


class SyncIndicator(QToolButton):
    """Status-bar button; ``status`` is the last :class:`SyncStatus` read, ``syncing`` while a sync runs."""

    def __init__(self, catalog: Catalog, runner: JobRunner, qsettings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("syncIndicator")
        self.catalog, self.runner, self.qsettings = catalog, runner, qsettings
        self.status: sync_service.SyncStatus | None = None
        self.syncing = False
        self.last_error: str | None = None
        self.show_dialog: ShowDialog | None = None
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setAutoRaise(True)
        menu = QMenu(self)
        self.sync_action = menu.addAction("Sync now", self.sync_now)
        menu.addAction("Sync settings…", self.open_settings)
        menu.addAction("Conflicts…", self.open_conflicts)
        self.show_action = menu.addAction("The whole show (central, read-only)…", self.open_show)
        self.setMenu(menu)
        self.setText("Sync: …")
        self._poll = QTimer(self)
        self._poll.setInterval(REFRESH_MS)
        self._poll.timeout.connect(self.refresh)
        self._auto = QTimer(self)
        self._auto.timeout.connect(self.sync_now)

    def start(self) -> None:
        self.refresh()
        self._poll.start()
        self.apply_auto()

    def stop(self) -> None:
        self._poll.stop()
        self._auto.stop()

    def auto(self) -> tuple[bool, int]:
        return (self.qsettings.value("sync/auto", False, type=bool),
                self.qsettings.value("sync/interval_s", DEFAULT_INTERVAL_S, type=int))

    def apply_auto(self) -> None:
        on, every = self.auto()
        self._auto.stop()
        if on:
            self._auto.start(max(5, every) * 1000)

    def refresh(self) -> None:
        self.runner.submit(sync_service.sync_status, self.catalog, on_done=self._show, lane="catalog",
                           name="sync status")

    def _show(self, status: sync_service.SyncStatus) -> None:
        self.status = status
        text = describe(status)
        self.setText(text + (" · syncing…" if self.syncing else ""))
        tip = [f"Cart {status.cart_name}", f"Central: {status.url or 'not set'}",
               f"Pending: {status.pending} changes, {status.pending_fields} field edits",
               "Last sync: " + (status.last_sync.strftime("%Y-%m-%d %H:%M UTC") if status.last_sync else "never")]
        if status.last_error:
            tip.append(f"Last attempt failed: {status.last_error}")
        self.setToolTip("\n".join(tip))
        self.sync_action.setEnabled(bool(status.url) and not self.syncing)

    def sync_now(self) -> None:
        if self.syncing or (self.status is not None and not self.status.url):
            return
        self.syncing = True
        self.runner.submit(sync_service.sync_once, self.catalog, on_done=self._synced, on_error=self._failed,
                           lane="io", name="sync")

    def _synced(self, _result) -> None:
        self.syncing, self.last_error = False, None
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.syncing, self.last_error = False, str(exc)
        self.refresh()  # the service recorded the error: the indicator says offline

    def open_settings(self) -> SyncSettingsDialog:
        dlg = SyncSettingsDialog(self.status, *self.auto(), self)
        dlg.accepted.connect(lambda: self._save(dlg))
        dlg.open()
        return dlg

    def _save(self, dlg: SyncSettingsDialog) -> None:
        url, name, auto, every = dlg.values()
        sync_service.set_central(self.catalog, url or None, name or None)
        self.qsettings.setValue("sync/auto", auto)
        self.qsettings.setValue("sync/interval_s", every)
        self.apply_auto()
        self.refresh()

    def open_conflicts(self) -> None:
        if self.status is None or not self.status.url:
            return
        self.runner.submit(sync_service.list_conflicts, self.status.url, on_done=self._conflicts_dialog,
                           on_error=self._failed, lane="io", name="sync conflicts")

    def open_show(self) -> None:
        """Every cart's cards with their verdict, read from the central catalog on the ``io`` lane."""
        if self.status is None or not self.status.url:
            return
        self.runner.submit(sync_service.show_cards, self.status.url, on_done=self._show_dialog,
                           on_error=self._failed, lane="io", name="the whole show")

    def _show_dialog(self, cards) -> ShowDialog:
        self.show_dialog = ShowDialog(cards, self.status.url if self.status else "", self)
        self.show_dialog.open()
        return self.show_dialog

    def _conflicts_dialog(self, rows) -> ConflictsDialog:
        dlg = ConflictsDialog(rows, self)
        dlg.open()
        return dlg


class SyncSettingsDialog(QDialog):
    """The central catalog's URL (stored without password: keep that in ~/.pgpass), the cart's name,
    background sync and its interval."""

    def __init__(self, status: sync_service.SyncStatus | None, auto: bool, every: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Sync with a central catalog")
        form = QFormLayout(self)
        self.url = QLineEdit(status.url or "" if status else "", self)
        self.url.setPlaceholderText("postgresql://user@host:5432/show")
        self.name = QLineEdit(status.cart_name if status else "", self)
        self.auto = QCheckBox("Sync in the background", self)
        self.auto.setChecked(auto)
        self.every = QSpinBox(self)
        self.every.setRange(5, 3600)
        self.every.setSuffix(" s")
        self.every.setValue(every)
        note = QLabel("No password is stored: keep it in ~/.pgpass or $PGPASSFILE (see docs/sync.md).", self)
        note.setWordWrap(True)
        form.addRow("Central catalog", self.url)
        form.addRow("This cart's name", self.name)
        form.addRow(self.auto)
        form.addRow("Every", self.every)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, bool, int]:
        return self.url.text().strip(), self.name.text().strip(), self.auto.isChecked(), self.every.value()


class ConflictsDialog(QDialog):
    """The central conflict log: each overwritten value with the one kept, their carts and when."""

    HEADERS = ("When (UTC)", "Clip / row", "Field", "Kept", "By", "Overwritten", "By")

    def __init__(self, rows, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Sync conflicts")
        self.resize(900, 400)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(rows), len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        for i, r in enumerate(rows):
            cells = (r.at.strftime("%Y-%m-%d %H:%M"), r.row_name or r.row_uuid, r.field, str(r.kept_value),
                     r.kept_cart, str(r.lost_value), r.lost_cart)
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ShowDialog(QDialog):
    """The whole show, read-only: one row per card of every cart (shoot day, card, camera, files, size, the
    carts holding copies, THE verdict with its icon; green only for SAFE TO FORMAT)."""

    HEADERS = ("Day", "Card", "Camera", "Files", "Size", "Carts", "Verdict")

    def __init__(self, cards, url: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"The whole show — {sync_service.display_url(url)} (read-only)")
        self.resize(1000, 480)
        layout = QVBoxLayout(self)
        carts = sorted({c for card in cards for c in card.carts})
        safe = sum(1 for c in cards if c.verdict is not None and c.verdict.safe)
        self.summary = QLabel(f"{len(cards)} cards from {len(carts)} carts ({', '.join(carts) or 'none'}); "
                              f"{safe} safe to format", self)
        layout.addWidget(self.summary)
        self.table = QTableWidget(len(cards), len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, c in enumerate(cards):
            cells = (c.day or "", c.label, c.camera or "", str(c.files), fmt_bytes(c.size), ", ".join(c.carts),
                     verdict_words(c.verdict) if c.verdict is not None else "no destinations")
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))
            self.table.item(i, 6).setIcon(status_icon(verdict_kind(c.verdict), 16))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def rows(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]
