"""The job kinds, in one table: :class:`JobKind` → the class that prepares and runs it. A new kind (transcode,
turnover, pull, archive, sync) is a module with a :class:`~.contract.JobKindBase` subclass and one line here
(and a member of :class:`JobKind`, with its options class in ``core.states``).

The table names each class by ``module:Class`` and imports it on first use: a child process that runs an offload
never loads the PDF and decoder libraries the report and ingest kinds need (a second off each child's start).
"""

from __future__ import annotations

from importlib import import_module

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import JobKind
from pixm_desktop.services.jobs.contract import JobKindBase

_PACKAGE = "pixm_desktop.services.jobs"
KINDS: dict[JobKind, str] = {
    JobKind.OFFLOAD: f"{_PACKAGE}.offload:OffloadKind",
    JobKind.VERIFY: f"{_PACKAGE}.verify:VerifyKind",
    JobKind.INGEST: f"{_PACKAGE}.ingest:IngestKind",
    JobKind.REPORT: f"{_PACKAGE}.report:ReportKind",
    JobKind.AFTERCARE: f"{_PACKAGE}.aftercare:AftercareKind",
    JobKind.QC: f"{_PACKAGE}.qc:QcKind",
    JobKind.DAILIES: f"{_PACKAGE}.dailies:DailiesKind",
    JobKind.TURNOVER: f"{_PACKAGE}.turnover:TurnoverKindSpec",
    JobKind.PULL: f"{_PACKAGE}.post:PullKind",
    JobKind.DELIVERY: f"{_PACKAGE}.post:DeliveryKind",
    JobKind.ARCHIVE: "pixm_desktop.services.archive.jobs:ArchiveKind",
    JobKind.RESTORE: "pixm_desktop.services.archive.jobs:RestoreKind",
}


def kind_class(kind: JobKind | str) -> type[JobKindBase]:
    """The class of ``kind``. Raises :class:`UsageError` for a kind this PIXM does not know."""
    try:
        module, name = KINDS[JobKind(kind)].split(":")
    except (ValueError, KeyError):
        raise UsageError(f"unknown job kind {kind!r} (known: {', '.join(k.value for k in KINDS)})") from None
    return getattr(import_module(module), name)


def kind_spec(kind: JobKind | str) -> JobKindBase:
    """A new instance of the class of ``kind`` (with its default settings); raises as :func:`kind_class`."""
    return kind_class(kind)()
