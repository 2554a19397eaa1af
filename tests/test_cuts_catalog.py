"""Cuts against a real catalog (issue 15): generated cards (ARRI 23.976 with an 8-character tape name per
card, Sony 25 with a tape name per clip, ARRI 29.97 cut in drop-frame labels) offloaded and ingested; EDLs
written by OpenTimelineIO from those clips' own names and timecodes; import, show, list, resolution, the same
cut as EDL and FCP XML, versions, lock and diff through the CLI and the services."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from pixm_desktop.core.errors import CutFormatError
from pixm_desktop.core.timecode import frames_to_tc, tc_to_frames
from pixm_desktop.services import cuts
from pixm_desktop.store.models import CutEvent
from support.cli import cli
from support.post_shoot import F24, F2997, by_name, clip_item, start, write_cut

pytest_plugins = ["support.post_shoot"]

def test_an_otio_edl_resolves_by_tape_name_and_source_file_and_lists_the_unmatched(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a1, a2, a3 = by_name(found, "A001")
    b1, _ = by_name(found, "B002")
    items = [clip_item(a1, 2, 10, reel=a1.tape_name), clip_item(b1, 3, 8, reel=b1.tape_name),
             clip_item(a2, 0, 12, reel=a2.tape_name, url="file:///nowhere/unknown.mov"),
             clip_item(a3, 4, 4, reel="NOBODY", name=a3.clip_name, url="file:///x/not_a_clip.mov")]
    edl = write_cut(tmp_path, "R1", items, style="avid")
    run = cli("cut", "import", edl, "--name", "R1", "--catalog", path)
    assert run.code == 0, run.text
    assert "3 resolved, 1 unmatched" in run.out and "not used to match" in run.out
    view = cuts.show_cut(catalog, "R1")
    assert [e.clip for e in view.events] == [a1.clip_name, b1.clip_name, a2.clip_name, None]
    assert [e.match_by for e in view.events[:3]] == ["source file", "source file", "reel"]  # unknown.mov: by reel
    assert view.events[0].src_in == frames_to_tc(start(a1) + 2, F24)
    listed = json.loads(cli("cut", "list", "--json", "--catalog", path).out)
    assert listed[0] | {"imported_at": None} == listed[0] | {
        "name": "R1", "version": 1, "events": 4, "resolved": 3, "unmatched": 1, "imported_at": None}


def test_the_same_cut_as_edl_and_as_fcp_xml_resolves_identically(cut_shoot, tmp_path):
    catalog, _, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    b1, b2 = by_name(found, "B002")
    items = lambda: [clip_item(a1, 0, 6, reel=a1.tape_name), clip_item(a2, 5, 12, reel=a2.tape_name),  # noqa: E731
                     clip_item(b2, 2, 6, reel=b2.tape_name), clip_item(b1, 1, 4, reel=b1.tape_name)]
    edl = cuts.import_cut(catalog, [write_cut(tmp_path, "E", items(), style="avid")], "E")
    xml = cuts.import_cut(catalog, [write_cut(tmp_path, "X", items(), adapter="fcp_xml")], "X")
    assert xml.format == "fcp_xml" and edl.format == "cmx3600"
    key = lambda v: [(e.status, e.clip, e.src_in, e.src_out, e.rec_in, e.rec_out) for e in v.events]  # noqa: E731
    assert key(edl) == key(xml)
    assert {e.status for e in xml.events} == {"resolved"} and xml.events[0].match_by == "source file"


def test_full_name_reels_and_source_file_comments(cut_shoot, tmp_path):
    catalog, _, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    s1, s2 = start(a1), start(a2)
    text = ("TITLE: FULL\nFCM: NON-DROP FRAME\n\n"
            f"001  {a1.clip_name:32} V     C        {frames_to_tc(s1 + 1, F24)} {frames_to_tc(s1 + 9, F24)} "
            "01:00:00:00 01:00:00:08\n"
            f"002  {'AX':32} V     C        {frames_to_tc(s2, F24)} {frames_to_tc(s2 + 5, F24)} "
            "01:00:00:08 01:00:00:13\n"
            f"* SOURCE FILE: {a2.clip_name}\n")
    (tmp_path / "full.edl").write_text(text)
    view = cuts.import_cut(catalog, [tmp_path / "full.edl"], "FULL")
    assert [(e.clip, e.match_by) for e in view.events] == [(a1.clip_name, "reel"), (a2.clip_name, "source file")]


def test_a_drop_frame_cut_finds_its_2997_clips_frame_for_frame(cut_shoot, tmp_path):
    catalog, _, found = cut_shoot
    c1, c2 = by_name(found, "C003")
    tc = lambda f: frames_to_tc(f, F2997, drop_frame=True)  # noqa: E731
    text = ("TITLE: DF\nFCM: DROP FRAME\n\n"
            f"001  {c1.tape_name:8} V     C        {tc(start(c1) + 3)} {tc(start(c1) + 20)} 01:00:00;00 "
            f"{tc(tc_to_frames('01:00:00;00', F2997) + 17)}\n"
            f"* SOURCE FILE: {c1.clip_name}.mov\n"
            f"002  {c2.tape_name:8} V     C        {tc(start(c2))} {tc(start(c2) + 30)} "
            f"{tc(tc_to_frames('01:00:00;00', F2997) + 17)} {tc(tc_to_frames('01:00:00;00', F2997) + 47)}\n")
    (tmp_path / "df.edl").write_text(text)
    view = cuts.import_cut(catalog, [tmp_path / "df.edl"], "DF")
    assert view.fps == "30000/1001" and [e.clip for e in view.events] == [c1.clip_name, c2.clip_name]
    assert [e.frames for e in view.events] == [17, 30]


def test_a_malformed_edl_is_never_half_imported(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a1 = by_name(found, "A001")[0]
    good = write_cut(tmp_path, "G", [clip_item(a1, 0, 6, reel=a1.tape_name)]).read_text()
    bad = tmp_path / "bad.edl"
    bad.write_text(good + "002  A001 V C garbage here\nthis is not an EDL line\n")
    run = cli("cut", "import", bad, "--name", "BAD", "--catalog", path)
    assert run.code == 2 and "bad.edl" in run.err and "line 6" in run.err and "line 7" in run.err
    assert cuts.list_cuts(catalog) == []
    with pytest.raises(CutFormatError):
        cuts.import_cut(catalog, [bad], "BAD")
    with catalog.session() as s:
        assert s.scalars(select(CutEvent)).all() == []


def test_two_edls_are_two_video_tracks(cut_shoot, tmp_path):
    catalog, _, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    b1, _ = by_name(found, "B002")
    v1 = write_cut(tmp_path, "V1", [clip_item(a1, 0, 12, reel=a1.tape_name), clip_item(a2, 0, 12, reel=a2.tape_name)])
    v2 = write_cut(tmp_path, "V2", [clip_item(b1, 0, 6, reel=b1.tape_name)])
    view = cuts.import_cut(catalog, [v1, v2], "TRACKS")
    assert [(e.track, e.clip) for e in view.events] == [(1, a1.clip_name), (1, a2.clip_name), (2, b1.clip_name)]


def test_versions_lock_and_diff_against_the_lock(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a1, a2, a3 = by_name(found, "A001")
    b1, b2 = by_name(found, "B002")
    v1 = [clip_item(a1, 4, 12, reel=a1.tape_name), clip_item(a2, 0, 10, reel=a2.tape_name),
          clip_item(b1, 0, 10, reel=b1.tape_name)]
    v2 = [clip_item(a1, 2, 13, reel=a1.tape_name),  # head +2, tail -1
          clip_item(b1, 0, 10, reel=b1.tape_name), clip_item(a2, 0, 10, reel=a2.tape_name),  # swapped
          clip_item(a3, 0, 8, reel=a3.tape_name)]  # added
    cuts.import_cut(catalog, [write_cut(tmp_path, "v1", v1)], "R7")
    lock = cli("cut", "lock", "R7", "--by", "Editor Ed", "--catalog", path)
    assert lock.code == 0 and "LOCKED by Editor Ed" in lock.out
    cuts.import_cut(catalog, [write_cut(tmp_path, "v2", v2)], "R7")
    v3 = [clip_item(b2, 0, 10, reel=b2.tape_name)] + v2[1:]  # a1 replaced by b2 in its slot
    cuts.import_cut(catalog, [write_cut(tmp_path, "v3", v3)], "R7")
    shown = cuts.show_cut(catalog, "R7")
    assert shown.version == 3 and shown.locked_version == 1 and shown.locked_at is None
    d = cuts.diff_cuts(catalog, "R7@1", "R7@2")
    kinds = {c.new.label.split()[0] if c.new else c.old.label.split()[0]: c for c in d.changes}
    assert (kinds[a1.clip_name].kind, kinds[a1.clip_name].head, kinds[a1.clip_name].tail) == ("trimmed", 2, -1)
    assert kinds[a3.clip_name].kind == "added"
    assert sum(c.moved for c in d.changes) == 1
    against = cli("cut", "diff", "R7", "--json", "--catalog", path)
    data = json.loads(against.out)
    assert data["old"] == "R7@1" and data["new"] == "R7@3" and data["against_lock"]
    assert data["counts"]["source changed"] == 1 and data["counts"]["added"] == 1
    again = cuts.import_cut(catalog, [write_cut(tmp_path, "v4", v1)], "R7")  # back to the locked cut
    d4 = cuts.diff_cuts(catalog, "R7@3", f"R7@{again.version}")
    assert any(c.kind == "reinstated" and c.new.label.startswith(a1.clip_name) for c in d4.changes)


def test_vfx_shots_from_the_editors_markers(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    edl = write_cut(tmp_path, "M", [clip_item(a1, 0, 6, reel=a1.tape_name), clip_item(a2, 0, 6, reel=a2.tape_name)])
    lines = edl.read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("002"))
    lines.insert(at + 1, "* LOC: 00:00:00:08 RED     ABC_030_0100 comp the sky")
    edl.write_text("\n".join(lines) + "\n")
    cuts.import_cut(catalog, [edl], "M")
    run = cli("vfx", "mark", "--cut", "M", "--markers", "--json", "--catalog", path)
    assert run.code == 0, run.text
    assert json.loads(run.out) == [{"event": 2, "track": 1, "shot": "ABC_030_0100"}]


def test_marking_shots_twice_never_gives_two_events_one_name(cut_shoot, tmp_path):
    catalog, _, found = cut_shoot
    a1, a2, a3 = by_name(found, "A001")
    edl = write_cut(tmp_path, "S", [clip_item(a1, 0, 6, reel=a1.tape_name), clip_item(a2, 0, 6, reel=a2.tape_name),
                                    clip_item(a3, 0, 6, reel=a3.tape_name)])
    cuts.import_cut(catalog, [edl], "S")
    assert cuts.mark_vfx(catalog, "S", events=[2], show="ABC") == [{"event": 2, "track": 1, "shot": "ABC_010_0010"}]
    again = cuts.mark_vfx(catalog, "S", events=[1, 3], show="ABC")
    assert [m["shot"] for m in again] == ["ABC_010_0020", "ABC_010_0030"]
    assert [e.shot for e in cuts.show_cut(catalog, "S").events] == ["ABC_010_0020", "ABC_010_0010", "ABC_010_0030"]
