"""Chain of custody: a copy of a folder that has its own ASC MHL history (card → shuttle → archive → tape)
continues that history instead of starting again at generation 1, and the reference tool verifies every step."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pixm_desktop.core.errors import MhlChainError
from pixm_desktop.mhl.carry import carry_history
from pixm_desktop.mhl.reader import read_history
from support.cards import flip_byte
from support.catalog import copy_states
from support.cli import cli
from support.mhl import assert_ascmhl_clean, generations, make_card, manifest_hashes, ref


def _offload(source: Path, dest_roots: list[Path], catalog: Path, *extra: str):
    for d in dest_roots:
        d.mkdir(parents=True, exist_ok=True)
    args: list[object] = ["offload", source]
    for d in dest_roots:
        args += ["--dest", d]
    return cli(*args, "--catalog", catalog, "--template", "{card}", "--quiet", "--no-clips", "--no-report", *extra)


@pytest.fixture
def shuttle(tmp_path) -> Path:
    """A card offloaded once by PIXM: its folder on the shuttle drive holds generation 1."""
    card = make_card(tmp_path / "cards")
    run = _offload(card, [tmp_path / "shuttle", tmp_path / "raid"], tmp_path / "set.sqlite")
    assert run.code == 0, run.text
    folder = tmp_path / "shuttle" / card.name
    assert generations(folder) and len(generations(folder)) == 1
    return folder


def test_card_shuttle_archive_tape_keeps_one_chain(shuttle, tmp_path):
    assert_ascmhl_clean(shuttle)
    archive, tape = tmp_path / "archive", tmp_path / "tape"
    run = _offload(shuttle, [archive], tmp_path / "post.sqlite")
    assert run.code == 0, run.text
    assert "continues 1 generation of the card's history" in run.out
    at_archive = archive / shuttle.name
    first = generations(shuttle)[0]
    assert generations(at_archive)[0] == first and len(generations(at_archive)) == 2
    assert (at_archive / "ascmhl" / first).read_bytes() == (shuttle / "ascmhl" / first).read_bytes()
    new = manifest_hashes(at_archive / "ascmhl" / generations(at_archive)[1])
    assert new and {action for entries in new.values() for _, _, action in entries} == {"verified"}
    assert_ascmhl_clean(at_archive)

    run = _offload(at_archive, [tape], tmp_path / "vault.sqlite")
    assert run.code == 0, run.text
    at_tape = tape / shuttle.name
    assert generations(at_tape)[:2] == generations(at_archive) and len(generations(at_tape)) == 3
    assert_ascmhl_clean(at_tape)
    info = ref("ascmhl", "info", at_tape)
    assert info.returncode == 0, info.stdout + info.stderr
    assert "Generation 3" in info.stdout and "Generation 4" not in info.stdout, info.stdout
    history = read_history(at_tape)
    assert [g.process for g in history.generations] == ["transfer"] * 3


def test_history_written_by_the_reference_tool_is_carried_with_its_appledouble_files(tmp_path):
    source = tmp_path / "raid" / "A003R1"
    (source / "Clips").mkdir(parents=True)
    (source / "Clips" / "A003C001.mov").write_bytes(os.urandom(5000))
    (source / "Clips" / "._A003C001.mov").write_bytes(b"\x00\x05\x16\x07 AppleDouble")  # written by a Mac
    made = ref("ascmhl", "create", "-h", "xxh64", source)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Clips/._A003C001.mov" in manifest_hashes(source / "ascmhl" / generations(source)[0])

    run = _offload(source, [tmp_path / "archive"], tmp_path / "post.sqlite")
    assert run.code == 0, run.text
    dest = tmp_path / "archive" / source.name
    assert (dest / "Clips" / "._A003C001.mov").read_bytes() == (source / "Clips" / "._A003C001.mov").read_bytes()
    newest = read_history(dest).generations[-1]
    assert "._*" not in newest.ignore_patterns
    assert {r.relpath for r in newest.records} == {b"Clips/A003C001.mov", b"Clips/._A003C001.mov"}
    assert_ascmhl_clean(dest)


def test_a_file_changed_since_its_history_fails_the_copy_and_is_named(shuttle, tmp_path):
    flip_byte(shuttle / "Clips" / "A002C006_141024_R2EC.mov")
    catalog = tmp_path / "post.sqlite"
    run = _offload(shuttle, [tmp_path / "archive"], catalog)
    assert run.code == 6, run.text
    assert "Clips/A002C006_141024_R2EC.mov: differs from the card's own ASC MHL history (xxh64)" in run.out
    states = copy_states(catalog)
    bad = [v for (rel, _), v in states.items() if rel == "Clips/A002C006_141024_R2EC.mov"]
    assert bad and all(state == "failed" for state, _ in bad)
    assert not generations(tmp_path / "archive" / shuttle.name)  # no generation: not every file verified


def test_a_file_lost_since_its_history_is_named(shuttle, tmp_path):
    (shuttle / "A002R2EC.ale").unlink()
    run = _offload(shuttle, [tmp_path / "archive"], tmp_path / "post.sqlite")
    assert run.code == 6, run.text
    assert "A002R2EC.ale: recorded in the card's own ASC MHL history but not on the card" in run.out


def test_an_untrustworthy_source_history_is_refused_before_any_copy(shuttle, tmp_path):
    manifest = shuttle / "ascmhl" / generations(shuttle)[0]
    manifest.write_bytes(manifest.read_bytes().replace(b"Dana", b"Dina") + b" ")
    archive = tmp_path / "archive"
    run = _offload(shuttle, [archive], tmp_path / "post.sqlite")
    assert run.code == 7, run.text
    assert "the card's own ASC MHL history cannot be trusted" in run.text and "--fresh-history" in run.text
    assert os.listdir(archive) == []

    run = _offload(shuttle, [archive], tmp_path / "post.sqlite", "--fresh-history")
    assert run.code == 0, run.text
    assert len(generations(archive / shuttle.name)) == 1
    assert_ascmhl_clean(archive / shuttle.name)


def test_a_destination_holding_another_history_is_never_merged(shuttle, tmp_path):
    foreign = tmp_path / "archive" / shuttle.name
    foreign.mkdir(parents=True)
    (foreign / "note.txt").write_bytes(b"someone else's\n")
    assert ref("ascmhl", "create", "-h", "xxh64", foreign).returncode == 0
    before = {n: (foreign / "ascmhl" / n).read_bytes() for n in os.listdir(foreign / "ascmhl")}
    run = _offload(shuttle, [tmp_path / "archive"], tmp_path / "post.sqlite")
    assert run.code != 0, run.text
    assert "not the source's" in run.text
    assert {n: (foreign / "ascmhl" / n).read_bytes() for n in os.listdir(foreign / "ascmhl")} == before


def test_an_offload_run_again_adds_nothing(shuttle, tmp_path):
    archive = tmp_path / "archive"
    assert _offload(shuttle, [archive], tmp_path / "post.sqlite").code == 0
    names = generations(archive / shuttle.name)
    run = _offload(shuttle, [archive], tmp_path / "post.sqlite")
    assert run.code == 0, run.text
    assert generations(archive / shuttle.name) == names
    assert_ascmhl_clean(archive / shuttle.name)


def test_a_carry_killed_before_its_chain_goes_on(shuttle, tmp_path):
    """Manifests copied, chain not yet written (a kill): the next carry keeps them and finishes."""
    dest = tmp_path / "copy"
    shutil.copytree(shuttle, dest, ignore=shutil.ignore_patterns("ascmhl"))
    (dest / "ascmhl").mkdir()
    first = generations(shuttle)[0]
    shutil.copyfile(shuttle / "ascmhl" / first, dest / "ascmhl" / first)
    carried = carry_history(read_history(shuttle), dest)
    assert carried.generations == 1
    assert [g.chain_c4 for g in read_history(dest).generations] == [g.chain_c4 for g in read_history(shuttle).generations]

    (dest / "ascmhl" / first).write_bytes(b"<not the source's manifest/>")
    (dest / "ascmhl" / "ascmhl_chain.xml").unlink()
    with pytest.raises(MhlChainError, match="does not have"):
        carry_history(read_history(shuttle), dest)


def test_nested_histories_are_carried_into_their_folders(tmp_path):
    source = tmp_path / "shuttle" / "DAY01"
    for card in ("A001", "B001"):
        (source / card).mkdir(parents=True)
        (source / card / f"{card}C001.mov").write_bytes(os.urandom(3000))
        assert ref("ascmhl", "create", "-h", "xxh64", source / card).returncode == 0
    run = _offload(source, [tmp_path / "archive"], tmp_path / "post.sqlite")
    assert run.code == 0, run.text
    dest = tmp_path / "archive" / "DAY01"
    for card in ("A001", "B001"):
        assert len(generations(dest / card)) == 2, os.listdir(dest / card / "ascmhl")
    assert_ascmhl_clean(dest / "A001", dest / "B001", dest)
