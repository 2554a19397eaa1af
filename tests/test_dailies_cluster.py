"""Dailies on render nodes (issue 13): a real ``distributed.LocalCluster`` with two worker processes renders a
day of generated clips; one worker is SIGKILLed mid-clip and the day still completes, every output verified on
the cart and recorded once; path mapping between two prefixes of the same folders; worker resources.

The workers are instrumented by a worker plugin (:class:`_Spy`) that wraps the node side of
``services.dailies_cluster`` in each worker process: it notes every render a worker starts (pid, address, the
paths it was given) in a folder, and — for the kill test — the first worker to report frames claims a marker
file (``O_EXCL``: exactly one worker) and SIGKILLs itself there, so the kill always lands mid-clip, with its
partial file written, without racing a sleep."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
from fractions import Fraction
from pathlib import Path

import pytest
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.media.probe import probe_media
from pixm_desktop.media.renditions.render import file_xxh64
from pixm_desktop.services import jobs
from pixm_desktop.services.dailies_cluster import PathMap
from pixm_desktop.services.jobs import dailies
from pixm_desktop.services.settings import OffloadSettings, dailies_cluster_options
from pixm_desktop.store import renditions_repo
from pixm_desktop.store.models import Job
from support.cli import cli
from support.shoots import catalog_copy, offloaded_shoot

DAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def own_config(tmp_path, monkeypatch):
    """Never the user's own presets (the workers inherit the environment)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def shoot_db(tmp_path_factory) -> Path:
    """A catalog with cards A001 (2 clips, 23.976) and A002 (2 clips, 25) of 1 s at 320×180, offloaded to
    ``RAID`` under the module's folder and ingested."""
    return offloaded_shoot(tmp_path_factory.mktemp("cluster-shoot"),
                           [("A001", Fraction(24000, 1001), 2, 1.0), ("A002", Fraction(25), 2, 1.0)], DAY,
                           dests=("RAID",))


@pytest.fixture
def shoot(tmp_path, shoot_db):
    yield from catalog_copy(tmp_path, shoot_db)


def _cluster(**kw) -> LocalCluster:
    return LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, **kw)


class _Spy(WorkerPlugin):
    """In each worker process: note each render started (``<pid>.jsonl``), and with ``kill`` SIGKILL the first
    worker that reports frames (see the module docstring)."""

    def __init__(self, folder: str, kill: bool):
        self.folder, self.kill = folder, kill

    def setup(self, worker) -> None:
        from pixm_desktop.services import dailies_cluster as node

        folder, kill, render, report = Path(self.folder), self.kill, node.render, node._report

        def spied_render(request, **kw):
            line = {"at": time.time_ns(), "pid": os.getpid(), "address": worker.address, "clip": request.clip_name,
                    "source": str(request.source), "out_dir": str(request.out_dir)}
            with open(folder / f"{os.getpid()}.jsonl", "a") as f:
                f.write(json.dumps(line) + "\n")
            return render(request, **kw)

        def killing_report(w, topic, clip_id, frames) -> None:
            report(w, topic, clip_id, frames)
            if kill:
                try:
                    fd = os.open(folder / "killed", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                except FileExistsError:
                    return
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                os.kill(os.getpid(), signal.SIGKILL)

        node.render, node._report = spied_render, killing_report


def _spied(folder: Path) -> list[dict]:
    """The renders the workers started, in the order they started."""
    lines = [json.loads(line) for p in folder.glob("*.jsonl") for line in p.read_text().splitlines()]
    return sorted(lines, key=lambda line: line["at"])


def _names(catalog) -> dict[int, str]:
    with catalog.session() as s:
        return {c.id: c.name for c in renditions_repo.clips_for(s, day=DAY)}


def test_a_day_renders_on_both_workers_and_survives_a_worker_killed_mid_clip(tmp_path, shoot):
    spy, out = tmp_path / "spy", tmp_path / "dailies"
    spy.mkdir()
    names = _names(shoot)
    assert len(names) == 4
    with _cluster() as cluster, Client(cluster, set_as_default=False) as client:
        client.wait_for_workers(2)
        first_pids = set(client.run(os.getpid).values())
        client.register_plugin(_Spy(str(spy), kill=True), name="pixm-test-spy")
        options = DailiesJobOptions(day=DAY.isoformat(), preset="h264-review-mp4", folder=str(out),
                                    burn_in="tc,clip", cluster=cluster.scheduler_address)
        result = jobs.execute(shoot, JobKind.DAILIES, options)
    assert sorted(result.rendered) == sorted(names.values()) and not result.failed, result.failed

    killed = int((spy / "killed").read_text())
    started = _spied(spy)
    assert killed in first_pids and first_pids <= {s["pid"] for s in started}  # both workers did work
    victim = next(s["clip"] for s in started if s["pid"] == killed)
    assert [s["pid"] == killed for s in started if s["clip"] == victim].count(False) == 1  # re-run elsewhere
    assert set(result.nodes.values()) <= {s["address"] for s in started if s["pid"] != killed}

    with shoot.session() as s:
        job_id = max(j.id for j in s.query(Job).all())
        rows = renditions_repo.of_clips(s, list(names))
        assert sorted(names[r.clip_id] for r in rows) == sorted(names.values())  # each recorded once
        for r in rows:
            paths = [Path(p) for p in json.loads(r.paths)]
            assert [p.name for p in paths] == [f"{names[r.clip_id]}.mp4"]
            assert json.loads(r.xxh64) == [file_xxh64(p) for p in paths]
            assert probe_media(paths[0]).frames == r.frames > 0
            assert r.job_id == job_id
    assert not list(out.rglob("*.partial"))


def test_path_mapping_and_worker_resources(tmp_path, shoot, monkeypatch):
    """The cart sees the media under ``shoot_db``'s folder and writes to ``out``; the nodes see the same folders
    under two other prefixes (symlinks). A clip that needs ``raw`` goes to the nodes that offer it; one that
    needs ``gpu``, which no node offers, fails at once with the words to fix it."""
    spy, out = tmp_path / "spy", tmp_path / "out"
    spy.mkdir()
    out.mkdir()
    names = sorted(_names(shoot).values())[:2]
    with shoot.session() as s:
        source = dailies._readable(next(c for c in renditions_repo.clips_for(s, day=DAY) if c.name == names[0]))
    media = next(p for p in source.parents if p.name == "RAID")  # the offload's destination
    (tmp_path / "node-media").symlink_to(media, target_is_directory=True)
    (tmp_path / "node-out").symlink_to(out, target_is_directory=True)
    settings = OffloadSettings(dailies_path_map=[f"{media}={tmp_path / 'node-media'}",
                                                 f"{out}/={tmp_path / 'node-out'}"])
    needs = {names[0]: {"raw": 1}, names[1]: {"gpu": 1}}
    monkeypatch.setattr(dailies, "resources_for", lambda request: needs[request.clip_name])
    with _cluster(resources={"raw": 1}) as cluster, Client(cluster, set_as_default=False) as client:
        client.register_plugin(_Spy(str(spy), kill=False), name="pixm-test-spy")
        settings.dailies_cluster = cluster.scheduler_address
        options = DailiesJobOptions(clips=",".join(names), preset="prores-proxy-mov", folder=str(out),
                                    **dailies_cluster_options(settings))
        result = jobs.execute(shoot, JobKind.DAILIES, options)
        run = cli("dailies", "--clips", names[0], "--preset", "h264-review-mp4", "--to", out,
                  "--cluster", cluster.scheduler_address, "--path-map", f"{media}={tmp_path / 'node-media'}",
                  "--path-map", f"{out}={tmp_path / 'node-out'}", "--catalog", shoot.path)
    assert result.rendered == [names[0]]
    assert "no render node offers gpu=1" in result.failed[names[1]]
    assert run.code == 0 and "1 rendered" in run.out, run.text
    started, by_cli = _spied(spy)
    assert by_cli["out_dir"] == str(tmp_path / "node-out" / "h264-review-mp4")
    assert started["source"] == str(PathMap([(str(media), str(tmp_path / "node-media"))]).to_node(source))
    assert started["source"].startswith(str(tmp_path / "node-media") + "/")
    assert started["out_dir"] == str(tmp_path / "node-out" / "prores-proxy-mov")
    with shoot.session() as s:
        rows = renditions_repo.of_clips(s, list(_names(shoot)))
        assert sorted(json.loads(r.paths)[0] for r in rows) == [str(out / "h264-review-mp4" / f"{names[0]}.mp4"),
                                                                 str(out / "prores-proxy-mov" / f"{names[0]}.mov")]


def test_cancel_on_the_cluster_stops_every_render_and_leaves_no_partial_file(tmp_path, shoot):
    out, cancel = tmp_path / "dailies", CancelToken()
    with _cluster() as cluster:
        options = DailiesJobOptions(day=DAY.isoformat(), preset="prores-proxy-mov", folder=str(out),
                                    cluster=cluster.scheduler_address)
        with pytest.raises(CancelledError, match="dailies cancelled"):
            jobs.execute(shoot, JobKind.DAILIES, options, cancel=cancel, on_progress=lambda p: cancel.cancel())
    assert not list(out.rglob("*.partial"))
    with shoot.session() as s:
        assert not renditions_repo.of_clips(s, list(_names(shoot)))


def test_path_maps_parse_and_map_whole_components_only():
    m = PathMap.parse("/Volumes/RAID=/mnt/raid\n/Volumes/RAID/DAILIES/=/mnt/dailies\n")
    assert m.to_node(Path("/Volumes/RAID/A001/C001.mov")) == Path("/mnt/raid/A001/C001.mov")
    assert m.to_node(Path("/Volumes/RAID/DAILIES/x.mov")) == Path("/mnt/dailies/x.mov")  # the longest prefix
    assert m.to_node(Path("/Volumes/RAID2/x.mov")) == Path("/Volumes/RAID2/x.mov")  # not a component match
    assert m.to_cart("/mnt/dailies/x.mov") == Path("/Volumes/RAID/DAILIES/x.mov")
    assert PathMap.parse(m.text()).pairs == m.pairs
    with pytest.raises(UsageError, match="CART_PREFIX=NODE_PREFIX"):
        PathMap.parse(["/Volumes/RAID"])


def test_pixm_dailies_path_map_needs_a_cluster(tmp_path, shoot):
    run = cli("dailies", "--day", DAY.isoformat(), "--to", tmp_path, "--path-map", "/a=/b",
              "--catalog", shoot.path)
    assert run.code == 2 and "--cluster" in run.text
    bad = cli("dailies", "--day", DAY.isoformat(), "--to", tmp_path, "--cluster", "tcp://127.0.0.1:1",
              "--path-map", "/a", "--catalog", shoot.path)
    assert bad.code == 2 and "CART_PREFIX=NODE_PREFIX" in bad.text
