"""The look of a rendition: an ASC CDL (ASC CDL v1.2: out = clamp(in × slope + offset) ^ power per channel,
then saturation with Rec. 709 luma weights) and/or a ``.cube`` 3D LUT, applied by OpenColorIO 2.x processors
(``CDLTransform``, ``FileTransform``) on float32 RGB frames — never a hand-written interpolation.

CDL files: ``.cdl`` (ColorDecisionList), ``.cc`` (ColorCorrection), ``.ccc`` (ColorCorrectionCollection), read
with the stdlib XML parser; a file with a DTD or entity declaration is refused (no entity expansion).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio

from pixm_desktop.core.errors import UsageError

CDL_SUFFIXES = (".cdl", ".cc", ".ccc")


@dataclass(frozen=True)
class Cdl:
    """One ASC colour correction: per-channel ``slope``, ``offset``, ``power`` (R, G, B) and ``saturation``;
    ``id`` as the file names it (often the clip name), or ``""``."""

    slope: tuple[float, float, float] = (1.0, 1.0, 1.0)
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    power: tuple[float, float, float] = (1.0, 1.0, 1.0)
    saturation: float = 1.0
    id: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _triple(node: ET.Element | None, name: str, default: tuple[float, float, float], path: Path):
    if node is None:
        return default
    for child in node:
        if _local(child.tag) == name:
            try:
                values = tuple(float(v) for v in (child.text or "").split())
            except ValueError:
                values = ()
            if len(values) != 3:
                raise UsageError(f"CDL {path}: <{name}> needs three numbers, not {child.text!r}")
            return values
    return default


def _correction(node: ET.Element, path: Path) -> Cdl:
    sop = sat = None
    for child in node:
        if _local(child.tag) in ("SOPNode", "SopNode"):
            sop = child
        elif _local(child.tag) in ("SATNode", "SatNode"):
            sat = child
    saturation = 1.0
    if sat is not None:
        text = next((c.text for c in sat if _local(c.tag) == "Saturation"), None)
        try:
            saturation = float(text) if text is not None else 1.0
        except ValueError:
            raise UsageError(f"CDL {path}: <Saturation> is not a number: {text!r}") from None
    return Cdl(_triple(sop, "Slope", (1.0,) * 3, path), _triple(sop, "Offset", (0.0,) * 3, path),
               _triple(sop, "Power", (1.0,) * 3, path), saturation, node.get("id", ""))


def read_cdl(path: Path) -> list[Cdl]:
    """Every ColorCorrection of a ``.cdl``/``.cc``/``.ccc`` file, in file order. Raises :class:`UsageError`
    (unreadable, not XML, a DTD/entity declaration, no correction, a bad number)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read CDL {path}: {exc.strerror or exc}") from None
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise UsageError(f"CDL {path} declares a DTD or entities; PIXM reads plain ASC CDL XML only")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise UsageError(f"CDL {path} is not XML: {exc}") from None
    nodes = [root] if _local(root.tag) == "ColorCorrection" else \
        [n for n in root.iter() if _local(n.tag) == "ColorCorrection"]
    if not nodes:
        raise UsageError(f"CDL {path} holds no ColorCorrection")
    return [_correction(n, path) for n in nodes]


def cdl_for(path: Path, clip_name: str) -> Cdl:
    """The correction of ``path`` for ``clip_name``: the one whose id is the clip name (a ``.ccc`` per day),
    else the first. Raises as :func:`read_cdl`."""
    corrections = read_cdl(path)
    return next((c for c in corrections if c.id and c.id == clip_name), corrections[0])


class Look:
    """An OCIO CPU processor for CDL then LUT (either may be absent). ``apply(rgb)`` takes an H×W×3 uint8
    RGB array and returns a new one (OCIO's 8-bit in/out processor: float inside, rounded)."""

    def __init__(self, cdl: Cdl | None = None, lut: Path | None = None):
        self.identity = cdl is None and lut is None
        group = ocio.GroupTransform()
        if cdl is not None:
            t = ocio.CDLTransform()
            t.setStyle(ocio.CDL_ASC)  # the ASC v1.2 clamps to 0–1 (OCIO's default style may not)
            t.setSlope(list(cdl.slope))
            t.setOffset(list(cdl.offset))
            t.setPower(list(cdl.power))
            t.setSat(cdl.saturation)
            group.appendTransform(t)
        if lut is not None:
            if not Path(lut).is_file():
                raise UsageError(f"no LUT file {lut}")
            group.appendTransform(ocio.FileTransform(src=str(lut), interpolation=ocio.INTERP_TETRAHEDRAL))
        try:
            processor = ocio.Config.CreateRaw().getProcessor(group)
        except ocio.Exception as exc:
            raise UsageError(f"OpenColorIO cannot build the look ({lut or 'CDL'}): {exc}") from None
        self._cpu = processor.getDefaultCPUProcessor()
        # 8-bit frames straight in and out: OCIO converts per pixel inside (3× faster than numpy's float passes)
        self._cpu8 = processor.getOptimizedCPUProcessor(ocio.BIT_DEPTH_UINT8, ocio.BIT_DEPTH_UINT8,
                                                        ocio.OPTIMIZATION_DEFAULT)

    def apply_float(self, rgb: np.ndarray) -> np.ndarray:
        """Apply in place to a C-contiguous float32 H×W×3 array; returns it."""
        self._cpu.applyRGB(rgb)
        return rgb

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        if self.identity:
            return rgb
        work = np.array(rgb, dtype=np.uint8, order="C")  # a copy, processed in place
        self._cpu8.applyRGB(work)
        return work
