"""Benchmark: the clip list the GUI pages through, and thumbnail generation.

1. A catalog with ``--clips`` synthetic clips (default 10,000; rows inserted directly, three thumbnail rows
   each) over 500 cards and 20 shoot days. For several filters, time ``services.clips.list_clips`` for the
   first page of 200 and ``count_clips`` for the full count (median of ``--repeat`` runs), against a baseline
   in the same run: plain ``sqlite3`` reading 200 rows and counting the whole table.
2. Thumbnails (first/middle/last frame, 480 px JPEG) of generated ``--width``×``--height`` clips in ProRes 422
   HQ (MOV), DNxHR SQ (MXF) and H.264 (MP4), per clip, against the baseline of opening the file and decoding
   its first frame.

Usage::

    python benchmarks/clips_catalog.py --work /tmp/clips-bench [--clips 10000] [--width 1920 --height 1080]

Prints the figures as JSON (``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
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
    return time.perf_counter() - t0, {"day": FIRST_DAY + dt.timedelta(days=7), "scene": rows[len(rows) // 2]["scene"]}


def bench_list(path: Path, facts: dict, repeat: int) -> dict:
    catalog = open_catalog(path)
    filters = {
        "none": ClipFilter(limit=PAGE),
        "day": ClipFilter(day=facts["day"], limit=PAGE),
        "camera B, circled": ClipFilter(camera="B", circled=True, limit=PAGE),
        "scene": ClipFilter(scene=facts["scene"], limit=PAGE),
        "rating >= 4": ClipFilter(min_rating=4, limit=PAGE),
        "text 'boom'": ClipFilter(text="boom", limit=PAGE),
        "sorted by name desc, page 10": ClipFilter(order="name", descending=True, offset=9 * PAGE, limit=PAGE),
    }
    out = {}
    for name, f in filters.items():
        rows = clips.list_clips(catalog, f)
        out[name] = {
            "first_page_ms": median_ms(lambda f=f: clips.list_clips(catalog, f), repeat),
            "count_ms": median_ms(lambda f=f: clips.count_clips(catalog, f), repeat),
            "rows": len(rows),
            "total": clips.count_clips(catalog, f),
        }
    catalog.close()
    con = sqlite3.connect(path)
    base_page = median_ms(lambda: con.execute(f"SELECT * FROM clips LIMIT {PAGE}").fetchall(), repeat)
    base_count = median_ms(lambda: con.execute("SELECT count(*) FROM clips").fetchall(), repeat)
    con.close()
    for v in out.values():
        v["page_vs_raw_sql"] = round(v["first_page_ms"] / max(base_page, 0.01), 1)
    return {"filters": out, "baseline_raw_sql_page_ms": base_page, "baseline_raw_sql_count_ms": base_count}


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
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    db = args.work / "catalog.sqlite"
    build_s, facts = build_catalog(db, args.clips)
    results = {
        "catalog": {"clips": args.clips, "cards": CARDS, "days": DAYS, "build_seconds": round(build_s, 2),
                    "page": PAGE, **bench_list(db, facts, args.repeat)},
        "thumbnails": bench_thumbnails(args.work, args.width, args.height, args.seconds, args.repeat),
    }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
