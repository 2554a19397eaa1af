"""The card verdict: the ONE rule that says whether a camera card may be formatted.

Every view (offload queue, Sources, Verification, History, Reports, the PDFs, ``pixm catalog cards``, the CLI
summary) shows what :func:`card_verdict` returns for the catalog's facts; nothing else decides "safe". Pure:
no database, no file system, no Qt.

The rule (:class:`SafeRule`, the user's "safe to format" setting):

1. **FAILED** when the card has entries PIXM could not take (``problems``: unreadable, cannot stat, name too
   long, special file …) or a *required* destination has failed copies. The reason names the first file and
   why, and how many more.
2. **COPYING** when a job of the card is running (with a live process), unless rule 1 already decided.
3. **SAFE** only when the card has files, every required destination is complete (every file verified, none
   failed) and at least ``min_copies`` complete destinations sit on **distinct physical drives**:
   destinations with the same non-empty ``drive_id`` count once; destinations whose drive the OS could not
   tell (``drive_id == ""``) are never guessed distinct — together they count as one drive, and only when no
   known drive holds a copy (an unknown drive may be the very disk a known copy is on). With
   ``distinct_drives`` off (a documented user setting: "count each folder as a copy") every complete folder
   counts.
4. **NOT SAFE** otherwise, with the reason in words.

Catalog rows written before PIXM identified physical drives have ``drive_id == ""`` and fall under the same
"cannot tell" rule. Falling back to the old device / mount point key is deliberately *not* done: ``/dev/sda1``
and ``/dev/sda2`` (two partitions of one disk), two LVM volumes or two APFS volumes of one container have
different keys yet die with the same disk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CardState", "CardVerdict", "DestinationCopies", "FileElsewhere", "SafeRule", "WipeVerdict", "card_verdict",
           "count_drives", "destination_set_problems", "drive_wipe_verdict"]


class CardState(StrEnum):
    """What a card is, for the loader: only ``safe`` may be formatted."""

    SAFE = "safe"
    NOT_SAFE = "not_safe"
    COPYING = "copying"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SafeRule:
    """The user's safe-to-format rule: ``min_copies`` verified copies, on distinct physical drives unless
    ``distinct_drives`` is off (then every complete destination folder counts as a copy)."""

    min_copies: int = 2
    distinct_drives: bool = True


@dataclass(frozen=True, slots=True)
class DestinationCopies:
    """One destination card folder of a card as the verdict sees it: file counts by copy state (``total`` =
    the card's file count), whether the card needs it, and the physical drive it is on.

    ``drive_id`` identifies the physical drive (whole disk, APFS container's store, NAS server…); ``""`` when
    the OS could not tell, with ``drive_note`` saying why. ``first_failure`` is ``(relpath, reason)`` of one
    failed copy, for the reason text.
    """

    path: str
    total: int
    pending: int = 0
    copied: int = 0
    verified: int = 0
    failed: int = 0
    required: bool = True
    name: str = ""  # short name for people (drive label); the path when empty
    drive_id: str = ""
    drive_note: str | None = None
    first_failure: tuple[str, str] | None = None

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.verified >= self.total and self.failed == 0

    @property
    def label(self) -> str:
        return self.name or self.path

    def describe(self) -> str:
        """Words for the state: ``all verified``, ``3 failed, 2 pending`` …"""
        if self.complete:
            return "all verified"
        parts = [f"{n} {w}" for n, w in ((self.failed, "failed"), (self.pending, "pending"), (self.copied, "copied"))
                 if n]
        return ", ".join(parts) or "nothing copied"


_TITLES = {
    CardState.SAFE: "SAFE TO FORMAT",
    CardState.NOT_SAFE: "NOT SAFE TO FORMAT",
    CardState.COPYING: "COPYING",
    CardState.FAILED: "FAILED",
}


@dataclass(frozen=True, slots=True)
class CardVerdict:
    """The card's state with its reason in words; ``copies`` = verified copies counted towards the rule
    (distinct drives when the rule asks for them)."""

    state: CardState
    reason: str
    copies: int = 0

    @property
    def safe(self) -> bool:
        return self.state == CardState.SAFE

    @property
    def title(self) -> str:
        """``SAFE TO FORMAT`` / ``NOT SAFE TO FORMAT`` / ``COPYING`` / ``FAILED``."""
        return _TITLES[self.state]

    @property
    def headline(self) -> str:
        """``SAFE TO FORMAT`` / ``NOT SAFE TO FORMAT: <reason>`` / ``COPYING: <reason>`` / ``FAILED: <reason>``."""
        return self.title if self.safe else f"{self.title}: {self.reason}"

    def as_dict(self) -> dict:
        """JSON form (``pixm catalog cards --json``): ``{"state", "reason", "copies"}``."""
        return {"state": self.state.value, "reason": self.reason, "copies": self.copies}


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + 's'}"


def _names(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def count_drives(drives: Sequence[tuple[str, str, str | None]], rule: SafeRule) -> tuple[int, list[str]]:
    """How many copies ``drives`` — ``(label, drive_id, drive_note)`` of folders holding (or about to hold)
    a copy — count for ``rule``, and why some count less, in words.

    Drives sharing a member disk are one drive (``drive_id`` of a RAID is its members joined by ``+``: a
    mirror of disks B and C and disk B alone die together). Unknown drives (``""``) count as one drive
    together, and only when no known drive is in the set (never guessed distinct from anything).
    """
    if not rule.distinct_drives:
        return len({label for label, _d, _n in drives}), []
    groups: list[tuple[set[str], list[str]]] = []  # (member disks, labels), merged while they overlap
    unknown: list[tuple[str, str | None]] = []
    for label, drive_id, note in drives:
        if drive_id:
            members, labels = set(drive_id.split("+")), [label]
            for group in [g for g in groups if g[0] & members]:
                groups.remove(group)
                members |= group[0]
                labels = group[1] + labels
            groups.append((members, labels))
        else:
            unknown.append((label, note))
    groups = [labels for _m, labels in groups]
    why = [f"{_names(labels)} are on the same drive" for labels in groups if len(labels) > 1]
    if unknown:
        note = next((n for _l, n in unknown if n), None) or "no drive identity recorded"
        why.append(f"the OS cannot tell which drive holds {_names([lbl for lbl, _n in unknown])}: {note}")
    return (len(groups) if groups else (1 if unknown else 0)), why


def _failed(destinations: Sequence[DestinationCopies], problems: Sequence[tuple[str, str]]) -> str | None:
    """The FAILED reason, or None."""
    if problems:
        path, why = problems[0]
        more = f" (and {_plural(len(problems) - 1, 'more card entry', 'more card entries')})" if len(problems) > 1 \
            else ""
        return f"{path} could not be taken from the card: {why}{more}"
    bad = [d for d in destinations if d.required and d.failed]
    if not bad:
        return None
    d = bad[0]
    first = f" — first: {d.first_failure[0]}: {d.first_failure[1]}" if d.first_failure else ""
    more = f" (and {_plural(len(bad) - 1, 'more required destination')})" if len(bad) > 1 else ""
    return f"{_plural(d.failed, 'file')} failed on {d.label}{first}{more}"


def card_verdict(destinations: Sequence[DestinationCopies], total_files: int, *,
                 problems: Sequence[tuple[str, str]] = (), running: bool = False,
                 rule: SafeRule = SafeRule()) -> CardVerdict:
    """THE decision on a card (see the module docstring for the rule).

    ``destinations``: every destination card folder of the card; ``total_files``: the card's files PIXM took
    (entries in ``problems`` — ``(relpath, reason)`` of card entries it could not take — are not among them);
    ``running``: a job of the card runs in a live process. Never raises.
    """
    complete = [d for d in destinations if d.complete]
    copies, why = count_drives([(d.label, d.drive_id, d.drive_note) for d in complete], rule)
    failed = _failed(destinations, problems)
    if failed:
        return CardVerdict(CardState.FAILED, failed, copies)
    if running:
        return CardVerdict(CardState.COPYING, "a job of this card is running: not safe to format yet", copies)
    if total_files <= 0:
        return CardVerdict(CardState.NOT_SAFE, "no file of this card is in the catalog yet", 0)
    if not destinations:
        return CardVerdict(CardState.NOT_SAFE, "the card has not been offloaded to any destination", 0)
    missing = [d for d in destinations if d.required and not d.complete]
    if missing:
        d = missing[0]
        more = f" (and {_plural(len(missing) - 1, 'more required destination')})" if len(missing) > 1 else ""
        return CardVerdict(CardState.NOT_SAFE, f"required destination {d.label}: {d.describe()}{more}", copies)
    need = max(1, rule.min_copies)
    if copies < need:
        reason = f"only {_plural(copies, 'verified copy', 'verified copies')} of {need} needed"
        if rule.distinct_drives and len(complete) > copies:
            reason += f" ({len(complete)} folders, {_plural(copies, 'drive')}: " + "; ".join(why) + ")"
        elif why:
            reason += " (" + "; ".join(why) + ")"
        return CardVerdict(CardState.NOT_SAFE, reason, copies)
    on = f" on {_plural(copies, 'drive')}" if rule.distinct_drives else ""
    return CardVerdict(CardState.SAFE, f"{_plural(copies, 'verified copy', 'verified copies')}{on}, every required "
                                       "destination verified", copies)


def destination_set_problems(drives: Sequence[tuple[str, str, str | None]], rule: SafeRule = SafeRule()
                             ) -> list[str]:
    """Why a planned destination set cannot make a card safe under ``rule``, in words (empty: it can).

    ``drives``: ``(label, drive_id, drive_note)`` of each planned destination (``drive_id`` ``""`` when the
    OS cannot tell). Asked before the first byte moves, so the loader can add a drive instead of finding out
    after an hour of copying.
    """
    need = max(1, rule.min_copies)
    copies, why = count_drives(drives, rule)
    if copies >= need:
        return []
    if not rule.distinct_drives:
        return [f"only {_plural(len(drives), 'destination')}: the rule needs {need} verified copies"]
    out = list(why)
    out.append(f"these destinations count as {_plural(copies, 'drive')}; a card needs {need} verified copies "
               "on different drives to be safe to format")
    return out


# -- safe to wipe a drive (issue 12): the card's rule, applied to every file on the drive ----------------------


@dataclass(frozen=True, slots=True)
class FileElsewhere:
    """A file the drive holds (or may hold: any copy row on it) and where else it is: ``copies`` =
    ``(label, drive_id, drive_note)`` of every destination folder on *another* drive holding a verified copy
    (as :func:`count_drives` takes them)."""

    card: str
    relpath: str
    copies: tuple[tuple[str, str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class WipeVerdict:
    """Whether a drive may be wiped: ``files`` = files of the catalog on it; ``lacking`` = ``(card, relpath,
    why)`` of every one whose copies on other drives do not meet the rule (all of them, in file order)."""

    safe: bool
    reason: str
    files: int = 0
    lacking: tuple[tuple[str, str, str], ...] = ()

    @property
    def title(self) -> str:
        return "SAFE TO WIPE" if self.safe else "NOT SAFE TO WIPE"

    @property
    def headline(self) -> str:
        """``SAFE TO WIPE: <reason>`` / ``NOT SAFE TO WIPE: <reason>``."""
        return f"{self.title}: {self.reason}"

    def listed(self, limit: int = 10) -> list[str]:
        """At most ``limit`` lacking files as ``card/relpath: why``, then ``and K more`` when there are."""
        lines = [f"{card}/{rel}: {why}" for card, rel, why in self.lacking[:max(0, limit)]]
        if len(self.lacking) > len(lines):
            lines.append(f"and {len(self.lacking) - len(lines)} more")
        return lines

    def as_dict(self) -> dict:
        """JSON form: ``{"safe", "title", "reason", "files", "lacking": [{"card", "path", "why"}]}``."""
        return {"safe": self.safe, "title": self.title, "reason": self.reason, "files": self.files,
                "lacking": [{"card": c, "path": p, "why": w} for c, p, w in self.lacking]}


def drive_wipe_verdict(drive: str, files: Sequence[FileElsewhere], rule: SafeRule = SafeRule(), *,
                       blockers: Sequence[str] = ()) -> WipeVerdict:
    """May ``drive`` be wiped? Only when every file on it still has ``rule.min_copies`` verified copies on
    OTHER drives, counted by :func:`count_drives` exactly as a card's copies are (drives sharing a member
    disk count once; drives the OS cannot tell never count as distinct). ``blockers``: reasons the caller
    cannot vouch for the list of files (e.g. which folders are on the drive cannot be told): NOT SAFE then.
    A drive with no file of the catalog on it is safe. Never raises."""
    if blockers:
        return WipeVerdict(False, "; ".join(blockers), len(files))
    need = max(1, rule.min_copies)
    lacking = []
    for f in files:
        copies, why = count_drives(f.copies, rule)
        if copies < need:
            words = f"only {_plural(copies, 'verified copy', 'verified copies')} on other drives of {need} needed"
            lacking.append((f.card, f.relpath, words + (" (" + "; ".join(why) + ")" if why else "")))
    if lacking:
        first = f"{lacking[0][0]}/{lacking[0][1]}"
        more = f" and {len(lacking) - 1} more" if len(lacking) > 1 else ""
        return WipeVerdict(False, f"{_plural(len(lacking), 'file')} of {len(files)} on {drive} would lose copies "
                                  f"the rule needs: {first}{more}", len(files), tuple(lacking))
    if not files:
        return WipeVerdict(True, f"the catalog knows no file on {drive}", 0)
    on = " on distinct drives" if rule.distinct_drives else ""
    return WipeVerdict(True, f"every one of {_plural(len(files), 'file')} on {drive} has {need} or more verified "
                             f"copies{on} elsewhere", len(files))
