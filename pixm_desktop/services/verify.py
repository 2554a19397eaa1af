"""Re-verify a destination card folder against its ASC MHL history (or a legacy MHL v1 file).

Bytes are re-read from the media (page cache dropped); an ``in-place`` generation records the outcome, and the
catalog's copy states follow when the folder is a known destination.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from pixm_desktop.core.errors import MhlHistoryNotFoundError
from pixm_desktop.core.model import CopyFailure, CopyState
from pixm_desktop.engine.mediaio import hash_file_for_mhl
from pixm_desktop.mhl import read_legacy_mhl, verify_history, verify_legacy
from pixm_desktop.services import context
from pixm_desktop.store import repo
from pixm_desktop.store.db import Catalog, open_catalog
from pixm_desktop.store.models import File


@dataclass(slots=True)
class VerifyOutcome:
    """``problems``: (file, status, detail) for every file not verified."""

    path: Path
    kind: str
    verified: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)
    generation: Path | None = None
    notes: list[str] = field(default_factory=list)
    compared: set[str] = field(default_factory=set)  # files whose bytes were re-read and matched every hash

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for _, status, _ in self.problems:
            counts[status] = counts.get(status, 0) + 1
        extra = "".join(f", {n} {s}" for s, n in sorted(counts.items()))
        return f"{self.verified} verified{extra}"


def verify_folder(path: Path, *, catalog_path: Path | None = None, catalog: Catalog | None = None,
                  write: bool = True) -> VerifyOutcome:
    """Verify ``path`` from its history; raises :class:`MhlHistoryNotFoundError` when it has none."""
    path = Path(path).resolve()
    if (path / "ascmhl").is_dir():
        outcome = _verify_v2(path, write)
    else:
        legacy = sorted(path.glob("*.mhl"))
        if not legacy:
            raise MhlHistoryNotFoundError(f"no ASC MHL history (ascmhl/) or MHL file in {path}", path=path,
                                          hint="point at a destination card folder written by an offload")
        outcome = _verify_v1(path, legacy[-1])
    own = catalog is None
    catalog = catalog or open_catalog(catalog_path)
    try:
        _record(catalog, path, outcome)
    finally:
        if own:
            catalog.close()
    return outcome


def _verify_v2(path: Path, write: bool) -> VerifyOutcome:
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    report = verify_history(path, creator=context.creator(), when=when, write=write, hash_file=hash_file_for_mhl,
                            record_new=False)  # a stray file is reported, never silently adopted
    return _outcome(path, "ASC MHL v2.0", report)


def _verify_v1(path: Path, mhl_file: Path) -> VerifyOutcome:
    read_legacy_mhl(mhl_file)  # raises MhlFormatError with the file name when it is malformed
    report = verify_legacy(mhl_file.parent, manifest=mhl_file, hash_file=hash_file_for_mhl)
    return _outcome(path, "MHL v1", report)


def _outcome(path: Path, kind: str, report) -> VerifyOutcome:
    written = report.generation
    out = VerifyOutcome(path=path, kind=kind, generation=written.path if written else None)
    for entry in report.entries:
        if entry.status in ("verified", "size-only"):
            out.verified += 1
            if entry.status == "verified":
                out.compared.add(_name(entry.relpath))
        elif entry.status == "unrepresentable":
            out.notes.append(f"{_name(entry.relpath)}: name is not valid UTF-8, not listed in the history")
        else:
            detail = ""
            if entry.status == "failed":
                detail = f"expected {_fmt(entry.expected)}, found {_fmt(entry.actual)}"
            out.problems.append((_name(entry.relpath), entry.status, detail))
    return out


def _fmt(hashes) -> str:
    if not hashes:
        return "—"
    return ", ".join(f"{getattr(a, 'value', a)} {v}" for a, v in hashes.items())


def _name(relpath) -> str:
    return relpath.decode("utf-8", "replace") if isinstance(relpath, bytes) else str(relpath)


def _record(catalog: Catalog, path: Path, outcome: VerifyOutcome) -> None:
    """Mirror the verdict into the catalog's copy states when ``path`` is a catalogued destination."""
    with catalog.session() as s:
        dest = repo.find_destination_by_path(s, os.fsencode(path))
        if dest is None:
            return
        copies = repo.load_copy_rows(s, dest.id)
        files = {f.relpath: f for f in s.query(File).filter(File.card_id == dest.card_id)}
        bad = {name: (status, detail) for name, status, detail in outcome.problems}
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
