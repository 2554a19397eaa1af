"""Card tiles: one tile per card of the offload queue (active and recent), readable from two metres.

Each tile shows the card's state as a shape (the status icon), a colour and a word in large type — ``SAFE TO
FORMAT`` / ``NOT SAFE`` / ``COPYING`` / ``FAILED`` — with its reason in one line and, when the card is safe, an
Eject button. The verdict words are THE card verdict (``OffloadJob.verdict``: ``core.verdict.card_verdict``
read through ``services.status`` when the job ends); the tile never judges a card itself. Before the verdict is
read a tile says what the job is doing (``WAITING``, ``COPYING``, ``CHECKING``) or that it ``FAILED`` — never
anything green.

Under the reason, the card's ingest QC in one line (:func:`qc_line`: ``QC: 3 errors, 1 warning`` in the error
colour, ``QC: clean``, nothing when QC did not run), set by the window from ``services.qc.findings_for_card``
read when the card's job ends and when its aftercare finishes (``CardTiles.set_qc``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pixm_desktop.core.verdict import CardState
from pixm_desktop.gui.jobs import JobState, OffloadJob
from pixm_desktop.gui.queue import QueueController
from pixm_desktop.gui.theme import colour, status_icon
from pixm_desktop.gui.widgets import fmt_eta, verdict_kind

TILE_WIDTH = 300  # px: "SAFE TO FORMAT" in the large type, the icon and margins
TILE_HEIGHT = 116  # the word, the card's name, the reason, the QC line
WORDS = {CardState.SAFE: "SAFE TO FORMAT", CardState.NOT_SAFE: "NOT SAFE", CardState.COPYING: "COPYING",
         CardState.FAILED: "FAILED"}


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def qc_line(findings: list | None, ran: bool = False) -> tuple[str, str]:
    """``(text, icon kind)`` of a card's QC line from its findings (``services.qc.FindingRow``); ``("", "")``
    when there are none and QC is not known to have run (``ran``). Acknowledged findings are counted apart,
    never dropped: ``QC: 1 error, 2 acknowledged``."""
    findings = findings or []
    if not findings:
        return ("QC: clean", "ok") if ran else ("", "")
    open_ = [f for f in findings if f.ack_at is None]
    errors = sum(f.severity == "error" for f in open_)
    warnings = len(open_) - errors
    parts = ([_count(errors, "error")] if errors else []) + ([_count(warnings, "warning")] if warnings else [])
    acked = len(findings) - len(open_)
    if acked:
        parts.append(f"{acked} acknowledged")
    return "QC: " + ", ".join(parts), "fail" if errors else "warn" if warnings else "done"


def tile_state(job: OffloadJob) -> tuple[str, str, str]:
    """``(word, icon kind, reason)`` of a job's tile. With the card's verdict read: its word, kind and reason.
    Before: the job's own progress in words, never ``SAFE``."""
    v = job.verdict
    if v is not None and not job.active:
        reason = v.reason if v.reason else v.headline
        return WORDS[v.state], verdict_kind(v), reason
    st = job.state
    if st in (JobState.RUNNING, JobState.PAUSED, JobState.CANCELLING):
        fig = job.figures()
        left = f" · {fmt_eta(fig.eta)} left" if fig.eta is not None and st == JobState.RUNNING else ""
        what = {JobState.PAUSED: " · paused", JobState.CANCELLING: " · stopping"}.get(st, "")
        return "COPYING", "pause" if st == JobState.PAUSED else "run", f"{fig.fraction * 100:.0f} %{left}{what}"
    if st in (JobState.PREPARING, JobState.QUEUED):
        return "WAITING", "wait", job.headline or ("checking the card…" if st == JobState.PREPARING
                                                   else "waiting for its drives")
    if st == JobState.COMPLETED:
        return "CHECKING", "wait", "reading the card's verdict…"
    if st in (JobState.FAILED, JobState.ERROR):
        return "FAILED", "fail", job.headline or "not every file verified"
    return "NOT SAFE", "warn", job.headline or f"offload {st.value}"  # cancelled, interrupted


class CardTile(QFrame):
    """One card: icon shape, the word in large type, the card's name, the reason in one line, Eject."""

    eject_clicked = Signal(object)  # job

    def __init__(self, job: OffloadJob, parent=None):
        super().__init__(parent)
        self.job = job
        self.setObjectName("cardTile")
        self.setFixedSize(TILE_WIDTH, TILE_HEIGHT)
        self.kind = ""
        outer = QHBoxLayout(self)
        outer.setContentsMargins(10, 6, 10, 6)
        self.icon = QLabel(self)
        outer.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        col = QVBoxLayout()
        col.setSpacing(0)
        self.word = QLabel(self)
        big = QFont(self.font())
        big.setPointSize(19)
        big.setBold(True)
        self.word.setFont(big)
        col.addWidget(self.word)
        self.name = QLabel(self)
        f = QFont(self.font())
        f.setPointSize(12)
        f.setBold(True)
        self.name.setFont(f)
        col.addWidget(self.name)
        row = QHBoxLayout()
        self.reason = QLabel(self)
        self.reason.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.reason, 1)
        self.eject = QPushButton("Eject", self)
        self.eject.setToolTip("Eject this card: it is safe to format")
        self.eject.clicked.connect(lambda: self.eject_clicked.emit(self.job))
        row.addWidget(self.eject)
        col.addLayout(row)
        self.qc = QLabel(self)  # the card's ingest QC: set_qc
        self.qc.setObjectName("tileQc")
        self.qc.hide()
        col.addWidget(self.qc)
        outer.addLayout(col, 1)
        self.update_from_job()

    @property
    def qc_text(self) -> str:
        return self.qc.text()

    def set_qc(self, findings: list | None, ran: bool = False) -> None:
        """Show the card's QC line (:func:`qc_line`); hidden when there is nothing to say."""
        text, kind = qc_line(findings, ran)
        self.qc.setText(text)
        self.qc.setStyleSheet(f"color: {colour(kind).name()}; font-weight: bold;" if kind in ("fail", "warn")
                              else "")
        self.qc.setToolTip("\n".join(f"{f.severity}: {f.subject}: {f.message}" for f in (findings or [])[:20]))
        self.qc.setVisible(bool(text))

    @property
    def word_text(self) -> str:
        return self.word.text()

    @property
    def reason_text(self) -> str:
        return self.reason.toolTip()

    def update_from_job(self) -> None:
        word, kind, reason = tile_state(self.job)
        camera = f" · {self.job.camera.upper()} {self.job.reel}" if self.job.camera else ""
        self.name.setText(f"{self.job.label}{camera}")
        if word != self.word.text() or kind != self.kind:
            self.kind = kind
            self.word.setText(word)
            c = colour(kind).name()
            self.icon.setPixmap(status_icon(kind, 44).pixmap(44, 44))
            self.word.setStyleSheet(f"color: {c};")
            self.setStyleSheet(f"QFrame#cardTile {{ border: 2px solid {c}; border-radius: 8px; "
                               f"background: #161b22; }}")
        if reason != self.reason.toolTip():
            self.reason.setToolTip(reason)
            width = TILE_WIDTH - 80 - (self.eject.sizeHint().width() if kind == "ok" else 0)
            self.reason.setText(QFontMetrics(self.reason.font()).elidedText(reason, Qt.TextElideMode.ElideRight,
                                                                              width))
        safe = self.job.verdict is not None and self.job.verdict.safe and not self.job.active
        self.eject.setVisible(safe)
        self.setToolTip(f"{self.job.label}: {word} — {reason}")


class CardTiles(QScrollArea):
    """The row of tiles over the Offload page, following the queue; hidden while the queue is empty."""

    eject_requested = Signal(object)  # job

    def __init__(self, queue: QueueController, parent=None):
        super().__init__(parent)
        self.queue = queue
        self.setObjectName("cardTiles")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(TILE_HEIGHT + 18)  # room for a horizontal scroll bar: the page never resizes
        inner = QWidget(self)
        self.row = QHBoxLayout(inner)
        self.row.setContentsMargins(0, 0, 0, 4)
        self.row.addStretch(1)
        self.setWidget(inner)
        self.tiles: dict[int, CardTile] = {}
        queue.added.connect(self._added)
        queue.changed.connect(self._changed)
        queue.removed.connect(self._removed)
        queue.reordered.connect(self._reordered)
        queue.polled.connect(self._polled)
        self.setVisible(False)

    def tile(self, job: OffloadJob) -> CardTile | None:
        return self.tiles.get(job.uid)

    def _added(self, job: OffloadJob) -> None:
        t = CardTile(job, self.widget())
        t.eject_clicked.connect(self.eject_requested)
        self.tiles[job.uid] = t
        self.row.insertWidget(self.row.count() - 1, t)
        self.setVisible(True)

    def set_qc(self, card_id: int, findings: list | None, ran: bool = False) -> None:
        """The QC line of every tile of card ``card_id`` (see :meth:`CardTile.set_qc`)."""
        for t in self.tiles.values():
            if t.job.card_id == card_id:
                t.set_qc(findings, ran)

    def _changed(self, job: OffloadJob) -> None:
        if (t := self.tiles.get(job.uid)) is not None:
            t.update_from_job()

    def _polled(self) -> None:
        for job in self.queue.running():
            self._changed(job)

    def _removed(self, job: OffloadJob) -> None:
        if (t := self.tiles.pop(job.uid, None)) is not None:
            self.row.removeWidget(t)
            t.deleteLater()
        self.setVisible(bool(self.tiles))

    def _reordered(self) -> None:
        for i, job in enumerate(self.queue.jobs):
            if (t := self.tiles.get(job.uid)) is not None:
                self.row.removeWidget(t)
                self.row.insertWidget(i, t)
