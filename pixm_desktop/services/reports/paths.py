"""Where reports go: safe file names, the default folder, a free name for a job's automatic offload report."""

from __future__ import annotations

import os
import re
from pathlib import Path

from platformdirs import user_data_dir

from pixm_desktop.services.reports.common import resolve_job
from pixm_desktop.store.db import Catalog


def suggested_filename(kind: str, name: str) -> str:
    """``A001R1AB_offload.pdf``, ``2026-11-23_daily.pdf``, ``2026-11-23.ale``: a name safe on every file system."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .") or "report"
    return {"offload": f"{safe}_offload.pdf", "daily": f"{safe}_daily.pdf", "csv": f"{safe}_clips.csv",
            "ale": f"{safe}.ale"}.get(kind, f"{safe}_{kind}")


def default_report_folder(catalog: Catalog) -> Path:
    """Where reports go when the user chose no folder: ``<catalog folder>/reports`` (``reports`` in the per-user
    data folder for a catalog opened by URL). Computes the path only: the folder may not exist yet."""
    if catalog.path is not None:
        return Path(catalog.path).parent / "reports"
    return Path(user_data_dir("pixm", appauthor=False)) / "reports"


def offload_report_path(catalog: Catalog, job_id: int, folder: str | os.PathLike | None = None) -> Path:
    """A free path for the offload report PDF of job ``job_id``, for writing it after the job verified.

    ``folder`` is the settings' ``report_folder``; ``""`` or ``None`` means :func:`default_report_folder`.
    The name is ``<card>_offload.pdf``; when that file exists (the card was offloaded before, or a report of
    this job was already written) it is ``<card>_job<id>_offload.pdf``, then ``<card>_job<id>_offload-2.pdf``,
    ``-3``… so an existing report is never overwritten. Reads the catalog (call it off the GUI thread) and
    checks which names exist; creates nothing: the caller makes the folder
    (``path.parent.mkdir(parents=True, exist_ok=True)``) and then calls :func:`write_offload_report`
    ``(catalog, path, job_id=job_id)``. Raises :class:`UsageError` when the job is not in the catalog.
    """
    with catalog.session() as s:
        label = resolve_job(s, job_id, None).card.label
    root = Path(folder) if folder else default_report_folder(catalog)
    first = root / suggested_filename("offload", label)
    if not os.path.lexists(first):
        return first
    stem = Path(suggested_filename("offload", f"{label}_job{job_id}")).stem
    candidate, n = root / f"{stem}.pdf", 1
    while os.path.lexists(candidate):
        n += 1
        candidate = root / f"{stem}-{n}.pdf"
    return candidate


__all__ = ["default_report_folder", "offload_report_path", "suggested_filename"]
