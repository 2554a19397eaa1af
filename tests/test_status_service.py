"""The loader's view of the catalog: the lean file × destination table equals
the full file states, odd names and failures with their reasons included."""

from __future__ import annotations

import os

from sqlalchemy import select

from pixm_desktop.services import status
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Copy
from support.cards import write


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
