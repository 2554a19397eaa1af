"""Read a card's folder tree into the operating system's memory while the program is still loading.

``pixm offload CARD`` spends its first second importing its libraries; a card of thousands of small files that
nobody has listed yet answers each of its folders and files from the card itself (a few tenths of a second on
the cart benchmark's stills card). Listed here, beside the imports, the offload's own scan then finds the
names and sizes in memory. Only the system's caches change: nothing read here is used or kept, and the scan
that decides what is copied is the offload's own (``engine.scan``). Light on purpose: the standard library only.
"""

from __future__ import annotations

import os
import threading

#: Entries listed at most: a wrong folder (a whole drive) is not walked to its end.
LIMIT = 250_000


def prefetch_card(root: os.PathLike | str | bytes) -> threading.Thread:
    """List ``root``'s folder tree in a daemon thread (names and file metadata, never a file's data; links are
    not followed) and return the thread. Errors are skipped: the offload's scan meets and reports them."""
    thread = threading.Thread(target=walk, args=(os.fsencode(root),), name="pixm-card-prefetch", daemon=True)
    thread.start()
    return thread


def walk(root: bytes, limit: int = LIMIT) -> int:
    """List ``root``'s tree, at most ``limit`` entries; returns how many entries were met."""
    seen = 0
    folders = [root]
    while folders and seen < limit:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    seen += 1
                    _take(entry, folders)
                    if seen >= limit:
                        break
        except OSError:
            continue  # a folder that cannot be listed: the scan reports it
    return seen


def _take(entry: os.DirEntry, folders: list[bytes]) -> None:
    try:
        if entry.is_dir(follow_symlinks=False):
            folders.append(entry.path)
        else:
            entry.stat(follow_symlinks=False)
    except OSError:
        pass  # gone or unreadable: the scan reports it
