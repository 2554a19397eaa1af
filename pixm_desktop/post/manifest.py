"""A turnover package's manifest: every file it holds with size, xxh64 and what it is, as JSON (for scripts)
and CSV (for people), UTF-8. JSON: ``{"tool", "kind", "scope", "created", "generation", "files": [{"path",
"size", "xxh64", "role", "clip", "change"}]}`` with paths relative to the package folder."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

CSV_COLUMNS = ("path", "size", "xxh64", "role", "clip", "change")


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One file: ``path`` relative to the package, ``size`` bytes, ``xxh64`` hex, ``role`` (media, sound, ale,
    aaf, xml, report, look, manifest…), the ``clip`` it belongs to ("" for none), ``change`` new | unchanged."""

    path: str
    size: int
    xxh64: str
    role: str
    clip: str = ""
    change: str = "new"


def write_manifest(json_path: Path, csv_path: Path, head: dict, entries: Sequence[ManifestEntry]) -> None:
    """Write both forms; ``head`` is the JSON's other keys (tool, kind, scope, created, generation)."""
    data = {**head, "files": [asdict(e) for e in entries]}
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
        w.writeheader()
        for e in entries:
            w.writerow(asdict(e))


__all__ = ["CSV_COLUMNS", "ManifestEntry", "write_manifest"]
