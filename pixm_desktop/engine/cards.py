"""Recognise a camera card from its layout (field notes §3) and fingerprint its content.

The quick fingerprint identifies a card before any byte is copied — from the names, sizes and mtimes of its
files and the first 64 KiB of its largest files — so a card inserted again, or a copy of it, is known by its
content and not by its label (every camera's first card is called A001).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import xxhash

from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import Camera
from pixm_desktop.engine.scan import CardScan

_ARRI_REEL = re.compile(r"^([A-Z])(\d{3})R([0-9A-Z]{2,4})$")
_ARRI_CLIP = re.compile(r"^([A-Z])(\d{3})C(\d{3})_\d{6}_[0-9A-Z]{4}\.(mov|mxf)$", re.I)
_ALEXA35_CLIP = re.compile(r"^([A-Z])_(\d{4})C(\d{3})_\d{6}_\d{6}_[0-9A-Za-z]{5}\.mxf$", re.I)
_RED_MAG = re.compile(r"^([A-Z])(\d{3})_[0-9A-Z]{4,6}\.RDM$", re.I)
_RED_CLIP = re.compile(r"^([A-Z])(\d{3})_C\d{3}_[0-9A-Z]{6}\.RDC$", re.I)
_SONY_CLIP = re.compile(r"^([A-Z])(\d{3})C(\d{3})_\d{6}[0-9A-Z]{2}\.MXF$", re.I)
_BRAW = re.compile(r"^([A-Z])(\d{3})_\d{8}_C\d{3}\.braw$", re.I)
_CANON = re.compile(r"^([A-Z])(?:_)?(\d{3,4})C(\d{3})", re.I)
FINGERPRINT_HEAD = 64 * 1024  # bytes of each large file read for the quick fingerprint
FINGERPRINT_FILES = 8  # largest files sampled


@dataclass(frozen=True, slots=True)
class CardIdentity:
    """What a card is: camera layout, reel (camera roll, e.g. ``A001``) and a label for people."""

    camera: Camera
    reel: str
    label: str


def recognise(scan: CardScan) -> CardIdentity:
    """Camera and reel from the card's folder layout and clip names; ``Camera.UNKNOWN`` when nothing matches."""
    label = scan.root.name
    names = [f.relpath.decode("utf-8", "replace") for f in scan.files]
    dirs = [d.decode("utf-8", "replace") for d in scan.dirs]
    parts = {p for rel in names + dirs for p in rel.split("/")}
    upper = {p.upper() for p in parts}
    for camera, test in _RULES:
        reel = test(label, parts, upper, names)
        if reel is not None:
            return CardIdentity(camera, reel, label)
    return CardIdentity(Camera.UNKNOWN, _reel_from_label(label), label)


def _arri(label, parts, upper, names):
    m = _ARRI_REEL.match(label)
    if m and any(n.lower().endswith((".mov", ".mxf")) for n in names):
        return f"{m.group(1)}{m.group(2)}"
    for p in parts:
        if (m := _ARRI_CLIP.match(p) or _ALEXA35_CLIP.match(p)) is not None:
            return f"{m.group(1)}{int(m.group(2)):03d}"
    return None


def _red(label, parts, upper, names):
    if not any(p.endswith(".R3D") for p in upper):
        return None
    for p in [label, *parts]:
        if (m := _RED_MAG.match(p) or _RED_CLIP.match(p)) is not None:
            return f"{m.group(1)}{m.group(2)}"
    return _reel_from_label(label)


def _sony(label, parts, upper, names):
    if "XDROOT" not in upper and "MEDIAPRO.XML" not in upper:
        return None
    for p in parts:
        if (m := _SONY_CLIP.match(p)) is not None:
            return f"{m.group(1)}{m.group(2)}"
    return _reel_from_label(label)


def _canon(label, parts, upper, names):
    if "CONTENTS" not in upper or not any(p.startswith("CLIPS") for p in upper):
        return None
    for p in parts:
        if p.upper().endswith(".MXF") and (m := _CANON.match(p)) is not None:
            return f"{m.group(1)}{int(m.group(2)):03d}"
    return _reel_from_label(label)


def _braw(label, parts, upper, names):
    if not any(p.endswith(".BRAW") for p in upper):
        return None
    for p in parts:
        if (m := _BRAW.match(p)) is not None:
            return f"{m.group(1)}{m.group(2)}"
    return _reel_from_label(label)


def _gopro(label, parts, upper, names):
    if "DCIM" in upper and any(re.match(r"^\d{3}(GOPRO|MEDIA)$", p) for p in upper):
        return _reel_from_label(label)
    return None


def _sound(label, parts, upper, names):
    wavs = [n for n in names if n.lower().endswith((".wav", ".bwf"))]
    if wavs and len(wavs) >= len(names) * 0.5:
        return _reel_from_label(label)
    return None


_RULES = [(Camera.RED, _red), (Camera.SONY, _sony), (Camera.CANON, _canon), (Camera.ARRI, _arri),
          (Camera.BRAW, _braw), (Camera.GOPRO, _gopro), (Camera.SOUND, _sound)]


def _reel_from_label(label: str) -> str:
    m = re.match(r"^([A-Z])_?(\d{3})", label)
    return f"{m.group(1)}{m.group(2)}" if m else label[:8]


def quick_fingerprint(scan: CardScan) -> str:
    """xxh128 over sorted (name, size, mtime) and the head of the largest files: ``xxh128`` hex, 32 chars.

    Reads at most ``FINGERPRINT_FILES × FINGERPRINT_HEAD`` bytes from the card. A sampled file that cannot be
    read adds a marker instead of its head (the copy reports it; the card is still recognised by its names,
    sizes and mtimes, see ``store.repo.find_grown_card``).
    """
    h = xxhash.xxh3_128()
    for f in scan.files:
        h.update(f.relpath + b"\0" + f.size.to_bytes(8, "little") + (f.mtime_ns // 1_000_000_000).to_bytes(8, "little"))
    largest = sorted(scan.files, key=lambda f: (-f.size, f.relpath))[:FINGERPRINT_FILES]
    base = os.fsencode(scan.root)
    for f in largest:
        try:
            with open(os.path.join(base, f.relpath), "rb") as fh:
                h.update(fh.read(FINGERPRINT_HEAD))
        except OSError:
            h.update(b"\0unreadable\0")
    return h.hexdigest()


def content_fingerprint(file_hashes: dict[bytes, str], algorithm: HashAlgorithm) -> str:
    """Fingerprint of a fully hashed card: xxh128 over sorted (relpath, file hash text). 32 hex chars."""
    h = xxhash.xxh3_128(algorithm.value.encode())
    for rel in sorted(file_hashes):
        h.update(rel + b"\0" + file_hashes[rel].encode() + b"\n")
    return h.hexdigest()
