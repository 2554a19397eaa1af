"""Camera raw in dailies (issue 13): decoder hooks that run a vendor tool to an intermediate, tried with a
stand-in decoder (``tests/data/raw_standin.py``) on a generated RED card whose ``.R3D`` files FFmpeg cannot
read; a failing tool and a format without a hook are clear failures naming the clip, never skips."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from pixm_desktop.core.errors import RawDecodeFailedError, RawDecoderMissingError, UsageError
from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.media.probe import probe_media
from pixm_desktop.media.renditions import presets, raw
from pixm_desktop.media.renditions.render import RenditionRequest, render
from pixm_desktop.services import clips, jobs
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.settings import open_catalog
from support.cards import make_card
from support.cli import cli

DAY = dt.date(2026, 11, 23)
F23 = Fraction(24000, 1001)
STANDIN = Path(__file__).parent / "data" / "raw_standin.py"


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _command(log: Path, *more: str) -> list[str]:
    return [sys.executable, str(STANDIN), "--i", "{input}", "--o", "{output}", "--start", "{start_frame}",
            "--count", "{frames}", "--size", "{width}x{height}", "--fps", "{fps}", "--clip", "{clip}",
            "--log", str(log), *more]


def _decoders(path: Path, log: Path, *more: str) -> Path:
    path.write_text(json.dumps({"decoders": {"r3d": {"command": _command(log, *more)}}}))
    return path


@pytest.fixture(scope="module")
def red_db(tmp_path_factory):
    """A catalog with RED mag A001 (2 clips, 23.976, opaque R3D spans) offloaded and ingested; the sample
    clips' facts."""
    base = tmp_path_factory.mktemp("dailies-red")
    catalog = open_catalog(base / "catalog.sqlite")
    (base / "RAID").mkdir()
    card = make_card(base / "cards", "red", clips=2, fps=F23)
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(card.root, [base / "RAID"], project="Film", day=DAY)))
    assert result.ok
    clips.ingest_card(catalog, result.card_id)
    catalog.close()
    return base / "catalog.sqlite", card


@pytest.fixture
def red(tmp_path, red_db):
    db, card = red_db
    shutil.copy(db, tmp_path / "catalog.sqlite")
    return tmp_path / "catalog.sqlite", card


# --- detection and the hooks file -----------------------------------------------------------------------------


def test_raw_formats_by_extension_and_probe():
    assert raw.raw_format(Path("A001_C001_1123PC_001.R3D")) == "r3d"
    assert raw.raw_format(Path("A001_11231000_C001.braw")) == "braw"
    assert raw.raw_format(Path("A_0001C001.ari")) == "arriraw" == raw.raw_format(Path("x.ARX"))
    assert raw.raw_format(Path("A_0113C007.mxf"), "arriraw") == "arriraw"
    assert raw.raw_format(Path("A001C003.MXF"), None, "X-OCN ST") == "xocn"
    assert raw.raw_format(Path("A001C003.MXF"), "prores", "Proxy") is None
    assert raw.raw_format(Path("A001C003_XYZ.mov"), "arriraw") is None  # only MXF wraps those


def test_decoder_hooks_come_from_the_shipped_file_then_the_users_then_the_option(tmp_path):
    shipped = raw.load_decoders(user_file=tmp_path / "none.json")
    assert set(shipped) == {"r3d", "arriraw", "braw", "xocn"}
    assert shipped["r3d"].tool == "REDline" and not any(d.command for d in shipped.values())  # none enabled

    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"decoders": {"braw": {"command": ["braw-decode", "{input}", "{output}"]}}}))
    extra = _decoders(tmp_path / "extra.json", tmp_path / "log")
    hooks = raw.load_decoders(extra, user_file=mine)
    assert hooks["braw"].command == ("braw-decode", "{input}", "{output}") and hooks["braw"].tool.startswith(
        "Blackmagic")
    assert hooks["r3d"].command[0] == sys.executable and hooks["r3d"].source == str(extra)

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"decoders": {"r3d": {"command": ["REDline", "--i", "{inptu}"]}}}))
    with pytest.raises(UsageError, match=r"decoders.r3d.command has unknown token\(s\) inptu"):
        raw.load_decoders(bad, user_file=tmp_path / "none.json")
    bad.write_text(json.dumps({"decoders": {"prores": {"command": ["x"]}}}))
    with pytest.raises(UsageError, match="unknown raw format 'prores'"):
        raw.load_decoders(bad, user_file=tmp_path / "none.json")
    bad.write_text(json.dumps({"decoders": {"r3d": {"command": ["x"], "extension": "avi"}}}))
    with pytest.raises(UsageError, match="extension 'avi' is neither a movie nor an image sequence"):
        raw.load_decoders(bad, user_file=tmp_path / "none.json")
    bad.write_text(json.dumps({"decoders": {"r3d": {"command": "REDline --i {input}"}}}))
    with pytest.raises(UsageError, match="must be a list of strings"):
        raw.load_decoders(bad, user_file=tmp_path / "none.json")
    with pytest.raises(UsageError, match="cannot be read"):
        raw.load_decoders(tmp_path / "missing.json", user_file=tmp_path / "none.json")


# --- render through a hook ----------------------------------------------------------------------------------


def _first_r3d(card) -> tuple[Path, object]:
    clip = card.clips[0]
    return card.root / clip.files[0], clip


def test_the_hook_gets_every_token_and_its_intermediate_renders_then_goes(tmp_path, red_db):
    _db, card = red_db
    source, clip = _first_r3d(card)
    log = tmp_path / "argv.jsonl"
    decoder = raw.Decoder("r3d", "REDline", tuple(_command(log)))
    preset = presets.get_preset("prores-proxy-mov", tmp_path / "none")
    out = tmp_path / "out"
    result = render(RenditionRequest(source, clip.clip_name, preset, out, reel=clip.tape_name,
                                     raw=raw.RawDecode(decoder, 0, clip.frames, 1920, 1080, F23)))
    (argv,) = [json.loads(line) for line in log.read_text().splitlines()]
    given = dict(zip(argv[::2], argv[1::2], strict=False))
    assert given["--i"] == str(source)
    assert Path(given["--o"]).name == f"{clip.clip_name}.mov" and Path(given["--o"]).parent.parent == out
    assert (given["--start"], given["--count"], given["--size"], given["--fps"], given["--clip"]) == (
        "0", str(clip.frames), "1920x1080", "24000/1001", clip.clip_name)
    assert [p.name for p in result.paths] == [f"{clip.clip_name}.mov"]
    p = probe_media(result.paths[0])
    assert (p.start_tc, p.fps, p.frames, p.tape_name) == (clip.start_timecode, F23, clip.frames, clip.tape_name)
    assert sorted(x.name for x in out.iterdir()) == [f"{clip.clip_name}.mov"]  # the intermediate is gone


@pytest.mark.parametrize("ext", ["tif", "png"])
def test_a_hook_that_writes_an_image_sequence_renders_at_the_catalogs_rate(tmp_path, red_db, ext):
    _db, card = red_db
    source, clip = _first_r3d(card)
    log = tmp_path / "argv.jsonl"
    decoder = raw.Decoder("r3d", "REDline", (*_command(log, "--seq", ext), "--dir", "{output_dir}"), ext)
    preset = presets.get_preset("prores-proxy-mov", tmp_path / "none")
    out = tmp_path / "out"
    request = RenditionRequest(source, clip.clip_name, preset, out, start_tc=clip.start_timecode,
                               raw=raw.RawDecode(decoder, 0, 0, 1920, 1080, F23))
    result = render(request)
    (argv,) = [json.loads(line) for line in log.read_text().splitlines()]
    given = dict(zip(argv[::2], argv[1::2], strict=False))
    assert Path(given["--o"]).name == clip.clip_name and given["--dir"] == str(Path(given["--o"]).parent)
    p = probe_media(result.paths[0])
    assert (p.start_tc, p.fps, p.frames) == (clip.start_timecode, F23, clip.frames)
    assert sorted(x.name for x in out.iterdir()) == [f"{clip.clip_name}.mov"]

    no_rate = raw.RawDecode(decoder, 0, 0, 1920, 1080, None)
    with pytest.raises(RawDecodeFailedError, match=f"writes a .{ext} sequence, which has no frame rate"):
        render(RenditionRequest(source, clip.clip_name, preset, out, start_tc=clip.start_timecode, raw=no_rate))


def test_a_failing_decoder_names_the_clip_the_command_and_what_it_said(tmp_path, red_db):
    _db, card = red_db
    source, clip = _first_r3d(card)
    decoder = raw.Decoder("r3d", "REDline", tuple(_command(tmp_path / "log", "--fail")))
    preset = presets.get_preset("prores-proxy-mov", tmp_path / "none")
    with pytest.raises(RawDecodeFailedError) as caught:
        render(RenditionRequest(source, clip.clip_name, preset, tmp_path / "out",
                                raw=raw.RawDecode(decoder, 0, 12, 1920, 1080, F23)))
    text = str(caught.value)
    assert text.startswith("REDline failed (exit 1): REDline: no licence for this camera")
    assert f"command: {sys.executable} {STANDIN} --i {source}" in text and caught.value.path == str(source)
    assert "no licence" in caught.value.details
    assert not list((tmp_path / "out").iterdir())  # no intermediate, no partial

    with pytest.raises(RawDecoderMissingError, match="^needs REDline: configure decoders.r3d"):
        render(RenditionRequest(source, clip.clip_name, preset, tmp_path / "out",
                                raw=raw.RawDecode(raw.Decoder("r3d", "REDline"), 0, 12, 1920, 1080, F23)))


# --- the job and pixm dailies ---------------------------------------------------------------------------------


def test_pixm_dailies_renders_a_red_card_through_the_decoders_file(tmp_path, red):
    db, card = red
    log = tmp_path / "argv.jsonl"
    hooks = _decoders(tmp_path / "decoders.json", log)
    run = cli("dailies", "--card", card.root.name, "--preset", "prores-proxy-mov", "--to", tmp_path / "out",
              "--decoders", hooks, "--workers", "1", "--catalog", db)
    assert run.code == 0, run.text
    assert "2 rendered" in run.out
    folder = tmp_path / "out" / "prores-proxy-mov"
    for clip in card.clips:
        p = probe_media(folder / f"{clip.clip_name}.mov")
        assert (p.start_tc, p.fps, p.frames) == (clip.start_timecode, F23, clip.frames)
        assert p.tape_name == clip.tape_name  # the catalog's tape name, as for any clip
    assert len(log.read_text().splitlines()) == 2
    assert sorted(x.name for x in folder.iterdir()) == sorted(f"{c.clip_name}.mov" for c in card.clips)


def test_no_decoder_or_a_failing_one_fails_each_raw_clip_by_name(tmp_path, red):
    db, card = red
    names = [c.clip_name for c in card.clips]
    catalog = open_catalog(db)
    try:
        result = jobs.execute(catalog, JobKind.DAILIES, DailiesJobOptions(
            card=card.root.name, preset="prores-proxy-mov", folder=str(tmp_path / "out"), workers=1))
    finally:
        catalog.close()
    assert sorted(result.failed) == sorted(names) and not result.rendered
    assert all(why.startswith("needs REDline: configure decoders.r3d") for why in result.failed.values())

    run = cli("dailies", "--card", card.root.name, "--preset", "prores-proxy-mov", "--to", tmp_path / "out",
              "--workers", "1", "--catalog", db)
    assert run.code == 13, run.text
    assert f"{names[0]}: needs REDline: configure decoders.r3d" in run.text and "--decoders FILE" in run.text

    hooks = _decoders(tmp_path / "decoders.json", tmp_path / "log", "--fail")
    run = cli("dailies", "--card", card.root.name, "--preset", "prores-proxy-mov", "--to", tmp_path / "out",
              "--workers", "1", "--decoders", hooks, "--catalog", db)
    assert run.code == 13, run.text
    assert f"{names[1]}: REDline failed (exit 1): REDline: no licence" in run.text
    assert f"command: {sys.executable} {STANDIN}" in run.text
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
