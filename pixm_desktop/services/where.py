"""``pixm where NAME``: every drive and card folder holding a clip, a card or a file, with how much of it is
verified there and when, which registered drive it is on (who holds it, where it is) and whether that drive
is mounted on this cart now; and how many copies that makes against the card's rule (distinct drives)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.timeutil import iso_utc
from pixm_desktop.core.verdict import SafeRule, count_drives
from pixm_desktop.engine.drives import PhysicalDrive, physical_drive
from pixm_desktop.services import drives as drive_service
from pixm_desktop.store import drives_repo, locations_repo, tapes_repo
from pixm_desktop.store.db import Catalog


@dataclass(frozen=True, slots=True)
class Place:
    """One card folder holding copies: ``drive`` is the registered drive's label (else the volume label or
    ``""``) with its ``kind``, ``holder``, ``location`` and ``status``; ``files`` of the target verified here
    (``verified`` of ``total``; ``failed``); ``oldest_verified``: every verified copy here was verified at least
    this recently (UTC). ``mounted``: the drive is on this cart now (its identity checked), ``folder_found``:
    the card folder is where it was recorded."""

    path: str
    drive: str
    kind: str
    holder: str
    location: str
    status: str
    total: int
    verified: int
    failed: int
    oldest_verified: dt.datetime | None
    newest_verified: dt.datetime | None
    mounted: bool
    folder_found: bool
    drive_id: str = ""

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.verified == self.total

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__slots__}
        d.update(oldest_verified=iso_utc(self.oldest_verified), newest_verified=iso_utc(self.newest_verified),
                 complete=self.complete)
        return d


@dataclass(frozen=True, slots=True)
class Whereabouts:
    """Where one clip, card or file is (``kind``/``name`` on card ``card`` of ``day``): its ``places`` and
    ``copies``, the count of complete verified copies on distinct drives, against ``rule_copies``;
    ``why`` says what makes copies count less (shared or unknown drives)."""

    kind: str
    name: str
    card: str
    day: dt.date | None
    files: int
    total_bytes: int
    places: tuple[Place, ...]
    copies: int
    rule_copies: int
    why: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "card": self.card,
                "day": self.day.isoformat() if self.day else None, "files": self.files,
                "total_bytes": self.total_bytes, "copies": self.copies, "rule_copies": self.rule_copies,
                "why": list(self.why), "places": [p.as_dict() for p in self.places]}


def where(catalog: Catalog, name: str, *, rule: SafeRule = SafeRule(),
          drive_of: Callable[[Path], PhysicalDrive] | None = None) -> list[Whereabouts]:
    """Where everything named ``name`` is (see :func:`store.locations_repo.targets` for what a name matches).

    Raises :class:`UsageError` (exit 2) when nothing in the catalog has that name. ``drive_of`` (default
    :func:`engine.drives.physical_drive`) tells which physical drive a found folder is on (tests pass a fake)."""
    name = (name or "").strip()
    if not name:
        raise UsageError("where needs a clip, card or file name")
    drive_of = drive_of or physical_drive
    with catalog.session() as s:
        found = locations_repo.targets(s, name)
        if not found:
            raise UsageError(f"nothing named {name!r} in the catalog (no clip, card or file)",
                             hint="`pixm clips` lists the clips and `pixm catalog cards` the cards the catalog knows")
        labels = drives_repo.drive_labels(s)
        registered = {d.label: d for d in drives_repo.drives(s)}
        return [_whereabouts(t, locations_repo.holdings(s, t.file_ids), labels, registered, rule, drive_of,
                             tapes_repo.holdings(s, t.file_ids))
                for t in found]


def _whereabouts(t: locations_repo.Target, holdings, labels, registered, rule, drive_of, tapes=()) -> Whereabouts:
    places = tuple(_place(h, len(t.file_ids), labels, registered, drive_of) for h in holdings) \
        + tuple(_tape_place(h, len(t.file_ids)) for h in tapes)
    labels_seen = [p.drive for p in places if p.complete]
    complete = [(p.drive if p.drive and labels_seen.count(p.drive) == 1 else p.path, p.drive_id, None)
                for p in places if p.complete]
    copies, why = count_drives(complete, rule)
    return Whereabouts(t.kind, t.name, t.card_label, t.day, len(t.file_ids), t.total_bytes, places, copies,
                       rule.min_copies, tuple(why))


def _place(h: locations_repo.Holding, total: int, labels, registered, drive_of) -> Place:
    label = labels.get(h.destination_id, "")
    drive = registered.get(label)
    folder_found = os.path.isdir(h.path_raw)
    if drive is not None:
        mounted = folder_found and drive_service.is_mounted(drive)
    else:  # not registered: the folder is there and on the physical drive it was written to
        mounted = folder_found and (not h.drive_id or drive_of(Path(os.fsdecode(h.path_raw))).id == h.drive_id)
    return Place(h.path, label or h.volume_label, drive.kind if drive else "", drive.holder if drive else "",
                 drive.location if drive else "", drive.status if drive else "", total, h.verified, h.failed,
                 h.oldest_verified, h.newest_verified, mounted, folder_found, h.drive_id)


def _tape_place(h: tapes_repo.TapeHolding, total: int) -> Place:
    """A tape as a place: kind ``lto``, its copy set as the location, a failed tape holding nothing that counts;
    each tape is its own drive (``tape:<label>``)."""
    from pixm_desktop.services.archive.restore import mounted

    good = h.verified if h.state != tapes_repo.FAILED else 0
    here = mounted(h.label, h.mount_point)
    return Place(h.mount_point, h.label, "lto", "", f"copy {h.copy}", h.state, total, good, h.failed,
                 h.oldest_verified, h.newest_verified, here, here, f"tape:{h.label}")


__all__ = ["Place", "Whereabouts", "where"]
