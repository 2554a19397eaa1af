"""The Clips page — the DOP's browser: a thumbnail grid or a table of every clip, filtered by day, camera,
reel, scene, take, circle take, rating and free text; the selected clip's metadata with its thumbnails to
scrub through; batch logging of a selection.

Grid and table share one :class:`ClipListModel` and one selection: switching views keeps the selection. Rows
and thumbnails load lazily (see ``clip_models``); the page reloads when clips change (an ingest, the Logger)
and, when it is hidden, the next time it is shown.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.clip_models import ClipListModel, LogWriter, ThumbnailCache
from pixm_desktop.gui.clip_widgets import BatchEditBox, ClipGrid, DetailPanel, EmptyState, FilterBar
from pixm_desktop.gui.pages.clip_page import ClipListPage
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import page_icon
from pixm_desktop.services import clips as clips_service

TABLE_COLUMNS = ("name", "card", "day", "reel", "tape", "start", "duration", "fps", "codec", "resolution",
                 "scene", "take", "camera", "circled", "rating", "flagged", "slate", "status", "notes")
DETAIL_DELAY_MS = 60  # wait for the arrow keys to rest before reading a clip's detail


class ClipsPage(ClipListPage):
    """The browser. ``open_in_logger(list of clip ids)`` asks the window to show them in the Logger."""

    open_in_logger = Signal(list)

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(state, "Clips", parent)
        self._detail_task = None
        self.filter_started: float | None = None
        self.last_filter_ms: float | None = None  # time from a filter change to its first page on screen
        self.thumbs = ThumbnailCache(state.runner, self)
        self.model = ClipListModel(state.catalog, state.runner, self.thumbs, TABLE_COLUMNS, self)
        self.writer = LogWriter(state.catalog, state.runner, self.model, self._announce, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(self._top_row())
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        lay.addWidget(self.splitter, 1)
        self.views = QStackedWidget(self.splitter)
        self.grid = self._make_grid()
        self.table = self._make_table()
        self.views.addWidget(self.grid)
        self.views.addWidget(self.table)
        self.empty = EmptyState(self.views)
        self.empty.action.clicked.connect(self.filters.clear)
        self.views.addWidget(self.empty)
        self.table.setSelectionModel(self.grid.selectionModel())  # one selection for both views
        self.selection = self.grid.selectionModel()
        scroll = QScrollArea(self.splitter)  # the one scroll of the panel: picture, every field, batch edit
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # the width stays as rows come
        right = QWidget(scroll)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 0, 6, 0)
        self.detail = DetailPanel(self.thumbs, right)
        rl.addWidget(self.detail)
        self.batch = BatchEditBox(right)
        rl.addWidget(self.batch)
        rl.addStretch(1)
        scroll.setWidget(right)
        self.detail_scroll = scroll
        scroll.setMinimumWidth(300)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 430])
        self._wire()
        self._make_shortcuts()

    # -- building -----------------------------------------------------------------------------------------
    def _top_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.filters = FilterBar(self)
        row.addWidget(self.filters, 1)
        self.view_buttons = QButtonGroup(self)  # exclusive: the pressed one is the view shown
        self.view_buttons.setExclusive(True)
        for i, (text, icon, tip) in enumerate((("Grid", "grid", "Thumbnail grid (Ctrl+G switches)"),
                                               ("Table", "table", "Table with every field (Ctrl+G switches)"))):
            b = QToolButton(self)
            b.setObjectName("viewToggle")
            b.setText(text)
            b.setIcon(page_icon(icon))
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.setChecked(i == 0)
            b.setAccessibleName(f"{text} view")
            self.view_buttons.addButton(b, i)
            row.addWidget(b)
        self.count = QLabel("", self)
        self.count.setObjectName("hint")
        self.count.setMinimumWidth(150)
        row.addWidget(self.count)
        return row

    def _make_grid(self) -> ClipGrid:
        g = ClipGrid(self.views)
        g.setObjectName("clipGrid")
        g.setUniformItemSizes(True)  # 10,000 items lay out without asking each one its size
        g.setLayoutMode(QListView.LayoutMode.Batched)
        g.setBatchSize(500)
        g.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        g.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        g.verticalScrollBar().setSingleStep(40)
        g.setModel(self.model)
        g.setMouseTracking(True)
        g.viewport().installEventFilter(self)
        g.setToolTip("Move the mouse across a picture to scrub first / middle / last frame; double-click to "
                     "log the clip")
        return g

    def _make_table(self) -> QTableView:
        t = QTableView(self.views)
        t.setObjectName("clipTable")
        t.setModel(self.model)
        t.setAlternatingRowColors(True)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(24)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        t.setSortingEnabled(True)
        t.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate((230, 110, 90, 60, 110, 100, 140, 130, 70, 90, 60, 50, 45, 80, 80, 80, 140, 100)):
            t.setColumnWidth(c, w)
        return t

    def _wire(self) -> None:
        self.filters.changed.connect(self.apply_filter)
        self.view_buttons.idToggled.connect(lambda i, on: on and self.set_view("grid" if i == 0 else "table"))
        self.model.loaded.connect(self._loaded)
        self.model.reloaded.connect(self._counted)
        self.model.reloaded.connect(self._show_empty)
        self.model.failed.connect(lambda text, details: self.notice.emit("Clips", text, "error", details))
        self.selection.selectionChanged.connect(self._selection_changed)
        self.selection.currentChanged.connect(lambda *_a: self._detail_timer.start())
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(DETAIL_DELAY_MS)
        self._detail_timer.timeout.connect(self.load_detail)
        self.batch.apply_requested.connect(self.apply_log)
        self.writer.written.connect(self._written)
        self.writer.failed.connect(lambda text, details: self.notice.emit("Log not saved", text, "error", details))
        self.detail.open_in_logger.connect(self.log_selected)
        self.grid.doubleClicked.connect(lambda _i: self.log_selected())
        self.table.doubleClicked.connect(lambda _i: self.log_selected())

    def _make_shortcuts(self) -> None:
        self.shortcut_rows: list[tuple[str, str]] = []
        for text, key, slot in (("Open selected clips in Logger", "Ctrl+Shift+L", self.log_selected),
                                ("Switch clip grid / table", "Ctrl+G", self.toggle_view),
                                ("Next thumbnail of the clip", "Alt+Right", lambda: self._step_thumb(1)),
                                ("Previous thumbnail of the clip", "Alt+Left", lambda: self._step_thumb(-1))):
            a = QAction(text, self)
            a.setShortcut(QKeySequence(key))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            self.shortcut_rows.append((f"Clips: {text}", QKeySequence(key).toString(
                QKeySequence.SequenceFormat.NativeText)))

    # -- loading -------------------------------------------------------------------------------------------
    def stop(self) -> None:
        super().stop()
        self._detail_timer.stop()

    def refresh(self) -> None:
        """Reload the filter choices and the clips (keeping scroll and selection when the count is the same)."""
        self._dirty = False
        self._submit(clips_service.clip_facets, self.state.catalog, name="clip facets",
                     on_done=self.filters.set_facets)
        if self.model.total or self.filter_started is not None:
            self.model.reload()
        else:
            self.apply_filter()

    def apply_filter(self) -> None:
        """Query the catalog with the filter bar's conditions (the model keeps its sort order)."""
        self.filter_started = time.perf_counter()
        self.model.set_filter(self.filters.filter(self.model.filter))

    def _loaded(self) -> None:
        if self.filter_started is not None:
            self.last_filter_ms = (time.perf_counter() - self.filter_started) * 1000
        self._counted()
        self._show_empty()
        if self.model.total and not self.selection.currentIndex().isValid():
            self.selection.setCurrentIndex(self.model.index(0, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self._selection_changed()
        self._detail_timer.start()

    def _submit(self, fn, *args, name: str, on_done) -> None:
        self.state.runner.submit(fn, *args, lane="catalog", name=name, on_done=on_done, on_error=self._catalog_error)

    # -- selection and detail ---------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selection.selectedIndexes()})

    def selected_ids(self) -> list[int]:
        """Clip ids of the selected rows whose pages are held (what the user sees selected)."""
        return [c.id for r in self.selected_rows() if (c := self.model.row(r)) is not None]

    def _selection_changed(self, *_a) -> None:
        self.batch.set_selected(len(self.selected_rows()))

    def load_detail(self) -> None:
        idx = self.selection.currentIndex()
        clip = self.model.row(idx.row()) if idx.isValid() else None
        if clip is None:
            if not idx.isValid():
                self.detail.clear()
            return
        if self._detail_task is not None and not self._detail_task.done:
            self._detail_task.discard()
        self._detail_task = self.state.runner.submit(
            clips_service.clip_detail, self.state.catalog, clip.id, lane="catalog", name=f"clip {clip.id}",
            on_done=self.detail.show_detail, on_error=self._catalog_error)

    def _step_thumb(self, step: int) -> None:
        self.detail.show_thumbnail(self.detail.current_index() + step)

    # -- actions ----------------------------------------------------------------------------------------------
    def _show_empty(self) -> None:
        """No clip: say what to do (offload a card; or clear the filters) in the view's place."""
        if self.model.total:
            if self.views.currentWidget() is self.empty:
                self.views.setCurrentIndex(self.view_buttons.checkedId())
            return
        self.empty.show_state(filtered=self.filters.active())
        self.views.setCurrentWidget(self.empty)

    def set_view(self, view: str) -> None:
        """``grid`` or ``table``; the selection and the current clip stay."""
        i = 0 if view == "grid" else 1
        self.view_buttons.button(i).setChecked(True)
        if not self.model.total and self.views.currentWidget() is self.empty:
            return
        self.views.setCurrentIndex(i)
        current = self.selection.currentIndex()
        v = self.views.currentWidget()
        if current.isValid():
            v.scrollTo(current)
        v.setFocus()

    def toggle_view(self) -> None:
        self.set_view("table" if self.view_buttons.checkedId() == 0 else "grid")

    def log_selected(self) -> None:
        rows = self.selected_rows()
        if not rows and self.selection.currentIndex().isValid():
            rows = [self.selection.currentIndex().row()]
        if rows:
            self.model.resolve_ids(rows, lambda ids: ids and self.open_in_logger.emit(ids))

    def apply_log(self, values: dict) -> None:
        """Batch edit: write ``values`` (only the fields the user set) to every selected clip."""
        rows = self.selected_rows()
        if rows:
            self.model.resolve_ids(rows, lambda ids: self._write(ids, values))

    def _write(self, ids: list[int], values: dict) -> None:
        self.writer.write(ids, values)

    def _written(self, n: int) -> None:
        self.count.setText(f"{self.model.total:,} clips · logged {n}")
        self._detail_timer.start()

    # -- grid scrubbing -------------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.grid.viewport():
            if event.type() == QEvent.Type.MouseMove:
                self._scrub_at(event.position().toPoint())
            elif event.type() == QEvent.Type.Leave:
                self.model.set_scrub(None)
        return super().eventFilter(obj, event)

    def _scrub_at(self, pos) -> None:
        idx = self.grid.indexAt(pos)
        if not idx.isValid():
            self.model.set_scrub(None)
            return
        rect = self.grid.visualRect(idx)
        clip = self.model.row(idx.row())
        n = len(clip.thumbnails) if clip is not None else 0
        if n < 2 or rect.width() <= 0:
            self.model.set_scrub(None)
            return
        self.model.set_scrub(idx.row(), min(n - 1, max(0, (pos.x() - rect.x()) * n // rect.width())))

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(1200, 800)

