"""What PIXM writes on a tape beside the camera files, in ``PIXM_TAPE/``: a flattened ASC MHL manifest of the
whole tape (``ascmhl flatten`` style: one external manifest, every file with every hash read back, paths from
the tape's root; ``ascmhl-debug verify -pl MANIFEST TAPE_ROOT`` checks a tape with it), a JSON and a CSV index
with checksums, and the PDF tape report. Each run writes new files (LTFS never rewrites in place)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from pixm_desktop import TOOL_NAME, __version__
from pixm_desktop.core.hashes import MHL_ORDER, HashAlgorithm
from pixm_desktop.core.timeutil import iso_utc
from pixm_desktop.reports.tape import TapeLine, TapeReport, write_tape_report
from pixm_desktop.services import context
from pixm_desktop.services.archive.tape_io import SIDECARS
from pixm_desktop.store.tapes_repo import Content

MHL_NS = "urn:ASC:MHL:v2.0"
#: the flattened manifest's ignore list: the reference tool's defaults, and PIXM's own folder on the tape
IGNORES = (".DS_Store", "ascmhl", "ascmhl/", SIDECARS)
CSV_COLUMNS = ("position", "path", "size", "card", "relpath", "day", "xxh64", "md5", "sha256", "state",
               "verified_at")


@dataclass(frozen=True, slots=True)
class Sidecars:
    manifest: Path
    json: Path
    csv: Path
    pdf: Path

    def paths(self) -> list[Path]:
        return [self.manifest, self.json, self.csv, self.pdf]


def write_sidecars(mount: Path, label: str, copy: str, lines: list[Content], *, capacity: int, used: int,
                   notes: list[str], when: dt.datetime | None = None) -> Sidecars:
    """Write the four sidecars of tape ``label`` (its whole verified contents ``lines``, in tape order).
    Raises ``OSError``."""
    when = (when or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    folder = mount / SIDECARS
    folder.mkdir(exist_ok=True)
    stem = f"{label}_{when:%Y%m%dT%H%M%SZ}"
    out = Sidecars(folder / f"{stem}.mhl", folder / f"{stem}_index.json", folder / f"{stem}_index.csv",
                   folder / f"{stem}_report.pdf")
    good = [c for c in lines if c.state == "verified"]
    out.manifest.write_bytes(flattened_manifest(good, when))
    out.json.write_text(json.dumps({"label": label, "copy": copy, "written": iso_utc(when), "capacity": capacity,
                                    "used": used, "files": [_row(c) for c in lines]}, indent=1,
                                   ensure_ascii=False) + "\n", "utf-8")
    with open(out.csv, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        w.writeheader()
        w.writerows(_row(c) for c in lines)
    report = TapeReport(label=label, copy=copy, created_at=when, host=context.hostname(),
                        tool=f"{TOOL_NAME} {__version__}", capacity=capacity, used=used, notes=list(notes),
                        lines=[TapeLine(c.position, c.path, c.size, c.card, c.day.isoformat() if c.day else "",
                                        c.xxh64 or "", c.md5 or c.sha256 or "", c.state) for c in lines])
    write_tape_report(report, out.pdf)
    return out


def _row(c: Content) -> dict:
    return {"position": c.position, "path": c.path, "size": c.size, "card": c.card, "relpath": c.relpath,
            "day": c.day.isoformat() if c.day else "", "xxh64": c.xxh64 or "", "md5": c.md5 or "",
            "sha256": c.sha256 or "", "state": c.state, "verified_at": iso_utc(c.verified_at) or ""}


def flattened_manifest(lines: list[Content], when: dt.datetime) -> bytes:
    """ASC MHL v2.0 hashlist, process ``flatten``: every file of ``lines`` with its read-back hashes
    (xxh64, md5 — the MHL formats among them), path relative to the tape's root."""
    ET.register_namespace("", MHL_NS)
    root = ET.Element(f"{{{MHL_NS}}}hashlist", version="2.0")
    info = ET.SubElement(root, f"{{{MHL_NS}}}creatorinfo")
    ET.SubElement(info, f"{{{MHL_NS}}}creationdate").text = when.astimezone().isoformat()
    ET.SubElement(info, f"{{{MHL_NS}}}hostname").text = context.hostname()
    ET.SubElement(info, f"{{{MHL_NS}}}tool", version=__version__).text = TOOL_NAME
    proc = ET.SubElement(root, f"{{{MHL_NS}}}processinfo")
    ET.SubElement(proc, f"{{{MHL_NS}}}process").text = "flatten"
    ignore = ET.SubElement(proc, f"{{{MHL_NS}}}ignore")
    for pattern in IGNORES:
        ET.SubElement(ignore, f"{{{MHL_NS}}}pattern").text = pattern
    hashes = ET.SubElement(root, f"{{{MHL_NS}}}hashes")
    stamp = when.astimezone().isoformat()
    for c in lines:
        h = ET.SubElement(hashes, f"{{{MHL_NS}}}hash")
        ET.SubElement(h, f"{{{MHL_NS}}}path", size=str(c.size)).text = c.path
        values = {HashAlgorithm.MD5: c.md5, HashAlgorithm.XXH64: c.xxh64}
        for alg in MHL_ORDER:
            if values.get(alg):
                ET.SubElement(h, f"{{{MHL_NS}}}{alg.value}", action="original", hashdate=stamp).text = values[alg]
    ET.indent(root, "  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """``{tape path: {format: hex}}`` of a flattened manifest (in its order). Raises ``OSError``,
    ``ET.ParseError``."""
    out: dict[str, dict[str, str]] = {}
    for h in ET.parse(path).getroot().iter(f"{{{MHL_NS}}}hash"):
        p = h.find(f"{{{MHL_NS}}}path")
        if p is None or not p.text:
            continue
        out[p.text] = {el.tag.split("}")[-1]: (el.text or "").strip() for el in h
                       if el.tag.split("}")[-1] in {a.value for a in MHL_ORDER}}
    return out


def newest_manifest(mount: Path) -> Path | None:
    """The newest flattened manifest PIXM wrote on the tape (names sort by time), or ``None``."""
    found = sorted((mount / SIDECARS).glob("*.mhl")) if (mount / SIDECARS).is_dir() else []
    return found[-1] if found else None


__all__ = ["CSV_COLUMNS", "IGNORES", "Sidecars", "flattened_manifest", "newest_manifest", "read_manifest",
           "write_sidecars"]
