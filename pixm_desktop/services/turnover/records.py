"""The recorded turnovers as plain data (the window's Turnovers page, the daily report)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.services.turnover.common import Check, load_json
from pixm_desktop.store import turnovers_repo
from pixm_desktop.store.db import Catalog


@dataclass(frozen=True, slots=True)
class TurnoverInfo:
    """One turnover: id, kind, folder, scope words, day, generation, status (completed | refused), when (UTC),
    how many files it delivered new and in all, its checks and the error words of a refusal."""

    id: int
    kind: str
    folder: str
    scope: str
    day: dt.date | None
    generation: int | None
    status: str
    created_at: dt.datetime | None
    new_files: int
    files: int
    checks: tuple[Check, ...]
    error: str | None

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)


def _info(row) -> TurnoverInfo:
    files = load_json(row.files)
    checks = tuple(Check(str(c.get("rule", "")), str(c.get("subject", "")), bool(c.get("ok")), str(c.get("text", "")))
                   for c in load_json(row.checks) if isinstance(c, dict))
    new = sum(1 for f in files if isinstance(f, dict) and f.get("change") == "new")
    return TurnoverInfo(row.id, row.kind, row.folder, row.scope, row.day, row.generation, row.status,
                        aware_utc(row.created_at), new, len(files), checks, row.error)


def turnovers(catalog: Catalog, limit: int = 200) -> list[TurnoverInfo]:
    """The newest turnovers first."""
    with catalog.session() as s:
        return [_info(r) for r in turnovers_repo.recent(s, limit)]


def day_turnovers(catalog: Catalog, day: dt.date) -> list[TurnoverInfo]:
    """The turnovers of shoot day ``day`` (oldest first)."""
    with catalog.session() as s:
        return [_info(r) for r in turnovers_repo.of_day(s, day)]


__all__ = ["TurnoverInfo", "day_turnovers", "turnovers"]
