"""Dailies on render nodes: the per-clip renders of a dailies job sent to a Dask distributed cluster
(``pixm dailies --cluster tcp://HOST:8786``; docs/dailies.md, "Render nodes").

The cart's catalog stays the system of record: a node gets a :class:`RenditionRequest` whose paths are mapped
to its own mount points (:class:`PathMap`, cart prefix → node prefix), renders with :func:`render_on_node` and
returns what it wrote; the job maps the paths back, re-hashes and probes the files on the cart
(:func:`verify_on_cart`) and only then records them. A node never opens the catalog.

- **Progress**: a node logs ``[clip id, frames]`` events on a topic of its own for the run
  (``Worker.log_event``, sent on the worker's batched stream: no round trip per frame, nothing kept on the
  scheduler but its bounded event log), and the job's client receives them (``Client.subscribe_topic``). A
  distributed ``Queue`` would cost a scheduler round trip per put from the render thread.
- **Cancel**: a distributed ``Event`` per run that a render asks at most every :data:`CANCEL_EVERY` seconds
  (cancelling a future does not stop a running task's thread); the job waits for the renders to end, then
  cancels the futures and removes any partial file left.
- **A node that dies**: the scheduler re-runs its tasks elsewhere (``distributed.scheduler.allowed-failures``,
  default 3); ``retries`` re-runs a task that raised (a shared-storage hiccup; a PIXM error, which would only
  happen again, comes back as a value instead). Files are written under a
  ``.partial`` name and renamed when complete, so a dead node's leftovers never look finished; the retry
  writes the same partial name again.
- **Resources**: a task may need worker resources (``{"raw": 1}``: a node with a raw decoder, started with
  ``dask worker … --resources raw=1``); a task no connected node can run fails at once instead of waiting.

Errors: :class:`UsageError` (exit 2) for a bad path map or a scheduler that cannot be reached.
"""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from queue import Empty, SimpleQueue

from pixm_desktop.core.errors import PixmError, UsageError
from pixm_desktop.media.probe import probe_media
from pixm_desktop.media.renditions.render import RenditionRequest, RenditionResult, file_xxh64, render

RETRIES = 2  # re-runs of a task that raised (a dead node's tasks are re-run by the scheduler itself)
CANCEL_EVERY = 0.5  # seconds between two looks at the run's cancel event from a render
CONNECT_TIMEOUT = 20  # seconds to reach the scheduler
SETTLE = 30  # seconds a cancel waits for the running renders to see the stop and remove their partial files


class PathMap:
    """Cart prefix → node prefix pairs (``"/Volumes/RAID=/mnt/raid"``). The longest matching prefix wins; a
    prefix matches whole path components only; a path no pair matches is the same on both sides."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self.pairs = tuple((_norm(c), _norm(n)) for c, n in pairs)

    @classmethod
    def parse(cls, items: str | Iterable[str]) -> PathMap:
        """``CART=NODE`` items (a list, or one string with an item per line). Raises :class:`UsageError`."""
        if isinstance(items, str):
            items = items.splitlines()
        pairs = []
        for item in (i.strip() for i in items):
            if not item:
                continue
            cart, sep, node = item.partition("=")
            if not sep or not cart.strip() or not node.strip():
                raise UsageError(f"a path mapping is CART_PREFIX=NODE_PREFIX, not {item!r}")
            pairs.append((cart.strip(), node.strip()))
        return cls(pairs)

    def text(self) -> str:
        """The pairs as :meth:`parse` reads them (an item per line)."""
        return "\n".join(f"{c}={n}" for c, n in self.pairs)

    def to_node(self, path: Path) -> Path:
        return Path(_swap(str(path), [(c, n) for c, n in self.pairs]))

    def to_cart(self, path: Path | str) -> Path:
        return Path(_swap(str(path), [(n, c) for c, n in self.pairs]))

    def request(self, req: RenditionRequest) -> RenditionRequest:
        """``req`` with its source, output folder, LUT and synced sound take as the node sees them."""
        sound = dataclasses.replace(req.sound, path=self.to_node(req.sound.path)) if req.sound else None
        return dataclasses.replace(req, source=self.to_node(req.source), out_dir=self.to_node(req.out_dir),
                                   lut=self.to_node(req.lut) if req.lut else None, sound=sound)


def _norm(prefix: str) -> str:
    return prefix.rstrip("/\\") or prefix


def _swap(path: str, pairs: list[tuple[str, str]]) -> str:
    best = None
    for src, dst in pairs:
        if (path == src or path.startswith(src.rstrip("/\\") + "/") or path.startswith(src + "\\")) and \
                (best is None or len(src) > len(best[0])):
            best = (src, dst)
    if best is None:
        return path
    rest = path[len(best[0]):].lstrip("/\\")
    return str(PurePosixPath(best[1], rest)) if "\\" not in best[1] else best[1].rstrip("\\") + "\\" + rest


# --- on the render node ----------------------------------------------------------------------------------------

def _report(worker, topic: str, clip_id: int, frames: int) -> None:
    """A progress event (fire and forget on the worker's batched stream)."""
    worker.log_event(topic, [clip_id, frames])


class _Every:
    """``ask()`` at most every ``seconds`` (the last answer in between)."""

    def __init__(self, ask, seconds: float):
        self.ask, self.seconds, self.at, self.last = ask, seconds, 0.0, False

    def __call__(self) -> bool:
        now = time.monotonic()
        if not self.last and now - self.at >= self.seconds:
            self.at, self.last = now, bool(self.ask())
        return self.last


def render_on_node(clip_id: int, request: RenditionRequest, topic: str, stop: str) -> tuple:
    """On a Dask worker: render ``request`` (node paths), logging ``[clip_id, frames]`` on ``topic`` and
    stopping when the distributed Event ``stop`` is set. Returns ``(RenditionResult or None, PixmError or None,
    worker address, pid)``: a PIXM error (a clip without timecode, a cancel) comes back as a value, since
    running it again would give the same answer; anything else (an I/O error on the shared storage) is raised
    and the task retried."""
    from distributed import Event, get_worker

    worker = get_worker()
    cancelled = _Every(Event(stop).is_set, CANCEL_EVERY)
    try:
        result = render(request, progress=lambda n: _report(worker, topic, clip_id, n), cancelled=cancelled)
    except PixmError as exc:
        return None, exc, worker.address, os.getpid()
    return result, None, worker.address, os.getpid()


# --- on the cart -----------------------------------------------------------------------------------------------

def verify_on_cart(result: RenditionResult, paths: PathMap) -> tuple[RenditionResult, str | None]:
    """The node's result with cart paths, and ``None`` when every file is there with the xxh64 the node reported
    and the picture has the frames it reported; else the words of the first difference."""
    cart = dataclasses.replace(result, paths=tuple(paths.to_cart(p) for p in result.paths))
    for path, reported in zip(cart.paths, result.xxh64, strict=True):
        if not path.is_file():
            return cart, f"{path} is not on the cart's side of the shared storage"
        if (actual := file_xxh64(path)) != reported:
            return cart, f"{path.name}: xxh64 {actual} on the cart, the render node reported {reported}"
    frames = probe_media(cart.paths[0]).frames
    if frames != result.frames:
        return cart, f"{cart.paths[0].name}: {frames} frames on the cart, the render node wrote {result.frames}"
    return cart, None


def remove_partials(request: RenditionRequest) -> None:
    """Remove the ``.partial`` files of ``request`` (cart paths) a cancelled or dead render left."""
    for partial in request.out_dir.glob(f".{request.clip_name}*.partial"):
        partial.unlink(missing_ok=True)


class ClusterRun:
    """One dailies run on the cluster at ``address``: a client, a progress topic and a cancel event of its own.

    ``submit(clip_id, request, resources)`` → a future or the words why no node can run it; ``wait(futures,
    timeout)`` → the finished ones; ``frames`` (clip id → frames done, from the nodes' events); ``cancel()``;
    ``close()``. Use as a context manager. Raises :class:`UsageError` when the scheduler cannot be reached."""

    def __init__(self, address: str, paths: PathMap, retries: int = RETRIES):
        from distributed import Client, Event

        self.paths, self.retries = paths, retries
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"no Dask scheduler at {address}: {exc}",
                             hint="start one with `dask scheduler` (docs/dailies.md, Render nodes)") from None
        run = uuid.uuid4().hex[:12]
        self.topic, self.stop_name = f"pixm-dailies-{run}", f"pixm-dailies-stop-{run}"
        self.stop = Event(self.stop_name, client=self.client)
        self.frames: dict[int, int] = {}
        self._ended: SimpleQueue = SimpleQueue()  # futures that ended (put by their done callbacks)
        self._seen: set = set()
        self.client.subscribe_topic(self.topic, self._event)

    def _event(self, event) -> None:  # on the client's event loop thread: one dict store
        clip_id, frames = event[1]
        self.frames[clip_id] = max(frames, self.frames.get(clip_id, 0))

    def offered(self) -> dict[str, float]:
        """The most of each resource one connected worker offers."""
        best: dict[str, float] = {}
        for w in self.client.scheduler_info(n_workers=-1)["workers"].values():
            for name, amount in (w.get("resources") or {}).items():
                best[name] = max(amount, best.get(name, 0))
        return best

    def submit(self, clip_id: int, request: RenditionRequest, resources: dict[str, float], offered: dict):
        short = [f"{k}={v:g}" for k, v in resources.items() if offered.get(k, 0) < v]
        if short:
            return (f"no render node offers {', '.join(short)} (start one with `dask worker ADDRESS --resources "
                    f"{','.join(short)}`)")
        future = self.client.submit(render_on_node, clip_id, self.paths.request(request), self.topic,
                                    self.stop_name, resources=resources or None, retries=self.retries,
                                    pure=False, key=f"pixm-dailies-{clip_id}-{uuid.uuid4().hex[:8]}")
        future.add_done_callback(self._ended.put)
        return future

    def wait(self, futures: set, timeout: float) -> set:
        """The futures of ``futures`` that ended, after waiting up to ``timeout`` s for a first one (done
        callbacks: ``distributed.wait`` would need a default client, which a job does not set)."""
        ended = set()
        try:
            ended.add(self._ended.get(timeout=timeout))
            while True:
                ended.add(self._ended.get_nowait())
        except Empty:
            pass
        self._seen |= ended
        return {f for f in futures if f in self._seen}

    def cancel(self, futures: set, requests: list[RenditionRequest]) -> None:
        """Stop the run: the renders see the stop event and end, removing their partial files (waited for up
        to :data:`SETTLE` s), then the futures are cancelled and the partial files a dead or stuck node left
        are removed on the cart's side (``requests``, cart paths)."""
        self.stop.set()
        deadline = time.monotonic() + SETTLE
        while not futures <= self._seen and time.monotonic() < deadline:
            self.wait(futures, 0.1)
        if futures:
            self.client.cancel(list(futures), force=True)
        for request in requests:
            remove_partials(request)

    def close(self) -> None:
        try:
            self.client.unsubscribe_topic(self.topic)
        except ValueError:
            pass
        self.client.close()

    def __enter__(self) -> ClusterRun:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
