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
