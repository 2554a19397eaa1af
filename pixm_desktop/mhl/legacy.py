"""Read and verify legacy MHL v1 files (``<hashlist version="1.x">``, no namespace; docs/asc-mhl.md
§Legacy MHL v1).

A v1 file sits beside the data (``<folder>_<YYYY-MM-DD>_<HHMMSS>.mhl``); each ``<hash>`` has ``file`` (relative
to the .mhl's folder, sometimes with ``\\``), ``size``, ``lastmodificationdate``, one or more of
``md5 | sha1 | xxhash | xxhash64 | xxhash64be | null`` and ``hashdate``.

- ``xxhash`` is XXH32 written as decimal (some tools write 8 hex digits);
- ``xxhash64`` is XXH64 with its bytes reversed (written little-endian by old tools; deprecated);
- ``xxhash64be`` is canonical XXH64, the same as ASC ``xxh64``;
- ``null`` means the tool recorded only the size.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from xml.etree import ElementTree as ET

from pixm_desktop.core.errors import MhlFormatError, MhlHistoryNotFoundError
from pixm_desktop.core.hashes import MHL_ORDER, HashAlgorithm

from ._xml import local_name, path_text
from .dirhash import scan_tree
from .ignore import IgnoreSpec
from .model import DEFAULT_IGNORES, VerifyEntry, VerifyReport, VerifyStatus
from .reader import MAX_MANIFEST_BYTES, open_bounded
from .verify import CHUNK_SIZE, HashFileFn, ProgressFn, path_problem, plain_hash_file

#: Where a legacy XXH64 value came from, for the UI to label the byte order.
XXH64_BIG_ENDIAN = "xxhash64be"
XXH64_LITTLE_ENDIAN = "xxhash64 (little-endian, byte order reversed)"

_V1_HASH_TAGS = ("md5", "sha1", "xxhash", "xxhash64", "xxhash64be", "null")


@dataclass(frozen=True)
class LegacyCreator:
    """``creatorinfo`` of an MHL v1 file. Dates are aware when the file gave a zone, naive otherwise."""

    name: str | None = None
    username: str | None = None
    hostname: str | None = None
    tool: str | None = None
    startdate: datetime | None = None
    finishdate: datetime | None = None
    log: str | None = None


@dataclass(frozen=True)
class LegacyEntry:
    """One ``<hash>`` of an MHL v1 file, hash values converted to canonical text forms.

    ``hashes`` holds md5/sha1 and xxh64 (from ``xxhash64be``, or ``xxhash64`` with its bytes reversed; see
    ``xxh64_source``); ``xxh32`` is XXH32 as 8 lowercase hex digits; ``raw`` keeps every value as written.
    """

    relpath: bytes
    size: int | None
    mtime: datetime | None
    hashdate: datetime | None
    hashes: Mapping[HashAlgorithm, str]
    xxh32: str | None = None
    xxh64_source: str | None = None
    null: bool = False
    raw: Mapping[str, str] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return self.relpath.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class LegacyManifest:
    path: Path
    version: str
    creator: LegacyCreator
    entries: tuple[LegacyEntry, ...]


# ---------------------------------------------------------------------------------------------- read


def read_legacy_mhl(path: Path) -> LegacyManifest:
    """Parse an MHL v1 file. Raises :class:`MhlFormatError` naming the file (bad XML, not v1, bad value)."""
    path = Path(path)
    try:
        with open_bounded(path, MAX_MANIFEST_BYTES) as fh:
            root = ET.parse(fh).getroot()
    except ET.ParseError as exc:
        raise MhlFormatError(f"{path.name} is not well-formed XML: {exc}", path=path) from None
    except OSError as exc:
        raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    version = root.get("version", "")
    if root.tag != "hashlist" or not version.startswith("1"):
        raise MhlFormatError(
            f"{path.name} is not an MHL v1 file (root {root.tag!r}, version {version!r})",
            hint="ASC MHL v2 histories live in an ascmhl folder; read them with read_history",
            path=path,
        )
    creator = LegacyCreator()
    entries = []
    for el in root:
        tag = local_name(el.tag)
        if tag == "creatorinfo":
            creator = _creator(el)
        elif tag == "hash":
            entries.append(_entry(el, path))
    return LegacyManifest(path=path, version=version, creator=creator, entries=tuple(entries))


def find_legacy_manifests(folder: Path) -> list[Path]:
    """MHL v1 files directly in ``folder``, by name (other ``.mhl`` files are skipped)."""
    out = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        is_mhl = entry.name.endswith(".mhl") and not entry.name.startswith("._") and entry.is_file()
        if is_mhl and _looks_v1(Path(entry.path)):
            out.append(Path(entry.path))
    return out


def _looks_v1(path: Path) -> bool:
    try:
        for _event, elem in ET.iterparse(path, events=("start",)):
            return elem.tag == "hashlist" and elem.get("version", "").startswith("1")
    except (ET.ParseError, OSError):
        return False
    return False


def _text(el: ET.Element) -> str:
    return (el.text or "").strip()


def _creator(el: ET.Element) -> LegacyCreator:
    values: dict[str, str] = {local_name(c.tag): _text(c) for c in el}
    return LegacyCreator(
        name=values.get("name") or None,
        username=values.get("username") or None,
        hostname=values.get("hostname") or None,
        tool=values.get("tool") or None,
        startdate=parse_legacy_date(values.get("startdate")),
        finishdate=parse_legacy_date(values.get("finishdate")),
        log=values.get("log") or None,
    )


def _entry(el: ET.Element, path: Path) -> LegacyEntry:
    raw: dict[str, str] = {}
    for child in el:
        raw[local_name(child.tag)] = _text(child)
    name = raw.get("file", "")
    if not name:
        raise MhlFormatError(f"{path.name}: <hash> without <file>", path=path)
    relpath = name.replace("\\", "/").removeprefix("./").encode("utf-8")
    size_text = raw.get("size")
    try:
        size = int(size_text) if size_text else None
        hashes, xxh32, source = _convert_hashes(raw)
    except ValueError as exc:
        raise MhlFormatError(f"{path.name}: bad value for {name!r}: {exc}", path=path) from None
    return LegacyEntry(
        relpath=relpath,
        size=size,
        mtime=parse_legacy_date(raw.get("lastmodificationdate")),
        hashdate=parse_legacy_date(raw.get("hashdate")),
        hashes=MappingProxyType(hashes),
        xxh32=xxh32,
        xxh64_source=source,
        null="null" in raw,
        raw=MappingProxyType({k: v for k, v in raw.items() if k in _V1_HASH_TAGS}),
    )


def _convert_hashes(raw: Mapping[str, str]) -> tuple[dict[HashAlgorithm, str], str | None, str | None]:
    """v1 values → canonical text forms. Raises ``ValueError`` for a malformed value."""
    hashes: dict[HashAlgorithm, str] = {}
    for tag, algorithm, length in (("md5", HashAlgorithm.MD5, 32), ("sha1", HashAlgorithm.SHA1, 40)):
        if raw.get(tag):
            hashes[algorithm] = _hex(raw[tag], length)
    source = None
    if raw.get("xxhash64be"):
        hashes[HashAlgorithm.XXH64], source = _hex(raw["xxhash64be"], 16), XXH64_BIG_ENDIAN
    elif raw.get("xxhash64"):
        hashes[HashAlgorithm.XXH64] = xxh64_le_to_be(raw["xxhash64"])
        source = XXH64_LITTLE_ENDIAN
    xxh32 = xxh32_text(raw["xxhash"]) if raw.get("xxhash") else None
    return {a: hashes[a] for a in MHL_ORDER if a in hashes}, xxh32, source


def _hex(text: str, length: int) -> str:
    value = text.strip().lower()
    if len(value) != length or re.fullmatch(r"[0-9a-f]+", value) is None:
        raise ValueError(f"expected {length} hex digits, got {text!r}")
    return value


def xxh64_le_to_be(text: str) -> str:
    """Legacy ``xxhash64`` (little-endian byte order) → canonical big-endian ``xxh64`` text."""
    return bytes.fromhex(_hex(text, 16))[::-1].hex()


def xxh32_text(value: str) -> str:
    """Legacy ``xxhash`` (XXH32 as decimal, or 8 hex digits when it holds a-f) → 8 lowercase hex digits."""
    text = value.strip().lower()
    number = int(text, 16) if re.search("[a-f]", text) else int(text, 10)
    if not 0 <= number <= 0xFFFFFFFF:
        raise ValueError(f"XXH32 value out of range: {value!r}")
    return f"{number:08x}"


_OLD_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[ T_](\d{2})[-:.](\d{2})[-:.](\d{2})(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_legacy_date(text: str | None) -> datetime | None:
    """ISO 8601 or the old ``2012-12-14 16-54-27`` form. Naive when the text has no zone (zone unknown)."""
    if not text:
        return None
    text = text.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _OLD_DATE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        value = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    zone = match.group(7)
    if zone:
        value = value.replace(tzinfo=_zone(zone))
    return value


def _zone(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


# ----------------------------------------------------------------------------------------------- XXH32

_P1, _P2, _P3, _P4, _P5 = 0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1
_M = 0xFFFFFFFF


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (32 - r))) & _M


class Xxh32:
    """Streaming XXH32 (seed 0) in pure Python: only for legacy ``xxhash`` entries, which nothing else covers.

    ``pixm_desktop.core.hashes`` has no XXH32 and this package may import only ``core`` and the stdlib;
    it runs at a few MB/s, acceptable for the rare v1 file that carries nothing else.
    """

    def __init__(self, seed: int = 0):
        self._v = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed & _M, (seed - _P1) & _M]
        self._seed = seed & _M
        self._buffer = b""
        self._length = 0

    def update(self, data: bytes | memoryview) -> None:
        data = self._buffer + bytes(data)
        self._length += len(data) - len(self._buffer)
        whole = len(data) - len(data) % 16
        v1, v2, v3, v4 = self._v
        for a, b, c, d in struct.iter_unpack("<4I", data[:whole]):
            v1 = (_rotl((v1 + a * _P2) & _M, 13) * _P1) & _M
            v2 = (_rotl((v2 + b * _P2) & _M, 13) * _P1) & _M
            v3 = (_rotl((v3 + c * _P2) & _M, 13) * _P1) & _M
            v4 = (_rotl((v4 + d * _P2) & _M, 13) * _P1) & _M
        self._v = [v1, v2, v3, v4]
        self._buffer = data[whole:]

    def intdigest(self) -> int:
        if self._length >= 16:
            v1, v2, v3, v4 = self._v
            h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
        else:
            h = (self._seed + _P5) & _M
        h = (h + self._length) & _M
        tail = self._buffer
        i = 0
        while i + 4 <= len(tail):
            (word,) = struct.unpack_from("<I", tail, i)
            h = (_rotl((h + word * _P3) & _M, 17) * _P4) & _M
            i += 4
        for byte in tail[i:]:
            h = (_rotl((h + byte * _P5) & _M, 11) * _P1) & _M
        h ^= h >> 15
        h = (h * _P2) & _M
        h ^= h >> 13
        h = (h * _P3) & _M
        h ^= h >> 16
        return h

    def hexdigest(self) -> str:
        return f"{self.intdigest():08x}"


def xxh32_file(path: Path) -> str:
    """XXH32 of a file as 8 hex digits. Raises ``OSError``."""
    hasher = Xxh32()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            hasher.update(chunk)
    return hasher.hexdigest()


# ---------------------------------------------------------------------------------------------- verify


@dataclass
class _Expected:
    size: int | None = None
    hashes: dict[HashAlgorithm, str] = field(default_factory=dict)
    xxh32: str | None = None
    null: bool = False
    raw: dict[str, str] = field(default_factory=dict)


def verify_legacy(
    folder: Path,
    *,
    manifest: Path | None = None,
    hash_file: HashFileFn | None = None,
    progress: ProgressFn | None = None,
    check_unrecorded: bool = True,
) -> VerifyReport:
    """Verify the files beside MHL v1 file(s) (paths relative to ``folder``, where the .mhl lies).

    ``manifest`` picks one file; by default every v1 .mhl directly in ``folder`` is used (a later file wins
    for a path listed twice). Each file is checked in every md5/sha1/xxh64 value it has; XXH32 is computed
    only when it is the sole hash; ``<null>`` entries compare the size only (``size-only``). Unrecorded files
    are looked for only under the top-level names the manifest uses, since a v1 file often sits beside
    other cards. Never raises for a mismatch; raises :class:`MhlHistoryNotFoundError` when no v1 file is
    found and :class:`MhlFormatError` for an unreadable one. The report writes no generation.
    """
    folder = Path(folder)
    paths = [Path(manifest)] if manifest is not None else find_legacy_manifests(folder)
    if not paths:
        raise MhlHistoryNotFoundError(f"no MHL v1 file in {folder}", path=folder)
    expected = _merge(read_legacy_mhl(p) for p in paths)
    hash_file = hash_file or plain_hash_file
    entries = []
    for rel, exp in sorted(expected.items()):
        entry, hashed = _check_legacy(folder, rel, exp, hash_file)
        entries.append(entry)
        if progress is not None and hashed:
            progress(hashed)
    if check_unrecorded:
        entries += _legacy_unrecorded(folder, set(expected))
    entries.sort(key=lambda e: e.relpath)
    return VerifyReport(scope_root=folder, entries=tuple(entries))


def _merge(manifests: Iterable[LegacyManifest]) -> dict[bytes, _Expected]:
    out: dict[bytes, _Expected] = {}
    for m in manifests:
        for e in m.entries:
            exp = out.setdefault(e.relpath, _Expected())
            exp.size = e.size if e.size is not None else exp.size
            exp.hashes.update(e.hashes)
            exp.xxh32 = e.xxh32 or exp.xxh32
            exp.null = exp.null or e.null
            exp.raw.update(e.raw)
    return out


def _check_legacy(folder: Path, rel: bytes, exp: _Expected, hash_file: HashFileFn) -> tuple[VerifyEntry, int]:
    if rel.startswith(b"/") or b".." in rel.split(b"/") or re.match(rb"^[A-Za-z]:", rel):
        return VerifyEntry(rel, VerifyStatus.FAILED, exp.hashes, reason="path leaves the folder"), 0
    path = folder / os.fsdecode(rel)
    try:
        st = os.lstat(path)
    except OSError:
        reason = path_problem(folder, rel)
        if reason is not None:
            return VerifyEntry(rel, VerifyStatus.FAILED, exp.hashes, reason=reason), 0
        return VerifyEntry(rel, VerifyStatus.MISSING, exp.hashes, reason="not on disk"), 0
    if (reason := path_problem(folder, rel)) is not None:
        return VerifyEntry(rel, VerifyStatus.FAILED, exp.hashes, reason=reason), 0
    if not exp.hashes and exp.xxh32 is None:
        return _without_hash(rel, exp, st.st_size), 0
    try:
        size = st.st_size
        actual = hash_file(path, list(exp.hashes)) if exp.hashes else {}
        xxh32 = xxh32_file(path) if exp.xxh32 and not exp.hashes else None
    except OSError as exc:
        return VerifyEntry(
            rel, VerifyStatus.FAILED, exp.hashes, reason=f"cannot read: {exc.strerror or exc}"
        ), 0
    problems = [a.value for a in exp.hashes if exp.hashes[a] != actual.get(a)]
    if xxh32 is not None and xxh32 != exp.xxh32:
        problems.append(f"xxhash (XXH32) expected {exp.xxh32}, found {xxh32}")
    if exp.size is not None and exp.size != size:
        problems.insert(0, f"size {size} bytes, recorded {exp.size}")
    hashed = size if (exp.hashes or xxh32) else 0
    if problems:
        return VerifyEntry(
            rel, VerifyStatus.FAILED, exp.hashes, actual, "mismatch: " + "; ".join(problems)
        ), hashed
    return VerifyEntry(rel, VerifyStatus.VERIFIED, exp.hashes, actual), hashed


def _without_hash(rel: bytes, exp: _Expected, size: int) -> VerifyEntry:
    """An entry with no hash PIXM can compute: never verified. ``<null>`` with a size compares the size
    (``size-only``, or ``failed`` when it differs); anything else (an empty ``<md5>``, only an unknown
    format, no size) is ``not-verifiable``."""
    if exp.null and exp.size is not None:
        if exp.size != size:
            return VerifyEntry(rel, VerifyStatus.FAILED, reason=f"mismatch: size {size} bytes, recorded {exp.size}")
        return VerifyEntry(rel, VerifyStatus.SIZE_ONLY,
                           reason="the MHL v1 file holds no hash (<null>): only the size matched, no byte compared")
    raw = ", ".join(f"<{k}>{v}</{k}>" if v else f"empty <{k}>" for k, v in exp.raw.items()) or "no known hash"
    return VerifyEntry(rel, VerifyStatus.NOT_VERIFIABLE,
                       reason=f"the MHL v1 file holds no hash PIXM can compare ({raw}): no byte was checked")


def _legacy_unrecorded(folder: Path, recorded: set[bytes]) -> list[VerifyEntry]:
    """Files under the manifest's top-level names that it does not list (default ignores and .mhl skipped)."""
    tops = {rel.split(b"/", 1)[0] for rel in recorded if b"/" in rel}
    top_files = any(b"/" not in rel for rel in recorded)
    spec = IgnoreSpec([*DEFAULT_IGNORES, "/*.mhl"])

    def ignored(rel: bytes, is_dir: bool) -> bool:
        first = rel.split(b"/", 1)[0]
        in_scope = first in tops if (b"/" in rel or is_dir) else top_files
        return not in_scope or spec.matches(rel, is_dir=is_dir)

    out = []
    for rel in scan_tree(folder, ignored).iter_files():
        if rel in recorded:
            continue
        if path_text(rel) is None:
            out.append(VerifyEntry(rel, VerifyStatus.UNREPRESENTABLE, reason="name is not valid UTF-8"))
        else:
            out.append(VerifyEntry(rel, VerifyStatus.UNRECORDED, reason="not in the MHL v1 file"))
    return out
