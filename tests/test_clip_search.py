"""The clip browser's free text through FTS5 (migration 0010): the same matches as a case-insensitive
substring of name, tape name, scene or notes, with every other filter; kept in step by the triggers (a logged
scene or a deleted clip is seen at once); a catalog from before it (0009) with clips upgrades and is searchable; counts on
clips alone; a page walked card by card is the page of the whole sort."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete, text

from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.store import clips_repo
from pixm_desktop.store.db import MIGRATIONS, open_catalog, schema_revision
from pixm_desktop.store.models import Card, Clip, Project, ShootDay

DAY1, DAY2 = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
NAMES = ["A001C003_261123_R1AB", "A001C004_261123_R1AB", "B002C003_261124_R2CD", "Über Szene café",
         "A001C010 take two", "bad\ufffdname_C003", "S003T001", "100%_done\\x", 'quote"d_clip']
NOTES = [None, "boom in shot", "soft focus", "great", "BOOM again", None, "Straße", "100% usable", None]
TEXTS = ["C003", "c003_26", "_R1", "261124", "boom", "BOOM IN", "über", "café", "\ufffd", "Straße", "100%",
         "%_d", "\\x", '"d_c', "12A", "xyz-none", "A0", "_", "é"]


def _catalog(path: Path):
    catalog = open_catalog(path)
    with catalog.session() as s:
        project = Project(name="Film")
        s.add(project)
        s.flush()
        days = [ShootDay(project_id=project.id, day=d) for d in (DAY1, DAY2)]
        s.add_all(days)
        s.flush()
        cards = [Card(label=f"{cam}00{i}R1AB", camera=kind, reel=f"{cam}00{i}", quick_fingerprint=f"{i:032x}",
                      source_path=f"/cards/{i}", shoot_day_id=days[i % 2].id)
                 for i, (cam, kind) in enumerate((("A", "arri"), ("B", "sony"), ("S", "sound")))]
        s.add_all(cards)
        s.flush()
        for n, (name, notes) in enumerate(zip(NAMES, NOTES, strict=True)):
            card = cards[n % 3]
            s.add(Clip(card_id=card.id, key=f"{name}.mov", name=name, kind="audio" if n % 3 == 2 else "video",
                       tape_name=f"{card.reel}T{n:02d}", reel=card.reel,
                       probe_status="ok" if n % 2 else "failed",
                       start_frame=None if n == 4 else 1000 * n, scene=["12A", "12", "7"][n % 3],
                       take=str(n % 4 + 1), camera="AB"[n % 2], notes=notes, circled=n % 3 == 0,
                       flagged=n % 4 == 0, rating=n % 6))
        s.commit()
    return catalog


def _rows(catalog) -> list[Clip]:
    with catalog.session() as s:
        return list(s.query(Clip).all())


def _contains(clip: Clip, needle: str) -> bool:
    fold = needle.casefold()
    values = (clip.name, clip.tape_name, clip.scene, clip.notes)
    return any(v is not None and fold in v.casefold() for v in values)


@pytest.fixture
def catalog(tmp_path: Path):
    catalog = _catalog(tmp_path / "c.sqlite")
    yield catalog
    catalog.close()


FILTERS = [ClipFilter(), ClipFilter(day=DAY2), ClipFilter(camera="a"), ClipFilter(camera_kind="SONY"),
           ClipFilter(reel="A000"), ClipFilter(scene="12A"), ClipFilter(take="2"), ClipFilter(circled=True),
           ClipFilter(flagged=False), ClipFilter(min_rating=3), ClipFilter(kind="audio"),
           ClipFilter(probe_status="ok"), ClipFilter(card_label="B001R1AB"), ClipFilter(day=DAY1, camera="B")]


def _expected_without_text(catalog, f: ClipFilter) -> set[int]:
    return {r.id for r in clips.list_clips(catalog, f)}


@pytest.mark.parametrize("needle", TEXTS)
def test_text_with_every_filter_matches_a_case_folded_substring(catalog, needle: str) -> None:
    by_id = {c.id: c for c in _rows(catalog)}
    for f in FILTERS:
        base = _expected_without_text(catalog, f)
        want = {i for i in base if _contains(by_id[i], needle)}
        g = ClipFilter(**{**{k: getattr(f, k) for k in f.__slots__}, "text": needle})
        assert {r.id for r in clips.list_clips(catalog, g)} == want, (f, needle)
        assert clips.count_clips(catalog, g) == len(want), (f, needle)


def test_names_split_at_underscores_and_unicode_are_found(catalog) -> None:
    def names(needle: str) -> set[str]:
        return {r.name for r in clips.list_clips(catalog, ClipFilter(text=needle))}

    assert names("C003") == {"A001C003_261123_R1AB", "B002C003_261124_R2CD", "bad\ufffdname_C003"}
    assert names("1C003_2") == {"A001C003_261123_R1AB"}  # across the underscore, inside a word
    assert names("ÜBER SZ") == {"Über Szene café"}  # case-folded beyond ASCII (ILIKE folded ASCII only)
    assert names("e caf") == {"Über Szene café"}
    assert names("0% ") == {"100%_done\\x"}  # by its notes "100% usable"
    assert names("%") == {"100%_done\\x"}  # LIKE's wildcards stay literal


def test_logging_and_deleting_are_seen_by_the_search_at_once(catalog) -> None:
    clip = next(r for r in clips.list_clips(catalog) if r.name == "A001C004_261123_R1AB")
    assert clips.list_clips(catalog, ClipFilter(text="pickup")) == []
    clips.update_log(catalog, [clip.id], scene="99PU", notes="pickup shot")
    assert [r.id for r in clips.list_clips(catalog, ClipFilter(text="pickup"))] == [clip.id]
    assert [r.id for r in clips.list_clips(catalog, ClipFilter(text="99PU", scene="99PU"))] == [clip.id]
    assert clip.id not in {r.id for r in clips.list_clips(catalog, ClipFilter(text="boom"))}  # old notes gone
    with catalog.session() as s:
        s.execute(delete(Clip).where(Clip.id == clip.id))
        s.commit()
    assert clips.list_clips(catalog, ClipFilter(text="pickup")) == []
    assert clips.count_clips(catalog, ClipFilter(text="pickup")) == 0
    with catalog.session() as s:  # a card's clips go with it (the cascade fires the delete trigger)
        card_id = s.query(Card.id).filter(Card.label == "B001R1AB").scalar()
        s.execute(delete(Card).where(Card.id == card_id))
        s.commit()
        left = text("SELECT count(*) FROM clip_search WHERE clip_search MATCH '\"A001C010\"'")
        assert s.execute(left).scalar() == 0
        integrity = "INSERT INTO clip_search (clip_search, rank) VALUES ('integrity-check', 1)"
        s.execute(text(integrity))  # raises if the index and the clips disagree
        left_clips = s.execute(text("SELECT count(*) FROM clips")).scalar()
    assert left_clips == len(NAMES) - 3  # the logged clip, then its card with the other two
    assert clips.count_clips(catalog, ClipFilter()) == left_clips  # clip_totals, kept by the triggers


def test_text_search_and_counts_use_their_indexes(catalog) -> None:
    with catalog.session() as s:
        def plan(q) -> str:
            compiled = q.compile(s.get_bind(), compile_kwargs={"literal_binds": True})
            return " | ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))

        page = plan(clips_repo.page_query(s, ClipFilter(text="C003", limit=200)))
        assert "clip_search VIRTUAL TABLE" in page and "SCAN clips" not in page
        count = plan(clips_repo.count_query(s, ClipFilter(text="C003")))
        assert "clip_search VIRTUAL TABLE" in count and "clips" not in count.replace("clip_search", "")
        for f, index in ((ClipFilter(camera="B", circled=True), "ix_clips_camera_circled"),
                         (ClipFilter(min_rating=4), "clip_card_values USING PRIMARY KEY")):  # 0018
            got = plan(clips_repo.count_query(s, f))
            assert index in got and "cards" not in got.split("ix_clips")[0], (f, got)
        got = plan(clips_repo.count_query(s, ClipFilter(day=DAY1)))  # the cards' counts (migration 0017)
        assert "clip_card_counts" in got and "clips " not in got.replace("clip_card_counts", ""), got


def test_capped_count_stops_at_the_cap(catalog) -> None:
    with catalog.session() as s:
        assert clips_repo.count_clips(s, ClipFilter(), cap=4) == 4
        assert clips_repo.count_clips(s, ClipFilter(text="C00"), cap=100) == 4
        assert clips_repo.count_clips(s, ClipFilter(text="C00", circled=True), cap=1) == 1


def _alembic(engine, action, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, revision)


def test_a_catalog_from_before_the_search_index_upgrades_and_is_searchable(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _catalog(path).close()
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.downgrade, "0009")
    with engine.connect() as conn:
        assert schema_revision(engine) == "0009"
        assert not conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'clip_search%'")).all()
    engine.dispose()
    catalog = open_catalog(path)  # upgrades to 0010 and fills the index from the clips already there
    found = {r.name for r in clips.list_clips(catalog, ClipFilter(text="c003_261123"))}
    assert found == {"A001C003_261123_R1AB"}
    assert clips.count_clips(catalog, ClipFilter(text="boom")) == 2
    assert clips.count_clips(catalog, ClipFilter()) == len(NAMES)  # clip_totals filled from the clips
    catalog.close()


def test_odd_filter_text_is_never_fts_syntax(catalog) -> None:
    for needle in ('"', '""', "a OR b", "NEAR(x y)", "C00*", "-C003", "col:C003", "^A0", "(((", "AND"):
        want = {c.id for c in _rows(catalog) if _contains(c, needle)}
        assert {r.id for r in clips.list_clips(catalog, ClipFilter(text=needle))} == want, needle


def test_every_pair_of_filters_with_text_counts_what_it_lists(catalog) -> None:
    for f, g in itertools.combinations(FILTERS[1:], 2):
        merged = {k: getattr(f, k) if getattr(f, k) is not None else getattr(g, k) for k in f.__slots__}
        h = ClipFilter(**{**merged, "descending": False, "offset": 0, "text": "C0"})
        assert clips.count_clips(catalog, h) == len(clips.list_clips(catalog, h)), h


@pytest.mark.parametrize("f", [ClipFilter(), ClipFilter(text="C00"), ClipFilter(circled=False),
                               ClipFilter(day=DAY1, text="a"), ClipFilter(card_id=1), ClipFilter(min_rating=9)])
def test_a_page_walked_card_by_card_is_the_page_of_the_whole_sort(catalog, monkeypatch,
                                                                    f: ClipFilter) -> None:
    whole = [r.id for r in clips.list_clips(catalog, f)]  # no limit: one sorted query
    monkeypatch.setattr(clips_repo, "WALK_FROM", 1)
    monkeypatch.setattr(clips_repo, "WALK_BATCH", 2)
    walked, walk = [], clips_repo._cards_of_page
    monkeypatch.setattr(clips_repo, "_cards_of_page", lambda s, g: walked.append(g) or walk(s, g))
    for size in (1, 2, 3):
        pages = [[r.id for r in clips.list_clips(catalog, dataclasses.replace(f, offset=o, limit=size))]
                 for o in range(0, len(whole) + size, size)]
        assert [i for page in pages for i in page] == whole, size
        assert all(len(p) == size for p in pages[:len(whole) // size])
    assert bool(walked) == bool(whole)  # every page of a filter with matches was walked


# Two characters (migration 0019): the trigram index and the clips it cannot answer, against a plain scan.
PAIR_CHARS = "aAb0%_\" é\u212aßk"  # ASCII, LIKE's wildcards, a quote, a space; beyond ASCII (K: the Kelvin sign)


def _ascii_lower(value: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in value)


def _pair_catalog(path: Path, rng):
    catalog = open_catalog(path)
    with catalog.session() as s:
        project = Project(name="Film")
        s.add(project)
        s.flush()
        day = ShootDay(project_id=project.id, day=DAY1)
        s.add(day)
        s.flush()
        card = Card(label="A001", camera="arri", reel="A001", quick_fingerprint="0" * 32, source_path="/c",
                    shoot_day_id=day.id)
        s.add(card)
        s.flush()

        def value(nullable: bool):
            if nullable and rng.random() < 0.2:
                return None
            return "".join(rng.choice(PAIR_CHARS) for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 6))))

        for name, notes in (("\u212aA", "aa"), ("é0bé", None), ("ab", "0b")):  # odd ones, always there
            s.add(Clip(card_id=card.id, key=f"{name}.mov", name=name, kind="video", notes=notes, camera="B"))
        for n in range(400):
            s.add(Clip(card_id=card.id, key=f"{n}.mov", name=value(False) + f"#{n}" * (n % 2), kind="video",
                       tape_name=value(True), scene=value(True), notes=value(True), camera="AB"[n % 2]))
        s.commit()
    return catalog


def test_two_characters_match_as_like_does_from_the_index(tmp_path: Path) -> None:
    import random

    catalog = _pair_catalog(tmp_path / "pairs.sqlite", random.Random(19))
    rows = _rows(catalog)
    ascii_chars = [c for c in PAIR_CHARS if c.isascii()]
    checked = 0
    for pair in (a + b for a in ascii_chars for b in ascii_chars):
        for f in (ClipFilter(text=pair), ClipFilter(text=pair, camera="B")):
            want = {c.id for c in rows if (f.camera is None or c.camera == f.camera) and any(
                v is not None and _ascii_lower(pair) in _ascii_lower(v)
                for v in (c.name, c.tape_name, c.scene, c.notes))}
            assert {r.id for r in clips.list_clips(catalog, f)} == want, f
            assert clips.count_clips(catalog, f) == len(want), f
            checked += len(want)
    assert checked > 1000  # the pairs do occur, in every kind of column
    # the Kelvin sign folds to k in the index, never in LIKE; a pair beside characters beyond ASCII only
    assert [r.name for r in clips.list_clips(catalog, ClipFilter(text="ka"))].count("\u212aA") == 0
    assert "é0bé" in [r.name for r in clips.list_clips(catalog, ClipFilter(text="0B"))]
    catalog.close()


def test_two_characters_read_the_indexes_not_every_clip(catalog) -> None:
    with catalog.session() as s:
        def plan(q) -> str:  # the pair's query holds a colon: not a bound parameter of text()
            compiled = str(q.compile(s.get_bind(), compile_kwargs={"literal_binds": True})).replace(":", "\\:")
            return " | ".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))

        for q in (clips_repo.count_query(s, ClipFilter(text="so")),
                  clips_repo.page_query(s, ClipFilter(text="12", limit=200))):
            got = plan(q)
            assert "clip_search VIRTUAL TABLE" in got and "ix_clips_pair_text" in got, got
            assert not re.search(r"SCAN clips(?! USING INDEX ix_clips_pair_text)", got), got  # no scan of them all
        assert re.search(r"SCAN clips( |$)", plan(clips_repo.count_query(s, ClipFilter(text="é1"))))  # LIKE


def test_the_pair_condition_is_the_partial_index_of_migration_0019() -> None:
    import importlib

    migration = importlib.import_module("pixm_desktop.store.migrations.versions.0019_clip_pair_text")
    assert migration.UNCOVERED == clips_repo.PAIR_UNCOVERED
