"""Two carts for the sync tests (issue 17), loaded with ``pytest_plugins = ["support.sync_carts"]``: generated
ARRI cards X (A001, 2 clips) and Y (B002, 2 clips) shot on one day; cart A offloads X, cart B offloads X too
(a second cart reading the same card, so both hold its clips) and Y. Built once per module; each test gets
copies (``carts``), so the cart UUIDs are the module's."""

from __future__ import annotations

import datetime as dt
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.settings import open_catalog
from support.cards import make_card

DAY = dt.date(2026, 11, 23)


def _offload(db: Path, source: Path, dests: list[Path]) -> None:
    from pixm_desktop.services import clips

    catalog = open_catalog(db)
    try:
        for d in dests:
            d.mkdir(parents=True, exist_ok=True)
        service = OffloadService(catalog)
        result = service.run(service.prepare(OffloadRequest(source, dests, project="Film", day=DAY)))
        assert result.ok
        clips.ingest_card(catalog, result.card_id)
    finally:
        catalog.close()


def build_carts(base: Path) -> tuple[Path, Path]:
    x = make_card(base / "cards-x", "arri", clips=2, seconds=0.5, reel="A001", fps=Fraction(24))
    y = make_card(base / "cards-y", "arri", clips=2, seconds=0.5, reel="B002", fps=Fraction(24))
    a, b = base / "a" / "catalog.sqlite", base / "b" / "catalog.sqlite"
    _offload(a, x.root, [base / "a" / "RAID", base / "a" / "SHUTTLE"])
    _offload(b, x.root, [base / "b" / "RAID", base / "b" / "SHUTTLE"])
    _offload(b, y.root, [base / "b" / "RAID", base / "b" / "SHUTTLE"])
    for db, name in ((a, "cart-A"), (b, "cart-B")):
        from pixm_desktop.services import sync

        catalog = open_catalog(db)
        sync.set_central(catalog, None, cart_name=name)
        catalog.close()
    return a, b


@pytest.fixture(scope="module")
def two_carts(tmp_path_factory) -> tuple[Path, Path]:
    return build_carts(tmp_path_factory.mktemp("sync-carts"))


@pytest.fixture
def carts(two_carts, tmp_path) -> tuple[Path, Path]:
    """Copies of carts A and B for this test: their catalog paths."""
    out = []
    for src, name in zip(two_carts, ("a", "b"), strict=True):
        (tmp_path / name).mkdir()
        shutil.copy(src, tmp_path / name / "catalog.sqlite")
        out.append(tmp_path / name / "catalog.sqlite")
    return out[0], out[1]
