"""Burn-ins drawn with Pillow (PyAV's FFmpeg has no ``drawtext``): source timecode per frame, clip name, reel,
scene/take, circle mark, frame counter, watermark, each at an anchor of the picture (the preset's
``burn_in.positions``), white text on a black box, the font from ``resources/fonts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pixm_desktop.core.errors import UsageError
from pixm_desktop.core.resources import resource_path

FIELDS = ("tc", "clip", "reel", "scene_take", "circle", "frame", "watermark")
DEFAULT_POSITIONS = {"tc": "bottom-right", "frame": "bottom-right", "clip": "bottom-left", "reel": "bottom-left",
                     "scene_take": "top-left", "circle": "top-left", "watermark": "top-center"}
MARGIN = 0.02  # of the picture height, around the picture's edge
PAD = 0.15  # of the text height, around the text in its box
PATCHES = 64  # drawn boxes kept per clip


def parse_fields(text: str | None) -> tuple[str, ...]:
    """``"tc,clip,reel"`` → the field names in order. Raises :class:`UsageError` for an unknown field."""
    names = tuple(f.strip() for f in (text or "").split(",") if f.strip())
    unknown = [f for f in names if f not in FIELDS]
    if unknown:
        raise UsageError(f"unknown burn-in field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})")
    return names


@cache
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    """The shipped font ``resources/fonts/<name>`` at ``size`` pixels. Raises :class:`UsageError`."""
    path = resource_path("fonts", name)
    try:
        return ImageFont.truetype(str(path), size)
    except OSError:
        raise UsageError(f"no burn-in font {path}") from None


@dataclass(frozen=True)
class ClipText:
    """The fixed texts of a clip's burn-ins (the timecode and the frame counter change per frame)."""

    clip: str = ""
    reel: str = ""
    scene_take: str = ""
    circled: bool = False
    watermark: str = ""


class BurnIn:
    """Draws ``fields`` on W×H RGB frames. ``texts(tc, index)`` lists ``(anchor, [lines])``; ``draw(rgb, tc,
    index)`` returns the frame with the boxes drawn (a new array)."""

    def __init__(self, fields: tuple[str, ...], clip: ClipText, style: dict, width: int, height: int):
        self.fields, self.clip, self.width, self.height = fields, clip, width, height
        self.positions = DEFAULT_POSITIONS | style.get("positions", {})
        self.font = font(style.get("font", "DejaVuSansMono.ttf"), max(8, round(height * style.get("size", 0.04))))
        self.watermark = clip.watermark or style.get("watermark", "")
        self._patches: dict[tuple, np.ndarray] = {}

    def line(self, name: str, tc: str, index: int) -> str:
        """The text of field ``name`` on frame ``index`` (0-based) whose source timecode is ``tc``."""
        c = self.clip
        return {"tc": tc, "clip": c.clip, "reel": c.reel, "scene_take": c.scene_take,
                "circle": "CIRCLED" if c.circled else "", "frame": f"{index + 1:06d}",
                "watermark": self.watermark}[name]

    def texts(self, tc: str, index: int) -> list[tuple[str, list[str]]]:
        grouped: dict[str, list[str]] = {}
        for name in self.fields:
            text = self.line(name, tc, index)
            if text:
                grouped.setdefault(self.positions[name], []).append(text)
        return list(grouped.items())

    def boxes(self, anchor: str, lines: list[str]) -> list[tuple[tuple[int, int, int, int], tuple[int, int]]]:
        """``[(box, text origin)]`` of ``lines`` stacked at ``anchor`` (the bottom line nearest the edge)."""
        ascent, descent = self.font.getmetrics()
        pad = max(1, round((ascent + descent) * PAD))
        line_h = ascent + descent + 2 * pad
        margin = round(self.height * MARGIN)
        vertical, _, horizontal = anchor.partition("-") if anchor != "center" else ("center", "", "center")
        total = line_h * len(lines)
        top = {"top": margin, "bottom": self.height - margin - total}.get(vertical, (self.height - total) // 2)
        out = []
        for i, text in enumerate(lines):
            w = round(self.font.getlength(text)) + 2 * pad
            left = {"left": margin, "right": self.width - margin - w}.get(horizontal, (self.width - w) // 2)
            y = top + i * line_h
            out.append(((left, y, left + w, y + line_h), (left + pad, y + pad)))
        return out

    def draw(self, rgb: np.ndarray, tc: str, index: int) -> np.ndarray:
        # a box is opaque: its pixels depend on its text only, so each box is drawn as a small patch (the
        # fixed texts once per clip, from the cache) and copied in; the frame never goes through Pillow
        out = np.array(rgb, dtype=np.uint8, order="C")
        for anchor, lines in self.texts(tc, index):
            for (box, origin), text in zip(self.boxes(anchor, lines), lines, strict=True):
                self._paste(out, box, origin, text)
        return out

    def _paste(self, out: np.ndarray, box: tuple[int, int, int, int], origin: tuple[int, int], text: str) -> None:
        left, top, right, bottom = box  # inclusive, as Pillow's rectangle fills it
        patch = self._patch(text, right - left + 1, bottom - top + 1, origin[0] - left, origin[1] - top)
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(right + 1, out.shape[1]), min(bottom + 1, out.shape[0])
        if x0 < x1 and y0 < y1:
            out[y0:y1, x0:x1] = patch[y0 - top:y1 - top, x0 - left:x1 - left]

    def _patch(self, text: str, width: int, height: int, dx: int, dy: int) -> np.ndarray:
        key = (text, width, height, dx, dy)
        if key not in self._patches:
            if len(self._patches) >= PATCHES:  # the per-frame texts (timecode, counter) must not pile up
                self._patches.clear()
            image = Image.new("RGB", (width, height), (0, 0, 0))
            ImageDraw.Draw(image).text((dx, dy), text, font=self.font, fill=(255, 255, 255))
            self._patches[key] = np.asarray(image)
        return self._patches[key]
