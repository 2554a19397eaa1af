"""The one card verdict (core.verdict.card_verdict) and its inputs from the catalog (services.status): every
rule, partitions of one disk are one drive, unknown drives are never guessed distinct, card entries PIXM could
not take and running jobs; the pre-copy destination-set check; ``pixm catalog cards --json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import select, update

from pixm_desktop.core.verdict import (
    CardState,
    CardVerdict,
    DestinationCopies,
    SafeRule,
    card_verdict,
    destination_set_problems,
)
from pixm_desktop.services import context, status
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import Destination, File, Job
from support.cards import write


def _d(i, drive_id, *, required=True, verified=10, failed=0, total=10, note=None, name=None, first=None):
    return DestinationCopies(f"/mnt/{name or drive_id or 'x'}/card{i}", total, pending=total - verified - failed,
                             verified=verified, failed=failed, required=required, name=name or "",
                             drive_id=drive_id, drive_note=note, first_failure=first)


def test_two_verified_copies_on_two_drives_are_safe_and_the_headline_says_so():
    v = card_verdict([_d(1, "disk:A", name="RAID-A"), _d(2, "disk:B", name="SHUTTLE-B")], 10)
    assert v.state == CardState.SAFE and v.safe and v.copies == 2
    assert v.headline == "SAFE TO FORMAT" and "2 verified copies on 2 drives" in v.reason
    assert v.as_dict() == {"state": "safe", "reason": v.reason, "copies": 2}


def test_fewer_copies_than_the_rule_needs_is_not_safe():
    one = card_verdict([_d(1, "disk:A")], 10)
    assert one.state == CardState.NOT_SAFE and not one.safe and one.copies == 1
    assert one.headline == f"NOT SAFE TO FORMAT: {one.reason}" and "only 1 verified copy of 2 needed" in one.reason
    assert card_verdict([_d(1, "disk:A")], 10, rule=SafeRule(min_copies=1)).safe
    three = card_verdict([_d(1, "disk:A"), _d(2, "disk:B")], 10, rule=SafeRule(min_copies=3))
    assert not three.safe and "only 2 verified copies of 3 needed" in three.reason


def test_two_partitions_of_one_disk_are_one_drive():
    # /dev/sdb1 and /dev/sdb2: different file systems, one physical disk → one drive_id
    dests = [_d(1, "disk:wwn-0x5000c500a1b2", name="RAID-A"), _d(2, "disk:wwn-0x5000c500a1b2", name="RAID-B")]
    v = card_verdict(dests, 10)
    assert v.state == CardState.NOT_SAFE and v.copies == 1
    assert "only 1 verified copy of 2 needed" in v.reason and "RAID-A and RAID-B are on the same drive" in v.reason
    # the documented user setting "count each folder as a copy" counts both
    assert card_verdict(dests, 10, rule=SafeRule(distinct_drives=False)).safe


def test_a_raid_and_one_of_its_member_disks_are_one_drive():
    # engine.drives: a mirror of disks B and C is "wwid:B+wwid:C"; a folder on disk B alone dies with it
    dests = [_d(1, "wwid:B+wwid:C", name="MIRROR"), _d(2, "wwid:B", name="SHUTTLE")]
    v = card_verdict(dests, 10)
    assert not v.safe and v.copies == 1 and "MIRROR and SHUTTLE are on the same drive" in v.reason
    assert card_verdict([_d(1, "wwid:B+wwid:C"), _d(2, "wwid:D")], 10).safe


def test_a_drive_the_os_cannot_tell_is_never_guessed_distinct():
    note = "network share: the server's disks cannot be seen from here"
    # two unknown drives count once together, and the reason says why
    both = card_verdict([_d(1, "", name="NAS-1", note=note), _d(2, "", name="NAS-2", note=note)], 10)
    assert not both.safe and both.copies == 1
    assert f"the OS cannot tell which drive holds NAS-1 and NAS-2: {note}" in both.reason
    # an unknown drive may be the very disk a known copy is on: it adds nothing to a known drive
    mixed = card_verdict([_d(1, "disk:A", name="RAID-A"), _d(2, "", name="NAS", note=note)], 10)
    assert not mixed.safe and mixed.copies == 1 and "cannot tell which drive holds NAS" in mixed.reason
    # two known drives plus an unknown one: safe on the known two
    assert card_verdict([_d(1, "disk:A"), _d(2, "disk:B"), _d(3, "", note=note)], 10).copies == 2
    # old catalog rows (no drive identity, no note): the same conservative rule, with a reason
    old = card_verdict([_d(1, "", name="RAID-A"), _d(2, "", name="SHUTTLE-B")], 10)
    assert not old.safe and "cannot tell which drive holds RAID-A and SHUTTLE-B" in old.reason
    # one unknown drive alone still is one copy (min_copies 1)
    assert card_verdict([_d(1, "", note=note)], 10, rule=SafeRule(min_copies=1)).safe


def test_every_required_destination_must_be_complete_and_optional_ones_need_not():
    req = card_verdict([_d(1, "A"), _d(2, "B"), _d(3, "C", name="LTO", verified=7, failed=0)], 10)
    assert req.state == CardState.NOT_SAFE and "required destination LTO: 3 pending" in req.reason
    opt = card_verdict([_d(1, "A"), _d(2, "B"), _d(3, "C", required=False, verified=0)], 10)
    assert opt.safe  # an optional destination still copying does not hold the card
    # an optional destination with failed copies does not count and does not fail the card
    optf = card_verdict([_d(1, "A"), _d(2, "B", required=False, verified=9, failed=1)], 10)
    assert optf.state == CardState.NOT_SAFE and optf.copies == 1


def test_failed_copies_on_a_required_destination_fail_the_card_with_the_first_file():
    v = card_verdict([_d(1, "A", name="RAID-A", verified=8, failed=2, first=("Clips/A001C003.mov", "mismatch")),
                      _d(2, "B")], 10)
    assert v.state == CardState.FAILED and not v.safe
    assert v.headline.startswith("FAILED: 2 files failed on RAID-A")
    assert "Clips/A001C003.mov: mismatch" in v.reason


def test_card_entries_pixm_could_not_take_fail_the_card_even_when_every_copy_is_verified():
    problems = [("Clips/locked.mov", "cannot stat: permission denied"), ("fifo", "special file (FIFO)"),
                ("x" * 300, "name too long")]
    v = card_verdict([_d(1, "A"), _d(2, "B")], 10, problems=problems)
    assert v.state == CardState.FAILED and v.copies == 2
    assert v.reason == ("Clips/locked.mov could not be taken from the card: cannot stat: permission denied "
                        "(and 2 more card entries)")
    # a card where nothing could be taken: failed, not "nothing in the catalog"
    assert card_verdict([], 0, problems=problems[:1]).state == CardState.FAILED
    assert "(and" not in card_verdict([_d(1, "A"), _d(2, "B")], 10, problems=problems[:1]).reason


def test_a_running_job_is_copying_unless_a_failure_already_decides():
    done = [_d(1, "A"), _d(2, "B")]
    v = card_verdict(done, 10, running=True)
    assert v.state == CardState.COPYING and not v.safe and v.headline.startswith("COPYING: ")
    half = [_d(1, "A", verified=4), _d(2, "B", verified=3)]
    assert card_verdict(half, 10, running=True).state == CardState.COPYING
    failing = [_d(1, "A", verified=4, failed=1), _d(2, "B", verified=3)]
    assert card_verdict(failing, 10, running=True).state == CardState.FAILED
    assert card_verdict(done, 10, running=True, problems=[("a", "unreadable")]).state == CardState.FAILED


def test_nothing_in_the_catalog_or_no_destination_is_not_safe():
    assert card_verdict([], 10).reason == "the card has not been offloaded to any destination"
    empty = card_verdict([_d(1, "A", total=0, verified=0), _d(2, "B", total=0, verified=0)], 0)
    assert empty.state == CardState.NOT_SAFE and "no file" in empty.reason
    assert card_verdict([_d(1, "A", verified=0), _d(2, "B", verified=0)], 10).state == CardState.NOT_SAFE


def test_brief_names_tell_folders_on_one_drive_apart():
    pairs = [("/media/x/RAID-A/Day 1/A001", "x"), ("/media/x/SHUTTLE-B/Day 1/A001", "x")]
    assert status.brief_names(pairs) == ["RAID-A", "SHUTTLE-B"]
    assert status.short_names(pairs) == [p for p, _l in pairs]  # the views' names are unchanged
    assert status.brief_names([("/a/RAID/x", "RAID"), ("/b/SHUTTLE/x", "SHUTTLE")]) == ["RAID", "SHUTTLE"]
    assert status.brief_names([("/tmp/x", "/")]) == ["/tmp/x"]
    assert status.brief_names([("/m/a/x", "/"), ("/m/a/x/y", "/")]) == ["/m/a/x", "/m/a/x/y"]


def test_destination_set_problems_before_the_copy():
    rule = SafeRule()
    assert destination_set_problems([("RAID-A", "disk:1", None), ("SHUTTLE-B", "disk:2", None)], rule) == []
    same = destination_set_problems([("RAID-A", "disk:1", None), ("RAID-B", "disk:1", None)], rule)
    assert same[0] == "RAID-A and RAID-B are on the same drive" and "count as 1 drive;" in same[-1]
    one = destination_set_problems([("RAID-A", "disk:1", None)], rule)
    assert len(one) == 1 and "needs 2 verified copies on different drives" in one[0]
    unknown = destination_set_problems([("RAID-A", "disk:1", None), ("NAS", "", "network share")], rule)
    assert "the OS cannot tell which drive holds NAS: network share" in unknown
    folders = SafeRule(distinct_drives=False)
    assert destination_set_problems([("RAID-A", "disk:1", None), ("RAID-B", "disk:1", None)], folders) == []
    assert destination_set_problems([("RAID-A", "disk:1", None)], folders) == [
        "only 1 destination: the rule needs 2 verified copies"]
    assert destination_set_problems([("A", "1", None), ("B", "2", None)], SafeRule(min_copies=3))


# --- the verdict's inputs from the catalog -----------------------------------------------------------------


def _offload(tmp_path):
    card = tmp_path / "A001R1AB"
    for i in range(3):
        write(card / "Clips" / f"A001C00{i}_261123_R1AB.mov", os.urandom(4000 + i))
    dests = [tmp_path / "RAID-A", tmp_path / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(card, dests, template="{card}")))
    assert result.ok
    return catalog, result.card_id


def _set_drives(catalog, card_id, *ids, note=None):
    with catalog.session() as s:
        dests = list(s.scalars(select(Destination).where(Destination.card_id == card_id).order_by(Destination.id)))
        for d, drive in zip(dests, ids, strict=True):
            d.drive_id, d.drive_note = drive, note
        s.commit()


def test_catalog_inputs_drive_identity_problems_and_running_jobs(tmp_path):
    catalog, card_id = _offload(tmp_path)
    try:
        # rows as an older PIXM wrote them (no drive identity): never safe under the distinct-drives rule
        _set_drives(catalog, card_id, "", "")
        old = status.card_status(catalog, card_id).verdict
        assert old.state == CardState.NOT_SAFE and "cannot tell which drive" in old.reason
        assert "did not identify physical drives" in old.reason
        assert status.card_status(catalog, card_id, distinct_drives=False).verdict.safe
        # two partitions of one disk: one drive
        _set_drives(catalog, card_id, "disk:serial-1", "disk:serial-1")
        same = status.card_status(catalog, card_id).verdict
        assert same.state == CardState.NOT_SAFE and same.copies == 1 and "are on the same drive" in same.reason
        _set_drives(catalog, card_id, "disk:serial-1", "disk:serial-2")
        assert status.card_status(catalog, card_id).verdict.safe
        assert status.card_verdicts(catalog, [card_id, 999])[card_id].safe
        assert status.card_verdicts(catalog, [card_id], rule=SafeRule(min_copies=3))[card_id].state == "not_safe"
        # a running job of a live process (this one) → copying; of a dead process on this cart → not running
        with catalog.session() as s:
            job = s.scalar(select(Job).where(Job.card_id == card_id))
            s.execute(update(Job).where(Job.id == job.id).values(status="running", host=context.hostname(),
                                                                 pid=os.getpid()))
            s.commit()
        st = status.card_status(catalog, card_id)
        assert st.running and st.verdict.state == CardState.COPYING
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, check=True)
        with catalog.session() as s:
            s.execute(update(Job).where(Job.card_id == card_id).values(pid=int(dead.stdout)))
            s.commit()
        assert status.card_status(catalog, card_id).verdict.safe
        # a card entry PIXM could not take blocks the verdict
        with catalog.session() as s:
            s.add(File(card_id=card_id, relpath_raw=b"Clips/locked.mov", relpath="Clips/locked.mov", size=0,
                       mtime_ns=0, problem="cannot stat: permission denied"))
            s.commit()
        st = status.card_status(catalog, card_id)
        assert st.problems == [("Clips/locked.mov", "cannot stat: permission denied")]
        assert st.verdict.state == CardState.FAILED and "Clips/locked.mov" in st.verdict.reason
        # … and it is a failure in the Verification file table, on every destination, with its reason
        table = status.file_state_table(catalog, card_id)
        locked = [r for r in table.rows if r[0] == "Clips/locked.mov"]
        assert [r[2] for r in locked] == ["failed", "failed"] and table.failed == 2
        assert locked[0][3] == "not taken from the card: cannot stat: permission denied"
        assert table.rows == [(f.relpath, f.destination_id, f.state, f.reason) for f in status.file_states(catalog,
                                                                                                       card_id)]
        assert isinstance(st.verdict, CardVerdict)
    finally:
        catalog.close()


def test_pixm_catalog_cards_json_carries_the_verdict(tmp_path, capsys):
    from pixm_desktop.cli import main

    catalog, card_id = _offload(tmp_path)
    _set_drives(catalog, card_id, "disk:serial-1", "disk:serial-1")
    catalog.close()
    capsys.readouterr()
    assert main(["catalog", "cards", "--json", "--catalog", str(tmp_path / "catalog.sqlite")]) == 0
    [card] = json.loads(capsys.readouterr().out)
    assert card["verdict"]["state"] == "not_safe" and card["verdict"]["copies"] == 1
    assert "are on the same drive" in card["verdict"]["reason"]
    assert main(["catalog", "cards", "--catalog", str(tmp_path / "catalog.sqlite")]) == 0
    flat = " ".join(capsys.readouterr().out.split())
    assert "NOT SAFE" in flat and "│ SAFE" not in flat


def test_offload_and_daily_pdfs_print_the_card_verdict_not_the_job_result(tmp_path):
    import re

    from pypdf import PdfReader

    from pixm_desktop.services import reports

    def text(path):
        return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(path).pages))

    catalog, card_id = _offload(tmp_path)
    try:
        _set_drives(catalog, card_id, "disk:serial-1", "disk:serial-1")  # complete job, one drive
        reports.write_offload_report(catalog, tmp_path / "off.pdf", job_id=1)
        t = text(tmp_path / "off.pdf")
        assert "NOT SAFE TO FORMAT" in t and "RAID-A and SHUTTLE-B are on the same drive" in t and "COMPLETED" in t
        # the window's rule (count each folder) is the rule the report judges by
        folders = reports.ReportOptions(rule=SafeRule(distinct_drives=False))
        reports.write_offload_report(catalog, tmp_path / "folders.pdf", job_id=1, options=folders)
        assert "NOT SAFE" not in text(tmp_path / "folders.pdf")
        with catalog.session() as s:  # a card entry PIXM could not take
            s.add(File(card_id=card_id, relpath_raw=b"Clips/locked.mov", relpath="Clips/locked.mov", size=0,
                       mtime_ns=0, problem="cannot stat: permission denied"))
            s.commit()
        reports.write_offload_report(catalog, tmp_path / "failed.pdf", job_id=1, options=folders)
        t = text(tmp_path / "failed.pdf")
        assert "NOT SAFE TO FORMAT — FAILED" in t and "Clips/locked.mov could not be taken from the card" in t
        [day] = reports.shoot_days(catalog)
        reports.write_daily_report(catalog, day.day, tmp_path / "day.pdf", options=folders)
        t = text(tmp_path / "day.pdf")
        assert "ATTENTION" in t and "NOT SAFE TO FORMAT — FAILED" in t and "ALL CARDS SAFE" not in t
        [job] = reports.offload_jobs(catalog, rule=SafeRule(distinct_drives=False))
        assert job.status == "completed" and job.verdict.state == CardState.FAILED
    finally:
        catalog.close()
