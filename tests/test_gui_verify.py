"""The verification view: counts per destination, failures with reasons, re-verify, the safe-to-format rule,
eject."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from pixm_desktop.gui.jobs import JobState
from pixm_desktop.services import eject as eject_service
from pixm_desktop.services.status import DestinationStatus, safe_to_format

pytest_plugins = ["gui_support"]  # the cart and no_thread_leaks fixtures

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
    assert vp.badge.safe is False and vp.badge.label.startswith("NOT SAFE TO FORMAT")
    assert "RAID-A" in vp.badge.label and "1 failed" in vp.badge.label
    qtbot.mouseClick(vp.failures_only, Qt.MouseButton.LeftButton)
    assert vp.failures_only.isChecked()
    [row] = _visible_files(vp)
    name, dest, state, reason = row
    assert name == str(clip.relative_to(copy_root)) and dest == str(copy_root) and state == "failed"
    assert reason.startswith("re-verify: failed") and "expected xxh64" in reason and "found xxh64" in reason
    assert any("re-verify found problems" in t for t, _x, _k in win.notifications)
    vp.filter.setText("no-such-file")
    assert vp.model.rowCount() == 0
    vp.filter.clear()
    # Retry = run the offload again: the known-bad copy is replaced, the rest is skipped
    [again] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: again.state == JobState.COMPLETED, timeout=LONG)
    qtbot.waitUntil(lambda: vp.badge.safe is True, timeout=10_000)
    assert again.result.destinations[0].skipped == again.result.files - 1
    assert vp.model.rowCount() == 0  # failures only: none left


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


def _dest(i, drive, required=True, verified=10, failed=0, total=10):
    return DestinationStatus(i, f"/mnt/{drive}/card{i}", drive, drive, required, total,
                             pending=total - verified - failed, verified=verified, failed=failed)


def test_safe_to_format_rule():
    ok = safe_to_format([_dest(1, "raid"), _dest(2, "shuttle")], 10)
    assert ok.safe and ok.copies == 2
    one = safe_to_format([_dest(1, "raid")], 10)
    assert not one.safe and "only 1 verified copy of 2" in one.reason
    assert safe_to_format([_dest(1, "raid")], 10, min_copies=1).safe
    same = safe_to_format([_dest(1, "raid"), _dest(2, "raid")], 10)
    assert not same.safe and "same drive count once" in same.reason
    assert safe_to_format([_dest(1, "raid"), _dest(2, "raid")], 10, distinct_drives=False).safe
    req = safe_to_format([_dest(1, "raid"), _dest(2, "shuttle"), _dest(3, "lto", verified=7, failed=1)], 10)
    assert not req.safe and "required destination /mnt/lto/card3: 1 failed, 2 pending" in req.reason
    opt = safe_to_format([_dest(1, "raid"), _dest(2, "shuttle"), _dest(3, "lto", required=False, verified=0)], 10)
    assert opt.safe  # an optional destination still copying does not hold the card
    assert not safe_to_format([], 10).safe
    assert not safe_to_format([_dest(1, "raid")], 0).safe


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
