"""Clip thumbnails: where they are cached, how an ingest makes them (from the media, else a camera proxy), and
removing them. Files live in ``<catalog folder>/thumbnails/<card id>/``; rows in ``clip_thumbnails``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from platformdirs import user_cache_dir

from pixm_desktop.core.states import ClipKind, ProbeStatus, ThumbnailStatus
from pixm_desktop.media.probe import ProbeResult
from pixm_desktop.media.thumbnails import THUMB_WIDTH, Thumbnail, make_thumbnails
from pixm_desktop.store import clips_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import ClipThumbnail


def thumbnails_dir(catalog: Catalog) -> Path:
    """Where thumbnails are cached: ``<catalog folder>/thumbnails`` (a per-user cache folder for a catalog
    opened by URL)."""
    if catalog.path is not None:
        return Path(catalog.path).parent / "thumbnails"
    return Path(user_cache_dir("pixm", appauthor=False)) / "thumbnails"


def make_clip_thumbnails(clip_id: int, kind: str, probe: ProbeResult, media: Path, proxies: Iterable[Path],
                         out_dir: Path) -> tuple[list[Thumbnail], str, str | None]:
    """Thumbnails of a clip from its media, or from a camera proxy when the media has no decoder or is
    unreadable: ``(thumbnails, status, error)`` with status ``ok``, ``none`` (nothing to draw: sound, no
    decodable picture) or ``failed`` (the reason in ``error``). FFmpeg and I/O errors are returned, never
    raised."""
    if kind == ClipKind.AUDIO:
        return [], ThumbnailStatus.NONE, None
    candidates = []
    if kind != ClipKind.RAW and probe.status != ProbeStatus.FAILED:
        candidates.append(media)
    candidates += [p for p in proxies if not p.name.lower().endswith((".r3d", ".braw"))]
    if not candidates:
        reason = probe.error if probe.status == ProbeStatus.FAILED else (probe.error or "no decodable picture")
        status = ThumbnailStatus.FAILED if probe.status == ProbeStatus.FAILED else ThumbnailStatus.NONE
        return [], status, reason
    errors = []
    for path in candidates:
        try:
            return make_thumbnails(path, out_dir, str(clip_id), width=THUMB_WIDTH), ThumbnailStatus.OK, None
        except Exception as exc:  # FFmpeg errors, I/O: the reason is recorded on the clip
            errors.append(f"{path.name}: {str(exc).strip() or type(exc).__name__}")
    return [], ThumbnailStatus.FAILED, "; ".join(errors)


def remove_thumbnail_files(thumbs: Iterable[ClipThumbnail]) -> None:
    """Delete the cached files of these rows (a file already gone is fine)."""
    for t in thumbs:
        try:
            os.unlink(t.path)
        except OSError:
            pass


def thumbnail_paths(catalog: Catalog, clip_id: int) -> list[Path]:
    """Cached thumbnails of a clip (first, middle, last) that exist on disk."""
    with catalog.session() as s:
        paths = clips_repo.thumbnail_paths_for(s, [clip_id]).get(clip_id, [])
    return [Path(p) for p in paths if os.path.exists(p)]


def delete_thumbnails(catalog: Catalog, card_id: int) -> int:
    """Remove a card's cached thumbnails (files and rows); returns how many."""
    with catalog.session() as s:
        rows = clips_repo.thumbnails_of_card(s, card_id)
        remove_thumbnail_files(rows)
        clips_repo.delete_thumbnail_rows(s, [t.id for t in rows])
        s.commit()
        return len(rows)


__all__ = ["delete_thumbnails", "make_clip_thumbnails", "remove_thumbnail_files", "thumbnail_paths",
           "thumbnails_dir"]
