"""The review portal under test (issue 18): a shoot whose clips have browser proxies with the timecode burnt
in (rendered by the dailies job in the shipped ``h264-review-mp4`` preset), a portal server on a free loopback
port in this process, and Debian's Chromium driven by Playwright (``executable_path``; no browser download)."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.states import DailiesJobOptions, JobKind
from pixm_desktop.services import clips, jobs
from pixm_desktop.services.review import access
from pixm_desktop.services.review.server import PortalOptions, PortalServer
from pixm_desktop.services.settings import open_catalog
from support.shoots import offloaded_shoot

DAY = dt.date(2026, 11, 23)
FPS = Fraction(25)
PRESET = "h264-review-mp4"


def chromium_path() -> str | None:
    """Debian's ``chromium`` (``.ci/run`` installs it), or ``None``."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def wait_until(page, expression: str, timeout: float = 30.0) -> None:
    """Evaluate the JavaScript ``expression`` in ``page`` until it is true, under the page's own
    Content-Security-Policy. Playwright's ``wait_for_function`` cannot: once its first check is false it
    polls by ``eval`` inside the page, which the portal's policy forbids (no ``'unsafe-eval'``), so a wait
    that was not already true failed. ``page.evaluate`` runs through the browser's debugging protocol.
    Raises ``AssertionError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout:g} s: {expression}")
        page.wait_for_timeout(100)


def review_shoot(base: Path, clips_n: int = 3, seconds: float = 1.0) -> Path:
    """``base/catalog.sqlite``: ARRI card A001 (``clips_n`` clips of ``seconds`` s at 25 fps) offloaded, ingested (thumbnails) and
    logged scene 12A takes 1–3, rendered to H.264 MP4 proxies with the timecode burnt in (bottom right), into ``base/dailies``."""
    db = offloaded_shoot(base, [("A001", FPS, clips_n, seconds)], DAY)
    catalog = open_catalog(db)
    try:
        for take, row in enumerate(clips.list_clips(catalog), start=1):
            clips.update_log(catalog, [row.id], scene="12A", take=str(take))
        result = jobs.execute(catalog, JobKind.DAILIES, DailiesJobOptions(
            day=DAY.isoformat(), preset=PRESET, folder=str(base / "dailies"), workers=2, burn_in="tc"))
        assert len(result.rendered) == clips_n and not result.failed, result
    finally:
        catalog.close()
    return db


@contextmanager
def portal(db: Path, max_failures: int = 1000) -> Iterator[PortalServer]:
    """A portal server on the catalog ``db`` at a free port of 127.0.0.1, stopped after (the tests' refusals
    all come from 127.0.0.1: the failure limit is high unless a test is about it)."""
    server = PortalServer(PortalOptions(db, host="127.0.0.1", port=0, max_failures=max_failures))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def link(db: Path, server: PortalServer, name: str, role: str, days: int = 1) -> str:
    """A new invite link for ``name`` as ``role`` on ``server``."""
    catalog = open_catalog(db)
    try:
        return access.invite(catalog, name, role, days).link(server.url)
    finally:
        catalog.close()
