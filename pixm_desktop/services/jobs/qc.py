"""The qc job kind: ingest QC of a card, or of every card of a day, against the installed show profile
(:func:`services.qc.iter_qc`), as a job with a row.

Options: :class:`QcJobOptions` (``card_id`` or ``day``; ``decode`` adds the full decode of every video frame).
Progress: :class:`QcProgress`. Cancel is checked between steps and every 32 packets of a decode: a cancelled run
stores nothing (the findings of the run before stay). Resources: ``cpu`` (the full decode is the cart's heaviest
work; a metadata-only run takes a second for a day of 500 clips and waits its turn all the same). The child
process that runs a job is at low CPU priority (``supervisor``): the decode runs "in the background".
"""

from __future__ import annotations

import datetime as dt

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import JobKind, QcJobOptions
from pixm_desktop.services import qc as qc_service
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, stopped
from pixm_desktop.services.jobs.ingest import CPU
from pixm_desktop.store.db import Catalog

STOP = ("ingest QC cancelled; the findings of the run before are kept", "run `pixm qc` again")


def qc_steps(catalog: Catalog, card_ids: list[int], profile, cancel: CancelToken, *, decode: bool):
    """:func:`services.qc.iter_qc` that obeys ``cancel`` between steps (pause waits; cancel closes the run,
    storing nothing, and raises :class:`CancelledError`)."""
    gen = qc_service.iter_qc(catalog, card_ids, profile, decode=decode, cancelled=lambda: cancel.cancelled)
    while True:
        try:
            stopped(cancel, *STOP)
        except BaseException:
            gen.close()
            raise
        try:
            value = next(gen)
        except StopIteration as stop:
            stopped(cancel, *STOP)  # a decode that stopped early returns: it is a cancel, not a result
            return stop.value
        yield value


class QcKind(JobKindBase):
    """Ingest QC (see the module docstring)."""

    kind = JobKind.QC

    def prepare(self, catalog: Catalog, options: QcJobOptions) -> Prepared:
        """The cards and the profile. Raises :class:`UsageError` (no such card or day, neither given) and the
        show profile's errors (none installed, or the installed file no longer validates: exit 11)."""
        day = None
        if not options.card_id:
            try:
                day = dt.date.fromisoformat(options.day or "")
            except ValueError:
                raise UsageError(f"QC needs a card or a day as YYYY-MM-DD, not {options.day!r}") from None
        card_ids = qc_service.scope(catalog, card_id=options.card_id or None, day=day)
        profile = qc_service.profile_for(catalog)
        label = f"card #{options.card_id}" if options.card_id else f"day {day.isoformat()}"
        return Prepared(catalog, options, card_id=options.card_id or None, label=label, detail=(card_ids, profile),
                        notes=[f"against {profile.stamp}" + (", full decode" if options.decode else "")])

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({CPU})

    def run(self, prepared: Prepared, cancel: CancelToken):
        card_ids, profile = prepared.detail
        return (yield from qc_steps(prepared.catalog, card_ids, profile, cancel, decode=prepared.options.decode))

    def summary(self, result: qc_service.QcResult) -> str:
        return result.summary()
