"""The PIXM error tree.

Every error names what happened, to which file or destination, and what the user can do. Each class
carries a stable process exit code (documented in the README) so scripts can tell failures apart.

Only leaf classes are raised (``tests/test_errors_logging.py`` checks every ``raise`` of the package); the
inner classes (``PixmError``, ``PreflightError``, ``MhlError``) exist to be caught. :attr:`PixmError.structured`
gives the structured form (:class:`ErrorHint`) that the CLI and the window render each in their own words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum


def show_path(path: os.PathLike | str | bytes) -> str:
    """Printable form of a path, even one whose name is not valid UTF-8 (bad bytes shown as U+FFFD)."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="replace")


class Remedy(StrEnum):
    """What to do, as a token a front end can turn into its own words (the CLI prints the hint's text, which
    may name command-line options; the window names its own buttons and pages)."""

    NONE = ""
    RETRY = "retry"  # run the job again: verified files are kept
    INGEST_CLIPS = "ingest-clips"  # the card's clips are not catalogued yet
    ONE_RATE_PER_EXPORT = "one-rate-per-export"  # an ALE holds one frame rate: export per card or per rate
    FIX_PROFILE = "fix-profile"  # correct the show profile at the line named, then import it again
    UPDATE_PIXM = "update-pixm"  # the file comes from a newer PIXM: update PIXM on this cart
    INSTALL_PROFILE = "install-profile"  # no show profile on this cart yet: create or import one
    FIX_TURNOVER = "fix-turnover"  # a turnover check failed: fix the clips named (or the options), then again


@dataclass(frozen=True, slots=True)
class ErrorHint:
    """The structured form of an error: ``what`` happened, ``where`` (file, folder or drive; ``None`` when no
    single place is concerned), ``todo`` (what to do, in words; may name CLI options), ``remedy`` (the same as
    a token), ``exit_code`` and ``kind`` (the class name)."""

    what: str
    where: str | None
    todo: str | None
    remedy: Remedy
    exit_code: int
    kind: str


class PixmError(Exception):
    """Base of all PIXM errors (never raised itself). ``exit_code`` is the CLI's exit status for this failure.

    ``message``: what happened; ``path``: to which file, folder or drive; ``hint``: what to do, in words;
    ``remedy``: the same as a :class:`Remedy` token; ``details``: technical text (a tool's output) for the
    "details" view. An error rebuilt from a child process also has ``child_traceback``."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, path: str | os.PathLike | bytes | None = None,
                 remedy: Remedy = Remedy.NONE, details: str = ""):
        self.message = message
        self.hint = hint
        self.path = show_path(path) if path is not None else None
        self.remedy = Remedy(remedy)
        self.details = details
        super().__init__(message)

    @property
    def structured(self) -> ErrorHint:
        """The structured hint (what, where, what to do, remedy, exit code) for a front end to render."""
        return ErrorHint(self.message, self.path, self.hint, self.remedy, self.exit_code, type(self).__name__)

    def __reduce__(self):  # keyword fields survive pickling (child processes send their errors)
        return _rebuild_error, (type(self), self.message, self.hint, self.path, self.remedy, self.details,
                                dict(self.__dict__))

    def __str__(self) -> str:
        text = self.message
        if self.path and self.path not in text:
            text += f" [{self.path}]"
        if self.hint:
            text += f" — {self.hint}"
        return text


def _rebuild_error(cls, message, hint, path, remedy, details, state):
    exc = cls.__new__(cls)
    PixmError.__init__(exc, message, hint=hint, remedy=remedy, details=details)
    exc.__dict__.update(state)
    exc.path = path
    return exc


class UsageError(PixmError):
    """The command line or a setting was wrong (exit 2)."""

    exit_code = 2


class PreflightError(PixmError):
    """The offload cannot start: a check before the first byte moved failed (exit 3)."""

    exit_code = 3


class InsufficientSpaceError(PreflightError):
    """A destination has less free space than the card needs (exit 3)."""


class DestinationInsideSourceError(PreflightError):
    """A destination folder lies inside the source card (exit 3)."""


class DestinationMissingError(PreflightError):
    """A destination root does not exist, or is a plain folder where a drive should be mounted (exit 3).

    PIXM never creates a destination's root: an unmounted drive or a renamed folder must not be filled in
    its place (writing under ``/Volumes/RAID`` with the drive unmounted fills the system disk)."""


class DestinationNotWritableError(PreflightError):
    """A destination is read-only or not writable by this user (exit 3)."""


class OffloadIncompleteError(PixmError):
    """Some file × destination did not reach ``verified`` (exit 4)."""

    exit_code = 4


class VerificationFailedError(PixmError):
    """Bytes on a destination do not match their recorded hash, or files are missing/unrecorded (exit 5)."""

    exit_code = 5


class SourceError(PixmError):
    """The source card could not be read, or changed while it was read (exit 6)."""

    exit_code = 6


class MhlError(PixmError):
    """An ASC MHL history is missing, malformed or inconsistent with its chain (exit 7)."""

    exit_code = 7


class MhlHistoryNotFoundError(MhlError):
    """No ``ascmhl`` folder (or legacy ``.mhl`` file) was found for a folder (exit 7)."""


class MhlFormatError(MhlError):
    """An MHL file is not well-formed or breaks the ASC MHL v2.0 schema (exit 7)."""


class MhlChainError(MhlError):
    """A generation is missing or its C4 does not match ``ascmhl_chain.xml`` (exit 7)."""


class MhlWriteError(MhlError):
    """A generation could not be written or recorded: it read back different, its name was taken, or the drive
    refused it (exit 7)."""


class MhlLockError(MhlError):
    """The history is locked by another writer that did not finish in time, or by another machine's stale
    lock (exit 7)."""


class CatalogError(PixmError):
    """The catalog database could not be opened, migrated or written (exit 8)."""

    exit_code = 8


class BusyError(PixmError):
    """Another PIXM process is offloading the same card or writing the same destination card folder, and the
    command was asked not to wait (exit 9)."""

    exit_code = 9


class EjectError(PixmError):
    """The card could not be ejected (exit 9: the usual cause is a busy device). ``details`` holds the
    tool's output. No CLI command ejects today; the code is for scripts built on the services."""

    exit_code = 9


class NotSafeError(PixmError):
    """``--require-safe``: every file is verified, yet the card is NOT SAFE TO FORMAT (exit 10)."""

    exit_code = 10


class CancelledError(PixmError):
    """The user cancelled the job; temp files are removed and the job is ``interrupted`` (exit 130)."""

    exit_code = 130


class ChildProcessFailedError(PixmError):
    """A child process (offload, aftercare, reports) ended without a result: killed, crashed, out of memory
    (exit 1: please report it with the log)."""


class ShowProfileError(PixmError):
    """A show profile could not be read, is malformed, or is not one this PIXM can use (exit 11). Never
    raised itself: see the leaf classes below. The profile installed on the cart is left as it was."""

    exit_code = 11


class ShowProfileReadError(ShowProfileError):
    """A show profile file cannot be read: missing, a folder, too large, unreadable, or no profile is
    installed on this cart (exit 11)."""


class ShowProfileFormatError(ShowProfileError):
    """A show profile is not valid JSON, breaks the schema, or contradicts itself (exit 11).

    ``line`` and ``column`` (1-based) locate the error in the file, ``field`` is its path in the profile
    (``cameras[1].frame_rate``; ``None`` for a JSON syntax error), ``problems`` every problem found as
    ``(line, column, field, text)`` tuples, first one first."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None,
                 field: str | None = None, problems: tuple = (), **kwargs):
        super().__init__(message, **kwargs)
        self.line, self.column, self.field, self.problems = line, column, field, tuple(problems)


class ShowProfileVersionError(ShowProfileError):
    """A show profile was written for a newer schema version than this PIXM reads (exit 11): update PIXM."""


class ShowProfileRevisionError(ShowProfileError):
    """Installing a show profile would replace the cart's profile of the same production by an older
    revision, or by different content under the same revision number (exit 11)."""


class ShowProfileWriteError(ShowProfileError):
    """A show profile could not be written: the folder is read-only, the drive full or gone (exit 11). The
    installed profile is then the one before (files are replaced by an atomic rename)."""


class DriveNotSafeToWipeError(PixmError):
    """A registered drive was to be retired (or checked) while some file on it lacks the verified copies on
    other drives that the safe-to-format rule needs (exit 10, as a card not safe to format)."""

    exit_code = 10


class DriveMismatchError(PreflightError):
    """The drive found at a path is not the registered drive named (another filesystem UUID or physical
    drive): nothing is verified nor recorded for it (exit 3)."""


class QcErrorsFoundError(PixmError):
    """Ingest QC found errors nobody acknowledged on the cards checked (exit 12): ``pixm qc`` lists them;
    each is fixed (and QC run again) or acknowledged with a note (``pixm qc ack ID --note TEXT``)."""

    exit_code = 12


class RawDecoderMissingError(PixmError):
    """A camera-raw clip (ARRIRAW, R3D, BRAW, X-OCN) has no decoder command configured: names the vendor's tool
    and the setting (exit 13, as a clip that could not be rendered)."""

    exit_code = 13


class RawDecodeFailedError(PixmError):
    """A camera-raw decoder command failed, was stopped or wrote no intermediate: names the clip and the
    command, with the tool's output in ``details`` (exit 13)."""

    exit_code = 13


class RenditionsFailedError(PixmError):
    """``pixm dailies``: some clips could not be rendered (exit 13); each is named with the reason, the others
    were rendered and recorded, and the same command again renders only what is missing."""

    exit_code = 13


class TurnoverCheckError(PixmError):
    """A turnover's checks failed before anything was written (exit 14): each failure names the clip (or file)
    and the rule it broke (``failures``: ``(rule, subject, text)`` tuples); the target folder is unchanged."""

    exit_code = 14

    def __init__(self, message: str, *, failures: tuple = (), **kwargs):
        super().__init__(message, **kwargs)
        self.failures = tuple(failures)


class CutFormatError(PixmError):
    """An editorial file (CMX 3600 EDL, FCP XML, FCPXML, OTIO, AAF) that cannot be read as a cut (exit 2): the
    message names the file and each bad line (number and text, the first few); nothing of it was imported."""

    exit_code = 2


class CentralError(PixmError):
    """The central catalog (PostgreSQL) cannot be reached, refused the login, is not initialised or has an
    older or newer schema, or the connection dropped mid-sync (exit 15). A sync resumes where it stopped."""

    exit_code = 15


class ReviewNotAllowedError(PixmError):
    """A review portal viewer's role may not do this (circle, rate, select: see ``services.review.roles``); the
    portal answers 403 (exit 2 where a command meets it)."""

    exit_code = 2
