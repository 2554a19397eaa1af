"""Write ASC MHL v2.0 generations and keep ``ascmhl_chain.xml`` in step.

A generation is written once and never modified (docs/asc-mhl.md §Generations):
``ascmhl/NNNN_<scope>_<date>_<time>Z.mhl`` with N = last + 1. The whole append runs under the history's own lock file (:mod:`.lock`): check the chain,
take the number, write the manifest under a temp name, fsync, read it back, move it into place (never
overwriting), then replace the chain atomically (temp file + fsync + rename + folder fsync).
"""

from __future__ import annotations

import bisect
import logging
import os
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from pixm_desktop.core.errors import MhlChainError, MhlWriteError
from pixm_desktop.core.hashes import (
    DEFAULT_ALGORITHM,
    MHL_ORDER,
    HashAlgorithm,
    c4_decode,
    new_hasher,
    text_form,
)

from ._xml import (
    fsync_dir,
    is_lower_hex,
    iso_datetime,
    iso_datetime_us,
    iso_from_ns,
    path_text,
    replace_file,
    serialize,
    valid_email,
    xml_safe,
)
from .dirhash import Folder, IgnoreFn, compute_directory_hashes, name_of, scan_tree
from .ignore import IgnoreSpec
from .lock import HistoryLock
from .model import (
    ASCMHL_FOLDER,
    CHAIN_FILE,
    CHAIN_NAMESPACE,
    DEFAULT_IGNORES,
    GENERATION_NAME_RE,
    MHL_NAMESPACE,
    Action,
    CreatorInfo,
    DirectoryHash,
    GenerationInfo,
    HashListReference,
    MhlFileRecord,
    MhlHistory,
    Process,
    merge_patterns,
)
from .reader import (
    MAX_CHAIN_BYTES,
    ChainEntry,
    check_chain,
    check_history_folder,
    generation_files,
    hash_history_file,
    load_history,
    read_bounded,
    read_chain,
)

log = logging.getLogger(__name__)

_HEX_LENGTH = {
    HashAlgorithm.MD5: 32,
    HashAlgorithm.SHA1: 40,
    HashAlgorithm.XXH128: 32,
    HashAlgorithm.XXH3: 16,
    HashAlgorithm.XXH64: 16,
}


# --------------------------------------------------------------------------------------------- public


def write_generation(
    scope_root: Path,
    records: Sequence[MhlFileRecord],
    *,
    process: str = Process.TRANSFER,
    creator: CreatorInfo,
    when: datetime,
    ignore: Sequence[str] = (),
) -> GenerationInfo:
    """Append one generation for ``records`` (paths relative to ``scope_root``) and update the chain.

    Directory hashes (content + structure, in every format all records share) are computed for the folder
    tree found on disk under ``scope_root`` (ignored names skipped, file hashes taken from ``records``); the
    root's pair goes to ``processinfo/roothash``. Files on disk without a record are returned in
    ``unrecorded``, and the folders holding them get no directory hash (it could not match the disk).
    The ignore list is the union of :data:`DEFAULT_IGNORES`, the previous generation's list and ``ignore``.
    Names that cannot be written to XML are left out and returned in ``unrepresentable``.

    As the reference tool does, an ``original`` record of a path the history already holds is written as
    ``verified`` when the formats both share match, ``failed`` when one differs. Records under a nested
    history (a subfolder with its own ``ascmhl/``) stay in that history: the parent lists the subfolder as a
    ``directoryhash`` and references its newest manifest.

    The whole append — reading the history, numbering, writing the manifest, rewriting the chain — runs
    under the history's own lock (:class:`~pixm_desktop.mhl.lock.HistoryLock` in ``ascmhl/``), so writers in
    other processes, accounts or machines sharing the drive never interleave.

    Raises ``ValueError`` (bad record, naive ``when``), :class:`MhlChainError` / :class:`MhlFormatError`
    (the existing history is damaged, or ``ascmhl`` is a symbolic link), :class:`MhlLockError` (another
    writer held the history too long), :class:`MhlWriteError` (read-back mismatch) and ``OSError``.
    """
    scope_root = Path(scope_root)
    _check_when(when)
    process = Process(process)
    seen: set[bytes] = set()
    for rec in records:  # before anything is created on the drive
        _check_record(rec)
        if rec.relpath in seen:
            raise ValueError(f"two records for {rec.display!r}")
        seen.add(rec.relpath)
    with HistoryLock(ensure_history_folder(scope_root)) as lock:
        recover_interrupted_append(lock)
        return _write_locked(scope_root, records, process, creator, when, ignore, lock)


def _write_locked(
    scope_root: Path,
    records: Sequence[MhlFileRecord],
    process: Process,
    creator: CreatorInfo,
    when: datetime,
    ignore: Sequence[str],
    lock: HistoryLock,
) -> GenerationInfo:
    history = load_history(scope_root)
    patterns = merge_patterns(DEFAULT_IGNORES, history.ignore_patterns, tuple(ignore))
    ignored = make_ignore_fn(history, patterns)
    tree = scan_tree(scope_root, ignored)

    split = _partition(history, records, ignored)
    all_hashes = {rel: rec.hashes for rel, rec in {**split.own, **split.nested}.items()}
    # Files recorded by earlier generations and not repeated here still count for folder and root hashes,
    # so a generation that adds a few files keeps a complete roothash.
    known = {rel: rec.hashes for rel in history.own_paths()
             if rel not in all_hashes and (rec := history.latest(rel)) is not None}
    tree_hashes = {**known, **all_hashes}
    formats = common_formats(tree_hashes.values()) if tree_hashes else previous_root_formats(history)
    dir_hashes = compute_directory_hashes(tree, tree_hashes, formats)
    recorded = set(tree_hashes)
    unrecorded = tuple(rel for rel in tree.iter_files() if rel not in recorded and path_text(rel) is not None)
    references = [
        _latest_reference(rel, child) for rel, child in history.children.items() if child.generations
    ]

    info = append_generation(
        history,
        node=tree,
        records=split.own,
        dir_hashes=dir_hashes,
        patterns=patterns,
        process=process,
        creator=creator,
        when=when,
        references=references,
        lock=lock,
    )
    failed = tuple(rel for rel, rec in split.own.items() if rec.action == Action.FAILED)
    return replace(
        info,
        unrepresentable=tuple(split.unrepresentable),
        ignored=tuple(split.ignored),
        unrecorded=unrecorded,
        failed=failed,
    )


def make_ignore_fn(history: MhlHistory, root_patterns: Sequence[str] | None = None) -> IgnoreFn:
    """``(scope relpath, is_dir) -> ignored?``: the root's list, plus each nested history's own list below it."""
    specs: list[tuple[bytes, IgnoreSpec]] = [
        (b"", IgnoreSpec(root_patterns if root_patterns is not None else history.ignore_patterns))
    ]
    specs += [(prefix + b"/", IgnoreSpec(sub.ignore_patterns)) for prefix, sub in history.walk() if prefix]

    def ignored(relpath: bytes, is_dir: bool) -> bool:
        for prefix, spec in specs:
            if relpath.startswith(prefix) and spec.matches(relpath[len(prefix) :], is_dir=is_dir):
                return True
        return False

    return ignored


def common_formats(
    hash_maps: Iterator[Mapping[HashAlgorithm, str]] | Sequence[Mapping[HashAlgorithm, str]],
) -> tuple[HashAlgorithm, ...]:
    """Formats every map has, in MHL order (directory hashes need the same formats for every child)."""
    common: set[HashAlgorithm] | None = None
    for hashes in hash_maps:
        common = set(hashes) if common is None else common & set(hashes)
    return tuple(a for a in MHL_ORDER if common and a in common)


def previous_root_formats(history: MhlHistory) -> tuple[HashAlgorithm, ...]:
    """Formats of the newest root hash, else the default format: every generation needs a roothash (the
    reference tool's ``verify -dh`` stops on a generation without one)."""
    for gen in reversed(history.generations):
        if gen.root_hash is not None and gen.root_hash.content:
            return tuple(gen.root_hash.content)
    return (DEFAULT_ALGORITHM,)


def append_generation(
    history: MhlHistory,
    *,
    node: Folder | None,
    records: Mapping[bytes, MhlFileRecord],
    dir_hashes: Mapping[bytes, DirectoryHash],
    patterns: Sequence[str],
    process: str,
    creator: CreatorInfo,
    when: datetime,
    references: Sequence[HashListReference] = (),
    prefix: bytes = b"",
    lock: HistoryLock | None = None,
) -> GenerationInfo:
    """Write the next generation of ``history`` and update its chain.

    The number is taken under the history's lock (``lock`` when the caller holds it, else taken here) from
    the chain as it is then, checked intact first: ``history`` may have been read long before (a verify
    hashes for hours), and another writer may have appended since.

    ``records`` and ``dir_hashes`` are keyed by path relative to the *scan* root; ``prefix`` is the history
    root's path in that scan (``b""`` for the scope root) and ``node`` its folder. Entries are written in
    the reference tool's order: each folder's children sorted by name, a subfolder's entries followed by its
    ``directoryhash``; records not found on disk come last.
    """
    _check_when(when)
    stop = {
        (prefix + b"/" + rel if prefix else rel)
        for rel, child in history.children.items()
        if child.generations
    }
    root_hash = dir_hashes.get(prefix) if node is not None else None
    skeleton = _manifest_element(
        creator=creator,
        when=when,
        process=process,
        root_hash=root_hash,
        patterns=patterns,
        items=(),
        references=references,
        slot=True,
    )
    items = _all_items(node, records, dir_hashes, stop)
    return _commit(history.scope_root, skeleton, ((k, _relative(obj, prefix)) for k, obj in items), when, lock)


def _all_items(
    node: Folder | None,
    records: Mapping[bytes, MhlFileRecord],
    dir_hashes: Mapping[bytes, DirectoryHash],
    stop: set[bytes],
) -> Iterator[tuple[str, MhlFileRecord | DirectoryHash]]:
    """The manifest's entries in the reference tool's order, one at a time (a large card's records are never
    all built at once): the tree's, then records not found on disk, sorted."""
    reached: dict[bytes, Folder] = {}
    written = 0
    if node is not None:
        for item in _ordered_items(node, records, dir_hashes, stop, reached):
            written += item[0] == "hash"
            yield item
    if written == len(records):
        return  # every record was on disk (a record is written once): nothing left to look up
    rest = sorted(rel for rel in records if not _listed(rel, reached))
    for rel in rest:
        yield "hash", records[rel]


def _listed(rel: bytes, reached: Mapping[bytes, Folder]) -> bool:
    """True when ``_ordered_items`` wrote ``rel``: a file of a folder it walked (``files`` are sorted)."""
    parent, _, name = rel.rpartition(b"/")
    folder = reached.get(parent)
    if folder is None:
        return False
    i = bisect.bisect_left(folder.files, name)
    return i < len(folder.files) and folder.files[i] == name


# ------------------------------------------------------------------------------------------ records


@dataclass
class _Split:
    own: dict[bytes, MhlFileRecord] = field(default_factory=dict)  # written into this manifest
    nested: dict[bytes, MhlFileRecord] = field(default_factory=dict)  # belong to a nested history
    unrepresentable: list[bytes] = field(default_factory=list)
    ignored: list[bytes] = field(default_factory=list)


def _partition(history: MhlHistory, records: Sequence[MhlFileRecord], ignored: IgnoreFn) -> _Split:
    """Sort ``records`` (checked by :func:`write_generation`: valid, one per path) by where they go."""
    split = _Split()
    recorded = bool(history.generations)  # a first generation has nothing to compare with
    for rec in records:
        if ignored(rec.relpath, False):
            split.ignored.append(rec.relpath)
        elif path_text(rec.relpath) is None:
            split.unrepresentable.append(rec.relpath)
        elif history.owner(rec.relpath)[0] is not history:
            split.nested[rec.relpath] = rec
        else:
            split.own[rec.relpath] = _resolve_action(history, rec) if recorded else rec
    return split


def _resolve_action(history: MhlHistory, rec: MhlFileRecord) -> MhlFileRecord:
    """``original`` for an already recorded path becomes ``verified``/``failed`` (reference ``create``)."""
    if rec.action != Action.ORIGINAL:
        return rec
    expected = history.expected_hashes(rec.relpath)
    shared = [a for a in rec.hashes if a in expected]
    if not shared:
        return rec  # nothing to compare with: stays a first record in these formats
    ok = all(_same_hash(a, expected[a], rec.hashes[a]) for a in shared)
    return replace(rec, action=Action.VERIFIED if ok else Action.FAILED)


def _same_hash(algorithm: HashAlgorithm, a: str, b: str) -> bool:
    """Hex compares case-insensitively (other tools' upper case); C4 is case-sensitive base58."""
    return a == b if algorithm == HashAlgorithm.C4 else a.lower() == b.lower()


def _check_record(rec: MhlFileRecord) -> None:
    parts = rec.relpath.split(b"/")
    if not rec.relpath or any(p in (b"", b".", b"..") for p in parts):
        raise ValueError(f"record path must be relative with '/' separators: {rec.relpath!r}")
    if rec.size is not None and rec.size < 0:
        raise ValueError(f"negative size for {rec.display!r}")
    if not rec.hashes:
        raise ValueError(f"record {rec.display!r} has no hash")
    for algorithm, text in rec.hashes.items():
        if not _valid_hash_text(algorithm, text):
            raise ValueError(f"bad {algorithm.value} value {text!r} for {rec.display!r}")


def _valid_hash_text(algorithm: HashAlgorithm, text: str) -> bool:
    if algorithm == HashAlgorithm.C4:
        try:
            c4_decode(text)
        except ValueError:
            return False
        return True
    return len(text) == _HEX_LENGTH[algorithm] and is_lower_hex(text)


def _latest_reference(rel: bytes, child: MhlHistory) -> HashListReference:
    gen = child.generations[-1]
    c4 = hash_history_file(gen.path, HashAlgorithm.C4)  # the chain may hold another format
    return HashListReference(f"{rel.decode('utf-8')}/{ASCMHL_FOLDER}/{gen.path.name}", c4)


# ------------------------------------------------------------------------------------------- layout


def _ordered_items(
    node: Folder,
    records: Mapping[bytes, MhlFileRecord],
    dir_hashes: Mapping[bytes, DirectoryHash],
    stop: set[bytes],
    reached: dict[bytes, Folder],
) -> Iterator[tuple[str, MhlFileRecord | DirectoryHash]]:
    reached[node.relpath] = node
    children: list[tuple[bytes, Folder | None]] = [(name, None) for name in node.files]
    children += [(name_of(sub.relpath), sub) for sub in node.folders]
    for name, sub in sorted(children, key=lambda c: c[0]):
        if sub is None:
            rec = records.get(node.child(name))
            if rec is not None:
                yield "hash", rec
            continue
        if path_text(sub.relpath) is None:
            continue
        if sub.relpath not in stop:
            yield from _ordered_items(sub, records, dir_hashes, stop, reached)
        dh = dir_hashes.get(sub.relpath)
        if dh is not None:
            yield "dir", dh


def _relative(obj: MhlFileRecord | DirectoryHash, prefix: bytes) -> MhlFileRecord | DirectoryHash:
    if not prefix:
        return obj
    cut = len(prefix) + 1
    return replace(obj, relpath=obj.relpath[cut:])


# ---------------------------------------------------------------------------------------------- xml


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _clean(text: str) -> str:
    """Creator fields come from users and hosts: replace what XML cannot carry."""
    return text if xml_safe(text) else "".join(c if xml_safe(c) else "\ufffd" for c in text)


def _manifest_element(
    *,
    creator: CreatorInfo,
    when: datetime,
    process: str,
    root_hash: DirectoryHash | None,
    patterns: Sequence[str],
    items: Sequence[tuple[str, MhlFileRecord | DirectoryHash]],
    references: Sequence[HashListReference],
    slot: bool = False,
) -> ET.Element:
    """The ``<hashlist>`` tree in ASC MHL v2.0 XSD order: creatorinfo, processinfo, hashes, references.
    With ``slot`` the ``<hashes>`` element holds only a placeholder where :func:`_manifest_chunks` streams the
    entries."""
    # A literal xmlns attribute declares the default namespace without touching ElementTree's global registry.
    root = ET.Element("hashlist", {"version": "2.0", "xmlns": MHL_NAMESPACE})
    _creator_element(root, creator, when)
    info = _sub(root, "processinfo")
    _sub(info, "process", str(Process(process)))
    if root_hash is not None:
        _content_structure(_sub(info, "roothash"), root_hash)
    ignore_el = _sub(info, "ignore")
    for pattern in patterns:
        if not xml_safe(pattern):
            raise ValueError(f"ignore pattern cannot be written to XML: {pattern!r}")
        _sub(ignore_el, "pattern", pattern)
    if slot:
        _sub(_sub(root, "hashes"), _SLOT)
    elif items:
        hashes = _sub(root, "hashes")
        for kind, obj in items:
            if kind == "hash":
                _hash_element(hashes, obj)  # type: ignore[arg-type]
            else:
                _directory_element(hashes, obj)  # type: ignore[arg-type]
    if references:
        refs = _sub(root, "references")
        for ref in references:
            ref_el = _sub(refs, "hashlistreference")
            _sub(ref_el, "path", ref.path)
            _sub(ref_el, "c4", ref.c4)
    return root


_SLOT = "pixm-hashes-slot"
_ENTRY_SEP = b"\n    "  # what ET.indent puts between the children of <hashes> (level 2)


def _manifest_chunks(
    skeleton: ET.Element, items: Iterator[tuple[str, MhlFileRecord | DirectoryHash]]
) -> Iterator[bytes]:
    """The bytes of ``skeleton`` (built with ``slot``) with ``items`` in place of the placeholder, exactly as
    :func:`serialize` would write the whole tree (the same serializer, entry by entry); without any item the
    ``<hashes>`` element is left out, as the XSD requires."""
    first = next(items, None)
    if first is None:
        slot = skeleton.find("hashes")
        if slot is not None:
            skeleton.remove(slot)
        yield serialize(skeleton)
        return
    head, tail = serialize(skeleton).split(f"<{_SLOT} />".encode(), 1)
    yield head
    yield _entry_bytes(first)
    for item in items:
        yield _ENTRY_SEP + _entry_bytes(item)
    yield tail


def _entry_bytes(item: tuple[str, MhlFileRecord | DirectoryHash]) -> bytes:
    """One ``<hash>``/``<directoryhash>`` element, indented as the third level of the manifest."""
    kind, obj = item
    if kind == "hash":
        return _hash_text(obj).encode("utf-8")  # type: ignore[arg-type]
    holder = ET.Element("hashes")
    _directory_element(holder, obj)  # type: ignore[arg-type]
    el = holder[0]
    ET.indent(el, space="  ", level=2)
    return ET.tostring(el, encoding="unicode").encode("utf-8")


_IN3 = "\n      "  # ET.indent's whitespace before a child of <hash> (level 3)
_cdata = ET._escape_cdata  # ElementTree's own escaping: the bytes stay those of ET.tostring
_attr = ET._escape_attrib


def _hash_text(rec: MhlFileRecord) -> str:
    """``<hash>`` as :func:`_hash_element` + ``ET.indent`` + ``ET.tostring`` write it, formatted directly (a
    card's entries are serialized ~10× faster; the test compares the two)."""
    attrs = f' size="{rec.size}"' if rec.size is not None else ""
    if rec.mtime_ns is not None:
        attrs += f' lastmodificationdate="{_attr(iso_from_ns(rec.mtime_ns))}"'
    parts = ["<hash>", _IN3, _text_element("path", path_text(rec.relpath) or "", attrs)]
    hash_attrs = f' action="{_attr(str(rec.action))}"'
    if rec.hashdate is not None:
        hash_attrs += f' hashdate="{_attr(iso_datetime_us(rec.hashdate))}"'
    for algorithm, value in rec.hashes.items():  # a record's formats are in MHL order
        parts += (_IN3, _text_element(algorithm.value, value, hash_attrs))
    parts.append("\n    </hash>")
    return "".join(parts)


def _text_element(tag: str, text: str, attrs: str) -> str:
    return f"<{tag}{attrs}>{_cdata(text)}</{tag}>" if text else f"<{tag}{attrs} />"


def _creator_element(root: ET.Element, creator: CreatorInfo, when: datetime) -> None:
    el = _sub(root, "creatorinfo")
    _sub(el, "creationdate", iso_datetime(when))
    _sub(el, "hostname", _clean(creator.hostname))
    _sub(el, "tool", _clean(creator.tool_name), version=_clean(creator.tool_version))
    if creator.author_name or creator.author_email or creator.author_role:
        attrs = {}
        if valid_email(creator.author_email):
            attrs["email"] = _clean(creator.author_email or "")
        if creator.author_role:
            attrs["role"] = _clean(creator.author_role)
        _sub(el, "author", _clean(creator.author_name) if creator.author_name else None, **attrs)
    if creator.location:
        _sub(el, "location", _clean(creator.location))
    if creator.comment:
        _sub(el, "comment", _clean(creator.comment))


def _hash_element(parent: ET.Element, rec: MhlFileRecord) -> None:
    el = _sub(parent, "hash")
    attrs = {}
    if rec.size is not None:
        attrs["size"] = str(rec.size)
    if rec.mtime_ns is not None:
        attrs["lastmodificationdate"] = iso_from_ns(rec.mtime_ns)
    _sub(el, "path", path_text(rec.relpath), **attrs)
    for algorithm in MHL_ORDER:
        if algorithm in rec.hashes:
            hash_attrs = {"action": str(rec.action)}
            if rec.hashdate is not None:
                hash_attrs["hashdate"] = iso_datetime(rec.hashdate, microseconds=True)
            _sub(el, algorithm.value, rec.hashes[algorithm], **hash_attrs)


def _directory_element(parent: ET.Element, dh: DirectoryHash) -> None:
    el = _sub(parent, "directoryhash")
    attrs = {"lastmodificationdate": iso_from_ns(dh.mtime_ns)} if dh.mtime_ns is not None else {}
    _sub(el, "path", path_text(dh.relpath), **attrs)
    _content_structure(el, dh)


def _content_structure(el: ET.Element, dh: DirectoryHash) -> None:
    for kind, values in (("content", dh.content), ("structure", dh.structure)):
        part = _sub(el, kind)
        for algorithm in MHL_ORDER:
            if algorithm in values:
                _sub(part, algorithm.value, values[algorithm])


def _chain_element(entries: Sequence[ChainEntry]) -> ET.Element:
    root = ET.Element("ascmhldirectory", {"xmlns": CHAIN_NAMESPACE})
    for entry in entries:
        el = _sub(root, "hashlist", sequencenr=str(entry.sequence))
        _sub(el, "path", entry.filename)
        _sub(el, entry.algorithm.value, entry.value)
    return root


# ------------------------------------------------------------------------------------------- commit


def generation_filename(number: int, scope_root: Path, when: datetime) -> str:
    """``NNNN_<scope folder name>_<YYYY-MM-DD>_<HHMMSS>Z.mhl`` in UTC (docs/asc-mhl.md §Generations)."""
    stamp = when.astimezone(UTC).strftime("%Y-%m-%d_%H%M%S")
    return f"{number:04d}_{_safe_name(scope_root)}_{stamp}Z.mhl"


def _safe_name(scope_root: Path) -> str:
    """The scope folder name as it can appear in a file name that is also XML text in the chain."""
    raw = os.fsencode(scope_root.resolve().name)
    text = raw.decode("utf-8", errors="replace")
    return "".join(c if xml_safe(c) and c not in "\ufffd/\\" else "_" for c in text) or "root"


def ensure_history_folder(scope_root: Path) -> Path:
    """``scope_root/ascmhl``, created when absent; refused when it is a symbolic link or not a folder (a
    history is never written outside the folder it describes). Raises :class:`MhlFormatError`, ``OSError``."""
    folder = check_history_folder(scope_root)
    if not os.path.lexists(folder):
        try:
            folder.mkdir()
        except FileExistsError:
            pass  # another writer made it: checked below like any other
        fsync_dir(scope_root)
        folder = check_history_folder(scope_root)
    return folder


def _commit(
    scope_root: Path,
    skeleton: ET.Element,
    items: Iterator[tuple[str, MhlFileRecord | DirectoryHash]],
    when: datetime,
    lock: HistoryLock | None,
) -> GenerationInfo:
    """Add the manifest (``skeleton`` with ``items`` streamed in) as the history's next generation, under its
    lock."""
    folder = ensure_history_folder(scope_root)
    if lock is None:
        with HistoryLock(folder) as own:
            recover_interrupted_append(own)
            return _commit_locked(scope_root, folder, skeleton, items, when, own)
    return _commit_locked(scope_root, folder, skeleton, items, when, lock)


_LEFTOVER = re.compile(r"^(\.pixm-mhl-[0-9a-f]+\.tmp|\.ascmhl_chain\.xml\.\d+\.tmp)$")


def recover_interrupted_append(lock: HistoryLock) -> list[str]:
    """With the lock held: remove temp files of writers that died, and move aside (to a hidden
    ``.pixm-interrupted-<name>``, kept as evidence) the manifest a dead writer had renamed into place but not
    yet chained, when its lock named it and the chain does not list it. Returns what was moved or removed."""
    folder = lock.folder
    done = []
    for name in os.listdir(folder):
        if _LEFTOVER.match(name):
            (folder / name).unlink(missing_ok=True)
            done.append(name)
    stale = lock.took_over
    if stale is None or stale.writing is None or not GENERATION_NAME_RE.match(stale.writing):
        return done
    orphan = folder / stale.writing
    chain_path = folder / CHAIN_FILE
    chained = {e.filename for e in read_chain(chain_path)} if os.path.lexists(chain_path) else set()
    if os.path.lexists(orphan) and orphan.name not in chained:
        os.rename(orphan, folder / f".pixm-interrupted-{orphan.name}")
        fsync_dir(folder)
        done.append(orphan.name)
    return done


def _commit_locked(
    scope_root: Path,
    folder: Path,
    skeleton: ET.Element,
    items: Iterator[tuple[str, MhlFileRecord | DirectoryHash]],
    when: datetime,
    lock: HistoryLock,
) -> GenerationInfo:
    """Sequence (a reader never sees a half-written append): check the chain intact; write the manifest to a
    temp name (streamed: a card's worth of entries is never held as one document), fsync, read back; announce
    its name in the lock file; move it into place without overwriting; write the new chain to a temp name,
    fsync, rename over the old one. A reader that lists the manifest before the chain names it sees the
    announcement and skips it."""
    chain_path = folder / CHAIN_FILE
    entries = _intact_chain(folder, chain_path)
    number = _next_free_number(folder, entries)
    path = folder / generation_filename(number, scope_root, when)
    tmp = folder / f".pixm-mhl-{secrets.token_hex(8)}.tmp"
    try:
        c4, size = _write_streamed(tmp, _manifest_chunks(skeleton, items))
        _check_read_back(tmp, c4, size, path)
        lock.announce(path.name)
        _place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    entries.append(ChainEntry(number, path.name, HashAlgorithm.C4, c4))
    replace_file(chain_path, serialize(_chain_element(entries)))
    log.info("ASC MHL generation %d written: %s", number, path)
    return GenerationInfo(path=path, generation=number, c4=c4)


_WRITE_BUFFER = 1024 * 1024


def _write_streamed(path: Path, chunks: Iterator[bytes]) -> tuple[str, int]:
    """Create ``path`` (never overwriting), write ``chunks`` in ~1 MiB writes, fsync file and folder.
    Returns the C4 of the bytes written and their count."""
    hasher = new_hasher(HashAlgorithm.C4)
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        pending: list[bytes] = []
        held = 0
        for chunk in chunks:
            pending.append(chunk)
            held += len(chunk)
            if held >= _WRITE_BUFFER:
                size += _write_all(fd, b"".join(pending), hasher)
                pending, held = [], 0
        size += _write_all(fd, b"".join(pending), hasher)
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)
    return text_form(HashAlgorithm.C4, hasher.digest()), size


def _write_all(fd: int, data: bytes, hasher) -> int:
    hasher.update(data)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    return len(data)


def _intact_chain(folder: Path, chain_path: Path) -> list[ChainEntry]:
    """The chain's entries after checking every listed manifest against its hash and every manifest is
    listed. Raises :class:`MhlChainError` / :class:`MhlFormatError` (never append to a damaged history)."""
    files = generation_files(folder)
    if not os.path.lexists(chain_path):
        if files:
            raise MhlChainError(f"{folder} has manifests but no {CHAIN_FILE}", path=chain_path,
                                hint="the history is incomplete; restore the chain file from another copy")
        return []
    entries = read_chain(chain_path, read_bounded(chain_path, MAX_CHAIN_BYTES))
    check_chain(folder, entries, files)
    return entries


def _check_read_back(tmp: Path, c4: str, size: int, final: Path) -> None:
    """Read the written manifest back in chunks and compare its C4 (SHA-512) and length with what was
    written. Raises :class:`MhlWriteError`."""
    hasher = new_hasher(HashAlgorithm.C4)
    offset = 0
    with open(tmp, "rb") as fh:
        while chunk := fh.read(_WRITE_BUFFER):
            hasher.update(chunk)
            offset += len(chunk)
    if offset != size or text_form(HashAlgorithm.C4, hasher.digest()) != c4:
        raise MhlWriteError(
            f"manifest {final.name} reads back different from what was written",
            hint="the destination drive may be failing; check it and write the history again",
            path=final,
        )


def _place(tmp: Path, final: Path) -> None:
    """Move the finished manifest to its generation name, never over an existing file (a hard link fails if
    the name exists; drives without hard links — exFAT, some shares — get an existence check under the lock)."""
    try:
        os.link(tmp, final)
    except FileExistsError:
        raise MhlWriteError(f"{final.name} already exists; a generation is never overwritten", path=final,
                       hint="another program wrote into this history; check the ascmhl folder") from None
    except OSError:
        if os.path.lexists(final):
            raise MhlWriteError(f"{final.name} already exists; a generation is never overwritten", path=final) from None
        os.rename(tmp, final)
    fsync_dir(final.parent)


_GENERATION_FILE = re.compile(r"^(\d{4,})_.*\.mhl$")


def _next_free_number(folder: Path, entries: Sequence[ChainEntry]) -> int:
    numbers = [e.sequence for e in entries]
    numbers += [int(m.group(1)) for name in os.listdir(folder) if (m := _GENERATION_FILE.match(name))]
    return max(numbers, default=0) + 1


def _check_when(when: datetime) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("`when` must be a timezone-aware datetime")
