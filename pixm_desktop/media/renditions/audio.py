"""Synced sound in a rendition: where a BWF sound take's samples go under a picture clip (docs/dailies.md
§Synced sound).

Units: a *take sample* is one sample frame of the WAV's ``data`` (index 0 = the first); a *rendition sample*
is one sample frame of the rendition's audio at the preset's rate; a *TC frame* is one frame of a timecode
clock counted since midnight (drop-frame labels count real frames, so 29.97 DF and NDF count the same frames).

The take's clock (EBU Tech 3285 ``bext`` TimeReference, iXML ``SPEED``):

- ``TimeReference`` is the take's first sample in samples since midnight, counted at the *timestamp rate*:
  iXML ``TIMESTAMP_SAMPLE_RATE`` when given; else, for a pull-up file stamped at another rate than it was
  digitised at (``DIGITIZER_SAMPLE_RATE`` 48048, ``fmt`` 48000), the digitiser's rate when ``TIMECODE_RATE``
  is a whole rate (24, 30: the set's real clock) and the stamped rate when it is a 1000/1001 rate (the
  clock as the stamped file plays); else the ``fmt`` rate. Either pairing gives the same take samples per
  TC frame (48048/24 = 48000/(24000/1001) = 2002), which is what placing needs.
- ``TIMECODE_RATE`` (exact, ``24000/1001``) and ``TIMECODE_FLAG`` (``DF``/``NDF``) name the clock; the flag
  sets where the clock wraps at midnight (a 29.97 DF day has 2,589,408 frames, an NDF day 2,592,000).

"Placed" means: the take plays at the picture's rate — one TC frame of the take lasts one frame of the
picture as the rendition plays it. So a take recorded at 48048 Hz for a picture shot at 24 fps and played at
23.976 keeps its samples one for one (the classic pull-down by re-stamping), and any other ratio (a 44.1 kHz
preset, a 48048 Hz take under a picture that plays at a true 24) is resampled with FFmpeg's resampler
(``av.AudioResampler``). The take's sample that sits under the picture's first frame is the picture's start
minus the take's start, in TC frames, times the take samples per TC frame, rounded to the nearest sample
(frames at 29.97/48 kHz are 1601.6 samples long, so a frame's start is itself between two samples); the
difference wraps at midnight to the nearer side (a take that started 23:59:40 under a clip at 00:00:05 is
25 s early, never 23 h 59 min late). Picture and take clocks with different rates (23.976 picture, 24 take)
meet in timecode labels, as :mod:`pixm_desktop.media.sound_sync` matches them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import wavinfo

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.timecode import has_drop_frame, nominal, parse_rate
from pixm_desktop.media.sound_sync import hertz, timestamp_rate

CHUNK = 4096  # take samples read or resampled at a time


@dataclass(frozen=True)
class SyncedSound:
    """A sound take to put under a clip instead of the camera audio: the BWF's path (what a rendition needs)."""

    path: Path


@dataclass(frozen=True)
class TakeClock:
    """What a BWF says about its samples: ``time_reference`` (samples since midnight at ``timestamp_rate``
    Hz), ``file_rate`` (``fmt``, Hz), ``digitizer_rate`` (Hz the take was recorded at), ``tc_rate`` (exact
    fps), ``drop_frame``, ``channels`` and ``samples`` (sample frames in ``data``)."""

    time_reference: int
    timestamp_rate: int
    file_rate: int
    digitizer_rate: int
    tc_rate: Fraction
    drop_frame: bool
    channels: int
    samples: int

    @property
    def samples_per_frame(self) -> Fraction:
        """Take samples per TC frame (2002 for 23.976 at 48 kHz; 1601.6 for 29.97)."""
        return Fraction(self.timestamp_rate) / self.tc_rate

    @property
    def start_frame(self) -> Fraction:
        """The take's first sample in TC frames since midnight (exact, usually not whole)."""
        return self.time_reference / self.samples_per_frame


@dataclass(frozen=True)
class Placement:
    """Where the take goes: ``offset`` is the take sample under the picture's first frame (negative: the take
    starts that many take samples after it, silence first); ``ratio`` is rendition samples per take sample
    (exactly 1 when the take plays one for one)."""

    offset: int
    ratio: Fraction


def frames_per_day(rate: Fraction, drop_frame: bool) -> int:
    """TC frames from one midnight to the next: 24 h of labels at the nominal rate, less the labels a
    drop-frame clock skips (SMPTE ST 12-1)."""
    base = nominal(rate)
    if drop_frame and has_drop_frame(rate):
        drop = 2 * base // 30
        return (base * 600 - drop * 9) * 6 * 24
    return base * 86_400


def wrapped(delta: Fraction, day: int) -> Fraction:
    """``delta`` TC frames brought into ``(-day/2, day/2]``: the nearer way round midnight."""
    delta %= day
    return delta - day if delta > Fraction(day, 2) else delta


def place(clock: TakeClock, picture_start: int, picture_fps: Fraction, out_rate: int) -> Placement:
    """The :class:`Placement` of a take under a picture clip whose first frame is ``picture_start`` TC frames
    since midnight at ``picture_fps`` (exact), in a rendition whose audio runs at ``out_rate`` Hz."""
    start = Fraction(picture_start)
    if nominal(picture_fps) != nominal(clock.tc_rate):  # meet in labels (timecode seconds)
        start = start * nominal(clock.tc_rate) / nominal(picture_fps)
    delta = wrapped(start - clock.start_frame, frames_per_day(clock.tc_rate, clock.drop_frame))
    offset = round(delta * clock.samples_per_frame)
    # one take TC frame lasts (nominal picture frames per take frame) picture frames of out_rate/fps samples
    frame_out = Fraction(nominal(picture_fps), nominal(clock.tc_rate)) * out_rate / picture_fps
    return Placement(offset, frame_out / clock.samples_per_frame)


def rendition_samples(frames: int, fps: Fraction, rate: int) -> int:
    """Audio sample frames that last as long as ``frames`` picture frames at ``fps`` (nearest sample)."""
    return round(Fraction(frames) * rate / fps)


def read_clock(path: Path) -> TakeClock:
    """The :class:`TakeClock` of a BWF, read with ``wavinfo``. Raises :class:`UsageError` naming the file when
    it is not a WAV, or lacks ``bext`` (no TimeReference) or a timecode rate (iXML ``TIMECODE_RATE``, else the
    bext ``SPEED=`` key)."""
    try:
        info = wavinfo.WavInfoReader(str(path))
    except Exception as exc:  # wavinfo raises plain exceptions for a file that is no WAV
        raise UsageError(f"sound take {path.name} cannot be read as WAV: {exc}") from None
    if info.fmt is None or info.data is None:
        raise UsageError(f"sound take {path.name} has no fmt/data chunk")
    if info.bext is None:
        raise UsageError(f"sound take {path.name} has no bext chunk: no time reference to sync by")
    xml = info.ixml.raw_xml if info.ixml is not None else None

    def ix(name: str) -> str | None:
        text = xml.findtext(f"SPEED/{name}") if xml is not None else None
        return text.strip() if text and text.strip() else None

    speed = next((line.split("=", 1)[1] for line in (info.bext.description or "").splitlines()
                  if line.strip().lstrip("sg").startswith("SPEED=")), None)
    rate = parse_rate(ix("TIMECODE_RATE")) or parse_rate(speed)
    if rate is None:
        raise UsageError(f"sound take {path.name} states no timecode rate (iXML TIMECODE_RATE)")
    flag = (ix("TIMECODE_FLAG") or "").upper()
    drop = flag == "DF" or (not flag and (speed or "").strip().upper().endswith("-DF"))
    file_rate = info.fmt.sample_rate
    digitizer = hertz(ix("DIGITIZER_SAMPLE_RATE")) or file_rate
    stated = hertz(ix("TIMESTAMP_SAMPLE_RATE"))
    return TakeClock(info.bext.time_reference, timestamp_rate(file_rate, digitizer, rate, stated), file_rate,
                     digitizer, rate, drop, info.fmt.channel_count, info.data.frame_count)


def kept_channels(codec: str, channels: int) -> int:
    """How many of the take's channels (in the file's order) a rendition carries: all of them in PCM (Avid and
    editorial get every iso track; OP-Atom writes one file each), the first two — a recorder's mix L/R — in a
    lossy review codec (AAC), whose players expect stereo."""
    return channels if codec.startswith("pcm_") else min(channels, 2)


def layout_name(channels: int) -> str:
    """FFmpeg's layout for ``channels``: ``mono``, ``stereo``, else its default for that count (``4c``)."""
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


class SoundFeed:
    """The take as the rendition's audio, in order: :meth:`until` gives the rendition samples up to a count
    (silence before and after the take), as ``(samples, channels)`` int32 arrays (PCM left-aligned in 32
    bits, as FFmpeg's ``s32``), ``channels`` as :func:`kept_channels` says for the preset's ``codec``. Reads
    with PyAV; resamples only when the placement's ratio is not 1. Raises :class:`UsageError` (see
    :func:`read_clock`)."""

    def __init__(self, sound: SyncedSound, picture_start: int, picture_fps: Fraction, out_rate: int,
                 codec: str = "pcm_s24le"):
        self.clock = read_clock(sound.path)
        self.placement = place(self.clock, picture_start, picture_fps, out_rate)
        self.channels = kept_channels(codec, self.clock.channels)
        self.out_rate, self.given = out_rate, 0
        self._container = av.open(str(sound.path))
        self._chunks = self._resampled(self._take_samples())
        self._buffer = np.zeros((0, self.channels), np.int32)
        self._ended = False

    def until(self, total: int) -> np.ndarray:
        """The next rendition samples so that ``total`` have been given in all (an empty array when there
        already are)."""
        want = total - self.given
        while len(self._buffer) < want and not self._ended:
            chunk = next(self._chunks, None)
            if chunk is None:
                self._ended = True
            else:
                self._buffer = np.concatenate([self._buffer, chunk])
        out = self._buffer[:max(want, 0)]
        self._buffer = self._buffer[len(out):]
        if len(out) < want:  # after the take: silence
            out = np.concatenate([out, np.zeros((want - len(out), self.channels), np.int32)])
        self.given += len(out)
        return out

    def close(self) -> None:
        self._container.close()

    def _take_samples(self) -> Iterator[np.ndarray]:
        """Take samples from ``offset`` on: leading silence when the take starts late, then the file."""
        skip = self.placement.offset
        if skip < 0:
            yield np.zeros((-skip, self.channels), np.int32)
            skip = 0
        for frame in self._container.decode(audio=0):
            pcm = _as_s32(frame, self.clock.channels)[:, :self.channels]
            if skip >= len(pcm):
                skip -= len(pcm)
                continue
            yield pcm[skip:]
            skip = 0

    def _resampled(self, chunks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        ratio = self.placement.ratio
        if ratio == 1:
            yield from chunks
            return
        in_rate, out_rate = _rate_pair(ratio, self.clock.file_rate)
        layout = layout_name(self.channels)
        resampler = av.AudioResampler(format="s32", layout=layout, rate=out_rate)
        pts = 0
        for chunk in chunks:
            for start in range(0, len(chunk), CHUNK):
                part = np.ascontiguousarray(chunk[start:start + CHUNK])
                frame = av.AudioFrame.from_ndarray(part.reshape(1, -1), format="s32", layout=layout)
                frame.sample_rate, frame.pts = in_rate, pts
                pts += len(part)
                yield from (_as_s32(f, self.channels) for f in resampler.resample(frame))
        yield from (_as_s32(f, self.channels) for f in resampler.resample(None))


def _rate_pair(ratio: Fraction, near: int) -> tuple[int, int]:
    """Whole input/output rates (Hz) in exactly ``ratio`` (output per input), the input near ``near``."""
    k = max(1, round(near / ratio.denominator))
    return ratio.denominator * k, ratio.numerator * k


def _as_s32(frame: av.AudioFrame, channels: int) -> np.ndarray:
    """A decoded frame as ``(samples, channels)`` int32, whatever its sample format."""
    if frame.format.name != "s32":  # 16-bit or float takes: the same samples in 32 bits
        frame = av.AudioResampler(format="s32", layout=frame.layout, rate=frame.sample_rate).resample(frame)[0]
    return frame.to_ndarray().reshape(-1, channels)


__all__ = ["Placement", "SoundFeed", "SyncedSound", "TakeClock", "frames_per_day", "kept_channels",
           "layout_name", "place", "read_clock", "rendition_samples", "timestamp_rate", "wrapped"]
