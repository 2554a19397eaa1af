"""Cut a frame range out of an intra-frame MOV (ProRes, DNxHD/HR) by stream copy: no frame is decoded or
encoded, so the pictures are the camera's own bytes. Used for VFX pulls with ``--trim``; long-GOP and camera
raw are never trimmed (a cut between key frames, or a vendor container, would not stay a valid clip).

Timecode: the output's start timecode (SMPTE ST 12-1 label of its first frame) is written as the MOV's
``tmcd`` track; the caller probes the result back.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av


def stream_copy_range(src: Path, dest: Path, fps: Fraction, first: int, count: int, start_tc: str) -> int:
    """Write frames ``first`` … ``first + count - 1`` (0 = the clip's first frame, at the exact rate ``fps``) of
    the MOV ``src`` to the new MOV ``dest``: the first video stream and every audio stream, packets copied as
    they are, audio kept for the same span of time; ``start_tc`` (``HH:MM:SS:FF``, ``;`` for drop frame) as its
    timecode. Returns the frames written. Raises ``ValueError`` (no picture, an empty range, a file FFmpeg
    cannot read or write, with its words); ``dest`` is removed on failure."""
    if count <= 0 or first < 0:
        raise ValueError(f"empty frame range {first}+{count}")
    try:
        with av.open(str(src)) as inp:
            if not inp.streams.video:
                raise ValueError(f"{src.name} has no picture")
            return _copy(inp, dest, fps, first, count, start_tc)
    except av.FFmpegError as exc:
        dest.unlink(missing_ok=True)
        raise ValueError(str(exc)) from None
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _copy(inp, dest: Path, fps: Fraction, first: int, count: int, start_tc: str) -> int:
    vin = inp.streams.video[0]
    ains = list(inp.streams.audio)
    begin = vin.start_time or 0
    span = (Fraction(first) / fps, Fraction(first + count) / fps)  # seconds from the clip's start
    with av.open(str(dest), "w", format="mov") as out:
        vout = out.add_stream_from_template(vin)
        vout.codec_context.framerate = fps  # the tmcd track needs the stream's rate
        vout.metadata["timecode"] = start_tc  # the mov muxer writes it as the tmcd track
        aouts = {a.index: out.add_stream_from_template(a) for a in ains}
        written, shift, past = 0, {}, set()
        for packet in inp.demux(vin, *ains):
            if packet.dts is None or packet.pts is None:
                continue  # the demuxer's flush packet
            stream = packet.stream
            at = (packet.pts - (begin if stream is vin else (stream.start_time or 0))) * stream.time_base
            if stream is vin:
                index = round(at * fps)
                if not first <= index < first + count:
                    past.update([vin.index] if index >= first + count else [])
                    if len(past) == 1 + len(ains):
                        break  # every stream is past the range: the rest of a long clip is not read
                    continue
                written += 1
                target = vout
            elif span[0] <= at < span[1]:
                target = aouts[stream.index]
            else:
                past.update([stream.index] if at >= span[1] else [])
                continue
            offset = shift.setdefault(stream.index, packet.dts)
            packet.pts -= offset
            packet.dts -= offset
            packet.stream = target
            out.mux(packet)
    return written


__all__ = ["stream_copy_range"]
