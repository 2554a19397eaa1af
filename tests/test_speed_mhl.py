"""Large histories without holding them: the manifest is written entry by entry (same bytes as the whole
document), a verify keeps its expected hashes and per-file outcomes in a spool, and finds exactly what it
found when it held them."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

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
from pixm_desktop.mhl._xml import serialize
from pixm_desktop.mhl.writer import _manifest_chunks, _manifest_element
from support.mhl import CREATOR, WHEN, generations

X64 = HashAlgorithm.XXH64


def _items():
    odd = ["a&b <c>.mov", 'quote"s\'.wav', "tab\there.txt", "é" * 40 + ".mxf", " lead space"]
    items = []
    for i, name in enumerate(odd):
        hashes = {X64: f"{i:016x}", HashAlgorithm.MD5: f"{i:032x}"}
        when = datetime(2026, 12, 1, 10, 0, i, 123456, tzinfo=UTC)
        items.append(("hash", MhlFileRecord(f"A001/{name}".encode(), i * 1000, 10**18 + i, hashes,
                                            action=Action.VERIFIED if i % 2 else Action.FAILED, hashdate=when)))
    items.append(("hash", MhlFileRecord(b"A001/no-size-no-date.bin", None, None, {X64: "f" * 16})))
    items.append(("dir", DirectoryHash(b"A001", {X64: "1" * 16}, {X64: "2" * 16}, mtime_ns=10**18)))
    return items


@pytest.mark.parametrize("count", [0, 1, 7])
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
