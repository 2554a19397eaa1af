"""A real shoot for the report tests: generated ARRI and Sony cards with encoded clips and a sound roll of BWF
takes, offloaded to two destinations, ingested and logged with odd characters (formerly in
test_reports_pdf)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.model import Camera
from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
from pixm_desktop.samples.samplecard import SampleCard, generate_card
from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import Catalog, open_catalog

DAY = dt.date(2026, 11, 23)
FPS = Fraction(24000, 1001)
PROJECT = "Ōkami & <Friends>"
#: A logger's note with markup, an ampersand, NFD accents, Cyrillic, CJK and Greek.
NOTE = "<b>bold</b> & co — Cre\u0300me bru\u0302le\u0301e — Москва — 東京 — Ωμέγα"
ODD_FILES = ("Notes/Cafe\u0301 & <crew>.txt", "Notes/Ελληνικά.txt", "Notes/日本語メモ.txt", "Notes/Müller.txt")


@dataclass
class Shoot:
    catalog: Catalog
    base: Path
    arri: SampleCard
    sony: SampleCard
    ids: dict[str, int]  # card label -> id
    sound_label: str


def offload_card(catalog: Catalog, source: Path, dests: list[Path], project: str = PROJECT, day: dt.date = DAY) -> int:
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source=source, destinations=dests, project=project,
                                                        day=day)))
    assert result.ok, result
    return result.card_id


def _sound_day(folder: Path, takes: list[tuple[str, str, str, int]]) -> Path:
    """A recorder day folder: (scene, take, start TC, length in frames at 24000/1001), sound roll SR01."""
    folder.mkdir(parents=True)
    for scene, take, tc, frames in takes:
        start = tc_to_frames(tc, FPS)
        bwf = BwfTake(project="Film", scene=scene, take=take, tape="SR01", circled=take == "2", note="",
                      fps=FPS, time_reference=round(start * 48000 / FPS), recorded=dt.datetime(2026, 11, 23, 9),
                      tracks=("MixL", "MixR"))
        write_bwf(folder / f"{scene}_{take}.WAV", bwf, tone_pcm(round(frames * 48000 / FPS), 2))
    return folder


def _label(frames: int, shift_s: int = 0) -> str:
    s = frames // 24 + shift_s
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:00"


def build_shoot(base: Path) -> Shoot:
    catalog = open_catalog(base / "catalog.sqlite")
    small = {"width": 320, "height": 180, "fps": FPS}
    arri = generate_card(base / "cards", Camera.ARRI, clips=3, seconds=2.0, reel="A001", seed=3, **small)
    for rel in ODD_FILES:
        p = arri.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"{rel}\n", encoding="utf-8")
    sony = generate_card(base / "cards", Camera.SONY, clips=2, seconds=1.0, reel="B001", seed=4, **small)
    dests = [base / "RAID", base / "SHUTTLE"]
    ids = {}
    ids[arri.root.name] = offload_card(catalog, arri.root, dests)
    ids[sony.root.name] = offload_card(catalog, sony.root, dests)
    for card_id in ids.values():
        clips.ingest_card(catalog, card_id)
    s1, s2 = (tc_to_frames(c.start_timecode, FPS) for c in arri.clips[:2])
    sound = _sound_day(base / "cards" / "SR01_261123", [("12A", "1", _label(s1, -1), 100),
                                                        ("12A", "2", _label(s2, -1), 100)])
    ids[sound.name] = offload_card(catalog, sound, dests)
    clips.ingest_card(catalog, ids[sound.name])  # pre-fills the ARRI clips 1 and 2 from the takes
    rows = clips.list_clips(catalog, ClipFilter(card_id=ids[arri.root.name]))
    clips.update_log(catalog, [rows[2].id], scene="14", take="2", circled=True, notes=NOTE)
    srows = clips.list_clips(catalog, ClipFilter(card_id=ids[sony.root.name]))
    clips.update_log(catalog, [srows[0].id], scene="Σ-1", take="1", notes="line one\nline\ttwo")
    return Shoot(catalog, base, arri, sony, ids, sound.name)
