"""The risk ledger (``pixm risk``): which files are below the card rule now (fewer verified copies on distinct
drives than it asks), which would fall below it if one drive died (``--drive``: the same rule as "safe to
wipe"), and which card folders have not been re-verified for a while (``stale_days``).

A copy counts when the catalog holds it verified; drives are told apart as the SAFE TO FORMAT verdict does
(``core.verdict.count_drives``: folders on one physical drive are one copy, unknown drives never distinct).
Retired drives hold nothing. A tape's verified copies count as one copy on a drive of its own (``--tape``: the
files that would fall below the rule if that tape died); a failed tape holds nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CopyState
from pixm_desktop.core.timeutil import aware_utc, iso_utc
from pixm_desktop.core.verdict import SafeRule, count_drives
from pixm_desktop.services import drives as drive_service
from pixm_desktop.store import drives_repo, tapes_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, Copy, Destination

#: At most this many files are listed per section (the counts are always whole).
LISTED = 200


@dataclass(frozen=True, slots=True)
class AtRisk:
    """A file below the rule: its card and path, the copies that count, and why the others do not."""

    card: str
    relpath: str
    copies: int
    why: str

    def as_dict(self) -> dict:
        return {"card": self.card, "relpath": self.relpath, "copies": self.copies, "why": self.why}


@dataclass(frozen=True, slots=True)
class Stale:
    """A card folder whose oldest verified copy was last verified at ``oldest`` (UTC), on drive ``drive``."""

    card: str
    folder: str
    drive: str
    oldest: dt.datetime


@dataclass
class RiskLedger:
    """``below``: files below the rule now (``below_count`` in all); ``if_lost``: with ``drive``, the files that
    would fall below it if that drive died (``None`` without); ``stale``: folders not re-verified within
    ``stale_days`` days; ``files``: files of the catalog counted."""

    rule: SafeRule
    files: int = 0
    below: list[AtRisk] = field(default_factory=list)
    below_count: int = 0
    drive: str | None = None
    if_lost: list[tuple[str, str, str]] | None = None
    stale_days: int = 0
    stale: list[Stale] = field(default_factory=list)
    tape: str | None = None
    if_tape_lost: list[tuple[str, str, str]] | None = None

    def as_dict(self) -> dict:
        return {"rule": {"min_copies": self.rule.min_copies, "distinct_drives": self.rule.distinct_drives},
                "files": self.files, "below_count": self.below_count,
                "below": [a.as_dict() for a in self.below], "drive": self.drive,
                "if_lost": None if self.if_lost is None else [{"card": c, "relpath": r, "why": w}
                                                             for c, r, w in self.if_lost],
                "stale_days": self.stale_days,
                "stale": [{"card": s.card, "folder": s.folder, "drive": s.drive, "oldest": iso_utc(s.oldest)}
                          for s in self.stale],
                "tape": self.tape,
                "if_tape_lost": None if self.if_tape_lost is None else [{"card": c, "relpath": r, "why": w}
                                                                       for c, r, w in self.if_tape_lost]}


def ledger(catalog: Catalog, *, drive: str | None = None, stale_days: int = 30, rule: SafeRule = SafeRule(),
           now: dt.datetime | None = None, tape: str | None = None) -> RiskLedger:
    """The ledger (see the module docstring). ``drive``: a registered drive's label; ``tape``: a tape's label
    (its verified copies count as one copy on a drive of its own, as every tape does); ``stale_days`` ≥ 1.
    Raises :class:`UsageError` for an unknown drive or tape label."""
    out = RiskLedger(rule, drive=drive, stale_days=stale_days, tape=tape)
    with catalog.session() as s:
        on_tape = tapes_repo.verified_copies(s)
        tape_row = _tape(s, tape) if tape else None
        if tape_row is not None:
            out.if_tape_lost = []
        retired = drives_repo.retired_destination_ids(s)
        dests = [d for d, *_ in drives_repo.destinations(s) if d not in retired]
        names = drives_repo.drive_labels(s)
        files = drives_repo.files_on(s, dests)
        copies = drives_repo.verified_elsewhere(s, dests, retired)
        out.files = len(files)
        for fid, card, rel in files:
            held = tuple((names.get(d) or vol or path, drive_id, note) for d, path, vol, drive_id, note
                         in copies.get(fid, [])) + tuple((f"tape {c.label}", f"tape:{c.label}", None)
                                                          for c in on_tape.get(fid, []))
            n, why = count_drives(held, rule)
            if tape_row is not None and any(c.label == tape for c in on_tape.get(fid, [])):
                rest = tuple(h for h in held if h[1] != f"tape:{tape}")
                left, _ = count_drives(rest, rule)
                if n >= rule.min_copies > left:
                    out.if_tape_lost.append((card, rel, _few(left, rule)))
            if n < rule.min_copies:
                out.below_count += 1
                if len(out.below) < LISTED:
                    out.below.append(AtRisk(card, rel, n, "; ".join(why) or _few(n, rule)))
        out.stale = _stale(s, names, retired, (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=stale_days))
    if drive:
        out.if_lost = list(drive_service.wipe_check(catalog, drive, rule).lacking)
    return out


def _tape(s, label: str):
    row = tapes_repo.tape(s, label)
    if row is None:
        raise UsageError(f"no tape {label!r} in the catalog", hint="the Archive page lists the tapes")
    return row


def _few(n: int, rule: SafeRule) -> str:
    return f"{n} verified cop{'y' if n == 1 else 'ies'} of {rule.min_copies} needed"


def _stale(s, names: dict[int, str], retired: set[int], before: dt.datetime) -> list[Stale]:
    rows = s.execute(select(Card.label, Destination.id, Destination.path, Destination.volume_label,
                            func.min(Copy.verified_at))
                     .join(Destination, Destination.card_id == Card.id)
                     .join(Copy, Copy.destination_id == Destination.id)
                     .where(Copy.state == CopyState.VERIFIED.value)
                     .group_by(Destination.id).order_by(Card.label, Destination.path))
    out = []
    for label, dest_id, path, vol, oldest in rows:
        when = aware_utc(dt.datetime.fromisoformat(oldest) if isinstance(oldest, str) else oldest)
        if dest_id not in retired and when is not None and when < before:
            out.append(Stale(label, path, names.get(dest_id) or vol or "", when))
    return out


__all__ = ["AtRisk", "RiskLedger", "Stale", "ledger"]
