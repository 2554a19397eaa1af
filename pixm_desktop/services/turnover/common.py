"""What both turnover kinds share: the checks' vocabulary, the scope (a day, cards or rolls), the result and the
catalog record."""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pixm_desktop import TOOL_NAME, __version__
from pixm_desktop.core.errors import Remedy, TurnoverCheckError, UsageError
from pixm_desktop.core.states import TurnoverJobOptions
from pixm_desktop.post.manifest import ManifestEntry, write_manifest
from pixm_desktop.services import context
from pixm_desktop.services.turnover.package import Staging
from pixm_desktop.store import turnovers_repo
from pixm_desktop.store.db import Catalog

RULE_CONFLICT = "package_conflict"
RULE_MISSING = "proxy_missing"
RULE_CHANGED = "proxy_changed"
RULE_RATE = "one_rate_per_ale"
RULE_TIMECODE = "timecode"
RULE_BURN_IN = "burn_in"
RULE_SYNC = "synced_or_mos"
RULE_TAPE = "tape_names"
RULE_SOUND_COPY = "sound_copy"
RULE_LOOK = "look"


@dataclass(frozen=True, slots=True)
class Check:
    """One check's outcome: the ``rule``, what it is about (``subject``: a clip, a file, or ``*`` for the
    whole turnover), ``ok`` and the words."""

    rule: str
    subject: str
    ok: bool
    text: str


@dataclass(slots=True)
class TurnoverResult:
    """A written turnover: ``kind``, ``folder``, the ASC MHL ``generation`` it added, the files ``new`` to the
    package this time and those ``unchanged``, the ``checks`` (all passed) and the catalog row's id."""

    kind: str
    folder: str
    generation: int
    new: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    turnover_id: int | None = None

    def summary(self) -> str:
        return (f"turnover {self.kind} → {self.folder}: generation {self.generation}, {len(self.new)} new file(s), "
                f"{len(self.unchanged)} unchanged, {len(self.checks)} check(s) passed")


def tool() -> str:
    return f"{TOOL_NAME} {__version__} on {context.hostname()}"


def scope_words(options: TurnoverJobOptions) -> str:
    if options.day:
        return f"day {options.day}"
    if options.cards:
        return f"card(s) {options.cards}"
    return f"roll(s) {options.rolls}"


def parse_day(options: TurnoverJobOptions) -> dt.date | None:
    if not options.day:
        return None
    try:
        return dt.date.fromisoformat(options.day)
    except ValueError:
        raise UsageError(f"a turnover needs a day as YYYY-MM-DD, not {options.day!r}") from None


def names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in (text or "").split(",") if n.strip())


def check_target(options: TurnoverJobOptions) -> Path:
    """The package folder: given, not a file, its parent existing. Raises :class:`UsageError`."""
    if not options.folder:
        raise UsageError("a turnover needs a folder (--to DIR)")
    target = Path(options.folder).absolute()
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a folder", path=target)
    if not target.parent.is_dir():
        raise UsageError(f"the folder {target.parent} does not exist", path=target.parent,
                         hint="mount the drive or choose another --to folder")
    if target.is_dir() and not (target / "ascmhl").is_dir() and any(target.iterdir()):
        raise UsageError(f"{target} holds files and no ASC MHL history: it is not a turnover package", path=target,
                         hint="choose an empty or new folder, or the folder of an earlier turnover")
    return target


def conflicts(items, held: dict[str, str]) -> tuple[list[Check], list[str]]:
    """Checks for package files (``rel``, ``xxh64``) the package holds already with other content, and the
    paths it holds with the same content (not copied again)."""
    out, same = [], []
    for item in items:
        if item.rel in held:
            if item.xxh64 and held[item.rel] == item.xxh64:
                same.append(item.rel)
            else:
                out.append(Check(RULE_CONFLICT, item.rel, False,
                                 f"{item.rel} is in the package already with other content (xxh64 {held[item.rel]},"
                                 f" now {item.xxh64 or 'unknown'}): an ASC MHL package never changes a file"))
    return out, same


def refuse(catalog: Catalog, kind: str, target: Path, scope: str, day, checks: list[Check]) -> None:
    """Record the refused turnover with its checks, then raise :class:`TurnoverCheckError` naming each failure."""
    failed = [c for c in checks if not c.ok]
    words = "; ".join(f"[{c.rule}] {c.text}" for c in failed[:8]) + (f"; and {len(failed) - 8} more"
                                                                    if len(failed) > 8 else "")
    record(catalog, kind, target, scope, day, None, "refused", [], checks, words)
    raise TurnoverCheckError(f"{len(failed)} turnover check(s) failed, nothing was written: {words}", path=target,
                             hint="fix the clips named (or the options), then turn over again",
                             remedy=Remedy.FIX_TURNOVER,
                             failures=tuple((c.rule, c.subject, c.text) for c in failed))


def record(catalog: Catalog, kind: str, target: Path, scope: str, day, generation: int | None, status: str,
           entries: list[ManifestEntry], checks: list[Check], error: str | None) -> int:
    """The ``turnovers`` row (with the job's id when a job of this process is running); its id."""
    with catalog.session() as s:
        job_id = turnovers_repo.running_job_id(s, context.hostname(), os.getpid())
        row = turnovers_repo.record(s, kind=kind, folder=str(target), scope=scope, day=day, generation=generation,
                                    status=status, files=[asdict(e) for e in entries],
                                    checks=[asdict(c) for c in checks], error=error, job_id=job_id)
        s.commit()
        return row.id


def documents_folder(generation: int) -> str:
    """The folder of one turnover's documents inside the package (``turnover_0002``): a repeat never changes
    the files of the one before (ASC MHL records each file once)."""
    return f"turnover_{generation:04d}"


def manifest(staging: Staging, docs: str, head: dict, unchanged: list[ManifestEntry]) -> list[ManifestEntry]:
    """Hash what is staged, write ``manifest.json``/``.csv`` into ``docs`` listing every file of the package
    this turnover delivers (the manifest itself aside); returns every entry, the manifest's included."""
    staging.seal()
    listed = unchanged + staging.entries()
    write_manifest(staging.add(f"{docs}/manifest.json", "manifest"), staging.add(f"{docs}/manifest.csv", "manifest"),
                   head, listed)
    staging.seal()
    return unchanged + staging.entries()


def load_json(text: str | None) -> list:
    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    return data if isinstance(data, list) else []
