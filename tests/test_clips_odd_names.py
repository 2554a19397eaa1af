"""Clip ingest on a card whose names are not valid UTF-8: recorded with a reason, never a crash."""

from __future__ import annotations

import os

from pixm_desktop.services import clips
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog


def test_ingest_survives_non_utf8_names(tmp_path):
    card = tmp_path / "A001R1AB"
    card.mkdir()
    with open(os.path.join(os.fsencode(card), b"A001C001_bad\xff.mov"), "wb") as fh:
        fh.write(b"not really a movie")
    catalog = open_catalog(tmp_path / "c.sqlite")
    service = OffloadService(catalog)
    (tmp_path / "d1").mkdir()  # the drive is mounted: PIXM never creates a destination root
    result = service.run(service.prepare(OffloadRequest(card, [tmp_path / "d1"])))
    assert result.ok
    ingest = clips.ingest_card(catalog, result.card_id)
    rows = clips.list_clips(catalog)
    assert len(rows) == 1 and "\ufffd" in rows[0].name
    assert rows[0].probe_status == "failed" and rows[0].probe_error
    assert ingest.probe_failed == 1 and ingest.read_from_destination
    catalog.close()
