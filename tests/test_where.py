"""``pixm where``: every drive and card folder holding a clip, a card or a file, verified since when, mounted
now or not, held by whom, and the count of verified copies on distinct drives (issue 16, item 3)."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import update

from pixm_desktop.engine.drives import PhysicalDrive
from pixm_desktop.services import drives
from pixm_desktop.services import where as where_service
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Destination
from support.cards import make_card
from support.cli import cli


@pytest.fixture
def shot(tmp_path):
    card = make_card(tmp_path / "cards", "arri", clips=2)
    roots = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-07"]
    for r in roots:
        r.mkdir()
    catalog = tmp_path / "cart.sqlite"
    args = ["offload", card.root, "--dest", roots[0], "--dest", roots[1], "--template", "{card}",
            "--catalog", catalog, "--quiet", "--no-report"]
    assert cli(*args).code == 0
    return card, roots, catalog


def _where(catalog, name: str) -> list[dict]:
    run = cli("where", name, "--json", "--catalog", catalog)
    assert run.code == 0, run.text
    return json.loads(run.out)


def test_a_clip_is_found_on_every_folder_with_its_verification(shot):
    card, roots, catalog = shot
    clip = card.clips[0]
    [found] = _where(catalog, clip.clip_name.lower())  # names match whatever their case
    assert (found["kind"], found["name"], found["card"]) == ("clip", clip.clip_name, card.root.name)
    assert found["files"] == len(clip.files)
    assert sorted(p["path"] for p in found["places"]) == sorted(str(r / card.root.name) for r in roots)
    for place in found["places"]:
        assert place["complete"] and place["verified"] == place["total"] == len(clip.files)
        assert place["oldest_verified"] and place["mounted"] and place["folder_found"]
    assert found["copies"] == 1 and found["rule_copies"] == 2  # both folders on this machine's one disk
    assert "on the same drive" in " ".join(found["why"])


def test_distinct_drives_count_and_a_drive_taken_away_shows(shot):
    card, roots, catalog = shot
    db = open_catalog(catalog)
    with db.session() as s:  # as an offload to two physical drives records them
        for n, root in enumerate(roots):
            s.execute(update(Destination).where(Destination.path == str(root / card.root.name))
                      .values(drive_id=f"wwid:disk{n}"))
        s.commit()
    db.close()
    disks = {str(root): f"wwid:disk{n}" for n, root in enumerate(roots)}

    def drive_of(path):  # the machine's view: each destination root on its own disk
        return PhysicalDrive(next((d for r, d in disks.items() if str(path).startswith(r)), ""), "fake")

    db = open_catalog(catalog)
    try:
        [found] = where_service.where(db, card.clips[1].clip_name, drive_of=drive_of)
        assert found.copies == 2 and found.why == ()
        os.rename(roots[1], roots[1].with_name("gone"))  # the shuttle left the cart
        [found] = where_service.where(db, card.clips[1].clip_name, drive_of=drive_of)
    finally:
        db.close()
    places = {p.path: p for p in found.places}
    away = places[str(roots[1] / card.root.name)]
    assert not away.mounted and not away.folder_found and away.complete
    assert places[str(roots[0] / card.root.name)].mounted
    assert found.copies == 2  # the copies exist, verified: being away from the cart does not undo that


def test_a_registered_drive_is_named_with_who_holds_it(shot):
    card, roots, catalog = shot
    db = open_catalog(catalog)
    try:
        drives.add_drive(db, roots[1], "SHUTTLE-07", holder="Dana", location="camera truck")
    finally:
        db.close()
    run = cli("where", card.clips[0].clip_name, "--catalog", catalog)
    assert run.code == 0, run.text
    assert "SHUTTLE-07" in run.out and "Dana / camera truck" in run.out
    assert "complete verified copy on distinct drives of 2 needed" in run.out


def test_a_card_or_a_file_name_is_found_and_an_unknown_name_is_said(shot):
    card, _roots, catalog = shot
    [found] = _where(catalog, card.root.name)
    assert found["kind"] == "card" and found["files"] >= sum(len(c.files) for c in card.clips)
    media = card.clips[0].files[0]
    [found] = _where(catalog, media.rsplit("/", 1)[-1])
    assert (found["kind"], found["name"], found["files"]) == ("file", media, 1)
    run = cli("where", "NO_SUCH_CLIP", "--catalog", catalog)
    assert run.code == 2 and "nothing named 'NO_SUCH_CLIP' in the catalog" in run.text
