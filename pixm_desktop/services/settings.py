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
from pixm_desktop.engine.plan import (
    DEFAULT_TEMPLATE,
    TEMPLATE_TOKENS,
    check_token,
    render_template,
    volume_of,
)
from pixm_desktop.services import show
from pixm_desktop.services.offload import OffloadRequest
from pixm_desktop.services.sources import default_mount_roots
from pixm_desktop.store.db import Catalog, default_catalog_path, open_catalog

__all__ = ["DEFAULT_TEMPLATE", "TEMPLATE_TOKENS", "Catalog", "DestinationSetting", "DestinationSpace",
           "OffloadSettings", "Production", "build_request", "dailies_cluster_options", "default_catalog_path", "destination_space",
           "check_token", "open_catalog", "preview_path", "production_defaults", "production_tokens",
           "shoot_day_number"]

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
    # the production (Settings → Production): the reports' header and the {production} {unit} {dit}
    # {shootday} template tokens; "" = not set (the show profile's, when one is installed)
    production: str = ""
    company: str = ""
    dit: str = ""  # the DIT's name on reports and in ASC MHL (instead of the OS login)
    unit: str = ""
    day_one: str = ""  # ISO date of shoot day 1: day N is counted from it …
    shoot_day: int = 0  # … unless a number is set for today (> 0)
    shortcuts: dict[str, str] = field(default_factory=dict)  # action name → keys (Qt portable text, "" none)
    # dailies on render nodes (docs/dailies.md "Render nodes"): a Dask scheduler's address ("" = this machine)
    # and "CART_PREFIX=NODE_PREFIX" path mappings between the cart and the nodes
    dailies_cluster: str = ""
    dailies_path_map: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Production:
    """What the cart says about the production: the typed settings, else the show profile's."""

    production: str = ""
    company: str = ""
    dit: str = ""
    unit: str = ""


def dailies_cluster_options(settings: OffloadSettings) -> dict[str, str]:
    """The ``cluster`` and ``path_map`` fields of a dailies job's options from the settings. Raises
    :class:`UsageError` for a mapping that is not ``CART=NODE``."""
    from pixm_desktop.services.dailies_cluster import PathMap

    return {"cluster": settings.dailies_cluster.strip(),
            "path_map": PathMap.parse(settings.dailies_path_map).text()}


def production_defaults(settings: OffloadSettings, catalog: Path | None = None) -> Production:
    """The production settings, each empty one taken from the installed show profile (its production name,
    company and first unit) when there is one. A profile that no longer validates is ignored here (the
    Show page reports it). Reads one small file: fine on the GUI thread at start."""
    try:
        profile = show.current_profile(catalog)
    except PixmError:
        profile = None
    p = profile.production if profile else None
    unit = p.units[0].name if p and p.units else ""
    return Production(production=settings.production or (p.name if p else ""),
                      company=settings.company or ((p.company or "") if p else ""),
                      dit=settings.dit, unit=settings.unit or unit)


def shoot_day_number(settings: OffloadSettings, day: dt.date) -> int | None:
    """Shoot day of ``day``: the number set for the day, else counted from ``day_one`` (day one is 1), else
    ``None``. A ``day_one`` that is not an ISO date counts as unset."""
    if settings.shoot_day > 0:
        return settings.shoot_day
    try:
        first = dt.date.fromisoformat(settings.day_one) if settings.day_one else None
    except ValueError:
        return None
    return (day - first).days + 1 if first and day >= first else None


def production_tokens(settings: OffloadSettings, day: dt.date, catalog: Path | None = None) -> dict[str, str]:
    """The ``{production}`` ``{unit}`` ``{dit}`` ``{shootday}`` template values (shoot day as two digits,
    ``07``). Raises :class:`UsageError` for a value that is not one folder name (``engine.plan.check_token``)."""
    p = production_defaults(settings, catalog)
    n = shoot_day_number(settings, day)
    tokens = {"production": p.production, "unit": p.unit, "dit": p.dit, "shootday": f"{n:02d}" if n else ""}
    for name, value in tokens.items():
        check_token(name, value)
    return tokens


def build_request(settings: OffloadSettings, source: Path, day: dt.date | None = None,
                  catalog: Path | None = None) -> OffloadRequest:
    """The offload request for ``source`` with the current destination set, the production tokens and the
    DIT's name (ASC MHL author). Raises ``PixmError`` when the settings cannot make one (no destination, bad
    hash formats, a production value that is not a folder name): :class:`UsageError`."""
    if not settings.destinations:
        raise UsageError("no destination in the destination set",
                        hint="add at least one drive or folder under Destinations (two drives is the usual minimum)")
    try:
        algorithms = parse_algorithms(settings.hashes)
    except ValueError as exc:
        raise UsageError(str(exc), hint="choose a hash format in the Destinations panel") from None
    day = day or dt.date.today()
    return OffloadRequest(source=Path(source), destinations=[Path(d.path) for d in settings.destinations],
                          algorithms=algorithms, template=settings.template, project=settings.project or "Untitled",
                          day=day, required=[d.required for d in settings.destinations],
                          source_verify=settings.source_verify, cascade=settings.cascade,
                          author=settings.dit.strip() or None, tokens=production_tokens(settings, day, catalog))


def preview_path(template: str, root: str | os.PathLike, *, project: str, day: dt.date, card: str = "A001R1AB",
                 camera: str = "ARRI", reel: str = "A001",
                 tokens: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """``(path, None)`` where a card would land below ``root`` with ``template``, or ``(None, problem)``.

    Pure: touches no file system, so the GUI may call it on every key press.
    """
    tokens = {"project": project, "day": day.isoformat(), "card": card, "camera": camera.upper(), "reel": reel,
              "date": dt.date.today().isoformat(), "host": os.uname().nodename if hasattr(os, "uname") else "",
              **(tokens or {})}
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
