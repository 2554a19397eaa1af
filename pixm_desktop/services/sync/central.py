"""The central catalog as a whole: connect to it, create or upgrade its schema with the catalog's own Alembic
migrations (the same models as a cart's SQLite file, PostgreSQL types where they help: UUID ids, JSONB
values, BYTEA raw names), and open it read-only for the commands that answer for the whole show."""

from __future__ import annotations

import psycopg
from sqlalchemy import create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from pixm_desktop.core.errors import CentralError
from pixm_desktop.services.sync.url import conninfo, display_url
from pixm_desktop.store.db import SCHEMA_HEAD, Catalog, migrate, schema_revision

CONNECT_TIMEOUT_S = 10


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    """A psycopg connection to the central catalog (UTC session). Raises :class:`CentralError` naming the URL
    (without password) when the server cannot be reached or refuses the login."""
    info, password = conninfo(url)
    kwargs = {"password": password} if password else {}
    try:
        conn = psycopg.connect(info, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="pixm-sync", **kwargs)
    except psycopg.Error as exc:
        raise CentralError(f"cannot connect to the central catalog {display_url(url)}: {_first_line(exc)}",
                           hint="check that the server runs and the URL; keep the password in ~/.pgpass or "
                                "$PGPASSFILE (docs/sync.md)") from None
    conn.execute("SET TIME ZONE 'UTC'")
    if not autocommit:
        conn.commit()
    return conn


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _engine(url: str, *, read_only: bool = False):
    engine = create_engine("postgresql+psycopg://", creator=lambda: connect(url, autocommit=False),
                           pool_pre_ping=True)
    if read_only:
        event.listen(engine, "connect", lambda dbapi, _rec: _read_only(dbapi))
    return engine


def _read_only(dbapi) -> None:
    dbapi.execute("SET default_transaction_read_only = on")
    dbapi.commit()


def revision(url: str) -> str | None:
    """The central catalog's schema revision (``None``: an empty database)."""
    engine = _engine(url)
    try:
        return schema_revision(engine)
    except SQLAlchemyError as exc:
        raise CentralError(f"cannot read the central catalog {display_url(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def init(url: str) -> str:
    """Create the central schema in the empty database ``url``; returns the revision. Raises
    :class:`CentralError` when the database already holds a catalog (``upgrade`` is for that)."""
    have = revision(url)
    if have is not None:
        raise CentralError(f"the central catalog {display_url(url)} is already initialised (schema {have})",
                           hint="`pixm central upgrade URL` brings it to this PIXM's schema")
    return upgrade(url)


def upgrade(url: str) -> str:
    """Bring the central schema at ``url`` to this PIXM's newest revision; returns it. Raises
    :class:`CentralError` for a schema written by a newer PIXM or a database error."""
    engine = _engine(url)
    try:
        migrate(engine, None)
        return schema_revision(engine) or ""
    except SQLAlchemyError as exc:
        raise CentralError(f"cannot migrate the central catalog {display_url(url)}: {_first_line(exc)}") from None
    finally:
        engine.dispose()


def check_schema(conn: psycopg.Connection, url: str) -> None:
    """Raise :class:`CentralError` unless the central schema is this PIXM's (``SCHEMA_HEAD``)."""
    try:
        have = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except psycopg.errors.UndefinedTable:
        conn.rollback()
        have = None
    have = have[0] if have else None
    conn.rollback()
    if have != SCHEMA_HEAD:
        what = "not initialised" if have is None else f"at schema {have}, this PIXM writes {SCHEMA_HEAD}"
        todo = "pixm central init URL" if have is None else "pixm central upgrade URL (from the newer PIXM if newer)"
        raise CentralError(f"the central catalog {display_url(url)} is {what}", hint=f"run `{todo}`")


def open_reader(url: str) -> Catalog:
    """The central catalog as a read-only :class:`Catalog` (every read service works on it; writes fail)."""
    with connect(url) as conn:
        check_schema(conn, url)
    return Catalog(_engine(url, read_only=True), None)


def open_writer(url: str) -> Catalog:
    """The central catalog as a writable :class:`Catalog`, for the review portal served from it (its viewers,
    sessions, access log, and the decisions it stamps like a cart's: ``services.review.central``). Raises
    :class:`CentralError` as :func:`open_reader`."""
    with connect(url) as conn:
        check_schema(conn, url)
    return Catalog(_engine(url), None)
