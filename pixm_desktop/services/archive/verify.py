"""``pixm verify --tape LABEL|MOUNTPOINT``: read a tape once, in tape order, and check every file against the
tape's own flattened manifest and against the catalog (the card's hashes), with the order the files were read.

The tape order is the catalog's (the order PIXM wrote); files the manifest lists that the catalog does not
know follow in the manifest's order. Each verified file's ``verified_at`` is updated; a file that differs is
marked failed (its tape copy no longer counts in ``pixm risk``/``where``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from pixm_desktop.core.errors import CancelledError, UsageError
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import CancelToken
from pixm_desktop.services.archive import sidecars, tape_io
from pixm_desktop.store import tapes_repo
from pixm_desktop.store.db import Catalog
from pixm_desktop.store.models import File, Tape, TapeFile


@dataclass(frozen=True, slots=True)
class ReadLine:
    """One file read: its place in the read order (from 1), the tape position, path, ``status`` ok | failed |
    missing, and why."""

    order: int
    position: int | None
    path: str
    status: str
    detail: str = ""


@dataclass
class TapeVerifyResult:
    """The tape (``label``, ``mount``), the manifest used (``None``: none on the tape), the files read in
    order, and the files on the tape that neither the manifest nor the catalog lists (``extra``)."""

    label: str
    mount: str
    manifest: str | None
    lines: list[ReadLine] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ReadLine]:
        return [x for x in self.lines if x.status != "ok"]

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.failed and not self.extra

    def as_dict(self) -> dict:
        return {"label": self.label, "mount": self.mount, "manifest": self.manifest, "ok": self.ok,
                "read_order": [{"order": x.order, "position": x.position, "path": x.path, "status": x.status,
                                "detail": x.detail} for x in self.lines], "extra": self.extra}


def find_tape(catalog: Catalog, what: str) -> tuple[str, Path]:
    """``(label, mount point)`` of the tape named by ``what``: a mount point (its volume marker says the
    label) or a label the catalog knows (its last mount point must hold it now). Raises :class:`UsageError`."""
    path = Path(what)
    if path.is_dir():
        marker = tape_io.read_volume(path)
        if marker is None:
            raise UsageError(f"{path} holds no tape written by PIXM (no {tape_io.SIDECARS}/{tape_io.VOLUME_FILE})",
                             path=path)
        return marker["label"], path
    with catalog.session() as s:
        tape = tapes_repo.tape(s, what)
        if tape is None:
            raise UsageError(f"no tape {what!r} in the catalog and no such folder",
                             hint="give the tape's label or its mount point")
        mount = Path(tape.mount_point)
    marker = tape_io.read_volume(mount) if mount.is_dir() else None
    if marker is None or marker["label"] != what:
        raise UsageError(f"tape {what} is not mounted (last seen at {mount})",
                         hint=f"load tape {what}, mount it (ltfs) and give its mount point")
    return what, mount


def verify_tape(catalog: Catalog, what: str, *, cancel: CancelToken | None = None,
                on_file: Callable[[ReadLine], None] | None = None) -> TapeVerifyResult:
    """Verify the tape ``what`` (see the module docstring). Raises :class:`UsageError` (not found, not mounted)
    and :class:`CancelledError`."""
    cancel = cancel or CancelToken()
    label, mount = find_tape(catalog, what)
    manifest_path = sidecars.newest_manifest(mount)
    manifest = sidecars.read_manifest(manifest_path) if manifest_path else {}
    with catalog.session() as s:
        tape = s.scalars(select(Tape).where(Tape.label == label)).first()
        rows = list(s.scalars(select(TapeFile).where(TapeFile.tape_id == tape.id).order_by(TapeFile.position))) \
            if tape else []
        expected = {r.path: (r, s.get(File, r.file_id)) for r in rows}
        rows = tape_io.in_tape_order(rows, lambda r: mount / r.path, lambda r: r.position)
        order = [r.path for r in rows] + [p for p in manifest if p not in expected]
        out = TapeVerifyResult(label, str(mount), str(manifest_path) if manifest_path else None)
        for n, path in enumerate(order, 1):
            cancel.wait_if_paused()
            if cancel.cancelled:
                raise CancelledError("tape verify cancelled", hint="run it again")
            row, file = expected.get(path, (None, None))
            line = _check(mount, n, path, row, file, manifest.get(path))
            if row is not None:
                _update(row, line)
            out.lines.append(line)
            if on_file is not None:
                on_file(line)
        s.commit()
    out.extra = _extra(mount, set(order))
    return out


def _check(mount: Path, n: int, path: str, row, file, listed: dict | None) -> ReadLine:
    pos = row.position if row is not None else None
    target = mount / path
    if not target.is_file():
        return ReadLine(n, pos, path, "missing", "not on the tape")
    want: dict[str, str] = dict(listed or {})
    if file is not None:
        for alg, value in file.hashes().items():
            if want.get(alg.value, value).lower() != value.lower():
                return ReadLine(n, pos, path, "failed", f"the manifest's {alg} differs from the catalog's")
            want[alg.value] = value
    if not want:
        return ReadLine(n, pos, path, "failed", "neither the manifest nor the catalog lists it")
    formats = tuple(HashAlgorithm(a) for a in want)
    try:
        got = tape_io.hash_file(target, tuple(dict.fromkeys((HashAlgorithm.XXH64, HashAlgorithm.MD5, *formats))),
                                "md5")
    except OSError as exc:
        return ReadLine(n, pos, path, "failed", f"cannot be read: {exc.strerror or exc}")
    hashes = got[0]
    for alg, value in want.items():
        if hashes[HashAlgorithm(alg)].lower() != value.lower():
            return ReadLine(n, pos, path, "failed", f"{alg} {hashes[HashAlgorithm(alg)]}, expected {value}")
    return ReadLine(n, pos, path, "ok")


def _update(row: TapeFile, line: ReadLine) -> None:
    if line.status == "ok":
        row.state, row.verified_at, row.reason = tapes_repo.VERIFIED, dt.datetime.now(dt.UTC), None
    else:
        row.state, row.reason = tapes_repo.BAD, line.detail


def _extra(mount: Path, known: set[str]) -> list[str]:
    """Files on the tape outside PIXM's folder and the histories that nothing lists."""
    found = []
    for folder, dirs, files in os.walk(mount):
        rel = os.path.relpath(folder, mount)
        dirs[:] = sorted(d for d in dirs if d not in ("ascmhl", tape_io.SIDECARS))
        for name in sorted(files):
            p = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
            if p not in known and name != ".DS_Store":
                found.append(p)
    return found


__all__ = ["ReadLine", "TapeVerifyResult", "find_tape", "verify_tape"]
