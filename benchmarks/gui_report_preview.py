"""Benchmark: does the cart window stay responsive while the Reports page builds a big report?

Builds (once, with ``report_daily.build_catalog``) a shoot day of ``--clips`` picture clips with thumbnails,
opens the real window on it, shows the Reports page and measures the event loop's stalls with a 5 ms QTimer
while the daily report's preview is built (reportlab lays out every page: seconds of work), until the preview
is on screen. The baseline in the same run is the same report written headless (``write_daily_report``).
Usage::

    python benchmarks/gui_report_preview.py --work /tmp/report-preview [--clips 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gui_responsiveness import StallSampler  # noqa: E402


def catalog_for(work: Path, clips: int) -> Path:
    """The benchmark's day (kept in ``work`` between runs)."""
    from report_daily import build_catalog, real_thumbnails

    path = work / f"day-{clips}" / "catalog.sqlite"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_catalog(path, clips, 20, real_thumbnails(path.parent, 1920, 1080))
    return path


def through_window(catalog_path: Path, work: Path, interval_ms: int = 5, trace: bool = False) -> dict:
    from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.theme import apply_dark_theme
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services.settings import OffloadSettings, open_catalog

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_dark_theme(app)
    catalog = open_catalog(catalog_path)
    qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    save_settings(qs, OffloadSettings(mount_roots=[str(work)], ingest_clips=False, auto_report=False))
    win = CartWindow(catalog, qs, use_tray=False)
    win.resize(1500, 920)
    win.show()
    settle_interpreter()
    ticks: list[float] = []
    cpu: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(interval_ms)

    def tick() -> None:
        ticks.append(clock.nsecsElapsed() / 1e6)
        cpu.append(time.thread_time() * 1e3)

    timer.timeout.connect(tick)
    sampler = StallSampler(ticks, clock) if trace else None
    state: dict = {}
    page = win.reports_page

    def begin() -> None:
        clock.start()
        timer.start()
        if sampler is not None:
            sampler.thread.start()
        state["t0"] = time.perf_counter()
        win.show_page("reports")

    def done(_sel) -> None:
        state["seconds"] = time.perf_counter() - state["t0"]
        QTimer.singleShot(200, finish)  # the preview's first paint is inside the measurement

    def finish() -> None:
        timer.stop()  # before quitting: quitting closes the window, whose shutdown is not part of this
        if sampler is not None:
            sampler.stop.set()
        app.quit()

    page.preview_ready.connect(done)
    QTimer.singleShot(1500, begin)  # the window settles (start-up queries)
    app.exec()
    timer.stop()
    if sampler is not None:
        sampler.stop.set()
        sampler.thread.join()
    pages = page.doc.pageCount()
    win.shutdown()
    win.close()
    catalog.close()
    gaps = [(b - a - interval_ms, a, cpu[i + 1] - cpu[i]) for i, (a, b) in enumerate(zip(ticks, ticks[1:],
                                                                                          strict=False))]
    stalls = sorted(max(0.0, g) for g, _a, _c in gaps)
    return {"seconds": state.get("seconds"), "pages": pages, "ticks": len(ticks),
            "max_stall_ms": stalls[-1] if stalls else 0.0,
            "p99_stall_ms": stalls[min(len(stalls) - 1, int(len(stalls) * 0.99))] if stalls else 0.0,
            "stalls_over_50ms": sum(1 for s in stalls if s > 50),
            "worst": [(round(g, 1), round(a), round(c, 1)) for g, a, c in sorted(gaps, reverse=True)[:3]],
            "gui_thread_in_stalls": sampler.top(4) if sampler is not None else []}


def headless(catalog_path: Path, work: Path) -> float:
    from pixm_desktop.services import reports
    from pixm_desktop.services.settings import open_catalog

    catalog = open_catalog(catalog_path)
    day = reports.shoot_days(catalog)[0].day
    t0 = time.perf_counter()
    reports.write_daily_report(catalog, day, work / "headless.pdf")
    seconds = time.perf_counter() - t0
    catalog.close()
    return seconds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, default=Path("report-preview-work"))
    ap.add_argument("--clips", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    ap.add_argument("--trace", action="store_true", help="sample what the GUI thread does while it is late")
    args = ap.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    args.work.mkdir(parents=True, exist_ok=True)
    path = catalog_for(args.work, args.clips)
    runs = [through_window(path, args.work, trace=args.trace) for _ in range(args.repeat)]
    base = headless(path, args.work)
    print(f"daily report of {args.clips} clips with thumbnails; Qt {args.platform}, {os.cpu_count()} CPUs")
    for i, r in enumerate(runs, 1):
        verdict = "OK" if r["max_stall_ms"] < 50 else "OVER TARGET"
        print(f"run {i}: preview on screen after {r['seconds']:.1f} s ({r['pages']} pages); stalls over "
              f"{r['ticks']} ticks of 5 ms: max {r['max_stall_ms']:.1f} ms, p99 {r['p99_stall_ms']:.1f} ms, "
              f"{r['stalls_over_50ms']} over 50 ms — target max < 50 ms: {verdict}")
        print(f"       longest (ms, at ms, GUI thread CPU ms): {r['worst']}")
        for count, where in r["gui_thread_in_stalls"]:
            print(f"       GUI thread while late ({count} samples): {where}")
    print(f"headless write_daily_report (same day, same session): {base:.1f} s — preview/headless = "
          f"{statistics.median(r['seconds'] for r in runs) / base:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
