"""Open the catalog: SQLite (WAL mode on local drives), migrated to the newest schema with Alembic on open.

Several processes use one catalog at once (the window, its offload and report child processes, ``pixm``
commands): SQLite's own locking keeps them apart, a busy writer is waited for up to ``BUSY_TIMEOUT_MS``, and
the schema is created or migrated by one process at a time under a lock file beside the catalog
(``<catalog>.migrate.lock``). Every database error a command meets is turned into a :class:`CatalogError`
(exit 8) naming the file and what to do (:func:`catalog_error`).
"""

from __future__ import annotations

import os
import sqlite3
import time
import weakref
from pathlib import Path

import psutil
from filelock import FileLock, Timeout
from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pixm_desktop.core.errors import CatalogError

MIGRATIONS = Path(__file__).with_name("migrations")
#: Newest Alembic revision shipped (tests/test_clips_migration.py checks it equals the scripts' head). A
#: catalog already there opens without loading Alembic, which costs about half a second per command.
SCHEMA_HEAD = "0019"
ENV_VAR = "PIXM_CATALOG"
BUSY_TIMEOUT_MS = 10_000  # how long a statement waits for another process's write before "database is locked"
MIGRATE_LOCK_TIMEOUT = 120.0  # seconds one process waits for another to create or migrate the catalog
#: Filesystems where SQLite's WAL shared memory is not shared between machines (or not reliably at all):
#: the catalog uses a rollback journal there (sqlite.org/wal.html: "WAL does not work over a network
#: filesystem"), which is slower but never corrupts the file.
NETWORK_FILESYSTEMS = frozenset({"nfs", "nfs4", "cifs", "smbfs", "smb", "smb2", "smb3", "afpfs", "webdav", "davfs",
                                 "fuse.sshfs", "sshfs", "9p", "ceph", "glusterfs", "fuse.glusterfs", "lustre",
                                 "afs", "ncpfs", "vboxsf", "fuse.rclone", "fuse.s3fs"})


#: Tables the models do not describe (migrations 0010, 0017 and 0018, kept in step by triggers): the clip text
#: search (FTS5 ``clip_search`` and its shadow tables ``clip_search_*``), the number of clips (``clip_totals``),
#: of clips per card (``clip_card_counts``) and per card and filter value (``clip_card_values``).
SEARCH_TABLE = "clip_search"
TRIGGER_TABLES = frozenset({SEARCH_TABLE, "clip_totals", "clip_card_counts", "clip_card_values"})
#: Partial indexes of ``clips`` no model describes (migration 0019: the clips two-character text is checked on).
PARTIAL_INDEXES = frozenset({"ix_clips_pair_text"})


def described_by_models(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic ``include_name`` hook: ``False`` for the tables the triggers keep, the descending indexes of
    ``clips`` (migration 0017; a model index on ``x DESC`` is an expression Alembic cannot compare) and its
    partial indexes (:data:`PARTIAL_INDEXES`), which no model describes."""
    if type_ == "index" and name is not None and name.startswith("ix_clips_") and name.endswith("_desc"):
        return False
    if type_ == "index" and name in PARTIAL_INDEXES:
        return False
    return not (type_ == "table" and name is not None
                and (name in TRIGGER_TABLES or name.startswith(SEARCH_TABLE + "_")))


def default_catalog_path() -> Path:
    """``$PIXM_CATALOG`` if set, else ``catalog.sqlite`` in the per-user data folder (platformdirs)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("pixm", appauthor=False)) / "catalog.sqlite"


class Catalog:
    """An open catalog: ``session()`` gives a SQLAlchemy session; the schema is current.

    A process forked while a catalog is open never uses the parent's SQLite connections (two processes on
    one connection corrupt the file — sqlite.org/howtocorrupt.html §2.6): the child's pool starts empty and
    opens its own connections. PIXM itself starts children with ``spawn``; this guards any ``fork``."""

    def __init__(self, engine: Engine, path: Path | None):
        self.engine = engine
        self.path = path
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        _OPEN.add(self)

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


_OPEN: weakref.WeakSet[Catalog] = weakref.WeakSet()


def _forget_connections_after_fork() -> None:
    for catalog in list(_OPEN):
        catalog.engine.dispose(close=False)  # the parent keeps using them; the child must never touch them


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)


def open_catalog(path: os.PathLike | str | None = None, *, url: str | None = None) -> Catalog:
    """Open (creating and migrating as needed) the catalog at ``path`` or a database ``url``.

    Raises :class:`CatalogError` naming the file when it cannot be opened or migrated: read-only file or folder,
    locked by another program past ``BUSY_TIMEOUT_MS``, written by a newer PIXM, not a database.
    """
    db_path = None
    if url is None:
        db_path = Path(path) if path is not None else default_catalog_path()
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot create the catalog folder: {exc.strerror}", path=db_path.parent,
                               hint="choose another catalog with --catalog or $PIXM_CATALOG") from exc
        url = f"sqlite:///{db_path}"
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        journal = "DELETE" if db_path is not None and _on_network_filesystem(db_path) else "WAL"
        event.listen(engine, "connect", lambda conn, _rec: _sqlite_pragmas(conn, journal))
        event.listen(engine, "checkin", _temp_store_back)
    try:
        migrate(engine, db_path)
    except CatalogError:
        engine.dispose()
        raise
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        engine.dispose()
        raise catalog_error(exc, db_path or url) from exc
    return Catalog(engine, db_path)


def _sqlite_pragmas(dbapi_conn, journal: str) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL needs the lock too
    _set_journal_mode(cur, journal)  # WAL: readers (GUI) never block the offload writer
    # WAL + NORMAL survives a killed process (only a power loss may drop the last commits); a rollback
    # journal needs FULL for that
    cur.execute("PRAGMA synchronous=" + ("NORMAL" if journal == "WAL" else "FULL"))
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


_IN_MEMORY = "pixm_temp_in_memory"  # connection-record flag: temp_store was set to MEMORY by journals_in_memory


def journals_in_memory(session: Session) -> None:
    """Keep the statement journals and temporary tables of ``session``'s connection in memory until it goes
    back to the pool, which a commit does (``PRAGMA temp_store=MEMORY``; SQLite only; call at the start of
    each transaction it is for, before its first write).

    For an offload's many small writes: every copy-state upsert fires the sync triggers, and SQLite wrote
    each such statement's journal to a temporary file (236,884 writes for a 20,000-file card). Not for every
    connection: a large sort or index build would then be held in memory too (an index over 2,000,000 rows:
    230 MB instead of 19 MB). A speed setting only: if SQLite refuses it, nothing changes but the speed."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    try:
        conn.exec_driver_sql("PRAGMA temp_store=MEMORY")
    except SQLAlchemyError:
        return  # inside a transaction of the temporary database: the files stay
    conn.connection.info[_IN_MEMORY] = True


def _temp_store_back(dbapi_conn, record) -> None:
    """Pool check-in (after its rollback): a connection :func:`journals_in_memory` changed gets the default
    back before anyone else uses it."""
    if dbapi_conn is not None and record is not None and record.info.pop(_IN_MEMORY, False):  # None: invalidated
        try:
            dbapi_conn.execute("PRAGMA temp_store=DEFAULT")
        except sqlite3.Error:
            record.invalidate()  # never handed out again with the setting


def _set_journal_mode(cur, journal: str) -> None:
    """``PRAGMA journal_mode``, retried while the file is busy. SQLite answers "database is locked" at once,
    without its busy handler, when two connections switch a new catalog to WAL at the same moment (two
    offloads started together on a new catalog failed one time in seven); waits at most ``BUSY_TIMEOUT_MS``."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cur.execute(f"PRAGMA journal_mode={journal}")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _on_network_filesystem(path: Path) -> bool:
    """Whether ``path`` (or its nearest existing parent) is on a network filesystem (psutil's mount table)."""
    real = os.path.realpath(path if path.exists() else path.parent)
    best, fstype = "", ""
    try:
        parts = psutil.disk_partitions(all=True)
    except Exception:  # no mount table (sandbox): assume a local disk
        return False
    for part in parts:
        mp = part.mountpoint
        if (real == mp or real.startswith(mp.rstrip(os.sep) + os.sep)) and len(mp) > len(best):
            best, fstype = mp, part.fstype.lower()
    return fstype in NETWORK_FILESYSTEMS


def schema_revision(engine: Engine) -> str | None:
    """The catalog's Alembic revision, or ``None`` for a new (or pre-Alembic) database.

    Raises ``SQLAlchemyError`` when the file cannot be read at all (not a database, locked, unreadable)."""
    with engine.connect() as conn:
        has_table = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
                                 ).scalar() if engine.dialect.name == "sqlite" else True
        if not has_table:
            return None
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None


def known_revisions() -> set[str]:
    """Alembic revision ids this version ships (``NNNN`` from ``migrations/versions/NNNN_*.py``)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py") if p.name[:1].isdigit()}


def migrate(engine: Engine, path: Path | None = None) -> None:
    """Bring the schema to Alembic ``head`` on ``engine`` (nothing to load when it is already there).

    With a catalog file, one process at a time migrates (lock file beside it); the others wait, then find the
    schema current. Raises :class:`CatalogError` for a catalog written by a newer PIXM (unknown revision)."""
    revision = schema_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    _refuse_newer(revision, path)
    if path is None:
        _upgrade(engine)
        return
    lock = FileLock(str(path) + ".migrate.lock", timeout=MIGRATE_LOCK_TIMEOUT)
    try:
        with lock:
            revision = schema_revision(engine)  # another process may have done it while we waited
            _refuse_newer(revision, path)
            if revision != SCHEMA_HEAD:
                _upgrade(engine)
    except Timeout:
        raise CatalogError(f"another process has been creating or migrating the catalog for over "
                           f"{MIGRATE_LOCK_TIMEOUT:.0f} s", path=path,
                           hint=f"wait for it, or remove {path}.migrate.lock if no PIXM is running") from None


def _refuse_newer(revision: str | None, path) -> None:
    if revision is not None and revision not in known_revisions():
        raise CatalogError(f"the catalog was written by a newer PIXM (schema {revision}; this version knows up to "
                           f"{SCHEMA_HEAD})", path=path,
                           hint="update PIXM, or choose another catalog with --catalog or $PIXM_CATALOG; "
                                "the file was left unchanged")


def _upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if conn.dialect.name == "sqlite":  # a migration that rebuilt a synced table dropped its sync triggers
            from pixm_desktop.store.sync_local import ensure_triggers

            ensure_triggers(conn)


def catalog_error(exc: BaseException, path: os.PathLike | str | None) -> CatalogError:
    """A :class:`CatalogError` (exit 8) for a database error ``exc`` met while using the catalog at ``path``,
    saying what happened and what to do (SQLite's own words are kept at the end)."""
    raw = str(getattr(exc, "orig", None) or exc).strip()
    low = raw.lower()
    where = f"--catalog or ${ENV_VAR}"
    if "readonly" in low or "read-only" in low or "permission denied" in low or isinstance(exc, PermissionError):
        what = "the catalog is read-only (the file or its folder cannot be written)"
        hint = f"make the file and its folder writable for this user, or choose another catalog with {where}"
    elif "locked" in low or "busy" in low:
        what = f"the catalog stayed locked by another program for more than {BUSY_TIMEOUT_MS / 1000:.0f} s"
        hint = "wait for the other PIXM (or program holding the file) to finish, then run the command again"
    elif "not a database" in low or "malformed" in low or "encrypted" in low:
        what = "the catalog file is not a PIXM catalog or is damaged"
        hint = (f"choose the right file with {where}; a damaged catalog can be checked with "
                "`sqlite3 FILE 'PRAGMA integrity_check'` (keep a copy before repairing)")
    elif "disk is full" in low or "no space" in low:
        what = "the catalog's drive is full"
        hint = "free space on that drive, then run the command again"
    elif "unable to open" in low or isinstance(exc, OSError):
        what = "the catalog file cannot be opened"
        hint = f"check that its folder exists and is writable, or choose another catalog with {where}"
    else:
        what = "the catalog could not be read or written"
        hint = f"check the file and its drive, or choose another catalog with {where}"
    first_line = raw.splitlines()[0] if raw else type(exc).__name__
    return CatalogError(f"{what} ({first_line})", path=path, hint=hint)


def is_catalog_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a database error (SQLAlchemy or sqlite3) to report with :func:`catalog_error`."""
    return isinstance(exc, SQLAlchemyError | sqlite3.Error)
