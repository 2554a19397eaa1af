"""``pixm offload``: copy a card to destinations, verify, write ASC MHL, record in the catalog; then what follows
a verified offload (the clips, the offload report), the same ``aftercare`` job the window runs."""

from __future__ import annotations

import datetime as dt
import importlib
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from pixm_desktop.cli._commands import command_help
from pixm_desktop.cli._common import console, day_arg, escape, out
from pixm_desktop.core.errors import (
    CancelledError,
    NotSafeError,
    OffloadIncompleteError,
    SourceError,
    UsageError,
)
from pixm_desktop.core.hashes import parse_algorithms
from pixm_desktop.core.model import CancelToken, JobStatus, ProgressSnapshot
from pixm_desktop.core.states import AftercareJobOptions, JobKind
from pixm_desktop.services import jobs, status
from pixm_desktop.services.context import default_catalog_path, open_catalog
from pixm_desktop.services.jobs import recover_interrupted
from pixm_desktop.services.jobs.offload import OffloadKind
from pixm_desktop.services.offload import OffloadRequest, OffloadResult
from pixm_desktop.services.settings import OffloadSettings, production_tokens
from pixm_desktop.services.status import CardVerdict

if TYPE_CHECKING:
    from pixm_desktop.services.jobs.aftercare import AftercareResult

#: What runs after a verified offload (the aftercare job, the clip summary), imported once the card's first bytes are
#: read rather than before: on a cart whose page cache a card has emptied they are half a second of reading before
#: the first byte is copied, and imported while the job still opens its catalog rows they held the interpreter's
#: lock against it (2,500 file rows: 0.27 s instead of 0.03 s; ``docs/performance.md``).
AFTER_COPY_MODULES = ("pixm_desktop.services.jobs.aftercare", "pixm_desktop.cli.clips")


def register(sub) -> None:
    o = sub.add_parser("offload", help=command_help("offload"))
    o.add_argument(
        "source", type=Path, help="the card root folder (e.g. the mounted card or its reel folder)"
    )
    o.add_argument("--dest", type=Path, action="append", required=True, help="destination root (repeat)")
    o.add_argument(
        "--hash", default="xxh64", help="hash formats, comma-separated: xxh64 xxh3 xxh128 md5 sha1 c4"
    )
    o.add_argument(
        "--template",
        default="{project}/{day}/{camera}/{card}",
        help="folder template below each destination; tokens {project} {day} {camera} {reel} {card} "
        "{date} {host} {production} {unit} {dit} {shootday}",
    )
    o.add_argument("--production", default="",
                   help="the {production} token (default: the installed show profile's production name)")
    o.add_argument("--unit", default="", help="the {unit} token: camera unit (default: the show profile's first unit)")
    o.add_argument("--shoot-day", type=int, default=0,
                   help="the {shootday} token: shoot day number, written with two digits (default: none)")
    o.add_argument("--project", default="Untitled",
                   help="project (production) name: the {project} folder and the catalog's grouping (default Untitled)")
    o.add_argument(
        "--day", type=day_arg, default=dt.date.today(), help="shoot day, YYYY-MM-DD (default today)"
    )
    o.add_argument("--source-verify", action="store_true", help="also re-read the card and compare")
    o.add_argument("--cascade", action="store_true", help="copy to the first destination, the others from it")
    o.add_argument("--author", help="name written into ASC MHL (default $PIXM_AUTHOR or the login name)")
    o.add_argument("--location", help="location written into ASC MHL")
    o.add_argument("--quiet", action="store_true", help="no progress display")
    o.add_argument("--fresh-history", action="store_true",
                   help="when the card folder has its own ASC MHL history (a shuttle drive, a RAID), do not carry it "
                        "to the destinations: start a new history there (by default it is carried and continued)")
    o.add_argument("--no-clips", "--no-ingest", dest="no_clips", action="store_true",
                   help="skip clip grouping, probing and thumbnails after the offload (run `pixm ingest` later)")
    o.add_argument("--no-report", action="store_true",
                   help="do not write the offload report PDF after a verified offload (by default it goes to a new "
                        "file in the 'reports' folder beside the catalog; `pixm report offload` writes one later)")
    o.add_argument("--require-safe", action="store_true",
                   help="exit 10 when every file is verified but the card is NOT SAFE TO FORMAT (copies on one "
                        "drive, fewer drives than the rule): for scripts that act on the verdict")
    o.add_argument("--no-wait", action="store_true",
                   help="when another PIXM process is offloading this card or writing one of its destination "
                        "folders, exit at once (code 9) naming it, instead of waiting in line for it to finish")
    o.add_argument("--catalog", type=Path, default=None,
                   help=f"catalog SQLite file, created when missing (default $PIXM_CATALOG or {default_catalog_path()})")
    o.set_defaults(func=cmd_offload)


def cmd_offload(args) -> int:
    """``pixm offload``: 0 all verified · 4 incomplete · 6 a card file unreadable or changed · 9 busy
    (``--no-wait``) · 130/143 stopped by SIGINT/SIGTERM (the job is ``interrupted``) · others from the errors."""
    try:
        algorithms = parse_algorithms(args.hash)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    settings = OffloadSettings(production=args.production, unit=args.unit, dit=args.author or "",
                               shoot_day=max(0, args.shoot_day))
    catalog = args.catalog or default_catalog_path()
    request = OffloadRequest(
        source=args.source,
        destinations=args.dest,
        algorithms=algorithms,
        template=args.template,
        project=args.project,
        day=args.day,
        source_verify=args.source_verify,
        cascade=args.cascade,
        author=args.author,
        location=args.location,
        fresh_history=args.fresh_history,
        tokens=production_tokens(settings, args.day, catalog),  # {dit}: --author only (never the OS login)
    )
    result, stop = run_stoppable(request, args.catalog, quiet=args.quiet, clips=not args.no_clips,
                                 report=not args.no_report, wait=not args.no_wait, settings=settings)
    if stop.signum is not None:
        return stop.report(result)
    code = exit_code(result)
    if args.require_safe:
        require_safe(result, args.catalog)
    return code


def require_safe(result: OffloadResult, catalog_path: Path | None) -> None:
    """Raise :class:`NotSafeError` (exit 10) unless the card's verdict is SAFE TO FORMAT."""
    catalog = open_catalog(catalog_path)
    try:
        card = status.card_status(catalog, result.card_id)
    finally:
        catalog.close()
    if card is None or not card.verdict.safe:
        reason = card.verdict.reason if card else "the card is not in the catalog"
        raise NotSafeError(f"{result.card_label} is NOT SAFE TO FORMAT: {reason}",
                           hint="keep the card; add a destination on another drive and offload again")


def exit_code(result: OffloadResult) -> int:
    """0 when every file is verified everywhere; else raises the error whose exit code says why."""
    if result.problems:
        raise SourceError(
            f"offload of {result.card_label} is incomplete: {len(result.problems)} card entr"
            f"{'y' if len(result.problems) == 1 else 'ies'} could not be taken (listed above as NOT TAKEN)",
            hint="fix what is listed (permissions, links, a path too long), then run the same command again")
    if result.source_failed or result.source_verify_failures:
        raise SourceError(
            f"offload of {result.card_label} is incomplete: a file of the card could not be read, changed during "
            "the copy, or does not match the card's own ASC MHL history (listed above)",
            hint="let the camera finish writing (or check the card and reader), then run the same command again; a "
                 "file that does not match its history must come from another verified copy")
    if not result.ok:
        raise OffloadIncompleteError(
            f"offload of {result.card_label} is incomplete: not every file is verified on every destination",
            hint="see the failures above; run the same command again to retry (verified files are kept)",
        )
    return 0


class StopSignals:
    """SIGINT and SIGTERM during ``pixm offload``: before the copy starts they stop the command at once; while
    it runs they cancel it, so the engine stops at its next chunk, removes its temp files and the job is
    recorded ``interrupted`` (it resumes on the next run). The exit code is 128 + the signal (130, 143).

    Installed only on the main thread (``signal`` allows no other); elsewhere the defaults stay."""

    SIGNALS = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n))

    def __init__(self) -> None:
        self.signum: int | None = None
        self.cancel: CancelToken | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)

    def _handle(self, signum: int, _frame) -> None:
        if self.signum is None:
            self.signum = signum
        if self.cancel is not None:
            self.cancel.cancel()  # the worker stops at its next chunk; the main thread waits for it
        else:
            raise KeyboardInterrupt  # scanning, planning or ingesting on the main thread: stop there

    def report(self, result: OffloadResult | None) -> int:
        name = signal.Signals(self.signum).name
        if result is not None and result.status == JobStatus.COMPLETED:
            note = (f"job {result.job_id} had completed; the clip ingest may be unfinished (`pixm ingest`) and the "
                    "offload report unwritten (`pixm report offload`)")
        elif result is not None:
            note = f"job {result.job_id} is {result.status.value}: run the same command again to resume"
        else:
            note = "the job, if it had started, is interrupted: run the same command again to resume"
        console.print(f"[yellow]stopped by {name}[/] — {escape(note)}")
        return 128 + self.signum


def run_stoppable(request: OffloadRequest, catalog_path: Path | None, **options
                  ) -> tuple[OffloadResult | None, StopSignals]:
    """:func:`run_offload` under :class:`StopSignals`: ``(result, stop)``; after SIGINT/SIGTERM ``stop.signum`` is
    set and ``result`` is the interrupted run's, or ``None`` when it ended by raising."""
    with StopSignals() as stop:
        try:
            return run_offload(request, catalog_path, stop=stop, **options), stop
        except (KeyboardInterrupt, CancelledError):
            if stop.signum is None:
                raise
            return None, stop


def run_offload(request: OffloadRequest, catalog_path: Path | None, *, quiet: bool = False, clips: bool = True,
                report: bool = False, wait: bool = True, stop: StopSignals | None = None,
                settings: OffloadSettings | None = None) -> OffloadResult:
    """Prepare and run an offload (the ``offload`` job kind) with live progress on the terminal, print the
    summary, then run what follows a verified offload (:func:`services.jobs.after_offload` of ``settings``, the
    defaults when ``None``; ``clips`` and ``report`` override its ingest and report).

    ``stop`` (from ``cmd_offload``) gets the job's cancel token while it runs; a stop ends the run with the job
    ``interrupted`` (returned, or ``CancelledError`` raised) and skips the aftercare."""
    catalog = open_catalog(catalog_path)
    try:
        recover_interrupted(catalog)
        job = jobs.prepare(catalog, OffloadKind(wait=wait, on_wait=_waiting), request)
    except BaseException:
        catalog.close()
        raise
    prepared = job.prepared.detail
    plan = prepared.plan
    console.print(
        f"[bold]{plan.card_label}[/] — {prepared.identity.camera.value.upper()} reel {prepared.identity.reel}, "
        f"{len(plan.files)} files, {plan.total_bytes / 1e9:.2f} GB → {len(plan.destinations)} destination(s)"
    )
    if prepared.known_summary:
        console.print(f"[cyan]{escape(prepared.known_summary)}[/] — resuming: verified files are not copied again")
    for w in plan.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}")
    shown = len(plan.warnings)
    cancel = CancelToken()
    if stop is not None:
        stop.cancel = cancel  # a signal now only cancels: the engine records the job and returns
    result = None
    try:
        result = _run_shown(job, cancel, plan, quiet, on_copying=lambda: import_ahead(AFTER_COPY_MODULES))
    finally:
        if stop is not None:
            stop.cancel = None
        verdict = _verdict(catalog, result)
        catalog.close()
    print_offload_summary(result, shown_warnings=shown, verdict=verdict)
    stopped = stop is not None and stop.signum is not None
    if result.ok and not stopped:
        from pixm_desktop.services.jobs.aftercare import after_offload

        options = after_offload(settings or OffloadSettings(), result.card_id, result.job_id, clips=clips,
                                report=report, catalog=catalog_path or default_catalog_path())
        if options is not None:
            run_aftercare(catalog_path, options, quiet=quiet, stop=stop)
    return result


def run_aftercare(catalog_path: Path | None, options: AftercareJobOptions, *, quiet: bool = False,
                  stop: StopSignals | None = None) -> AftercareResult | None:
    """Run the ``aftercare`` job (clips, then the offload report) and print what it did and where the report
    went. A failure here never fails the offload (the copies are verified either way): it is reported, and
    ``pixm ingest`` / ``pixm report offload`` can redo it."""
    cancel = CancelToken()
    if stop is not None:
        stop.cancel = cancel  # SIGINT/SIGTERM stop at the next clip: the job is recorded interrupted
    try:
        catalog = open_catalog(catalog_path)
        try:
            result = _with_clip_bar(lambda show: jobs.execute(catalog, JobKind.AFTERCARE, options, cancel=cancel,
                                                              on_progress=show), quiet)
        finally:
            catalog.close()
    except (KeyboardInterrupt, CancelledError):
        out.print("[yellow]clips:[/] interrupted — run `pixm ingest CARD` to finish the clips and `pixm report "
                  "offload --card CARD` for the report")
        return None
    except Exception as exc:  # reported; the offload result stands
        out.print(f"[yellow]clips:[/] failed: {escape(str(exc))} — run `pixm ingest CARD` to retry")
        return None
    finally:
        if stop is not None:
            stop.cancel = None
    if result.ingest is not None:
        from pixm_desktop.cli.clips import print_ingest

        print_ingest(result.ingest)
    if result.report:
        out.print(f"offload report: {escape(result.report)}")
    elif result.report_error:
        out.print(f"[yellow]offload report not written:[/] {escape(result.report_error)} — "
                  "`pixm report offload --card CARD -o FILE` writes it")
    return result


def import_ahead(modules: tuple[str, ...]) -> threading.Thread:
    """Import ``modules`` in a daemon thread, in order, and return it. A module that fails to import is left to
    the import where it is used, which raises it there with its context (and stops this thread's list)."""
    def run() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:
                return

    thread = threading.Thread(target=run, name="pixm-import-ahead", daemon=True)
    thread.start()
    return thread


def _with_clip_bar(run, quiet: bool):
    """``run(show)`` with a clip progress bar on an interactive terminal (``show`` takes each progress value)."""
    if quiet or not console.is_terminal:
        return run(None)
    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*cols, console=console, transient=True) as bar:
        task = bar.add_task("clips", total=None)

        def show(p) -> None:
            bar.update(task, total=p.total, completed=p.done, description=f"clips {p.clip}"[:60])

        return run(show)


def _waiting(holder) -> None:
    console.print(f"[yellow]waiting[/] for {escape(holder.describe())} …")


def _run_shown(job: jobs.JobRun, cancel: CancelToken, plan, quiet: bool,
               on_copying: Callable[[], object] | None = None) -> OffloadResult:
    """Run the offload job, its progress (the engine's snapshot) shown as bars on an interactive terminal.
    ``on_copying()`` is called once, on the main thread, at the first progress with card bytes read."""
    copying = _once_copying(on_copying)
    if quiet or not console.is_terminal:
        return job.run(cancel, on_progress=copying)
    cols = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*cols, console=console, transient=True) as bar:
        read = bar.add_task("card read", total=plan.total_bytes)
        dests = [
            bar.add_task(f"verify {i + 1}", total=plan.total_bytes) for i in range(len(plan.destinations))
        ]

        def show(progress: ProgressSnapshot) -> None:
            copying(progress)
            progress.update_rate()
            bar.update(read, completed=progress.bytes_read,
                       description=f"card read {progress.files_done}/{progress.total_files}")
            for t, d in zip(dests, progress.destinations, strict=False):
                bar.update(t, completed=d.bytes_verified)

        return job.run(cancel, on_progress=show)


def _once_copying(then: Callable[[], object] | None) -> Callable[[ProgressSnapshot], None]:
    """A progress callback calling ``then()`` once, at the first snapshot with card bytes read."""
    pending = [then] if then is not None else []

    def seen(progress: ProgressSnapshot) -> None:
        if pending and progress.bytes_read > 0:
            pending.pop()()

    return seen


def _verdict(catalog, result: OffloadResult | None) -> CardVerdict | None:
    """THE card verdict (``core.verdict.card_verdict`` via ``status.card_status``), as the window and the
    reports show it; never the job's own result."""
    if result is None:
        return None
    card = status.card_status(catalog, result.card_id)
    return card.verdict if card else None


_VERDICT_STYLE = {"safe": "bold green", "not_safe": "bold yellow", "copying": "bold cyan", "failed": "bold red"}


def print_offload_summary(r: OffloadResult, shown_warnings: int = 0, verdict: CardVerdict | None = None) -> None:
    """Result table, failures with reasons, warnings not shown yet (the first ``shown_warnings`` were), and
    last the card's verdict. A job that completed while its card is not safe is not printed in green."""
    speed = r.total_bytes / r.seconds / 1e6 if r.seconds > 0 else 0.0
    colour = "red" if not r.ok else "green" if verdict is not None and verdict.safe else "yellow"
    out.print(
        f"[bold {colour}]{r.status.value.upper()}[/] job {r.job_id}: {r.card_label} ({r.camera} {r.reel}) — "
        f"{r.files} files, {r.total_bytes / 1e9:.3f} GB, {', '.join(a.value for a in r.algorithms)}, "
        f"{r.seconds:.1f} s ({speed:.0f} MB/s)"
    )
    table = Table(show_header=True, header_style="bold")
    table.add_column("destination", overflow="fold", ratio=3)
    for col in ("verified", "failed", "skipped"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("ASC MHL", overflow="fold", ratio=2)
    for d in r.destinations:
        mhl = d.mhl_generation.name if d.mhl_generation else (d.error or "—")
        if d.carried:
            mhl += f" (continues {d.carried} generation{'s' if d.carried > 1 else ''} of the card's history)"
        table.add_row(escape(str(d.card_path)), str(d.verified), str(d.failed), str(d.skipped), escape(mhl))
    out.print(table)
    for d in r.destinations:
        for name, reason in d.failures[:20]:
            out.print(f"[red]FAILED[/] {escape(f'{d.card_path}/{name}: {reason}')}")
        if len(d.failures) > 20:
            out.print(f"… and {len(d.failures) - 20} more failures on {d.card_path}", markup=False)
    for name, reason in r.source_verify_failures[:20]:
        out.print(f"[red]SOURCE[/] {escape(f'{name}: {reason}')}")
    for name, reason in r.problems[:20]:
        out.print(f"[red]NOT TAKEN[/] {escape(f'{name}: {reason}')}")
    if len(r.problems) > 20:
        out.print(f"… and {len(r.problems) - 20} more card entries not taken", markup=False)
    if r.ignored:
        names = ", ".join(r.ignored[:8]) + (f" … ({len(r.ignored)} in all)" if len(r.ignored) > 8 else "")
        out.print(f"ignored by the listed rule (OS litter, old histories): {escape(names)}")
    for w in r.warnings[shown_warnings:]:
        out.print(f"[yellow]warning:[/] {escape(w)}")
    if verdict is not None:
        out.print(f"[{_VERDICT_STYLE[verdict.state.value]}]{verdict.title}:[/] {escape(verdict.reason)}")
