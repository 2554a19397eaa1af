"""Folder walking and ASC MHL v2.0 directory hashes (content + structure).

docs/asc-mhl.md §Directory hashes: per format, over a folder's non-ignored children,
content = H(concat of the raw bytes of the sorted child hashes; a subfolder contributes its content hash),
structure = H(concat of the sorted H(utf8(name) + raw child hash); a subfolder contributes its structure hash).
An empty folder hashes to H(b""). Children are sorted by their hash *text*, as the reference tool does
(for hex and fixed-length base58 C4 that is also the raw-byte order).
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.hashes import HashAlgorithm, hash_bytes, new_hasher, raw_form, text_form

from ._xml import path_text
from .model import ASCMHL_FOLDER, DirectoryHash

#: ``(relpath, is_dir) -> ignored?`` for scope-relative raw paths.
IgnoreFn = Callable[[bytes, bool], bool]


class Names(Sequence[bytes]):
    """A folder's file names in one buffer (a card of 200,000 stills holds ~7 MB of names, not ~16 MB of
    ``bytes`` objects); appended in order, read like a list (each item a new ``bytes``)."""

    __slots__ = ("_buf", "_ends")

    def __init__(self, names: Iterable[bytes] = ()):
        self._buf = bytearray()
        self._ends = array("Q")
        for name in names:
            self.append(name)

    def append(self, name: bytes) -> None:
        self._buf += name
        self._ends.append(len(self._buf))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self._ends)
        if not 0 <= index < len(self._ends):
            raise IndexError(index)
        return bytes(self._buf[self._ends[index - 1] if index else 0 : self._ends[index]])

    def __iter__(self) -> Iterator[bytes]:
        start = 0
        for end in self._ends:
            yield bytes(self._buf[start:end])
            start = end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Names({list(self)!r})"


@dataclass
class Folder:
    """A folder found on disk: sorted file names and subfolders (ignored names already left out).

    ``has_history``: the folder holds its own ``ascmhl/`` folder (a nested history, docs/asc-mhl.md
    §Nested histories).
    ``mtime_ns``: the folder's modification time. ``skipped``: entries neither file nor folder we descend
    into (symlinked folders, devices, FIFOs), as relpaths.
    """

    relpath: bytes
    mtime_ns: int | None = None
    files: Names = field(default_factory=Names)
    folders: list[Folder] = field(default_factory=list)
    has_history: bool = False
    skipped: list[bytes] = field(default_factory=list)

    def child(self, name: bytes) -> bytes:
        return self.relpath + b"/" + name if self.relpath else name

    def iter_folders(self) -> Iterator[Folder]:
        """Every folder below and including this one, parents first."""
        yield self
        for sub in self.folders:
            yield from sub.iter_folders()

    def iter_files(self) -> Iterator[bytes]:
        """Relpaths of every file below this folder."""
        for folder in self.iter_folders():
            for name in folder.files:
                yield folder.child(name)


def scan_tree(scope_root: Path, ignored: IgnoreFn) -> Folder:
    """Walk ``scope_root`` (raw byte names, no normalisation) and return its folder tree.

    Like the reference tool, ``is_dir`` follows symlinks; symlinked folders are not descended into (the
    reference tool cannot hash them either) and are listed in ``skipped``, as are sockets, FIFOs and devices.
    Raises ``OSError`` when a folder cannot be listed.
    """
    return _scan(os.fsencode(scope_root), b"", ignored)


def _scan(abs_path: bytes, relpath: bytes, ignored: IgnoreFn) -> Folder:
    folder = Folder(relpath=relpath, mtime_ns=os.stat(abs_path).st_mtime_ns)
    with os.scandir(abs_path) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        name = entry.name
        rel = folder.child(name)
        is_dir = entry.is_dir()
        if is_dir and name == ASCMHL_FOLDER.encode() and relpath:
            folder.has_history = True
        if ignored(rel, is_dir):
            continue
        if is_dir:
            if entry.is_symlink():
                folder.skipped.append(rel)
            else:
                folder.folders.append(_scan(entry.path, rel, ignored))
        elif _is_regular(entry):
            folder.files.append(name)
        else:
            folder.skipped.append(rel)
    return folder


def _is_regular(entry: os.DirEntry[bytes]) -> bool:
    """A regular file, or a symbolic link to one. The listing's file type answers without a ``stat`` per file
    (one system call for each of a card's files); only links and file systems that give no type are stat'ed."""
    try:
        return entry.is_file()
    except OSError:
        return False  # a link whose target cannot be reached


def name_of(relpath: bytes) -> bytes:
    return relpath.rsplit(b"/", 1)[-1]


def content_hash(child_hashes: Sequence[str], algorithm: HashAlgorithm) -> str:
    """H over the raw bytes of the children's hashes, sorted by text (empty → H(b""))."""
    hasher = new_hasher(algorithm)
    for text in sorted(child_hashes):
        hasher.update(raw_form(algorithm, text))
    return text_form(algorithm, hasher.digest())


def structure_element(name: bytes, child_hash: str, algorithm: HashAlgorithm) -> str:
    """H(utf8(name) + raw child hash): one child's contribution to its parent's structure hash."""
    return hash_bytes(name + raw_form(algorithm, child_hash), algorithm)


def compute_directory_hashes(
    root: Folder,
    file_hashes: Mapping[bytes, Mapping[HashAlgorithm, str]],
    formats: Sequence[HashAlgorithm],
) -> dict[bytes, DirectoryHash]:
    """Directory hashes of every *complete* folder under ``root`` (``root`` itself under its relpath).

    A folder is complete when ``file_hashes`` holds every format for each file in its subtree: a hash over
    part of a folder would not match the folder on disk, so incomplete folders get none. Names that cannot
    be written to XML are left out (with their subtree) and do not make a folder incomplete: no manifest can
    hold them.
    """
    out: dict[bytes, DirectoryHash] = {}
    if formats:
        _folder_hashes(root, file_hashes, tuple(formats), out)
    return out


def _folder_hashes(
    folder: Folder,
    file_hashes: Mapping[bytes, Mapping[HashAlgorithm, str]],
    formats: tuple[HashAlgorithm, ...],
    out: dict[bytes, DirectoryHash],
) -> DirectoryHash | None:
    contents: dict[HashAlgorithm, list[str]] = {a: [] for a in formats}
    structures: dict[HashAlgorithm, list[str]] = {a: [] for a in formats}
    complete = True
    # per format: its lists and an empty hasher copied for each file's structure element (as structure_element)
    lanes = [(a, contents[a], structures[a], new_hasher(a)) for a in formats]
    for name in folder.files:
        rel = folder.child(name)
        if path_text(rel) is None:
            continue
        hashes = file_hashes.get(rel)
        if hashes is None or any(a not in hashes for a in formats):
            complete = False
            continue
        for a, content, structure, empty in lanes:
            text = hashes[a]
            content.append(text)
            h = empty.copy()
            h.update(name + raw_form(a, text))
            structure.append(text_form(a, h.digest()))
    for sub in folder.folders:
        if path_text(sub.relpath) is None:
            continue
        sub_hash = _folder_hashes(sub, file_hashes, formats, out)
        if sub_hash is None:
            complete = False
            continue
        name = name_of(sub.relpath)
        for a in formats:
            contents[a].append(sub_hash.content[a])
            structures[a].append(structure_element(name, sub_hash.structure[a], a))
    if not complete:
        return None
    result = DirectoryHash(
        relpath=folder.relpath,
        content={a: content_hash(contents[a], a) for a in formats},
        structure={a: content_hash(structures[a], a) for a in formats},
        mtime_ns=folder.mtime_ns,
    )
    out[folder.relpath] = result
    return result
