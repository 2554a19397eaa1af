"""A real shoot for the Clips and Logger pages, loaded with ``pytest_plugins = ["support.clips_shoot"]``:
ARRI card A001 with real ProRes clips and sound roll SR01 whose BWF takes overlap two of them, offloaded and
ingested by the services; ``shoot`` copies its catalog into the test's cart (formerly in test_gui_clips)."""

from __future__ import annotations

import datetime as dt
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
from pixm_desktop.services import clips
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.samples import make_card
from pixm_desktop.services.settings import open_catalog

DAY = dt.date(2026, 11, 23)
FPS = Fraction(24000, 1001)
WAIT = 15_000  # ms


def _offload(catalog, source: Path, dests: list[Path]) -> int:
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source, dests, project="Film", day=DAY)))
    assert result.ok
    return result.card_id


def _sound_roll(folder: Path, takes: list[tuple[str, str, int]]) -> Path:
    """A recorder folder of BWF takes with iXML slates: (scene, take, start frame at the camera's 23.976)."""
    folder.mkdir(parents=True)
    tc25 = Fraction(25)
    for scene, take, start in takes:
        s = start // 24  # the whole second of the camera TC label; the recorder runs 25 fps TC
        label = f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:00"
        bwf = BwfTake(project="Film", scene=scene, take=take, tape="SR01", circled=False, note="",
                      fps=tc25, time_reference=round(tc_to_frames(label, tc25) * 48000 / tc25),
                      recorded=dt.datetime(2026, 11, 23, 9), tracks=("MixL", "MixR"))
        write_bwf(folder / f"{scene}_{take}.WAV", bwf, tone_pcm(48000 * 6, 2))
    return folder


def build_shoot(base: Path) -> Path:
    """A catalog with ARRI card A001 (4 ProRes clips of 1 s at 23.976, thumbnails) and sound roll SR01 whose
    takes 12A/1 and 12B/1 overlap the first two clips; returns the catalog file."""
    catalog = open_catalog(base / "catalog.sqlite")
    card = make_card(base / "cards", "arri", clips=4, seconds=1, reel="A001", fps=FPS)
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    cam_id = _offload(catalog, card.root, dests)
    starts = [tc_to_frames(c.start_timecode, FPS) for c in card.clips]
    sound = _sound_roll(base / "cards" / "SR01_261123", [("12A", "1", starts[0] - 24), ("12B", "1", starts[1])])
    snd_id = _offload(catalog, sound, dests)
    clips.ingest_card(catalog, cam_id)
    result = clips.ingest_card(catalog, snd_id)
    assert result.prefilled == 2
    catalog.close()
    return base / "catalog.sqlite"


@pytest.fixture(scope="module")
def shoot_db(tmp_path_factory) -> Path:
    return build_shoot(tmp_path_factory.mktemp("clips-shoot"))


@pytest.fixture
def shoot(cart, shoot_db):
    """The shoot's catalog copied into this test's cart (thumbnails stay in the module's folder)."""
    shutil.copy(shoot_db, cart.catalog_path)
    catalog = open_catalog(cart.catalog_path)
    cart.catalogs.append(catalog)
    return catalog
