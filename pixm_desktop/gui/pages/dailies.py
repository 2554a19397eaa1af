"""The Dailies page (issue 13): what to render (a shoot day, a card, or the clips selected on the Clips page),
the preset, the look (ASC CDL, then a ``.cube`` LUT or an OpenColorIO config's colour space / look / view),
the burn-ins (which fields, where, how big, the watermark) with a preview frame of one clip that follows every
change, the output folder, and Render: a ``dailies`` job in a child process (the supervisor, as the aftercare
runs) whose progress fills the render queue with each clip's state (pending, rendering n %, done, current
already, failed with why, needs decoder).

Nothing here touches the catalog or decodes on the GUI thread: lists and the clips of a scope on the catalog
lane, the preview on the io lane (a newer request waits for the one in flight, then only the latest runs), the
job on the dailies lane; the page polls the job's latest progress every 250 ms.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.errors import CancelledError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.gui.theme import status_icon
from pixm_desktop.gui.widgets import PROGRESS_KIND_ROLE, PROGRESS_ROLE, PROGRESS_TEXT_ROLE, ProgressDelegate
from pixm_desktop.services import dailies as dailies_service
from pixm_desktop.services import jobs as job_layer
from pixm_desktop.services.jobs.supervisor import run_job_in_child

POLL_MS = 250
PREVIEW_DELAY_MS = 150  # a burst of edits makes one preview
SCOPES = (("day", "Shoot day"), ("card", "Card"), ("clips", "Selected clips"))
FIELD_TITLES = {"tc": "Source timecode", "clip": "Clip name", "reel": "Reel", "scene_take": "Scene / take",
                "circle": "Circle take", "frame": "Frame counter", "watermark": "Watermark"}
NO_OCIO = "None (the .cube LUT, if any)"
CAMERA_SPACE = "(the camera's usual one)"
DEFAULT_VIEW = "(the display's default view)"
QUEUE_COLUMNS = ("Clip", "Card", "State")
#: icon and bar colour of a clip's state
STATE_KINDS = {"pending": "wait", "rendering": "run", "done": "ok", "current already": "ok", "failed": "fail",
               "needs decoder": "warn", "cancelled": "stop", "not rendered": "fail"}
ITEM_ROLE = Qt.ItemDataRole.UserRole


def _kind(state: str) -> str:
    return STATE_KINDS.get(state.split(":", 1)[0], "wait")


class DailiesPage(QWidget):
    """Presets, look, burn-ins with a live preview, and the render queue (see the module docstring).
    ``selected_clips()`` gives the names selected on the Clips page (the window sets it)."""

    notice = Signal(str, str, str, str)  # title, text, kind, details
    rendered = Signal(object)  # the job's DailiesResult, or the exception it raised

    def __init__(self, state: AppState, parent=None, selected_clips: Callable[[], list[str]] | None = None):
        super().__init__(parent)
        self.state = state
        self.selected_clips = selected_clips or (lambda: [])
        self.presets: list[dailies_service.PresetInfo] = []
        self.scope_clips: list[dailies_service.ClipItem] = []
        self.queue: list[dailies_service.ClipItem] = []
        self.preview_image: QImage | None = None
        self.preview_error = ""
        self.progress = None
        self.result = None
        self.running = False
        self.cancel: CancelToken | None = None
        self._preview_task = None
        self._preview_again = False
        self.previews = 0  # previews answered (made or failed)
        self._loading = False
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        lay.addWidget(split)
        split.addWidget(self._settings_column())
        split.addWidget(self._preview_column())
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([440, 900])
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.setInterval(PREVIEW_DELAY_MS)
        self.preview_timer.timeout.connect(self.request_preview)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._show_progress)

    # -- building -------------------------------------------------------------------------------------------
    def _settings_column(self) -> QWidget:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the column fits its width
        scroll.setMinimumWidth(380)
        inner = QWidget(scroll)
        v = QVBoxLayout(inner)
        v.setContentsMargins(0, 0, 6, 0)
        v.addWidget(self._scope_box())
        v.addWidget(self._preset_box())
        v.addWidget(self._look_box())
        v.addWidget(self._burn_in_box())
        v.addStretch(1)
        for combo in inner.findChildren(QComboBox):  # long names (configs, views) never widen the column
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        scroll.setWidget(inner)
        column = QWidget(self)  # the folder and Render stay in sight below the scrolled settings
        outer = QVBoxLayout(column)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll, 1)
        outer.addWidget(self._output_box())
        return column

    def _scope_box(self) -> QGroupBox:
        box = QGroupBox("Clips", self)
        row = QHBoxLayout(box)
        self.scope_kind = QComboBox(box)
        for key, title in SCOPES:
            self.scope_kind.addItem(title, key)
        self.scope_value = QComboBox(box)
        self.scope_value.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scope_kind.currentIndexChanged.connect(self._scope_kind_changed)
        self.scope_value.currentIndexChanged.connect(self._scope_changed)
        row.addWidget(self.scope_kind)
        row.addWidget(self.scope_value, 1)
        return box

    def _preset_box(self) -> QGroupBox:
        box = QGroupBox("Preset", self)
        v = QVBoxLayout(box)
        self.preset_list = QListWidget(box)
        self.preset_list.setObjectName("dailiesPresets")
        self.preset_list.setMaximumHeight(110)
        self.preset_list.currentRowChanged.connect(self._preset_changed)
        self.preset_text = QLabel("", box)
        self.preset_text.setObjectName("hint")
        self.preset_text.setWordWrap(True)
        v.addWidget(self.preset_list)
        v.addWidget(self.preset_text)
        return box

    def _file_row(self, parent: QWidget, placeholder: str, title: str, pattern: str) -> tuple[QWidget, QLineEdit]:
        w = QWidget(parent)
        h = QHBoxLayout(w)
        h.setContentsMargins(0, 0, 0, 0)
        line = QLineEdit(w)
        line.setPlaceholderText(placeholder)
        line.setClearButtonEnabled(True)
        line.editingFinished.connect(self.changed)
        pick = QPushButton("…", w)
        pick.setFixedWidth(40)
        pick.setToolTip(f"Choose the {title}")

        def choose() -> None:
            path, _f = QFileDialog.getOpenFileName(self, f"Choose the {title}", line.text(), pattern)
            if path:
                line.setText(path)
                self.changed()

        pick.clicked.connect(choose)
        h.addWidget(line, 1)
        h.addWidget(pick)
        return w, line

    def _look_box(self) -> QGroupBox:
        box = QGroupBox("Look", self)
        form = QFormLayout(box)
        row, self.cdl_path = self._file_row(box, "no CDL", "ASC CDL", "ASC CDL (*.cdl *.cc *.ccc)")
        form.addRow("CDL", row)
        row, self.lut_path = self._file_row(box, "no LUT", ".cube LUT", "3D LUT (*.cube)")
        form.addRow("LUT", row)
        self.ocio_config = QComboBox(box)
        self.ocio_config.setObjectName("ocioConfig")
        self.ocio_config.addItem(NO_OCIO, "")
        for ref in dailies_service.ocio_configs():
            self.ocio_config.addItem(ref, ref)
        self.ocio_config.addItem("Config file…", "file")
        self.ocio_config.activated.connect(self._config_chosen)
        form.addRow("OpenColorIO", self.ocio_config)
        self.colour_space = QComboBox(box)
        self.look_name = QComboBox(box)
        for combo in (self.colour_space, self.look_name):
            combo.currentIndexChanged.connect(self.changed)
        form.addRow("Camera space", self.colour_space)
        form.addRow("Look / view", self.look_name)
        self._fill_ocio("")
        return box

    def _burn_in_box(self) -> QGroupBox:
        box = QGroupBox("Burn-ins", self)
        grid = QGridLayout(box)
        self.field_boxes: dict[str, QCheckBox] = {}
        self.field_places: dict[str, QComboBox] = {}
        for i, name in enumerate(dailies_service.BURN_IN_FIELDS):
            check = QCheckBox(FIELD_TITLES[name], box)
            check.toggled.connect(self.changed)
            place = QComboBox(box)
            place.addItems(list(dailies_service.ANCHORS))
            place.setCurrentText(dailies_service.DEFAULT_POSITIONS[name])
            place.currentIndexChanged.connect(self.changed)
            grid.addWidget(check, i, 0)
            grid.addWidget(place, i, 1)
            self.field_boxes[name], self.field_places[name] = check, place
        n = len(self.field_boxes)
        self.text_size = QDoubleSpinBox(box)
        self.text_size.setRange(1.0, 20.0)
        self.text_size.setSingleStep(0.5)
        self.text_size.setSuffix(" % of the height")
        self.text_size.setValue(4.0)
        self.text_size.valueChanged.connect(self.changed)
        grid.addWidget(QLabel("Text size", box), n, 0)
        grid.addWidget(self.text_size, n, 1)
        self.watermark = QLineEdit(box)
        self.watermark.setPlaceholderText("watermark text, e.g. the viewer's name")
        self.watermark.editingFinished.connect(self.changed)
        grid.addWidget(QLabel("Watermark", box), n + 1, 0)
        grid.addWidget(self.watermark, n + 1, 1)
        return box

    def _output_box(self) -> QGroupBox:
        box = QGroupBox("Render", self)
        v = QVBoxLayout(box)
        h = QHBoxLayout()
        self.folder = QLineEdit(box)
        self.folder.setPlaceholderText("output folder (a folder per preset is made inside)")
        pick = QPushButton("…", box)
        pick.setFixedWidth(40)
        pick.setToolTip("Choose the output folder")
        pick.clicked.connect(self._choose_folder)
        h.addWidget(self.folder, 1)
        h.addWidget(pick)
        v.addLayout(h)
        buttons = QHBoxLayout()
        self.render_button = QPushButton("Render", box)
        self.render_button.setObjectName("primary")
        self.render_button.setToolTip("Render the clips in the preset: a dailies job (finished clips are kept)")
        self.render_button.clicked.connect(self.render)
        self.cancel_button = QPushButton("Cancel", box)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_render)
        buttons.addWidget(self.render_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        v.addLayout(buttons)
        return box

    def _preview_column(self) -> QWidget:
        w = QWidget(self)
        v = QVBoxLayout(w)
        v.setContentsMargins(6, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("Preview", w))
        self.preview_clip = QComboBox(w)
        self.preview_clip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.preview_clip.currentIndexChanged.connect(self.changed)
        top.addWidget(self.preview_clip, 1)
        v.addLayout(top)
        self.preview = QLabel(w)
        self.preview.setObjectName("dailiesPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(320, 180)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.preview.setStyleSheet("background: #000; color: #8b949e;")
        v.addWidget(self.preview, 3)
        self.preview_status = QLabel("", w)
        self.preview_status.setObjectName("hint")
        self.preview_status.setWordWrap(True)
        v.addWidget(self.preview_status)
        self.queue_title = QLabel("Render queue", w)
        v.addWidget(self.queue_title)
        self.table = QTableWidget(0, len(QUEUE_COLUMNS), w)
        self.table.setObjectName("dailiesQueue")
        self.table.setHorizontalHeaderLabels(list(QUEUE_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setItemDelegateForColumn(2, ProgressDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        self.table.setColumnWidth(0, 260)
        self.table.setColumnWidth(1, 110)
        v.addWidget(self.table, 2)
        return w

    # -- lists ----------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the presets and the scopes again (catalog lane); the window calls it when the page is shown."""
        self.state.runner.submit(self._lists, lane="catalog", name="dailies lists", on_done=self._listed,
                                 on_error=self._list_failed)

    def _lists(self):
        return dailies_service.preset_list(), dailies_service.scopes(self.state.catalog)

    def _listed(self, lists) -> None:
        presets, (days, cards) = lists
        self._loading = True
        current = self.preset_name()
        self.presets = presets
        self.preset_list.clear()
        for p in presets:
            item = QListWidgetItem(f"{p.name}  ·  {p.width}×{p.height}", self.preset_list)
            item.setToolTip(p.description)
            item.setData(ITEM_ROLE, p.name)
        names = [p.name for p in presets]
        self.preset_list.setCurrentRow(names.index(current) if current in names else
                                       names.index("h264-review-mp4") if "h264-review-mp4" in names else 0)
        self.days, self.cards = days, cards
        self._loading = False
        self._preset_changed(self.preset_list.currentRow())
        self._scope_kind_changed()

    def _list_failed(self, exc: BaseException) -> None:
        e = explain(exc)
        self.preset_text.setText(e.text())
        self.notice.emit("Dailies presets not read", e.text(), "warn", e.details)

    def _scope_kind_changed(self, *_a) -> None:
        kind = self.scope_kind.currentData()
        self._loading = True
        keep = self.scope_value.currentText()  # the page shown again keeps its day or card
        self.scope_value.clear()
        if kind == "day":
            self.scope_value.addItems(getattr(self, "days", []))
        elif kind == "card":
            self.scope_value.addItems(getattr(self, "cards", []))
        else:
            names = self.selected_clips()
            self.scope_value.addItem(f"{len(names)} clip(s) selected on the Clips page", ",".join(names))
        self.scope_value.setCurrentIndex(max(0, self.scope_value.findText(keep)))
        self.scope_value.setEnabled(kind != "clips")
        self._loading = False
        self._scope_changed()

    def _scope_changed(self, *_a) -> None:
        if self._loading:
            return
        options = self.options()
        if not (options.day or options.card or options.clips):
            self._scoped([])
            return
        self.state.runner.submit(dailies_service.clips_in_scope, self.state.catalog, options, lane="catalog",
                                 name="dailies clips", on_done=self._scoped, on_error=lambda _e: self._scoped([]))

    def _scoped(self, items: list) -> None:
        self.scope_clips = items
        self._loading = True
        keep = self.preview_clip.currentData()
        self.preview_clip.clear()
        for c in items:
            self.preview_clip.addItem(f"{c.name}  ({c.card})", c.id)
        at = self.preview_clip.findData(keep)
        self.preview_clip.setCurrentIndex(max(0, at))
        self._loading = False
        if not self.running:
            self._fill_queue(items)
        self.changed()

    def _preset_changed(self, row: int) -> None:
        if 0 <= row < len(self.presets):
            p = self.presets[row]
            self.preset_text.setText(p.description)
            style = p.burn_in
            self._loading = True
            self.text_size.setValue(100 * style.get("size", 0.04))
            for name, place in self.field_places.items():
                place.setCurrentText(style.get("positions", {}).get(name, dailies_service.DEFAULT_POSITIONS[name]))
            self._loading = False
        self.changed()

    def _config_chosen(self, index: int) -> None:
        ref = self.ocio_config.itemData(index)
        if ref == "file":
            path, _f = QFileDialog.getOpenFileName(self, "Choose an OpenColorIO config", "", "OCIO config (*.ocio)")
            if not path:
                self.ocio_config.setCurrentIndex(0)
                ref = ""
            else:
                self.ocio_config.insertItem(self.ocio_config.count() - 1, path, path)
                self.ocio_config.setCurrentIndex(self.ocio_config.count() - 2)
                ref = path
        self.set_ocio_config(ref)

    def set_ocio_config(self, ref: str) -> None:
        """Use the OpenColorIO config ``ref`` ("" = none): its colour spaces and looks fill the pickers."""
        at = self.ocio_config.findData(ref)
        if at < 0:
            self.ocio_config.insertItem(self.ocio_config.count() - 1, ref, ref)
            at = self.ocio_config.count() - 2
        self.ocio_config.setCurrentIndex(at)
        self._fill_ocio(ref)
        self.changed()

    def _fill_ocio(self, ref: str) -> None:
        self._loading = True
        self.colour_space.clear()
        self.look_name.clear()
        self.colour_space.addItem(CAMERA_SPACE, "")
        self.look_name.addItem(DEFAULT_VIEW, "")
        if ref:
            try:  # a few ms: OCIO's built-in configs are in its library
                spaces, looks = dailies_service.ocio_choices(ref)
            except Exception as exc:  # an unreadable config file: said, the pickers stay empty
                e = explain(exc)
                self.preview_status.setText(e.text())
                spaces, looks = [], []
            for name in spaces:
                self.colour_space.addItem(name, name)
            for name in looks:
                self.look_name.addItem(name, name)
        self.colour_space.setEnabled(bool(ref))
        self.look_name.setEnabled(bool(ref))
        self._loading = False

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder for the dailies", self.folder.text())
        if path:
            self.folder.setText(path)

    # -- options --------------------------------------------------------------------------------------------
    def preset_name(self) -> str:
        item = self.preset_list.currentItem()
        return item.data(ITEM_ROLE) if item is not None else ""

    def burn_in_fields(self) -> list[str]:
        return [name for name, box in self.field_boxes.items() if box.isChecked()]

    def options(self) -> DailiesJobOptions:
        """The job's options as the page shows them."""
        kind, value = self.scope_kind.currentData(), self.scope_value.currentData() or self.scope_value.currentText()
        fields = self.burn_in_fields()
        layout = {"positions": {n: self.field_places[n].currentText() for n in fields},
                  "size": round(self.text_size.value() / 100, 4)} if fields else {}
        ocio_ref = self.ocio_config.currentData() or ""
        return DailiesJobOptions(
            day=value if kind == "day" and value else None, card=value if kind == "card" and value else None,
            clips=value if kind == "clips" else "", preset=self.preset_name() or "h264-review-mp4",
            cdl=self.cdl_path.text().strip(), lut=self.lut_path.text().strip(), burn_in=",".join(fields),
            watermark=self.watermark.text(), folder=self.folder.text().strip(),
            ocio_config=ocio_ref if ocio_ref != "file" else "",
            colour_space=(self.colour_space.currentData() or "") if ocio_ref else "",
            look=(self.look_name.currentData() or "") if ocio_ref else "",
            burn_in_layout=json.dumps(layout) if layout else "")

    # -- preview --------------------------------------------------------------------------------------------
    def changed(self, *_a) -> None:
        """Something that shows in the preview changed: a new preview shortly."""
        if not self._loading:
            self.preview_timer.start()

    def request_preview(self) -> None:
        clip_id = self.preview_clip.currentData()
        if clip_id is None:
            self.preview.setText("No clip to preview: choose a shoot day, a card or clips")
            self.preview_status.setText("")
            return
        if self._preview_task is not None:  # one at a time; the latest settings run next
            self._preview_again = True
            return
        self._preview_again = False
        self.preview_status.setText("rendering the preview frame…")
        self._preview_task = self.state.runner.submit(
            dailies_service.preview, self.state.catalog, clip_id, self.options(), lane="io",
            name="dailies preview", on_done=self._previewed, on_error=self._preview_failed)

    def _previewed(self, frame: dailies_service.Preview) -> None:
        self._preview_task = None
        self.previews += 1
        h, w, _c = frame.rgb.shape
        self.preview_image = QImage(frame.rgb.tobytes(), w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.preview_error = ""
        self.preview_status.setText(f"{frame.clip} · frame {frame.index + 1} · {frame.tc} · {w}×{h}")
        self._show_preview()
        if self._preview_again:
            self.request_preview()

    def _preview_failed(self, exc: BaseException) -> None:
        self._preview_task = None
        self.previews += 1
        e = explain(exc)
        self.preview_error = e.text()
        self.preview_image = None
        self.preview.setPixmap(QPixmap())
        self.preview.setText("No preview")
        self.preview_status.setText(e.text())
        if self._preview_again:
            self.request_preview()

    def _show_preview(self) -> None:
        if self.preview_image is None:
            return
        pix = QPixmap.fromImage(self.preview_image)
        self.preview.setPixmap(pix.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._show_preview()

    # -- render ---------------------------------------------------------------------------------------------
    def render(self) -> None:
        """Queue a dailies job of the page's options (one at a time: Render waits for the running one)."""
        if self.running:
            return
        options = self.options()
        if not options.folder:
            self.notice.emit("Choose an output folder", "The dailies need a folder to be written to.", "warn", "")
            return
        if not self.scope_clips:
            self.notice.emit("No clips to render", "Choose a shoot day, a card, or select clips on the Clips page.",
                             "warn", "")
            return
        self.running, self.progress, self.result = True, None, None
        self.cancel = CancelToken()
        self._fill_queue(self.scope_clips)
        self.render_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.poll.start()
        self.state.runner.submit(self._run, options, self.cancel, lane="dailies", name="dailies",
                                 on_done=self._done, on_error=self._failed)

    def _run(self, options: DailiesJobOptions, cancel: CancelToken):
        """Worker thread: the dailies job in a child process (a catalog without a file: on this thread)."""
        def keep(p) -> None:
            self.progress = p

        catalog = self.state.catalog
        if catalog.path is not None:
            return run_job_in_child(catalog.path, JobKind.DAILIES, options, cancel, keep, name="pixm-dailies")
        return job_layer.execute(catalog, JobKind.DAILIES, options, cancel=cancel, on_progress=keep)

    def cancel_render(self) -> None:
        if self.cancel is not None:
            self.cancel.cancel()
            self.cancel_button.setEnabled(False)

    def _done(self, result) -> None:
        self.result = result
        self._finish()
        failed = len(result.failed)
        self.queue_title.setText(f"Render queue · {len(result.rendered)} rendered · {len(result.skipped)} current "
                                 f"already · {failed} failed")
        text = (f"{len(result.rendered)} rendered, {len(result.skipped)} current already, {failed} failed "
                f"→ {result.folder}")
        details = "\n".join(f"{n}: {why}" for n, why in result.failed.items())
        self.notice.emit("Dailies rendered" if not failed else "Dailies: some clips not rendered", text,
                         "warn" if failed else "ok", details)
        self.rendered.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.result = exc
        self._finish()
        if isinstance(exc, CancelledError):
            self.notice.emit("Dailies cancelled", "Finished clips are kept; Render again resumes.", "info", "")
        else:
            e = explain(exc)
            self.notice.emit("Dailies not rendered", e.text(), "warn", e.details)
        self.rendered.emit(exc)

    def _finish(self) -> None:
        self.running = False
        self.poll.stop()
        self._show_progress()
        self.render_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _fill_queue(self, items: list) -> None:
        self.queue = list(items)
        self.table.setRowCount(len(items))
        for r, c in enumerate(items):
            self.table.setItem(r, 0, QTableWidgetItem(c.name))
            self.table.setItem(r, 1, QTableWidgetItem(c.card))
            self.table.setItem(r, 2, QTableWidgetItem())
            self._set_state(r, "pending", 0.0)
        self.queue_title.setText(f"Render queue · {len(items)} clip(s)")

    def clip_states(self) -> dict[str, str]:
        """``{clip name: state}`` as the queue shows it."""
        return {self.table.item(r, 0).text(): self.table.item(r, 2).data(PROGRESS_TEXT_ROLE).split(" · ")[0]
                for r in range(self.table.rowCount())}

    def _state_of(self, item: dailies_service.ClipItem) -> tuple[str, float]:
        result = self.result
        if result is not None and not isinstance(result, BaseException):
            if item.name in result.rendered:
                return "done", 1.0
            if item.name in result.skipped:
                return "current already", 1.0
            if item.name in result.failed:
                return dailies_service.ended(f"failed: {result.failed[item.name]}")
        state = dailies_service.clip_state(item, self.progress)
        if isinstance(result, BaseException) and state[0] in ("pending", "rendering"):
            return ("cancelled" if isinstance(result, CancelledError) else "not rendered"), state[1]
        return state

    def _show_progress(self) -> None:
        for r, item in enumerate(self.queue):
            self._set_state(r, *self._state_of(item))
        p = self.progress
        if p is not None and self.running:
            eta = f", ETA {p.eta_s:.0f} s" if p.eta_s is not None else ""
            self.queue_title.setText(f"Render queue · {p.clips_done + p.clips_skipped}/{p.clips_total} clips · "
                                     f"{p.fps:.1f} frames/s{eta}")

    def _set_state(self, row: int, state: str, fraction: float) -> None:
        cell = self.table.item(row, 2)
        kind = _kind(state)
        text = f"rendering · {fraction * 100:.0f} %" if state == "rendering" else state
        cell.setData(PROGRESS_ROLE, round(fraction * 1000))
        cell.setData(PROGRESS_TEXT_ROLE, text)
        cell.setData(PROGRESS_KIND_ROLE, kind)
        cell.setToolTip(state)
        self.table.item(row, 0).setIcon(status_icon(kind))

    def stop(self) -> None:
        """At shutdown: stop the timers and cancel a running render."""
        self.preview_timer.stop()
        self.poll.stop()
        self.cancel_render()

