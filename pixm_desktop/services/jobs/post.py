"""The pull and delivery job kinds: a cut's VFX pull and its DI delivery (:mod:`services.pulls`) as jobs with a
row, progress (the step being done) and cancel.

Options: :class:`PostJobOptions`. Progress: :class:`PackageProgress` (steps done, the current one). Cancel is
looked at before every step (each camera file copied or trimmed, each list written): a cancelled pull or
delivery removes its new package folder and records nothing. Resources: ``cpu`` (copies and trims read and
hash whole camera files; one at a time keeps the cart's disks for the offloads).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.model import CancelToken
from pixm_desktop.core.states import JobKind, PostJobOptions
from pixm_desktop.services import pulls
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, on_thread, stopped
from pixm_desktop.services.jobs.ingest import CPU
from pixm_desktop.store.db import Catalog

STOP = ("cancelled: the package folder was removed and nothing recorded", "run it again to make the package")


@dataclass
class PackageProgress:
    """Where a pull or delivery is: ``steps`` done and the ``current`` one in words ("copying A001/….mov")."""

    steps: int = 0
    current: str = ""


class _PackageKind(JobKindBase):
    """What a pull and a delivery share: the checks before, the run on a thread with cancel per step."""

    what = ""

    def prepare(self, catalog: Catalog, options: PostJobOptions) -> Prepared:
        """Raises :class:`UsageError` (no cut named, no folder, a folder that does not exist, negative handles)."""
        if not options.cut:
            raise UsageError(f"a {self.what} needs a cut (--cut NAME or NAME@N)")
        folder = Path(options.folder)
        if not options.folder or not folder.is_dir():
            raise UsageError(f"a {self.what} needs an existing folder to put its package in: {options.folder!r}",
                             hint="give --to DIR")
        if options.handles < 0 or options.first_frame < 0:
            raise UsageError("handles and the first frame cannot be negative")
        return Prepared(catalog, options, label=f"{self.what} of cut {options.cut}", notes=[f"into {folder}"])

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({CPU})

    def run(self, prepared: Prepared, cancel: CancelToken):
        progress = PackageProgress()

        def step(message: str) -> None:
            stopped(cancel, *STOP)  # the service removes the new package folder when this raises
            progress.steps += 1
            progress.current = message

        catalog = prepared.catalog
        return (yield from on_thread(lambda: self.work(catalog, prepared.options, step), lambda: progress, cancel,
                                     name=f"pixm-{self.what}", inline=catalog.path is None))

    def work(self, catalog: Catalog, options: PostJobOptions, step) -> pulls.PackageResult:
        raise NotImplementedError

    def summary(self, result: pulls.PackageResult) -> str:
        left = f", {len(result.problems)} left out" if result.problems else ""
        return f"{self.what}: {len(result.rows)} row(s), {len(result.files)} files{left} → {result.root}"


class PullKind(_PackageKind):
    """A cut's VFX pull (:func:`services.pulls.pull`)."""

    kind = JobKind.PULL
    what = "pull"

    def work(self, catalog: Catalog, options: PostJobOptions, step) -> pulls.PackageResult:
        shots = [x.strip() for x in options.shots.split(",") if x.strip()] or None
        return pulls.pull(catalog, options.cut, Path(options.folder), handles=options.handles,
                          first_frame=options.first_frame, shots=shots, trim=options.trim, progress=step)


class DeliveryKind(_PackageKind):
    """A cut's DI delivery (:func:`services.pulls.deliver_di`)."""

    kind = JobKind.DELIVERY
    what = "delivery"

    def work(self, catalog: Catalog, options: PostJobOptions, step) -> pulls.PackageResult:
        return pulls.deliver_di(catalog, options.cut, Path(options.folder), handles=options.handles,
                                trim=options.trim, progress=step)
