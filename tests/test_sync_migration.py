"""The sync identity migration (, issue 17) on a catalog made by the services as of the revision before it: every synced row
gets its UUID (the same for the same thing on any cart) and a stamp and is queued once; the cart gets an id
and a name; the triggers then capture inserts, updates, field edits and deletes, but not the sync's own
writes; and it downgrades cleanly."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from pixm_desktop.services import clips
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store import sync_local
from pixm_desktop.store.db import MIGRATIONS, SCHEMA_HEAD
from pixm_desktop.store.sync_registry import NAMESPACE, SYNCED, SYNCED_TABLES

pytest_plugins = ["support.sync_carts"]
BEFORE_SYNC = "0014"  # the revision the sync identity migration follows


def _to(path: Path, revision: str) -> None:
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def test_sync_identity_gives_every_row_of_an_older_catalog_an_identity_and_queues_it(carts):
    a, b = carts
    _to(a, BEFORE_SYNC)
    with sqlite3.connect(a) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (BEFORE_SYNC,)
        assert "sync_uuid" not in {r[1] for r in conn.execute("PRAGMA table_info(files)")}
        assert not conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_%'"
                                ).fetchall()
        rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SYNCED_TABLES}
    catalog = open_catalog(a)  # migrates on open
    catalog.close()
    with sqlite3.connect(a) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (SCHEMA_HEAD,)
        for t in SYNCED_TABLES:
            assert conn.execute(f"SELECT count(*) FROM {t} WHERE sync_uuid IS NULL OR sync_hlc IS NULL"
                                ).fetchone()[0] == 0, t
            assert conn.execute("SELECT count(DISTINCT row_id) FROM sync_outbox WHERE tbl = ?", (t,)
                                ).fetchone()[0] == rows[t], t
        cart, name = conn.execute("SELECT uuid, name FROM sync_cart").fetchone()
        assert uuid.UUID(cart) and name
        project = conn.execute("SELECT sync_uuid FROM projects WHERE name = 'Film'").fetchone()[0]
        files_a = dict(conn.execute("SELECT relpath, sync_uuid FROM files"))
        jobs_a = {u for (u,) in conn.execute("SELECT sync_uuid FROM jobs")}
    assert project == str(uuid.uuid5(NAMESPACE, "projects\x1fFilm"))
    # the other cart names the same card's files alike, its own jobs not
    sync_b = open_catalog(b)  # B has not synced: give its rows their UUIDs the way a push does
    with sync_b.engine.begin() as conn:
        cart_b = conn.execute(text("SELECT uuid FROM sync_cart")).scalar()
        sync_local.quiet(conn)
        for spec in SYNCED:
            sync_local.assign_uuids(conn, spec, None, cart_b)
        sync_local.loud(conn)
        files_b = dict(conn.execute(text("SELECT relpath, sync_uuid FROM files")).all())
        jobs_b = {u for (u,) in conn.execute(text("SELECT sync_uuid FROM jobs"))}
        assert conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar() > 0
    sync_b.close()
    shared = set(files_a) & set(files_b)
    assert shared and all(files_a[f] == files_b[f] for f in shared)
    assert not jobs_a & jobs_b


def test_triggers_capture_changes_but_not_the_syncs_own_writes(carts):
    a, _ = carts
    catalog = open_catalog(a)
    try:
        with catalog.engine.begin() as conn:
            conn.execute(text("DELETE FROM sync_outbox"))
        (row,) = clips.list_clips(catalog, clips.ClipFilter(limit=1))
        clips.update_log(catalog, [row.id], scene="4B", circled=True)
        with catalog.engine.connect() as conn:
            outbox = conn.execute(text("SELECT tbl, row_id, op FROM sync_outbox")).all()
            fields = conn.execute(text("SELECT field, pending FROM sync_fields ORDER BY field")).all()
            hlcs = conn.execute(text("SELECT hlc FROM sync_outbox ORDER BY seq")).scalars().all()
        assert ("clips", row.id, "u") in outbox
        assert [(f, bool(p)) for f, p in fields] == [("circled", True), ("scene", True)]
        assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)  # the clock only moves forward
        with catalog.engine.begin() as conn:
            sync_local.quiet(conn)
            conn.execute(text("UPDATE clips SET scene = '9' WHERE id = :i"), {"i": row.id})
            sync_local.loud(conn)
        with catalog.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar() == len(outbox)
            assert conn.execute(text("SELECT count(*) FROM sync_apply")).scalar() == 0
        with catalog.engine.begin() as conn:
            assert "sync_uuid" not in {c["name"] for c in inspect(conn).get_columns("clip_thumbnails")}
            conn.execute(text("DELETE FROM clip_files WHERE clip_id = :i"), {"i": row.id})
        assert not _deletes(catalog)  # rows never pushed (no UUID yet) leave nothing to delete centrally
        with catalog.engine.begin() as conn:
            sync_local.quiet(conn)
            for spec in SYNCED:
                sync_local.assign_uuids(conn, spec, None, conn.execute(text("SELECT uuid FROM sync_cart")).scalar())
            sync_local.loud(conn)
            conn.execute(text("DELETE FROM clips WHERE id = :i"), {"i": row.id})
        assert ("clips", row.id) in _deletes(catalog)
    finally:
        catalog.close()


def _deletes(catalog) -> set[tuple[str, int]]:
    with catalog.engine.connect() as conn:
        return {(t, i) for t, i in conn.execute(text("SELECT tbl, row_id FROM sync_outbox WHERE op = 'd' "
                                                     "AND uuid IS NOT NULL"))}


def test_sync_identity_downgrades_and_upgrades_again(carts):
    a, _ = carts
    _to(a, BEFORE_SYNC)
    with sqlite3.connect(a) as conn:
        assert not {"sync_cart", "sync_outbox", "sync_fields"} & {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    open_catalog(a).close()
    with sqlite3.connect(a) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_%'"
                            ).fetchone()[0] == 3 * len(SYNCED_TABLES) + 8
