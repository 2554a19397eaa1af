"""After a verified job the window reads the card's clips, makes thumbnails and writes the offload report, in
a background process, with progress in the status bar; settings switch each part off."""

from __future__ import annotations

import os

from pypdf import PdfReader

from pixm_desktop.gui.jobs import JobState
from pixm_desktop.services import clips as clips_service
from pixm_desktop.services.clips import ClipFilter

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

LONG = 120_000  # ms


def _offload(cart, qtbot, win, card):
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    return job


def test_verified_card_gets_clips_thumbnails_and_an_offload_report(cart, qtbot):
    reports = cart.tmp / "reports"
    win = cart.window(ingest_clips=True, auto_report=True, report_folder=str(reports))
    card = cart.card("arri", clips=3, seconds=1.0)
    seen: list[str] = []
    win.aftercare.changed.connect(lambda: seen.append(win.aftercare_status.text()))
    job = _offload(cart, qtbot, win, card)
    qtbot.waitUntil(lambda: win.aftercare.tasks and win.aftercare.tasks[0].state == "done", timeout=LONG)
    task = win.aftercare.tasks[0]
    assert task.card_id == job.card_id and task.result.ingest.clips == 3
    assert task.updates == 3 + 2  # every clip's progress crossed from the child process
    assert f"{card.name}: reading clips" in seen, seen  # the status bar followed the task
    assert win.aftercare_status.text() == "" and win.aftercare_bar.isHidden()
    rows = clips_service.list_clips(cart.catalogs[0], ClipFilter(card_id=job.card_id))
    assert len(rows) == 3
    assert all(r.probe_status == "ok" and len(r.thumbnails) == 3 for r in rows)
    assert all(os.path.getsize(t) > 1000 for r in rows for t in r.thumbnails)
    # read from a verified destination copy, so the card could go back to the camera
    assert task.result.ingest.read_from_destination
    pdf = task.result.report
    assert pdf and os.path.dirname(pdf) == str(reports)
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert card.name in text and all(r.name in text for r in rows)
    assert any(t == f"{card.name} clips ready" and k == "ok" for t, _x, k in win.notifications)


def test_aftercare_switched_off_reads_nothing(cart, qtbot):
    win = cart.window(ingest_clips=False, auto_report=False)
    job = _offload(cart, qtbot, win, cart.card("arri", clips=2, seconds=0.5))
    qtbot.wait(300)
    assert win.aftercare.tasks == []
    assert clips_service.list_clips(cart.catalogs[0], ClipFilter(card_id=job.card_id)) == []


def test_unwritable_report_folder_is_told_and_clips_still_land(cart, qtbot):
    blocker = cart.tmp / "reports-drive"
    blocker.write_text("a file where the report folder's parent should be")  # fails for root too
    reports = blocker / "reports"
    win = cart.window(ingest_clips=True, auto_report=True, report_folder=str(reports))
    job = _offload(cart, qtbot, win, cart.card("arri", clips=2, seconds=0.5))
    qtbot.waitUntil(lambda: win.aftercare.tasks and win.aftercare.tasks[0].state == "done", timeout=LONG)
    task = win.aftercare.tasks[0]
    assert task.result.report is None and str(blocker) in task.result.report_error
    assert len(clips_service.list_clips(cart.catalogs[0], ClipFilter(card_id=job.card_id))) == 2
    assert any(k == "warn" and "report was not written" in x for _t, x, k in win.notifications)
