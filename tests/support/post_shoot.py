"""A shoot for the post tests (issue 15), loaded with ``pytest_plugins = ["support.post_shoot"]``: cards A001
(ARRI 23.976, 3 clips of 1 s), B002 (Sony 25, 2 clips), C003 (ARRI 29.97, 2 clips) offloaded to two
destinations and ingested once per module; ``shoot`` gives each test its own copy of the catalog. Helpers
build OpenTimelineIO clips from the sample clips' own names and timecodes and write them as EDL or FCP XML."""

from __future__ import annotations

import datetime as dt
import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from opentimelineio import opentime

from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.services import clips as clips_service
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.samples import make_card
from pixm_desktop.services.settings import open_catalog

F24, F25, F2997 = Fraction(24000, 1001), Fraction(25), Fraction(30000, 1001)
DAY = dt.date(2026, 11, 23)


def _offload(catalog, source: Path, dests: list[Path]) -> int:
    for d in dests:
        d.mkdir(parents=True, exist_ok=True)
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source, dests, project="Film", day=DAY)))
    assert result.ok
    clips_service.ingest_card(catalog, result.card_id)
    return result.card_id


def build_post_shoot(base: Path) -> tuple[Path, dict]:
    """Cards A001 (ARRI 23.976, 3 clips of 1 s), B002 (Sony 25, 2 clips), C003 (ARRI 29.97, 2 clips),
    offloaded to two destinations and ingested; returns the catalog and ``{clip name: SampleClip}``."""
    catalog = open_catalog(base / "catalog.sqlite")
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    found = {}
    for cam, reel, fps, n in (("arri", "A001", F24, 3), ("sony", "B002", F25, 2), ("arri", "C003", F2997, 2)):
        card = make_card(base / "cards", cam, clips=n, seconds=1, reel=reel, fps=fps, width=160, height=90)
        _offload(catalog, card.root, dests)
        found |= {c.clip_name: c for c in card.clips}
    catalog.close()
    return base / "catalog.sqlite", found


@pytest.fixture(scope="module")
def post_shoot(tmp_path_factory):
    return build_post_shoot(tmp_path_factory.mktemp("post-shoot"))


@pytest.fixture
def cut_shoot(post_shoot, tmp_path):
    """A copy of the shoot's catalog for this test, its path and the sample clips by name."""
    db, found = post_shoot
    path = tmp_path / "catalog.sqlite"
    shutil.copy(db, path)
    catalog = open_catalog(path)
    yield catalog, path, found
    catalog.close()


def start(sample) -> int:
    """The clip's first frame counted in the 24-frame labels of a 23.976 cut (a 25 fps clip's start label
    rounded up to the next 24-base frame), or in its own labels for the 29.97 clips."""
    own = tc_to_frames(sample.start_timecode, sample.fps)
    base = round(sample.fps)
    return own if base in (24, 30) else -(-own * 24 // base)


def clip_item(sample, first: int, frames: int, *, reel: str | None = None, name: str = "editor's name",
              rate: float = 24000 / 1001, url: str | None = None) -> otio.schema.Clip:
    """An OTIO clip showing frames ``[first, first + frames)`` of the sample clip (frames of its own rate)."""
    s = opentime.RationalTime(start(sample) + first, rate)
    ref = otio.schema.ExternalReference(
        target_url=url if url is not None else f"file:///Volumes/RAID/{sample.files[0].rsplit('/', 1)[-1]}",
        available_range=opentime.TimeRange(opentime.RationalTime(start(sample), rate),
                                           opentime.RationalTime(sample.frames, rate)))
    c = otio.schema.Clip(name=name, media_reference=ref,
                         source_range=opentime.TimeRange(s, opentime.RationalTime(frames, rate)))
    if reel:
        c.metadata["cmx_3600"] = {"reel": reel}
    return c


def by_name(found: dict, prefix: str) -> list:
    return [found[k] for k in sorted(found) if k.startswith(prefix)]


def write_cut(tmp_path: Path, name: str, items: list, adapter: str = "cmx_3600", **kw) -> Path:
    tl = otio.schema.Timeline(name=name)
    tr = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    for it in items:
        tr.append(it)
    tl.tracks.append(tr)
    path = tmp_path / f"{name}.{'edl' if adapter == 'cmx_3600' else 'xml'}"
    otio.adapters.write_to_file(tl, str(path), adapter_name=adapter, **kw)
    return path
