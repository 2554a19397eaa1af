"""Catalogs of generated ARRI cards, offloaded and ingested once per test module, and a copy per test (the
dailies tests' shoot; formerly a near-copy in test_dailies, test_dailies_look and test_dailies_cluster)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

from pixm_desktop.services import clips
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store.db import Catalog
from support.cards import make_card

#: ``(reel, exact rate, clips, seconds)`` of one generated ARRI card.
CardSpec = tuple[str, Fraction, int, float]


def offloaded_shoot(base: Path, cards: Iterable[CardSpec], day: dt.date,
                    dests: Iterable[str] = ("RAID-A", "SHUTTLE-B")) -> Path:
    """``base/catalog.sqlite`` with each card written under ``base/cards``, offloaded to the folders ``dests``
    (made under ``base``) on shoot day ``day`` and ingested; returns the catalog's path."""
    catalog = open_catalog(base / "catalog.sqlite")
    roots = [base / d for d in dests]
    for d in roots:
        d.mkdir()
    try:
        for reel, fps, n, seconds in cards:
            card = make_card(base / "cards", "arri", clips=n, seconds=seconds, reel=reel, fps=fps)
            service = OffloadService(catalog)
            result = service.run(service.prepare(OffloadRequest(card.root, roots, project="Film", day=day)))
            assert result.ok
            clips.ingest_card(catalog, result.card_id)
    finally:
        catalog.close()
    return base / "catalog.sqlite"


def catalog_copy(tmp_path: Path, db: Path) -> Iterator[Catalog]:
    """For a fixture: a copy of ``db`` in ``tmp_path``, open for the test and closed after it."""
    path = tmp_path / "catalog.sqlite"
    shutil.copy(db, path)
    catalog = open_catalog(path)
    yield catalog
    catalog.close()
