"""The notice strip: one line under the pages, never over them, with each notice's real actions.

The strip has a fixed height and is always there (a quiet hint when empty), so a notice arriving while an
offload runs never resizes or covers the page — no queue row, file list or preview is hidden by it, and no
relayout of the window costs the GUI thread time at the end of a job. It shows the newest notice: its icon,
title and first line, the buttons of its actions (a "Retry" only where the notice carries a Retry action),
Details (the words, the details in words and the log file's path) and ✕; "n more" lists the others.
Good news goes away by itself after ``OK_SECONDS``; problems stay until dismissed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.theme import status_icon

OK_SECONDS = 15  # good news fades; problems stay until dismissed
STRIP_HEIGHT = 40  # px, fixed: the page above never changes size
Action = tuple[str, Callable[[], object]]  # (button text, what it does)


class StripNotice(QFrame):
    """One notice as a line of the strip: icon, title — first line, its action buttons, Details, ✕."""

    dismissed = Signal(object)

    def __init__(self, title: str, text: str, kind: str = "info", details: str = "",
                 actions: Sequence[Action] = (), parent=None):
        super().__init__(parent)
        self.kind, self.title, self.message, self.details = kind, title, text, details
        self.setObjectName({"error": "noticeError", "ok": "noticeOk"}.get(kind, "notice"))
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 4, 2)
        icon = QLabel(self)
        icon.setPixmap(status_icon({"error": "fail", "ok": "ok", "warn": "warn"}.get(kind, "wait"), 20).pixmap(20, 20))
        row.addWidget(icon)
        self.label = QLabel(self)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setToolTip(f"{title}\n{text}")
        row.addWidget(self.label, 1)
        self.action_buttons: list[QPushButton] = []
        for text_, slot in actions:
            b = QPushButton(text_, self)
            b.clicked.connect(lambda _c=False, s=slot: (s(), self.dismissed.emit(self)))
            row.addWidget(b)
            self.action_buttons.append(b)
        self.details_button = QPushButton("Details…", self)
        self.details_button.setVisible(bool(details) or "\n" in text)
        self.details_button.clicked.connect(self.show_details)
        row.addWidget(self.details_button)
        close = QToolButton(self)
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.clicked.connect(lambda: self.dismissed.emit(self))
        row.addWidget(close)
        self.details_view = QPlainTextEdit(self._details_text(), None)  # shown in the Details dialog
        self.details_view.setReadOnly(True)
        self.dialog: QDialog | None = None

    def action(self, text: str) -> QPushButton | None:
        return next((b for b in self.action_buttons if b.text() == text), None)

    def _details_text(self) -> str:
        return "\n\n".join(p for p in (self.message, self.details) if p)

    def resizeEvent(self, e) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(e)
        self._elide()

    def _elide(self) -> None:
        first = self.message.splitlines()[0] if self.message else ""
        plain = f"{self.title} — {first}" if first else self.title
        fm = QFontMetrics(self.label.font())
        shown = fm.elidedText(plain, Qt.TextElideMode.ElideRight, max(40, self.label.width()))
        if shown.startswith(self.title):
            shown = f"<b>{_esc(self.title)}</b>{_esc(shown[len(self.title):])}"
        else:
            shown = _esc(shown)
        self.label.setText(shown)

    def show_details(self) -> None:
        """The notice in full, in words, with the log file's path (the traceback stays in the log)."""
        if self.dialog is None:
            self.dialog = QDialog(self.window())
            self.dialog.setWindowTitle(self.title)
            self.dialog.resize(640, 360)
            lay = QVBoxLayout(self.dialog)
            self.details_view.setParent(self.dialog)
            lay.addWidget(self.details_view)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self.dialog)
            buttons.rejected.connect(self.dialog.close)
            lay.addWidget(buttons)
        self.dialog.show()
        self.dialog.raise_()

    def close_dialog(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        else:
            self.details_view.deleteLater()


class NoticeStrip(QFrame):
    """The newest notice in a fixed-height line under the pages; ``notices`` holds them all, newest first (at
    most ``keep``, of which at most ``keep_good`` ok/info ones, so problems keep their place)."""

    def __init__(self, parent: QWidget | None = None, keep: int = 10, keep_good: int = 1):
        super().__init__(parent)
        self.keep, self.keep_good = keep, keep_good
        self.setObjectName("noticeStrip")
        self.setFixedHeight(STRIP_HEIGHT)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        holder = QWidget(self)
        self.stack = QStackedLayout(holder)
        self.empty = QLabel("No notices. Problems and finished cards are told here.", holder)
        self.empty.setObjectName("hint")
        self.stack.addWidget(self.empty)
        row.addWidget(holder, 1)
        self.more = QToolButton(self)
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setToolTip("The other notices")
        self.more_menu = QMenu(self.more)
        self.more.setMenu(self.more_menu)
        self.more_menu.aboutToShow.connect(self._fill_menu)
        row.addWidget(self.more)
        self.notices: list[StripNotice] = []
        self._show_current()

    def add(self, title: str, text: str, kind: str = "info", details: str = "",
            actions: Sequence[Action] = ()) -> StripNotice:
        n = StripNotice(title, text, kind, details, actions, self)
        n.dismissed.connect(self.remove)
        if kind in ("ok", "info"):
            QTimer.singleShot(OK_SECONDS * 1000, n, lambda n=n: self.remove(n))
        self.notices.insert(0, n)
        self.stack.addWidget(n)
        good = [x for x in self.notices if x.kind in ("ok", "info")]
        for old in good[self.keep_good:]:
            self.remove(old)
        while len(self.notices) > self.keep:
            self.remove(self.notices[-1])
        self._show_current()
        return n

    def remove(self, notice: StripNotice) -> None:
        if notice in self.notices:
            self.notices.remove(notice)
            self.stack.removeWidget(notice)
            notice.close_dialog()
            notice.setParent(None)
            notice.deleteLater()
            self._show_current()

    def bring_to_front(self, notice: StripNotice) -> None:
        if notice in self.notices:
            self.notices.remove(notice)
            self.notices.insert(0, notice)
            self._show_current()

    @property
    def current(self) -> StripNotice | None:
        return self.notices[0] if self.notices else None

    def _show_current(self) -> None:
        cur = self.current
        self.stack.setCurrentWidget(cur if cur is not None else self.empty)
        if cur is not None:
            cur._elide()
        others = len(self.notices) - 1
        self.more.setVisible(others > 0)
        self.more.setText(f"{others} more")

    def _fill_menu(self) -> None:
        self.more_menu.clear()
        for n in self.notices[1:]:
            icon = status_icon({"error": "fail", "ok": "ok", "warn": "warn"}.get(n.kind, "wait"), 16)
            a = self.more_menu.addAction(icon, n.title)
            a.triggered.connect(lambda _c=False, n=n: self.bring_to_front(n))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
