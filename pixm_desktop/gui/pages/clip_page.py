"""What the Clips and Logger pages share: reload when shown after a change, a clip count, catalog errors as
notices, and telling the other pages about their own log edits without reloading themselves."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState


class ClipListPage(QWidget):
    """Base of the pages that list clips. Subclasses set ``self.count`` (a QLabel), implement ``refresh()``
    and pass ``self._announce`` to their ``LogWriter``; ``title`` names the page in notices."""

    notice = Signal(str, str, str, str)  # title, text, kind, details

    def __init__(self, state: AppState, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.title_text = title
        self.count: QLabel | None = None
        self._dirty = True  # reload when next shown
        self._own_write = False
        state.clips_changed.connect(self._clips_changed)
        state.catalog_changed.connect(self._clips_changed)

    def refresh(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the page's delay timers (at shutdown): a filter typed a moment ago is not applied any more."""
        self.filters.debounce.stop()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _counted(self) -> None:
        n = self.model.total
        self.count.setText(f"{n:,} clip{'s' if n != 1 else ''}")

    def _clips_changed(self) -> None:
        if self._own_write:
            return
        if self.isVisible():
            self.refresh()
        else:
            self._dirty = True

    def _catalog_error(self, exc: BaseException) -> None:
        e = explain(exc)
        self.notice.emit(self.title_text, e.text(), "error", e.details)

    def _announce(self) -> None:
        self._own_write = True  # the other pages reload; this one already shows the edit
        try:
            self.state.clips_changed.emit()
        finally:
            self._own_write = False
