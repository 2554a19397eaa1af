"""services.clips end to end: real generated cards offloaded to two destinations, then grouped, probed from
the verified copy, thumbnailed, pre-filled from sound and logged. No mocks: PyAV and wavinfo read real files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from fractions import Fraction
from pathlib import Path

import av
import pytest
from sqlalchemy import func, select, update

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.model import Camera, CancelToken, CopyState
from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
from pixm_desktop.samples.samplecard import SampleCard, generate_card
from pixm_desktop.services import clips
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import Catalog, open_catalog
from pixm_desktop.store.models import Clip, ClipFile, ClipThumbnail, Copy, Destination

DAY = dt.date(2026, 11, 23)
RATES = {
    Camera.ARRI: Fraction(24000, 1001),
    Camera.SONY: Fraction(25),
    Camera.CANON: Fraction(30000, 1001),
    Camera.GOPRO: Fraction(50),
    Camera.RED: Fraction(24),
    Camera.BRAW: Fraction(24000, 1001),
    Camera.SOUND: Fraction(24000, 1001),
}
CAMERAS = list(RATES)


def offload(catalog: Catalog, source: Path, dests: list[Path], day: dt.date = DAY) -> int:
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source=source, destinations=dests, project="Film",
                                                        day=day)))
    assert result.ok, result
    return result.card_id


def small_card(parent: Path, camera: Camera, **kw) -> SampleCard:
    args = {"clips": 3, "seconds": 0.5, "width": 320, "height": 180, "fps": RATES[camera], "segment_bytes": 8192}
    return generate_card(parent, camera, **{**args, **kw})


@pytest.fixture(scope="module")
def shoot(tmp_path_factory: pytest.TempPathFactory):
    """One catalog with a card of every camera offloaded to two destinations and ingested; the cards are
    removed from 'the reader' before ingest, so everything is read from the verified copies."""
    base = tmp_path_factory.mktemp("shoot")
    catalog = open_catalog(base / "catalog.sqlite")
    cards, ids, results = {}, {}, {}
    for cam in CAMERAS:
        card = small_card(base / "cards", cam, junk=True)
        ids[cam] = offload(catalog, card.root, [base / "RAID", base / "SHUTTLE"])
        cards[cam] = card
    shutil.rmtree(base / "cards")  # ejected: only verified copies remain
    for cam in CAMERAS:
        seen = []
        results[cam] = clips.ingest_card(catalog, ids[cam], progress=seen.append)
        assert [p.done for p in seen if p.phase == "probe"] == list(range(1, 4))
        assert seen[0].phase == "group" and seen[-1].phase == "done" and seen[-1].fraction == 1.0
    yield catalog, cards, ids, results
    catalog.close()


@pytest.mark.parametrize("camera", CAMERAS, ids=str)
def test_every_camera_probes_what_the_generator_wrote(shoot, camera: Camera) -> None:
    catalog, cards, ids, results = shoot
    card = cards[camera]
    rows = clips.list_clips(catalog, ClipFilter(card_id=ids[camera]))
    assert [r.name for r in rows] == [c.clip_name for c in card.clips]
    assert results[camera].read_from_destination and results[camera].clips == 3
    for row, clip in zip(rows, card.clips, strict=True):
        assert row.tape_name == clip.tape_name and row.reel == clip.reel
        detail = clips.clip_detail(catalog, row.id)
        assert {f["path"] for f in detail["files"]} == set(clip.files)
        assert detail["probe_source"].startswith("destination:")
        if camera is Camera.RED:
            assert (row.probe_status, row.probe_error) == ("no_decoder", "no decoder for R3D")
            assert row.thumbnails == [] and row.thumbnail_status == "none"
            continue
        assert Fraction(row.fps_num, row.fps_den) == clip.fps and row.fps == f"{clip.fps.numerator}/{clip.fps.denominator}"
        assert row.frames == clip.frames and row.start_tc == clip.start_timecode
        assert row.start_frame == tc_to_frames(clip.start_timecode, clip.fps)
        if camera is Camera.BRAW:
            assert (row.probe_status, row.probe_error) == ("no_decoder", "no decoder for BRAW")
            continue
        assert row.probe_status == "ok", row.probe_error
        if camera is Camera.SOUND:
            assert (row.scene, row.take, row.logged_from) == (clip.scene, clip.take, "ixml")
            assert row.audio_channels == 4 and detail["metadata"]["sound"]["tape"] == card.reel
            assert detail["metadata"]["sound"]["tracks"] == ["MixL", "MixR", "Boom", "Lav1"]
            continue
        assert (row.width, row.height) == (320, 180) and row.camera == "A"
        assert len(row.thumbnails) == 3 and row.thumbnail_status == "ok"


def test_sony_clip_holds_mxf_xml_proxy_and_camera_fields(shoot) -> None:
    catalog, cards, ids, _ = shoot
    row = clips.list_clips(catalog, ClipFilter(card_id=ids[Camera.SONY], limit=1))[0]
    detail = clips.clip_detail(catalog, row.id)
    roles = {f["role"]: f["path"] for f in detail["files"]}
    assert roles == {"media": f"XDROOT/Clip/{row.name}.MXF", "sidecar": f"XDROOT/Clip/{row.name}M01.XML",
                     "proxy": f"XDROOT/Sub/{row.name}S03.MXF", "thumbnail": f"XDROOT/Thmbnl/{row.name}T01.JPG"}
    assert (detail["camera_make"], detail["camera_model"], detail["lens"]) == ("Sony", "MPC-3610",
                                                                               "FE 24-70mm F2.8 GM")
    assert detail["camera_serial"].isdigit() and detail["codec"] == "prores"


def test_red_spans_are_one_clip(shoot) -> None:
    catalog, cards, ids, _ = shoot
    rows = clips.list_clips(catalog, ClipFilter(card_id=ids[Camera.RED]))
    spans = []
    for row in rows:
        files = clips.clip_detail(catalog, row.id)["files"]
        spans.append([(f["role"], f["path"].rsplit("_", 1)[1]) for f in files])
    assert spans == [[("media", "001.R3D")], [("media", "001.R3D"), ("segment", "002.R3D")],
                     [("media", "001.R3D"), ("segment", "002.R3D"), ("segment", "003.R3D")]]


def test_thumbnails_are_jpegs_beside_the_catalog(shoot) -> None:
    catalog, _cards, ids, _ = shoot
    for cam in (Camera.ARRI, Camera.SONY, Camera.CANON, Camera.GOPRO):
        for row in clips.list_clips(catalog, ClipFilter(card_id=ids[cam])):
            paths = clips.thumbnail_paths(catalog, row.id)
            assert [p.name for p in paths] == [f"{row.id}_{n}.jpg" for n in range(3)]
            assert all(p.parent == catalog.path.parent / "thumbnails" / str(ids[cam]) for p in paths)
            frames = [t["frame"] for t in clips.clip_detail(catalog, row.id)["thumbnail_files"]]
            assert frames == [0, round((row.frames - 1) / 2), row.frames - 1]
            for p in paths:
                data = p.read_bytes()
                assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9" and len(data) > 1000
                with av.open(str(p)) as c:
                    assert (c.streams.video[0].width, c.streams.video[0].height) == (480, 270)


def test_reingest_is_idempotent_and_keeps_the_log(shoot) -> None:
    catalog, _cards, ids, _ = shoot
    card_id = ids[Camera.ARRI]
    row = clips.list_clips(catalog, ClipFilter(card_id=card_id, limit=1))[0]
    clips.update_log(catalog, [row.id], notes="keep me", rating=3)
    with catalog.session() as s:
        before = (s.scalar(select(func.count(Clip.id))), s.scalar(select(func.count(ClipFile.id))),
                  s.scalar(select(func.count(ClipThumbnail.id))))
    again = clips.ingest_card(catalog, card_id)
    assert (again.created, again.removed, again.skipped, again.probed) == (0, 0, 3, 0)  # unchanged: skipped
    forced = clips.ingest_card(catalog, card_id, force=True)
    assert (forced.created, forced.probed, forced.thumbnails) == (0, 3, 9)
    with catalog.session() as s:
        after = (s.scalar(select(func.count(Clip.id))), s.scalar(select(func.count(ClipFile.id))),
                 s.scalar(select(func.count(ClipThumbnail.id))))
    assert after == before
    again_row = clips.list_clips(catalog, ClipFilter(ids=[row.id]))[0]
    assert (again_row.notes, again_row.rating) == ("keep me", 3)
    assert len(os.listdir(catalog.path.parent / "thumbnails" / str(card_id))) == 9


def test_filters_paging_and_counts(shoot) -> None:
    catalog, _cards, ids, _ = shoot
    total = clips.count_clips(catalog)
    assert total == 21 == len(clips.list_clips(catalog))
    assert clips.count_clips(catalog, ClipFilter(day=DAY)) == 21
    assert clips.count_clips(catalog, ClipFilter(day=DAY + dt.timedelta(days=1))) == 0
    page1 = clips.list_clips(catalog, ClipFilter(limit=5))
    page2 = clips.list_clips(catalog, ClipFilter(offset=5, limit=5))
    assert len(page1) == len(page2) == 5 and not {r.id for r in page1} & {r.id for r in page2}
    assert clips.count_clips(catalog, ClipFilter(camera_kind="sound")) == 3
    assert clips.count_clips(catalog, ClipFilter(camera="A", camera_kind="arri")) == 3  # reel A001: camera A
    assert clips.count_clips(catalog, ClipFilter(camera="A", camera_kind="sound")) == 0
    sony = clips.list_clips(catalog, ClipFilter(card_id=ids[Camera.SONY]))
    assert [r.id for r in clips.list_clips(catalog, ClipFilter(text=sony[1].name.lower()))] == [sony[1].id]
    assert [r.id for r in clips.list_clips(catalog, ClipFilter(reel=sony[2].tape_name,
                                                               camera_kind="sony"))] == [sony[2].id]
    snd = clips.list_clips(catalog, ClipFilter(camera_kind="sound"))
    assert {r.id for r in clips.list_clips(catalog, ClipFilter(scene=snd[0].scene))} >= {snd[0].id}
    assert clips.list_clips(catalog, ClipFilter(text="%")) == []  # LIKE wildcards are literal
    by_start = clips.list_clips(catalog, ClipFilter(order="start", descending=True, kind="video"))
    starts = [r.start_frame for r in by_start]
    assert starts == sorted(starts, reverse=True)
    with pytest.raises(UsageError):
        clips.list_clips(catalog, ClipFilter(order="nonsense"))


def test_batch_edit_and_validation(shoot) -> None:
    catalog, _cards, ids, _ = shoot
    rows = clips.list_clips(catalog, ClipFilter(card_id=ids[Camera.GOPRO]))
    n = clips.update_log(catalog, [r.id for r in rows], scene="42", take="7", camera="b", circled=True,
                         rating=5, flagged=True, notes="  lens flare  ")
    assert n == 3
    for r in clips.list_clips(catalog, ClipFilter(card_id=ids[Camera.GOPRO])):
        assert (r.scene, r.take, r.camera, r.circled, r.rating, r.flagged, r.notes, r.logged_from) == (
            "42", "7", "B", True, 5, True, "lens flare", "manual")
    assert clips.count_clips(catalog, ClipFilter(circled=True, min_rating=5, camera="B")) == 3
    clips.update_log(catalog, [rows[0].id], circled=False, notes=None, flagged=False)
    first = clips.list_clips(catalog, ClipFilter(ids=[rows[0].id]))[0]
    assert (first.circled, first.notes, first.flagged, first.scene) == (False, None, False, "42")
    for bad in ({"rating": 6}, {"rating": "x"}, {"colour": "red"}):
        with pytest.raises(UsageError):
            clips.update_log(catalog, [rows[0].id], **bad)
    with pytest.raises(UsageError):
        clips.update_log(catalog, [999_999], rating=1)
    with pytest.raises(UsageError):
        clips.clip_detail(catalog, 999_999)


def _sound_day(folder: Path, takes: list[tuple[str, str, str, int, Fraction]]) -> Path:
    """A recorder day folder of poly BWFs: (scene, take, start TC, length in frames, TC rate)."""
    folder.mkdir(parents=True)
    for scene, take, tc, frames, fps in takes:
        start = tc_to_frames(tc, fps)
        bwf = BwfTake(project="Film", scene=scene, take=take, tape="SR01", circled=take == "2", note="",
                      fps=fps, time_reference=round(start * 48000 / fps),
                      recorded=dt.datetime(2026, 11, 23, 9), tracks=("MixL", "MixR"))
        samples = round(frames * 48000 / fps)
        write_bwf(folder / f"{scene}_{take}.WAV", bwf, tone_pcm(samples, 2))
    return folder


def test_sound_prefills_overlapping_clips_and_manual_wins(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    fps = Fraction(24000, 1001)
    cam = small_card(tmp_path / "cards", Camera.ARRI, seconds=2.0, fps=fps)
    cam_id = offload(catalog, cam.root, [tmp_path / "RAID"])
    clips.ingest_card(catalog, cam_id)
    c1, c2, c3 = cam.clips
    start1, start2, start3 = (tc_to_frames(c.start_timecode, fps) for c in cam.clips)
    tc25 = Fraction(25)  # the recorder runs 25 fps TC: labels still line up with the camera's

    def lab(frames24: int, shift_s: int = 0) -> str:
        """The whole-second label ``shift_s`` seconds from a camera TC frame count."""
        s = frames24 // 24 + shift_s
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:00"

    # clip 2 covers [s+f, s+f+2) with 0 ≤ f < 1: take 12A/2 [s-3, s+0.2) touches it by ≤ 0.2 s, take 12B/1
    # [s+1, s+9) by 1+f s: the longer overlap wins. Nothing comes near clip 3.
    sound = _sound_day(tmp_path / "cards" / "SR01_261123", [
        ("12A", "1", lab(start1, -1), 100, tc25),
        ("12A", "2", lab(start2, -3), 80, tc25),
        ("12B", "1", lab(start2, 1), 200, tc25),
    ])
    snd_id = offload(catalog, sound, [tmp_path / "RAID"])
    result = clips.ingest_card(catalog, snd_id)
    assert result.prefilled == 2
    rows = {r.name: r for r in clips.list_clips(catalog, ClipFilter(card_id=cam_id))}
    r1, r2, r3 = (rows[c.clip_name] for c in (c1, c2, c3))
    assert (r1.scene, r1.take, r1.logged_from) == ("12A", "1", "sound:12A_1.WAV")
    assert (r2.scene, r2.take, r2.logged_from) == ("12B", "1", "sound:12B_1.WAV")
    assert (r3.scene, r3.take, r3.logged_from) == (None, None, None)
    # a manual edit wins over the pre-fill, also when both cards are ingested again
    clips.update_log(catalog, [r1.id], scene="99", take="9")
    clips.ingest_card(catalog, snd_id, force=True)
    clips.ingest_card(catalog, cam_id, force=True)
    r1 = clips.list_clips(catalog, ClipFilter(ids=[r1.id]))[0]
    assert (r1.scene, r1.take, r1.logged_from) == ("99", "9", "manual")
    r2 = clips.list_clips(catalog, ClipFilter(ids=[r2.id]))[0]
    assert r2.logged_from == "sound:12B_1.WAV"
    # editing only notes/rating does not turn the pre-fill into a manual entry
    clips.update_log(catalog, [r2.id], rating=2)
    assert clips.list_clips(catalog, ClipFilter(ids=[r2.id]))[0].logged_from == "sound:12B_1.WAV"
    # a take of another shoot day at clip 3's timecode does not slate it
    other = _sound_day(tmp_path / "cards" / "SR02_261124", [("50", "1", lab(start3), 100, tc25)])
    clips.ingest_card(catalog, offload(catalog, other, [tmp_path / "RAID"], day=DAY + dt.timedelta(days=1)))
    assert clips.list_clips(catalog, ClipFilter(ids=[r3.id]))[0].scene is None
    catalog.close()


def test_corrupt_clip_gets_a_reason_not_a_crash(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = small_card(tmp_path / "cards", Camera.ARRI)
    card_id = offload(catalog, card.root, [tmp_path / "RAID", tmp_path / "SHUTTLE"])
    with catalog.session() as s:
        dests = [d.path for d in s.scalars(select(Destination).where(Destination.card_id == card_id))]
    for dest in dests:  # damage after verification: the catalog still says verified
        truncated = Path(dest) / card.clips[1].files[0]
        with open(truncated, "r+b") as fh:
            fh.truncate(4096)
        garbled = Path(dest) / card.clips[2].files[0]
        garbled.write_bytes(os.urandom(garbled.stat().st_size))
    result = clips.ingest_card(catalog, card_id)
    assert result.probe_failed == 2 and len(result.problems) == 2
    rows = clips.list_clips(catalog, ClipFilter(card_id=card_id))
    assert rows[0].probe_status == "ok" and len(rows[0].thumbnails) == 3
    for row, clip in zip(rows[1:], card.clips[1:], strict=True):
        assert row.probe_status == "failed" and clip.files[0] in row.probe_error
        assert row.thumbnail_status == "failed" and row.thumbnails == []
        assert row.tape_name == clip.tape_name  # names still give the EDL reel
    catalog.close()


def test_reads_the_card_when_no_copy_is_verified_and_reports_when_neither(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = small_card(tmp_path / "cards", Camera.GOPRO, clips=1)
    card_id = offload(catalog, card.root, [tmp_path / "RAID"])
    with catalog.session() as s:
        s.execute(update(Copy).values(state=CopyState.FAILED.value, reason="test"))
        s.commit()
    result = clips.ingest_card(catalog, card_id)
    assert not result.read_from_destination and result.read_from == str(card.root)
    detail = clips.clip_detail(catalog, clips.list_clips(catalog)[0].id)
    assert detail["probe_source"].startswith("card:") and detail["probe_status"] == "ok"
    shutil.rmtree(card.root)
    result = clips.ingest_card(catalog, card_id, force=True)
    assert result.read_from is None and result.probe_failed == 1
    row = clips.list_clips(catalog)[0]
    assert row.probe_status == "failed" and "no readable copy" in row.probe_error
    catalog.close()


def test_cancel_between_clips_then_resume(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = small_card(tmp_path / "cards", Camera.SONY, clips=4)
    card_id = offload(catalog, card.root, [tmp_path / "RAID"])
    token = CancelToken()

    def progress(p: clips.IngestProgress) -> None:
        if p.done == 2:
            token.cancel()

    with pytest.raises(CancelledError):
        clips.ingest_card(catalog, card_id, progress=progress, cancel=token)
    statuses = [r.probe_status for r in clips.list_clips(catalog, ClipFilter(card_id=card_id))]
    assert statuses == ["ok", "ok", "pending", "pending"]
    done = clips.ingest_card(catalog, card_id)
    assert (done.skipped, done.probed) == (2, 2)
    assert {r.probe_status for r in clips.list_clips(catalog)} == {"ok"}
    catalog.close()


def test_ingest_runs_beside_a_reader_in_another_thread(tmp_path: Path) -> None:
    """The GUI lists clips while the background ingest writes: WAL keeps both going."""
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = small_card(tmp_path / "cards", Camera.CANON, clips=3)
    card_id = offload(catalog, card.root, [tmp_path / "RAID"])
    seen: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            clips.ingest_card(catalog, card_id, progress=lambda p: seen.append(p.done))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    t = threading.Thread(target=worker)
    t.start()
    while t.is_alive():
        clips.list_clips(catalog, ClipFilter(card_id=card_id))
        t.join(0.01)
    assert not errors and seen[-1] == 3
    assert clips.count_clips(catalog, ClipFilter(card_id=card_id, probe_status="ok")) == 3
    with pytest.raises(UsageError):
        clips.ingest_card(catalog, 12345)
    catalog.close()


def test_two_ingests_of_one_card_at_once_make_one_set_of_clips(tmp_path: Path) -> None:
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    card = small_card(tmp_path / "cards", Camera.SONY, clips=3)
    card_id = offload(catalog, card.root, [tmp_path / "RAID"])
    errors: list[BaseException] = []

    def work() -> None:
        try:
            clips.ingest_card(catalog, card_id, force=True)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    rows = clips.list_clips(catalog, ClipFilter(card_id=card_id))
    assert [r.name for r in rows] == [c.clip_name for c in card.clips]
    assert all(r.probe_status == "ok" and len(r.thumbnails) == 3 for r in rows)
    assert clips.delete_thumbnails(catalog, card_id) == 9
    assert all(clips.thumbnail_paths(catalog, r.id) == [] for r in rows)
    assert not list((catalog.path.parent / "thumbnails" / str(card_id)).iterdir())
    catalog.close()


def test_facets_list_distinct_filter_values_in_natural_order(shoot) -> None:
    catalog, _cards, ids, _ = shoot
    facets = clips.clip_facets(catalog)
    assert facets.days == [DAY.isoformat()]
    rows = clips.list_clips(catalog)
    assert facets.cameras == sorted({r.camera for r in rows if r.camera})
    assert facets.reels == sorted({r.reel for r in rows if r.reel})
    assert set(facets.scenes) == {r.scene for r in rows if r.scene}
    # natural order: numbers as numbers, a letter suffix after its number
    catalog2_ids = [r.id for r in rows[:4]]
    before = {r.id: r.scene for r in rows[:4]}
    for cid, scene in zip(catalog2_ids, ["10", "2", "2A", "B1"], strict=True):
        clips.update_log(catalog, [cid], scene=scene)
    assert [s for s in clips.clip_facets(catalog).scenes if s in {"10", "2", "2A", "B1"}] == ["2", "2A", "10", "B1"]
    for cid, scene in before.items():  # the module's shoot is shared: put the slates back
        clips.update_log(catalog, [cid], scene=scene)
