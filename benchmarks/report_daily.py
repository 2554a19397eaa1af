"""Benchmark: the daily report of a big shoot day (default 500 picture clips with thumbnails).

A catalog is synthesised directly (rows inserted, no offload): one shoot day, ``--cards`` camera cards of
cameras A/B/C with ``--clips`` clips between them, each with a media file, two destinations with every copy
verified, an offload job per card, and three thumbnail rows per clip pointing at a few *real* 480 px JPEGs
(made from generated ``--width``×``--height`` ProRes clips by ``media.thumbnails``), plus two sound rolls.

Measured (median of ``--repeat``): reading the catalog into the report data (``services.reports.
daily_report_data``), laying out and writing the PDF (``reports.write_daily_report``), the file size and page
count; and, as the baseline in the same run, a plain reportlab table with the same rows and no pictures.

Usage::

    python benchmarks/report_daily.py --work /tmp/report-bench [--clips 500] [--repeat 3]

Prints the figures as JSON (``--json FILE`` also writes them); the last PDF stays in ``--work`` to look at.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import time
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table
from sqlalchemy import insert, select

from pixm_desktop.core.model import Camera
from pixm_desktop.media.thumbnails import make_thumbnails
from pixm_desktop.reports import write_daily_report
from pixm_desktop.reports.fonts import load_fonts
from pixm_desktop.samples.samplecard import generate_card
from pixm_desktop.services import reports
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import (
    Card,
    Clip,
    ClipFile,
    ClipThumbnail,
    Copy,
    Destination,
    File,
    Job,
    JobDestination,
    Project,
    ShootDay,
)

DAY = dt.date(2026, 11, 23)
NOTES = [None, None, None, "soft focus on the end", "boom in shot", "great take, director likes it",
         "Crème brûlée & <b>props</b>", "plane overhead — keep for sound", "Москва 東京 ok"]


def real_thumbnails(work: Path, width: int, height: int) -> list[Path]:
    """Nine real thumbnails (first/middle/last of three generated ProRes clips)."""
    card = generate_card(work / "cards", Camera.ARRI, clips=3, seconds=1.0, width=width, height=height)
    out = []
    for i, clip in enumerate(card.clips):
        thumbs = make_thumbnails(card.root / clip.files[0], work / "thumbs", f"real{i}")
        out += [t.path for t in thumbs]
    return out


def clip_thumbnail(base: Path, out: Path, n: int, rng: random.Random) -> Path:
    """A distinct picture per clip (a PDF stores identical images once, which would flatter the file size):
    the real thumbnail blended with grain, so it compresses like camera footage rather than a test chart."""
    with Image.open(base) as im:
        im = im.convert("RGB")
        grain = Image.effect_noise(im.size, 40 + n % 30).convert("RGB")
        im = Image.blend(im, grain, 0.18 + rng.random() * 0.1)
        path = out / f"clip{n}.jpg"
        im.save(path, "JPEG", quality=90)
    return path


def build_catalog(path: Path, n_clips: int, n_cards: int, thumbs: list[Path], seed: int = 1) -> float:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    catalog = open_catalog(path)
    with catalog.session() as s:
        project = Project(name="Big Film")
        s.add(project)
        s.flush()
        day = ShootDay(project_id=project.id, day=DAY)
        s.add(day)
        s.flush()
        per_card = max(1, n_clips // n_cards)
        cards = []
        for i in range(n_cards + 2):
            sound = i >= n_cards
            letter = "S" if sound else "ABC"[i % 3]
            reel = f"{letter}{i + 1:03d}"
            count = 0 if sound else (per_card if i < n_cards - 1 else n_clips - per_card * (n_cards - 1))
            size = count * 2_500_000_000 + 40_000
            cards.append(Card(label=f"{reel}R7XQ" if not sound else f"{reel}_261123", reel=reel,
                              camera="sound" if sound else "arri", quick_fingerprint=f"{i:032x}",
                              source_path=f"/Volumes/{reel}", shoot_day_id=day.id, file_count=count + 2,
                              total_bytes=size, created_at=now))
        s.add_all(cards)
        s.flush()
        clip_n = 0
        for card in cards:
            jobs = Job(card_id=card.id, kind="offload", status="completed", source_path=card.source_path,
                       algorithms="xxh64", host="cart-1", tool_version="0.1.0", files_total=card.file_count,
                       bytes_total=card.total_bytes, started_at=now - dt.timedelta(minutes=20), finished_at=now)
            s.add(jobs)
            dests = [Destination(card_id=card.id, path_raw=f"/Volumes/{v}/Big Film/{card.label}".encode(),
                                 path=f"/Volumes/{v}/Big Film/{card.label}", volume_label=v,
                                 mount_point=f"/Volumes/{v}", device=f"/dev/disk{n}", fs_type="exfat")
                     for n, v in enumerate(("RAID-A", "SHUTTLE-B"))]
            s.add_all(dests)
            s.flush()
            for pos, d in enumerate(dests):
                s.add(JobDestination(job_id=jobs.id, destination_id=d.id, position=pos, status="completed",
                                     free_bytes_before=40_000_000_000_000,
                                     mhl_generation=f"{d.path}/ascmhl/0001_{card.label}.mhl"))
            n_files = card.file_count
            files = [{"card_id": card.id, "relpath_raw": f"Clips/{card.reel}C{k:03d}.mov".encode(),
                      "relpath": f"Clips/{card.reel}C{k:03d}.mov", "size": 2_500_000_000,
                      "mtime_ns": 0, "xxh64": f"{rng.getrandbits(64):016x}"} for k in range(1, n_files - 1)]
            files += [{"card_id": card.id, "relpath_raw": f"{card.label}.{ext}".encode(), "relpath": f"{card.label}.{ext}",
                       "size": 20_000, "mtime_ns": 0, "xxh64": f"{rng.getrandbits(64):016x}"} for ext in ("ale", "xml")]
            s.execute(insert(File), files)
            file_ids = list(s.scalars(select(File.id).where(File.card_id == card.id).order_by(File.id)))
            s.execute(insert(Copy), [{"file_id": f, "destination_id": d.id, "job_id": jobs.id, "state": "verified",
                                      "verified_at": now} for f in file_ids for d in dests])
            clips = []
            for k in range(1, n_files - 1):
                clip_n += 1
                scene = f"{rng.randrange(1, 80)}{rng.choice(['', 'A', 'B'])}"
                clips.append({
                    "card_id": card.id, "key": f"Clips/{card.reel}C{k:03d}.mov", "kind": "video",
                    "name": f"{card.reel}C{k:03d}_261123_R7XQ", "tape_name": card.label[:8], "reel": card.reel,
                    "probe_status": "ok", "codec": "prores", "width": 3840, "height": 2160, "fps_num": 24000,
                    "fps_den": 1001, "frames": rng.randrange(200, 4000), "start_tc": None,
                    "start_frame": 864000 + clip_n * 3000, "drop_frame": False, "metadata_json": "{}",
                    "thumbnail_status": "ok", "scene": scene, "take": str(rng.randrange(1, 12)),
                    "camera": card.reel[0], "notes": rng.choice(NOTES), "circled": rng.random() < 0.25,
                    "rating": 0, "flagged": False, "logged_from": "manual", "created_at": now})
            for c in clips:
                f = c["start_frame"]
                c["start_tc"] = f"{f // 86400:02d}:{f // 1440 % 60:02d}:{f // 24 % 60:02d}:{f % 24:02d}"
            if clips:
                s.execute(insert(Clip), clips)
                ids = list(s.scalars(select(Clip.id).where(Clip.card_id == card.id).order_by(Clip.id)))
                s.execute(insert(ClipFile), [{"clip_id": cid, "file_id": fid, "role": "media", "position": 0}
                                             for cid, fid in zip(ids, file_ids, strict=False)])
                middle = {cid: clip_thumbnail(thumbs[cid % len(thumbs)], path.parent / "thumbs", cid, rng)
                          for cid in ids}
                s.execute(insert(ClipThumbnail), [
                    {"clip_id": cid, "position": p, "frame": p * 100,
                     "path": str(middle[cid] if p == 1 else thumbs[(cid * 3 + p) % len(thumbs)]),
                     "width": 480, "height": 270, "created_at": now} for cid in ids for p in range(3)])
        s.commit()
    catalog.close()
    return time.perf_counter() - t0


def median_s(fn, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3), value


def baseline(path: Path, data) -> float:
    """A plain reportlab table of the same clip rows (text only, no pictures, one font): the floor."""
    fonts = load_fonts()
    style = ParagraphStyle("b", fontName=fonts.regular, fontSize=8)
    rows = [[Paragraph(c.name, style), c.start_tc or "", c.duration_tc or "", c.scene or "", c.take or "",
             Paragraph(fonts.markup(c.notes or ""), style)] for c in data.clips]
    t0 = time.perf_counter()
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), initialFontName=fonts.regular)
    table = Table(rows, colWidths=[200, 80, 80, 50, 40, 300], repeatRows=0)
    table.setStyle([("FONTNAME", (0, 0), (-1, -1), fonts.regular), ("FONTSIZE", (0, 0), (-1, -1), 8)])
    doc.build([table])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (emptied)")
    ap.add_argument("--clips", type=int, default=500)
    ap.add_argument("--cards", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--width", type=int, default=1920, help="frame size of the clips the thumbnails come from")
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    thumbs = real_thumbnails(args.work, args.width, args.height)
    db = args.work / "catalog.sqlite"
    build_s = build_catalog(db, args.clips, args.cards, thumbs)
    catalog = open_catalog(db)
    pdf = args.work / "daily.pdf"
    try:
        read_s, data = median_s(lambda: reports.daily_report_data(catalog, DAY), args.repeat)
        write_s, result = median_s(lambda: write_daily_report(data, pdf), args.repeat)
        total_s, _r = median_s(lambda: reports.write_daily_report(catalog, DAY, pdf), 1)
    finally:
        catalog.close()
    base_s = statistics.median(baseline(args.work / "baseline.pdf", data) for _ in range(args.repeat))
    thumb_bytes = sorted(p.stat().st_size for p in (args.work / "thumbs").glob("clip*.jpg"))
    figures = {
        "clips": len(data.clips), "cards": len(data.cards), "catalog_build_seconds": round(build_s, 2),
        "thumbnails": f"480x270 JPEG, one distinct per clip, {thumb_bytes[0] // 1000}-{thumb_bytes[-1] // 1000} kB "
                      f"(from real {args.width}x{args.height} thumbnails plus grain)",
        "read_catalog_seconds": read_s,
        "write_pdf_seconds": write_s,
        "end_to_end_seconds": total_s,
        "ms_per_clip": round(1000 * (read_s + write_s) / max(1, len(data.clips)), 2),
        "pdf_bytes": result.bytes, "pdf_mb": round(result.bytes / 1e6, 2), "pages": result.pages,
        "kb_per_clip": round(result.bytes / 1000 / max(1, len(data.clips)), 1),
        "baseline_plain_table_seconds": round(base_s, 3),
        "write_vs_baseline": round(write_s / max(base_s, 1e-3), 2),
        "pdf": str(pdf),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
