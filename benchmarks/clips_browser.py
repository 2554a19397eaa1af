"""Benchmark: the Clips page (DOP browser) on a 10,000-clip catalog, with real QWidgets (offscreen by default).

1. Thumbnails: first/middle/last 480 px JPEGs of generated ``--width``×``--height`` ProRes clips, ms per clip,
   against the baseline of opening the file and decoding its first frame.
2. A catalog of ``--clips`` clips (``clips_catalog.build_catalog``: 500 cards, 20 days), every clip pointing
   at three real JPEGs of its own (hard links of the clips from step 1, so every thumbnail is a separate file
   that has to be decoded: no cache hit by accident).
3. The real window: time from showing the Clips page to the grid's first paint with rows, and with every
   visible thumbnail painted; the same after each filter change (filter → SQL count + first page → paint);
   then the whole grid scrolled top to bottom, 240 px every 16 ms (a user dragging the scroll bar) while a
   5 ms timer measures the GUI thread's stalls.
4. Baselines in the same run: a plain ``QListView`` (icon mode, ``QStandardItemModel`` of 10,000 text items,
   no thumbnails) scrolled the same way; plain ``sqlite3`` reading the first 200 rows and all rows.

Usage::

    python benchmarks/clips_browser.py --work /tmp/clips-browser [--clips 10000] [--platform offscreen]

Prints the figures as JSON (``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # clips_catalog.build_catalog

from clips_catalog import build_catalog, median_ms  # noqa: E402


def make_jpegs(work: Path, width: int, height: int, seconds: float, n_clips: int) -> tuple[list[Path], dict]:
    """Thumbnails of ``n_clips`` generated ProRes clips; returns (the JPEGs, timing figures)."""
    import av

    from pixm_desktop.core.model import Camera
    from pixm_desktop.media.thumbnails import make_thumbnails
    from pixm_desktop.samples.samplecard import generate_card

    card = generate_card(work / "cards", Camera.ARRI, clips=n_clips, seconds=seconds, width=width, height=height)
    jpegs, per_clip, base = [], [], []
    for i, clip in enumerate(card.clips):
        media = card.root / clip.files[0]
        t0 = time.perf_counter()
        thumbs = make_thumbnails(media, work / "pool", f"c{i}")
        per_clip.append((time.perf_counter() - t0) * 1000)
        jpegs += [t.path for t in thumbs]

        def first_frame(media=media) -> None:
            with av.open(str(media)) as c:
                next(c.decode(video=0))

        base.append(median_ms(first_frame, 3))
    med, b = statistics.median(per_clip), statistics.median(base)
    return jpegs, {"size": f"{width}x{height}", "codec": "prores (ARRI sample card)", "clips": n_clips,
                   "ms_per_clip_3_thumbnails": round(med, 1), "baseline_open_and_decode_first_frame_ms": round(b, 1),
                   "vs_baseline": round(med / max(b, 0.01), 2),
                   "jpeg_bytes_avg": round(statistics.mean(p.stat().st_size for p in jpegs))}


def link_thumbnails(db: Path, jpegs: list[Path], folder: Path) -> int:
    """Give every thumbnail row its own file (a hard link of a pool JPEG)."""
    folder.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db)
    rows = con.execute("SELECT id, clip_id, position FROM clip_thumbnails").fetchall()
    updates = []
    for tid, clip_id, pos in rows:
        path = folder / f"{clip_id}_{pos}.jpg"
        src = jpegs[(clip_id * 3 + pos) % len(jpegs)]
        try:
            os.link(src, path)
        except OSError:
            shutil.copyfile(src, path)
        updates.append((str(path), tid))
    con.executemany("UPDATE clip_thumbnails SET path = ? WHERE id = ?", updates)
    con.commit()
    con.close()
    return len(rows)


class StallMeter:
    """A 5 ms precise timer: every gap beyond its interval is time the GUI thread could not react."""

    def __init__(self, interval_ms: int = 5):
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.interval = interval_ms
        self.clock = QElapsedTimer()
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(self.clock.nsecsElapsed() / 1e6))

    def start(self) -> None:
        self.ticks.clear()
        self.clock.start()
        self.timer.start()

    def stop(self) -> dict:
        self.timer.stop()
        stalls = sorted(max(0.0, b - a - self.interval) for a, b in zip(self.ticks, self.ticks[1:], strict=False))
        if not stalls:
            return {"max_stall_ms": 0.0, "p99_stall_ms": 0.0, "ticks": 0}
        return {"max_stall_ms": round(stalls[-1], 1), "p99_stall_ms": round(stalls[int(len(stalls) * 0.99)], 1),
                "median_stall_ms": round(statistics.median(stalls), 2), "ticks": len(self.ticks),
                "stalls_over_50ms": sum(1 for s in stalls if s > 50)}


def pump_until(app, cond, timeout: float = 60.0) -> float:
    """Run the event loop until ``cond()``; returns the ms it took."""
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("condition not reached")
        app.processEvents()
        time.sleep(0.0005)
    return (time.perf_counter() - t0) * 1000


def scroll_through(app, view, step_px: int, every_ms: int = 16) -> dict:
    """Scroll ``view`` from top to bottom, ``step_px`` per ``every_ms`` (a drag of the scroll bar), measuring
    stalls; returns the stall figures and the seconds it took."""
    from PySide6.QtCore import QTimer

    bar = view.verticalScrollBar()
    bar.setValue(0)
    meter = StallMeter()
    stepper = QTimer()
    stepper.setInterval(every_ms)
    stepper.timeout.connect(lambda: bar.setValue(bar.value() + step_px))
    meter.start()
    stepper.start()
    t0 = time.perf_counter()
    pump_until(app, lambda: bar.value() >= bar.maximum(), timeout=600)
    for _ in range(20):  # the last screen's pictures
        app.processEvents()
        time.sleep(0.005)
    stepper.stop()
    out = meter.stop()
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["scroll_range_px"] = bar.maximum()
    return out


class PaintCounter:
    """Counts paint events of a widget (the grid's viewport) and when the last one ended."""

    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        counter = self

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
                if event.type() == QEvent.Type.Paint:
                    counter.count += 1
                return False

        self.count = 0
        self.filter = Filter()
        widget.installEventFilter(self.filter)


def visible_rows(view) -> list[int]:
    """Rows of the grid whose cells are on screen."""
    model = view.model()
    rect = view.viewport().rect()
    first = view.indexAt(rect.topLeft() + rect.topLeft().__class__(8, 8))
    rows = []
    r = max(0, first.row()) if first.isValid() else 0
    while r < model.rowCount() and len(rows) < 400:
        vr = view.visualRect(model.index(r, 0))
        if vr.top() > rect.bottom():
            break
        if vr.intersects(rect):
            rows.append(r)
        r += 1
    return rows


def thumbs_shown(page) -> bool:
    """Every visible clip's row is loaded and its thumbnail is in the cache (so the next paint shows it)."""
    model = page.model
    size = model.grid_thumb  # the size the grid paints (and decodes) pictures at
    for r in visible_rows(page.grid):
        c = model.row(r)
        if c is None:
            return False
        if c.thumbnails and (c.thumbnails[0], (size.width(), size.height())) not in page.thumbs.pixmaps \
                and c.thumbnails[0] not in page.thumbs.broken:
            return False
    return True


def measure_page(app, page, start, paints: PaintCounter) -> dict:
    """``start()`` shows the page or applies a filter; times to the first paint with rows and to the paint with
    every visible thumbnail."""
    t0 = time.perf_counter()
    loads_before = page.thumbs.loads
    loaded = []

    def on_loaded() -> None:
        loaded.append(1)

    page.model.loaded.connect(on_loaded)
    start()
    pump_until(app, lambda: bool(loaded))  # the filter's count and first page are in the model
    page.model.loaded.disconnect(on_loaded)
    painted = paints.count
    pump_until(app, lambda: paints.count > painted)
    rows_ms = (time.perf_counter() - t0) * 1000
    pump_until(app, lambda: thumbs_shown(page))
    painted = paints.count
    page.grid.viewport().update()
    pump_until(app, lambda: paints.count > painted)
    return {"rows_painted_ms": round(rows_ms, 1), "thumbnails_painted_ms": round((time.perf_counter() - t0) * 1000, 1),
            "sql_to_model_ms": round(page.last_filter_ms or 0, 1), "clips": page.model.total,
            "visible": len(visible_rows(page.grid)), "decoded": page.thumbs.loads - loads_before}


def bench_window(db: Path, work: Path) -> dict:
    import datetime as dt

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.theme import apply_dark_theme
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services.settings import open_catalog

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_dark_theme(app)
    catalog = open_catalog(db)
    qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    win = CartWindow(catalog, qs, start=False, use_tray=False)
    win.resize(1500, 920)
    win.show()
    settle_interpreter()
    for _ in range(20):
        app.processEvents()
    page = win.clips_page
    paints = PaintCounter(page.grid.viewport())
    out = {"window": "1500x920", "first_show": measure_page(app, page, lambda: win.show_page("clips"), paints)}
    bar = page.filters
    filters = {
        "text 'boom'": lambda: bar.text.setText("boom"),
        "+ camera B": lambda: bar.choose("camera", "B"),
        "+ circled only": lambda: bar.circled.setChecked(True),
        "clear, then day": lambda: (bar.clear(), bar.choose("day", (dt.date(2026, 11, 9)).isoformat())),
        "clear (all clips)": bar.clear,
    }
    pump_until(app, lambda: bar.combos["camera"].count() > 1)
    out["filters"] = {}
    for name, change in filters.items():
        def start(change=change) -> None:
            change()
            bar.debounce.stop()  # the 200 ms typing debounce is not part of the work
            page.apply_filter()
        out["filters"][name] = measure_page(app, page, start, paints)
    loads = page.thumbs.loads
    out["scroll"] = scroll_through(app, page.grid, step_px=240)
    out["scroll"]["thumbnails_decoded"] = page.thumbs.loads - loads
    out["scroll"]["pages_held"] = len(page.model.pages)
    win.shutdown()
    win.close()
    catalog.close()
    return out


def bench_plain_list(n: int) -> dict:
    """Baseline: a plain QListView in icon mode over a QStandardItemModel of ``n`` text items, scrolled the same."""
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QListView

    app = QApplication.instance()
    t0 = time.perf_counter()
    model = QStandardItemModel()
    for i in range(n):
        model.appendRow(QStandardItem(f"A{i:05d}C001_261123_R1AB"))
    build_ms = (time.perf_counter() - t0) * 1000
    view = QListView()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setUniformItemSizes(True)
    view.setGridSize(QSize(244, 186))  # the browser's cell size
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
    t0 = time.perf_counter()
    view.setModel(model)
    view.resize(1030, 760)
    view.show()
    painted = PaintCounter(view.viewport())
    pump_until(app, lambda: painted.count > 0)
    first_ms = (time.perf_counter() - t0) * 1000
    out = {"items": n, "model_build_ms": round(build_ms, 1), "first_paint_ms": round(first_ms, 1),
           "scroll": scroll_through(app, view, step_px=240)}
    view.close()
    view.deleteLater()
    return out


def bench_sqlite(db: Path, repeat: int) -> dict:
    con = sqlite3.connect(db)
    out = {"first_200_rows_ms": median_ms(lambda: con.execute("SELECT * FROM clips LIMIT 200").fetchall(), repeat),
           "all_rows_ms": median_ms(lambda: con.execute("SELECT * FROM clips").fetchall(), repeat),
           "count_ms": median_ms(lambda: con.execute("SELECT count(*) FROM clips").fetchall(), repeat)}
    con.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (emptied)")
    ap.add_argument("--clips", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each generated clip")
    ap.add_argument("--thumb-clips", type=int, default=5, help="generated clips whose thumbnails are timed")
    ap.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    jpegs, thumbs = make_jpegs(args.work, args.width, args.height, args.seconds, args.thumb_clips)
    db = args.work / "catalog.sqlite"
    build_s, _facts = build_catalog(db, args.clips)
    linked = link_thumbnails(db, jpegs, args.work / "thumbnails")
    results = {"platform": args.platform, "cpus": os.cpu_count(), "thumbnail_generation": thumbs,
               "catalog": {"clips": args.clips, "thumbnail_files": linked, "build_seconds": round(build_s, 1)},
               "browser": bench_window(db, args.work),
               "baseline_plain_qlistview": bench_plain_list(args.clips),
               "baseline_sqlite3": bench_sqlite(db, args.repeat)}
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
