"""Soak: one catalog used by every kind of PIXM user at once (issue 9, "database disk image is malformed").

For ``$PIXM_SOAK_SECONDS`` (default 60; the issue note ran it for 10 minutes), against ONE new catalog:

- the window's child processes, started the way the window starts them: offloads through
  ``services.jobs.supervisor.run_offload_process``, each verified card's clips and report through the aftercare
  job's child (``run_job_in_child`` with the ``aftercare`` kind), reports laid out in the kept ``ServiceProcess``;
- ``pixm`` commands as separate processes: ``offload`` (also of cards the window is offloading: they wait in
  line), ``verify``, ``ingest``, ``report daily``, ``catalog files --json``;
- readers in this process, on one shared ``Catalog`` as the window's pages use it from worker threads:
  ``status.card_statuses``, ``status.file_state_table``, ``status.history``, ``clips.list_clips``.

Then: ``PRAGMA integrity_check`` is ``ok``, no foreign key is broken, every read succeeded, every command and
child ended as it should (offloads verified, exit 0), no job is left ``running``. The figures are printed
(``-s``) and written to ``$PIXM_SOAK_REPORT`` when set.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import sqlite3
import subprocess
import threading
import time
import traceback
from pathlib import Path

import pytest

from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import JobKind
from pixm_desktop.gui import aftercare
from pixm_desktop.services import clips as clip_service
from pixm_desktop.services import reports, status
from pixm_desktop.services.clips import ClipFilter
from pixm_desktop.services.jobs.supervisor import ServiceProcess, run_job_in_child, run_offload_process
from pixm_desktop.services.offload import OffloadRequest
from pixm_desktop.store.db import open_catalog
from support.cards import make_card
from support.cli import PIXM, pixm_env
from support.faults import MiB
from support.offload import DAY, PROJECT, dest_card

SECONDS = float(os.environ.get("PIXM_SOAK_SECONDS", "60"))
#: every one of these must have run at least once for the soak to end (and to pass)
OPERATIONS = ("window offload", "window aftercare", "window report", "pixm offload", "pixm verify", "pixm ingest",
              "pixm report", "read card_statuses", "read clips")
ROOTS = 40  # destination root pairs a card cycles through: a new pair means a real copy


class Soak:
    def __init__(self, base: Path, catalog: Path, cards: list):
        self.base, self.catalog, self.cards = base, catalog, cards
        self.stop_at = time.monotonic() + SECONDS
        self.hard_stop = self.stop_at + 9 * SECONDS
        self.counts: collections.Counter = collections.Counter()
        self.errors: list[str] = []
        self.folders: list[Path] = []  # destination card folders with a history (verify targets)
        self.offloaded: set[str] = set()  # card labels in the catalog
        self.lock = threading.Lock()

    def offloaded_to(self, card, roots: list[Path]) -> None:
        with self.lock:
            self.offloaded.add(card.root.name)
            self.folders.extend(dest_card(r, card.camera.value, card.root.name) for r in roots)

    @property
    def running(self) -> bool:
        """Until the time is up and every operation ran at least once (a loaded machine runs fewer in the
        time: the soak goes on rather than fail for it), within a hard bound of ten times the time."""
        now = time.monotonic()
        with self.lock:
            missing = any(self.counts[what] == 0 for what in OPERATIONS)
        return (now < self.stop_at or (missing and now < self.hard_stop)) and len(self.errors) < 5

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def fail(self, what: str, detail: str) -> None:
        with self.lock:
            self.errors.append(f"{what}: {detail}")

    def request(self, card, n: int, who: str) -> OffloadRequest:
        roots = [self.base / "dest" / f"{who}{n % ROOTS}-{side}" for side in "AB"]
        for r in roots:
            r.mkdir(parents=True, exist_ok=True)  # mounted drives (PIXM never creates a destination root)
        return OffloadRequest(source=card.root, destinations=roots, project=PROJECT, day=dt.date.fromisoformat(DAY))

    def loop(self, name: str, step) -> None:
        n = 0
        while self.running:
            try:
                step(n)
            except BaseException:
                self.fail(name, traceback.format_exc())
            n += 1


class _Holder:
    progress = None


def window_offloads(soak: Soak, lane: str) -> None:
    """The window: an offload child process per card, then the aftercare child (clips + offload report); jobs
    on different drives run side by side (one ``lane`` each)."""
    def step(n: int) -> None:
        card = soak.cards[(n + len(lane)) % len(soak.cards)]
        req = soak.request(card, n, lane)
        result = run_offload_process(soak.catalog, req, CancelToken(), _Holder(), name=f"soak-offload-{n}")
        soak.count("window offload")
        if not result.ok:
            soak.fail("window offload", f"{card.root.name}: {result.status}")
            return
        soak.offloaded_to(card, req.destinations)
        task = aftercare.AftercareTask(result.card_id, result.job_id, card.root.name, True, str(soak.base / "reports"))
        out = run_job_in_child(soak.catalog, JobKind.AFTERCARE, task.options, task.cancel, lambda p: None,
                               name=f"soak-aftercare-{n}")
        soak.count("window aftercare")
        if out.report_error:
            soak.fail("window aftercare", out.report_error)

    soak.loop("window", step)


def window_reports(soak: Soak) -> None:
    services = ServiceProcess(open_catalog(soak.catalog))
    try:
        def step(n: int) -> None:
            services.call(reports.write_daily_report, dt.date.fromisoformat(DAY), soak.base / f"daily-{n % 3}.pdf")
            soak.count("window report")

        soak.loop("window reports", step)
    finally:
        services.shutdown()
        services.catalog.close()


def cli_commands(soak: Soak, kinds: tuple[str, ...]) -> None:
    def pixm(*args: object) -> tuple[int, str]:
        r = subprocess.run([*PIXM, *map(str, args), "--catalog", str(soak.catalog)], capture_output=True,
                           text=True, env=pixm_env(), cwd=soak.base, timeout=300)
        return r.returncode, r.stdout + r.stderr

    def step(n: int) -> None:
        kind = kinds[n % len(kinds)]
        with soak.lock:
            done = list(soak.offloaded)
            folders = list(soak.folders)
        if kind == "offload":
            card = soak.cards[(n * 7 + 3) % len(soak.cards)]
            req = soak.request(card, n, "c")
            args = ["offload", card.root, *sum((["--dest", d] for d in req.destinations), []), "--project",
                    PROJECT, "--day", DAY, "--no-ingest"]
        elif kind == "verify" and folders:
            args = ["verify", folders[n % len(folders)]]
        elif kind == "ingest" and done:
            args = ["ingest", done[n % len(done)], "--no-thumbnails"]
        elif kind == "report" and done:
            args = ["report", "daily", "--day", DAY, "-o", soak.base / f"cli-daily-{n % 3}.pdf"]
        elif kind == "catalog":
            args = ["catalog", "files", "--json"]
        else:
            time.sleep(0.2)  # nothing offloaded yet
            return
        code, out = pixm(*args)
        soak.count(f"pixm {kind}")
        if code != 0 or "Traceback" in out:
            soak.fail(f"pixm {kind}", f"exit {code}\n{out[-3000:]}")
        elif kind == "offload":
            soak.offloaded_to(card, req.destinations)

    soak.loop("cli", step)


def readers(soak: Soak, catalog) -> None:
    def step(n: int) -> None:
        cards = status.card_statuses(catalog)
        soak.count("read card_statuses")
        for c in cards[:3]:
            status.file_state_table(catalog, c.id)
            soak.count("read file_state_table")
        clip_service.list_clips(catalog, ClipFilter(limit=200))
        soak.count("read clips")
        status.history(catalog)
        soak.count("read history")
        time.sleep(0.1)  # the window's pages refresh on a timer, not in a tight loop

    soak.loop("reader", step)


@pytest.mark.slow
def test_one_catalog_under_window_cli_and_readers(tmp_path: Path) -> None:
    base = tmp_path.resolve()
    catalog = base / "catalog.sqlite"
    cards = [make_card(base / f"cards{i}", "sound", reel=f"S{i:03d}", seed=i) for i in range(3)]
    cards += [make_card(base / f"cards-red{i}", "red", reel=f"A{i:03d}", clips=2, segment_bytes=2 * MiB, seed=i)
              for i in range(2)]
    cards += [make_card(base / "cards-arri", "arri", reel="B001", clips=2, seed=9)]
    soak = Soak(base, catalog, cards)
    started = time.monotonic()
    shared = None

    def reader_thread() -> None:
        while shared is None and soak.running:
            time.sleep(0.05)
        readers(soak, shared)

    threads = [threading.Thread(target=window_offloads, args=(soak, "w"), name="soak-window"),
               threading.Thread(target=window_offloads, args=(soak, "vv"), name="soak-window2"),
               threading.Thread(target=cli_commands, args=(soak, ("offload", "verify", "ingest")), name="soak-cli"),
               threading.Thread(target=cli_commands, args=(soak, ("report", "catalog", "offload", "verify")),
                                name="soak-cli2"),
               threading.Thread(target=reader_thread, name="soak-reader1"),
               threading.Thread(target=reader_thread, name="soak-reader2")]
    for t in threads:
        t.start()
    try:
        shared = open_catalog(catalog)  # the window's own catalog, opened while the others create it
        window_reports(soak)
    finally:
        soak.stop_at = soak.hard_stop = 0  # whatever happened, every thread stops now
        for t in threads:
            t.join(timeout=600)
        if shared is not None:
            shared.close()
    elapsed = time.monotonic() - started

    con = sqlite3.connect(catalog)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchall()
        broken_keys = con.execute("PRAGMA foreign_key_check").fetchall()
        jobs = collections.Counter(s for (s,) in con.execute("SELECT status FROM jobs"))
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
                for t in ("cards", "files", "copies", "jobs", "clips")}
    finally:
        con.close()
    figures = {"seconds": round(elapsed, 1), "operations": dict(soak.counts), "total": sum(soak.counts.values()),
               "jobs": dict(jobs), "rows": rows, "integrity_check": integrity, "errors": soak.errors}
    print(json.dumps(figures, indent=1))
    if os.environ.get("PIXM_SOAK_REPORT"):
        Path(os.environ["PIXM_SOAK_REPORT"]).write_text(json.dumps(figures, indent=1))
    assert soak.errors == [], "\n\n".join(soak.errors)
    assert integrity == [("ok",)]
    assert broken_keys == []
    assert set(jobs) <= {"completed"}, jobs
    for what in OPERATIONS:
        assert soak.counts[what] > 0, (what, soak.counts)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_never_uses_the_parents_connections(tmp_path: Path) -> None:
    """The classic cause of "database disk image is malformed": a connection opened before ``fork`` used by both
    processes. PIXM starts its children with ``spawn``; any fork still gets a pool of its own."""
    from pixm_desktop.services.jobs import supervisor as processes

    assert processes._CTX.get_start_method() == "spawn"
    catalog = open_catalog(tmp_path / "c.sqlite")
    try:
        status.card_statuses(catalog)  # a connection is now pooled in this process
        assert catalog.engine.pool.checkedin() == 1
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report what its pool holds, use the catalog, leave without cleanup
            try:
                os.close(read)
                inherited = catalog.engine.pool.checkedin()
                status.card_statuses(catalog)
                os.write(write, str(inherited).encode())
            finally:
                os._exit(0)
        os.close(write)
        inherited = os.read(read, 16).decode()
        os.close(read)
        os.waitpid(pid, 0)
        assert inherited == "0"
        status.card_statuses(catalog)  # the parent's own connection still works
    finally:
        catalog.close()
    con = sqlite3.connect(tmp_path / "c.sqlite")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()
