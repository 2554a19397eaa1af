"""The self-check both executables run with ``--smoke-test``: every part a frozen bundle could lose (a native
library, a data file, a plugin's package metadata) exercised once on generated data in a temporary folder.

Each check is ``(name, function)``; a function returns a short detail or raises. :func:`run_checks` runs them
all (one failing never stops the others) and returns :class:`CheckResult` rows in order. Nothing outside the
temporary folder is read or written, except that the shipped resources are read.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pixm_desktop.core.resources import resource_path


@dataclass(frozen=True)
class CheckResult:
    """One check: its name, whether it passed, what it found (or why it failed) and how long it took (s)."""

    name: str
    ok: bool
    detail: str
    seconds: float


class _Work:
    """What the checks share: the temporary folder, and the sample card, catalog and offload made once."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.card = None
        self.catalog_path = folder / "catalog.sqlite"
        self.job_id: int | None = None
        self.dests = [folder / "RAID-A", folder / "SHUTTLE-B"]


def _catalog(w: _Work) -> str:
    from pixm_desktop.store.db import SCHEMA_HEAD, open_catalog, schema_revision

    catalog = open_catalog(w.catalog_path)
    try:
        revision = schema_revision(catalog.engine)
    finally:
        catalog.close()
    if revision != SCHEMA_HEAD:
        raise RuntimeError(f"a fresh catalog stands at revision {revision}, not {SCHEMA_HEAD}")
    return f"fresh catalog migrated to {revision}"


def _resources(w: _Work) -> str:
    icons = list(resource_path("icons").rglob("*.svg"))
    fonts = list(resource_path("fonts").rglob("*.ttf"))
    presets = list(resource_path("dailies-presets").glob("*.json"))
    if not icons or not fonts or not presets:
        raise FileNotFoundError(f"resources incomplete under {resource_path()}: {len(icons)} icons, "
                                f"{len(fonts)} fonts, {len(presets)} dailies presets")
    return f"{len(icons)} icons, {len(fonts)} fonts, {len(presets)} dailies presets"


#: OpenTimelineIO adapters PIXM reads and writes with (its own and those of its dependencies' plugin packages).
REQUIRED_ADAPTERS = frozenset({"otio_json", "cmx_3600", "fcp_xml", "ale"})


def _otio(w: _Work) -> str:
    import opentimelineio as otio

    names = set(otio.adapters.available_adapter_names())
    missing = REQUIRED_ADAPTERS - names
    if missing:
        raise LookupError(f"OpenTimelineIO adapters missing: {', '.join(sorted(missing))} (found {sorted(names)})")
    return "adapters: " + ", ".join(sorted(names))


def _offload(w: _Work) -> str:
    from pixm_desktop.mhl import verify_history
    from pixm_desktop.services import context, samples
    from pixm_desktop.services.offload import OffloadRequest, OffloadService

    w.card = samples.make_card(w.folder / "card", "arri", clips=1, seconds=1.0, width=320, height=180, seed=3)
    for d in w.dests:
        d.mkdir()
    catalog = context.open_catalog(w.catalog_path)
    try:
        service = OffloadService(catalog)
        result = service.run(service.prepare(OffloadRequest(w.card.root, list(w.dests), project="Smoke test",
                                                            day=dt.date(2026, 11, 23))))
    finally:
        catalog.close()
    if not result.ok:
        raise RuntimeError(f"offload of the sample card ended {result.status.value}")
    w.job_id = result.job_id
    report = verify_history(result.destinations[0].card_path, creator=context.creator(), when=dt.datetime.now(dt.UTC),
                            write=False)
    if not report.ok:
        raise RuntimeError(f"the ASC MHL history written does not verify: {report.counts}")
    return f"{result.files} files copied to 2 folders, verified, ASC MHL generation verified again"


def _probe(w: _Work) -> str:
    from pixm_desktop.media.probe import probe_media

    clip = _first_clip(w)
    found = probe_media(clip)
    if not found.frames:
        raise RuntimeError(f"{clip.name}: probe found no frames ({found})")
    return f"{clip.name}: {found.codec} {found.width}×{found.height}, {found.frames} frames"


def _proxy(w: _Work) -> str:
    from pixm_desktop.media.renditions import presets
    from pixm_desktop.media.renditions.render import RenditionRequest, render

    lut = w.folder / "invert.cube"
    lut.write_text("LUT_3D_SIZE 2\n" + "".join(f"{1 - r} {1 - g} {1 - b}\n" for b in (0, 1) for g in (0, 1)
                                              for r in (0, 1)))
    clip = _first_clip(w)
    result = render(RenditionRequest(clip, clip.stem, presets.get_preset("h264-review-mp4"), w.folder / "proxy",
                                     lut=lut, burn_in=("tc", "clip")))
    if not result.frames:
        raise RuntimeError("the proxy has no frame")
    _check_inverted(clip, result.paths[0])
    return f"H.264 proxy of {clip.stem} through a .cube LUT with burn-ins: {result.frames} frames"


def _check_inverted(source: Path, proxy: Path) -> None:
    """The proxy's first frame is the source's inverted (the LUT), away from the burn-in boxes."""
    import av

    def mean_centre(path: Path) -> float:
        with av.open(str(path)) as c:
            frame = next(c.decode(video=0)).to_ndarray(format="rgb24").astype(np.float32)
        h, w = frame.shape[:2]
        return float(frame[h // 3: 2 * h // 3, w // 3: 2 * w // 3].mean())

    a, b = mean_centre(source), mean_centre(proxy)
    if abs((255 - a) - b) > 40:
        raise RuntimeError(f"the LUT did not invert the picture (source mean {a:.0f}, proxy mean {b:.0f})")


def _pdf(w: _Work) -> str:
    from pixm_desktop.reports.pdf import accelerated
    from pixm_desktop.services import context, reports

    if w.job_id is None:
        raise RuntimeError("no offload to report on (the offload check failed)")
    path = w.folder / "offload.pdf"
    catalog = context.open_catalog(w.catalog_path)
    try:
        reports.write_offload_report(catalog, path, job_id=w.job_id)
    finally:
        catalog.close()
    if path.read_bytes()[:5] != b"%PDF-":
        raise RuntimeError(f"{path} is not a PDF")
    if not accelerated():  # a bundle without _rl_accel writes a big card's report seconds slower
        raise RuntimeError("reportlab's C helpers (rl_accel) are missing: install reportlab[accel]")
    return f"offload report PDF, {path.stat().st_size} bytes, reportlab's C helpers"


def _portal(w: _Work) -> str:
    """The review portal (its templates, static files and the web stack) serves one page to an invited viewer."""
    import http.cookiejar
    import urllib.request

    from pixm_desktop.services import context
    from pixm_desktop.services.review import access
    from pixm_desktop.services.review.server import PortalOptions, PortalServer

    catalog = context.open_catalog(w.catalog_path)
    try:
        invite = access.invite(catalog, "Self Check", "director", 1)
    finally:
        catalog.close()
    server = PortalServer(PortalOptions(w.catalog_path, host="127.0.0.1", port=0))
    url = server.start()
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with opener.open(invite.link(url), timeout=30) as r:
            page = r.read().decode()
        with opener.open(url + "/static/player.js", timeout=30) as r:
            script = r.read()
    finally:
        server.stop()
    if "Shoot days" not in page or "Self Check" not in page or b"requestVideoFrameCallback" not in script:
        raise RuntimeError("the portal's days page or player script is not what it should be")
    return f"review portal page served ({len(page)} characters) and its player script"


def _render_nodes(_w: _Work) -> str:
    """The versions a Dask cluster compares (``distributed.versions.required_packages``): the cart's client reads
    its own from the packages' metadata, and a bundle without that metadata reports every render node as
    mismatched, which hides a real mismatch (docs/dailies.md, "Render nodes")."""
    import importlib.metadata as metadata

    from distributed.versions import required_packages

    found, missing = {}, []
    for name in required_packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        raise RuntimeError(f"no package metadata for {', '.join(missing)}: the version check against render nodes "
                           "would call every node mismatched (a build must copy their metadata: pixm.spec)")
    return "versions a render node compares: " + ", ".join(f"{n} {v}" for n, v in found.items())


def _first_clip(w: _Work) -> Path:
    if w.card is None:
        raise RuntimeError("no sample card (the offload check failed)")
    clip = next((Path(w.card.root) / c.files[0] for c in w.card.clips if c.files), None)
    if clip is None:
        raise RuntimeError("the sample card has no clip")
    return clip


CHECKS: tuple[tuple[str, Callable[[_Work], str]], ...] = (
    ("catalog", _catalog),
    ("resources", _resources),
    ("timelines", _otio),
    ("offload + ASC MHL", _offload),
    ("probe", _probe),
    ("proxy with a LUT", _proxy),
    ("PDF report", _pdf),
    ("review portal", _portal),
    ("render nodes", _render_nodes),
)


def run_checks(extra: tuple[tuple[str, Callable[[Path], str]], ...] = ()) -> Iterator[CheckResult]:
    """Run :data:`CHECKS`, then ``extra`` checks (``(name, function(temp folder) -> detail)``, e.g. the window
    opened offscreen), in a fresh temporary folder removed afterwards; yields one result per check as it ends."""
    with tempfile.TemporaryDirectory(prefix="pixm-smoke-") as tmp:
        work = _Work(Path(tmp))
        steps = [*CHECKS, *((name, lambda w, f=fn: f(w.folder)) for name, fn in extra)]
        for name, fn in steps:
            started = time.monotonic()
            try:
                detail, ok = fn(work), True
            except Exception as exc:  # a self-check reports every failure, it never stops at the first
                detail, ok = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}", False
            yield CheckResult(name, ok, detail, time.monotonic() - started)


def print_checks(results, write: Callable[[str], None]) -> int:
    """Print each result as ``ok``/``FAILED`` lines; returns 0 when all passed, else 1."""
    failed = []
    for r in results:
        write(f"{'ok    ' if r.ok else 'FAILED'} {r.name} ({r.seconds:.1f} s): {r.detail.strip()}")
        if not r.ok:
            failed.append(r.name)
    write("self-check passed" if not failed else f"self-check FAILED: {', '.join(failed)}")
    return 1 if failed else 0
