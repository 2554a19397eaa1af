"""``pixm``: the headless entry point (offload, verify, catalog, sample cards, demo).

Exit codes (stable, see README): 0 everything verified · 1 internal error · 2 usage · 3 pre-flight failed
(space, read-only or overlapping destination) · 4 offload incomplete (some file × destination not verified) ·
5 verification found mismatches, missing or unrecorded files · 6 source card unreadable or changed ·
7 ASC MHL history missing or malformed · 8 catalog error · 9 busy: another process offloads the same card or
writes the same destination folder (``--no-wait``) · 10 not safe to format (``--require-safe``) or to wipe
(``pixm drive wipe-check|retire``) · 11 show profile refused (unreadable, malformed at a named line, from a
newer PIXM, an older revision; or none installed for ``pixm qc``) · 12 ingest QC found errors nobody
acknowledged (``pixm qc``) · 15 central catalog unreachable, not initialised or connection lost (``pixm sync``,
``pixm central``, ``--central``) · 130 cancelled (Ctrl-C, SIGINT) · 143 stopped (SIGTERM).

A closed standard output (``pixm … | head -1``) never stops a command nor prints a traceback: the rest of
the output is dropped and the work goes on (``_common.pipe_guard``).

Every run appends to the rotating log (``core.logs``: ``$PIXM_LOG_DIR`` or the per-user log folder);
``pixm -v …`` also prints its lines to standard error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from pixm_desktop import __version__
from pixm_desktop.cli._commands import COMMANDS
from pixm_desktop.cli._common import console, escape, pipe_guard
from pixm_desktop.core import collector, logs
from pixm_desktop.core.errors import PixmError

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Run ``pixm``; returns the process exit code (see the table above)."""
    with pipe_guard():
        whole_process = argv is None  # started as `pixm`, not called by a test or another program
        argv = sys.argv[1:] if argv is None else list(argv)
        if argv[:1] == ["--smoke-test"]:
            return smoke_test()
        if whole_process:
            _prefetch_card(argv)
        args = build_parser(argv).parse_args(argv)
        if whole_process:
            collector.tune()  # after the command's imports (see core.collector)
        logs.configure(verbose=args.verbose)
        log.info("pixm %s %s", __version__, args.command)
        try:
            if args.central:
                from pixm_desktop.cli import _catalog

                with _catalog.reading_central(args.central, args.command):
                    return int(args.func(args) or 0)
            return int(args.func(args) or 0)
        except PixmError as exc:
            return _error(exc)
        except KeyboardInterrupt:
            log.warning("pixm %s cancelled (SIGINT)", args.command)
            console.print("[yellow]cancelled[/]")
            return 130
        except Exception as exc:
            from pixm_desktop.services.context import catalog_error, default_catalog_path, is_catalog_error

            if is_catalog_error(exc):  # a database error met during the work (locked, read-only, full…)
                return _error(catalog_error(exc, getattr(args, "catalog", None) or default_catalog_path()))
            logs.log_error(log, exc, f"pixm {args.command}")
            console.print(f"[bold red]internal error[/] (please report it with this output and the log "
                          f"{escape(str(logs.log_path()))}):")
            raise


def smoke_test() -> int:
    """``pixm --smoke-test``: the bundle's self-check (:mod:`services.selfcheck`); 0 when every part works."""
    from pixm_desktop.services import selfcheck

    logs.configure(verbose=False)
    return selfcheck.print_checks(selfcheck.run_checks(), lambda line: print(line, flush=True))


def _error(exc: PixmError) -> int:
    """Print the error's structured hint (what, where, what to do) and return its exit code."""
    logs.log_error(log, exc, "pixm")
    h = exc.structured
    where = f" [{h.where}]" if h.where and h.where not in h.what else ""
    todo = f" — {h.todo}" if h.todo else ""  # scripts and tests read "error: what [where] — what to do"
    console.print(f"[bold red]error:[/] {escape(h.what + where + todo)}")
    return exc.exit_code


def _prefetch_card(argv: Sequence[str]) -> None:
    """``pixm offload CARD …``: list the card's folder tree while the offload's libraries load
    (:mod:`services.prefetch`). Only when the card comes right after the command, where it cannot be an
    option's value; anything else starts nothing."""
    if len(argv) >= 2 and argv[0] == "offload" and not argv[1].startswith("-") and os.path.isdir(argv[1]):
        from pixm_desktop.services import prefetch

        prefetch.prefetch_card(argv[1])


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``pixm`` parser. Given ``argv``, only the module of the sub-command it names is imported (the other
    commands are listed with their help line); without, every command is complete (help checks, docs)."""
    p = argparse.ArgumentParser(
        prog="pixm", description="Verified camera-card offload with ASC MHL and a catalog."
    )
    p.add_argument("--version", action="version", version=f"pixm {__version__}")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also print the log's lines (INFO and up) to standard error; the log file is always written")
    p.add_argument("--smoke-test", action="store_true",
                   help="check that every part of this installation works (catalog, resources, offload, ASC MHL, "
                        "probe, proxy, PDF) on generated data in a temporary folder; exit 0 or name what failed")
    p.add_argument("--central", metavar="URL",
                   help="read the show's central PostgreSQL catalog instead of this cart's (where, clips, catalog)")
    sub = p.add_subparsers(dest="command", required=True)
    words = None if argv is None else [a for i, a in enumerate(argv) if i == 0 or argv[i - 1] != "--central"]
    wanted = None if words is None else next((a for a in words if not a.startswith("-")), "")
    loaded: set[str] = set()
    for name, (module, help_) in COMMANDS.items():
        if wanted is None or COMMANDS.get(wanted, ("",))[0] == module:
            if module not in loaded:  # a module registers all of its commands at once
                importlib.import_module(f"pixm_desktop.cli.{module}").register(sub)
                loaded.add(module)
        else:
            sub.add_parser(name, help=help_)
    return p
