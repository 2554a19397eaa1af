"""``store.repo.sync_files``: a card's file rows, inserted with the sync capture done set-based, leave the
catalog as the per-row sync triggers did (migration 0015): the same rows, the same outbox entries in the same
order, one clock value per row, increasing, the cart's clock at the last; a changed or formerly unreadable
file is refreshed as before; inside the sync's own quiet transaction nothing is recorded; the HLC counter
carries into the milliseconds instead of overflowing. The rows come back as plain ``FileRow`` values."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CopyState, SourceFile
from pixm_desktop.store import repo
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Card, Copy, Destination, File
from pixm_desktop.store.sync_registry import COUNTER_BITS

FILES = [SourceFile(b"DCIM/1%02dGOPRO/G%06d.JPG" % (i // 999, i), 2000 + i, 1_700_000_000_000_000_000 + i)
         for i in range(2500)] + [SourceFile(b"odd/not utf-8 \xff.bin", 7, 8), SourceFile(b"odd/a & <b>.txt", 0, 9)]


def _reference_sync_files(session: Session, card: Card, files) -> dict[bytes, File]:
    """sync_files as it was before the set-based capture: ORM rows, one insert through the per-row triggers."""
    existing = {f.relpath_raw: f for f in session.scalars(select(File).where(File.card_id == card.id))}
    new = [{"card_id": card.id, "relpath_raw": sf.relpath, "relpath": sf.display, "size": sf.size,
            "mtime_ns": sf.mtime_ns} for sf in files if sf.relpath not in existing]
    if new:
        session.execute(insert(File), new)
    for sf in files:
        row = existing.get(sf.relpath)
        if row is not None and row.problem is not None:
            row.problem = None
        if row is not None and (row.size != sf.size or row.mtime_ns != sf.mtime_ns):
            row.size, row.mtime_ns = sf.size, sf.mtime_ns
            row.set_hashes(dict.fromkeys(row.hashes(), None))
            for c in row.copies:
                c.state, c.reason = CopyState.PENDING.value, "source file changed since the last offload"
    session.flush()
    return {f.relpath_raw: f for f in session.scalars(select(File).where(File.card_id == card.id))}


SYNCS = {"set-based": repo.sync_files, "per-row triggers": _reference_sync_files}


def _new_card(s: Session) -> Card:
    card = Card(label="A001", camera="arri", reel="A001", quick_fingerprint="f" * 32, source_path="/card")
    s.add(card)
    s.flush()
    return card


def _dump(s: Session) -> dict[str, list[tuple]]:
    """What must be equal whichever way the rows went in: every column but the clock values."""
    return {
        "files": s.execute(text("SELECT id, card_id, relpath_raw, relpath, size, mtime_ns, c4, md5, sha1, xxh128, "
                                "xxh3, xxh64, hashed_at, problem, sync_uuid FROM files ORDER BY id")).all(),
        "copies": s.execute(text("SELECT id, file_id, destination_id, state, reason FROM copies ORDER BY id")).all(),
        "outbox": s.execute(text("SELECT seq, tbl, row_id, op, uuid FROM sync_outbox ORDER BY seq")).all(),
    }


def _assert_clock_consistent(s: Session) -> None:
    """Every outbox entry one clock value further than the one before; each file row stamped with the value of
    its newest entry; the cart's clock at the newest value, its counter inside its bits."""
    hlcs = s.execute(text("SELECT hlc FROM sync_outbox ORDER BY seq")).scalars().all()
    assert hlcs and all(a < b for a, b in zip(hlcs, hlcs[1:], strict=False))
    assert s.execute(text("SELECT count(*) FROM files f WHERE f.sync_hlc IS NOT (SELECT max(o.hlc) FROM "
                          "sync_outbox o WHERE o.tbl = 'files' AND o.row_id = f.id)")).scalar() == 0
    ms, count = s.execute(text("SELECT hlc_ms, hlc_count FROM sync_cart WHERE id = 1")).one()
    assert (ms << COUNTER_BITS) + count == hlcs[-1] and 0 <= count < 1 << COUNTER_BITS


def _both(tmp_path: Path, steps) -> dict[str, dict[str, list[tuple]]]:
    """Run ``steps(session, sync)`` on a new catalog per implementation; their dumps by implementation."""
    out = {}
    for name, sync in SYNCS.items():
        catalog = open_catalog(tmp_path / f"{name}.db")
        try:
            with catalog.session() as s:
                steps(s, sync)
                s.commit()
                out[name] = _dump(s)
                _assert_clock_consistent(s)
        finally:
            catalog.close()
    return out


def test_a_new_card_gets_the_rows_and_outbox_entries_the_triggers_gave(tmp_path):
    def steps(s, sync):
        rows = sync(s, _new_card(s), FILES)
        assert len(rows) == len(FILES)

    dumps = _both(tmp_path, steps)
    assert dumps["set-based"] == dumps["per-row triggers"]
    assert [r.tbl for r in dumps["set-based"]["outbox"]].count("files") == len(FILES)


def test_rows_come_back_as_plain_values_equal_to_the_stored_rows(tmp_path):
    catalog = open_catalog(tmp_path / "c.db")
    try:
        with catalog.session() as s:
            card = _new_card(s)
            rows = repo.sync_files(s, card, FILES)
            stored = {f.relpath_raw: f for f in s.scalars(select(File))}
            s.execute(text("UPDATE files SET xxh64 = 'ab', md5 = 'cd' WHERE relpath_raw = :r"),
                      {"r": FILES[3].relpath})
            again = repo.sync_files(s, card, FILES)
    finally:
        catalog.close()
    assert set(rows) == {sf.relpath for sf in FILES}
    for rel, row in rows.items():
        f = stored[rel]
        assert isinstance(row, repo.FileRow)
        assert (row.id, row.relpath, row.size, row.mtime_ns, row.problem, row.hashed_at, row.hashes()) == (
            f.id, f.relpath, f.size, f.mtime_ns, f.problem, f.hashed_at, f.hashes())
    assert again[FILES[3].relpath].hashes() == {HashAlgorithm.MD5: "cd", HashAlgorithm.XXH64: "ab"}
    assert again[FILES[4].relpath] == rows[FILES[4].relpath]


def test_a_changed_file_and_a_readable_problem_are_refreshed_as_before(tmp_path):
    changed = [SourceFile(sf.relpath, sf.size + 1, sf.mtime_ns) if i % 500 == 7 else sf
               for i, sf in enumerate(FILES)]
    more = [*changed, SourceFile(b"DCIM/late.JPG", 5, 6)]

    def steps(s, sync):
        card = _new_card(s)
        rows = sync(s, card, FILES)
        dest = Destination(card_id=card.id, path_raw=b"/d/A001", path="/d/A001")
        s.add(dest)
        s.flush()
        for rel in (FILES[7].relpath, FILES[8].relpath):
            s.add(Copy(file_id=rows[rel].id, destination_id=dest.id, state=CopyState.VERIFIED.value))
        s.execute(text("UPDATE files SET xxh64 = '0123456789abcdef' WHERE id IN (:a, :b)"),
                  {"a": rows[FILES[7].relpath].id, "b": rows[FILES[8].relpath].id})
        s.execute(text("UPDATE files SET problem = 'unreadable' WHERE id = :a"), {"a": rows[FILES[9].relpath].id})
        s.commit()
        s.expire_all()
        again = sync(s, card, more)
        assert again[FILES[7].relpath].size == FILES[7].size + 1 and not again[FILES[7].relpath].hashes()
        assert again[FILES[9].relpath].problem is None

    dumps = _both(tmp_path, steps)
    assert dumps["set-based"] == dumps["per-row triggers"]
    copies = dumps["set-based"]["copies"]
    assert [(c.state, c.reason) for c in copies] == [
        ("pending", "source file changed since the last offload"), ("verified", None)]


def test_inside_the_syncs_quiet_transaction_nothing_is_recorded(tmp_path):
    def steps(s, sync):
        card = _new_card(s)
        s.execute(text("INSERT INTO sync_apply (id) VALUES (1)"))
        sync(s, card, FILES[:50])
        assert s.execute(text("SELECT count(*) FROM sync_apply")).scalar() == 1  # still quiet: the caller's
        assert s.execute(text("SELECT count(*) FROM files WHERE sync_hlc IS NOT NULL")).scalar() == 0
        s.execute(text("DELETE FROM sync_apply"))

    dumps = _both(tmp_path, steps)
    assert dumps["set-based"] == dumps["per-row triggers"]
    assert [r.tbl for r in dumps["set-based"]["outbox"]] == ["cards"]


@pytest.mark.parametrize("ahead_ms", [0, 3_600_000])
def test_the_clock_counter_carries_instead_of_overflowing(tmp_path, ahead_ms):
    """A cart clock ahead of the wall clock (a row from a cart an hour ahead) counts up; near the top of its
    bits the counter carries into the milliseconds, every value still one more than the last."""
    catalog = open_catalog(tmp_path / "c.db")
    try:
        with catalog.session() as s:
            card = _new_card(s)
            s.execute(text("UPDATE sync_cart SET hlc_ms = hlc_ms + :a, hlc_count = :c WHERE id = 1"),
                      {"a": ahead_ms, "c": (1 << COUNTER_BITS) - 5})
            before = s.execute(text("SELECT hlc_ms * 1048576 + hlc_count FROM sync_cart")).scalar()
            repo.sync_files(s, card, FILES[:20])
            s.commit()
            _assert_clock_consistent(s)
            stamps = s.execute(text("SELECT sync_hlc FROM files ORDER BY id")).scalars().all()
    finally:
        catalog.close()
    assert all(b == a + 1 for a, b in zip(stamps, stamps[1:], strict=False)) and stamps[0] > before
