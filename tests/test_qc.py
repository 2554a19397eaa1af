"""Ingest QC against the show profile (issue 12, item 2), on REAL cards from the sample generators, offloaded and
ingested by the services (the aftercare runs QC once a profile is installed).

A clean shoot (ARRI A, Sony B with its sidecars, a sound roll in sync) has no finding, full decode included. A
shoot whose cards break one rule each — 25 fps on a 23.976 show, H.264 where ProRes is expected, a bad clip
name, a reel on two cards, a timecode overlap and break, a missing sidecar, sound drifting 2 frames, a corrupt
frame written into a ProRes file — has exactly those findings. An acknowledgement survives a re-run with its
note; the qc kind runs through the job layer (row, progress, cancel); ``pixm qc`` lists and exits 12.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from fractions import Fraction
from pathlib import Path

import av
import pytest

from pixm_desktop.core.errors import CancelledError, ShowProfileReadError, UsageError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import AftercareJobOptions, JobKind, QcJobOptions, QcRule, job_options
from pixm_desktop.core.timecode import frames_to_tc, tc_to_frames
from pixm_desktop.media import qc as rules
from pixm_desktop.samples.bwf import BwfTake, tone_pcm, write_bwf
from pixm_desktop.samples.samplecard import SampleCard
from pixm_desktop.services import jobs, show
from pixm_desktop.services import qc as qc_service
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.services.qc import QcProgress
from pixm_desktop.store.db import open_catalog
from pixm_desktop.store.models import QcFinding
from support.cards import make_card
from support.catalog import job_row
from support.cli import cli

FPS = Fraction(24000, 1001)
DAY1, DAY2 = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "show-profile.json"
SIZE = {"width": 320, "height": 180}


def profile_doc() -> dict:
    """The example profile (docs/examples) made to match the sample cards: A = ARRI ProRes HQ, B = Sony ProRes HQ
    with M01.XML, C = Canon expected in ProRes; 320×180 at 23.976; sound 48 kHz 24-bit at 23.976 TC."""
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    cams = []
    for letter, make, unit in (("A", "arri", "main"), ("B", "sony", "main"), ("C", "canon", "2nd")):
        cams.append({"letter": letter, "unit": unit, "make": make, "codec": {"name": "prores", "profile": "HQ"},
                     "resolution": SIZE, "frame_rate": "24000/1001",
                     "timecode": {"rate": "24000/1001", "drop_frame": False}, "naming": {"rule": make}})
    cams[1]["sidecars"] = ["M01.XML"]
    doc["cameras"] = cams
    doc["sound"]["timecode"] = {"rate": "24000/1001", "drop_frame": False}
    return doc


def install_profile(catalog_path: Path, doc: dict) -> None:
    path = catalog_path.parent / "profile-in.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    show.import_profile(path, catalog_path, force=True)


def offload(catalog, source: Path, dests: list[Path], day: dt.date) -> int:
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source, dests, project="Film", day=day)))
    assert result.ok
    return result.card_id


def aftercare(catalog, card_id: int):
    """The work after a verified offload (ingest, then QC when a profile is installed), as the window runs it."""
    return jobs.execute(catalog, JobKind.AFTERCARE, AftercareJobOptions(card_id=card_id))


def sound_roll(folder: Path, card: SampleCard, drift: list[int], roll: str = "S001") -> Path:
    """A recorder folder with one BWF take per clip of ``card``, rolled with it (a run-trigger): take n starts
    ``drift[n]`` frames after its clip, TC at 23.976 like the camera."""
    folder.mkdir(parents=True)
    for n, (clip, late) in enumerate(zip(card.clips, drift, strict=True), 1):
        start = tc_to_frames(clip.start_timecode, FPS) + late
        take = BwfTake(project="Film", scene="12A", take=str(n), tape=roll, circled=False, note="", fps=FPS,
                       time_reference=round(start * 48000 / FPS), recorded=dt.datetime(2026, 11, 23, 9),
                       tracks=("MixL", "MixR"))
        write_bwf(folder / f"12A_{n:02d}.WAV", take, tone_pcm(48000 * 2, 2))
    return folder


def retime(path: Path, tc: str) -> None:
    """Rewrite a MOV clip with start timecode ``tc``: the same frames remuxed, the reel name kept."""
    tmp = path.with_suffix(".tmp.mov")
    with av.open(str(path)) as src, av.open(str(tmp), "w", format="mov") as dst:
        video = src.streams.video[0]
        reel = next(s.metadata["reel_name"] for s in src.streams if "reel_name" in s.metadata)
        stream = dst.add_stream_from_template(video)
        stream.time_base, stream.codec_context.framerate = video.time_base, video.average_rate
        stream.metadata["reel_name"] = reel
        dst.metadata["timecode"] = tc
        for packet in src.demux(video):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    tmp.replace(path)


def corrupt_frame(path: Path, frame: int) -> None:
    """Overwrite 1 KiB in the middle of frame ``frame``'s data (a tenth of it; its size unchanged: silent damage).
    ProRes has no checksum: a few bytes of damage can decode into wrong pixels without an error."""
    with av.open(str(path)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    pos, size = packets[frame]
    with open(path, "r+b") as fh:
        fh.seek(pos + size // 2)
        fh.write(b"\xff" * 1024)


def card_of(catalog, label_prefix: str, day: dt.date) -> int:
    from pixm_desktop.store.models import Card, ShootDay

    with catalog.session() as s:
        return next(c.id for c in s.query(Card).join(ShootDay) if c.label.startswith(label_prefix)
                    and c.shoot_day.day == day)


def found(catalog, card_ids=None) -> set[tuple[str, str, str]]:
    """``{(card label, subject, rule)}`` of the stored findings."""
    with catalog.session() as s:
        ids = card_ids or [i for (i,) in s.query(QcFinding.card_id).distinct()]
    return {(r.card_label, r.subject, r.rule) for r in qc_service.findings_for(catalog, ids)}


# ------------------------------------------------------------------------------------------------ the shoots


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """A clean day: ARRI A001 (3 clips), Sony B001 (2 clips, every M01.XML), sound roll S001 in sync with A001;
    ingested with the profile installed (the aftercare ran QC). ``(catalog path, {name: card id})``."""
    base = tmp_path_factory.mktemp("qc-clean").resolve()
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    catalog_path = base / "catalog.sqlite"
    install_profile(catalog_path, profile_doc())
    catalog = open_catalog(catalog_path)
    try:
        a = make_card(base / "cards", "arri", clips=3, reel="A001", fps=FPS)
        b = make_card(base / "cards", "sony", clips=2, reel="B001", fps=FPS)
        s = sound_roll(base / "cards" / "S001_261123", a, [0, 0, 0])
        ids = {name: offload(catalog, root, dests, DAY1) for name, root in (("A", a.root), ("B", b.root), ("S", s))}
        results = {name: aftercare(catalog, i) for name, i in ids.items()}
    finally:
        catalog.close()
    assert all(r.qc is not None for r in results.values())  # a profile is installed: the aftercare ran QC
    return catalog_path, ids


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """Cards that each break rules (see the module docstring); ``(catalog path, {name: card id})``.

    Day 1: K1 = ARRI A001 (3 clips; frame 3 of clip 2 corrupt) with sound roll S001 drifting 0, 1, 2 frames.
    Day 2: K2 = ARRI A001 again (same camera roll and card id: its reel A001R… is K1's), K3 = ARRI A002 at 25 fps,
    K4 = Canon C001 (H.264), K5 = Sony B001 with one M01.XML missing, K6 = ARRI A003 whose first clip is renamed,
    second overlaps the first and third starts before the second."""
    base = tmp_path_factory.mktemp("qc-broken").resolve()
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()
    cards = base / "cards"
    k1 = make_card(cards / "1", "arri", clips=3, reel="A001", fps=FPS)
    corrupt_frame(k1.root / k1.clips[1].files[0], 3)
    snd = sound_roll(cards / "S001_261123", k1, [0, 1, 2])
    k2 = make_card(cards / "2", "arri", clips=3, reel="A001", fps=FPS, day=DAY2)  # same draws: same card id
    k3 = make_card(cards, "arri", clips=1, reel="A002", fps=Fraction(25), day=DAY2)
    k4 = make_card(cards, "canon", clips=1, reel="C001", fps=FPS, day=DAY2)
    k5 = make_card(cards, "sony", clips=2, reel="B001", fps=FPS, day=DAY2)
    (k5.root / k5.clips[1].files[1]).unlink()  # …C002_…M01.XML
    k6 = make_card(cards, "arri", clips=3, reel="A003", fps=FPS, day=DAY2)
    first = k6.clips[0]
    start = tc_to_frames(first.start_timecode, FPS)
    retime(k6.root / k6.clips[1].files[0], frames_to_tc(start + first.frames - 5, FPS))  # 5 frames of overlap
    retime(k6.root / k6.clips[2].files[0], frames_to_tc(start + first.frames - 53, FPS))  # before clip 2's start
    renamed = k6.root / first.files[0]
    renamed.rename(renamed.with_name(f"{first.clip_name}_v2.mov"))
    assert k1.clips[0].tape_name == k2.clips[0].tape_name  # the duplicate reel
    catalog_path = base / "catalog.sqlite"
    install_profile(catalog_path, profile_doc())
    catalog = open_catalog(catalog_path)
    try:
        ids = {}
        for name, root, day in (("K1", k1.root, DAY1), ("S", snd, DAY1), ("K2", k2.root, DAY2),
                                ("K3", k3.root, DAY2), ("K4", k4.root, DAY2), ("K5", k5.root, DAY2),
                                ("K6", k6.root, DAY2)):
            ids[name] = offload(catalog, root, dests, day)
            aftercare(catalog, ids[name])
    finally:
        catalog.close()
    labels = {"K1": k1.root.name, "K2": k2.root.name, "K3": k3.root.name, "K4": k4.root.name, "K5": k5.root.name,
              "K6": k6.root.name, "S": snd.name}
    names = {"K1c2": k1.clips[1].clip_name, "K1c3": k1.clips[2].clip_name, "K3": k3.clips[0].clip_name,
             "K4": k4.clips[0].clip_name, "K5c2": k5.clips[1].clip_name, "K6c1": f"{first.clip_name}_v2",
             "K6c2": k6.clips[1].clip_name, "K6c3": k6.clips[2].clip_name}
    return catalog_path, ids, labels, names


def run_qc(catalog_path: Path, card_ids, *, decode: bool = False):
    catalog = open_catalog(catalog_path)
    try:
        profile = qc_service.profile_for(catalog)
        gen = qc_service.iter_qc(catalog, card_ids, profile, decode=decode)
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value
    finally:
        catalog.close()


# ------------------------------------------------------------------------------------------------ the tests


def test_clean_shoot_has_no_finding(clean):
    catalog_path, ids = clean
    result = run_qc(catalog_path, list(ids.values()), decode=True)
    assert result.decoded == 5 and result.clips == 8  # 3 ARRI + 2 Sony pictures decoded; 3 takes too
    assert result.findings == []
    run = cli("qc", "--day", DAY1.isoformat(), "--catalog", catalog_path, "--json")
    assert run.code == 0, run.text
    data = json.loads(run.out)
    assert data["findings"] == [] and data["open_errors"] == 0 and data["profile"] == "Big Film rev 3 (schema v1)"


def test_broken_shoot_has_exactly_its_findings(broken):
    catalog_path, ids, labels, names = broken
    result = run_qc(catalog_path, list(ids.values()))
    got = {(r.card_label, r.subject, r.rule) for r in result.findings}
    assert got == {
        (labels["K1"], labels["K1"], QcRule.REEL_DUPLICATE),
        (labels["K1"], names["K1c3"], QcRule.SOUND_DRIFT),
        (labels["K2"], labels["K2"], QcRule.REEL_DUPLICATE),
        (labels["K3"], names["K3"], QcRule.FRAME_RATE),
        (labels["K4"], names["K4"], QcRule.CODEC),
        (labels["K5"], names["K5c2"], QcRule.SIDECAR_MISSING),
        (labels["K6"], names["K6c1"], QcRule.CLIP_NAME),
        (labels["K6"], names["K6c2"], QcRule.TC_OVERLAP),
        (labels["K6"], names["K6c3"], QcRule.TC_BREAK),
    }
    by_rule = {r.rule: r for r in result.findings}
    assert by_rule[QcRule.SOUND_DRIFT].found == "sound 2 frames late"
    assert by_rule[QcRule.FRAME_RATE].expected == "23.976 fps (24000/1001)" and by_rule[QcRule.FRAME_RATE].found == "25 fps"
    assert by_rule[QcRule.CODEC].found.startswith("h264") and by_rule[QcRule.CODEC].expected == "prores HQ"
    assert "5 frames before" in by_rule[QcRule.TC_OVERLAP].message
    k1_dup = next(r for r in result.findings if r.card_id == ids["K1"])
    k2_dup = next(r for r in result.findings if r.card_id == ids["K2"])
    assert f"#{ids['K2']}" in k1_dup.message and f"#{ids['K1']}" in k2_dup.message  # naming both cards
    assert {r.severity for r in result.findings if r.rule in (QcRule.FRAME_RATE, QcRule.CODEC)} == {"error"}


def test_full_decode_flags_the_corrupt_frame(broken):
    catalog_path, ids, labels, names = broken
    result = run_qc(catalog_path, [ids["K1"]], decode=True)
    assert result.decoded == 3
    decode = [r for r in result.findings if r.rule == QcRule.DECODE_ERROR]
    assert [(r.subject, r.frame) for r in decode] == [(names["K1c2"], 3)]
    assert "frame 3" in decode[0].message
    # a run without the decode keeps the decode's findings (it did not look)
    again = run_qc(catalog_path, [ids["K1"]])
    assert [(r.subject, r.frame) for r in again.findings if r.rule == QcRule.DECODE_ERROR] == [(names["K1c2"], 3)]


def test_acknowledged_finding_stays_acknowledged(broken):
    catalog_path, ids, labels, names = broken
    first = run_qc(catalog_path, [ids["K3"]])
    (rate,) = first.findings
    catalog = open_catalog(catalog_path)
    try:
        with pytest.raises(UsageError):
            qc_service.acknowledge(catalog, rate.id, "   ")  # never silently: a note is needed
        acked = qc_service.acknowledge(catalog, rate.id, "2nd unit plate, 25 fps agreed with post", by="jo")
    finally:
        catalog.close()
    assert acked.acknowledged and acked.ack_by == "jo"
    again = run_qc(catalog_path, [ids["K3"]])
    (still,) = again.findings
    assert (still.id, still.ack_by, still.ack_note, still.ack_at) == (rate.id, "jo",
                                                                       "2nd unit plate, 25 fps agreed with post",
                                                                       acked.ack_at)
    assert again.kept == 1 and again.new == 0 and again.open_errors == []
    run = cli("qc", "--card", labels["K3"], "--catalog", catalog_path)
    assert run.code == 0, run.text  # an acknowledged error does not fail QC
    assert "acknowledged by jo" in run.out and "25 fps agreed" in run.out


def test_cli_lists_findings_and_exits_12(broken):
    catalog_path, ids, labels, names = broken
    run = cli("qc", "--card", labels["K6"], "--catalog", catalog_path)
    assert run.code == 12, run.text
    assert all(len(line) <= 80 for line in run.out.splitlines() if line.startswith(("#", "    ")))
    assert "tc_overlap" in run.out and "error:" in run.err and "pixm qc ack" in run.err
    data = json.loads(cli("qc", "--card", labels["K6"], "--catalog", catalog_path, "--json").out)
    assert {f["rule"] for f in data["findings"]} == {"clip_name", "tc_overlap", "tc_break"}
    overlap = next(f for f in data["findings"] if f["rule"] == "tc_overlap")
    ack = cli("qc", "ack", overlap["id"], "--note", "known: camera rebooted", "--by", "kim", "--catalog",
              catalog_path, "--json")
    assert ack.code == 0 and json.loads(ack.out)["ack_by"] == "kim"
    assert cli("qc", "--card", labels["K6"], "--catalog", catalog_path).code == 0  # the break is a warning
    assert cli("qc", "ack", 999999, "--note", "x", "--catalog", catalog_path).code == 2
    assert cli("qc", "--catalog", catalog_path).code == 2  # neither --card nor --day


def test_no_profile_is_refused(tmp_path):
    catalog = open_catalog(tmp_path / "catalog.sqlite")
    try:
        with pytest.raises(ShowProfileReadError, match="no show profile is installed"):
            qc_service.profile_for(catalog)
    finally:
        catalog.close()



def test_qc_kind_through_the_job_layer(broken):
    catalog_path, ids, labels, names = broken
    options = QcJobOptions(card_id=ids["K4"], decode=True)
    catalog = open_catalog(catalog_path)
    try:
        before = found(catalog, [ids["K4"]])
        cancel, seen, rows = CancelToken(), [], []

        def progress(value) -> None:
            seen.append(value)
            if len(seen) == 2:
                cancel.cancel(by_user=True)

        with pytest.raises(CancelledError):
            jobs.execute(catalog, JobKind.QC, options, cancel=cancel, on_progress=progress, on_job=rows.append)
        assert job_row(catalog_path, rows[0]).status == JobStatus.CANCELLED
        assert found(catalog, [ids["K4"]]) == before  # a cancelled run stores nothing

        seen.clear()
        result = jobs.execute(catalog, JobKind.QC, options, on_progress=seen.append, on_job=rows.append)
        with pytest.raises(UsageError):  # checked before any row
            jobs.prepare(catalog, JobKind.QC, QcJobOptions(day="23/11/2026"))
    finally:
        catalog.close()
    assert all(isinstance(p, QcProgress) for p in seen)
    assert [p.phase for p in seen] == ["rules", "rules", "decode", "done"] and seen[2].clip == names["K4"]
    job = job_row(catalog_path, rows[1])
    assert (job.kind, job.status, job.card_id) == ("qc", JobStatus.COMPLETED, ids["K4"])
    assert job_options(job.kind, job.options) == options
    assert "Big Film rev 3 (schema v1)" in job.log and "1 error(s)" in job.log
    assert result.decoded == 1 and {r.rule for r in result.findings} == {QcRule.CODEC}


def test_day_scope_and_reels_across_days(broken):
    catalog_path, ids, labels, names = broken
    run = cli("qc", "--day", DAY2.isoformat(), "--catalog", catalog_path, "--json")
    data = json.loads(run.out)
    assert set(data["cards"]) == {ids[k] for k in ("K2", "K3", "K4", "K5", "K6")}
    dup = next(f for f in data["findings"] if f["rule"] == "reel_duplicate")
    assert labels["K1"] in dup["found"] and "2026-11-23" in dup["found"]  # the other card, on the other day


# ------------------------------------------------------------------------------------------------ pure rules


def _clip(i: int, name: str, start: int, frames: int = 24, **kw) -> rules.ClipFacts:
    base = dict(id=i, card_id=1, card_label="A001R1AB", name=name, camera="A", tape_name="A001R1AB", codec="prores",
                codec_profile="HQ", width=320, height=180, fps=FPS, frames=frames, start_frame=start)
    return rules.ClipFacts(**{**base, **kw})


def test_timecode_rules_and_midnight():
    a, b = _clip(1, "A001C001", 1000), _clip(2, "A001C002", 1020)
    assert [f.rule for f in rules.check_timecode([a, b])] == [QcRule.TC_OVERLAP]
    assert rules.check_timecode([a, _clip(2, "A001C002", 1024)]) == []  # starts where the last ended
    assert [f.rule for f in rules.check_timecode([a, _clip(2, "A001C002", 900)])] == [QcRule.TC_BREAK]
    late = _clip(1, "A001C001", 24 * 3600 * 24 - 30)
    assert rules.check_timecode([late, _clip(2, "A001C002", 10)]) == []  # 23:59:58 → 00:00:00: midnight


def test_drift_needs_pairs_that_rolled_together():
    def snd(i, start, fps=FPS):
        return rules.ClipFacts(id=100 + i, card_id=9, card_label="S001", name=f"T{i}", kind="audio", fps=fps,
                               frames=48, start_frame=start)

    pics = [_clip(i, f"A001C00{i}", 10_000 * i) for i in (1, 2, 3)]
    assert rules.check_drift([*pics, snd(1, 10_000), snd(2, 20_000), snd(3, 30_000)]) == []
    (f,) = rules.check_drift([*pics, snd(1, 10_000), snd(2, 20_001), snd(3, 29_999)])
    assert (f.subject, f.found) == ("A001C002", "sound 1 frame late")  # the pair that drifted most
    # a pre-roll of seconds is not drift: such pairs do not count
    assert rules.check_drift([*pics, snd(1, 10_000), snd(2, 20_000 - 48), snd(3, 30_000 - 96)]) == []
    # sound at 25 fps labels against 23.976 picture: one frame of label rounding is not drift
    s25 = [rules.ClipFacts(id=200 + i, card_id=9, card_label="S", name=f"U{i}", kind="audio", fps=Fraction(25),
                           frames=50, start_frame=round(Fraction(10_000 * i, 24) * 25)) for i in (1, 2, 3)]
    assert rules.check_drift([*pics, *s25]) == []


def test_fingerprint_ignores_the_sentence_but_not_the_facts():
    a = rules.finding(QcRule.CODEC, _clip(1, "A001C001", 0), (1, "A001R1AB"), "prores HQ", "h264", "one way")
    b = dataclasses.replace(a, message="said another way")
    assert a.fingerprint == b.fingerprint
    c = rules.finding(QcRule.CODEC, _clip(1, "A001C001", 0), (1, "A001R1AB"), "prores HQ", "dnxhd", "one way")
    assert a.fingerprint != c.fingerprint


# ------------------------------------------------------------------------------------------------ the catalog


def test_catalog_at_0005_upgrades_to_qc_findings_and_back(tmp_path):
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, inspect, text

    from pixm_desktop.store.db import MIGRATIONS, SCHEMA_HEAD

    def alembic(engine, action, revision: str) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            action(cfg, revision)

    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    alembic(engine, command.upgrade, "0006")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO cards (id, label, camera, reel, quick_fingerprint, file_count, total_bytes, "
                          "source_path, created_at) VALUES (1, 'A001R1AB', 'arri', 'A001', 'f00d', 0, 0, '/c', "
                          "'2026-11-23 08:00:00')"))
    engine.dispose()
    catalog = open_catalog(path)
    try:
        with catalog.session() as s:
            s.add(QcFinding(card_id=1, fingerprint="f" * 32, rule="codec", severity="error", subject="A001C001",
                            expected="prores", found="h264", message="m"))
            s.commit()
        assert SCHEMA_HEAD >= "0007"
        assert qc_service.findings_for_card(catalog, 1)[0].found == "h264"
        with catalog.session() as s:  # the card goes, its findings with it
            s.execute(text("DELETE FROM cards WHERE id = 1"))
            s.commit()
        assert qc_service.findings_for_card(catalog, 1) == []
    finally:
        catalog.close()
    engine = create_engine(f"sqlite:///{path}")
    alembic(engine, command.downgrade, "0006")
    assert "qc_findings" not in inspect(engine).get_table_names()
    engine.dispose()


def test_aftercare_tells_a_broken_profile_and_keeps_the_clips(clean, tmp_path):
    import shutil

    catalog_path, ids = clean
    cart = tmp_path / "cart"
    cart.mkdir()
    shutil.copy(catalog_path, cart / "catalog.sqlite")
    (cart / show.FILE_NAME).write_text('{"schema": "pixm-show-profile", "version": 1}', encoding="utf-8")
    catalog = open_catalog(cart / "catalog.sqlite")
    try:
        rows = []
        result = jobs.execute(catalog, JobKind.AFTERCARE, AftercareJobOptions(card_id=ids["A"]), on_job=rows.append)
    finally:
        catalog.close()
    assert result.ingest is not None and result.qc is None and "show-profile.json" in result.qc_error
    job = job_row(cart / "catalog.sqlite", rows[0])
    assert job.status == JobStatus.FAILED and "ingest QC did not run" in job.error
