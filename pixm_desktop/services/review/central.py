"""The review portal served from the central catalog (issue 18 item 5): the whole show across carts.

- **Where media are.** The central catalog holds rows, not pictures. Thumbnails travel with ``pixm sync``
  (``central_thumbnails``, small JPEGs), so the grid and the scrub work from any server. A proxy stays on the
  drive of the cart that rendered it: it plays when its file is reachable from the server — at the path the
  cart recorded, or through a :class:`MediaMap` (``--media-map CART FROM TO``: that cart's folder ``FROM`` is
  reachable here at ``TO``, e.g. a shared dailies volume). A mapped path is resolved (symlinks followed) and
  must stay inside ``TO``: a ``..`` or a link out of it is refused. Otherwise the clip page says which cart
  holds the proxy and scrubs the thumbnails. Media are still found by catalog ID; no request path reaches
  the filesystem.
- **Decisions back.** A circle or rating made here is a both-ways field edit of the central catalog, stamped
  with a hybrid-logical-clock value as the portal's own "cart" (``store.central_review.PORTAL_CART``) by the
  same rule the carts' edits follow (``store.central.push_fields``: last writer by HLC, conflicts logged); a
  comment or decision row gets its sync identity, so ``pixm sync`` brings both down to every cart holding the
  clip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from pixm_desktop.core.errors import UsageError
from pixm_desktop.services.review.content import BROWSER_PRESETS, BROWSER_SUFFIXES
from pixm_desktop.services.sync import show
from pixm_desktop.store import central as store_central
from pixm_desktop.store import central_review
from pixm_desktop.store.models import Clip, ReviewComment
from pixm_desktop.store.sync_local import wall_ms
from pixm_desktop.store.sync_registry import BY_TABLE, COUNTER_BITS, row_uuid


@dataclass(frozen=True)
class MediaMap:
    """Cart ``cart``'s folder ``source`` (as the cart recorded its paths) is reachable here at ``root``."""

    cart: str
    source: PurePath
    root: Path


def media_maps(triples) -> list[MediaMap]:
    """``[(cart, from, to), …]`` as :class:`MediaMap` s. Raises :class:`UsageError` for a ``from`` that is not
    absolute or a ``to`` that is not a folder here."""
    out = []
    for cart, source, root in triples or ():
        if not PurePath(source).is_absolute():
            raise UsageError(f"--media-map {cart}: {source!r} is not an absolute path (the cart's folder)")
        if not Path(root).is_dir():
            raise UsageError(f"--media-map {cart}: no folder {root} on this server")
        out.append(MediaMap(cart, PurePath(source), Path(root)))
    return out


def reachable(original: str, cart: str, maps: list[MediaMap]) -> Path | None:
    """The file here of a path ``original`` recorded by ``cart``, or ``None``. With maps for that cart, only a
    path under a map's ``source`` is looked for, under its ``root``, with no ``..`` and resolving inside the
    root (a symlink out is refused); without, the recorded path itself."""
    mine = [m for m in maps if m.cart == cart]
    if not mine:
        p = Path(original)
        return p if p.is_absolute() and p.is_file() else None
    src = PurePath(original)
    for m in mine:
        try:
            rel = src.relative_to(m.source)
        except ValueError:
            continue
        if not rel.parts or any(part in ("..", ".") for part in rel.parts):
            return None
        try:
            root = m.root.resolve(strict=True)
            target = (root / rel).resolve(strict=True)
        except OSError:
            return None
        if not target.is_relative_to(root) or not target.is_file():
            return None
        return target
    return None


def _pg(s: Session):
    """The psycopg connection under a session of the central catalog (its transaction is the session's)."""
    return s.connection().connection.driver_connection


@dataclass(frozen=True)
class ProxyPlace:
    """A browser-playable rendition of a clip: the cart that rendered it, the path it recorded, the file here
    (``None``: not reachable from this server)."""

    cart: str
    recorded: str
    here: Path | None


class CentralMedia:
    """What the portal shows and serves from the central catalog (see the module's text)."""

    def __init__(self, maps: list[MediaMap] | None = None):
        self.maps = list(maps or ())

    def places(self, s: Session, clip_ids: list[int]) -> dict[int, list[ProxyPlace]]:
        """``{clip id: its browser-playable renditions, preferred preset first}``."""
        found: dict[int, list[tuple[int, ProxyPlace]]] = {}
        for clip_id, preset, paths, cart in central_review.renditions_of(_pg(s), clip_ids):
            files = json.loads(paths or "[]")
            if not files or PurePath(files[0]).suffix.lower() not in BROWSER_SUFFIXES:
                continue
            rank = BROWSER_PRESETS.index(preset) if preset in BROWSER_PRESETS else len(BROWSER_PRESETS)
            found.setdefault(clip_id, []).append((rank, ProxyPlace(cart, files[0],
                                                                   reachable(files[0], cart, self.maps))))
        return {cid: [p for _r, p in sorted(v, key=lambda x: x[0])] for cid, v in found.items()}

    def proxies(self, s: Session, clip_ids: list[int]) -> dict[int, Path]:
        out = {}
        for cid, places in self.places(s, clip_ids).items():
            here = next((p.here for p in places if p.here is not None), None)
            if here is not None:
                out[cid] = here
        return out

    def proxy_note(self, s: Session, clip_id: int) -> str:
        """Why no proxy plays, in words ("" when one does or none exists)."""
        places = self.places(s, [clip_id]).get(clip_id, [])
        if not places or any(p.here is not None for p in places):
            return ""
        return "; ".join(f"proxy on cart {p.cart} ({p.recorded}), not reachable from this server" for p in places)

    def thumb_counts(self, s: Session, rows) -> dict[int, int]:
        return central_review.thumbnail_counts(_pg(s), [r.id for r in rows])

    def thumbnail(self, s: Session, clip_id: int, position: int) -> bytes | None:
        return central_review.thumbnail(_pg(s), clip_id, position)

    def carts(self, s: Session, card_ids) -> dict[int, tuple[str, ...]]:
        wanted = set(card_ids)
        return {k: v for k, v in show.carts_by_card(_pg(s)).items() if k in wanted}


def stamp(s: Session, clip: Clip, fields: dict[str, object], row: ReviewComment) -> None:
    """Record a decision made on the central portal as the carts' edits are recorded: each logger field in
    ``fields`` by the both-ways rule (a stamp newer than the one there), the comment row (not added to ``s``)
    with its sync identity. Runs in ``s``'s transaction (the caller commits)."""
    s.flush()
    pg = _pg(s)
    central_review.register_portal(pg)
    now = wall_ms() << COUNTER_BITS
    edits = []
    for name, value in fields.items():
        base = central_review.field_hlc(pg, "clips", str(clip.sync_uuid), name)
        edits.append(store_central.FieldEdit("clips", str(clip.sync_uuid), name, value, max(now, base + 1), base))
    if edits:
        store_central.push_fields(pg, central_review.PORTAL_CART, edits)
    values = {c: getattr(row, c) for c in COMMENT_FIELDS}
    sync_uuid = row_uuid(BY_TABLE["comments"], {"uuid": row.uuid}, None, central_review.PORTAL_CART)
    central_review.add_comment(pg, values, sync_uuid, now)


#: The columns of a comment row the portal writes (the ORM cannot: the central ``sync_uuid`` is a UUID column).
COMMENT_FIELDS = ("uuid", "clip_id", "viewer_id", "author", "role", "kind", "text", "frame_in", "frame_out",
                  "tc_in", "tc_out", "created_at")
