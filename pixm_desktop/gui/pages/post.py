"""The Post page: editorial cuts and their versions, each event with the camera clip it resolved to (or why
not), VFX shots marked on the event list, the lock, and a change list between two versions in colours *and*
words (docs/post.md).

Reading a cut and listing it are quick catalog work (a 2,000-event cut resolves in about a second), so they
run here. A VFX pull of the marked shots and a DI delivery copy media: they run as ``pull`` / ``delivery``
jobs in a child process (as ``pixm pull`` / ``pixm deliver di`` do), their current step shown, cancellable
(a cancelled one leaves no package folder).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
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

from pixm_desktop.core.errors import CancelledError, PixmError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import JobKind, PostJobOptions
from pixm_desktop.gui.errors import explain
from pixm_desktop.services import cuts
from pixm_desktop.services import jobs as job_layer
from pixm_desktop.services.jobs.supervisor import run_job_in_child

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
        self.pull_button = QPushButton("Pull VFX shots…", self)
        self.pull_button.setToolTip("The marked shots with 8 handles: pull list, camera files, a fresh ASC MHL")
        self.deliver_button = QPushButton("Deliver to DI…", self)
        self.deliver_button.setToolTip("The camera files the cut uses, by reel, with EDLs and a fresh ASC MHL")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        for b in (self.import_button, self.lock_button, self.mark_button, self.refresh_button, self.pull_button,
                  self.deliver_button, self.cancel_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.summary = QLabel("", self)
        bar.addWidget(self.summary)
        lay.addLayout(bar)
        self.job_label = QLabel("", self)  # the pull or delivery under way, its step; then what it made
        self.job_label.setWordWrap(True)
        lay.addWidget(self.job_label)
        self.package_cancel: CancelToken | None = None
        self.package_progress = None
        self.package_result = None
        self.poll = QTimer(self)
        self.poll.setInterval(250)
        self.poll.timeout.connect(self._show_step)
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
        self.pull_button.clicked.connect(lambda: self._choose_package(JobKind.PULL))
        self.deliver_button.clicked.connect(lambda: self._choose_package(JobKind.DELIVERY))
        self.cancel_button.clicked.connect(self.cancel_package)
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


    # ------------------------------------------------------------------------------- pulls and deliveries

    def _choose_package(self, kind: JobKind) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the package")
        if folder:
            self.start_package(kind, Path(folder))

    def start_package(self, kind: JobKind, folder: Path, *, trim: bool = False) -> bool:
        """Start a ``pull`` or ``delivery`` job of the selected cut version into ``folder`` (one at a time);
        ``False`` when nothing was started (no cut selected, one running)."""
        ref = self.selected_ref()
        if ref is None or self.package_cancel is not None:
            return False
        options = PostJobOptions(cut=ref, folder=str(folder), handles=8 if kind == JobKind.PULL else 10,
                                 trim=trim)
        self.package_cancel, self.package_progress, self.package_result = CancelToken(), None, None
        for b in (self.pull_button, self.deliver_button):
            b.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.job_label.setText(f"{kind.value} of {ref}: starting…")
        self.poll.start()
        self.state.runner.submit(self._run_package, kind, options, self.package_cancel, lane="post",
                                 name=kind.value, on_done=self._package_done, on_error=self._package_failed)
        return True

    def _run_package(self, kind: JobKind, options: PostJobOptions, cancel: CancelToken):
        """Worker thread: the job in a child process (a catalog without a file: on this thread)."""
        def keep(p) -> None:
            self.package_progress = p

        catalog = self.state.catalog
        if catalog.path is not None:
            return run_job_in_child(catalog.path, kind, options, cancel, keep, name=f"pixm-{kind.value}")
        return job_layer.execute(catalog, kind, options, cancel=cancel, on_progress=keep)

    def cancel_package(self) -> None:
        if self.package_cancel is not None:
            self.package_cancel.cancel()
            self.cancel_button.setEnabled(False)

    def _show_step(self) -> None:
        p = self.package_progress
        if p is not None and getattr(p, "current", ""):
            self.job_label.setText(f"step {p.steps}: {p.current}")

    def _package_done(self, result) -> None:
        self.package_result = result
        self._package_ended()
        left = f"; left out: {'; '.join(result.problems)}" if result.problems else ""
        text = f"{len(result.rows)} row(s), {len(result.files)} files, ASC MHL {Path(result.mhl).name} → {result.root}"
        self.job_label.setText(text + left)
        self.notice.emit("Package written", text, "warn" if result.problems else "ok", "\n".join(result.problems))
        self.refresh()

    def _package_failed(self, exc: BaseException) -> None:
        self.package_result = exc
        self._package_ended()
        if isinstance(exc, CancelledError):
            self.job_label.setText("cancelled: no package folder was left and nothing recorded")
            return
        e = explain(exc)
        self.job_label.setText(e.text())
        self.notice.emit("Package not written", e.text(), "warn", e.details)

    def _package_ended(self) -> None:
        self.package_cancel = None
        self.poll.stop()
        for b in (self.pull_button, self.deliver_button):
            b.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def stop(self) -> None:
        """The window closes: a running pull or delivery is cancelled (its folder removed), the poll stops."""
        self.cancel_package()
        self.poll.stop()
