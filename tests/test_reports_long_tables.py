"""Long report tables (a 20,000-file card's appendix): ``Kit.table`` pages them itself (``RowsTable``) and draws
one-line ASCII cells as plain strings. The PDF must still hold every row exactly once, in order, with the header
on every page, wrapped cells for long or non-ASCII text, and a failed row's mark on the right row."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pypdf import PdfReader
from reportlab.platypus import Table

from pixm_desktop.reports.model import ReportContext
from pixm_desktop.reports.pdf import Kit, PageFrame, RowsTable, build_pdf

CTX = ReportContext(created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tool_name="pixm", tool_version="t",
                    host="cart")


def _rows(n: int) -> list[list[object]]:
    rows: list[list[object]] = [[str(i), f"DCIM/100GOPRO/G{i:07d}.JPG", f"{i * 7:,}", f"{i:016x}"]
                                for i in range(1, n + 1)]
    rows[10][1] = "A001/Ünïcödé clip name — take 1.mov"  # non-ASCII: a Paragraph with the fallback fonts
    rows[20][1] = "A001/" + "very_long_folder_name/" * 8 + "clip.mov"  # too wide: wraps over lines
    return rows


def _pdf_text(tmp_path, n: int, mark: tuple[int, ...] = ()) -> tuple[list[str], object]:
    kit = Kit()
    w = 500.0
    table = kit.table(["#", "File", "Size", "xxh64"], _rows(n), [0.06 * w, 0.5 * w, 0.14 * w, 0.3 * w],
                      right=(0, 2), mono=(3,), mark_rows=mark)
    path = tmp_path / "long.pdf"
    build_pdf(path, [table], kit=kit, frame=PageFrame("t", "r", "f"), paper="a4", wide=False, title="t",
              subject="s", author=None, ctx=CTX)
    return [p.extract_text() for p in PdfReader(path).pages], table


def test_short_table_stays_a_plain_table(tmp_path):
    kit = Kit()
    assert isinstance(kit.table(["a"], [["x"]] * RowsTable.PAGE_ROWS, [100.0]), Table)
    assert isinstance(kit.table(["a"], [["x"]] * (RowsTable.PAGE_ROWS + 1), [100.0]), RowsTable)


def test_every_row_once_in_order_with_the_header_on_every_page(tmp_path):
    n = 1500
    pages, table = _pdf_text(tmp_path, n)
    assert isinstance(table, RowsTable)
    assert len(pages) > 10
    for text in pages:
        assert "xxh64" in text.splitlines()[2] or "xxh64" in text  # the header row repeats on each page
    hashes = [int(h, 16) for h in re.findall(r"\b[0-9a-f]{16}\b", "\n".join(pages))]
    assert hashes == list(range(1, n + 1))  # no row lost or repeated at a page break, in order
    text = "\n".join(pages)
    assert "Ünïcödé clip name" in text
    joined = re.sub(r"\s+", "", text)  # a wrapped cell's lines may break inside a word
    assert joined.count("very_long_folder_name/" * 8 + "clip.mov") == 1


def test_marked_row_keeps_its_mark_past_page_breaks(tmp_path):
    """A failed row's thick rule lands on that row's table piece, whatever page it falls on."""
    kit = Kit()
    rows = _rows(400)
    t = kit.table(["#", "File"], [r[:2] for r in rows], [40.0, 300.0], mark_rows=(3, 250))
    assert isinstance(t, RowsTable)
    pieces, rest = [], t
    while rest is not None:
        parts = rest.split(340.0, 500.0)
        pieces.append(parts[0])
        rest = parts[1] if len(parts) > 1 else None
        if len(parts) == 1:
            break
    marked = []
    seen = 0
    for piece in pieces:
        table = piece.table(0, piece._stop - piece._start)  # the piece as a reportlab Table, as it looks
        piece_rows = len(table._cellvalues) - 1
        for cmd in table._linecmds:
            if cmd[0] == "LINEBEFORE" and cmd[3] == 2.5:
                marked.append(seen + cmd[1][1] - 1)
        seen += piece_rows
    assert seen == 400
    assert marked == [3, 250]


def test_offload_appendix_row_numbers_stay_on_one_line_past_ten_thousand():
    """The appendix's "#" column widens to its largest number: "12000" was wrapped as "120"/"00" (and every
    such cell became a slow Paragraph) on cards of 10,000 files or more."""
    from types import SimpleNamespace

    from pixm_desktop.reports.offload import _appendix

    files = [SimpleNamespace(path=f"DCIM/{100 + i // 1000}GOPRO/G{i:07d}.JPG", size=4096 + i,
                             hashes={"xxh64": f"{i:016x}"}) for i in range(12_000)]
    kit = Kit()
    table = next(f for f in _appendix(SimpleNamespace(files=files, algorithms=["xxh64"]), kit, 510.0)
                 if isinstance(f, RowsTable))
    assert kit.fits(table._widths[0])("12000")
    assert all(isinstance(cell, str) for row in table._body for cell in row)  # one line each, no Paragraph
    assert sum(table._widths) == pytest.approx(510.0)
