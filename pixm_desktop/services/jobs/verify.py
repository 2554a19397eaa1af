"""The verify job kind: re-read one destination card folder against its ASC MHL history (or MHL v1 file) and
the card hashes the catalog holds (:func:`services.verify.verify_folder`), as a job with a row.

Options: :class:`VerifyJobOptions` (a catalogued destination by id, or a folder). Progress: a
:class:`VerifyProgress` (files re-read so far, the current one) every 100 ms. Cancel is checked before each
file: a cancelled verify writes no generation and changes no copy state. Resources: the folder's drive, keyed
as the offload kind keys a destination's (``drive:<member disk>``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pixm_desktop.core.errors import DestinationMissingError, UsageError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import JobKind, VerifyJobOptions
from pixm_desktop.engine.drives import physical_drive
from pixm_desktop.engine.plan import volume_of
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, on_thread, stopped
from pixm_desktop.services.verify import VerifyOutcome, verify_folder
from pixm_desktop.store import repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Destination


@dataclass(slots=True)
class VerifyProgress:
    """Files of the folder re-read so far (``done``) and the one being read (``current``)."""

    path: str
    done: int = 0
    current: str = ""


class VerifyKind(JobKindBase):
    """Re-verify one destination card folder; the catalog's copy states follow the verdict."""

    kind = JobKind.VERIFY

    def prepare(self, catalog: Catalog, options: VerifyJobOptions) -> Prepared:
        """Raises :class:`UsageError` (unknown destination id, a path that is no folder) and
        :class:`DestinationMissingError` (a catalogued folder that is not there: a drive not mounted)."""
        with catalog.session() as s:
            if options.destination_id is not None:
                d = s.get(Destination, options.destination_id)
                if d is None:
                    raise UsageError(f"destination {options.destination_id} is not in the catalog")
                path, card_id = Path(d.path_raw.decode("utf-8", "surrogateescape")), d.card_id
                if not path.is_dir():
                    raise DestinationMissingError(f"the destination folder is not there: {path}",
                                                  hint="connect the drive (is it mounted?) and try again", path=path)
            else:
                path = Path(options.path)
                if not path.is_dir():
                    what = "no such folder" if not path.exists() else "not a folder"
                    raise UsageError(f"{what}: {path}", hint="give the destination card folder, the one holding "
                                                             "ascmhl/ (or an MHL v1 file)")
                path = path.resolve()
                d = repo.find_destination_by_path(s, os.fsencode(path))
                card_id = d.card_id if d is not None else None
        return Prepared(catalog, options, card_id=card_id, label=path.name, source_path=str(path), detail=path)

    def resources(self, prepared: Prepared) -> frozenset[str]:
        """The folder's drive, keyed as the offload kind keys its destinations (member disks, or the device and
        mount point of a drive the OS cannot tell), so a re-verify and an offload on one disk wait in turn."""
        drive = physical_drive(prepared.detail)
        if drive.members:
            return frozenset(f"drive:{m}" for m in drive.members)
        try:
            v = volume_of(prepared.detail)
        except OSError:
            return frozenset({f"folder:{os.path.realpath(prepared.detail)}"})
        return frozenset({f"drive:{v.device}@{v.mount_point}"})

    def run(self, prepared: Prepared, cancel: CancelToken):
        progress = VerifyProgress(str(prepared.detail))

        def on_file(name: str) -> None:
            stopped(cancel, f"re-verify of {prepared.detail} stopped: nothing was recorded",
                    "verify the folder again to check it")
            progress.done, progress.current = progress.done + 1, name

        outcome = yield from on_thread(
            lambda: verify_folder(prepared.detail, catalog=prepared.catalog, write=prepared.options.write,
                                  on_file=on_file),
            lambda: progress, cancel, name="pixm-verify", inline=prepared.catalog.path is None)
        return outcome

    def status_of(self, result: VerifyOutcome) -> tuple[JobStatus, str | None]:
        if result.ok and not result.catalog_error:
            return JobStatus.COMPLETED, None
        words = [f"{result.path}: {result.summary()}"] if result.problems else []
        if result.catalog_error:
            words.append(result.catalog_error)
        return JobStatus.FAILED, "; ".join(words)

    def summary(self, result: VerifyOutcome) -> str:
        return f"{result.path} ({result.kind}): {result.summary()}"
