"""Records of an ASC MHL v2.0 history: files, folders, generations, the whole history, verify results.

Paths are raw bytes relative to a scope root with ``/`` separators, spelled exactly as the directory
listing returned them (docs/asc-mhl.md §Hash entries: no Unicode normalisation, the reference tool compares
raw strings).
Hash values are ASC MHL text forms (see :mod:`pixm_desktop.core.hashes`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from pixm_desktop.core.hashes import MHL_ORDER, HashAlgorithm

#: Ignore patterns every generation carries (docs/asc-mhl.md §Ignore list; gitignore syntax).
DEFAULT_IGNORES: tuple[str, ...] = (".DS_Store", "ascmhl", "ascmhl/")

ASCMHL_FOLDER = "ascmhl"
CHAIN_FILE = "ascmhl_chain.xml"
MHL_NAMESPACE = "urn:ASC:MHL:v2.0"
CHAIN_NAMESPACE = "urn:ASC:MHL:DIRECTORY:v2.0"
#: Generation file names the reference tool accepts (docs/asc-mhl.md §Generations).
GENERATION_NAME_RE = re.compile(r"^(\d{4,})(?:_(.+))?\.mhl$")


class Action(StrEnum):
    """``action`` attribute of a file hash (ASC MHL v2.0 XSD ``ActionAttributeType``)."""

    ORIGINAL = "original"
    VERIFIED = "verified"
    FAILED = "failed"


class Process(StrEnum):
    """``processinfo/process`` (ASC MHL v2.0 XSD ``ProcessType``)."""

    TRANSFER = "transfer"
    IN_PLACE = "in-place"
    FLATTEN = "flatten"


class VerifyStatus(StrEnum):
    """Outcome for one path of a verification."""

    VERIFIED = "verified"  # every recorded format matches
    FAILED = "failed"  # a hash or the size differs, or the file could not be read
    MISSING = "missing"  # recorded, not on disk
    UNRECORDED = "unrecorded"  # on disk, neither recorded nor ignored
    UNREPRESENTABLE = "unrepresentable"  # on disk, name not writable to XML (not UTF-8, control chars)
    SIZE_ONLY = "size-only"  # legacy MHL v1 ``<null>``: only the size could be compared (no byte compared)
    NOT_VERIFIABLE = "not-verifiable"  # recorded, but with no hash that can be computed (empty, unknown format)


_RANK = {a: i for i, a in enumerate(MHL_ORDER)}
_ACTIONS = {a.value: a for a in Action}


def _frozen_hashes(hashes: Mapping[HashAlgorithm | str, str]) -> Mapping[HashAlgorithm, str]:
    """Read-only ``{format: text}`` in MHL element order; raises ``ValueError`` for an unknown format."""
    last = -1
    for k in hashes:  # formats already in MHL order (one format always is): kept as they are
        if type(k) is not HashAlgorithm or _RANK[k] <= last:
            break
        last = _RANK[k]
    else:
        # a proxy is already one of ours (a record made from another record's hashes)
        return hashes if isinstance(hashes, MappingProxyType) else MappingProxyType(dict(hashes))
    as_enum = {k if type(k) is HashAlgorithm else HashAlgorithm(k): v for k, v in hashes.items()}
    return MappingProxyType({a: as_enum[a] for a in MHL_ORDER if a in as_enum})


def _action(value: object) -> Action:
    """``Action(value)`` by a plain lookup for the usual texts (an Enum call costs more than the rest of a
    record); raises ``ValueError`` for any other value."""
    try:
        return _ACTIONS[value]  # type: ignore[index]
    except (KeyError, TypeError):
        return Action(value)


@dataclass(frozen=True)
class MhlFileRecord:
    """One file's ``<hash>`` entry (ASC MHL v2.0 §5 ``HashType``).

    ``size`` is in bytes and ``mtime_ns`` in ns since the epoch; the reader sets them to ``None`` when the
    manifest left them out (the reference tool omits ``size`` for 0-byte files). ``hashes`` maps each format
    to its text form; ``hashdate`` is aware UTC.
    """

    relpath: bytes
    size: int | None
    mtime_ns: int | None
    hashes: Mapping[HashAlgorithm, str]
    action: str = Action.ORIGINAL
    hashdate: datetime | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.relpath, bytes):
            raise TypeError(f"relpath must be bytes, got {type(self.relpath).__name__}")
        object.__setattr__(self, "hashes", _frozen_hashes(self.hashes))
        if type(self.action) is not Action:  # the text of an action, or a bad value (ValueError)
            object.__setattr__(self, "action", _action(self.action))
        if self.hashdate is not None and self.hashdate.tzinfo is None:
            raise ValueError("hashdate must be timezone-aware")

    @property
    def display(self) -> str:
        return self.relpath.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class DirectoryHash:
    """A folder's content and structure hashes per format (ASC MHL v2.0 ``directoryhash`` / ``roothash``).

    ``relpath`` is ``b""`` for the scope root itself.
    """

    relpath: bytes
    content: Mapping[HashAlgorithm, str]
    structure: Mapping[HashAlgorithm, str]
    mtime_ns: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "content", _frozen_hashes(self.content))
        object.__setattr__(self, "structure", _frozen_hashes(self.structure))


@dataclass(frozen=True)
class CreatorInfo:
    """Who wrote a generation (ASC MHL v2.0 ``creatorinfo``). ``author_email`` is written only when it looks
    like an address (XSD ``EmailAddressAttributeType``)."""

    tool_name: str
    tool_version: str
    hostname: str
    author_name: str | None = None
    author_email: str | None = None
    author_role: str | None = None
    location: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class HashListReference:
    """``references/hashlistreference``: a nested history's manifest, path relative to the scope root."""

    path: str
    c4: str


@dataclass(frozen=True)
class GenerationInfo:
    """What :func:`write_generation` wrote.

    ``unrepresentable``: record paths left out because their name cannot be written to XML.
    ``ignored``: record paths left out because the ignore list matches them.
    ``unrecorded``: files found on disk with no record; they are missing from the directory hashes.
    ``failed``: paths written with ``action="failed"``.
    """

    path: Path
    generation: int
    c4: str
    unrepresentable: tuple[bytes, ...] = ()
    ignored: tuple[bytes, ...] = ()
    unrecorded: tuple[bytes, ...] = ()
    failed: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class MhlGeneration:
    """One manifest of a history (``ascmhl/NNNN_….mhl``) as read back."""

    number: int
    path: Path
    process: str
    creator: CreatorInfo
    created: datetime | None
    records: tuple[MhlFileRecord, ...]
    directories: tuple[DirectoryHash, ...]
    root_hash: DirectoryHash | None
    ignore_patterns: tuple[str, ...]
    references: tuple[HashListReference, ...] = ()
    chain_c4: str | None = None


@dataclass(frozen=True)
class MhlHistory:
    """All generations of one scope root, oldest first, plus nested histories in subfolders.

    ``children`` maps a subfolder's relpath (from this root) to the history living there: a file belongs to
    the closest history (docs/asc-mhl.md §Nested histories).
    """

    scope_root: Path
    generations: tuple[MhlGeneration, ...]
    children: Mapping[bytes, MhlHistory] = field(default_factory=dict)
    #: Read with a record sink (``reader.read_history(sink=…)``): the generations hold no file records, and
    #: asking this history about a path raises rather than answering "never recorded".
    records_spooled: bool = False
    _by_path: dict[bytes, list[MhlFileRecord]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_path: dict[bytes, list[MhlFileRecord]] = {}
        for gen in self.generations:
            for rec in gen.records:
                by_path.setdefault(rec.relpath, []).append(rec)
        object.__setattr__(self, "_by_path", by_path)
        object.__setattr__(self, "children", MappingProxyType(dict(self.children)))

    @property
    def ignore_patterns(self) -> tuple[str, ...]:
        """The latest generation's ignore list, always including :data:`DEFAULT_IGNORES`."""
        latest = self.generations[-1].ignore_patterns if self.generations else ()
        return merge_patterns(DEFAULT_IGNORES, latest)

    @property
    def last_number(self) -> int:
        return self.generations[-1].number if self.generations else 0

    def owner(self, relpath: bytes) -> tuple[MhlHistory, bytes]:
        """The closest history for ``relpath`` and the path relative to it."""
        for child_rel, child in self.children.items():
            prefix = child_rel + b"/"
            if relpath.startswith(prefix):
                return child.owner(relpath[len(prefix) :])
        return self, relpath

    def own_paths(self) -> set[bytes]:
        """Paths recorded in this history's own generations (relative to its root; no nested histories)."""
        self._check_records()
        return set(self._by_path)

    def _check_records(self) -> None:
        if self.records_spooled:
            raise RuntimeError("this history was read with a record sink: its records are in the sink")

    def records_for(self, relpath: bytes) -> tuple[MhlFileRecord, ...]:
        """Every record of ``relpath`` (delegating to nested histories), oldest first."""
        history, rel = self.owner(relpath)
        history._check_records()
        return tuple(history._by_path.get(rel, ()))

    def latest(self, relpath: bytes, *, include_failed: bool = False) -> MhlFileRecord | None:
        """The newest record of ``relpath`` that carries a trusted hash (``original`` or ``verified``).

        A ``failed`` record holds the hash of the damaged bytes, so it is skipped unless asked for.
        """
        for rec in reversed(self.records_for(relpath)):
            if include_failed or rec.action != Action.FAILED:
                return rec
        return None

    def expected_hashes(self, relpath: bytes) -> dict[HashAlgorithm, str]:
        """Per format, the newest trusted (``original``/``verified``) value recorded for ``relpath``."""
        out: dict[HashAlgorithm, str] = {}
        for rec in self.records_for(relpath):
            if rec.action != Action.FAILED:
                out.update(rec.hashes)
        return {a: out[a] for a in MHL_ORDER if a in out}

    def expected_size(self, relpath: bytes) -> int | None:
        """The newest recorded size of ``relpath`` (``None`` when never recorded)."""
        for rec in reversed(self.records_for(relpath)):
            if rec.size is not None and rec.action != Action.FAILED:
                return rec.size
        return None

    def has_original(self, relpath: bytes) -> bool:
        """True when some generation records ``relpath`` as ``original`` (how the reference tool finds files)."""
        return any(r.action == Action.ORIGINAL for r in self.records_for(relpath))

    def walk(self) -> list[tuple[bytes, MhlHistory]]:
        """``(relpath from this root, history)`` for this history and every nested one, deepest first."""
        out: list[tuple[bytes, MhlHistory]] = []
        for child_rel, child in self.children.items():
            for sub_rel, sub in child.walk():
                out.append((child_rel + b"/" + sub_rel if sub_rel else child_rel, sub))
        out.append((b"", self))
        return out


def merge_patterns(*lists: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Union of ignore lists, first occurrence wins the position (the list only grows)."""
    out: list[str] = []
    for patterns in lists:
        for p in patterns:
            if p and p not in out:
                out.append(p)
    return tuple(out)


@dataclass(frozen=True)
class VerifyEntry:
    """One path's verification result. ``expected`` / ``actual`` are text forms per format."""

    relpath: bytes
    status: VerifyStatus
    expected: Mapping[HashAlgorithm, str] = field(default_factory=dict)
    actual: Mapping[HashAlgorithm, str] = field(default_factory=dict)
    reason: str | None = None

    @property
    def display(self) -> str:
        return self.relpath.decode("utf-8", errors="replace")


#: Statuses that make a report fail: a size-only or hash-less entry compared no byte, so it is never verified.
_PROBLEMS = (
    VerifyStatus.FAILED,
    VerifyStatus.MISSING,
    VerifyStatus.UNRECORDED,
    VerifyStatus.SIZE_ONLY,
    VerifyStatus.NOT_VERIFIABLE,
)


@dataclass(frozen=True)
class VerifyReport:
    """Result of verifying a folder against its history (or a legacy MHL v1 file).

    ``ok`` is true when nothing failed, is missing, unrecorded, size-only or not verifiable. Unrepresentable names are listed but do
    not make the report fail: they can never be recorded, the caller decides how loud to be.
    ``generations`` lists what was written (the scope root's generation last); ``write_error`` says why a
    requested generation could not be written (e.g. read-only media) — the verdict stands regardless.
    """

    scope_root: Path
    entries: Sequence[VerifyEntry]  # sorted by path; a verify's are read from its spool as they are iterated
    generations: tuple[GenerationInfo, ...] = ()
    write_error: str | None = None

    @property
    def generation(self) -> GenerationInfo | None:
        """The generation written into the scope root's own history, if any."""
        return self.generations[-1] if self.generations else None

    @property
    def counts(self) -> dict[VerifyStatus, int]:
        out = {s: 0 for s in VerifyStatus}
        for e in self.entries:
            out[e.status] += 1
        return out

    @property
    def ok(self) -> bool:
        return not any(e.status in _PROBLEMS for e in self.entries)

    def with_status(self, status: VerifyStatus) -> tuple[VerifyEntry, ...]:
        return tuple(e for e in self.entries if e.status == status)

    @property
    def failed(self) -> tuple[VerifyEntry, ...]:
        return self.with_status(VerifyStatus.FAILED)

    @property
    def missing(self) -> tuple[VerifyEntry, ...]:
        return self.with_status(VerifyStatus.MISSING)

    @property
    def unrecorded(self) -> tuple[VerifyEntry, ...]:
        return self.with_status(VerifyStatus.UNRECORDED)

    @property
    def unrepresentable(self) -> tuple[VerifyEntry, ...]:
        return self.with_status(VerifyStatus.UNREPRESENTABLE)

    @property
    def verified(self) -> tuple[VerifyEntry, ...]:
        return self.with_status(VerifyStatus.VERIFIED)
