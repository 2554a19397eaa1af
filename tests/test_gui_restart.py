"""Restart: a job left ``running`` by a killed process is offered for resume and resumes to completed; settings
and window layout come back between runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import Qt

from pixm_desktop.gui.jobs import JobState
from pixm_desktop.samples.samplecard import generate_benchmark_card
from pixm_desktop.services import catalog as catalog_views
from pixm_desktop.services import status as status_service
from pixm_desktop.services.settings import open_catalog

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

LONG = 90_000


@pytest.mark.slow
def test_job_left_running_by_a_killed_process_is_offered_for_resume_and_completes(cart, qtbot):
    big = generate_benchmark_card(cart.tmp / "big", total_bytes=400_000_000, small_files=60).root
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    # a separate process offloads the card and freezes mid-copy once some copies are verified in the catalog;
    # then it is killed -9: its job row stays 'running' with a dead pid, exactly what a crash leaves
    crasher = textwrap.dedent(f"""
        import threading, time
        from pathlib import Path
        from pixm_desktop.core.model import CancelToken
        from pixm_desktop.services import status
        from pixm_desktop.services.offload import OffloadRequest, OffloadService
        from pixm_desktop.services.settings import open_catalog
        catalog = open_catalog({str(cart.catalog_path)!r})
        service = OffloadService(catalog)
        prepared = service.prepare(OffloadRequest(Path({str(big)!r}), [Path(d) for d in {[str(d) for d in cart.dests]!r}]))
        token = CancelToken()
        threading.Thread(target=service.run, args=(prepared,), kwargs={{"cancel": token}}, daemon=True).start()
        while True:
            cards = status.card_statuses(catalog, distinct_drives=False)
            if cards and cards[0].destinations and min(d.verified for d in cards[0].destinations) > 0:
                token.pause()
                print("FROZE", [d.verified for d in cards[0].destinations], cards[0].files, flush=True)
                break
            if cards and cards[0].last_job_status == "completed":
                print("TOO LATE", flush=True)
                break
            time.sleep(0.02)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", crasher], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert line.startswith("FROZE"), line
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
    try:
        qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    except Exception:  # say where it stood: the flaky failure this test once had left no trace
        p = job.progress
        pytest.fail(f"resumed job not completed: state {job.state.value}, headline {job.headline!r}, advice "
                    f"{job.advice!r}, progress {p and (p.phase, p.bytes_read, p.total_bytes, p.files_done)}, "
                    f"runner tasks {[t.name for t in win.runner._open.values()]}")
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
    win.show_page("history")
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
    assert win2.current_page() == "history" and win2.stack.currentWidget() is win2.history_page
    # the offscreen screen is 800×800: Qt fits a restored window onto the screen, so compare the height
    assert abs(win2.height() - 700) <= 30 and win2.width() >= win2.minimumSizeHint().width()
    assert win2.verification_page.splitter.sizes() == sizes
