"""Drives as things (issue 12, item 3): the registry, ship and receive with a re-verification on receipt,
"safe to wipe this shuttle" by the card's own rule, retire, the storage forecast, the 0005 migration.

Distinct physical drives: each drive is a size-limited tmpfs (its own filesystem, root only) put on a disk
of a fake sysfs (``support.drives.FakeMachine``), and the catalog's destinations get the drive ids the fake
machine gives, as an offload on those disks would record them. Copies are real: made by the offload service
from a generated card, re-verified by the verify service.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, select, text, update

from pixm_desktop.core.errors import DriveMismatchError, DriveNotSafeToWipeError, UsageError
from pixm_desktop.core.model import JobStatus
from pixm_desktop.core.verdict import FileElsewhere, SafeRule, drive_wipe_verdict
from pixm_desktop.engine.drives import volume_identity
from pixm_desktop.services import drives
from pixm_desktop.store.db import MIGRATIONS, SCHEMA_HEAD, open_catalog
from pixm_desktop.store.models import Card, Destination, Drive, DriveDestination, File, Project, ShootDay
from support.cards import flip_byte, make_card
from support.catalog import copy_states
from support.cli import cli
from support.drives import FakeMachine
from support.faults import run_service
from support.offload import dest_card, request

MiB = 1024 * 1024
TB = 10**12


# -------------------------------------------------------------------------------- the rule itself (pure)


def test_wipe_verdict_is_the_card_rule_over_every_file() -> None:
    a, b, b2 = ("RAID-A", "wwid:a", None), ("RAID-B", "wwid:b", None), ("RAID-B2", "wwid:b", None)
    both = FileElsewhere("A001", "Clips/C001.mov", (a, b))
    v = drive_wipe_verdict("SHUTTLE-07", [both], SafeRule())
    assert v.safe and v.files == 1 and "every one of 1 file" in v.reason
    same = FileElsewhere("A001", "Clips/C002.mov", (a, ("RAID-A2", "wwid:a+wwid:z", None)))  # shares disk a
    v = drive_wipe_verdict("SHUTTLE-07", [both, same], SafeRule())
    assert not v.safe and [(c, p) for c, p, _ in v.lacking] == [("A001", "Clips/C002.mov")]
    assert "only 1 verified copy on other drives of 2 needed" in v.lacking[0][2]
    assert "RAID-A and RAID-A2 are on the same drive" in v.lacking[0][2]
    assert v.headline.startswith("NOT SAFE TO WIPE: 1 file of 2 on SHUTTLE-07")
    unknown = FileElsewhere("A001", "x.mov", (a, ("NAS", "", "tmpfs is memory, not a drive")))
    assert not drive_wipe_verdict("S", [unknown]).safe  # an unknown drive is never a distinct one
    assert drive_wipe_verdict("S", [unknown], SafeRule(min_copies=1)).safe
    assert drive_wipe_verdict("S", [FileElsewhere("A001", "x.mov", (b, b2))], SafeRule(distinct_drives=False)).safe
    many = [FileElsewhere("B002", f"f{i:02}.mov", (a,)) for i in range(13)]
    v = drive_wipe_verdict("S", many)
    assert len(v.lacking) == 13 and v.reason.endswith("B002/f00.mov and 12 more")
    assert v.listed(10)[-1] == "and 3 more" and len(v.listed(10)) == 11 and v.listed(10)[0].startswith("B002/f00")
    assert drive_wipe_verdict("S", []).safe  # nothing of the catalog on it
    assert not drive_wipe_verdict("S", [], blockers=["cannot tell"]).safe


# ------------------------------------------------------------------------------------- a shoot on drives


class Shoot:
    """Drives (tmpfs on fake disks), a catalog, cards offloaded to some of the drives."""

    def __init__(self, base: Path, mount_tmpfs, disks: dict[str, tuple[str, int]]):
        self.base, self.catalog = base, base / "catalog.sqlite"
        self.m = FakeMachine(base / "machine")
        self.root: dict[str, Path] = {}
        made: dict[str, Path] = {}
        for label, (disk, part) in disks.items():
            self.root[label] = mount_tmpfs(16 * MiB)
            node = made.get(disk) or made.setdefault(disk, self.m.disk(disk, wwid=f"naa.{disk}"))
            self.m.attach(self.root[label], self.m.part(node, part))

    def offload(self, camera: str, labels: list[str], **kw) -> Path:
        card = make_card(self.base / "cards", camera, **kw).root
        res, _ = run_service(self.catalog, request(card, [self.root[x] for x in labels]))
        assert getattr(res, "status", None) == JobStatus.COMPLETED, res
        cat = open_catalog(self.catalog)
        try:
            with cat.session() as s:  # what an offload on these disks records (tmpfs alone tells no disk)
                for label in labels:
                    s.execute(update(Destination).where(Destination.path.like(f"{self.root[label]}/%"))
                              .values(drive_id=self.m.drive(self.root[label]).id, drive_note=None))
                s.commit()
        finally:
            cat.close()
        return card

    def add(self, *labels: str) -> None:
        cat = open_catalog(self.catalog)
        try:
            for label in labels:
                drives.add_drive(cat, self.root[label], label, kind="shuttle" if "SHUTTLE" in label else "raid",
                                 drive_of=self.m.drive, who="Loader")
        finally:
            cat.close()

    def run(self, fn, *args, **kw):
        cat = open_catalog(self.catalog)
        try:
            return fn(cat, *args, **kw)
        finally:
            cat.close()


@pytest.fixture
def shoot(tmp_path, mount_tmpfs, monkeypatch):
    def make(disks):
        sh = Shoot(tmp_path.resolve(), mount_tmpfs, disks)
        monkeypatch.setattr(drives, "physical_drive", sh.m.drive)  # the CLI's drive look-up, on the fake disks
        return sh
    return make


THREE = {"SHUTTLE-07": ("sda", 1), "RAID-A": ("sdb", 1), "RAID-B": ("sdc", 1)}


def test_a_shuttle_whose_files_all_have_copies_on_enough_distinct_drives_is_safe_to_wipe(shoot) -> None:
    sh = shoot(THREE)
    card = sh.offload("arri", list(THREE))
    sh.add(*THREE)
    v = sh.run(drives.wipe_check, "SHUTTLE-07")
    n = sum(1 for p in card.rglob("*") if p.is_file())
    assert v.safe and v.files == n, v
    r = cli("drive", "wipe-check", "shuttle-07", "--catalog", sh.catalog)
    assert r.code == 0 and "SAFE TO WIPE" in r.out and "NOT SAFE" not in r.out, r.text
    listed = json.loads(cli("drive", "list", "--json", "--catalog", sh.catalog).out)
    assert {d["label"]: d["folders"] for d in listed} == {"RAID-A": 1, "RAID-B": 1, "SHUTTLE-07": 1}
    assert all(d["events"][0]["what"] == "added" and d["events"][0]["who"] == "Loader" for d in listed)
    # a card folder on the mounted shuttle that this catalog never wrote there (another cart's offload)
    shutil.copytree(dest_card(sh.root["RAID-A"], "arri", card.name), sh.root["SHUTTLE-07"] / "OtherCart" / "B001")
    v = sh.run(drives.wipe_check, "SHUTTLE-07")
    assert not v.safe and "OtherCart/B001" in v.reason and "cannot be accounted for" in v.reason, v


def test_a_shuttle_with_a_file_missing_a_copy_is_not_safe_and_names_the_files(shoot) -> None:
    sh = shoot(THREE)
    card = sh.offload("arri", list(THREE))
    second = sh.offload("sony", ["SHUTTLE-07", "RAID-A"], clips=6)  # never went to RAID-B
    sh.add(*THREE)
    # one copy of the first card goes bad on RAID-B and `pixm verify` finds it: no longer a verified copy
    victim = max((p for p in card.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    rel = victim.relative_to(card).as_posix()
    flip_byte(dest_card(sh.root["RAID-B"], "arri", card.name) / rel)
    assert cli("verify", dest_card(sh.root["RAID-B"], "arri", card.name), "--catalog", sh.catalog).code == 5
    v = sh.run(drives.wipe_check, "SHUTTLE-07")
    second_files = sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    assert not v.safe
    assert {(c, p) for c, p, _ in v.lacking} == {(card.name, rel)} | {(second.name, p) for p in second_files}
    assert all("only 1 verified copy on other drives of 2 needed" in why for *_, why in v.lacking)
    r = cli("drive", "wipe-check", "SHUTTLE-07", "--catalog", sh.catalog)
    assert r.code == 10 and "NOT SAFE TO WIPE" in r.out, r.text
    assert f"{card.name}/{rel}" in r.out or f"{second.name}/" in r.out
    if len(v.lacking) > 10:
        assert f"and {len(v.lacking) - 10} more" in r.out, r.out
    # RAID-A holds every file, and each still has SHUTTLE-07 and (for the first card) RAID-B elsewhere
    assert sh.run(drives.wipe_check, "RAID-A", SafeRule(min_copies=1)).safe


def test_a_copy_elsewhere_on_the_same_physical_drive_as_another_does_not_count(shoot) -> None:
    sh = shoot({"SHUTTLE-07": ("sda", 1), "RAID-A": ("sdb", 1), "RAID-B": ("sdb", 2)})  # two partitions of sdb
    sh.offload("arri", ["SHUTTLE-07", "RAID-A", "RAID-B"])
    sh.add("SHUTTLE-07", "RAID-A", "RAID-B")
    v = sh.run(drives.wipe_check, "SHUTTLE-07")
    assert not v.safe and v.lacking and v.files == len(v.lacking)
    assert all("RAID-A and RAID-B are on the same drive" in why for *_, why in v.lacking), v.lacking
    assert sh.run(drives.wipe_check, "SHUTTLE-07", SafeRule(min_copies=1)).safe


def test_ship_and_receive_record_events_and_the_receipt_catches_a_tampered_copy(shoot, tmp_path) -> None:
    sh = shoot(THREE)
    card = sh.offload("arri", list(THREE))
    sh.add(*THREE)
    assert sh.run(drives.wipe_check, "RAID-A").safe  # SHUTTLE-07 and RAID-B hold every file
    r = cli("drive", "ship", "SHUTTLE-07", "--to", "Lab (Company 3)", "--courier", "Ana, Couriers Ltd", "--by", "Jo",
            "--catalog", sh.catalog)
    assert r.code == 0 and "in transit" in r.out, r.text
    (d,) = [d for d in json.loads(cli("drive", "list", "--json", "--catalog", sh.catalog).out)
            if d["label"] == "SHUTTLE-07"]
    assert (d["location"], d["holder"]) == ("in transit", "Ana, Couriers Ltd")
    assert [(e["what"], e["who"], e["courier"], e["place"]) for e in d["events"]][-1] == \
        ("shipped", "Jo", "Ana, Couriers Ltd", "Lab (Company 3)")
    # in transit a byte flips on the shuttle; at the lab it is mounted elsewhere (the same filesystem)
    victim = max((p for p in card.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    rel = victim.relative_to(card).as_posix()
    flip_byte(dest_card(sh.root["SHUTTLE-07"], "arri", card.name) / rel)
    lab = tmp_path / "lab-mount"
    lab.mkdir()
    subprocess.run(["mount", "--bind", str(sh.root["SHUTTLE-07"]), str(lab)], check=True)
    try:
        sh.m.mount(lab, "ext4", "/dev/fake-sda1")
        r = cli("drive", "receive", "SHUTTLE-07", "--path", lab, "--by", "Sam", "--catalog", sh.catalog)
    finally:
        subprocess.run(["umount", "-l", str(lab)], capture_output=True)
    assert r.code == 5, r.text
    assert "received at Lab (Company 3)" in r.out and rel in r.out and "FAILED" in r.out, r.out
    (d,) = [d for d in json.loads(cli("drive", "list", "--json", "--catalog", sh.catalog).out)
            if d["label"] == "SHUTTLE-07"]
    assert (d["location"], d["holder"]) == ("Lab (Company 3)", "Sam")
    received, reverified = d["events"][-2:]
    assert (received["what"], received["place"], received["who"]) == ("received", "Lab (Company 3)", "Sam")
    assert reverified["what"] == "reverified" and reverified["ok"] is False and "problems" in reverified["result"]
    # the catalog's copy on the shuttle is failed now (recorded under its catalog path, not the lab's)
    shuttle_folder = str(dest_card(sh.root["SHUTTLE-07"], "arri", card.name))
    assert copy_states(sh.catalog)[(rel, shuttle_folder)][0] == "failed"
    # … so RAID-A, whose wipe relied on that copy, is no longer safe to wipe, naming the file
    v = sh.run(drives.wipe_check, "RAID-A")
    assert not v.safe and [(c, p) for c, p, _ in v.lacking] == [(card.name, rel)]


def test_receive_refuses_another_drive_at_the_path(shoot) -> None:
    sh = shoot(THREE)
    sh.offload("arri", list(THREE))
    sh.add(*THREE)
    with pytest.raises(DriveMismatchError, match="is not SHUTTLE-07"):
        sh.run(drives.receive, "SHUTTLE-07", path=sh.root["RAID-A"], drive_of=sh.m.drive)
    r = cli("drive", "receive", "SHUTTLE-07", "--path", sh.root["RAID-A"], "--catalog", sh.catalog)
    assert r.code == 3 and "is not SHUTTLE-07" in r.text, r.text
    assert [e.what for e in sh.run(drives.list_drives)[2].events] == ["added"]  # nothing recorded


def test_retire_is_refused_unless_safe_to_wipe_or_forced_with_a_note(shoot) -> None:
    sh = shoot(THREE)
    card = sh.offload("arri", ["SHUTTLE-07", "RAID-A"])
    sh.add(*THREE)
    r = cli("drive", "retire", "SHUTTLE-07", "--catalog", sh.catalog)
    assert r.code == 10 and "NOT SAFE TO WIPE" in r.text and card.name in r.out, r.text
    assert cli("drive", "retire", "SHUTTLE-07", "--force", "--catalog", sh.catalog).code == 2
    with pytest.raises(DriveNotSafeToWipeError):
        sh.run(drives.retire, "SHUTTLE-07")
    assert sh.run(drives.list_drives)[2].status == "active"
    r = cli("drive", "retire", "SHUTTLE-07", "--force", "--note", "dropped in the river", "--by", "Jo",
            "--catalog", sh.catalog)
    assert r.code == 0 and "forced" in r.out, r.text
    shuttle = sh.run(drives.list_drives)[2]
    assert shuttle.status == "retired" and shuttle.events[-1].what == "retired" and shuttle.events[-1].ok is False
    # its copies are gone: RAID-A's files now have no copy on another drive at all
    v = sh.run(drives.wipe_check, "RAID-A", SafeRule(min_copies=1))
    assert not v.safe and all("only 0 verified copies" in why for *_, why in v.lacking)
    with pytest.raises(UsageError, match="retired"):
        sh.run(drives.ship, "SHUTTLE-07", "Lab")
    # RAID-B holds nothing of the catalog: safe to wipe, retired without force
    assert cli("drive", "retire", "RAID-B", "--catalog", sh.catalog).code == 0


def test_a_drive_the_os_cannot_identify_is_never_safe_to_wipe(tmp_path, mount_tmpfs) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    try:
        mount = mount_tmpfs(MiB)
        res = drives.add_drive(catalog, mount, "SHUTTLE-09")  # tmpfs: memory, no disk to name
        assert any("never be called safe to wipe" in n for n in res.notes)
        with pytest.raises(UsageError, match=f"mounted at {mount} is already registered as SHUTTLE-09"):
            drives.add_drive(catalog, mount, "SHUTTLE-10")  # no UUID: the same mount and drive is the same
        v = drives.wipe_check(catalog, "SHUTTLE-09")
        assert not v.safe and "could not tell which physical drive SHUTTLE-09 is" in v.reason
        got = drives.receive(catalog, "SHUTTLE-09", at="vault")
        assert got.ok and not got.folders and got.drive.location == "vault"
        assert any(n.startswith(f"cannot confirm that {mount} holds SHUTTLE-09") for n in got.notes), got.notes
        with pytest.raises(UsageError, match="already registered"):
            drives.add_drive(catalog, tmp_path, "shuttle-09")
        with pytest.raises(UsageError, match="no drive labelled"):
            drives.wipe_check(catalog, "SHUTTLE-10")
    finally:
        catalog.close()


def test_volume_identity_reads_the_filesystem_uuid_and_a_second_add_is_refused(mount_ext4, tmp_path) -> None:
    disk = mount_ext4(16 * MiB)
    ident = volume_identity(disk / "sub" / "not-yet")
    blkid = subprocess.run(["blkid", "-o", "value", "-s", "UUID", ident.device], capture_output=True, text=True)
    assert ident.fs_uuid and ident.fs_uuid == blkid.stdout.strip(), (ident, blkid)
    assert ident.mount_point == str(disk) and ident.fs_type == "ext4" and 8 * MiB < ident.capacity_bytes <= 16 * MiB
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    try:
        added = drives.add_drive(catalog, disk, "BACKUP-01", kind="backup").drive
        assert (added.fs_uuid, added.root, added.capacity_bytes) == (ident.fs_uuid, str(disk), ident.capacity_bytes)
        with pytest.raises(UsageError, match="already registered as BACKUP-01"):
            drives.add_drive(catalog, disk, "BACKUP-02")
    finally:
        catalog.close()


# ------------------------------------------------------------------------------------------------ forecast


def test_forecast_from_a_catalog_with_known_sizes(tmp_path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    try:
        with catalog.session() as s:
            s.add(project := Project(name="Feature"))
            s.flush()
            sizes = {dt.date(2026, 11, 23): [1 * TB, 2 * TB], dt.date(2026, 11, 24): [5 * TB]}  # 3 TB, 5 TB
            for n, (day, files) in enumerate(sizes.items()):
                s.add(sd := ShootDay(project_id=project.id, day=day))
                s.flush()
                s.add(card := Card(label=f"A00{n}", camera="arri", reel=f"A00{n}", quick_fingerprint="f",
                                   source_path="/x", shoot_day_id=sd.id))
                s.flush()
                for i, size in enumerate(files):
                    s.add(File(card_id=card.id, relpath_raw=f"f{i}".encode(), relpath=f"f{i}", size=size, mtime_ns=0))
                    s.flush()
                    s.add(f := File(card_id=card.id, relpath_raw=f"bad{i}".encode(), relpath=f"bad{i}", size=7 * TB,
                                    mtime_ns=0, problem="cannot stat"))  # never taken: no bytes to store
                s.flush()
            dest = Destination(card_id=card.id, path_raw=b"/gone/RAID/A001", path="/gone/RAID/A001")
            s.add(dest)
            s.add(raid := Drive(label="RAID-A", kind="raid", capacity_bytes=20 * TB, root="/gone/RAID",
                                physical_id="wwid:a"))
            s.flush()
            s.add(DriveDestination(drive_id=raid.id, destination_id=dest.id))
            from pixm_desktop.store.models import Copy
            s.add(Copy(file_id=s.scalar(select(File.id).where(File.card_id == card.id, File.relpath == "f0")),
                       destination_id=dest.id, state="verified"))
            s.add(Drive(label="TAPE-1", kind="lto", capacity_bytes=18 * TB, root="/gone/tape"))
            s.add(Drive(label="OLD", kind="shuttle", capacity_bytes=99 * TB, status="retired"))
            s.commit()
        f = drives.forecast(catalog, days_left=10)
    finally:
        catalog.close()
    assert [(d.isoformat(), n, c) for d, n, c in f.days] == [("2026-11-23", 3 * TB, 1), ("2026-11-24", 5 * TB, 1)]
    assert f.average_bytes == 4 * TB
    raid = next(d for d in f.drives if d.label == "RAID-A")
    assert (raid.free_bytes, raid.measured, raid.days_to_full) == (15 * TB, False, 3.75)  # 20 TB − 5 TB recorded
    assert "OLD" not in [d.label for d in f.drives]
    assert f.need_bytes == 40 * TB and f.drive_size == 20 * TB and f.free_bytes == 15 * TB
    assert f.drives_needed == 4  # 2 copies × 40 TB − 15 TB free = 65 TB → 4 drives of 20 TB
    assert f.tapes_needed == 6  # 40 TB on 18 TB LTO-9: 3 cartridges × A/B
    r = cli("drive", "forecast", "--days-left", "10", "--tape", "lto8", "--size", "24", "--catalog",
            tmp_path / "catalog.sqlite")
    assert r.code == 0, r.text
    assert "average: 4.00 TB per shoot day over 2 shoot days" in r.out
    assert "drives: 3 more of 24.00 TB for 2 copies, after 15.00 TB free on known drives" in r.out
    assert "tapes: 8 LTO-8 cartridges (12.00 TB native each) for 2 tape sets" in r.out
    assert "3.8" in r.out and max(len(line) for line in r.out.splitlines()) <= 80


# ----------------------------------------------------------------------------------------------- migration


def _alembic(engine, action, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, revision)


def test_a_0004_catalog_upgrades_to_the_drive_tables_and_back(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.upgrade, "0004")
    with engine.begin() as conn:
        assert "drives" not in inspect(conn).get_table_names()
        conn.execute(text("INSERT INTO cards (id, label, camera, reel, quick_fingerprint, file_count, total_bytes, "
                          "source_path, created_at) VALUES (1, 'A001', 'arri', 'A001', 'f', 0, 0, '/c', "
                          "'2026-11-23 08:00:00')"))
        conn.execute(text("INSERT INTO destinations (id, card_id, path_raw, path, volume_label, mount_point, device, "
                          "fs_type, required, drive_id) VALUES (1, 1, X'2F642F41303031', '/d/A001', 'RAID', '/d', "
                          "'sda', 'ext4', 1, 'wwid:a')"))
    engine.dispose()
    catalog = open_catalog(path)
    try:
        with catalog.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
            assert {"drives", "drive_events", "drive_destinations"} <= set(inspect(conn).get_table_names())
        with catalog.session() as s:  # an old destination is found on a drive registered with its disk
            s.add(Drive(label="RAID-A", kind="raid", physical_id="wwid:a", root="/elsewhere"))
            s.commit()
        (raid,) = drives.list_drives(catalog)
        assert raid.folders == 1
    finally:
        catalog.close()
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.downgrade, "0004")
    with engine.connect() as conn:
        assert "drives" not in inspect(conn).get_table_names()
        assert conn.execute(text("SELECT drive_id FROM destinations")).scalar() == "wwid:a"
    _alembic(engine, command.upgrade, "head")
    engine.dispose()
