"""Benchmark: a cart model — the card on its own device, each destination on its own drive with its own
bandwidth — PIXM offload against a DIT's manual pipeline, on five card shapes, beside the physical limit.

The drives are ext4 on loop devices with cgroup blkio throttles (``tests/support/throttled.py``; Linux, root).
Default rates are the issue's cart (card 800 MB/s, RAID 600 MB/s, shuttle 250 MB/s) divided by 4 so that this
kind of machine, not its CPU, is the limit: card 200, RAID 150, shuttle 62.5 MB/s (``--bw-scale``).

Per shape and repeat, alternating which goes first, caches dropped before each run:

* *PIXM*: ``pixm offload CARD --dest RAID --dest SHUTTLE --template '{card}' --catalog X --quiet --no-ingest``
  (catalog on the system disk, copied before each run from an empty one made once: a cart's catalog exists
  before its offloads), plus a ``sync -f`` of the destinations afterwards (always ~0: PIXM syncs). PIXM's
  modules are compiled to bytecode before the runs, as an install does (``--no-compile`` leaves them).
* *manual*: ``cp -r`` to each destination, ``xxhsum`` of the card, ``sync``, ``xxhsum -c`` on each copy, with
  the clean page cache dropped before every pass (a card larger than RAM leaves nothing cached between
  passes); the time spent dropping is taken out (it depends on what else the machine caches).
* *limit*: the physical limit, ``max(card bytes / card read rate, max over destinations of bytes / write rate +
  bytes / read rate)`` — the slowest destination's write plus its verification re-read — from the drives'
  rates measured with ``dd`` (``conv=fsync`` write, ``iflag=direct`` read) on the rig before the run.

Shapes (``--scale`` multiplies clip sizes for the first three, file counts for the last two): *cinema* 4 clips
of 64 MB; *red* R3D clips of 1–120 MB (~200 MB) spanned into segments of at most 64 MB (RED's 4 GB, scaled by 1/64);
*sony* XDCAM-style clips of 8–40 MB with proxies, XML and thumbnails (~150 MB); *stills* 2,500 files of 8–64 KB
(DCIM folders of 999); *sound* 400 BWF files of 64–512 KB. Usage (root)::

    python benchmarks/cart_offload.py --repeat 3 --json cart.json
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import math
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from pixm_desktop.store.db import SCHEMA_HEAD  # noqa: E402
from support.throttled import Drive, DriveSpec, drop_caches, throttled_drives, unavailable_reason  # noqa: E402

PIXM = Path(sys.executable).parent / "pixm"
MB = 1_000_000
NOMINAL = {"card": 800.0, "raid": 600.0, "shuttle": 250.0}  # MB/s, the cart before --bw-scale
DESTS = ("raid", "shuttle")
#: dd probe per drive; large, as the throttle lets a burst of about one time slice through after idle.
PROBE = 128 * 1024 * 1024
Plan = list[tuple[str, int]]  # (path relative to the card root, size in bytes)


# --- card shapes: plans of (path, size), written by write_card ----------------------------------------------


def _span(prefix: str, total: int, segment: int) -> Plan:
    """RED spanning: full segments of ``segment`` bytes, then the remainder (``_001.R3D``, ``_002.R3D`` …)."""
    sizes = [segment] * (total // segment) + ([total % segment] if total % segment else [])
    return [(f"{prefix}_{i:03d}.R3D", s) for i, s in enumerate(sizes, 1)]


def plan_cinema(rng: random.Random, scale: float) -> Plan:
    clip = int(64 * MB * scale)
    plan = [(f"A001R1AB/A001C{c:03d}_261201_R1AB.mxf", clip + rng.randrange(4096)) for c in range(1, 5)]
    return plan + [("A001R1AB/A001R1AB.ale", 6_000)]


def plan_red(rng: random.Random, scale: float) -> Plan:
    plan: Plan = []
    target, segment = 200 * MB * scale, max(int(64 * MB * scale), 4096)
    lo, hi = math.log(1 * MB * scale), math.log(120 * MB * scale)
    c = 0
    while sum(s for _, s in plan) < target:
        c += 1
        rdc = f"A001_1201AB.RDM/A001_C{c:03d}_1201AB.RDC"
        plan += _span(f"{rdc}/A001_C{c:03d}_1201AB", int(math.exp(rng.uniform(lo, hi))), segment)
        plan.append((f"{rdc}/A001_C{c:03d}_1201AB.rtn", 8_192))
    return plan


def plan_sony(rng: random.Random, scale: float) -> Plan:
    plan: Plan = [("XDROOT/MEDIAPRO.XML", 12_000), ("XDROOT/CUEUP.XML", 900)]
    c = 0
    while sum(s for _, s in plan) < 150 * MB * scale:
        c += 1
        size = int(rng.uniform(8, 40) * MB * scale)
        plan += [(f"XDROOT/Clip/C{c:04d}.MXF", size), (f"XDROOT/Clip/C{c:04d}M01.XML", 3_000 + rng.randrange(900)),
                 (f"XDROOT/Sub/C{c:04d}S03.MXF", size // 8), (f"XDROOT/Thmbnl/C{c:04d}T01.JPG", 9_000 + rng.randrange(4000))]
    return plan


def plan_stills(rng: random.Random, scale: float) -> Plan:
    n = max(1, round(2500 * scale))
    return [(f"DCIM/{100 + i // 999}GOPRO/GOPR{i % 999 + 1:04d}.JPG", rng.randrange(8_000, 64_000)) for i in range(n)]


def plan_sound(rng: random.Random, scale: float) -> Plan:
    n = max(1, round(400 * scale))
    return [(f"SOUND_261201/SC{1 + i // 40:03d}/SC{1 + i // 40:03d}_T{i % 40 + 1:02d}.WAV",
             rng.randrange(64_000, 512_000)) for i in range(n)]


SHAPES: dict[str, Callable[[random.Random, float], Plan]] = {
    "cinema": plan_cinema, "red": plan_red, "sony": plan_sony, "stills": plan_stills, "sound": plan_sound}


def _bwf_header(size: int, name: str) -> bytes:
    """RIFF/WAVE with a ``bext`` chunk (EBU Tech 3285) and 48 kHz 24-bit stereo ``fmt ``; ``size`` ≥ 700."""
    bext = (name.encode()[:256].ljust(256, b"\0") + b"PIXM cart benchmark".ljust(32, b"\0") + b"\0" * 32
            + b"2026-12-01" + b"10:00:00" + struct.pack("<QH", 48000 * 3600 * 10, 2) + b"\0" * 254)
    fmt = struct.pack("<HHIIHH", 1, 2, 48000, 48000 * 6, 6, 24)
    head = b"bext" + struct.pack("<I", len(bext)) + bext + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    data_len = size - 12 - len(head) - 8
    return b"RIFF" + struct.pack("<I", size - 8) + b"WAVE" + head + b"data" + struct.pack("<I", data_len)


def write_card(root: Path, plan: Plan, seed: int = 0) -> None:
    """Write ``plan`` under ``root`` from a reusable random pool (disk-speed writes, incompressible bytes)."""
    rng = random.Random(f"pixm-cart:{seed}")
    pool = rng.randbytes(16 * 1024 * 1024)
    for rel, size in plan:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            head = _bwf_header(size, path.name) if rel.endswith(".WAV") and size > 1024 else b""
            fh.write(head)
            left = size - len(head)
            while left:
                at = rng.randrange(len(pool) - min(left, 4 * 1024 * 1024) + 1)
                chunk = pool[at:at + min(left, 4 * 1024 * 1024)]
                fh.write(chunk)
                left -= len(chunk)


# --- the rig: calibration and the physical limit --------------------------------------------------------------


def calibrate(drive: Drive, size: int) -> dict:
    """Measured MB/s of ``drive``: ``dd`` write of ``size`` bytes with ``conv=fsync``, ``iflag=direct`` read."""
    probe = drive.mount / ".calibrate"
    count = max(1, size // (1024 * 1024))
    t0 = time.perf_counter()
    subprocess.run(["dd", "if=/dev/zero", f"of={probe}", "bs=1M", f"count={count}", "conv=fsync"],
                   check=True, capture_output=True)
    write_s = time.perf_counter() - t0
    drop_caches(drive.mount)
    t0 = time.perf_counter()
    subprocess.run(["dd", f"if={probe}", "of=/dev/null", "bs=1M", "iflag=direct"], check=True, capture_output=True)
    read_s = time.perf_counter() - t0
    probe.unlink()
    nbytes = count * 1024 * 1024
    return {"write_mb_s": nbytes / write_s / MB, "read_mb_s": nbytes / read_s / MB}


def physical_limit(nbytes: int, rates: dict[str, dict]) -> float:
    """Seconds: the card read once, or the slowest destination's write plus its verification re-read."""
    card = nbytes / (rates["card"]["read_mb_s"] * MB)
    dests = [nbytes / (rates[d]["write_mb_s"] * MB) + nbytes / (rates[d]["read_mb_s"] * MB) for d in DESTS]
    return max([card, *dests])


# --- the two tools -------------------------------------------------------------------------------------------


def _clear(dest: Path) -> None:
    for entry in dest.iterdir():
        if entry.name != "lost+found":
            shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()


def _timed_drop(*paths: Path, flush: bool = True) -> float:
    t0 = time.perf_counter()
    if not drop_caches(*paths, flush=flush):
        raise SystemExit("cannot drop the page cache (needs root)")
    return time.perf_counter() - t0


def _peak_rss(cmd: list[str], log: Path) -> tuple[float, int]:
    """Run ``cmd``, its output to ``log``; (seconds, peak RSS of the child in bytes). Exits on a non-zero exit."""
    with open(log, "wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(log.read_text(errors="replace"))
        raise SystemExit(f"command failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}")
    return seconds, usage.ru_maxrss * 1024


def _template_catalog(work: Path) -> Path:
    """An empty catalog at the current schema, made once per run of the benchmark (not timed: creating and
    migrating a cart's catalog happens once per install, not once per offload)."""
    # per schema: a template left by older code would be migrated in every timed run
    template = work / f"template-catalog-{SCHEMA_HEAD}.sqlite"
    if not template.exists():
        subprocess.run([sys.executable, "-c", "import sys; from pixm_desktop.store.db import open_catalog; "
                        "open_catalog(sys.argv[1]).close()", str(template)], check=True)
    return template


class Timeline:
    """Bytes each rig drive has read and written since the start, sampled from ``/proc/diskstats`` every
    ``step`` seconds while a run goes on: where a run waits (program start, scan, writes, re-reads)."""

    def __init__(self, drives: dict[str, Drive], step: float = 0.1):
        self.numbers = {tuple(int(x) for x in d.number.split(":")): n for n, d in drives.items()}
        self.step, self.rows = step, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Timeline:
        self._t0 = time.perf_counter()
        self._base = self._read()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _read(self) -> dict[str, tuple[int, int]]:
        out = {}
        for line in Path("/proc/diskstats").read_text().splitlines():
            f = line.split()
            name = self.numbers.get((int(f[0]), int(f[1])))
            if name:
                out[name] = (int(f[5]) * 512, int(f[9]) * 512)
        return out

    def _sample(self) -> None:
        while not self._stop.wait(self.step):
            now = self._read()
            self.rows.append([round(time.perf_counter() - self._t0, 2),
                              {n: [(now[n][0] - self._base[n][0]) / MB, (now[n][1] - self._base[n][1]) / MB]
                               for n in now}])

    def table(self, every: float = 0.25) -> str:
        lines, last = [], -every
        for t, drives in self.rows:
            if t - last >= every:
                last = t
                lines.append(f"{t:6.2f} s  " + "  ".join(f"{n} read {r:6.1f} written {w:6.1f} MB"
                                                          for n, (r, w) in sorted(drives.items())))
        return "\n".join(lines)


def run_pixm(card: Path, dests: list[Path], work: Path, extra: list[str],
             timeline: dict[str, Drive] | None = None) -> dict:
    for d in dests:
        _clear(d)
    catalog = work / "pixm-catalog.sqlite"
    for f in work.glob("pixm-catalog.sqlite*"):
        f.unlink()
    shutil.copyfile(_template_catalog(work), catalog)  # a cart's catalog exists before its offloads
    _timed_drop(card, *dests)
    cmd = [str(PIXM), "offload", str(card), *sum((["--dest", str(d)] for d in dests), []), "--template", "{card}",
           "--catalog", str(catalog), "--quiet", "--no-ingest", *extra]
    if timeline is None:
        seconds, rss = _peak_rss(cmd, work / "pixm-last-run.log")  # drive warnings: images on tmpfs
    else:
        with Timeline(timeline) as tl:
            seconds, rss = _peak_rss(cmd, work / "pixm-last-run.log")
        print(f"PIXM's run, MB per drive since its start:\n{tl.table()}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    subprocess.run(["sync", "-f", *map(str, dests)], check=True)
    flush = time.perf_counter() - t0
    out = {"seconds": seconds + flush, "trailing_sync_s": flush, "peak_rss_bytes": rss}
    if timeline is not None:
        out["timeline_mb"] = tl.rows
    return out


def _quiet(cmd: list[str] | str, **kw) -> None:
    """Run ``cmd`` with its output (xxhsum's progress line) held back unless it fails; exits on failure."""
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        sys.stderr.write(res.stdout + res.stderr)
        raise SystemExit(f"command failed ({res.returncode}): {cmd}")


def run_manual(card: Path, dests: list[Path], work: Path) -> dict:
    for d in dests:
        _clear(d)
    listing = work / "card.xxh64"
    _timed_drop(card, *dests)
    dropping = 0.0
    t0 = time.perf_counter()
    for i, d in enumerate(dests):
        if i:
            dropping += _timed_drop(flush=False)  # only clean pages go (the card's); the copy's dirty ones stay
        subprocess.run(["cp", "-r", "--preserve=timestamps", str(card), str(d)], check=True)
    dropping += _timed_drop(flush=False)
    _quiet("find . -type f -print0 | sort -z | xargs -0 xxhsum -H64 > " + str(listing), shell=True, cwd=card)
    subprocess.run(["sync", "-f", *map(str, dests)], check=True)
    for d in dests:
        dropping += _timed_drop(flush=False)  # the sync above left nothing dirty
        _quiet(["xxhsum", "-c", "--quiet", str(listing)], cwd=d / card.name)
    return {"seconds": time.perf_counter() - t0 - dropping, "dropping_caches_s": dropping}


def _count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def bench_shape(shape: str, card: Path, dests: list[Path], work: Path, repeat: int, extra: list[str],
                timeline: dict[str, Drive] | None = None) -> dict:
    runs: dict[str, list[dict]] = {"pixm": [], "manual": []}
    for r in range(repeat):
        for tool in (("pixm", "manual") if r % 2 == 0 else ("manual", "pixm")):
            if tool == "pixm":
                res = run_pixm(card, dests, work, extra, timeline if r == 0 else None)
            else:
                res = run_manual(card, dests, work)
            if tool == "pixm" and r == 0:
                copied = [_count_files(d / card.name) for d in dests]
                res["files_per_destination"] = copied
            runs[tool].append(res)
            print(f"  {shape} run {r + 1} {tool}: {res['seconds']:.2f} s", file=sys.stderr, flush=True)
    return {tool: {"median_s": statistics.median(x["seconds"] for x in rs), "runs": rs} for tool, rs in runs.items()}


# --- driver --------------------------------------------------------------------------------------------------


def _drive_size(plans: dict[str, Plan]) -> int:
    """Bytes a drive needs for the largest card: 4 KiB blocks, an inode's worth per file, MHL and slack."""
    need = max(sum(-(-s // 4096) * 4096 for _, s in p) + 8192 * len(p) for p in plans.values())
    return max(int(need * 1.1) + 32 * MB, PROBE + 32 * MB)


def _table(results: dict, rates: dict, scale_bw: float) -> str:
    rate = " · ".join(f"{n} {NOMINAL[n] * scale_bw:g} MB/s (measured w {rates[n]['write_mb_s']:.0f}"
                      f" / r {rates[n]['read_mb_s']:.0f})" for n in ("card", *DESTS))
    lines = [f"cart: {rate}",
             f"{'shape':8} {'files':>6} {'MB':>7} {'limit s':>8} {'PIXM s':>8} {'×limit':>7} {'manual s':>9}"
             f" {'×limit':>7} {'PIXM/man':>9} {'RSS MB':>7}  load 1-min (before→after)"]
    for shape, r in results.items():
        p, m, lim = r["pixm"]["median_s"], r["manual"]["median_s"], r["limit_s"]
        rss = max(x["peak_rss_bytes"] for x in r["pixm"]["runs"]) / MB
        lines.append(f"{shape:8} {r['files']:>6} {r['bytes'] / MB:>7.0f} {lim:>8.2f} {p:>8.2f} {p / lim:>7.2f}"
                     f" {m:>9.2f} {m / lim:>7.2f} {p / m:>9.2f} {rss:>7.0f}  {r['load'][0]:.2f}→{r['load'][1]:.2f}")
    return "\n".join(lines)


def compile_pixm() -> None:
    """Compile the ``pixm_desktop`` the runs import (``PYTHONPATH`` or the installed one) to bytecode beside its
    sources, as ``pip install`` does: the timed runs then read it instead of compiling their modules."""
    spec = importlib.util.find_spec("pixm_desktop")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pixm_desktop not found: install the project (pip install -e .) or set PYTHONPATH")
    for folder in spec.submodule_search_locations:
        if not compileall.compile_dir(folder, quiet=1):
            raise SystemExit(f"could not compile {folder}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("bench-work-cart"), help="catalog, listing, drive mounts")
    ap.add_argument("--shapes", default=",".join(SHAPES), help=f"comma-separated subset of {','.join(SHAPES)}")
    ap.add_argument("--scale", type=float, default=1.0, help="card size factor (see the shapes above)")
    ap.add_argument("--bw-scale", type=float, default=0.25, help="factor on the issue's 800/600/250 MB/s")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool per shape; the median is reported")
    ap.add_argument("--no-report", action="store_true", help="pass --no-report to pixm (no offload PDF)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--timeline", action="store_true",
                    help="print (and keep in --json) MB read and written per drive every 0.1 s of PIXM's first run")
    ap.add_argument("--no-compile", action="store_true",
                    help="leave PIXM's modules uncompiled (by default they are compiled to bytecode first, as an "
                         "install does: a checkout run with PYTHONDONTWRITEBYTECODE compiles them in every run)")
    args = ap.parse_args()
    if not args.no_compile:
        compile_pixm()
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"skipped: {reason}")
    if not shutil.which("xxhsum"):
        raise SystemExit("xxhsum not found: install the xxhash package (Debian: apt-get install xxhash)")
    shapes = [s for s in args.shapes.split(",") if s]
    if unknown := set(shapes) - set(SHAPES):
        raise SystemExit(f"unknown shapes: {sorted(unknown)}")
    plans = {s: SHAPES[s](random.Random(f"pixm-cart-plan:{s}"), args.scale) for s in shapes}
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    size = _drive_size(plans)
    specs = [DriveSpec(n, size, NOMINAL[n] * args.bw_scale, NOMINAL[n] * args.bw_scale) for n in ("card", *DESTS)]
    extra = ["--no-report"] if args.no_report else []
    with throttled_drives(specs, work / "drives") as drives:
        by_name = {d.spec.name: d for d in drives}
        rates = {n: calibrate(d, PROBE) for n, d in by_name.items()}
        dests = [by_name[n].mount for n in DESTS]
        results = {}
        for shape in shapes:
            card = by_name["card"].mount / f"{shape.upper()}_A001"
            write_card(card, plans[shape])
            nbytes = sum(s for _, s in plans[shape])
            load0 = os.getloadavg()[0]
            res = bench_shape(shape, card, dests, work, args.repeat, extra, by_name if args.timeline else None)
            results[shape] = {"files": len(plans[shape]), "bytes": nbytes, "limit_s": physical_limit(nbytes, rates),
                              "load": [load0, os.getloadavg()[0]], **res}
            shutil.rmtree(card)
            for d in dests:
                _clear(d)
    out = {"rates_mb_s": rates, "nominal_mb_s": {n: NOMINAL[n] * args.bw_scale for n in NOMINAL},
           "scale": args.scale, "repeat": args.repeat, "cpus": os.cpu_count(), "shapes": results}
    print(_table(results, rates, args.bw_scale))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
