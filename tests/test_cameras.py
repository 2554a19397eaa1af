"""The camera registry (core.cameras): every family recognises its own sample card and reads its own clip
names; a card no family knows falls back to UNKNOWN with the reel of its folder name."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixm_desktop.core import cameras
from pixm_desktop.core.cameras import CameraProfile, CardLayout, names_from_clip_name, recognise_layout
from pixm_desktop.core.model import Camera
from pixm_desktop.core.naming import camera_letter
from pixm_desktop.engine.cards import recognise
from pixm_desktop.engine.scan import scan_card
from pixm_desktop.samples.samplecard import generate_card

FAMILIES = [p.camera for p in cameras.profiles()]


def test_every_known_camera_is_registered_once_in_a_fixed_order() -> None:
    assert FAMILIES == [Camera.RED, Camera.SONY, Camera.CANON, Camera.ARRI, Camera.BRAW, Camera.GOPRO,
                        Camera.SOUND]
    assert set(FAMILIES) == set(Camera) - {Camera.UNKNOWN}
    with pytest.raises(ValueError, match="twice"):
        cameras.register(CameraProfile(Camera.ARRI, reel_of=lambda layout: None))
    with pytest.raises(KeyError):
        cameras.profile(Camera.UNKNOWN)


@pytest.mark.parametrize("camera", FAMILIES, ids=str)
def test_each_family_recognises_its_own_sample_card(tmp_path: Path, camera: Camera) -> None:
    reel = "S012" if camera == Camera.SOUND else "B007"  # a sound roll named like a reel keeps its name
    card = generate_card(tmp_path, camera, clips=2, seconds=0.2, width=320, height=180, reel=reel, junk=True)
    identity = recognise(scan_card(card.root))
    assert identity.camera == camera
    assert identity.reel == reel
    assert identity.label == card.root.name
    rules = cameras.profile(camera).name_rules
    for clip in card.clips:
        if rules:  # the clip name gives the reel and the EDL tape name the camera wrote
            assert names_from_clip_name(clip.clip_name) == ("B007", clip.tape_name)
        else:  # GoPro and sound names carry no reel
            assert names_from_clip_name(clip.clip_name)[0] is None


def test_a_layout_no_family_knows_is_unknown_with_the_reel_of_its_name() -> None:
    notes = CardLayout.of("C042_backup", ["notes.txt", "stills/frame.tif"], ["stills"])
    assert recognise_layout(notes) == (Camera.UNKNOWN, "C042")
    assert recognise_layout(CardLayout.of("Untitled card", ["a.tif"], [])) == (Camera.UNKNOWN, "Untitled")
    # one sound file among three others is no sound card; a movie alone under a plain name is no ARRI card
    assert recognise_layout(CardLayout.of("X", ["1.WAV", "a.txt", "b.txt", "c.txt"], []))[0] == Camera.UNKNOWN
    assert recognise_layout(CardLayout.of("clip", ["clip.mov"], []))[0] == Camera.UNKNOWN


def test_layout_marks_decide_before_names() -> None:
    # an ARRI-named card folder holding R3D files is a RED card (the R3D mark is tried first)
    clip = "A001_C001_1123K7.RDC"
    red_card = CardLayout.of("A001R1AB", [f"{clip}/A001_C001_1123K7_001.R3D"], [clip])
    assert recognise_layout(red_card) == (Camera.RED, "A001")
    arri_card = CardLayout.of("A002R3CD", ["A002C001_261123_R3CD.mov", "A002R3CD.ale"], [])
    assert recognise_layout(arri_card) == (Camera.ARRI, "A002")


@pytest.mark.parametrize(("name", "names"), [
    ("A004C010_100610_R1JL", ("A004", "A004R1JL")),  # ARRI: reel + card id, although a Sony prefix fits
    ("A_0113C007_250602_103141_h1D4P", ("A113", "A113C007")),  # ALEXA 35
    ("A026_C019_0614RK", ("A026", "A026C019")),  # RED
    ("A001_11231000_C001", ("A001", "A001C001")),  # BRAW
    ("A001C003_180312R8", ("A001", "A001C003")),  # Sony
    ("A_0001C001_261123_100012AB_CANON", ("A001", "A001C001")),  # Canon
    ("GX010001", (None, "GX010001")),
    ("DJI_0001", (None, "DJI0001")),
])
def test_clip_names(name: str, names: tuple[str | None, str]) -> None:
    assert names_from_clip_name(name) == names


def test_camera_letter_is_the_registry_rule() -> None:
    assert camera_letter is cameras.camera_letter
    assert camera_letter("B012C003") == "B" and camera_letter("SOUND") is None
