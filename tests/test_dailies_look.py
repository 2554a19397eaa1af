"""Dailies colour and geometry (issue 13): OpenColorIO looks (ACES through OCIO's built-in configs, the CDL in
the config's colour-timing space, display/view transforms, a user config file), the checks that name the
choices, the inputs key, ``pixm dailies --look``; anamorphic desqueeze and extraction crops (pure geometry with
Hypothesis, and a rendered 2:1 anamorphic clip with a known pattern)."""

from __future__ import annotations

import datetime as dt
import json
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import PyOpenColorIO as ocio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.media.renditions import colour, geometry, presets
from pixm_desktop.media.renditions.render import RenditionRequest, preview_frame, render
from pixm_desktop.services import jobs
from pixm_desktop.store import renditions_repo
from support.cli import cli
from support.shoots import catalog_copy, offloaded_shoot

DAY = dt.date(2026, 11, 24)
STUDIO = "ocio://studio-config-latest"
SDR = ("Rec.1886 Rec.709 - Display", "ACES 2.0 - SDR 100 nits (Rec.709)")
CDL = colour.Cdl(slope=(1.1, 0.95, 0.9), offset=(0.02, 0.0, -0.01), power=(1.0, 1.05, 0.95), saturation=0.8)


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _ramp() -> np.ndarray:
    """A 16×64 uint8 RGB frame: a grey ramp on top, saturated colour ramps below (known pixels)."""
    x = np.linspace(0, 255, 64, dtype=np.float32)
    rows = [np.stack([x, x, x], -1), np.stack([x, x * 0.3, x * 0.1], -1), np.stack([x * 0.2, x, x * 0.6], -1),
            np.stack([x * 0.5, x * 0.4, x], -1)]
    return np.repeat(np.stack(rows), 4, axis=0).round().astype(np.uint8)


def _asc_cdl(rgb: np.ndarray, c: colour.Cdl) -> np.ndarray:
    """ASC CDL v1.2 written out (float32, 0–1): clamp(in × slope + offset) ^ power, then saturation (Rec. 709
    luma), clamped."""
    out = np.clip(rgb * np.array(c.slope, np.float32) + np.array(c.offset, np.float32), 0, 1)
    out = out ** np.array(c.power, np.float32)
    luma = (out @ np.array([0.2126, 0.7152, 0.0722], np.float32))[..., None]
    return np.clip(luma + c.saturation * (out - luma), 0, 1).astype(np.float32)


def _ocio_steps(rgb8: np.ndarray, space: str, cdl: colour.Cdl | None, display: str, view: str) -> np.ndarray:
    """The pipeline computed independently: OCIO's own processors for the colour space and the display/view
    (asked of the config by name, not through PIXM), the CDL by the formula above, in ACEScct."""
    config = ocio.Config.CreateFromBuiltinConfig(STUDIO)
    work = np.ascontiguousarray(rgb8, np.float32) / 255
    config.getProcessor(space, "ACEScct").getDefaultCPUProcessor().applyRGB(work)
    if cdl is not None:
        work = np.ascontiguousarray(_asc_cdl(work, cdl))
    config.getProcessor("ACEScct", display, view, ocio.TRANSFORM_DIR_FORWARD) \
        .getDefaultCPUProcessor().applyRGB(work)
    return np.clip(np.rint(work * 255), 0, 255).astype(np.uint8)


# --- OpenColorIO looks -------------------------------------------------------------------------------------


def test_a_cdl_and_the_aces_sdr_view_change_a_known_frame_as_ocio_computes_them():
    rgb = _ramp()
    spec = colour.ocio_look(STUDIO, "ARRI LogC4")
    assert (spec.timing, spec.display, spec.view, spec.look) == ("ACEScct", *SDR, "")  # the config's timing role
    got = colour.Look(CDL, None, spec, exact=True).apply(rgb)
    want = _ocio_steps(rgb, "ARRI LogC4", CDL, *SDR)
    assert np.abs(got.astype(int) - want).max() <= 1
    plain = colour.Look(None, None, spec, exact=True).apply(rgb)
    assert np.abs(plain.astype(int) - _ocio_steps(rgb, "ARRI LogC4", None, *SDR)).max() <= 1
    assert np.abs(plain.astype(int) - got).max() > 10  # the CDL shows
    assert np.abs(plain.astype(int) - rgb).max() > 10  # so does the view
    # what renders use: the same pipeline baked into a 65³ LUT that OCIO interpolates
    baked = np.abs(colour.Look(CDL, None, spec).apply(rgb).astype(int) - want)
    assert baked[:4].max() <= 1  # the grey ramp
    assert np.percentile(baked, 95) <= 1 and baked.mean() < 0.5  # a few extreme log colours differ up to 24

    video = colour.ocio_look(STUDIO, "S-Log3 S-Gamut3.Cine", "sRGB - Display/Video (colorimetric)")
    assert (video.display, video.view) == ("sRGB - Display", "Video (colorimetric)")
    got = colour.Look(None, None, video, exact=True).apply(rgb)
    want = _ocio_steps(rgb, "S-Log3 S-Gamut3.Cine", None, video.display, video.view)
    assert np.abs(got.astype(int) - want).max() <= 1


def test_a_look_the_config_names_and_the_builtin_list():
    names = colour.builtin_configs()
    assert names[:2] == ["ocio://studio-config-latest", "ocio://cg-config-latest"]
    assert any("studio-config-v" in n for n in names)
    spec = colour.ocio_look("ocio://cg-config-latest", "ACEScg", "ACES 1.3 Reference Gamut Compression")
    assert spec.look == "ACES 1.3 Reference Gamut Compression" and spec.view == SDR[1]
    with_look = colour.Look(None, None, spec).apply(_ramp())
    assert with_look.shape == (16, 64, 3)


def test_unknown_config_space_and_look_name_the_choices(tmp_path):
    with pytest.raises(UsageError, match="no look or view 'Kodak 2383'") as err:
        colour.ocio_look(STUDIO, "ARRI LogC4", "Kodak 2383")
    assert "ACES 2.0 - SDR 100 nits (Rec.709)" in err.value.hint
    with pytest.raises(UsageError, match="no colour space 'LogC9'") as err:
        colour.ocio_look(STUDIO, "LogC9")
    assert "ARRI LogC4" in err.value.hint
    with pytest.raises(UsageError, match="ocio://nope") as err:
        colour.load_config("ocio://nope")
    assert "ocio://studio-config-latest" in err.value.hint
    with pytest.raises(UsageError, match="no OpenColorIO config file"):
        colour.load_config(str(tmp_path / "show.ocio"))
    with pytest.raises(UsageError, match="alternatives"):
        colour.Look(None, tmp_path / "x.cube", colour.ocio_look(STUDIO, "ARRI LogC4"))


def test_a_user_config_file_with_its_own_look(tmp_path):
    lut = tmp_path / "warm.spi1d"
    lut.write_text("Version 1\nFrom 0.0 1.0\nLength 2\nComponents 1\n{\n0.0\n0.5\n}\n")
    config = ocio.Config.CreateRaw()
    config.setSearchPath(str(tmp_path))
    config.addLook(ocio.Look(name="half", processSpace="raw", transform=ocio.FileTransform(src="warm.spi1d")))
    path = tmp_path / "show.ocio"
    path.write_text(config.serialize())
    spec = colour.ocio_look(str(path), "raw", "half")
    assert spec.look == "half" and spec.timing == "raw"  # no timing role: the CDL goes in the input space
    got = colour.Look(None, None, spec).apply(np.full((2, 2, 3), 200, np.uint8))
    assert np.all(np.abs(got.astype(int) - 100) <= 1)  # the 1D LUT halves every value, the raw view keeps it
    before = spec.identity
    config.setDescription("the show config, second revision")
    path.write_text(config.serialize())
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert colour.ocio_look(str(path), "raw", "half").identity != before  # the inputs key follows the config
    assert colour.camera_space(colour.load_config(STUDIO), "ARRI", "ALEXA 35") == "ARRI LogC4"
    assert colour.camera_space(colour.load_config(STUDIO), "Sony", "VENICE 2") == "S-Log3 Venice S-Gamut3.Cine"
    assert colour.camera_space(colour.load_config(STUDIO), "Canon", "C300") is None


# --- the job and the CLI ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def card_db(tmp_path_factory) -> Path:
    """A catalog with one ARRI card (2 clips, 25 fps), offloaded and ingested."""
    return offloaded_shoot(tmp_path_factory.mktemp("dailies-look"), [("A007", Fraction(25), 2, 1.0)], DAY)


@pytest.fixture
def shoot(tmp_path, card_db):
    yield from catalog_copy(tmp_path, card_db)


def _keys(catalog) -> dict[str, str]:
    with catalog.session() as s:
        rows = renditions_repo.clips_for(s, day=DAY)
        return {c.name: r.inputs_key for c in rows for r in renditions_repo.of_clips(s, [c.id])}


def _small_preset(tmp_path: Path, name: str, **extra) -> str:
    """A 320×180 H.264 user preset (quick to encode) with ``extra`` top-level fields."""
    data = json.loads(presets.get_preset("h264-review-mp4").path.read_text())
    data.update(name=name, description="small", video={**data["video"], "width": 320, "height": 180}, **extra)
    folder = tmp_path / "config" / "pixm" / "dailies-presets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(data))
    return name


def test_prepare_checks_the_look_and_the_key_names_it(tmp_path, shoot):
    base = dict(day=DAY.isoformat(), preset=_small_preset(tmp_path, "small"), folder=str(tmp_path / "out"),
                workers=1)
    with pytest.raises(UsageError, match="no look or view 'Kodak 2383'"):
        jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(look="Kodak 2383", **base))
    with pytest.raises(UsageError, match="no colour space 'LogC9'"):
        jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(colour_space="LogC9", **base))
    cube = tmp_path / "x.cube"
    cube.write_text("LUT_3D_SIZE 2\n" + "".join(f"{r} {g} {b}\n" for b in (0, 1) for g in (0, 1) for r in (0, 1)))
    with pytest.raises(UsageError, match="alternatives"):
        jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(look=SDR[1], lut=str(cube), **base))
    with pytest.raises(UsageError, match="ocio://nope"):
        jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(ocio_config="ocio://nope", **base))

    plain = jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(**base))
    assert len(plain.rendered) == 2
    plain_keys = _keys(shoot)
    looked = DailiesJobOptions(look=SDR[1], **base)  # the ARRI camera's usual space: LogC3
    assert len(jobs.execute(shoot, JobKind.DAILIES, looked).rendered) == 2
    look_keys = _keys(shoot)
    assert all(look_keys[n] != plain_keys[n] for n in plain_keys)
    assert len(jobs.execute(shoot, JobKind.DAILIES, looked).skipped) == 2  # resumes: same config, same names
    other = DailiesJobOptions(look=SDR[1], colour_space="ARRI LogC4", **base)
    assert len(jobs.execute(shoot, JobKind.DAILIES, other).rendered) == 2
    assert all(_keys(shoot)[n] != look_keys[n] for n in plain_keys)


def test_pixm_dailies_look_flags(tmp_path, shoot):
    name = _small_preset(tmp_path, "small")
    bad = cli("dailies", "--day", DAY.isoformat(), "--preset", name, "--look", "Kodak 2383", "--to", tmp_path,
              "--catalog", shoot.path)
    assert bad.code == 2 and "Kodak 2383" in bad.text and "ACES 2.0 - SDR 100 nits (Rec.709)" in bad.text
    run = cli("dailies", "--day", DAY.isoformat(), "--preset", name, "--ocio-config", STUDIO, "--colour-space",
              "ARRI LogC3 (EI800)", "--look", "Rec.1886 Rec.709 - Display/Video (colorimetric)",
              "--to", tmp_path / "out", "--workers", "1", "--catalog", shoot.path)
    assert run.code == 0, run.text
    assert len(list((tmp_path / "out" / name).glob("*.mp4"))) == 2


# --- geometry ------------------------------------------------------------------------------------------------


def test_anamorphic_2x_with_a_239_extraction_letterboxes():
    p = geometry.plan(1920, 1080, 1920, 1080, desqueeze=2.0, extraction={"aspect": 2.39})
    assert p.crop == ((1920 - 1291) // 2, 0, 1291, 1080) and p.bars == "letterbox"
    assert p.picture == (1920, 804) and p.place == (0, 138)
    whole = geometry.plan(1920, 1080, 1920, 1080, desqueeze=2.0)
    assert whole.picture == (1920, 540) and whole.place == (0, 270)
    from_clip = geometry.plan(960, 1080, 1920, 1080, par=Fraction(2), desqueeze="from_clip")
    assert from_clip.picture == (1920, 1080) and from_clip.full_frame  # 960×2 = 1920: fills the frame
    narrow = geometry.plan(1440, 1080, 1920, 1080, extraction={"aspect": 4 / 3})
    assert narrow.bars == "pillarbox" and narrow.picture == (1440, 1080) and narrow.place == (240, 0)
    crop = geometry.plan(4096, 2160, 1920, 1080, extraction={"crop": [128, 0, 3840, 2160]})
    assert crop.crop == (128, 0, 3840, 2160) and crop.picture == (1920, 1080) and crop.window == (64, 0)
    assert geometry.plan(3840, 2160, 1920, 1080).full_frame  # no geometry: as before, whole frame
    with pytest.raises(ValueError, match="not inside"):
        geometry.plan(1920, 1080, 1920, 1080, extraction={"crop": [100, 0, 1900, 1080]})


@settings(max_examples=300, deadline=None)
@given(w=st.integers(16, 8192), h=st.integers(16, 4320), fw=st.integers(8, 2048).map(lambda n: 2 * n),
       fh=st.integers(8, 1200).map(lambda n: 2 * n), squeeze=st.sampled_from([None, 1.0, 1.25, 1.3, 1.5, 1.8, 2.0]),
       aspect=st.one_of(st.none(), st.floats(0.5, 3.0)), scale=st.floats(0.3, 1.0))
def test_a_plan_fits_its_frame_keeps_the_aspect_and_even_sizes(w, h, fw, fh, squeeze, aspect, scale):
    extraction = {"aspect": aspect, "scale": scale} if aspect else None
    p = geometry.plan(w, h, fw, fh, desqueeze=squeeze, extraction=extraction)
    x, y, cw, ch = p.crop
    assert x >= 0 and y >= 0 and x + cw <= w and y + ch <= h and cw > 0 and ch > 0
    pw, ph = p.picture
    assert pw % 2 == 0 and ph % 2 == 0 and 0 < pw <= fw and 0 < ph <= fh
    assert p.place[0] + pw <= fw and p.place[1] + ph <= fh
    assert p.window[0] >= 0 and p.window[1] >= 0
    assert p.window[0] + pw <= p.scale_to[0] and p.window[1] + ph <= p.scale_to[1]
    if squeeze is None and not extraction:
        assert p.full_frame
        return
    assert pw == fw or ph == fh  # fits touching two edges
    shown = cw * (squeeze or 1) / ch
    if min(pw, ph) >= 16:  # below that the 2-pixel floor of an even size decides
        assert abs(pw / ph - shown) <= shown * (2.5 / min(pw, ph) + 1.5 / min(cw, ch))


def _anamorphic_clip(path: Path, frames: int = 3) -> Path:
    """A 320×180 ProRes MOV flagged 2:1 pixel aspect, black with a white 90×90 (stored) square in the middle:
    desqueezed, a 180×90 rectangle."""
    with av.open(str(path), "w") as c:
        c.metadata["timecode"] = "01:00:00:00"
        v = c.add_stream("prores_ks", rate=25)
        v.width, v.height, v.pix_fmt = 320, 180, "yuv422p10le"
        v.codec_context.sample_aspect_ratio = Fraction(2, 1)
        for i in range(frames):
            a = np.zeros((180, 320, 3), np.uint8)
            a[45:135, 115:205] = 255
            f = av.VideoFrame.from_ndarray(a, format="rgb24")
            f.pts, f.time_base = i, Fraction(1, 25)
            c.mux(v.encode(f))
        c.mux(v.encode(None))
    return path


def _bright_box(rgb: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(rgb.mean(axis=2) > 128)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def test_a_2x_anamorphic_clip_renders_desqueezed_and_letterboxed(tmp_path):
    source = _anamorphic_clip(tmp_path / "A001C001_ANA.mov")
    preset = presets.get_preset(_small_preset(tmp_path, "small-ana", geometry={"desqueeze": "from_clip"}))
    req = RenditionRequest(source, "A001C001_ANA", preset, tmp_path / "out")
    result = render(req)
    with av.open(str(result.paths[0])) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (320, 180)
        rgb = next(c.decode(v)).to_ndarray(format="rgb24")
    # 640×180 shown → 320×90 picture at y 45; the square → 90×45 at x 115…205, y 67.5…112.5
    left, top, right, bottom = _bright_box(rgb)
    assert abs(left - 115) <= 2 and abs(right - 205) <= 2 and abs(top - 67) <= 2 and abs(bottom - 113) <= 2
    assert rgb[:40].max() < 30 and rgb[140:].max() < 30  # the letterbox bars
    frame, index, tc = preview_frame(req)
    assert frame.shape == (180, 320, 3) and tc.startswith("01:00:00:") and 0 <= index < 3
    assert _bright_box(frame) == pytest.approx((left, top, right, bottom), abs=2)

    flat = presets.get_preset(_small_preset(tmp_path, "small-flat"))  # no geometry: stretched as before
    rgb = preview_frame(RenditionRequest(source, "A001C001_ANA", flat, tmp_path / "out"))[0]
    assert _bright_box(rgb) == pytest.approx((115, 45, 205, 135), abs=2)


# --- the window's service ------------------------------------------------------------------------------------


def test_clip_states_of_a_running_job_and_the_burn_in_layout():
    from pixm_desktop.services import dailies as service
    from pixm_desktop.services.jobs.dailies import DailiesProgress

    item = service.ClipItem(7, "A001C001", "A001", 48)
    assert service.clip_state(item, None) == ("pending", 0.0)
    running = DailiesProgress(clip_frames={7: 12})
    assert service.clip_state(item, running) == ("rendering", 0.25)
    assert service.clip_state(item, DailiesProgress(clip_ends={7: "done"})) == ("done", 1.0)
    assert service.clip_state(item, DailiesProgress(clip_ends={7: "current"})) == ("current already", 1.0)
    assert service.clip_state(item, DailiesProgress(clip_ends={7: "failed: disk full"})) == ("failed: disk full", 0.0)
    raw = service.clip_state(item, DailiesProgress(clip_ends={7: "failed: R3D needs REDline"}))
    assert raw == ("needs decoder: R3D needs REDline", 0.0)

    review = presets.get_preset("h264-review-mp4")
    moved = presets.with_burn_in(review, {"positions": {"tc": "top-left"}, "size": 0.06})
    assert moved.burn_in["positions"] == {**review.burn_in["positions"], "tc": "top-left"}
    assert moved.burn_in["size"] == 0.06 and moved.name == review.name and moved.data != review.data
    assert presets.with_burn_in(review, {}) is review
    with pytest.raises(UsageError, match="burn-in layout .* not valid at burn_in/positions/tc"):
        presets.with_burn_in(review, {"positions": {"tc": "upside-down"}})
