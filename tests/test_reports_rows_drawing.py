"""``RowsTable`` draws long tables itself (plain string cells written straight into one PDF text object per
page, no reportlab ``Table`` per page): every page must carry exactly what a ``Table`` with ``Kit.table``'s
style draws there. Each test lays the same table out twice, once drawn by ``RowsTable`` and once by a
``Table`` per page piece (the way it was drawn before), and compares every page's drawing operations read back
from the PDF with pypdf: each text shown (font, size, colour, position, bytes), each rule (ends, width,
colour) and each filled box (corners, colour). The appendix's checksum cells (two formats or more) are held to
the Paragraph they replace the same way; the report's rows to the catalog's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from pixm_desktop.reports.fonts import build_fonts
from pixm_desktop.reports.model import ReportContext
from pixm_desktop.reports.pdf import CellLines, Kit, PageFrame, RowsTable, build_pdf

CTX = ReportContext(created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC), tool_name="pixm", tool_version="t",
                    host="cart")


class TableDrawn(RowsTable):
    """The same pieces, each drawn as one reportlab Table (the reference)."""

    def draw(self) -> None:
        t = self.table(0, self._stop - self._start)
        t.wrapOn(self.canv, sum(self._widths), self.height)
        t.drawOn(self.canv, 0, 0)


def _rows(n: int, picture: Path | None, kit: Kit) -> list[list[object]]:
    rows: list[list[object]] = [[str(i), f"DCIM/100GOPRO/G{i:07d}.JPG", f"{i * 7_919:,}".replace(",", " "),
                                 f"{i:016x}"] for i in range(1, n + 1)]
    rows[10][1] = "A001/Ünïcödé clip name — take 1.mov"  # non-ASCII: a Paragraph with the fallback fonts
    rows[20][1] = "A001/" + "very_long_folder_name/" * 8 + "clip.mov"  # too wide: wraps over lines
    rows[30][3] = "(\\paren) " * 3  # PDF string escapes
    rows[40][2] = ""  # an empty cell
    rows[50][1] = kit.rich([("bold ", "b"), ("small", "small"), ("mono", "mono")])
    if picture is not None:
        rows[60][1] = kit.thumbnail(picture, 60.0, 34.0)
    return rows


def _write(path: Path, cls: type[RowsTable], kit: Kit, *, valign: str, picture: Path | None) -> None:
    w = 500.0
    table = kit.table(["#", "File", "Size", "xxh64"], _rows(230, picture, kit),
                      [0.06 * w, 0.5 * w, 0.14 * w, 0.3 * w], right=(0, 2), mono=(3,), mark_rows=(5, 99, 100, 229),
                      valign=valign)
    assert type(table) is RowsTable
    table.__class__ = cls
    build_pdf(path, [table], kit=kit, frame=PageFrame("t", "r", "f"), paper="a4", wide=False, title="t",
              subject="s", author=None, ctx=CTX)


def _point(m, x: float, y: float) -> tuple[float, float]:
    return round(x * m[0] + y * m[2] + m[4], 2), round(x * m[1] + y * m[3] + m[5], 2)


def _drawing(path: Path) -> list[list[tuple]]:
    """Per page, the sorted drawing operations: texts, rules and filled boxes, in page coordinates."""
    pages = []
    for page in PdfReader(path).pages:
        fonts = {k: str(v.get_object()["/BaseFont"]) for k, v in page["/Resources"]["/Font"].items()}
        items: list[tuple] = []
        stack: list[dict] = []
        state: dict = {"w": None, "RG": None, "rg": None, "font": None, "from": None}

        def visit(operator, args, cm, tm, items=items, stack=stack, state=state, fonts=fonts) -> None:
            op = operator.decode() if isinstance(operator, bytes) else str(operator)
            if op == "q":
                stack.append(dict(state))
            elif op == "Q":
                state.update(stack.pop())
            elif op == "w":
                state["w"] = round(float(args[0]), 3)
            elif op in ("RG", "rg"):
                state[op] = tuple(round(float(a), 3) for a in args)
            elif op == "Tf":
                state["font"] = (fonts.get(args[0], args[0]), float(args[1]))
            elif op == "m":
                state["from"] = _point(cm, float(args[0]), float(args[1]))
            elif op == "l":
                items.append(("rule", state["from"], _point(cm, float(args[0]), float(args[1])), state["w"],
                              state["RG"]))
            elif op == "re":
                x, y, w, h = (float(a) for a in args)
                (x0, y0), (x1, y1) = _point(cm, x, y), _point(cm, x + w, y + h)
                items.append(("box", min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), state["rg"]))
            elif op in ("Tj", "TJ"):
                x, y = _point(cm, tm[4], tm[5])
                items.append(("text", x, y, state["font"], state["rg"], repr(args[0])))
            elif op == "Do":
                items.append(("image", _point(cm, 0, 0), _point(cm, 1, 1)))

        page.extract_text(visitor_operand_before=visit)
        pages.append(sorted(items, key=repr))
    return pages


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pic") / "frame.png"
    PILImage.new("RGB", (160, 90), (200, 40, 40)).save(path)
    return path


@pytest.mark.parametrize("valign", ["TOP", "MIDDLE", "BOTTOM"])
def test_rows_are_drawn_as_a_table_draws_them(tmp_path: Path, picture: Path, valign: str) -> None:
    kit = Kit()
    fast, ref = tmp_path / "fast.pdf", tmp_path / "table.pdf"
    _write(fast, RowsTable, kit, valign=valign, picture=picture)
    _write(ref, TableDrawn, Kit(), valign=valign, picture=picture)
    got, want = _drawing(fast), _drawing(ref)
    assert len(got) == len(want) > 3
    for n, (g, w) in enumerate(zip(got, want, strict=True), 1):
        assert g == w, f"page {n} differs"
    texts = [i[-1] for page in got for i in page if i[0] == "text"]
    assert "b'DCIM/100GOPRO/G0000230.JPG'" in texts and "b'00000000000000e6'" in texts
    assert sum(1 for page in got for i in page if i[0] == "rule" and i[3] == 2.5) == 4  # the marked rows
    assert sum(1 for page in got for i in page if i[0] == "image") == 1


def test_rows_in_a_font_without_ascii_subsets_are_drawn_as_a_table_draws_them(tmp_path: Path) -> None:
    """Without a TrueType font (Helvetica, the last resort) every string goes through reportlab's own
    text drawing: the same places and bytes."""
    fonts = build_fonts(bundled=[], system=[], prefix="rows_")
    assert fonts.regular == "Helvetica"
    fast, ref = tmp_path / "fast.pdf", tmp_path / "table.pdf"
    _write(fast, RowsTable, Kit(fonts), valign="TOP", picture=None)
    _write(ref, TableDrawn, Kit(fonts), valign="TOP", picture=None)
    assert _drawing(fast) == _drawing(ref)


def test_a_piece_that_fits_is_drawn_whole_and_the_rest_continues(tmp_path: Path) -> None:
    """Splitting shares the body (no copy per page) and keeps every row exactly once across pieces."""
    kit = Kit()
    table = kit.table(["#", "File"], [[str(i), f"f{i}"] for i in range(500)], [40.0, 300.0])
    assert isinstance(table, RowsTable)
    seen, rest = [], table
    while True:
        parts = rest.split(340.0, 600.0)
        assert parts and all(p._body is table._body for p in parts)
        seen.extend(range(parts[0]._start, parts[0]._stop))
        if len(parts) == 1:
            break
        rest = parts[1]
    assert seen == list(range(500))
    whole = kit.table(["#", "File"], [[str(i), f"f{i}"] for i in range(61)], [40.0, 300.0])
    assert whole.split(340.0, 10_000.0)[0]._stop == 61
    assert whole.wrap(340.0, 10_000.0)[1] == pytest.approx(whole.table(0, 61).wrap(340.0, 10_000.0)[1])


# --- the report's rows from the catalog ---------------------------------------------------------------------------


def test_offload_report_rows_are_the_catalogs(tmp_path: Path) -> None:
    """The appendix's files (read as plain rows) and each destination's failures (read as plain tuples) are
    what the catalog's File objects and ``status.file_states`` say: same files in the same order, the job's
    checksums only, a file not taken left out of the files and listed as failed on every destination, a
    failed copy on its own destination only."""
    from sqlalchemy import select

    from pixm_desktop.core.hashes import HashAlgorithm
    from pixm_desktop.services import reports, status
    from pixm_desktop.services.offload import OffloadService
    from pixm_desktop.services.verify import verify_folder
    from pixm_desktop.store import clips_repo
    from pixm_desktop.store.db import open_catalog
    from pixm_desktop.store.models import File
    from support.cards import flip_byte, write
    from support.offload import request

    card = tmp_path / "A001"
    for i in range(6):
        write(card / "CLIPS" / f"A001C{i:03d}_{'é' if i == 2 else ''}x.mov", bytes([i]) * (1000 + 17 * i))
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    dests = [tmp_path / "RAID", tmp_path / "SHUTTLE"]
    for d in dests:
        d.mkdir()
    service = OffloadService(catalog)
    result = service.run(service.prepare(request(card, dests, algorithms=(HashAlgorithm.XXH64,
                                                                          HashAlgorithm.MD5))))
    assert result.ok, result
    shuttle = next(p for p in (tmp_path / "SHUTTLE").rglob("A001C003_x.mov"))
    flip_byte(shuttle)
    verify_folder(shuttle.parent.parent, catalog=catalog)
    with catalog.session() as s:
        s.scalars(select(File).where(File.relpath == "CLIPS/A001C005_x.mov")).one().problem = "unreadable"
        s.commit()

    data = reports.offload_report_data(catalog, job_id=result.job_id)

    with catalog.session() as s:
        want = [(f.relpath, f.size, {a: getattr(f, a) for a in ("xxh64", "md5") if getattr(f, a, None)})
                for f in clips_repo.files_of_card(s, result.card_id)]
    assert data.algorithms == ["xxh64", "md5"]
    assert [(f.path, f.size, f.hashes) for f in data.files] == want
    assert len(want) == 5 and all(len(h) == 2 for _p, _s, h in want)
    failed = status.file_states(catalog, result.card_id, failures_only=True)
    for d in data.destinations:
        assert d.failures == [(f.relpath, f.reason or "failed") for f in failed if f.destination == d.path]
        assert d.failed == len(d.failures)
    by_dest = {d.path: [p for p, _r in d.failures] for d in data.destinations}
    assert sorted(len(v) for v in by_dest.values()) == [1, 2]  # the entry not taken on both, the bad copy on one
    assert all("CLIPS/A001C005_x.mov" in v for v in by_dest.values())
    catalog.close()


# --- checksum cells (two or more formats) -------------------------------------------------------------------------


def _checksum_table(path: Path, kit: Kit, n: int, *, as_lines: bool, cls: type[RowsTable] = RowsTable) -> None:
    """The appendix's table with two checksums a file: as CellLines, or as the Paragraph they replace."""
    w = 500.0
    widths = [0.06 * w, 0.36 * w, 0.12 * w, 0.46 * w]
    rows = []
    for i in range(1, n + 1):
        pairs = [("xxh64", f"{i:016x}"), ("md5", f"{i * 977:032x}")]
        if as_lines:
            sums = kit.checksum_lines(pairs, widths[3])
        else:
            parts: list[tuple[object, str]] = []
            for k, (name, value) in enumerate(pairs):
                parts += [(("" if k == 0 else "\n") + f"{name} ", "small"), (value, "mono")]
            sums = kit.rich(parts, kit.mono)
        rows.append([str(i), f"CLIPS/A001C{i:03d}.mov", f"{i * 31:,}", sums])
    table = kit.table(["#", "File", "Size", "Checksums"], rows, widths, right=(0, 2), mark_rows=(3,))
    if isinstance(table, RowsTable):
        table.__class__ = cls
    build_pdf(path, [table], kit=kit, frame=PageFrame("t", "r", "f"), paper="a4", wide=False, title="t",
              subject="s", author=None, ctx=CTX)


@pytest.mark.parametrize("n", [40, 150])  # a plain Table (CellLines.draw), a RowsTable (written into its text)
def test_checksum_lines_are_drawn_as_the_paragraph_they_replace(tmp_path: Path, n: int) -> None:
    kit = Kit()
    assert isinstance(kit.checksum_lines([("xxh64", "0" * 16), ("md5", "0" * 32)], 230.0), CellLines)
    fast, ref = tmp_path / "lines.pdf", tmp_path / "paragraph.pdf"
    _checksum_table(fast, kit, n, as_lines=True)
    _checksum_table(ref, Kit(), n, as_lines=False, cls=TableDrawn)
    got, want = _drawing(fast), _drawing(ref)
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want, strict=True), 1):
        assert g == w, f"page {k} differs"
    texts = [i[-1] for page in got for i in page if i[0] == "text"]
    assert f"b'{n * 977:032x}'" in texts and "b'md5 '" in texts


def test_checksum_lines_that_cannot_be_written_straight_stay_paragraphs() -> None:
    kit = Kit()
    c4 = "c4" + "1" * 88  # a C4 ID is 90 characters: it wraps
    assert isinstance(kit.checksum_lines([("xxh64", "0" * 16), ("c4", c4)], 230.0), Paragraph)
    assert isinstance(kit.checksum_lines([("xxh64", "—"), ("md5", "0" * 32)], 230.0), Paragraph)  # not ASCII
