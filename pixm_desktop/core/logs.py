"""PIXM's log: one rotating file per user, written by the CLI, the window and the window's child processes.

The file is ``pixm.log`` in the per-user log folder (platformdirs ``user_log_dir("pixm")``, e.g.
``~/.local/state/pixm/log`` on Linux) or in ``$PIXM_LOG_DIR``; it rotates at 2 MB, five old files kept.

Child processes never open the file: a rotating file shared by several processes loses or mixes lines when
one of them rotates it. Each child sends its records to its parent instead (:func:`to_parent`, the standard
``QueueHandler`` over the child's pipe), and the parent writes them through its own handlers.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from platformdirs import user_log_dir

from pixm_desktop.core.errors import PixmError

__all__ = ["configure", "log_dir", "log_error", "log_path", "to_parent"]

FILE_NAME = "pixm.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(processName)s[%(process)d] %(name)s: %(message)s"

_configured: dict[str, object] = {}  # "path": the file written; "echo": the stderr handler (--verbose)


def log_dir() -> Path:
    """``$PIXM_LOG_DIR`` if set, else the per-user log folder (platformdirs)."""
    env = os.environ.get("PIXM_LOG_DIR")
    return Path(env) if env else Path(user_log_dir("pixm", appauthor=False))


def log_path() -> Path:
    """The log file this process writes (or would write) to."""
    path = _configured.get("path")
    return path if isinstance(path, Path) else log_dir() / FILE_NAME


def configure(*, verbose: bool = False, stream=None) -> Path | None:
    """Send the ``pixm_desktop`` loggers (INFO and up) to the rotating file; ``verbose`` also echoes them to
    ``stream`` (default ``sys.stderr``). Idempotent: a second call only adds the echo. Returns the file's
    path, or ``None`` when the folder cannot be written (the program runs on without a log file)."""
    root = logging.getLogger("pixm_desktop")
    root.setLevel(logging.INFO)
    if "path" not in _configured:
        path = log_dir() / FILE_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                           encoding="utf-8", delay=True)
        except OSError:
            pass  # no log file (a read-only home): the program runs on, the echo still works
        else:
            handler.setFormatter(logging.Formatter(FORMAT))
            root.addHandler(handler)
            _configured["path"] = path
    if verbose and "echo" not in _configured:
        echo = logging.StreamHandler(stream or sys.stderr)
        echo.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(echo)
        _configured["echo"] = echo
    path = _configured.get("path")
    return path if isinstance(path, Path) else None


def reset() -> None:
    """Remove the handlers :func:`configure` added (tests, a window started twice in one process)."""
    root = logging.getLogger("pixm_desktop")
    for handler in list(root.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler | logging.StreamHandler):
            root.removeHandler(handler)
            handler.close()
    _configured.clear()


class _SendQueue:
    """A queue-like front for a ``send(msg)`` function (the child's pipe to its parent)."""

    def __init__(self, send):
        self._send = send

    def put_nowait(self, record: logging.LogRecord) -> None:
        self._send(("log", record))


def to_parent(send) -> None:
    """In a child process: send every ``pixm_desktop`` record (INFO and up) to the parent as ``("log",
    record)`` through ``send``; the parent hands it to :func:`handle_from_child`."""
    root = logging.getLogger("pixm_desktop")
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.handlers.QueueHandler(_SendQueue(send)))
    root.propagate = False


def handle_from_child(record: logging.LogRecord) -> None:
    """In the parent: write a record a child sent (see :func:`to_parent`) through this process's handlers."""
    logger = logging.getLogger(record.name)
    if logger.isEnabledFor(record.levelno):
        logger.handle(record)


def log_error(logger: logging.Logger, exc: BaseException, context: str = "") -> None:
    """Log ``exc``: a PIXM error as a warning with its structured hint, anything else as an error with its
    traceback (and a child process's traceback when it came from one)."""
    prefix = f"{context}: " if context else ""
    if isinstance(exc, PixmError):
        h = exc.structured
        logger.warning("%s%s (exit %d): %s%s%s", prefix, h.kind, h.exit_code, h.what,
                       f" [{h.where}]" if h.where else "", f" — what to do: {h.todo}" if h.todo else "")
        child = getattr(exc, "child_traceback", "") or exc.details
        if child and exc.exit_code == 1:
            logger.warning("%sdetails:\n%s", prefix, child)
        return
    child = getattr(exc, "child_traceback", "")
    logger.error("%sunexpected %s: %s%s", prefix, type(exc).__name__, exc,
                 f"\nin the child process:\n{child}" if child else "", exc_info=exc)
