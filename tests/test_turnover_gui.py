"""The Turnovers page (issue 14): the turnovers of the catalog newest first with their generation and files, and
the selected one's checks, a refused turnover's failures first with the clip and the rule."""

from __future__ import annotations

import datetime as dt

from pixm_desktop.post.manifest import ManifestEntry
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.services.turnover import common
from pixm_desktop.services.turnover.common import Check

pytest_plugins = ["support.gui"]

DAY = dt.date(2026, 11, 23)
WAIT = 15_000  # ms


def _record_two(path, tmp_path) -> None:
    catalog = open_catalog(path)
    try:
        files = [ManifestEntry("media/A001/A001C001_V1.mxf", 10, "0" * 16, "media", "A001C001"),
                 ManifestEntry("media/A001/A001C002_V1.mxf", 10, "1" * 16, "media", "A001C002", "unchanged")]
        common.record(catalog, "editorial", tmp_path / "EDIT", "day 2026-11-23", DAY, 2, "completed", files,
                      [Check("tape_names", "*", True, "1 tape name(s) fit file32")], None)
        failed = [Check("tape_names", "*", True, "ok"),
                  Check("tape_truncation_collision", "A001_C001_X", False, "clip A001_C001_X: becomes A001_C00"),
                  Check("proxy_missing", "A001_C002_X", False, "clip A001_C002_X: proxy A001_C002_X_V1.mxf is missing")]
        common.record(catalog, "editorial", tmp_path / "EDIT2", "day 2026-11-23", DAY, None, "refused", [], failed,
                      "2 turnover check(s) failed")
    finally:
        catalog.close()


def test_turnovers_page_lists_turnovers_and_the_checks_that_stopped_one(cart, qtbot, tmp_path):
    _record_two(cart.catalog_path, tmp_path)
    win = cart.window()
    win.show_page("turnovers")
    page = win.turnovers_page
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=WAIT)
    cell = lambda r, c: page.model.index(r, c).data()  # noqa: E731
    assert [cell(0, 6), cell(1, 6)] == ["refused", "completed"]  # newest first
    assert (cell(1, 4), cell(1, 5), cell(1, 7)) == (2, "1 of 2", "1 passed")
    assert cell(0, 7) == "2 failed" and "becomes A001_C00" in page.model.index(0, 7).data(3)
    rows = [[page.checks_model.index(r, c).data() for c in range(4)] for r in range(page.checks_model.rowCount())]
    assert [r[:3] for r in rows] == [["FAILED", "tape_truncation_collision", "A001_C001_X"],
                                     ["FAILED", "proxy_missing", "A001_C002_X"], ["passed", "tape_names", "*"]]
    page.table.selectRow(1)
    qtbot.waitUntil(lambda: page.checks_model.rowCount() == 1, timeout=WAIT)
    assert page.checks_model.index(0, 0).data() == "passed"
