"""Clips: group a catalogued card's files into clips, probe them, cache thumbnails, keep the logger's fields.

The API the GUI and the CLI call (plain data in and out, never ORM objects):

- :func:`ingest_card` ``(catalog, card_id, *, progress=None, cancel=None, force=False, thumbnails=True)`` →
  :class:`IngestResult`. Runs after verification, off the copy path: it reads a **verified destination copy**
  (so the card can be ejected as soon as the offload is done) and falls back to the card only when no
  destination holds every file verified. Idempotent: running it again updates the same clips.
  :func:`iter_ingest` is the same work as a generator of :class:`IngestProgress` (napari style: the caller
  can stop between two yields).
- :func:`list_clips` ``(catalog, ClipFilter)`` → ``list[ClipRow]`` one page; :func:`count_clips` the total.
- :func:`clip_detail` ``(catalog, clip_id)`` → ``dict`` (everything, files with roles, thumbnails).
- :func:`update_log` ``(catalog, clip_ids, **fields)`` batch-edits logger fields (scene, take, camera, notes,
  circled, rating, flagged). Editing scene or take marks the clip ``logged_from = "manual"``; a manual entry
  is never overwritten by the sound pre-fill.
- :func:`thumbnail_paths` ``(catalog, clip_id)`` → ``list[Path]`` (first, middle, last).
- :func:`find_clips` ``(catalog, name, card_label=None)`` → ``list[ClipRow]`` (exact name, else tape name).
- :func:`clip_facets` ``(catalog)`` → :class:`ClipFacets`: the distinct days, cameras, reels, scenes and takes
  (the choices of the browser's filter combos).

Pre-fill: after a card is ingested, every picture clip of the same shoot day whose timecode range overlaps a
sound take (BWF with iXML slate) gets that take's scene and take, with ``logged_from = "sound:<file>"``; the
take with the longest overlap wins.

All functions block (probing and thumbnails take 10–100 ms per clip): call them off the GUI thread.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import os
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

import xxhash
from platformdirs import user_cache_dir
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.model import Camera, CancelToken
from pixm_desktop.core.naming import camera_letter, natural_key
from pixm_desktop.core.states import (
    ClipFileRole,
    ClipKind,
    LoggedFrom,
    ProbeStatus,
    SlateSource,
    ThumbnailStatus,
)
from pixm_desktop.core.timecode import frames_to_tc, label_span, overlap
from pixm_desktop.core.timeutil import iso_utc
from pixm_desktop.media.grouping import ClipGroup, group_files
from pixm_desktop.media.probe import (
    STATUS_FAILED,
    STATUS_NO_DECODER,
    ProbeResult,
    complete,
    probe_clip,
    rate_text,
)
from pixm_desktop.media.thumbnails import THUMB_WIDTH, make_thumbnails
from pixm_desktop.store import clips_repo
from pixm_desktop.store.clips_repo import LOGGER_FIELDS, ORDER_COLUMNS, ClipFilter
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, Clip, ClipFile, ClipThumbnail, ShootDay, utcnow

__all__ = [
    "LOGGER_FIELDS",
    "ORDER_COLUMNS",
    "ClipFacets",
    "ClipFilter",
    "ClipRow",
    "IngestProgress",
    "IngestResult",
    "clip_detail",
    "clip_facets",
    "count_clips",
    "delete_thumbnails",
    "find_clips",
    "ingest_card",
    "iter_ingest",
    "list_clips",
    "prefill_from_sound",
    "thumbnail_paths",
    "thumbnails_dir",
    "update_log",
]

# outcomes not worth repeating while the files are unchanged
PROBED = (ProbeStatus.OK, ProbeStatus.PARTIAL, ProbeStatus.NO_DECODER)
MANUAL = SlateSource.MANUAL.value  # the stored ``logged_from`` strings (see core.states.LoggedFrom)
IXML = SlateSource.IXML.value
SOUND_PREFIX = LoggedFrom.SOUND_PREFIX


# --- plain data ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class IngestProgress:
    """Latest progress of an ingest: ``done`` of ``total`` clips; ``phase`` is ``group``, ``probe``,
    ``thumbnails``, ``prefill`` or ``done``; ``clip`` is the clip being worked on."""

    card_id: int
    phase: str
    done: int
    total: int
    clip: str = ""

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


@dataclass(slots=True)
class IngestResult:
    """What an ingest did. ``read_from`` is the folder probed (a verified destination, or the card)."""

    card_id: int
    card_label: str
    clips: int = 0
    created: int = 0
    removed: int = 0
    probed: int = 0
    skipped: int = 0  # unchanged since the last ingest
    probe_failed: int = 0
    no_decoder: int = 0
    thumbnails: int = 0
    thumbnail_failed: int = 0
    prefilled: int = 0
    read_from: str | None = None
    read_from_destination: bool = False
    seconds: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (clip, reason)

    def summary(self) -> str:
        """One line for the terminal and the status bar."""
        where = "verified copy" if self.read_from_destination else "card" if self.read_from else "nowhere"
        parts = [f"{self.clips} clips ({self.created} new)", f"{self.probed} probed"]
        if self.skipped:
            parts.append(f"{self.skipped} unchanged")
        if self.probe_failed:
            parts.append(f"{self.probe_failed} unreadable")
        if self.no_decoder:
            parts.append(f"{self.no_decoder} without decoder")
        parts.append(f"{self.thumbnails} thumbnails")
        if self.prefilled:
            parts.append(f"{self.prefilled} slated from sound")
        return f"{self.card_label}: " + ", ".join(parts) + f" — read from the {where}, {self.seconds:.1f} s"


@dataclass(slots=True)
class ClipRow:
    """One clip as lists show it. ``fps`` is ``"24000/1001"``; ``thumbnails`` are file paths (first, middle,
    last) that exist when the row is read; ``day`` is ISO ``YYYY-MM-DD``."""

    id: int
    card_id: int
    card_label: str
    card_camera: str
    day: str | None
    name: str
    kind: str
    tape_name: str | None
    reel: str | None
    codec: str | None
    width: int | None
    height: int | None
    fps: str | None
    fps_num: int | None
    fps_den: int | None
    frames: int | None
    start_tc: str | None
    start_frame: int | None
    end_tc: str | None
    audio_channels: int | None
    camera_model: str | None
    camera_serial: str | None
    scene: str | None
    take: str | None
    camera: str | None
    notes: str | None
    circled: bool
    rating: int
    flagged: bool
    logged_from: str | None
    probe_status: str
    probe_error: str | None
    thumbnail_status: str
    thumbnails: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _row(c, thumbs: Iterable[str]) -> ClipRow:
    """A ClipRow from a ``clips`` row (ORM object or plain row) with ``card_label``, ``card_camera``, ``day``."""
    fps = Fraction(c.fps_num, c.fps_den) if c.fps_num and c.fps_den else None
    end_tc = None
    if fps is not None and c.start_frame is not None and c.frames:
        end_tc = frames_to_tc(c.start_frame + c.frames, fps, drop_frame=c.drop_frame)  # exclusive, as ALE End
    day = c.day
    return ClipRow(
        id=c.id, card_id=c.card_id, card_label=c.card_label, card_camera=c.card_camera,
        day=day.isoformat() if day else None, name=c.name, kind=c.kind, tape_name=c.tape_name, reel=c.reel,
        codec=c.codec, width=c.width, height=c.height, fps=rate_text(fps), fps_num=c.fps_num, fps_den=c.fps_den,
        frames=c.frames, start_tc=c.start_tc, start_frame=c.start_frame, end_tc=end_tc,
        audio_channels=c.audio_channels, camera_model=c.camera_model, camera_serial=c.camera_serial,
        scene=c.scene, take=c.take, camera=c.camera, notes=c.notes, circled=bool(c.circled),
        rating=c.rating or 0, flagged=bool(c.flagged), logged_from=c.logged_from, probe_status=c.probe_status,
        probe_error=c.probe_error, thumbnail_status=c.thumbnail_status, thumbnails=list(thumbs))


# --- ingest -----------------------------------------------------------------------------------------------------


def thumbnails_dir(catalog: Catalog) -> Path:
    """Where thumbnails are cached: ``<catalog folder>/thumbnails`` (a per-user cache folder for a catalog
    opened by URL)."""
    if catalog.path is not None:
        return Path(catalog.path).parent / "thumbnails"
    return Path(user_cache_dir("pixm", appauthor=False)) / "thumbnails"


def ingest_card(catalog: Catalog, card_id: int, *, progress: Callable[[IngestProgress], None] | None = None,
                cancel: CancelToken | None = None, force: bool = False, thumbnails: bool = True,
                thumbnails_root: Path | None = None) -> IngestResult:
    """Group, probe and thumbnail every clip of card ``card_id``, then pre-fill slates from sound.

    ``progress`` is called with an :class:`IngestProgress` before the first clip and after each one (from the
    calling thread; a GUI stores the latest and polls it). ``cancel`` is checked between clips; cancelling
    raises :class:`CancelledError` (clips done so far stay recorded; the next ingest carries on). Unless
    ``force``, clips whose files are unchanged since a successful probe are not probed again. Unreadable media
    is recorded on the clip (``probe_status``/``probe_error``), never raised. Raises :class:`UsageError` for
    an unknown card.
    """
    gen = iter_ingest(catalog, card_id, force=force, thumbnails=thumbnails, thumbnails_root=thumbnails_root)
    while True:
        if cancel is not None:
            cancel.wait_if_paused()
            if cancel.cancelled:
                gen.close()
                raise CancelledError("clip ingest cancelled; clips done so far are kept",
                                     hint="run `pixm ingest` for the card to finish it")
        try:
            snapshot = next(gen)
        except StopIteration as stop:
            return stop.value
        if progress is not None:
            progress(snapshot)


def iter_ingest(catalog: Catalog, card_id: int, *, force: bool = False, thumbnails: bool = True,
                thumbnails_root: Path | None = None) -> Generator[IngestProgress, None, IngestResult]:
    """:func:`ingest_card` as a generator: yields :class:`IngestProgress` after grouping and after every clip;
    its return value (``StopIteration.value``) is the :class:`IngestResult`. Closing it between yields stops
    the work cleanly."""
    started = time.monotonic()
    for attempt in (1, 2):
        with catalog.session() as s:
            card = s.get(Card, card_id)
            if card is None:
                raise UsageError(f"no card with id {card_id} in the catalog")
            result = IngestResult(card_id=card.id, card_label=card.label)
            shoot_day_id = card.shoot_day_id
            root, from_dest = _read_root(s, card)
            result.read_from = os.fsdecode(root) if root is not None else None
            result.read_from_destination = from_dest
            try:
                clip_ids, created, removed = _sync_groups(s, card)
                s.commit()
                break
            except IntegrityError:  # another ingest of this card created the same clips just now
                s.rollback()
                if attempt == 2:
                    raise
    result.clips, result.created, result.removed = len(clip_ids), created, removed
    yield IngestProgress(card_id, "group", 0, len(clip_ids))
    thumbs_root = (thumbnails_root or thumbnails_dir(catalog)) / str(card_id)
    for done, clip_id in enumerate(clip_ids, 1):
        name = _ingest_clip(catalog, clip_id, root, from_dest, result, force=force,
                            thumbnails_dir=thumbs_root if thumbnails else None)
        yield IngestProgress(card_id, "probe", done, len(clip_ids), name)
    if shoot_day_id is not None:
        with catalog.session() as s:
            result.prefilled = prefill_from_sound(s, shoot_day_id)
            s.commit()
    result.seconds = time.monotonic() - started
    yield IngestProgress(card_id, "done", len(clip_ids), len(clip_ids))
    return result


def _read_root(s, card: Card) -> tuple[bytes | None, bool]:
    """A fully verified destination card folder that is mounted; else the card if it is still there."""
    for dest in clips_repo.fully_verified_destinations(s, card.id):
        if os.path.isdir(dest.path_raw):
            return dest.path_raw, True
    source = os.fsencode(card.source_path) if card.source_path else None
    if source and os.path.isdir(source):
        return source, False
    return None, False


def _sync_groups(s, card: Card) -> tuple[list[int], int, int]:
    """Create/update clips and their file links from the card's catalogued files; returns (clip ids in media
    order, created, removed)."""
    files = clips_repo.files_of_card(s, card.id)
    by_name = {os.fsdecode(f.relpath_raw): f for f in files}
    groups = group_files(by_name)
    existing = clips_repo.clips_of_card(s, card.id)
    wanted: dict[int, tuple[str, str, int]] = {}  # file id -> (clip key, role, position)
    keyed: list[tuple[str, ClipGroup]] = []
    seen: set[str] = set()
    for g in groups:
        key = _text(g.key)
        while key in seen:  # two names that differ only in undecodable bytes
            key += "#"
        seen.add(key)
        keyed.append((key, g))
        for cf in g.files:
            wanted[by_name[cf.relpath].id] = (key, cf.role, cf.position)
    created = 0
    clips: dict[str, Clip] = {}
    for key, g in keyed:
        clip = existing.pop(key, None)
        if clip is None:
            clip = Clip(card_id=card.id, key=key, name=_text(g.name)[:255], kind=g.kind, reel=card.reel,
                        probe_status=ProbeStatus.PENDING, thumbnail_status=ThumbnailStatus.PENDING,
                        metadata_json="{}", drop_frame=False,
                        circled=False, rating=0, flagged=False)
            if card.camera != Camera.SOUND.value and camera_letter(card.reel):
                clip.camera = camera_letter(card.reel)
            s.add(clip)
            created += 1
        clip.kind = g.kind
        clips[key] = clip
    removed = len(existing)
    for gone in existing.values():  # its files were regrouped (or the grouping rules changed)
        _remove_thumbnail_files(gone.thumbnails)
        s.delete(gone)
    s.flush()
    for link in clips_repo.links_of_card(s, card.id):
        want = wanted.get(link.file_id)
        if want is None or clips[want[0]].id != link.clip_id:
            s.delete(link)
        else:
            link.role, link.position = want[1], want[2]
            wanted.pop(link.file_id)
    s.flush()
    for file_id, (key, role, position) in wanted.items():
        s.add(ClipFile(clip_id=clips[key].id, file_id=file_id, role=role, position=position))
    s.flush()
    return [clips[key].id for key, _g in keyed], created, removed


def _text(value: str) -> str:
    """Catalog text for a name that may hold undecodable bytes (surrogate escapes)."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(slots=True)
class _ClipJob:
    """What one clip's probe needs, read in a short transaction."""

    id: int
    name: str
    kind: str
    card_reel: str
    media: bytes | None
    sidecars: list[bytes]
    proxies: list[bytes]
    signature: str
    skip: bool


def _ingest_clip(catalog: Catalog, clip_id: int, root: bytes | None, from_dest: bool, result: IngestResult, *,
                 force: bool, thumbnails_dir: Path | None) -> str:
    with catalog.session() as s:
        job = _clip_job(s, clip_id, force)
    if job.skip:
        result.skipped += 1
        return job.name
    # slow work outside any transaction: other writers (an offload) are not held up
    probe: ProbeResult
    if root is None or job.media is None:
        probe = ProbeResult()
        probe.fail(STATUS_FAILED, "no readable copy: no destination holds every file verified and the card "
                                  "is not mounted" if job.media is not None else "the clip has no media file")
        complete(probe, job.name)
        media_path = None
    else:
        media_path = _path(root, job.media)
        probe = probe_clip(job.kind, job.name, media_path, sidecars=tuple(_path(root, p) for p in job.sidecars),
                           proxies=tuple(_path(root, p) for p in job.proxies))
    thumbs, thumb_status, thumb_error = [], "none", None
    if thumbnails_dir is not None and media_path is not None:
        thumbs, thumb_status, thumb_error = _thumbnails(job, probe, root, media_path, thumbnails_dir)
    elif thumbnails_dir is not None:
        thumb_status, thumb_error = "failed", probe.error
    with catalog.session() as s:
        clip = s.get(Clip, clip_id)
        if clip is None:  # removed meanwhile by another ingest of the same card
            return job.name
        _store_probe(clip, probe, job, from_dest)
        if thumbnails_dir is not None:
            keep = {str(t.path) for t in thumbs}
            _remove_thumbnail_files(t for t in clip.thumbnails if t.path not in keep)
            for old in list(clip.thumbnails):
                s.delete(old)
            s.flush()
            for t in thumbs:
                s.add(ClipThumbnail(clip_id=clip.id, position=t.index, frame=t.frame, path=str(t.path),
                                    width=t.width, height=t.height))
            clip.thumbnail_status, clip.thumbnail_error = thumb_status, thumb_error and _text(thumb_error)
        s.commit()
        name = clip.name
    result.probed += 1
    result.thumbnails += len(thumbs)
    if probe.status == STATUS_FAILED:
        result.probe_failed += 1
        result.problems.append((name, probe.error or "unreadable"))
    elif probe.status == STATUS_NO_DECODER:
        result.no_decoder += 1
    if thumb_status == "failed" and probe.status != STATUS_FAILED:
        result.thumbnail_failed += 1
        result.problems.append((name, f"thumbnails: {thumb_error}"))
    return name


def _clip_job(s, clip_id: int, force: bool) -> _ClipJob:
    clip = s.get(Clip, clip_id)
    rows = clips_repo.clip_files(s, clip_id)
    h = xxhash.xxh3_128()
    for link, f in sorted(rows, key=lambda r: r[1].relpath_raw):
        h.update(f.relpath_raw + b"\0" + f"{f.size}:{f.mtime_ns}:{link.role}\n".encode())
    signature = h.hexdigest()
    media = next((f.relpath_raw for link, f in rows if link.role == ClipFileRole.MEDIA), None)
    skip = (not force and clip.files_signature == signature and clip.probe_status in PROBED
            and clip.thumbnail_status in (ThumbnailStatus.OK, ThumbnailStatus.NONE))
    return _ClipJob(
        id=clip.id, name=clip.name, kind=clip.kind, card_reel=clip.card.reel, media=media,
        sidecars=[f.relpath_raw for link, f in rows if link.role == ClipFileRole.SIDECAR],
        proxies=[f.relpath_raw for link, f in rows if link.role == ClipFileRole.PROXY], signature=signature,
        skip=skip)


def _path(root: bytes, rel: bytes) -> Path:
    return Path(os.fsdecode(os.path.join(root, rel)))


def _thumbnails(job: _ClipJob, probe: ProbeResult, root: bytes, media: Path, out_dir: Path):
    """Thumbnails from the media, or from a camera proxy when the media has no decoder or is unreadable."""
    if job.kind == ClipKind.AUDIO:
        return [], "none", None
    candidates = []
    if job.kind != ClipKind.RAW and probe.status != STATUS_FAILED:
        candidates.append(media)
    candidates += [_path(root, p) for p in job.proxies if not p.lower().endswith((b".r3d", b".braw"))]
    if not candidates:
        reason = probe.error if probe.status == STATUS_FAILED else (probe.error or "no decodable picture")
        return [], ("failed" if probe.status == STATUS_FAILED else "none"), reason
    errors = []
    for path in candidates:
        try:
            return make_thumbnails(path, out_dir, str(job.id), width=THUMB_WIDTH), "ok", None
        except Exception as exc:  # FFmpeg errors, I/O: the reason is recorded on the clip
            errors.append(f"{path.name}: {str(exc).strip() or type(exc).__name__}")
    return [], "failed", "; ".join(errors)


def _store_probe(clip: Clip, r: ProbeResult, job: _ClipJob, from_dest: bool) -> None:
    r = _catalog_safe(r)
    clip.probe_status, clip.probe_error = r.status, r.error
    clip.probe_source = ("destination:" if from_dest else "card:") + r.source if r.source else None
    clip.probed_at = utcnow()
    clip.files_signature = job.signature
    if r.clip_name:
        clip.name = r.clip_name[:255]
    clip.tape_name = (r.tape_name or None) and r.tape_name[:32]
    reel = r.extra.get("reel_from_name") or job.card_reel
    clip.reel = reel
    clip.codec, clip.codec_profile = r.codec, r.codec_profile and r.codec_profile[:64]
    clip.width, clip.height = r.width, r.height
    clip.fps_num, clip.fps_den = (r.fps.numerator, r.fps.denominator) if r.fps else (None, None)
    clip.frames, clip.start_tc, clip.start_frame, clip.drop_frame = r.frames, r.start_tc, r.start_frame, r.drop_frame
    clip.audio_channels, clip.sample_rate = r.audio_channels, r.sample_rate
    clip.camera_make = r.camera_make and r.camera_make[:128]
    clip.camera_model = r.camera_model and r.camera_model[:128]
    clip.camera_serial = r.camera_serial and r.camera_serial[:128]
    clip.lens = r.lens and r.lens[:128]
    clip.recorded_at = r.recorded_at and r.recorded_at[:40]
    meta = {"extra": r.extra, "warnings": r.warnings}
    if job.kind == ClipKind.AUDIO:
        meta["sound"] = {"scene": r.scene, "take": r.take, "tape": r.tape_name, "circled": r.circled,
                         "note": r.note, "project": r.project, "tracks": r.tracks}
        if clip.logged_from != MANUAL:  # the recorder's slate is the sound clip's own log
            clip.scene, clip.take = r.scene, r.take
            clip.circled = bool(r.circled)
            clip.notes = clip.notes or r.note or None
            clip.logged_from = IXML
    clip.metadata_json = _text(json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str))
    if clip.camera is None and job.kind != ClipKind.AUDIO:
        clip.camera = camera_letter(reel) or (r.extra.get("camera_number") or None)


def _catalog_safe(r: ProbeResult) -> ProbeResult:
    """The probe's text fields as catalog text: names with undecodable bytes (surrogate escapes, from a card
    whose names are not UTF-8) cannot be stored as they are."""
    fixed = {f.name: _text(v) for f in dataclasses.fields(r) if isinstance(v := getattr(r, f.name), str)}
    return dataclasses.replace(r, **fixed)


def _remove_thumbnail_files(thumbs: Iterable[ClipThumbnail]) -> None:
    for t in thumbs:
        try:
            os.unlink(t.path)
        except OSError:
            pass


# --- pre-fill from sound --------------------------------------------------------------------------------------


def prefill_from_sound(s, shoot_day_id: int) -> int:
    """Give picture clips of a shoot day the scene/take of the sound take whose timecode range overlaps theirs
    most (``logged_from = "sound:<file>"``). Clips logged by hand are left alone. Returns how many clips
    changed. Does not commit."""
    rows = clips_repo.day_clips(s, shoot_day_id)
    sounds = []
    for clip, media_name in rows:
        if clip.kind == ClipKind.AUDIO and (clip.scene or clip.take):
            span = label_span(clip.start_frame, int(clip.frames), Fraction(clip.fps_num, clip.fps_den))
            sounds.append((span, clip, media_name))
    if not sounds:
        return 0
    sounds.sort(key=lambda x: x[0][0])
    starts = [sp[0] for sp, _c, _n in sounds]
    longest = max(sp[1] - sp[0] for sp, _c, _n in sounds)
    changed = 0
    for clip, _name in rows:
        if clip.kind == ClipKind.AUDIO or clip.logged_from == MANUAL:
            continue
        span = label_span(clip.start_frame, int(clip.frames), Fraction(clip.fps_num, clip.fps_den))
        lo = bisect.bisect_left(starts, span[0] - longest)
        hi = bisect.bisect_left(starts, span[1])
        best = None
        for sp, snd, media_name in sounds[lo:hi]:
            amount = overlap(span, sp)
            if amount > 0 and (best is None or amount > best[0]):
                best = (amount, snd, media_name)
        if best is None:
            continue
        _amount, snd, media_name = best
        source = str(LoggedFrom.sound(media_name))
        if (clip.scene, clip.take, clip.logged_from) != (snd.scene, snd.take, source):
            clip.scene, clip.take, clip.logged_from = snd.scene, snd.take, source
            clip.logged_at = utcnow()
            changed += 1
    s.flush()
    return changed


# --- queries and edits ----------------------------------------------------------------------------------------


def list_clips(catalog: Catalog, filters: ClipFilter | None = None) -> list[ClipRow]:
    """One page of clips matching ``filters`` (``offset``/``limit`` for lazy loading), with thumbnail paths.
    Raises :class:`UsageError` for an unknown sort column."""
    f = filters or ClipFilter()
    with catalog.session() as s:
        try:
            rows = clips_repo.query_clips(s, f)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        thumbs = clips_repo.thumbnail_paths_for(s, [r.id for r in rows])
        return [_row(r, thumbs.get(r.id, ())) for r in rows]


def count_clips(catalog: Catalog, filters: ClipFilter | None = None) -> int:
    """How many clips match ``filters`` (all pages)."""
    with catalog.session() as s:
        return clips_repo.count_clips(s, filters or ClipFilter())


@dataclass(slots=True)
class ClipFacets:
    """Distinct values the clip filters can take, each sorted: ``days`` ISO ``YYYY-MM-DD``; ``cameras``
    letters; ``reels``; ``scenes`` and ``takes`` in natural order (``2`` before ``10``, ``12`` before ``12A``)."""

    days: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    reels: list[str] = field(default_factory=list)
    scenes: list[str] = field(default_factory=list)
    takes: list[str] = field(default_factory=list)


def clip_facets(catalog: Catalog) -> ClipFacets:
    """The distinct shoot days, camera letters, reels, scenes and takes of all clips (five small indexed
    ``SELECT DISTINCT`` queries: a few ms for 10,000 clips)."""
    with catalog.session() as s:
        def distinct(col, *joins) -> list:
            q = select(col).select_from(Clip)
            for target, on in joins:
                q = q.join(target, on)
            return [v for (v,) in s.execute(q.where(col.is_not(None)).distinct())]

        days = distinct(ShootDay.day, (Card, Card.id == Clip.card_id), (ShootDay, ShootDay.id == Card.shoot_day_id))
        return ClipFacets(days=sorted(d.isoformat() for d in days), cameras=sorted(distinct(Clip.camera)),
                          reels=sorted(distinct(Clip.reel)), scenes=sorted(distinct(Clip.scene), key=natural_key),
                          takes=sorted(distinct(Clip.take), key=natural_key))


def find_clips(catalog: Catalog, name: str, card_label: str | None = None) -> list[ClipRow]:
    """Clips called ``name`` (exact clip name, else exact tape name), optionally on the card ``card_label``."""
    with catalog.session() as s:
        ids = [c.id for c, _label in clips_repo.find_by_name(s, name, card_label)]
    return list_clips(catalog, ClipFilter(ids=ids, order="id")) if ids else []


def clip_detail(catalog: Catalog, clip_id: int) -> dict:
    """Everything about one clip as plain data: the list row fields, plus ``files`` (``path``, ``role``,
    ``position``, ``size``), ``thumbnails`` (``path``, ``position``, ``frame``, ``width``, ``height``),
    ``metadata`` (sidecar/tag extras, warnings, the sound slate for audio), ``probe_source``, ``lens``,
    ``camera_make``, ``recorded_at``, ``sample_rate``. Raises :class:`UsageError` for an unknown clip."""
    with catalog.session() as s:
        clip = s.get(Clip, clip_id)
        if clip is None:
            raise UsageError(f"no clip with id {clip_id} in the catalog")
        card = clip.card
        thumbs = list(clip.thumbnails)
        (row,) = clips_repo.query_clips(s, ClipFilter(ids=[clip_id]))
        out = _row(row, [t.path for t in thumbs]).as_dict()
        out.update({
            "key": clip.key, "codec_profile": clip.codec_profile, "drop_frame": clip.drop_frame,
            "sample_rate": clip.sample_rate, "camera_make": clip.camera_make, "lens": clip.lens,
            "recorded_at": clip.recorded_at, "probe_source": clip.probe_source,
            "probed_at": iso_utc(clip.probed_at),
            "thumbnail_error": clip.thumbnail_error,
            "logged_at": iso_utc(clip.logged_at),
            "project": card.shoot_day.project.name if card.shoot_day else None,
            "metadata": json.loads(clip.metadata_json or "{}"),
            "files": [{"path": f.relpath, "role": link.role, "position": link.position, "size": f.size}
                      for link, f in clips_repo.clip_files(s, clip.id)],
            "thumbnail_files": [{"path": t.path, "position": t.position, "frame": t.frame, "width": t.width,
                                 "height": t.height} for t in thumbs],
        })
        return out


def thumbnail_paths(catalog: Catalog, clip_id: int) -> list[Path]:
    """Cached thumbnails of a clip (first, middle, last) that exist on disk."""
    with catalog.session() as s:
        rows = s.scalars(select(ClipThumbnail).where(ClipThumbnail.clip_id == clip_id)
                         .order_by(ClipThumbnail.position))
        return [Path(t.path) for t in rows if os.path.exists(t.path)]


def update_log(catalog: Catalog, clip_ids: Iterable[int], **fields) -> int:
    """Set logger fields on every clip in ``clip_ids`` (batch edit); returns how many clips changed.

    Fields: ``scene``, ``take``, ``camera`` (letter), ``notes`` (text; ``None`` clears), ``circled`` (bool),
    ``rating`` (0–5), ``flagged`` (bool). Setting ``scene`` or ``take`` marks the clips ``logged_from =
    "manual"``, so the sound pre-fill never overwrites them. Raises :class:`UsageError` for an unknown field,
    a rating outside 0–5, or a clip id that is not in the catalog.
    """
    ids = sorted(set(clip_ids))
    unknown = set(fields) - set(LOGGER_FIELDS)
    if unknown:
        raise UsageError(f"unknown logger field(s): {', '.join(sorted(unknown))} "
                         f"(fields: {', '.join(LOGGER_FIELDS)})")
    values: dict[str, object] = {}
    for key, value in fields.items():
        if key in ("circled", "flagged"):
            values[key] = bool(value)
        elif key == "rating":
            try:
                rating = int(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise UsageError(f"rating must be a whole number 0–5, not {value!r}") from None
            if not 0 <= rating <= 5:
                raise UsageError(f"rating must be 0–5, not {rating}")
            values[key] = rating
        elif key == "camera":
            values[key] = str(value).strip().upper()[:8] or None if value is not None else None
        else:
            text = None if value is None else str(value).strip()
            values[key] = text or None
    if not values or not ids:
        return 0
    if "scene" in values or "take" in values:
        values["logged_from"] = MANUAL
    values["logged_at"] = utcnow()
    with catalog.session() as s:
        missing = set(ids) - clips_repo.existing_ids(s, ids)
        if missing:
            raise UsageError(f"no clip with id {', '.join(map(str, sorted(missing)))} in the catalog")
        res = s.execute(update(Clip).where(Clip.id.in_(ids)).values(**values))
        s.commit()
        return int(res.rowcount or 0)


def delete_thumbnails(catalog: Catalog, card_id: int) -> int:
    """Remove a card's cached thumbnails (files and rows); returns how many."""
    with catalog.session() as s:
        rows = list(s.scalars(select(ClipThumbnail).join(Clip, Clip.id == ClipThumbnail.clip_id)
                              .where(Clip.card_id == card_id)))
        _remove_thumbnail_files(rows)
        s.execute(delete(ClipThumbnail).where(ClipThumbnail.id.in_([t.id for t in rows])))
        s.commit()
        return len(rows)
