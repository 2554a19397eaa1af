"""The dailies job kind: renditions (proxies) of the video clips of a day, of a card or named, in one preset,
with the look (ASC CDL then a ``.cube`` LUT or an OpenColorIO pipeline whose input is each clip's camera colour
space, through OpenColorIO) and burn-ins (:mod:`media.renditions`).

Options: :class:`DailiesJobOptions`. Clips render side by side in a process pool (``workers``, default the
machine's cores; resources ``cpu``), in the supervisor's job child too; or, with ``cluster``, on the render nodes
of a Dask cluster (:mod:`services.dailies_cluster`: path mapping, worker resources, a node's output re-hashed and
probed on the cart before it is recorded). Progress is :class:`DailiesProgress` (frames/s, ETA). Cancel stops
every render (their partial files are removed; finished renditions stay recorded with the job's id). Resume: a
clip whose ``renditions`` row has the same inputs key (clip content hash + preset + look/CDL file hashes + burn-in texts)
and whose files all exist is skipped, so a run killed mid-day redoes only the clips it had not finished.
Per clip: the sound take that overlaps it by timecode replaces the camera audio (:mod:`media.renditions.audio`);
a camera-raw clip goes through its format's decoder hook (:mod:`media.renditions.raw`; without one it fails
with "needs <tool>").
Pool workers end by themselves when the job's process dies (SIGKILL included).
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from dataclasses import replace as dc_replace
from fractions import Fraction
from pathlib import Path

import xxhash
from sqlalchemy.orm import object_session

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.model import CancelToken, JobStatus
from pixm_desktop.core.states import ClipKind, DailiesJobOptions, JobKind, LoggedFrom, SlateSource
from pixm_desktop.media import sound_sync
from pixm_desktop.media.renditions import burnin, colour, presets, raw
from pixm_desktop.media.renditions.audio import SyncedSound
from pixm_desktop.media.renditions.render import RenditionRequest, file_xxh64, render
from pixm_desktop.services import dailies_cluster
from pixm_desktop.services.jobs.contract import JobKindBase, Prepared, stopped
from pixm_desktop.services.jobs.ingest import CPU
from pixm_desktop.store import clips_repo, renditions_repo
from pixm_desktop.store.db import Catalog

_CTX = mp.get_context("spawn")
STOP = ("dailies cancelled; the finished renditions are kept", "run `pixm dailies` again: it resumes")
POLL = 0.25  # seconds between progress values


@dataclass
class DailiesProgress:
    """Where a dailies run is: clips (total, done, skipped as already current, failed), frames (total of the
    clips to render, done), frames per second since the start and the ETA in seconds (``None``: unknown);
    per clip id, the frames rendered so far (``clip_frames``) and how it ended (``clip_ends``: ``"done"``,
    ``"current"`` or ``"failed: why"``) — the window's render queue."""

    clips_total: int = 0
    clips_done: int = 0
    clips_skipped: int = 0
    clips_failed: int = 0
    frames_total: int = 0
    frames_done: int = 0
    fps: float = 0.0
    eta_s: float | None = None
    clip_frames: dict[int, int] = field(default_factory=dict)
    clip_ends: dict[int, str] = field(default_factory=dict)


@dataclass
class DailiesResult:
    """Clip names rendered, skipped (current already) and failed (``{name: why}``), the preset and folder, and
    where each rendered clip was rendered."""

    preset: str
    folder: str
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    nodes: dict[str, str] = field(default_factory=dict)  # rendered clip → "local" or the Dask worker's address


@dataclass(frozen=True)
class _Task:
    clip_id: int
    name: str
    frames: int
    key: str
    request: RenditionRequest


def _file_hash(path: str) -> str:
    return file_xxh64(Path(path)) if path else ""


def _content_hash(clip) -> str:
    """The clip's content: the source hashes of its media files (any one format, as offloaded), else sizes
    and mtimes."""
    parts = []
    for f in renditions_repo.media_files(clip):
        hashes = f.hashes()
        parts.append(next(iter(sorted(hashes.items()))) if hashes else (f.relpath, f.size, f.mtime_ns))
    return json.dumps(parts, default=str)


def inputs_key(clip, preset: presets.Preset, look_hashes: tuple[str, str], fields: tuple[str, ...],
               text: burnin.ClipText, extra: tuple = ()) -> str:
    """128-bit hex key of everything a rendition depends on (see the module docstring); ``extra``: the synced
    take's content and the raw decoder's command, when there are."""
    data = [_content_hash(clip), preset.data, look_hashes, fields, asdict(text) if fields else None]
    if extra:  # clips without either keep the key they had
        data.append(list(extra))
    return xxhash.xxh3_128_hexdigest(json.dumps(data, sort_keys=True, default=str).encode())


def _clip_text(clip, watermark: str) -> burnin.ClipText:
    st = "/".join(x for x in (clip.scene, clip.take) if x)
    return burnin.ClipText(clip=clip.name, reel=clip.tape_name or clip.reel or "", scene_take=st,
                           circled=bool(clip.circled), watermark=watermark)


def _readable(clip) -> Path:
    """The clip's media file on a fully verified destination that is mounted, else on the card if it is still
    there, else the file its probe read (``Path("")`` when none). Span segments are not joined yet: the first
    media file is rendered."""
    media = renditions_repo.media_files(clip)
    session = object_session(clip)
    if media and session is not None:
        rel = media[0].relpath_raw
        roots = [d.path_raw for d in clips_repo.fully_verified_destinations(session, clip.card_id)]
        roots += [os.fsencode(clip.card.source_path)] if clip.card.source_path else []
        for root in roots:
            path = os.path.join(root, rel)
            if os.path.isfile(path):
                return Path(os.fsdecode(path))
    probed = (clip.probe_source or "").partition(":")[2]
    return Path(probed) if probed and Path(probed).is_file() else Path("")


@dataclass
class _ClipInputs:
    """What prepare reads once for every clip: the raw decoder hooks and, by shoot day id, the day's sound
    takes ``(clip, media file name)`` with their spans."""

    decoders: dict[str, raw.Decoder]
    takes: dict[int, tuple[list, list]] = field(default_factory=dict)


def _synced_sound(clip, inputs: _ClipInputs):
    """``(the sound take clip, its readable path)`` to put under ``clip``: the take the slate was pre-filled
    from (``logged_from = "sound:<file>"``), else the take of its shoot day overlapping it most by timecode
    (:func:`media.sound_sync.best_takes`, slated or not); ``None`` when no take meets it or none is
    readable (the camera audio stays)."""
    session, day = object_session(clip), clip.card.shoot_day_id
    if session is None or day is None or None in (clip.start_frame, clip.frames, clip.fps_num, clip.fps_den):
        return None
    if day not in inputs.takes:
        found = [(c, name) for c, name in clips_repo.day_clips(session, day) if c.kind == ClipKind.AUDIO]
        spans = [sound_sync.SoundTake(sound_sync.clip_span(c.start_frame, c.frames, c.fps_num, c.fps_den),
                                      c.scene, c.take, str(i)) for i, (c, _n) in enumerate(found)]
        inputs.takes[day] = (found, spans)
    takes, spans = inputs.takes[day]
    logged = LoggedFrom.parse(clip.logged_from)
    take = None
    if logged is not None and logged.source is SlateSource.SOUND:
        take = next((c for c, name in takes if name == logged.file), None)
    if take is None:
        span = sound_sync.clip_span(clip.start_frame, clip.frames, clip.fps_num, clip.fps_den)
        best = sound_sync.best_takes([(clip.id, span)], spans, slated_only=False).get(clip.id)
        take = takes[int(best.file)][0] if best is not None else None
    path = _readable(take) if take is not None else Path("")
    return (take, path) if path.name else None


def _raw_decode(clip, source: Path, preset: presets.Preset, inputs: _ClipInputs) -> raw.RawDecode | None:
    """The decoder hook of a camera-raw clip (by its media's extension, else the probe's codec), ``None`` for
    media FFmpeg reads. A format without a configured command still gets one (it fails: "needs <tool>")."""
    media = renditions_repo.media_files(clip)
    name = Path(source.name or (media[0].relpath if media else ""))
    fmt = raw.raw_format(name, clip.codec, clip.codec_profile)
    if fmt is None and clip.kind != ClipKind.RAW:
        return None
    fmt = fmt or name.suffix.lower().lstrip(".") or "raw"
    decoder = inputs.decoders.get(fmt) or raw.Decoder(fmt, f"a {fmt} decoder")
    fps = Fraction(clip.fps_num, clip.fps_den) if clip.fps_num and clip.fps_den else None
    return raw.RawDecode(decoder, 0, clip.frames or 0, preset.video["width"], preset.video["height"], fps)


def burn_in_layout(options: DailiesJobOptions) -> dict:
    """``options.burn_in_layout`` (JSON: ``positions`` by field, ``size``) as a dict. Raises
    :class:`UsageError` for text that is not a JSON object."""
    try:
        layout = json.loads(options.burn_in_layout) if options.burn_in_layout else {}
    except ValueError:
        layout = None
    if not isinstance(layout, dict):
        raise UsageError(f"the burn-in layout is not a JSON object: {options.burn_in_layout!r}")
    return layout


def uses_ocio(options: DailiesJobOptions) -> bool:
    """Whether the look is an OpenColorIO pipeline (any of look, config, colour space given)."""
    return bool(options.look or options.ocio_config or options.colour_space)


def clip_pipelines(clips, options: DailiesJobOptions, preset: presets.Preset) -> dict[int, colour.OcioLook]:
    """``{clip id: pipeline}`` when the options ask for an OpenColorIO look (else ``{}``): each clip's input
    space is ``options.colour_space``, else the preset's, else its camera's usual one (the make the clip's
    metadata names, else the card's camera family). Raises
    :class:`UsageError` naming the choices (unknown config, look or colour space; a clip whose space is not
    known)."""
    if not uses_ocio(options):
        return {}
    ref = options.ocio_config or colour.DEFAULT_CONFIG
    config = colour.load_config(ref)
    if options.look:
        colour.ocio_look(ref, colour.colour_spaces(config)[0], options.look)  # the look's error first
    by_space: dict[str, colour.OcioLook] = {}
    found, unknown = {}, []
    for clip in clips:
        space = (options.colour_space or preset.colour_space
                 or colour.camera_space(config, clip.camera_make or clip.card.camera, clip.camera_model))
        if space is None:
            unknown.append(clip.name)
            continue
        if space not in by_space:
            by_space[space] = colour.ocio_look(ref, space, options.look)
        found[clip.id] = by_space[space]
    if unknown:
        raise UsageError(f"the camera colour space of {', '.join(unknown)} is not known: say it (--colour-space)",
                         hint=f"colour spaces of {ref}: {', '.join(colour.colour_spaces(config))}")
    return found


def clip_request(clip, preset: presets.Preset, options: DailiesJobOptions, fields: tuple[str, ...], out: Path,
                 pipeline: colour.OcioLook | None = None) -> RenditionRequest:
    """The rendition of ``clip`` (a catalog row) the options ask for. Raises :class:`UsageError` (CDL)."""
    cdl = colour.cdl_for(Path(options.cdl), clip.name) if options.cdl else None
    return RenditionRequest(_readable(clip), clip.name, preset, out, start_tc=clip.start_tc,
                            reel=clip.tape_name or clip.reel, cdl=cdl,
                            lut=Path(options.lut) if options.lut else None, burn_in=fields,
                            text=_clip_text(clip, options.watermark), ocio=pipeline)


def clip_scope(options: DailiesJobOptions) -> dict:
    """The scope of ``options`` as :func:`store.renditions_repo.clips_for` takes it. Raises :class:`UsageError`
    (a bad day, no scope)."""
    names = tuple(n.strip() for n in options.clips.split(",") if n.strip())
    if options.day:
        try:
            return {"day": dt.date.fromisoformat(options.day)}
        except ValueError:
            raise UsageError(f"dailies needs a day as YYYY-MM-DD, not {options.day!r}") from None
    if options.card:
        return {"card_label": options.card}
    if names:
        return {"names": names}
    raise UsageError("dailies needs a day, a card or clip names")


def _done(catalog: Catalog, task: _Task) -> bool:
    """The clip's rendition in this preset is current: same inputs key, every file there, in this folder."""
    with catalog.session() as s:
        row = renditions_repo.find(s, task.clip_id, task.request.preset.name)
        if row is None or row.inputs_key != task.key:
            return False
        paths = [Path(p) for p in json.loads(row.paths)]
        return all(p.is_file() and p.parent == task.request.out_dir for p in paths)


# --- the pool's worker processes ---------------------------------------------------------------------------

_queue = None
_stop = None


def _worker_init(queue, stop, parent: int) -> None:
    global _queue, _stop
    _queue, _stop = queue, stop

    def orphaned() -> None:  # the job's process was killed: a worker never outlives it
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=orphaned, daemon=True).start()


def _render_task(task: _Task):
    result = render(task.request, progress=lambda n: _queue.put((task.clip_id, n)), cancelled=_stop.is_set)
    return task.clip_id, result


def resources_for(request: RenditionRequest) -> dict[str, float]:
    """The Dask worker resources a clip's render needs on a cluster: ``{"raw": 1}`` (a node with the vendor's
    raw decoder, started with ``--resources raw=1``) for a camera-raw clip, else none. The local pool ignores
    them."""
    return {"raw": 1} if request.raw is not None else {}


class DailiesKind(JobKindBase):
    """Dailies renditions (see the module docstring)."""

    kind = JobKind.DAILIES

    def prepare(self, catalog: Catalog, options: DailiesJobOptions) -> Prepared:
        """The clips, the preset, the look and the output folder. Raises :class:`UsageError` (no scope, no such
        clips, unknown preset or burn-in field, unreadable CDL, missing LUT, no output folder, a bad path
        map, a LUT together with an OpenColorIO look)."""
        scope = clip_scope(options)
        preset = presets.with_burn_in(presets.get_preset(options.preset), burn_in_layout(options))
        fields = burnin.parse_fields(options.burn_in)
        if not options.folder:
            raise UsageError("dailies needs an output folder (--to)")
        if options.lut and not Path(options.lut).is_file():
            raise UsageError(f"no LUT file {options.lut}")
        if options.cdl:
            colour.read_cdl(Path(options.cdl))  # fails now, not in every worker
        if uses_ocio(options) and options.lut:
            raise UsageError("a .cube LUT (--lut) and an OpenColorIO look (--look, --ocio-config, --colour-space) "
                             "are alternatives: give one")
        _path_map(options)
        look_hashes = (_file_hash(options.cdl), _file_hash(options.lut))
        inputs = _ClipInputs(raw.load_decoders(Path(options.decoders) if options.decoders else None))
        out = Path(options.folder) / preset.name
        with catalog.session() as s:
            clips = renditions_repo.clips_for(s, **scope)
            if not clips:
                raise UsageError(f"no video clip in the catalog for {scope}", hint="`pixm clips list` lists them")
            pipelines = clip_pipelines(clips, options, preset)
            tasks = [self._task(c, preset, options, fields, look_hashes, out, inputs, pipelines.get(c.id))
                     for c in clips]
        label = f"{len(tasks)} clip(s) → {preset.name}"
        where = f" on the cluster {options.cluster}" if options.cluster else ""
        return Prepared(catalog, options, label=label, detail=(preset, tasks), notes=[f"into {out}{where}"])

    @staticmethod
    def _task(clip, preset, options, fields, look_hashes, out: Path, inputs: _ClipInputs, pipeline=None) -> _Task:
        text = _clip_text(clip, options.watermark)
        request = clip_request(clip, preset, options, fields, out, pipeline)
        sound, decode = _synced_sound(clip, inputs), _raw_decode(clip, request.source, preset, inputs)
        extra = ((_content_hash(sound[0]),) if sound else ()) + ((decode.decoder.command,) if decode else ())
        request = dc_replace(request, sound=SyncedSound(sound[1]) if sound else None, raw=decode)
        if pipeline is not None:  # a .cube run keeps its old key
            look_hashes = (*look_hashes, pipeline.identity)
        return _Task(clip.id, clip.name, clip.frames or 0,
                     inputs_key(clip, preset, look_hashes, fields, text, extra), request)

    def resources(self, prepared: Prepared) -> frozenset[str]:
        return frozenset({CPU})

    def run(self, prepared: Prepared, cancel: CancelToken):
        preset, tasks = prepared.detail
        catalog, options = prepared.catalog, prepared.options
        result = DailiesResult(preset.name, str(Path(options.folder) / preset.name))
        todo = []
        for t in tasks:
            if _done(catalog, t):
                result.skipped.append(t.name)
            elif not t.request.source.name:
                result.failed[t.name] = "no readable copy of the clip: mount a verified destination or the card"
            else:
                todo.append(t)
        progress = DailiesProgress(clips_total=len(tasks), clips_skipped=len(result.skipped),
                                   clips_failed=len(result.failed), frames_total=sum(t.frames for t in todo))
        for t in tasks:
            if t.name in result.skipped or t.name in result.failed:
                _end(progress, t, "current" if t.name in result.skipped else f"failed: {result.failed[t.name]}")
        yield progress
        if not todo:
            return result
        run = _Run(catalog, prepared.job_id, progress, result)
        if options.cluster:
            yield from self._cluster(run, todo, options.cluster, _path_map(options), cancel)
        else:
            workers = options.workers or os.cpu_count() or 1
            yield from self._pool(run, todo, min(workers, len(todo)), cancel)
        return result

    def _pool(self, run: _Run, todo: list[_Task], workers: int, cancel):
        """The clips on this machine, in a process pool."""
        with _executor(workers) as (pool, queue, stop):
            try:
                of = {pool.submit(_render_task, t): t for t in todo}
                pending = set(of)
                while pending:
                    done, pending = wait(pending, timeout=POLL, return_when=FIRST_COMPLETED)
                    while not queue.empty():
                        clip_id, n = queue.get_nowait()
                        run.frames[clip_id] = n
                    for future in done:
                        self._finished(run, future, of[future])
                    yield run.figures()
                    stopped(cancel, *STOP)
            except BaseException:
                stop.set()
                raise

    def _cluster(self, run: _Run, todo: list[_Task], address: str, paths, cancel):
        """The clips on the Dask cluster at ``address`` (:mod:`services.dailies_cluster`)."""
        with dailies_cluster.ClusterRun(address, paths) as cluster:
            offered, of = cluster.offered(), {}
            for t in todo:
                future = cluster.submit(t.clip_id, t.request, resources_for(t.request), offered)
                if isinstance(future, str):
                    run.failed(t, future)
                else:
                    of[future] = t
            pending = set(of)
            try:
                while pending:
                    done = cluster.wait(pending, POLL)
                    pending -= done
                    run.frames.update(cluster.frames)
                    for future in done:
                        self._from_node(run, future, of[future], paths)
                    yield run.figures()
                    stopped(cancel, *STOP)
            except BaseException:
                cluster.cancel(pending, [of[f].request for f in pending])
                raise

    @staticmethod
    def _from_node(run: _Run, future, task: _Task, paths) -> None:
        """A node's render verified on the cart (re-hashed, frames probed), then recorded."""
        try:
            rendition, error, node, _pid = future.result()
            if error is not None:
                raise error
            rendition, wrong = dailies_cluster.verify_on_cart(rendition, paths)
        except Exception as exc:  # one clip's failure never stops the day (a node lost too often included)
            run.failed(task, str(exc) or type(exc).__name__)
            return
        if wrong:
            run.failed(task, f"the render node's output did not verify: {wrong}")
            return
        run.record(task, rendition, node)

    @staticmethod
    def _finished(run: _Run, future, task: _Task) -> None:
        try:
            _clip_id, rendition = future.result()
        except CancelledError:
            return
        except Exception as exc:  # one clip's failure never stops the day
            run.failed(task, str(exc))
            return
        run.record(task, rendition, "local")

    def status_of(self, result: DailiesResult) -> tuple[JobStatus, str | None]:
        if result.failed:
            return JobStatus.FAILED, "; ".join(f"{n}: {why}" for n, why in result.failed.items())
        return JobStatus.COMPLETED, None

    def summary(self, result: DailiesResult) -> str:
        return (f"dailies {result.preset}: {len(result.rendered)} rendered, {len(result.skipped)} current already,"
                f" {len(result.failed)} failed → {result.folder}")


@contextmanager
def _executor(workers: int):
    """``(pool, progress queue, stop event)``: a process pool whose workers end with the job's process. In the
    supervisor's job child (a daemonic process, which multiprocessing forbids to start children) the flag is
    lifted while the pool lives: it only guards against orphans, and these workers watch their parent
    (:func:`_worker_init`) and exit when it dies, SIGKILL included."""
    me = mp.current_process()
    daemonic = me.daemon
    if daemonic:
        me.daemon = False
    queue, stop = _CTX.Queue(), _CTX.Event()
    pool = ProcessPoolExecutor(workers, mp_context=_CTX, initializer=_worker_init,
                               initargs=(queue, stop, os.getpid()))
    try:
        yield pool, queue, stop
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if daemonic:
            me.daemon = True


def _end(progress: DailiesProgress, task: _Task, how: str) -> None:
    """How a clip ended, for the window's render queue (done, current already, failed: why)."""
    progress.clip_ends[task.clip_id] = how


def _path_map(options: DailiesJobOptions) -> dailies_cluster.PathMap:
    """The run's cart → node path mapping (raises :class:`UsageError` for a bad pair)."""
    return dailies_cluster.PathMap.parse(options.path_map)


class _Run:
    """The job's side of a run, whatever renders: frames per clip, the progress and result, the records."""

    def __init__(self, catalog: Catalog, job_id: int | None, progress: DailiesProgress, result: DailiesResult):
        self.catalog, self.job_id, self.progress, self.result = catalog, job_id, progress, result
        self.frames: dict[int, int] = {}
        self.started = time.monotonic()

    def failed(self, task: _Task, why: str) -> None:
        self.result.failed[task.name] = why
        self.progress.clips_failed += 1
        _end(self.progress, task, f"failed: {why}")

    def record(self, task: _Task, rendition, node: str) -> None:
        self.frames[task.clip_id] = rendition.frames
        with self.catalog.session() as s:
            renditions_repo.record(s, clip_id=task.clip_id, preset=task.request.preset.name,
                                   paths=[str(p) for p in rendition.paths], xxh64=list(rendition.xxh64),
                                   frames=rendition.frames, inputs_key=task.key, job_id=self.job_id)
            s.commit()
        self.result.rendered.append(task.name)
        self.result.nodes[task.name] = node
        self.progress.clips_done += 1
        _end(self.progress, task, "done")

    def figures(self) -> DailiesProgress:
        p = self.progress
        p.clip_frames = dict(self.frames)  # per clip, for the window's render queue
        p.frames_done = sum(self.frames.values())
        elapsed = time.monotonic() - self.started
        p.fps = p.frames_done / elapsed if elapsed > 0 else 0.0
        left = p.frames_total - p.frames_done
        p.eta_s = left / p.fps if p.fps > 0 else None
        return p


def preset_table() -> list[tuple[str, str, str]]:
    """``(name, container, description)`` of every preset, shipped and the user's (for ``pixm dailies
    presets``). Raises :class:`UsageError` for an invalid preset file."""
    return [(p.name, p.container, p.description) for p in presets.all_presets().values()]


def user_presets_folder() -> Path:
    """Where a user's own presets go (:func:`media.renditions.presets.user_presets_folder`)."""
    return presets.user_presets_folder()
