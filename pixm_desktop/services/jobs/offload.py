"""The offload job kind: :class:`services.offload.OffloadService` ``prepare``/``run`` behind the contract.

Options: an :class:`OffloadRequest` (the engine stores it in its own row as ``core.states.JobOptions`` plus the
source, hash formats and template columns), or a :class:`HandedOffload` — the request with the card as the
window read it, taken only while still true of the card (``services.offload_handoff``). The window's queue
prepares with ``OffloadKind(hand_plan=True)``: the prepared options are then the reading to hand to the job's
child (or the request, when the card moved while it was read). Progress: the engine's
:class:`ProgressSnapshot`, the same object yielded every 100 ms while the run goes on a thread. Resources: the
card (``source:<card root>``: one reader per card) and each destination drive's member disks (``drive:<disk>``;
a drive the OS cannot tell is keyed by its device and mount point), so jobs writing to one physical disk run in
queue order.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from pixm_desktop.core.model import CancelToken, DestinationProgress, JobStatus, ProgressSnapshot
from pixm_desktop.core.states import JobKind
from pixm_desktop.services import locks
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, on_thread
from pixm_desktop.services.offload import OffloadRequest, OffloadResult, OffloadService, PreparedOffload
from pixm_desktop.services.offload_handoff import HandedOffload, read_to_hand
from pixm_desktop.store.db import Catalog


def offload_resources(p: PreparedOffload) -> frozenset[str]:
    """``source:<card root>`` and ``drive:<member disk>`` of every destination (see the module docstring)."""
    drives = {f"drive:{m}" for d in p.plan.destinations
              for m in (d.drive.members or {f"{d.volume.device}@{d.volume.mount_point}"})}
    return frozenset({f"source:{os.path.realpath(p.plan.source)}", *drives})


class OffloadKind(JobKindBase):
    """Copy a card to its destinations, verify every copy, write ASC MHL, record it (the engine's own row).
    ``wait``/``on_wait``: what to do while another process holds the card or a folder (see OffloadService);
    ``hand_plan``: ``prepare`` also makes the card's reading ready to hand to a child (see the module docstring)."""

    kind = JobKind.OFFLOAD
    records_itself = True

    def __init__(self, *, wait: bool = True, on_wait: Callable[[locks.Holder], None] | None = None,
                 hand_plan: bool = False):
        self.wait, self.on_wait, self.hand_plan = wait, on_wait, hand_plan

    def prepare(self, catalog: Catalog, options: OffloadRequest | HandedOffload) -> Prepared:
        """Plan the offload (``OffloadService.prepare``). With a :class:`HandedOffload` the handed reading of
        the card is used when still true (``HandedOffload.still_true``), else the card is read afresh; the
        destinations and the catalog are checked afresh either way."""
        notes = []
        if isinstance(options, HandedOffload):
            reading = options.still_true()
            p = OffloadService(catalog).prepare(options.request, reading)
            notes.append("the card as read when queued (unchanged since)" if reading is not None else
                         "the card changed after it was queued: read again")
        elif self.hand_plan:
            reading, handed = read_to_hand(options)
            p = OffloadService(catalog).prepare(options, reading)
            options = handed or options
        else:
            p = OffloadService(catalog).prepare(options)
        return Prepared(catalog, options, card_id=p.known_card_id, label=p.plan.card_label,
                        source_path=str(p.plan.source), detail=p,
                        notes=[f"{len(p.plan.files)} files, {p.plan.total_bytes} bytes to "
                               f"{', '.join(str(d.card_path) for d in p.plan.destinations)}",
                               *(f"warning: {w}" for w in p.plan.warnings), *notes])

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return offload_resources(prepared.detail)

    def run(self, prepared: Prepared, cancel: CancelToken):
        p: PreparedOffload = prepared.detail
        service = OffloadService(prepared.catalog, wait=self.wait, on_wait=self.on_wait, on_job=prepared.on_row)
        progress = ProgressSnapshot(p.plan.total_bytes, len(p.plan.files))
        progress.destinations = [DestinationProgress() for _ in p.plan.destinations]  # its shape from the start
        result = yield from on_thread(lambda: service.run(p, cancel=cancel, progress=progress), lambda: progress,
                                      cancel, name="pixm-offload", inline=prepared.catalog.path is None)
        return result

    def status_of(self, result: OffloadResult) -> tuple[JobStatus, str | None]:
        return result.status, None

    def summary(self, result: OffloadResult) -> str:
        return (f"job {result.job_id} {result.status.value}: " + "; ".join(
            f"{o.card_path}: {o.verified} verified, {o.skipped} kept, {o.failed} failed" for o in result.destinations))
