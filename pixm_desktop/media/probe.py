"""Probe a clip: codec, picture size, exact rate, duration, start timecode, names, camera, audio.

Sources, in order of trust (docs/media.md §Where metadata comes from): the media itself through PyAV
(MOV/MP4/MXF), BWF ``bext`` + ``iXML`` through ``wavinfo``, then the camera's sidecars (Sony ``M01.XML``
NonRealTimeMeta, Canon clip XML, BRAW ``.sidecar`` JSON) read with the standard library. R3D and BRAW have no open decoder: their clips get
``status = ProbeStatus.NO_DECODER`` and whatever the names and sidecars give.

Nothing here raises for bad media: unreadable, truncated or garbled files give ``ProbeStatus.FAILED`` (or
``PARTIAL``) and a human ``error``. PyAV's quirks are normalised in :func:`stream_rate` and
:func:`stream_frames` only.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import wavinfo

from pixm_desktop.core import cameras
from pixm_desktop.core.states import ClipKind, ProbeStatus
from pixm_desktop.core.timecode import fraction_of, frames_to_tc, is_drop_frame, parse_rate, tc_to_frames
from pixm_desktop.media.sound_sync import hertz, timestamp_rate

_BEXT_KEY = re.compile(r"^(?:[sg](?=[A-Z]))?([A-Z][A-Z0-9_]*)=(.*)$")
_MODEL_KEYS = ("com.arri.camera.cameramodel", "com.apple.quicktime.model", "camera_model", "cameramodel", "model")
_SERIAL_KEYS = ("com.arri.camera.cameraserialnumber", "camera_serial_number", "cameraserialnumber",
                "serial_number", "serialnumber", "com.apple.quicktime.camera.identifier")
_MAKE_KEYS = ("com.apple.quicktime.make", "make", "manufacturer")


@dataclass(slots=True)
class ProbeResult:
    """What could be read about one clip. Unknown values stay ``None``.

    ``fps`` is exact; ``frames`` is the duration in frames at ``fps``; ``start_frame`` counts timecode labels
    since midnight at the nominal rate; ``tape_name`` is the ≤ 8-character EDL reel; ``clip_name`` is the name
    the media itself carries (MXF ``material_package_name``), when it does.
    """

    status: ProbeStatus = ProbeStatus.OK
    error: str | None = None
    source: str | None = None  # the file the essence values were read from
    codec: str | None = None
    codec_profile: str | None = None
    width: int | None = None
    height: int | None = None
    fps: Fraction | None = None
    frames: int | None = None
    start_tc: str | None = None
    start_frame: int | None = None
    drop_frame: bool = False
    clip_name: str | None = None
    tape_name: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    camera_serial: str | None = None
    lens: str | None = None
    audio_channels: int | None = None
    sample_rate: int | None = None
    recorded_at: str | None = None  # ISO 8601 as the file states it
    # sound (iXML/bext): the slate as the recorder logged it
    scene: str | None = None
    take: str | None = None
    circled: bool | None = None
    note: str | None = None
    project: str | None = None
    tracks: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def fill(self, **values) -> None:
        """Set the given fields that are still unknown (``None``)."""
        for key, value in values.items():
            if value is not None and getattr(self, key) is None:
                setattr(self, key, value)

    def fail(self, status: ProbeStatus, reason: str) -> None:
        self.status = status
        self.error = f"{self.error}; {reason}" if self.error else reason

    def set_timecode(self, tc: str | None, fps: Fraction | None) -> None:
        """Start timecode label and its frame count; a bad label becomes a warning."""
        if not tc or self.start_tc is not None:
            return
        tc = tc.strip()
        if fps is None:
            self.start_tc = tc
            return
        try:
            self.start_frame = tc_to_frames(tc, fps)
        except ValueError as exc:
            self.warnings.append(str(exc))
            return
        self.start_tc, self.drop_frame = tc, is_drop_frame(tc)


# --- the one place PyAV quirks are handled -------------------------------------------------------------------


def stream_rate(stream) -> Fraction | None:
    """Exact frame rate of a video stream. PyAV 18 gives ``Fraction`` or ``None`` (19: ``AVRational``); MXF
    ProRes ``average_rate`` is ``None``/0/0, so fall back to ``base_rate`` then ``guessed_rate``."""
    for attr in ("average_rate", "base_rate", "guessed_rate"):
        rate = fraction_of(getattr(stream, attr, None))
        if rate is not None and rate < 1000:  # 90000/1 is a time base, not a rate
            return rate
    return None


def stream_frames(stream, container, fps: Fraction | None) -> int | None:
    """Duration in frames: the stream's count, else (MXF says 0) stream duration × time base × rate, else the
    container duration."""
    if getattr(stream, "frames", 0):
        return int(stream.frames)
    if fps is None:
        return None
    tb = fraction_of(stream.time_base)
    if stream.duration and tb:
        return round(stream.duration * tb * fps)
    if container.duration:
        return round(Fraction(container.duration, 1_000_000) * fps)
    return None


# --- names ------------------------------------------------------------------------------------------------------


def names_from_clip_name(name: str) -> tuple[str | None, str]:
    """``(reel, tape_name)`` a clip name implies, by the camera families' name rules
    (:func:`pixm_desktop.core.cameras.names_from_clip_name`)."""
    return cameras.names_from_clip_name(name)


# --- video through PyAV ----------------------------------------------------------------------------------------


def probe_media(path: Path, result: ProbeResult | None = None) -> ProbeResult:
    """Read a movie (MOV/MP4/MXF…) with PyAV into ``result`` (a new one by default); decodes one frame to
    prove the essence is readable."""
    r = result or ProbeResult()
    r.source = str(path)
    try:
        container = av.open(str(path), metadata_errors="replace")
    except Exception as exc:  # FFmpeg errors, OSError, bad headers
        r.fail(ProbeStatus.FAILED, f"cannot open {path.name}: {_why(exc)}")
        return r
    with container:
        tags = {k.lower(): v for k, v in container.metadata.items()}
        videos = list(container.streams.video)
        audios = list(container.streams.audio)
        for s in container.streams:
            for k, v in s.metadata.items():
                tags.setdefault(k.lower(), v)
        if not videos and not audios:
            r.fail(ProbeStatus.FAILED, f"{path.name} holds no video or audio stream")
            return r
        if videos:
            v = videos[0]
            cc = v.codec_context
            r.codec = cc.name if cc is not None else None
            profile = getattr(cc, "profile", None)
            r.codec_profile = str(profile) if profile else None
            r.width, r.height = v.width or None, v.height or None
            fps = stream_rate(v)
            r.fps = fps
            r.frames = stream_frames(v, container, fps)
            tc = v.metadata.get("timecode") or _data_tag(container, "timecode") or container.metadata.get("timecode")
            r.set_timecode(tc, fps)
            sar = fraction_of(getattr(v, "sample_aspect_ratio", None))
            if sar and sar != 1:
                r.extra["pixel_aspect"] = f"{sar.numerator}/{sar.denominator}"
        if audios:
            r.audio_channels = sum(_channels(a) for a in audios)
            r.sample_rate = audios[0].codec_context.sample_rate or None
        reel = tags.get("reel_name") or _data_tag(container, "reel_name")
        if reel:
            r.tape_name = reel.strip()
        r.clip_name = tags.get("material_package_name") or None
        r.recorded_at = tags.get("creation_time") or tags.get("modification_date") or None
        r.fill(camera_model=_first(tags, _MODEL_KEYS), camera_serial=_first(tags, _SERIAL_KEYS),
               camera_make=_first(tags, _MAKE_KEYS))
        company = tags.get("company_name")
        if company and company.lower() not in ("ffmpeg", "lavf"):  # MXF identification of the recording device
            r.fill(camera_make=company, camera_model=tags.get("product_name"))
        if videos:
            _decode_first(container, r, path)
        if r.start_tc is None and videos:
            r.warnings.append("no start timecode in the media")
    return r


def _decode_first(container, r: ProbeResult, path: Path) -> None:
    try:
        for _frame in container.decode(video=0):
            return
        r.fail(ProbeStatus.PARTIAL, f"{path.name}: no picture could be decoded")
    except Exception as exc:
        r.fail(ProbeStatus.PARTIAL, f"{path.name}: picture does not decode: {_why(exc)}")


def _data_tag(container, key: str) -> str | None:
    """A tag of the MOV timecode (``tmcd``) data stream, where ``reel_name`` lives in QuickTime."""
    for s in container.streams:
        if s.type not in ("video", "audio") and key in s.metadata:
            return s.metadata[key]
    return None


def _channels(stream) -> int:
    cc = stream.codec_context
    layout = getattr(cc, "layout", None)
    n = getattr(layout, "nb_channels", None) or getattr(cc, "channels", None)
    return int(n or 0)


def _first(tags: dict[str, str], keys: tuple[str, ...]) -> str | None:
    for k in keys:
        if tags.get(k):
            return tags[k].strip()
    return None


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:297] + "…"


# --- sound through wavinfo -------------------------------------------------------------------------------------


def probe_bwf(path: Path, result: ProbeResult | None = None) -> ProbeResult:
    """Broadcast WAV: length and channels from ``fmt``/``data``; start TC from ``bext`` TimeReference at the
    iXML ``SPEED/TIMECODE_RATE`` (else the bext ``SPEED=`` key); slate from iXML, else from bext description
    keys spelled ``sSCENE=``, ``gSCENE=`` or ``SCENE=``."""
    r = result or ProbeResult()
    r.source = str(path)
    try:
        info = wavinfo.WavInfoReader(str(path))
    except Exception as exc:
        r.fail(ProbeStatus.FAILED, f"cannot read {path.name} as WAV: {_why(exc)}")
        return r
    r.codec = "pcm"
    fmt = info.fmt
    if fmt is None or info.data is None:
        r.fail(ProbeStatus.FAILED, f"{path.name}: no fmt/data chunk")
        return r
    r.sample_rate, r.audio_channels = fmt.sample_rate, fmt.channel_count
    r.extra["bits_per_sample"] = str(fmt.bits_per_sample)
    samples = info.data.frame_count
    keys = bext_keys(info.bext.description if info.bext else "")
    ixml = info.ixml
    xml = ixml.raw_xml if ixml is not None else None

    def ix(path_: str) -> str | None:
        if xml is None:
            return None
        text = xml.findtext(path_)
        return text.strip() if text and text.strip() else None

    r.scene = ix("SCENE") or keys.get("SCENE")
    r.take = ix("TAKE") or keys.get("TAKE")
    r.tape_name = ix("TAPE") or keys.get("TAPE")
    r.project = ix("PROJECT") or keys.get("PROJECT")
    r.note = ix("NOTE") or keys.get("NOTE")
    circled = ix("CIRCLED") or keys.get("CIRCLED")
    r.circled = None if circled is None else circled.upper() in ("TRUE", "YES", "1")
    if ixml is not None and ixml.track_list:
        r.tracks = [t.name or "" for t in ixml.track_list]
    else:
        r.tracks = [keys[f"TRK{i}"] for i in range(1, 65) if f"TRK{i}" in keys]
    fps = parse_rate(ix("SPEED/TIMECODE_RATE")) or parse_rate(ix("SPEED/MASTER_SPEED")) or parse_rate(keys.get("SPEED"))
    flag = (ix("SPEED/TIMECODE_FLAG") or "").upper()
    drop = flag == "DF" or (keys.get("SPEED") or "").upper().endswith("-DF")
    if info.bext is not None and info.bext.originator:
        r.fill(camera_make=info.bext.originator.strip() or None)
        r.recorded_at = f"{info.bext.originator_date}T{info.bext.originator_time}"
    if fps is None:
        r.fail(ProbeStatus.PARTIAL, f"{path.name}: no timecode rate in iXML or bext")
        return r
    r.fps = fps
    # samples count at the TimeReference's rate: a 48048 Hz take stamped 48000 says so in iXML
    counted = timestamp_rate(r.sample_rate, hertz(ix("SPEED/DIGITIZER_SAMPLE_RATE")) or r.sample_rate, fps,
                             hertz(ix("SPEED/TIMESTAMP_SAMPLE_RATE"))) if r.sample_rate else 0
    if samples is not None and counted:
        r.frames = round(Fraction(samples) * fps / counted)
    if info.bext is not None and counted:
        r.start_frame = round(Fraction(info.bext.time_reference) * fps / counted)
        r.drop_frame = drop
        r.start_tc = frames_to_tc(r.start_frame, fps, drop_frame=drop)
    else:
        r.warnings.append("no bext chunk: start timecode unknown")
    return r


def bext_keys(description: str) -> dict[str, str]:
    """``KEY=value`` lines of a bext description, keys without the recorder's ``s``/``g`` prefix
    (``sSCENE=`` · ``gSCENE=`` · ``SCENE=`` all give ``SCENE``)."""
    out: dict[str, str] = {}
    for line in re.split(r"[\r\n]+", description or ""):
        m = _BEXT_KEY.match(line.strip())
        if m and m.group(1) not in out:
            out[m.group(1)] = m.group(2).strip()
    return out


# --- sidecars --------------------------------------------------------------------------------------------------


def read_sidecar(path: Path, result: ProbeResult) -> None:
    """Fill unknown fields of ``result`` from a camera sidecar (Sony M01.XML, clip XML, BRAW JSON); a bad
    sidecar becomes a warning, never an error of the clip."""
    try:
        suffix = path.suffix.lower()
        if suffix == ".xml":
            root = ET.parse(path).getroot()
            if _local(root.tag) == "NonRealTimeMeta":
                _sony_m01(root, result)
            else:
                _generic_xml(root, result)
        elif suffix == ".sidecar" or suffix == ".json":
            _json_sidecar(json.loads(path.read_text(encoding="utf-8")), result)
    except (OSError, ET.ParseError, ValueError, UnicodeDecodeError) as exc:
        result.warnings.append(f"sidecar {path.name} unreadable: {_why(exc)}")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _by_name(root: ET.Element) -> dict[str, ET.Element]:
    out: dict[str, ET.Element] = {}
    for el in root.iter():
        out.setdefault(_local(el.tag), el)
    return out


def sony_ltc(value: str) -> tuple[str, bool]:
    """Sony ``LtcChange/@value``: four BCD bytes frames, seconds, minutes, hours as 8 hex digits
    (``00000010`` = 10:00:00:00). Bit 0x40 of the frames byte is the drop-frame flag. Returns (label, drop)."""
    raw = bytes.fromhex(value)
    if len(raw) != 4:
        raise ValueError(f"LtcChange value {value!r} is not 4 bytes")
    ff, ss, mm, hh = raw

    def bcd(b: int, tens_mask: int) -> int:
        return ((b >> 4) & tens_mask) * 10 + (b & 0x0F)

    drop = bool(ff & 0x40)
    label = f"{bcd(hh, 0x3):02d}:{bcd(mm, 0x7):02d}:{bcd(ss, 0x7):02d}{';' if drop else ':'}{bcd(ff, 0x3):02d}"
    return label, drop


def _sony_fps(text: str | None) -> Fraction | None:
    """``25p`` / ``23.98p`` / ``59.94i`` (fields: 29.97 frames)."""
    if not text:
        return None
    rate = parse_rate(text)
    if rate is not None and text.strip().lower().endswith("i"):
        rate /= 2
    return rate


def _sony_m01(root: ET.Element, r: ProbeResult) -> None:
    """Sony NonRealTimeMeta: Duration, LtcChangeTable (start TC), VideoFrame fps, Device, Lens, CreationDate."""
    el = _by_name(root)
    frame = el.get("VideoFrame")
    fps = _sony_fps(frame.get("formatFps") or frame.get("captureFps")) if frame is not None else None
    if frame is not None and frame.get("videoCodec"):
        r.extra.setdefault("sidecar_codec", frame.get("videoCodec"))
    if frame is not None and frame.get("captureFps") and frame.get("captureFps") != frame.get("formatFps"):
        r.extra["capture_fps"] = frame.get("captureFps")
    table = el.get("LtcChangeTable")
    tc, drop = None, False
    if table is not None:
        changes = [c for c in table if _local(c.tag) == "LtcChange"]
        first = next((c for c in changes if c.get("frameCount") == "0"), changes[0] if changes else None)
        if first is not None and first.get("value"):
            tc, drop = sony_ltc(first.get("value"))
        if fps is None and table.get("tcFps"):
            fps = parse_rate(table.get("tcFps"))
    duration = el.get("Duration")
    frames = int(duration.get("value")) if duration is not None and duration.get("value", "").isdigit() else None
    _check_against_media(r, "M01.XML", fps, frames, tc)
    r.fill(fps=fps, frames=frames)
    r.set_timecode(tc, r.fps)
    r.drop_frame = r.drop_frame or drop
    device = el.get("Device")
    if device is not None:
        r.fill(camera_make=device.get("manufacturer"), camera_model=device.get("modelName"),
               camera_serial=device.get("serialNo"))
    lens = el.get("Lens")
    if lens is not None:
        r.fill(lens=lens.get("modelName"))
    created = el.get("CreationDate")
    if created is not None:
        r.fill(recorded_at=created.get("value"))
    layout = el.get("VideoLayout")
    if layout is not None and layout.get("pixel", "").isdigit() and layout.get("numOfVerticalLine", "").isdigit():
        r.fill(width=int(layout.get("pixel")), height=int(layout.get("numOfVerticalLine")))


def _generic_xml(root: ET.Element, r: ProbeResult) -> None:
    """Clip XML of other makers (Canon …): common element names, Device/Lens attributes."""
    el = _by_name(root)

    def text(*names: str) -> str | None:
        for n in names:
            e = el.get(n)
            if e is not None and e.text and e.text.strip():
                return e.text.strip()
        return None

    fps = parse_rate(text("FrameRate", "VideoFrameRate", "CaptureFps"))
    dur = text("Duration", "FrameCount")
    frames = int(dur) if dur and dur.isdigit() else None
    tc = text("StartTimecode", "StartTimeCode", "Timecode")
    _check_against_media(r, "clip XML", fps, frames, tc)
    r.fill(fps=fps, frames=frames)
    r.set_timecode(tc, r.fps)
    device = el.get("Device")
    if device is not None:
        r.fill(camera_make=device.get("manufacturer"), camera_model=device.get("modelName"),
               camera_serial=device.get("serialNo"))
    lens = el.get("Lens")
    if lens is not None:
        r.fill(lens=lens.get("modelName") or (lens.text or "").strip() or None)
    r.fill(recorded_at=text("RecordingDate", "CreationDate"), clip_name=text("ClipName"))
    res = el.get("Resolution")
    if res is not None and res.get("width", "").isdigit() and res.get("height", "").isdigit():
        r.fill(width=int(res.get("width")), height=int(res.get("height")))


def _json_sidecar(data: object, r: ProbeResult) -> None:
    """BRAW ``.sidecar`` (JSON): clip/reel names, timecode, rate, frame count, camera type."""
    if not isinstance(data, dict):
        raise ValueError("sidecar is not a JSON object")
    d = {str(k).lower(): v for k, v in data.items()}

    def get(*keys: str) -> str | None:
        for k in keys:
            v = d.get(k)
            if v not in (None, ""):
                return str(v)
        return None

    fps = parse_rate(get("frame_rate", "framerate", "fps"))
    count = get("frame_count", "frames", "duration_frames")
    frames = int(count) if count and count.isdigit() else None
    tc = get("timecode", "start_timecode", "tc")
    _check_against_media(r, "sidecar", fps, frames, tc)
    r.fill(fps=fps, frames=frames)
    r.set_timecode(tc, r.fps)
    r.fill(clip_name=get("clip_name"), tape_name=get("reel_name", "tape_name"), camera_model=get("camera_type", "camera_model"),
           camera_serial=get("camera_serial", "serial_number"), recorded_at=get("date_recorded", "recorded"),
           lens=get("lens_type", "lens"))
    if get("camera_number"):
        r.extra.setdefault("camera_number", get("camera_number"))


def _check_against_media(r: ProbeResult, what: str, fps: Fraction | None, frames: int | None, tc: str | None) -> None:
    """The media wins; a sidecar that disagrees with it is worth a warning (a re-wrapped or renamed file)."""
    if r.fps is not None and fps is not None and fps != r.fps:
        r.warnings.append(f"{what} says {fps} fps, the media {r.fps}")
    if r.frames is not None and frames is not None and frames != r.frames:
        r.warnings.append(f"{what} says {frames} frames, the media {r.frames}")
    if r.start_tc is not None and tc and tc.replace(";", ":") != r.start_tc.replace(";", ":"):
        r.warnings.append(f"{what} says start {tc}, the media {r.start_tc}")


# --- a whole clip -----------------------------------------------------------------------------------------------


def probe_clip(kind: str, name: str, media: Path, *, sidecars: tuple[Path, ...] = (),
               proxies: tuple[Path, ...] = ()) -> ProbeResult:
    """Probe one grouped clip (see ``media.grouping``): ``kind`` is ``video``, ``audio`` or ``raw``; ``media``
    the readable path of its media file, ``sidecars``/``proxies`` readable paths of its companions.

    Never raises for bad media: the outcome is in ``status``/``error``.
    """
    r = ProbeResult()
    try:
        if kind == ClipKind.AUDIO:
            probe_bwf(media, r)
        elif kind == ClipKind.RAW:
            fmt = media.suffix.lstrip(".").upper() or "RAW"
            r.source = str(media)
            r.fail(ProbeStatus.NO_DECODER, f"no decoder for {fmt}")
            r.codec = fmt.lower()
            if not media.exists():
                r.fail(ProbeStatus.FAILED, f"{media.name} is missing")
        else:
            probe_media(media, r)
        for side in sidecars:
            read_sidecar(side, r)
        if r.status == ProbeStatus.FAILED and proxies:
            r.warnings.append("media unreadable; see the proxy")
    except Exception as exc:  # a defect in a reader must not stop the other clips
        r.fail(ProbeStatus.FAILED, f"probe of {media.name} failed: {_why(exc)}")
    return complete(r, name)


def complete(r: ProbeResult, name: str) -> ProbeResult:
    """Fill what the clip name gives (EDL tape name, reel) and derive the missing one of timecode label and
    frame count; used for every clip, readable or not."""
    reel, tape = names_from_clip_name(r.clip_name or name)
    if r.tape_name is None or len(r.tape_name) > 8:
        if r.tape_name:
            r.extra.setdefault("reel_name_tag", r.tape_name)
        r.tape_name = tape
    if reel:
        r.extra.setdefault("reel_from_name", reel)
    if r.start_frame is not None and r.fps is not None and r.start_tc is None:
        r.start_tc = frames_to_tc(r.start_frame, r.fps, drop_frame=r.drop_frame)
    if r.fps is not None and r.start_tc is not None and r.start_frame is None:
        try:
            r.start_frame = tc_to_frames(r.start_tc, r.fps)
        except ValueError as exc:
            r.warnings.append(str(exc))
    return r


def rate_text(fps: Fraction | None) -> str | None:
    """``24000/1001`` spelling for output; ``None`` when unknown."""
    return None if fps is None else f"{fps.numerator}/{fps.denominator}"


__all__ = [
    "ProbeResult",
    "bext_keys",
    "complete",
    "names_from_clip_name",
    "probe_bwf",
    "probe_clip",
    "probe_media",
    "rate_text",
    "read_sidecar",
    "sony_ltc",
    "stream_frames",
    "stream_rate",
]
