"""Benchmark: does the cart window stay responsive while it offloads?

Runs a 2-destination offload of a generated card (≥ 1 GB by default) *through the window* (the queue, the
100 ms progress poll, the verification page following the job) and measures the event loop's stalls with a
5 ms QTimer: every gap between two timeouts beyond the 5 ms interval is time the GUI could not react. Prints
the longest and the 99th-percentile stall (target: under 50 ms) and the offload time, next to a headless
offload of the same card in the same session (the ratio shows what the window costs). Usage::

    python benchmarks/gui_responsiveness.py --work bench-work --gb 1.2 [--platform xcb] [--no-baseline]

Caches are dropped before each offload when run as root (so verification reads the media).

The ratio printed here is not the window-vs-headless figure of issue 20: the headless offload runs in this
process (no interpreter start, no child) and the window's job children run this file as their main module, not
the ``pixm-desktop`` console script. ``benchmarks/window_offload.py`` measures that ratio like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from offload_vs_manual import drop_caches  # noqa: E402


def card_for(work: Path, gb: float, small_files: int) -> Path:
    """Generate the benchmark card once per size (kept in ``work`` for later runs)."""
    from pixm_desktop.samples.samplecard import generate_benchmark_card

    parent = work / f"card-{gb:g}GB-{small_files}"
    existing = [p for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
    if existing:
        return existing[0]
    shutil.rmtree(parent, ignore_errors=True)
    return generate_benchmark_card(parent, total_bytes=int(gb * 1e9), small_files=small_files).root


def headless(card: Path, work: Path) -> float:
    from pixm_desktop.services.offload import OffloadRequest, OffloadService
    from pixm_desktop.services.settings import open_catalog

    run = work / "headless"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    for d in ("d1", "d2"):
        (run / d).mkdir()  # destination roots must exist: PIXM never creates them
    catalog = open_catalog(run / "catalog.sqlite")
    service = OffloadService(catalog)
    drop_caches()
    t0 = time.perf_counter()
    result = service.run(service.prepare(OffloadRequest(card, [run / "d1", run / "d2"], template="{card}")))
    seconds = time.perf_counter() - t0
    catalog.close()
    assert result.ok, result
    return seconds


class StallSampler:
    """``--trace``: a thread that, whenever the GUI thread's 5 ms ticker is late by ``after_ms``, records
    the GUI thread's innermost frames (what it was doing, or waiting for the interpreter in). A diagnostic
    only: the sampler itself takes the interpreter lock for a moment every 2 ms."""

    def __init__(self, ticks: list, clock, after_ms: float = 25.0):
        import threading

        self.ticks, self.clock, self.after_ms = ticks, clock, after_ms
        self.gui = threading.get_ident()
        self.samples: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="stall-sampler", daemon=True)

    def _run(self) -> None:
        import traceback

        while not self.stop.wait(0.002):
            if not self.ticks or self.clock.nsecsElapsed() / 1e6 - self.ticks[-1] < self.after_ms:
                continue
            frame = sys._current_frames().get(self.gui)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)[-4:]
            key = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
            self.samples[key] = self.samples.get(key, 0) + 1

    def top(self, n: int = 8) -> list[tuple[int, str]]:
        return sorted(((c, k) for k, c in self.samples.items()), reverse=True)[:n]


def through_window(card: Path, work: Path, interval_ms: int = 5, follow_card: bool = True,
                   trace: bool = False) -> dict:
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.jobs import JobState
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.theme import apply_dark_theme
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog

    run = work / "window"
    shutil.rmtree(run, ignore_errors=True)
    (run / "media").mkdir(parents=True)
    for d in ("d1", "d2"):
        (run / d).mkdir()  # destination roots must exist: PIXM never creates them
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_dark_theme(app)
    catalog = open_catalog(run / "catalog.sqlite")
    qs = QSettings(str(run / "settings.ini"), QSettings.Format.IniFormat)
    save_settings(qs, OffloadSettings(destinations=[DestinationSetting(str(run / "d1")),
                                                    DestinationSetting(str(run / "d2"))],
                                      template="{card}", mount_roots=[str(run / "media")], distinct_drives=False,
                                      ingest_clips=False, auto_report=False))
    win = CartWindow(catalog, qs, use_tray=False)
    win.resize(1500, 920)
    win.show()
    if not os.environ.get("PIXM_BENCH_NO_FREEZE"):
        settle_interpreter()  # as pixm-desktop's main() does
    ticks: list[float] = []
    clock = QElapsedTimer()
    stall_timer = QTimer()
    stall_timer.setTimerType(Qt.TimerType.PreciseTimer)
    stall_timer.setInterval(interval_ms)
    cpu: list[float] = []  # the GUI thread's own CPU time at each tick: busy in a stall, or waiting?

    def tick() -> None:
        ticks.append(clock.nsecsElapsed() / 1e6)
        cpu.append(time.thread_time() * 1e3)

    stall_timer.timeout.connect(tick)
    state: dict = {}
    sampler = StallSampler(ticks, clock) if trace else None

    def begin() -> None:
        for page in range(win.stack.count()):  # a DIT has looked at every page before the first card
            win.show_page(page)
            app.processEvents()
        win.show_page("offload")
        app.processEvents()
        drop_caches()
        clock.start()
        stall_timer.start()
        if sampler is not None:
            sampler.thread.start()
        state["t0"] = time.perf_counter()
        [job] = win.offload_page.offload([str(card)])
        state["job"] = job

    def watch() -> None:
        job = state.get("job")
        if job is None:
            return
        p = job.progress
        if p is not None and p.fraction > 0.5 and not state.get("flipped"):
            state["flipped"] = clock.nsecsElapsed() / 1e6
            if follow_card:
                win.show_page("verification")  # the verification page follows the job (catalog reads every 2 s)
        if p is not None and "first_progress" not in state:
            state["first_progress"] = clock.nsecsElapsed() / 1e6
        if not job.active:
            state["ended"] = clock.nsecsElapsed() / 1e6
            state["seconds"] = time.perf_counter() - state["t0"]
            state["state"] = job.state
            stall_timer.stop()
            app.quit()

    watcher = QTimer()
    watcher.setInterval(50)
    watcher.timeout.connect(watch)
    watcher.start()
    QTimer.singleShot(500, begin)  # let the window settle (first mount scan, recovery query)
    app.exec()
    watcher.stop()
    if sampler is not None:
        sampler.stop.set()
        sampler.thread.join()
    win.shutdown()
    win.close()
    catalog.close()
    assert state.get("state") == JobState.COMPLETED, state
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    worst = sorted(((b - a - interval_ms, a, cpu[i + 1] - cpu[i]) for i, (a, b) in enumerate(zip(ticks, ticks[1:],
                                                                                            strict=False))),
                   reverse=True)[:5]
    marks = {k: state[k] for k in ("first_progress", "flipped", "ended") if isinstance(state.get(k), float)}
    stalls = sorted(max(0.0, g - interval_ms) for g in gaps)
    p99 = stalls[min(len(stalls) - 1, int(len(stalls) * 0.99))] if stalls else 0.0
    return {"seconds": state["seconds"], "ticks": len(ticks), "max_stall_ms": stalls[-1] if stalls else 0.0,
            "p99_stall_ms": p99, "p50_stall_ms": statistics.median(stalls) if stalls else 0.0,
            "stalls_over_50ms": sum(1 for s in stalls if s > 50),
            "worst": [(round(d, 1), round(at), round(busy, 1)) for d, at, busy in worst], "marks_ms": {k: round(v) for k, v in marks.items()},
            "gui_thread_in_stalls": sampler.top() if sampler is not None else []}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("bench-work"))
    ap.add_argument("--gb", type=float, default=1.2, help="card size in GB (default 1.2)")
    ap.add_argument("--small-files", type=int, default=2000)
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    ap.add_argument("--repeat", type=int, default=1, help="offloads through the window (each reported)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the headless offload")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--trace", action="store_true",
                    help="sample what the GUI thread does while it is late (diagnostic; perturbs the figures)")
    args = ap.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    args.work.mkdir(parents=True, exist_ok=True)
    card = card_for(args.work, args.gb, args.small_files)
    size = sum(p.stat().st_size for p in card.rglob("*") if p.is_file())
    files = sum(1 for p in card.rglob("*") if p.is_file())
    runs = [through_window(card, args.work, trace=args.trace) for _ in range(args.repeat)]
    out = {"card": str(card), "bytes": size, "files": files, "platform": args.platform, "cpus": os.cpu_count(),
           "runs": runs}
    if not args.no_baseline:
        out["headless_seconds"] = headless(card, args.work)
        out["window_vs_headless"] = statistics.median(r["seconds"] for r in runs) / out["headless_seconds"]
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"card: {size / 1e9:.2f} GB, {files} files, 2 destinations, xxh64, verify from media; Qt {args.platform}, "
          f"{out['cpus']} CPUs; the Verification page follows the job from 50 %")
    for i, w in enumerate(runs, 1):
        verdict = "OK" if w["max_stall_ms"] < 50 else "OVER TARGET"
        print(f"run {i}: offload through the window {w['seconds']:.1f} s ({size / w['seconds'] / 1e6:.0f} MB/s of "
              f"card); event-loop stalls over {w['ticks']} ticks of 5 ms: max {w['max_stall_ms']:.1f} ms, p99 "
              f"{w['p99_stall_ms']:.1f} ms, median {w['p50_stall_ms']:.2f} ms, {w['stalls_over_50ms']} over 50 ms "
              f"— target max < 50 ms: {verdict}")
        print(f"       longest stalls (ms, at ms after the job was queued, GUI thread's CPU ms in it): {w['worst']}; "
              f"events: {w['marks_ms']}")
        for count, where in w["gui_thread_in_stalls"]:
            print(f"       GUI thread while late ({count} samples): {where}")
    if "headless_seconds" in out:
        print(f"offload headless (same card, same session): {out['headless_seconds']:.1f} s — window/headless = "
              f"{out['window_vs_headless']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
