"""Pre-flight: where each card goes on each destination, and whether it fits, before the first byte moves."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import string
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from pixm_desktop.core.errors import (
    DestinationInsideSourceError,
    DestinationMissingError,
    DestinationNotWritableError,
    InsufficientSpaceError,
    PreflightError,
    UsageError,
)
from pixm_desktop.core.hashes import DEFAULT_ALGORITHM, HashAlgorithm
from pixm_desktop.core.model import Camera, SourceFile
from pixm_desktop.engine.drives import PhysicalDrive, physical_drive, same_drive, unknown
from pixm_desktop.engine.scan import CardScan

DEFAULT_TEMPLATE = "{project}/{day}/{camera}/{card}"
TEMPLATE_TOKENS = ("project", "day", "camera", "reel", "card", "date", "host", "production", "unit", "dit",
                   "shootday")
#: Tokens whose values the DIT types (Settings → Production): a value that is not one plain folder name is
#: refused, never quietly changed — a production called "../x" must not walk out of the destination.
TYPED_TOKENS = ("production", "unit", "dit", "shootday")
_HOSTILE = re.compile(r"[\\/\x00-\x1f\x7f]")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
BLOCK = 4096  # allocation unit assumed when estimating space: each file rounds up to it
#: Folders whose children are where drives get mounted: a destination below one must be on a mounted drive.
DEFAULT_MOUNT_ROOTS: tuple[str, ...] = ("/Volumes", "/media", "/run/media", "/mnt")


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
    #: the physical disk(s) under the root (see :mod:`pixm_desktop.engine.drives`); unknown until resolved
    drive: PhysicalDrive = field(default_factory=lambda: unknown("drive not resolved"))
    #: ``st_dev`` of the root when planned: the copy refuses a root that is no longer on that filesystem
    root_dev: int | None = None


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
    Raises :class:`UsageError` for an unknown token, a template that resolves to an absolute or ``..`` path,
    or a typed token (:data:`TYPED_TOKENS`) whose value would make a hostile path (see :func:`check_token`).
    """
    fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    unknown = sorted(set(fields) - set(TEMPLATE_TOKENS))
    if unknown:
        raise UsageError(
            f"unknown template token(s) {', '.join('{' + u + '}' for u in unknown)}",
            hint=f"known tokens: {' '.join('{' + t + '}' for t in TEMPLATE_TOKENS)}",
        )
    for name in TYPED_TOKENS:
        if name in fields:
            check_token(name, tokens.get(name, ""))
    safe = {k: _safe_component(tokens.get(k, "")) or "_" for k in TEMPLATE_TOKENS}
    rel = Path(template.format(**safe))
    if rel.is_absolute() or ".." in rel.parts:
        raise UsageError(f"template {template!r} must resolve to a relative path inside the destination")
    return rel


def check_token(name: str, value: str) -> str:
    """``value`` when it can stand as one folder name for token ``name``; raises :class:`UsageError` for a
    path separator (``/`` or ``\\``), a control character, or a value that is ``.`` or ``..``."""
    if _HOSTILE.search(value) or value.strip() in (".", ".."):
        shown = value.encode("unicode_escape").decode("ascii")
        raise UsageError(f"{{{name}}} cannot be {shown!r}: it must be one folder name",
                         hint="no / or \\, no control characters, not . or ..")
    return value


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
    mount_roots: Sequence[os.PathLike | str] = DEFAULT_MOUNT_ROOTS,
    drive_of: Callable[[Path], PhysicalDrive] = physical_drive,
) -> OffloadPlan:
    """Check every destination and return the :class:`OffloadPlan`; nothing is created or written but a probe
    file in each root.

    Every overlap check compares real paths and (device, inode) pairs, so symlinks, bind mounts and other
    spellings cannot hide a destination inside the card, the card inside a destination, or one folder given
    twice. A root must exist (never created) and, below one of ``mount_roots``, be on a drive mounted there.
    ``drive_of`` tells the physical drive of a path (a parameter for tests).

    Raises :class:`UsageError` (no destination, one folder given twice), :class:`DestinationInsideSourceError`,
    :class:`DestinationMissingError`, :class:`DestinationNotWritableError` and :class:`InsufficientSpaceError`,
    each naming the destination.
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
    for idx, root in enumerate(dest_roots):
        dest = _plan_destination(Path(root), rel, scan, required[idx] if required else True, mount_roots)
        _check_not_twice(plan.destinations, dest)
        dest.drive = drive_of(dest.root)
        plan.destinations.append(dest)
    _flag_shared_drives(plan, drive_of(source))
    return plan


def _plan_destination(root: Path, rel: Path, scan: CardScan, required: bool,
                      mount_roots: Sequence[os.PathLike | str]) -> DestinationPlan:
    given = Path(os.path.abspath(root.expanduser()))
    root_abs = root.expanduser().resolve()
    check_outside_source(root_abs / rel, scan)
    _check_root_present(given, root_abs, mount_roots)
    _check_writable(root_abs)
    volume = volume_of(root_abs)
    dest = DestinationPlan(root=root_abs, card_path=root_abs / rel, volume=volume, required=required,
                           root_dev=os.stat(root_abs).st_dev)
    relocate(dest, root_abs / rel, scan)
    return dest


def relocate(dest: DestinationPlan, card_path: Path, scan: CardScan) -> None:
    """Point ``dest`` at another card folder on the same destination and re-check overlap and space.

    Raises :class:`DestinationInsideSourceError` and :class:`InsufficientSpaceError` naming the destination.
    """
    check_outside_source(card_path, scan)
    dest.card_path = card_path
    dest.needed_bytes = _bytes_still_needed(scan, card_path)
    if dest.needed_bytes > dest.volume.free_bytes:
        raise InsufficientSpaceError(
            f"not enough space on {dest.volume.label} for {scan.root.name}: needs {_gb(dest.needed_bytes)}, "
            f"{_gb(dest.volume.free_bytes)} free",
            hint="free space or choose another destination", path=dest.root)


# -- where a destination may be -------------------------------------------------------------------------------


def _ident(path: Path | str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _chain_ids(path: Path | str) -> set[tuple[int, int]]:
    """(device, inode) of ``path`` (real path) and of every existing folder above it."""
    real = Path(os.path.realpath(path))
    return {i for p in (real, *real.parents) if (i := _ident(p)) is not None}


def check_outside_source(card_path: Path, scan: CardScan) -> None:
    """Refuse a destination card folder that is, lies inside or holds the card, by real path or by
    (device, inode) — through a symlink, a bind mount or ``..`` alike — and one whose existing sub-folders
    lead into the card (the copy would be written into the source).

    Raises :class:`DestinationInsideSourceError` naming the folder.
    """
    source = Path(os.path.realpath(scan.root))
    source_id = _ident(source)
    inside = [card_path] + [Path(os.fsdecode(os.path.join(os.fsencode(card_path), d))) for d in scan.dirs]
    for target in inside:
        if target is not card_path and not os.path.lexists(target):
            continue
        real = Path(os.path.realpath(target))
        into_card = real == source or source in real.parents or (source_id is not None and source_id in _chain_ids(real))
        holds_card = real in source.parents or (
            (card_id := _ident(real)) is not None and card_id in _chain_ids(source))
        if into_card or holds_card:
            via = "" if real == Path(os.path.abspath(target)) else f" (it leads to {real})"
            raise DestinationInsideSourceError(
                f"destination {target} overlaps the source card {source}{via}",
                hint="choose a destination on another drive, outside the card; PIXM never writes into the source",
                path=target)


def _check_not_twice(planned: list[DestinationPlan], dest: DestinationPlan) -> None:
    """Refuse one folder given twice (other spelling, symlink, bind mount) or a card folder inside another."""
    real = Path(os.path.realpath(dest.card_path))
    key, ids = _folder_key(real), _chain_ids(real)
    for n, other in enumerate(planned, 1):
        o_real = Path(os.path.realpath(other.card_path))
        if key == _folder_key(o_real):
            raise UsageError(f"destination given twice: {dest.card_path} is the same folder as destination {n} "
                             f"({other.card_path})", path=dest.card_path,
                             hint="two copies in one folder are one copy: choose another drive")
        o_id = _ident(o_real)
        if o_real in real.parents or real in o_real.parents or (o_id is not None and o_id in ids) or (
                (d_id := _ident(real)) is not None and d_id in _chain_ids(o_real)):
            raise UsageError(f"destination {dest.card_path} and destination {n} ({other.card_path}) lie one "
                             "inside the other", path=dest.card_path, hint="choose folders on different drives")


def _folder_key(real: Path) -> tuple:
    """Identity of a folder that may not exist yet: (device, inode) of its nearest existing ancestor + the rest."""
    rest: list[str] = []
    probe = real
    while (ident := _ident(probe)) is None and probe != probe.parent:
        rest.append(probe.name)
        probe = probe.parent
    return ident, tuple(reversed(rest))


def _check_root_present(given: Path, root: Path, mount_roots: Sequence[os.PathLike | str]) -> None:
    """A root must exist, be a folder and, below a mount root (``/Volumes``, ``/media``…), be on a drive
    mounted there, not a leftover folder on the system disk. Raises :class:`DestinationMissingError`."""
    name = given.name or str(given)
    if not os.path.exists(root):
        raise DestinationMissingError(
            f"{name} is not mounted: {given} does not exist", path=given,
            hint="connect and mount the drive, or check the folder was not renamed or moved; "
                 "PIXM never creates a destination's root folder")
    if not root.is_dir():
        raise DestinationMissingError(f"{name} is not a folder: {given}", path=given,
                                      hint="choose the drive or folder the card should go to")
    mounted = _mount_points()
    for m in mount_roots:
        base = Path(os.path.realpath(m))
        if base not in root.parents:
            continue
        probe = root
        while probe != base:
            if os.path.ismount(probe) or str(probe) in mounted:
                return
            probe = probe.parent
        raise DestinationMissingError(
            f"{name} is not mounted: {given} is a folder on the drive holding {m}, not a drive mounted there",
            path=given, hint="mount the drive and choose it again; writing here would fill the system disk")


def _mount_points() -> set[str]:
    try:
        return {p.mountpoint for p in psutil.disk_partitions(all=True)}
    except OSError:
        return set()


def _check_writable(root: Path) -> None:
    try:
        probe = root / f".pixm-probe-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DestinationNotWritableError(
            f"destination is not writable: {exc.strerror}",
            hint="check the drive is mounted read-write and you have permission", path=root) from exc


def _bytes_still_needed(scan: CardScan, card_path: Path) -> int:
    """Bytes to write, rounded to blocks; files already present with the same size count as done. A folder
    not there yet holds none of them: its files are not looked for one by one (a new card folder: no lookup)."""
    needed = 0
    base = os.fsencode(card_path)
    folders: dict[bytes, bool] = {}
    for f in scan.files:
        folder = os.path.dirname(f.relpath)
        there = folders.get(folder)
        if there is None:
            there = folders[folder] = os.path.isdir(os.path.join(base, folder))
        try:
            if there and os.stat(os.path.join(base, f.relpath)).st_size == f.size:
                continue
        except OSError:
            pass
        needed += -(-f.size // BLOCK) * BLOCK
    return needed


# -- distinct drives ----------------------------------------------------------------------------------------------


def _flag_shared_drives(plan: OffloadPlan, source_drive: PhysicalDrive) -> None:
    """Warn when destinations share a physical drive (or a volume, when the drive is unknown), when a drive
    cannot be told, and when a destination shares the card's drive."""
    dests = plan.destinations
    group = list(range(len(dests)))  # union-find: destinations one failure could take together
    for i, a in enumerate(dests):
        for j in range(i):
            b = dests[j]
            if same_drive(a.drive, b.drive) or (a.volume.device, a.volume.mount_point) == (
                    b.volume.device, b.volume.mount_point):
                group[_find(group, i)] = _find(group, j)
    members: dict[int, list[int]] = {}
    for i in range(len(dests)):
        members.setdefault(_find(group, i), []).append(i)
    for idxs in members.values():
        if len(idxs) > 1:
            first = dests[idxs[0]]
            where = f"drive ({first.drive.name})" if first.drive.known else f"volume ({first.volume.mount_point})"
            lost = "both copies" if len(idxs) == 2 else f"all {len(idxs)} copies"
            plan.warnings.append(f"destinations {', '.join(str(i + 1) for i in idxs)} are on the same {where}: "
                                 f"one drive failure loses {lost}")
            for i in idxs:
                dests[i].notes.append("shares a drive with another destination")
    for i, d in enumerate(dests):
        if not d.drive.known:
            plan.warnings.append(f"cannot tell which drive destination {i + 1} ({d.root}) is on ({d.drive.note}): "
                                 "its copy cannot count as one on a distinct drive")
            d.notes.append(f"drive unknown: {d.drive.note}")
    on_source = [i + 1 for i, d in enumerate(dests) if same_drive(d.drive, source_drive)]
    if on_source:
        which = f"destination {on_source[0]} is" if len(on_source) == 1 else \
            f"destinations {', '.join(map(str, on_source))} are"
        plan.warnings.append(f"{which} on the same drive as the source card ({source_drive.name})")


def _find(group: list[int], i: int) -> int:
    while group[i] != i:
        i = group[i]
    return i


def _gb(n: int) -> str:
    return f"{n / 1e9:.2f} GB"


__all__ = ["DEFAULT_MOUNT_ROOTS", "DEFAULT_TEMPLATE", "DestinationPlan", "OffloadPlan", "PhysicalDrive",
           "PreflightError", "TYPED_TOKENS", "VolumeInfo", "check_outside_source", "check_token", "make_plan",
           "relocate", "render_template",
           "volume_of"]
