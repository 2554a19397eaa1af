"""The show profile this cart runs under: read, validate, install, export, edit (issue 12, item 1).

The installed profile is ``show-profile.json`` beside the catalog (the per-user data folder, or the folder of
``--catalog`` / ``$PIXM_CATALOG``), so a cart's catalog and the profile its jobs ran under travel together.
It is the exact bytes that were validated: an export is byte-identical to the import. Installing never
loses anything: the new file is validated first, written under a temporary name, fsynced and renamed over
the old one, and the profile it replaces is kept in ``show-profile-history/`` (``rev<N>-<sha8>.json``). A
failed import or edit leaves the installed profile as it was.

Errors: :class:`ShowProfileReadError` (missing, a folder, too large, unreadable, none installed),
:class:`ShowProfileFormatError` (file:line:column and field path), :class:`ShowProfileVersionError` (a newer
schema: update PIXM), :class:`ShowProfileRevisionError` (an older revision, or other content under the
installed revision number), :class:`ShowProfileWriteError` (read-only folder, full drive), all exit 11.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core import show as rules
from pixm_desktop.core.errors import (
    Remedy,
    ShowProfileError,
    ShowProfileFormatError,
    ShowProfileReadError,
    ShowProfileRevisionError,
    ShowProfileVersionError,
    ShowProfileWriteError,
    UsageError,
    show_path,
)
from pixm_desktop.core.show import SCHEMA_NAME, SCHEMA_VERSION, ShowProfile
from pixm_desktop.engine.plan import DEFAULT_TEMPLATE
from pixm_desktop.services.context import default_catalog_path

FILE_NAME = "show-profile.json"
HISTORY = "show-profile-history"

__all__ = ["FILE_NAME", "HISTORY", "MAKES", "Installed", "ShowProfile", "current_profile", "edit_profile",
           "export_profile", "import_profile", "init_profile", "profile_path", "profile_stamp", "rate_text",
           "read_profile", "starting_document", "validate_file"]


def profile_path(catalog: Path | None = None) -> Path:
    """Where the cart's profile lives: ``show-profile.json`` in the folder of ``catalog`` (default: the
    catalog PIXM opens, see ``services.context.default_catalog_path``)."""
    return Path(catalog or default_catalog_path()).expanduser().parent / FILE_NAME


def read_profile(path: Path) -> bytes:
    """The bytes of a profile file, at most ``MAX_BYTES`` (+1 to tell a larger file). Raises
    :class:`ShowProfileReadError` naming the file: missing, a folder, unreadable."""
    path = Path(path)
    if path.is_dir():  # Windows cannot open a folder to find out
        raise ShowProfileReadError(f"{show_path(path)} is a folder, not a show profile file", path=path,
                                   hint="give the profile's .json file inside it")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not hang the open
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(path)  # swapped for a folder since the check above
            if not stat.S_ISREG(mode):
                raise ShowProfileReadError(f"{show_path(path)} is not a regular file", path=path,
                                           hint="give the profile's .json file")
            return fh.read(rules.MAX_BYTES + 1)
    except FileNotFoundError:
        raise ShowProfileReadError(f"no show profile file {show_path(path)}", path=path,
                                   hint="check the path (pixm show init writes a starting profile)") from None
    except IsADirectoryError:
        raise ShowProfileReadError(f"{show_path(path)} is a folder, not a show profile file", path=path,
                                   hint="give the profile's .json file inside it") from None
    except OSError as exc:
        raise ShowProfileReadError(f"cannot read the show profile {show_path(path)}: {exc.strerror or exc}",
                                   path=path, hint="check the file's permissions and the drive") from None


def validate_file(path: Path) -> ShowProfile:
    """Read and validate a profile file (see ``core.show.load_bytes``); touches nothing installed."""
    return rules.load_bytes(read_profile(path), show_path(path))


@dataclass(frozen=True, slots=True)
class Installed:
    """What an install did: the new profile, the one it replaced (``None``: none), whether the bytes were
    already installed (nothing written), where it is."""

    profile: ShowProfile
    replaced: ShowProfile | None
    unchanged: bool
    path: Path


def current_profile(catalog: Path | None = None) -> ShowProfile | None:
    """The profile this cart runs under, ``None`` when none is installed. An installed file that no longer
    validates (edited by hand) raises its error, naming the installed file."""
    path = profile_path(catalog)
    if not path.exists():
        return None
    return validate_file(path)


def profile_stamp(catalog: Path | None = None) -> str | None:
    """What every job records: ``"Big Film rev 3 (schema v1)"``; ``None`` when no profile is installed."""
    profile = current_profile(catalog)
    return profile.stamp if profile else None


def job_stamp(catalog: Path | None) -> str | None:
    """What a starting job records in ``jobs.show_profile``: :func:`profile_stamp` of the profile beside the
    catalog file ``catalog``; ``None`` without a profile (or a catalog without a file), or ``"unreadable: <why>"``
    when the installed file no longer validates — a job (an offload above all) is never stopped by a profile
    problem; QC, which needs the profile, fails on it instead."""
    if catalog is None:
        return None
    try:
        return profile_stamp(catalog)
    except ShowProfileError as exc:
        return f"unreadable: {exc.structured.what}"[:255]


def import_profile(source: Path, catalog: Path | None = None, *, force: bool = False) -> Installed:
    """Validate ``source`` and install it as the cart's profile (see the module docstring). Refuses, unless
    ``force``, an older revision of the installed production, or different content under its revision."""
    return _install(read_profile(source), show_path(source), catalog, force=force)


def _install(data: bytes, source: str, catalog: Path | None, *, force: bool) -> Installed:
    new = rules.load_bytes(data, source)
    target = profile_path(catalog)
    old_bytes = read_profile(target) if target.is_file() else None
    if old_bytes == data:
        return Installed(new, None, True, target)
    old = _installed_or_none(old_bytes, target, force=force)
    if old is not None and not force:
        _check_revision(new, old, data, old_bytes, source)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if old_bytes is not None:
            _keep(old_bytes, old, target.parent / HISTORY)
        _write_atomic(target, data)
    except OSError as exc:
        raise _write_error(target, exc) from None
    return Installed(new, old, False, target)


def _write_error(path: Path, exc: OSError) -> ShowProfileWriteError:
    return ShowProfileWriteError(f"cannot write {show_path(path)}: {exc.strerror or exc}", path=path,
                                 hint="check that the folder exists, is writable and its drive has room")


def _installed_or_none(data: bytes | None, target: Path, *, force: bool) -> ShowProfile | None:
    """The installed profile, ``None`` if none or if it no longer validates (a broken file may be replaced:
    it is kept in the history all the same). One from a newer PIXM is replaced only with ``force``."""
    if data is None:
        return None
    try:
        return rules.load_bytes(data, show_path(target))
    except ShowProfileFormatError:
        return None
    except ShowProfileVersionError:
        if force:
            return None
        raise


def _check_revision(new: ShowProfile, old: ShowProfile, data: bytes, old_bytes: bytes, source: str) -> None:
    if new.production.name != old.production.name:
        return  # another show: its revisions are its own
    if new.revision < old.revision:
        raise ShowProfileRevisionError(
            f"{source} is revision {new.revision} of {new.production.name!r}; this cart runs revision {old.revision}",
            path=source, hint="import the newest revision (or --force to go back on purpose)")
    same = json.loads(rules.decode(data, source)) == json.loads(rules.decode(old_bytes, source))
    if new.revision == old.revision and not same:
        raise ShowProfileRevisionError(
            f"{source} differs from the installed {old.stamp} under the same revision number",
            path=source, hint='bump "revision" in the file (or --force to replace it anyway)')


def _keep(data: bytes, old: ShowProfile | None, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    rev = old.revision if old else 0
    name = f"rev{rev}-{hashlib.sha256(data).hexdigest()[:8]}.json"
    if not (folder / name).exists():
        _write_atomic(folder / name, data)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _installed_bytes(catalog: Path | None) -> tuple[bytes, Path]:
    path = profile_path(catalog)
    if not path.is_file():
        raise ShowProfileReadError(f"no show profile is installed on this cart (looked for {show_path(path)})",
                                   path=path, remedy=Remedy.INSTALL_PROFILE,
                                   hint="pixm show init --name TITLE, or pixm show import FILE")
    data = read_profile(path)
    rules.load_bytes(data, show_path(path))  # never hand on a file that no longer validates
    return data, path


def export_profile(dest: Path, catalog: Path | None = None) -> Path:
    """Write the installed profile to ``dest``, byte for byte. Raises :class:`ShowProfileReadError` when none
    is installed, :class:`UsageError` when ``dest`` is a folder, :class:`ShowProfileWriteError` when it cannot
    be written."""
    data, _ = _installed_bytes(catalog)
    dest = Path(dest)
    if dest.is_dir():
        raise UsageError(f"{show_path(dest)} is a folder", path=dest, hint=f"give a file name, e.g. {dest / FILE_NAME}")
    try:
        _write_atomic(dest, data)
    except OSError as exc:
        raise _write_error(dest, exc) from None
    return dest


def edit_profile(editor: str, catalog: Path | None = None, *, force: bool = False) -> Installed:
    """Open ``editor`` (a command line, e.g. ``$EDITOR``) on a temporary copy of the installed profile, then
    validate and install what was saved. Content changed without a new ``revision``: the revision is bumped.
    A copy that does not validate is kept (its path is in the error's hint) and nothing is installed."""
    data, _ = _installed_bytes(catalog)
    fd, name = tempfile.mkstemp(prefix="pixm-show-profile-", suffix=".json")
    tmp = Path(name)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    try:
        subprocess.run([*_editor_argv(editor), str(tmp)], check=True)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        raise UsageError(f"the editor {editor!r} failed: {exc}", path=tmp,
                         hint=f"set $EDITOR to an editor that waits until the file is closed; your copy is {tmp}") from None
    try:
        result = _install(_bump(read_profile(tmp), data, str(tmp)), str(tmp), catalog, force=force)
    except ShowProfileError as exc:
        exc.hint = f"{exc.hint}; your edited copy is kept at {tmp}"
        raise
    tmp.unlink(missing_ok=True)
    return result


def _editor_argv(editor: str) -> list[str]:
    """``$EDITOR`` as a command line: shell words on POSIX; on Windows quotes only group (a backslash is a
    path separator there, not an escape)."""
    if os.name != "nt":
        return shlex.split(editor)
    return [word.strip('"') for word in shlex.split(editor, posix=False)]


def _bump(edited: bytes, before: bytes, source: str) -> bytes:
    """``edited`` with ``revision`` one above the installed one when the content changed and the DIT did not
    change the revision (only the number's characters are replaced; the rest stays as typed)."""
    doc, pos = rules.parse(edited, source)
    old = json.loads(rules.decode(before, source))
    rev = doc.get("revision")
    if doc == old or rev != old.get("revision") or not isinstance(rev, int) or ("revision",) not in pos.values:
        return edited
    text = pos.text
    start = pos.values[("revision",)]
    end = re.compile(r"-?\d+").match(text, start).end()
    return (text[:start] + str(rev + 1) + text[end:]).encode("utf-8")


# ------------------------------------------------------------------------------------- pixm show init

#: Starting values per card layout: codec name, profile, width, height, sidecar endings. Check them against
#: the camera's real settings: they are a start, not the show's truth.
_MAKES: dict[str, tuple[str, str | None, int, int, list[str]]] = {
    "arri": ("prores", "4444", 4448, 3096, []),
    "sony": ("h264", None, 4096, 2160, ["M01.XML"]),
    "red": ("r3d", None, 8192, 4320, []),
    "canon": ("h264", None, 4096, 2160, [".XML"]),
    "braw": ("braw", None, 6144, 3456, [".sidecar"]),
    "gopro": ("hevc", None, 3840, 2160, []),
}
MAKES = tuple(_MAKES)


def rate_text(rate: Fraction) -> str:
    """The schema's spelling of an exact rate: ``"24000/1001"``, ``"25"``."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def starting_document(name: str, *, company: str | None = None, fps: Fraction = Fraction(24000, 1001),
                      cameras: list[tuple[str, str]] | None = None, sample_rate: int = 48000,
                      bit_depth: int = 24, copies: int = 2) -> bytes:
    """A commented starting profile (revision 1) for production ``name``: ``cameras`` as ``(letter, make)``
    (default A on ARRI), one main unit, sound, the copy rule, PIXM's default folder template, no looks,
    dailies or deliveries yet. It validates (``tests/test_show_profile.py``)."""
    rate = rate_text(fps)
    tc = {"rate": rate, "drop_frame": False}
    doc: dict = {
        "$comment": "PIXM show profile. Check every value against the show's camera and sound reports, bump "
                    "\"revision\" at every change, then: pixm show import FILE. Reference: docs/show-profile.md.",
        "schema": SCHEMA_NAME, "version": SCHEMA_VERSION, "revision": 1,
        "production": {"name": name, **({"company": company} if company else {}),
                       "units": [{"id": "main", "name": "Main unit"}]},
        "cameras": [_starting_camera(letter, make, rate, tc) for letter, make in cameras or [("A", "arri")]],
        "sound": {"$comment": "Roll names S001…; takes scene_take (12A_01). Change the patterns to the mixer's.",
                  "sample_rate": sample_rate, "bit_depth": bit_depth, "timecode": dict(tc),
                  "roll_naming": {"clip_pattern": "[0-9]{1,3}[A-Z]{0,2}_[0-9]{2}", "reel_pattern": "S[0-9]{3}"}},
        "copy_rule": {"$comment": "min_verified_copies and distinct_drives decide SAFE TO FORMAT; add \"lto\" "
                                  "({\"copies\": [\"A\", \"B\"]}) and \"places\" when the show archives to tape.",
                      "min_verified_copies": copies, "distinct_drives": True, "hash_formats": ["xxh64"]},
        "destinations": {"camera": DEFAULT_TEMPLATE},
        "looks": [], "dailies": [], "delivery": {"rule_sets": [], "recipients": []},
    }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _starting_camera(letter: str, make: str, rate: str, tc: dict) -> dict:
    codec, profile, width, height, sidecars = _MAKES[make]
    return {"$comment": f"Camera {letter}: starting values for {make}; set the codec, size and rate the DP shoots.",
            "letter": letter, "unit": "main", "make": make,
            "codec": {"name": codec, **({"profile": profile} if profile else {})},
            "resolution": {"width": width, "height": height}, "frame_rate": rate, "timecode": dict(tc),
            "naming": {"rule": make}, **({"sidecars": sidecars} if sidecars else {})}


def init_profile(data: bytes, output: Path | None, catalog: Path | None = None, *, force: bool = False) -> Path:
    """Write a starting profile to ``output`` (never over an existing file unless ``force``), or install it
    when ``output`` is ``None`` (refusing to replace an installed profile unless ``force``)."""
    if output is None:
        target = profile_path(catalog)
        if target.exists() and not force:
            raise UsageError(f"a show profile is already installed: {show_path(target)}", path=target,
                             hint="pixm show edit changes it; --force replaces it (the old one is kept in "
                                  f"{HISTORY}/), -o FILE writes the new one elsewhere")
        return _install(data, "(pixm show init)", catalog, force=True).path
    output = Path(output)
    if output.exists() and not force:
        raise UsageError(f"{show_path(output)} exists", path=output, hint="choose another name or add --force")
    rules.load_bytes(data, show_path(output))
    try:
        _write_atomic(output, data)
    except OSError as exc:
        raise _write_error(output, exc) from None
    return output
