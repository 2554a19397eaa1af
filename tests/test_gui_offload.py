"""The offload queue through the real window: drops create jobs, jobs run to verified, pause/resume, cancel and
retry, per-volume scheduling, errors in words."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.rate import RateMeter
from pixm_desktop.gui.jobs import JobState, OffloadJob, runnable
from pixm_desktop.samples.samplecard import generate_benchmark_card
from pixm_desktop.services import status as status_service
from pixm_desktop.services.offload import OffloadRequest

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

LONG = 120_000  # ms: generous ceiling for slow CI disks; waits end as soon as the condition holds


def _children_states(win, job) -> list[str]:
    item = win.offload_page.queue_panel.items[job.uid]
    return [item.child(i).text(1) for i in range(item.childCount())]


def test_dropped_folder_becomes_a_job_that_runs_to_verified_and_the_badge_turns_safe(cart, qtbot):
    win = cart.window()
    card = cart.card("arri")
    vp = win.verification_page
    assert vp.badge.safe is None  # no card yet
    assert cart.drop_folders(win.offload_page.queue_panel.tree, [card])
    assert len(win.queue.jobs) == 1
    job = win.queue.jobs[0]
    assert job.source == str(card)
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    # the job row shows the CARD's verdict (each folder counts as a copy in these tests: see support/gui.py)
    qtbot.waitUntil(lambda: job.verdict is not None, timeout=10_000)
    assert cart.job_row_text(win, job)[1] == "complete — SAFE TO FORMAT"
    assert _children_states(win, job) == ["verified", "verified"]
    day = dt.date.today().isoformat()
    for d in cart.dests:
        folder = d / "Untitled" / day / "ARRI" / card.name
        assert (folder / "ascmhl").is_dir(), folder
    assert any(t.endswith("safe to format") and k == "ok" for t, _x, k in win.notifications)
    win.show_page("verification")
    qtbot.waitUntil(lambda: vp.current is not None and vp.current.label == card.name, timeout=10_000)
    assert vp.badge.safe is True and vp.badge.label.startswith("SAFE TO FORMAT")
    files = vp.current.files
    rows = [[vp.dest_table.item(r, c).text() for c in range(vp.dest_table.columnCount())]
            for r in range(vp.dest_table.rowCount())]
    assert [r[4] for r in rows] == [str(files), str(files)]  # verified column
    assert all(r[5] == "0" for r in rows)  # failed column
    assert vp.model.rowCount() == 2 * files


def test_card_dragged_from_sources_onto_the_queue(cart, qtbot):
    win = cart.window()
    src = win.offload_page.sources
    card = cart.mount(cart.card("sony", reel="B002"))
    qtbot.waitUntil(lambda: src.list.count() == 1 and len(src.infos) == 1, timeout=5_000)
    mime = src.list.mimeData([src.list.item(0)])
    assert [u.toLocalFile() for u in mime.urls()] == [str(card)]
    assert cart.drop_mime(win.offload_page.queue_panel.tree, mime)
    job = win.queue.jobs[0]
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert job.camera == "sony" and job.reel == "B002"
    # dropping the same card while it is queued again is refused with a notice, not a second job
    assert cart.drop_folders(win.offload_page.queue_panel.tree, [card])
    job2 = win.queue.jobs[-1]
    qtbot.waitUntil(lambda: job2.state == JobState.COMPLETED, timeout=LONG)
    assert job2.known_summary and "already offloaded on" in job2.known_summary


@pytest.mark.slow
def test_pause_stops_progress_and_resume_completes(cart, qtbot):
    big = generate_benchmark_card(cart.tmp / "big", total_bytes=300_000_000, small_files=40).root
    win = cart.window()
    qp = win.offload_page.queue_panel
    [job] = win.offload_page.offload([str(big)])
    qtbot.waitUntil(lambda: job.progress is not None and job.progress.work_done > 0, timeout=LONG)
    qp.select(job)
    qtbot.mouseClick(qp.pause_button, Qt.MouseButton.LeftButton)
    assert job.state == JobState.PAUSED and job.cancel.paused
    assert cart.job_row_text(win, job)[1] == "paused"
    # chunks already queued to the writers drain (and the last progress report arrives), then nothing moves
    previous = -1
    for _ in range(30):
        qtbot.wait(400)  # the event loop keeps running: the window polls progress every 100 ms
        if job.progress.work_done == previous:
            break
        previous = job.progress.work_done
    else:
        pytest.fail("progress did not stop after pause")
    stopped = job.progress.work_done
    qtbot.wait(1500)  # the engine must not move while paused
    assert job.progress.work_done == stopped
    assert stopped < job.progress.work_total
    assert _children_states(win, job) == ["paused", "paused"]
    assert qp.resume_button.isEnabled() and not qp.pause_button.isEnabled()
    win.action_pause.trigger()  # Ctrl+P: the keyboard shortcut's action
    assert job.state == JobState.RUNNING
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert job.result.ok and job.result.files == job.files


@pytest.mark.slow
def test_cancel_then_retry_finishes_and_skips_verified_files(cart, qtbot):
    big = generate_benchmark_card(cart.tmp / "big", total_bytes=200_000_000, small_files=40).root
    win = cart.window()
    qp = win.offload_page.queue_panel
    [job] = win.offload_page.offload([str(big)])
    qtbot.waitUntil(lambda: job.progress is not None and job.progress.destinations
                    and min(d.files_verified for d in job.progress.destinations) > 3, timeout=LONG)
    qp.select(job)
    qtbot.mouseClick(qp.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == JobState.CANCELLED, timeout=LONG)
    assert "stopped by the user" in job.headline and "Retry" in job.advice
    assert qp.retry_button.isEnabled()
    qtbot.mouseClick(qp.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert sum(d.skipped for d in job.result.destinations) > 0  # files verified before the cancel were kept


@pytest.mark.slow
def test_cancelled_job_is_recorded_cancelled_and_not_offered_for_resume(cart, qtbot):
    big = generate_benchmark_card(cart.tmp / "big", total_bytes=150_000_000, small_files=30).root
    win = cart.window()
    [job] = win.offload_page.offload([str(big)])
    qtbot.waitUntil(lambda: job.progress is not None and job.progress.bytes_read > 20_000_000, timeout=LONG)
    win.queue.cancel(job)
    qtbot.waitUntil(lambda: job.state == JobState.CANCELLED, timeout=LONG)
    cart.close(win)
    statuses = [j.status for j in status_service.history(cart.catalogs[0], "")]
    assert statuses == ["cancelled"]
    win2 = cart.window()
    qtbot.wait(1500)  # the start-up recovery query has run
    assert win2.queue.jobs == [] and not any("interrupted" in t for t, _x, _k in win2.notifications)


def test_preflight_problems_are_told_in_words(cart, qtbot):
    missing = cart.tmp / "RAID-C"  # a drive not mounted, or a folder renamed away: never created (issue 9 case 4)
    win = cart.window()
    win.offload_page.destinations.remove_selected()  # nothing selected: no change
    win.state.update(destinations=[*win.state.settings.destinations[:1]])
    win.offload_page.destinations.add_destination(str(missing))
    card = cart.card("arri")
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.ERROR, timeout=LONG)
    assert card.name in job.headline and "RAID-C is not mounted" in job.headline
    assert not missing.exists() and not any(cart.dests[0].iterdir())
    assert job.advice  # what to do
    title, text, kind = win.notifications[-1]
    assert kind == "error" and card.name in title and "What to do:" in text
    notice = win.notices.notices[0]
    assert not notice.details_button.isHidden() and notice.details  # details available
    # and with no destination at all the card is not queued, with the reason
    win.state.update(destinations=[])
    assert win.offload_page.offload([str(card)]) == []
    assert "no destination" in win.notifications[-1][1]


def test_jobs_sharing_a_volume_run_in_order_and_disjoint_ones_in_parallel():
    def job(state, *vols):
        j = OffloadJob(request=OffloadRequest(Path("/c"), [Path("/d")]), label="x")
        j.state, j.resources = state, frozenset(vols)
        return j

    a = job(JobState.RUNNING, "raid")
    b = job(JobState.QUEUED, "raid")
    c = job(JobState.QUEUED, "shuttle")
    d = job(JobState.QUEUED, "shuttle", "lto")
    e = job(JobState.QUEUED, "ssd")
    assert runnable([a, b, c, d, e]) == [c, e]  # b waits for a; d waits for c (earlier in the queue)
    a.state = JobState.COMPLETED
    assert runnable([a, b, c, d, e]) == [b, c, e]
    assert runnable([a, d, c, b, e]) == [d, b, e]  # reordered: d before c on the shuttle drive
    a.state = JobState.PAUSED  # a paused job keeps its drive
    assert runnable([a, b]) == []


def test_reorder_moves_queued_jobs(cart, qtbot):
    win = cart.window(start=False)
    qp = win.offload_page.queue_panel
    cards = [cart.card("arri", reel=r, seed=i) for i, r in enumerate(("A001", "A002", "A003"))]
    jobs = win.offload_page.offload([str(c) for c in cards])
    assert [j.label for j in win.queue.jobs] == [c.name for c in cards]
    qtbot.waitUntil(lambda: all(j.state == JobState.COMPLETED for j in jobs), timeout=LONG)
    qp.select(jobs[2])
    qtbot.mouseClick(qp.up_button, Qt.MouseButton.LeftButton)
    assert [j.label for j in win.queue.jobs] == [jobs[0].label, jobs[2].label, jobs[1].label]
    top = [qp.tree.topLevelItem(i).text(0).split(" ·")[0] for i in range(qp.tree.topLevelItemCount())]
    assert top == [jobs[0].label, jobs[2].label, jobs[1].label]
    assert qp.selected_job() is jobs[2]
    assert win.queue.clear_finished() == 3 and qp.tree.topLevelItemCount() == 0


def test_rate_meter_smooths_and_cancel_token_pauses():
    m = RateMeter(alpha=0.5, min_dt=0.5)
    assert m.update(0, now=0.0) == 0.0
    assert m.update(100, now=0.2) == 0.0  # too soon
    assert m.update(1000, now=1.0) == pytest.approx(1000.0)
    assert m.update(3000, now=2.0) == pytest.approx(1500.0)
    t = CancelToken()
    t.pause()
    assert t.paused
    t.cancel()
    assert not t.paused and t.cancelled  # cancel wakes a paused engine


def _record_tiles(win, job) -> list[tuple[str, str]]:
    """Every (word, kind) the job's card tile shows, recorded at each queue signal and poll."""
    seen: list[tuple[str, str]] = []
    tiles = win.offload_page.tiles

    def look(*_a) -> None:
        t = tiles.tile(job)
        if t is not None and (not seen or seen[-1] != (t.word_text, t.kind)):
            seen.append((t.word_text, t.kind))

    win.queue.changed.connect(look)
    win.queue.polled.connect(look)
    look()
    return seen


def test_card_tile_turns_from_copying_to_safe_and_offers_eject(cart, qtbot):
    win = cart.window()
    page = win.offload_page
    assert not page.tiles.isVisible()  # no card yet: no empty strip
    [job] = page.offload([str(cart.card("arri"))])
    seen = _record_tiles(win, job)
    assert page.tiles.isVisible()
    tile = page.tiles.tile(job)
    assert not tile.eject.isVisible()
    qtbot.waitUntil(lambda: job.verdict is not None and tile.word_text == "SAFE TO FORMAT", timeout=LONG)
    assert tile.kind == "ok" and tile.eject.isVisible()
    assert job.verdict.safe  # the tile's word is THE verdict, read from the catalog
    words = [w for w, _k in seen]
    assert words[-1] == "SAFE TO FORMAT"
    assert "COPYING" in words or "WAITING" in words  # it showed the job before it showed the card safe
    assert all(k != "ok" for w, k in seen[:-1] if w != "SAFE TO FORMAT")
    # after the end: the average speed and the duration stay on the card row
    row = cart.job_row_text(win, job)
    assert row[3].startswith("avg ") and row[4].startswith("took ")
    assert row[5] == f"{job.files}/{job.files} ✓"


def test_card_tile_of_a_not_safe_card_is_never_green(cart, qtbot):
    """Three copies needed, two destinations: the job completes, the card is NOT SAFE; the tile never shows a
    green colour or the SAFE word, during or after."""
    win = cart.window(min_copies=3)
    page = win.offload_page
    [job] = page.offload([str(cart.card("arri"))])
    seen = _record_tiles(win, job)
    qtbot.waitUntil(lambda: page.warning is not None and page.warning.isVisible(), timeout=LONG)
    copy = next(b for b in page.warning.buttons() if b.text() == "Copy anyway")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED and job.verdict is not None, timeout=LONG)
    tile = page.tiles.tile(job)
    qtbot.waitUntil(lambda: tile.word_text == "NOT SAFE", timeout=10_000)
    assert not job.verdict.safe and tile.kind == "warn"
    assert "copies" in tile.reason_text or "cop" in tile.reason_text
    assert not tile.eject.isVisible()
    assert all(k != "ok" and "SAFE TO FORMAT" not in w for w, k in seen)


def test_card_files_column_never_shows_zero_verified_before_a_file_is_verified(cart, qtbot):
    win = cart.window()
    [job] = win.offload_page.offload([str(cart.card("arri"))])
    texts: list[str] = []

    def look(*_a) -> None:
        item = win.offload_page.queue_panel.items.get(job.uid)
        if item is not None:
            texts.extend(item.child(i).text(5) for i in range(item.childCount()))
            texts.append(item.text(5))

    win.queue.polled.connect(look)
    win.queue.changed.connect(look)
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    look()
    assert not any(t.startswith("0/") for t in texts)
    # card figures agree with its destinations': the card row is its slowest destination
    fig = job.figures()
    assert fig.fraction == min(d.fraction for d in job.destinations)


def test_cascade_and_source_verification_are_in_the_destination_set(cart, qtbot):
    import json

    from sqlalchemy import select

    from pixm_desktop.store.models import Job

    win = cart.window()
    dp = win.offload_page.destinations
    assert not dp.cascade.isChecked() and not dp.source_verify.isChecked()
    dp.cascade.setChecked(True)
    dp.source_verify.setChecked(True)
    assert win.state.settings.cascade and win.state.settings.source_verify
    [job] = win.offload_page.offload([str(cart.card("arri"))])
    assert job.request.cascade and job.request.source_verify
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED and job.verdict is not None, timeout=LONG)
    assert job.verdict.safe
    with win.state.catalog.session() as s:
        options = json.loads(s.scalars(select(Job)).one().options)
    assert options.get("cascade") is True and options.get("source_verify") is True
