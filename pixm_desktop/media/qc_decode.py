"""The full decode of ingest QC (``pixm qc --decode``): every video frame of a clip decoded with PyAV, and each
frame that does not decode named by its number.

FFmpeg reports a damaged frame in two ways, and both count: ``avcodec_send_packet`` refuses the packet (a
broken frame header: the frame is lost), or the decoder returns the frame flagged corrupt
(``AV_FRAME_FLAG_CORRUPT``, PyAV's ``VideoFrame.is_corrupt``: a slice whose data does not parse, concealed).
Frame numbers are 0-based in presentation order, from the packet's or frame's timestamp at the stream's rate
(the decode order index when a stream has no timestamps). A file that cannot be opened is one problem at
frame 0. Cost: a full decode, about the time PyAV's own decode loop takes (``benchmarks/qc_day.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av

from pixm_desktop.media.probe import stream_rate
from pixm_desktop.media.qc import DecodeProblem

#: How many problems of one clip are listed (a file broken from some point on would list every frame).
MAX_PROBLEMS = 50


def decode_problems(path: Path, *, cancelled: Callable[[], bool] = lambda: False,
                    limit: int = MAX_PROBLEMS) -> list[DecodeProblem]:
    """Decode every frame of the first video stream of ``path``; the frames that did not decode (at most
    ``limit``, then one line saying how many more). ``cancelled()`` is asked every 32 packets: when true the
    decode stops with what it found. A file without video decodes nothing and has no problem."""
    problems: list[DecodeProblem] = []
    more = 0
    try:
        for problem in _problems(path, cancelled):
            if len(problems) < limit:
                problems.append(problem)
            else:
                more += 1
    except (av.error.FFmpegError, OSError) as exc:  # the file cannot be opened or read at all
        problems.append(DecodeProblem(0, f"cannot read the file: {_why(exc)}"))
    if more:
        problems.append(DecodeProblem(problems[-1].frame, f"and {more} more frames that do not decode"))
    return problems


def _problems(path: Path, cancelled: Callable[[], bool]) -> Iterator[DecodeProblem]:
    with av.open(str(path)) as container:
        if not container.streams.video:
            return
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"  # frame threads report a packet's error on a later packet: wrong frame
        to_frame = _frame_number(stream)
        index = 0  # decode order, for streams without timestamps
        for n, packet in enumerate(container.demux(stream)):
            if n % 32 == 0 and cancelled():
                return
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                if packet.size:
                    yield DecodeProblem(to_frame(packet.pts, index), _why(exc))
                    index += 1
                continue
            for frame in frames:
                if frame.is_corrupt:
                    yield DecodeProblem(to_frame(frame.pts, index), "the frame's data is damaged (decoded with errors)")
                index += 1


def _frame_number(stream) -> Callable[[int | None, int], int]:
    tb, fps = stream.time_base, stream_rate(stream)
    start = stream.start_time or 0

    def number(pts: int | None, index: int) -> int:
        if pts is None or tb is None or fps is None:
            return index
        return round((pts - start) * Fraction(tb) * fps)

    return number


def _why(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:197] + "…"


__all__ = ["MAX_PROBLEMS", "decode_problems"]
