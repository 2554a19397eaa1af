"""Read an ASC MHL v2.0 history: chain file, generations, nested histories.

ASC MHL v2.0 §history: ``<scope>/ascmhl/NNNN_….mhl`` manifests plus ``ascmhl_chain.xml`` listing each one's
C4 (docs/asc-mhl.md §Chain file). Every manifest named in the chain must exist and match its C4, and every
generation file must be named in the chain; anything else raises :class:`MhlChainError` naming the file.
"""

from __future__ import annotations

import functools
import io
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from pixm_desktop.core.errors import MhlChainError, MhlFormatError, MhlHistoryNotFoundError
from pixm_desktop.core.hashes import HashAlgorithm, new_hasher, text_form

from ._xml import local_name, parse_datetime, to_ns
from .lock import in_progress_manifest
from .model import (
    ASCMHL_FOLDER,
    CHAIN_FILE,
    CHAIN_NAMESPACE,
    GENERATION_NAME_RE,
    MHL_NAMESPACE,
    Action,
    CreatorInfo,
    DirectoryHash,
    HashListReference,
    MhlFileRecord,
    MhlGeneration,
    MhlHistory,
)

_FORMATS = {a.value: a for a in HashAlgorithm}
_ACTIONS = frozenset(a.value for a in Action)

#: A manifest larger than this is refused as not a manifest (a real one lists ~200 bytes per file).
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
#: A chain file larger than this is refused (one entry is ~150 bytes).
MAX_CHAIN_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_STABLE_READS = 20  # attempts to read chain and folder listing while no writer moves them

#: ``sink(history prefix, relpath, size, action, {format: value})``: receives each file record as it is parsed
#: instead of the history keeping it (``prefix``: the nested history's folder from the scope root, ``b""`` for
#: the root's own; ``relpath`` relative to that history). Dates are not parsed for it (they decide nothing).
RecordSink = Callable[[bytes, bytes, "int | None", str, "dict[HashAlgorithm, str]"], None]
_OwnSink = Callable[[bytes, "int | None", str, "dict[HashAlgorithm, str]"], None]


@dataclass(frozen=True)
class ChainEntry:
    """One ``<hashlist>`` of ``ascmhl_chain.xml``: generation number, manifest file name, hash of its bytes."""

    sequence: int
    filename: str
    algorithm: HashAlgorithm
    value: str


# --------------------------------------------------------------------------------------------- public


def read_history(scope_root: Path, *, sink: RecordSink | None = None) -> MhlHistory:
    """The history of ``scope_root`` with every generation (oldest first) and every nested history.

    With ``sink`` each file record goes to ``sink`` as it is parsed (oldest generation first, file order) and
    the history keeps none (``records_spooled``): a history of a million files is not held in memory. The
    same checks run either way.

    Raises :class:`MhlHistoryNotFoundError` (no ``ascmhl`` folder, or no generation in it),
    :class:`MhlChainError` (chain missing, a manifest missing, modified or not in the chain) and
    :class:`MhlFormatError` (not well-formed, not ASC MHL v2.0).
    """
    scope_root = Path(scope_root)
    history = load_history(scope_root, sink=sink)
    if not history.generations:
        raise MhlHistoryNotFoundError(
            f"no ASC MHL generation in {scope_root / ASCMHL_FOLDER}",
            hint="the folder has no .mhl manifest; write a generation first",
            path=scope_root,
        )
    return history


def load_history(scope_root: Path, *, sink: RecordSink | None = None, _prefix: bytes = b"") -> MhlHistory:
    """Like :func:`read_history` but a folder without ``ascmhl/`` gives an empty history (for appending)."""
    scope_root = Path(scope_root)
    if not scope_root.is_dir():
        raise MhlHistoryNotFoundError(f"{scope_root} is not a folder", path=scope_root)
    own_sink = None if sink is None else functools.partial(sink, _prefix)
    generations = _load_generations(scope_root, own_sink)
    children = {}
    for rel in _find_nested(scope_root):
        child = load_history(scope_root / os.fsdecode(rel), sink=sink,
                             _prefix=_prefix + b"/" + rel if _prefix else rel)
        if child.generations or child.children:  # an empty ascmhl/ folder is no history
            children[rel] = child
    history = MhlHistory(scope_root=scope_root, generations=generations, children=children,
                         records_spooled=sink is not None)
    _check_references(history)
    return history


def read_chain(chain_path: Path, data: bytes | None = None) -> list[ChainEntry]:
    """Entries of ``ascmhl_chain.xml`` (or of its bytes ``data``) in file order. Raises :class:`MhlFormatError`
    (also for a chain that is a symbolic link or larger than :data:`MAX_CHAIN_BYTES`)."""
    if data is None:
        data = read_bounded(chain_path, MAX_CHAIN_BYTES)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise MhlFormatError(f"{chain_path.name} is not well-formed XML: {exc}", path=chain_path) from None
    if root.tag != f"{{{CHAIN_NAMESPACE}}}ascmhldirectory":
        raise MhlFormatError(
            f"{chain_path.name} is not an ASC MHL chain file (root element {root.tag!r})", path=chain_path
        )
    return [_chain_entry(el, chain_path) for el in root if local_name(el.tag) == "hashlist"]


def read_manifest(path: Path, number: int = 0, chain_c4: str | None = None,
                  sink: _OwnSink | None = None) -> MhlGeneration:
    """Parse one ``.mhl`` manifest (its file records to ``sink`` instead when given, see :func:`read_history`).
    Raises :class:`MhlFormatError` naming the file."""
    parser = _ManifestParser(path, sink)
    try:
        with open_bounded(path, MAX_MANIFEST_BYTES) as fh:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                parser.feed(event, elem)
    except ET.ParseError as exc:
        raise MhlFormatError(f"{path.name} is not well-formed XML: {exc}", path=path) from None
    except OSError as exc:
        raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    return parser.result(number, chain_c4)


def read_creator_info(path: Path) -> CreatorInfo:
    """The ``<creatorinfo>`` of one ``.mhl`` manifest (ASC MHL v2.0 §5.3), parsed up to its end only: it comes
    before the file records, so a report's author and location cost the manifest's first lines, not all of it.
    Nothing after it is read or checked. Raises :class:`MhlFormatError` naming the file (unreadable, not ASC
    MHL v2.0, not well-formed before the end of ``<creatorinfo>``, or without one)."""
    parser = _ManifestParser(path)
    try:
        with open_bounded(path, MAX_MANIFEST_BYTES) as fh:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                parser.feed(event, elem)
                if parser.creator is not None:
                    return parser.creator
    except ET.ParseError as exc:
        raise MhlFormatError(f"{path.name} is not well-formed XML: {exc}", path=path) from None
    except OSError as exc:
        raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    raise parser.fail("missing <creatorinfo>")


def generation_files(ascmhl_dir: Path) -> dict[int, list[Path]]:
    """Generation manifests in ``ascmhl_dir`` by number (names the reference tool accepts, no ``._`` files)."""
    out: dict[int, list[Path]] = {}
    if not ascmhl_dir.is_dir():
        return out
    for entry in os.scandir(ascmhl_dir):
        match = GENERATION_NAME_RE.match(entry.name)
        if not match or entry.name.startswith("._"):
            continue
        if entry.is_symlink():
            raise MhlFormatError(f"manifest {entry.name} is a symbolic link; a history is read only from its own "
                                 "folder", path=entry.path, hint="replace the link by the manifest itself")
        if entry.is_file(follow_symlinks=False):
            out.setdefault(int(match.group(1)), []).append(Path(entry.path))
    return out


def check_history_folder(scope_root: Path) -> Path:
    """``scope_root/ascmhl``, refused (:class:`MhlFormatError`) when it is a symbolic link or not a folder:
    a history is read and written only inside the folder it describes."""
    folder = Path(scope_root) / ASCMHL_FOLDER
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return folder
    except OSError as exc:
        raise MhlFormatError(f"cannot read {folder}: {exc.strerror or exc}", path=folder) from None
    if stat.S_ISLNK(st.st_mode):
        raise MhlFormatError(f"{folder} is a symbolic link; PIXM never reads or writes a history through a link",
                             path=folder, hint="replace the link by the ascmhl folder itself")
    if not stat.S_ISDIR(st.st_mode):
        raise MhlFormatError(f"{folder} is not a folder", path=folder)
    return folder


def open_bounded(path: Path, limit: int) -> io.BufferedReader:
    """Open a history file for reading: never through a symbolic link, only a regular file of at most
    ``limit`` bytes. Raises :class:`MhlFormatError` naming the file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if os.path.islink(path):
            raise MhlFormatError(f"{path.name} is a symbolic link; refused", path=path) from None
        raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
        os.close(fd)
        what = "not a regular file" if not stat.S_ISREG(st.st_mode) else f"{st.st_size} bytes, more than {limit}"
        raise MhlFormatError(f"{path.name} is not an ASC MHL file ({what})", path=path)
    return os.fdopen(fd, "rb")


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a small history file (chain), see :func:`open_bounded`."""
    chunks, size = [], 0
    with open_bounded(path, limit) as fh:
        try:  # in chunks: one read of ``limit`` bytes would reserve all of it whatever the file's size
            while size <= limit and (chunk := fh.read(_CHUNK)):
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    data = b"".join(chunks)
    if len(data) > limit:
        raise MhlFormatError(f"{path.name} grew past {limit} bytes while read", path=path)
    return data


def hash_history_file(path: Path, algorithm: HashAlgorithm) -> str:
    """Text form of ``algorithm`` over a manifest's bytes, streamed (see :func:`open_bounded`; at most
    :data:`MAX_MANIFEST_BYTES`)."""
    hasher = new_hasher(algorithm)
    with open_bounded(path, MAX_MANIFEST_BYTES) as fh:
        try:
            while chunk := fh.read(_CHUNK):
                hasher.update(chunk)
        except OSError as exc:
            raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    return text_form(algorithm, hasher.digest())


# ------------------------------------------------------------------------------------------ history


def _load_generations(scope_root: Path, sink: _OwnSink | None = None) -> tuple[MhlGeneration, ...]:
    folder = check_history_folder(scope_root)
    if not folder.is_dir():
        return ()
    chain_path = folder / CHAIN_FILE
    for _ in range(_STABLE_READS):
        chain_data, files = _stable_listing(folder, chain_path)
        if chain_data is None:
            if not files:
                return ()
            raise MhlChainError(
                f"{folder} has manifests but no {CHAIN_FILE}",
                hint="the history is incomplete; restore the chain file from another copy",
                path=chain_path,
            )
        chain = read_chain(chain_path, chain_data)
        pending = _unchained_newest(chain, files)
        if pending is None:
            break
        if in_progress_manifest(folder) == pending.name:
            files = {n: p for n, p in files.items() if p != [pending]}  # an append in progress: not yet ours
            break
        if _chain_bytes(chain_path) == chain_data:
            break  # no writer finished meanwhile: an orphan, refused below
    by_name = check_chain(folder, chain, files)
    generations = [
        read_manifest(path, number, by_name[path.name].value, sink)
        for number, paths in sorted(files.items())
        for path in paths
    ]
    return tuple(generations)


def _chain_bytes(chain_path: Path) -> bytes | None:
    if not os.path.lexists(chain_path):
        return None
    return read_bounded(chain_path, MAX_CHAIN_BYTES)


def _stable_listing(folder: Path, chain_path: Path) -> tuple[bytes | None, dict[int, list[Path]]]:
    """The chain's bytes and the manifests listed while the chain did not change (a writer renames its
    manifest into place first and the chain last, so a listing between two equal chain reads holds every
    chained manifest, plus at most the one being appended: skipped when the live lock holder announced it,
    read again when the chain changed since, else refused as an orphan)."""
    before = _chain_bytes(chain_path)
    for _ in range(_STABLE_READS):
        files = generation_files(folder)
        after = _chain_bytes(chain_path)
        if after == before:
            return after, files
        before = after
    raise MhlChainError(f"{chain_path.name} keeps changing while read", path=chain_path,
                        hint="another program is writing this history; try again when it has finished")


def _unchained_newest(chain: list[ChainEntry], files: dict[int, list[Path]]) -> Path | None:
    """The newest manifest when the chain does not list it and it is newer than every chain entry (what a
    reader sees between a writer's two renames, or what a writer killed between them left)."""
    if not files:
        return None
    newest = max(files)
    paths = files[newest]
    chained = {e.filename for e in chain}
    if len(paths) != 1 or paths[0].name in chained or newest <= max((e.sequence for e in chain), default=0):
        return None
    return paths[0]


def check_chain(
    folder: Path, chain: list[ChainEntry], files: dict[int, list[Path]]
) -> dict[str, ChainEntry]:
    """Every chain entry's manifest exists with the recorded hash; every manifest is in the chain."""
    by_name: dict[str, ChainEntry] = {}
    for entry in chain:
        manifest = folder / entry.filename
        if not os.path.lexists(manifest):
            raise MhlChainError(
                f"manifest {entry.filename} listed in {CHAIN_FILE} is missing",
                hint="restore it from another copy of this card",
                path=manifest,
            )
        actual = hash_history_file(manifest, entry.algorithm)
        if actual != entry.value:
            raise MhlChainError(
                f"manifest {entry.filename} does not match its {entry.algorithm.value} in {CHAIN_FILE}"
                " (modified after it was written)",
                hint="the history was tampered with or damaged; compare with another copy",
                path=manifest,
            )
        by_name[entry.filename] = entry
    for number, paths in sorted(files.items()):
        if len(paths) > 1:
            names = ", ".join(sorted(p.name for p in paths))
            raise MhlChainError(f"two generations numbered {number}: {names}", path=folder)
        if paths[0].name not in by_name:
            raise MhlChainError(
                f"manifest {paths[0].name} is not listed in {CHAIN_FILE}",
                hint="an interrupted write may have left it; move it out of the ascmhl folder if it is not needed",
                path=paths[0],
            )
    return by_name


def _chain_entry(el: ET.Element, chain_path: Path) -> ChainEntry:
    seq_text = el.get("sequencenr", "")
    filename, algorithm, value = None, None, None
    for child in el:
        tag = local_name(child.tag)
        if tag == "path":
            filename = (child.text or "").strip()
        elif tag in _FORMATS:
            algorithm, value = _FORMATS[tag], (child.text or "").strip()
    if not seq_text.isdigit() or not filename or algorithm is None or not value:
        raise MhlFormatError(f"{chain_path.name} has an incomplete <hashlist> entry", path=chain_path)
    if "/" in filename or "\\" in filename or filename in (".", "..") or "\0" in filename:
        raise MhlFormatError(
            f"{chain_path.name} names a manifest outside its folder: {filename!r}", path=chain_path
        )
    return ChainEntry(int(seq_text), filename, algorithm, value)


def _find_nested(scope_root: Path) -> list[bytes]:
    """Relpaths of subfolders holding their own ``ascmhl/`` history (the closest ones only)."""
    root = os.fsencode(scope_root)
    marker = ASCMHL_FOLDER.encode()
    found: list[bytes] = []
    for dirpath, dirnames, _files in os.walk(root):
        if dirpath != root and marker in dirnames:
            found.append(os.path.relpath(dirpath, root).replace(os.sep.encode(), b"/"))
            dirnames.clear()
            continue
        if marker in dirnames:
            dirnames.remove(marker)
        dirnames.sort()
    return sorted(found)


def _check_references(history: MhlHistory) -> None:
    """A ``hashlistreference`` must name a file inside the scope root (no absolute path, no ``..``, no
    symbolic link on the way) and, when that manifest exists, match its C4 (tamper evidence)."""
    for gen in history.generations:
        for ref in gen.references:
            target = confined_path(history.scope_root, ref.path, gen.path)
            if target is not None and hash_history_file(target, HashAlgorithm.C4) != ref.c4:
                raise MhlChainError(
                    f"nested manifest {ref.path} does not match the c4 referenced by {gen.path.name}",
                    path=target,
                )


def unsafe_relpath(text: str) -> bool:
    """True for a manifest path that could leave its folder or is not a plain relative path: empty,
    absolute, ``.``/``..`` or empty components, NUL; on Windows also drive names and ``\\`` separators."""
    if not text or text.startswith("/") or "\0" in text:
        return True
    parts = text.split("/")
    if os.name == "nt":
        if text.startswith("\\") or (len(text) > 1 and text[1] == ":"):
            return True
        parts = text.replace("\\", "/").split("/")
    return any(part in ("", ".", "..") for part in parts)


def confined_path(scope_root: Path, relpath: str, named_in: Path) -> Path | None:
    """``scope_root/relpath`` when it is a regular file reached without leaving ``scope_root`` and without a
    symbolic link; ``None`` when it does not exist. Raises :class:`MhlFormatError` naming ``named_in``."""
    if unsafe_relpath(relpath):
        raise MhlFormatError(f"{named_in.name} references {relpath!r}, outside its folder; refused", path=named_in)
    current = Path(scope_root)
    for part in relpath.split("/"):
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise MhlFormatError(f"cannot read {current}: {exc.strerror or exc}", path=current) from None
        if stat.S_ISLNK(st.st_mode):
            raise MhlFormatError(f"{named_in.name} references {relpath!r} through a symbolic link ({current}); "
                                 "refused", path=named_in)
    if not stat.S_ISREG(st.st_mode):
        raise MhlFormatError(f"{named_in.name} references {relpath!r}, which is not a file", path=named_in)
    return current


# ----------------------------------------------------------------------------------------- manifest


class _ManifestParser:
    """Streaming parser: handles each ``hash``/``directoryhash`` when it ends and drops it (big manifests)."""

    def __init__(self, path: Path, sink: _OwnSink | None = None):
        self.path = path
        self.sink = sink
        self.root: ET.Element | None = None
        self.hashes_el: ET.Element | None = None
        self.creator: CreatorInfo | None = None
        self.created: datetime | None = None
        self.process: str | None = None
        self.root_hash: DirectoryHash | None = None
        self.ignore: list[str] = []
        self.records: list[MhlFileRecord] = []
        self.directories: list[DirectoryHash] = []
        self.references: list[HashListReference] = []

    def fail(self, what: str) -> MhlFormatError:
        return MhlFormatError(f"{self.path.name}: {what}", path=self.path)

    def feed(self, event: str, elem: ET.Element) -> None:
        if event == "start":
            if self.root is None:
                self._check_root(elem)
            elif local_name(elem.tag) == "hashes":
                self.hashes_el = elem
            return
        tag = local_name(elem.tag)
        if tag in ("hash", "directoryhash") and self.hashes_el is not None:
            if tag == "hash":
                if self.sink is None:
                    self.records.extend(self._file_records(elem))
                else:
                    relpath, size, _, groups = self._file_hash(elem)
                    for action, (hashes, _) in groups.items():
                        self.sink(relpath, size, action, hashes)
            else:
                self.directories.append(self._directory_hash(elem, with_path=True))
            self.hashes_el.remove(elem)  # always the first child left: O(1)
        elif tag == "creatorinfo":
            self.creator, self.created = self._creator(elem)
        elif tag == "processinfo":
            self._processinfo(elem)
        elif tag == "hashlistreference":
            self.references.append(self._reference(elem))

    def _check_root(self, elem: ET.Element) -> None:
        self.root = elem
        if elem.tag == "hashlist":
            raise self.fail(
                f"MHL v{elem.get('version', '1')} file (no ASC MHL v2.0 namespace); read it as legacy"
            )
        if elem.tag != f"{{{MHL_NAMESPACE}}}hashlist":
            raise self.fail(f"not an ASC MHL v2.0 manifest (root element {elem.tag!r})")
        if elem.get("version") != "2.0":
            raise self.fail(f"unsupported ASC MHL version {elem.get('version')!r}")

    def result(self, number: int, chain_c4: str | None) -> MhlGeneration:
        if self.creator is None or self.process is None:
            raise self.fail("missing <creatorinfo> or <processinfo>")
        return MhlGeneration(
            number=number,
            path=self.path,
            process=self.process,
            creator=self.creator,
            created=self.created,
            records=tuple(self.records),
            directories=tuple(self.directories),
            root_hash=self.root_hash,
            ignore_patterns=tuple(self.ignore),
            references=tuple(self.references),
            chain_c4=chain_c4,
        )

    # -- pieces

    def _creator(self, elem: ET.Element) -> tuple[CreatorInfo, datetime | None]:
        fields: dict[str, str | None] = {}
        created = None
        author_seen = False
        for child in elem:
            tag, text = local_name(child.tag), (child.text or "").strip()
            if tag == "creationdate":
                created = parse_datetime(text)
            elif tag == "hostname":
                fields["hostname"] = text
            elif tag == "tool":
                fields["tool_name"], fields["tool_version"] = text, child.get("version", "")
            elif tag == "author" and not author_seen:  # CreatorInfo keeps the first author
                author_seen = True
                fields["author_name"] = text or None
                fields["author_email"] = child.get("email")
                fields["author_role"] = child.get("role")
            elif tag in ("location", "comment"):
                fields[tag] = text
        creator = CreatorInfo(
            tool_name=fields.pop("tool_name", "") or "",
            tool_version=fields.pop("tool_version", "") or "",
            hostname=fields.pop("hostname", "") or "",
            **fields,
        )
        return creator, created

    def _processinfo(self, elem: ET.Element) -> None:
        for child in elem:
            tag = local_name(child.tag)
            if tag == "process":
                self.process = (child.text or "").strip()
            elif tag == "roothash":
                self.root_hash = self._directory_hash(child, with_path=False)
            elif tag == "ignore":
                self.ignore.extend(p.text for p in child if local_name(p.tag) == "pattern" and p.text)

    def _path(self, elem: ET.Element) -> tuple[bytes, ET.Element]:
        for child in elem:
            if local_name(child.tag) == "path":
                text = child.text or ""
                if unsafe_relpath(text):
                    raise self.fail(f"unsafe or empty path {text!r}")
                return text.encode("utf-8"), child
        raise self.fail(f"<{local_name(elem.tag)}> without <path>")

    def _file_records(self, elem: ET.Element) -> list[MhlFileRecord]:
        """One record per distinct ``action`` in the element (nearly always exactly one)."""
        relpath, size, path_el, groups = self._file_hash(elem)
        mtime_ns = to_ns(parse_datetime(path_el.get("lastmodificationdate")))
        return [
            MhlFileRecord(relpath, size, mtime_ns, hashes, action=action, hashdate=parse_datetime(hashdate))
            for action, (hashes, hashdate) in groups.items()
        ]

    def _file_hash(
        self, elem: ET.Element
    ) -> tuple[bytes, int | None, ET.Element, dict[str, tuple[dict[HashAlgorithm, str], str | None]]]:
        """A ``<hash>`` checked: path, size, its ``<path>`` element and ``{action: (hashes, hashdate text)}``."""
        relpath, path_el = self._path(elem)
        size_text = path_el.get("size")
        try:
            size = int(size_text) if size_text else None
        except ValueError:
            raise self.fail(f"bad size {size_text!r} for {relpath!r}") from None
        groups: dict[str, tuple[dict[HashAlgorithm, str], str | None]] = {}
        for child in elem:
            algorithm = _FORMATS.get(local_name(child.tag))
            if algorithm is None:
                continue  # path, previousPath, metadata
            action = child.get("action") or Action.ORIGINAL  # XSD: optional; absent means first record
            if action not in _ACTIONS:
                raise self.fail(f"unknown action {action!r} for {relpath!r}")
            hashes, _ = groups.setdefault(str(action), ({}, child.get("hashdate")))
            hashes[algorithm] = (child.text or "").strip()
        if not groups:
            raise self.fail(f"<hash> for {relpath!r} has no hash value")
        return relpath, size, path_el, groups

    def _directory_hash(self, elem: ET.Element, *, with_path: bool) -> DirectoryHash:
        relpath, mtime_ns = b"", None
        if with_path:
            relpath, path_el = self._path(elem)
            mtime_ns = to_ns(parse_datetime(path_el.get("lastmodificationdate")))
        parts: dict[str, dict[HashAlgorithm, str]] = {"content": {}, "structure": {}}
        for child in elem:
            kind = local_name(child.tag)
            if kind in parts:
                for value in child:
                    algorithm = _FORMATS.get(local_name(value.tag))
                    if algorithm is not None:
                        parts[kind][algorithm] = (value.text or "").strip()
        return DirectoryHash(relpath, parts["content"], parts["structure"], mtime_ns)

    def _reference(self, elem: ET.Element) -> HashListReference:
        path, c4 = None, None
        for child in elem:
            tag = local_name(child.tag)
            if tag == "path":
                path = (child.text or "").strip()
            elif tag == "c4":
                c4 = (child.text or "").strip()
        if not path or not c4:
            raise self.fail("incomplete <hashlistreference>")
        return HashListReference(path, c4)


def iter_records(history: MhlHistory) -> Iterator[tuple[bytes, MhlFileRecord]]:
    """``(scope-relative path, record)`` of every record in a history and its nested histories."""
    for prefix, sub in history.walk():
        for gen in sub.generations:
            for rec in gen.records:
                yield (prefix + b"/" + rec.relpath if prefix else rec.relpath), rec
