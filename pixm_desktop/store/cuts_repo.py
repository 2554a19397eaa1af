"""Queries of the ``cuts``, ``cut_events`` and ``pulls`` tables (issue 15) and the candidate clips a cut's
events are resolved against."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from pixm_desktop.core.model import CopyState
from pixm_desktop.core.states import ClipFileRole
from pixm_desktop.store.models import (
    Card,
    Clip,
    ClipFile,
    ClipThumbnail,
    Copy,
    Cut,
    CutEvent,
    Destination,
    File,
    Pull,
)

CHUNK = 900  # SQLite's bound-parameter limit is 999 on older builds


def versions(session: Session, name: str) -> list[Cut]:
    """Every version of cut ``name``, oldest first."""
    return list(session.scalars(select(Cut).where(Cut.name == name).order_by(Cut.version)))


def find(session: Session, name: str, version: int | None = None) -> Cut | None:
    """Version ``version`` of cut ``name`` (the newest when ``None``), events loaded; ``None`` when absent."""
    q = select(Cut).where(Cut.name == name).options(selectinload(Cut.events).selectinload(CutEvent.clip))
    q = q.where(Cut.version == version) if version is not None else q.order_by(Cut.version.desc()).limit(1)
    return session.scalar(q)


def next_version(session: Session, name: str) -> int:
    return (session.scalar(select(func.max(Cut.version)).where(Cut.name == name)) or 0) + 1


def all_cuts(session: Session) -> list[Cut]:
    """Every cut version, by name then version."""
    return list(session.scalars(select(Cut).order_by(Cut.name, Cut.version)))


def event_counts(session: Session) -> dict[int, dict[str, int]]:
    """``{cut id: {status: events}}``."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for cut_id, status, n in session.execute(
            select(CutEvent.cut_id, CutEvent.status, func.count()).group_by(CutEvent.cut_id, CutEvent.status)):
        out[cut_id][status] = n
    return out


CANDIDATE_COLUMNS = (Clip.id, Clip.name, Clip.reel, Clip.tape_name, Clip.start_frame, Clip.frames, Clip.fps_num,
                     Clip.fps_den, Card.label)


def candidate_clips(session: Session, names: Iterable[str], reels: Iterable[str]) -> list[tuple]:
    """``(id, name, reel, tape name, start frame, frames, fps_num, fps_den, card label, media file base names)``
    of every clip whose name is in ``names`` or whose name, tape name or reel is in ``reels`` (all compared
    upper-case). Plain rows, not ORM objects: a reel shared by a whole card brings hundreds of candidates. The
    file names are read only for the clips found by name (a source file may name a clip's file)."""
    names, reels = sorted(set(names)), sorted(set(reels))
    found: dict[int, tuple] = {}
    by_name: set[int] = set()
    for i in range(0, len(names), CHUNK):
        for row in session.execute(select(*CANDIDATE_COLUMNS).join(Card, Card.id == Clip.card_id)
                                   .where(func.upper(Clip.name).in_(names[i:i + CHUNK]))):
            found[row[0]] = tuple(row)
            by_name.add(row[0])
    for i in range(0, len(reels), CHUNK):
        r = reels[i:i + CHUNK]
        q = (select(*CANDIDATE_COLUMNS).join(Card, Card.id == Clip.card_id)
             .where(or_(func.upper(Clip.name).in_(r), func.upper(Clip.tape_name).in_(r), func.upper(Clip.reel).in_(r))))
        for row in session.execute(q):
            found.setdefault(row[0], tuple(row))
    files = media_files(session, sorted(by_name))
    return [row + (tuple(os.path.basename(p) for p in files.get(cid, [])),) for cid, row in found.items()]


def media_files(session: Session, clip_ids: list[int]) -> dict[int, list[str]]:
    """``{clip id: [card-relative path of each media file or span segment]}``."""
    out: dict[int, list[str]] = defaultdict(list)
    roles = (ClipFileRole.MEDIA.value, ClipFileRole.SEGMENT.value)
    for i in range(0, len(clip_ids), CHUNK):
        q = (select(ClipFile.clip_id, File.relpath).join(File, File.id == ClipFile.file_id)
             .where(ClipFile.clip_id.in_(clip_ids[i:i + CHUNK]), ClipFile.role.in_(roles))
             .order_by(ClipFile.clip_id, ClipFile.position))
        for clip_id, rel in session.execute(q):
            out[clip_id].append(rel)
    return out


def clip_file_rows(session: Session, clip_ids: list[int]) -> dict[int, list[File]]:
    """``{clip id: [File of each media file or span segment]}`` with the card loaded."""
    out: dict[int, list[File]] = defaultdict(list)
    roles = (ClipFileRole.MEDIA.value, ClipFileRole.SEGMENT.value)
    for i in range(0, len(clip_ids), CHUNK):
        q = (select(ClipFile.clip_id, File).join(File, File.id == ClipFile.file_id)
             .where(ClipFile.clip_id.in_(clip_ids[i:i + CHUNK]), ClipFile.role.in_(roles))
             .order_by(ClipFile.clip_id, ClipFile.position))
        for clip_id, f in session.execute(q):
            out[clip_id].append(f)
    return out


def pulls_by_clip(session: Session, clip_ids: Iterable[int], kind: str = "vfx") -> dict[int, list[tuple[int, int]]]:
    """``{clip id: [(pull_in, pull_out), …]}`` of the recorded pulls of ``kind`` on those clips."""
    ids = sorted(set(clip_ids))
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i in range(0, len(ids), CHUNK):
        for clip_id, a, b in session.execute(select(Pull.clip_id, Pull.pull_in, Pull.pull_out)
                                             .where(Pull.kind == kind, Pull.clip_id.in_(ids[i:i + CHUNK]))):
            out[clip_id].append((a, b))
    return out


def pulls_of(session: Session, cut_ids: Iterable[int]) -> list[Pull]:
    return list(session.scalars(select(Pull).where(Pull.cut_id.in_(list(cut_ids))).order_by(Pull.id)))


def verified_copies(session: Session, file_ids: list[int]) -> dict[int, list[bytes]]:
    """``{file id: [absolute path (raw bytes) of each copy verified on a destination]}``, newest verification
    first."""
    out: dict[int, list[bytes]] = defaultdict(list)
    for i in range(0, len(file_ids), CHUNK):
        q = (select(Copy.file_id, Destination.path_raw, File.relpath_raw)
             .join(Destination, Destination.id == Copy.destination_id).join(File, File.id == Copy.file_id)
             .where(Copy.file_id.in_(file_ids[i:i + CHUNK]), Copy.state == CopyState.VERIFIED.value)
             .order_by(Copy.verified_at.desc()))
        for file_id, root, rel in session.execute(q):
            out[file_id].append(os.path.join(root, rel))
    return out


def first_thumbnails(session: Session, clip_ids: list[int]) -> dict[int, str]:
    """``{clip id: path of its middle thumbnail}`` for the clips that have thumbnails."""
    out: dict[int, list[str]] = defaultdict(list)
    for i in range(0, len(clip_ids), CHUNK):
        q = (select(ClipThumbnail.clip_id, ClipThumbnail.path)
             .where(ClipThumbnail.clip_id.in_(clip_ids[i:i + CHUNK])).order_by(ClipThumbnail.position))
        for clip_id, path in session.execute(q):
            out[clip_id].append(path)
    return {k: v[len(v) // 2] for k, v in out.items() if v}
