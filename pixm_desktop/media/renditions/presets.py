"""Dailies presets as data: one JSON file per preset, validated by ``preset.schema.json`` (JSON Schema 2020-12).

Shipped presets live in ``resources/dailies-presets/``; a user's own presets in ``dailies-presets/`` of the
per-user config folder (platformdirs, ``pixm``) and replace a shipped one of the same name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path

import jsonschema
from platformdirs import user_config_dir

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.resources import resource_path

FOLDER = "dailies-presets"
SCHEMA = "preset.schema.json"
DEFAULT_PRESET = "avid-dnxhd36-mxf"


@dataclass(frozen=True)
class Preset:
    """A validated preset: ``data`` is the JSON object (see the schema), ``path`` the file it came from."""

    name: str
    data: dict = field(repr=False)
    path: Path | None = None

    @property
    def description(self) -> str:
        return self.data["description"]

    @property
    def container(self) -> str:
        return self.data["container"]

    @property
    def extension(self) -> str:
        return self.data["extension"]

    @property
    def video(self) -> dict:
        return self.data["video"]

    @property
    def audio(self) -> dict:
        return self.data["audio"]

    @property
    def burn_in(self) -> dict:
        return self.data.get("burn_in", {})

    @property
    def geometry(self) -> dict:
        """``desqueeze`` and ``extraction`` (:mod:`.geometry`); ``{}``: the whole picture to the whole frame."""
        return self.data.get("geometry", {})

    @property
    def colour_space(self) -> str | None:
        """The clips' camera colour space for an OpenColorIO look, when the preset names one."""
        return self.data.get("colour_space")

    @property
    def op_atom(self) -> bool:
        """One file per track (MXF OP-Atom, the Avid MediaFiles layout)."""
        return self.container == "mxf_opatom"

    def video_options(self, fps: Fraction) -> tuple[dict[str, str], int | None]:
        """``(encoder options, bit rate or None)`` at ``fps``: a ``bit_rates`` entry for the exact rate (DNxHD's
        family is chosen by its bit rate), else ``fallback_options`` (DNxHR LB) when the preset has them."""
        options = dict(self.video.get("options", {}))
        rates = self.video.get("bit_rates")
        if rates is None:
            return options, None
        key = f"{fps.numerator}" if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"
        if key in rates:
            return options, rates[key]
        return options | self.video.get("fallback_options", {}), None


def with_burn_in(preset: Preset, layout: dict) -> Preset:
    """``preset`` with ``layout`` (``positions`` by field merged over the preset's, ``size``, ``font``,
    ``watermark``) as its burn-in style; the same preset when ``layout`` is empty. Its name stays (the same
    output folder); its data changes, so the inputs key does. Raises :class:`UsageError` naming what the schema
    refuses."""
    if not layout:
        return preset
    style = dict(preset.burn_in)
    style.update({k: v for k, v in layout.items() if k != "positions"})
    if "positions" in layout:
        style["positions"] = {**style.get("positions", {}), **layout["positions"]}
    data = {**preset.data, "burn_in": style}
    try:
        jsonschema.validate(data, _schema())
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise UsageError(f"burn-in layout for {preset.name} is not valid at {where}: {exc.message}") from None
    return Preset(preset.name, data, preset.path)


def user_presets_folder() -> Path:
    """``dailies-presets`` in the per-user config folder (may not exist)."""
    return Path(user_config_dir("pixm", appauthor=False)) / FOLDER


@cache
def _schema() -> dict:
    return json.loads(resource_path(FOLDER, SCHEMA).read_text(encoding="utf-8"))


def load_preset_file(path: Path) -> Preset:
    """Read and validate one preset file. Raises :class:`UsageError` (exit 2) naming the file and the first
    schema violation, or the JSON error."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        jsonschema.validate(data, _schema())
    except (OSError, ValueError) as exc:
        raise UsageError(f"dailies preset {path} cannot be read: {exc}") from None
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise UsageError(f"dailies preset {path} is not valid at {where}: {exc.message}") from None
    if data["container"] == "mxf_opatom" and data["extension"] != "mxf":
        raise UsageError(f"dailies preset {path}: an OP-Atom preset writes .mxf files")
    return Preset(data["name"], data, Path(path))


def preset_folders(user_folder: Path | None = None) -> list[Path]:
    """The shipped folder, then the user's (``user_folder`` or :func:`user_presets_folder`)."""
    return [resource_path(FOLDER), user_folder or user_presets_folder()]


def all_presets(user_folder: Path | None = None) -> dict[str, Preset]:
    """Every preset by name, sorted; a user preset replaces a shipped one of the same name. Raises
    :class:`UsageError` for an invalid file (a broken preset is never skipped silently)."""
    found: dict[str, Preset] = {}
    for folder in preset_folders(user_folder):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            if path.name != SCHEMA:
                preset = load_preset_file(path)
                found[preset.name] = preset
    return dict(sorted(found.items()))


def get_preset(name: str, user_folder: Path | None = None) -> Preset:
    """The preset ``name``. Raises :class:`UsageError` naming the known presets."""
    presets = all_presets(user_folder)
    if name not in presets:
        raise UsageError(f"no dailies preset {name!r} (known: {', '.join(presets)})",
                         hint="`pixm dailies presets` lists them")
    return presets[name]
