"""Restore from tape (issue 16): a cut's camera files come back from the tape reading only the files its clips
use, in tape order, checked against the catalog; unmounted tapes are named to load; copy A before B; a cut
archived on its own gets a fresh ASC MHL history the reference tool verifies."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from pixm_desktop.services import cuts
from pixm_desktop.store.models import Clip, ClipFile, File
from support.cli import cli
from support.mhl import assert_ascmhl_clean
from support.post_shoot import DAY, by_name, clip_item, write_cut

pytest_plugins = ["support.post_shoot"]


@pytest.fixture
def archived(cut_shoot, tmp_path):
    """Cut R1 uses A001C003 then B002C001 (the reverse of their tape order); the day is on tape LTO301 (A)."""
    catalog, path, found = cut_shoot
    a3 = by_name(found, "A001")[2]
    b1 = by_name(found, "B002")[0]
    items = [clip_item(a3, 2, 10, reel=a3.tape_name), clip_item(b1, 2, 8, reel=b1.tape_name)]
    cuts.import_cut(catalog, [write_cut(tmp_path, "R1", items, style="avid")], "R1")
    tape = tmp_path / "LTO301"
    tape.mkdir()
    run = cli("archive", "--day", DAY.isoformat(), "--tape", "LTO301", "--to", tape, "--json", "--catalog", path)
    assert run.code == 0, run.text
    with catalog.session() as s:
        wanted = set(s.scalars(select(File.relpath).join(ClipFile, ClipFile.file_id == File.id)
                               .join(Clip, Clip.id == ClipFile.clip_id)
                               .where(Clip.name.in_([a3.clip_name, b1.clip_name]))))
    return catalog, path, tape, wanted, tmp_path


def test_restore_of_a_cut_reads_only_its_files_in_tape_order(archived):
    _catalog, path, tape, wanted, tmp_path = archived
    out = tmp_path / "restored"
    out.mkdir()
    run = cli("restore", "--cut", "R1", "--handles", "8", "--to", out, "--json", "--catalog", path)
    assert run.code == 0, run.text
    result = json.loads(run.out)
    read = result["read"]
    assert {r["path"].split("/", 2)[2] for r in read} == wanted  # only the cut's files
    positions = [r["position"] for r in read]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)  # in tape order
    total = sum(1 for _ in tape.glob("2026-*/*/**/*") if _.is_file() and "ascmhl" not in _.parts)
    assert len(read) < total
    for r in read:
        assert Path(r["to"]).read_bytes() == (tape / r["path"]).read_bytes()


def test_restore_names_the_tape_to_load_and_prefers_a_mounted_copy(archived):
    _catalog, path, tape, wanted, tmp_path = archived
    away = tmp_path / "shelf"
    os.rename(tape, away)  # the tape is back on the shelf
    out = tmp_path / "restored"
    out.mkdir()
    run = cli("restore", "--cut", "R1", "--to", out, "--catalog", path)
    assert run.code == 4 and "load tape(s) LTO301" in run.text, run.text
    assert not any(out.iterdir())
    os.rename(away, tape)
    b = tmp_path / "LTO302"
    b.mkdir()
    assert cli("archive", "--day", DAY.isoformat(), "--tape", "LTO302", "--to", b, "--copy", "B",
               "--catalog", path).code == 0
    run = cli("restore", "--cut", "R1", "--to", out, "--json", "--catalog", path)
    assert run.code == 0 and {r["tape"] for r in json.loads(run.out)["read"]} == {"LTO301"}  # A before B
    os.rename(tape, away)
    run = cli("restore", "--cut", "R1", "--to", tmp_path, "--json", "--catalog", path)
    assert run.code == 0 and {r["tape"] for r in json.loads(run.out)["read"]} == {"LTO302"}  # mounted first


def test_a_cut_archived_alone_gets_a_fresh_history(archived):
    _catalog, path, _tape, wanted, tmp_path = archived
    tape = tmp_path / "LTO303"
    tape.mkdir()
    run = cli("archive", "--cut", "R1", "--tape", "LTO303", "--to", tape, "--json", "--catalog", path)
    assert run.code == 0, run.text
    root = tape / "R1_v1"
    assert {p.relative_to(root).as_posix().split("/", 1)[1] for p in root.glob("*/**/*")
            if p.is_file() and "ascmhl" not in p.parts} == wanted
    assert_ascmhl_clean(root)


def test_a_file_that_differs_on_tape_is_not_restored(archived):
    from support.cards import flip_byte

    _catalog, path, tape, wanted, tmp_path = archived
    victim = next(p for p in sorted(tape.glob("2026-*/*/**/*")) if p.is_file() and p.name.split("/")[-1] in
                  {w.rsplit("/", 1)[-1] for w in wanted})
    flip_byte(victim)
    out = tmp_path / "restored"
    out.mkdir()
    run = cli("restore", "--cut", "R1", "--to", out, "--json", "--catalog", path)
    assert run.code == 5, run.text
    result = json.loads(run.out)
    assert [f["path"] for f in result["failed"]] == [victim.relative_to(tape).as_posix()]
    assert "differs from the catalog" in result["failed"][0]["why"]
    assert not (out / victim.relative_to(tape / victim.relative_to(tape).parts[0])).exists()
    assert len(result["read"]) == len(wanted) - 1


def test_a_cut_continued_on_the_next_tape_takes_only_the_cards_named(archived):
    _catalog, path, _tape, _wanted, tmp_path = archived
    tape = tmp_path / "LTO304"
    tape.mkdir()
    last = next(label for label in sorted(_labels(path)) if label.startswith("B002"))
    other = next(label for label in sorted(_labels(path)) if label.startswith("C003"))
    run = cli("archive", "--cut", "R1", "--card", other, "--tape", "LTO304", "--to", tape, "--catalog", path)
    assert run.code == 2 and f"uses no file on card {other}" in run.text
    run = cli("archive", "--cut", "R1", "--card", last, "--tape", "LTO304", "--to", tape, "--json",
              "--catalog", path)
    assert run.code == 0, run.text
    assert [p.name for p in (tape / "R1_v1").iterdir() if p.is_dir() and p.name != "ascmhl"] == [last]
    assert_ascmhl_clean(tape / "R1_v1")


def _labels(path) -> set[str]:
    return {c["label"] for c in json.loads(cli("catalog", "cards", "--json", "--catalog", path).out)}


def test_restore_follows_the_ltfs_start_blocks_when_the_tape_gives_them(archived):
    _catalog, path, tape, wanted, tmp_path = archived
    files = sorted(p for p in tape.glob("2026-*/*/**/*") if p.is_file() and "ascmhl" not in p.parts)
    try:  # an LTFS tape tells where each file starts; here the files sit in the reverse of the written order
        for n, p in enumerate(reversed(files)):
            os.setxattr(p, "user.ltfs.startblock", str(1000 + 10 * n).encode())
    except OSError as exc:
        pytest.skip(f"the test folder's filesystem takes no user extended attributes: {exc}")
    out = tmp_path / "restored"
    out.mkdir()
    run = cli("restore", "--cut", "R1", "--to", out, "--json", "--catalog", path)
    assert run.code == 0, run.text
    read = json.loads(run.out)["read"]
    positions = [r["position"] for r in read]
    assert len(read) == len(wanted) and positions == sorted(positions, reverse=True)
