"""Benchmark: PIXM offload (2 destinations, xxh64, media re-read verification, ASC MHL, catalog) against the
manual pipeline a DIT would script (PIXM runs with ``--no-ingest``: clip probing and thumbnails are not part of
the copy job being compared): ``cp -r`` to both destinations, ``xxhsum`` of the card, ``xxhsum -c`` of
both copies. Both run in the same session on the same card; caches are dropped before each run when root.

Two manual variants are timed: *manual* (as scripted: the copies' check may be served from the page cache,
so it proves little) and *manual-media* (caches dropped before checking the copies, which is what PIXM's
verification does). Usage::

    python benchmarks/offload_vs_manual.py --work bench-work --gb 1.6 --small-files 3000 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pixm_desktop.samples.samplecard import generate_benchmark_card
from pixm_desktop.store.db import SCHEMA_HEAD

PIXM = Path(sys.executable).parent / "pixm"


def drop_caches() -> bool:
    """Flush and drop the page cache (root on Linux); False when not possible."""
    subprocess.run(["sync"], check=True)
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def timed(cmd: list[str] | str, *, shell: bool = False, cwd: Path | None = None) -> tuple[float, int]:
    """Run ``cmd``; returns (seconds, peak RSS of the child in bytes). Raises on a non-zero exit."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, shell=shell, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {cmd}")
    return seconds, usage.ru_maxrss * 1024


def run_pixm(card: Path, work: Path) -> dict:
    dests = [work / "pixm-d1", work / "pixm-d2"]
    for d in dests:
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)  # destination roots must exist: PIXM never creates them
    catalog = work / "pixm-catalog.sqlite"
    for f in work.glob("pixm-catalog.sqlite*"):
        f.unlink()
    # a cart's catalog exists before its offloads: made once per schema (older code's would be migrated), untimed
    template = work / f"template-catalog-{SCHEMA_HEAD}.sqlite"
    if not template.exists():
        subprocess.run([sys.executable, "-c", "import sys; from pixm_desktop.store.db import open_catalog; "
                        "open_catalog(sys.argv[1]).close()", str(template)], check=True)
    shutil.copyfile(template, catalog)
    dropped = drop_caches()
    cmd = [str(PIXM), "offload", str(card), "--dest", str(dests[0]), "--dest", str(dests[1]), "--template",
           "{card}", "--catalog", str(catalog), "--quiet", "--no-ingest"]
    seconds, rss = timed(cmd)
    return {"seconds": seconds, "peak_rss_bytes": rss, "caches_dropped": dropped}


def run_manual(card: Path, work: Path, media: bool) -> dict:
    dests = [work / "man-d1", work / "man-d2"]
    for d in dests:
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    listing = work / "card.xxh64"
    dropped = drop_caches()
    t0 = time.perf_counter()
    for d in dests:
        subprocess.run(["cp", "-r", "--preserve=timestamps", str(card), str(d)], check=True)
    subprocess.run(f"find . -type f -print0 | sort -z | xargs -0 xxhsum -H64 > {listing}", shell=True, cwd=card,
                   check=True)
    if media:
        drop_caches()
    for d in dests:
        subprocess.run(["xxhsum", "-c", "--quiet", str(listing)], cwd=d / card.name, check=True,
                       stdout=subprocess.DEVNULL)
    return {"seconds": time.perf_counter() - t0, "caches_dropped": dropped}


def bench(card: Path, work: Path, repeat: int) -> dict:
    best: dict[str, dict] = {}
    for _ in range(repeat):
        for name, fn in (("pixm", lambda: run_pixm(card, work)), ("manual", lambda: run_manual(card, work, False)),
                         ("manual-media", lambda: run_manual(card, work, True))):
            r = fn()
            if name not in best or r["seconds"] < best[name]["seconds"]:
                best[name] = r
    return best


def card_stats(card: Path) -> dict:
    files = [p for p in card.rglob("*") if p.is_file()]
    small = [p for p in files if p.stat().st_size <= 64 * 1024]
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "small_files": len(small)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("bench-work"))
    ap.add_argument("--gb", type=float, default=1.6, help="size of the mixed card in GB")
    ap.add_argument("--small-files", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each pipeline; the best is reported")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if not shutil.which("xxhsum"):
        raise SystemExit("xxhsum not found: install the xxhash package (Debian: apt-get install xxhash)")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for label, total, small in (("mixed", int(args.gb * 1e9), args.small_files),
                                ("small-files", args.small_files * 32 * 1024, args.small_files)):
        parent = work / f"card-{label}"
        shutil.rmtree(parent, ignore_errors=True)
        card = generate_benchmark_card(parent, total_bytes=total, small_files=small).root
        stats = card_stats(card)
        best = bench(card, work, args.repeat)
        results[label] = {"card": stats, **best,
                          "ratio_vs_manual": best["pixm"]["seconds"] / best["manual"]["seconds"],
                          "ratio_vs_manual_media": best["pixm"]["seconds"] / best["manual-media"]["seconds"],
                          "pixm_files_per_s": stats["files"] / best["pixm"]["seconds"],
                          "manual_files_per_s": stats["files"] / best["manual"]["seconds"]}
        shutil.rmtree(parent, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
