"""The Reports page on a real shoot (generated ARRI cards with encoded clips, offloaded to two destinations and
ingested): days and cards newest first, the PDF previewed in the window with QtPdf, daily and offload PDFs, ALE
and CSV saved through the page and read back (pypdf, OpenTimelineIO, csv), errors as notices; and the Settings
controls for clips and automatic reports kept between runs."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio
import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QFileDialog

from pixm_desktop.gui.pages.history import COLUMNS as HISTORY_COLUMNS
from pixm_desktop.gui.pages.reports import DATA_ROLE
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import clips, reports, status
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.samples import make_card
from pixm_desktop.services.settings import open_catalog
from support.cards import write
from support.host import is_root

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

DAY = dt.date(2026, 11, 23)
DAY_BEFORE = dt.date(2026, 11, 22)  # a card without clips (no media): nothing for an ALE
PROJECT = "Big Film"
WAIT = 60_000  # ms: a report with thumbnails takes seconds on a loaded CI machine


@dataclass
class Shoot:
    folder: Path  # holds catalog.sqlite (copied into each test's cart)
    labels: list[str]  # ARRI cards of DAY, in offload order
    ids: dict[str, int]  # label -> card id
    clip_names: dict[str, list[str]]  # label -> clip names
    hashes: dict[str, list[str]]  # label -> xxh64 of every file


def _offload(catalog, card: Path, dests: list[Path], day: dt.date) -> int:
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(card, dests, project=PROJECT, day=day)))
    assert result.ok, result
    return result.card_id


@pytest.fixture(scope="module")
def shoot(tmp_path_factory) -> Shoot:
    base = tmp_path_factory.mktemp("reports-shoot")
    catalog = open_catalog(base / "catalog.sqlite")
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    try:
        plain = base / "cards" / "B001R9ZZ"
        write(plain / "B001C001_261122_R9ZZ.txt", os.urandom(5_000))
        _offload(catalog, plain, dests, DAY_BEFORE)
        labels, ids, names, hashes = [], {}, {}, {}
        for reel, seed in (("A001", 1), ("A002", 2)):
            card = make_card(base / "cards" / reel, "arri", clips=2, seconds=1, reel=reel, seed=seed).root
            card_id = _offload(catalog, card, dests, DAY)
            clips.ingest_card(catalog, card_id)
            labels.append(card.name)
            ids[card.name] = card_id
            names[card.name] = [r.name for r in clips.list_clips(catalog, ClipFilter(card_id=card_id))]
            hashes[card.name] = [f["hashes"]["xxh64"] for f in catalog_views.files(catalog, card_id)]
            assert len(names[card.name]) == 2 and hashes[card.name]
    finally:
        catalog.close()
    return Shoot(base, labels, ids, names, hashes)


def _use_shoot(cart, shoot: Shoot) -> None:
    """The cart's catalog is a copy of the shoot's (thumbnails and destinations stay where they were)."""
    for suffix in ("", "-wal", "-shm"):
        src = shoot.folder / f"catalog.sqlite{suffix}"
        if src.exists():
            shutil.copy2(src, cart.catalog_path.with_name(cart.catalog_path.name + suffix))


def _open_reports(cart, shoot: Shoot):
    _use_shoot(cart, shoot)
    win = cart.window()
    win.show_page("reports")
    rp = win.reports_page
    cart.qtbot.waitUntil(lambda: rp.days.count() == 2 and rp.jobs.count() == 2, timeout=WAIT)
    return win, rp


def _wait_preview(qtbot, rp, kind: str, card: str | None = None) -> None:
    """Wait until the preview shows the report picked in the lists (``kind``, of ``card``)."""
    qtbot.waitUntil(lambda: rp.preview_selection is not None and rp.preview_selection == rp.selection(),
                    timeout=WAIT)
    assert rp.preview_selection.kind == kind and rp.preview_selection.card_label == card
    assert rp.doc.status() == QPdfDocument.Status.Ready and rp.doc.pageCount() >= 1
    assert rp.preview_stack.currentWidget() is rp.view


class Dialogs:
    """Stands in for the file dialogs: records where they would open, answers with ``answer``."""

    def __init__(self, monkeypatch):
        self.opened: list[Path] = []
        self.answer: Path | None = None
        self.urls: list[str] = []
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", self._folder)
        monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: self.urls.append(url.toLocalFile()) or True)

    def _save(self, _parent, _caption, start, _filters=""):
        self.opened.append(Path(start))
        return (str(self.answer) if self.answer else ""), _filters

    def _folder(self, _parent, _caption, start=""):
        self.opened.append(Path(start))
        return str(self.answer) if self.answer else ""


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def _flat(text: str) -> str:
    return "".join(text.split())  # long names and hashes break across lines


def test_reports_page_previews_and_saves_reports_and_exports(cart, qtbot, shoot, monkeypatch):
    dialogs = Dialogs(monkeypatch)
    win, rp = _open_reports(cart, shoot)
    a001, a002 = shoot.labels
    # newest first: days, then the day's jobs
    days = [rp.days.item(r).data(DATA_ROLE) for r in range(rp.days.count())]
    assert [(d.day, d.project, d.cards) for d in days] == [(DAY, PROJECT, 2), (DAY_BEFORE, PROJECT, 1)]
    assert rp.days.item(0).text() == f"{DAY.isoformat()}   {PROJECT}   (2 cards)"
    assert [rp.jobs.item(r).data(DATA_ROLE).card_label for r in range(2)] == [a002, a001]
    assert "job #" in rp.jobs.item(0).text() and "completed" in rp.jobs.item(0).text()  # words, not colour
    # the daily report of the newest day is previewed first
    _wait_preview(qtbot, rp, "daily")
    assert "Daily report" in rp.doc.getAllText(0).text()
    assert rp.title.text() == f"Daily report · {DAY.isoformat()} · {PROJECT}" and "Preview ready" in rp.status.text()

    # Save PDF with its shortcut: the dialog opens on the suggested name in the reports folder beside the catalog
    out = cart.tmp / "out"
    out.mkdir()
    dialogs.answer = out / "day"  # no suffix typed: .pdf is added
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=5_000)
    with qtbot.waitSignal(rp.saved, timeout=WAIT) as saved:
        qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialogs.opened[-1] == reports.default_report_folder(win.state.catalog) / f"{DAY.isoformat()}_daily.pdf"
    daily = out / "day.pdf"
    assert saved.args[0].path == daily and saved.args[0].kind == "daily"
    text = _flat(_pdf_text(daily))
    for label in shoot.labels:
        assert label in text
        assert all(_flat(name) in text for name in shoot.clip_names[label])
    assert win.notifications[-1][:1] == ("Daily report saved",) and win.notifications[-1][2] == "ok"
    assert str(out) in rp.save_status.text()

    # a card's offload report: pick the older card, preview, Save PDF button; the dialog remembers the folder
    assert rp.select_card(a001) and rp.offload_radio.isChecked()
    _wait_preview(qtbot, rp, "offload", a001)
    assert a001 in rp.doc.getAllText(0).text()
    dialogs.answer = out / f"{a001}_offload.pdf"
    with qtbot.waitSignal(rp.saved, timeout=WAIT):
        qtbot.mouseClick(rp.save_button, Qt.MouseButton.LeftButton)
    assert dialogs.opened[-1] == out / f"{a001}_offload.pdf"
    text = _flat(_pdf_text(dialogs.answer))
    assert f"Offloadreport—{a001}" in text and a002 not in text
    assert all(_flat(name) in text for name in shoot.clip_names[a001])
    assert all(h in text for h in shoot.hashes[a001])  # the appendix lists every checksum

    # ALE of that card, read back by OpenTimelineIO's ALE adapter
    dialogs.answer = out / f"{a001}.ale"
    with qtbot.waitSignal(rp.saved, timeout=WAIT):
        qtbot.mouseClick(rp.ale_button, Qt.MouseButton.LeftButton)
    assert dialogs.opened[-1] == out / f"{a001}.ale"
    ale = otio.adapters.read_from_file(str(dialogs.answer), adapter_name="ale")
    assert [c.name for c in ale.find_clips()] == shoot.clip_names[a001]
    assert {c.metadata["ALE"]["Card"] for c in ale.find_clips()} == {a001}

    # CSV of the whole day (daily report chosen again)
    rp.daily_radio.setChecked(True)
    dialogs.answer = out / "day.csv"
    with qtbot.waitSignal(rp.saved, timeout=WAIT):
        qtbot.keyClick(win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert dialogs.opened[-1] == out / f"{DAY.isoformat()}_clips.csv"
    with open(dialogs.answer, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted((r["card"], r["clip"]) for r in rows) == sorted(
        (label, name) for label in shoot.labels for name in shoot.clip_names[label])

    # Open folder shows the folder of the file saved last
    qtbot.mouseClick(rp.open_button, Qt.MouseButton.LeftButton)
    assert dialogs.urls == [str(out)]
    # the page's shortcuts are listed for Settings, and do nothing while another page is shown
    assert ("Reports: Save PDF", "Ctrl+S") in rp.shortcut_rows
    win.show_page("history")
    opened = len(dialogs.opened)
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(dialogs.opened) == opened
    win.show_page("reports")
    # a dialog closed without a name saves nothing
    dialogs.answer = None
    before = len(win.notifications)
    rp.save_pdf()
    qtbot.wait(200)
    assert len(win.notifications) == before and sorted(p.name for p in out.iterdir()) == sorted(
        ["day.pdf", f"{a001}_offload.pdf", f"{a001}.ale", "day.csv"])


@pytest.fixture
def read_only_folder(request, tmp_path):
    """A folder nobody can write into: a read-only tmpfs as root (root ignores permissions), else mode 0555."""
    if is_root():
        return request.getfixturevalue("mount_tmpfs")(1 << 20, ro=True)
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    request.addfinalizer(lambda: folder.chmod(0o755))
    return folder


def test_errors_are_notices_that_name_the_folder(cart, qtbot, shoot, monkeypatch, read_only_folder):
    dialogs = Dialogs(monkeypatch)
    win, rp = _open_reports(cart, shoot)
    _wait_preview(qtbot, rp, "daily")
    dialogs.answer = read_only_folder / "day.pdf"
    qtbot.mouseClick(rp.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(k == "error" for _t, _x, k in win.notifications), timeout=WAIT)
    title, text, _kind = next(n for n in win.notifications if n[2] == "error")
    assert title == "day.pdf was not saved"
    assert str(read_only_folder) in text and "What to do:" in text
    assert ("Read-only" in text) or ("Permission denied" in text)
    assert list(read_only_folder.iterdir()) == []
    assert rp.save_button.isEnabled() and "Not saved" in rp.save_status.text()  # the page carries on
    # a day without clips: its daily report still previews, its ALE is refused in the window's words
    assert rp.select_day(DAY_BEFORE)
    qtbot.waitUntil(lambda: rp.jobs.count() == 1, timeout=WAIT)
    _wait_preview(qtbot, rp, "daily")
    assert rp.preview_selection.day == DAY_BEFORE
    dialogs.answer = cart.tmp / "nothing.ale"
    errors = len([n for n in win.notifications if n[2] == "error"])
    qtbot.mouseClick(rp.ale_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len([n for n in win.notifications if n[2] == "error"]) > errors, timeout=WAIT)
    title, text, _kind = [n for n in win.notifications if n[2] == "error"][-1]
    assert title == "nothing.ale was not saved" and DAY_BEFORE.isoformat() in text
    assert "catalogue the card's clips first" in text and "--" not in text
    assert not (cart.tmp / "nothing.ale").exists()


def test_lists_reload_when_the_catalog_or_the_clips_change(cart, qtbot, shoot):
    win, rp = _open_reports(cart, shoot)
    _wait_preview(qtbot, rp, "daily")
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    card = cart.tmp / "cards" / "C001R7QQ"
    write(card / "C001C001_261124_R7QQ.txt", os.urandom(3_000))
    _offload(catalog, card, cart.dests, DAY + dt.timedelta(days=1))
    win.state.catalog_changed.emit()
    qtbot.waitUntil(lambda: rp.days.count() == 3, timeout=WAIT)
    assert rp.days.item(0).data(DATA_ROLE).day == DAY + dt.timedelta(days=1)  # newest on top
    assert rp.current_day().day == DAY  # the DIT's choice is kept
    # clips logged: the preview of the same report is built again
    with qtbot.waitSignal(rp.preview_ready, timeout=WAIT) as ready:
        win.state.clips_changed.emit()
    assert ready.args[0].day == DAY and ready.args[0].kind == "daily"


def test_settings_for_clips_and_automatic_reports_are_kept(cart, qtbot, monkeypatch):
    dialogs = Dialogs(monkeypatch)
    win = cart.window()
    # an empty catalog: nothing to report, nothing to press
    win.show_page("reports")
    rp = win.reports_page
    qtbot.waitUntil(lambda: "No shoot day" in rp.status.text(), timeout=WAIT)
    assert not rp.save_button.isEnabled() and not rp.ale_button.isEnabled()
    win.show_page("settings")
    sp = win.settings_page
    ingest, auto = sp.ingest_clips.isChecked(), sp.auto_report.isChecked()
    assert sp.auto_report.text() == "Write the offload report after each verified job"
    default = reports.default_report_folder(win.state.catalog)
    assert default == cart.catalog_path.parent / "reports" and sp.report_folder.placeholderText().endswith(str(default))
    sp.ingest_clips.setChecked(not ingest)
    sp.auto_report.setChecked(not auto)
    chosen = cart.tmp / "daily reports"
    dialogs.answer = chosen
    sp.choose_report_folder()
    assert dialogs.opened[-1] == default  # the chooser starts at the default folder
    assert win.state.settings.report_folder == str(chosen)
    cart.close(win)
    win2 = cart.window()
    s = win2.state.settings
    assert (s.ingest_clips, s.auto_report, s.report_folder) == (not ingest, not auto, str(chosen))
    sp2 = win2.settings_page
    assert sp2.ingest_clips.isChecked() is (not ingest) and sp2.auto_report.isChecked() is (not auto)
    assert sp2.report_folder.text() == str(chosen)
    assert win2.reports_page.folder() == chosen  # Save dialogs open there until the DIT picks another folder
    # typing a folder, then clearing it: back to the default beside the catalog
    sp2.report_folder.setText("")
    sp2.report_folder.editingFinished.emit()
    assert win2.state.settings.report_folder == "" and win2.reports_page.folder() == default


def test_a_full_drive_is_a_notice_and_leaves_no_partial_report(cart, qtbot, shoot, monkeypatch, mount_tmpfs):
    dialogs = Dialogs(monkeypatch)
    full = mount_tmpfs(16 * 1024)  # smaller than any report with embedded fonts (root only; skips otherwise)
    win, rp = _open_reports(cart, shoot)
    _wait_preview(qtbot, rp, "daily")
    dialogs.answer = full / "day.pdf"
    qtbot.mouseClick(rp.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(k == "error" for _t, _x, k in win.notifications), timeout=WAIT)
    title, text, _kind = next(n for n in win.notifications if n[2] == "error")
    assert title == "day.pdf was not saved" and "No space left on device" in text and str(full) in text
    assert list(full.iterdir()) == []  # no partial or temporary file left behind


# --- History ----------------------------------------------------------------------------------------------------


def test_history_empty_states_say_what_to_do(cart, qtbot):
    win = cart.window()
    win.show_page("history")
    hp = win.history_page
    qtbot.waitUntil(lambda: hp.empty.isVisible(), timeout=10_000)
    assert hp.empty.text() == "No offload yet — drag a card onto the queue on the Offload page"
    assert not hp.table.isVisible() and hp.count.text() == ""
    hp.search.setText("nothing like this")
    qtbot.waitUntil(lambda: hp.empty.text().startswith("No job matches"), timeout=10_000)


def test_history_shows_a_failed_reverify_as_not_safe_with_its_problem(cart, qtbot):
    col = {name: i for i, name in enumerate(HISTORY_COLUMNS)}
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    card = cart.tmp / "cards" / "A003R4XY"
    write(card / "A003C001_261123_R4XY.mov", os.urandom(100_000))
    _offload(catalog, card, cart.dests, dt.date(2026, 11, 23))
    win = cart.window(distinct_drives=False)
    win.show_page("history")
    hp = win.history_page
    qtbot.waitUntil(lambda: hp.model.rowCount() == 1, timeout=10_000)
    assert hp.model.item(0, col["Status"]).text() == "completed · card SAFE TO FORMAT"
    assert hp.model.item(0, col["Problem"]).text() == ""
    # the destination: its drive's short name, the full path in the tooltip
    dest = hp.model.item(0, col["Destinations"])
    assert "/" not in dest.text() and str(cart.dests[0]) in dest.toolTip()
    # a byte rots on the first drive; its re-verify fails
    copy = next(cart.dests[0].rglob("*.mov"))
    cart.flip_byte(copy)
    dest_id = status.card_statuses(catalog, rule=status.safe_rule(min_copies=2, distinct_drives=False))[0] \
        .destinations[0].id
    outcome = status.reverify_destination(catalog, dest_id)
    assert outcome.problems
    win.state.catalog_changed.emit()  # what the window's re-verify does when it is done
    # the job completed; its card, now, failed (the verdict of services.status): never "completed ✓"
    qtbot.waitUntil(lambda: hp.model.item(0, col["Status"]).text() == "completed · card FAILED", timeout=10_000)
    assert hp.model.item(0, col["Status"]).icon().cacheKey() == status_icon("fail").cacheKey()
    problem = hp.model.item(0, col["Problem"]).text()
    assert "failed" in problem and copy.name in problem
    assert hp.model.item(0, col["Problem"]).toolTip() == problem
    # on a 1280×720 cart laptop the Problem column stays on screen and readable: lesser columns hide first
    from pixm_desktop.gui.pages.history import MIN_PROBLEM
    win.resize(1280, 720)
    qtbot.waitUntil(lambda: hp.table.viewport().width() < 1150, timeout=10_000)
    hp.fit_columns()
    header = hp.table.horizontalHeader()
    p = col["Problem"]
    assert not hp.table.isColumnHidden(p) and header.sectionSize(p) >= MIN_PROBLEM - 20
    assert header.sectionViewportPosition(p) + header.sectionSize(p) <= hp.table.viewport().width() + 1
    assert all(not hp.table.isColumnHidden(col[name]) for name in ("Card", "Status", "Destinations"))
    # a reload while columns are hidden measures them again (a hidden column measures 0 px)
    hidden = [c for c in range(len(HISTORY_COLUMNS)) if hp.table.isColumnHidden(c)]
    assert hidden
    with qtbot.waitSignal(hp.model.rowsInserted, timeout=10_000):
        hp.refresh()
    assert [c for c in range(len(HISTORY_COLUMNS)) if hp.table.isColumnHidden(c)] == hidden
    assert header.sectionSize(p) >= MIN_PROBLEM - 20
