"""The files PIXM ships beside its code (the top-level ``resources/`` folder: fonts, icons), found the same way
from a source checkout, an editable install and a frozen bundle.

A frozen PyInstaller bundle carries the folder as ``pixm_desktop/resources`` (``pixm.spec`` datas), where
``importlib.resources`` finds it inside the package; a checkout or an editable install reads the top-level
``resources/`` beside the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_PACKAGE = "pixm_desktop"
_FOLDER = "resources"


def resources_root() -> Path:
    """The folder holding the shipped resources: the package's ``resources`` (bundle) when present, else the
    checkout's top-level ``resources/``. The path may not exist (an install without it); callers check."""
    packaged = Path(str(resources.files(_PACKAGE).joinpath(_FOLDER)))
    if packaged.is_dir():
        return packaged
    return Path(str(resources.files(_PACKAGE))).parent / _FOLDER


def resource_path(*parts: str) -> Path:
    """``resources/<parts…>`` as a file-system path: a folder (``resource_path("fonts")``) or a file
    (``resource_path("icons", "pixm.svg")``). The path may not exist; callers check. Raises nothing."""
    return resources_root().joinpath(*parts)


__all__ = ["resource_path", "resources_root"]
