"""Which physical drive a path lives on, for the "copies on distinct drives" rule of SAFE TO FORMAT.

Two partitions of one disk, two LVM volumes on one disk, two APFS volumes of one container or two shares of
one NAS are **one** drive: one failure loses every copy on it. :func:`physical_drive` resolves a path to the
disk(s) under its filesystem:

- Linux: the file's ``st_dev`` (major:minor) → ``/sys/dev/block/MAJ:MIN`` → device-mapper/LVM/md members
  (``slaves/``) and partitions up to whole disks; a loop device goes on to the drive holding its backing file.
  A whole disk is named by its WWID or serial (``/sys``, else ``/dev/disk/by-id``) so one disk seen under two
  names (multipath) is one drive, else by its kernel name.
- macOS: ``diskutil info -plist`` → APFS container → its physical store(s) → their whole disks.
- Windows: the volume's disk through PowerShell ``Get-Partition | Get-Disk``.
- Network filesystems (NFS, SMB/CIFS, AFP, WebDAV, sshfs): ``server:<host>`` — every share of one server is
  one drive, as far as PIXM can tell.

Where the OS cannot tell (tmpfs, overlay, an unknown FUSE filesystem, a virtual block device), the drive's
``id`` is ``""`` and ``note`` says why: callers must never take an unknown drive as distinct from another.
"""

from __future__ import annotations

import json
import os
import plistlib
import re
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

#: Filesystems whose data is another machine's: the drive is the server.
NETWORK_FS = frozenset({"nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afpfs", "webdav", "davfs",
                        "fuse.sshfs", "sshfs", "9p", "ceph", "glusterfs", "fuse.glusterfs"})
#: Filesystems held in memory: nothing survives a power cut, no drive to name.
MEMORY_FS = frozenset({"tmpfs", "ramfs", "devtmpfs", "hugetlbfs"})
_MEMORY_DISKS = re.compile(r"^(zram|ram|pmem)\d+")


@dataclass(frozen=True, slots=True)
class PhysicalDrive:
    """The physical drive(s) under a filesystem.

    ``id``: stable identity, ``""`` when unknown; several member disks (RAID, LVM spanning disks) are joined
    with ``+`` in sorted order. ``name``: for people ("vda", "md0 (sda+sdb)", "nas.local").
    ``note``: why the drive could not be told (``id == ""``), else ``None``.
    """

    id: str
    name: str
    note: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.id)

    @property
    def members(self) -> frozenset[str]:
        """The single disks (or servers) this drive is made of."""
        return frozenset(self.id.split("+")) if self.id else frozenset()


def unknown(note: str, name: str = "") -> PhysicalDrive:
    return PhysicalDrive("", name, note)


def same_drive(a: PhysicalDrive, b: PhysicalDrive) -> bool:
    """True when one disk failure could take both: the drives share a member disk. Unknown drives → False
    (the caller must treat "unknown" on its own, never as "distinct")."""
    return bool(a.members & b.members)


def physical_drive(path: os.PathLike | str, *, sysfs: os.PathLike | str = "/sys", devfs: os.PathLike | str = "/dev",
                   partitions: Callable[[], Iterable[Any]] | None = None) -> PhysicalDrive:
    """The physical drive holding ``path`` (or its nearest existing parent).

    ``sysfs``, ``devfs`` and ``partitions`` (a callable returning objects with ``device``, ``mountpoint``,
    ``fstype``, like :func:`psutil.disk_partitions`) are parameters so tests can give a fake machine.
    Never raises for an unreadable drive: the answer is then an unknown drive with the reason in ``note``.
    """
    probe = _existing(Path(path))
    mounts = list((partitions or (lambda: psutil.disk_partitions(all=True)))())
    mount = _mount_of(os.path.realpath(probe), mounts)
    fstype = (getattr(mount, "fstype", "") or "").lower()
    device = getattr(mount, "device", "") or ""
    if fstype in NETWORK_FS or (os.name == "nt" and device.startswith("\\\\")):
        return _server(device, fstype)
    if fstype in MEMORY_FS:
        return unknown(f"{fstype} is memory, not a drive")
    if sys.platform.startswith("linux"):
        return _linux(probe, fstype, device, Path(sysfs), Path(devfs), mounts)
    if sys.platform == "darwin":
        return _macos(getattr(mount, "mountpoint", "") or str(probe))
    if os.name == "nt":
        return _windows(probe)
    return unknown(f"{sys.platform}: drive identity not read")


def _existing(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def _mount_of(real: str, mounts: list[Any]) -> Any | None:
    best = None
    for m in mounts:
        mp = m.mountpoint
        if (real == mp or real.startswith(mp.rstrip(os.sep) + os.sep)) and (
                best is None or len(mp) >= len(best.mountpoint)):
            best = m  # the last of equal mount points is the one on top
    return best


# -- network -----------------------------------------------------------------------------------------------------


def _server(device: str, fstype: str) -> PhysicalDrive:
    """``server:<host>`` from ``host:/export`` (NFS, sshfs ``user@host:path``) or ``//[user@]host/share``."""
    dev = device.replace("\\", "/")
    if dev.startswith("//"):
        host = dev[2:].split("/", 1)[0]
    elif dev.startswith("["):  # [IPv6]:/export
        host = dev[1:].split("]", 1)[0]
    else:
        host = dev.split(":", 1)[0] if ":" in dev else ""
    host = host.rsplit("@", 1)[-1].split(";", 1)[-1].strip().lower()
    if not host:
        return unknown(f"cannot tell which server holds this {fstype} share ({device})")
    return PhysicalDrive(f"server:{host}", host)


# -- Linux -------------------------------------------------------------------------------------------------------


def _linux(probe: Path, fstype: str, device: str, sysfs: Path, devfs: Path, mounts: list[Any],
           depth: int = 0) -> PhysicalDrive:
    try:
        st = os.stat(probe)
    except OSError as exc:
        return unknown(f"cannot read {probe}: {exc.strerror}")
    nodes = [f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"]
    if device.startswith("/"):  # btrfs, fuseblk (NTFS, exFAT) report a device number of their own
        try:
            rdev = os.stat(device).st_rdev
            nodes.append(f"{os.major(rdev)}:{os.minor(rdev)}")
        except OSError:
            pass
    for node in nodes:
        block = sysfs / "dev" / "block" / node
        if block.exists():
            return _block_drive(Path(os.path.realpath(block)), sysfs, devfs, mounts, depth)
    return unknown(f"cannot tell which disk holds {fstype or 'this filesystem'} ({device or probe})")


def _block_drive(node: Path, sysfs: Path, devfs: Path, mounts: list[Any], depth: int) -> PhysicalDrive:
    disks: dict[str, str] = {}  # id → name
    note = _collect(node, sysfs, devfs, mounts, depth, disks)
    if note:
        return unknown(note, node.name)
    ids = sorted(disks)
    names = sorted(set(disks.values()))
    name = names[0] if len(names) == 1 else f"{_label(node)} ({'+'.join(names)})"
    return PhysicalDrive("+".join(ids), name)


def _collect(node: Path, sysfs: Path, devfs: Path, mounts: list[Any], depth: int, out: dict[str, str]) -> str | None:
    """Add the whole disks under sysfs block ``node`` to ``out``; return a reason when one cannot be told."""
    if depth > 16:
        return f"{node.name}: too many layers of block devices"
    if (node / "partition").exists():
        node = node.parent  # a partition's folder sits inside its disk's
    slaves = sorted((node / "slaves").iterdir()) if (node / "slaves").is_dir() else []
    if slaves:  # device-mapper, LVM, dm-crypt, md RAID: the members
        for s in slaves:
            if reason := _collect(Path(os.path.realpath(s)), sysfs, devfs, mounts, depth + 1, out):
                return reason
        return None
    backing = node / "loop" / "backing_file"
    if backing.exists():
        return _loop(node, backing, sysfs, devfs, mounts, depth, out)
    if _MEMORY_DISKS.match(node.name):
        return f"{node.name} is memory, not a drive"
    if "/virtual/" in str(node):
        return f"{node.name} is a virtual block device: cannot tell which disk holds it"
    out[_disk_id(node, devfs)] = node.name
    return None


def _loop(node: Path, backing: Path, sysfs: Path, devfs: Path, mounts: list[Any], depth: int,
          out: dict[str, str]) -> str | None:
    target = backing.read_text(errors="replace").strip()
    if not target or target.endswith("(deleted)") or not os.path.exists(target):
        return f"{node.name}: its image file {target or '?'} is gone, cannot tell which disk held it"
    mount = _mount_of(os.path.realpath(target), mounts)
    fstype = (getattr(mount, "fstype", "") or "").lower()
    device = getattr(mount, "device", "") or ""
    if fstype in NETWORK_FS:
        drive = _server(device, fstype)
    elif fstype in MEMORY_FS:
        return f"{node.name}: its image {target} is on {fstype}, memory, not a drive"
    else:
        drive = _linux(Path(target), fstype, device, sysfs, devfs, mounts, depth + 1)
    if not drive.known:
        return f"{node.name}: image {target}: {drive.note}"
    for member in sorted(drive.members):
        out[member] = drive.name if len(drive.members) == 1 else member
    return None


def _disk_id(disk: Path, devfs: Path) -> str:
    """A whole disk's identity: WWID or serial when the disk reports one (stable across names), else its name."""
    for f in (disk / "wwid", disk / "device" / "wwid", disk / "serial", disk / "device" / "serial"):
        try:
            value = f.read_text(errors="replace").strip()
        except OSError:
            continue
        if value:
            return f"{'wwid' if f.name == 'wwid' else 'serial'}:{value}"
    by_id = devfs / "disk" / "by-id"
    try:
        links = sorted(os.listdir(by_id))
    except OSError:
        links = []
    for link in sorted(links, key=lambda n: (not n.startswith("wwn-"), n)):  # WWN first: the most stable
        if os.path.basename(os.path.realpath(by_id / link)) == disk.name:
            return f"by-id:{link}"
    return f"dev:{disk.name}"


def _label(node: Path) -> str:
    try:
        return (node / "dm" / "name").read_text().strip() or node.name
    except OSError:
        return node.name


# -- macOS (untested here: needs a Mac) ------------------------------------------------------------------------


def _diskutil(target: str) -> dict[str, Any]:
    out = subprocess.run(["diskutil", "info", "-plist", target], capture_output=True, timeout=20, check=True)
    return plistlib.loads(out.stdout)


def _macos(mount_point: str) -> PhysicalDrive:
    """APFS volume → container → physical store(s) → whole disk(s); HFS+/exFAT: the partition's whole disk."""
    try:
        info = _diskutil(mount_point)
        stores = [s.get("APFSPhysicalStore") for s in info.get("APFSPhysicalStores") or []]
        stores = [s for s in stores if s] or [info.get("DeviceIdentifier") or ""]
        disks: dict[str, str] = {}
        for store in stores:
            whole = _diskutil(store).get("ParentWholeDisk") or store
            whole_info = _diskutil(whole)
            serial = whole_info.get("MediaSerialNumber") or whole_info.get("DiskUUID") or ""
            disks[f"serial:{serial}" if serial else f"dev:{whole}"] = whole_info.get("MediaName") or whole
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return unknown(f"macOS: diskutil could not tell the disk of {mount_point} ({exc})")
    if not disks:
        return unknown(f"macOS: diskutil names no disk for {mount_point}")
    names = sorted(set(disks.values()))
    return PhysicalDrive("+".join(sorted(disks)), names[0] if len(names) == 1 else "+".join(names))


# -- Windows (untested here: needs Windows) --------------------------------------------------------------------


def _windows(probe: Path) -> PhysicalDrive:
    letter = os.path.splitdrive(str(probe))[0].rstrip(":")
    if len(letter) != 1:
        return unknown("Windows: drive identity not read yet for this path")
    script = (f"Get-Partition -DriveLetter {letter} | Get-Disk | "
              "Select-Object Number,SerialNumber,FriendlyName | ConvertTo-Json -Compress")
    try:
        out = subprocess.run(["powershell", "-NoProfile", "-NonInteractive", "-Command", script],
                             capture_output=True, text=True, timeout=20, check=True).stdout
        disks = json.loads(out)
        disks = disks if isinstance(disks, list) else [disks]
    except (OSError, subprocess.SubprocessError, ValueError):
        return unknown("Windows: drive identity not read yet")
    ids = {(f"serial:{d['SerialNumber'].strip()}" if (d.get("SerialNumber") or "").strip()
            else f"disk:{d.get('Number')}"): d.get("FriendlyName") or f"disk {d.get('Number')}" for d in disks}
    if not ids:
        return unknown("Windows: drive identity not read yet")
    names = sorted(set(ids.values()))
    return PhysicalDrive("+".join(sorted(ids)), names[0] if len(names) == 1 else "+".join(names))


# -- the filesystem's own identity (issue 12: drives as things) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class VolumeIdentity:
    """The filesystem holding a path, as the OS names it: ``fs_uuid`` (``""`` when it has none: tmpfs, many
    FUSE and network filesystems), ``label`` (the volume name, ``""`` when none), ``capacity_bytes`` (statvfs
    total, bytes), ``mount_point``, ``device``, ``fs_type``; ``note`` says why the UUID could not be read."""

    fs_uuid: str
    label: str
    capacity_bytes: int
    mount_point: str
    device: str
    fs_type: str
    note: str | None = None


def volume_identity(path: os.PathLike | str, *, devfs: os.PathLike | str = "/dev",
                    partitions: Callable[[], Iterable[Any]] | None = None) -> VolumeIdentity:
    """The identity of the filesystem holding ``path`` (or its nearest existing parent).

    Linux: ``/dev/disk/by-uuid`` and ``by-label`` links to the mounted device, else ``blkid`` (udev may be
    absent in containers); macOS: ``diskutil info -plist`` (VolumeUUID, VolumeName; untested here); Windows:
    not read yet (``note`` says so). ``devfs`` and ``partitions`` are parameters for tests, as for
    :func:`physical_drive`. Never raises for an unreadable volume: fields stay empty and ``note`` says why.
    """
    probe = _existing(Path(path))
    mounts = list((partitions or (lambda: psutil.disk_partitions(all=True)))())
    mount = _mount_of(os.path.realpath(probe), mounts)
    mount_point = getattr(mount, "mountpoint", "") or str(probe)
    device = getattr(mount, "device", "") or ""
    fstype = (getattr(mount, "fstype", "") or "").lower()
    try:
        capacity = psutil.disk_usage(mount_point).total
    except OSError:
        capacity = 0
    if sys.platform.startswith("linux"):
        uuid, label, note = _linux_volume(device, fstype, Path(devfs))
    elif sys.platform == "darwin":
        uuid, label, note = _macos_volume(mount_point)
    else:
        uuid, label, note = "", "", f"{sys.platform}: volume UUID not read yet"
    return VolumeIdentity(uuid, label, capacity, mount_point, device, fstype, note)


def _linux_volume(device: str, fstype: str, devfs: Path) -> tuple[str, str, str | None]:
    if not device.startswith("/"):
        return "", "", f"{fstype or 'this filesystem'} has no block device, so no filesystem UUID"
    real = os.path.realpath(device)
    uuid, label = _by_link(devfs / "disk" / "by-uuid", real), _by_link(devfs / "disk" / "by-label", real)
    if not uuid:
        uuid, label = _blkid(device, label)
    return uuid, label, None if uuid else f"no filesystem UUID found for {device}"


def _by_link(folder: Path, real: str) -> str:
    """The name of the link in ``folder`` pointing at ``real`` (udev escapes spaces as ``\\x20``)."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return ""
    for name in names:
        if os.path.realpath(folder / name) == real:
            return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), name)
    return ""


def _blkid(device: str, label: str) -> tuple[str, str]:
    try:
        text = subprocess.run(["blkid", "-o", "export", device], capture_output=True, text=True, timeout=10,
                              check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return "", label
    fields = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return fields.get("UUID", ""), label or fields.get("LABEL", "")


def _macos_volume(mount_point: str) -> tuple[str, str, str | None]:
    try:
        info = _diskutil(mount_point)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return "", "", f"macOS: diskutil could not read {mount_point} ({exc})"
    uuid = info.get("VolumeUUID") or ""
    return uuid, info.get("VolumeName") or "", None if uuid else f"macOS: no volume UUID for {mount_point}"


def card_folders(root: os.PathLike | str, *, max_depth: int = 8, max_dirs: int = 20_000) -> tuple[list[str], bool]:
    """Folders below ``root`` holding an ASC MHL history (an ``ascmhl`` folder): destination card folders
    as PIXM leaves them once every file is verified. Returns ``(relative paths with "/", complete)``;
    ``complete`` is false when the walk stopped at ``max_dirs`` folders or found a folder it cannot list.
    Never descends into a card folder, never follows links."""
    found: list[str] = []
    todo: list[tuple[str, int]] = [(os.fspath(root), 0)]
    seen, complete = 0, True
    while todo:
        folder, depth = todo.pop()
        seen += 1
        if seen > max_dirs:
            return sorted(found), False
        try:
            with os.scandir(folder) as it:
                subs = [e for e in it if e.is_dir(follow_symlinks=False)]
        except OSError:
            complete = False
            continue
        if any(e.name == "ascmhl" for e in subs) and depth > 0:
            found.append(os.path.relpath(folder, root).replace(os.sep, "/"))
        elif depth < max_depth:
            todo.extend((e.path, depth + 1) for e in subs if not e.name.startswith("."))
    return sorted(found), complete


__all__ = ["MEMORY_FS", "NETWORK_FS", "PhysicalDrive", "VolumeIdentity", "card_folders", "physical_drive",
           "same_drive", "unknown", "volume_identity"]
