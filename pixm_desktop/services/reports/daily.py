"""The daily report of a shoot day: cards and their verdicts, camera and sound-roll totals, clips, storage
(with the forecast of ``services.drives``), ingest QC findings (``services.qc``), turnovers
(``services.turnover``), issues."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.model import Camera, JobStatus
from pixm_desktop.core.naming import camera_letter, natural_key
from pixm_desktop.core.states import ClipKind, JobKind, ProbeStatus, ThumbnailStatus
from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.core.verdict import CardState, CardVerdict
from pixm_desktop.reports import daily as daily_pdf
from pixm_desktop.reports.model import (
    CameraTotal,
    CardLine,
    ClipLine,
    DailyCard,
    DailyReport,
    DriveRoom,
    Issue,
    QcLine,
    ReportResult,
    ReviewLine,
    SoundRoll,
    StorageForecast,
    StorageLine,
    TurnoverLine,
)
from pixm_desktop.services import drives, qc, show, status
from pixm_desktop.services.reports.clip_lines import lines_for_cards
from pixm_desktop.services.reports.common import ReportOptions, report_context, resolve_day, writing
from pixm_desktop.services.reports.offload import read_creator
from pixm_desktop.services.review import content as review_content
from pixm_desktop.services.turnover.records import day_turnovers
from pixm_desktop.store import reports_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Job

MAX_DAY_FAILURES = 25  # failed files listed per card in a daily report


@dataclass(frozen=True, slots=True)
class ShootDayInfo:
    project: str
    day: dt.date
    cards: int


def shoot_days(catalog: Catalog) -> list[ShootDayInfo]:
    """Shoot days with at least one card, newest first."""
    with catalog.session() as s:
        return [ShootDayInfo(p, d, n) for p, d, n in reports_repo.days_with_cards(s)]


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
        sd = resolve_day(s, day, project)
        project_name, sd_id = sd.project.name, sd.id
        cards = reports_repo.day_cards(s, sd_id)
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
                author, _loc = read_creator(sorted(last.job_destinations, key=lambda j: j.position))
                if author and author not in dits:
                    dits.append(author)
                if last.host and last.host not in hosts:
                    hosts.append(last.host)
        job_facts = {cid: (j.id, j.status, aware_utc(j.finished_at), j.error) for cid, j in jobs.items()}
        storage = _storage(s, [c.id for c in cards])
    lines = lines_for_cards(catalog, [c.id for c in card_lines], sd_id)
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
        context=report_context(options), project=project_name, day=day,
        dits=[options.dit] if options.dit else dits, hosts=hosts, cards=daily_cards, cameras=cameras,
        clips=[x for x in lines if x.kind != ClipKind.AUDIO],
        sound_takes=[x for x in lines if x.kind == ClipKind.AUDIO],
        sound_rolls=sound_rolls, storage=storage, issues=issues, qc=_qc_lines(catalog, [c.id for c in card_lines]),
        qc_profile=show.job_stamp(catalog.path), forecast=_forecast(catalog, day, sum(c.bytes for c in card_lines)),
        turnovers=_turnovers(catalog, day), review=_review(catalog, day))


def _review(catalog: Catalog, day: dt.date) -> list[ReviewLine]:
    """The review portal's calls and comments on the day's clips (``services.review``), in the order made."""
    return [ReviewLine(name, c.author, c.role, c.kind, c.text, c.tc_in, c.tc_out, c.created_at)
            for name, c in review_content.day_notes(catalog, day)]


def _turnovers(catalog: Catalog, day: dt.date) -> list[TurnoverLine]:
    """The turnovers of the day (``services.turnover``), oldest first, refusals with the failed checks' words."""
    return [TurnoverLine(t.kind, t.folder, t.generation, t.status, t.created_at, t.new_files, t.files,
                         tuple(c.text for c in t.failed_checks)) for t in day_turnovers(catalog, day)]


def _qc_lines(catalog: Catalog, card_ids: list[int]) -> list[QcLine]:
    """The stored QC findings of the day's cards (errors first), acknowledged ones included."""
    if not card_ids:
        return []
    return [QcLine(f.card_label, f.severity, f.rule, f.subject, f.expected, f.found, f.message, f.ack_by, f.ack_at,
                   f.ack_note) for f in qc.findings_for(catalog, card_ids)]


def _forecast(catalog: Catalog, day: dt.date, day_bytes: int) -> StorageForecast:
    """Bytes of the day (the forecast's figure for it, else the day's cards), the average per shoot day and
    every registered drive's room (``services.drives.forecast``)."""
    f = drives.forecast(catalog)
    on_day = next((n for d, n, _cards in f.days if d == day), day_bytes)
    rooms = tuple(DriveRoom(d.label, d.kind, d.capacity_bytes, d.free_bytes, d.measured, d.days_to_full)
                  for d in f.drives)
    return StorageForecast(on_day, f.average_bytes, len(f.days), rooms)


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
    dests = reports_repo.destinations_of_cards(s, card_ids)
    verified = reports_repo.verified_totals(s, [d.id for d in dests])
    free = reports_repo.free_bytes_before(s, [d.id for d in dests])
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
    with writing(path):
        return daily_pdf.write_daily_report(data, Path(path))


__all__ = ["ShootDayInfo", "daily_report_data", "shoot_days", "write_daily_report"]
