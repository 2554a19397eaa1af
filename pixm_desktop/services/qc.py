"""Ingest QC (issue 12, item 2): the clips of cards checked against the show profile, the findings stored per
card with their acknowledgement. The rules are :mod:`pixm_desktop.media.qc` (pure); this module gathers their
inputs from the catalog (:mod:`pixm_desktop.store.qc_repo`), runs them, and keeps the findings.

- :func:`iter_qc` is a QC run as a generator of :class:`QcProgress` returning a :class:`QcResult` (the ``qc``
  job kind drives it; the aftercare runs it after the ingest when a profile is installed);
- :func:`findings_for_card` / :func:`findings_for` are what the window (card tiles, Verification page), the
  daily report's ATTENTION box and ``pixm qc`` show: :class:`FindingRow` values, errors first;
- :func:`acknowledge` accepts a finding with a note, who and when: never silently ignored, and kept across
  re-runs while the same finding is found again (same rule, card, subject, expected and found).

A run replaces the stored findings of the rules it ran on the cards it checked: a run without ``decode``
leaves the decode findings of an earlier full decode alone. docs/qc.md describes the rules.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import Remedy, ShowProfileReadError, UsageError
from pixm_desktop.core.show import ShowProfile
from pixm_desktop.core.states import QcSeverity
from pixm_desktop.media import qc as rules
from pixm_desktop.media.qc_decode import decode_problems
from pixm_desktop.services import context
from pixm_desktop.services.show import current_profile, profile_path
from pixm_desktop.store import clips_repo, qc_repo, reports_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, QcFinding, utcnow


@dataclass(slots=True)
class QcProgress:
    """Latest progress of a QC run: ``phase`` is ``rules`` (metadata, then ``done`` = ``total``), ``decode``
    (``done`` of ``total`` clips decoded, ``clip`` the one being decoded) or ``done``."""

    phase: str
    done: int
    total: int
    clip: str = ""

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.done / self.total)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """A stored finding for people: its ``id`` (``pixm qc ack ID``), card, clip, rule, severity, subject,
    expected, found, the sentence, the frame (decode errors), when it was first and last found (UTC), the
    profile it ran under, and its acknowledgement (``ack_by``/``ack_at``/``ack_note``, ``None`` when open)."""

    id: int
    card_id: int
    card_label: str
    clip_id: int | None
    rule: str
    severity: str
    subject: str
    expected: str
    found: str
    message: str
    frame: int | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    profile: str | None
    ack_by: str | None
    ack_at: dt.datetime | None
    ack_note: str | None

    @property
    def acknowledged(self) -> bool:
        return self.ack_at is not None

    @property
    def is_error(self) -> bool:
        return self.severity == QcSeverity.ERROR

    def as_dict(self) -> dict:
        """JSON-ready (times as ISO 8601 UTC)."""
        d = asdict(self)
        for key in ("first_seen", "last_seen", "ack_at"):
            d[key] = d[key].isoformat() if d[key] is not None else None
        d["acknowledged"] = self.acknowledged
        return d


@dataclass(slots=True)
class QcResult:
    """What a QC run found: the cards checked, the profile (its stamp), clips checked and decoded, how many
    findings are new, kept (found again) and gone, and the card's findings after the run (:class:`FindingRow`)."""

    card_ids: list[int]
    profile: str
    clips: int = 0
    decoded: int = 0
    new: int = 0
    kept: int = 0
    removed: int = 0
    findings: list[FindingRow] = field(default_factory=list)

    @property
    def open_errors(self) -> list[FindingRow]:
        """Errors nobody acknowledged: what makes ``pixm qc`` exit 12."""
        return [f for f in self.findings if f.is_error and not f.acknowledged]

    def summary(self) -> str:
        errors = sum(f.is_error for f in self.findings)
        warnings = len(self.findings) - errors
        acked = sum(f.acknowledged for f in self.findings)
        decoded = f", {self.decoded} decoded" if self.decoded else ""
        return (f"QC of {len(self.card_ids)} card(s), {self.clips} clips{decoded} against {self.profile}: "
                f"{errors} error(s), {warnings} warning(s), {acked} acknowledged")


def profile_for(catalog: Catalog) -> ShowProfile:
    """The show profile installed beside ``catalog``. Raises :class:`ShowProfileReadError` (exit 11) when none
    is (or the catalog has no file), or the installed file's own error when it no longer validates."""
    profile = current_profile(catalog.path) if catalog.path is not None else None
    if profile is None:
        where = profile_path(catalog.path) if catalog.path is not None else "beside the catalog"
        raise ShowProfileReadError(f"no show profile is installed ({where}): QC checks clips against it",
                                   path=str(where), remedy=Remedy.INSTALL_PROFILE,
                                   hint="install the show's profile with `pixm show import FILE` (or `pixm show init`)")
    return profile


def scope(catalog: Catalog, *, card: str | None = None, card_id: int | None = None,
          day: dt.date | None = None) -> list[int]:
    """The card ids a QC run covers: the cards labelled ``card`` (a label two cards share covers both), the
    card ``card_id``, or every card of ``day``. Raises :class:`UsageError` when none matches."""
    with catalog.session() as s:
        if card_id:
            if s.get(Card, card_id) is None:
                raise UsageError(f"no card with id {card_id} in the catalog")
            return [card_id]
        if card is not None:
            ids = sorted(reports_repo.card_ids_labelled(s, card))
            if not ids:
                raise UsageError(f"no card labelled {card!r} in the catalog",
                                 hint="`pixm catalog cards` lists the cards")
            return ids
        if day is not None:
            ids = qc_repo.card_ids_of_day(s, day)
            if not ids:
                raise UsageError(f"no card shot on {day.isoformat()} in the catalog",
                                 hint="`pixm catalog cards` lists the cards with their day")
            return ids
    raise UsageError("QC needs a card or a day")


def facts(row: qc_repo.ClipRow) -> rules.ClipFacts:
    """The rules' view of a catalog clip."""
    c = row.clip
    fps = Fraction(c.fps_num, c.fps_den) if c.fps_num and c.fps_den else None
    return rules.ClipFacts(
        id=c.id, card_id=c.card_id, card_label=row.card_label, name=c.name, kind=c.kind, camera=c.camera,
        tape_name=c.tape_name, reel=c.reel, probe_status=c.probe_status, codec=c.codec,
        codec_profile=c.codec_profile, width=c.width, height=c.height, fps=fps,
        frames=int(c.frames) if c.frames is not None else None, start_frame=c.start_frame,
        drop_frame=bool(c.drop_frame), sample_rate=c.sample_rate, bit_depth=_bit_depth(c.metadata_json),
        files=row.files, day=row.day)


def _bit_depth(metadata_json: str | None) -> int | None:
    try:
        value = json.loads(metadata_json or "{}").get("extra", {}).get("bits_per_sample")
        return int(value) if value else None
    except (ValueError, AttributeError, TypeError):
        return None


def metadata_findings(catalog: Catalog, card_ids: Sequence[int], profile: ShowProfile
                      ) -> tuple[list[rules.Finding], dict[int, list[rules.ClipFacts]]]:
    """The metadata rules over ``card_ids`` (reels against the whole catalog, drift over each card's day);
    returns the findings and the checked clips by card."""
    with catalog.session() as s:
        cards: dict[int, list[rules.ClipFacts]] = {i: [] for i in card_ids}
        for row in qc_repo.clip_rows(s, card_ids):
            cards[row.clip.card_id].append(facts(row))
        reels = [rules.ReelUse(*r) for r in qc_repo.reel_uses(s)]
        days = {d: [facts(r) for r in qc_repo.day_clip_rows(s, d)] for d in qc_repo.days_of_cards(s, card_ids)}
    return rules.qc_cards(profile, cards, reels, days), cards


def iter_qc(catalog: Catalog, card_ids: Sequence[int], profile: ShowProfile, *, decode: bool = False,
            cancelled: Callable[[], bool] = lambda: False) -> Generator[QcProgress, None, QcResult]:
    """QC of ``card_ids`` against ``profile`` (see the module docstring): the metadata rules, then with
    ``decode`` every video clip decoded in full from a verified copy (else the card when mounted; a clip with
    neither is not decoded), then the findings stored. Closing the generator (or ``cancelled()``) before the
    end stores nothing: the findings of the run before stay as they were."""
    ids = list(card_ids)
    result = QcResult(ids, profile.stamp)
    yield QcProgress("rules", 0, 1)
    found, cards = metadata_findings(catalog, ids, profile)
    result.clips = sum(len(c) for c in cards.values())
    ran = set(rules.METADATA_RULES)
    yield QcProgress("rules", 1, 1)
    if decode:
        by_id = {c.id: c for clips in cards.values() for c in clips}
        paths = _media_paths(catalog, ids)
        for done, (clip_id, path) in enumerate(paths.items(), 1):
            clip = by_id[clip_id]
            yield QcProgress("decode", done - 1, len(paths), clip.name)
            found += rules.decode_findings(clip, decode_problems(path, cancelled=cancelled))
            if cancelled():
                return result  # the job layer records the cancel; nothing half-decoded is stored
            result.decoded += 1
        ran |= rules.DECODE_RULES
    result.new, result.kept, result.removed = _store(catalog, ids, ran, found, profile.stamp)
    result.findings = findings_for(catalog, ids)
    yield QcProgress("done", 1, 1)
    return result


def _media_paths(catalog: Catalog, card_ids: Sequence[int]) -> dict[int, Path]:
    """``{clip id: readable media file}`` of the video clips of ``card_ids``: on a fully verified destination
    when one is mounted, else on the card when it is (a clip with neither is not decoded)."""
    with catalog.session() as s:
        media = qc_repo.media_files(s, card_ids)
        roots = {card_id: _read_root(s, card_id) for card_id in card_ids}
    out: dict[int, Path] = {}
    for clip_id, (card_id, rel) in sorted(media.items()):
        if (root := roots.get(card_id)) is not None:
            out[clip_id] = Path(os.fsdecode(os.path.join(root, rel)))
    return out


def _read_root(s, card_id: int) -> bytes | None:
    for dest in clips_repo.fully_verified_destinations(s, card_id):
        if os.path.isdir(dest.path_raw):
            return dest.path_raw
    card = s.get(Card, card_id)
    source = os.fsencode(card.source_path) if card is not None and card.source_path else None
    return source if source and os.path.isdir(source) else None


def _store(catalog: Catalog, card_ids: Sequence[int], ran: set, found: list[rules.Finding], stamp: str
           ) -> tuple[int, int, int]:
    values = [{"card_id": f.card_id, "clip_id": f.clip_id, "fingerprint": f.fingerprint, "rule": f.rule.value,
               "severity": f.severity.value, "subject": f.subject, "expected": f.expected, "found": f.found,
               "message": f.message, "frame": f.frame} for f in _unique(found)]
    with catalog.session() as s:
        counts = qc_repo.store_findings(s, card_ids, [r.value for r in ran], values, profile=stamp, now=utcnow())
        s.commit()
    return counts


def _unique(found: list[rules.Finding]) -> list[rules.Finding]:
    seen: dict[tuple[int, str], rules.Finding] = {}
    for f in found:
        seen.setdefault((f.card_id, f.fingerprint), f)
    return list(seen.values())


def _row(f: QcFinding, label: str) -> FindingRow:
    return FindingRow(f.id, f.card_id, label, f.clip_id, f.rule, f.severity, f.subject, f.expected, f.found,
                      f.message, f.frame, _utc(f.first_seen), _utc(f.last_seen), f.profile, f.ack_by, _utc(f.ack_at),
                      f.ack_note)


def _utc(when: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives the stored UTC times back without their zone."""
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def findings_for(catalog: Catalog, card_ids: Sequence[int]) -> list[FindingRow]:
    """The stored findings of ``card_ids``, errors first, then by card and subject."""
    with catalog.session() as s:
        return [_row(f, label) for f, label in qc_repo.findings(s, card_ids)]


def findings_for_card(catalog: Catalog, card_id: int) -> list[FindingRow]:
    """The stored QC findings of one card (for its tile, the Verification page, the daily report's ATTENTION
    box): errors first; ``[]`` when QC never ran on it or found nothing."""
    return findings_for(catalog, [card_id])


def acknowledge(catalog: Catalog, finding_id: int, note: str, by: str | None = None) -> FindingRow:
    """Accept finding ``finding_id`` with ``note`` (why it is acceptable), ``by`` (default: the login name),
    now (UTC). An acknowledged finding stays acknowledged while re-runs find it again. Raises
    :class:`UsageError` for an empty note or an unknown finding."""
    if not note or not note.strip():
        raise UsageError("an acknowledgement needs a note saying why the finding is accepted",
                         hint="add --note TEXT")
    who = (by or context.current_user() or "unknown").strip()
    with catalog.session() as s:
        got = qc_repo.finding(s, finding_id)
        if got is None:
            raise UsageError(f"no QC finding {finding_id} in the catalog",
                                 hint="`pixm qc --card C` or `--day D` lists the findings with their ids")
        row, label = got
        row.ack_by, row.ack_at, row.ack_note = who[:255], utcnow(), note.strip()
        s.commit()
        return _row(row, label)


__all__ = ["FindingRow", "QcProgress", "QcResult", "acknowledge", "facts", "findings_for", "findings_for_card",
           "iter_qc", "metadata_findings", "profile_for", "scope"]
