"""What an archive run takes: the card files of a shoot day, of cards, or of the clips a cut uses, grouped by
card, each read from the best verified copy (never the card unless asked), and where each goes on the tape.

Tape layout: a whole card goes to ``<day>/<card label>/`` (its card folder, carrying its ASC MHL history); the
files a cut uses go to ``<cut>_v<N>/<card label>/`` under one fresh history at ``<cut>_v<N>/``.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CopyState
from pixm_desktop.services import cuts as cut_service
from pixm_desktop.store.models import Card, ClipFile, Copy, Destination, File, ShootDay


@dataclass(frozen=True, slots=True)
class Item:
    """A card file to put on a tape: its catalog row, hashes (``{format: text}``), the copy it is read from
    (absolute path, bytes) and its path on the tape (relative, ``/``)."""

    file_id: int
    relpath: str
    relpath_raw: bytes
    size: int
    mtime_ns: int
    hashes: dict
    source: bytes
    tape_path: str


@dataclass(slots=True)
class CardSet:
    """The files of one card going to one tape together (spanning moves whole card sets): ``folder`` is the
    card's folder on the tape, ``history_root`` the folder whose ASC MHL history records them (the card folder,
    or the cut's folder), ``source_root`` the verified copy (or the card) read from, ``from_card`` whether that is
    the card itself, ``whole``: every file of the card (its history is carried)."""

    card_id: int
    label: str
    day: dt.date | None
    folder: str
    history_root: str
    source_root: Path
    from_card: bool
    whole: bool
    items: list[Item] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(i.size for i in self.items)


@dataclass(frozen=True, slots=True)
class Scope:
    """What to archive: ``day`` (ISO date), card ``labels``, or the cut ``cut`` (``NAME`` / ``NAME@N``; with
    ``labels``: only the cut's files on those cards, as when a run continues on the next tape)."""

    day: str = ""
    labels: tuple[str, ...] = ()
    cut: str = ""

    def words(self) -> str:
        if self.day:
            return f"day {self.day}"
        cards = f"card{'s' if len(self.labels) > 1 else ''} {', '.join(self.labels)}"
        if self.cut:
            return f"cut {self.cut}" + (f" ({cards})" if self.labels else "")
        return cards


def check_scope(scope: Scope) -> None:
    """Raises :class:`UsageError` unless exactly one of day, cards, cut is given (and the day is a date)."""
    if bool(scope.day) == bool(scope.labels or scope.cut) or (scope.day and (scope.labels or scope.cut)):
        raise UsageError("archive one of: --day D, --card LABEL…, --cut NAME (with --card: the cut's files on "
                         "those cards)")
    if scope.day:
        try:
            dt.date.fromisoformat(scope.day)
        except ValueError:
            raise UsageError(f"not a date: {scope.day!r}", hint="give the shoot day as YYYY-MM-DD") from None


def card_sets(s, scope: Scope, *, from_card: bool = False) -> list[CardSet]:
    """The card sets of ``scope`` in archive order (day, card label), each with its source chosen.

    Raises :class:`UsageError` when nothing matches, or a card has no mounted copy with every needed file
    verified (and ``from_card`` is not given or the card is not mounted either)."""
    check_scope(scope)
    if scope.cut:
        sets = _cut_sets(s, scope.cut, from_card)
        kept = [cs for cs in sets if cs.label in scope.labels] if scope.labels else sets
        if not kept:
            raise UsageError(f"cut {scope.cut} uses no file on card {', '.join(scope.labels)}",
                             hint=f"its cards: {', '.join(cs.label for cs in sets)}")
        return kept
    if scope.day:
        cards = list(s.scalars(select(Card).join(ShootDay, ShootDay.id == Card.shoot_day_id)
                               .where(ShootDay.day == dt.date.fromisoformat(scope.day)).order_by(Card.label)))
    else:
        cards = list(s.scalars(select(Card).where(Card.label.in_(list(scope.labels))).order_by(Card.label)))
        missing = sorted(set(scope.labels) - {c.label for c in cards})
        if missing:
            raise UsageError(f"no card labelled {', '.join(missing)} in the catalog",
                             hint="`pixm catalog cards` lists the cards")
    if not cards:
        raise UsageError(f"no card of {scope.words()} in the catalog", hint="`pixm catalog cards` lists the cards")
    out = []
    for card in cards:
        files = _files(s, [card.id])
        day = card.shoot_day.day if card.shoot_day else None
        folder = f"{day.isoformat() if day else 'undated'}/{card.label}"
        out.append(_card_set(s, card, files, folder, folder, from_card, whole=True))
    return out


def _cut_sets(s, ref: str, from_card: bool) -> list[CardSet]:
    cut = cut_service.get_cut(s, ref)
    clip_ids = sorted({e.clip_id for e in cut.events if e.clip_id is not None})
    if not clip_ids:
        raise UsageError(f"cut {ref} has no event resolved to a camera clip: nothing to archive",
                         hint="`pixm cut show` names the unresolved events")
    file_ids = set(s.scalars(select(ClipFile.file_id).where(ClipFile.clip_id.in_(clip_ids))))
    files = [f for f in _files(s, None, file_ids)]
    root = f"{cut.name}_v{cut.version}"
    by_card: dict[int, list[File]] = {}
    for f in files:
        by_card.setdefault(f.card_id, []).append(f)
    cards = sorted((s.get(Card, cid) for cid in by_card), key=lambda c: c.label)
    return [_card_set(s, c, by_card[c.id], f"{root}/{c.label}", root, from_card, whole=False) for c in cards]


def _files(s, card_ids, file_ids=None) -> list[File]:
    q = select(File).where(File.problem.is_(None)).order_by(File.card_id, File.relpath_raw)
    if card_ids is not None:
        q = q.where(File.card_id.in_(card_ids))
    if file_ids is not None:
        q = q.where(File.id.in_(sorted(file_ids)))
    return list(s.scalars(q))


def _card_set(s, card: Card, files: list[File], folder: str, history_root: str, from_card: bool,
              whole: bool) -> CardSet:
    root, is_card = best_source(s, card, [f.id for f in files], from_card)
    day = card.shoot_day.day if card.shoot_day else None
    out = CardSet(card.id, card.label, day, folder, history_root, root, is_card, whole)
    base = os.fsencode(root)
    for f in files:
        out.items.append(Item(f.id, f.relpath, f.relpath_raw, f.size, f.mtime_ns,
                              {HashAlgorithm(a): v for a, v in f.hashes().items()},
                              os.path.join(base, f.relpath_raw), f"{folder}/{f.relpath}"))
    return out


def best_source(s, card: Card, file_ids: list[int], from_card: bool) -> tuple[Path, bool]:
    """The card folder to read ``file_ids`` from: a destination folder that is there now and holds every one
    of them verified, the one verified most recently first; else the card itself when ``from_card`` and it is
    mounted. Returns ``(folder, is_the_card)``; raises :class:`UsageError` naming the folders tried."""
    need = len(set(file_ids))
    rows = s.execute(
        select(Destination.path_raw, Destination.path, func.count(Copy.id), func.min(Copy.verified_at))
        .join(Copy, Copy.destination_id == Destination.id)
        .where(Destination.card_id == card.id, Copy.state == CopyState.VERIFIED.value,
               Copy.file_id.in_(list(set(file_ids))))
        .group_by(Destination.id).order_by(func.min(Copy.verified_at).desc(), Destination.id)).all()
    tried = []
    for raw, path, n, _when in rows:
        if n == need and os.path.isdir(raw):
            return Path(os.fsdecode(raw)), False
        tried.append(f"{path} ({'not mounted' if not os.path.isdir(raw) else f'{n} of {need} verified'})")
    if from_card and card.source_path and os.path.isdir(card.source_path):
        return Path(card.source_path), True
    where = "; ".join(tried) or "no destination holds them verified"
    raise UsageError(f"no verified copy of card {card.label} is mounted to archive from: {where}",
                     hint="mount a drive holding the card's verified copy (`pixm where " + card.label + "`), "
                          "or insert the card and add --from-card")


__all__ = ["CardSet", "Item", "Scope", "best_source", "card_sets", "check_scope"]
