"""Offload faults at service and CLI level: full and read-only destinations, kill -9 and resume, a source file or
the whole card changing under the copy, odd names, a sparse file over 4 GiB, source verification and cascading.

Every fault must end with a clear message and nothing lost: what was verified stays verified (same inode, no
second copy), no temp file is left, no ASC MHL claims a file that was not verified, and the reference tool
``ascmhl-debug`` accepts every history that was written.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest
import xxhash

from pixm_desktop.core.errors import DestinationNotWritableError, InsufficientSpaceError, SourceError
from pixm_desktop.services.offload import OffloadService, recover_interrupted
from pixm_desktop.store.db import open_catalog
from support.cards import flip_byte, inodes, make_card, temp_files, tree, walk
from support.catalog import catalog_json, copy_states
from support.cli import WIDE, cli
from support.faults import MiB, inject_hook, run_service
from support.mhl import ascmhl_verify, assert_ascmhl_clean, generations
from support.offload import DAY, PROJECT, dest_card, offload_args, request

# ------------------------------------------------------------------------------------------- helpers


def digests(root: Path) -> dict[bytes, tuple[int, str, int]]:
    """``{relpath: (size, xxh64, mtime_ns)}`` streamed (for cards too big to hold in memory twice)."""
    files, _ = walk(root)
    out = {}
    for rel, p in files.items():
        h = xxhash.xxh64()
        with open(p, "rb") as fh:
            while chunk := fh.read(8 * MiB):
                h.update(chunk)
        st = p.stat()
        out[rel] = (st.st_size, h.hexdigest(), st.st_mtime_ns)
    return out


def mhl_texts(*folders: Path) -> str:
    """Every ASC MHL manifest under the folders, concatenated (to check what no manifest may claim)."""
    return "".join(p.read_text("utf-8") for f in folders if (f / "ascmhl").is_dir()
                   for p in (f / "ascmhl").glob("*.mhl"))


def fill(volume: Path, leave: int) -> Path:
    """Another process fills the drive: a filler file leaving about ``leave`` bytes free."""
    filler = volume / "filler.bin"
    size = shutil.disk_usage(volume).free - leave
    with open(filler, "wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, size)
    return filler


# ------------------------------------------------------------------------------- destination faults


def test_destination_fills_up_during_the_run(env, mount_tmpfs, monkeypatch) -> None:
    base, dests, catalog = env
    small = mount_tmpfs(16 * MiB).resolve()
    card = make_card(base / "cards", "red", clips=2)  # three 2 MiB R3D segments
    src = card.root
    assert len(tree(src)) == 3
    dests = [small, dests[1]]
    full, ok = (dest_card(d, "red", src.name) for d in dests)

    original = OffloadService.prepare

    def prepare_then_fill(self, req):
        prepared = original(self, req)  # the pre-flight passes: 16 MiB free for 6 MiB
        fill(small, 3 * MiB)  # …then another process takes all but 3 MiB
        return prepared

    monkeypatch.setattr(OffloadService, "prepare", prepare_then_fill)
    third = sorted(walk(src)[0])[2].decode()

    # Force the interleaving a busy machine hits by chance: the full drive's writer lags until the reader has
    # started the third file (so the reader still sees the drive as up), then runs into ENOSPC on the second;
    # the reader sends none of the third file's bytes once the drive is known full. That writer must not turn
    # the announced-but-empty third file into a padded copy under its final name.
    def until(condition) -> None:
        deadline = time.monotonic() + 30
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.005)

    real_write = os.write

    def lagging_write(fd, data):
        if threading.current_thread().name == "pixm-writer-0" and tokens:
            until(lambda: tokens[0].progress.current_file == third)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", lagging_write)
    tokens = inject_hook(monkeypatch, lambda p, n: p.current_file == third and n == 1,
                         lambda: until(lambda: tokens[0].progress.destinations[0].files_failed > 0))
    r = cli(*offload_args(src, dests, catalog))
    assert tokens[0].fired and tokens[0].progress.destinations[0].files_failed > 0
    assert r.code == 4, r.text
    failed = [ln for ln in r.out.splitlines() if ln.startswith(f"FAILED {full}/")]
    assert failed and all("destination is full" in ln for ln in failed), r.out
    assert "incomplete" in r.err

    assert tree(ok) == tree(src)  # the other destination is complete…
    assert_ascmhl_clean(ok)  # …with a valid history
    assert not (full / "ascmhl").exists()  # no history on the full one
    assert temp_files(small, dests[1], src) == []

    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert job["status"] == "failed" and str(full) in job["error"]
    assert [(d["path"], d["status"]) for d in job["destinations"]] == [(str(full), "failed"), (str(ok), "completed")]
    assert job["destinations"][0]["mhl_generation"] is None and job["destinations"][1]["mhl_generation"]
    states = copy_states(catalog)
    on_full = {f: s for (f, d), s in states.items() if d == str(full)}
    assert len(on_full) == 3 and {s for (f, d), (s, _) in states.items() if d == str(ok)} == {"verified"}
    assert any(s == "failed" and "full" in reason for s, reason in on_full.values()), on_full
    kept = {f for f, (s, _) in on_full.items() if s == "verified"}
    for f in kept:  # what did fit is verified for real
        assert (full / f).read_bytes() == (src / f).read_bytes()
    for f, (s, _) in on_full.items():
        if s != "verified":
            assert not (full / f).exists()

    # space is freed: the same command finishes the job without copying what was verified
    monkeypatch.undo()
    (small / "filler.bin").unlink()
    before = inodes(full)
    r = cli(*offload_args(src, dests, catalog))
    assert r.code == 0, r.text
    assert tree(full) == tree(src)
    assert all(inodes(full)[f.encode()] == before[f.encode()] for f in kept)
    assert_ascmhl_clean(full, ok)
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["failed", "completed"]


def test_preflight_not_enough_space_writes_nothing(env, mount_tmpfs) -> None:
    base, dests, catalog = env
    small = mount_tmpfs(2 * MiB).resolve()
    card = make_card(base / "cards", "red", clips=2)  # 6 MiB
    result, _ = run_service(catalog, request(card.root, [dests[0], small]))
    assert isinstance(result, InsufficientSpaceError), result
    assert result.exit_code == 3 and result.path == str(small) and "not enough space" in str(result)
    assert walk(small)[0] == {} and walk(dests[0])[0] == {}  # not one byte written anywhere
    assert catalog_json(catalog, "jobs", "--kind", "offload") == []


def test_preflight_read_only_destination(env, mount_tmpfs) -> None:
    base, dests, catalog = env
    ro = mount_tmpfs(4 * MiB, ro=True).resolve()
    card = make_card(base / "cards", "sound")
    result, _ = run_service(catalog, request(card.root, [dests[0], ro]))
    assert isinstance(result, DestinationNotWritableError), result
    assert result.exit_code == 3 and result.path == str(ro)
    assert "not writable" in str(result) and "read-only" in str(result).lower()
    assert walk(dests[0])[0] == {} and catalog_json(catalog, "jobs", "--kind", "offload") == []


@pytest.mark.parametrize("case", ["no-space", "read-only", "card-pulled"])
def test_cli_names_the_problem_with_its_exit_code(env, request, monkeypatch, case: str) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=2, segment_bytes=10 * MiB)  # 3 × 10 MiB
    if case == "no-space":
        target = request.getfixturevalue("mount_tmpfs")(2 * MiB).resolve()
        targets, code, words, path = [dests[0], target], 3, ["not enough space"], target
    elif case == "read-only":
        target = request.getfixturevalue("mount_tmpfs")(4 * MiB, ro=True).resolve()
        targets, code, words, path = [dests[0], target], 3, ["not writable", "read-only"], target
    else:
        inject_hook(monkeypatch, lambda p, n: p.files_done == 1 and n == 2,
                    lambda: card.root.rename(card.root.with_name("pulled")))
        targets, code, words, path = dests, 6, ["card disappeared"], card.root
    r = cli(*offload_args(card.root, targets, catalog))
    assert r.code == code, r.text
    assert all(w in r.err.lower() for w in words) and str(path) in r.err, r.err


@pytest.mark.parametrize("inside", ["card root", "subfolder"])
def test_preflight_destination_inside_the_source(env, inside: str) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    before = tree(card.root), walk(card.root)[1]
    target = card.root if inside == "card root" else card.root / "backup"

    r = cli(*offload_args(card.root, [dests[0], target], catalog))
    assert r.code == 3, r.text
    assert "overlaps the source card" in r.err
    assert (tree(card.root), walk(card.root)[1]) == before  # nothing created inside the card
    assert walk(dests[0])[0] == {} and catalog_json(catalog, "jobs", "--kind", "offload") == []


# ---------------------------------------------------------------------------------- kill and resume


def _catalog_snapshot(db: Path) -> tuple[set[tuple[bytes, bytes]], list[str]]:
    """(verified (relpath, destination) pairs, job statuses) read straight from SQLite, read-only."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return set(), []
    try:
        verified = con.execute(
            "SELECT f.relpath_raw, d.path_raw FROM copies c JOIN files f ON f.id = c.file_id "
            "JOIN destinations d ON d.id = c.destination_id WHERE c.state = 'verified'").fetchall()
        jobs = [s for (s,) in con.execute("SELECT status FROM jobs ORDER BY id")]
        return {(bytes(r), bytes(d)) for r, d in verified}, jobs
    except sqlite3.OperationalError:
        return set(), []  # not created yet
    finally:
        con.close()


def test_killed_mid_file_then_resumed(env) -> None:
    base, dests, catalog = env
    # 18 segments of 32 MiB: verified files reach the catalog while later files are still being written
    card = make_card(base / "cards", "red", clips=9, segment_bytes=32 * MiB)
    src = card.root
    folders = [dest_card(d, "red", src.name) for d in dests]
    args = offload_args(src, dests, catalog)
    log = base / "offload.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "pixm_desktop.cli", *map(str, args)], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, **WIDE})
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, f"the offload ended before it could be killed:\n{log.read_text()}"
            assert time.monotonic() < deadline, "no verified file and temp file seen in time"
            if temp_files(*folders) and _catalog_snapshot(catalog)[0]:
                os.kill(proc.pid, signal.SIGSTOP)  # freeze it, look again, then kill -9
                parts = temp_files(*folders)
                verified, jobs = _catalog_snapshot(catalog)
                if parts and verified:
                    os.kill(proc.pid, signal.SIGKILL)
                    break
                os.kill(proc.pid, signal.SIGCONT)
            time.sleep(0.01)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert jobs == ["running"]
    total = len(walk(src)[0])
    assert 0 < len(verified) < total * len(folders)
    kept = {(rel, dest): (Path(os.fsdecode(dest)) / os.fsdecode(rel)).stat().st_ino for rel, dest in verified}
    assert parts

    # the job stays "running" until the next start notices its process is gone
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["running"]
    cat = open_catalog(catalog)
    try:
        assert recover_interrupted(cat) == [1]
    finally:
        cat.close()
    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert job["status"] == "interrupted" and "run it again" in job["error"]

    r = cli(*args)
    assert r.code == 0, r.text
    assert temp_files(*folders) == []
    for (rel, dest), ino in kept.items():  # verified before the kill: not copied again
        assert (Path(os.fsdecode(dest)) / os.fsdecode(rel)).stat().st_ino == ino
    want = digests(src)
    assert all(digests(f) == want for f in folders)
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["interrupted", "completed"]
    assert {s for s, _ in copy_states(catalog).values()} == {"verified"}
    assert set(ascmhl_verify(*folders, flags=((),)).values()) == {(0, "")}


# ------------------------------------------------------------------------------------- source faults


@pytest.mark.parametrize("fault", ["shrink", "vanish"])
def test_source_file_changes_mid_copy(env, monkeypatch, fault: str) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=2, segment_bytes=10 * MiB)  # C001_001, C002_001, C002_002
    src = card.root
    rels = sorted(walk(src)[0])
    victim = rels[1].decode()  # the second file, read in two 8 MiB chunks

    def hook() -> None:
        if fault == "shrink":
            os.truncate(src / victim, 4 * MiB)
        else:
            (src / victim).unlink()

    tokens = inject_hook(monkeypatch, lambda p, n: p.current_file == victim and n == 2, hook)
    r = cli(*offload_args(src, dests, catalog))
    assert tokens[0].fired
    assert r.code == 6, r.text  # the card changed (README: 6), not a destination failure
    word = "changed during the copy" if fault == "shrink" else "vanished"
    folders = [dest_card(d, "red", src.name) for d in dests]
    for folder in folders:
        assert any(ln.startswith(f"FAILED {folder}/{victim}: ") and word in ln for ln in r.out.splitlines()), r.out
        assert not (folder / victim).exists()
        assert not (folder / "ascmhl").exists()  # no history at all, so none claims the file
    assert victim not in mhl_texts(*folders)
    assert temp_files(*folders) == []

    states = copy_states(catalog)
    for folder in folders:
        state, reason = states[(victim, str(folder))]
        assert state == "failed" and word in reason
        assert {states[(f.decode(), str(folder))][0] for f in rels if f.decode() != victim} == {"verified"}
    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert job["status"] == "failed"
    files = {f["path"]: f for f in catalog_json(catalog, "files")}
    assert files[victim]["hashes"] == {}  # no hash recorded for bytes that were not read whole


def test_pixm_verify_never_marks_an_uncompared_copy_verified(env, monkeypatch) -> None:
    """The card went back into the camera and got one more take; offloaded again, the new take vanishes mid-copy.
    A later ``pixm verify`` of the destination must leave that copy ``failed``: it was never on the drive."""
    base, dests, catalog = env
    card = make_card(base / "cards", "sound")
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    late = "99Z_01.WAV"
    (card.root / late).write_bytes(os.urandom(300_000))
    tokens = inject_hook(monkeypatch, lambda p, n: p.current_file == late, lambda: (card.root / late).unlink())
    assert cli(*offload_args(card.root, dests, catalog)).code == 6  # a card file vanished
    assert tokens[0].fired
    folder = dest_card(dests[0], "sound", card.root.name)
    assert not (folder / late).exists()
    assert copy_states(catalog)[(late, str(folder))][0] == "failed"

    r = cli("verify", folder, "--catalog", catalog)
    assert r.code == 0, r.text  # every file of the history is fine…
    state, reason = copy_states(catalog)[(late, str(folder))]
    assert state == "failed", (state, reason)  # …but the vanished take was never verified there


def test_card_disappears_mid_offload(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=3, segment_bytes=10 * MiB)  # six 10 MiB segments
    src = card.root
    away = src.with_name("pulled")
    folders = [dest_card(d, "red", src.name) for d in dests]
    want = digests(src)

    outcome, token = run_service(catalog, request(src, dests), lambda p, n: p.files_done == 4 and n == 2,
                                 lambda: src.rename(away))  # pulled in the middle of the fifth file
    assert token.fired
    assert isinstance(outcome, SourceError) and outcome.exit_code == 6, outcome
    assert "card disappeared" in str(outcome) and str(src) in str(outcome)

    (job,) = catalog_json(catalog, "jobs", "--kind", "offload")
    assert job["status"] == "interrupted" and "card disappeared" in job["error"]
    assert temp_files(*folders) == []
    assert all(not (f / "ascmhl").exists() for f in folders)
    present = []
    for folder in folders:  # whatever has a final name is a complete, correct copy
        now = digests(folder) if folder.exists() else {}
        assert all(want[rel][:2] == v[:2] for rel, v in now.items()), now
        present.append(inodes(folder) if folder.exists() else {})
    for (name, folder), (state, _) in copy_states(catalog).items():
        if state == "verified":
            assert (Path(folder) / name).exists()

    away.rename(src)  # the card is back: the same offload finishes the job
    r = cli(*offload_args(src, dests, catalog))
    assert r.code == 0, r.text
    for folder, before in zip(folders, present, strict=True):
        now = inodes(folder)
        assert {k: now[k] for k in before} == before  # what was on the drive was compared, not copied again
        assert digests(folder) == want
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["interrupted", "completed"]
    assert_ascmhl_clean(*folders)


# --------------------------------------------------------------------------------------------- names

NFC = unicodedata.normalize("NFC", "Café Szene 4.wav").encode()
NFD = unicodedata.normalize("NFD", "Café Szene 4.wav").encode()
BAD = b"bad-\xff\xfe-name.wav"


@pytest.mark.parametrize("non_utf8", [False, True], ids=["utf8-names", "with-non-utf8-name"])
def test_odd_names(env, non_utf8: bool) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "sound")
    root = os.fsencode(card.root)
    assert NFC != NFD
    odd = {b"Scene 12 & 13 take 2.wav": os.urandom(5000), NFC: b"composed" * 100, NFD: b"decomposed" * 100,
           b"L" * 246 + b".wav": b"long name", b"empty.xml": b"", b"Notes/empty note.txt": b""}
    if non_utf8:
        odd[BAD] = b"not utf-8" * 50
    os.makedirs(os.path.join(root, b"Notes"))
    for rel, data in odd.items():
        path = os.path.join(root, rel)
        with open(path, "wb") as fh:
            fh.write(data)
        os.utime(path, (1_795_400_000, 1_795_400_000))
    assert len(os.path.basename(b"L" * 246 + b".wav")) == 250
    expected = tree(card.root)

    r = cli(*offload_args(card.root, dests, catalog))
    assert r.code == 0, r.text
    folders = [Path(d["path"]) for d in catalog_json(catalog, "jobs", "--kind", "offload")[0]["destinations"]]
    for folder in folders:
        assert tree(folder) == expected  # raw names: NFC and NFD stay two files, bytes and mtimes kept
        assert temp_files(folder) == []
    states = copy_states(catalog)
    assert len(states) == len(expected) * 2 and {s for s, _ in states.values()} == {"verified"}

    if not non_utf8:
        assert_ascmhl_clean(*folders)
        return
    shown = BAD.decode("utf-8", "replace")
    warning = [ln for ln in r.out.splitlines() if ln.startswith("warning:") and shown in ln]
    assert len(warning) == len(folders), r.out  # one per destination history it could not be listed in
    before = {f["path"]: [c["verified_at"] for c in f["copies"]] for f in catalog_json(catalog, "files")}
    v = cli("verify", folders[0], "--catalog", catalog)
    assert v.code == 0, v.text
    notes = [ln for ln in v.out.splitlines() if ln.startswith("note:")]
    assert len(notes) == 1 and shown in notes[0], v.out
    after = {f["path"]: [c["verified_at"] for c in f["copies"]] for f in catalog_json(catalog, "files")}
    assert after[shown] == before[shown]  # not re-read by the verify, so not re-stamped as verified
    # the reference tool cannot be told about the name either: it reports it as new (21), and only it
    (plain,) = ascmhl_verify(folders[1], flags=((),)).values()
    assert plain[0] == 21 and "found new file bad-" in plain[1] and plain[1].count("found new file") == 1, plain


@pytest.mark.slow
def test_sparse_file_over_4gib(env) -> None:
    base, dests, catalog = env
    src = base / "cards" / "A001_1123AB.RDM"
    src.mkdir(parents=True)
    size = 4 * 1024**3 + 12345
    huge = src / "A001_C001_1123AB_001.R3D"
    with open(huge, "wb") as fh:
        fh.write(b"RED2 header")
        fh.truncate(size)
        fh.seek(size - 5)
        fh.write(b"tail!")
    if huge.stat().st_blocks * 512 > 64 * MiB:
        pytest.skip("this filesystem does not keep sparse files sparse")
    if shutil.disk_usage(dests[0]).free < size + 256 * MiB:  # the pre-flight counts a sparse file's full length
        pytest.skip(f"needs {size + 256 * MiB} bytes free on {dests[0]}; the pre-flight refuses less")
    result, _ = run_service(catalog, request(src, dests[:1]))
    assert result.ok, result
    (out,) = result.destinations
    assert (out.verified, out.failed) == (1, 0) and out.mhl_generation is not None
    copy = out.card_path / huge.name
    assert copy.stat().st_size == size
    assert copy.stat().st_blocks * 512 < 64 * MiB  # the holes stayed holes
    with open(copy, "rb") as fh:
        assert fh.read(11) == b"RED2 header"
        fh.seek(size - 5)
        assert fh.read() == b"tail!"
    (f,) = catalog_json(catalog, "files")
    assert f["size"] == size and f["copies"][0]["state"] == "verified"
    (plain,) = ascmhl_verify(out.card_path, flags=((),)).values()
    assert plain == (0, "")


# -------------------------------------------------------------------------- source verify and cascade


def test_source_verify_run_completes(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    r = cli(*offload_args(card.root, dests, catalog, "--source-verify"))
    assert r.code == 0, r.text
    folders = [dest_card(d, "arri", card.root.name) for d in dests]
    assert all(tree(f) == tree(card.root) for f in folders)
    assert {s for s, _ in copy_states(catalog).values()} == {"verified"}
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["completed"]
    assert_ascmhl_clean(*folders)


def test_source_verify_catches_a_card_that_reads_back_differently(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri")
    victim = sorted(p.name for p in card.root.glob("*.mov"))[0]

    result, token = run_service(catalog, request(card.root, dests, source_verify=True),
                                lambda p, n: p.phase == "source-verify", lambda: flip_byte(card.root / victim))
    assert token.fired
    assert result.status == "failed" and not result.ok
    assert [name for name, _ in result.source_verify_failures] == [victim]
    assert "source re-read differs" in result.source_verify_failures[0][1]
    states = copy_states(catalog)
    for out in result.destinations:
        assert states[(victim, str(out.card_path))][0] == "failed"
        assert out.mhl_generation is None and not (out.card_path / "ascmhl").exists()
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["failed"]


def test_cascade_copies_the_second_destination_from_the_first(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "sony")
    src = card.root
    expected = tree(src)
    away = src.with_name("ejected")
    n = len(expected)

    # once every file is read (and the first copy verified), the card is ejected; the cascade needs only copy 1
    result, token = run_service(catalog, request(src, dests, cascade=True),
                                lambda p, _: p.files_done >= n, lambda: src.rename(away))
    assert token.fired and not src.exists()
    assert result.ok, [(o.card_path, o.failures, o.error) for o in result.destinations]
    for out in result.destinations:
        assert (out.verified, out.failed, out.skipped) == (n, 0, 0)
        assert tree(out.card_path) == expected
        assert out.mhl_generation is not None
    assert {s for s, _ in copy_states(catalog).values()} == {"verified"}
    assert [j["status"] for j in catalog_json(catalog, "jobs", "--kind", "offload")] == ["completed"]
    assert_ascmhl_clean(*(o.card_path for o in result.destinations))
    assert generations(result.destinations[1].card_path)[0].startswith(f"0001_{src.name}_")
    assert DAY in str(result.destinations[1].card_path) and PROJECT in str(result.destinations[1].card_path)
