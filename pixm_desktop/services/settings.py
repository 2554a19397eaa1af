"""The cart's offload settings (destination set, folder template, safe-to-format rule, watched mount roots) and
the small helpers the GUI needs around them: open the catalog, preview a template, free space per destination.

The settings are plain data; the GUI keeps them between runs (QSettings) and builds :class:`OffloadRequest`\\ s
from them. Nothing here blocks for long except :func:`destination_space` (it stats drives: call it off the GUI
thread).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.errors import PixmError, UsageError
from pixm_desktop.core.hashes import parse_algorithms
from pixm_desktop.engine.plan import DEFAULT_TEMPLATE, TEMPLATE_TOKENS, render_template, volume_of
from pixm_desktop.services.offload import OffloadRequest
from pixm_desktop.services.sources import default_mount_roots
from pixm_desktop.store.db import Catalog, default_catalog_path, open_catalog

__all__ = ["DEFAULT_TEMPLATE", "TEMPLATE_TOKENS", "Catalog", "DestinationSetting", "DestinationSpace",
           "OffloadSettings", "build_request", "default_catalog_path", "destination_space", "open_catalog",
           "preview_path"]

HASH_CHOICES = ("xxh64", "xxh128", "xxh3", "md5", "xxh64,md5", "sha1", "c4")


@dataclass(slots=True)
class DestinationSetting:
    """One destination root of the set (a drive or a folder) and whether a card needs it to be safe."""

    path: str
    required: bool = True


@dataclass(slots=True)
class OffloadSettings:
    """Everything the cart window remembers between runs (see the GUI's QSettings store)."""

    destinations: list[DestinationSetting] = field(default_factory=list)
    template: str = DEFAULT_TEMPLATE
    project: str = "Untitled"
    hashes: str = "xxh64"
    min_copies: int = 2  # safe to format needs this many verified copies (and every required destination)
    distinct_drives: bool = True  # copies on the same drive count once towards min_copies
    auto_offload: bool = False  # new cards go to the queue by themselves
    mount_roots: list[str] = field(default_factory=lambda: [str(p) for p in default_mount_roots()])
    source_verify: bool = False  # also re-read the card after the copy and compare (pixm offload --source-verify)
    cascade: bool = False  # copy to the first destination, the others from it (pixm offload --cascade)
    ingest_clips: bool = True  # after a verified job: group clips, probe them, make thumbnails (background)
    auto_report: bool = True  # after a verified job: write its offload report PDF
    report_folder: str = ""  # where automatic reports go; "" = a "reports" folder beside the catalog


def build_request(settings: OffloadSettings, source: Path, day: dt.date | None = None) -> OffloadRequest:
    """The offload request for ``source`` with the current destination set. Raises ``PixmError`` when the
    settings cannot make one (no destination, bad hash formats): :class:`UsageError`."""
    if not settings.destinations:
        raise UsageError("no destination in the destination set",
                        hint="add at least one drive or folder under Destinations (two drives is the usual minimum)")
    try:
        algorithms = parse_algorithms(settings.hashes)
    except ValueError as exc:
        raise UsageError(str(exc), hint="choose a hash format in the Destinations panel") from None
    return OffloadRequest(source=Path(source), destinations=[Path(d.path) for d in settings.destinations],
                          algorithms=algorithms, template=settings.template, project=settings.project or "Untitled",
                          day=day or dt.date.today(), required=[d.required for d in settings.destinations],
                          source_verify=settings.source_verify, cascade=settings.cascade)


def preview_path(template: str, root: str | os.PathLike, *, project: str, day: dt.date, card: str = "A001R1AB",
                 camera: str = "ARRI", reel: str = "A001") -> tuple[str | None, str | None]:
    """``(path, None)`` where a card would land below ``root`` with ``template``, or ``(None, problem)``.

    Pure: touches no file system, so the GUI may call it on every key press.
    """
    tokens = {"project": project, "day": day.isoformat(), "card": card, "camera": camera.upper(), "reel": reel,
              "date": dt.date.today().isoformat(), "host": os.uname().nodename if hasattr(os, "uname") else ""}
    try:
        rel = render_template(template, tokens)
    except PixmError as exc:
        return None, str(exc)
    if rel.name != card and "{card}" not in template:
        rel = rel / card  # the engine keeps the card's own folder name (see engine.plan.make_plan)
    return str(Path(root) / rel), None


@dataclass(frozen=True, slots=True)
class DestinationSpace:
    """Free space of the drive holding a destination root (bytes); ``error`` when it cannot be read."""

    path: str
    label: str = ""
    mount_point: str = ""
    total_bytes: int = 0
    free_bytes: int = 0
    exists: bool = False
    error: str | None = None

    @property
    def used_fraction(self) -> float:
        return 0.0 if self.total_bytes <= 0 else 1.0 - self.free_bytes / self.total_bytes


def destination_space(paths: list[str]) -> list[DestinationSpace]:
    """Drive label and free space for each destination root (a missing folder is measured on its parent)."""
    out = []
    for p in paths:
        try:
            v = volume_of(Path(p))
            out.append(DestinationSpace(p, v.label, v.mount_point, v.total_bytes, v.free_bytes, os.path.isdir(p)))
        except OSError as exc:
            out.append(DestinationSpace(p, error=f"cannot read the drive: {exc.strerror or exc}"))
    return out
