"""The window's reading of a card, handed to the offload's child process, used only while it is still true.

The window reads a card when it is queued (scan, recognise, fingerprint: :func:`services.offload.read_card`) to
plan it and check its destination set; the job then runs in a spawned child (``services.jobs.supervisor``) that
would read the card again, because the queue may have waited. Instead the window hands its reading over
(:class:`HandedOffload`, in the job's options) with a :class:`CardStamp` of the card, and the child takes the
reading only when a fresh stamp of the card is the same and the heads of its largest files still give the same
quick fingerprint; otherwise it reads the card afresh, exactly as without a handed reading. The destinations
and the catalog are always checked afresh in the child (``OffloadService.prepare``): only the card's side is
handed over, and the copy still checks each file's size and times when it reads it.

The stamp is an xxh3-128 over every entry below the card root, in name order, folders the scan ignores
included (an ``ascmhl`` history too): its raw relative path, ``lstat`` type and mode, size, mtime, ctime, inode
and device — plus the root's own real path and ``lstat``. A file added, removed, renamed, resized, touched or
replaced, a folder that cannot be listed any more, another card mounted at the same path (other device, other
inodes, other ctimes, other content) all change it. Stamping costs one ``scandir`` + ``lstat`` per entry and
reads no file. On Windows ``scandir`` gives no inode or device: the stamp there rests on names, sizes and times.

The stamp handed over is taken just *before* the card is read. Any change to an entry sets its ctime to the
moment of the change, later than that stamp, so a card that moved while the window read it, or at any time
after, stamps differently in the child, which then reads it again (the one blind spot, a change undone within
one tick of the file system's clock of the stamp, is left to the copy, which checks each file's size and times
when it reads it: a file planned that changed fails, never verifies). A card with its own ASC MHL history is
never handed over (the child loads and checks that history again).
"""

from __future__ import annotations

import logging
import os
import stat
import struct
from dataclasses import dataclass

import xxhash

from pixm_desktop.core.model import SourceFile
from pixm_desktop.engine.cards import CardIdentity, quick_fingerprint
from pixm_desktop.engine.scan import CardScan
from pixm_desktop.services.offload import CardReading, OffloadRequest, read_card

log = logging.getLogger(__name__)

_ENTRY = struct.Struct("<IqqqQQ")  # mode, size, mtime_ns, ctime_ns, inode, device


@dataclass(frozen=True, slots=True)
class CardStamp:
    """What a card looked like at one moment: its root's real path, the number of entries below it and an
    xxh3-128 hex ``digest`` of every entry's metadata (see the module docstring). Equal stamps: no entry was
    added, removed, renamed or changed in size, times, inode or device between the two moments."""

    root: str
    entries: int
    digest: str


@dataclass(slots=True)
class HandedOffload:
    """An offload's options with the window's reading of the card: ``request`` as asked, ``reading`` what
    :func:`read_card` found for it, ``stamp`` the card just before that read. Picklable (it crosses to the
    child)."""

    request: OffloadRequest
    reading: CardReading
    stamp: CardStamp

    def __reduce__(self):
        # the scan's files travel as plain tuples: pickling 20,000 slotted dataclasses one by one took 0.2 s
        scan = self.reading.scan
        files = [(f.relpath, f.size, f.mtime_ns) for f in scan.files]
        packed = (scan.root, files, scan.dirs, scan.ignored, scan.problems, self.reading.history)
        return _unpack, (self.request, packed, self.reading.identity, self.reading.fingerprint, self.stamp)

    def still_true(self) -> CardReading | None:
        """The reading when the card is still as it was read (same stamp, same quick fingerprint), else
        ``None`` (the caller reads the card afresh). Never raises: a card that cannot be stamped or read is
        ``None`` here, and the fresh read says what is wrong."""
        now = stamp_card(self.request.source)
        if now != self.stamp:
            log.info("card %s changed since it was queued (%s): read again", self.request.source,
                     "gone or unreadable" if now is None else f"{self.stamp.entries} → {now.entries} entries"
                     if now.entries != self.stamp.entries else "an entry changed")
            return None
        try:
            same_heads = quick_fingerprint(self.reading.scan) == self.reading.fingerprint
        except OSError:
            same_heads = False
        if not same_heads:
            log.info("card %s: the heads of its largest files changed since it was queued: read again",
                     self.request.source)
            return None
        return self.reading


def _unpack(request: OffloadRequest, packed: tuple, identity: CardIdentity, fingerprint: str,
            stamp: CardStamp) -> HandedOffload:
    root, files, dirs, ignored, problems, history = packed
    scan = CardScan(root, [SourceFile(*f) for f in files], dirs, ignored, problems)
    return HandedOffload(request, CardReading(scan, history, identity, fingerprint), stamp)


def stamp_card(source: os.PathLike | str) -> CardStamp | None:
    """The :class:`CardStamp` of the card at ``source`` (links not followed), or ``None`` when its root cannot
    be stat'd or listed. An entry below the root that cannot be stat'd or listed goes into the digest as such
    (with its errno), so it still counts as what the card was."""
    base = os.fsencode(source)
    try:
        st = os.stat(base)
        real = os.path.realpath(base)
        with os.scandir(base) as it:
            top = sorted(it, key=lambda e: e.name)
    except OSError:
        return None
    h = xxhash.xxh3_128()
    h.update(real + b"\0" + _ENTRY.pack(st.st_mode, 0, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev))
    entries = _stamp_entries(b"", top, h)
    return CardStamp(os.fsdecode(real), entries, h.hexdigest())


def _stamp_entries(rel: bytes, entries: list[os.DirEntry], h) -> int:
    n = 0
    for entry in entries:
        relpath = rel + b"/" + entry.name if rel else entry.name
        n += 1
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            h.update(relpath + b"\0!stat " + str(exc.errno).encode() + b"\0")
            continue
        h.update(relpath + b"\0" + _ENTRY.pack(st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino,
                                               st.st_dev))
        if stat.S_ISDIR(st.st_mode):
            try:
                with os.scandir(entry.path) as it:
                    below = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                h.update(relpath + b"/\0!list " + str(exc.errno).encode() + b"\0")
                continue
            n += _stamp_entries(relpath, below, h)
    return n


def read_to_hand(request: OffloadRequest) -> tuple[CardReading, HandedOffload | None]:
    """:func:`read_card` for ``request``, and the reading ready to hand to a child with the card's stamp taken
    just before the read — ``None`` when the card cannot be stamped or holds its own ASC MHL history.
    Raises what :func:`read_card` raises."""
    before = stamp_card(request.source)
    reading = read_card(request)
    if before is None or reading.history is not None:
        return reading, None
    return reading, HandedOffload(request, reading, before)
