"""The LTO archive (issue 16) on plain folders and on size-limited mounts standing in for LTFS tapes: every card
folder carries its ASC MHL history onto the tape and the reference tool verifies it, the flattened manifest
verifies with ``ascmhl-debug verify -pl``, the read-back after a real umount/mount catches a flipped byte,
spanning over two small tapes puts every file on exactly one, a file larger than a tape is refused up front,
a tape verifies against its manifest and the catalog in tape order, and the risk ledger names exactly the
files whose only second copy is on the tape."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import uuid
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select, update

from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.core.states import ArchiveJobOptions, JobKind
from pixm_desktop.services import jobs
from pixm_desktop.services.archive.jobs import ArchiveKind
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store.models import Card, Copy, Destination, File, Job, Tape, TapeFile
from support.cards import flip_byte
from support.cli import cli
from support.host import is_root
from support.mhl import ASCMHL, ASCMHL_DEBUG, assert_ascmhl_clean
from support.shoots import offloaded_shoot

DAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def shoot(tmp_path_factory):
    """Cards A001 and A002 (ARRI, 2 clips of 1 s) offloaded to RAID-A (disk0) and SHUTTLE-B (disk1)."""
    base = tmp_path_factory.mktemp("archive-shoot")
    db = offloaded_shoot(base, [("A001", Fraction(25), 2, 1.0), ("A002", Fraction(25), 2, 1.0)], DAY)
    catalog = open_catalog(db)
    with catalog.session() as s:
        for n, root in enumerate(("RAID-A", "SHUTTLE-B")):
            s.execute(update(Destination).where(Destination.path.like(f"{base / root}%"))
                      .values(drive_id=f"wwid:disk{n}"))
        s.commit()
    catalog.close()
    return db


@pytest.fixture
def cat(shoot, tmp_path):
    path = tmp_path / "catalog.sqlite"
    shutil.copy(shoot, path)
    return path


def _archive(cat: Path, tape: Path, *extra, label: str = "LTO001"):
    tape.mkdir(exist_ok=True)
    return cli("archive", "--day", DAY.isoformat(), "--tape", label, "--to", tape, "--json", "--catalog", cat, *extra)


def _card_folders(tape: Path) -> list[Path]:
    return sorted(p for p in (tape / DAY.isoformat()).iterdir() if p.is_dir())


def test_a_day_onto_a_tape_keeps_each_card_history_and_writes_manifest_index_and_report(cat, tmp_path):
    tape = tmp_path / "LTO001"
    run = _archive(cat, tape)
    assert run.code == 0, run.text
    result = json.loads(run.out)
    t = result["tapes"][0]
    assert result["ok"] and t["files"] == t["verified"] == 8 and len(t["cards"]) == 2 and not t["failed"]
    folders = _card_folders(tape)
    assert [f.name for f in folders] == sorted(t["cards"])
    assert_ascmhl_clean(*folders)
    for folder in folders:  # generation 1 from the offload, carried; generation 2 the tape's transfer
        info = subprocess.run([ASCMHL, "info", folder], capture_output=True, text=True)
        assert "Generation 2" in info.stdout and "Generation 3" not in info.stdout, info.stdout
    manifest, index_json, index_csv, pdf = (Path(p) for p in t["sidecars"])
    pl = subprocess.run([ASCMHL_DEBUG, "verify", "-pl", manifest, tape], capture_output=True, text=True)
    assert (pl.returncode, pl.stdout + pl.stderr) == (0, "")
    index = json.loads(index_json.read_text())
    db = open_catalog(cat)
    with db.session() as s:
        catalog_hashes = {f"{DAY}/{c.label}/{f.relpath}": f.xxh64 for f, c in
                          s.execute(select(File, Card).join(Card, Card.id == File.card_id))}
        assert s.scalars(select(Job.status).where(Job.kind == JobKind.ARCHIVE.value)).all() == ["completed"]
    db.close()
    assert {r["path"]: r["xxh64"] for r in index["files"]} == catalog_hashes
    assert [r["position"] for r in index["files"]] == list(range(1, 9))
    assert index_csv.read_bytes().count(b"\r\n") == 9 and pdf.read_bytes()[:5] == b"%PDF-"
    first = tape / index["files"][0]["path"]
    try:
        attr = os.getxattr(first, "user.ltfs.hash.md5").decode()
    except OSError:  # the filesystem takes no user attributes: the run says so
        assert any("LTFS hash attributes" in n for n in result["notes"])
    else:
        assert attr == index["files"][0]["md5"]
    again = _archive(cat, tape)  # the same day again: already there, verified; nothing rewritten
    assert again.code == 0 and json.loads(again.out)["tapes"][0]["skipped"] == sorted(t["cards"])
    verify = cli("verify", "--tape", tape, "--catalog", cat)  # by its mount point
    assert verify.code == 0, verify.text
    assert "8 file(s) read in tape order, 0 failed" in verify.out
    (tape / DAY.isoformat() / "stray.mov").write_bytes(b"not archived by PIXM")
    verify = cli("verify", "--tape", "LTO001", "--catalog", cat)
    assert verify.code == 5 and f"UNLISTED {DAY}/stray.mov" in verify.out, verify.text


def test_verify_tape_finds_a_flipped_byte_and_names_it_in_the_read_order(cat, tmp_path):
    tape = tmp_path / "LTO001"
    assert _archive(cat, tape).code == 0
    victim = sorted((_card_folders(tape)[1]).glob("*.mov"))[0]
    flip_byte(victim)
    verify = cli("verify", "--tape", "LTO001", "--catalog", cat)
    assert verify.code == 5, verify.text
    rel = victim.relative_to(tape).as_posix()
    line = next(x for x in verify.out.splitlines() if rel in x)
    assert "FAILED" in line and " #5 " in line.replace("  ", " ")  # the 5th file written, the 5th read
    db = open_catalog(cat)
    with db.session() as s:
        row = s.scalars(select(TapeFile).where(TapeFile.path == rel)).one()
        assert row.state == "failed" and "expected" in row.reason
    db.close()
    assert json.loads(cli("where", rel.rsplit("/", 1)[-1], "--json", "--catalog", cat).out)[0]["copies"] == 2


def _loop_tape(tmp_path: Path, size: int) -> tuple[Path, Path]:
    """A block-backed ext4 image mounted as the "tape": ``(image, mount point)``."""
    if not is_root() or not sys.platform.startswith("linux") or not shutil.which("mkfs.ext4"):
        pytest.skip("a loop-mounted tape stand-in needs root, Linux and mkfs.ext4 (e2fsprogs)")
    image, mount = tmp_path / f"tape-{uuid.uuid4().hex[:6]}.img", tmp_path / "LTO009"
    with open(image, "wb") as fh:
        fh.truncate(size)
    subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True, capture_output=True)
    mount.mkdir()
    res = subprocess.run(["mount", "-o", "loop", image, mount], capture_output=True, text=True)
    if res.returncode:
        pytest.skip(f"cannot loop-mount: {res.stderr.strip()}")
    return image, mount


def test_read_back_after_a_real_remount_catches_a_flipped_byte(cat, tmp_path):
    image, mount = _loop_tape(tmp_path, 32 * 1024 * 1024)
    remounts, flipped = [], []

    def remount(target: Path) -> None:  # the drive unloads and loads the tape; one block comes back wrong
        subprocess.run(["umount", target], check=True)
        assert not any(target.iterdir())
        subprocess.run(["mount", "-o", "loop", image, target], check=True)
        remounts.append(target)
        victim = sorted(target.glob(f"{DAY}/*/*.mov"))[0]
        flip_byte(victim)
        flipped.append(victim.relative_to(target).as_posix())

    try:
        db = open_catalog(cat)
        options = ArchiveJobOptions(day=DAY.isoformat(), tapes=f"LTO009={mount}")
        result = jobs.execute(db, ArchiveKind(remount=remount), options)
        assert remounts == [mount]
        assert [p for p, _ in result.tapes[0].failed] == flipped and not result.ok
        assert "differs from the catalog" in result.tapes[0].failed[0][1]
        with db.session() as s:
            assert s.scalars(select(Job.status).where(Job.kind == "archive")).one() == JobStatus.FAILED.value
            bad = s.scalars(select(TapeFile).where(TapeFile.state == "failed")).all()
            assert [r.path for r in bad] == flipped
        db.close()
        card = mount / flipped[0].rsplit("/", 1)[0]
        assert not (card / "ascmhl").exists()  # no history vouches for a card whose copy failed
        others = [f for f in _card_folders(mount) if f != card]
        assert_ascmhl_clean(*others)
    finally:
        subprocess.run(["umount", "-l", mount], capture_output=True)


def test_spanning_over_two_small_tapes_puts_every_file_on_exactly_one(cat, mount_tmpfs):
    one, two = mount_tmpfs(1024 * 1024), mount_tmpfs(1024 * 1024)  # room for one card and the sidecars each
    run = cli("archive", "--day", DAY.isoformat(), "--tape", "LTO101", "--to", one, "--next-tape", f"LTO102:{two}",
              "--json", "--catalog", cat)
    assert run.code == 0, run.text
    result = json.loads(run.out)
    assert [(t["label"], len(t["cards"])) for t in result["tapes"]] == [("LTO101", 1), ("LTO102", 1)]
    db = open_catalog(cat)
    with db.session() as s:
        files = set(s.scalars(select(File.id)))
        on_tape = s.execute(select(TapeFile.file_id, Tape.label).join(Tape, Tape.id == TapeFile.tape_id)).all()
        states = {t.label: t.state for t in s.scalars(select(Tape))}
    db.close()
    assert sorted(f for f, _ in on_tape) == sorted(files)  # every file once, on one tape
    assert states == {"LTO101": "full", "LTO102": "open"}
    for mount in (one, two):
        assert_ascmhl_clean(*_card_folders(mount))
        manifest = sorted((mount / "PIXM_TAPE").glob("*.mhl"))[-1]
        pl = subprocess.run([ASCMHL_DEBUG, "verify", "-pl", manifest, mount], capture_output=True, text=True)
        assert (pl.returncode, pl.stdout + pl.stderr) == (0, "")


def test_full_tape_names_the_cards_left_and_the_command_to_continue(cat, mount_tmpfs):
    one = mount_tmpfs(1024 * 1024)
    run = cli("archive", "--day", DAY.isoformat(), "--tape", "LTO101", "--to", one, "--catalog", cat)
    assert run.code == 4, run.text
    db = open_catalog(cat)
    with db.session() as s:
        labels = s.scalars(select(Card.label).order_by(Card.label)).all()
    db.close()
    assert f"card(s) {labels[1]} not archived" in run.text
    assert f"pixm archive --card {labels[1]} --tape NEXT-LABEL" in run.text
    assert "calibrates on its first load" in run.text


def test_a_file_larger_than_a_tape_is_refused_before_anything_is_written(cat, tmp_path):
    tape = tmp_path / "LTO001"
    run = _archive(cat, tape, "--capacity", "0.0000002")  # 200 kB tapes, clips of ~280 kB
    assert run.code == 2 and "larger than a tape" in run.text and "LTFS cannot split a file" in run.text
    assert list(tape.iterdir()) == []


def test_never_from_the_card_unless_asked_and_the_copy_set_sticks(cat, tmp_path):
    db = open_catalog(cat)
    with db.session() as s:
        s.execute(update(Copy).values(state=CopyState.FAILED.value))
        s.commit()
    db.close()
    run = _archive(cat, tmp_path / "LTO001")
    assert run.code == 2 and "no verified copy of card" in run.text and "--from-card" in run.text
    run = _archive(cat, tmp_path / "LTO001", "--from-card")
    assert run.code == 0, run.text
    run = _archive(cat, tmp_path / "LTO001", "--copy", "B")
    assert run.code == 2 and "holds copy A" in run.text


def test_risk_ledger_names_exactly_the_files_whose_only_second_copy_is_on_the_tape(cat, tmp_path):
    db = open_catalog(cat)
    with db.session() as s:  # card one's shuttle copies failed: RAID-A and the tape are its two copies
        first = s.scalars(select(Card).order_by(Card.label)).first()
        ids = s.scalars(select(File.id).where(File.card_id == first.id)).all()
        shuttle = s.scalars(select(Destination.id).where(Destination.card_id == first.id,
                                                         Destination.drive_id == "wwid:disk1")).one()
        s.execute(update(Copy).where(Copy.destination_id == shuttle).values(state=CopyState.FAILED.value))
        wanted = sorted(s.scalars(select(File.relpath).where(File.id.in_(ids))).all())
        s.commit()
    db.close()
    before = json.loads(cli("risk", "--json", "--catalog", cat).out)
    assert before["below_count"] == len(wanted)
    assert _archive(cat, tmp_path / "LTO001").code == 0
    run = cli("risk", "--tape", "LTO001", "--json", "--catalog", cat)
    ledger = json.loads(run.out)
    assert run.code == 10 and ledger["below_count"] == 0
    assert sorted(r["relpath"] for r in ledger["if_tape_lost"]) == wanted
    assert {r["card"] for r in ledger["if_tape_lost"]} == {first.label}
    where = json.loads(cli("where", first.label, "--json", "--catalog", cat).out)[0]
    tape = [p for p in where["places"] if p["kind"] == "lto"]
    assert [(p["drive"], p["verified"], p["mounted"]) for p in tape] == [("LTO001", len(ids), True)]
    assert where["copies"] == 2
    assert cli("risk", "--tape", "NO-SUCH", "--catalog", cat).code == 2


def test_a_cancelled_archive_leaves_its_files_unverified_and_counted_nowhere(cat, tmp_path):
    from pixm_desktop.core.errors import CancelledError
    from pixm_desktop.core.model import CancelToken

    tape = tmp_path / "LTO001"
    tape.mkdir()
    cancel = CancelToken()
    db = open_catalog(cat)
    try:
        with pytest.raises(CancelledError):  # cancelled while the tape is being remounted: no read-back
            jobs.execute(db, ArchiveKind(remount=lambda _m: cancel.cancel()),
                         ArchiveJobOptions(day=DAY.isoformat(), tapes=f"LTO001={tape}"), cancel=cancel)
        with db.session() as s:
            assert set(s.scalars(select(TapeFile.state))) == {"written"}
            assert s.scalars(select(Job.status).where(Job.kind == "archive")).one() == "interrupted"
    finally:
        db.close()
    assert not list(tape.glob("*/*/ascmhl"))
    where = json.loads(cli("where", "--json", "--catalog", cat, _card_label(cat)).out)[0]
    assert [p for p in where["places"] if p["kind"] == "lto" and p["verified"]] == []


def _card_label(cat: Path) -> str:
    db = open_catalog(cat)
    with db.session() as s:
        label = s.scalars(select(Card.label).order_by(Card.label)).first()
    db.close()
    return label


def test_a_filesystem_without_user_attributes_is_said_and_the_hashes_stay_in_the_index(cat, tmp_path, monkeypatch):
    import errno

    def refuse(*_a, **_k):
        raise OSError(errno.ENOTSUP, "Operation not supported")

    monkeypatch.setattr(os, "setxattr", refuse)
    tape = tmp_path / "LTO001"
    run = _archive(cat, tape)
    assert run.code == 0, run.text
    result = json.loads(run.out)
    note = next(n for n in result["notes"] if "LTFS hash attributes" in n)
    assert "not set on LTO001" in note and "takes no user extended attributes" in note
    index = json.loads(Path(result["tapes"][0]["sidecars"][1]).read_text())
    assert all(len(r["md5"]) == 32 for r in index["files"])
