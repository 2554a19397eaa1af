"""Tape (reel) names an edit list can carry: CMX 3600 EDLs keep 8 characters, Avid's File_32 32
(:class:`~pixm_desktop.core.states.TapeTemplate`). A longer name is cut to the limit, so names that differ only
after it become one tape — RED clips ``A001_C001`` … ``A001_C009`` all become ``A001_C00`` at 8 — and the edit
can no longer tell their media apart. :func:`tape_problems` finds that before a turnover leaves the cart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from pixm_desktop.core.states import TapeTemplate

LIMITS = {TapeTemplate.CMX3600: 8, TapeTemplate.FILE32: 32}
#: characters each template keeps as they are (CMX 3600 reels: letters, digits, underscore; File_32: printable ASCII)
LEGAL = {TapeTemplate.CMX3600: re.compile(r"^[A-Za-z0-9_]+$"), TapeTemplate.FILE32: re.compile(r"^[ -~]+$")}

RULE_EMPTY = "tape_empty"
RULE_CHARS = "tape_characters"
RULE_COLLISION = "tape_truncation_collision"


def target_tape(tape: str, template: TapeTemplate | str) -> str:
    """``tape`` as the template's edit list shows it: cut to its limit (8 or 32 characters)."""
    return tape[: LIMITS[TapeTemplate(template)]]


def tape_problems(tapes: Mapping[str, str], template: TapeTemplate | str) -> list[tuple[str, str, str]]:
    """``(rule, clip, text)`` for every clip (``{clip name: tape name}``) whose tape name is empty, holds a
    character the template cannot carry, or becomes after truncation the same tape as another clip's different
    name. Clips of one tape share it (one card's clips): only *different* names that meet count."""
    template = TapeTemplate(template)
    limit, legal = LIMITS[template], LEGAL[template]
    out: list[tuple[str, str, str]] = []
    by_cut: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for clip, tape in tapes.items():
        if not tape:
            out.append((RULE_EMPTY, clip, f"clip {clip} has no tape name"))
            continue
        if not legal.match(tape):
            out.append((RULE_CHARS, clip, f"clip {clip}: tape name {tape!r} holds characters {template.value} "
                                          "cannot carry"))
        by_cut[target_tape(tape, template)][tape].append(clip)
    for cut, originals in by_cut.items():
        if len(originals) < 2:
            continue
        names = ", ".join(sorted(originals))
        for tape, clips in sorted(originals.items()):
            for clip in clips:
                out.append((RULE_COLLISION, clip, f"clip {clip}: tape {tape} becomes {cut} at {limit} characters "
                                                  f"({template.value}), as {names} do: no longer unique"))
    return out


__all__ = ["LIMITS", "RULE_CHARS", "RULE_COLLISION", "RULE_EMPTY", "target_tape", "tape_problems"]
