"""The small core helpers every layer shares (no Qt): UTC timestamps, natural order, camera letters, the
rate meter of progress bars and ETAs."""

from __future__ import annotations

import datetime as dt

import pytest

from pixm_desktop.core.model import DestinationProgress, ProgressSnapshot
from pixm_desktop.core.naming import camera_letter, natural_key
from pixm_desktop.core.rate import RateMeter
from pixm_desktop.core.timeutil import aware_utc, iso_utc


def test_naive_timestamps_from_sqlite_are_utc() -> None:
    naive = dt.datetime(2026, 11, 23, 17, 15, 2)
    assert aware_utc(naive) == naive.replace(tzinfo=dt.UTC) and aware_utc(naive).tzinfo is dt.UTC
    paris = dt.datetime(2026, 11, 23, 18, 15, 2, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert aware_utc(paris) is paris
    assert aware_utc(None) is None and iso_utc(None) is None
    assert iso_utc(naive) == "2026-11-23T17:15:02+00:00"
    assert iso_utc(paris) == "2026-11-23T18:15:02+01:00"


def test_natural_order_of_scenes_takes_and_cameras() -> None:
    values = ["10", "2", "12A", "12", "A", "12b", "1", "B2", "B10", "a", "012", "pickup"]
    assert sorted(values, key=natural_key) == ["1", "2", "10", "012", "12", "12A", "12b", "A", "a", "B2", "B10",
                                               "pickup"]
    assert sorted(["A001C010", "A001C002", "A001C1"], key=natural_key) == ["A001C1", "A001C002", "A001C010"]


def test_camera_letter_of_a_reel() -> None:
    assert camera_letter("A001") == "A" and camera_letter("B012C003") == "B" and camera_letter("C1") == "C"
    for reel in (None, "", "A", "a001", "AB01", "SOUND", "001A", "É"):
        assert camera_letter(reel) is None, reel


def test_rate_meter_smooths_skips_close_samples_and_never_goes_negative() -> None:
    m = RateMeter(alpha=0.5, min_dt=0.5)
    assert m.update(0, now=0.0) == 0.0  # first sample: no rate yet
    assert m.update(100, now=1.0) == 100.0
    assert m.update(150, now=1.2) == 100.0  # 0.2 s later: skipped
    assert m.update(300, now=2.0) == 150.0  # 200/s smoothed with 100/s
    assert m.update(0, now=3.0) == 75.0  # counter went back: 0/s, not negative
    m.reset()
    assert m.rate == 0.0 and m.update(10, now=9.0) == 0.0


def test_progress_snapshot_rate_counts_from_its_start() -> None:
    p = ProgressSnapshot(total_bytes=1000, total_files=1, started_at=10.0,
                         destinations=[DestinationProgress(), DestinationProgress()])
    p.bytes_read = 300
    p.update_rate(now=10.2)
    assert p.rate == 0.0  # under 0.5 s since the start
    p.update_rate(now=11.0)
    assert p.rate == 300.0  # from (start, 0)
    p.destinations[0].bytes_verified = 600  # re-read work counts too
    p.update_rate(now=12.0)
    assert p.rate == pytest.approx(0.3 * 600 + 0.7 * 300)
    assert p.eta_seconds == pytest.approx((3000 - 900) / p.rate)
