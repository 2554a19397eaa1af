"""The archive and restore job kinds (:mod:`services.jobs` contract): an archive to LTO tapes and a restore from
them as jobs with a row, progress and cancel.

Options: :class:`~pixm_desktop.core.states.ArchiveJobOptions`, :class:`~pixm_desktop.core.states.RestoreJobOptions`.
Progress: :class:`~.run.ArchiveProgress` / :class:`~.restore.RestoreProgress`. Resources: ``tape:<label>`` for
every tape a run may write or read (one writer per tape, never two jobs on one drive), and ``cpu`` for an
archive (it hashes every byte it reads back).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import ArchiveJobOptions, JobKind, RestoreJobOptions
from pixm_desktop.services.archive import restore as restore_mod
from pixm_desktop.services.archive.run import (
    CALIBRATION_NOTE,
    Archiver,
    ArchiveRequest,
    ArchiveResult,
    TapeTarget,
)
from pixm_desktop.services.archive.select import Scope
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, on_thread
from pixm_desktop.services.jobs.ingest import CPU
from pixm_desktop.store import tapes_repo
from pixm_desktop.store.db import Catalog


def parse_tapes(text: str) -> tuple[TapeTarget, ...]:
    """``"LTO001=/mnt/ltfs,LTO002=/mnt/ltfs2"`` → targets; raises :class:`UsageError` for a part without ``=``."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        label, sep, mount = part.partition("=")
        if not sep or not label or not mount:
            raise UsageError(f"not a tape: {part!r}", hint="give LABEL=MOUNTPOINT (CLI: --tape LABEL --to MOUNT)")
        out.append(TapeTarget(label.strip(), Path(mount.strip()).expanduser().resolve()))
    return tuple(out)


def archive_request(options: ArchiveJobOptions) -> ArchiveRequest:
    cards = tuple(c.strip() for c in options.cards.split(",") if c.strip())
    return ArchiveRequest(Scope(day=options.day, labels=cards, cut=options.cut), parse_tapes(options.tapes),
                          copy=options.copy.upper(), from_card=options.from_card, ltfs_hash=options.ltfs_hash,
                          capacity=options.capacity or None)


class ArchiveKind(JobKindBase):
    """An archive run (:class:`~.run.Archiver`). ``remount(mount)``: how the tape is unmounted and mounted
    again before the read-back (``None``: the page cache is dropped; the tests pass a real umount/mount)."""

    kind = JobKind.ARCHIVE

    def __init__(self, remount: Callable[[Path], None] | None = None):
        self.remount = remount

    def prepare(self, catalog: Catalog, options: ArchiveJobOptions) -> Prepared:
        """Raises :class:`UsageError` (scope, tapes, a file or card larger than a tape, no verified copy)."""
        req = archive_request(options)
        archiver = Archiver(catalog, req, remount=self.remount)
        sets = archiver.plan()
        label = f"{req.scope.words()} → tape {', '.join(t.label for t in req.tapes)} (copy {req.copy})"
        return Prepared(catalog, options, label=label, detail=(archiver, sets), source_path=str(req.tapes[0].mount),
                        notes=[f"{len(sets)} card(s), {archiver.progress.bytes_total:,} bytes", CALIBRATION_NOTE])

    def resources(self, prepared: Prepared) -> frozenset[str]:
        archiver, _ = prepared.detail
        return frozenset({CPU, *(f"tape:{t.label}" for t in archiver.req.tapes)})

    def run(self, prepared: Prepared, cancel: CancelToken):
        archiver, sets = prepared.detail
        archiver.cancel, archiver.job_id = cancel, prepared.job_id
        catalog = prepared.catalog
        return (yield from on_thread(lambda: archiver.run(sets), lambda: archiver.progress, cancel,
                                     name="pixm-archive", inline=catalog.path is None))

    def status_of(self, result: ArchiveResult) -> tuple[JobStatus, str | None]:
        if result.failed:
            return JobStatus.FAILED, f"{result.failed} file(s) read back from tape differ from the catalog"
        if result.left:
            return JobStatus.FAILED, (f"tapes full: card(s) {', '.join(result.left)} not archived; continue with "
                                      f"`{result.continue_command}`")
        return JobStatus.COMPLETED, None

    def summary(self, result: ArchiveResult) -> str:
        return "; ".join(f"tape {t.label}: {t.verified}/{t.files} files verified" for t in result.tapes)


class RestoreKind(JobKindBase):
    """A restore from tape (:func:`~.restore.restore`)."""

    kind = JobKind.RESTORE

    def prepare(self, catalog: Catalog, options: RestoreJobOptions) -> Prepared:
        req = _restore_request(options)
        if not req.folder.is_dir():
            raise UsageError(f"no such folder: {req.folder}", hint="give --to an existing folder")
        with catalog.session() as s:
            files = restore_mod.needed_files(s, req)
            copies = tapes_repo.verified_copies(s, [f.id for f in files])
        tapes = sorted({c.label for cs in copies.values() for c in cs})
        what = f"cut {req.cut}" if req.cut else f"clip(s) {', '.join(req.clips)}"
        return Prepared(catalog, options, label=f"restore {what} → {req.folder}", detail=(req, tapes),
                        source_path=str(req.folder), notes=[f"{len(files)} file(s)"])

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset(f"tape:{t}" for t in prepared.detail[1])

    def run(self, prepared: Prepared, cancel: CancelToken):
        req = prepared.detail[0]
        progress = restore_mod.RestoreProgress()
        catalog = prepared.catalog
        return (yield from on_thread(lambda: restore_mod.restore(catalog, req, cancel=cancel, progress=progress),
                                     lambda: progress, cancel, name="pixm-restore", inline=catalog.path is None))

    def status_of(self, result: restore_mod.RestoreResult) -> tuple[JobStatus, str | None]:
        if result.ok:
            return JobStatus.COMPLETED, None
        parts = []
        if result.failed:
            parts.append(f"{len(result.failed)} file(s) differ from the catalog")
        if result.to_load:
            parts.append(f"load tape(s) {', '.join(sorted(result.to_load))}")
        if result.not_archived:
            parts.append(f"{len(result.not_archived)} file(s) on no tape")
        return JobStatus.FAILED, "; ".join(parts)

    def summary(self, result: restore_mod.RestoreResult) -> str:
        return f"restored {len(result.read)} file(s) into {result.folder}"


def _restore_request(options: RestoreJobOptions) -> restore_mod.RestoreRequest:
    clips = tuple(c.strip() for c in options.clips.split(",") if c.strip())
    return restore_mod.RestoreRequest(Path(options.folder), clips=clips, cut=options.cut, handles=options.handles)


__all__ = ["ArchiveKind", "RestoreKind", "archive_request", "parse_tapes"]
