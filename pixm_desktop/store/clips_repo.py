"""Catalog queries and writes for clips (grouping links, probe results, thumbnails, logger fields).

Functions take an open ``Session`` and never commit; the caller (``services.clips``, ``services.reports``) owns
the transaction.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    LargeBinary,
    Row,
    Select,
    and_,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    union_all,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from pixm_desktop.core.model import CopyState
from pixm_desktop.core.states import ClipFileRole, ClipKind
from pixm_desktop.store.models import Card, Clip, ClipFile, ClipThumbnail, Copy, Destination, File, ShootDay

#: Columns ``ClipFilter.order`` may name (the GUI's sortable columns).
ORDER_COLUMNS = {
    "name": Clip.name, "tape_name": Clip.tape_name, "reel": Clip.reel, "start": Clip.start_frame,
    "frames": Clip.frames, "scene": Clip.scene, "take": Clip.take, "camera": Clip.camera,
    "rating": Clip.rating, "circled": Clip.circled, "flagged": Clip.flagged, "codec": Clip.codec,
    "status": Clip.probe_status, "card": Card.label, "day": ShootDay.day, "id": Clip.id,
}
LOGGER_FIELDS = ("scene", "take", "camera", "notes", "circled", "rating", "flagged")
MEDIA_ROLES = (ClipFileRole.MEDIA.value, ClipFileRole.SEGMENT.value)  # the files a clip's picture/sound is in


@dataclass(slots=True)
class ClipFilter:
    """Which clips to list, all conditions combined with AND; ``None`` means no condition.

    ``ids`` restricts to those clip ids (refreshing rows after an edit).

    ``day`` is the shoot day; ``camera`` the camera letter (logger field); ``camera_kind`` the card's camera
    layout (``arri``, ``sony``, ``sound``…); ``reel`` matches the reel or the tape name; ``scene``/``take`` are
    exact; ``text`` searches clip name, tape name, scene and notes (case-insensitive substring: from three
    characters through the FTS5 trigram index ``clip_search``, case-folded beyond ASCII; two ASCII characters
    from the same index, ASCII case only, as ``LIKE``; one character, or two with one beyond ASCII, by
    ``LIKE``). ``order`` is a key of ``ORDER_COLUMNS`` (default: day, card, start
    timecode, name); ``offset``/``limit`` page the result.
    """

    day: dt.date | None = None
    ids: Sequence[int] | None = None
    card_id: int | None = None
    card_label: str | None = None
    camera: str | None = None
    camera_kind: str | None = None
    reel: str | None = None
    scene: str | None = None
    take: str | None = None
    circled: bool | None = None
    flagged: bool | None = None
    min_rating: int | None = None
    kind: str | None = None
    probe_status: str | None = None
    text: str | None = None
    order: str | None = None
    descending: bool = False
    offset: int = 0
    limit: int | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


#: The shortest text the trigram index answers (sqlite.org/fts5.html §4.3.5); shorter text scans with LIKE.
TRIGRAM = 3


def _uses_fts(session: Session, text: str) -> bool:
    return (len(text) >= TRIGRAM or _is_pair(text)) and session.get_bind().dialect.name == "sqlite"


def _is_pair(text: str) -> bool:
    """Two ASCII characters (no NUL): answered from the trigram index too (:func:`_pair_ids`)."""
    return len(text) == 2 and text.isascii() and "\x00" not in text


#: The clips two-character text is checked on row by row (a column beyond ASCII, notes of two characters):
#: migration 0019's partial index ``ix_clips_pair_text``, whose ``WHERE`` this must be, character for character.
PAIR_UNCOVERED = ("length(notes) = 2 OR " + " OR ".join(
    f"length({c}) <> length(CAST({c} AS BLOB))" for c in ("name", "tape_name", "scene", "notes")))
#: The characters beside a pair that the index holds for ASCII text (its case folded: no capitals).
PAIR_NEIGHBOURS = tuple(chr(i) for i in range(1, 128) if not chr(i).isupper())


def pair_query(pair: str) -> str:
    """The FTS5 query of every trigram holding ``pair`` (two ASCII characters) beside one more ASCII
    character: ``"pa?" OR "?pa" OR …`` (sqlite.org/fts5.html §3, §4.3.5)."""
    low = pair.lower()
    terms = sorted({low + c for c in PAIR_NEIGHBOURS} | {c + low for c in PAIR_NEIGHBOURS})
    return " OR ".join(fts_phrase(t) for t in terms)


def _pair_ids(pair: str, within: tuple[int, int] | None = None):
    """``SELECT rowid`` of the clips whose name, tape name, scene or notes contain ``pair`` (two ASCII
    characters, ASCII case folded, as ``LIKE``): three disjoint parts, each from an index.

    - the trigram index's clips with a trigram holding the pair beside an ASCII character, but for those of
      ``ix_clips_pair_text`` (:data:`PAIR_UNCOVERED`). On a clip whose text is ASCII, the pair in a column of
      three characters or more stands in such a trigram;
    - the clips of ``ix_clips_pair_text`` whose columns contain the pair (``LIKE``);
    - the other clips whose name, tape name or scene is the pair itself (their own indexes, each spelling of
      its case) and whose longer columns do not contain it.
    """
    uncovered = select(Clip.id).where(sql_text(f"({PAIR_UNCOVERED})"))
    pat = _like(pair)
    cols = (Clip.name, Clip.tape_name, Clip.scene, Clip.notes)
    rowid = literal_column("rowid")
    spellings = sorted({a + b for a in {pair[0].lower(), pair[0].upper()} for b in {pair[1].lower(), pair[1].upper()}})
    longer = or_(*(and_(func.length(func.coalesce(c, "")) > 2, func.coalesce(c, "").like(pat, escape="\\"))
                   for c in cols))
    parts = [
        select(rowid).select_from(table("clip_search")).where(
            literal_column("clip_search").op("MATCH")(bindparam("pair_q", pair_query(pair))),
            rowid.not_in(uncovered)),
        select(Clip.id.label("rowid")).where(sql_text(f"({PAIR_UNCOVERED})"),
                                             or_(*(c.like(pat, escape="\\") for c in cols))),
        select(Clip.id.label("rowid")).where(
            or_(*(c.in_(spellings) for c in cols[:3])), Clip.id.not_in(uncovered), not_(longer)),
    ]
    if within is not None:
        parts[0] = parts[0].where(rowid.between(within[0], within[1]))
        parts[1:] = [q.where(Clip.id.between(within[0], within[1])) for q in parts[1:]]
    return union_all(*parts)


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (``"…"``, inner quotes doubled): with the trigram tokenizer it matches
    exactly where ``text`` is a substring of a column, case-folded."""
    return '"' + text.replace('"', '""') + '"'


def _text_ids(text: str, within: tuple[int, int] | None = None):
    """``SELECT rowid`` of the clips whose name, tape name, scene or notes contain ``text`` (FTS5; two ASCII
    characters: :func:`_pair_ids`); ``within`` (lowest, highest clip id) keeps to that range of ids, which
    FTS5 seeks to in its lists."""
    if _is_pair(text):
        return _pair_ids(text, within)
    q = select(literal_column("rowid")).select_from(table("clip_search")).where(
        literal_column("clip_search").op("MATCH")(bindparam("fts_q", fts_phrase(text))))
    if within is not None:
        q = q.where(literal_column("rowid").between(within[0], within[1]))
    return q


def _card_ids(*conds):
    return select(Card.id).outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id).where(*conds)


def _card_conditions(f: ClipFilter) -> list:
    conds = []
    if f.day is not None:
        conds.append(ShootDay.day == f.day)
    if f.card_label is not None:
        conds.append(Card.label == f.card_label)
    if f.camera_kind:
        conds.append(Card.camera == f.camera_kind.lower())
    return conds


def _conditions(f: ClipFilter) -> list:
    """``f``'s conditions but the free text, on ``clips`` alone (card and day ones as a card-id subquery)."""
    conds = []
    card_conds = _card_conditions(f)
    if card_conds:
        conds.append(Clip.card_id.in_(_card_ids(*card_conds)))
    if f.ids is not None:
        conds.append(Clip.id.in_(list(f.ids)))
    if f.card_id is not None:
        conds.append(Clip.card_id == f.card_id)
    if f.camera:
        conds.append(Clip.camera == f.camera.upper())
    if f.reel:
        conds.append(or_(Clip.reel == f.reel, Clip.tape_name == f.reel))
    if f.scene is not None:
        conds.append(Clip.scene == f.scene)
    if f.take is not None:
        conds.append(Clip.take == f.take)
    if f.circled is not None:
        conds.append(Clip.circled.is_(f.circled))
    if f.flagged is not None:
        conds.append(Clip.flagged.is_(f.flagged))
    if f.min_rating:
        conds.append(Clip.rating >= f.min_rating)
    if f.kind:
        conds.append(Clip.kind == f.kind)
    if f.probe_status:
        conds.append(Clip.probe_status == f.probe_status)
    return conds


def _all_conditions(f: ClipFilter, session: Session, within: tuple[int, int] | None = None) -> list:
    """Every condition of ``f``; ``within`` (lowest, highest clip id of the rows asked about) narrows the
    text's matches read to that range."""
    return _conditions(f) + ([_text_condition(session, f.text, within=within)] if f.text else [])


def _where(q: Select, f: ClipFilter, session: Session, ordered: bool = False) -> Select:
    """``q`` with :func:`_where_conditions`."""
    return q.where(*_where_conditions(f, session, ordered))


def _where_conditions(f: ClipFilter, session: Session, ordered: bool = False) -> list:
    """``f``'s conditions on ``clips`` alone, so a count needs no join and each condition can use its index.
    A day or a card with other conditions keeps to its cards' range of clip ids (:func:`_id_range`). Free
    text with other conditions: the text drives the query (each match's row read) only when it has few
    matches and no more than the others; else the others do, each row checked against the text's matches
    (read once into a list, from the ids' range only when there is one). ``ordered``: a page in the order of
    an index, which the others drive when the text is frequent (read in that order until the page is full)."""
    conds = _conditions(f)
    within = None
    narrow = f.day is not None or f.card_label is not None or f.card_id is not None
    if narrow and not _card_only(f) and f.ids is None:
        within = _id_range(session, _card_ids_of(session, f))
        conds.append(Clip.id.between(*within))
    if f.text and _is_pair(f.text) and conds:  # the others' rows check the pair (LIKE): no list of its matches
        conds.append(_text_condition(session, f.text, driven_by_others=True))
    elif f.text:
        driven = bool(conds or ordered) and _uses_fts(session, f.text) and not _text_drives(session, f, conds,
                                                                                          within)
        if driven and _rows_check_text(session, f, conds, within, ordered):
            conds.append(_text_check(f.text))
        else:
            conds.append(_text_condition(session, f.text, driven_by_others=driven, within=within))
    return conds


#: Free text is checked row by row (:func:`_text_check`) on the rows the query reads anyway when they are at
#: most this many and the text matches at least :data:`ROW_CHECK_RATIO` times as many clips (reading the
#: text's list of matches would cost more): the other conditions' rows, or the rows a page read in index
#: order passes before it is full.
ROW_CHECK = 100_000
ROW_CHECK_RATIO = 2
TEXT_SAMPLE = 10_000  # the ids the text's frequency is estimated on (a choice of plan only, never a result)


def _rows_check_text(session: Session, f: ClipFilter, conds: list, within: tuple[int, int] | None,
                     ordered: bool) -> bool:
    """Whether the rows read check ``f.text`` themselves (ASCII text, few such rows, many matches)."""
    if not f.text.isascii() or not (conds or (ordered and f.limit is not None)):
        return False
    rows = _capped_count(session, select(Clip.id).where(*conds), ROW_CHECK + 1) if conds else None
    if rows is not None and rows > ROW_CHECK:
        return False
    lo, hi = within or session.execute(select(select(func.min(Clip.id)).scalar_subquery(),  # two seeks
                                              select(func.max(Clip.id)).scalar_subquery())).one()
    if lo is None:
        return False
    window = (max(lo, hi - TEXT_SAMPLE + 1), hi)  # the text's matches among the newest ids, scaled to all
    sample = _capped_count(session, _text_ids(f.text, window), TEXT_SAMPLE)
    matches = sample * (hi - lo + 1) / (window[1] - window[0] + 1)
    if rows is None:  # a page in index order: about (offset + limit) × clips / matches rows read
        rows = (f.offset + (f.limit or 0)) * (hi - lo + 1) / max(matches, 1)
    return matches > ROW_CHECK_RATIO * rows


def _capped_count(session: Session, q: Select, cap: int) -> int:
    return int(session.scalar(select(func.count()).select_from(q.limit(cap).subquery())) or 0)


def _text_check(text: str):
    """``text`` (ASCII, three characters or more) in a clip's name, tape name, scene or notes, checked on the
    clip's row, exactly as the trigram index answers: on a row whose four columns are ASCII that answer is
    ``LIKE`` (both fold ASCII case alone); a row with other characters (which the index folds by Unicode)
    asks the index for its own id. Two ASCII characters: ``LIKE`` alone, their answer on any row."""
    pat = _like(text)
    cols = (Clip.name, Clip.tape_name, Clip.scene, Clip.notes)
    like = or_(*(c.like(pat, escape="\\") for c in cols))
    if _is_pair(text):
        return like
    non_ascii = or_(*(func.length(c) != func.length(cast(c, LargeBinary)) for c in cols))  # chars vs bytes
    in_index = exists(select(literal_column("1")).select_from(table("clip_search")).where(
        literal_column("clip_search").op("MATCH")(bindparam("fts_row_q", fts_phrase(text))),
        literal_column("rowid") == Clip.id))
    return or_(like, and_(non_ascii, in_index))


#: Free text with more matches than this never drives a query with other conditions (reading each match's
#: row costs more than checking the others' rows against the list of matches).
TEXT_DRIVES = 5_000


def _text_drives(session: Session, f: ClipFilter, conds: list, within: tuple[int, int] | None) -> bool:
    """Whether the text's matches (at most :data:`TEXT_DRIVES`) are no more than the other conditions'."""
    text_n = session.scalar(select(func.count()).select_from(
        _text_ids(f.text, within).limit(TEXT_DRIVES + 1).subquery())) or 0
    if text_n > TEXT_DRIVES:
        return False
    others = select(func.count()).select_from(select(Clip.id).where(*conds).limit(text_n + 1).subquery())
    return text_n <= (session.scalar(others) or 0)


def _text_condition(session: Session, text: str, driven_by_others: bool = False,
                    within: tuple[int, int] | None = None):
    # a pair on rows read anyway (others' or a range's): LIKE is its answer, cheaper than its list of matches
    pair_on_rows = _is_pair(text) and (within is not None or driven_by_others)
    if _uses_fts(session, text) and not pair_on_rows:
        if driven_by_others:  # ``clips.id + 0`` is no index: SQLite checks rows against the list of matches
            return (Clip.id + literal_column("0")).in_(_text_ids(text, within))
        return Clip.id.in_(_text_ids(text, within))
    pat = _like(text)  # one or two characters: a scan (they match most of a catalog anyway), or rows read anyway
    if session.get_bind().dialect.name == "sqlite":  # LIKE folds ASCII case as lower() does, without the calls
        return or_(*(c.like(pat, escape="\\") for c in (Clip.name, Clip.tape_name, Clip.scene, Clip.notes)))
    return or_(Clip.name.ilike(pat, escape="\\"), Clip.tape_name.ilike(pat, escape="\\"),
               Clip.scene.ilike(pat, escape="\\"), Clip.notes.ilike(pat, escape="\\"))


def _joined(q: Select) -> Select:
    return q.join(Card, Card.id == Clip.card_id).outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)


def page_query(session: Session, f: ClipFilter, cards: Sequence[int] | None = None,
               in_order: bool = False) -> Select:
    """The ``SELECT`` of one page of ``f`` (``cards``: only clips of those cards; ``in_order``: the
    conditions marked as matching most rows, so SQLite reads the sort column's index in order and stops
    after the page). Raises ``ValueError`` for an unknown ``f.order``."""
    cols = [*Clip.__table__.c, Card.label.label("card_label"), Card.camera.label("card_camera"),
            ShootDay.day.label("day")]
    if cards is None:
        conds = _where_conditions(f, session, ordered=f.order in ORDER_COLUMNS and f.limit is not None)
        if in_order and conds and session.get_bind().dialect.name == "sqlite":
            conds = [func.likelihood(and_(*conds), literal_column("0.9"))]  # a constant, never a parameter
        q = _joined(select(*cols)).where(*conds)
    else:  # the cards' clips: by the card index, or by a condition's index sought to the cards' ids
        within = _id_range(session, cards)
        q = _joined(select(*cols)).where(Clip.card_id.in_(list(cards)), Clip.id.between(*within),
                                         *_all_conditions(f, session, within))
    q = _ordered(q, f)
    if f.offset:
        q = q.offset(f.offset)
    if f.limit is not None:
        q = q.limit(f.limit)
    return q


def _ordered(q: Select, f: ClipFilter) -> Select:
    if f.order:
        col = ORDER_COLUMNS.get(f.order)
        if col is None:
            raise ValueError(f"cannot sort by {f.order!r} (choose from {', '.join(ORDER_COLUMNS)})")
        return q.order_by((col.desc() if f.descending else col.asc()).nulls_last(), Clip.id)
    return q.order_by(ShootDay.day, Clip.card_id, Clip.start_frame.asc().nulls_last(), Clip.name, Clip.id)


def _sorted_page(session: Session, f: ClipFilter) -> list[Row]:
    """A page sorted by a ``clips`` column (migration 0016 gives each an index in either direction). A
    filter matching at least :data:`WALK_FROM` clips reads that index in order, its conditions checked on
    the way (else the matches are sorted); an unfiltered page past the first finds its ids in the index
    alone (no row read for the rows skipped), then reads their rows."""
    if count_clips(session, f, cap=WALK_FROM) < WALK_FROM:
        return list(session.execute(page_query(session, f)))
    unfiltered = f == ClipFilter(order=f.order, descending=f.descending, offset=f.offset, limit=f.limit)
    if not (unfiltered and f.offset):
        return list(session.execute(page_query(session, f, in_order=True)))
    ids = list(session.scalars(_ordered(select(Clip.id), f).offset(f.offset).limit(f.limit)))
    rows = {r.id: r for r in session.execute(page_query(session, ClipFilter(ids=ids)))}
    return [rows[i] for i in ids if i in rows]


#: A page in an order that starts with the card — the default (day, card, start, name), by card label, by
#: day — of a filter matching at least this many clips walks the cards in that order and sorts only the
#: clips of the cards the page falls on, instead of sorting every match (these orders span joined tables,
#: so no index gives them).
WALK_FROM = 20_000
WALK_BATCH = 256  # at most this many cards counted per query while walking (the first query counts 4)
#: A filtered walk to a page past this offset counts the matches of every card in one ``GROUP BY`` over
#: the filter's index instead of card batch after card batch (each reading every clip of its cards).
WALK_DEEP = 10_000
CARD_ORDERS = (None, "card", "day")  # the orders a walk gives: by card (default), by card label, by day


def query_clips(session: Session, f: ClipFilter) -> list[Row]:
    """One page of clips matching ``f`` as plain rows: every ``clips`` column plus ``card_label``,
    ``card_camera`` and ``day`` (no ORM objects: a page of 200 loads in a few ms). Raises ``ValueError`` for
    an unknown ``f.order``."""
    if f.limit is not None and f.ids is None and f.order not in CARD_ORDERS:
        return _sorted_page(session, f)
    if (f.order not in CARD_ORDERS or f.limit is None or f.ids is not None
            or _fewer_than(session, f, WALK_FROM)):
        return list(session.execute(page_query(session, f)))
    cards, skip = _cards_of_page(session, f)
    if not cards:
        return []
    return list(session.execute(page_query(session, dataclasses.replace(f, offset=skip), cards)))


def _fewer_than(session: Session, f: ClipFilter, n: int) -> bool:
    """Whether ``f`` surely matches fewer than ``n`` clips (a walk serves any filter; it pays off with many
    matches). Free text with other conditions: when the text or the others alone match fewer (their counts
    read only index entries), else no (the exact count would check every row of the others)."""
    if not (f.text and _uses_fts(session, f.text) and _conditions(f)):
        return count_clips(session, f, cap=n) < n
    text = dataclasses.replace(ClipFilter(), text=f.text)
    others = dataclasses.replace(f, text=None, order=None, descending=False, offset=0, limit=None)
    return count_clips(session, text, cap=n) < n or count_clips(session, others, cap=n) < n


def _card_only(f: ClipFilter) -> bool:
    """Whether ``f`` has no condition but on the card (day, card, camera layout): its counts are the cards'."""
    return dataclasses.replace(f, day=None, card_label=None, camera_kind=None, card_id=None, order=None,
                               descending=False, offset=0, limit=None) == ClipFilter()


def _card_groups(session: Session, f: ClipFilter) -> Iterator[list[int]]:
    """The cards ``f`` allows, in the order of ``f.order`` (one of :data:`CARD_ORDERS`), as groups of cards
    whose clips sort together: one card each in the default order; the cards of one label, or of one day,
    whose clips then sort by id. Read lazily (a walk that stops early reads few rows); close it after."""
    q = select(Card.id, Card.label, ShootDay.day).outerjoin(ShootDay, ShootDay.id == Card.shoot_day_id)
    q = q.where(*_card_conditions(f))
    if f.card_id is not None:
        q = q.where(Card.id == f.card_id)
    col = {"card": Card.label, "day": ShootDay.day}.get(f.order)
    if col is None:
        result = session.execute(q.order_by(ShootDay.day, Card.id))
    else:
        result = session.execute(q.order_by((col.desc() if f.descending else col.asc()).nulls_last(), Card.id))
    try:
        group: list[int] = []
        last = object()
        for cid, label, day in result:
            key = cid if col is None else label if f.order == "card" else day
            if group and key != last:
                yield group
                group = []
            group.append(cid)
            last = key
        if group:
            yield group
    finally:
        result.close()  # a walk that stopped early leaves no statement open on the connection


def _cards_query(f: ClipFilter) -> Select:
    """``SELECT`` of the ids of the cards ``f`` allows (its day, card label, camera layout and card id)."""
    q = _card_ids(*_card_conditions(f))
    return q.where(Card.id == f.card_id) if f.card_id is not None else q


def _card_ids_of(session: Session, f: ClipFilter) -> list[int]:
    return list(session.scalars(_cards_query(f)))


def _id_range(session: Session, cards: Sequence[int]) -> tuple[int, int]:
    """The lowest and highest clip id of ``cards`` (their index entries): a text search reads only its
    matches in that range, and an index on a filter's equalities (which ends in the rowid) seeks into it
    instead of reading every clip of that value. Exact either way: the cards are still checked."""
    lo, hi = session.execute(select(func.min(Clip.id), func.max(Clip.id)).where(Clip.card_id.in_(list(cards)))
                             ).one()
    return (lo, hi) if lo is not None else (0, -1)


def _counts_of_cards(session: Session, f: ClipFilter, cards: Sequence[int]) -> dict[int, int]:
    """``{card id: matches of f}`` for ``cards`` (a card without a match is left out): by the card index, the
    other conditions checked on the cards' clips, the text's matches read for their range of ids only."""
    within = _id_range(session, cards)  # lets an index on the filter's equalities seek to the cards' ids
    conds = [Clip.id.between(*within), *_all_conditions(f, session, within)]
    q = select(Clip.card_id, func.count()).where(Clip.card_id.in_(list(cards)), *conds).group_by(Clip.card_id)
    return dict(session.execute(q).all())


def _counts_of_every_card(session: Session, f: ClipFilter) -> dict[int, int] | None:
    """``{card id: matches of f}`` of every card at once, or ``None`` where a walk counts better batch by
    batch: the maintained ``clip_card_counts`` for a filter on cards alone, ``clip_card_values`` for one on a
    counted column (and the cards), one ``GROUP BY`` driven by the filter's own index for a page past
    :data:`WALK_DEEP`."""
    if _card_only(f) and _has_totals(session):
        return dict(session.execute(select(literal_column("card_id"), literal_column("clips"))
                                    .select_from(table("clip_card_counts"))).all())
    value = _value_condition(f) if _has_totals(session) else None
    if value is not None:
        per_card = select(CARD_VALUES.c.card_id, func.sum(CARD_VALUES.c.clips)).where(*value)
        return dict(session.execute(per_card.group_by(CARD_VALUES.c.card_id)).all())
    if f.offset < WALK_DEEP:
        return None
    per_card = _where(select(Clip.card_id, func.count()), f, session).group_by(Clip.card_id)
    return dict(session.execute(per_card).all())


#: Clip counts per card and value of the few-valued columns (migration 0018, SQLite only, kept by triggers).
CARD_VALUES = table("clip_card_values", column("field"), column("value"), column("card_id"), column("clips"))
#: The ``ClipFilter`` conditions ``clip_card_values`` counts: attribute → the column's name there.
VALUE_FIELDS = {"camera": "camera", "take": "take", "circled": "circled", "flagged": "flagged",
                "min_rating": "rating", "kind": "kind", "probe_status": "probe_status"}


def _value_condition(f: ClipFilter) -> list | None:
    """The conditions on ``clip_card_values`` giving, per card, the matches of ``f`` when ``f`` has one
    condition on a counted column (:data:`VALUE_FIELDS`) and none but on the card besides; else ``None``."""
    given = {a: getattr(f, a) for a in VALUE_FIELDS}
    active = [a for a, v in given.items() if v is not None and (v or a in ("circled", "flagged", "take"))]
    if len(active) != 1 or not _card_only(dataclasses.replace(f, **dict.fromkeys(VALUE_FIELDS))):
        return None
    attr = active[0]
    value = {"camera": lambda v: v.upper(), "circled": int, "flagged": int}.get(attr, lambda v: v)(given[attr])
    col = CARD_VALUES.c.value
    return [CARD_VALUES.c.field == VALUE_FIELDS[attr], col >= value if attr == "min_rating" else col == value]


def _cards_of_page(session: Session, f: ClipFilter) -> tuple[list[int], int]:
    """The cards, in the order of ``f.order`` (one of :data:`CARD_ORDERS`), that page ``f`` falls on (whole
    groups of :func:`_card_groups`), and how many of their matches come before the page: per-card counts
    of the matches, group after group from the first (counted a batch of cards at a time, or all at once)."""
    ranked = _cards_by_rank(session, f)
    if ranked is not None:
        return ranked
    counts = _counts_of_every_card(session, f)
    groups = _card_groups(session, f)
    try:
        return _walk(session, f, groups, counts)
    finally:
        groups.close()


def _cards_by_rank(session: Session, f: ClipFilter) -> tuple[list[int], int] | None:
    """:func:`_cards_of_page` of free text alone deep in the default order, from the text's matches in id
    order, when every card's clip-id range (``clip_card_counts.lo``/``hi``, migration 0018) comes after the
    previous card's in that order: the match at ``f.offset`` in id order is in the page's first card, and the
    matches before it in that card are the page's skip. ``None`` where that does not hold."""
    if not (f.order is None and f.offset >= WALK_DEEP and f.text and _uses_fts(session, f.text)
            and f == ClipFilter(text=f.text, offset=f.offset, limit=f.limit)):
        return None
    kept = session.execute(select(literal_column("card_id"), literal_column("lo"), literal_column("hi"))
                           .select_from(table("clip_card_counts")).where(literal_column("clips") > 0))
    ranges = {card: (lo, hi) for card, lo, hi in kept}
    groups = _card_groups(session, f)
    try:
        cards = [g[0] for g in groups if g[0] in ranges]  # the default order: a card a group
    finally:
        groups.close()
    if any(ranges[c][0] is None for c in cards) or any(
            ranges[a][1] >= ranges[b][0] for a, b in itertools.pairwise(cards)):
        return None
    rank = session.scalar(_text_ids(f.text).order_by(literal_column("rowid")).offset(f.offset).limit(1))
    if rank is None:
        return [], 0
    at = bisect.bisect_right([ranges[c][0] for c in cards], rank) - 1
    skip = _capped_count(session, _text_ids(f.text, (ranges[cards[at]][0], rank - 1)), f.offset + 1)
    return _walk(session, dataclasses.replace(f, offset=skip), iter([c] for c in cards[at:]), None)


def _walk(session: Session, f: ClipFilter, groups: Iterator[list[int]],
          counts: dict[int, int] | None) -> tuple[list[int], int]:
    """The walk of :func:`_cards_of_page` over ``groups``, with ``counts`` of every card or counting ahead."""
    known, size, ahead = counts or {}, min(4, WALK_BATCH), []
    skip, run, covered = f.offset, [], 0
    while True:
        if not ahead:
            ahead = list(itertools.islice(groups, 1)) if counts is not None else _count_ahead(session, f, groups,
                                                                                            size, known)
            size = min(size * 2, WALK_BATCH)
            if not ahead:
                return run, skip
        group = ahead.pop(0)
        n = sum(known.get(card, 0) for card in group)
        if not run and skip >= n:
            skip -= n
            continue
        run.extend(group)
        covered += n
        if covered - skip >= (f.limit or 0):
            return run, skip


def _count_ahead(session: Session, f: ClipFilter, groups: Iterator[list[int]], size: int,
                 known: dict[int, int]) -> list[list[int]]:
    """The next groups, up to ``size`` cards (whole groups), with their cards' matches counted into ``known``."""
    ahead, cards = [], []
    for group in groups:
        ahead.append(group)
        cards.extend(group)
        if len(cards) >= size:
            break
    if cards:
        known.update(_counts_of_cards(session, f, cards))
    return ahead


def count_query(session: Session, f: ClipFilter, cap: int | None = None) -> Select:
    """The ``SELECT`` of :func:`count_clips`: on ``clips`` alone (no join); free text alone counts the
    search index's matches; conditions on the card alone add up the cards' maintained counts; ``cap`` stops
    counting after that many rows."""
    only_text = f.text and _uses_fts(session, f.text) and f == ClipFilter(
        text=f.text, order=f.order, descending=f.descending, offset=f.offset, limit=f.limit)
    value = _value_condition(f) if _has_totals(session) else None
    if value is not None:  # one counted column: its cards' maintained counts added up
        if _card_conditions(f) or f.card_id is not None:
            value.append(CARD_VALUES.c.card_id.in_(_cards_query(f)))
        return select(func.coalesce(func.sum(CARD_VALUES.c.clips), 0)).where(*value)
    if _card_only(f) and _has_totals(session):
        unfiltered = f == ClipFilter(order=f.order, descending=f.descending, offset=f.offset, limit=f.limit)
        if unfiltered:
            return select(literal_column("clips")).select_from(table("clip_totals"))  # kept by triggers
        return select(func.coalesce(func.sum(literal_column("clips")), 0)).select_from(
            table("clip_card_counts")).where(literal_column("card_id").in_(_cards_query(f)))  # kept by triggers
    if cap is None and not only_text:
        return _where(select(func.count(Clip.id)), f, session)
    inner = _text_ids(f.text) if only_text else _where(select(Clip.id), f, session)
    if cap is not None:
        inner = inner.limit(cap)
    return select(func.count()).select_from(inner.subquery())


def _has_totals(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def count_clips(session: Session, f: ClipFilter, cap: int | None = None) -> int:
    """How many clips match ``f`` (ignoring offset/limit); with ``cap``, at most ``cap`` (``cap`` means "that
    many or more")."""
    n = int(session.scalar(count_query(session, f, cap)) or 0)
    return n if cap is None else min(n, cap)


def thumbnail_paths_for(session: Session, clip_ids: Sequence[int]) -> dict[int, list[str]]:
    """``{clip id: [thumbnail path, …]}`` in position order."""
    out: dict[int, list[str]] = {}
    if not clip_ids:
        return out
    rows = session.execute(select(ClipThumbnail.clip_id, ClipThumbnail.path)
                           .where(ClipThumbnail.clip_id.in_(list(clip_ids)))
                           .order_by(ClipThumbnail.clip_id, ClipThumbnail.position))
    for clip_id, path in rows:
        out.setdefault(clip_id, []).append(path)
    return out


def clips_of_card(session: Session, card_id: int) -> dict[str, Clip]:
    """``{key: Clip}`` of a card."""
    return {c.key: c for c in session.scalars(select(Clip).where(Clip.card_id == card_id))}


def files_of_card(session: Session, card_id: int) -> list[File]:
    return list(session.scalars(select(File).where(File.card_id == card_id, File.problem.is_(None))
                                .order_by(File.relpath_raw)))


def links_of_card(session: Session, card_id: int) -> list[ClipFile]:
    return list(session.scalars(select(ClipFile).join(Clip, Clip.id == ClipFile.clip_id)
                                .where(Clip.card_id == card_id)))


def clip_files(session: Session, clip_id: int) -> list[tuple[ClipFile, File]]:
    """The clip's files with their links, media first then by role and position."""
    order = {"media": 0, "segment": 1, "proxy": 2, "sidecar": 3, "thumbnail": 4}
    rows = list(session.execute(select(ClipFile, File).join(File, File.id == ClipFile.file_id)
                                .where(ClipFile.clip_id == clip_id)))
    rows.sort(key=lambda r: (order.get(r[0].role, 9), r[0].position, r[1].relpath_raw))
    return [(link, f) for link, f in rows]


def fully_verified_destinations(session: Session, card_id: int) -> list[Destination]:
    """Destinations of a card on which every catalogued file of the card is ``verified``, required ones first."""
    total = session.scalar(select(func.count(File.id)).where(File.card_id == card_id, File.problem.is_(None))) or 0
    if total == 0:
        return []
    counts = dict(session.execute(
        select(Copy.destination_id, func.count(Copy.id))
        .join(File, File.id == Copy.file_id)
        .where(File.card_id == card_id, Copy.state == CopyState.VERIFIED.value)
        .group_by(Copy.destination_id)).all())
    dests = session.scalars(select(Destination).where(Destination.card_id == card_id).order_by(Destination.id))
    good = [d for d in dests if counts.get(d.id, 0) >= total]
    return sorted(good, key=lambda d: (not d.required, d.id))


def day_clips(session: Session, shoot_day_id: int) -> list[tuple[Clip, str]]:
    """Every clip of a shoot day with timing known, with its media file name: ``(clip, media file name)``."""
    rows = session.execute(
        select(Clip, File.relpath)
        .join(Card, Card.id == Clip.card_id)
        .join(ClipFile, and_(ClipFile.clip_id == Clip.id, ClipFile.role == "media"))
        .join(File, File.id == ClipFile.file_id)
        .where(Card.shoot_day_id == shoot_day_id, Clip.start_frame.is_not(None), Clip.fps_num.is_not(None),
               Clip.fps_den.is_not(None), Clip.frames.is_not(None)))
    return [(c, rel.rsplit("/", 1)[-1]) for c, rel in rows]


def find_by_name(session: Session, name: str, card_label: str | None = None) -> list[tuple[Clip, str]]:
    """Clips named exactly ``name`` (else by tape name), with their card label."""
    for col in (Clip.name, Clip.tape_name):
        q = select(Clip, Card.label).join(Card, Card.id == Clip.card_id).where(col == name)
        if card_label is not None:
            q = q.where(Card.label == card_label)
        rows = [(c, label) for c, label in session.execute(q.order_by(Clip.id))]
        if rows:
            return rows
    return []


def existing_ids(session: Session, clip_ids: Iterable[int]) -> set[int]:
    ids = list(clip_ids)
    if not ids:
        return set()
    return set(session.scalars(select(Clip.id).where(Clip.id.in_(ids))))


def facet_values(session: Session) -> dict[str, list]:
    """The distinct non-null values of the clip filters, unsorted: ``days`` (``date`` of the clips' shoot
    days), ``cameras``, ``reels``, ``scenes``, ``takes`` (five small indexed ``SELECT DISTINCT``)."""
    def distinct(col, *joins) -> list:
        q = select(col).select_from(Clip)
        for target, on in joins:
            q = q.join(target, on)
        return [v for (v,) in session.execute(q.where(col.is_not(None)).distinct())]

    return {"days": distinct(ShootDay.day, (Card, Card.id == Clip.card_id),
                             (ShootDay, ShootDay.id == Card.shoot_day_id)),
            "cameras": distinct(Clip.camera), "reels": distinct(Clip.reel), "scenes": distinct(Clip.scene),
            "takes": distinct(Clip.take)}


def set_fields(session: Session, clip_ids: Sequence[int], values: dict) -> int:
    """Set the same column ``values`` on every clip in ``clip_ids`` (one ``UPDATE``); returns the rows changed."""
    res = session.execute(update(Clip).where(Clip.id.in_(list(clip_ids))).values(**values))
    return int(res.rowcount or 0)


def thumbnails_of_card(session: Session, card_id: int) -> list[ClipThumbnail]:
    """Every cached thumbnail row of the clips of a card."""
    return list(session.scalars(select(ClipThumbnail).join(Clip, Clip.id == ClipThumbnail.clip_id)
                                .where(Clip.card_id == card_id)))


def delete_thumbnail_rows(session: Session, thumbnail_ids: Sequence[int]) -> None:
    session.execute(delete(ClipThumbnail).where(ClipThumbnail.id.in_(list(thumbnail_ids))))


def media_names(session: Session, clip_ids: Sequence[int]) -> dict[int, str]:
    """Clip id → file name of its media (the first media file, else the first span segment)."""
    out: dict[int, str] = {}
    if not clip_ids:
        return out
    rows = session.execute(select(ClipFile.clip_id, ClipFile.role, ClipFile.position, File.relpath)
                           .join(File, File.id == ClipFile.file_id)
                           .where(ClipFile.clip_id.in_(list(clip_ids)), ClipFile.role.in_(MEDIA_ROLES))
                           .order_by(ClipFile.clip_id, ClipFile.role, ClipFile.position, File.relpath))
    for clip_id, _role, _pos, rel in rows:  # "media" sorts before "segment"
        out.setdefault(clip_id, rel.rsplit("/", 1)[-1])
    return out


def sample_rates(session: Session, clip_ids: Sequence[int]) -> dict[int, int]:
    """Clip id → audio sample rate in Hz, for the clips that have one."""
    if not clip_ids:
        return {}
    rows = session.execute(select(Clip.id, Clip.sample_rate).where(Clip.id.in_(list(clip_ids))))
    return {i: r for i, r in rows if r}


def day_sound_takes(session: Session, shoot_day_id: int) -> list[tuple[str, str | None, str | None, str]]:
    """Every sound take of a shoot day as ``(media file name, tape name, reel, card label)``."""
    rows = session.execute(select(File.relpath, Clip.tape_name, Clip.reel, Card.label)
                           .join(ClipFile, ClipFile.file_id == File.id).join(Clip, Clip.id == ClipFile.clip_id)
                           .join(Card, Card.id == Clip.card_id)
                           .where(Card.shoot_day_id == shoot_day_id, Clip.kind == ClipKind.AUDIO,
                                  ClipFile.role == ClipFileRole.MEDIA))
    return [(rel.rsplit("/", 1)[-1], tape, reel, label) for rel, tape, reel, label in rows]


__all__ = [
    "LOGGER_FIELDS",
    "MEDIA_ROLES",
    "ORDER_COLUMNS",
    "ClipFilter",
    "clip_files",
    "clips_of_card",
    "count_clips",
    "count_query",
    "day_clips",
    "day_sound_takes",
    "delete_thumbnail_rows",
    "existing_ids",
    "facet_values",
    "files_of_card",
    "find_by_name",
    "fully_verified_destinations",
    "links_of_card",
    "fts_phrase",
    "media_names",
    "page_query",
    "query_clips",
    "sample_rates",
    "set_fields",
    "thumbnail_paths_for",
    "thumbnails_of_card",
]
