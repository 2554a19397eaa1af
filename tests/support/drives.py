"""A fake machine for ``engine.drives.physical_drive``: a sysfs tree, a /dev and a mount table under a tmp
folder, mapping the real device numbers of a few paths to block devices of our own (formerly in
test_drives)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from pixm_desktop.engine.drives import PhysicalDrive, physical_drive


class FakeMachine:
    """A sysfs tree, a /dev and a mount table; ``attach(path, node)`` puts the filesystem of ``path`` on ``node``."""

    def __init__(self, root: Path):
        self.sys, self.dev, self.mounts = root / "sys", root / "dev", []
        (self.sys / "dev" / "block").mkdir(parents=True)
        (self.dev / "disk" / "by-id").mkdir(parents=True)
        self._dm = 0

    def disk(self, name: str, *, wwid: str = "", serial: str = "", virtual: bool = False) -> Path:
        bus = "virtual" if virtual else "pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0"
        node = self.sys / "devices" / bus / "block" / name
        (node / "device").mkdir(parents=True)
        if wwid:
            (node / "device" / "wwid").write_text(wwid + "\n")
        if serial:
            (node / "serial").write_text(serial + "\n")
        return node

    def part(self, disk: Path, n: int) -> Path:
        node = disk / f"{disk.name}{n}"
        node.mkdir()
        (node / "partition").write_text(f"{n}\n")
        return node

    def virtual(self, name: str, members: list[Path], dm_name: str = "") -> Path:
        """A device-mapper (LVM, dm-crypt, multipath) or md device over ``members``."""
        node = self.sys / "devices" / "virtual" / "block" / name
        (node / "slaves").mkdir(parents=True)
        for m in members:
            (node / "slaves" / m.name).symlink_to(os.path.relpath(m, node / "slaves"))
        if dm_name:
            (node / "dm").mkdir()
            (node / "dm" / "name").write_text(dm_name + "\n")
        return node

    def loop(self, name: str, backing: Path) -> Path:
        node = self.sys / "devices" / "virtual" / "block" / name
        (node / "loop").mkdir(parents=True)
        (node / "loop" / "backing_file").write_text(f"{backing}\n")
        return node

    def attach(self, path: Path, node: Path, fstype: str = "ext4", device: str = "") -> None:
        st = os.stat(path)
        link = self.sys / "dev" / "block" / f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(node, link.parent))
        self.mount(path, fstype, device or f"/dev/fake-{node.name}")

    def mount(self, path: Path, fstype: str, device: str) -> None:
        self.mounts.append(SimpleNamespace(device=device, mountpoint=str(path), fstype=fstype, opts="rw"))

    def drive(self, path: Path) -> PhysicalDrive:
        return physical_drive(path, sysfs=self.sys, devfs=self.dev, partitions=lambda: list(self.mounts))
