"""The window's reading of a card handed to the offload's child (issue 20: an offload through the window reads
and plans the card once, not twice) — used only while still true: a card that changed in any way while the job
waited (a file added, removed or resized, another card at the same path) is read afresh and exactly what is on
it now is offloaded. Counts of card reads only; no timing."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from pixm_desktop.core.model import JobStatus
from pixm_desktop.core.states import JobKind
from pixm_desktop.services import jobs, offload_handoff
from pixm_desktop.services import offload as offload_service
from pixm_desktop.services.jobs.offload import OffloadKind
from pixm_desktop.services.jobs.supervisor import run_job_in_child
from pixm_desktop.services.offload_handoff import HandedOffload, read_to_hand, stamp_card
from pixm_desktop.services.settings import open_catalog
from support.cards import tree, write
from support.catalog import job_row
from support.offload import request

REUSED = "the card as read when queued (unchanged since)"
READ_AGAIN = "the card changed after it was queued: read again"


def _card(root: Path, seed: int = 0) -> Path:
    """A small card: a few clips in two folders (fixed mtimes), fewer than eight files so the quick fingerprint
    reads every one of them."""
    for i in range(3):
        write(root / "CLIPS" / f"A001C{i:03d}.mov", bytes([seed + i]) * (3000 + 100 * i))
    write(root / "META" / "A001.xml", b"<clip>%d</clip>" % seed)
    return root


@pytest.fixture
def setup(tmp_path):
    card = _card(tmp_path / "mnt" / "A001")
    dests = [tmp_path / "d1", tmp_path / "d2"]
    for d in dests:
        d.mkdir()
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    yield card, dests, catalog, tmp_path / "catalog.sqlite"
    catalog.close()


@pytest.fixture
def card_reads(monkeypatch):
    """How often the offload service read (scanned and fingerprinted) a card."""
    calls: list[Path] = []
    real = offload_service.read_card

    def counted(req):
        calls.append(Path(req.source))
        return real(req)

    monkeypatch.setattr(offload_service, "read_card", counted)
    monkeypatch.setattr(offload_handoff, "read_card", counted)
    return calls


def _handed(catalog, card: Path, dests: list[Path]) -> HandedOffload:
    """What the window's queue does when a card is added: prepare, keep the options for the run; then the trip
    to the child (pickled as ``multiprocessing`` does)."""
    run = jobs.prepare(catalog, OffloadKind(hand_plan=True), request(card, dests))
    assert isinstance(run.prepared.options, HandedOffload)
    return pickle.loads(pickle.dumps(run.prepared.options))


def _dest_trees(dests: list[Path], card: Path) -> list[dict]:
    return [tree(next(d.rglob(card.name))) for d in dests]


def test_the_run_uses_the_handed_reading_and_reads_the_card_once(setup, card_reads):
    card, dests, catalog, _ = setup
    handed = _handed(catalog, card, dests)
    assert card_reads == [card]  # the window's read
    run = jobs.prepare(catalog, JobKind.OFFLOAD, handed)  # what the child does with its options
    assert card_reads == [card]  # not read again
    assert run.prepared.notes[-1] == REUSED
    result = run.run()
    assert result.status == JobStatus.COMPLETED and result.files == 4
    assert card_reads == [card]
    assert _dest_trees(dests, card) == [tree(card)] * 2


def test_a_child_process_runs_with_the_handed_reading(setup):
    card, dests, catalog, catalog_path = setup
    handed = _handed(catalog, card, dests)
    result = run_job_in_child(catalog_path, JobKind.OFFLOAD, handed, None, None)
    assert result.status == JobStatus.COMPLETED and result.files == 4
    assert REUSED in job_row(catalog_path, result.job_id).log
    assert _dest_trees(dests, card) == [tree(card)] * 2


def _add(card: Path) -> None:
    write(card / "CLIPS" / "A001C099.mov", b"new" * 500)


def _remove(card: Path) -> None:
    (card / "CLIPS" / "A001C001.mov").unlink()


def _resize(card: Path) -> None:
    write(card / "CLIPS" / "A001C001.mov", b"\x07" * 5000)  # same mtime as before: only the size differs


def _other_card(card: Path) -> None:
    """Another card at the same path: same names, sizes and mtimes, other bytes."""
    shutil.rmtree(card)
    _card(card, seed=100)


def _touch(card: Path) -> None:
    p = card / "META" / "A001.xml"
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("change", [_add, _remove, _resize, _other_card, _touch],
                         ids=["file added", "file removed", "size changed", "another card", "mtime changed"])
def test_a_card_changed_after_it_was_queued_is_read_again_and_offloaded_as_it_is_now(setup, card_reads, change):
    card, dests, catalog, _ = setup
    handed = _handed(catalog, card, dests)
    change(card)
    fresh = offload_service.OffloadService(catalog).prepare(request(card, dests))
    del card_reads[:]
    run = jobs.prepare(catalog, JobKind.OFFLOAD, handed)
    assert card_reads == [card]  # read afresh
    assert run.prepared.notes[-1] == READ_AGAIN
    p = run.prepared.detail
    assert p.fingerprint == fresh.fingerprint
    assert [(f.relpath, f.size, f.mtime_ns) for f in p.plan.files] == [
        (f.relpath, f.size, f.mtime_ns) for f in fresh.plan.files]
    result = run.run()
    assert result.status == JobStatus.COMPLETED and result.files == len(fresh.plan.files)
    assert _dest_trees(dests, card) == [tree(card)] * 2


def test_another_card_at_the_same_path_is_not_taken_for_the_first(setup, monkeypatch):
    """Even when its metadata stamps the same (a file system that numbers inodes by position, a clock set
    back), another card with the same names, sizes and mtimes differs in the heads of its files."""
    card, dests, catalog, _ = setup
    handed = _handed(catalog, card, dests)
    _other_card(card)
    assert handed.still_true() is None
    monkeypatch.setattr(offload_handoff, "stamp_card", lambda _source: handed.stamp)
    assert handed.still_true() is None
    run = jobs.prepare(catalog, JobKind.OFFLOAD, handed)
    assert run.prepared.notes[-1] == READ_AGAIN
    assert run.prepared.detail.fingerprint != handed.reading.fingerprint


def test_a_file_that_lands_while_the_window_reads_the_card_is_offloaded_too(setup, monkeypatch):
    card, dests, catalog, _ = setup
    real = offload_service.read_card

    def read_while_a_file_lands(req):
        reading = real(req)
        _add(card)  # lands just after the scan: the window's reading lacks it
        return reading

    monkeypatch.setattr(offload_handoff, "read_card", read_while_a_file_lands)
    reading, handed = read_to_hand(request(card, dests))
    assert len(reading.scan.files) == 4
    monkeypatch.undo()
    run = jobs.prepare(catalog, JobKind.OFFLOAD, pickle.loads(pickle.dumps(handed)))
    assert run.prepared.notes[-1] == READ_AGAIN
    result = run.run()
    assert result.status == JobStatus.COMPLETED and result.files == 5
    assert _dest_trees(dests, card) == [tree(card)] * 2


def test_a_card_with_its_own_asc_mhl_history_is_not_handed(setup):
    card, dests, catalog, _ = setup
    result = jobs.execute(catalog, JobKind.OFFLOAD, request(card, dests))
    assert result.status == JobStatus.COMPLETED
    copy = next(dests[0].rglob(card.name))
    assert (copy / "ascmhl").is_dir()
    other = [dests[1].parent / "d3"]
    other[0].mkdir()
    run = jobs.prepare(catalog, OffloadKind(hand_plan=True), request(copy, other))
    assert not isinstance(run.prepared.options, HandedOffload)  # the child loads and checks the history again


def test_the_stamp_sees_each_kind_of_change(tmp_path):
    card = _card(tmp_path / "A001")
    first = stamp_card(card)
    assert first is not None and first.entries == 6 and stamp_card(card) == first
    for change in (_add, _remove, _resize, _touch):
        before = stamp_card(card)
        change(card)
        assert stamp_card(card) != before, change.__name__
    (card / "CLIPS" / "A001C000.mov").rename(card / "CLIPS" / "A001C100.mov")
    assert stamp_card(card) != first
    assert stamp_card(tmp_path / "gone") is None
