"""Scan a card: every file with its raw name, size and mtime, sorted, with an ignore list.

Names are kept as the raw bytes the directory listing returned (no Unicode normalisation), because ASC MHL
compares raw names and because cards carry names that are not valid UTF-8.
"""

from __future__ import annotations

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
    """Basename patterns in gitignore style: ``name`` matches files and folders, ``name/`` folders only."""

    patterns: tuple[str, ...] = DEFAULT_SOURCE_IGNORES

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
    """What a scan found: ``files`` sorted by raw relpath, every folder (``dirs``), and what was skipped."""

    root: Path
    files: list[SourceFile] = field(default_factory=list)
    dirs: list[bytes] = field(default_factory=list)
    ignored: list[bytes] = field(default_factory=list)
    skipped: list[tuple[bytes, str]] = field(default_factory=list)  # (relpath, reason): links, devices

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def scan_card(root: os.PathLike | str, ignore: IgnoreList | None = None) -> CardScan:
    """Walk ``root`` (not following links) and return a :class:`CardScan`.

    Raises :class:`SourceError` when the card root is missing or unreadable (e.g. a pulled card).
    """
    root = Path(root)
    ignore = ignore or IgnoreList()
    if not root.is_dir():
        raise SourceError(f"source card folder not found: {root}", hint="check that the card is mounted", path=root)
    result = CardScan(root=root)
    _walk(os.fsencode(root), b"", ignore, result)
    result.files.sort(key=lambda f: f.relpath)
    result.dirs.sort()
    return result


def _walk(base: bytes, rel: bytes, ignore: IgnoreList, out: CardScan) -> None:
    folder = os.path.join(base, rel) if rel else base
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise SourceError(
            f"cannot read folder on the card: {exc.strerror}", hint="check the card and its reader", path=folder
        ) from exc
    for entry in entries:
        relpath = rel + b"/" + entry.name if rel else entry.name
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            out.skipped.append((relpath, f"cannot stat: {exc.strerror}"))
            continue
        is_dir = stat.S_ISDIR(st.st_mode)
        if ignore.ignores(entry.name, is_dir):
            out.ignored.append(relpath)
        elif is_dir:
            out.dirs.append(relpath)
            _walk(base, relpath, ignore, out)
        elif stat.S_ISREG(st.st_mode):
            out.files.append(SourceFile(relpath=relpath, size=st.st_size, mtime_ns=st.st_mtime_ns))
        else:
            kind = "symbolic link" if stat.S_ISLNK(st.st_mode) else "special file"
            out.skipped.append((relpath, f"{kind} not copied"))
