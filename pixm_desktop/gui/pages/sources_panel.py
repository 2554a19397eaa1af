"""Sources: cards found under the watched mount roots (polled twice a second on the runner's ``io``
lane), each inspected in the background (camera, reel, clips, "already offloaded on … to …"), plus folders
dropped in from the file manager.

Each entry follows the queue and the catalog live: "copying now" while its job runs, the card's verdict when
the job ends (read again from the catalog), F5 reads every entry again. Folders added by hand are kept
between runs (``settings_store``). A mounted volume the card recogniser does not recognise (a camera layout of
``core.cameras``) is an *other volume*: hidden by default, or listed apart under "Other volumes" ("Show other
volumes"; kept between runs); never offloaded by auto-offload while hidden.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.model import Camera
from pixm_desktop.gui.dnd import folder_mime, local_folders
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.jobs import STATE_TEXT, JobState
from pixm_desktop.gui.queue import QueueController
from pixm_desktop.gui.settings_store import load_list, save_list
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import fmt_bytes, verdict_kind
from pixm_desktop.services import eject as eject_service
from pixm_desktop.services import sources as source_service
from pixm_desktop.services import status as status_service

PATH_ROLE = Qt.ItemDataRole.UserRole
INFO_ROLE = Qt.ItemDataRole.UserRole + 1
MOUNT_POLL_MS = 500
MANUAL_KEY = "sources/folders"  # folders added by hand, kept between runs
SHOW_OTHER_KEY = "sources/show_other"  # list volumes that are not camera cards (under "Other volumes")


def _inspect(path: str, catalog, min_copies: int, distinct: bool):
    """Worker: what the card is, and the catalog's verdict when the card is known by content."""
    return _lookup(source_service.inspect_source(path), catalog, min_copies, distinct)


def _lookup(info: source_service.SourceInfo, catalog, min_copies: int, distinct: bool):
    """Worker: what the catalog knows about an inspected card (by its content fingerprint)."""
    info = dataclasses.replace(info)
    info.known_card_id, info.known_summary = source_service.known_card(catalog, info.fingerprint)
    status = None
    if info.known_card_id is not None:
        status = status_service.card_status(catalog, info.known_card_id, min_copies=min_copies,
                                            distinct_drives=distinct)
    return info, status



class SourceList(QListWidget):
    """Mounted cards; items drag out as file URLs and folders from the file manager drop in."""

    folders_dropped = Signal(list)
    resized = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSpacing(2)
        self.setAlternatingRowColors(True)

    def resizeEvent(self, e) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(e)
        self.resized.emit()

    def mimeData(self, items):  # noqa: N802 (Qt API)
        return folder_mime([it.data(PATH_ROLE) for it in items])

    def mimeTypes(self):  # noqa: N802
        return ["text/uri-list"]

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:  # noqa: N802
        if e.source() is not self and e.mimeData().hasUrls():
            e.acceptProposedAction()
        else:
            e.ignore()

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:  # noqa: N802
        self.dragEnterEvent(e)

    def dropEvent(self, e: QDropEvent) -> None:  # noqa: N802
        folders = local_folders(e.mimeData())
        if e.source() is self or not folders:
            e.ignore()
            return
        e.acceptProposedAction()
        self.folders_dropped.emit([str(f) for f in folders])


class SourcesPanel(QGroupBox):
    """Cards found under the watched mount roots, plus folders added by hand."""

    offload_requested = Signal(list)  # [path]
    selection_changed = Signal()
    started = Signal()  # mount polling began (the page restores the saved queue then)
    ejected = Signal(str, str, str, str)  # title, text, kind, details → the window's notices

    def __init__(self, state: AppState, queue: QueueController, parent=None):
        super().__init__("Sources — cards appear here when mounted", parent)
        self.state = state
        self.queue = queue
        self.infos: dict[str, source_service.SourceInfo] = {}
        self.verdicts: dict[str, status_service.CardStatus | None] = {}
        self.items: dict[str, QListWidgetItem] = {}
        self.manual: set[str] = set()
        self.errors: dict[str, str] = {}
        self._scan_task = None
        self._first_scan_done = False
        self.other: set[str] = set()  # mounted volumes that are not camera cards
        self.show_other = str(state.qsettings.value(SHOW_OTHER_KEY, "false")).lower() == "true"
        lay = QVBoxLayout(self)
        self.list = SourceList(self)
        self.list.setObjectName("sources")
        self.list.folders_dropped.connect(lambda paths: [self.add_folder(p) for p in paths])
        self.list.itemSelectionChanged.connect(self._selection)
        self.list.itemDoubleClicked.connect(lambda _it: self.offload_selected())
        self.list.resized.connect(self._fit_items)
        lay.addWidget(self.list, 1)
        self.other_header = QListWidgetItem("Other volumes — not recognised as camera cards")
        self.other_header.setFlags(Qt.ItemFlag.NoItemFlags)
        self.other_header.setData(PATH_ROLE, None)
        self.other_toggle = QCheckBox("Show other volumes", self)
        self.other_toggle.setToolTip("Mounted volumes that are not camera cards (no known camera layout): "
                                     "hidden, or listed apart under \"Other volumes\"")
        self.other_toggle.setChecked(self.show_other)
        self.other_toggle.toggled.connect(self.set_show_other)
        self.empty_hint = QLabel("No card mounted. Insert a card, drop a folder here, or use Add folder…", self)
        self.empty_hint.setObjectName("hint")
        self.empty_hint.setWordWrap(True)
        lay.addWidget(self.empty_hint)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add folder…", self)
        self.add_button.setToolTip("Add any folder as a card (Ctrl+O)")
        self.add_button.clicked.connect(self.choose_folder)
        self.offload_button = QPushButton(status_icon("run"), "Offload", self)
        self.offload_button.setToolTip("Queue the selected card(s) for the destination set (Ctrl+Return)")
        self.offload_button.clicked.connect(self.offload_selected)
        self.eject_button = QPushButton("Eject", self)
        self.eject_button.setToolTip("Eject the selected card once it is safe to format (Ctrl+E)")
        self.eject_button.clicked.connect(self.eject_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.offload_button)
        row.addWidget(self.eject_button)
        lay.addLayout(row)
        self.auto = QCheckBox("Auto-offload new cards to the destination set", self)
        self.auto.setChecked(state.settings.auto_offload)
        self.auto.toggled.connect(lambda on: self.state.update(auto_offload=on))
        lay.addWidget(self.auto)
        lay.addWidget(self.other_toggle)
        queue.changed.connect(self._job_changed)
        self.timer = QTimer(self)
        self.timer.setInterval(MOUNT_POLL_MS)
        self.timer.timeout.connect(self.poll_mounts)
        self._update_buttons()

    # -- mounts ---------------------------------------------------------------------------------------
    def start(self) -> None:
        for path in load_list(self.state.qsettings, MANUAL_KEY):  # folders added by hand last time
            if os.path.isdir(path):
                self.add_folder(path, select=False)
        self.poll_mounts()
        self.timer.start()
        self.started.emit()

    def stop(self) -> None:
        self.timer.stop()

    def poll_mounts(self) -> None:
        if self._scan_task is not None and not self._scan_task.done:
            return  # the previous listing is still running (slow drive): skip this tick
        roots = list(self.state.settings.mount_roots)
        exclude = [d.path for d in self.state.settings.destinations]
        self._scan_task = self.state.runner.submit(source_service.list_mounted, roots, exclude, lane="io",
                                                   name="list mounts", on_done=self._mounted,
                                                   on_error=lambda _e: None)

    def _mounted(self, paths: list[Path]) -> None:
        now = {os.path.realpath(p): str(p) for p in paths}
        for key in list(self.items):
            if key not in now and (key not in self.manual or not os.path.isdir(key)):
                self._remove(key)
        for key, p in now.items():
            if key not in self.items:
                self._add(key, p, new=self._first_scan_done)
        self._first_scan_done = True

    # -- items ----------------------------------------------------------------------------------------
    def add_folder(self, path: str, select: bool = True) -> None:
        key = os.path.realpath(path)
        self.manual.add(key)
        self._save_manual()
        if key not in self.items:
            self._add(key, str(path), new=False)
        if select:
            self.list.setCurrentItem(self.items[key], QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _save_manual(self) -> None:
        save_list(self.state.qsettings, MANUAL_KEY, sorted(self.manual))

    def set_show_other(self, on: bool) -> None:
        """Show (under "Other volumes") or hide mounted volumes that are not camera cards; remembered."""
        self.show_other = on
        self.state.qsettings.setValue(SHOW_OTHER_KEY, "true" if on else "false")
        for key in self.other:
            self.items[key].setHidden(not on)
        self._place_header()

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a card folder")
        if path:
            self.add_folder(path)

    def _add(self, key: str, path: str, new: bool) -> None:
        item = QListWidgetItem()
        row = self.list.row(self.other_header) if self.other_header.listWidget() is not None else self.list.count()
        self.list.insertItem(row, item)  # cards above the "Other volumes" group
        item.setData(PATH_ROLE, path)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
        self.items[key] = item
        self._render(key)
        self.empty_hint.setVisible(False)
        self.inspect(key, auto=new)

    def _remove(self, key: str) -> None:
        item = self.items.pop(key)
        self.list.takeItem(self.list.row(item))
        self.infos.pop(key, None)
        self.verdicts.pop(key, None)
        self.other.discard(key)
        if key in self.manual:
            self.manual.discard(key)
            self._save_manual()
        self.empty_hint.setVisible(not self.items)
        self._place_header()
        self._update_buttons()

    def _place_header(self) -> None:
        """The "Other volumes" header sits above the other volumes while they are shown."""
        want = self.show_other and bool(self.other)
        if self.other_header.listWidget() is not None:
            self.list.takeItem(self.list.row(self.other_header))
        if want:
            first = min((self.list.row(self.items[k]) for k in self.other), default=self.list.count())
            self.list.insertItem(first, self.other_header)

    def _set_other(self, key: str, other: bool) -> None:
        """File ``key`` under cards or under other volumes (moving the item below the header)."""
        if other == (key in self.other):
            return
        item = self.items[key]
        selected = item.isSelected()
        self.list.takeItem(self.list.row(item))
        if self.other_header.listWidget() is not None:
            self.list.takeItem(self.list.row(self.other_header))
        if other:
            self.other.add(key)
            self.list.addItem(item)
        else:
            self.other.discard(key)
            first = min((self.list.row(self.items[k]) for k in self.other), default=self.list.count())
            self.list.insertItem(first, item)
        item.setHidden(other and not self.show_other)
        item.setSelected(selected)
        self._place_header()
        self._render(key)  # the item's widget went with the move

    def inspect(self, key: str, auto: bool = False) -> None:
        s = self.state.settings
        path = self.items[key].data(PATH_ROLE)
        self.state.runner.submit(_inspect, path, self.state.catalog, s.min_copies, s.distinct_drives, lane="io",
                                 name=f"inspect {path}", on_done=lambda r, k=key, a=auto: self._inspected(k, r, a),
                                 on_error=lambda e, k=key: self._inspect_failed(k, e))

    def refresh_known(self, only: str | None = None) -> None:
        """Ask the catalog again what it knows about each card (after a job or a re-verify; ``only``: that
        card): a lookup by the fingerprint already taken, no new scan of the card."""
        s = self.state.settings
        for key in [only] if only is not None else list(self.items):
            info = self.infos.get(key)
            if info is None:
                self.inspect(key)
                continue
            self.state.runner.submit(_lookup, info, self.state.catalog, s.min_copies, s.distinct_drives,
                                     lane="catalog", name=f"known {info.label}",
                                     on_done=lambda r, k=key: self._inspected(k, r, False),
                                     on_error=lambda e, k=key: self._inspect_failed(k, e))

    def _inspected(self, key: str, result, auto: bool) -> None:
        if key not in self.items:
            return
        info, verdict = result
        self.infos[key], self.verdicts[key] = info, verdict
        self.errors.pop(key, None)
        other = key not in self.manual and info.camera == Camera.UNKNOWN.value
        if other != (key in self.other):
            self._set_other(key, other)
        else:
            self._render(key)
        self._update_buttons()
        if self.items[key].isSelected():
            self.selection_changed.emit()  # the template preview shows this card's real name now
        if other and not self.show_other:
            return  # a hidden volume that is not a camera card is never offloaded by itself
        if auto and self.state.settings.auto_offload and info.files and not (verdict and verdict.verdict.safe):
            self.offload_requested.emit([str(info.path)])

    def _job_changed(self, job) -> None:
        """A card's entry follows its job: "copying now" while it runs, its verdict read again when it ends."""
        key = os.path.realpath(job.source)
        if key not in self.items:
            return
        if job.active:
            self._render(key)
        elif key in self.infos:
            self._render(key)
            self.refresh_known(only=key)

    def _job_for(self, key: str):
        return next((j for j in reversed(self.queue.jobs) if os.path.realpath(j.source) == key), None)

    def _inspect_failed(self, key: str, exc: BaseException) -> None:
        if key in self.items:
            self.errors[key] = explain(exc).headline
            self._render(key)

    def _render(self, key: str) -> None:
        """Three short lines a loader reads at a glance (name, content, state); where the card went and its
        path are in the tooltip (and the plain ``INFO_ROLE`` text). The item's widget is updated in place."""
        item = self.items[key]
        path = item.data(PATH_ROLE)
        kind, lines, extra = self._describe(key, path)
        item.setData(Qt.ItemDataRole.DisplayRole, None)
        plain = [_strip_tags(x.replace("<br>", "\n")) for x in lines] + extra
        item.setData(INFO_ROLE, "\n".join(plain))  # plain text for tests and a11y
        item.setToolTip("\n".join([*plain, path]))
        w = self.list.itemWidget(item)
        if w is None or not hasattr(w, "pixm_text"):
            w = QWidget()
            w.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            h = QHBoxLayout(w)
            h.setContentsMargins(6, 4, 6, 4)
            w.pixm_icon = QLabel(w)
            h.addWidget(w.pixm_icon, 0, Qt.AlignmentFlag.AlignTop)
            w.pixm_text = QLabel(w)
            w.pixm_text.setObjectName("sourceText")
            w.pixm_text.setWordWrap(True)
            w.pixm_text.setMinimumWidth(60)
            h.addWidget(w.pixm_text, 1)
            w.pixm_kind = None
            self.list.setItemWidget(item, w)
        if w.pixm_kind != kind:
            w.pixm_kind = kind
            w.pixm_icon.setPixmap(status_icon(kind, 28).pixmap(28, 28))
        html = "<br>".join(lines)
        if w.pixm_text.text() != html:
            w.pixm_text.setText(html)
            self._fit(item)

    def _describe(self, key: str, path: str) -> tuple[str, list[str], list[str]]:
        """``(icon kind, visible lines (HTML), more lines for the tooltip)`` of one entry."""
        info = self.infos.get(key)
        verdict = self.verdicts.get(key)
        name = Path(path).name or path
        if key in self.errors:
            return "fail", [f"<b>{_esc(name)}</b>", f"cannot read the card: {_esc(self.errors[key])}"], []
        if info is None:
            return "wait", [f"<b>{_esc(name)}</b>", "reading the card…"], []
        job = self._job_for(key)
        size = fmt_bytes(info.total_bytes)
        if info.is_mount and info.volume_total:
            size += f" on a {fmt_bytes(info.volume_total)} card"
        lines = [f"<b>{_esc(info.label)}</b> &nbsp; {info.camera_title} · reel {_esc(info.reel)}",
                 f"{info.clips} clip{'s' if info.clips != 1 else ''} · {info.files} files · {size}"]
        extra = [info.known_summary] if info.known_summary else []
        when = _esc((info.known_summary or "").split(" to ")[0])  # "already offloaded on <date>", no paths
        if verdict is not None and verdict.verdict.safe:
            kind = "ok"
            lines.append(f"<span style='color:#7ee787'><b>SAFE TO FORMAT</b></span> — {when}")
        elif job is not None and job.active:  # its own offload runs now
            kind = "pause" if job.state == JobState.PAUSED else "run"
            lines.append(f"<span style='color:#a5d6ff'><b>in the offload queue</b></span>: {STATE_TEXT[job.state]}")
        elif verdict is not None:  # known card: THE verdict, in its colour (never green)
            kind = verdict_kind(verdict.verdict)
            colour = {"fail": "#ffa198", "run": "#a5d6ff"}.get(kind, "#f2cc60")
            v = verdict.verdict
            lines.append(f"<span style='color:{colour}'><b>{_esc(v.title)}</b>: {_esc(v.reason)}</span>")
            extra.append(v.headline)
        elif job is not None:  # its job ended; the catalog's verdict is being read
            kind = "wait"
            lines.append(f"offload {STATE_TEXT[job.state]} — reading the card's verdict…")
        elif info.known_summary:
            kind = "warn"
            lines.append(when)
        else:
            kind = "run"
            lines.append("new card — drag it to the queue or press Offload")
        for warning in info.warnings[:2]:
            lines.append(f"<span style='color:#d29922'>⚠ {_esc(warning)}</span>")
        return kind, lines, extra

    def _fit(self, item: QListWidgetItem) -> None:
        """Item height for the list's width (the texts wrap; no horizontal scrolling)."""
        w = self.list.itemWidget(item)
        if w is None:
            return
        width = max(120, self.list.viewport().width() - 2 * self.list.spacing() - 2)
        h = w.layout().heightForWidth(width) if w.layout().hasHeightForWidth() else w.sizeHint().height()
        item.setSizeHint(QSize(width, max(h, w.minimumSizeHint().height())))

    def _fit_items(self) -> None:
        for item in self.items.values():
            self._fit(item)

    # -- actions --------------------------------------------------------------------------------------
    def selected_paths(self) -> list[str]:
        return [it.data(PATH_ROLE) for it in self.list.selectedItems()]

    def offload_selected(self) -> None:
        paths = self.selected_paths()
        if paths:
            self.offload_requested.emit(paths)

    def _selection(self) -> None:
        self._update_buttons()
        self.selection_changed.emit()

    def selected_info(self) -> source_service.SourceInfo | None:
        items = self.list.selectedItems()
        return self.infos.get(os.path.realpath(items[0].data(PATH_ROLE))) if items else None

    def _update_buttons(self) -> None:
        keys = [os.path.realpath(p) for p in self.selected_paths()]
        self.offload_button.setEnabled(bool(keys))
        safe = bool(keys) and all((v := self.verdicts.get(k)) is not None and v.verdict.safe for k in keys)
        self.eject_button.setEnabled(len(keys) == 1 and safe)
        if keys and not safe:
            self.eject_button.setToolTip("Eject is available once the card is safe to format")
        else:
            self.eject_button.setToolTip("Eject the selected card (Ctrl+E)")

    def eject_selected(self) -> None:
        keys = [os.path.realpath(p) for p in self.selected_paths()]
        if len(keys) != 1 or not ((v := self.verdicts.get(keys[0])) and v.verdict.safe):
            return
        info = self.infos[keys[0]]
        self.eject_button.setEnabled(False)
        self.eject_path(str(info.path), info.label)

    def eject_path(self, path: str, label: str) -> None:
        """Eject the card at ``path`` (a card tile's Eject: the tile shows it only for a safe card)."""
        self.state.runner.submit(eject_service.eject, path, label=label, lane="io", name=f"eject {label}",
                                 on_done=self._ejected, on_error=lambda e, lbl=label: self._eject_failed(lbl, e))

    def _ejected(self, message: str) -> None:
        self.ejected.emit("Card ejected", message, "ok", "")
        self.poll_mounts()

    def _eject_failed(self, label: str, exc: BaseException) -> None:
        e = explain(exc, card=label)
        self.ejected.emit(f"{label} was not ejected", e.text(), "error", e.details)
        self._update_buttons()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _strip_tags(html: str) -> str:
    text = re.sub(r"<[^>]+>", "", html).replace("&nbsp;", " ")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
