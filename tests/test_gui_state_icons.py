"""One status-to-icon map for the window: every stored or queued state has its icon kind, green only for
success."""

from __future__ import annotations

import pytest

from pixm_desktop.core.model import CopyState, JobStatus
from pixm_desktop.core.states import ProbeStatus
from pixm_desktop.core.verdict import CardState, CardVerdict
from pixm_desktop.gui.jobs import JobState
from pixm_desktop.gui.theme import KIND_COLOUR
from pixm_desktop.gui.widgets import STATE_KIND, job_status_kind, state_kind


@pytest.mark.parametrize("state", [*JobStatus, *JobState, *CopyState, *ProbeStatus])
def test_every_state_has_a_drawn_icon_kind(state: str) -> None:
    assert state in STATE_KIND
    assert state_kind(state) in KIND_COLOUR


def test_failures_are_red_and_only_success_is_green() -> None:
    failed = (JobStatus.FAILED, JobState.ERROR, CopyState.FAILED, ProbeStatus.FAILED)
    assert {state_kind(s) for s in failed} == {"fail"}
    green = {s for s, kind in STATE_KIND.items() if kind == "ok"}
    assert green == {JobStatus.COMPLETED, CopyState.VERIFIED, ProbeStatus.OK}
    assert state_kind("no such state") == "wait"


def test_a_completed_job_takes_its_cards_verdict() -> None:
    assert job_status_kind(JobStatus.COMPLETED, None) == "done"
    assert job_status_kind(JobStatus.COMPLETED, CardVerdict(CardState.NOT_SAFE, "one copy")) == "warn"
    assert job_status_kind(JobStatus.COMPLETED, CardVerdict(CardState.SAFE, "")) == "ok"
    assert job_status_kind(JobStatus.INTERRUPTED, None) == "interrupted"
