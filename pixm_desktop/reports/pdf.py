"""The PDF toolkit shared by the offload and daily reports: styles, tables, status words, thumbnails, and a
document with a header on every page and a footer "Created … · pixm x.y · host — Page X of Y".

Made for print in black and white: every state is a word (VERIFIED, FAILED, SAFE TO FORMAT), colour only
repeats it; text is black or near-black, rules mid-grey, fills light enough for black text on top.
"""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Sequence
from pathlib import Path

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, landscape
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
        return lambda text: pdfmetrics.stringWidth(text, font, size) <= room

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
        fits = [self.fits(w, mono=i in mono) for i, w in enumerate(widths)]
        body = [[self._cell(c, fits[i], i in right, i in mono) for i, c in enumerate(r)] for r in rows]
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
        rows_table = RowsTable(head, body, widths, heights, style, zebra=zebra, marked=frozenset(mark_rows))
        return rows_table if len(body) > RowsTable.PAGE_ROWS else rows_table.table(0, len(body))

    def _cell(self, value: object, fits, right: bool, mono: bool = False) -> Flowable | str:
        """A table cell: a flowable as given; plain text that is ASCII and fits on one line as a plain string
        (drawn directly: a Paragraph per cell made long tables slow); anything else a wrapped Paragraph."""
        if isinstance(value, Flowable):
            return value
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


class RowsTable(Flowable):
    """A long ruled table that splits page by page in linear time: each page's rows become their own
    ``Table`` (header repeated), so reportlab never re-measures or re-maps the styles of the rows still to
    come at every page break (a 20,000-row appendix was quadratic). Rows are never split within a page."""

    PAGE_ROWS = 60  # a table up to this long is a plain Table

    def __init__(self, head: list, body: list, widths: Sequence[float], heights: list[float], style: list,
                 *, zebra: bool, marked: frozenset[int], first: int = 0) -> None:
        super().__init__()
        self._head, self._body, self._widths, self._heights = head, body, list(widths), heights
        self._style, self._zebra, self._marked, self._first = style, zebra, marked, first

    def table(self, start: int, stop: int) -> Table:
        """Rows ``start``..``stop`` of this piece (0-based, header excluded) as one Table."""
        t = Table([self._head, *self._body[start:stop]], colWidths=self._widths,
                  rowHeights=[self._heights[0], *self._heights[1 + start:1 + stop]], repeatRows=1, hAlign="LEFT")
        style = list(self._style)
        if self._zebra:  # the stripes keep their phase across pages: row n of the whole table
            odd = (self._first + start) % 2
            style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [ZEBRA, None] if odd else [None, ZEBRA]))
        for i in range(start, stop):
            if self._first + i in self._marked:
                style.append(("LINEBEFORE", (0, i - start + 1), (0, i - start + 1), 2.5, INK))
        t.setStyle(TableStyle(style))
        return t

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return sum(self._widths), sum(self._heights[:1 + len(self._body)])

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        room, n = avail_height - self._heights[0], 0
        while n < len(self._body) and self._heights[1 + n] <= room:
            room -= self._heights[1 + n]
            n += 1
        if n == 0:
            return []
        if n == len(self._body):
            return [self.table(0, n)]
        rest = RowsTable(self._head, self._body[n:], self._widths, [self._heights[0], *self._heights[1 + n:]],
                         self._style, zebra=self._zebra, marked=self._marked, first=self._first + n)
        return [self.table(0, n), rest]

    def draw(self) -> None:
        t = self.table(0, len(self._body))
        t.wrapOn(self.canv, sum(self._widths), self.height)
        t.drawOn(self.canv, 0, 0)


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


def _draw_frame(canvas: Canvas, doc, kit: Kit, frame: PageFrame, page: int | None, total: int | None) -> None:
    w, h = doc.pagesize
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    top = h - MARGIN + 2
    left = Paragraph(f"<b>{kit.fonts.markup(frame.title, breaks=False)}</b>", kit.header)
    right = Paragraph(kit.fonts.markup(frame.header_right, breaks=False), kit.header_right)
    usable = w - 2 * MARGIN
    _lw, lh = left.wrap(usable * 0.55, HEADER_H)
    left.drawOn(canvas, MARGIN, top - lh)
    _rw, rh = right.wrap(usable * 0.45, HEADER_H)
    right.drawOn(canvas, w - MARGIN - usable * 0.45, top - rh)
    canvas.line(MARGIN, top - max(lh, rh) - 2, w - MARGIN, top - max(lh, rh) - 2)
    if page is not None:
        base = MARGIN - 4
        canvas.line(MARGIN, base + 10, w - MARGIN, base + 10)
        foot = Paragraph(kit.fonts.markup(frame.footer, breaks=False), kit.header)
        foot.wrap(usable * 0.8, FOOTER_H)
        foot.drawOn(canvas, MARGIN, base)
        num = Paragraph(f"<b>Page {page} of {total}</b>", kit.header_right)
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
    doc.addPageTemplates([PageTemplate(id="page", frames=[body],
                                       onPage=lambda c, d: _draw_frame(c, d, kit, frame, None, None))])
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
                _draw_frame(self, doc, kit, frame, n, total)
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
    "build_pdf",
    "footer_text",
    "keep",
    "page_size",
    "spacer",
]
