"""The Verification page — what the loader checks before a card goes back to the camera.

Per card: the card's verdict (``CardStatus.verdict``, THE verdict of ``core.verdict``) as a badge with its
reason — green only when safe —, per destination the pending / copied / verified / failed
counts, the file × destination list filterable to failures (with the reason of each), re-verification of a
destination from its ASC MHL (the ``verify`` job kind, with a bar, %, ETA and Cancel), and Eject once safe. Every catalog read and re-read of the media runs on the
runner; the page only shows results.

Beside the file list, a QC tab (``qc_panel.QcPanel``): the card's ingest QC findings and Acknowledge….
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import CancelledError
from pixm_desktop.core.model import CancelToken, CopyState
from pixm_desktop.core.rate import RateMeter
from pixm_desktop.core.states import JobKind, VerifyJobOptions
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.pages.qc_panel import QcPanel
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import (
    Badge,
    ColumnFitter,
    ElideMiddleDelegate,
    fmt_bytes,
    fmt_eta,
    state_kind,
    verdict_kind,
    verdict_words,
)
from pixm_desktop.services import eject as eject_service
from pixm_desktop.services import jobs as job_layer
from pixm_desktop.services import status as status_service

CARD_ROLE = Qt.ItemDataRole.UserRole
DEST_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
_DISPLAY, _TOOLTIP, _DECORATION = (int(r) for r in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                                    Qt.ItemDataRole.DecorationRole))
_SHOWN_ROLES = frozenset((_DISPLAY, _TOOLTIP, _DECORATION))
FILE_COLUMNS = ("File", "Destination", "State", "Reason")
FILES_EVERY = 10.0  # seconds between file-list reloads while following a running job (counts: every 2 s)
DEST_COLUMNS = ("Destination", "Required", "Pending", "Copied", "Verified", "Failed", "State", "Card folder")
#: (minimum px, weight) per column (``widgets.fit_widths``): Copied, Pending, Required, then the folder hide first
DEST_FIT = [(110, 1.0), (80, 0.0), (70, 0.0), (70, 0.0), (70, 0.0), (60, 0.0), (150, 1.5), (160, 3.0)]
FILE_FIT = [(220, 3.0), (110, 0.5), (90, 0.0), (160, 3.0)]


def _load_card(catalog, card_id: int, min_copies: int, distinct: bool, with_files: bool = True):
    """Worker: the card's status (with its verdict under the rule ``min_copies`` / ``distinct``), its file ×
    destination states (``None`` when not asked for), whether its source is still mounted."""
    st = status_service.card_status(catalog, card_id, min_copies=min_copies, distinct_drives=distinct)
    files = status_service.file_state_table(catalog, card_id) if st and with_files else None
    mounted = bool(st and st.source_path and os.path.ismount(st.source_path))
    return st, files, mounted


def _load_page(catalog, want: int | None, min_copies: int, distinct: bool, with_files: bool):
    """Worker: the card list, and the card ``want`` (the first card when ``None``) as :func:`_load_card` reads
    it, or ``None`` when the list does not hold it."""
    cards = status_service.card_statuses(catalog, min_copies=min_copies, distinct_drives=distinct)
    target = want if want is not None else (cards[0].id if cards else None)
    if target is None or all(c.id != target for c in cards):
        return cards, None
    return cards, _load_card(catalog, target, min_copies, distinct, with_files)


class FileStateModel(QAbstractTableModel):
    """File × destination rows (``FileStateTable`` tuples), filtered (failures only, text) and sorted in Python
    list operations.

    No proxy model: a QSortFilterProxyModel would call back into Python for every row on every reset, which
    with thousands of files costs the GUI thread hundreds of milliseconds while an offload competes for the
    interpreter. Here a reset is one list comprehension and one ``list.sort``; the view asks ``data()`` only
    for the rows on screen.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.destinations: dict[int, tuple[str, str]] = {}  # id → (card folder, short drive name)
        self.all_rows: list[tuple] = []  # (relpath, destination id, state, reason)
        self.rows: list[tuple] = []  # what is shown
        self.failed = 0
        self.safe = False  # the card's verdict: a verified copy is painted green only when the card is safe
        self.failures_only = False
        self.text = ""
        self.sort_column, self.sort_order = 0, Qt.SortOrder.AscendingOrder

    def set_rows(self, table: status_service.FileStateTable | None) -> bool:
        """Show ``table``; returns False (and does nothing) when it equals what is shown."""
        rows = table.rows if table is not None else []
        dests = table.destinations if table is not None else {}
        if rows == self.all_rows and dests == self.destinations:
            return False
        self.all_rows, self.destinations = rows, dests
        self.failed = table.failed if table is not None else 0
        self._apply()
        return True

    def drive(self, r: tuple) -> str:
        path, name = self.destinations.get(r[1], ("", ""))
        return name or path

    def destination(self, r: tuple) -> str:
        return self.destinations.get(r[1], ("", ""))[0]

    def set_filter(self, failures_only: bool | None = None, text: str | None = None) -> None:
        if failures_only is not None:
            self.failures_only = failures_only
        if text is not None:
            self.text = text.lower()
        self._apply()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self._apply()

    def _apply(self) -> None:
        rows = self.all_rows
        if self.failures_only:
            rows = [r for r in rows if r[2] == CopyState.FAILED]
        if self.text:
            t = self.text
            rows = [r for r in rows if t in f"{r[0]} {self.drive(r)} {self.destination(r)} {r[3] or ''}".lower()]
        keys = (lambda r: r[0], self.drive, lambda r: r[2], lambda r: r[3] or "")
        rows = sorted(rows, key=keys[self.sort_column], reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(FILE_COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return FILE_COLUMNS[section]
        return None

    def data(self, index, role=_DISPLAY):
        # called for every visible cell and role at each paint, while an offload may compete for the CPU:
        # plain int comparisons first, and only the asked cell is computed
        if role not in _SHOWN_ROLES or not index.isValid():
            return None
        r = self.rows[index.row()]
        c = index.column()
        if role == _DECORATION:
            if c != 2:
                return None
            kind = state_kind(r[2])
            return status_icon("done" if kind == "ok" and not self.safe else kind)
        if c == 0:  # card-relative path; the full path on the destination in the tooltip
            return r[0] if role == _DISPLAY else os.path.join(self.destination(r), r[0])
        if c == 1:
            return self.drive(r) if role == _DISPLAY else self.destination(r)
        return r[2] if c == 2 else r[3] or ""

    def cell(self, row: int, column: int) -> str:
        return self.data(self.index(row, column))


class VerificationPage(QWidget):
    notice = Signal(str, str, str, str)

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.current: status_service.CardStatus | None = None
        self.source_mounted = False
        self._pending_select: int | None = None
        self._list_task = None
        self._again = False  # a refresh was asked for while the list was being read
        self._card_task = None
        self._follow = False
        self._files_loaded = 0.0
        self._cards_shown: list = []
        self._badge_verdict = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        lay.addWidget(self.splitter)
        left = QGroupBox("Cards", self.splitter)
        ll = QVBoxLayout(left)
        self.cards = QListWidget(left)
        self.cards.setObjectName("cards")
        self.cards.setAlternatingRowColors(True)
        self.cards.currentItemChanged.connect(self._card_selected)
        ll.addWidget(self.cards)
        right = QWidget(self.splitter)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 0, 0)
        self.title = QLabel("Select a card", right)
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        rl.addWidget(self.title)
        self.subtitle = QLabel("", right)
        self.subtitle.setObjectName("hint")
        self.subtitle.setWordWrap(True)
        rl.addWidget(self.subtitle)
        brow = QHBoxLayout()
        self.badge = Badge(right)
        brow.addWidget(self.badge, 1)
        self.eject_button = QPushButton("Eject card", right)
        self.eject_button.setToolTip("Eject the card once it is safe to format (Ctrl+E)")
        self.eject_button.clicked.connect(self.eject)
        brow.addWidget(self.eject_button, 0, Qt.AlignmentFlag.AlignTop)
        rl.addLayout(brow)
        dbox = QGroupBox("Destinations", right)
        dl = QVBoxLayout(dbox)
        self.dest_table = QTableWidget(0, len(DEST_COLUMNS), dbox)
        self.dest_table.setObjectName("verifyDestinations")
        self.dest_table.setHorizontalHeaderLabels(list(DEST_COLUMNS))
        self.dest_table.verticalHeader().setVisible(False)
        self.dest_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.dest_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.dest_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.dest_table.setItemDelegateForColumn(7, ElideMiddleDelegate(self.dest_table))
        self.dest_fitter = ColumnFitter(self.dest_table, DEST_FIT, hide_order=[3, 2, 1, 7])
        self.dest_table.setMaximumHeight(170)
        self.dest_table.itemSelectionChanged.connect(self._update_buttons)
        dl.addWidget(self.dest_table)
        drow = QHBoxLayout()
        self.reverify_button = QPushButton(status_icon("run"), "Re-verify destination", dbox)
        self.reverify_button.setToolTip("Re-read every file of the selected destination from the drive and "
                                        "compare with its ASC MHL (Ctrl+Shift+R)")
        self.reverify_button.clicked.connect(self.reverify_selected)
        drow.addWidget(self.reverify_button)
        self.reverify_bar = QProgressBar(dbox)  # files re-read of the destination, with % and ETA
        self.reverify_bar.setRange(0, 1000)
        self.reverify_bar.setMinimumWidth(220)
        self.reverify_bar.hide()
        drow.addWidget(self.reverify_bar)
        self.reverify_cancel = QPushButton("Cancel", dbox)
        self.reverify_cancel.setToolTip("Stop the re-verify: nothing is recorded, the copy states stay as they were")
        self.reverify_cancel.clicked.connect(self.cancel_reverify)
        self.reverify_cancel.hide()
        drow.addWidget(self.reverify_cancel)
        self.reverify_status = QLabel("", dbox)
        self.reverify_status.setObjectName("hint")
        # a long folder path must never widen the window past a 1280 px screen: the label may be cut
        self.reverify_status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        drow.addWidget(self.reverify_status, 1)
        self.reverify_timer = QTimer(self)  # reads the running re-verify's progress
        self.reverify_timer.setInterval(250)
        self.reverify_timer.timeout.connect(self._reverify_tick)
        self._reverify: dict | None = None  # {"cancel", "progress", "total", "meter", "label", "started"}
        dl.addLayout(drow)
        rl.addWidget(dbox)
        self.tabs = QTabWidget(right)  # the file list and the card's QC findings share the page's height
        self.tabs.setObjectName("verifyTabs")
        fbox = QWidget(self.tabs)
        fl = QVBoxLayout(fbox)
        frow = QHBoxLayout()
        self.failures_only = QCheckBox("Failures only", fbox)
        self.failures_only.toggled.connect(lambda on: self.model.set_filter(failures_only=on))
        frow.addWidget(self.failures_only)
        self.filter = QLineEdit(fbox)
        self.filter.setPlaceholderText("Filter by file name, destination or reason…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda t: self.model.set_filter(text=t))
        frow.addWidget(self.filter, 1)
        self.file_count = QLabel("", fbox)
        self.file_count.setObjectName("hint")
        frow.addWidget(self.file_count)
        fl.addLayout(frow)
        self.model = FileStateModel(self)
        self.model.modelReset.connect(self._count)
        self.files = QTableView(fbox)
        self.files.setObjectName("verifyFiles")
        self.files.setModel(self.model)
        self.files.setSortingEnabled(True)
        self.files.setAlternatingRowColors(True)
        self.files.verticalHeader().setVisible(False)
        self.files.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.setItemDelegateForColumn(0, ElideMiddleDelegate(self.files))  # the clip name's end stays
        self.files_fitter = ColumnFitter(self.files, FILE_FIT, hide_order=[1])
        fl.addWidget(self.files)
        self.reason = QLabel("", fbox)  # the full reason of the selected file (the column is often too narrow)
        self.reason.setObjectName("hint")
        self.reason.setWordWrap(True)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        fl.addWidget(self.reason)
        self.files.selectionModel().currentRowChanged.connect(self._file_selected)
        self.model.modelReset.connect(self._select_first_failure)
        self.tabs.addTab(fbox, "Files on each destination")
        self.qc = QcPanel(state, self.tabs)
        self.qc.notice.connect(self.notice)
        self.qc.counted.connect(lambda t: self.tabs.setTabText(1, t))
        self.tabs.addTab(self.qc, "QC")
        rl.addWidget(self.tabs, 1)
        self.cards.setMinimumWidth(240)
        self.cards.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cards.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([280, 1100])
        self.timer = QTimer(self)  # follow running jobs while the page is visible
        self.timer.setInterval(2000)
        self.timer.timeout.connect(self.follow)
        self._update_buttons()

    # -- loading --------------------------------------------------------------------------------------
    def follow(self) -> None:
        """Timer tick while a job runs: counts every tick, the file list at most every ``FILES_EVERY`` s."""
        self._follow = True
        self.refresh()

    def refresh(self) -> None:
        """Reload the card list and the selected card from the catalog, in one background read (one result, one
        repaint: a second read started while the list repaints would compete with the paint for the
        interpreter)."""
        if self._list_task is not None and not self._list_task.done:
            # a follow tick may be dropped; a change (a job ended, a re-verify) must be read after this read
            self._again = self._again or not self._follow
            return
        s = self.state.settings
        item = self.cards.currentItem()
        want = self._pending_select or (item.data(CARD_ROLE) if item else None)
        follow, self._follow = self._follow, False
        same = self.current is not None and self.current.id == want
        stale = time.monotonic() - self._files_loaded >= FILES_EVERY
        self._list_task = self.state.runner.submit(
            _load_page, self.state.catalog, want, s.min_copies, s.distinct_drives, not (follow and same and not stale),
            lane="catalog", name="card list", on_done=lambda r: self._after_list(self._listed, *r),
            on_error=lambda e: self._after_list(self.notice.emit, "Catalog", explain(e).text(), "error",
                                                explain(e).details))

    def _after_list(self, show, *args) -> None:
        show(*args)
        if self._again:
            self._again = False
            self.refresh()

    def show_card(self, card_id: int) -> None:
        """Select ``card_id`` (after the next refresh if the list does not hold it yet)."""
        self._pending_select = card_id
        for i in range(self.cards.count()):
            if self.cards.item(i).data(CARD_ROLE) == card_id:
                self.cards.setCurrentRow(i)
                self._pending_select = None
                self.load_card(card_id)
                return
        self.refresh()

    def _listed(self, cards: list[status_service.CardStatus], loaded: tuple | None) -> None:
        current = self.cards.currentItem().data(CARD_ROLE) if self.cards.currentItem() else None
        want = self._pending_select or current
        shown = [(c.id, c.label, c.camera, c.reel, c.day, c.verdict) for c in cards]
        row = next((i for i, c in enumerate(cards) if c.id == want), -1)
        if row < 0 and cards and want is None:
            row = 0
        if shown != self._cards_shown:  # rebuild the list only when it changed (it is polled while jobs run)
            self._cards_shown = shown
            self.cards.blockSignals(True)
            self.cards.clear()
            for c in cards:
                it = QListWidgetItem(status_icon(verdict_kind(c.verdict)),
                                     f"{c.label}\n{c.camera.upper()} {c.reel} · "
                                     f"{verdict_words(c.verdict, reason=False)}", self.cards)
                it.setData(CARD_ROLE, c.id)
                it.setToolTip(f"{c.project} · {c.day or ''}\n{c.verdict.headline}")
            self.cards.setCurrentRow(row)
            self.cards.blockSignals(False)
        elif self.cards.currentRow() != row:
            self.cards.blockSignals(True)
            self.cards.setCurrentRow(row)
            self.cards.blockSignals(False)
        self._pending_select = None
        if row < 0:
            if not cards:
                self._show(None, None, False)
            return
        if loaded is not None and loaded[0] is not None and loaded[0].id == cards[row].id:
            if self._card_task is not None and not self._card_task.done:
                self._card_task.discard()  # what it would show is older than this
            self._show(*loaded)
        else:  # the selection moved while the list was read
            self.load_card(cards[row].id)

    def _card_selected(self, item, _prev) -> None:
        if item is not None:
            self.load_card(item.data(CARD_ROLE))

    def load_card(self, card_id: int, with_files: bool = True) -> None:
        if self._card_task is not None and not self._card_task.done:
            self._card_task.discard()
        s = self.state.settings
        self._card_task = self.state.runner.submit(
            _load_card, self.state.catalog, card_id, s.min_copies, s.distinct_drives, with_files, lane="catalog",
            name=f"card {card_id}", on_done=lambda r: self._show(*r),
            on_error=lambda e: self.notice.emit("Catalog", explain(e).text(), "error", explain(e).details))

    def _show(self, st: status_service.CardStatus | None, files: status_service.FileStateTable | None,
              mounted: bool):
        if st is None or self.current is None or st.id != self.current.id:
            self.reverify_status.setText("")
            self.reason.setText("")
        self.current, self.source_mounted = st, mounted
        selected_dest = self.selected_destination()
        if st is None:
            self.title.setText("No card yet")
            self.subtitle.setText("Offloaded cards appear here with the state of every file on every destination.")
            self.badge.set_state(None, "no card selected")
            self._badge_verdict = None
            self.dest_table.setRowCount(0)
            self.model.set_rows(None)
            self.qc.load(None)
            self._update_buttons()
            return
        self.title.setText(f"{st.label} — {st.camera.upper()} reel {st.reel}")
        self.subtitle.setText(f"{st.project} · {st.day or ''} · {st.files} files · {fmt_bytes(st.total_bytes)} · "
                              f"source {st.source_path}{' (mounted)' if mounted else ''}")
        if self._badge_verdict != st.verdict:
            self._badge_verdict = st.verdict
            self.badge.set_verdict(st.verdict)
        if self.model.safe != st.verdict.safe:
            self.model.safe = st.verdict.safe
            self.files.viewport().update()
        self._fill_destinations(st.destinations, selected_dest, st.verdict.safe)
        if self.selected_destination() is None and st.destinations:
            failed = next((r for r, d in enumerate(st.destinations) if d.failed), 0)
            self.dest_table.selectRow(failed)
        if files is not None:
            self._fill_files(files)
            self._files_loaded = time.monotonic()
            self.qc.load(st.id)
        self._update_buttons()

    def qc_changed(self, card_id: int) -> None:
        """QC ran or changed for ``card_id``: reread its findings when it is the card shown."""
        if self.current is not None and self.current.id == card_id:
            self.qc.load(card_id)

    def _fill_destinations(self, dests: list[status_service.DestinationStatus], selected: int | None,
                           safe: bool = False) -> None:
        """Update the table in place (new items only when the rows change): it is refreshed every 2 s."""
        t = self.dest_table
        if t.rowCount() != len(dests) or any(t.item(r, 0) is None or t.item(r, 0).data(DEST_ROLE) != d.id
                                             for r, d in enumerate(dests)):
            t.setRowCount(0)
            t.setRowCount(len(dests))
            for r, d in enumerate(dests):
                for c in range(len(DEST_COLUMNS)):
                    it = QTableWidgetItem()
                    it.setData(DEST_ROLE, d.id)
                    if 2 <= c <= 5:
                        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    t.setItem(r, c, it)
        for r, d in enumerate(dests):
            values = (d.brief or d.label, "required" if d.required else "optional", d.pending, d.copied, d.verified, d.failed,
                      d.describe(), d.path)
            for c, v in enumerate(values):
                it = t.item(r, c)
                if it.text() != str(v):
                    it.setText(str(v))
            t.item(r, 0).setToolTip(d.path)
            t.item(r, 7).setToolTip(d.path)
            # a complete folder is a grey check unless the card is safe: green is the card's verdict only
            kind = ("ok" if safe else "done") if d.complete else "fail" if d.failed else "wait"
            it = t.item(r, 6)
            if it.data(KIND_ROLE) != kind:
                it.setData(KIND_ROLE, kind)
                it.setIcon(status_icon(kind))
            if d.id == selected and not t.item(r, 0).isSelected():
                t.selectRow(r)

    def _file_selected(self, current, _previous) -> None:
        if not current.isValid() or current.row() >= len(self.model.rows):
            self.reason.setText("")
            return
        r = self.model.rows[current.row()]
        self.reason.setText(f"{r[0]} on {self.model.drive(r)}: {r[2]}" + (f" — {r[3]}" if r[3] else ""))

    def _select_first_failure(self) -> None:
        if self.model.failures_only and self.model.rows:
            self.files.setCurrentIndex(self.model.index(0, 0))

    def _fill_files(self, files: status_service.FileStateTable) -> None:
        self.model.set_rows(files)
        self._count()

    def _count(self, *_args) -> None:
        self.file_count.setText(f"{self.model.rowCount()} shown of {len(self.model.all_rows)} · "
                                f"{self.model.failed} failed")

    # -- actions --------------------------------------------------------------------------------------
    def selected_destination(self) -> int | None:
        items = self.dest_table.selectedItems()
        return items[0].data(DEST_ROLE) if items else None

    def _update_buttons(self) -> None:
        self.reverify_button.setEnabled(self.selected_destination() is not None and self._reverify is None)
        safe = bool(self.current and self.current.verdict.safe)
        self.eject_button.setEnabled(safe and self.source_mounted)
        if not safe:
            self.eject_button.setToolTip("Eject is available once the card is safe to format")
        elif not self.source_mounted:
            self.eject_button.setToolTip("The card is not mounted any more (or it is a folder, not a card)")
        else:
            self.eject_button.setToolTip("Eject the card (Ctrl+E)")

    def reverify_selected(self) -> None:
        """Re-read the selected destination from the drive (the ``verify`` job kind on the ``io`` lane), with
        a bar, %, ETA (files per second, smoothed) and Cancel."""
        dest_id = self.selected_destination()
        if dest_id is None or self.current is None or self._reverify is not None:
            return
        dest = next((d for d in self.current.destinations if d.id == dest_id), None)
        label = dest.label if dest is not None else str(dest_id)
        card = self.current.label
        run = {"cancel": CancelToken(), "progress": None, "total": dest.total if dest is not None else 0,
               "meter": RateMeter(start=(time.monotonic(), 0)), "label": label, "started": time.monotonic()}
        self._reverify = run
        self.reverify_button.setEnabled(False)
        self.reverify_status.setText(f"re-reading {label} from the drive…")
        self.reverify_bar.setValue(0)
        self.reverify_bar.setFormat("starting…")
        self.reverify_bar.show()
        self.reverify_cancel.show()
        self.reverify_cancel.setEnabled(True)
        self.reverify_timer.start()
        self.state.runner.submit(job_layer.execute, self.state.catalog, JobKind.VERIFY,
                                 VerifyJobOptions(destination_id=dest_id), cancel=run["cancel"],
                                 on_progress=lambda p, r=run: r.__setitem__("progress", p), lane="io",
                                 name=f"re-verify {label}",
                                 on_done=lambda out: self._reverified(card, label, out),
                                 on_error=lambda e: self._reverify_failed(card, label, e))

    def cancel_reverify(self) -> None:
        if self._reverify is not None:
            self._reverify["cancel"].cancel(by_user=True)
            self.reverify_cancel.setEnabled(False)
            self.reverify_status.setText(f"stopping the re-verify of {self._reverify['label']}…")

    def stop(self) -> None:
        """The window closes: stop the follow timer and a running re-verify (nothing recorded)."""
        self.timer.stop()
        if self._reverify is not None:
            self._reverify["cancel"].cancel()
        self.reverify_timer.stop()

    def _reverify_tick(self) -> None:
        run = self._reverify
        if run is None or run["progress"] is None:
            return
        done, total = run["progress"].done, run["total"]
        rate = run["meter"].update(done)
        frac = min(1.0, done / total) if total else 0.0
        eta = (total - done) / rate if rate > 0 and total else None
        self.reverify_bar.setValue(int(frac * 1000))
        self.reverify_bar.setFormat(f"{frac * 100:.0f} %  ·  {fmt_eta(eta)} left" if eta is not None
                                    else f"{frac * 100:.0f} %")
        self.reverify_status.setText(f"{run['label']}: {done} of {total} files re-read")

    def _reverify_ended(self) -> str:
        """Hide the bar; returns how long it took, in words."""
        run, self._reverify = self._reverify, None
        self.reverify_timer.stop()
        self.reverify_bar.hide()
        self.reverify_cancel.hide()
        return f" in {fmt_eta(time.monotonic() - run['started'])}" if run is not None else ""

    def _reverified(self, card: str, label: str, out) -> None:
        took = self._reverify_ended()
        self.reverify_status.setText(f"{label}: {out.summary()}{took}")
        self.reverify_status.setToolTip(self.reverify_status.text())
        if out.ok:
            self.notice.emit(f"{card} re-verified", f"{label}: {out.summary()}", "ok", "")
        else:
            first = out.problems[0]
            lines = "\n".join(f"{f}: {s} {d}" for f, s, d in out.problems[:200])
            self.notice.emit(f"{card}: re-verify found problems",
                             f"{label}: {out.summary()} (first: {first[0]} {first[1]})\nWhat to do: offload the card "
                             "again (Retry) to replace the bad copies, then re-verify", "error", lines)
        self.state.catalog_changed.emit()
        self.refresh()

    def _reverify_failed(self, card: str, label: str, exc: BaseException) -> None:
        self._reverify_ended()
        if isinstance(exc, CancelledError):
            self.reverify_status.setText(f"{label}: re-verify stopped — nothing was recorded")
            self._update_buttons()
            return
        e = explain(exc, card=card)
        self.reverify_status.setText(f"{label}: {e.headline}")
        self.notice.emit(f"{card}: re-verify of {label} did not run", e.text(), "error", e.details)
        self._update_buttons()

    def eject(self) -> None:
        st = self.current
        if st is None or not st.verdict.safe or not self.source_mounted:
            return
        self.eject_button.setEnabled(False)
        self.state.runner.submit(
            eject_service.eject, st.source_path, label=st.label, lane="io", name=f"eject {st.label}",
            on_done=lambda msg: (self.notice.emit("Card ejected", msg, "ok", ""), self.refresh()),
            on_error=lambda e, lbl=st.label: (self.notice.emit(f"{lbl} was not ejected", explain(e, card=lbl).text(),
                                                              "error", explain(e, card=lbl).details),
                                              self._update_buttons()))
