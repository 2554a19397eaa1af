"""The offload report of a job: which files went where, verified by which hashes, and the card's verdict now."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from pixm_desktop.core.errors import PixmError
from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.core.states import JobOptions, ProbeStatus, ThumbnailStatus
from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.core.verdict import CardState, CardVerdict, SafeRule
from pixm_desktop.mhl.reader import read_creator_info
from pixm_desktop.reports import offload as offload_pdf
from pixm_desktop.reports.model import (
    CardLine,
    ClipLine,
    DestinationLine,
    FileLine,
    OffloadReport,
    ReportResult,
)
from pixm_desktop.services import status
from pixm_desktop.services.reports.clip_lines import lines_for_cards
from pixm_desktop.services.reports.common import ReportOptions, report_context, resolve_job, writing
from pixm_desktop.store import reports_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import File, JobDestination

MAX_FAILURES = 200  # failed files listed per destination in an offload report


@dataclass(frozen=True, slots=True)
class JobInfo:
    job_id: int
    card_id: int
    card_label: str
    project: str
    day: dt.date | None
    status: str
    finished_at: dt.datetime | None
    verdict: CardVerdict | None = None  # the card's verdict now (the job may be complete, the card not safe)


def offload_jobs(catalog: Catalog, day: dt.date | None = None, project: str | None = None, *,
                 rule: SafeRule | None = None) -> list[JobInfo]:
    """Offload jobs, newest first, optionally of one shoot day / project, each with its card's verdict now
    under ``rule`` (default: the default rule)."""
    with catalog.session() as s:
        rows = [(j.id, j.card_id, label, p or "", d, j.status, aware_utc(j.finished_at))
                for j, label, p, d in reports_repo.offload_jobs(s, day, project)]
    verdicts = status.card_verdicts(catalog, {r[1] for r in rows}, rule=rule)
    return [JobInfo(*r, verdict=verdicts.get(r[1])) for r in rows]


def read_creator(jds: Iterable[JobDestination]) -> tuple[str | None, str | None]:
    """(author, location) from the first ASC MHL generation of the job whose ``<creatorinfo>`` can still be read
    (only the manifest's head is read: a card of 20,000 files has a manifest of several MB)."""
    for jd in jds:
        if not jd.mhl_generation:
            continue
        try:
            creator = read_creator_info(Path(jd.mhl_generation))
        except (PixmError, OSError):
            continue
        return creator.author_name, creator.location
    return None, None


def _file_lines(session: Session, card_id: int, algorithms: list[str]) -> list[FileLine]:
    """The card's files taken (by raw name) with the job's checksums, read as plain rows: one ORM object per
    file cost ~0.3 s for a card of 20,000 files, in the report the aftercare job writes after every offload."""
    names = [a for a in algorithms if a in File.__table__.c]
    q = (select(File.relpath, File.size, *(File.__table__.c[a] for a in names))
         .where(File.card_id == card_id, File.problem.is_(None)).order_by(File.relpath_raw))
    return [FileLine(r[0], r[1], {a: h for a, h in zip(names, r[2:], strict=True) if h})
            for r in session.execute(q)]


def offload_report_data(catalog: Catalog, *, job_id: int | None = None, card_label: str | None = None,
                        options: ReportOptions | None = None) -> OffloadReport:
    """Everything the offload report of a job (or a card's newest offload job) prints."""
    options = options or ReportOptions()
    with catalog.session() as s:
        job = resolve_job(s, job_id, card_label)
        card = job.card
        sd = card.shoot_day
        jds = sorted(job.job_destinations, key=lambda j: j.position)
        author, location = read_creator(jds)
        algorithms = [a for a in job.algorithms.split(",") if a]
        files = _file_lines(s, card.id, algorithms)  # entries not taken are listed as failures
        card_line = CardLine(card.id, card.label, card.camera, card.reel, card.file_count, card.total_bytes,
                             card.source_path)
        dest_rows = [(jd.position, jd.destination_id, jd.destination.path, jd.destination.volume_label,
                      jd.destination.mount_point, jd.destination.fs_type, jd.destination.required,
                      jd.free_bytes_before, jd.status, jd.error, jd.mhl_generation) for jd in jds]
        job_status, job_error, host, tool_version = job.status, job.error, job.host, job.tool_version
        started, finished, job_id = aware_utc(job.started_at or job.created_at), aware_utc(job.finished_at), job.id
        opts = JobOptions.from_json(job.options)
        project, day, shoot_day_id = (sd.project.name, sd.day, sd.id) if sd else ("", None, None)
    card_state = status.card_status(catalog, card_line.id, rule=options.rule)
    counts = {d.id: d for d in card_state.destinations} if card_state else {}
    failures: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for relpath, dest_id, state, reason in status.file_state_table(catalog, card_line.id).rows:  # plain tuples
        if state == CopyState.FAILED.value:  # failed copies, entries not taken
            failures[dest_id].append((relpath, reason or "failed"))
    destinations = []
    for pos, dest_id, path, volume, mount, fs_type, required, free, jd_status, jd_error, mhl in dest_rows:
        c = counts.get(dest_id)
        fails = failures.get(dest_id, [])
        destinations.append(DestinationLine(
            position=pos, path=path, volume_label=volume, mount_point=mount, fs_type=fs_type, required=required,
            free_bytes_before=free, files=card_line.files, verified=c.verified if c else 0,
            failed=len(fails), pending=(c.pending + c.copied) if c else card_line.files,
            status=jd_status, error=jd_error, mhl_generation=mhl, failures=fails[:MAX_FAILURES],
            failures_not_listed=max(0, len(fails) - MAX_FAILURES)))
    lines = lines_for_cards(catalog, [card_line.id], shoot_day_id)
    warnings = _offload_warnings(job_status, destinations, lines)
    verdict = card_state.verdict if card_state else CardVerdict(CardState.NOT_SAFE, "the card is not in the catalog")
    return OffloadReport(
        context=report_context(options), job_id=job_id, job_status=job_status, project=project, day=day,
        dit=options.dit or author, host=host, tool_version=tool_version, card=card_line, algorithms=algorithms,
        started_at=started, finished_at=finished, source_verify=opts.source_verify,
        cascade=opts.cascade, destinations=destinations, safe=verdict.safe,
        safe_reason=verdict.reason, clips=lines, files=files, warnings=warnings, job_error=job_error,
        location=location, verdict=verdict)


def _offload_warnings(job_status: str, dests: list[DestinationLine], lines: list[ClipLine]) -> list[str]:
    out = []
    if job_status == JobStatus.RUNNING.value:
        out.append("the job was still running when this report was made: counts may change")
    elif job_status == JobStatus.INTERRUPTED.value:
        out.append("the job was interrupted (crashed, closed or the card was pulled): run the same offload "
                   "again to resume it")
    elif job_status == JobStatus.CANCELLED.value:
        out.append("the job was cancelled by the user: run the same offload again to finish it")
    for d in dests:
        if d.pending and not d.failed:
            out.append(f"destination {d.position + 1} ({d.path}): {d.pending} file(s) not verified yet")
    for c in lines:
        if c.probe_status == ProbeStatus.FAILED:
            out.append(f"clip {c.name} could not be read: {c.probe_error or 'unknown reason'}")
        elif c.thumbnail_status == ThumbnailStatus.FAILED:
            out.append(f"clip {c.name}: no thumbnail could be made")
    return out


def write_offload_report(catalog: Catalog, path: Path, *, job_id: int | None = None, card_label: str | None = None,
                         options: ReportOptions | None = None) -> ReportResult:
    """Write the offload report PDF of a job (or of a card's newest offload job) to ``path``."""
    data = offload_report_data(catalog, job_id=job_id, card_label=card_label, options=options)
    with writing(path):
        return offload_pdf.write_offload_report(data, Path(path))


__all__ = ["JobInfo", "offload_jobs", "offload_report_data", "read_creator", "write_offload_report"]
