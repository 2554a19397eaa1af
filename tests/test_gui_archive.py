"""The Archive page (issue 16): tapes with their copy set and use, the selected tape's contents in tape order,
what is not yet on tape per shoot day and copy set, an archive job run from the page through the job layer
(its row, its progress, the tables refreshed), and the page in the window with Ctrl+Shift+T."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pixm_desktop.core.states import ArchiveJobOptions, JobKind
from pixm_desktop.gui.pages.archive import ArchivePage
from pixm_desktop.gui.runner import JobRunner
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store.models import Job
from support.shoots import offloaded_shoot

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def catalog(tmp_path):
    db = offloaded_shoot(tmp_path, [("A001", Fraction(25), 2, 1.0)], DAY)
    cat = open_catalog(db)
    yield cat
    cat.close()


def cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_archive_from_the_page_fills_the_tape_tables(qtbot, catalog, tmp_path):
    runner = JobRunner()
    page = ArchivePage(SimpleNamespace(catalog=catalog, runner=runner))
    qtbot.addWidget(page)
    try:
        assert page.tapes.rowCount() == 0
        # RAID-A and SHUTTLE-B share tmp's disk: one copy each by the rule until a tape holds one
        assert "4 of 4 file(s) below the copy rule now" in page.risk_label.text()
        assert cells(page.gaps, 0)[0] == DAY.isoformat() and cells(page.gaps, 0)[2].startswith("4 ")
        tape = tmp_path / "LTO001"
        tape.mkdir()
        assert page.start_job(JobKind.ARCHIVE, ArchiveJobOptions(day=DAY.isoformat(), tapes=f"LTO001={tape}"))
        assert not page.archive_button.isEnabled() and page.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: page.job_result is not None, timeout=120_000)
        assert not isinstance(page.job_result, BaseException), page.job_result
        assert "tape LTO001: 4/4 files verified" in page.job_label.text()
        assert cells(page.tapes, 0)[:4] == ["LTO001", "A", "OPEN", "4"] and cells(page.tapes, 0)[6] == "yes"
        assert page.contents.rowCount() == 4 and [cells(page.contents, r)[0] for r in range(4)] == ["1", "2", "3", "4"]
        assert cells(page.contents, 0)[5] == "VERIFIED"
        assert "all 4 file(s) meet the copy rule" in page.risk_label.text()
        assert cells(page.gaps, 0)[2:] == ["all on A", cells(page.gaps, 0)[3]] and cells(page.gaps, 0)[3].startswith("4 ")
        with catalog.session() as s:
            assert s.scalars(select(Job.status).where(Job.kind == "archive")).all() == ["completed"]
        page.resize(1200, 600)
        shot = tmp_path / "archive-page.png"
        assert page.grab().save(str(shot)) and shot.stat().st_size > 0
    finally:
        page.stop()
        runner.shutdown(wait=True)


def test_the_archive_page_is_in_the_window_with_its_shortcut():
    from pixm_desktop.gui.window import PAGES

    keys = [k for k, _t, _i in PAGES]
    assert "archive" in keys and keys.index("archive") >= 10  # after the ten numbered pages


def test_the_window_opens_the_archive_page_with_ctrl_shift_t(qtbot, catalog):
    from PySide6.QtCore import QSettings

    from pixm_desktop.gui.window import CartWindow

    settings = QSettings(str(catalog.path.parent / "settings.ini"), QSettings.Format.IniFormat)
    window = CartWindow(catalog, settings, start=False, use_tray=False)
    qtbot.addWidget(window)
    try:
        from PySide6.QtGui import QKeySequence

        keys = {s.name: s.action.shortcuts() for s in window.shortcuts}
        assert QKeySequence("Ctrl+Shift+T") in keys["Archive"]
        window.show_page("archive")
        assert window.stack.currentWidget() is window.archive_page
    finally:
        window.close()


def test_a_full_tape_offers_to_continue_on_the_next_one(qtbot, tmp_path):
    db = offloaded_shoot(tmp_path, [("A001", Fraction(25), 2, 1.0), ("A002", Fraction(25), 2, 1.0)], DAY)
    catalog = open_catalog(db)
    runner = JobRunner()
    page = ArchivePage(SimpleNamespace(catalog=catalog, runner=runner))
    qtbot.addWidget(page)
    try:
        one, two = tmp_path / "LTO001", tmp_path / "LTO002"
        one.mkdir()
        two.mkdir()
        # 1 MB "tapes": one card (about 0.6 MB with its room for history and sidecars) each
        assert page.start_job(JobKind.ARCHIVE, ArchiveJobOptions(day=DAY.isoformat(), tapes=f"LTO001={one}",
                                                                 capacity=1_000_000))
        qtbot.waitUntil(lambda: page.job_result is not None, timeout=120_000)
        assert "tape full, cards left" in page.job_label.text() and not page.next_tape_button.isHidden()
        assert page.continue_on(f"LTO002={two}")
        qtbot.waitUntil(lambda: page.job_cancel is None, timeout=120_000)
        assert not isinstance(page.job_result, BaseException), page.job_result
        assert page.job_result.ok and page.next_tape_button.isHidden()
        assert [cells(page.tapes, r)[:4] for r in range(2)] == [["LTO001", "A", "FULL", "4"],
                                                                ["LTO002", "A", "OPEN", "4"]]
    finally:
        page.stop()
        runner.shutdown(wait=True)
        catalog.close()
