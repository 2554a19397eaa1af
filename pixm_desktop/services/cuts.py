"""Editorial cuts in the catalog (issue 15, docs/post.md): import a cut (CMX 3600 EDL, FCP7 XML, FCPXML, OTIO,
AAF) as the next version of its name, resolve each event to a camera clip, list and show cuts, lock a version,
diff two versions, mark VFX shots.

A cut is named ``NAME`` (its newest version) or ``NAME@N`` (version N). An import is one transaction: a file
with a malformed line raises :class:`~pixm_desktop.core.errors.CutFormatError` and nothing is stored.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import CutFormatError, UsageError
from pixm_desktop.core.timecode import frames_to_tc
from pixm_desktop.post import diff as diff_mod
from pixm_desktop.post.edl import rate_arg, read_edl
from pixm_desktop.post.model import CutDocument
from pixm_desktop.post.model import CutEvent as DocEvent
from pixm_desktop.post.otio_read import ADAPTERS, read_otio
from pixm_desktop.post.pulls import DEFAULT_TEMPLATE, safe_name, shot_id
from pixm_desktop.post.resolve import ClipRef, Match, Resolver, clip_frames, name_keys, wanted_keys
from pixm_desktop.services.context import Catalog, current_user
from pixm_desktop.store import cuts_repo
from pixm_desktop.store.models import Cut, CutEvent, utcnow

_REF = re.compile(r"^(?P<name>.+?)(?:@v?(?P<version>\d+))?$")


def parse_fps(text: str | None) -> Fraction | None:
    """``--fps`` text → exact rate; :class:`UsageError` when it is not a rate."""
    try:
        return rate_arg(text)
    except ValueError as exc:
        raise UsageError(str(exc), hint="a rate such as 23.976, 24, 25, 29.97 or 24000/1001") from None


def read_cut(paths: list[Path], fps: Fraction | None = None) -> CutDocument:
    """The cut in ``paths``: EDLs are one video track each, in the order given (V1, V2, …); one XML, FCPXML,
    OTIO or AAF file holds every track. Raises :class:`CutFormatError`, ``OSError``."""
    edls = [p for p in paths if p.suffix.lower() not in ADAPTERS]
    if edls and len(edls) != len(paths) or (not edls and len(paths) != 1):
        raise UsageError("give one XML/FCPXML/OTIO/AAF file, or one EDL per video track")
    if not edls:
        return read_otio(paths[0], fps)
    docs = [read_edl(p, fps, track=i) for i, p in enumerate(paths, 1)]
    first = docs[0]
    for d in docs[1:]:
        if d.fps != first.fps:
            raise CutFormatError(f"the EDLs are at different rates ({first.fps} and {d.fps})",
                                 hint="give --fps, or import them as separate cuts")
        first.events += d.events
        first.warnings += d.warnings
    return first


def split_ref(ref: str) -> tuple[str, int | None]:
    """``R1`` → ``("R1", None)``; ``R1@3`` / ``R1@v3`` → ``("R1", 3)``."""
    m = _REF.match(ref.strip())
    if m is None:
        raise UsageError(f"not a cut name: {ref!r}")
    return m["name"], int(m["version"]) if m["version"] else None


def get_cut(s, ref: str) -> Cut:
    """Cut ``ref`` (``NAME`` or ``NAME@N``) in session ``s``; :class:`UsageError` naming the known cuts if none."""
    name, version = split_ref(ref)
    cut = cuts_repo.find(s, name, version)
    if cut is None:
        known = sorted({c.name for c in cuts_repo.all_cuts(s)})
        raise UsageError(f"no cut {ref!r} in the catalog",
                         hint="`pixm cut list` lists the cuts" + (f" ({', '.join(known[:10])})" if known else ""))
    return cut


@dataclass(slots=True)
class EventRow:
    """One event of a cut as listed: numbers, tracks, reel, source file, clip name (editor's), TCs, speed,
    status, the camera clip, how it was found, reason and candidates, VFX shot."""

    id: int
    number: int
    track: int
    reel: str
    source_file: str | None
    clip_name: str | None
    src_in: str
    src_out: str
    rec_in: str
    rec_out: str
    frames: int
    speed: str | None
    transition: str
    status: str
    clip: str | None
    match_by: str
    reason: str
    candidates: list[str]
    shot: str | None
    notes: str

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}


@dataclass(slots=True)
class CutView:
    """A cut version with its events: name, version, format, rate, source files, import and lock stamps,
    warnings, the locked version of its name (when another one is locked), events, counts by status."""

    id: int
    name: str
    version: int
    versions: int
    title: str
    format: str
    fps: str
    source: list[str]
    imported_by: str
    imported_at: str
    locked_by: str | None
    locked_at: str | None
    locked_version: int | None
    warnings: list[str]
    events: list[EventRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.events:
            out[e.status] = out.get(e.status, 0) + 1
        return out

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__slots__ if k != "events"}
        return {**d, "counts": self.counts, "events": [e.as_dict() for e in self.events]}


def import_cut(catalog: Catalog, paths: list[Path], name: str, fps: Fraction | None = None,
               by: str | None = None) -> CutView:
    """Read ``paths`` (see :func:`read_cut`), resolve every event and store the cut as the next version of
    ``name``, in one transaction. Raises :class:`CutFormatError`, :class:`UsageError` (empty name),
    ``OSError``."""
    if not name.strip() or "@" in name or len(name) > 200:
        raise UsageError(f"cut name {name!r}: 1 to 200 characters, no '@'")
    doc = read_cut([Path(p) for p in paths], fps)
    with catalog.session() as s:
        cut = Cut(name=name.strip(), version=cuts_repo.next_version(s, name.strip()), title=doc.title,
                  format=doc.format, source=json.dumps([str(Path(p).resolve()) for p in paths]),
                  fps_num=doc.fps.numerator, fps_den=doc.fps.denominator, drop_frame=doc.drop_frame,
                  imported_by=by or current_user(), warnings=json.dumps(doc.warnings))
        for pos, e in enumerate(sorted(doc.events, key=lambda e: (e.track, e.rec_in, e.number))):
            cut.events.append(CutEvent(
                position=pos, number=e.number, track=e.track, reel=e.reel[:128], source_file=e.source_file,
                clip_name=e.clip_name, src_in=e.src_in, src_out=e.src_out, rec_in=e.rec_in, rec_out=e.rec_out,
                speed=None if e.speed is None else str(e.speed), transition=e.transition, dissolve=e.dissolve,
                extended=e.extended, line=e.line, notes="; ".join(e.notes), status="unmatched",
                markers=json.dumps(e.markers),
                cdl=None if e.cdl is None else json.dumps({"slope": e.cdl.slope, "offset": e.cdl.offset,
                                                           "power": e.cdl.power, "sat": e.cdl.sat})))
        _resolve(s, cut, doc)
        s.add(cut)
        s.commit()
        return _view(s, cut)


def resolve_again(catalog: Catalog, ref: str) -> CutView:
    """Resolve every event of cut ``ref`` again (after more cards were ingested)."""
    with catalog.session() as s:
        cut = get_cut(s, ref)
        _resolve(s, cut, None)
        s.commit()
        return _view(s, cut)


def _resolve(s, cut: Cut, doc: CutDocument | None) -> None:
    fps = Fraction(cut.fps_num, cut.fps_den)
    docs = [DocEvent(number=e.number, track=e.track, reel=e.reel, src_in=e.src_in, src_out=e.src_out,
                     rec_in=e.rec_in, rec_out=e.rec_out, source_file=e.source_file, clip_name=e.clip_name,
                     extended=e.extended) for e in cut.events]
    for row, match in zip(cut.events, resolve_events(s, docs, fps), strict=True):
        _store_match(row, match)


def resolve_events(s, events: list[DocEvent], fps: Fraction) -> list[Match]:
    """The match of each event against the catalog: the clips named by source files are read first; the
    clips of the events' reels (a card's whole roll) only for the events no name found."""
    names, _ = wanted_keys(events)
    by_name = candidate_refs(s, names, set())
    known = {c.name.upper() for c in by_name} | {f.upper() for c in by_name for f in c.files}
    rest = [e for e in events if not (name_keys(e) & known)]
    _, reels = wanted_keys(rest)
    resolver = Resolver(by_name + (candidate_refs(s, set(), reels) if reels else []), fps)
    return [resolver.resolve(e) for e in events]


def candidate_refs(s, names: set[str], reels: set[str]) -> list[ClipRef]:
    """The clips the catalog holds under these names and reels (see ``post.resolve.wanted_keys``)."""
    rates: dict[tuple[int, int], Fraction] = {}

    def rate(num, den) -> Fraction | None:
        return (rates.get((num, den)) or rates.setdefault((num, den), Fraction(num, den))) if num and den else None

    return [ClipRef(cid, name, reel, tape, start, frames, rate(num, den), files, label)
            for cid, name, reel, tape, start, frames, num, den, label, files
            in cuts_repo.candidate_clips(s, names, reels)]


def clip_ref(c, label: str = "", files: list[str] = ()) -> ClipRef:
    fps = Fraction(c.fps_num, c.fps_den) if c.fps_num and c.fps_den else None
    return ClipRef(c.id, c.name, c.reel, c.tape_name, c.start_frame, c.frames, fps, tuple(files), label)


def _store_match(row: CutEvent, m: Match) -> None:
    row.status, row.match_by, row.reason = m.status, m.by, m.reason
    row.clip_id = m.clip.id if m.clip else None
    row.candidates = json.dumps(m.candidates)


def list_cuts(catalog: Catalog) -> list[dict]:
    """Every cut version: name, version, format, events, resolved, unmatched, ambiguous, imported, locked."""
    with catalog.session() as s:
        counts = cuts_repo.event_counts(s)
        return [{"name": c.name, "version": c.version, "format": c.format, "title": c.title,
                 "events": sum(counts[c.id].values()), "resolved": counts[c.id].get("resolved", 0),
                 "ambiguous": counts[c.id].get("ambiguous", 0), "unmatched": counts[c.id].get("unmatched", 0),
                 "imported_at": _stamp(c.imported_at), "imported_by": c.imported_by,
                 "locked_by": c.locked_by, "locked_at": _stamp(c.locked_at)} for c in cuts_repo.all_cuts(s)]


def show_cut(catalog: Catalog, ref: str) -> CutView:
    """Cut ``ref`` with its events (raises :class:`UsageError` when there is no such cut)."""
    with catalog.session() as s:
        return _view(s, get_cut(s, ref))


def _stamp(when) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%d %H:%M:%SZ")


def _view(s, cut: Cut) -> CutView:
    fps = Fraction(cut.fps_num, cut.fps_den)
    tc = lambda f: frames_to_tc(f, fps, drop_frame=cut.drop_frame)  # noqa: E731
    versions = cuts_repo.versions(s, cut.name)
    locked = [v for v in versions if v.locked_at is not None]
    view = CutView(cut.id, cut.name, cut.version, len(versions), cut.title, cut.format,
                   f"{fps.numerator}/{fps.denominator}", json.loads(cut.source), cut.imported_by,
                   _stamp(cut.imported_at), cut.locked_by, _stamp(cut.locked_at),
                   locked[-1].version if locked else None, json.loads(cut.warnings))
    for e in cut.events:
        view.events.append(EventRow(
            e.id, e.number, e.track, e.reel, e.source_file, e.clip_name, tc(e.src_in), tc(e.src_out),
            tc(e.rec_in), tc(e.rec_out), e.src_out - e.src_in, e.speed, e.transition, e.status,
            e.clip.name if e.clip is not None else None, e.match_by, e.reason, json.loads(e.candidates), e.shot,
            e.notes))
    return view


def lock_cut(catalog: Catalog, ref: str, by: str | None = None) -> CutView:
    """Lock version ``ref`` (who, when UTC). A version already locked keeps its first lock; locking another
    version of the name is allowed (the newest lock is what later versions are shown against)."""
    with catalog.session() as s:
        cut = get_cut(s, ref)
        if cut.locked_at is None:
            cut.locked_by, cut.locked_at = by or current_user(), utcnow()
            s.commit()
        return _view(s, cut)


@dataclass(slots=True)
class DiffView:
    """The change list from ``old`` to ``new`` (``"R1@2"``): each :class:`~pixm_desktop.post.diff.Change`
    and counts by kind; ``against_lock`` when the old one was taken as the locked version."""

    old: str
    new: str
    against_lock: bool
    changes: list[diff_mod.Change]

    @property
    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.kind] = out.get(c.kind, 0) + 1
        return out

    @property
    def repulls(self) -> list[diff_mod.Change]:
        return [c for c in self.changes if c.repull]

    def as_dict(self) -> dict:
        def ev(e):
            return None if e is None else {"number": e.number, "track": e.track, "source": e.label}
        return {"old": self.old, "new": self.new, "against_lock": self.against_lock, "counts": self.counts,
                "changes": [{"kind": c.kind, "old": ev(c.old), "new": ev(c.new), "head": c.head, "tail": c.tail,
                             "moved": c.moved, "repull": c.repull, "text": c.describe()} for c in self.changes]}


def diff_cuts(catalog: Catalog, a: str, b: str | None = None) -> DiffView:
    """Changes from cut ``a`` to cut ``b``. With ``a`` alone: its newest version against its locked version
    (else against the version before it). Raises :class:`UsageError` when there is nothing to compare."""
    with catalog.session() as s:
        against_lock = False
        if b is None:
            name, _ = split_ref(a)
            new = get_cut(s, name)
            older = [v for v in cuts_repo.versions(s, name) if v.version < new.version]
            locked = [v for v in older if v.locked_at is not None]
            if not older:
                raise UsageError(f"cut {name!r} has one version: nothing to compare",
                                 hint="`pixm cut diff A B` compares two cuts")
            old, against_lock = (locked[-1], True) if locked else (older[-1], False)
            old = get_cut(s, f"{name}@{old.version}")
        else:
            old, new = get_cut(s, a), get_cut(s, b)
        earlier = [e for v in cuts_repo.versions(s, old.name) if v.version < old.version
                   for e in _diff_events(get_cut(s, f"{v.name}@{v.version}"))] if old.name == new.name else []
        new_events = _diff_events(new)
        pulls = cuts_repo.pulls_by_clip(s, [e.clip_id for e in new_events if e.clip_id])
        changes = diff_mod.diff(_diff_events(old), new_events, earlier=earlier, pulls=pulls)
        return DiffView(f"{old.name}@{old.version}", f"{new.name}@{new.version}", against_lock, changes)


def _diff_events(cut: Cut) -> list[diff_mod.DiffEvent]:
    fps = Fraction(cut.fps_num, cut.fps_den)
    out = []
    for e in cut.events:
        if e.clip is not None:
            ref = clip_ref(e.clip)
            key, label = f"clip:{e.clip_id}", e.clip.name
            cin, cout = clip_frames(doc_event(e), ref, fps) if ref.span() else (None, None)
        else:
            key, label, cin, cout = f"reel:{e.reel.upper()}|{e.source_file or ''}", e.reel or "?", None, None
        tc = f" {frames_to_tc(e.src_in, fps)}–{frames_to_tc(e.src_out, fps)}"
        out.append(diff_mod.DiffEvent(e.number, e.track, key, label + tc, e.src_in, e.src_out, e.rec_in, e.rec_out,
                                      e.clip_id, cin, cout))
    return out


def doc_event(e: CutEvent) -> DocEvent:
    """A stored event as ``post.model.CutEvent`` (the ranges resolution and pulls compute with)."""
    return DocEvent(number=e.number, track=e.track, reel=e.reel, src_in=e.src_in, src_out=e.src_out,
                    rec_in=e.rec_in, rec_out=e.rec_out, extended=e.extended)


def mark_vfx(catalog: Catalog, ref: str, *, events: list[int] | None = None, shots_csv: Path | None = None,
             markers: bool = False, show: str = "SHOW", seq: str = "010", template: str = DEFAULT_TEMPLATE,
             step: int = 10) -> list[dict]:
    """Mark events of cut ``ref`` as VFX shots: ``events`` (event numbers, every track; shot numbers in steps
    of ``step`` in record order, named by ``template``, skipping names other events already have),
    ``shots_csv`` (columns ``event`` and ``shot``,
    optional ``track``: names as given) or ``markers`` (every event with an editor's marker, named by the
    marker's first word). Returns ``[{event, track, shot}]``. Raises :class:`UsageError` for
    an event the cut does not have, a bad template or CSV."""
    with catalog.session() as s:
        cut = get_cut(s, ref)
        wanted = _csv_shots(shots_csv) if shots_csv is not None else None
        if markers:
            wanted = [(e.number, e.track, (json.loads(e.markers)[0].split() or ["marker"])[0]) for e in cut.events
                      if json.loads(e.markers or "[]")]
        numbers = set(events or []) | {n for n, _, _ in wanted or []}
        present = {e.number for e in cut.events}
        if missing := sorted(numbers - present):
            raise UsageError(f"cut {cut.name}@{cut.version} has no event {', '.join(map(str, missing))}")
        if not numbers:
            raise UsageError("no events to mark", hint="--events 3,7, --shots FILE.csv or --markers (on the cut's "
                                                       "markers)")
        marked = []
        n = 0
        for e in sorted(cut.events, key=lambda e: (e.rec_in, e.track)):
            if e.number not in numbers:
                continue
            if wanted is not None:
                names = [shot for num, track, shot in wanted if num == e.number and track in (None, e.track)]
                if not names:
                    continue
                e.shot = safe_name(names[0])[:64]
            else:
                taken = {x.shot for x in cut.events if x.shot and x is not e}
                try:
                    while True:  # a shot named before (an earlier mark) keeps its name: the next number is used
                        n += step
                        e.shot = shot_id(template, show=show, seq=seq, shot=n, event=e.number)
                        if e.shot not in taken or "{shot" not in template:
                            break
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
            marked.append({"event": e.number, "track": e.track, "shot": e.shot})
        s.commit()
        return marked


def _csv_shots(path: Path) -> list[tuple[int, int | None, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"cannot read the shots list {path}: {exc}", path=path) from None
    out = []
    for i, r in enumerate(rows, 2):
        try:
            track = r.get("track")
            out.append((int(r["event"]), int(track) if track else None, r["shot"].strip()))
        except (KeyError, ValueError, AttributeError):
            raise UsageError(f"{path.name} line {i}: needs the columns event and shot (and optionally track)",
                             path=path) from None
    return out
