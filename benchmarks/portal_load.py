"""Benchmark: the review portal under a room of viewers (issue 18) on loopback.

1. A shoot: a generated ARRI card (``--clips`` clips of ``--seconds`` s at 25 fps) offloaded, ingested
   (thumbnails) and rendered to H.264 review proxies with the timecode burnt in (the test shoot of
   ``tests/support/browser.py``, longer clips).
2. ``pixm portal serve`` in its own process on 127.0.0.1 (as on a cart: the load generator does not share the
   server's interpreter), and one invite per viewer.
3. ``--viewers`` viewers (25: the size of a Moxion room) at once for ``--seconds-load`` s, each an
   ``httpx.AsyncClient`` with its own session: open the link, then loop — the days page, the day's grid, a
   random clip's page, one thumbnail, then "seeking": ``--seeks`` range reads of 1 MiB at random offsets of
   the clip's proxy (what a browser asks for after a seek), and one comment in ten loops.

Prints, per kind of request (page, range, thumbnail, write), the count, p50/p95/max in ms, and the errors
(any status but the expected); JSON with ``--json FILE``.

Usage::

    python benchmarks/portal_load.py --work /tmp/portal-load [--viewers 25] [--seconds-load 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # support.browser: the shoot the browser tests use

CHUNK = 1 << 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(work: Path, clips: int, seconds: float) -> Path:
    from support import browser

    return browser.review_shoot(work, clips, seconds)


def invites(db: Path, url: str, n: int) -> list[str]:
    from pixm_desktop.services.review import access
    from pixm_desktop.services.settings import open_catalog

    catalog = open_catalog(db)
    try:
        return [access.invite(catalog, f"Viewer {i:02d}", "director" if i % 5 == 0 else "producer").link(url)
                for i in range(n)]
    finally:
        catalog.close()


async def viewer(link: str, base: str, day: str, until: float, seeks: int, times: dict, errors: list,
                 rng: random.Random) -> None:
    import httpx

    async def timed(kind: str, coro, ok=(200,)):
        t = time.perf_counter()
        try:
            r = await coro
        except httpx.HTTPError as exc:
            errors.append(f"{kind}: {type(exc).__name__}")
            return None
        times[kind].append((time.perf_counter() - t) * 1000)
        if r.status_code not in ok:
            errors.append(f"{kind}: HTTP {r.status_code}")
        return r

    async with httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=60) as c:
        await timed("page", c.get(link))
        loops = 0
        while time.monotonic() < until:
            loops += 1
            await timed("page", c.get("/"))
            grid = await timed("page", c.get(f"/day/{day}"))
            ids = re.findall(r'href="/clip/(\d+)"', grid.text) if grid is not None else []
            if not ids:
                continue
            clip = rng.choice(ids)
            page = await timed("page", c.get(f"/clip/{clip}"))
            if page is None:
                continue
            thumbs = re.findall(r'(/media/\d+/thumb/\d+\?k=\w+)', page.text)
            if thumbs:
                await timed("thumbnail", c.get(thumbs[0].replace("&amp;", "&")))
            proxy = re.search(r'src="(/media/\d+/proxy\?k=\w+)"', page.text)
            csrf = re.search(r'name="csrf" content="(\w+)"', page.text).group(1)
            if proxy:
                head = await timed("range", c.get(proxy.group(1), headers={"Range": "bytes=0-1023"}), ok=(206,))
                size = int(head.headers["content-range"].rsplit("/", 1)[1]) if head is not None else 0
                for _ in range(seeks):
                    start = rng.randrange(0, max(1, size - 1024))
                    await timed("range", c.get(proxy.group(1), headers={
                        "Range": f"bytes={start}-{min(size - 1, start + CHUNK - 1)}"}), ok=(206,))
            if loops % 10 == 0:
                await timed("write", c.post(f"/api/clip/{clip}/comment", json={"text": f"note {loops}", "frame_in": 0},
                                            headers={"X-CSRF-Token": csrf}))


def figures(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    v = sorted(values)
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    return {"count": len(v), "p50_ms": round(statistics.median(v), 1), "p95_ms": round(p95, 1),
            "max_ms": round(v[-1], 1)}


async def load(links: list[str], base: str, day: str, seconds: float, seeks: int) -> tuple[dict, list]:
    times: dict[str, list[float]] = {"page": [], "range": [], "thumbnail": [], "write": []}
    errors: list[str] = []
    until = time.monotonic() + seconds
    await asyncio.gather(*(viewer(link, base, day, until, seeks, times, errors, random.Random(i))
                           for i, link in enumerate(links)))
    return times, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--viewers", type=int, default=25)
    ap.add_argument("--seconds-load", type=float, default=60)
    ap.add_argument("--seeks", type=int, default=4)
    ap.add_argument("--clips", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    t = time.monotonic()
    db = build(args.work, args.clips, args.seconds)
    print(f"shoot built in {time.monotonic() - t:.0f} s", file=sys.stderr)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "pixm_desktop.cli", "portal", "serve", "--host", "127.0.0.1",
                               "--port", str(port), "--catalog", str(db)], env=env)
    try:
        links = invites(db, base, args.viewers)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        from support.browser import DAY
        times, errors = asyncio.run(load(links, base, DAY.isoformat(), args.seconds_load, args.seeks))
    finally:
        server.terminate()
        server.wait(30)
    proxies = sorted((args.work / "dailies").rglob("*.mp4"))
    result = {"viewers": args.viewers, "seconds": args.seconds_load, "seeks_per_clip_view": args.seeks,
              "proxy_bytes": [p.stat().st_size for p in proxies], "cpus": os.cpu_count(),
              **{k: figures(v) for k, v in times.items()}, "errors": len(errors), "error_kinds": sorted(set(errors))}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
