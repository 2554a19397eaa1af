"""The cart's side of the sync (issue 17): SQLite triggers that stamp every change of a synced table with the
cart's hybrid logical clock and queue it in ``sync_outbox``, global UUIDs for rows that have none yet, the
rows of an outbox batch with their parents' UUIDs, and the local half of the both-ways fields.

The triggers do the capture inside the writer's own transaction, so no service has to remember to record a
change and an offload pays one outbox row and one clock update per catalog row. The clock
(``sync_cart.hlc_ms``/``hlc_count``, Kulkarni et al., "Logical Physical Clocks", 2014) advances on every
change: ``l = max(l, wall)``, the counter resets when the wall clock moved past ``l`` and counts up otherwise;
an HLC value is ``l << 20 | counter``. While ``sync_apply`` holds a row (the sync's own writes, inside one
transaction no other connection sees), the triggers record nothing.
"""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, text

from pixm_desktop.store.sync_registry import BY_TABLE, COUNTER_BITS, SYNCED, Synced, row_uuid

#: SQLite's wall clock in ms since the epoch (julianday's day 2440587.5 is 1970-01-01T00:00Z).
_NOW_MS = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
_TICK = (f"UPDATE sync_cart SET hlc_count = CASE WHEN {_NOW_MS} > hlc_ms THEN 0 ELSE hlc_count + 1 END, "
         f"hlc_ms = MAX(hlc_ms, {_NOW_MS}) WHERE id = 1;")
_HLC = f"(SELECT hlc_ms * {1 << COUNTER_BITS} + hlc_count FROM sync_cart WHERE id = 1)"
_QUIET = "NOT EXISTS (SELECT 1 FROM sync_apply)"
#: A random RFC 4122 version-4 UUID as text, from one randomblob (the variant nibble from one of its digits).
_UUID4 = ("(SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' || "
          "substr('89ab', 1 + unicode(substr(h, 17, 1)) % 4, 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12) "
          "FROM (SELECT lower(hex(randomblob(16))) AS h))")


def trigger_sql(spec: Synced) -> list[str]:
    """``CREATE TRIGGER IF NOT EXISTS`` statements capturing inserts, updates, deletes and both-ways field
    edits of ``spec.table``."""
    t = spec.table
    stamp = f"UPDATE {t} SET sync_hlc = {_HLC} WHERE id = NEW.id;"
    if spec.identity is None:  # a row only this cart has: a random (version 4) UUID as it is written
        stamp = f"UPDATE {t} SET sync_hlc = {_HLC}, sync_uuid = COALESCE(sync_uuid, {_UUID4}) WHERE id = NEW.id;"
    queue = f"INSERT INTO sync_outbox (tbl, row_id, op, hlc) VALUES ('{t}', NEW.id, 'u', {_HLC});"
    out = [
        f"CREATE TRIGGER IF NOT EXISTS sync_{t}_ins AFTER INSERT ON {t} WHEN {_QUIET} "
        f"BEGIN {_TICK} {stamp} {queue} END",
        # an update that sets sync_hlc is the sync's (or this trigger's own stamp): not a change to push
        f"CREATE TRIGGER IF NOT EXISTS sync_{t}_upd AFTER UPDATE ON {t} WHEN NEW.sync_hlc IS OLD.sync_hlc "
        f"AND {_QUIET} BEGIN {_TICK} {stamp} {queue} END",
        f"CREATE TRIGGER IF NOT EXISTS sync_{t}_del AFTER DELETE ON {t} WHEN OLD.sync_uuid IS NOT NULL AND {_QUIET} "
        f"BEGIN {_TICK} INSERT INTO sync_outbox (tbl, row_id, op, uuid, hlc) "
        f"VALUES ('{t}', OLD.id, 'd', OLD.sync_uuid, {_HLC}); END",
    ]
    for f in spec.both_ways:
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS sync_{t}_{f} AFTER UPDATE OF {f} ON {t} "
            f"WHEN NEW.{f} IS NOT OLD.{f} AND {_QUIET} BEGIN {_TICK} "
            f"INSERT INTO sync_fields (tbl, row_id, field, hlc, base, pending) VALUES ('{t}', NEW.id, '{f}', {_HLC}, 0, 1) "
            f"ON CONFLICT (tbl, row_id, field) DO UPDATE SET hlc = excluded.hlc, pending = 1; END")
    return out


def ensure_triggers(conn: Connection) -> None:
    """Create any missing trigger of the synced tables (a migration that rebuilt a table dropped its own)."""
    for spec in SYNCED:
        for sql in trigger_sql(spec):
            conn.exec_driver_sql(sql)


def drop_triggers(conn: Connection) -> None:
    for spec in SYNCED:
        for suffix in ("ins", "upd", "del", *spec.both_ways):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS sync_{spec.table}_{suffix}")


def init_cart(conn: Connection, name: str | None = None) -> str:
    """Make the cart's row (a new UUID, the host name) unless there is one; returns the cart's UUID."""
    have = conn.execute(text("SELECT uuid FROM sync_cart WHERE id = 1")).scalar()
    if have:
        return have
    cart = str(uuid.uuid4())
    conn.execute(text("INSERT INTO sync_cart (id, uuid, name, pushed_seq, pulled_seq, hlc_ms, hlc_count, conflicts) "
                      "VALUES (1, :u, :n, 0, 0, :ms, 0, 0)"),
                 {"u": cart, "n": name or socket.gethostname(), "ms": wall_ms()})
    return cart


def wall_ms() -> int:
    return int(dt.datetime.now(dt.UTC).timestamp() * 1000)


def tick(conn: Connection, seen: int = 0) -> int:
    """Advance the clock for an event (``seen``: an HLC value received from elsewhere); returns the new value."""
    l_seen, c_seen = seen >> COUNTER_BITS, seen & ((1 << COUNTER_BITS) - 1)
    l_old, c_old = conn.execute(text("SELECT hlc_ms, hlc_count FROM sync_cart WHERE id = 1")).one()
    now = wall_ms()
    new_l = max(l_old, l_seen, now)
    if new_l == l_old == l_seen:
        c = max(c_old, c_seen) + 1
    elif new_l == l_old:
        c = c_old + 1
    elif new_l == l_seen:
        c = c_seen + 1
    else:
        c = 0
    conn.execute(text("UPDATE sync_cart SET hlc_ms = :l, hlc_count = :c WHERE id = 1"), {"l": new_l, "c": c})
    return (new_l << COUNTER_BITS) | c


def assign_uuids(conn: Connection, spec: Synced, ids: Iterable[int] | None, cart: str) -> int:
    """Give the rows ``ids`` of ``spec.table`` (all rows when ``None``) that have no ``sync_uuid`` their global
    UUID; their parents must have theirs. Returns how many were given one. Call inside a quiet transaction."""
    fields = sorted({"id"} | set(spec.identity[1] if spec.identity else ()))
    scope = spec.identity[0] if spec.identity else ""
    parent = (f", (SELECT p.sync_uuid FROM {spec.parents[scope]} p WHERE p.id = t.{scope}) AS parent_uuid"
              if scope else ", NULL AS parent_uuid")
    # "+t.sync_uuid": look rows up by id, never through the UUID index (every new row is NULL there)
    sql = f"SELECT {', '.join('t.' + f for f in fields)}{parent} FROM {spec.table} t WHERE +t.sync_uuid IS NULL"
    rows: list = []
    if ids is None:
        rows = list(conn.execute(text(sql)).mappings())
    else:
        for chunk in _chunks(sorted(set(ids)), 900):
            rows += conn.execute(text(sql + f" AND t.id IN ({','.join(map(str, chunk))})")).mappings().all()
    if not rows:
        return 0
    updates = [(r["id"], row_uuid(spec, r, r["parent_uuid"], cart)) for r in rows]
    # through a temporary table and one UPDATE: a statement per row costs more than the rest together
    cur = conn.connection.driver_connection.cursor()
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS sync_new_uuid (id INTEGER PRIMARY KEY, uuid TEXT)")
    cur.execute("DELETE FROM sync_new_uuid")
    cur.executemany("INSERT INTO sync_new_uuid (id, uuid) VALUES (?, ?)", updates)
    # by primary key on both sides (an UPDATE … FROM would scan the whole table once per batch)
    cur.execute(f"UPDATE {spec.table} SET sync_uuid = (SELECT n.uuid FROM sync_new_uuid n WHERE n.id = "
                f"{spec.table}.id) WHERE id IN (SELECT id FROM sync_new_uuid)")
    cur.execute("DELETE FROM sync_new_uuid")
    cur.close()
    return len(updates)


def quiet(conn: Connection) -> None:
    """Within the current transaction, the triggers record nothing (undone by :func:`loud` before commit)."""
    conn.execute(text("INSERT OR IGNORE INTO sync_apply (id) VALUES (1)"))


def loud(conn: Connection) -> None:
    conn.execute(text("DELETE FROM sync_apply"))


def outbox_batch(conn: Connection, after: int, limit: int) -> list:
    """Up to ``limit`` outbox entries after ``seq`` ``after``, oldest first: rows ``(seq, tbl, row_id, op, uuid)``."""
    return conn.execute(text("SELECT seq, tbl, row_id, op, uuid FROM sync_outbox WHERE seq > :a ORDER BY seq "
                             "LIMIT :n"), {"a": after, "n": limit}).all()


def rows_for_push(conn: Connection, spec: Synced, ids: Sequence[int], columns: Sequence[str]) -> list[tuple]:
    """The current rows ``ids`` of ``spec.table`` as tuples: ``columns`` (without ``id`` and the foreign keys),
    then each parent's UUID in ``spec.parents`` order. Rows deleted since are absent."""
    parents = "".join(f", (SELECT p.sync_uuid FROM {p} p WHERE p.id = t.{fk})" for fk, p in spec.parents.items())
    cols = ", ".join(f"t.{c}" for c in columns)
    out: list[tuple] = []
    for chunk in _chunks(sorted(set(ids)), 900):
        out += [tuple(r) for r in conn.execute(text(
            f"SELECT {cols}{parents} FROM {spec.table} t WHERE t.id IN ({','.join(map(str, chunk))})"))]
    return out


def pending_fields(conn: Connection, limit: int) -> list:
    """Local edits of both-ways fields not pushed yet: ``(tbl, row_id, field, hlc, base, row uuid)``."""
    out = []
    for spec in SYNCED:
        if spec.both_ways:
            out += conn.execute(text(
                f"SELECT f.tbl, f.row_id, f.field, f.hlc, f.base, t.sync_uuid FROM sync_fields f "
                f"JOIN {spec.table} t ON t.id = f.row_id WHERE f.tbl = :t AND f.pending ORDER BY f.hlc LIMIT :n"),
                {"t": spec.table, "n": limit}).all()
    return out


def field_value(conn: Connection, tbl: str, row_id: int, field: str):
    assert field in BY_TABLE[tbl].both_ways
    return conn.execute(text(f"SELECT {field} FROM {tbl} WHERE id = :i"), {"i": row_id}).scalar()


def _chunks(seq: Sequence, n: int):
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
