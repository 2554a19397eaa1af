"""Sources: cards appear by themselves under the watched mount roots, are recognised and known by content."""

from __future__ import annotations

import os
import shutil
import time

from PySide6.QtCore import Qt

from pixm_desktop.core.model import SourceFile
from pixm_desktop.engine.scan import CardScan
from pixm_desktop.gui.jobs import JobState
from pixm_desktop.gui.pages.offload import INFO_ROLE
from pixm_desktop.services.samples import make_card
from pixm_desktop.services.sources import count_clips, inspect_source, list_mounted

pytest_plugins = ["support.gui"]  # the cart and no_thread_leaks fixtures

LONG = 120_000


def _texts(src) -> list[str]:
    return [src.list.item(i).data(INFO_ROLE) or "" for i in range(src.list.count())]


def test_card_mounted_under_a_watched_root_appears_within_two_seconds(cart, qtbot):
    win = cart.window()
    src = win.offload_page.sources
    qtbot.waitUntil(lambda: src._first_scan_done, timeout=5_000)
    assert src.list.count() == 0 and not src.empty_hint.isHidden()
    card = cart.card("sony", reel="B002")
    t0 = time.monotonic()
    mounted = cart.mount(card)
    qtbot.waitUntil(lambda: any("reel B002" in t for t in _texts(src)), timeout=2_000)
    seen_after = time.monotonic() - t0
    [text] = _texts(src)
    assert text.splitlines()[0].startswith(card.name) and "reel B002" in text
    assert "3 clips" in text and "new card" in text
    assert seen_after < 2.0
    # offload it with the Offload button; the card then says where it went and that it is safe
    src.list.setCurrentRow(0)
    qtbot.mouseClick(src.offload_button, Qt.MouseButton.LeftButton)
    [job] = win.queue.jobs
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    qtbot.waitUntil(lambda: "already offloaded on" in _texts(src)[0], timeout=10_000)
    text = _texts(src)[0]
    assert "SAFE TO FORMAT" in text and str(cart.dests[0]) in text
    assert src.eject_button.isEnabled()  # safe: eject offered (the folder is not a mount, so eject would say so)
    # the card is pulled: it disappears from Sources
    shutil.rmtree(mounted)
    qtbot.waitUntil(lambda: src.list.count() == 0, timeout=2_000)


def test_a_copy_of_a_known_card_is_recognised_by_content_not_by_name(cart, qtbot):
    win = cart.window()
    src = win.offload_page.sources
    card = cart.card("arri")
    [job] = win.offload_page.offload([str(card)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    copy = cart.tmp / "elsewhere" / card.name
    shutil.copytree(card, copy)  # same names, sizes, mtimes and bytes
    assert cart.drop_folders(src.list, [copy])
    qtbot.waitUntil(lambda: src.list.count() == 1 and "already offloaded on" in _texts(src)[0], timeout=10_000)
    other = make_card(cart.tmp / "other", "arri", seed=7).root  # same label A001…, different content
    assert cart.drop_folders(src.list, [other])
    qtbot.waitUntil(lambda: src.list.count() == 2 and all("reading" not in t for t in _texts(src)), timeout=10_000)
    texts = {t.splitlines()[0].split()[0]: t for t in _texts(src)}
    assert any("new card" in t for t in texts.values())


def test_auto_offload_queues_new_cards(cart, qtbot):
    win = cart.window(auto_offload=True)
    src = win.offload_page.sources
    assert src.auto.isChecked()
    qtbot.waitUntil(lambda: src._first_scan_done, timeout=5_000)
    cart.mount(cart.card("gopro", reel="G001"))
    qtbot.waitUntil(lambda: len(win.queue.jobs) == 1, timeout=5_000)
    job = win.queue.jobs[0]
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert job.camera == "gopro"


def test_list_mounted_skips_hidden_empty_nested_roots_and_destinations(tmp_path):
    media = tmp_path / "media"
    user = media / "loader"
    (user / "A001R1AB" / "clip").mkdir(parents=True)
    (media / "RAID").mkdir()
    (media / "RAID" / "x").write_bytes(b"")
    (media / ".hidden" / "x").mkdir(parents=True)
    (media / "empty").mkdir()
    (media / "file.txt").write_bytes(b"")
    os.symlink("/", media / "Macintosh HD")
    found = list_mounted([user, media, tmp_path / "missing"], exclude=[media / "RAID" / "backups"])
    assert [p.name for p in found] == ["A001R1AB"]  # RAID holds a destination; loader is a root itself


def test_inspect_source_recognises_layouts(tmp_path):
    for camera, reel, clips in (("arri", "A004", 3), ("red", "B007", 3), ("sony", "C002", 3),
                                ("sound", "S012", 3)):
        root = make_card(tmp_path / camera, camera, reel=reel).root
        info = inspect_source(root)
        assert (info.camera, info.reel, info.clips) == (camera, reel, clips), (camera, info)
        assert info.files >= clips and info.total_bytes > 0 and len(info.fingerprint) == 32


def test_count_clips_ignores_proxies():
    scan = CardScan(root=None, files=[SourceFile(p.encode(), 1, 0) for p in (
        "XDROOT/Clip/A001C001_180312R8.MXF", "XDROOT/Sub/A001C001_180312R8S03.MP4",
        "XDROOT/Clip/A001C001_180312R8M01.XML", "._A001.MXF")])
    assert count_clips(scan) == 1


def test_a_card_follows_its_own_offload_live_and_after_f5(cart, qtbot):
    win = cart.window()
    src = win.offload_page.sources
    mounted = cart.mount(cart.card("sony", reel="B002"))
    qtbot.waitUntil(lambda: any("new card" in t for t in _texts(src)), timeout=5_000)
    seen: list[str] = []
    win.queue.changed.connect(lambda _j: seen.append(_texts(src)[0]))
    [job] = win.offload_page.offload([str(mounted)])
    qtbot.waitUntil(lambda: job.state == JobState.COMPLETED, timeout=LONG)
    assert any("in the offload queue" in t for t in seen)  # not "new card" while its own job runs
    assert not any("new card" in t for t in seen)
    qtbot.waitUntil(lambda: "SAFE TO FORMAT" in _texts(src)[0], timeout=10_000)
    src.refresh_known()  # what F5 does for Sources (the window's F5 also reloads the other pages)
    qtbot.wait(200)
    qtbot.waitUntil(lambda: "SAFE TO FORMAT" in _texts(src)[0] and "new card" not in _texts(src)[0],
                    timeout=10_000)


def test_the_template_preview_follows_the_selected_card(cart, qtbot):
    win = cart.window()
    src, dp = win.offload_page.sources, win.offload_page.destinations
    assert "an example card" in dp.preview.text()
    cart.mount(cart.card("sony", reel="B002"))
    cart.mount(cart.card("arri", reel="A007"))
    qtbot.waitUntil(lambda: len(src.infos) == 2, timeout=5_000)
    for i in range(src.list.count()):
        src.list.setCurrentRow(i)
        info = src.selected_info()
        assert info.label in dp.preview.text() and "A001R1AB" not in dp.preview.text()
        assert "an example card" not in dp.preview.text()
        assert f"/{info.camera.upper()}/" in dp.preview.text()


def test_added_folders_and_waiting_cards_come_back_after_a_restart(cart, qtbot):
    win = cart.window(min_copies=3)  # two destinations cannot make it safe: the job waits for the answer
    src, page = win.offload_page.sources, win.offload_page
    folder = cart.card("arri", reel="A009")
    assert cart.drop_folders(src.list, [folder])
    waiting = cart.card("sony", reel="B003")
    [job] = page.offload([str(waiting)])
    qtbot.waitUntil(lambda: page.warning is not None and page.warning.isVisible(), timeout=LONG)
    assert job.state == JobState.PREPARING
    cart.close(win)
    win2 = cart.window()
    src2 = win2.offload_page.sources
    qtbot.waitUntil(lambda: os.path.realpath(folder) in src2.items, timeout=5_000)
    assert [j.source for j in win2.queue.jobs] == [str(waiting)]  # back in the queue, not started
    qtbot.waitUntil(lambda: win2.offload_page.warning is not None, timeout=LONG)  # and asked again
    win2.offload_page.warning.reject()
    qtbot.waitUntil(lambda: win2.queue.jobs[0].state == JobState.CANCELLED, timeout=10_000)


def test_a_volume_that_is_not_a_camera_card_is_hidden_or_listed_apart(cart, qtbot):
    win = cart.window(auto_offload=True)
    src = win.offload_page.sources
    qtbot.waitUntil(lambda: src._first_scan_done, timeout=5_000)
    other = cart.mount_root / "BACKUP_STUFF"
    (other / "docs").mkdir(parents=True)
    (other / "docs" / "notes.txt").write_text("not a card")
    card = cart.mount(cart.card("sony", reel="B002"))
    qtbot.waitUntil(lambda: len(src.infos) == 2, timeout=5_000)
    key = os.path.realpath(other)
    assert key in src.other and src.items[key].isHidden()  # hidden by default …
    assert not src.items[os.path.realpath(card)].isHidden()
    qtbot.waitUntil(lambda: len(win.queue.jobs) == 1, timeout=5_000)
    assert [j.source for j in win.queue.jobs] == [str(card)]  # … and never auto-offloaded
    src.other_toggle.setChecked(True)  # shown apart, under its header, below the cards
    assert not src.items[key].isHidden()
    rows = {src.list.row(src.items[key]), src.list.row(src.other_header), src.list.row(src.items[os.path.realpath(card)])}
    assert src.list.row(src.items[os.path.realpath(card)]) < src.list.row(src.other_header) < src.list.row(src.items[key])
    assert len(rows) == 3
    qtbot.waitUntil(lambda: all(j.state == JobState.COMPLETED for j in win.queue.jobs), timeout=LONG)
