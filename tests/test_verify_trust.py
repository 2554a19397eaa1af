"""``pixm verify`` and the offload's histories when things go wrong (issue 9, cases 3, 6, 8 and the verdict when the
catalog cannot be written): concurrent runs from two accounts, an unwritable history, a damaged or foreign history
on one destination, an edited history that agrees with damaged bytes, a copy replaced by a link, a locked catalog.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import xxhash

import pixm_desktop
from pixm_desktop.core.hashes import HashAlgorithm, hash_bytes
from pixm_desktop.mhl import write_generation
from pixm_desktop.mhl.reader import read_chain
from support.cards import flip_byte
from support.cards import make_card as make_sample_card
from support.catalog import catalog_json, copy_states
from support.cli import cli
from support.host import is_root
from support.mhl import CREATOR, WHEN, ascmhl_verify, hash_card, make_card, ref_verify
from support.offload import dest_card, offload_args

CODE_ROOT = Path(pixm_desktop.__file__).resolve().parents[1]
OTHER_ACCOUNT = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all"]


@pytest.fixture
def shared_dir():
    """A folder every account can use (pytest's tmp_path is private to root)."""
    if not is_root() or not shutil.which("setpriv"):
        pytest.skip("running as another account needs root and setpriv")
    base = Path(tempfile.mkdtemp(prefix="pixm-accounts-"))
    base.chmod(0o777)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def pixm(*args: object, home: Path, other_account: bool = False) -> subprocess.Popen:
    """``python -m pixm_desktop.cli ARGS`` in a new process, with its own HOME and cache (as a second account has),
    and as uid 65534 with no capabilities when ``other_account``."""
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_DATA_HOME": str(home / ".local/share"), "PYTHONPATH": str(CODE_ROOT), "COLUMNS": "1000"}
    cmd = [sys.executable, "-m", "pixm_desktop.cli", *map(str, args)]
    return subprocess.Popen((OTHER_ACCOUNT if other_account else []) + cmd, env=env, cwd=home,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def chain_numbers(root: Path) -> tuple[list[int], list[int]]:
    chain = [e.sequence for e in read_chain(root / "ascmhl" / "ascmhl_chain.xml")]
    files = sorted(int(p.name[:4]) for p in (root / "ascmhl").glob("*.mhl"))
    return chain, files


# ------------------------------------------------------------------------ case 8: one writer per history


def test_eight_concurrent_verifies_from_two_accounts_keep_one_chain(shared_dir: Path) -> None:
    root = make_card(shared_dir)
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)
    (root / "ascmhl").chmod(0o777)  # the second account may write the history, as on a shared drive
    homes = [shared_dir / "home-dit", shared_dir / "home-assistant"]
    for home in homes:
        home.mkdir(mode=0o777)
    procs = [pixm("verify", root, "--catalog", shared_dir / f"catalog-{i}.sqlite", home=homes[i % 2],
                  other_account=bool(i % 2)) for i in range(8)]
    results = [(p.wait(timeout=600), p.stdout.read()) for p in procs]
    for p in procs:
        p.stdout.close()
    assert [code for code, _ in results] == [0] * 8, "\n".join(text for _, text in results)
    chain, files = chain_numbers(root)
    assert chain == files == list(range(1, 10))
    owners = {(root / "ascmhl" / name).stat().st_uid for name in os.listdir(root / "ascmhl")}
    assert owners == {0, 65534}  # both accounts did append
    res = ref_verify(root)
    assert res.returncode == 0, res.stdout + res.stderr


def test_pixm_verify_that_cannot_write_its_generation_exits_7(shared_dir: Path) -> None:
    root = make_card(shared_dir)
    write_generation(root, hash_card(root), creator=CREATOR, when=WHEN)  # ascmhl/ stays root's, 0755
    home = shared_dir / "home"
    home.mkdir(mode=0o777)
    p = pixm("verify", root, "--catalog", shared_dir / "c.sqlite", home=home, other_account=True)
    code, out = p.wait(timeout=300), p.stdout.read()
    p.stdout.close()
    assert code == 7, out
    assert "verified the bytes" in out and "could not record the generation" in out
    assert not re.search(r"^VERIFIED", out, re.M)
    assert chain_numbers(root) == ([1], [1])



def test_a_damaged_history_fails_only_its_destination(env) -> None:
    base, dests, catalog = env
    card = make_sample_card(base / "cards", "sound")
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    good, bad = (dest_card(d, "sound", card.root.name) for d in dests)
    chain = bad / "ascmhl" / "ascmhl_chain.xml"
    chain.write_text(re.sub(r"<c4>c4(.)", lambda m: "<c4>c4" + ("2" if m.group(1) != "2" else "3"),
                            chain.read_text("utf-8")), "utf-8")
    late = "99Z_02.WAV"
    (card.root / late).write_bytes(os.urandom(200_000))

    r = cli(*offload_args(card.root, dests, catalog))
    assert r.code == 4, r.text
    assert str(good) in r.out and str(bad) in r.out  # the summary is printed, both destinations named
    assert chain_numbers(good) == ([1, 2], [1, 2])  # the healthy destination got its generation…
    assert late in (good / "ascmhl" / sorted(os.listdir(good / "ascmhl"))[1]).read_text("utf-8")
    assert ascmhl_verify(good, flags=((),))[(good, ())][0] == 0
    assert copy_states(catalog)[(late, str(good))][0] == "verified"  # …and its new file stays verified
    (job,) = [j for j in catalog_json(catalog, "jobs") if j["id"] == max(j["id"] for j in catalog_json(catalog, "jobs"))]
    assert job["status"] == "failed"
    assert "ascmhl_chain.xml" in r.text  # the damaged destination says why


@pytest.mark.parametrize("foreign", ["file", "symlink"])
def test_a_destination_whose_generation_cannot_be_written_is_not_complete(env, foreign: str) -> None:
    base, dests, catalog = env
    card = make_sample_card(base / "cards", "sound")
    bad = dest_card(dests[1], "sound", card.root.name)
    bad.mkdir(parents=True)
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    if foreign == "file":
        (bad / "ascmhl").write_bytes(b"not a history folder")
    else:
        (bad / "ascmhl").symlink_to(elsewhere)
    r = cli(*offload_args(card.root, dests, catalog))
    assert r.code == 4, r.text  # never a silent success
    assert "SAFE TO FORMAT" not in r.out.replace("NOT SAFE TO FORMAT", "")
    good = dest_card(dests[0], "sound", card.root.name)
    assert chain_numbers(good) == ([1], [1])
    assert os.listdir(elsewhere) == []  # nothing written outside the destination folder
    (job,) = catalog_json(catalog, "jobs")
    assert job["status"] == "failed"


# ------------------------------------------------------------------- case 6: the catalog's card hash wins


def _set_manifest_hash(folder: Path, rel: str, new: str) -> None:
    manifest = sorted((folder / "ascmhl").glob("0001_*.mhl"))[0]
    text = manifest.read_text("utf-8")
    pattern = rf'(<path[^>]*>{re.escape(rel)}</path>\s*<xxh64 action="original"[^>]*>)[0-9a-f]+(</xxh64>)'
    text, n = re.subn(pattern, rf"\g<1>{new}\g<2>", text)
    assert n == 1
    manifest.write_text(text, "utf-8")
    chain = folder / "ascmhl" / "ascmhl_chain.xml"
    chain_text = chain.read_text("utf-8")
    for entry in read_chain(chain):
        chain_text = chain_text.replace(entry.value, hash_bytes((folder / "ascmhl" / entry.filename).read_bytes(),
                                                                HashAlgorithm.C4))
    chain.write_text(chain_text, "utf-8")


def test_an_edited_history_cannot_turn_a_failed_copy_verified(env) -> None:
    base, dests, catalog = env
    card = make_sample_card(base / "cards", "sound")
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    folder = dest_card(dests[0], "sound", card.root.name)
    rel = sorted(p.name for p in folder.iterdir() if p.suffix.upper() == ".WAV")[0]
    flip_byte(folder / rel)
    r = cli("verify", folder, "--catalog", catalog)
    assert r.code == 5, r.text
    assert copy_states(catalog)[(rel, str(folder))][0] == "failed"

    # the attacker (or a confused tool) records the damaged bytes' hash and makes the history self-consistent
    _set_manifest_hash(folder, rel, xxhash.xxh64((folder / rel).read_bytes()).hexdigest())
    assert ascmhl_verify(folder, flags=((),))[(folder, ())][0] == 0  # the reference tool accepts the history
    r = cli("verify", folder, "--catalog", catalog)
    assert r.code == 5, r.text
    assert re.search(rf"TAMPERED .*{re.escape(rel)}", r.out), r.out
    state, reason = copy_states(catalog)[(rel, str(folder))]
    assert state == "failed" and "tampered" in reason


# ------------------------------------------------------------------------- case 3: a link is not a copy


def test_pixm_verify_fails_a_copy_replaced_by_a_symlink(env) -> None:
    base, dests, catalog = env
    card = make_sample_card(base / "cards", "sound")
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    folder = dest_card(dests[0], "sound", card.root.name)
    rel = sorted(p.name for p in folder.iterdir() if p.suffix.upper() == ".WAV")[0]
    (folder / rel).unlink()
    (folder / rel).symlink_to(card.root / rel)  # identical bytes, but gone with the card
    r = cli("verify", folder, "--catalog", catalog)
    assert r.code == 5, r.text
    assert "a symbolic link is not a copy" in r.out
    assert copy_states(catalog)[(rel, str(folder))][0] == "failed"


# ------------------------------------------------------------- the verdict when the catalog cannot be written


def test_the_verdict_is_printed_when_the_catalog_is_locked(env, monkeypatch) -> None:
    from pixm_desktop.store import db

    base, dests, catalog = env
    card = make_sample_card(base / "cards", "sound")
    assert cli(*offload_args(card.root, dests, catalog)).code == 0
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 500)  # the message is tested here, not the 10 s wait
    folder = dest_card(dests[0], "sound", card.root.name)
    blocker = sqlite3.connect(catalog, timeout=0)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        r = cli("verify", folder, "--catalog", catalog)
    finally:
        blocker.rollback()
        blocker.close()
    assert r.code == 8, r.text
    assert re.search(r"^VERIFIED ", r.out, re.M), r.text  # the verdict first…
    assert "database is locked" in r.err and str(catalog) in r.err  # …then the catalog's problem
