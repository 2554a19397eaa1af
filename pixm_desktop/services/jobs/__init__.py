"""The job layer, without Qt: every long operation is a job kind (offload, verify, ingest, report, aftercare;
next transcode, turnover, pull, archive, sync) with ``prepare`` / ``run`` (a generator of progress) /
``resources``, persisted in the ``jobs`` table, scheduled by resource keys, run in this process
(:func:`execute`) or in a child process (:mod:`.supervisor`). The window and ``pixm`` schedule the same kinds.

Modules: :mod:`.contract` (the kind's contract), :mod:`.registry` (the table of kinds), :mod:`.run` (a job in
this process), :mod:`.record` (its row and log, start-up recovery), :mod:`.schedule` (what may run side by
side), :mod:`.supervisor` (child processes), and one module per kind. ``after_offload`` and
``AftercareResult`` (:mod:`.aftercare`) load on first use, with the libraries that kind needs.
"""

from pixm_desktop.services.jobs.contract import JobKindBase, Prepared
from pixm_desktop.services.jobs.record import recover_interrupted
from pixm_desktop.services.jobs.registry import KINDS, kind_class, kind_spec
from pixm_desktop.services.jobs.run import JobRun, execute, prepare
from pixm_desktop.services.jobs.schedule import may_start, runnable

__all__ = ["KINDS", "AftercareResult", "JobKindBase", "JobRun", "Prepared", "after_offload", "execute",
           "kind_class", "kind_spec", "may_start", "prepare", "recover_interrupted", "runnable"]


def __getattr__(name: str):
    if name in ("after_offload", "AftercareResult"):
        from pixm_desktop.services.jobs import aftercare

        return getattr(aftercare, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
