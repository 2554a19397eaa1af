"""What may run side by side: the Qt-free scheduling rule over resource keys (Vorta's one queue per site).

A job holds its resource keys while it runs (see :mod:`.contract`). Keys are exclusive (one holder at a time)
unless :data:`CAPACITY` gives a key more holders. Queued jobs start in queue order: a job starts when none of
its keys is full with running jobs or claimed by a job earlier in the queue (per-key FIFO: a later job never
overtakes an earlier one on a shared key; jobs on disjoint keys run at the same time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: holders a key allows at once (default 1): ``cpu`` is one, so clips and reports run one at a time
CAPACITY: dict[str, int] = {}


def _capacity(key: str) -> int:
    return CAPACITY.get(key, 1)


def may_start(wanted: frozenset[str], held: Iterable[frozenset[str]]) -> bool:
    """Whether a job needing ``wanted`` may start while jobs holding each of ``held`` run."""
    use = Counter(k for keys in held for k in keys)
    return all(use[k] < _capacity(k) for k in wanted)


def runnable(queued: Sequence[tuple[T, frozenset[str]]], running: Iterable[frozenset[str]]) -> list[T]:
    """Of ``queued`` (``(job, keys)`` in queue order), the jobs that may start now, given the keys of the
    ``running`` jobs: each in turn when :func:`may_start` (counting the ones chosen before it), and a job that
    must wait still claims its keys so no later job overtakes it there."""
    use = Counter(k for keys in running for k in keys)
    out = []
    for job, keys in queued:
        if all(use[k] < _capacity(k) for k in keys):
            out.append(job)
            use.update(keys)
        else:
            for k in keys:  # claimed: later jobs wait behind this one
                use[k] = max(use[k], _capacity(k))
    return out
