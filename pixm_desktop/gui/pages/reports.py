"""The Reports page: pick a shoot day (daily report) or one card's offload job (offload report), see the PDF in
the window, save it, or export the clips as ALE / CSV.

Every catalog read (days, jobs) runs on the ``catalog`` lane and every report build (the preview and each saved
file) on the ``io`` lane: a report with thumbnails takes seconds. The preview is a real PDF written into a
temporary folder and shown with QtPdf, so what the DIT sees is what gets saved.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QHideEvent, QKeySequence, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import PixmError
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import job_status_kind, job_status_words
from pixm_desktop.services import reports
from pixm_desktop.services import status as status_service
from pixm_desktop.services.reports import JobInfo, ReportResult, ShootDayInfo
from pixm_desktop.services.settings import Production, production_defaults

FOLDER_KEY = "reports/folder"  # QSettings: the folder the last report was saved in
PAPER_KEY = "reports/paper"
DATA_ROLE = Qt.ItemDataRole.UserRole
# (title of the file dialog, its filter, the suffix every file gets, shortcut)
FORMATS = {
    "pdf": ("Save the report as PDF", "PDF (*.pdf)", ".pdf", "Ctrl+S"),
    "ale": ("Export an Avid ALE", "Avid Log Exchange (*.ale)", ".ale", "Ctrl+Shift+A"),
    "csv": ("Export the clips as CSV", "CSV (*.csv)", ".csv", "Ctrl+Shift+E"),
}
OPEN_FOLDER_KEYS = "Ctrl+Shift+O"
PREVIEW_DELAY_MS = 200  # arrow keys through the lists build one preview, not one per row

_BUILD = threading.Lock()  # reportlab registers fonts in module globals: build one report at a time


@dataclass(frozen=True, slots=True)
class Selection:
    """What the page reports on: ``kind`` ``"daily"`` (the shoot day) or ``"offload"`` (job ``job_id`` of card
    ``card_label``); exports cover the day, or only that card for an offload selection."""

    kind: str
    day: dt.date
    project: str
    job_id: int | None = None
    card_label: str | None = None
    paper: str = "a4"
    rule: SafeRule = SafeRule()  # the safe-to-format rule the report judges cards by (the window's setting)
    production: Production = Production()  # production, company, DIT and unit (Settings → Production)

    @property
    def title(self) -> str:
        if self.kind == "daily":
            return f"Daily report · {self.day.isoformat()} · {self.project}"
        return f"Offload report · {self.card_label} · job #{self.job_id}"

    def file_name(self, fmt: str) -> str:
        """The suggested file name for ``fmt`` (pdf | ale | csv), e.g. ``A001R1AB_offload.pdf``."""
        name = self.card_label if self.kind == "offload" and self.card_label else self.day.isoformat()
        return reports.suggested_filename(self.kind if fmt == "pdf" else fmt, name)


# --- work done on worker threads ----------------------------------------------------------------------------


def write_pdf(catalog, sel: Selection, path: Path) -> ReportResult:
    """Worker thread: write the PDF of ``sel`` to ``path``. Raises ``UsageError`` (unknown day or job, unwritable
    file) like the service functions."""
    p = sel.production
    options = reports.ReportOptions(paper=sel.paper, rule=sel.rule, dit=p.dit or None, production=p.production,
                                    company=p.company, unit=p.unit)
    with _BUILD:
        if sel.kind == "daily":
            return reports.write_daily_report(catalog, sel.day, path, project=sel.project, options=options)
        return reports.write_offload_report(catalog, path, job_id=sel.job_id, options=options)


def write_export(catalog, sel: Selection, fmt: str, path: Path) -> ReportResult:
    """Worker thread: the clips of the day (of the card, for an offload selection) as ``fmt`` ale | csv."""
    card = sel.card_label if sel.kind == "offload" else None
    export = reports.export_ale if fmt == "ale" else reports.export_csv
    return export(catalog, path, day=sel.day, project=sel.project, card_label=card)


def _advice(exc: BaseException) -> str:
    """What to do, in the window's words (``explain`` turns the error's remedy into them)."""
    hint = explain(exc).advice
    if isinstance(exc, PixmError):
        return hint
    return "choose another folder, or check that the drive is connected, writable and has free space"


def problem_text(exc: BaseException, folder: Path | None = None) -> str:
    """Headline (with the folder when it is not named yet) and what to do, for a notice."""
    text = explain(exc).headline
    if folder is not None and str(folder) not in text:
        text += f" [folder {folder}]"
    advice = _advice(exc)
    return f"{text}\nWhat to do: {advice}" if advice else text


class ReportsPage(QWidget):
    """Shoot days (newest first) → daily report, or a card's offload job → offload report; preview and export."""

    notice = Signal(str, str, str, str)  # title, text, kind, details
    preview_ready = Signal(object)  # the Selection now shown in the preview
    saved = Signal(object)  # ReportResult of a saved PDF, ALE or CSV

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.preview_selection: Selection | None = None  # what the preview shows
        self.preview_path: Path | None = None
        self.last_saved: Path | None = None
        self._pending: Selection | None = None  # the preview being built
        self._days_task = self._jobs_task = self._preview_task = None
        self._again = False  # the catalog changed while the days were being read
        self._stale = True  # the lists need reading (first show, or the catalog changed while hidden)
        self._force = False  # rebuild the preview even when the selection is unchanged
        self._saving = 0
        self._seq = 0
        self._tmp = tempfile.TemporaryDirectory(prefix="pixm-preview-", ignore_cleanup_errors=True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self._build_choices())
        self.splitter.addWidget(self._build_preview())
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 1000])
        lay.addWidget(self.splitter)
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self._preview_due)
        self._make_actions()
        state.catalog_changed.connect(self._data_changed)
        state.clips_changed.connect(self._data_changed)
        self._selection_changed()

    # -- widgets ------------------------------------------------------------------------------------------------
    def _build_choices(self) -> QWidget:
        box = QWidget(self)
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 6, 0)
        v.addWidget(_heading("Shoot day", box))
        self.days = QListWidget(box)
        self.days.setObjectName("reportDays")
        self.days.setIconSize(QSize(16, 16))
        self.days.currentRowChanged.connect(lambda _r: self._load_jobs())
        v.addWidget(self.days, 1)
        v.addWidget(_heading("Report", box))
        self.daily_radio = QRadioButton("Daily report of the day (every card, totals, clips)", box)
        self.offload_radio = QRadioButton("Offload report of one card (copies, checksums)", box)
        self.kind_group = QButtonGroup(box)
        for b in (self.daily_radio, self.offload_radio):
            self.kind_group.addButton(b)
            v.addWidget(b)
        self.daily_radio.setChecked(True)
        self.kind_group.buttonToggled.connect(lambda _b, on: on and self._selection_changed())
        self.jobs = QListWidget(box)
        self.jobs.setObjectName("reportJobs")
        self.jobs.setIconSize(QSize(16, 16))
        self.jobs.setToolTip("Cards offloaded that day, newest first: pick one for its offload report")
        self.jobs.currentRowChanged.connect(self._job_picked)
        self.jobs.itemClicked.connect(lambda _i: self._job_picked(self.jobs.currentRow()))
        v.addWidget(self.jobs, 3)
        v.addLayout(self._build_buttons(box))
        self.save_status = QLabel("", box)
        self.save_status.setObjectName("hint")
        self.save_status.setWordWrap(True)
        self.save_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        v.addWidget(self.save_status)
        return box

    def _build_buttons(self, parent: QWidget) -> QGridLayout:
        g = QGridLayout()
        self.save_button = QPushButton("Save PDF…", parent)
        self.ale_button = QPushButton("Export ALE…", parent)
        self.csv_button = QPushButton("Export CSV…", parent)
        self.open_button = QPushButton("Open folder", parent)
        self.open_button.setEnabled(False)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_pdf)
        self.ale_button.clicked.connect(self.export_ale)
        self.csv_button.clicked.connect(self.export_csv)
        self.open_button.clicked.connect(self.open_folder)
        tips = {self.save_button: "Save the report shown as PDF", self.ale_button:
                "Avid ALE of the picture clips: the whole day, or only the card for an offload report",
                self.csv_button: "CSV of the clips (picture and sound): the whole day, or only the card",
                self.open_button: "Show the folder of the file saved last"}
        keys = {self.save_button: FORMATS["pdf"][3], self.ale_button: FORMATS["ale"][3],
                self.csv_button: FORMATS["csv"][3], self.open_button: OPEN_FOLDER_KEYS}
        for b, tip in tips.items():
            b.setToolTip(f"{tip} ({_native(keys[b])})")
        self.paper = QComboBox(parent)
        self.paper.addItem("A4", "a4")
        self.paper.addItem("US Letter", "letter")
        self.paper.setCurrentIndex(max(0, self.paper.findData(str(self.state.qsettings.value(PAPER_KEY, "a4")))))
        self.paper.currentIndexChanged.connect(self._paper_changed)
        self.refresh_button = QPushButton("Refresh", parent)
        self.refresh_button.setToolTip("Read the days and cards from the catalog again")
        self.refresh_button.clicked.connect(self.refresh)
        g.addWidget(self.save_button, 0, 0)
        g.addWidget(self.paper, 0, 1)
        g.addWidget(self.ale_button, 1, 0)
        g.addWidget(self.csv_button, 1, 1)
        g.addWidget(self.open_button, 2, 0)
        g.addWidget(self.refresh_button, 2, 1)
        keys_hint = QLabel(" · ".join(f"{_native(k)} {what}" for k, what in (
            (FORMATS["pdf"][3], "PDF"), (FORMATS["ale"][3], "ALE"), (FORMATS["csv"][3], "CSV"),
            (OPEN_FOLDER_KEYS, "folder"))), parent)
        keys_hint.setObjectName("hint")
        keys_hint.setWordWrap(True)
        g.addWidget(keys_hint, 3, 0, 1, 2)
        return g

    def _build_preview(self) -> QWidget:
        box = QWidget(self)
        v = QVBoxLayout(box)
        v.setContentsMargins(6, 0, 0, 0)
        self.title = QLabel("Reports", box)
        self.title.setObjectName("pageTitle")
        v.addWidget(self.title)
        row = QHBoxLayout()
        self.status_icon = QLabel(box)
        self.status = QLabel("", box)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.status, 1)
        v.addLayout(row)
        self.doc = QPdfDocument(self)
        self.view = QPdfView(box)
        self.view.setObjectName("reportPreview")
        self.view.setDocument(self.doc)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.placeholder = QLabel("", box)
        self.placeholder.setObjectName("hint")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.preview_stack = QStackedWidget(box)
        self.preview_stack.addWidget(self.placeholder)
        self.preview_stack.addWidget(self.view)
        v.addWidget(self.preview_stack, 1)
        return box

    def _make_actions(self) -> None:
        """Page shortcuts: only live while the page is shown (Qt ignores actions of hidden widgets).
        ``shortcut_rows`` lists them for the Settings page: (action, keys)."""
        self.actions_by_name: dict[str, QAction] = {}
        self.shortcut_rows: list[tuple[str, str]] = []
        for name, text, keys, slot in (
                ("pdf", "Save PDF", FORMATS["pdf"][3], self.save_pdf),
                ("ale", "Export ALE", FORMATS["ale"][3], self.export_ale),
                ("csv", "Export CSV", FORMATS["csv"][3], self.export_csv),
                ("folder", "Open folder of the saved file", OPEN_FOLDER_KEYS, self.open_folder)):
            self.shortcut_rows.append((f"Reports: {text}", _native(keys)))
            a = QAction(text, self)
            a.setShortcut(QKeySequence(keys))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slot)
            self.addAction(a)
            self.actions_by_name[name] = a

    def stop(self) -> None:
        """The window is closing: no preview is built any more."""
        self.preview_timer.stop()

    # -- reading the catalog ------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._stale:
            self.refresh()
        else:
            self.preview_timer.start()  # a preview put off while the page was hidden

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        self.preview_timer.stop()  # no report builds for a page nobody looks at (or a window shutting down)

    def _data_changed(self) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Read the shoot days again (then the day's jobs, then rebuild the preview)."""
        if self._days_task is not None and not self._days_task.done:
            self._again = True
            return
        self._stale = False
        self._force = True
        self._days_task = self.state.runner.submit(
            reports.shoot_days, self.state.catalog, lane="catalog", name="report days", on_done=self._days_loaded,
            on_error=self._catalog_failed)

    def _days_loaded(self, days: list[ShootDayInfo]) -> None:
        keep = self.current_day()
        self.days.blockSignals(True)
        self.days.clear()
        for d in days:
            item = QListWidgetItem(f"{d.day.isoformat()}   {d.project}   ({d.cards} card{'s' if d.cards != 1 else ''})",
                                   self.days)
            item.setData(DATA_ROLE, d)
        rows = [i for i, d in enumerate(days) if keep and (d.day, d.project) == (keep.day, keep.project)]
        self.days.setCurrentRow(rows[0] if rows else (0 if days else -1))
        self.days.blockSignals(False)
        if self._again:
            self._again = False
            self.refresh()
            return
        self._load_jobs()

    def _load_jobs(self) -> None:
        day = self.current_day()
        if self._jobs_task is not None:
            self._jobs_task.discard()
        if day is None:
            self._jobs_loaded(None, [])
            return
        self._jobs_task = self.state.runner.submit(
            reports.offload_jobs, self.state.catalog, day.day, day.project,
            rule=status_service.safe_rule(self.state.settings), lane="catalog", name="report jobs",
            on_done=lambda jobs, day=day: self._jobs_loaded(day, jobs), on_error=self._catalog_failed)

    def _jobs_loaded(self, day: ShootDayInfo | None, jobs: list[JobInfo]) -> None:
        if day != self.current_day():
            return  # the DIT picked another day meanwhile
        keep = self.current_job()
        self.jobs.blockSignals(True)
        self.jobs.clear()
        for j in jobs:
            item = QListWidgetItem(status_icon(job_status_kind(j.status, j.verdict)), _job_text(j), self.jobs)
            item.setData(DATA_ROLE, j)
            if j.verdict is not None:
                item.setToolTip(f"job: {j.status}\ncard now: {j.verdict.headline}")
        rows = [i for i, j in enumerate(jobs) if keep and j.job_id == keep.job_id]
        self.jobs.setCurrentRow(rows[0] if rows else (0 if jobs else -1))
        self.jobs.blockSignals(False)
        self._selection_changed()

    def _catalog_failed(self, exc: BaseException) -> None:
        e = explain(exc)
        self._set_status("fail", f"Could not read the catalog: {e.headline}")
        self.notice.emit("Reports: catalog", e.text(), "error", e.details)

    # -- what is selected ---------------------------------------------------------------------------------------
    def current_day(self) -> ShootDayInfo | None:
        item = self.days.currentItem()
        return item.data(DATA_ROLE) if item is not None else None

    def current_job(self) -> JobInfo | None:
        item = self.jobs.currentItem()
        return item.data(DATA_ROLE) if item is not None else None

    def selection(self) -> Selection | None:
        """The report the page shows and saves, or None (no day, or an offload report without a card)."""
        day = self.current_day()
        if day is None:
            return None
        paper = self.paper.currentData()
        rule = status_service.safe_rule(self.state.settings)
        production = production_defaults(self.state.settings, self.state.catalog.path)
        if self.daily_radio.isChecked():
            return Selection("daily", day.day, day.project, paper=paper, rule=rule, production=production)
        job = self.current_job()
        if job is None:
            return None
        return Selection("offload", day.day, day.project, job.job_id, job.card_label, paper, rule, production)

    def select_day(self, day: dt.date, project: str | None = None) -> bool:
        """Pick a shoot day as the DIT would (its cards load in the background); False when it is not listed."""
        for r in range(self.days.count()):
            d = self.days.item(r).data(DATA_ROLE)
            if d.day == day and project in (None, d.project):
                self.days.setCurrentRow(r)
                return True
        return False

    def select_card(self, card_label: str) -> bool:
        """Pick the newest listed job of a card of the current day (offload report); False when not listed."""
        for r in range(self.jobs.count()):
            if self.jobs.item(r).data(DATA_ROLE).card_label == card_label:
                self.jobs.setCurrentRow(r)
                self._job_picked(r)
                return True
        return False

    def _job_picked(self, row: int) -> None:
        if row >= 0 and not self.offload_radio.isChecked():
            self.offload_radio.setChecked(True)  # toggling calls _selection_changed
        else:
            self._selection_changed()

    def _paper_changed(self, _index: int) -> None:
        self.state.qsettings.setValue(PAPER_KEY, self.paper.currentData())
        self._selection_changed()

    def _selection_changed(self) -> None:
        sel = self.selection()
        for b in (self.save_button, self.ale_button, self.csv_button):
            b.setEnabled(sel is not None and not self._saving)
        for name in ("pdf", "ale", "csv"):
            self.actions_by_name[name].setEnabled(sel is not None)
        self.preview_timer.start()

    # -- preview ------------------------------------------------------------------------------------------------
    def preview_is_current(self) -> bool:
        """True when the preview shows the report picked in the lists and no newer one is on its way."""
        building = self.preview_timer.isActive() or (self._preview_task is not None and not self._preview_task.done)
        return not building and self.preview_selection is not None and self.preview_selection == self.selection()

    def _preview_due(self) -> None:
        sel = self.selection()
        if sel is None:
            self._show_placeholder(self._empty_text())
            return
        busy = self._preview_task is not None and not self._preview_task.done
        same = sel == (self._pending if busy else self.preview_selection)
        if same and not self._force:
            return
        self._force = False
        self._build_preview_of(sel)

    def _empty_text(self) -> str:
        if self.days.count() == 0:
            return "No shoot day in the catalog yet.\nOffload a card: its day appears here."
        return "Pick a card in the list for its offload report."

    def _build_preview_of(self, sel: Selection) -> None:
        if self._preview_task is not None and not self._preview_task.done:
            self._preview_task.discard()  # its file is left in the temporary folder
        self._seq += 1
        path = Path(self._tmp.name) / f"preview-{self._seq}.pdf"
        self._pending = sel
        self._set_status("wait", f"Building the preview of the {sel.title}…")
        if self.preview_selection is None:
            self._show_placeholder("Building the preview…")
        self._preview_task = self.state.runner.submit(
            self.state.services.call, write_pdf, sel, path, lane="io", name="report preview",
            on_done=lambda r, sel=sel: self._preview_built(sel, r),
            on_error=lambda e, sel=sel: self._preview_failed(sel, e))

    def _preview_built(self, sel: Selection, result: ReportResult) -> None:
        old = self.preview_path
        self.doc.close()
        err = self.doc.load(str(result.path))
        if err != QPdfDocument.Error.None_ or self.doc.status() != QPdfDocument.Status.Ready:
            self._preview_failed(sel, RuntimeError(f"the preview PDF could not be opened ({err.name})"))
            return
        self.preview_selection, self.preview_path = sel, Path(result.path)
        if old is not None and old != self.preview_path:
            old.unlink(missing_ok=True)
        self.title.setText(sel.title)
        self.preview_stack.setCurrentWidget(self.view)
        pages = self.doc.pageCount()
        text = f"Preview ready: {pages} page{'s' if pages != 1 else ''}, {sel.paper.upper()}"
        if result.warnings:
            self._set_status("warn", f"{text}. Note: " + "; ".join(result.warnings))
        else:
            self._set_status("ok", f"{text}. Save it with Save PDF ({_native(FORMATS['pdf'][3])}).")
        self.preview_ready.emit(sel)

    def _preview_failed(self, sel: Selection, exc: BaseException) -> None:
        self.doc.close()
        self.preview_selection = None
        self.title.setText(sel.title)
        headline = explain(exc).headline
        self._set_status("fail", f"No preview: {headline}")
        self._show_placeholder(f"The {sel.title} could not be made.\n{headline}")
        self.notice.emit("Report preview failed", problem_text(exc), "error", explain(exc).details)

    def _show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.preview_stack.setCurrentWidget(self.placeholder)
        if self.selection() is None:
            self.title.setText("Reports")
            self._set_status("wait", text.splitlines()[0])

    def _set_status(self, kind: str, text: str) -> None:
        self.status_icon.setPixmap(status_icon(kind).pixmap(18, 18))
        self.status.setText(text)

    # -- saving -------------------------------------------------------------------------------------------------
    def save_pdf(self) -> None:
        """Ask where, then write the PDF of the selection (a daily or an offload report)."""
        self._save("pdf")

    def export_ale(self) -> None:
        self._save("ale")

    def export_csv(self) -> None:
        self._save("csv")

    def folder(self) -> Path:
        """Where the file dialog opens: the folder used last, else the settings' report folder, else
        ``reports`` beside the catalog."""
        last = str(self.state.qsettings.value(FOLDER_KEY, "") or "")
        if last:
            return Path(last)
        if self.state.settings.report_folder:
            return Path(self.state.settings.report_folder)
        return reports.default_report_folder(self.state.catalog)

    def _save(self, fmt: str) -> None:
        sel = self.selection()
        if sel is None or self._saving:
            return
        path = self._ask_path(sel, fmt)
        if path is None:
            return
        if fmt == "pdf":
            work = (self.state.services.call, write_pdf, sel, path)
        else:
            work = (self.state.services.call, write_export, sel, fmt, path)
        task = self.state.runner.submit(*work, lane="io", name=f"save {fmt}", on_done=self._saved,
                            on_error=lambda e, path=path: self._save_failed(path, e))
        if not task.discarded:  # discarded: the window is closing
            self._saving += 1
            self._selection_changed()
            self.save_status.setText(f"Saving {path.name}…")

    def _ask_path(self, sel: Selection, fmt: str) -> Path | None:
        caption, filters, suffix, _keys = FORMATS[fmt]
        start = self.folder() / sel.file_name(fmt)
        name, _filter = QFileDialog.getSaveFileName(self, caption, str(start), filters)
        if not name:
            return None
        path = Path(name)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self.state.qsettings.setValue(FOLDER_KEY, str(path.parent))
        return path

    def _saved(self, result: ReportResult) -> None:
        self._saving -= 1
        self._selection_changed()
        path = Path(result.path)
        self.last_saved = path
        self.open_button.setEnabled(True)
        size = f"{result.pages} page{'s' if result.pages != 1 else ''}" if result.pages else \
            f"{result.rows} clip{'s' if result.rows != 1 else ''}"
        self.save_status.setText(f"Saved {path.name} ({size}) in {path.parent}")
        title = {"offload": "Offload report saved", "daily": "Daily report saved", "ale": "ALE exported",
                 "csv": "CSV exported"}.get(result.kind, "Saved")
        kind = "warn" if result.warnings else "ok"
        self.notice.emit(title, f"{path.name} ({size}) in {path.parent}", kind, "\n".join(result.warnings))
        self.saved.emit(result)

    def _save_failed(self, path: Path, exc: BaseException) -> None:
        self._saving -= 1
        self._selection_changed()
        self.save_status.setText(f"Not saved: {path.name}")
        self.notice.emit(f"{path.name} was not saved", problem_text(exc, path.parent), "error",
                         explain(exc).details)

    def open_folder(self) -> None:
        """Show the folder of the last saved file in the file manager."""
        if self.last_saved is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_saved.parent)))


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(f"<b>{text}</b>", parent)
    return label


def _native(keys: str) -> str:
    return QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)


def _job_text(j: JobInfo) -> str:
    when = j.finished_at.astimezone().strftime("%H:%M") if j.finished_at else ""
    # two short lines: the card (the name a loader knows) and what became of it, never cut at a narrow width
    return f"{j.card_label}   job #{j.job_id}" + (f" · {when}" if when else "") + \
        f"\n{job_status_words(j.status, j.verdict)}"
