"""Thumbnails: first, middle and last frame of a clip as ~480 px wide JPEGs, with PyAV only.

Each picture is found by seeking to the nearest earlier key frame and decoding forward to the wanted frame
(intra codecs like ProRes/DNxHD decode one frame; long-GOP H.264 up to a GOP), then scaled with swscale
(area filter, display aspect honoured) and encoded by FFmpeg's MJPEG encoder. Files are written under a temp
name and renamed, so a reader never sees half a JPEG.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.codec.context import Flags

from pixm_desktop.core.timecode import fraction_of
from pixm_desktop.media.probe import stream_frames, stream_rate

THUMB_WIDTH = 480  # px
JPEG_QSCALE = 3  # MJPEG quantiser: 2 best … 31 worst


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """One written picture: ``index`` 0/1/2 (first/middle/last), the clip ``frame`` it shows, its file and size."""

    index: int
    frame: int
    path: Path
    width: int
    height: int


def thumbnail_frames(frames: int | None, count: int = 3) -> list[int]:
    """Frame numbers to show: first, middle, last (fewer for very short clips, no duplicates)."""
    if not frames or frames <= 1:
        return [0]
    picks = [round(i * (frames - 1) / (count - 1)) for i in range(count)] if count > 1 else [0]
    return sorted(set(picks))


def make_thumbnails(media: Path, out_dir: Path, stem: str, *, width: int = THUMB_WIDTH, count: int = 3) -> list[Thumbnail]:
    """Write ``<stem>_<n>.jpg`` into ``out_dir`` for the first/middle/last frame of ``media``'s first video
    stream. Raises ``av.FFmpegError``/``OSError``/``ValueError`` when the media cannot be decoded at all; a
    picture that cannot be reached is left out (the others are still written)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Thumbnail] = []
    with av.open(str(media)) as container:
        if not container.streams.video:
            raise ValueError(f"{media.name} has no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = stream_rate(stream) or Fraction(25)
        frames = stream_frames(stream, container, fps)
        tb = fraction_of(stream.time_base) or Fraction(1, 90000)
        start = stream.start_time or 0
        size = _thumb_size(stream, width)
        for index, frame_no in enumerate(thumbnail_frames(frames, count)):
            target = start + int(Fraction(frame_no) / fps / tb)
            picture = _frame_at(container, stream, target)
            if picture is None:
                continue
            shown = frame_no if picture.pts is None else round((picture.pts - start) * tb * fps)
            path = out_dir / f"{stem}_{index}.jpg"
            _write_atomic(path, encode_jpeg(picture, *size))
            written.append(Thumbnail(index, shown, path, *size))
    if not written:
        raise ValueError(f"no picture of {media.name} could be decoded")
    return written


def _thumb_size(stream, width: int) -> tuple[int, int]:
    """Display size scaled to ``width`` (even numbers, sample aspect ratio applied)."""
    w, h = stream.width or width, stream.height or width * 9 // 16
    sar = fraction_of(getattr(stream, "sample_aspect_ratio", None)) or Fraction(1)
    display_w = w * sar
    height = max(2, round(Fraction(width) * h / display_w / 2) * 2)
    return width, height


def _frame_at(container, stream, target: int):
    """The frame shown at ``target`` (stream time base): the last frame with pts ≤ target, decoding forward
    from the key frame before it. Falls back to a decode from the start when seeking fails."""
    for attempt in ("seek", "start"):
        try:
            container.seek(target if attempt == "seek" else (stream.start_time or 0), stream=stream,
                           backward=True, any_frame=False)
        except Exception:
            if attempt == "seek":
                continue
            return None
        best = None
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    best = frame
                    continue
                if frame.pts <= target:
                    best = frame
                    if frame.pts == target:
                        break
                else:
                    best = best or frame  # the seek landed after the target: take what is there
                    break
        except Exception:
            if best is None and attempt == "seek":
                continue
        if best is not None:
            return best
    return None


def encode_jpeg(frame, width: int, height: int) -> bytes:
    """One video frame scaled to ``width``×``height`` as a baseline JPEG (full-range 4:2:0)."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.time_base = Fraction(1, 25)
    encoder.color_range = 2  # JPEG full range
    encoder.flags |= Flags.qscale
    encoder.qmin = encoder.qmax = JPEG_QSCALE
    picture = frame.reformat(width, height, "yuv420p", interpolation="AREA", dst_color_range=2)
    picture.pts = 0
    return b"".join(bytes(p) for p in (*encoder.encode(picture), *encoder.encode(None)))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's SOF marker; ``None`` if the bytes are not a complete JPEG."""
    if data[:2] != b"\xff\xd8" or data[-2:] != b"\xff\xd9":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


__all__ = ["THUMB_WIDTH", "Thumbnail", "encode_jpeg", "jpeg_size", "make_thumbnails", "thumbnail_frames"]
