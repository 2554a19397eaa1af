"""Change list between two versions of a cut: events added, omitted, reinstated, trimmed (head / tail, by
frames), moved, source changed, and whether a shot already pulled needs a re-pull.

Two events are the same shot when they show the same source (the same catalog clip, or for an unresolved
event the same reel and source file) with overlapping source ranges; the pair with the largest overlap wins.
Trims are in frames of the cut's rate: ``head +4`` means four more frames at the head (the source in moved four
frames earlier), ``tail -2`` two fewer at the tail. A shot is *moved* when its place among the shots both
versions keep changed (outside the longest run that kept its order) or its track changed. An event of the new
version whose record range covers an omitted one on the same track is a *source change* of that slot, unless
an earlier version had it (same source, overlapping): then it is *reinstated* (and the other one omitted).

Re-pull: an event on a clip with recorded pulls whose new range (clip frames, without handles) is not inside
any pulled range that overlaps it needs a re-pull.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DiffEvent:
    """An event as the diff sees it: ``key`` the source identity (``clip:12`` or ``reel:A001|file``),
    ``label`` how to name it, source ``[src_in, src_out)`` and record ``[rec_in, rec_out)`` in cut frames, the
    clip id and the range in clip frames when resolved."""

    number: int
    track: int
    key: str
    label: str
    src_in: int
    src_out: int
    rec_in: int
    rec_out: int
    clip_id: int | None = None
    clip_in: int | None = None
    clip_out: int | None = None


@dataclass(slots=True)
class Change:
    """One line of the change list: ``kind`` (``added``, ``omitted``, ``reinstated``, ``trimmed``, ``moved``,
    ``source changed``, ``unchanged``), the events (``old`` / ``new``), ``head``/``tail`` trims in frames,
    ``repull`` with its reason."""

    kind: str
    old: DiffEvent | None
    new: DiffEvent | None
    head: int = 0
    tail: int = 0
    moved: bool = False
    repull: str = ""
    words: list[str] = field(default_factory=list)

    def describe(self) -> str:
        ev = self.new or self.old
        where = f"V{ev.track} #{ev.number}" if self.new is None else f"V{self.new.track} #{self.new.number}"
        text = f"{self.kind.upper():15} {where:10} {ev.label}"
        if self.kind == "source changed" and self.old is not None:
            text += f" (was {self.old.label})"
        if self.words:
            text += "  " + ", ".join(self.words)
        if self.repull:
            text += f"  RE-PULL NEEDED: {self.repull}"
        return text


def _overlap(a: DiffEvent, b: DiffEvent) -> int:
    return min(a.src_out, b.src_out) - max(a.src_in, b.src_in)


def _pair(old: list[DiffEvent], new: list[DiffEvent]) -> list[tuple[DiffEvent | None, DiffEvent | None]]:
    by_key: dict[str, list[int]] = {}
    for i, e in enumerate(old):
        by_key.setdefault(e.key, []).append(i)
    used: set[int] = set()
    pairs: list[tuple[DiffEvent | None, DiffEvent | None]] = []
    for n in new:
        best, best_ov = None, 0
        for i in by_key.get(n.key, []):
            if i not in used and (ov := _overlap(old[i], n)) > best_ov:
                best, best_ov = i, ov
        if best is None:
            pairs.append((None, n))
        else:
            used.add(best)
            pairs.append((old[best], n))
    pairs += [(o, None) for i, o in enumerate(old) if i not in used]
    return pairs


def _kept_order(pairs: list[tuple[DiffEvent, DiffEvent]]) -> set[int]:
    """Indexes (into ``pairs`` sorted by the old order) of the longest run keeping its new order."""
    seq = [(n.track, n.rec_in) for _, n in pairs]
    tails: list[tuple] = []
    tail_idx: list[int] = []
    prev = [-1] * len(seq)
    for i, v in enumerate(seq):
        j = bisect.bisect_left(tails, v)
        if j == len(tails):
            tails.append(v)
            tail_idx.append(i)
        else:
            tails[j], tail_idx[j] = v, i
        prev[i] = tail_idx[j - 1] if j else -1
    keep, i = set(), tail_idx[-1] if tail_idx else -1
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep


def diff(old: list[DiffEvent], new: list[DiffEvent], *, earlier: list[DiffEvent] = (),
         pulls: dict[int, list[tuple[int, int]]] | None = None) -> list[Change]:
    """The change list from ``old`` to ``new`` (events of any tracks), in the new version's order then the
    omitted ones. ``earlier``: events of versions before ``old`` (for *reinstated*); ``pulls``: ``{clip id:
    [(pull_in, pull_out), …]}`` in clip frames (for *re-pull needed*)."""
    pairs = _pair(old, new)
    matched = sorted([(o, n) for o, n in pairs if o and n], key=lambda p: (p[0].track, p[0].rec_in))
    keep = _kept_order(matched)
    moved = {id(n) for i, (o, n) in enumerate(matched) if i not in keep or o.track != n.track}
    omitted = [o for o, n in pairs if n is None]
    changes: list[Change] = []
    for o, n in pairs:
        if n is None:
            continue
        if o is not None:
            changes.append(_matched(o, n, id(n) in moved))
        elif any(e.key == n.key and _overlap(e, n) > 0 for e in earlier):
            changes.append(Change("reinstated", None, n))
        elif (was := _covered(n, omitted)) is not None:
            omitted.remove(was)
            changes.append(Change("source changed", was, n))
        else:
            changes.append(Change("added", None, n))
    changes += [Change("omitted", o, None) for o in omitted]
    for c in changes:
        if c.new is not None:
            c.repull = repull_reason(c.new, (pulls or {}).get(c.new.clip_id or -1, []))
    return changes


def _matched(o: DiffEvent, n: DiffEvent, moved: bool) -> Change:
    head, tail = o.src_in - n.src_in, n.src_out - o.src_out
    words = ([f"head {head:+d}"] if head else []) + ([f"tail {tail:+d}"] if tail else [])
    if moved:
        words.append(f"moved from V{o.track} #{o.number}")
    kind = "trimmed" if (head or tail) else "moved" if moved else "unchanged"
    return Change(kind, o, n, head, tail, moved, words=words)


def _covered(n: DiffEvent, omitted: list[DiffEvent]) -> DiffEvent | None:
    best, best_ov = None, 0
    for o in omitted:
        ov = min(o.rec_out, n.rec_out) - max(o.rec_in, n.rec_in)
        if o.track == n.track and ov * 2 > (o.rec_out - o.rec_in) and ov > best_ov:
            best, best_ov = o, ov
    return best


def repull_reason(e: DiffEvent, pulled: list[tuple[int, int]]) -> str:
    """Why ``e`` needs a re-pull (``""`` when it does not): its clip range is not inside any pulled range of
    its clip that overlaps it."""
    if e.clip_in is None or e.clip_out is None:
        return ""
    near = [(a, b) for a, b in pulled if min(b, e.clip_out) - max(a, e.clip_in) > 0]
    if not near or any(a <= e.clip_in and e.clip_out <= b for a, b in near):
        return ""
    a, b = max(near, key=lambda r: min(r[1], e.clip_out) - max(r[0], e.clip_in))
    over = ([f"{a - e.clip_in} frame(s) before"] if e.clip_in < a else []) + (
        [f"{e.clip_out - b} frame(s) after"] if e.clip_out > b else [])
    return f"the cut now uses {' and '.join(over)} the pulled range (clip frames {a}–{b})"
