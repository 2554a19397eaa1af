"""What every page shares: the catalog, the background runner, the offload settings (saved on change)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from pixm_desktop.gui.runner import JobRunner
from pixm_desktop.gui.settings_store import load_settings, save_settings, settings_json, write_settings_file
from pixm_desktop.services.jobs.supervisor import ServiceProcess
from pixm_desktop.services.settings import Catalog, OffloadSettings

SAVE_DELAY_MS = 300


class AppState(QObject):
    """Shared state of one window. ``settings_changed`` fires after every saved change."""

    settings_changed = Signal()
    catalog_changed = Signal()  # something wrote to the catalog (a job or a re-verify finished)
    clips_changed = Signal()  # clips were ingested, probed or logged (browser, logger and reports reload)

    def __init__(self, catalog: Catalog, runner: JobRunner, qsettings: QSettings, parent: QObject | None = None):
        super().__init__(parent)
        self.catalog = catalog
        self.runner = runner
        self.qsettings = qsettings
        self.settings: OffloadSettings = load_settings(qsettings)
        self.services = ServiceProcess(catalog)  # reports are laid out there, not in the window's process
        self._save = QTimer(self)
        self._save.setSingleShot(True)
        self._save.setInterval(SAVE_DELAY_MS)
        self._save.timeout.connect(self._write)

    def update(self, **changes) -> None:
        """Change settings fields, tell the pages; the file is written shortly after, off the GUI thread
        (writing it syncs to a disk that an offload keeps busy: that can take a while)."""
        for k, v in changes.items():
            if not hasattr(self.settings, k):
                raise AttributeError(k)
            setattr(self.settings, k, v)
        self._save.start()
        self.settings_changed.emit()

    def _write(self) -> None:
        self.runner.submit(write_settings_file, self.qsettings.fileName(), self.qsettings.format(),
                           settings_json(self.settings), lane="io", name="save settings")

    def flush(self) -> None:
        """Write pending changes now, on this thread (at shutdown)."""
        if self._save.isActive():
            self._save.stop()
            save_settings(self.qsettings, self.settings)
