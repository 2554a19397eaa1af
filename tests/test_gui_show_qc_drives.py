"""The window's side of issue 12 (item 4): Settings → Show profile (import the example, refuse a malformed file
showing its line, the installed profile unchanged), ingest QC on the card tile and the Verification page
(acknowledging a finding records the note and shows it), the Drives page (add a drive, wipe check NOT SAFE
naming the files of a drive holding the only copies), and the daily report's QC and storage sections.

Cards are real sample cards offloaded by the window (QC runs in its aftercare) or by the services."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

from pypdf import PdfReader

from pixm_desktop.core.states import AftercareJobOptions, JobKind
from pixm_desktop.engine.drives import VolumeIdentity
from pixm_desktop.gui.jobs import JobState
from pixm_desktop.services import drives, jobs, show
from pixm_desktop.services import qc as qc_service
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.reports import ReportOptions
from pixm_desktop.services.reports.daily import write_daily_report
from pixm_desktop.services.settings import open_catalog
from support.cards import make_card

pytest_plugins = ["support.gui"]

LONG = 120_000  # ms
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "show-profile.json"
FPS = Fraction(24000, 1001)
DAY = dt.date(2026, 11, 23)


def profile_doc() -> dict:
    """The example profile made to match the ARRI sample cards (ProRes HQ 640×360 at 23.976)."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["cameras"] = [{"letter": "A", "unit": "main", "make": "arri", "codec": {"name": "prores", "profile": "HQ"},
                       "resolution": {"width": 640, "height": 360}, "frame_rate": "24000/1001",
                       "timecode": {"rate": "24000/1001", "drop_frame": False}, "naming": {"rule": "arri"}}]
    doc["sound"]["timecode"] = {"rate": "24000/1001", "drop_frame": False}
    return doc


def install_profile(catalog_path: Path) -> None:
    path = catalog_path.parent / "profile-in.json"
    path.write_text(json.dumps(profile_doc(), indent=2), encoding="utf-8")
    show.import_profile(path, catalog_path, force=True)


def fake_probes(capacity: int = 2 * 10**12) -> dict:
    """``identity_of`` for a tmp folder standing for a filesystem of its own (mounted there, with a UUID); the
    physical drive stays the real one, which the offload recorded for its copies."""
    def identity_of(p: Path) -> VolumeIdentity:
        return VolumeIdentity("uuid-shuttle-07", "SHUTTLE", capacity, str(p), "/dev/fake1", "exfat", None)

    return {"identity_of": identity_of}


def bad_example(tmp_path: Path) -> tuple[Path, int]:
    """The example with ``revision`` made a string: refused by the schema; returns the file and that line."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    n = next(i for i, x in enumerate(lines) if '"revision"' in x)
    lines[n] = lines[n].split(":")[0] + ': "three",\n'
    bad = tmp_path / "bad-profile.json"
    bad.write_text("".join(lines), encoding="utf-8")
    return bad, n + 1


# ------------------------------------------------------------------------------------------ the show profile


def test_settings_imports_the_example_and_refuses_a_malformed_file(cart, qtbot, tmp_path):
    win = cart.window(start=False)
    win.show_page("settings")
    box = win.settings_page.show_profile
    qtbot.waitUntil(lambda: box.task.done, timeout=LONG)
    assert "No show profile is installed" in box.summary.text()
    box.import_file(EXAMPLE)
    qtbot.waitUntil(lambda: box.profile is not None, timeout=LONG)
    example = show.validate_file(EXAMPLE)
    assert box.summary.text() == f"Installed: {example.stamp}"
    assert box.cameras.rowCount() == len(example.cameras)
    assert box.cameras.item(0, 0).text() == f"{example.cameras[0].letter} · {example.cameras[0].unit}"
    assert example.production.name in box.fields["production"].text()
    installed = show.profile_path(cart.catalog_path).read_bytes()

    bad, line = bad_example(tmp_path)
    box.import_file(bad)
    qtbot.waitUntil(lambda: box.message.text().startswith("Not imported"), timeout=LONG)
    text = box.message.text()
    assert str(bad) in text and f"line {line}" in text and "revision" in text, text
    assert box.message.objectName() == "problem"
    assert show.profile_path(cart.catalog_path).read_bytes() == installed  # the installed one unchanged
    assert box.summary.text() == f"Installed: {example.stamp}"

    box.validate_path(bad)
    qtbot.waitUntil(lambda: "is not valid" in box.message.text(), timeout=LONG)
    assert f"line {line}" in box.message.text()
    out = tmp_path / "exported.json"
    box.export_to(out)
    qtbot.waitUntil(lambda: box.message.text().startswith("Exported"), timeout=LONG)
    assert out.read_bytes() == installed


# ----------------------------------------------------------------------------------------------- ingest QC


def test_card_breaking_the_profile_shows_qc_on_its_tile_and_verification_page(cart, qtbot):
    install_profile(cart.catalog_path)
    win = cart.window(ingest_clips=True)
    win.state.update(dit="Ana Lopez")
    card = cart.card("arri", reel="A002", clips=2, seconds=1.0, fps=Fraction(25))  # 25 fps on a 23.976 show
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    qtbot.waitUntil(lambda: win.aftercare.tasks and win.aftercare.tasks[0].state == "done", timeout=LONG)
    assert win.aftercare.tasks[0].result.qc is not None  # QC ran in the aftercare
    tile = win.offload_page.tiles.tile(job)
    qtbot.waitUntil(lambda: "error" in tile.qc_text, timeout=LONG)
    stored = qc_service.findings_for_card(cart.catalogs[0], job.card_id)
    errors = sum(f.severity == "error" for f in stored)
    assert {f.rule for f in stored} == {"frame_rate"} and errors == 2  # one per clip, nothing else
    assert tile.qc_text == "QC: 2 errors" and tile.qc.isVisible()
    assert "#" in tile.qc.styleSheet()  # drawn in the error colour

    win.open_card(job.card_id)
    panel = win.verification_page.qc
    qtbot.waitUntil(lambda: panel.card_id == job.card_id and len(panel.findings) == len(stored), timeout=LONG)
    rows = [[panel.table.item(r, c).text() for c in range(panel.table.columnCount())]
            for r in range(panel.table.rowCount())]
    assert any(r[1] == "frame_rate" and "24000/1001" in r[3] and r[4] == "25 fps" for r in rows), rows
    assert win.verification_page.tabs.tabText(1) == f"QC ({len(stored)} open)"
    target = next(r for r, f in enumerate(panel.findings) if f.rule == "frame_rate")
    fid = panel.findings[target].id
    panel.table.selectRow(target)
    panel.acknowledge_selected("B camera ran 25 fps for the slow-motion insert, agreed with post")
    qtbot.waitUntil(lambda: any(f.id == fid and f.ack_at is not None for f in panel.findings), timeout=LONG)
    row = next(r for r, f in enumerate(panel.findings) if f.id == fid)
    assert panel.table.rowCount() == len(stored)  # acknowledged: still listed
    assert panel.table.item(row, 0).text() == "error (ack.)"
    ack = panel.table.item(row, 5).text()
    assert ack.startswith("Ana Lopez · ") and ack.endswith("agreed with post")
    [again] = [f for f in qc_service.findings_for_card(cart.catalogs[0], job.card_id) if f.id == fid]
    assert again.ack_by == "Ana Lopez" and again.ack_note.startswith("B camera ran 25 fps")
    assert win.verification_page.tabs.tabText(1) == f"QC ({len(stored) - 1} open)"


# ------------------------------------------------------------------------------------------------ drives


def test_drives_page_adds_a_drive_and_the_only_copies_are_not_safe_to_wipe(cart, qtbot):
    shuttle = cart.dests[1]
    card = cart.card("arri", clips=2, seconds=1.0)
    catalog = open_catalog(cart.catalog_path)
    try:  # the shuttle holds the only copy of the card
        service = OffloadService(catalog)
        assert service.run(service.prepare(OffloadRequest(card, [shuttle], project="Film", day=DAY))).ok
    finally:
        catalog.close()
    win = cart.window()
    win.show_page("drives")
    page = win.drives_page
    page.probes = fake_probes()
    page.add_drive(shuttle, "SHUTTLE-07", "shuttle")
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=LONG)
    cells = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert cells[:3] == ["SHUTTLE-07", "shuttle", "cart"] and cells[5] == "1", cells
    assert "2.00 TB" in cells[4] and "added" in cells[6]
    assert page.forecast_table.rowCount() == 1 and page.forecast_table.item(0, 0).text() == "SHUTTLE-07"
    page.table.selectRow(0)
    page.wipe_check_selected()
    qtbot.waitUntil(lambda: page.verdict is not None, timeout=LONG)
    assert not page.verdict.safe
    assert page.verdict_text.text().startswith("SHUTTLE-07: NOT SAFE TO WIPE — ")
    assert page.verdict_text.objectName() == "badgeWarn"  # the colour of a card NOT SAFE to format
    lines = [page.result_lines.item(i).text() for i in range(page.result_lines.count())]
    names = sorted(p.relative_to(card).as_posix() for p in card.rglob("*") if p.is_file())
    assert len(lines) == len(names) and all(any(n in x for x in lines) for n in names), lines
    page.retire_selected()  # refused: not safe, no note
    qtbot.waitUntil(lambda: "not retired" in page.verdict_text.text(), timeout=LONG)
    assert drives.list_drives(cart.catalogs[0])[0].status != "retired"


# ------------------------------------------------------------------------------------------ daily report


def test_daily_report_has_qc_findings_and_storage(tmp_path):
    dests = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    catalog_path = tmp_path / "catalog.sqlite"
    install_profile(catalog_path)
    card = make_card(tmp_path / "cards", "arri", clips=2, reel="A002", fps=Fraction(25), day=DAY)
    catalog = open_catalog(catalog_path)
    try:
        service = OffloadService(catalog)
        result = service.run(service.prepare(OffloadRequest(card.root, dests, project="Film", day=DAY)))
        assert result.ok
        jobs.execute(catalog, JobKind.AFTERCARE, AftercareJobOptions(card_id=result.card_id))
        found = qc_service.findings_for_card(catalog, result.card_id)
        rate = next(f for f in found if f.rule == "frame_rate")
        qc_service.acknowledge(catalog, rate.id, "slow-motion insert, agreed with post", by="Ana Lopez")
        drives.add_drive(catalog, dests[1], "SHUTTLE-07", **fake_probes(4 * 10**12))
        pdf = tmp_path / "daily.pdf"
        write_daily_report(catalog, DAY, pdf, options=ReportOptions())
    finally:
        catalog.close()
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    flat = " ".join(text.split())
    assert "Ingest QC" in flat and "frame_rate" in flat and "24000/1001" in flat
    assert "slow-motion insert, agreed with post" in flat and "Ana Lopez" in flat
    open_errors = sum(f.severity == "error" for f in found) - 1
    assert "ATTENTION" in flat and f"{open_errors} open QC error" in flat
    assert "Storage" in flat and "Offloaded this day" in flat and "Average per shoot day" in flat
    assert "SHUTTLE-07" in flat and "Days to full" in flat and "4.00 TB" in flat
