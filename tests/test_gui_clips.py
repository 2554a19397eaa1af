"""The Clips page (DOP browser) on a real catalog: a generated ARRI card with real ProRes clips and a sound
roll whose BWF takes overlap two of them, offloaded and ingested by the services, then browsed in the real
window (offscreen Qt): filters, grid and table selection, batch edit, the detail panel and scrubbing."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPoint, Qt

from pixm_desktop.gui.clip_models import THUMB_ROLE
from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.services.settings import open_catalog
from support.clips_shoot import DAY, WAIT

pytest_plugins = ["support.gui", "support.clips_shoot"]  # the cart and no_thread_leaks fixtures


def open_clips(cart, qtbot):
    win = cart.window()
    win.show_page("clips")
    page = win.clips_page
    qtbot.waitUntil(lambda: page.model.total > 0 and page.model.row(0) is not None, timeout=WAIT)
    return win, page


def shown_names(page) -> list[str]:
    return [page.model.row(r).name for r in range(page.model.total)]


def catalog_names(catalog, **conditions) -> list[str]:
    return [r.name for r in clips.list_clips(catalog, ClipFilter(**conditions))]


def test_grid_shows_every_clip_with_thumbnails(cart, qtbot, shoot):
    win, page = open_clips(cart, qtbot)
    assert shown_names(page) == catalog_names(shoot)
    assert page.views.currentWidget() is page.grid and page.count.text() == "6 clips"
    # the first clip's picture is decoded off the GUI thread and painted in the grid
    qtbot.waitUntil(lambda: page.model.index(0, 0).data(THUMB_ROLE) is not None, timeout=WAIT)
    pm = page.model.index(0, 0).data(THUMB_ROLE)
    assert pm.width() > 100 and not pm.toImage().isNull()
    img = page.grid.viewport().grab().toImage()
    r = page.grid.visualRect(page.model.index(0, 0)).center()
    assert img.pixelColor(r.x(), r.y() - 20) != img.pixelColor(2, 2)  # not the empty background
    audio = [r for r in range(page.model.total) if page.model.row(r).kind == "audio"]
    assert audio and all(page.model.index(r, 0).data(THUMB_ROLE) is None for r in audio)


def test_filters_by_text_combos_circled_and_rating(cart, qtbot, shoot):
    rows = clips.list_clips(shoot, ClipFilter(kind="video"))
    clips.update_log(shoot, [rows[2].id], circled=True, rating=4)
    clips.update_log(shoot, [rows[3].id], rating=2)
    win, page = open_clips(cart, qtbot)
    bar = page.filters

    def expect(**conditions):
        want = catalog_names(shoot, **conditions)
        qtbot.waitUntil(lambda: page.model.total == len(want) and shown_names(page) == want, timeout=WAIT)

    qtbot.keyClicks(bar.text, rows[1].name[:8].lower())
    expect(text=rows[1].name[:8])
    assert page.model.total == 1
    bar.clear()
    expect()
    # the combos hold the catalog's values; choosing one filters in SQL
    qtbot.waitUntil(lambda: bar.combos["scene"].count() == 3, timeout=WAIT)  # All, 12A, 12B
    assert [bar.combos["scene"].itemText(i) for i in range(3)] == ["All scenes", "12A", "12B"]
    bar.choose("scene", "12B")
    expect(scene="12B")
    assert len(shown_names(page)) == 2  # the picture clip pre-filled from sound, and the sound take itself
    bar.choose("scene", None)
    bar.choose("camera", "A")
    expect(camera="A")
    qtbot.mouseClick(bar.circled, Qt.MouseButton.LeftButton)
    expect(camera="A", circled=True)
    assert shown_names(page) == [rows[2].name]
    qtbot.mouseClick(bar.circled, Qt.MouseButton.LeftButton)
    bar.rating.setCurrentIndex(bar.rating.findData(2))
    expect(camera="A", min_rating=2)
    assert shown_names(page) == [rows[2].name, rows[3].name]
    bar.choose("day", DAY.isoformat())
    bar.choose("reel", "A001")
    expect(camera="A", min_rating=2, day=DAY, reel="A001")
    assert page.last_filter_ms is not None and page.last_filter_ms > 0


def _click(qtbot, view, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_selection_and_batch_edit_write_only_the_fields_set(cart, qtbot, shoot):
    video = clips.list_clips(shoot, ClipFilter(kind="video"))
    clips.update_log(shoot, [v.id for v in video], rating=3, notes="keep")
    win, page = open_clips(cart, qtbot)
    page.filters.choose("camera", "A")
    qtbot.waitUntil(lambda: page.model.total == 4 and page.model.row(3) is not None, timeout=WAIT)
    _click(qtbot, page.grid, 1)
    _click(qtbot, page.grid, 3, Qt.KeyboardModifier.ControlModifier)
    assert page.selected_ids() == [video[1].id, video[3].id]
    assert page.batch.count.text() == "2 clips selected"
    box = page.batch
    assert not box.apply_button.isEnabled()  # nothing ticked yet
    qtbot.keyClicks(box.edits["scene"], "7B")
    qtbot.keyClicks(box.edits["take"], "4")
    box.choices["circled"].setCurrentIndex(0)
    box.choices["circled"].activated.emit(0)
    assert box.use["scene"].isChecked() and box.use["take"].isChecked() and not box.use["rating"].isChecked()
    qtbot.mouseClick(box.apply_button, Qt.MouseButton.LeftButton)

    def logged() -> bool:
        got = {r.id: r for r in clips.list_clips(shoot, ClipFilter(kind="video"))}
        return all((got[v.id].scene, got[v.id].take, got[v.id].circled) == ("7B", "4", True)
                   for v in (video[1], video[3]))

    qtbot.waitUntil(logged, timeout=WAIT)
    got = {r.id: r for r in clips.list_clips(shoot, ClipFilter(kind="video"))}
    for v in (video[1], video[3]):  # fields not ticked are untouched; a typed slate is marked manual
        assert (got[v.id].rating, got[v.id].notes, got[v.id].logged_from) == (3, "keep", "manual")
    for v in (video[0], video[2]):  # not selected: unchanged (clip 1 keeps its slate from sound)
        assert (got[v.id].scene, got[v.id].take, got[v.id].circled) == (v.scene, v.take, False)
    assert got[video[0].id].logged_from == "sound:12A_1.WAV"
    qtbot.waitUntil(lambda: page.model.row(1).scene == "7B" and page.model.row(1).circled, timeout=WAIT)
    assert not box.use["scene"].isChecked() and box.edits["scene"].text() == ""  # the box is ready for the next
    # the shared selection follows into the table view (Ctrl+G)
    page.grid.setFocus()
    qtbot.keyClick(page.grid, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert page.views.currentWidget() is page.table
    assert page.selected_ids() == [video[1].id, video[3].id]
    # keyboard selection in the table: Down then Shift+Down selects two rows
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert page.selected_ids() == [video[1].id, video[2].id]


def test_table_sorts_in_sql(cart, qtbot, shoot):
    win, page = open_clips(cart, qtbot)
    page.set_view("table")
    header = page.table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionPosition(0) + 20,
                                                                               header.height() // 2))
    qtbot.waitUntil(lambda: page.model.filter.order == "name" and page.model.row(0) is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: shown_names(page) == catalog_names(shoot, order="name",
                                                               descending=page.model.filter.descending),
                    timeout=WAIT)
    assert sorted(shown_names(page)) in (shown_names(page), shown_names(page)[::-1])


def test_detail_panel_shows_metadata_and_scrubs_thumbnails(cart, qtbot, shoot):
    row = clips.list_clips(shoot, ClipFilter(kind="video"))[0]
    win, page = open_clips(cart, qtbot)
    _click(qtbot, page.grid, 0)
    panel = page.detail
    qtbot.waitUntil(lambda: panel.detail is not None and panel.detail["id"] == row.id, timeout=WAIT)
    v = panel.values()
    assert v["Picture/Frame rate"] == "24000/1001 (23.976) fps"
    assert v["Picture/Codec"].startswith("prores") and v["Picture/Resolution"] == "640 × 360"
    assert v["Picture/Start TC"] == row.start_tc and v["Picture/End TC"] == row.end_tc
    assert v["Picture/Duration"].startswith(f"{row.frames} fr · 00:00:0")
    assert v["Clip/Reel"] == "A001" and v["Clip/Tape name"] == row.tape_name
    assert v["Log/Scene"] == "12A ♪" and v["Log/Slate from"] == "sound 12A_1.WAV"
    assert v["Probe/Status"] == "probed" and v["Log/Circle take"] == "no"
    assert any(k.startswith("Files/") and row.name in val for k, val in v.items())
    assert panel.slider.maximum() == 2 and panel.position.text().startswith("first frame")
    qtbot.waitUntil(lambda: panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull(),
                    timeout=WAIT)
    first = panel.preview.pixmap().toImage()
    # mouse across the picture: the right third shows the last frame
    qtbot.mouseMove(panel.preview, QPoint(panel.preview.width() - 5, panel.preview.height() // 2))
    qtbot.waitUntil(lambda: panel.position.text().startswith("last frame"), timeout=WAIT)
    qtbot.waitUntil(lambda: panel.preview.pixmap().toImage() != first, timeout=WAIT)  # another picture
    panel.slider.setValue(1)
    assert panel.position.text().startswith("middle frame")
    # hovering over a grid cell scrubs its picture too
    rect = page.grid.visualRect(page.model.index(0, 0))
    qtbot.mouseMove(page.grid.viewport(), QPoint(rect.right() - 4, rect.top() + 30))
    qtbot.waitUntil(lambda: page.model.scrub == (0, 2), timeout=WAIT)


def test_open_selection_in_logger(cart, qtbot, shoot):
    video = clips.list_clips(shoot, ClipFilter(kind="video"))
    win, page = open_clips(cart, qtbot)
    _click(qtbot, page.grid, 0)
    _click(qtbot, page.grid, 2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(page.grid, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.current_page() == "log"
    lp = win.logger_page
    qtbot.waitUntil(lambda: lp.model.total == 2 and lp.model.row(1) is not None, timeout=WAIT)
    assert [lp.model.row(r).id for r in range(2)] == [video[0].id, video[2].id]
    assert lp.only_label.text() == "Logging 2 clips sent from the browser"
    assert ("Clips: Open selected clips in Logger", "Ctrl+Shift+L") in win.shortcut_rows


def _many_clips(catalog, n: int) -> None:
    """``n`` catalogued clips on one shoot day (rows inserted directly: the browser, not ingest, is tested)."""
    from sqlalchemy import insert

    from pixm_desktop.store.models import Card, Clip, Project, ShootDay

    with catalog.session() as s:
        project = Project(name="Long Show")
        s.add(project)
        s.flush()
        day = ShootDay(project_id=project.id, day=dt.date(2026, 11, 23))
        s.add(day)
        s.flush()
        card = Card(label="A900R1AB", camera="arri", reel="A900", quick_fingerprint="f" * 32, source_path="/cards/a",
                    shoot_day_id=day.id)
        s.add(card)
        s.flush()
        s.execute(insert(Clip), [
            {"card_id": card.id, "key": f"A900C{i:04d}.mov", "name": f"A900C{i:04d}_261123_R1AB", "kind": "video",
             "tape_name": "A900R1AB", "reel": "A900", "probe_status": "ok", "fps_num": 24, "fps_den": 1,
             "frames": 240, "start_tc": "10:00:00:00", "start_frame": 864000 + i * 300, "drop_frame": False,
             "metadata_json": "{}", "thumbnail_status": "none", "rating": 0, "circled": False, "flagged": False,
             "created_at": dt.datetime.now(dt.UTC)} for i in range(n)])
        s.commit()


def test_a_long_catalog_loads_page_by_page_as_the_grid_scrolls(cart, qtbot):
    from pixm_desktop.gui.clip_models import PAGE

    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    _many_clips(catalog, 3_000)
    win, page = open_clips(cart, qtbot)
    model = page.model
    assert model.total == 3_000 and page.count.text() == "3,000 clips"
    assert set(model.pages) == {0}  # one catalog read of PAGE rows so far, not 3,000 rows
    page.grid.scrollToBottom()
    last = (3_000 - 1) // PAGE
    qtbot.waitUntil(lambda: model.row(2_999) is not None, timeout=WAIT)
    assert model.row(2_999).name == "A900C2999_261123_R1AB"
    assert last in model.pages and len(model.pages) < last + 1  # the pages scrolled past were never read


# --- the second pass (issue 11): the grid fills the width, tiles show everything, one scroll, plain words ------


def _raw_clips(catalog) -> None:
    """Two raw clips this build has no decoder for (a RED and a BRAW clip), as ingest leaves them."""
    from sqlalchemy import insert

    from pixm_desktop.store.models import Card, Clip, Project, ShootDay

    with catalog.session() as s:
        project = Project(name="Raw Show")
        s.add(project)
        s.flush()
        day = ShootDay(project_id=project.id, day=dt.date(2026, 11, 23))
        s.add(day)
        s.flush()
        card = Card(label="C003_RED", camera="red", reel="C003", quick_fingerprint="e" * 32, source_path="/cards/c",
                    shoot_day_id=day.id)
        s.add(card)
        s.flush()
        s.execute(insert(Clip), [
            {"card_id": card.id, "key": key, "name": name, "kind": "raw", "codec": codec, "reel": "C003",
             "probe_status": "no_decoder", "probe_error": f"no decoder for {codec.upper()}", "fps_num": 24000,
             "fps_den": 1001, "frames": 48, "start_tc": "14:21:07:03", "start_frame": 1240000, "drop_frame": False,
             "metadata_json": "{}", "thumbnail_status": "none", "rating": 3, "circled": True, "flagged": True,
             "scene": "112B", "take": "14", "camera": "C", "created_at": dt.datetime.now(dt.UTC)}
            for key, name, codec in (("C003_C001.R3D", "C003_C001_1123XY_001_A_VERY_LONG_NAME", "r3d"),
                                     ("B004_C002.braw", "B004_C002_1123AB", "braw"))])
        s.commit()


def test_at_1280x720_the_grid_fills_the_width_and_tiles_show_everything(cart, qtbot):
    from pixm_desktop.gui.clip_widgets import marks_text, slate_line, tech_line, tile_tooltip

    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    _many_clips(catalog, 30)
    _raw_clips(catalog)
    win = cart.window()
    win.resize(1280, 720)
    win.show_page("clips")
    page = win.clips_page
    qtbot.waitUntil(lambda: page.model.total == 32 and page.model.row(31) is not None, timeout=WAIT)
    grid = page.grid
    qtbot.waitUntil(lambda: grid.gridSize().width() > 0, timeout=WAIT)
    # the columns share the viewport's whole width: no strip wider than a few pixels stays empty
    cols = grid.columns()
    assert cols >= 2 and grid.gridSize().width() * cols > grid.viewport().width() - cols
    first, last_in_row = grid.visualRect(page.model.index(0, 0)), grid.visualRect(page.model.index(cols - 1, 0))
    assert first.left() <= 2 and grid.viewport().width() - last_in_row.right() <= cols + 2
    # wider window: more columns, still no strip
    win.resize(1920, 1080)
    qtbot.waitUntil(lambda: grid.columns() > cols, timeout=WAIT)
    assert grid.gridSize().width() * grid.columns() > grid.viewport().width() - grid.columns()
    win.resize(1280, 720)
    # a RED tile: TC in, duration, fps, slate and every mark, and the reason for no picture in words
    red = next(page.model.row(r) for r in range(page.model.total) if page.model.row(r).codec == "r3d")
    assert tech_line(red) == "14:21:07:03 · 00:00:02:00 · 23.976 fps"
    assert slate_line(red) == "Sc 112B · Tk 14 · Cam C" and marks_text(red) == "◯ ★★★ ⚑"
    tip = tile_tooltip(red)
    assert red.name in tip and "RED raw: no decoder in this build — the camera proxy or the RED tools make pictures" \
        in tip
    braw = next(page.model.row(r) for r in range(page.model.total) if page.model.row(r).codec == "braw")
    assert "Blackmagic RAW: no decoder in this build" in tile_tooltip(braw)
    # the marks are drawn whole at the right of a tile: the tile is wide enough for them and the slate's start
    fm = grid.fontMetrics()
    inner = grid.gridSize().width() - 2 * grid.tiles.PAD
    assert fm.horizontalAdvance(marks_text(red)) + fm.horizontalAdvance("Sc 112B") < inner
    # its detail says the same where the picture would be
    page.grid.setCurrentIndex(page.model.index(page.model.row_of(red.id), 0))
    qtbot.waitUntil(lambda: page.detail.detail is not None and page.detail.detail["id"] == red.id, timeout=WAIT)
    assert page.detail.preview.text().startswith("RED raw: no decoder in this build")


def test_the_view_toggle_shows_which_view_is_active(cart, qtbot, shoot):
    win, page = open_clips(cart, qtbot)
    grid_b, table_b = page.view_buttons.button(0), page.view_buttons.button(1)
    assert page.view_buttons.exclusive() and grid_b.isCheckable() and table_b.isCheckable()
    assert grid_b.isChecked() and not table_b.isChecked() and not grid_b.icon().isNull()
    qtbot.mouseClick(table_b, Qt.MouseButton.LeftButton)
    assert page.views.currentWidget() is page.table and table_b.isChecked() and not grid_b.isChecked()
    qtbot.keyClick(page.table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert page.views.currentWidget() is page.grid and grid_b.isChecked() and not table_b.isChecked()
    qtbot.mouseClick(grid_b, Qt.MouseButton.LeftButton)  # pressing the active one keeps it active
    assert grid_b.isChecked() and page.views.currentWidget() is page.grid


def test_the_detail_panel_shows_every_row_and_scrolls_as_one(cart, qtbot, shoot):
    from PySide6.QtWidgets import QAbstractScrollArea

    win, page = open_clips(cart, qtbot)
    win.resize(1280, 720)
    page.grid.setCurrentIndex(page.model.index(0, 0))
    qtbot.waitUntil(lambda: page.detail.detail is not None and page.detail.tree.topLevelItemCount() > 3,
                    timeout=WAIT)
    tree = page.detail.tree
    assert tree.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    # every row fits inside the tree: the last row's bottom is within its viewport
    it, last = tree.topLevelItem(0), None
    while it is not None:
        last, it = it, tree.itemBelow(it)
    qtbot.waitUntil(lambda: tree.visualItemRect(last).bottom() <= tree.viewport().height(), timeout=WAIT)
    assert len(page.detail.values()) > 30
    # one scroll area around the panel: no scrolling widget inside it scrolls by itself
    inner = [w for w in page.detail_scroll.widget().findChildren(QAbstractScrollArea)
             if w.isVisible() and w.verticalScrollBar().maximum() > 0]
    assert inner == []


def test_empty_states_say_what_to_do(cart, qtbot, shoot):
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    win, page = open_clips(cart, qtbot)
    qtbot.keyClicks(page.filters.text, "no clip is called this")
    qtbot.waitUntil(lambda: page.views.currentWidget() is page.empty, timeout=WAIT)
    assert page.empty.title.text() == "No clip matches" and "clear the filters" in page.empty.text.text()
    assert page.empty.action.isVisible()
    qtbot.mouseClick(page.empty.action, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.views.currentWidget() is page.grid and page.model.total == 6, timeout=WAIT)


def test_no_clip_yet_says_offload_a_card(cart, qtbot):
    win = cart.window()
    win.show_page("clips")
    page = win.clips_page
    qtbot.waitUntil(lambda: page.views.currentWidget() is page.empty, timeout=WAIT)
    assert page.empty.title.text() == "No clips yet" and page.empty.text.text().startswith("Offload a card")
    assert not page.empty.action.isVisible()
    win.show_page("log")
    lp = win.logger_page
    qtbot.waitUntil(lambda: lp.empty.isVisible(), timeout=WAIT)
    assert lp.empty.title.text() == "No clips yet"
