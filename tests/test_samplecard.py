"""Sample camera cards: layouts, media read back with PyAV / wavinfo, sidecars, determinism, junk."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import av
import pytest
import wavinfo
import xxhash

from pixm_desktop.core.model import Camera
from pixm_desktop.samples.samplecard import (
    SampleCard,
    SampleClip,
    generate_benchmark_card,
    generate_card,
    sony_ltc_value,
)

CAMERAS = [c for c in Camera if c is not Camera.UNKNOWN]
ROOT_NAMES = {
    Camera.ARRI: r"A001R[0-9A-Z]{3}",
    Camera.RED: r"A001_1123[0-9A-Z]{2}\.RDM",
    Camera.SONY: r"A001_SONY",
    Camera.CANON: r"A001_CANON",
    Camera.BRAW: r"A001_BRAW",
    Camera.GOPRO: r"A001_GOPRO",
    Camera.SOUND: r"A001_261123",
}
# camera → (fps used in the read-back test, {regex of a clip's media file: codec PyAV must report})
ENCODED = {
    Camera.ARRI: (Fraction(24000, 1001), {r".*\.mov": "prores"}),
    Camera.SONY: (Fraction(25), {r"XDROOT/Clip/.*\.MXF": "prores", r"XDROOT/Sub/.*S03\.MXF": "h264"}),
    Camera.CANON: (Fraction(30000, 1001), {r".*\.MXF": "h264"}),
    Camera.GOPRO: (Fraction(50), {r".*\.MP4": "h264", r".*\.LRV": "h264"}),
}
NS = {"nrt": "urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.20"}


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[Camera, SampleCard]:
    """One default card per camera (25 fps, 3 clips of 1 s), written once for the module."""
    parent = tmp_path_factory.mktemp("cards")
    return {cam: generate_card(parent, cam) for cam in CAMERAS}


def _tree(root: Path) -> dict[str, tuple[int, int, str]]:
    """relpath → (size, mtime s, xxh64) of every file under root."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            st = path.stat()
            out[path.relative_to(root).as_posix()] = (
                st.st_size,
                int(st.st_mtime),
                xxhash.xxh64(path.read_bytes()).hexdigest(),
            )
    return out


def _frames_of(tc: str, fps: Fraction) -> int:
    hh, mm, ss, ff = (int(p) for p in tc.split(":"))
    return ((hh * 60 + mm) * 60 + ss) * round(fps) + ff


def _probe(path: Path) -> dict[str, object]:
    """What a catalog reads: codec, exact fps, frame count, start TC, reel and MXF clip name.

    PyAV 18 quirks (docs/media.md §PyAV): MXF ProRes has no average_rate and MXF frame counts are 0, so the
    rate falls back to base_rate and the count comes from the stream duration.
    """
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        rate = video.average_rate or video.base_rate or video.guessed_rate
        fps = Fraction(rate.numerator, rate.denominator)
        frames = video.frames or round(video.duration * video.time_base * fps)
        tags: dict[str, str] = {}
        for stream in container.streams:
            tags.update({k: v for k, v in stream.metadata.items() if k in ("timecode", "reel_name")})
        tags.update(container.metadata)
        decoded = sum(1 for _ in container.decode(video=0))
    return {
        "codec": video.codec_context.name,
        "fps": fps,
        "frames": frames,
        "decoded": decoded,
        "timecode": tags.get("timecode"),
        "reel_name": tags.get("reel_name"),
        "clip_name": tags.get("material_package_name"),
        "umid": tags.get("material_package_umid"),
        "size": (video.width, video.height),
    }


@pytest.mark.parametrize("camera", CAMERAS, ids=str)
def test_every_camera_writes_its_layout(cards: dict[Camera, SampleCard], camera: Camera) -> None:
    card = cards[camera]
    assert card.camera is camera and card.reel == "A001"
    assert re.fullmatch(ROOT_NAMES[camera], card.root.name)
    assert len(card.clips) == 3
    listed = [f for c in card.clips for f in c.files]
    assert len(listed) == len(set(listed))
    for rel in listed:
        assert (card.root / rel).is_file(), rel
    on_disk = _tree(card.root)
    assert not [p for p in on_disk if any(part.startswith(".") for part in p.split("/"))]
    starts = [_frames_of(c.start_timecode, c.fps) for c in card.clips]
    assert starts == sorted(starts)
    for clip in card.clips:
        assert isinstance(clip.fps, Fraction) and clip.fps == 25 and clip.frames == 25
        assert len(clip.tape_name) <= 8
        assert (clip.scene is None) == (camera is not Camera.SOUND)


def test_layout_details(cards: dict[Camera, SampleCard]) -> None:
    arri = cards[Camera.ARRI]
    assert all(c.tape_name == arri.root.name for c in arri.clips)  # ARRI tape name = reel folder
    assert re.fullmatch(r"A001C001_261123_R[0-9A-Z]{3}", arri.clips[0].clip_name)
    assert {p.suffix for p in arri.root.iterdir()} == {".mov", ".ale", ".xml"}

    red = cards[Camera.RED]
    assert [len(c.files) for c in red.clips] == [1, 2, 3]
    for c in red.clips:
        assert re.fullmatch(r"A001_C00\d_1123[0-9A-Z]{2}", c.clip_name)
        assert c.tape_name == c.clip_name[:4] + c.clip_name[5:9]
        for k, rel in enumerate(c.files, 1):
            assert rel == f"{c.clip_name}.RDC/{c.clip_name}_{k:03d}.R3D"
            data = (red.root / rel).read_bytes()
            assert len(data) == 2 * 1024 * 1024 and data[4:8] == b"RED2"

    sony = cards[Camera.SONY].clips[0]
    assert [f.split("/")[1] for f in sony.files] == ["Clip", "Clip", "Sub", "Thmbnl"]
    assert (cards[Camera.SONY].root / "XDROOT/MEDIAPRO.XML").is_file()
    assert cards[Camera.CANON].clips[0].files[0].startswith("CONTENTS/CLIPS001/A_0001C001_261123_")
    assert re.fullmatch(r"A001_1123\d{4}_C001", cards[Camera.BRAW].clips[0].clip_name)
    assert cards[Camera.GOPRO].clips[0].files == (
        "DCIM/100GOPRO/GX010001.MP4",
        "DCIM/100GOPRO/GL010001.LRV",
        "DCIM/100GOPRO/GX010001.THM",
    )
    with av.open(str(cards[Camera.GOPRO].root / "DCIM/100GOPRO/GX010001.THM")) as thm:
        assert thm.streams.video[0].codec_context.name == "mjpeg"


@pytest.mark.parametrize("camera", list(ENCODED), ids=str)
def test_encoded_clips_read_back(tmp_path: Path, camera: Camera) -> None:
    fps, codecs = ENCODED[camera]
    card = generate_card(tmp_path, camera, clips=2, seconds=0.5, fps=fps, reel="B007")
    for clip in card.clips:
        media = {f: c for f in clip.files for pattern, c in codecs.items() if re.fullmatch(pattern, f)}
        assert len(media) == len(codecs)
        for rel, codec in media.items():
            got = _probe(card.root / rel)
            assert got["codec"] == codec, rel
            assert got["fps"] == clip.fps == fps, rel
            assert got["frames"] == got["decoded"] == clip.frames == round(fps / 2), rel
            assert got["timecode"] == clip.start_timecode, rel
            if camera is not Camera.GOPRO:
                assert got["reel_name"] == clip.tape_name, rel
            if rel.endswith(".MXF"):
                assert got["clip_name"] == clip.clip_name, rel
        main = _probe(card.root / clip.files[0])
        assert main["size"] == (640, 360)


def test_mxf_umids_are_unique_and_match_the_sony_sidecar(cards: dict[Camera, SampleCard]) -> None:
    card = cards[Camera.SONY]
    umids = set()
    for clip in card.clips:
        main = _probe(card.root / clip.files[0])
        proxy = _probe(card.root / clip.files[2])
        assert main["umid"] != proxy["umid"]
        umids.update({main["umid"], proxy["umid"]})
        m01 = ET.parse(card.root / clip.files[1]).getroot()
        ref = m01.find("nrt:TargetMaterial", NS).get("umidRef")
        assert main["umid"] == "0x" + ref
    assert len(umids) == 6 and not any(u.endswith("0" * 30 + "00") for u in umids)


def test_sony_m01_xml_carries_duration_and_start_timecode(cards: dict[Camera, SampleCard]) -> None:
    card = cards[Camera.SONY]
    mediapro = (card.root / "XDROOT/MEDIAPRO.XML").read_text()
    for clip in card.clips:
        root = ET.parse(card.root / clip.files[1]).getroot()
        assert int(root.find("nrt:Duration", NS).get("value")) == clip.frames
        table = root.find("nrt:LtcChangeTable", NS)
        assert int(table.get("tcFps")) == 25
        first, last = table.findall("nrt:LtcChange", NS)
        value = first.get("value")  # byte-coded FF SS MM HH
        tc = f"{value[6:8]}:{value[4:6]}:{value[2:4]}:{value[0:2]}"
        assert tc == clip.start_timecode
        assert int(last.get("frameCount")) == clip.frames - 1 and last.get("status") == "end"
        frame = root.find("nrt:VideoFormat/nrt:VideoFrame", NS)
        assert frame.get("captureFps") == frame.get("formatFps") == "25p"
        device = root.find("nrt:Device", NS)
        assert device.get("manufacturer") == "Sony" and device.get("modelName") and device.get("serialNo")
        assert root.find("nrt:Lens", NS).get("modelName")
        assert f'uri="./Clip/{clip.clip_name}.MXF"' in mediapro
        assert f'uri="./Sub/{clip.clip_name}S03.MXF"' in mediapro


def test_sony_ltc_value_is_byte_coded() -> None:
    assert sony_ltc_value(10 * 3600 * 25, Fraction(25)) == "00000010"
    assert sony_ltc_value(((1 * 60 + 2) * 60 + 3) * 24 + 4, Fraction(24000, 1001)) == "04030201"


@pytest.mark.parametrize("fps", [Fraction(25), Fraction(24000, 1001), Fraction(30000, 1001)], ids=str)
def test_bwf_reads_back_with_wavinfo(tmp_path: Path, fps: Fraction) -> None:
    card = generate_card(tmp_path, Camera.SOUND, clips=4, fps=fps, reel="SR012")
    assert card.root.name == "SR012_261123"
    for clip in card.clips:
        assert clip.files == (f"{clip.scene}_{clip.take}.WAV",) and clip.tape_name == "SR012"
        info = wavinfo.WavInfoReader(str(card.root / clip.files[0]))
        assert (info.fmt.sample_rate, info.fmt.bits_per_sample, info.fmt.channel_count) == (48000, 24, 4)
        assert info.ixml.scene == clip.scene and info.ixml.take == clip.take and info.ixml.tape == "SR012"
        assert [t.name for t in info.ixml.track_list] == ["MixL", "MixR", "Boom", "Lav1"]
        speed = info.ixml.raw_xml.find("SPEED")
        assert speed.findtext("TIMECODE_RATE") == f"{fps.numerator}/{fps.denominator}"
        assert info.ixml.raw_xml.findtext("CIRCLED") in ("TRUE", "FALSE")
        keys = dict(line.split("=", 1) for line in info.bext.description.split("\r\n") if line)
        assert (keys["sSCENE"], keys["sTAKE"], keys["sTAPE"]) == (clip.scene, clip.take, "SR012")
        start = round(Fraction(info.bext.time_reference) * fps / 48000)
        assert start == _frames_of(clip.start_timecode, fps)
        assert info.data.frame_count == round(clip.frames * 48000 / fps)


def test_arri_reel_ale_and_fcp_xml(cards: dict[Camera, SampleCard]) -> None:
    card = cards[Camera.ARRI]
    ale = (card.root / f"{card.root.name}.ale").read_text()
    assert ale.startswith("Heading") and "\nColumn\n" in ale and "\nData\n" in ale
    for clip in card.clips:
        assert f"{clip.clip_name}\tV\t{clip.start_timecode}\t" in ale
    fcp = ET.parse(card.root / f"{card.root.name}.xml").getroot()
    assert fcp.tag == "xmeml"
    names = [c.findtext("name") for c in fcp.iter("clip")]
    assert names == [c.clip_name for c in card.clips]
    assert {r.findtext("name") for r in fcp.iter("reel")} == {card.root.name}


def test_junk_only_when_asked(tmp_path: Path) -> None:
    card = generate_card(tmp_path, Camera.ARRI, clips=2, seconds=0.2, junk=True)
    names = set(_tree(card.root))
    clip_files = {f for c in card.clips for f in c.files}
    junk = names - clip_files - {f"{card.root.name}.ale", f"{card.root.name}.xml"}
    assert ".DS_Store" in junk and ".Spotlight-V100/VolumeConfiguration.plist" in junk
    assert {f"._{c.files[0]}" for c in card.clips} <= junk
    assert all(p.startswith(".") for p in junk)
    assert (card.root / f"._{card.clips[0].files[0]}").read_bytes()[:4] == bytes.fromhex("00051607")
    sony = generate_card(tmp_path, Camera.SONY, clips=1, seconds=0.2, junk=True)
    assert (sony.root / "XDROOT/Clip/.DS_Store").is_file()


@pytest.mark.parametrize("camera", CAMERAS, ids=str)
def test_same_arguments_give_identical_cards(tmp_path: Path, camera: Camera) -> None:
    args = {"clips": 2, "seconds": 0.2, "junk": True, "seed": 7, "segment_bytes": 64 * 1024}
    first = generate_card(tmp_path / "a", camera, **args)
    second = generate_card(tmp_path / "b", camera, **args)
    assert first.clips == second.clips and first.root.name == second.root.name
    assert _tree(first.root) == _tree(second.root)
    other = generate_card(tmp_path / "c", camera, **{**args, "seed": 8})
    assert _tree(other.root) != _tree(first.root)


def test_mtimes_follow_the_shoot_day(cards: dict[Camera, SampleCard]) -> None:
    card = cards[Camera.RED]
    for clip in card.clips:
        mtime = (card.root / clip.files[0]).stat().st_mtime
        assert 1795392000 <= mtime < 1795392000 + 86400  # 2026-11-23 UTC


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_card(tmp_path, Camera.ARRI, reel="A1")
    with pytest.raises(ValueError):
        generate_card(tmp_path, Camera.UNKNOWN)
    with pytest.raises(ValueError):
        generate_card(tmp_path, "arri", width=641)
    with pytest.raises(ValueError):
        generate_card(tmp_path, Camera.SONY, fps=23.976)  # type: ignore[arg-type]
    generate_card(tmp_path, "red", clips=1)
    with pytest.raises(FileExistsError):
        generate_card(tmp_path, Camera.RED, clips=1)


def test_benchmark_card_mixes_large_and_small_files(tmp_path: Path) -> None:
    total = 48 * 1024 * 1024
    card = generate_benchmark_card(tmp_path, total_bytes=total, small_files=300, seed=3)
    assert card.camera is Camera.RED and card.root.name.endswith(".RDM")
    tree = _tree(card.root)
    listed = {f for c in card.clips for f in c.files}
    assert listed == set(tree)
    assert abs(sum(size for size, _m, _h in tree.values()) - total) < total * 0.02
    small = [p for p in tree if p.endswith(".xml")]
    assert len(small) == 300
    assert all(64 <= tree[p][0] <= 64 * 1024 for p in small)
    ET.parse(card.root / small[0])
    r3d = [p for p in tree if p.endswith(".R3D")]
    assert len(r3d) >= 6 and max(tree[p][0] for p in r3d) > 1024 * 1024
    movs = [c for c in card.clips if c.files[0].endswith(".mov")]
    assert len(movs) == 2
    for clip in movs:
        got = _probe(card.root / clip.files[0])
        assert (got["codec"], got["frames"], got["timecode"]) == ("prores", clip.frames, clip.start_timecode)


def test_sample_clip_is_hashable_and_frozen() -> None:
    clip = SampleClip("A001C001_261123_R1AB", "A001R1AB", "A001", ("x.mov",), "10:00:00:00", Fraction(25), 25)
    assert hash(clip) == hash(SampleClip(*clip.__dict__.values()))
    with pytest.raises(AttributeError):
        clip.frames = 1  # type: ignore[misc]
