"""A verify's per-file state on disk instead of in memory: the history's records, each file's outcome and the
records of the generation it writes, in a private temporary SQLite database.

A card of 200,000 files held as Python objects cost ~700 MB during a verify (records of every generation,
then an entry and a new record per file); here memory stays flat whatever the card. The answers are exactly
those of :class:`~pixm_desktop.mhl.model.MhlHistory` (newest trusted value per format, newest trusted size,
the closest history owns a path) — :mod:`.verify` asks only through this class.

Hash maps are stored as ``format NUL value NUL …``: XML 1.0 cannot carry NUL, and computed values are hex or
base58, so no value holds one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime

from pixm_desktop.core.hashes import MHL_ORDER, HashAlgorithm

from .model import Action, MhlFileRecord, VerifyEntry, VerifyStatus

_BATCH = 1000
_FAILED = str(Action.FAILED)

_SCHEMA = """
CREATE TABLE rec (seq INTEGER PRIMARY KEY, hist BLOB NOT NULL, rel BLOB NOT NULL, dir BLOB NOT NULL,
                  action TEXT NOT NULL, size INTEGER, hashes TEXT NOT NULL);
CREATE TABLE entry (n INTEGER PRIMARY KEY, rel BLOB NOT NULL, status TEXT NOT NULL, expected TEXT NOT NULL,
                    actual TEXT NOT NULL, reason TEXT);
CREATE INDEX entry_rel ON entry (rel, n);  -- the report reads entries in path order without a sort
CREATE TABLE disk (rel BLOB PRIMARY KEY, dir BLOB NOT NULL, hist BLOB NOT NULL, hashes TEXT NOT NULL,
                   size INTEGER, mtime_ns INTEGER, kept TEXT, action TEXT, hashdate TEXT);
CREATE INDEX disk_dir ON disk (dir);
"""


def _parent(rel: bytes) -> bytes:
    return rel.rpartition(b"/")[0]


def pack(hashes: Mapping[HashAlgorithm, str]) -> str:
    return "\0".join(f"{a.value}\0{v}" for a, v in hashes.items())


def unpack(text: str) -> dict[HashAlgorithm, str]:
    if not text:
        return {}
    parts = text.split("\0")
    return {HashAlgorithm(parts[i]): parts[i + 1] for i in range(0, len(parts), 2)}


class VerifySpool:
    """One verify's temporary database (SQLite's private temp file, deleted when closed or collected).

    Fill it with :meth:`add_record` (the reader's sink), then :meth:`add_entry` / :meth:`add_disk` per file;
    read with :meth:`expected`, :meth:`missing`, :meth:`entries`, :meth:`file_hashes`, :meth:`records`.
    """

    def __init__(self) -> None:
        # One thread fills it; the report may be read from another (the job's caller): reads only, in turn.
        self._db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self._db.execute("BEGIN")
        self._pending: dict[str, list[tuple]] = {"rec": [], "entry": [], "disk": []}
        self._indexed = False
        self._expected_dir: bytes | None = None
        self._expected: dict[tuple[bytes, bytes], list[tuple]] = {}

    # -- filling

    def add_record(self, prefix: bytes, relpath: bytes, size: int | None, action: str,
                   hashes: Mapping[HashAlgorithm, str]) -> None:
        """A record of the history at ``prefix`` (``reader.RecordSink``, called in reading order)."""
        rel = prefix + b"/" + relpath if prefix else relpath
        self._add("rec", (prefix, rel, _parent(rel), action, size, pack(hashes)))

    def add_entry(self, entry: VerifyEntry) -> None:
        self._add("entry", (entry.relpath, str(entry.status), pack(entry.expected), pack(entry.actual),
                            entry.reason))

    def add_disk(self, rel: bytes, owner: bytes, hashes: Mapping[HashAlgorithm, str],
                 record: MhlFileRecord | None) -> None:
        """A file found on disk: the hashes computed for it and the record to write for it (or ``None``)."""
        if record is None:
            row = (rel, _parent(rel), owner, pack(hashes), None, None, None, None, None)
        else:
            hashdate = record.hashdate.isoformat() if record.hashdate is not None else None
            row = (rel, _parent(rel), owner, pack(hashes), record.size, record.mtime_ns, pack(record.hashes),
                   str(record.action), hashdate)
        self._add("disk", row)

    def _add(self, table: str, row: tuple) -> None:
        rows = self._pending[table]
        rows.append(row)
        if len(rows) >= _BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        rows = self._pending[table]
        if rows:
            marks = ",".join("?" * len(rows[0]))
            cols = {"rec": "hist, rel, dir, action, size, hashes", "entry": "rel, status, expected, actual, reason",
                    "disk": "rel, dir, hist, hashes, size, mtime_ns, kept, action, hashdate"}[table]
            self._db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
            rows.clear()

    def _records_ready(self) -> None:
        """The history is read: its last records written and indexed (once)."""
        if not self._indexed:
            self._flush("rec")
            self._db.execute("CREATE INDEX rec_rel ON rec (rel, hist)")
            self._db.execute("CREATE INDEX rec_dir ON rec (dir)")
            self._indexed = True

    def _ready(self) -> None:
        self._records_ready()
        for table in self._pending:
            self._flush(table)

    # -- the history's answers

    def expected(self, owner: bytes, rel: bytes) -> tuple[dict[HashAlgorithm, str], int | None]:
        """Per format the newest trusted (``original``/``verified``) value recorded for scope path ``rel`` in
        the history at ``owner``, and the newest trusted size (``None`` when none): what
        ``MhlHistory.expected_hashes`` and ``expected_size`` answer. The records of ``rel``'s folder are read
        at once and kept until a path of another folder is asked for (a verify walks folder by folder)."""
        self._records_ready()
        folder = _parent(rel)
        if folder != self._expected_dir:
            self._expected_dir, self._expected = folder, {}
            for hist, path, action, size, hashes in self._db.execute(
                "SELECT hist, rel, action, size, hashes FROM rec WHERE dir = ? ORDER BY seq", (folder,)
            ):
                self._expected.setdefault((hist, path), []).append((action, size, hashes))
        merged: dict[HashAlgorithm, str] = {}
        size = None
        for action, rec_size, hashes in self._expected.get((owner, rel), ()):
            if action == _FAILED:
                continue
            merged.update(unpack(hashes))
            if rec_size is not None:
                size = rec_size
        return {a: merged[a] for a in MHL_ORDER if a in merged}, size

    def missing(self) -> Iterator[tuple[bytes, bytes]]:
        """``(owner prefix, scope path)`` of every recorded path (any action) with no file on disk, once per
        history recording it, folder by folder."""
        self._ready()
        self._flush("entry")
        yield from _drain(self._db.execute(
            "SELECT hist, rel FROM rec WHERE rel NOT IN (SELECT rel FROM disk) GROUP BY hist, rel "
            "ORDER BY dir, MIN(seq)"  # by folder: expected() reads a folder at a time
        ))

    def formats_of(self, owner: bytes) -> Iterator[dict[HashAlgorithm, str]]:
        """The hash maps of every record (any action) of the history at ``owner``."""
        self._records_ready()
        for (hashes,) in self._db.execute("SELECT hashes FROM rec WHERE hist = ? ORDER BY seq", (owner,)):
            yield unpack(hashes)

    # -- the outcome

    def entries(self) -> SpooledEntries:
        self._ready()
        return SpooledEntries(self)

    def file_hashes(self) -> Mapping[bytes, Mapping[HashAlgorithm, str]]:
        """``{path: hashes computed}`` of the files on disk that were hashed."""
        self._ready()
        return _DiskHashes(self._db)

    def records(self, owner: bytes) -> Mapping[bytes, MhlFileRecord]:
        """``{path: record to write}`` of the files owned by the history at ``owner``."""
        self._ready()
        return _DiskRecords(self._db, owner)

    def close(self) -> None:
        self._db.close()


class SpooledEntries(Sequence[VerifyEntry]):
    """A verify's entries sorted by path, read from the spool as they are iterated (the spool lives as long
    as this sequence)."""

    def __init__(self, spool: VerifySpool):
        self._spool = spool
        self._db = spool._db
        self._len = self._db.execute("SELECT COUNT(*) FROM entry").fetchone()[0]

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[VerifyEntry]:
        cur = self._db.execute("SELECT rel, status, expected, actual, reason FROM entry ORDER BY rel, n")
        while rows := cur.fetchmany(1000):
            yield from (_entry(row) for row in rows)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        row = self._db.execute("SELECT rel, status, expected, actual, reason FROM entry ORDER BY rel, n "
                               "LIMIT 1 OFFSET ?", (index,)).fetchone()
        return _entry(row)


def _entry(row: tuple) -> VerifyEntry:
    rel, status, expected, actual, reason = row
    return VerifyEntry(rel, VerifyStatus(status), unpack(expected), unpack(actual), reason)


class _ByFolder(Mapping):
    """Rows of ``disk`` by path, read a folder at a time (the writer asks folder by folder)."""

    _where = ""

    def __init__(self, db: sqlite3.Connection, owner: bytes | None = None):
        self._db, self._owner = db, owner
        self._dir: bytes | None = None
        self._rows: dict[bytes, tuple] = {}

    def _select(self, extra: str) -> tuple[str, tuple]:
        if self._owner is None:
            return f"{self._where}{extra}", ()
        return f"{self._where} AND hist = ?{extra}", (self._owner,)

    def _row(self, rel: bytes) -> tuple:
        folder = _parent(rel)
        if folder != self._dir:
            where, args = self._select(" AND dir = ?")
            self._dir, self._rows = folder, {
                row[0]: row for row in self._db.execute(f"SELECT {self._columns} FROM disk WHERE {where}",
                                                        (*args, folder))}
        row = self._rows.get(rel)
        if row is None:
            raise KeyError(rel)
        return row

    def __iter__(self) -> Iterator[bytes]:
        where, args = self._select("")
        return (rel for (rel,) in _drain(self._db.execute(f"SELECT rel FROM disk WHERE {where}", args)))

    def __len__(self) -> int:
        where, args = self._select("")
        return self._db.execute(f"SELECT COUNT(*) FROM disk WHERE {where}", args).fetchone()[0]


class _DiskHashes(_ByFolder):
    _where = "hashes != ''"
    _columns = "rel, hashes"

    def __getitem__(self, rel: bytes) -> Mapping[HashAlgorithm, str]:
        return unpack(self._row(rel)[1])


class _DiskRecords(_ByFolder):
    _where = "kept IS NOT NULL"
    _columns = "rel, size, mtime_ns, kept, action, hashdate"

    def __getitem__(self, rel: bytes) -> MhlFileRecord:
        _, size, mtime_ns, kept, action, hashdate = self._row(rel)
        when = datetime.fromisoformat(hashdate) if hashdate is not None else None
        return MhlFileRecord(rel, size, mtime_ns, unpack(kept), action=Action(action), hashdate=when)


def _drain(cur: sqlite3.Cursor) -> Iterable[tuple]:
    while rows := cur.fetchmany(1000):
        yield from rows
