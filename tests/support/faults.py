"""Faults on cue: a cancel token that runs a hook at a chosen chunk boundary of the reading thread, the same
for ``pixm offload`` run in this process, and a service run that hands back the exception (formerly in
test_offload_faults)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pixm_desktop.core.model import CancelToken, ProgressSnapshot
from pixm_desktop.services.offload import OffloadService
from pixm_desktop.store.db import open_catalog

MiB = 1024 * 1024


class HookToken(CancelToken):
    """Calls ``hook`` once, at the first chunk boundary of the *reading* thread where ``when(progress, n)`` holds
    (``n`` = chunk boundaries seen so far in the current file, 1 = before its first chunk). A test seam in place
    of sleeps; verifier threads also call ``wait_if_paused`` and are ignored."""

    def __init__(self, progress: ProgressSnapshot, when: Callable[[ProgressSnapshot, int], bool],
                 hook: Callable[[], None]):
        super().__init__()
        self.progress, self.when, self.hook = progress, when, hook
        self.reader = threading.get_ident()
        self.fired = False
        self._file, self._n = None, 0

    def wait_if_paused(self) -> None:
        if threading.get_ident() == self.reader and not self.fired:
            current = (self.progress.current_file, self.progress.files_done, self.progress.phase)
            self._n = self._n + 1 if current == self._file else 1
            self._file = current
            if self.when(self.progress, self._n):
                self.fired = True
                self.hook()
        super().wait_if_paused()


def inject_hook(monkeypatch, when, hook) -> list[HookToken]:
    """Make every ``OffloadService.run`` (also the one ``pixm offload`` calls) use a :class:`HookToken`."""
    original = OffloadService.run
    tokens: list[HookToken] = []

    def run(self, prepared, *, cancel=None, progress=None):
        progress = progress or ProgressSnapshot(prepared.plan.total_bytes, len(prepared.plan.files))
        tokens.append(HookToken(progress, when, hook))
        return original(self, prepared, cancel=tokens[-1], progress=progress)

    monkeypatch.setattr(OffloadService, "run", run)
    return tokens


def run_service(catalog_path: Path, req, when=None, hook=None):
    """prepare + run through the service, optionally with a hook: (the result or the exception raised, token)."""
    catalog = open_catalog(catalog_path)
    token = None
    try:
        service = OffloadService(catalog)
        prepared = service.prepare(req)
        progress = ProgressSnapshot(prepared.plan.total_bytes, len(prepared.plan.files))
        token = HookToken(progress, when, hook) if hook else None
        return service.run(prepared, cancel=token, progress=progress), token
    except Exception as exc:  # handed to the test to assert on
        return exc, token
    finally:
        catalog.close()
