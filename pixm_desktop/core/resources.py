"""The files PIXM ships beside its code (``pixm_desktop/resources``: fonts, icons), found through
``importlib.resources`` so an installed wheel, a source checkout and a frozen PyInstaller bundle all find
them.

The folder is package data: ``pyproject.toml`` lists it under ``[tool.setuptools.package-data]`` and
``pixm.spec`` copies it to ``pixm_desktop/resources`` inside the bundle, where ``importlib.resources`` looks.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_PACKAGE = "pixm_desktop"
_FOLDER = "resources"


def resource_path(*parts: str) -> Path:
    """``resources/<parts…>`` as a file-system path: a folder (``resource_path("fonts")``) or a file
    (``resource_path("icons", "pixm.svg")``).

    The path may not exist (a bundle built without it); callers check. Raises nothing: PIXM is installed as
    files, never run from a zip archive, so the traversable is a real path.
    """
    node = resources.files(_PACKAGE).joinpath(_FOLDER)
    for part in parts:  # one name per joinpath: Traversable.joinpath takes one child before Python 3.12
        node = node.joinpath(part)
    return Path(str(node))


__all__ = ["resource_path"]
