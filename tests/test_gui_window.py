"""The window opens on a real catalog (offscreen Qt), shows what the offload recorded, and the History page
searches it by reel, day and project."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import Qt

from pixm_desktop.gui import app as gui_app
from pixm_desktop.gui.pages.history import COLUMNS as HISTORY_COLUMNS
from pixm_desktop.gui.theme import apply_dark_theme, colour, status_icon
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.settings import open_catalog
from support.cards import write

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures


def _offload(catalog, card, dests, project="Untitled", day=dt.date(2026, 11, 23)):
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(card, dests, project=project, day=day)))
    assert result.ok
    return result


def test_window_lists_offloaded_card_with_verified_states(cart, qtbot):
    card = cart.tmp / "A003R4XY"
    write(card / "A003C001_261123_R4XY.mov", os.urandom(100_000))
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    _offload(catalog, card, cart.dests)
    win = cart.window()
    assert win.windowTitle().startswith("PIXM Desktop")
    win.show_page("verification")
    vp = win.verification_page
    qtbot.waitUntil(lambda: vp.current is not None, timeout=10_000)
    assert vp.cards.count() == 1 and vp.cards.item(0).text().startswith("A003R4XY")
    assert vp.title.text() == "A003R4XY — ARRI reel A003"
    assert [vp.dest_table.item(r, 4).text() for r in range(2)] == ["1", "1"]  # verified on both
    assert vp.badge.safe is True


def test_history_is_searchable_by_reel_day_and_project(cart, qtbot):
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    for label, project, day in (("A001R1AB", "Big Film", dt.date(2026, 11, 23)),
                                ("B002R2CD", "Big Film", dt.date(2026, 11, 24)),
                                ("C003R3EF", "Commercial", dt.date(2026, 11, 24))):
        card = cart.tmp / "cards" / label
        write(card / f"{label[:4]}C001_261123_{label[-4:]}.mov", os.urandom(50_000))
        _offload(catalog, card, cart.dests, project=project, day=day)
    win = cart.window()
    win.show_page("history")
    hp = win.history_page
    col = {name: i for i, name in enumerate(HISTORY_COLUMNS)}

    def cards() -> list[str]:
        return sorted(hp.model.item(r, col["Card"]).text() for r in range(hp.model.rowCount()))

    qtbot.waitUntil(lambda: hp.model.rowCount() == 3, timeout=10_000)
    assert hp.model.item(0, col["Status"]).text() == "completed · card SAFE TO FORMAT"  # the job, then its card now
    qtbot.keyClicks(hp.search, "b002")
    qtbot.waitUntil(lambda: cards() == ["B002R2CD"], timeout=10_000)
    hp.search.clear()
    qtbot.waitUntil(lambda: len(cards()) == 3, timeout=10_000)
    assert [hp.project.itemText(i) for i in range(hp.project.count())] == ["All projects", "Big Film",
                                                                         "Commercial"]
    hp.project.setCurrentIndex(1)
    qtbot.waitUntil(lambda: cards() == ["A001R1AB", "B002R2CD"], timeout=10_000)
    hp.use_day.setChecked(True)
    hp.day.setDate(dt.date(2026, 11, 24))
    qtbot.waitUntil(lambda: cards() == ["B002R2CD"], timeout=10_000)
    hp.project.setCurrentIndex(0)
    qtbot.waitUntil(lambda: cards() == ["B002R2CD", "C003R3EF"], timeout=10_000)
    # double-click opens the card in Verification
    idx = hp.model.index(0, col["Card"])
    hp.table.doubleClicked.emit(idx)
    qtbot.waitUntil(lambda: win.verification_page.current is not None
                    and win.verification_page.current.label == hp.model.item(0, col["Card"]).text(), timeout=10_000)
    assert win.stack.currentWidget() is win.verification_page


def test_keyboard_shortcuts_switch_pages(cart, qtbot):
    win = cart.window()
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5_000)
    for key, page in ((Qt.Key.Key_2, 1), (Qt.Key.Key_3, 2), (Qt.Key.Key_4, 3), (Qt.Key.Key_1, 0)):
        qtbot.keyClick(win, key, Qt.KeyboardModifier.ControlModifier)
        assert win.stack.currentIndex() == page
    rows = dict(win.shortcut_rows)
    assert {"Pause / resume job", "Cancel job", "Retry job", "Re-verify destination", "Eject card"} <= set(rows)
    assert win.settings_page.shortcuts.rowCount() == len(win.shortcut_rows)


def test_theme_is_dark_and_status_icons_differ_in_shape(qapp):
    apply_dark_theme(qapp)
    pal = qapp.palette()
    assert pal.window().color().lightness() < 60 and pal.text().color().lightness() > 200
    kinds = ("ok", "fail", "pause", "run", "wait", "warn")

    def glyph(kind: str) -> frozenset:
        """Pixels that are not the icon's own colour: the shape a colour-blind loader sees."""
        img = status_icon(kind, 24).pixmap(24, 24).toImage()
        base = colour(kind)
        return frozenset((x, y) for x in range(24) for y in range(24)
                         if img.pixelColor(x, y).alpha() > 128
                         and abs(img.pixelColor(x, y).lightness() - base.lightness()) > 60)

    shapes = {k: glyph(k) for k in kinds}
    assert all(shapes.values()) and len(set(shapes.values())) == len(kinds)


def test_pixm_desktop_entry_point_starts_the_window(tmp_path):
    """``pixm-desktop`` = ``pixm_desktop.gui.app:main``: start it, let it run, quit it from a timer."""
    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from pixm_desktop.gui import app
        from pixm_desktop.gui.window import CartWindow
        qapp = QApplication(sys.argv)
        qapp.setOrganizationDomain("test.invalid")
        def quit_later():
            wins = [w for w in qapp.topLevelWidgets() if isinstance(w, CartWindow)]
            print("windows", len(wins), wins[0].windowTitle() if wins else "")
            for w in wins:
                w.shutdown()
            qapp.quit()
        QTimer.singleShot(1500, quit_later)
        sys.exit(app.main(["pixm-desktop", "--catalog", {str(tmp_path / "cat.sqlite")!r}]))
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stderr
    assert "windows 1 PIXM Desktop" in res.stdout
    assert (tmp_path / "cat.sqlite").exists()
    assert gui_app.main.__module__ == "pixm_desktop.gui.app"


def test_good_news_keeps_to_one_notice_and_problems_keep_their_room(cart, qtbot):
    win = cart.window(start=False)
    area = win.notices
    area.add("A001 failed", "RAID-A is full", "error")
    for label in ("A002", "A003", "A004"):
        area.add(f"{label} verified", "2 destinations", "ok")
    area.add("B001 interrupted", "card pulled", "warn")
    assert [n.title for n in area.notices] == ["B001 interrupted", "A004 verified", "A001 failed"]


def test_notices_sit_in_a_strip_under_the_pages_and_never_cover_the_queue(cart, qtbot):
    win = cart.window(start=False)
    qtbot.waitExposed(win)
    page = win.stack.geometry()
    strip = win.notices
    assert strip.isVisible() and strip.current is None  # always there (a hint when empty): nothing moves later
    win.notify("A001R1AB failed", "RAID-A is full: free 20 GB or choose another drive", "error", "details")
    win.notify("B002R2CD verified", "13 files verified on 2 destinations", "ok")
    assert win.stack.geometry() == page  # the page kept its size
    tree = win.offload_page.queue_panel.tree
    queue_rect = tree.viewport().rect().translated(tree.viewport().mapTo(win, tree.viewport().rect().topLeft()))
    strip_rect = strip.rect().translated(strip.mapTo(win, strip.rect().topLeft()))
    assert not strip_rect.intersects(queue_rect)  # the queue's visible rows are never under a notice
    assert not strip_rect.intersects(win.stack.geometry().translated(win.centralWidget().pos()))
    assert strip.current.title == "B002R2CD verified" and strip.more.text() == "1 more"
    for n in list(strip.notices):
        n.dismissed.emit(n)
    assert strip.current is None and strip.isVisible()


def test_a_notice_offers_retry_only_with_a_retry_button_and_details_in_words(cart, qtbot):
    """A failed job's notice carries its Retry button; other notices never say "press Retry"; details are
    words and the log file, not a traceback."""
    from pixm_desktop.core import logs
    from pixm_desktop.core.errors import SourceError
    from pixm_desktop.gui.errors import explain

    win = cart.window(start=False)
    e = explain(SourceError("cannot read the card", path="/media/A001"), card="A001")
    assert "Retry" not in e.text()  # a page without a Retry button: "try again"
    assert "press Retry" in explain(SourceError("cannot read the card"), card="A001", retry=True).text()
    try:
        raise ValueError("bad value") from ZeroDivisionError("division by zero")
    except ValueError as exc:
        e = explain(exc, card="A001")
    assert "Traceback" not in e.details and 'File "' not in e.details
    assert "Cause: ZeroDivisionError: division by zero" in e.details
    assert str(logs.log_path()) in e.details
    retried = []
    win.queue.retry = lambda job: retried.append(job) or True
    job = object()
    win.queue.job_notice.emit("A001 failed", "RAID-A is full\nWhat to do: press Retry", "error", e.details, job)
    n = win.notices.current
    assert n.action("Retry") is not None and not n.details_button.isHidden()
    qtbot.mouseClick(n.action("Retry"), Qt.MouseButton.LeftButton)
    assert retried == [job] and win.notices.current is None
    win.notify("A001 was not ejected", "busy", "error", "")
    assert win.notices.current.action("Retry") is None


def test_check_boxes_are_visible_on_the_dark_theme_ticked_or_not(qapp, qtbot):
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QCheckBox

    apply_dark_theme(qapp)
    background = qapp.palette().window().color()

    def indicator_pixels(checked: bool) -> list[QColor]:
        box = QCheckBox("Required")
        qtbot.addWidget(box)
        box.setChecked(checked)
        box.resize(box.sizeHint())
        img = box.grab().toImage()
        return [img.pixelColor(x, y) for x in range(18) for y in range(img.height())]

    def contrast(c: QColor) -> int:
        return abs(c.lightness() - background.lightness())

    assert max(contrast(c) for c in indicator_pixels(False)) > 60  # the empty box's edge stands out
    ticked = indicator_pixels(True)
    assert sum(1 for c in ticked if c.blue() > 180 and c.red() < 140) > 10  # a blue tick inside


def test_fit_widths_hides_the_least_important_columns_first_and_keeps_minimums():
    from pixm_desktop.gui.widgets import fit_widths

    cols = [(170, 3.0), (150, 3.0), (150, 3.0), (80, 0.0), (90, 0.0), (80, 0.5)]
    widths, hidden = fit_widths(1000, cols, [5, 3, 4])
    assert hidden == set() and sum(widths) <= 1000 and all(w >= m for w, (m, _x) in zip(widths, cols, strict=True))
    widths, hidden = fit_widths(600, cols, [5, 3, 4])
    assert hidden == {5, 3} and widths[2] >= 150  # Files then Speed go; Progress keeps its minimum
    widths, hidden = fit_widths(100, cols, [5, 3, 4])
    assert hidden == {5, 3, 4}  # never more than the list names


def test_layout_at_1280x720_keeps_every_visible_column_at_its_minimum(cart, qtbot):
    from pixm_desktop.gui.pages.queue_panel import QUEUE_FIT
    from pixm_desktop.gui.pages.verification import DEST_FIT, FILE_FIT

    win = cart.window(start=False)
    win.resize(1280, 720)
    qtbot.waitExposed(win)
    win.offload_page.offload([str(cart.card("arri"))])
    qtbot.wait(50)
    tree = win.offload_page.queue_panel.tree
    qtbot.waitUntil(lambda: tree.viewport().width() > 0, timeout=5_000)

    def check(view, fit) -> list[int]:
        h = view.header() if hasattr(view, "header") else view.horizontalHeader()
        shown = [c for c in range(len(fit)) if not h.isSectionHidden(c)]
        assert all(h.sectionSize(c) >= fit[c][0] for c in shown), [(c, h.sectionSize(c)) for c in shown]
        assert sum(h.sectionSize(c) for c in shown) <= view.viewport().width() + 1  # no horizontal scrolling
        return shown

    assert 2 in check(tree, QUEUE_FIT)  # Progress is there, at its minimum or more
    win.show_page("verification")
    vp = win.verification_page
    qtbot.waitUntil(lambda: vp.files.viewport().width() > 0, timeout=5_000)
    check(vp.dest_table, DEST_FIT)
    assert 0 in check(vp.files, FILE_FIT)
    qtbot.waitUntil(lambda: win.offload_page.queue_panel.items and all(
        j.state.value != "preparing" for j in win.queue.jobs), timeout=60_000)


def test_paths_are_elided_in_the_middle(qapp, qtbot):
    from PySide6.QtWidgets import QProxyStyle, QStyle, QTableWidget, QTableWidgetItem

    from pixm_desktop.gui.widgets import ElideMiddleDelegate

    modes = []

    class Recorder(QProxyStyle):
        def drawControl(self, element, option, painter, widget=None):  # noqa: N802 (Qt API)
            if element == QStyle.ControlElement.CE_ItemViewItem and option.text:
                wraps = bool(option.features & option.ViewItemFeature.WrapText)  # wrapped at "/", cut per line
                modes.append((option.text, option.textElideMode, wraps))
            super().drawControl(element, option, painter, widget)

    table = QTableWidget(1, 2)
    qtbot.addWidget(table)
    style = Recorder()
    table.setStyle(style)
    table.setItemDelegateForColumn(0, ElideMiddleDelegate(table))
    table.setItem(0, 0, QTableWidgetItem("A001_C005_1123FC.RDC/A001_C005_1123FC_002.R3D"))
    table.setItem(0, 1, QTableWidgetItem("a reason"))
    table.setColumnWidth(0, 80)
    table.grab()
    assert ("A001_C005_1123FC.RDC/A001_C005_1123FC_002.R3D", Qt.TextElideMode.ElideMiddle, False) in modes
    assert ("a reason", Qt.TextElideMode.ElideRight, True) in modes
