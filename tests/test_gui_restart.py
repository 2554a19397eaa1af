"""Restart: a job left ``running`` by a killed process is offered for resume and resumes to completed; settings
and window layout come back between runs."""

from __future__ import annotations

import signal
import subprocess

import pytest
from PySide6.QtCore import Qt

from conftest import BIN
from pixm_desktop.gui.jobs import JobState
from pixm_desktop.media.samplecard import generate_benchmark_card
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import status as status_service
from pixm_desktop.services.settings import open_catalog

pytest_plugins = ["gui_support"]  # the cart and no_thread_leaks fixtures

LONG = 180_000


@pytest.mark.slow
def test_job_left_running_by_a_killed_process_is_offered_for_resume_and_completes(cart, qtbot):
    big = generate_benchmark_card(cart.tmp / "big", total_bytes=400_000_000, small_files=60).root
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    cmd = [str(BIN / "pixm"), "offload", str(big), "--catalog", str(cart.catalog_path), "--quiet"]
    for d in cart.dests:
        cmd += ["--dest", str(d)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def copying() -> bool:
            """Mid-copy: the child's job runs and some, not most, files are verified. (A kill while the ASC MHL
            is being written leaves an ascmhl/ folder without a generation, which later offloads of the card
            trip over: reported to the offload service's owner; this test crashes the copy, not that step.)"""
            assert proc.poll() is None, "the offload finished before it could be killed"
            cards = status_service.card_statuses(catalog, min_copies=2, distinct_drives=False)
            if not cards or not cards[0].destinations or cards[0].last_job_status != "running":
                return False
            done = [d.verified for d in cards[0].destinations]
            assert max(done) < cards[0].files * 0.8, "too late to kill: the copy is nearly done"
            return min(done) > 0

        qtbot.waitUntil(copying, timeout=LONG)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    [row] = catalog_views.jobs(catalog)
    assert row["status"] == "running"  # what a crash leaves behind

    win = cart.window()
    qtbot.waitUntil(lambda: len(win.queue.jobs) == 1, timeout=10_000)
    job = win.queue.jobs[0]
    assert job.state == JobState.INTERRUPTED and job.resumed_job_id == row["id"] and job.label == big.name
    assert cart.job_row_text(win, job)[1] == "interrupted"
    assert "crash" in job.headline and "Resume" in job.advice
    assert any("interrupted offload" in t for t, _x, _k in win.notifications)
    assert catalog_views.jobs(catalog)[0]["status"] == "interrupted"
    qp = win.offload_page.queue_panel
    qp.select(job)
    assert qp.resume_button.isEnabled()
    qtbot.mouseClick(qp.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert job.result.ok and [str(d.card_path) for d in job.result.destinations] == [
        d.card_path for d in job.destinations]
    assert sum(d.skipped for d in job.result.destinations) > 0  # what the killed run verified was kept
    assert status_service.interrupted_jobs(catalog) == []  # superseded by the completed job
    cart.close(win)
    again = cart.window()  # a second start offers nothing to resume
    qtbot.waitUntil(lambda: again.verification_page.cards.count() == 1, timeout=10_000)
    assert again.queue.jobs == []


def test_settings_and_layout_are_restored_between_runs(cart, qtbot):
    win = cart.window()
    dp = win.offload_page.destinations
    dp.template.setText("{project}/{reel}/{card}")
    dp.project.setText("Big Film")
    dp.table.item(1, 0).setCheckState(Qt.CheckState.Unchecked)  # the shuttle drive is optional
    win.settings_page.min_copies.setValue(3)
    win.show_page(2)
    win.resize(1234, 700)
    win.verification_page.splitter.setSizes([420, 900])
    sizes = win.verification_page.splitter.sizes()
    assert dp.preview.text().startswith(str(cart.dests[0] / "Big Film" / "A001" / "A001R1AB"))
    cart.close(win)
    win2 = cart.window()
    dp2 = win2.offload_page.destinations
    assert dp2.template.text() == "{project}/{reel}/{card}" and dp2.project.text() == "Big Film"
    assert [d.required for d in win2.state.settings.destinations] == [True, False]
    assert dp2.table.item(1, 0).checkState() == Qt.CheckState.Unchecked
    assert win2.settings_page.min_copies.value() == 3
    assert win2.stack.currentIndex() == 2 and win2.nav.currentRow() == 2
    # the offscreen screen is 800×800: Qt fits a restored window onto the screen, so compare the height
    assert abs(win2.height() - 700) <= 30 and win2.width() >= win2.minimumSizeHint().width()
    assert win2.verification_page.splitter.sizes() == sizes
