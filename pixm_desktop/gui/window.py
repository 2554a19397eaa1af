"""The cart window: pages on the left (Offload, Verification, Clips, Logger, Reports, History, Drives, Dailies,
Turnovers, Post, Settings), notices in a strip under the pages (``gui.notices``).

The window owns one :class:`JobRunner` (the only way background work runs), one :class:`QueueController`
(offload jobs and the 100 ms progress poll) and the shared :class:`AppState` (catalog + settings). It never
touches the catalog or the engine on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop import APP_NAME, __version__
from pixm_desktop.gui.aftercare import AftercareController
from pixm_desktop.gui.jobs import HOLDS_VOLUMES, JobState
from pixm_desktop.gui.notices import NoticeStrip
from pixm_desktop.gui.pages.archive import ArchivePage
from pixm_desktop.gui.pages.clips import ClipsPage
from pixm_desktop.gui.pages.dailies import DailiesPage
from pixm_desktop.gui.pages.drives import DrivesPage
from pixm_desktop.gui.pages.history import HistoryPage
from pixm_desktop.gui.pages.logger import LoggerPage
from pixm_desktop.gui.pages.offload import OffloadPage
from pixm_desktop.gui.pages.portal import PortalPage
from pixm_desktop.gui.pages.post import PostPage
from pixm_desktop.gui.pages.reports import ReportsPage
from pixm_desktop.gui.pages.settings import SettingsPage
from pixm_desktop.gui.pages.turnovers import TurnoversPage
from pixm_desktop.gui.pages.verification import VerificationPage
from pixm_desktop.gui.queue import QueueController
from pixm_desktop.gui.runner import JobRunner
from pixm_desktop.gui.settings_store import default_qsettings, load_bytes
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.sync_indicator import SyncIndicator
from pixm_desktop.gui.theme import page_icon, status_icon
from pixm_desktop.gui.widgets import Shortcut, ShortcutsDialog, apply_shortcuts, keys_text
from pixm_desktop.services import qc as qc_service
from pixm_desktop.services import status as status_service
from pixm_desktop.services.settings import Catalog

# (key, title in the page list, icon — see theme.PAGE_ICONS): the order of the list and of the Ctrl+1…9, Ctrl+0
# shortcuts of the first ten; the later pages have keys of their own (PAGE_EXTRA_KEYS)
PAGES = (
    ("offload", "Offload", "offload"),
    ("verification", "Verification", "verification"),
    ("clips", "Clips", "clips"),
    ("log", "Logger", "log"),
    ("reports", "Reports", "reports"),
    ("history", "History", "history"),
    ("drives", "Drives", "drives"),
    ("dailies", "Dailies", "dailies"),
    ("turnovers", "Turnovers", "turnovers"),
    ("post", "Post", "table"),
    ("portal", "Portal", "portal"),
    ("archive", "Archive", "archive"),
    ("settings", "Settings", "settings"),
)
# Settings is also Ctrl+, (the platforms' Preferences key)
PAGE_EXTRA_KEYS = {"portal": ["Ctrl+Shift+V"], "archive": ["Ctrl+Shift+T"], "settings": ["Ctrl+,"]}
PAGE_KEYS = tuple(k for k, _t, _i in PAGES)
REFRESH_AFTER_SWITCH_MS = 40


class CartWindow(QMainWindow):
    """The main window a DIT works in all day."""

    def __init__(self, catalog: Catalog, qsettings: QSettings | None = None, *, start: bool = True,
                 use_tray: bool = True):
        super().__init__()
        self.setWindowTitle(f"{APP_NAME} {__version__}")
        self.setObjectName("cartWindow")
        self.runner = JobRunner(self)
        self.state = AppState(catalog, self.runner, qsettings or default_qsettings(), self)
        self.queue = QueueController(catalog, self.runner, self)
        self.aftercare = AftercareController(self.state, self)
        self.notifications: list[tuple[str, str, str]] = []  # (title, text, kind): every notice shown
        self._shut_down = False

        central = QWidget(self)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QHBoxLayout()
        body.setSpacing(0)
        outer.addLayout(body, 1)
        self.nav = QListWidget(central)
        self.nav.setObjectName("pages")
        self.nav.setFixedWidth(170)
        self.nav.setIconSize(QSize(20, 20))
        self.stack = QStackedWidget(central)
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        self.offload_page = OffloadPage(self.state, self.queue, self.stack)
        self.verification_page = VerificationPage(self.state, self.stack)
        self.reports_page = ReportsPage(self.state, self.stack)
        self.history_page = HistoryPage(self.state, self.stack)
        self.clips_page = ClipsPage(self.state, self.stack)
        self.logger_page = LoggerPage(self.state, self.stack)
        self.drives_page = DrivesPage(self.state, self.stack)
        self.settings_page = SettingsPage(self.state, self.stack)
        self.turnovers_page = TurnoversPage(self.state, self.stack)
        self.dailies_page = DailiesPage(self.state, self.stack, selected_clips=self._selected_clip_names)
        self.post_page = PostPage(self.state, self.stack)
        self.archive_page = ArchivePage(self.state, self.stack)
        self.portal_page = PortalPage(self.state, self.stack)
        self.pages: dict[str, QWidget] = {
            "offload": self.offload_page,
            "verification": self.verification_page,
            "clips": self.clips_page,
            "log": self.logger_page,
            "reports": self.reports_page,
            "history": self.history_page,
            "drives": self.drives_page,
            "turnovers": self.turnovers_page,
            "settings": self.settings_page,
            "dailies": self.dailies_page,
            "post": self.post_page,
            "archive": self.archive_page,
            "portal": self.portal_page,
        }
        for key, title, icon in PAGES:
            QListWidgetItem(page_icon(icon), title, self.nav)
            self.stack.addWidget(self.pages[key])
        self.nav.currentRowChanged.connect(self._page_changed)
        self.setCentralWidget(central)
        self.notices = NoticeStrip(central)  # a fixed line under the pages: never over them
        outer.addWidget(self.notices)
        self.aftercare_status = QLabel("", self)  # clips and thumbnails of verified cards, in the background
        self.aftercare_bar = QProgressBar(self)
        self.aftercare_bar.setMaximumWidth(160)
        self.aftercare_bar.setTextVisible(False)
        self.aftercare_bar.hide()
        self.statusBar().addPermanentWidget(self.aftercare_status)
        self.statusBar().addPermanentWidget(self.aftercare_bar)
        self.queue_status = QLabel("", self)
        self.statusBar().addPermanentWidget(self.queue_status)
        self.sync_indicator = SyncIndicator(catalog, self.runner, self.state.qsettings, self)
        self.statusBar().addPermanentWidget(self.sync_indicator)

        self.tray: QSystemTrayIcon | None = None
        if use_tray and QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(status_icon("run", 64), self)
            self.tray.setToolTip(APP_NAME)
            self.tray.show()

        self.queue.notify.connect(self.notify)
        self.queue.job_notice.connect(self._job_notice)
        self.queue.changed.connect(self._queue_changed)
        self.queue.finished.connect(self._job_finished)
        self.aftercare.changed.connect(self._aftercare_changed)
        self.aftercare.notify.connect(self.notify)
        self.aftercare.finished.connect(self._aftercare_finished)
        self.drives_page.notice.connect(self.notify)
        self.dailies_page.notice.connect(self.notify)
        self.verification_page.notice.connect(self.notify)
        self.reports_page.notice.connect(self.notify)
        self.history_page.notice.connect(self.notify)
        self.turnovers_page.notice.connect(self.notify)
        self.history_page.open_card.connect(self.open_card)
        self.clips_page.notice.connect(self.notify)
        self.logger_page.notice.connect(self.notify)
        self.post_page.notice.connect(self.notify)
        self.archive_page.notice.connect(self.notify)
        self.portal_page.notice.connect(self.notify)
        self.clips_page.open_in_logger.connect(lambda ids: (self.show_page("log"), self.logger_page.show_clips(ids)))
        self.offload_page.sources.ejected.connect(self.notify)
        self.state.catalog_changed.connect(self._catalog_changed)
        self._make_actions()
        self.shortcut_rows += (self.clips_page.shortcut_rows + self.logger_page.shortcut_rows
                               + self.reports_page.shortcut_rows)
        self._collect_page_shortcuts()
        apply_shortcuts(self.shortcuts, self.state.settings.shortcuts)
        self.settings_page.key_editor.set_editable(self.shortcuts)
        self.settings_page.key_editor.changed.connect(self._shortcuts_changed)
        self._shortcuts_changed()
        self._restore()
        self._queue_changed(None)
        if start:
            self.start()

    # -- start-up ---------------------------------------------------------------------------------------
    def start(self) -> None:
        """Begin polling mounts and free space, recover interrupted jobs, load the catalog views."""
        self.offload_page.sources.start()
        self.offload_page.destinations.start()
        self.runner.submit(status_service.recover_and_list_interrupted, self.state.catalog, lane="catalog",
                           name="recover interrupted jobs", on_done=self._recovered,
                           on_error=lambda e: self.notify("Catalog", str(e), "error", ""))
        self.verification_page.refresh()
        self.history_page.refresh()
        self.sync_indicator.start()

    def _recovered(self, jobs: list[status_service.ResumableJob]) -> None:
        for r in jobs:
            self.queue.add_interrupted(r)
        if jobs:
            names = ", ".join(r.card for r in jobs)
            self.notify(f"{len(jobs)} interrupted offload{'s' if len(jobs) != 1 else ''}",
                        f"{names} did not finish last time. Select the job in the queue and press Resume: files "
                        "already verified are not copied again.", "warn", "\n".join(r.reason for r in jobs))

    # -- actions and shortcuts ----------------------------------------------------------------------------
    def _make_actions(self) -> None:
        op, qp = self.offload_page, self.offload_page.queue_panel
        self.shortcut_rows: list[tuple[str, str]] = []
        self.shortcuts: list[Shortcut] = []  # the actions whose keys Settings can change

        def act(menu, text, keys, slot, context=Qt.ShortcutContext.WindowShortcut):
            a = QAction(text, self)
            if keys:
                a.setShortcuts([QKeySequence(k) for k in keys])
                name = text.replace("&", "").rstrip("…")
                self.shortcut_rows.append((name, keys_text(a.shortcuts())))
                self.shortcuts.append(Shortcut(name, a, "window", list(a.shortcuts())))
            a.setShortcutContext(context)
            a.triggered.connect(slot)
            menu.addAction(a)
            return a

        mb = self.menuBar()
        m = mb.addMenu("&File")
        act(m, "Add &source folder…", ["Ctrl+O"], op.sources.choose_folder)
        act(m, "Add &destination…", ["Ctrl+D"], op.destinations.choose_destination)
        m.addSeparator()
        act(m, "&Quit", ["Ctrl+Q"], self.close)
        self._make_edit_menu(mb.addMenu("&Edit"))
        m = mb.addMenu("&Job")
        self.action_offload = act(m, "&Offload selected card", ["Ctrl+Return"], op.sources.offload_selected)
        self.action_pause = act(m, "&Pause / resume job", ["Ctrl+P"], qp.toggle_pause)
        act(m, "&Cancel job", ["Ctrl+."], qp.cancel_selected)
        act(m, "&Retry job", ["Ctrl+R"], qp.retry_selected)
        act(m, "Move job &up", ["Ctrl+Up"], lambda: qp.move_selected(-1))
        act(m, "Move job &down", ["Ctrl+Down"], lambda: qp.move_selected(1))
        act(m, "Clear &finished jobs", [], self.queue.clear_finished)
        m = mb.addMenu("&Card")
        act(m, "&Re-verify destination", ["Ctrl+Shift+R"], self._reverify)
        act(m, "&Eject card", ["Ctrl+E"], self._eject)
        m = mb.addMenu("&View")
        for i, (key, title, _icon) in enumerate(PAGES):
            keys = [f"Ctrl+{(i + 1) % 10}"] if i < 10 else []
            keys += PAGE_EXTRA_KEYS.get(key, [])
            act(m, f"&{title}", keys, lambda _c=False, key=key: self.show_page(key))
        act(m, "&Find in history", ["Ctrl+F"], self._find)
        act(m, "Re&fresh", ["F5"], self.refresh_views)
        m = mb.addMenu("&Help")
        act(m, "&Keyboard shortcuts", ["F1"], self.show_shortcuts)

    def _make_edit_menu(self, m) -> None:
        """Undo / Redo of log edits: the Clips and Logger pages each keep an undo stack; the one of the page
        shown is active (a line editor with the focus keeps Ctrl+Z for its own text)."""
        self.undo_group = QUndoGroup(self)
        for page in (self.clips_page, self.logger_page):
            self.undo_group.addStack(page.writer.undo_stack)
        self.undo_group.setActiveStack(self.logger_page.writer.undo_stack)
        self.action_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.action_redo = self.undo_group.createRedoAction(self, "&Redo")
        for a, keys in ((self.action_undo, ["Ctrl+Z"]), (self.action_redo, ["Ctrl+Shift+Z", "Ctrl+Y"])):
            a.setShortcuts([QKeySequence(k) for k in keys])
            m.addAction(a)
        for name, a in (("Undo the last log edit", self.action_undo),
                        ("Redo the last log edit", self.action_redo)):
            self.shortcut_rows.append((name, keys_text(a.shortcuts())))
            self.shortcuts.append(Shortcut(name, a, "window", list(a.shortcuts())))

    def _collect_page_shortcuts(self) -> None:
        """The pages' own actions (live only while their page is shown), named as their rows are."""
        titles = {k: t for k, t, _i in PAGES}
        for key, page in (("clips", self.clips_page), ("log", self.logger_page), ("reports", self.reports_page)):
            for a in page.actions():
                if a.shortcuts():
                    self.shortcuts.append(Shortcut(f"{titles[key]}: {a.text()}", a, key, list(a.shortcuts())))

    def _shortcuts_changed(self) -> None:
        by_name = {s.name: s for s in self.shortcuts}
        self.shortcut_rows = [(name, by_name[name].keys_text() if name in by_name else keys)
                              for name, keys in self.shortcut_rows]
        self.settings_page.set_shortcuts(self.shortcut_rows)

    def show_shortcuts(self) -> None:
        """Help → Keyboard shortcuts: every shortcut in a list (changed under Settings)."""
        self.shortcuts_dialog = ShortcutsDialog(self.shortcut_rows, self)
        self.shortcuts_dialog.open()

    def _reverify(self) -> None:
        self.show_page("verification")
        self.verification_page.reverify_selected()

    def _eject(self) -> None:
        if self.stack.currentWidget() is self.verification_page:
            self.verification_page.eject()
        else:
            self.offload_page.sources.eject_selected()

    def _find(self) -> None:
        self.show_page("history")
        self.history_page.focus_search()

    def show_page(self, page: str | int) -> None:
        """Show a page by key (``"verification"``) or by its row in the page list."""
        self.nav.setCurrentRow(PAGE_KEYS.index(page) if isinstance(page, str) else page)

    def _selected_clip_names(self) -> list[str]:
        """The names of the clips selected on the Clips page (the Dailies page's "Selected clips")."""
        rows = self.clips_page.selected_rows()
        return [c.name for r in rows if (c := self.clips_page.model.row(r)) is not None]

    def current_page(self) -> str:
        return PAGE_KEYS[self.stack.currentIndex()]

    def open_card(self, card_id: int) -> None:
        self.show_page("verification")
        self.verification_page.show_card(card_id)

    def refresh_views(self) -> None:
        self.verification_page.refresh()
        self.history_page.refresh()
        for page in (self.clips_page, self.logger_page, self.reports_page):
            page.refresh()
        self.offload_page.sources.refresh_known()
        self.offload_page.destinations.refresh_space()

    def _page_changed(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        page = self.stack.currentWidget()
        if page in (self.clips_page, self.logger_page):
            self.undo_group.setActiveStack(page.writer.undo_stack)
        if page in (self.drives_page, self.turnovers_page, self.dailies_page, self.post_page, self.archive_page):
            page.refresh()
        if page in (self.verification_page, self.history_page):
            # paint the page first: a catalog read on the worker thread during the paint would make every
            # Python call of the paint (model data) wait for the interpreter lock
            QTimer.singleShot(REFRESH_AFTER_SWITCH_MS, page, page.refresh)
        self._follow_jobs()

    # -- queue and notices --------------------------------------------------------------------------------
    def _queue_changed(self, _job) -> None:
        counts: dict[str, int] = {}
        for j in self.queue.jobs:
            counts[j.state.value] = counts.get(j.state.value, 0) + 1
        order = (JobState.RUNNING, JobState.PAUSED, JobState.QUEUED, JobState.PREPARING, JobState.FAILED,
                 JobState.INTERRUPTED, JobState.COMPLETED)
        text = " · ".join(f"{counts[s]} {s}" for s in order if counts.get(s)) or "queue empty"
        self.queue_status.setText(text)
        self._follow_jobs()

    def _follow_jobs(self) -> None:
        """The verification page follows running jobs (every 2 s) while it is visible."""
        busy = any(j.state in HOLDS_VOLUMES for j in self.queue.jobs)
        t = self.verification_page.timer
        if busy and self.stack.currentWidget() is self.verification_page:
            if not t.isActive():
                t.start()
        else:
            t.stop()

    def _job_finished(self, job) -> None:
        if job.state != JobState.ERROR:  # every job that ran wrote copy states
            self.state.catalog_changed.emit()
        if job.state == JobState.COMPLETED and job.card_id is not None:
            self.aftercare.enqueue(job.card_id, job.catalog_job_id, job.label)
        if job.card_id is not None:
            self.load_qc(job.card_id)

    def _aftercare_finished(self, task) -> None:
        result = task.result
        self.load_qc(task.card_id, ran=result is not None and result.qc is not None)

    def load_qc(self, card_id: int, ran: bool = False) -> None:
        """Read the card's QC findings on the catalog lane for its tile and the Verification page. ``ran``: QC
        just ran on it (a clean card then says so)."""
        def show(findings) -> None:
            self.offload_page.tiles.set_qc(card_id, findings, ran)
            self.verification_page.qc_changed(card_id)

        self.runner.submit(qc_service.findings_for_card, self.state.catalog, card_id, lane="catalog",
                           name=f"QC of card {card_id}", on_done=show,
                           on_error=lambda e: self.notify("QC", str(e), "error", ""))

    def _aftercare_changed(self) -> None:
        pending = self.aftercare.pending
        if not pending:
            self.aftercare_status.setText("")
            self.aftercare_bar.hide()
            return
        task = pending[0]
        more = f" (+{len(pending) - 1} waiting)" if len(pending) > 1 else ""
        self.aftercare_status.setText(task.describe() + more)
        p = task.progress
        self.aftercare_bar.setRange(0, max(1, p.total if p else 1))
        self.aftercare_bar.setValue(p.done if p else 0)
        self.aftercare_bar.show()

    def _catalog_changed(self) -> None:
        self.verification_page.refresh()
        self.history_page.refresh()
        self.offload_page.sources.refresh_known()  # a card's "safe" line must never lag behind a re-verify

    def _job_notice(self, title: str, text: str, kind: str, details: str, job) -> None:
        self.notify(title, text, kind, details, actions=[("Retry", lambda: self.queue.retry(job))])

    def notify(self, title: str, text: str, kind: str = "info", details: str = "", actions=()) -> None:
        """A desktop notification where the platform has a tray, and always an in-window notice (with its
        ``actions``: ``(button text, callable)`` pairs)."""
        self.notifications.append((title, text, kind))
        self.statusBar().showMessage(title, 15000)
        if self.tray is not None and kind in ("ok", "error", "warn"):
            icon = {"ok": QSystemTrayIcon.MessageIcon.Information, "error": QSystemTrayIcon.MessageIcon.Critical,
                    "warn": QSystemTrayIcon.MessageIcon.Warning}[kind]
            self.tray.showMessage(title, text, icon, 10000)
        self.notices.add(title, text, kind, details, actions)

    # -- layout persistence and closing ---------------------------------------------------------------
    def _restore(self) -> None:
        qs = self.state.qsettings
        if (g := load_bytes(qs, "window/geometry")) is not None:
            self.restoreGeometry(g)
        else:
            self.resize(1500, 920)
        if (s := load_bytes(qs, "window/state")) is not None:
            self.restoreState(s)
        for key, splitter in self._splitters().items():
            if (v := load_bytes(qs, f"splitter/{key}")) is not None:
                splitter.restoreState(v)
        if (h := load_bytes(qs, "queue/header")) is not None:
            self.offload_page.queue_panel.tree.header().restoreState(h)
        page = str(qs.value("window/page", "offload"))
        self.show_page(page if page in PAGE_KEYS else "offload")

    def _splitters(self) -> dict:
        return {"offload": self.offload_page.splitter, "offload_right": self.offload_page.right,
                "verification": self.verification_page.splitter}

    def save_layout(self) -> None:
        qs = self.state.qsettings
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState())
        for key, splitter in self._splitters().items():
            qs.setValue(f"splitter/{key}", splitter.saveState())
        qs.setValue("queue/header", self.offload_page.queue_panel.tree.header().saveState())
        qs.setValue("window/page", self.current_page())
        qs.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        running = [j for j in self.queue.jobs if j.state in HOLDS_VOLUMES]
        if running and not self._shut_down:
            names = ", ".join(j.label for j in running)
            answer = QMessageBox.question(
                self, "Offloads are running",
                f"{names} {'is' if len(running) == 1 else 'are'} still being offloaded.\n\nStop and quit? The "
                "jobs are kept as interrupted and can be resumed on the next start; verified files are kept.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.save_layout()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop timers, cancel running jobs and join every worker thread (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.offload_page.sources.stop()
        self.offload_page.destinations.stop()
        self.verification_page.stop()
        self.history_page.debounce.stop()
        self.clips_page.stop()
        self.logger_page.stop()
        self.reports_page.stop()
        self.dailies_page.stop()
        self.post_page.stop()
        self.archive_page.stop()
        self.sync_indicator.stop()
        self.portal_page.stop()
        self.aftercare.shutdown()
        self.queue.shutdown()
        self.state.services.shutdown()
        self.runner.shutdown(wait=True)
        self.state.flush()
        if self.tray is not None:
            self.tray.hide()
