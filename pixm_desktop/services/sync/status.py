"""What the sync indicator and ``pixm sync --status|--conflicts`` show: read from the cart's catalog alone
(works offline; the conflicts count is the one the last sync saw), the conflict log from the central one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text

from pixm_desktop.services.sync import central as central_db
from pixm_desktop.services.sync.url import display_url
from pixm_desktop.store import central as store_central
from pixm_desktop.store.central import Conflict
from pixm_desktop.store.db import Catalog

__all__ = ["Conflict", "SyncStatus", "list_conflicts", "set_central", "sync_status"]


@dataclass(frozen=True)
class SyncStatus:
    """This cart's sync: ``cart``/``cart_name``, the central URL (no password; ``None`` when never set),
    ``pending`` outbox changes and ``pending_fields`` field edits not pushed, ``last_sync`` (UTC) and the
    ``last_error`` of a failed one (``None`` after a good one), ``conflicts`` seen by the last sync."""

    cart: str
    cart_name: str
    url: str | None
    pending: int
    pending_fields: int
    last_sync: dt.datetime | None
    last_error: str | None
    conflicts: int

    @property
    def connected(self) -> bool:
        """Set up, synced at least once, and the last sync worked."""
        return bool(self.url and self.last_sync and not self.last_error)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["last_sync"] = self.last_sync.isoformat() if self.last_sync else None
        d["connected"] = self.connected
        return d


def sync_status(catalog: Catalog) -> SyncStatus:
    with catalog.engine.connect() as conn:
        c = conn.execute(text("SELECT * FROM sync_cart WHERE id = 1")).mappings().one()
        pending = conn.execute(text("SELECT count(*) FROM sync_outbox WHERE seq > :s"), {"s": c["pushed_seq"]}).scalar()
        fields = conn.execute(text("SELECT count(*) FROM sync_fields WHERE pending")).scalar()
    last = c["last_sync_at"]
    if isinstance(last, str):
        last = dt.datetime.fromisoformat(last)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    return SyncStatus(c["uuid"], c["name"], c["central_url"], pending, fields, last, c["last_error"], c["conflicts"])


def set_central(catalog: Catalog, url: str | None, cart_name: str | None = None) -> None:
    """Set (or with ``None`` forget) the central catalog this cart syncs to, stored without password, and
    optionally the cart's name."""
    with catalog.engine.begin() as conn:
        conn.execute(text("UPDATE sync_cart SET central_url = :u WHERE id = 1"),
                     {"u": display_url(url) if url else None})
        if cart_name:
            conn.execute(text("UPDATE sync_cart SET name = :n WHERE id = 1"), {"n": cart_name})


def list_conflicts(url: str, limit: int = 1000) -> list[Conflict]:
    """The central conflict log, newest first. Raises ``CentralError`` as :func:`central.connect`."""
    with central_db.connect(url) as conn:
        central_db.check_schema(conn, url)
        return store_central.conflicts(conn, limit)
