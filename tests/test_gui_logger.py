"""The Logger page on a real catalog (see support.clips_shoot.build_shoot): keyboard entry of scene/take, circle,
rating and flag; values pre-filled from sound shown as such and replaced by typing; batch edit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from pixm_desktop.gui.clip_models import SOUND_ROLE
from pixm_desktop.gui.pages.logger import LOG_COLUMNS
from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from support.clips_shoot import WAIT

pytest_plugins = ["support.gui", "support.clips_shoot"]  # the cart; the shoot fixtures

COL = {k: i for i, k in enumerate(LOG_COLUMNS)}
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def open_logger(cart, qtbot, camera: str | None = "A"):
    win = cart.window()
    win.show_page("log")
    page = win.logger_page
    qtbot.waitUntil(lambda: page.model.total > 0 and page.model.row(0) is not None, timeout=WAIT)
    if camera:
        with qtbot.waitSignal(page.model.loaded, timeout=WAIT):
            page.filters.choose("camera", camera)
    page.table.setFocus()
    return win, page


def video(catalog):
    return clips.list_clips(catalog, ClipFilter(kind="video"))


def by_id(catalog) -> dict:
    return {r.id: r for r in clips.list_clips(catalog)}


def type_in(qtbot, table, text: str) -> None:
    """Type as a person would: the first key opens the cell's editor, the rest goes to the focused editor."""
    qtbot.keyClicks(table, text[0])
    qtbot.keyClicks(QApplication.focusWidget(), text[1:])


def cell(page, row: int, key: str, role=Qt.ItemDataRole.DisplayRole):
    return page.model.index(row, COL[key]).data(role)


def test_keyboard_entry_scene_tab_take_enter_moves_down(cart, qtbot, shoot):
    v = video(shoot)
    win, page = open_logger(cart, qtbot)
    t = page.table
    assert t.currentIndex().row() == 0 and t.currentIndex().column() == COL["scene"]
    t.setCurrentIndex(page.model.index(2, COL["scene"]))
    type_in(qtbot, t, "23")  # any key starts the entry
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == "23"
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "5")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    # the editor closes on the next event loop turn; then the next clip's Scene (first logging field) is current
    qtbot.waitUntil(lambda: (t.currentIndex().row(), t.currentIndex().column()) == (3, COL["scene"]), timeout=WAIT)
    assert not isinstance(QApplication.focusWidget(), QLineEdit)
    qtbot.waitUntil(lambda: (by_id(shoot)[v[2].id].scene, by_id(shoot)[v[2].id].take) == ("23", "5"), timeout=WAIT)
    assert by_id(shoot)[v[2].id].logged_from == "manual"
    # straight on: the next clip's scene ⇥ take, then its notes
    qtbot.keyClicks(t, "2")
    qtbot.keyClicks(QApplication.focusWidget(), "3")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "6")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    t.setCurrentIndex(page.model.index(3, COL["notes"]))
    type_in(qtbot, t, "soft focus")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (by_id(shoot)[v[3].id].take, by_id(shoot)[v[3].id].notes) == ("6", "soft focus"),
                    timeout=WAIT)
    assert cell(page, 3, "take") == "6" and cell(page, 3, "slate") == "typed"


def test_circle_rating_and_flag_keys(cart, qtbot, shoot):
    v = video(shoot)
    win, page = open_logger(cart, qtbot)
    t = page.table
    t.selectRow(1)
    qtbot.keyClick(t, Qt.Key.Key_C, CTRL_SHIFT)
    qtbot.keyClick(t, Qt.Key.Key_F, CTRL_SHIFT)
    qtbot.keyClick(t, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: (lambda r: (r.circled, r.flagged, r.rating))(by_id(shoot)[v[1].id]) == (True, True, 4),
                    timeout=WAIT)
    assert cell(page, 1, "circled") == "◯ circled" and cell(page, 1, "flagged") == "⚑ flagged"
    assert cell(page, 1, "rating") == "★★★★☆"
    # in their own columns: a digit rates, Space toggles
    t.setCurrentIndex(page.model.index(1, COL["rating"]))
    qtbot.keyClick(t, Qt.Key.Key_2)
    t.setCurrentIndex(page.model.index(1, COL["circled"]))
    qtbot.keyClick(t, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: (lambda r: (r.circled, r.rating))(by_id(shoot)[v[1].id]) == (False, 2), timeout=WAIT)
    # several rows: circle all of them when not all are circled
    t.selectRow(0)
    qtbot.keyClick(t, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(t, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(t, Qt.Key.Key_C, CTRL_SHIFT)
    qtbot.waitUntil(lambda: [by_id(shoot)[c.id].circled for c in v] == [True, True, True, False], timeout=WAIT)
    rows = dict(win.shortcut_rows)
    assert rows["Logger: Circle take on / off"] == "Ctrl+Shift+C" and "Logger: Rating 0–5" in rows
    assert win.settings_page.shortcuts.rowCount() == len(win.shortcut_rows)


def test_values_from_sound_are_marked_and_typing_replaces_them(cart, qtbot, shoot):
    v = video(shoot)
    assert v[0].logged_from == "sound:12A_1.WAV" and v[2].logged_from is None
    win, page = open_logger(cart, qtbot)
    assert (cell(page, 0, "scene"), cell(page, 0, "take"), cell(page, 0, "slate")) == ("12A", "1", "sound 12A_1.WAV")
    assert cell(page, 0, "scene", SOUND_ROLE) and cell(page, 0, "scene", Qt.ItemDataRole.FontRole).italic()
    assert cell(page, 0, "scene", Qt.ItemDataRole.DecorationRole) is not None  # the ♪ icon: not colour alone
    assert "from sound: 12A_1.WAV" in cell(page, 0, "take", Qt.ItemDataRole.ToolTipRole)
    assert not cell(page, 2, "scene", SOUND_ROLE) and cell(page, 2, "slate") == ""
    t = page.table
    t.setCurrentIndex(page.model.index(0, COL["scene"]))
    type_in(qtbot, t, "12C")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: by_id(shoot)[v[0].id].logged_from == "manual", timeout=WAIT)
    r = by_id(shoot)[v[0].id]
    assert (r.scene, r.take) == ("12C", "1")  # the take from sound is kept, now the typed slate's
    qtbot.waitUntil(lambda: cell(page, 0, "slate") == "typed", timeout=WAIT)
    assert not cell(page, 0, "scene", SOUND_ROLE) and cell(page, 0, "scene", Qt.ItemDataRole.FontRole) is None
    # another ingest of the sound roll does not overwrite the typed slate
    snd = clips.list_clips(shoot, ClipFilter(kind="audio"))[0]
    clips.ingest_card(shoot, snd.card_id, force=True)
    assert by_id(shoot)[v[0].id].scene == "12C" and by_id(shoot)[v[1].id].logged_from == "sound:12B_1.WAV"


def test_batch_edit_of_the_selection_writes_only_ticked_fields(cart, qtbot, shoot):
    v = video(shoot)
    win, page = open_logger(cart, qtbot)
    t = page.table
    t.selectAll()
    assert page.batch.count.text() == "4 clips selected"
    qtbot.keyClick(t, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is page.batch.edits["scene"]
    box = page.batch
    qtbot.keyClicks(box.edits["notes"], "day exterior")
    qtbot.keyClicks(box.edits["camera"], "b")
    box.choices["rating"].setCurrentIndex(5)
    box.choices["rating"].activated.emit(5)
    qtbot.keyClick(box.edits["notes"], Qt.Key.Key_Return)  # Enter in a field applies

    def done() -> bool:
        got = by_id(shoot)
        return all((got[c.id].notes, got[c.id].camera, got[c.id].rating) == ("day exterior", "B", 5) for c in v)

    qtbot.waitUntil(done, timeout=WAIT)
    got = by_id(shoot)
    # scene/take were not ticked: untouched, and the pre-filled ones are still marked as from sound
    assert [(got[c.id].scene, got[c.id].take, got[c.id].logged_from) for c in v] == \
           [(c.scene, c.take, c.logged_from) for c in v]
    assert not any(got[c.id].circled for c in v)
    # the browser shows the batch edit when it is opened
    win.show_page("clips")
    qtbot.waitUntil(lambda: win.clips_page.model.total == 6 and all(
        (r := win.clips_page.model.row(i)) is not None and (r.kind == "audio" or r.camera == "B")
        for i in range(6)), timeout=WAIT)


def log_row(qtbot, t, scene: str, take: str) -> None:
    """Scene ⇥ take ⏎ — as a logger types a slate, without looking at the cursor."""
    type_in(qtbot, t, scene)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), take)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


def test_return_lands_on_the_next_clips_scene_so_slates_never_shift(cart, qtbot, shoot):
    # the trap of issue 11: Return from Take left the cursor on the next clip's Take, so "12A ⇥ 4" became
    # Take=12A, Cam=A4
    v = video(shoot)
    win, page = open_logger(cart, qtbot)
    t = page.table
    t.setCurrentIndex(page.model.index(2, COL["scene"]))
    log_row(qtbot, t, "12A", "3")
    qtbot.waitUntil(lambda: not isinstance(QApplication.focusWidget(), QLineEdit), timeout=WAIT)
    log_row(qtbot, t, "12A", "4")
    qtbot.waitUntil(lambda: not isinstance(QApplication.focusWidget(), QLineEdit), timeout=WAIT)
    qtbot.waitUntil(lambda: not page.model.writes_pending and not win.runner.busy("catalog"), timeout=WAIT)
    r2, r3 = by_id(shoot)[v[2].id], by_id(shoot)[v[3].id]
    assert (r2.scene, r2.take, r2.camera) == ("12A", "3", v[2].camera)
    assert (r3.scene, r3.take, r3.camera) == ("12A", "4", v[3].camera)
    # Return without an open editor (after a click on a cell) goes to the next clip's Scene too
    t.setCurrentIndex(page.model.index(0, COL["notes"]))
    qtbot.keyClick(t, Qt.Key.Key_Return)
    assert (t.currentIndex().row(), t.currentIndex().column()) == (1, COL["scene"])


def test_undo_and_redo_of_log_edits_write_the_catalog(cart, qtbot, shoot):
    v = video(shoot)
    win, page = open_logger(cart, qtbot)
    t = page.table
    before0 = by_id(shoot)[v[0].id]
    assert before0.logged_from == "sound:12A_1.WAV"
    edit_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Edit")
    assert [a for a in edit_menu.actions() if a is win.action_undo and a is not None]
    assert not win.action_undo.isEnabled()  # nothing to undo yet
    t.setCurrentIndex(page.model.index(0, COL["scene"]))
    type_in(qtbot, t, "40")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: by_id(shoot)[v[0].id].scene == "40", timeout=WAIT)
    # a batch edit of every clip is one step
    t.selectAll()
    page.apply_batch({"notes": "rain", "rating": 3})
    qtbot.waitUntil(lambda: all(by_id(shoot)[c.id].notes == "rain" for c in v), timeout=WAIT)
    assert page.writer.undo_stack.count() == 2 and win.action_undo.isEnabled()
    t.setFocus()
    qtbot.keyClick(t, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: [(by_id(shoot)[c.id].notes, by_id(shoot)[c.id].rating) for c in v]
                    == [(c.notes, c.rating) for c in v], timeout=WAIT)
    assert by_id(shoot)[v[0].id].scene == "40"  # only the batch step was undone
    qtbot.keyClick(t, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    # the typed scene is undone and the slate is the sound file's again, in the catalog and in the view
    qtbot.waitUntil(lambda: (lambda r: (r.scene, r.logged_from))(by_id(shoot)[v[0].id])
                    == (before0.scene, before0.logged_from), timeout=WAIT)
    qtbot.waitUntil(lambda: cell(page, 0, "scene") == before0.scene and bool(cell(page, 0, "scene", SOUND_ROLE)),
                    timeout=WAIT)
    # redo puts the typed scene back
    qtbot.keyClick(t, Qt.Key.Key_Z, CTRL_SHIFT)
    qtbot.waitUntil(lambda: (lambda r: (r.scene, r.logged_from))(by_id(shoot)[v[0].id]) == ("40", "manual"),
                    timeout=WAIT)
    qtbot.waitUntil(lambda: cell(page, 0, "scene") == "40", timeout=WAIT)
    assert ("Undo the last log edit", "Ctrl+Z") in win.shortcut_rows
