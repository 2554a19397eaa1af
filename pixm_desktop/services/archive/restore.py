"""``pixm restore (--clips NAME… | --cut NAME [--handles N]) --to DIR``: the camera files of clips (or of the clips
a cut uses) back from tape, reading only those files, tape by tape, each tape in tape order, each file hashed
on the way and checked against the catalog.

Tapes are chosen per file: a mounted tape first, then copy A before B, then by label. Files whose every tape
is unmounted are not read: the result names the tapes to load (``to_load``). Camera files are whole files
(``--handles`` does not change which are needed; it is kept for the cut's words). Files land in
``DIR/<card label>/<path on the card>``; one that differs from the catalog is removed and named.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.hashes import HashAlgorithm, MultiHasher
from pixm_desktop.core.model import CancelToken
from pixm_desktop.services import cuts as cut_service
from pixm_desktop.services.archive import tape_io
from pixm_desktop.store import tapes_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import Card, Clip, ClipFile, File


@dataclass(frozen=True, slots=True)
class RestoreRequest:
    """Clips by name (``clips``) or the cut ``cut`` (``NAME``/``NAME@N``) with ``handles``, into ``folder``."""

    folder: Path
    clips: tuple[str, ...] = ()
    cut: str = ""
    handles: int = 0


@dataclass
class RestoreProgress:
    """``files_done`` of ``files_total``, the tape being read and the file."""

    files_done: int = 0
    files_total: int = 0
    tape: str = ""
    current: str = ""


@dataclass
class RestoreResult:
    """Files restored (``(tape, position, tape path, restored path)`` in read order), failed ``(path, why)``,
    files not on any tape, tapes to load (``{label: files}``)."""

    folder: str
    read: list[tuple[str, int, str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_archived: list[str] = field(default_factory=list)
    to_load: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_archived and not self.to_load

    def as_dict(self) -> dict:
        return {"folder": self.folder, "ok": self.ok,
                "read": [{"tape": t, "position": p, "path": tp, "to": to} for t, p, tp, to in self.read],
                "failed": [{"path": p, "why": w} for p, w in self.failed], "not_archived": self.not_archived,
                "to_load": self.to_load}


def needed_files(s, req: RestoreRequest) -> list[File]:
    """The card files the clips (or the cut's resolved clips) are made of. Raises :class:`UsageError`."""
    if bool(req.clips) == bool(req.cut):
        raise UsageError("restore one of: --clips NAME…, --cut NAME")
    if req.handles < 0:
        raise UsageError("handles cannot be negative")
    if req.cut:
        cut = cut_service.get_cut(s, req.cut)
        clip_ids = sorted({e.clip_id for e in cut.events if e.clip_id is not None})
    else:
        names = [n.lower() for n in req.clips]
        found = s.execute(select(Clip.id, Clip.name).where(func.lower(Clip.name).in_(names))).all()
        missing = sorted(set(names) - {n.lower() for _, n in found})
        if missing:
            raise UsageError(f"no clip named {', '.join(missing)} in the catalog", hint="`pixm clips` lists them")
        clip_ids = [i for i, _ in found]
    if not clip_ids:
        raise UsageError(f"cut {req.cut} has no event resolved to a camera clip: nothing to restore")
    ids = select(ClipFile.file_id).where(ClipFile.clip_id.in_(clip_ids))
    return list(s.scalars(select(File).where(File.id.in_(ids)).order_by(File.card_id, File.relpath_raw)))


def mounted(label: str, mount_point: str) -> bool:
    """Whether tape ``label`` is mounted at ``mount_point`` now (its volume marker says so)."""
    if not mount_point or not os.path.isdir(mount_point):
        return False
    marker = tape_io.read_volume(Path(mount_point))
    return marker is not None and marker["label"] == label


def restore(catalog: Catalog, req: RestoreRequest, *, cancel: CancelToken | None = None,
            progress: RestoreProgress | None = None,
            on_read: Callable[[str, int, str], None] | None = None) -> RestoreResult:
    """Restore (see the module docstring). ``on_read(tape, position, path)`` is called before each file is read.
    Raises :class:`UsageError` (nothing named, no folder) and :class:`CancelledError`."""
    cancel = cancel or CancelToken()
    progress = progress or RestoreProgress()
    if not req.folder.is_dir():
        raise UsageError(f"no such folder: {req.folder}", hint="give --to an existing folder")
    out = RestoreResult(str(req.folder))
    with catalog.session() as s:
        files = needed_files(s, req)
        labels = {c.id: c.label for c in s.scalars(select(Card).where(Card.id.in_({f.card_id for f in files})))}
        copies = tapes_repo.verified_copies(s, [f.id for f in files])
    plan: dict[tuple[str, str], list[tuple[int, str, File]]] = {}
    for f in files:
        options = copies.get(f.id, [])
        if not options:
            out.not_archived.append(f"{labels[f.card_id]}/{f.relpath}")
            continue
        best = sorted(options, key=lambda c: (not mounted(c.label, c.mount_point), c.copy, c.label))[0]
        if not mounted(best.label, best.mount_point):
            out.to_load[best.label] = out.to_load.get(best.label, 0) + 1
            continue
        plan.setdefault((best.label, best.mount_point), []).append((best.position, best.path, f))
    progress.files_total = sum(len(v) for v in plan.values())
    for (label, mount), items in sorted(plan.items()):
        progress.tape = label
        for position, path, f in tape_io.in_tape_order(items, lambda x, m=mount: Path(m) / x[1], lambda x: x[0]):
            cancel.wait_if_paused()
            if cancel.cancelled:
                raise CancelledError("restore cancelled: the files restored so far are kept",
                                     hint="run it again; files already there are read again")
            progress.current = path
            if on_read is not None:
                on_read(label, position, path)
            dest = req.folder / labels[f.card_id] / f.relpath
            why = _copy_checked(Path(mount) / path, dest, f)
            if why is None:
                out.read.append((label, position, path, str(dest)))
            else:
                out.failed.append((path, f"tape {label}: {why}"))
            progress.files_done += 1
    return out


def _copy_checked(src: Path, dest: Path, f: File) -> str | None:
    """Copy ``src`` to ``dest`` hashing on the way; ``None`` when it equals the catalog, else why (and the
    partial copy is removed)."""
    want = {HashAlgorithm(a): v for a, v in f.hashes().items()}
    if not want:
        return "the catalog holds no hash of this file"
    dest.parent.mkdir(parents=True, exist_ok=True)
    multi = MultiHasher(tuple(want))
    n = 0
    try:
        with open(src, "rb", buffering=0) as fh, open(dest, "wb") as out:
            while chunk := fh.read(tape_io.CHUNK):
                multi.update(chunk)
                out.write(chunk)
                n += len(chunk)
        os.utime(dest, ns=(f.mtime_ns, f.mtime_ns))
    except OSError as exc:
        dest.unlink(missing_ok=True)
        return f"cannot be read: {exc.strerror or exc}"
    got = multi.hexdigests()
    bad = next((a for a, v in want.items() if got[a].lower() != v.lower()), None)
    if n != f.size or bad is not None:
        dest.unlink(missing_ok=True)
        return f"differs from the catalog ({bad or 'size'}): not restored"
    return None


__all__ = ["RestoreProgress", "RestoreRequest", "RestoreResult", "mounted", "needed_files", "restore"]
