"""Drives as things (issue 12): register a destination drive, shuttle or RAID, ship it, receive it with a
re-verification of every card folder on it, say whether it is safe to wipe, retire it, forecast storage.

- **Identity**: the filesystem UUID (``engine.drives.volume_identity``) and the physical drive
  (``engine.drives.physical_drive``, WWID/serial of its disks), plus the label the DIT writes on the drive.
- **Which card folders are on a drive**: destinations whose path lies under the drive's mount point (and
  whose recorded physical drive does not contradict it), and destinations whose recorded physical drive shares
  a disk with it. Found again at every call (``drive_destinations`` keeps them). Over-matching only makes the
  wipe verdict stricter; when the drive's physical identity is unknown, folders written to it under another
  mount point cannot be found, so it is never called safe to wipe.
- **Safe to wipe**: ``core.verdict.drive_wipe_verdict`` — THE card rule (``SafeRule``, ``count_drives``)
  applied to every file with a copy on the drive, counting only verified copies on other drives (not on a
  drive sharing a disk with it, not on a retired drive).

Every change appends a ``drive_events`` row (who, host, when, what). Sizes are bytes; people read decimal TB.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

import psutil

from pixm_desktop.core.errors import (
    DestinationMissingError,
    DriveMismatchError,
    DriveNotSafeToWipeError,
    PixmError,
    UsageError,
)
from pixm_desktop.core.timeutil import aware_utc, iso_utc
from pixm_desktop.core.verdict import FileElsewhere, SafeRule, WipeVerdict, drive_wipe_verdict
from pixm_desktop.engine.drives import (
    PhysicalDrive,
    VolumeIdentity,
    card_folders,
    physical_drive,
    volume_identity,
)
from pixm_desktop.services import context
from pixm_desktop.services.verify import verify_folder
from pixm_desktop.store import drives_repo as repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Destination, Drive

__all__ = ["IN_TRANSIT", "TAPES", "AddResult", "DriveInfo", "DriveKind", "EventInfo", "FolderCheck", "Forecast",
           "ReceiveResult", "TapeKind", "add_drive", "forecast", "list_drives", "receive", "retire", "ship",
           "wipe_check"]

IN_TRANSIT = "in transit"
TB = 10**12  # decimal, as drive makers sell them


class DriveKind(StrEnum):
    """What a drive is for."""

    RAID = "raid"
    SHUTTLE = "shuttle"
    BACKUP = "backup"
    LTO = "lto"


class TapeKind(StrEnum):
    LTO9 = "lto9"
    LTO8 = "lto8"


#: native (uncompressed) capacity of one cartridge, bytes (LTO-9 18 TB, LTO-8 12 TB)
TAPES = {TapeKind.LTO9: 18 * TB, TapeKind.LTO8: 12 * TB}


@dataclass(frozen=True, slots=True)
class EventInfo:
    at: dt.datetime | None
    what: str
    who: str
    host: str
    courier: str | None
    place: str | None
    ok: bool | None
    result: str | None

    def as_dict(self) -> dict:
        return {**asdict(self), "at": iso_utc(self.at)}


@dataclass(frozen=True, slots=True)
class DriveInfo:
    """A registered drive as the views show it; ``folders``: destination card folders found on it."""

    label: str
    kind: str
    status: str
    holder: str
    location: str
    fs_uuid: str
    fs_label: str
    fs_type: str
    physical_id: str
    physical_note: str | None
    capacity_bytes: int
    root: str
    note: str | None
    folders: int
    created_at: dt.datetime | None
    retired_at: dt.datetime | None
    events: tuple[EventInfo, ...] = ()

    def as_dict(self) -> dict:
        """JSON form (``pixm drive list --json``): every field, times ISO 8601 UTC, events in order."""
        d = {k: getattr(self, k) for k in self.__slots__ if k != "events"}
        d.update(created_at=iso_utc(self.created_at), retired_at=iso_utc(self.retired_at),
                 events=[e.as_dict() for e in self.events])
        return d


def _who(who: str | None) -> str:
    return who or os.environ.get("PIXM_AUTHOR") or context.current_user()


def _info(s, drive: Drive) -> DriveInfo:
    events = tuple(EventInfo(aware_utc(e.at), e.what, e.who, e.host, e.courier, e.place, e.ok, e.result)
                   for e in drive.events)
    return DriveInfo(drive.label, drive.kind, drive.status, drive.holder, drive.location, drive.fs_uuid,
                     drive.fs_label, drive.fs_type, drive.physical_id, drive.physical_note, drive.capacity_bytes,
                     drive.root, drive.note, len(repo.linked_ids(s, drive.id)), aware_utc(drive.created_at),
                     aware_utc(drive.retired_at), events)


def _get(s, label: str) -> Drive:
    drive = repo.drive_by_label(s, label)
    if drive is None:
        raise UsageError(f"no drive labelled {label!r} in the catalog",
                         hint="`pixm drive list` shows the registered drives; `pixm drive add PATH --label L` adds one")
    return drive


def _active(drive: Drive) -> None:
    if drive.status == "retired":
        raise UsageError(f"{drive.label} was retired", hint="register the drive again under a new label to reuse it")


def _members(drive_id: str) -> set[str]:
    return set(drive_id.split("+")) if drive_id else set()


def _find_folders(s, drive: Drive) -> dict[int, str]:
    """Link the destination card folders on ``drive`` (see the module docstring); returns ``{id: how}``."""
    mine = _members(drive.physical_id)
    found: dict[int, str] = {}
    for dest_id, raw, _path, drive_id, _note in repo.destinations(s):
        theirs = _members(drive_id)
        if drive.root and repo.under(raw, drive.root) and (not mine or not theirs or theirs & mine):
            found[dest_id] = "path"
        elif mine and theirs & mine:
            found[dest_id] = "physical drive"
    repo.link(s, drive.id, found)
    return repo.linked_ids(s, drive.id)


# -- add / list / ship ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddResult:
    drive: DriveInfo
    notes: tuple[str, ...] = ()


def add_drive(catalog: Catalog, path: os.PathLike | str, label: str, *, kind: str = DriveKind.SHUTTLE,
              holder: str = "", location: str = "cart", note: str | None = None, who: str | None = None,
              drive_of: Callable[[Path], PhysicalDrive] | None = None,
              identity_of: Callable[[Path], VolumeIdentity] | None = None) -> AddResult:
    """Register the drive mounted at ``path`` (a folder on it names the filesystem holding it) as ``label``.

    Records its filesystem UUID, label and type, capacity (bytes), physical drive and mount point; links the
    catalog's card folders found on it; appends an ``added`` event. Raises :class:`UsageError` (exit 2) for a
    missing folder, an empty or taken label, an unknown kind, or a filesystem already registered (by UUID).
    ``drive_of`` and ``identity_of`` (default ``engine.drives``' own) are parameters for tests."""
    drive_of, identity_of = drive_of or physical_drive, identity_of or volume_identity
    label = (label or "").strip()
    if not label or len(label) > 64:
        raise UsageError(f"a drive label needs 1 to 64 characters: {label!r}", hint="e.g. --label SHUTTLE-07")
    try:
        kind = DriveKind(kind)
    except ValueError:
        raise UsageError(f"unknown drive kind {kind!r}", hint=f"one of {', '.join(DriveKind)}") from None
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise UsageError(f"{'no such folder' if not folder.exists() else 'not a folder'}: {folder}",
                         hint="give where the drive is mounted (e.g. /Volumes/SHUTTLE-07)")
    folder = folder.resolve()
    ident, phys = identity_of(folder), drive_of(folder)
    root = os.path.realpath(ident.mount_point or folder)
    notes = []
    if str(folder) != root:
        notes.append(f"{folder} is a folder on the filesystem mounted at {root}: the drive is that filesystem")
    if not ident.fs_uuid:
        notes.append(f"no filesystem UUID: {ident.note or 'the OS gives none'}; identified by label and mount point")
    if not phys.known:
        notes.append(f"the OS cannot tell which physical drive this is ({phys.note}): it will never be called "
                     "safe to wipe")
    with catalog.session() as s:
        if repo.drive_by_label(s, label) is not None:
            raise UsageError(f"a drive labelled {label!r} is already registered",
                             hint="choose another label, or `pixm drive list` to see it")
        same = repo.drive_by_fs_uuid(s, ident.fs_uuid)
        if same is not None and same.status != "retired":
            raise UsageError(f"this filesystem (UUID {ident.fs_uuid}) is already registered as {same.label}",
                             hint=f"use the label {same.label}, or retire it first")
        same = next((d for d in repo.drives(s, retired=False) if not ident.fs_uuid and not d.fs_uuid
                     and d.root == root and d.physical_id == phys.id), None)
        if same is not None:  # no UUID: the same mount point on the same physical drive is the same filesystem
            raise UsageError(f"the filesystem mounted at {root} is already registered as {same.label}",
                             hint=f"use the label {same.label}, or retire it first")
        drive = Drive(label=label, kind=kind.value, fs_uuid=ident.fs_uuid, fs_label=ident.label,
                      fs_type=ident.fs_type, physical_id=phys.id, physical_note=phys.note,
                      capacity_bytes=ident.capacity_bytes, root=root, holder=holder, location=location, note=note)
        s.add(drive)
        s.flush()
        linked = _find_folders(s, drive)
        repo.add_event(s, drive, "added", who=_who(who), host=context.hostname(), place=location,
                       result=f"{len(linked)} card folders of the catalog on it",
                       details={"fs_uuid": ident.fs_uuid, "physical_id": phys.id, "root": root,
                                "capacity_bytes": ident.capacity_bytes})
        s.commit()
        return AddResult(_info(s, drive), tuple(notes))


def list_drives(catalog: Catalog, *, retired: bool = True) -> list[DriveInfo]:
    """Every registered drive by label, with its events; card folders found on each are refreshed."""
    with catalog.session() as s:
        drives = repo.drives(s, retired=retired)
        for d in drives:
            _find_folders(s, d)
        s.commit()
        return [_info(s, d) for d in drives]


def ship(catalog: Catalog, label: str, to: str, *, courier: str | None = None, who: str | None = None) -> DriveInfo:
    """Record that the drive leaves with ``courier`` for ``to``: location ``in transit``, holder the courier.
    Raises :class:`UsageError` for an unknown or retired drive, or an empty ``to``."""
    if not (to or "").strip():
        raise UsageError("where is the drive going? --to is empty", hint="e.g. --to 'Lab (Company 3)'")
    with catalog.session() as s:
        drive = _get(s, label)
        _active(drive)
        drive.location, drive.holder = IN_TRANSIT, courier or ""
        repo.add_event(s, drive, "shipped", who=_who(who), host=context.hostname(), courier=courier, place=to)
        s.commit()
        return _info(s, drive)


# -- receive ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FolderCheck:
    """One card folder re-verified on receipt: ``problems`` = ``(file, status, detail)``."""

    path: str
    ok: bool
    summary: str
    problems: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    drive: DriveInfo
    place: str
    folders: tuple[FolderCheck, ...]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.folders)


def receive(catalog: Catalog, label: str, *, at: str | None = None, path: os.PathLike | str | None = None,
            who: str | None = None, drive_of: Callable[[Path], PhysicalDrive] | None = None,
            identity_of: Callable[[Path], VolumeIdentity] | None = None) -> ReceiveResult:
    """Record the drive received ``at`` (default: where it was shipped to) and re-verify every card folder
    on it against its ASC MHL history and the catalog's card hashes (``services.verify.verify_folder``: the
    catalog's copy states follow). ``path``: where it is mounted now (default its recorded mount point).

    Raises :class:`UsageError` (unknown or retired drive), :class:`DestinationMissingError` (nothing
    mounted there, exit 3), :class:`DriveMismatchError` (another drive is mounted there, exit 3)."""
    drive_of, identity_of = drive_of or physical_drive, identity_of or volume_identity
    with catalog.session() as s:
        drive = _get(s, label)
        _active(drive)
        shipped = [e for e in drive.events if e.what == "shipped"]
        place = at or (shipped[-1].place if shipped else "") or drive.location or "lab"
        mount = Path(path or drive.root).expanduser()
        if not mount.is_dir():
            raise DestinationMissingError(f"{drive.label} is not mounted at {mount}", path=mount,
                                          hint="connect the drive and give where it is mounted with --path")
        mount = mount.resolve()
        confirmed, notes = _check_identity(drive, mount, drive_of, identity_of)
        new_root = os.path.realpath(identity_of(mount).mount_point or mount)
        linked = _find_folders(s, drive)
        retired = repo.retired_destination_ids(s)
        folders = [s.get(Destination, d) for d in sorted(linked) if d not in retired]
        old_root = drive.root
        s.commit()
    found, _complete = card_folders(new_root)
    checks = [_reverify(catalog, d.path_raw, _where_now(d.path_raw, old_root, new_root, found), confirmed)
              for d in sorted(folders, key=lambda d: d.path_raw)]
    if not checks:
        notes.append(f"the catalog knows no card folder on {label}")
    with catalog.session() as s:
        drive = _get(s, label)
        drive.location, drive.holder = place, _who(who)
        if confirmed:
            drive.root = new_root
        host = context.hostname()
        repo.add_event(s, drive, "received", who=_who(who), host=host, place=place)
        bad = [c for c in checks if not c.ok]
        result = (f"{len(checks)} card folders re-verified, all files verified" if not bad else
                  f"{len(bad)} of {len(checks)} card folders with problems: " +
                  "; ".join(f"{c.path}: {c.summary}" for c in bad[:3]))
        repo.add_event(s, drive, "reverified", who=_who(who), host=host, place=place, ok=not bad, result=result,
                       details={"folders": [{"path": c.path, "ok": c.ok, "summary": c.summary,
                                             "problems": [list(p) for p in c.problems[:50]]} for c in checks]})
        s.commit()
        return ReceiveResult(_info(s, drive), place, tuple(checks), tuple(notes))


def _check_identity(drive: Drive, mount: Path, drive_of, identity_of) -> tuple[bool, list[str]]:
    """Refuse a drive at ``mount`` that is not ``drive`` (filesystem UUID, else physical drive); returns
    ``(confirmed, notes)`` — not confirmed when the drive has neither identity."""
    if drive.fs_uuid:
        found = identity_of(mount).fs_uuid
        if found != drive.fs_uuid:
            raise DriveMismatchError(f"the drive at {mount} is not {drive.label}: filesystem UUID "
                                     f"{found or 'none'}, {drive.label} has {drive.fs_uuid}", path=mount,
                                     hint=f"mount {drive.label} and give its mount point with --path")
        return True, []
    if drive.physical_id:
        found = drive_of(mount).id
        if found != drive.physical_id:
            raise DriveMismatchError(f"the drive at {mount} is not {drive.label}: physical drive "
                                     f"{found or 'unknown'}, {drive.label} is {drive.physical_id}", path=mount,
                                     hint=f"mount {drive.label} and give its mount point with --path")
        return True, [f"{drive.label} has no filesystem UUID: recognised by its physical drive only"]
    return False, [f"cannot confirm that {mount} holds {drive.label} (no filesystem UUID, physical drive unknown): "
                   "folders found elsewhere than recorded are checked against their ASC MHL history only, and "
                   "nothing is recorded for them in the catalog"]


def _where_now(path_raw: bytes, old_root: str, new_root: str, found: list[str]) -> Path:
    """Where a recorded card folder is on the drive mounted at ``new_root``: the card folder found there whose
    relative path ends the recorded one (the longest), else the recorded path moved from ``old_root``."""
    recorded = os.fsdecode(path_raw)
    tails = [rel for rel in found if recorded.replace(os.sep, "/").endswith("/" + rel)]
    if tails:
        return Path(new_root) / max(tails, key=len)
    if repo.under(path_raw, old_root):
        return Path(new_root) / os.path.relpath(recorded, old_root)
    return Path(recorded)


def _reverify(catalog: Catalog, path_raw: bytes, folder: Path, confirmed: bool) -> FolderCheck:
    """Re-verify ``folder``; its results go to the catalog's folder ``path_raw`` only when it is that folder
    or the drive's identity was confirmed (another drive's bytes must never turn a copy verified)."""
    recorded = Path(os.fsdecode(path_raw))
    if not folder.is_dir():
        return FolderCheck(str(recorded), False, "card folder not found on the drive",
                           ((str(folder), "missing", "the card folder is not on the drive"),))
    try:
        moved = folder != recorded
        outcome = verify_folder(folder, catalog=catalog, recorded_as=recorded if moved and confirmed else None)
    except PixmError as exc:
        return FolderCheck(str(recorded), False, str(exc), (("ascmhl", "history", exc.message),))
    problems = tuple(outcome.problems)
    if outcome.catalog_error:
        problems += (("catalog", "not-recorded", outcome.catalog_error),)
    return FolderCheck(str(recorded), not problems, outcome.summary(), problems)


# -- safe to wipe / retire -------------------------------------------------------------------------------------


def wipe_check(catalog: Catalog, label: str, rule: SafeRule = SafeRule()) -> WipeVerdict:
    """Whether the drive may be wiped: ``core.verdict.drive_wipe_verdict`` over every file with a copy on it
    and its verified copies on other drives (see the module docstring). Raises :class:`UsageError` for an
    unknown drive."""
    with catalog.session() as s:
        drive = _get(s, label)
        verdict = _wipe_verdict(s, drive, rule)
        s.commit()
        return verdict


def _wipe_verdict(s, drive: Drive, rule: SafeRule) -> WipeVerdict:
    on = set(_find_folders(s, drive))
    blockers = []
    if not drive.physical_id:
        blockers.append(f"the OS could not tell which physical drive {drive.label} is "
                        f"({drive.physical_note or 'no identity recorded'}): card folders written to it under "
                        "another mount point cannot be found, so its files cannot all be accounted for")
    elif is_mounted(drive):
        blockers += _strangers(s, drive, on)
    files = repo.files_on(s, on)
    excluded = on | repo.retired_destination_ids(s)
    elsewhere = repo.verified_elsewhere(s, sorted(on), excluded)
    names = repo.drive_labels(s)
    rows = [FileElsewhere(card, rel, tuple((names.get(d) or vol or path, drive_id, note)
                                           for d, path, vol, drive_id, note in elsewhere.get(fid, [])))
            for fid, card, rel in files]
    return drive_wipe_verdict(drive.label, rows, rule, blockers=blockers)


def is_mounted(drive: Drive) -> bool:
    """Whether the drive itself is mounted at its recorded mount point (UUID, else physical drive, agree)."""
    if not drive.root or not os.path.isdir(drive.root):
        return False
    if drive.fs_uuid:
        return volume_identity(Path(drive.root)).fs_uuid == drive.fs_uuid
    return bool(drive.physical_id) and physical_drive(Path(drive.root)).id == drive.physical_id


def _strangers(s, drive: Drive, on: set[int]) -> list[str]:
    """Why the card folders actually on the mounted drive are not all accounted for: a folder with an ASC
    MHL history that is none of the catalog's folders on this drive (written by another cart, or recorded
    under a path the catalog cannot tie to this drive) holds files this catalog cannot vouch for."""
    found, complete = card_folders(drive.root)
    paths = [os.fsdecode(raw).replace(os.sep, "/") for d, raw, *_ in repo.destinations(s) if d in on]
    strangers = [rel for rel in found if not any(p.endswith("/" + rel) for p in paths)]
    out = []
    if strangers:
        more = f" and {len(strangers) - 3} more" if len(strangers) > 3 else ""
        out.append(f"card folders on {drive.label} that this catalog does not know as folders of this drive: "
                   f"{', '.join(strangers[:3])}{more} (written by another cart, or recorded under another "
                   "mount point): their files cannot be accounted for")
    if not complete:
        out.append(f"could not look through every folder on {drive.label} for card folders")
    return out


def retire(catalog: Catalog, label: str, rule: SafeRule = SafeRule(), *, force: bool = False,
           note: str | None = None, who: str | None = None, listed: int = 10) -> WipeVerdict:
    """Retire the drive (its copies stop counting anywhere) when it is safe to wipe, or with ``force`` and a
    ``note`` saying why. Raises :class:`DriveNotSafeToWipeError` (exit 10; ``details`` lists at most ``listed``
    lacking files) or :class:`UsageError` (unknown or already retired drive, ``force`` without a note)."""
    if force and not (note or "").strip():
        raise UsageError("--force needs --note saying why the drive is retired although not safe to wipe")
    with catalog.session() as s:
        drive = _get(s, label)
        _active(drive)
        verdict = _wipe_verdict(s, drive, rule)
        if not verdict.safe and not force:
            s.commit()
            raise DriveNotSafeToWipeError(f"{drive.label} is {verdict.headline}", details="\n".join(
                verdict.listed(listed)), hint="copy the files listed to another drive first, or retire with "
                                              "--force --note WHY")
        drive.status, drive.retired_at, drive.location = "retired", dt.datetime.now(dt.UTC), "retired"
        repo.add_event(s, drive, "retired", who=_who(who), host=context.hostname(), ok=verdict.safe,
                       result=verdict.headline, details={"forced": not verdict.safe, "note": note,
                                                         "lacking": verdict.as_dict()["lacking"][:50]})
        if note:
            drive.note = note
        s.commit()
        return verdict


# -- storage forecast ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DriveForecast:
    """``free_bytes`` measured on the mounted drive (``measured``) or capacity minus the bytes the catalog
    recorded on it; ``days_to_full`` at the average daily rate (``None`` without a rate)."""

    label: str
    kind: str
    capacity_bytes: int
    free_bytes: int
    measured: bool
    days_to_full: float | None


@dataclass(frozen=True, slots=True)
class Forecast:
    """Bytes per shoot day so far, their average, each active drive's room, and — with ``days_left`` — what
    the rest of the schedule needs: ``need_bytes`` (one copy), drives of ``drive_size`` for ``copies`` copies
    after the free space of the known drives, and ``tape`` cartridges for ``tape_copies`` sets."""

    days: tuple[tuple[dt.date, int, int], ...]
    average_bytes: float
    drives: tuple[DriveForecast, ...]
    days_left: int | None = None
    need_bytes: int = 0
    copies: int = 2
    drive_size: int = 0
    free_bytes: int = 0
    drives_needed: int | None = None
    tape: str = TapeKind.LTO9.value
    tape_bytes: int = TAPES[TapeKind.LTO9]
    tape_copies: int = 2
    tapes_needed: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["days"] = [{"day": day.isoformat(), "bytes": n, "cards": cards} for day, n, cards in self.days]
        return d


def forecast(catalog: Catalog, *, days_left: int | None = None, drive_size: int | None = None,
             copies: int = 2, tape: str = TapeKind.LTO9, tape_copies: int = 2,
             identity_of: Callable[[Path], VolumeIdentity] | None = None) -> Forecast:
    """The storage forecast (see :class:`Forecast`). ``drive_size`` in bytes (default the largest known
    drive); ``tape``: ``lto9`` (18 TB native) or ``lto8`` (12 TB). Raises :class:`UsageError` for a bad value."""
    if days_left is not None and days_left < 0 or copies < 1 or tape_copies < 0:
        raise UsageError("--days-left, --copies and --tape-copies cannot be negative (--copies at least 1)")
    try:
        tape = TapeKind(tape)
    except ValueError:
        raise UsageError(f"unknown tape {tape!r}", hint=f"one of {', '.join(TapeKind)}") from None
    identity_of = identity_of or volume_identity
    with catalog.session() as s:
        days = repo.bytes_per_day(s)
        average = sum(n for _d, n, _c in days) / len(days) if days else 0.0
        rooms = []
        for d in repo.drives(s, retired=False):
            linked = _find_folders(s, d)
            free, measured = _free(d, repo.recorded_bytes(s, linked), identity_of)
            rooms.append(DriveForecast(d.label, d.kind, d.capacity_bytes, free, measured,
                                       free / average if average > 0 else None))
        s.commit()
    notes = [] if days else ["no shoot day with files in the catalog yet: no daily rate"]
    size = drive_size or max((r.capacity_bytes for r in rooms), default=0)
    out = Forecast(tuple(days), average, tuple(rooms), days_left, copies=copies, drive_size=size, tape=tape.value,
                   tape_bytes=TAPES[tape], tape_copies=tape_copies, notes=tuple(notes))
    if days_left is None:
        return out
    need = math.ceil(average * days_left)
    free = sum(r.free_bytes for r in rooms if r.kind != DriveKind.LTO)
    drives_needed = math.ceil(max(0, need * copies - free) / size) if size > 0 else None
    if size <= 0:
        notes.append("no drive size known: register a drive or give --size")
    tapes = math.ceil(need / TAPES[tape]) * tape_copies
    return Forecast(tuple(days), average, tuple(rooms), days_left, need, copies, size, free, drives_needed,
                    tape.value, TAPES[tape], tape_copies, tapes, tuple(notes))


def _free(drive: Drive, recorded: int, identity_of) -> tuple[int, bool]:
    """Free bytes: measured when the drive is mounted at its root (and is that drive), else capacity minus
    the bytes the catalog recorded on it."""
    if drive.root and os.path.isdir(drive.root):
        ident = identity_of(Path(drive.root))
        same = ident.fs_uuid == drive.fs_uuid if drive.fs_uuid else os.path.realpath(ident.mount_point) == drive.root
        if same:
            try:
                return psutil.disk_usage(drive.root).free, True
            except OSError:
                pass
    return max(0, drive.capacity_bytes - recorded), False
