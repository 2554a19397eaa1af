"""The central catalog's side of the review portal served from it (issue 18 item 5), PostgreSQL through
psycopg 3: the clips' thumbnails carried there by the sync (``central_thumbnails``, migration 0016), the
comments a cart pulls down (every comment or decision made elsewhere on a clip), and the review portal's
identity as a writer of both-ways fields (a row of ``central_carts`` of its own, so the rule and the conflict
log name it)."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import Connection

from pixm_desktop.store.sync_registry import NAMESPACE, uuid5_text

#: The central review portal writes logger fields as this "cart" (its decisions win or lose by the same rule).
PORTAL_CART = uuid5_text(str(NAMESPACE), "central review portal")
PORTAL_CART_NAME = "central portal"
#: A thumbnail larger than this is not carried (a cart's are ~10–40 KB JPEGs; this is a guard, not a budget).
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024


def thumbnails_held(conn: Connection, clip_uuids: Sequence[str]) -> set[tuple[str, int]]:
    """``(clip UUID text, position)`` of the thumbnails the central catalog holds among ``clip_uuids``."""
    if not clip_uuids:
        return set()
    rows = conn.execute("SELECT clip_uuid::text, position FROM central_thumbnails WHERE clip_uuid = ANY(%s::uuid[])",
                        [list(clip_uuids)]).fetchall()
    return {(u, p) for u, p in rows}


def put_thumbnails(conn: Connection, rows: Sequence[tuple[str, int, bytes, int, int]], cart: str) -> int:
    """Store ``(clip UUID, position, JPEG bytes, width, height)`` rows pushed by ``cart`` (one already there is
    kept); returns how many were new. Runs in the caller's transaction."""
    n = 0
    for clip_uuid, position, jpeg, width, height in rows:
        n += conn.execute("INSERT INTO central_thumbnails (clip_uuid, position, jpeg, width, height, cart) "
                          "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                          [clip_uuid, position, jpeg, width, height, cart]).rowcount
    return n


#: The columns of a pulled comment, in :func:`comments_from_elsewhere`'s order after the two UUIDs.
COMMENT_COLUMNS = ("uuid", "author", "role", "kind", "text", "frame_in", "frame_out", "tc_in", "tc_out",
                   "created_at", "sync_hlc")


def comments_from_elsewhere(conn: Connection, cart: str) -> list[tuple]:
    """Every comment or decision the central catalog holds that ``cart`` did not push: ``(comment sync UUID,
    clip sync UUID, *COMMENT_COLUMNS)``, oldest first."""
    cols = ", ".join(f"n.{c}" for c in COMMENT_COLUMNS)
    return conn.execute(f"SELECT n.sync_uuid::text, k.sync_uuid::text, {cols} FROM comments n "
                        "JOIN clips k ON k.id = n.clip_id WHERE n.sync_cart IS DISTINCT FROM %s "
                        "AND n.sync_uuid IS NOT NULL ORDER BY n.id", [cart]).fetchall()


def register_portal(conn: Connection) -> None:
    """The portal's row in ``central_carts`` (once), so conflicts and the field log name it."""
    conn.execute("INSERT INTO central_carts (uuid, name) VALUES (%s, %s) ON CONFLICT (uuid) DO NOTHING",
                 [PORTAL_CART, PORTAL_CART_NAME])


def field_hlc(conn: Connection, tbl: str, row_uuid: str, field: str) -> int:
    """The HLC stamp of a both-ways field's central value (0: never edited)."""
    row = conn.execute("SELECT hlc FROM central_fields WHERE tbl = %s AND row_uuid = %s AND field = %s",
                       [tbl, row_uuid, field]).fetchone()
    return row[0] if row else 0


def add_comment(conn: Connection, row: dict, sync_uuid: str, hlc: int) -> None:
    """Insert a comment or decision written centrally (``row``: the ``comments`` columns but ``id``) with its
    sync identity, as the portal's: carts pull it by that. Runs in the caller's transaction."""
    values = dict(row, sync_uuid=sync_uuid, sync_hlc=hlc, sync_cart=PORTAL_CART)
    cols = list(values)
    conn.execute(f"INSERT INTO comments ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                 [values[c] for c in cols])


def thumbnail(conn: Connection, clip_id: int, position: int) -> bytes | None:
    """The JPEG of thumbnail ``position`` of central clip ``clip_id``, or ``None``."""
    row = conn.execute("SELECT t.jpeg FROM central_thumbnails t JOIN clips c ON c.sync_uuid = t.clip_uuid "
                       "WHERE c.id = %s AND t.position = %s", [clip_id, position]).fetchone()
    return bytes(row[0]) if row else None


def thumbnail_counts(conn: Connection, clip_ids: Sequence[int]) -> dict[int, int]:
    """``{central clip id: thumbnails held}`` (clips without any are absent)."""
    if not clip_ids:
        return {}
    rows = conn.execute("SELECT c.id, count(*) FROM central_thumbnails t JOIN clips c ON c.sync_uuid = t.clip_uuid "
                        "WHERE c.id = ANY(%s) GROUP BY c.id", [list(clip_ids)]).fetchall()
    return dict(rows)


def renditions_of(conn: Connection, clip_ids: Sequence[int]) -> list[tuple[int, str, str, str]]:
    """``(clip id, preset, paths JSON, cart name)`` of every cart's renditions of central clips ``clip_ids``."""
    if not clip_ids:
        return []
    return conn.execute("SELECT r.clip_id, r.preset, r.paths, COALESCE(k.name, r.sync_cart::text, '') FROM renditions r "
                        "LEFT JOIN central_carts k ON k.uuid = r.sync_cart WHERE r.clip_id = ANY(%s) ORDER BY r.id",
                        [list(clip_ids)]).fetchall()
