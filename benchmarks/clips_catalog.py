"""Benchmark: the clip list the GUI pages through, and thumbnail generation.

1. A catalog with ``--clips`` synthetic clips (default 10,000; rows inserted directly, three thumbnail rows
   each) over 500 cards and 20 shoot days. For every filter of the clip browser (and free text), time
   ``services.clips.list_clips`` for a page of 200 and ``count_clips`` for the full count (median of
   ``--repeat`` runs), each with its ``EXPLAIN QUERY PLAN``. Baselines in the same run, on the same file: the
   query form before migration 0010 (``ILIKE`` over four columns, counts through the joins, one sort of every
   match) on the catalog downgraded to 0009, then the catalog upgraded again (timed: it fills the search
   index) and the current form; and plain ``sqlite3`` reading 200 rows and counting the whole table.
2. Thumbnails (first/middle/last frame, 480 px JPEG) of generated ``--width``×``--height`` clips in ProRes 422
   HQ (MOV), DNxHR SQ (MXF) and H.264 (MP4), per clip, against the baseline of opening the file and decoding
   its first frame.

3. ``--show``: a show's catalog, ``--clips`` (e.g. 1,000,000) clips of 200 a card over 100 days, each with
   ``--files-per-clip`` (10) files and links (10,000,000 rows each), written by ``sqlite3`` directly (bench
   fixture only: no journal, indexes made after the rows; 1M clips: ~2.5 min, 2.9 GB) and kept with
   ``--reuse``. Every filter, sort order and page depth of the Clips page (``show_filters``): page and
   count, median and minimum of ``--repeat`` runs, ``EXPLAIN QUERY PLAN``. The same-run baseline is the code of
   another tree (``--before-src``, e.g. ``git archive <commit> | tar -x -C SRC``) measured in a child
   process on the same file migrated down to its schema (``--before-revision``); the head's migration is
   then timed and this tree's code measured; both must give the same pages and counts. Last, a 1,000-file
   card of 100 clips written at both schemas, alternating (``--write-rounds``).

Usage::

    python benchmarks/clips_catalog.py --work /tmp/clips-bench [--clips 10000] [--width 1920 --height 1080]
                                       [--no-thumbnails]
    python benchmarks/clips_catalog.py --show --work /tmp/show --clips 1000000 [--reuse]
                                       [--before-src SRC --before-revision 0015] [--repeat 5]

Prints the figures as JSON (``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
from sqlalchemy import insert

from pixm_desktop.core.model import Camera
from pixm_desktop.media.thumbnails import make_thumbnails
from pixm_desktop.samples.samplecard import generate_card
from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Card, Clip, ClipThumbnail, Project, ShootDay

PAGE = 200
DAYS = 20
CARDS = 500
FIRST_DAY = dt.date(2026, 11, 2)


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def build_catalog(path: Path, n_clips: int, seed: int = 1) -> tuple[float, dict]:
    """Insert ``n_clips`` clips directly; returns (seconds, facts to filter on)."""
    rng = random.Random(seed)
    t0 = time.perf_counter()
    catalog = open_catalog(path)
    with catalog.session() as s:
        project = Project(name="Bench")
        s.add(project)
        s.flush()
        days = [ShootDay(project_id=project.id, day=FIRST_DAY + dt.timedelta(days=i)) for i in range(DAYS)]
        s.add_all(days)
        s.flush()
        cams = ["arri", "red", "sony", "sound"]
        cards = []
        for i in range(CARDS):
            cam = cams[i % len(cams)]
            letter = "ABCD"[i % 4] if cam != "sound" else "S"
            cards.append(Card(label=f"{letter}{i:03d}_CARD", camera=cam, reel=f"{letter}{i % 1000:03d}",
                              quick_fingerprint=f"{i:032x}", source_path=f"/cards/{i}",
                              shoot_day_id=days[i * DAYS // CARDS].id))
        s.add_all(cards)
        s.flush()
        rows = []
        per_card = max(1, n_clips // CARDS)
        for n in range(n_clips):
            card = cards[min(n // per_card, CARDS - 1)]
            number = n % per_card + 1
            scene = f"{rng.randrange(1, 120)}{rng.choice(['', 'A', 'B'])}"
            rows.append({
                "card_id": card.id, "key": f"{card.reel}C{number:03d}.mov", "name": f"{card.reel}C{number:03d}_261123_R1AB",
                "kind": "audio" if card.camera == "sound" else "video", "tape_name": f"{card.reel}R1AB",
                "reel": card.reel, "probe_status": "ok", "codec": "prores", "width": 3840, "height": 2160,
                "fps_num": 24000, "fps_den": 1001, "frames": rng.randrange(100, 5000),
                "start_tc": "10:00:00:00", "start_frame": 864000 + n * 700, "drop_frame": False,
                "metadata_json": "{}", "thumbnail_status": "ok", "scene": scene, "take": str(rng.randrange(1, 9)),
                "camera": card.reel[0], "notes": rng.choice([None, None, "soft focus", "boom in shot", "great"]),
                "circled": rng.random() < 0.2, "rating": rng.randrange(0, 6), "flagged": rng.random() < 0.05,
                "logged_from": "manual", "created_at": dt.datetime.now(dt.UTC),
            })
        s.execute(insert(Clip), rows)
        ids = [i for (i,) in s.execute(Clip.__table__.select().with_only_columns(Clip.id))]
        s.execute(insert(ClipThumbnail), [
            {"clip_id": cid, "position": p, "frame": p * 50, "path": f"/thumbs/{cid}_{p}.jpg", "width": 480,
             "height": 270, "created_at": dt.datetime.now(dt.UTC)} for cid in ids for p in range(3)])
        s.commit()
    catalog.close()
    mid = rows[len(rows) // 2]
    return time.perf_counter() - t0, {"day": FIRST_DAY + dt.timedelta(days=7), "scene": mid["scene"],
                                      "reel": mid["reel"], "card_label": cards[CARDS // 2].label,
                                      "name_part": mid["name"][2:12], "clips": n_clips}


def browser_filters(facts: dict) -> dict[str, ClipFilter]:
    """The clip browser's filters (and paging) the catalog figures are given for."""
    return {
        "none": ClipFilter(limit=PAGE),
        "none, page 10": ClipFilter(offset=9 * PAGE, limit=PAGE),
        "none, middle page": ClipFilter(offset=facts["clips"] // 2, limit=PAGE),
        "day": ClipFilter(day=facts["day"], limit=PAGE),
        "card label": ClipFilter(card_label=facts["card_label"], limit=PAGE),
        "camera kind sony": ClipFilter(camera_kind="sony", limit=PAGE),
        "camera B, circled": ClipFilter(camera="B", circled=True, limit=PAGE),
        "reel": ClipFilter(reel=facts["reel"], limit=PAGE),
        "scene": ClipFilter(scene=facts["scene"], limit=PAGE),
        "scene + take": ClipFilter(scene=facts["scene"], take="3", limit=PAGE),
        "take": ClipFilter(take="3", limit=PAGE),
        "rating >= 4": ClipFilter(min_rating=4, limit=PAGE),
        "flagged": ClipFilter(flagged=True, limit=PAGE),
        "kind audio": ClipFilter(kind="audio", limit=PAGE),
        "text 'boom' (20% of clips)": ClipFilter(text="boom", limit=PAGE),
        "text clip name": ClipFilter(text=facts["name_part"], limit=PAGE),
        "text 'C003' (1 clip per card)": ClipFilter(text="C003", limit=PAGE),
        "text 'oo' (2 chars)": ClipFilter(text="oo", limit=PAGE),
        "text 'boom' + day": ClipFilter(text="boom", day=facts["day"], limit=PAGE),
        "text 'boom' + camera B, circled": ClipFilter(text="boom", camera="B", circled=True, limit=PAGE),
        "text 'great' + rating >= 4": ClipFilter(text="great", min_rating=4, limit=PAGE),
        "sorted by name desc, page 10": ClipFilter(order="name", descending=True, offset=9 * PAGE,
                                                   limit=PAGE),
        "sorted by scene, text 'boom'": ClipFilter(order="scene", text="boom", limit=PAGE),
    }


def _old_where(q, f: ClipFilter):
    """The query form before migration 0010 (store.clips_repo at 0009), for the baseline."""
    from sqlalchemy import or_

    conds = [(f.day is not None, lambda: ShootDay.day == f.day),
             (f.card_label is not None, lambda: Card.label == f.card_label),
             (bool(f.camera), lambda: Clip.camera == f.camera.upper()),
             (bool(f.camera_kind), lambda: Card.camera == f.camera_kind.lower()),
             (bool(f.reel), lambda: or_(Clip.reel == f.reel, Clip.tape_name == f.reel)),
             (f.scene is not None, lambda: Clip.scene == f.scene),
             (f.take is not None, lambda: Clip.take == f.take),
             (f.circled is not None, lambda: Clip.circled.is_(f.circled)),
             (f.flagged is not None, lambda: Clip.flagged.is_(f.flagged)),
             (bool(f.min_rating), lambda: Clip.rating >= f.min_rating),
             (bool(f.kind), lambda: Clip.kind == f.kind)]
    for wanted, cond in conds:
        if wanted:
            q = q.where(cond())
    if f.text:
        esc = f.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pat = f"%{esc}%"
        cols = (Clip.name, Clip.tape_name, Clip.scene, Clip.notes)
        q = q.where(or_(*(c.ilike(pat, escape="\\") for c in cols)))
    return q.join(Card, Card.id == Clip.card_id).outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)


def old_page(session, f: ClipFilter):
    from sqlalchemy import select

    from pixm_desktop.store.clips_repo import ORDER_COLUMNS

    cols = [*Clip.__table__.c, Card.label.label("card_label"), Card.camera.label("card_camera"),
            ShootDay.day.label("day")]
    q = _old_where(select(*cols), f)
    if f.order:
        col = ORDER_COLUMNS[f.order]
        q = q.order_by((col.desc() if f.descending else col.asc()).nulls_last(), Clip.id)
    else:
        q = q.order_by(ShootDay.day, Clip.card_id, Clip.start_frame.asc().nulls_last(), Clip.name, Clip.id)
    return q.offset(f.offset).limit(f.limit)


def old_count(session, f: ClipFilter):
    from sqlalchemy import func, select

    return _old_where(select(func.count(Clip.id)), f)


def _plan(session, q) -> list[str]:
    from sqlalchemy import text

    sql = q.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return [r[-1] for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]


def bench_old(path: Path, facts: dict, repeat: int) -> dict:
    """The pre-0010 query form on the catalog at 0009 (no search index, no filter indexes), through the same
    steps as ``services.clips.list_clips``/``count_clips`` (a session per call, thumbnails, ``ClipRow``)."""
    from sqlalchemy import create_engine

    from pixm_desktop.services.clips.browse import clip_row
    from pixm_desktop.store import clips_repo
    from pixm_desktop.store.db import Catalog, schema_revision

    catalog = Catalog(create_engine(f"sqlite:///{path}"), path)  # as it is: open_catalog would migrate it
    assert schema_revision(catalog.engine) == "0009"

    def page(f: ClipFilter) -> list:
        with catalog.session() as s:
            rows = s.execute(old_page(s, f)).all()
            thumbs = clips_repo.thumbnail_paths_for(s, [r.id for r in rows])
            return [clip_row(r, thumbs.get(r.id, ())) for r in rows]

    def count(f: ClipFilter) -> int:
        with catalog.session() as s:
            return int(s.scalar(old_count(s, f)))

    out = {}
    for name, f in browser_filters(facts).items():
        with catalog.session() as s:
            plans = {"page": _plan(s, old_page(s, f)), "count": _plan(s, old_count(s, f))}
        out[name] = {"page_ms": median_ms(lambda f=f: page(f), repeat), "plan": plans,
                     "count_ms": median_ms(lambda f=f: count(f), repeat),
                     "ids": [r.id for r in page(f)], "total": count(f)}
    out["facets (the filter choices)"] = {"ms": median_ms(lambda: clips.clip_facets(catalog), repeat)}
    catalog.close()
    return out


def bench_list(path: Path, facts: dict, repeat: int) -> dict:
    """The current form (``services.clips``) with each page's and count's query plan."""
    from pixm_desktop.store import clips_repo

    catalog = open_catalog(path)
    out = {}
    for name, f in browser_filters(facts).items():
        rows = clips.list_clips(catalog, f)
        with catalog.session() as s:
            walk_from = clips_repo.WALK_FROM
            walks = not f.order and clips_repo.count_clips(s, f, cap=walk_from) >= walk_from
            plans = {"page": _plan(s, clips_repo.page_query(s, f)),
                     "count": _plan(s, clips_repo.count_query(s, f))}
            if walks:  # the page as run: the matches of the cards it falls on, after a count per card
                cards, skip = clips_repo._cards_of_page(s, f)
                plans["page"] = _plan(s, clips_repo.page_query(s, dataclasses.replace(f, offset=skip), cards))
                plans["cards walked"] = len(cards)
        out[name] = {
            "page_ms": median_ms(lambda f=f: clips.list_clips(catalog, f), repeat),
            "count_ms": median_ms(lambda f=f: clips.count_clips(catalog, f), repeat),
            "rows": len(rows), "total": clips.count_clips(catalog, f), "ids": [r.id for r in rows],
            "page_walks_cards": walks, "plan": plans,
        }
    facets_ms = median_ms(lambda: clips.clip_facets(catalog), repeat)
    catalog.close()
    con = sqlite3.connect(path)
    base_page = median_ms(lambda: con.execute(f"SELECT * FROM clips LIMIT {PAGE}").fetchall(), repeat)
    base_count = median_ms(lambda: con.execute("SELECT count(*) FROM clips").fetchall(), repeat)
    con.close()
    return {"filters": out, "facets_ms": facets_ms, "baseline_raw_sql_page_ms": base_page,
            "baseline_raw_sql_count_ms": base_count}


def _alembic_to(path: Path, revision: str) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from pixm_desktop.store.db import MIGRATIONS

    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    engine.dispose()


def bench_catalog(path: Path, facts: dict, repeat: int) -> dict:
    """Before (0009, old query form) and after (0010, current form) on the same catalog file."""
    _alembic_to(path, "0009")
    before = bench_old(path, facts, repeat)
    facets_before = before.pop("facets (the filter choices)")["ms"]
    t0 = time.perf_counter()
    open_catalog(path).close()  # upgrades to 0010: builds the search index and the filter indexes
    upgrade_s = time.perf_counter() - t0
    after = bench_list(path, facts, repeat)
    for name, v in after["filters"].items():
        old = before[name]
        assert (old["total"], old["ids"]) == (v["total"], v.pop("ids")), name  # the same page, the same count
        v["before_0010"] = {"page_ms": old["page_ms"], "count_ms": old["count_ms"], "plan": old["plan"]}
        v["page_plus_count_ms"] = round(v["page_ms"] + v["count_ms"], 2)
        v["before_page_plus_count_ms"] = round(old["page_ms"] + old["count_ms"], 2)
    return {"upgrade_to_0010_seconds": round(upgrade_s, 2), "facets_ms_before_0010": facets_before, **after,
            "db_bytes": path.stat().st_size}


def summary(cat: dict) -> str:
    """One line per filter: before → after, page + count in ms."""
    lines = [f"{'filter':40} {'total':>8} {'before page+count':>18} {'after page':>10} {'after count':>11} "
             f"{'after sum':>9}"]
    for name, v in cat["filters"].items():
        b = v["before_0010"]
        lines.append(f"{name:40} {v['total']:>8} {b['page_ms']:>8.1f}+{b['count_ms']:<9.1f} "
                     f"{v['page_ms']:>10.1f} {v['count_ms']:>11.1f} {v['page_plus_count_ms']:>9.1f}")
    lines.append(f"facets (clip_facets): {cat['facets_ms_before_0010']} ms before, "
                 f"{cat['facets_ms']} ms after; "
                 f"upgrade to 0010 {cat['upgrade_to_0010_seconds']} s")
    return "\n".join(lines)


def _to_dnxhr(src: Path, dst: Path) -> None:
    """Transcode a clip to DNxHR SQ in MXF with PyAV (what an Avid-bound camera or a DIT render gives)."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", format="mxf") as out:
        vin = inp.streams.video[0]
        fps = Fraction(vin.base_rate.numerator, vin.base_rate.denominator)
        stream = out.add_stream("dnxhd", rate=fps, options={"profile": "dnxhr_sq"})
        stream.width, stream.height, stream.pix_fmt = vin.width, vin.height, "yuv422p"
        for i, frame in enumerate(inp.decode(vin)):
            pic = frame.reformat(format="yuv422p")
            pic.pts, pic.time_base = i, 1 / fps
            out.mux(stream.encode(pic))
        out.mux(stream.encode(None))


def bench_thumbnails(work: Path, width: int, height: int, seconds: float, repeat: int) -> dict:
    cards = work / "thumb-cards"
    shutil.rmtree(cards, ignore_errors=True)
    arri = generate_card(cards, Camera.ARRI, clips=1, seconds=seconds, width=width, height=height)
    gopro = generate_card(cards, Camera.GOPRO, clips=1, seconds=seconds, width=width, height=height)
    prores = arri.root / arri.clips[0].files[0]
    dnx = cards / "A001C001_DNXHR.mxf"
    _to_dnxhr(prores, dnx)
    media = {"prores_422hq_mov": prores, "dnxhr_sq_mxf": dnx, "h264_mp4": gopro.root / gopro.clips[0].files[0]}
    out = {}
    for name, path in media.items():
        target = work / "thumbs" / name

        def first_frame(path=path) -> None:
            with av.open(str(path)) as c:
                next(c.decode(video=0))

        base = median_ms(first_frame, repeat)
        per_clip = median_ms(lambda path=path, target=target: make_thumbnails(path, target, "bench"), repeat)
        out[name] = {"ms_per_clip_3_thumbnails": per_clip, "ms_per_thumbnail": round(per_clip / 3, 2),
                     "baseline_open_and_decode_first_frame_ms": base,
                     "vs_baseline": round(per_clip / max(base, 0.01), 2),
                     "source_bytes": path.stat().st_size}
    return {"size": f"{width}x{height}", "seconds": seconds, "clips": out}


# --- show scale: a million clips, ten million files -----------------------------------------------------------

SHOW_CLIPS_PER_CARD = 200
SHOW_DAYS = 100
SHOW_FILES = (("mov", "media"), ("xml", "sidecar"), ("ale", "sidecar"), ("wav", "sidecar"), ("jpg", "thumbnail"),
              ("txt", "sidecar"), ("bin", "sidecar"), ("r3d", "segment"), ("mxf", "proxy"), ("mhl", "sidecar"))


def build_show(path: Path, n_clips: int, files_per_clip: int, seed: int = 1) -> dict:
    """A show-sized catalog at the schema head, written with ``sqlite3`` directly (the bench fixture only:
    no journal, ``synchronous=OFF``, the clips/files indexes and triggers dropped while inserting and made
    again after, the search index rebuilt once, the counts the triggers keep filled, the sync triggers quiet): ``n_clips`` clips, 200 a card, over
    100 shoot days, each with ``files_per_clip`` files and links. Returns the facts the filters use."""
    rng = random.Random(seed)
    path.unlink(missing_ok=True)
    open_catalog(path).close()
    cards, now = max(1, n_clips // SHOW_CLIPS_PER_CARD), dt.datetime.now(dt.UTC).isoformat(" ")
    days = max(1, min(SHOW_DAYS, cards // 10))
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=DELETE", "journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("BEGIN")
    con.execute("INSERT OR IGNORE INTO sync_apply (id) VALUES (1)")  # the sync triggers record nothing
    kinds = dict(con.execute("SELECT name, type FROM sqlite_master"))
    made = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN "
                            "('index', 'trigger') AND tbl_name IN ('clips', 'files', 'clip_files')"))
    for name in made:
        con.execute(f"DROP {kinds[name].upper()} {name}")
    con.execute("INSERT INTO projects (id, name, created_at) VALUES (1, 'Bench', ?)", (now,))
    con.executemany("INSERT INTO shoot_days (id, project_id, day) VALUES (?, 1, ?)",
                    [(i + 1, (FIRST_DAY + dt.timedelta(days=i)).isoformat()) for i in range(days)])
    card_rows = []
    for i in range(cards):
        cam = ("arri", "red", "sony", "sound")[i % 4]
        letter = "ABCD"[i % 4] if cam != "sound" else "S"
        card_rows.append((i + 1, f"{letter}{i:04d}_CARD", cam, f"{letter}{i:04d}", f"{i:032x}", 0, 0,
                          f"/cards/{i}", i * days // cards + 1, now))
    con.executemany("INSERT INTO cards (id, label, camera, reel, quick_fingerprint, file_count, total_bytes, "
                    "source_path, shoot_day_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", card_rows)

    def clip_rows():
        for n in range(n_clips):
            cid, _label, cam, reel = card_rows[min(n // SHOW_CLIPS_PER_CARD, cards - 1)][:4]
            number = n % SHOW_CLIPS_PER_CARD + 1
            yield (n + 1, cid, f"{reel}C{number:03d}.mov", f"{reel}C{number:03d}_261123_R1AB",
                   "audio" if cam == "sound" else "video", f"{reel}R1AB", reel, "ok", "prores", 3840, 2160,
                   24000, 1001, rng.randrange(100, 5000), "10:00:00:00",
                   864000 + number * 700 + rng.randrange(0, 500), 0, "{}", "ok",
                   f"{rng.randrange(1, 120)}{rng.choice(['', 'A', 'B'])}", str(rng.randrange(1, 9)), reel[0],
                   rng.choice([None, None, "soft focus", "boom in shot", "great"]), int(rng.random() < 0.2),
                   rng.randrange(0, 6), int(rng.random() < 0.05), "manual", now)

    con.executemany("INSERT INTO clips (id, card_id, key, name, kind, tape_name, reel, probe_status, codec, "
                    "width, height, fps_num, fps_den, frames, start_tc, start_frame, drop_frame, metadata_json, "
                    "thumbnail_status, scene, take, camera, notes, circled, rating, flagged, logged_from, "
                    "created_at) VALUES (" + ",".join("?" * 28) + ")", clip_rows())

    def file_rows():
        for n in range(n_clips):
            card, base = min(n // SHOW_CLIPS_PER_CARD, cards - 1) + 1, f"C{n % SHOW_CLIPS_PER_CARD + 1:03d}/F{n:07d}"
            for k in range(files_per_clip):
                fid, rel = n * files_per_clip + k + 1, f"{base}_{k}.{SHOW_FILES[k % 10][0]}"
                yield (fid, card, rel.encode(), rel, 1000 + fid, 1_700_000_000_000_000_000 + fid,
                       f"{fid * 2654435761 % (1 << 64):016x}")

    con.executemany("INSERT INTO files (id, card_id, relpath_raw, relpath, size, mtime_ns, xxh64) "
                    "VALUES (?,?,?,?,?,?,?)", file_rows())
    links = ((n * files_per_clip + k + 1, n + 1, n * files_per_clip + k + 1, SHOW_FILES[k % 10][1], k)
             for n in range(n_clips) for k in range(files_per_clip))
    con.executemany("INSERT INTO clip_files (id, clip_id, file_id, role, position) VALUES (?,?,?,?,?)", links)
    for name, sql in made.items():
        if kinds[name] == "index":
            con.execute(sql)
    con.execute("INSERT INTO clip_search (clip_search) VALUES ('rebuild')")
    con.execute("UPDATE clip_totals SET clips = (SELECT count(*) FROM clips)")
    _fill_kept_counts(con, kinds)
    for name, sql in made.items():
        if kinds[name] == "trigger":
            con.execute(sql)
    con.execute("DELETE FROM sync_apply")
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    open_catalog(path).close()  # the migrations after the head the fixture was written at (none when current)
    mid = n_clips // 2
    rng = random.Random(seed)
    return {"clips": n_clips, "files": n_clips * files_per_clip, "cards": cards, "days": days,
            "day": (FIRST_DAY + dt.timedelta(days=days // 2)).isoformat(),
            "card_label": card_rows[cards // 2][1], "reel": card_rows[cards // 2][3],
            "name_part": f"{card_rows[mid // SHOW_CLIPS_PER_CARD][3]}C{mid % SHOW_CLIPS_PER_CARD + 1:03d}"[1:],
            "scene": f"{rng.randrange(1, 120)}A"}


def _fill_kept_counts(con: sqlite3.Connection, kinds: dict) -> None:
    """The counts the triggers keep (quiet while the fixture inserted): 0017's clips per card (0018: with their
    clip-id range) and 0018's clips per card and filter value."""
    if "clip_card_counts" in kinds:
        ranges = "lo" in {r[1] for r in con.execute("PRAGMA table_info(clip_card_counts)")}
        cols, values = ("card_id, clips, lo, hi", "card_id, count(*), min(id), max(id)") if ranges else (
            "card_id, clips", "card_id, count(*)")
        con.execute(f"INSERT INTO clip_card_counts ({cols}) SELECT {values} FROM clips GROUP BY card_id")
    if "clip_card_values" in kinds:
        for f in ("camera", "take", "circled", "flagged", "rating", "kind", "probe_status"):
            con.execute(f"INSERT INTO clip_card_values (field, value, card_id, clips) SELECT '{f}', {f}, card_id, "
                        f"count(*) FROM clips WHERE {f} IS NOT NULL GROUP BY {f}, card_id")


def show_filters(facts: dict) -> dict[str, ClipFilter]:
    """What the Clips page asks (gui.clip_widgets.FilterBar: text, day, camera, reel, scene, take, circled,
    minimum rating; gui.clip_models.COLUMNS: the sortable columns, both ways; pages anywhere in the list) and
    the CLI's card label, at ``PAGE`` rows a page."""
    day, mid = dt.date.fromisoformat(facts["day"]), facts["clips"] // 2
    out = {
        "none": ClipFilter(), "none, page 10": ClipFilter(offset=9 * PAGE),
        "none, middle page": ClipFilter(offset=mid), "none, last page": ClipFilter(offset=facts["clips"] - PAGE),
        "day": ClipFilter(day=day), "day, middle page": ClipFilter(day=day, offset=facts["clips"] // facts["days"] // 2),
        "card label (CLI)": ClipFilter(card_label=facts["card_label"]), "camera B": ClipFilter(camera="B"),
        "camera B, middle page": ClipFilter(camera="B", offset=facts["clips"] // 8),
        "reel": ClipFilter(reel=facts["reel"]), "scene": ClipFilter(scene=facts["scene"]),
        "take 3": ClipFilter(take="3"), "take 3, middle page": ClipFilter(take="3", offset=facts["clips"] // 16),
        "scene + take": ClipFilter(scene=facts["scene"], take="3"), "circled": ClipFilter(circled=True),
        "circled, middle page": ClipFilter(circled=True, offset=facts["clips"] // 10),
        "rating >= 1": ClipFilter(min_rating=1), "rating >= 4": ClipFilter(min_rating=4),
        "rating 5": ClipFilter(min_rating=5),
        "day + camera B + circled + rating >= 3": ClipFilter(day=day, camera="B", circled=True, min_rating=3),
        "camera B + circled": ClipFilter(camera="B", circled=True),
        "text 'boom' (20%)": ClipFilter(text="boom"), "text 'boom', middle page": ClipFilter(text="boom", offset=mid // 5),
        "text 'great' (20%)": ClipFilter(text="great"), "text 'C003' (1 a card)": ClipFilter(text="C003"),
        "text clip name": ClipFilter(text=facts["name_part"]), "text 'so' (2 chars)": ClipFilter(text="so"),
        "text 'so', middle page": ClipFilter(text="so", offset=mid // 5),
        "text 'so' + camera B": ClipFilter(text="so", camera="B"), "text 'zq' (2 chars, none)": ClipFilter(text="zq"),
        "text 'R1AB' (every clip)": ClipFilter(text="R1AB"), "text 'zzz' (none)": ClipFilter(text="zzz"),
        "text 'boom' + day": ClipFilter(text="boom", day=day),
        "text 'boom' + camera B + circled": ClipFilter(text="boom", camera="B", circled=True),
        "text 'great' + rating >= 4": ClipFilter(text="great", min_rating=4),
        "text 'boom' + scene": ClipFilter(text="boom", scene=facts["scene"]),
    }
    for key in ("name", "card", "day", "reel", "tape_name", "start", "frames", "codec", "scene", "take", "camera",
                "circled", "rating", "flagged", "status"):
        for desc in (False, True):
            out[f"sort {key}{' desc' if desc else ''}"] = ClipFilter(order=key, descending=desc)
    for key in ("name", "card", "scene", "rating"):
        out[f"sort {key}, middle page"] = ClipFilter(order=key, offset=mid)
    out["sort scene, text 'boom'"] = ClipFilter(order="scene", text="boom")
    out["sort rating desc, circled"] = ClipFilter(order="rating", descending=True, circled=True)
    return {k: dataclasses.replace(f, limit=PAGE) for k, f in out.items()}


def _plans(catalog, f: ClipFilter) -> dict:
    """``EXPLAIN QUERY PLAN`` of the page and count queries, where the code measured exposes them."""
    from pixm_desktop.store import clips_repo

    out = {}
    with catalog.session() as s:
        for what, fn in (("page", getattr(clips_repo, "page_query", None)),
                         ("count", getattr(clips_repo, "count_query", None))):
            try:
                out[what] = _plan(s, fn(s, f)) if fn else []
            except Exception as exc:  # a query form that needs the walk or runs several statements
                out[what] = [f"({type(exc).__name__})"]
    return out


def measure(path: Path, facts: dict, repeat: int) -> dict:
    """Page (``services.clips.list_clips``) and count (``count_clips``) of every show filter, median ms of
    ``repeat`` runs each, with the result (ids, total) to compare across code versions."""
    catalog = open_catalog(path)
    out = {}
    for name, f in show_filters(facts).items():
        rows = clips.list_clips(catalog, f)
        total = clips.count_clips(catalog, f)
        page = _times(lambda f=f: clips.list_clips(catalog, f), repeat)
        count = _times(lambda f=f: clips.count_clips(catalog, f), repeat)
        out[name] = {"page_ms": statistics.median(page), "count_ms": statistics.median(count),
                     "page_min_ms": min(page), "count_min_ms": min(count),
                     "total": total, "ids": [r.id for r in rows], "plan": _plans(catalog, f)}
        print(f"  {name}: {out[name]['page_ms']} + {out[name]['count_ms']} ms", file=sys.stderr, flush=True)
    catalog.close()
    return out


def _times(fn, repeat: int) -> list[float]:
    """ms of ``repeat`` calls (the machine is shared: the median and the minimum are both reported)."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(round((time.perf_counter() - t0) * 1000, 2))
    return out


def _measure_in(src: Path, path: Path, facts: dict, repeat: int) -> dict:
    """:func:`measure` in a fresh process importing ``pixm_desktop`` from ``src`` (another commit's tree)."""
    out = path.with_suffix(f".{src.name}.json")
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, __file__, "--measure", str(path), "--facts", json.dumps(facts),
                    "--repeat", str(repeat), "--json", str(out)], env=env, check=True)
    return json.loads(out.read_text())


def run_show(args) -> dict:
    """Build (or ``--reuse``) the show catalog; measure the code at ``--before-src`` on it at that code's
    schema (``--before-revision``, downgraded to), then upgrade (timed) and measure this tree's code."""
    args.work.mkdir(parents=True, exist_ok=True)
    db, facts_file = args.work / "show.sqlite", args.work / "show.facts.json"
    t0 = time.perf_counter()
    facts = json.loads(facts_file.read_text()) if args.reuse and db.exists() and facts_file.exists() else None
    if facts is not None and facts["clips"] != args.clips:  # never rebuild a kept show (minutes, gigabytes)
        sys.exit(f"--reuse: {db} holds {facts['clips']:,} clips, not --clips {args.clips:,}; pass "
                 f"--clips {facts['clips']} to measure it, or drop --reuse to build {args.clips:,} in its place")
    if facts is None:
        facts = build_show(db, args.clips, args.files_per_clip)
        facts_file.write_text(json.dumps(facts))
    build_s = time.perf_counter() - t0
    here = Path(__file__).resolve().parent.parent
    out = {"clips": facts["clips"], "files": facts["files"], "cards": facts["cards"], "days": facts["days"],
           "build_seconds": round(build_s, 1), "reused": args.reuse and build_s < 60}
    before = None
    if args.before_src:
        _alembic_to(db, args.before_revision)
        out["load_before"] = os.getloadavg()
        before = _measure_in(args.before_src, db, facts, args.repeat)
    t0 = time.perf_counter()
    open_catalog(db).close()
    out["upgrade_seconds"] = round(time.perf_counter() - t0, 2)
    out["load_after"] = os.getloadavg()
    after = _measure_in(here, db, facts, args.repeat)
    out["load_end"] = os.getloadavg()
    out["db_bytes"] = db.stat().st_size
    if args.before_src and args.write_rounds:
        out["card_writes"] = bench_card_writes(db, args.before_revision, args.write_rounds)
    for name, v in after.items():
        if before is not None:
            b = before[name]
            v["same_as_before"] = (b["total"], b["ids"]) == (v["total"], v["ids"])
            v["before"] = {k: b[k] for k in ("page_ms", "count_ms", "page_min_ms", "count_min_ms", "plan")}
        v.pop("ids")
    out["filters"] = after
    return out


def _write_card(path: Path, n: int, files: int = 1000, clips_: int = 100) -> dict:
    """ms to write one more card as an offload and an ingest do, each its own transaction through
    ``sqlite3`` with every trigger of the schema live: ``files`` file rows, then ``clips_`` clips and a link
    per file."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous=NORMAL")
    now = dt.datetime.now(dt.UTC).isoformat(" ")
    card = con.execute("INSERT INTO cards (label, camera, reel, quick_fingerprint, file_count, total_bytes, "
                       "source_path, shoot_day_id, created_at) VALUES (?, 'arri', 'W001', ?, 0, 0, '/w', 1, ?)",
                       (f"W{n:04d}_CARD", f"w{n:031x}", now)).lastrowid
    t0 = time.perf_counter()
    con.execute("BEGIN")
    rels = [f"W/C{k // 10:03d}_{k}.mov" for k in range(files)]
    con.executemany("INSERT INTO files (card_id, relpath_raw, relpath, size, mtime_ns, xxh64) "
                    "VALUES (?, ?, ?, 1, 1, ?)", [(card, r.encode(), r, f"{k:016x}") for k, r in enumerate(rels)])
    con.execute("COMMIT")
    t1 = time.perf_counter()
    con.execute("BEGIN")
    con.executemany("INSERT INTO clips (card_id, key, name, kind, probe_status, drop_frame, metadata_json, "
                    "thumbnail_status, circled, rating, flagged, created_at, scene, take, camera, start_frame, "
                    "frames, codec) VALUES (?, ?, ?, 'video', 'ok', 0, '{}', 'ok', 0, 0, 0, ?, '1', '1', 'A', ?, "
                    "100, 'prores')", [(card, f"k{c}", f"W{n:04d}C{c:03d}", now, c * 100) for c in range(clips_)])
    ids = [i for (i,) in con.execute("SELECT id FROM clips WHERE card_id = ? ORDER BY id", (card,))]
    fids = [i for (i,) in con.execute("SELECT id FROM files WHERE card_id = ? ORDER BY id", (card,))]
    con.executemany("INSERT INTO clip_files (clip_id, file_id, role, position) VALUES (?, ?, 'media', 0)",
                    [(ids[k * clips_ // files], f) for k, f in enumerate(fids)])
    con.execute("COMMIT")
    t2 = time.perf_counter()
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("DELETE FROM clip_files WHERE file_id IN (SELECT id FROM files WHERE card_id = ?)", (card,))
    con.execute("DELETE FROM clips WHERE card_id = ?", (card,))
    con.execute("DELETE FROM files WHERE card_id = ?", (card,))
    con.execute("DELETE FROM cards WHERE id = ?", (card,))
    con.close()
    return {"files_ms": round((t1 - t0) * 1000, 1), "clips_and_links_ms": round((t2 - t1) * 1000, 1)}


def bench_card_writes(path: Path, before_revision: str, rounds: int) -> dict:
    """A 1,000-file card of 100 clips written at ``before_revision`` and at the head, alternating (the
    schema migrated between rounds, not timed); medians over ``rounds``, 3 cards a round and schema."""
    out: dict[str, list] = {"before": [], "after": []}
    for _ in range(rounds):
        for which in ("before", "after"):
            if which == "before":
                _alembic_to(path, before_revision)
            else:
                open_catalog(path).close()
            out[which] += [_write_card(path, len(out[which]) + k) for k in range(3)]
    return {w: {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]} for w, runs in out.items()}


def show_summary(res: dict) -> str:
    lines = [f"{res['clips']:,} clips, {res['files']:,} files, {res['cards']} cards, {res['days']} days; "
             f"catalog {res['db_bytes'] / 1e9:.2f} GB; upgrade {res['upgrade_seconds']} s; "
             f"load {res.get('load_before', '')} → {res['load_end']}",
             "median ms of the runs (minimum in brackets)",
             f"{'filter':42} {'total':>9} {'before page + count':>30} {'after page + count':>30} same"]
    for name, v in res["filters"].items():
        b = v.get("before")
        was = (f"{b['page_ms']:.1f} + {b['count_ms']:.1f} ({b['page_min_ms'] + b['count_min_ms']:.1f})"
               if b else "")
        now = (f"{v['page_ms']:.1f} + {v['count_ms']:.1f} ({v['page_min_ms'] + v['count_min_ms']:.1f})")
        lines.append(f"{name:42} {v['total']:>9} {was:>30} {now:>30} {v.get('same_as_before', '')}")
    if "card_writes" in res:
        lines.append(f"a 1,000-file card of 100 clips written (ms, median): {res['card_writes']}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="scratch folder (emptied, but for --show --reuse)")
    ap.add_argument("--clips", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each thumbnail test clip")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--no-thumbnails", action="store_true", help="the catalog figures only")
    ap.add_argument("--show", action="store_true", help="show scale: the catalog figures of part 3")
    ap.add_argument("--files-per-clip", type=int, default=10)
    ap.add_argument("--reuse", action="store_true", help="--show: keep the catalog built by an earlier run")
    ap.add_argument("--before-src", type=Path, help="--show: a tree of the code to compare with (its pixm_desktop)")
    ap.add_argument("--before-revision", default="0015", help="--show: that code's schema head")
    ap.add_argument("--write-rounds", type=int, default=3, help="--show: rounds of the 1,000-file card write")
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one measure() in this process
    ap.add_argument("--facts", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        args.json.write_text(json.dumps(measure(args.measure, json.loads(args.facts), args.repeat)))
        return
    if args.work is None:
        ap.error("--work is required")
    if args.show:
        res = run_show(args)
        if args.json:
            args.json.write_text(json.dumps(res, indent=2))
        print(show_summary(res))
        return
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    db = args.work / "catalog.sqlite"
    build_s, facts = build_catalog(db, args.clips)
    results = {
        "catalog": {"clips": args.clips, "cards": CARDS, "days": DAYS, "build_seconds": round(build_s, 2),
                    "page": PAGE, **bench_catalog(db, facts, args.repeat)},
    }
    if not args.no_thumbnails:
        results["thumbnails"] = bench_thumbnails(args.work, args.width, args.height, args.seconds, args.repeat)
    print(json.dumps(results, indent=2))
    print(summary(results["catalog"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
