"""Benchmark: an offload through the window against the same offload headless (`pixm offload`), like with like.

Two cards (generated once into ``--work``; ``--scale`` shrinks both):

- ``mixed``: ~1 GB, 4 clips of 200 MB, 102 files of 1 MB, 1,024 files of 4 KB;
- ``small``: 20,000 files of 2–5 KB in 100 folders (stills / GoPro shape).

Each card is offloaded ``--repeat`` times each way, alternating (window, headless, window, …), caches dropped
before each run (sync + ``drop_caches``, as root), two destinations on the work disk, xxh64, template
``{card}``, no clip ingest, no offload report, so both do the same work:

- **window**: a ``pixm-desktop``-like process (the window built, every page visited, the interpreter settled,
  the GUI-thread collector installed as ``gui.app.main`` does) on a fresh catalog queues the card the way a drop
  on the queue does (``OffloadPage.offload``: prepare on the ``io`` lane, run in a child process) and the clock
  runs from the drop until the card's verdict is read from the catalog (what the loader waits for); the job's
  log says whether its child used the window's reading of the card or read the card again;
- **headless**: ``python -m pixm_desktop.cli offload CARD --dest D1 --dest D2 --template {card} --no-clips
  --no-report --quiet`` on a fresh catalog, wall time of the command (its interpreter start included).

Prints the medians and the ratio window / headless per card. ``--profile`` also samples every run with py-spy
(``py-spy record -f raw --subprocesses``) and prints where each side's samples go, by thread and by the
innermost PIXM frame (py-spy perturbs the figures a little; the ratios are from runs without it unless
``--profile`` is given). ``--baseline-code DIR`` also runs the window on another checkout each round (before /
after a change, same load). Usage::

    python benchmarks/window_offload.py --work /tmp/wo --scale 0.25 --repeat 3 [--profile] [--platform xcb]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from offload_vs_manual import drop_caches  # noqa: E402

PY_SPY = Path(sys.executable).with_name("py-spy")
ENTRY = Path(sys.executable).with_name("pixm-desktop")  # the console script a loader starts


# --- the cards ---------------------------------------------------------------------------------------------

def _write(path: Path, size: int, pool: bytes, rng: random.Random) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, len(pool))
            start = rng.randrange(0, len(pool) - n + 1)
            f.write(pool[start:start + n])
            left -= n


def make_cards(work: Path, scale: float) -> dict[str, Path]:
    """The two cards (kept in ``work`` for later runs)."""
    rng = random.Random(20)
    pool = rng.randbytes(8 << 20)
    cards = {}
    mixed = work / f"cards-{scale:g}" / "A001_C001"
    if not mixed.with_suffix(".done").exists():
        shutil.rmtree(mixed, ignore_errors=True)
        for i in range(4):
            _write(mixed / "CLIPS" / f"A001C{i + 1:03d}.mov", int(200e6 * scale), pool, rng)
        for i in range(max(1, int(102 * scale))):
            _write(mixed / "PROXY" / f"P{i:04d}.mp4", 1 << 20, pool, rng)
        for i in range(max(1, int(1024 * scale))):
            _write(mixed / "META" / f"{i // 128:02d}" / f"M{i:05d}.xml", 4096, pool, rng)
        mixed.with_suffix(".done").touch()
    cards["mixed"] = mixed
    small = work / f"cards-{scale:g}" / "GOPRO_01"
    if not small.with_suffix(".done").exists():
        shutil.rmtree(small, ignore_errors=True)
        n = max(1, int(20000 * scale))
        for i in range(n):
            _write(small / "DCIM" / f"{100 + i % 100:03d}GOPRO" / f"G{i:06d}.JPG", rng.randint(2048, 5120), pool, rng)
        small.with_suffix(".done").touch()
    cards["small"] = small
    return cards


def card_files(card: Path) -> tuple[int, int]:
    files = [p for p in card.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


# --- one run each way --------------------------------------------------------------------------------------

def _fresh(run: Path) -> list[Path]:
    shutil.rmtree(run, ignore_errors=True)
    dests = [run / "d1", run / "d2"]
    for d in dests:
        d.mkdir(parents=True)  # destination roots must exist: PIXM never creates them
    return dests


def _env(code: Path | None = None) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code or HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _spy(pid: int, out: Path) -> subprocess.Popen:
    return subprocess.Popen([str(PY_SPY), "record", "-f", "raw", "-r", "50", "--subprocesses", "--threads",
                             "--nonblocking", "-p", str(pid), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def headless(card: Path, run: Path, profile: Path | None) -> float:
    d1, d2 = _fresh(run)
    cmd = [sys.executable, "-m", "pixm_desktop.cli", "offload", str(card), "--dest", str(d1), "--dest", str(d2),
           "--template", "{card}", "--no-clips", "--no-report", "--quiet", "--catalog", str(run / "catalog.sqlite")]
    drop_caches()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL)
    spy = _spy(proc.pid, profile) if profile else None
    rc = proc.wait()
    seconds = time.perf_counter() - t0
    if spy is not None:
        spy.wait(30)
    if rc != 0:
        raise SystemExit(f"pixm offload exited {rc}")
    return seconds


def window(card: Path, run: Path, platform: str, profile: Path | None, code: Path | None = None) -> dict:
    _fresh(run)
    env = _env(code) | {"QT_QPA_PLATFORM": platform}
    proc = subprocess.Popen([sys.executable, __file__, "--window-child", str(card), str(run)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdin is not None
    line = proc.stdout.readline()
    if line.strip() != "READY":
        proc.kill()
        raise SystemExit(f"the window did not start: {line!r}")
    drop_caches()
    spy = _spy(proc.pid, profile) if profile else None
    if spy is not None:
        time.sleep(1.0)  # py-spy attached before the drop
    proc.stdin.write("GO\n")
    proc.stdin.flush()
    out = proc.stdout.read()
    proc.wait()
    if spy is not None:
        spy.wait(30)
    result = json.loads(out.strip().splitlines()[-1])
    if result.get("state") != "completed":
        raise SystemExit(f"the window's offload did not complete: {result}")
    return result


def window_child(card: Path, run: Path) -> int:
    """The window's process: build it as pixm-desktop does, wait for GO, drop the card, time until the verdict."""
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.collector import GuiThreadCollector
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.theme import apply_dark_theme
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog

    # A spawned job child runs the parent's main module again (multiprocessing's __mp_main__): in pixm-desktop
    # that is the console script (``from pixm_desktop.gui.app import main``), so the window's children here run it
    # too, not this benchmark file.
    sys.modules["__main__"].__file__ = str(ENTRY)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_dark_theme(app)
    catalog = open_catalog(run / "catalog.sqlite")
    qs = QSettings(str(run / "settings.ini"), QSettings.Format.IniFormat)
    save_settings(qs, OffloadSettings(destinations=[DestinationSetting(str(run / "d1")),
                                                    DestinationSetting(str(run / "d2"))],
                                      template="{card}", mount_roots=[str(card.parent)], distinct_drives=False,
                                      ingest_clips=False, auto_report=False))
    win = CartWindow(catalog, qs, use_tray=False)
    win.resize(1500, 920)
    win.show()
    settle_interpreter()
    collector = GuiThreadCollector(app)
    collector.install()
    state: dict = {}

    def ready() -> None:
        key = os.path.realpath(card)
        while key not in win.offload_page.sources.infos:  # the card shows in Sources, inspected (a mounted card)
            app.processEvents()
            time.sleep(0.02)
        for page in range(win.stack.count()):  # a DIT has looked at every page before the first card
            win.show_page(page)
            app.processEvents()
        win.show_page("offload")
        app.processEvents()
        print("READY", flush=True)
        sys.stdin.readline()  # the parent drops the caches (and attaches py-spy)
        state["t0"] = time.perf_counter()
        state["cpu0"], state["gui0"] = time.process_time(), time.thread_time()
        [job] = win.offload_page.offload([str(card)])
        state["job"] = job
        queue = win.offload_page.queue
        marks = state["marks"] = {}

        def changed(j) -> None:  # when the job first reached each state (s after the drop)
            marks.setdefault(j.state.value, round(time.perf_counter() - state["t0"], 3))
            if j.progress is not None:
                marks.setdefault("first progress", round(time.perf_counter() - state["t0"], 3))

        queue.changed.connect(changed)
        queue.polled.connect(lambda: changed(job))
        queue.finished.connect(lambda j: marks.setdefault("finished", round(time.perf_counter() - state["t0"], 3)))

    def watch() -> None:
        job = state.get("job")
        if job is None or job.active or (job.verdict is None and job.card_id is not None):
            return  # the loader waits for the card's verdict
        state["seconds"] = time.perf_counter() - state["t0"]
        state["cpu"], state["gui"] = time.process_time() - state["cpu0"], time.thread_time() - state["gui0"]
        state["state"] = job.state.value
        app.quit()

    watcher = QTimer()
    watcher.setInterval(20)
    watcher.timeout.connect(watch)
    watcher.start()
    QTimer.singleShot(500, ready)  # let the window settle (first mount scan, recovery query)
    app.exec()
    watcher.stop()
    job = state["job"]
    out = {"seconds": state["seconds"], "state": state["state"], "gc_collections": collector.collections,
           "job_seconds": job.duration, "marks": state["marks"], "card_read_by_child": _read_by_child(catalog, job),
           "window_cpu_s": round(state["cpu"], 2), "gui_thread_cpu_s": round(state["gui"], 2),
           "verdict": job.verdict.state.value if job.verdict else None}
    win.shutdown()
    collector.uninstall()
    win.close()
    catalog.close()
    print(json.dumps(out), flush=True)
    return 0


def _read_by_child(catalog, job) -> str:
    """Whether the job's child read the card again: "no" (it used the window's reading), "yes" (the card
    changed after it was queued), "?" (code without the hand-over: it always does)."""
    from pixm_desktop.store.models import Job

    with catalog.session() as s:
        log = (s.get(Job, job.catalog_job_id).log or "") if job.catalog_job_id else ""
    return "no" if "unchanged since" in log else "yes" if "read again" in log else "?"


# --- py-spy's raw stacks ------------------------------------------------------------------------------------

def summarise(raw: Path, top: int = 12) -> list[str]:
    """Where the samples went: by thread, then by the innermost pixm_desktop frame (or the innermost frame)."""
    if not raw.exists():
        return ["(no py-spy output)"]
    threads: collections.Counter = collections.Counter()
    places: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or not stack.startswith("process "):
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        procs = [f for f in frames if f.startswith("process ")]
        role = ("child " if len(procs) > 1 else "") + ("spawn" if "spawn_main" in procs[-1] else "resource-tracker"
                                                       if "resource_tracker" in procs[-1] else "main")
        thread = next((f for f in frames if f.startswith("thread (")), "thread ?")
        threads[f"{role} process, {thread.split(': ', 1)[-1]}"] += n
        ours = [f for f in frames if "pixm_desktop" in f]
        places[(ours[-1] if ours else frames[-1])[:130]] += n
    lines = [f"{total} samples (50 Hz, every thread of the process and its children)"]
    lines += [f"  {n:6d} {100 * n / max(1, total):5.1f}%  {k}" for k, n in threads.most_common(top)]
    lines += [f"  {n:6d} {100 * n / max(1, total):5.1f}%  in {k}" for k, n in places.most_common(top)]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("bench-work/window-offload"))
    ap.add_argument("--scale", type=float, default=1.0, help="card size factor (1.0: ~1 GB and 20,000 files)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cards", default="mixed,small")
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    ap.add_argument("--profile", action="store_true", help="py-spy every run and print where the samples go")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline-code", type=Path, default=None,
                    help="a checkout of other code (e.g. `git archive main`): its window runs too, alternating")
    ap.add_argument("--window-child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.window_child:
        return window_child(*args.window_child)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    cards = make_cards(work, args.scale)
    report: dict = {"platform": args.platform, "cpus": os.cpu_count(), "caches_dropped": drop_caches(),
                    "load_before": os.getloadavg(), "cards": {}}
    for name in args.cards.split(","):
        card = cards[name]
        files, size = card_files(card)
        runs: dict[str, list] = {"window": [], "headless": [], "baseline": []}
        for i in range(args.repeat):
            if args.baseline_code:
                runs["baseline"].append(window(card, work / "run-window", args.platform, None, args.baseline_code))
            prof = {side: work / f"spy-{name}-{side}-{i}.raw" if args.profile else None
                    for side in ("window", "headless")}
            runs["window"].append(window(card, work / "run-window", args.platform, prof["window"]))
            runs["headless"].append(headless(card, work / "run-headless", prof["headless"]))
        w = statistics.median(r["seconds"] for r in runs["window"])
        h = statistics.median(runs["headless"])
        entry = {"files": files, "bytes": size, "window_s": [round(r["seconds"], 2) for r in runs["window"]],
                 "window_job_s": [round(r["job_seconds"] or 0, 2) for r in runs["window"]],
                 "window_marks": [r["marks"] for r in runs["window"]],
                 "window_cpu_s": [r["window_cpu_s"] for r in runs["window"]],
                 "gui_thread_cpu_s": [r["gui_thread_cpu_s"] for r in runs["window"]],
                 "headless_s": [round(s, 2) for s in runs["headless"]], "window_median": w, "headless_median": h,
                 "card_read_by_child": [r["card_read_by_child"] for r in runs["window"]],
                 "ratio": w / h, "gc_collections": [r["gc_collections"] for r in runs["window"]]}
        if runs["baseline"]:
            b = statistics.median(r["seconds"] for r in runs["baseline"])
            entry |= {"baseline_s": [round(r["seconds"], 2) for r in runs["baseline"]], "baseline_median": b,
                      "baseline_ratio": b / h, "baseline_marks": [r["marks"] for r in runs["baseline"]]}
        if args.profile:
            entry["profile"] = {side: summarise(work / f"spy-{name}-{side}-0.raw") for side in ("window", "headless")}
        report["cards"][name] = entry
    report["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"Qt {args.platform}, {report['cpus']} CPUs, caches dropped: {report['caches_dropped']}; load average "
          f"before {' '.join(f'{x:.2f}' for x in report['load_before'])}, after "
          f"{' '.join(f'{x:.2f}' for x in report['load_after'])}")
    for name, e in report["cards"].items():
        print(f"{name}: {e['files']} files, {e['bytes'] / 1e6:.0f} MB, 2 destinations, xxh64 — window (drop → verdict) "
              f"{e['window_s']} s (job {e['window_job_s']}), headless `pixm offload` {e['headless_s']} s; median "
              f"{e['window_median']:.2f} / {e['headless_median']:.2f} = window/headless {e['ratio']:.2f}")
        print(f"  window, s after the drop when the job first was: {e['window_marks']}; the child read the card "
              f"again: {e['card_read_by_child']}")
        print(f"  the window's own process (not its job's child) used {e['window_cpu_s']} s of CPU, its GUI thread "
              f"{e['gui_thread_cpu_s']} s; GUI-thread collections {e['gc_collections']}")
        if "baseline_s" in e:
            print(f"  the same window on the code in {args.baseline_code}: {e['baseline_s']} s, median "
                  f"{e['baseline_median']:.2f} = window/headless {e['baseline_ratio']:.2f}; marks {e['baseline_marks']}")
        for side, lines in e.get("profile", {}).items():
            print(f"  py-spy, {side} (first run):")
            for ln in lines:
                print(f"  {ln}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
