"""The clip browser's queries at show scale (migrations 0017 and 0018, store.clips_repo) give what a plain
reading of the filter gives: for random filters, sort orders and pages over a few thousand random clips, the
page and the count equal those of a straightforward reference (every clip read, filtered and sorted in Python
the way SQL orders: NULL last in a sorted column, ties by id; the default order day (no day first), card,
start, name, id), whichever way the page is found (one sorted query, cards walked batch by batch, every card
counted at once, the cards' maintained counts, the counts per card and filter value, free text checked on
each row read, a deep text page found from the text's matches in id order). The kept counts follow inserts,
deletes, moves and logger edits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, text, update

from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.store import clips_repo
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Card, Clip, Project, ShootDay

DAYS = [dt.date(2026, 11, 2) + dt.timedelta(days=i) for i in range(5)]
LABELS = ["A001", "A002", "B001", "B002", "S001", "A001"]  # one label on two cards: they sort together
#: "\u212a" is the Kelvin sign: the trigram index (and Python) fold it to "k", LIKE does not.
NOTES = [None, "boom in shot", "soft focus", "great", "Boom again", "so so", "\u212aelvin boom"]
NEEDLES = ["boom", "BOOM", "C01", "c011_", "A002", "soft", "so", "oo", "R1", "zzz", "1A", "kel"]
N_CLIPS = 2500


def _maybe(rng: random.Random, value, p_none: float = 0.15):
    return None if rng.random() < p_none else value


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    path: Path = tmp_path_factory.mktemp("scale") / "c.sqlite"
    rng = random.Random(20)
    catalog = open_catalog(path)
    with catalog.session() as s:
        project = Project(name="Show")
        s.add(project)
        s.flush()
        days = [ShootDay(project_id=project.id, day=d) for d in DAYS]
        s.add_all(days)
        s.flush()
        cards = []
        for i in range(30):  # a few cards without a day, labels repeating
            kind = ("arri", "sony", "red", "sound")[i % 4]
            cards.append(Card(label=f"{LABELS[i % len(LABELS)]}_{i % 7}", camera=kind, reel=f"R{i % 9:03d}",
                              quick_fingerprint=f"{i:032x}", source_path=f"/c/{i}",
                              shoot_day_id=None if i % 11 == 5 else days[rng.randrange(len(days))].id))
        s.add_all(cards)
        s.flush()
        rows = []
        for n in range(N_CLIPS):  # clips of the cards interleaved: a card's ids are no contiguous range
            card = cards[rng.randrange(len(cards))]
            rows.append({
                "card_id": card.id, "key": f"k{n}", "name": f"{card.label[:4]}C{n % 97:03d}_{n}",
                "kind": "audio" if card.camera == "sound" else "video",
                "tape_name": _maybe(rng, f"{card.reel}T{n % 13}"), "reel": _maybe(rng, card.reel),
                "probe_status": rng.choice(["ok", "ok", "failed", "partial"]),
                "codec": _maybe(rng, rng.choice(["prores", "dnxhd", "h264"])),
                "frames": _maybe(rng, rng.randrange(1, 60)), "start_frame": _maybe(rng, rng.randrange(0, 40)),
                "scene": _maybe(rng, f"{rng.randrange(1, 6)}{rng.choice(['', 'A'])}"),
                "take": _maybe(rng, str(rng.randrange(1, 5))), "camera": _maybe(rng, rng.choice("ABC")),
                "notes": rng.choice(NOTES), "circled": rng.random() < 0.3, "rating": rng.randrange(0, 6),
                "flagged": rng.random() < 0.1, "metadata_json": "{}", "thumbnail_status": "ok",
                "drop_frame": False, "created_at": dt.datetime.now(dt.UTC)})
        s.execute(insert(Clip), rows)
        ids = list(s.scalars(select(Clip.id)))
        s.execute(delete(Clip).where(Clip.id.in_(rng.sample(ids, 60))))  # counts and ranges after deletes
        s.execute(update(Clip).where(Clip.id.in_(rng.sample(ids, 40))).values(card_id=cards[3].id))  # moved
        s.commit()
    yield catalog
    catalog.close()


@pytest.fixture(scope="module")
def everything(catalog) -> list:
    with catalog.session() as s:
        return list(clips_repo.query_clips(s, ClipFilter(order="id")))


def _contains(r, needle: str) -> bool:
    return any(needle.lower() in (v or "").lower() for v in (r.name, r.tape_name, r.scene, r.notes))


def _matches(r, f: ClipFilter) -> bool:
    checks = (
        (f.day, lambda: r.day == f.day), (f.card_label, lambda: r.card_label == f.card_label),
        (f.camera_kind, lambda: r.card_camera == f.camera_kind), (f.card_id, lambda: r.card_id == f.card_id),
        (f.camera, lambda: r.camera == f.camera), (f.reel, lambda: f.reel in (r.reel, r.tape_name)),
        (f.scene, lambda: r.scene == f.scene), (f.take, lambda: r.take == f.take),
        (f.circled, lambda: bool(r.circled) == f.circled), (f.flagged, lambda: bool(r.flagged) == f.flagged),
        (f.min_rating, lambda: r.rating >= f.min_rating), (f.kind, lambda: r.kind == f.kind),
        (f.text, lambda: _contains(r, f.text)),
    )
    return all(want is None or ok() for want, ok in checks)


COLUMN = {"name": "name", "tape_name": "tape_name", "reel": "reel", "start": "start_frame", "frames": "frames",
          "scene": "scene", "take": "take", "camera": "camera", "rating": "rating", "circled": "circled",
          "flagged": "flagged", "codec": "codec", "status": "probe_status", "card": "card_label", "day": "day",
          "id": "id"}


def reference(rows: list, f: ClipFilter) -> list[int]:
    """The ids of page ``f`` by reading every clip: SQLite's order (NULL first ascending, so "no day" first
    in the default order; a sorted column puts NULL last either way, ties by id)."""
    hit = [r for r in rows if _matches(r, f)]
    if f.order is None:
        hit.sort(key=lambda r: (r.day is not None, r.day or dt.date.min, r.card_id, r.start_frame is None,
                                r.start_frame or 0, r.name, r.id))
    else:
        col = COLUMN[f.order]
        hit.sort(key=lambda r: r.id)
        hit.sort(key=lambda r: (getattr(r, col) is None, getattr(r, col) if getattr(r, col) is not None else 0),
                 reverse=False)
        if f.descending:
            nulls = [r for r in hit if getattr(r, col) is None]
            values = sorted((r for r in hit if getattr(r, col) is not None),
                            key=lambda r: (_neg(getattr(r, col)), r.id))
            hit = values + nulls
    ids = [r.id for r in hit]
    return ids[f.offset:] if f.limit is None else ids[f.offset:f.offset + f.limit]


class _neg:  # noqa: N801 - a key that sorts its value descending
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v

    def __lt__(self, other: _neg) -> bool:
        return other.v < self.v

    def __eq__(self, other) -> bool:
        return self.v == other.v


def _filters(rows_card_ids: list[int]):
    return st.builds(
        ClipFilter,
        day=st.sampled_from([None, None, *DAYS]), camera=st.sampled_from([None, None, "A", "B"]),
        card_label=st.sampled_from([None, None, None, "A001_0", "B001_2"]),
        camera_kind=st.sampled_from([None, None, None, "sony", "sound"]),
        card_id=st.sampled_from([None] * 6 + rows_card_ids[:3]),
        reel=st.sampled_from([None, None, None, "R003"]), scene=st.sampled_from([None, None, "2", "3A"]),
        take=st.sampled_from([None, None, "1", "3"]), circled=st.sampled_from([None, None, True, False]),
        flagged=st.sampled_from([None, None, None, True]), min_rating=st.sampled_from([None, None, 0, 1, 4]),
        kind=st.sampled_from([None, None, None, "audio"]), text=st.sampled_from([None, None, *NEEDLES]),
        order=st.sampled_from([None, None, None, *clips_repo.ORDER_COLUMNS]), descending=st.booleans(),
        offset=st.sampled_from([0, 0, 1, 7, 150, 600, 1500, 2400]), limit=st.sampled_from([1, 7, 200, None]))


#: How a page is found: the production thresholds (small filters: one sorted query), then walks forced on
#: every filter (batches of 2–3 cards; every card counted at once from the first or a later offset); with
#: every card at once, frequent text (> 10 matches) never drives, so it is checked row by row where it can be.
WALKS = [{}, {"WALK_FROM": 1, "WALK_BATCH": 2, "WALK_DEEP": 10**9},
         {"WALK_FROM": 1, "WALK_BATCH": 3, "WALK_DEEP": 0, "TEXT_DRIVES": 10},
         {"WALK_FROM": 1, "WALK_BATCH": 256, "WALK_DEEP": 100}]


@pytest.mark.parametrize("walk", WALKS, ids=["as shipped", "batches of 2", "all cards at once", "deep from 100"])
def test_every_filter_sort_and_page_equals_the_reference(catalog, everything, walk: dict) -> None:
    card_ids = sorted({r.card_id for r in everything})

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
              derandomize=True)
    @given(f=_filters(card_ids))
    def check(f: ClipFilter) -> None:
        with ExitStack() as stack:
            for name, value in walk.items():
                stack.enter_context(mock.patch.object(clips_repo, name, value))
            got = [r.id for r in clips.list_clips(catalog, f)]
            total = clips.count_clips(catalog, f)
        want = reference(everything, f)
        assert got == want, f
        assert total == len(reference(everything, dataclasses.replace(f, offset=0, limit=None))), f

    check()


@pytest.mark.parametrize("order", [None, "card", "day", "rating", "circled", "take", "codec", "start", "scene"])
@pytest.mark.parametrize("descending", [False, True])
def test_pages_back_to_back_are_the_whole_sorted_list(catalog, everything, order, descending) -> None:
    f = ClipFilter(order=order, descending=descending)
    whole = reference(everything, f)
    with mock.patch.object(clips_repo, "WALK_FROM", 1), mock.patch.object(clips_repo, "WALK_DEEP", 700):
        pages = [[r.id for r in clips.list_clips(catalog, dataclasses.replace(f, offset=o, limit=200))]
                 for o in range(0, len(whole), 200)]
    assert [i for p in pages for i in p] == whole


def _card_counts(catalog) -> tuple[dict, dict]:
    with catalog.session() as s:
        kept = dict(s.execute(text("SELECT card_id, clips FROM clip_card_counts WHERE clips > 0")).all())
        actual = dict(s.execute(text("SELECT card_id, count(*) FROM clips GROUP BY card_id")).all())
    return kept, actual


def _three_cards(s) -> list[Card]:
    """Three ARRI cards A000–A002, flushed (ids 1–3 in a new catalog)."""
    cards = [Card(label=f"A00{i}", camera="arri", reel=f"A00{i}", quick_fingerprint=f"{i:032x}",
                  source_path=f"/c/{i}") for i in range(3)]
    s.add_all(cards)
    s.flush()
    return cards


def test_card_counts_follow_inserts_deletes_moves_and_a_card_deleted(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "c.sqlite")
    with catalog.session() as s:
        cards = _three_cards(s)
        s.add_all([Clip(card_id=cards[i % 3].id, key=f"k{i}", name=f"c{i}") for i in range(30)])
        s.flush()
        s.execute(update(Clip).where(Clip.id <= 5).values(card_id=cards[2].id))
        s.execute(delete(Clip).where(Clip.id.in_([10, 11, 12])))
        s.commit()
        assert _card_counts(catalog)[0] == _card_counts(catalog)[1] == {1: 7, 2: 7, 3: 13}
        s.delete(s.get(Card, cards[2].id))  # its clips go by the cascade
        s.commit()
    kept, actual = _card_counts(catalog)
    assert kept == actual == {1: 7, 2: 7}
    assert clips.count_clips(catalog, ClipFilter(card_id=cards[0].id)) == 7
    assert clips.count_clips(catalog, ClipFilter(camera_kind="arri")) == 14
    catalog.close()


def test_sorted_pages_read_an_index_and_deep_unfiltered_pages_the_card_counts(catalog) -> None:
    with catalog.session() as s:
        def plan(q) -> str:
            compiled = q.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            return " | ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))

        for key in ("name", "tape_name", "reel", "start", "frames", "scene", "take", "camera", "rating",
                    "circled", "flagged", "codec", "status"):
            for desc in (False, True):
                got = plan(clips_repo.page_query(s, ClipFilter(order=key, descending=desc, limit=200)))
                assert got.startswith("SCAN clips USING INDEX ix_clips_"), got
                assert "TEMP B-TREE FOR ORDER BY" not in got, got  # never a sort of every clip
                few_valued = key in ("take", "camera", "rating", "circled", "flagged", "codec", "status")
                assert not (few_valued and "TEMP B-TREE" in got), (key, desc, got)
        with mock.patch.object(clips_repo, "_counts_of_cards", side_effect=AssertionError("counted clips")):
            assert clips_repo._cards_of_page(s, ClipFilter(offset=2000, limit=200))[0]


def _value_counts(catalog) -> tuple[dict, dict]:
    """``clip_card_values`` as kept (zero rows left out) and as counted from the clips now."""
    fields = ("camera", "take", "circled", "flagged", "rating", "kind", "probe_status")
    with catalog.session() as s:
        kept = {(f, v, c): n for f, v, c, n in s.execute(text(
            "SELECT field, value, card_id, clips FROM clip_card_values WHERE clips > 0"))}
        actual = {}
        for field in fields:
            actual.update({(field, v, c): n for v, c, n in s.execute(text(
                f"SELECT {field}, card_id, count(*) FROM clips WHERE {field} IS NOT NULL GROUP BY 1, 2"))})
    return kept, actual


def test_value_counts_follow_inserts_logger_edits_moves_and_deletes(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "c.sqlite")
    with catalog.session() as s:
        cards = _three_cards(s)
        s.add_all([Clip(card_id=cards[i % 3].id, key=f"k{i}", name=f"c{i}", camera="AB"[i % 2] if i % 5 else None,
                        take=str(i % 4) if i % 7 else None, rating=i % 6, circled=i % 3 == 0, flagged=i % 4 == 0,
                        kind="audio" if i % 9 == 0 else "video", probe_status="ok") for i in range(40)])
        s.flush()
        assert clips_repo.set_fields(s, [1, 2, 3, 4], {"circled": True, "rating": 5, "camera": "C"}) == 4
        clips_repo.set_fields(s, [5, 6], {"take": None, "camera": None})  # a value cleared: no longer counted
        s.execute(update(Clip).where(Clip.id.in_([7, 8])).values(probe_status="failed", card_id=cards[2].id))
        s.execute(update(Clip).where(Clip.id == 9).values(card_id=cards[0].id))  # moved, values unchanged
        s.execute(delete(Clip).where(Clip.id.in_([10, 11, 12])))
        s.commit()
        kept, actual = _value_counts(catalog)
        assert kept == actual and ("camera", "C", cards[0].id) in kept
        s.delete(s.get(Card, cards[1].id))  # its clips go by the cascade
        s.commit()
    kept, actual = _value_counts(catalog)
    assert kept == actual and not any(c == cards[1].id for _f, _v, c in kept)
    with catalog.session() as s:  # every card's clip-id range holds its clips (0018)
        ranges = s.execute(text("SELECT k.lo, k.hi, min(c.id), max(c.id) FROM clip_card_counts k "
                                "JOIN clips c ON c.card_id = k.card_id GROUP BY k.card_id")).all()
    assert len(ranges) == 2 and all(lo <= first and last <= hi for lo, hi, first, last in ranges), ranges
    assert clips.count_clips(catalog, ClipFilter(camera="c")) == 3  # cards 1 and 3 (clip 2 was on card 2)
    assert clips.count_clips(catalog, ClipFilter(min_rating=5, card_id=cards[0].id)) == actual.get(
        ("rating", 5, cards[0].id), 0)
    catalog.close()


def test_a_deep_page_of_one_counted_column_reads_the_value_counts_not_the_clips(catalog) -> None:
    f = ClipFilter(camera="B", offset=400, limit=50)
    with catalog.session() as s, \
            mock.patch.object(clips_repo, "_counts_of_cards", side_effect=AssertionError("counted clips")):
        assert clips_repo._cards_of_page(s, f)[0]
        compiled = clips_repo.count_query(s, f).compile(s.get_bind())
        assert "clip_card_values" in str(compiled) and "FROM clips" not in str(compiled)


@pytest.mark.parametrize("needle", ["kel", "KELVIN", "boom", "soft", "c01", "zzz"])
@pytest.mark.parametrize("others", [{}, {"scene": "2"}, {"camera": "A", "take": "1"}, {"circled": True, "min_rating": 4},
                                    {"day": DAYS[1], "flagged": False}, {"reel": "R003"}])
def test_frequent_text_checked_on_the_other_conditions_rows_equals_the_reference(catalog, everything, needle,
                                                                                  others) -> None:
    f = ClipFilter(text=needle, **others)
    calls = []
    real = clips_repo._text_check

    def spy(text_):
        calls.append(text_)
        return real(text_)

    pages = (ClipFilter(limit=200), ClipFilter(offset=3, limit=5), ClipFilter(order="scene", limit=50),
             ClipFilter(order="name", descending=True, offset=3, limit=5))
    for drives, page in itertools.product((clips_repo.TEXT_DRIVES, 10), pages):  # 10: the text never drives
        g = dataclasses.replace(f, offset=page.offset, limit=page.limit, order=page.order,
                                descending=page.descending)
        with mock.patch.object(clips_repo, "_text_check", side_effect=spy), \
                mock.patch.object(clips_repo, "TEXT_DRIVES", drives):
            got = [r.id for r in clips.list_clips(catalog, g)]
            total = clips.count_clips(catalog, g)
        assert got == reference(everything, g), g
        assert total == len(reference(everything, dataclasses.replace(g, offset=0, limit=None))), g
    few_others = len(reference(everything, ClipFilter(**others))) * clips_repo.ROW_CHECK_RATIO
    if others and "day" not in others and len(reference(everything, ClipFilter(text=needle))) > few_others:
        assert calls, f


def _ordered_catalog(path: Path):
    """Clips written card after card in the browser's default order (cards without a day first, then by day),
    as offloads write them: every card's clip ids follow the previous card's."""
    rng = random.Random(7)
    catalog = open_catalog(path)
    with catalog.session() as s:
        project = Project(name="Show")
        s.add(project)
        s.flush()
        days = [ShootDay(project_id=project.id, day=d) for d in DAYS]
        s.add_all(days)
        s.flush()
        for i, day in enumerate([None, None, *[d for d in days for _ in range(3)]]):
            card = Card(label=f"A{i:03d}", camera="arri", reel=f"A{i:03d}", quick_fingerprint=f"{i:032x}",
                        source_path=f"/c/{i}", shoot_day_id=day.id if day else None)
            s.add(card)
            s.flush()
            s.add_all([Clip(card_id=card.id, key=f"k{n}", name=f"A{i:03d}C{n:03d}", notes=rng.choice(NOTES),
                            start_frame=rng.randrange(0, 50), scene=f"{rng.randrange(1, 4)}")
                       for n in range(rng.randrange(0, 60))])
            s.flush()
        s.commit()
    return catalog


@pytest.mark.parametrize("needle", ["boom", "kel", "C01", "A00", "zzz"])
def test_deep_text_pages_found_by_the_matches_in_id_order_equal_the_reference(tmp_path: Path, needle) -> None:
    catalog = _ordered_catalog(tmp_path / "c.sqlite")

    def check(expect_rank: bool) -> None:
        with catalog.session() as s:
            everything = list(clips_repo.query_clips(s, ClipFilter(order="id")))
        total = len(reference(everything, ClipFilter(text=needle)))
        for offset, limit in itertools.product(sorted({0, 1, 7, 59, 60, 200, total - 1, total, total + 5}),
                                               (1, 7, 200)):
            f = ClipFilter(text=needle, offset=max(offset, 0), limit=limit)
            ranked = mock.patch.object(clips_repo, "_counts_of_every_card", side_effect=AssertionError(
                "every card counted")) if expect_rank else ExitStack()
            with mock.patch.object(clips_repo, "WALK_FROM", 1), mock.patch.object(clips_repo, "WALK_DEEP", 0), \
                    ranked:
                assert [r.id for r in clips.list_clips(catalog, f)] == reference(everything, f), f

    check(expect_rank=True)
    with catalog.session() as s:  # a clip moved to an earlier card: the ranges overlap, every card is counted
        last = s.scalar(select(Clip.id).order_by(Clip.id.desc()).limit(1))
        first_card = s.scalar(select(Card.id).where(Card.shoot_day_id.is_(None)).order_by(Card.id).limit(1))
        s.execute(update(Clip).where(Clip.id == last).values(card_id=first_card))
        s.commit()
    check(expect_rank=False)
    catalog.close()
