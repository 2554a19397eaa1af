"""Clips: group a catalogued card's files into clips, probe them, cache thumbnails, keep the logger's fields.

The API the GUI and the CLI call (plain data in and out, never ORM objects), one module per use case:

- :mod:`.ingest` — :func:`ingest_card` ``(catalog, card_id, *, progress=None, cancel=None, force=False,
  thumbnails=True)`` → :class:`IngestResult`, after verification, from a verified destination copy (the card
  only when no destination holds every file verified); idempotent. :func:`iter_ingest` is the same work as a
  generator of :class:`IngestProgress`.
- :mod:`.browse` — :func:`list_clips` ``(catalog, ClipFilter)`` → ``list[ClipRow]`` one page;
  :func:`count_clips` the total; :func:`clip_detail` ``(catalog, clip_id)`` → ``dict`` (everything, files with
  roles, thumbnails); :func:`find_clips` ``(catalog, name, card_label=None)`` → ``list[ClipRow]`` (exact name,
  else tape name); :func:`clip_facets` ``(catalog)`` → :class:`ClipFacets` (the browser's filter choices).
- :mod:`.log_edits` — :func:`update_log` ``(catalog, clip_ids, **fields)`` batch-edits logger fields (scene,
  take, camera, notes, circled, rating, flagged); editing scene or take marks the clip ``logged_from =
  "manual"``, never overwritten by the sound pre-fill (:func:`prefill_from_sound`: after an ingest, every
  picture clip of the shoot day gets the scene and take of the sound take its timecode overlaps most, the rule
  of :mod:`pixm_desktop.media.sound_sync`). :func:`log_values` reads the fields of clips and
  :func:`restore_log` puts them back (the window's undo).
- :mod:`.thumbnails` — :func:`thumbnail_paths` ``(catalog, clip_id)`` → ``list[Path]`` (first, middle, last);
  :func:`thumbnails_dir`, :func:`delete_thumbnails`.

All functions block: call them off the GUI thread.
"""

from pixm_desktop.services.clips.browse import (
    ClipFacets,
    ClipRow,
    clip_detail,
    clip_facets,
    count_clips,
    find_clips,
    list_clips,
)
from pixm_desktop.services.clips.ingest import IngestProgress, IngestResult, ingest_card, iter_ingest
from pixm_desktop.services.clips.log_edits import (
    MANUAL,
    log_values,
    prefill_from_sound,
    restore_log,
    update_log,
)
from pixm_desktop.services.clips.thumbnails import delete_thumbnails, thumbnail_paths, thumbnails_dir
from pixm_desktop.store.clips_repo import LOGGER_FIELDS, ORDER_COLUMNS, ClipFilter

__all__ = [
    "LOGGER_FIELDS",
    "MANUAL",
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
    "log_values",
    "prefill_from_sound",
    "restore_log",
    "thumbnail_paths",
    "thumbnails_dir",
    "update_log",
]
