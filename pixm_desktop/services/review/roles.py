"""Who may do what in the review portal: a viewer's role decides the actions (issue 18)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DIRECTOR = "director"
    DOP = "dop"
    PRODUCER = "producer"
    EDITOR = "editor"
    SCRIPT = "script"


class Action(StrEnum):
    VIEW = "view"
    COMMENT = "comment"
    CIRCLE = "circle"  # circle take, select, rating: the calls on a take
    REPORT = "report"  # download the day's PDF report


#: The director's call on a take is recorded by the director or by the script supervisor; the DOP rates and
#: selects with them. Producers and editorial watch, comment and read the report.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.DIRECTOR: frozenset(Action),
    Role.DOP: frozenset(Action),
    Role.SCRIPT: frozenset(Action),
    Role.PRODUCER: frozenset({Action.VIEW, Action.COMMENT, Action.REPORT}),
    Role.EDITOR: frozenset({Action.VIEW, Action.COMMENT, Action.REPORT}),
}


def may(role: str, action: Action) -> bool:
    """Whether a viewer of ``role`` may do ``action`` (an unknown role may do nothing)."""
    try:
        return action in ROLE_ACTIONS[Role(role)]
    except ValueError:
        return False
