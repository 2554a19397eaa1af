"""Bytes to and from a tape mounted as a folder (LTFS): one sequential writer, the read-back pass, the LTFS hash
extended attributes and the volume marker PIXM leaves on every tape.

LTFS never frees space and cannot rewrite a file in place, so a file is written once, start to end, with a
new name (``O_EXCL``), never sparse; a failed write leaves its partial file (counted as used). The read-back
reads every file once, in the order written, after the tape was unmounted and mounted again (or, on a plain
folder, after its pages were dropped from the page cache), and hashes it in that same pass.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pixm_desktop.core.hashes import HashAlgorithm, new_hasher, text_form

CHUNK = 8 * 1024 * 1024  # LTFS writes 512 KiB blocks; big sequential writes keep the drive streaming
SIDECARS = "PIXM_TAPE"  # PIXM's own files on a tape: volume marker, index, manifest, report
VOLUME_FILE = "volume.json"
#: The LTFS hash attributes (LTFS Format Specification 2.4, §7.4: ``ltfs.hash.*``, user namespace on Linux)
LTFS_XATTR = {"md5": "user.ltfs.hash.md5", "sha256": "user.ltfs.hash.sha256"}


def write_file(source: bytes | str, dest: Path, mtime_ns: int, cancelled: Callable[[], bool]) -> int:
    """Copy ``source`` to the new file ``dest`` (never overwritten) in :data:`CHUNK` pieces and give it the
    card's modification time; returns the bytes written. Raises ``FileExistsError``,
    ``OSError`` and, through ``cancelled()``, nothing: a cancel stops at a chunk boundary (returns -1)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(source, "rb", buffering=0) as src, open(dest, "xb", buffering=0) as out:
        while True:
            if cancelled():
                return -1
            chunk = src.read(CHUNK)
            if not chunk:
                break
            view = memoryview(chunk)
            while view:
                n = out.write(view)
                view = view[n:]
                written += n
    # no fsync per file: it stops the drive streaming; the read-back after the remount (or the flush before the
    # cache drop) is what proves the bytes reached the medium
    os.utime(dest, ns=(mtime_ns, mtime_ns))
    return written


def drop_cache(paths: list[Path]) -> None:
    """Flush, then ask the kernel to drop the cached pages of ``paths`` (``posix_fadvise DONTNEED``) so the
    read-back reads the medium; a filesystem that keeps no separate medium (tmpfs) has nothing to drop."""
    os.sync()
    if not hasattr(os, "posix_fadvise"):
        return
    for p in paths:
        try:
            fd = os.open(p, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def hash_file(path: Path, formats: tuple[HashAlgorithm, ...], ltfs_hash: str,
              cancelled: Callable[[], bool] = lambda: False) -> tuple[dict, str, int] | None:
    """Read ``path`` once: ``({format: text}, LTFS hash hex (md5 or sha256), bytes read)``; ``None`` when
    cancelled. Raises ``OSError``.

    Each format hashes on its own thread while the next chunk is read (hashlib and xxhash release the
    interpreter lock on big buffers): the read-back runs at the pace of the slowest hash, not their sum."""
    hashers = {a: new_hasher(a) for a in formats}
    extra = hashlib.sha256() if ltfs_hash == "sha256" else None
    updates = [h.update for h in hashers.values()] + ([extra.update] if extra is not None else [])
    n = 0
    with open(path, "rb", buffering=0) as fh, ThreadPoolExecutor(len(updates), "pixm-tape-hash") as pool:
        pending: list = []
        while True:
            if cancelled():
                return None
            chunk = fh.read(CHUNK)
            for f in pending:
                f.result()
            if not chunk:
                break
            pending = [pool.submit(update, chunk) for update in updates]
            n += len(chunk)
    hashes = {a: text_form(a, h.digest()) for a, h in hashers.items()}
    ltfs = extra.hexdigest() if extra is not None else hashes[HashAlgorithm.MD5]
    return hashes, ltfs, n


def set_ltfs_hash(path: Path, kind: str, value: str) -> str | None:
    """Set the LTFS hash attribute ``kind`` (md5, sha256) of ``path``; returns why not (the filesystem takes
    no user extended attributes) or ``None`` when set."""
    try:
        os.setxattr(path, LTFS_XATTR[kind], value.encode("ascii"))
    except AttributeError:
        return "this system has no extended attributes"
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM, errno.EACCES):
            return f"the filesystem takes no user extended attributes ({exc.strerror})"
        raise
    return None


def get_ltfs_hash(path: Path, kind: str) -> str | None:
    try:
        return os.getxattr(path, LTFS_XATTR[kind]).decode("ascii", "replace")
    except (AttributeError, OSError):
        return None


START_BLOCK_XATTR = "user.ltfs.startblock"  # LTFS: the tape block where a file's first extent starts


def start_block(path: Path) -> int | None:
    """Where ``path`` starts on the tape (LTFS ``ltfs.startblock``), or ``None`` (not LTFS, not readable)."""
    try:
        return int(os.getxattr(path, START_BLOCK_XATTR).decode("ascii").strip())
    except (AttributeError, OSError, ValueError):
        return None


def in_tape_order(entries: list, path: Callable[[object], Path], position: Callable[[object], int]) -> list:
    """``entries`` in the order the tape holds them: by LTFS start block when the filesystem tells every one
    (files written by other tools, or appended later, may sit elsewhere), else by the order PIXM wrote them."""
    blocks = [start_block(path(e)) for e in entries]
    if entries and all(b is not None for b in blocks):
        return [e for _b, _p, e in sorted(((b, position(e), e) for b, e in zip(blocks, entries, strict=True)),
                                          key=lambda x: (x[0], x[1]))]
    return sorted(entries, key=position)


def read_volume(mount: Path) -> dict | None:
    """The volume marker PIXM wrote on the tape (``{"label", "copy", …}``), or ``None``."""
    try:
        data = json.loads((mount / SIDECARS / VOLUME_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("label"), str) else None


def write_volume(mount: Path, label: str, copy: str) -> None:
    """Write the volume marker once (a tape keeps its first; LTFS rewrites cost space)."""
    folder = mount / SIDECARS
    folder.mkdir(exist_ok=True)
    path = folder / VOLUME_FILE
    if not path.exists():
        path.write_text(json.dumps({"label": label, "copy": copy, "format": "pixm-tape/1"}) + "\n", "utf-8")


__all__ = ["CHUNK", "LTFS_XATTR", "SIDECARS", "START_BLOCK_XATTR", "drop_cache", "get_ltfs_hash", "hash_file",
           "in_tape_order", "read_volume", "set_ltfs_hash", "start_block", "write_file", "write_volume"]
