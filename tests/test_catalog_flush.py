"""The offload's catalog writes run off the reader's thread (``store.repo.BackgroundFlush``): batches are
committed in the order given, through a session of their own; an error while writing reaches the offload's
own thread and ends the job failed, never completed and never SAFE TO FORMAT."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from pixm_desktop.core.model import CopyState
from pixm_desktop.store import db, repo
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Card, Copy, Job
from support.cards import make_card
from support.catalog import verdict
from support.faults import run_service
from support.offload import request


def _offloaded(env):
    """A card offloaded once: (catalog, file ids, destination ids, job id)."""
    base, dests, catalog_path = env
    card = make_card(base / "card", "arri", clips=2)
    result, _ = run_service(catalog_path, request(card.root, dests))
    assert result.ok
    catalog = open_catalog(catalog_path)
    with catalog.session() as s:
        copies = s.execute(select(Copy.file_id, Copy.destination_id)).all()
    return catalog, sorted({f for f, _ in copies}), sorted({d for _, d in copies}), result.job_id


def _states(catalog) -> dict[tuple[int, int], str]:
    with catalog.session() as s:
        return {(c.file_id, c.destination_id): c.state for c in s.scalars(select(Copy))}


def test_batches_are_committed_in_order_through_their_own_session(env):
    catalog, files, dests, job = _offloaded(env)
    try:
        flush = repo.BackgroundFlush(catalog.session)
        with catalog.session() as s:
            writer = repo.BatchWriter(s)
            for state in (CopyState.PENDING, CopyState.COPIED, CopyState.FAILED, CopyState.VERIFIED):
                for f in files:
                    for d in dests:
                        writer.copy_state(f, d, state, f"now {state.value}", job)
                flush.submit(writer.take())
            flush.drain()
            assert set(_states(catalog).values()) == {"verified"}  # the last batch given wins, for every copy
            writer.copy_state(files[0], dests[0], CopyState.FAILED, "re-read differs", job)
            flush.submit(writer.take())
            flush.close()
        states = _states(catalog)
        assert states[(files[0], dests[0])] == "failed"
        assert sum(v == "verified" for v in states.values()) == len(files) * len(dests) - 1
        assert not [t for t in threading.enumerate() if t.name == "pixm-catalog"]
    finally:
        catalog.close()


def test_an_error_while_writing_reaches_the_caller_and_nothing_after_it_is_written(env):
    catalog, files, dests, job = _offloaded(env)
    try:
        flush = repo.BackgroundFlush(catalog.session)
        with catalog.session() as s:
            writer = repo.BatchWriter(s)
            writer.copy_state(10_000_000, dests[0], CopyState.VERIFIED, None, job)  # no such file: FK refuses
            flush.submit(writer.take())
            with pytest.raises(IntegrityError):
                flush.drain()
            writer.copy_state(files[0], dests[0], CopyState.FAILED, "after the error", job)
            with pytest.raises(IntegrityError):
                flush.submit(writer.take())
            with pytest.raises(IntegrityError):
                flush.close()
        assert _states(catalog)[(files[0], dests[0])] == "verified"  # unchanged by anything after the error
        assert not [t for t in threading.enumerate() if t.name == "pixm-catalog"]
    finally:
        catalog.close()


def test_offload_whose_catalog_fails_mid_copy_ends_failed_and_not_safe(env, monkeypatch):
    """The catalog's disk fails while copying: the error surfaces on the offload's thread, the job is
    recorded failed, and the card is not safe to format (never a verdict from states that were not written)."""
    base, dests, catalog_path = env
    card = make_card(base / "card", "arri", clips=3)
    real = repo.BatchWriter._upsert_copies
    calls = {"n": 0}

    def failing(self, rows):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OperationalError("UPDATE copies", {}, Exception("disk I/O error"))
        return real(self, rows)

    monkeypatch.setattr(repo.BatchWriter, "_upsert_copies", failing)
    monkeypatch.setattr("pixm_desktop.services.offload.COMMIT_EVERY", 0.0)  # a batch per event
    outcome, _ = run_service(catalog_path, request(card.root, dests))
    assert isinstance(outcome, OperationalError)
    monkeypatch.setattr(repo.BatchWriter, "_upsert_copies", real)
    catalog = open_catalog(catalog_path)
    try:
        with catalog.session() as s:
            (job,) = s.scalars(select(Job)).all()
            assert job.status == "failed"
            label = s.scalar(select(Card.label))
    finally:
        catalog.close()
    assert not verdict(catalog_path, label).safe
    assert not [t for t in threading.enumerate() if t.name == "pixm-catalog"]


def test_a_session_that_cannot_open_fails_the_caller_and_never_hangs(env):
    """If the catalog thread cannot even open its session (catalog drive gone), every submit, drain and close
    still returns, raising that error, instead of waiting forever for a thread that stopped."""
    catalog, files, dests, job = _offloaded(env)

    def no_session():
        raise OperationalError("open", {}, Exception("unable to open database file"))

    flush = repo.BackgroundFlush(no_session)
    outcome: list[BaseException | None] = []

    def offload_side():
        try:
            with catalog.session() as s:
                writer = repo.BatchWriter(s)
                for _ in range(flush.MAX_WAITING * 3):  # more than the queue holds: submit must not block
                    writer.copy_state(files[0], dests[0], CopyState.COPIED, "copied", job)
                    flush.submit(writer.take())
            outcome.append(None)
        except OperationalError as exc:
            outcome.append(exc)
        finally:
            try:
                flush.close()
            except OperationalError as exc:
                outcome.append(exc)

    side = threading.Thread(target=offload_side, daemon=True)
    side.start()
    side.join(120)  # a hang guard, not a time limit on the work
    assert not side.is_alive(), "BackgroundFlush waited forever for a thread whose session never opened"
    assert any(isinstance(e, OperationalError) for e in outcome)
    assert not [t for t in threading.enumerate() if t.name == "pixm-catalog"]
    assert _states(catalog)[(files[0], dests[0])] == "verified"  # nothing was written over the offload's state
    catalog.close()


def _temp_store(session) -> int:
    return session.connection().exec_driver_sql("PRAGMA temp_store").scalar()


def test_an_offloads_writes_keep_their_statement_journals_in_memory(env, monkeypatch):
    """Each copy-state upsert fires the sync triggers and needs a statement journal; in a temporary file that
    was a write per row (236,884 on a 20,000-file card). The offload's file rows and its copy states are
    written through connections set to ``temp_store`` MEMORY (2)."""
    seen: dict[str, list[int]] = {"copy states": [], "file rows": []}
    flush, insert = repo.BatchWriter.flush, repo._insert_files

    def recording_flush(self, session=None):
        seen["copy states"].append(_temp_store(session or self.session))
        return flush(self, session)

    def recording_insert(session, rows):
        seen["file rows"].append(_temp_store(session))
        return insert(session, rows)

    monkeypatch.setattr(repo.BatchWriter, "flush", recording_flush)
    monkeypatch.setattr(repo, "_insert_files", recording_insert)
    catalog, files, _dests, _job = _offloaded(env)
    catalog.close()
    assert files and seen["file rows"] == [2]
    assert seen["copy states"] and set(seen["copy states"]) == {2}


def test_a_connection_set_for_an_offload_goes_back_to_the_pool_with_the_default(tmp_path):
    """Only the offload's own connections keep temporary data in memory (an index build or a large sort would
    be held there too): a connection given back to the pool is set to the default (0) again."""
    catalog = open_catalog(tmp_path / "c.sqlite")
    try:
        with catalog.session() as s:
            assert _temp_store(s) == 0
            db.journals_in_memory(s)
            assert _temp_store(s) == 2
            s.execute(select(Card.id)).all()
            first = s.connection().connection.dbapi_connection
        with catalog.session() as s:
            assert s.connection().connection.dbapi_connection is first  # the same connection, handed out again
            assert _temp_store(s) == 0
    finally:
        catalog.close()
