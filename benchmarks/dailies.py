"""Benchmark: a dailies rendition of a 1080p ProRes 422 HQ clip in each preset, with a 33³ ``.cube`` LUT and
burn-ins (source timecode, clip name), by PIXM (:func:`media.renditions.render.render`, in this process, as a
pool worker runs it) and by the Debian ``ffmpeg`` command that does the same (``-vf lut3d=…,drawtext=…`` and
the preset's codec settings), alternating PIXM / ffmpeg ``--repeat`` times per preset, medians.

The clip (``--seconds`` s at 24 fps, 1920×1080, ProRes 422 HQ, start TC 01:00:00:00, reel A001) and the LUT (a
warm S-curve with a little channel crosstalk) are generated first. Figures per preset: wall seconds per clip,
CPU seconds per clip (this process's user+sys for PIXM, the child's rusage for ffmpeg — both use threads:
PyAV's codecs and ffmpeg's filter/encoder threads), frames per second per core (frames / CPU seconds), and
PIXM/ffmpeg ratios of the wall and CPU times. The issue's target: PIXM within 1.2× of ffmpeg's time per clip.

Usage::

    python benchmarks/dailies.py --work /tmp/dailies-bench [--seconds 10] [--repeat 3] [--presets a,b]
        [--json FILE]
    python benchmarks/dailies.py --work /tmp/dailies-bench --presets P --once pixm|ffmpeg  # one render
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from pixm_desktop.core.resources import resource_path
from pixm_desktop.media.renditions import presets
from pixm_desktop.media.renditions.burnin import BurnIn, ClipText
from pixm_desktop.media.renditions.render import RenditionRequest, render

FPS = 24
START = "01:00:00:00"
CLIP = "A001C001_261123_R1AB"
REEL = "A001"
FIELDS = ("tc", "clip")
LUT_SIZE = 33


def make_clip(path: Path, seconds: float) -> int:
    """A 1080p ProRes 422 HQ MOV: a moving gradient with noise (ProRes spends bits as on a real picture)."""
    frames = round(seconds * FPS)
    y, x = np.mgrid[0:1080, 0:1920].astype(np.float32)
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as c:
        c.metadata["timecode"] = START
        v = c.add_stream("prores_ks", rate=FPS, options={"profile": "3", "vendor": "apl0"})
        v.width, v.height, v.pix_fmt = 1920, 1080, "yuv422p10le"
        v.metadata["reel_name"] = REEL
        for i in range(frames):
            base = np.stack([(x + 8 * i) % 1920 / 1920, y / 1080, ((x + y) / 3000 + i / frames) % 1], -1)
            rgb = np.clip(base * 235 + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)
            f = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            f.pts, f.time_base = i, Fraction(1, FPS)
            c.mux(v.encode(f))
        c.mux(v.encode(None))
    return frames


def make_lut(path: Path) -> None:
    """A 33³ ``.cube``: an S-curve, warm, with a little crosstalk between channels."""
    axis = np.linspace(0, 1, LUT_SIZE)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")  # .cube: red varies fastest
    rgb = np.stack([r, g, b], -1).reshape(-1, 3)
    s = rgb * rgb * (3 - 2 * rgb)
    mix = np.array([[0.92, 0.06, 0.02], [0.04, 0.92, 0.04], [0.02, 0.08, 0.90]])
    out = np.clip(s @ mix.T * np.array([1.04, 1.0, 0.93]), 0, 1)
    lines = [f"LUT_3D_SIZE {LUT_SIZE}"] + [f"{a:.6f} {b:.6f} {c:.6f}" for a, b, c in out]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")


def drawtext(preset: presets.Preset, font: Path) -> list[str]:
    """ffmpeg ``drawtext`` filters placing the same fields where PIXM's :class:`BurnIn` draws them: the same
    font at the same size, white on a black box, at the text origins of PIXM's layout (the timecode counts
    frames from the start TC, as PIXM's does)."""
    v = preset.video
    burn = BurnIn(FIELDS, ClipText(clip=CLIP, reel=REEL), preset.burn_in, v["width"], v["height"])
    out = []
    for anchor, lines in burn.texts(START, 0):
        for (box, (x, y)), line in zip(burn.boxes(anchor, lines), lines, strict=True):
            text = f"timecode='{_escape(START)}':timecode_rate={FPS}" if line == START else \
                f"text='{_escape(line)}'"
            out.append(f"drawtext=fontfile='{_escape(str(font))}':fontsize={burn.font.size}:{text}:"
                       f"fontcolor=white:box=1:boxcolor=black:boxborderw={x - box[0]}:x={x}:y={y}")
    return out


def ffmpeg_command(preset: presets.Preset, src: Path, lut: Path, out: Path, font: Path) -> list[str]:
    v = preset.video
    options, bit_rate = preset.video_options(Fraction(FPS))
    vf = ",".join([f"scale={v['width']}:{v['height']}:flags=bicubic", "format=rgb24",
                   f"lut3d=file='{_escape(str(lut))}':interp=tetrahedral", *drawtext(preset, font),
                   f"format={v['pix_fmt']}"])
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src), "-vf", vf,
           "-c:v", v["codec"], "-an", "-timecode", START, "-metadata", f"reel_name={REEL}"]
    for k, val in options.items():
        cmd += [f"-{k}", str(val)]
    if bit_rate:
        cmd += ["-b:v", str(bit_rate)]
    if "gop" in v:
        cmd += ["-g", str(v["gop"])]
    if preset.op_atom:
        cmd += ["-f", "mxf_opatom", "-metadata", f"material_package_name={CLIP}"]
    for k, val in preset.data.get("container_options", {}).items():
        cmd += [f"-{k}", str(val)]
    return cmd + [str(out)]


def time_pixm(req: RenditionRequest) -> tuple[float, float, int]:
    """``(wall s, CPU s, frames)`` of one render in this process (all its threads' CPU time)."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = render(req)
    return time.perf_counter() - wall, time.process_time() - cpu, result.frames


def time_ffmpeg(cmd: list[str]) -> tuple[float, float]:
    """``(wall s, CPU s)`` of one ffmpeg run (the child's user+sys from rusage)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_preset(preset: presets.Preset, src: Path, lut: Path, work: Path, frames: int, repeat: int) -> dict:
    font = resource_path("fonts", preset.burn_in.get("font", "DejaVuSansMono.ttf"))
    req = RenditionRequest(src, CLIP, preset, work / "pixm" / preset.name, reel=REEL, lut=lut, burn_in=FIELDS,
                           text=ClipText(clip=CLIP, reel=REEL))
    ext = "mxf" if preset.op_atom else preset.extension
    cmd = ffmpeg_command(preset, src, lut, work / "ffmpeg" / f"{CLIP}.{preset.name}.{ext}", font)
    (work / "ffmpeg").mkdir(parents=True, exist_ok=True)
    pixm, ff = [], []
    for _ in range(repeat):  # alternating, so a drift of the machine's speed falls on both
        wall, cpu, done = time_pixm(req)
        assert done == frames, (done, frames)
        pixm.append((wall, cpu))
        ff.append(time_ffmpeg(cmd))
    pw, pc = statistics.median(w for w, _ in pixm), statistics.median(c for _, c in pixm)
    fw, fc = statistics.median(w for w, _ in ff), statistics.median(c for _, c in ff)
    return {"preset": preset.name, "frames": frames,
            "pixm_wall_s": round(pw, 2), "ffmpeg_wall_s": round(fw, 2), "ratio_wall": round(pw / fw, 2),
            "pixm_cpu_s": round(pc, 2), "ffmpeg_cpu_s": round(fc, 2), "ratio_cpu": round(pc / fc, 2),
            "pixm_fps_per_core": round(frames / pc, 1), "ffmpeg_fps_per_core": round(frames / fc, 1),
            "ffmpeg_command": " ".join(cmd)}


def once(who: str, preset: presets.Preset, src: Path, lut: Path, out: Path) -> None:
    font = resource_path("fonts", preset.burn_in.get("font", "DejaVuSansMono.ttf"))
    out.mkdir(parents=True, exist_ok=True)
    if who == "pixm":
        render(RenditionRequest(src, CLIP, preset, out, reel=REEL, lut=lut, burn_in=FIELDS,
                                text=ClipText(clip=CLIP, reel=REEL)))
    else:
        ext = "mxf" if preset.op_atom else preset.extension
        subprocess.run(ffmpeg_command(preset, src, lut, out / f"{CLIP}.ffmpeg.{ext}", font), check=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--work", type=Path, required=True, help="scratch folder (emptied first)")
    p.add_argument("--seconds", type=float, default=10.0, help="seconds of the source clip (default 10)")
    p.add_argument("--repeat", type=int, default=3, help="alternating runs per preset (default 3)")
    p.add_argument("--presets", default="", help="comma-separated presets (default: every shipped preset)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--once", choices=("pixm", "ffmpeg"),
                   help="render the first preset once, by PIXM or by ffmpeg, from the clip and LUT already in "
                        "--work (for timing the whole process from outside, e.g. /usr/bin/time -v)")
    args = p.parse_args()
    src, lut = args.work / f"{CLIP}.mov", args.work / "show.cube"
    names = [n for n in args.presets.split(",") if n] or list(presets.all_presets())
    if args.once:
        once(args.once, presets.get_preset(names[0]), src, lut, args.work / "once")
        return
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    frames = make_clip(src, args.seconds)
    make_lut(lut)
    rows = [bench_preset(presets.get_preset(n), src, lut, args.work, frames, args.repeat) for n in names]
    print(f"source: {frames} frames 1920x1080 ProRes 422 HQ @ {FPS} fps; LUT {LUT_SIZE}^3 + burn-in "
          f"{','.join(FIELDS)}; {os.cpu_count()} cores; medians of {args.repeat} alternating runs")
    print(f"{'preset':<18} {'PIXM s':>7} {'ffmpeg s':>8} {'wall x':>6} {'PIXM cpu':>8} {'ff cpu':>7} "
          f"{'cpu x':>6} {'PIXM f/s/core':>13} {'ff f/s/core':>11}")
    for r in rows:
        print(f"{r['preset']:<18} {r['pixm_wall_s']:>7} {r['ffmpeg_wall_s']:>8} {r['ratio_wall']:>6} "
              f"{r['pixm_cpu_s']:>8} {r['ffmpeg_cpu_s']:>7} {r['ratio_cpu']:>6} {r['pixm_fps_per_core']:>13} "
              f"{r['ffmpeg_fps_per_core']:>11}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
