"""Reports and exports: read the catalog into typed report data (``reports.model``) and write PDF, CSV, ALE.

The API the CLI and the GUI's Reports page call (plain data in and out, never ORM objects; all functions block,
call them off the GUI thread), one module per use case:

- :mod:`.daily` — :func:`shoot_days` ``(catalog)`` → ``list[ShootDayInfo]``: the days a report can be made
  for, newest first; :func:`daily_report_data` ``(catalog, day, *, project=None, options=None)`` →
  :class:`~pixm_desktop.reports.model.DailyReport`; :func:`write_daily_report` ``(catalog, day, path, …)``.
- :mod:`.offload` — :func:`offload_jobs` ``(catalog, day=None, project=None)`` → ``list[JobInfo]``;
  :func:`offload_report_data` ``(catalog, *, job_id=None, card_label=None, options=None)`` →
  :class:`~pixm_desktop.reports.model.OffloadReport`; :func:`write_offload_report` ``(catalog, path, …)``
  → :class:`~pixm_desktop.reports.model.ReportResult`. ``card_label`` picks the card's newest offload job.
- :mod:`.exports` — :func:`export_csv` / :func:`export_ale` ``(catalog, path, *, day, …)`` → ``ReportResult``;
  :func:`report_clips` ``(catalog, day, *, project=None, card_label=None)`` → ``list[ClipLine]``
  (:mod:`.clip_lines`).
- :mod:`.paths` — :func:`suggested_filename` ``(kind, name)`` → a safe file name (``A001R1AB_offload.pdf``);
  :func:`default_report_folder` ``(catalog)`` → ``<catalog folder>/reports``; :func:`offload_report_path`
  ``(catalog, job_id, folder)`` → a free file name there for a job's automatic offload report.

Unknown cards, jobs, days or an ambiguous project raise :class:`UsageError` (CLI exit 2) with a hint.
Verdicts (safe to format) come from ``services.status``, the rule the GUI shows; clips from
``services.clips``; the DIT's name from the ASC MHL generation the job wrote (its ``author``), unless
``ReportOptions.dit`` says otherwise. Queries are ``store.reports_repo``'s and ``store.clips_repo``'s.
"""

from pixm_desktop.reports.model import PAPER_SIZES, ReportResult
from pixm_desktop.services.reports.clip_lines import report_clips
from pixm_desktop.services.reports.common import ReportOptions
from pixm_desktop.services.reports.daily import (
    ShootDayInfo,
    daily_report_data,
    shoot_days,
    write_daily_report,
)
from pixm_desktop.services.reports.exports import export_ale, export_csv
from pixm_desktop.services.reports.offload import (
    JobInfo,
    offload_jobs,
    offload_report_data,
    write_offload_report,
)
from pixm_desktop.services.reports.paths import default_report_folder, offload_report_path, suggested_filename

__all__ = [
    "PAPER_SIZES",
    "JobInfo",
    "ReportOptions",
    "ReportResult",
    "ShootDayInfo",
    "daily_report_data",
    "default_report_folder",
    "export_ale",
    "export_csv",
    "offload_jobs",
    "offload_report_data",
    "offload_report_path",
    "report_clips",
    "shoot_days",
    "suggested_filename",
    "write_daily_report",
    "write_offload_report",
]
