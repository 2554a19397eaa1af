"""The look of a rendition: an ASC CDL (ASC CDL v1.2: out = clamp(in × slope + offset) ^ power per channel,
then saturation with Rec. 709 luma weights) and either a ``.cube`` 3D LUT or an OpenColorIO v2 colour pipeline
(:class:`OcioLook`: the clip's camera colour space → the CDL in the config's colour-timing space → a look the
config names → a display/view transform, e.g. ARRI LogC4 → ACEScct → ACES 2.0 SDR Rec.709), applied by
OpenColorIO 2.x processors (``CDLTransform``, ``FileTransform``, ``ColorSpaceTransform``, ``LookTransform``,
``DisplayViewTransform``) on float32 RGB frames — never a hand-written interpolation.

An OpenColorIO pipeline is baked, once per clip, into a 65³ 3D LUT that OCIO applies (``Lut3DTransform``,
tetrahedral): OCIO's processor is evaluated on the lattice, OCIO interpolates. The ACES 2.0 output transforms
cost about 2.5 s per 1080p frame on one core evaluated per pixel; baked, a frame costs what a ``.cube`` does.
Over a grey ramp the baked look is within 1 code value (8 bit) of the exact one, over typical camera pictures
within 3 at the 99.9th percentile; rare extreme saturated colours near the gamut compression's edge differ
more (up to about 25 code values on synthetic ramps of extreme log colours), as with any baked display LUT.
``Look(..., exact=True)`` evaluates per pixel.

Configs: OCIO's built-in ACES configs (``ocio://studio-config-latest``, ``ocio://cg-config-latest`` or a named
version, :func:`builtin_configs`) or a ``.ocio`` file.

CDL files: ``.cdl`` (ColorDecisionList), ``.cc`` (ColorCorrection), ``.ccc`` (ColorCorrectionCollection), read
with the stdlib XML parser; a file with a DTD or entity declaration is refused (no entity expansion).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import PyOpenColorIO as ocio

from pixm_desktop.core.errors import UsageError

CDL_SUFFIXES = (".cdl", ".cc", ".ccc")
BAKE_SIZE = 65  # lattice points per axis of a baked OpenColorIO pipeline
DEFAULT_CONFIG = "ocio://studio-config-latest"
LATEST = ("ocio://studio-config-latest", "ocio://cg-config-latest")
#: where the CDL is applied, first role the config has (ACES configs: color_timing = ACEScct)
TIMING_ROLES = ("color_timing", "compositing_log")
#: the display a video proxy is for (SDR Rec.709, BT.1886), first one the config has; else its default display
VIDEO_DISPLAYS = ("Rec.1886 Rec.709 - Display", "Rec.1886 Rec.709", "Rec.709")
#: a camera's usual recording colour space (names of the ACES studio config) by make, model word → space
CAMERA_SPACES = (("arri", "alexa 35", "ARRI LogC4"), ("arri", "", "ARRI LogC3 (EI800)"),
                 ("sony", "venice", "S-Log3 Venice S-Gamut3.Cine"), ("sony", "", "S-Log3 S-Gamut3.Cine"),
                 ("red", "", "Log3G10 REDWideGamutRGB"), ("blackmagic", "", "BMDFilm WideGamut Gen5"),
                 ("panasonic", "", "V-Log V-Gamut"), ("apple", "", "Apple Log"), ("dji", "", "D-Log D-Gamut"))


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


def builtin_configs() -> list[str]:
    """Every built-in config as ``ocio://NAME``, the two ``-latest`` aliases first."""
    return list(LATEST) + [f"ocio://{name}" for name in ocio.BuiltinConfigRegistry()]


def load_config(ref: str) -> ocio.Config:
    """The config ``ref``: an ``ocio://`` built-in name or a ``.ocio`` file path (read again when the file
    changed). Raises :class:`UsageError` naming the built-in configs (unknown name, unreadable or invalid
    file)."""
    if ref.startswith("ocio://"):
        return _load(ref, 0)
    if not Path(ref).is_file():
        raise UsageError(f"no OpenColorIO config file {ref}",
                         hint=f"a .ocio file, or a built-in config: {', '.join(builtin_configs())}")
    return _load(ref, Path(ref).stat().st_mtime_ns)


@cache
def _load(ref: str, _stamp: int) -> ocio.Config:
    try:
        if ref.startswith("ocio://"):
            return ocio.Config.CreateFromBuiltinConfig(ref)
        config = ocio.Config.CreateFromFile(ref)
        config.validate()
        return config
    except ocio.Exception as exc:
        raise UsageError(f"OpenColorIO config {ref} cannot be used: {exc}",
                         hint=f"built-in configs: {', '.join(builtin_configs())}") from None


def config_identity(ref: str) -> str:
    """What a rendition depends on of the config: the reference and OCIO's cache id of its contents (a
    ``-latest`` alias that moves to a new config with a new OpenColorIO changes it). Raises as
    :func:`load_config`."""
    return f"{ref}#{load_config(ref).getCacheID()}"


def colour_spaces(config: ocio.Config) -> list[str]:
    """The config's scene-referred and display-referred colour space names, in config order."""
    return list(config.getColorSpaceNames())


def video_display(config: ocio.Config) -> str:
    """The SDR Rec.709 video display of the config (:data:`VIDEO_DISPLAYS`), else its default display."""
    displays = list(config.getDisplays())
    return next((d for d in VIDEO_DISPLAYS if d in displays), config.getDefaultDisplay())


def look_choices(config: ocio.Config) -> list[str]:
    """What ``--look`` accepts in ``config``: its looks, the views of the video display, ``DISPLAY/VIEW``
    pairs of every display."""
    display = video_display(config)
    return ([lk.getName() for lk in config.getLooks()] + list(config.getViews(display))
            + [f"{d}/{v}" for d in config.getDisplays() for v in config.getViews(d)])


def camera_space(config: ocio.Config, make: str | None, model: str | None) -> str | None:
    """The usual recording space of a camera (:data:`CAMERA_SPACES`) when the config has it, else ``None``."""
    make, model = (make or "").lower(), (model or "").lower()
    spaces = set(colour_spaces(config))
    for brand, word, space in CAMERA_SPACES:
        if brand in make and word in model and space in spaces:
            return space
    return None


@dataclass(frozen=True)
class OcioLook:
    """An OpenColorIO pipeline: ``space`` (the clip's colour space) of ``config`` (``ocio://`` name or a
    ``.ocio`` path) → the CDL in ``timing`` (the config's colour-timing space) → the config's look ``look``
    ("" = none) → ``display``/``view``. Make one with :func:`ocio_look` (which checks every name)."""

    config: str
    space: str
    timing: str
    look: str
    display: str
    view: str

    @property
    def identity(self) -> str:
        """For the inputs key: the config's identity and every name."""
        return "|".join((config_identity(self.config), self.space, self.timing, self.look, self.display,
                         self.view))


def _choose(kind: str, name: str, choices: list[str], ref: str) -> None:
    if name not in choices:
        raise UsageError(f"no {kind} {name!r} in the OpenColorIO config {ref}",
                         hint=f"choices: {', '.join(choices)}")


def ocio_look(ref: str, space: str, look: str = "") -> OcioLook:
    """Check and complete a pipeline. ``look``: a look of the config (then the video display's default
    view), a view of the video display, ``DISPLAY/VIEW``, or "" (the video display's default view). Raises
    :class:`UsageError` naming the choices (unknown config, colour space or look)."""
    config = load_config(ref or DEFAULT_CONFIG)
    ref = ref or DEFAULT_CONFIG
    if look:
        _choose("look or view", look, look_choices(config), ref)
    _choose("colour space", space, colour_spaces(config), ref)
    timing = next((config.getRoleColorSpace(r) for r in TIMING_ROLES if config.hasRole(r)), space)
    display, looks = video_display(config), [lk.getName() for lk in config.getLooks()]
    named = look if look in looks else ""
    if look and not named:
        display, _, view = look.rpartition("/") if look not in config.getViews(display) else ("", "", look)
        display = display or video_display(config)
    else:
        view = config.getDefaultView(display)
    return OcioLook(ref, space, timing, named, display, view)


def _cdl_transform(cdl: Cdl) -> ocio.CDLTransform:
    t = ocio.CDLTransform()
    t.setStyle(ocio.CDL_ASC)  # the ASC v1.2 clamps to 0–1 (OCIO's default style may not)
    t.setSlope(list(cdl.slope))
    t.setOffset(list(cdl.offset))
    t.setPower(list(cdl.power))
    t.setSat(cdl.saturation)
    return t


def ocio_group(spec: OcioLook, cdl: Cdl | None) -> ocio.GroupTransform:
    """The transforms of ``spec`` (and ``cdl`` in its timing space), in order."""
    group = ocio.GroupTransform()
    group.appendTransform(ocio.ColorSpaceTransform(src=spec.space, dst=spec.timing))
    if cdl is not None:
        group.appendTransform(_cdl_transform(cdl))
    if spec.look:
        group.appendTransform(ocio.LookTransform(src=spec.timing, dst=spec.timing, looks=spec.look))
    group.appendTransform(ocio.DisplayViewTransform(src=spec.timing, display=spec.display, view=spec.view))
    return group


def bake(cpu, size: int = BAKE_SIZE) -> ocio.Lut3DTransform:
    """OCIO's CPU processor ``cpu`` evaluated on a ``size``³ lattice over 0–1, as a tetrahedral 3D LUT (OCIO's
    order: blue changes fastest)."""
    axis = np.linspace(0.0, 1.0, size, dtype=np.float32)
    r, g, b = np.meshgrid(axis, axis, axis, indexing="ij")
    lattice = np.ascontiguousarray(np.stack([r, g, b], -1).reshape(-1, 3))
    cpu.applyRGB(lattice)
    lut = ocio.Lut3DTransform()
    lut.setGridSize(size)
    lut.setData(lattice.ravel())
    lut.setInterpolation(ocio.INTERP_TETRAHEDRAL)
    return lut


class Look:
    """An OCIO CPU processor for the CDL then the LUT, or for an OCIO pipeline with the CDL in its timing
    space (any part may be absent). ``apply(rgb)`` takes an H×W×3 uint8 RGB array and returns a new one (OCIO's
    8-bit in/out processor: float inside, rounded). An OCIO pipeline is baked (see the module docstring) unless
    ``exact``. Raises :class:`UsageError` (a LUT and an OCIO pipeline together, a missing LUT, a transform OCIO
    refuses)."""

    def __init__(self, cdl: Cdl | None = None, lut: Path | None = None, pipeline: OcioLook | None = None,
                 exact: bool = False):
        self.identity = cdl is None and lut is None and pipeline is None
        if lut is not None and pipeline is not None:
            raise UsageError("a .cube LUT and an OpenColorIO look are alternatives: give one")
        if pipeline is not None:
            config, group = load_config(pipeline.config), ocio_group(pipeline, cdl)
        else:
            config, group = ocio.Config.CreateRaw(), ocio.GroupTransform()
            if cdl is not None:
                group.appendTransform(_cdl_transform(cdl))
        if lut is not None:
            if not Path(lut).is_file():
                raise UsageError(f"no LUT file {lut}")
            group.appendTransform(ocio.FileTransform(src=str(lut), interpolation=ocio.INTERP_TETRAHEDRAL))
        try:
            processor = config.getProcessor(group)
            if pipeline is not None and not exact:
                processor = ocio.Config.CreateRaw().getProcessor(bake(processor.getDefaultCPUProcessor()))
        except ocio.Exception as exc:
            what = lut or (pipeline and f"{pipeline.space} → {pipeline.view}") or "CDL"
            raise UsageError(f"OpenColorIO cannot build the look ({what}): {exc}") from None
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
