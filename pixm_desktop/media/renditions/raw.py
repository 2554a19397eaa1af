"""Camera raw through the vendor's own command-line tool (docs/dailies.md §Camera raw).

FFmpeg decodes none of ARRIRAW (``.ari``/``.arx``, ARRIRAW MXF), RED ``.R3D``, Blackmagic ``.braw`` or Sony
X-OCN (MXF). A *decoder hook* per format runs a tool the user installed (REDline, ARRI Reference Tool CLI, a
Blackmagic RAW SDK sample, Sony's raw viewer CLI) to write an intermediate FFmpeg reads — a movie (ProRes
MOV/MXF) or an image sequence (DPX, EXR, TIFF, PNG) — that is rendered like any clip and removed after.

A hook is a command template: a list of arguments (never a shell line, so names with spaces stay one
argument) in which ``{input}`` ``{output}`` (the movie to write; for a sequence the frames' base name, the
tool adding its frame numbers and extension) ``{output_dir}`` ``{start_frame}`` ``{frames}`` ``{width}``
``{height}`` ``{fps}`` (exact, ``24000/1001``) ``{fps_decimal}`` (``23.976``) and ``{clip}`` are replaced.
A sequence carries no rate: it is read at the catalog's rate for the clip. Hooks come from the
``decoders`` object of ``resources/dailies-decoders.json`` (the formats, their tools, example commands, none
enabled), then of ``dailies-decoders.json`` in the per-user config folder, then of a file given to
``pixm dailies --decoders FILE``; a later file's entry for a format replaces an earlier one's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from string import Formatter

from platformdirs import user_config_dir

from pixm_desktop.core.errors import CancelledError, RawDecodeFailedError, RawDecoderMissingError, UsageError
from pixm_desktop.core.resources import resource_path
from pixm_desktop.core.timecode import fps_label

FILE = "dailies-decoders.json"
TOKENS = frozenset({"input", "output", "output_dir", "start_frame", "frames", "width", "height", "fps",
                    "fps_decimal", "clip"})
MOVIES = frozenset({"mov", "mxf"})
SEQUENCES = frozenset({"dpx", "exr", "tif", "tiff", "png"})
EXTENSIONS = {".r3d": "r3d", ".braw": "braw", ".ari": "arriraw", ".arx": "arriraw"}
POLL = 0.2  # seconds between two looks at a running decoder (cancel)
OUTPUT_TAIL = 2000  # characters of the tool's output kept in a failure


@dataclass(frozen=True)
class Decoder:
    """One format's hook: ``tool`` (its name in messages), ``command`` (argument templates, ``()`` when not
    configured), ``extension`` of the intermediate (a movie ``mov``/``mxf`` or a sequence ``dpx``/``exr``/
    ``tif``/``tiff``/``png``) and ``source`` (the file it came from)."""

    format: str
    tool: str
    command: tuple[str, ...] = ()
    extension: str = "mov"
    source: str = ""


@dataclass(frozen=True)
class RawDecode:
    """A raw clip's decode: its format's :class:`Decoder` and the clip's frames to decode (``start_frame`` 0 =
    the first, ``frames``), size (pixels) and exact rate (``None`` when the catalog has none: the tokens are
    then empty)."""

    decoder: Decoder
    start_frame: int
    frames: int
    width: int
    height: int
    fps: Fraction | None

    def argv(self, source: Path, output: Path, clip: str) -> list[str]:
        """The command with every token replaced."""
        values = {"input": str(source), "output": str(output), "output_dir": str(output.parent),
                  "start_frame": str(self.start_frame),
                  "frames": str(self.frames), "width": str(self.width), "height": str(self.height),
                  "fps": f"{self.fps.numerator}/{self.fps.denominator}" if self.fps else "",
                  "fps_decimal": fps_label(self.fps),
                  "clip": clip}
        return [part.format_map(values) for part in self.decoder.command]


def raw_format(path: Path, codec: str | None = None, codec_profile: str | None = None) -> str | None:
    """The raw format of a clip's media (``r3d``, ``braw``, ``arriraw``, ``xocn``), or ``None`` for media FFmpeg
    decodes: by extension, then for MXF by the codec name or profile the probe read (ARRIRAW, X-OCN)."""
    by_ext = EXTENSIONS.get(path.suffix.lower())
    if by_ext:
        return by_ext
    names = " ".join(x for x in (codec, codec_profile) if x).lower().replace("-", "").replace(" ", "")
    if path.suffix.lower() == ".mxf":
        if "arriraw" in names:
            return "arriraw"
        if "xocn" in names:
            return "xocn"
    return None


def user_decoders_file() -> Path:
    """``dailies-decoders.json`` in the per-user config folder (may not exist)."""
    return Path(user_config_dir("pixm", appauthor=False)) / FILE


def load_decoders(extra: Path | None = None, user_file: Path | None = None) -> dict[str, Decoder]:
    """Every format's :class:`Decoder`: the shipped file, the user's (``user_file`` or
    :func:`user_decoders_file`, when it exists), then ``extra`` (must exist). Raises :class:`UsageError`
    naming the file for unreadable JSON, a missing ``decoders`` object, an unknown format or token, or a
    command that is not a list of strings."""
    shipped = resource_path(FILE)
    found = _read(shipped, {}, known=None)
    for path in (user_file or user_decoders_file(), extra):
        if path is not None and (path == extra or Path(path).is_file()):
            found = _read(Path(path), found, known=found)
    return found


def _read(path: Path, found: dict[str, Decoder], known: dict[str, Decoder] | None) -> dict[str, Decoder]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["decoders"]
        if not isinstance(data, dict):
            raise ValueError("`decoders` is not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"decoders file {path} cannot be read: {exc}") from None
    out = dict(found)
    for fmt, entry in data.items():
        if known is not None and fmt not in known:
            raise UsageError(f"decoders file {path}: unknown raw format {fmt!r} (known: {', '.join(known)})")
        base = out.get(fmt, Decoder(fmt, fmt))
        command = entry.get("command") or ()
        if not isinstance(command, list | tuple) or not all(isinstance(a, str) for a in command):
            raise UsageError(f"decoders file {path}: decoders.{fmt}.command must be a list of strings")
        for arg in command:
            unknown = {name for _t, name, _s, _c in Formatter().parse(arg) if name} - TOKENS
            if unknown:
                raise UsageError(f"decoders file {path}: decoders.{fmt}.command has unknown token(s) "
                                 f"{', '.join(sorted(unknown))} (known: {', '.join(sorted(TOKENS))})")
        extension = str(entry.get("extension", base.extension)).lower()
        if extension not in MOVIES | SEQUENCES:
            raise UsageError(f"decoders file {path}: decoders.{fmt}.extension {extension!r} is neither a movie "
                             f"nor an image sequence FFmpeg reads ({', '.join(sorted(MOVIES | SEQUENCES))})")
        out[fmt] = Decoder(fmt, entry.get("tool", base.tool), tuple(command), extension, str(path) if command else "")
    return out


@dataclass(frozen=True)
class Intermediate:
    """What a hook wrote: ``path`` to open (a movie, or an image sequence's ``frame.%07d.<ext>`` pattern) and
    the keyword arguments of ``av.open`` that read it (a sequence's demuxer and rate)."""

    path: Path
    open_args: dict


@contextmanager
def decoded(decode: RawDecode, source: Path, clip: str, work: Path,
            cancelled: Callable[[], bool] | None = None) -> Iterator[Intermediate]:
    """Run the hook on ``source`` into a folder made in ``work`` and yield the :class:`Intermediate`; the folder
    is removed afterwards, whatever happens. Raises :class:`RawDecoderMissingError` (no command configured),
    :class:`RawDecodeFailedError` (a sequence without a known rate; the tool could not start, exited non-zero
    or wrote nothing) — each names the tool, the command and (as its ``path``) the clip's file; the job names
    the clip — and :class:`CancelledError` (the tool is killed)."""
    d = decode.decoder
    if not d.command:
        raise RawDecoderMissingError(
            f"needs {d.tool}: configure decoders.{d.format}", path=source,
            hint=f"a command template in {user_decoders_file()} or `pixm dailies --decoders FILE` "
                 "(docs/dailies.md §Camera raw)")
    sequence = d.extension in SEQUENCES
    if sequence and decode.fps is None:
        raise RawDecodeFailedError(f"{d.tool} writes a .{d.extension} sequence, which has no frame rate, and the "
                                   "catalog knows none for this clip", path=source,
                                   hint=f"write a movie instead: decoders.{d.format}.extension \"mov\"")
    work.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".pixm-raw-", dir=work))
    try:
        output = folder / (clip if sequence else f"{clip}.{d.extension}")
        argv = decode.argv(source, output, clip)
        _run(argv, source, d.tool, folder, cancelled)
        if sequence:
            yield _sequence(folder, d, decode.fps, source, argv)
            return
        if not output.is_file() or output.stat().st_size == 0:
            raise RawDecodeFailedError(f"{d.tool} wrote no {output.name}; command: {_shown(argv)}", path=source)
        yield Intermediate(output, {})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _sequence(folder: Path, d: Decoder, fps: Fraction, source: Path, argv: list[str]) -> Intermediate:
    """The frames the tool wrote, in the order of their numbers, renamed ``frame.0000000.<ext>``… so FFmpeg's
    image2 demuxer reads them from 0 at ``fps``, whatever numbering the tool used."""
    exts = {"tif", "tiff"} if d.extension in ("tif", "tiff") else {d.extension}
    frames = sorted((p for p in folder.iterdir() if p.suffix.lower().lstrip(".") in exts),
                    key=lambda p: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)])
    if not frames:
        raise RawDecodeFailedError(f"{d.tool} wrote no .{d.extension} frames; command: {_shown(argv)}",
                                   path=source)
    for n, frame in enumerate(frames):
        os.replace(frame, folder / f"frame.{n:07d}.{d.extension}")
    rate = f"{fps.numerator}/{fps.denominator}"
    return Intermediate(folder / f"frame.%07d.{d.extension}",
                        {"format": "image2", "options": {"framerate": rate, "start_number": "0"}})


def _run(argv: list[str], source: Path, tool: str, folder: Path, cancelled: Callable[[], bool] | None) -> None:
    log = folder / "decoder.log"
    with open(log, "wb") as out:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    cwd=folder)
        except OSError as exc:
            raise RawDecodeFailedError(f"{tool} could not be started ({exc.strerror or exc}); "
                                       f"command: {_shown(argv)}", path=source) from None
        while proc.poll() is None:
            if cancelled is not None and cancelled():
                proc.kill()
                proc.wait()
                raise CancelledError(f"rendition of {source.name} cancelled while {tool} decoded it")
            time.sleep(POLL)
    if proc.returncode != 0:
        text = log.read_bytes().decode("utf-8", "replace").strip()[-OUTPUT_TAIL:]
        last = text.splitlines()[-1] if text else "no output"
        raise RawDecodeFailedError(f"{tool} failed (exit {proc.returncode}): {last}; command: {_shown(argv)}",
                                   path=source, details=text)


def _shown(argv: list[str]) -> str:
    return " ".join(a if a and " " not in a else f'"{a}"' for a in argv)


__all__ = ["Decoder", "Intermediate", "RawDecode", "decoded", "load_decoders", "raw_format", "user_decoders_file"]
