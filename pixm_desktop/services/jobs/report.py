"""The report job kind: the offload report PDF of a job, or the daily report PDF of a shoot day, as a job with
a row (``card_id`` is the offloaded card's, ``None`` for a day).

Options: :class:`ReportJobOptions`. Progress: one :class:`ReportProgress` before the file is written. Cancel is
checked before writing: a cancelled report leaves no file. Resources: ``cpu`` (laying out hundreds of clips).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import JobKind, ReportJobOptions
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.services import reports as reports_service
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, stopped
from pixm_desktop.services.jobs.ingest import CPU
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Job

REPORTS = ("offload", "daily")


@dataclass(slots=True)
class ReportProgress:
    """``phase`` is ``writing``; ``path`` the file being written."""

    path: str
    phase: str = "writing"


def write_offload_report(catalog: Catalog, job_id: int, path: Path,
                         options: SafeRule | reports_service.ReportOptions) -> Path:
    """Write the offload report of job ``job_id`` to ``path`` (making its folder) judged by the rule (a
    ``SafeRule``) or with full ``ReportOptions`` (rule and header); returns the path."""
    if isinstance(options, SafeRule):
        options = reports_service.ReportOptions(rule=options)
    path.parent.mkdir(parents=True, exist_ok=True)
    reports_service.write_offload_report(catalog, path, job_id=job_id, options=options)
    return path


class ReportKind(JobKindBase):
    """Write one PDF report (see the module docstring)."""

    kind = JobKind.REPORT

    def prepare(self, catalog: Catalog, options: ReportJobOptions) -> Prepared:
        """The file to write (a new one unless ``options.path`` names it). Raises :class:`UsageError` for an
        unknown report, job or day."""
        if options.report not in REPORTS:
            raise UsageError(f"unknown report {options.report!r} (choose {' or '.join(REPORTS)})")
        if options.report == "offload":
            if options.job_id is None:
                raise UsageError("an offload report needs the job's id")
            with catalog.session() as s:
                job = s.get(Job, options.job_id)
                if job is None or job.kind != JobKind.OFFLOAD:
                    raise UsageError(f"no offload job {options.job_id} in the catalog",
                                     hint="`pixm catalog jobs --kind offload` lists them")
                card_id = job.card_id
            path = (Path(options.path) if options.path else
                    reports_service.offload_report_path(catalog, options.job_id, options.folder))
            return Prepared(catalog, options, card_id=card_id, label=path.name, detail=path)
        try:
            day = dt.date.fromisoformat(options.day or "")
        except ValueError:
            raise UsageError(f"a daily report needs a day as YYYY-MM-DD, not {options.day!r}") from None
        folder = Path(options.folder) if options.folder else reports_service.default_report_folder(catalog)
        path = Path(options.path) if options.path else folder / reports_service.suggested_filename(
            "daily", day.isoformat())
        return Prepared(catalog, options, label=path.name, detail=(path, day))

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({CPU})

    def run(self, prepared: Prepared, cancel: CancelToken):
        o: ReportJobOptions = prepared.options
        path = prepared.detail if o.report == "offload" else prepared.detail[0]
        stopped(cancel, f"report {path.name} not written", "write it again")
        yield ReportProgress(str(path))
        stopped(cancel, f"report {path.name} not written", "write it again")
        rule = SafeRule(o.min_copies, o.distinct_drives)
        if o.report == "offload":
            return write_offload_report(prepared.catalog, o.job_id, path, rule)
        path.parent.mkdir(parents=True, exist_ok=True)
        reports_service.write_daily_report(prepared.catalog, prepared.detail[1], path, project=o.project,
                                           options=reports_service.ReportOptions(rule=rule))
        return path

    def summary(self, result: Path) -> str:
        return f"written: {result}"
