"""Large histories without holding them: the manifest is written entry by entry (same bytes as the whole
document), a verify keeps its expected hashes and per-file outcomes in a spool, and finds exactly what it
found when it held them. A card's generation without per-file overhead answers as before: the folder walk
takes regular files and links to them from the listing (skipping the rest), an ignore list without ``!``
matched as one regex answers as rule by rule, hash dates from the per-second cache are the local-time text
in any zone, records keep their formats in MHL order, and every record is written once."""

from __future__ import annotations

import os
import shutil
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

import pytest

from pixm_desktop.core.hashes import HashAlgorithm, hash_bytes
from pixm_desktop.mhl import (
    Action,
    DirectoryHash,
    MhlFileRecord,
    VerifyStatus,
    verify_history,
    write_generation,
)
from pixm_desktop.mhl._xml import iso_datetime, iso_datetime_us, serialize
from pixm_desktop.mhl.dirhash import scan_tree
from pixm_desktop.mhl.ignore import IgnoreSpec
from pixm_desktop.mhl.writer import _manifest_chunks, _manifest_element
from support.mhl import CREATOR, WHEN, generations

X64 = HashAlgorithm.XXH64


def _items():
    odd = ["a&b <c>.mov", 'quote"s\'.wav', "tab\there.txt", "é" * 40 + ".mxf", " lead space", "new\nline>.txt"]
    items = []
    for i, name in enumerate(odd):
        hashes = {X64: f"{i:016x}", HashAlgorithm.MD5: f"{i:032x}"}
        when = datetime(2026, 12, 1, 10, 0, i, 123456, tzinfo=UTC)
        items.append(("hash", MhlFileRecord(f"A001/{name}".encode(), i * 1000, 10**18 + i, hashes,
                                            action=Action.VERIFIED if i % 2 else Action.FAILED, hashdate=when)))
    items.append(("hash", MhlFileRecord(b"A001/no-size-no-date.bin", None, None, {X64: "f" * 16})))
    # hash dates without a fraction, and in a zone other than UTC
    items.append(("hash", MhlFileRecord(b"A001/whole-second.bin", 1, 10**18, {X64: "e" * 16},
                                        hashdate=datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC))))
    items.append(("hash", MhlFileRecord(b"A001/kolkata.bin", 2, 10**18, {X64: "d" * 16},
                                        hashdate=datetime(2026, 12, 1, 10, 0, 0, 5, tzinfo=timezone(timedelta(
                                            hours=5, minutes=30))))))
    items.append(("hash", MhlFileRecord(b"A001/empty-value.bin", 0, 0, {X64: ""})))  # written <xxh64 ... />
    items.append(("dir", DirectoryHash(b"A001", {X64: "1" * 16}, {X64: "2" * 16}, mtime_ns=10**18)))
    return items


@pytest.mark.parametrize("count", [0, 1, 11])
def test_streamed_manifest_is_byte_for_byte_the_whole_document(count):
    items = _items()[:count]
    args = dict(creator=CREATOR, when=WHEN, process="in-place",
                root_hash=DirectoryHash(b"", {X64: "3" * 16}, {X64: "4" * 16}), patterns=(".DS_Store", "*.tmp"),
                references=())
    whole = serialize(_manifest_element(items=items, **args))
    streamed = b"".join(_manifest_chunks(_manifest_element(items=(), slot=True, **args), iter(items)))
    assert streamed == whole
    ET.fromstring(streamed)  # well-formed


def test_written_generation_and_chain_match_the_document(tmp_path):
    card = tmp_path / "card"
    (card / "A001").mkdir(parents=True)
    records = []
    for i in range(30):
        data = b"x" * i
        (card / "A001" / f"c{i:03d}.mov").write_bytes(data)
        records.append(MhlFileRecord(f"A001/c{i:03d}.mov".encode(), len(data), 10**18,
                                     {X64: hash_bytes(data, X64)}))
    records.append(MhlFileRecord(b"B002/gone.mov", 3, 10**18, {X64: "0" * 16}))  # not on disk: written last
    info = write_generation(card, records, creator=CREATOR, when=WHEN)
    data = info.path.read_bytes()
    assert info.c4 == hash_bytes(data, HashAlgorithm.C4)
    paths = [el.text for el in ET.fromstring(data).iter("{urn:ASC:MHL:v2.0}path")]
    assert paths[-1] == "B002/gone.mov" and paths.index("A001/c029.mov") < paths.index("A001")
    assert generations(card) == [info.path.name]
    report = verify_history(card, creator=CREATOR, when=WHEN, write=False)
    assert {e.status for e in report.entries if e.relpath != b"B002/gone.mov"} == {VerifyStatus.VERIFIED}
    assert not any(n.endswith(".tmp") for n in os.listdir(card / "ascmhl"))  # the temp manifest is gone


# ------------------------------------------------------------------------------------------ the spool


def _records_of(root, rels, action=Action.ORIGINAL):
    out = []
    for rel in rels:
        data = (root / rel).read_bytes()
        out.append(MhlFileRecord(rel.encode(), len(data), 10**18, {X64: hash_bytes(data, X64)}, action=action))
    return out


def test_spool_answers_what_the_history_answers(tmp_path):
    # three generations with every action, formats that come and go, a nested history and a parent record of a
    # path the nested history now owns: the spool's answers equal MhlHistory's for every recorded path
    card = tmp_path / "card"
    for rel in ("A/a.mov", "A/b.mov", "A/c.mov", "N/x.mov", "N/y.mov", "top.txt"):
        (card / rel).parent.mkdir(parents=True, exist_ok=True)
        (card / rel).write_bytes(rel.encode() * 3)
    write_generation(card, _records_of(card, ["A/a.mov", "A/b.mov", "top.txt", "N/x.mov"]), creator=CREATOR,
                     when=WHEN)
    write_generation(card / "N", _records_of(card / "N", ["x.mov", "y.mov"]), creator=CREATOR, when=WHEN)
    second = [MhlFileRecord(b"A/a.mov", 5, 10**18, {X64: "0" * 16, HashAlgorithm.MD5: "1" * 32},
                            action=Action.FAILED),
              MhlFileRecord(b"A/b.mov", None, 10**18, {HashAlgorithm.MD5: "2" * 32}, action=Action.VERIFIED),
              *_records_of(card, ["A/c.mov"])]
    write_generation(card, second, creator=CREATOR, when=WHEN)
    from pixm_desktop.mhl.reader import read_history
    from pixm_desktop.mhl.spool import VerifySpool
    from pixm_desktop.mhl.verify import _owner_prefix

    full = read_history(card)
    spool = VerifySpool()
    spooled = read_history(card, sink=spool.add_record)
    assert spooled.records_spooled and not full.records_spooled
    with pytest.raises(RuntimeError):
        spooled.expected_hashes(b"A/a.mov")  # never a silent "not recorded"
    paths = [b"A/a.mov", b"A/b.mov", b"A/c.mov", b"N/x.mov", b"N/y.mov", b"top.txt", b"nowhere.bin"]
    for rel in paths:
        assert spool.expected(_owner_prefix(spooled, rel), rel) == (full.expected_hashes(rel),
                                                                    full.expected_size(rel)), rel
    spool.close()


def test_a_large_card_verifies_with_the_same_findings(tmp_path):
    # 4,000 files in 8 folders (the spool reads a folder at a time): clean, the reference tool accepts the in-place generation; then damaged,
    # missing, stray and replaced files are each found, and nothing else
    card = tmp_path / "card"
    rels = [f"C{i // 500:02d}/F{i:05d}.dng" for i in range(4_000)]
    for i, rel in enumerate(rels):
        (card / rel).parent.mkdir(parents=True, exist_ok=True)
        (card / rel).write_bytes(b"%d" % i * (1 + i % 7))
    write_generation(card, _records_of(card, rels), creator=CREATOR, when=WHEN)
    clean = verify_history(card, creator=CREATOR, when=WHEN)
    assert clean.ok and len(clean.entries) == 4_000 and clean.counts[VerifyStatus.VERIFIED] == 4_000
    assert [e.relpath for e in clean.entries] == sorted(r.encode() for r in rels)
    assert clean.entries[-1].relpath == rels[-1].encode() and clean.entries[5].status == VerifyStatus.VERIFIED
    from support.mhl import assert_ascmhl_clean

    assert_ascmhl_clean(card)
    (card / rels[10]).write_bytes(b"damaged")
    (card / rels[2500]).unlink()
    (card / "C03" / "stray.bin").write_bytes(b"?")
    (card / rels[3700]).unlink()
    (card / rels[3700]).symlink_to(card / rels[3701])
    report = verify_history(card, creator=CREATOR, when=WHEN, write=False)
    problems = {(e.relpath.decode(), str(e.status)) for e in report.entries if e.status != VerifyStatus.VERIFIED}
    assert problems == {(rels[10], "failed"), (rels[2500], "missing"), ("C03/stray.bin", "unrecorded"),
                        (rels[3700], "failed")}
    assert report.counts[VerifyStatus.VERIFIED] == 4_000 - 3 and not report.ok
    shutil.rmtree(card / "C07")  # a whole folder gone: each of its 500 files is missing, once
    gone = verify_history(card, creator=CREATOR, when=WHEN, write=False)
    missing = [e.relpath for e in gone.entries if e.status == VerifyStatus.MISSING]
    assert missing == sorted([r.encode() for r in rels[3500:]] + [rels[2500].encode()])
    assert all(e.expected for e in gone.entries if e.status == VerifyStatus.MISSING)


# ------------------------------------------------------------------------------------- per-file work


def test_the_walk_takes_regular_files_and_links_to_them_and_skips_the_rest(tmp_path):
    root = tmp_path / "card"
    (root / "sub").mkdir(parents=True)
    (root / "b.mov").write_bytes(b"b")
    (root / "sub" / "c.wav").write_bytes(b"c")
    os.symlink("b.mov", root / "a-link.mov")  # a link to a file is a file (the reference tool follows it)
    os.symlink("nowhere", root / "dangling")
    os.symlink("sub", root / "dir-link")
    os.mkfifo(root / "fifo")
    tree = scan_tree(root, lambda rel, is_dir: False)
    assert list(tree.files) == [b"a-link.mov", b"b.mov"]
    assert [f.relpath for f in tree.folders] == [b"sub"] and list(tree.folders[0].files) == [b"c.wav"]
    assert tree.skipped == [b"dangling", b"dir-link", b"fifo"]


PATTERNS = [".DS_Store", "ascmhl", "ascmhl/", "*.tmp", "/Top", "Clips/*.xml", "**/cache/", "a/**/z", "._*",
            "[Tt]humbs.db", "# comment", "", "Proxy/", "x?y"]
PATHS = [("Clips/.DS_Store", False), ("Sub/ascmhl", True), ("ascmhl", False), ("a/b/c.tmp", False),
         ("a/b/c.tmpx", False), ("Top", True), ("x/Top", True), ("Clips/a.xml", False), ("Clips/sub/a.xml", False),
         ("a/b/cache", True), ("a/b/c/z", False), ("a/z", False), ("Clips/._A001.mov", False),
         ("x/thumbs.db", False), ("A/Proxy/x/y.mov", False), ("xAy", False), ("xy", False), ("keep.mov", False)]


@pytest.mark.parametrize("count", [0, 1, 4, len(PATTERNS)])
def test_an_ignore_list_without_negation_answers_as_rule_by_rule(count):
    """A ``!`` rule that matches nothing keeps the list rule by rule: both answer alike for every path."""
    one = IgnoreSpec(PATTERNS[:count])
    by_rule = IgnoreSpec([*PATTERNS[:count], "!/no/such/path"])
    answers = [one.matches(p, is_dir=d) for p, d in PATHS]
    assert answers == [by_rule.matches(p, is_dir=d) for p, d in PATHS]
    assert any(answers) == (count > 0)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Europe/Amsterdam"])
def test_hash_dates_from_the_second_cache_are_the_local_text(monkeypatch, zone):
    """Around a daylight-saving change, whole seconds and fractions, a zone with a half-hour offset and one
    with a historical offset in seconds (Amsterdam 1920, +00:19:32)."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        starts = [datetime(2026, 3, 29, 0, 59, 58, tzinfo=UTC), datetime(2026, 10, 25, 0, 59, 58, tzinfo=UTC),
                  datetime(1920, 6, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)]
        for start in starts:
            for us in (0, 1, 499_999, 999_999, 1_000_000, 2_500_000):
                when = start + timedelta(microseconds=us)
                assert iso_datetime_us(when) == iso_datetime(when, microseconds=True)
                other = when.astimezone(timezone(timedelta(hours=-3)))  # the same instant given in another zone
                assert iso_datetime_us(other) == iso_datetime(when, microseconds=True)
        with pytest.raises(ValueError):
            iso_datetime_us(datetime(2026, 1, 1))
    finally:
        monkeypatch.undo()
        time.tzset()


def test_records_hold_their_formats_in_mhl_order_and_their_action_checked():
    md5, c4 = "0" * 32, "c4" + "1" * 88
    rec = MhlFileRecord(b"a", 1, 2, {X64: "f" * 16, "md5": md5, HashAlgorithm.C4: c4}, action="verified")
    assert list(rec.hashes) == [HashAlgorithm.C4, HashAlgorithm.MD5, X64] and rec.action is Action.VERIFIED
    ordered = {HashAlgorithm.MD5: md5, X64: "f" * 16}
    again = MhlFileRecord(b"b", 1, 2, ordered)
    ordered[X64] = "changed"  # the record holds a copy
    assert dict(again.hashes) == {HashAlgorithm.MD5: md5, X64: "f" * 16} and again.action is Action.ORIGINAL
    assert MhlFileRecord(b"c", 1, 2, rec.hashes).hashes is rec.hashes  # another record's: shared as it is
    for bad in ("bogus", ["verified"], None):
        with pytest.raises(ValueError):
            MhlFileRecord(b"d", 1, 2, {X64: "f" * 16}, action=bad)
    with pytest.raises(ValueError):
        MhlFileRecord(b"e", 1, 2, {"sha3": "00"})


@pytest.mark.parametrize("gone", [(), (b"A001/aa-gone.mov", b"0-first-gone.mov", b"Z/last.mov")])
def test_every_record_is_written_once_those_not_on_disk_last_sorted(tmp_path, gone):
    card = tmp_path / "card"
    (card / "A001" / "sub").mkdir(parents=True)
    records = []
    for rel in ("A001/b.mov", "A001/sub/c.mov", "A001/d.mov", "e.wav"):
        (card / rel).write_bytes(rel.encode())
        records.append(MhlFileRecord(rel.encode(), len(rel), 10**18, {X64: hash_bytes(rel.encode(), X64)}))
    records += [MhlFileRecord(rel, 1, 10**18, {X64: "0" * 16}) for rel in gone]
    info = write_generation(card, records, creator=CREATOR, when=WHEN)
    hashes = ET.fromstring(info.path.read_bytes()).find("{urn:ASC:MHL:v2.0}hashes")
    files = [el.find("{urn:ASC:MHL:v2.0}path").text for el in hashes if el.tag.endswith("}hash")]
    assert files == ["A001/b.mov", "A001/d.mov", "A001/sub/c.mov", "e.wav", *sorted(g.decode() for g in gone)]
