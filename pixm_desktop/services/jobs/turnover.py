"""The turnover job kind: an editorial or sound package (``services.turnover``) as a job with a row.

Options: :class:`TurnoverJobOptions`. ``prepare`` checks the options and the folder only; ``run`` gathers and
checks everything first — a failed check records the refusal (``turnovers``) and raises
:class:`TurnoverCheckError` (exit 14) before any byte is written — then stages, verifies, moves in and writes
the package's ASC MHL generation. Progress: the step's words (``TurnoverProgress``). Resources: the target's
drive is named by its folder (``turnover:<folder>``) so two turnovers into one package never run side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import JobKind, TapeTemplate, TurnoverJobOptions, TurnoverKind
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, stopped
from pixm_desktop.services.turnover import common, editorial, sound
from pixm_desktop.store.db import Catalog


@dataclass
class TurnoverProgress:
    """Where a turnover is: ``step`` (checking, writing, done) in words."""

    step: str


class TurnoverKindSpec(JobKindBase):
    """A turnover (see the module docstring)."""

    kind = JobKind.TURNOVER

    def prepare(self, catalog: Catalog, options: TurnoverJobOptions) -> Prepared:
        """Raises :class:`UsageError` for an unknown kind or template, no scope, a bad day, or no usable folder."""
        try:
            kind = TurnoverKind(options.kind)
            TapeTemplate(options.template)
        except ValueError:
            raise UsageError(f"unknown turnover kind {options.kind!r} or template {options.template!r}",
                             hint="kinds: editorial, sound; templates: cmx3600, file32") from None
        scopes = [bool(options.day), bool(options.cards), bool(options.rolls)]
        if sum(scopes) != 1:
            raise UsageError("a turnover needs one of a day, cards (editorial) or rolls (sound)")
        if (kind is TurnoverKind.EDITORIAL and options.rolls) or (kind is TurnoverKind.SOUND and options.cards):
            raise UsageError("an editorial turnover takes cards, a sound turnover rolls")
        common.parse_day(options)
        target = common.check_target(options)
        label = f"{kind.value} {common.scope_words(options)} → {target}"
        return Prepared(catalog, options, label=label, detail=(kind, target), source_path=str(target))

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({f"turnover:{prepared.detail[1]}"})

    def run(self, prepared: Prepared, cancel: CancelToken):
        kind, target = prepared.detail
        module = editorial if kind is TurnoverKind.EDITORIAL else sound
        yield TurnoverProgress("checking")
        plan = module.plan(prepared.catalog, prepared.options)
        if plan.failed:
            common.refuse(prepared.catalog, kind.value, target, common.scope_words(prepared.options),
                          plan.days[0] if len(plan.days) == 1 else None, plan.checks)
        stopped(cancel, *editorial.STOP)
        yield TurnoverProgress("writing")
        result = module.write(prepared.catalog, plan, cancel)
        yield TurnoverProgress("done")
        return result

    def summary(self, result: common.TurnoverResult) -> str:
        return result.summary()
