"""The picture's geometry in a rendition (pure arithmetic, no media): anamorphic desqueeze, a frame-line
extraction crop, and the fit into the preset's frame.

Order: the source (``width`` × ``height`` stored pixels, pixel aspect ratio ``par``) is desqueezed by a factor
(a number, or ``"from_clip"``: the clip's own pixel aspect ratio), then the extraction is cut from it — the
largest centred box of ``aspect`` in the desqueezed picture, times ``scale`` (1.0: touching the picture's edges;
0.9: a 90 % centre extraction), or a ``crop`` ``[x, y, w, h]`` in stored source pixels — and the result is
scaled to fit inside the preset's frame with square pixels: **letterboxed** (black bars above and below) when
it is wider than the frame, **pillarboxed** (bars left and right) when narrower. Sizes and offsets are even
(4:2:0 and 4:2:2 codecs need even dimensions).

A preset with neither ``desqueeze`` nor ``extraction`` keeps the old behaviour: the whole stored picture is
scaled to the whole frame (:func:`plan` returns an identity plan).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

FROM_CLIP = "from_clip"


@dataclass(frozen=True)
class Plan:
    """How one source picture becomes one output frame.

    ``crop``: ``(x, y, w, h)`` in stored source pixels; ``scale_to``: the size the whole source frame is scaled
    to (so that the crop comes out at the picture's size); ``window``: ``(x, y)`` of the crop in that scaled
    frame; ``picture``: ``(w, h)`` of the scaled crop; ``place``: ``(x, y)`` of the picture in the output
    ``frame`` ``(w, h)``; ``bars``: ``"letterbox"``, ``"pillarbox"`` or ``""``."""

    crop: tuple[int, int, int, int]
    scale_to: tuple[int, int]
    window: tuple[int, int]
    picture: tuple[int, int]
    place: tuple[int, int]
    frame: tuple[int, int]
    bars: str = ""

    @property
    def full_frame(self) -> bool:
        """The scaled source is the output frame as is (no crop, no bars)."""
        return self.scale_to == self.frame and self.window == (0, 0) and self.place == (0, 0)


def _even(value: float, least: int = 2) -> int:
    return max(least, 2 * round(value / 2))


def squeeze(desqueeze: float | str | None, par: Fraction | None) -> Fraction:
    """The horizontal stretch a stored pixel needs: ``desqueeze`` (a number), the clip's ``par`` for
    ``"from_clip"`` (1 when it has none), 1 for ``None``. Raises :class:`ValueError` for a factor ≤ 0."""
    if desqueeze is None:
        return Fraction(1)
    if desqueeze == FROM_CLIP:
        return Fraction(par) if par else Fraction(1)
    factor = Fraction(desqueeze).limit_denominator(10000)
    if factor <= 0:
        raise ValueError(f"desqueeze must be more than 0, not {desqueeze}")
    return factor


def extraction_box(width: int, height: int, factor: Fraction, extraction: dict | None
                   ) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` in stored pixels of the extraction (see the module docstring) of a ``width`` ×
    ``height`` source whose pixels are ``factor`` wide. Raises :class:`ValueError` for a crop outside the
    picture or a non-positive aspect/scale."""
    if not extraction:
        return 0, 0, width, height
    if "crop" in extraction:
        x, y, w, h = (int(v) for v in extraction["crop"])
        if x < 0 or y < 0 or w < 2 or h < 2 or x + w > width or y + h > height:
            raise ValueError(f"extraction crop {[x, y, w, h]} is not inside the {width}×{height} picture")
        return x, y, w, h
    aspect, scale = float(extraction["aspect"]), float(extraction.get("scale", 1.0))
    if aspect <= 0 or not 0 < scale <= 1:
        raise ValueError(f"extraction needs aspect > 0 and 0 < scale ≤ 1, not {aspect}, {scale}")
    shown_w = width * float(factor)  # the desqueezed picture's width in square pixels
    box_w, box_h = (height * aspect, float(height)) if shown_w / height > aspect else (shown_w, shown_w / aspect)
    w = min(width, round(box_w * scale / float(factor)))
    h = min(height, round(box_h * scale))
    return (width - w) // 2, (height - h) // 2, w, h


def plan(width: int, height: int, frame_w: int, frame_h: int, *, par: Fraction | None = None,
         desqueeze: float | str | None = None, extraction: dict | None = None) -> Plan:
    """The geometry of a ``width`` × ``height`` source (pixel aspect ``par``) in a ``frame_w`` × ``frame_h``
    frame. Raises :class:`ValueError` (see :func:`squeeze`, :func:`extraction_box`)."""
    frame = (frame_w, frame_h)
    if desqueeze is None and not extraction:
        return Plan((0, 0, width, height), frame, (0, 0), frame, (0, 0), frame)
    factor = squeeze(desqueeze, par)
    x, y, w, h = extraction_box(width, height, factor, extraction)
    shown = w * float(factor) / h  # the extraction's aspect as it should be seen
    if shown > frame_w / frame_h:
        pic_w, pic_h, bars = frame_w, min(frame_h, _even(frame_w / shown)), "letterbox"
    else:
        pic_w, pic_h, bars = min(frame_w, _even(frame_h * shown)), frame_h, "pillarbox"
    if (pic_w, pic_h) == frame:
        bars = ""
    sx, sy = pic_w / w, pic_h / h
    scale_to = (max(pic_w, _even(width * sx)), max(pic_h, _even(height * sy)))
    window = (min(round(x * sx), scale_to[0] - pic_w), min(round(y * sy), scale_to[1] - pic_h))
    place = (_even((frame_w - pic_w) / 2, 0), _even((frame_h - pic_h) / 2, 0))
    place = (min(place[0], frame_w - pic_w), min(place[1], frame_h - pic_h))
    return Plan((x, y, w, h), scale_to, window, (pic_w, pic_h), place, frame, bars)
