"""Dark theme, status icons and page icons.

Status is never colour alone: every state has its own icon *shape* (check, cross, pause bars, play triangle,
clock, exclamation) and a word next to it; colour only reinforces it. Icons are drawn with QPainter, so they
look the same on every platform and need no icon theme or font glyphs. Page icons (the page list, the view
toggles) are Lucide SVGs shipped under their ISC licence in ``resources/icons/lucide`` (:func:`page_icon`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from platformdirs import user_cache_dir
from PySide6.QtCore import QByteArray, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap, QPolygonF
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from pixm_desktop.core.resources import resource_path

OK = "#3fb950"
FAIL = "#f85149"
WARN = "#d29922"
RUN = "#58a6ff"
IDLE = "#8b949e"

STYLESHEET = """
QWidget { font-size: 10pt; }
QToolTip { color: #e6edf3; background: #161b22; border: 1px solid #30363d; }
QListWidget#pages { background: #0d1117; border: none; font-size: 11pt; padding-top: 6px; }
QListWidget#pages::item { padding: 10px 14px; border-left: 3px solid transparent; }
QListWidget#pages::item:selected { background: #1f2937; border-left: 3px solid #58a6ff; color: #ffffff; }
QGroupBox { border: 1px solid #30363d; border-radius: 6px; margin-top: 14px; padding-top: 6px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #c9d1d9; font-weight: bold; }
QLabel#badgeSafe { background: #12361f; color: #7ee787; border: 2px solid #3fb950; border-radius: 6px;
                   padding: 8px 12px; font-size: 13pt; font-weight: bold; }
QLabel#badgeUnsafe { background: #3d1618; color: #ffa198; border: 2px solid #f85149; border-radius: 6px;
                     padding: 8px 12px; font-size: 13pt; font-weight: bold; }
QLabel#badgeWarn { background: #3a2a06; color: #f2cc60; border: 2px solid #d29922; border-radius: 6px;
                   padding: 8px 12px; font-size: 13pt; font-weight: bold; }
QLabel#badgeCopying { background: #0c2d4a; color: #a5d6ff; border: 2px solid #58a6ff; border-radius: 6px;
                      padding: 8px 12px; font-size: 13pt; font-weight: bold; }
QLabel#badgeUnknown { background: #21262d; color: #c9d1d9; border: 2px solid #484f58; border-radius: 6px;
                      padding: 8px 12px; font-size: 13pt; font-weight: bold; }
QFrame#notice { background: #21262d; border: 1px solid #30363d; border-radius: 6px; }
QFrame#noticeError { background: #3d1618; border: 1px solid #f85149; border-radius: 6px; }
QFrame#noticeOk { background: #12361f; border: 1px solid #3fb950; border-radius: 6px; }
QLabel#hint { color: #8b949e; }
QLabel#pageTitle { font-size: 14pt; font-weight: bold; }
QLabel#preview { color: #79c0ff; font-family: monospace; }
QLabel#previewError { color: #ffa198; }
QProgressBar { border: 1px solid #30363d; border-radius: 4px; text-align: center; background: #0d1117;
               color: #e6edf3; min-height: 16px; }
QProgressBar::chunk { background: #1f6feb; border-radius: 3px; }
QProgressBar[level="high"]::chunk { background: #d29922; }
QProgressBar[level="full"]::chunk { background: #da3633; }
QHeaderView::section { background: #161b22; color: #c9d1d9; border: none; border-right: 1px solid #30363d;
                       border-bottom: 1px solid #30363d; padding: 4px 6px; }
QTreeView, QTableView, QListView { alternate-background-color: #161b22; }
QPushButton { padding: 5px 12px; }
QRadioButton::indicator { width: 12px; height: 12px; border: 2px solid #8b949e; border-radius: 8px;
                          background: #0d1117; }
QRadioButton::indicator:checked { border: 2px solid #58a6ff;
    background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5, stop:0 #58a6ff, stop:0.55 #58a6ff,
                                stop:0.6 #0d1117, stop:1 #0d1117); }
QRadioButton::indicator:disabled { border-color: #484f58; }
QPushButton:default { border: 1px solid #58a6ff; }
QToolButton#viewToggle { padding: 4px 10px; border: 1px solid #30363d; border-radius: 4px; background: #161b22;
                         color: #c9d1d9; }
QToolButton#viewToggle:checked { background: #1f6feb; border-color: #58a6ff; color: #ffffff; font-weight: bold; }
QLabel#emptyTitle { font-size: 15pt; font-weight: bold; color: #c9d1d9; }
QLabel#emptyState { font-size: 13pt; color: #8b949e; }
QLabel#problem { color: #ffa198; }
"""


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#0d1117"), QColor("#161b22"), QColor("#e6edf3")
    p.setColor(QPalette.ColorRole.Window, window)
    p.setColor(QPalette.ColorRole.WindowText, text)
    p.setColor(QPalette.ColorRole.Base, base)
    p.setColor(QPalette.ColorRole.AlternateBase, QColor("#161b22"))
    p.setColor(QPalette.ColorRole.ToolTipBase, window)
    p.setColor(QPalette.ColorRole.ToolTipText, text)
    p.setColor(QPalette.ColorRole.Text, text)
    p.setColor(QPalette.ColorRole.Button, QColor("#21262d"))
    p.setColor(QPalette.ColorRole.ButtonText, text)
    p.setColor(QPalette.ColorRole.BrightText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.Link, QColor(RUN))
    p.setColor(QPalette.ColorRole.Highlight, QColor("#1f6feb"))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor(IDLE))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7681"))
    return p


def _indicator(kind: str, enabled: bool, size: int = 32) -> QPixmap:
    """A check box indicator seen on the dark palette: ``kind`` is ``off``, ``on`` or ``partial``."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(size)
    edge = QColor(RUN if kind != "off" and enabled else IDLE if enabled else "#484f58")
    p.setPen(QPen(edge, s * 0.09))
    p.setBrush(QBrush(QColor("#0d1117")))
    p.drawRoundedRect(QRectF(s * 0.06, s * 0.06, s * 0.88, s * 0.88), s * 0.16, s * 0.16)
    mark = QPen(QColor(RUN if enabled else "#6e7681"), s * 0.14)
    mark.setCapStyle(Qt.PenCapStyle.RoundCap)
    mark.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(mark)
    if kind == "on":
        path = QPainterPath(QPointF(s * 0.25, s * 0.52))
        path.lineTo(QPointF(s * 0.43, s * 0.70))
        path.lineTo(QPointF(s * 0.76, s * 0.31))
        p.drawPath(path)
    elif kind == "partial":
        p.drawLine(QPointF(s * 0.28, s / 2), QPointF(s * 0.72, s / 2))
    p.end()
    return pm


def indicator_stylesheet(folder: Path) -> str:
    """Check box rules drawing :func:`_indicator` images (written into ``folder``). Fusion outlines check
    boxes in a shade of the window colour, which on a dark window all but disappears; images keep the paint
    in Qt's C++ (a Python-drawn style would run on every paint of every check box)."""
    folder.mkdir(parents=True, exist_ok=True)
    rules = ["QCheckBox::indicator, QAbstractItemView::indicator { width: 14px; height: 14px; }"]
    for kind, state in (("off", "unchecked"), ("on", "checked"), ("partial", "indeterminate")):
        for enabled in (True, False):
            path = folder / f"check-{kind}{'' if enabled else '-disabled'}.png"
            _indicator(kind, enabled).save(str(path))  # every start: a new version may draw them differently
            sel = f"indicator:{state}{'' if enabled else ':disabled'}"
            rules.append(f'QCheckBox::{sel}, QAbstractItemView::{sel} {{ image: url("{path.as_posix()}"); }}')
    return "\n".join(rules) + "\n"


def apply_dark_theme(app: QApplication) -> None:
    """Fusion style with the dark palette, the stylesheet above and visible check boxes (the default look of
    the cart window)."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    folder = Path(user_cache_dir("pixm", appauthor=False)) / "theme"
    try:
        checks = indicator_stylesheet(folder)
    except OSError:  # no cache folder: Fusion's own check boxes
        checks = ""
    app.setStyleSheet(STYLESHEET + checks)


# --- status icons ---------------------------------------------------------------------------------------

# "done": a check in grey — a destination's copies are verified, but green is kept for a card that is safe
KIND_COLOUR = {"ok": OK, "fail": FAIL, "warn": WARN, "run": RUN, "pause": WARN, "wait": IDLE, "stop": IDLE,
               "interrupted": WARN, "done": IDLE}


@cache
def status_icon(kind: str, size: int = 32) -> QIcon:
    """An icon whose shape says the state: ok ✓ (green), done ✓ (grey), fail ✕, warn !, run ▶, pause ❚❚,
    wait (clock), stop ■."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(KIND_COLOUR.get(kind, IDLE))
    s = float(size)
    if kind == "warn":
        tri = QPolygonF([QPointF(s / 2, s * 0.06), QPointF(s * 0.96, s * 0.92), QPointF(s * 0.04, s * 0.92)])
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(colour))
        p.drawPolygon(tri)
    else:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(colour))
        p.drawEllipse(QRectF(s * 0.04, s * 0.04, s * 0.92, s * 0.92))
    pen = QPen(QColor("#0d1117" if kind in ("warn", "pause", "interrupted") else "#ffffff"))
    pen.setWidthF(s * 0.11)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if kind in ("ok", "done"):
        path = QPainterPath(QPointF(s * 0.28, s * 0.52))
        path.lineTo(QPointF(s * 0.44, s * 0.68))
        path.lineTo(QPointF(s * 0.73, s * 0.34))
        p.drawPath(path)
    elif kind == "fail":
        p.drawLine(QPointF(s * 0.33, s * 0.33), QPointF(s * 0.67, s * 0.67))
        p.drawLine(QPointF(s * 0.67, s * 0.33), QPointF(s * 0.33, s * 0.67))
    elif kind in ("warn", "interrupted"):
        top, bottom = (0.34, 0.62) if kind == "warn" else (0.25, 0.56)
        p.drawLine(QPointF(s / 2, s * top), QPointF(s / 2, s * bottom))
        p.drawPoint(QPointF(s / 2, s * (bottom + 0.17)))
    elif kind == "run":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(QColor("#ffffff")))
        p.drawPolygon(QPolygonF([QPointF(s * 0.4, s * 0.3), QPointF(s * 0.72, s * 0.5), QPointF(s * 0.4, s * 0.7)]))
    elif kind == "pause":
        p.drawLine(QPointF(s * 0.4, s * 0.32), QPointF(s * 0.4, s * 0.68))
        p.drawLine(QPointF(s * 0.6, s * 0.32), QPointF(s * 0.6, s * 0.68))
    elif kind == "wait":
        p.drawLine(QPointF(s / 2, s / 2), QPointF(s / 2, s * 0.27))
        p.drawLine(QPointF(s / 2, s / 2), QPointF(s * 0.68, s * 0.6))
    elif kind == "stop":
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(QColor("#ffffff")))
        p.drawRect(QRectF(s * 0.33, s * 0.33, s * 0.34, s * 0.34))
    p.end()
    return QIcon(pm)


#: page → Lucide icon (resources/icons/lucide, ISC licence beside them)
PAGE_ICONS = {"offload": "hard-drive-download", "verification": "shield-check", "clips": "film",
              "log": "notebook-pen", "reports": "file-text", "history": "history", "drives": "hard-drive",
              "turnovers": "package", "settings": "settings", "dailies": "clapperboard", "grid": "layout-grid",
              "table": "table", "shortcuts": "keyboard", "portal": "monitor-play", "archive": "archive"}


@cache
def page_icon(name: str, colour_hex: str = "#c9d1d9", size: int = 40) -> QIcon:
    """The icon of a page (``offload``, ``clips`` … see :data:`PAGE_ICONS`) in ``colour_hex``, with a white
    variant for the selected item. A missing file gives an empty icon (the page's word still says it)."""
    path = resource_path("icons", "lucide", f"{PAGE_ICONS.get(name, name)}.svg")
    try:
        svg = path.read_text(encoding="utf-8")
    except OSError:
        return QIcon()
    icon = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, colour_hex), (QIcon.Mode.Selected, "#ffffff")):
        icon.addPixmap(_svg_pixmap(svg.replace("currentColor", tint), size), mode)
    return icon


def _svg_pixmap(svg: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(p)
    p.end()
    return pm


def colour(kind: str) -> QColor:
    return QColor(KIND_COLOUR.get(kind, IDLE))
