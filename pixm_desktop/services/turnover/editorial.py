"""The editorial turnover: the day's proxies (the renditions of one dailies preset) with an Avid AAF linking the
OP-Atom media, one ALE and one FCP7 XML per frame rate, the PDF daily and offload reports, the looks used and a
manifest — checked first (:func:`plan`), then written (:func:`write`) as a package with its own ASC MHL.

Where a proxy's look and burn-ins came from: the ``renditions`` row keeps only the inputs key, so the dailies
job whose options give the same key for the clip (``services.jobs.dailies.inputs_key``) is the one that made
it; its CDL file gives ASC_SOP/ASC_SAT and its burn-in fields are checked against the preset's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import (
    ClipKind,
    JobKind,
    TapeTemplate,
    TurnoverJobOptions,
    TurnoverKind,
    job_options,
)
from pixm_desktop.core.timecode import fps_label
from pixm_desktop.media.renditions import burnin, colour, presets
from pixm_desktop.media.sound_sync import SoundTake, best_takes, clip_span, sound_roll
from pixm_desktop.post import aaf, fcpxml, tapes
from pixm_desktop.post.manifest import ManifestEntry
from pixm_desktop.reports import exports
from pixm_desktop.reports.model import ClipLine
from pixm_desktop.services.jobs import dailies
from pixm_desktop.services.jobs.contract import stopped
from pixm_desktop.services.reports import write_daily_report, write_offload_report
from pixm_desktop.services.reports.clip_lines import lines_for_cards
from pixm_desktop.services.turnover import common
from pixm_desktop.services.turnover.common import Check
from pixm_desktop.services.turnover.package import PackageFile, Staging, deliver, existing_state, file_xxh64
from pixm_desktop.store import clips_repo, renditions_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Job

MOS = re.compile(r"\bMOS\b")
STOP = ("turnover cancelled; nothing was written", "turn over again")


@dataclass(slots=True)
class Look:
    """What a proxy was made with (from its dailies job): the CDL and LUT files ("" = none), burn-in fields."""

    cdl: str = ""
    lut: str = ""
    burn_in: tuple[str, ...] = ()


@dataclass(slots=True)
class Item:
    """One picture clip of the turnover: its report line, tape as the edit list carries it, proxy files (to copy),
    start frame and the look it was made with (``None``: no dailies job gives its inputs key)."""

    clip_id: int
    name: str
    card: str
    line: ClipLine
    tape: str
    files: list[PackageFile]
    start_frame: int | None
    look: Look | None
    shoot_day_id: int | None


@dataclass(slots=True)
class Plan:
    """The checked turnover: items, checks, the preset, the days and cards it covers, the package's state."""

    options: TurnoverJobOptions
    target: Path
    preset: presets.Preset
    items: list[Item] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)
    generations: int = 0
    unchanged: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    verified: int = 0  # proxy files found as recorded

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


# --- gathering -----------------------------------------------------------------------------------------------


def _clips(s, options: TurnoverJobOptions) -> list:
    day = common.parse_day(options)
    if day is not None:
        return renditions_repo.clips_for(s, day=day)
    out = []
    for label in common.names(options.cards):
        found = renditions_repo.clips_for(s, card_label=label)
        if not found:
            raise UsageError(f"no video clip of a card labelled {label!r} in the catalog",
                             hint="`pixm catalog cards` lists the cards")
        out += found
    return out


def _dailies_looks(s, preset: str) -> list[tuple[int, Look, str]]:
    """Completed dailies jobs of ``preset``, newest first, as ``(job id, look, watermark)``."""
    jobs = s.scalars(select(Job).where(Job.kind == JobKind.DAILIES.value, Job.status == JobStatus.COMPLETED.value)
                     .order_by(Job.id.desc()))
    out = []
    for job in jobs:
        o = job_options(job.kind, job.options)
        if o.preset == preset:
            try:
                fields = burnin.parse_fields(o.burn_in)
            except UsageError:
                continue
            out.append((job.id, Look(o.cdl, o.lut, fields), o.watermark))
    return out


def _look_of(clip, row, preset: presets.Preset, candidates, file_hashes: dict[str, str]) -> Look | None:
    def hashed(path: str) -> str:
        if path not in file_hashes:
            file_hashes[path] = file_xxh64(Path(path)) if path and Path(path).is_file() else ""
        return file_hashes[path]

    by_job = {job_id: look for job_id, look, _w in candidates}
    if getattr(row, "job_id", None) in by_job:  # the rendition names the dailies job that made it
        return by_job[row.job_id]
    for _job_id, look, watermark in candidates:
        # older renditions name no job: the dailies job whose own key of this clip matches made the proxy
        text = dailies._clip_text(clip, watermark)
        key = dailies.inputs_key(clip, preset, (hashed(look.cdl), hashed(look.lut)), look.burn_in, text)
        if key == row.inputs_key:
            return look
    return None


def _proxy_files(clip, row, card: str) -> tuple[list[PackageFile], list[Check]]:
    paths, hashes = json.loads(row.paths), json.loads(row.xxh64)
    files, checks = [], []
    for path, expected in zip(paths, hashes, strict=False):
        p = Path(path)
        if not p.is_file():
            checks.append(Check(common.RULE_MISSING, clip.name, False, f"clip {clip.name}: proxy {p.name} is missing "
                                                                        f"({p.parent})"))
            continue
        got = file_xxh64(p)
        if got != expected:
            checks.append(Check(common.RULE_CHANGED, clip.name, False,
                                f"clip {clip.name}: proxy {p.name} has xxh64 {got}, the catalog {expected}"))
            continue
        files.append(PackageFile(f"media/{card}/{p.name}", p, expected, "media", clip.name))
    return files, checks


def _proxy(s, clip, result: Plan, candidates, file_hashes: dict[str, str]) -> tuple[list[PackageFile], Look | None]:
    """The clip's proxy files (checked present and as recorded: failures go to ``result.checks``) and the look
    it was made with."""
    row = renditions_repo.find(s, clip.id, result.preset.name)
    if row is None:
        result.checks.append(Check(common.RULE_MISSING, clip.name, False,
                                   f"clip {clip.name} has no {result.preset.name} proxy: run `pixm dailies`"))
        return [], None
    files, checks = _proxy_files(clip, row, clip.card.label)
    result.checks += checks
    if not checks:
        result.verified += len(files)
    return files, _look_of(clip, row, result.preset, candidates, file_hashes)


def _lines(catalog: Catalog, by_day: dict[int | None, set[int]]) -> dict[int, ClipLine]:
    out = {}
    for day_id, card_ids in by_day.items():
        for line in lines_for_cards(catalog, sorted(card_ids), day_id):
            out[line.id] = line
    return out


def plan(catalog: Catalog, options: TurnoverJobOptions) -> Plan:
    """Gather and check everything (reads proxies to hash them; writes nothing). Raises :class:`UsageError` for
    a bad scope, preset or folder; failed checks are in ``Plan.checks``."""
    target = common.check_target(options)
    preset = presets.get_preset(options.preset)
    template = TapeTemplate(options.template)
    result = Plan(options, target, preset)
    result.generations, result.held = existing_state(target)
    mos = set(common.names(options.mos))
    with catalog.session() as s:
        clips = _clips(s, options)
        if not clips:
            raise UsageError(f"no video clip for {common.scope_words(options)} in the catalog")
        candidates, file_hashes = _dailies_looks(s, preset.name), {}
        by_day: dict[int | None, set[int]] = defaultdict(set)
        gathered = []
        for clip in clips:
            card = clip.card
            by_day[card.shoot_day_id].add(card.id)
            if card.shoot_day is not None and card.shoot_day.day not in result.days:
                result.days.append(card.shoot_day.day)
            if card.label not in result.cards:
                result.cards.append(card.label)
            files, look = _proxy(s, clip, result, candidates, file_hashes)
            gathered.append((clip.id, clip.name, card.label, files, clip.start_frame, look, card.shoot_day_id))
        sounds = {day_id: _sound_takes(s, day_id) for day_id in by_day if day_id is not None}
    lines = _lines(catalog, by_day)
    for clip_id, name, card, files, start, look, day_id in gathered:
        line = lines[clip_id]
        tape = line.tape or line.reel or line.card_label
        result.items.append(Item(clip_id, name, card, line, tapes.target_tape(tape, template), files, start, look,
                                 day_id))
    for rules in (_tape_checks(result, template, lines), _rate_checks(result), _burn_in_checks(result),
                  _look_checks(result), _sync_checks(result, sounds, mos)):
        result.checks += rules
    conflicts, result.unchanged = common.conflicts([f for i in result.items for f in i.files], result.held)
    result.checks += conflicts
    if not any(c.rule in (common.RULE_MISSING, common.RULE_CHANGED) for c in result.failed):
        result.checks.append(Check(common.RULE_MISSING, "*", True,
                                   f"{result.verified} proxy file(s) present and as the catalog recorded them"))
    return result


def _sound_takes(s, day_id: int) -> list[tuple[SoundTake, str, str]]:
    """The day's sound takes as ``(take, start TC, roll)``."""
    out = []
    for c, name in clips_repo.day_clips(s, day_id):
        if c.kind == ClipKind.AUDIO:
            take = SoundTake(clip_span(c.start_frame, c.frames, c.fps_num, c.fps_den), c.scene, c.take, name)
            out.append((take, c.start_tc or "", sound_roll(c.tape_name, c.reel, c.card.label)))
    return out


def _tape_checks(p: Plan, template: TapeTemplate, lines: dict[int, ClipLine]) -> list[Check]:
    """Tape names legal for the template and still unique after its truncation (``post.tapes``)."""
    named = {i.name: (lines[i.clip_id].tape or lines[i.clip_id].reel or i.card) for i in p.items}
    problems = tapes.tape_problems(named, template)
    if not problems:
        return [Check(common.RULE_TAPE, "*", True, f"{len(set(named.values()))} tape name(s) fit {template.value} "
                                                   f"({tapes.LIMITS[template]} characters) and stay unique")]
    return [Check(rule, clip, False, text) for rule, clip, text in problems]


def _rate_checks(p: Plan) -> list[Check]:
    """Every clip has a rate and timecode; the ALEs (one per rate) said."""
    out = [Check(common.RULE_TIMECODE, i.name, False, f"clip {i.name} has no frame rate or timecode: Avid cannot "
                                                      "link it") for i in p.items
           if not (i.line.fps and i.line.start_tc and i.line.end_tc)]
    rates = defaultdict(int)
    for i in p.items:
        if i.line.fps:
            rates[i.line.fps] += 1
    words = ", ".join(f"{fps_label(r)} ({n} clip(s))" for r, n in sorted(rates.items()))
    return out + [Check(common.RULE_RATE, "*", True, f"{len(rates)} ALE(s), one per rate: {words}")]


def _burn_in_checks(p: Plan) -> list[Check]:
    """The burn-ins the preset places (``burn_in.positions``) are among the fields the proxy's job drew."""
    wanted = tuple(p.preset.burn_in.get("positions", {}))
    if not wanted:
        return [Check(common.RULE_BURN_IN, "*", True, f"preset {p.preset.name} asks for no burn-in")]
    out = []
    for i in p.items:
        if not i.files:
            continue
        if i.look is None:
            out.append(Check(common.RULE_BURN_IN, i.name, False, f"clip {i.name}: no dailies job of the catalog made "
                                                                 "its proxy as it is: its burn-ins cannot be told"))
            continue
        missing = [f for f in wanted if f not in i.look.burn_in]
        if missing:
            out.append(Check(common.RULE_BURN_IN, i.name, False, f"clip {i.name}: burn-in {', '.join(missing)} "
                                                                 f"missing (preset {p.preset.name} places it)"))
    return out or [Check(common.RULE_BURN_IN, "*", True, f"burn-ins {', '.join(wanted)} on every proxy")]


def _look_checks(p: Plan) -> list[Check]:
    """Not a stop: proxies no dailies job of the catalog made as they are (the slate or the look changed since)
    go without ASC_SOP/ASC_SAT."""
    unknown = [i.name for i in p.items if i.files and i.look is None]
    if not unknown:
        return [Check(common.RULE_LOOK, "*", True, "every proxy's look known from its dailies job")]
    return [Check(common.RULE_LOOK, "*", True, f"{len(unknown)} proxy(ies) made before the slate or look changed "
                  f"({', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}): no ASC_SOP/ASC_SAT in the ALE; "
                  "`pixm dailies` renders them again")]


def _sync_checks(p: Plan, sounds: dict, mos: set[str]) -> list[Check]:
    out, synced, marked = [], 0, 0
    for day_id, takes in sounds.items():
        items = [i for i in p.items if i.shoot_day_id == day_id]
        if not takes:
            continue
        spans = [(i.clip_id, clip_span(i.start_frame, i.line.frames, i.line.fps.numerator, i.line.fps.denominator))
                 for i in items if i.start_frame is not None and i.line.frames and i.line.fps]
        matched = best_takes(spans, [t for t, _tc, _roll in takes])
        facts = {t.file: (tc, roll) for t, tc, roll in takes}
        for i in items:
            take = matched.get(i.clip_id)
            if take is not None:
                i.line.sound_tc, i.line.sound_roll = facts[take.file][0], i.line.sound_roll or facts[take.file][1]
                synced += 1
            elif i.name in mos or MOS.search(i.line.notes or ""):
                marked += 1
            else:
                out.append(Check(common.RULE_SYNC, i.name, False, f"clip {i.name}: no sound take meets its timecode "
                                                                  "and it is not marked MOS (notes or --mos)"))
    if out:
        return out
    return [Check(common.RULE_SYNC, "*", True, f"{synced} clip(s) synced, {marked} MOS"
                  + ("" if sounds and any(sounds.values()) else "; no sound recorded on these days"))]


# --- writing -------------------------------------------------------------------------------------------------


def _cdl_cells(look: Look | None, name: str) -> tuple[str | None, str | None]:
    if look is None or not look.cdl or not Path(look.cdl).is_file():
        return None, None
    c = colour.cdl_for(Path(look.cdl), name)
    if c is None:
        return None, None
    # fixed decimals, as Avid and Resolve write them (OTIO's ALE reader wants a decimal point in each value)
    sop = "".join("(" + " ".join(f"{v:.6f}" for v in triple) + ")" for triple in (c.slope, c.offset, c.power))
    return sop, f"{c.saturation:.6f}"


def _stem(p: Plan) -> str:
    if p.options.day:
        return p.options.day
    return "_".join(p.cards)[:80]


def _documents(catalog: Catalog, p: Plan, staging: Staging, docs: str, cancel: CancelToken) -> None:
    by_rate: dict[Fraction, list[Item]] = defaultdict(list)
    for i in p.items:
        i.line.tape = i.tape
        i.line.asc_sop, i.line.asc_sat = _cdl_cells(i.look, i.name)
        by_rate[i.line.fps].append(i)
    stem = _stem(p)
    for fps, items in sorted(by_rate.items()):
        label = fps_label(fps)
        exports.write_ale([i.line for i in items], staging.add(f"{docs}/{stem}_{label}.ale", "ale"), fps,
                          columns=exports.TURNOVER_ALE_COLUMNS)
        xml = [fcpxml.XmlClip(i.name, i.tape, _url(p.target, i.files[0].rel), i.start_frame or 0, i.line.frames or 0)
               for i in items]
        fcpxml.write_fcp_xml(staging.add(f"{docs}/{stem}_{label}.xml", "xml"), f"{stem} {label}", xml, fps)
    if p.preset.op_atom:
        clips = [aaf.AafClip(i.name, i.tape, tuple(_readable(staging, p.target, f.rel) for f in i.files),
                             tuple(_url(p.target, f.rel) for f in i.files)) for i in p.items]
        aaf.write_aaf(staging.add(f"{docs}/{stem}.aaf", "aaf"), clips)
    stopped(cancel, *STOP)
    for day in p.days:
        write_daily_report(catalog, day, staging.add(f"{docs}/reports/{day.isoformat()}_daily.pdf", "report"))
    for card in p.cards:
        write_offload_report(catalog, staging.add(f"{docs}/reports/{card}_offload.pdf", "report"), card_label=card)
    for look in {(i.look.cdl, i.look.lut) for i in p.items if i.look}:
        for path in look:
            if path and Path(path).is_file():
                rel = f"{docs}/looks/{Path(path).name}"
                if rel not in staging.files:
                    shutil.copy2(path, staging.add(rel, "look"))


def _url(target: Path, rel: str) -> str:
    return (target / rel).as_uri()


def _readable(staging: Staging, target: Path, rel: str) -> Path:
    staged = staging.root / rel
    return staged if staged.exists() else target / rel


def write(catalog: Catalog, p: Plan, cancel: CancelToken) -> common.TurnoverResult:
    """Write the checked plan (see the module docstring); records the turnover. Raises
    :class:`VerificationFailedError` (a copy that does not hash as the catalog says), ``OSError``,
    :class:`CancelledError`; the target is then as it was."""
    generation = p.generations + 1
    docs = common.documents_folder(generation)
    unchanged = set(p.unchanged)
    with Staging(p.target) as staging:
        for item in p.items:
            for f in item.files:
                if f.rel not in unchanged:
                    staging.copy(f)
                    stopped(cancel, *STOP)
        _documents(catalog, p, staging, docs, cancel)
        kept = [ManifestEntry(f.rel, Path(f.source).stat().st_size, f.xxh64, f.role, f.clip, "unchanged")
                for i in p.items for f in i.files if f.rel in unchanged]
        head = {"tool": common.tool(), "kind": TurnoverKind.EDITORIAL.value,
                "scope": common.scope_words(p.options), "created": dt.datetime.now(dt.UTC).isoformat(),
                "generation": generation, "preset": p.preset.name, "template": p.options.template}
        entries = common.manifest(staging, docs, head, kept)
        stopped(cancel, *STOP)
        done = deliver(staging)
    day = p.days[0] if len(p.days) == 1 else None
    tid = common.record(catalog, TurnoverKind.EDITORIAL.value, p.target, common.scope_words(p.options), day,
                        done.generation, "completed", entries, p.checks, None)
    return common.TurnoverResult(TurnoverKind.EDITORIAL.value, str(p.target), done.generation, done.new,
                                 sorted(unchanged), p.checks, tid)


__all__ = ["Item", "Look", "Plan", "plan", "write"]
