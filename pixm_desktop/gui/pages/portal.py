"""The Portal page: the review portal served from the cart (issue 18) — Start/Stop, the address, invites with
their link and a QR code a phone opens, and who is connected. Decisions taken in browsers reach the Clips and
Logger pages while the page polls (every ``POLL_MS``)."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.gui.errors import explain
from pixm_desktop.gui.state import AppState
from pixm_desktop.services.review import access
from pixm_desktop.services.review.roles import Role
from pixm_desktop.services.review.server import DEFAULT_PORT, PortalOptions, PortalServer, lan_address

POLL_MS = 5000
HOSTS = (("Set network (every interface)", "0.0.0.0"), ("This machine only", "127.0.0.1"))


class PortalPage(QWidget):
    notice = Signal(str, str, str, str)

    def __init__(self, state: AppState, parent=None):
        super().__init__(parent)
        self.state = state
        self.server: PortalServer | None = None
        self._latest = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        row = QHBoxLayout()
        self.host = QComboBox(self)
        for text, value in HOSTS:
            self.host.addItem(text, value)
        self.port = QSpinBox(self)
        self.port.setRange(0, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.start_button = QPushButton("Start", self)
        self.start_button.setObjectName("portalStart")
        self.start_button.clicked.connect(self.toggle)
        for w in (QLabel("Serve on", self), self.host, QLabel("port", self), self.port, self.start_button):
            row.addWidget(w)
        row.addStretch(1)
        lay.addLayout(row)
        self.address = QLabel("Stopped", self)
        self.address.setObjectName("portalAddress")
        lay.addWidget(self.address)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("Viewer's name (on the watermark and every decision)")
        self.role = QComboBox(self)
        for r in Role:
            self.role.addItem(r.value, r.value)
        self.days = QSpinBox(self)
        self.days.setRange(1, 365)
        self.days.setValue(access.DEFAULT_DAYS)
        self.invite_button = QPushButton("Invite", self)
        self.invite_button.clicked.connect(self.invite)
        form.addRow("Name", self.name)
        form.addRow("Role", self.role)
        form.addRow("Days", self.days)
        form.addRow("", self.invite_button)
        lay.addLayout(form)
        self.link = QLineEdit(self)
        self.link.setReadOnly(True)
        self.link.setObjectName("portalLink")
        lay.addWidget(self.link)
        self.qr = QLabel(self)
        self.qr.setObjectName("portalQr")
        lay.addWidget(self.qr)
        lay.addWidget(QLabel("Connected", self))
        self.connected = QListWidget(self)
        self.connected.setObjectName("portalConnected")
        lay.addWidget(self.connected, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    # -- server ----------------------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.server is not None:
            self.stop()
            return
        options = PortalOptions(self.state.catalog.path, self.host.currentData(), self.port.value())
        self.start_button.setEnabled(False)
        self.state.runner.submit(_start, options, name="portal start", on_done=self._started, on_error=self._error)

    def _started(self, server: PortalServer) -> None:
        self.server = server
        self.start_button.setEnabled(True)
        self.start_button.setText("Stop")
        self.address.setText(f"Serving on {server.url} — viewers need an invite link")
        self._show_qr(server.url)
        self.timer.start()
        self.poll()

    def stop(self) -> None:
        """Stop serving (also at shutdown; idempotent)."""
        self.timer.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.start_button.setEnabled(True)
        self.start_button.setText("Start")
        self.address.setText("Stopped")
        self.connected.clear()

    def _error(self, exc: BaseException) -> None:
        self.start_button.setEnabled(True)
        e = explain(exc)
        self.notice.emit("Portal", e.text(), "error", e.details)

    # -- invites ---------------------------------------------------------------------------------------------
    def invite(self) -> None:
        name = self.name.text().strip()
        if not name:
            self.name.setFocus()
            return
        base = self.server.url if self.server is not None else f"http://{lan_address()}:{self.port.value()}"
        self.state.runner.submit(access.invite, self.state.catalog, name, self.role.currentData(), self.days.value(),
                                 lane="catalog", name="portal invite",
                                 on_done=lambda inv: self._invited(inv.link(base)), on_error=self._error)

    def _invited(self, link: str) -> None:
        self.link.setText(link)
        self._show_qr(link)
        QGuiApplication.clipboard().setText(link)
        self.notice.emit("Portal", "Invite link copied (and shown as a QR code): send it to the viewer", "info", "")

    def _show_qr(self, text: str) -> None:
        pm = QPixmap()
        pm.loadFromData(access.qr_png(text))
        self.qr.setPixmap(pm)
        self.qr.setToolTip(text)

    # -- who is connected, decisions coming in -------------------------------------------------------------
    def poll(self) -> None:
        self.state.runner.submit(_snapshot, self.state.catalog, lane="catalog", name="portal viewers",
                                 on_done=self._show, on_error=self._error)

    def _show(self, snap) -> None:
        people, latest = snap
        self.connected.clear()
        for c in people:
            self.connected.addItem(f"{c.name} ({c.role}) — {c.address}, last seen {c.last_seen:%H:%M:%S} UTC")
        if self._latest is not None and latest != self._latest:
            self.state.clips_changed.emit()  # circles, ratings and comments from browsers
        self._latest = latest


def _start(options: PortalOptions) -> PortalServer:
    server = PortalServer(options)
    server.start()
    return server


def _snapshot(catalog):
    return access.connected(catalog), access.latest_decision(catalog)
