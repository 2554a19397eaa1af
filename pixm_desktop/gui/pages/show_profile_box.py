"""Settings → Show profile: the profile installed on this cart, read-only (production, revision, cameras,
sound, copy rule), with Import…, Export… and Validate a file…. Reading, validating and installing run on the
runner; a refused file is shown with its file, line and field and leaves the installed profile unchanged
(``services.show`` installs by an atomic rename only after validation)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import ShowProfileFormatError
from pixm_desktop.core.show import ShowProfile
from pixm_desktop.core.timecode import fps_label
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.widgets import ColumnFitter
from pixm_desktop.services import show as show_service

CAMERA_COLUMNS = ("Camera", "Make / model", "Codec", "Resolution", "FPS", "TC", "Names")


def error_text(exc: BaseException) -> str:
    """One paragraph for a refused profile: the error (which names the file), then line, column and field."""
    text = explain(exc).text()
    if isinstance(exc, ShowProfileFormatError):
        where = [f"line {exc.line}" if exc.line else "", f"column {exc.column}" if exc.column else "",
                 f"field {exc.field}" if exc.field else ""]
        where = ", ".join(w for w in where if w)
        if where and where not in text:
            text += f"\n({where})"
    return text


def _tc(spec) -> str:
    return f"{fps_label(spec.rate)}{' DF' if spec.drop_frame else ''}"


class ShowProfileBox(QGroupBox):
    """The installed show profile, read-only, and the buttons that replace, save or check one."""

    def __init__(self, state: AppState, parent: QWidget | None = None):
        super().__init__("Show profile", parent)
        self.state = state
        self.profile: ShowProfile | None = None
        self.task = None
        v = QVBoxLayout(self)
        self.summary = QLabel("Reading the installed profile…", self)
        self.summary.setObjectName("showProfileSummary")
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        self.form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label in (("production", "Production"), ("revision", "Revision"), ("sound", "Sound"),
                           ("copy", "Copy rule")):
            lab = QLabel("—", self)
            lab.setWordWrap(True)
            self.fields[key] = lab
            self.form.addRow(label, lab)
        v.addLayout(self.form)
        self.cameras = QTableWidget(0, len(CAMERA_COLUMNS), self)
        self.cameras.setObjectName("showCameras")
        self.cameras.setHorizontalHeaderLabels(list(CAMERA_COLUMNS))
        self.cameras.verticalHeader().setVisible(False)
        self.cameras.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # fit the box's width at 1280×720: the camera's make/model and codec take what is left, names elide
        self.fitter = ColumnFitter(self.cameras, [(70, 0.0), (130, 2.0), (110, 1.0), (90, 0.0), (65, 0.0),
                                                  (65, 0.0), (60, 1.0)], hide_order=[5])
        self.cameras.setWordWrap(False)
        self.cameras.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cameras.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        v.addWidget(self.cameras)
        row = QHBoxLayout()
        for text, slot, tip in (
                ("Import…", self.choose_import, "Install a profile file on this cart (validated first)"),
                ("Export…", self.choose_export, "Save the installed profile to a file, byte for byte"),
                ("Validate a file…", self.choose_validate, "Check a profile file without installing it")):
            b = QPushButton(text, self)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        v.addLayout(row)
        self.message = QLabel("", self)  # the last action's outcome: ok in plain words, a refusal as a problem
        self.message.setObjectName("hint")
        self.message.setWordWrap(True)
        self.message.hide()
        v.addWidget(self.message)
        self.refresh()

    @property
    def catalog_path(self) -> Path | None:
        return self.state.catalog.path

    # -- reading ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the installed profile on the catalog lane and show it."""
        self.task = self.state.runner.submit(show_service.current_profile, self.catalog_path, lane="catalog",
                                             name="show profile", on_done=self._show,
                                             on_error=self._unreadable)

    def _show(self, profile: ShowProfile | None) -> None:
        self.profile = profile
        if profile is None:
            self.summary.setText("No show profile is installed on this cart: Import… the production's file "
                                 "(ingest QC and the profile's defaults need one).")
            for lab in self.fields.values():
                lab.setText("—")
            self.cameras.setRowCount(0)
            self._fit_cameras()
            return
        p = profile.production
        self.summary.setText(f"Installed: {profile.stamp}")
        self.fields["production"].setText(p.name + (f" · {p.company}" if p.company else "")
                                          + (f" · units: {', '.join(u.name for u in p.units)}" if p.units else ""))
        self.fields["revision"].setText(f"{profile.revision} (schema v{profile.version})")
        s = profile.sound
        self.fields["sound"].setText(f"{s.sample_rate / 1000:g} kHz · {s.bit_depth} bit · TC {_tc(s.timecode)}"
                                     + (f" · {s.recorder}" if s.recorder else ""))
        c = profile.copy_rule
        lto = f" · LTO {'/'.join(c.lto.copies)}" if c.lto else ""
        self.fields["copy"].setText(
            f"{c.min_verified_copies} verified copies{' on distinct drives' if c.distinct_drives else ''} · "
            f"{', '.join(str(h) for h in c.hash_formats)}{lto} · {c.places} place{'s' if c.places != 1 else ''}")
        self.cameras.setRowCount(len(profile.cameras))
        for r, cam in enumerate(profile.cameras):
            codec = cam.codec + (f" {cam.codec_profile}" if cam.codec_profile else "")
            values = (f"{cam.letter} · {cam.unit}", " ".join(x for x in (cam.make, cam.model) if x), codec,
                      str(cam.resolution), fps_label(cam.frame_rate), _tc(cam.timecode),
                      cam.naming.rule or "own pattern")
            for col, text in enumerate(values):
                it = QTableWidgetItem(text)
                it.setToolTip(cam.naming.clip_pattern if col == len(values) - 1 else text)
                self.cameras.setItem(r, col, it)
        self._fit_cameras()

    def _fit_cameras(self) -> None:
        """Every camera row shown (a show has a handful): the table as tall as its rows, no scrolling."""
        t = self.cameras
        t.resizeRowsToContents()
        rows = sum(t.rowHeight(r) for r in range(t.rowCount()))
        t.setFixedHeight(t.horizontalHeader().sizeHint().height() + rows + 2 * t.frameWidth() + 2)

    def _unreadable(self, exc: BaseException) -> None:
        self.profile = None
        self.summary.setText("The installed show profile cannot be used:")
        self._say(error_text(exc), problem=True)

    def _say(self, text: str, *, problem: bool = False) -> None:
        self.message.setObjectName("problem" if problem else "hint")
        self.message.setText(text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.show()

    # -- actions -------------------------------------------------------------------------------------------
    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a show profile", "", "Show profile (*.json);;All files (*)")
        if path:
            self.import_file(Path(path))

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the show profile", show_service.FILE_NAME,
                                              "Show profile (*.json)")
        if path:
            self.export_to(Path(path))

    def choose_validate(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Validate a show profile", "", "Show profile (*.json);;All files (*)")
        if path:
            self.validate_path(Path(path))

    def import_file(self, path: Path) -> None:
        """Validate and install ``path`` (io lane); the box then shows the new profile or why it was refused."""
        self.task = self.state.runner.submit(show_service.import_profile, path, self.catalog_path, lane="io",
                                             name="import show profile", on_done=self._imported,
                                             on_error=lambda e: self._say(f"Not imported: {error_text(e)}",
                                                                          problem=True))

    def _imported(self, done: show_service.Installed) -> None:
        if done.unchanged:
            self._say(f"{done.profile.stamp} is already installed: nothing changed.")
        else:
            was = f" (replaces {done.replaced.stamp})" if done.replaced else ""
            self._say(f"Installed {done.profile.stamp}{was}.")
        self._show(done.profile)

    def export_to(self, path: Path) -> None:
        self.task = self.state.runner.submit(show_service.export_profile, path, self.catalog_path, lane="io",
                                             name="export show profile",
                                             on_done=lambda p: self._say(f"Exported to {p}."),
                                             on_error=lambda e: self._say(f"Not exported: {error_text(e)}",
                                                                          problem=True))

    def validate_path(self, path: Path) -> None:
        self.task = self.state.runner.submit(show_service.validate_file, path, lane="io", name="validate profile",
                                             on_done=lambda p: self._say(f"{path}: valid — {p.stamp}."),
                                             on_error=lambda e: self._say(f"{path} is not valid: {error_text(e)}",
                                                                          problem=True))
