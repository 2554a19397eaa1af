"""An archive run: card sets onto one tape after another (spanning by card), one sequential writer per tape, the
read-back of everything written in one separate pass in tape order after an unmount/mount (or a page-cache
drop on a plain folder), the LTFS hash attributes, the card folders' ASC MHL histories (carried and continued,
or fresh for a cut) and the tape's sidecars (flattened manifest, JSON/CSV index, PDF report).

Capacity is planned on the tape's native capacity (``capacity``, else the size the filesystem reports), every
file rounded up to the filesystem's block, with room kept for the histories and sidecars. A file larger than a
tape, or a card larger than a tape (LTFS cannot split a file, PIXM does not split a card's history), is
refused before anything is written. When the next card does not fit, the run moves to the next tape given;
with none left it finishes the current tape and returns the cards left (``ArchiveResult.left``) and the command
that continues.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CancelToken
from pixm_desktop.mhl import MhlFileRecord, write_generation
from pixm_desktop.mhl.carry import carry_history, nested_records
from pixm_desktop.mhl.reader import load_history
from pixm_desktop.services import context
from pixm_desktop.services.archive import sidecars, tape_io
from pixm_desktop.services.archive.select import CardSet, Item, Scope, card_sets
from pixm_desktop.store import tapes_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Tape, TapeFile

#: What an LTO-9 holds natively (the planning figure; compression is never counted on).
LTO9_NATIVE = 18_000_000_000_000
CALIBRATION_NOTE = ("a new LTO-9 tape calibrates on its first load (up to about 2 hours) before the first byte "
                    "is written; capacity is planned on native size, without compression")
STOP = ("archive cancelled: files already written stay on the tape (LTFS never frees space) and are not counted "
        "as copies", "run the archive again onto a new tape, or onto this one (cards already verified there are "
        "skipped)")
RESERVE = 256 * 1024  # sidecars' fixed part (PDF, index heads)
PER_FILE = 4 * 1024  # a file's lines in the manifests, the index and the report


@dataclass(frozen=True, slots=True)
class TapeTarget:
    """A tape to write: its LTFS ``label`` and where it is mounted."""

    label: str
    mount: Path


@dataclass(frozen=True, slots=True)
class ArchiveRequest:
    """``scope`` onto ``tapes`` in order (the first, then the next ones when it fills), copy set ``copy`` (A/B);
    ``from_card``: read from the card when no verified copy is mounted; ``ltfs_hash``: md5 | sha256;
    ``capacity``: native bytes per tape (``None``: the filesystem's size)."""

    scope: Scope
    tapes: tuple[TapeTarget, ...]
    copy: str = "A"
    from_card: bool = False
    ltfs_hash: str = "md5"
    capacity: int | None = None


@dataclass
class ArchiveProgress:
    """Where the run is: ``phase`` (planning, writing, remount, reading back, mhl, index, done), the ``tape``,
    files and bytes done of the run's totals, the ``current`` file."""

    phase: str = "planning"
    tape: str = ""
    files_done: int = 0
    files_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    current: str = ""


@dataclass
class TapeOutcome:
    """One tape of the run: cards and files written, bytes, files verified, failures ``(path, why)``, the
    sidecars and histories written, notes."""

    label: str
    copy: str
    mount: str
    cards: list[str] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    verified: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    generations: list[str] = field(default_factory=list)
    sidecars: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # cards already verified on this tape

    def as_dict(self) -> dict:
        return {"label": self.label, "copy": self.copy, "mount": self.mount, "cards": self.cards,
                "files": self.files, "bytes": self.bytes, "verified": self.verified,
                "failed": [{"path": p, "why": w} for p, w in self.failed], "generations": self.generations,
                "sidecars": self.sidecars, "skipped": self.skipped}


@dataclass
class ArchiveResult:
    """The run: what it archived (``scope``), per tape, the cards left when the tapes ran out and the command
    that continues, notes (attributes not taken, calibration)."""

    scope: str
    tapes: list[TapeOutcome] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    continue_command: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(len(t.failed) for t in self.tapes)

    @property
    def ok(self) -> bool:
        return not self.left and not self.failed

    def as_dict(self) -> dict:
        return {"scope": self.scope, "ok": self.ok, "tapes": [t.as_dict() for t in self.tapes], "left": self.left,
                "continue_command": self.continue_command, "notes": self.notes}


@dataclass(slots=True)
class _Room:
    capacity: int
    free: int
    block: int


def check_request(req: ArchiveRequest) -> None:
    """Raises :class:`UsageError`: no tape, a tape folder missing, a label given twice, a bad copy set or hash."""
    if not req.tapes:
        raise UsageError("archive needs a tape: --tape LABEL --to MOUNTPOINT")
    if req.copy not in ("A", "B"):
        raise UsageError(f"copy set must be A or B, not {req.copy!r}")
    if req.ltfs_hash not in tape_io.LTFS_XATTR:
        raise UsageError(f"LTFS hash must be one of {', '.join(tape_io.LTFS_XATTR)}")
    labels = [t.label for t in req.tapes]
    if len(set(labels)) != len(labels) or len({str(t.mount) for t in req.tapes}) != len(labels):
        raise UsageError("each tape is given once, each at its own mount point")
    for t in req.tapes:
        if not t.label or "/" in t.label:
            raise UsageError(f"not a tape label: {t.label!r}")
        if not t.mount.is_dir():
            raise UsageError(f"tape {t.label} is not mounted at {t.mount} (no such folder)",
                             hint="mount the LTFS tape (ltfs DEVICE MOUNTPOINT) and give its mount point", path=t.mount)
        marker = tape_io.read_volume(t.mount)
        if marker and marker["label"] != t.label:
            raise UsageError(f"the tape mounted at {t.mount} is {marker['label']}, not {t.label}", path=t.mount,
                             hint="load the tape named, or give the label of the tape that is mounted")


class Archiver:
    """One run (see the module docstring). ``remount(mount)``: unmount and mount the tape again before the
    read-back (``None``: drop the written files from the page cache instead)."""

    def __init__(self, catalog: Catalog, req: ArchiveRequest, *, cancel: CancelToken | None = None,
                 remount: Callable[[Path], None] | None = None, job_id: int | None = None):
        self.catalog, self.req, self.cancel = catalog, req, cancel or CancelToken()
        self.remount, self.job_id = remount, job_id
        self.progress = ArchiveProgress()
        self.result = ArchiveResult(req.scope.words())
        self.who = context.creator(comment=f"archive to LTO ({req.scope.words()})")

    # plan ------------------------------------------------------------------------------------------
    def plan(self) -> list[CardSet]:
        """The card sets, checked against the tapes' sizes. Raises :class:`UsageError`."""
        check_request(self.req)
        with self.catalog.session() as s:
            for t in self.req.tapes:
                row = tapes_repo.tape(s, t.label)
                if row is not None and row.copy != self.req.copy:
                    raise UsageError(f"tape {t.label} holds copy {row.copy}, not {self.req.copy}",
                                     hint=f"give --copy {row.copy}, or another tape for copy {self.req.copy}")
            sets = card_sets(s, self.req.scope, from_card=self.req.from_card)
        smallest = min(self._capacity(t.mount) for t in self.req.tapes)
        for cs in sets:
            for it in cs.items:
                if it.size > smallest:
                    raise UsageError(f"{cs.label}/{it.relpath} ({it.size:,} bytes) is larger than a tape "
                                     f"({smallest:,} bytes): LTFS cannot split a file across tapes")
            if self._need(cs, 4096) > smallest - RESERVE:
                raise UsageError(f"card {cs.label} ({cs.bytes:,} bytes) does not fit on one tape "
                                 f"({smallest:,} bytes); PIXM keeps a card and its history on one tape",
                                 hint="archive its files by cut, or onto a larger tape generation")
        self.progress.files_total = sum(len(cs.items) for cs in sets)
        self.progress.bytes_total = sum(cs.bytes for cs in sets)
        return sets

    def _capacity(self, mount: Path) -> int:
        return self.req.capacity or shutil.disk_usage(mount).total

    def _room(self, mount: Path, used_before: int) -> _Room:
        usage = shutil.disk_usage(mount)
        capacity = self._capacity(mount)
        free = min(usage.free, capacity - used_before)
        try:
            block = os.statvfs(mount).f_frsize or 4096
        except (AttributeError, OSError):
            block = 4096
        return _Room(capacity, free, block)

    @staticmethod
    def _need(cs: CardSet, block: int) -> int:
        files = sum(-(-it.size // block) * block + block for it in cs.items)
        history = 0
        if cs.whole and not cs.from_card and (cs.source_root / "ascmhl").is_dir():
            history = sum(-(-p.stat().st_size // block) * block for p in (cs.source_root / "ascmhl").iterdir())
        return files + history + len(cs.items) * PER_FILE + 8 * block

    # run -------------------------------------------------------------------------------------------
    def run(self, sets: list[CardSet]) -> ArchiveResult:
        """Write ``sets`` (from :meth:`plan`) onto the tapes; returns the result (see the module docstring).
        Raises :class:`CancelledError`, :class:`MhlError` and ``OSError`` (the tape failed)."""
        pending = list(sets)
        self.result.notes.append(CALIBRATION_NOTE)
        for target in self.req.tapes:
            if not pending:
                break
            pending = self._one_tape(target, pending)
        if pending:
            self.result.left = [cs.label for cs in pending]
            self.result.continue_command = self._continue_command(pending)
        self.progress.phase = "done"
        return self.result

    def _continue_command(self, pending: list[CardSet]) -> str:
        scope = self.req.scope
        cards = " ".join(f"--card {cs.label}" for cs in pending)
        what = f"--cut {scope.cut} {cards}" if scope.cut else cards
        return f"pixm archive {what} --tape NEXT-LABEL --to /path/to/next/tape --copy {self.req.copy}"

    def _one_tape(self, target: TapeTarget, pending: list[CardSet]) -> list[CardSet]:
        """Write what fits of ``pending`` on ``target``, read it back, write histories and sidecars; returns
        the card sets left."""
        self.progress.tape = target.label
        with self.catalog.session() as s:
            tape = tapes_repo.get_or_add(s, target.label, copy=self.req.copy,
                                         capacity=self._capacity(target.mount), mount_point=str(target.mount))
            tape_id, used_before = tape.id, tape.used_bytes
            s.commit()
        out = TapeOutcome(target.label, self.req.copy, str(target.mount))
        self.result.tapes.append(out)
        room = self._room(target.mount, used_before)
        budget = room.free - RESERVE - PER_FILE * self._files_on(tape_id)
        taking, left = [], []
        for cs in pending:
            if self._already_there(tape_id, cs):
                out.skipped.append(cs.label)
                continue
            need = self._need(cs, room.block)
            if not left and need <= budget:
                taking.append(cs)
                budget -= need
            else:
                left.append(cs)
        if not taking:  # nothing new for this tape: no sidecars rewritten (LTFS never frees their space)
            if left:
                with self.catalog.session() as s:
                    tapes_repo.tape(s, target.label).state = tapes_repo.FULL
                    s.commit()
            return left
        tape_io.write_volume(target.mount, target.label, self.req.copy)
        written = self._write(target, tape_id, taking, out)
        self._read_back(target, tape_id, written, out)
        self._histories(target, taking, written, out)
        self._finish_tape(target, tape_id, out, full=bool(left))
        return left

    def _files_on(self, tape_id: int) -> int:
        with self.catalog.session() as s:
            return tapes_repo.next_position(s, tape_id) - 1

    def _already_there(self, tape_id: int, cs: CardSet) -> bool:
        with self.catalog.session() as s:
            rows = tapes_repo.rows_by_path(s, tape_id, [it.tape_path for it in cs.items])
        return len(rows) == len(cs.items) and all(r.state == tapes_repo.VERIFIED and r.file_id == it.file_id
                                                  for r, it in ((rows[i.tape_path], i) for i in cs.items))

    def _stop(self) -> None:
        self.cancel.wait_if_paused()
        if self.cancel.cancelled:
            raise CancelledError(*STOP[:1], hint=STOP[1])

    def _write(self, target: TapeTarget, tape_id: int, taking: list[CardSet], out: TapeOutcome
               ) -> list[tuple[int, Item, Path]]:
        """One sequential writer: every file of every card set, in order; a row per file. Returns
        ``[(row id, item, path on the tape)]`` in tape order."""
        self.progress.phase = "writing"
        written: list[tuple[int, Item, Path]] = []
        with self.catalog.session() as s:
            position = tapes_repo.next_position(s, tape_id)
            for cs in taking:
                dest_root = target.mount / cs.folder
                if os.path.lexists(dest_root) and cs.whole:
                    raise UsageError(f"{cs.folder} is already on tape {target.label} and not recorded verified "
                                     "there: an interrupted archive left it", path=dest_root,
                                     hint="archive this card onto another tape (LTFS cannot rewrite files)")
                out.cards.append(cs.label)
                if cs.whole:
                    _folders(cs.source_root, dest_root)
                for it in cs.items:
                    self._stop()
                    self.progress.current = it.tape_path
                    dest = target.mount / it.tape_path
                    n = tape_io.write_file(it.source, dest, it.mtime_ns, lambda: self.cancel.cancelled)
                    if n < 0:
                        self._stop()
                    if n != it.size:
                        raise OSError(f"{it.tape_path}: wrote {n} bytes of {it.size} (the source changed?)")
                    row = tapes_repo.add_file(s, tape_id, it.file_id, it.tape_path, position, it.size,
                                              job_id=self.job_id)
                    s.flush()
                    written.append((row.id, it, dest))
                    position += 1
                    out.files += 1
                    out.bytes += n
                    self.progress.files_done += 1
                    self.progress.bytes_done += n
                s.commit()
        return written

    def _read_back(self, target: TapeTarget, tape_id: int, written: list[tuple[int, Item, Path]],
                   out: TapeOutcome) -> None:
        """After an unmount/mount (or a cache drop), read every file written once, in tape order, hash it
        (xxh64, md5 or sha256, and the catalog's formats) and compare with the catalog."""
        self.progress.phase = "remount"
        if self.remount is not None:
            self.remount(target.mount)
        else:
            tape_io.drop_cache([p for _, _, p in written])
        self.progress.phase = "reading back"
        written = tape_io.in_tape_order(written, lambda w: w[2], lambda w: w[0])
        attr_note = None
        with self.catalog.session() as s:
            for row_id, it, path in written:
                self._stop()
                self.progress.current = it.tape_path
                formats = tuple(dict.fromkeys((HashAlgorithm.XXH64, HashAlgorithm.MD5, *it.hashes)))
                row = s.get(TapeFile, row_id)
                why = None
                try:
                    got = tape_io.hash_file(path, formats, self.req.ltfs_hash, lambda: self.cancel.cancelled)
                except OSError as exc:
                    got, why = None, f"cannot be read back: {exc.strerror or exc}"
                if got is None and why is None:
                    self._stop()
                if got is not None:
                    hashes, ltfs, n = got
                    why = _differs(it, hashes, n)
                    row.xxh64, row.md5 = hashes[HashAlgorithm.XXH64], hashes[HashAlgorithm.MD5]
                    row.sha256 = ltfs if self.req.ltfs_hash == "sha256" else None
                    if why is None:
                        attr_note = tape_io.set_ltfs_hash(path, self.req.ltfs_hash, ltfs) or attr_note
                if why is None:
                    row.state, row.verified_at, row.reason = tapes_repo.VERIFIED, dt.datetime.now(dt.UTC), None
                    out.verified += 1
                else:
                    row.state, row.reason = tapes_repo.BAD, why
                    out.failed.append((it.tape_path, why))
            s.commit()
        if attr_note:
            note = f"LTFS hash attributes ({tape_io.LTFS_XATTR[self.req.ltfs_hash]}) not set on {target.label}: " \
                   f"{attr_note}; the hashes are in the index and manifest"
            if note not in self.result.notes:
                self.result.notes.append(note)

    def _histories(self, target: TapeTarget, taking: list[CardSet], written, out: TapeOutcome) -> None:
        """ASC MHL: a whole card folder carries its source history and appends a ``transfer`` generation; a
        cut's files get one fresh generation at the cut's folder. Only sets whose every file verified."""
        self.progress.phase = "mhl"
        with self.catalog.session() as s:
            rows = {row_id: s.get(TapeFile, row_id) for row_id, _, _ in written}
        by_path = {it.tape_path: rows[rid] for rid, it, _ in written}
        when = dt.datetime.now(dt.UTC).replace(microsecond=0)
        fresh: dict[str, list[MhlFileRecord]] = {}
        for cs in taking:
            if any(by_path[it.tape_path].state != tapes_repo.VERIFIED for it in cs.items):
                continue
            if not cs.whole:
                head = cs.folder[len(cs.history_root) + 1:].encode() + b"/"
                fresh.setdefault(cs.history_root, []).extend(
                    _record(it, by_path[it.tape_path], when, head) for it in cs.items)
                continue
            dest = target.mount / cs.folder
            carried = None
            if not cs.from_card and (cs.source_root / "ascmhl").is_dir():
                carried = carry_history(load_history(cs.source_root), dest)
            records = [_record(it, by_path[it.tape_path], when) for it in cs.items]
            for prefix, sub in nested_records(records, carried):
                write_generation(dest / os.fsdecode(prefix), sub, process="transfer", creator=self.who, when=when)
            info = write_generation(dest, records, process="transfer", creator=self.who, when=when)
            out.generations.append(str(info.path))
        for root, records in fresh.items():
            info = write_generation(target.mount / root, records, process="transfer", creator=self.who, when=when)
            out.generations.append(str(info.path))

    def _finish_tape(self, target: TapeTarget, tape_id: int, out: TapeOutcome, *, full: bool) -> None:
        self.progress.phase = "index"
        with self.catalog.session() as s:
            tape = s.get(Tape, tape_id)
            lines = tapes_repo.contents(s, tape_id)
            used = _used(target.mount, tape.used_bytes + out.bytes)
            notes = [n for n in self.result.notes if target.label in n] + [CALIBRATION_NOTE]
            made = sidecars.write_sidecars(target.mount, target.label, tape.copy, lines, capacity=tape.capacity_bytes,
                                           used=used, notes=notes)
            out.sidecars = [str(p) for p in made.paths()]
            tape.used_bytes = _used(target.mount, used + sum(p.stat().st_size for p in made.paths()))
            if full:
                tape.state = tapes_repo.FULL
            s.commit()


def _folders(source: Path, dest: Path) -> None:
    """The card folder's tree, empty folders too (a history records them), without ``ascmhl`` folders."""
    dest.mkdir(parents=True, exist_ok=True)
    for folder, dirs, _files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d != "ascmhl")
        rel = os.path.relpath(folder, source)
        for d in dirs:
            (dest / rel / d).mkdir(exist_ok=True)


def _used(mount: Path, counted: int) -> int:
    """Bytes used on the tape: what the filesystem says when the tape is its own mount, else what PIXM wrote."""
    return shutil.disk_usage(mount).used if os.path.ismount(mount) else counted


def _differs(it: Item, hashes: dict, n: int) -> str | None:
    if n != it.size:
        return f"read back {n:,} bytes, the catalog has {it.size:,}"
    for alg, expected in it.hashes.items():
        got = hashes.get(HashAlgorithm(alg))
        if got is not None and got.lower() != expected.lower():
            return f"read back from the tape differs from the catalog ({alg} {got}, expected {expected})"
    if not it.hashes:
        return "the catalog holds no hash of this file"
    return None


def _record(it: Item, row: TapeFile, when: dt.datetime, head: bytes = b"") -> MhlFileRecord:
    hashes = {HashAlgorithm.XXH64: row.xxh64, HashAlgorithm.MD5: row.md5}
    hashes.update({HashAlgorithm(a): v for a, v in it.hashes.items()})
    return MhlFileRecord(relpath=head + it.relpath_raw, size=it.size, mtime_ns=it.mtime_ns, hashes=hashes,
                         action="original", hashdate=when)



__all__ = ["CALIBRATION_NOTE", "LTO9_NATIVE", "ArchiveProgress", "ArchiveRequest", "ArchiveResult", "Archiver",
           "TapeOutcome", "TapeTarget", "check_request"]
