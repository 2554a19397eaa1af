"""Names of destinations for people, and the identity of the drive an old destination row is on.

Pure: plain ``(path, volume label)`` pairs in, strings out. The views, the verdict's reasons, the reports and
the "already offloaded to …" line all name destinations by these rules.
"""

from __future__ import annotations

from pathlib import Path


def drive_key(device: str, mount_point: str) -> str:
    """Identity of the drive a destination is on: the block device, or the mount point for file systems whose
    'device' is not unique (tmpfs, network shares)."""
    return device if device.startswith("/dev/") or (len(device) >= 2 and device[1] == ":") else mount_point or device


def short_names(items: list[tuple[str, str]]) -> list[str]:
    """Names for people from ``(path, volume label)`` pairs: the drive label when it is a real name and unique
    among ``items``, else the path."""
    labels = [lbl for _, lbl in items]
    out = []
    for path, lbl in items:
        usable = lbl and lbl not in ("/", "\\") and labels.count(lbl) == 1
        out.append(lbl if usable else path)
    return out


def brief_names(items: list[tuple[str, str]]) -> list[str]:
    """Like :func:`short_names`, but a folder whose drive label does not tell it apart is named by the first
    folder of its path that differs from the others' (``RAID-A`` for ``/media/x/RAID-A/Day 1/A001`` beside
    ``/media/x/SHUTTLE-B/Day 1/A001``): reasons stay readable. Falls back to the path when that is not unique."""
    names = short_names(items)
    ambiguous = [i for i, (name, (path, _l)) in enumerate(zip(names, items, strict=True)) if name == path]
    if len(ambiguous) < 2:
        return names
    parts = [Path(items[i][0]).parts for i in ambiguous]
    common = 0
    while all(len(p) > common + 1 for p in parts) and len({p[common] for p in parts}) == 1:
        common += 1
    picked = [p[common] for p in parts]
    if len(set(picked)) == len(picked) and not set(picked) & set(names):
        for i, name in zip(ambiguous, picked, strict=True):
            names[i] = name
    return names


__all__ = ["brief_names", "drive_key", "short_names"]
