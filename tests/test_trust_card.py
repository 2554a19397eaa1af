"""SAFE TO FORMAT must never be wrong — the card side and the copy side (issue 9, cases 1, 3 and 5).

Each test builds the situation with real files and asks the catalog's verdict with the copy rule relaxed to
"each destination folder counts" (every tmp folder is on one drive here), so that the verdict *could* say SAFE:
the tests fail if a card entry PIXM did not take, a link posing as a copy or a card file rewritten during the
copy ever lets it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pixm_desktop.core.errors import DestinationInsideSourceError
from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.services.offload import OffloadResult
from pixm_desktop.store.db import open_catalog
from support.cards import deep_folder, make_card
from support.catalog import copy_states, verdict
from support.cli import WIDE, cli
from support.faults import inject_hook, run_service
from support.host import is_root
from support.offload import PROJECT, dest_card, offload_args, request

MiB = 1024 * 1024
DROP_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


def ordinary_user_available() -> None:
    if not is_root() or not shutil.which("setpriv"):
        pytest.skip("simulating an ordinary user needs root and setpriv (util-linux)")


def pixm_as_ordinary_user(*args) -> subprocess.CompletedProcess[str]:
    """``pixm ARGS`` in a process without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: file modes bind it."""
    return subprocess.run([*DROP_DAC, sys.executable, "-m", "pixm_desktop.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, **WIDE})


# ---------------------------------------------------------------------------------- case 1: card entries


def test_folder_readable_but_not_searchable_blocks_safe_to_format(env) -> None:
    ordinary_user_available()
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    hidden = card / "HIDDEN"
    hidden.mkdir()
    (hidden / "A001C099.mov").write_bytes(b"x" * 1000)
    hidden.chmod(0o644)  # listable, not searchable: entries cannot be stat'd
    try:
        r = pixm_as_ordinary_user(*offload_args(card, dests, catalog))
    finally:
        hidden.chmod(0o755)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "HIDDEN/A001C099.mov" in out and "blocks SAFE TO FORMAT" in out, out
    assert "\nSAFE TO FORMAT" not in "\n" + out
    v = verdict(catalog, card.name)
    assert not v.safe and "A001C099.mov" in v.reason, v
    (job,) = [j for j in _jobs(catalog)]
    assert job["status"] != JobStatus.COMPLETED.value


def test_unreadable_file_blocks_safe_to_format(env) -> None:
    ordinary_user_available()
    base, dests, catalog = env
    card = make_card(base / "cards", "sony").root
    victim = max((p for p in card.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    victim.chmod(0o000)
    try:
        r = pixm_as_ordinary_user(*offload_args(card, dests, catalog))
    finally:
        victim.chmod(0o644)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "\nSAFE TO FORMAT" not in "\n" + out
    assert not verdict(catalog, card.name).safe
    rel = victim.relative_to(card).as_posix()
    for d in dests:
        state, reason = copy_states(catalog)[(rel, str(dest_card(d, "sony", card.name)))]
        assert state == CopyState.FAILED.value and "permission denied on card" in reason


def test_path_longer_than_the_os_allows_blocks_safe_to_format(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    deep_folder(card, 4200)
    res, _ = run_service(catalog, request(card, dests))
    assert isinstance(res, OffloadResult), res
    assert res.status != JobStatus.COMPLETED and res.problems
    assert any("path too long" in why for _, why in res.problems), res.problems
    v = verdict(catalog, card.name)
    assert not v.safe and "path too long" in v.reason


def test_links_and_fifos_on_the_card_are_reported_and_block_safe_to_format(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    outside = base / "outside.mov"
    outside.write_bytes(b"not on the card")
    (card / "LINKED.mov").symlink_to(outside)
    os.mkfifo(card / "PIPE")
    (card / ".DS_Store").write_bytes(b"litter")
    r = cli(*offload_args(card, dests, catalog))
    assert r.code != 0, r.text
    assert "LINKED.mov" in r.text and "symbolic link" in r.text, r.text
    assert "PIPE" in r.text and "FIFO" in r.text, r.text
    assert "\nSAFE TO FORMAT" not in "\n" + r.out
    v = verdict(catalog, card.name)
    assert not v.safe
    for d in dests:  # neither the link nor its target went anywhere; the litter was ignored, not copied
        folder = dest_card(d, "arri", card.name)
        assert not os.path.lexists(folder / "LINKED.mov") and not os.path.lexists(folder / "PIPE")
        assert not (folder / ".DS_Store").exists()


def test_a_problem_fixed_on_the_card_is_taken_by_the_next_offload(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    os.mkfifo(card / "PIPE")
    first, _ = run_service(catalog, request(card, dests))
    assert first.status != JobStatus.COMPLETED and not verdict(catalog, card.name).safe
    (card / "PIPE").unlink()
    second, _ = run_service(catalog, request(card, dests))
    assert second.status == JobStatus.COMPLETED, second
    assert verdict(catalog, card.name).safe


# ------------------------------------------------------------------------ case 3: links at a destination


def test_links_to_the_card_at_the_destination_are_not_copies(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    files = [p for p in card.rglob("*") if p.is_file()]
    for d in dests:  # a "copy" prepared by linking every card file into the destination card folder
        folder = dest_card(d, "arri", card.name)
        for f in files:
            target = folder / f.relative_to(card)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(f)
    res, _ = run_service(catalog, request(card, dests))
    assert res.status != JobStatus.COMPLETED
    states = copy_states(catalog)
    assert {s for s, _ in states.values()} == {CopyState.FAILED.value}
    assert all("symbolic link" in (why or "") for _, why in states.values()), states
    assert not verdict(catalog, card.name).safe
    for d in dests:  # the links were left alone (PIXM never overwrites) and nothing else claims the files
        folder = dest_card(d, "arri", card.name)
        assert all((folder / f.relative_to(card)).is_symlink() for f in files)
        assert not (folder / "ascmhl").exists()


def test_a_linked_folder_at_the_destination_is_never_written_through(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "sony").root
    sub = next(p for p in sorted(card.rglob("*")) if p.is_dir())
    before = {p: p.stat().st_size for p in card.rglob("*") if p.is_file()}
    folder = dest_card(dests[0], "sony", card.name)
    (folder / sub.relative_to(card)).parent.mkdir(parents=True, exist_ok=True)
    (folder / sub.relative_to(card)).symlink_to(sub)  # the destination's folder points into the card
    res, _ = run_service(catalog, request(card, dests))
    assert {p: p.stat().st_size for p in card.rglob("*") if p.is_file()} == before  # nothing written to the card
    if isinstance(res, DestinationInsideSourceError):  # the pre-flight sees the link into the card: exit 3
        assert "card" in str(res)
        return
    assert res.status != JobStatus.COMPLETED
    rel = next(p for p in sorted(sub.rglob("*")) if p.is_file()).relative_to(card).as_posix()
    state, reason = copy_states(catalog)[(rel, str(folder))]
    assert state == CopyState.FAILED.value and "never writes through links" in reason
    assert not verdict(catalog, card.name).safe


def test_the_copier_never_writes_through_a_linked_folder_it_was_handed(tmp_path: Path) -> None:
    """Below the pre-flight: the engine itself refuses a linked folder inside a destination card folder."""
    from pixm_desktop.core.hashes import HashAlgorithm
    from pixm_desktop.core.model import ProgressSnapshot
    from pixm_desktop.engine.copier import CopyTask, run_copy
    from pixm_desktop.engine.scan import scan_card

    card = make_card(tmp_path / "cards", "sony").root
    scan = scan_card(card)
    sub = scan.dirs[0]
    folder = tmp_path / "dest" / card.name
    (folder / os.fsdecode(sub)).parent.mkdir(parents=True, exist_ok=True)
    (folder / os.fsdecode(sub)).symlink_to(card / os.fsdecode(sub))
    before = {p: p.read_bytes() for p in card.rglob("*") if p.is_file()}
    events = list(run_copy(card, [folder], [CopyTask(f, (0,)) for f in scan.files], dirs=scan.dirs,
                           algorithms=(HashAlgorithm.XXH64,), progress=ProgressSnapshot(scan.total_bytes, 1)))
    under = [e for e in events if getattr(e, "destination", None) == 0 and e.relpath.startswith(sub + b"/")]
    assert under and all(e.state == CopyState.FAILED and "never writes through links" in e.reason for e in under)
    assert {p: p.read_bytes() for p in card.rglob("*") if p.is_file()} == before


def test_a_verified_copy_replaced_by_a_link_is_copied_again_not_skipped(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    first, _ = run_service(catalog, request(card, dests))
    assert first.status == JobStatus.COMPLETED and verdict(catalog, card.name).safe
    victim = next(p for p in sorted(card.rglob("*.mov")))
    copy = dest_card(dests[0], "arri", card.name) / victim.relative_to(card)
    copy.unlink()
    copy.symlink_to(victim)  # same size, same bytes: only the kind of entry differs
    second, _ = run_service(catalog, request(card, dests))
    assert second.status != JobStatus.COMPLETED
    assert not verdict(catalog, card.name).safe


def test_a_verified_copy_written_over_since_is_not_skipped_by_the_next_offload(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    first, _ = run_service(catalog, request(card, dests))
    assert first.status == JobStatus.COMPLETED and verdict(catalog, card.name).safe
    victim = max((p for p in card.rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    copy = dest_card(dests[1], "arri", card.name) / victim.relative_to(card)
    copy.write_bytes(bytes(len(copy.read_bytes())))  # same size, other bytes, a new mtime
    second, _ = run_service(catalog, request(card, dests))
    assert second.status != JobStatus.COMPLETED
    folder = dest_card(dests[1], "arri", card.name)
    state, reason = copy_states(catalog)[(victim.relative_to(card).as_posix(), str(folder))]
    assert state == CopyState.FAILED.value and "different file already exists" in reason
    assert not verdict(catalog, card.name).safe


# --------------------------------------------------------------- case 5: a card file rewritten in place


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["mtime-moves", "mtime-put-back"])
def test_same_size_rewrite_during_the_copy_is_never_verified(env, monkeypatch, keep_mtime: bool) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "red", clips=2, segment_bytes=10 * MiB)
    src = card.root
    victim = sorted(p.relative_to(src).as_posix() for p in src.rglob("*.R3D"))[1]

    def rewrite() -> None:  # the first 8 MiB are already read: change them, keep the size
        path = src / victim
        st = path.stat()
        with open(path, "r+b") as fh:
            fh.write(b"\xff" * 4096)
        if keep_mtime:
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    tokens = inject_hook(monkeypatch, lambda p, n: p.current_file == victim and n == 2, rewrite)
    r = cli(*offload_args(src, dests, catalog))
    assert tokens[0].fired
    assert r.code != 0, r.text
    states = copy_states(catalog)
    for d in dests:
        folder = dest_card(d, "red", src.name)
        state, reason = states[(victim, str(folder))]
        assert state == CopyState.FAILED.value and "changed during the copy" in reason, reason
        assert not (folder / victim).exists()
    assert not verdict(catalog, src.name).safe


def _jobs(catalog: Path) -> list[dict]:
    import json

    r = cli("catalog", "jobs", "--json", "--catalog", catalog)
    assert r.code == 0, r.text
    return json.loads(r.out)


__all__ = ["PROJECT"]


# ------------------------------------------------------------- a stop keeps what was verified before it


def test_every_copy_verified_before_a_cancel_is_recorded(env) -> None:
    """The engine's verified count after a cancel equals the catalog's: nothing verified is lost (a retry skips
    it) and nothing is recorded that the engine did not verify."""
    from pixm_desktop.core.errors import CancelledError
    from pixm_desktop.core.model import ProgressSnapshot
    from pixm_desktop.samples.samplecard import generate_benchmark_card
    from pixm_desktop.services.offload import OffloadService
    from support.faults import HookToken

    base, dests, catalog_path = env
    card = generate_benchmark_card(base / "big", total_bytes=120_000_000, small_files=300).root
    catalog = open_catalog(catalog_path)
    try:
        service = OffloadService(catalog)
        prepared = service.prepare(request(card, dests))
        progress = ProgressSnapshot(prepared.plan.total_bytes, len(prepared.plan.files))
        def verified_then_cancel() -> None:  # the reader waits here while the verifiers catch up, then stops
            deadline = time.monotonic() + 120
            while min(d.files_verified for d in progress.destinations) < 10 and time.monotonic() < deadline:
                time.sleep(0.02)
            token.cancel(by_user=True)

        token = HookToken(progress, lambda p, n: p.files_done >= 100, verified_then_cancel)
        try:  # a cancel while reading raises; one while only verification is left returns a cancelled job
            res = service.run(prepared, cancel=token, progress=progress)
            assert res.status in (JobStatus.CANCELLED, JobStatus.COMPLETED)  # completed: nothing was left
        except CancelledError:
            pass
    finally:
        catalog.close()
    assert token.fired
    engine_verified = sum(d.files_verified for d in progress.destinations)
    states = copy_states(catalog_path)
    recorded = sum(1 for s, _ in states.values() if s == CopyState.VERIFIED.value)
    assert engine_verified > 0 and recorded == engine_verified


# ------------------------------------------------- case 4: a drive that goes away between pre-flight and copy


def _prepare_then(catalog_path: Path, req, between):
    from pixm_desktop.services.offload import OffloadService

    catalog = open_catalog(catalog_path)
    try:
        service = OffloadService(catalog)
        prepared = service.prepare(req)
        between()
        return service.run(prepared)
    finally:
        catalog.close()


def test_a_destination_root_renamed_away_after_the_preflight_is_not_recreated(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    from pixm_desktop.core.errors import DestinationMissingError

    try:
        res = _prepare_then(catalog, request(card, dests), lambda: dests[1].rename(base / "RENAMED"))
    except DestinationMissingError:  # prepared again under the locks (another run held the card): pre-flight says it
        assert not dests[1].exists()
        return
    assert res.status != JobStatus.COMPLETED
    assert not dests[1].exists()  # never created in the drive's place
    out = res.destinations[1]
    assert out.verified == 0 and out.failures and "not there any more" in out.failures[0][1]
    assert res.destinations[0].verified == res.files  # the other destination got its copies


def test_an_unmounted_destination_drive_is_not_filled_in_its_mount_folder(env, mount_tmpfs) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    drive = mount_tmpfs(64 * 1024 * 1024)

    def unmount() -> None:
        subprocess.run(["umount", str(drive)], check=True)

    res = _prepare_then(catalog, request(card, [dests[0], drive]), unmount)
    assert res.status != JobStatus.COMPLETED
    assert list(drive.iterdir()) == []  # the empty mount folder on the system disk stays empty
    assert "no longer on the drive" in res.destinations[1].failures[0][1]


# ------------------------------------------------------------------- the command line says it, in codes


def test_cli_lists_entries_not_taken_and_ignored_and_exits_6(env) -> None:
    base, dests, catalog = env
    card = make_card(base / "cards", "arri").root
    os.mkfifo(card / "PIPE")
    (card / ".DS_Store").write_bytes(b"litter")
    r = cli(*offload_args(card, dests, catalog))
    assert r.code == 6, r.text
    assert "NOT TAKEN PIPE: FIFO" in r.out, r.out
    assert "ignored by the listed rule" in r.out and ".DS_Store" in r.out, r.out
    pdf = base / "offload.pdf"  # the offload report says it too, and counts the entry as failed
    assert cli("report", "offload", "--card", card.name, "--catalog", catalog, "-o", pdf).code == 0
    from pypdf import PdfReader

    text = " ".join(" ".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    assert "NOT SAFE TO FORMAT" in text and "1 file FAILED" in text and "PIPE" in text, text


def test_require_safe_exits_10_when_every_file_is_verified_but_the_card_is_not_safe(env) -> None:
    base, dests, catalog = env  # both destinations on one drive: verified everywhere, NOT SAFE
    card = make_card(base / "cards", "arri").root
    r = cli(*offload_args(card, dests, catalog), "--require-safe")
    assert r.code == 10, r.text
    assert "NOT SAFE TO FORMAT" in r.text
    again = cli(*offload_args(card, dests, catalog))  # without the flag: the README's 0, verdict still printed
    assert again.code == 0 and "NOT SAFE TO FORMAT" in again.out
