"""Benchmark: ``pixm archive`` throughput against ``cp`` + ``xxhsum -c`` to the same target, in the same run.

A synthetic card (``--files`` files of ``--mb`` MB of random bytes, in a ``Clips/`` folder) is offloaded once to
a RAID folder (the catalog's verified copy); then, into fresh folders on ``--target`` (a mounted tape, or any
drive), three things are timed:

1. ``pixm archive`` as the job runs it: one sequential writer, the read-back of every file after a page-cache
   drop, xxh64 + MD5 in that one read pass, the LTFS hash attributes, the carried ASC MHL history plus its new
   generation, the flattened manifest, JSON/CSV index and PDF tape report;
2. ``cp -r`` of the card folder, then ``xxhsum -c`` of an xxh64 list (written from the catalog beforehand,
   not timed) after the same page-cache drop: the manual way, which re-reads but hashes only xxh64 and writes
   no history, manifest, index or report;
3. ``cp -r`` alone.

Usage::

    python benchmarks/archive.py --work /tmp/archive-bench [--target /mnt/ltfs] [--files 8] [--mb 128]

Prints the figures as JSON (MB/s = card bytes / wall seconds; ``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from pixm_desktop.core.states import ArchiveJobOptions, JobKind
from pixm_desktop.services import jobs
from pixm_desktop.services.archive.tape_io import drop_cache
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store.models import Card, File


def make_card(root: Path, files: int, mb: int) -> Path:
    card = root / "A001R1AB"
    (card / "Clips").mkdir(parents=True)
    for i in range(files):
        with open(card / "Clips" / f"A001C{i + 1:03d}_261123_R1AB.mov", "wb") as fh:
            for _ in range(mb):
                fh.write(os.urandom(1024 * 1024))
    return card


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--target", type=Path, help="where the 'tape' folders go (default: WORK/target)")
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--mb", type=int, default=128)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    a.work.mkdir(parents=True)
    target = a.target or a.work / "target"
    target.mkdir(parents=True, exist_ok=True)
    card = make_card(a.work / "cards", a.files, a.mb)
    raid = a.work / "RAID"
    raid.mkdir()
    catalog = open_catalog(a.work / "catalog.sqlite")
    service = OffloadService(catalog)
    day = dt.date(2026, 11, 23)
    result = service.run(service.prepare(OffloadRequest(card, [raid], project="Bench", day=day)))
    assert result.ok, result
    total = result.total_bytes
    with catalog.session() as s:
        label = s.query(Card.label).one()[0]
        listing = "".join(f"{f.xxh64}  {f.relpath}\n" for f in s.query(File).order_by(File.relpath))
    source = next(raid.rglob(label))
    figures: dict = {"files": a.files, "mb_each": a.mb, "bytes": total, "target": str(target)}

    tape = target / "LTO-BENCH"
    tape.mkdir()
    drop_cache(list(source.rglob("*.mov")))
    t0 = time.perf_counter()
    out = jobs.execute(catalog, JobKind.ARCHIVE, ArchiveJobOptions(day=day.isoformat(), tapes=f"LTO-BENCH={tape}"))
    figures["pixm_archive_s"] = time.perf_counter() - t0
    assert out.ok, out.as_dict()

    manual = target / "manual"
    manual.mkdir()
    (manual / "card.xxh64").write_text(listing)
    drop_cache(list(source.rglob("*.mov")))
    t0 = time.perf_counter()
    subprocess.run(["cp", "-r", str(source) + "/.", str(manual)], check=True)
    figures["cp_s"] = time.perf_counter() - t0
    drop_cache(list(manual.rglob("*.mov")))
    subprocess.run(["xxhsum", "-c", "card.xxh64"], cwd=manual, check=True, capture_output=True)
    figures["cp_plus_xxhsum_c_s"] = time.perf_counter() - t0
    catalog.close()
    for key in ("pixm_archive_s", "cp_plus_xxhsum_c_s", "cp_s"):
        figures[key.replace("_s", "_mb_s")] = round(total / 1e6 / figures[key], 1)
        figures[key] = round(figures[key], 2)
    text = json.dumps(figures, indent=2)
    print(text)
    if a.json:
        a.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
