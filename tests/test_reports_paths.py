"""Where automatic offload reports go: the default folder beside the catalog, and a free file name per job that
never overwrites an earlier report of the same card."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from pixm_desktop.core.errors import UsageError
from pixm_desktop.services import reports
from pixm_desktop.services.offload import OffloadRequest, OffloadService
from pixm_desktop.store.db import Catalog, open_catalog
from support.cards import write


def _offload(catalog: Catalog, source: Path, dests: list[Path]) -> int:
    for d in dests:
        Path(d).mkdir(parents=True, exist_ok=True)  # the drives are mounted: PIXM never creates a root
    service = OffloadService(catalog)
    result = service.run(service.prepare(OffloadRequest(source=source, destinations=dests, project="Film",
                                                        day=dt.date(2026, 11, 23))))
    assert result.ok, result
    return result.job_id


@pytest.fixture
def catalog(tmp_path: Path):
    c = open_catalog(tmp_path / "db" / "catalog.sqlite")
    yield c
    c.close()


def test_default_report_folder_is_beside_the_catalog(catalog: Catalog, tmp_path: Path) -> None:
    assert reports.default_report_folder(catalog) == tmp_path / "db" / "reports"
    assert not (tmp_path / "db" / "reports").exists()  # computed, not created


def test_offload_report_path_never_reuses_a_name(catalog: Catalog, tmp_path: Path) -> None:
    card = tmp_path / "A001R1AB"
    write(card / "A001C001_261123_R1AB.mov", os.urandom(20_000))
    dests = [tmp_path / "RAID", tmp_path / "SHUTTLE"]
    first = _offload(catalog, card, dests)
    default = tmp_path / "db" / "reports" / "A001R1AB_offload.pdf"
    assert reports.offload_report_path(catalog, first, "") == default
    assert reports.offload_report_path(catalog, first, None) == default
    # the report is written where the path says; the next report of the same card gets another name
    default.parent.mkdir(parents=True)
    reports.write_offload_report(catalog, reports.offload_report_path(catalog, first), job_id=first)
    assert default.stat().st_size > 1000
    write(card / "A001C002_261123_R1AB.mov", os.urandom(20_000))  # the card changed: a second job
    second = _offload(catalog, card, dests)
    assert second != first
    again = reports.offload_report_path(catalog, second)
    assert again == default.parent / f"A001R1AB_job{second}_offload.pdf"
    again.write_bytes(b"%PDF-")
    assert reports.offload_report_path(catalog, second) == default.parent / f"A001R1AB_job{second}_offload-2.pdf"
    # a folder chosen in the settings
    chosen = tmp_path / "my reports"
    assert reports.offload_report_path(catalog, second, str(chosen)) == chosen / "A001R1AB_offload.pdf"


def test_offload_report_path_of_an_unknown_job(catalog: Catalog) -> None:
    with pytest.raises(UsageError, match="no job #999"):
        reports.offload_report_path(catalog, 999)
