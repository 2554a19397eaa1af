"""Small widgets shared by the pages: progress cells, the safe-to-format badge, column fitting and middle
elision, keyboard shortcuts, formatting."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRectF, QSize, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.core.states import ProbeStatus
from pixm_desktop.core.verdict import CardState, CardVerdict
from pixm_desktop.gui.jobs import JobState
from pixm_desktop.gui.theme import colour, status_icon

PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 10  # int 0–1000, or None for no bar
PROGRESS_TEXT_ROLE = Qt.ItemDataRole.UserRole + 11
PROGRESS_KIND_ROLE = Qt.ItemDataRole.UserRole + 12  # colour of the chunk: run, pause, ok, fail, stop


def fmt_bytes(n: float) -> str:
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}" if unit in ("TB", "GB") else f"{n / size:.0f} {unit}"
    return f"{int(n)} B"


def fmt_rate(bps: float) -> str:
    return "—" if bps <= 0 else f"{bps / 1e6:.0f} MB/s"


def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    if s >= 60:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s} s"


class ProgressDelegate(QStyledItemDelegate):
    """Paints a progress bar in a cell from ``PROGRESS_ROLE`` (0–1000): a rounded groove, a chunk coloured by
    ``PROGRESS_KIND_ROLE`` (run / pause / ok / fail / stop) and the text — no widget per row, cheap to repaint
    ten times a second."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        value = index.data(PROGRESS_ROLE)
        if value is None:
            super().paint(painter, option, index)
            return
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        r = QRectF(option.rect.adjusted(4, 4, -4, -4))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("#30363d"), 1))
        painter.setBrush(QColor("#0d1117"))
        painter.drawRoundedRect(r, 3, 3)
        frac = max(0.0, min(1.0, int(value) / 1000))
        if frac > 0:
            chunk = QRectF(r.x() + 1, r.y() + 1, (r.width() - 2) * frac, r.height() - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour(index.data(PROGRESS_KIND_ROLE) or "run").darker(135))
            painter.drawRoundedRect(chunk, 2, 2)
        painter.setPen(QColor("#e6edf3"))
        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, index.data(PROGRESS_TEXT_ROLE) or f"{value / 10:.0f} %")
        painter.restore()

    def sizeHint(self, option, index) -> QSize:
        s = super().sizeHint(option, index)
        return QSize(max(s.width(), 160), max(s.height(), 24))


#: icon / colour kind of each card state: green only for safe
VERDICT_KIND = {CardState.SAFE: "ok", CardState.NOT_SAFE: "warn", CardState.COPYING: "run", CardState.FAILED: "fail"}
_SHORT = {CardState.SAFE: "SAFE TO FORMAT", CardState.NOT_SAFE: "NOT SAFE", CardState.COPYING: "COPYING",
          CardState.FAILED: "FAILED"}


#: icon kind of every job, copy or probe state, the one map of the window: the catalog's JobStatus, the
#: queue's JobState, a file's CopyState and a clip's ProbeStatus share their words (``failed`` is one key)
STATE_KIND: dict[str, str] = {
    JobStatus.QUEUED: "wait", JobStatus.RUNNING: "run", JobStatus.COMPLETED: "ok", JobStatus.FAILED: "fail",
    JobStatus.INTERRUPTED: "interrupted", JobStatus.CANCELLED: "stop",
    JobState.PREPARING: "wait", JobState.PAUSED: "pause", JobState.CANCELLING: "stop", JobState.ERROR: "fail",
    CopyState.PENDING: "wait", CopyState.COPIED: "run", CopyState.VERIFIED: "ok",
    ProbeStatus.OK: "ok", ProbeStatus.PARTIAL: "warn", ProbeStatus.NO_DECODER: "warn",
}


def state_kind(state: str) -> str:
    """The status-icon kind of a job, copy or probe state (``wait`` for a state the window does not know)."""
    return STATE_KIND.get(state, "wait")


def verdict_kind(verdict: CardVerdict | None) -> str:
    """The status-icon kind of a card verdict (``wait`` when unknown)."""
    return "wait" if verdict is None else VERDICT_KIND[verdict.state]


def verdict_words(verdict: CardVerdict, reason: bool = True) -> str:
    """Short words for lists: ``SAFE TO FORMAT`` / ``NOT SAFE: <reason>`` / ``FAILED: <reason>`` …"""
    word = _SHORT[verdict.state]
    return word if verdict.safe or not reason else f"{word}: {verdict.reason}"


def job_status_kind(job_status: str, verdict: CardVerdict | None) -> str:
    """Icon kind of a past job row: a completed job takes its card's verdict (never green unless the card is
    safe); other statuses keep their own."""
    if job_status == JobStatus.COMPLETED:
        return verdict_kind(verdict) if verdict is not None else "done"
    return state_kind(job_status)


def job_status_words(job_status: str, verdict: CardVerdict | None) -> str:
    """``completed · card NOT SAFE`` — the job in words, then its card's verdict now."""
    return job_status + (f" · card {verdict_words(verdict, reason=False)}" if verdict is not None else "")


class Badge(QFrame):
    """The big safe-to-format badge: icon shape + words + colour."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.icon = QLabel(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.icon)
        lay.addWidget(self.text, 1)
        self.safe: bool | None = None
        self.set_state(None, "select a card to see whether it is safe to format")

    def set_state(self, safe: bool | None, reason: str) -> None:
        self.safe = safe
        if safe is None:
            kind, title, name = "wait", "NO CARD", "badgeUnknown"
        elif safe:
            kind, title, name = "ok", "SAFE TO FORMAT", "badgeSafe"
        else:
            kind, title, name = "fail", "NOT SAFE TO FORMAT", "badgeUnsafe"
        self.icon.setPixmap(status_icon(kind, 40).pixmap(40, 40))
        self.text.setObjectName(name)
        self.text.setText(f"{title} — {reason}")
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)

    def set_verdict(self, verdict: CardVerdict) -> None:
        """Show THE card verdict: green only for safe, amber for not safe, red for failed, blue for copying."""
        self.safe = verdict.safe
        name = {CardState.SAFE: "badgeSafe", CardState.NOT_SAFE: "badgeWarn", CardState.COPYING: "badgeCopying",
                CardState.FAILED: "badgeUnsafe"}[verdict.state]
        title = verdict.title if verdict.state != CardState.FAILED else "FAILED — NOT SAFE TO FORMAT"
        if verdict.state == CardState.COPYING:
            title = "COPYING — NOT SAFE TO FORMAT YET"
        self.icon.setPixmap(status_icon(verdict_kind(verdict), 40).pixmap(40, 40))
        self.text.setObjectName(name)
        self.text.setText(f"{title} — {verdict.reason}")
        self.text.style().unpolish(self.text)
        self.text.style().polish(self.text)

    @property
    def label(self) -> str:
        return self.text.text()


# -- layouts from 1280×720 up (appended for the cart window's second pass) -----------------------------------
def fit_widths(available: int, columns: list[tuple[int, float]], hide_order: list[int]) -> tuple[list[int], set[int]]:
    """Column widths for ``available`` px: ``columns`` are ``(minimum px, weight)``; while the visible
    minimums do not fit, the columns of ``hide_order`` hide in turn (the least important first). Every shown
    column gets at least its minimum; the room left is shared by weight. Returns ``(widths, hidden)``
    (``widths[c]`` is 0 for a hidden column). Pure: the arithmetic of :class:`ColumnFitter`."""
    hidden: set[int] = set()
    mins = [m for m, _w in columns]
    for c in hide_order:
        if sum(m for i, m in enumerate(mins) if i not in hidden) <= available:
            break
        hidden.add(c)
    shown = [i for i in range(len(columns)) if i not in hidden]
    extra = max(0, available - sum(mins[i] for i in shown))
    weight = sum(columns[i][1] for i in shown) or 1.0
    widths = [0] * len(columns)
    for i in shown:
        widths[i] = mins[i] + int(extra * columns[i][1] / weight)
    return widths, hidden


class ColumnFitter(QObject):
    """Keeps a tree or table's columns fitting its viewport: minimum widths, the least important columns hidden
    first (``hide_order``), the rest shared by weight — so a Progress column never shrinks to "Pr" and no
    horizontal scrolling is needed at 1280×720. Re-fits on every resize of the viewport."""

    def __init__(self, view, columns: list[tuple[int, float]], hide_order: list[int]):
        super().__init__(view)
        self.view, self.columns, self.hide_order = view, columns, hide_order
        self.hidden: set[int] = set()
        header = view.header() if hasattr(view, "header") else view.horizontalHeader()
        self.header = header
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(min(m for m, _w in columns))
        for c in range(len(columns)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Interactive)
        view.viewport().installEventFilter(self)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fit()

    def fit(self) -> None:
        widths, hidden = fit_widths(self.view.viewport().width(), self.columns, self.hide_order)
        self.hidden = hidden
        for c, w in enumerate(widths):
            if self.header.isSectionHidden(c) != (c in hidden):
                self.header.setSectionHidden(c, c in hidden)
            if c not in hidden and self.header.sectionSize(c) != w:
                self.header.resizeSection(c, w)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False


class ElideMiddleDelegate(QStyledItemDelegate):
    """Paints a cell's text elided in the middle (``/media/…/A001C005_1123FC.RDC``): the distinguishing end of a
    path or a clip name stays visible. The full text belongs in the item's tooltip."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        # the option handed to a Python initStyleOption is a copy in PySide: set the mode on our own copy
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.textElideMode = Qt.TextElideMode.ElideMiddle
        # one line: a table wraps at "/" by default, and then each line is cut at its end instead
        opt.features &= ~QStyleOptionViewItem.ViewItemFeature.WrapText
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)


def elide_middle(text: str, font_metrics, width: int) -> str:
    """``text`` elided in the middle to ``width`` px (``QFontMetrics``)."""
    return font_metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, width)


# --- keyboard shortcuts ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class Shortcut:
    """An action whose keys the DIT may change: ``name`` as listed ("Logger: Flag on / off"), ``scope``
    ``"window"`` (works on every page) or the page key where it works, ``default`` its built-in keys."""

    name: str
    action: QAction
    scope: str
    default: list[QKeySequence] = field(default_factory=list)

    def keys_text(self) -> str:
        return keys_text(self.action.shortcuts())


def keys_text(seqs) -> str:
    """Key sequences as the platform writes them (``Ctrl+Shift+C, Ctrl+Y``)."""
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in seqs if not s.isEmpty())


def shortcut_conflict(shortcuts: list[Shortcut], target: Shortcut, seq: QKeySequence) -> Shortcut | None:
    """The other shortcut already answering ``seq`` where ``target`` works (a window-wide one works
    everywhere; two page ones clash only on the same page), or ``None``."""
    if seq.isEmpty():
        return None
    for s in shortcuts:
        if s is target or seq not in s.action.shortcuts():
            continue
        if "window" in (s.scope, target.scope) or s.scope == target.scope:
            return s
    return None


def apply_shortcuts(shortcuts: list[Shortcut], saved: dict[str, str]) -> None:
    """Give each action its saved keys (portable text, ``""`` = no key); actions not saved keep their
    defaults. A saved key that now clashes with another action is skipped (the default stays)."""
    saved = saved if isinstance(saved, dict) else {}
    for s in shortcuts:
        if not isinstance(saved.get(s.name), str):
            continue
        seq = QKeySequence(saved[s.name], QKeySequence.SequenceFormat.PortableText)
        if shortcut_conflict(shortcuts, s, seq) is None:
            s.action.setShortcuts([seq] if not seq.isEmpty() else [])


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: ``rows`` of (action, keys) in a table, with where to change them."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 600)
        lay = QVBoxLayout(self)
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for r, (name, keys) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(name))
            self.table.setItem(r, 1, QTableWidgetItem(keys))
        lay.addWidget(self.table, 1)
        hint = QLabel("Change them under Settings → Keyboard shortcuts.", self)
        hint.setObjectName("hint")
        lay.addWidget(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
