"""The copy engine: read each source file once, hash it in flight, fan the chunks out to one writer per
destination, then re-read every copy from the media and compare.

Threads: the caller's thread reads the card and hashes; each destination has a writer thread behind a bounded
queue (a slow drive slows only its own queue until it is full) and a verifier thread that re-reads finished
copies with their cached pages dropped, so copying and verification overlap. While they work on small files
the threads share one core (:mod:`pixm_desktop.engine.cores`), so their GIL hand-overs stay on it. Results come
back as :class:`~pixm_desktop.core.model.FileResult` events from a generator; progress is written into a shared
:class:`~pixm_desktop.core.model.ProgressSnapshot` that the GUI/CLI poll.

Guarantees: a copy is written under a temporary name, fsynced, given the source's mtime and only then renamed;
an existing file with different content is never overwritten; ``verified`` is only reported for bytes read
back from the drive and compared against the source hash of every requested format, from a regular file on
the destination's own drive (a symbolic link, a linked folder or a special file is never a copy); a card file
that changes while it is read (size, mtime, ctime, inode) is never copied.
"""

from __future__ import annotations

import errno
import os
import queue
import stat
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import xxhash

from pixm_desktop.core.errors import CancelledError, SourceError
from pixm_desktop.core.hashes import HashAlgorithm, MultiHasher
from pixm_desktop.core.model import (
    CancelToken,
    CopyFailure,
    CopyState,
    DestinationProgress,
    FileResult,
    ProgressSnapshot,
    SourceFile,
)
from pixm_desktop.engine.cores import PIN_UP_TO, SharedCore
from pixm_desktop.engine.mediaio import (
    ATOMIC_NO_REPLACE,
    CAN_WAIT_UNTIL_STORED,
    CHUNK_SIZE,
    READ_AHEAD_MAX,
    REREAD_AHEAD,
    NotACopyError,
    OpenedCopy,
    hash_from_media,
    make_durable,
    open_ahead,
    open_for_reread,
    rename_no_replace,
    start_writeback,
    wait_until_stored,
)

READ_AHEAD_FILES = 32  # small source files asked of the card ahead of the reader
REREAD_GROUP = 64  # small copies opened and fetched together for their re-read (open descriptors stay few)
QUEUE_DEPTH = 4  # chunks buffered per destination writer: bounds memory to depth × chunk × destinations
SMALL_FILE = 1024 * 1024  # files up to this size travel to the writers in batches, not message by message
BATCH_BYTES = 4 * 1024 * 1024  # a batch is handed over at this many bytes of small files …
BATCH_MESSAGES = 384  # … or this many messages (three per file), whichever comes first
BATCH_FILES = 1024  # finished copies made durable (one syncfs), renamed and re-read together …
BATCH_SECONDS = 0.5  # … or those finished within this long: fewer journal commits per small file
WRITE_AHEAD = 32 * 1024 * 1024  # bytes a writer may have written past what its drive has stored (see _pace)
WRITEBACK_FROM = 64 * 1024  # smaller copies wait for their batch's syncfs (one request per tiny file costs more)
_UTIME_BY_FD = os.utime in os.supports_fd  # the copy's mtime set through its open file: no path lookup
TEMP_PREFIX = ".pixm-"
TEMP_SUFFIX = ".part"
_FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.ENXIO, errno.ENODEV,
                 getattr(errno, "ESTALE", -1)}
_ZERO_CHUNK = bytes(CHUNK_SIZE)
_STOP = object()


@dataclass(frozen=True, slots=True)
class CopyTask:
    """One source file and the destinations (indices) that still need it."""

    file: SourceFile
    destinations: tuple[int, ...]
    replace: frozenset[int] = frozenset()  # destinations whose existing file is a known-bad copy of this file


def temp_name(relpath: bytes) -> bytes:
    """Fixed-length temporary name for a copy in progress (a 255-byte name plus a suffix would not fit)."""
    return f"{TEMP_PREFIX}{xxhash.xxh64(relpath).hexdigest()}{TEMP_SUFFIX}".encode()


def remove_stale_temps(card_path: Path) -> list[bytes]:
    """Delete temp files left by a killed offload under ``card_path``; returns their paths (bytes)."""
    removed: list[bytes] = []
    base = os.fsencode(card_path)
    if not os.path.isdir(base):
        return removed
    for folder, _dirs, files in os.walk(base):
        for name in files:
            if name.startswith(TEMP_PREFIX.encode()) and name.endswith(TEMP_SUFFIX.encode()):
                path = os.path.join(folder, name)
                try:
                    os.unlink(path)
                    removed.append(path)
                except OSError:
                    pass
    return removed


def describe_os_error(exc: OSError, what: str) -> str:
    """Words a loader understands for an OS error on ``what`` ("destination", "card")."""
    hints = {
        errno.ENOSPC: f"{what} is full",
        errno.EDQUOT: f"{what} quota exceeded",
        errno.EROFS: f"{what} is read-only",
        errno.EACCES: f"permission denied on {what}",
        errno.EPERM: f"permission denied on {what}",
        errno.EIO: f"I/O error on {what} (failing drive or cable?)",
        errno.ENXIO: f"{what} disconnected",
        errno.ENODEV: f"{what} disconnected",
        errno.ENAMETOOLONG: f"file name too long for the {what}'s filesystem",
        errno.ENOENT: f"file or folder not found on {what}",
    }
    return hints.get(exc.errno, f"{what} error: {exc.strerror or exc}")


@dataclass(frozen=True, slots=True)
class _Written:
    """A copy written under its temp name, not yet durable nor renamed."""

    file: SourceFile
    tmp: bytes
    final: bytes
    hashes: Mapping[HashAlgorithm, str]
    replace: bool


class _Destination:
    """Writer and verifier threads for one destination card folder."""

    def __init__(self, index: int, card_path: Path, algorithms: tuple[HashAlgorithm, ...],
                 results: queue.Queue, progress: DestinationProgress, cancel: CancelToken, verify: bool,
                 core: SharedCore | None = None):
        self.index = index
        self.core = core or SharedCore(set())
        self.base = os.fsencode(card_path)
        self.algorithms = algorithms
        self.results = results
        self.progress = progress
        self.cancel = cancel
        self.verify = verify
        self.inbox: queue.Queue = queue.Queue(maxsize=QUEUE_DEPTH)
        self.to_verify: queue.Queue = queue.Queue()
        self.down_reason: str | None = None  # set once the whole destination is unusable
        self._made_dirs: set[bytes] = set()
        self._fresh_dirs: set[bytes] = set()  # folders this offload created: nothing of ours can be in them yet
        self._no_replace = ATOMIC_NO_REPLACE  # renames refuse to replace atomically (else check, then rename)
        self._real_dirs: set[bytes] = set()  # folders below the card folder seen to be real folders
        self.dev: int | None = None  # st_dev of the card folder: every copy must be on it
        self._pending: list[_Written] = []  # closed temp files waiting for the next durable batch
        self._pending_bytes = 0
        self._last_flush = time.monotonic()
        self.writer = threading.Thread(target=self._write_loop, name=f"pixm-writer-{index}", daemon=True)
        self.verifier = threading.Thread(target=self._verify_loop, name=f"pixm-verifier-{index}", daemon=True)
        # writer state for the file in progress
        self._fd: int | None = None
        self._tmp: bytes | None = None
        self._final: bytes | None = None
        self._file: SourceFile | None = None
        self._failed: str | None = None
        self._failed_kind = CopyFailure.WRITE
        self._existing = False
        self._received = 0  # bytes of the current file that reached this writer (written or skipped as a hole)
        self._batch: list = []  # the reader's messages of small files not handed over yet
        self._batch_bytes = 0
        self._writer_stopped = self._verifier_stopped = False
        self._unstored = 0  # bytes this writer wrote since it last waited for its drive
        self._pace_fd: int | None = None
        self.paced = False  # set by run_copy: only a destination alone on its filesystem is paced

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self, dirs: Sequence[bytes], root: tuple[Path, int | None] | None = None) -> None:
        try:
            if root is not None and not self._root_present(*root):
                return self._start_threads()
            self._make_dir(self.base)
            real = os.path.realpath(self.base)
            if real != os.path.abspath(self.base):
                self.down_reason = (f"the destination card folder is reached through a symbolic link (→ "
                                    f"{real.decode('utf-8', 'replace')}); PIXM never writes through links")
            self.dev = os.lstat(self.base).st_dev
            for d in dirs:
                self._make_dir(os.path.join(self.base, d))
        except OSError as exc:
            self.down_reason = describe_os_error(exc, "destination")
        self._start_threads()

    def _make_dir(self, path: bytes) -> None:
        fresh = not os.path.lexists(path)
        os.makedirs(path, exist_ok=True)
        if fresh:
            self._fresh_dirs.add(path)

    def _start_threads(self) -> None:
        self.writer.start()
        self.verifier.start()

    def _root_present(self, root: Path, dev: int | None) -> bool:
        """The destination root is still there, on the filesystem the pre-flight saw (an unmounted drive leaves
        an empty folder on the system disk, or none): folders are created below it, never it."""
        try:
            st = os.stat(root)
        except OSError:
            self.down_reason = f"the destination drive is not there any more ({root} is missing): reconnect it"
            return False
        if dev is not None and st.st_dev != dev:
            self.down_reason = (f"{root} is no longer on the drive the pre-flight checked (unmounted?): "
                                "reconnect the drive and offload again")
            return False
        return True

    def _linked_folder(self, relpath: bytes) -> bytes | None:
        """The first folder of ``relpath``'s parents below the card folder that is not a real folder (a link to
        elsewhere, a file), else ``None``. Checked once per folder."""
        parts = relpath.split(b"/")[:-1]
        for n in range(1, len(parts) + 1):
            rel = b"/".join(parts[:n])
            if rel in self._real_dirs:
                continue
            try:
                st = os.lstat(os.path.join(self.base, rel))
            except OSError:
                return None  # missing: created below as a real folder
            if not stat.S_ISDIR(st.st_mode) or st.st_dev != self.dev:
                return rel
            self._real_dirs.add(rel)
        return None

    def put(self, item) -> None:
        self.send()  # what was batched goes first: the writer sees every message in the reader's order
        self.inbox.put(item)

    def post(self, item, size: int = 0) -> None:
        """Batch a small file's message; the batch is handed over when full (thousands of small files cost
        three queue hand-overs and thread switches each otherwise)."""
        self._batch.append(item)
        self._batch_bytes += size
        if self._batch_bytes >= BATCH_BYTES or len(self._batch) >= BATCH_MESSAGES:
            self.send()

    def send(self) -> None:
        """Hand the batched messages over to the writer (idempotent)."""
        if self._batch:
            batch, self._batch, self._batch_bytes = self._batch, [], 0
            self.inbox.put(("many", batch))

    def stop_writing(self) -> None:
        """No more files: the writer hands over its last batch and exits (idempotent). Messages still batched
        here are dropped: their files were never written and are reported nowhere (callers send first)."""
        if not self._writer_stopped:
            self._writer_stopped = True
            self._batch, self._batch_bytes = [], 0
            self.inbox.put(_STOP)

    def busy(self) -> bool:
        """After :meth:`stop_writing`: ``True`` while copies are still being written or verified."""
        if self.writer.is_alive():
            return True
        if not self._verifier_stopped:
            self._verifier_stopped = True
            self.to_verify.put(_STOP)
        return self.verifier.is_alive()

    def finish(self) -> None:
        self.stop_writing()
        self.writer.join()
        while self.busy():
            self.verifier.join()

    # -- writer ----------------------------------------------------------------------------------------
    def _write_loop(self) -> None:
        try:
            self._write_items()
        finally:
            self.core.release()
            if self._pace_fd is not None:
                _close_quietly(self._pace_fd)

    def _write_items(self) -> None:
        while True:
            try:
                item = self.inbox.get(timeout=0.25)
            except queue.Empty:
                self._flush_pending()
                continue
            if item is _STOP:
                self._abort_current("offload stopped before this file finished")
                self._flush_pending(force=True)
                return
            self.core.small(item[0] == "many")  # batches hold small files only
            if item[0] == "many":
                for message in item[1]:
                    self._handle(message)
            else:
                self._handle(item)

    def _handle(self, item) -> None:
        kind = item[0]
        if kind == "data":
            self._write(item[1])
        elif kind == "open":
            self._open(item[1])
        elif kind == "close":
            self._close(item[1])
        elif kind == "abort":
            self._abort_current(*item[1], report=True)

    def _open(self, msg: tuple[SourceFile, bool]) -> None:
        f, replace = msg
        self._file, self._failed, self._existing, self._replace = f, None, False, replace
        self._failed_kind = CopyFailure.WRITE
        self._received = 0
        self._tail_hole = False
        final = os.path.join(self.base, f.relpath)
        parent = os.path.dirname(final)
        self._final = final
        self._tmp = os.path.join(parent, temp_name(f.relpath))
        if self.down_reason is not None:  # went down while the reader was already sending this file
            self._failed = f"destination unavailable: {self.down_reason}"
            return
        linked = self._linked_folder(f.relpath)
        if linked is not None:
            self._failed = (f"the folder {linked.decode('utf-8', 'replace')} at the destination is a link or not "
                            "a folder: PIXM never writes through links; remove it and offload again")
            self._failed_kind = CopyFailure.FOREIGN
            return
        try:
            if parent not in self._made_dirs:
                os.makedirs(parent, exist_ok=True)
                self._made_dirs.add(parent)
            # In a folder made by this offload no file can be waiting; one that appears meanwhile is refused by
            # the atomic no-replace rename. Elsewhere an existing file is compared, never overwritten.
            maybe_there = not (self._no_replace and parent in self._fresh_dirs)
            if not replace and maybe_there and os.path.lexists(final):
                self._existing = True  # compare at close, never overwrite
                return
            self._fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            self._fail(exc)

    def _write(self, chunk: bytes) -> None:
        if self._fd is None:
            return  # failed, existing-file compare, or destination down: drop the bytes
        try:
            if len(chunk) == CHUNK_SIZE and chunk == _ZERO_CHUNK:
                os.lseek(self._fd, len(chunk), os.SEEK_CUR)  # keep sparse files sparse
                self._tail_hole = True
            else:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(self._fd, view):]
                self._tail_hole = False
                if self._file is not None and self._file.size > SMALL_FILE:
                    start_writeback(self._fd, self._received, len(chunk))  # the drive writes while we go on
                self._unstored += len(chunk)
            self._received += len(chunk)
            self.progress.bytes_written += len(chunk)
        except OSError as exc:
            self._fail(exc)
        self._pace()

    def _pace(self) -> None:
        """Keep this writer at most :data:`WRITE_AHEAD` bytes ahead of its drive. A card read faster than a
        destination writes would otherwise sit in memory until the verifier's first ``syncfs``, which then
        waits for all of it: the drive could not re-read a finished batch while later files were written.
        Only on a filesystem of its own (:func:`_pace_alone`): a ``syncfs`` also waits for whatever else is
        written there, and one shared with the card or another copy would stall this writer for theirs."""
        if self._unstored < WRITE_AHEAD or not self.paced:
            return
        self._unstored = 0
        try:
            if self._pace_fd is None:
                self._pace_fd = os.open(self.base, os.O_RDONLY)
            wait_until_stored(self._pace_fd)
        except OSError:
            pass  # pacing only: the batch's make_durable reports what went wrong

    def _close(self, msg: tuple[SourceFile, Mapping[HashAlgorithm, str]]) -> None:
        f, hashes = msg
        if self._failed is not None:
            self._report(f, CopyState.FAILED, reason=self._failed, failure=self._failed_kind)
        elif self._existing:
            self._compare_existing(f, hashes)
        elif self._fd is not None and self._received != f.size:
            # The reader stopped sending chunks (this destination went down): never pad and rename a short copy.
            self._discard_tmp()
            self._report(f, CopyState.FAILED, reason=f"destination unavailable: {self.down_reason}" if
                         self.down_reason else f"incomplete copy ({self._received} of {f.size} bytes written)")
        elif self._fd is not None:
            try:
                if self._tail_hole:
                    os.ftruncate(self._fd, f.size)  # a trailing hole needs the length set explicitly
                if WRITEBACK_FROM <= f.size <= SMALL_FILE:
                    start_writeback(self._fd, 0, 0)  # a sound or stills file: to the drive now, as a whole
                fd, self._fd = self._fd, None
                try:
                    if _UTIME_BY_FD:
                        os.utime(fd, ns=(f.mtime_ns, f.mtime_ns))
                finally:
                    os.close(fd)  # once only: a failed close still frees the number, which another thread may reuse
                if not _UTIME_BY_FD:
                    os.utime(self._tmp, ns=(f.mtime_ns, f.mtime_ns))
            except OSError as exc:
                self._fail(exc)
                self._report(f, CopyState.FAILED, reason=self._failed)
                self._file = None
                return
            # Durability is batched: the temp file is made durable with others, then renamed (_flush_pending).
            self._pending.append(_Written(f, self._tmp, self._final, hashes, self._replace))
            self._pending_bytes += f.size
            self._tmp = None
            self._flush_pending()
        self._file = None

    def _compare_existing(self, f: SourceFile, hashes: Mapping[HashAlgorithm, str]) -> None:
        """A file is already at the destination path: keep it only if it is byte-identical (read from media)."""
        try:
            found, size = hash_from_media(self._final, self.algorithms, cancel=self.cancel, expect_dev=self.dev)
        except NotACopyError as exc:
            self._report(f, CopyState.FAILED, reason=f"{exc.strerror} is in the way at the destination; PIXM never "
                         "overwrites: remove it and offload again", failure=CopyFailure.FOREIGN)
            return
        except OSError as exc:
            self._report(f, CopyState.FAILED, reason=f"existing file unreadable: {describe_os_error(exc, 'destination')}",
                         failure=CopyFailure.FOREIGN)
            return
        if size == f.size and all(found.get(a) == h for a, h in hashes.items()):
            self.progress.bytes_verified += size
            self._report(f, CopyState.COPIED, reason="already present")
            self._report(f, CopyState.VERIFIED, hashes=found, reason="already present, identical")
        else:
            self._report(f, CopyState.FAILED, reason="a different file already exists at the destination; PIXM "
                         "never overwrites: move it aside or choose another destination folder",
                         failure=CopyFailure.FOREIGN)

    def _abort_current(self, reason: str, failure: CopyFailure = CopyFailure.WRITE, report: bool = False) -> None:
        f = self._file
        self._discard_tmp()
        self._file = None
        if report and f is not None:
            self._report(f, CopyState.FAILED, reason=reason, failure=failure)

    def _discard_tmp(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
        if self._tmp is not None:
            _unlink_quietly(self._tmp)
            self._tmp = None

    def _fail(self, exc: OSError) -> None:
        self._failed = describe_os_error(exc, "destination")
        if exc.errno in _FATAL_ERRNOS:
            self.down_reason = self._failed
        self._discard_tmp()

    def _flush_pending(self, force: bool = False) -> None:
        """Hand finished temp files to the verifier thread in batches; it makes them durable (one syncfs per
        batch), renames them and re-reads them, while this thread goes on writing the next files."""
        if not self._pending:
            return
        due = len(self._pending) >= BATCH_FILES or self._pending_bytes >= 256 * 1024 * 1024 or \
            time.monotonic() - self._last_flush >= BATCH_SECONDS
        if force or due:
            self.to_verify.put(self._pending)
            self._pending, self._pending_bytes = [], 0
            self._last_flush = time.monotonic()

    def _commit_batch(self, batch: list[_Written]) -> list[_Written]:
        """Durable, then renamed to the final names, folders fsynced; returns the copies now in place."""
        try:
            make_durable(self.base, [w.tmp for w in batch])
        except OSError as exc:
            reason = describe_os_error(exc, "destination")
            for w in batch:
                _unlink_quietly(w.tmp)
                self._report(w.file, CopyState.FAILED, reason=reason)
            return []
        renamed = [w for w in batch if self._rename(w)]
        for folder in {os.path.dirname(w.final) for w in renamed}:
            _fsync_dir(folder)
        for w in renamed:
            self._report(w.file, CopyState.COPIED)
        return renamed

    def _rename(self, w: _Written) -> bool:
        try:
            if not w.replace and self._no_replace:
                try:
                    return rename_no_replace(w.tmp, w.final)
                except NotImplementedError:
                    self._no_replace = False  # this filesystem cannot: check, then rename, from now on
            if not w.replace and os.path.lexists(w.final):
                raise FileExistsError(errno.EEXIST, "exists", w.final)
            os.replace(w.tmp, w.final)
            return True
        except FileExistsError:
            _unlink_quietly(w.tmp)
            self._report(w.file, CopyState.FAILED, reason="a file appeared at the destination during the "
                         "copy; not overwritten", failure=CopyFailure.FOREIGN)
            return False
        except OSError as exc:
            _unlink_quietly(w.tmp)
            self._report(w.file, CopyState.FAILED, reason=describe_os_error(exc, "destination"))
            return False

    # -- verifier --------------------------------------------------------------------------------------
    def _verify_loop(self) -> None:
        try:
            self._verify_batches()
        finally:
            self.core.release()

    def _verify_batches(self) -> None:
        while True:
            batch = self.to_verify.get()
            if batch is _STOP:
                return
            if self.cancel.cancelled:
                for w in batch:
                    _unlink_quietly(w.tmp)  # never renamed: nothing half-done keeps a final name
                continue
            self.core.small(len(batch) > 1)  # a rename per file: the many small ones share the core
            renamed = self._commit_batch(batch)
            if not self.verify:
                continue
            for start in range(0, len(renamed), REREAD_GROUP):
                self._verify_group(renamed[start:start + REREAD_GROUP])

    def _verify_group(self, group: list[_Written]) -> None:
        """Re-read a group of copies: the small ones are opened first, their cached pages dropped and the drive
        asked to fetch them all (in parallel), then each is hashed through the descriptor opened."""
        opened: dict[bytes, OpenedCopy | OSError] = {}
        if REREAD_AHEAD:
            for w in group:
                if w.file.size <= READ_AHEAD_MAX:
                    try:
                        opened[w.final] = open_for_reread(w.final, expect_dev=self.dev)
                    except OSError as exc:  # reported as the re-read's own failure
                        opened[w.final] = exc
        try:
            for w in group:
                if not self.cancel.cancelled:
                    self.core.small(w.file.size <= PIN_UP_TO)
                    self._verify_one(w.file, w.final, w.hashes, opened=opened.pop(w.final, None))
        finally:
            for left in opened.values():  # cancelled: close what was opened ahead
                if isinstance(left, OpenedCopy):
                    os.close(left.fd)

    def _verify_one(self, f: SourceFile, final: bytes, expected: Mapping[HashAlgorithm, str], *,
                    opened: OpenedCopy | OSError | None = None) -> None:
        def count(n: int) -> None:
            self.progress.bytes_verified += n

        try:
            if isinstance(opened, OSError):
                raise opened
            found, size = hash_from_media(final, self.algorithms, cancel=self.cancel, on_bytes=count, flush=False,
                                          expect_dev=self.dev, fd=opened.fd if opened else None,
                                          drop_behind=opened is None, size_at_open=opened.size if opened else None)
        except CancelledError:
            return
        except NotACopyError as exc:
            self._report(f, CopyState.FAILED, reason=f"re-read refused: {exc.strerror}", failure=CopyFailure.FOREIGN)
            return
        except OSError as exc:
            self._report(f, CopyState.FAILED, reason=f"re-read failed: {describe_os_error(exc, 'destination')}",
                         failure=CopyFailure.MISMATCH)
            return
        problems = [f"{a} expected {h}, read back {found.get(a)}" for a, h in expected.items() if found.get(a) != h]
        if size != f.size:
            problems.insert(0, f"size expected {f.size}, read back {size}")
        if problems:
            self._report(f, CopyState.FAILED, hashes=found, reason="checksum mismatch: " + "; ".join(problems),
                         failure=CopyFailure.MISMATCH)
        else:
            self._report(f, CopyState.VERIFIED, hashes=found)

    def _report(self, f: SourceFile, state: CopyState, *, hashes=None, reason: str | None = None,
                failure: CopyFailure = CopyFailure.WRITE) -> None:
        if state == CopyState.VERIFIED:
            self.progress.files_verified += 1
        elif state == CopyState.FAILED:
            self.progress.files_failed += 1
        self.results.put(FileResult(f.relpath, self.index, state, dict(hashes or {}), reason,
                                    failure if state == CopyState.FAILED else None))


def _unlink_quietly(path: bytes) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(path: bytes) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems refuse fsync on folders
    finally:
        os.close(fd)


MTIME_SLACK_NS = 2_000_000_000  # FAT and exFAT keep mtimes to 2 s / 10 ms: a copy's mtime is the card's within it


class CopiesInPlace:
    """Whether copies verified earlier are still in one destination card folder, as the copier would judge a
    copy: a regular file of the card file's size and mtime (the copier gave it that; a file written over since
    has another), on the card folder's own drive, reached through real folders only (checked once per folder).
    Anything else is copied or compared again by the next offload, never skipped."""

    def __init__(self, card_path: Path):
        self.base = os.fsencode(card_path)
        try:
            self.dev: int | None = os.lstat(self.base).st_dev
        except OSError:
            self.dev = None
        self._real: dict[bytes, bool] = {}  # folder → reached without a link

    def holds(self, relpath: bytes, size: int, mtime_ns: int) -> bool:
        if self.dev is None:
            return False
        path = os.path.join(self.base, relpath)
        try:
            st = os.lstat(path)
        except OSError:
            return False
        return (stat.S_ISREG(st.st_mode) and st.st_dev == self.dev and st.st_size == size
                and abs(st.st_mtime_ns - mtime_ns) <= MTIME_SLACK_NS and self._real_folder(os.path.dirname(path)))

    def _real_folder(self, folder: bytes) -> bool:
        if folder not in self._real:
            self._real[folder] = os.path.realpath(folder) == os.path.abspath(folder)
        return self._real[folder]


@dataclass(frozen=True, slots=True)
class SourceHashed:
    """The in-flight hashes of one source file (read once from the card)."""

    relpath: bytes
    hashes: dict[HashAlgorithm, str]


def run_copy(
    source_root: Path,
    card_paths: Sequence[Path],
    tasks: Sequence[CopyTask],
    *,
    dirs: Sequence[bytes] = (),
    algorithms: tuple[HashAlgorithm, ...],
    progress: ProgressSnapshot,
    cancel: CancelToken | None = None,
    expected: Mapping[bytes, Mapping[HashAlgorithm, str]] | None = None,
    verify: bool = True,
    roots: Sequence[tuple[Path, int | None]] | None = None,
) -> Iterator[SourceHashed | FileResult]:
    """Copy ``tasks`` from ``source_root`` to every destination card folder, verifying each copy.

    Yields :class:`SourceHashed` once per file read and :class:`FileResult` per file × destination
    (``copied``, then ``verified`` or ``failed`` with a reason). ``expected`` holds hashes the source must match
    (cascading copies read from the first copy). ``roots``: per destination, the root the user chose and its
    ``st_dev`` at pre-flight; a root gone or on another filesystem fails that destination (its card folder is
    never created in its place). Raises :class:`SourceError` when the card itself disappears and
    :class:`CancelledError` on cancel; temp files are removed in both cases.
    """
    cancel = cancel or CancelToken()
    results: queue.Queue = queue.Queue()
    progress.destinations = progress.destinations or [DestinationProgress() for _ in card_paths]
    core = SharedCore()  # small files: the threads share one core (see engine.cores)
    dests = [_Destination(i, Path(p), algorithms, results, progress.destinations[i], cancel, verify, core)
             for i, p in enumerate(card_paths)]
    for i, d in enumerate(dests):
        d.start(dirs, roots[i] if roots else None)
    _pace_alone(source_root, dests)
    src_base = os.fsencode(source_root)
    ahead = _CardAhead(src_base)
    try:
        for i, task in enumerate(tasks):
            if i % READ_AHEAD_FILES == 0:
                ahead.fetch(tasks[i:i + 2 * READ_AHEAD_FILES])
            yield from _drain(results)
            core.small(task.file.size <= PIN_UP_TO)
            opened = ahead.take(task.file.relpath)
            try:
                yield from _copy_one(src_base, task, dests, algorithms, progress, cancel, expected, opened=opened)
            finally:
                if opened is not None:
                    _close_quietly(opened)
        for d in dests:
            d.send()
            d.stop_writing()
        while any([d.busy() for d in dests]):  # report verifications as they finish, not all at the very end
            yield from _drain(results, wait=0.1)
    except GeneratorExit:
        cancel.cancel()
        raise
    except BaseException:
        cancel.cancel()  # stop verifiers promptly; temp files of the current file are removed by the writers
        for d in dests:
            d.finish()
        yield from _drain(results)  # copies verified before the stop are reported: a retry skips them
        raise
    finally:
        ahead.close()
        core.release()
        for d in dests:
            d.finish()
    yield from _drain(results)


def _pace_alone(source_root: Path, dests: list[_Destination]) -> None:
    """Pace the writers whose destination is on a filesystem neither the card nor another destination is on
    (see ``_Destination._pace``), where the system can wait for a drive at all."""
    try:
        card_dev = os.stat(source_root).st_dev
    except OSError:
        return  # the reader reports the card
    devs = [d.dev for d in dests]
    for d in dests:
        d.paced = CAN_WAIT_UNTIL_STORED and d.dev is not None and d.dev != card_dev and devs.count(d.dev) == 1


class _CardAhead:
    """Small card files opened ahead of the reader, the drive asked to fetch them (:func:`open_ahead`): the
    seeks of many small files overlap, and each file is opened once, for both the fetch and its read."""

    def __init__(self, src_base: bytes):
        self.base = src_base
        self.fds: dict[bytes, int] = {}

    def fetch(self, upcoming: Sequence[CopyTask]) -> None:
        for task in upcoming:
            rel = task.file.relpath
            if task.file.size <= READ_AHEAD_MAX and rel not in self.fds:
                fd = open_ahead(os.path.join(self.base, rel))
                if fd is not None:
                    self.fds[rel] = fd

    def take(self, relpath: bytes) -> int | None:
        """The descriptor opened ahead for ``relpath`` (the caller now owns it), else ``None``."""
        return self.fds.pop(relpath, None)

    def close(self) -> None:
        for fd in self.fds.values():
            _close_quietly(fd)
        self.fds.clear()


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _drain(results: queue.Queue, wait: float = 0.0) -> Iterator[FileResult]:
    if wait:
        try:
            yield results.get(timeout=wait)
        except queue.Empty:
            return
    while True:
        try:
            yield results.get_nowait()
        except queue.Empty:
            return


def _copy_one(src_base: bytes, task: CopyTask, dests: list[_Destination], algorithms, progress: ProgressSnapshot,
              cancel: CancelToken, expected, *, opened: int | None = None) -> Iterator[SourceHashed | FileResult]:
    """Copy one card file; ``opened``: its descriptor opened ahead (read through, left open for the caller)."""
    f = task.file
    live = []
    for i in task.destinations:
        if dests[i].down_reason:
            yield FileResult(f.relpath, i, CopyState.FAILED, {}, f"destination unavailable: {dests[i].down_reason}",
                             CopyFailure.WRITE)
        else:
            live.append(dests[i])
    progress.current_file = f.display
    path = os.path.join(src_base, f.relpath)
    small = f.size <= SMALL_FILE
    for d in live:
        (d.post if small else d.put)(("open", (f, d.index in task.replace)))
    try:
        hashes = _read_and_fan_out(path, f, live, algorithms, progress, cancel, small=small, opened=opened)
    except _SourceFileError as exc:
        for d in live:
            (d.post if small else d.put)(("abort", (str(exc), CopyFailure.SOURCE)))
        if not os.path.isdir(src_base):
            raise SourceError("the card disappeared during the offload", hint="re-insert the card and run the "
                              "offload again: verified files are kept", path=src_base) from None
        progress.files_done += 1
        return
    except BaseException:
        for d in live:
            d.put(("abort", ("offload cancelled", CopyFailure.WRITE)))
        raise
    want = (expected or {}).get(f.relpath)
    if want and any(want.get(a) not in (None, h) for a, h in hashes.items()):
        for d in live:
            (d.post if small else d.put)(("abort", ("cascade source does not match the card's hash; not copied",
                                                    CopyFailure.SOURCE)))
    else:
        for d in live:
            (d.post if small else d.put)(("close", (f, hashes)))
    progress.files_done += 1
    yield SourceHashed(f.relpath, hashes)


class _SourceFileError(Exception):
    pass


def _read_and_fan_out(path: bytes, f: SourceFile, live: list[_Destination], algorithms, progress: ProgressSnapshot,
                      cancel: CancelToken, *, small: bool = False,
                      opened: int | None = None) -> dict[HashAlgorithm, str]:
    hasher = MultiHasher(algorithms)
    read = 0
    try:
        fd = opened if opened is not None else _open_source(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            before = os.fstat(fd)
            _check_unchanged(f, before)
            while True:
                cancel.wait_if_paused()
                if cancel.cancelled:
                    raise CancelledError("offload cancelled by the user")
                # Ask for one byte more than the scan saw left: a small file is then read in one call, with no
                # 8 MiB buffer made for it, and the size checks below prove nothing followed.
                want = min(CHUNK_SIZE, f.size - read + 1) if read <= f.size else CHUNK_SIZE
                chunk = os.read(fd, want)
                if not chunk:
                    break
                hasher.update(chunk)
                for d in live:
                    if d.down_reason is None:
                        if small:
                            d.post(("data", chunk), len(chunk))
                        else:
                            d.put(("data", chunk))
                read += len(chunk)
                progress.bytes_read += len(chunk)
                if read == f.size and len(chunk) < want:
                    break  # the card gave less than asked at the size scanned: its end (checked below by fstat)
            after = os.fstat(fd)
        finally:
            if opened is None:
                os.close(fd)  # one opened ahead is closed by its owner
    except FileNotFoundError:
        raise _SourceFileError("source file vanished from the card before it could be read") from None
    except OSError as exc:
        raise _SourceFileError(f"card read failed: {describe_os_error(exc, 'card')}") from None
    _check_same_during_read(path, f, read, before, after)
    return hasher.hexdigests()


_CHANGED = "not copied: let the camera finish writing (or stop what writes to the card), then offload again"


def _open_source(path, flags: int) -> int:
    """Card files are opened without following a link that replaced a file since the scan."""
    return os.open(path, flags | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))


def _check_unchanged(f: SourceFile, st: os.stat_result) -> None:
    """The opened file is still the regular file the scan saw (size and mtime to the nanosecond)."""
    if not stat.S_ISREG(st.st_mode):
        raise _SourceFileError("the card entry is no longer a regular file; not copied")
    if (st.st_size, st.st_mtime_ns) != (f.size, f.mtime_ns):
        raise _SourceFileError(f"source file changed since the card was scanned (size {f.size} → {st.st_size} "
                               f"bytes, mtime {f.mtime_ns} → {st.st_mtime_ns} ns); {_CHANGED}")


def _check_same_during_read(path: bytes, f: SourceFile, read: int, before: os.stat_result,
                            after: os.stat_result) -> None:
    """Size, mtime and ctime (ns) unchanged from before to after the read, every byte read, and the path still
    names the same file (device + inode): else the bytes hashed may not be the bytes now on the card."""
    changed = [word for name, word in (("st_size", "size"), ("st_mtime_ns", "mtime"), ("st_ctime_ns", "ctime"))
               if getattr(before, name) != getattr(after, name)]
    if read != f.size:
        changed.insert(0, f"{read} of {f.size} bytes read")
    try:
        now = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        raise _SourceFileError("source file vanished from the card during the copy; not recorded") from None
    except OSError as exc:
        raise _SourceFileError(f"card read failed: {describe_os_error(exc, 'card')}") from None
    if (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
        changed.append("replaced by another file")
    if changed:
        raise _SourceFileError(f"source file changed during the copy ({', '.join(changed)}); {_CHANGED}")
