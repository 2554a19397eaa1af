"""Scan a card: every file with its raw name, size and mtime, sorted, with an ignore list.

Names are kept as the raw bytes the directory listing returned (no Unicode normalisation), because ASC MHL
compares raw names and because cards carry names that are not valid UTF-8.

Every entry the scan meets is accounted for, in exactly one of three lists: ``files`` (regular files, copied
and verified), ``ignored`` (matched by a listed rule: OS litter, an old history folder) or ``problems``
(entries PIXM cannot take: a file it cannot stat, a folder it cannot list, a symbolic link, a FIFO or device).
A problem blocks SAFE TO FORMAT: the card holds something that is on no destination. Symbolic links are never
followed nor copied (their target may be outside the card, and a link is not the data): the loader must
resolve them by hand.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.errors import SourceError
from pixm_desktop.core.model import SourceFile

#: Names never copied from a card: OS litter and an existing ASC MHL history folder (gitignore syntax).
DEFAULT_SOURCE_IGNORES: tuple[str, ...] = (
    ".DS_Store",
    "._*",
    ".Spotlight-V100/",
    ".Trashes/",
    ".fseventsd/",
    ".TemporaryItems/",
    "System Volume Information/",
    "$RECYCLE.BIN/",
    "ascmhl/",
    ".pixm-*.part",
)


@dataclass(frozen=True, slots=True)
class IgnoreList:
    """Basename patterns in gitignore style: ``name`` matches files and folders, ``name/`` folders only.

    ``keep`` holds relpaths (and their parent folders) taken even when a pattern matches them: files the card's
    own ASC MHL history records (a ``._*`` file a Mac wrote on a shuttle drive is part of what was recorded
    there, and leaving it out would break the history carried to the copy). Build it with :meth:`keeping`."""

    patterns: tuple[str, ...] = DEFAULT_SOURCE_IGNORES
    keep: frozenset[bytes] = frozenset()

    def keeping(self, relpaths) -> IgnoreList:
        """This list, also keeping ``relpaths`` (``/``-separated bytes) and every folder above them; a path
        through an ``ascmhl`` folder is never kept (histories are carried, not copied as files)."""
        keep = set(self.keep)
        for rel in relpaths:
            parts = rel.split(b"/")
            if b"ascmhl" in parts[:-1]:
                continue
            keep.update(b"/".join(parts[:n]) for n in range(1, len(parts) + 1))
        return IgnoreList(self.patterns, frozenset(keep))

    def ignores(self, name: bytes, is_dir: bool) -> bool:
        text = name.decode("utf-8", errors="surrogateescape")
        for pat in self.patterns:
            if pat.endswith("/"):
                if is_dir and fnmatch.fnmatchcase(text, pat[:-1]):
                    return True
            elif fnmatch.fnmatchcase(text, pat):
                return True
        return False


@dataclass(slots=True)
class CardScan:
    """What a scan found: ``files`` sorted by raw relpath, every folder (``dirs``), entries matched by the ignore
    list (``ignored``) and entries PIXM cannot take (``problems``: ``(relpath, reason)``, sorted)."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    dirs: list[bytes] = field(default_factory=list)
    ignored: list[bytes] = field(default_factory=list)
    problems: list[tuple[bytes, str]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def scan_card(root: os.PathLike | str, ignore: IgnoreList | None = None) -> CardScan:
    """Walk ``root`` (not following links) and return a :class:`CardScan`.

    Raises :class:`SourceError` when the card root is missing or cannot be listed (e.g. a pulled card); a
    folder *below* the root that cannot be listed is a problem entry, and the rest of the card is scanned.
    """
    root = Path(root)
    ignore = ignore or IgnoreList()
    if not root.is_dir():
        raise SourceError(f"source card folder not found: {root}", hint="check that the card is mounted", path=root)
    result = CardScan(root=root)
    base = os.fsencode(root)
    try:
        entries = _list(base)
    except OSError as exc:
        raise SourceError(f"cannot read the card folder: {exc.strerror}", hint="check the card, its reader and "
                          "the folder's permissions", path=root) from exc
    _walk(base, b"", entries, ignore, result)
    result.files.sort(key=lambda f: f.relpath)
    result.dirs.sort()
    result.problems.sort()
    return result


def _list(folder: bytes) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _walk(base: bytes, rel: bytes, entries: list[os.DirEntry], ignore: IgnoreList, out: CardScan) -> None:
    for entry in entries:
        relpath = rel + b"/" + entry.name if rel else entry.name
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            out.problems.append((relpath, _cannot("stat", exc)))
            continue
        is_dir = stat.S_ISDIR(st.st_mode)
        if ignore.ignores(entry.name, is_dir) and relpath not in ignore.keep:
            out.ignored.append(relpath)
        elif is_dir:
            _enter(base, relpath, ignore, out)
        elif stat.S_ISREG(st.st_mode):
            out.files.append(SourceFile(relpath=relpath, size=st.st_size, mtime_ns=st.st_mtime_ns))
        else:
            out.problems.append((relpath, _special(entry.path, st.st_mode)))


def _enter(base: bytes, relpath: bytes, ignore: IgnoreList, out: CardScan) -> None:
    try:
        entries = _list(os.path.join(base, relpath))
    except OSError as exc:
        out.problems.append((relpath + b"/", _cannot("list the folder", exc)))
        return
    out.dirs.append(relpath)
    _walk(base, relpath, entries, ignore, out)


def _cannot(what: str, exc: OSError) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        return "path too long for this computer: cannot be read; copy it by hand from a shorter mount point"
    return f"cannot {what}: {exc.strerror or exc}; not copied"


def _special(path: bytes, mode: int) -> str:
    """Words for an entry that is neither a file nor a folder (why it blocks SAFE TO FORMAT)."""
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path).decode("utf-8", "replace")
        except OSError:
            target = "?"
        return (f"symbolic link (→ {target}): links are not copied, their target is on no destination; "
                "copy what it points to by hand")
    kinds = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"))
    kind = next((name for test, name in kinds if test(mode)), "special file")
    return f"{kind}: not a file, cannot be copied"
