"""Clip ingest: group a catalogued card's files into clips, probe them, cache thumbnails, then pre-fill slates
from sound.

Runs after verification, off the copy path: it reads a **verified destination copy** (so the card can be
ejected as soon as the offload is done) and falls back to the card only when no destination holds every file
verified. Idempotent: running it again updates the same clips. :func:`iter_ingest` is the work as a generator
of :class:`IngestProgress` (the caller can stop between two yields); :func:`ingest_card` drives it with a
progress callback and a cancel token. Probing and thumbnails take 10–100 ms per clip: call them off the GUI
thread.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

import xxhash
from sqlalchemy.exc import IntegrityError

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.model import Camera, CancelToken
from pixm_desktop.core.naming import camera_letter
from pixm_desktop.core.states import ClipFileRole, ClipKind, ProbeStatus, ThumbnailStatus
from pixm_desktop.media.grouping import ClipGroup, group_files
from pixm_desktop.media.probe import ProbeResult, complete, probe_clip
from pixm_desktop.services.clips.log_edits import IXML, MANUAL, prefill_from_sound
from pixm_desktop.services.clips.thumbnails import (
    make_clip_thumbnails,
    remove_thumbnail_files,
    thumbnails_dir,
)
from pixm_desktop.store import clips_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, Clip, ClipFile, ClipThumbnail, utcnow

# outcomes not worth repeating while the files are unchanged
PROBED = (ProbeStatus.OK, ProbeStatus.PARTIAL, ProbeStatus.NO_DECODER)


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
        remove_thumbnail_files(gone.thumbnails)
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
        probe.fail(ProbeStatus.FAILED, "no readable copy: no destination holds every file verified and the card "
                                  "is not mounted" if job.media is not None else "the clip has no media file")
        complete(probe, job.name)
        media_path = None
    else:
        media_path = _path(root, job.media)
        probe = probe_clip(job.kind, job.name, media_path, sidecars=tuple(_path(root, p) for p in job.sidecars),
                           proxies=tuple(_path(root, p) for p in job.proxies))
    thumbs, thumb_status, thumb_error = [], ThumbnailStatus.NONE, None
    if thumbnails_dir is not None and media_path is not None:
        thumbs, thumb_status, thumb_error = make_clip_thumbnails(
            job.id, job.kind, probe, media_path, [_path(root, p) for p in job.proxies], thumbnails_dir)
    elif thumbnails_dir is not None:
        thumb_status, thumb_error = ThumbnailStatus.FAILED, probe.error
    with catalog.session() as s:
        clip = s.get(Clip, clip_id)
        if clip is None:  # removed meanwhile by another ingest of the same card
            return job.name
        _store_probe(clip, probe, job, from_dest)
        if thumbnails_dir is not None:
            keep = {str(t.path) for t in thumbs}
            remove_thumbnail_files(t for t in clip.thumbnails if t.path not in keep)
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
    if probe.status == ProbeStatus.FAILED:
        result.probe_failed += 1
        result.problems.append((name, probe.error or "unreadable"))
    elif probe.status == ProbeStatus.NO_DECODER:
        result.no_decoder += 1
    if thumb_status == ThumbnailStatus.FAILED and probe.status != ProbeStatus.FAILED:
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


__all__ = ["IngestProgress", "IngestResult", "ingest_card", "iter_ingest"]
