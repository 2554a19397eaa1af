"""The Post page (issue 15): cut versions listed, the events of the selected one with their camera clip or the
reason they have none, a malformed file said and not imported, the change list in colours and words, the
lock; and the page in the window's navigation."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pixm_desktop.gui.pages.post import COLOURS, CUT_ROLE, PostPage
from support.post_shoot import by_name, clip_item, write_cut

pytest_plugins = ["support.post_shoot"]


@pytest.fixture
def page(qtbot, cut_shoot):
    catalog, _, found = cut_shoot
    p = PostPage(SimpleNamespace(catalog=catalog))
    qtbot.addWidget(p)
    return p, found


def cells(table, row: int) -> list[str]:
    return [table.item(row, c).text() for c in range(table.columnCount())]


def test_versions_events_and_the_change_list(page, tmp_path):
    p, found = page
    assert p.cut_list.count() == 0 and "No cut yet" in p.summary.text()
    a1, a2, _ = by_name(found, "A001")
    v1 = write_cut(tmp_path, "g1", [clip_item(a1, 2, 8, reel=a1.tape_name),
                                    clip_item(a2, 0, 6, reel="NOBODY", url="file:///x/unknown.mov")])
    v2 = write_cut(tmp_path, "g2", [clip_item(a1, 0, 8, reel=a1.tape_name)])
    assert p.import_file([v1], "R1") is not None and p.import_file([v2], "R1") is not None
    assert [p.cut_list.item(i).data(CUT_ROLE) for i in range(2)] == ["R1@1", "R1@2"]
    assert p.selected_ref() == "R1@2"
    p.cut_list.setCurrentRow(0)
    assert "R1 v1 of 2" in p.summary.text() and "1 unmatched" in p.summary.text()
    row = cells(p.events, 1)
    assert row[6] == "UNMATCHED" and "no clip of reel/tape 'NOBODY'" in row[8]
    assert p.events.item(1, 0).background().color().name() == COLOURS["unmatched"]
    d = p.compare("R1@1", "R1@2")
    assert d is not None and p.tabs.currentIndex() == 1
    kinds = {cells(p.diff, r)[0]: cells(p.diff, r) for r in range(p.diff.rowCount())}
    assert set(kinds) == {"TRIMMED", "OMITTED"}
    assert kinds["TRIMMED"][5:7] == ["2", "-2"]
    trimmed_row = [r for r in range(p.diff.rowCount()) if cells(p.diff, r)[0] == "TRIMMED"][0]
    assert p.diff.item(trimmed_row, 0).background().color().name() == COLOURS["trimmed"]
    p.cut_list.setCurrentRow(0)
    p.lock_selected()
    assert "LOCKED" in p.cut_list.item(0).text()
    p.cut_list.setCurrentRow(1)
    p.events.selectRow(0)
    assert p.mark_selected("ABC") == [{"event": 1, "track": 1, "shot": "ABC_010_0010"}]
    assert cells(p.events, 0)[7] == "ABC_010_0010"


def test_a_malformed_cut_is_said_and_not_imported(page, tmp_path):
    p, _ = page
    bad = tmp_path / "bad.edl"
    bad.write_text("TITLE: x\nnot an edit line\n")
    assert p.import_file([bad], "BAD") is None
    assert "Not imported" in p.summary.text() and "line 2" in p.summary.text()
    assert p.cut_list.count() == 0


def test_the_post_page_follows_turnovers_and_keeps_ctrl_0():
    from pixm_desktop.gui.window import PAGES

    keys = [k for k, _t, _i in PAGES]
    assert keys.index("post") == keys.index("turnovers") + 1 == 9  # the tenth page: Ctrl+0


def test_a_pull_runs_from_the_page_as_a_job_and_says_what_it_made(qtbot, cut_shoot, tmp_path):
    """Pull VFX shots… from the Post page: a ``pull`` job (its row), the step shown while it runs, then the
    package's rows and files; the buttons come back."""
    from sqlalchemy import select

    from pixm_desktop.core.states import JobKind
    from pixm_desktop.gui.runner import JobRunner
    from pixm_desktop.store.models import Job, Pull
    from support.cli import cli

    catalog, path, found = cut_shoot
    runner = JobRunner()
    p = PostPage(SimpleNamespace(catalog=catalog, runner=runner))
    qtbot.addWidget(p)
    try:
        a1, a2, _ = by_name(found, "A001")
        cut = write_cut(tmp_path, "gp", [clip_item(a1, 4, 12, reel=a1.tape_name), clip_item(a2, 10, 3, reel=a2.tape_name)])
        assert p.import_file([cut], "GP") is not None
        assert cli("vfx", "mark", "--cut", "GP", "--events", "1,2", "--catalog", path).code == 0
        out = tmp_path / "out"
        out.mkdir()
        assert p.start_package(JobKind.PULL, out)
        assert not p.pull_button.isEnabled() and p.cancel_button.isEnabled()
        qtbot.waitUntil(lambda: p.package_result is not None, timeout=120_000)
        assert not isinstance(p.package_result, BaseException), p.package_result
        assert "2 row(s)" in p.job_label.text() and str(out) in p.job_label.text()
        assert p.pull_button.isEnabled() and not p.cancel_button.isEnabled()
        with catalog.session() as s:
            assert [j.status for j in s.scalars(select(Job).where(Job.kind == "pull"))] == ["completed"]
            assert len(s.scalars(select(Pull)).all()) == 2
    finally:
        p.stop()
        runner.shutdown(wait=True)
