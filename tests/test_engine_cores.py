"""The copy engine's threads share one core while they work on small files, and get their cores back after."""

from __future__ import annotations

import os
import threading

import pytest

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CopyState, FileResult, ProgressSnapshot
from pixm_desktop.engine import cores
from pixm_desktop.engine.copier import CopyTask, run_copy
from pixm_desktop.engine.cores import PIN_UP_TO, SharedCore
from pixm_desktop.engine.scan import scan_card
from support.cards import write

LINUX_AFFINITY = hasattr(os, "sched_setaffinity")
needs_two_cores = pytest.mark.skipif(not LINUX_AFFINITY or len(os.sched_getaffinity(0)) < 2,
                                     reason="thread affinity needs Linux and at least two usable cores")


def in_thread(fn):
    """Run ``fn`` in a fresh thread (a pinned test thread must not leak into other tests); return its value."""
    out: dict = {}

    def body():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out.get("value")


@needs_two_cores
def test_a_thread_is_put_on_the_shared_core_and_given_its_cores_back():
    def body():
        core = SharedCore()
        before = os.sched_getaffinity(0)
        core.small(True)
        pinned = os.sched_getaffinity(0)
        core.small(False)
        back = os.sched_getaffinity(0)
        return core.core, before, pinned, back

    chosen, before, pinned, back = in_thread(body)
    assert pinned == {chosen} and chosen in before
    assert back == before


@needs_two_cores
def test_the_system_is_asked_only_when_the_answer_changes(monkeypatch):
    calls = []
    real = os.sched_setaffinity
    monkeypatch.setattr(cores.os, "sched_setaffinity", lambda pid, mask: (calls.append(set(mask)), real(pid, mask)))

    def body():
        core = SharedCore()
        for yes in (True, True, True, False, False, True):
            core.small(yes)
        core.release()
        core.release()
        return core.core

    chosen = in_thread(body)
    assert [len(c) == 1 and chosen in c for c in calls] == [True, False, True, False]


@needs_two_cores
def test_a_refusal_switches_sharing_off_and_a_pinned_thread_still_gets_its_cores_back(monkeypatch):
    real = os.sched_setaffinity

    def body():
        core = SharedCore()
        before = os.sched_getaffinity(0)
        core.small(True)
        monkeypatch.setattr(cores.os, "sched_setaffinity", _refuse_pinning(real))
        core.small(False)  # giving cores back is still allowed
        back = os.sched_getaffinity(0)
        core.small(True)  # refused: sharing goes off
        after_refusal = os.sched_getaffinity(0)
        core.small(True)  # off: not even tried
        return core.active, before, back, after_refusal

    active, before, back, after_refusal = in_thread(body)
    assert not active and back == before and after_refusal == before


def _refuse_pinning(real):
    def setaffinity(pid, mask):
        if len(mask) == 1:
            raise OSError(22, "Invalid argument")
        real(pid, mask)
    return setaffinity


def test_one_core_or_no_affinity_means_no_sharing():
    assert not SharedCore({3}).active
    assert not SharedCore(set()).active
    SharedCore(set()).small(True)  # nothing to do, no error


@needs_two_cores
def test_the_engine_shares_a_core_for_small_files_only_and_gives_every_core_back(tmp_path, monkeypatch):
    """Every engine thread is pinned while on the small files of a card, unpinned for its large clip, and the
    reading thread ends with the cores it started with."""
    src = tmp_path / "card"
    for i in range(300):
        write(src / "DCIM" / f"G{i:04d}.JPG", os.urandom(3000 + i))
    write(src / "CLIP" / "A001C001.MP4", os.urandom(PIN_UP_TO * 3))
    seen: list[tuple[str, bool]] = []
    real = os.sched_setaffinity

    def setaffinity(pid, mask):
        seen.append((threading.current_thread().name, len(mask) == 1))
        real(pid, mask)

    monkeypatch.setattr(cores.os, "sched_setaffinity", setaffinity)

    def body():
        before = os.sched_getaffinity(0)
        scan = scan_card(src)
        events = run_copy(src, [tmp_path / "d1", tmp_path / "d2"], [CopyTask(f, (0, 1)) for f in scan.files],
                          dirs=scan.dirs, algorithms=(HashAlgorithm.XXH64,),
                          progress=ProgressSnapshot(scan.total_bytes, len(scan.files)))
        final = [e.state for e in events if isinstance(e, FileResult) and e.state != CopyState.COPIED]
        return before, os.sched_getaffinity(0), final

    before, after, final = in_thread(body)
    assert final == [CopyState.VERIFIED] * 602
    assert after == before
    names = {n for n, _ in seen}
    for role in ("pixm-writer-0", "pixm-writer-1", "pixm-verifier-0", "pixm-verifier-1"):
        assert role in names, f"{role} never shared the core"
    for name in names:
        states = [pinned for n, pinned in seen if n == name]
        assert states[0] is True and states[-1] is False, f"{name} left pinned: {states}"
    assert any(not pinned for n, pinned in seen if not n.startswith("pixm-")), "reader never left the core"


@needs_two_cores
def test_the_shared_core_is_the_one_the_starting_thread_runs_on():
    """Two offloads started together run on different cores: each shares the core it was placed on."""
    allowed = sorted(os.sched_getaffinity(0))

    def body(core):
        os.sched_setaffinity(0, {core})  # where the scheduler put the thread
        return SharedCore(set(allowed)).core

    assert [in_thread(lambda c=c: body(c)) for c in allowed[:2]] == allowed[:2]
