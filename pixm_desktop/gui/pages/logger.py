"""The Logger page — keyboard-driven logging of scene, take, camera, notes, circle take, rating and flag.

A table of clips (the same lazy model and filters as the browser) in which typing starts an entry: type the
scene, Tab, the take, Enter — the next clip's Scene (its first logging field) is current, so a slate typed
without looking always lands in Scene, Take, Camera. Every edit is one step of the page's undo stack
(Ctrl+Z / Ctrl+Shift+Z, the window's Edit menu); undo writes the catalog back.

Circle, rating and flag are single keys (see
``KEYS``). Scene and take that came from a sound file (iXML of a take whose timecode overlaps the clip) are
italic with a ♪ icon and named in the "Slate from" column; typing a value replaces them for good (the catalog
marks it typed, and the sound pre-fill never overwrites a typed value). The batch box below logs every
selected clip at once, writing only the fields ticked.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.clip_models import COLUMNS, ClipListModel, LogWriter
from pixm_desktop.gui.clip_widgets import BatchEditBox, EmptyState, FilterBar
from pixm_desktop.gui.pages.clip_page import ClipListPage
from pixm_desktop.gui.state import AppState
from pixm_desktop.services import clips as clips_service
from pixm_desktop.services.review import content as review_content

LOG_COLUMNS = ("name", "start", "duration", "reel", "scene", "take", "camera", "notes", "circled", "rating",
               "flagged", "slate")
# (what, keys): shown in tooltips, the help line and the Settings page's shortcut table
KEYS = (
    ("type to log; next / previous field", "Tab / Shift+Tab"),
    ("save, next clip's Scene", "Return"),
    ("undo / redo", "Ctrl+Z / Ctrl+Shift+Z"),
    ("circle take", "Ctrl+Shift+C"),
    ("flag", "Ctrl+Shift+F"),
    ("rating 0–5", "Alt+0 … Alt+5"),
    ("batch edit", "Ctrl+B"),
)


FIRST_FIELD = "scene"  # where Return goes on the next clip
MAX_LENGTH = {"scene": 32, "take": 16, "camera": 8, "notes": 2000}  # the catalog's column sizes


class LogDelegate(QStyledItemDelegate):
    """Line editors that remember their cell (so Enter moves down only from the cell being edited)."""

    def createEditor(self, parent, option, index):  # noqa: N802 (Qt API)
        editor = super().createEditor(parent, option, index)
        field = COLUMNS[index.model().columns[index.column()]].field
        if isinstance(editor, QLineEdit) and field in MAX_LENGTH:
            editor.setMaxLength(MAX_LENGTH[field])
        editor.setProperty("cell", (index.row(), index.column()))
        return editor


class LogTable(QTableView):
    """Entry without the mouse: any key starts editing the current text cell, Enter saves and moves to the
    next clip's first logging field (Scene), Tab moves to the next field; in the Circle and Flag columns Space
    toggles, in the
    Rating column a digit 0–5 sets it."""

    toggle = Signal(str)  # "circled" / "flagged": the current column's toggle key was pressed
    rate = Signal(int)

    def field_at(self, col: int) -> str | None:
        model = self.model()
        return COLUMNS[model.columns[col]].field if 0 <= col < len(model.columns) else None

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        field = self.field_at(self.currentIndex().column())
        text = event.text()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain and field in ("circled", "flagged") and event.key() == Qt.Key.Key_Space:
            self.toggle.emit(field)
            return
        if plain and field == "rating" and text in tuple("012345"):
            self.rate.emit(int(text))
            return
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != self.State.EditingState:
            self.move_down()
            return
        super().keyPressEvent(event)

    def closeEditor(self, editor, hint) -> None:  # noqa: N802 (Qt API)
        cur = self.currentIndex()
        if (hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache  # Enter in the editor …
                and editor.property("cell") == (cur.row(), cur.column())):  # … not a click on another row
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.move_down()
            return
        super().closeEditor(editor, hint)

    def move_down(self) -> None:
        """To the next clip's first logging field: a column kept from the last field typed would shift every
        following value of a slate typed blind (Take into Scene's place, the take into Camera)."""
        cur = self.currentIndex()
        nxt = self.model().index(cur.row() + 1, LOG_COLUMNS.index(FIRST_FIELD))
        if nxt.isValid():
            self.selectionModel().setCurrentIndex(
                nxt, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)


class LoggerPage(ClipListPage):
    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__(state, "Logger", parent)
        self._started = False
        self.only_ids: list[int] | None = None  # clips sent from the browser
        self.model = ClipListModel(state.catalog, state.runner, None, LOG_COLUMNS, self, editable=True)
        self.writer = LogWriter(state.catalog, state.runner, self.model, self._announce, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        top = QHBoxLayout()
        self.filters = FilterBar(self)
        top.addWidget(self.filters, 1)
        self.count = QLabel("", self)
        self.count.setObjectName("hint")
        top.addWidget(self.count)
        lay.addLayout(top)
        only = QHBoxLayout()
        self.only_label = QLabel("", self)
        self.show_all = QPushButton("Show all clips", self)
        self.show_all.clicked.connect(lambda: self.show_clips(None))
        only.addWidget(self.only_label)
        only.addWidget(self.show_all)
        only.addStretch(1)
        lay.addLayout(only)
        self.table = self._make_table()
        lay.addWidget(self.table, 1)
        self.empty = EmptyState(self)  # in the table's place while no clip is listed
        self.empty.action.clicked.connect(self.filters.clear)
        self.empty.hide()
        lay.addWidget(self.empty, 1)
        self.batch = BatchEditBox(self, wide=True)
        # the table gets the rest of the height
        self.batch.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        lay.addWidget(self.batch)
        self.help = QLabel(self._help_text(), self)
        self.help.setObjectName("hint")
        self.help.setWordWrap(True)
        self.help.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.help)
        self.review = QLabel("", self)  # the review portal's calls and comments on the current clip, with who
        self.review.setObjectName("reviewNotes")
        self.review.setWordWrap(True)
        lay.addWidget(self.review)
        self._set_only_label()
        self._wire()
        self._make_shortcuts()

    def _make_table(self) -> LogTable:
        t = LogTable(self)
        t.setObjectName("logTable")
        t.setModel(self.model)
        t.setItemDelegate(LogDelegate(t))
        t.setAlternatingRowColors(True)
        t.verticalHeader().setVisible(False)
        t.verticalHeader().setDefaultSectionSize(26)
        t.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        t.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed | QAbstractItemView.EditTrigger.EditKeyPressed
                          | QAbstractItemView.EditTrigger.DoubleClicked)
        t.setTabKeyNavigation(True)
        t.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        t.setSortingEnabled(True)
        t.horizontalHeader().setStretchLastSection(True)
        for c, w in enumerate((210, 90, 135, 50, 65, 50, 42, 150, 80, 75, 75)):
            t.setColumnWidth(c, w)
        t.setToolTip("Type to log · Tab next field · Enter saves and goes to the next clip · Space toggles "
                     "Circle/Flag · 0–5 in Rating · ♪ italic: from sound")
        return t

    def _help_text(self) -> str:
        keys = " · ".join(f"<b>{k}</b> {w}" for w, k in KEYS)
        return (keys + "<br>♪ <i>italic</i> scene/take: from the sound take whose timecode overlaps the clip "
                "(iXML) — typing a value replaces it. Every shortcut: Help (F1).")

    def _wire(self) -> None:
        self.filters.changed.connect(self.apply_filter)
        self.model.loaded.connect(self._loaded)
        self.model.reloaded.connect(self._counted)
        self.model.reloaded.connect(self._show_empty)
        self.model.failed.connect(lambda text, details: self.notice.emit("Logger", text, "error", details))
        self.model.edit_requested.connect(self.writer.write)
        self.writer.failed.connect(lambda text, details: self.notice.emit("Log not saved", text, "error", details))
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self.load_review_notes)
        self.model.reloaded.connect(self.load_review_notes)
        self.table.toggle.connect(self.toggle)
        self.table.rate.connect(self.rate)
        self.batch.apply_requested.connect(self.apply_batch)

    def _make_shortcuts(self) -> None:
        self.shortcut_rows: list[tuple[str, str]] = []

        def add(text: str, keys: list[str], slot) -> None:
            a = QAction(text, self)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            self.shortcut_rows.append((f"Logger: {text}", ", ".join(
                QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)))

        add("Circle take on / off", ["Ctrl+Shift+C"], lambda: self.toggle("circled"))
        add("Flag on / off", ["Ctrl+Shift+F"], lambda: self.toggle("flagged"))
        for n in range(6):
            a = QAction(f"Rating {n}", self)
            a.setShortcut(QKeySequence(f"Alt+{n}"))
            a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.triggered.connect(lambda _c=False, n=n: self.rate(n))
            self.addAction(a)
        self.shortcut_rows.append(("Logger: Rating 0–5", "Alt+0 … Alt+5"))
        add("Batch edit", ["Ctrl+B"], self.focus_batch)

    # -- loading ---------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._dirty = False
        self.state.runner.submit(clips_service.clip_facets, self.state.catalog, lane="catalog", name="clip facets",
                                 on_done=self.filters.set_facets, on_error=self._catalog_error)
        if self._started:
            self.model.reload()
        else:
            self.apply_filter()

    def apply_filter(self) -> None:
        self._started = True
        f = self.filters.filter(self.model.filter)
        f.ids = self.only_ids
        self.model.set_filter(f)

    def show_clips(self, ids: list[int] | None) -> None:
        """Log only these clips (from the browser); ``None`` shows every clip matching the filters again."""
        self.only_ids = list(ids) if ids else None
        self._set_only_label()
        self.apply_filter()
        self._dirty = False
        self.table.setFocus()

    def _set_only_label(self) -> None:
        n = len(self.only_ids or [])
        self.only_label.setText(f"Logging {n} clip{'s' if n != 1 else ''} sent from the browser" if n else "")
        self.only_label.setVisible(bool(n))
        self.show_all.setVisible(bool(n))

    def _show_empty(self) -> None:
        empty = not self.model.total
        if empty:
            self.empty.show_state(filtered=self.filters.active() or bool(self.only_ids))
        self.empty.setVisible(empty)
        self.table.setVisible(not empty)

    def _loaded(self) -> None:
        self._counted()
        self._show_empty()
        if self.model.total:
            col = LOG_COLUMNS.index(FIRST_FIELD)
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, col),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    # -- logging ---------------------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedIndexes()})
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        return rows

    def _selection_changed(self, *_a) -> None:
        self.batch.set_selected(len(self.selected_rows()))

    def load_review_notes(self, *_a) -> None:
        clip = self.model.row(self.table.currentIndex().row()) if self.table.currentIndex().isValid() else None
        if clip is not None:
            self.state.runner.submit(review_content.comments, self.state.catalog, [clip.id], lane="catalog",
                                     name="review notes", on_done=lambda notes, i=clip.id: self._review_notes(notes, i),
                                     on_error=self._catalog_error)

    def _review_notes(self, notes: dict, clip_id: int) -> None:
        """Show the portal's decisions and comments on ``clip_id``: who, when (UTC), at which timecode."""
        lines = [f"{n.created_at:%Y-%m-%d %H:%M} {n.author} ({n.role}): "
                 + (f"{n.tc_in} " if n.tc_in else "") + (n.text if n.kind == "comment" else n.kind + (
                     f" {n.text}" if n.text else "")) for n in notes.get(clip_id, [])]
        self.review.setText("Review: " + " · ".join(lines) if lines else "")

    def _with_selected(self, then) -> None:
        rows = self.selected_rows()
        if rows:
            self.model.resolve_ids(rows, then)

    def toggle(self, field: str) -> None:
        """Circle (or flag) every selected clip, or clear it when all of them already have it."""
        rows = [c for r in self.selected_rows() if (c := self.model.row(r)) is not None]
        if rows:
            on = not all(getattr(c, field) for c in rows)
            self.writer.write([c.id for c in rows], {field: on})

    def rate(self, n: int) -> None:
        self._with_selected(lambda ids: self.writer.write(ids, {"rating": n}))

    def apply_batch(self, values: dict) -> None:
        self._with_selected(lambda ids: self.writer.write(ids, values))

    def focus_batch(self) -> None:
        self.batch.edits["scene"].setFocus()

