"""Reading cuts (issue 15): CMX 3600 EDLs written by OpenTimelineIO's own writer in each of its styles and by
hand (8-character and full-name reels, SOURCE FILE, dissolves, M2 at 48 fps, freeze, reverse, 29.97 DF), FCP7
XML with two video tracks, malformed lines named by line number, a 10 MB garbage file refused early; resolution
against clip records (never by FROM CLIP NAME), pull ranges with handles, clamping and merging, diff kinds and
the re-pull flag. No media: the catalog side is in test_cuts_catalog."""

from __future__ import annotations

import os
import tracemalloc
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from opentimelineio import opentime

from pixm_desktop.core.errors import CutFormatError
from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.post.diff import DiffEvent, diff, repull_reason
from pixm_desktop.post.edl import MAX_REPORTED, read_edl
from pixm_desktop.post.otio_read import read_otio
from pixm_desktop.post.pulls import EdlLine, merge, pull_list_csv, pull_range, shot_id, write_edl
from pixm_desktop.post.resolve import ClipRef, Resolver

F24 = Fraction(24000, 1001)
F2997 = Fraction(30000, 1001)
R = 24000 / 1001
PRINTABLE = bytes(32 + b % 95 for b in range(256))


def otio_clip(name: str, url: str, tc: str, frames: int, reel: str | None = None, rate: float = R) -> otio.schema.Clip:
    start = opentime.from_timecode(tc, rate)
    ref = otio.schema.ExternalReference(target_url=url, available_range=opentime.TimeRange(
        start - opentime.RationalTime(start.value % 24, rate), opentime.RationalTime(240, rate))) if url else None
    c = otio.schema.Clip(name=name, media_reference=ref,
                         source_range=opentime.TimeRange(start, opentime.RationalTime(frames, rate)))
    if reel:
        c.metadata["cmx_3600"] = {"reel": reel}
    return c


def timeline(*tracks: list) -> otio.schema.Timeline:
    tl = otio.schema.Timeline(name="R1")
    for items in tracks:
        tr = otio.schema.Track(kind=otio.schema.TrackKind.Video)
        for it in items:
            tr.append(it)
        tl.tracks.append(tr)
    return tl


def cut_a() -> otio.schema.Timeline:
    """Three clips: an ARRI clip by its 8-character tape name, a clip by file, a clip whose FROM CLIP NAME is a
    real clip name but whose reel is nobody's."""
    return timeline([otio_clip("bin one", "file:///Volumes/R/A001C001_261123_RSF3.mov", "08:25:23:02", 6, "A001RSF3"),
                     otio_clip("bin two", "file:///Volumes/R/A001C002_261123_RSF3.mov", "08:26:11:16", 10, "A001RSF3"),
                     otio_clip("A001C003_261123_RSF3", "", "08:27:00:00", 4, "ZZZ")])


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("style", ["avid", "nucoda", "premiere"])
def test_edl_of_each_otio_style_keeps_numbers_reels_files_and_exact_frames(tmp_path, style):
    tl = cut_a()
    if style == "premiere":  # its writer needs a media reference on every clip
        tl.tracks[0][2].media_reference = otio.schema.ExternalReference(target_url="file:///x/nobody.mov")
    text = otio.adapters.write_to_string(tl, "cmx_3600", style=style)
    doc = read_edl(write(tmp_path, f"{style}.edl", text))
    assert [e.number for e in doc.events] == [1, 2, 3]
    e1, e2, e3 = doc.events
    assert (e1.src_in, e1.src_out) == (tc_to_frames("08:25:23:02", F24), tc_to_frames("08:25:23:08", F24))
    assert (e2.rec_in, e2.rec_out) == (6, 16)
    assert e1.source_file.endswith("A001C001_261123_RSF3.mov")
    assert e3.source_file is None or style == "premiere"
    if style == "premiere":
        assert e1.reel == "AX"
    else:
        assert e1.reel == "A001RSF3" and e3.reel == "ZZZ" and e1.clip_name == "bin one"


DISSOLVE_M2 = """TITLE: R2
FCM: NON-DROP FRAME

001  A001RSF3 V     C        08:25:23:00 08:25:23:10 01:00:00:00 01:00:00:10
* FROM CLIP NAME:  shot a
* SOURCE FILE: A001C001_261123_RSF3.mov
002  A001RSF3 V     C        08:25:23:10 08:25:23:10 01:00:00:10 01:00:00:10
002  A001RSF3 V     D    012 08:26:11:14 08:26:12:02 01:00:00:10 01:00:00:22
* FROM CLIP NAME:  shot a
* TO CLIP NAME:  shot b
003  B001C005 V     C        10:00:00:00 10:00:00:12 01:00:00:22 01:00:01:10
M2   B001C005       048.0                10:00:00:00
004  A001RSF3 V     C        08:25:23:05 08:25:23:17 01:00:01:10 01:00:01:22
M2   A001RSF3       000.0                08:25:23:05
* FREEZE FRAME
005  A001RSF3 V     C        08:25:23:20 08:25:24:02 01:00:01:22 01:00:02:04
M2   A001RSF3       -024.0               08:25:23:20
006  A001RSF3 A     C        08:25:23:00 08:25:23:10 01:00:02:04 01:00:02:14
"""


def test_dissolve_extends_the_outgoing_clip_and_m2_sets_speed_freeze_and_reverse(tmp_path):
    doc = read_edl(write(tmp_path, "r2.edl", DISSOLVE_M2))
    ev = {e.number: e for e in doc.events}
    assert sorted(ev) == [1, 2, 3, 4, 5]  # the audio-only event 6 is left out
    base = tc_to_frames("08:25:23:00", F24)
    assert (ev[1].src_in, ev[1].src_out, ev[1].extended) == (base, base + 10 + 12, 12)
    assert ev[2].transition == "D" and ev[2].dissolve == 12 and ev[2].src_out - ev[2].src_in == 12
    assert ev[3].speed == 2 and ev[3].frames == 24  # 12 record frames at 48 fps: 24 source frames
    assert ev[4].speed == 0 and ev[4].frames == 1 and "freeze frame" in ev[4].notes
    assert ev[5].speed == -1 and (ev[5].src_in, ev[5].src_out) == (base + 20 - 5, base + 21)


def test_otio_m2_at_the_exact_rate_reads_as_the_same_speed(tmp_path):
    clip = otio_clip("fast", "file:///x/A001C001_261123_RSF3.mov", "08:25:23:00", 12, "A001RSF3")
    clip.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    doc = read_edl(write(tmp_path, "m2.edl", otio.adapters.write_to_string(timeline([clip]), "cmx_3600")))
    assert doc.events[0].speed == 2 and doc.events[0].frames == 24


def test_drop_frame_edl_counts_2997_df_labels(tmp_path):
    text = ("TITLE: DF\nFCM: DROP FRAME\n\n"
            "001  C003RSF3 V     C        10:00:59;28 10:01:00;04 00:59:59;28 01:00:00;04\n")
    doc = read_edl(write(tmp_path, "df.edl", text))
    e = doc.events[0]
    assert doc.fps == F2997 and doc.drop_frame
    assert e.src_out - e.src_in == 4  # 10:01:00;00 and ;01 do not exist
    assert e.src_in == tc_to_frames("10:00:59;28", F2997)


def test_full_name_reels_in_a_32_character_column(tmp_path):
    lines = [EdlLine("A001C001_261123_RSF3", 100, 110, 0, 10), EdlLine("A001C002_261123_RSF3", 200, 205, 10, 15)]
    doc = read_edl(write(tmp_path, "f32.edl", write_edl("F32", lines, F24)))
    assert [e.reel for e in doc.events] == ["A001C001_261123_RSF3", "A001C002_261123_RSF3"]
    assert [(e.src_in, e.src_out) for e in doc.events] == [(100, 110), (200, 205)]


def test_malformed_lines_are_named_with_file_and_line_and_nothing_is_returned(tmp_path):
    text = DISSOLVE_M2.replace("004  A001RSF3", "OOPS A001RSF3").replace("M2   B001C005       048.0",
                                                                         "M2   B001C005       fast")
    with pytest.raises(CutFormatError) as info:
        read_edl(write(tmp_path, "bad.edl", text))
    msg = info.value.message
    assert "bad.edl" in msg and "line 12: M2 line not understood" in msg and "line 13: OOPS" in msg
    assert info.value.exit_code == 2


def test_a_10_mb_garbage_edl_ends_in_a_clear_error_in_bounded_memory(tmp_path):
    path = tmp_path / "garbage.edl"
    with open(path, "wb") as fh:
        for _ in range(10 * 1024):  # printable noise, line after line
            fh.write(os.urandom(1024).translate(PRINTABLE) + b"\n")
    assert path.stat().st_size >= 10 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(CutFormatError) as info:
            read_edl(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "malformed" in info.value.message and f"{MAX_REPORTED} malformed" in info.value.message
    assert peak < 80 * 1024 * 1024  # the file once as bytes and once as text, no per-line objects kept


def test_one_line_of_10_mb_and_a_binary_file_are_refused(tmp_path):
    one = tmp_path / "one.edl"
    one.write_bytes(b"A" * (10 * 1024 * 1024))
    with pytest.raises(CutFormatError, match="line 1: line of 10,485,760 characters"):
        read_edl(one)
    binary = tmp_path / "bin.edl"
    binary.write_bytes(b"TITLE: x\n\x00\x01\x02")
    with pytest.raises(CutFormatError, match="not a text file"):
        read_edl(binary)


def test_fcp_xml_with_two_video_tracks_and_a_dissolve(tmp_path):
    v1a = otio_clip("a", "file:///x/A001C001_261123_RSF3.mov", "08:25:23:00", 10)
    v1b = otio_clip("b", "file:///x/A001C002_261123_RSF3.mov", "08:26:11:14", 12)
    v2 = otio_clip("top", "file:///x/B002C001_261123GC.MXF", "07:44:58:00", 6)
    tl = timeline([v1a, otio.schema.Transition(in_offset=opentime.RationalTime(0, R),
                                              out_offset=opentime.RationalTime(6, R)), v1b],
                  [otio.schema.Gap(source_range=opentime.TimeRange(duration=opentime.RationalTime(4, R))), v2])
    path = tmp_path / "cut.xml"
    otio.adapters.write_to_file(tl, str(path), adapter_name="fcp_xml")
    doc = read_otio(path)
    assert doc.tracks == [1, 2]
    by = {(e.track, e.source_file): e for e in doc.events}
    a = by[(1, "A001C001_261123_RSF3.mov")]
    assert a.frames == 10 + 6 and a.extended == 6 and a.clip_name == "a"
    top = by[(2, "B002C001_261123GC.MXF")]
    assert (top.rec_in, top.rec_out) == (4, 10)


def test_an_xml_that_is_not_a_timeline_is_refused(tmp_path):
    path = write(tmp_path, "x.xml", "<xmeml><nothing/></xmeml>")
    with pytest.raises(CutFormatError):
        read_otio(path)


# ------------------------------------------------------------------------------------------ resolution

CLIPS = [
    ClipRef(1, "A001C001_261123_RSF3", "A001", "A001RSF3", tc_to_frames("08:25:23:00", F24), 24, F24,
            ("A001C001_261123_RSF3.mov",)),
    ClipRef(2, "A001C002_261123_RSF3", "A001", "A001RSF3", tc_to_frames("08:26:11:14", F24), 24, F24,
            ("A001C002_261123_RSF3.mov",)),
    ClipRef(3, "A001C003_261123_RSF3", "A001", "A001RSF3", tc_to_frames("08:27:00:00", F24), 24, F24,
            ("A001C003_261123_RSF3.mov",)),
    ClipRef(4, "C003_C001_112376", "C003", "C003C001", tc_to_frames("09:00:00:00", F24), 24, F24,
            ("C003_C001_112376_001.R3D", "C003_C001_112376_002.R3D")),
]


def test_from_clip_name_is_never_used_to_match(tmp_path):
    text = otio.adapters.write_to_string(cut_a(), "cmx_3600", style="avid")
    doc = read_edl(write(tmp_path, "a.edl", text))
    r = Resolver(CLIPS, F24)
    m = [r.resolve(e) for e in doc.events]
    assert [x.status for x in m] == ["resolved", "resolved", "unmatched"]
    assert m[0].clip.id == 1 and m[0].by == "source file" and m[1].clip.id == 2
    assert "not used to match" in m[2].reason and m[2].clip is None


def test_reel_plus_timecode_containment_ambiguity_and_candidates(tmp_path):
    doc = read_edl(write(tmp_path, "r.edl", "TITLE: r\n\n"
                         "001  A001RSF3 V     C        08:26:11:20 08:26:12:00 00:00:00:00 00:00:00:04\n"
                         "002  A001RSF3 V     C        08:30:00:00 08:30:00:04 00:00:00:04 00:00:00:08\n"
                         "003  C003C001 V     C        09:00:00:10 09:00:00:20 00:00:00:08 00:00:00:18\n"
                         "* SOURCE FILE: C003_C001_112376_002.R3D\n"))
    dup = ClipRef(9, "A001C002_261123_RSF3", "A001", "A001RSF3", CLIPS[1].start_frame, 24, F24, (), "A001RSF3 again")
    r = Resolver(CLIPS, F24)
    first, second, third = (r.resolve(e) for e in doc.events)
    assert first.status == "resolved" and first.clip.id == 2 and first.by == "reel"
    assert second.status == "unmatched" and "no clip holds source timecode 08:30:00:00" in second.reason
    assert len(second.candidates) == 3
    assert third.status == "resolved" and third.clip.id == 4 and third.by == "source file"
    amb = Resolver(CLIPS + [dup], F24).resolve(doc.events[0])
    assert amb.status == "ambiguous" and len(amb.candidates) == 2


# ------------------------------------------------------------------------------------------ pulls

def test_pull_range_handles_clamping_at_both_ends_and_vfx_numbers():
    r = pull_range(20, 30, 100, 8)
    assert (r.pull_in, r.pull_out, r.head, r.tail, r.short) == (12, 38, 8, 8, "")
    assert (r.first_frame, r.vfx_cut_in, r.vfx_cut_out, r.vfx_last) == (1001, 1009, 1018, 1026)
    head = pull_range(3, 30, 100, 8)
    assert (head.pull_in, head.head, head.short, head.vfx_cut_in) == (0, 3, "head", 1004)
    both = pull_range(2, 22, 24, 8)
    assert (both.pull_in, both.pull_out, both.short, both.frames) == (0, 24, "head+tail", 24)
    with pytest.raises(ValueError):
        pull_range(20, 30, 25, 8)


def test_overlapping_ranges_of_one_clip_are_merged():
    assert merge([(30, 50), (0, 10), (8, 20), (20, 25)]) == [(0, 25), (30, 50)]


def test_shot_names_from_untrusted_text_stay_one_path_component():
    assert shot_id("{show}_{seq}_{shot:04d}", show="ABC", seq="010", shot=20, event=3) == "ABC_010_0020"
    assert "/" not in shot_id("{show}", show="../../etc/passwd", seq="", shot=0, event=0)
    with pytest.raises(ValueError, match="empty name"):
        shot_id("{show}", show="../..", seq="", shot=0, event=0)
    with pytest.raises(ValueError):
        shot_id("{nope}", show="A", seq="1", shot=1, event=1)
    assert pull_list_csv([{"shot": "=cmd()"}]).splitlines()[1].startswith("'=cmd()")


# ------------------------------------------------------------------------------------------ diff

def ev(number, key, src_in, src_out, rec_in, track=1, clip_in=None):
    clip_id = int(key.split(":")[1]) if key.startswith("clip:") else None
    length = src_out - src_in
    ci = None if clip_in is None else clip_in
    return DiffEvent(number, track, key, key, src_in, src_out, rec_in, rec_in + length, clip_id, ci,
                     None if ci is None else ci + length)


def test_diff_kinds_added_omitted_reinstated_trimmed_moved_source_changed():
    v1 = [ev(1, "clip:1", 100, 120, 0), ev(2, "clip:2", 200, 220, 20), ev(3, "clip:3", 300, 320, 40),
          ev(4, "clip:4", 400, 420, 60), ev(5, "clip:5", 500, 520, 80)]
    v2 = [ev(1, "clip:1", 100, 120, 0), ev(2, "clip:2", 200, 220, 20), ev(3, "clip:3", 300, 320, 40),
          ev(4, "clip:4", 400, 420, 60)]  # shot 5 omitted
    v3 = [ev(1, "clip:1", 96, 118, 0),  # head +4, tail -2
          ev(2, "clip:3", 300, 320, 22),  # moved before clip 2
          ev(3, "clip:2", 200, 220, 42),
          ev(4, "clip:9", 900, 920, 62),  # clip 4's slot, new source
          ev(5, "clip:5", 505, 515, 82),  # back from v1
          ev(6, "clip:7", 700, 710, 92)]  # new
    changes = diff(v2, v3, earlier=v1)
    kinds = {c.new.key if c.new else c.old.key: c for c in changes}
    assert (kinds["clip:1"].kind, kinds["clip:1"].head, kinds["clip:1"].tail) == ("trimmed", 4, -2)
    assert sum(c.moved for c in changes) == 1  # clip 2 and clip 3 swapped: one of them moved
    assert {kinds["clip:2"].kind, kinds["clip:3"].kind} == {"moved", "unchanged"}
    assert kinds["clip:9"].kind == "source changed" and kinds["clip:9"].old.key == "clip:4"
    assert kinds["clip:5"].kind == "reinstated" and kinds["clip:7"].kind == "added"
    v4 = v3[:4]
    assert [c.kind for c in diff(v3, v4) if c.kind != "unchanged"] == ["omitted", "omitted"]


def test_repull_needed_exactly_when_the_new_range_leaves_the_pulled_one():
    pulled = [(12, 38)]  # cut 20–30 with 8 handles
    inside = ev(1, "clip:1", 0, 26, 0, clip_in=12)  # 12–38: exactly the pulled range
    assert repull_reason(inside, pulled) == ""
    over = ev(1, "clip:1", 0, 27, 0, clip_in=12)  # one frame more at the tail
    assert "1 frame(s) after" in repull_reason(over, pulled)
    early = ev(1, "clip:1", 0, 10, 0, clip_in=11)
    assert "1 frame(s) before" in repull_reason(early, pulled)
    elsewhere = ev(1, "clip:1", 0, 5, 0, clip_in=60)  # another part of the clip, never pulled
    assert repull_reason(elsewhere, pulled) == ""
    old, new = ev(1, "clip:1", 100, 110, 0, clip_in=20), ev(1, "clip:1", 100, 121, 0, clip_in=20)
    (change,) = diff([old], [new], pulls={1: pulled})
    assert change.kind == "trimmed" and change.tail == 11 and change.repull


def test_an_otio_file_reads_and_a_speed_ramp_is_reported_not_guessed(tmp_path):
    ramp = otio_clip("b", "file:///x/A001C002_261123_RSF3.mov", "08:26:11:16", 10)
    ramp.effects.append(otio.schema.TimeEffect(name="ramp", effect_name="SpeedRamp"))
    tl = timeline([otio_clip("a", "file:///x/A001C001_261123_RSF3.mov", "08:25:23:02", 6), ramp])
    path = tmp_path / "cut.otio"
    otio.adapters.write_to_file(tl, str(path))
    doc = read_otio(path)
    assert doc.format == "otio_json" and [(e.rec_in, e.rec_out, e.frames) for e in doc.events] == [(0, 6, 6),
                                                                                                  (6, 16, 10)]
    assert doc.events[1].speed is None and "SpeedRamp effect (speed ramp) read at normal speed" in doc.warnings[0]
