"""Read an ASC MHL v2.0 history: chain file, generations, nested histories.

ASC MHL v2.0 §history: ``<scope>/ascmhl/NNNN_….mhl`` manifests plus ``ascmhl_chain.xml`` listing each one's
C4 (field notes §1). Every manifest named in the chain must exist and match its C4, and every generation file
must be named in the chain; anything else raises :class:`MhlChainError` naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree as ET

from pixm_desktop.core.errors import MhlChainError, MhlFormatError, MhlHistoryNotFoundError
from pixm_desktop.core.hashes import HashAlgorithm, hash_bytes

from ._xml import local_name, parse_datetime, to_ns
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


@dataclass(frozen=True)
class ChainEntry:
    """One ``<hashlist>`` of ``ascmhl_chain.xml``: generation number, manifest file name, hash of its bytes."""

    sequence: int
    filename: str
    algorithm: HashAlgorithm
    value: str


# --------------------------------------------------------------------------------------------- public


def read_history(scope_root: Path) -> MhlHistory:
    """The history of ``scope_root`` with every generation (oldest first) and every nested history.

    Raises :class:`MhlHistoryNotFoundError` (no ``ascmhl`` folder, or no generation in it),
    :class:`MhlChainError` (chain missing, a manifest missing, modified or not in the chain) and
    :class:`MhlFormatError` (not well-formed, not ASC MHL v2.0).
    """
    scope_root = Path(scope_root)
    history = load_history(scope_root)
    if not history.generations:
        raise MhlHistoryNotFoundError(
            f"no ASC MHL generation in {scope_root / ASCMHL_FOLDER}",
            hint="the folder has no .mhl manifest; write a generation first",
            path=scope_root,
        )
    return history


def load_history(scope_root: Path) -> MhlHistory:
    """Like :func:`read_history` but a folder without ``ascmhl/`` gives an empty history (for appending)."""
    scope_root = Path(scope_root)
    if not scope_root.is_dir():
        raise MhlHistoryNotFoundError(f"{scope_root} is not a folder", path=scope_root)
    generations = _load_generations(scope_root)
    children = {}
    for rel in _find_nested(scope_root):
        child = load_history(scope_root / os.fsdecode(rel))
        if child.generations or child.children:  # an empty ascmhl/ folder is no history
            children[rel] = child
    history = MhlHistory(scope_root=scope_root, generations=generations, children=children)
    _check_references(history)
    return history


def read_chain(chain_path: Path) -> list[ChainEntry]:
    """Entries of ``ascmhl_chain.xml`` in file order. Raises :class:`MhlFormatError`."""
    root = _parse(chain_path)
    if root.tag != f"{{{CHAIN_NAMESPACE}}}ascmhldirectory":
        raise MhlFormatError(
            f"{chain_path.name} is not an ASC MHL chain file (root element {root.tag!r})", path=chain_path
        )
    return [_chain_entry(el, chain_path) for el in root if local_name(el.tag) == "hashlist"]


def read_manifest(path: Path, number: int = 0, chain_c4: str | None = None) -> MhlGeneration:
    """Parse one ``.mhl`` manifest. Raises :class:`MhlFormatError` naming the file."""
    parser = _ManifestParser(path)
    try:
        with open(path, "rb") as fh:
            for event, elem in ET.iterparse(fh, events=("start", "end")):
                parser.feed(event, elem)
    except ET.ParseError as exc:
        raise MhlFormatError(f"{path.name} is not well-formed XML: {exc}", path=path) from None
    except OSError as exc:
        raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None
    return parser.result(number, chain_c4)


def generation_files(ascmhl_dir: Path) -> dict[int, list[Path]]:
    """Generation manifests in ``ascmhl_dir`` by number (names the reference tool accepts, no ``._`` files)."""
    out: dict[int, list[Path]] = {}
    if not ascmhl_dir.is_dir():
        return out
    for entry in os.scandir(ascmhl_dir):
        match = GENERATION_NAME_RE.match(entry.name)
        if match and not entry.name.startswith("._") and entry.is_file():
            out.setdefault(int(match.group(1)), []).append(Path(entry.path))
    return out


# ------------------------------------------------------------------------------------------ history


def _load_generations(scope_root: Path) -> tuple[MhlGeneration, ...]:
    folder = scope_root / ASCMHL_FOLDER
    if not folder.is_dir():
        return ()
    chain_path = folder / CHAIN_FILE
    files = generation_files(folder)
    if not chain_path.is_file():
        if not files:
            return ()
        raise MhlChainError(
            f"{folder} has manifests but no {CHAIN_FILE}",
            hint="the history is incomplete; restore the chain file from another copy",
            path=chain_path,
        )
    chain = read_chain(chain_path)
    by_name = _check_chain(folder, chain, files)
    generations = [
        read_manifest(path, number, by_name[path.name].value)
        for number, paths in sorted(files.items())
        for path in paths
    ]
    return tuple(generations)


def _check_chain(
    folder: Path, chain: list[ChainEntry], files: dict[int, list[Path]]
) -> dict[str, ChainEntry]:
    """Every chain entry's manifest exists with the recorded hash; every manifest is in the chain."""
    by_name: dict[str, ChainEntry] = {}
    for entry in chain:
        manifest = folder / entry.filename
        if not manifest.is_file():
            raise MhlChainError(
                f"manifest {entry.filename} listed in {CHAIN_FILE} is missing",
                hint="restore it from another copy of this card",
                path=manifest,
            )
        actual = hash_bytes(manifest.read_bytes(), entry.algorithm)
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
    if "/" in filename or "\\" in filename:
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
    """A ``hashlistreference`` whose manifest exists must match its C4 (tamper evidence)."""
    for gen in history.generations:
        for ref in gen.references:
            target = history.scope_root / ref.path
            if target.is_file() and hash_bytes(target.read_bytes(), HashAlgorithm.C4) != ref.c4:
                raise MhlChainError(
                    f"nested manifest {ref.path} does not match the c4 referenced by {gen.path.name}",
                    path=target,
                )


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise MhlFormatError(f"{path.name} is not well-formed XML: {exc}", path=path) from None
    except OSError as exc:
        raise MhlFormatError(f"cannot read {path.name}: {exc.strerror or exc}", path=path) from None


# ----------------------------------------------------------------------------------------- manifest


class _ManifestParser:
    """Streaming parser: handles each ``hash``/``directoryhash`` when it ends and drops it (big manifests)."""

    def __init__(self, path: Path):
        self.path = path
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
                self.records.extend(self._file_records(elem))
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
                if not text or text.startswith("/") or ".." in text.split("/"):
                    raise self.fail(f"unsafe or empty path {text!r}")
                return text.encode("utf-8"), child
        raise self.fail(f"<{local_name(elem.tag)}> without <path>")

    def _file_records(self, elem: ET.Element) -> list[MhlFileRecord]:
        """One record per distinct ``action`` in the element (nearly always exactly one)."""
        relpath, path_el = self._path(elem)
        size_text = path_el.get("size")
        try:
            size = int(size_text) if size_text else None
        except ValueError:
            raise self.fail(f"bad size {size_text!r} for {relpath!r}") from None
        mtime_ns = to_ns(parse_datetime(path_el.get("lastmodificationdate")))
        groups: dict[str, tuple[dict[HashAlgorithm, str], datetime | None]] = {}
        for child in elem:
            algorithm = _FORMATS.get(local_name(child.tag))
            if algorithm is None:
                continue  # path, previousPath, metadata
            action = child.get("action") or Action.ORIGINAL  # XSD: optional; absent means first record
            if action not in _ACTIONS:
                raise self.fail(f"unknown action {action!r} for {relpath!r}")
            hashes, _ = groups.setdefault(action, ({}, parse_datetime(child.get("hashdate"))))
            hashes[algorithm] = (child.text or "").strip()
        if not groups:
            raise self.fail(f"<hash> for {relpath!r} has no hash value")
        return [
            MhlFileRecord(relpath, size, mtime_ns, hashes, action=action, hashdate=hashdate)
            for action, (hashes, hashdate) in groups.items()
        ]

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
