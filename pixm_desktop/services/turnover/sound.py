"""The sound turnover: the original BWF files of the day's (or the named) sound rolls, byte for byte, in a folder
per roll, with a sound report (PDF + CSV) and a manifest, checked first (:func:`plan`) then written
(:func:`write`) as a package with its own ASC MHL. Each file is read from a fully verified destination of its
card (else the card, if still mounted) and must hash as the catalog recorded it at the offload.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.naming import natural_key
from pixm_desktop.core.states import ClipFileRole, ClipKind, TurnoverJobOptions, TurnoverKind
from pixm_desktop.core.timecode import end_and_duration, fps_label
from pixm_desktop.media.sound_sync import sound_roll
from pixm_desktop.mhl.verify import plain_hash_file
from pixm_desktop.post.manifest import ManifestEntry
from pixm_desktop.reports.sound import SoundReport, SoundTakeLine, write_sound_csv, write_sound_report
from pixm_desktop.services.jobs.contract import stopped
from pixm_desktop.services.reports.common import ReportOptions, report_context
from pixm_desktop.services.turnover import common
from pixm_desktop.services.turnover.common import Check
from pixm_desktop.services.turnover.package import PackageFile, Staging, deliver, existing_state
from pixm_desktop.store import clips_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, Clip, ClipFile, ShootDay

STOP = ("turnover cancelled; nothing was written", "turn over again")


@dataclass(slots=True)
class Plan:
    """The checked sound turnover: the files, the report lines, checks, days, the package's state."""

    options: TurnoverJobOptions
    target: Path
    files: list[PackageFile] = field(default_factory=list)
    takes: list[SoundTakeLine] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    project: str = ""
    generations: int = 0
    unchanged: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def _takes(s, options: TurnoverJobOptions) -> list[Clip]:
    q = (select(Clip).join(Card, Card.id == Clip.card_id).where(Clip.kind == ClipKind.AUDIO.value)
         .options(selectinload(Clip.files).selectinload(ClipFile.file), selectinload(Clip.card))
         .order_by(Card.id, Clip.start_frame, Clip.name))
    day = common.parse_day(options)
    if day is not None:
        q = q.where(Card.shoot_day_id.in_(select(ShootDay.id).where(ShootDay.day == day)))
    clips = list(s.scalars(q))
    rolls = set(common.names(options.rolls))
    if rolls:
        clips = [c for c in clips if _roll(c) in rolls or c.card.label in rolls]
        unknown = rolls - {_roll(c) for c in clips} - {c.card.label for c in clips}
        if unknown:
            raise UsageError(f"no sound roll {', '.join(sorted(unknown))} in the catalog",
                                    hint="`pixm catalog cards` lists the sound rolls")
    return clips


def _roll(clip: Clip) -> str:
    return sound_roll(clip.tape_name, clip.reel, clip.card.label)


def _source(s, clip: Clip, f) -> Path | None:
    """The file on a fully verified destination of its card, else on the card; ``None`` when neither is there."""
    roots = [d.path_raw for d in clips_repo.fully_verified_destinations(s, clip.card_id)]
    roots += [os.fsencode(clip.card.source_path)] if clip.card.source_path else []
    for root in roots:
        path = os.path.join(root, f.relpath_raw)
        if os.path.isfile(path):
            return Path(os.fsdecode(path))
    return None


def _expected(f, path: Path) -> tuple[str, Check | None]:
    """The xxh64 the copy must have: the catalog's, else (a card hashed in other formats only) the file's own
    once it matches the catalog's other hash. A mismatch is a failed check."""
    if f.xxh64:
        return f.xxh64, None
    hashes = f.hashes()
    if not hashes:
        return "", Check(common.RULE_SOUND_COPY, f.relpath, False, f"{f.relpath} has no hash in the catalog")
    algorithm, value = next(iter(hashes.items()))
    got = plain_hash_file(path, (HashAlgorithm(algorithm), HashAlgorithm.XXH64))
    if got[HashAlgorithm(algorithm)] != value:
        return "", Check(common.RULE_SOUND_COPY, f.relpath, False,
                         f"{f.relpath}: {algorithm} of {path} is not the catalog's")
    return got[HashAlgorithm.XXH64], None


def _line(clip: Clip, roll: str, rel: str) -> SoundTakeLine:
    fps = Fraction(clip.fps_num, clip.fps_den) if clip.fps_num and clip.fps_den else None
    tc_out, _dur = end_and_duration(clip.start_tc, clip.frames, fps)
    try:
        meta = json.loads(clip.metadata_json or "{}").get("sound", {})
    except ValueError:
        meta = {}
    tracks = [str(t) for t in meta.get("tracks") or []]
    return SoundTakeLine(roll=roll, file=rel, scene=clip.scene or "", take=clip.take or "", tc_in=clip.start_tc or "",
                         tc_out=tc_out or "", tc_rate=fps_label(fps), sample_rate=clip.sample_rate, channels=clip.audio_channels,
                         tracks=tracks, circled=bool(clip.circled), notes=clip.notes or "")


def plan(catalog: Catalog, options: TurnoverJobOptions) -> Plan:
    """Gather and check (hashes each file that has no xxh64 in the catalog; writes nothing). Raises
    :class:`UsageError` for a bad scope or folder; failed checks are in ``Plan.checks``."""
    target = common.check_target(options)
    result = Plan(options, target)
    result.generations, result.held = existing_state(target)
    with catalog.session() as s:
        clips = _takes(s, options)
        if not clips:
            raise UsageError(f"no sound take for {common.scope_words(options)} in the catalog")
        for clip in clips:
            card = clip.card
            if card.shoot_day is not None:
                result.project = result.project or card.shoot_day.project.name
                if card.shoot_day.day not in result.days:
                    result.days.append(card.shoot_day.day)
            roll = _roll(clip)
            for cf in clip.files:
                if cf.role != ClipFileRole.MEDIA.value:
                    continue
                f = cf.file
                rel = f"{roll}/{f.relpath.rsplit('/', 1)[-1]}"
                path = _source(s, clip, f)
                if path is None:
                    result.checks.append(Check(common.RULE_SOUND_COPY, clip.name, False,
                                               f"{f.relpath} of roll {roll}: no verified copy and no card mounted"))
                    continue
                expected, problem = _expected(f, path)
                if problem is not None:
                    result.checks.append(problem)
                    continue
                result.files.append(PackageFile(rel, path, expected, "sound", clip.name))
                result.takes.append(_line(clip, roll, rel))
    result.takes.sort(key=lambda t: (natural_key(t.roll), t.tc_in, t.file))
    conflicts, same = common.conflicts(result.files, result.held)
    result.checks += conflicts
    result.unchanged = same
    if not result.failed:
        rolls = sorted({t.roll for t in result.takes}, key=natural_key)
        result.checks.append(Check(common.RULE_SOUND_COPY, "*", True, f"{len(result.files)} file(s) of "
                                   f"{len(rolls)} roll(s) ({', '.join(rolls)}) found on verified copies"))
    return result


def write(catalog: Catalog, p: Plan, cancel: CancelToken) -> common.TurnoverResult:
    """Write the checked plan; records the turnover. Raises :class:`VerificationFailedError` (a copy whose xxh64
    is not the catalog's), ``OSError``, :class:`CancelledError`; the target is then as it was."""
    generation = p.generations + 1
    docs = common.documents_folder(generation)
    unchanged = set(p.unchanged)
    with Staging(p.target) as staging:
        for f in p.files:
            if f.rel not in unchanged:
                staging.copy(f)
                stopped(cancel, *STOP)
        scope = common.scope_words(p.options)
        report = SoundReport(report_context(ReportOptions()), p.project or "—", scope, p.takes)
        write_sound_report(report, staging.add(f"{docs}/sound_report.pdf", "report"))
        write_sound_csv(p.takes, staging.add(f"{docs}/sound_report.csv", "report"))
        kept = [ManifestEntry(f.rel, f.source.stat().st_size, f.xxh64, f.role, f.clip, "unchanged")
                for f in p.files if f.rel in unchanged]
        head = {"tool": common.tool(), "kind": TurnoverKind.SOUND.value, "scope": scope,
                "created": dt.datetime.now(dt.UTC).isoformat(), "generation": generation}
        entries = common.manifest(staging, docs, head, kept)
        stopped(cancel, *STOP)
        done = deliver(staging)
    day = p.days[0] if len(p.days) == 1 else None
    tid = common.record(catalog, TurnoverKind.SOUND.value, p.target, scope, day, done.generation, "completed",
                        entries, p.checks, None)
    return common.TurnoverResult(TurnoverKind.SOUND.value, str(p.target), done.generation, done.new,
                                 sorted(unchanged), p.checks, tid)


__all__ = ["Plan", "plan", "write"]
