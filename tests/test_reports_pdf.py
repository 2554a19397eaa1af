"""PDF offload and daily reports from a real shoot: generated ARRI and Sony cards with encoded clips and a
sound roll of BWF takes, offloaded to two destinations, ingested (probe, thumbnails, sound pre-fill) and
logged, in a tmp catalog. The PDFs' text is extracted with pypdf and checked against the catalog; the
embedded fonts are opened to prove every odd character has a real glyph."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFontFile
from reportlab.platypus import Paragraph

from pixm_desktop import __version__
from pixm_desktop.core.model import Camera
from pixm_desktop.reports import write_offload_report
from pixm_desktop.reports.fonts import build_fonts, load_fonts
from pixm_desktop.reports.pdf import Kit
from pixm_desktop.samples.samplecard import generate_card
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import clips, reports, status
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.services.verify import verify_folder
from pixm_desktop.store.db import open_catalog
from support.report_shoot import DAY, NOTE, ODD_FILES, PROJECT, Shoot, build_shoot, offload_card


@pytest.fixture(scope="module")
def shoot(tmp_path_factory: pytest.TempPathFactory):
    s = build_shoot(tmp_path_factory.mktemp("shoot"))
    yield s
    s.catalog.close()


# --- helpers ----------------------------------------------------------------------------------------------------


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def squash(text: str) -> str:
    """NFC, no whitespace: text extraction breaks long names across lines."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def glyph_report(path: Path) -> tuple[set[str], set[str], set[str]]:
    """(characters with a real glyph, characters mapped to .notdef, names of non-embedded fonts) over every
    page: each embedded TrueType subset's ToUnicode map is joined with the subset font's own cmap."""
    good, bad, standard = set(), set(), set()
    seen = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            name = str(font["/BaseFont"])
            if name in seen:
                continue
            seen.add(name)
            if font["/Subtype"] != "/TrueType":
                standard.add(name)
                continue
            data = font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            tt = TTFontFile(io.BytesIO(data), charInfo=1, validate=0)
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            pairs = [m for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S)
                     for m in re.findall(r"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]+)>", block)]
            for code, uni in pairs:
                text = bytes.fromhex(uni).decode("utf-16-be")
                if text == "\x00":
                    continue
                glyph = tt.charToGlyph.get(int(code, 16), 0)
                (good if glyph else bad).update(text)
    return good, bad, standard


# --- offload report -----------------------------------------------------------------------------------------------


def test_offload_report_matches_the_catalog(shoot: Shoot, tmp_path: Path) -> None:
    label = shoot.arri.root.name
    out = tmp_path / "offload.pdf"
    result = reports.write_offload_report(shoot.catalog, out, card_label=label)
    assert result.pages >= 2 and result.bytes == out.stat().st_size and result.warnings == []
    pages = pdf_pages(out)
    text = "\n".join(pages)
    flat = squash(text)
    card = next(c for c in catalog_views.cards(shoot.catalog) if c["label"] == label)
    job = next(j for j in catalog_views.jobs(shoot.catalog) if j["card"] == label)
    verdict = status.card_status(shoot.catalog, card["id"]).verdict
    # header facts
    assert f"Offload report — {label}" in text
    assert squash(PROJECT) in flat and DAY.isoformat() in text
    assert ("NOT SAFE TO FORMAT" in text) is (not verdict.safe) and squash(verdict.reason) in flat
    assert f"#{job['id']} COMPLETED" in text and "xxh64" in text and f"pixm {__version__}" in text
    assert job["host"] in text
    assert squash(f"{card['bytes']:,}".replace(",", "\u202f") + " bytes") in flat
    # every destination: path, verified count, its ASC MHL generation file
    for d in job["destinations"]:
        assert squash(d["path"]) in flat
        assert squash(d["mhl_generation"]) in flat
    assert text.count(f"{card['files']} of {card['files']}") == len(job["destinations"])
    assert text.count("VERIFIED") >= len(job["destinations"])
    # every clip with TC in, duration and fps
    rows = clips.list_clips(shoot.catalog, ClipFilter(card_id=card["id"]))
    assert f"Clips ({len(rows)})" in text
    for r, c in zip(rows, shoot.arri.clips, strict=True):
        assert r.name == c.clip_name and r.name in text and r.start_tc in text
    assert "00:00:02:00" in text and "23.976" in text
    assert "CIRCLED" in text and "12A / 1" in text and "14 / 2" in text  # pre-filled from sound, logged by hand
    # appendix: every file with its size and xxh64, as catalogued
    files = catalog_views.files(shoot.catalog, card["id"])
    assert len(files) == card["files"]
    assert "Appendix — files and checksums" in text
    for f in files:
        assert squash(f["path"]) in flat, f["path"]
        assert f["hashes"]["xxh64"] in text
        assert f"{f['size']:,}".replace(",", " ") in text
    assert pages[0].rstrip().endswith(f"Page 1 of {len(pages)}")
    assert pages[-1].rstrip().endswith(f"Page {len(pages)} of {len(pages)}")
    for n, page in enumerate(pages, 1):  # header and footer drawn once each (page 1's title says it too)
        assert page.count(f"Offload report — {label}") == (2 if n == 1 else 1) and page.count(f"Page {n} of") == 1


def test_offload_report_by_job_id_equals_by_card(shoot: Shoot, tmp_path: Path) -> None:
    label = shoot.sony.root.name
    job_id = next(j["id"] for j in catalog_views.jobs(shoot.catalog) if j["card"] == label)
    by_job = reports.offload_report_data(shoot.catalog, job_id=job_id)
    by_card = reports.offload_report_data(shoot.catalog, card_label=label)
    assert by_job.job_id == by_card.job_id == job_id
    assert [f.path for f in by_job.files] == [f.path for f in by_card.files]
    assert by_job.dit and by_job.dit == by_card.dit  # the author recorded in ASC MHL
    forced = reports.offload_report_data(shoot.catalog, job_id=job_id, options=reports.ReportOptions(dit="Ana"))
    assert forced.dit == "Ana"


def test_failed_copies_are_listed_with_reasons(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = generate_card(tmp_path / "cards", Camera.ARRI, clips=2, seconds=0.5, width=320, height=180, seed=9)
    card_id = offload_card(catalog, card.root, [tmp_path / "RAID", tmp_path / "SHUTTLE"], project="Film")
    clips.ingest_card(catalog, card_id)
    dest = next(d for d in catalog_views.jobs(catalog)[0]["destinations"] if "SHUTTLE" in d["path"])["path"]
    victim = Path(dest) / card.clips[1].files[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped bit pattern in the middle of the clip
    victim.write_bytes(bytes(data))
    verify_folder(Path(dest), catalog=catalog)
    out = tmp_path / "failed.pdf"
    reports.write_offload_report(catalog, out, card_label=card.root.name)
    text = "\n".join(pdf_pages(out))
    assert "NOT SAFE TO FORMAT" in text and "FAILED" in text
    failures = status.file_states(catalog, card_id, failures_only=True)
    assert [f.relpath for f in failures] == [card.clips[1].files[0]]
    assert card.clips[1].files[0] in text and squash(failures[0].reason) in squash(text)
    daily = tmp_path / "daily.pdf"
    reports.write_daily_report(catalog, DAY, daily)
    dtext = "\n".join(pdf_pages(daily))
    assert "ATTENTION" in dtext and "NOT SAFE" in dtext and squash(card.clips[1].files[0]) in squash(dtext)
    catalog.close()


# --- daily report -------------------------------------------------------------------------------------------------


def test_daily_report_totals_match_the_catalog(shoot: Shoot, tmp_path: Path) -> None:
    out = tmp_path / "daily.pdf"
    result = reports.write_daily_report(shoot.catalog, DAY, out)
    pages = pdf_pages(out)
    text = "\n".join(pages)
    flat = squash(text)
    assert result.pages == len(pages) >= 2
    for n, page in enumerate(pages, 1):  # page numbers, creation time and tool version on every page
        assert f"Page {n} of {len(pages)}" in page
        assert "Created " in page and f"pixm {__version__}" in page
    cards = [c for c in catalog_views.cards(shoot.catalog) if c["day"] == DAY.isoformat()]
    assert len(cards) == 3
    for c in cards:
        assert c["label"] in text
    data = reports.daily_report_data(shoot.catalog, DAY)
    by_cam = {t.camera: t for t in data.cameras}
    assert set(by_cam) == {"A", "B"}
    a, b = by_cam["A"], by_cam["B"]
    arri_card = next(c for c in cards if c["label"] == shoot.arri.root.name)
    assert (a.cards, a.clips, a.bytes) == (1, 3, arri_card["bytes"])
    assert a.duration_tc == "00:00:06:00" and b.duration_tc == "00:00:02:00"  # 3 × 2 s, 2 × 1 s at 24 labels/s
    assert f"{a.bytes:,}".replace(",", " ") in text and "00:00:06:00" in text
    total = sum(c["bytes"] for c in cards)
    assert squash(f"{total:,}".replace(",", "\u202f") + " bytes") in flat
    assert data.total_bytes == total
    # sound roll with its takes and scenes
    assert [(s.roll, s.takes, s.scenes) for s in data.sound_rolls] == [("SR01", 2, ["12A"])]
    assert "Sound rolls (1)" in text and "SR01" in text and "Sound takes (2)" in text
    # clips with the logger's fields
    assert f"Clips ({len(shoot.arri.clips) + len(shoot.sony.clips)})" in text
    for c in (*shoot.arri.clips, *shoot.sony.clips):
        assert c.clip_name in text
    assert "CIRCLED" in text and "Σ-1" in text
    # storage: both drives share this disk, each folder holds every file of the three cards verified
    files = sum(c["files"] for c in cards)
    assert sum(s.files for s in data.storage) == 2 * files
    assert sum(s.bytes_verified for s in data.storage) == 2 * total
    assert "Storage used per destination" in text and "Warnings and failures" in text


def test_unknown_card_job_and_day_are_usage_errors(shoot: Shoot, tmp_path: Path) -> None:
    from pixm_desktop.core.errors import UsageError

    with pytest.raises(UsageError, match="no card labelled"):
        reports.offload_report_data(shoot.catalog, card_label="Z999")
    with pytest.raises(UsageError, match="no job #4242"):
        reports.offload_report_data(shoot.catalog, job_id=4242)
    with pytest.raises(UsageError, match="no shoot day 2001-01-01") as err:
        reports.daily_report_data(shoot.catalog, dt.date(2001, 1, 1))
    assert DAY.isoformat() in str(err.value)
    assert not (tmp_path / "x.pdf").exists()


def test_shoot_days_and_jobs_for_the_reports_page(shoot: Shoot) -> None:
    days = reports.shoot_days(shoot.catalog)
    assert [(d.project, d.day, d.cards) for d in days] == [(PROJECT, DAY, 3)]
    jobs = reports.offload_jobs(shoot.catalog, day=DAY)
    assert sorted(j.card_label for j in jobs) == sorted(shoot.ids)
    assert reports.suggested_filename("offload", "A/B:C") == "A_B_C_offload.pdf"


# --- odd characters -----------------------------------------------------------------------------------------------


def test_odd_characters_render_with_real_glyphs(shoot: Shoot, tmp_path: Path) -> None:
    if not load_fonts().can_draw("東京日本語メモ"):
        pytest.skip("no font with CJK glyphs is installed (Debian: fonts-droid-fallback; CI installs it)")
    offload = tmp_path / "offload.pdf"
    daily = tmp_path / "daily.pdf"
    r1 = reports.write_offload_report(shoot.catalog, offload, card_label=shoot.arri.root.name)
    r2 = reports.write_daily_report(shoot.catalog, DAY, daily)
    assert r1.warnings == [] and r2.warnings == []  # no character without a glyph
    wanted = [PROJECT, NOTE, *ODD_FILES]
    for path, needles in ((offload, wanted), (daily, [PROJECT, NOTE, "Σ-1"])):
        text = "\n".join(pdf_pages(path))
        assert "\ufffd" not in text
        flat = squash(text)
        for needle in needles:  # extracted in NFC: the NFD input printed as precomposed glyphs
            assert squash(needle) in flat, needle
        assert "<b>bold</b>&co" in flat  # markup in a note is text, never formatting
        good, bad, standard = glyph_report(path)
        assert standard == set(), f"non-embedded fonts used: {standard}"
        # reportlab's first subset of a font maps all of ASCII, used or not: judge the odd characters, which
        # only enter a subset when drawn
        odd = {ch for n in needles for ch in unicodedata.normalize("NFC", n) if ord(ch) > 127}
        assert odd and not odd & bad, f"characters drawn as .notdef: {odd & bad}"
        assert odd <= good, odd - good


@pytest.mark.parametrize("text", [
    "<b>", "</para>", "a < b > c", "&amp; &lt; &", "<font name='Nope'>x</font>", "<br/><br>", "]]>",
    "<img src='/etc/passwd'/>", "e\u0301\u0301\u0301", "tab\there\nline", "\x00\x07bell",
])
def test_markup_never_breaks_a_paragraph(text: str) -> None:
    kit = Kit()
    para = Paragraph(kit.fonts.markup(text), kit.cell)
    para.wrap(200, 1000)
    shown = "".join(w for line in para.blPara.lines for w in (line[1] if isinstance(line, tuple) else
                                                               [f.text for f in line.words]))
    for ch in unicodedata.normalize("NFC", text):
        if ch.isprintable() and not ch.isspace():
            assert ch in shown


def test_without_a_truetype_font_helvetica_is_used_with_a_warning(shoot: Shoot, tmp_path: Path) -> None:
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    fonts = build_fonts(bundled=[empty], system=[empty], prefix="T-")
    assert not fonts.embedded and fonts.regular == "Helvetica"
    data = reports.offload_report_data(shoot.catalog, card_label=shoot.arri.root.name)
    out = tmp_path / "helvetica.pdf"
    result = write_offload_report(data, out, fonts=fonts)
    assert any("Helvetica" in w for w in result.warnings)
    assert any("no font could draw" in w and "東" in w for w in result.warnings)
    text = "\n".join(pdf_pages(out))
    assert shoot.arri.root.name in text and "Café" in text  # Latin-1 still draws


def test_shipped_fonts_are_used_and_licensed() -> None:
    fonts = load_fonts()
    assert fonts.embedded
    shipped = Path(__file__).resolve().parents[1] / "resources" / "fonts"
    assert Path(fonts.sources[fonts.regular]).parent == shipped
    assert (shipped / "LICENSE-DejaVu.txt").is_file()
    for ch in "éÉßŒœ€ΩЖжאא™→✓":
        assert fonts.can_draw(ch), ch
    assert os.path.basename(fonts.sources[fonts.mono]) == "DejaVuSansMono.ttf"


def test_card_without_clips_and_unreadable_thumbnails(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = generate_card(tmp_path / "cards", Camera.ARRI, clips=1, seconds=0.5, width=320, height=180)
    offload_card(catalog, card.root, [tmp_path / "RAID"], project="Film")  # not ingested: no clips yet
    out = tmp_path / "offload.pdf"
    reports.write_offload_report(catalog, out, card_label=card.root.name)
    assert "No clips catalogued for this card yet" in "\n".join(pdf_pages(out))
    reports.write_daily_report(catalog, DAY, tmp_path / "daily.pdf")
    text = " ".join("\n".join(pdf_pages(tmp_path / "daily.pdf")).split())
    assert "WARNING" in text and "no clips catalogued yet" in text
    catalog.close()
    kit = Kit()
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"\xff\xd8 not a jpeg")
    for path in (junk, tmp_path / "missing.jpg", None):
        flowable = kit.thumbnail(path, 60, 34)
        assert isinstance(flowable, Paragraph) and "no picture" in flowable.getPlainText()


def test_rating_flag_and_production_in_the_reports(shoot: Shoot, tmp_path: Path) -> None:
    label = shoot.arri.root.name
    card = next(c for c in catalog_views.cards(shoot.catalog) if c["label"] == label)
    rows = clips.list_clips(shoot.catalog, ClipFilter(card_id=card["id"]))
    before = clips.log_values(shoot.catalog, [rows[0].id], ["rating", "flagged"])
    clips.update_log(shoot.catalog, [rows[0].id], rating=4, flagged=True)
    try:
        options = reports.ReportOptions(dit="Ana Lopez", production="Big Film", company="Acme Pictures",
                                        unit="Splinter")
        out = tmp_path / "offload.pdf"
        reports.write_offload_report(shoot.catalog, out, card_label=label, options=options)
        text = "\n".join(pdf_pages(out))
        assert squash("Circle, rating, flag") in squash(text) and "4/5" in text and "FLAGGED" in text
        for fact in ("Production Big Film", "Company Acme Pictures", "Camera unit Splinter", "DIT Ana Lopez"):
            assert squash(fact) in squash(text), fact
        daily = tmp_path / "daily.pdf"
        reports.write_daily_report(shoot.catalog, DAY, daily, options=options)
        text = "\n".join(pdf_pages(daily))
        assert "4/5" in text and "FLAGGED" in text and squash("Production Big Film") in squash(text)
        # nothing set: no empty production lines
        reports.write_offload_report(shoot.catalog, out, card_label=label)
        assert "Production" not in "\n".join(pdf_pages(out))
    finally:
        clips.restore_log(shoot.catalog, before)


def test_names_wrap_at_their_separators_not_mid_word() -> None:
    from pixm_desktop.reports.text import wrap_at_separators
    fits = Kit(load_fonts()).fits(60, bold=True)
    got = wrap_at_separators("A001C005_231123_R1AB.mov", fits)
    assert got.replace("\n", "") == "A001C005_231123_R1AB.mov" and "\n" in got
    assert all(line[-1] in "_-." for line in got.split("\n")[:-1])  # every break after a separator
    assert wrap_at_separators("short.mov", fits) == "short.mov"
    assert wrap_at_separators("A" * 40, fits) == "A" * 40  # one long part: left whole
    assert wrap_at_separators("a-b_c.d", lambda t: len(t) <= 2) == "a-\nb_\nc.\nd"
