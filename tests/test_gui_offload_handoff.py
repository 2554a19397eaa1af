"""Through the real window (issue 20): the queue hands the card as it read it to the offload's child process,
which uses it — and a card changed while its job waited in the queue is read again by the child and offloaded
as it is now. Job logs and trees compared; no timing."""

from __future__ import annotations

from pixm_desktop.gui.jobs import JobState
from pixm_desktop.services.offload_handoff import HandedOffload
from support.cards import tree, write
from support.catalog import job_row

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

LONG = 120_000  # ms: a ceiling for slow CI disks; waits end as soon as the condition holds


def _copies(cart, card) -> list[dict]:
    return [tree(next(d.rglob(card.name))) for d in cart.dests]


def test_the_queue_hands_its_reading_of_the_card_to_the_child(cart, qtbot):
    win = cart.window()
    card = cart.card("arri")
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert isinstance(job.run_options, HandedOffload)
    assert "the card as read when queued (unchanged since)" in job_row(cart.catalog_path, job.catalog_job_id).log
    assert _copies(cart, card) == [tree(card)] * 2


def test_a_file_added_while_the_job_waited_is_offloaded_too(cart, qtbot, monkeypatch):
    win = cart.window()
    card = cart.card("arri")
    queue = win.queue
    monkeypatch.setattr(queue, "schedule", lambda: None)  # the job waits in the queue (a busy drive)
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.QUEUED, timeout=LONG)
    files = job.files
    write(card / "LATE.txt", b"a file written after the card was queued")
    monkeypatch.undo()
    queue.schedule()
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert job.result.files == files + 1
    assert "the card changed after it was queued: read again" in job_row(cart.catalog_path,
                                                                         job.catalog_job_id).log
    assert _copies(cart, card) == [tree(card)] * 2
    qtbot.waitUntil(lambda: job.verdict is not None, timeout=10_000)
    assert cart.job_row_text(win, job)[1] == "complete — SAFE TO FORMAT"
