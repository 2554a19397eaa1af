"""Migrations: a catalog made at 0001 upgrades on open, keeps its rows, and downgrades again (0002 clips);
0003 classifies the failed copies of older catalogs; the models and the migrations describe the same schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.store.db import MIGRATIONS, SCHEMA_HEAD, described_by_models, open_catalog
from pixm_desktop.store.models import Base

CLIP_TABLES = {"clips", "clip_files", "clip_thumbnails"}


def _alembic(engine, action, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, revision)


def _catalog_at_0001(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.upgrade, "0001")
    with engine.begin() as conn:
        assert not CLIP_TABLES & set(inspect(conn).get_table_names())
        conn.execute(text("INSERT INTO projects (id, name, created_at) VALUES (1, 'Film', '2026-11-23 08:00:00')"))
        conn.execute(text("INSERT INTO shoot_days (id, project_id, day) VALUES (1, 1, '2026-11-23')"))
        conn.execute(text(
            "INSERT INTO cards (id, label, camera, reel, quick_fingerprint, file_count, total_bytes, source_path, "
            "shoot_day_id, created_at) VALUES (1, 'A001R1AB', 'arri', 'A001', 'f00d', 2, 3000, "
            "'/nonexistent/A001R1AB', 1, '2026-11-23 08:00:00')"))
        for i, name in enumerate((b"A001C001_261123_R1AB.mov", b"A001R1AB.ale"), 1):
            conn.execute(text("INSERT INTO files (id, card_id, relpath_raw, relpath, size, mtime_ns) "
                              "VALUES (:i, 1, :raw, :rel, 1500, 0)"),
                         {"i": i, "raw": name, "rel": name.decode()})
    engine.dispose()


def test_0001_catalog_upgrades_to_head_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _catalog_at_0001(path)
    catalog = open_catalog(path)
    with catalog.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
        assert set(inspect(conn).get_table_names()) >= CLIP_TABLES
        assert conn.execute(text("SELECT label, reel FROM cards")).one() == ("A001R1AB", "A001")
        assert conn.execute(text("SELECT count(*) FROM files")).scalar() == 2
    # the old card can be ingested: its clip is found from the file rows; nothing to read it from
    result = clips.ingest_card(catalog, 1)
    assert (result.clips, result.probe_failed) == (1, 1)
    row = clips.list_clips(catalog, ClipFilter(day=dt.date(2026, 11, 23)))[0]
    assert (row.name, row.tape_name, row.reel, row.probe_status) == ("A001C001_261123_R1AB", "A001R1AB", "A001",
                                                                     "failed")
    assert "no readable copy" in row.probe_error
    catalog.close()


def test_0002_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    path = tmp_path / "cat.sqlite"
    open_catalog(path).close()
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.downgrade, "0001")
    with engine.connect() as conn:
        assert not CLIP_TABLES & set(inspect(conn).get_table_names())
    _alembic(engine, command.upgrade, "head")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= CLIP_TABLES
    engine.dispose()


def test_models_match_the_migrations(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "cat.sqlite")
    with catalog.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": described_by_models})
        assert compare_metadata(context, Base.metadata) == []
    catalog.close()


def test_schema_head_constant_matches_the_migration_scripts(tmp_path):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from pixm_desktop.store.db import MIGRATIONS, SCHEMA_HEAD, open_catalog, schema_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD
    catalog = open_catalog(tmp_path / "c.sqlite")
    assert schema_revision(catalog.engine) == SCHEMA_HEAD
    catalog.close()


def test_0003_classifies_failed_copies_of_an_older_catalog(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _catalog_at_0001(path)
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.upgrade, "0002")
    reasons = {
        1: ("verified", None, None),
        2: ("failed", "checksum mismatch: xxh64 expected 1, read back 2", "mismatch"),
        3: ("failed", "re-verify: missing", "missing"),
        4: ("failed", "re-verify: failed — expected xxh64 1, found xxh64 2", "mismatch"),
        5: ("failed", "a different file already exists at the destination; PIXM never overwrites", "foreign"),
        6: ("failed", "No space left on device (destination)", "write"),
    }
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO destinations (id, card_id, path_raw, path, volume_label, mount_point, "
                          "device, fs_type, required) VALUES (1, 1, X'2F64', '/d', 'RAID', '/', 'sda', 'ext4', 1)"))
        for i, (state, reason, _kind) in reasons.items():
            conn.execute(text(f"INSERT INTO files (id, card_id, relpath_raw, relpath, size, mtime_ns) VALUES "
                              f"({i + 10}, 1, X'{f'f{i}'.encode().hex()}', 'f{i}', 1, 0)"))
            conn.execute(text("INSERT INTO copies (file_id, destination_id, state, reason) VALUES (:f, 1, :s, :r)"),
                         {"f": i + 10, "s": state, "r": reason})
    _alembic(engine, command.upgrade, "0003")
    with engine.connect() as conn:
        got = dict(conn.execute(text("SELECT file_id - 10, failure FROM copies")).all())
    engine.dispose()
    assert got == {i: kind for i, (_s, _r, kind) in reasons.items()}
