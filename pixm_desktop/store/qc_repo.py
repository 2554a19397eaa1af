"""Queries of ingest QC: the clips a QC run checks (with their files, card and day), every reel the catalog
knows, and the ``qc_findings`` rows (stored per card, kept with their acknowledgement across re-runs)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pixm_desktop.core.states import ClipFileRole, ClipKind
from pixm_desktop.store.models import Card, Clip, ClipFile, File, QcFinding, ShootDay


@dataclass(frozen=True, slots=True)
class ClipRow:
    """A clip as QC reads it: the row, its card's label, its shoot day and the names of its files."""

    clip: Clip
    card_label: str
    day: dt.date | None
    files: tuple[str, ...]


def card_ids_of_day(session: Session, day: dt.date) -> list[int]:
    """Every card shot on ``day`` (any project), by id."""
    q = (select(Card.id).join(ShootDay, ShootDay.id == Card.shoot_day_id).where(ShootDay.day == day)
         .order_by(Card.id))
    return list(session.scalars(q))


def days_of_cards(session: Session, card_ids: Sequence[int]) -> list[dt.date]:
    """The shoot days of ``card_ids`` (distinct)."""
    q = (select(ShootDay.day).join(Card, Card.shoot_day_id == ShootDay.id).where(Card.id.in_(list(card_ids)))
         .distinct())
    return list(session.scalars(q))


def clip_rows(session: Session, card_ids: Sequence[int]) -> list[ClipRow]:
    """The clips of ``card_ids`` with their files (two queries, whatever the number of clips)."""
    q = (select(Clip, Card.label, ShootDay.day).join(Card, Card.id == Clip.card_id)
         .outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id).where(Clip.card_id.in_(list(card_ids)))
         .order_by(Clip.card_id, Clip.id))
    rows = list(session.execute(q))
    names: dict[int, list[str]] = {}
    files = (select(ClipFile.clip_id, File.relpath).join(File, File.id == ClipFile.file_id)
             .join(Clip, Clip.id == ClipFile.clip_id).where(Clip.card_id.in_(list(card_ids))))
    for clip_id, rel in session.execute(files):
        names.setdefault(clip_id, []).append(rel.rsplit("/", 1)[-1])
    return [ClipRow(c, label, day, tuple(names.get(c.id, ()))) for c, label, day in rows]


def day_clip_rows(session: Session, day: dt.date) -> list[ClipRow]:
    """Every clip shot on ``day`` (for drift, which compares a day's pictures with its sound)."""
    return clip_rows(session, card_ids_of_day(session, day))


def reel_uses(session: Session) -> list[tuple[str, int, str, dt.date | None]]:
    """Every reel (a clip's tape name, else its reel) the catalog knows, once per card:
    ``(reel, card id, card label, shoot day)``."""
    reel = func.coalesce(Clip.tape_name, Clip.reel)
    q = (select(reel, Card.id, Card.label, ShootDay.day).join(Card, Card.id == Clip.card_id)
         .outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id).where(reel.is_not(None)).distinct())
    return [(r, cid, label, day) for r, cid, label, day in session.execute(q)]


def store_findings(session: Session, card_ids: Iterable[int], rules: Iterable[str], found: Sequence[dict], *,
                   profile: str | None, now: dt.datetime) -> tuple[int, int, int]:
    """Replace the findings of ``rules`` on ``card_ids`` by ``found`` (dicts of the :class:`QcFinding` columns
    ``card_id clip_id fingerprint rule severity subject expected found message frame``): a row whose card and
    fingerprint is found again is kept (its acknowledgement with it) and updated; the others of those rules go.
    Returns ``(new, kept, removed)``. Does not commit."""
    cards, wanted = list(card_ids), list(rules)
    old = {(r.card_id, r.fingerprint): r for r in session.scalars(
        select(QcFinding).where(QcFinding.card_id.in_(cards), QcFinding.rule.in_(wanted)))}
    new = kept = 0
    for values in found:
        row = old.pop((values["card_id"], values["fingerprint"]), None)
        if row is None:
            session.add(QcFinding(**values, profile=profile, first_seen=now, last_seen=now))
            new += 1
        else:
            for key, value in values.items():
                setattr(row, key, value)
            row.profile, row.last_seen = profile, now
            kept += 1
    if old:
        session.execute(delete(QcFinding).where(QcFinding.id.in_([r.id for r in old.values()])))
    session.flush()
    return new, kept, len(old)


def findings(session: Session, card_ids: Sequence[int]) -> list[tuple[QcFinding, str]]:
    """The stored findings of ``card_ids`` with their card's label, errors first, then by card and subject."""
    q = (select(QcFinding, Card.label).join(Card, Card.id == QcFinding.card_id)
         .where(QcFinding.card_id.in_(list(card_ids)))
         .order_by(QcFinding.severity, QcFinding.card_id, QcFinding.subject, QcFinding.rule, QcFinding.frame))
    return [(f, label) for f, label in session.execute(q)]


def finding(session: Session, finding_id: int) -> tuple[QcFinding, str] | None:
    """One stored finding with its card's label."""
    q = select(QcFinding, Card.label).join(Card, Card.id == QcFinding.card_id).where(QcFinding.id == finding_id)
    row = session.execute(q).first()
    return (row[0], row[1]) if row else None


def media_files(session: Session, card_ids: Sequence[int]) -> dict[int, tuple[int, bytes]]:
    """``{clip id: (card id, card-relative raw path of its media file)}`` of the video clips of ``card_ids``."""
    q = (select(ClipFile.clip_id, Clip.card_id, File.relpath_raw).join(File, File.id == ClipFile.file_id)
         .join(Clip, Clip.id == ClipFile.clip_id)
         .where(Clip.card_id.in_(list(card_ids)), ClipFile.role == ClipFileRole.MEDIA, Clip.kind == ClipKind.VIDEO))
    return {clip_id: (card_id, raw) for clip_id, card_id, raw in session.execute(q)}


__all__ = ["ClipRow", "card_ids_of_day", "clip_rows", "day_clip_rows", "days_of_cards", "finding", "findings",
           "media_files", "reel_uses", "store_findings"]
