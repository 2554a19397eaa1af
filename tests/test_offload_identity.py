"""Card identity across offloads: a card recorded on since its last offload, and two cards with one label."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog
from support.cards import write

ASCMHL_DEBUG = Path(sys.executable).parent / "ascmhl-debug"


def offload(catalog, card: Path, dests: list[Path]):
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    prepared = service.prepare(OffloadRequest(card, dests, project="P", template="{project}/{card}"))
    return prepared, service.run(prepared)


def ascmhl_ok(folder: Path) -> None:
    res = subprocess.run([str(ASCMHL_DEBUG), "verify", str(folder)], capture_output=True, text=True)
    assert res.returncode == 0 and not res.stdout.strip(), res.stdout + res.stderr


def test_card_recorded_on_after_its_offload_continues_in_the_same_folder(tmp_path):
    catalog = open_catalog(tmp_path / "c.sqlite")
    card = tmp_path / "cards" / "A001R1AB"
    write(card / "A001C001_261123_R1AB.mov", os.urandom(50_000))
    dests = [tmp_path / "d1", tmp_path / "d2"]
    first, r1 = offload(catalog, card, dests)
    assert r1.ok and first.known_card_id is None
    inode = (dests[0] / "P" / "A001R1AB" / "A001C001_261123_R1AB.mov").stat().st_ino
    write(card / "A001C002_261123_R1AB.mov", os.urandom(60_000), mtime=1_700_000_100)  # the camera shot more

    again, r2 = offload(catalog, card, dests)
    assert again.known_card_id == r1.card_id and "new files" in again.known_summary
    assert r2.ok and r2.card_id == r1.card_id
    assert [(d.skipped, d.verified) for d in r2.destinations] == [(1, 2), (1, 2)]
    folder = dests[0] / "P" / "A001R1AB"
    assert (folder / "A001C001_261123_R1AB.mov").stat().st_ino == inode
    assert sorted(p.name for p in (folder / "ascmhl").glob("*.mhl"))[-1].startswith("0002_")
    for d in dests:
        ascmhl_ok(d / "P" / "A001R1AB")
    catalog.close()


def test_two_different_cards_with_one_label_never_share_a_folder(tmp_path):
    catalog = open_catalog(tmp_path / "c.sqlite")
    dests = [tmp_path / "d1", tmp_path / "d2"]
    a = tmp_path / "mag1" / "A001_SONY"
    write(a / "XDROOT" / "Clip" / "A001C001_261123A5.MXF", os.urandom(40_000))
    _, r1 = offload(catalog, a, dests)
    b = tmp_path / "mag2" / "A001_SONY"  # reformatted and shot again: same label, other content
    write(b / "XDROOT" / "Clip" / "A001C001_261123A5.MXF", os.urandom(41_000), mtime=1_700_009_000)
    prepared, r2 = offload(catalog, b, dests)
    assert r1.ok and r2.ok and r2.card_id != r1.card_id
    assert [d.card_path.name for d in r2.destinations] == ["A001_SONY_2", "A001_SONY_2"]
    assert any("different card with the same label" in w for w in prepared.plan.warnings)
    for d in dests:
        first = (d / "P" / "A001_SONY" / "XDROOT" / "Clip" / "A001C001_261123A5.MXF").read_bytes()
        second = (d / "P" / "A001_SONY_2" / "XDROOT" / "Clip" / "A001C001_261123A5.MXF").read_bytes()
        assert len(first) == 40_000 and len(second) == 41_000
        ascmhl_ok(d / "P" / "A001_SONY")
        ascmhl_ok(d / "P" / "A001_SONY_2")
    catalog.close()


def test_empty_history_folder_left_by_a_kill_is_no_history(tmp_path):
    """A kill while the first manifest was written can leave an empty ascmhl/ folder: the next offload of the
    card must write generation 1 there, not fail."""
    catalog = open_catalog(tmp_path / "c.sqlite")
    card = tmp_path / "cards" / "A004R2CD"
    write(card / "A004C001_261123_R2CD.mov", os.urandom(30_000))
    dests = [tmp_path / "d1"]
    _, r1 = offload(catalog, card, dests)
    folder = dests[0] / "P" / "A004R2CD"
    for f in (folder / "ascmhl").iterdir():
        f.unlink()
    write(card / "A004C002_261123_R2CD.mov", os.urandom(20_000), mtime=1_700_000_200)
    _, r2 = offload(catalog, card, dests)
    assert r1.ok and r2.ok and r2.destinations[0].mhl_generation.name.startswith("0001_")
    catalog.close()
