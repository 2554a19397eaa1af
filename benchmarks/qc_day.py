"""Benchmark: ingest QC of a shoot day, and the full decode against PyAV's plain decode.

1. **Metadata QC of a day of ``--clips`` clips** (default 500): the catalog is synthesised (rows inserted, no
   offload — what QC reads is rows, and 500 real clips would take minutes to encode, offload and probe): one
   shoot day, cards of cameras A/B/C with 50 clips each (B with an ``M01.XML`` per clip, one missing), a
   sound roll per camera-A card with a take per clip rolled with it, drifting a frame by the end of the day,
   every reel unique but one, one timecode overlap. Timed: ``services.qc.iter_qc`` over every card of the
   day (reading the rows, the rules, storing the findings), cold (first run, every finding new) and warm
   (a re-run: findings kept), median of ``--repeat``.
2. **Full decode**: a real ARRI card of ``--decode-clips`` ProRes 422 HQ clips of ``--seconds`` s at
   ``--width``×``--height`` (23.976) is generated, offloaded and ingested; then timed: QC with ``decode``
   (``iter_qc``: the rules, every frame decoded with the corrupt-frame checks, findings stored) and PyAV's plain
   decode loop over the same files (:func:`plain_decode`: PyAV's default threads, and slice threads as QC
   decodes), best of ``--repeat``; the ratios are QC time / plain decode time.

Usage::

    python benchmarks/qc_day.py --work /tmp/qc-bench [--clips 500] [--repeat 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import time
from fractions import Fraction
from pathlib import Path

import av
from sqlalchemy import insert

from pixm_desktop.core.states import AftercareJobOptions, JobKind
from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.samples.samplecard import generate_card
from pixm_desktop.services import jobs, qc, show
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Card, Clip, ClipFile, File, Project, ShootDay

DAY = dt.date(2026, 11, 23)
FPS = Fraction(24000, 1001)
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "show-profile.json"
PER_CARD = 50


def profile_doc(width: int, height: int) -> dict:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    for cam, make in zip(doc["cameras"], ("arri", "sony", "arri"), strict=True):
        cam["codec"] = {"name": "prores", "profile": "HQ"}
        cam["resolution"] = {"width": width, "height": height}
        cam["naming"] = {"rule": make}
        cam.pop("sidecars", None)
    doc["cameras"][1]["sidecars"] = ["M01.XML"]
    doc["cameras"][2]["unit"] = "main"
    doc["sound"]["timecode"] = {"rate": "24000/1001", "drop_frame": False}
    return doc


def install(catalog_path: Path, doc: dict) -> None:
    path = catalog_path.parent / "profile.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    show.import_profile(path, catalog_path, force=True)


# --------------------------------------------------------------------------------------- synthetic day


def synth_day(catalog, clips: int) -> list[int]:
    """Insert a day of ``clips`` picture clips (and their sound takes); returns the card ids."""
    with catalog.session() as s:
        project = Project(name="Bench")
        s.add(project)
        s.flush()
        day = ShootDay(project_id=project.id, day=DAY)
        s.add(day)
        s.flush()
        card_ids: list[int] = []
        tc = 8 * 3600 * 24
        for n in range((clips + PER_CARD - 1) // PER_CARD):
            letter = "ABC"[n % 3]
            reel = f"{letter}{n // 3 + 1:03d}"
            count = min(PER_CARD, clips - n * PER_CARD)
            card_id, tc = _camera_card(s, day.id, letter, reel, count, tc, n)
            card_ids.append(card_id)
            if letter == "A":
                card_ids.append(_sound_card(s, day.id, card_id, n))
        s.commit()
    return card_ids


def _card(s, day_id: int, label: str, camera: str, reel: str) -> int:
    res = s.execute(insert(Card).values(label=label, camera=camera, reel=reel, quick_fingerprint=label[:32],
                                        file_count=0, total_bytes=0, source_path="/nowhere", shoot_day_id=day_id))
    return res.inserted_primary_key[0]


def _camera_card(s, day_id: int, letter: str, reel: str, count: int, tc: int, n: int) -> tuple[int, int]:
    sony = letter == "B"
    tape_card = f"R{n:03d}"[-3:]
    label = f"{reel}_SONY" if sony else f"{reel}R{tape_card}"
    card_id = _card(s, day_id, label, "sony" if sony else "arri", reel)
    for i in range(1, count + 1):
        name = f"{reel}C{i:03d}_261123" + (f"R{n % 10}" if sony else f"_R{tape_card}")
        tape = f"{reel}C{i:03d}" if sony else label
        if n == 3 and i == 2:
            tape = "A001R000"  # the reel of the first A card: one reel on two cards
        start = tc - (24 * 30 + 5 if (n == 1 and i == 3) else 0)  # one overlap: 5 frames before the last ends
        clip_id = s.execute(insert(Clip).values(
            card_id=card_id, key=name, name=name, kind="video", tape_name=tape, reel=reel, probe_status="ok",
            codec="prores", codec_profile="HQ", width=1280, height=720, fps_num=24000, fps_den=1001, frames=240,
            start_tc=frames_to_tc(start, FPS), start_frame=start, drop_frame=False, metadata_json="{}",
            thumbnail_status="ok", camera=letter, circled=False, rating=0, flagged=False)).inserted_primary_key[0]
        names = [f"{name}.{'MXF' if sony else 'mov'}"] + ([f"{name}M01.XML"] if sony and i != 7 else [])
        for role, file_name in zip(("media", "sidecar"), names, strict=False):
            fid = s.execute(insert(File).values(card_id=card_id, relpath_raw=file_name.encode(), relpath=file_name,
                                                size=1, mtime_ns=0)).inserted_primary_key[0]
            s.execute(insert(ClipFile).values(clip_id=clip_id, file_id=fid, role=role, position=0))
        tc = start + 240 + 24 * 30
    return card_id, tc


def _sound_card(s, day_id: int, picture_card: int, n: int) -> int:
    """A take per clip of the camera-A card, rolled with it, drifting a frame by the end of the day."""
    roll = f"S{n + 1:03d}"
    card_id = _card(s, day_id, f"{roll}_261123", "sound", roll)
    pictures = s.query(Clip).filter(Clip.card_id == picture_card).order_by(Clip.id).all()
    for i, pic in enumerate(pictures, 1):
        late = 1 if n >= 3 and i > PER_CARD // 2 else 0
        name = f"{n + 1}A_{i:02d}"
        s.execute(insert(Clip).values(
            card_id=card_id, key=name, name=name, kind="audio", tape_name=roll, reel=roll, probe_status="ok",
            codec="pcm", fps_num=24000, fps_den=1001, frames=480, start_frame=pic.start_frame + late,
            drop_frame=False, sample_rate=48000, metadata_json='{"extra": {"bits_per_sample": "24"}}',
            thumbnail_status="none", circled=False, rating=0, flagged=False))
    return card_id


def plain_decode(path: Path, threads: str | None = None) -> int:
    """PyAV's plain decode loop over the first video stream (default settings, or ``threads`` as the thread
    type); frames decoded."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if threads:
            stream.thread_type = threads
        return sum(1 for _ in container.decode(stream))


def drive(gen):
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def bench_day(work: Path, clips: int, repeat: int) -> dict:
    path = work / "day" / "catalog.sqlite"
    path.parent.mkdir(parents=True)
    install(path, profile_doc(1280, 720))
    catalog = open_catalog(path)
    try:
        card_ids = synth_day(catalog, clips)
        profile = qc.profile_for(catalog)
        t = time.perf_counter()
        cold = drive(qc.iter_qc(catalog, card_ids, profile))
        cold_s = time.perf_counter() - t
        warm = []
        for _ in range(repeat):
            t = time.perf_counter()
            result = drive(qc.iter_qc(catalog, card_ids, profile))
            warm.append(time.perf_counter() - t)
    finally:
        catalog.close()
    rules = sorted({f.rule for f in result.findings})
    return {"picture_clips": clips, "clips_checked": result.clips, "cards": len(card_ids),
            "cold_seconds": round(cold_s, 3), "rerun_seconds_median": round(statistics.median(warm), 3),
            "findings": len(result.findings), "rules_found": rules, "new_cold": cold.new, "kept_rerun": result.kept}


# --------------------------------------------------------------------------------------- full decode


def bench_decode(work: Path, clips: int, seconds: float, width: int, height: int, repeat: int) -> dict:
    base = work / "decode"
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    for d in dests:
        d.mkdir(parents=True)
    card = generate_card(base / "cards", "arri", clips=clips, seconds=seconds, width=width, height=height, fps=FPS)
    path = base / "catalog.sqlite"
    install(path, profile_doc(width, height))
    catalog = open_catalog(path)
    try:
        service = OffloadService(catalog)
        result = service.run(service.prepare(OffloadRequest(card.root, dests, project="Bench", day=DAY)))
        jobs.execute(catalog, JobKind.AFTERCARE, AftercareJobOptions(card_id=result.card_id, qc=False))
        profile = qc.profile_for(catalog)
        files = sorted((dests[0] / "Bench" / DAY.isoformat()).rglob("*.mov"))
        frames = sum(plain_decode(f) for f in files)  # warms the page cache for both
        plain, sliced, checked = [], [], []
        for _ in range(repeat):
            t = time.perf_counter()
            for f in files:
                plain_decode(f)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            for f in files:
                plain_decode(f, "SLICE")
            sliced.append(time.perf_counter() - t)
            t = time.perf_counter()
            out = drive(qc.iter_qc(catalog, [result.card_id], profile, decode=True))
            checked.append(time.perf_counter() - t)
    finally:
        catalog.close()
    best_plain, best_slice, best_qc = min(plain), min(sliced), min(checked)
    return {"clips": clips, "frames": frames, "size": f"{width}x{height}", "codec": "prores HQ",
            "plain_decode_seconds": round(best_plain, 3), "plain_slice_threads_seconds": round(best_slice, 3),
            "qc_decode_seconds": round(best_qc, 3), "plain_fps": round(frames / best_plain, 1),
            "qc_fps": round(frames / best_qc, 1), "ratio_qc_to_plain": round(best_qc / best_plain, 3),
            "ratio_qc_to_plain_same_threads": round(best_qc / best_slice, 3), "decoded": out.decoded,
            "findings": len(out.findings)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", type=Path, required=True, help="scratch folder (emptied first)")
    p.add_argument("--clips", type=int, default=500, help="picture clips of the synthetic day (default 500)")
    p.add_argument("--decode-clips", type=int, default=8, help="real clips for the decode part (default 8)")
    p.add_argument("--seconds", type=float, default=2.0, help="seconds per real clip (default 2)")
    p.add_argument("--width", type=int, default=1280, help="real clips' width (default 1280)")
    p.add_argument("--height", type=int, default=720, help="real clips' height (default 720)")
    p.add_argument("--repeat", type=int, default=3, help="runs per measure (default 3)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    figures = {"metadata_day": bench_day(args.work, args.clips, args.repeat),
               "full_decode": bench_decode(args.work, args.decode_clips, args.seconds, args.width, args.height,
                                           args.repeat)}
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
