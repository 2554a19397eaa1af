"""Catalog queries and writes used by the services. Functions take an open ``Session`` and never commit
unless their name says so; the caller owns the transaction."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from pixm_desktop.core.hashes import MHL_ORDER, HashAlgorithm
from pixm_desktop.core.model import CopyFailure, CopyState, JobStatus, SourceFile
from pixm_desktop.core.states import JobKind
from pixm_desktop.store.db import journals_in_memory
from pixm_desktop.store.models import Card, Copy, Destination, File, Job, Project, ShootDay, utcnow
from pixm_desktop.store.sync_local import tick
from pixm_desktop.store.sync_registry import COUNTER_BITS


def get_or_create_shoot_day(session: Session, project: str, day: dt.date) -> ShootDay:
    """The project's shoot day, created if needed. Safe when another process creates the same rows at the same
    moment (a new catalog, two offloads): the insert is ``INSERT … ON CONFLICT DO NOTHING``, then read back."""
    proj_id = _insert_or_get(session, Project, {"name": project, "created_at": utcnow()},
                             Project.name == project)
    _insert_or_get(session, ShootDay, {"project_id": proj_id, "day": day},
                   (ShootDay.project_id == proj_id) & (ShootDay.day == day))
    return session.scalar(select(ShootDay).where(ShootDay.project_id == proj_id, ShootDay.day == day))


def _insert_or_get(session: Session, model, values: dict, where) -> int:
    found = session.scalar(select(model.id).where(where))
    if found is not None:
        return found
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(dialect_insert(model.__table__).values(**values).on_conflict_do_nothing())
    return session.scalar(select(model.id).where(where))


def find_card(session: Session, quick_fingerprint: str) -> Card | None:
    """The catalogued card with this content fingerprint (the newest if several), else ``None``."""
    return session.scalar(
        select(Card).where(Card.quick_fingerprint == quick_fingerprint).order_by(Card.id.desc()).limit(1)
    )


def find_grown_card(session: Session, label: str, files: Sequence[SourceFile]) -> Card | None:
    """A catalogued card with this label whose every file is still on the card unchanged (names, sizes and mtimes
    to the nanosecond), the card holding the same files or more: the same card, recorded on again after its last
    offload, or one whose sampled heads could not all be read (newest first). ``None`` otherwise."""
    now = {f.relpath: (f.size, f.mtime_ns) for f in files}
    for card in session.scalars(select(Card).where(Card.label == label).order_by(Card.id.desc())):
        before = session.execute(select(File.relpath_raw, File.size, File.mtime_ns)
                                 .where(File.card_id == card.id, File.problem.is_(None)))
        known = {rel: (size, mtime) for rel, size, mtime in before}
        if known and len(known) <= len(now) and all(now.get(rel) == v for rel, v in known.items()):
            return card
    return None


def destination_owner(session: Session, path_raw: bytes) -> Card | None:
    """The card whose offloads use this destination card folder, if any."""
    return session.scalar(select(Card).join(Destination, Destination.card_id == Card.id)
                          .where(Destination.path_raw == path_raw).order_by(Destination.id.desc()).limit(1))


class FileRow(NamedTuple):
    """One ``files`` row as the offload reads it: plain values, no ORM instance (a card of 20,000 files would
    otherwise build 20,000 tracked objects). The hash columns follow in :data:`MHL_ORDER`."""

    id: int
    relpath_raw: bytes
    relpath: str
    size: int
    mtime_ns: int
    problem: str | None
    hashed_at: dt.datetime | None
    c4: str | None
    md5: str | None
    sha1: str | None
    xxh128: str | None
    xxh3: str | None
    xxh64: str | None

    def hashes(self) -> dict[HashAlgorithm, str]:
        """``{format: text form}`` of the non-empty hash columns (as :meth:`File.hashes`)."""
        return {a: v for a, v in zip(MHL_ORDER, self[7:], strict=True) if v}


_FILE_ROW = tuple(File.__table__.c[name] for name in FileRow._fields)


def sync_files(session: Session, card: Card, files: Sequence[SourceFile]) -> dict[bytes, FileRow]:
    """Insert missing file rows (one set-based insert) and refresh size/mtime of changed ones; returns
    ``{relpath_raw: FileRow}`` for every row of the card.

    A file whose size or mtime changed loses its old hashes and copy states (it is a different file now).
    The catalog's rows and sync outbox end as the per-row triggers would leave them (:func:`_insert_files`).
    """
    session.flush()  # pending changes reach the catalog (and its outbox) before the new rows, as before
    known = {rel: (fid, size, mtime, problem) for rel, fid, size, mtime, problem in session.execute(
        select(File.relpath_raw, File.id, File.size, File.mtime_ns, File.problem).where(File.card_id == card.id))}
    new = [(card.id, sf.relpath, sf.display, sf.size, sf.mtime_ns) for sf in files if sf.relpath not in known]
    if new:
        _insert_files(session, new)
    changed = {k[0]: sf for sf in files if (k := known.get(sf.relpath)) is not None
               and (k[3] is not None or k[1] != sf.size or k[2] != sf.mtime_ns)}
    for row in _file_objects(session, sorted(changed)):
        sf = changed[row.id]
        if row.problem is not None:
            row.problem = None  # could not be taken last time, readable now
        if row.size != sf.size or row.mtime_ns != sf.mtime_ns:
            row.size, row.mtime_ns = sf.size, sf.mtime_ns
            row.set_hashes(dict.fromkeys(row.hashes(), None))
            for c in row.copies:
                c.state, c.reason = CopyState.PENDING.value, "source file changed since the last offload"
    session.flush()
    rows = session.connection().execute(select(*_FILE_ROW).where(_FILE_ROW[0].table.c.card_id == card.id))
    return {r[1]: FileRow._make(r) for r in rows}  # Core rows: no ORM loading for a card's worth


def _file_objects(session: Session, ids: Sequence[int]) -> list[File]:
    """ORM rows ``ids`` in id order, 900 per query (SQLite's bound-parameter limit)."""
    out: list[File] = []
    for i in range(0, len(ids), 900):
        out += session.scalars(select(File).where(File.id.in_(ids[i:i + 900])).order_by(File.id))
    return out


_SYNC_INSERT_TRIGGER = "sync_files_ins"


def _insert_files(session: Session, rows: list[tuple[int, bytes, str, int, int]]) -> None:
    """Insert ``(card_id, relpath_raw, relpath, size, mtime_ns)`` rows in one ``executemany`` of plain tuples.

    On SQLite with the sync triggers installed (migration 0015) and capture on, the insert trigger would tick
    the cart's clock, stamp ``sync_hlc`` and queue an outbox entry once per row — most of a large card's insert.
    Here capture is off for the insert and the same is done set-based after it: one clock advance for all the
    rows, each row in insert order one HLC value further (``l << 20 | counter``, the counter carrying into
    ``l``), one ``sync_outbox`` entry per row in the same order. Anywhere else the rows go through the triggers.
    """
    conn = session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name != "sqlite" or not _stamps_inserts(raw):
        session.execute(insert(File), [dict(zip(_INSERT_COLUMNS, r, strict=True)) for r in rows])
        return
    cur = raw.cursor()
    try:
        cur.execute("INSERT INTO sync_apply (id) VALUES (1)")  # the triggers record nothing (our transaction)
        try:
            cur.executemany(f"INSERT INTO files ({', '.join(_INSERT_COLUMNS)}) VALUES (?, ?, ?, ?, ?)", rows)
        finally:
            cur.execute("DELETE FROM sync_apply")
        _stamp_new_files(cur, rows[0][0], [r[1] for r in rows], first=tick(conn))
    finally:
        cur.close()


_INSERT_COLUMNS = ("card_id", "relpath_raw", "relpath", "size", "mtime_ns")


def _stamps_inserts(raw) -> bool:
    """The file insert trigger is installed, capture is on (no ``sync_apply`` row) and the cart's clock row
    exists (without it the trigger's outbox insert fails: then the triggers run and fail as they always did)."""
    return raw.execute(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?) "
        "AND NOT EXISTS (SELECT 1 FROM sync_apply) AND EXISTS (SELECT 1 FROM sync_cart WHERE id = 1)",
        (_SYNC_INSERT_TRIGGER,)).fetchone()[0] == 1


def _stamp_new_files(cur, card_id: int, relpaths: list[bytes], *, first: int) -> None:
    """What ``sync_files_ins`` does per row, for the card's rows ``relpaths`` just inserted, in that order;
    ``first``: the clock's value for the first row (``sync_local.tick``), the others reserved after it."""
    ids = dict(cur.execute("SELECT relpath_raw, id FROM files WHERE card_id = ?", (card_id,)))
    stamped = [(ids[rel], first + n) for n, rel in enumerate(relpaths)]
    last = stamped[-1][1]
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS pixm_new_files (id INTEGER PRIMARY KEY, hlc INTEGER NOT NULL)")
    cur.execute("DELETE FROM pixm_new_files")
    cur.executemany("INSERT INTO pixm_new_files (id, hlc) VALUES (?, ?)", stamped)
    cur.execute("UPDATE sync_cart SET hlc_ms = ?, hlc_count = ? WHERE id = 1",
                (last >> COUNTER_BITS, last & ((1 << COUNTER_BITS) - 1)))
    # by primary key on both sides; sync_hlc changes, so the update trigger stays silent (as for the insert's own)
    cur.execute("UPDATE files SET sync_hlc = (SELECT n.hlc FROM pixm_new_files n WHERE n.id = files.id) "
                "WHERE id IN (SELECT id FROM pixm_new_files)")
    cur.execute("INSERT INTO sync_outbox (tbl, row_id, op, hlc) SELECT 'files', id, 'u', hlc FROM pixm_new_files "
                "ORDER BY hlc")
    cur.execute("DELETE FROM pixm_new_files")


def sync_problems(session: Session, card: Card, problems: Sequence[tuple[bytes, str]],
                  files: Sequence[SourceFile]) -> None:
    """Record the card entries the scan could not take (``(relpath, reason)``) as file rows with ``problem``
    set (size 0, no copies): they block SAFE TO FORMAT until a scan takes them. Problem rows of entries the
    card no longer holds, neither as a problem nor as a file, are removed."""
    rows = {f.relpath_raw: f for f in session.scalars(select(File).where(File.card_id == card.id,
                                                                            File.problem.is_not(None)))}
    now = dict(problems)
    taken = {f.relpath for f in files}
    for rel, row in rows.items():
        if rel not in now and rel not in taken:
            session.delete(row)
    existing = set(session.scalars(select(File.relpath_raw).where(File.card_id == card.id)))
    for rel, reason in problems:
        if rel in rows:
            rows[rel].problem = reason
        elif rel in existing:  # a file copied before that cannot be read now: its copies stay as they are
            session.execute(update(File).where(File.card_id == card.id, File.relpath_raw == rel)
                            .values(problem=reason))
        else:
            session.add(File(card_id=card.id, relpath_raw=rel, relpath=rel.decode("utf-8", "replace"), size=0,
                             mtime_ns=0, problem=reason))
    session.flush()


def get_or_create_destination(session: Session, card: Card, path_raw: bytes, **fields) -> Destination:
    dest = session.scalar(select(Destination).where(Destination.card_id == card.id, Destination.path_raw == path_raw))
    if dest is None:
        dest = Destination(card_id=card.id, path_raw=path_raw, path=path_raw.decode("utf-8", "replace"), **fields)
        session.add(dest)
        session.flush()
    else:
        for k, v in fields.items():
            setattr(dest, k, v)
    return dest


def mark_running_jobs_interrupted(session: Session, host: str, is_alive) -> list[int]:
    """Jobs of every kind left ``running`` by a process that no longer exists on this host become ``interrupted``.

    ``is_alive(pid) -> bool`` tells live processes apart (jobs of another running PIXM are left alone).
    Returns the ids changed. Commits.
    """
    stale = [j for j in session.scalars(select(Job).where(Job.status == JobStatus.RUNNING.value))
             if j.host == host and not (j.pid and is_alive(j.pid))]
    for job in stale:
        job.status = JobStatus.INTERRUPTED.value
        job.error = "the program stopped while this job ran (crash, kill or power loss); run it again to resume"
    if stale:
        session.commit()
    return [j.id for j in stale]


def list_cards(session: Session) -> list[Card]:
    return list(session.scalars(select(Card).order_by(Card.created_at, Card.id)))


def list_jobs(session: Session, card_id: int | None = None) -> list[Job]:
    """Jobs of every kind in id order (of card ``card_id`` when given)."""
    q = select(Job).order_by(Job.id)
    if card_id is not None:
        q = q.where(Job.card_id == card_id)
    return list(session.scalars(q))


def add_job(session: Session, **fields) -> Job:
    """A new ``jobs`` row with ``fields`` (``kind``, ``status``, ``options``…; ``source_path`` and ``algorithms``
    default to ``""``), flushed so its id is known. The caller commits."""
    fields.setdefault("source_path", "")
    fields.setdefault("algorithms", "")
    job = Job(**fields)
    session.add(job)
    session.flush()
    return job


def finish_job(session: Session, job_id: int, status: str, error: str | None, log: str | None,
               finished_at) -> None:
    """Record how job ``job_id`` ended: status, error, its log lines, finish time. Commits."""
    job = session.get(Job, job_id)
    if job is None:
        return
    job.status, job.error, job.finished_at = status, error, finished_at
    if log is not None:
        job.log = log
    session.commit()


def append_job_log(session: Session, job_id: int, lines: str) -> None:
    """Add ``lines`` (newline-ended) to the log of job ``job_id``. Commits."""
    job = session.get(Job, job_id)
    if job is not None and lines:
        job.log = (job.log or "") + lines
        session.commit()


def state_counts(session: Session, destination_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{destination_id: {state: file count}}``."""
    out: dict[int, dict[str, int]] = {}
    rows = session.execute(select(Copy.destination_id, Copy.state, func.count()).where(
        Copy.destination_id.in_(list(destination_ids))).group_by(Copy.destination_id, Copy.state))
    for dest_id, state, n in rows:
        out.setdefault(dest_id, {})[state] = n
    return out


def card_problems(session: Session, card_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """``{card_id: [(relpath, problem), …]}``: card entries PIXM could not take (``files.problem``), by name."""
    out: dict[int, list[tuple[str, str]]] = {}
    rows = session.execute(select(File.card_id, File.relpath, File.problem)
                           .where(File.card_id.in_(list(card_ids)), File.problem.is_not(None))
                           .order_by(File.card_id, File.relpath_raw))
    for card_id, relpath, problem in rows:
        out.setdefault(card_id, []).append((relpath, problem))
    return out


def first_failures(session: Session, destination_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """``{destination_id: (relpath, reason)}`` of the first failed copy (by file name) on each destination."""
    out: dict[int, tuple[str, str]] = {}
    rows = session.execute(select(Copy.destination_id, File.relpath, Copy.reason)
                           .join(File, File.id == Copy.file_id)
                           .where(Copy.destination_id.in_(list(destination_ids)),
                                  Copy.state == CopyState.FAILED.value)
                           .order_by(Copy.destination_id, File.relpath_raw))
    for dest_id, relpath, reason in rows:
        out.setdefault(dest_id, (relpath, reason or "failed"))
    return out


def running_jobs(session: Session, card_ids: Iterable[int]) -> dict[int, list[tuple[str, int | None]]]:
    """``{card_id: [(host, pid), …]}`` of jobs recorded ``running`` (the caller tells live ones apart)."""
    out: dict[int, list[tuple[str, int | None]]] = {}
    rows = session.execute(select(Job.card_id, Job.host, Job.pid)
                           .where(Job.card_id.in_(list(card_ids)), Job.status == JobStatus.RUNNING.value,
                                  Job.kind == JobKind.OFFLOAD.value))  # only an offload copies the card
    for card_id, host, pid in rows:
        out.setdefault(card_id, []).append((host, pid))
    return out


def find_destination_by_path(session: Session, path_raw: bytes) -> Destination | None:
    return session.scalar(select(Destination).where(Destination.path_raw == path_raw).order_by(Destination.id.desc()).limit(1))


@dataclass(slots=True)
class CopyRow:
    """In-memory view of one ``copies`` row (what the offload needs to decide and guard)."""

    state: str
    reason: str | None
    job_id: int | None
    failure: str | None = None  # a CopyFailure value for failed copies


def load_copy_rows(session: Session, destination_id: int) -> dict[int, CopyRow]:
    """``{file_id: CopyRow}`` for a destination, in one query."""
    rows = session.execute(select(Copy.file_id, Copy.state, Copy.reason, Copy.job_id, Copy.failure)
                           .where(Copy.destination_id == destination_id))
    return {fid: CopyRow(state, reason, job, failure) for fid, state, reason, job, failure in rows}


class BatchWriter:
    """Collects copy states and source hashes during an offload and writes them with a few set-based
    statements per flush (thousands of small files would otherwise cost one ORM round trip each)."""

    def __init__(self, session: Session):
        self.session = session
        self._copies: dict[tuple[int, int], dict] = {}
        self._hashes: dict[int, dict] = {}

    def copy_state(self, file_id: int, destination_id: int, state: CopyState, reason: str | None,
                   job_id: int | None, failure: CopyFailure | None = None, *, copying: bool = True) -> None:
        """Record a copy's state (the one write path for ``copies``). ``copying=False`` (a re-verification of
        copies already there) leaves ``copied_at`` as it was; ``verified_at`` is set for ``verified``."""
        now = utcnow()
        copied = copying and state in (CopyState.COPIED, CopyState.VERIFIED)
        self._copies[(file_id, destination_id)] = {
            "file_id": file_id, "destination_id": destination_id, "state": state.value, "reason": reason,
            "failure": failure.value if failure is not None and state == CopyState.FAILED else None,
            "job_id": job_id, "copied_at": now if copied else None,
            "verified_at": now if state == CopyState.VERIFIED else None}

    def file_hashes(self, file_id: int, hashes: dict[HashAlgorithm, str]) -> None:
        values = {a.value: v for a, v in hashes.items()}
        self._hashes[file_id] = {"b_id": file_id, "hashed_at": utcnow(), **values}

    def take(self) -> BatchWriter:
        """Hand what was collected over as a batch of its own; this writer starts empty again."""
        batch = BatchWriter(self.session)
        batch._copies, batch._hashes = self._copies, self._hashes
        self._copies, self._hashes = {}, {}
        return batch

    def flush(self, session: Session | None = None) -> None:
        """Write what was collected through ``session`` (default: the writer's own); no commit: the caller
        commits."""
        if session is not None:
            self.session = session
        if self._copies:
            self._upsert_copies(list(self._copies.values()))
            self._copies.clear()
        if self._hashes:
            by_columns: dict[tuple[str, ...], list[dict]] = {}
            for row in self._hashes.values():
                by_columns.setdefault(tuple(sorted(row)), []).append(row)
            for cols, rows in by_columns.items():
                stmt = update(File.__table__).where(File.__table__.c.id == bindparam("b_id")).values(
                    {c: bindparam(c) for c in cols if c != "b_id"})
                self.session.execute(stmt, rows)
            self._hashes.clear()

    def _upsert_copies(self, rows: list[dict]) -> None:
        table = Copy.__table__
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.file_id, table.c.destination_id],
            set_={"state": stmt.excluded.state, "reason": stmt.excluded.reason, "failure": stmt.excluded.failure,
                  "job_id": stmt.excluded.job_id,
                  "copied_at": func.coalesce(stmt.excluded.copied_at, table.c.copied_at),
                  "verified_at": func.coalesce(stmt.excluded.verified_at, table.c.verified_at)})
        self.session.execute(stmt, rows)


class BackgroundFlush:
    """Writes :class:`BatchWriter` batches on a thread of its own, through a session of its own, one commit per
    batch, in the order given: the offload's reader hands a batch over and goes on reading instead of waiting
    for the catalog (a 20,000-file card spent ~7 s of its copy there).

    An error while writing is kept and raised in the caller's thread by the next :meth:`submit`,
    :meth:`drain` or :meth:`close`; later batches are then dropped (the caller ends the job)."""

    MAX_WAITING = 4  # batches queued before submit waits: memory stays bounded if the catalog's drive is slow

    def __init__(self, sessions: Callable[[], Session]):
        self._sessions = sessions
        self._queue: queue.Queue = queue.Queue(maxsize=self.MAX_WAITING)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, batch: BatchWriter) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="pixm-catalog", daemon=True)
            self._thread.start()
        self._queue.put(batch)

    def drain(self) -> None:
        """Wait until every batch given is committed; raises the writing error, if there was one."""
        if self._thread is not None:
            self._queue.join()
        self._raise()

    def close(self) -> None:
        """Drain, then end the thread (idempotent)."""
        try:
            self.drain()
        finally:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join()
                self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def _loop(self) -> None:
        ended = False
        try:
            with self._sessions() as session:
                ended = self._serve(session)
        except BaseException as exc:  # noqa: BLE001 (handed to the caller's thread)
            self._error = self._error or exc
        if not ended:  # the session failed to open or close: keep answering, so drain/close never wait forever
            self._discard()

    def _serve(self, session: Session) -> bool:
        """Commit batches until the end mark; True once it was taken."""
        while (batch := self._queue.get()) is not None:
            try:
                if self._error is None:
                    journals_in_memory(session)  # each commit gives the connection (and the setting) back
                    batch.flush(session)
                    session.commit()
            except BaseException as exc:  # noqa: BLE001 (handed to the caller's thread)
                self._error = exc
                self._rollback(session)
            finally:
                self._queue.task_done()
        self._queue.task_done()
        return True

    def _discard(self) -> None:
        while self._queue.get() is not None:
            self._queue.task_done()
        self._queue.task_done()

    @staticmethod
    def _rollback(session: Session) -> None:
        try:
            session.rollback()
        except BaseException:  # noqa: BLE001 (the first error is the one reported)
            pass
