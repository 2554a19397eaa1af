"""Eject a card once it is safe: ``udisksctl`` on Linux (``umount`` as root when udisks is missing),
``diskutil eject`` on macOS, the shell's Eject verb through PowerShell on Windows.

Every failure raises :class:`EjectError` saying which card, why, and what the loader can do; the tool's own
output is kept in ``details``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from pixm_desktop.core.errors import EjectError

TIMEOUT = 60  # seconds a tool may take (flushing a slow card)


@dataclass(frozen=True, slots=True)
class MountedVolume:
    mount_point: str
    device: str
    fs_type: str


def mounted_volume(path: os.PathLike | str) -> MountedVolume:
    """The mounted volume whose mount point is exactly ``path``. Raises :class:`EjectError` for a plain folder."""
    real = os.path.realpath(path)
    for p in psutil.disk_partitions(all=True):
        if os.path.normcase(os.path.realpath(p.mountpoint)) == os.path.normcase(real):
            return MountedVolume(p.mountpoint, p.device, p.fstype)
    raise EjectError(f"{Path(path).name} is a folder, not a mounted card: there is nothing to eject", path=path,
                     hint="a folder dropped in from the file manager stays where it is; eject its drive in the "
                          "file manager if needed")


def eject_commands(vol: MountedVolume, platform: str = sys.platform, *, has=shutil.which,
                   is_root: bool | None = None) -> list[list[str]]:
    """The commands that eject ``vol`` on ``platform`` (first must succeed; later ones are best effort)."""
    if platform.startswith("linux"):
        if has("udisksctl"):
            cmds = [["udisksctl", "unmount", "--no-user-interaction", "-b", vol.device]]
            if vol.device.startswith("/dev/"):
                cmds.append(["udisksctl", "power-off", "--no-user-interaction", "-b", vol.device])
            return cmds
        root = (os.geteuid() == 0) if is_root is None and hasattr(os, "geteuid") else bool(is_root)
        if root and has("umount"):
            return [["umount", vol.mount_point]]
        raise EjectError("cannot eject: udisksctl is not installed", path=vol.mount_point,
                         hint="eject the card in the file manager, or install udisks2")
    if platform == "darwin":
        return [["diskutil", "eject", vol.mount_point]]
    if platform.startswith("win"):
        drive = vol.mount_point.rstrip("\\/")
        script = (f"$d=(New-Object -ComObject Shell.Application).Namespace(17).ParseName('{drive}');"
                  "if($d -eq $null){exit 2};$d.InvokeVerb('Eject');Start-Sleep -Milliseconds 1500;"
                  f"if(Test-Path '{drive}\\'){{exit 3}}")
        return [["powershell", "-NoProfile", "-NonInteractive", "-Command", script]]
    raise EjectError(f"ejecting is not supported on {platform}", path=vol.mount_point,
                     hint="eject the card in the file manager")


def eject(path: os.PathLike | str, *, label: str | None = None,
          run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> str:
    """Eject the card mounted at ``path``; returns a sentence for the status bar. Raises :class:`EjectError`."""
    name = label or Path(path).name
    vol = mounted_volume(path)
    cmds = eject_commands(vol)
    for n, cmd in enumerate(cmds):
        try:
            res = run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except FileNotFoundError:
            raise EjectError(f"cannot eject {name}: {cmd[0]} was not found", path=path,
                             hint="eject the card in the file manager") from None
        except subprocess.TimeoutExpired:
            raise EjectError(f"cannot eject {name}: {cmd[0]} did not answer within {TIMEOUT} s", path=path,
                             hint="wait for the card light to stop, then eject it in the file manager") from None
        if res.returncode != 0 and n == 0:
            out = (res.stderr or res.stdout or "").strip()
            raise EjectError(f"cannot eject {name}: {_why(out)}", path=path, hint=_hint(out),
                             details=f"$ {' '.join(cmd)}\n{out}")
    return f"{name} ejected: the card can be removed"


def _why(out: str) -> str:
    low = out.lower()
    if "busy" in low or "in use" in low:
        return "it is still in use by a program"
    if "not authorized" in low or "permission" in low or "not permitted" in low:
        return "this user may not unmount it"
    if "not mounted" in low:
        return "it is no longer mounted"
    return out.splitlines()[0] if out else "the eject command failed"


def _hint(out: str) -> str:
    low = out.lower()
    if "busy" in low or "in use" in low:
        return "close file browsers, players or terminals showing the card and try again"
    if "not authorized" in low or "permission" in low or "not permitted" in low:
        return "eject it in the file manager, or allow udisks for this user"
    return "eject the card in the file manager; if it refuses, wait until no program uses it"
