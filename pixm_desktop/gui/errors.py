"""Errors in words a loader understands: which card, which drive, what to do — details kept for the DIT.

The words come from the error's structured hint (``PixmError.structured``); the details hold the real cause
(a child process's traceback, a tool's output, the traceback) and the path of the log file.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from pixm_desktop.core import logs
from pixm_desktop.core.errors import (
    CancelledError,
    CatalogError,
    DestinationInsideSourceError,
    DestinationNotWritableError,
    InsufficientSpaceError,
    MhlError,
    PixmError,
    Remedy,
    SourceError,
    UsageError,
    VerificationFailedError,
)


@dataclass(frozen=True, slots=True)
class Explained:
    headline: str  # one line: what happened to which card / drive
    advice: str  # what to do now
    details: str  # the technical text (exception, tool output, traceback)

    def text(self) -> str:
        return f"{self.headline}\nWhat to do: {self.advice}" if self.advice else self.headline


_ADVICE = [
    (InsufficientSpaceError, "free space on that drive or choose another destination, then press Retry"),
    (DestinationNotWritableError, "check the drive is connected and not read-only, then press Retry"),
    (DestinationInsideSourceError, "choose a destination outside the card"),
    (SourceError, "check the card is still in the reader (re-insert it), then press Retry: verified files are "
                  "kept"),
    (VerificationFailedError, "re-run the offload (Retry) to replace the bad copies, then re-verify; if it "
                              "fails again, check the drive and its cable"),
    (MhlError, "re-verify from the catalog, or run the offload again to write a new history"),
    (CatalogError, "check the disk holding the catalog has space and is writable"),
    (UsageError, "fix the setting named above"),
]


_REMEDY = {  # the window's own words where a hint names command-line options
    Remedy.INGEST_CLIPS: "catalogue the card's clips first (Settings → catalogue clips after each verified job, "
                         "or `pixm ingest CARD`)",
    Remedy.ONE_RATE_PER_EXPORT: "export one card at a time: pick the card's offload report, then Export ALE",
}


def technical_details(exc: BaseException, details: str = "") -> str:
    """The real cause for the details view: a child process's traceback (the error came back from there), the
    error's own details (a tool's output), this process's traceback, and where the log file is."""
    parts = [getattr(exc, "details", "") or "", getattr(exc, "child_traceback", "") or "",
             details or "".join(traceback.format_exception(exc)).strip()]
    if getattr(exc, "child_traceback", ""):
        parts[1] = f"In the child process:\n{parts[1].strip()}"
    parts.append(f"Log file: {logs.log_path()}")
    return "\n\n".join(p for p in parts if p)


def explain(exc: BaseException, *, card: str | None = None, details: str = "") -> Explained:
    """Loader words for ``exc`` (raised while working on ``card``)."""
    who = f"{card}: " if card else ""
    tech = technical_details(exc, details)
    if isinstance(exc, CancelledError):
        return Explained(f"{who}offload stopped by the user", "press Retry to continue: verified files are kept",
                         tech)
    if isinstance(exc, PixmError):
        h = exc.structured
        where = f" [{h.where}]" if h.where and h.where not in h.what else ""
        advice = (_REMEDY.get(h.remedy) or h.todo
                  or next((a for cls, a in _ADVICE if isinstance(exc, cls)), ""))
        return Explained(f"{who}{h.what}{where}", advice, tech)
    if isinstance(exc, OSError):
        name = exc.filename or ""
        return Explained(f"{who}{exc.strerror or exc}{f' [{name}]' if name else ''}",
                         "check the drive or card named here is connected, then press Retry", tech)
    return Explained(f"{who}internal error: {exc!r}",
                     "press Retry; if it happens again, copy the details and report them with the log file", tech)


def describe_failures(card: str, dest_label: str, failures: list[tuple[str, str]], error: str | None) -> Explained:
    """Loader words for a destination that did not verify."""
    if error and not failures:
        return Explained(f"{card} → {dest_label}: {error}",
                         "check the drive is connected and has space, then press Retry", error)
    first_file, first_reason = failures[0] if failures else ("", "")
    n = len(failures)
    lines = "\n".join(f"{f}: {r}" for f, r in failures[:200])
    return Explained(
        f"{card} → {dest_label}: {n} file{'s' if n != 1 else ''} failed "
        f"({first_file}: {first_reason})",
        "press Retry to copy the failed files again (verified files are kept); if they fail again, check the "
        "drive and its cable, or use another drive", lines)
