"""Benchmark: ``pixm verify`` of a folder whose ASC MHL manifest is large (default 200,000 files, ~58 MB).

Builds (once, kept in ``--work``) a card folder of ``--files`` small files in folders of 1,000 with camera-like
names, and one ``transfer`` generation for them written by PIXM's own writer (xxh64). Each run restores the
pristine ``ascmhl/`` folder (so every run verifies one generation and appends one ``in-place`` generation) and
times ``pixm verify`` in a child process: wall seconds and the child's peak RSS (``ru_maxrss`` from
``os.wait4``). ``--baseline SRC`` also times the code in SRC (e.g. ``git archive <commit> | tar -x -C SRC``),
alternating with the current tree, in the same run (other work on the machine weighs on both alike).

Usage::

    python benchmarks/verify_manifest.py --work /dev/shm/verify-bench [--files 200000] [--runs 2]
                                         [--baseline /tmp/pixm-base] [--no-write]

Prints one line per run and a JSON summary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import xxhash

HERE = Path(__file__).resolve().parent.parent


def build_card(card: Path, files: int) -> None:
    """``files`` files of 16–80 bytes under ``card`` and one transfer generation listing them (xxh64)."""
    from pixm_desktop.core.hashes import HashAlgorithm
    from pixm_desktop.mhl import CreatorInfo, MhlFileRecord, write_generation

    records = []
    for i in range(files):
        folder = card / "CLIPS" / f"A{i // 1000 + 1:03d}C{i // 1000 + 1:03d}_261201_R1AB"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        name = f"A{i // 1000 + 1:03d}C{i // 1000 + 1:03d}_261201_R1AB.{i % 1000:07d}.dng"
        data = (b"%d-" % i) * (1 + i % 10)
        path = folder / name
        path.write_bytes(data)
        st = path.stat()
        rel = path.relative_to(card).as_posix().encode()
        records.append(MhlFileRecord(rel, st.st_size, st.st_mtime_ns,
                                     {HashAlgorithm.XXH64: xxhash.xxh64(data).hexdigest()}))
    creator = CreatorInfo("pixm-bench", "0", "bench", author_name="DIT")
    write_generation(card, records, creator=creator, when=dt.datetime.now(dt.UTC).replace(microsecond=0))


def run_verify(src: Path, card: Path, pristine: Path, work: Path, write: bool) -> tuple[float, int, int]:
    """Restore the history, run ``pixm verify`` with the code in ``src``: (seconds, peak RSS bytes, exit code)."""
    shutil.rmtree(card / "ascmhl")
    shutil.copytree(pristine, card / "ascmhl")
    cmd = [sys.executable, "-m", "pixm_desktop.cli", "verify", str(card), "--catalog",
           str(work / "no-catalog.sqlite")] + ([] if write else ["--no-write"])
    env = {**os.environ, "PYTHONPATH": str(src), "PIXM_LOG_DIR": str(work / "logs")}
    t0 = time.perf_counter()
    # cwd=src: ``python -m`` puts the working folder first on the path, before PYTHONPATH
    proc = subprocess.Popen(cmd, env=env, cwd=src, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - t0, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/dev/shm/pixm-verify-bench"))
    ap.add_argument("--files", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--baseline", type=Path, help="a source tree of the code to compare with (same run)")
    ap.add_argument("--no-write", action="store_true", help="verify without appending a generation")
    ap.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    card, pristine = args.work / f"card-{args.files}", args.work / f"ascmhl-{args.files}"
    if args.build_only:
        build_card(card, args.files)
        shutil.copytree(card / "ascmhl", pristine)
        return
    if not pristine.exists():
        shutil.rmtree(card, ignore_errors=True)
        t0 = time.perf_counter()
        # in a child: a child forked from a parent holding 200,000 records counts them in its own peak RSS
        subprocess.run([sys.executable, __file__, "--build-only", "--work", str(args.work), "--files",
                        str(args.files)], check=True)
        print(f"built {args.files} files in {time.perf_counter() - t0:.1f} s", flush=True)
    manifest = max((p for p in pristine.iterdir() if p.suffix == ".mhl"), key=lambda p: p.stat().st_size)
    print(f"manifest {manifest.name}: {manifest.stat().st_size / 1e6:.1f} MB, {args.files} files", flush=True)
    trees = {"current": HERE} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    figures: dict[str, list[tuple[float, int]]] = {name: [] for name in trees}
    for i in range(args.runs):
        for name, src in trees.items():
            seconds, rss, code = run_verify(src, card, pristine, args.work, not args.no_write)
            figures[name].append((seconds, rss))
            print(f"run {i + 1} {name:8s}: {seconds:6.2f} s  peak RSS {rss / 2**20:6.1f} MiB  exit {code}",
                  flush=True)
    summary = {name: {"median_s": round(statistics.median(s for s, _ in runs), 2),
                      "max_rss_mib": round(max(r for _, r in runs) / 2**20, 1)} for name, runs in figures.items()}
    print(json.dumps({"files": args.files, "manifest_mb": round(manifest.stat().st_size / 1e6, 1),
                      "write": not args.no_write, **summary}, indent=2))


if __name__ == "__main__":
    main()
