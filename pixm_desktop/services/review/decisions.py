"""Decisions and comments from the review portal, written into the catalog with who and when (issue 18): the
circle take and the rating go into the clip's logger fields (as the Logger page edits them) and every call is
also a row of ``comments`` (kind circle/uncircle/rating/select/unselect/comment) naming the viewer, the role and
the time (UTC). Comments sit at a frame of the clip (or a range of frames), with their timecodes. On the central
catalog each is also stamped for the carts (``services.review.central.stamp``)."""

from __future__ import annotations

import uuid
from fractions import Fraction

from pixm_desktop.core.errors import ReviewNotAllowedError, UsageError
from pixm_desktop.core.states import ClipKind
from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.services.review.access import Viewer
from pixm_desktop.services.review.roles import Action
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Clip, ReviewComment, utcnow

MAX_COMMENT = 2000  # characters


def _clip(s, clip_id: int) -> Clip:
    clip = s.get(Clip, clip_id)
    if clip is None or clip.kind == ClipKind.AUDIO:
        raise UsageError(f"no picture clip {clip_id}")
    return clip


def _need(viewer: Viewer, action: Action) -> None:
    if not viewer.may(action):
        raise ReviewNotAllowedError(f"a {viewer.role} may not {action.value}")


def _row(viewer: Viewer, clip_id: int, kind: str, text: str = "", **extra) -> ReviewComment:
    return ReviewComment(uuid=str(uuid.uuid4()), clip_id=clip_id, viewer_id=viewer.viewer_id, author=viewer.name,
                         role=viewer.role, kind=kind, text=text, created_at=utcnow(), **extra)


def _record(s, clip: Clip, row: ReviewComment, **fields) -> None:
    """Add the row (on the central catalog: the row and the fields stamped for the carts); commit."""
    if s.get_bind().dialect.name == "postgresql":  # the central catalog (its module loads psycopg)
        from pixm_desktop.services.review import central

        central.stamp(s, clip, fields, row)
    else:
        s.add(row)
    s.commit()


def circle(catalog: Catalog, viewer: Viewer, clip_id: int, on: bool = True) -> None:
    """Circle (or un-circle) the take. Raises :class:`ReviewNotAllowedError`, :class:`UsageError` (no such clip)."""
    _need(viewer, Action.CIRCLE)
    with catalog.session() as s:
        clip = _clip(s, clip_id)
        clip.circled, clip.logged_at = on, utcnow()
        _record(s, clip, _row(viewer, clip_id, "circle" if on else "uncircle"), circled=on)


def rate(catalog: Catalog, viewer: Viewer, clip_id: int, rating: int) -> None:
    """Rate the take 0–5. Raises :class:`ReviewNotAllowedError`, :class:`UsageError` (no clip, rating out of range)."""
    _need(viewer, Action.CIRCLE)
    if not 0 <= rating <= 5:
        raise UsageError("a rating is 0 to 5")
    with catalog.session() as s:
        clip = _clip(s, clip_id)
        clip.rating, clip.logged_at = rating, utcnow()
        _record(s, clip, _row(viewer, clip_id, "rating", str(rating)), rating=rating)


def select(catalog: Catalog, viewer: Viewer, clip_id: int, on: bool = True) -> None:
    """Mark the take a select (or not). Raises :class:`ReviewNotAllowedError`, :class:`UsageError`."""
    _need(viewer, Action.CIRCLE)
    with catalog.session() as s:
        clip = _clip(s, clip_id)
        _record(s, clip, _row(viewer, clip_id, "select" if on else "unselect"))


def comment(catalog: Catalog, viewer: Viewer, clip_id: int, text: str, frame_in: int | None = None,
            frame_out: int | None = None) -> str:
    """A comment at clip frame ``frame_in`` (0-based; ``None``: the whole clip), up to ``frame_out``
    (inclusive) for a range; returns its UUID. Raises :class:`ReviewNotAllowedError`, :class:`UsageError` (empty or
    too long text, frames outside the clip or reversed)."""
    _need(viewer, Action.COMMENT)
    text = text.strip()
    if not text or len(text) > MAX_COMMENT:
        raise UsageError(f"a comment has 1 to {MAX_COMMENT} characters")
    with catalog.session() as s:
        clip = _clip(s, clip_id)
        last = (clip.frames or 1) - 1
        if frame_in is None and frame_out is not None:
            raise UsageError("a range needs its first frame")
        for f in (frame_in, frame_out):
            if f is not None and not 0 <= f <= last:
                raise UsageError(f"frame {f} is outside the clip (0–{last})")
        if frame_in is not None and frame_out is not None and frame_out < frame_in:
            raise UsageError("a range ends after it starts")
        tcs = [_tc(clip, f) for f in (frame_in, frame_out)]
        row = _row(viewer, clip_id, "comment", text, frame_in=frame_in, frame_out=frame_out, tc_in=tcs[0],
                   tc_out=tcs[1])
        _record(s, clip, row)
        return row.uuid


def _tc(clip: Clip, frame: int | None) -> str | None:
    if frame is None or not clip.fps_num or not clip.fps_den:
        return None
    return frames_to_tc((clip.start_frame or 0) + frame, Fraction(clip.fps_num, clip.fps_den),
                        drop_frame=bool(clip.drop_frame))
