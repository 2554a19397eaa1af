"""Open the catalog: SQLite in WAL mode, migrated to the newest schema with Alembic on open."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from pixm_desktop.core.errors import CatalogError

MIGRATIONS = Path(__file__).with_name("migrations")
#: Newest Alembic revision shipped (tests/test_clips_migration.py checks it equals the scripts' head). A
#: catalog already there opens without loading Alembic, which costs about half a second per command.
SCHEMA_HEAD = "0004"
ENV_VAR = "PIXM_CATALOG"


def default_catalog_path() -> Path:
    """``$PIXM_CATALOG`` if set, else ``catalog.sqlite`` in the per-user data folder (platformdirs)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(user_data_dir("pixm", appauthor=False)) / "catalog.sqlite"


class Catalog:
    """An open catalog: ``session()`` gives a SQLAlchemy session; the schema is current."""

    def __init__(self, engine: Engine, path: Path | None):
        self.engine = engine
        self.path = path
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


def open_catalog(path: os.PathLike | str | None = None, *, url: str | None = None) -> Catalog:
    """Open (creating and migrating as needed) the catalog at ``path`` or a database ``url``.

    Raises :class:`CatalogError` naming the file when it cannot be opened or migrated.
    """
    db_path = None
    if url is None:
        db_path = Path(path) if path is not None else default_catalog_path()
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(f"cannot create the catalog folder: {exc.strerror}", path=db_path.parent) from exc
        url = f"sqlite:///{db_path}"
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise CatalogError(f"cannot open the catalog: {exc}", path=db_path or url,
                           hint="check the file is a PIXM catalog and the disk is writable") from exc
    return Catalog(engine, db_path)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (GUI) never block the offload writer
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def schema_revision(engine: Engine) -> str | None:
    """The catalog's Alembic revision, or ``None`` for a new (or pre-Alembic) database."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic ``head`` on ``engine`` (nothing to load when it is already there)."""
    if schema_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
