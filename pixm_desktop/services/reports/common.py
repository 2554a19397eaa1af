"""What every report shares: the options, the report context (who, when, where), naming the job or shoot day
asked for (with the user error when the catalog does not hold it), writing a file as the user's problem."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop import TOOL_NAME, __version__
from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.verdict import SafeRule
from pixm_desktop.reports.model import PAPER_SIZES, ReportContext
from pixm_desktop.services import context
from pixm_desktop.store import reports_repo
from pixm_desktop.store.models import Job, ShootDay


@dataclass(slots=True)
class ReportOptions:
    """How to write a report: ``paper`` a4 | letter; ``dit`` overrides the name read from ASC MHL; ``rule`` is
    the safe-to-format rule the verdicts are judged by (the window passes its setting); ``production``,
    ``company`` and ``unit`` go in the header ("" = not shown)."""

    paper: str = "a4"
    dit: str | None = None
    rule: SafeRule = field(default_factory=SafeRule)
    production: str = ""
    company: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        self.paper = (self.paper or "a4").lower()
        if self.paper not in PAPER_SIZES:
            raise UsageError(f"unknown paper size {self.paper!r} (choose {' or '.join(PAPER_SIZES)})")


def report_context(options: ReportOptions) -> ReportContext:
    return ReportContext(created_at=dt.datetime.now(dt.UTC), tool_name=TOOL_NAME, tool_version=__version__,
                         host=context.hostname(), paper=options.paper, production=options.production,
                         company=options.company, unit=options.unit)


@contextlib.contextmanager
def writing(path: Path):
    """An unwritable output (read-only folder, full disk, a folder in the way) is the user's to fix: exit 2."""
    try:
        yield
    except OSError as exc:
        raise UsageError(f"cannot write {Path(path).name}: {exc.strerror or exc}", path=Path(path),
                         hint="choose another file or folder") from exc


def resolve_job(s, job_id: int | None, card_label: str | None) -> Job:
    if (job_id is None) == (card_label is None):
        raise UsageError("name either a job or a card")
    if job_id is not None:
        job = s.get(Job, job_id)
        if job is None:
            raise UsageError(f"no job #{job_id} in the catalog", hint="`pixm catalog jobs` lists the jobs")
        return job
    card_ids = reports_repo.card_ids_labelled(s, card_label)
    if not card_ids:
        raise UsageError(f"no card labelled {card_label!r} in the catalog",
                         hint="`pixm catalog cards` lists the catalogued cards")
    job = reports_repo.newest_offload(s, card_ids)
    if job is None:
        raise UsageError(f"card {card_label!r} has no offload job in the catalog")
    return job


def resolve_day(s, day: dt.date, project: str | None) -> ShootDay:
    found = reports_repo.shoot_days_on(s, day, project)
    if not found:
        known = [d.isoformat() for d in reports_repo.recent_days(s, 8)]
        what = f"shoot day {day.isoformat()}" + (f" of project {project!r}" if project else "")
        raise UsageError(f"no {what} in the catalog",
                         hint=f"days in the catalog: {', '.join(known)}" if known else "the catalog has no cards yet")
    if len(found) > 1:
        names = ", ".join(sorted(d.project.name for d in found))
        raise UsageError(f"several projects shot on {day.isoformat()}: {names}", hint="choose one with --project")
    return found[0]


__all__ = ["ReportOptions", "report_context", "resolve_day", "resolve_job", "writing"]
