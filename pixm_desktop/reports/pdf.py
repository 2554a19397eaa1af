"""The PDF toolkit shared by the offload and daily reports: styles, tables, status words, thumbnails, and a
document with a header on every page and a footer "Created … · pixm x.y · host — Page X of Y".

Made for print in black and white: every state is a word (VERIFIED, FAILED, SAFE TO FORMAT), colour only
repeats it; text is black or near-black, rules mid-grey, fills light enough for black text on top.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import itertools
import os
import weakref
from collections.abc import Sequence
from pathlib import Path

from PIL import Image as PILImage
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tables import CellStyle

from pixm_desktop.reports.fonts import Fonts, load_fonts
from pixm_desktop.reports.model import ReportContext
from pixm_desktop.reports.text import clean, when

INK = colors.black
RULE = colors.Color(0.45, 0.45, 0.45)
HEAD_FILL = colors.Color(0.86, 0.86, 0.86)
ZEBRA = colors.Color(0.955, 0.955, 0.955)
CELL_PADDING = 9.0  # points a table cell takes off its width (left and right padding, with a little air)
GOOD = colors.Color(0.0, 0.38, 0.0)  # dark green: ~40 % grey in print
BAD = colors.Color(0.70, 0.0, 0.0)  # dark red: ~30 % grey in print
WARN = colors.Color(0.50, 0.30, 0.0)
GOOD_FILL = colors.Color(0.89, 0.95, 0.89)
BAD_FILL = colors.Color(0.98, 0.87, 0.87)
MARGIN = 14 * mm
HEADER_H = 9 * mm
FOOTER_H = 8 * mm
THUMB_PX_PER_PT = 2.0  # ~144 dpi in print: sharp enough for a frame grab, small files

#: Printed words for states (B/W readable), and their colour.
STATE_WORDS = {
    "verified": ("VERIFIED", GOOD), "completed": ("VERIFIED", GOOD), "failed": ("FAILED", BAD),
    "pending": ("PENDING", WARN), "copied": ("NOT VERIFIED", WARN), "interrupted": ("INTERRUPTED", BAD),
    "running": ("RUNNING", WARN), "queued": ("QUEUED", WARN),
}


def accelerated() -> bool:
    """Whether reportlab runs on its C helpers (``rl_accel``, the ``reportlab[accel]`` extra this package
    requires). Without them reports are the same, only slower: the page streams of a 20,000-file offload
    report are formatted and encoded in Python, character by character."""
    return getattr(fp_str, "__module__", None) == "_rl_accel"


def page_size(paper: str, wide: bool = False) -> tuple[float, float]:
    size = LETTER if paper.lower() == "letter" else A4
    return landscape(size) if wide else size


class Kit:
    """Styles and flowable makers bound to one set of fonts (and one report's record of missing glyphs)."""

    def __init__(self, fonts: Fonts | None = None, base: float = 8.0):
        base_fonts = fonts or load_fonts()
        self.fonts = dataclasses.replace(base_fonts, _missing=set(), warnings=list(base_fonts.warnings))
        f = self.fonts
        lead = base * 1.22
        self.body = ParagraphStyle("body", fontName=f.regular, fontSize=base + 0.5, leading=(base + 0.5) * 1.3,
                                   textColor=INK)
        self.cell = ParagraphStyle("cell", fontName=f.regular, fontSize=base, leading=lead, textColor=INK)
        self.small = ParagraphStyle("small", parent=self.cell, fontSize=base - 1, leading=(base - 1) * 1.2)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=f.bold)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=f.bold)
        self.head_right = ParagraphStyle("head_right", parent=self.head, alignment=TA_RIGHT)
        self.mono = ParagraphStyle("mono", parent=self.cell, fontName=f.mono, fontSize=base - 0.4,
                                   leading=(base - 0.4) * 1.25, wordWrap="CJK")  # hashes break anywhere
        self.key = ParagraphStyle("key", parent=self.cell, fontName=f.bold, textColor=INK)
        self.h1 = ParagraphStyle("h1", fontName=f.bold, fontSize=16, leading=20, spaceAfter=2, textColor=INK)
        self.h2 = ParagraphStyle("h2", fontName=f.bold, fontSize=11, leading=14, spaceBefore=9, spaceAfter=4,
                                 textColor=INK)
        self.sub = ParagraphStyle("sub", parent=self.body, fontSize=base + 1.5, leading=(base + 1.5) * 1.3)
        self.banner = ParagraphStyle("banner", fontName=f.bold, fontSize=13, leading=16, textColor=INK)
        self.banner_text = ParagraphStyle("banner_text", parent=self.body, fontSize=base + 1)
        self.header = ParagraphStyle("header", parent=self.cell, fontSize=base - 0.5, alignment=TA_LEFT)
        self.header_right = ParagraphStyle("header_right", parent=self.header, alignment=TA_RIGHT)
        self._thumbs: dict[tuple[str, float, float], tuple[bytes, int, int] | None] = {}

    # text ------------------------------------------------------------------------------------------
    def p(self, text: object, style: ParagraphStyle | None = None, *, mono: bool = False,
          bold: bool = False) -> Paragraph:
        """A Paragraph of plain ``text`` (escaped; fallback fonts where needed)."""
        markup = self.fonts.markup(text, mono=mono)
        if bold:
            markup = f"<b>{markup}</b>"
        return Paragraph(markup, style or (self.mono if mono else self.cell))

    def fits(self, width: float, *, bold: bool = False, mono: bool = False):
        """A test ``fits(text) -> bool``: does ``text`` fit on one line of a table cell ``width`` points wide
        (in the cell font, or the mono font; the cell's padding taken off)?"""
        font = self.fonts.mono if mono else self.fonts.bold if bold else self.fonts.regular
        size = self.mono.fontSize if mono else self.cell.fontSize
        room = width - CELL_PADDING
        # printable ASCII no wider than its widest character times its length fits without measuring (a
        # 20,000-row table asked this 80,000 times); a hair of room is kept for the sum's rounding
        sure = (room - 0.01) / _widest_ascii(font, size)
        measure = pdfmetrics.getFont(font).stringWidth  # what pdfmetrics.stringWidth calls, looked up once

        def fits(text: str) -> bool:
            if len(text) <= sure and text.isascii() and text.isprintable():
                return True
            return measure(text, size) <= room

        return fits

    def column_width(self, widest: str, *, mono: bool = False) -> float:
        """Points a table column needs to show ``widest`` on one line in the cell font (padding included)."""
        font = self.fonts.mono if mono else self.fonts.regular
        return pdfmetrics.stringWidth(widest, font, self.mono.fontSize if mono else self.cell.fontSize) + CELL_PADDING

    def rich(self, parts: Sequence[tuple[object, str]], style: ParagraphStyle | None = None) -> Paragraph:
        """A Paragraph from ``(text, how)`` parts; ``how`` is ``""``, ``"b"``, ``"small"``, ``"mono"``,
        ``"br"`` (line break before the text)."""
        out = []
        for text, how in parts:
            m = self.fonts.markup(text, mono=how == "mono")
            if how == "b":
                m = f"<b>{m}</b>"
            elif how == "small":
                m = f'<font size="{self.small.fontSize}">{m}</font>'
            elif how == "mono":
                m = f'<font name="{self.fonts.mono}">{m}</font>'
            elif how == "br":
                m = "<br/>" + m
            out.append(m)
        return Paragraph("".join(out), style or self.cell)

    def checksum_lines(self, pairs: Sequence[tuple[str, str]], width: float) -> Flowable:
        """A cell of checksums, one ``(format, value)`` a line: the format small, the value in the mono font.
        Lines of printable ASCII that each fit ``width`` (a table column, padding taken off) are a
        :class:`CellLines` (drawn straight into a long table's page text: a Paragraph with the mono style's
        break-anywhere wrapping cost ~2 ms a cell, ~40 s for 20,000 files with two formats); otherwise the
        same text as a wrapped Paragraph."""
        mono, small, size = self.fonts.mono, self.small.fontSize, self.mono.fontSize
        lines = [[(f"{name} ", mono, small), (value, mono, size)] for name, value in pairs]
        room = width - CELL_PADDING
        measure = pdfmetrics.getFont(mono).stringWidth
        if all(t.isascii() and t.isprintable() for line in lines for t, _f, _s in line) and \
                all(sum(measure(t, sz) for t, _f, sz in line) <= room for line in lines):
            return CellLines(lines, self.mono.leading)
        parts: list[tuple[object, str]] = []
        for i, (name, value) in enumerate(pairs):
            parts += [(("" if i == 0 else "\n") + f"{name} ", "small"), (value, "mono")]
        return self.rich(parts, self.mono)

    def state(self, state: str, style: ParagraphStyle | None = None) -> Paragraph:
        """The printed word of a state (VERIFIED, FAILED…), bold, in its colour."""
        word, colour = STATE_WORDS.get(state, (state.upper(), INK))
        return Paragraph(f'<font color="{colour.hexval()}"><b>{self.fonts.markup(word)}</b></font>',
                         style or self.cell)

    def word(self, word: str, colour: colors.Color = INK, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(f'<font color="{colour.hexval()}"><b>{self.fonts.markup(word)}</b></font>',
                         style or self.cell)

    # blocks ----------------------------------------------------------------------------------------
    def banner_box(self, safe: bool, title: str, text: str, width: float) -> Table:
        """The verdict at the top: a thick-ruled box, the verdict word big, the reason beside it."""
        t = Table([[Paragraph(self.fonts.markup(title), self.banner), self.p(text, self.banner_text)]],
                  colWidths=[width * 0.36, width * 0.64])
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("BOX", (0, 0), (-1, -1), 2.0 if not safe else 1.2, INK),
            ("BACKGROUND", (0, 0), (-1, -1), GOOD_FILL if safe else BAD_FILL),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ("LEFTPADDING", (0, 0), (-1, -1), 8),
        ]))
        return t

    def facts(self, pairs: Sequence[tuple[str, object]], width: float, columns: int = 2) -> Table:
        """Key/value pairs in ``columns`` column pairs (key bold, value wrapped)."""
        cells = [(self.p(k, self.key), v if isinstance(v, Flowable) else self.p(v)) for k, v in pairs]
        rows = []
        per_row = columns
        for i in range(0, len(cells), per_row):
            row: list = []
            for k, v in cells[i:i + per_row]:
                row += [k, v]
            row += [""] * (2 * per_row - len(row))
            rows.append(row)
        pair = width / columns
        key_w = pair * (0.34 if columns == 2 else 0.42)
        val_w = pair - key_w
        t = Table(rows, colWidths=[key_w, val_w] * columns, hAlign="LEFT")
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.Color(0.75, 0.75, 0.75)),
        ]))
        return t

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float], *,
              right: Sequence[int] = (), zebra: bool = True, mark_rows: Sequence[int] = (),
              valign: str = "TOP", mono: Sequence[int] = ()) -> Flowable:
        """A ruled table with a header row repeated on every page. Cells that are not flowables become
        wrapped Paragraphs; ``right`` are right-aligned column indexes; ``mark_rows`` (data row indexes) get
        a thick left rule, so a failed row stands out in black and white too."""
        head = [Paragraph(self.fonts.markup(h), self.head_right if i in right else self.head)
                for i, h in enumerate(header)]
        cols = [(self.fits(w, mono=i in mono), i in right, i in mono) for i, w in enumerate(widths)]
        # printable ASCII that fits stays the string itself (what _cell returns for it, without the calls)
        body = [[c if type(c) is str and c.isascii() and c.isprintable() and fits(c) else self._cell(c, fits, r, m)
                 for c, (fits, r, m) in zip(row, cols, strict=True)] for row in rows]
        heights = _row_heights([head, *body], widths, pad=(2.2, 2.2), line=self.cell.leading)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
            ("BOX", (0, 0), (-1, -1), 0.5, RULE),
            ("VALIGN", (0, 0), (-1, -1), valign),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
            ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("FONTSIZE", (0, 1), (-1, -1), self.cell.fontSize, self.cell.leading),
            ("TEXTCOLOR", (0, 1), (-1, -1), INK),
            *[("ALIGN", (i, 1), (i, -1), "RIGHT") for i in right],
            *[("FONT", (i, 1), (i, -1), self.fonts.mono, self.mono.fontSize, self.mono.leading) for i in mono],
        ]
        look = RowsLook(right=frozenset(right), mono=frozenset(mono), valign=valign, zebra=zebra,
                        marked=frozenset(mark_rows), font=(self.fonts.regular, self.cell.fontSize, _TABLE_LEADING),
                        mono_font=(self.fonts.mono, self.mono.fontSize, self.mono.leading))
        rows_table = RowsTable(head, body, widths, heights, style, look)
        return rows_table if len(body) > RowsTable.PAGE_ROWS else rows_table.table(0, len(body))

    def _cell(self, value: object, fits, right: bool, mono: bool = False) -> Flowable | str:
        """A table cell: a flowable as given; plain text that is ASCII and fits on one line as a plain string
        (drawn directly: a Paragraph per cell made long tables slow); anything else a wrapped Paragraph."""
        if isinstance(value, Flowable):
            return value
        if type(value) is str and value.isascii() and value.isprintable():
            text = value  # what clean() would return: printable ASCII has nothing to clean
        else:
            text = clean("" if value is None else value)
        if text.isascii() and "\n" not in text and fits(text):
            return text
        return self.p(text, mono=True) if mono else self.p(text, self.cell_right if right else self.cell)

    def section(self, title: str, need: float = 35 * mm) -> list[Flowable]:
        """A section heading; starts a new page when less than ``need`` is left (no heading alone at the foot
        of a page), otherwise the section's table starts right below it and splits across pages."""
        return [CondPageBreak(need), Paragraph(self.fonts.markup(title), self.h2)]

    def note(self, text: str) -> Paragraph:
        return self.p(text, self.small)

    # thumbnails ------------------------------------------------------------------------------------
    def thumbnail(self, path: Path | str | None, width: float, height: float, missing: str = "no picture"
                  ) -> Flowable:
        """The picture at ``path`` scaled into ``width``×``height`` points (re-encoded small: a report of 500
        clips stays a few MB), or the word ``missing`` when there is none or it cannot be read."""
        shrunk = self._thumb(path, width, height) if path else None
        if shrunk is None:
            return Paragraph(f'<font color="{RULE.hexval()}">{self.fonts.markup(missing)}</font>', self.small)
        data, w, h = shrunk
        scale = min(width / w, height / h)
        return Image(io.BytesIO(data), width=w * scale, height=h * scale)

    def _thumb(self, path: Path | str, width: float, height: float) -> tuple[bytes, int, int] | None:
        key = (os.fspath(path), width, height)
        if key not in self._thumbs:
            self._thumbs[key] = _shrink(Path(path), int(width * THUMB_PX_PER_PT), int(height * THUMB_PX_PER_PT))
        return self._thumbs[key]


def _shrink(path: Path, max_w: int, max_h: int) -> tuple[bytes, int, int] | None:
    """The picture at ``path`` as a JPEG of at most ``max_w``×``max_h`` pixels; None if it cannot be read."""
    try:
        with PILImage.open(path) as im:
            im.draft("RGB", (max_w, max_h))  # JPEG: decode at a reduced scale (fast)
            im = im.convert("RGB")
            im.thumbnail((max_w, max_h), PILImage.Resampling.LANCZOS)
            out = io.BytesIO()
            im.save(out, "JPEG", quality=80, optimize=True)
            return out.getvalue(), im.width, im.height
    except (OSError, ValueError, SyntaxError, PILImage.DecompressionBombError):
        return None


def _row_heights(rows: Sequence[Sequence[object]], widths: Sequence[float], pad: tuple[float, float],
                 line: float) -> list[float]:
    """Each row's height in points, measured once (a long table then splits across pages without
    re-measuring every remaining row at every page break); a plain string cell is one ``line``."""
    out = []
    for row in rows:
        h = line if any(isinstance(c, str) and c for c in row) else 0.0
        for cell, w in zip(row, widths, strict=True):
            if isinstance(cell, Flowable):
                _cw, ch = cell.wrap(w - 6, 10_000)
                h = max(h, ch)
        out.append(h + pad[0] + pad[1] + 0.5)
    return out


@functools.lru_cache(maxsize=32)
def _widest_ascii(font: str, size: float) -> float:
    """Points of the widest printable ASCII character of ``font`` at ``size``."""
    return max(pdfmetrics.stringWidth(chr(c), font, size) for c in range(32, 127))


class CellLines(Flowable):
    """Lines of text runs ``(text, font, size)`` that each fit their cell (nothing wraps), ``leading`` apart,
    black: placed as a Paragraph of the same runs places them (first baseline the first line's largest size
    below the top). :class:`RowsTable` writes them straight into its page text."""

    def __init__(self, lines: Sequence[Sequence[tuple[str, str, float]]], leading: float):
        super().__init__()
        self.lines, self.leading = [list(line) for line in lines], leading

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, len(self.lines) * self.leading
        return self.width, self.height

    def first_baseline(self) -> float:
        return self.height - max(size for _t, _f, size in self.lines[0])

    def draw(self) -> None:
        self.canv.setFillColor(INK)
        text = self.canv.beginText()
        y = self.first_baseline()
        for line in self.lines:
            text.setTextOrigin(0, y)
            for run, font, size in line:
                text.setFont(font, size, self.leading)
                text.textOut(run)
            y -= self.leading
        self.canv.drawText(text)


@dataclasses.dataclass(frozen=True, slots=True)
class RowsLook:
    """How :class:`RowsTable` draws its rows: the same look as the ``Table`` style ``Kit.table`` builds.
    ``font``/``mono_font`` are ``(name, size, leading)`` of plain string cells (``mono`` columns in the
    second); ``marked`` are row indexes of the whole table."""

    right: frozenset[int]
    mono: frozenset[int]
    valign: str
    zebra: bool
    marked: frozenset[int]
    font: tuple[str, float, float]
    mono_font: tuple[str, float, float]


_PAD_X, _PAD_Y = 3.0, 2.2  # cell padding of Kit.table's style (left/right, top/bottom)
_TABLE_LEADING = CellStyle("cell").leading  # a Table style's FONTSIZE leaves the leading at this default


class RowsTable(Flowable):
    """A long ruled table that splits page by page in linear time and draws its rows itself.

    Each piece is rows ``start``..``stop`` of one shared body (never copied at a page break) with the header
    repeated; it draws what a ``Table`` with ``Kit.table``'s style draws there (header fill, zebra stripes,
    padding, alignment, rules, a failed row's thick left rule), in the same places, but plain string cells go
    into one PDF text object per run instead of a text object and a style lookup per cell: a 20,000-row
    appendix (427 pages) took ~2 s as one ``Table`` per page. Rows are never split within a page."""

    PAGE_ROWS = 60  # a table up to this long is a plain Table

    def __init__(self, head: list, body: list, widths: Sequence[float], heights: list[float], style: list,
                 look: RowsLook, start: int = 0, stop: int | None = None, shared: dict | None = None) -> None:
        super().__init__()
        self._head, self._body, self._widths, self._heights = head, body, list(widths), heights
        self._style, self._look = style, look
        self._start, self._stop = start, len(body) if stop is None else stop
        # shared by every piece: running sums of the body heights (a piece's height without re-adding them)
        # and the header cells' laid-out sizes (the same on every page)
        self._shared = shared if shared is not None else {
            "tops": [0.0, *itertools.accumulate(heights[1:])], "head": {}}

    def table(self, start: int, stop: int) -> Table:
        """Rows ``start``..``stop`` of this piece (0-based, header excluded) as one reportlab Table."""
        a, b = self._start + start, self._start + stop
        t = Table([self._head, *self._body[a:b]], colWidths=self._widths,
                  rowHeights=[self._heights[0], *self._heights[1 + a:1 + b]], repeatRows=1, hAlign="LEFT")
        style = list(self._style)
        if self._look.zebra:  # the stripes keep their phase across pages: row n of the whole table
            style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [ZEBRA, None] if a % 2 else [None, ZEBRA]))
        for i in self.marked_rows():
            if i < b:
                style.append(("LINEBEFORE", (0, i - a + 1), (0, i - a + 1), 2.5, INK))
        t.setStyle(TableStyle(style))
        return t

    def marked_rows(self) -> list[int]:
        """Indexes (in the whole table) of this piece's rows that get the thick left rule."""
        return sorted(i for i in self._look.marked if self._start <= i < self._stop)

    def _piece(self, start: int, stop: int) -> RowsTable:
        return type(self)(self._head, self._body, self._widths, self._heights, self._style, self._look, start,
                          stop, self._shared)

    def _row_heights(self) -> list[float]:
        return [self._heights[0], *self._heights[1 + self._start:1 + self._stop]]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self._stop - self._start > 2 * self.PAGE_ROWS:  # taller than any page: a close figure will do
            tops = self._shared["tops"]
            return sum(self._widths), self._heights[0] + tops[self._stop] - tops[self._start]
        return sum(self._widths), _row_positions(self._row_heights())[0]

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room, n = avail_height - self._heights[0], self._start
        while n < self._stop and self._heights[1 + n] <= room:
            room -= self._heights[1 + n]
            n += 1
        if n == self._start:
            return []
        if n == self._stop:
            return [self._piece(self._start, n)]
        return [self._piece(self._start, n), self._piece(n, self._stop)]

    def draw(self) -> None:
        """Draw as ``Table.draw`` would with Kit.table's style: backgrounds, cells, then rules."""
        canv, look = self.canv, self._look
        heights = self._row_heights()
        rows = _row_positions(heights)  # top of each row, then the bottom of the last (points up from 0)
        cols = [0.0, *itertools.accumulate(self._widths)]
        canv.saveState()
        canv.setFillColor(HEAD_FILL)
        canv.rect(0, rows[0], cols[-1], rows[1] - rows[0], stroke=0, fill=1)
        if look.zebra:
            canv.setFillColor(ZEBRA)
            for i in range(1, len(heights)):
                if (self._start + i - 1) % 2:
                    canv.rect(0, rows[i], cols[-1], -heights[i], stroke=0, fill=1)
        canv.setFillColor(INK)
        text = _CellText(canv, look, cols, self._widths)
        for i, row in enumerate([self._head, *self._body[self._start:self._stop]]):
            for j, cell in enumerate(row):
                if type(cell) is str:
                    if cell:
                        text.add(cell, rows[i + 1], heights[i], j)
                elif type(cell) is CellLines and text.add_lines(cell, rows[i + 1], heights[i], j):
                    pass
                elif isinstance(cell, Flowable):
                    text.flush()
                    head = self._shared["head"] if i == 0 else None
                    _draw_flowable(canv, cell, cols[j], rows[i + 1], self._widths[j], heights[i],
                                   look.valign, right=i > 0 and j in look.right, sizes=head, key=j)
                elif cell:
                    text.add(str(cell), rows[i + 1], heights[i], j)
        text.flush()
        self._draw_rules(rows, cols)
        canv.restoreState()

    def _draw_rules(self, rows: list[float], cols: list[float]) -> None:
        canv, right = self.canv, cols[-1]
        canv.saveState()
        canv.setLineCap(1)
        canv.setLineJoin(1)
        canv.setStrokeColor(INK)  # below the header
        canv.setLineWidth(0.8)
        canv.line(0, rows[1], right, rows[1])
        canv.setStrokeColor(RULE)  # below each row: what canv.line writes, each height formatted once
        canv.setLineWidth(0.25)
        r = fp_str(right)
        if len(rows) > 2:
            canv.addLiteral(" ".join(f"n 0 {y} m {r} {y} l S" for y in map(fp_str, rows[2:])))
        canv.setLineWidth(0.5)  # the box
        canv.line(0, rows[0], right, rows[0])
        canv.line(0, rows[-1], right, rows[-1])
        canv.line(0, rows[-1], 0, rows[0])
        canv.line(right, rows[-1], right, rows[0])
        marked = self.marked_rows()
        if marked:
            canv.setStrokeColor(INK)
            canv.setLineWidth(2.5)
            for i in marked:
                r = i - self._start + 1
                canv.line(0, rows[r + 1], 0, rows[r])
        canv.restoreState()


def _row_positions(heights: Sequence[float]) -> list[float]:
    """The top of each row and the bottom of the last, from the table's top down to 0, summed as reportlab's
    ``Table`` sums them (from the bottom, compensated), so every row lands where a Table puts it."""
    out, height, c = [], 0.0, 0.0
    for h in reversed(heights):
        out.append(height)
        y = h - c
        t = height + y
        c = (t - height) - y
        height = t
    out.append(height)
    out.reverse()
    return out


def _draw_flowable(canv: Canvas, cell: Flowable, x0: float, bottom: float, width: float, height: float,
                   valign: str, *, right: bool, sizes: dict | None = None, key: int = 0) -> None:
    """A flowable cell placed as ``Table._drawCell`` places it (padding, vertical and horizontal alignment).
    ``sizes`` keeps its laid-out size by ``key`` for a cell drawn again in the same box (a repeated header)."""
    w_h = sizes.get(key) if sizes is not None else None
    if w_h is None:
        w_h = cell.wrapOn(canv, width - _PAD_X - _PAD_X, height - _PAD_Y - _PAD_Y)
        if sizes is not None:
            sizes[key] = w_h
    w, h = w_h
    if valign == "TOP":
        y = bottom + height - _PAD_Y
    elif valign == "BOTTOM":
        y = bottom + _PAD_Y + h
    else:
        y = bottom + (height + _PAD_Y - _PAD_Y + h) / 2.0
    x = x0 + width - _PAD_X - w if right else x0 + _PAD_X
    cell.drawOn(canv, x, y - h)


_ASCII = "".join(map(chr, range(32, 127)))
_ASCII_AS_IS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # document -> fonts checked


def _ascii_as_is(canv: Canvas, name: str) -> bool:
    """Does TrueType font ``name`` write printable ASCII as itself in its first subset in this document
    (reportlab's "ASCII readable" subsets, the default)? Then such a string needs no per-character mapping."""
    checked = _ASCII_AS_IS.setdefault(canv._doc, {})
    if name not in checked:
        font = pdfmetrics.getFont(name)
        readable = getattr(font, "_asciiReadable", None)
        readable = rl_config.ttfAsciiReadable if readable is None else readable
        # asked only of a readable subset (ASCII already in place): asking would add glyphs to any other
        checked[name] = bool(getattr(font, "_dynamicFont", False)) and bool(readable) and \
            font.splitString(_ASCII, canv._doc) == [(0, _ASCII.encode("ascii"))]
    return checked[name]


class _Column:
    """One column's plain string cells: font, where a line starts (left) or ends (right), text op strings."""

    __slots__ = ("name", "size", "leading", "right", "x", "edge", "width", "as_is", "tf")

    def __init__(self, font: tuple[str, float, float], x0: float, width: float, right: bool):
        self.name, self.size, self.leading = font
        self.right = right
        self.x = x0 + _PAD_X  # as Table._drawCell computes it, so the same float
        self.edge = x0 + width - _PAD_X
        self.width = pdfmetrics.getFont(self.name).stringWidth
        self.as_is: bool | None = None  # checked on first use (a font never drawn stays out of the PDF)
        self.tf = ""


class _CellText:
    """Plain string cells of a page written as one PDF text object, in row order, placed as
    ``Table._drawCell`` places a string (padding, right alignment, TOP/MIDDLE/BOTTOM baseline).

    Printable ASCII in a TrueType font whose subset keeps ASCII as is (checked once per document) is written
    straight as ``Tm``/``Tj`` operators: reportlab's text object maps every character of every cell through
    the subset tables (~0.4 s for a 20,000-row appendix). Any other string is drawn as ``drawString`` does."""

    def __init__(self, canv: Canvas, look: RowsLook, cols: Sequence[float], widths: Sequence[float]):
        self._canv, self._valign = canv, look.valign
        self._columns = [_Column(look.mono_font if j in look.mono else look.font, cols[j], w, j in look.right)
                         for j, w in enumerate(widths)]
        self._ops: list[str] = []
        self._font: _Column | None = None
        self._row: tuple[float, float] | None = None
        self._y: dict[tuple[float, float], str] = {}
        self._fonts_as_is: dict[str, bool] = {}
        self._tfs: dict[tuple[str, float, float], str] = {}

    def add(self, value: str, bottom: float, height: float, column: int) -> None:
        c = self._columns[column]
        if c.as_is is None:
            c.as_is = _ascii_as_is(self._canv, c.name)
        if not (c.as_is and value.isascii() and value.isprintable()):
            self._add_lines(value, bottom, height, c)
            return
        if self._row != (bottom, height):
            self._row, self._y = (bottom, height), {}
        y = self._y.get((c.size, c.leading))
        if y is None:
            y = self._y[(c.size, c.leading)] = fp_str(self._baseline(bottom, height, c, 1))
        if self._font is None or (self._font.name, self._font.size, self._font.leading) != \
                (c.name, c.size, c.leading):
            if not c.tf:
                internal = pdfmetrics.getFont(c.name).getSubsetInternalName(0, self._canv._doc)
                c.tf = f"{internal} {fp_str(c.size)} Tf {fp_str(c.leading)} TL"
            self._ops.append(c.tf)
            self._font = c
        x = fp_str(c.edge - c.width(value, c.size)) if c.right else fp_str(c.x)
        self._ops.append(f"1 0 0 1 {x} {y} Tm ({escapePDF(value)}) Tj")

    def add_lines(self, cell: CellLines, bottom: float, height: float, column: int) -> bool:
        """Write ``cell`` where ``Table._drawCell`` puts a flowable (its Paragraph-like baselines); False
        (nothing written) when a run is not printable ASCII in a font that keeps ASCII as is."""
        c = self._columns[column]
        runs = [run for line in cell.lines for run in line]
        if not all(t.isascii() and t.isprintable() and self._as_is(font) for t, font, _s in runs):
            return False
        w, h = cell.wrap(c.edge - c.x, height - _PAD_Y - _PAD_Y)
        if self._valign == "TOP":
            top = bottom + height - _PAD_Y
        elif self._valign == "BOTTOM":
            top = bottom + _PAD_Y + h
        else:
            top = bottom + (height + _PAD_Y - _PAD_Y + h) / 2.0
        x = fp_str(c.edge - w if c.right else c.x)
        y = top - h + cell.first_baseline()
        for line in cell.lines:
            self._ops.append(f"1 0 0 1 {x} {fp_str(y)} Tm")
            for t, font, size in line:
                self._ops.append(f"{self._tf(font, size, cell.leading)} ({escapePDF(t)}) Tj")
            y -= cell.leading
        self._font = None  # the next plain cell sets its font again
        return True

    def _as_is(self, font: str) -> bool:
        as_is = self._fonts_as_is.get(font)
        if as_is is None:
            as_is = self._fonts_as_is[font] = _ascii_as_is(self._canv, font)
        return as_is

    def _tf(self, font: str, size: float, leading: float) -> str:
        key = (font, size, leading)
        tf = self._tfs.get(key)
        if tf is None:
            internal = pdfmetrics.getFont(font).getSubsetInternalName(0, self._canv._doc)
            tf = self._tfs[key] = f"{internal} {fp_str(size)} Tf {fp_str(leading)} TL"
        return tf

    def _baseline(self, bottom: float, height: float, c: _Column, lines: int) -> float:
        if self._valign == "TOP":
            return bottom + height - _PAD_Y - c.size
        if self._valign == "BOTTOM":
            return bottom + _PAD_Y + lines * c.leading - c.size
        return bottom + (_PAD_Y + height - _PAD_Y + lines * c.leading) / 2.0 - c.size

    def _add_lines(self, value: str, bottom: float, height: float, c: _Column) -> None:
        """Anything else (several lines, non-ASCII, a font that maps ASCII): as ``Table._drawCell`` draws it."""
        self.flush()
        self._canv.setFont(c.name, c.size, c.leading)
        lines = value.split("\n")
        y = self._baseline(bottom, height, c, len(lines))
        for line in lines:
            if c.right:
                self._canv.drawRightString(c.edge, y, line)
            else:
                self._canv.drawString(c.x, y, line)
            y -= c.leading

    def flush(self) -> None:
        if self._ops:
            self._canv.addLiteral("BT " + " ".join(self._ops) + " ET")
            self._ops, self._font = [], None


# --- the document ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class PageFrame:
    """Header and footer text of every page."""

    title: str
    header_right: str
    footer: str


def production_facts(ctx: ReportContext, columns: int = 2) -> list[tuple[str, str]]:
    """Production, company and unit of ``ctx`` (a :class:`ReportContext`) as fact pairs, only those set, padded
    with empty pairs to whole rows of ``columns`` (the facts after them keep their columns)."""
    named = (("Production", ctx.production), ("Company", ctx.company), ("Camera unit", ctx.unit))
    pairs = [(k, v) for k, v in named if v]
    return pairs + [("", "")] * (-len(pairs) % columns)


def footer_text(ctx: ReportContext) -> str:
    return f"Created {when(ctx.created_at)} · {ctx.tool_name} {ctx.tool_version} · {ctx.host}"


class _FrameDrawer:
    """Draws the header (and, once the page count is known, the footer) of every page. The three texts that
    are the same on every page are laid out once: two Paragraphs per page side made ~850 per 427 pages."""

    def __init__(self, kit: Kit, frame: PageFrame, pagesize: tuple[float, float]):
        self.kit, self.pagesize = kit, pagesize
        usable = pagesize[0] - 2 * MARGIN
        self.left = Paragraph(f"<b>{kit.fonts.markup(frame.title, breaks=False)}</b>", kit.header)
        self.right = Paragraph(kit.fonts.markup(frame.header_right, breaks=False), kit.header_right)
        self.foot = Paragraph(kit.fonts.markup(frame.footer, breaks=False), kit.header)
        self.left_h = self.left.wrap(usable * 0.55, HEADER_H)[1]
        self.right_h = self.right.wrap(usable * 0.45, HEADER_H)[1]
        self.foot.wrap(usable * 0.8, FOOTER_H)
        # the page number's markup parsed once: its one bold piece is copied with each page's words (parsing
        # "<b>Page n of N</b>" 427 times was ~7 % of a 20,000-file report's PDF time)
        self.number = Paragraph("<b>Page 0 of 0</b>", kit.header_right)

    def __call__(self, canvas: Canvas, page: int | None, total: int | None) -> None:
        """The header as the page starts (``page`` ``None``), the footer once the page count is known."""
        w, h = self.pagesize
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        top = h - MARGIN + 2
        usable = w - 2 * MARGIN
        if page is None:
            self.left.drawOn(canvas, MARGIN, top - self.left_h)
            self.right.drawOn(canvas, w - MARGIN - usable * 0.45, top - self.right_h)
            canvas.line(MARGIN, top - max(self.left_h, self.right_h) - 2, w - MARGIN,
                        top - max(self.left_h, self.right_h) - 2)
        else:
            base = MARGIN - 4
            canvas.line(MARGIN, base + 10, w - MARGIN, base + 10)
            self.foot.drawOn(canvas, MARGIN, base)
            words = f"Page {page} of {total}"
            if len(self.number.frags) == 1:
                num = Paragraph(words, self.kit.header_right, frags=[self.number.frags[0].clone(text=words)])
            else:  # pragma: no cover - reportlab parsed it otherwise: parse each page's
                num = Paragraph(f"<b>{words}</b>", self.kit.header_right)
            num.wrap(usable * 0.2, FOOTER_H)
            num.drawOn(canvas, w - MARGIN - usable * 0.2, base)
        canvas.restoreState()


def build_pdf(path: Path, story: list[Flowable], *, kit: Kit, frame: PageFrame, paper: str, wide: bool,
              title: str, subject: str, author: str | None, ctx: ReportContext) -> int:
    """Lay out ``story`` and write the PDF atomically (temp name, then rename). Returns the page count."""
    path = Path(path)
    size = page_size(paper, wide)
    tmp = path.with_name(f".{path.name}.part")
    doc = BaseDocTemplate(str(tmp), pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN,
                          topMargin=MARGIN + HEADER_H, bottomMargin=MARGIN + FOOTER_H, title=title,
                          author=author or "", subject=subject, creator=f"{ctx.tool_name} {ctx.tool_version}",
                          producer=f"{ctx.tool_name} {ctx.tool_version} (reportlab)",
                          initialFontName=kit.fonts.regular, initialFontSize=kit.cell.fontSize)
    body = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body", leftPadding=0,
                 rightPadding=0, topPadding=0, bottomPadding=0)
    draw_frame = _FrameDrawer(kit, frame, size)
    doc.addPageTemplates([PageTemplate(id="page", frames=[body], onPage=lambda c, d: draw_frame(c, None, None))])
    pages: list[int] = []

    class NumberedCanvas(Canvas):
        """Holds every page until the end so each footer can say "Page X of Y"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for n, state in enumerate(self._pages, 1):
                self.__dict__.update(state)
                draw_frame(self, n, total)
                Canvas.showPage(self)
            pages.append(total)
            Canvas.save(self)

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        doc.build(story, canvasmaker=NumberedCanvas)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return pages[0] if pages else 0


def spacer(h: float = 4) -> Spacer:
    return Spacer(1, h)


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))


__all__ = [
    "BAD",
    "GOOD",
    "INK",
    "STATE_WORDS",
    "Kit",
    "PageFrame",
    "accelerated",
    "build_pdf",
    "footer_text",
    "keep",
    "page_size",
    "spacer",
]
