"""Carry an ASC MHL history along with the files it describes (chain of custody: card → shuttle → RAID → tape).

ASC MHL v2.0 keeps one history per folder across every copy: a copy of a folder that already has a history
takes the earlier generations with it, byte for byte (their C4s in ``ascmhl_chain.xml`` must still match), and
the copying tool appends its own ``transfer`` generation. Starting again at generation 1 would cut the chain.

:func:`carry_history` copies the manifests and chain files of a source history (and of its nested
histories) into the matching folders below a destination, under each destination history's lock, before the
caller appends its generation there.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from pathlib import Path

from pixm_desktop.core.errors import MhlChainError, MhlWriteError

from ._xml import fsync_dir, replace_file, write_new_file
from .lock import HistoryLock
from .model import ASCMHL_FOLDER, CHAIN_FILE, MhlFileRecord, MhlHistory
from .reader import (
    MAX_CHAIN_BYTES,
    MAX_MANIFEST_BYTES,
    generation_files,
    load_history,
    read_bounded,
)
from .writer import ensure_history_folder, recover_interrupted_append


@dataclass(frozen=True)
class CarriedHistory:
    """What :func:`carry_history` did at one destination: per history folder (``b""`` = the scope root, else
    its relpath) the manifest names now carried (copied now or found there already, byte-identical)."""

    manifests: dict[bytes, tuple[str, ...]]

    @property
    def generations(self) -> int:
        """Generations carried in the root history."""
        return len(self.manifests.get(b"", ()))

    def names(self, prefix: bytes = b"") -> frozenset[str]:
        return frozenset(self.manifests.get(prefix, ()))


def nested_records(records: list[MhlFileRecord], carried: CarriedHistory | None,
                   ) -> list[tuple[bytes, list[MhlFileRecord]]]:
    """``(folder, records relative to it)`` for each nested history ``carried`` to a destination, deepest
    first: a nested history gets its own generation before the parent's references it (ASC MHL v2.0 nested
    histories: a file belongs to the closest history). Records of the root history are not returned."""
    prefixes = sorted((p for p in (carried.manifests if carried else {}) if p), key=lambda p: (-p.count(b"/"), p))
    out, taken = [], set()
    for prefix in prefixes:
        head = prefix + b"/"
        mine = [r for r in records if r.relpath.startswith(head) and r.relpath not in taken]
        taken.update(r.relpath for r in mine)
        if mine:
            out.append((prefix, [dc_replace(r, relpath=r.relpath[len(head):]) for r in mine]))
    return out


def carry_history(source: MhlHistory, dest_root: Path) -> CarriedHistory:
    """Copy every generation of ``source`` (read with :func:`~pixm_desktop.mhl.reader.read_history`, so its
    chain was checked) and of its nested histories into ``dest_root``'s matching ``ascmhl`` folders.

    A destination history that already holds the source's generations (an earlier run of the same copy, maybe
    with its own generations appended since) is kept: only what is missing is written. A destination history
    that differs — another manifest under a carried name, or generations the source does not have where the
    source has more — is never touched. Manifests are written to a temp name, made durable, read back, then
    moved into place; the chain is replaced last, so a reader never sees a manifest its chain lacks for long.

    Raises :class:`MhlChainError` (the destination holds a different history, naming it),
    :class:`MhlWriteError` (a carried file reads back different), :class:`MhlFormatError`,
    :class:`MhlLockError` and ``OSError``.
    """
    carried: dict[bytes, tuple[str, ...]] = {}
    for prefix, sub in source.walk():
        if not sub.generations:
            continue
        target = Path(dest_root) / os.fsdecode(prefix) if prefix else Path(dest_root)
        target.mkdir(parents=True, exist_ok=True)
        carried[prefix] = _carry_one(sub, target)
    return CarriedHistory(carried)


def _carry_one(source: MhlHistory, target: Path) -> tuple[str, ...]:
    src_folder = source.scope_root / ASCMHL_FOLDER
    names = tuple(g.path.name for g in source.generations)
    folder = ensure_history_folder(target)
    with HistoryLock(folder) as lock:
        recover_interrupted_append(lock)
        present, chained = _present(target, source)
        if chained and set(names) <= set(present):
            return names  # already carried (and maybe continued): nothing to write
        for name in names:
            if name not in present:
                _copy_manifest(src_folder / name, folder / name)
        chain = read_bounded(src_folder / CHAIN_FILE, MAX_CHAIN_BYTES)
        replace_file(folder / CHAIN_FILE, chain)
    _check_carried(source, target)
    return names


def _present(target: Path, source: MhlHistory) -> tuple[tuple[str, ...], bool]:
    """Names of the source's generations the destination history already holds (none when it has no history),
    and whether its chain lists them. Raises :class:`MhlChainError` when the destination history is not a
    copy of the source's."""
    try:
        existing = load_history(target)
    except MhlChainError:
        return _unchained_carry(target, source), False
    if not existing.generations:
        return (), False
    theirs = [(g.path.name, g.chain_c4) for g in existing.generations]
    ours = [(g.path.name, g.chain_c4) for g in source.generations]
    shared = min(len(theirs), len(ours))
    if theirs[:shared] != ours[:shared] or (len(theirs) > shared and len(ours) > shared):
        raise MhlChainError(
            f"{target / ASCMHL_FOLDER} already holds an ASC MHL history that is not the source's "
            f"({theirs[0][0]} …); the source's history cannot be carried into it",
            hint="offload into an empty folder (or move the old card folder aside): one folder, one history",
            path=target / ASCMHL_FOLDER)
    return tuple(name for name, _ in theirs[:shared]), True


def _unchained_carry(target: Path, source: MhlHistory) -> tuple[str, ...]:
    """What a carry killed before it rewrote the chain left: manifests that are all byte-identical copies of the
    source's are kept and the carry goes on; anything else is refused as it is."""
    wanted = {g.path.name: g.path for g in source.generations}
    found = [p for paths in generation_files(target / ASCMHL_FOLDER).values() for p in paths]
    for path in found:
        if path.name not in wanted or not _same_bytes(path, wanted[path.name]):
            raise MhlChainError(
                f"{target / ASCMHL_FOLDER} holds {path.name}, which its chain does not list and the source's "
                "history does not have", path=path,
                hint="move the stray manifest out of the ascmhl folder (keep it as evidence) and offload again")
    return tuple(p.name for p in found)


def _same_bytes(a: Path, b: Path) -> bool:
    return read_bounded(a, MAX_MANIFEST_BYTES) == read_bounded(b, MAX_MANIFEST_BYTES)


def _copy_manifest(src: Path, dest: Path) -> None:
    data = read_bounded(src, MAX_MANIFEST_BYTES)
    if os.path.lexists(dest):
        raise MhlChainError(f"{dest.name} already exists in {dest.parent} and is not in its chain",
                            hint="move the stray manifest out of the ascmhl folder and offload again", path=dest)
    tmp = dest.parent / f".pixm-mhl-{secrets.token_hex(8)}.tmp"
    try:
        write_new_file(tmp, data)
        if read_bounded(tmp, MAX_MANIFEST_BYTES) != data:
            raise MhlWriteError(f"carried manifest {dest.name} reads back different from the source's", path=dest,
                                hint="the destination drive may be failing; check it and offload again")
        os.rename(tmp, dest)
        fsync_dir(dest.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _check_carried(source: MhlHistory, target: Path) -> None:
    """Read the destination history back (chain and C4s checked by the reader) and compare it with the source's."""
    back = load_history(target)
    got = [(g.path.name, g.chain_c4) for g in back.generations[: len(source.generations)]]
    want = [(g.path.name, g.chain_c4) for g in source.generations]
    if got != want:
        raise MhlWriteError(f"the history carried to {target} reads back different from the source's",
                            hint="the destination drive may be failing; check it and offload again",
                            path=target / ASCMHL_FOLDER)
