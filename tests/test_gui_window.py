"""The window opens on a real catalog (offscreen Qt) and shows what the offload recorded."""

from __future__ import annotations

import os

from conftest import write
from pixm_desktop.gui.app import COLUMNS, CatalogWindow
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog


def test_window_lists_offloaded_card_with_verified_states(qtbot, tmp_path):
    card = tmp_path / "A003R4XY"
    write(card / "A003C001_261123_R4XY.mov", os.urandom(100_000))
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(card, [tmp_path / "d1", tmp_path / "d2"])))
    assert result.ok
    window = CatalogWindow(catalog)
    qtbot.addWidget(window)
    window.show()
    model = window.model
    assert model.rowCount() == 1
    row = {COLUMNS[c]: model.item(0, c).data(0) for c in range(len(COLUMNS))}
    assert row["Card"] == "A003R4XY" and row["Camera"] == "arri" and row["Reel"] == "A003"
    assert row["Destinations"].count("1 verified") == 2
    catalog.close()
