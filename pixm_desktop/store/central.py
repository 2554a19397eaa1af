"""The central catalog's side of the sync (issue 17): PostgreSQL, reached with psycopg 3.

A batch of one cart's rows goes in with ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON
CONFLICT (sync_uuid) DO UPDATE … WHERE older`` per table that turns parent UUIDs into the central row ids:
idempotent (a row already there with the same or a newer stamp is left alone), and the cart's
``central_carts.pushed_seq`` moves in the same transaction, so a batch is either all in, marked, or not at all.

Both-ways fields (``central_fields``): per field, the value with the greatest ``(hlc, cart)`` wins; when an
incoming edit did not know the value it replaces, or loses to one it did not know, the value that is not kept
goes to ``central_conflicts`` with both stamps and carts. Every change of a field takes the next
``central_field_seq`` so carts read what is new by sequence, never by (skewed) time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from psycopg import Connection, sql

from pixm_desktop.store.models import Base
from pixm_desktop.store.sync_registry import SYNCED, Synced

#: Rows per COPY batch (the sync's default; the tests use small ones to cut a push into many batches).
BATCH = 5000


def push_columns(spec: Synced) -> list[str]:
    """The columns a row of ``spec.table`` is pushed with: every model column but ``id`` and the foreign keys
    (those travel as the parents' UUIDs)."""
    table = Base.metadata.tables[spec.table]
    return [c.name for c in table.columns if c.name != "id" and c.name not in spec.parents]


def _coerce(spec: Synced) -> list[Callable | None]:
    """Per pushed column, how a raw SQLite value becomes what PostgreSQL takes (booleans are 0/1 there)."""
    from sqlalchemy import Boolean

    table = Base.metadata.tables[spec.table]
    return [bool if isinstance(table.c[c].type, Boolean) else None for c in push_columns(spec)]


def upsert_rows(conn: Connection, spec: Synced, rows: Sequence[tuple], cart: str) -> int:
    """Write ``rows`` (``push_columns`` then one parent UUID per ``spec.parents``) into ``spec.table``; returns
    how many central rows were inserted or changed. Runs in the caller's transaction."""
    if not rows:
        return 0
    cols = push_columns(spec)
    fks = list(spec.parents)
    stage = sql.Identifier(f"stage_{spec.table}")
    t = sql.Identifier(spec.table)
    select_cols = sql.SQL(", ").join([sql.Identifier(c) for c in cols] +
                                     [sql.SQL("NULL::uuid AS {}").format(sql.Identifier(f"p_{fk}")) for fk in fks])
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA")
                 .format(stage, select_cols, t))
    coerce = _coerce(spec)
    all_cols = sql.SQL(", ").join([sql.Identifier(c) for c in cols] + [sql.Identifier(f"p_{fk}") for fk in fks])
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, all_cols)) as cp:
        for r in rows:
            cp.write_row([f(v) if f is not None and v is not None else v for f, v in zip(coerce, r, strict=False)]
                         + list(r[len(cols):]))
    conn.execute(sql.SQL("ANALYZE {}").format(stage))  # so parents are found by their UUID index, not scanned
    joins = sql.SQL(" ").join(
        sql.SQL("LEFT JOIN {} {} ON {}.sync_uuid = s.{}").format(
            sql.Identifier(parent), sql.Identifier(f"j{i}"), sql.Identifier(f"j{i}"), sql.Identifier(f"p_{fk}"))
        for i, (fk, parent) in enumerate(spec.parents.items()))
    _refuse_unknown_parents(conn, spec, stage, joins)
    target = [*cols, *fks, "sync_cart"]
    values = [sql.SQL("s.{}").format(sql.Identifier(c)) for c in cols] + \
        [sql.SQL("j{}.id").format(sql.SQL(str(i))) for i in range(len(fks))] + [sql.Placeholder("cart")]
    updated = [c for c in target if c not in spec.both_ways and c != "sync_uuid"]
    query = sql.SQL("INSERT INTO {t} ({target}) SELECT {values} FROM {stage} s {joins} "
                    "ON CONFLICT (sync_uuid) DO UPDATE SET {sets} WHERE {t}.sync_hlc < EXCLUDED.sync_hlc").format(
        t=t, target=sql.SQL(", ").join(map(sql.Identifier, target)), values=sql.SQL(", ").join(values),
        stage=stage, joins=joins,
        sets=sql.SQL(", ").join(sql.SQL("{} = EXCLUDED.{}").format(sql.Identifier(c), sql.Identifier(c))
                                for c in updated))
    cur = conn.execute(query, {"cart": cart})
    conn.execute(sql.SQL("DROP TABLE {}").format(stage))
    return cur.rowcount


def _refuse_unknown_parents(conn: Connection, spec: Synced, stage, joins) -> None:
    """Raise :class:`UnknownParentError` when a staged row names a parent UUID the central catalog lacks."""
    if not spec.parents:
        return
    missing = sql.SQL(" OR ").join(
        sql.SQL("(s.{} IS NOT NULL AND {}.id IS NULL)").format(sql.Identifier(f"p_{fk}"), sql.Identifier(f"j{i}"))
        for i, fk in enumerate(spec.parents))
    n = conn.execute(sql.SQL("SELECT count(*) FROM {} s {} WHERE {}").format(stage, joins, missing)).fetchone()[0]
    if n:
        raise UnknownParentError(f"{n} {spec.table} row(s) refer to rows the central catalog does not hold")


class UnknownParentError(RuntimeError):
    """A pushed row names a parent the central catalog lacks (the batch is rolled back)."""


def delete_rows(conn: Connection, spec: Synced, uuids: Sequence[str]) -> int:
    if not uuids:
        return 0
    return conn.execute(sql.SQL("DELETE FROM {} WHERE sync_uuid = ANY(%s::uuid[])").format(
        sql.Identifier(spec.table)), [list(uuids)]).rowcount


def cart_position(conn: Connection, cart: str) -> int | None:
    """The last outbox ``seq`` of ``cart`` the central catalog holds (``None``: it never heard of the cart)."""
    row = conn.execute("SELECT pushed_seq FROM central_carts WHERE uuid = %s", [cart]).fetchone()
    return None if row is None else row[0]


def mark_pushed(conn: Connection, cart: str, name: str, seq: int, rows: int) -> None:
    conn.execute("INSERT INTO central_carts (uuid, name, pushed_seq, rows_pushed, last_push_at) "
                 "VALUES (%(u)s, %(n)s, %(s)s, %(r)s, now()) ON CONFLICT (uuid) DO UPDATE SET name = EXCLUDED.name, "
                 "pushed_seq = GREATEST(central_carts.pushed_seq, EXCLUDED.pushed_seq), "
                 "rows_pushed = central_carts.rows_pushed + EXCLUDED.rows_pushed, last_push_at = now()",
                 {"u": cart, "n": name, "s": seq, "r": rows})


@dataclass(frozen=True)
class FieldEdit:
    """A both-ways field's value from a cart: ``hlc`` of the edit, ``base`` the stamp it replaced there."""

    tbl: str
    row_uuid: str
    field: str
    value: object
    hlc: int
    base: int


@dataclass(frozen=True)
class FieldOutcome:
    edit: FieldEdit
    kept_hlc: int  # the stamp the central catalog holds after it (the edit's own when it won)
    won: bool
    conflict: bool
    kept_value: object = None  # the value the central catalog holds after it


def push_fields(conn: Connection, cart: str, edits: Sequence[FieldEdit]) -> list[FieldOutcome]:
    """Apply field edits by the rule (greatest ``(hlc, cart)`` wins), logging conflicts; caller's transaction."""
    out = []
    for e in edits:
        cur = conn.execute("SELECT value, hlc, cart::text FROM central_fields WHERE tbl = %s AND row_uuid = %s "
                           "AND field = %s FOR UPDATE", [e.tbl, e.row_uuid, e.field]).fetchone()
        if cur is None:
            _set_field(conn, e, cart)
            out.append(FieldOutcome(e, e.hlc, True, False, e.value))
            continue
        v0, h0, c0 = cur
        won = (e.hlc, cart) > (h0, c0)
        # concurrent: the edit did not start from the value there now (and it is another cart's, another value)
        conflict = c0 != cart and v0 != e.value and (not won or h0 != e.base)
        if won:
            _set_field(conn, e, cart)
        if conflict:
            kept, lost = ((e.value, e.hlc, cart), (v0, h0, c0)) if won else ((v0, h0, c0), (e.value, e.hlc, cart))
            conn.execute("INSERT INTO central_conflicts (tbl, row_uuid, field, kept_value, kept_hlc, kept_cart, "
                         "lost_value, lost_hlc, lost_cart) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                         [e.tbl, e.row_uuid, e.field, json.dumps(kept[0]), kept[1], kept[2],
                          json.dumps(lost[0]), lost[1], lost[2]])
        out.append(FieldOutcome(e, e.hlc if won else h0, won, conflict, e.value if won else v0))
    return out


def _set_field(conn: Connection, e: FieldEdit, cart: str) -> None:
    conn.execute("INSERT INTO central_fields (tbl, row_uuid, field, value, hlc, cart, seq) VALUES "
                 "(%s, %s, %s, %s, %s, %s, nextval('central_field_seq')) ON CONFLICT (tbl, row_uuid, field) DO UPDATE "
                 "SET value = EXCLUDED.value, hlc = EXCLUDED.hlc, cart = EXCLUDED.cart, seq = EXCLUDED.seq",
                 [e.tbl, e.row_uuid, e.field, json.dumps(e.value), e.hlc, cart])
    conn.execute(sql.SQL("UPDATE {} SET {} = %s WHERE sync_uuid = %s").format(
        sql.Identifier(e.tbl), sql.Identifier(e.field)), [e.value, e.row_uuid])


def fields_after(conn: Connection, seq: int, limit: int) -> list[tuple]:
    """Field values changed after ``seq``: ``(tbl, row_uuid text, field, value, hlc, cart text, seq)``, in order."""
    return conn.execute("SELECT tbl, row_uuid::text, field, value, hlc, cart::text, seq FROM central_fields "
                        "WHERE seq > %s ORDER BY seq LIMIT %s", [seq, limit]).fetchall()


@dataclass(frozen=True)
class Conflict:
    """An overwritten value: which field of which row, the value kept and the one that lost, their HLC
    stamps and carts (names when known), when (UTC)."""

    id: int
    tbl: str
    row_uuid: str
    row_name: str
    field: str
    kept_value: object
    kept_hlc: int
    kept_cart: str
    lost_value: object
    lost_hlc: int
    lost_cart: str
    at: object


def conflicts(conn: Connection, limit: int = 1000) -> list[Conflict]:
    """The conflict log, newest first (a clip's row is named by the clip's name)."""
    rows = conn.execute(
        "SELECT x.id, x.tbl, x.row_uuid::text, COALESCE(c.name, ''), x.field, x.kept_value, x.kept_hlc, "
        "COALESCE(k.name, x.kept_cart::text), x.lost_value, x.lost_hlc, COALESCE(l.name, x.lost_cart::text), x.at "
        "FROM central_conflicts x LEFT JOIN clips c ON x.tbl = 'clips' AND c.sync_uuid = x.row_uuid "
        "LEFT JOIN central_carts k ON k.uuid = x.kept_cart LEFT JOIN central_carts l ON l.uuid = x.lost_cart "
        "ORDER BY x.id DESC LIMIT %s", [limit]).fetchall()
    return [Conflict(*r) for r in rows]


def conflict_count(conn: Connection) -> int:
    return conn.execute("SELECT count(*) FROM central_conflicts").fetchone()[0]


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per synced table (``pixm sync --status`` and the tests)."""
    return {s.table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(s.table))).fetchone()[0]
            for s in SYNCED}
