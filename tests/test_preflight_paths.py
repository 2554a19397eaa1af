"""Pre-flight of destination paths (issue 9, cases 2 and 4, and "distinct drives"): a destination never leads
into the card (symlinks, bind mounts, other spellings), one folder is never two destinations, a destination root
that is not there is never created, a folder under a mount root where no drive is mounted is refused, and
destinations on one physical drive are flagged by the drive, not by the volume.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from pixm_desktop.core.errors import DestinationInsideSourceError, DestinationMissingError, UsageError
from pixm_desktop.core.model import Camera
from pixm_desktop.engine.drives import physical_drive
from pixm_desktop.engine.plan import make_plan
from pixm_desktop.engine.scan import DEFAULT_SOURCE_IGNORES, IgnoreList, scan_card
from pixm_desktop.services.offload import OffloadService
from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, build_request
from pixm_desktop.store.db import open_catalog
from support.cards import make_card, tree, walk
from support.catalog import catalog_json
from support.cli import cli
from support.drives import FakeMachine
from support.host import is_root
from support.offload import offload_args

MiB = 1024 * 1024



def untouched(card: Path):
    """What must not change on the card: every file (bytes, mtime) and every folder."""
    return tree(card), walk(card)[1]


def plan(card: Path, dests: list[Path], **kw):
    return make_plan(scan_card(card, IgnoreList(DEFAULT_SOURCE_IGNORES)), dests, camera=Camera.ARRI, reel="A001",
                     tokens={"project": "Feature", "day": "2026-11-23"}, **kw)


@pytest.fixture
def bind_mount(tmp_path):
    """``bind_mount(src, target) -> target``: ``mount --bind``, unmounted after the test (root only)."""
    if not is_root():
        pytest.skip("a bind mount needs root")
    done: list[Path] = []

    def make(src: Path, target: Path) -> Path:
        target.mkdir(parents=True, exist_ok=True)
        res = subprocess.run(["mount", "--bind", str(src), str(target)], capture_output=True, text=True)
        if res.returncode != 0:
            pytest.skip(f"cannot bind-mount: {res.stderr.strip()}")
        done.append(target)
        return target

    yield make
    for t in reversed(done):
        subprocess.run(["umount", "-l", str(t)], capture_output=True)


# ---------------------------------------------------------------------------- case 2: paths into the card


def test_destination_folder_through_a_symlink_into_the_card_is_refused(env) -> None:
    """The template's project folder on the drive is a symlink into the card: the copy would land in the card."""
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    (dests[1] / "Feature").symlink_to(card.root / "ARRI")  # …/SHUTTLE-B/Feature → inside the card
    before = untouched(card.root)

    r = cli(*offload_args(card.root, dests, catalog))
    assert r.code == 3, r.text
    assert "overlaps the source card" in r.err and str(dests[1] / "Feature") in r.err, r.err
    assert untouched(card.root) == before  # nothing written into the card
    assert walk(dests[0])[0] == {} and catalog_json(catalog, "jobs") == []


def test_destination_root_that_is_a_symlink_to_the_card_is_refused(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    link = base / "RAID-LINK"
    link.symlink_to(card.root)
    before = untouched(card.root)
    r = cli(*offload_args(card.root, [dests[0], link], catalog))
    assert r.code == 3 and "overlaps the source card" in r.err, r.text
    assert untouched(card.root) == before


def test_existing_card_folder_whose_subfolder_leads_into_the_card_is_refused(env) -> None:
    """A card folder already on the drive (a resume) whose clip folder is a symlink to the card's: the copy
    would be compared with (and written over) the card itself."""
    base, dests, catalog = env
    card = make_card(base / "cards", "sony")
    sub = next(d for d in sorted(card.root.iterdir()) if d.is_dir())
    folder = dests[1] / card.root.name
    folder.mkdir()
    (folder / sub.name).symlink_to(sub)
    before = untouched(card.root)
    r = cli(*offload_args(card.root, dests, catalog, "--template", "{card}"))
    assert r.code == 3 and "overlaps the source card" in r.err and str(folder / sub.name) in r.err, r.text
    assert untouched(card.root) == before and catalog_json(catalog, "jobs") == []


def test_destination_that_is_the_card_through_a_bind_mount_is_refused(env, bind_mount) -> None:
    """The card's parent folder bind-mounted elsewhere: the destination card folder IS the card (same inode)."""
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    view = bind_mount(card.root.parent, base / "view")
    before = untouched(card.root)
    r = cli(*offload_args(card.root, [dests[0], view], catalog, "--template", "{card}"))
    assert r.code == 3 and "overlaps the source card" in r.err, r.text
    assert untouched(card.root) == before and walk(dests[0])[0] == {}


def test_destination_holding_the_card_through_a_bind_mount_is_refused(env, bind_mount) -> None:
    """The card sits inside the destination card folder, seen through a bind mount of an outer folder."""
    base, dests, _ = env
    card = base / "shoot" / "A001" / "A001"  # a folder named like the card holds the card
    (card / "CLIPS").mkdir(parents=True)
    (card / "CLIPS" / "A001C001.mov").write_bytes(os.urandom(4096))
    view = bind_mount(base / "shoot", base / "view")
    with pytest.raises(DestinationInsideSourceError, match="overlaps the source card") as err:
        plan(card, [dests[0], view], template="{card}")
    assert err.value.path == str(view / "A001")
    assert sorted(p.name for p in card.rglob("*")) == ["A001C001.mov", "CLIPS"]


def test_two_destinations_that_are_one_folder_through_a_symlink_are_refused(env) -> None:
    """SHUTTLE-B's project folder is a symlink to RAID-A's: both copies would be one file."""
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    (dests[0] / "Feature").mkdir()
    (dests[1] / "Feature").symlink_to(dests[0] / "Feature")
    r = cli(*offload_args(card.root, dests, catalog))
    assert r.code == 2, r.text
    assert "same folder as destination 1" in r.err, r.err
    assert walk(dests[0])[1] == {b"Feature"} and catalog_json(catalog, "jobs") == []


@pytest.mark.parametrize("spelling", ["dots", "symlink"])
def test_two_spellings_of_one_root_are_refused(env, spelling: str) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    if spelling == "dots":
        other = dests[0] / ".." / dests[0].name
    else:
        other = base / "alias"
        other.symlink_to(dests[0])
    r = cli(*offload_args(card.root, [dests[0], other], catalog))
    assert r.code == 2 and "destination given twice" in r.err, r.text


def test_two_destinations_that_are_one_folder_through_a_bind_mount_are_refused(env, bind_mount) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    twin = bind_mount(dests[0], base / "twin")
    r = cli(*offload_args(card.root, [dests[0], twin], catalog))
    assert r.code == 2 and "same folder as destination 1" in r.err, r.text
    assert walk(dests[0])[0] == {}


def test_a_destination_inside_another_destinations_card_folder_is_refused(env) -> None:
    base, dests, _ = env
    card = make_card(base / "cards", "arri")
    inner = dests[0] / card.root.name / "nested"
    inner.mkdir(parents=True)
    with pytest.raises(UsageError, match="one inside the other"):
        plan(card.root, [dests[0], inner], template="{card}")


# ---------------------------------------------------------------------------- case 4: roots that are not there


def test_missing_destination_root_is_not_mounted_and_never_created(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    missing = base / "Volumes" / "RAID-C"
    r = cli(*offload_args(card.root, [dests[0], missing], catalog))
    assert r.code == 3, r.text
    assert f"RAID-C is not mounted: {missing} does not exist" in r.err, r.err
    assert not missing.exists() and not missing.parent.exists()  # not created, nor its parent
    assert walk(dests[0])[0] == {} and catalog_json(catalog, "jobs") == []


def test_the_window_request_to_a_renamed_away_folder_creates_nothing(env) -> None:
    """The window builds its request from the destination set; the child process prepares it: a destination
    folder renamed away since it was added is refused, not created again."""
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    settings = OffloadSettings(destinations=[DestinationSetting(str(d)) for d in dests])
    dests[1].rename(base / "SHUTTLE-B old")
    db = open_catalog(catalog)
    try:
        with pytest.raises(DestinationMissingError, match="SHUTTLE-B is not mounted") as err:
            OffloadService(db).prepare(build_request(settings, card.root))
    finally:
        db.close()
    assert err.value.exit_code == 3 and err.value.path == str(dests[1])
    assert not dests[1].exists() and walk(dests[0])[0] == {}


def test_a_folder_under_a_mount_root_where_no_drive_is_mounted_is_refused(tmp_path: Path) -> None:
    """A tmp folder stands for /mnt: a drive (tmpfs) is mounted at mnt/RAID; mnt/SHUTTLE is a plain folder on the
    disk holding mnt, as /Volumes/SHUTTLE is when the drive is unmounted and a folder was left behind."""
    if not is_root():
        pytest.skip("mounting a tmpfs needs root")
    card = make_card(tmp_path / "cards", "arri")
    mnt = tmp_path / "mnt"
    raid, shuttle = mnt / "RAID", mnt / "SHUTTLE"
    raid.mkdir(parents=True)
    shuttle.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(raid)], check=True, capture_output=True)
    try:
        with pytest.raises(DestinationMissingError, match="SHUTTLE is not mounted") as err:
            plan(card.root, [raid, shuttle], mount_roots=[mnt])
        assert err.value.exit_code == 3 and list(shuttle.iterdir()) == []
        with pytest.raises(DestinationMissingError, match="mnt is not mounted"):
            plan(card.root, [mnt], mount_roots=[tmp_path])  # a mount root's own folder is no drive either
        # the mounted drive and a folder on it are accepted; the plain folder outside a mount root too
        (raid / "backups").mkdir()
        ok = plan(card.root, [raid, raid / "backups"], mount_roots=[mnt], template="{card}")
        assert [d.root for d in ok.destinations] == [raid, raid / "backups"]
        assert [d.root for d in plan(card.root, [shuttle], mount_roots=[tmp_path / "elsewhere"]).destinations] \
            == [shuttle]
    finally:
        subprocess.run(["umount", "-l", str(raid)], capture_output=True)


# ---------------------------------------------------------------------------- distinct drives


def test_two_folders_on_one_disk_are_flagged_as_one_drive(env) -> None:
    base, dests, _ = env
    card = make_card(base / "cards", "arri")
    drive = physical_drive(dests[0])
    p = plan(card.root, dests)
    assert drive.known and [d.drive for d in p.destinations] == [drive, drive]
    assert (f"destinations 1, 2 are on the same drive ({drive.name}): one drive failure loses both copies"
            in p.warnings), p.warnings
    assert f"destinations 1, 2 are on the same drive as the source card ({drive.name})" in p.warnings


def test_two_loop_filesystems_on_one_disk_are_flagged_as_one_drive(env, mount_ext4) -> None:
    """Two ext4 images beside each other: two volumes, one disk. The old check (by volume) saw two drives."""
    base, _, catalog = env
    card = make_card(base / "cards", "arri")
    a, b = mount_ext4(16 * MiB), mount_ext4(16 * MiB)
    p = plan(card.root, [a, b])
    host = physical_drive(base)
    assert [d.drive for d in p.destinations] == [host, host]
    assert any(w.startswith(f"destinations 1, 2 are on the same drive ({host.name})") for w in p.warnings), p.warnings
    # and the catalog keeps the drive of each destination
    r = cli(*offload_args(card.root, [a, b], catalog))
    assert r.code == 0, r.text
    con = sqlite3.connect(catalog)
    try:
        rows = con.execute("SELECT drive_id, drive_note FROM destinations ORDER BY id").fetchall()
    finally:
        con.close()
    assert rows == [(host.id, None), (host.id, None)]


def test_destinations_on_distinct_disks_are_not_flagged(env, mount_tmpfs) -> None:
    """Two filesystems put on two disks of a fake sysfs (sda, sdb) are distinct; on two partitions of sda not."""
    base, _, _ = env
    card = make_card(base / "cards", "arri")
    a, b = mount_tmpfs(16 * MiB), mount_tmpfs(16 * MiB)
    m = FakeMachine(base / "machine")
    sda, sdb = m.disk("sda", wwid="naa.a"), m.disk("sdb", wwid="naa.b")
    m.attach(a, m.part(sda, 1))
    m.attach(b, m.part(sdb, 1))
    p = plan(card.root, [a, b], drive_of=m.drive)
    assert [d.drive.name for d in p.destinations] == ["sda", "sdb"]
    assert not [w for w in p.warnings if "same drive" in w or "cannot tell" in w], p.warnings
    m.attach(b, m.part(sda, 2))
    p = plan(card.root, [a, b], drive_of=m.drive)
    assert any(w.startswith("destinations 1, 2 are on the same drive (sda)") for w in p.warnings), p.warnings


def test_a_destination_whose_drive_cannot_be_told_is_flagged_and_recorded(env, mount_tmpfs) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    t = mount_tmpfs(16 * MiB)
    p = plan(card.root, [dests[0], t])
    assert p.destinations[1].drive.note == "tmpfs is memory, not a drive"
    assert any(w.startswith(f"cannot tell which drive destination 2 ({t}) is on (tmpfs is memory, not a drive)")
               for w in p.warnings), p.warnings
    r = cli(*offload_args(card.root, [dests[0], t], catalog))
    assert r.code == 0, r.text
    assert "tmpfs is memory, not a drive" in r.err + r.out
    con = sqlite3.connect(catalog)
    try:
        rows = con.execute("SELECT drive_id, drive_note FROM destinations ORDER BY id").fetchall()
    finally:
        con.close()
    assert rows == [(physical_drive(dests[0]).id, None), ("", "tmpfs is memory, not a drive")]


def test_space_still_needed_counts_only_what_a_destination_lacks(tmp_path):
    """The space check counts a file already at the destination with the card's size as done, whatever folder it
    is in; a folder not there yet (a new card folder) has none of its files, without a lookup per file."""
    card = tmp_path / "A001"
    sizes = {"DCIM/100/a.JPG": 5000, "DCIM/100/b.JPG": 7000, "DCIM/101/c.JPG": 9000, "top.XML": 300}
    for rel, size in sizes.items():
        (card / rel).parent.mkdir(parents=True, exist_ok=True)
        (card / rel).write_bytes(os.urandom(size))
    fresh, resumed = tmp_path / "RAID", tmp_path / "SHUTTLE"
    fresh.mkdir()
    there = resumed / "A001"
    (there / "DCIM/100").mkdir(parents=True)
    (there / "DCIM/100/a.JPG").write_bytes((card / "DCIM/100/a.JPG").read_bytes())
    (there / "DCIM/100/b.JPG").write_bytes(b"short")  # a partial copy: still needed
    (there / "top.XML").write_bytes((card / "top.XML").read_bytes())
    blocks = {rel: -(-size // 4096) * 4096 for rel, size in sizes.items()}
    made = plan(card, [fresh, resumed], template="{card}")
    assert made.destinations[0].needed_bytes == sum(blocks.values())
    assert made.destinations[1].needed_bytes == blocks["DCIM/100/b.JPG"] + blocks["DCIM/101/c.JPG"]
