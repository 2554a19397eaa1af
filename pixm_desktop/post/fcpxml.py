"""A Final Cut Pro 7 XML (xmeml v4) of clips with their proxy media, through OpenTimelineIO's ``fcp_xml``
adapter, for Premiere Pro and DaVinci Resolve: one sequence of the clips end to end, each clip's media
reference the proxy file (``pathurl``) with the clip's source timecode and its reel (tape) name. One rate
per file: a sequence has one timebase.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio


@dataclass(frozen=True, slots=True)
class XmlClip:
    """One clip: ``name``, ``tape`` (reel), ``url`` (the proxy's ``file://`` URL), ``start_frame`` (its start
    timecode in frames at the nominal rate), ``frames`` (duration)."""

    name: str
    tape: str
    url: str
    start_frame: int
    frames: int


def timeline(name: str, clips: Sequence[XmlClip], fps: Fraction) -> otio.schema.Timeline:
    """The OTIO timeline: one video track of ``clips`` at ``fps`` (exact rate)."""
    rate = float(fps)
    tl = otio.schema.Timeline(name=name)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    for c in clips:
        available = otio.opentime.TimeRange(otio.opentime.RationalTime(c.start_frame, rate),
                                            otio.opentime.RationalTime(c.frames, rate))
        ref = otio.schema.ExternalReference(target_url=c.url, available_range=available)
        clip = otio.schema.Clip(name=c.name, media_reference=ref, source_range=available)
        clip.metadata["fcp_xml"] = {"reel": {"name": c.tape}}
        track.append(clip)
    return tl


def write_fcp_xml(path: Path, name: str, clips: Sequence[XmlClip], fps: Fraction) -> int:
    """Write the FCP7 XML ``path`` (sequence ``name``); returns the clip count. Raises ``OSError``."""
    otio.adapters.write_to_file(timeline(name, clips, fps), str(path), adapter_name="fcp_xml")
    return len(clips)


__all__ = ["XmlClip", "timeline", "write_fcp_xml"]
