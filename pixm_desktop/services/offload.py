"""The offload use case: plan, copy, verify, write ASC MHL, record everything in the catalog.

``prepare()`` checks everything without threads and without writing (Vorta's prepare/run split); ``run()``
does the work and keeps the catalog current while it goes, so a crash at any moment leaves an ``interrupted``
job, temp files that the next run removes, and never a ``verified`` row for bytes that were not compared.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pixm_desktop import __version__
from pixm_desktop.core.errors import CancelledError, MhlError, PixmError, SourceError
from pixm_desktop.core.hashes import DEFAULT_ALGORITHM, MHL_ORDER, HashAlgorithm
from pixm_desktop.core.model import (
    REPLACEABLE,
    CancelToken,
    CopyFailure,
    CopyState,
    DestinationProgress,
    FileResult,
    JobStatus,
    ProgressSnapshot,
)
from pixm_desktop.core.states import JobDestinationStatus, JobKind, JobOptions
from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.engine.cards import CardIdentity, content_fingerprint, quick_fingerprint, recognise
from pixm_desktop.engine.copier import CopiesInPlace, CopyTask, SourceHashed, remove_stale_temps, run_copy
from pixm_desktop.engine.mediaio import hash_from_media
from pixm_desktop.engine.plan import DEFAULT_TEMPLATE, DestinationPlan, OffloadPlan, make_plan, relocate
from pixm_desktop.engine.scan import DEFAULT_SOURCE_IGNORES, CardScan, IgnoreList, scan_card
from pixm_desktop.mhl import MhlFileRecord, MhlHistory, write_generation
from pixm_desktop.mhl.carry import CarriedHistory, carry_history, nested_records
from pixm_desktop.mhl.reader import iter_records, load_history
from pixm_desktop.services import context, locks, show
from pixm_desktop.store import repo
from pixm_desktop.store.db import Catalog, journals_in_memory
from pixm_desktop.store.models import Card, Copy, Destination, File, Job, JobDestination, utcnow

log = logging.getLogger(__name__)

COMMIT_EVERY = 0.5  # seconds between catalog commits while copying: bounded loss, few fsyncs
#: Patterns every destination history ignores besides the ASC defaults: OS litter and our temp files.
MHL_IGNORES = (".DS_Store", "._*", ".Spotlight-V100", ".Trashes", ".fseventsd", ".pixm-*.part")


@dataclass(slots=True)
class OffloadRequest:
    """What the DIT asked for. ``destinations`` are drive/folder roots; the template places the card below."""

    source: Path
    destinations: list[Path]
    algorithms: tuple[HashAlgorithm, ...] = (DEFAULT_ALGORITHM,)
    template: str = DEFAULT_TEMPLATE
    project: str = "Untitled"
    day: dt.date = field(default_factory=dt.date.today)
    source_verify: bool = False
    cascade: bool = False
    required: list[bool] | None = None
    author: str | None = None
    location: str | None = None
    comment: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)  # more template values ({production} {unit} …)
    fresh_history: bool = False  # do not carry the card's own ASC MHL history: start a new one (chain broken)


@dataclass(slots=True)
class PreparedOffload:
    """Result of :meth:`OffloadService.prepare`: the plan plus what the catalog already knows."""

    request: OffloadRequest
    plan: OffloadPlan
    identity: CardIdentity
    fingerprint: str
    known_card_id: int | None
    known_summary: str | None  # "offloaded 2026-11-23 to …" when the card was seen before
    source_history: MhlHistory | None = None  # the card's own ASC MHL history, carried to every destination


@dataclass(slots=True)
class DestinationOutcome:
    """Result for one destination card folder."""

    card_path: Path
    verified: int = 0
    failed: int = 0
    skipped: int = 0  # already verified by an earlier job, not copied again
    failures: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    mhl_generation: Path | None = None
    carried: int = 0  # generations of the card's own history carried here before ``mhl_generation``
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.error is None


@dataclass(slots=True)
class OffloadResult:
    job_id: int
    card_id: int
    card_label: str
    camera: str
    reel: str
    files: int
    total_bytes: int
    algorithms: tuple[HashAlgorithm, ...]
    destinations: list[DestinationOutcome]
    status: JobStatus
    seconds: float
    warnings: list[str] = field(default_factory=list)
    source_verify_failures: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # card entries not taken: block the verdict
    ignored: list[str] = field(default_factory=list)  # card entries left out by a listed rule (.DS_Store …)
    source_failed: int = 0  # copies failed because the card's file could not be read or changed

    @property
    def ok(self) -> bool:
        return self.status == JobStatus.COMPLETED


@dataclass(slots=True)
class CardReading:
    """What reading a card for an offload found (:func:`read_card`): the scan, the card's own ASC MHL history
    (``None``: none), what the card is, and its quick fingerprint (``engine.cards.quick_fingerprint``)."""

    scan: CardScan
    history: MhlHistory | None
    identity: CardIdentity
    fingerprint: str


def read_card(request: OffloadRequest) -> CardReading:
    """Scan ``request.source`` (files its own ASC MHL history records are taken, whatever their names), load
    that history, recognise the card and fingerprint it; nothing is written.

    Raises :class:`SourceError` (card missing, nothing to take, unreadable) and :class:`MhlError` (the card's
    own history cannot be trusted)."""
    scan = scan_card(request.source, IgnoreList(DEFAULT_SOURCE_IGNORES))
    history = _source_history(request, scan)
    if history is not None and scan.ignored:  # what the history records is taken, whatever its name
        scan = scan_card(request.source, IgnoreList(DEFAULT_SOURCE_IGNORES).keeping(
            rel for rel, _ in iter_records(history)))
    if not scan.files:
        raise SourceError(_nothing_to_take(scan), path=request.source,
                          hint="check that the right folder or card is selected and that it can be read")
    identity = recognise(scan)
    try:
        fingerprint = quick_fingerprint(scan)
    except OSError as exc:
        raise SourceError(f"cannot read the card: {exc.strerror}", path=exc.filename or request.source) from exc
    return CardReading(scan, history, identity, fingerprint)


class OffloadService:
    """Offload cards into the catalog at ``catalog``.

    ``wait`` and ``on_wait`` say what :meth:`run` does when another process holds the card or one of its
    destination card folders (see :mod:`services.locks`): wait in line, calling ``on_wait(holder)``, or raise
    :class:`BusyError` (exit 9) at once. ``on_job(job_id)`` is called once the run's ``jobs`` row is committed
    (the job layer adds the job's log lines to it)."""

    def __init__(self, catalog: Catalog, *, wait: bool = True, on_wait: Callable[[locks.Holder], None] | None = None,
                 on_job: Callable[[int], None] | None = None):
        self.catalog = catalog
        self.wait, self.on_wait, self.on_job = wait, on_wait, on_job

    # -- prepare -----------------------------------------------------------------------------------------
    def prepare(self, request: OffloadRequest, reading: CardReading | None = None) -> PreparedOffload:
        """Scan, recognise and plan; no bytes are written. Raises ``PreflightError``/``SourceError``/``UsageError``.

        ``reading``: the card as already read for this request (:func:`read_card`), known to be still true of
        the card (see :mod:`services.offload_handoff`); the destinations and the catalog are checked afresh."""
        if reading is None:
            reading = read_card(request)
        scan, history, identity, fingerprint = reading.scan, reading.history, reading.identity, reading.fingerprint
        plan = make_plan(scan, request.destinations, camera=identity.camera, reel=identity.reel,
                         template=request.template, algorithms=_with_history_formats(request.algorithms, history),
                         required=request.required,
                         tokens={**request.tokens, "project": request.project, "day": request.day.isoformat()})
        for rel, reason in scan.problems:
            plan.warnings.append(f"cannot be taken, blocks SAFE TO FORMAT: {rel.decode('utf-8', 'replace')} "
                                 f"({reason})")
        with self.catalog.session() as s:
            card = repo.find_card(s, fingerprint)
            summary = _seen_before(card) if card else None
            if card is None and (card := repo.find_grown_card(s, scan.root.name, scan.files)) is not None:
                summary = _seen_before(card) + "; it holds new files since"
            for dest in plan.destinations:
                _keep_cards_apart(s, dest, card, plan)
            return PreparedOffload(request, plan, identity, fingerprint, card.id if card else None, summary,
                                   history)

    # -- run ---------------------------------------------------------------------------------------
    def run(self, prepared: PreparedOffload, *, cancel: CancelToken | None = None,
            progress: ProgressSnapshot | None = None) -> OffloadResult:
        """Copy, verify, write ASC MHL and record. Returns the outcome (``status`` says if all verified).

        First takes the card's lock and each destination card folder's lock (:mod:`services.locks`): while
        another process offloads the card or writes one of the folders, waits in line (``self.on_wait(holder)``
        is called) or, with ``self.wait`` false, raises :class:`BusyError` (exit 9) naming the holder. When it
        waited, or the catalog changed since ``prepare``, the offload is prepared again first (the other run's
        copies are then found verified, not copied twice).

        Raises :class:`CancelledError` (job ``cancelled`` when ``cancel.by_user``, else ``interrupted``) and
        :class:`SourceError` when the card vanishes (job ``interrupted``). A cancel while verifying returns
        with that same status; one that lands after every file was verified leaves the job ``completed``.
        """
        cancel = cancel or CancelToken()
        on_wait = _showing_wait(progress, self.on_wait)
        held = locks.acquire(_lock_keys(prepared), wait=self.wait, cancel=cancel, on_wait=on_wait)
        try:
            if held.waited or self._catalog_moved_on(prepared):
                for _ in range(3):  # under the locks: what the other run recorded is seen now
                    prepared = self.prepare(prepared.request)
                    keys = _lock_keys(prepared)
                    if {k.path for k in keys} <= held.covered:
                        break
                    held.release()  # other folders now (the card relocated beside another): all again, in order
                    held = locks.acquire(keys, wait=self.wait, cancel=cancel, on_wait=on_wait)
            if progress is not None and progress.phase == "waiting":
                progress.phase, progress.current_file = "copy", ""
            result = self._run_locked(prepared, cancel, progress)
            result.warnings.extend(held.warnings)
            return result
        finally:
            held.release()

    def _run_locked(self, prepared: PreparedOffload, cancel: CancelToken,
                    progress: ProgressSnapshot | None) -> OffloadResult:
        plan = prepared.plan
        progress = progress or ProgressSnapshot(plan.total_bytes, len(plan.files))
        progress.destinations = [DestinationProgress() for _ in plan.destinations]
        started = time.monotonic()
        dests = ", ".join(str(d.card_path) for d in plan.destinations)
        with self.catalog.session() as s:
            run = _Run(s, prepared, progress, cancel, show.job_stamp(self.catalog.path), self.catalog.session)
            if self.on_job is not None:
                self.on_job(run.job.id)
            log.info("job %s started: offload of card %s (%s, %d files, %d bytes) to %s", run.job.id,
                     plan.card_label, plan.source, len(plan.files), plan.total_bytes, dests)
            try:
                run.execute()
            except (CancelledError, SourceError) as exc:
                by_user = isinstance(exc, CancelledError) and cancel.by_user
                run.finish(JobStatus.CANCELLED if by_user else JobStatus.INTERRUPTED, str(exc))
                log.warning("job %s of card %s ended %s: %s", run.job.id, plan.card_label,
                            "cancelled" if by_user else "interrupted", exc)
                raise
            except BaseException as exc:
                run.finish(JobStatus.FAILED, f"internal error: {exc!r}")
                log.error("job %s of card %s failed: internal error", run.job.id, plan.card_label, exc_info=exc)
                raise
            status = _final_status(run.all_verified(), cancel)
            run.finish(status, None if status == JobStatus.COMPLETED else
                       "stopped before the end: run it again to finish" if cancel.cancelled else run.failure_summary())
            result = run.result(status, time.monotonic() - started)
            result.source_failed = _source_failures(s, result.job_id)
            log.info("job %s ended %s: card %s to %s; %s", result.job_id, status.value, plan.card_label, dests,
                     "; ".join(f"{o.card_path}: {o.verified} verified, {o.skipped} kept, {o.failed} failed"
                               + (f" ({o.error})" if o.error else "") for o in result.destinations))
            return result

    def _catalog_moved_on(self, prepared: PreparedOffload) -> bool:
        """Whether the catalog learnt about this card or its folders since ``prepare`` (another offload ran)."""
        with self.catalog.session() as s:
            card = repo.find_card(s, prepared.fingerprint)
            if card is not None and card.id != prepared.known_card_id:
                return True
            for d in prepared.plan.destinations:
                owner = repo.destination_owner(s, os.fsencode(d.card_path))
                if owner is not None and owner.id != prepared.known_card_id:
                    return True
        return False


def _showing_wait(progress: ProgressSnapshot | None, on_wait):
    """``on_wait`` that also shows the wait in the progress (phase ``waiting``, the holder as current file)
    for the window's queue, which polls the snapshot."""
    def shown(holder: locks.Holder) -> None:
        if progress is not None:
            progress.phase, progress.current_file = "waiting", f"waiting for {holder.describe()}"
        if on_wait is not None:
            on_wait(holder)

    return shown


def _lock_keys(prepared: PreparedOffload) -> list[locks.LockKey]:
    label = prepared.plan.card_label
    return [locks.card_key(prepared.fingerprint, label),
            *(locks.destination_key(d.card_path, label, d.root, getattr(d, "root_dev", None))  # root_dev: on main
              for d in prepared.plan.destinations)]


def _source_failures(s: Session, job_id: int) -> int:
    """Copies this job failed because the card's file could not be read or changed during the copy."""
    return s.scalar(select(func.count()).select_from(Copy).where(
        Copy.job_id == job_id, Copy.failure == CopyFailure.SOURCE.value)) or 0


def _nothing_to_take(scan) -> str:
    if not scan.problems:
        return "the card holds no files to offload"
    rel, reason = scan.problems[0]
    more = f" (and {len(scan.problems) - 1} more)" if len(scan.problems) > 1 else ""
    return f"no file of the card could be taken: {rel.decode('utf-8', 'replace')}: {reason}{more}"


def _final_status(all_verified: bool, cancel: CancelToken) -> JobStatus:
    """A run that returned normally: a cancel during verification ends it early without raising, and is still
    a cancel (by the user) or an interruption, not a failure."""
    if all_verified:
        return JobStatus.COMPLETED
    if cancel.cancelled:
        return JobStatus.CANCELLED if cancel.by_user else JobStatus.INTERRUPTED
    return JobStatus.FAILED


def _keep_cards_apart(s: Session, dest: DestinationPlan, card: Card | None, plan: OffloadPlan) -> None:
    """Two different cards with one label (a reformatted mag, two cameras on reel A001) never share a card
    folder or an ASC MHL history: the second goes to ``<label>_2`` (``_3``…) beside the first."""
    original = dest.card_path
    n = 1
    while (owner := repo.destination_owner(s, os.fsencode(dest.card_path))) is not None and (
            card is None or owner.id != card.id):
        n += 1
        relocate(dest, original.with_name(f"{original.name}_{n}"), plan.scan)
    if n > 1:
        plan.warnings.append(f"{original} already holds a different card with the same label ({owner_label(s, original)}): "
                             f"this card goes to {dest.card_path.name}")


def owner_label(s: Session, path: Path) -> str:
    owner = repo.destination_owner(s, os.fsencode(path))
    return f"{owner.camera} reel {owner.reel}, first seen {owner.created_at:%Y-%m-%d %H:%M}" if owner else "?"


def _now_started() -> dict:
    """A job row created and started at one instant (``created_at`` never after ``started_at``)."""
    now = utcnow()
    return {"created_at": now, "started_at": now}


def _seen_before(card: Card) -> str:
    jobs = [j for j in card.jobs if j.kind == JobKind.OFFLOAD]
    last = jobs[-1] if jobs else None
    dests = ", ".join(d.path for d in card.destinations) or "no destination"
    when = last.created_at.strftime("%Y-%m-%d %H:%M") if last else "?"
    return f"card {card.label} already offloaded on {when} to {dests}"


class _Run:
    """One offload run: the catalog rows it owns and the bookkeeping of events."""

    def __init__(self, s: Session, prepared: PreparedOffload, progress: ProgressSnapshot, cancel: CancelToken,
                 show_profile: str | None = None, sessions: Callable[[], Session] | None = None):
        self.s, self.p, self.plan, self.req = s, prepared, prepared.plan, prepared.request
        # copy states and hashes are committed off the reader's thread, through a session of their own
        self.flusher = repo.BackgroundFlush(sessions) if sessions is not None else None
        self.show_profile = show_profile  # the stamp of the show profile the job runs under
        self.progress, self.cancel = progress, cancel
        self.algorithms = self.plan.algorithms
        self.outcomes = [DestinationOutcome(d.card_path) for d in self.plan.destinations]
        self.source_failures: list[tuple[str, str]] = []
        self.warnings = list(self.plan.warnings)  # the plan's, then the run's own (the plan is never modified)
        self.histories_written = False
        self._last_commit = time.monotonic()
        journals_in_memory(s)  # its card's file rows and their sync stamps (the copy states: the flusher's)
        self._open_rows()

    # rows ------------------------------------------------------------------------------------------
    def _open_rows(self) -> None:
        s, plan = self.s, self.plan
        day = repo.get_or_create_shoot_day(s, self.req.project, self.req.day)
        card = s.get(Card, self.p.known_card_id) if self.p.known_card_id else None
        if card is None:
            card = Card(label=plan.card_label, camera=self.p.identity.camera.value, reel=self.p.identity.reel,
                        quick_fingerprint=self.p.fingerprint, source_path=str(plan.source), shoot_day_id=day.id)
            s.add(card)
            s.flush()
        card.source_path, card.file_count, card.total_bytes = str(plan.source), len(plan.files), plan.total_bytes
        card.quick_fingerprint = self.p.fingerprint  # a card recorded on since its last offload is known again
        self.card = card
        rows = repo.sync_files(s, card, plan.files)
        repo.sync_problems(s, card, plan.scan.problems, plan.files)
        self.files = {rel: row for rel, row in rows.items() if row.problem is None}  # problems have no copies
        self.file_ids = {rel: row.id for rel, row in self.files.items()}  # read per event: no ORM attribute
        self.hashes = {rel: row.hashes() for rel, row in self.files.items()}  # source hashes, kept current
        self.hashed_at: dict[bytes, dt.datetime | None] = {rel: row.hashed_at for rel, row in self.files.items()}
        self.writer = repo.BatchWriter(s)
        self.job = Job(card_id=card.id, kind=JobKind.OFFLOAD, status=JobStatus.RUNNING.value,
                       source_path=str(plan.source),
                       algorithms=",".join(a.value for a in self.algorithms), template=self.req.template,
                       options=JobOptions(self.req.source_verify, self.req.cascade,
                                          tuple(str(d) for d in self.req.destinations)).to_json(),
                       host=context.hostname(), pid=os.getpid(), tool_version=__version__,
                       files_total=len(plan.files), bytes_total=plan.total_bytes, show_profile=self.show_profile,
                       **_now_started())
        s.add(self.job)
        self.dests: list[Destination] = []
        self.rows: list[dict[int, repo.CopyRow]] = []  # per destination: file_id → state, kept in memory
        self.in_place = [CopiesInPlace(d.card_path) for d in plan.destinations]  # resume: copies still there
        for pos, d in enumerate(plan.destinations):
            dest = repo.get_or_create_destination(
                s, card, os.fsencode(d.card_path), volume_label=d.volume.label, mount_point=d.volume.mount_point,
                device=d.volume.device, fs_type=d.volume.fs_type, required=d.required,
                drive_id=d.drive.id, drive_note=d.drive.note)
            self.dests.append(dest)
            self.rows.append(repo.load_copy_rows(s, dest.id))
            s.flush()
            s.add(JobDestination(job_id=self.job.id, destination_id=dest.id, position=pos,
                                 free_bytes_before=d.volume.free_bytes))
        s.commit()
        self.job_id, self.dest_ids = self.job.id, [d.id for d in self.dests]  # plain ints for the hot path

    # work ------------------------------------------------------------------------------------------
    def execute(self) -> None:
        for d in self.plan.destinations:
            remove_stale_temps(d.card_path)
        todo = self._tasks()
        indices = list(range(len(self.plan.destinations)))
        first, rest = (indices[:1], indices[1:]) if self.req.cascade else (indices, [])
        self._copy_phase(self.plan.source, first, todo, expected=None)
        if self.req.source_verify:
            self._source_verify(todo)
        if rest:
            self._cascade_phase(first[0], rest, todo)
        self._check_source_history()
        self._commit(force=True)
        self._write_histories()

    def _tasks(self) -> list[CopyTask]:
        """Per file, the destinations that still need it (verified before and still in place = skipped)."""
        tasks = []
        for sf in self.plan.files:
            row = self.files[sf.relpath]
            need, replace = [], set()
            for i, d in enumerate(self.plan.destinations):
                if self._already_verified(row, i, d.card_path):
                    self.outcomes[i].skipped += 1
                    self.outcomes[i].verified += 1
                else:
                    need.append(i)
                    if self._known_bad(row, i):
                        replace.add(i)
            if need:
                tasks.append(CopyTask(sf, tuple(need), frozenset(replace)))
            else:
                self.progress.bytes_read += sf.size
                self.progress.files_done += 1
                for i in range(len(self.plan.destinations)):
                    self.progress.destinations[i].bytes_verified += sf.size
        return tasks

    def _already_verified(self, row: File, i: int, card_path: Path) -> bool:
        copy = self.rows[i].get(row.id)
        if copy is None or copy.state != CopyState.VERIFIED.value:
            return False
        if any(not self.hashes[row.relpath_raw].get(a) for a in self.algorithms):
            return False  # verified with other hash formats than asked now: copy and verify again
        return self.in_place[i].holds(row.relpath_raw, row.size, row.mtime_ns)

    def _known_bad(self, row: File, i: int) -> bool:
        """The catalog saw PIXM's own copy at this destination fail verification (or vanish): replace it."""
        copy = self.rows[i].get(row.id)
        return copy is not None and copy.state == CopyState.FAILED.value and copy.failure in REPLACEABLE

    def _copy_phase(self, source: Path, dest_idx: list[int], tasks: list[CopyTask], expected) -> None:
        sub = [CopyTask(t.file, tuple(i for i in t.destinations if i in dest_idx), t.replace) for t in tasks]
        sub = [t for t in sub if t.destinations]
        paths = [d.card_path for d in self.plan.destinations]
        roots = [(d.root, d.root_dev) for d in self.plan.destinations]
        for ev in run_copy(source, paths, sub, dirs=self.plan.scan.dirs, algorithms=self.algorithms,
                           progress=self.progress, cancel=self.cancel, expected=expected, roots=roots):
            self._record(ev)

    def _cascade_phase(self, first: int, rest: list[int], tasks: list[CopyTask]) -> None:
        """Copy to the other destinations from the first, verified copy (the card can be ejected already)."""
        good = {t.file.relpath for t in tasks if self._state(t.file.relpath, first) == CopyState.VERIFIED.value}
        expected = {rel: self.hashes[rel] for rel in good}
        for t in tasks:
            if t.file.relpath not in good:
                for i in rest:
                    self._set(t.file.relpath, i, CopyState.FAILED, "cascade: the first copy is not verified")
        cascade_tasks = [t for t in tasks if t.file.relpath in good]  # replace flags carry over
        self._copy_phase(self.plan.destinations[first].card_path, rest, cascade_tasks, expected)

    def _source_verify(self, tasks: list[CopyTask]) -> None:
        """Re-read the card from the media and compare with the in-flight hashes."""
        self.progress.phase = "source-verify"
        base = os.fsencode(self.plan.source)
        for t in tasks:
            row = self.files[t.file.relpath]
            want = self.hashes[t.file.relpath]
            try:
                found, _ = hash_from_media(os.path.join(base, t.file.relpath), self.algorithms, cancel=self.cancel)
                bad = [a for a in self.algorithms if want.get(a) != found.get(a)]
                reason = f"source re-read differs ({', '.join(bad)}): unstable card or reader" if bad else None
            except OSError as exc:
                reason = f"source re-read failed: {exc.strerror}"
            if reason:
                self.source_failures.append((row.relpath, reason))
                for i in t.destinations:
                    self._set(t.file.relpath, i, CopyState.FAILED, reason, CopyFailure.SOURCE)
        self.progress.phase = "copy"

    def _check_source_history(self) -> None:
        """Every file the card's own ASC MHL history records is on the card with the recorded hashes (read in
        this copy); a file that differs or is gone is a source failure — never SAFE TO FORMAT, and said."""
        history = self.p.source_history
        if history is None:
            return
        blocked = {rel for rel, _ in self.plan.scan.problems}
        for prefix, sub in history.walk():
            for own in sorted(sub.own_paths()):
                rel = prefix + b"/" + own if prefix else own
                if rel in blocked:
                    continue  # already reported: cannot be taken
                reason = self._history_mismatch(rel, history)
                if reason is None:
                    continue
                self.source_failures.append((rel.decode("utf-8", "replace"), reason))
                if rel in self.files:
                    for i in range(len(self.plan.destinations)):
                        self._set(rel, i, CopyState.FAILED, reason, CopyFailure.SOURCE)

    def _history_mismatch(self, rel: bytes, history: MhlHistory) -> str | None:
        expected = history.expected_hashes(rel)
        if rel not in self.files:
            return ("recorded in the card's own ASC MHL history but not on the card: lost since that history was "
                    "written; restore it from another copy") if expected else None
        got = self.hashes[rel]
        bad = [a for a, v in expected.items() if v and got.get(a) and not _same_hash(a, v, got[a])]
        if not bad:
            return None
        return (f"differs from the card's own ASC MHL history ({', '.join(a.value for a in bad)}): changed since "
                "that history was written; copy it from another verified copy")

    # events ----------------------------------------------------------------------------------------
    def _record(self, ev: SourceHashed | FileResult) -> None:
        if isinstance(ev, SourceHashed):
            self.hashes[ev.relpath] = {**self.hashes[ev.relpath], **ev.hashes}
            self.hashed_at[ev.relpath] = utcnow()
            self.writer.file_hashes(self.file_ids[ev.relpath], ev.hashes)
        else:
            self._set(ev.relpath, ev.destination, ev.state, ev.reason, ev.failure)
        self._commit()

    def _state(self, relpath: bytes, i: int) -> str | None:
        row = self.rows[i].get(self.file_ids[relpath])
        return row.state if row else None

    def _set(self, relpath: bytes, i: int, state: CopyState, reason: str | None,
             failure: CopyFailure | None = None) -> None:
        file_id = self.file_ids[relpath]
        current = self.rows[i].get(file_id)
        if current is not None and current.job_id == self.job_id and current.state == CopyState.FAILED.value:
            return  # a failure in this job is final: a later event must not upgrade it
        self.rows[i][file_id] = repo.CopyRow(state.value, reason, self.job_id,
                                             failure.value if failure is not None else None)
        self.writer.copy_state(file_id, self.dest_ids[i], state, reason, self.job_id, failure)
        out = self.outcomes[i]
        if state == CopyState.VERIFIED:
            out.verified += 1
        elif state == CopyState.FAILED:
            out.failed += 1
            out.failures.append((self.files[relpath].relpath, reason or "failed"))

    def _commit(self, force: bool = False) -> None:
        if force or time.monotonic() - self._last_commit >= COMMIT_EVERY:
            if self.flusher is None:
                self.writer.flush()
                self.s.commit()
            else:
                self.flusher.submit(self.writer.take())
                if force:
                    self.flusher.drain()
            self._last_commit = time.monotonic()

    # ASC MHL ---------------------------------------------------------------------------------------
    def _write_histories(self) -> None:
        """One ASC MHL generation per destination whose every file is verified; one timestamp for all.

        Each destination stands alone: a damaged, foreign or unwritable history fails that destination
        (``out.error``, so the job does not end completed) while the others get their generations."""
        self.progress.phase = "mhl"
        when = dt.datetime.now(dt.UTC).replace(microsecond=0)
        who = context.creator(self.req.author, location=self.req.location, comment=self.req.comment)
        for i, d in enumerate(self.plan.destinations):
            out = self.outcomes[i]
            if out.failed or out.verified < len(self.plan.files):
                out.error = out.error or "ASC MHL not written: not every file is verified on this destination"
                continue
            try:
                carried = None
                if self.p.source_history is not None:
                    carried = carry_history(self.p.source_history, d.card_path)
                    out.carried = carried.generations
                records = self._mhl_records(i, d.card_path, carried)
                if not records:
                    continue
                ignore = _mhl_ignores(self.p.source_history)
                for prefix, sub in nested_records(records, carried):
                    write_generation(d.card_path / os.fsdecode(prefix), sub, process="transfer", creator=who,
                                     when=when, ignore=ignore)
                info = write_generation(d.card_path, records, process="transfer", creator=who, when=when,
                                        ignore=ignore)
            except (OSError, PixmError) as exc:
                out.error = f"ASC MHL could not be written: {exc}"
                continue
            out.mhl_generation = info.path
            if info.unrepresentable:
                names = ", ".join(r.decode("utf-8", "replace") for r in info.unrepresentable)
                self.warnings.append(f"{d.card_path}: names that are not UTF-8 cannot be listed in ASC MHL "
                                     f"(copied and verified, recorded in the catalog only): {names}")
        self.histories_written = True

    def _mhl_records(self, i: int, card_path: Path, carried: CarriedHistory | None) -> list[MhlFileRecord]:
        """Verified files the destination's history lacks ('original'), and files this job re-verified that it
        already records ('verified'); files recorded earlier and untouched now are left to earlier generations.
        Generations carried from the card's own history do not count as recorded here: their files are written
        'original' and the writer records them 'verified' (or 'failed') against the carried records, as the
        reference tool does for a copy that continues a history."""
        recorded = _recorded_hashes(card_path, carried.names() if carried else frozenset())
        recs = []
        for sf in self.plan.files:
            copy = self.rows[i].get(self.files[sf.relpath].id)
            if copy is None or copy.state != CopyState.VERIFIED.value:
                continue
            hashes = {a: self.hashes[sf.relpath][a] for a in self.algorithms}
            known = recorded.get(sf.relpath)
            if known is None:
                action = "original"
            elif copy.job_id == self.job.id:
                action = "verified"
            else:
                continue
            recs.append(MhlFileRecord(relpath=sf.relpath, size=sf.size, mtime_ns=sf.mtime_ns, hashes=hashes,
                                      action=action, hashdate=aware_utc(self.hashed_at[sf.relpath])))
        return recs

    # finish ----------------------------------------------------------------------------------------
    def all_verified(self) -> bool:
        """Every card entry taken and verified on every destination (a card entry that could not be taken is
        on no destination: the job cannot be complete)."""
        n = len(self.plan.files)
        # out.error: the destination's ASC MHL generation could not be written, so it is not complete
        return (not self.source_failures and not self.plan.scan.problems
                and all(o.failed == 0 and o.error is None and o.verified >= n for o in self.outcomes))

    def failure_summary(self) -> str:
        parts = [f"{o.card_path}: {o.failed} failed" if o.failed else f"{o.card_path}: {o.error}"
                 for o in self.outcomes if o.failed or o.error]
        if self.plan.scan.problems:
            n = len(self.plan.scan.problems)
            parts.insert(0, f"{n} card entr{'y' if n == 1 else 'ies'} could not be taken")
        return "; ".join(parts) or "not every file verified"

    def finish(self, status: JobStatus, error: str | None) -> None:
        s = self.s
        try:
            self._commit(force=True)  # keep the states recorded so far (they are all true statements)
        except Exception:
            s.rollback()
        finally:
            if self.flusher is not None:
                with contextlib.suppress(Exception):  # its error, if any, was met just above
                    self.flusher.close()
        try:
            self.job.status, self.job.error, self.job.finished_at = status.value, error, utcnow()
            for jd, out in zip(sorted(self.job.job_destinations, key=lambda j: j.position), self.outcomes, strict=True):
                # a destination is complete when every file on it is verified and its history was written,
                # even if another destination of the same job failed
                complete = out.ok and self.histories_written and out.verified >= len(self.plan.files)
                jd.status = JobDestinationStatus.COMPLETED if complete else JobDestinationStatus.FAILED
                jd.error = out.error or (f"{out.failed} file(s) failed" if out.failed else None)
                jd.mhl_generation = str(out.mhl_generation) if out.mhl_generation else None
            if status == JobStatus.COMPLETED:
                hashes = {rel: h[self.algorithms[0]] for rel, h in self.hashes.items()}
                self.card.content_fingerprint = content_fingerprint(hashes, self.algorithms[0])
            s.commit()
        except Exception:
            s.rollback()
            raise

    def result(self, status: JobStatus, seconds: float) -> OffloadResult:
        return OffloadResult(
            job_id=self.job.id, card_id=self.card.id, card_label=self.plan.card_label,
            camera=self.p.identity.camera.value, reel=self.p.identity.reel, files=len(self.plan.files),
            total_bytes=self.plan.total_bytes, algorithms=self.algorithms, destinations=self.outcomes,
            status=status, seconds=seconds, warnings=list(self.warnings),
            source_verify_failures=self.source_failures,
            problems=[(rel.decode("utf-8", "replace"), why) for rel, why in self.plan.scan.problems],
            ignored=[rel.decode("utf-8", "replace") for rel in self.plan.scan.ignored])


def _recorded_hashes(card_path: Path, carried: frozenset[str] = frozenset()) -> dict[bytes, object]:
    """``{relpath: record}`` of the newest record per file in an existing history, leaving out the generations
    named in ``carried``; empty when there is none.

    Raises :class:`MhlError` (damaged, foreign or symlinked history) and ``OSError``: the caller fails that
    destination only."""
    if not os.path.lexists(card_path / "ascmhl"):
        return {}
    history = load_history(card_path)  # an empty ascmhl/ (a kill while the first manifest was written) is none
    own = {rec.relpath for gen in history.generations if gen.path.name not in carried for rec in gen.records}
    return {rel: history.latest(rel) for rel in own}



def _source_history(request: OffloadRequest, scan) -> MhlHistory | None:
    """The card's own ASC MHL history (root or nested ``ascmhl`` folders the scan left out), or ``None``.

    Raises :class:`MhlError` when it cannot be trusted (chain broken, a manifest changed, malformed): a copy
    must not continue a history it cannot check, nor silently start a new one."""
    if request.fresh_history or not any(rel.rsplit(b"/", 1)[-1] == b"ascmhl" for rel in scan.ignored):
        return None
    try:
        history = load_history(Path(request.source))
    except MhlError as exc:
        raise type(exc)(f"the card's own ASC MHL history cannot be trusted: {exc.message}", path=exc.path,
                        hint="restore its ascmhl folder from another copy of this card, or offload with "
                             "--fresh-history to copy the files and start a new history (the chain of custody "
                             "then starts again at this copy)") from exc
    return history if any(sub.generations for _, sub in history.walk()) else None


def _with_history_formats(algorithms: tuple[HashAlgorithm, ...], history: MhlHistory | None,
                          ) -> tuple[HashAlgorithm, ...]:
    """The requested formats plus every format the card's own history records, so each file is compared with
    its record while it is copied (MHL element order kept after the requested ones)."""
    if history is None:
        return algorithms
    seen = {a for _, rec in iter_records(history) for a in rec.hashes}
    return tuple(algorithms) + tuple(a for a in MHL_ORDER if a in seen and a not in algorithms)


def _mhl_ignores(history: MhlHistory | None) -> tuple[str, ...]:
    """:data:`MHL_IGNORES`, less any pattern that matches a file the card's own history records (the new
    generation must not hide a file an earlier generation lists)."""
    if history is None:
        return MHL_IGNORES
    names = {rel.rsplit(b"/", 1)[-1].decode("utf-8", "replace") for rel, _ in iter_records(history)
             if rel.rsplit(b"/", 1)[-1].startswith(b".")}
    return tuple(p for p in MHL_IGNORES if not any(fnmatch.fnmatchcase(n, p) for n in names))


def _same_hash(algorithm: HashAlgorithm, a: str, b: str) -> bool:
    return a == b if algorithm == HashAlgorithm.C4 else a.lower() == b.lower()


def recover_interrupted(catalog: Catalog) -> list[int]:
    """Mark jobs (of every kind) of dead processes on this cart ``interrupted``; returns their ids (call at
    start-up). Kept here for its callers; the rule is :func:`services.jobs.record.recover_interrupted`."""
    from pixm_desktop.services.jobs import record  # the job layer imports this module

    return record.recover_interrupted(catalog)
