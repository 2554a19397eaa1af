"""Reading bytes from the media rather than from the operating system's page cache.

A verification that re-reads a copy the OS still holds in memory proves nothing about the drive. Before a
re-read we flush and drop the file's cached pages (Linux ``posix_fadvise(POSIX_FADV_DONTNEED)``), or ask the
kernel not to cache the reads (macOS ``F_NOCACHE``). Windows unbuffered reads are not implemented yet: there the
re-read may be served from the cache, and :data:`CACHE_BYPASS` says so.
"""

from __future__ import annotations

import errno
import mmap
import os
import stat
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from pixm_desktop.core.hashes import HashAlgorithm, MultiHasher
from pixm_desktop.core.model import CancelToken

CHUNK_SIZE = 8 * 1024 * 1024  # bytes per read: large reads keep spinning disks and RAIDs streaming
_F_NOCACHE = 48  # macOS fcntl command
_HAS_FADVISE = hasattr(os, "posix_fadvise")

#: How this platform bypasses the page cache on re-read: "fadvise", "nocache" or "none".
CACHE_BYPASS = "fadvise" if _HAS_FADVISE else ("nocache" if sys.platform == "darwin" else "none")


def drop_cached_pages(fd: int, offset: int = 0, length: int = 0) -> None:
    """Evict the file's clean cached pages in ``[offset, offset+length)`` (0 = to the end). Best effort."""
    if _HAS_FADVISE:
        try:
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass  # some filesystems (FUSE, network) refuse: the read still happens, maybe from cache


class NotACopyError(OSError):
    """What should be a copy is not a regular file on the destination's drive (a symbolic link, a folder, a
    FIFO or device, or a file on another drive reached through a link): it proves nothing about the drive."""


_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not hang; regular files ignore it


def open_regular(path: os.PathLike | str | bytes, *, expect_dev: int | None = None) -> int:
    """Open ``path`` read-only, refusing anything but a regular file: the last component is not followed when
    it is a link (``O_NOFOLLOW``), and with ``expect_dev`` the file must be on that device (``st_dev``).
    Returns an OS file descriptor. Raises :class:`NotACopyError` (with the reason) or ``OSError``."""
    return _open_regular(path, expect_dev)[0]


def _open_regular(path: os.PathLike | str | bytes, expect_dev: int | None) -> tuple[int, os.stat_result]:
    """:func:`open_regular`, with the ``fstat`` it checked."""
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise NotACopyError(errno.ELOOP, "a symbolic link is not a copy", path) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a special file (FIFO, socket or device)"
            raise NotACopyError(errno.EINVAL, f"{kind} is not a copy", path)
        if expect_dev is not None and st.st_dev != expect_dev:
            raise NotACopyError(errno.EXDEV, "the file is on another drive than its destination folder (reached "
                                "through a linked folder?): not a copy", path)
        if _O_NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def open_uncached(path: os.PathLike | str | bytes, *, flush: bool = True, expect_dev: int | None = None) -> int:
    """Open the regular file ``path`` read-only for a re-read from the media; returns an OS file descriptor.

    With ``flush`` dirty pages are written first (fsync) so that dropping the cache forces a read from the
    drive; the copier passes ``flush=False`` for files it already made durable. Raises
    :class:`NotACopyError` for a link, folder, special file or a file off ``expect_dev``, else ``OSError``.
    """
    fd = open_regular(path, expect_dev=expect_dev)
    try:
        if sys.platform == "darwin":
            import fcntl

            fcntl.fcntl(fd, _F_NOCACHE, 1)
        else:
            if flush:
                try:
                    os.fsync(fd)
                except OSError:
                    pass  # read-only media or filesystems without fsync: nothing dirty to flush
            drop_cached_pages(fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def hash_from_media(
    path: os.PathLike | str | bytes,
    algorithms: Iterable[HashAlgorithm],
    *,
    cancel: CancelToken | None = None,
    on_bytes: Callable[[int], None] | None = None,
    chunk_size: int = CHUNK_SIZE,
    flush: bool = True,
    expect_dev: int | None = None,
    fd: int | None = None,
    drop_behind: bool = True,
    size_at_open: int | None = None,
) -> tuple[dict[HashAlgorithm, str], int]:
    """Hash a regular file as read back from the drive: ``({algorithm: text form}, bytes read)``.

    Pages read are dropped again as we go so a verification does not fill the cache with the copy. Links are
    not followed. ``fd``: the file already opened by :func:`open_for_reread` (this call closes it);
    ``drop_behind=False`` leaves a small file's pages cached after the read (one system call less per file).
    ``size_at_open``: the size that opening saw (:attr:`OpenedCopy.size`, bytes). A read that gives less than
    asked and brings the bytes read to exactly that size is taken as the file's end, without one more read to
    find it: a regular file's read is short at its end, and the file held no more when it was opened. A file
    that grew since gives more bytes, one that shrank fewer: either is read to its end as before, and its size
    is what the caller compares.
    Raises :class:`NotACopyError` (a link, folder or special file, or a file off ``expect_dev``),
    ``OSError`` (missing file, I/O error) and :class:`~pixm_desktop.core.errors.CancelledError`.
    """
    hasher = MultiHasher(algorithms)
    total = 0
    buf = _read_buffer(chunk_size)
    if fd is None:
        fd = open_uncached(path, flush=flush, expect_dev=expect_dev)
    try:
        while True:
            if cancel is not None:
                _check_cancel(cancel)
            n = _readinto(fd, buf)
            if not n:
                break
            hasher.update(buf[:n])
            if drop_behind:
                drop_cached_pages(fd, total, n)
            total += n
            if on_bytes is not None:
                on_bytes(n)
            if total == size_at_open and n < len(buf):
                break
    finally:
        os.close(fd)
    return hasher.hexdigests(), total


#: Whether :func:`open_for_reread` can drop a copy's cached pages and fetch it ahead (Linux fadvise).
REREAD_AHEAD = _HAS_FADVISE


class OpenedCopy(NamedTuple):
    """A copy opened for its re-read by :func:`open_for_reread`: the descriptor and the size it had (bytes)."""

    fd: int
    size: int


def open_for_reread(path: os.PathLike | str | bytes, *, expect_dev: int | None = None) -> OpenedCopy:
    """Open a copy already made durable for its verification re-read: a regular file on ``expect_dev`` (as
    :func:`open_regular`), its cached pages dropped and the drive asked to fetch it now, so a batch of small
    copies is read in parallel. Returns the descriptor and the size seen, for :func:`hash_from_media`
    (``fd=``, ``size_at_open=``), which closes it. Linux only (:data:`REREAD_AHEAD`). Raises
    :class:`NotACopyError` or ``OSError``."""
    fd, st = _open_regular(path, expect_dev)
    try:
        drop_cached_pages(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass  # only hints: the re-read still happens, one file at a time
    return OpenedCopy(fd, st.st_size)


if hasattr(os, "readv"):
    def _readinto(fd: int, buf: memoryview) -> int:
        return os.readv(fd, [buf])
else:  # Windows
    def _readinto(fd: int, buf: memoryview) -> int:
        with os.fdopen(fd, "rb", buffering=0, closefd=False) as fh:
            return fh.readinto(buf)


_buffers = threading.local()


def _read_buffer(size: int) -> memoryview:
    """This thread's read buffer of ``size`` bytes, reused from file to file: a fresh 8 MiB buffer per file
    costs an allocation (and heap growth) for every 4 KB still of a stills card. Anonymous memory, so only the
    pages a read has filled are resident (a thread that hashed only small files holds a few KB)."""
    buf = getattr(_buffers, "buf", None)
    if buf is None or len(buf) != size:
        buf = _buffers.buf = memoryview(mmap.mmap(-1, size))
    return buf


READ_AHEAD_MAX = 16 * 1024 * 1024  # files up to this size are read ahead; larger ones stream sequentially


def open_ahead(path: os.PathLike | str | bytes) -> int | None:
    """Open a small card file ahead of its read and ask the drive to start reading it now
    (``POSIX_FADV_WILLNEED``), so many small files are fetched in parallel instead of one seek at a time. The
    descriptor returned is the one the read then uses (one open per file); the caller closes it. ``None``
    where the platform cannot fetch ahead or the open fails (the read's own open then reports why). Never
    follows a link and never waits on a special file (``O_NOFOLLOW | O_NONBLOCK``: a FIFO put in a file's place
    would otherwise block the open). (A copy's verification read ahead is :func:`open_for_reread`.)"""
    if not _HAS_FADVISE:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK)
    except OSError:
        return None
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass  # only a hint: the descriptor is still good for the read
    return fd


def _linux_libc(name: str, *argtypes: str):
    """The C library's function ``name`` (argument types named as in :mod:`ctypes`), with ``errno`` kept, or
    ``None`` off Linux or where the C library lacks it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = getattr(ctypes.CDLL(None, use_errno=True), name)
        fn.argtypes = [getattr(ctypes, t) for t in argtypes]
        return fn
    except (OSError, AttributeError):
        return None


_SYNCFS = _linux_libc("syncfs", "c_int")
_SYNC_FILE_RANGE = _linux_libc("sync_file_range", "c_int", "c_int64", "c_int64", "c_uint")
_SYNC_FILE_RANGE_WRITE = 2


def start_writeback(fd: int, offset: int, length: int) -> None:
    """Ask the drive to start writing ``length`` bytes at ``offset`` of ``fd`` now, without waiting (Linux
    ``sync_file_range(SYNC_FILE_RANGE_WRITE)``). Below the kernel's dirty thresholds written data otherwise
    waits in memory until the batch's ``syncfs``, and the drive idles while the verifier re-reads. Durability
    still comes from :func:`make_durable` alone. Best effort; a no-op elsewhere."""
    if _SYNC_FILE_RANGE is not None:
        _SYNC_FILE_RANGE(fd, offset, length, _SYNC_FILE_RANGE_WRITE)


#: Whether :func:`wait_until_stored` can wait here (Linux ``syncfs``).
CAN_WAIT_UNTIL_STORED = _SYNCFS is not None


def wait_until_stored(fd: int) -> None:
    """Wait until what was written so far to the filesystem of ``fd`` has reached its drive (Linux ``syncfs``;
    a no-op elsewhere). Pacing only: it proves nothing and reports nothing. What a copy counts on is its
    batch's :func:`make_durable` and its re-read from the drive, which fails any copy that did not reach it."""
    if _SYNCFS is not None:
        _SYNCFS(fd)


_RENAMEAT2 = _linux_libc("renameat2", "c_int", "c_char_p", "c_int", "c_char_p", "c_uint")
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1

#: Whether :func:`rename_no_replace` can be atomic here (Linux ``renameat2``); the filesystem may still refuse.
ATOMIC_NO_REPLACE = _RENAMEAT2 is not None


def rename_no_replace(src: bytes, dst: bytes) -> bool:
    """Rename ``src`` to ``dst`` unless ``dst`` exists, atomically (Linux ``renameat2(RENAME_NOREPLACE)``): no
    moment exists where another file at ``dst`` could be overwritten. Returns ``True`` once renamed.

    Raises ``FileExistsError`` when ``dst`` exists; ``NotImplementedError`` where the platform or the
    filesystem cannot rename without replacing (the caller checks and renames itself); other ``OSError``."""
    if _RENAMEAT2 is None:
        raise NotImplementedError("renameat2 is not available")
    if _RENAMEAT2(_AT_FDCWD, src, _AT_FDCWD, dst, _RENAME_NOREPLACE) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        raise NotImplementedError(f"this filesystem refuses RENAME_NOREPLACE ({os.strerror(err)})")
    if err == errno.EEXIST:
        raise FileExistsError(err, os.strerror(err), dst)
    raise OSError(err, os.strerror(err), src)


def make_durable(folder: os.PathLike | str | bytes, files: list[bytes]) -> None:
    """Write the data of ``files`` (all on ``folder``'s filesystem) to the drive before returning.

    Linux: one ``syncfs`` for the whole batch (a journal commit per batch, not per file); elsewhere an
    ``fsync`` per file (macOS: ``F_FULLFSYNC`` so the drive's own cache is flushed too). Raises ``OSError``.
    """
    if _SYNCFS is not None and files:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if _SYNCFS(fd) != 0:
                import ctypes

                err = ctypes.get_errno()
                raise OSError(err, os.strerror(err), folder)
        finally:
            os.close(fd)
        return
    for path in files:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        try:
            if sys.platform == "darwin":
                import fcntl

                fcntl.fcntl(fd, fcntl.F_FULLFSYNC)
            else:
                os.fsync(fd)
        finally:
            os.close(fd)


def hash_file_for_mhl(path: Path, algorithms: Iterable[HashAlgorithm]) -> dict[HashAlgorithm, str]:
    """Adapter with the ``hash_file`` shape the MHL verifier takes (media re-read, hashes only)."""
    return hash_from_media(path, algorithms)[0]


def _check_cancel(cancel: CancelToken) -> None:
    from pixm_desktop.core.errors import CancelledError

    cancel.wait_if_paused()
    if cancel.cancelled:
        raise CancelledError("cancelled by the user")
