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

Usage::

    python benchmarks/clips_catalog.py --work /tmp/clips-bench [--clips 10000] [--width 1920 --height 1080]
                                       [--no-thumbnails]

Prints the figures as JSON (``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import shutil
import sqlite3
import statistics
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
        "text 'oo' (2 chars: LIKE scan)": ClipFilter(text="oo", limit=PAGE),
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (emptied)")
    ap.add_argument("--clips", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each thumbnail test clip")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--no-thumbnails", action="store_true", help="the catalog figures only")
    args = ap.parse_args()
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
