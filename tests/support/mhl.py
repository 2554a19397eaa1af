"""ASC MHL in the tests: the reference tool (``ascmhl``, ``ascmhl-debug`` from this venv), generations,
manifest hashes, an independent C4, and the small card the MHL tests hash (formerly in test_offload_e2e and
test_mhl)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.mhl import Action, CreatorInfo, MhlFileRecord
from pixm_desktop.mhl.verify import plain_hash_file

BIN = Path(sys.executable).parent
ASCMHL = BIN / "ascmhl"
ASCMHL_DEBUG = BIN / "ascmhl-debug"
XSD = Path(__file__).parents[1] / "data" / "mhl" / "ASCMHL.xsd"
MHL_NS = "{urn:ASC:MHL:v2.0}"
_GENERATION = re.compile(r"^\d{4,}_.+\.mhl$")
CREATOR = CreatorInfo(
    tool_name="pixm-desktop",
    tool_version="0.1.0",
    hostname="cart-01",
    author_name="Dana Loader",
    author_email="dana@example.com",
    author_role="DIT",
    location="Stage 5",
    comment="Day 01 A-cam",
)
WHEN = datetime(2026, 11, 23, 18, 15, 0, tzinfo=UTC)
NFC = unicodedata.normalize("NFC", "Café Crème.txt")
NFD = unicodedata.normalize("NFD", "Café Crème.txt")
LONG = "é" * 100 + "_long_name.mov"  # 214 bytes in UTF-8


def ascmhl_verify(*roots: Path, flags: tuple[tuple[str, ...], ...] = ((), ("-dh",))) -> dict:
    """Run ``ascmhl-debug verify [flags] ROOT`` for every root × flags in parallel: ``{(root, flags): (rc, output)}``."""
    procs = {(root, f): subprocess.Popen([ASCMHL_DEBUG, "verify", *f, root], stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
             for root in roots for f in flags}
    return {key: (p.wait(timeout=300), p.stdout.read()) for key, p in procs.items()}


def assert_ascmhl_clean(*roots: Path) -> None:
    """The reference tool finds every file, every hash and every directory hash as recorded, and says nothing."""
    results = ascmhl_verify(*roots)
    bad = {k: v for k, v in results.items() if v != (0, "")}
    assert not bad, f"ascmhl-debug verify is not clean: {bad}"


def generations(card_folder: Path) -> list[str]:
    folder = card_folder / "ascmhl"
    return sorted(n for n in os.listdir(folder) if _GENERATION.match(n)) if folder.is_dir() else []


def manifest_hashes(manifest: Path) -> dict[str, list[tuple[str, str, str]]]:
    """``{path: [(format, value, action), …]}`` in element order, from one ASC MHL manifest."""
    out = {}
    for h in ET.parse(manifest).getroot().iter(f"{MHL_NS}hash"):
        path = h.find(f"{MHL_NS}path").text
        out[path] = [(el.tag.removeprefix(MHL_NS), el.text, el.get("action"))
                     for el in h if el.tag.removeprefix(MHL_NS) in ("c4", "md5", "sha1", "xxh128", "xxh3", "xxh64")]
    return out


def c4_id(data: bytes) -> str:
    """SMPTE ST 2114 C4 ID, written here independently of the product code."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n, digits = int.from_bytes(hashlib.sha512(data).digest(), "big"), ""
    while n:
        n, r = divmod(n, 58)
        digits = alphabet[r] + digits
    return "c4" + digits.rjust(88, "1")


def ref(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the reference tool (``ascmhl`` / ``ascmhl-debug`` from this venv)."""
    cmd = [str(BIN / str(args[0])), *map(str, args[1:])]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def ref_verify(root: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return ref("ascmhl-debug", "verify", *flags, root)


def make_card(base: Path, name: str = "A002R2EC") -> Path:
    """A small camera card: nested folders, an empty folder, a 0-byte file, awkward names."""
    root = base / name
    (root / "Clips" / "Sub Folder").mkdir(parents=True)
    (root / "Empty").mkdir()
    (root / "Clips" / "A002C006_141024_R2EC.mov").write_bytes(os.urandom(3000) + b"clip")
    (root / "Clips" / "Sub Folder" / "R&D notes & more.txt").write_bytes(b"ampersands\n")
    (root / "Clips" / "zero.bin").write_bytes(b"")
    (root / NFC).write_bytes(b"composed\n")
    (root / NFD).write_bytes(b"decomposed\n")
    (root / LONG).write_bytes(b"long name\n")
    (root / "A002R2EC.ale").write_bytes(b"Heading\n")
    return root


def card_files(root: Path) -> list[bytes]:
    """Every file under ``root`` as raw relpaths, the ascmhl folder left out."""
    out = []
    base = os.fsencode(root)
    for dirpath, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d != b"ascmhl"]
        for f in files:
            out.append(os.path.relpath(os.path.join(dirpath, f), base).replace(os.sep.encode(), b"/"))
    return sorted(out)


def hash_card(
    root: Path, formats=(HashAlgorithm.XXH64,), action: str = Action.ORIGINAL
) -> list[MhlFileRecord]:
    records = []
    for rel in card_files(root):
        path = root / os.fsdecode(rel)
        st = path.stat()
        hashes = plain_hash_file(path, formats)
        records.append(MhlFileRecord(rel, st.st_size, st.st_mtime_ns, hashes, action, WHEN))
    return records
