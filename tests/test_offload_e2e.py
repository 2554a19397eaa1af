"""The offload main job end to end: generated camera cards → ``pixm offload`` to two destinations → bytes,
mtimes, ASC MHL (judged by the ASC reference tool ``ascmhl-debug``) and the catalog (``pixm catalog --json``).

The helpers live in ``tests/support`` (cards, cli, catalog, mhl, offload).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xxhash

from pixm_desktop.services.offload import OffloadService
from pixm_desktop.store.db import open_catalog
from support.cards import flip_byte, inodes, make_card, temp_files, tree, walk
from support.catalog import catalog_json, copy_states
from support.cli import cli, pixm_process
from support.mhl import (
    ASCMHL,
    MHL_NS,
    XSD,
    ascmhl_verify,
    assert_ascmhl_clean,
    c4_id,
    generations,
    manifest_hashes,
)
from support.offload import DAY, PROJECT, dest_card, offload_args, request

# ------------------------------------------------------------------------------------------- helpers


def summary_row(output: str, card_folder: Path) -> tuple[int, int, int]:
    """(verified, failed, skipped) from the destination table ``pixm offload`` prints."""
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").split("│")]
        if cells and cells[0] == str(card_folder):
            return int(cells[1]), int(cells[2]), int(cells[3])
    raise AssertionError(f"no summary row for {card_folder} in:\n{output}")


# --------------------------------------------------------------------------------------- end to end

CAMERAS = ["arri", "sony", "red", "sound", "canon", "gopro", "braw"]


@pytest.mark.parametrize("camera", CAMERAS)
def test_offload_card_to_two_destinations(env, camera: str) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", camera)
    src = card.root
    expected = tree(src)
    _, src_dirs = walk(src)
    assert len(expected) >= 2

    r = cli(*offload_args(src, dests, catalog))
    assert r.code == 0, r.text
    assert "COMPLETED" in r.out

    folders = [dest_card(d, camera, src.name) for d in dests]
    for folder in folders:
        assert tree(folder) == expected  # same names, same bytes, same mtimes (ns)
        assert walk(folder)[1] == src_dirs
        assert temp_files(folder) == []
        gens = generations(folder)
        assert len(gens) == 1 and gens[0].startswith(f"0001_{src.name}_"), gens
    assert_ascmhl_clean(*folders)

    want = {rel.decode(): xxhash.xxh64(data).hexdigest() for rel, (data, _) in expected.items()}
    files = catalog_json(catalog, "files")
    assert {f["path"]: f["hashes"]["xxh64"] for f in files} == want
    for f in files:
        assert f["size"] == len(expected[f["path"].encode()][0])
        assert sorted((c["destination"], c["state"]) for c in f["copies"]) == [(str(p), "verified") for p in folders]

    (c,) = catalog_json(catalog, "cards")
    assert (c["label"], c["camera"], c["files"], c["project"], c["day"]) == (src.name, camera, len(expected),
                                                                            PROJECT, DAY)
    assert c["bytes"] == sum(len(d) for d, _ in expected.values())
    assert c["content_fingerprint"]
    assert {d["path"]: d["states"] for d in c["destinations"]} == {str(p): {"verified": len(expected)}
                                                                   for p in folders}
    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert (job["kind"], job["status"], job["error"], job["files"]) == ("offload", "completed", None, len(expected))
    assert [(d["path"], d["status"], d["mhl_generation"]) for d in job["destinations"]] == [
        (str(p), "completed", str(p / "ascmhl" / generations(p)[0])) for p in folders]

    if shutil.which("xxhsum"):
        rels = sorted(want)
        res = subprocess.run(["xxhsum", "-H64", *rels], cwd=src, capture_output=True, text=True, check=True)
        theirs = {}
        for line in res.stdout.splitlines():
            value, name = line.split(maxsplit=1)
            theirs[name] = value.lower().removeprefix("xxh64_")
        assert theirs == want


def test_several_hash_formats_in_one_pass(env) -> None:
    base, dests, catalog = env
    assert c4_id(b"alfa") == ("c43zYcLni5LF9rR4Lg4B8h3Jp8SBwjcnyyeh4bc6gTPHndKuKdjUWx1kJPYhZxYt3zV6tQXpDs2shPsP"
                              "YjgG81wZM1")  # docs/asc-mhl.md §C4 vector: the helper itself is right
    card = make_card(base / "cards", "arri")
    r = cli(*offload_args(card.root, dests, catalog, "--hash", "xxh64,md5,sha1,c4"))
    assert r.code == 0, r.text

    content = {rel.decode(): data for rel, (data, _) in tree(card.root).items()}
    want = {rel: {"c4": c4_id(d), "md5": hashlib.md5(d).hexdigest(), "sha1": hashlib.sha1(d).hexdigest(),
                  "xxh64": xxhash.xxh64(d).hexdigest()} for rel, d in content.items()}
    assert {f["path"]: f["hashes"] for f in catalog_json(catalog, "files")} == want

    folders = [dest_card(d, "arri", card.root.name) for d in dests]
    for folder in folders:
        (gen,) = generations(folder)
        recorded = manifest_hashes(folder / "ascmhl" / gen)
        # every format, in the schema's element order, each "original" in a new history
        assert recorded == {rel: [(a, h[a], "original") for a in ("c4", "md5", "sha1", "xxh64")]
                            for rel, h in want.items()}
        etree = pytest.importorskip("lxml.etree")
        schema = etree.XMLSchema(etree.parse(str(XSD)))
        assert schema.validate(etree.parse(str(folder / "ascmhl" / gen))), schema.error_log
    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert job["algorithms"] == ["xxh64", "md5", "sha1", "c4"]
    assert_ascmhl_clean(*folders)


def test_adding_a_hash_format_later_reverifies_without_copying(env) -> None:
    """A card offloaded with xxh64 and again with xxh64,md5: the copies are re-read (not re-written) and the next
    generation records md5 as ``verified``."""
    base, dests, catalog = env
    card = make_card(base / "cards", "sound")
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    folders = [dest_card(d, "sound", card.root.name) for d in dests]
    before = [inodes(f) for f in folders]

    r = cli(*offload_args(card.root, dests, catalog, "--hash", "xxh64,md5"))
    assert r.code == 0, r.text
    assert [inodes(f) for f in folders] == before
    content = {rel.decode(): data for rel, (data, _) in tree(card.root).items()}
    for folder in folders:
        gens = generations(folder)
        assert len(gens) == 2 and gens[1].startswith("0002_")
        assert manifest_hashes(folder / "ascmhl" / gens[1]) == {
            rel: [("md5", hashlib.md5(d).hexdigest(), "verified"), ("xxh64", xxhash.xxh64(d).hexdigest(), "verified")]
            for rel, d in content.items()}
    assert {f["path"]: f["hashes"].get("md5") for f in catalog_json(catalog, "files")} == {
        rel: hashlib.md5(d).hexdigest() for rel, d in content.items()}
    assert_ascmhl_clean(*folders)


# ------------------------------------------------------------------------------ history interchange


def test_reference_tool_generation_then_pixm_verify(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red")
    assert cli(*offload_args(card.root, dests[:1], catalog)).code == 0
    folder = dest_card(dests[0], "red", card.root.name)

    res = subprocess.run([ASCMHL, "create", "-h", "xxh64", folder], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert [g[:5] for g in generations(folder)] == ["0001_", "0002_"]

    r = cli("verify", folder, "--catalog", catalog)
    assert r.code == 0, r.text
    gens = generations(folder)
    assert [g[:5] for g in gens] == ["0001_", "0002_", "0003_"]
    assert f"{len(tree(card.root))} verified" in r.out
    assert str(folder / "ascmhl" / gens[2]) in r.out
    chain = ET.parse(folder / "ascmhl" / "ascmhl_chain.xml").getroot()
    assert [e.get("sequencenr") for e in chain] == ["1", "2", "3"]
    assert ET.parse(folder / "ascmhl" / gens[2]).getroot().find(f"{MHL_NS}processinfo/{MHL_NS}process").text == \
        "in-place"
    assert_ascmhl_clean(folder)


# ------------------------------------------------------------------------------ corruption and repair


def test_flipped_byte_is_reported_then_repaired_by_offloading_again(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "sony")
    args = offload_args(card.root, dests, catalog)
    assert cli(*args).code == 0
    folder_a, folder_b = (dest_card(d, "sony", card.root.name) for d in dests)
    victim = "XDROOT/Clip/" + sorted(p.name for p in (card.root / "XDROOT" / "Clip").glob("*.MXF"))[0]
    flip_byte(folder_a / victim)

    (verdict,) = ascmhl_verify(folder_a, flags=((),)).values()
    assert verdict[0] == 11, verdict  # reference tool: hash mismatch

    proc = pixm_process("verify", folder_a, "--catalog", catalog)
    assert proc.returncode == 5, proc.stdout + proc.stderr
    failed_lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("FAILED ") and victim in ln]
    assert failed_lines and f"{folder_a}/{victim}" in failed_lines[-1], proc.stdout
    assert "1 failed" in proc.stdout + proc.stderr

    states = copy_states(catalog)
    state, reason = states[(victim, str(folder_a))]
    assert state == "failed" and "re-verify" in reason and "expected" in reason, reason
    assert states[(victim, str(folder_b))] == ("verified", None)
    assert {s for (f, d), (s, _) in states.items() if f != victim} == {"verified"}

    before_a, before_b = inodes(folder_a), inodes(folder_b)
    gens_b = generations(folder_b)
    r = cli(*args)
    assert r.code == 0, r.text
    assert tree(folder_a) == tree(card.root)
    after_a = inodes(folder_a)
    assert after_a[victim.encode()][0] != before_a[victim.encode()][0]  # the known-bad copy was replaced
    assert {k: v for k, v in after_a.items() if k != victim.encode()} == \
        {k: v for k, v in before_a.items() if k != victim.encode()}  # nothing else was touched
    assert inodes(folder_b) == before_b and generations(folder_b) == gens_b
    assert [g[:5] for g in generations(folder_a)] == ["0001_", "0002_", "0003_"]
    assert copy_states(catalog)[(victim, str(folder_a))][0] == "verified"
    results = ascmhl_verify(folder_a, folder_b)
    assert results[(folder_a, ())] == (0, "")  # every file matches its newest record again
    assert results[(folder_b, ())] == results[(folder_b, ("-dh",))] == (0, "")
    # `-dh` checks the directory hashes of *every* generation; generation 0002 (the in-place verify that found
    # the bad byte) recorded directory hashes over the corrupted content, as `ascmhl create` would. Anything
    # -dh still reports must come from that generation only, never from the offload generations 0001/0003.
    rc, text = results[(folder_a, ("-dh",))]
    errors = [ln for ln in text.splitlines() if ln.startswith("ERROR")]
    assert rc in (0, 12) and all("(generation 0002)" in ln for ln in errors), text


# ------------------------------------------------------------------------------------------- resume


def test_second_offload_copies_nothing_and_writes_no_generation(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri", clips=3)
    args = offload_args(card.root, dests, catalog)
    assert cli(*args).code == 0
    folders = [dest_card(d, "arri", card.root.name) for d in dests]
    n = len(tree(card.root))
    before = [(inodes(f), sorted(os.listdir(f / "ascmhl")), (f / "ascmhl" / "ascmhl_chain.xml").read_bytes())
              for f in folders]

    r = cli(*args)
    assert r.code == 0, r.text
    assert "already offloaded" in r.err
    for folder in folders:
        assert summary_row(r.out, folder) == (n, 0, n)  # verified, failed, skipped
    after = [(inodes(f), sorted(os.listdir(f / "ascmhl")), (f / "ascmhl" / "ascmhl_chain.xml").read_bytes())
             for f in folders]
    assert after == before
    jobs = catalog_json(catalog, "jobs", "--kind", "offload")
    assert [j["status"] for j in jobs] == ["completed", "completed"]
    assert [d["mhl_generation"] for d in jobs[1]["destinations"]] == [None, None]
    assert len(catalog_json(catalog, "cards")) == 1
    assert_ascmhl_clean(*folders)


# ---------------------------------------------------------------------------------------- identity


def test_card_is_recognised_by_content_not_by_folder_name(env) -> None:
    base, dests, catalog_path = env
    card = make_card(base / "cards", "arri", seed=3)
    catalog = open_catalog(catalog_path)
    try:
        service = OffloadService(catalog)
        first = service.prepare(request(card.root, dests[:1]))
        assert first.known_card_id is None and first.known_summary is None
        result = service.run(first)
        assert result.ok

        relabelled = base / "elsewhere" / "MAG 7"
        shutil.copytree(card.root, relabelled)  # copy2: same names, bytes and mtimes under another label
        again = service.prepare(request(relabelled, dests[1:]))
        assert again.known_card_id == result.card_id
        assert card.root.name in again.known_summary and str(dest_card(dests[0], "arri", card.root.name)) in \
            again.known_summary
    finally:
        catalog.close()


def test_two_cards_with_the_same_label_are_different_cards(env) -> None:
    base, dests, catalog_path = env
    roots = []
    for seed in (1, 2):
        c = make_card(base / f"cam{seed}", "arri", seed=seed)
        roots.append(c.root.rename(c.root.with_name("A001R1AB")))
    catalog = open_catalog(catalog_path)
    try:
        service = OffloadService(catalog)
        results = []
        for root, dest in zip(roots, dests, strict=True):
            prepared = service.prepare(request(root, [dest]))
            assert prepared.known_card_id is None
            assert prepared.identity.label == "A001R1AB" and prepared.identity.reel == "A001"
            results.append(service.run(prepared))
        assert all(r.ok for r in results)
        assert results[0].card_id != results[1].card_id
    finally:
        catalog.close()
    cards = catalog_json(catalog_path, "cards")
    assert [c["label"] for c in cards] == ["A001R1AB", "A001R1AB"]
    assert cards[0]["quick_fingerprint"] != cards[1]["quick_fingerprint"]
    assert cards[0]["content_fingerprint"] != cards[1]["content_fingerprint"]
    assert [[d["path"] for d in c["destinations"]] for c in cards] == [
        [str(dest_card(d, "arri", "A001R1AB"))] for d in dests]
