"""Sample camera cards: realistic card trees with real encoded clips, for tests, demos and benchmarks.

Each generator writes the folder a DIT would offload (docs/cards.md), with the camera's own folder layout,
clip naming and sidecars. Clips FFmpeg can encode are real media written in-process with PyAV: start
timecode, frame rate, frame count and reel name read back exactly as the returned ``SampleClip`` says.
Formats nobody can encode (RED ``.R3D``, Blackmagic ``.braw``) are opaque deterministic bytes behind a
short text header; they are not valid files of that format.

| camera | card root folder          | clips                                                        | codec (stand-in)        |
|--------|---------------------------|--------------------------------------------------------------|-------------------------|
| arri   | ``A001R1AB`` (reel folder) | ``A001C001_261123_R1AB.mov`` + reel ``.ale`` and FCP ``.xml`` | ProRes 422 HQ in MOV    |
| red    | ``A001_1123AB.RDM``        | ``A001_C001_1123K7.RDC/A001_C001_1123K7_001.R3D`` spans       | opaque                  |
| sony   | ``A001_SONY``              | ``XDROOT/Clip/A001C001_261123R8.MXF`` + ``M01.XML``, ``Sub/…S03.MXF``, ``Thmbnl/…T01.JPG``, ``MEDIAPRO.XML`` | ProRes in MXF (XAVC), H.264 proxy |
| canon  | ``A001_CANON``             | ``CONTENTS/CLIPS001/A_0001C001_261123_100012AB_CANON.MXF`` + ``.XML`` | H.264 4:2:2 10-bit intra in MXF (XF-AVC) |
| braw   | ``A001_BRAW``              | ``A001_11231000_C001.braw`` + ``.sidecar`` (JSON)             | opaque                  |
| gopro  | ``A001_GOPRO``             | ``DCIM/100GOPRO/GX010001.MP4`` + ``GL010001.LRV`` + ``GX010001.THM`` | H.264 in MP4     |
| sound  | ``A001_261123``            | ``12A_01.WAV`` poly BWF with ``bext`` + ``iXML``               | 24-bit PCM tones        |

Sidecars name the real camera's codec (Sony ``AVC_422_INTRA_CLASS300``, Canon XF-AVC); the essence is the
stand-in in the table, so trust the media, not the sidecar, for the codec.

Sony, Canon, Blackmagic and GoPro cards mount as volumes with a generic label, so the root takes the reel
label the DIT gives the card (``<reel>_<MAKER>``); a sound card is the recorder's day folder, prefixed with
the sound roll.

Timecode is always non-drop, counted at the nominal rate (24 for 24000/1001). Where it is stored:
MOV/MP4 ``timecode`` tag → ``tmcd`` track, ``reel_name`` on that track; MXF ``timecode`` and
``material_package_name`` on the material package, ``reel_name`` as a tape source package (read back on the
video stream); Sony ``M01.XML`` ``LtcChangeTable`` in byte-coded form; BWF ``bext`` TimeReference (samples
since midnight) and iXML. ``SampleClip.tape_name`` is the 8-character EDL reel: ARRI's tape name (reel +
card id, ``A001R1AB``, the same for every clip of a reel), the sound roll for sound, ``GX010001`` for GoPro,
and ``<reel>C<clip>`` (``A001C001``) for the others. Every encoded clip carries ``tape_name`` as its
``reel_name`` (GoPro writes none).

Determinism: the same arguments give byte-identical files and mtimes on the same machine and PyAV build.
Muxers run with ``fflags=+bitexact`` and an explicit ``creation_time`` (MOV ``mvhd`` and MXF timestamps
would otherwise be "now"); FFmpeg's bitexact MXF writes all-zero UMIDs, which are replaced by seeded ones.
Encoders and swscale may choose different SIMD paths on other CPUs, so byte identity across machines is not
promised for encoded clips.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import random
import string
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import av
from av.codec.context import Flags

from pixm_desktop.core.cameras import arri, blackmagic, canon, gopro, red, sony, sound
from pixm_desktop.core.model import Camera
from pixm_desktop.core.timecode import fps_label, frames_to_tc, nominal
from pixm_desktop.samples.bwf import BwfTake, rate_text, tone_pcm, write_bwf

DEFAULT_DAY = datetime.date(2026, 11, 23)  # fixed so that default cards are reproducible
DEFAULT_SEGMENT_BYTES = 2 * 1024 * 1024
SOUND_SAMPLE_RATE = 48_000  # Hz
SOUND_TRACKS = ("MixL", "MixR", "Boom", "Lav1")
MAX_CLIPS = 999  # clip numbers are C001…C999 on every camera

_ALNUM = string.digits + string.ascii_uppercase
_REEL = "[A-Z] followed by three digits, e.g. A001"
_POOL_BYTES = 8 * 1024 * 1024  # random pool reused for opaque files
_WRITE_CHUNK = 1024 * 1024
# prores_aw, not prores_ks: ~5x faster here, and the MXF muxer wants it (docs/media.md §Writing test media).
# Profile 3 = 422 HQ.
_PRORES_HQ = {"profile": "3"}
_UMID_PREFIX = bytes.fromhex("060A2B340101010501010D0013") + bytes(3)  # SMPTE 330M basic UMID, instance 0


@dataclass(frozen=True)
class SampleClip:
    """One clip of a sample card, as a catalog should read it back.

    ``files`` are card-relative paths with ``/`` separators: media first, then sidecars, proxies and span
    segments. ``fps`` is exact; ``frames`` is the duration in frames; ``start_timecode`` is non-drop
    ``HH:MM:SS:FF``. ``scene`` and ``take`` come from iXML and are set for sound files only.
    """

    clip_name: str
    tape_name: str
    reel: str
    files: tuple[str, ...]
    start_timecode: str
    fps: Fraction
    frames: int
    scene: str | None = None
    take: str | None = None


@dataclass(frozen=True)
class SampleCard:
    """A written card: ``root`` is the card root folder (the folder a DIT offloads)."""

    root: Path
    camera: Camera
    reel: str
    clips: tuple[SampleClip, ...]


def generate_card(
    parent: Path,
    camera: Camera | str,
    *,
    clips: int = 3,
    seconds: float = 1.0,
    reel: str = "A001",
    seed: int = 0,
    junk: bool = False,
    fps: Fraction = Fraction(25),
    width: int = 640,
    height: int = 360,
    segment_bytes: int | None = None,
    day: datetime.date | None = None,
) -> SampleCard:
    """Write a sample card of ``camera`` into a new folder under ``parent`` and describe it.

    ``clips`` clips (1–999) of ``seconds`` seconds each at ``fps`` (exact rate), ``width``×``height``
    pixels (even numbers). ``reel`` is the camera roll (``A001``) or, for sound, the sound roll.
    ``segment_bytes`` is the size of each RED span segment and each ``.braw`` file (default 2 MiB); RED
    clip *n* has ``1 + (n - 1) % 3`` segments. ``day`` is the shoot day (default 2026-11-23); file mtimes
    are the clips' recording times on that day, as UTC. ``junk`` adds what a Mac leaves on a card
    (``.DS_Store``, ``._`` AppleDouble files, ``.Spotlight-V100``, ``.fseventsd``); junk is never listed in
    ``SampleClip.files``.

    Raises ``ValueError`` for arguments no camera would produce and ``FileExistsError`` if the card root
    folder already exists.
    """
    cam = Camera(camera.lower() if isinstance(camera, str) else camera)
    writer = _WRITERS.get(cam)
    if writer is None:
        raise ValueError(f"no sample layout for camera {cam.value!r}")
    _check_args(cam, clips=clips, seconds=seconds, reel=reel, fps=fps, width=width, height=height)
    seg = DEFAULT_SEGMENT_BYTES if segment_bytes is None else segment_bytes
    if seg < 1024:
        raise ValueError("segment_bytes must be at least 1024")
    ctx = _Card(
        parent=Path(parent),
        camera=cam,
        reel=reel,
        seed=seed,
        rng=random.Random(f"pixm-samplecard:{seed}:{cam.value}:{reel}"),
        fps=Fraction(fps),
        width=width,
        height=height,
        day=day or DEFAULT_DAY,
        segment_bytes=seg,
    )
    ctx.shots = _plan_shots(ctx.rng, clips, seconds, ctx.fps, ctx.day)
    sample_clips = writer(ctx)
    if junk:
        _write_junk(ctx, sample_clips)
    ctx.apply_mtimes()
    return SampleCard(root=ctx.root, camera=cam, reel=reel, clips=tuple(sample_clips))


def generate_benchmark_card(
    parent: Path, *, total_bytes: int, small_files: int = 2000, seed: int = 0
) -> SampleCard:
    """Write a RED-style card of roughly ``total_bytes`` bytes for copy benchmarks and describe it.

    Layout ``A001_1123AB.RDM/``: two clips recorded as real ProRes MOV (``…_001.mov``, RED's ProRes mode)
    plus several R3D clips whose span segments (up to 2 GiB each) carry the bulk of the bytes; ``small_files``
    XML sidecars of 1–64 KiB (hex text, so about 2:1 compressible; scaled down when they would exceed half of ``total_bytes``) are spread over
    the clip folders and listed in each clip's ``files``. The mix is the size profile of a busy card, not
    one camera's exact layout. Opaque bytes are written from a reusable random pool, so writing runs at
    disk speed.
    """
    if total_bytes <= 0 or small_files < 0:
        raise ValueError("total_bytes must be positive and small_files not negative")
    ctx = _Card(
        parent=Path(parent),
        camera=Camera.RED,
        reel="A001",
        seed=seed,
        rng=random.Random(f"pixm-benchmark:{seed}"),
        fps=Fraction(25),
        width=640,
        height=360,
        day=DEFAULT_DAY,
        segment_bytes=DEFAULT_SEGMENT_BYTES,
    )
    return _benchmark(ctx, total_bytes, small_files)


# --- validation and planning -----------------------------------------------------------------------------


def _check_args(
    cam: Camera, *, clips: int, seconds: float, reel: str, fps: Fraction, width: int, height: int
) -> None:
    if not 1 <= clips <= MAX_CLIPS:
        raise ValueError(f"clips must be 1–{MAX_CLIPS}")
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    if not isinstance(fps, int | Fraction) or fps <= 0:
        raise ValueError("fps must be a positive exact rate, e.g. Fraction(24000, 1001), never 23.976")
    if width < 32 or height < 32 or width % 2 or height % 2:
        raise ValueError("width and height must be even and at least 32")
    if cam is Camera.SOUND:
        if not reel or not all(c in _ALNUM + "_-" for c in reel.upper()) or len(reel) > 8:
            raise ValueError("sound roll must be 1–8 letters, digits, '_' or '-' (an EDL reel name)")
    elif len(reel) != 4 or reel[0] not in string.ascii_uppercase or not reel[1:].isdigit():
        raise ValueError(f"reel must be {_REEL}")


@dataclass(frozen=True)
class _Shot:
    """When one clip was rolled: number (1-based), start as TC frames since midnight at the nominal rate,
    duration in frames, and wall-clock start/end (the camera clock, which the TC follows)."""

    number: int
    tc_start: int
    frames: int
    start: datetime.datetime
    end: datetime.datetime


def _plan_shots(
    rng: random.Random, count: int, seconds: float, fps: Fraction, day: datetime.date
) -> list[_Shot]:
    """First roll between 07:00 and 10:00, then 10–90 s between clips (time of day TC)."""
    base = nominal(fps)
    frames = max(1, round(Fraction(seconds) * fps))
    midnight = datetime.datetime.combine(day, datetime.time())
    shots = []
    tc = (7 * 3600 + rng.randrange(3 * 3600)) * base
    for number in range(1, count + 1):
        start = midnight + datetime.timedelta(seconds=tc / base)
        end = start + datetime.timedelta(seconds=float(frames / fps))
        shots.append(_Shot(number, tc % (24 * 3600 * base), frames, start, end))
        tc += frames + rng.randrange(10, 90) * base + rng.randrange(base)
    return shots


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_ALNUM) for _ in range(n))


def _utc_seconds(when: datetime.datetime) -> int:
    return int(when.replace(tzinfo=datetime.UTC).timestamp())


# --- the card being written -------------------------------------------------------------------------------


@dataclass
class _Card:
    """Arguments and state of one card being written."""

    parent: Path
    camera: Camera
    reel: str
    seed: int
    rng: random.Random
    fps: Fraction
    width: int
    height: int
    day: datetime.date
    segment_bytes: int
    shots: list[_Shot] = field(default_factory=list)
    root: Path = field(init=False)
    _mtimes: dict[Path, int] = field(default_factory=dict)

    def make_root(self, name: str) -> Path:
        self.root = self.parent / name
        self.root.mkdir(parents=True, exist_ok=False)
        return self.root

    def file(self, rel: str, when: datetime.datetime) -> Path:
        """Absolute path for card-relative ``rel`` (parents created); its mtime will be ``when``."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        self._mtimes[path] = _utc_seconds(when)
        return path

    @property
    def last(self) -> datetime.datetime:
        """A moment after the last clip, for card-level files (indexes, reel ALE)."""
        return self.shots[-1].end + datetime.timedelta(seconds=5)

    def tc(self, shot: _Shot, offset: int = 0) -> str:
        return frames_to_tc(shot.tc_start + offset, self.fps)

    def apply_mtimes(self) -> None:
        """Stamp every file, then every folder bottom-up (writing into a folder changes its mtime)."""
        for path, t in self._mtimes.items():
            os.utime(path, (t, t))
        folder_time = max(self._mtimes.values(), default=_utc_seconds(self.last))
        for dirpath, _dirs, _files in sorted(os.walk(self.root), key=lambda e: -len(e[0])):
            os.utime(dirpath, (folder_time, folder_time))

    def clip(self, shot: _Shot, name: str, tape: str, files: Sequence[str], **extra: str) -> SampleClip:
        return SampleClip(
            clip_name=name,
            tape_name=tape,
            reel=self.reel,
            files=tuple(files),
            start_timecode=self.tc(shot),
            fps=self.fps,
            frames=shot.frames,
            **extra,
        )


# --- test pattern and encoding ----------------------------------------------------------------------------

_BARS = (  # 75 % colour bars, RGB
    (191, 191, 191),
    (191, 191, 0),
    (0, 191, 191),
    (0, 191, 0),
    (191, 0, 191),
    (191, 0, 0),
    (0, 0, 191),
)


class _Pattern:
    """Colour bars over a tinted ramp with a bouncing box and a 12-bit frame counter (top left).

    ``variant`` rotates the bars and changes the box path, so every clip looks different.
    """

    def __init__(self, width: int, height: int, variant: int) -> None:
        self.width, self.height, self.variant = width, height, variant
        bars = _BARS[variant % 7 :] + _BARS[: variant % 7]
        bar_row = b"".join(bytes((*bars[x * 7 // width], 255)) for x in range(width))
        tint = bars[1]
        ramp_row = b"".join(bytes((*(c * x // (width - 1) for c in tint), 255)) for x in range(width))
        top = height * 2 // 3
        self._base = bar_row * top + ramp_row * (height - top)
        self._box = max(4, height // 8)
        self._cell = max(2, height // 45)

    def frame(self, index: int) -> av.VideoFrame:
        """RGBA frame number ``index``."""
        w, h, box = self.width, self.height, self._box
        buf = bytearray(self._base)
        x = _bounce(index * (3 + self.variant % 5) * w // 320 + self.variant * 37, w - box)
        y = _bounce(index * (2 + self.variant % 3) * h // 180 + self.variant * 11, h - box)
        _fill(buf, w, x, y, box, box, (235, 235, 235))
        for bit in range(12):
            level = 235 if index >> bit & 1 else 16
            _fill(buf, w, bit * self._cell, 0, self._cell, self._cell, (level, level, level))
        return av.VideoFrame.from_bytes(bytes(buf), w, h, "rgba")


def _bounce(pos: int, span: int) -> int:
    if span <= 0:
        return 0
    pos %= 2 * span
    return pos if pos <= span else 2 * span - pos


def _fill(buf: bytearray, width: int, x: int, y: int, w: int, h: int, rgb: tuple[int, int, int]) -> None:
    row = bytes((*rgb, 255)) * w
    for yy in range(y, y + h):
        start = (yy * width + x) * 4
        buf[start : start + len(row)] = row


@dataclass(frozen=True)
class _Video:
    """One output file of an encode: FFmpeg muxer and encoder names, picture size and tags.

    ``umid`` (15 bytes) replaces the all-zero UMID material number FFmpeg's bitexact MXF muxer writes.
    """

    path: Path
    muxer: str
    codec: str
    pix_fmt: str
    width: int
    height: int
    codec_options: Mapping[str, str] = field(default_factory=dict)
    container_tags: Mapping[str, str] = field(default_factory=dict)
    stream_tags: Mapping[str, str] = field(default_factory=dict)
    umid: bytes | None = None


def _encode(outputs: Sequence[_Video], pattern: _Pattern, fps: Fraction, frames: int) -> None:
    """Encode ``frames`` frames of ``pattern`` into every output in one pass (one synthesis per frame)."""
    with ExitStack() as stack:
        opened = []
        for spec in outputs:
            container = stack.enter_context(
                av.open(str(spec.path), "w", format=spec.muxer, options={"fflags": "+bitexact"})
            )
            container.metadata.update(spec.container_tags)
            stream = container.add_stream(spec.codec, rate=fps, options=dict(spec.codec_options))
            stream.width, stream.height, stream.pix_fmt = spec.width, spec.height, spec.pix_fmt
            stream.codec_context.flags |= Flags.bitexact
            stream.metadata.update(spec.stream_tags)
            opened.append((spec, container, stream))
        for index in range(frames):
            source = pattern.frame(index)
            for spec, container, stream in opened:
                picture = source.reformat(width=spec.width, height=spec.height, format=spec.pix_fmt)
                picture.pts = index
                picture.time_base = 1 / fps
                container.mux(stream.encode(picture))
        for _spec, container, stream in opened:
            container.mux(stream.encode(None))
    for spec in outputs:
        if spec.umid is not None:
            _stamp_umids(spec.path, spec.umid)


def _mxf_umid(material_number: bytes, kind: int = 0) -> bytes:
    """The 32-byte UMID FFmpeg's MXF muxer writes: kind 0 material, 1 file, 2 tape package."""
    return _UMID_PREFIX + material_number + bytes((kind,))


def _stamp_umids(path: Path, material_number: bytes) -> None:
    """Swap FFmpeg's bitexact all-zero UMIDs for seeded ones (same length, MXF has no checksums)."""
    data = path.read_bytes()
    for kind in (0, 1, 2):
        zero = _mxf_umid(bytes(15), kind)
        if kind < 2 and zero not in data:
            raise RuntimeError(f"{path.name}: FFmpeg MXF UMID not found; bitexact layout changed?")
        data = data.replace(zero, _mxf_umid(material_number, kind))
    path.write_bytes(data)


def _jpeg(pattern: _Pattern, index: int, width: int, height: int) -> bytes:
    """One frame of ``pattern`` as a baseline JPEG (full range 4:2:0), e.g. for thumbnails."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.color_range = 2  # JPEG full range
    encoder.time_base = Fraction(1, 25)
    encoder.flags |= Flags.bitexact
    picture = pattern.frame(index).reformat(width, height, "yuv420p", dst_color_range=2)
    return b"".join(bytes(p) for p in (*encoder.encode(picture), *encoder.encode(None)))


def _creation_time(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _half(n: int) -> int:
    """Half a dimension, rounded down to even (4:2:0 needs even sizes)."""
    return max(16, n // 2 // 2 * 2)


# --- opaque files -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _pool(seed: int) -> bytes:
    return random.Random(f"pixm-pool:{seed}").randbytes(_POOL_BYTES)


def _write_opaque(path: Path, size: int, *, seed: int, key: str, header: bytes = b"") -> None:
    """``size`` bytes: ``header`` then slices of the seeded pool at offsets drawn from ``key``.

    Offsets are 512-byte aligned but not chunk aligned, so files differ from each other and are not
    trivially deduplicated.
    """
    pool = memoryview(_pool(seed))
    rng = random.Random(key)
    with open(path, "wb") as fh:
        head = header[:size]
        fh.write(head)
        left = size - len(head)
        while left:
            n = min(_WRITE_CHUNK, left)
            offset = rng.randrange((len(pool) - n) // 512 + 1) * 512
            fh.write(pool[offset : offset + n])
            left -= n


def _text_header(magic: bytes, fields: Mapping[str, object], size: int = 512) -> bytes:
    """``magic`` + ``key=value`` lines, NUL padded to ``size``: lets a human see what an opaque file is."""
    text = "".join(f"{k}={v}\n" for k, v in fields.items()).encode()
    body = magic + text
    return body + bytes(max(0, size - len(body)))


# --- cameras ----------------------------------------------------------------------------------------------


def _arri(ctx: _Card) -> list[SampleClip]:
    """ALEXA Mini/LF ProRes: reel folder ``A001R1AB`` with ``A001C001_261123_R1AB.mov``, reel ALE + XML."""
    card_id = "R" + _alnum(ctx.rng, 3)
    tape = arri.tape_name(ctx.reel, card_id)
    ctx.make_root(tape)
    clips = []
    for shot in ctx.shots:
        name = arri.clip_name(ctx.reel, shot.number, ctx.day, card_id)
        rel = f"{name}.mov"
        video = _Video(
            path=ctx.file(rel, shot.end),
            muxer="mov",
            codec="prores_aw",
            pix_fmt="yuv422p10le",
            width=ctx.width,
            height=ctx.height,
            codec_options=_PRORES_HQ,
            container_tags={"timecode": ctx.tc(shot), "creation_time": _creation_time(shot.start)},
            stream_tags={"reel_name": tape},  # the mov muxer puts it on the tmcd track
        )
        _encode([video], _Pattern(ctx.width, ctx.height, shot.number), ctx.fps, shot.frames)
        clips.append(ctx.clip(shot, name, tape, [rel]))
    ctx.file(f"{tape}.ale", ctx.last).write_text(_ale(ctx, clips), encoding="utf-8", newline="\r\n")
    ctx.file(f"{tape}.xml", ctx.last).write_text(_fcp_xml(ctx, clips), encoding="utf-8")
    return clips


def _red(ctx: _Card) -> list[SampleClip]:
    """RED mag: ``A001_1123AB.RDM/A001_C001_1123K7.RDC/A001_C001_1123K7_00N.R3D`` span segments."""
    ctx.make_root(red.mag_name(ctx.reel, ctx.day, _alnum(ctx.rng, 2)))
    clips = []
    for shot in ctx.shots:
        name = red.clip_name(ctx.reel, shot.number, ctx.day, _alnum(ctx.rng, 2))
        segments = 1 + (shot.number - 1) % 3
        files = _write_r3d(ctx, shot, name, [ctx.segment_bytes] * segments)
        clips.append(ctx.clip(shot, name, f"{ctx.reel}C{shot.number:03d}", files))
    return clips


def _write_r3d(ctx: _Card, shot: _Shot, name: str, sizes: Sequence[int]) -> list[str]:
    """Opaque R3D span segments ``<name>.RDC/<name>_001.R3D`` … with a RED2-style header each."""
    files = []
    for k, size in enumerate(sizes, 1):
        rel = red.segment_path(name, k)
        fields = {
            "clip": name,
            "segment": k,
            "reel": ctx.reel,
            "timecode": ctx.tc(shot),
            "fps": rate_text(ctx.fps),
            "frames": shot.frames,
        }
        body = _text_header(b"RED2", fields)
        header = (len(body) + 4).to_bytes(4, "big") + body  # R3D blocks start with size + "RED2"
        _write_opaque(
            ctx.file(rel, shot.end), size, seed=ctx.seed, key=f"{ctx.root.name}/{rel}", header=header
        )
        files.append(rel)
    return files


def _sony(ctx: _Card) -> list[SampleClip]:
    """VENICE/FX: ``XDROOT/Clip`` MXF + ``M01.XML``, ``Sub`` proxies, ``Thmbnl`` JPEGs, ``MEDIAPRO.XML``."""
    ctx.make_root(f"{ctx.reel}_SONY")
    suffix = ctx.rng.choice(string.ascii_uppercase) + _alnum(ctx.rng, 1)  # letter first: not read as a date
    device = {
        "manufacturer": "Sony",
        "modelName": "MPC-3610",
        "serialNo": str(ctx.rng.randrange(10**6, 10**7)),
    }
    for empty in ("Edit", "General"):  # present on every formatted card
        (ctx.root / sony.ROOT / empty).mkdir(parents=True)
    clips, materials = [], []
    for shot in ctx.shots:
        name = sony.clip_name(ctx.reel, shot.number, ctx.day, suffix)
        tape = sony.tape_name(name)
        main, xml, proxy, thumb = sony.clip_files(name)
        umid = ctx.rng.randbytes(15)
        tags = {
            "timecode": ctx.tc(shot),
            "material_package_name": name,
            "reel_name": tape,
            "creation_time": _creation_time(shot.start),
        }
        pattern = _Pattern(ctx.width, ctx.height, shot.number + 20)
        pw, ph = _half(ctx.width), _half(ctx.height)
        _encode(
            [
                _Video(
                    ctx.file(main, shot.end),
                    "mxf",
                    "prores_aw",
                    "yuv422p10le",
                    ctx.width,
                    ctx.height,
                    _PRORES_HQ,
                    tags,
                    umid=umid,
                ),
                _Video(
                    ctx.file(proxy, shot.end),
                    "mxf",
                    "libx264",
                    "yuv420p",
                    pw,
                    ph,
                    {"preset": "veryfast", "g": str(nominal(ctx.fps))},
                    tags,
                    umid=ctx.rng.randbytes(15),
                ),
            ],
            pattern,
            ctx.fps,
            shot.frames,
        )
        ctx.file(xml, shot.end).write_text(_sony_m01(ctx, shot, _mxf_umid(umid), device), encoding="utf-8")
        ctx.file(thumb, shot.end).write_bytes(_jpeg(pattern, 0, pw, ph))
        materials.append((name, shot, _mxf_umid(umid)))
        clips.append(ctx.clip(shot, name, tape, [main, xml, proxy, thumb]))
    ctx.file(sony.INDEX, ctx.last).write_text(
        _sony_mediapro(ctx, materials, device), encoding="utf-8"
    )
    return clips


def _canon(ctx: _Card) -> list[SampleClip]:
    """Cinema EOS: ``CONTENTS/CLIPS001/A_0001C001_<yymmdd>_<hhmmss><id>_CANON.MXF`` + ``.XML``."""
    ctx.make_root(f"{ctx.reel}_CANON")
    canon_reel = canon.canon_reel(ctx.reel)
    clips = []
    for shot in ctx.shots:
        name = canon.clip_name(ctx.reel, shot.number, shot.start, _alnum(ctx.rng, 2))
        tape = f"{ctx.reel}C{shot.number:03d}"
        media, xml = f"{canon.CLIPS_FOLDER}/{name}.MXF", f"{canon.CLIPS_FOLDER}/{name}.XML"
        tags = {
            "timecode": ctx.tc(shot),
            "material_package_name": name,
            "reel_name": tape,
            "creation_time": _creation_time(shot.start),
        }
        video = _Video(
            ctx.file(media, shot.end),
            "mxf",
            "libx264",
            "yuv422p10le",
            ctx.width,
            ctx.height,
            {"preset": "veryfast", "x264-params": "keyint=1"},  # XF-AVC Intra: every frame a keyframe
            tags,
            umid=ctx.rng.randbytes(15),
        )
        _encode([video], _Pattern(ctx.width, ctx.height, shot.number + 40), ctx.fps, shot.frames)
        ctx.file(xml, shot.end).write_text(_canon_xml(ctx, shot, name, canon_reel), encoding="utf-8")
        clips.append(ctx.clip(shot, name, tape, [media, xml]))
    return clips


def _braw(ctx: _Card) -> list[SampleClip]:
    """Blackmagic: ``A001_11231000_C001.braw`` (reel, MMDDHHMM, clip) + JSON ``.sidecar`` at the root."""
    ctx.make_root(f"{ctx.reel}_BRAW")
    clips = []
    for shot in ctx.shots:
        name = blackmagic.clip_name(ctx.reel, shot.number, shot.start)
        tape = f"{ctx.reel}C{shot.number:03d}"
        media, sidecar = f"{name}.braw", f"{name}{blackmagic.SIDECAR_EXT}"
        fields = {
            "clip": name,
            "reel": ctx.reel,
            "timecode": ctx.tc(shot),
            "fps": rate_text(ctx.fps),
            "frames": shot.frames,
        }
        _write_opaque(
            ctx.file(media, shot.end),
            ctx.segment_bytes,
            seed=ctx.seed,
            key=f"{ctx.root.name}/{media}",
            header=_text_header(b"PIXM-SAMPLE-BRAW\n", fields),
        )
        ctx.file(sidecar, shot.end).write_text(_braw_sidecar(ctx, shot, name, tape), encoding="utf-8")
        clips.append(ctx.clip(shot, name, tape, [media, sidecar]))
    return clips


def _gopro(ctx: _Card) -> list[SampleClip]:
    """GoPro: ``DCIM/100GOPRO/GX01nnnn.MP4`` + ``GL01nnnn.LRV`` low-res proxy + ``GX01nnnn.THM`` JPEG."""
    ctx.make_root(f"{ctx.reel}_GOPRO")
    clips = []
    for shot in ctx.shots:
        media, lrv, thm = gopro.clip_files(shot.number)
        name = media.rsplit("/", 1)[-1].rsplit(".", 1)[0]  # GX + chapter 01 + file number
        tags = {"timecode": ctx.tc(shot), "creation_time": _creation_time(shot.start)}
        options = {"preset": "veryfast", "g": str(nominal(ctx.fps))}
        pattern = _Pattern(ctx.width, ctx.height, shot.number + 60)
        _encode(
            [
                _Video(
                    ctx.file(media, shot.end),
                    "mp4",
                    "libx264",
                    "yuv420p",
                    ctx.width,
                    ctx.height,
                    options,
                    tags,
                ),
                _Video(
                    ctx.file(lrv, shot.end),
                    "mp4",
                    "libx264",
                    "yuv420p",
                    _half(ctx.width),
                    _half(ctx.height),
                    # veryfast at proxy sizes gave different bytes from one run to the next (seen with PyAV
                    # 18.1's x264, single-threaded too); ultrafast is repeatable, and an LRV is a rough proxy
                    {**options, "preset": "ultrafast"},
                    tags,
                ),
            ],
            pattern,
            ctx.fps,
            shot.frames,
        )
        ctx.file(thm, shot.end).write_bytes(_jpeg(pattern, 0, 160, 120))
        clips.append(ctx.clip(shot, name, name, [media, lrv, thm]))
    return clips


def _sound(ctx: _Card) -> list[SampleClip]:
    """Recorder day folder ``<roll>_<yymmdd>/`` of poly BWF ``<scene>_<take>.WAV`` (4 tracks, 48 kHz/24)."""
    ctx.make_root(sound.day_folder(ctx.reel, ctx.day))
    clips = []
    for shot, (scene, take, circled) in zip(ctx.shots, _slates(ctx.rng, len(ctx.shots)), strict=True):
        name = f"{scene}_{take}"
        rel = f"{name}.WAV"
        samples = round(shot.frames * SOUND_SAMPLE_RATE / ctx.fps)
        bwf = BwfTake(
            project="PIXM SAMPLE",
            scene=scene,
            take=take,
            tape=ctx.reel,
            circled=circled,
            note="good for sound" if circled else "",
            fps=ctx.fps,
            time_reference=round(shot.tc_start * SOUND_SAMPLE_RATE / ctx.fps),
            recorded=shot.start,
            tracks=SOUND_TRACKS,
            sample_rate=SOUND_SAMPLE_RATE,
            originator_ref=f"PIXM{ctx.seed:04d}{shot.number:04d}",
            file_uid=f"PIXM{ctx.reel}{shot.start:%Y%m%d%H%M%S}{shot.number:03d}",
        )
        pcm = tone_pcm(samples, len(SOUND_TRACKS), level=0.05 + 0.01 * (shot.number % 10))
        write_bwf(ctx.file(rel, shot.end), bwf, pcm)
        clips.append(ctx.clip(shot, name, ctx.reel, [rel], scene=scene, take=take))
    return clips


def _slates(rng: random.Random, count: int) -> Iterator[tuple[str, str, bool]]:
    """(scene, take, circled): scenes like ``12A`` with 2–5 takes each, the last take circled."""
    scene_number = rng.randrange(1, 90)
    while True:
        scene = f"{scene_number}{rng.choice(['', 'A', 'B', 'C'])}"
        takes = rng.randrange(2, 6)
        for take in range(1, takes + 1):
            if count == 0:
                return
            count -= 1
            yield scene, f"{take:02d}", take == takes
        scene_number += rng.randrange(1, 4)


_WRITERS = {
    Camera.ARRI: _arri,
    Camera.RED: _red,
    Camera.SONY: _sony,
    Camera.CANON: _canon,
    Camera.BRAW: _braw,
    Camera.GOPRO: _gopro,
    Camera.SOUND: _sound,
}


# --- sidecars ---------------------------------------------------------------------------------------------


def _ale(ctx: _Card, clips: Sequence[SampleClip]) -> str:
    """Avid Log Exchange of the reel, like the one ARRI cameras write: tab-separated, End exclusive."""
    columns = ["Name", "Tracks", "Start", "End", "Duration", "Tape", "Source File", "Camera", "FPS"]
    rows = [
        [
            c.clip_name,
            "V",
            c.start_timecode,
            ctx.tc(s, s.frames),
            frames_to_tc(s.frames, ctx.fps),
            c.tape_name,
            c.files[0],
            ctx.reel[0],
            fps_label(ctx.fps),
        ]
        for c, s in zip(clips, ctx.shots, strict=True)
    ]
    lines = [
        "Heading",
        "FIELD_DELIM\tTABS",
        "VIDEO_FORMAT\tCUSTOM",
        "AUDIO_FORMAT\t48khz",
        f"FPS\t{fps_label(ctx.fps)}",
        "",
        "Column",
        "\t".join(columns),
        "",
        "Data",
    ]
    lines += ["\t".join(r) for r in rows]
    return "\n".join(lines) + "\n"


def _fcp_xml(ctx: _Card, clips: Sequence[SampleClip]) -> str:
    """FCP 7 XML (xmeml 5) bin of the reel's clips with timecode and reel name."""
    ntsc = "TRUE" if ctx.fps.denominator == 1001 else "FALSE"
    rate = f"<rate><timebase>{nominal(ctx.fps)}</timebase><ntsc>{ntsc}</ntsc></rate>"
    items = []
    for i, (c, s) in enumerate(zip(clips, ctx.shots, strict=True), 1):
        items.append(
            f"<clip id={quoteattr(c.clip_name)}><name>{escape(c.clip_name)}</name>"
            f"<duration>{c.frames}</duration>{rate}"
            f"<media><video><samplecharacteristics><width>{ctx.width}</width><height>{ctx.height}</height>"
            f"</samplecharacteristics></video></media>"
            f"<timecode>{rate}<string>{c.start_timecode}</string><frame>{s.tc_start}</frame>"
            f"<displayformat>NDF</displayformat><reel><name>{escape(c.tape_name)}</name></reel></timecode>"
            f'<file id="file-{i}"><name>{escape(c.files[0])}</name>'
            f"<pathurl>file://localhost/Volumes/{escape(ctx.root.name)}/{escape(c.files[0])}</pathurl>"
            f"</file></clip>"
        )
    body = "\n".join(items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n<xmeml version="5"><bin>'
        f"<name>{escape(ctx.root.name)}</name><children>\n{body}\n</children></bin></xmeml>\n"
    )


def _sony_fps(fps: Fraction) -> str:
    """Sony's rate spelling in M01.XML / MEDIAPRO.XML: ``23.98p``, ``25p``, ``29.97p``, ``59.94p``."""
    if fps.denominator == 1:
        return f"{fps.numerator}p"
    return f"{float(fps):.2f}p"


def sony_ltc_value(tc_frames: int, fps: Fraction) -> str:
    """Sony ``LtcChange/@value``: timecode as four BCD bytes in the order frames, seconds, minutes,
    hours, written as 8 hex digits (10:00:00:00 → ``00000010``). Non-drop, so no flag bits are set."""
    hh, mm, ss, ff = frames_to_tc(tc_frames, fps).split(":")
    return f"{ff}{ss}{mm}{hh}"


def _sony_m01(ctx: _Card, shot: _Shot, umid: bytes, device: Mapping[str, str]) -> str:
    """``NonRealTimeMeta`` clip sidecar: Duration, LtcChangeTable, CreationDate, VideoFrame, Device, Lens."""
    when = f"{shot.start:%Y-%m-%dT%H:%M:%S}+00:00"
    fps = _sony_fps(ctx.fps)
    device_attrs = " ".join(f"{k}={quoteattr(v)}" for k, v in device.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<NonRealTimeMeta xmlns="urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.20" '
        'xmlns:lib="urn:schemas-professionalDisc:lib:ver.2.00" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" lastUpdate="{when}">\n'
        f'\t<TargetMaterial umidRef="{umid.hex().upper()}"/>\n'
        f'\t<Duration value="{shot.frames}"/>\n'
        f'\t<LtcChangeTable tcFps="{nominal(ctx.fps)}" halfStep="false">\n'
        f'\t\t<LtcChange frameCount="0" value="{sony_ltc_value(shot.tc_start, ctx.fps)}" status="increment"/>\n'
        f'\t\t<LtcChange frameCount="{shot.frames - 1}" '
        f'value="{sony_ltc_value(shot.tc_start + shot.frames - 1, ctx.fps)}" status="end"/>\n'
        "\t</LtcChangeTable>\n"
        f'\t<CreationDate value="{when}"/>\n'
        "\t<VideoFormat>\n"
        '\t\t<VideoRecPort port="DIRECT"/>\n'
        f'\t\t<VideoFrame videoCodec="AVC_422_INTRA_CLASS300" captureFps="{fps}" formatFps="{fps}"/>\n'
        f'\t\t<VideoLayout pixel="{ctx.width}" numOfVerticalLine="{ctx.height}" aspectRatio="16:9"/>\n'
        "\t</VideoFormat>\n"
        f"\t<Device {device_attrs}/>\n"
        '\t<Lens modelName="FE 24-70mm F2.8 GM"/>\n'
        '\t<RecordingMode type="normal" cacheRec="false"/>\n'
        "</NonRealTimeMeta>\n"
    )


def _sony_mediapro(
    ctx: _Card, materials: Sequence[tuple[str, _Shot, bytes]], device: Mapping[str, str]
) -> str:
    """``MEDIAPRO.XML`` card index: one Material per clip with its proxy, XML and thumbnail."""
    fps = _sony_fps(ctx.fps)
    proxy_size = f"{_half(ctx.width)}_{_half(ctx.height)}"
    items = []
    for name, shot, umid in materials:
        items.append(
            f'\t\t<Material uri="./Clip/{name}.MXF" type="MXF" videoType="AVC_422_INTRA_CLASS300" '
            f'fps="{fps}" dur="{shot.frames}" ch="0" aspectRatio="16:9" offset="0" '
            f'umid="{umid.hex().upper()}" status="OK">\n'
            f'\t\t\t<Proxy uri="./Sub/{name}S03.MXF" type="MXF" videoType="AVC_{proxy_size}_HP@L31" '
            f'fps="{fps}" dur="{shot.frames}" ch="0" aspectRatio="16:9"/>\n'
            f'\t\t\t<RelevantInfo uri="./Clip/{name}M01.XML" type="XML"/>\n'
            f'\t\t\t<RelevantInfo uri="./Thmbnl/{name}T01.JPG" type="JPG"/>\n'
            "\t\t</Material>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<MediaProfile xmlns="http://xmlns.sony.net/pro/metadata/mediaprofile" '
        f'createdAt="{ctx.last:%Y-%m-%dT%H:%M:%S}+00:00" version="2.00">\n'
        "\t<Properties>\n"
        f'\t\t<System systemId="{device["serialNo"]}" systemKind={quoteattr(device["modelName"])} '
        'masterVersion="1.00"/>\n'
        f'\t\t<Attached mediaId="{ctx.rng.randbytes(16).hex().upper()}" mediaKind="AXS" '
        f"mediaName={quoteattr(ctx.reel)}/>\n"
        "\t</Properties>\n"
        "\t<Contents>\n" + "".join(items) + "\t</Contents>\n</MediaProfile>\n"
    )


def _canon_xml(ctx: _Card, shot: _Shot, name: str, canon_reel: str) -> str:
    """Clip sidecar. The element names are plausible, not Canon's schema (which is not public)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ClipMetadata version="1.0">\n'
        f"\t<ClipName>{escape(name)}</ClipName>\n"
        f"\t<CameraIndex>{escape(canon_reel[:2])}</CameraIndex>\n"
        f"\t<ReelNumber>{canon_reel[2:]}</ReelNumber>\n"
        f"\t<ClipNumber>C{shot.number:03d}</ClipNumber>\n"
        f"\t<StartTimecode>{ctx.tc(shot)}</StartTimecode>\n"
        f"\t<Duration>{shot.frames}</Duration>\n"
        f"\t<FrameRate>{rate_text(ctx.fps)}</FrameRate>\n"
        f'\t<Resolution width="{ctx.width}" height="{ctx.height}"/>\n'
        f"\t<VideoCodec>XF-AVC Intra 422 10bit</VideoCodec>\n"
        f"\t<RecordingDate>{shot.start:%Y-%m-%dT%H:%M:%S}Z</RecordingDate>\n"
        '\t<Device manufacturer="Canon" modelName="EOS C70" serialNo="'
        f'{ctx.rng.randrange(10**11, 10**12)}"/>\n'
        "</ClipMetadata>\n"
    )


def _braw_sidecar(ctx: _Card, shot: _Shot, name: str, tape: str) -> str:
    """JSON sidecar with the clip's metadata (as DaVinci Resolve writes beside ``.braw`` files)."""
    data = {
        "camera_type": "Blackmagic URSA Mini Pro 12K",
        "clip_name": name,
        "reel_name": tape,
        "camera_number": ctx.reel[0],
        "timecode": ctx.tc(shot),
        "frame_rate": rate_text(ctx.fps),
        "frame_count": shot.frames,
        "date_recorded": f"{shot.start:%Y-%m-%dT%H:%M:%S}Z",
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


# --- junk ---------------------------------------------------------------------------------------------------


def _write_junk(ctx: _Card, clips: Sequence[SampleClip]) -> None:
    """What macOS leaves on a card it has browsed: ``.DS_Store`` in browsed folders, a ``._`` AppleDouble
    beside each clip's main file, Spotlight and FSEvents folders at the root."""
    when = ctx.last + datetime.timedelta(minutes=3)
    folders = {""} | {c.files[0].rpartition("/")[0] for c in clips}
    for folder in sorted(folders):
        rel = f"{folder}/.DS_Store" if folder else ".DS_Store"
        ctx.file(rel, when).write_bytes(_DS_STORE)
    for c in clips:
        folder, _, base = c.files[0].rpartition("/")
        rel = f"{folder}/._{base}" if folder else f"._{base}"
        ctx.file(rel, when).write_bytes(_APPLE_DOUBLE)
    volume_uuid = _uuid(ctx.rng).upper()
    ctx.file(".Spotlight-V100/VolumeConfiguration.plist", when).write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
        f"<key>Stores</key><dict><key>{volume_uuid}</key><dict/></dict></dict></plist>\n",
        encoding="utf-8",
    )
    ctx.file(".fseventsd/fseventsd-uuid", when).write_text(_uuid(ctx.rng).upper(), encoding="ascii")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _apple_double() -> bytes:
    """A 4096-byte AppleDouble header (magic 0x00051607, v2) with empty Finder info and resource fork."""
    header = (
        bytes.fromhex("00051607") + bytes.fromhex("00020000") + b"Mac OS X        " + (2).to_bytes(2, "big")
    )
    entries = (9).to_bytes(4, "big") + (50).to_bytes(4, "big") + (3760).to_bytes(4, "big")
    entries += (2).to_bytes(4, "big") + (3810).to_bytes(4, "big") + (286).to_bytes(4, "big")
    blob = header + entries
    return blob + bytes(4096 - len(blob))


_APPLE_DOUBLE = _apple_double()
_DS_STORE = bytes.fromhex("00000001") + b"Bud1" + bytes(6148 - 8)  # Finder's buddy-allocator file


# --- benchmark card -------------------------------------------------------------------------------------------

_BENCH_MAX_SEGMENT = 2 * 1024**3
_BENCH_SMALL = (1024, 64 * 1024)  # bytes


def _benchmark(ctx: _Card, total_bytes: int, small_files: int) -> SampleCard:
    """See ``generate_benchmark_card``."""
    ctx.make_root(f"{ctx.reel}_{ctx.day:%m%d}{_alnum(ctx.rng, 2)}.RDM")
    large_clips = max(3, min(20, total_bytes // (4 * 1024**3)))
    ctx.shots = _plan_shots(ctx.rng, 2 + large_clips, 1.0, ctx.fps, ctx.day)
    names = [f"{ctx.reel}_C{s.number:03d}_{ctx.day:%m%d}{_alnum(ctx.rng, 2)}" for s in ctx.shots]
    files: list[list[str]] = [[] for _ in ctx.shots]
    written = 0
    for i in range(2):  # real encoded clips first: their size is only known afterwards
        shot, name = ctx.shots[i], names[i]
        rel = f"{name}.RDC/{name}_001.mov"
        video = _Video(
            ctx.file(rel, shot.end),
            "mov",
            "prores_aw",
            "yuv422p10le",
            ctx.width,
            ctx.height,
            _PRORES_HQ,
            {"timecode": ctx.tc(shot), "creation_time": _creation_time(shot.start)},
            {"reel_name": f"{ctx.reel}C{shot.number:03d}"},
        )
        _encode([video], _Pattern(ctx.width, ctx.height, shot.number + 80), ctx.fps, shot.frames)
        written += video.path.stat().st_size
        files[i].append(rel)
    written += _bench_small_files(ctx, names, files, small_files, max(0, total_bytes - written) // 2)
    _bench_large(ctx, names, files, max(0, total_bytes - written))
    clips = [
        ctx.clip(s, n, f"{ctx.reel}C{s.number:03d}", f)
        for s, n, f in zip(ctx.shots, names, files, strict=True)
        if f  # a tiny total_bytes can leave an R3D clip without bytes
    ]
    ctx.apply_mtimes()
    return SampleCard(root=ctx.root, camera=Camera.RED, reel=ctx.reel, clips=tuple(clips))


def _bench_small_files(
    ctx: _Card, names: Sequence[str], files: list[list[str]], count: int, budget: int
) -> int:
    """``count`` XML sidecars of 1–64 KiB spread round-robin over the clips, scaled to fit ``budget``
    bytes. Returns the bytes written."""
    sizes = [ctx.rng.randrange(*_BENCH_SMALL) for _ in range(count)]
    natural = sum(sizes)
    if natural > budget:
        sizes = [max(64, s * budget // natural) for s in sizes]  # 64: room for the XML wrapper
    pool = _pool(ctx.seed)
    for n, size in enumerate(sizes):
        clip = n % len(names)
        rel = f"{names[clip]}.RDC/{names[clip]}_{n:05d}.xml"
        head, tail = f'<?xml version="1.0"?>\n<frame n="{n}">', "</frame>\n"
        chars = size - len(head) - len(tail)  # hex digits of payload; keeps the file valid XML
        start = ctx.rng.randrange(len(pool) - chars)
        text = head + pool[start : start + (chars + 1) // 2].hex()[:chars] + tail
        ctx.file(rel, ctx.shots[clip].end).write_bytes(text.encode("ascii"))
        files[clip].append(rel)
    return sum(sizes)


def _bench_large(ctx: _Card, names: Sequence[str], files: list[list[str]], budget: int) -> None:
    """Spread ``budget`` bytes over the R3D clips (index 2 on) in segments of at most 2 GiB."""
    clips = len(names) - 2
    for j in range(clips):
        share = budget // clips + (budget % clips if j == clips - 1 else 0)
        if share <= 0:
            continue
        segments = max(1, -(-share // _BENCH_MAX_SEGMENT))
        if share >= 2 * 1024 * 1024:
            segments = max(segments, 2)  # every large clip spans, as long R3D takes do
        sizes = [share // segments] * segments
        sizes[-1] += share - sum(sizes)
        i = j + 2
        files[i].extend(_write_r3d(ctx, ctx.shots[i], names[i], sizes))


__all__ = [
    "DEFAULT_DAY",
    "SampleCard",
    "SampleClip",
    "generate_benchmark_card",
    "generate_card",
    "sony_ltc_value",
]
