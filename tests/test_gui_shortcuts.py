"""Keyboard shortcuts: changed in Settings (QKeySequenceEdit), refused when the keys are already taken where
the action works, kept in the settings for the next start, listed under Help."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

pytest_plugins = ["support.gui"]


def row_of(page, name: str) -> int:
    t = page.shortcuts
    return next(r for r in range(t.rowCount()) if t.item(r, 0).text() == name)


def keys_of(page, name: str) -> str:
    return page.shortcuts.item(row_of(page, name), 1).text()


def test_change_a_shortcut_refuse_a_conflict_and_keep_it(cart, qtbot):
    win = cart.window(start=False)
    page, ed = win.settings_page, win.settings_page.key_editor
    win.show_page("settings")
    eject = next(s for s in win.shortcuts if s.name == "Eject card")
    assert eject.action.shortcut() == QKeySequence("Ctrl+E") and keys_of(page, "Eject card") == "Ctrl+E"
    # a key another window-wide action has is refused, naming it
    page.shortcuts.selectRow(row_of(page, "Eject card"))
    assert ed.current() is eject and ed.set_button.isEnabled()
    ed.keys.setKeySequence(QKeySequence("Ctrl+P"))
    ed.set_button.click()
    assert "already “Pause / resume job”" in ed.message.text()
    assert eject.action.shortcut() == QKeySequence("Ctrl+E")
    # a page's key clashes with a window-wide one, but two pages' keys do not clash with each other
    assert not ed.assign(QKeySequence("Ctrl+Shift+C"))  # the Logger's circle take, which works on its page
    assert "Logger: Circle take on / off" in ed.message.text()
    page.shortcuts.selectRow(row_of(page, "Clips: Switch clip grid / table"))
    assert ed.assign(QKeySequence("Ctrl+Shift+F"))  # the Logger's flag key: another page
    # a free key is taken: on the action, in the list, in the settings
    page.shortcuts.selectRow(row_of(page, "Eject card"))
    ed.keys.setKeySequence(QKeySequence("Ctrl+Shift+J"))
    ed.set_button.click()
    assert eject.action.shortcut() == QKeySequence("Ctrl+Shift+J")
    assert keys_of(page, "Eject card") == "Ctrl+Shift+J" and ("Eject card", "Ctrl+Shift+J") in win.shortcut_rows
    assert win.state.settings.shortcuts["Eject card"] == "Ctrl+Shift+J"
    # the next start keeps it
    win.state.flush()
    cart.close(win)
    again = cart.window(start=False)
    got = next(s for s in again.shortcuts if s.name == "Eject card")
    assert got.action.shortcut() == QKeySequence("Ctrl+Shift+J")
    assert next(s for s in again.shortcuts if s.name == "Clips: Switch clip grid / table").action.shortcut() \
        == QKeySequence("Ctrl+Shift+F")
    # Default puts the built-in keys back
    again.settings_page.shortcuts.selectRow(row_of(again.settings_page, "Eject card"))
    again.settings_page.key_editor.default_button.click()
    assert got.action.shortcut() == QKeySequence("Ctrl+E") and "Eject card" not in again.state.settings.shortcuts


def test_fixed_keys_are_listed_but_not_editable(cart, qtbot):
    win = cart.window(start=False)
    page, ed = win.settings_page, win.settings_page.key_editor
    page.shortcuts.selectRow(row_of(page, "Logger: Rating 0–5"))
    assert ed.current() is None and not ed.set_button.isEnabled()
    assert "fixed" in ed.message.text()


def test_help_lists_every_shortcut(cart, qtbot):
    win = cart.window(start=False)
    help_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
    help_menu.actions()[0].trigger()
    dlg = win.shortcuts_dialog
    qtbot.waitUntil(dlg.isVisible)
    assert dlg.table.rowCount() == len(win.shortcut_rows) > 20
    names = {dlg.table.item(r, 0).text(): dlg.table.item(r, 1).text() for r in range(dlg.table.rowCount())}
    assert names["Undo the last log edit"] == "Ctrl+Z" and names["Eject card"] == "Ctrl+E"
    dlg.reject()


def test_pages_have_distinct_keys_and_settings_has_the_preferences_key(cart):
    """Ctrl+1…9 and Ctrl+0 for the first ten pages, never the same keys twice; Settings also Ctrl+,."""
    from pixm_desktop.gui.window import PAGES

    win = cart.window(start=False)
    keys = {s.name: s.action.shortcuts() for s in win.shortcuts}
    used = [k.toString() for ks in keys.values() for k in ks]
    assert len(used) == len(set(used))
    numbered = [f"Ctrl+{(i + 1) % 10}" for i in range(min(10, len(PAGES)))]
    assert [keys[title][0].toString() for _k, title, _i in PAGES[:10]] == numbered
    assert QKeySequence("Ctrl+,") in keys["Settings"]
