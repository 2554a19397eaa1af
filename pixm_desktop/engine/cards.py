"""Recognise a camera card from its layout (the rules are in ``core.cameras``) and fingerprint its content.

The quick fingerprint identifies a card before any byte is copied — from the names, sizes and mtimes of its
files and the first 64 KiB of its largest files — so a card inserted again, or a copy of it, is known by its
content and not by its label (every camera's first card is called A001).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import xxhash

from pixm_desktop.core import cameras
from pixm_desktop.core.hashes import HashAlgorithm
from pixm_desktop.core.model import Camera
from pixm_desktop.engine.scan import CardScan

FINGERPRINT_HEAD = 64 * 1024  # bytes of each large file read for the quick fingerprint
FINGERPRINT_FILES = 8  # largest files sampled


@dataclass(frozen=True, slots=True)
class CardIdentity:
    """What a card is: camera layout, reel (camera roll, e.g. ``A001``) and a label for people."""

    camera: Camera
    reel: str
    label: str


def recognise(scan: CardScan) -> CardIdentity:
    """Camera and reel from the card's folder layout and clip names, by the first camera family of
    ``core.cameras`` that knows the layout; ``Camera.UNKNOWN`` (reel from the card's name) when none does."""
    label = scan.root.name
    files = [f.relpath.decode("utf-8", "replace") for f in scan.files]
    dirs = [d.decode("utf-8", "replace") for d in scan.dirs]
    camera, reel = cameras.recognise_layout(cameras.CardLayout.of(label, files, dirs))
    return CardIdentity(camera, reel, label)


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
