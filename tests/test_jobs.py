"""The job layer without Qt (issue 10, item 2): one test per job kind through ``services.jobs`` — a persisted row
(kind, status, options, UTC timestamps, log), progress values yielded, cancel ends it ``cancelled`` with nothing
half-recorded, and a child killed by SIGKILL through the supervisor is marked ``interrupted`` at the next start.
Then the scheduling rule, the one definition of what follows a verified offload, the migration to 0005 and
``pixm offload`` / ``pixm verify`` / ``pixm catalog jobs`` on the same kinds."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import signal
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from pixm_desktop.cli import build_parser
from pixm_desktop.core.errors import CancelledError, ChildProcessFailedError, UsageError
from pixm_desktop.core.model import CancelToken, JobStatus, ProgressSnapshot
from pixm_desktop.core.states import (
    AftercareJobOptions,
    IngestJobOptions,
    JobKind,
    JobOptions,
    ReportJobOptions,
    VerifyJobOptions,
    job_options,
)
from pixm_desktop.services import jobs
from pixm_desktop.services.clips import IngestProgress
from pixm_desktop.services.jobs import schedule
from pixm_desktop.services.jobs.offload import OffloadKind
from pixm_desktop.services.jobs.report import ReportProgress
from pixm_desktop.services.jobs.supervisor import run_job_in_child
from pixm_desktop.services.jobs.verify import VerifyProgress
from pixm_desktop.services.settings import OffloadSettings
from pixm_desktop.store.db import MIGRATIONS, SCHEMA_HEAD, open_catalog
from pixm_desktop.store.models import Clip, Copy, Job
from support.cards import make_card, temp_files
from support.catalog import catalog_json, job_row
from support.cli import cli
from support.offload import dest_card, offload_args, request

WAIT = 120  # s: ceiling for a child to start and record its row; the wait ends as soon as it has


@pytest.fixture
def no_leaks():
    """Fails a test that leaves a job's thread or child process running."""
    before = set(threading.enumerate())
    yield
    for child in mp.active_children():
        child.join(10)
    assert mp.active_children() == [], "child processes left running"
    alive = [t.name for t in set(threading.enumerate()) - before if t.is_alive() and not t.daemon]
    assert not alive, f"threads left running: {alive}"


@pytest.fixture
def offloaded(env, no_leaks):
    """``(catalog path, offload result, card, destination roots)``: a 2-clip ARRI card offloaded through the job
    layer (in this process), nothing after it."""
    base, dests, catalog_path = env
    card = make_card(base / "cards", "arri", clips=2)
    catalog = open_catalog(catalog_path)
    try:
        result = jobs.execute(catalog, JobKind.OFFLOAD, request(card.root, dests))
    finally:
        catalog.close()
    assert result.ok
    return catalog_path, result, card, dests



def _assert_row(job: Job, kind: JobKind, status: JobStatus, options) -> None:
    """The row as the job layer promises it: kind, status, typed options, UTC-aware ordered timestamps, a log."""
    assert (job.kind, job.status) == (kind.value, status.value)
    assert job_options(job.kind, job.options) == options
    created, started, finished = (job.created_at, job.started_at, job.finished_at)
    catalog_utc = [t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t for t in (created, started, finished)]
    assert catalog_utc[0] <= catalog_utc[1] <= catalog_utc[2]
    assert job.host and job.pid
    assert job.log and "started" in job.log and f"ended {status.value}" in job.log


def _execute(catalog_path: Path, kind, options, *, cancel_at: int | None = None, cancel_on_row: bool = False):
    """Run the job in this process; ``(result or error, progress values, job id)``. With ``cancel_at``, the user
    cancels when that many progress values have come; with ``cancel_on_row`` the job is paused from the start
    and the user cancels once its row exists (an offload then stops at its first chunk)."""
    cancel = CancelToken()
    seen: list = []
    ids: list[int] = []
    if cancel_on_row:
        cancel.pause()

    def row(job_id: int) -> None:
        ids.append(job_id)
        if cancel_on_row:
            cancel.cancel(by_user=True)

    def progress(value) -> None:
        seen.append(value)
        if cancel_at is not None and len(seen) >= cancel_at:
            cancel.cancel(by_user=True)

    catalog = open_catalog(catalog_path)
    try:
        try:
            out = jobs.execute(catalog, kind, options, cancel=cancel, on_progress=progress, on_job=row)
        except CancelledError as exc:
            out = exc
    finally:
        catalog.close()
    return out, seen, ids[0] if ids else None


def _killed_in_child(catalog_path: Path, kind: JobKind, options) -> int:
    """Run the job in a child through the supervisor, held paused at its first step; SIGKILL the child once its
    row exists; the next start marks the row ``interrupted``. Returns the job id."""
    cancel, ids, box = CancelToken(), [], {}
    cancel.pause()  # sent before the child starts its work: it holds at its first step, whatever the machine

    def parent() -> None:
        try:
            box["result"] = run_job_in_child(catalog_path, kind, options, cancel, lambda p: None,
                                             on_job=ids.append, name="pixm-test-kill")
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=parent)
    t.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=WAIT)
        while not ids:
            assert t.is_alive() and dt.datetime.now() < deadline, box
            t.join(0.05)
        row = job_row(catalog_path, ids[0])
        assert row.status == JobStatus.RUNNING and row.pid != os.getpid()
        os.kill(row.pid, signal.SIGKILL)
        t.join(WAIT)
    finally:
        cancel.cancel()  # a child that was not killed stops (never left behind)
        t.join()
    assert isinstance(box.get("error"), ChildProcessFailedError), box
    assert job_row(catalog_path, ids[0]).status == JobStatus.RUNNING  # until the next start notices
    catalog = open_catalog(catalog_path)
    try:
        assert ids[0] in jobs.recover_interrupted(catalog)
    finally:
        catalog.close()
    row = job_row(catalog_path, ids[0])
    assert (row.kind, row.status) == (kind.value, JobStatus.INTERRUPTED.value) and "run it again" in row.error
    return ids[0]


# --- one test per job kind ---------------------------------------------------------------------------------------


def test_offload_kind(env, no_leaks):
    base, dests, catalog_path = env
    card = make_card(base / "cards", "arri", clips=2)
    req = request(card.root, dests)
    result, seen, job_id = _execute(catalog_path, JobKind.OFFLOAD, req)
    assert result.ok and job_id == result.job_id
    assert seen and all(isinstance(p, ProgressSnapshot) for p in seen)
    assert seen[-1].bytes_read == seen[-1].total_bytes > 0
    _assert_row(job_row(catalog_path, job_id), JobKind.OFFLOAD, JobStatus.COMPLETED,
                JobOptions(False, False, tuple(str(d) for d in dests)))
    catalog = open_catalog(catalog_path)
    try:
        run = jobs.prepare(catalog, JobKind.OFFLOAD, req)
        assert run.resources >= {f"source:{os.path.realpath(card.root)}"}
        assert any(k.startswith("drive:") for k in run.resources)
    finally:
        catalog.close()

    # cancel by the user before the first byte: cancelled, no temp file, no copy, no ASC MHL history
    other = make_card(base / "cards2", "sony", clips=2)
    out, _seen, cancelled_id = _execute(catalog_path, JobKind.OFFLOAD, request(other.root, dests),
                                        cancel_on_row=True)
    assert isinstance(out, CancelledError)
    job = job_row(catalog_path, cancelled_id)
    assert job.status == JobStatus.CANCELLED and job.finished_at is not None
    folders = [dest_card(d, "sony", other.root.name) for d in dests]
    assert temp_files(*folders) == [] and not any((f / "ascmhl").exists() for f in folders)
    catalog = open_catalog(catalog_path)
    try:
        with catalog.session() as s:
            assert s.query(Copy).filter(Copy.job_id == cancelled_id, Copy.state == "verified").count() == 0
    finally:
        catalog.close()

    third = make_card(base / "cards3", "red", clips=2)
    _killed_in_child(catalog_path, JobKind.OFFLOAD, request(third.root, dests))


def test_verify_kind(offloaded):
    catalog_path, result, card, dests = offloaded
    folder = dest_card(dests[0], "arri", card.root.name)
    options = VerifyJobOptions(path=str(folder))
    outcome, seen, job_id = _execute(catalog_path, JobKind.VERIFY, options)
    assert outcome.ok and outcome.catalog_checked and outcome.generation is not None
    assert isinstance(seen[-1], VerifyProgress) and seen[-1].done == result.files
    job = job_row(catalog_path, job_id)
    _assert_row(job, JobKind.VERIFY, JobStatus.COMPLETED, options)
    assert job.card_id == result.card_id

    # by destination id, cancelled before the first file: no generation, copy states unchanged
    catalog = open_catalog(catalog_path)
    try:
        with catalog.session() as s:
            dest_id = s.query(Copy.destination_id).filter(Copy.job_id == result.job_id).first()[0]
            states = sorted((c.file_id, c.state, c.verified_at) for c in s.query(Copy))
    finally:
        catalog.close()
    generations = sorted(os.listdir(folder / "ascmhl"))
    out, _seen, cancelled_id = _execute(catalog_path, JobKind.VERIFY, VerifyJobOptions(destination_id=dest_id),
                                        cancel_at=1)
    assert isinstance(out, CancelledError)
    assert job_row(catalog_path, cancelled_id).status == JobStatus.CANCELLED
    assert sorted(os.listdir(folder / "ascmhl")) == generations
    catalog = open_catalog(catalog_path)
    try:
        with catalog.session() as s:
            assert sorted((c.file_id, c.state, c.verified_at) for c in s.query(Copy)) == states
        with pytest.raises(UsageError):
            jobs.prepare(catalog, JobKind.VERIFY, VerifyJobOptions(path=str(folder / "nothing-here")))
        held = jobs.prepare(catalog, JobKind.VERIFY, options).resources
        offload = jobs.prepare(catalog, JobKind.OFFLOAD, request(card.root, dests)).resources
        assert held and held <= offload  # the folder's drive, keyed as the offload's: they wait in turn
    finally:
        catalog.close()

    _killed_in_child(catalog_path, JobKind.VERIFY, VerifyJobOptions(path=str(folder)))


def _clip_states(catalog_path: Path) -> list[tuple[str, str]]:
    catalog = open_catalog(catalog_path)
    try:
        with catalog.session() as s:
            return sorted((c.name, c.probe_status) for c in s.query(Clip))
    finally:
        catalog.close()


def test_ingest_kind(offloaded):
    catalog_path, result, _card, _dests = offloaded
    options = IngestJobOptions(card_id=result.card_id)

    # cancelled after grouping: clips known, none half-probed; the next ingest carries on
    out, seen, cancelled_id = _execute(catalog_path, JobKind.INGEST, options, cancel_at=1)
    assert isinstance(out, CancelledError) and seen[0].phase == "group"
    assert job_row(catalog_path, cancelled_id).status == JobStatus.CANCELLED
    assert {status for _name, status in _clip_states(catalog_path)} == {"pending"}

    ingest, seen, job_id = _execute(catalog_path, JobKind.INGEST, options)
    assert ingest.clips == 2 and ingest.probed == 2
    assert all(isinstance(p, IngestProgress) for p in seen) and [p.phase for p in seen][0] == "group"
    assert seen[-1].done == seen[-1].total == 2
    _assert_row(job_row(catalog_path, job_id), JobKind.INGEST, JobStatus.COMPLETED, options)
    assert {status for _name, status in _clip_states(catalog_path)} == {"ok"}

    _killed_in_child(catalog_path, JobKind.INGEST, IngestJobOptions(card_id=result.card_id, force=True))


def test_report_kind(offloaded, tmp_path):
    catalog_path, result, card, _dests = offloaded
    folder = tmp_path / "reports"
    options = ReportJobOptions(report="offload", job_id=result.job_id, folder=str(folder))

    out, seen, cancelled_id = _execute(catalog_path, JobKind.REPORT, options, cancel_at=1)
    assert isinstance(out, CancelledError) and isinstance(seen[0], ReportProgress)
    assert job_row(catalog_path, cancelled_id).status == JobStatus.CANCELLED
    assert not folder.exists()  # nothing half-written

    path, seen, job_id = _execute(catalog_path, JobKind.REPORT, options)
    assert path == folder / f"{card.root.name}_offload.pdf" and path.read_bytes().startswith(b"%PDF")
    assert [p.phase for p in seen] == ["writing"]
    job = job_row(catalog_path, job_id)
    _assert_row(job, JobKind.REPORT, JobStatus.COMPLETED, options)
    assert job.card_id == result.card_id and str(path) in job.log

    daily = ReportJobOptions(report="daily", day="2026-11-23", path=str(tmp_path / "day.pdf"))
    path, _seen, day_id = _execute(catalog_path, JobKind.REPORT, daily)
    assert path.read_bytes().startswith(b"%PDF")
    assert job_row(catalog_path, day_id).card_id is None  # a job of no single card (jobs.card_id nullable)
    catalog = open_catalog(catalog_path)
    try:
        with pytest.raises(UsageError):  # checked before any row: a job that cannot start has none
            jobs.prepare(catalog, JobKind.REPORT, ReportJobOptions(job_id=day_id, path=str(tmp_path / "x.pdf")))
    finally:
        catalog.close()

    _killed_in_child(catalog_path, JobKind.REPORT, options)


def test_aftercare_kind(offloaded, tmp_path):
    catalog_path, result, card, _dests = offloaded
    settings = OffloadSettings(report_folder=str(tmp_path / "reports"))
    options = jobs.after_offload(settings, result.card_id, result.job_id)

    out, _seen, cancelled_id = _execute(catalog_path, JobKind.AFTERCARE, options, cancel_at=1)
    assert isinstance(out, CancelledError)
    assert job_row(catalog_path, cancelled_id).status == JobStatus.CANCELLED
    assert not (tmp_path / "reports").exists()  # the report follows the clips: not written

    done, seen, job_id = _execute(catalog_path, JobKind.AFTERCARE, options)
    assert done.ingest.clips == 2 and done.report and Path(done.report).parent == tmp_path / "reports"
    assert all(isinstance(p, IngestProgress) for p in seen) and len(seen) == 2 + 2  # group, 2 clips, done
    job = job_row(catalog_path, job_id)
    _assert_row(job, JobKind.AFTERCARE, JobStatus.COMPLETED, options)
    assert done.report in job.log and job.card_id == result.card_id

    _killed_in_child(catalog_path, JobKind.AFTERCARE, options)


# --- the rules around the kinds ----------------------------------------------------------------------------------


def test_after_offload_is_one_definition_of_the_settings():
    s = OffloadSettings(report_folder="/r", min_copies=3, distinct_drives=False)
    assert jobs.after_offload(s, 7, 9) == AftercareJobOptions(7, 9, True, "/r", 3, False)
    assert jobs.after_offload(s, 7, 9, report=False).report_folder is None
    assert jobs.after_offload(s, 7, 9, clips=False).ingest is False
    assert jobs.after_offload(s, 7, 9, clips=False, report=False) is None
    assert jobs.after_offload(OffloadSettings(auto_report=False, ingest_clips=False), 7, 9) is None
    assert jobs.after_offload(s, 7, None, clips=False) is None  # no job: no report to write


def test_scheduler_rule_over_resource_keys():
    raid, shuttle = frozenset({"source:/a", "drive:sda"}), frozenset({"source:/b", "drive:sdb"})
    both = frozenset({"source:/c", "drive:sda", "drive:sdb"})
    assert schedule.may_start(shuttle, [raid]) and not schedule.may_start(both, [raid])
    assert schedule.runnable([("both", both), ("shuttle", shuttle)], [raid]) == []  # no overtaking on sdb
    assert schedule.runnable([("shuttle", shuttle), ("both", both)], []) == ["shuttle"]
    cpu = frozenset({"cpu"})
    assert schedule.runnable([("clips", cpu), ("report", cpu), ("raid", raid)], []) == ["clips", "raid"]
    assert not schedule.may_start(cpu, [cpu])


def test_every_kind_is_registered_and_options_parse_in_one_place():
    assert set(jobs.KINDS) == set(JobKind)
    for kind in JobKind:
        assert jobs.kind_spec(kind).kind is kind
    with pytest.raises(UsageError):
        jobs.kind_spec("transcode")
    assert job_options("verify", '{"destination_id": 4, "write": false, "junk": 1}') == VerifyJobOptions(
        destination_id=4, write=False)
    assert job_options("report", "not json") == ReportJobOptions()
    assert job_options("offload", '{"cascade": true}') == JobOptions(cascade=True)


def _alembic(engine, action, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        action(cfg, revision)


def test_catalog_at_0004_upgrades_to_jobs_of_every_kind(tmp_path):
    path = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{path}")
    _alembic(engine, command.upgrade, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, name, created_at) VALUES (1, 'Film', '2026-11-23 08:00:00')"))
        conn.execute(text("INSERT INTO shoot_days (id, project_id, day) VALUES (1, 1, '2026-11-23')"))
        conn.execute(text(
            "INSERT INTO cards (id, label, camera, reel, quick_fingerprint, file_count, total_bytes, source_path, "
            "shoot_day_id, created_at) VALUES (1, 'A001R1AB', 'arri', 'A001', 'f00d', 0, 0, '/c', 1, "
            "'2026-11-23 08:00:00')"))
        conn.execute(text(
            "INSERT INTO jobs (id, card_id, kind, status, source_path, algorithms, template, options, host, "
            "tool_version, files_total, bytes_total, created_at) VALUES (1, 1, 'offload', 'completed', '/c', "
            "'xxh64', '', '{\"cascade\": true}', 'cart', '0.1', 0, 0, '2026-11-23 08:00:00')"))
    engine.dispose()
    catalog = open_catalog(path)
    try:
        with catalog.engine.begin() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
            assert conn.execute(text("SELECT card_id, kind, options, log FROM jobs")).one() == (
                1, "offload", '{"cascade": true}', None)
            conn.execute(text(  # a job of no single card
                "INSERT INTO jobs (card_id, kind, status, source_path, algorithms, template, options, host, "
                "tool_version, files_total, bytes_total, created_at) VALUES (NULL, 'report', 'completed', '', '', "
                "'', '{}', 'cart', '0.1', 0, 0, '2026-11-23 09:00:00')"))
    finally:
        catalog.close()
    rows = catalog_json(path, "jobs")
    assert [(r["kind"], r["card"]) for r in rows] == [("offload", "A001R1AB"), ("report", None)]
    assert rows[0]["cascade"] is True and rows[1]["options"] == ReportJobOptions().to_dict()


# --- the CLI schedules the same kinds ------------------------------------------------------------------------------


def test_pixm_offload_runs_the_aftercare_and_pixm_verify_writes_a_verify_row(env, no_leaks):
    base, dests, catalog = env
    card = make_card(base / "cards", "arri", clips=2)
    r = cli(*offload_args(card.root, dests, catalog, "--no-clips"))
    assert r.code == 0, r.text
    report = base / "reports" / f"{card.root.name}_offload.pdf"  # beside the catalog, as the window's default
    assert f"offload report: {report}" in r.out.replace("\n", "") and report.read_bytes().startswith(b"%PDF")
    folder = dest_card(dests[0], "arri", card.root.name)
    assert cli("verify", folder, "--catalog", catalog).code == 0

    card2 = make_card(base / "cards2", "sony", clips=2)
    r = cli(*offload_args(card2.root, dests, catalog, "--no-clips", "--no-report"))
    assert r.code == 0 and "offload report" not in r.out, r.text
    rows = catalog_json(catalog, "jobs")
    assert [(j["kind"], j["status"]) for j in rows] == [
        ("offload", "completed"), ("aftercare", "completed"), ("verify", "completed"), ("offload", "completed")]
    after = job_options("aftercare", json.dumps(rows[1]["options"]))
    assert (after.ingest, after.report_folder, after.job_id) == (False, "", rows[0]["id"])
    assert rows[2]["options"]["path"] == str(folder) and rows[2]["card"] == card.root.name
    assert [j["kind"] for j in catalog_json(catalog, "jobs", "--kind", "verify")] == ["verify"]
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    help_text = sub.choices["offload"].format_help()
    assert "--no-clips" in help_text and "--no-report" in help_text


def test_kinds_are_picklable_options_for_the_child():
    import pickle

    for options in (VerifyJobOptions(path="/x"), IngestJobOptions(card_id=1), ReportJobOptions(job_id=2),
                    AftercareJobOptions(card_id=1, job_id=2), request(Path("/c"), [Path("/d")])):
        assert pickle.loads(pickle.dumps(options)) == options
    assert OffloadKind(wait=False).wait is False
