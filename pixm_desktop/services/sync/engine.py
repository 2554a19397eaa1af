"""One sync of this cart with the central catalog, and the watch loop.

Order of a sync: (1) agree where the push stands (the central catalog's ``pushed_seq`` for this cart is the
truth: a batch it holds but the cart did not mark is marked, a central catalog that lacks what was pushed
gets everything again); (2) push the outbox in batches of ``batch`` entries, each one central transaction
that also moves the cart's position, then the local mark; (3) push both-ways field edits; (4) pull the
central field values changed since the last pull and apply those that win by the rule, advancing the
cart's clock past every stamp seen. A dropped connection stops the sync with :class:`CentralError`; the next
one starts from the last batch the central catalog committed: nothing twice, nothing skipped.

The sync never holds a write lock on the SQLite catalog for longer than one small local transaction (WAL:
an offload writing meanwhile is not blocked) and runs on its own connections, in the caller's thread
(the window calls it from a worker thread).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from filelock import FileLock, Timeout
from sqlalchemy import Boolean, text

from pixm_desktop.core.errors import BusyError, CentralError, UsageError
from pixm_desktop.services.sync import central as central_db
from pixm_desktop.services.sync.url import display_url
from pixm_desktop.store import central as store_central
from pixm_desktop.store import central_review, sync_local
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Base
from pixm_desktop.store.sync_registry import BY_TABLE, SYNCED

log = logging.getLogger(__name__)

#: Called after each committed batch with its number (1, 2, …): the tests cut the connection there.
BatchHook = Callable[[int], None]


@dataclass
class SyncResult:
    """What one sync did: outbox ``batches`` and ``rows`` written centrally (inserted or changed), ``deleted``,
    field edits pushed and ``won``/``lost`` by the rule, ``conflicts`` logged by this sync, central field
    values ``pulled`` (applied here), ``requeued`` rows pushed again to a central catalog that lacked them."""

    url: str
    batches: int = 0
    entries: int = 0
    rows: int = 0
    deleted: int = 0
    fields_pushed: int = 0
    fields_lost: int = 0
    conflicts: int = 0
    pulled: int = 0
    requeued: int = 0
    comments_pulled: int = 0
    thumbnails: int = 0
    per_table: dict[str, int] = field(default_factory=dict)

    @property
    def changed_anything(self) -> bool:
        return bool(self.rows or self.deleted or self.fields_pushed or self.pulled or self.comments_pulled
                    or self.thumbnails)


def cart_row(catalog: Catalog) -> dict:
    with catalog.engine.connect() as conn:
        return dict(conn.execute(text("SELECT * FROM sync_cart WHERE id = 1")).mappings().one())


def resolve_url(catalog: Catalog, url: str | None) -> str:
    """``url``, else the one this cart synced to last; :class:`UsageError` when there is none."""
    if url:
        return url
    stored = cart_row(catalog)["central_url"]
    if not stored:
        raise UsageError("no central catalog set for this cart", hint="give one: pixm sync --to postgresql://…")
    return stored


def sync_once(catalog: Catalog, url: str | None = None, *, batch: int = store_central.BATCH,
              on_batch: BatchHook | None = None) -> SyncResult:
    """Sync the cart's catalog with the central catalog at ``url`` (default: the last one used). Raises
    :class:`CentralError` (unreachable, not initialised, connection lost: run again to resume),
    :class:`BusyError` when another sync of this catalog runs, :class:`UsageError` without a URL."""
    url = resolve_url(catalog, url)
    lock = FileLock(str(catalog.path) + ".sync.lock", timeout=0) if catalog.path else None
    try:
        if lock:
            lock.acquire()
    except Timeout:
        raise BusyError("another sync of this catalog is running", path=catalog.path,
                        hint="wait for it (the window syncs in the background when set to)") from None
    try:
        return _sync(catalog, url, batch, on_batch)
    except psycopg.Error as exc:
        _record(catalog, url, error=str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise CentralError(f"the sync with {display_url(url)} stopped: {str(exc).strip().splitlines()[0]}",
                           hint="run `pixm sync` again: it resumes after the last batch the central catalog "
                                "committed") from None
    except store_central.UnknownParentError as exc:
        _record(catalog, url, error=str(exc))
        raise CentralError(f"the central catalog {display_url(url)} refused a batch: {exc}",
                           hint="nothing of the batch was written; run `pixm sync` again, and if it says the "
                                "same, push everything again with a new central database (docs/sync.md)") from None
    except CentralError as exc:
        _record(catalog, url, error=exc.message)
        raise
    finally:
        if lock:
            lock.release()


#: SQLite page cache for the sync's reads (KiB, as a negative ``cache_size``): a batch reads rows all over the
#: file by id, and the default 2 MB cache makes an initial sync of a big catalog re-read pages many times.
SYNC_CACHE_KIB = 65536


def _sync(catalog: Catalog, url: str, batch: int, on_batch: BatchHook | None) -> SyncResult:
    result = SyncResult(display_url(url))
    if catalog.engine.dialect.name == "sqlite":
        with catalog.engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SYNC_CACHE_KIB}")
    cart = cart_row(catalog)
    with central_db.connect(url) as pg:
        central_db.check_schema(pg, url)
        _agree_position(catalog, pg, cart, result)
        while _push_batch(catalog, pg, cart, batch, result):
            result.batches += 1
            if on_batch:
                on_batch(result.batches)
        _push_fields(catalog, pg, cart, batch, result)
        _pull_fields(catalog, pg, cart, batch, result)
        _pull_comments(catalog, pg, cart, result)
        _push_thumbnails(catalog, pg, cart, result)
        conflicts = store_central.conflict_count(pg)
        pg.rollback()
    _record(catalog, url, conflicts=conflicts)
    log.info("sync with %s: %s", result.url, result)
    return result


def _record(catalog: Catalog, url: str, *, error: str | None = None, conflicts: int | None = None) -> None:
    """Remember the URL (never a password), the time of a good sync or the error of a failed one."""
    with catalog.engine.begin() as conn:
        values = {"u": display_url(url), "e": error}
        extra = "" if error else ", last_sync_at = :t"
        if not error:
            values["t"] = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if conflicts is not None:
            extra += ", conflicts = :c"
            values["c"] = conflicts
        conn.execute(text(f"UPDATE sync_cart SET central_url = :u, last_error = :e{extra} WHERE id = 1"), values)


def _agree_position(catalog: Catalog, pg: psycopg.Connection, cart: dict, result: SyncResult) -> None:
    held = store_central.cart_position(pg, cart["uuid"])
    pg.rollback()
    mine = cart["pushed_seq"]
    if held is not None and held > mine:  # the central catalog committed batches whose local mark was lost
        _ack(catalog, held)
        cart["pushed_seq"] = held
    elif (held or 0) < mine:  # a new (or restored) central catalog: push every row again
        result.requeued = _requeue_all(catalog)
        cart["pushed_seq"] = held or 0
        with catalog.engine.begin() as conn:
            conn.execute(text("UPDATE sync_cart SET pushed_seq = :s WHERE id = 1"), {"s": cart["pushed_seq"]})


def _requeue_all(catalog: Catalog) -> int:
    n = 0
    with catalog.engine.begin() as conn:
        for spec in SYNCED:
            n += conn.execute(text(f"INSERT INTO sync_outbox (tbl, row_id, op, hlc) SELECT '{spec.table}', id, 'u', "
                                   f"COALESCE(sync_hlc, 0) FROM {spec.table} ORDER BY id")).rowcount
    return n


def _ack(catalog: Catalog, seq: int) -> None:
    with catalog.engine.begin() as conn:
        conn.execute(text("DELETE FROM sync_outbox WHERE seq <= :s"), {"s": seq})
        conn.execute(text("UPDATE sync_cart SET pushed_seq = MAX(pushed_seq, :s) WHERE id = 1"), {"s": seq})


def _push_batch(catalog: Catalog, pg: psycopg.Connection, cart: dict, batch: int, result: SyncResult) -> bool:
    """Push the next ``batch`` outbox entries; ``False`` when the outbox is empty."""
    with catalog.engine.connect() as conn:
        entries = sync_local.outbox_batch(conn, cart["pushed_seq"], batch)
    if not entries:
        return False
    upserts: dict[str, set[int]] = defaultdict(set)
    deletes: dict[str, list[str]] = defaultdict(list)
    for _seq, tbl, row_id, op, uuid in entries:
        if tbl not in BY_TABLE:
            continue  # a table this PIXM does not sync (a newer one's): skipped, never blocks the rest
        if op == "d":
            deletes[tbl].append(uuid)
            upserts[tbl].discard(row_id)
        else:
            upserts[tbl].add(row_id)
    with catalog.engine.begin() as conn:  # UUIDs for new rows, parents first, without recording a change
        sync_local.quiet(conn)
        for spec in SYNCED:
            if upserts.get(spec.table):
                sync_local.assign_uuids(conn, spec, upserts[spec.table], cart["uuid"])
        sync_local.loud(conn)
    with catalog.engine.connect() as conn:
        rows = {spec.table: sync_local.rows_for_push(conn, spec, upserts[spec.table], store_central.push_columns(spec))
                for spec in SYNCED if upserts.get(spec.table)}
    last = entries[-1][0]
    changed = 0
    for spec in SYNCED:
        n = store_central.upsert_rows(pg, spec, rows.get(spec.table, ()), cart["uuid"])
        result.per_table[spec.table] = result.per_table.get(spec.table, 0) + n
        changed += n
    for spec in reversed(SYNCED):
        result.deleted += store_central.delete_rows(pg, spec, deletes.get(spec.table, ()))
    store_central.mark_pushed(pg, cart["uuid"], cart["name"], last, changed)
    pg.commit()
    _ack(catalog, last)
    cart["pushed_seq"] = last
    result.entries += len(entries)
    result.rows += changed
    return True


def _bool_fields() -> set[tuple[str, str]]:
    return {(s.table, f) for s in SYNCED for f in s.both_ways
            if isinstance(Base.metadata.tables[s.table].c[f].type, Boolean)}


def _push_fields(catalog: Catalog, pg: psycopg.Connection, cart: dict, batch: int, result: SyncResult) -> None:
    bools = _bool_fields()
    while True:
        with catalog.engine.connect() as conn:
            pending = sync_local.pending_fields(conn, batch)
            edits = []
            for tbl, row_id, fld, hlc, base, row_uuid in pending:
                if row_uuid is None:
                    continue  # the row itself is not pushed yet (its outbox entry comes first next time)
                value = sync_local.field_value(conn, tbl, row_id, fld)
                if (tbl, fld) in bools and value is not None:
                    value = bool(value)
                edits.append((row_id, store_central.FieldEdit(tbl, row_uuid, fld, value, hlc, base)))
        if not edits:
            return
        outcomes = store_central.push_fields(pg, cart["uuid"], [e for _, e in edits])
        pg.commit()
        with catalog.engine.begin() as conn:
            sync_local.quiet(conn)
            for (row_id, _), o in zip(edits, outcomes, strict=True):
                # an edit made meanwhile keeps its pending flag (its hlc differs from the one pushed)
                done = conn.execute(text("UPDATE sync_fields SET pending = 0, base = :k WHERE tbl = :t AND "
                                         "row_id = :r AND field = :f AND hlc = :h"),
                                    {"k": o.kept_hlc, "t": o.edit.tbl, "r": row_id, "f": o.edit.field,
                                     "h": o.edit.hlc}).rowcount
                if done and not o.won:  # take the value that was kept now (the pull would not see it again)
                    _apply_field(conn, o.edit.tbl, o.edit.row_uuid, o.edit.field, o.kept_value, o.kept_hlc)
                sync_local.tick(conn, o.kept_hlc)
            sync_local.loud(conn)
        result.fields_pushed += len(outcomes)
        result.fields_lost += sum(not o.won for o in outcomes)
        result.conflicts += sum(o.conflict for o in outcomes)
        if len(pending) < batch:
            return


def _pull_fields(catalog: Catalog, pg: psycopg.Connection, cart: dict, batch: int, result: SyncResult) -> None:
    while True:
        rows = store_central.fields_after(pg, cart["pulled_seq"], batch)
        pg.rollback()
        if not rows:
            return
        with catalog.engine.begin() as conn:
            sync_local.quiet(conn)
            for tbl, row_uuid, fld, value, hlc, _cart, _seq in rows:
                if tbl in BY_TABLE and fld in BY_TABLE[tbl].both_ways:
                    result.pulled += _apply_field(conn, tbl, row_uuid, fld, value, hlc)
                sync_local.tick(conn, hlc)
            cart["pulled_seq"] = rows[-1][6]
            conn.execute(text("UPDATE sync_cart SET pulled_seq = :s WHERE id = 1"), {"s": cart["pulled_seq"]})
            sync_local.loud(conn)
        if len(rows) < batch:
            return


def _apply_field(conn, tbl: str, row_uuid: str, fld: str, value, hlc: int) -> int:
    """Apply a central field value here when it wins over the local one; 1 if the local value changed."""
    row_id = conn.execute(text(f"SELECT id FROM {tbl} WHERE sync_uuid = :u"), {"u": row_uuid}).scalar()
    if row_id is None:
        return 0  # a row this cart does not have
    mine = conn.execute(text("SELECT hlc, pending FROM sync_fields WHERE tbl = :t AND row_id = :r AND field = :f"),
                        {"t": tbl, "r": row_id, "f": fld}).one_or_none()
    if mine is not None and (mine[1] or mine[0] > hlc):
        return 0  # a local edit not pushed yet (the next push settles it by the rule), or a newer value
    current = sync_local.field_value(conn, tbl, row_id, fld)
    conn.execute(text("INSERT INTO sync_fields (tbl, row_id, field, hlc, base, pending) VALUES (:t, :r, :f, :h, :h, 0) "
                      "ON CONFLICT (tbl, row_id, field) DO UPDATE SET hlc = :h, base = :h, pending = 0"),
                 {"t": tbl, "r": row_id, "f": fld, "h": hlc})
    if current == value or (isinstance(value, bool) and current == int(value)):
        return 0
    conn.execute(text(f"UPDATE {tbl} SET {fld} = :v WHERE id = :r"), {"v": value, "r": row_id})
    return 1


def _pull_comments(catalog: Catalog, pg: psycopg.Connection, cart: dict, result: SyncResult) -> None:
    """Comments and decisions made elsewhere (another cart, the central review portal) on clips this cart has:
    inserted here as they are (quiet: they are not pushed back). The logger fields they set come by the
    field pull; these are the who/when/what of them."""
    rows = central_review.comments_from_elsewhere(pg, cart["uuid"])
    pg.rollback()
    if not rows:
        return
    table = Base.metadata.tables["comments"]
    with catalog.engine.begin() as conn:
        sync_local.quiet(conn)
        have = set(conn.execute(text("SELECT uuid FROM comments")).scalars())
        clip_ids = dict(conn.execute(text("SELECT sync_uuid, id FROM clips WHERE sync_uuid IS NOT NULL")).all())
        new = []
        for sync_uuid, clip_uuid, *values in rows:
            row = dict(zip(central_review.COMMENT_COLUMNS, values, strict=True))
            if row["uuid"] in have or clip_uuid not in clip_ids:
                continue  # already here, or a clip this cart does not have
            when = row["created_at"]
            row["created_at"] = when.astimezone(dt.UTC).replace(tzinfo=None) if when.tzinfo else when
            new.append(dict(row, sync_uuid=sync_uuid, clip_id=clip_ids[clip_uuid], viewer_id=None))
            sync_local.tick(conn, row["sync_hlc"] or 0)
        if new:
            conn.execute(table.insert(), new)
        sync_local.loud(conn)
    result.comments_pulled += len(new)


#: Thumbnails per central transaction while they are carried (a few MB each).
THUMBNAIL_BATCH = 200


def _push_thumbnails(catalog: Catalog, pg: psycopg.Connection, cart: dict, result: SyncResult) -> None:
    """Carry the JPEGs of this cart's clip thumbnails the central catalog lacks (``central_thumbnails``), so the
    review portal served from it shows the grid without reaching the cart's drive. A file gone is skipped."""
    with catalog.engine.connect() as conn:
        local = conn.execute(text("SELECT c.sync_uuid, t.position, t.path, t.width, t.height FROM clip_thumbnails t "
                                  "JOIN clips c ON c.id = t.clip_id WHERE c.sync_uuid IS NOT NULL")).all()
    held: set[tuple[str, int]] = set()
    uuids = sorted({r[0] for r in local})
    for i in range(0, len(uuids), 5000):
        held |= central_review.thumbnails_held(pg, uuids[i:i + 5000])
    pg.rollback()
    todo = [r for r in local if (r[0], r[1]) not in held]
    for i in range(0, len(todo), THUMBNAIL_BATCH):
        rows = []
        for clip_uuid, position, path, width, height in todo[i:i + THUMBNAIL_BATCH]:
            try:
                with open(path, "rb") as f:
                    jpeg = f.read(central_review.MAX_THUMBNAIL_BYTES + 1)
            except OSError:
                continue
            if len(jpeg) <= central_review.MAX_THUMBNAIL_BYTES:
                rows.append((clip_uuid, position, jpeg, width, height))
        result.thumbnails += central_review.put_thumbnails(pg, rows, cart["uuid"])
        pg.commit()


def watch(catalog: Catalog, url: str | None = None, *, interval_s: float = 30.0,
          stop: threading.Event | None = None, on_result: Callable[[SyncResult | Exception], None] | None = None,
          batch: int = store_central.BATCH) -> None:
    """Sync every ``interval_s`` seconds until ``stop`` is set (or Ctrl-C). A failed sync (server away, cart
    offline) is reported to ``on_result`` and tried again at the next tick: the cart works on meanwhile."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            outcome: SyncResult | Exception = sync_once(catalog, url, batch=batch)
        except (CentralError, BusyError) as exc:
            outcome = exc
        if on_result:
            on_result(outcome)
        stop.wait(interval_s)
