"""The VFX count sheet: one PDF row per shot with its thumbnail, clip, camera and lens, source timecodes,
handles and VFX frame numbers (reportlab, built-in Helvetica: names are printed in Latin-1, other letters
replaced)."""

from __future__ import annotations

import io
import os
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

HEAD = ("Thumbnail", "Shot", "Clip / camera / lens", "Source TC", "Handles", "VFX frames", "Frames")


def _text(value: object) -> str:
    return escape(str(value).encode("latin-1", "replace").decode("latin-1"))


def count_sheet_pdf(title: str, rows: list[dict], thumbnails: dict[str, str | None]) -> bytes:
    """The count sheet of ``rows`` (pull list rows, see ``post.pulls.CSV_FIELDS``) as PDF bytes;
    ``thumbnails``: ``{clip name: image path or None}`` (a missing image leaves the cell empty)."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    data: list[list] = [list(HEAD)]
    for r in rows:
        thumb = thumbnails.get(r["clip"])
        img = Image(thumb, width=40 * mm, height=22.5 * mm) if thumb and os.path.isfile(thumb) else ""
        short = f"<br/>SHORT: {_text(r['short'])}" if r.get("short") else ""
        data.append([
            img, Paragraph(f"<b>{_text(r['shot'])}</b><br/>event {_text(r['event'])} V{_text(r['track'])}", small),
            Paragraph(f"{_text(r['clip'])}<br/>{_text(r['camera'])}<br/>{_text(r['lens'])}", small),
            Paragraph(f"cut {_text(r['src_tc_in'])}–{_text(r['src_tc_out'])}<br/>"
                      f"pull {_text(r['pull_tc_in'])}–{_text(r['pull_tc_out'])}", small),
            Paragraph(f"head {_text(r['handles_head'])}<br/>tail {_text(r['handles_tail'])}{short}", small),
            Paragraph(f"{_text(r['vfx_first'])}–{_text(r['vfx_last'])}<br/>cut {_text(r['vfx_cut_in'])}–"
                      f"{_text(r['vfx_cut_out'])}", small),
            Paragraph(_text(r["frames"]), small)])
    table = Table(data, colWidths=[44 * mm, 34 * mm, 60 * mm, 50 * mm, 24 * mm, 34 * mm, 18 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
                               ("FONTSIZE", (0, 0), (-1, 0), 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    doc.build([Paragraph(_text(title), styles["Heading2"]),
               Paragraph(f"{len(rows)} shot(s)", small), Spacer(1, 4 * mm), table])
    return buf.getvalue()
