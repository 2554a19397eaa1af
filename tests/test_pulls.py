"""VFX pulls and DI delivery (issue 15) on generated cards: exact ranges with handles, clamping at the clip's
ends, merged overlaps, VFX numbers from 1001 on the first handle frame, the pull list (CSV, EDL, PDF), a --trim
pull probed back (first frame timecode = in − handles, frame count = range), MXF never trimmed, packages
verified by ``ascmhl-debug``, pulls recorded, re-pull flagged by the next version, a DI delivery by reel with
one EDL per track, untrusted shot names kept inside the package, a copy that does not match refused."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from pixm_desktop.core.errors import CancelledError, VerificationFailedError
from pixm_desktop.core.timecode import frames_to_tc, tc_to_frames
from pixm_desktop.media.probe import probe_media
from pixm_desktop.post.edl import read_edl
from pixm_desktop.services import cuts, pulls
from pixm_desktop.store import cuts_repo
from pixm_desktop.store.models import Pull
from support.cards import flip_byte
from support.cli import cli
from support.mhl import assert_ascmhl_clean
from support.post_shoot import F24, by_name, clip_item, write_cut

pytest_plugins = ["support.post_shoot"]


def own_start(sample) -> int:
    return tc_to_frames(sample.start_timecode, sample.fps)


@pytest.fixture
def pulled(cut_shoot, tmp_path):
    """Cut P1 (four shots: two overlapping on A001C001 near its head, one on B002's MXF, one on A001C002
    with room for every handle) marked and pulled with --trim and 8 handles."""
    catalog, path, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    b1, _ = by_name(found, "B002")
    items = [clip_item(a1, 4, 12, reel=a1.tape_name), clip_item(a1, 10, 4, reel=a1.tape_name),
             clip_item(b1, 2, 8, reel=b1.tape_name), clip_item(a2, 10, 3, reel=a2.tape_name)]
    cuts.import_cut(catalog, [write_cut(tmp_path, "P1", items, style="avid")], "P1")
    mark = cli("vfx", "mark", "--cut", "P1", "--events", "1,2,3,4", "--show", "ABC", "--seq", "020",
               "--catalog", path)
    assert mark.code == 0, mark.text
    out = tmp_path / "out"
    out.mkdir()
    run = cli("pull", "--cut", "P1", "--to", out, "--trim", "--json", "--catalog", path)
    assert run.code == 0, run.text
    return catalog, path, found, json.loads(run.out), tmp_path


def test_pull_ranges_vfx_numbers_and_the_pull_list(pulled):
    _, _, found, result, _ = pulled
    a1, a2, _ = by_name(found, "A001")
    root = Path(result["root"])
    rows = list(csv.DictReader(io.StringIO((root / "pull_list.csv").read_text())))
    assert [r["shot"] for r in rows] == ["ABC_020_0010", "ABC_020_0020", "ABC_020_0030", "ABC_020_0040"]
    head = rows[0]  # A001C001 frames 4–15: only 4 frames before it, 8 after (the clip's 24th frame is the last)
    assert (head["handles_head"], head["handles_tail"], head["short"]) == ("4", "8", "head")
    assert (head["vfx_first"], head["vfx_cut_in"], head["vfx_cut_out"], head["vfx_last"]) == ("1001", "1005", "1016",
                                                                                           "1024")
    assert head["pull_tc_in"] == frames_to_tc(own_start(a1), F24)
    full = rows[3]  # A001C002 frames 10–12 with 8 handles: 2–20
    assert (full["handles_head"], full["handles_tail"], full["short"], full["frames"]) == ("8", "8", "", "19")
    assert (full["vfx_cut_in"], full["vfx_cut_out"], full["vfx_last"]) == ("1009", "1011", "1019")
    assert full["src_tc_in"] == frames_to_tc(own_start(a2) + 10, F24)
    assert full["pull_tc_in"] == frames_to_tc(own_start(a2) + 2, F24)
    edl = read_edl(root / "pull_list.edl")
    assert [e.clip_name for e in edl.events] == [r["shot"] for r in rows]
    assert (root / "count_sheet.pdf").read_bytes().startswith(b"%PDF")


def test_a_trim_pull_is_probed_back_and_merges_overlaps_and_mxf_stays_whole(pulled):
    _, _, found, result, _ = pulled
    a1, a2, _ = by_name(found, "A001")
    b1, _ = by_name(found, "B002")
    root = Path(result["root"])
    a1_files = [f for f in result["files"] if f.startswith("media/") and a1.clip_name in f]
    assert a1_files == [f"media/{a1.tape_name}/{a1.clip_name}_000000-000023.mov"]  # events 1 and 2 merged
    (a2_file,) = [f for f in result["files"] if a2.clip_name in f]
    back = probe_media(root / a2_file)
    assert back.start_frame == own_start(a2) + 10 - 8  # first frame TC = in − handles
    assert back.frames == 19 and back.codec == "prores"
    assert back.start_tc == frames_to_tc(own_start(a2) + 2, F24)
    mxf = b1.files[0]
    assert any(f.endswith(mxf) for f in result["files"])  # the Sony MXF whole, under its camera path
    assert any(b1.clip_name in p and "whole file" in p for p in result["problems"])


def test_the_pull_package_verifies_and_the_pulls_are_recorded(pulled):
    catalog, _, _, result, tmp_path = pulled
    root = Path(result["root"])
    assert_ascmhl_clean(root)
    manifest = json.loads((root / "manifest.json").read_text())
    camera = [m for m in manifest["files"] if "catalog_file_id" in m]
    assert camera and all(("RAID-A" in m["from"]) or ("SHUTTLE-B" in m["from"]) for m in camera)
    with catalog.session() as s:
        rows = s.scalars(select(Pull).order_by(Pull.id)).all()
    assert [(p.shot, p.pull_in, p.pull_out, p.handles, p.first_frame) for p in rows][3] == (
        "ABC_020_0040", 2, 21, 8, 1001)
    assert {p.package for p in rows} == {str(root)} and len(rows) == 4


def test_the_next_version_flags_a_re_pull_exactly_when_it_leaves_the_pulled_range(pulled):
    catalog, path, found, _, tmp_path = pulled
    a1, a2, _ = by_name(found, "A001")
    b1, _ = by_name(found, "B002")
    items = [clip_item(a1, 5, 10, reel=a1.tape_name),  # trimmed, still inside what was pulled
             clip_item(a1, 10, 4, reel=a1.tape_name), clip_item(b1, 2, 8, reel=b1.tape_name),
             clip_item(a2, 10, 12, reel=a2.tape_name)]  # now to frame 21: one past the pulled 2–20
    cuts.import_cut(catalog, [write_cut(tmp_path, "P1v2", items, style="avid")], "P1")
    run = cli("cut", "diff", "P1@1", "P1@2", "--json", "--catalog", path)
    changes = json.loads(run.out)["changes"]
    flagged = [c for c in changes if c["repull"]]
    assert len(flagged) == 1 and flagged[0]["new"]["source"].startswith(a2.clip_name)
    assert "1 frame(s) after" in flagged[0]["repull"]
    trimmed = [c for c in changes if c["kind"] == "trimmed"]
    assert {(c["head"], c["tail"]) for c in trimmed} == {(-1, -1), (0, 9)}
    text = cli("cut", "diff", "P1@1", "P1@2", "--catalog", path).out
    assert "RE-PULL NEEDED" in text


def test_di_delivery_by_reel_with_an_edl_per_track(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    b1, _ = by_name(found, "B002")
    v1 = write_cut(tmp_path, "DI1", [clip_item(a1, 0, 10, reel=a1.tape_name), clip_item(a2, 3, 6, reel=a2.tape_name),
                                     clip_item(a2, 10, 2, reel="NOBODY", url="file:///x/nope.mov")])
    v2 = write_cut(tmp_path, "DI2", [clip_item(b1, 0, 6, reel=b1.tape_name)])
    cuts.import_cut(catalog, [v1, v2], "DI")
    out = tmp_path / "di"
    out.mkdir()
    run = cli("deliver", "di", "--cut", "DI", "--to", out, "--catalog", path)
    assert run.code == 0, run.text
    root = out / "DI_v001_di"
    assert (root / "A001" / a1.tape_name / a1.files[0]).is_file()
    assert (root / "A001" / a2.tape_name / a2.files[0]).is_file()
    assert (root / "B002").is_dir()
    assert_ascmhl_clean(root)
    v1_back = read_edl(root / "EDL" / "DI_V1.edl")
    original = read_edl(v1)
    assert [(e.reel, e.src_in, e.src_out, e.rec_in, e.rec_out) for e in v1_back.events] == [
        (e.reel, e.src_in, e.src_out, e.rec_in, e.rec_out) for e in original.events]
    assert (root / "EDL" / "DI_V2.edl").is_file()
    report = (root / "delivery_report.csv").read_text()
    assert "not delivered: V1 event 3: unmatched" in report


def test_untrusted_shot_names_and_cut_names_stay_inside_the_package(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a1 = by_name(found, "A001")[0]
    cuts.import_cut(catalog, [write_cut(tmp_path, "U", [clip_item(a1, 4, 4, reel=a1.tape_name)])], "../../U")
    shots = tmp_path / "shots.csv"
    shots.write_text("event,shot\n1,../../../../evil\n")
    assert cli("vfx", "mark", "--cut", "../../U", "--shots", shots, "--catalog", path).code == 0
    out = tmp_path / "deep" / "out"
    out.mkdir(parents=True)
    result = pulls.pull(catalog, "../../U", out)
    assert result.root == out / "U_v001_vfx"
    written = [Path(dp, f) for dp, _, fs in os.walk(tmp_path / "deep") for f in fs]
    assert written and all(result.root in p.parents for p in written)
    assert {p.name for p in tmp_path.iterdir()} - {"catalog.sqlite-shm", "catalog.sqlite-wal"} == {
        "U.edl", "catalog.sqlite", "deep", "shots.csv"}
    assert result.rows[0]["shot"] == "evil"


def test_a_copy_that_does_not_match_the_catalog_is_refused_and_no_history_written(cut_shoot, tmp_path):
    catalog, path, found = cut_shoot
    a3 = by_name(found, "A001")[2]
    cuts.import_cut(catalog, [write_cut(tmp_path, "H", [clip_item(a3, 4, 4, reel=a3.tape_name)])], "H")
    cuts.mark_vfx(catalog, "H", events=[1])
    with catalog.session() as s:  # the verified copies of the clip's file, on the module's two destinations
        clip_id = cuts_repo.find(s, "H").events[0].clip_id
        (f,) = cuts_repo.clip_file_rows(s, [clip_id])[clip_id]
        copies = [Path(os.fsdecode(p)) for p in cuts_repo.verified_copies(s, [f.id])[f.id]]
    assert len(copies) == 2
    out = tmp_path / "out"
    out.mkdir()
    for c in copies:
        flip_byte(c)
    try:
        with pytest.raises(VerificationFailedError, match="does not match the catalog"):
            pulls.pull(catalog, "H", out)
    finally:
        for c in copies:
            flip_byte(c)
    root = out / "H_v001_vfx"
    assert not (root / "ascmhl").exists()
    with catalog.session() as s:
        assert s.scalars(select(Pull)).all() == []


def test_a_trim_copies_the_cameras_own_frames_and_its_sound(tmp_path):
    """Stream copy, not a re-encode: each frame of the range is the source's packet, byte for byte; the
    clip's audio comes along for the same span; the start timecode is the first frame's."""
    import av

    from pixm_desktop.media.probe import probe_media
    from pixm_desktop.media.trim import stream_copy_range
    from support.cards import make_card

    card = make_card(tmp_path / "cards", "arri", clips=1, seconds=2.0)
    src = card.root / card.clips[0].files[0]
    with av.open(str(src)) as c:
        frames = [bytes(p) for p in c.demux(video=0) if p.size]
        has_audio = bool(c.streams.audio)
    dest = tmp_path / "trim.mov"
    assert stream_copy_range(src, dest, card.clips[0].fps, 10, 20, "01:00:00:10") == 20
    with av.open(str(dest)) as c:
        assert [bytes(p) for p in c.demux(video=0) if p.size] == frames[10:30]
        assert bool(c.streams.audio) == has_audio
    back = probe_media(dest)
    assert (back.start_tc, back.frames) == ("01:00:00:10", 20)
    with pytest.raises(ValueError, match="empty frame range"):
        stream_copy_range(src, tmp_path / "none.mov", card.clips[0].fps, 5, 0, "01:00:00:00")
    assert not (tmp_path / "none.mov").exists()


def test_a_pull_is_a_job_and_a_cancelled_one_leaves_nothing(cut_shoot, tmp_path, monkeypatch):
    """``pixm pull`` runs as a ``pull`` job (its row in ``jobs``); a cancel between two steps removes the new
    package folder and records no pull."""
    from pixm_desktop.core.model import CancelToken
    from pixm_desktop.core.states import JobKind, PostJobOptions
    from pixm_desktop.services import jobs
    from pixm_desktop.store.models import Job

    catalog, path, found = cut_shoot
    a1, a2, _ = by_name(found, "A001")
    items = [clip_item(a1, 4, 12, reel=a1.tape_name), clip_item(a2, 10, 3, reel=a2.tape_name)]
    cuts.import_cut(catalog, [write_cut(tmp_path, "J1", items, style="avid")], "J1")
    assert cli("vfx", "mark", "--cut", "J1", "--events", "1,2", "--catalog", path).code == 0
    out = tmp_path / "out"
    out.mkdir()
    token, copy = CancelToken(), pulls._copy_hashed

    def copy_then_cancel(*args):  # the loader presses Cancel while the first camera file is copied
        token.cancel()
        return copy(*args)

    monkeypatch.setattr(pulls, "_copy_hashed", copy_then_cancel)
    with pytest.raises(CancelledError):
        jobs.execute(catalog, JobKind.PULL, PostJobOptions(cut="J1", folder=str(out)), cancel=token)
    monkeypatch.setattr(pulls, "_copy_hashed", copy)
    assert os.listdir(out) == []
    with catalog.session() as s:
        assert s.scalars(select(Pull)).all() == []
    run = cli("pull", "--cut", "J1", "--to", out, "--catalog", path)
    assert run.code == 0, run.text
    assert "copying " in run.err  # the job's steps, as they happen
    with catalog.session() as s:
        kinds = [(j.kind, j.status) for j in s.scalars(select(Job).where(Job.kind == JobKind.PULL.value))]
        assert kinds[-1] == ("pull", "completed") and len(s.scalars(select(Pull)).all()) == 2
