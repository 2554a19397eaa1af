"""Render one rendition of a clip (pure media work, no catalog): decode with PyAV, desqueeze, crop and scale to
the preset's frame (:mod:`.geometry`), apply the look (:mod:`.colour`), draw the burn-ins (:mod:`.burnin`),
encode, and keep what relinks to the
camera original: the clip name (file name; MXF ``material_package_name``; MOV/MP4 ``title``), the start
timecode (MOV/MP4 ``tmcd`` track, MXF timecode), the reel/tape name (MOV ``reel_name`` on the track, MXF tape
source package), the exact frame rate and every frame. Camera audio is passed through (PCM for MXF/MOV, AAC
for MP4) unless a synced sound take is given (:mod:`.audio`: placed from its BWF time reference, instead of
the camera's); MXF OP-Atom writes one file per track (``<clip>_V1.mxf``, ``<clip>_A1.mxf``… one per channel).
A camera-raw clip (:mod:`.raw`) is first decoded by its vendor tool to an intermediate that is rendered like
any clip and removed after.

Files are written under a ``.partial`` name and renamed when complete: a killed render leaves no file that
looks finished.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import xxhash

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.timecode import fraction_of, frames_to_tc, is_drop_frame, tc_to_frames
from pixm_desktop.media.probe import stream_rate
from pixm_desktop.media.renditions import geometry
from pixm_desktop.media.renditions.audio import SoundFeed, SyncedSound, layout_name, rendition_samples
from pixm_desktop.media.renditions.burnin import BurnIn, ClipText
from pixm_desktop.media.renditions.colour import Cdl, Look, OcioLook
from pixm_desktop.media.renditions.presets import Preset
from pixm_desktop.media.renditions.raw import RawDecode, decoded

PROGRESS_EVERY = 8  # frames between two progress calls
HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class RenditionRequest:
    """One clip → one preset. ``start_tc``/``reel`` override what the media says (the catalog's values);
    ``burn_in`` is the field names (:data:`.burnin.FIELDS`), ``text`` their fixed texts; ``sound`` a synced
    take that replaces the camera audio; ``raw`` the decoder hook of a camera-raw ``source``."""

    source: Path
    clip_name: str
    preset: Preset
    out_dir: Path
    start_tc: str | None = None
    reel: str | None = None
    cdl: Cdl | None = None
    lut: Path | None = None
    burn_in: tuple[str, ...] = ()
    text: ClipText = field(default_factory=ClipText)
    sound: SyncedSound | None = None
    raw: RawDecode | None = None
    ocio: OcioLook | None = None  # an OpenColorIO pipeline instead of the LUT


@dataclass(frozen=True)
class RenditionResult:
    """What was written: ``paths`` (video first), their xxh64 (hex) in the same order, frames, exact rate,
    start timecode and reel as written."""

    paths: tuple[Path, ...]
    xxh64: tuple[str, ...]
    frames: int
    fps: Fraction
    start_tc: str
    reel: str


def output_paths(preset: Preset, out_dir: Path, clip_name: str, audio_channels: int) -> list[Path]:
    """The files a rendition writes: ``<clip>.<ext>``, or for OP-Atom ``<clip>_V1.mxf`` then one
    ``<clip>_A<n>.mxf`` per audio channel (none when the preset drops audio)."""
    if not preset.op_atom:
        return [out_dir / f"{clip_name}.{preset.extension}"]
    channels = 0 if preset.audio["codec"] == "none" else audio_channels
    return [out_dir / f"{clip_name}_V1.mxf"] + [out_dir / f"{clip_name}_A{n}.mxf" for n in range(1, channels + 1)]


def file_xxh64(path: Path) -> str:
    h = xxhash.xxh64()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


class _Writer:
    """The output containers and streams of one rendition."""

    def __init__(self, req: RenditionRequest, fps: Fraction, start_tc: str, reel: str,
                 audio_in: tuple[int, str] | None):
        p = req.preset
        self.fps, self.preset = fps, p
        channels = audio_in[0] if audio_in is not None else 0
        self.finals = output_paths(p, req.out_dir, req.clip_name, channels)
        self.partials = [f.with_name(f".{f.name}.partial") for f in self.finals]
        fmt = "mxf_opatom" if p.op_atom else p.container
        options = dict(p.data.get("container_options", {}))
        if p.op_atom:  # audio edit units at the picture's rate, so every track has the clip's duration
            options["mxf_audio_edit_rate"] = f"{fps.numerator}/{fps.denominator}"
        self.containers = [av.open(str(path), "w", format=fmt, options=options) for path in self.partials]
        for c in self.containers:
            c.metadata["timecode"] = start_tc
            if p.op_atom:  # the tape source package's name: Avid's tape
                c.metadata.update(material_package_name=req.clip_name, reel_name=reel)
            else:  # MP4 keeps the reel as a metadata tag (movflags use_metadata_tags), MOV on its tmcd track
                c.metadata.update(title=req.clip_name, reel_name=reel)
        self.video = self._video_stream(self.containers[0], reel)
        self.audio = []
        if audio_in is not None and p.audio["codec"] != "none":
            rate = p.audio.get("sample_rate", 48000)
            if p.op_atom:
                self.audio = [self._audio_stream(c, rate, "mono", reel) for c in self.containers[1:]]
            else:
                self.audio = [self._audio_stream(self.containers[0], rate, audio_in[1], reel)]
        self.audio_samples = 0

    def _video_stream(self, container, reel: str):
        v = self.preset.video
        options, bit_rate = self.preset.video_options(self.fps)
        stream = container.add_stream(v["codec"], rate=self.fps, options=options)
        stream.width, stream.height, stream.pix_fmt = v["width"], v["height"], v["pix_fmt"]
        stream.time_base = 1 / self.fps
        if bit_rate:
            stream.bit_rate = bit_rate
        if "gop" in v:
            stream.codec_context.gop_size = v["gop"]
        cc = stream.codec_context
        cc.thread_type = "AUTO"  # frame and slice threads, as the ffmpeg command uses (PyAV: slice only)
        cc.colorspace, cc.color_primaries, cc.color_trc = 1, 1, 1  # ITU-R BT.709, as the frames are converted
        stream.metadata["reel_name"] = reel
        return stream

    def _audio_stream(self, container, rate: int, layout: str, reel: str):
        a = self.preset.audio
        stream = container.add_stream(a["codec"], rate=rate, layout=layout)
        if "bit_rate" in a:
            stream.bit_rate = a["bit_rate"]
        stream.metadata["reel_name"] = reel
        return stream

    def video_frame(self, rgb: np.ndarray, index: int) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
            format=self.preset.video["pix_fmt"], dst_colorspace="ITU709")
        frame.pts, frame.time_base = index, 1 / self.fps
        self.containers[0].mux(self.video.encode(frame))

    def audio_frame(self, frame: av.AudioFrame) -> None:
        frame.pts, frame.time_base = self.audio_samples, Fraction(1, frame.sample_rate)
        self.audio_samples += frame.samples
        if not self.preset.op_atom:
            self.containers[0].mux(self.audio[0].encode(frame))
            return
        planes = frame.to_ndarray() if frame.format.is_planar else frame.to_ndarray().reshape(
            frame.samples, -1).T
        for n, stream in enumerate(self.audio):
            mono = av.AudioFrame.from_ndarray(np.ascontiguousarray(planes[n:n + 1]),
                                              format=frame.format.name.rstrip("p") + "p", layout="mono")
            mono.sample_rate, mono.pts, mono.time_base = frame.sample_rate, frame.pts, frame.time_base
            self.containers[1 + n].mux(stream.encode(mono))

    def finish(self) -> list[Path]:
        self.containers[0].mux(self.video.encode(None))
        for n, stream in enumerate(self.audio):
            self.containers[n + (1 if self.preset.op_atom else 0)].mux(stream.encode(None))
        self.close()
        for partial, final in zip(self.partials, self.finals, strict=True):
            os.replace(partial, final)
        return self.finals

    def close(self) -> None:
        for c in self.containers:
            try:
                c.close()
            except av.error.FFmpegError:
                pass

    def discard(self) -> None:
        self.close()
        for partial in self.partials:
            partial.unlink(missing_ok=True)


class Picture:
    """Decoded frames → the output's RGB frames: the preset's geometry (the source's stored size and pixel
    aspect ratio), the look on the picture (not on the bars), the burn-ins on the frame. Raises
    :class:`UsageError` (a preset geometry that does not fit the source, a bad look)."""

    def __init__(self, req: RenditionRequest, vin):
        v, g = req.preset.video, req.preset.data.get("geometry", {})
        width, height = vin.codec_context.width, vin.codec_context.height
        try:
            self.plan = geometry.plan(width, height, v["width"], v["height"],
                                      par=fraction_of(getattr(vin, "sample_aspect_ratio", None)),
                                      desqueeze=g.get("desqueeze"), extraction=g.get("extraction"))
        except ValueError as exc:
            raise UsageError(f"preset {req.preset.name} on {req.source.name} ({width}×{height}): {exc}") from None
        self.look = Look(req.cdl, req.lut, req.ocio)
        self.burn = BurnIn(req.burn_in, req.text, req.preset.burn_in, v["width"], v["height"]) \
            if req.burn_in else None

    def rgb(self, frame: av.VideoFrame, index: int, tc: str) -> np.ndarray:
        """The output frame ``index`` (0-based, source timecode ``tc``) made of ``frame``: H×W×3 uint8."""
        p = self.plan
        rgb = frame.reformat(width=p.scale_to[0], height=p.scale_to[1], format="rgb24",
                             interpolation="BICUBIC").to_ndarray()
        if p.full_frame:
            rgb = self.look.apply(rgb)
        else:
            (wx, wy), (pw, ph), (px, py) = p.window, p.picture, p.place
            out = np.zeros((p.frame[1], p.frame[0], 3), np.uint8)
            out[py:py + ph, px:px + pw] = self.look.apply(np.ascontiguousarray(rgb[wy:wy + ph, wx:wx + pw]))
            rgb = out
        if self.burn is not None:
            rgb = self.burn.draw(rgb, tc, index)
        return rgb


def _tag(container, key: str) -> str | None:
    """``key`` from the container's metadata or any stream's (MOV keeps ``reel_name`` on its tmcd track)."""
    for tags in [container.metadata] + [s.metadata for s in container.streams]:
        if tags.get(key):
            return tags[key].strip()
    return None


def render(req: RenditionRequest, progress: Callable[[int], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> RenditionResult:
    """Render ``req``; ``progress(frames done)`` every few frames; ``cancelled()`` is asked every frame.

    Raises :class:`UsageError` (no video stream, no rate, no start timecode anywhere, a bad look, an
    unreadable sound take), PyAV's errors for unreadable media, the decoder hook's errors (:mod:`.raw`) and
    :class:`CancelledError` (the partial files are removed)."""
    if req.raw is not None:
        with decoded(req.raw, req.source, req.clip_name, req.out_dir, cancelled) as made:
            return _render(replace(req, source=made.path, raw=None), progress, cancelled, made.open_args)
    return _render(req, progress, cancelled, {})


def _render(req: RenditionRequest, progress, cancelled, open_args: dict) -> RenditionResult:
    """:func:`render` of media FFmpeg reads; ``open_args`` go to ``av.open`` (an image sequence's demuxer and
    rate)."""
    req.out_dir.mkdir(parents=True, exist_ok=True)
    with av.open(str(req.source), metadata_errors="replace", **open_args) as src:
        if not src.streams.video:
            raise UsageError(f"{req.source.name} has no picture to render")
        vin = src.streams.video[0]
        vin.thread_type = "AUTO"
        ain = src.streams.audio[0] if src.streams.audio else None
        fps = stream_rate(vin)
        if fps is None:
            raise UsageError(f"{req.source.name}: no frame rate")
        start_tc = req.start_tc or vin.metadata.get("timecode") or src.metadata.get("timecode")
        if not start_tc:
            raise UsageError(f"{req.source.name}: no start timecode (a proxy that cannot relink is not made)")
        reel = req.reel or _tag(src, "reel_name") or req.clip_name[:32]
        picture = Picture(req, vin)
        first, drop = tc_to_frames(start_tc, fps), is_drop_frame(start_tc)
        sound = _sound_feed(req, first, fps)
        if sound is not None:  # the synced take instead of the camera's audio
            ain, audio_in = None, (sound.channels, layout_name(sound.channels))
        else:
            audio_in = _channels(ain)
        writer = _Writer(req, fps, start_tc, reel, audio_in)
        index = 0
        try:
            streams = [vin] + ([ain] if writer.audio and ain is not None else [])
            for packet in src.demux(*streams):
                for frame in packet.decode():
                    if isinstance(frame, av.AudioFrame):
                        writer.audio_frame(frame)
                        continue
                    if cancelled is not None and cancelled():
                        raise CancelledError(f"rendition of {req.clip_name} cancelled")
                    rgb = picture.rgb(frame, index, frames_to_tc(first + index, fps, drop_frame=drop))
                    writer.video_frame(rgb, index)
                    index += 1
                    if sound is not None and writer.audio:
                        _write_sound(writer, sound, rendition_samples(index, fps, sound.out_rate))
                    if progress is not None and index % PROGRESS_EVERY == 0:
                        progress(index)
            paths = writer.finish()
        except BaseException:
            writer.discard()
            raise
        finally:
            if sound is not None:
                sound.close()
    if progress is not None:
        progress(index)
    return RenditionResult(tuple(paths), tuple(file_xxh64(p) for p in paths), index, fps, start_tc, reel)


def _channels(ain) -> tuple[int, str] | None:
    """``(channels, layout name)`` of the camera's audio stream, ``None`` without one."""
    if ain is None:
        return None
    channels = ain.codec_context.channels
    return channels, ain.codec_context.layout.name if channels != 1 else "mono"


def _sound_feed(req: RenditionRequest, first: int, fps: Fraction) -> SoundFeed | None:
    """The synced take's feed when the request has one and the preset keeps audio."""
    codec = req.preset.audio["codec"]
    if req.sound is None or codec == "none":
        return None
    rate = req.preset.audio.get("sample_rate", 48000)
    return SoundFeed(req.sound, first, fps, rate, codec)


def _write_sound(writer: _Writer, sound: SoundFeed, total: int) -> None:
    """The take's samples up to ``total`` rendition samples, after the frame just written."""
    pcm = sound.until(total)
    if len(pcm):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(pcm).reshape(1, -1), format="s32",
                                           layout=layout_name(sound.channels))
        frame.sample_rate = sound.out_rate
        writer.audio_frame(frame)
def preview_frame(req: RenditionRequest, at: float = 0.5) -> tuple[np.ndarray, int, str]:
    """One frame of ``req`` as the rendition would have it, for a preview: ``(H×W×3 uint8 RGB, frame index,
    source timecode)``, the frame at ``at`` (0–1) of the clip's duration (the last decodable frame when the
    clip is shorter than its header says). Nothing is written. Raises as :func:`render`."""
    with av.open(str(req.source), metadata_errors="replace") as src:
        if not src.streams.video:
            raise UsageError(f"{req.source.name} has no picture to preview")
        vin = src.streams.video[0]
        fps = stream_rate(vin) or Fraction(24)
        start_tc = req.start_tc or vin.metadata.get("timecode") or src.metadata.get("timecode") or "00:00:00:00"
        picture = Picture(req, vin)
        frames = vin.frames or round(float(vin.duration * vin.time_base * fps) if vin.duration else 0)
        target = max(0, min(frames - 1, int(frames * at))) if frames else 0
        begin = vin.start_time or 0
        if target:
            src.seek(begin + int(target / fps / vin.time_base), stream=vin, backward=True)
        chosen, index = None, 0
        for frame in src.decode(vin):
            index = round((frame.pts - begin) * vin.time_base * fps) if frame.pts is not None else index + 1
            chosen = frame
            if index >= target:
                break
        if chosen is None:
            raise UsageError(f"{req.source.name}: no frame could be decoded")
        tc = frames_to_tc(tc_to_frames(start_tc, fps) + index, fps, drop_frame=is_drop_frame(start_tc))
        return picture.rgb(chosen, index, tc), index, tc
