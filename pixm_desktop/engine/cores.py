"""One processor core shared by the copy engine's threads while they work on small files.

Why: every system call releases Python's GIL and the next one takes it back. With a reader, a writer and a
verifier per destination all busy on small files, the GIL changes hands on nearly every call (about 30 calls
per file), and a hand-over to a thread on another core costs a cross-core wake-up. On a 20,000-file card
that was 628,000 context switches, a fifth of the offload's processor time spent switching and waking
threads, and 20 % more wall time than the same threads on one core. Large files are the other way round: their copies and hashes are long calls with
the GIL released, so they keep every core.

Linux only (``os.sched_setaffinity`` sets the calling thread's mask there); elsewhere this does nothing.
"""

from __future__ import annotations

import os
import threading

PIN_UP_TO = 1024 * 1024  # bytes: files up to this size are worked on with the threads sharing one core


class SharedCore:
    """The core the engine's threads share for small files, chosen once per copy run.

    :meth:`small` is called by a thread at the start of each piece of work: ``True`` moves the calling thread
    onto the shared core, ``False`` gives it back the cores it had. A system call is made only when the
    answer changes. Scheduling only: nothing read, written or verified depends on it. An ``OSError`` from the
    system (the core went offline, a cpuset changed) switches sharing off for the rest of the run.
    """

    def __init__(self, cores: set[int] | None = None):
        allowed = sorted(cores if cores is not None else _allowed_cores())
        self.core: int | None = _core_to_share(allowed) if len(allowed) > 1 else None
        self._local = threading.local()

    @property
    def active(self) -> bool:
        return self.core is not None

    def small(self, yes: bool) -> None:
        """Put the calling thread on the shared core (``yes``) or back on the cores it had."""
        pinned = getattr(self._local, "pinned", False)
        if pinned == yes or (yes and self.core is None):
            return  # nothing changes (a thread already pinned is still given its cores back)
        try:
            if yes:
                self._local.before = os.sched_getaffinity(0)
                os.sched_setaffinity(0, {self.core})
            else:
                os.sched_setaffinity(0, self._local.before)
            self._local.pinned = yes
        except OSError:
            self.core = None  # sharing off for new work; a thread left on the core still runs correctly
            self._local.pinned = False

    def release(self) -> None:
        """The calling thread stops sharing (call before it ends or goes back to other work)."""
        self.small(False)


def _core_to_share(allowed: list[int]) -> int:
    """The core the calling thread runs on now, where the system's scheduler placed it: two offloads started
    together (the window runs one job per card) are on different cores and so share different ones. By
    process id where the system does not say."""
    try:
        with open("/proc/thread-self/stat", "rb") as f:
            now = int(f.read().rsplit(b")", 1)[1].split()[36])  # field 39, "processor" (proc(5))
        if now in allowed:
            return now
    except (OSError, ValueError, IndexError):
        pass
    return allowed[os.getpid() % len(allowed)]


def _allowed_cores() -> set[int]:
    if not hasattr(os, "sched_setaffinity"):
        return set()
    try:
        return set(os.sched_getaffinity(0))
    except OSError:
        return set()
