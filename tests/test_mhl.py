"""ASC MHL v2.0 writer/reader/verifier and legacy MHL v1 — the ASC reference tool (``ascmhl``) is the judge."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import xxhash

from pixm_desktop.core.errors import MhlChainError, MhlFormatError, MhlHistoryNotFoundError
from pixm_desktop.core.hashes import MHL_ORDER, HashAlgorithm, hash_bytes
from pixm_desktop.mhl import (
    DEFAULT_IGNORES,
    Action,
    CreatorInfo,
    MhlFileRecord,
    VerifyStatus,
    read_history,
    read_legacy_mhl,
    verify_history,
    verify_legacy,
    write_generation,
)
from pixm_desktop.mhl.dirhash import compute_directory_hashes, content_hash, scan_tree
from pixm_desktop.mhl.ignore import IgnoreSpec
from pixm_desktop.mhl.legacy import Xxh32, parse_legacy_date, xxh32_text, xxh64_le_to_be
from pixm_desktop.mhl.reader import read_chain, read_creator_info, read_manifest
from pixm_desktop.mhl.verify import plain_hash_file
from support.mhl import CREATOR, LONG, NFC, NFD, WHEN, XSD, card_files, hash_card, make_card, ref, ref_verify

ALL_FORMATS = (
    HashAlgorithm.C4,
    HashAlgorithm.MD5,
    HashAlgorithm.SHA1,
    HashAlgorithm.XXH3,
    HashAlgorithm.XXH128,
    HashAlgorithm.XXH64,
)


# ------------------------------------------------------------------------------------------- helpers


def assert_reference_clean(root: Path) -> None:
    for flags in ((), ("-dh",)):
        result = ref_verify(root, *flags)
        assert (result.returncode, result.stdout + result.stderr) == (0, ""), flags


def flip_byte(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def xsd_errors(path: Path) -> list[str]:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    if schema.validate(etree.parse(str(path))):
        return []
    return [str(e) for e in schema.error_log]


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = make_card(tmp_path)
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    return root


# -------------------------------------------------------------------------------------------- vectors


def test_directory_hash_vector_from_field_notes(tmp_path: Path) -> None:
    root = tmp_path / "V"
    (root / "A").mkdir(parents=True)
    (root / "Stuff.txt").write_bytes(b"stuff\n")
    (root / "A" / "A1.txt").write_bytes(b"A1\n")
    tree = scan_tree(root, lambda rel, is_dir: False)
    hashes = {
        rel: plain_hash_file(root / rel.decode(), [HashAlgorithm.XXH64])
        for rel in (b"Stuff.txt", b"A/A1.txt")
    }
    dirs = compute_directory_hashes(tree, hashes, [HashAlgorithm.XXH64])
    assert dirs[b"A"].content[HashAlgorithm.XXH64] == "d3904ee76bba3d2a"
    assert dirs[b""].content[HashAlgorithm.XXH64] == "ca56d22f064fdf1b"


@pytest.mark.parametrize("algorithm", list(HashAlgorithm))
def test_empty_folder_hashes_to_hash_of_nothing(algorithm: HashAlgorithm) -> None:
    assert content_hash([], algorithm) == hash_bytes(b"", algorithm)
    if algorithm == HashAlgorithm.XXH64:
        assert content_hash([], algorithm) == "ef46db3751d8e999"


def test_empty_folder_directoryhash_written(card: Path) -> None:
    gen = read_history(card).generations[0]
    empty = next(d for d in gen.directories if d.relpath == b"Empty")
    assert empty.content[HashAlgorithm.XXH64] == empty.structure[HashAlgorithm.XXH64] == "ef46db3751d8e999"


# ------------------------------------------------------------------------------ write, judged by ascmhl


def test_xxh64_generation_passes_reference_verify(card: Path) -> None:
    assert_reference_clean(card)
    manifest = next((card / "ascmhl").glob("*.mhl"))
    assert manifest.name == "0001_A002R2EC_2026-11-23_181500Z.mhl"
    assert xsd_errors(manifest) == []


def test_all_formats_generation_passes_reference_verify(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    write_generation(root, hash_card(root, ALL_FORMATS), creator=CREATOR, when=WHEN)
    assert_reference_clean(root)
    manifest = next((root / "ascmhl").glob("*.mhl"))
    assert xsd_errors(manifest) == []
    # element order inside <hash> is the schema's: c4, md5, sha1, xxh128, xxh3, xxh64
    block = re.search(r"<hash>(.*?)</hash>", manifest.read_text("utf-8"), re.S).group(1)
    tags = re.findall(r"<(c4|md5|sha1|xxh128|xxh3|xxh64)\b", block)
    assert tags == [a.value for a in MHL_ORDER]


def test_chain_holds_c4_of_manifest_bytes(card: Path) -> None:
    manifest = next((card / "ascmhl").glob("*.mhl"))
    (entry,) = read_chain(card / "ascmhl" / "ascmhl_chain.xml")
    assert (entry.sequence, entry.filename, entry.algorithm) == (1, manifest.name, HashAlgorithm.C4)
    assert entry.value == hash_bytes(manifest.read_bytes(), HashAlgorithm.C4)
    assert not list((card / "ascmhl").glob(".*tmp"))


def test_manifest_header_fields(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    bad_email = CreatorInfo(
        "pixm-desktop", "0.1.0", "cart-01", author_name="Dana", author_email="not-an-address"
    )
    write_generation(root, hash_card(root), creator=bad_email, when=WHEN)
    text = next((root / "ascmhl").glob("*.mhl")).read_text("utf-8")
    assert 'email="' not in text
    assert "<author>Dana</author>" in text
    date = re.search(r"<creationdate>(.*?)</creationdate>", text).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", date)
    assert datetime.fromisoformat(date) == WHEN
    mod = re.search(r'lastmodificationdate="([^"]+)"', text).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", mod)
    assert re.search(r'<path size="0" [^>]*>Clips/zero.bin</path>', text)


def test_creator_info_is_read_from_the_manifest_head_alone(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    who = CreatorInfo("pixm-desktop", "0.1.0", "cart-01", author_name="Dana", location="Stage 4")
    write_generation(root, hash_card(root), creator=who, when=WHEN)
    manifest = next((root / "ascmhl").glob("*.mhl"))
    assert read_creator_info(manifest) == read_manifest(manifest).creator
    assert (read_creator_info(manifest).author_name, read_creator_info(manifest).location) == ("Dana", "Stage 4")
    text = manifest.read_text("utf-8")
    cut = tmp_path / "cut.mhl"  # its file records broken off: the whole manifest is refused, its head is read
    cut.write_text(text[:text.index("<hashes>") + 40], "utf-8")
    with pytest.raises(MhlFormatError, match="cut.mhl"):
        read_manifest(cut)
    assert read_creator_info(cut).author_name == "Dana"
    headless = tmp_path / "headless.mhl"
    headless.write_text(re.sub(r"<creatorinfo>.*?</creatorinfo>", "", text, flags=re.S), "utf-8")
    with pytest.raises(MhlFormatError, match="missing <creatorinfo>"):
        read_creator_info(headless)
    other = tmp_path / "other.mhl"
    other.write_text("<hashlist><creatorinfo/></hashlist>", "utf-8")
    with pytest.raises(MhlFormatError, match="legacy"):
        read_creator_info(other)


def test_round_trip_keeps_raw_names_and_fields(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    records = hash_card(root, (HashAlgorithm.MD5, HashAlgorithm.XXH64))
    write_generation(root, records, creator=CREATOR, when=WHEN)
    history = read_history(root)
    (gen,) = history.generations
    assert (gen.number, gen.process, gen.creator) == (1, "transfer", CREATOR)
    assert gen.created == WHEN
    assert gen.ignore_patterns == DEFAULT_IGNORES
    assert gen.root_hash is not None and set(gen.root_hash.content) == {
        HashAlgorithm.MD5,
        HashAlgorithm.XXH64,
    }
    by_path = {r.relpath: r for r in gen.records}
    assert set(by_path) == {r.relpath for r in records}
    assert NFC.encode() in by_path and NFD.encode() in by_path and NFC.encode() != NFD.encode()
    assert LONG.encode() in by_path
    for rec in records:
        back = by_path[rec.relpath]
        assert (back.size, dict(back.hashes), back.action) == (rec.size, dict(rec.hashes), Action.ORIGINAL)
        assert back.mtime_ns == rec.mtime_ns // 1_000_000_000 * 1_000_000_000
        assert back.hashdate == rec.hashdate
        assert history.latest(rec.relpath) == back


def test_unrepresentable_name_is_left_out_not_fatal(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    bad = b"Clips/bad\xffname.mov"
    try:
        with open(os.path.join(os.fsencode(root), bad), "wb") as fh:
            fh.write(b"latin-1 name")
    except OSError:
        pytest.skip("this file system refuses names that are not UTF-8")
    info = write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    assert info.unrepresentable == (bad,)
    assert all(r.relpath != bad for r in read_history(root).generations[0].records)
    report = verify_history(root, creator=CREATOR, when=WHEN + timedelta(hours=1))
    assert [e.relpath for e in report.unrepresentable] == [bad]
    assert report.unrecorded == () and report.ok


def test_ignore_list_grows_and_ignored_records_are_left_out(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    (root / "cache.tmp").write_bytes(b"scratch")
    records = hash_card(root)
    info = write_generation(root, records, creator=CREATOR, when=WHEN, ignore=["*.tmp"])
    assert info.ignored == (b"cache.tmp",)
    write_generation(root, records, creator=CREATOR, when=WHEN + timedelta(minutes=1), ignore=["Thumbs.db"])
    gens = read_history(root).generations
    assert gens[0].ignore_patterns == (*DEFAULT_IGNORES, "*.tmp")
    assert gens[1].ignore_patterns == (*DEFAULT_IGNORES, "*.tmp", "Thumbs.db")
    assert_reference_clean(root)


def test_second_transfer_resolves_original_against_history(card: Path) -> None:
    records = hash_card(card)
    clip = b"Clips/A002C006_141024_R2EC.mov"
    records = [
        r if r.relpath != clip else MhlFileRecord(clip, r.size, r.mtime_ns, {HashAlgorithm.XXH64: "0" * 16})
        for r in records
    ]
    info = write_generation(card, records, creator=CREATOR, when=WHEN + timedelta(hours=1))
    assert info.generation == 2 and info.failed == (clip,)
    gen2 = read_history(card).generations[1]
    actions = {r.relpath: r.action for r in gen2.records}
    assert actions[clip] == Action.FAILED
    assert {a for p, a in actions.items() if p != clip} == {Action.VERIFIED}


def test_write_rejects_bad_input(tmp_path: Path) -> None:
    root = make_card(tmp_path)
    good = hash_card(root)
    with pytest.raises(ValueError, match="timezone"):
        write_generation(root, good, creator=CREATOR, when=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="two records"):
        write_generation(root, good + good[:1], creator=CREATOR, when=WHEN)
    upper = MhlFileRecord(b"x.bin", 1, 0, {HashAlgorithm.XXH64: "ABCDEF0123456789"})
    with pytest.raises(ValueError, match="bad xxh64"):
        write_generation(root, [upper], creator=CREATOR, when=WHEN)
    assert not (root / "ascmhl").exists()


# --------------------------------------------------------------------------- read what ascmhl writes


def test_reads_generation_appended_by_reference_create(card: Path) -> None:
    result = ref("ascmhl", "create", "-h", "xxh64", card)
    assert result.returncode == 0, result.stderr
    history = read_history(card)
    assert [(g.number, g.process, g.creator.tool_name) for g in history.generations] == [
        (1, "transfer", "pixm-desktop"),
        (2, "in-place", "ascmhl"),
    ]
    latest = history.latest(b"Clips/zero.bin")
    assert latest is not None and latest.action == Action.VERIFIED
    assert latest.hashes[HashAlgorithm.XXH64] == "ef46db3751d8e999"
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1))
    assert report.ok and len(report.verified) == len(card_files(card))
    assert report.generation is not None and report.generation.generation == 3
    assert_reference_clean(card)


# ----------------------------------------------------------------------------------------- verify


def test_verify_clean_card_writes_in_place_generation(card: Path) -> None:
    seen: list[int] = []
    calls: list[tuple[Path, tuple[HashAlgorithm, ...]]] = []

    def hasher(path: Path, formats):
        calls.append((path, tuple(formats)))
        return plain_hash_file(path, formats)

    report = verify_history(
        card, creator=CREATOR, when=WHEN + timedelta(days=1), hash_file=hasher, progress=seen.append
    )
    assert report.ok and report.counts[VerifyStatus.VERIFIED] == len(card_files(card))
    assert len(calls) == len(card_files(card)) and sum(seen) == sum(p.stat().st_size for p, _ in calls)
    gen2 = read_history(card).generations[1]
    assert gen2.process == "in-place" and {r.action for r in gen2.records} == {Action.VERIFIED}
    assert gen2.path.name == "0002_A002R2EC_2026-11-24_181500Z.mhl"
    assert xsd_errors(gen2.path) == []
    assert_reference_clean(card)


def test_flipped_byte_fails(card: Path) -> None:
    clip = card / "Clips" / "A002C006_141024_R2EC.mov"
    flip_byte(clip, 100)
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1))
    assert not report.ok
    (failed,) = report.failed
    assert failed.relpath == b"Clips/A002C006_141024_R2EC.mov"
    assert failed.expected[HashAlgorithm.XXH64] != failed.actual[HashAlgorithm.XXH64]
    assert "xxh64" in (failed.reason or "")
    gen2 = read_history(card).generations[1]
    actions = {r.relpath: r.action for r in gen2.records}
    assert actions[failed.relpath] == Action.FAILED
    assert xsd_errors(gen2.path) == []
    assert ref_verify(card).returncode == 11
    # the failed record never becomes the reference: repairing the file makes it verify again
    flip_byte(clip, 100)
    again = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=2), write=False)
    assert again.ok and again.generation is None


def test_write_failure_keeps_the_verdict(card: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pixm_desktop.mhl.verify as verify_mod

    def read_only(*_args, **_kwargs):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(verify_mod, "append_generation", read_only)
    flip_byte(card / "A002R2EC.ale")
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1))
    assert [e.relpath for e in report.failed] == [b"A002R2EC.ale"]
    assert report.generation is None and "Read-only" in (report.write_error or "")


def test_missing_file(card: Path) -> None:
    (card / NFD).unlink()
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1), write=False)
    assert [(e.relpath, e.status) for e in report.missing] == [(NFD.encode(), VerifyStatus.MISSING)]
    assert not report.ok and len(list((card / "ascmhl").glob("*.mhl"))) == 1
    assert ref_verify(card).returncode == 10


def test_unrecorded_file_reported_then_recorded_as_original(card: Path) -> None:
    (card / "Clips" / "._A002C006_141024_R2EC.mov").write_bytes(b"AppleDouble")
    (card / ".DS_Store").write_bytes(b"ignored by default")
    assert ref_verify(card).returncode == 21
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1))
    assert [e.relpath for e in report.unrecorded] == [b"Clips/._A002C006_141024_R2EC.mov"]
    assert not report.ok
    gen2 = read_history(card).generations[1]
    new = [r for r in gen2.records if r.action == Action.ORIGINAL]
    assert [r.relpath for r in new] == [b"Clips/._A002C006_141024_R2EC.mov"]
    assert verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=2), write=False).ok
    assert ref_verify(card).returncode == 0
    # generation 1's hash of Clips/ predates the new file, so -dh rightly flags it (as after `ascmhl create`)
    assert ref_verify(card, "-dh").returncode == 12


@pytest.mark.parametrize("target", ["manifest", "chain"])
def test_tampered_history_raises_chain_error(card: Path, target: str) -> None:
    folder = card / "ascmhl"
    path = next(folder.glob("*.mhl")) if target == "manifest" else folder / "ascmhl_chain.xml"
    text = path.read_text("utf-8")
    if target == "manifest":
        text = text.replace("<hostname>cart-01</hostname>", "<hostname>cart-02</hostname>")
    else:
        text = re.sub(r"<c4>c4(.)", lambda m: "<c4>c4" + ("2" if m.group(1) != "2" else "3"), text)
    path.write_text(text, "utf-8")
    with pytest.raises(MhlChainError, match=r"0001_A002R2EC_.*\.mhl"):
        read_history(card)
    with pytest.raises(MhlChainError):
        verify_history(card, creator=CREATOR, when=WHEN)
    assert ref_verify(card).returncode == 31


def test_missing_manifest_chain_or_history(tmp_path: Path, card: Path) -> None:
    manifest = next((card / "ascmhl").glob("*.mhl"))
    data = manifest.read_bytes()
    manifest.unlink()
    with pytest.raises(MhlChainError, match="missing"):
        read_history(card)
    assert ref_verify(card).returncode == 33
    manifest.write_bytes(data)
    (card / "ascmhl" / "ascmhl_chain.xml").unlink()
    with pytest.raises(MhlChainError, match="ascmhl_chain.xml"):
        read_history(card)
    assert ref_verify(card).returncode == 32
    bare = make_card(tmp_path, "B001")
    with pytest.raises(MhlHistoryNotFoundError):
        read_history(bare)


def test_unchained_or_malformed_manifest(card: Path) -> None:
    folder = card / "ascmhl"
    orphan = folder / "0002_A002R2EC_2026-11-24_090000Z.mhl"
    orphan.write_bytes(b"<hashlist/>")
    with pytest.raises(MhlChainError, match="not listed"):
        read_history(card)
    orphan.unlink()
    manifest = next(folder.glob("*.mhl"))
    broken = manifest.read_bytes()[:-20]
    manifest.write_bytes(broken)
    chain = folder / "ascmhl_chain.xml"
    old = read_chain(chain)[0].value
    chain.write_text(chain.read_text("utf-8").replace(old, hash_bytes(broken, HashAlgorithm.C4)), "utf-8")
    with pytest.raises(MhlFormatError, match=manifest.name):
        read_history(card)


# ------------------------------------------------------------------------------------------ nested


def test_nested_history_is_referenced_not_duplicated(tmp_path: Path) -> None:
    day = tmp_path / "Day01"
    card = make_card(day)
    write_generation(card, hash_card(card), creator=CREATOR, when=WHEN)
    (day / "report.pdf").write_bytes(b"%PDF")
    records = [
        MhlFileRecord(b"A002R2EC/" + r.relpath, r.size, r.mtime_ns, r.hashes, r.action, r.hashdate)
        for r in hash_card(card)
    ]
    records.append(hash_card_one(day, b"report.pdf"))
    info = write_generation(day, records, creator=CREATOR, when=WHEN + timedelta(minutes=5))
    parent = read_history(day)
    assert [r.relpath for r in parent.generations[0].records] == [b"report.pdf"]
    assert any(d.relpath == b"A002R2EC" for d in parent.generations[0].directories)
    (ref_,) = parent.generations[0].references
    assert ref_.path.startswith("A002R2EC/ascmhl/0001_A002R2EC_")
    assert parent.latest(b"A002R2EC/Clips/zero.bin") is not None
    assert info.unrecorded == ()
    assert xsd_errors(info.path) == []
    assert_reference_clean(day)
    flip_byte(card / "A002R2EC.ale")
    report = verify_history(day, creator=CREATOR, when=WHEN + timedelta(days=1))
    assert [e.relpath for e in report.failed] == [b"A002R2EC/A002R2EC.ale"]
    assert [g.generation for g in report.generations] == [2, 2]
    child_gen = read_history(card).generations[1]
    assert {r.relpath: r.action for r in child_gen.records}[b"A002R2EC.ale"] == Action.FAILED


def hash_card_one(root: Path, rel: bytes) -> MhlFileRecord:
    path = root / os.fsdecode(rel)
    st = path.stat()
    return MhlFileRecord(
        rel, st.st_size, st.st_mtime_ns, plain_hash_file(path, [HashAlgorithm.XXH64]), hashdate=WHEN
    )


# ------------------------------------------------------------------------------------------ ignore


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        (".DS_Store", "Clips/.DS_Store", False, True),
        ("ascmhl", "Sub/ascmhl", True, True),
        ("ascmhl/", "ascmhl", True, True),
        ("ascmhl/", "ascmhl", False, False),
        ("*.tmp", "a/b/c.tmp", False, True),
        ("*.tmp", "a/b/c.tmpx", False, False),
        ("/Top", "Top", True, True),
        ("/Top", "x/Top", True, False),
        ("Clips/*.xml", "Clips/a.xml", False, True),
        ("Clips/*.xml", "Clips/sub/a.xml", False, False),
        ("**/cache/", "a/b/cache", True, True),
        ("a/**/z", "a/b/c/z", False, True),
        ("a/**/z", "a/z", False, True),
        ("._*", "Clips/._A001.mov", False, True),
        ("[Tt]humbs.db", "x/thumbs.db", False, True),
        ("# comment", "# comment", False, False),
    ],
)
def test_ignore_patterns(pattern: str, path: str, is_dir: bool, ignored: bool) -> None:
    assert IgnoreSpec([pattern]).matches(path, is_dir=is_dir) is ignored


def test_ignore_negation_and_folder_contents() -> None:
    spec = IgnoreSpec(["*.log", "!keep.log", "Proxy/"])
    assert spec.matches("a.log") and not spec.matches("keep.log")
    assert spec.matches("Proxy/clip.mov") and spec.matches("A/Proxy/x/y.mov")


# ------------------------------------------------------------------------------------------ legacy


def _legacy_card(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path / "Shuttle"
    files = {
        "A001/clip1.mov": os.urandom(1000),
        "A001/clip2.mov": os.urandom(37),
        "A001/sub/notes.txt": b"notes\n",
        "A001/empty.bin": b"",
        "A001/sized.wav": b"RIFF....",
        "A001/" + NFC: b"accent",
    }
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    (folder / "B007").mkdir()
    (folder / "B007" / "other.mov").write_bytes(b"another card, not ours")
    return folder, files


def _v1_xml(files: dict[str, bytes]) -> str:
    def h(rel: str, data: bytes) -> str:
        x64 = xxhash.xxh64(data).hexdigest()
        if rel.endswith("clip1.mov"):
            value = f"<xxhash64>{xxh64_le_to_be(x64)}</xxhash64>"  # little-endian, as old tools wrote it
        elif rel.endswith("clip2.mov"):
            value = f"<xxhash64be>{x64}</xxhash64be><md5>{hash_bytes(data, HashAlgorithm.MD5)}</md5>"
        elif rel.endswith("notes.txt"):
            value = f"<xxhash>{xxhash.xxh32(data).intdigest():010d}</xxhash>"
        elif rel.endswith("sized.wav"):
            value = "<null/>"
        else:
            value = f"<sha1>{hash_bytes(data, HashAlgorithm.SHA1).upper()}</sha1>"
        name = rel.replace("/", "\\") if rel.endswith("notes.txt") else rel
        return (
            f"<hash><file>{name}</file><size>{len(data)}</size>"
            f"<lastmodificationdate>2012-12-14 16-54-27</lastmodificationdate>{value}"
            f"<hashdate>2012-12-14T17:01:02Z</hashdate></hash>"
        )

    body = "".join(h(rel, data) for rel, data in files.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<hashlist version="1.1"><creatorinfo><name>Old DIT</name>'
        "<username>dit</username><hostname>mac-pro</hostname><tool>ShotPut Pro 5</tool>"
        "<startdate>2012-12-14 16-54-27</startdate><finishdate>2012-12-14T17:02:00Z</finishdate>"
        f"</creatorinfo>{body}</hashlist>\n"
    )


def test_legacy_v1_read(tmp_path: Path) -> None:
    folder, files = _legacy_card(tmp_path)
    mhl = folder / "Shuttle_2012-12-14_165427.mhl"
    mhl.write_text(_v1_xml(files), "utf-8")
    manifest = read_legacy_mhl(mhl)
    assert manifest.version == "1.1" and manifest.creator.tool == "ShotPut Pro 5"
    assert manifest.creator.startdate == datetime(2012, 12, 14, 16, 54, 27)
    by_path = {e.relpath: e for e in manifest.entries}
    clip1 = by_path[b"A001/clip1.mov"]
    assert clip1.hashes[HashAlgorithm.XXH64] == xxhash.xxh64(files["A001/clip1.mov"]).hexdigest()
    assert clip1.xxh64_source is not None and "little-endian" in clip1.xxh64_source
    assert by_path[b"A001/sub/notes.txt"].xxh32 == xxhash.xxh32(b"notes\n").hexdigest()
    assert by_path[b"A001/sized.wav"].null and not by_path[b"A001/sized.wav"].hashes
    assert by_path[b"A001/empty.bin"].hashes[HashAlgorithm.SHA1] == hash_bytes(b"", HashAlgorithm.SHA1)
    assert clip1.mtime == datetime(2012, 12, 14, 16, 54, 27) and clip1.hashdate == datetime(
        2012, 12, 14, 17, 1, 2, tzinfo=UTC
    )


def test_legacy_v1_verify(tmp_path: Path) -> None:
    folder, files = _legacy_card(tmp_path)
    (folder / "Shuttle_2012-12-14_165427.mhl").write_text(_v1_xml(files), "utf-8")
    report = verify_legacy(folder)
    # a <null> entry compared no byte: size-only is never verified, so the report is not ok because of it alone
    assert [(e.display, e.status) for e in report.entries if e.status != VerifyStatus.VERIFIED] == [
        ("A001/sized.wav", VerifyStatus.SIZE_ONLY)
    ]
    assert not report.ok
    assert report.counts[VerifyStatus.VERIFIED] == 5 and report.counts[VerifyStatus.SIZE_ONLY] == 1
    flip_byte(folder / "A001" / "clip1.mov")
    flip_byte(folder / "A001" / "sub" / "notes.txt")
    (folder / "A001" / "clip2.mov").unlink()
    (folder / "A001" / "extra.mov").write_bytes(b"new")
    report = verify_legacy(folder)
    status = {e.relpath: e.status for e in report.entries}
    assert status[b"A001/clip1.mov"] == status[b"A001/sub/notes.txt"] == VerifyStatus.FAILED
    assert status[b"A001/clip2.mov"] == VerifyStatus.MISSING
    assert status[b"A001/extra.mov"] == VerifyStatus.UNRECORDED
    assert b"B007/other.mov" not in status  # beside the card, not part of it
    assert not report.ok


def test_legacy_rejects_v2_and_finds_nothing(tmp_path: Path, card: Path) -> None:
    with pytest.raises(MhlFormatError, match="not an MHL v1"):
        read_legacy_mhl(next((card / "ascmhl").glob("*.mhl")))
    with pytest.raises(MhlHistoryNotFoundError):
        verify_legacy(tmp_path)


@pytest.mark.parametrize("size", [0, 1, 3, 4, 15, 16, 17, 31, 32, 100, 4099])
def test_pure_python_xxh32_matches_xxhash(size: int) -> None:
    data = os.urandom(size)
    hasher = Xxh32()
    hasher.update(data[: size // 3])
    hasher.update(data[size // 3 :])
    assert hasher.hexdigest() == xxhash.xxh32(data).hexdigest()


def test_legacy_value_conversions() -> None:
    assert xxh32_text("0046947589") == "02cc5d05"  # XXH32(b"") decimal, zero-padded
    assert xxh32_text("46947589") == "02cc5d05"  # no a-f: decimal
    assert xxh32_text("02cc5d05") == "02cc5d05"  # hex digits: hex
    assert xxh64_le_to_be("99e9d85137db46ef") == "ef46db3751d8e999"
    assert parse_legacy_date("2012-12-14 16-54-27") == datetime(2012, 12, 14, 16, 54, 27)
    assert parse_legacy_date("2018-01-07T21:31:52Z") == datetime(2018, 1, 7, 21, 31, 52, tzinfo=UTC)
    assert parse_legacy_date("garbage") is None


_APPENDER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
sys.path.insert(0, {tests!r})
from support.mhl import CREATOR, hash_card
from pixm_desktop.mhl import write_generation
root = Path({root!r})
records = hash_card(root)
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # start together
for _ in range({n}):
    write_generation(root, records, process="in-place", creator=CREATOR, when=datetime.now(UTC))
"""


def test_two_processes_appending_to_one_history_never_share_a_generation_number(tmp_path):
    root = make_card(tmp_path)
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    n = 12
    code = _APPENDER.format(tests=str(Path(__file__).parent), root=str(root), n=n)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for p in procs:
        assert p.stdout.readline() == "ready\n"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        p.stdin.close()
        assert p.wait(timeout=120) == 0
        p.stdout.close()
    chain = read_chain(root / "ascmhl" / "ascmhl_chain.xml")
    assert [e.sequence for e in chain] == list(range(1, 2 * n + 2))
    manifests = sorted(p.name for p in (root / "ascmhl").glob("*.mhl"))
    assert [m[:4] for m in manifests] == [f"{i:04d}" for i in range(1, 2 * n + 2)]
    res = ref_verify(root)
    assert res.returncode == 0, res.stdout + res.stderr
