"""A stand-in for a vendor raw decoder (REDline and the like) in the dailies tests: reads the key=value header
of a sample card's opaque ``.R3D`` (``pixm_desktop.samples.samplecard``), writes a ProRes MOV with that clip's
timecode, rate and frame count (or ``--count`` frames when not 0), and logs its arguments as JSON lines to
``--log``. ``--seq EXT`` writes TIFF/PNG frames ``OUT.000001.EXT``… instead (numbered from 1, as vendor
tools do). ``--fail`` prints a licence error on stderr and exits 1, as a tool without its licence does.

    python raw_standin.py --i IN --o OUT --start N --count N --size WxH --fps RATE --clip NAME [--log F]
        [--seq EXT] [--fail]
"""

import argparse
import json
import sys
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def header(path: str) -> dict[str, str]:
    with open(path, "rb") as f:
        head = f.read(520)
    text = head[8:].split(b"\0", 1)[0].decode("ascii", "replace")
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def main() -> int:
    p = argparse.ArgumentParser()
    for name in ("--i", "--o", "--start", "--count", "--size", "--fps", "--clip", "--log", "--seq", "--dir"):
        p.add_argument(name, default="")
    p.add_argument("--fail", action="store_true")
    args = p.parse_args()
    if args.log:
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(sys.argv[1:]) + "\n")
    if args.fail:
        print("REDline: no licence for this camera (stand-in)", file=sys.stderr)
        return 1
    meta = header(args.i)
    fps = Fraction(meta["fps"])
    frames = int(args.count) if args.count not in ("", "0") else int(meta["frames"])
    if args.seq:
        for i in range(frames):
            Image.fromarray(np.full((180, 320, 3), 30 + 5 * i, np.uint8)).save(f"{args.o}.{i + 1:06d}.{args.seq}")
        return 0
    with av.open(args.o, "w", format="mov") as c:
        c.metadata["timecode"] = meta["timecode"]
        v = c.add_stream("prores_ks", rate=fps)
        v.width, v.height, v.pix_fmt = 320, 180, "yuv422p10le"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((180, 320, 3), 30 + 5 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = i, 1 / fps
            c.mux(v.encode(frame))
        c.mux(v.encode(None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
