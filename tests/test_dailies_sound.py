"""Synced sound in dailies renditions (issue 13): a BWF take placed under a picture clip from its time
reference, read back with PyAV.

The marker is a one-sample click written at a known timecode label of the take (``click_pcm``); the test
works out independently, from the labels alone, at which rendition sample that label's picture frame starts
(frame k of the clip starts at k × out_rate / fps). Exact where a TC frame is a whole number of samples
(2002 at 23.976, 2000 at 24); ±1 sample at 29.97, where a frame is 1601.6 samples: the take's time reference
and the click's position are each rounded to a whole sample, so the two roundings can differ by one.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.core.timecode import frames_to_tc, tc_to_frames
from pixm_desktop.media.probe import probe_bwf
from pixm_desktop.media.renditions import audio, presets
from pixm_desktop.media.renditions.render import RenditionRequest, render
from pixm_desktop.samples.bwf import BwfTake, click_pcm, write_bwf
from pixm_desktop.services import clips, jobs
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.store import renditions_repo
from support.cards import make_card

F23 = Fraction(24000, 1001)
F29 = Fraction(30000, 1001)
DAY = dt.date(2026, 11, 23)
LEVEL = (0.9, 0.81, 0.72)  # click_pcm's level per channel


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _picture(path: Path, fps: Fraction, start_tc: str, frames: int) -> Path:
    """A ProRes MOV at ``fps`` with ``start_tc`` and a loud stereo camera tone (what a synced take replaces)."""
    with av.open(str(path), "w") as c:
        c.metadata["timecode"] = start_tc
        v = c.add_stream("prores_ks", rate=fps)
        v.width, v.height, v.pix_fmt = 320, 180, "yuv422p10le"
        a = c.add_stream("pcm_s16le", rate=48000, layout="stereo")
        for i in range(frames):
            f = av.VideoFrame.from_ndarray(np.full((180, 320, 3), 60, np.uint8), format="rgb24")
            f.pts, f.time_base = i, 1 / fps
            c.mux(v.encode(f))
        n = round(frames * 48000 / fps)
        tone = (np.sin(np.arange(n) / 5) * 20000).astype(np.int16)
        af = av.AudioFrame.from_ndarray(np.repeat(tone, 2).reshape(1, -1), format="s16", layout="stereo")
        af.sample_rate, af.pts = 48000, 0
        c.mux(a.encode(af))
        c.mux(a.encode(None))
        c.mux(v.encode(None))
    return path


def _take(path: Path, *, fps: Fraction, start_tc: str, click_tc: str, seconds: int = 4, rate: int = 48000,
          recorded_rate: int | None = None, timestamp_rate: int | None = None, drop: bool = False,
          tracks=("Mix", "Boom", "Lav")) -> Path:
    """A BWF take whose clock starts at ``start_tc`` with a click at ``click_tc``: samples per TC frame are
    worked out here from the rate the recorder really ran at (``recorded_rate``, default ``rate``)."""
    real = recorded_rate or rate
    per_frame = Fraction(real if fps.denominator == 1 else rate) / fps  # 48048/24 = 48000/(24000/1001)
    start = tc_to_frames(start_tc, fps)
    reference = round(start * per_frame)
    at = round(tc_to_frames(click_tc, fps) * per_frame) - reference
    if at < 0:  # the click is after midnight, the start before it
        at += round(audio.frames_per_day(fps, drop) * per_frame)
    take = BwfTake(project="P", scene="7", take="2", tape="SR1", circled=False, note="", fps=fps,
                   time_reference=reference, recorded=dt.datetime(2026, 11, 23, 9), tracks=tuple(tracks),
                   sample_rate=rate, digitizer_rate=recorded_rate, timestamp_rate=timestamp_rate, drop_frame=drop)
    write_bwf(path, take, click_pcm(real * seconds, len(tracks), at))
    return path


def _audio(path: Path) -> np.ndarray:
    """A rendition's audio as ``(samples, channels)`` floats in [-1, 1]."""
    with av.open(str(path)) as c:
        parts = []
        for f in c.decode(audio=0):
            f = av.AudioResampler(format="flt", layout=f.layout, rate=f.sample_rate).resample(f)[0]
            parts.append(f.to_ndarray().reshape(f.samples, -1))
    return np.concatenate(parts)


def _click(pcm: np.ndarray) -> int:
    at = np.abs(pcm).argmax(0)
    assert len(set(at.tolist())) == 1, at  # every channel clicks at the same sample
    return int(at[0])


def _render(tmp_path, media, take, preset="prores-proxy-mov"):
    p = presets.get_preset(preset, tmp_path / "none")
    return render(RenditionRequest(media, media.stem, p, tmp_path / "out", sound=audio.SyncedSound(take)))


# --- placed in renditions -------------------------------------------------------------------------------------


def test_a_take_at_23976_lands_on_its_frame_and_replaces_the_camera_audio(tmp_path):
    media = _picture(tmp_path / "A001C001.mov", F23, "01:00:00:00", 24)
    take = _take(tmp_path / "7_2.WAV", fps=F23, start_tc="00:59:59:00", click_tc="01:00:00:12")
    result = _render(tmp_path, media, take)
    pcm = _audio(result.paths[0])
    assert pcm.shape == (24 * 2002, 3)  # 3 poly tracks kept, exactly the clip's length
    assert _click(pcm) == 12 * 2002  # frame 12 starts at 12 × 48000 / (24000/1001) samples, exactly
    assert np.allclose(np.abs(pcm).max(0), LEVEL, atol=1e-3)  # channel order kept
    assert np.count_nonzero(np.abs(pcm[:, 0]) > 1e-3) == 1  # the camera's tone is gone


def test_op_atom_writes_the_take_one_file_per_track(tmp_path):
    media = _picture(tmp_path / "A001C001.mov", F23, "01:00:00:00", 24)
    take = _take(tmp_path / "7_2.WAV", fps=F23, start_tc="00:59:59:00", click_tc="01:00:00:12")
    result = _render(tmp_path, media, take, preset="avid-dnxhd36-mxf")
    assert [p.name for p in result.paths] == ["A001C001_V1.mxf"] + [f"A001C001_A{n}.mxf" for n in (1, 2, 3)]
    for path, level in zip(result.paths[1:], LEVEL, strict=True):
        pcm = _audio(path)
        assert pcm.shape == (24 * 2002, 1) and _click(pcm) == 12 * 2002
        assert abs(np.abs(pcm).max() - level) < 1e-3


@pytest.mark.parametrize("stamp", ["stamped 48000, TC 24 on set, timestamp rate 48048",
                                   "stamped 48000, TC 24 on set, no timestamp rate",
                                   "stamped 48000, TC 23.976, no timestamp rate",
                                   "fmt 48048, TC 24"])
def test_a_48048_pull_up_take_plays_at_the_pictures_rate_sample_for_sample(tmp_path, stamp):
    """Picture shot at 24 and played at 23.976; the recorder ran at 48048 Hz. One TC frame = 2002 take
    samples whichever way the file is stamped, so the take is copied one for one: the click is exact."""
    kw = {"stamped 48000, TC 24 on set, timestamp rate 48048":
          dict(fps=Fraction(24), rate=48000, recorded_rate=48048, timestamp_rate=48048),
          "stamped 48000, TC 24 on set, no timestamp rate": dict(fps=Fraction(24), rate=48000, recorded_rate=48048),
          "stamped 48000, TC 23.976, no timestamp rate": dict(fps=F23, rate=48000, recorded_rate=48048),
          "fmt 48048, TC 24": dict(fps=Fraction(24), rate=48048)}[stamp]
    media = _picture(tmp_path / "A001C002.mov", F23, "01:00:00:00", 24)
    take = _take(tmp_path / "7_2.WAV", start_tc="00:59:59:00", click_tc="01:00:00:12", **kw)
    clock = audio.read_clock(take)
    assert clock.samples_per_frame == 2002
    pcm = _audio(_render(tmp_path, media, take).paths[0])
    assert pcm.shape[0] == 24 * 2002 and _click(pcm) == 12 * 2002


def test_the_catalog_reads_a_pulled_takes_start_on_the_set_clock(tmp_path):
    """The probe counts TimeReference at the same rate as placing does, so the slate pre-fill and the synced
    take find a 48048 Hz take stamped 48000 at its set timecode (not 0.1 % later: 3.6 s per hour of TC)."""
    take = _take(tmp_path / "p.WAV", fps=Fraction(24), start_tc="01:00:00:00", click_tc="01:00:01:00",
                 rate=48000, recorded_rate=48048)
    p = probe_bwf(take)
    assert (p.start_tc, p.frames, p.sample_rate) == ("01:00:00:00", 4 * 24, 48000)


def test_a_48048_take_under_a_true_24_picture_is_resampled(tmp_path):
    """At a true 24 fps a frame lasts 2000 rendition samples but 2002 take samples: FFmpeg's resampler
    (48048 → 48000) keeps the click's peak on its frame (exact here; ±1 is what a resampler can promise)."""
    media = _picture(tmp_path / "A001C003.mov", Fraction(24), "01:00:00:00", 24)
    take = _take(tmp_path / "7_2.WAV", fps=Fraction(24), start_tc="00:59:59:00", click_tc="01:00:00:12",
                 rate=48000, recorded_rate=48048, timestamp_rate=48048)
    pcm = _audio(_render(tmp_path, media, take).paths[0])
    assert pcm.shape[0] == 24 * 2000
    assert abs(_click(pcm) - 12 * 2000) <= 1


def test_a_2997_drop_frame_take_lands_within_a_sample(tmp_path):
    start = "01:00:59;20"  # frame 10 of the clip is 01:01:00;02 (;00 and ;01 are dropped), frame 13 is ;05
    media = _picture(tmp_path / "B001C001.mov", F29, start, 30)
    take = _take(tmp_path / "7_2.WAV", fps=F29, start_tc="01:00:58;00", click_tc="01:01:00;05", drop=True)
    clock = audio.read_clock(take)
    assert clock.drop_frame and frames_to_tc(round(clock.start_frame), F29, drop_frame=True) == "01:00:58;00"
    pcm = _audio(_render(tmp_path, media, take).paths[0])
    assert pcm.shape[0] == round(30 * 48000 / F29)
    assert abs(_click(pcm) - round(13 * 48000 / F29)) <= 1  # 20820.8 samples


@pytest.mark.parametrize("take_start", ["23:59:58:00", "00:00:00:00"])
def test_timecode_that_wraps_at_midnight(tmp_path, take_start):
    """The clip runs 23:59:59:00 → 00:00:00:23; the take starts before midnight (and crosses it) or after
    it (silence first). Frame 36 of the clip is 00:00:00:12 either way."""
    media = _picture(tmp_path / "A009C001.mov", F23, "23:59:59:00", 48)
    take = _take(tmp_path / "7_2.WAV", fps=F23, start_tc=take_start, click_tc="00:00:00:12")
    pcm = _audio(_render(tmp_path, media, take).paths[0])
    assert pcm.shape[0] == 48 * 2002 and _click(pcm) == 36 * 2002


def test_the_review_mp4_carries_the_first_two_tracks(tmp_path):
    media = _picture(tmp_path / "A001C004.mov", F23, "01:00:00:00", 24)
    take = _take(tmp_path / "7_2.WAV", fps=F23, start_tc="00:59:59:00", click_tc="01:00:00:12")
    pcm = _audio(_render(tmp_path, media, take, preset="h264-review-mp4").paths[0])
    assert pcm.shape[1] == 2 and _click(pcm) == 12 * 2002  # AAC's priming is undone by the reader
    assert np.abs(pcm).max(0)[0] > np.abs(pcm).max(0)[1]  # Mix then Boom


def test_an_unreadable_take_is_a_clear_error(tmp_path):
    media = _picture(tmp_path / "A001C005.mov", F23, "01:00:00:00", 4)
    bad = tmp_path / "bad.WAV"
    bad.write_bytes(b"not a wav at all")
    with pytest.raises(Exception, match="sound take bad.WAV cannot be read"):
        _render(tmp_path, media, bad)
    assert not list((tmp_path / "out").glob(".*partial"))


# --- the math -------------------------------------------------------------------------------------------------


def _clock(fps, start_frame, *, rate=48000, drop=False) -> audio.TakeClock:
    per = Fraction(rate) / fps
    return audio.TakeClock(round(start_frame * per), rate, rate, rate, fps, drop, 2, 10 * rate)


def test_days_and_rate_pairings():
    assert audio.frames_per_day(F29, True) == 2_589_408 and audio.frames_per_day(F29, False) == 2_592_000
    assert audio.frames_per_day(F23, True) == 24 * 86_400  # 23.976 has no drop-frame
    assert audio.timestamp_rate(48000, 48048, Fraction(24), None) == 48048  # set clock, real samples
    assert audio.timestamp_rate(48000, 48048, F23, None) == 48000  # the clock as the stamped file plays
    assert audio.timestamp_rate(48000, 48048, Fraction(24), 48000) == 48000  # stated wins
    assert audio.place(_clock(F23, 1000), 1012, F23, 48000) == audio.Placement(12 * 2002, Fraction(1))
    assert audio.place(_clock(F23, 1000), 1012, F23, 44100).ratio == Fraction(44100, 48000)
    # a 24-label take under a 23.976 picture shot at 24: the labels meet, the take slows by 0.1 %
    assert audio.place(_clock(Fraction(24), 1000), 1012, F23, 48000) == audio.Placement(12 * 2000,
                                                                                        Fraction(1001, 1000))
    assert audio.kept_channels("pcm_s16le", 8) == 8 and audio.kept_channels("aac", 8) == 2
    assert audio.layout_name(1) == "mono" and audio.layout_name(3) == "3c"


RATES = st.sampled_from([(F23, False), (Fraction(24), False), (Fraction(25), False), (F29, True), (F29, False)])


@given(RATES, st.integers(0, 2_500_000), st.integers(-5000, 5000))
def test_offset_is_the_frame_difference_in_samples_and_wraps_the_short_way(rate, picture, delta):
    fps, drop = rate
    day = audio.frames_per_day(fps, drop)
    picture %= day
    take_start = (picture - delta) % day  # the take started delta frames before the picture (maybe yesterday)
    placed = audio.place(_clock(fps, take_start, drop=drop), picture, fps, 48000)
    want = delta * Fraction(48000) / fps
    assert abs(placed.offset - want) <= 1  # the time reference itself is a rounded sample count
    assert placed.ratio == 1


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59), st.integers(0, 29))
def test_drop_frame_day_wraps_where_the_labels_do(hh, mm, ss, ff):
    label = f"{hh:02d}:{mm:02d}:{ss:02d};{ff:02d}"
    if ff < 2 and ss == 0 and mm % 10:
        return  # a label drop-frame skips
    frames = tc_to_frames(label, F29)
    day = audio.frames_per_day(F29, True)
    assert 0 <= frames < day
    assert frames_to_tc(frames + day, F29, drop_frame=True) == label  # one day later, the same label


def test_wrapped_is_the_nearer_side():
    day = audio.frames_per_day(F23, False)
    assert audio.wrapped(Fraction(day - 24), day) == -24 and audio.wrapped(Fraction(24 - day), day) == 24
    assert audio.wrapped(Fraction(day // 2), day) == day // 2


# --- the job picks the take ---------------------------------------------------------------------------------


def _offload(catalog, source: Path, dests: list[Path]) -> int:
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source, dests, project="Film", day=DAY)))
    assert result.ok
    return result.card_id


def test_a_day_renders_each_clip_with_the_take_that_overlaps_it(tmp_path):
    """Clip 1 was slated from its take (``logged_from = sound:<file>``); clip 2's take has no slate (the
    pre-fill passes it over) and is found by timecode; clip 3 meets no take and keeps its (no) camera audio."""
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    dests = [tmp_path / "RAID", tmp_path / "SHUTTLE"]
    for d in dests:
        d.mkdir()
    card = make_card(tmp_path / "cards", "arri", clips=3, seconds=1, reel="A001", fps=F23)
    starts = [c.start_timecode for c in card.clips]
    roll = tmp_path / "cards" / "SR01_261123"
    roll.mkdir()
    for n, start in enumerate(starts[:2]):
        before = frames_to_tc(tc_to_frames(start, F23) - 24, F23)
        click = frames_to_tc(tc_to_frames(start, F23) + 12, F23)
        path = _take(roll / f"T{n}.WAV", fps=F23, start_tc=before, click_tc=click, seconds=3, tracks=("Mix", "Boom"))
        if n == 1:  # no slate: rewrite without scene/take
            take = BwfTake(project="P", scene="", take="", tape="SR1", circled=False, note="", fps=F23,
                           time_reference=audio.read_clock(path).time_reference,
                           recorded=dt.datetime(2026, 11, 23, 9), tracks=("Mix", "Boom"))
            write_bwf(path, take, click_pcm(48000 * 3, 2, 36 * 2002))
    cam, snd = _offload(catalog, card.root, dests), _offload(catalog, roll, dests)
    clips.ingest_card(catalog, cam)
    assert clips.ingest_card(catalog, snd).prefilled == 1
    options = DailiesJobOptions(day=DAY.isoformat(), preset="prores-proxy-mov", folder=str(tmp_path / "d"),
                                workers=1)
    result = jobs.execute(catalog, JobKind.DAILIES, options)
    assert len(result.rendered) == 3 and not result.failed, result.failed
    out = tmp_path / "d" / "prores-proxy-mov"
    for clip in card.clips[:2]:
        pcm = _audio(out / f"{clip.clip_name}.mov")
        assert pcm.shape[1] == 2 and _click(pcm) == 12 * 2002
    with av.open(str(out / f"{card.clips[2].clip_name}.mov")) as c:
        assert not c.streams.audio
    with catalog.session() as s:
        ids = [c.id for c in renditions_repo.clips_for(s, day=DAY)]
        assert len({r.inputs_key for r in renditions_repo.of_clips(s, ids)}) == 3
    catalog.close()
