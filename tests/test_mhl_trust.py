"""ASC MHL histories under attack or contention (issue 9, cases 3, 7, 8, 9): the history's own lock, readers that
never see a half-written append, hostile references and symbolic links, entries that cannot be verified.

The ASC reference tool (``ascmhl-debug verify``) judges every history PIXM writes here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pixm_desktop.core.errors import MhlChainError, MhlFormatError
from pixm_desktop.core.hashes import HashAlgorithm, hash_bytes
from pixm_desktop.mhl import VerifyStatus, read_history, verify_history, verify_legacy, write_generation
from pixm_desktop.mhl import reader as reader_mod
from pixm_desktop.mhl.reader import read_chain
from support.mhl import CREATOR, WHEN, hash_card, make_card, ref_verify

LOCK_NAME = ".pixm-history.lock"


def lock_module():
    """``pixm_desktop.mhl.lock``, imported per test so the other tests of this file run on code without it."""
    from pixm_desktop.mhl import lock

    return lock

CLIP = "Clips/A002C006_141024_R2EC.mov"


@pytest.fixture
def card(tmp_path: Path) -> Path:
    root = make_card(tmp_path)
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    return root


def rechain(root: Path) -> None:
    """Rewrite every C4 of the chain to match the manifests as they are now (an attacker's self-consistent edit)."""
    chain = root / "ascmhl" / "ascmhl_chain.xml"
    text = chain.read_text("utf-8")
    for entry in read_chain(chain):
        new = hash_bytes((root / "ascmhl" / entry.filename).read_bytes(), HashAlgorithm.C4)
        text = text.replace(entry.value, new)
    chain.write_text(text, "utf-8")


def first_manifest(root: Path) -> Path:
    return sorted((root / "ascmhl").glob("0001_*.mhl"))[0]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def plant_lock(root: Path, *, host: str, pid: int, age: float = 0.0, writing: str | None = None) -> Path:
    path = root / "ascmhl" / LOCK_NAME
    head = {"host": host, "pid": pid, "started": 1.0, "created": time.time() - age, "token": "planted"}
    text = json.dumps(head) + "\n" + (json.dumps({"writing": writing}) + "\n" if writing else "")
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------------ case 8: the lock


def test_the_lock_lives_in_the_history_and_is_gone_after_the_append(card: Path) -> None:
    lock_mod = lock_module()
    HistoryLock, MhlLockError = lock_mod.HistoryLock, lock_mod.MhlLockError
    folder = card / "ascmhl"
    with HistoryLock(folder) as held:
        holder = lock_mod.read_holder(folder / LOCK_NAME)
        assert holder is not None and holder.pid == os.getpid() and holder.host == socket.gethostname()
        assert holder.token == held.token
        # a second writer (any account: the file is in the history) waits, then says who holds it
        with pytest.raises(MhlLockError, match=f"process {os.getpid()}"):
            HistoryLock(folder, timeout=0.2).acquire()
    assert not (folder / LOCK_NAME).exists()
    write_generation(card, hash_card(card), process="in-place", creator=CREATOR, when=WHEN + timedelta(days=1))
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []  # no lock, no temp left
    assert_reference_ok(card)


def assert_reference_ok(root: Path) -> None:
    res = ref_verify(root)
    assert res.returncode == 0, res.stdout + res.stderr


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over(card: Path) -> None:
    plant_lock(card, host=socket.gethostname(), pid=dead_pid(), age=5)
    info = write_generation(card, hash_card(card), process="in-place", creator=CREATOR,
                            when=WHEN + timedelta(days=1))
    assert info.generation == 2 and not (card / "ascmhl" / LOCK_NAME).exists()
    # a leftover lock file is never an unrecorded file, for us or for the reference tool
    plant_lock(card, host=socket.gethostname(), pid=dead_pid())
    assert verify_history(card, creator=CREATOR, when=WHEN, write=False).ok
    assert_reference_ok(card)


def test_an_empty_lock_file_is_taken_over_only_once_old(card: Path, monkeypatch) -> None:
    """A writer killed between creating the lock file and filling it left it empty."""
    lock_mod = lock_module()
    lock = card / "ascmhl" / LOCK_NAME
    lock.write_bytes(b"")
    monkeypatch.setattr(lock_mod, "LOCK_TIMEOUT", 0.3)
    with pytest.raises(lock_mod.MhlLockError, match="not identified itself"):  # young: maybe being written
        write_generation(card, hash_card(card), process="in-place", creator=CREATOR, when=WHEN)
    old = time.time() - lock_mod.EMPTY_STALE_AFTER - 10
    os.utime(lock, (old, old))
    info = write_generation(card, hash_card(card), process="in-place", creator=CREATOR, when=WHEN)
    assert info.generation == 2 and not lock.exists()


def test_a_lock_of_another_host_is_waited_for_then_reported_never_broken(card: Path, monkeypatch) -> None:
    lock_mod = lock_module()
    MhlLockError = lock_mod.MhlLockError
    lock = plant_lock(card, host="cart-02.other", pid=1234, age=60)
    monkeypatch.setattr(lock_mod, "LOCK_TIMEOUT", 0.3)
    with pytest.raises(MhlLockError, match="host cart-02.other, process 1234"):
        write_generation(card, hash_card(card), process="in-place", creator=CREATOR, when=WHEN)
    lock = plant_lock(card, host="cart-02.other", pid=1234, age=lock_mod.FOREIGN_STALE_AFTER + 60)
    monkeypatch.setattr(lock_mod, "LOCK_TIMEOUT", 600)
    started = time.monotonic()
    with pytest.raises(MhlLockError, match="for more than 15 minutes") as err:
        write_generation(card, hash_card(card), process="in-place", creator=CREATOR, when=WHEN)
    assert time.monotonic() - started < 60  # reported at once, not after the timeout
    assert str(lock) in str(err.value)  # what to delete, once the user has checked
    assert lock.exists() and len(read_history(card).generations) == 1


def test_a_reader_skips_only_the_manifest_the_live_lock_holder_announced(card: Path) -> None:
    """Between the manifest's rename and the chain's, a reader sees a manifest the chain does not list yet."""
    folder = card / "ascmhl"
    pending = folder / "0002_A002R2EC_2026-11-24_181500Z.mhl"
    with lock_module().HistoryLock(folder) as held:
        shutil.copyfile(first_manifest(card), pending)
        with pytest.raises(MhlChainError, match="not listed"):  # not announced: an orphan, refused
            read_history(card)
        held.announce(pending.name)
        assert [g.number for g in read_history(card).generations] == [1]
        assert verify_history(card, creator=CREATOR, when=WHEN, write=False).ok
    # the same manifest announced by a writer that died before writing the chain is refused
    plant_lock(card, host=socket.gethostname(), pid=dead_pid(), writing=pending.name)
    with pytest.raises(MhlChainError, match="not listed"):
        read_history(card)


def test_the_next_writer_moves_aside_what_a_killed_writer_left(card: Path) -> None:
    """Killed between the manifest's rename and the chain's: the manifest is unchained, the lock names it."""
    folder = card / "ascmhl"
    orphan = folder / "0002_A002R2EC_2026-11-24_181500Z.mhl"
    shutil.copyfile(first_manifest(card), orphan)
    (folder / ".pixm-mhl-0123abcd.tmp").write_bytes(b"<half a manifest")
    plant_lock(card, host=socket.gethostname(), pid=dead_pid(), writing=orphan.name)
    with pytest.raises(MhlChainError, match="not listed"):  # until then, readers say what is wrong
        read_history(card)
    info = write_generation(card, hash_card(card), process="in-place", creator=CREATOR,
                            when=WHEN + timedelta(days=2))
    assert info.generation == 2
    assert (folder / f".pixm-interrupted-{orphan.name}").exists()  # kept as evidence, out of the history
    assert not (folder / ".pixm-mhl-0123abcd.tmp").exists() and not (folder / LOCK_NAME).exists()
    assert [g.number for g in read_history(card).generations] == [1, 2]
    assert_reference_ok(card)


_VERIFIER = """
import sys
sys.path.insert(0, {tests!r})
from datetime import UTC, datetime
from pathlib import Path
from support.mhl import CREATOR
from pixm_desktop.mhl import read_history, verify_history
root = Path({root!r})
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
for i in range({n}):
    if i % 2:
        read_history(root)  # readers in between never see a half-written append
    else:
        assert verify_history(root, creator=CREATOR, when=datetime.now(UTC)).write_error is None
"""


def test_writers_and_readers_of_one_history_never_collide(card: Path) -> None:
    """Four processes alternately verify (append) and read the same history at the same time."""
    n = 6
    code = _VERIFIER.format(tests=str(Path(__file__).parent), root=str(card), n=n)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in procs:
        assert p.stdout.readline() == "ready\n"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        p.stdin.close()
        assert p.wait(timeout=300) == 0, p.stderr.read()
        p.stdout.close()
        p.stderr.close()
    chain = read_chain(card / "ascmhl" / "ascmhl_chain.xml")
    expected = list(range(1, 4 * (n // 2) + 2))
    assert [e.sequence for e in chain] == expected
    assert [int(p.name[:4]) for p in sorted((card / "ascmhl").glob("*.mhl"))] == expected
    assert_reference_ok(card)


# --------------------------------------------------------------------------- case 9: hostile references


def _add_reference(root: Path, ref_path: str) -> Path:
    manifest = first_manifest(root)
    text = manifest.read_text("utf-8")
    c4 = hash_bytes(b"x", HashAlgorithm.C4)
    ref = f"  <references>\n    <hashlistreference>\n      <path>{ref_path}</path>\n      <c4>{c4}</c4>\n" \
          "    </hashlistreference>\n  </references>\n</hashlist>"
    manifest.write_text(text.replace("</hashlist>", ref), "utf-8")
    rechain(root)
    return manifest


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink"])
def test_a_reference_outside_the_folder_is_refused_without_reading_it(tmp_path: Path, where: str) -> None:
    root = make_card(tmp_path / "drive")
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    outside = tmp_path / "outside" / "ascmhl" / "0001_x.mhl"
    outside.parent.mkdir(parents=True)
    outside.write_bytes(b"x")  # matches the c4 in the reference: nothing else would stop the read
    if where == "absolute":
        ref = str(outside)
    elif where == "dotdot":
        ref = "../../outside/ascmhl/0001_x.mhl"
    else:
        (root / "Linked").symlink_to(tmp_path / "outside")
        ref = "Linked/ascmhl/0001_x.mhl"
    manifest = _add_reference(root, ref)
    with pytest.raises(MhlFormatError, match=re.escape(manifest.name)):
        read_history(root)


def test_a_symlinked_ascmhl_folder_is_never_read_nor_written(tmp_path: Path) -> None:
    root = make_card(tmp_path / "drive")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    shutil.move(root / "ascmhl", elsewhere / "ascmhl")
    (root / "ascmhl").symlink_to(elsewhere / "ascmhl")
    before = sorted(os.listdir(elsewhere / "ascmhl"))
    with pytest.raises(MhlFormatError, match="symbolic link"):
        read_history(root)
    with pytest.raises(MhlFormatError, match="symbolic link"):
        verify_history(root, creator=CREATOR, when=WHEN + timedelta(days=1))
    with pytest.raises(MhlFormatError, match="symbolic link"):
        write_generation(root, hash_card(root), process="in-place", creator=CREATOR, when=WHEN)
    assert sorted(os.listdir(elsewhere / "ascmhl")) == before  # nothing written outside the folder


@pytest.mark.parametrize("target", ["chain", "manifest"])
def test_a_symlinked_chain_or_manifest_is_refused(card: Path, tmp_path: Path, target: str) -> None:
    folder = card / "ascmhl"
    path = folder / "ascmhl_chain.xml" if target == "chain" else first_manifest(card)
    moved = tmp_path / path.name
    shutil.move(path, moved)
    path.symlink_to(moved)
    before = moved.read_bytes()
    with pytest.raises(MhlFormatError, match="symbolic link"):
        read_history(card)
    with pytest.raises(MhlFormatError, match="symbolic link"):
        write_generation(card, hash_card(card), process="in-place", creator=CREATOR, when=WHEN)
    assert moved.read_bytes() == before and len(list(folder.glob("*.mhl"))) == 1


def test_a_manifest_too_large_to_be_one_is_refused_unread(card: Path) -> None:
    manifest = first_manifest(card)
    with open(manifest, "r+b") as fh:  # sparse: 600 MiB of holes after the real bytes, no disk used
        fh.truncate(600 * 1024 * 1024)
    with pytest.raises(MhlFormatError, match=rf"{re.escape(manifest.name)} is not an ASC MHL file \(\d+ bytes"):
        read_history(card)


def test_history_files_are_hashed_in_chunks_never_whole(card: Path, monkeypatch) -> None:
    """Every read of a history file goes through a bounded, chunked reader (a small bound proves it)."""
    monkeypatch.setattr(reader_mod, "MAX_MANIFEST_BYTES", 64)
    with pytest.raises(MhlFormatError, match="not an ASC MHL file"):
        read_history(card)


# ------------------------------------------------------------------ case 3: a link is never a copy


def test_a_copy_replaced_by_a_symlink_to_identical_bytes_fails(card: Path, tmp_path: Path) -> None:
    clip = card / CLIP
    twin = tmp_path / "twin.mov"
    shutil.copyfile(clip, twin)
    clip.unlink()
    clip.symlink_to(twin)
    (card / "A002R2EC.ale").unlink()
    (card / "A002R2EC.ale").mkdir()  # a folder where a recorded file should be
    os.unlink(card / "Clips" / "zero.bin")
    os.mkfifo(card / "Clips" / "zero.bin")  # a FIFO: never opened (it would block)
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1), write=False)
    status = {e.relpath.decode(): (e.status, e.reason) for e in report.entries}
    assert status[CLIP] == (VerifyStatus.FAILED, "a symbolic link is not a copy")
    assert status["A002R2EC.ale"] == (VerifyStatus.FAILED, "a folder is where a recorded file should be")
    assert status["Clips/zero.bin"][0] == VerifyStatus.FAILED and "special file" in status["Clips/zero.bin"][1]
    assert not report.ok


def test_a_recorded_file_reached_through_a_symlinked_folder_fails(card: Path, tmp_path: Path) -> None:
    shutil.move(card / "Clips", tmp_path / "Clips")
    (card / "Clips").symlink_to(tmp_path / "Clips")
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1), write=False)
    entry = next(e for e in report.entries if e.relpath == CLIP.encode())
    assert entry.status == VerifyStatus.FAILED and "symbolic link" in (entry.reason or "")
    assert not report.ok


# ------------------------------------------------------------- case 7: entries with no usable hash


def _v1_entry(name: str, body: str) -> str:
    return f"<hash><file>{name}</file>{body}<hashdate>2012-12-14T16:54:30Z</hashdate></hash>"


def test_legacy_entries_without_a_usable_hash_are_not_verifiable(tmp_path: Path, capsys) -> None:
    import hashlib

    from pixm_desktop.cli import main

    folder = tmp_path / "A001"
    folder.mkdir()
    data = {name: name.encode() * 10 for name in ("good.mov", "empty_md5.mov", "unknown.mov", "bare.mov")}
    for name, content in data.items():
        (folder / name).write_bytes(content)
    entries = "".join([
        _v1_entry("good.mov", f"<size>{len(data['good.mov'])}</size><md5>{hashlib.md5(data['good.mov']).hexdigest()}</md5>"),
        _v1_entry("empty_md5.mov", f"<size>{len(data['empty_md5.mov'])}</size><md5></md5>"),
        _v1_entry("unknown.mov", f"<size>{len(data['unknown.mov'])}</size><sha256>00ff</sha256>"),
        _v1_entry("bare.mov", ""),
    ])
    (folder / "A001_2012-12-14_165427.mhl").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<hashlist version="1.1">{entries}</hashlist>\n')
    report = verify_legacy(folder)
    assert not report.ok
    status = {e.relpath.decode(): str(e.status) for e in report.entries}
    assert status == {"good.mov": "verified", "empty_md5.mov": "not-verifiable",
                      "unknown.mov": "not-verifiable", "bare.mov": "not-verifiable"}
    # exit 5 (verification failed): no byte of three files was compared
    assert main(["verify", str(folder), "--no-write", "--catalog", str(tmp_path / "c.sqlite")]) == 5
    out = capsys.readouterr().out
    assert "FAILED" in out and "1 verified, 3 not-verifiable" in out and "VERIFIED" not in out.replace("NOT-", "")


def test_a_v2_entry_with_an_empty_hash_is_not_verifiable(card: Path) -> None:
    manifest = first_manifest(card)
    text = manifest.read_text("utf-8")
    text = re.sub(r'(<path[^>]*>A002R2EC\.ale</path>\s*<xxh64 action="original"[^>]*>)[0-9a-f]+(</xxh64>)',
                  r"\1\2", text)
    manifest.write_text(text, "utf-8")
    rechain(card)
    report = verify_history(card, creator=CREATOR, when=WHEN + timedelta(days=1), write=False)
    (entry,) = [e for e in report.entries if e.relpath == b"A002R2EC.ale"]
    assert not report.ok and str(entry.status) == "not-verifiable"
