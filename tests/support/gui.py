"""Fixtures and helpers for the GUI tests (pytest-qt, offscreen Qt), loaded with
``pytest_plugins = ["support.gui"]``.

``no_thread_leaks`` fails a test that leaves a Python thread running (napari's leak-checking fixtures), and
``cart`` builds real windows on a catalog, settings file, mount root and destinations in ``tmp_path``, and
shuts each one down (cancel, join every worker) before the leak check runs.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from pixm_desktop.gui.collector import GuiThreadCollector
from pixm_desktop.gui.dnd import folder_mime
from pixm_desktop.gui.settings_store import save_settings
from pixm_desktop.gui.window import CartWindow
from pixm_desktop.services.samples import make_card
from pixm_desktop.services.settings import DestinationSetting, OffloadSettings, open_catalog


@pytest.fixture
def no_thread_leaks(qapp):
    """Fail the test if a thread it started is still alive after its windows were shut down. Garbage is
    collected on the GUI thread only while the test runs, as in the application (``gui.collector``)."""
    before = set(threading.enumerate())
    collector = GuiThreadCollector()
    collector.install()
    yield
    collector.uninstall()
    leaked = [t for t in threading.enumerate()
              if t not in before and t.is_alive() and not isinstance(t, threading._DummyThread)]
    for t in leaked:
        t.join(timeout=5)  # give a finishing worker a moment; a real leak stays alive
    alive = [t.name for t in leaked if t.is_alive()]
    assert not alive, f"threads leaked by the test: {alive}"
    visible = [w for w in QApplication.topLevelWidgets() if isinstance(w, CartWindow) and w.isVisible()]
    assert not visible, f"windows left open: {visible}"


class Cart:
    """Builds windows for a test; every window shares the catalog file and the settings file."""

    def __init__(self, qtbot, tmp_path: Path):
        self.qtbot = qtbot
        self.tmp = tmp_path
        self.catalog_path = tmp_path / "catalog.sqlite"
        self.settings_path = tmp_path / "settings.ini"
        self.mount_root = tmp_path / "media"
        self.mount_root.mkdir(exist_ok=True)
        self.dests = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-B"]
        for d in self.dests:
            d.mkdir(exist_ok=True)  # the drives are mounted: PIXM never creates a destination root
        self.windows: list[CartWindow] = []
        self.catalogs = []

    def window(self, *, destinations: bool = True, start: bool = True, **settings) -> CartWindow:
        """A window on the shared catalog. The first call writes the settings (mount root, destinations and
        ``settings``) before the window is built, as a saved session would; later calls reuse them."""
        catalog = open_catalog(self.catalog_path)
        self.catalogs.append(catalog)
        qs = QSettings(str(self.settings_path), QSettings.Format.IniFormat)
        if not qs.contains("offload/settings"):
            base = OffloadSettings(
                mount_roots=[str(self.mount_root)],
                destinations=[DestinationSetting(str(d)) for d in self.dests] if destinations else [],
                # every tmp folder is on one file system: count each folder as a copy here (the default rule,
                # distinct drives, is tested in test_gui_verify)
                distinct_drives=False,
                # clips and reports after each job are tested in test_gui_aftercare; elsewhere they only cost time
                ingest_clips=False, auto_report=False)
            for k, v in settings.items():
                setattr(base, k, v)
            save_settings(qs, base)
        win = CartWindow(catalog, qs, start=False, use_tray=False)
        self.windows.append(win)
        if not qs.contains("window/geometry"):
            win.resize(1400, 900)
        win.show()
        if start:
            win.start()
        return win

    def close(self, win: CartWindow) -> None:
        """Quit a window as the user would (layout saved, workers joined)."""
        self.windows.remove(win)
        win.close()
        win.shutdown()
        win.deleteLater()

    def card(self, camera: str = "arri", *, reel: str = "A001", seed: int = 0, **options) -> Path:
        """A generated card folder (not under the mount root)."""
        parent = self.tmp / "cards" / f"{camera}-{reel}-{seed}"
        return make_card(parent, camera, reel=reel, seed=seed, **options).root

    def mount(self, card: Path) -> Path:
        """'Insert' a card: move its folder below the watched mount root in one rename."""
        target = self.mount_root / card.name
        shutil.move(str(card), str(target))
        return target

    # helpers, reachable from the fixture so test modules need not import this plugin module
    @staticmethod
    def drop_folders(widget, paths) -> bool:
        return drop_folders(widget, paths)

    @staticmethod
    def drop_mime(widget, mime) -> bool:
        return drop_mime(widget, mime)

    @staticmethod
    def job_row_text(win, job) -> list[str]:
        return job_row_text(win, job)

    @staticmethod
    def flip_byte(path, offset=None) -> None:
        flip_byte(path, offset)

    def teardown(self) -> None:
        for w in self.windows:
            w.shutdown()
            w.close()
            w.deleteLater()  # delivered after the test (support.leaks): a closed window is otherwise kept
        for c in self.catalogs:
            c.close()


@pytest.fixture
def cart(no_thread_leaks, qtbot, tmp_path):
    c = Cart(qtbot, tmp_path)
    yield c
    c.teardown()


def drop_folders(widget: QWidget, paths: list[Path | str]) -> bool:
    """Drop folders on ``widget`` as the file manager would: a real QDragEnterEvent then QDropEvent carrying
    file URLs, sent to the widget (its viewport for item views)."""
    return drop_mime(widget, folder_mime([str(p) for p in paths]))


def drop_mime(widget: QWidget, mime) -> bool:
    target = widget.viewport() if hasattr(widget, "viewport") else widget
    pos = target.rect().center()
    enter = QDragEnterEvent(QPoint(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def job_row_text(win: CartWindow, job) -> list[str]:
    item = win.offload_page.queue_panel.items[job.uid]
    return [item.text(c) for c in range(item.columnCount())]


def flip_byte(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0xFF
    st = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
