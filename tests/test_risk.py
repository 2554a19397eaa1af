"""``pixm risk``: the files below the card rule now, the files that would fall below it if one drive died, and
the card folders not re-verified for N days (issue 16, item 3)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from pixm_desktop.core.model import CopyState
from pixm_desktop.engine.drives import PhysicalDrive, VolumeIdentity
from pixm_desktop.services import drives
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Copy, Destination, File
from support.cards import make_card
from support.cli import cli


@pytest.fixture
def shot(tmp_path):
    """A card offloaded to two folders recorded on two physical drives (as an offload to two disks would)."""
    card = make_card(tmp_path / "cards", "arri", clips=2)
    roots = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-07"]
    for r in roots:
        r.mkdir()
    catalog = tmp_path / "cart.sqlite"
    args = ["offload", card.root, "--dest", roots[0], "--dest", roots[1], "--template", "{card}",
            "--catalog", catalog, "--quiet", "--no-report", "--no-clips"]
    assert cli(*args).code == 0
    db = open_catalog(catalog)
    with db.session() as s:
        for n, root in enumerate(roots):
            s.execute(update(Destination).where(Destination.path == str(root / card.root.name))
                      .values(drive_id=f"wwid:disk{n}"))
        s.commit()
    db.close()
    return card, roots, catalog


def _ledger(catalog, *extra) -> tuple[int, dict]:
    run = cli("risk", "--json", "--catalog", catalog, *extra)
    return run.code, json.loads(run.out)


def test_two_drives_meet_the_rule_and_a_failed_copy_is_named(shot):
    card, _roots, catalog = shot
    code, led = _ledger(catalog)
    assert code == 0 and led["below_count"] == 0 and led["files"] > 0 and led["stale"] == []
    db = open_catalog(catalog)
    with db.session() as s:  # one copy of one file found damaged on re-verify
        fid, rel = s.execute(select(File.id, File.relpath).order_by(File.id)).first()
        copy = s.scalars(select(Copy).where(Copy.file_id == fid)).first()
        copy.state = CopyState.FAILED.value
        s.commit()
    db.close()
    code, led = _ledger(catalog)
    assert code == 10 and led["below_count"] == 1
    assert (led["below"][0]["card"], led["below"][0]["relpath"], led["below"][0]["copies"]) == (card.root.name, rel, 1)
    run = cli("risk", "--catalog", catalog)
    assert run.code == 10 and "BELOW THE RULE NOW: 1 file(s)" in run.out and rel in run.out


def test_what_falls_below_if_a_drive_dies_and_copies_on_one_drive(shot):
    card, roots, catalog = shot
    db = open_catalog(catalog)
    try:  # the shuttle as the machine sees it: its own filesystem, mounted at its root, on disk1
        drives.add_drive(db, roots[1], "SHUTTLE-07", drive_of=lambda _p: PhysicalDrive("wwid:disk1", "disk1"),
                         identity_of=lambda _p: VolumeIdentity("uuid-07", "SHUTTLE-07", 10**12, str(roots[1]),
                                                               "/dev/sdb1", "exfat"))
    finally:
        db.close()
    code, led = _ledger(catalog, "--drive", "SHUTTLE-07")
    assert code == 10 and led["below_count"] == 0
    assert {r["relpath"] for r in led["if_lost"]} and all(r["card"] == card.root.name for r in led["if_lost"])
    assert len(led["if_lost"]) == led["files"]  # every file has only RAID-A besides the shuttle
    code, led = _ledger(catalog, "--drive", "SHUTTLE-07", "--min-copies", "1")
    assert code == 0 and led["if_lost"] == []
    db = open_catalog(catalog)
    with db.session() as s:  # both folders on one disk after all: one copy each, below the rule
        s.execute(update(Destination).values(drive_id="wwid:disk0"))
        s.commit()
    db.close()
    code, led = _ledger(catalog)
    assert code == 10 and led["below_count"] == led["files"]
    assert "on the same drive" in led["below"][0]["why"]
    assert cli("risk", "--drive", "NO-SUCH", "--catalog", catalog).code == 2


def test_folders_not_reverified_for_n_days_are_listed(shot):
    card, roots, catalog = shot
    db = open_catalog(catalog)
    with db.session() as s:
        raid = s.scalars(select(Destination).where(Destination.path == str(roots[0] / card.root.name))).one()
        s.execute(update(Copy).where(Copy.destination_id == raid.id)
                  .values(verified_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=45)))
        s.commit()
    db.close()
    code, led = _ledger(catalog, "--stale-days", "30")
    assert code == 0 and [(x["card"], x["folder"]) for x in led["stale"]] == [(card.root.name, str(roots[0] / card.root.name))]
    assert _ledger(catalog, "--stale-days", "60")[1]["stale"] == []
    run = cli("risk", "--catalog", catalog)
    assert "not re-verified for 30 days: 1 card folder(s)" in run.out
