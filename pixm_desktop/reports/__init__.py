"""Reports: PDF, CSV and ALE from typed results. No Qt, no sessions.

``services.reports`` reads the catalog into the dataclasses of :mod:`.model` and calls the writers here:
:func:`write_offload_report` (PDF per card/job), :func:`write_daily_report` (PDF per shoot day),
:func:`write_csv` and :func:`write_ale` (clip lists). Fonts: :mod:`.fonts`.
"""

from pixm_desktop.reports.daily import write_daily_report
from pixm_desktop.reports.exports import ALE_COLUMNS, CSV_COLUMNS, write_ale, write_csv
from pixm_desktop.reports.model import (
    CameraTotal,
    CardLine,
    ClipLine,
    DailyCard,
    DailyReport,
    DestinationLine,
    FileLine,
    Issue,
    OffloadReport,
    ReportContext,
    ReportResult,
    SoundRoll,
    StorageLine,
)
from pixm_desktop.reports.offload import write_offload_report

__all__ = [
    "ALE_COLUMNS",
    "CSV_COLUMNS",
    "CameraTotal",
    "CardLine",
    "ClipLine",
    "DailyCard",
    "DailyReport",
    "DestinationLine",
    "FileLine",
    "Issue",
    "OffloadReport",
    "ReportContext",
    "ReportResult",
    "SoundRoll",
    "StorageLine",
    "write_ale",
    "write_csv",
    "write_daily_report",
    "write_offload_report",
]
