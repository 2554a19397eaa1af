"""Group a card's files into clips: pure name rules, no file is opened. The camera families' rules (RED
clip folders and segments, GoPro chapters, Sony companions) are in ``core.cameras``; the facts in
``docs/cards.md`` §Clips.

A clip is one recording: its media file(s) plus what the camera wrote beside it. Roles:

- ``media``: the file to probe and thumbnail (for spanned clips, the first segment).
- ``segment``: further span segments / chapters (RED ``_002.R3D``…, GoPro ``GX02nnnn.MP4``…), ``position`` orders them.
- ``proxy``: a lower-resolution copy made by the camera (Sony ``Sub/…S03.MXF``, GoPro ``.LRV``, DJI ``.LRF``).
- ``sidecar``: metadata files (Sony ``M01.XML``, Canon ``.XML``, BRAW ``.sidecar``, DJI ``.SRT``, RED ``.RTN``…).
- ``thumbnail``: a picture the camera made (Sony ``Thmbnl/…T01.JPG``, GoPro ``.THM``).

Files that belong to no clip (card indexes like ``MEDIAPRO.XML``, a reel's ``.ale``, OS litter, ``ascmhl``)
are left out. Every file is in at most one clip. The ``key`` of a group is stable across runs (the clip folder
for RED, the media file's path otherwise), so re-grouping a card finds the same clips.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pixm_desktop.core.cameras import gopro, red, sony
from pixm_desktop.core.states import ClipFileRole, ClipKind

VIDEO_EXTS = frozenset({".mov", ".mxf", ".mp4", ".m4v", ".avi", ".mkv", ".mts", ".m2ts", ".braw", ".r3d",
                        ".crm", ".insv", ".360"})
AUDIO_EXTS = frozenset({".wav", ".bwf"})
RAW_EXTS = frozenset({".r3d", ".braw"})  # no open decoder (docs/cards.md §Clips)
_IGNORED_DIRS = frozenset({"ascmhl", ".spotlight-v100", ".fseventsd", ".trashes", ".temporaryitems"})
# same folder, same stem as a clip's media: a role by extension, a sidecar otherwise (Canon .XML,
# BRAW .sidecar, DJI .SRT; DJI's .LRF proxy has no card family of its own)
_SAME_STEM = {".lrf": ClipFileRole.PROXY, ".lrv": ClipFileRole.PROXY, ".thm": ClipFileRole.THUMBNAIL,
              ".jpg": ClipFileRole.THUMBNAIL}


@dataclass(frozen=True, slots=True)
class ClipFile:
    """A card file's place in a clip: card-relative path (``/`` separators), role and order."""

    relpath: str
    role: ClipFileRole
    position: int = 0


@dataclass(slots=True)
class ClipGroup:
    """One clip found by name: ``key`` (stable identity on the card), ``name`` (the clip name the camera
    gave it), ``kind`` (``video``, ``audio``, ``raw`` — no open decoder) and its files, media first."""

    key: str
    name: str
    kind: ClipKind
    files: list[ClipFile] = field(default_factory=list)

    @property
    def media(self) -> str:
        return next(f.relpath for f in self.files if f.role == ClipFileRole.MEDIA)

    def of_role(self, role: str) -> list[str]:
        return [f.relpath for f in sorted(self.files, key=lambda f: f.position) if f.role == role]


def _split(rel: str) -> tuple[str, str, str, str]:
    """(folder, file name, stem, lowercase extension)."""
    folder, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return folder, name, name, ""
    return folder, name, stem, "." + ext.lower()


def is_ignored(rel: str) -> bool:
    """OS litter, hidden files and ASC MHL histories never belong to a clip."""
    parts = rel.split("/")
    return any(p.startswith(".") or p.lower() in _IGNORED_DIRS for p in parts)


def group_files(relpaths: Iterable[str]) -> list[ClipGroup]:
    """Clips of a card from its file list (card-relative, ``/``-separated). Sorted by media path."""
    paths = sorted({p for p in relpaths if not is_ignored(p)})
    claimed: set[str] = set()
    groups: list[ClipGroup] = []

    # RED: everything inside a ``*.RDC`` clip folder is one clip; R3D segments in order.
    rdc: dict[str, list[str]] = {}
    for p in paths:
        parts = p.split("/")
        for i, part in enumerate(parts[:-1]):
            if red.is_clip_folder(part):
                rdc.setdefault("/".join(parts[: i + 1]), []).append(p)
                break
    for folder, members in rdc.items():
        group = _red_group(folder, members)
        if group is not None:
            groups.append(group)
            claimed.update(f.relpath for f in group.files)

    by_folder_stem: dict[tuple[str, str], list[str]] = {}
    for p in paths:
        folder, _name, stem, _ext = _split(p)
        by_folder_stem.setdefault((folder, stem.upper()), []).append(p)

    # GoPro: chapters of one recording are one clip; LRV proxies and THM pictures attach to their chapter.
    chapters_of: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for p in paths:
        folder, _name, stem, ext = _split(p)
        if p in claimed or ext not in gopro.MOVIE_EXTS:
            continue
        if (found := gopro.chapter(stem)) is not None:
            recording, ch = found
            chapters_of.setdefault((folder, recording), []).append((ch, p))
    for (folder, _ident), chapters in sorted(chapters_of.items()):
        chapters.sort()
        group = ClipGroup(key=chapters[0][1], name=_split(chapters[0][1])[2], kind=ClipKind.VIDEO)
        for pos, (ch, p) in enumerate(chapters, 1):
            group.files.append(ClipFile(p, ClipFileRole.MEDIA if pos == 1 else ClipFileRole.SEGMENT, pos))
            claimed.add(p)
            stem = _split(p)[2].upper()
            companions = list(by_folder_stem.get((folder, stem), []))
            if (lrv := gopro.proxy_stem(stem, ch)) is not None:  # GX010001.MP4 -> GL010001.LRV
                companions += by_folder_stem.get((folder, lrv), [])
            for q in companions:
                role = gopro.COMPANIONS.get(_split(q)[3])
                if q not in claimed and role:
                    group.files.append(ClipFile(q, role, pos))
                    claimed.add(q)
        groups.append(group)

    # Sony companions, indexed by the clip stem they belong to: <clip>M01.XML, Sub/<clip>S03.MXF, T01.JPG.
    sony_side: dict[str, list[tuple[str, str, int]]] = {}
    for p in paths:
        _folder, _name, stem, _ext = _split(p)
        if (found := sony.companion(stem)) is not None:
            clip_stem, kind, n = found
            sony_side.setdefault(clip_stem, []).append((p, kind, n))

    # Every other media file is a clip of its own (Sony/Canon/ARRI MXF and MOV, BRAW, DJI MP4, BWF).
    media = [p for p in paths if p not in claimed and _split(p)[3] in VIDEO_EXTS | AUDIO_EXTS]
    for p in media:
        if p in claimed or _is_sony_proxy(p):
            continue
        _start_clip(p, groups, claimed, by_folder_stem, sony_side)
    for p in media:  # a proxy whose main file is not on the card is a clip after all
        if p not in claimed:
            _start_clip(p, groups, claimed, by_folder_stem, sony_side)

    groups.sort(key=lambda g: g.media)
    return groups


def _is_sony_proxy(p: str) -> bool:
    """``…/Sub/<clip>S03.MXF``: a Sony proxy, attached to its clip rather than a clip of its own."""
    folder, _name, stem, _ext = _split(p)
    return sony.is_proxy(folder, stem)


def _start_clip(p: str, groups: list[ClipGroup], claimed: set[str], by_folder_stem: dict,
                sony_side: dict[str, list[tuple[str, str, int]]]) -> None:
    folder, _name, stem, ext = _split(p)
    kind = ClipKind.AUDIO if ext in AUDIO_EXTS else ClipKind.RAW if ext in RAW_EXTS else ClipKind.VIDEO
    group = ClipGroup(key=p, name=stem, kind=kind, files=[ClipFile(p, ClipFileRole.MEDIA, 1)])
    claimed.add(p)
    # Same stem, same folder: sidecars (Canon .XML, BRAW .sidecar, DJI .SRT/.LRF, .THM).
    for q in by_folder_stem.get((folder, stem.upper()), []):
        if q not in claimed:
            role = _SAME_STEM.get(_split(q)[3], ClipFileRole.SIDECAR)
            group.files.append(ClipFile(q, role, 1))
            claimed.add(q)
    if kind == ClipKind.VIDEO:
        _attach_sony(group, folder, stem, sony_side, claimed)
    groups.append(group)


def _attach_sony(group: ClipGroup, folder: str, stem: str, sony_side: dict[str, list[tuple[str, str, int]]],
                 claimed: set[str]) -> None:
    """Sony: ``<clip>M01.XML`` beside the MXF, ``../Sub/<clip>S03.MXF`` proxy, ``../Thmbnl/<clip>T01.JPG``."""
    parent = folder.rpartition("/")[0]
    for q, kind, n in sony_side.get(stem.upper(), []):
        if q in claimed:
            continue
        qfolder, _name, _qstem, qext = _split(q)
        if qfolder != folder and qfolder.rpartition("/")[0] != parent:
            continue
        role = sony.companion_role(kind, qext, qfolder, VIDEO_EXTS)
        if role is None:
            continue
        group.files.append(ClipFile(q, role, n))
        claimed.add(q)


def _red_group(folder: str, members: list[str]) -> ClipGroup | None:
    """A RED ``.RDC`` folder: R3D segments (``_001`` is the media), other movies proxies, the rest sidecars."""
    name = folder.rsplit("/", 1)[-1]
    stem = name[: -len(red.CLIP_FOLDER_SUFFIX)]
    r3d, movies, other = [], [], []
    for p in sorted(members):
        _f, _n, fstem, ext = _split(p)
        if ext == ".r3d":
            r3d.append((red.segment_number(fstem), p))
        elif ext in VIDEO_EXTS:
            movies.append(p)
        else:
            other.append(p)
    if not r3d and not movies:
        return None
    group = ClipGroup(key=folder, name=stem, kind=ClipKind.RAW if r3d else ClipKind.VIDEO)
    if r3d:
        r3d.sort()
        for pos, (_n, p) in enumerate(r3d):
            group.files.append(ClipFile(p, ClipFileRole.MEDIA if pos == 0 else ClipFileRole.SEGMENT, pos + 1))
        group.files.extend(ClipFile(p, ClipFileRole.PROXY, i + 1) for i, p in enumerate(movies))
    else:  # RED ProRes mode: the movie is the media
        group.files.append(ClipFile(movies[0], ClipFileRole.MEDIA, 1))
        group.files.extend(ClipFile(p, ClipFileRole.SEGMENT, i + 2) for i, p in enumerate(movies[1:]))
    group.files.extend(ClipFile(p, ClipFileRole.SIDECAR, 0) for p in other)
    return group


__all__ = ["AUDIO_EXTS", "RAW_EXTS", "VIDEO_EXTS", "ClipFile", "ClipGroup", "group_files", "is_ignored"]
