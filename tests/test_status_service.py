"""The loader's view of the catalog: the lean file × destination table equals
the full file states, odd names and failures with their reasons included."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select

from pixm_desktop.services import status
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store import status_repo
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Card, Copy, Destination, File
from support.cards import write

WHEN = dt.datetime(2026, 11, 23, 18, 15, tzinfo=dt.UTC)


def test_file_state_table_matches_file_states_with_a_failure_and_odd_names(tmp_path):
    card = tmp_path / "A002R7QX"
    for i in range(5):
        write(card / f"A002C00{i}_261123_R7QX.mov", os.urandom(20_000 + i))
    write(card / "Ünïcode name & more.xml", b"<x/>")
    dests = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()  # the drives are mounted: PIXM never creates a destination root
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(card, dests, template="{card}")))
    assert result.ok
    # a damaged copy found by re-verification, and a file recorded on the card after the offload
    victim = dests[1] / card.name / "A002C003_261123_R7QX.mov"
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF
    victim.write_bytes(bytes(data))
    d_b = next(d for d in status.card_status(catalog, result.card_id, min_copies=2, distinct_drives=False)
               .destinations if d.path.startswith(str(dests[1])))
    def times():
        with catalog.session() as s:
            return dict(((f, c), (a, v)) for f, c, a, v in s.execute(
                select(Copy.file_id, Copy.state, Copy.copied_at, Copy.verified_at).where(Copy.destination_id == d_b.id)))

    before = times()
    status.reverify_destination(catalog, d_b.id)
    after = times()
    # a re-verification keeps when each file was copied, and stamps when it was verified again
    kept = [k for k in after if k in before]
    assert len(kept) == 5 and all(after[k][0] == before[k][0] and after[k][1] >= before[k][1] for k in kept)
    full = status.file_states(catalog, result.card_id)
    table = status.file_state_table(catalog, result.card_id)
    assert table.rows == [(f.relpath, f.destination_id, f.state, f.reason) for f in full]
    assert {i: name for i, (_p, name) in table.destinations.items()} == {f.destination_id: f.drive for f in full}
    assert len(table.rows) == 12 and table.failed == 1
    with catalog.session() as s:  # the SQLite fast path reads what the portable query reads
        assert status_repo.file_state_rows(s, result.card_id, portable=True) == table.rows
    failed = [r for r in table.rows if r[2] == "failed"]
    assert failed[0][0] == "A002C003_261123_R7QX.mov" and failed[0][1] == d_b.id and failed[0][3]
    with catalog.session() as s:  # the next offload replaces it because it is PIXM's own bad copy
        kinds = s.execute(select(Copy.failure).where(Copy.state == "failed")).scalars().all()
    assert kinds == ["mismatch"]
    again = service.run(service.prepare(OffloadRequest(card, dests, template="{card}")))
    assert again.ok and sum(d.skipped for d in again.destinations) == 11  # only the bad copy was written
    catalog.close()


def test_a_cancel_that_ends_a_run_during_verification_is_a_cancel_not_a_failure():
    from pixm_desktop.core.model import CancelToken, JobStatus
    from pixm_desktop.services.offload import _final_status

    user, closing, running = CancelToken(), CancelToken(), CancelToken()
    user.cancel(by_user=True)
    closing.cancel()
    assert _final_status(True, user) == JobStatus.COMPLETED  # everything verified before the cancel landed
    assert _final_status(False, user) == JobStatus.CANCELLED
    assert _final_status(False, closing) == JobStatus.INTERRUPTED
    assert _final_status(False, running) == JobStatus.FAILED


def test_file_state_rows_fast_and_portable_agree_on_every_state(tmp_path):
    """store.status_repo: the SQLite fast path and the portable query give the same rows for a verified copy,
    a failed copy with its reason, a file with no copy row yet (pending) and a card entry not taken."""
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    with catalog.session() as s:
        card = Card(label="A001", camera="arri", reel="A001", quick_fingerprint="q", file_count=3, total_bytes=3,
                    source_path="/card")
        s.add(card)
        s.flush()
        d1, d2 = (Destination(card_id=card.id, path_raw=p.encode(), path=p) for p in ("/r/A001", "/s/A001"))
        files = [File(card_id=card.id, relpath_raw=n.encode(), relpath=n, size=1, mtime_ns=0, problem=p)
                 for n, p in (("b.mov", None), ("a.mov", None), ("c.mov", "cannot stat: permission denied"))]
        s.add_all([d1, d2, *files])
        s.flush()
        s.add_all([Copy(file_id=files[0].id, destination_id=d1.id, state="verified", verified_at=WHEN),
                   Copy(file_id=files[0].id, destination_id=d2.id, state="failed", reason="checksum mismatch"),
                   Copy(file_id=files[2].id, destination_id=d1.id, state="verified")])
        s.commit()
        fast = status_repo.file_state_rows(s, card.id)
        assert fast == status_repo.file_state_rows(s, card.id, portable=True)
        assert fast == [("a.mov", d1.id, "pending", None), ("a.mov", d2.id, "pending", None),
                        ("b.mov", d1.id, "verified", None), ("b.mov", d2.id, "failed", "checksum mismatch"),
                        ("c.mov", d1.id, "failed", "not taken from the card: cannot stat: permission denied"),
                        ("c.mov", d2.id, "failed", "not taken from the card: cannot stat: permission denied")]
        card_id = card.id
    full = status.file_states(catalog, card_id)
    assert full[2].verified_at == WHEN and full[2].verified_at.tzinfo is not None  # UTC, though SQLite drops it
    assert full[4].verified_at is None  # an entry not taken was never verified, whatever a copy row says
    assert [(f.relpath, f.destination_id, f.state, f.reason) for f in full] == fast
    assert [f.relpath for f in status.file_states(catalog, card_id, failures_only=True)] == ["b.mov", "c.mov",
                                                                                             "c.mov"]
    catalog.close()
