"""Pre-flight: where each card goes on each destination, and whether it fits, before the first byte moves."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import string
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from pixm_desktop.core.errors import (
    DestinationInsideSourceError,
    DestinationNotWritableError,
    InsufficientSpaceError,
    PreflightError,
    UsageError,
)
from pixm_desktop.core.hashes import DEFAULT_ALGORITHM, HashAlgorithm
from pixm_desktop.core.model import Camera, SourceFile
from pixm_desktop.engine.scan import CardScan

DEFAULT_TEMPLATE = "{project}/{day}/{camera}/{card}"
TEMPLATE_TOKENS = ("project", "day", "camera", "reel", "card", "date", "host")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
BLOCK = 4096  # allocation unit assumed when estimating space: each file rounds up to it


@dataclass(frozen=True, slots=True)
class VolumeInfo:
    """The mounted volume a path lives on (sizes in bytes)."""

    mount_point: str
    device: str
    fs_type: str
    total_bytes: int
    free_bytes: int
    label: str


@dataclass(slots=True)
class DestinationPlan:
    """One destination: the root the user chose and the card folder the template resolves to."""

    root: Path
    card_path: Path
    volume: VolumeInfo
    needed_bytes: int = 0
    required: bool = True
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class OffloadPlan:
    """Everything the copier needs: the scanned card, destinations, hash formats."""

    source: Path
    card_label: str
    camera: Camera
    reel: str
    scan: CardScan
    destinations: list[DestinationPlan]
    algorithms: tuple[HashAlgorithm, ...] = (DEFAULT_ALGORITHM,)
    warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[SourceFile]:
        return self.scan.files

    @property
    def total_bytes(self) -> int:
        return self.scan.total_bytes


def render_template(template: str, tokens: dict[str, str]) -> Path:
    """Resolve a folder template like ``{project}/{day}/{camera}/{card}`` to a relative path.

    Token values are made safe as single folder names (no separators, no characters Windows/exFAT refuse).
    Raises :class:`UsageError` for an unknown token or a template that resolves to an absolute or ``..`` path.
    """
    fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    unknown = sorted(set(fields) - set(TEMPLATE_TOKENS))
    if unknown:
        raise UsageError(
            f"unknown template token(s) {', '.join('{' + u + '}' for u in unknown)}",
            hint=f"known tokens: {' '.join('{' + t + '}' for t in TEMPLATE_TOKENS)}",
        )
    safe = {k: _safe_component(tokens.get(k, "")) or "_" for k in TEMPLATE_TOKENS}
    rel = Path(template.format(**safe))
    if rel.is_absolute() or ".." in rel.parts:
        raise UsageError(f"template {template!r} must resolve to a relative path inside the destination")
    return rel


def _safe_component(value: str) -> str:
    return _UNSAFE.sub("_", value).strip(" .")


def volume_of(path: Path) -> VolumeInfo:
    """The mounted volume holding ``path`` (the nearest existing parent is used)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    usage = shutil.disk_usage(probe)
    real = os.path.realpath(probe)
    best = None
    for part in psutil.disk_partitions(all=True):
        mp = part.mountpoint
        if (real == mp or real.startswith(mp.rstrip(os.sep) + os.sep)) and (best is None or len(mp) > len(best.mountpoint)):
            best = part
    mount = best.mountpoint if best else os.path.abspath(os.sep)
    return VolumeInfo(
        mount_point=mount,
        device=best.device if best else "",
        fs_type=best.fstype if best else "",
        total_bytes=usage.total,
        free_bytes=usage.free,
        label=Path(mount).name or mount,
    )


def make_plan(
    scan: CardScan,
    dest_roots: list[Path],
    *,
    camera: Camera,
    reel: str,
    template: str = DEFAULT_TEMPLATE,
    tokens: dict[str, str] | None = None,
    algorithms: tuple[HashAlgorithm, ...] = (DEFAULT_ALGORITHM,),
    required: list[bool] | None = None,
) -> OffloadPlan:
    """Check every destination and return the :class:`OffloadPlan`.

    Raises :class:`UsageError` (no destination, duplicates), :class:`DestinationInsideSourceError`,
    :class:`DestinationNotWritableError` and :class:`InsufficientSpaceError`, each naming the destination.
    """
    if not dest_roots:
        raise UsageError("no destination given", hint="add at least one --dest (two drives is the usual minimum)")
    source = scan.root.resolve()
    card_label = source.name
    values = {"card": card_label, "camera": camera.value.upper(), "reel": reel, "date": dt.date.today().isoformat(),
              "host": os.uname().nodename if hasattr(os, "uname") else "", **(tokens or {})}
    values.setdefault("project", "")
    values.setdefault("day", "")
    rel = render_template(template, values)
    if rel.name != card_label and "{card}" not in template:
        rel = rel / card_label  # the card keeps its own root folder name on every destination
    plan = OffloadPlan(source=source, card_label=card_label, camera=camera, reel=reel, scan=scan,
                       destinations=[], algorithms=algorithms)
    seen: dict[Path, int] = {}
    for idx, root in enumerate(dest_roots):
        dest = _plan_destination(Path(root), rel, source, scan, required[idx] if required else True)
        if dest.card_path in seen:
            raise UsageError(f"destination given twice: {dest.card_path}", path=dest.card_path)
        seen[dest.card_path] = idx
        plan.destinations.append(dest)
    _flag_shared_volumes(plan)
    return plan


def _plan_destination(root: Path, rel: Path, source: Path, scan: CardScan, required: bool) -> DestinationPlan:
    root_abs = root.expanduser().resolve()
    card_path = root_abs / rel
    if card_path == source or source in card_path.parents or card_path in source.parents:
        raise DestinationInsideSourceError(
            f"destination {card_path} overlaps the source card {source}",
            hint="choose a destination on another drive or outside the card", path=card_path)
    _check_writable(root_abs)
    volume = volume_of(root_abs)
    dest = DestinationPlan(root=root_abs, card_path=card_path, volume=volume, required=required)
    relocate(dest, card_path, scan)
    return dest


def relocate(dest: DestinationPlan, card_path: Path, scan: CardScan) -> None:
    """Point ``dest`` at another card folder on the same destination and re-check the space it needs.

    Raises :class:`InsufficientSpaceError` naming the destination.
    """
    dest.card_path = card_path
    dest.needed_bytes = _bytes_still_needed(scan, card_path)
    if dest.needed_bytes > dest.volume.free_bytes:
        raise InsufficientSpaceError(
            f"not enough space on {dest.volume.label} for {scan.root.name}: needs {_gb(dest.needed_bytes)}, "
            f"{_gb(dest.volume.free_bytes)} free",
            hint="free space or choose another destination", path=dest.root)


def _check_writable(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".pixm-probe-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DestinationNotWritableError(
            f"destination is not writable: {exc.strerror}",
            hint="check the drive is mounted read-write and you have permission", path=root) from exc


def _bytes_still_needed(scan: CardScan, card_path: Path) -> int:
    """Bytes to write, rounded to blocks; files already present with the same size count as done."""
    needed = 0
    base = os.fsencode(card_path)
    for f in scan.files:
        try:
            if os.stat(os.path.join(base, f.relpath)).st_size == f.size:
                continue
        except OSError:
            pass
        needed += -(-f.size // BLOCK) * BLOCK
    return needed


def _flag_shared_volumes(plan: OffloadPlan) -> None:
    by_device: dict[tuple[str, str], list[int]] = {}
    for idx, d in enumerate(plan.destinations):
        by_device.setdefault((d.volume.device, d.volume.mount_point), []).append(idx)
    for (_, mount), idxs in by_device.items():
        if len(idxs) > 1:
            msg = (f"destinations {', '.join(str(i + 1) for i in idxs)} are on the same volume ({mount}): "
                   "one drive failure loses both copies")
            plan.warnings.append(msg)
            for i in idxs:
                plan.destinations[i].notes.append("shares a volume with another destination")
    if any(d.volume.mount_point == _mount_of(plan.source) for d in plan.destinations):
        plan.warnings.append("a destination is on the same volume as the source card")


def _mount_of(path: Path) -> str:
    try:
        return volume_of(path).mount_point
    except OSError:
        return ""


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


__all__ = ["DEFAULT_TEMPLATE", "DestinationPlan", "OffloadPlan", "PreflightError", "VolumeInfo", "make_plan",
           "relocate", "render_template", "volume_of"]
