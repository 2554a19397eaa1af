"""The ingest job kind: group, probe and thumbnail the clips of a card (:func:`services.clips.iter_ingest`, a
generator already), as a job with a row.

Options: :class:`IngestJobOptions`. Progress: :class:`IngestProgress` after grouping and after every clip.
Cancel is checked between clips: the clips done so far stay (each clip is recorded whole), the next ingest
carries on. Resources: ``cpu`` (decoding frames is the cart's heaviest Python work: one at a time).
"""

from __future__ import annotations

from collections.abc import Generator

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import IngestJobOptions, JobKind
from pixm_desktop.services.clips import IngestProgress, IngestResult, iter_ingest
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, stopped
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card

CPU = "cpu"


def card_label(catalog: Catalog, card_id: int) -> str:
    """The label of card ``card_id``; raises :class:`UsageError` when the catalog has no such card."""
    with catalog.session() as s:
        card = s.get(Card, card_id)
        if card is None:
            raise UsageError(f"no card with id {card_id} in the catalog")
        return card.label


def ingest_steps(catalog: Catalog, card_id: int, cancel: CancelToken, *, force: bool = False
                 ) -> Generator[IngestProgress, None, IngestResult]:
    """:func:`iter_ingest` that obeys ``cancel`` between clips (pause waits; cancel closes the ingest cleanly
    and raises :class:`CancelledError`)."""
    gen = iter_ingest(catalog, card_id, force=force)
    while True:
        try:
            stopped(cancel, "clip ingest cancelled; clips done so far are kept",
                    "run `pixm ingest` for the card to finish it")
        except BaseException:
            gen.close()
            raise
        try:
            value = next(gen)
        except StopIteration as stop:
            return stop.value
        yield value


class IngestKind(JobKindBase):
    """The clips of one card: grouping, probe, thumbnails, slates pre-filled from sound."""

    kind = JobKind.INGEST

    def prepare(self, catalog: Catalog, options: IngestJobOptions) -> Prepared:
        """Raises :class:`UsageError` for a card the catalog does not hold."""
        return Prepared(catalog, options, card_id=options.card_id, label=card_label(catalog, options.card_id))

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({CPU})

    def run(self, prepared: Prepared, cancel: CancelToken):
        return (yield from ingest_steps(prepared.catalog, prepared.options.card_id, cancel,
                                        force=prepared.options.force))

    def summary(self, result: IngestResult) -> str:
        return result.summary()
