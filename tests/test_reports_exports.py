"""ALE and CSV exports of a real shoot (see support.report_shoot.build_shoot), read back by OpenTimelineIO's ALE
adapter (``otio-ale-adapter``) and by the ``csv`` module, field by field against the catalog."""

from __future__ import annotations

import csv
import datetime as dt
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.timecode import end_and_duration, frames_to_tc
from pixm_desktop.reports.exports import ALE_COLUMNS, CSV_COLUMNS, ale_text
from pixm_desktop.reports.model import ClipLine
from pixm_desktop.services import clips, reports
from pixm_desktop.services.clips import ClipFilter
from support.report_shoot import DAY, FPS, NOTE, Shoot, build_shoot


@pytest.fixture(scope="module")
def shoot(tmp_path_factory: pytest.TempPathFactory):
    s = build_shoot(tmp_path_factory.mktemp("export"))
    yield s
    s.catalog.close()


def read_ale(path: Path) -> otio.schema.SerializableCollection:
    return otio.adapters.read_from_file(str(path), adapter_name="ale")


def test_ale_round_trip_through_opentimelineio(shoot: Shoot, tmp_path: Path) -> None:
    out = tmp_path / "day.ale"
    result = reports.export_ale(shoot.catalog, out, day=DAY)
    picture = [r for r in clips.list_clips(shoot.catalog, ClipFilter(day=DAY)) if r.kind != "audio"]
    assert result.rows == len(picture) == 5 and result.warnings == []
    raw = out.read_bytes()
    assert raw.startswith(b"Heading\r\nFIELD_DELIM\tTABS\r\n") and b"\r\nFPS\t23.976\r\n" in raw
    collection = read_ale(out)
    header = collection.metadata["ALE"]["header"]
    assert header["FIELD_DELIM"] == "TABS" and header["FPS"] == "23.976"
    assert header["VIDEO_FORMAT"] == "CUSTOM" and header["AUDIO_FORMAT"] == "48khz"  # 320x180 is no Avid format
    assert list(collection.metadata["ALE"]["columns"]) == list(ALE_COLUMNS)
    read = list(collection.find_clips())
    assert [c.name for c in read] == [r.name for r in picture]
    media = {c.clip_name: c.files[0].rsplit("/", 1)[-1] for card in (shoot.arri, shoot.sony) for c in card.clips}
    for clip, row in zip(read, picture, strict=True):
        ale = clip.metadata["ALE"]
        rate = clip.source_range.start_time.rate
        assert rate == pytest.approx(24000 / 1001)  # OTIO's 23.976 is exactly 24000/1001
        assert otio.opentime.to_timecode(clip.source_range.start_time, rate) == row.start_tc
        assert clip.source_range.duration.value == row.frames
        end = clip.source_range.end_time_exclusive()
        assert otio.opentime.to_timecode(end, rate) == row.end_tc  # exclusive, as Avid expects
        assert row.end_tc == frames_to_tc(row.start_frame + row.frames, FPS)
        assert ale["Tape"] == row.tape_name and ale["FPS"] == "23.976" and ale["Camroll"] == row.reel
        assert clip.media_reference.target_url == media[row.name]  # Source File
        assert ale["Scene"] == (row.scene or "") and ale["Take"] == (row.take or "")
        assert ale["Circled"] == ("Y" if row.circled else "")
        assert ale["Comments"] == " ".join((row.notes or "").split())  # one line, no tabs
        assert ale["Camera"] == row.camera and ale["Card"] == row.card_label
        assert ale["Resolution"] == "320x180" and ale["Tracks"] == "V" and ale["Shoot Date"] == DAY.isoformat()
    by_name = {c.name: c.metadata["ALE"] for c in read}
    a1, a2, a3 = (by_name[c.clip_name] for c in shoot.arri.clips)
    assert (a1["Scene"], a1["Take"], a1["Soundroll"]) == ("12A", "1", "SR01")  # pre-filled from the sound take
    assert (a2["Scene"], a2["Take"], a2["Soundroll"]) == ("12A", "2", "SR01")
    assert (a3["Scene"], a3["Take"], a3["Circled"], a3["Soundroll"]) == ("14", "2", "Y", "")
    assert a3["Comments"] == NOTE  # markup, &, NFD accents, Cyrillic, CJK: byte for byte
    sony1 = by_name[shoot.sony.clips[0].clip_name]
    assert sony1["Scene"] == "Σ-1" and sony1["Comments"] == "line one line two"


def test_ale_with_sound_and_rates(shoot: Shoot, tmp_path: Path) -> None:
    with_sound = reports.export_ale(shoot.catalog, tmp_path / "all.ale", day=DAY, include_sound=True)
    read = list(read_ale(with_sound.path).find_clips())
    sound = [c for c in read if c.metadata["ALE"]["Tracks"] == "A1A2"]
    assert [c.name for c in sound] == ["12A_1", "12A_2"]
    assert {c.metadata["ALE"]["Tape"] for c in sound} == {"SR01"}
    assert {c.metadata["ALE"]["Soundroll"] for c in sound} == {"SR01"}
    # --fps: only clips at that rate; a rate nobody shot is an error naming the rates found
    exact = reports.export_ale(shoot.catalog, tmp_path / "fps.ale", day=DAY, fps=Fraction(24000, 1001))
    assert exact.rows == 5
    with pytest.raises(UsageError, match="no clip of 2026-11-23 runs at 25 fps"):
        reports.export_ale(shoot.catalog, tmp_path / "x.ale", day=DAY, fps=Fraction(25))
    with pytest.raises(UsageError, match="no shoot day"):
        reports.export_ale(shoot.catalog, tmp_path / "x.ale", day=dt.date(2001, 1, 1))
    one = reports.export_ale(shoot.catalog, tmp_path / "card.ale", day=DAY, card_label=shoot.sony.root.name)
    assert [c.name for c in read_ale(one.path).find_clips()] == [c.clip_name for c in shoot.sony.clips]


def _line(name: str, fps: Fraction, start: str = "01:00:00:00", frames: int = 48, **kw) -> ClipLine:
    end, duration = end_and_duration(start, frames, fps)
    return ClipLine(id=1, name=name, card_label="A001", kind="video", tape="A001", reel="A001", start_tc=start,
                    end_tc=end, duration_tc=duration, frames=frames, fps=fps, **kw)


@pytest.mark.parametrize(("fps", "label", "start", "end"), [
    (Fraction(24000, 1001), "23.976", "23:59:59:00", "24:00:03:04"),  # past midnight: start + duration = end
    (Fraction(25), "25", "10:00:00:00", "10:00:04:00"), (Fraction(30000, 1001), "29.97", "01:00:59;28", "01:01:03;10"),
    (Fraction(24), "24", "00:00:00:00", "00:00:04:04"), (Fraction(50), "50", "12:34:56:49", "12:34:58:49"),
    (Fraction(60000, 1001), "59.94", "09:59:59;58", "10:00:01;38"),
])
def test_ale_rates_and_drop_frame_read_back(tmp_path: Path, fps: Fraction, label: str, start: str, end: str) -> None:
    clip = _line("C001", fps, start, frames=100, notes="tab\tand\nnewline", scene="1", take="2", circled=True)
    assert clip.end_tc == end
    text = ale_text([clip], fps)
    assert f"\r\nFPS\t{label}\r\n" in text
    path = tmp_path / "x.ale"
    path.write_text(text, encoding="utf-8", newline="")
    (read,) = read_ale(path).find_clips()
    rate = read.source_range.start_time.rate
    assert otio.opentime.to_timecode(read.source_range.start_time, rate) == start
    assert read.source_range.duration.value == 100
    assert read.metadata["ALE"]["Comments"] == "tab and newline"
    assert (read.metadata["ALE"]["Scene"], read.metadata["ALE"]["Take"], read.metadata["ALE"]["Circled"]) == (
        "1", "2", "Y")
    with pytest.raises(ValueError, match="one rate"):
        ale_text([clip, _line("C002", Fraction(48))], fps)


def test_csv_round_trip(shoot: Shoot, tmp_path: Path) -> None:
    out = tmp_path / "day.csv"
    result = reports.export_csv(shoot.catalog, out, day=DAY)
    lines = reports.report_clips(shoot.catalog, DAY)
    assert result.rows == len(lines) == 7  # 5 picture clips, 2 sound takes
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == CSV_COLUMNS
        rows = list(reader)
    assert [r["clip"] for r in rows] == [c.name for c in lines]
    for row, c in zip(rows, lines, strict=True):
        assert row["card"] == c.card_label and row["kind"] == c.kind and row["tape"] == (c.tape or "")
        assert row["start_tc"] == (c.start_tc or "") and row["end_tc"] == (c.end_tc or "")
        assert row["frames"] == str(c.frames) and row["fps_exact"] == "24000/1001" and row["fps"] == "23.976"
        assert row["scene"] == (c.scene or "") and row["take"] == (c.take or "")
        assert row["circled"] == ("yes" if c.circled else "no")
        assert row["notes"] == (c.notes or "")  # line breaks and tabs kept inside the quoted cell
        assert row["source_file"] == (c.source_file or "") and row["day"] == DAY.isoformat()
    by_clip = {r["clip"]: r for r in rows}
    assert by_clip[shoot.arri.clips[2].clip_name]["notes"] == NOTE
    assert by_clip[shoot.sony.clips[0].clip_name]["notes"] == "line one\nline\ttwo"
    assert by_clip["12A_1"]["sound_roll"] == "SR01" and by_clip[shoot.arri.clips[0].clip_name]["sound_roll"] == "SR01"
    bom = reports.export_csv(shoot.catalog, tmp_path / "excel.csv", day=DAY, bom=True)
    assert bom.path.read_bytes().startswith(b"\xef\xbb\xbfday,card,")


def test_csv_defuses_formulas(tmp_path: Path) -> None:
    from pixm_desktop.reports.exports import write_csv

    out = write_csv([_line("=HYPERLINK(\"x\")", Fraction(25), notes="@SUM(A1)", scene="-1")],
                    tmp_path / "f.csv").path
    with open(out, encoding="utf-8", newline="") as fh:
        (row,) = csv.DictReader(fh)
    assert row["clip"] == "'=HYPERLINK(\"x\")" and row["notes"] == "'@SUM(A1)" and row["scene"] == "-1"
