"""Benchmark: sync of a cart's catalog with a central PostgreSQL catalog (issue 17).

1. A catalog with ``--files`` files (default 100,000) on ``--cards`` cards of one shoot day, each file on two
   destinations (verified copies), and ``--clips`` clips (default 10,000) with their media file linked; rows
   inserted through SQLAlchemy Core into a migrated catalog, so the sync triggers stamp and queue every one
   as an offload's writes would (the time to build it is printed too: the triggers' cost).
2. The initial sync into a new central catalog on a throwaway PostgreSQL server (Debian's binaries, as the
   ``postgres`` user when run as root; ``tests/support/postgres.py``; fsync on): time and rows/s.
3. One new card (``--files/--cards`` files, their copies and ``--clips/--cards`` clips) offloaded afterwards,
   then the incremental sync: time.
4. A repeat sync (nothing to do): time.

Baseline in the same run: plain psycopg ``COPY`` of the same files' rows into an unindexed table with no
conflict handling — the floor for moving those bytes into this server.

Usage::

    python benchmarks/sync.py --work /tmp/sync-bench [--files 100000] [--clips 10000] [--cards 100] [--batch 5000]

Prints the figures as JSON (``--json FILE`` also writes them). Targets (issue 17): initial ≥ 20,000 rows/s,
incremental < 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pixm_desktop.services.settings import open_catalog  # noqa: E402
from pixm_desktop.services.sync import central, sync_once  # noqa: E402
from pixm_desktop.store.models import (  # noqa: E402
    Card,
    Clip,
    ClipFile,
    Copy,
    Destination,
    File,
    Job,
    Project,
    ShootDay,
)
from support.postgres import running_server  # noqa: E402

DAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.UTC)


def add_card(catalog, n: int, files: int, clips: int) -> int:
    """Card ``n`` with ``files`` files on two destinations (verified) and ``clips`` clips; rows written."""
    label = f"A{n:03d}R{n:04X}"
    with catalog.engine.begin() as conn:
        day = conn.execute(text("SELECT id FROM shoot_days")).scalar()
        card = conn.execute(insert(Card).values(label=label, camera="arri", reel=f"A{n:03d}",
                                                quick_fingerprint=f"{n:032x}", file_count=files,
                                                total_bytes=files * 10**8, source_path=f"/Volumes/{label}",
                                                shoot_day_id=day)).inserted_primary_key[0]
        job = conn.execute(insert(Job).values(card_id=card, kind="offload", status="completed",
                                              source_path=f"/Volumes/{label}", algorithms="xxh64")
                           ).inserted_primary_key[0]
        dests = [conn.execute(insert(Destination).values(card_id=card, path_raw=f"/{d}/{label}".encode(),
                                                         path=f"/{d}/{label}", drive_id=d)).inserted_primary_key[0]
                 for d in ("RAID", "SHUTTLE")]
        first = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM files")).scalar() + 1
        conn.execute(insert(File), [
            {"card_id": card, "relpath_raw": f"{label}/A{n:03d}C{i:05d}.mxf".encode(),
             "relpath": f"{label}/A{n:03d}C{i:05d}.mxf", "size": 10**8 + i, "mtime_ns": 1_700_000_000 * 10**9 + i,
             "xxh64": f"{(n << 32 | i):016x}", "hashed_at": NOW} for i in range(files)])
        conn.execute(insert(Copy), [{"file_id": first + i, "destination_id": d, "job_id": job, "state": "verified",
                                     "copied_at": NOW, "verified_at": NOW} for i in range(files) for d in dests])
        firstclip = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM clips")).scalar() + 1
        conn.execute(insert(Clip), [
            {"card_id": card, "key": f"A{n:03d}C{i:05d}", "name": f"A{n:03d}C{i:05d}_261123_R{n:04X}",
             "tape_name": f"A{n:03d}C{i:05d}", "reel": f"A{n:03d}", "probe_status": "ok", "codec": "prores",
             "width": 1920, "height": 1080, "fps_num": 24000, "fps_den": 1001, "frames": 240,
             "start_tc": "10:00:00:00", "start_frame": 864000 + i * 240, "scene": str(i % 50), "take": "1",
             "camera": "A", "circled": i % 3 == 0, "rating": i % 6} for i in range(clips)])
        conn.execute(insert(ClipFile), [{"clip_id": firstclip + i, "file_id": first + i, "role": "media"}
                                        for i in range(clips)])
    return card


def build(path: Path, files: int, clips: int, cards: int) -> dict:
    catalog = open_catalog(path)
    t0 = time.perf_counter()
    with catalog.engine.begin() as conn:
        pid = conn.execute(insert(Project).values(name="Big Film")).inserted_primary_key[0]
        conn.execute(insert(ShootDay).values(project_id=pid, day=DAY))
    for n in range(1, cards + 1):
        add_card(catalog, n, files // cards, clips // cards)
    built = time.perf_counter() - t0
    with catalog.engine.connect() as conn:
        queued = conn.execute(text("SELECT count(*) FROM sync_outbox")).scalar()
    catalog.close()
    return {"build_s": round(built, 2), "queued": queued}


def baseline_copy(url: str, path: Path) -> dict:
    import sqlite3

    import psycopg

    rows = sqlite3.connect(path).execute("SELECT relpath_raw, relpath, size, mtime_ns, xxh64, sync_uuid, sync_hlc "
                                         "FROM files").fetchall()
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE bare (relpath_raw bytea, relpath text, size bigint, mtime_ns bigint, xxh64 text, "
                     "sync_uuid uuid, sync_hlc bigint)")
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY bare FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        conn.commit()
        took = time.perf_counter() - t0
        conn.execute("DROP TABLE bare")
    return {"rows": len(rows), "s": round(took, 2), "rows_per_s": round(len(rows) / took)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--clips", type=int, default=10_000)
    ap.add_argument("--cards", type=int, default=100)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    db = args.work / "catalog.sqlite"
    figures: dict = {"files": args.files, "clips": args.clips, "cards": args.cards, "batch": args.batch}
    figures["catalog"] = build(db, args.files, args.clips, args.cards)
    with running_server(durable=True) as server:  # fsync on, as a real central server
        url = server.new_database("show")
        central.init(url)
        figures["baseline_copy_files"] = baseline_copy(url, db)
        catalog = open_catalog(db)
        try:
            t0 = time.perf_counter()
            first = sync_once(catalog, url, batch=args.batch)
            took = time.perf_counter() - t0
            figures["initial"] = {"s": round(took, 2), "rows": first.rows, "entries": first.entries,
                                  "batches": first.batches, "rows_per_s": round(first.rows / took)}
            add_card(catalog, args.cards + 1, args.files // args.cards, args.clips // args.cards)
            t0 = time.perf_counter()
            inc = sync_once(catalog, url, batch=args.batch)
            figures["incremental_one_card"] = {"s": round(time.perf_counter() - t0, 3), "rows": inc.rows}
            t0 = time.perf_counter()
            again = sync_once(catalog, url, batch=args.batch)
            figures["repeat"] = {"s": round(time.perf_counter() - t0, 3), "rows": again.rows}
        finally:
            catalog.close()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
