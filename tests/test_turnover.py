"""Turnovers (issue 14): the editorial package (OP-Atom proxies, AAF, ALE and FCP7 XML per rate, reports, looks,
manifest) and the sound package (BWF by roll, sound report), each with its own ASC MHL history judged by
``ascmhl-debug``; the checks that stop a turnover before anything is written; a repeat that adds a generation.

The shoot: ARRI card A001 (2 clips of 12 frames at 23.976, rendered to Avid DNxHD OP-Atom by the dailies job
with a CDL and burn-ins) and sound roll SR01 whose one take meets clip 1; clip 2 is noted MOS."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from fractions import Fraction
from pathlib import Path

import aaf2
import opentimelineio as otio
import pytest
from pypdf import PdfReader

from pixm_desktop.core.errors import CancelledError, TurnoverCheckError, UsageError, VerificationFailedError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import DailiesJobOptions, JobKind, TurnoverJobOptions, job_options
from pixm_desktop.core.timecode import tc_to_frames
from pixm_desktop.media.renditions import presets
from pixm_desktop.post import tapes
from pixm_desktop.reports.exports import TURNOVER_ALE_COLUMNS
from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
from pixm_desktop.services import clips, jobs
from pixm_desktop.services import turnover as turnover_service
from pixm_desktop.services.jobs.supervisor import run_job_in_child
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.reports import write_daily_report
from pixm_desktop.services.settings import open_catalog
from pixm_desktop.services.turnover import editorial, package
from pixm_desktop.store.models import Card, Clip, Job, Rendition, Turnover
from support.cards import make_card
from support.cli import cli
from support.mhl import ascmhl_verify, assert_ascmhl_clean, generations, manifest_hashes

DAY = dt.date(2026, 11, 23)
FPS = Fraction(24000, 1001)
CC = """<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrection id="" xmlns="urn:ASC:CDL:v1.2">
  <SOPNode><Slope>1.2 0.9 1.05</Slope><Offset>0.02 -0.01 0</Offset><Power>0.9 1.1 1</Power></SOPNode>
  <SATNode><Saturation>0.8</Saturation></SATNode>
</ColorCorrection>"""


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    """Never the user's own dailies presets."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def _offload(catalog, source: Path, dests: list[Path]) -> int:
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source, dests, project="Film", day=DAY)))
    assert result.ok
    return result.card_id


def _sound_roll(folder: Path, start_label: str) -> Path:
    """Roll SR01: take 12A/1 of 2 s from ``start_label`` (25 fps recorder TC), tracks MixL/MixR."""
    folder.mkdir(parents=True)
    tc25 = Fraction(25)
    bwf = BwfTake(project="Film", scene="12A", take="1", tape="SR01", circled=True, note="plane overhead",
                  fps=tc25, time_reference=tc_to_frames(start_label, tc25) * 48000 // 25,
                  recorded=dt.datetime(2026, 11, 23, 9), tracks=("MixL", "MixR"))
    write_bwf(folder / "12A_1.WAV", bwf, tone_pcm(48000 * 2, 2))
    return folder


def _render(catalog, label: str, proxies: Path, cdl: Path) -> None:
    jobs.execute(catalog, JobKind.DAILIES, DailiesJobOptions(card=label, folder=str(proxies), cdl=str(cdl),
                                                             burn_in="tc,clip", workers=1))


def _add_card(catalog, base: Path, reel: str, dests: list[Path], proxies: Path, cdl: Path | None) -> int:
    """Card ``reel`` offloaded and ingested; rendered unless ``cdl`` is None (the A001 fixture renders after
    the sound is synced, as a lab does)."""
    card = make_card(base / "cards", "arri", clips=1 if reel != "A001" else 2, reel=reel, fps=FPS)
    card_id = _offload(catalog, card.root, dests)
    clips.ingest_card(catalog, card_id)
    if reel != "A001":  # shot without sound
        clips.update_log(catalog, [c.id for c in clips.list_clips(catalog, clips.ClipFilter(card_id=card_id))],
                         notes="MOS")
    if cdl is not None:
        _render(catalog, card.root.name, proxies, cdl)
    return card_id


@pytest.fixture(scope="module")
def shoot_db(tmp_path_factory):
    base = tmp_path_factory.mktemp("turnover-shoot")
    os.environ.setdefault("XDG_CONFIG_HOME", str(base / "config"))
    catalog = open_catalog(base / "catalog.sqlite")
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    cdl = base / "day01.cc"
    cdl.write_text(CC)
    card_id = _add_card(catalog, base, "A001", dests, base / "proxies", None)
    rows = clips.list_clips(catalog, clips.ClipFilter(card_id=card_id))
    s = tc_to_frames(rows[0].start_tc, FPS) // 24 - 1
    sound = _sound_roll(base / "cards" / "SR01_261123", f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}:00")
    clips.ingest_card(catalog, _offload(catalog, sound, dests))
    clips.update_log(catalog, [rows[1].id], notes="MOS insert")
    _render(catalog, rows[0].card_label, base / "proxies", cdl)
    catalog.close()
    return base


@pytest.fixture
def shoot(tmp_path, shoot_db):
    shutil.copy(shoot_db / "catalog.sqlite", tmp_path / "catalog.sqlite")
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    yield catalog
    catalog.close()


def _editorial(catalog, to: Path, **kw):
    options = TurnoverJobOptions(kind="editorial", day=DAY.isoformat(), folder=str(to), **kw)
    return jobs.execute(catalog, JobKind.TURNOVER, options)


def _assert_files_clean(to: Path) -> None:
    """After a repeat: the reference tool finds every file of every generation as recorded. (``-dh`` also
    compares the root folder's hash of generation 1 with today's folder, which the repeat grew: docs/turnovers.md.)"""
    assert ascmhl_verify(to, flags=((),)) == {(to, ()): (0, "")}


def _leftovers(to: Path) -> list[str]:
    return [p.name for p in to.parent.iterdir() if package.STAGING in p.name]


# --- tape names ----------------------------------------------------------------------------------------------


def test_tape_names_must_stay_unique_after_truncation():
    red = {f"A001_C00{n}_1123AB": f"A001_C00{n}" for n in range(1, 10)}
    problems = tapes.tape_problems(red, "cmx3600")
    assert {p[1] for p in problems} == set(red) and {p[0] for p in problems} == {tapes.RULE_COLLISION}
    assert "becomes A001_C00 at 8" in problems[0][2]
    assert tapes.tape_problems(red, "file32") == []
    same_card = {"A001C001": "A001R1AB", "A001C002": "A001R1AB"}  # one tape, many clips: fine
    assert tapes.tape_problems(same_card, "cmx3600") == []
    assert [p[0] for p in tapes.tape_problems({"X": "Ré 1"}, "cmx3600")] == [tapes.RULE_CHARS]


# --- the editorial package -----------------------------------------------------------------------------------


def _ale(path: Path):
    return otio.adapters.read_from_file(str(path), adapter_name="ale")


def test_editorial_package_reads_back_in_every_format(shoot, tmp_path):
    to = tmp_path / "EDIT"
    result = _editorial(shoot, to)
    assert result.generation == 1 and not result.unchanged and not _leftovers(to)
    docs = to / "turnover_0001"
    with shoot.session() as s:
        clip_rows = {c.name: c for c in s.query(Clip).filter(Clip.kind == "video")}
        proxies = {c.name: json.loads(r.paths) for r in s.query(Rendition) for c in [s.get(Clip, r.clip_id)]}
        tape = {n: c.tape_name for n, c in clip_rows.items()}
        start = {n: c.start_tc for n, c in clip_rows.items()}
        label = {n: c.card.label for n, c in clip_rows.items()}
    names = sorted(clip_rows)

    # ALE: OTIO reads every column back, the look and the sync included
    (ale,) = docs.glob("*.ale")
    assert ale.name == "2026-11-23_23.976.ale"
    read = {c.name: c for c in _ale(ale).find_clips()}
    assert sorted(read) == names
    header = ale.read_bytes().decode().split("Column\r\n", 1)[1].split("\r\n", 1)[0].split("\t")
    assert header == list(TURNOVER_ALE_COLUMNS)
    first = read[names[0]].metadata["ALE"]
    # OTIO keeps Source File as the media reference, ASC_SOP/ASC_SAT as its CDL, Name/Start/End/Duration as the
    # clip; every other column as metadata
    special = {"Name", "Start", "End", "Duration", "Source File", "ASC_SOP", "ASC_SAT"}
    assert set(TURNOVER_ALE_COLUMNS) - special <= set(first)
    for name in names:
        cdl = read[name].metadata["cdl"]
        assert {"asc_sop": {k: list(v) for k, v in cdl["asc_sop"].items()}, "asc_sat": cdl["asc_sat"]} == {"asc_sop": {"slope": [1.2, 0.9, 1.05], "offset": [0.02, -0.01, 0.0],
                                                          "power": [0.9, 1.1, 1.0]}, "asc_sat": 0.8}
    assert (first["Tape"], first["Soundroll"], first["Scene"], first["Take"]) == (tape[names[0]], "SR01", "12A", "1")
    assert tc_to_frames(first["Sound TC"], Fraction(25)) == tc_to_frames(start[names[0]], FPS) // 24 * 25 - 25
    assert read[names[0]].media_reference.target_url.endswith(f"{names[0]}.mov") and first["Camroll"] == "A001"
    assert read[names[1]].metadata["ALE"]["Comments"] == "MOS insert"
    assert read[names[0]].source_range.start_time.to_timecode() == start[names[0]]

    # AAF: one master clip per clip, every OP-Atom file linked by its file mob, tape name and start TC
    with aaf2.open(str(docs / "2026-11-23.aaf")) as f:
        masters = {m.name: m for m in f.content.mastermobs()}
        assert sorted(masters) == names
        for name in names:
            urls, found = [], set()
            for slot in masters[name].slots:
                file_mob = slot.segment.mob
                urls.append(file_mob.descriptor["Locator"].value[0]["URLString"].value)
                essence = next(x for x in file_mob.slots if x.media_kind in ("Picture", "Sound"))
                ref = essence.segment.components[0] if hasattr(essence.segment, "components") else essence.segment
                tc_slot = next(x for x in ref.mob.slots if x.media_kind == "Timecode").segment
                tc = tc_slot.components[0] if hasattr(tc_slot, "components") else tc_slot
                found.add((ref.mob.name, tc.start + ref.start))
            assert urls == [(to / "media" / label[name] / Path(p).name).as_uri() for p in proxies[name]]
            assert found == {(tape[name], tc_to_frames(start[name], FPS))}
            for u in urls:
                assert Path(u.removeprefix("file://")).is_file()

    # FCP7 XML: OTIO reads the sequence back with the proxies and source TC
    (xml,) = docs.glob("*.xml")
    tl = otio.adapters.read_from_file(str(xml), adapter_name="fcp_xml")
    got = {c.name: c for c in tl.find_clips()}
    assert sorted(got) == names
    for name in names:
        assert got[name].media_reference.target_url.endswith(f"{name}_V1.mxf")
        assert got[name].source_range.start_time.to_timecode() == start[name]

    # reports, look, manifest; the package's own history
    assert sorted(p.name for p in (docs / "reports").iterdir()) == ["2026-11-23_daily.pdf",
                                                                     f"{label[names[0]]}_offload.pdf"]
    assert (docs / "looks" / "day01.cc").read_text() == CC
    manifest = json.loads((docs / "manifest.json").read_text())
    media = [e for e in manifest["files"] if e["role"] == "media"]
    assert len(media) == sum(len(p) for p in proxies.values()) and all(e["change"] == "new" for e in media)
    assert "path,size,xxh64,role,clip,change" in (docs / "manifest.csv").read_text()
    assert_ascmhl_clean(to)
    (info,) = turnover_service.turnovers(shoot)
    assert (info.kind, info.status, info.generation, info.folder) == ("editorial", "completed", 1, str(to))
    assert info.files == len(manifest["files"]) + 2 and not info.failed_checks
    assert {c.rule for c in info.checks} >= {"tape_names", "one_rate_per_ale", "burn_in", "synced_or_mos"}


def test_second_turnover_of_the_day_adds_a_generation_with_only_the_new_card(shoot, shoot_db, tmp_path):
    to = tmp_path / "EDIT"
    _editorial(shoot, to)
    first = set(manifest_hashes(to / "ascmhl" / generations(to)[0]))
    _add_card(shoot, tmp_path, "A002", [shoot_db / "RAID-A", shoot_db / "SHUTTLE-B"], tmp_path / "proxies",
              shoot_db / "day01.cc")
    result = _editorial(shoot, to)
    assert result.generation == 2 and len(generations(to)) == 2
    second = set(manifest_hashes(to / "ascmhl" / generations(to)[1]))
    assert second == set(result.new) and not second & first
    assert {p.split("/")[0] for p in second} == {"media", "turnover_0002"}
    with shoot.session() as s:
        new_card = s.query(Card).filter(Card.label.startswith("A002")).one().label
    assert {p.split("/")[1] for p in second if p.startswith("media/")} == {new_card}
    # the first card's proxies (picture and its synced take's tracks) are held already, the same bytes
    assert set(result.unchanged) == {p for p in first if p.startswith("media/")}
    assert all("/A001" in p for p in result.unchanged)
    _assert_files_clean(to)


# --- checks stop a turnover before anything is written -------------------------------------------------------


def test_a_truncation_collision_stops_the_turnover_with_the_clip_names(shoot, tmp_path):
    with shoot.session() as s:
        for n, c in enumerate(s.query(Clip).filter(Clip.kind == "video").order_by(Clip.name), 1):
            c.tape_name = f"A001_C00{n}"
        s.commit()
        names = [c.name for c in s.query(Clip).filter(Clip.kind == "video")]
    to = tmp_path / "EDIT"
    with pytest.raises(TurnoverCheckError) as err:
        _editorial(shoot, to, template="cmx3600")
    assert {f[1] for f in err.value.failures} == set(names)
    assert {f[0] for f in err.value.failures} == {tapes.RULE_COLLISION}
    assert "A001_C00" in str(err.value) and err.value.exit_code == 14
    assert not to.exists() and not _leftovers(to)
    (info,) = turnover_service.turnovers(shoot)
    assert info.status == "refused" and {c.subject for c in info.failed_checks} == set(names)
    # the daily report says so
    write_daily_report(shoot, DAY, tmp_path / "day.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(tmp_path / "day.pdf").pages)
    assert "Turnovers (1)" in text and "REFUSED" in text and names[0] in text.split("Turnovers (1)", 1)[1]


def test_a_missing_proxy_stops_the_turnover_and_the_cli_exits_14(shoot, tmp_path):
    with shoot.session() as s:
        row = s.query(Rendition).order_by(Rendition.id).first()
        name = s.get(Clip, row.clip_id).name
        paths = json.loads(row.paths)
        row.paths = json.dumps([str(tmp_path / "gone" / Path(paths[0]).name), *paths[1:]])
        s.commit()
    to = tmp_path / "EDIT"
    run = cli("turnover", "editorial", "--day", DAY.isoformat(), "--to", to, "--catalog", shoot.path)
    assert run.code == 14, run.text
    assert f"[proxy_missing] clip {name}: proxy {name}_V1.mxf is missing" in run.text
    assert not to.exists() and not _leftovers(to)


def test_a_failure_while_writing_leaves_the_package_as_it_was(shoot, tmp_path, monkeypatch):
    to = tmp_path / "EDIT"
    _editorial(shoot, to)
    before = sorted(str(p.relative_to(to)) for p in to.rglob("*"))

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package, "write_generation", broken)
    shoot_clip = None
    with shoot.session() as s:
        shoot_clip = s.query(Clip).filter(Clip.kind == "video").first().id
    clips.update_log(shoot, [shoot_clip], notes="changed log")
    with pytest.raises(OSError):
        _editorial(shoot, to)
    assert sorted(str(p.relative_to(to)) for p in to.rglob("*")) == before and not _leftovers(to)
    first = tmp_path / "FIRST"
    with pytest.raises(OSError):
        _editorial(shoot, first)
    assert not first.exists() and not _leftovers(first)


# --- the sound package ---------------------------------------------------------------------------------------


def test_sound_package_keeps_the_bwf_untouched_with_a_report(shoot, shoot_db, tmp_path):
    to = tmp_path / "SOUND"
    run = cli("turnover", "sound", "--day", DAY.isoformat(), "--to", to, "--catalog", shoot.path)
    assert run.code == 0, run.text
    assert "new  SR01/12A_1.WAV" in run.text
    original = shoot_db / "cards" / "SR01_261123" / "12A_1.WAV"
    assert (to / "SR01" / "12A_1.WAV").read_bytes() == original.read_bytes()
    assert package.file_xxh64(to / "SR01" / "12A_1.WAV") == package.file_xxh64(original)
    rows = (to / "turnover_0001" / "sound_report.csv").read_text().splitlines()
    assert rows[0] == "roll,file,scene,take,tc_in,tc_out,tc_rate,sample_rate,channels,tracks,circled,notes"
    assert rows[1].startswith("SR01,SR01/12A_1.WAV,12A,1,") and ",25,48000,2,MixL | MixR," in rows[1]
    assert rows[1].endswith(",Y,plane overhead")
    pdf = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(to / "turnover_0001" / "sound_report.pdf").pages)
    assert "Roll SR01 (1 take)" in pdf and "SR01/12A_1.WAV" in pdf and "MixL, MixR" in pdf and "plane overhead" in pdf
    assert_ascmhl_clean(to)
    again = cli("turnover", "sound", "--roll", "SR01", "--to", to, "--catalog", shoot.path)
    assert again.code == 0 and "unchanged: 1 file(s)" in again.text and len(generations(to)) == 2
    _assert_files_clean(to)


def test_turnover_options_round_trip_through_the_jobs_row():
    options = TurnoverJobOptions(kind="sound", rolls="SR01,SR02", folder="/Volumes/SOUND/day01")
    assert job_options(JobKind.TURNOVER.value, options.to_json()) == options
    assert job_options(JobKind.TURNOVER.value, '{"template": 8, "kind": "editorial"}') == TurnoverJobOptions()


# --- more rules ----------------------------------------------------------------------------------------------


def test_a_clip_neither_synced_nor_mos_stops_the_turnover_until_named_mos(shoot, tmp_path):
    with shoot.session() as s:
        clip = s.query(Clip).filter(Clip.notes == "MOS insert").one()
        clip.notes, name = "insert", clip.name
        s.commit()
    to = tmp_path / "EDIT"
    with pytest.raises(TurnoverCheckError) as err:
        _editorial(shoot, to)
    assert err.value.failures == (("synced_or_mos", name, f"clip {name}: no sound take meets its timecode and it "
                                                          "is not marked MOS (notes or --mos)"),)
    assert not to.exists()
    result = _editorial(shoot, to, mos=name)
    assert any(c.rule == "synced_or_mos" and c.text == "1 clip(s) synced, 1 MOS" for c in result.checks)


def test_burn_ins_the_preset_places_must_be_on_the_proxy(shoot, tmp_path):
    plan = editorial.plan(shoot, TurnoverJobOptions(day=DAY.isoformat(), folder=str(tmp_path / "EDIT")))
    assert [c for c in plan.checks if c.rule == "burn_in"] == [
        turnover_service.Check("burn_in", "*", True, "preset avid-dnxhd36-mxf asks for no burn-in")]
    assert all(i.look.burn_in == ("tc", "clip") for i in plan.items)  # told by the dailies job's inputs key
    plan.preset = presets.Preset(plan.preset.name, {**plan.preset.data, "burn_in": {
        "positions": {"tc": "bottom-right", "clip": "bottom-left", "scene_take": "top-left"}}})
    failed = editorial._burn_in_checks(plan)
    assert [(c.rule, c.subject, c.ok) for c in failed] == [("burn_in", i.name, False) for i in plan.items]
    assert "burn-in scene_take missing" in failed[0].text


def test_a_mov_preset_goes_without_aaf_for_ama(shoot, shoot_db, tmp_path):
    jobs.execute(shoot, JobKind.DAILIES, DailiesJobOptions(day=DAY.isoformat(), preset="avid-dnxhd36-mov",
                                                           folder=str(tmp_path / "proxies"), workers=1))
    to = tmp_path / "AMA"
    result = _editorial(shoot, to, preset="avid-dnxhd36-mov")
    with shoot.session() as s:
        media = sorted(f"media/{c.card.label}/{c.name}.mov" for c in s.query(Clip).filter(Clip.kind == "video"))
    assert sorted(p for p in result.new if p.startswith("media/")) == media
    docs = to / "turnover_0001"
    assert not list(docs.glob("*.aaf")) and len(list(docs.glob("*.ale"))) == 1
    (xml,) = docs.glob("*.xml")
    urls = [c.media_reference.target_url for c in otio.adapters.read_from_file(str(xml)).find_clips()]
    assert urls == [(to / p).as_uri() for p in sorted(result.new) if p.endswith(".mov")]
    assert_ascmhl_clean(to)


def test_a_copy_that_does_not_hash_as_the_catalog_stops_and_leaves_nothing(shoot, tmp_path, monkeypatch):
    real = package._copy_hashed
    monkeypatch.setattr(package, "_copy_hashed", lambda src, dest: real(src, dest)[::-1])  # as if a bit flipped
    to = tmp_path / "EDIT"
    with pytest.raises(VerificationFailedError, match="after copying, the catalog holds"):
        _editorial(shoot, to)
    assert not to.exists() and not _leftovers(to)


def test_a_sound_take_without_a_verified_copy_stops_the_sound_turnover(shoot, tmp_path):
    with shoot.session() as s:
        card = s.query(Card).filter(Card.camera == "sound").one()
        card.source_path = str(tmp_path / "ejected")
        for n, d in enumerate(card.destinations):
            d.path_raw = os.fsencode(tmp_path / f"unmounted-{n}")
        s.commit()
    to = tmp_path / "SOUND"
    with pytest.raises(TurnoverCheckError) as err:
        jobs.execute(shoot, JobKind.TURNOVER, TurnoverJobOptions(kind="sound", rolls="SR01", folder=str(to)))
    assert [f[0] for f in err.value.failures] == ["sound_copy"]
    assert "12A_1.WAV of roll SR01: no verified copy" in str(err.value) and not to.exists()


def test_a_folder_that_is_no_package_is_refused(shoot, tmp_path):
    to = tmp_path / "EDIT"
    to.mkdir()
    (to / "notes.txt").write_text("someone else's")
    with pytest.raises(UsageError, match="not a turnover package"):
        _editorial(shoot, to)
    assert sorted(p.name for p in to.iterdir()) == ["notes.txt"]


def test_a_turnover_runs_as_a_job_in_a_child_process_and_is_recorded_with_it(shoot, tmp_path):
    """The window's way: the job layer's child process; the ``jobs`` row and the ``turnovers`` row name each
    other, and a refusal is a failed job whose error names the clip and the rule."""
    to = tmp_path / "SOUND"
    options = TurnoverJobOptions(kind="sound", day=DAY.isoformat(), folder=str(to))
    ids: list[int] = []
    result = run_job_in_child(shoot.path, JobKind.TURNOVER, options, None, lambda p: None, on_job=ids.append)
    assert result.generation == 1 and "SR01/12A_1.WAV" in result.new
    with shoot.session() as s:
        job = s.get(Job, ids[0])
        row = s.query(Turnover).one()
        assert (job.kind, job.status, row.job_id, row.status) == ("turnover", "completed", job.id, "completed")
        assert job_options(job.kind, job.options) == options
    with shoot.session() as s:
        for c in s.query(Clip).filter(Clip.kind == "video"):
            c.tape_name = f"{c.name[:7]}_{c.name[7]}"  # A001C00_1, A001C00_2: both "A001C00_" at 8
        s.commit()
    with pytest.raises(TurnoverCheckError):
        _editorial(shoot, tmp_path / "EDIT", template="cmx3600")
    with shoot.session() as s:
        job = s.query(Job).filter(Job.kind == "turnover").order_by(Job.id.desc()).first()
        refused = s.query(Turnover).filter(Turnover.status == "refused").one()
        assert job.status == "failed" and "[tape_truncation_collision] clip" in job.error
        assert "becomes A001C00_ at 8" in job.error and refused.job_id == job.id


def test_a_cancelled_turnover_writes_nothing_and_a_card_turnover_takes_its_cards(shoot, tmp_path):
    token = CancelToken()
    token.cancel()
    to = tmp_path / "EDIT"
    with pytest.raises(CancelledError):
        jobs.execute(shoot, JobKind.TURNOVER, TurnoverJobOptions(day=DAY.isoformat(), folder=str(to)), cancel=token)
    assert not to.exists() and not _leftovers(to)
    with shoot.session() as s:
        label = s.query(Card).filter(Card.camera == "arri").one().label
    run = cli("turnover", "editorial", "--card", label, "--to", to, "--catalog", shoot.path)
    assert run.code == 0, run.text
    assert f"new  turnover_0001/{label}_23.976.ale" in run.text
    with aaf2.open(str(to / "turnover_0001" / f"{label}.aaf")) as f:
        for m in f.content.mastermobs():
            slots = [(s.media_kind, s["PhysicalTrackNumber"].value) for s in m.slots]
            sound = [n for kind, n in slots if kind == "Sound"]  # the synced take's tracks, when it has one
            assert slots[0] == ("Picture", 1) and sound == list(range(1, len(sound) + 1))
