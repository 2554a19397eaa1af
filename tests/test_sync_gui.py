"""The window's sync indicator (issue 17) with pytest-qt: in the status bar, "not set" until the settings box
gets a central URL, then Sync now pushes to a real PostgreSQL server and it says synced; a logger edit shows
as pending; a server that went away shows offline with the error; the conflict log opens."""

from __future__ import annotations

import datetime as dt

import psycopg
from PySide6.QtWidgets import QDialog

from pixm_desktop.gui.sync_indicator import SyncIndicator, describe
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import clips, sync
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.services.sync import central
from pixm_desktop.store import central as store_central

pytest_plugins = ["support.postgres", "support.sync_carts", "support.gui"]


def test_the_window_has_the_indicator_and_stops_it(cart):
    win = cart.window()
    assert isinstance(win.sync_indicator, SyncIndicator)
    assert win.sync_indicator in win.statusBar().findChildren(SyncIndicator)
    cart.qtbot.waitUntil(lambda: win.sync_indicator.text() == "Sync: not set")
    cart.close(win)
    assert not win.sync_indicator._poll.isActive()


def test_settings_sync_now_pending_and_offline(carts, central_url, pg_server, qtbot, no_thread_leaks):
    from pixm_desktop.gui.runner import JobRunner

    a, _ = carts
    central.init(central_url)
    catalog = open_catalog(a)
    runner = JobRunner()
    from PySide6.QtCore import QSettings

    qs = QSettings(str(a.parent / "settings.ini"), QSettings.Format.IniFormat)
    ind = SyncIndicator(catalog, runner, qs)
    qtbot.addWidget(ind)
    try:
        ind.start()
        qtbot.waitUntil(lambda: ind.status is not None)
        assert ind.text() == "Sync: not set" and not ind.sync_action.isEnabled()
        dlg = ind.open_settings()
        dlg.url.setText(central_url.replace("postgres@", "postgres:hunter2@"))
        dlg.name.setText("Camera cart")
        dlg.auto.setChecked(False)
        dlg.done(QDialog.DialogCode.Accepted)
        qtbot.waitUntil(lambda: ind.status is not None and ind.status.url == central_url)
        assert "hunter2" not in ind.toolTip() and ind.status.cart_name == "Camera cart"
        assert ind.status.pending > 0 and "pending" in ind.text()
        ind.sync_now()
        qtbot.waitUntil(lambda: not ind.syncing and ind.status.pending == 0, timeout=60000)
        assert ind.text() == "Sync: synced just now" and ind.last_error is None
        with psycopg.connect(central_url) as conn:
            assert store_central.table_counts(conn)["cards"] == 1
        (row,) = clips.list_clips(catalog, clips.ClipFilter(limit=1))
        clips.update_log(catalog, [row.id], rating=5)
        ind.refresh()
        qtbot.waitUntil(lambda: ind.status.pending_fields == 1)
        assert "pending" in ind.text()
        pg_server.admin("ALTER DATABASE " + central_url.split("/")[3].split("?")[0] + " ALLOW_CONNECTIONS false")
        ind.sync_now()
        qtbot.waitUntil(lambda: not ind.syncing and ind.status.last_error is not None, timeout=60000)
        assert ind.text().startswith("Sync: offline") and "pending" in ind.text()
        assert "Last attempt failed" in ind.toolTip()
    finally:
        ind.stop()
        runner.shutdown(wait=True)
        catalog.close()


def test_the_words_for_each_state():
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    base = sync.SyncStatus("u", "A", "postgresql://h/show", 0, 0, now - dt.timedelta(minutes=3), None, 0)
    assert describe(base, now) == "Sync: synced 3 min ago"
    assert describe(base.__class__(**{**base.__dict__, "pending": 4, "conflicts": 1}), now) == \
        "Sync: synced 3 min ago · 4 pending · 1 conflict"
    assert describe(base.__class__(**{**base.__dict__, "last_error": "gone", "conflicts": 2}), now) == \
        "Sync: offline · 2 conflicts"
    assert describe(base.__class__(**{**base.__dict__, "url": None}), now) == "Sync: not set"


def test_the_conflict_log_lists_kept_and_overwritten_values(qtbot):
    from pixm_desktop.gui.sync_indicator import ConflictsDialog
    from pixm_desktop.store.central import Conflict

    at = dt.datetime(2026, 11, 23, 18, 5, tzinfo=dt.UTC)
    dlg = ConflictsDialog([Conflict(1, "clips", "u-1", "A001C001", "scene", "12B", 2, "cart-B", "12A", 1,
                                    "cart-A", at)])
    qtbot.addWidget(dlg)
    assert [dlg.table.item(0, j).text() for j in range(7)] == \
        ["2026-11-23 18:05", "A001C001", "scene", "12B", "cart-B", "12A", "cart-A"]


def test_the_whole_show_lists_every_carts_cards_with_the_verdict_over_all_their_copies(
        carts, central_url, qtbot, no_thread_leaks):
    """Cart A offloaded card A001; cart B offloaded A001 too, and B002. Read from the central catalog, A001 is one
    card held by both carts, its verdict counting all four folders (on one disk here: NOT SAFE), and B002's
    verdict is cart B's own."""
    from PySide6.QtCore import QSettings

    from pixm_desktop.gui.runner import JobRunner
    from pixm_desktop.services import status

    a, b = carts
    central.init(central_url)
    for path in (a, b):
        cat = open_catalog(path)
        try:
            sync.sync_once(cat, central_url)
        finally:
            cat.close()
    local_b = open_catalog(b)
    try:
        [y_id] = [c["id"] for c in catalog_views.cards(local_b) if c["label"].startswith("B002")]
        b002_on_cart_b = status.card_verdicts(local_b, [y_id])[y_id]
    finally:
        local_b.close()
    catalog = open_catalog(a)
    runner = JobRunner()
    ind = SyncIndicator(catalog, runner, QSettings(str(a.parent / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(ind)
    try:
        ind.start()
        qtbot.waitUntil(lambda: ind.status is not None and ind.status.url == central_url)
        ind.open_show()
        qtbot.waitUntil(lambda: ind.show_dialog is not None, timeout=60000)
        rows = {r[1][:4]: r for r in ind.show_dialog.rows()}
        assert sorted(rows) == ["A001", "B002"]
        assert rows["A001"][5] == "cart-A, cart-B" and rows["B002"][5] == "cart-B"
        assert rows["A001"][6].startswith("NOT SAFE: ") and "4 folders" in rows["A001"][6]
        # the same verdict as on cart B (the drives may be named in another order: central row ids differ)
        assert rows["B002"][6].startswith("NOT SAFE: ") and b002_on_cart_b.state.value == "not_safe"
        assert sorted(rows["B002"][6].split()) == sorted(f"NOT SAFE: {b002_on_cart_b.reason}".split())
        assert ind.show_dialog.summary.text().startswith("2 cards from 2 carts (cart-A, cart-B)")
        ind.show_dialog.close()
    finally:
        ind.stop()
        runner.shutdown(wait=True)
        catalog.close()
