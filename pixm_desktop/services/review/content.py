"""What the review portal shows (issue 18), as plain data: shoot days, a day's clips as a grid with their
logger fields, selects and card verdicts, one clip with its player facts (rate, start frame, proxy or
thumbnails, neighbours, comments), and the files a media URL may serve — found by catalog ID, never by a path
from a request."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import ClipKind
from pixm_desktop.core.timecode import end_and_duration, fps_label, frames_to_tc
from pixm_desktop.services import clips, status
from pixm_desktop.store import clips_repo, renditions_repo, review_repo
from pixm_desktop.store.clips_repo import ClipFilter
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Clip, ClipThumbnail

#: Presets whose files a browser plays (H.264 MP4 with a short GOP and constant rate); the first is preferred.
BROWSER_PRESETS = ("h264-review-mp4", "h264-review-anamorphic-mp4")
BROWSER_SUFFIXES = (".mp4", ".webm")
PAGE = 500  # clips per day grid (a shoot day rarely has more)


@dataclass(frozen=True)
class Day:
    day: str  # ISO
    project: str
    clips: int


@dataclass(frozen=True)
class GridClip:
    """A tile of the day grid: clip id, name, card, scene/take, start TC, duration (TC), rate label,
    circle, rating, select, whether a proxy plays, thumbnails (how many), the card's verdict title/reason."""

    id: int
    name: str
    card: str
    camera: str
    scene: str
    take: str
    start_tc: str
    duration: str
    fps: str
    circled: bool
    rating: int
    selected: bool
    has_proxy: bool
    thumbnails: int
    verdict: str
    verdict_reason: str
    safe: bool
    carts: tuple[str, ...] = ()  # served from the central catalog: the carts holding copies of the card


@dataclass(frozen=True)
class Comment:
    uuid: str
    author: str
    role: str
    kind: str
    text: str
    frame_in: int | None
    frame_out: int | None
    tc_in: str | None
    tc_out: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class ClipView:
    """One clip for the player: rate ``fps_num/fps_den``, ``start_frame`` (TC labels since midnight),
    ``frames``, ``drop_frame``; ``proxy`` whether a browser-playable rendition exists; neighbours in the day's
    order (``None`` at the ends); its comments and decisions, oldest first."""

    id: int
    name: str
    day: str
    card: str
    scene: str
    take: str
    start_tc: str
    end_tc: str
    duration: str
    fps: str
    fps_num: int
    fps_den: int
    start_frame: int
    frames: int
    drop_frame: bool
    circled: bool
    rating: int
    selected: bool
    proxy: bool
    thumbnails: int
    prev_id: int | None
    next_id: int | None
    verdict: str
    comments: list[Comment] = field(default_factory=list)
    carts: tuple[str, ...] = ()  # served from the central catalog: the carts holding copies of the card
    proxy_note: str = ""  # why no proxy plays when one exists elsewhere ("proxy on cart B …, not reachable")


def days(catalog: Catalog) -> list[Day]:
    """Shoot days with picture clips, newest first."""
    with catalog.session() as s:
        return [Day(d.isoformat(), p, n) for d, p, n in review_repo.days_with_clips(s)]


def _selected(comments) -> set[int]:
    state: dict[int, bool] = {}
    for c in comments:
        if c.kind in ("select", "unselect"):
            state[c.clip_id] = c.kind == "select"
    return {cid for cid, on in state.items() if on}


def _proxy_rows(s, clip_ids: list[int]) -> dict[int, Path]:
    """``{clip id: the browser-playable rendition's video file}`` for files that exist."""
    best: dict[int, tuple[int, Path]] = {}
    for r in renditions_repo.of_clips(s, clip_ids):
        paths = json.loads(r.paths or "[]")
        if not paths or Path(paths[0]).suffix.lower() not in BROWSER_SUFFIXES or not Path(paths[0]).is_file():
            continue
        rank = BROWSER_PRESETS.index(r.preset) if r.preset in BROWSER_PRESETS else len(BROWSER_PRESETS)
        if r.clip_id not in best or rank < best[r.clip_id][0]:
            best[r.clip_id] = (rank, Path(paths[0]))
    return {cid: p for cid, (_rank, p) in best.items()}


class CartMedia:
    """Media of the cart's own catalog: renditions and thumbnails are files at the paths it recorded. The
    central catalog's are ``services.review.central.CentralMedia`` (same methods)."""

    def proxies(self, s, clip_ids: list[int]) -> dict[int, Path]:
        return _proxy_rows(s, clip_ids)

    def proxy_note(self, s, clip_id: int) -> str:
        return ""

    def thumb_counts(self, s, rows) -> dict[int, int]:
        return {r.id: len(r.thumbnails) for r in rows}

    def thumbnail(self, s, clip_id: int, position: int) -> Path | None:
        t = s.query(ClipThumbnail).filter_by(clip_id=clip_id, position=position).one_or_none()
        path = Path(t.path) if t is not None else None
        return path if path is not None and path.is_file() else None

    def carts(self, s, card_ids) -> dict[int, tuple[str, ...]]:
        return {}


CART = CartMedia()


def _fps(num, den) -> Fraction | None:
    return Fraction(num, den) if num and den else None


def _duration(row) -> str:
    fps = _fps(row.fps_num, row.fps_den)
    return frames_to_tc(row.frames, fps, wrap=False) if fps and row.frames else ""


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"not a date (YYYY-MM-DD): {text!r}") from None


def day_grid(catalog: Catalog, day: str, *, text: str | None = None, camera: str | None = None,
             circled: bool | None = None, min_rating: int | None = None, selected: bool | None = None,
             scene: str | None = None, media: CartMedia = CART) -> list[GridClip]:
    """The picture clips of shoot day ``day`` (ISO) in the day's order (card, start TC, name), filtered like
    the window's browser (free text, camera letter, circle, minimum rating, scene) and by select; proxies,
    thumbnails and carts as ``media`` finds them. Raises :class:`UsageError` for a malformed day."""
    f = ClipFilter(day=_day(day), text=text or None, camera=camera or None, circled=circled,
                   min_rating=min_rating or None, scene=scene or None, limit=PAGE)
    rows = [r for r in clips.list_clips(catalog, f) if r.kind != ClipKind.AUDIO]
    ids = [r.id for r in rows]
    with catalog.session() as s:
        chosen = _selected(review_repo.comments_of(s, ids, ("select", "unselect")))
        proxies = media.proxies(s, ids)
        thumbs = media.thumb_counts(s, rows)
        carts = media.carts(s, {r.card_id for r in rows})
    verdicts = status.card_verdicts(catalog, {r.card_id for r in rows})
    out = []
    for r in rows:
        if selected is not None and (r.id in chosen) != selected:
            continue
        v = verdicts.get(r.card_id)
        out.append(GridClip(
            r.id, r.name, r.card_label, r.camera or "", r.scene or "", r.take or "", r.start_tc or "",
            _duration(r), fps_label(_fps(r.fps_num, r.fps_den)), r.circled, r.rating, r.id in chosen,
            r.id in proxies, thumbs.get(r.id, 0), v.title if v else "", v.reason if v else "", bool(v and v.safe),
            carts.get(r.card_id, ())))
    return out


def _comment(c) -> Comment:
    when = c.created_at.replace(tzinfo=dt.UTC) if c.created_at.tzinfo is None else c.created_at
    return Comment(c.uuid, c.author, c.role, c.kind, c.text, c.frame_in, c.frame_out, c.tc_in, c.tc_out, when)


def comments(catalog: Catalog, clip_ids: list[int], kinds: tuple[str, ...] | None = None) -> dict[int, list[Comment]]:
    """``{clip id: comments and decisions, oldest first}``."""
    out: dict[int, list[Comment]] = {}
    with catalog.session() as s:
        for c in review_repo.comments_of(s, clip_ids, kinds):
            out.setdefault(c.clip_id, []).append(_comment(c))
    return out


def clip_view(catalog: Catalog, clip_id: int, media: CartMedia = CART) -> ClipView:
    """Clip ``clip_id`` for the player (proxy, thumbnails and carts as ``media`` finds them). Raises
    :class:`UsageError` for an unknown or sound-only clip."""
    with catalog.session() as s:
        clip = s.get(Clip, clip_id)
        if clip is None or clip.kind == ClipKind.AUDIO or clip.card.shoot_day is None:
            raise UsageError(f"no picture clip {clip_id}")
        day = clip.card.shoot_day.day
        order = [c.id for c in (r for r in clips_repo.query_clips(s, ClipFilter(day=day)))
                 if c.kind != ClipKind.AUDIO]
        notes = review_repo.comments_of(s, [clip_id])
        has_proxy = clip_id in media.proxies(s, [clip_id])
        note = "" if has_proxy else media.proxy_note(s, clip_id)
        thumbs = media.thumb_counts(s, [clip]).get(clip_id, 0)
        carts = media.carts(s, [clip.card_id]).get(clip.card_id, ())
        card_id = clip.card_id
        fps = _fps(clip.fps_num, clip.fps_den)
        end, _dur = end_and_duration(clip.start_tc, clip.frames, fps)
        i = order.index(clip_id)
        view = dict(id=clip.id, name=clip.name, day=day.isoformat(), card=clip.card.label, scene=clip.scene or "",
                    take=clip.take or "", start_tc=clip.start_tc or "", end_tc=end or "", duration=_duration(clip),
                    fps=fps_label(fps), fps_num=clip.fps_num or 25, fps_den=clip.fps_den or 1,
                    start_frame=clip.start_frame or 0, frames=clip.frames or 0, drop_frame=bool(clip.drop_frame),
                    circled=bool(clip.circled), rating=clip.rating or 0, selected=clip_id in _selected(notes),
                    proxy=has_proxy, thumbnails=thumbs, prev_id=order[i - 1] if i > 0 else None,
                    next_id=order[i + 1] if i + 1 < len(order) else None)
    v = status.card_verdicts(catalog, [card_id]).get(card_id)
    return ClipView(**view, verdict=v.headline if v else "",
                    comments=[_comment(c) for c in notes if c.kind == "comment"], carts=carts, proxy_note=note)


def proxy_file(catalog: Catalog, clip_id: int, media: CartMedia = CART) -> Path | None:
    """The browser-playable rendition of clip ``clip_id`` (a path from the catalog, mapped by ``media``), or
    ``None``."""
    with catalog.session() as s:
        return media.proxies(s, [clip_id]).get(clip_id)


def thumbnail_file(catalog: Catalog, clip_id: int, position: int, media: CartMedia = CART) -> Path | bytes | None:
    """Thumbnail ``position`` (0 first, 1 middle, 2 last) of clip ``clip_id``: a file from the cart's catalog,
    the JPEG's bytes from the central one, or ``None`` when there is none or its file is gone."""
    with catalog.session() as s:
        return media.thumbnail(s, clip_id, position)


def day_clip_ids(catalog: Catalog, day: str) -> list[int]:
    with catalog.session() as s:
        return review_repo.day_clip_ids(s, _day(day))


def day_notes(catalog: Catalog, day: dt.date) -> list[tuple[str, Comment]]:
    """``(clip name, comment or decision)`` on the clips of shoot ``day``, in the order they were made (the
    daily report's Review section)."""
    with catalog.session() as s:
        ids = review_repo.day_clip_ids(s, day)
        names = dict(s.query(Clip.id, Clip.name).filter(Clip.id.in_(ids)).all()) if ids else {}
        return [(names[c.clip_id], _comment(c)) for c in review_repo.comments_of(s, ids)]
