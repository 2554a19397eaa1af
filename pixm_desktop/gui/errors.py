"""Errors in words a loader understands: which card, which drive, what to do — details kept for the DIT.

The words come from the error's structured hint (``PixmError.structured``); the details hold the real cause in
words (a tool's output, the failed files, the cause's last line) and the path of the log file, which holds the
traceback.
"""

from __future__ import annotations

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
    details: str  # the technical text in words (tool output, failed files, the cause, the log file)

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
    """The details view, in words: the error's own details (a tool's output, the failed files), the cause in
    one line (a child process's last traceback line when it came from there) and where the log file is. No
    traceback: the window's runner logs every failure with its traceback (``core.logs.log_error``), so the
    log holds it for a bug report."""
    parts = [getattr(exc, "details", "") or "", details]
    cause = _cause_line(exc)
    if cause:
        parts.append(f"Cause: {cause}")
    parts.append(f"The full technical record (with the traceback) is in the log file: {logs.log_path()}")
    return "\n\n".join(p.strip() for p in parts if p and p.strip())


def _cause_line(exc: BaseException) -> str:
    """``ZeroDivisionError: …`` — the last line of a child's traceback, else this exception's type and text
    (the first cause of a chained error, which names what really went wrong)."""
    child = (getattr(exc, "child_traceback", "") or "").strip()
    if child:
        return child.splitlines()[-1].strip()
    root = exc
    while root.__cause__ is not None and root.__cause__ is not root:
        root = root.__cause__
    text = str(root)
    return f"{type(root).__name__}: {text}" if text else type(root).__name__


def explain(exc: BaseException, *, card: str | None = None, details: str = "", retry: bool = False) -> Explained:
    """Loader words for ``exc`` (raised while working on ``card``). ``retry``: the place showing the words has a
    Retry button (the offload queue and its notices); elsewhere the advice says "try again" instead."""
    e = _explain(exc, card, technical_details(exc, details))
    return e if retry else Explained(e.headline, without_retry(e.advice), e.details)


def without_retry(advice: str) -> str:
    """``advice`` for a place with no Retry button: "press Retry" becomes "try again", "(Retry)" goes."""
    return advice.replace("press Retry", "try again").replace(" (Retry)", "").replace("Retry", "try again")


def _explain(exc: BaseException, card: str | None, tech: str) -> Explained:
    who = f"{card}: " if card else ""
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
