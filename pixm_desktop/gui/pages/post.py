"""The Post page: editorial cuts and their versions, each event with the camera clip it resolved to (or why
not), VFX shots marked on the event list, the lock, and a change list between two versions in colours *and*
words (docs/post.md).

Reading a cut and listing it are quick catalog work (a 2,000-event cut resolves in about a second), so they
run here; pulls and DI deliveries copy media and stay with ``pixm pull`` / ``pixm deliver di``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import PixmError
from pixm_desktop.services import cuts

EVENT_COLUMNS = ("Track", "Event", "Reel", "Source in", "Source out", "Record in", "Camera clip", "Shot", "Why")
DIFF_COLUMNS = ("Change", "Track", "Event", "Source", "Was", "Head", "Tail", "Re-pull")
#: Fill of each change and status; the word is always in the row too (print and colour-blind safe).
COLOURS = {"added": "#d7f0d8", "omitted": "#f6d5d5", "reinstated": "#d5eef0", "trimmed": "#f7ecc8",
           "moved": "#dbe4f7", "source changed": "#eadbf5", "unchanged": None,
           "resolved": None, "ambiguous": "#f7ecc8", "unmatched": "#f6d5d5"}
CUT_ROLE = Qt.ItemDataRole.UserRole
FILTER = "Cuts (*.edl *.EDL *.xml *.fcpxml *.otio *.aaf);;All files (*)"


def _item(text: object, colour: str | None = None) -> QTableWidgetItem:
    it = QTableWidgetItem("" if text is None else str(text))
    it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if colour:
        it.setBackground(QBrush(QColor(colour)))
        it.setForeground(QBrush(QColor("#111111")))
    return it


def _table(columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    t = QTableWidget(0, len(columns), parent)
    t.setHorizontalHeaderLabels(list(columns))
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class PostPage(QWidget):
    """Cuts list (left), the selected version's events and the change list (right)."""

    notice = Signal(str, str, str, str)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        self.view: cuts.CutView | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.import_button = QPushButton("Import cut…", self)
        self.lock_button = QPushButton("Lock version", self)
        self.mark_button = QPushButton("Mark VFX shots", self)
        self.mark_button.setToolTip("Name the selected events as VFX shots (SHOW_SEQ_SHOT); pull them with pixm pull")
        self.refresh_button = QPushButton("Refresh", self)
        for b in (self.import_button, self.lock_button, self.mark_button, self.refresh_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.summary = QLabel("", self)
        bar.addWidget(self.summary)
        lay.addLayout(bar)
        split = QSplitter(self)
        self.cut_list = QListWidget(split)
        self.cut_list.setMinimumWidth(200)
        self.tabs = QTabWidget(split)
        self.events = _table(EVENT_COLUMNS, self.tabs)
        self.tabs.addTab(self.events, "Events")
        diff_box = QWidget(self.tabs)
        dl = QVBoxLayout(diff_box)
        pick = QHBoxLayout()
        self.old_box, self.new_box = QComboBox(diff_box), QComboBox(diff_box)
        self.compare_button = QPushButton("Compare", diff_box)
        for w in (QLabel("From", diff_box), self.old_box, QLabel("to", diff_box), self.new_box, self.compare_button):
            pick.addWidget(w)
        pick.addStretch(1)
        dl.addLayout(pick)
        self.diff_summary = QLabel("", diff_box)
        dl.addWidget(self.diff_summary)
        self.diff = _table(DIFF_COLUMNS, diff_box)
        dl.addWidget(self.diff, 1)
        self.tabs.addTab(diff_box, "Changes")
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)
        self.cut_list.currentItemChanged.connect(lambda *_: self._show_selected())
        self.import_button.clicked.connect(self.choose_import)
        self.lock_button.clicked.connect(self.lock_selected)
        self.mark_button.clicked.connect(self._ask_mark)
        self.refresh_button.clicked.connect(self.refresh)
        self.compare_button.clicked.connect(self.compare)
        self.refresh()

    # ------------------------------------------------------------------------------------------ data

    def refresh(self, select: str | None = None) -> None:
        """Reload the list of cut versions; ``select`` (``R1@3``), else the one selected, else the last, is
        selected."""
        current = select or self.selected_ref()
        rows = cuts.list_cuts(self.state.catalog)
        self.cut_list.clear()
        self.old_box.clear()
        self.new_box.clear()
        for r in rows:
            ref = f"{r['name']}@{r['version']}"
            lock = "  LOCKED" if r["locked_at"] else ""
            problems = r["unmatched"] + r["ambiguous"]
            text = f"{ref}  {r['events']} events" + (f", {problems} unresolved" if problems else "") + lock
            item = QListWidgetItem(text, self.cut_list)
            item.setData(CUT_ROLE, ref)
            self.old_box.addItem(ref)
            self.new_box.addItem(ref)
        if rows:
            refs = [f"{r['name']}@{r['version']}" for r in rows]
            self.cut_list.setCurrentRow(refs.index(current) if current in refs else len(refs) - 1)
            self.old_box.setCurrentIndex(max(0, len(refs) - 2))
            self.new_box.setCurrentIndex(len(refs) - 1)
        else:
            self.summary.setText("No cut yet — Import cut… reads an EDL, FCP XML, FCPXML, OTIO or AAF")
            self.events.setRowCount(0)

    def selected_ref(self) -> str | None:
        item = self.cut_list.currentItem()
        return item.data(CUT_ROLE) if item is not None else None

    def _show_selected(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            return
        try:
            self.view = cuts.show_cut(self.state.catalog, ref)
        except PixmError as exc:
            self.summary.setText(str(exc))
            return
        v = self.view
        counts = ", ".join(f"{n} {k}" for k, n in sorted(v.counts.items()))
        lock = (f" · LOCKED by {v.locked_by} {v.locked_at}" if v.locked_at else
                f" · version {v.locked_version} is locked" if v.locked_version else "")
        self.summary.setText(f"{v.name} v{v.version} of {v.versions} · {v.format} · {counts}{lock}")
        self.events.setRowCount(len(v.events))
        for row, e in enumerate(v.events):
            colour = COLOURS.get(e.status)
            clip = e.clip or e.status.upper()
            why = e.reason + (f" (candidates: {'; '.join(e.candidates[:3])})" if e.candidates else "")
            for col, value in enumerate((f"V{e.track}", e.number, e.reel, e.src_in, e.src_out, e.rec_in, clip,
                                         e.shot or "", why)):
                self.events.setItem(row, col, _item(value, colour))

    # ------------------------------------------------------------------------------------------ actions

    def import_file(self, paths: list[Path], name: str) -> cuts.CutView | None:
        """Import ``paths`` as the next version of ``name``; a malformed file is said, nothing imported."""
        try:
            view = cuts.import_cut(self.state.catalog, paths, name)
        except (PixmError, OSError) as exc:
            self.summary.setText(f"Not imported: {exc}")
            self.notice.emit("Cut not imported", str(exc), "error", "")
            return None
        self.refresh(select=f"{view.name}@{view.version}")
        return view

    def choose_import(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import cut", "", FILTER)
        if not files:
            return
        name, ok = QInputDialog.getText(self, "Cut name", "Name (each import is the next version):",
                                        text=Path(files[0]).stem)
        if ok and name.strip():
            self.import_file([Path(f) for f in files], name.strip())

    def lock_selected(self) -> None:
        ref = self.selected_ref()
        if ref is not None:
            cuts.lock_cut(self.state.catalog, ref)
            self.refresh()

    def mark_selected(self, show: str, seq: str = "010") -> list[dict]:
        """Mark the events selected in the list as VFX shots named ``{show}_{seq}_{shot:04d}``."""
        ref = self.selected_ref()
        rows = sorted({i.row() for i in self.events.selectedIndexes()})
        if ref is None or self.view is None or not rows:
            return []
        numbers = [self.view.events[r].number for r in rows]
        try:
            marked = cuts.mark_vfx(self.state.catalog, ref, events=numbers, show=show, seq=seq)
        except PixmError as exc:
            self.summary.setText(str(exc))
            return []
        self._show_selected()
        return marked

    def _ask_mark(self) -> None:
        show, ok = QInputDialog.getText(self, "VFX shots", "Show code:", text="SHOW")
        if ok and show.strip():
            seq, ok = QInputDialog.getText(self, "VFX shots", "Sequence:", text="010")
            if ok:
                self.mark_selected(show.strip(), seq.strip() or "010")

    def compare(self, old: str | None = None, new: str | None = None) -> cuts.DiffView | None:
        """Fill the change list from ``old`` to ``new`` (default: the two boxes)."""
        old = old or self.old_box.currentText()
        new = new or self.new_box.currentText()
        if not old or not new:
            return None
        try:
            d = cuts.diff_cuts(self.state.catalog, old, new)
        except PixmError as exc:
            self.diff_summary.setText(str(exc))
            return None
        shown = [c for c in d.changes if c.kind != "unchanged" or c.repull]
        self.diff_summary.setText(f"{d.old} → {d.new}: " + ", ".join(f"{n} {k}" for k, n in sorted(d.counts.items())))
        self.diff.setRowCount(len(shown))
        for row, c in enumerate(shown):
            ev = c.new or c.old
            colour = COLOURS.get(c.kind)
            was = c.old.label if c.kind == "source changed" and c.old else ""
            repull = f"RE-PULL NEEDED: {c.repull}" if c.repull else ""
            for col, value in enumerate((c.kind.upper(), f"V{ev.track}", ev.number, ev.label, was,
                                         c.head or "", c.tail or "", repull)):
                self.diff.setItem(row, col, _item(value, "#f6d5d5" if col == 7 and repull else colour))
        self.tabs.setCurrentIndex(1)
        return d
