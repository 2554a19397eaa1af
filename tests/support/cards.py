"""Card builders and what the tests compare: generated sample cards, files with a fixed mtime, silent
corruption, over-deep folders, trees of bytes and mtimes, inodes, copier temp files (formerly in
test_offload_e2e, test_trust_card and conftest)."""

from __future__ import annotations

import os
from pathlib import Path

from pixm_desktop.samples.samplecard import SampleCard, generate_card


def make_card(parent: Path, camera: str, **kw) -> SampleCard:
    opts = {"clips": 2, "seconds": 0.5, "width": 320, "height": 180, **kw}
    return generate_card(parent, camera, **opts)


def write(path: Path, data: bytes, mtime: int = 1_700_000_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def flip_byte(path: Path, offset: int | None = None) -> None:
    """Silent corruption: one bit flipped, size and mtime unchanged."""
    st = path.stat()
    offset = st.st_size // 2 if offset is None else offset
    with open(path, "r+b") as fh:
        fh.seek(offset)
        b = fh.read(1)
        fh.seek(offset)
        fh.write(bytes([b[0] ^ 0x01]))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def deep_folder(root: Path, depth_bytes: int) -> bytes:
    """Make folders below ``root`` whose path is longer than the OS allows (PATH_MAX 4096 on Linux); returns the
    relative path of the deepest folder. Built with ``dir_fd`` steps, as a camera never would."""
    name = b"D" * 200
    rel, fd = b"", os.open(root, os.O_RDONLY)
    try:
        while len(rel) < depth_bytes:
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
            rel = rel + b"/" + name if rel else name
        wfd = os.open(b"CLIP.mov", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, b"deep clip")
        os.close(wfd)
    finally:
        os.close(fd)
    return rel


def walk(root: Path) -> tuple[dict[bytes, Path], set[bytes]]:
    """Files (raw relpath → path) and folders under ``root``; the top-level ``ascmhl`` folder left out."""
    base = os.fsencode(root)
    files: dict[bytes, Path] = {}
    dirs: set[bytes] = set()
    for folder, subdirs, names in os.walk(base):
        if folder == base:
            subdirs[:] = [d for d in subdirs if d != b"ascmhl"]
        for d in subdirs:
            dirs.add(os.path.relpath(os.path.join(folder, d), base))
        for n in names:
            p = os.path.join(folder, n)
            files[os.path.relpath(p, base)] = Path(os.fsdecode(p))
    return files, dirs


def tree(root: Path) -> dict[bytes, tuple[bytes, int]]:
    """``{raw relpath: (content, mtime_ns)}`` of every file (ascmhl history left out)."""
    files, _ = walk(root)
    return {rel: (p.read_bytes(), p.stat().st_mtime_ns) for rel, p in files.items()}


def inodes(root: Path) -> dict[bytes, tuple[int, int]]:
    """``{raw relpath: (st_ino, st_mtime_ns)}``: a file copied again gets a new inode (temp file + rename)."""
    files, _ = walk(root)
    return {rel: (p.stat().st_ino, p.stat().st_mtime_ns) for rel, p in files.items()}


def temp_files(*roots: Path) -> list[bytes]:
    """Copier temp files (``.pixm-*.part``) anywhere under ``roots``."""
    found = []
    for root in roots:
        for folder, _, names in os.walk(os.fsencode(root)):
            found += [os.path.join(folder, n) for n in names if n.startswith(b".pixm-") and n.endswith(b".part")]
    return found
