"""Dailies renditions (issue 13, first slice): presets as data, the look through OpenColorIO, Pillow burn-ins,
proxies that keep clip name / start TC / reel / rate / frame count, the ``renditions`` table, resume after a
SIGKILL, ``pixm dailies``.

Cards: generated ARRI cards at 23.976 and 25 fps, offloaded and ingested by the services; 29.97 drop-frame is a
clip written here with PyAV (sample cards only write non-drop timecode), with stereo camera audio."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import PyOpenColorIO as ocio
import pytest
from PIL import Image, ImageDraw

from pixm_desktop.core.errors import CancelledError, ChildProcessFailedError, UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import DailiesJobOptions, JobKind, job_options
from pixm_desktop.core.timecode import frames_to_tc, tc_to_frames
from pixm_desktop.media.probe import probe_media
from pixm_desktop.media.renditions import burnin, colour, presets
from pixm_desktop.media.renditions.render import RenditionRequest, file_xxh64, render
from pixm_desktop.services import jobs
from pixm_desktop.services.jobs.supervisor import run_job_in_child
from pixm_desktop.store import renditions_repo
from pixm_desktop.store.models import Job
from support.cards import make_card
from support.cli import cli
from support.shoots import catalog_copy, offloaded_shoot

DAY = dt.date(2026, 11, 23)
PRESETS = ("avid-dnxhd36-mxf", "avid-dnxhd36-mov", "prores-proxy-mov", "h264-review-mp4")
DF_RATE = Fraction(30000, 1001)
DF_START = "00:58:59;28"  # crosses into minute 59, where 29.97 DF skips labels ;00 and ;01
WAIT = 120  # seconds


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    """Never the user's own presets (platformdirs reads XDG_CONFIG_HOME; children inherit it)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _df_clip(folder: Path, frames: int = 15) -> Path:
    """A 29.97 DF ProRes MOV with reel B002, start TC ``DF_START``, flat grey frames, stereo PCM audio."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "B002C003_261123_X1YZ.mov"
    with av.open(str(path), "w") as c:
        c.metadata["timecode"] = DF_START
        v = c.add_stream("prores_ks", rate=DF_RATE)
        v.width, v.height, v.pix_fmt = 320, 180, "yuv422p10le"
        v.metadata["reel_name"] = "B002"
        a = c.add_stream("pcm_s16le", rate=48000, layout="stereo")
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((180, 320, 3), 40 + i * 8, np.uint8), format="rgb24")
            f.pts, f.time_base = i, 1 / DF_RATE
            c.mux(v.encode(f))
        n = round(frames * 48000 / DF_RATE)
        tone = (np.sin(np.arange(n) / 10) * 8000).astype(np.int16)
        af = av.AudioFrame.from_ndarray(np.repeat(tone, 2).reshape(1, -1), format="s16", layout="stereo")
        af.sample_rate, af.pts = 48000, 0
        c.mux(a.encode(af))
        c.mux(a.encode(None))
        c.mux(v.encode(None))
    return path


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """``{rate label: (media path, clip name, reel, start TC, fps, frames)}`` for 23.976, 25 and 29.97 DF."""
    base = tmp_path_factory.mktemp("dailies-sources")
    out = {}
    for label, fps, reel in (("23.976", Fraction(24000, 1001), "A001"), ("25", Fraction(25), "A002")):
        card = make_card(base, "arri", clips=1, reel=reel, fps=fps)
        c = card.clips[0]
        out[label] = (card.root / c.files[0], c.clip_name, c.tape_name, c.start_timecode, fps, c.frames)
    out["29.97DF"] = (_df_clip(base / "df"), "B002C003_261123_X1YZ", "B002", DF_START, DF_RATE, 15)
    return out


@pytest.fixture(scope="module")
def shoot_db(tmp_path_factory) -> Path:
    """A catalog with ARRI card A001 (3 clips, 23.976) and A002 (2 clips, 25) offloaded and ingested."""
    return offloaded_shoot(tmp_path_factory.mktemp("dailies-shoot"),
                           [("A001", Fraction(24000, 1001), 3, 1.0), ("A002", Fraction(25), 2, 1.0)], DAY)


@pytest.fixture
def shoot(tmp_path, shoot_db):
    yield from catalog_copy(tmp_path, shoot_db)


def _clip_rows(catalog, **scope):
    with catalog.session() as s:
        return [(c.id, c.name, c.card.label) for c in renditions_repo.clips_for(s, **scope)]


# --- presets ------------------------------------------------------------------------------------------------


def test_shipped_presets_validate_and_a_user_preset_replaces_one(tmp_path):
    shipped = presets.all_presets(tmp_path / "none")
    assert set(PRESETS) <= set(shipped)
    dnx = shipped["avid-dnxhd36-mxf"]
    assert dnx.op_atom and dnx.video_options(Fraction(24000, 1001))[1] == 36_000_000
    assert dnx.video_options(DF_RATE)[1] == 45_000_000  # DNxHD 45 at 29.97
    assert dnx.video_options(Fraction(50)) == ({"profile": "dnxhr_lb"}, None)  # DNxHR LB elsewhere
    mp4 = shipped["h264-review-mp4"].data
    assert mp4["video"]["pix_fmt"] == "yuv420p" and "+faststart" in mp4["container_options"]["movflags"]

    user = tmp_path / "mine"
    user.mkdir()
    mine = dict(mp4, description="smaller review", video=dict(mp4["video"], width=1280, height=720))
    (user / "h264.json").write_text(json.dumps(mine))
    assert presets.all_presets(user)["h264-review-mp4"].video["width"] == 1280

    (user / "bad.json").write_text(json.dumps(dict(mine, name="bad", container="avi")))
    with pytest.raises(UsageError, match=r"bad\.json is not valid at container"):
        presets.all_presets(user)
    with pytest.raises(UsageError, match="no dailies preset 'nope'"):
        presets.get_preset("nope", tmp_path / "none")


# --- relink metadata ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["23.976", "25", "29.97DF"])
@pytest.mark.parametrize("preset_name", PRESETS)
def test_proxy_keeps_name_tc_reel_rate_and_frames(tmp_path, sources, rate, preset_name):
    media, name, reel, start, fps, frames = sources[rate]
    preset = presets.get_preset(preset_name, tmp_path / "none")
    result = render(RenditionRequest(media, name, preset, tmp_path / "out", burn_in=("tc", "clip")))
    video = result.paths[0]
    assert video.stem == (f"{name}_V1" if preset.op_atom else name)
    p = probe_media(video)
    assert (p.start_tc, p.fps, p.frames, p.tape_name) == (start, fps, frames, reel)
    assert (p.width, p.height) == (1920, 1080)
    with av.open(str(video)) as c:
        if preset.op_atom:
            assert c.metadata["material_package_name"] == name
        else:
            assert c.metadata["title"] == name
    audio = 2 if rate == "29.97DF" else 0
    if preset.op_atom:
        assert len(result.paths) == 1 + audio
    else:
        assert (p.audio_channels or 0) == audio
    assert result.xxh64 == tuple(file_xxh64(f) for f in result.paths)
    assert not list((tmp_path / "out").glob(".*partial"))


def test_op_atom_writes_one_file_per_track_with_the_tape_name(tmp_path, sources):
    media, name, reel, start, fps, frames = sources["29.97DF"]
    preset = presets.get_preset("avid-dnxhd36-mxf", tmp_path / "none")
    result = render(RenditionRequest(media, name, preset, tmp_path))
    assert [p.name for p in result.paths] == [f"{name}_V1.mxf", f"{name}_A1.mxf", f"{name}_A2.mxf"]
    for path in result.paths:
        with av.open(str(path)) as c:
            assert len(c.streams) == 1
            assert c.metadata["operational_pattern_ul"] == "060e2b34.04010102.0d010201.10030000"  # OP-Atom
            assert c.metadata["material_package_name"] == name and c.metadata["timecode"] == start
            assert c.streams[0].metadata["reel_name"] == reel
            if path.name.endswith("_V1.mxf"):
                assert c.streams[0].codec_context.name == "dnxhd"
            else:
                a = c.streams[0].codec_context
                assert (a.name, a.channels, a.sample_rate) == ("pcm_s16le", 1, 48000)
                samples = sum(f.samples for f in c.decode(audio=0))
                assert samples == round(frames * 48000 / fps)


# --- colour ---------------------------------------------------------------------------------------------------


def _swap_cube(path: Path) -> Path:
    """A 2-point 3D LUT that sends (r, g, b) to (b, r, g): linear, so exact under any interpolation."""
    lines = ["LUT_3D_SIZE 2"]
    for b in (0.0, 1.0):  # .cube order: red fastest
        for g in (0.0, 1.0):
            for r in (0.0, 1.0):
                lines.append(f"{b} {r} {g}")
    path.write_text("\n".join(lines) + "\n")
    return path


CC = """<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrection id="{id}" xmlns="urn:ASC:CDL:v1.2">
  <SOPNode><Slope>1.2 0.9 1.05</Slope><Offset>0.02 -0.01 0.0</Offset><Power>0.9 1.1 1.0</Power></SOPNode>
  <SATNode><Saturation>0.8</Saturation></SATNode>
</ColorCorrection>"""


def _asc_cdl(rgb: np.ndarray, slope, offset, power, sat) -> np.ndarray:
    """ASC CDL v1.2 written out from the specification (not OCIO): SOP with clamp, then saturation."""
    out = np.clip(rgb * np.array(slope) + np.array(offset), 0, 1) ** np.array(power)
    luma = out @ np.array([0.2126, 0.7152, 0.0722])
    return np.clip(luma[..., None] + sat * (out - luma[..., None]), 0, 1)


def test_cdl_files_parse_and_refuse_entities(tmp_path):
    cc = tmp_path / "day.cc"
    cc.write_text(CC.format(id="A001C001"))
    (c,) = colour.read_cdl(cc)
    assert (c.slope, c.offset, c.power, c.saturation, c.id) == ((1.2, 0.9, 1.05), (0.02, -0.01, 0.0),
                                                                 (0.9, 1.1, 1.0), 0.8, "A001C001")
    body = CC.split("?>", 1)[1]
    ccc = tmp_path / "day.ccc"
    ccc.write_text(f'<ColorCorrectionCollection xmlns="urn:ASC:CDL:v1.2">{body.format(id="X")}'
                   f'{body.format(id="A001C002").replace("0.8", "0.5")}</ColorCorrectionCollection>')
    assert colour.cdl_for(ccc, "A001C002").saturation == 0.5
    assert colour.cdl_for(ccc, "OTHER").id == "X"
    cdl = tmp_path / "day.cdl"
    cdl.write_text(f'<ColorDecisionList xmlns="urn:ASC:CDL:v1.2"><ColorDecision>{body.format(id="")}'
                   "</ColorDecision></ColorDecisionList>")
    assert colour.read_cdl(cdl)[0].slope == (1.2, 0.9, 1.05)
    evil = tmp_path / "evil.cc"
    evil.write_text('<!DOCTYPE x [<!ENTITY a "aaaa">]><ColorCorrection><SOPNode><Slope>&a;</Slope>'
                    "</SOPNode></ColorCorrection>")
    with pytest.raises(UsageError, match="DTD or entities"):
        colour.read_cdl(evil)


def test_lut_and_cdl_change_a_known_frame_as_computed_independently(tmp_path):
    rng = np.random.default_rng(13)
    frame = rng.integers(0, 256, (36, 64, 3), dtype=np.uint8)
    swapped = colour.Look(lut=_swap_cube(tmp_path / "swap.cube")).apply(frame)
    assert np.array_equal(swapped, frame[..., [2, 0, 1]])

    cc = tmp_path / "look.cc"
    cc.write_text(CC.format(id=""))
    cdl = colour.read_cdl(cc)[0]
    work = np.ascontiguousarray(frame, dtype=np.float32) / 255
    got = colour.Look(cdl=cdl).apply_float(work.copy())
    want = _asc_cdl(frame.astype(np.float64) / 255, cdl.slope, cdl.offset, cdl.power, cdl.saturation)
    assert np.abs(got - want).max() < 2e-3

    # the two together equal OCIO's own processor of the same transforms, pixel by pixel
    both = colour.Look(cdl=cdl, lut=tmp_path / "swap.cube").apply(frame)
    t = ocio.CDLTransform(slope=list(cdl.slope), offset=list(cdl.offset), power=list(cdl.power), sat=0.8)
    t.setStyle(ocio.CDL_ASC)
    cpu = ocio.Config.CreateRaw().getProcessor(t).getDefaultCPUProcessor()
    ref = work.copy()
    cpu.applyRGB(ref)
    assert np.abs(both.astype(int) - np.rint(ref[..., [2, 0, 1]] * 255).astype(int)).max() <= 1


def _decoded(path: Path, index: int) -> np.ndarray:
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == index:
                return f.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame {index}")


def test_a_rendered_proxy_carries_the_lut(tmp_path, sources):
    media, name, *_ = sources["29.97DF"]
    preset = presets.get_preset("prores-proxy-mov", tmp_path / "none")
    plain = render(RenditionRequest(media, name, preset, tmp_path / "plain")).paths[0]
    looked = render(RenditionRequest(media, name, preset, tmp_path / "lut",
                                     lut=_swap_cube(tmp_path / "swap.cube"))).paths[0]
    a, b = _decoded(plain, 5).astype(float), _decoded(looked, 5).astype(float)
    assert np.abs(b.mean((0, 1)) - a.mean((0, 1))[[2, 0, 1]]).max() < 2.0


# --- burn-ins ------------------------------------------------------------------------------------------------


def _reference(burn: burnin.BurnIn, size: tuple[int, int], tc: str) -> tuple[np.ndarray, tuple]:
    """The timecode box drawn here with Pillow: black box, white text, the shipped mono font."""
    ((box, origin),) = burn.boxes("bottom-right", [tc])
    image = Image.new("RGB", size, (90, 90, 90))
    pen = ImageDraw.Draw(image)
    pen.rectangle(box, fill=(0, 0, 0))
    pen.text(origin, tc, font=burnin.font("DejaVuSansMono.ttf", burn.font.size), fill=(255, 255, 255))
    return np.asarray(image), box


def test_burn_in_timecode_is_the_frames_own(tmp_path, sources):
    media, name, reel, start, fps, frames = sources["29.97DF"]
    k = 3  # 00:58:59;28 + 3 = 00:59:00;03 (;00 and ;01 dropped)
    tc = frames_to_tc(tc_to_frames(start, fps) + k, fps, drop_frame=True)
    assert tc == "00:59:00;03"
    burn = burnin.BurnIn(("tc",), burnin.ClipText(), {"size": 0.04}, 1920, 1080)
    grey = np.full((1080, 1920, 3), 90, np.uint8)
    drawn = burn.draw(grey, tc, k)
    ref, (x0, y0, x1, y1) = _reference(burn, (1920, 1080), tc)
    assert np.array_equal(drawn[y0:y1, x0:x1], ref[y0:y1, x0:x1])  # pixel-exact
    assert np.array_equal(drawn, ref)

    preset = presets.get_preset("prores-proxy-mov", tmp_path / "none")
    out = render(RenditionRequest(media, name, preset, tmp_path, burn_in=("tc",))).paths[0]
    frame = _decoded(out, k).astype(int)
    errors = {}
    for j in (k - 1, k, k + 1):
        label = frames_to_tc(tc_to_frames(start, fps) + j, fps, drop_frame=True)
        r, (x0, y0, x1, y1) = _reference(burn, (1920, 1080), label)
        errors[label] = np.abs(frame[y0:y1, x0:x1] - r[y0:y1, x0:x1].astype(int)).mean()
    assert min(errors, key=errors.get) == tc and errors[tc] < 3.0, errors


# --- the job kind, the table, resume ------------------------------------------------------------------------


def _rows(catalog) -> dict[str, tuple[int, list[str], list[str], str]]:
    with catalog.session() as s:
        ids = [cid for cid, _n, _l in _clip_rows(catalog, day=DAY)]
        names = dict((cid, n) for cid, n, _l in _clip_rows(catalog, day=DAY))
        return {names[r.clip_id]: (r.id, json.loads(r.paths), json.loads(r.xxh64), r.inputs_key)
                for r in renditions_repo.of_clips(s, ids)}


def test_a_day_renders_once_and_again_only_when_inputs_change(tmp_path, shoot):
    out = tmp_path / "dailies"
    options = DailiesJobOptions(day=DAY.isoformat(), preset="h264-review-mp4", folder=str(out), workers=2,
                                burn_in="tc,clip")
    seen = []
    result = jobs.execute(shoot, JobKind.DAILIES, options, on_progress=seen.append)
    assert len(result.rendered) == 5 and not result.failed and not result.skipped
    assert seen[-1].frames_done == seen[-1].frames_total > 0 and seen[-1].clips_done == 5
    rows = _rows(shoot)
    assert len(rows) == 5
    for name, (_id, paths, hashes, _key) in rows.items():
        assert [Path(p).name for p in paths] == [f"{name}.mp4"]
        assert hashes == [file_xxh64(Path(p)) for p in paths]

    again = jobs.execute(shoot, JobKind.DAILIES, options)
    assert sorted(again.skipped) == sorted(rows) and not again.rendered
    assert _rows(shoot) == rows

    changed = jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(**{**options.to_dict(), "burn_in": "tc"}))
    assert len(changed.rendered) == 5
    assert all(_rows(shoot)[n][3] != rows[n][3] for n in rows)
    elsewhere = DailiesJobOptions(**{**options.to_dict(), "burn_in": "tc", "folder": str(tmp_path / "other")})
    assert len(jobs.execute(shoot, JobKind.DAILIES, elsewhere).rendered) == 5  # the files are not there


def test_a_killed_render_resumes_without_redoing_finished_clips(tmp_path, shoot):
    out = tmp_path / "dailies"
    names = [n for _id, n, label in _clip_rows(shoot, day=DAY) if label.startswith("A001")]
    assert len(names) == 3
    base = dict(preset="prores-proxy-mov", folder=str(out), workers=1, burn_in="tc")
    first = jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(clips=names[0], **base))
    assert first.rendered == [names[0]]
    done_id, done_paths, *_ = _rows(shoot)[names[0]]
    done_mtime = Path(done_paths[0]).stat().st_mtime_ns

    # the whole card in a child; SIGKILL it while the second clip is being written
    options = DailiesJobOptions(clips=",".join(names), **base)
    partial = out / "prores-proxy-mov" / f".{names[1]}.mov.partial"
    cancel, ids, box = CancelToken(), [], {}

    def parent() -> None:
        try:
            box["result"] = run_job_in_child(shoot.path, JobKind.DAILIES, options, cancel, lambda p: None,
                                             on_job=ids.append, name="pixm-test-dailies-kill")
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=parent)
    t.start()
    try:
        deadline = time.monotonic() + WAIT
        while not (ids and partial.exists()):
            assert t.is_alive() and time.monotonic() < deadline, box
            time.sleep(0.01)
        with shoot.session() as s:
            pid = s.get(Job, ids[0]).pid
        os.kill(pid, signal.SIGKILL)
        t.join(WAIT)
    finally:
        cancel.cancel()
        t.join()
    assert isinstance(box.get("error"), ChildProcessFailedError), box
    assert set(_rows(shoot)) == {names[0]}  # the clip being written when killed has no row

    resumed = jobs.execute(shoot, JobKind.DAILIES, options)
    assert resumed.skipped == [names[0]] and sorted(resumed.rendered) == sorted(names[1:])
    rows = _rows(shoot)
    assert rows[names[0]][0] == done_id and Path(done_paths[0]).stat().st_mtime_ns == done_mtime
    for name in names:
        assert probe_media(Path(rows[name][1][0])).frames > 0
    assert not list(out.rglob("*.partial"))


# --- pixm dailies --------------------------------------------------------------------------------------------


def test_pixm_dailies_presets_and_a_card(tmp_path, shoot):
    listed = cli("dailies", "presets")
    assert listed.code == 0 and all(name in listed.out for name in PRESETS)
    label = _clip_rows(shoot, day=DAY)[-1][2]
    run = cli("dailies", "--card", label, "--preset", "avid-dnxhd36-mov", "--to", tmp_path / "out",
              "--burn-in", "tc,clip,reel,frame", "--workers", "1", "--catalog", shoot.path)
    assert run.code == 0, run.text
    assert "2 rendered" in run.out
    assert len(list((tmp_path / "out" / "avid-dnxhd36-mov").glob("*.mov"))) == 2
    bad = cli("dailies", "--card", label, "--burn-in", "tc,nope", "--to", tmp_path, "--catalog", shoot.path)
    assert bad.code == 2 and "unknown burn-in field" in bad.text
    none = cli("dailies", "--to", tmp_path, "--catalog", shoot.path)
    assert none.code == 2 and "--day D, --card LABEL or --clips" in none.text


def test_dailies_options_round_trip_through_the_jobs_row():
    opts = DailiesJobOptions(card="A001", preset="prores-proxy-mov", lut="/l.cube", burn_in="tc", workers=2)
    assert job_options("dailies", opts.to_json()) == opts
    assert job_options("dailies", '{"workers": "many", "preset": 3}') == DailiesJobOptions()


def test_cancel_stops_every_render_and_leaves_no_partial_file(tmp_path, shoot):
    out = tmp_path / "dailies"
    cancel = CancelToken()
    options = DailiesJobOptions(day=DAY.isoformat(), preset="prores-proxy-mov", folder=str(out), workers=2)
    with pytest.raises(CancelledError, match="dailies cancelled"):
        jobs.execute(shoot, JobKind.DAILIES, options, cancel=cancel, on_progress=lambda p: cancel.cancel())
    assert not list(out.rglob("*.partial")) and not _rows(shoot)


def test_pixm_dailies_exits_13_naming_a_clip_without_a_readable_copy(tmp_path, shoot, monkeypatch):
    from pixm_desktop.services.jobs import dailies

    names = [n for _id, n, _label in _clip_rows(shoot, day=DAY)]
    real = dailies._readable
    monkeypatch.setattr(dailies, "_readable", lambda clip: Path("") if clip.name == names[0] else real(clip))
    run = cli("dailies", "--clips", *names[:2], "--preset", "h264-review-mp4", "--to", tmp_path,
              "--workers", "1", "--catalog", shoot.path)
    assert run.code == 13, run.text
    assert f"{names[0]}: no readable copy" in run.text and "1 rendered" in run.out
    assert set(_rows(shoot)) == {names[1]}
