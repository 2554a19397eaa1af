"""Verify a folder against its ASC MHL v2.0 history and record the result as an ``in-place`` generation.

What the reference tool does (``ascmhl verify`` for the verdict, ``ascmhl create`` for what it writes):
every recorded file is re-hashed and compared; recorded files not on disk are *missing*; files on disk that
are neither recorded nor ignored are *unrecorded*. The new generation records ``verified`` or ``failed``
per file (a failed entry carries the hash actually found), unrecorded files as ``original``, and directory
hashes of the tree as it is now. Missing files are simply absent from it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pixm_desktop.core.errors import MhlError
from pixm_desktop.core.hashes import DEFAULT_ALGORITHM, MHL_ORDER, HashAlgorithm, MultiHasher

from ._xml import path_text
from .dirhash import Folder, compute_directory_hashes, scan_tree
from .model import (
    Action,
    CreatorInfo,
    GenerationInfo,
    HashListReference,
    MhlFileRecord,
    MhlHistory,
    Process,
    VerifyEntry,
    VerifyReport,
    VerifyStatus,
)
from .reader import read_history
from .spool import VerifySpool
from .writer import append_generation, common_formats, make_ignore_fn

#: ``hash_file(path, formats) -> {format: text form}``; injected so callers can bypass the page cache.
HashFileFn = Callable[[Path, Sequence[HashAlgorithm]], dict[HashAlgorithm, str]]
#: Called after each file with the number of bytes just hashed (an increment, not a running total).
ProgressFn = Callable[[int], None]

CHUNK_SIZE = 1024 * 1024


def plain_hash_file(path: Path, formats: Sequence[HashAlgorithm]) -> dict[HashAlgorithm, str]:
    """Hash ``path`` in 1 MiB chunks, all ``formats`` from one read. Raises ``OSError``."""
    hasher = MultiHasher(formats)
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            hasher.update(chunk)
    return hasher.hexdigests()


@dataclass
class _Outcome:
    """One file on disk after hashing: its report entry and, if it is to be written, its new record."""

    entry: VerifyEntry
    record: MhlFileRecord | None
    hashes: dict[HashAlgorithm, str]
    hashed_bytes: int = 0


def verify_history(
    scope_root: Path,
    *,
    creator: CreatorInfo,
    when: datetime,
    write: bool = True,
    hash_file: HashFileFn | None = None,
    progress: ProgressFn | None = None,
    record_new: bool = True,
) -> VerifyReport:
    """Re-hash every recorded file under ``scope_root`` and compare with the newest trusted record.

    Each file is compared in every format recorded for it (hex case-insensitively); a size that differs
    from the recorded one also fails it, as does a read error. Names that cannot be written to XML are
    reported as ``unrepresentable``, never as unrecorded. With ``write``, an ``in-place`` generation is
    appended to each history (nested ones first) with the results; ``record_new`` adds unrecorded files to
    it as ``original`` (what ``ascmhl create`` does).

    Never raises for a mismatch. Raises :class:`MhlHistoryNotFoundError`, :class:`MhlChainError`,
    :class:`MhlFormatError` when the history itself cannot be trusted and ``OSError`` when a folder cannot
    be listed. A generation that cannot be written is reported in ``VerifyReport.write_error``.
    """
    scope_root = Path(scope_root)
    if when.tzinfo is None:
        raise ValueError("`when` must be a timezone-aware datetime")  # before hours of hashing, not after
    spool = VerifySpool()  # the history's records and each file's outcome: on disk, not in memory
    try:
        history = read_history(scope_root, sink=spool.add_record)
        hash_file = hash_file or plain_hash_file
        ignored = make_ignore_fn(history)
        tree = scan_tree(scope_root, ignored)
        dir_formats = _directory_formats(history, spool) if write else ()

        for rel in tree.iter_files():
            owner = _owner_prefix(history, rel)
            outcome = _check_file(scope_root, rel, spool.expected(owner, rel), hash_file, dir_formats,
                                  write and record_new)
            spool.add_entry(outcome.entry)
            spool.add_disk(rel, owner, outcome.hashes, outcome.record)
            if progress is not None and outcome.hashes:
                progress(outcome.hashed_bytes)
        for entry in _missing(scope_root, history, spool, ignored):
            spool.add_entry(entry)

        written: list[GenerationInfo] = []
        write_error = None
        if write:
            try:
                _write_results(history, tree, spool, dir_formats, creator, when, written)
            except (OSError, MhlError) as exc:
                # The hashing is done and the verdict stands; losing it to a read-only drive would be worse.
                write_error = str(exc)
        return VerifyReport(scope_root, spool.entries(), tuple(written), write_error)
    except BaseException:
        spool.close()
        raise


def _owner_prefix(history: MhlHistory, rel: bytes) -> bytes:
    """The scope path of the closest history holding ``rel`` (``b""`` for the root's own)."""
    inner = history.owner(rel)[1]
    return rel[: len(rel) - len(inner) - 1] if len(inner) < len(rel) else b""


# ---------------------------------------------------------------------------------------------- files


def _check_file(
    scope_root: Path,
    rel: bytes,
    recorded: tuple[dict[HashAlgorithm, str], int | None],
    hash_file: HashFileFn,
    dir_formats: Sequence[HashAlgorithm],
    record_new: bool,
) -> _Outcome:
    """``recorded``: the newest trusted hashes and size the history holds for ``rel``."""
    if path_text(rel) is None:
        reason = "name is not valid UTF-8 or holds characters XML cannot carry"
        return _Outcome(VerifyEntry(rel, VerifyStatus.UNREPRESENTABLE, reason=reason), None, {})
    expected, want_size = recorded
    if not expected:
        return _new_file(scope_root, rel, hash_file, dir_formats if record_new else ())
    usable = {a: v for a, v in expected.items() if v}
    if not usable:
        reason = "recorded without a hash value that can be compared: no byte was checked"
        return _Outcome(VerifyEntry(rel, VerifyStatus.NOT_VERIFIABLE, expected, reason=reason), None, {})
    expected = usable
    formats = [a for a in MHL_ORDER if a in expected or a in dir_formats]
    path = scope_root / os.fsdecode(rel)
    try:
        st = os.lstat(path)
        not_copy = not_a_copy(st)
        if not_copy is None:
            actual = hash_file(path, formats)
            after = os.lstat(path)
            if (after.st_dev, after.st_ino, after.st_size) != (st.st_dev, st.st_ino, st.st_size):
                not_copy = "replaced or changed while it was read"
    except OSError as exc:
        not_copy = f"cannot read: {exc.strerror or exc}"
    if not_copy is not None:
        return _Outcome(VerifyEntry(rel, VerifyStatus.FAILED, expected, {}, reason=not_copy), None, {})
    hashdate = datetime.now(UTC)
    mismatched = [a for a in expected if not _same(a, expected[a], actual.get(a, ""))]
    reason = None
    if mismatched:
        reason = "hash mismatch: " + ", ".join(a.value for a in mismatched)
    if want_size is not None and want_size != st.st_size:
        reason = f"size {st.st_size} bytes, recorded {want_size}" + (f"; {reason}" if reason else "")
    status = VerifyStatus.FAILED if reason else VerifyStatus.VERIFIED
    # A failed file records only the formats it was checked in (reference tool: no new formats on failure).
    kept = {a: v for a, v in actual.items() if a in expected or status == VerifyStatus.VERIFIED}
    record = MhlFileRecord(
        rel,
        st.st_size,
        st.st_mtime_ns,
        kept,
        action=Action.VERIFIED if status == VerifyStatus.VERIFIED else Action.FAILED,
        hashdate=hashdate,
    )
    entry = VerifyEntry(rel, status, expected, {a: actual[a] for a in expected if a in actual}, reason)
    return _Outcome(entry, record, actual, st.st_size)


def _new_file(
    scope_root: Path, rel: bytes, hash_file: HashFileFn, formats: Sequence[HashAlgorithm]
) -> _Outcome:
    """An unrecorded file: hashed only when it is to be recorded (``original``) in the new generation."""
    if not formats:
        return _Outcome(VerifyEntry(rel, VerifyStatus.UNRECORDED, reason="not in the history"), None, {})
    path = scope_root / os.fsdecode(rel)
    try:
        st = os.lstat(path)
        if (what := not_a_copy(st)) is not None:
            return _Outcome(VerifyEntry(rel, VerifyStatus.UNRECORDED, reason=f"not in the history; {what}"), None, {})
        actual = hash_file(path, formats)
    except OSError as exc:
        reason = f"not in the history; cannot read: {exc.strerror or exc}"
        return _Outcome(VerifyEntry(rel, VerifyStatus.UNRECORDED, reason=reason), None, {})
    record = MhlFileRecord(rel, st.st_size, st.st_mtime_ns, actual, Action.ORIGINAL, datetime.now(UTC))
    entry = VerifyEntry(rel, VerifyStatus.UNRECORDED, {}, actual, reason="not in the history")
    return _Outcome(entry, record, actual, st.st_size)


def not_a_copy(st: os.stat_result) -> str | None:
    """Why an ``lstat`` result cannot be a copy of a recorded file, or ``None`` for a regular file."""
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISLNK(st.st_mode):
        return "a symbolic link is not a copy"
    if stat.S_ISDIR(st.st_mode):
        return "a folder is where a recorded file should be"
    return "a special file (FIFO, socket or device) is not a copy"


def path_problem(scope_root: Path, rel: bytes) -> str | None:
    """Why recorded path ``rel`` under ``scope_root`` is not a copy (a link or file on the way, a link, a
    folder or a special file at the end), or ``None`` for a regular file or nothing at all."""
    current = os.fsencode(scope_root)
    parts = rel.split(b"/")
    for i, part in enumerate(parts):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except OSError:
            return None
        if i < len(parts) - 1 and not stat.S_ISDIR(st.st_mode):
            where = b"/".join(parts[: i + 1]).decode("utf-8", "replace")
            kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a folder"
            return f"reached through {where}, which is {kind}: not a copy"
    return not_a_copy(st)


def _same(algorithm: HashAlgorithm, expected: str, actual: str) -> bool:
    return expected == actual if algorithm == HashAlgorithm.C4 else expected.lower() == actual.lower()


def _missing(
    scope_root: Path, history: MhlHistory, spool: VerifySpool, ignored: Callable[[bytes, bool], bool]
) -> Iterator[VerifyEntry]:
    """Recorded paths (every history) not found as files, unless the ignore list now covers them."""
    for _hist, rel in spool.missing():
        if not ignored(rel, False):
            expected, _ = spool.expected(_owner_prefix(history, rel), rel)
            problem = path_problem(scope_root, rel)
            if problem is None:
                yield VerifyEntry(rel, VerifyStatus.MISSING, expected, reason="not on disk")
            else:
                yield VerifyEntry(rel, VerifyStatus.FAILED, expected, reason=problem)


def _directory_formats(history: MhlHistory, spool: VerifySpool) -> tuple[HashAlgorithm, ...]:
    """Formats for the new directory hashes: the newest root hash's, else those every record shares."""
    for gen in reversed(history.generations):
        if gen.root_hash is not None and gen.root_hash.content:
            return tuple(gen.root_hash.content)
    shared = common_formats(spool.formats_of(b""))
    return shared or (DEFAULT_ALGORITHM,)


# ---------------------------------------------------------------------------------------------- write


def _write_results(
    history: MhlHistory,
    tree: Folder,
    spool: VerifySpool,
    dir_formats: Sequence[HashAlgorithm],
    creator: CreatorInfo,
    when: datetime,
    written_out: list[GenerationInfo],
) -> None:
    """One ``in-place`` generation per history, nested ones first so parents can reference them.

    Appends each written generation to ``written_out`` as it goes (so a later failure keeps the earlier ones).
    """
    dir_hashes = compute_directory_hashes(tree, spool.file_hashes(), dir_formats)
    folders = {f.relpath: f for f in tree.iter_folders()}
    written: dict[bytes, GenerationInfo] = {}
    for prefix, sub in history.walk():
        node = folders.get(prefix)
        if node is None:
            continue  # the nested history's folder is gone or ignored: its files are reported missing
        info = append_generation(
            sub,
            node=node,
            records=spool.records(prefix),
            dir_hashes=dir_hashes,
            patterns=sub.ignore_patterns,
            process=Process.IN_PLACE,
            creator=creator,
            when=when,
            references=_child_references(prefix, sub, written),
            prefix=prefix,
        )
        written[prefix] = info
        written_out.append(info)


def _child_references(
    prefix: bytes, sub: MhlHistory, written: Mapping[bytes, GenerationInfo]
) -> list[HashListReference]:
    """References from ``sub`` to the generations just written into its direct nested histories."""
    refs = []
    for child_rel in sub.children:
        full = prefix + b"/" + child_rel if prefix else child_rel
        info = written.get(full)
        if info is not None:
            refs.append(HashListReference(f"{child_rel.decode('utf-8')}/ascmhl/{info.path.name}", info.c4))
    return refs
