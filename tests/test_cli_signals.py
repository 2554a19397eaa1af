"""Signals and pipes (issue 9, case 11), on real ``pixm`` processes.

- SIGINT / SIGTERM at any phase of ``pixm offload`` (scan, copy, verification, ASC MHL writing): exit 130 / 143,
  the job recorded ``interrupted`` (never left ``running``; ``completed`` only when every file was verified
  before the stop landed, as during ASC MHL writing), no temp file left, no traceback; the same command
  afterwards finishes the job.
- A closed standard output (``pixm offload … | head -1``) never stops the work: the offload finishes, the clips
  are ingested, everything is recorded, exit 0; ``pixm clips --json | head`` ends without a traceback.
- A card file still growing during the copy exits 6 (README: the card could not be read or changed), not 4.

The phase a signal lands in is pinned without sleeps: the ``pixm`` process runs through a small launcher that
gates one function of that phase (it announces itself with a marker file and waits for a "go" file); the test
sends the signal while the process is held there, then lets it go on, so the engine meets the stop at its next
check.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from support.cards import make_card, temp_files, tree
from support.catalog import catalog_json, copy_states
from support.cli import PIXM, Gated, cli, pixm_env
from support.faults import MiB, inject_hook
from support.offload import dest_card, offload_args

PHASES = {
    "scan": "pixm_desktop.services.offload:scan_card",
    "copy": "pixm_desktop.engine.copier:_read_and_fan_out",
    "verify": "pixm_desktop.engine.copier:hash_from_media",
    "mhl": "pixm_desktop.services.offload:write_generation",
}


@pytest.fixture
def env(tmp_path: Path):
    base = tmp_path.resolve()
    dests = [base / "RAID-A", base / "SHUTTLE-B"]
    for d in dests:
        d.mkdir()  # the drives are mounted (PIXM never creates a destination root)
    return base, dests, base / "catalog.sqlite"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_signal_at_any_phase_interrupts_the_job_with_its_exit_code(env, phase: str, sig: int) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=2, segment_bytes=4 * MiB)
    args = offload_args(card.root, dests, catalog, "--no-ingest")
    folders = [dest_card(d, "red", card.root.name) for d in dests]

    run = Gated(base, PHASES[phase], *args)
    run.wait_at_gate()
    os.kill(run.proc.pid, sig)
    time.sleep(0.05)  # the handler runs in the main thread; the gate is in another thread for most phases
    run.release()
    code = run.wait()
    out = run.output
    assert code == 128 + sig, f"exit {code} after {signal.Signals(sig).name} during {phase}:\n{out}"
    assert "Traceback" not in out, out
    assert f"stopped by {signal.Signals(sig).name}" in out, out
    assert temp_files(*dests) == []
    jobs = catalog_json(catalog, "jobs", "--kind", "offload")
    if phase == "scan":
        assert jobs == []  # stopped before the job existed: nothing to record
    elif phase == "mhl":  # every file was verified before the stop: the job is complete, and says so
        assert [j["status"] for j in jobs] == ["completed"], jobs
        assert f"job {jobs[0]['id']} had completed" in out, out
    else:
        assert [j["status"] for j in jobs] == ["interrupted"], jobs
    for (name, folder), (state, _) in copy_states(catalog).items():
        if state == "verified":  # whatever is verified was compared: it is on the drive, complete
            assert (Path(folder) / name).read_bytes() == (card.root / name).read_bytes()

    again = cli(*args)  # the same command finishes the job
    assert again.code == 0, again.text
    assert all(tree(f) == tree(card.root) for f in folders)
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")][-1] == "completed"


@pytest.mark.slow
def test_offload_with_stdout_closed_finishes_ingests_and_records(env) -> None:
    """``pixm offload … | head -1``: the reader goes away; the offload must not (worst case: gone before the
    first line)."""
    base, dests, catalog = env
    card = make_card(base / "cards", "arri", clips=2)
    proc = subprocess.Popen([*PIXM, *map(str, offload_args(card.root, dests, catalog))], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=pixm_env(), cwd=base)
    proc.stdout.close()  # nobody reads: every write to stdout meets EPIPE
    err = proc.stderr.read().decode(errors="replace")
    code = proc.wait(timeout=300)
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert job["status"] == "completed"
    assert {s for s, _ in copy_states(catalog).values()} == {"verified"}
    clips = json.loads(cli("clips", "--json", "--catalog", catalog).out)
    assert len(clips) == 2 and all(c["probe_status"] == "ok" for c in clips), clips


@pytest.mark.slow
def test_offload_piped_into_head(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "sony", clips=2)
    cmd = " ".join(f"'{a}'" for a in [*PIXM, *map(str, offload_args(card.root, dests, catalog))])
    r = subprocess.run(["bash", "-c", f"set -o pipefail; {cmd} 2>{base / 'err.txt'} | head -1"],
                       capture_output=True, text=True, env=pixm_env(), cwd=base, timeout=300)
    err = (base / "err.txt").read_text()
    assert r.returncode == 0, err
    assert r.stdout.startswith("COMPLETED job 1"), r.stdout
    assert "Traceback" not in err, err
    assert len(json.loads(cli("clips", "--json", "--catalog", catalog).out)) == 2


@pytest.mark.slow
@pytest.mark.parametrize("command", [["clips", "--json"], ["catalog", "files", "--json"], ["clips"]])
def test_listing_into_a_closed_pipe_ends_quietly(env, command: list[str]) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "gopro", clips=3)
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    for closed_early in (True, False):
        proc = subprocess.Popen([*PIXM, *command, "--catalog", str(catalog)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=pixm_env(), cwd=base)
        if closed_early:
            proc.stdout.close()
        else:
            proc.stdout.read(10)  # `| head -c 10`
            proc.stdout.close()
        err = proc.stderr.read().decode(errors="replace")
        code = proc.wait(timeout=120)
        assert code == 0, err
        assert err == "", err


def test_a_file_still_growing_during_the_copy_exits_6(env, monkeypatch) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=2, segment_bytes=10 * MiB)  # read in 8 MiB chunks
    victim = sorted(p.relative_to(card.root).as_posix() for p in card.root.rglob("*.R3D"))[0]

    def grow() -> None:  # the camera is still writing this clip
        with open(card.root / victim, "ab") as fh:
            fh.write(os.urandom(MiB))

    tokens = inject_hook(monkeypatch, lambda p, n: p.current_file == victim and n == 2, grow)
    r = cli(*offload_args(card.root, dests, catalog, "--no-ingest"))
    assert tokens[0].fired
    assert r.code == 6, r.text
    assert "could not be read, changed during the copy" in " ".join(r.err.split()), r.err
    for folder in (dest_card(d, "red", card.root.name) for d in dests):
        state, reason = copy_states(catalog)[(victim, str(folder))]
        assert state == "failed" and "changed" in reason
        assert not (folder / victim).exists()
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["failed"]


@pytest.mark.slow
def test_sigterm_to_the_windows_offload_child_records_the_job_interrupted(env) -> None:
    """A logout or shutdown sends SIGTERM to the window's offload child too: the job must end ``interrupted``
    (offered for resume), never stay ``running``. The job is paused from the window before it starts, so the
    child holds at its first chunk and the signal lands mid-copy whatever the machine's speed."""
    import multiprocessing as mp
    import threading

    from pixm_desktop.core.errors import CancelledError
    from pixm_desktop.core.model import CancelToken
    from pixm_desktop.services.jobs.supervisor import run_offload_process
    from support.offload import request

    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=2, segment_bytes=4 * MiB)

    class Holder:
        progress = None

    holder, cancel, box = Holder(), CancelToken(), {}
    cancel.pause()  # the window's Pause, pressed before the child started: sent as its first command

    def window() -> None:
        try:
            box["result"] = run_offload_process(catalog, request(card.root, dests), cancel, holder)
        except BaseException as exc:
            box["error"] = exc

    t = threading.Thread(target=window)
    t.start()
    try:
        deadline = time.monotonic() + 120
        while holder.progress is None or not catalog_json(catalog, "jobs", "--kind", "offload"):  # running, held at the first chunk
            assert t.is_alive() and time.monotonic() < deadline, box
            time.sleep(0.05)
        assert holder.progress.bytes_read == 0
        (child,) = mp.active_children()
        os.kill(child.pid, signal.SIGTERM)
    finally:
        t.join(120)
    assert isinstance(box.get("error"), CancelledError), box
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["interrupted"]
    assert temp_files(*dests) == []
