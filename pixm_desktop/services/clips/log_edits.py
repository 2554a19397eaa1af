"""The logger's fields on clips: batch edits by hand (:func:`update_log`) and the slate pre-filled from sound
(:func:`prefill_from_sound`). A hand edit of scene or take marks the clip ``logged_from = "manual"``; the sound
pre-fill never overwrites it. Which sound take matches which clip is the rule of
:mod:`pixm_desktop.media.sound_sync`; this module reads the catalog and writes the result."""

from __future__ import annotations

from collections.abc import Iterable

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import ClipKind, LoggedFrom, SlateSource
from pixm_desktop.media.sound_sync import SoundTake, best_takes, clip_span
from pixm_desktop.store import clips_repo
from pixm_desktop.store.clips_repo import LOGGER_FIELDS
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Clip, utcnow

MANUAL = SlateSource.MANUAL.value  # the stored ``logged_from`` strings (see core.states.LoggedFrom)
IXML = SlateSource.IXML.value


def prefill_from_sound(s, shoot_day_id: int) -> int:
    """Give picture clips of a shoot day the scene/take of the sound take whose timecode range overlaps theirs
    most (``logged_from = "sound:<file>"``, see :func:`pixm_desktop.media.sound_sync.best_takes`). Clips logged
    by hand are left alone. Returns how many clips changed. Does not commit."""
    rows = clips_repo.day_clips(s, shoot_day_id)
    sounds = [SoundTake(clip_span(c.start_frame, c.frames, c.fps_num, c.fps_den), c.scene, c.take, name)
              for c, name in rows if c.kind == ClipKind.AUDIO]
    pictures = {c.id: c for c, _name in rows if c.kind != ClipKind.AUDIO and c.logged_from != MANUAL}
    matched = best_takes(((i, clip_span(c.start_frame, c.frames, c.fps_num, c.fps_den))
                          for i, c in pictures.items()), sounds)
    changed = 0
    for clip_id, take in matched.items():
        clip = pictures[clip_id]
        source = str(LoggedFrom.sound(take.file))
        if (clip.scene, clip.take, clip.logged_from) != (take.scene, take.take, source):
            clip.scene, clip.take, clip.logged_from = take.scene, take.take, source
            clip.logged_at = utcnow()
            changed += 1
    s.flush()
    return changed


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
        changed = clips_repo.set_fields(s, ids, values)
        s.commit()
        return changed


def log_values(catalog: Catalog, clip_ids: Iterable[int], fields: Iterable[str]) -> dict[int, dict]:
    """The logger ``fields`` of each clip as they are now, plus ``logged_from``: ``{clip id: {field: value}}``
    (what :func:`restore_log` puts back — the undo of an edit). Clips not in the catalog are left out. Raises
    :class:`UsageError` for an unknown field."""
    wanted = [*fields]
    if set(wanted) - set(LOGGER_FIELDS):
        raise UsageError(f"unknown logger field(s): {', '.join(sorted(set(wanted) - set(LOGGER_FIELDS)))}")
    with catalog.session() as s:
        clips = (s.get(Clip, i) for i in sorted(set(clip_ids)))
        return {c.id: {**{f: getattr(c, f) for f in wanted}, "logged_from": c.logged_from}
                for c in clips if c is not None}


def restore_log(catalog: Catalog, before: dict[int, dict]) -> int:
    """Put logger fields back exactly as :func:`log_values` read them, ``logged_from`` included (so undoing a
    typed slate gives the sound pre-fill its clip back). Returns how many clips changed. Raises
    :class:`UsageError` for an unknown field."""
    allowed = {*LOGGER_FIELDS, "logged_from"}
    for values in before.values():
        if set(values) - allowed:
            raise UsageError(f"unknown logger field(s): {', '.join(sorted(set(values) - allowed))}")
    changed = 0
    with catalog.session() as s:
        for clip_id, values in before.items():
            changed += clips_repo.set_fields(s, [clip_id], {**values, "logged_at": utcnow()})
        s.commit()
    return changed


__all__ = ["IXML", "LOGGER_FIELDS", "MANUAL", "log_values", "prefill_from_sound", "restore_log", "update_log"]
