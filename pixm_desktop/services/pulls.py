"""VFX pulls and DI delivery from the catalog (issue 15, docs/post.md).

``pull``: every VFX shot of a cut (``pixm vfx mark``) → its clip and its range widened by handles, clamped to
the clip, VFX frames from ``first_frame`` on the first handle frame; a package folder with the pull list
(``pull_list.csv``, ``pull_list.edl`` with shot names as clip names, ``count_sheet.pdf``), ``CDL/<shot>.cdl``
for the shots with a CDL, ``manifest.json`` (where each file came from) and the camera files under
``media/<card>/<path on the card>`` — whole, as the camera wrote them, read from a verified copy — or, with
``trim`` and only for ProRes/DNx in MOV, cut to range + handles by stream copy and probed back (first frame
timecode and frame count must be what was asked, else the pull fails). Raw (ARRIRAW, R3D, BRAW, X-OCN),
MXF and long-GOP files are never trimmed: whole file, with the reason.

``deliver_di``: the camera files every resolved event of a cut uses, by reel
(``<reel>/<card>/<path on the card>``: camera names and timecode unchanged, so the cut's own EDL/XML conforms to them), one EDL per video track
(``EDL/<cut>_V<n>.edl``), ``delivery_report.csv`` and ``manifest.json``.

Both packages get a **fresh** ASC MHL history (one ``transfer`` generation of every file in the package),
written only after every camera file's hashes, computed while copying, equal the catalog's source hashes. A
card's own history is never carried (its other files would be missing). Package paths are built from catalog
paths and sanitised names only and checked to stay inside the package folder.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pixm_desktop.core.errors import CancelledError, UsageError, VerificationFailedError
from pixm_desktop.core.hashes import HashAlgorithm, MultiHasher
from pixm_desktop.core.timecode import frames_to_tc, nominal
from pixm_desktop.media.probe import probe_media
from pixm_desktop.media.trim import stream_copy_range
from pixm_desktop.mhl import MhlFileRecord, Process, write_generation
from pixm_desktop.post import pulls as P
from pixm_desktop.post.model import Cdl
from pixm_desktop.post.resolve import clip_frames
from pixm_desktop.services import cuts as cuts_service
from pixm_desktop.services.context import Catalog, creator, current_user
from pixm_desktop.store import cuts_repo
from pixm_desktop.store.models import Clip, Cut, File, Pull

#: Codecs whose MOV files stay valid, metadata and all, when cut by stream copy (every frame a key frame).
TRIMMABLE = ("prores", "dnxhd", "dnxhr")
CHUNK = 4 * 1024 * 1024
ALGORITHMS = (HashAlgorithm.XXH64, HashAlgorithm.MD5, HashAlgorithm.SHA1, HashAlgorithm.XXH128, HashAlgorithm.XXH3)


@dataclass(slots=True)
class PackageResult:
    """What a pull or a delivery did: the package folder, the rows of its list (one per shot or clip), the
    files written (package-relative), the events left out with the reason, the ASC MHL generation."""

    root: Path
    rows: list[dict] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    mhl: str = ""

    def as_dict(self) -> dict:
        return {"root": str(self.root), "rows": self.rows, "files": self.files, "problems": self.problems,
                "mhl": self.mhl}


def _package_root(to: Path, cut: Cut, kind: str) -> Path:
    to = Path(to)
    if not to.is_dir():
        raise UsageError(f"{to} is not a folder", path=to, hint="give an existing folder with --to")
    root = to / P.safe_name(f"{cut.name}_v{cut.version:03d}_{kind}")
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root} exists and is not empty: a package is never written over", path=root,
                         hint="move it away or give another --to")
    root.mkdir(exist_ok=True)
    return root


@contextmanager
def _removed_if_cancelled(root: Path):
    """A new package folder is removed when its job is cancelled (the progress callback raised): nothing
    half-written is left, and the catalog rows of the session are never committed."""
    try:
        yield
    except CancelledError:
        shutil.rmtree(root, ignore_errors=True)
        raise


def _inside(root: Path, rel: str) -> Path:
    """``root / rel``, refusing anything that would land outside ``root`` (``..``, absolute paths, links)."""
    target = (root / rel).resolve()
    if os.path.commonpath([target, root.resolve()]) != str(root.resolve()) or target == root.resolve():
        raise UsageError(f"refused path outside the package: {rel!r}", path=root)
    return target


def _copy_hashed(src: bytes, dest: Path) -> tuple[dict[HashAlgorithm, str], int]:
    dest.parent.mkdir(parents=True, exist_ok=True)
    hasher = MultiHasher(ALGORITHMS)
    size = 0
    with open(src, "rb") as fin, open(dest, "xb") as fout:
        while chunk := fin.read(CHUNK):
            hasher.update(chunk)
            fout.write(chunk)
            size += len(chunk)
    shutil.copystat(src, dest)
    return hasher.hexdigests(), size


def _hash_file(path: Path) -> dict[HashAlgorithm, str]:
    hasher = MultiHasher((HashAlgorithm.XXH64, HashAlgorithm.MD5))
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            hasher.update(chunk)
    return hasher.hexdigests()


def _catalog_hashes(f: File) -> dict[HashAlgorithm, str]:
    return {a: v for a in ALGORITHMS if (v := getattr(f, a.value, None))}


class _Package:
    """The files of one package: copies camera files from verified copies, writes lists, then the MHL."""

    def __init__(self, s, root: Path, progress: Callable[[str], None] | None):
        self.s, self.root, self.progress = s, root, progress or (lambda _m: None)
        self.records: dict[str, tuple[dict[HashAlgorithm, str], int]] = {}
        self.manifest: list[dict] = []

    def camera_file(self, f: File, rel: str) -> str:
        """Copy catalog file ``f`` whole to ``rel`` from a verified copy, its hashes checked."""
        if rel in self.records:
            return rel
        sources = [p for p in cuts_repo.verified_copies(self.s, [f.id]).get(f.id, []) if os.path.isfile(p)]
        if not sources:
            raise UsageError(f"{f.relpath}: no verified copy is mounted", path=f.relpath,
                             hint="mount a drive holding a verified copy of the card")
        self.progress(f"copying {f.relpath}")
        hashes, size = _copy_hashed(sources[0], _inside(self.root, rel))
        expected = _catalog_hashes(f)
        bad = [a.value for a, v in expected.items() if hashes.get(a) != v]
        if size != f.size or bad or not expected:
            raise VerificationFailedError(
                f"{rel}: the copy read from {os.fsdecode(sources[0])} does not match the catalog's source hashes "
                f"({', '.join(bad) or 'no hash in the catalog'}); no ASC MHL was written", path=self.root)
        self.records[rel] = ({a: hashes[a] for a in expected}, size)
        self.manifest.append({"file": rel, "from": os.fsdecode(sources[0]), "catalog_file_id": f.id,
                              "card_path": f.relpath, "hashes": {a.value: v for a, v in expected.items()}})
        return rel

    def made_file(self, rel: str, content: bytes | None = None, *, origin: str) -> str:
        """A file this package writes (``content``) or wrote already (``None``), hashed for the MHL."""
        path = _inside(self.root, rel)
        if content is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        hashes = _hash_file(path)
        self.records[rel] = (hashes, path.stat().st_size)
        self.manifest.append({"file": rel, "from": origin, "hashes": {a.value: v for a, v in hashes.items()}})
        return rel

    def finish(self) -> str:
        self.made_file("manifest.json", json.dumps({"files": self.manifest}, indent=2).encode(), origin="pixm")
        recs = [MhlFileRecord(relpath=os.fsencode(rel), size=size, mtime_ns=_inside(self.root, rel).stat().st_mtime_ns,
                              hashes=hashes) for rel, (hashes, size) in sorted(self.records.items())]
        info = write_generation(self.root, recs, process=Process.TRANSFER, creator=creator(),
                                when=dt.datetime.now(dt.UTC))
        return str(info.path)


def _trim_reason(clip: Clip, files: list[File]) -> str:
    """Why the clip is not trimmed (``""`` when it can be)."""
    codec = (clip.codec or "").lower()
    if clip.kind == "raw" or codec in ("r3d", "arriraw", "braw", "x-ocn"):
        return f"{codec or 'raw'} camera raw: never trimmed, whole file"
    if len(files) != 1 or not files[0].relpath.lower().endswith(".mov"):
        return "not a single MOV file: whole file"
    if not codec.startswith(TRIMMABLE):
        return f"{codec or 'unknown codec'} is not ProRes/DNx (long-GOP or unknown): whole file"
    return ""


def trim_mov(src: Path, dest: Path, fps: Fraction, start_frame: int, first: int, count: int, drop: bool) -> None:
    """Cut ``count`` frames from frame ``first`` (0 = the clip's first) of the MOV ``src`` to ``dest`` by
    stream copy (:func:`media.trim.stream_copy_range`, PyAV: no ffmpeg command needed), its start timecode set
    to the first frame's, then probe ``dest`` back: its start timecode and
    frame count must be the ones asked. Raises :class:`VerificationFailedError` otherwise, ``OSError``."""
    tc = frames_to_tc(start_frame + first, fps, drop_frame=drop)
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        stream_copy_range(src, dest, fps, first, count, tc)
    except ValueError as exc:
        raise VerificationFailedError(f"{src.name} could not be trimmed by stream copy: {exc}", path=dest,
                                      hint="pull without --trim (whole files)") from None
    back = probe_media(dest)
    want_start = start_frame + first
    if back.start_frame != want_start or back.frames != count:
        raise VerificationFailedError(
            f"trimmed {dest.name} probes back as {back.start_tc} × {back.frames} frames, not {tc} × {count}",
            path=dest, hint="pull without --trim (whole files)")


def pull(catalog: Catalog, ref: str, to: Path, *, handles: int = 8, first_frame: int = 1001,
         shots: list[str] | None = None, trim: bool = False, by: str | None = None,
         progress: Callable[[str], None] | None = None) -> PackageResult:
    """Pull the VFX shots of cut ``ref`` (those named in ``shots``, else every marked one) into a new package
    folder under ``to`` (see the module docstring) and record each pull. Raises :class:`UsageError` (no shots,
    no verified copy mounted, package folder not empty), :class:`VerificationFailedError` (a copy or a trim
    does not match), ``OSError``."""
    if handles < 0 or first_frame < 0:
        raise UsageError("--handles and --first-frame cannot be negative")
    with catalog.session() as s:
        cut = cuts_service.get_cut(s, ref)
        fps = Fraction(cut.fps_num, cut.fps_den)
        marked = [e for e in cut.events if e.shot and (not shots or e.shot in shots)]
        if not marked:
            raise UsageError(f"cut {cut.name}@{cut.version} has no VFX shots" + (f" named {shots}" if shots else ""),
                             hint="`pixm vfx mark --cut NAME --events 3,7` marks them")
        root = _package_root(to, cut, "vfx")
        with _removed_if_cancelled(root):
            pkg, result = _Package(s, root, progress), PackageResult(root)
            files = cuts_repo.clip_file_rows(s, [e.clip_id for e in marked if e.clip_id])
            planned = _plan_shots(marked, fps, handles, first_frame, result)
            edl_lines, ranges_by_clip = [], {}
            for _e, clip, rng in planned:
                ranges_by_clip.setdefault(clip.id, []).append((rng.pull_in, rng.pull_out))
            merged = {cid: P.merge(r) for cid, r in ranges_by_clip.items()}
            packaged = _package_media(pkg, {e.clip_id: e.clip for e, _, _ in planned}, files, merged, trim, result)
            rec = 0
            for e, clip, rng in planned:
                cfps = Fraction(clip.fps_num, clip.fps_den)
                row = _shot_row(e, clip, cfps, rng, packaged.get(clip.id, ("", False)))
                result.rows.append(row)
                label = Fraction(nominal(fps), nominal(cfps))  # the EDL counts the cut's labels
                src_in, src_out = (round((clip.start_frame + f) * label) for f in (rng.pull_in, rng.pull_out))
                edl_lines.append(P.EdlLine(reel=(clip.tape_name or clip.reel or "AX")[:8], src_in=src_in,
                                           src_out=src_out, rec_in=rec, rec_out=rec + src_out - src_in,
                                           clip_name=e.shot, source_file=clip.name))
                rec += src_out - src_in
                if e.cdl:
                    c = json.loads(e.cdl)
                    pkg.made_file(f"CDL/{e.shot}.cdl", P.cdl_xml(e.shot, Cdl(tuple(c["slope"]), tuple(c["offset"]),
                                                                              tuple(c["power"]), c["sat"])).encode(),
                                  origin="cut CDL")
                s.add(Pull(kind="vfx", cut_id=cut.id, event_id=e.id, shot=e.shot, clip_id=clip.id,
                           cut_in=rng.cut_in, cut_out=rng.cut_out, pull_in=rng.pull_in, pull_out=rng.pull_out,
                           handles=handles, first_frame=first_frame, package=str(root), trimmed=row["trimmed"],
                           created_by=by or current_user()))
            pkg.made_file("pull_list.csv", P.pull_list_csv(result.rows).encode(), origin="pixm")
            pkg.made_file("pull_list.edl", P.write_edl(f"{cut.name} v{cut.version} VFX pulls", edl_lines, fps,
                                                       drop_frame=cut.drop_frame).encode(), origin="pixm")
            _count_sheet(s, pkg, cut, result.rows, [c for _, c, _ in planned], handles)
            result.mhl = pkg.finish()
            result.files = sorted(pkg.records)
            s.commit()
            return result


def _plan_shots(marked, fps: Fraction, handles: int, first_frame: int, result: PackageResult) -> list:
    planned = []
    for e in sorted(marked, key=lambda e: (e.rec_in, e.track)):
        clip = e.clip
        if e.status != "resolved" or clip is None:
            result.problems.append(f"{e.shot} (event {e.number}): {e.status}: {e.reason}")
            continue
        ref = cuts_service.clip_ref(clip)
        if ref.span() is None:
            result.problems.append(f"{e.shot}: clip {clip.name} has no timecode in the catalog")
            continue
        cin, cout = clip_frames(cuts_service.doc_event(e), ref, fps)
        try:
            rng = P.pull_range(cin, cout, clip.frames, handles, first_frame)
        except ValueError as exc:
            result.problems.append(f"{e.shot}: {exc}")
            continue
        planned.append((e, clip, rng))
    return planned


def _package_media(pkg: _Package, clips: dict[int, Clip], files: dict[int, list[File]],
                   merged: dict[int, list[tuple[int, int]]], trim: bool, result: PackageResult,
                   folder: Callable[[Clip], str] = lambda c: f"media/{P.safe_name(c.card.label, 'card')}",
                   ) -> dict[int, tuple[str, bool]]:
    """Copy (or trim) each clip's media into ``folder(clip)`` (default ``media/<card>``); ``{clip id: (files
    written ';'-joined, trimmed)}``."""
    out: dict[int, tuple[str, bool]] = {}
    for cid, clip in clips.items():
        card = folder(clip)
        reason = _trim_reason(clip, files.get(cid, [])) if trim else "whole file"
        written = []
        if trim and not reason:
            written = _trimmed(pkg, clip, files[cid][0], card, merged[cid])
        else:
            for f in files.get(cid, []):
                written.append(pkg.camera_file(f, f"{card}/{f.relpath}"))
            if trim:
                result.problems.append(f"{clip.name}: {reason}")
        out[cid] = (";".join(written), bool(trim and not reason))
    return out


def _trimmed(pkg: _Package, clip: Clip, f: File, card: str, ranges: list[tuple[int, int]]) -> list[str]:
    sources = [p for p in cuts_repo.verified_copies(pkg.s, [f.id]).get(f.id, []) if os.path.isfile(p)]
    if not sources:
        raise UsageError(f"{f.relpath}: no verified copy is mounted", path=f.relpath)
    src = Path(os.fsdecode(sources[0]))
    if _hash_file(src)[HashAlgorithm.XXH64] != f.xxh64:
        raise VerificationFailedError(f"{src}: does not match the catalog's source hash; nothing trimmed from it")
    written = []
    fps = Fraction(clip.fps_num, clip.fps_den)
    stem, ext = os.path.splitext(os.path.basename(f.relpath))
    for a, b in ranges:
        rel = f"{card}/{P.safe_name(stem)}_{a:06d}-{b - 1:06d}{ext.lower()}"
        pkg.progress(f"trimming {f.relpath} frames {a}–{b - 1}")
        trim_mov(src, _inside(pkg.root, rel), fps, clip.start_frame, a, b - a, clip.drop_frame)
        written.append(pkg.made_file(rel, origin=f"trimmed by stream copy from {src} frames {a}-{b - 1}"))
    return written


def _shot_row(e, clip: Clip, fps: Fraction, rng: P.PullRange, files: tuple[str, bool]) -> dict:
    tc = lambda f: frames_to_tc(clip.start_frame + f, fps, drop_frame=clip.drop_frame)  # noqa: E731
    return {"shot": e.shot, "event": e.number, "track": e.track, "clip": clip.name, "reel": clip.reel or "",
            "tape": clip.tape_name or "", "src_tc_in": tc(rng.cut_in), "src_tc_out": tc(rng.cut_out),
            "pull_tc_in": tc(rng.pull_in), "pull_tc_out": tc(rng.pull_out), "handles_head": rng.head,
            "handles_tail": rng.tail, "short": rng.short, "vfx_first": rng.first_frame, "vfx_cut_in": rng.vfx_cut_in,
            "vfx_cut_out": rng.vfx_cut_out, "vfx_last": rng.vfx_last, "frames": rng.frames,
            "fps": f"{fps.numerator}/{fps.denominator}", "camera": " ".join(
                x for x in (clip.camera_make, clip.camera_model) if x), "lens": clip.lens or "",
            "file": files[0], "trimmed": files[1]}


def _count_sheet(s, pkg: _Package, cut: Cut, rows: list[dict], clips: list[Clip], handles: int) -> None:
    from pixm_desktop.post.countsheet import count_sheet_pdf

    thumbs = cuts_repo.first_thumbnails(s, [c.id for c in clips])
    by_clip = {c.name: thumbs.get(c.id) for c in clips}
    data = count_sheet_pdf(f"{cut.name} v{cut.version} — VFX count sheet ({handles} frame handles)", rows, by_clip)
    pkg.made_file("count_sheet.pdf", data, origin="pixm")


def _reel_folder(clip: Clip) -> str:
    """``<reel>/<card>``: the DI's folders by camera reel, each card (roll) apart."""
    return f"{P.safe_name(clip.reel or 'NO_REEL')}/{P.safe_name(clip.card.label, 'card')}"


def deliver_di(catalog: Catalog, ref: str, to: Path, *, handles: int = 10, trim: bool = False,
               by: str | None = None, progress: Callable[[str], None] | None = None) -> PackageResult:
    """Deliver the camera files cut ``ref`` uses (see the module docstring) into a new folder under ``to``.
    ``trim`` keeps only range + handles of ProRes/DNx MOV clips (probed back); other clips whole, with the
    reason. Raises :class:`UsageError` (nothing resolved, no verified copy mounted, folder not empty),
    :class:`VerificationFailedError`, ``OSError``."""
    with catalog.session() as s:
        cut = cuts_service.get_cut(s, ref)
        fps = Fraction(cut.fps_num, cut.fps_den)
        used = [e for e in cut.events if e.status == "resolved" and e.clip is not None]
        if not used:
            raise UsageError(f"cut {cut.name}@{cut.version} has no resolved event to deliver")
        root = _package_root(to, cut, "di")
        with _removed_if_cancelled(root):
            pkg, result = _Package(s, root, progress), PackageResult(root)
            result.problems += [f"V{e.track} event {e.number}: {e.status}: {e.reason}" for e in cut.events
                                if e.status != "resolved"]
            files = cuts_repo.clip_file_rows(s, list({e.clip_id for e in used}))
            ranges: dict[int, list[tuple[int, int]]] = {}
            for e in used:
                ref_ = cuts_service.clip_ref(e.clip)
                cin, cout = clip_frames(cuts_service.doc_event(e), ref_, fps)
                ranges.setdefault(e.clip_id, []).append((max(0, cin - handles), min(e.clip.frames or cout, cout + handles)))
            merged = {cid: P.merge(r) for cid, r in ranges.items()}
            clips = {e.clip_id: e.clip for e in used}
            written = _package_media(pkg, clips, files, merged, trim, result, folder=_reel_folder)
            for cid, clip in clips.items():
                cf = Fraction(clip.fps_num, clip.fps_den)
                for a, b in merged[cid]:
                    result.rows.append({"clip": clip.name, "card": clip.card.label, "reel": clip.reel or "",
                                        "tape": clip.tape_name or "", "tc_in": frames_to_tc(clip.start_frame + a, cf),
                                        "tc_out": frames_to_tc(clip.start_frame + b, cf), "frames": b - a,
                                        "files": written[cid][0]})
                    s.add(Pull(kind="di", cut_id=cut.id, shot=clip.name, clip_id=cid, cut_in=a + handles, cut_out=b - handles,
                               pull_in=a, pull_out=b, handles=handles, first_frame=0, package=str(root),
                               trimmed=written[cid][1],
                               created_by=by or current_user()))
            for track in sorted({e.track for e in cut.events}):
                lines = [P.EdlLine(e.reel or "AX", e.src_in, e.src_out, e.rec_in, e.rec_out, e.clip_name or "",
                                   e.source_file or (e.clip.name if e.clip else "")) for e in cut.events if e.track == track]
                pkg.made_file(f"EDL/{P.safe_name(cut.name)}_V{track}.edl",
                              P.write_edl(f"{cut.name} v{cut.version} V{track}", lines, fps,
                                          drop_frame=cut.drop_frame).encode(), origin="cut")
            report = ["clip,card,reel,tape,tc_in,tc_out,frames,files"] + [
                ",".join(P._csv_safe(str(r[k])).replace(",", " ") for k in ("clip", "card", "reel", "tape", "tc_in",
                                                                           "tc_out", "frames", "files"))
                for r in result.rows] + [f"# not delivered: {p}" for p in result.problems]
            pkg.made_file("delivery_report.csv", ("\n".join(report) + "\n").encode(), origin="pixm")
            result.mhl = pkg.finish()
            result.files = sorted(pkg.records)
            s.commit()
            return result
