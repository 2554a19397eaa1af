"""Media layer of clips: grouping by name, probing real generated media (PyAV, wavinfo, sidecars), timecode
arithmetic and thumbnails. No catalog here; the service tests run the same readers through an offload."""

from __future__ import annotations

import datetime
import os
import struct
from fractions import Fraction
from pathlib import Path

import av
import pytest

from pixm_desktop.core.model import Camera
from pixm_desktop.core.states import ProbeStatus
from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.media.grouping import group_files, is_ignored
from pixm_desktop.media.probe import (
    ProbeResult,
    bext_keys,
    names_from_clip_name,
    probe_bwf,
    probe_clip,
    read_sidecar,
    sony_ltc,
)
from pixm_desktop.media.thumbnails import make_thumbnails, thumbnail_frames
from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
from pixm_desktop.samples.samplecard import SampleCard, generate_card, sony_ltc_value

CAMERAS = [c for c in Camera if c is not Camera.UNKNOWN]
# a different exact rate per camera, so that every reader has to get the fraction right
RATES = {
    Camera.ARRI: Fraction(24000, 1001),
    Camera.SONY: Fraction(25),
    Camera.CANON: Fraction(30000, 1001),
    Camera.GOPRO: Fraction(50),
    Camera.RED: Fraction(24),
    Camera.BRAW: Fraction(24000, 1001),
    Camera.SOUND: Fraction(24000, 1001),
}


def _listing(root: Path) -> list[str]:
    return [Path(d, f).relative_to(root).as_posix() for d, _dirs, files in os.walk(root) for f in files]


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[Camera, SampleCard]:
    parent = tmp_path_factory.mktemp("media-cards")
    return {cam: generate_card(parent, cam, clips=3, seconds=0.5, width=320, height=180, fps=RATES[cam],
                               junk=True, segment_bytes=8192) for cam in CAMERAS}


# --- grouping --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("camera", CAMERAS, ids=str)
def test_grouping_finds_every_clip_with_its_files(cards: dict[Camera, SampleCard], camera: Camera) -> None:
    card = cards[camera]
    groups = group_files(_listing(card.root))
    assert [g.name for g in groups] == [c.clip_name for c in card.clips]
    for group, clip in zip(groups, card.clips, strict=True):
        assert {f.relpath for f in group.files} == set(clip.files)
        assert group.media == clip.files[0]
        assert sum(f.role == "media" for f in group.files) == 1
    claimed = {f.relpath for g in groups for f in g.files}
    assert not any(p.split("/")[-1].startswith(".") for p in claimed)  # junk never joins a clip


def test_red_spans_are_one_clip_in_segment_order(cards: dict[Camera, SampleCard]) -> None:
    groups = group_files(_listing(cards[Camera.RED].root))
    assert [len(g.files) for g in groups] == [1, 2, 3]
    third = groups[2]
    assert third.kind == "raw" and third.key.endswith(".RDC")
    assert [(f.role, f.position) for f in third.files] == [("media", 1), ("segment", 2), ("segment", 3)]
    assert [f.relpath[-7:] for f in third.files] == ["001.R3D", "002.R3D", "003.R3D"]


def test_sony_sidecar_proxy_and_thumbnail_join_their_clip(cards: dict[Camera, SampleCard]) -> None:
    for g in group_files(_listing(cards[Camera.SONY].root)):
        roles = {f.role: f.relpath for f in g.files}
        assert roles["media"] == f"XDROOT/Clip/{g.name}.MXF"
        assert roles["sidecar"] == f"XDROOT/Clip/{g.name}M01.XML"
        assert roles["proxy"] == f"XDROOT/Sub/{g.name}S03.MXF"
        assert roles["thumbnail"] == f"XDROOT/Thmbnl/{g.name}T01.JPG"
    names = [g.name for g in group_files(_listing(cards[Camera.SONY].root))]
    assert not any(n.endswith("S03") for n in names)  # proxies are not clips of their own


def test_grouping_of_other_layouts() -> None:
    groups = group_files([
        "DCIM/100GOPRO/GX010042.MP4", "DCIM/100GOPRO/GX020042.MP4", "DCIM/100GOPRO/GL010042.LRV",
        "DCIM/100GOPRO/GL020042.LRV", "DCIM/100GOPRO/GX010042.THM",
        "DCIM/100MEDIA/DJI_0001.MP4", "DCIM/100MEDIA/DJI_0001.SRT", "DCIM/100MEDIA/DJI_0001.LRF",
        "PRIVATE/M4ROOT/CLIP/C0001.MP4", "PRIVATE/M4ROOT/CLIP/C0001M01.XML", "PRIVATE/M4ROOT/SUB/C0001S03.MP4",
        "PRIVATE/M4ROOT/THMBNL/C0001T01.JPG",
        "A001C001.RDC/A001C001_001.mov", "A001C001.RDC/A001C001.RTN",
        "Sub/ORPHANS03.MXF", "._A.mov", "ascmhl/0001_x.mhl", "MEDIAPRO.XML", "12A_01.WAV",
    ])
    by_name = {g.name: g for g in groups}
    gopro = by_name["GX010042"]
    assert [(f.relpath.rsplit("/", 1)[1], f.role) for f in gopro.files] == [
        ("GX010042.MP4", "media"), ("GX010042.THM", "thumbnail"), ("GL010042.LRV", "proxy"),
        ("GX020042.MP4", "segment"), ("GL020042.LRV", "proxy")]
    assert {f.role for f in by_name["DJI_0001"].files} == {"media", "sidecar", "proxy"}
    assert {f.role for f in by_name["C0001"].files} == {"media", "sidecar", "proxy", "thumbnail"}
    assert by_name["A001C001"].kind == "video" and len(by_name["A001C001"].files) == 2
    assert "ORPHANS03" in by_name  # a proxy without its main file is still listed
    assert by_name["12A_01"].kind == "audio"
    assert "MEDIAPRO" not in by_name and is_ignored("._A.mov") and is_ignored("ascmhl/0001_x.mhl")


# --- probing ---------------------------------------------------------------------------------------------------


def _probe(card: SampleCard, group) -> object:
    side = tuple(card.root / f.relpath for f in group.files if f.role == "sidecar")
    proxies = tuple(card.root / f.relpath for f in group.files if f.role == "proxy")
    return probe_clip(group.kind, group.name, card.root / group.media, sidecars=side, proxies=proxies)


@pytest.mark.parametrize("camera", [Camera.ARRI, Camera.SONY, Camera.CANON, Camera.GOPRO, Camera.SOUND], ids=str)
def test_probe_reads_what_the_camera_wrote(cards: dict[Camera, SampleCard], camera: Camera) -> None:
    card = cards[camera]
    for group, clip in zip(group_files(_listing(card.root)), card.clips, strict=True):
        r = _probe(card, group)
        assert r.status == ProbeStatus.OK, r.error
        assert r.fps == clip.fps == RATES[camera] and isinstance(r.fps, Fraction)
        assert r.frames == clip.frames
        assert r.start_tc == clip.start_timecode
        assert r.start_frame == tc_to_frames(clip.start_timecode, clip.fps)
        assert r.tape_name == clip.tape_name
        assert (r.clip_name or group.name) == clip.clip_name
        if camera is Camera.SOUND:
            assert (r.scene, r.take, r.tape_name) == (clip.scene, clip.take, card.reel)
            assert r.tracks == ["MixL", "MixR", "Boom", "Lav1"] and r.audio_channels == 4
            assert r.circled in (True, False) and r.sample_rate == 48000
        else:
            assert (r.width, r.height) == (320, 180) and r.codec in ("prores", "h264")


def test_probe_reads_sony_xml_and_canon_xml_camera_fields(cards: dict[Camera, SampleCard]) -> None:
    sony = _probe(cards[Camera.SONY], group_files(_listing(cards[Camera.SONY].root))[0])
    assert (sony.camera_make, sony.camera_model) == ("Sony", "MPC-3610") and sony.camera_serial.isdigit()
    assert sony.lens == "FE 24-70mm F2.8 GM" and not sony.warnings
    assert sony.clip_name == cards[Camera.SONY].clips[0].clip_name  # MXF material_package_name
    canon = _probe(cards[Camera.CANON], group_files(_listing(cards[Camera.CANON].root))[0])
    assert canon.camera_model == "EOS C70" and canon.camera_serial


@pytest.mark.parametrize("camera", [Camera.RED, Camera.BRAW], ids=str)
def test_raw_clips_have_no_decoder_but_names(cards: dict[Camera, SampleCard], camera: Camera) -> None:
    card = cards[camera]
    for group, clip in zip(group_files(_listing(card.root)), card.clips, strict=True):
        r = _probe(card, group)
        assert r.status == ProbeStatus.NO_DECODER
        assert r.error == f"no decoder for {'R3D' if camera is Camera.RED else 'BRAW'}"
        assert group.name == clip.clip_name and r.tape_name == clip.tape_name
        assert r.extra["reel_from_name"] == clip.reel
        if camera is Camera.BRAW:  # the .sidecar JSON carries timing
            assert (r.start_tc, r.fps, r.frames) == (clip.start_timecode, clip.fps, clip.frames)


def test_sony_m01_byte_coded_timecode() -> None:
    assert sony_ltc("00000010") == ("10:00:00:00", False)
    assert sony_ltc(sony_ltc_value(((1 * 60 + 2) * 60 + 3) * 24 + 4, Fraction(24000, 1001))) == ("01:02:03:04", False)
    assert sony_ltc("52000001") == ("01:00:00;12", True)  # 0x40 in the frames byte: drop-frame


def test_probe_of_unreadable_media_is_a_reason_not_an_exception(tmp_path: Path) -> None:
    garbage = tmp_path / "A001C001_261123_R1AB.mov"
    garbage.write_bytes(os.urandom(64 * 1024))
    r = probe_clip("video", "A001C001_261123_R1AB", garbage)
    assert r.status == ProbeStatus.FAILED and garbage.name in r.error
    assert r.tape_name == "A001R1AB"  # the name still gives the EDL reel
    missing = probe_clip("audio", "1_01", tmp_path / "1_01.WAV")
    assert missing.status == ProbeStatus.FAILED and "1_01.WAV" in missing.error
    bad_xml = tmp_path / "X.XML"
    bad_xml.write_text("<NonRealTimeMeta><oops")
    r = probe_clip("raw", "A001_C001_1123AB", tmp_path / "A001_C001_1123AB_001.R3D", sidecars=(bad_xml,))
    assert r.status == ProbeStatus.FAILED and any("X.XML" in w for w in r.warnings)


def _wav_without_ixml(path: Path, description: str, time_reference: int) -> None:
    """A BWF with only fmt/bext/data, as some recorders write: the slate lives in the bext description."""
    fmt = struct.pack("<HHIIHH", 1, 2, 48000, 48000 * 6, 6, 24)
    bext = struct.pack("<256s32s32s10s8sQH64s190s", description.encode("ascii"), b"ZOOM F8n", b"", b"2026-11-23",
                       b"10:00:00", time_reference, 1, b"", b"")
    pcm = tone_pcm(9600, 2)  # 0.2 s: 5 frames at 25 fps
    body = b""
    for ident, payload in ((b"fmt ", fmt), (b"bext", bext), (b"data", pcm)):
        body += ident + struct.pack("<I", len(payload)) + payload + (b"\0" if len(payload) % 2 else b"")
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body)


@pytest.mark.parametrize("prefix", ["s", "g", ""], ids=["sSCENE", "gSCENE", "SCENE"])
def test_bwf_slate_from_bext_keys_of_any_recorder(tmp_path: Path, prefix: str) -> None:
    desc = f"{prefix}SPEED=025.000-ND\r\n{prefix}SCENE=7B\r\n{prefix}TAKE=3\r\n{prefix}TAPE=SR02\r\n{prefix}CIRCLED=TRUE\r\n"
    path = tmp_path / "7B_03.WAV"
    _wav_without_ixml(path, desc, time_reference=(10 * 3600 + 1) * 48000)
    r = probe_bwf(path)
    assert r.status == ProbeStatus.OK, r.error
    assert (r.scene, r.take, r.tape_name, r.circled) == ("7B", "3", "SR02", True)
    assert r.fps == 25 and r.start_tc == "10:00:01:00" and r.frames == 5 and r.audio_channels == 2


def test_bext_keys_spellings() -> None:
    keys = bext_keys("sSCENE=1\r\ngTAKE=2\nTAPE=SR1\r\nsTRK1=Boom\r\nnonsense\r\nsNOTE=a=b")
    assert keys == {"SCENE": "1", "TAKE": "2", "TAPE": "SR1", "TRK1": "Boom", "NOTE": "a=b"}


def test_bwf_start_at_ntsc_rate(tmp_path: Path) -> None:
    fps = Fraction(24000, 1001)
    start = tc_to_frames("14:03:27:11", fps)
    take = BwfTake(project="P", scene="4", take="1", tape="SR9", circled=False, note="", fps=fps,
                   time_reference=round(start * 48000 / fps), recorded=datetime.datetime(2026, 1, 1),
                   tracks=("Mix",))
    path = tmp_path / "4_01.WAV"
    write_bwf(path, take, tone_pcm(48048, 1))
    r = probe_bwf(path)
    assert (r.start_tc, r.fps, r.frames) == ("14:03:27:11", fps, 24)


# --- names and timecode ----------------------------------------------------------------------------------------


def test_tape_names_for_edls() -> None:
    assert names_from_clip_name("A004C010_100610_R1JL") == ("A004", "A004R1JL")
    assert names_from_clip_name("A_0113C007_250602_103141_h1D4P") == ("A113", "A113C007")
    assert names_from_clip_name("A026_C019_0614RK") == ("A026", "A026C019")
    assert names_from_clip_name("A001_11231000_C001") == ("A001", "A001C001")
    assert names_from_clip_name("A001C003_180312R8") == ("A001", "A001C003")
    assert names_from_clip_name("A_0001C001_261123_100012AB_CANON") == ("A001", "A001C001")
    assert names_from_clip_name("GX010001") == (None, "GX010001")
    assert names_from_clip_name("DJI_0001") == (None, "DJI0001")


# --- thumbnails ------------------------------------------------------------------------------------------------


def _counter(path: Path) -> int:
    """The sample pattern's 12-bit frame counter, read back from a thumbnail (cells along the top left)."""
    with av.open(str(path)) as c:
        frame = next(c.decode(video=0))
    gray = frame.reformat(format="gray")
    plane = gray.planes[0]
    data, stride = bytes(plane), plane.line_size
    cell = max(2, 180 // 45) * gray.width / 320  # source cell size, scaled to the thumbnail
    value = 0
    for bit in range(12):
        x, y = int(bit * cell + cell / 2), int(cell / 2)
        if data[y * stride + x] > 128:
            value |= 1 << bit
    return value


@pytest.mark.parametrize("camera", [Camera.ARRI, Camera.SONY, Camera.CANON, Camera.GOPRO], ids=str)
def test_thumbnails_show_first_middle_last_frame(cards: dict[Camera, SampleCard], camera: Camera,
                                                 tmp_path: Path) -> None:
    card = cards[camera]
    clip = card.clips[1]
    thumbs = make_thumbnails(card.root / clip.files[0], tmp_path, "t")
    assert thumbnail_frames(clip.frames) == [0, round((clip.frames - 1) / 2), clip.frames - 1]
    assert [t.frame for t in thumbs] == [0, round((clip.frames - 1) / 2), clip.frames - 1]
    for t in thumbs:
        data = t.path.read_bytes()
        assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9" and len(data) > 1000
        assert (t.width, t.height) == (480, 270)
        with av.open(str(t.path)) as c:
            s = c.streams.video[0]
            assert (s.codec_context.name, s.width, s.height) == ("mjpeg", 480, 270)
        assert _counter(t.path) == t.frame  # the picture really is that frame
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_sony_m01_alone_gives_timecode_rate_duration_and_camera(cards: dict[Camera, SampleCard]) -> None:
    card = cards[Camera.SONY]
    clip = card.clips[2]
    r = ProbeResult()
    read_sidecar(card.root / clip.files[1], r)  # M01.XML only, as when the MXF is unreadable
    assert (r.start_tc, r.fps, r.frames) == (clip.start_timecode, clip.fps, clip.frames)
    assert (r.camera_model, r.lens, r.width, r.height) == ("MPC-3610", "FE 24-70mm F2.8 GM", 320, 180)
    assert r.extra["sidecar_codec"] == "AVC_422_INTRA_CLASS300"


def test_drop_frame_timecode_in_a_mov(tmp_path: Path) -> None:
    fps = Fraction(30000, 1001)
    path = tmp_path / "B002C004_261123_R2DF.mov"
    with av.open(str(path), "w", format="mov") as out:
        out.metadata["timecode"] = "00:01:00;02"
        stream = out.add_stream("prores_aw", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 36, "yuv422p10le"
        for i in range(3):
            frame = av.VideoFrame.from_bytes(bytes(64 * 36 * 4), 64, 36, "rgba").reformat(format="yuv422p10le")
            frame.pts, frame.time_base = i, 1 / fps
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    r = probe_clip("video", path.stem, path)
    assert r.status == ProbeStatus.OK, r.error
    assert (r.start_tc, r.drop_frame, r.start_frame, r.fps, r.frames) == ("00:01:00;02", True, 1800, fps, 3)
    assert r.tape_name == "B002R2DF"
