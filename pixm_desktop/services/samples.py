"""Sample camera cards for the demo, the tests and the benchmarks (wraps samples.samplecard)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pixm_desktop.core.model import Camera
from pixm_desktop.samples.samplecard import SampleCard, generate_card

CAMERAS = tuple(c.value for c in Camera if c != Camera.UNKNOWN)


def make_card(parent: Path, camera: str, *, fresh: bool = False, **options) -> SampleCard:
    """Write a sample card under ``parent``; with ``fresh`` an earlier card there is removed first."""
    parent = Path(parent)
    if fresh and parent.exists():
        shutil.rmtree(parent)
    parent.mkdir(parents=True, exist_ok=True)
    return generate_card(parent, Camera(camera), **options)
