"""What the loader checks: per card and destination, how many files are pending, copied, verified or failed;
which files failed and why; the card's **verdict** (safe / not safe / copying / failed); the job history; jobs
to resume.

The verdict is decided by :func:`pixm_desktop.core.verdict.card_verdict` alone; this module only gathers its
inputs from the catalog (copy-state counts and the physical drive of every destination, card entries PIXM
could not take, whether a job of the card runs in a live process). Every view gets its verdict from
:attr:`CardStatus.verdict` (:func:`card_status`, :func:`card_statuses`) or :func:`card_verdicts`.

All functions read the catalog; call them off the GUI thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.drive_names import brief_names, drive_key, short_names
from pixm_desktop.core.hashes import parse_algorithms
from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.core.states import JobKind, JobOptions, VerifyJobOptions
from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.core.verdict import CardState, CardVerdict, DestinationCopies, SafeRule, card_verdict
from pixm_desktop.services import context
from pixm_desktop.services.offload import OffloadRequest, recover_interrupted
from pixm_desktop.services.verify import VerifyOutcome
from pixm_desktop.store import repo, status_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, Destination
from pixm_desktop.store.status_repo import NOT_TAKEN

__all__ = ["NOT_TAKEN", "CardState", "CardStatus", "CardVerdict", "DestinationStatus", "FileState", "FileStateTable",
           "HistoryRow", "ResumableJob", "SafeRule", "brief_names", "card_status", "card_statuses",
           "card_verdicts", "drive_key", "file_state_table", "file_states", "history", "interrupted_jobs",
           "planned_drive", "projects", "recover_and_list_interrupted", "reverify_destination", "safe_rule",
           "short_names"]

DEFAULT_MIN_COPIES = 2


def safe_rule(settings=None, *, min_copies: int | None = None, distinct_drives: bool | None = None) -> SafeRule:
    """The :class:`SafeRule` of ``settings`` (anything with ``min_copies`` and ``distinct_drives``, e.g. the
    window's ``OffloadSettings``), keyword overrides applied; the default rule without either."""
    base = SafeRule() if settings is None else SafeRule(max(1, int(settings.min_copies)),
                                                         bool(settings.distinct_drives))
    return SafeRule(base.min_copies if min_copies is None else max(1, int(min_copies)),
                    base.distinct_drives if distinct_drives is None else bool(distinct_drives))


@dataclass(slots=True)
class DestinationStatus:
    """File counts of one card on one destination folder, and the physical drive it is on."""

    id: int
    path: str
    volume_label: str
    drive: str  # device or mount point (for display and grouping of old rows; the verdict uses drive_id)
    required: bool
    total: int
    pending: int = 0
    copied: int = 0
    verified: int = 0
    failed: int = 0
    name: str = ""  # short name for people: the drive's label, or the folder when that is ambiguous
    drive_id: str = ""  # the physical drive; "" when the OS could not tell (or an old row)
    drive_note: str | None = None
    first_failure: tuple[str, str] | None = None  # (relpath, reason) of one failed copy
    brief: str = ""  # the name in verdict reasons: the drive label, or the folder that tells it apart

    @property
    def complete(self) -> bool:
        """Every file verified, none failed: the verdict's own rule (``core.verdict``), never a second one."""
        return self.copies().complete

    @property
    def label(self) -> str:
        return self.name or self.path

    def describe(self) -> str:
        """Words for the state: ``all verified``, ``3 failed, 2 pending`` …"""
        return self.copies().describe()

    def copies(self) -> DestinationCopies:
        """The verdict's input record for this destination."""
        return DestinationCopies(self.path, self.total, self.pending, self.copied, self.verified, self.failed,
                                 self.required, self.brief or self.name, self.drive_id, self.drive_note,
                                 self.first_failure)


@dataclass(slots=True)
class CardStatus:
    """A card as the verification view shows it; ``verdict`` is THE verdict (see ``core.verdict``)."""

    id: int
    label: str
    camera: str
    reel: str
    project: str
    day: dt.date | None
    files: int
    total_bytes: int
    source_path: str
    created_at: dt.datetime | None
    destinations: list[DestinationStatus]
    verdict: CardVerdict
    last_job_status: str | None = None
    last_job_at: dt.datetime | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)  # card entries PIXM could not take
    running: bool = False


def planned_drive(dest_plan) -> tuple[str, str | None]:
    """``(drive_id, note)`` of a planned destination (an ``engine.plan.DestinationPlan``): the physical drive
    its card folder will be on (see ``engine.drives``), ``""`` with the reason when the OS cannot tell. The only
    place the pre-copy warning learns drives from."""
    return dest_plan.drive.id, dest_plan.drive.note


def _dest_statuses(s, cards: list[Card]) -> dict[int, list[DestinationStatus]]:
    dest_ids = [d.id for c in cards for d in c.destinations]
    counts = repo.state_counts(s, dest_ids) if dest_ids else {}
    firsts = repo.first_failures(s, dest_ids) if dest_ids else {}
    out: dict[int, list[DestinationStatus]] = {}
    for c in cards:
        rows = []
        for d in sorted(c.destinations, key=lambda d: d.id):
            n = counts.get(d.id, {})
            copied = n.get(CopyState.COPIED.value, 0)
            verified = n.get(CopyState.VERIFIED.value, 0)
            failed = n.get(CopyState.FAILED.value, 0)
            pending = max(0, c.file_count - copied - verified - failed)
            rows.append(DestinationStatus(d.id, d.path, d.volume_label, drive_key(d.device, d.mount_point),
                                          d.required, c.file_count, pending, copied, verified, failed,
                                          drive_id=d.drive_id or "", drive_note=d.drive_note or _old_note(d),
                                          first_failure=firsts.get(d.id)))
        pairs = [(r.path, r.volume_label) for r in rows]
        for row, name, brief in zip(rows, short_names(pairs), brief_names(pairs), strict=True):
            row.name, row.brief = name, brief
        out[c.id] = rows
    return out


def _old_note(d: Destination) -> str | None:
    if d.drive_id:
        return None
    return "recorded by a PIXM version that did not identify physical drives"


def _running(s, card_ids: list[int]) -> set[int]:
    """Cards with a job recorded running in a live process (another cart's jobs are taken at their word)."""
    here = context.hostname()
    return {cid for cid, jobs in repo.running_jobs(s, card_ids).items()
            if any(host != here or (pid and context.pid_alive(pid)) for host, pid in jobs)}


def _verdict(c: Card, dests: list[DestinationStatus], problems: list[tuple[str, str]], running: bool,
             rule: SafeRule) -> CardVerdict:
    return card_verdict([d.copies() for d in dests], c.file_count, problems=problems, running=running, rule=rule)


def _statuses(s, cards: list[Card], rule: SafeRule) -> list[CardStatus]:
    ids = [c.id for c in cards]
    dests = _dest_statuses(s, cards)
    problems = repo.card_problems(s, ids) if ids else {}
    running = _running(s, ids) if ids else set()
    out = []
    for c in cards:
        last = max((j for j in c.jobs if j.kind == JobKind.OFFLOAD), key=lambda j: j.id, default=None)
        p, r = problems.get(c.id, []), c.id in running
        out.append(CardStatus(
            id=c.id, label=c.label, camera=c.camera, reel=c.reel,
            project=c.shoot_day.project.name if c.shoot_day else "", day=c.shoot_day.day if c.shoot_day else None,
            files=c.file_count, total_bytes=c.total_bytes, source_path=c.source_path,
            created_at=aware_utc(c.created_at), destinations=dests[c.id], verdict=_verdict(c, dests[c.id], p, r, rule),
            last_job_status=last.status if last else None, last_job_at=aware_utc(last.created_at) if last else None,
            problems=p, running=r))
    return out


def card_statuses(catalog: Catalog, *, rule: SafeRule | None = None, min_copies: int | None = None,
                  distinct_drives: bool | None = None, limit: int = 500) -> list[CardStatus]:
    """The newest ``limit`` cards, newest first, each with its destinations and verdict under ``rule`` (the
    default rule, or ``min_copies`` / ``distinct_drives`` given one by one)."""
    rule = safe_rule(rule, min_copies=min_copies, distinct_drives=distinct_drives)
    with catalog.session() as s:
        return _statuses(s, status_repo.newest_cards(s, limit), rule)


def card_status(catalog: Catalog, card_id: int, *, rule: SafeRule | None = None, min_copies: int | None = None,
                distinct_drives: bool | None = None) -> CardStatus | None:
    """One card as :func:`card_statuses` reads it; ``None`` when the catalog does not hold it."""
    rule = safe_rule(rule, min_copies=min_copies, distinct_drives=distinct_drives)
    with catalog.session() as s:
        cards = status_repo.cards_by_id(s, [card_id])
        return _statuses(s, cards, rule)[0] if cards else None


def card_verdicts(catalog: Catalog, card_ids: Iterable[int], *, rule: SafeRule | None = None
                  ) -> dict[int, CardVerdict]:
    """``{card_id: verdict}`` for lists (History, Reports, ``pixm catalog cards``); unknown ids are left out."""
    ids = sorted(set(card_ids))
    rule = safe_rule(rule)
    if not ids:
        return {}
    with catalog.session() as s:
        return {st.id: st.verdict for st in _statuses(s, status_repo.cards_by_id(s, ids), rule)}


@dataclass(frozen=True, slots=True)
class FileState:
    """One file on one destination."""

    relpath: str
    size: int
    destination_id: int
    destination: str  # the card folder on the destination
    state: str
    reason: str | None
    verified_at: dt.datetime | None
    drive: str = ""  # short name of the destination (see brief_names)


def file_states(catalog: Catalog, card_id: int, *, failures_only: bool = False) -> list[FileState]:
    """Every file × destination of a card (files with no copy row yet are ``pending``), sorted by file.

    One column query (``store.status_repo.file_state_details``, no ORM objects): a card of thousands of files
    loads in a few milliseconds, which matters while an offload competes for the CPU.
    """
    with catalog.session() as s:
        dests = status_repo.card_destinations(s, card_id)
        rows = status_repo.file_state_details(s, card_id)
    drives = dict(zip((d[0] for d in dests), brief_names([(path, label) for _, path, label in dests]),
                      strict=True))
    return [FileState(relpath, size, did, dpath, state, reason, aware_utc(when), drives[did])
            for relpath, size, did, dpath, state, reason, when in rows
            if not failures_only or state == CopyState.FAILED.value]


@dataclass(frozen=True, slots=True)
class FileStateTable:
    """A card's file × destination states in the lean form a view keeps: ``rows`` are plain tuples
    ``(relpath, destination_id, state, reason)`` sorted by file name (raw bytes) then destination;
    ``destinations`` maps a destination id to ``(card folder path, short drive name)``."""

    destinations: dict[int, tuple[str, str]]
    rows: list[tuple[str, int, str, str | None]]

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if r[2] == CopyState.FAILED.value)


def file_state_table(catalog: Catalog, card_id: int) -> FileStateTable:
    """:func:`file_states` for views that refresh while an offload runs: one SQL join read straight into tuples
    (``store.status_repo.file_state_rows``).

    Why: building a dataclass and a timestamp per row costs ~60 ms of interpreter time for a card of 2,000
    files on two destinations; in the window's process that time is taken from the GUI thread. This read
    costs a few milliseconds.
    """
    with catalog.session() as s:
        dests = status_repo.card_destinations(s, card_id)
        rows = status_repo.file_state_rows(s, card_id)
    names = brief_names([(path, label) for _, path, label in dests])
    return FileStateTable({d[0]: (d[1], name) for d, name in zip(dests, names, strict=True)}, rows)


def reverify_destination(catalog: Catalog, destination_id: int) -> VerifyOutcome:
    """Re-read one destination card folder from the media against its ASC MHL history; the catalog's copy states
    follow the verdict. The ``verify`` job kind (a row in ``jobs``, as ``pixm verify`` writes). Raises
    :class:`UsageError` (unknown id), :class:`DestinationMissingError` (folder gone) or :class:`MhlError`."""
    from pixm_desktop.services import jobs  # the job layer imports the services this module's callers use

    return jobs.execute(catalog, JobKind.VERIFY, VerifyJobOptions(destination_id=destination_id))


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One past job with its card."""

    job_id: int
    card_id: int
    card: str
    camera: str
    reel: str
    project: str
    day: dt.date | None
    kind: str
    status: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    files: int
    total_bytes: int
    destinations: tuple[str, ...]
    error: str | None
    drives: tuple[str, ...] = ()  # short names of the destinations (see brief_names)


def history(catalog: Catalog, text: str = "", *, day: dt.date | None = None, project: str | None = None,
            limit: int = 1000) -> list[HistoryRow]:
    """Past offload jobs, newest first; ``text`` matches card label, reel, camera or project (case-insensitive).
    Jobs of the other kinds (verify, ingest, report, aftercare) are listed by ``catalog.jobs``."""
    with catalog.session() as s:
        out = []
        for j in status_repo.history_jobs(s, text, day=day, project=project, limit=limit,
                                           kind=JobKind.OFFLOAD):
            c = j.card
            sd = c.shoot_day
            jds = sorted(j.job_destinations, key=lambda x: x.position)
            out.append(HistoryRow(
                job_id=j.id, card_id=c.id, card=c.label, camera=c.camera, reel=c.reel,
                project=sd.project.name if sd else "", day=sd.day if sd else None, kind=j.kind, status=j.status,
                started_at=aware_utc(j.started_at or j.created_at), finished_at=aware_utc(j.finished_at),
                files=j.files_total, total_bytes=j.bytes_total,
                destinations=tuple(jd.destination.path for jd in jds),
                error=j.error, drives=tuple(brief_names([(jd.destination.path, jd.destination.volume_label)
                                                         for jd in jds]))))
        return out


def projects(catalog: Catalog) -> list[str]:
    with catalog.session() as s:
        return status_repo.project_names(s)


@dataclass(slots=True)
class ResumableJob:
    """An offload left ``interrupted`` (crash, kill, pulled card, cancel) that is the newest job of its card."""

    job_id: int
    card_id: int
    card: str
    reason: str
    request: OffloadRequest
    started_at: dt.datetime | None = None
    files: int = 0
    total_bytes: int = 0
    notes: list[str] = field(default_factory=list)


def recover_and_list_interrupted(catalog: Catalog) -> list[ResumableJob]:
    """Start-up: mark jobs of dead processes ``interrupted`` (see ``offload.recover_interrupted``) and return
    every interrupted offload that no later job of the same card superseded."""
    recover_interrupted(catalog)
    return interrupted_jobs(catalog)


def interrupted_jobs(catalog: Catalog) -> list[ResumableJob]:
    with catalog.session() as s:
        out = []
        for j in status_repo.newest_offloads(s):
            if j.status != JobStatus.INTERRUPTED.value:
                continue
            options = JobOptions.from_json(j.options)
            jds = sorted(j.job_destinations, key=lambda x: x.position)
            roots = [Path(p) for p in options.destinations]
            notes = []
            template = j.template or "{card}"
            if len(roots) != len(jds):  # roots not recorded: resume into the same card folders
                roots = [Path(jd.destination.path).parent for jd in jds]
                template = "{card}"
                notes.append("destination roots not recorded: resuming into the same card folders")
            sd = j.card.shoot_day
            try:
                algorithms = parse_algorithms(j.algorithms)
            except ValueError:
                algorithms = parse_algorithms("xxh64")
            req = OffloadRequest(source=Path(j.source_path), destinations=roots, algorithms=algorithms,
                                 template=template, project=sd.project.name if sd else "Untitled",
                                 day=sd.day if sd else dt.date.today(), required=[jd.destination.required for jd in jds]
                                 if len(jds) == len(roots) else None,
                                 source_verify=options.source_verify, cascade=options.cascade)
            out.append(ResumableJob(j.id, j.card_id, j.card.label, j.error or "interrupted", req,
                                    aware_utc(j.started_at), j.files_total, j.bytes_total, notes))
        return out
