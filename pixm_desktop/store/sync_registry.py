"""Which catalog tables sync with a central PostgreSQL catalog (issue 17), how their rows are identified, and
which of their fields people edit anywhere. One registry: add a table here (and its ``sync_uuid``/``sync_hlc``
columns in a migration) and the triggers, the push, the central schema and the status all follow.

``identity``: how a row's global UUID is made (RFC 4122 version 5, so two carts that know the same thing give
it the same id and the central catalog holds it once):
``("", fields)`` — from the PIXM namespace and the fields (a project by name);
``(fk, fields)`` — inside the parent row's UUID (a shoot day inside its project, a file inside its card);
``None`` — facts only one cart has (its jobs, its copies): a random UUID given by the insert trigger (rows
written before migration 0015: inside the cart's own UUID with the local row id).

``parents``: ``{foreign-key column: parent table}``; central rows refer to their parents by UUID on the way
in. Tables are listed parents first (the push order). ``both_ways``: fields people edit on any cart (logger
fields, VFX marks): last writer per field by hybrid logical clock, the loser kept in the conflict log.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass, field

#: The namespace of PIXM's version-5 UUIDs (uuid5(NAMESPACE_URL, "https://pixm.app/catalog")).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://pixm.app/catalog")
#: An HLC value is ``wall milliseconds << COUNTER_BITS | counter`` in one signed 64-bit integer.
COUNTER_BITS = 20


@dataclass(frozen=True)
class Synced:
    table: str
    parents: dict[str, str] = field(default_factory=dict)
    identity: tuple[str, tuple[str, ...]] | None = None
    both_ways: tuple[str, ...] = ()


LOGGER_FIELDS = ("scene", "take", "camera", "notes", "circled", "rating", "flagged")

SYNCED: tuple[Synced, ...] = (
    Synced("projects", identity=("", ("name",))),
    Synced("shoot_days", {"project_id": "projects"}, ("project_id", ("day",))),
    Synced("cards", {"shoot_day_id": "shoot_days"}, ("", ("label", "quick_fingerprint"))),
    Synced("destinations", {"card_id": "cards"}),
    Synced("files", {"card_id": "cards"}, ("card_id", ("relpath_raw",))),
    Synced("jobs", {"card_id": "cards"}),
    Synced("copies", {"file_id": "files", "destination_id": "destinations", "job_id": "jobs"}),
    Synced("clips", {"card_id": "cards"}, ("card_id", ("key",)), both_ways=LOGGER_FIELDS),
    Synced("clip_files", {"clip_id": "clips", "file_id": "files"}, ("file_id", ())),
    Synced("renditions", {"clip_id": "clips", "job_id": "jobs"}),
    Synced("turnovers", {"job_id": "jobs"}),
    Synced("cuts"),
    Synced("cut_events", {"cut_id": "cuts", "clip_id": "clips"}, both_ways=("shot",)),
    Synced("pulls", {"cut_id": "cuts", "event_id": "cut_events", "clip_id": "clips"}),
    Synced("comments", {"clip_id": "clips"}, ("", ("uuid",))),  # the portal's calls and notes, who and when
    Synced("tapes", identity=("", ("label",))),  # a tape's label is its barcode: one tape, whichever cart wrote it
    Synced("tape_files", {"tape_id": "tapes", "file_id": "files", "job_id": "jobs"}, ("tape_id", ("path",))),
)
SYNCED_TABLES: tuple[str, ...] = tuple(s.table for s in SYNCED)
BY_TABLE: dict[str, Synced] = {s.table: s for s in SYNCED}

#: Unique constraints of the cart's schema that name one cart's things (a destination path, a cut's name and
#: version, a preset's rendition): the central catalog holds every cart's, told apart by UUID.
CART_SCOPED_UNIQUE = {"destinations": ("card_id", "path_raw"), "cuts": ("name", "version"),
                      "renditions": ("clip_id", "preset")}


def row_uuid(spec: Synced, row: dict, parent_uuid: str | None, cart_uuid: str) -> str:
    """The global UUID (text, 36 characters) of a row of ``spec.table`` (``row``: its columns by name)."""
    if spec.identity is None:
        return uuid5_text(cart_uuid, f"{spec.table}:{row['id']}")
    scope, fields = spec.identity
    parts = [spec.table] + [_text(row[f]) for f in fields]
    return uuid5_text(parent_uuid if scope and parent_uuid else str(NAMESPACE), "\x1f".join(parts))


@functools.lru_cache(maxsize=4096)
def _namespace_bytes(namespace: str) -> bytes:
    return uuid.UUID(namespace).bytes


def uuid5_text(namespace: str, name: str) -> str:
    """``str(uuid.uuid5(UUID(namespace), name))`` (RFC 4122 §4.3, SHA-1), without building UUID objects: the
    sync names tens of thousands of rows per batch."""
    h = bytearray(hashlib.sha1(_namespace_bytes(namespace) + name.encode()).digest()[:16])
    h[6] = (h[6] & 0x0F) | 0x50
    h[8] = (h[8] & 0x3F) | 0x80
    x = h.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _text(value) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return "" if value is None else str(value)


def hlc_wall_ms(hlc: int) -> int:
    """The wall-clock milliseconds of an HLC value."""
    return hlc >> COUNTER_BITS
