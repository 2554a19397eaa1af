"""Re-verify a destination card folder against its ASC MHL history (or a legacy MHL v1 file).

Bytes are re-read from the media (page cache dropped); an ``in-place`` generation records the outcome. When the
catalog knows the folder as a destination, every file is also compared with the card's hash the catalog holds
(an edited history cannot turn a bad copy good), and the catalog's copy states follow.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from pixm_desktop.core.errors import CatalogError, MhlHistoryNotFoundError
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CopyFailure, CopyState
from pixm_desktop.engine.mediaio import hash_file_for_mhl
from pixm_desktop.mhl import read_legacy_mhl, verify_history, verify_legacy
from pixm_desktop.services import context
from pixm_desktop.store import repo
from pixm_desktop.store.db import Catalog, open_catalog
from pixm_desktop.store.models import File

#: ``problems`` status of a generation that could not be written (not a file of the folder).
NOT_RECORDED = "not-recorded"


@dataclass(slots=True)
class VerifyOutcome:
    """``problems``: (file, status, detail) for every file not verified, plus one ``(ascmhl, not-recorded,
    reason)`` entry when the in-place generation could not be written (``write_error``).

    ``catalog_checked``: the catalog knows the folder as a destination and every file was compared with the
    card's hashes it holds. ``catalog_error``: the catalog could not be read or written (the verdict stands).
    """

    path: Path
    kind: str
    verified: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    generation: Path | None = None
    notes: list[str] = field(default_factory=list)
    #: files whose bytes were re-read and matched every hash (filled when ``catalog_checked``: the catalog's
    #: copy states follow them; a folder it does not know keeps only the count, ``verified``)
    compared: set[str] = field(default_factory=set)
    write_error: str | None = None
    catalog_error: str | None = None
    catalog_checked: bool = False

    @property
    def ok(self) -> bool:
        """Every file verified and the generation recorded (when one was to be written)."""
        return not self.problems

    @property
    def file_problems(self) -> list[tuple[str, str, str]]:
        """Problems of the folder's files (the bytes), without the history-write one."""
        return [p for p in self.problems if p[1] != NOT_RECORDED]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for _, status, _ in self.problems:
            counts[status] = counts.get(status, 0) + 1
        extra = "".join(f", {n} {s}" for s, n in sorted(counts.items()))
        return f"{self.verified} verified{extra}"


def verify_folder(path: Path, *, catalog_path: Path | None = None, catalog: Catalog | None = None,
                  write: bool = True, on_file: Callable[[str], None] | None = None,
                  recorded_as: Path | None = None) -> VerifyOutcome:
    """Verify ``path`` from its history, and against the card hashes in the catalog when it knows the folder.

    ``on_file(name)`` is called before each file is re-read (the job layer counts files and checks its cancel
    there: an error it raises, e.g. :class:`CancelledError`, stops the verify before any generation is written
    or any copy state recorded). ``recorded_as``: the folder's path in the catalog when the drive is now
    mounted elsewhere (a shuttle received at the lab); default ``path``.

    Raises :class:`MhlHistoryNotFoundError` when the folder has no history, :class:`MhlError` subclasses when
    the history is damaged or hostile. Never raises for the catalog: its problems land in
    ``VerifyOutcome.catalog_error`` after the verdict is complete (nothing is recorded then).
    """
    path = Path(path).resolve()
    known_as = Path(recorded_as) if recorded_as is not None else path
    own = catalog is None
    catalog_error = None
    if own:
        try:
            catalog = open_catalog(catalog_path)
        except CatalogError as exc:
            catalog, catalog_error = None, str(exc)
    try:
        known = None
        if catalog is not None:
            try:
                known = _card_hashes(catalog, known_as)
            except (SQLAlchemyError, CatalogError) as exc:
                catalog_error = f"cannot read the catalog {_where(catalog)}: {_why(exc)}"
        outcome = _verify(path, write, known, on_file)
        outcome.catalog_error = catalog_error
        if catalog is not None and catalog_error is None and known is not None:
            try:
                _record(catalog, known_as, outcome)
            except (SQLAlchemyError, CatalogError, OSError) as exc:
                outcome.catalog_error = f"the verdict could not be recorded in the catalog {_where(catalog)}: {_why(exc)}"
    finally:
        if own and catalog is not None:
            catalog.close()
    return outcome


def _where(catalog: Catalog) -> str:
    return str(getattr(catalog, "path", None) or "")


def _why(exc: BaseException) -> str:
    """The database's own words (``database is locked``), without SQLAlchemy's statement and links."""
    return str(getattr(exc, "orig", None) or exc)


def _verify(path: Path, write: bool, known: dict[bytes, dict[HashAlgorithm, str]] | None,
            on_file: Callable[[str], None] | None = None) -> VerifyOutcome:
    found: dict[bytes, dict[HashAlgorithm, str]] = {}
    hash_file = _hasher(path, known or {}, found, on_file)
    if (path / "ascmhl").is_dir() or (path / "ascmhl").is_symlink():
        kind = "ASC MHL v2.0"
        when = dt.datetime.now(dt.UTC).replace(microsecond=0)
        report = verify_history(path, creator=context.creator(), when=when, write=write, hash_file=hash_file,
                                record_new=False)  # a stray file is reported, never silently adopted
    else:
        legacy = sorted(path.glob("*.mhl"))
        if not legacy:
            raise MhlHistoryNotFoundError(f"no ASC MHL history (ascmhl/) or MHL file in {path}", path=path,
                                          hint="point at a destination card folder written by an offload")
        kind = "MHL v1"
        read_legacy_mhl(legacy[-1])  # raises MhlFormatError with the file name when it is malformed
        report = verify_legacy(legacy[-1].parent, manifest=legacy[-1], hash_file=hash_file)
    return _outcome(path, kind, report, known, found)


def _hasher(root: Path, known: dict[bytes, dict[HashAlgorithm, str]], found: dict[bytes, dict[HashAlgorithm, str]],
            on_file: Callable[[str], None] | None = None):
    """The media re-read the MHL verifier calls, widened to the catalog's formats for the file so its bytes are
    compared with the card hash too (one read). Returns only the formats asked for (the history's)."""
    base = os.fsencode(root)

    def hash_file(file: Path, formats):
        rel = os.path.relpath(os.fsencode(file), base).replace(os.sep.encode(), b"/")
        if on_file is not None:
            on_file(_name(rel))
        card = known.get(rel)
        wanted = list(dict.fromkeys([*formats, *(card or {})]))
        hashes = hash_file_for_mhl(file, wanted)
        if card is not None:  # kept only to compare with the card's hashes (a card of 200,000 files otherwise)
            found[rel] = hashes
        return {a: hashes[a] for a in formats}

    return hash_file


def _outcome(path: Path, kind: str, report, known, found) -> VerifyOutcome:
    written = report.generation
    out = VerifyOutcome(path=path, kind=kind, generation=written.path if written else None,
                        write_error=report.write_error, catalog_checked=known is not None)
    seen: set[bytes] = set()  # only to name the card's files this folder lacks (a catalogued folder)
    for entry in report.entries:
        if known is not None:
            seen.add(entry.relpath)
        name = _name(entry.relpath)
        if entry.status == "unrepresentable":
            out.notes.append(f"{name}: name is not valid UTF-8, not listed in the history")
            continue
        problem = _problem(entry)
        if problem is None and known is not None:
            if entry.relpath in known:
                problem = _against_catalog(entry, known[entry.relpath], found.get(entry.relpath, {}))
            else:
                out.notes.append(f"{name}: verified against the history; not a file of the card in the catalog")
        if problem is None:
            out.verified += 1
            if known is not None:  # what _record marks verified: only for a folder the catalog knows
                out.compared.add(name)
        else:
            out.problems.append((name, *problem))
    if known is not None:  # the catalog keeps those copies' own states (never verified by this run)
        for rel in sorted(set(known) - seen):
            out.notes.append(f"{_name(rel)}: a file of the card (catalog), neither in this history nor on this drive")
    if report.write_error:
        out.problems.append(("ascmhl", NOT_RECORDED, f"verified the bytes, but could not record the generation: "
                                                     f"{report.write_error}"))
    return out


def _problem(entry) -> tuple[str, str] | None:
    """``(status, detail)`` for an entry the history did not verify, else ``None``."""
    if entry.status == "verified":
        return None
    if entry.status == "failed":
        detail = entry.reason or ""
        if entry.actual:
            detail = f"expected {_fmt(entry.expected)}, found {_fmt(entry.actual)}"
        return "failed", detail
    if entry.status in ("not-verifiable", "size-only"):
        return "not-verifiable", entry.reason or "no hash to compare"
    return str(entry.status), entry.reason or ""


def _against_catalog(entry, card: dict[HashAlgorithm, str], bytes_now: dict[HashAlgorithm, str]):
    """``(status, detail)`` when a file the history verified does not match the card hash the catalog holds
    (the history was edited to match damaged bytes: tampered), else ``None``."""
    shared = [a for a in card if a in bytes_now]
    if not shared:
        return "not-verifiable", "no hash format shared with the card's hashes in the catalog"
    differ = [a for a in shared if bytes_now[a].lower() != card[a].lower()]
    if not differ:
        history_differs = [a for a in card if a in entry.expected and entry.expected[a].lower() != card[a].lower()]
        if history_differs:
            return "tampered", (f"the bytes match the card, but the ASC MHL history records "
                                f"{_fmt({a: entry.expected[a] for a in history_differs})}: the history was edited")
        return None
    return "tampered", (f"the ASC MHL history matches these bytes, but the card hash in the catalog is "
                        f"{_fmt({a: card[a] for a in differ})}, found {_fmt({a: bytes_now[a] for a in differ})}: "
                        "the copy differs from the card and its history was edited")


def _fmt(hashes) -> str:
    if not hashes:
        return "—"
    return ", ".join(f"{getattr(a, 'value', a)} {v}" for a, v in hashes.items())


def _name(relpath) -> str:
    return relpath.decode("utf-8", "replace") if isinstance(relpath, bytes) else str(relpath)


def _card_hashes(catalog: Catalog, path: Path) -> dict[bytes, dict[HashAlgorithm, str]] | None:
    """``{relpath: card hashes}`` of the card whose destination is ``path``; ``None`` when not catalogued.
    Card entries that could not be taken (``files.problem``) are left out: they have no copy to compare."""
    with catalog.session() as s:
        dest = repo.find_destination_by_path(s, os.fsencode(path))
        if dest is None:
            return None
        rows = s.query(File).filter(File.card_id == dest.card_id)
        return {f.relpath_raw: f.hashes() for f in rows if not getattr(f, "problem", None)}


def _record(catalog: Catalog, path: Path, outcome: VerifyOutcome) -> None:
    """Mirror the verdict into the catalog's copy states when ``path`` is a catalogued destination. A copy
    becomes ``verified`` only when its bytes were re-read now and matched the card's hashes."""
    with catalog.session() as s:
        dest = repo.find_destination_by_path(s, os.fsencode(path))
        if dest is None:
            return
        copies = repo.load_copy_rows(s, dest.id)
        files = {f.relpath: f for f in s.query(File).filter(File.card_id == dest.card_id)}
        bad = {name: (status, detail) for name, status, detail in outcome.file_problems}
        writer = repo.BatchWriter(s)
        for name, f in files.items():
            if name in bad:
                status, detail = bad[name]
                reason = f"re-verify: {status}{' — ' + detail if detail else ''}"
                failure = CopyFailure.MISSING if status == "missing" else CopyFailure.MISMATCH
                writer.copy_state(f.id, dest.id, CopyState.FAILED, reason, None, failure, copying=False)
            elif name in outcome.compared and f.id in copies:  # never 'verified' for bytes not compared now
                writer.copy_state(f.id, dest.id, CopyState.VERIFIED, None, copies[f.id].job_id, copying=False)
        writer.flush()
        s.commit()
