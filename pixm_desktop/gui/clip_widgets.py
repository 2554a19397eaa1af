"""Widgets the Clips browser and the Logger share: the filter bar, the batch-edit box, the grid delegate and
the detail panel with thumbnail scrubbing."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyledItemDelegate,
    QToolTip,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.states import ClipKind, ProbeStatus
from pixm_desktop.core.timecode import fps_label, frames_to_tc
from pixm_desktop.gui.clip_models import (
    ROW_ROLE,
    STATUS_WORD,
    THUMB_ROLE,
    ThumbnailCache,
    duration_text,
    fps_text,
    is_from_sound,
    no_picture_text,
    slate_source,
    sound_icon,
    stars,
)
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import fmt_bytes, state_kind
from pixm_desktop.services.clips import ClipFacets, ClipFilter

DEBOUNCE_MS = 200
POSITIONS = ("first frame", "middle frame", "last frame")


# --- filters ---------------------------------------------------------------------------------------------------


class FilterBar(QWidget):
    """Day, camera, reel, scene, take, circled only, minimum rating and free text. ``changed`` fires
    ``DEBOUNCE_MS`` after the last edit (typing a name does not query the catalog per key)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)  # two rows: a narrow window still fits every filter
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        lay = QHBoxLayout()
        combos = QHBoxLayout()
        outer.addLayout(lay)
        outer.addLayout(combos)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText("Search clip, tape name, scene, notes…")
        self.text.setClearButtonEnabled(True)
        self.text.setToolTip("Free text: part of the clip name, tape name, scene or notes")
        self.text.setMinimumWidth(140)
        lay.addWidget(self.text, 2)
        self.combos: dict[str, QComboBox] = {}
        for key, everything in (("day", "All days"), ("camera", "All cameras"), ("reel", "All reels"),
                                ("scene", "All scenes"), ("take", "All takes")):
            box = QComboBox(self)
            box.setObjectName(f"filter_{key}")
            box.addItem(everything, None)
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(7)  # a narrow window still fits the bar
            box.setToolTip(f"Only clips of this {key}")
            box.currentIndexChanged.connect(self._edited)
            self.combos[key] = box
            combos.addWidget(box, 1)
        self.circled = QCheckBox("◯ Circled only", self)
        self.circled.setToolTip("Only circle takes")
        lay.addWidget(self.circled)
        self.rating = QComboBox(self)
        self.rating.setObjectName("filter_rating")
        self.rating.addItem("Any rating", 0)
        for n in range(1, 6):
            self.rating.addItem(f"{'★' * n} or more", n)
        self.rating.setToolTip("Minimum rating")
        lay.addWidget(self.rating)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setToolTip("Show every clip")
        self.clear_button.clicked.connect(self.clear)
        lay.addWidget(self.clear_button)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.changed)
        self.text.textChanged.connect(self._edited)
        self.circled.toggled.connect(self._edited)
        self.rating.currentIndexChanged.connect(self._edited)

    def _edited(self, *_args) -> None:
        self.debounce.start()

    def set_facets(self, facets: ClipFacets) -> None:
        """Fill the combos with the catalog's values; the chosen ones stay chosen (a vanished one is kept)."""
        for key, values in (("day", facets.days), ("camera", facets.cameras), ("reel", facets.reels),
                            ("scene", facets.scenes), ("take", facets.takes)):
            box = self.combos[key]
            current = box.currentData()
            if current is not None and current not in values:
                values = [*values, current]
            if [box.itemData(i) for i in range(1, box.count())] == values:
                continue
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for v in values:
                box.addItem(v, v)
            box.setCurrentIndex(max(0, box.findData(current)) if current is not None else 0)
            box.blockSignals(False)

    def choose(self, key: str, value: str | None) -> None:
        """Select ``value`` in the ``key`` combo (``None``: all)."""
        box = self.combos[key]
        box.setCurrentIndex(0 if value is None else box.findData(value))

    def filter(self, base: ClipFilter | None = None) -> ClipFilter:
        """The conditions as a :class:`ClipFilter` (order kept from ``base``)."""
        v = {k: b.currentData() for k, b in self.combos.items()}
        return ClipFilter(day=dt.date.fromisoformat(v["day"]) if v["day"] else None, camera=v["camera"],
                          reel=v["reel"], scene=v["scene"], take=v["take"],
                          circled=True if self.circled.isChecked() else None,
                          min_rating=self.rating.currentData() or None, text=self.text.text().strip() or None,
                          order=base.order if base else None, descending=base.descending if base else False)

    def active(self) -> bool:
        """Whether any condition is set (an empty list then means "no match", not "no clip")."""
        return bool(any(b.currentIndex() > 0 for b in self.combos.values()) or self.rating.currentIndex() > 0
                    or self.circled.isChecked() or self.text.text().strip())

    def clear(self) -> None:
        for w in (*self.combos.values(), self.rating, self.circled, self.text):
            w.blockSignals(True)
        for b in self.combos.values():
            b.setCurrentIndex(0)
        self.rating.setCurrentIndex(0)
        self.circled.setChecked(False)
        self.text.clear()
        for w in (*self.combos.values(), self.rating, self.circled, self.text):
            w.blockSignals(False)
        self.debounce.start()


class EmptyState(QWidget):
    """What a clip list says when it has nothing to show, and the one thing to do about it."""

    NO_CLIPS = "No clips yet", "Offload a card: its clips appear here once it is verified and catalogued."
    NO_MATCH = "No clip matches", "No clip matches these filters — clear the filters to see every clip."

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("emptyState")
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        self.title = QLabel("", self)
        self.title.setObjectName("emptyTitle")
        self.text = QLabel("", self)
        self.text.setObjectName("hint")
        self.text.setWordWrap(True)
        for w in (self.title, self.text):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        self.action = QPushButton("Clear the filters", self)
        lay.addWidget(self.action, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(2)
        self.show_state(filtered=False)

    def show_state(self, *, filtered: bool) -> None:
        title, text = self.NO_MATCH if filtered else self.NO_CLIPS
        self.title.setText(title)
        self.text.setText(text)
        self.action.setVisible(filtered)


# --- batch edit ------------------------------------------------------------------------------------------------


class BatchEditBox(QGroupBox):
    """Logger fields for every selected clip. Only ticked fields are written (typing in a field ticks it);
    a ticked empty text field clears that field. ``apply_requested(dict)`` carries ``{field: value}``."""

    apply_requested = Signal(dict)

    TEXT = (("scene", "Scene", 32), ("take", "Take", 16), ("camera", "Camera", 8), ("notes", "Notes", 2000))

    def __init__(self, parent: QWidget | None = None, *, wide: bool = False):
        """``wide``: three fields a row (under the Logger's table, where height is short); else one a row."""
        super().__init__("Log selected clips", parent)
        grid = QGridLayout(self)
        grid.setVerticalSpacing(4)
        self.use: dict[str, QCheckBox] = {}
        self.edits: dict[str, QLineEdit] = {}
        # (row, column pair) of each field
        at = ({"scene": (0, 0), "take": (0, 1), "camera": (0, 2), "notes": (1, 0), "circled": (2, 0),
               "rating": (2, 1), "flagged": (2, 2)} if wide else
              {k: (i, 0) for i, k in enumerate((*(t[0] for t in self.TEXT), "circled", "rating", "flagged"))})
        for key, title, length in self.TEXT:
            self.use[key] = QCheckBox(title, self)
            e = QLineEdit(self)
            e.setObjectName(f"batch_{key}")
            e.setMaxLength(length)
            e.setPlaceholderText("unchanged")
            e.textEdited.connect(lambda _t, k=key: self.use[k].setChecked(True))
            e.returnPressed.connect(self.apply)
            self.edits[key] = e
            row, pair = at[key]
            grid.addWidget(self.use[key], row, 2 * pair)
            grid.addWidget(e, row, 2 * pair + 1, 1, 5 if key == "notes" and wide else 1)
        self.choices: dict[str, QComboBox] = {}
        for key, title, items in (
                ("circled", "Circle", [("◯ circle", True), ("not circled", False)]),
                ("rating", "Rating", [(stars(n) or "no rating", n) for n in range(6)]),
                ("flagged", "Flag", [("⚑ flag", True), ("no flag", False)])):
            self.use[key] = QCheckBox(title, self)
            box = QComboBox(self)
            box.setObjectName(f"batch_{key}")
            for text, value in items:
                box.addItem(text, value)
            box.activated.connect(lambda _i, k=key: self.use[k].setChecked(True))
            self.choices[key] = box
            row, pair = at[key]
            grid.addWidget(self.use[key], row, 2 * pair)
            grid.addWidget(box, row, 2 * pair + 1)
        last = max(r for r, _p in at.values()) + 1
        self.count = QLabel("no clip selected", self)
        self.count.setObjectName("hint")
        grid.addWidget(self.count, last, 0, 1, 2)
        self.apply_button = QPushButton("Apply to selected", self)
        self.apply_button.setToolTip("Write the ticked fields to every selected clip (Enter in a field)")
        self.apply_button.clicked.connect(self.apply)
        if wide:
            grid.addWidget(self.apply_button, last, 2, 1, 4)
        else:  # its own row: the panel beside the grid is narrow
            grid.addWidget(self.apply_button, last + 1, 0, 1, 2)
        for c in (1, 3, 5) if wide else (1,):
            grid.setColumnStretch(c, 1)
        for cb in self.use.values():
            cb.toggled.connect(self._update)
        self.selected = 0
        self._update()

    def set_selected(self, n: int) -> None:
        self.selected = n
        self.count.setText(f"{n} clip{'s' if n != 1 else ''} selected" if n else "no clip selected")
        self._update()

    def values(self) -> dict:
        """``{field: value}`` of the ticked fields."""
        out: dict = {}
        for key, e in self.edits.items():
            if self.use[key].isChecked():
                out[key] = e.text().strip() or None
        for key, box in self.choices.items():
            if self.use[key].isChecked():
                out[key] = box.currentData()
        return out

    def _update(self, *_a) -> None:
        self.apply_button.setEnabled(self.selected > 0 and any(c.isChecked() for c in self.use.values()))

    def apply(self) -> None:
        values = self.values()
        if not values or not self.selected:
            return
        self.apply_requested.emit(values)
        self.reset()

    def reset(self) -> None:
        for key, e in self.edits.items():
            e.clear()
            self.use[key].setChecked(False)
        for key in self.choices:
            self.use[key].setChecked(False)


# --- the grid ---------------------------------------------------------------------------------------------------


MIN_TILE = 236  # px: the narrowest grid cell (the 224 px picture and its padding); wider ones share the width


class ClipGridDelegate(QStyledItemDelegate):
    """One grid cell: the thumbnail (or why there is none, in words), then three lines that never cut what
    matters: the clip name (elided in the middle), timecode in · duration · fps, and the slate with the
    logger's marks drawn whole at the right (◯ circled, ★ rating, ⚑ flag, ♪ from sound: shapes, not colours).
    The cell's width follows the view (:class:`ClipGrid`); the full text is the cell's tooltip."""

    PAD = 6
    LINES = 3

    def __init__(self, parent=None):
        super().__init__(parent)
        self.width = MIN_TILE

    def line_height(self, option) -> int:
        return option.fontMetrics.height() + 2

    def tile_size(self, width: int, line_h: int) -> QSize:
        pic_w = width - 2 * self.PAD
        return QSize(width, pic_w * 9 // 16 + self.LINES * line_h + 2 * self.PAD + 4)

    def sizeHint(self, option, index) -> QSize:  # noqa: N802 (Qt API)
        return self.tile_size(self.width, self.line_height(option))

    def paint(self, painter: QPainter, option, index) -> None:
        painter.save()
        r = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.fillRect(r.adjusted(2, 2, -2, -2), QColor("#1f6feb") if selected else QColor("#161b22"))
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(QColor("#e6edf3"), 1, Qt.PenStyle.DotLine))
            painter.drawRect(r.adjusted(2, 2, -3, -3))
        pic_w = r.width() - 2 * self.PAD
        pic = QRect(r.x() + self.PAD, r.y() + self.PAD, pic_w, pic_w * 9 // 16)
        clip = index.data(ROW_ROLE)
        self._picture(painter, pic, clip, index.data(THUMB_ROLE))
        lh = self.line_height(option)
        fm = painter.fontMetrics()
        line = QRect(pic.x(), pic.bottom() + 4, pic.width(), lh)
        painter.setPen(QColor("#ffffff" if selected else "#e6edf3"))
        name = clip.name if clip is not None else "…"
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(name, Qt.TextElideMode.ElideMiddle, line.width()))
        if clip is not None:
            painter.setPen(QColor("#ffffff" if selected else "#c9d1d9"))
            line.translate(0, lh)
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             fm.elidedText(tech_line(clip), Qt.TextElideMode.ElideRight, line.width()))
            line.translate(0, lh)
            marks = marks_text(clip)
            marks_w = fm.horizontalAdvance(marks) + (6 if marks else 0)
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, marks)
            left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(line.adjusted(0, 0, -marks_w, 0), left,
                             fm.elidedText(slate_line(clip), Qt.TextElideMode.ElideRight, line.width() - marks_w))
        painter.restore()

    def helpEvent(self, event, view, option, index) -> bool:  # noqa: N802 (Qt API)
        clip = index.data(ROW_ROLE)
        if event.type() == QEvent.Type.ToolTip and clip is not None:
            QToolTip.showText(event.globalPos(), tile_tooltip(clip), view)
            return True
        return super().helpEvent(event, view, option, index)

    def _picture(self, painter: QPainter, rect: QRect, clip, pixmap) -> None:
        painter.fillRect(rect, QColor("#0d1117"))
        if pixmap is not None and not pixmap.isNull():
            scaled = pixmap.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(rect.center())
            painter.drawPixmap(target, pixmap)
            return
        painter.setPen(QColor("#8b949e"))
        if clip is None:
            word = "loading…"
        elif clip.thumbnails:
            word = "loading picture…"
        else:
            word = no_picture_text(clip)
            if clip.kind != ClipKind.AUDIO:
                icon = status_icon(state_kind(clip.probe_status), 20)
                icon.paint(painter, QRect(rect.x() + 6, rect.y() + 6, 20, 20))
        painter.drawText(rect.adjusted(12, 28, -12, -6),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, word)


class ClipGrid(QListView):
    """The thumbnail grid: as many columns as the viewport's width holds at :data:`MIN_TILE` px, the cells
    sharing the whole width (no empty strip at the right)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.tiles = ClipGridDelegate(self)
        self.setItemDelegate(self.tiles)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSpacing(0)
        self.setWrapping(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # no relayout when it appears
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def columns(self) -> int:
        return max(1, self.viewport().width() // MIN_TILE)

    def fit(self) -> None:
        width = self.viewport().width() // self.columns()
        size = self.tiles.tile_size(width, self.fontMetrics().height() + 2)
        if size != self.gridSize():
            self.tiles.width = width
            self.setGridSize(size)
        pic_w = width - 2 * self.tiles.PAD
        model = self.model()
        if hasattr(model, "set_grid_thumb"):  # pictures decoded at the size painted: no scaling per paint
            model.set_grid_thumb(QSize(pic_w, pic_w * 9 // 16))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.fit()
        super().resizeEvent(event)


def tech_line(clip) -> str:
    """``01:00:00:00 · 00:00:02:00 · 23.976 fps`` — timecode in, duration, frame rate (what is known)."""
    rate = Fraction(clip.fps_num, clip.fps_den) if clip.fps_num and clip.fps_den else None
    duration = frames_to_tc(int(clip.frames), rate, wrap=False) if rate and clip.frames is not None else ""
    parts = [clip.start_tc or "", duration, f"{fps_label(rate)} fps" if rate else ""]
    return " · ".join(p for p in parts if p) or "no timecode"


def slate_line(clip) -> str:
    """``Sc 12A · Tk 3 ♪ · Cam A`` (♪: scene/take from sound), or ``not logged``."""
    parts = []
    if clip.scene or clip.take:
        parts.append(f"Sc {clip.scene or '–'} · Tk {clip.take or '–'}" + (" ♪" if is_from_sound(clip.logged_from)
                                                                          else ""))
    if clip.camera:
        parts.append(f"Cam {clip.camera}")
    return " · ".join(parts) or "not logged"


def marks_text(clip) -> str:
    """``◯ ★★★ ⚑`` — circle take, rating, flag (empty when none)."""
    return " ".join(_marks(clip))


def _marks(clip) -> list[str]:
    return [m for m in ("◯" if clip.circled else "", "★" * (clip.rating or 0), "⚑" if clip.flagged else "") if m]


def log_line(clip) -> str:
    """``Sc 12A · Tk 3 ♪ · Cam A · ◯ · ★★★ · ⚑`` — the logger fields in one line."""
    marks = _marks(clip)
    slate = slate_line(clip)
    parts = ([] if slate == "not logged" else [slate]) + marks
    return " · ".join(parts) or (clip.start_tc or "not logged")


def tile_tooltip(clip) -> str:
    """A tile's full text: every line, uncut, and why there is no picture."""
    lines = [clip.name, f"{clip.card_label} · {clip.day or ''}".rstrip(" ·"), tech_line(clip), log_line(clip)]
    if clip.notes:
        lines.append(clip.notes)
    if not clip.thumbnails and clip.kind != ClipKind.AUDIO:
        lines.append(no_picture_text(clip))
    return "\n".join(lines)


# --- detail panel -------------------------------------------------------------------------------------------------


class FullTree(QTreeWidget):
    """A tree as tall as its rows (no scroll bar of its own): inside a scrolling panel it scrolls as one with
    it. Long values wrap in the Value column; the tooltip of a row holds its whole value."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setUniformRowHeights(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long name keeps both its ends
        self.header().setStretchLastSection(True)
        self.expanded.connect(lambda _i: self.fit())
        self.collapsed.connect(lambda _i: self.fit())

    def fit(self) -> None:
        """Height of the header and every visible row."""
        h = self.header().height() + 2 * self.frameWidth() + 2
        it = self.topLevelItem(0) if self.topLevelItemCount() else None
        while it is not None:
            h += self.visualItemRect(it).height() or self.sizeHintForRow(0)
            it = self.itemBelow(it)
        self.setFixedHeight(h)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API): a new width re-wraps the values
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self.fit)


class ScrubLabel(QLabel):
    """The preview picture: moving the mouse across it steps through the clip's thumbnails (left third:
    first frame, middle: middle frame, right: last). ``scrubbed(int)`` carries the index."""

    scrubbed = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.count = 0
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(200, 112)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setStyleSheet("background: #0d1117; color: #8b949e;")
        self.setToolTip("Move the mouse across the picture (or use the slider, ← →) to scrub first / middle / "
                        "last frame")

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.count > 1 and self.width() > 0:
            k = int(event.position().x() * self.count / self.width())
            self.scrubbed.emit(max(0, min(self.count - 1, k)))
        super().mouseMoveEvent(event)


PREVIEW = QSize(480, 270)


class DetailPanel(QWidget):
    """Everything ``clip_detail`` knows about one clip, and its thumbnails to scrub through."""

    open_in_logger = Signal()

    def __init__(self, thumbs: ThumbnailCache, parent: QWidget | None = None):
        super().__init__(parent)
        self.thumbs = thumbs
        self.detail: dict | None = None
        self.paths: list[str] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Select a clip", self)
        self.title.setObjectName("pageTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.title)
        self.preview = ScrubLabel(self)  # 16:9 of the panel's width (see resizeEvent)
        self.preview.setFixedHeight(PREVIEW.height())
        self.preview.scrubbed.connect(self.show_thumbnail)
        lay.addWidget(self.preview)
        row = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        self.slider.setToolTip("Scrub through the clip's thumbnails (first / middle / last frame)")
        self.slider.valueChanged.connect(self.show_thumbnail)
        row.addWidget(self.slider, 1)
        self.position = QLabel("", self)
        self.position.setObjectName("hint")
        row.addWidget(self.position)
        lay.addLayout(row)
        self.tree = FullTree(self)  # every row shown: the page's panel scrolls, not the tree
        self.tree.setObjectName("clipDetail")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Field", "Value"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setColumnWidth(0, 110)
        self.tree.setIndentation(12)
        self.tree.setWordWrap(True)
        lay.addWidget(self.tree)
        self.logger_button = QPushButton("Open in Logger", self)
        self.logger_button.setToolTip("Log the selected clips on the Logger page (Ctrl+Shift+L)")
        self.logger_button.clicked.connect(self.open_in_logger)
        self.logger_button.setEnabled(False)
        lay.addWidget(self.logger_button)
        thumbs.ready.connect(self._thumb_ready)

    def clear(self) -> None:
        self.detail, self.paths = None, []
        self.title.setText("Select a clip")
        self.tree.clear()
        self.preview.clear()
        self.preview.setText("")
        self.preview.count = 0
        self.slider.setRange(0, 0)
        self.position.setText("")
        self.logger_button.setEnabled(False)

    def show_detail(self, d: dict) -> None:
        """Fill the panel from a ``clip_detail`` dict."""
        same = self.detail is not None and self.detail["id"] == d["id"]
        self.detail = d
        self.title.setText(f"{d['name']} — {d['card_label']}")
        self.logger_button.setEnabled(True)
        paths = [t["path"] for t in d.get("thumbnail_files", [])]
        if paths != self.paths or not same:
            self.paths = paths
            self.preview.count = len(paths)
            self.slider.blockSignals(True)
            self.slider.setRange(0, max(0, len(paths) - 1))
            self.slider.setValue(0)
            self.slider.blockSignals(False)
            self.show_thumbnail(0)
        self._fill(d)

    def show_thumbnail(self, k: int) -> None:
        """Show thumbnail ``k`` (first, middle, last) in the preview; loads it off the GUI thread."""
        if not self.paths:
            d = self.detail or {}
            read = d.get("probe_status") in (None, ProbeStatus.OK, ProbeStatus.PARTIAL)
            why = "no picture — " + (d.get("thumbnail_error") or "no thumbnails") \
                if read and d.get("kind") != ClipKind.AUDIO else no_picture_text(d)
            self.preview.setPixmap(QPixmap())  # a null pixmap clears the picture
            self.preview.setWordWrap(True)
            self.preview.setText(why if d else "")
            self.position.setText("")
            return
        k = max(0, min(len(self.paths) - 1, k))
        if self.slider.value() != k:
            self.slider.blockSignals(True)
            self.slider.setValue(k)
            self.slider.blockSignals(False)
        frames = [t.get("frame") for t in (self.detail or {}).get("thumbnail_files", [])]
        label = POSITIONS[k] if len(self.paths) == 3 else f"picture {k + 1}"
        self.position.setText(f"{label} · fr {frames[k]} · {k + 1}/{len(self.paths)}"
                              if k < len(frames) else label)
        pm = self.thumbs.get(self.paths[k], PREVIEW)
        if pm is not None:  # fit the panel's width (a 480 px picture scales in well under a millisecond)
            self.preview.setPixmap(pm.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        else:
            self.preview.setText("loading picture…")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self.preview.setFixedHeight(min(PREVIEW.height(), max(112, self.width() * 9 // 16)))
        if self.paths:
            self.show_thumbnail(self.slider.value())

    def current_index(self) -> int:
        return self.slider.value()

    def _thumb_ready(self, path: str, size: QSize) -> None:
        if size == PREVIEW and self.paths and path == self.paths[self.slider.value()]:
            self.show_thumbnail(self.slider.value())

    def _fill(self, d: dict) -> None:
        expanded = {self.tree.topLevelItem(i).text(0) for i in range(self.tree.topLevelItemCount())
                    if not self.tree.topLevelItem(i).isExpanded()}
        self.tree.clear()
        for title, rows in detail_sections(d):
            top = QTreeWidgetItem(self.tree, [title])
            f = QFont()
            f.setBold(True)
            top.setFont(0, f)
            for label, value, tip in rows:
                it = QTreeWidgetItem(top, [label, value])
                it.setToolTip(1, f"{value}\n{tip}" if tip else value)
                if tip:
                    it.setIcon(1, sound_icon())
            top.setExpanded(title not in expanded)
        self.tree.resizeColumnToContents(0)
        self.tree.fit()

    def values(self) -> dict[str, str]:
        """``{"Section/Field": value}`` as shown (tests and screenshots read it)."""
        out = {}
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            for j in range(top.childCount()):
                out[f"{top.text(0)}/{top.child(j).text(0)}"] = top.child(j).text(1)
        return out


def detail_sections(d: dict) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The panel's sections: ``[(title, [(field, value, sound tooltip or "")])]``; empty values are left out
    except where "none" is itself information."""
    def v(x) -> str:
        return "—" if x in (None, "") else str(x)

    sound = is_from_sound(d.get("logged_from"))
    tip = f"from sound: {slate_source(d.get('logged_from'))[6:]} (overlapping take); typing a value replaces it" \
        if sound else ""
    fps = fps_text(d)
    clip = [("Name", d["name"], ""), ("Kind", d["kind"], ""), ("Card", d["card_label"], ""),
            ("Project", v(d.get("project")), ""), ("Day", v(d.get("day")), ""), ("Reel", v(d.get("reel")), ""),
            ("Tape name", v(d.get("tape_name")), "")]
    picture = [("Codec", v(d.get("codec")) + (f" ({d['codec_profile']})" if d.get("codec_profile") else ""), ""),
               ("Resolution", f"{d['width']} × {d['height']}" if d.get("width") else "—", ""),
               ("Frame rate", fps + (" fps" if fps != "—" else ""), ""), ("Duration", duration_text(d), ""),
               ("Start TC", v(d.get("start_tc")) + (" (drop frame)" if d.get("drop_frame") else ""), ""),
               ("End TC", v(d.get("end_tc")), "")]
    camera = [("Camera", " ".join(x for x in (d.get("camera_make"), d.get("camera_model")) if x) or "—", ""),
              ("Serial", v(d.get("camera_serial")), ""), ("Lens", v(d.get("lens")), ""),
              ("Recorded", v(d.get("recorded_at")), ""),
              ("Audio", f"{d['audio_channels']} ch" + (f" · {d['sample_rate']} Hz" if d.get("sample_rate") else "")
               if d.get("audio_channels") else "none", "")]
    log = [("Scene", v(d.get("scene")) + (" ♪" if sound and d.get("scene") else ""), tip if d.get("scene") else ""),
           ("Take", v(d.get("take")) + (" ♪" if sound and d.get("take") else ""), tip if d.get("take") else ""),
           ("Slate from", v(slate_source(d.get("logged_from"))), tip),
           ("Camera letter", v(d.get("camera")), ""), ("Circle take", "◯ yes" if d.get("circled") else "no", ""),
           ("Rating", stars(d.get("rating") or 0) or "none", ""), ("Flag", "⚑ yes" if d.get("flagged") else "no", ""),
           ("Notes", v(d.get("notes")), ""), ("Logged", v(d.get("logged_at")), "")]
    files = [(f["role"], f"{f['path']} · {fmt_bytes(f['size'] or 0)}", "") for f in d.get("files", [])]
    status = d.get("probe_status", "")
    probe = [("Status", f"{STATUS_WORD.get(status, status)}" + (f" — {d['probe_error']}" if d.get("probe_error")
                                                                  else ""), ""),
             ("Read from", v(d.get("probe_source")), ""), ("Probed", v(d.get("probed_at")), ""),
             ("Thumbnails", v(d.get("thumbnail_status")) + (f" — {d['thumbnail_error']}"
                                                           if d.get("thumbnail_error") else ""), "")]
    meta = d.get("metadata") or {}
    extra = [(str(k), str(val), "") for k, val in sorted((meta.get("extra") or {}).items())]
    extra += [("warning", str(w), "") for w in meta.get("warnings") or []]
    out = [("Clip", clip), ("Picture", picture), ("Camera", camera), ("Log", log), ("Files", files),
           ("Probe", probe)]
    if extra:
        out.append(("Metadata", extra))
    return out
