"""The job kinds, in one table: :class:`JobKind` → the class that prepares and runs it. A new kind (transcode,
turnover, pull, archive, sync) is a module with a :class:`~.contract.JobKindBase` subclass and one line here
(and a member of :class:`JobKind`, with its options class in ``core.states``)."""

from __future__ import annotations

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.states import JobKind
from pixm_desktop.services.jobs.aftercare import AftercareKind
from pixm_desktop.services.jobs.contract import JobKindBase
from pixm_desktop.services.jobs.ingest import IngestKind
from pixm_desktop.services.jobs.offload import OffloadKind
from pixm_desktop.services.jobs.report import ReportKind
from pixm_desktop.services.jobs.verify import VerifyKind

KINDS: dict[JobKind, type[JobKindBase]] = {
    JobKind.OFFLOAD: OffloadKind,
    JobKind.VERIFY: VerifyKind,
    JobKind.INGEST: IngestKind,
    JobKind.REPORT: ReportKind,
    JobKind.AFTERCARE: AftercareKind,
}


def kind_spec(kind: JobKind | str) -> JobKindBase:
    """A new instance of the class of ``kind`` (with its default settings). Raises :class:`UsageError` for a
    kind this PIXM does not know."""
    try:
        return KINDS[JobKind(kind)]()
    except (ValueError, KeyError):
        raise UsageError(f"unknown job kind {kind!r} (known: {', '.join(k.value for k in KINDS)})") from None
