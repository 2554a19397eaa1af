"""Sources: which cards are mounted, and what each one is.

``list_mounted(roots)`` lists the candidate card folders under the watched mount roots (``/media/$USER``,
``/run/media/$USER``, ``/media``, ``/mnt`` on Linux, ``/Volumes`` on macOS, drive letters on Windows) plus the
removable volumes psutil reports. It is cheap (a directory listing per root) and is meant to be polled about
twice a second off the GUI thread; a mounted card shows up within one poll. ``inspect_source(path)`` scans a
card, recognises its camera and reel from the layout, counts clips, fingerprints its content and asks the
catalog whether that card was offloaded before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from pixm_desktop.core.drive_names import short_names
from pixm_desktop.core.errors import SourceError
from pixm_desktop.core.model import Camera
from pixm_desktop.core.states import JobKind
from pixm_desktop.core.timeutil import aware_utc
from pixm_desktop.engine.cards import quick_fingerprint, recognise
from pixm_desktop.engine.plan import volume_of
from pixm_desktop.engine.scan import DEFAULT_SOURCE_IGNORES, CardScan, IgnoreList, scan_card
from pixm_desktop.services import context
from pixm_desktop.store import repo
from pixm_desktop.store.db import Catalog

#: File endings counted as clips (one clip = one media file; RED clips are ``.RDC`` folders of spans).
CLIP_EXTENSIONS = (".mov", ".mxf", ".mp4", ".braw", ".wav", ".bwf", ".crm", ".ari", ".mts", ".avi")
#: Folders holding proxies or sub-streams of clips counted elsewhere.
PROXY_FOLDERS = {"SUB", "PROXY", "PROXIES", "THMBNL"}


def default_mount_roots() -> list[Path]:
    """The usual places removable media appear on this platform (folders whose children are mounted volumes)."""
    if sys.platform == "darwin":
        return [Path("/Volumes")]
    if os.name == "nt":
        return []  # drive letters come from psutil (see list_mounted)
    user = context.current_user() or os.environ.get("USER", "")
    roots = [Path("/media") / user, Path("/run/media") / user] if user else []
    return [*roots, Path("/media"), Path("/mnt")]


def list_mounted(roots: Iterable[os.PathLike | str], exclude: Iterable[os.PathLike | str] = ()) -> list[Path]:
    """Candidate card folders: each visible folder directly under a root that is a mount point or not empty,
    plus removable drives (Windows drive letters, macOS volumes). Folders that hold, or lie inside, one of
    ``exclude`` (the destination roots) are left out, so a backup drive never shows up as a card."""
    roots = [Path(r) for r in roots]
    root_set = {os.path.normcase(os.path.abspath(r)) for r in roots}
    found: dict[str, Path] = {}
    for root in roots:
        try:
            entries = list(os.scandir(root))
        except OSError:
            continue  # a missing root (no /run/media here) is normal
        for e in entries:
            if e.name.startswith(".") or e.name.startswith("$"):
                continue
            try:
                if e.is_symlink() or not e.is_dir():
                    continue  # /Volumes/Macintosh HD is a link to /
            except OSError:
                continue
            path = Path(e.path)
            key = os.path.normcase(os.path.abspath(path))
            if key in root_set or key in found:
                continue  # /media/$USER is itself a root
            if os.path.ismount(path) or _not_empty(path):
                found[key] = path
    for part in _removable_partitions():
        key = os.path.normcase(os.path.abspath(part))
        found.setdefault(key, Path(part))
    excl = [os.path.normcase(os.path.abspath(x)) for x in exclude]
    out = []
    for key, path in sorted(found.items()):
        if any(x == key or x.startswith(key.rstrip(os.sep) + os.sep) or key.startswith(x.rstrip(os.sep) + os.sep)
               for x in excl):
            continue
        out.append(path)
    return out


def _not_empty(path: Path) -> bool:
    try:
        with os.scandir(path) as it:
            return any(True for _ in it)
    except OSError:
        return False


def _removable_partitions() -> list[str]:
    """Removable drives psutil knows: drive letters on Windows (not the system drive), nothing on Linux (the
    mount roots cover it)."""
    if os.name != "nt":
        return []
    system = (os.environ.get("SYSTEMDRIVE", "C:") + "\\").upper()
    out = []
    try:
        for p in psutil.disk_partitions(all=False):
            if p.mountpoint.upper() != system and ("removable" in p.opts or "fixed" in p.opts):
                out.append(p.mountpoint)
    except OSError:
        pass
    return out


@dataclass(slots=True)
class SourceInfo:
    """What a mounted card (or dropped folder) is. Sizes in bytes."""

    path: Path
    label: str
    camera: str
    reel: str
    clips: int
    files: int
    total_bytes: int
    fingerprint: str
    is_mount: bool = False
    volume_total: int = 0
    volume_label: str = ""
    known_card_id: int | None = None
    known_summary: str | None = None  # "already offloaded on … to …"
    warnings: list[str] = field(default_factory=list)

    @property
    def camera_title(self) -> str:
        return "Unknown layout" if self.camera == Camera.UNKNOWN.value else self.camera.upper()


def count_clips(scan: CardScan) -> int:
    """Clips on a card by its layout: RED clip folders (``.RDC``), else media files outside proxy folders."""
    rdc = {d for d in scan.dirs if d.upper().endswith(b".RDC")}
    if rdc:
        return len(rdc)
    n = 0
    for f in scan.files:
        name = f.display
        parts = name.split("/")
        if parts[-1].startswith("._") or any(p.upper() in PROXY_FOLDERS for p in parts[:-1]):
            continue
        if name.lower().endswith(CLIP_EXTENSIONS):
            n += 1
    return n


def inspect_source(path: os.PathLike | str, catalog: Catalog | None = None) -> SourceInfo:
    """Scan, recognise and fingerprint the card at ``path``; look it up in ``catalog`` by content.

    Raises :class:`SourceError` when the folder cannot be read (pulled card, permissions).
    """
    path = Path(path)
    scan = scan_card(path, IgnoreList(DEFAULT_SOURCE_IGNORES))
    identity = recognise(scan)
    try:
        fingerprint = quick_fingerprint(scan)
    except OSError as exc:
        raise SourceError(f"cannot read the card: {exc.strerror}", path=exc.filename or path,
                          hint="check the card and its reader") from exc
    info = SourceInfo(path=path, label=identity.label, camera=identity.camera.value, reel=identity.reel,
                      clips=count_clips(scan), files=len(scan.files), total_bytes=scan.total_bytes,
                      fingerprint=fingerprint, is_mount=os.path.ismount(path))
    if info.is_mount:
        try:
            vol = volume_of(path)
            info.volume_total, info.volume_label = vol.total_bytes, vol.label
        except OSError:
            pass
    if not scan.files:
        info.warnings.append("the card holds no files")
    for rel, reason in scan.problems:
        info.warnings.append(f"cannot be taken, blocks SAFE TO FORMAT: {rel.decode('utf-8', 'replace')} ({reason})")
    if catalog is not None:
        info.known_card_id, info.known_summary = known_card(catalog, fingerprint)
    return info


def known_card(catalog: Catalog, fingerprint: str) -> tuple[int | None, str | None]:
    """``(card id, "already offloaded on … to …")`` for a card the catalog knows by content, else ``(None, None)``."""
    with catalog.session() as s:
        card = repo.find_card(s, fingerprint)
        if card is None:
            return None, None
        jobs = [j for j in card.jobs if j.kind == JobKind.OFFLOAD]
        if not jobs:
            return card.id, None
        last = jobs[-1]
        when = aware_utc(last.created_at)
        where = ", ".join(short_names([(d.path, d.volume_label) for d in card.destinations])) or "no destination"
        return card.id, f"already offloaded on {when.astimezone():%Y-%m-%d %H:%M} to {where}"
