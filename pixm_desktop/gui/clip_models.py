"""Clip models for the Clips browser and the Logger: a lazily paged table model over ``services.clips`` and an
off-thread thumbnail cache.

:class:`ClipListModel` knows the number of clips matching its :class:`ClipFilter` (one ``count_clips``) and
asks the catalog for 200-row pages only when a view asks ``data()`` for a row of a page it does not hold, so
10,000 clips cost the GUI thread what is on screen. Filtering and sorting are SQL (``ClipFilter``), never a
proxy model. Every catalog read and write runs on the runner's ``catalog`` lane.

:class:`ThumbnailCache` decodes the 480 px JPEGs on the ``io`` lane (``QImageReader`` with a scaled size, a
``QImage`` in the worker), turns them into ``QPixmap`` on the GUI thread and keeps the most recent ones (LRU).
It loads only what views ask for (what is painted); requests for items scrolled away are dropped.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QIcon,
    QImage,
    QImageReader,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QUndoCommand,
    QUndoStack,
)

from pixm_desktop.core.states import ClipKind, LoggedFrom, ProbeStatus, SlateSource
from pixm_desktop.core.timecode import fps_label, frames_to_tc
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.runner import JobRunner
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import state_kind
from pixm_desktop.services import clips as clips_service
from pixm_desktop.services.clips import ClipFilter, ClipRow

PAGE = 200  # rows per catalog read
KEEP_PAGES = 40  # pages held (8,000 rows); the farthest from the last asked one is dropped first
ROW_ROLE = Qt.ItemDataRole.UserRole + 20  # the ClipRow (None while its page loads)
ID_ROLE = Qt.ItemDataRole.UserRole + 21
THUMB_ROLE = Qt.ItemDataRole.UserRole + 22  # QPixmap of the grid thumbnail (scrub position), or None
SOUND_ROLE = Qt.ItemDataRole.UserRole + 23  # True where a scene/take value came from a sound file
GRID_THUMB = QSize(224, 126)  # px: the grid's picture at the narrowest tile (16:9); the grid sets the size it paints

STATUS_WORD = {ProbeStatus.OK: "probed", ProbeStatus.PARTIAL: "partial", ProbeStatus.NO_DECODER: "no decoder",
               ProbeStatus.FAILED: "unreadable", ProbeStatus.PENDING: "pending"}


# --- formatting ----------------------------------------------------------------------------------------------


def fps_text(row) -> str:
    """``24000/1001 (23.976)``; ``25`` for whole rates; ``—`` when unknown."""
    num, den = _get(row, "fps_num"), _get(row, "fps_den")
    if not num or not den:
        return "—"
    rate = Fraction(num, den)
    return fps_label(rate) if rate.denominator == 1 else f"{num}/{den} ({fps_label(rate)})"


def duration_text(row) -> str:
    """``240 fr · 00:00:10:00`` (non-drop timecode count at the nominal rate); ``—`` when unknown."""
    frames, num, den = _get(row, "frames"), _get(row, "fps_num"), _get(row, "fps_den")
    if frames is None:
        return "—"
    if not num or not den:
        return f"{frames} fr"
    return f"{frames} fr · {frames_to_tc(int(frames), Fraction(num, den), wrap=False)}"


def is_from_sound(logged_from: str | None) -> bool:
    """Scene/take came from a sound file: pre-filled from an overlapping take (``sound:<file>``) or the
    recorder's own iXML slate (``ixml``)."""
    value = LoggedFrom.parse(logged_from)
    return value is not None and value.from_sound


def slate_source(logged_from: str | None) -> str:
    """Words for where scene/take came from: ``sound 12A_1.WAV``, ``sound (iXML)``, ``typed``, or ``""``."""
    value = LoggedFrom.parse(logged_from)
    if value is None:
        return logged_from or ""  # a value PIXM never writes is shown as stored
    return {SlateSource.IXML: "sound (iXML)", SlateSource.SOUND: f"sound {value.file}",
            SlateSource.MANUAL: "typed"}[value.source]


#: raw formats this build reads no picture from: (name, what makes pictures instead)
RAW_NAMES = {
    "r3d": ("RED raw", "the camera proxy or the RED tools make pictures"),
    "braw": ("Blackmagic RAW", "the camera proxy or Blackmagic's tools make pictures"),
    "ari": ("ARRIRAW", "the camera proxy or ARRI's tools make pictures"),
    "arx": ("ARRIRAW", "the camera proxy or ARRI's tools make pictures"),
    "crm": ("Canon Cinema RAW Light", "the camera proxy or Canon's tools make pictures"),
}


def no_picture_text(clip) -> str:
    """Why a clip has no picture, in plain words from its probe status and reason: ``RED raw: no decoder in
    this build — the camera proxy or the RED tools make pictures``; ``unreadable: <reason>``…"""
    status = _get(clip, "probe_status")
    if _get(clip, "kind") == ClipKind.AUDIO:
        return "♪ sound"
    if status == ProbeStatus.NO_DECODER:
        fmt = (_get(clip, "codec") or "").lower() or _get(clip, "name").rsplit(".", 1)[-1].lower()
        name, remedy = RAW_NAMES.get(fmt, (fmt.upper() or "this format", "a camera proxy makes pictures"))
        return f"{name}: no decoder in this build — {remedy}"
    if status == ProbeStatus.FAILED:
        return "unreadable: " + (_get(clip, "probe_error") or "the file cannot be read")
    if status == ProbeStatus.PENDING:
        return "not read yet — its card's clips are being catalogued"
    return "no picture: the thumbnails could not be made"


def stars(rating: int) -> str:
    return "★" * rating + "☆" * (5 - rating) if rating else ""


def _get(row, key):
    return row.get(key) if isinstance(row, dict) else getattr(row, key)


def sound_icon(size: int = 16) -> QIcon:
    """A small speaker with two sound waves: marks values that came from a sound file (shape, not colour)."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#79c0ff"))
    body = QPainterPath(QPointF(s * 0.08, s * 0.38))
    for x, y in ((0.28, 0.38), (0.52, 0.16), (0.52, 0.84), (0.28, 0.62), (0.08, 0.62)):
        body.lineTo(QPointF(s * x, s * y))
    p.drawPath(body)
    pen = QPen(QColor("#79c0ff"), max(1.0, s * 0.09))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    for r in (0.16, 0.3):
        p.drawArc(QRectF(s * (0.56 - r), s * (0.5 - r), s * 2 * r, s * 2 * r), -50 * 16, 100 * 16)
    p.end()
    return QIcon(pm)


# --- columns ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One table column: ``key`` is what the header shows and what ``ClipFilter.order`` sorts by (``order``,
    ``None``: not sortable); ``text`` makes the cell's words; ``field`` is the logger field an edit writes."""

    title: str
    text: Callable[[ClipRow], str]
    order: str | None = None
    field: str | None = None
    tip: str = ""


def _tc(v: str | None) -> str:
    return v or "—"


COLUMNS = {
    "name": Column("Clip", lambda r: r.name, "name"),
    "card": Column("Card", lambda r: r.card_label, "card"),
    "day": Column("Day", lambda r: r.day or "", "day"),
    "reel": Column("Reel", lambda r: r.reel or "", "reel"),
    "tape": Column("Tape name", lambda r: r.tape_name or "", "tape_name"),
    "start": Column("Start TC", lambda r: _tc(r.start_tc), "start"),
    "end": Column("End TC", lambda r: _tc(r.end_tc)),
    "duration": Column("Duration", duration_text, "frames"),
    "fps": Column("FPS", fps_text),
    "codec": Column("Codec", lambda r: r.codec or "—", "codec"),
    "resolution": Column("Resolution", lambda r: f"{r.width}×{r.height}" if r.width else "—"),
    "scene": Column("Scene", lambda r: r.scene or "", "scene", "scene",
                    "Scene (type, Tab to take). Italic with ♪: pre-filled from a sound take; typing overrides it"),
    "take": Column("Take", lambda r: r.take or "", "take", "take", "Take (type, Enter moves down)"),
    "camera": Column("Cam", lambda r: r.camera or "", "camera", "camera", "Camera letter"),
    "circled": Column("Circle", lambda r: "◯ circled" if r.circled else "", "circled", "circled",
                      "Circle take: Space in this column, or Ctrl+Shift+C"),
    "rating": Column("Rating", lambda r: stars(r.rating), "rating", "rating",
                     "Rating: type 0–5 in this column, or Alt+0…Alt+5"),
    "flagged": Column("Flag", lambda r: "⚑ flagged" if r.flagged else "", "flagged", "flagged",
                      "Flag: Space in this column, or Ctrl+Shift+F"),
    "notes": Column("Notes", lambda r: r.notes or "", None, "notes", "Notes (type, Enter)"),
    "slate": Column("Slate from", lambda r: slate_source(r.logged_from), None, None,
                    "Where scene/take came from: a sound file whose timecode overlaps the clip, or typed"),
    "status": Column("Probe", lambda r: STATUS_WORD.get(r.probe_status, r.probe_status), "status"),
}
BOOL_FIELDS = ("circled", "flagged")


# --- the paged model ------------------------------------------------------------------------------------------


def _first_page(catalog, f: ClipFilter) -> tuple[int, list[ClipRow]]:
    """Worker: the total matching ``f`` and its first page."""
    return (clips_service.count_clips(catalog, f),
            clips_service.list_clips(catalog, dataclasses.replace(f, offset=0, limit=PAGE)))


def _pages(catalog, f: ClipFilter, pages: list[int]) -> tuple[int, dict[int, list[ClipRow]]]:
    """Worker: the total and the given pages (a reload after an edit keeps what the views show)."""
    return (clips_service.count_clips(catalog, f),
            {p: clips_service.list_clips(catalog, dataclasses.replace(f, offset=p * PAGE, limit=PAGE))
             for p in pages})


class ClipListModel(QAbstractTableModel):
    """Clips matching a filter, ``columns`` (keys of :data:`COLUMNS`) wide; rows load page by page.

    ``loaded`` fires after a filter's first page arrived (the views show real rows), ``reloaded`` after an
    in-place reload, ``failed(str, str)`` with a catalog error (headline, details). ``edit_requested`` carries
    ``(clip ids, {field: value})`` from an edited cell; the page writes it.
    """

    loaded = Signal()
    reloaded = Signal()
    failed = Signal(str, str)
    edit_requested = Signal(list, dict)

    def __init__(self, catalog, runner: JobRunner, thumbs: ThumbnailCache | None, columns: tuple[str, ...],
                 parent: QObject | None = None, *, editable: bool = False):
        super().__init__(parent)
        self.catalog, self.runner, self.thumbs = catalog, runner, thumbs
        self.columns = columns
        self.editable = editable
        self.filter = ClipFilter()
        self.total = 0
        self.pages: OrderedDict[int, list[ClipRow]] = OrderedDict()
        self._asked: set[int] = set()
        self._gen = 0  # bumped by every new filter: late pages of an old filter are dropped
        self._task = None
        self.scrub: tuple[int, int] | None = None  # (row, thumbnail index) under the mouse in the grid
        self.writes_pending = 0  # log writes on their way to the catalog (see LogWriter)
        self.grid_thumb = GRID_THUMB  # the size the grid paints pictures at: decoded at it, never scaled in paint
        self._thumb_rows: dict[str, set[int]] = {}
        if thumbs is not None:
            thumbs.ready.connect(self._thumb_ready)

    # -- loading ----------------------------------------------------------------------------------------
    def set_filter(self, f: ClipFilter) -> None:
        """Show the clips matching ``f`` (its offset/limit are ignored): a count and the first page."""
        self.filter = dataclasses.replace(f, offset=0, limit=None)
        self._gen += 1
        gen = self._gen
        if self._task is not None:
            self._task.discard()
        self._task = self._submit(_first_page, self.filter, name="clips: first page",
                                  on_done=lambda r: self._first(gen, r))

    def reload(self) -> None:
        """Read the count and every held page again (after an edit or an ingest); the views keep their
        scroll position and selection when the count is unchanged."""
        gen = self._gen
        self._submit(_pages, self.filter, sorted(self.pages) or [0], name="clips: reload",
                     on_done=lambda r: self._reloaded(gen, r))

    def _submit(self, fn, *args, name: str, on_done):
        return self.runner.submit(fn, self.catalog, *args, lane="catalog", name=name, on_done=on_done,
                                  on_error=self._error)

    def _error(self, exc: BaseException) -> None:
        e = explain(exc)
        self.failed.emit(e.text(), e.details)

    def _first(self, gen: int, result: tuple[int, list[ClipRow]]) -> None:
        if gen != self._gen:
            return
        total, rows = result
        self.beginResetModel()
        self.total, self.pages, self._asked, self.scrub = total, OrderedDict({0: rows}), set(), None
        self._thumb_rows.clear()
        self.endResetModel()
        self.loaded.emit()

    def _reloaded(self, gen: int, result: tuple[int, dict[int, list[ClipRow]]]) -> None:
        if gen != self._gen or self.writes_pending:  # read before a queued write: that write reloads again
            return
        total, pages = result
        if total != self.total:
            self.beginResetModel()
            self.total, self.pages, self._asked = total, OrderedDict(pages), set()
            self.endResetModel()
        else:
            self.pages.update(pages)
            if self.total:
                self.dataChanged.emit(self.index(0, 0), self.index(self.total - 1, len(self.columns) - 1))
        self.reloaded.emit()

    def _want(self, page: int) -> None:
        if page in self._asked:
            return
        self._asked.add(page)
        gen = self._gen
        f = dataclasses.replace(self.filter, offset=page * PAGE, limit=PAGE)
        self._submit(clips_service.list_clips, f, name=f"clips: page {page}",
                     on_done=lambda rows: self._page(gen, page, rows))

    def _page(self, gen: int, page: int, rows: list[ClipRow]) -> None:
        self._asked.discard(page)
        if gen != self._gen:
            return
        self.pages[page] = rows
        while len(self.pages) > KEEP_PAGES:  # drop the page farthest from this one
            far = max(self.pages, key=lambda p: abs(p - page))
            del self.pages[far]
        first, last = page * PAGE, min(self.total, page * PAGE + len(rows)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    # -- rows ----------------------------------------------------------------------------------------------
    def row(self, r: int) -> ClipRow | None:
        """The clip on row ``r`` if its page is held, else ``None`` (and the page is asked for)."""
        if not 0 <= r < self.total:
            return None
        page = self.pages.get(r // PAGE)
        if page is None:
            self._want(r // PAGE)
            return None
        i = r % PAGE
        return page[i] if i < len(page) else None

    def row_of(self, clip_id: int) -> int:
        """The row of a held clip, or -1."""
        for p, rows in self.pages.items():
            for i, c in enumerate(rows):
                if c.id == clip_id:
                    return p * PAGE + i
        return -1

    def resolve_ids(self, rows: list[int], then: Callable[[list[int]], None]) -> None:
        """Call ``then(clip ids)`` for ``rows`` (selected rows): at once when their pages are held, else after
        reading the missing pages (a Ctrl+A over 10,000 clips holds only what was on screen)."""
        held = {r: c.id for r in rows if (c := self._held(r)) is not None}
        if len(held) == len(rows):
            then([held[r] for r in rows])
            return
        missing = sorted({r // PAGE for r in rows if r not in held})
        gen = self._gen

        def got(result: tuple[int, dict[int, list[ClipRow]]]) -> None:
            if gen != self._gen:
                return
            pages = result[1]
            ids = [held.get(r) or _at(pages, r) for r in rows]
            then([i for i in ids if i is not None])

        self._submit(_pages, self.filter, missing, name="clips: selection", on_done=got)

    def _held(self, r: int) -> ClipRow | None:
        page = self.pages.get(r // PAGE)
        return page[r % PAGE] if page is not None and r % PAGE < len(page) else None

    def loaded_rows(self) -> list[ClipRow]:
        return [c for _p, rows in sorted(self.pages.items()) for c in rows]

    def patch(self, ids: list[int], values: dict) -> None:
        """Change held rows at once (an edit the catalog is writing): keyboard entry must not wait for it."""
        ids_set = set(ids)
        typed = {"scene", "take"} & set(values) and "logged_from" not in values
        extra = {"logged_from": clips_service.MANUAL} if typed else {}
        for p, rows in self.pages.items():
            for i, c in enumerate(rows):
                if c.id in ids_set:
                    rows[i] = dataclasses.replace(c, **values, **extra)
                    r = p * PAGE + i
                    self.dataChanged.emit(self.index(r, 0), self.index(r, len(self.columns) - 1))

    # -- Qt model API -------------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = COLUMNS[self.columns[section]]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tip or None
        return None

    def flags(self, index):
        f = super().flags(index)
        field = COLUMNS[self.columns[index.column()]].field if index.isValid() else None
        if self.editable and field is not None and field not in (*BOOL_FIELDS, "rating"):
            f |= Qt.ItemFlag.ItemIsEditable  # circle, rating and flag are set by keys, without an editor
        return f

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        c = self.row(index.row())
        key = self.columns[index.column()]
        if c is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[key].text(c)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_value(c, key)
        if role == ROW_ROLE:
            return c
        if role == ID_ROLE:
            return c.id
        if role == THUMB_ROLE:
            return self._thumb(index.row(), c)
        return self._decorate(c, key, role)

    def _edit_value(self, c: ClipRow, key: str):
        field = COLUMNS[key].field
        if field is None:
            return COLUMNS[key].text(c)
        value = getattr(c, field)
        return value if field in BOOL_FIELDS or field == "rating" else (value or "")

    def _decorate(self, c: ClipRow, key: str, role):
        sound = key in ("scene", "take", "slate") and is_from_sound(c.logged_from) and (key == "slate"
                                                                                        or getattr(c, key))
        if role == SOUND_ROLE:
            return sound
        if role == Qt.ItemDataRole.FontRole and sound and key != "slate":
            f = QFont()
            f.setItalic(True)
            return f
        if role == Qt.ItemDataRole.DecorationRole:
            if sound:
                return sound_icon()
            if key == "status":
                return status_icon(state_kind(c.probe_status))
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if sound:
                return f"from sound: {slate_source(c.logged_from)[6:]} — the take whose timecode overlaps this " \
                       "clip; typing a value replaces it"
            if key == "status" and c.probe_error:
                return c.probe_error
            if key in ("name", "notes"):
                return COLUMNS[key].text(c) or None
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        c = self.row(index.row())
        field = COLUMNS[self.columns[index.column()]].field
        if c is None or field is None:
            return False
        if field in BOOL_FIELDS:
            value = bool(value)
        elif field == "rating":
            value = max(0, min(5, int(value or 0)))
        else:
            value = (str(value).strip() or None) if value is not None else None
            if field == "camera" and value:
                value = value.upper()
        if getattr(c, field) == value:
            return False
        self.patch([c.id], {field: value})
        self.edit_requested.emit([c.id], {field: value})
        return True

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL (``ClipFilter.order``); a column without an order key (or -1) is the default order."""
        key = COLUMNS[self.columns[column]].order if 0 <= column < len(self.columns) else None
        desc = key is not None and order == Qt.SortOrder.DescendingOrder
        if (key, desc) != (self.filter.order, self.filter.descending):
            self.set_filter(dataclasses.replace(self.filter, order=key, descending=desc))

    # -- thumbnails ---------------------------------------------------------------------------------------
    def _thumb(self, r: int, c: ClipRow) -> QPixmap | None:
        if self.thumbs is None or not c.thumbnails:
            return None
        k = 0
        if self.scrub is not None and self.scrub[0] == r:
            k = min(self.scrub[1], len(c.thumbnails) - 1)
        path = c.thumbnails[k]
        self._thumb_rows.setdefault(path, set()).add(r)
        return self.thumbs.get(path, self.grid_thumb)

    def set_grid_thumb(self, size: QSize) -> None:
        """The grid's tiles changed width: decode pictures at ``size`` from now on (the views repaint)."""
        if size == self.grid_thumb or size.isEmpty():
            return
        self.grid_thumb = QSize(size)
        self._thumb_rows.clear()
        if self.total:
            self.dataChanged.emit(self.index(0, 0), self.index(self.total - 1, 0), [THUMB_ROLE])

    def set_scrub(self, row: int | None, k: int = 0) -> None:
        """Show thumbnail ``k`` (0 first, 1 middle, 2 last) of ``row`` in the grid; ``None`` ends scrubbing."""
        new = None if row is None else (row, k)
        if new == self.scrub:
            return
        old, self.scrub = self.scrub, new
        for s in (old, new):
            if s is not None and s[0] < self.total:
                self.dataChanged.emit(self.index(s[0], 0), self.index(s[0], 0), [THUMB_ROLE])

    def _thumb_ready(self, path: str, size: QSize) -> None:
        if size != self.grid_thumb:
            return
        for r in self._thumb_rows.pop(path, ()):
            if r < self.total:
                self.dataChanged.emit(self.index(r, 0), self.index(r, 0), [THUMB_ROLE])


def _at(pages: dict[int, list[ClipRow]], r: int) -> int | None:
    page = pages.get(r // PAGE) or []
    return page[r % PAGE].id if r % PAGE < len(page) else None


class LogWriter(QObject):
    """Writes logger fields for a page, each write one step of :attr:`undo_stack` (a batch edit of many clips
    is one step). The model shows the new values at once (``patch``), the catalog lane writes them in order
    (reading the values it replaces first, for the undo), and when the last queued write is done the model
    reloads and ``written(n)`` and the ``changed`` callback (the window's ``clips_changed``) fire. Undo and
    redo write the catalog through ``services.clips`` too, never only the view."""

    written = Signal(int)
    failed = Signal(str, str)

    def __init__(self, catalog, runner: JobRunner, model: ClipListModel, changed: Callable[[], None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.catalog, self.runner, self.model, self.changed = catalog, runner, model, changed
        self.undo_stack = QUndoStack(self)

    def write(self, ids: list[int], values: dict) -> None:
        if ids and values:
            self.undo_stack.push(LogEdit(self, list(ids), dict(values)))

    def submit(self, fn, *args, patch: dict[int, dict]) -> None:
        """Show ``patch`` (clip id → values) at once and run ``fn(catalog, *args)`` on the catalog lane."""
        for clip_id, values in patch.items():
            self.model.patch([clip_id], values)
        self.model.writes_pending += 1
        self.runner.submit(fn, self.catalog, *args, lane="catalog", name=f"log {len(patch)} clips",
                           on_done=self._done, on_error=self._error)

    def _done(self, n: int) -> None:
        self.model.writes_pending -= 1
        if not self.model.writes_pending:
            self.model.reload()
        self.written.emit(n)
        self.changed()

    def _error(self, exc: BaseException) -> None:
        self.model.writes_pending -= 1
        e = explain(exc)
        self.failed.emit(e.text(), e.details)
        self.model.reload()  # show what the catalog holds


class LogEdit(QUndoCommand):
    """One log edit (``values`` on every clip of ``ids``) as an undo step. The catalog lane reads the values it
    replaces into :attr:`before` just before writing (the lane runs in order, so an undo queued at once still
    finds them) and undo puts them back with ``services.clips.restore_log``."""

    def __init__(self, writer: LogWriter, ids: list[int], values: dict):
        fields = ", ".join(values)
        super().__init__(f"log {fields} of {len(ids)} clip{'s' if len(ids) != 1 else ''}")
        self.writer, self.ids, self.values = writer, ids, values
        self.before: dict[int, dict] = {}

    def redo(self) -> None:
        self.writer.submit(_update_log, self.ids, self.values, self.before,
                           patch={i: self.values for i in self.ids})

    def undo(self) -> None:
        self.writer.submit(_restore_log, self.before, patch=dict(self.before))


def _update_log(catalog, ids: list[int], values: dict, before: dict[int, dict]) -> int:
    """Worker: keep the values ``values`` replaces in ``before`` (first write only), then
    ``services.clips.update_log``."""
    if not before:
        before.update(clips_service.log_values(catalog, ids, values))
    return clips_service.update_log(catalog, ids, **values)


def _restore_log(catalog, before: dict[int, dict]) -> int:
    """Worker: ``services.clips.restore_log``."""
    return clips_service.restore_log(catalog, before)


# --- thumbnails -------------------------------------------------------------------------------------------------


def load_image(path: str, size: QSize) -> QImage:
    """Worker: decode a JPEG scaled to fit ``size`` (the JPEG decoder scales while it decodes). Raises
    ``OSError`` when the file cannot be read."""
    reader = QImageReader(path)
    full = reader.size()
    if full.isValid():
        reader.setScaledSize(full.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    img = reader.read()
    if img.isNull():
        raise OSError(f"{path}: {reader.errorString()}")
    return img


class ThumbnailCache(QObject):
    """Pixmaps of thumbnail files by (path, size), the ``capacity`` most recent kept.

    ``get`` returns the pixmap or ``None`` and queues a load; at most ``parallel`` loads run at once and
    only the ``backlog`` newest requests wait (a view scrolled past its items does not leave a queue of
    work behind). ``ready(path, size)`` fires when a pixmap arrived; a file that cannot be read is
    remembered in ``broken`` and not tried again.
    """

    ready = Signal(str, QSize)

    def __init__(self, runner: JobRunner, parent: QObject | None = None, *, capacity: int = 600,
                 parallel: int = 3, backlog: int = 96):
        super().__init__(parent)
        self.runner = runner
        self.capacity, self.parallel, self.backlog = capacity, parallel, backlog
        self.pixmaps: OrderedDict[tuple[str, tuple[int, int]], QPixmap] = OrderedDict()
        self.waiting: OrderedDict[tuple[str, tuple[int, int]], None] = OrderedDict()
        self.running: set[tuple[str, tuple[int, int]]] = set()
        self.broken: set[str] = set()
        self.loads = 0  # finished decodes (the benchmark and tests read it)

    def get(self, path: str, size: QSize) -> QPixmap | None:
        key = (path, (size.width(), size.height()))
        pm = self.pixmaps.get(key)
        if pm is not None:
            self.pixmaps.move_to_end(key)
            return pm
        if path not in self.broken and key not in self.running:
            self.waiting[key] = None
            self.waiting.move_to_end(key)  # newest first out: what is on screen now
            while len(self.waiting) > self.backlog:
                self.waiting.popitem(last=False)
            self._pump()
        return None

    def _pump(self) -> None:
        while self.waiting and len(self.running) < self.parallel:
            key, _ = self.waiting.popitem(last=True)
            self.running.add(key)
            self.runner.submit(load_image, key[0], QSize(*key[1]), lane="io", name="thumbnail",
                               on_done=lambda img, key=key: self._done(key, img),
                               on_error=lambda _e, key=key: self._done(key, None))

    def _done(self, key, img: QImage | None) -> None:
        self.running.discard(key)
        self.loads += 1
        if img is None:
            self.broken.add(key[0])
        else:
            self.pixmaps[key] = QPixmap.fromImage(img)
            while len(self.pixmaps) > self.capacity:
                self.pixmaps.popitem(last=False)
            self.ready.emit(key[0], QSize(*key[1]))
        self._pump()

    def busy(self) -> bool:
        return bool(self.waiting or self.running)
