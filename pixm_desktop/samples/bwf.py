"""Write Broadcast WAV files the way location sound recorders do (docs/cards.md §Sound,
docs/media.md §Sound files).

A recorder's poly WAV carries, besides ``fmt `` and ``data``:

- ``bext`` (EBU Tech 3285): 602 fixed bytes plus a coding history. ``TimeReference`` is the start in
  samples since midnight, so start TC = TimeReference × fps / sample rate. The free-text description
  holds Sound Devices-style ``sKEY=value`` lines (``sSCENE=``, ``sTAKE=``, ``sTAPE=``…); other recorders
  spell the keys ``gSCENE=`` or ``SCENE=``, readers must accept all three.
- ``iXML``: PROJECT, SCENE, TAKE, TAPE (sound roll), CIRCLED, NOTE, SPEED (rates as ``25/1`` or
  ``24000/1001``, never ``23.976``; ``TIMECODE_FLAG`` DF/NDF; a pull-up recording's
  ``DIGITIZER_SAMPLE_RATE`` 48048 beside the ``FILE_SAMPLE_RATE`` it is stamped at; the
  ``TIMESTAMP_SAMPLE_RATE`` that TimeReference counts at) and TRACK_LIST.

Only writing lives here; ``wavinfo`` reads real recorder files and is what the tests read ours with.
"""

from __future__ import annotations

import datetime
import math
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from xml.sax.saxutils import escape

BEXT_FIXED_BYTES = 602  # EBU Tech 3285 v1/v2 fixed part; wavinfo unpacks exactly this much
BEXT_DESCRIPTION_BYTES = 256


@dataclass(frozen=True)
class BwfTake:
    """Slate and clock of one recording.

    ``fps`` is the timecode rate (exact, e.g. ``Fraction(24000, 1001)``), ``drop_frame`` its iXML
    ``TIMECODE_FLAG``; ``time_reference`` is the first sample's position in samples since midnight at
    ``timestamp_rate`` (Hz; default ``sample_rate``, the rate stamped in ``fmt``). ``digitizer_rate`` is the
    rate the take was really recorded at (48048 for a pull-up file stamped 48000; default ``sample_rate``).
    iXML ``TIMESTAMP_SAMPLE_RATE`` is ``timestamp_rate``, else ``sample_rate`` — left out for a pull-up file
    without a ``timestamp_rate``, as some recorders do.
    """

    project: str
    scene: str
    take: str
    tape: str  # sound roll
    circled: bool
    note: str
    fps: Fraction
    time_reference: int
    recorded: datetime.datetime  # wall-clock start, goes into OriginationDate/Time
    tracks: tuple[str, ...]  # track names, one per channel, in interleave order
    sample_rate: int = 48_000
    bit_depth: int = 24
    originator: str = "PIXM-SAMPLE"
    originator_ref: str = ""
    file_uid: str = ""
    drop_frame: bool = False
    digitizer_rate: int | None = None
    timestamp_rate: int | None = None


def speed_text(fps: Fraction, drop_frame: bool = False) -> str:
    """Sound Devices' ``sSPEED`` value: nominal rate with three decimals and ``-ND`` (non-drop) or ``-DF``,
    e.g. ``023.976-ND``."""
    return f"{float(fps):07.3f}-{'DF' if drop_frame else 'ND'}"


def rate_text(fps: Fraction) -> str:
    """iXML rate spelling: ``25/1``, ``24000/1001``."""
    return f"{fps.numerator}/{fps.denominator}"


def bext_description(take: BwfTake, filename: str) -> str:
    """``sKEY=value`` lines joined by CR LF, cut at whole lines so they fit the 256-byte field."""
    lines = [
        f"sSPEED={speed_text(take.fps, take.drop_frame)}",
        f"sTAKE={take.take}",
        f"sSCENE={take.scene}",
        f"sTAPE={take.tape}",
        f"sFILENAME={filename}",
        f"sPROJECT={take.project}",
        f"sCIRCLED={'TRUE' if take.circled else 'FALSE'}",
        *(f"sTRK{i}={name}" for i, name in enumerate(take.tracks, 1)),
        f"sNOTE={take.note}",
    ]
    text = ""
    for line in lines:
        candidate = f"{text}{line}\r\n"
        if len(candidate.encode("ascii", "replace")) > BEXT_DESCRIPTION_BYTES:
            break
        text = candidate
    return text


def bext_chunk(take: BwfTake, filename: str, channels: int) -> bytes:
    """The ``bext`` payload, version 1 (UMID field left empty, as most recorders do)."""
    fixed = struct.pack(
        "<256s32s32s10s8sQH64s190s",
        _ascii(bext_description(take, filename)),
        _ascii(take.originator),
        _ascii(take.originator_ref),
        _ascii(take.recorded.strftime("%Y-%m-%d")),
        _ascii(take.recorded.strftime("%H:%M:%S")),
        take.time_reference,
        1,
        b"",
        b"",
    )
    assert len(fixed) == BEXT_FIXED_BYTES
    mode = "mono" if channels == 1 else "poly"
    history = f"A=PCM,F={take.sample_rate},W={take.bit_depth},M={mode},T={take.originator}\r\n"
    return fixed + _ascii(history)


def ixml_chunk(take: BwfTake, filename: str) -> bytes:
    """The ``iXML`` payload (UTF-8 XML, iXML 1.61 element names)."""
    hi, lo = divmod(take.time_reference, 1 << 32)
    pulled = take.digitizer_rate not in (None, take.sample_rate)
    stamp_rate = take.timestamp_rate or (None if pulled else take.sample_rate)  # a pull-up may leave it out
    stamp = f"<TIMESTAMP_SAMPLE_RATE>{stamp_rate}</TIMESTAMP_SAMPLE_RATE>" if stamp_rate else ""
    rate = rate_text(take.fps)
    track_xml = "".join(
        f"<TRACK><CHANNEL_INDEX>{i}</CHANNEL_INDEX><INTERLEAVE_INDEX>{i}</INTERLEAVE_INDEX>"
        f"<NAME>{escape(name)}</NAME><FUNCTION></FUNCTION></TRACK>"
        for i, name in enumerate(take.tracks, 1)
    )
    fields = [
        ("IXML_VERSION", "1.61"),
        ("PROJECT", take.project),
        ("SCENE", take.scene),
        ("TAKE", take.take),
        ("TAPE", take.tape),
        ("CIRCLED", "TRUE" if take.circled else "FALSE"),
        ("NOTE", take.note),
        ("FILE_UID", take.file_uid),
    ]
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields)
    speed = (
        f"<SPEED><NOTE>{escape(take.note)}</NOTE><MASTER_SPEED>{rate}</MASTER_SPEED>"
        f"<CURRENT_SPEED>{rate}</CURRENT_SPEED><TIMECODE_RATE>{rate}</TIMECODE_RATE>"
        f"<TIMECODE_FLAG>{'DF' if take.drop_frame else 'NDF'}</TIMECODE_FLAG>"
        f"<FILE_SAMPLE_RATE>{take.sample_rate}</FILE_SAMPLE_RATE>"
        f"<AUDIO_BIT_DEPTH>{take.bit_depth}</AUDIO_BIT_DEPTH>"
        f"<DIGITIZER_SAMPLE_RATE>{take.digitizer_rate or take.sample_rate}</DIGITIZER_SAMPLE_RATE>"
        f"<TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI>{hi}</TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI>"
        f"<TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO>{lo}</TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO>"
        f"{stamp}</SPEED>"
    )
    tracks = f"<TRACK_LIST><TRACK_COUNT>{len(take.tracks)}</TRACK_COUNT>{track_xml}</TRACK_LIST>"
    history = f"<HISTORY><ORIGINAL_FILENAME>{escape(filename)}</ORIGINAL_FILENAME></HISTORY>"
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<BWFXML>{body}{speed}{tracks}{history}</BWFXML>\n'
    return xml.encode("utf-8")


def write_bwf(path: Path, take: BwfTake, pcm: bytes) -> None:
    """Write ``pcm`` (interleaved little-endian integer samples, ``len(take.tracks)`` channels of
    ``take.bit_depth`` bits) as a BWF with ``bext`` and ``iXML``. Chunk order is the recorders' one:
    metadata before ``data`` so the header can be rewritten in place."""
    channels = len(take.tracks)
    block_align = channels * take.bit_depth // 8
    if len(pcm) % block_align:
        raise ValueError(f"pcm length {len(pcm)} is not a whole number of {block_align}-byte sample frames")
    fmt = struct.pack(
        "<HHIIHH", 1, channels, take.sample_rate, take.sample_rate * block_align, block_align, take.bit_depth
    )
    chunks = [
        (b"fmt ", fmt),
        (b"bext", bext_chunk(take, path.name, channels)),
        (b"iXML", ixml_chunk(take, path.name)),
        (b"data", pcm),
    ]
    body = b"".join(_chunk(ident, payload) for ident, payload in chunks)
    with open(path, "wb") as fh:
        fh.write(b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE")
        fh.write(body)


def tone_pcm(samples: int, channels: int, *, level: float = 0.1) -> bytes:
    """``samples`` sample frames of deterministic 24-bit test tone, one pitch per channel.

    At 48 kHz the pitches are 1 kHz, 500 Hz, 250 Hz, 750 Hz, 1.5 kHz, 2 kHz: each fits a 192-sample period
    exactly, so one period is built and repeated (fast, and the same bytes every run). ``level`` is the
    peak as a fraction of full scale.
    """
    period = 192
    cycles = (4, 2, 1, 3, 6, 8)  # cycles per period, per channel
    amplitude = int(level * (2**23 - 1))
    block = b"".join(
        int(amplitude * math.sin(2 * math.pi * cycles[c % len(cycles)] * n / period)).to_bytes(
            3, "little", signed=True
        )
        for n in range(period)
        for c in range(channels)
    )
    whole, rest = divmod(samples, period)
    return block * whole + block[: rest * 3 * channels]


def click_pcm(samples: int, channels: int, at: int, *, level: float = 0.9) -> bytes:
    """``samples`` sample frames of 24-bit silence with a one-sample click at sample ``at`` (0 = the first):
    channel ``c`` clicks at ``level × (1 - c/10)`` of full scale, so the channel order can be checked too.
    A marker to find again after placing the take (``at`` outside the range gives silence only)."""
    pcm = bytearray(samples * channels * 3)
    if 0 <= at < samples:
        for c in range(channels):
            value = int(level * (1 - c / 10) * (2**23 - 1))
            offset = (at * channels + c) * 3
            pcm[offset:offset + 3] = value.to_bytes(3, "little", signed=True)
    return bytes(pcm)


def _chunk(ident: bytes, payload: bytes) -> bytes:
    pad = b"\0" if len(payload) % 2 else b""  # RIFF chunks are word aligned
    return ident + struct.pack("<I", len(payload)) + payload + pad


def _ascii(text: str) -> bytes:
    return text.encode("ascii", "replace")


__all__ = [
    "BwfTake",
    "bext_chunk",
    "bext_description",
    "click_pcm",
    "ixml_chunk",
    "rate_text",
    "speed_text",
    "tone_pcm",
    "write_bwf",
]
