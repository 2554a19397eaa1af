"""The PIXM error tree.

Every error names what happened, to which file or destination, and what the user can do. Each class
carries a stable process exit code (documented in the README) so scripts can tell failures apart.
"""

from __future__ import annotations

import os


def show_path(path: os.PathLike | str | bytes) -> str:
    """Printable form of a path, even one whose name is not valid UTF-8 (bad bytes shown as U+FFFD)."""
    raw = os.fsencode(path)
    return raw.decode("utf-8", errors="replace")


class PixmError(Exception):
    """Base of all PIXM errors. ``exit_code`` is the CLI's exit status for this failure."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, path: str | os.PathLike | bytes | None = None):
        self.message = message
        self.hint = hint
        self.path = show_path(path) if path is not None else None
        super().__init__(message)

    def __str__(self) -> str:
        text = self.message
        if self.path and self.path not in text:
            text += f" [{self.path}]"
        if self.hint:
            text += f" — {self.hint}"
        return text


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


class SourceChangedError(SourceError):
    """A source file vanished, shrank or grew while it was being copied (exit 6)."""


class MhlError(PixmError):
    """An ASC MHL history is missing, malformed or inconsistent with its chain (exit 7)."""

    exit_code = 7


class MhlHistoryNotFoundError(MhlError):
    """No ``ascmhl`` folder (or legacy ``.mhl`` file) was found for a folder (exit 7)."""


class MhlFormatError(MhlError):
    """An MHL file is not well-formed or breaks the ASC MHL v2.0 schema (exit 7)."""


class MhlChainError(MhlError):
    """A generation is missing or its C4 does not match ``ascmhl_chain.xml`` (exit 7)."""


class CatalogError(PixmError):
    """The catalog database could not be opened, migrated or written (exit 8)."""

    exit_code = 8


class BusyError(PixmError):
    """Another PIXM process is offloading the same card or writing the same destination card folder, and the
    command was asked not to wait (exit 9)."""

    exit_code = 9


class DestinationWriteError(PixmError):
    """Writing to one destination failed (disk full, I/O error, permission); others go on (exit 4)."""

    exit_code = 4


class ConflictError(DestinationWriteError):
    """A different file already exists at the destination path; PIXM never overwrites it (exit 4)."""


class NotSafeError(PixmError):
    """``--require-safe``: every file is verified, yet the card is NOT SAFE TO FORMAT (exit 10)."""

    exit_code = 10


class CancelledError(PixmError):
    """The user cancelled the job; temp files are removed and the job is ``interrupted`` (exit 130)."""

    exit_code = 130
