"""Sync with a central PostgreSQL catalog (issue 17), against a real server started for the tests: two carts
with an overlapping shoot day in one database without duplicates, a repeat sync that changes nothing, a
connection killed between batches then resumed giving exactly the rows of an uninterrupted sync (and a lost
local mark), the per-field last-writer rule by hybrid logical clock with its conflict log (also with one
cart's clock an hour wrong, by faketime), and no password stored or printed."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from pixm_desktop.core.errors import CentralError
from pixm_desktop.services import sync
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.services.sync import central, engine
from pixm_desktop.store import central as store_central
from pixm_desktop.store.db import SCHEMA_HEAD
from pixm_desktop.store.sync_registry import SYNCED
from support.cli import cli, pixm_env

pytest_plugins = ["support.postgres", "support.sync_carts"]


def _sync(db: Path, url: str, **kw) -> sync.SyncResult:
    catalog = open_catalog(db)
    try:
        return sync.sync_once(catalog, url, **kw)
    finally:
        catalog.close()


def _dump(url: str) -> dict[str, set[str]]:
    """Every central row of every synced table as JSON without its central id, its parents by UUID."""
    out = {}
    with psycopg.connect(url) as conn:
        for spec in SYNCED:
            drop = " ".join(f"- '{c}'" for c in ("id", *spec.parents))
            parents = "".join(f", (SELECT p.sync_uuid FROM {p} p WHERE p.id = t.{fk})" for fk, p in spec.parents.items())
            rows = conn.execute(f"SELECT (to_jsonb(t) {drop})::text{parents} FROM {spec.table} t").fetchall()
            out[spec.table] = {json.dumps([str(v) for v in r]) for r in rows}
    return out


def _local_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {s.table: conn.execute(f"SELECT count(*) FROM {s.table}").fetchone()[0] for s in SYNCED}


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return store_central.table_counts(conn)


def test_two_carts_with_one_shoot_day_sync_into_one_database_without_duplicates(carts, central_url):
    a, b = carts
    assert central.init(central_url) == SCHEMA_HEAD
    first_a = _sync(a, central_url)
    _sync(b, central_url)
    assert first_a.rows == sum(_local_counts(a).values())
    la, lb = _local_counts(a), _local_counts(b)
    got = _counts(central_url)
    # project, day, card X and its files and clips are one thing both carts know; copies are each cart's own
    assert (got["projects"], got["shoot_days"], got["cards"]) == (1, 1, 2)
    assert got["files"] == lb["files"] and got["clips"] == lb["clips"]
    assert got["copies"] == la["copies"] + lb["copies"]
    assert got["destinations"] == la["destinations"] + lb["destinations"]
    assert got["jobs"] == la["jobs"] + lb["jobs"]
    with psycopg.connect(central_url) as conn:
        assert conn.execute("SELECT count(*) FROM (SELECT card_id, relpath_raw FROM files GROUP BY 1, 2 "
                            "HAVING count(*) > 1) d").fetchone()[0] == 0
        carts_seen = dict(conn.execute("SELECT name, pushed_seq > 0 FROM central_carts").fetchall())
        per_cart = dict(conn.execute("SELECT c.name, count(*) FROM copies k JOIN central_carts c "
                                     "ON c.uuid = k.sync_cart GROUP BY 1").fetchall())
    assert carts_seen == {"cart-A": True, "cart-B": True}
    assert per_cart == {"cart-A": la["copies"], "cart-B": lb["copies"]}

    before = _dump(central_url)
    again = [_sync(a, central_url), _sync(b, central_url)]
    assert [r.changed_anything for r in again] == [False, False]
    assert [r.entries for r in again] == [0, 0]
    assert _dump(central_url) == before


def test_a_connection_killed_between_batches_resumes_to_exactly_the_uninterrupted_rows(carts, pg_server, tmp_path):
    a, _ = carts
    twin = tmp_path / "twin.sqlite"
    shutil.copy(a, twin)  # the same cart, synced without interruption into its own database
    cut, whole = pg_server.new_database("killed"), pg_server.new_database("whole")
    central.init(cut)
    central.init(whole)

    def kill(batch_no: int) -> None:
        if batch_no == 2:
            pg_server.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = 'pixm-sync' AND pid <> pg_backend_pid()", "killed")

    with pytest.raises(CentralError, match="resumes after the last batch"):
        _sync(a, cut, batch=5, on_batch=kill)
    partial = _counts(cut)
    assert 0 < sum(partial.values()) < sum(_local_counts(a).values())
    catalog = open_catalog(a)
    status = sync.sync_status(catalog)
    catalog.close()
    assert status.pending > 0 and status.last_error and not status.connected
    _sync(a, cut, batch=5)
    _sync(twin, whole, batch=5)
    assert _dump(cut) == _dump(whole)
    assert _counts(cut) == _local_counts(a)


def test_a_lost_local_mark_after_a_central_commit_is_not_pushed_twice(carts, central_url, monkeypatch):
    a, _ = carts
    central.init(central_url)
    real_ack, calls = engine._ack, []

    def crash_on_second(catalog, seq):
        calls.append(seq)
        if len(calls) == 2:
            raise CentralError("power cut after the central commit")
        real_ack(catalog, seq)

    with sqlite3.connect(a) as conn:
        queued = conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
    monkeypatch.setattr(engine, "_ack", crash_on_second)
    with pytest.raises(CentralError):
        _sync(a, central_url, batch=6)
    monkeypatch.setattr(engine, "_ack", real_ack)
    with psycopg.connect(central_url) as conn:
        rows_after_crash = conn.execute("SELECT rows_pushed FROM central_carts").fetchone()[0]
    resumed = _sync(a, central_url, batch=6)
    assert resumed.entries == queued - 12  # two batches of 6 held centrally: neither is pushed again
    with psycopg.connect(central_url) as conn:
        assert conn.execute("SELECT rows_pushed FROM central_carts").fetchone()[0] == rows_after_crash + resumed.rows
    assert _counts(central_url) == _local_counts(a)


def _clip(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT name FROM clips ORDER BY name LIMIT 1").fetchone()[0]


def _scene(db: Path, clip: str) -> str | None:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT scene FROM clips WHERE name = ?", (clip,)).fetchone()[0]


def _log(db: Path, clip: str, scene: str, skew: str | None = None) -> None:
    """``pixm log CLIP --scene SCENE`` as a process, its clock moved by ``skew`` (faketime, e.g. ``+1h``)."""
    argv = [sys.executable, "-m", "pixm_desktop.cli", "log", clip, "--scene", scene, "--catalog", str(db)]
    if skew:
        argv = ["faketime", "-f", skew, *argv]
    r = subprocess.run(argv, capture_output=True, text=True, env=pixm_env(), cwd=db.parent, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def _conflicts(url: str) -> list:
    return sync.list_conflicts(url)


@pytest.fixture
def faketime():
    if shutil.which("faketime") is None:
        if sys.platform.startswith("linux"):
            pytest.fail("faketime is not installed (Debian: apt-get install faketime; .ci/run installs it)")
        pytest.skip(f"libfaketime is not available on {sys.platform}")


def test_a_field_edited_on_two_carts_offline_goes_to_the_later_stamp_and_leaves_a_conflict(carts, central_url):
    a, b = carts
    central.init(central_url)
    _sync(a, central_url), _sync(b, central_url), _sync(a, central_url)
    clip = _clip(a)
    _log(a, clip, "12A")  # both offline: A first, B later
    _log(b, clip, "12B")
    for db in (a, b, a):
        _sync(db, central_url)
    assert (_scene(a, clip), _scene(b, clip)) == ("12B", "12B")
    (c,) = _conflicts(central_url)
    assert (c.row_name, c.field, c.kept_value, c.kept_cart, c.lost_value, c.lost_cart) == \
        (clip, "scene", "12B", "cart-B", "12A", "cart-A")
    assert c.kept_hlc > c.lost_hlc
    listed = cli("sync", "--conflicts", "--catalog", b)
    assert listed.code == 0 and clip in listed.out and '"12A"' in listed.out and "cart-A" in listed.out
    # an edit made after seeing the other's value is no conflict
    _log(a, clip, "12C")
    _sync(a, central_url), _sync(b, central_url)
    assert _scene(b, clip) == "12C" and len(_conflicts(central_url)) == 1


def test_with_one_clock_an_hour_ahead_the_rule_still_decides_and_both_carts_agree(carts, central_url, faketime):
    a, b = carts
    central.init(central_url)
    _sync(a, central_url), _sync(b, central_url), _sync(a, central_url)
    clip = _clip(a)
    _log(a, clip, "7A", skew="+1h")  # A's clock is an hour fast; B edits after A in real time
    _log(b, clip, "7B")
    for db in (b, a, b):
        _sync(db, central_url)
    # the documented rule: the greater stamp wins, and A's stamp is an hour ahead; B's value is in the log
    assert (_scene(a, clip), _scene(b, clip)) == ("7A", "7A")
    (c,) = _conflicts(central_url)
    assert (c.kept_value, c.kept_cart, c.lost_value, c.lost_cart) == ("7A", "cart-A", "7B", "cart-B")
    assert c.kept_hlc - c.lost_hlc > (50 * 60 * 1000) << 20
    # B has seen A's stamp: its clock is past it now, so B's next edit wins though its wall clock is behind A's
    _log(b, clip, "7C")
    _sync(b, central_url), _sync(a, central_url)
    assert (_scene(a, clip), _scene(b, clip)) == ("7C", "7C") and len(_conflicts(central_url)) == 1


def test_with_one_clock_an_hour_behind_the_later_edit_wins(carts, central_url, faketime):
    a, b = carts
    central.init(central_url)
    _sync(a, central_url), _sync(b, central_url)
    clip = _clip(a)
    _log(b, clip, "9B", skew="-1h")  # B's clock is an hour slow: B edits first, A after
    _log(a, clip, "9A")
    _sync(a, central_url)
    lost = _sync(b, central_url)  # B's edit loses as it is pushed: B takes the kept value at once
    assert (lost.fields_lost, lost.conflicts) == (1, 1)
    assert (_scene(a, clip), _scene(b, clip)) == ("9A", "9A")
    (c,) = _conflicts(central_url)
    assert (c.kept_value, c.lost_value, c.lost_cart) == ("9A", "9B", "cart-B")


def test_no_password_is_stored_or_printed(carts, central_url, tmp_path):
    a, _ = carts
    central.init(central_url)
    with_password = central_url.replace("postgres@", "postgres:Sw0rdfish@")
    r = cli("sync", "--to", with_password, "--once", "--catalog", a)
    assert r.code == 0, r.text
    assert "Sw0rdfish" not in r.text
    status = cli("sync", "--status", "--json", "--catalog", a)
    assert "Sw0rdfish" not in status.text and json.loads(status.out)["connected"] is True
    assert b"Sw0rdfish" not in a.read_bytes()
    wal = Path(str(a) + "-wal")
    assert not wal.exists() or b"Sw0rdfish" not in wal.read_bytes()
    from pixm_desktop.core import logs

    assert "Sw0rdfish" not in logs.log_path().read_text(errors="replace")


def test_the_central_catalog_answers_where_and_clips_for_the_whole_show(carts, central_url):
    a, b = carts
    assert cli("central", "init", central_url).code == 0
    again = cli("central", "init", central_url)
    assert again.code == 15 and "already initialised" in again.text
    assert cli("central", "upgrade", central_url).code == 0
    for db in (a, b):
        r = cli("sync", "--to", central_url, "--catalog", db)
        assert r.code == 0, r.text
    clips = cli("--central", central_url, "clips", "--json")
    assert clips.code == 0, clips.text
    names = sorted(c["name"] for c in json.loads(clips.out))
    with sqlite3.connect(b) as conn:
        assert names == sorted(n for (n,) in conn.execute("SELECT name FROM clips"))
    clip = _clip(a)
    where = cli("--central", central_url, "where", clip, "--json")
    assert where.code == 0, where.text
    (found,) = json.loads(where.out)
    assert len(found["places"]) == 4  # card X's folders on both carts' two drives
    assert cli("--central", central_url, "log", clip, "--scene", "1").code == 2
    # the cart's own catalog again, in the same process
    assert len(json.loads(cli("clips", "--json", "--catalog", a).out)) == 2
    # the status works offline: the URL without password, nothing pending
    status = json.loads(cli("sync", "--status", "--json", "--catalog", a).out)
    assert (status["pending"], status["pending_fields"], status["conflicts"]) == (0, 0, 0)
    assert status["url"] == central_url and status["connected"]


def test_a_sync_stuck_on_the_server_never_blocks_the_carts_writes(carts, central_url, pg_server):
    import threading
    import time

    a, _ = carts
    central.init(central_url)
    outcome: list = []
    with psycopg.connect(central_url) as locker:
        locker.execute("LOCK TABLE copies IN ACCESS EXCLUSIVE MODE")  # the sync will wait here, mid-batch
        worker = threading.Thread(target=lambda: outcome.append(_sync(a, central_url)))
        worker.start()
        deadline = time.monotonic() + 120
        with psycopg.connect(central_url, autocommit=True) as watcher:  # a fresh statistics snapshot each time
            while not watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pixm-sync' "
                                      "AND wait_event_type = 'Lock'").fetchone()[0]:
                assert time.monotonic() < deadline, "the sync never reached the locked table"
                time.sleep(0.05)
        # meanwhile the cart records new work without waiting a millisecond for the catalog
        with sqlite3.connect(a, timeout=0) as conn:
            conn.execute("UPDATE clips SET rating = 4")
            conn.execute("INSERT INTO projects (name, created_at) VALUES ('Pickups', '2026-11-24 08:00:00')")
        locker.rollback()
    worker.join()
    assert outcome and outcome[0].fields_pushed == 2  # the sync went on with what was written meanwhile
    assert _counts(central_url) == _local_counts(a)
    with psycopg.connect(central_url) as conn:
        assert conn.execute("SELECT count(*) FROM projects WHERE name = 'Pickups'").fetchone()[0] == 1
        assert {r for (r,) in conn.execute("SELECT rating FROM clips")} == {4}
    assert not _sync(a, central_url).changed_anything


def test_watch_syncs_until_stopped_and_reports_a_failure_without_stopping(carts, central_url):
    import threading

    a, _ = carts
    seen: list = []
    stop = threading.Event()

    def on_result(outcome) -> None:
        seen.append(outcome)
        if len(seen) == 1:
            central.init(central_url)  # the first tick met an uninitialised server; the next one works
        else:
            stop.set()

    catalog = open_catalog(a)
    try:
        sync.watch(catalog, central_url, interval_s=0, stop=stop, on_result=on_result)
    finally:
        catalog.close()
    assert isinstance(seen[0], CentralError) and "not initialised" in seen[0].message
    assert isinstance(seen[1], sync.SyncResult) and seen[1].rows == sum(_local_counts(a).values())


def test_a_row_naming_a_parent_the_central_lacks_is_refused_with_its_batch(carts, central_url):
    a, _ = carts
    central.init(central_url)
    _sync(a, central_url)
    with psycopg.connect(central_url) as conn:  # someone removed the card's folders centrally
        conn.execute("DELETE FROM destinations")
    with sqlite3.connect(a) as conn:
        conn.execute("UPDATE copies SET reason = 'checked' WHERE id = (SELECT min(id) FROM copies)")
    before = _dump(central_url)
    with pytest.raises(CentralError, match="refused a batch: 1 copies row"):
        _sync(a, central_url)
    assert _dump(central_url) == before
