"""Which physical drive a path is on (``engine.drives.physical_drive``): partitions, LVM, RAID, multipath, loop
images, network shares and memory filesystems, on a fake sysfs tree and for real on this machine.

The fake machine maps the *real* device numbers of a few paths (``tmp_path``, ``/proc``, ``/sys``) to block
devices in a sysfs tree under ``tmp_path``, with a mount table of our own: the code under test reads the same
files it reads on a real Linux machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pixm_desktop.engine.drives import PhysicalDrive, physical_drive, same_drive
from support.drives import FakeMachine

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sysfs is Linux only")


@pytest.fixture
def machine(tmp_path: Path):
    """The fake machine and three paths with distinct real device numbers to put on its devices."""
    a = tmp_path / "a"
    a.mkdir()
    paths = [a, Path("/proc"), Path("/sys")]
    if len({os.stat(p).st_dev for p in paths}) < 3:
        pytest.skip("needs /proc and /sys on filesystems of their own")
    return FakeMachine(tmp_path / "machine"), paths


# ------------------------------------------------------------------------------------------ fake machine


def test_two_partitions_of_one_disk_are_one_drive_another_disk_is_another(machine) -> None:
    m, (a, b, c) = machine
    sda = m.disk("sda", wwid="naa.5000c500a1b2c3d4")
    sdb = m.disk("sdb", wwid="naa.5000c500ffffffff")
    m.attach(a, m.part(sda, 1))
    m.attach(b, m.part(sda, 2))
    m.attach(c, m.part(sdb, 1))
    da, db, dc = m.drive(a), m.drive(b), m.drive(c)
    assert da == db == PhysicalDrive("wwid:naa.5000c500a1b2c3d4", "sda", None)
    assert dc == PhysicalDrive("wwid:naa.5000c500ffffffff", "sdb", None)
    assert same_drive(da, db) and not same_drive(da, dc)
    # a folder below the mount point, and one not created yet, are on the same drive
    assert m.drive(a / "not" / "there") == da


def test_lvm_volumes_on_one_disk_are_one_drive(machine) -> None:
    m, (a, b, c) = machine
    nvme = m.disk("nvme0n1", serial="S4EWNX0N123456")
    m.attach(a, m.virtual("dm-0", [m.part(nvme, 2)], dm_name="vg0-footage"))
    m.attach(b, m.virtual("dm-1", [m.part(nvme, 3)], dm_name="vg0-backup"))
    assert m.drive(a) == m.drive(b) == PhysicalDrive("serial:S4EWNX0N123456", "nvme0n1", None)


def test_one_disk_under_two_names_is_one_drive(machine) -> None:
    """Multipath: the same SAS disk seen as sdc and sdd (one WWID), and a dm device over both paths."""
    m, (a, b, c) = machine
    sdc = m.disk("sdc", wwid="naa.600a0b80001234")
    sdd = m.disk("sdd", wwid="naa.600a0b80001234")
    m.attach(a, sdc)
    m.attach(b, sdd)
    m.attach(c, m.virtual("dm-2", [sdc, sdd], dm_name="mpatha"))
    assert m.drive(a).id == m.drive(b).id == m.drive(c).id == "wwid:naa.600a0b80001234"


def test_raid1_is_its_own_drive_made_of_its_members(machine) -> None:
    m, (a, b, c) = machine
    sdb = m.disk("sdb", wwid="naa.b")
    sdc = m.disk("sdc", wwid="naa.c")
    sda = m.disk("sda", wwid="naa.a")
    m.attach(a, m.virtual("md0", [m.part(sdc, 1), m.part(sdb, 1)]))
    m.attach(b, m.part(sdb, 2))
    m.attach(c, m.part(sda, 1))
    raid = m.drive(a)
    assert raid == PhysicalDrive("wwid:naa.b+wwid:naa.c", "md0 (sdb+sdc)", None)
    assert raid.members == {"wwid:naa.b", "wwid:naa.c"}
    assert same_drive(raid, m.drive(b))  # a partition of one member disk: one failure can take both
    assert not same_drive(raid, m.drive(c))


def test_disk_without_serial_is_named_by_id_then_by_kernel_name(machine) -> None:
    m, (a, b, c) = machine
    sde = m.disk("sde")
    (m.dev / "sde").write_text("")
    (m.dev / "disk" / "by-id" / "usb-SanDisk_Extreme_55AE_3233-0:0").symlink_to("../../sde")
    (m.dev / "disk" / "by-id" / "wwn-0x5000000000000001").symlink_to("../../sde")
    m.attach(a, m.part(sde, 1))
    m.attach(b, m.disk("sdf"))
    assert m.drive(a) == PhysicalDrive("by-id:wwn-0x5000000000000001", "sde", None)  # WWN preferred
    assert m.drive(b) == PhysicalDrive("dev:sdf", "sdf", None)


def test_loop_image_is_on_the_drive_holding_its_file(machine) -> None:
    m, (a, b, c) = machine
    sda = m.disk("sda", wwid="naa.a")
    m.attach(a, m.part(sda, 1))
    image = a / "disk.img"
    image.write_bytes(b"")
    m.attach(b, m.loop("loop3", image))
    m.attach(c, m.loop("loop4", a / "deleted.img"))
    assert m.drive(b) == m.drive(a) == PhysicalDrive("wwid:naa.a", "sda", None)
    gone = m.drive(c)
    assert gone.id == "" and "loop4" in gone.note and "gone" in gone.note


def test_memory_and_virtual_block_devices_are_unknown(machine) -> None:
    m, (a, b, c) = machine
    m.attach(a, m.disk("zram0", virtual=True))
    m.attach(b, m.disk("nbd0", virtual=True))
    m.attach(c, m.virtual("dm-5", []))  # no members listed
    assert m.drive(a) == PhysicalDrive("", "zram0", "zram0 is memory, not a drive")
    assert m.drive(b).id == "" and "nbd0 is a virtual block device" in m.drive(b).note
    assert m.drive(c).id == "" and "dm-5" in m.drive(c).note


def test_network_shares_of_one_server_are_one_drive(machine, tmp_path: Path) -> None:
    m, _ = machine
    shares = {"nfs-a": ("nfs4", "NAS.local:/export/footage"), "nfs-b": ("nfs", "nas.local:/export/backup"),
              "smb": ("cifs", "//dit@nas.local/shuttle"), "ssh": ("fuse.sshfs", "me@10.0.0.7:/srv/raid"),
              "v6": ("nfs4", "[fd00::7]:/export")}
    for name, (fstype, device) in shares.items():
        (tmp_path / name).mkdir()
        m.mount(tmp_path / name, fstype, device)
    drives = {name: m.drive(tmp_path / name / "Feature") for name in shares}
    assert drives["nfs-a"] == drives["nfs-b"] == drives["smb"] == PhysicalDrive("server:nas.local", "nas.local")
    assert drives["ssh"].id == "server:10.0.0.7" and drives["v6"].id == "server:fd00::7"


def test_tmpfs_and_overlay_are_unknown_with_the_reason(machine, tmp_path: Path) -> None:
    m, _ = machine
    for name, fstype in (("t", "tmpfs"), ("r", "ramfs"), ("o", "overlay")):
        (tmp_path / name).mkdir()
        m.mount(tmp_path / name, fstype, fstype)
    assert m.drive(tmp_path / "t") == PhysicalDrive("", "", "tmpfs is memory, not a drive")
    assert m.drive(tmp_path / "r").note == "ramfs is memory, not a drive"
    overlay = m.drive(tmp_path / "o")  # tmp_path's real device is not in the fake sysfs
    assert overlay.id == "" and overlay.note.startswith("cannot tell which disk holds overlay")


def test_unknown_drives_are_never_the_same_or_distinct() -> None:
    unknown = PhysicalDrive("", "", "tmpfs is memory, not a drive")
    assert not unknown.known and unknown.members == frozenset()
    assert not same_drive(unknown, unknown)  # callers must treat "unknown" on its own


# ------------------------------------------------------------------------------------------ this machine


def _disks_under(path: Path) -> set[str]:
    """Whole disks under ``path``'s filesystem according to ``findmnt`` + ``lsblk`` (an independent answer)."""
    if not (shutil.which("findmnt") and shutil.which("lsblk")):
        pytest.skip("needs findmnt and lsblk (util-linux)")
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", "-T", str(path)], capture_output=True, text=True,
                            check=True).stdout.strip().split("[")[0]
    if not source.startswith("/dev/"):
        pytest.skip(f"{path} is not on a block device here ({source})")
    out = subprocess.run(["lsblk", "-s", "-n", "-l", "-o", "NAME,TYPE", source], capture_output=True, text=True,
                         check=True).stdout
    return {name for name, kind in (ln.split()[:2] for ln in out.splitlines() if ln.strip()) if kind == "disk"}


def test_root_and_tmp_resolve_to_the_disk_lsblk_names() -> None:
    root = physical_drive("/")
    disks = _disks_under(Path("/"))
    assert root.known and root.note is None
    assert set(root.name.split(" (")[-1].rstrip(")").split("+")) == disks, (root, disks)
    if os.stat("/tmp").st_dev == os.stat("/").st_dev:
        assert physical_drive("/tmp") == root


def test_two_loop_images_are_on_the_disk_holding_them(mount_ext4, tmp_path: Path) -> None:
    """Two ext4 filesystems in image files beside each other are one drive: the disk holding the images."""
    a, b = mount_ext4(8 * 1024 * 1024), mount_ext4(8 * 1024 * 1024)
    assert os.stat(a).st_dev != os.stat(b).st_dev != os.stat(tmp_path).st_dev  # three filesystems
    host = physical_drive(tmp_path)
    assert host.known
    assert physical_drive(a) == physical_drive(b) == host
    assert physical_drive(a / "Feature" / "not-yet") == host


def test_tmpfs_and_dev_shm_are_not_drives(mount_tmpfs) -> None:
    t = mount_tmpfs(1024 * 1024)
    assert physical_drive(t) == PhysicalDrive("", "", "tmpfs is memory, not a drive")
    if os.path.ismount("/dev/shm"):
        assert physical_drive("/dev/shm").note == "tmpfs is memory, not a drive"
