"""A turnover package on disk: staged next to its folder, checked against the catalog's hashes, moved in, then
sealed by one ASC MHL generation of the package's own history (``<folder>/ascmhl``).

Nothing half-written stays: every file is first copied into a staging folder beside the target
(``.<name>.pixm-turnover-XXXX``, on the same drive so the moves are renames) and hashed there; a copy whose
xxh64 is not the catalog's stops the turnover (:class:`VerificationFailedError`). Only then are the files
moved into the target (never over an existing file) and the generation written; a failure on the way moves
nothing back but removes what this turnover put there, the folders it made and a history it began.

A repeat turnover into the same folder adds a generation with only the new files: a file the package already
holds with the same hash is ``unchanged`` (not copied again), one it holds with other content is a conflict
(:func:`existing_state` lets the checks name it before anything is written).
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import xxhash

from pixm_desktop import TOOL_NAME, __version__
from pixm_desktop.core.errors import UsageError, VerificationFailedError
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.mhl import Action, CreatorInfo, MhlFileRecord, write_generation
from pixm_desktop.mhl.reader import iter_records, load_history
from pixm_desktop.post.manifest import ManifestEntry
from pixm_desktop.services import context

CHUNK = 1 << 20
STAGING = ".pixm-turnover-"


@dataclass(frozen=True, slots=True)
class PackageFile:
    """A file for the package: ``rel`` (its path in the package, ``/``-separated), ``source`` (the file to copy),
    ``xxh64`` (the catalog's hash it must have after copying; "" = none known), ``role`` and ``clip``."""

    rel: str
    source: Path
    xxh64: str
    role: str
    clip: str = ""


@dataclass(slots=True)
class Delivered:
    """What a package write did: the generation number and the new files' relative paths (``new``)."""

    generation: int
    new: list[str] = field(default_factory=list)


def file_xxh64(path: Path) -> str:
    h = xxhash.xxh64()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def existing_state(target: Path) -> tuple[int, dict[str, str]]:
    """``(generations, {relpath: xxh64})`` of the package's own ASC MHL history (``(0, {})`` for none yet)."""
    if not (Path(target) / "ascmhl").is_dir():
        return 0, {}
    history = load_history(Path(target))
    held = {}
    for rel, rec in iter_records(history):
        value = rec.hashes.get(HashAlgorithm.XXH64)
        if value:
            held[os.fsdecode(rel)] = value
    return len(history.generations), held


def _copy_hashed(source: Path, dest: Path) -> str:
    """Copy ``source`` to ``dest`` (a new file) byte for byte, keeping its mtime; the xxh64 of what was
    written, read back from ``dest`` (never the bytes in memory)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as src, open(dest, "xb") as out:
        shutil.copyfileobj(src, out, CHUNK)
        out.flush()
        os.fsync(out.fileno())
    shutil.copystat(source, dest)
    return file_xxh64(dest)


class Staging:
    """The staging folder beside ``target`` and what is put in it (use as a context manager: it is removed at
    the end, whatever happened)."""

    def __init__(self, target: Path):
        self.target = Path(target)
        parent = self.target.parent
        if not parent.is_dir():
            raise UsageError(f"the folder {parent} does not exist", path=parent,
                             hint="mount the drive or choose another --to folder")
        self.root = parent / f".{self.target.name}{STAGING}{secrets.token_hex(4)}"
        self.files: dict[str, tuple[str, str, str]] = {}  # rel -> (xxh64, role, clip)

    def __enter__(self) -> Staging:
        self.root.mkdir()
        return self

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def copy(self, item: PackageFile) -> None:
        """Copy one file in and check its hash on disk against the catalog's (:class:`VerificationFailedError`)."""
        got = _copy_hashed(item.source, self.root / item.rel)
        if item.xxh64 and got != item.xxh64:
            raise VerificationFailedError(
                f"{item.rel}: xxh64 {got} after copying, the catalog holds {item.xxh64}", path=item.source,
                hint="the source changed since it was catalogued: re-render or re-offload it, then turn over again")
        self.files[item.rel] = (got, item.role, item.clip)

    def add(self, rel: str, role: str, clip: str = "") -> Path:
        """The staging path for a file a writer makes (:meth:`seal` hashes it)."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files[rel] = ("", role, clip)
        return path

    def seal(self) -> None:
        """Hash the files writers made (their hash is what they wrote)."""
        for rel, (value, role, clip) in list(self.files.items()):
            if not value:
                self.files[rel] = (file_xxh64(self.root / rel), role, clip)

    def entries(self) -> list[ManifestEntry]:
        """The staged files as manifest entries (``new``), after :meth:`seal`."""
        return [ManifestEntry(rel, (self.root / rel).stat().st_size, value, role, clip, "new")
                for rel, (value, role, clip) in sorted(self.files.items())]


def _move_in(staging: Staging, made: list[Path], moved: list[Path]) -> None:
    for rel in sorted(staging.files):
        dest = staging.target / rel
        missing = []
        folder = dest.parent
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for d in reversed(missing):
            d.mkdir()
            made.append(d)
        if dest.exists():
            raise UsageError(f"{dest} appeared while the turnover was written", path=dest, hint="turn over again")
        os.rename(staging.root / rel, dest)
        moved.append(dest)


def _undo(made: list[Path], moved: list[Path], history_began: bool, target: Path) -> None:
    for path in reversed(moved):
        path.unlink(missing_ok=True)
    if history_began:
        shutil.rmtree(target / "ascmhl", ignore_errors=True)
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            pass


def deliver(staging: Staging, *, author: str = "") -> Delivered:
    """Move the staged files into the target and write the generation recording them (xxh64, the copy's own
    hash, checked against the catalog when it was staged). Removes what it placed when anything fails (the
    target as it was before), then raises ``OSError`` or the MHL writer's errors."""
    staging.seal()
    target = staging.target
    history_began = not (target / "ascmhl").exists()
    made: list[Path] = []
    moved: list[Path] = []
    when = datetime.now(UTC)
    try:
        _move_in(staging, made, moved)
        records = []
        for rel, (value, _role, _clip) in sorted(staging.files.items()):
            st = (target / rel).stat()
            records.append(MhlFileRecord(rel.encode(), st.st_size, st.st_mtime_ns, {HashAlgorithm.XXH64: value},
                                         Action.ORIGINAL, when))
        creator = CreatorInfo(tool_name=TOOL_NAME, tool_version=__version__, hostname=context.hostname(),
                              author_name=author or None, comment="turnover")
        info = write_generation(target, records, creator=creator, when=when)
    except BaseException:
        _undo(made, moved, history_began, target)
        raise
    return Delivered(generation=info.generation, new=sorted(staging.files))


__all__ = ["Delivered", "PackageFile", "Staging", "deliver", "existing_state", "file_xxh64"]
