"""The Archive page (issue 16): the LTO tapes (copy set, capacity, use, state, mounted now), what the selected
tape holds in tape order, what is not yet on tape per shoot day and copy set A/B, and archive and restore jobs
run through the job layer in a child process (as ``pixm archive`` / ``pixm restore``), their phase and files
shown, cancellable (docs/archive.md)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import CancelledError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import ArchiveJobOptions, JobKind, RestoreJobOptions
from pixm_desktop.gui.errors import explain
from pixm_desktop.services import jobs as job_layer
from pixm_desktop.services import risk
from pixm_desktop.services.archive import status
from pixm_desktop.services.jobs.supervisor import run_job_in_child

TAPE_COLUMNS = ("Tape", "Copy", "State", "Files", "Used", "Capacity", "Mounted")
CONTENT_COLUMNS = ("#", "Path on tape", "Card", "Size", "xxh64", "State", "Verified (UTC)")
GAP_COLUMNS = ("Shoot day", "Files", "Not on A", "Not on B")


def _item(text: object, right: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem("" if text is None else str(text))
    it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return it


def _table(columns: tuple[str, ...], parent: QWidget) -> QTableWidget:
    t = QTableWidget(0, len(columns), parent)
    t.setHorizontalHeaderLabels(list(columns))
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _gb(n: int) -> str:
    return f"{n / 1e9:,.2f} GB"


class ArchivePage(QWidget):
    """Tapes (top left), the selected tape's contents (right), not yet on tape (bottom left), the job bar."""

    notice = Signal(str, str, str, str)

    def __init__(self, state, parent=None):
        super().__init__(parent)
        self.state = state
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        self.archive_button = QPushButton("Archive day to tape…", self)
        self.archive_button.setToolTip("Every card of a shoot day onto a mounted LTFS tape: read back after a "
                                       "remount, ASC MHL carried, index and tape report on the tape")
        self.restore_button = QPushButton("Restore cut…", self)
        self.restore_button.setToolTip("The camera files a cut uses, back from tape in tape order, checked")
        self.next_tape_button = QPushButton("Continue on next tape…", self)
        self.next_tape_button.setToolTip("The tape filled: load the next one and archive the cards left onto it")
        self.next_tape_button.setVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        self.refresh_button = QPushButton("Refresh", self)
        for b in (self.archive_button, self.restore_button, self.next_tape_button, self.cancel_button,
                  self.refresh_button):
            bar.addWidget(b)
        bar.addStretch(1)
        self.summary = QLabel("", self)
        bar.addWidget(self.summary)
        lay.addLayout(bar)
        self.risk_label = QLabel("", self)  # the risk ledger in one line (pixm risk for the files)
        self.risk_label.setWordWrap(True)
        lay.addWidget(self.risk_label)
        self.job_label = QLabel("", self)
        self.job_label.setWordWrap(True)
        lay.addWidget(self.job_label)
        split = QSplitter(self)
        left = QSplitter(Qt.Orientation.Vertical, split)
        self.tapes = _table(TAPE_COLUMNS, left)
        gaps_box = QWidget(left)
        gl = QVBoxLayout(gaps_box)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(QLabel("Not yet on tape, per shoot day and copy set", gaps_box))
        self.gaps = _table(GAP_COLUMNS, gaps_box)
        gl.addWidget(self.gaps, 1)
        self.contents = _table(CONTENT_COLUMNS, split)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 700])  # the tapes' columns whole; the contents take the rest
        lay.addWidget(split, 1)
        self.job_cancel: CancelToken | None = None
        self.left: ArchiveJobOptions | None = None  # the cards a full tape left, waiting for the next tape
        self.job_progress = None
        self.job_result = None
        self.poll = QTimer(self)
        self.poll.setInterval(250)
        self.poll.timeout.connect(self._show_progress)
        self.tapes.itemSelectionChanged.connect(self._show_contents)
        self.refresh_button.clicked.connect(self.refresh)
        self.archive_button.clicked.connect(self._ask_archive)
        self.restore_button.clicked.connect(self._ask_restore)
        self.cancel_button.clicked.connect(self.cancel_job)
        self.next_tape_button.clicked.connect(self._ask_next_tape)
        self.refresh()

    # ------------------------------------------------------------------------------------------ data

    def refresh(self) -> None:
        """Reload tapes and the not-on-tape table; the selected tape stays selected."""
        current = self.selected_tape()
        rows = status.tape_rows(self.state.catalog)
        self.tapes.setRowCount(len(rows))
        for r, t in enumerate(rows):
            for c, (value, right) in enumerate(((t.label, False), (t.copy, False), (t.state.upper(), False),
                                                (t.files, True), (_gb(t.used), True), (_gb(t.capacity), True),
                                                ("yes" if t.mounted else "no", False))):
                self.tapes.setItem(r, c, _item(value, right))
        gaps = status.not_on_tape(self.state.catalog)
        self.gaps.setRowCount(len(gaps))
        for r, g in enumerate(gaps):
            cells = (g.day.isoformat() if g.day else "no day", f"{g.files} ({_gb(g.bytes)})",
                     f"{g.missing_a} ({_gb(g.missing_a_bytes)})" if g.missing_a else "all on A",
                     f"{g.missing_b} ({_gb(g.missing_b_bytes)})" if g.missing_b else "all on B")
            for c, value in enumerate(cells):
                self.gaps.setItem(r, c, _item(value, c == 1))
        self.summary.setText(f"{len(rows)} tape(s); {sum(g.missing_a for g in gaps)} file(s) not on copy A, "
                             f"{sum(g.missing_b for g in gaps)} not on copy B")
        self._show_risk()
        labels = [t.label for t in rows]
        if labels:
            self.tapes.selectRow(labels.index(current) if current in labels else 0)
        self._show_contents()

    def _show_risk(self) -> None:
        """The risk ledger's counts: files below the copy rule now (drives and tapes counted), card folders not
        re-verified for 30 days."""
        ledger = risk.ledger(self.state.catalog)
        below = (f"{ledger.below_count} of {ledger.files} file(s) below the copy rule now"
                 if ledger.below_count else f"all {ledger.files} file(s) meet the copy rule")
        stale = f"; {len(ledger.stale)} card folder(s) not re-verified for 30 days" if ledger.stale else ""
        self.risk_label.setText(f"Risk: {below}{stale} (pixm risk lists them)")
        self.risk_label.setStyleSheet("color: #b00000;" if ledger.below_count else "")

    def selected_tape(self) -> str | None:
        rows = self.tapes.selectionModel().selectedRows() if self.tapes.selectionModel() else []
        return self.tapes.item(rows[0].row(), 0).text() if rows else None

    def _show_contents(self) -> None:
        label = self.selected_tape()
        lines = status.tape_contents(self.state.catalog, label) if label else []
        self.contents.setRowCount(len(lines))
        for r, x in enumerate(lines):
            cells = (x.position, x.path, x.card, f"{x.size:,}", x.xxh64 or "", x.state.upper(),
                     x.verified_at.strftime("%Y-%m-%d %H:%M") if x.verified_at else "")
            for c, value in enumerate(cells):
                self.contents.setItem(r, c, _item(value, c in (0, 3)))

    # ------------------------------------------------------------------------------------------ jobs

    def _ask_archive(self) -> None:
        day, ok = QInputDialog.getText(self, "Archive to tape", "Shoot day (YYYY-MM-DD):")
        if not ok or not day:
            return
        tape, ok = QInputDialog.getText(self, "Archive to tape", "Tape label and mount point (LABEL=/mnt/ltfs):")
        if ok and tape:
            copy, ok = QInputDialog.getItem(self, "Archive to tape", "Copy set:", ["A", "B"], 0, False)
            if ok:
                self.start_job(JobKind.ARCHIVE, ArchiveJobOptions(day=day.strip(), tapes=tape.strip(), copy=copy))

    def _ask_restore(self) -> None:
        cut, ok = QInputDialog.getText(self, "Restore from tape", "Cut (NAME or NAME@N):")
        if not ok or not cut:
            return
        folder, ok = QInputDialog.getText(self, "Restore from tape", "Into folder:")
        if ok and folder:
            self.start_job(JobKind.RESTORE, RestoreJobOptions(cut=cut.strip(), folder=folder.strip()))

    def _ask_next_tape(self) -> None:
        tape, ok = QInputDialog.getText(self, "Next tape", "Load the next tape, then its label and mount point "
                                        "(LABEL=/mnt/ltfs):")
        if ok and tape:
            self.continue_on(tape.strip())

    def continue_on(self, tape: str) -> bool:
        """Archive the cards the last run left onto the tape ``LABEL=MOUNTPOINT`` (same copy set)."""
        if self.left is None:
            return False
        options = ArchiveJobOptions(**{**self.left.to_dict(), "tapes": tape})
        return self.start_job(JobKind.ARCHIVE, options)

    def start_job(self, kind: JobKind, options) -> bool:
        """Start an ``archive`` or ``restore`` job (one at a time); ``False`` when one is running."""
        if self.job_cancel is not None:
            return False
        self.job_cancel, self.job_progress, self.job_result = CancelToken(), None, None
        self.job_options = options
        for b in (self.archive_button, self.restore_button):
            b.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.job_label.setText(f"{kind.value}: starting… (a new LTO-9 tape may calibrate for up to 2 hours)")
        self.poll.start()
        self.state.runner.submit(self._run_job, kind, options, self.job_cancel, lane="io", name=kind.value,
                                 on_done=self._job_done, on_error=self._job_failed)
        return True

    def _run_job(self, kind: JobKind, options, cancel: CancelToken):
        def keep(p) -> None:
            self.job_progress = p

        catalog = self.state.catalog
        if catalog.path is not None:
            return run_job_in_child(catalog.path, kind, options, cancel, keep, name=f"pixm-{kind.value}")
        return job_layer.execute(catalog, kind, options, cancel=cancel, on_progress=keep)

    def cancel_job(self) -> None:
        if self.job_cancel is not None:
            self.job_cancel.cancel()
            self.cancel_button.setEnabled(False)

    def _show_progress(self) -> None:
        p = self.job_progress
        if p is None:
            return
        tape = f"tape {p.tape}: " if getattr(p, "tape", "") else ""
        phase = getattr(p, "phase", "restoring")
        self.job_label.setText(f"{tape}{phase} — {p.files_done}/{p.files_total} files · {p.current}")

    def _job_done(self, result) -> None:
        self.job_result = result
        self._ended()
        if hasattr(result, "tapes"):
            text = "; ".join(f"tape {t.label}: {t.verified}/{t.files} files verified" for t in result.tapes)
            if result.left:
                text += f"; tape full, cards left: {', '.join(result.left)} — load the next tape and continue"
                self.left = ArchiveJobOptions(**{**self.job_options.to_dict(), "day": "",
                                                 "cards": ",".join(result.left)})  # a cut keeps its cut
            else:
                self.left = None
            self.next_tape_button.setVisible(self.left is not None)
        else:
            text = f"restored {len(result.read)} file(s) into {result.folder}"
            if result.to_load:
                text += f"; load tape(s) {', '.join(sorted(result.to_load))}"
        self.job_label.setText(text)
        self.notice.emit("Archive" if hasattr(result, "tapes") else "Restore", text,
                         "ok" if result.ok else "warn", "")
        self.refresh()

    def _job_failed(self, exc: BaseException) -> None:
        self.job_result = exc
        self._ended()
        if isinstance(exc, CancelledError):
            self.job_label.setText("cancelled: files already on a tape stay there and do not count as copies")
            return
        e = explain(exc)
        self.job_label.setText(e.text())
        self.notice.emit("Archive job failed", e.text(), "warn", e.details)

    def _ended(self) -> None:
        self.job_cancel = None
        self.poll.stop()
        for b in (self.archive_button, self.restore_button):
            b.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def stop(self) -> None:
        """The window closes: a running job is cancelled, the poll stops."""
        self.cancel_job()
        self.poll.stop()
