"""Open the real cart window under X (Xvfb), run offloads on generated cards, save a screenshot of each page.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--work build/screenshots] [--size 1280x720]
                                            [--only clips,logger,settings,history,reports]

Without a display it re-runs itself under ``xvfb-run -s "-screen 0 2000x1200x24"`` with ``QT_QPA_PLATFORM=xcb``.
``--size`` is the window's size (a cart laptop is 1280×720; 1920×1080 for a larger screen); ``--only`` saves
just the named shots (the others are still driven, not saved).
As root on Linux the two destinations and the cards are size-limited tmpfs mounts (so they show as volumes with
their own free space); otherwise they are plain folders. Neither is a physical drive PIXM can tell apart (tmpfs
is memory), so this tour runs with the rule "count each destination folder as a copy" (Settings); ``--not-safe``
shows the default rule, distinct physical drives.

What it shows: three cards mounted under a watched folder (ARRI, Sony, a 400 MB RED card); the ARRI card
offloaded and safe; the Sony card offloaded, then one copy damaged and re-verified (a failure with its reason);
the RED card paused half way (progress bars, speeds); then the Verification, History and Settings pages.

``--not-safe`` shows instead a card that is complete but NOT safe to format: both destinations are folders on
one drive and the rule asks for distinct drives (the default). It saves the same-drive warning the window
shows before the copy (``same-drive-warning.png``, the whole screen: the question is its own window), then,
after "Copy anyway", the Offload, Verification and History pages (``offload-not-safe.png``,
``verification-not-safe.png``, ``history-not-safe.png``).

``--show-qc-drives`` shows the show profile, ingest QC and drives (issue 12): the example profile installed
(``settings-show-profile.png``), an ARRI card shot at 25 fps on the 23.976 show with the QC line on its tile
(``offload-qc.png``) and its QC findings, one acknowledged (``verification-qc.png``), and the shuttle registered on the Drives page after a wipe check
(``drives.png``).

``--dailies`` shows the Dailies page (issue 13): an ARRI card offloaded and ingested, the review preset with
timecode, clip and reel burn-ins and the ACES studio config's SDR view, its preview frame
(``dailies-preview.png``), then after Render the queue with every clip done (``dailies.png``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _reexec_under_xvfb() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("PIXM_SCREENSHOTS_CHILD"):
        return
    xvfb = shutil.which("xvfb-run")
    if not xvfb:
        raise SystemExit("no DISPLAY and no xvfb-run: install xvfb (see .ci/run)")
    env = {**os.environ, "PIXM_SCREENSHOTS_CHILD": "1", "QT_QPA_PLATFORM": "xcb"}
    cmd = [xvfb, "-a", "-s", "-screen 0 2000x1200x24", sys.executable, *sys.argv]
    raise SystemExit(subprocess.call(cmd, env=env))


class Mounts:
    """tmpfs 'drives' when root on Linux, plain folders otherwise."""

    def __init__(self) -> None:
        self.mounted: list[Path] = []
        self.real = sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None

    def make(self, path: Path, size: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        if self.real:
            res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                                 capture_output=True, text=True)
            if res.returncode == 0:
                self.mounted.append(path)
            else:
                print(f"note: could not mount tmpfs at {path}: {res.stderr.strip()}")
        return path

    def close(self) -> None:
        for p in reversed(self.mounted):
            subprocess.run(["umount", "-l", str(p)], capture_output=True)


def _card_into(target: Path, make) -> Path:
    """Generate a card and move its content into ``target`` (a mounted 'card' keeps its volume name)."""
    tmp = target.parent.parent / f".gen-{target.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    root = make(tmp)
    for item in root.iterdir():
        shutil.move(str(item), str(target / item.name))
    shutil.rmtree(tmp, ignore_errors=True)
    return target


def main() -> int:
    ap = argparse.ArgumentParser(description="screenshots of the cart window")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "screenshots")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (and mounts are always removed)")
    ap.add_argument("--not-safe", action="store_true",
                    help="only the complete-but-not-safe card and the same-drive warning (see above)")
    ap.add_argument("--offload-pages", action="store_true",
                    help="only the Offload page during and after a not-safe offload and Verification with a "
                         "re-verify, at 1280x720 and 1920x1080 (offload-during-*.png, offload-after-*.png, "
                         "verification-reverify-*.png, verification-*.png)")
    ap.add_argument("--size", default="1280x720", help="window size WIDTHxHEIGHT (default 1280x720)")
    ap.add_argument("--only", default="", help="comma-separated shot names to save (default: every shot)")
    ap.add_argument("--dailies", action="store_true",
                    help="only the Dailies page: a preview frame, then the render queue after Render "
                         "(dailies-preview, dailies)")
    ap.add_argument("--show-qc-drives", action="store_true",
                    help="only the show profile, QC and Drives shots (settings-show-profile, verification-qc, drives)")
    args = ap.parse_args()
    args.size = tuple(int(x) for x in args.size.lower().split("x"))
    args.only = {x.strip() for x in args.only.split(",") if x.strip()}
    if args.offload_pages:
        _reexec_under_xvfb()
        return offload_pages_shots(args)
    if args.not_safe:
        _reexec_under_xvfb()
        return not_safe_shots(args)
    if args.show_qc_drives:
        _reexec_under_xvfb()
        return show_qc_drives_shots(args)
    if args.dailies:
        _reexec_under_xvfb()
        return dailies_shots(args)
    _reexec_under_xvfb()
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ.setdefault("PIXM_AUTHOR", "Screenshot DIT")

    from PySide6.QtCore import QSettings

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.jobs import JobState
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.samples.samplecard import generate_benchmark_card
    from pixm_desktop.services.samples import make_card
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog

    mounts = Mounts()
    work, app = _fresh_work_and_app(args)
    window = None
    try:
        media = work / "media" / "dit"
        raid = mounts.make(work / "volumes" / "RAID-A", "3g")
        shuttle = mounts.make(work / "volumes" / "SHUTTLE-B", "2g")
        cards = {
            "arri": _card_into(mounts.make(media / "A001R3ET", "256m"),
                               lambda p: make_card(p, "arri", clips=4, seconds=1.5, reel="A001").root),
            "sony": _card_into(mounts.make(media / "B002_SONY", "256m"),
                               lambda p: make_card(p, "sony", clips=3, seconds=1.5, reel="B002").root),
            "red": _card_into(mounts.make(media / "C003_RED", "600m"),
                              lambda p: generate_benchmark_card(p, total_bytes=420_000_000, small_files=120).root),
        }
        catalog = open_catalog(work / "catalog.sqlite")
        qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        save_settings(qs, OffloadSettings(
            destinations=[DestinationSetting(str(raid)), DestinationSetting(str(shuttle))],
            project="Big Film", mount_roots=[str(media)], distinct_drives=False,
            production="Big Film", company="Acme Pictures", dit="Ana Lopez", unit="Main unit",
            day_one=(dt.date.today() - dt.timedelta(days=6)).isoformat()))
        window = CartWindow(catalog, qs, use_tray=False)
        window.resize(*args.size)
        window.show()
        settle_interpreter()
        src = window.offload_page.sources

        def wait(cond, timeout=120.0, what="condition"):
            end = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > end:
                    raise SystemExit(f"timed out waiting for {what}")
                app.processEvents()
                time.sleep(0.02)

        wait(lambda: len(src.infos) == 3, what="the three cards under Sources")
        arri, sony = (window.offload_page.offload([str(cards[k])])[0] for k in ("arri", "sony"))
        wait(lambda: arri.state == JobState.COMPLETED and sony.state == JobState.COMPLETED, what="two offloads")
        # damage one copy of the Sony card, re-verify that destination
        copy_root = Path(sony.destinations[1].card_path)
        victim = max(copy_root.rglob("*.MXF"), key=lambda p: p.stat().st_size)
        data = bytearray(victim.read_bytes())
        data[len(data) // 2] ^= 0xFF
        victim.write_bytes(bytes(data))
        vp = window.verification_page
        window.show_page("verification")
        vp.show_card(sony.card_id)
        wait(lambda: vp.current is not None and vp.current.id == sony.card_id, what="Sony card in Verification")
        vp.dest_table.selectRow(1)
        vp.reverify_selected()
        wait(lambda: vp.current is not None and vp.current.id == sony.card_id
             and any(d.failed for d in vp.current.destinations), what="re-verify failure")
        vp.failures_only.setChecked(True)
        # the RED card: start it, pause it half way
        window.show_page("offload")
        [red] = window.offload_page.offload([str(cards["red"])])
        wait(lambda: red.progress is not None and red.progress.fraction > 0.45, what="RED card half way")
        window.queue.pause(red)
        for _ in range(15):  # let speeds settle on screen
            app.processEvents()
            time.sleep(0.1)
        window.offload_page.queue_panel.select(red)
        src.list.setCurrentRow(0)
        shots = {}

        def clear_notices() -> None:
            for n in list(window.notices.notices):
                window.notices.remove(n)

        def shot(name: str) -> None:
            for _ in range(10):
                app.processEvents()
                time.sleep(0.05)
            if args.only and name not in args.only:
                return
            path = args.out / f"{name}.png"
            window.grab().save(str(path))
            shots[name] = path

        shot("offload")
        window.show_page("verification")
        vp.show_card(sony.card_id)
        wait(lambda: vp.current is not None and vp.current.id == sony.card_id and vp.model.rowCount() > 0,
             what="Sony failures listed")
        shot("verification-failure")
        window.queue.resume(red)
        wait(lambda: red.state == JobState.COMPLETED, what="RED card verified")
        vp.failures_only.setChecked(False)
        vp.show_card(arri.card_id)
        wait(lambda: vp.current is not None and vp.current.id == arri.card_id and vp.badge.safe, what="ARRI safe")
        shot("verification-safe")
        window.show_page("history")
        wait(lambda: window.history_page.model.rowCount() >= 3, what="history rows")
        clear_notices()  # they float over the page (the notices strip is another part of issue 11)
        shot("history")
        rp = window.reports_page  # the day's daily report, previewed in the window
        if getattr(window, "aftercare", None) is not None:  # clips and thumbnails of the cards first
            wait(lambda: not window.aftercare.pending, timeout=600, what="clips of the offloaded cards")
        window.show_page("reports")
        wait(lambda: rp.preview_is_current() and rp.preview_selection.kind == "daily", timeout=300,
             what="daily report preview")
        clear_notices()
        shot("reports")
        # Clips and Logger: the ARRI and Sony clips (ingest is idempotent: a no-op when the window's aftercare
        # did it), a sound roll whose takes overlap the first two ARRI clips, a few logged values
        from fractions import Fraction

        from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
        from pixm_desktop.services import clips as clips_service
        from pixm_desktop.services.offload import OffloadRequest, OffloadService

        for job in (arri, sony):
            clips_service.ingest_card(catalog, job.card_id)
        cam = clips_service.list_clips(catalog, clips_service.ClipFilter(card_id=arri.card_id))
        roll = work / "sound" / "SR01_261123"
        roll.mkdir(parents=True)
        for clip, (scene, take) in zip(cam[:2], (("12A", "3"), ("12B", "1")), strict=False):
            fps = Fraction(clip.fps_num, clip.fps_den)
            start = clip.start_frame - round(fps)  # rolling a second before the camera
            bwf = BwfTake(project="Big Film", scene=scene, take=take, tape="SR01", circled=False, note="",
                          fps=fps, time_reference=round(start * 48000 / fps), recorded=dt.datetime(2026, 11, 23, 9),
                          tracks=("MixL", "MixR", "Boom", "Lav1"))
            write_bwf(roll / f"{scene}_{take}.WAV", bwf, tone_pcm(48000 * 5, 4))
        svc = OffloadService(catalog)
        snd = svc.run(svc.prepare(OffloadRequest(roll, [raid], project="Big Film",
                                                 day=dt.date.fromisoformat(cam[0].day))))
        clips_service.ingest_card(catalog, snd.card_id)
        clips_service.update_log(catalog, [cam[1].id], circled=True, rating=5, notes="director's pick")
        clips_service.update_log(catalog, [cam[2].id], scene="14", take="2", rating=3)
        clips_service.update_log(catalog, [cam[3].id], scene="14", take="3", flagged=True, notes="boom in shot")
        window.state.clips_changed.emit()
        for n in list(window.notices.notices):  # room for the pages
            window.notices.remove(n)
        cp = window.clips_page
        window.show_page("clips")
        wait(lambda: cp.model.total >= 10 and cp.model.row(0) is not None, what="clips in the browser")
        cp.grid.setCurrentIndex(cp.model.index(cp.model.row_of(cam[0].id), 0))
        wait(lambda: cp.detail.detail is not None and cp.detail.detail["id"] == cam[0].id, what="clip detail")
        cp.detail.show_thumbnail(1)
        wait(lambda: not cp.thumbs.busy() and cp.detail.preview.pixmap() is not None
             and not cp.detail.preview.pixmap().isNull(), what="thumbnails in the grid")
        shot("clips")
        red_rows = [r for r in range(cp.model.total) if (c := cp.model.row(r)) is not None and c.kind == "raw"]
        if red_rows:  # the RED card's clips: no picture, and why, in words
            cp.grid.setCurrentIndex(cp.model.index(red_rows[0], 0))
            cp.grid.scrollTo(cp.model.index(red_rows[-1], 0))
            shot("clips-raw")
        lp = window.logger_page
        window.show_page("log")
        wait(lambda: lp.model.total >= 10 and lp.model.row(0) is not None, what="clips in the logger")
        lp.table.selectRow(1)
        shot("logger")
        window.show_page("settings")
        clear_notices()
        shot("settings")
        window.show_page("offload")
        shot("offload-done")
        for name, path in shots.items():
            print(f"{name}: {path}")
        return 0
    finally:
        if window is not None:
            window.shutdown()
            window.close()
        mounts.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _fresh_work_and_app(args):
    """An empty work folder, the output folder, and the QApplication in the window's dark theme."""
    from PySide6.QtWidgets import QApplication

    from pixm_desktop.gui.theme import apply_dark_theme

    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("PIXM Desktop")
    apply_dark_theme(app)
    return work, app


def not_safe_shots(args) -> int:
    """The card whose two copies share one drive: the warning before the copy, then the pages after it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ.setdefault("PIXM_AUTHOR", "Screenshot DIT")
    from PySide6.QtCore import QSettings

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.jobs import JobState
    from pixm_desktop.gui.pages.sources_panel import INFO_ROLE
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services.samples import make_card
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog

    work, app = _fresh_work_and_app(args)
    window = None
    try:
        media = work / "media" / "dit"
        media.mkdir(parents=True)
        dests = [work / "volumes" / "RAID-A", work / "volumes" / "SHUTTLE-B"]  # two folders, one drive
        for d in dests:
            d.mkdir(parents=True)
        card = make_card(work / "gen", "arri", clips=4, seconds=1.5, reel="A001").root
        card = Path(shutil.move(str(card), str(media / card.name)))
        catalog = open_catalog(work / "catalog.sqlite")
        qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        save_settings(qs, OffloadSettings(destinations=[DestinationSetting(str(d)) for d in dests],
                                          project="Big Film", mount_roots=[str(media)], distinct_drives=True,
                                          ingest_clips=False, auto_report=False))
        window = CartWindow(catalog, qs, use_tray=False)
        window.resize(*args.size)
        window.show()
        settle_interpreter()
        page = window.offload_page

        def wait(cond, timeout=120.0, what="condition"):
            end = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > end:
                    raise SystemExit(f"timed out waiting for {what}")
                app.processEvents()
                time.sleep(0.02)

        def settle() -> None:
            for _ in range(10):
                app.processEvents()
                time.sleep(0.05)

        shots = {}

        def shot(name: str, screen: bool = False) -> None:
            settle()
            if args.only and name not in args.only:
                return
            path = args.out / f"{name}.png"
            (app.primaryScreen().grabWindow(0) if screen else window.grab()).save(str(path))
            shots[name] = path

        wait(lambda: len(page.sources.infos) == 1, what="the card under Sources")
        page.sources.list.setCurrentRow(0)
        [job] = page.offload([str(card)])
        wait(lambda: page.warning is not None and page.warning.isVisible(), what="the same-drive warning")
        shot("same-drive-warning", screen=True)
        copy = next(b for b in page.warning.buttons() if b.text() == "Copy anyway")
        copy.click()
        wait(lambda: job.state == JobState.COMPLETED and job.verdict is not None, what="the offload and its verdict")
        page.queue_panel.select(job)
        page.sources.refresh_known()
        wait(lambda: any("NOT SAFE" in (it.data(INFO_ROLE) or "") for it in page.sources.items.values()),
             what="Sources shows the verdict")
        for n in list(window.notices.notices):  # the notice would cover the queue's last column
            window.notices.remove(n)
        shot("offload-not-safe")
        vp = window.verification_page
        window.show_page("verification")
        vp.show_card(job.card_id)
        wait(lambda: vp.current is not None and vp.current.id == job.card_id and vp.model.rowCount() > 0,
             what="the card in Verification")
        shot("verification-not-safe")
        window.show_page("history")
        window.history_page.refresh()
        wait(lambda: window.history_page.model.rowCount() >= 1, what="history rows")
        shot("history-not-safe")
        for name, path in shots.items():
            print(f"{name}: {path}")
        return 0
    finally:
        if window is not None:
            window.shutdown()
            window.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def show_qc_drives_shots(args) -> int:
    """The example show profile in Settings, a card breaking it with its QC findings (one acknowledged) on the
    Verification page, the shuttle on the Drives page after a wipe check."""
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ.setdefault("PIXM_AUTHOR", "Screenshot DIT")
    from fractions import Fraction

    from PySide6.QtCore import QSettings
    from sqlalchemy import update

    from pixm_desktop.engine.drives import PhysicalDrive, VolumeIdentity
    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.jobs import JobState
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services import show
    from pixm_desktop.services.samples import make_card
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog
    from pixm_desktop.store.models import Destination

    work, app = _fresh_work_and_app(args)
    window = None
    try:
        media = work / "media" / "dit"
        media.mkdir(parents=True)
        raid, shuttle = work / "volumes" / "RAID-A", work / "volumes" / "SHUTTLE-B"
        for d in (raid, shuttle):
            d.mkdir(parents=True)
        show.import_profile(ROOT / "docs" / "examples" / "show-profile.json", work / "catalog.sqlite")
        catalog = open_catalog(work / "catalog.sqlite")
        qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        save_settings(qs, OffloadSettings(
            destinations=[DestinationSetting(str(raid)), DestinationSetting(str(shuttle))], project="Big Film",
            mount_roots=[str(media)], distinct_drives=False, ingest_clips=True, auto_report=False,
            production="Big Film", company="Acme Pictures", dit="Ana Lopez", unit="Main unit"))
        window = CartWindow(catalog, qs, use_tray=False)
        window.resize(*args.size)
        window.show()
        settle_interpreter()

        def wait(cond, timeout=180.0, what="condition"):
            end = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > end:
                    raise SystemExit(f"timed out waiting for {what}")
                app.processEvents()
                time.sleep(0.02)

        shots = {}

        def shot(name: str) -> None:
            for _ in range(10):
                app.processEvents()
                time.sleep(0.05)
            for n in list(window.notices.notices):
                window.notices.remove(n)
            for _ in range(4):
                app.processEvents()
                time.sleep(0.05)
            if args.only and name not in args.only:
                return
            path = args.out / f"{name}.png"
            window.grab().save(str(path))
            shots[name] = path

        window.show_page("settings")
        sp = window.settings_page
        wait(lambda: sp.show_profile.profile is not None, what="the installed profile")
        sp.layout().itemAt(0).widget().ensureWidgetVisible(sp.show_profile, 0, 0)  # the settings' scroll area
        shot("settings-show-profile")
        card = make_card(work / "gen", "arri", clips=3, seconds=1.5, reel="A002", fps=Fraction(25)).root
        card = Path(shutil.move(str(card), str(media / card.name)))
        window.show_page("offload")
        [job] = window.offload_page.offload([str(card)])
        wait(lambda: job.state == JobState.COMPLETED, what="the offload")
        wait(lambda: window.aftercare.tasks and window.aftercare.tasks[0].state == "done", what="QC in the aftercare")
        tile = window.offload_page.tiles.tile(job)
        wait(lambda: "error" in tile.qc_text, what="the QC line on the card's tile")
        window.offload_page.queue_panel.select(job)
        shot("offload-qc")
        vp = window.verification_page
        window.open_card(job.card_id)
        wait(lambda: vp.qc.card_id == job.card_id and vp.qc.findings, what="the QC findings")
        vp.tabs.setCurrentWidget(vp.qc)
        rate = next(r for r, f in enumerate(vp.qc.findings) if f.rule == "frame_rate")
        vp.qc.table.selectRow(rate)
        vp.qc.acknowledge_selected("slow-motion insert at 25 fps, agreed with post (M. Weber)")
        wait(lambda: any(f.ack_at for f in vp.qc.findings), what="the acknowledgement")
        vp.qc.table.selectRow(0)
        shot("verification-qc")
        dp = window.drives_page
        window.show_page("drives")
        # two folders of one disk stand for two drives: each its own filesystem (UUID, capacity) at its folder
        # and its own physical drive, as the offload would have recorded for copies on two real drives
        sizes = {raid.name: 8 * 10**12, shuttle.name: 4 * 10**12}
        dp.probes = {"identity_of": lambda p: VolumeIdentity(f"uuid-{p.name}", p.name, sizes.get(p.name, 10**12),
                                                             str(p), f"/dev/{p.name}", "exfat", None),
                     "drive_of": lambda p: PhysicalDrive(f"serial:{p.name}", p.name)}
        with catalog.session() as s:
            for d in (raid, shuttle):
                s.execute(update(Destination).where(Destination.path.like(f"{d}/%"))
                          .values(drive_id=f"serial:{d.name}", drive_note=None))
            s.commit()
        dp.add_drive(raid, "RAID-A", "raid")
        wait(lambda: dp.table.rowCount() == 1, what="RAID-A registered")
        dp.add_drive(shuttle, "SHUTTLE-07", "shuttle")
        wait(lambda: dp.table.rowCount() == 2, what="SHUTTLE-07 registered")
        dp.select("SHUTTLE-07")
        dp.wipe_check_selected()
        wait(lambda: dp.verdict is not None, what="the wipe check")
        shot("drives")
        for name, path in shots.items():
            print(f"{name}: {path}")
        return 0
    finally:
        if window is not None:
            window.shutdown()
            window.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def dailies_shots(args) -> int:
    """The Dailies page on an offloaded, ingested ARRI card: the preview through the ACES SDR view with burn-ins,
    then the render queue after Render."""
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ.setdefault("PIXM_AUTHOR", "Screenshot DIT")
    from fractions import Fraction

    from PySide6.QtCore import QSettings

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.services import clips
    from pixm_desktop.services.offload import OffloadRequest, OffloadService
    from pixm_desktop.services.samples import make_card
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog

    work, app = _fresh_work_and_app(args)
    window = None
    try:
        raid, shuttle = work / "volumes" / "RAID-A", work / "volumes" / "SHUTTLE-B"
        for d in (raid, shuttle):
            d.mkdir(parents=True)
        catalog = open_catalog(work / "catalog.sqlite")
        card = make_card(work / "cards", "arri", clips=5, seconds=1.5, reel="A001", fps=Fraction(24000, 1001))
        service = OffloadService(catalog)
        result = service.run(service.prepare(OffloadRequest(card.root, [raid, shuttle], project="Big Film",
                                                            day=dt.date.today())))
        clips.ingest_card(catalog, result.card_id)
        qs = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
        save_settings(qs, OffloadSettings(
            destinations=[DestinationSetting(str(raid)), DestinationSetting(str(shuttle))], project="Big Film",
            mount_roots=[str(work / "media")], distinct_drives=False, ingest_clips=False, auto_report=False,
            production="Big Film", company="Acme Pictures", dit="Ana Lopez", unit="Main unit"))
        window = CartWindow(catalog, qs, use_tray=False)
        window.resize(*args.size)
        window.show()
        settle_interpreter()

        def wait(cond, timeout=300.0, what="condition"):
            end = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > end:
                    raise SystemExit(f"timed out waiting for {what}")
                app.processEvents()
                time.sleep(0.02)

        def shot(name: str) -> None:
            for _ in range(20):
                app.processEvents()
                time.sleep(0.05)
            if args.only and name not in args.only:
                return
            window.grab().save(str(args.out / f"{name}.png"))
            print(f"{name}: window {window.width()}x{window.height()}")

        window.show_page("dailies")
        page = window.dailies_page
        wait(lambda: page.preset_list.count() > 0 and page.preview_clip.count() == 5, what="presets and clips")
        for name in ("tc", "clip", "reel"):
            page.field_boxes[name].setChecked(True)
        page.watermark.setText("BIG FILM — A. LOPEZ")
        page.field_boxes["watermark"].setChecked(True)
        page.set_ocio_config("ocio://studio-config-latest")
        page.folder.setText(str(work / "dailies"))
        page.preview_clip.setCurrentIndex(2)
        before = page.previews
        wait(lambda: page.previews > before and page._preview_task is None and not page.preview_timer.isActive(),
             what="the preview frame")
        shot("dailies-preview")
        page.render()
        wait(lambda: not page.running, what="the render")
        shot("dailies")
    finally:
        if window is not None:
            window.shutdown()
            window.close()
    return 0


def offload_pages_shots(args) -> int:
    """The Offload page a loader reads from two metres and the Verification page, at a cart laptop's 1280×720
    and at 1920×1080: a 1 GB card copied to two folders on one drive under the default rule (NOT SAFE), shot
    while it copies and after its verdict; then a re-verify of one destination, shot with its bar and after."""
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    os.environ.setdefault("PIXM_AUTHOR", "Screenshot DIT")
    work, app = _fresh_work_and_app(args)
    shots: dict[str, Path] = {}
    for width, height in ((1280, 720), (1920, 1080)):
        _offload_pages_at(args, app, work / f"{width}x{height}", width, height, shots)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    for name, path in shots.items():
        print(f"{name}: {path}")
    return 0


def _offload_pages_at(args, app, base: Path, width: int, height: int, shots: dict) -> None:
    from PySide6.QtCore import QSettings

    from pixm_desktop.gui.app import settle_interpreter
    from pixm_desktop.gui.jobs import JobState
    from pixm_desktop.gui.settings_store import save_settings
    from pixm_desktop.gui.window import CartWindow
    from pixm_desktop.samples.samplecard import generate_benchmark_card
    from pixm_desktop.services.samples import make_card
    from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog

    size = f"{width}x{height}"
    media = base / "media" / "dit"
    media.mkdir(parents=True)
    dests = [base / "volumes" / "RAID-A", base / "volumes" / "SHUTTLE-B"]  # two folders, one drive
    for d in dests:
        d.mkdir(parents=True)
    card = make_card(base / "gen", "arri", clips=4, seconds=1.5, reel="A001").root
    card = Path(shutil.move(str(card), str(media / card.name)))
    big = generate_benchmark_card(base / "gen-big", total_bytes=1_000_000_000, small_files=60).root
    big = Path(shutil.move(str(big), str(media / "C003_RED")))
    catalog = open_catalog(base / "catalog.sqlite")
    qs = QSettings(str(base / "settings.ini"), QSettings.Format.IniFormat)
    save_settings(qs, OffloadSettings(destinations=[DestinationSetting(str(d)) for d in dests], project="Big Film",
                                      mount_roots=[str(media)], distinct_drives=True, ingest_clips=False,
                                      auto_report=False))
    window = CartWindow(catalog, qs, use_tray=False)
    try:
        window.resize(width, height)
        window.show()
        settle_interpreter()
        page = window.offload_page

        def wait(cond, timeout=300.0, what="condition"):
            end = time.monotonic() + timeout
            while not cond():
                if time.monotonic() > end:
                    raise SystemExit(f"timed out waiting for {what}")
                app.processEvents()
                time.sleep(0.02)

        def shot(name: str, settle: int = 10) -> None:
            for _ in range(settle):
                app.processEvents()
                time.sleep(0.02)
            path = args.out / f"{name}-{size}.png"
            window.grab().save(str(path))
            shots[f"{name}-{size}"] = path
            print(f"{name}-{size}: window {window.width()}x{window.height()}")

        wait(lambda: len(page.sources.infos) == 2, what="the cards under Sources")
        page.sources.list.setCurrentRow(0)
        [small] = page.offload([str(card)])
        wait(lambda: page.warning is not None and page.warning.isVisible(), what="the same-drive warning")
        next(b for b in page.warning.buttons() if b.text() == "Copy anyway").click()
        wait(lambda: small.state == JobState.COMPLETED and small.verdict is not None, what="the first card")
        [job] = page.offload([str(big)])  # the same set: not asked again
        page.queue_panel.select(job)
        wait(lambda: job.state == JobState.RUNNING and job.figures().fraction > 0.3
             and job.figures().eta is not None, what="the big card under way")
        shot("offload-during", settle=3)
        wait(lambda: job.state == JobState.COMPLETED and job.verdict is not None, what="its verdict")
        page.sources.refresh_known()
        shot("offload-after", settle=30)
        vp = window.verification_page
        window.show_page("verification")
        vp.show_card(job.card_id)
        wait(lambda: vp.current is not None and vp.current.id == job.card_id and vp.model.rowCount() > 0,
             what="the card in Verification")
        vp.dest_table.selectRow(0)
        vp.reverify_selected()
        wait(lambda: vp._reverify is None or vp.reverify_bar.value() > 200, what="the re-verify under way")
        if vp._reverify is not None:
            shot("verification-reverify", settle=3)
        wait(lambda: vp._reverify is None, what="the re-verify's end")
        shot("verification")
    finally:
        window.shutdown()
        window.close()

if __name__ == "__main__":
    sys.exit(main())
