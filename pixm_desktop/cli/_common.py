"""Shared pieces of the ``pixm`` commands: consoles, common arguments and a stdout that may close."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.markup import escape

__all__ = ["catalog_arg", "console", "day_arg", "escape", "out", "pipe_guard"]

console = Console(stderr=True, highlight=False)  # progress, warnings, errors
out = Console(highlight=False, soft_wrap=True)  # results


def catalog_arg(p: argparse.ArgumentParser) -> None:
    # the catalog's libraries load here, with the first command that takes --catalog (never for `pixm --help`)
    from pixm_desktop.services.context import default_catalog_path

    p.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help=f"catalog SQLite file (default $PIXM_CATALOG or {default_catalog_path()})",
    )


def day_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class _PipeSafe:
    """A text stream that survives its reader going away (``pixm … | head -1``): on ``EPIPE`` the stream's
    descriptor is pointed at the null device and writing carries on, so an offload still finishes, ingests its
    clips and records everything, and a listing ends quietly instead of with a traceback."""

    def __init__(self, stream):
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._divert(exc)
            return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._divert(exc)
            with contextlib.suppress(OSError, ValueError):
                self._stream.flush()  # what was buffered now goes to the null device

    def _divert(self, exc: OSError) -> None:
        if exc.errno not in (errno.EPIPE, errno.EINVAL) and not isinstance(exc, BrokenPipeError):
            raise exc
        self.closed_by_reader = True
        try:
            fd = self._stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
        except (OSError, ValueError, AttributeError):
            pass  # not a file descriptor (a test's StringIO): nothing more to write to anyway

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def pipe_guard() -> Iterator[None]:
    """Within: ``sys.stdout`` and ``sys.stderr`` never raise ``BrokenPipeError`` (see :class:`_PipeSafe`);
    both are flushed on the way out so nothing is left for the interpreter to fail on at exit."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (None if s is None else _PipeSafe(s) for s in saved)  # None: no console (pythonw)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, _PipeSafe):
                stream.flush()
        sys.stdout, sys.stderr = saved
