"""Turnovers (issue 14): the packages editorial and sound receive, checked before they leave the cart, each with
its own ASC MHL history, recorded in the ``turnovers`` table.

- :mod:`.editorial` / :mod:`.sound` — ``plan(catalog, options)`` gathers and checks (writes nothing);
  ``write(catalog, plan, cancel)`` writes the package and records it → :class:`TurnoverResult`;
- :mod:`.package` — staging beside the target, hash checks against the catalog, moving in, the generation;
- :func:`turnovers` / :func:`day_turnovers` — the recorded turnovers for the window and the daily report.

The ``turnover`` job kind (``services.jobs.turnover``) runs them; failed checks raise
:class:`~pixm_desktop.core.errors.TurnoverCheckError` (exit 14) after the refusal is recorded.
"""

from pixm_desktop.services.turnover.common import Check, TurnoverResult
from pixm_desktop.services.turnover.records import TurnoverInfo, day_turnovers, turnovers

__all__ = ["Check", "TurnoverInfo", "TurnoverResult", "day_turnovers", "turnovers"]
