"""An Avid AAF that links OP-Atom MXF media (one file per track, as ``media.renditions`` writes it), written
with pyaaf2 (AAF object specification v1.1 through its ``link_external_mxf``).

Avid finds OP-Atom media by the **file package UMID** inside each MXF, so each file's source mob keeps the
UMID the MXF carries. FFmpeg writes one material package per file; Avid wants one master clip per camera clip,
so the per-file master mobs are replaced by one :class:`MasterMob` per clip (named as the clip) whose slots
(V1, A1, A2 …, with their physical track numbers) reference the file mobs. Each file mob references a tape mob named as the clip's tape, whose
timecode track gives the start timecode. Locators are ``file://`` URLs of the files where the package lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aaf2


@dataclass(frozen=True, slots=True)
class AafClip:
    """One clip: ``name`` (the master clip's), ``tape`` (the tape name the edit list will carry), ``files``
    (its OP-Atom MXF files to read now, video first) and ``urls`` (where each will be, the locators)."""

    name: str
    tape: str
    files: tuple[Path, ...]
    urls: tuple[str, ...]


def _split(mobs) -> tuple:
    """``(master, file mob, tape mob)`` from what ``link_external_mxf`` made for one file."""
    master = next(m for m in mobs if isinstance(m, aaf2.mobs.MasterMob))
    sources = [m for m in mobs if isinstance(m, aaf2.mobs.SourceMob)]
    tape = next((m for m in sources if isinstance(m.descriptor, aaf2.essence.TapeDescriptor)), None)
    file_mob = next(m for m in sources if m is not tape)
    return master, file_mob, tape


def _essence_slot(mob):
    return next(s for s in mob.slots if s.media_kind in ("Picture", "Sound"))


def _link_clip(f, clip: AafClip) -> None:
    master = f.create.MasterMob(clip.name)
    f.content.mobs.append(master)
    tracks = {"Picture": 0, "Sound": 0}
    for path, url in zip(clip.files, clip.urls, strict=True):
        linked_master, file_mob, tape = _split(f.content.link_external_mxf(str(path)))
        f.content.mobs.pop(linked_master.mob_id)
        if tape is not None:
            tape.name = clip.tape
        locator = f.create.NetworkLocator()
        locator["URLString"].value = url
        file_mob.descriptor["Locator"].value = [locator]
        essence = _essence_slot(file_mob)
        slot = master.create_timeline_slot(essence.edit_rate)
        slot.segment = file_mob.create_source_clip(slot_id=essence.slot_id)
        tracks[essence.media_kind] += 1  # V1, A1, A2…: the track Avid puts it on
        slot["PhysicalTrackNumber"].value = tracks[essence.media_kind]


def write_aaf(path: Path, clips: Sequence[AafClip]) -> int:
    """Write the AAF ``path`` linking every clip's files; returns the number of master clips. Raises
    ``OSError`` and pyaaf2's errors for a file that is not an OP-Atom MXF (``Exception``)."""
    with aaf2.open(str(path), "w") as f:
        for clip in clips:
            _link_clip(f, clip)
    return len(clips)


__all__ = ["AafClip", "write_aaf"]
