"""Benchmark: resolving a 2,000-event cut against a 100,000-clip catalog (issue 15).

1. A catalog of ``--clips`` synthetic clips (``clips_catalog.build_catalog``: 500 cards of 200 clips, ARRI-style
   names and 8-character tape names shared by every clip of a card), made non-overlapping per card (starts
   700 frames apart from 10:00:00:00, 100–599 frames long) so that reel + timecode has one answer.
2. A CMX 3600 EDL of ``--events`` events on random clips: half carry ``* SOURCE FILE:`` (found by name), half
   only the 8-character tape name (found by reel + source-timecode containment among the card's clips);
   every tenth event has a ``FROM CLIP NAME`` of another clip, which must not be used.
3. Timed (median of ``--repeat``): reading the EDL (pycmx + checks), the catalog look-up of the candidates and
   the matching, and the whole ``services.cuts.import_cut`` (read, resolve, store in one transaction).

Usage::

    python benchmarks/cut_resolve.py --work /tmp/cut-bench [--clips 100000] [--events 2000] [--repeat 3]

Prints the figures as JSON (``--json FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # clips_catalog.build_catalog

from clips_catalog import build_catalog  # noqa: E402
from sqlalchemy import text  # noqa: E402

from pixm_desktop.core.timecode import frames_to_tc  # noqa: E402
from pixm_desktop.post.edl import read_edl  # noqa: E402
from pixm_desktop.services import cuts  # noqa: E402
from pixm_desktop.services.settings import open_catalog  # noqa: E402

F24 = Fraction(24000, 1001)


def write_edl(path: Path, clips: list[tuple], n: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    lines = ["TITLE: BENCH", "FCM: NON-DROP FRAME", ""]
    rec = 3600 * 24
    for i in range(1, n + 1):
        name, tape, start, frames = rng.choice(clips)
        first = start + rng.randrange(0, frames - 20)
        length = rng.randrange(5, 20)
        tc = lambda f: frames_to_tc(f, F24)  # noqa: E731
        lines.append(f"{i:04d}  {tape:8} V     C        {tc(first)} {tc(first + length)} {tc(rec)} {tc(rec + length)}")
        if i % 10 == 0:
            lines.append(f"* FROM CLIP NAME:  {rng.choice(clips)[0]}")
        if i % 2 == 0:
            lines.append(f"* SOURCE FILE: {name}.mov")
        rec += length
    path.write_text("\n".join(lines) + "\n")


def median_s(fn, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--clips", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--reuse", action="store_true", help="keep the catalog a previous run built in --work")
    args = ap.parse_args()
    db = args.work / "catalog.sqlite"
    if not (args.reuse and db.exists()):
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        build_s, _ = build_catalog(db, args.clips)
    else:
        build_s = 0.0
    catalog = open_catalog(db)
    with catalog.session() as s:
        s.execute(text("DELETE FROM cut_events"))
        s.execute(text("DELETE FROM cuts"))
        # 200 clips a card, 700 frames apart, shorter than that: one clip per tape name and timecode, all
        # within one day of labels
        s.execute(text("UPDATE clips SET frames = 100 + id % 500, start_frame = 864000 + ((id - 1) % 200) * 700"))
        s.commit()
        clips = [tuple(r) for r in s.execute(text("SELECT name, tape_name, start_frame, frames FROM clips "
                                                  "WHERE kind = 'video'"))]
    edl = args.work / "bench.edl"
    write_edl(edl, clips, args.events)
    read_s, doc = median_s(lambda: read_edl(edl), args.repeat)

    def resolve():
        with catalog.session() as s:
            return [m.status for m in cuts.resolve_events(s, doc.events, doc.fps)]

    resolve_s, statuses = median_s(resolve, args.repeat)
    import_s, view = median_s(lambda: cuts.import_cut(catalog, [edl], "BENCH"), args.repeat)
    catalog.close()
    counts = {k: statuses.count(k) for k in sorted(set(statuses))}
    figures = {"clips": args.clips, "events": len(doc.events), "catalog_build_s": round(build_s, 2),
               "read_edl_s": round(read_s, 3), "lookup_and_match_s": round(resolve_s, 3),
               "import_cut_total_s": round(import_s, 3), "statuses": counts,
               "stored_counts": view.counts}
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
