"""Reports and exports: read the catalog into typed report data (``reports.model``) and write PDF, CSV, ALE.

The API the CLI and the GUI's Reports page call (plain data in and out, never ORM objects; all functions block,
call them off the GUI thread):

- :func:`shoot_days` ``(catalog)`` → ``list[ShootDayInfo]``: the days a report can be made for, newest first.
- :func:`offload_jobs` ``(catalog, day=None, project=None)`` → ``list[JobInfo]``: offload jobs to report on.
- :func:`offload_report_data` ``(catalog, *, job_id=None, card_label=None, options=None)`` →
  :class:`~pixm_desktop.reports.model.OffloadReport`; :func:`write_offload_report` ``(catalog, path, …)``
  → :class:`~pixm_desktop.reports.model.ReportResult`. ``card_label`` picks the card's newest offload job.
- :func:`daily_report_data` ``(catalog, day, *, project=None, options=None)`` →
  :class:`~pixm_desktop.reports.model.DailyReport`; :func:`write_daily_report` ``(catalog, day, path, …)``.
- :func:`report_clips` ``(catalog, day, *, project=None, card_label=None)`` → ``list[ClipLine]``;
  :func:`export_csv` / :func:`export_ale` ``(catalog, path, *, day, …)`` → ``ReportResult``.
- :func:`suggested_filename` ``(kind, name)`` → a safe file name (``A001R1AB_offload.pdf``).
- :func:`default_report_folder` ``(catalog)`` → ``<catalog folder>/reports``; :func:`offload_report_path`
  ``(catalog, job_id, folder)`` → a free file name there for a job's automatic offload report.

Unknown cards, jobs, days or an ambiguous project raise :class:`UsageError` (CLI exit 2) with a hint.
Verdicts (safe to format) come from ``services.status``, the rule the GUI shows; clips from
``services.clips``; the DIT's name from the ASC MHL generation the job wrote (its ``author``), unless
``ReportOptions.dit`` says otherwise.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import func, select

from pixm_desktop import TOOL_NAME, __version__
from pixm_desktop.core.errors import PixmError, Remedy, UsageError
from pixm_desktop.core.model import Camera, CopyState, JobStatus
from pixm_desktop.core.naming import camera_letter, natural_key
from pixm_desktop.core.states import (
    ClipFileRole,
    ClipKind,
    JobKind,
    JobOptions,
    LoggedFrom,
    ProbeStatus,
    SlateSource,
    ThumbnailStatus,
)
from pixm_desktop.core.timecode import (
    fps_label,
    frames_to_tc,
    is_drop_frame,
    parse_rate,
    tc_to_frames,
)
from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.core.verdict import CardState, CardVerdict, SafeRule
from pixm_desktop.mhl.reader import read_manifest
from pixm_desktop.reports import daily as daily_pdf
from pixm_desktop.reports import exports
from pixm_desktop.reports import offload as offload_pdf
from pixm_desktop.reports.model import (
    PAPER_SIZES,
    CameraTotal,
    CardLine,
    ClipLine,
    DailyCard,
    DailyReport,
    DestinationLine,
    FileLine,
    Issue,
    OffloadReport,
    ReportContext,
    ReportResult,
    SoundRoll,
    StorageLine,
)
from pixm_desktop.services import clips as clip_service
from pixm_desktop.services import context, status
from pixm_desktop.services.clips import ClipFilter, ClipRow
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import (
    Card,
    Clip,
    ClipFile,
    Copy,
    Destination,
    File,
    Job,
    JobDestination,
    Project,
    ShootDay,
)

MEDIA_ROLES = ("media", "segment")
MAX_FAILURES = 200  # failed files listed per destination in an offload report
MAX_DAY_FAILURES = 25  # failed files listed per card in a daily report


@dataclass(slots=True)
class ReportOptions:
    """How to write a report: ``paper`` a4 | letter; ``dit`` overrides the name read from ASC MHL; ``rule`` is
    the safe-to-format rule the verdicts are judged by (the window passes its setting)."""

    paper: str = "a4"
    dit: str | None = None
    rule: SafeRule = field(default_factory=SafeRule)

    def __post_init__(self) -> None:
        self.paper = (self.paper or "a4").lower()
        if self.paper not in PAPER_SIZES:
            raise UsageError(f"unknown paper size {self.paper!r} (choose {' or '.join(PAPER_SIZES)})")


@dataclass(frozen=True, slots=True)
class ShootDayInfo:
    project: str
    day: dt.date
    cards: int


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


def _context(options: ReportOptions) -> ReportContext:
    return ReportContext(created_at=dt.datetime.now(dt.UTC), tool_name=TOOL_NAME, tool_version=__version__,
                         host=context.hostname(), paper=options.paper)


@contextlib.contextmanager
def _writing(path: Path):
    """An unwritable output (read-only folder, full disk, a folder in the way) is the user's to fix: exit 2."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"cannot write {Path(path).name}: {exc.strerror or exc}", path=Path(path),
                         hint="choose another file or folder") from exc


def parse_fps(text: str) -> Fraction | None:
    """An exact rate from ``23.976``, ``24000/1001``, ``25``, ``29.97``…; None when it is not a rate."""
    return parse_rate(text)


def suggested_filename(kind: str, name: str) -> str:
    """``A001R1AB_offload.pdf``, ``2026-11-23_daily.pdf``, ``2026-11-23.ale``: a name safe on every file system."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .") or "report"
    return {"offload": f"{safe}_offload.pdf", "daily": f"{safe}_daily.pdf", "csv": f"{safe}_clips.csv",
            "ale": f"{safe}.ale"}.get(kind, f"{safe}_{kind}")


def default_report_folder(catalog: Catalog) -> Path:
    """Where reports go when the user chose no folder: ``<catalog folder>/reports`` (``reports`` in the per-user
    data folder for a catalog opened by URL). Computes the path only: the folder may not exist yet."""
    if catalog.path is not None:
        return Path(catalog.path).parent / "reports"
    return Path(user_data_dir("pixm", appauthor=False)) / "reports"


def offload_report_path(catalog: Catalog, job_id: int, folder: str | os.PathLike | None = None) -> Path:
    """A free path for the offload report PDF of job ``job_id``, for writing it after the job verified.

    ``folder`` is the settings' ``report_folder``; ``""`` or ``None`` means :func:`default_report_folder`.
    The name is ``<card>_offload.pdf``; when that file exists (the card was offloaded before, or a report of
    this job was already written) it is ``<card>_job<id>_offload.pdf``, then ``<card>_job<id>_offload-2.pdf``,
    ``-3``… so an existing report is never overwritten. Reads the catalog (call it off the GUI thread) and
    checks which names exist; creates nothing: the caller makes the folder
    (``path.parent.mkdir(parents=True, exist_ok=True)``) and then calls :func:`write_offload_report`
    ``(catalog, path, job_id=job_id)``. Raises :class:`UsageError` when the job is not in the catalog.
    """
    with catalog.session() as s:
        label = _resolve_job(s, job_id, None).card.label
    root = Path(folder) if folder else default_report_folder(catalog)
    first = root / suggested_filename("offload", label)
    if not os.path.lexists(first):
        return first
    stem = Path(suggested_filename("offload", f"{label}_job{job_id}")).stem
    candidate, n = root / f"{stem}.pdf", 1
    while os.path.lexists(candidate):
        n += 1
        candidate = root / f"{stem}-{n}.pdf"
    return candidate


# --- what can be reported ------------------------------------------------------------------------------------


def shoot_days(catalog: Catalog) -> list[ShootDayInfo]:
    """Shoot days with at least one card, newest first."""
    with catalog.session() as s:
        rows = s.execute(select(Project.name, ShootDay.day, func.count(Card.id))
                         .join(ShootDay, ShootDay.project_id == Project.id)
                         .join(Card, Card.shoot_day_id == ShootDay.id)
                         .group_by(ShootDay.id).order_by(ShootDay.day.desc(), Project.name))
        return [ShootDayInfo(p, d, n) for p, d, n in rows]


def offload_jobs(catalog: Catalog, day: dt.date | None = None, project: str | None = None, *,
                 rule: SafeRule | None = None) -> list[JobInfo]:
    """Offload jobs, newest first, optionally of one shoot day / project, each with its card's verdict now
    under ``rule`` (default: the default rule)."""
    with catalog.session() as s:
        q = (select(Job, Card.label, Project.name, ShootDay.day).join(Card, Card.id == Job.card_id)
             .outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)
             .outerjoin(Project, Project.id == ShootDay.project_id)
             .where(Job.kind == JobKind.OFFLOAD).order_by(Job.id.desc()))
        if day is not None:
            q = q.where(ShootDay.day == day)
        if project is not None:
            q = q.where(Project.name == project)
        rows = [(j.id, j.card_id, label, p or "", d, j.status, aware_utc(j.finished_at))
                for j, label, p, d in s.execute(q)]
    verdicts = status.card_verdicts(catalog, {r[1] for r in rows}, rule=rule)
    return [JobInfo(*r, verdict=verdicts.get(r[1])) for r in rows]


def _resolve_job(s, job_id: int | None, card_label: str | None) -> Job:
    if (job_id is None) == (card_label is None):
        raise UsageError("name either a job or a card")
    if job_id is not None:
        job = s.get(Job, job_id)
        if job is None:
            raise UsageError(f"no job #{job_id} in the catalog", hint="`pixm catalog jobs` lists the jobs")
        return job
    card_ids = list(s.scalars(select(Card.id).where(Card.label == card_label)))
    if not card_ids:
        raise UsageError(f"no card labelled {card_label!r} in the catalog",
                         hint="`pixm catalog cards` lists the catalogued cards")
    job = s.scalar(select(Job).where(Job.card_id.in_(card_ids), Job.kind == JobKind.OFFLOAD)
                   .order_by(Job.id.desc()).limit(1))
    if job is None:
        raise UsageError(f"card {card_label!r} has no offload job in the catalog")
    return job


def _resolve_day(s, day: dt.date, project: str | None) -> ShootDay:
    q = select(ShootDay).join(Project, Project.id == ShootDay.project_id).where(ShootDay.day == day)
    if project is not None:
        q = q.where(Project.name == project)
    found = list(s.scalars(q))
    if not found:
        known = [d.isoformat() for d in s.scalars(select(ShootDay.day).distinct().order_by(ShootDay.day.desc())
                                                   .limit(8))]
        what = f"shoot day {day.isoformat()}" + (f" of project {project!r}" if project else "")
        raise UsageError(f"no {what} in the catalog",
                         hint=f"days in the catalog: {', '.join(known)}" if known else "the catalog has no cards yet")
    if len(found) > 1:
        names = ", ".join(sorted(d.project.name for d in found))
        raise UsageError(f"several projects shot on {day.isoformat()}: {names}", hint="choose one with --project")
    return found[0]


# --- clips ----------------------------------------------------------------------------------------------------


def _media_names(s, clip_ids: Sequence[int]) -> dict[int, str]:
    """Clip id → file name of its media (the first media file or span segment)."""
    out: dict[int, str] = {}
    if not clip_ids:
        return out
    rows = s.execute(select(ClipFile.clip_id, ClipFile.role, ClipFile.position, File.relpath)
                     .join(File, File.id == ClipFile.file_id)
                     .where(ClipFile.clip_id.in_(list(clip_ids)), ClipFile.role.in_(MEDIA_ROLES))
                     .order_by(ClipFile.clip_id, ClipFile.role, ClipFile.position, File.relpath))
    for clip_id, _role, _pos, rel in rows:  # "media" sorts before "segment"
        out.setdefault(clip_id, rel.rsplit("/", 1)[-1])
    return out


def tc_labels(start_tc: str | None, frames: int | None, fps: Fraction | None) -> tuple[str | None, str | None]:
    """(end, duration) labels of a clip: end exclusive (start + duration, as Avid expects). Non-drop labels
    count on past midnight (``24:00:03:04``) so that start + duration = end holds for every reader; drop-frame
    labels wrap."""
    if not start_tc or frames is None or fps is None:
        return None, None
    try:
        start = tc_to_frames(start_tc, fps)
    except ValueError:
        return None, None
    if is_drop_frame(start_tc):
        return frames_to_tc(start + frames, fps, drop_frame=True), frames_to_tc(frames, fps, drop_frame=True)
    return frames_to_tc(start + frames, fps, wrap=False), frames_to_tc(frames, fps, wrap=False)


def _pick_thumbnail(paths: Sequence[str]) -> Path | None:
    """The middle frame (first/middle/last are cached): the first is often a slate or black."""
    order = [paths[1], paths[0], *paths[2:]] if len(paths) >= 2 else list(paths)
    return next((Path(p) for p in order if p and os.path.exists(p)), None)


def _clip_line(r: ClipRow, media: dict[int, str], sound_rolls: dict[str, str]) -> ClipLine:
    fps = Fraction(r.fps_num, r.fps_den) if r.fps_num and r.fps_den else None
    end_tc, duration_tc = tc_labels(r.start_tc, r.frames, fps)
    sound_roll = None
    if r.kind == ClipKind.AUDIO:
        sound_roll = r.tape_name or r.reel
    elif (logged := LoggedFrom.parse(r.logged_from)) and logged.source is SlateSource.SOUND:
        sound_roll = sound_rolls.get(logged.file)
    return ClipLine(
        id=r.id, card_id=r.card_id, name=r.name, card_label=r.card_label, kind=r.kind, camera=r.camera,
        camera_kind=r.card_camera, reel=r.reel, tape=r.tape_name, day=dt.date.fromisoformat(r.day) if r.day else None,
        start_tc=r.start_tc, end_tc=end_tc, duration_tc=duration_tc, frames=r.frames,
        fps=fps, codec=r.codec, width=r.width, height=r.height, audio_channels=r.audio_channels,
        camera_model=r.camera_model, scene=r.scene, take=r.take, circled=r.circled, notes=r.notes,
        rating=r.rating, flagged=r.flagged, logged_from=r.logged_from, source_file=media.get(r.id),
        sound_roll=sound_roll, thumbnail=_pick_thumbnail(r.thumbnails), probe_status=r.probe_status,
        probe_error=r.probe_error, thumbnail_status=r.thumbnail_status)


def _sample_rates(s, clip_ids: Sequence[int]) -> dict[int, int]:
    """Clip id → sample rate (a column ClipRow does not carry)."""
    if not clip_ids:
        return {}
    return {i: r for i, r in s.execute(select(Clip.id, Clip.sample_rate).where(Clip.id.in_(list(clip_ids))))
            if r}


def _day_sound_rolls(s, shoot_day_id: int | None) -> dict[str, str]:
    """Media file name of every sound take of the day → its sound roll (a picture clip slated from sound
    names the take's file in ``logged_from``)."""
    if shoot_day_id is None:
        return {}
    rows = s.execute(select(File.relpath, Clip.tape_name, Clip.reel, Card.label)
                     .join(ClipFile, ClipFile.file_id == File.id).join(Clip, Clip.id == ClipFile.clip_id)
                     .join(Card, Card.id == Clip.card_id)
                     .where(Card.shoot_day_id == shoot_day_id, Clip.kind == ClipKind.AUDIO,
                            ClipFile.role == ClipFileRole.MEDIA))
    return {rel.rsplit("/", 1)[-1]: tape or reel or label for rel, tape, reel, label in rows}


def _lines_for_cards(catalog: Catalog, card_ids: Sequence[int], shoot_day_id: int | None) -> list[ClipLine]:
    rows: list[ClipRow] = []
    for cid in card_ids:
        rows += clip_service.list_clips(catalog, ClipFilter(card_id=cid))
    with catalog.session() as s:
        media = _media_names(s, [r.id for r in rows])
        rates = _sample_rates(s, [r.id for r in rows if r.kind == ClipKind.AUDIO])
        sound_rolls = _day_sound_rolls(s, shoot_day_id)
    lines = [_clip_line(r, media, sound_rolls) for r in rows]
    for line in lines:
        line.sample_rate = rates.get(line.id)
    return lines


def report_clips(catalog: Catalog, day: dt.date, *, project: str | None = None, card_label: str | None = None,
                 include_sound: bool = True) -> list[ClipLine]:
    """The clips of a shoot day (optionally of one card), in day → card → timecode order."""
    with catalog.session() as s:
        sd = _resolve_day(s, day, project)
        q = select(Card.id, Card.label).where(Card.shoot_day_id == sd.id).order_by(Card.id)
        cards = list(s.execute(q))
        sd_id = sd.id
    if card_label is not None:
        cards = [(i, label) for i, label in cards if label == card_label]
        if not cards:
            raise UsageError(f"no card labelled {card_label!r} on {day.isoformat()}")
    lines = _lines_for_cards(catalog, [i for i, _label in cards], sd_id)
    return [c for c in lines if include_sound or c.kind != ClipKind.AUDIO]


# --- offload report --------------------------------------------------------------------------------------------


def _creator(jds: Iterable[JobDestination]) -> tuple[str | None, str | None]:
    """(author, location) from the first ASC MHL generation of the job that can still be read."""
    for jd in jds:
        if not jd.mhl_generation:
            continue
        try:
            gen = read_manifest(Path(jd.mhl_generation))
        except (PixmError, OSError):
            continue
        return gen.creator.author_name, gen.creator.location
    return None, None


def offload_report_data(catalog: Catalog, *, job_id: int | None = None, card_label: str | None = None,
                        options: ReportOptions | None = None) -> OffloadReport:
    """Everything the offload report of a job (or a card's newest offload job) prints."""
    options = options or ReportOptions()
    with catalog.session() as s:
        job = _resolve_job(s, job_id, card_label)
        card = job.card
        sd = card.shoot_day
        jds = sorted(job.job_destinations, key=lambda j: j.position)
        author, location = _creator(jds)
        algorithms = [a for a in job.algorithms.split(",") if a]
        files = [FileLine(f.relpath, f.size, {a: getattr(f, a) for a in algorithms if getattr(f, a, None)})
                 for f in s.scalars(select(File).where(File.card_id == card.id, File.problem.is_(None))
                                    .order_by(File.relpath_raw))]  # entries not taken are listed as failures
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
    for fs in status.file_states(catalog, card_line.id, failures_only=True):  # failed copies, entries not taken
        failures[fs.destination_id].append((fs.relpath, fs.reason or "failed"))
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
    lines = _lines_for_cards(catalog, [card_line.id], shoot_day_id)
    warnings = _offload_warnings(job_status, destinations, lines)
    verdict = card_state.verdict if card_state else CardVerdict(CardState.NOT_SAFE, "the card is not in the catalog")
    return OffloadReport(
        context=_context(options), job_id=job_id, job_status=job_status, project=project, day=day,
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
    with _writing(path):
        return offload_pdf.write_offload_report(data, Path(path))


# --- daily report ----------------------------------------------------------------------------------------------


def _camera_key(card: CardLine, lines: list[ClipLine]) -> str:
    letters = Counter(c.camera for c in lines if c.camera and c.kind != ClipKind.AUDIO)
    if letters:
        return letters.most_common(1)[0][0]
    return camera_letter(card.reel) or card.camera.upper()


def daily_report_data(catalog: Catalog, day: dt.date, *, project: str | None = None,
                      options: ReportOptions | None = None) -> DailyReport:
    """Everything the daily report of a shoot day prints."""
    options = options or ReportOptions()
    with catalog.session() as s:
        sd = _resolve_day(s, day, project)
        project_name, sd_id = sd.project.name, sd.id
        cards = list(s.scalars(select(Card).where(Card.shoot_day_id == sd_id).order_by(Card.created_at, Card.id)))
        card_lines = [CardLine(c.id, c.label, c.camera, c.reel, c.file_count, c.total_bytes, c.source_path)
                      for c in cards]
        jobs: dict[int, Job] = {}
        dits: list[str] = []
        hosts: list[str] = []
        for c in cards:
            offloads = [j for j in c.jobs if j.kind == JobKind.OFFLOAD]
            if offloads:
                last = max(offloads, key=lambda j: j.id)
                jobs[c.id] = last
                author, _loc = _creator(sorted(last.job_destinations, key=lambda j: j.position))
                if author and author not in dits:
                    dits.append(author)
                if last.host and last.host not in hosts:
                    hosts.append(last.host)
        job_facts = {cid: (j.id, j.status, aware_utc(j.finished_at), j.error) for cid, j in jobs.items()}
        storage = _storage(s, [c.id for c in cards])
    lines = _lines_for_cards(catalog, [c.id for c in card_lines], sd_id)
    by_card: dict[int, list[ClipLine]] = defaultdict(list)
    for line in lines:
        by_card[line.card_id].append(line)
    daily_cards, issues = [], []
    cam_cards: dict[str, list[CardLine]] = defaultdict(list)
    for card in card_lines:
        cl = by_card.get(card.id, [])
        state = status.card_status(catalog, card.id, rule=options.rule)
        verdict = state.verdict if state else CardVerdict(CardState.NOT_SAFE, "not in the catalog")
        complete = sum(1 for d in state.destinations if d.complete) if state else 0
        total = len(state.destinations) if state else 0
        job_id, job_status, finished, job_error = job_facts.get(card.id, (None, None, None, None))
        is_sound = card.camera == Camera.SOUND.value
        seconds = sum((x.seconds for x in cl if x.seconds is not None), start=Fraction(0)) if cl else None
        daily_cards.append(DailyCard(
            card=card, camera="" if is_sound else _camera_key(card, cl), clips=len(cl), seconds=seconds,
            offloaded_at=finished, job_id=job_id, job_status=job_status, destinations_verified=complete,
            destinations=total, safe=verdict.safe, safe_reason=verdict.reason, verdict=verdict))
        if not is_sound:
            cam_cards[_camera_key(card, cl)].append(card)
        issues += _card_issues(catalog, card, cl, verdict, job_id, job_status, job_error)
    cameras = []
    for cam in sorted(cam_cards, key=natural_key):
        cl = [x for card in cam_cards[cam] for x in by_card.get(card.id, []) if x.kind != ClipKind.AUDIO]
        rates = {x.fps for x in cl if x.fps}
        fps = next(iter(rates)) if len(rates) == 1 else None
        seconds = sum((x.seconds for x in cl if x.seconds is not None), start=Fraction(0))
        frames = sum(x.frames or 0 for x in cl)
        cameras.append(CameraTotal(camera=cam, cards=len(cam_cards[cam]), clips=len(cl), seconds=seconds,
                                   bytes=sum(c.bytes for c in cam_cards[cam]), fps=fps,
                                   duration_tc=frames_to_tc(frames, fps, wrap=False) if fps else None))
    sound_rolls = []
    for card in card_lines:
        if card.camera != Camera.SOUND.value:
            continue
        cl = by_card.get(card.id, [])
        scenes = sorted({x.scene for x in cl if x.scene}, key=natural_key)
        roll = next((x.tape for x in cl if x.tape), None) or card.reel or card.label
        sound_rolls.append(SoundRoll(roll=roll, card_label=card.label, files=card.files, takes=len(cl),
                                     seconds=sum((x.seconds for x in cl if x.seconds is not None),
                                                 start=Fraction(0)), bytes=card.bytes, scenes=scenes))
    return DailyReport(
        context=_context(options), project=project_name, day=day,
        dits=[options.dit] if options.dit else dits, hosts=hosts, cards=daily_cards, cameras=cameras,
        clips=[x for x in lines if x.kind != ClipKind.AUDIO],
        sound_takes=[x for x in lines if x.kind == ClipKind.AUDIO],
        sound_rolls=sound_rolls, storage=storage, issues=issues)


def _card_issues(catalog: Catalog, card: CardLine, lines: list[ClipLine], verdict, job_id, job_status, job_error
                 ) -> list[Issue]:
    out = []
    if job_status in (JobStatus.FAILED.value, JobStatus.INTERRUPTED.value, JobStatus.CANCELLED.value):
        out.append(Issue("FAILED", card.label, f"job #{job_id} {job_status}: {job_error or 'no reason recorded'}"))
    if not verdict.safe:
        out.append(Issue("FAILED", card.label, f"not safe to format: {verdict.reason}"))
    failed = status.file_states(catalog, card.id, failures_only=True)
    for fs in failed[:MAX_DAY_FAILURES]:
        out.append(Issue("FAILED", card.label, f"{fs.relpath} on {fs.destination}: {fs.reason or 'failed'}"))
    if len(failed) > MAX_DAY_FAILURES:
        out.append(Issue("FAILED", card.label, f"… and {len(failed) - MAX_DAY_FAILURES} more failed copies "
                                               "(the card's offload report lists them)"))
    if card.files and not lines:
        out.append(Issue("WARNING", card.label, "no clips catalogued yet: run `pixm ingest` for this card"))
    for c in lines:
        if c.probe_status == ProbeStatus.FAILED:
            out.append(Issue("WARNING", card.label, f"clip {c.name} could not be read: {c.probe_error or '?'}"))
        elif (c.kind != ClipKind.AUDIO and c.probe_status in (ProbeStatus.OK, ProbeStatus.PARTIAL)
              and not c.start_tc):
            out.append(Issue("WARNING", card.label, f"clip {c.name} has no timecode"))
        if c.thumbnail_status == ThumbnailStatus.FAILED and c.probe_status != ProbeStatus.FAILED:
            out.append(Issue("WARNING", card.label, f"clip {c.name}: no thumbnail could be made"))
    return out


def _storage(s, card_ids: Sequence[int]) -> list[StorageLine]:
    """Verified copies of the day's cards, per destination drive (volume label + mount point)."""
    if not card_ids:
        return []
    dests = list(s.scalars(select(Destination).where(Destination.card_id.in_(list(card_ids)))
                           .order_by(Destination.id)))
    verified = dict((d_id, (n, b)) for d_id, n, b in s.execute(
        select(Copy.destination_id, func.count(Copy.id), func.coalesce(func.sum(File.size), 0))
        .join(File, File.id == Copy.file_id)
        .where(Copy.destination_id.in_([d.id for d in dests]), Copy.state == CopyState.VERIFIED.value)
        .group_by(Copy.destination_id)))
    free = {}
    for jd in s.scalars(select(JobDestination).where(JobDestination.destination_id.in_([d.id for d in dests]))
                        .order_by(JobDestination.job_id)):
        if jd.free_bytes_before is not None:
            free[jd.destination_id] = (jd.job_id, jd.free_bytes_before)
    drives: dict[tuple[str, str], StorageLine] = {}
    latest: dict[tuple[str, str], int] = {}
    for d in dests:
        key = (d.volume_label or "", d.mount_point or os.path.dirname(d.path))
        line = drives.setdefault(key, StorageLine(volume=key[0], mount_point=key[1], fs_type=d.fs_type, cards=0,
                                                  files=0, bytes_verified=0))
        n, b = verified.get(d.id, (0, 0))
        line.cards += 1
        line.files += int(n)
        line.bytes_verified += int(b)
        if d.id in free and free[d.id][0] >= latest.get(key, -1):
            latest[key] = free[d.id][0]
            line.free_bytes_before = free[d.id][1]
    return sorted(drives.values(), key=lambda x: (x.volume.lower(), x.mount_point))


def write_daily_report(catalog: Catalog, day: dt.date, path: Path, *, project: str | None = None,
                       options: ReportOptions | None = None) -> ReportResult:
    """Write the daily report PDF of a shoot day to ``path``."""
    data = daily_report_data(catalog, day, project=project, options=options)
    with _writing(path):
        return daily_pdf.write_daily_report(data, Path(path))


# --- exports ---------------------------------------------------------------------------------------------------


def export_csv(catalog: Catalog, path: Path, *, day: dt.date, project: str | None = None,
               card_label: str | None = None, bom: bool = False) -> ReportResult:
    """Write the clips of a shoot day (picture and sound) as CSV."""
    lines = report_clips(catalog, day, project=project, card_label=card_label)
    with _writing(path):
        return exports.write_csv(lines, Path(path), bom=bom)


def export_ale(catalog: Catalog, path: Path, *, day: dt.date, project: str | None = None,
               card_label: str | None = None, fps: Fraction | None = None,
               include_sound: bool = False) -> ReportResult:
    """Write an Avid ALE of the picture clips of a shoot day (``include_sound``: the sound takes too).

    An ALE has one rate: with ``fps`` only clips at that rate are written (the others are named in the
    warnings); without it every clip must share one rate, else :class:`UsageError` lists the rates found.
    """
    lines = report_clips(catalog, day, project=project, card_label=card_label, include_sound=include_sound)
    rates = Counter(c.fps for c in lines if c.fps)
    warnings = []
    if fps is None:
        if len(rates) > 1:
            found = ", ".join(f"{fps_label(r)} ({n} clips)" for r, n in rates.most_common())
            raise UsageError(f"the clips of {day.isoformat()} run at several rates: {found}; an ALE holds one",
                             hint="write one ALE per rate with --fps RATE (e.g. --fps 23.976)",
                             remedy=Remedy.ONE_RATE_PER_EXPORT)
        fps = next(iter(rates), None)
        if fps is None:
            raise UsageError(f"no clip of {day.isoformat()} has a known frame rate and timecode",
                             hint="run `pixm ingest CARD` to read the clips' metadata", remedy=Remedy.INGEST_CLIPS)
    else:
        other = [c for c in lines if c.fps != fps]
        if other:
            warnings.append(f"{len(other)} clip(s) at other rates left out: "
                            + ", ".join(f"{c.name} ({fps_label(c.fps) or '?'})" for c in other[:10])
                            + (" …" if len(other) > 10 else ""))
        lines = [c for c in lines if c.fps == fps]
        if not lines:
            raise UsageError(f"no clip of {day.isoformat()} runs at {fps_label(fps)} fps",
                             hint="rates found: " + (", ".join(fps_label(r) for r in rates) or "none"))
    with _writing(path):
        result = exports.write_ale(lines, Path(path), fps)
    result.warnings = warnings + result.warnings
    return result


__all__ = [
    "PAPER_SIZES",
    "JobInfo",
    "ReportResult",
    "ReportOptions",
    "ShootDayInfo",
    "daily_report_data",
    "default_report_folder",
    "export_ale",
    "export_csv",
    "offload_jobs",
    "offload_report_data",
    "offload_report_path",
    "parse_fps",
    "report_clips",
    "shoot_days",
    "suggested_filename",
    "tc_labels",
    "write_daily_report",
    "write_offload_report",
]
