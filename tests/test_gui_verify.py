"""The verification view: counts per destination, failures with reasons, re-verify, the safe-to-format rule,
eject."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pixm_desktop.gui.jobs import JobState
from pixm_desktop.services import eject as eject_service

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

LONG = 120_000


def _dest_rows(vp) -> list[list[str]]:
    t = vp.dest_table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def _visible_files(vp) -> list[list[str]]:
    m = vp.model
    return [[m.cell(r, c) for c in range(m.columnCount())] for r in range(m.rowCount())]


def test_flipped_byte_found_by_reverify_is_listed_with_its_reason_and_retry_repairs_it(cart, qtbot):
    win = cart.window()
    card = cart.card("arri")
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    win.show_page("verification")
    vp = win.verification_page
    qtbot.waitUntil(lambda: vp.current is not None and vp.badge.safe is True, timeout=10_000)
    # bit rot on the first destination: one byte of the largest clip
    copy_root = Path(job.destinations[0].card_path)
    clip = max((p for p in copy_root.rglob("*.mov")), key=lambda p: p.stat().st_size)
    cart.flip_byte(clip)
    vp.dest_table.selectRow(0)
    assert vp.reverify_button.isEnabled()
    qtbot.mouseClick(vp.reverify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: vp.current.destinations[0].failed == 1, timeout=LONG)
    rows = _dest_rows(vp)
    assert rows[0][5] == "1" and "1 failed" in rows[0][6]  # Failed column and state words
    assert rows[1][5] == "0" and rows[1][6] == "all verified"
    # a failed copy on a required destination: the card's verdict is FAILED, with the file and why
    assert vp.badge.safe is False and vp.badge.label.startswith("FAILED — NOT SAFE TO FORMAT")
    assert "1 file failed on " in vp.badge.label and "RAID-A" in vp.badge.label and clip.name in vp.badge.label
    assert vp.badge.text.objectName() == "badgeUnsafe"
    qtbot.mouseClick(vp.failures_only, Qt.MouseButton.LeftButton)
    assert vp.failures_only.isChecked()
    [row] = _visible_files(vp)
    name, dest, state, reason = row
    assert name == str(clip.relative_to(copy_root)) and dest == "RAID-A" and state == "failed"
    assert vp.model.data(vp.model.index(0, 1), Qt.ItemDataRole.ToolTipRole) == str(copy_root)
    assert reason.startswith("re-verify: failed") and "expected xxh64" in reason and "found xxh64" in reason
    assert any("re-verify found problems" in t for t, _x, _k in win.notifications)
    vp.filter.setText("no-such-file")
    assert vp.model.rowCount() == 0
    vp.filter.clear()
    # Retry = run the offload again: the known-bad copy is replaced, the rest is skipped
    [again] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: again.state == JobState.COMPLETED, timeout=LONG)
    # the badge and the failure list follow the catalog (a refresh asked for during a read is not lost)
    qtbot.waitUntil(lambda: vp.badge.safe is True and vp.model.rowCount() == 0, timeout=10_000)
    assert again.result.destinations[0].skipped == again.result.files - 1


def test_reverify_of_a_missing_destination_folder_says_what_to_do(cart, qtbot):
    win = cart.window()
    card = cart.card("arri")
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    win.show_page("verification")
    vp = win.verification_page
    qtbot.waitUntil(lambda: vp.current is not None and vp.dest_table.rowCount() == 2, timeout=10_000)
    Path(job.destinations[1].card_path).rename(cart.tmp / "unplugged")
    vp.dest_table.selectRow(1)
    qtbot.mouseClick(vp.reverify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not there" in vp.reverify_status.text(), timeout=LONG)
    title, text, kind = win.notifications[-1]
    assert kind == "error" and card.name in title and "connect the drive" in text


def test_eject_of_a_plain_folder_is_refused_in_words(tmp_path):
    with pytest.raises(eject_service.EjectError) as err:
        eject_service.eject(tmp_path, label="A001R1AB")
    assert "not a mounted card" in str(err.value) and err.value.hint


def test_eject_commands_per_platform_and_failure_words():
    vol = eject_service.MountedVolume("/media/loader/A001", "/dev/sdb1", "exfat")
    have = lambda name: f"/usr/bin/{name}"  # noqa: E731
    assert eject_service.eject_commands(vol, "linux", has=have)[0] == [
        "udisksctl", "unmount", "--no-user-interaction", "-b", "/dev/sdb1"]
    only_umount = lambda name: "/bin/umount" if name == "umount" else None  # noqa: E731
    assert eject_service.eject_commands(vol, "linux", has=only_umount, is_root=True) == [
        ["umount", "/media/loader/A001"]]
    with pytest.raises(eject_service.EjectError, match="udisksctl is not installed"):
        eject_service.eject_commands(vol, "linux", has=only_umount, is_root=False)
    assert eject_service.eject_commands(vol, "darwin") == [["diskutil", "eject", "/media/loader/A001"]]
    win = eject_service.eject_commands(eject_service.MountedVolume("E:\\", "E:\\", "exFAT"), "win32")
    assert win[0][0] == "powershell" and "InvokeVerb('Eject')" in win[0][-1]


def test_eject_reports_a_busy_card(monkeypatch):
    vol = eject_service.MountedVolume("/media/loader/A001", "/dev/sdb1", "exfat")
    monkeypatch.setattr(eject_service, "mounted_volume", lambda p: vol)
    monkeypatch.setattr(eject_service, "eject_commands", lambda v: [["udisksctl", "unmount", "-b", v.device]])

    def busy(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 1, "", "Error unmounting /dev/sdb1: target is busy")

    with pytest.raises(eject_service.EjectError) as err:
        eject_service.eject(vol.mount_point, label="A001", run=busy)
    e = err.value
    assert "A001" in e.message and "still in use" in e.message and "close" in e.hint and "busy" in e.details

    def ok(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 0, "Unmounted /dev/sdb1.", "")

    assert "ejected" in eject_service.eject(vol.mount_point, label="A001", run=ok)


def test_short_names_and_drive_identity():
    from pixm_desktop.services.status import drive_key, short_names

    assert short_names([("/mnt/a/x", "RAID-A"), ("/mnt/b/x", "SHUTTLE")]) == ["RAID-A", "SHUTTLE"]
    assert short_names([("/mnt/a/x", "RAID"), ("/mnt/a/y", "RAID")]) == ["/mnt/a/x", "/mnt/a/y"]  # ambiguous
    assert short_names([("/tmp/x", "/")]) == ["/tmp/x"]
    assert drive_key("/dev/sdb1", "/media/RAID") == "/dev/sdb1"
    assert drive_key("tmpfs", "/mnt/a") != drive_key("tmpfs", "/mnt/b")  # tmpfs: every mount is its own drive
    assert drive_key("E:\\", "E:\\") == "E:\\"


def _icon_is(icon, kind: str) -> bool:
    from pixm_desktop.gui.theme import status_icon

    return icon.cacheKey() == status_icon(kind).cacheKey()


def _button(box, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def test_destinations_on_one_drive_are_questioned_before_the_copy_and_a_complete_job_is_not_green(cart, qtbot):
    """Case 12: with the default rule (distinct drives), two destinations in one folder tree cannot make the card
    safe. The window asks before the first byte moves (Cancel by default: nothing written, no job); "Copy
    anyway" copies, and then every view shows the card NOT SAFE — none paints the complete job green."""
    from sqlalchemy import select

    from pixm_desktop.core.verdict import CardState
    from pixm_desktop.gui.pages.queue_panel import KIND_ROLE, job_kind
    from pixm_desktop.gui.widgets import PROGRESS_KIND_ROLE
    from pixm_desktop.store.models import Job

    for d in cart.dests:
        d.mkdir(exist_ok=True)  # mounted drives: PIXM never creates a destination root
    win = cart.window(distinct_drives=True)
    page = win.offload_page
    card = cart.card("arri")
    [job] = page.offload([str(card)])
    qtbot.waitUntil(lambda: page.warning is not None and page.warning.isVisible(), timeout=LONG)
    box = page.warning
    assert "RAID-A and SHUTTLE-B are on the same drive" in box.informativeText()
    assert "needs 2 verified copies on different drives" in box.informativeText()
    assert box.defaultButton() is _button(box, "Cancel") and box.escapeButton() is _button(box, "Cancel")
    assert job.state == JobState.PREPARING and "waiting for your answer" in job.headline
    qtbot.mouseClick(_button(box, "Cancel"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == JobState.CANCELLED, timeout=10_000)
    assert page.warning is None and "not copied" in job.headline
    assert [list(d.iterdir()) for d in cart.dests] == [[], []]  # nothing written
    with win.state.catalog.session() as s:
        assert s.scalars(select(Job)).all() == []  # no job ran
    # Retry asks again; "Copy anyway" copies
    assert win.queue.retry(job)
    qtbot.waitUntil(lambda: page.warning is not None and page.warning.isVisible(), timeout=LONG)
    qtbot.mouseClick(_button(page.warning, "Copy anyway"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED and job.verdict is not None, timeout=LONG)
    assert job.result.ok  # every file verified on both folders: the JOB is complete …
    v = job.verdict  # … the CARD is not safe
    assert v.state == CardState.NOT_SAFE and "only 1 verified copy of 2 needed" in v.reason
    row = cart.job_row_text(win, job)
    assert row[1].startswith("complete — NOT SAFE: only 1 verified copy of 2 needed")
    item = page.queue_panel.items[job.uid]
    assert job_kind(job) == "warn" and _icon_is(item.icon(1), "warn")
    assert item.data(2, PROGRESS_KIND_ROLE) == "warn"
    assert [item.child(i).data(1, KIND_ROLE) for i in range(2)] == ["done", "done"]  # grey checks, not green
    assert any(t == f"{job.label} complete — NOT SAFE TO FORMAT" and k == "warn" for t, _x, k in win.notifications)
    assert not any(k == "ok" for _t, _x, k in win.notifications)
    assert "NOT SAFE TO FORMAT: only 1 verified copy" in page.queue_panel.detail.text()
    # the same set again this session: not asked again (the job still carries the warning)
    [job2] = page.offload([str(cart.card("sony", reel="B002"))])
    qtbot.waitUntil(lambda: job2.state == JobState.COMPLETED and job2.verdict is not None, timeout=LONG)
    assert page.warning is None and job2.set_accepted
    assert any("same drive" in w for w in job2.warnings) and not job2.verdict.safe
    # Verification: amber badge, grey checks
    win.show_page("verification")
    vp = win.verification_page
    vp.show_card(job.card_id)
    qtbot.waitUntil(lambda: vp.current is not None and vp.current.id == job.card_id, timeout=10_000)
    assert vp.badge.safe is False and vp.badge.label.startswith("NOT SAFE TO FORMAT — only 1 verified copy")
    assert vp.badge.text.objectName() == "badgeWarn"
    assert all(_icon_is(vp.dest_table.item(r, 6).icon(), "done") for r in range(2))
    assert not vp.eject_button.isEnabled()
    # History: the job in words and the card's verdict now; never green
    win.show_page("history")
    hp = win.history_page
    hp.refresh()
    qtbot.waitUntil(lambda: hp.model.rowCount() == 2, timeout=10_000)
    for r in range(2):
        status = hp.model.item(r, 7)
        assert status.text() == "completed · card NOT SAFE" and _icon_is(status.icon(), "warn")
        assert "only 1 verified copy of 2 needed" in hp.model.item(r, 11).text()
    # Reports: the job list says the same
    win.show_page("reports")
    rp = win.reports_page
    rp.refresh()
    qtbot.waitUntil(lambda: rp.jobs.count() == 2, timeout=10_000)
    for r in range(2):
        assert "completed · card NOT SAFE" in rp.jobs.item(r).text() and _icon_is(rp.jobs.item(r).icon(), "warn")


def test_reverify_shows_a_bar_with_percent_and_can_be_cancelled(cart, qtbot):
    from pixm_desktop.core.model import CancelToken

    win = cart.window()
    card = cart.card("arri")
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    win.show_page("verification")
    vp = win.verification_page
    qtbot.waitUntil(lambda: vp.current is not None and vp.dest_table.rowCount() == 2, timeout=10_000)
    vp.dest_table.selectRow(0)
    values: list[int] = []
    vp.reverify_bar.valueChanged.connect(values.append)
    qtbot.mouseClick(vp.reverify_button, Qt.MouseButton.LeftButton)
    assert vp.reverify_bar.isVisible() and vp.reverify_cancel.isVisible() and not vp.reverify_button.isEnabled()
    qtbot.waitUntil(lambda: vp._reverify is None, timeout=LONG)
    assert "verified" in vp.reverify_status.text() and " in " in vp.reverify_status.text()  # the duration stays
    assert not vp.reverify_bar.isVisible() and not vp.reverify_cancel.isVisible()
    assert values == sorted(values)  # the bar only goes forward
    # Cancel before the first file: nothing recorded, the page says so
    qtbot.waitUntil(lambda: vp.reverify_button.isEnabled(), timeout=10_000)
    real = CancelToken.__init__

    def cancelled(self, *a, **k):  # the token of the next re-verify is cancelled at once: no file is read
        real(self, *a, **k)
        self.cancel(by_user=True)

    CancelToken.__init__ = cancelled
    try:
        qtbot.mouseClick(vp.reverify_button, Qt.MouseButton.LeftButton)
    finally:
        CancelToken.__init__ = real
    qtbot.waitUntil(lambda: vp._reverify is None, timeout=LONG)
    assert "stopped — nothing was recorded" in vp.reverify_status.text()
    assert vp.current.destinations[0].verified == vp.current.files  # copy states unchanged
