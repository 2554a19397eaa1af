"""Timestamps as the models hold them: timezone-aware UTC (SQLite stores them without their zone)."""

from __future__ import annotations

import datetime as dt


def aware_utc(value: dt.datetime | None) -> dt.datetime | None:
    """``value`` with its zone; a naive one (as read back from SQLite, which drops tzinfo) is UTC, the zone
    PIXM writes in. An aware value is returned unchanged; ``None`` stays ``None``."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def iso_utc(value: dt.datetime | None) -> str | None:
    """ISO 8601 text with its UTC offset (``2026-11-23T17:15:02+00:00``) of :func:`aware_utc`; ``None``
    stays ``None``."""
    aware = aware_utc(value)
    return None if aware is None else aware.isoformat()


__all__ = ["aware_utc", "iso_utc"]
