"""What follows a verified offload, in ONE definition for the window and ``pixm offload``: the card's clips
(ingest), the ingest QC against the show profile when one is installed beside the catalog (metadata rules;
the full decode is ``pixm qc --decode``), then the offload report PDF, each as the settings say
(``OffloadSettings.ingest_clips``, ``auto_report``, ``report_folder``).

:func:`after_offload` turns the settings into the job's options (``None``: nothing to do); the aftercare job
kind runs them: the ingest's progress values, then the report. A report that cannot be written is told in
``AftercareResult.report_error`` (the clips are done; the job row ends ``failed`` with those words), never
raised; so is a QC that could not run (``qc_error``: the installed profile no longer validates). Reads from
a verified destination copy, so the card can be ejected while this runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pixm_desktop.core.errors import PixmError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import AftercareJobOptions, JobKind
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.services import reports as reports_service
from pixm_desktop.services.clips import IngestResult
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared
from pixm_desktop.services.jobs.ingest import CPU, card_label, ingest_steps
from pixm_desktop.services.jobs.qc import qc_steps
from pixm_desktop.services.jobs.report import write_offload_report
from pixm_desktop.services.qc import QcResult
from pixm_desktop.services.settings import OffloadSettings, production_defaults
from pixm_desktop.services.show import current_profile
from pixm_desktop.store.db import Catalog


@dataclass(slots=True)
class AftercareResult:
    """What the aftercare did: the ingest (``None`` when clips are switched off), the QC (``None``: no profile
    installed, or no ingest; ``qc_error``: why it could not run) and the report written (path) or why it was
    not (``report_error``)."""

    ingest: IngestResult | None = None
    qc: QcResult | None = None
    qc_error: str | None = None
    report: str | None = None
    report_error: str | None = None


def after_offload(settings: OffloadSettings, card_id: int, job_id: int | None, *, clips: bool | None = None,
                  report: bool | None = None, catalog: Path | None = None) -> AftercareJobOptions | None:
    """The aftercare of the verified offload ``job_id`` of card ``card_id`` as the settings say; ``clips`` and
    ``report`` override ``settings.ingest_clips`` and ``settings.auto_report`` (the CLI's ``--no-clips`` and
    ``--no-report``). The report's header is the production of the settings, else of the show profile beside
    the catalog file ``catalog``. ``None`` when both are off (nothing follows the offload)."""
    ingest = settings.ingest_clips if clips is None else clips
    write = (settings.auto_report if report is None else report) and job_id is not None
    if not (ingest or write):
        return None
    p = production_defaults(settings, catalog)
    return AftercareJobOptions(card_id=card_id, job_id=job_id, ingest=ingest,
                               report_folder=settings.report_folder if write else None,
                               min_copies=max(1, int(settings.min_copies)),
                               distinct_drives=bool(settings.distinct_drives), production=p.production,
                               company=p.company, unit=p.unit, dit=p.dit)


def report_problem(exc: BaseException) -> str:
    """Words for a report that could not be written (a PIXM error's message and hint, or the OS's reason)."""
    if isinstance(exc, OSError):
        return f"cannot write {exc.filename or 'the report'}: {exc.strerror or exc}"
    return str(exc) if isinstance(exc, PixmError) else f"{type(exc).__name__}: {exc}"


class AftercareKind(JobKindBase):
    """The ingest, then the offload report, of one verified card (see :func:`after_offload`)."""

    kind = JobKind.AFTERCARE

    def prepare(self, catalog: Catalog, options: AftercareJobOptions) -> Prepared:
        """Raises :class:`UsageError` for a card the catalog does not hold."""
        return Prepared(catalog, options, card_id=options.card_id, label=card_label(catalog, options.card_id))

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({CPU})

    def run(self, prepared: Prepared, cancel: CancelToken):
        o: AftercareJobOptions = prepared.options
        out = AftercareResult()
        if o.ingest:
            out.ingest = yield from ingest_steps(prepared.catalog, o.card_id, cancel)
        if o.ingest and o.qc:
            yield from self._qc(prepared.catalog, o.card_id, cancel, out)
        if o.report_folder is not None and o.job_id is not None:
            try:
                folder = Path(o.report_folder) if o.report_folder else None
                path = reports_service.offload_report_path(prepared.catalog, o.job_id, folder)
                header = reports_service.ReportOptions(
                    rule=SafeRule(o.min_copies, o.distinct_drives), dit=o.dit or None, production=o.production,
                    company=o.company, unit=o.unit)
                out.report = str(write_offload_report(prepared.catalog, o.job_id, path, header))
            except Exception as exc:  # the clips are done; a report problem is told, not fatal
                out.report_error = report_problem(exc)
        return out

    @staticmethod
    def _qc(catalog: Catalog, card_id: int, cancel: CancelToken, out: AftercareResult):
        """QC of the card when a show profile is installed beside the catalog (none: nothing to check against)."""
        try:
            profile = current_profile(catalog.path) if catalog.path is not None else None
        except PixmError as exc:  # the installed profile was edited by hand and no longer validates
            out.qc_error = report_problem(exc)
            return
        if profile is not None:
            out.qc = yield from qc_steps(catalog, [card_id], profile, cancel, decode=False)

    def status_of(self, result: AftercareResult) -> tuple[JobStatus, str | None]:
        if result.qc_error:
            return JobStatus.FAILED, f"ingest QC did not run: {result.qc_error}"
        if result.report_error:
            return JobStatus.FAILED, f"the offload report was not written: {result.report_error}"
        return JobStatus.COMPLETED, None

    def summary(self, result: AftercareResult) -> str:
        parts = [result.ingest.summary()] if result.ingest is not None else []
        if result.qc is not None:
            parts.append(result.qc.summary())
        if result.report:
            parts.append(f"offload report: {result.report}")
        return "; ".join(parts) or "nothing to do"
